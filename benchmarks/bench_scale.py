"""Benchmark the app at 20,000 / 100,000 / 1,000,000 incidents: eager run, lazy views, payload.

Workload: N SYNTHETIC incidents resampled (seeded) from the bundled real UCDP
and news events: their categories, sources and fatalities, precise points
moved by up to 0.02° (about 2 km; imprecise ones stay on their coded place), a
date drawn over two years (2023-2024) and a fresh id. They are never real
events. The window is the last 180 days (the app's default), analysis date its
last day.

Figures printed, one line each, beside their reference in the same run:

- ``run_analysis``: the eager run every figure of every view (the CLI and the
  exports still use it); reference for the lazy views below.
- ``hotspots view``: what a filter change computes when the Hotspots view is
  open (:func:`geo.pipeline.lazy_analysis`, the parts that view reads: the
  selection, admin table, hexes, Gi*, surge, key figures) plus building its
  layers, KDE included when ``--method kde``.
- ``routes view`` / ``sites view``: the same for those views.
- ``map payload``: the size of the HTML of the Hotspots map's layers, with one
  marker per incident (the reference) and as drawn (counts per H3 cell above
  ``Settings.incident_marker_limit``).
- ``RSS``: this process's peak resident memory so far (``ru_maxrss``).

Run from the repository root: ``python -m benchmarks.bench_scale [N ...]``
(default 20000 100000 1000000); ``--write FILE N`` writes N synthetic rows as
Parquet for ``streamlit run app.py -- --incidents FILE`` (keep it out of git).
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from datetime import timedelta

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.io.incidents import load_bundled_incidents
from geo.pipeline import (
    Filters,
    Params,
    lazy_analysis,
    load_context,
    prepare_incidents,
    run_analysis,
)
from geo.settings import DEFAULTS
from layers.incidents import build_incidents
from ui.maps import hotspot_layers

SEED = 20261204
JITTER_DEG = 0.02
START = np.datetime64("2023-01-01")
DAYS = 731


def synthetic(n: int) -> gpd.GeoDataFrame:
    """N canonical incidents resampled from the bundled ones (SYNTHETIC), dates over two years."""
    base = load_bundled_incidents().incidents
    rng = np.random.default_rng(SEED)
    pick = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    # Imprecise events stay on their coded place, as in the source data.
    jitter = JITTER_DEG * pick["precise"].to_numpy(bool)
    x = pick.geometry.x.to_numpy() + rng.uniform(-1.0, 1.0, n) * jitter
    y = pick.geometry.y.to_numpy() + rng.uniform(-1.0, 1.0, n) * jitter
    out = pd.DataFrame(pick.drop(columns="geometry"))
    out["event_id"] = [f"SYN-{i:07d}" for i in range(n)]
    out["event_date"] = pd.to_datetime(START + rng.integers(0, DAYS, n).astype("timedelta64[D]"))
    out["source_row"] = np.arange(n) + 2
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(x, y), crs=4326)


def write_parquet(path: str, n: int) -> None:
    """Write N synthetic incidents as Parquet with latitude/longitude (the reader's input)."""
    inc = synthetic(n)
    frame = pd.DataFrame(inc.drop(columns="geometry"))
    frame["latitude"] = inc.geometry.y.to_numpy()
    frame["longitude"] = inc.geometry.x.to_numpy()
    keep = [
        "event_id", "event_date", "event_type", "sub_event_type", "actor1", "actor2",
        "fatalities", "location", "country", "geo_precision", "notes", "latitude", "longitude",
    ]  # fmt: skip
    frame[keep].to_parquet(path)


def rss_mib() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Run ``fn`` once; return (seconds, result)."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def payload_mib(groups: list) -> float:
    """Size of the HTML of a map holding ``groups`` (the analysis layers only), MiB."""
    m = folium.Map(tiles=None)
    for group in groups:
        group.add_to(m)
    return len(m.get_root().render().encode()) / 2**20


def measure(n: int, ctx: object) -> None:
    """Print, for N incidents, the eager run beside what each view computes, payload and RSS."""
    assigned = prepare_incidents(synthetic(n), ctx)
    newest = assigned["event_date"].max().date()
    filters = Filters(start=newest - timedelta(days=DEFAULTS.window_days - 1), end=newest)
    params = Params(as_of=newest)
    switches = {"hotspots": True, "incidents": True}

    def lazy() -> object:
        return lazy_analysis(assigned, None, filters, params, context=ctx)

    eager_s, eager = timed(lambda: run_analysis(assigned, None, filters, params, context=ctx))
    print(f"\n{n:,} SYNTHETIC incidents, {len(eager.incidents):,} in the 180-day window")
    print(f"  run_analysis (eager, every view; reference) {eager_s:6.2f} s")

    def view(method: str) -> list:
        run = lazy()
        _ = run.admin_stats, run.surge, run.key_figures
        return hotspot_layers(run, method=method, layers=switches, measure="incidents")

    for method in ("admin", "kde", "hex"):
        took, groups = timed(lambda method=method: view(method))
        print(
            f"  hotspots view ({method}): compute + layers   {took:6.2f} s "
            f"(eager {eager_s:.2f} s), layers payload {payload_mib(groups):5.2f} MiB"
        )
    for label, names in (
        ("routes", ("segments", "route_summary", "worst_stretches")),
        ("sites", ("sites",)),
    ):
        took, _ = timed(lambda names=names: [getattr(lazy(), f) for f in names])
        print(f"  {label} view: compute                    {took:6.2f} s")
    if len(eager.incidents) <= DEFAULTS.incident_marker_limit * 2:
        markers = payload_mib([build_incidents(eager.incidents, name="Incidents")])
        print(f"  one marker each (reference): layer payload  {markers:5.2f} MiB")
    print(f"  peak RSS of this process so far            {rss_mib():6.0f} MiB")


def main(sizes: list[int]) -> None:
    """Print the figures for each size (see the module docstring)."""
    ctx = load_context()
    for n in sizes:
        measure(n, ctx)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write_parquet(sys.argv[2], int(sys.argv[3]))
    else:
        main([int(a) for a in sys.argv[1:]] or [20_000, 100_000, 1_000_000])
