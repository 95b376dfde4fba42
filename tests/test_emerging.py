"""Tests for geo.emerging: the cube, space-time Gi*, Mann-Kendall and the 17 categories.

Every cube here is SYNTHETIC, built by hand: a 7 × 7 grid of made-up 0.5°
squares (ids ``r0c0`` .. ``r6c6``, nothing real), 20 monthly steps, a
checkerboard background of 40 and 60 incidents per bin, and the 3 × 3 block
around the centre unit ``r3c3`` given its own series per step (``None`` keeps
the background). Hot steps put 150 in the block, cold steps 0; ramps make the
trends. Each category is asserted on the centre unit of the cube built for it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pymannkendall
import pytest
import shapely
from libpysal.graph import Graph

from geo.emerging import (
    CATEGORIES,
    classify_series,
    emerging_hotspots,
    event_hexes,
    mann_kendall,
    space_time_cube,
    spacetime_gistar,
    unit_sentence,
)
from geo.errors import InsufficientDataError, ParameterError
from geo.gistar import _queen_neighbours, _z_scores

SIDE = 7
STEPS = 20
CENTRE = "r3c3"
HOT, COLD, BG = 150, 0, None


def _grid() -> gpd.GeoDataFrame:
    ids, boxes = [], []
    for r in range(SIDE):
        for c in range(SIDE):
            ids.append(f"r{r}c{c}")
            boxes.append(shapely.box(-9 + c * 0.5, 12 + r * 0.5, -8.5 + c * 0.5, 12.5 + r * 0.5))
    return gpd.GeoDataFrame({"unit_id": ids}, geometry=boxes, crs=4326)


def _cube(block: list[int | None]) -> pd.DataFrame:
    assert len(block) == STEPS
    x = np.array(
        [[40 if (r + c) % 2 else 60] * STEPS for r in range(SIDE) for c in range(SIDE)],
        dtype=np.int64,
    )
    for r in range(2, 5):
        for c in range(2, 5):
            for t, v in enumerate(block):
                if v is not None:
                    x[r * SIDE + c, t] = v
    steps = pd.period_range("2020-01", periods=STEPS, freq="M")
    return pd.DataFrame(x, index=_grid()["unit_id"], columns=steps)


def _ramp(a: int, b: int) -> list[int | None]:
    return [int(v) for v in np.linspace(a, b, STEPS)]


def _at(steps: list[int], value: int) -> list[int | None]:
    return [value if t in steps else BG for t in range(STEPS)]


CUBES: dict[str, list[int | None]] = {
    "new_hot": _at([19], HOT),
    "consecutive_hot": _at([17, 18, 19], HOT),
    "intensifying_hot": _ramp(150, 250),
    "persistent_hot": [140, 160] * 10,
    "diminishing_hot": _ramp(250, 150),
    "sporadic_hot": _at([3, 9, 15], HOT),
    "oscillating_hot": [COLD if t == 2 else HOT if t == 19 else BG for t in range(STEPS)],
    "historical_hot": [HOT] * 18 + [BG, BG],
    "new_cold": _at([19], COLD),
    "consecutive_cold": _at([17, 18, 19], COLD),
    "intensifying_cold": _ramp(30, 0),
    "persistent_cold": [0, 4] * 10,
    "diminishing_cold": _ramp(0, 30),
    "sporadic_cold": _at([3, 9, 15], COLD),
    "oscillating_cold": [HOT if t == 2 else COLD if t == 19 else BG for t in range(STEPS)],
    "historical_cold": [COLD] * 18 + [BG, BG],
    "no_pattern": [BG] * STEPS,
}


def test_one_cube_per_category():
    assert sorted(CUBES) == sorted(CATEGORIES)
    assert len(CATEGORIES) == 17


@pytest.mark.parametrize("category", list(CUBES))
def test_each_category_comes_out_of_the_cube_built_for_it(category):
    result = emerging_hotspots(_grid(), _cube(CUBES[category]))
    centre = result.units.set_index("unit_id").loc[CENTRE]
    assert centre["category"] == category, centre[["n_hot", "n_cold", "trend_z", "trend_p"]]


def test_result_columns_and_settings_say_what_was_used():
    result = emerging_hotspots(_grid(), _cube(CUBES["intensifying_hot"]))
    centre = result.units.set_index("unit_id").loc[CENTRE]
    assert centre["n_hot"] == 20 and centre["n_steps"] == 20 and centre["share_hot"] == 1.0
    assert centre["trend_tau"] > 0.9 and centre["trend_p"] < 0.001
    assert centre["category_label"] == "Intensifying hot spot"
    s = result.settings
    assert s["time_lag_steps"] == 1 and s["fdr"] is True and s["steps_needed_for_share"] == 18
    assert "Mann-Kendall" in s["inference"] and "Benjamini-Hochberg" in s["inference"]
    assert sum(s["categories"].values()) == SIDE * SIDE
    assert result.z.shape == (SIDE * SIDE, STEPS)


SERIES = [
    [1.0, 2.0, 3.0, 4.0, 5.0],
    [5.0, 4.0, 4.0, 4.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 2.0],
    [3.2, -1.0, 0.5, 0.5, 7.0, -2.0, 0.5, 3.2, 1.1, 1.1],
    [2.0, 2.0, 2.0, 2.0],
    list(np.random.default_rng(3).integers(0, 4, size=40).astype(float)),
]


@pytest.mark.parametrize("series", SERIES)
def test_mann_kendall_matches_pymannkendall_with_and_without_ties(series):
    ours = mann_kendall(series)
    ref = pymannkendall.original_test(series)
    assert float(ours["s"]) == pytest.approx(ref.s)
    assert float(ours["var_s"]) == pytest.approx(ref.var_s)
    assert float(ours["z"]) == pytest.approx(ref.z)
    assert float(ours["p"]) == pytest.approx(ref.p)
    assert float(ours["tau"]) == pytest.approx(ref.Tau)


def test_mann_kendall_rows_equal_one_series_at_a_time():
    rows = np.array([SERIES[3], SERIES[3][::-1]])
    both = mann_kendall(rows)
    assert both["z"][0] == pytest.approx(-both["z"][1])
    assert both["p"][1] == pytest.approx(float(mann_kendall(SERIES[3][::-1])["p"]))


def test_mann_kendall_refuses_short_or_missing_series():
    with pytest.raises(ParameterError, match="at least 3"):
        mann_kendall([1.0, 2.0])
    with pytest.raises(ParameterError, match="missing"):
        mann_kendall([1.0, np.nan, 2.0])


def test_cube_counts_empty_bins_as_zeros_and_leaves_out_unknown_units():
    cube = space_time_cube(
        ["a", "a", "b", "zz", ""],
        ["2020-01-06", "2020-01-07", "2020-01-20", "2020-01-08", "2020-01-09"],
        unit_ids=["a", "b", "c"],
        step="week",
        start="2020-01-06",
        end="2020-01-26",
    )
    assert cube.to_numpy().tolist() == [[2, 0, 0], [0, 0, 1], [0, 0, 0]]
    assert cube.attrs["n_used"] == 3 and cube.attrs["n_left_out"] == 2
    assert cube.attrs["partial_steps"] == []
    quarters = space_time_cube(
        ["a"], ["2020-05-01"], unit_ids=["a"], step="quarter", start="2020-02-01", end="2020-12-31"
    )
    assert [str(p) for p in quarters.columns] == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"]
    assert quarters.attrs["partial_steps"] == ["2020Q1"]
    with pytest.raises(ParameterError, match="step"):
        space_time_cube([], [], unit_ids=["a"], step="day", start="2020-01-01", end="2020-02-01")


def test_spacetime_gistar_equals_geo_gistar_z_on_the_space_time_graph():
    """The sparse cube arithmetic equals geo.gistar's esda z on the explicit bin graph."""
    grid = _grid()
    counts = _cube(CUBES["sporadic_hot"]).to_numpy()[:, :6]
    left, right = _queen_neighbours(np.asarray(grid.geometry.values, dtype=object))
    z, p = spacetime_gistar(counts, left, right, time_lag_steps=1)
    units, steps = counts.shape
    focal, neighbour = [], []
    for t in range(steps):
        for s in (t - 1, t):
            if s < 0:
                continue
            for i, j in [*zip(left, right, strict=True), *((u, u) for u in range(units))]:
                focal.append(t * units + i)
                neighbour.append(s * units + j)
    graph = Graph.from_arrays(np.array(focal), np.array(neighbour), np.ones(len(focal)))
    ref = _z_scores(counts.T.ravel().astype(float), graph).reshape(steps, units).T
    np.testing.assert_allclose(z, ref, rtol=1e-9)
    assert ((p > 0) & (p <= 1)).all()


