"""Benchmark the incident log and cross-source matching beside what a user would write instead.

Workload: N SYNTHETIC records resampled (seeded) from the bundled real UCDP and
news events (their points, categories and fatalities; dates shifted over two
years). They are never real events.

- ``log import``: :meth:`geo.log.store.LogStore.add_many` into a new GeoPackage
  log (every record checked, one transaction, revisions and provenance).
- ``reference``: ``GeoDataFrame.to_file(..., driver="GPKG")`` of the same rows
  (no checks, no history).
- ``read current``: :meth:`~geo.log.store.LogStore.incidents` (the current view
  as canonical incidents) beside ``pyogrio.read_dataframe`` of the view.
- ``match``: :func:`geo.matching.find_duplicates` on the N records as ``acled``
  plus N/10 copies of them as ``log`` (one day later, 3 km east), beside a
  bare ``scipy.spatial.cKDTree.query_ball_point`` over the same points (the
  candidate search alone, no dates, categories or clustering).

Run from the repository root: ``python -m benchmarks.bench_log [N ...]``
(default 10000 100000).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.crs import GEOD, METRIC_CRS
from geo.io.incidents import load_bundled_incidents
from geo.log import open_log
from geo.matching import find_duplicates

SEED = 20251204


def synthetic(n: int) -> gpd.GeoDataFrame:
    """N canonical incidents resampled from the bundled ones (SYNTHETIC)."""
    base = load_bundled_incidents().incidents
    rng = np.random.default_rng(SEED)
    pick = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    days = rng.integers(0, 730, n).astype("timedelta64[D]")
    pick["event_date"] = pd.to_datetime(np.datetime64("2023-01-01") + days)
    pick["event_id"] = [f"SYN-{i:07d}" for i in range(n)]
    pick["source"] = "acled"
    return pick


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(sizes: list[int]) -> None:
    for n in sizes:
        run(n)


def run(n: int) -> None:
    """Print the figures for one size."""
    import pyogrio  # after geo: its GDAL driver allowlist applies first

    events = synthetic(n)
    records = [
        {
            "event_date": d.date(),
            "lon": p.x,
            "lat": p.y,
            "category": c,
            "fatalities": int(f),
        }
        for d, p, c, f in zip(
            events["event_date"],
            events.geometry,
            events["category"],
            events["fatalities"],
            strict=True,
        )
    ]
    with tempfile.TemporaryDirectory() as tmp:
        k = iter(range(1000))

        def log_import():
            open_log(Path(tmp) / f"log{next(k)}.gpkg").add_many(
                records, author="bench", action="import"
            )

        def reference():
            events.to_file(Path(tmp) / f"ref{next(k)}.gpkg", driver="GPKG")

        t_log, t_ref = best(log_import), best(reference)
        print(f"{n:>9,} log import   {t_log:7.2f} s   to_file reference {t_ref:7.2f} s")
        log = open_log(Path(tmp) / "log0.gpkg")
        t_read = best(log.incidents)
        t_ogr = best(lambda: pyogrio.read_dataframe(log.path, layer="incidents_current"))
        print(f"{n:>9,} read current {t_read:7.2f} s   pyogrio reference {t_ogr:7.2f} s")
    copies = events.iloc[: n // 10].copy()
    lon, lat, _ = GEOD.fwd(
        copies.geometry.x.to_numpy(),
        copies.geometry.y.to_numpy(),
        np.full(len(copies), 90.0),
        np.full(len(copies), 3000.0),
    )
    copies = copies.set_geometry(gpd.points_from_xy(lon, lat, crs=events.crs))
    copies["event_date"] = copies["event_date"] + pd.Timedelta(days=1)
    copies["source"] = "log"
    both = gpd.GeoDataFrame(pd.concat([events, copies], ignore_index=True), crs=events.crs)
    found = {}

    def match():
        found["n"] = int((find_duplicates(both) != "").sum())

    xy = np.column_stack([both.to_crs(METRIC_CRS).geometry.x, both.to_crs(METRIC_CRS).geometry.y])

    def tree():
        cKDTree(xy[n:]).query_ball_point(xy[:n], r=10_000.0)

    t_match, t_tree = best(match), best(tree)
    print(
        f"{n:>9,} match +{len(copies):,} copies {t_match:7.2f} s ({found['n']:,} linked)"
        f"   cKDTree candidates {t_tree:7.2f} s"
    )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
