"""Benchmark the partitioned (dask) path beside the in-memory one: where does it start to pay?

Workload: N seeded SYNTHETIC points drawn uniformly inside Mali (the union of
the real bundled cercles; never real events), ``precise`` True, fatalities 0-3,
dates uniform over 2023-2024 and categories drawn from the canonical ones.
Each job runs in memory (one process) and on a ``distributed.LocalCluster`` of
two worker processes (one thread each, the project machine's two cores), with
the cluster started once and its start-up time printed apart. The setup checks
that both paths give the same answer.

- ``assign``: :func:`geo.admin.assign_admin` vs :func:`geo.batch.assign_admin_batch`.
- ``hex``: :func:`geo.hotspots.hex_counts` vs :func:`geo.batch.hex_counts_batch` (res 6).
- ``kde``: :func:`geo.hotspots.kde_grid` vs :func:`geo.batch.kde_grid_batch` (15 km, 1 km).
- ``routes``: :func:`geo.exposure.segment_exposure` vs :func:`geo.batch.route_exposure_batch`
  (the bundled routes in 5 km segments, 25 km buffer).

The dask times include moving the partitions to the workers, as a batch job
pays it. Run from the repository root:
``python -m benchmarks.bench_batch [N ...]`` (default 100000 1000000).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from distributed import Client, LocalCluster

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from benchmarks.bench_admin import best_of, points_inside
from geo.admin import assign_admin, prepare_units
from geo.batch import (
    assign_admin_batch,
    hex_counts_batch,
    kde_grid_batch,
    partition,
    route_exposure_batch,
)
from geo.crs import WGS84, to_metric
from geo.exposure import segment_exposure
from geo.hotspots import hex_counts, kde_grid
from geo.io import bundled
from geo.schema import CATEGORIES
from geo.segments import segment_routes

SEED = 20261204


def _timed(fn: Callable[[], object]) -> float:
    return best_of(fn, 2)


def main(sizes: list[int]) -> None:
    """Print one row per job and size: in-memory and dask seconds, and their ratio."""
    layers = {
        "admin1": prepare_units(bundled.load_admin(1), what="admin1"),
        "admin2": prepare_units(bundled.load_admin(2), what="admin2"),
        "countries": prepare_units(
            bundled.load_countries(), what="countries", id_col="iso3", check_overlaps=False
        ),
    }
    mali = shapely.union_all(np.asarray(layers["admin2"].geometry.values, dtype=object))
    segments = segment_routes(bundled.load_routes(), segment_km=5.0)
    days = pd.date_range("2023-01-01", "2024-12-31", freq="D")
    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        print(f"LocalCluster start (2 workers x 1 thread): {time.perf_counter() - t0:.2f} s")
        print(f"{'job':>7} {'N':>10} {'memory':>8} {'dask':>8} {'dask/memory':>12}")
        rng = np.random.default_rng(SEED)
        for n in sizes:
            pts = points_inside(mali, n, seed=SEED)
            frame = gpd.GeoDataFrame(
                {
                    "precise": True,
                    "fatalities": rng.integers(0, 4, n),
                    "event_date": days[rng.integers(0, len(days), n)],
                    "category": rng.choice(list(CATEGORIES), n),
                    "source": "synthetic",
                },
                geometry=gpd.GeoSeries(pts, crs=WGS84),
                crs=WGS84,
            )
            metric = to_metric(frame, what="incidents")
            parts, parts_m = partition(frame), partition(metric)
            # Setup check: the two paths agree.
            assert (
                assign_admin_batch(parts, **layers)["adm2_id"].tolist()
                == assign_admin(frame, **layers)["adm2_id"].tolist()
            )
            np.testing.assert_allclose(
                route_exposure_batch(parts, segments)["exposure_per_km"],
                segment_exposure(segments, frame)["exposure_per_km"],
                rtol=1e-9,
            )
            jobs = {
                "assign": (
                    partial(assign_admin, frame, **layers),
                    partial(assign_admin_batch, parts, **layers),
                ),
                "hex": (partial(hex_counts, frame), partial(hex_counts_batch, parts)),
                "kde": (partial(kde_grid, metric), partial(kde_grid_batch, parts_m)),
                "routes": (
                    partial(segment_exposure, segments, frame),
                    partial(route_exposure_batch, parts, segments),
                ),
            }
            for name, (memory, batch) in jobs.items():
                t_mem, t_dask = _timed(memory), _timed(batch)
                print(f"{name:>7} {n:>10,} {t_mem:>8.3f} {t_dask:>8.3f} {t_dask / t_mem:>12.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
