"""Benchmark the road graph (geo.roadgraph) and trip plans (geo.planner) on the bundled data.

Workload: the real bundled OSM roads (4,017 lines) and towns; 50 town pairs
drawn at random (seeded) among the towns that have a node on the main network
(the pairs are a random draw, not trips anyone asked for); the real bundled
incidents of 1 September to 31 October 2025, as of 31 October 2025.

- ``build``: :func:`geo.roadgraph.build_road_graph`, cold (best of 3); the
  target is 5 s. Also the content-keyed cache hit of
  :func:`geo.roadgraph.road_graph` (hashing the layers).
- ``plan``: :func:`geo.planner.plan_trip` per pair (shortest, least exposed
  at the default λ, two alternatives, the corridor report of each route), the
  graph built once; the first plan also computes the edge exposure, which the
  later plans reuse (same incidents and date). The target is 1 s a plan.
- reference, same run and pairs: what a user would write for the shortest
  path, ``networkx.dijkstra_path(G, a, b, weight="length_km")`` on the same
  graph as a ``networkx.Graph`` (conversion timed apart), against one
  :func:`geo.roadgraph.shortest_path` (scipy); setup checks both give the
  same length for every pair.

Run from the repository root: ``python -m benchmarks.bench_planner [N_PAIRS]``
(default 50).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import networkx as nx
import numpy as np

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.gazetteer import build_gazetteer, resolve_town
from geo.io.bundled import load_roads, load_towns
from geo.io.incidents import load_bundled_incidents
from geo.planner import plan_trip
from geo.roadgraph import (
    build_road_graph,
    clear_graph_cache,
    road_graph,
    shortest_path,
    to_networkx,
)

SEED = 20251031
AS_OF = "2025-10-31"


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Smallest wall time of ``repeat`` runs, seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Wall time of one run, seconds, and its result."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main(n_pairs: int = 50) -> None:
    """Print build and plan times beside the networkx reference."""
    roads = load_roads()
    gaz = build_gazetteer(load_towns())
    build_s = best_of(lambda: build_road_graph(roads, gaz.towns), 3)
    clear_graph_cache()
    graph = road_graph(roads, gaz.towns)
    hit_s = best_of(lambda: road_graph(roads, gaz.towns), 3)
    print(
        f"build: {build_s:.2f} s cold (best of 3; target 5 s), cache hit {hit_s * 1000:.0f} ms; "
        f"{graph.n_nodes:,} nodes, {len(graph.edges):,} edges, "
        f"{int((graph.towns['node'] >= 0).sum())} towns with a node"
    )

    incidents = load_bundled_incidents().incidents
    window = incidents[
        (incidents["event_date"] >= "2025-09-01") & (incidents["event_date"] <= AS_OF)
    ]
    main_label = np.bincount(graph.component).argmax()
    rows = np.flatnonzero(
        (graph.towns["node"] >= 0).to_numpy()
        & (graph.component[graph.towns["node"].clip(lower=0)] == main_label)
    )
    rng = np.random.default_rng(SEED)
    pairs = [tuple(rng.choice(rows, 2, replace=False)) for _ in range(n_pairs)]
    lookup = {int(r): resolve_town(gaz, gaz.towns["label"].iat[r]) for r in rows}

    convert_s, g_nx = timed(lambda: to_networkx(graph))
    length = graph.edges["length_km"].to_numpy()
    scipy_s, nx_s = [], []
    for a, b in pairs:
        na, nb = int(graph.towns["node"].iat[a]), int(graph.towns["node"].iat[b])
        t1, (_, km) = timed(lambda na=na, nb=nb: shortest_path(graph, na, nb, length))
        t2, path = timed(lambda na=na, nb=nb: nx.dijkstra_path(g_nx, na, nb, weight="length_km"))
        ref_km = sum(
            g_nx.edges[p, q]["length_km"] for p, q in zip(path[:-1], path[1:], strict=True)
        )
        if abs(km - ref_km) > 1e-6 * max(km, 1.0):
            raise SystemExit(f"setup check failed: scipy {km} km, networkx {ref_km} km")
        scipy_s.append(t1)
        nx_s.append(t2)
    print(
        f"shortest path, {n_pairs} pairs: scipy median {np.median(scipy_s) * 1000:.1f} ms, "
        f"networkx.dijkstra_path median {np.median(nx_s) * 1000:.1f} ms "
        f"({np.median(nx_s) / np.median(scipy_s):.1f}x); to_networkx {convert_s:.2f} s once"
    )

    plan_s = []
    for a, b in pairs:
        t, _ = timed(
            lambda a=a, b=b: plan_trip(
                graph, window, origin=lookup[a], destination=lookup[b], as_of=AS_OF
            )
        )
        plan_s.append(t)
    later = np.array(plan_s[1:])
    print(
        f"plan, {n_pairs} pairs: first {plan_s[0]:.2f} s (edge exposure included), then "
        f"median {np.median(later):.2f} s, p95 {np.percentile(later, 95):.2f} s, "
        f"max {later.max():.2f} s; {int((later <= 1.0).sum())}/{len(later)} within 1 s"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
