"""Benchmark admin assignment (geo.admin) beside what a user would write: ``geopandas.sjoin``.

Workload: N seeded SYNTHETIC points, 90 % drawn uniformly inside Mali (the
union of the 50 real bundled geoBoundaries cercles) and 10 % inside the
neighbouring countries of the bundled Natural Earth layer (rejection sampling
in each area's box). They are never real events.

- ``sjoin``: the reference a GIS user writes, in the same run:
  ``geopandas.sjoin(points, cercles, predicate="within")``, then the points
  left without a cercle joined to ``countries`` the same way (the spatial
  index build included; a point on a shared border matches twice there and
  one exactly on a boundary matches nothing).
- ``assign_units``: :func:`geo.admin.assign_units` on the cercles alone (one
  unit per point, the lowest-id tie-break) against ``sjoin`` on the cercles.
- ``assign_admin``: the whole :func:`geo.admin.assign_admin` (cercles,
  regions from the cercles, countries for the points outside Mali, eight
  string columns on a copy) against the two-step sjoin, on layers checked
  once by :func:`geo.admin.prepare_units` as the app's ``Context`` holds them
  (that one-off check is timed and printed apart). The design target is
  within 1.3x.

Setup checks that ``assign_admin`` agrees with the sjoin wherever the sjoin
found exactly one cercle, and that the outside points got their country.

Run from the repository root: ``python -m benchmarks.bench_admin [N ...]``
(default 20000 100000 1000000).
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
from geo.crs import WGS84
from geo.io.bundled import load_admin, load_countries

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


def sjoin_cercles(frame: gpd.GeoDataFrame, cercles: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The reference for one level: a fresh spatial index and one sjoin."""
    return gpd.sjoin(frame, cercles.copy(), how="left", predicate="within")


def sjoin_admin(
    frame: gpd.GeoDataFrame, cercles: gpd.GeoDataFrame, countries: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The reference for the whole job: cercles, then countries for the rest."""
    joined = sjoin_cercles(frame, cercles)
    rest = frame.loc[joined.index[joined["index_right"].isna()].unique()]
    outside = gpd.sjoin(rest, countries.copy(), how="left", predicate="within")
    return joined, outside


def main(sizes: list[int]) -> None:
    """Print one row per size: seconds and ratios against the sjoin reference."""
    t0 = time.perf_counter()
    admin1 = prepare_units(load_admin(1), what="admin1")
    admin2 = prepare_units(load_admin(2), what="admin2")
    countries = prepare_units(
        load_countries(), what="countries", id_col="iso3", check_overlaps=False
    )
    print(
        f"layer checks, once per data load (as the app's Context): {time.perf_counter() - t0:.3f} s"
    )
    cercles = admin2
    geoms = np.asarray(cercles.geometry.values, dtype=object)
    mali = shapely.union_all(geoms)
    around = shapely.difference(
        shapely.union_all(np.asarray(countries.geometry.values, dtype=object)), mali
    )
    print("assign N points (90 % in Mali, 10 % in neighbours), best of runs, seconds")
    print(
        f"{'N':>9} {'sjoin':>8} {'assign_units':>13} {'ratio':>6}"
        f" {'sjoin+ctry':>11} {'assign_admin':>13} {'ratio':>6}"
    )
    for n in sizes:
        n_out = n // 10
        points = np.concatenate(
            [points_inside(mali, n - n_out, seed=SEED), points_inside(around, n_out, seed=SEED + 1)]
        )
        frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries(points, crs=WGS84), crs=WGS84)
        # Setup check: the workload is what the name says, and both agree.
        ours = assign_admin(frame, admin1=admin1, admin2=admin2, countries=countries)
        joined, outside = sjoin_admin(frame, cercles, countries)
        once = joined.groupby(level=0)["unit_id"].agg(["count", "first"])
        single = once["count"] == 1
        assert (ours.loc[single.index[single], "adm2_id"] == once.loc[single, "first"]).all()
        assert (ours["country_iso3"] != "MLI").sum() >= n_out * 0.99
        assert outside["iso3"].notna().mean() > 0.99

        repeat = 3 if n <= 100_000 else 2
        t_sj = best_of(partial(sjoin_cercles, frame, cercles), repeat)
        t_units = best_of(partial(assign_units, points, cercles), repeat)
        t_sj_all = best_of(partial(sjoin_admin, frame, cercles, countries), repeat)
        t_admin = best_of(
            partial(assign_admin, frame, admin1=admin1, admin2=admin2, countries=countries),
            repeat,
        )
        print(
            f"{n:>9,} {t_sj:>8.3f} {t_units:>13.3f} {t_units / t_sj:>6.2f}"
            f" {t_sj_all:>11.3f} {t_admin:>13.3f} {t_admin / t_sj_all:>6.2f}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20_000, 100_000, 1_000_000])
