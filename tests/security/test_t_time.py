"""SECURITY.md 4.2, cases T: Time: date formats, impossible dates, future and ancient events.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.security.helpers import FIX, csv_bytes, one_row_csv, read


def test_t01_acled_day_first_dates():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert pd.to_datetime("03-04-2023").month == 3  # default: 4 March
    result = read((FIX / "acled_2023.csv").read_bytes(), "acled.csv")
    assert result.incidents["event_date"].iat[0] == pd.Timestamp("2025-04-03")


def test_t02_t03_mixed_formats_and_impossible_dates_are_row_errors():
    values = ["03-04-2023", "2023-02-30", "13-04-2023", "12 March 2023", "04/03/2023"]
    coerced = pd.to_datetime(pd.Series(values), errors="coerce", format="mixed", dayfirst=False)
    assert coerced.isna().sum() >= 1  # silent NaT
    rows = [
        {
            "event_id_cnty": f"MLI9{k}",
            "event_date": v,
            "event_type": "Riots",
            "latitude": 12.6,
            "longitude": -8.0,
        }
        for k, v in enumerate(values)
    ]
    result = read(csv_bytes(rows), "acled.csv")
    kept = result.incidents["event_date"].dt.strftime("%Y-%m-%d").tolist()
    assert kept == ["2023-04-03", "2023-04-13", "2023-03-12"]
    rejected = {i.row: i.reason for i in result.report.issues if i.action == "rejected"}
    assert set(rejected) == {3, 6}
    assert "not a calendar date" in rejected[3] and "accepted formats" in rejected[6]


def test_t04_zoned_timestamps_normalised_or_noted():
    result = read(one_row_csv(date="2025-04-03T23:30:00-05:00"), "tz.csv")
    assert result.incidents["event_date"].iat[0] == pd.Timestamp("2025-04-04")
    (issue,) = result.report.issues
    assert issue.row == 2 and "UTC date 2025-04-04" in issue.reason


def test_t04_unix_timestamps_rejected_per_row():
    (issue,) = read(one_row_csv(date="1680480000"), "unix.csv").report.issues
    assert issue.action == "rejected" and "accepted formats" in issue.reason


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        pytest.param("week", "(week precision)", id="week"),
        pytest.param("month", "(month precision)", id="month"),
        pytest.param("year", "(year precision)", id="year"),
    ],
)
def test_t05_coarse_dates_shown_as_approximate(precision, expected):
    import common

    from layers.incidents import build_incidents

    incidents = common.make_incidents(common.point_geoms(["inside_b"]), date_precision=precision)
    group = build_incidents(incidents, name="Incidents")
    (layer,) = [c for c in group._children.values() if type(c).__name__ == "IncidentLayer"]
    assert any(expected in text for text in layer.tables[0])


def test_t06_future_and_very_old_dates_flagged():
    result = read((FIX / "dates_acled.csv").read_bytes(), "dates.csv")
    flagged = {i.row: i.reason for i in result.report.issues if i.action == "flagged"}
    assert "is in the future" in flagged[7] and "before 1989" in flagged[8]
