"""Plan a trip between towns: the shortest route, the least-exposed route and distinct alternatives.

:func:`plan_trip` routes on a :class:`geo.roadgraph.RoadGraph` from an origin
through optional via towns to a destination (METHODS.md §6):

- **shortest**: least ``length_km`` (geodesic);
- **least exposed**: least cost with, per edge,
  ``cost = length_km · (1 + λ · exposure_per_km) = length_km + λ · exposure``,
  where an edge's ``exposure`` is the sum of the corridor formula
  (:func:`geo.exposure.segment_exposure`, same buffer, decay, half-life and
  type weights as the corridors) over the edge cut into ``segment_km``
  pieces (:func:`geo.segments.segment_routes`), as of the departure date.
  λ = 0 gives the shortest route; sweeping λ traces the supported points of
  the length–exposure trade-off;
- **alternatives**: the penalty method: after each route found, the λ cost of
  its edges is multiplied by ``1 + penalty`` and the search runs again; a
  candidate is kept when at most ``overlap`` of its length lies on edges of a
  route already kept (near-duplicates dropped) and it is at most
  ``max_detour`` longer than the shortest, until ``k`` are kept or ``4 · k``
  searches ran. Yen's k-shortest paths would give the k cheapest
  simple paths, but on this network they differ by a few hundred metres
  around junctions, and cost one Dijkstra per node of each path (see
  :mod:`geo.roadgraph`).

Every route is then reported as a corridor would be: its line is cut into
``segment_km`` segments from the origin, their exposure computed with
:func:`geo.exposure.segment_exposure` and summarised with
:func:`geo.route_report.route_summary` (length, km per exposure class, worst
stretches with town names). The reported exposure can differ slightly from
the edge sums used to choose the route (the 5 km cuts fall elsewhere); the
choice is optimal for the edge sums. The trade-off of a route against the
shortest is the km it adds per unit of incident exposure it avoids.

Scores are *incident exposure* on the reported data over the stated window;
the least-exposed route is the one with the least incident exposure on the
reported data over that window, never a "safe" route.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.checks import check_positive
from geo.crs import METRIC_CRS, WGS84
from geo.errors import ParameterError
from geo.exposure import segment_exposure
from geo.gazetteer import TownMatch
from geo.i18n import Translator, gettext_noop, translator
from geo.roadgraph import RoadGraph, content_key, road_sequence, shortest_path
from geo.route_report import route_summary, worst_stretches
from geo.segments import segment_routes
from geo.settings import DEFAULTS

#: How each kind of route is named (English templates; :func:`route_label_text` translates).
ROUTE_LABELS: dict[str, str] = {
    "shortest": gettext_noop("{trip}: shortest route"),
    "least_exposed": gettext_noop("{trip}: least incident exposure"),
    "alternative": gettext_noop("{trip}: alternative {n}"),
}
#: The default language of the plan's sentences (callers pass ``tr`` for another).
_EN: Translator = translator()

__all__ = [
    "ROUTE_LABELS",
    "route_label_text",
    "plan_notes",
    "ROUTE_KINDS",
    "Plan",
    "edge_exposure",
    "plan_trip",
    "route_cost",
]

#: Kinds of route in a plan, in the order they are listed.
ROUTE_KINDS: tuple[str, ...] = ("shortest", "least_exposed", "alternative")

_CACHE_SIZE = 8
#: The incident columns the exposure formula reads (the cache key hashes these).
_HASHED = (
    "event_id",
    "event_date",
    "category",
    "precise",
    "source",
    "geo_precision",
    "location",
    "between_a",
    "between_b",
)
_EXPOSURE_CACHE: OrderedDict[tuple, tuple[np.ndarray, dict[str, Any]]] = OrderedDict()


@dataclass(frozen=True)
class Plan:
    """A planned trip: the routes, their segments and stretches, and what the plan says.

    Attributes
    ----------
    routes : GeoDataFrame
        EPSG:4326, one row per route (shortest first): ``route_id``,
        ``route_kind`` (see :data:`ROUTE_KINDS`), ``is_least_exposed``,
        ``label``, ``length_km``, ``exposure`` (over the trip),
        ``exposure_per_km``, ``max_exposure_per_km``, ``km_low``,
        ``km_medium``, ``km_high``, ``km_critical``, ``km_high_or_critical``,
        ``n_incidents``, ``towns`` (towns passed, " – "-joined), ``roads``
        (road refs in order, " > "-joined), ``worst_stretches``,
        ``km_added`` and ``exposure_avoided`` (against the shortest),
        ``km_per_exposure_avoided`` (NaN when none is avoided),
        ``overlap_with_shortest`` (share of the route's km on the shortest
        route's edges), ``cost`` (the λ cost the search minimised).
    segments : GeoDataFrame
        EPSG:4326, the routes' ``segment_km`` segments with their exposure
        (columns of :func:`geo.exposure.segment_exposure`) and ``route_kind``.
    stretches : DataFrame
        The worst stretches of every route (:func:`geo.route_report.worst_stretches`).
    notes : list of str
        Whole sentences: what the least-exposed route avoids and what it costs
        in km, or that no alternative exists; fewer alternatives than asked;
        the window, sources and what was left out.
    record : dict
        The analysis record (window, sources, left out, λ, k, overlap, ...).
    """

    routes: gpd.GeoDataFrame
    segments: gpd.GeoDataFrame
    stretches: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)


def edge_exposure(
    graph: RoadGraph,
    incidents: gpd.GeoDataFrame,
    *,
    as_of: object = None,
    segment_km: float = DEFAULTS.segment_km,
    exposure_options: Mapping[str, Any] | None = None,
    cache: bool = True,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Incident exposure of every edge of the graph, by the corridor formula.

    Parameters
    ----------
    graph : RoadGraph
    incidents : GeoDataFrame
        Canonical incidents (:mod:`geo.schema`), any CRS.
    as_of : date-like, optional
        Departure date: ages count from it, later incidents are left out
        (default: the newest incident).
    segment_km : float
        Edges are cut into pieces of at most this length (km) before the
        formula is applied, as corridors are.
    exposure_options : Mapping, optional
        Further keyword arguments of :func:`geo.exposure.segment_exposure`
        (``buffer_km``, ``half_life_days``, ``type_weights``,
        ``distance_decay``, ``imprecise``, ...).
    cache : bool
        Remember the result in this process (see Notes). Pass False for a
        user's upload in the app: module memory is shared by every session
        (SECURITY.md 1.11), so nothing derived from an upload may stay there.

    Returns
    -------
    exposure : numpy.ndarray
        One value per edge (>= 0): the exposure a vehicle accumulates along it.
    record : dict
        The analysis record of :func:`geo.exposure.segment_exposure`.

    Notes
    -----
    The pieces of every edge are cut once per graph and ``segment_km`` and
    kept on the graph; a call then costs one
    :func:`~geo.exposure.segment_exposure` over them (about 13,000 pieces on
    the bundled network: 0.3 s with imprecise events dropped, about 3 s with
    them spread, ``benchmarks/bench_planner.py``), remembered for the last eight combinations
    of graph, incident content (:func:`geo.roadgraph.content_key`), date and
    options.
    """
    options = dict(exposure_options or {})
    key = (
        graph.key,
        content_key(incidents[[c for c in _HASHED if c in incidents.columns] + ["geometry"]]),
        str(as_of),
        float(segment_km),
        repr(sorted(options.items())),
    )
    cached = _EXPOSURE_CACHE.get(key) if cache else None
    if cached is None:
        pieces = _edge_pieces(graph, segment_km)
        exposed = segment_exposure(pieces, incidents, as_of=as_of, **options)
        per_edge = np.bincount(
            pieces["edge"].to_numpy(),
            weights=exposed["exposure"].to_numpy(),
            minlength=len(graph.edges),
        )
        record = {k: v for k, v in exposed.attrs.items() if k != "n_incidents_by_route"}
        cached = (per_edge, record)
        if cache:
            _EXPOSURE_CACHE[key] = cached
            while len(_EXPOSURE_CACHE) > _CACHE_SIZE:
                _EXPOSURE_CACHE.popitem(last=False)
    return cached[0].copy(), dict(cached[1])


def _edge_pieces(graph: RoadGraph, segment_km: float) -> gpd.GeoDataFrame:
    """Cut the graph's edges into ``segment_km`` pieces (cached on the graph)."""
    cache = graph.__dict__.setdefault("_pieces", {})
    key = float(segment_km)
    if key not in cache:
        edges = graph.edges
        lines = gpd.GeoDataFrame(
            {"route_id": edges.index.astype(str)}, geometry=edges.geometry, crs=edges.crs
        )
        pieces = segment_routes(lines, segment_km=segment_km)
        pieces["edge"] = pieces["route_id"].astype(np.int64)
        cache[key] = pieces
    return cache[key]


def route_cost(length_km: np.ndarray, exposure: np.ndarray, *, lambda_: float) -> np.ndarray:
    """Cost of each edge: ``length_km · (1 + λ · exposure_per_km) = length_km + λ · exposure``.

    Parameters
    ----------
    length_km : numpy.ndarray
        Edge lengths, km.
    exposure : numpy.ndarray
        Edge exposure (exposure per km times length).
    lambda_ : float
        Weight of exposure against length (>= 0): km of detour one unit of
        exposure is worth.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> route_cost(np.array([10.0, 4.0]), np.array([2.0, 0.0]), lambda_=3.0).tolist()
    [16.0, 4.0]
    """
    return np.asarray(length_km, dtype=float) + float(lambda_) * np.asarray(exposure, dtype=float)


def plan_trip(
    graph: RoadGraph,
    incidents: gpd.GeoDataFrame,
    *,
    origin: TownMatch,
    destination: TownMatch,
    via: Sequence[TownMatch] = (),
    as_of: object = None,
    lambda_: float = DEFAULTS.plan_lambda,
    k: int = DEFAULTS.plan_alternatives,
    overlap: float = DEFAULTS.plan_overlap,
    penalty: float = DEFAULTS.plan_penalty,
    max_detour: float = DEFAULTS.plan_max_detour,
    segment_km: float = DEFAULTS.segment_km,
    exposure_options: Mapping[str, Any] | None = None,
    cache: bool = True,
) -> Plan:
    """Plan the shortest, the least-exposed and up to ``k`` distinct alternative routes.

    Parameters
    ----------
    graph : RoadGraph
        Built from the gazetteer's towns (:func:`geo.roadgraph.road_graph`).
    incidents : GeoDataFrame
        Canonical incidents, already limited to the window the user chose.
    origin, destination : TownMatch
        From :func:`geo.gazetteer.resolve_town`.
    via : sequence of TownMatch
        Towns to pass, in order.
    as_of : date-like, optional
        Departure date (default: the newest incident).
    lambda_ : float
        Weight of exposure in the least-exposed cost (>= 0).
    k : int
        Alternatives wanted besides the shortest and the least exposed (>= 0).
    overlap : float
        A candidate alternative sharing more than this share of its length
        with a kept route is dropped (0..1).
    penalty : float
        Cost factor added to the edges of each route found (> 0).
    max_detour : float
        An alternative longer than the shortest route by more than this share
        is dropped (> 0).
    segment_km : float
        Segment length of exposure, km.
    exposure_options : Mapping, optional
        Keyword arguments of :func:`geo.exposure.segment_exposure`.
    cache : bool
        Let :func:`edge_exposure` remember the edge exposure in this process
        (False for a user's upload in the app).

    Returns
    -------
    Plan

    Raises
    ------
    ParameterError
        If a town has no node (too far from the roads), every stop is the same
        town, a parameter is out of range, or no road joins two consecutive
        stops.
    """
    lambda_ = check_positive("lambda", lambda_, minimum=-1e-12)
    overlap = _check_share("overlap", overlap)
    penalty = check_positive("penalty", penalty)
    max_detour = check_positive("max_detour", max_detour)
    if isinstance(k, bool) or int(k) != k or k < 0:
        raise ParameterError(f"`alternatives` was {k!r}; give a whole number of 0 or more.")
    stops = [origin, *via, destination]
    if len({town.label for town in stops}) == 1:
        raise ParameterError(
            f"the trip starts and ends in {origin.label} with no other town; choose two "
            "different towns."
        )
    nodes = [_node_of(graph, town) for town in stops]
    length = graph.edges["length_km"].to_numpy()
    exposure, record = edge_exposure(
        graph,
        incidents,
        as_of=as_of,
        segment_km=segment_km,
        exposure_options=exposure_options,
        cache=cache,
    )
    cost = route_cost(length, exposure, lambda_=lambda_)

    found: list[tuple[str, list[int], np.ndarray, float]] = []
    shortest_nodes, shortest_edges = _route(graph, nodes, length)
    found.append(("shortest", shortest_nodes, shortest_edges, float(cost[shortest_edges].sum())))
    least_nodes, least_edges = _route(graph, nodes, cost)
    least_is_shortest = _same(least_edges, shortest_edges)
    if not least_is_shortest:
        found.append(("least_exposed", least_nodes, least_edges, float(cost[least_edges].sum())))
    max_km = float(length[shortest_edges].sum()) * (1.0 + max_detour)
    found += _alternatives(
        graph, nodes, cost, found, k=int(k), overlap=overlap, penalty=penalty, max_km=max_km
    )

    routes, segments, stretches = _report(
        graph,
        incidents,
        found,
        stops,
        as_of=record.get("as_of"),
        segment_km=segment_km,
        exposure_options=exposure_options,
    )
    routes["is_least_exposed"] = routes["route_kind"].eq("least_exposed")
    if least_is_shortest:
        routes.loc[routes["route_kind"] == "shortest", "is_least_exposed"] = True
    shortest_share = _overlap_shares(graph, [f[2] for f in found], shortest_edges)
    routes["overlap_with_shortest"] = shortest_share
    routes["cost"] = [f[3] for f in found]
    plan_record = {
        **record,
        "analysis": "trip plan",
        "origin": origin.label,
        "destination": destination.label,
        "via": [t.label for t in via],
        "lambda": lambda_,
        "alternatives_asked": int(k),
        "overlap": overlap,
        "penalty": penalty,
        "max_detour": max_detour,
        "snap_km": graph.snap_km,
        "graph_key": graph.key,
    }
    notes = _notes(routes, stretches, segments, plan_record, least_is_shortest, int(k))
    return Plan(
        routes=routes, segments=segments, stretches=stretches, notes=notes, record=plan_record
    )


def _check_share(name: str, value: object) -> float:
    share = check_positive(name, value, minimum=-1e-12)
    if share > 1:
        raise ParameterError(f"`{name}` was {value!r}; give a share between 0 and 1.")
    return share


def _node_of(graph: RoadGraph, town: TownMatch) -> int:
    row = graph.towns.iloc[town.row] if 0 <= town.row < len(graph.towns) else None
    if row is None or row.get("label", town.label) != town.label:
        raise ParameterError(
            f"{town.label} is not a town of this road graph; build the graph from the "
            "gazetteer's towns."
        )
    node = int(row["node"])
    if node < 0:
        raise ParameterError(
            f"{town.label} is farther than {graph.snap_km:g} km from the road network; "
            "choose a town on a road nearby."
        )
    return node


def _route(graph: RoadGraph, nodes: list[int], cost: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Least-cost path through the stops in order: node path and edge ids."""
    path: list[int] = [nodes[0]]
    for a, b in zip(nodes[:-1], nodes[1:], strict=True):
        leg, _ = shortest_path(graph, a, b, cost)
        path += leg[1:]
    return path, graph.edge_ids(path) if len(path) > 1 else np.empty(0, dtype=np.int64)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and bool(np.all(a == b))


def _shared_share(graph: RoadGraph, edges: np.ndarray, other: np.ndarray) -> float:
    """Share of the length of ``edges`` that lies on ``other``'s edges."""
    km = graph.edges["length_km"].to_numpy()
    total = km[edges].sum()
    if total <= 0:
        return 1.0
    return float(km[edges[np.isin(edges, other)]].sum() / total)


def _overlap_shares(
    graph: RoadGraph, routes: list[np.ndarray], reference: np.ndarray
) -> list[float]:
    return [_shared_share(graph, edges, reference) for edges in routes]


def _alternatives(
    graph: RoadGraph,
    nodes: list[int],
    cost: np.ndarray,
    found: list[tuple[str, list[int], np.ndarray, float]],
    *,
    k: int,
    overlap: float,
    penalty: float,
    max_km: float,
) -> list[tuple[str, list[int], np.ndarray, float]]:
    """Penalty method: penalise the edges of every route found, search again, drop near-duplicates.

    A candidate longer than ``max_km`` is dropped too (a detour nobody drives).
    """
    km = graph.edges["length_km"].to_numpy()
    kept: list[tuple[str, list[int], np.ndarray, float]] = []
    penalised = cost.copy()
    for _, _, edges, _ in found:
        penalised[edges] *= 1.0 + penalty
    for _ in range(4 * k):
        if len(kept) >= k:
            break
        path, edges = _route(graph, nodes, penalised)
        penalised[edges] *= 1.0 + penalty
        if km[edges].sum() > max_km:
            continue
        if all(_shared_share(graph, edges, other[2]) <= overlap for other in found + kept):
            kept.append(("alternative", path, edges, float(cost[edges].sum())))
    return kept


def _route_line(graph: RoadGraph, path: list[int], edges: np.ndarray) -> shapely.LineString:
    """Join the path's edges into one line (METRIC_CRS), each oriented along the path."""
    parts = []
    u = graph.edges["u"].to_numpy()
    geoms = graph.edges.geometry.values
    for start, edge in zip(path[:-1], edges, strict=True):
        xy = shapely.get_coordinates(geoms[edge])
        parts.append(xy if u[edge] == start else xy[::-1])
    xy = np.vstack([parts[0]] + [p[1:] for p in parts[1:]]) if parts else np.empty((0, 2))
    return shapely.LineString(xy)


def _report(
    graph: RoadGraph,
    incidents: gpd.GeoDataFrame,
    found: list[tuple[str, list[int], np.ndarray, float]],
    stops: list[TownMatch],
    *,
    as_of: object,
    segment_km: float,
    exposure_options: Mapping[str, Any] | None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """Corridor figures for each route found (segments, summary, stretches, towns, roads)."""
    ids, kinds, lines = [], [], []
    n_alt = 0
    for kind, path, edges, _ in found:
        if kind == "alternative":
            n_alt += 1
            ids.append(f"alternative_{n_alt}")
        else:
            ids.append(kind)
        kinds.append(kind)
        lines.append(_route_line(graph, path, edges))
    label = f"{stops[0].label} – {stops[-1].label}"
    info = gpd.GeoDataFrame(
        {
            "route_id": ids,
            "label": [_route_label(label, kind, i) for kind, i in zip(kinds, ids, strict=True)],
            "origin": stops[0].label,
            "destination": stops[-1].label,
        },
        geometry=gpd.GeoSeries(lines, crs=METRIC_CRS),
        crs=METRIC_CRS,
    )
    segments = segment_routes(info, segment_km=segment_km, towns=graph.towns)
    exposed = segment_exposure(segments, incidents, as_of=as_of, **dict(exposure_options or {}))
    by_route = exposed.attrs.get("n_incidents_by_route", {})
    exposed.attrs = {"n_incidents_by_route": by_route}  # the record comes from edge_exposure
    summary = route_summary(exposed, routes=info)
    stretches = worst_stretches(exposed)

    routes = summary.rename(
        columns={"exposure_total": "exposure", "mean_exposure_per_km": "exposure_per_km"}
    )
    routes.insert(1, "route_kind", kinds)
    routes["km_high_or_critical"] = routes["km_high"] + routes["km_critical"]
    routes["towns"] = [" – ".join(_towns_passed(graph, path)) for _, path, _, _ in found]
    refs, km = graph.edges["ref"].to_numpy(), graph.edges["length_km"].to_numpy()
    routes["roads"] = [road_sequence(refs[edges], km[edges]) for _, _, edges, _ in found]
    shortest = routes.iloc[0]
    routes["km_added"] = routes["length_km"] - shortest["length_km"]
    routes["exposure_avoided"] = shortest["exposure"] - routes["exposure"]
    with np.errstate(divide="ignore", invalid="ignore"):
        trade = routes["km_added"] / routes["exposure_avoided"]
    routes["km_per_exposure_avoided"] = trade.where(routes["exposure_avoided"] > 0)
    routes = gpd.GeoDataFrame(
        routes.drop(columns=["group", "published_km"], errors="ignore"),
        geometry=info.geometry.to_crs(WGS84).values,
        crs=WGS84,
    )
    exposed = exposed.merge(
        pd.DataFrame({"route_id": ids, "route_kind": kinds}), on="route_id", how="left"
    )
    exposed = gpd.GeoDataFrame(exposed, geometry="geometry", crs=METRIC_CRS).to_crs(WGS84)
    exposed.attrs = {}
    return routes, exposed, stretches


def _route_label(trip: str, kind: str, route_id: str) -> str:
    if kind in ("shortest", "least_exposed"):
        return ROUTE_LABELS[kind].format(trip=trip)
    return ROUTE_LABELS["alternative"].format(trip=trip, n=route_id.rsplit("_", 1)[-1])


def _towns_passed(graph: RoadGraph, path: list[int]) -> list[str]:
    """Labels of the towns whose node the path passes, in the order passed."""
    position = {node: i for i, node in enumerate(path)}
    towns = graph.towns[graph.towns["node"].isin(position)]
    label = towns["label"] if "label" in towns.columns else towns["name"]
    order = towns["node"].map(position).to_numpy().argsort(kind="stable")
    names: list[str] = []
    for name in label.to_numpy()[order]:
        if not names or names[-1] != name:
            names.append(str(name))
    return names


def route_label_text(label: str, *, tr: Translator = _EN) -> str:
    """Return a route's label (``Kéniéba – Ségou: shortest route``) in the language of ``tr``."""
    from geo.validate import translate_message

    return translate_message(label, tr=tr, templates=tuple(ROUTE_LABELS.values()))


def plan_notes(plan: Plan, *, tr: Translator = _EN) -> list[str]:
    """Write the plan's sentences in the language of ``tr`` (``Plan.notes`` is the English).

    Parameters
    ----------
    plan : Plan
        A plan from :func:`plan_trip`.
    tr : Translator
        The language (English by default).

    Returns
    -------
    list of str
        Whole sentences, as :attr:`Plan.notes`.
    """
    least_is_shortest = not plan.routes["route_kind"].eq("least_exposed").any()
    k = int(plan.record.get("alternatives_asked", 0))
    return _notes(
        plan.routes, plan.stretches, plan.segments, plan.record, least_is_shortest, k, tr=tr
    )


def _notes(
    routes: gpd.GeoDataFrame,
    stretches: pd.DataFrame,
    segments: gpd.GeoDataFrame,
    record: Mapping[str, Any],
    least_is_shortest: bool,
    k: int,
    *,
    tr: Translator = _EN,
) -> list[str]:
    """Write the plan's sentences (whole sentences, for translation)."""
    from geo.exposure import left_out_text, window_text

    notes: list[str] = []
    window = window_text(record, tr=tr) if record.get("window_to") else record.get("window", "")
    shortest = routes.iloc[0]
    if shortest["roads"]:
        notes.append(
            tr.gettext("The shortest route follows {roads}.").format(roads=shortest["roads"])
        )
    lam = f"{record['lambda']:g}"
    if least_is_shortest:
        notes.append(
            tr.gettext(
                "At λ = {lam} no other road lowers the incident exposure enough: the route with "
                "the least incident exposure on the reported data over {window} is the shortest "
                "route ({km} km)."
            ).format(lam=lam, window=window, km=tr.number(shortest["length_km"]))
        )
    else:
        least = routes[routes["route_kind"] == "least_exposed"].iloc[0]
        notes.append(
            tr.gettext(
                "The route with the least incident exposure on the reported data over {window} "
                "(λ = {lam}) is {km} km long: {added} km against the shortest route, for "
                "{avoided} units of incident exposure avoided ({trade})."
            ).format(
                window=window,
                lam=lam,
                km=tr.number(least["length_km"]),
                added=("+" if least["km_added"] >= 0 else "-") + tr.number(abs(least["km_added"])),
                avoided=tr.number(least["exposure_avoided"], 2),
                trade=_trade_text(least, tr),
            )
        )
    buffer_km = record.get("buffer_km") or DEFAULTS.buffer_km
    notes += _stretch_notes(routes, stretches, segments, least_is_shortest, buffer_km, tr=tr)
    n_alt = int((routes["route_kind"] == "alternative").sum())
    if n_alt < k:
        notes.append(
            tr.gettext(
                "Only {n} of the {k} alternatives asked differ enough from the routes above (at "
                "most {share} % of their length shared)."
            ).format(n=n_alt, k=k, share=tr.number(record["overlap"] * 100))
        )
    if record.get("left_out"):
        notes.append(left_out_text(record, tr=tr))
    return notes


def _trade_text(route: pd.Series, tr: Translator = _EN) -> str:
    value = route["km_per_exposure_avoided"]
    if pd.isna(value):
        return tr.gettext("no exposure avoided")
    return tr.gettext("{km} km added per unit of exposure avoided").format(km=tr.number(value, 1))


def _stretch_notes(
    routes: gpd.GeoDataFrame,
    stretches: pd.DataFrame,
    segments: gpd.GeoDataFrame,
    least_is_shortest: bool,
    buffer_km: float,
    *,
    tr: Translator = _EN,
) -> list[str]:
    """Say which route avoids the shortest route's worst stretch and what it adds, or that none can.

    Stretches within ``buffer_km`` of the origin or the destination are left
    out: every route passes there.
    """
    length = float(routes.iloc[0]["length_km"])
    ends_km = float(buffer_km)
    inner = stretches[
        (stretches["route_id"] == "shortest")
        & (stretches["km_from"] >= ends_km)
        & (stretches["km_to"] <= length - ends_km)
    ]
    if inner.empty:
        return [
            tr.gettext(
                "Away from its two ends, the shortest route has no stretch with incident "
                "exposure worth naming."
            )
        ]
    stretch = inner.sort_values("rank").iloc[0]
    a, b = stretch["town_from"], stretch["town_to"]
    name = f"{a} – {b}" if a != b else tr.gettext("the stretch near {town}").format(town=a)
    where = tr.gettext("km {start}–{end} of the shortest route").format(
        start=tr.number(stretch["km_from"]), end=tr.number(stretch["km_to"])
    )
    seg = segments[
        (segments["route_id"] == "shortest")
        & (segments["km_from"] >= stretch["km_from"] - 1e-9)
        & (segments["km_to"] <= stretch["km_to"] + 1e-9)
    ]
    zone = shapely.buffer(shapely.union_all(seg.to_crs(METRIC_CRS).geometry.values), 100.0)
    others = routes.iloc[1:].to_crs(METRIC_CRS)
    for _, route in others.iterrows():
        shared_km = shapely.length(shapely.intersection(route.geometry, zone)) / 1000.0
        if shared_km < 0.5 * stretch["length_km"]:
            which = (
                tr.gettext("The least-exposed route")
                if route["route_kind"] == "least_exposed"
                else tr.gettext("Route {id}").format(id=route["route_id"].replace("_", " "))
            )
            sentence = (
                tr.gettext(
                    "{which} avoids {name} ({where}); it adds {km} km and avoids the incident "
                    "exposure over the trip."
                )
                if route["exposure_avoided"] > 0
                else tr.gettext(
                    "{which} avoids {name} ({where}); it adds {km} km and does not lower the "
                    "incident exposure over the trip."
                )
            )
            return [
                sentence.format(
                    which=which, name=name, where=where, km=tr.number(route["km_added"])
                )
            ]
    if least_is_shortest and others.empty:
        return [
            tr.gettext(
                "No other route was found to compare: {name} ({where}) stays on the only route."
            ).format(name=name, where=where)
        ]
    return [
        tr.gettext(
            "No comparable road in the network avoids {name} ({where}): every route found "
            "passes it."
        ).format(name=name, where=where)
    ]
