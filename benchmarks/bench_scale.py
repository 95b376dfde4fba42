"""Benchmark the app at 20,000 / 100,000 / 1,000,000 incidents: eager run, lazy views, payload.

Workload: N SYNTHETIC incidents resampled (seeded) from the bundled real UCDP
and news events: their categories, sources and fatalities, precise points
moved by up to 0.02° (about 2 km; imprecise ones stay on their coded place), a
date drawn over two years (2023-2024) and a fresh id. They are never real
events. The window is the last 180 days (the app's default), analysis date its
last day.

The app keeps each part of an analysis in a cache per (data set, the filters
and parameters it reads) and what does not depend on the filters (the points
projected and their H3 cells) once per data set (``memo`` of
:func:`geo.pipeline.lazy_analysis`); this benchmark holds the same cache in a
dict. Figures printed, one line each, beside their reference in the same run:

- ``run_analysis``: the eager run of every figure of every view (the CLI and
  the exports still use it); the reference for the views below.
- ``open``: the first Hotspots view (admin) of a data set: the per-data-set
  points are computed here.
- ``filter change``: what a change of the window (one day earlier each time,
  so nothing but the points and the surge flags, which do not read the
  window, is reused) computes with the Hotspots view open, per method (the
  selection, admin table, surge, key figures, the hotspot layer and the
  incidents layer, KDE or hexes included), then with the Routes view open;
  the Sites view does not read the window (its 30/90/365-day counts end on
  the analysis date), so it is shown for a window change (a cache hit) and
  for a change of the categories.
- ``payload``: the HTML of the Hotspots map's layers (the base map, identical
  from one redraw to the next, is measured once); the incidents layer with
  one marker per incident (the reference, up to twice the marker limit) and as
  drawn (counts per H3 cell at several resolutions above
  ``Settings.incident_marker_limit``).
- ``RSS``: this process's resident memory once the data set is loaded and
  assigned, after the views (their caches held), and its peak so far
  (``ru_maxrss``, which includes making the synthetic rows), also after each
  view.

Run from the repository root: ``python -m benchmarks.bench_scale [N ...]``
(default 20000 100000 1000000); ``--write FILE N`` writes N synthetic rows as
Parquet for ``streamlit run app.py -- --incidents FILE`` (keep it out of git).
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

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
from geo.schema import CATEGORIES
from geo.settings import DEFAULTS
from layers.incidents import build_incidents
from ui.maps import base_map, hotspot_layers

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


def rss_now_mib() -> float:
    """Resident memory of this process now, MiB (``VmRSS``)."""
    with open("/proc/self/status") as status:
        line = next(text for text in status if text.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@dataclass(frozen=True)
class Took:
    """Wall and CPU time of one call, seconds."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:6.2f} s (CPU {self.cpu:5.2f} s)"


