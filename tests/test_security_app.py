"""SECURITY.md 4.2, sessions and access (K01, K02, K06) with ``streamlit.testing.v1.AppTest``.

The access gate (:mod:`ui.access`) runs in a two-line page standing in for
``app.py`` ("DATA LOADED" marks that data would load); the session tests run
the real ``app.py``. Uploaded files are SYNTHETIC: made-up events at the OSM
town points of Bamako, Kayes and Ségou (tests/fixtures/incidents/README.md).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui.access import MAX_PASSWORD_ATTEMPTS, access_settings, password_matches

APP = str(Path(__file__).resolve().parent.parent / "app.py")
GATED = """
import streamlit as st
from ui.access import require_access
require_access()
st.text("DATA LOADED")
"""
PASSWORD = "synthetic test passphrase, not a real one"
DIGEST = hashlib.sha256(PASSWORD.encode()).hexdigest()


def gated(*, secrets: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_string(GATED, default_timeout=60)
    at.secrets.update(secrets or {})
    if user is not None:
        at.user = user
    return at.run()


def loaded(at: AppTest) -> bool:
    assert not at.exception, [e.value for e in at.exception]
    return any(t.value == "DATA LOADED" for t in at.text)


def test_k06_gate_is_open_without_configuration():
    assert loaded(gated())


def test_k06_password_asked_before_any_data_and_checked():
    at = gated(secrets={"access": {"password_sha256": DIGEST.upper()}})
    assert not loaded(at) and [t.label for t in at.text_input] == ["Password"]
    at.text_input(key="access.password").input("wrong")
    at.button[0].click()
    at.run()
    assert not loaded(at) and [e.value for e in at.error] == ["Wrong password."]
    at.text_input(key="access.password").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert loaded(at)
    assert at.run() and loaded(at)  # granted for the rest of the session


def test_k06_password_form_locks_after_repeated_failures():
    at = gated(secrets={"access": {"password_sha256": DIGEST}})
    for _ in range(MAX_PASSWORD_ATTEMPTS):
        at.text_input(key="access.password").input("wrong")
        at.button[0].click()
        at.run()
    assert not loaded(at)
    assert [e.value for e in at.error] == [
        "Too many wrong passwords. Close this tab and open the map again later."
    ]
    assert not at.text_input  # no more form


AUTH = {"auth": {"client_id": "synthetic", "redirect_uri": "http://127.0.0.1/oauth2callback"}}


@pytest.mark.parametrize(
    ("user", "allowed", "admitted"),
    [
        pytest.param({"is_logged_in": False}, ["a@example.org"], False, id="not logged in"),
        pytest.param(
            {"is_logged_in": True, "email": "b@example.org"}, ["a@example.org"], False, id="other"
        ),
        pytest.param(
            {"is_logged_in": True, "email": "A@Example.org"}, ["a@example.org"], True, id="listed"
        ),
        pytest.param(
            {"is_logged_in": True, "email": "a@example.org", "email_verified": False},
            ["a@example.org"],
            False,
            id="unverified",
        ),
        pytest.param({"is_logged_in": True, "email": "a@example.org"}, [], False, id="no list"),
    ],
)
def test_k06_logged_in_account_must_be_on_the_allowlist(user, allowed, admitted):
    at = gated(secrets={**AUTH, "access": {"allowed_emails": allowed}}, user=user)
    assert loaded(at) is admitted
    if not user["is_logged_in"]:
        assert [b.label for b in at.button] == ["Log in"]


def test_k06_login_and_password_both_required_when_both_configured():
    secrets = {**AUTH, "access": {"allowed_emails": ["a@example.org"], "password_sha256": DIGEST}}
    at = gated(secrets=secrets, user={"is_logged_in": True, "email": "a@example.org"})
    assert not loaded(at) and [t.label for t in at.text_input] == ["Password"]


def test_access_helpers():
    assert access_settings({"access": {"password_sha256": " AB "}}) == ("ab", None)
    assert access_settings({**AUTH, "access": {"allowed_emails": "x@y.org"}}) == (
        None,
        frozenset({"x@y.org"}),
    )
    assert password_matches(PASSWORD, DIGEST) and not password_matches(PASSWORD + " ", DIGEST)


# --------------------------------------------------------------------------- the real app

# SYNTHETIC uploads, one per session: two events at Bamako, three at Kayes and Ségou.
FILE_A = b"""id,date,lat,lon,type,location,notes
A1,2025-03-01,12.64932,-8.00034,kidnapping,Bamako,Synthetic row of session A
A2,2025-03-05,12.64932,-8.00034,armed_attack,Bamako,Synthetic row of session A
"""
FILE_B = b"""id,date,lat,lon,type,location,notes
B1,2025-03-02,14.44341,-11.43793,armed_attack,Kayes,Synthetic row of session B
B2,2025-03-06,13.44153,-6.26815,convoy_attack,Segou,Synthetic row of session B
B3,2025-03-07,13.44153,-6.26815,convoy_attack,Segou,Synthetic row of session B
"""


def session_with(name: str, data: bytes) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.radio(key="data.source").set_value("upload").run()
    at.file_uploader(key="data.upload").upload(name, data, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    return "\n".join(e.value for e in (*at.text, *at.caption, *at.markdown) if e.value)


def test_k01_two_sessions_with_different_files_each_see_only_their_own():
    a = session_with("session_a.csv", FILE_A)
    b = session_with("session_b.csv", FILE_B)
    a.run()
    figures_a = {m.label: m.value for m in a.metric}
    figures_b = {m.label: m.value for m in b.metric}
    assert figures_a["Incidents"] == "2" and figures_b["Incidents"] == "3"
    assert "session_a.csv" in _texts(a) and "session_b.csv" not in _texts(a)
    assert "session_b.csv" in _texts(b) and "session_a.csv" not in _texts(b)


def test_k02_cleared_caches_give_the_same_page():
    first = AppTest.from_file(APP, default_timeout=180).run()
    before = ({m.label: m.value for m in first.metric}, [t.value for t in first.text])
    st.cache_data.clear()  # what any viewer's clear_cache message does, for everyone
    st.cache_resource.clear()
    second = AppTest.from_file(APP, default_timeout=180).run()
    assert not second.exception
    assert ({m.label: m.value for m in second.metric}, [t.value for t in second.text]) == before
