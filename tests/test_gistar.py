"""Tests for geo.gistar: Benjamini-Hochberg, Gi* z and p (analytical and permutation), classes."""

from __future__ import annotations

import math

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from geo.crs import WGS84
from geo.errors import InsufficientDataError, ParameterError
from geo.gistar import benjamini_hochberg, gistar, gistar_sentence, permutations_needed
from geo.hotspots import hex_counts
from tests import common

# --- Benjamini-Hochberg -------------------------------------------------------------------

# The 15 p-values of the worked example in Benjamini & Hochberg (1995), section 4: at
# q = 0.05 the step-up rule rejects the four smallest (Bonferroni rejects three).
BH_1995 = [
    0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
    0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000,
]  # fmt: skip


def test_bh_textbook_example_rejects_four():
    adjusted = benjamini_hochberg(BH_1995)
    assert int((adjusted <= 0.05).sum()) == 4
    # By hand: 15/1·0.0001, 15/2·0.0004, 15/3·0.0019, 15/4·0.0095
    np.testing.assert_allclose(adjusted[:4], [0.0015, 0.003, 0.0095, 0.035625], rtol=1e-12)
    np.testing.assert_allclose(adjusted, stats.false_discovery_control(BH_1995), rtol=1e-12)


def test_bh_keeps_order_and_nan():
    p = [0.5, np.nan, 0.01, 0.04]
    adjusted = benjamini_hochberg(p)
    assert np.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2, 3]], [0.5, 0.03, 0.06])


def test_bh_refuses_values_outside_0_1():
    with pytest.raises(ParameterError, match="p-values must lie in 0..1"):
        benjamini_hochberg([0.2, 1.5])


# --- Gi* ----------------------------------------------------------------------------------


def _grid(n_side: int, values) -> gpd.GeoDataFrame:
    """A SYNTHETIC n×n grid of 0.1° squares with the given values (row-major)."""
    boxes = [
        shapely.box(-9 + 0.1 * c, 12 + 0.1 * r, -9 + 0.1 * (c + 1), 12 + 0.1 * (r + 1))
        for r in range(n_side)
        for c in range(n_side)
    ]
    return gpd.GeoDataFrame({"incidents": np.asarray(values)}, geometry=boxes, crs=WGS84)


def test_gistar_z_matches_ord_getis_formula_by_hand():
    # A chain of five squares; binary weights with self (Gi*).
    values = np.array([0.0, 1.0, 2.0, 10.0, 3.0])
    chain = gpd.GeoDataFrame(
        {"incidents": values},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(5)],
        crs=WGS84,
    )
    out = gistar(chain, value_col="incidents", min_events=0, permutations=99)
    w = np.eye(5) + np.eye(5, k=1) + np.eye(5, k=-1)
    n, xbar = 5, values.mean()
    s = math.sqrt((values**2).mean() - xbar**2)
    wi = w.sum(axis=1)
    z = (w @ values - xbar * wi) / (s * np.sqrt((n * wi - wi**2) / (n - 1)))
    np.testing.assert_allclose(out["z"], z, rtol=1e-7)
    assert out["n_neighbours"].tolist() == [1, 2, 2, 2, 1]


def test_analytical_z_and_p_match_esda_g_local():
    from esda.getisord import G_Local
    from libpysal.graph import Graph

    rng = np.random.default_rng(3)
    values = rng.gamma(2.0, 2.0, 36)
    grid = _grid(6, values)
    ours = gistar(grid, value_col="incidents", inference="analytical", min_events=0, fdr=False)
    graph = Graph.build_contiguity(grid, rook=False).assign_self_weight(1)
    ref = G_Local(values, graph, transform="B", permutations=0, star=True)
    np.testing.assert_allclose(ours["z"], ref.Zs, rtol=1e-7)
    np.testing.assert_allclose(ours["p"], 2 * ref.p_norm, rtol=1e-9)  # esda p_norm: one-sided
    assert set(ours["gistar_inference"]) == {"analytical"}
    assert ours.attrs["gistar"]["permutations"] == 0


def test_permutation_p_is_twice_esdas_one_sided_p_when_there_are_no_ties():
    from esda.getisord import G_Local
    from libpysal.graph import Graph

    rng = np.random.default_rng(3)
    values = rng.gamma(2.0, 2.0, 36)  # continuous: no ties
    grid = _grid(6, values)
    ours = gistar(
        grid,
        value_col="incidents",
        inference="permutation",
        min_events=0,
        permutations=199,
        seed=11,
        fdr=False,
    )
    assert ours.attrs["gistar"]["permutations"] == 199  # one test at 0.05 needs 10/0.05 - 1
    graph = Graph.build_contiguity(grid, rook=False).assign_self_weight(1)
    with pytest.warns(DeprecationWarning, match="alternative hypothesis"):
        ref = G_Local(values, graph, transform="B", permutations=199, star=True, n_jobs=1, seed=11)
    np.testing.assert_allclose(ours["z"], ref.Zs, rtol=1e-7)
    np.testing.assert_allclose(ours["p"], np.minimum(1, 2 * ref.p_sim), rtol=1e-6)  # esda: float32