def test_spacetime_neighbourhood_includes_the_previous_step():
    grid = _grid()
    left, right = _queen_neighbours(np.asarray(grid.geometry.values, dtype=object))
    cube = _cube(_at([10], HOT)).to_numpy()
    z0, _ = spacetime_gistar(cube, left, right, time_lag_steps=0)
    z1, _ = spacetime_gistar(cube, left, right, time_lag_steps=1)
    centre = 3 * SIDE + 3
    assert z0[centre, 11] < 1 < z1[centre, 11]  # step 11 sees step 10's pulse only with a lag


def test_share_rule_ceil_and_int_differ_on_13_of_15():
    hot = np.array([True] * 15)
    hot[[0, 5]] = False
    cold = np.zeros(15, dtype=bool)
    kw = {"trend_z": 0.1, "trend_p": 0.9, "share": 0.9}
    assert classify_series(hot, cold, share_rule="int", **kw) == "persistent_hot"
    assert classify_series(hot, cold, share_rule="ceil", **kw) == "sporadic_hot"


def test_sporadic_can_be_asked_to_end_hot():
    hot = np.array([False, True, False, True, False, False])
    cold = np.zeros(6, dtype=bool)
    kw = {"trend_z": 0.0, "trend_p": 1.0}
    assert classify_series(hot, cold, **kw) == "sporadic_hot"
    assert classify_series(hot, cold, sporadic_needs_final=True, **kw) == "no_pattern"


