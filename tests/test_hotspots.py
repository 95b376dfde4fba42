"""Tests for geo.hotspots: KDE, GeoTIFF, overlay, hexes, BH, Gi* and surge flags."""

from __future__ import annotations

import math

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from scipy import stats

import geo  # noqa: F401  (GDAL hardening before rasterio)
from geo.crs import METRIC_CRS, WGS84
from geo.errors import CRSError, ExportError, InsufficientDataError, ParameterError
from geo.hotspots import (
    KDE_NODATA,
    benjamini_hochberg,
    gistar,
    hex_counts,
    kde_grid,
    kde_overlay,
    surge_flags,
    write_kde_geotiff,
)
from tests import common

# --- KDE ------------------------------------------------------------------------------


def test_single_point_integrates_to_one_and_peaks_in_its_cell():
    one = common.metric_incidents([(500.0, 500.0)])  # centre of the cell x 0..1000, y 0..1000
    r = kde_grid(one, bandwidth_km=15, cell_m=1000)
    cell_km2 = 1.0
    assert float(r.array.sum(dtype=np.float64)) * cell_km2 == pytest.approx(1.0, rel=0.01)
    row, col = np.unravel_index(np.argmax(r.array), r.array.shape)
    x = r.transform.c + (col + 0.5) * r.cell_m
    y = r.transform.f - (row + 0.5) * r.cell_m
    assert (x, y) == (500.0, 500.0)
    # Peak of a 2-D Gaussian with sigma 15 km: 1 / (2 pi 15²) per km².
    assert r.array.max() == pytest.approx(1 / (2 * math.pi * 15**2), rel=0.01)
    assert r.array.dtype == np.float32
    assert (r.n_used, r.n_left_out) == (1, 0)
    assert r.unit == "events per km²"


def test_density_at_one_bandwidth_is_exp_minus_half_of_the_peak():
    r = kde_grid(common.metric_incidents([(500.0, 500.0)]), bandwidth_km=15, cell_m=1000)
    row, col = np.unravel_index(np.argmax(r.array), r.array.shape)
    ratio = r.array[row, col + 15] / r.array[row, col]  # 15 cells = 15 km = 1 sigma east
    assert ratio == pytest.approx(math.exp(-0.5), rel=0.01)


def test_weighted_kde_integrates_to_total_fatalities():
    inc = common.metric_incidents([(0.0, 0.0), (40_000.0, 0.0)], fatalities=[3, 0])
    r = kde_grid(inc, bandwidth_km=10, cell_m=2000, weight="fatalities")
    assert float(r.array.sum(dtype=np.float64)) * 4.0 == pytest.approx(3.0, rel=0.01)
    assert r.unit == "fatalities per km²"


def test_imprecise_events_are_left_out_by_default_and_counted():
    inc = common.metric_incidents(
        [(0.0, 0.0), (5000.0, 0.0), (9000.0, 0.0)], precise=[True, False, False]
    )
    r = kde_grid(inc, cell_m=2000)
    assert (r.n_used, r.n_left_out) == (1, 2)
    assert r.left_out_reason == {"imprecise location (centroid or area)": 2}
    r_all = kde_grid(inc, cell_m=2000, include_imprecise=True)
    assert (r_all.n_used, r_all.n_left_out) == (3, 0)
    assert float(r_all.array.sum(dtype=np.float64)) * 4.0 == pytest.approx(3.0, rel=0.01)


def test_points_just_outside_the_bounds_still_add_density():
    # Point 10 km west of a 100 km box: inside the kernel reach (60 km), so it counts.
    inc = common.metric_incidents([(-10_000.0, 50_000.0), (-500_000.0, 50_000.0)])
    r = kde_grid(inc, cell_m=1000, bounds_m=(0, 0, 100_000, 100_000))
    assert r.array.shape == (100, 100)
    assert r.bounds == (0.0, 0.0, 100_000.0, 100_000.0)
    assert r.array[50, 0] > 0
    assert r.n_used == 1
    assert r.left_out_reason == {"outside the grid beyond the kernel reach": 1}


