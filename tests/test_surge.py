"""Tests for geo.surge: ACLED-style weekly and monthly surge flags."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import ParameterError
from geo.surge import surge_flags

# --- Surge flags --------------------------------------------------------------------------

AS_OF = pd.Timestamp("2024-06-30")


def _events_back(unit: str, days_back: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"adm2_id": unit, "event_date": [AS_OF - pd.Timedelta(days=d) for d in days_back]}
    )


def test_surge_on_a_constructed_series():
    a = _events_back("A", [1, 2, 3, 10, 17, 24, 31] + [45 + 28 * k for k in range(11)])
    quiet = _events_back("B", [2])
    steady = _events_back("C", [7 * k for k in range(52)] + [-3])  # -3: after as_of, ignored
    out = surge_flags(
        pd.concat([a, quiet, steady]), unit_col="adm2_id", as_of=AS_OF, unit_ids=["D"]
    )
    # A: latest week 3 vs 4 events in the 4 weeks before (avg 1); latest 4-week month 6
    # vs 12 events in the 12 months before (avg 1); 18 events in 52 weeks = 1.38 per 4 weeks.
    assert out.loc["A"].to_dict() == {
        "latest_week": 3,
        "avg_week_prev_4": 1.0,
        "week_change_pct": 200.0,
        "latest_month": 6,
        "avg_month_prev_12": 1.0,
        "month_change_pct": 500.0,
        "events_per_4_weeks": pytest.approx(18 / 13),
        "ignored": False,
        "week_flag": True,
        "month_flag": True,
    }
    # B: one event in a year is under one per four weeks: ignored, never flagged.
    assert out.loc["B", ["ignored", "week_flag", "month_flag"]].tolist() == [True, False, False]
    # C: one event a week, steady: 1 vs 1 and 4 vs 4, no flag.
    assert out.loc[
        "C", ["latest_week", "avg_week_prev_4", "latest_month", "avg_month_prev_12"]
    ].tolist() == [
        1,
        1.0,
        4,
        4.0,
    ]
    assert out.loc["C", ["week_flag", "month_flag"]].tolist() == [False, False]
    assert out.loc["D", "latest_week"] == 0 and bool(out.loc["D", "ignored"])
    assert out.attrs["surge"]["latest_week"] == ["2024-06-24", "2024-06-30"]


def test_surge_needs_the_unit_column_and_a_date():
    with pytest.raises(ParameterError, match="`unit_col` was 'adm9_id'"):
        surge_flags(_events_back("A", [1]), unit_col="adm9_id", as_of=AS_OF)
    with pytest.raises(ParameterError, match="`as_of` was 'soon'"):
        surge_flags(_events_back("A", [1]), unit_col="adm2_id", as_of="soon")


# The weekly rule at its boundary: 8 events in the 4 weeks before (an average of 2 a week)
# and 14 older ones (days 60..372) so the unit is active (22 events in 52 weeks > 13).
_BEFORE = [8, 9, 15, 16, 22, 23, 29, 30] + [60 + 24 * k for k in range(14)]


@pytest.mark.parametrize(
    "latest_days, flagged",
    [
        pytest.param([1, 2, 3, 4], True, id="4 = 2 x the average of 2: flagged"),
        pytest.param([1, 2, 3], False, id="3 = 1.5 x the average: not a surge"),
    ],
)
def test_weekly_surge_is_twice_the_four_week_average(latest_days, flagged):
    out = surge_flags(_events_back("A", latest_days + _BEFORE), unit_col="adm2_id", as_of=AS_OF)
    row = out.loc["A"]
    assert (row["latest_week"], row["avg_week_prev_4"], row["ignored"]) == (
        len(latest_days),
        2.0,
        False,
    )
    assert bool(row["week_flag"]) is flagged