def test_too_few_events_or_steps_raise_clear_errors():
    grid = _grid()
    quiet = pd.DataFrame(
        np.zeros((SIDE * SIDE, 5), dtype=int),
        index=grid["unit_id"],
        columns=pd.period_range("2020-01", periods=5, freq="M"),
    )
    with pytest.raises(InsufficientDataError, match="fewer than 30"):
        emerging_hotspots(grid, quiet)
    with pytest.raises(InsufficientDataError, match="at least 3"):
        emerging_hotspots(grid, _cube(CUBES["no_pattern"]).iloc[:, :2])
    with pytest.raises(ParameterError, match="order"):
        emerging_hotspots(grid.iloc[::-1], _cube(CUBES["no_pattern"]))


def test_event_hexes_gives_one_cell_per_place_and_blank_without_coordinates():
    pts = gpd.GeoDataFrame(
        geometry=[shapely.Point(-8.0, 12.65), shapely.Point(-8.0, 12.65), None], crs=4326
    )
    cells = event_hexes(pts, resolution=6)
    assert cells.iloc[0] == cells.iloc[1] != "" and cells.iloc[2] == ""


def test_unit_sentence_reads_as_a_sentence():
    assert unit_sentence("Koro", "intensifying_hot", 27, 0, 30, "month") == (
        "Koro: intensifying hot spot, 27 of 30 months hot."
    )
    assert unit_sentence("X", "persistent_cold", 0, 9, 10, "week") == (
        "X: persistent cold spot, 9 of 10 weeks cold."
    )
