"""Benchmark reading a big incident file through the sandbox beside what a user would write.

Workload: N SYNTHETIC incidents resampled (seeded) from the bundled real UCDP
and news events: their coordinates, dates shifted over two years, categories
and fatalities, with fresh ids. They are never real events. They are written
as Parquet (plain, snappy) and as GeoParquet by geopandas.

- ``ingest``: :func:`geo.io.ingest.ingest_upload` with
  :data:`geo.io.containers.LOCAL_FILE_LIMITS` (the limits for a file on the
  server's own disk): pre-parse checks, the sandboxed worker (every row rule
  of :func:`geo.io.incidents.read_incidents`), the checked transport back.
- ``reference``: what a user writes instead, in the same run:
  ``geopandas.read_parquet`` on the GeoParquet copy (no checks at all).

Peak RSS of the worker is the children's ``ru_maxrss`` (the largest child so
far; the worker is the only child started); peak RSS of this process is its
own ``ru_maxrss``. The frame's size is ``memory_usage(deep=True)``, which
counts a string shared by many rows once per row (the transport shares each
repeated text value), so it overstates what the frame holds; the process's
``VmRSS`` after the read is printed beside it.

Run from the repository root: ``python -m benchmarks.bench_ingest [N ...]``
(default 100000 1000000).
"""

from __future__ import annotations

import io
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.io.containers import LOCAL_FILE_LIMITS
from geo.io.incidents import load_bundled_incidents
from geo.io.ingest import ingest_upload

SEED = 20251204


def synthetic(n: int) -> gpd.GeoDataFrame:
    """N incidents resampled from the bundled ones (SYNTHETIC), dates over two years."""
    base = load_bundled_incidents().incidents
    rng = np.random.default_rng(SEED)
    pick = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    start = np.datetime64("2023-01-01")
    days = rng.integers(0, 730, n).astype("timedelta64[D]")
    return gpd.GeoDataFrame(
        {
            "event_id": [f"SYN-{i:07d}" for i in range(n)],
            "event_date": pd.to_datetime(start + days),
            "event_type": pick["event_type"].to_numpy(),
            "fatalities": pick["fatalities"].to_numpy(),
            "location": pick["location"].to_numpy(),
            "country": pick["country"].to_numpy(),
            "geo_precision": pick["geo_precision"].to_numpy(),
            "latitude": pick.geometry.y.to_numpy(),
            "longitude": pick.geometry.x.to_numpy(),
        },
        geometry=pick.geometry.to_numpy(),
        crs=4326,
    )


def rss_now_mib() -> float:
    """Resident memory of this process now (``VmRSS``), MiB."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:", 1)[1].split()[0]) / 1024


def main(sizes: list[int]) -> None:
    """Print time and peak memory of each way of reading N incidents."""
    for n in sizes:
        gdf = synthetic(n)
        plain = io.BytesIO()
        pd.DataFrame(gdf.drop(columns="geometry")).to_parquet(plain)
        geoparquet = io.BytesIO()
        gdf.drop(columns=["latitude", "longitude"]).to_parquet(geoparquet)
        for label, data in (("parquet", plain.getvalue()), ("geoparquet", geoparquet.getvalue())):
            t0 = time.perf_counter()
            result = ingest_upload(data, name=f"synthetic.{label}", limits=LOCAL_FILE_LIMITS)
            took = time.perf_counter() - t0
            child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            deep = result.incidents.memory_usage(deep=True).sum() / 2**20
            print(
                f"n={n:>9,} {label:<10} {len(data) / 2**20:6.1f} MiB  ingest {took:6.1f} s  "
                f"kept {result.report.rows_kept:,}  worker peak RSS {child:,.0f} MiB  "
                f"frame (deep) {deep:,.0f} MiB  this process RSS now {rss_now_mib():,.0f} MiB"
            )
            del result
        t0 = time.perf_counter()
        ref = gpd.read_parquet(io.BytesIO(geoparquet.getvalue()))
        took = time.perf_counter() - t0
        print(f"n={n:>9,} reference  geopandas.read_parquet {took:6.2f} s ({len(ref):,} rows)")
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"n={n:>9,} this process peak RSS {own:,.0f} MiB")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
