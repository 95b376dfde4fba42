"""Benchmark admin assignment (geo.admin) beside a bare ``STRtree`` bulk query.

Workload: N seeded SYNTHETIC points drawn uniformly inside Mali (rejection
sampling in the box of the real bundled geoBoundaries cercles, keeping the
points the union of the 50 cercles covers), assigned to the 50 cercles (ADM2).

- ``bare``: ``shapely.STRtree(cercles).query(points, predicate="intersects")``,
  tree build included: the candidate search alone, which double-counts border
  points and gives no columns.
- ``assign_units``: :func:`geo.admin.assign_units` on the same arrays: the
  query plus the lowest-id tie-break, one unit per point. This is what the
  design target (within 1.3x of bare) is about.
- ``assign_admin``: the whole :func:`geo.admin.assign_admin` on a GeoDataFrame
  of the points: validity checks of the layers, the ADM2 query, regions from
  the cercles, countries for points outside, and eight string columns on a
  copy of the frame.

Setup checks that every point is in Mali and that ``assign_units`` agrees with
the bare query wherever the bare query has exactly one hit.

Run from the repository root: ``python -m benchmarks.bench_admin [N ...]``
(default 10000 100000 1000000).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial

import geopandas as gpd
import numpy as np
import shapely

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.admin import assign_admin, assign_units, prepare_units
from geo.bundled import load_admin, load_countries
from geo.crs import WGS84

SEED = 20251115


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Smallest wall time of ``repeat`` runs, seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def points_inside(area: shapely.Geometry, n: int, *, seed: int) -> np.ndarray:
    """N seeded uniform random points inside ``area`` (rejection sampling in its box)."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = area.bounds
    shapely.prepare(area)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    have = 0
    while have < n:
        x = rng.uniform(xmin, xmax, 2 * (n - have) + 1000)
        y = rng.uniform(ymin, ymax, x.size)
        keep = shapely.contains_xy(area, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return shapely.points(np.concatenate(xs)[:n], np.concatenate(ys)[:n])


def bare_query(geoms: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The reference: build the tree and run one bulk intersects query."""
    return shapely.STRtree(geoms).query(points, predicate="intersects")


def main(sizes: list[int]) -> None:
    admin1, admin2, countries = load_admin(1), load_admin(2), load_countries()
    cercles = prepare_units(admin2, what="admin2")
    geoms = np.asarray(cercles.geometry.values, dtype=object)
    mali = shapely.union_all(geoms)
    print("assign N points to the 50 cercles (ADM2), best of runs, seconds")
    print(
        f"{'N':>9} {'bare':>8} {'assign_units':>13} {'ratio':>6} {'assign_admin':>13} {'ratio':>6}"
    )
    for n in sizes:
        points = points_inside(mali, n, seed=SEED)
        frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries(points, crs=WGS84), crs=WGS84)
        # Setup check: the workload is what the name says.
        bare_pts, bare_units = shapely.STRtree(geoms).query(points, predicate="intersects")
        ours = assign_units(points, cercles)
        assert len(points) == n and (ours >= 0).all(), "every point must be in a cercle"
        single = np.bincount(bare_pts, minlength=n)[bare_pts] == 1
        assert (ours[bare_pts[single]] == bare_units[single]).all()

        repeat = 3 if n <= 100_000 else 2
        t_bare = best_of(partial(bare_query, geoms, points), repeat)
        t_units = best_of(partial(assign_units, points, cercles), repeat)
        t_admin = best_of(
            partial(assign_admin, frame, admin1=admin1, admin2=admin2, countries=countries),
            repeat,
        )
        print(
            f"{n:>9,} {t_bare:>8.3f} {t_units:>13.3f} {t_units / t_bare:>6.2f}"
            f" {t_admin:>13.3f} {t_admin / t_bare:>6.2f}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
