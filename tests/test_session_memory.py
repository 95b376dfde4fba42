"""What a session keeps once it has left: its memos live in a session-scoped cache.

Streamlit keeps a disconnected session's ``st.session_state`` for a reconnect
(``server.disconnectedSessionTTL``, and until a later disconnect reaps it), but
clears its session-scoped caches as it disconnects. The page's big objects
(the data set, the analysis, the reference layers) must therefore never sit in
``st.session_state`` (benchmarks/load_sessions.py measured +243 % of the
server's memory kept after ten 100,000-incident sessions had left).
"""

from __future__ import annotations

import pickle
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.data import _release_slots

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_session_state_holds_no_data_after_a_full_run():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    state = at.session_state.to_dict()
    assert "analysis.last" not in state and "data.context" not in state
    sizes = {k: len(pickle.dumps(v)) for k, v in state.items()}
    assert sum(sizes.values()) < 64 * 1024, sorted(sizes.items(), key=lambda kv: -kv[1])[:5]


def test_releasing_a_session_drops_its_memos():
    slots = {"analysis.last": ("key", object()), "data.context": ("bundled", object())}
    _release_slots(slots)
    assert slots == {}
