"""Route cards: the rank follows the figure the card leads with, and ties are called ties.

The summaries are synthetic (two made-up routes per group); the first pair's
trip totals are the ACLED Jan-Jul 2020 figures quoted in issue 12.
"""

from __future__ import annotations

import pandas as pd

from geo.route_report import compare_alternatives
from geo.settings import DEFAULTS
from ui.routes import rank_text


def _summary(totals: dict[str, float], lengths: dict[str, float]) -> pd.DataFrame:
    ids = list(totals)
    return pd.DataFrame(
        {
            "route_id": ids,
            "group": ["g"] * len(ids),
            "origin": ["Dakar"] * len(ids),
            "label": ids,
            "length_km": [lengths[i] for i in ids],
            "km_high": [0.0] * len(ids),
            "km_critical": [0.0] * len(ids),
            "exposure_total": [totals[i] for i in ids],
            "mean_exposure_per_km": [totals[i] / lengths[i] for i in ids],
            "max_exposure_per_km": [1.0] * len(ids),
            "n_incidents": [5] * len(ids),
        }
    )


def test_a_04_percent_difference_is_no_meaningful_difference():
    out = compare_alternatives(
        _summary({"south": 64.01, "north": 64.26}, {"south": 1252.0, "north": 1354.0})
    )
    assert not out["meaningful_difference"].any()
    text = rank_text(out.iloc[0], 2)
    assert text.startswith("No meaningful difference") and "Rank" not in text


def test_a_clear_difference_is_ranked_by_the_trip_figure_the_card_shows():
    # North is shorter but carries more exposure over the trip: it ranks second.
    out = compare_alternatives(
        _summary({"south": 40.0, "north": 90.0}, {"south": 1400.0, "north": 1200.0})
    )
    assert out["meaningful_difference"].all()
    ranked = out.sort_values("rank_in_group")
    assert ranked["exposure_total"].is_monotonic_increasing
    assert ranked["route_id"].tolist() == ["south", "north"]
    assert rank_text(ranked.iloc[0], 2) == (
        "Rank 1 of 2 by exposure over the trip (1 = least exposed)."
    )


def test_the_unit_rule_scales_with_the_buffer():
    # 20 units apart and 25 % of the larger: under one fresh incident at the road
    # (25 units with the default 25 km buffer), over it with a 10 km buffer.
    summary = _summary({"a": 60.0, "b": 80.0}, {"a": 1000.0, "b": 1000.0})
    wide = compare_alternatives(summary, tie_units=DEFAULTS.route_tie_incidents * 25.0)
    narrow = compare_alternatives(summary, tie_units=DEFAULTS.route_tie_incidents * 10.0)
    assert not wide["meaningful_difference"].any()
    assert narrow["meaningful_difference"].all()