def test_permutations_are_raised_to_what_bh_needs_and_capped():
    grid = _grid(10, np.arange(100, dtype=float))
    out = gistar(grid, value_col="incidents", inference="permutation", permutations=999)
    assert out.attrs["gistar"]["permutations"] == permutations_needed(100, alpha=0.05) == 19_999
    assert out.attrs["gistar"]["permutations_requested"] == 999
    capped = gistar(grid, value_col="incidents", inference="permutation", max_permutations=999)
    assert capped.attrs["gistar"]["permutations"] == 999
    assert (
        "at least 4 units must reach the smallest p-value, 0.002,"
        in (capped.attrs["gistar"]["note"])
    )


def _cluster_grid() -> np.ndarray:
    """SYNTHETIC, hand-checkable 8×8 counts: 1 everywhere, 6 in the 3×3 block rows/cols 2..4."""
    values = np.ones((8, 8))
    values[2:5, 2:5] = 6
    return values


@pytest.mark.parametrize("inference", ["analytical", "permutation"])
def test_a_clear_cluster_is_hot_at_fdr_005(inference):
    # By hand for the centre (row 3, col 3): n = 64, x̄ = (55 + 54) / 64, its 9 neighbours
    # (self included) are all 6, so its Gi* sum is 54, far above 9 x̄ = 15.3.
    values = _cluster_grid()
    out = gistar(_grid(8, values.ravel()), value_col="incidents", inference=inference)
    cls = out["gistar_class"].to_numpy().reshape(8, 8)
    assert cls[3, 3] == "hot"
    n, xbar = 64, values.mean()
    s = math.sqrt((values**2).mean() - xbar**2)
    z_centre = (54 - 9 * xbar) / (s * math.sqrt((n * 9 - 81) / (n - 1)))
    assert out["z"].to_numpy().reshape(8, 8)[3, 3] == pytest.approx(z_centre, rel=1e-9)
    hot_rows, hot_cols = np.nonzero(cls == "hot")
    assert hot_rows.min() >= 1 and hot_rows.max() <= 5  # the block and its ring only
    assert hot_cols.min() >= 1 and hot_cols.max() <= 5
    assert not (cls == "cold").any()


@pytest.mark.parametrize("inference", ["analytical", "permutation"])
def test_the_same_counts_permuted_across_units_stay_quiet(inference):
    # The cluster fixture's 64 counts shuffled across cells (no spatial structure), 10 seeds:
    # at most 3 % of unit-runs significant (the size the issue asks for).
    values = _cluster_grid().ravel()
    flagged = 0
    for seed in range(10):
        shuffled = np.random.default_rng(seed).permutation(values)
        out = gistar(_grid(8, shuffled), value_col="incidents", inference=inference, seed=seed)
        flagged += int(out["gistar_class"].isin(["hot", "cold"]).sum())
    assert flagged <= 0.03 * 64 * 10


def test_gistar_finds_a_planted_cluster():
    rng = np.random.default_rng(0)
    values = rng.poisson(1.0, (10, 10)).astype(float)
    values[3:6, 3:6] = 12  # SYNTHETIC planted cluster, rows/cols 3..5
    out = gistar(_grid(10, values.ravel()), value_col="incidents", seed=0)
    cls = out["gistar_class"].to_numpy().reshape(10, 10)
    assert cls[4, 4] == "hot"
    hot_rows, hot_cols = np.nonzero(cls == "hot")
    assert hot_rows.min() >= 2 and hot_rows.max() <= 6  # only in the block and its ring
    assert hot_cols.min() >= 2 and hot_cols.max() <= 6
    assert out.attrs["gistar"]["classes"]["hot"] == len(hot_rows)