def timed(fn: Callable[[], object]) -> tuple[Took, object]:
    """Run ``fn`` once; return (its wall and CPU time, its result).

    On a loaded machine the wall time grows with the load; the CPU time of
    this process (single-threaded work) stays near what an idle machine shows.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return Took(time.perf_counter() - t0, time.process_time() - c0), out


def payload_mib(groups: list, m: folium.Map | None = None) -> float:
    """Size of the HTML of a map (default empty) holding ``groups``, MiB."""
    m = m or folium.Map(tiles=None)
    for group in groups:
        group.add_to(m)
    return len(m.get_root().render().encode()) / 2**20


def measure(n: int, ctx: object) -> None:
    """Print, for N incidents, the eager run beside what each view computes, payload and RSS."""
    assigned = prepare_incidents(synthetic(n), ctx)
    loaded = rss_now_mib()
    newest = assigned["event_date"].max().date()
    params = Params(as_of=newest)
    switches = {"hotspots": True, "incidents": True}
    store: dict = {}

    def memo(key: object, compute: Callable[[], dict]) -> dict:
        if key not in store:
            store[key] = compute()
        return store[key]

    def window(days_back: int, without: str | None = None) -> Filters:
        end = newest - timedelta(days=days_back)
        kept = None if without is None else tuple(c for c in CATEGORIES if c != without)
        start = end - timedelta(days=DEFAULTS.window_days - 1)
        return Filters(start=start, end=end, categories=kept)

    def hotspots(filters: Filters, method: str) -> list:
        run = lazy_analysis(assigned, None, filters, params, context=ctx, memo=memo)
        _ = run.admin_stats, run.surge, run.key_figures
        return hotspot_layers(run, method=method, layers=switches, measure="incidents")

    n_window = len(lazy_analysis(assigned, None, window(0), params, context=ctx).incidents)
    print(f"\n{n:,} SYNTHETIC incidents, {n_window:,} in the 180-day window")
    took, _ = timed(lambda: hotspots(window(0), "admin"))
    print(f"  open: first Hotspots view (admin), points     {took}")
    for days_back, method in enumerate(("admin", "kde", "hex"), start=1):
        took, groups = timed(lambda d=days_back, m=method: hotspots(window(d), m))
        print(
            f"  filter change, Hotspots view ({method:5s})      {took}, "
            f"layers {payload_mib(groups):5.2f} MiB, peak RSS {rss_mib():5.0f} MiB"
        )
    views = (
        ("Routes, window", ("segments", "route_summary", "worst_stretches"), window(4)),
        ("Sites, first", ("sites",), window(4)),
        ("Sites, window (cached)", ("sites",), window(5)),
        ("Sites, categories", ("sites",), window(5, without=CATEGORIES[-1])),
    )
    for label, names, filters in views:

        def view(filters: Filters = filters, names: tuple = names) -> list:
            run = lazy_analysis(assigned, None, filters, params, context=ctx, memo=memo)
            return [getattr(run, f) for f in names]

        took, _ = timed(view)  # "first": the Sites view opened, then filter changes
        print(f"  {label + ' view':44s}{took}, peak RSS {rss_mib():5.0f} MiB")
    # The reference last, so that the peak RSS after each view is the views' own.
    eager_s, eager = timed(lambda: run_analysis(assigned, None, window(0), params, context=ctx))
    print(f"  run_analysis (eager, every view; reference)  {eager_s}, peak RSS {rss_mib():.0f} MiB")
    cells = hotspot_layers(eager, method="admin", layers={"hotspots": False}, measure="incidents")
    drawn = "one marker each" if n_window <= DEFAULTS.incident_marker_limit else "cells"
    print(f"  incidents layer as drawn ({drawn:15s})   {payload_mib(cells):5.2f} MiB")
    if n_window <= DEFAULTS.incident_marker_limit * 2:
        markers = payload_mib([build_incidents(eager.incidents, name="Incidents")])
        print(f"  one marker each (reference): layer payload    {markers:5.2f} MiB")
    print(
        f"  RSS with the data set loaded {loaded:6.0f} MiB, now {rss_now_mib():6.0f} MiB, "
        f"peak so far {rss_mib():6.0f} MiB"
    )


def main(sizes: list[int]) -> None:
    """Print the figures for each size (see the module docstring)."""
    ctx = load_context()
    # Warm-up, not timed: first imports, the road graph, the spread layers.
    bundled = prepare_incidents(load_bundled_incidents().incidents, ctx)
    newest = bundled["event_date"].max().date()
    run_analysis(
        bundled,
        None,
        Filters(start=date(2019, 1, 1), end=newest),
        Params(as_of=newest),
        context=ctx,
    )
    base = base_map(layers={"admin": True, "basemap": True}, online_basemap=False, credit="")
    print(f"base map (basemap, identical across redraws)    {payload_mib([], base):5.2f} MiB")
    for n in sizes:
        measure(n, ctx)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write_parquet(sys.argv[2], int(sys.argv[3]))
    else:
        main([int(a) for a in sys.argv[1:]] or [20_000, 100_000, 1_000_000])
