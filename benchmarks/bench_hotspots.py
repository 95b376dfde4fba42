"""Benchmark hotspots (geo.hotspots) beside bare NumPy/SciPy and h3 references.

Workload: N seeded SYNTHETIC precise events drawn uniformly inside western
Mali (the union of the real bundled regions Kayes, Koulikoro, Bamako, Sikasso
and Ségou), in :data:`geo.crs.METRIC_CRS` for the KDE, EPSG:4326 for hexes.

- KDE over the metric box of western Mali, 1 km cells, 15 km bandwidth:
  ``kde_grid`` (from the GeoDataFrame: coordinates, precision filter, binning
  with ``np.bincount``, ``gaussian_filter``, float32) beside the bare
  ``np.histogram2d`` + ``scipy.ndimage.gaussian_filter(mode="constant",
  truncate=4)`` on ready coordinate arrays. Target: < 1 s at 1,000,000 and
  within 1.5x of the bare version.
- Hexes at resolution 6: ``hex_counts`` (cells, counts, fatalities and the
  cell polygons) beside a bare loop of ``h3.latlng_to_cell`` over the points
  followed by ``np.unique(..., return_counts=True)``.
- Gi* (printed once, not per N): ``gistar`` beside ``esda.G_Local(star=True,
  n_jobs=1)`` with the same inference (esda without numba here): permutation
  with 9,999 draws on the 50 cercles, analytical on the 38,501 resolution-6
  cells covering Mali.

Setup checks that the KDE of both versions integrates to N and that the hex
counts of both versions agree.

Run from the repository root: ``python -m benchmarks.bench_hotspots [N ...]``
(default 10000 100000 1000000).
"""

from __future__ import annotations

import sys
import warnings
from functools import partial

import geopandas as gpd
import h3
import numpy as np
import shapely
from scipy import ndimage

import geo  # noqa: F401  (GDAL hardening before pyogrio/rasterio load)
from benchmarks.bench_admin import best_of, points_inside
from geo.crs import METRIC_CRS, WGS84
from geo.gistar import gistar, permutations_needed
from geo.hotspots import hex_counts, kde_grid
from geo.io.bundled import load_admin
from geo.settings import DEFAULTS

SEED = 20251115
WESTERN = ("ML-1", "ML-2", "ML-3", "ML-4", "ML-BKO")  # Kayes, Koulikoro, Sikasso, Ségou, Bamako
BANDWIDTH_KM, CELL_M, TRUNCATE = 15.0, 1000.0, 4.0


def events(x: np.ndarray, y: np.ndarray, crs: object) -> gpd.GeoDataFrame:
    """Precise synthetic events at (x, y) with one fatality each."""
    return gpd.GeoDataFrame(
        {"precise": np.ones(x.size, dtype=bool), "fatalities": np.ones(x.size, dtype=np.int64)},
        geometry=gpd.GeoSeries(shapely.points(x, y), crs=crs),
        crs=crs,
    )


def bare_kde(x: np.ndarray, y: np.ndarray, bounds: tuple[float, ...]) -> np.ndarray:
    """The reference: histogram2d, then gaussian_filter, per km²."""
    xmin, ymin, xmax, ymax = bounds
    cols, rows = int(round((xmax - xmin) / CELL_M)), int(round((ymax - ymin) / CELL_M))
    hist, _, _ = np.histogram2d(y, x, bins=[rows, cols], range=[[ymin, ymax], [xmin, xmax]])
    smooth = ndimage.gaussian_filter(
        hist, sigma=BANDWIDTH_KM * 1000 / CELL_M, mode="constant", truncate=TRUNCATE
    )
    return smooth[::-1] / (CELL_M / 1000) ** 2


