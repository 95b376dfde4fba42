"""The CLI's tables and the app's analysis equal their recorded golden outputs.

When a change moves a figure on purpose, regenerate with ``python -m tests.golden``
(or ``python -m tests.golden CASE``), review ``git diff tests/golden/expected`` and
say why in the commit message (see :mod:`tests.golden.cases`).
"""

import pytest

from tests.golden.cases import CASES, EXPECTED, expected_path, run_case


@pytest.mark.parametrize("name", list(CASES))
def test_outputs_equal_the_golden_record(name):
    got = run_case(name)
    stored = sorted(p.name for p in EXPECTED.glob(f"{name}.*csv") if _case_of(p.name) == name)
    assert sorted(expected_path(name, t).name for t in got) == stored, (
        f"{name}: the tables written changed; run `python -m tests.golden {name}` if on purpose"
    )
    for table, text in got.items():
        want = expected_path(name, table).read_text(encoding="utf-8")
        assert text == want, (
            f"{name} {table or '(table)'} differs from {expected_path(name, table).name}; "
            f"if on purpose run `python -m tests.golden {name}` and say why in the commit"
        )


def _case_of(filename: str) -> str:
    stem = filename.removesuffix(".csv")
    return next((c for c in sorted(CASES, key=len, reverse=True) if stem.split(".")[0] == c), "")
