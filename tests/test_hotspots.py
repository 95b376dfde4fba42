"""Tests for geo.hotspots: KDE, GeoTIFF, overlay and hexes."""

from __future__ import annotations

import math

import h3
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

import geo  # noqa: F401  (GDAL hardening before rasterio)
from geo.crs import METRIC_CRS, WGS84
from geo.errors import CRSError, ExportError, InsufficientDataError, ParameterError
from geo.hotspots import (
    KDE_NODATA,
    cell_pyramid,
    hex_counts,
    kde_grid,
    kde_overlay,
    point_cells,
    write_kde_geotiff,
)
from geo.provenance import LEFT_OUT_REASONS
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
    assert r.left_out_reason == {LEFT_OUT_REASONS["imprecise"]: 2}
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


def test_overlay_colours_are_the_colour_maps_own():
    import matplotlib

    # SYNTHETIC: 40 seeded points, so the grid holds many density levels.
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(-8.5, -8.0, 40), rng.uniform(12.5, 13.0, 40)
    inc = common.make_incidents(list(shapely.points(lon, lat))).to_crs(METRIC_CRS)
    rgba, _ = kde_overlay(kde_grid(inc, cell_m=2000), cmap="viridis", floor_fraction=0.0)
    # Colours of the normalised density, the colour map called on it (the old way).
    alpha = rgba[..., 3]
    colours = matplotlib.colormaps["viridis"]
    for level in np.unique(alpha)[:: max(1, len(np.unique(alpha)) // 20)]:
        v = (level / 255 / 0.8 - 0.3) / 0.7  # alpha = (0.3 + 0.7 v) * 0.8
        row, col = np.argwhere(alpha == level)[0]
        expected = np.round(np.array(colours(float(v))[:3]) * 255)
        assert np.abs(rgba[row, col, :3].astype(int) - expected).max() <= 6


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
        LEFT_OUT_REASONS["imprecise"]: 1,
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


# --- Cells for drawing many incidents ----------------------------------------------------


def _seeded_points(n: int = 400):
    # SYNTHETIC: n seeded points in a 0.5° box inside the test grid.
    rng = np.random.default_rng(11)
    lon, lat = rng.uniform(-8.5, -8.0, n), rng.uniform(12.5, 13.0, n)
    fat = list(rng.integers(0, 4, n))
    return lon, lat, common.make_incidents(list(shapely.points(lon, lat)), fatalities=fat)


def test_point_cells_are_h3s_and_zero_without_a_point():
    lon, lat, inc = _seeded_points(20)
    cells = point_cells(inc, resolution=7)
    assert [h3.int_to_str(int(c)) for c in cells] == [
        h3.latlng_to_cell(y, x, 7) for x, y in zip(lon, lat, strict=True)
    ]
    awkward = common.make_incidents(common.awkward_geoms())
    assert (point_cells(awkward, resolution=7) == 0).all()


def test_cell_pyramid_counts_every_incident_at_each_resolution_in_the_finest_cells_parent():
    lon, lat, inc = _seeded_points()
    inc["precise"] = [True, False] * 200  # imprecise ones are drawn too
    pyramid = cell_pyramid(inc, resolutions=(7, 4, 5))
    assert sorted(pyramid["resolution"].unique()) == [4, 5, 7]
    totals = pyramid.groupby("resolution")[["incidents", "fatalities"]].sum()
    assert (totals["incidents"] == 400).all()
    assert (totals["fatalities"] == inc["fatalities"].sum()).all()
    finest = [h3.latlng_to_cell(y, x, 7) for x, y in zip(lon, lat, strict=True)]
    for res in (4, 5):
        parents = pd.Series([h3.cell_to_parent(c, res) for c in finest]).value_counts()
        level = pyramid[pyramid["resolution"] == res].set_index("hex")["incidents"]
        assert level.sort_index().to_dict() == parents.sort_index().to_dict()
    assert pyramid.attrs["n_used"] == 400 and pyramid.crs == WGS84


def test_cell_pyramid_leaves_out_the_finest_resolutions_past_the_cell_limit():
    _, _, inc = _seeded_points()
    full = cell_pyramid(inc, resolutions=(4, 5, 6, 7))
    per_level = full.groupby("resolution").size()
    limit = int(per_level[[4, 5, 6]].sum())
    capped = cell_pyramid(inc, resolutions=(4, 5, 6, 7), max_cells=limit)
    assert capped.attrs["resolutions"] == (4, 5, 6) and len(capped) == limit
    assert cell_pyramid(inc, resolutions=(6, 7), max_cells=1).attrs["resolutions"] == (6,)


def test_cell_pyramid_uses_the_cells_given():
    _, _, inc = _seeded_points(10)
    cells = point_cells(inc, resolution=7)
    cells[:3] = 0  # as if those three had no point
    pyramid = cell_pyramid(inc, resolutions=(5, 7), cells=cells)
    assert (pyramid.groupby("resolution")["incidents"].sum() == 7).all()
    with pytest.raises(ParameterError, match="`cells` has"):
        cell_pyramid(inc, resolutions=(5, 7), cells=cells[:5])


def test_overlay_of_a_large_raster_has_at_most_max_pixels_over_the_same_bounds():
    inc = common.make_incidents([shapely.Point(-8.0, 12.65)]).to_crs(METRIC_CRS)
    r = kde_grid(inc, cell_m=1000)
    full, bounds = kde_overlay(r, max_pixels=r.array.size)
    small, small_bounds = kde_overlay(r, max_pixels=r.array.size // 4)
    assert full.shape[:2] == r.array.shape
    assert small.shape[0] * small.shape[1] <= r.array.size // 4 + max(small.shape[:2])
    assert abs(small.shape[0] - r.array.shape[0] / 2) <= 1
    assert small_bounds == bounds and small[..., 3].max() == full[..., 3].max()
