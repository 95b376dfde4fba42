"""Benchmark route exposure (geo.exposure) beside a bare ``STRtree`` dwithin query.

Workload: the four bundled corridors (about 4,900 km) cut into 1 km segments,
against N seeded SYNTHETIC incidents (random points, dates over two years,
random categories, 10 % imprecise) in two layouts:

- ``box``: uniform over the corridor box (lon 17.5° W-3° W, lat 5° N-17° N),
  so about one incident in eight falls within the 25 km buffer;
- ``near``: every incident within 30 km of a corridor (the worst case: each
  one meets about fifty 1 km segments).

Reference: ``shapely.STRtree(segments).query(points, predicate="dwithin",
distance=25 km)`` on the same projected geometries, i.e. the candidate search
alone, without distances, weights, sums or the copy of the result. The design
target is < 0.5 s for 100,000 incidents.

These two layouts leave imprecise events out (``imprecise="drop"``): random
points would each be a distinct uncertainty area, which no real data has.

Spread against drop (issue 10, DESIGN.md: spread imprecise <= 2x drop):
100,000 SYNTHETIC incidents resampled from the bundled incidents (seeded), two
thirds drawn from the precise rows (moved up to 10 km at random so that no two
coincide), one third from the imprecise rows with their coded place, precision
and "between A and B" towns, dates uniform over the two years before the
analysis date. ``resampled`` keeps the bundled coded places (imprecise events are
coded at towns, cercle centres and road ends, so real files repeat them);
``any town`` moves each imprecise event to a random town of the bundled towns
layer (942 coded places), a harder case for the per-area sampling. Both time
:func:`geo.exposure.segment_exposure` with ``imprecise="spread"`` and ``"drop"``
on the same frame, after one warm-up run (the bundled cercles, towns and road
graph are loaded once per process, as in the app).

Measured here (2 shared cores, load high; best of 5, ``any town`` one run):
``resampled`` 33 distinct areas, drop 1,304 ms, spread 938 ms (0.72x: the target
holds); ``any town`` 990 areas, drop 2,266 ms, spread 40,265 ms (17.8x: missed).
Spread cost grows with distinct areas x samples (512 per disc) x segments within
the buffer of each sample (about 50 at 1 km): 990 discs make some 25 M
sample-segment pairs. Binning the samples of all areas on a shared grid (weighted
centroid per cell) would bound that by the area covered instead; not done yet.

Run: ``python benchmarks/bench_routes.py [N ...]`` (default 10000 100000 1000000;
``near`` stops at 100,000, whose 6.4 M pairs already take about 1 GB), then the
spread comparison at 100,000.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.crs import METRIC_CRS, to_metric
from geo.exposure import segment_exposure
from geo.io.bundled import load_routes, load_towns
from geo.io.incidents import load_bundled_incidents
from geo.schema import CATEGORIES
from geo.segments import segment_routes
from geo.spread import bundled_spread_layers, spread_areas

SEED = 20251115
BUFFER_KM = 25.0
SEGMENT_KM = 1.0
AS_OF = pd.Timestamp("2025-11-15")
NEAR_MAX = 100_000  # "near" at 1 M makes about 64 M pairs: several GB of index arrays


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Smallest wall time of ``repeat`` runs, seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def synthetic_incidents(n: int, layout: str, segments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """N seeded synthetic canonical-enough incidents in EPSG:4326."""
    rng = np.random.default_rng(SEED)
    if layout == "box":
        lon = rng.uniform(-17.5, -3.0, n)
        lat = rng.uniform(5.0, 17.0, n)
        geoms = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)
    else:
        # a random point on a random segment, moved up to 30 km in a random direction
        pick = rng.integers(0, len(segments), n)
        base = shapely.line_interpolate_point(
            segments.geometry.values[pick], rng.uniform(0, 1, n), normalized=True
        )
        xy = shapely.get_coordinates(base)
        angle = rng.uniform(0, 2 * np.pi, n)
        dist = rng.uniform(0, 30_000, n)
        xy = xy + np.column_stack([np.cos(angle), np.sin(angle)]) * dist[:, None]
        geoms = gpd.GeoSeries(shapely.points(xy), crs=METRIC_CRS).to_crs(4326)
    frame = pd.DataFrame(
        {
            "event_date": AS_OF - pd.to_timedelta(rng.integers(0, 730, n), unit="D"),
            "category": rng.choice(np.array(CATEGORIES), n),
            "precise": rng.random(n) > 0.1,
            "source": "user",
        }
    )
    return gpd.GeoDataFrame(frame, geometry=geoms.values, crs=4326)


def main(sizes: list[int]) -> None:
    routes, towns = load_routes(), load_towns()
    t_seg = best_of(lambda: segment_routes(routes, segment_km=SEGMENT_KM, towns=towns), 5)
    segments = segment_routes(routes, segment_km=SEGMENT_KM, towns=towns)
    total_km = float(segments.groupby("route_id")["km_to"].max().sum())
    # setup check: the workload is what the name says
    assert len(routes) == 4 and abs(len(segments) - total_km / SEGMENT_KM) < len(routes)
    print(
        f"segment_routes: {len(routes)} routes, {total_km:,.0f} km -> {len(segments):,} "
        f"segments of {SEGMENT_KM:g} km with nearest towns: {t_seg * 1000:.1f} ms"
    )
    seg_geoms = np.asarray(segments.geometry.values)
    print(
        f"{'layout':<6} {'incidents':>10} {'pairs':>10} {'reference':>10} "
        f"{'exposure':>10} {'(metric in)':>12} {'ratio':>6} {'target':>7}"
    )
    for layout in ("box", "near"):
        for n in sizes:
            if layout == "near" and n > NEAR_MAX:
                print(f"{layout:<6} {n:>10,} skipped: about {64 * n // 1_000_000} M pairs, GBs")
                continue
            incidents = synthetic_incidents(n, layout, segments)
            assert len(incidents) == n
            metric = to_metric(incidents)
            pts = np.asarray(metric.geometry.values)
            repeat = 5 if n <= 100_000 else 2

            def reference(pts: np.ndarray = pts) -> tuple[np.ndarray, np.ndarray]:
                tree = shapely.STRtree(seg_geoms)
                return tree.query(pts, predicate="dwithin", distance=BUFFER_KM * 1000.0)

            pairs = reference()[0].size
            t_ref = best_of(reference, repeat)

            def run(inc: gpd.GeoDataFrame = incidents) -> gpd.GeoDataFrame:
                return segment_exposure(
                    segments, inc, buffer_km=BUFFER_KM, as_of=AS_OF, imprecise="drop"
                )

            def run_metric(inc: gpd.GeoDataFrame = metric) -> gpd.GeoDataFrame:
                return segment_exposure(
                    segments, inc, buffer_km=BUFFER_KM, as_of=AS_OF, imprecise="drop"
                )

            t_exp = best_of(run, repeat)
            t_met = best_of(run_metric, repeat)
            target = "< 0.5 s" if n == 100_000 else ""
            verdict = ("ok" if t_exp < 0.5 else "MISSED") if target else ""
            print(
                f"{layout:<6} {n:>10,} {pairs:>10,} {t_ref * 1000:>8.0f}ms "
                f"{t_exp * 1000:>8.0f}ms {t_met * 1000:>10.0f}ms {t_exp / t_ref:>6.2f} "
                f"{target:>7} {verdict}"
            )

    spread_vs_drop(segments, 100_000)


def resampled_incidents(n: int, *, any_town: bool) -> gpd.GeoDataFrame:
    """N SYNTHETIC incidents resampled from the bundled ones, a third imprecise (seeded)."""
    rng = np.random.default_rng(SEED)
    bundled = load_bundled_incidents().incidents
    precise = bundled[bundled["precise"]]
    vague = bundled[~bundled["precise"]]
    n_vague = n // 3
    a = precise.iloc[rng.integers(0, len(precise), n - n_vague)].reset_index(drop=True)
    b = vague.iloc[rng.integers(0, len(vague), n_vague)].reset_index(drop=True)
    xy = shapely.get_coordinates(to_metric(a).geometry.values)
    angle, dist = rng.uniform(0, 2 * np.pi, len(a)), rng.uniform(0, 10_000, len(a))
    xy = xy + np.column_stack([np.cos(angle), np.sin(angle)]) * dist[:, None]
    a = a.set_geometry(gpd.GeoSeries(shapely.points(xy), crs=METRIC_CRS).to_crs(4326).values)
    if any_town:
        towns = load_towns()
        pick = towns.geometry.values[rng.integers(0, len(towns), len(b))]
        b = b.set_geometry(gpd.GeoSeries(pick, crs=towns.crs).to_crs(4326).values)
        b[["between_a", "between_b"]] = ""  # the named towns would not fit the new place
    out = pd.concat([a, b], ignore_index=True)
    out["event_date"] = AS_OF - pd.to_timedelta(rng.integers(0, 730, len(out)), unit="D")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326)


def spread_vs_drop(segments: gpd.GeoDataFrame, n: int) -> None:
    """Print spread and drop timings on the two resampled workloads."""
    print(f"\nspread vs drop, {n:,} SYNTHETIC incidents resampled from the bundled ones")
    print(f"{'workload':<10} {'imprecise':>9} {'areas':>6} {'drop':>8} {'spread':>8} {'ratio':>6}")
    for any_town in (False, True):
        inc = resampled_incidents(n, any_town=any_town)
        assert len(inc) == n and (~inc["precise"]).sum() == n // 3

        def run(mode: str, inc: gpd.GeoDataFrame = inc) -> gpd.GeoDataFrame:
            return segment_exposure(segments, inc, buffer_km=BUFFER_KM, as_of=AS_OF, imprecise=mode)

        warm = run("spread")  # loads the bundled spread layers once
        n_areas = len(
            spread_areas(to_metric(inc[~inc["precise"]]), bundled_spread_layers()).area_geometry
        )
        repeat = 1 if any_town else 5  # any town: tens of seconds a run (see the docstring)
        t_drop = best_of(lambda: run("drop"), repeat)
        t_spread = best_of(lambda: run("spread"), repeat)
        assert warm.attrs["n_spread"] == n // 3
        name = "any town" if any_town else "resampled"
        verdict = "ok" if t_spread <= 2 * t_drop else "MISSED (> 2x)"
        print(
            f"{name:<10} {n // 3:>9,} {n_areas:>6,} {t_drop * 1000:>6.0f}ms "
            f"{t_spread * 1000:>6.0f}ms {t_spread / t_drop:>6.2f} {verdict}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