def test_empty_input_gives_a_clear_message_or_an_empty_grid():
    empty = common.metric_incidents([])
    with pytest.raises(InsufficientDataError, match="no event can be placed"):
        kde_grid(empty)
    r = kde_grid(empty, bounds_m=(0, 0, 10_000, 5_000), cell_m=1000)
    assert r.array.shape == (5, 10) and not r.array.any()


def test_kde_refuses_geographic_input():
    with pytest.raises(CRSError, match="not a metric CRS"):
        kde_grid(common.make_incidents(common.point_geoms(["inside_b"])))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"bandwidth_km": 0}, "`bandwidth_km` was 0", id="zero bandwidth"),
        pytest.param({"cell_m": -5}, "`cell_m` was -5", id="negative cell"),
        pytest.param({"weight": "deaths"}, "`weight` was 'deaths'", id="unknown weight column"),
        pytest.param({"cell_m": 1, "bandwidth_km": 100}, "limit 40,000,000", id="grid too large"),
    ],
)
def test_kde_refuses_bad_options(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        kde_grid(common.metric_incidents([(0.0, 0.0)]), **kwargs)


def test_kde_does_not_mutate_its_input():
    inc = common.metric_incidents([(0.0, 0.0), (1.0, 1.0)])
    before = inc.copy()
    kde_grid(inc)
    pd.testing.assert_frame_equal(inc, before)


# --- GeoTIFF and overlay -----------------------------------------------------------------


def test_geotiff_reopens_with_crs_transform_and_values(tmp_path):
    import rasterio

    r = kde_grid(common.metric_incidents([(500.0, 500.0)]), cell_m=1000)
    out = write_kde_geotiff(r, tmp_path / "kde.tif")
    with rasterio.open(out) as src:
        assert src.crs.is_projected
        assert pyproj.CRS.from_wkt(src.crs.to_wkt()).equals(METRIC_CRS)
        assert src.transform == r.transform
        assert src.dtypes == ("float32",)
        assert src.nodata == KDE_NODATA
        assert src.compression.name.lower() == "deflate"
        np.testing.assert_array_equal(src.read(1), r.array)
        assert src.tags()["n_used"] == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kde.tif"]  # no temp file left


def test_geotiff_refuses_other_suffixes_and_missing_folders(tmp_path):
    r = kde_grid(common.metric_incidents([(500.0, 500.0)]), cell_m=5000)
    with pytest.raises(ParameterError, match="use '.tif' or '.tiff'"):
        write_kde_geotiff(r, tmp_path / "kde.png")
    with pytest.raises(ExportError, match="does not exist"):
        write_kde_geotiff(r, tmp_path / "no-such-folder" / "kde.tif")


def test_overlay_is_rgba_in_4326_and_transparent_away_from_events():
    lon, lat = -8.0, 12.65  # a point in lon/lat, converted to the metric CRS
    inc = common.make_incidents([shapely.Point(lon, lat)]).to_crs(METRIC_CRS)
    r = kde_grid(inc, cell_m=2000)
    rgba, (west, south, east, north) = kde_overlay(r)
    assert rgba.dtype == np.uint8 and rgba.ndim == 3 and rgba.shape[2] == 4
    assert west < lon < east and south < lat < north
    assert rgba[0, 0, 3] == 0 and rgba[-1, -1, 3] == 0  # corners: about zero density
    row = int((north - lat) / (north - south) * rgba.shape[0])
    col = int((lon - west) / (east - west) * rgba.shape[1])
    assert rgba[row, col, 3] > 0


# --- Hexes -------------------------------------------------------------------------------


def test_hex_count_equals_the_points_inside_each_hex():
    # 300 SYNTHETIC points, seeded, in a 0.5° box inside the test grid.
    rng = np.random.default_rng(7)
    lon = rng.uniform(-8.5, -8.0, 300)
    lat = rng.uniform(12.5, 13.0, 300)
    inc = common.make_incidents(
        list(shapely.points(lon, lat)), fatalities=list(rng.integers(0, 4, 300))
    )
    hexes = hex_counts(inc, resolution=6)
    assert hexes["incidents"].sum() == 300
    assert hexes["fatalities"].sum() == inc["fatalities"].sum()
    for cell, count, polygon in zip(hexes["hex"], hexes["incidents"], hexes.geometry, strict=True):
        inside = shapely.contains_xy(polygon, lon, lat)
        assert inside.sum() == count
        assert all(
            h3.latlng_to_cell(la, lo, 6) == cell
            for lo, la in zip(lon[inside], lat[inside], strict=True)
        )
    assert hexes.crs == WGS84
    assert hexes.attrs["n_used"] == 300 and hexes.attrs["n_left_out"] == 0


def test_hexes_leave_out_imprecise_and_missing_points():
    geoms = common.point_geoms(["inside_b", "inside_b"]) + common.awkward_geoms()
    inc = common.make_incidents(geoms, precise=[True, False, True, True, True])
    hexes = hex_counts(inc)
    assert hexes["incidents"].tolist() == [1]
    assert hexes.attrs["left_out_reason"] == {
        "imprecise location (centroid or area)": 1,
        "missing or empty geometry": 2,
        "coordinates not finite": 1,
    }


def test_study_area_lists_empty_cells_too():
    square = shapely.box(*common.SQUARES["A"])
    inc = common.make_incidents(common.point_geoms(["inside_b"]))
    hexes = hex_counts(inc, resolution=5, study_area=square)
    expected = set(h3.geo_to_cells(square, 5)) | {h3.latlng_to_cell(12.5, -7.5, 5)}
    assert set(hexes["hex"]) == expected
    assert hexes["incidents"].sum() == 1 and (hexes["incidents"] == 0).sum() == len(expected) - 1


@pytest.mark.parametrize("resolution", [-1, 16, 6.5, True])
def test_hex_resolution_must_be_an_integer_in_range(resolution):
    with pytest.raises(ParameterError, match="`resolution` was"):
        hex_counts(common.make_incidents([]), resolution=resolution)


def test_hex_refuses_metric_input():
    with pytest.raises(CRSError, match="to_crs\\(4326\\)"):
        hex_counts(common.metric_incidents([(0.0, 0.0)]))


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


def test_gistar_p_is_twice_esdas_one_sided_p_when_there_are_no_ties():
    from esda.getisord import G_Local
    from libpysal.graph import Graph

    rng = np.random.default_rng(3)
    values = rng.gamma(2.0, 2.0, 36)  # continuous: no ties
    grid = _grid(6, values)
    ours = gistar(grid, value_col="incidents", min_events=0, permutations=199, seed=11, fdr=False)
    graph = Graph.build_contiguity(grid, rook=False).assign_self_weight(1)
    with pytest.warns(DeprecationWarning, match="alternative hypothesis"):
        ref = G_Local(values, graph, transform="B", permutations=199, star=True, n_jobs=1, seed=11)
    np.testing.assert_allclose(ours["z"], ref.Zs, rtol=1e-7)
    np.testing.assert_allclose(ours["p"], np.minimum(1, 2 * ref.p_sim), rtol=1e-6)  # esda: float32


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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gistar_finds_nothing_in_uniform_noise(seed):
    values = np.random.default_rng(seed).poisson(2.0, 100).astype(float)
    out = gistar(_grid(10, values), value_col="incidents", seed=seed)
    assert set(out["gistar_class"]) == {"not_significant"}


def test_sparse_zero_neighbourhoods_are_not_cold_spots():
    # 400 units, 40 ones among zeros: esda 2.9's folded p gives every all-zero
    # neighbourhood p = 0.001; with ties counted nothing is significant.
    values = np.zeros(400)
    values[np.random.default_rng(5).choice(400, 40, replace=False)] = 1
    out = gistar(_grid(20, values), value_col="incidents", min_events=0, seed=0)
    assert (out["gistar_class"] == "cold").sum() == 0


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


def test_gistar_notes_when_permutations_limit_significance():
    out = gistar(_grid(10, np.arange(100, dtype=float)), value_col="incidents", permutations=99)
    assert "at least 40 units must reach the smallest p-value" in out.attrs["gistar"]["note"]


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
