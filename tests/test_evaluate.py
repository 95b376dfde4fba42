"""Tests for geo.evaluate (rolling-origin backtest) and ``python -m geo evaluate``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.admin import assign_admin
from geo.cli import main
from geo.errors import ParameterError
from geo.evaluate import BACKTEST_COLUMNS, BACKTEST_METHODS, backtest, score_ranking
from tests import common


@pytest.mark.parametrize(
    ("values", "test", "coverage", "expected"),
    [
        pytest.param(
            [5, 4, 3, 2, 1, 0, 0, 0, 0, 0], [4, 0, 1, 0, 0, 3, 0, 0, 0, 2], 20, (4.0, 7.0, 0.2),
            id="top two cells hold 4 of 10; the best two hold 7",
        ),
        pytest.param(
            [1, 1, 0, 0], [2, 0, 1, 1], 25, (1.0, 2.0, 0.25),
            id="two cells tie for one place: each counts half",
        ),
        pytest.param(
            [0, 0, 0, 0], [2, 0, 1, 1], 50, (2.0, 3.0, 0.5),
            id="a flat map expects its area share",
        ),
        pytest.param(
            [np.nan, 3, 0, 0], [5, 1, 0, 0], 25, (1.0, 5.0, 0.25),
            id="NaN ranks last",
        ),
    ],
)  # fmt: skip
def test_score_ranking_by_hand(values, test, coverage, expected):
    got = score_ranking(np.asarray(values, float), np.asarray(test), coverage_pct=coverage)
    assert got == pytest.approx(expected)


def test_hit_rate_pai_pei_by_hand():
    # 10 cells, top 20 %: hits 4 of N = 10 test incidents -> HR 0.4, PAI 0.4 / 0.2 = 2,
    # PEI 4 / 7 (the best two cells hold 7).
    hits, best, share = score_ranking(
        np.array([5, 4, 3, 2, 1, 0, 0, 0, 0, 0.0]),
        np.array([4, 0, 1, 0, 0, 3, 0, 0, 0, 2]),
        coverage_pct=20,
    )
    hr = hits / 10
    assert (hr, hr / share, hits / best) == pytest.approx((0.4, 2.0, 4 / 7))


def _fixture() -> pd.DataFrame:
    """SYNTHETIC: 6 events in March 2024 at a point of square B; 3 there and 1 in C in April."""
    b, c = (-7.5, 12.5), (-8.5, 13.5)
    pts = [b] * 6 + [b] * 3 + [c]
    days = (
        [f"2024-03-{d:02d}" for d in (5, 9, 13, 17, 21, 25)] + ["2024-04-05"] * 3 + ["2024-04-20"]
    )
    incidents = common.make_incidents(
        [shapely.Point(p) for p in pts], event_date=list(pd.to_datetime(days))
    )
    return assign_admin(
        incidents, admin1=common.admin1(), admin2=common.admin2(), countries=common.countries()
    )


def test_backtest_scores_a_hand_checkable_fixture():
    result = backtest(
        _fixture(),
        common.admin2(),
        start=dt.date(2024, 4, 1),
        end=dt.date(2024, 5, 1),
        horizon_days=30,
        coverages_pct=(1.0,),
        resolution=5,
    )
    m = int(result.settings["grid"].split(" ")[0].replace(",", ""))
    k = max(1, round(m / 100))
    rows = result.periods.set_index("method")
    assert list(result.periods.columns) == list(BACKTEST_COLUMNS)
    assert set(rows.index) == set(BACKTEST_METHODS) and (rows["n_test"] == 4).all()
    # hex, last period and long run: B's cell first (6 events), then k - 1 places shared
    # by the M - 1 empty cells, one of which holds C's test incident.
    hits = 3 + (k - 1) / (m - 1)
    for method in ("hex", "last_period", "long_run"):
        assert rows.loc[method, "hit_rate"] == pytest.approx(hits / 4)
        assert rows.loc[method, "pai"] == pytest.approx((hits / 4) / (k / m))
        assert rows.loc[method, "pei"] == pytest.approx(hits / 4)  # the best k cells hold all 4
    assert result.pooled["origin"].eq("pooled").all()
    assert "4 test incidents over 1 origins" in result.sentence


def test_backtest_needs_a_window_longer_than_the_horizon():
    with pytest.raises(ParameterError, match="shorter than one horizon of 30 days"):
        backtest(_fixture(), common.admin2(), start=dt.date(2024, 4, 1), end=dt.date(2024, 4, 20))


def test_cli_writes_the_scores_and_the_plot(tmp_path, capsys):
    out = tmp_path / "evaluate.csv"
    argv = ["evaluate", "--from", "2019-01-01", "--to", "2019-03-02", "--out", str(out)]
    assert main(argv) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == list(BACKTEST_COLUMNS)
    assert set(table["origin"]) == {"2019-01-01", "2019-01-31", "pooled"}
    assert len(table) == 3 * len(BACKTEST_METHODS) * 3
    assert (tmp_path / "evaluate.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "predicted best" in printed and "2 origins from 2019-01-01" in printed