@pytest.mark.parametrize("inference", ["analytical", "permutation"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gistar_finds_nothing_in_uniform_noise(seed, inference):
    values = np.random.default_rng(seed).poisson(2.0, 100).astype(float)
    out = gistar(_grid(10, values), value_col="incidents", seed=seed, inference=inference)
    assert set(out["gistar_class"]) == {"not_significant"}


@pytest.mark.parametrize("inference", ["analytical", "permutation"])
def test_sparse_zero_neighbourhoods_are_not_cold_spots(inference):
    # 400 units, 40 ones among zeros: esda 2.9's folded p gives every all-zero
    # neighbourhood p = 0.001; with ties counted nothing is significant.
    values = np.zeros(400)
    values[np.random.default_rng(5).choice(400, 40, replace=False)] = 1
    out = gistar(_grid(20, values), value_col="incidents", min_events=0, inference=inference)
    assert (out["gistar_class"] == "cold").sum() == 0


def test_rate_divides_by_the_equal_area_km2():
    from geo.crs import to_metric

    grid = _grid(6, np.arange(36, dtype=float))
    out = gistar(grid, value_col="incidents", value="rate", min_events=0)
    area_km2 = to_metric(grid, what="units").area.to_numpy() / 1e6
    np.testing.assert_allclose(out["analysed_value"], grid["incidents"] / area_km2, rtol=1e-12)
    assert set(out["gistar_value"]) == {"rate"}
    assert "incidents per km² of each unit" in gistar_sentence(out, units="squares")


def test_sentence_states_inference_value_and_classes():
    out = gistar(_grid(8, _cluster_grid().ravel()), value_col="incidents")
    text = gistar_sentence(out, units="squares")
    assert text.startswith("Gi* on 64 squares (incident counts per unit; analytical normal")
    assert "Benjamini-Hochberg FDR at 0.05" in text
    assert f"{out.attrs['gistar']['classes']['hot']} hot, 0 cold" in text
    perm = gistar(_grid(8, _cluster_grid().ravel()), value_col="incidents", inference="permutation")
    assert "conditional-permutation p-values (two-sided), 12,799 permutations, seed 0" in (
        gistar_sentence(perm, units="squares")
    )


def test_gistar_leaves_no_trace_on_inputs_or_global_rng():
    grid = _grid(6, np.arange(36, dtype=float))
    before = grid.copy()
    np.random.seed(123)  # noqa: NPY002
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    a = gistar(grid, value_col="incidents", seed=4)
    assert (np.random.get_state()[1] == state).all()  # noqa: NPY002
    pd.testing.assert_frame_equal(grid, before)
    b = gistar(grid, value_col="incidents", seed=4)
    np.testing.assert_array_equal(a["p"], b["p"])


def test_gistar_too_few_events_gives_a_clear_message():
    with pytest.raises(
        InsufficientDataError, match="Gi\\* needs at least 30 events but the 36 units hold 6"
    ):
        gistar(_grid(6, [1] * 6 + [0] * 30), value_col="incidents")


def test_gistar_excludes_islands_and_reports_them():
    grid = _grid(6, np.arange(36, dtype=float))
    island = gpd.GeoDataFrame({"incidents": [50.0]}, geometry=[shapely.box(0, 0, 1, 1)], crs=WGS84)
    units = pd.concat([grid, island], ignore_index=True)
    out = gistar(units, value_col="incidents")
    assert out.loc[36, "gistar_class"] == "excluded" and np.isnan(out.loc[36, "z"])
    assert out.attrs["gistar"]["excluded_no_neighbours"] == [36]


def test_gistar_all_islands_raise():
    apart = gpd.GeoDataFrame(
        {"incidents": [20.0, 20.0, 20.0]},
        geometry=[shapely.box(3 * i, 0, 3 * i + 1, 1) for i in range(3)],
        crs=WGS84,
    )
    with pytest.raises(InsufficientDataError, match="3 of 3 units have none"):
        gistar(apart, value_col="incidents")


def test_gistar_constant_values_raise():
    with pytest.raises(InsufficientDataError, match="every unit holds the same value"):
        gistar(_grid(6, [5.0] * 36), value_col="incidents")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"value_col": "deaths"}, "`value_col` was 'deaths'", id="unknown column"),
        pytest.param({"weights": "rook"}, "`weights` was 'rook'", id="unknown weights"),
        pytest.param({"alpha": 1.5}, "`alpha` was 1.5", id="alpha out of range"),
        pytest.param({"permutations": 10}, "`permutations` was 10", id="too few permutations"),
        pytest.param({"inference": "exact"}, "`inference` was 'exact'", id="unknown inference"),
        pytest.param({"value": "density"}, "`value` was 'density'", id="unknown value"),
    ],
)
def test_gistar_refuses_bad_options(kwargs, message):
    args = {"value_col": "incidents"} | kwargs
    with pytest.raises(ParameterError, match=message):
        gistar(_grid(6, np.arange(36, dtype=float)), **args)


def test_gistar_on_hexes_uses_grid_disk_neighbours():
    square = shapely.box(*common.SQUARES["A"])
    hexes = hex_counts(common.make_incidents([]), resolution=5, study_area=square)
    hexes["incidents"] = np.arange(len(hexes)) % 7
    out = gistar(hexes, value_col="incidents", min_events=0)
    assert out.attrs["gistar"]["weights"] == "hex"
    cells = set(hexes["hex"])
    for cell, k in zip(hexes["hex"], out["n_neighbours"], strict=True):
        assert k == len((set(h3.grid_disk(cell, 1)) - {cell}) & cells)