def bare_hex(lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The reference: one h3.latlng_to_cell per point, then unique counts."""
    cells = [h3.latlng_to_cell(a, b, 6) for a, b in zip(lat.tolist(), lng.tolist(), strict=True)]
    return np.unique(np.array(cells), return_counts=True)


def bench_kde_hex(sizes: list[int]) -> None:
    admin1 = load_admin(1)
    west_4326 = admin1[admin1["unit_id"].isin(WESTERN)]
    west_m = shapely.union_all(west_4326.to_crs(METRIC_CRS).geometry.values)
    bounds = tuple(
        v * CELL_M
        for v in (
            np.floor(west_m.bounds[0] / CELL_M),
            np.floor(west_m.bounds[1] / CELL_M),
            np.ceil(west_m.bounds[2] / CELL_M),
            np.ceil(west_m.bounds[3] / CELL_M),
        )
    )
    cols = int((bounds[2] - bounds[0]) / CELL_M)
    rows = int((bounds[3] - bounds[1]) / CELL_M)
    print(f"KDE over western Mali: {cols} x {rows} cells of 1 km, bandwidth 15 km; seconds")
    print(
        f"{'N':>9} {'bare':>8} {'kde_grid':>9} {'ratio':>6} | hex res 6: "
        f"{'bare':>8} {'hex_counts':>11} {'ratio':>6}"
    )
    for n in sizes:
        points = points_inside(west_m, n, seed=SEED)
        x, y = shapely.get_x(points), shapely.get_y(points)
        metric = events(x, y, METRIC_CRS)
        lonlat = metric.to_crs(WGS84)
        lng = shapely.get_x(lonlat.geometry.values)
        lat = shapely.get_y(lonlat.geometry.values)
        # Setup checks.
        ours = kde_grid(metric, bandwidth_km=BANDWIDTH_KM, cell_m=CELL_M, bounds_m=bounds)
        ref = bare_kde(x, y, bounds)
        assert ours.array.shape == ref.shape == (rows, cols)
        assert abs(float(ours.array.sum(dtype=np.float64)) - n) / n < 0.01
        assert abs(float(ref.sum()) - n) / n < 0.01
        ref_cells, ref_counts = bare_hex(lat, lng)
        hexes = hex_counts(lonlat, resolution=6)
        assert hexes["hex"].tolist() == ref_cells.tolist()
        assert hexes["incidents"].tolist() == ref_counts.tolist()

        repeat = 3 if n <= 100_000 else 2
        t_bare = best_of(partial(bare_kde, x, y, bounds), repeat)
        t_ours = best_of(
            partial(kde_grid, metric, bandwidth_km=BANDWIDTH_KM, cell_m=CELL_M, bounds_m=bounds),
            repeat,
        )
        h_bare = best_of(partial(bare_hex, lat, lng), repeat)
        h_ours = best_of(partial(hex_counts, lonlat, resolution=6), repeat)
        print(
            f"{n:>9,} {t_bare:>8.3f} {t_ours:>9.3f} {t_ours / t_bare:>6.2f} |"
            f"            {h_bare:>8.3f} {h_ours:>11.3f} {h_ours / h_bare:>6.2f}"
        )


def bench_gistar() -> None:
    """Gi* beside esda's G_Local with the same inference and the same number of draws.

    Permutation on the 51 cercles (9,999 draws, what BH needs there); analytical
    (no draws) on Mali's resolution-6 hexes. Counts are SYNTHETIC Poisson draws.
    """
    from esda.getisord import G_Local
    from libpysal.graph import Graph

    rng = np.random.default_rng(SEED)
    mali = load_admin(0)
    hexes = hex_counts(events(np.array([]), np.array([]), WGS84), resolution=6, study_area=mali)
    hexes["incidents"] = rng.poisson(0.2, len(hexes))
    cercles = load_admin(2)
    cercles["incidents"] = rng.poisson(20, len(cercles))
    perms = permutations_needed(len(cercles), alpha=DEFAULTS.gistar_alpha)
    print("Gi*, synthetic Poisson counts; seconds")
    print(f"{'units':>32} {'esda G_Local':>13} {'gistar':>8} {'ratio':>6}")
    for label, units, graph, inference, n_perm in (
        (
            f"{len(cercles)} cercles, {perms:,} perms",
            cercles,
            Graph.build_contiguity(cercles, rook=False),
            "permutation",
            perms,
        ),
        (f"{len(hexes):,} hexes res 6, analytical", hexes, None, "analytical", 0),
    ):
        if graph is None:
            cells = hexes["hex"].tolist()
            pos = {c: i for i, c in enumerate(cells)}
            focal, neigh = [], []
            for i, c in enumerate(cells):
                for o in h3.grid_disk(c, 1):
                    if o != c and o in pos:
                        focal.append(i)
                        neigh.append(pos[o])
            graph = Graph.from_arrays(np.array(focal), np.array(neigh), np.ones(len(focal)))
        graph = graph.assign_self_weight(1)
        y = units["incidents"].to_numpy(dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            t_ref = best_of(
                lambda y=y, graph=graph, n_perm=n_perm: G_Local(
                    y,
                    graph,
                    transform="B",
                    permutations=n_perm,
                    star=True,
                    n_jobs=1,
                    seed=0,
                    keep_simulations=False,
                ),
                1,
            )
        t_ours = best_of(
            lambda units=units, inference=inference: gistar(
                units, value_col="incidents", inference=inference, min_events=0, seed=0
            ),
            1,
        )
        print(f"{label:>32} {t_ref:>13.3f} {t_ours:>8.3f} {t_ours / t_ref:>6.2f}")


if __name__ == "__main__":
    bench_kde_hex([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
    bench_gistar()
