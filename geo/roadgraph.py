"""A routable road graph: roads noded at their crossings, near-misses joined, towns as nodes.

:func:`build_road_graph` turns a road layer (the bundled OSM main roads of
:func:`geo.io.bundled.load_roads`, or a user's line layer) into a
:class:`RoadGraph`; :func:`road_graph` does the same through a small cache
keyed on the *content* of the roads and towns (a SHA-256 of their geometry and
attributes), so the app and a CLI run build it once per layer whatever object
carries it. :func:`shortest_path` finds the least-cost node path between two
nodes for any per-edge cost.

Building (all in :data:`geo.crs.METRIC_CRS`)
---------------------------------------------
1. The lines are noded where they cross or touch (``shapely.union_all``);
   nodes are exact shared coordinates.
2. The bundled lines are not noded at junctions (tile simplification dropped
   the junction vertices), so each dangling end (a node that no other piece
   meets, a closed roundabout ring not counting) is joined to the nearest
   point of another line within ``dangle_m`` (200 m, as
   ``scripts/build_corridors.py`` measured for this extract) by a straight
   ``connector`` edge to a node cut into that line. Closed rings themselves
   are no edges.
3. Each town within ``snap_km`` of the largest connected network is projected
   onto its nearest line there, and the line is cut at that point: the town
   *is* that node (the towns' ``snap_km`` says how far the town point is from
   it). Towns farther away get no node.
4. Every piece between two nodes is an edge with ``length_km`` (geodesic on
   WGS84, as the corridors), ``road_class``, ``ref`` and ``name`` of the road
   it lies on. Between two nodes only the shortest piece is kept (a simple
   graph: the two carriageways of a dual road joined at the same nodes are one
   edge); pieces that start and end at one node are dropped, and the two ends
   of a piece shorter than 1 m (a floating-point noding sliver) are one node.

Why scipy and not networkx
--------------------------
Routing runs on a symmetric ``scipy.sparse`` CSR matrix with
:func:`scipy.sparse.csgraph.dijkstra`. On the bundled graph (6,991 nodes,
9,391 edges), one shortest path takes a median 10.7 ms with scipy against
38.4 ms with ``networkx.dijkstra_path`` on the same graph, 3.6x
(``benchmarks/bench_planner.py``, 50 seeded town pairs, a loaded machine),
and a plan runs up to ten of them (shortest, least-exposed and the penalty
alternatives of :mod:`geo.planner`, per leg). networkx's
Yen (``shortest_simple_paths``) would run one Dijkstra per node of each path
found, several hundred per alternative here, so the planner uses the penalty
method instead (METHODS.md §6). :func:`to_networkx` gives the same graph to
networkx for checks and references.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from geo.checks import check_positive
from geo.crs import GEOD, METRIC_CRS, WGS84
from geo.errors import CRSError, InputFileError, ParameterError
from geo.settings import DEFAULTS

__all__ = [
    "CONNECTOR",
    "RoadGraph",
    "build_road_graph",
    "road_graph",
    "clear_graph_cache",
    "content_key",
    "road_sequence",
    "shortest_path",
    "to_networkx",
]

#: ``road_class`` of the short links that join unnoded road ends.
CONNECTOR = "connector"

#: Runs of one road ref shorter than this (km) are junction overlaps, not roads taken.
MIN_REF_RUN_KM = 2.0
_TOUCH_M = 0.01  # a piece closer than 1 cm to a road end touches it
_SNAP_END_M = 0.01  # a cut within 1 cm of a piece's end is that end
_MERGE_M = 1.0  # the two ends of a piece shorter than this are one node
_CACHE_SIZE = 4
_GRAPH_CACHE: OrderedDict[str, RoadGraph] = OrderedDict()


@dataclass(frozen=True)
class RoadGraph:
    """An undirected simple road graph in :data:`geo.crs.METRIC_CRS`.

    Attributes
    ----------
    key : str
        Content key of the roads, towns and parameters it was built from.
    node_xy : numpy.ndarray
        (n_nodes, 2) node coordinates, metres.
    edges : GeoDataFrame
        One row per edge (RangeIndex = edge id): ``u``, ``v`` (node ids, the
        geometry runs from u to v), ``length_km`` (geodesic), ``road_class``
        (the road's class or ``"connector"``), ``ref``, ``name``, ``geometry``
        (LineString, METRIC_CRS).
    towns : GeoDataFrame
        The towns given (same rows and index, EPSG:4326) plus ``node`` (node id,
        -1 when none within ``snap_km``) and ``snap_km`` (geodesic distance from
        the town point to its node; NaN when none).
    component : numpy.ndarray
        Connected-component label of each node; towns snap to the largest.
    snap_km, dangle_m : float
        The parameters it was built with.
    """

    key: str
    node_xy: np.ndarray
    edges: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame
    component: np.ndarray
    snap_km: float
    dangle_m: float

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_xy)

    def matrix(self, cost: np.ndarray) -> csr_matrix:
        """Symmetric CSR matrix of one cost per edge (aligned to :attr:`edges`)."""
        u = self.edges["u"].to_numpy()
        v = self.edges["v"].to_numpy()
        w = np.maximum(np.asarray(cost, dtype=float), 1e-9)  # csgraph drops explicit zeros
        return csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))),
            shape=(self.n_nodes, self.n_nodes),
        )

    def edge_ids(self, path: list[int]) -> np.ndarray:
        """Edge id of each consecutive node pair of a node path."""
        lookup = self._edge_lookup()
        return np.array([lookup[_pair(a, b)] for a, b in zip(path[:-1], path[1:], strict=True)])

    def _edge_lookup(self) -> dict[tuple[int, int], int]:
        cached = self.__dict__.get("_lookup")
        if cached is None:
            u, v = self.edges["u"].to_numpy(), self.edges["v"].to_numpy()
            cached = {_pair(a, b): i for i, (a, b) in enumerate(zip(u, v, strict=True))}
            object.__setattr__(self, "_lookup", cached)
        return cached


def _pair(a: int, b: int) -> tuple[int, int]:
    return (int(a), int(b)) if a < b else (int(b), int(a))


def content_key(*frames: gpd.GeoDataFrame, extra: object = None) -> str:
    """SHA-256 of layers' geometry (WKB), attribute values and CRS, plus ``extra``.

    Parameters
    ----------
    *frames : GeoDataFrame
        The layers (any CRS).
    extra : object
        Parameters to include (their ``repr``).

    Returns
    -------
    str
        A hex digest: equal for equal content, whatever objects carry it.
    """
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(str(frame.crs).encode())
        digest.update(b"".join(shapely.to_wkb(frame.geometry.values, hex=False)))
        attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        digest.update(pd.util.hash_pandas_object(attrs, index=False).to_numpy().tobytes())
        digest.update(repr(list(attrs.columns)).encode())
    digest.update(repr(extra).encode())
    return digest.hexdigest()


def road_graph(
    roads: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame,
    *,
    snap_km: float = DEFAULTS.plan_snap_km,
    dangle_m: float = DEFAULTS.plan_dangle_m,
) -> RoadGraph:
    """Return the graph of ``roads`` and ``towns``, built once per content (:func:`content_key`).

    Parameters
    ----------
    roads, towns, snap_km, dangle_m
        As in :func:`build_road_graph`.

    Returns
    -------
    RoadGraph
        A cached graph when the same content was built before (the last four
        are kept); treat it as read-only.
    """
    key = content_key(roads, towns, extra=(float(snap_km), float(dangle_m)))
    graph = _GRAPH_CACHE.get(key)
    if graph is None:
        graph = build_road_graph(roads, towns, snap_km=snap_km, dangle_m=dangle_m, key=key)
        _GRAPH_CACHE[key] = graph
        while len(_GRAPH_CACHE) > _CACHE_SIZE:
            _GRAPH_CACHE.popitem(last=False)
    else:
        _GRAPH_CACHE.move_to_end(key)
    return graph


def clear_graph_cache() -> None:
    """Forget every cached graph (tests and benchmarks measure a cold build with it)."""
    _GRAPH_CACHE.clear()


def build_road_graph(
    roads: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame,
    *,
    snap_km: float = DEFAULTS.plan_snap_km,
    dangle_m: float = DEFAULTS.plan_dangle_m,
    key: str | None = None,
) -> RoadGraph:
    """Build a routable graph from a road layer, with towns as nodes (module docstring).

    Parameters
    ----------
    roads : GeoDataFrame
        (Multi)LineStrings, any CRS; optional ``road_class``, ``ref``,
        ``name`` columns (``road_class`` "road", ``ref`` and ``name`` "" when
        absent). Not modified.
    towns : GeoDataFrame
        Points with ``name``, any CRS (the gazetteer's towns). Not modified.
    snap_km : float
        A town farther than this from the largest connected network gets no
        node, km.
    dangle_m : float
        A dangling road end is joined to another road within this distance, m.
    key : str, optional
        Content key to store (:func:`road_graph` passes it).

    Returns
    -------
    RoadGraph

    Raises
    ------
    CRSError
        If a layer has no CRS.
    InputFileError
        If ``roads`` has no line, or ``towns`` no ``name``.
    ParameterError
        If ``snap_km`` or ``dangle_m`` is not positive.

    Notes
    -----
    One noding pass (``shapely.union_all``), a few STRtree queries and a
    Python loop over the pieces that are cut (about 2,000 on the bundled
    roads); the bundled roads (4,017 lines, 33,000 km) give 6,991 nodes and
    9,391 edges in 0.9-2.3 s on the shared machine, by its load
    (``benchmarks/bench_planner.py``).
    Memory grows with the vertices.
    """
    snap_km = check_positive("snap_km", snap_km)
    dangle_m = check_positive("dangle_m", dangle_m)
    lines, attrs = _road_lines(roads)
    if "name" not in towns.columns:
        raise InputFileError(f"towns: no 'name' column (found {list(towns.columns)}).")
    if towns.crs is None:
        raise CRSError("towns has no CRS; set one with .set_crs(...) (EPSG:4326 for lon/lat).")

    pieces = shapely.get_parts(shapely.union_all(lines))
    road_of = _source_of(pieces, lines)
    starts, ends = _end_xy(pieces)
    open_ = ~np.all(starts == ends, axis=1)  # a closed ring with no junction is no edge
    pieces, road_of, starts, ends = pieces[open_], road_of[open_], starts[open_], ends[open_]

    tips, tip_target = _dangle_targets(pieces, starts, ends, dangle_m)
    node_of = _NodeIndex(np.concatenate([starts, ends, tips]))
    main = _main_mask(node_of, len(pieces), tips, tip_target)
    town_m = np.asarray(towns.geometry.to_crs(METRIC_CRS).values)
    snapped, town_target = _snap_towns(town_m, pieces, main, snap_km * 1000.0)

    cut_piece = np.concatenate([tip_target, town_target])
    cut_at = shapely.line_locate_point(
        pieces[cut_piece],
        np.concatenate([shapely.points(tips), town_m[snapped]]),
    )
    split, split_of, cut_xy = _split_pieces(pieces, cut_piece, cut_at)
    n_tips = len(tips)
    connectors = shapely.linestrings(np.stack([tips, cut_xy[:n_tips]], axis=1))
    edge_geoms = np.concatenate([split, connectors])
    edge_road = np.concatenate([road_of[split_of], np.full(n_tips, -1)])

    s_xy, e_xy = _end_xy(edge_geoms)
    node_xy, inverse = np.unique(np.concatenate([s_xy, e_xy]), axis=0, return_inverse=True)
    raw_xy = node_xy
    inverse, node_xy, node_map = _merge_close_nodes(edge_geoms, inverse.ravel(), node_xy)
    n_edges = len(edge_geoms)
    edges = _edge_frame(edge_geoms, inverse[:n_edges], inverse[n_edges:], edge_road, attrs)
    _, component = connected_components(_unit_matrix(edges, len(node_xy)), directed=False)

    out_towns = towns.copy()
    out_towns["node"] = -1
    out_towns["snap_km"] = np.nan
    if snapped.any():
        town_xy = cut_xy[n_tips:]
        rows = out_towns.index[snapped]
        out_towns.loc[rows, "node"] = node_map[_NodeIndex(raw_xy).lookup(town_xy)]
        out_towns.loc[rows, "snap_km"] = _geodesic_km(town_m[snapped], shapely.points(town_xy))
    out_towns["node"] = out_towns["node"].astype("int64")
    return RoadGraph(
        key=key or content_key(roads, towns, extra=(snap_km, dangle_m)),
        node_xy=node_xy,
        edges=edges,
        towns=out_towns,
        component=component,
        snap_km=snap_km,
        dangle_m=dangle_m,
    )


def _road_lines(roads: gpd.GeoDataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Single LineStrings in METRIC_CRS and the attributes of each (class, ref, name)."""
    if roads.crs is None:
        raise CRSError("roads has no CRS; set one with .set_crs(...) (EPSG:4326 for lon/lat).")
    metric = roads.to_crs(METRIC_CRS)
    geoms = np.asarray(metric.geometry.values, dtype=object)
    parts, index = shapely.get_parts(geoms, return_index=True)
    is_line = shapely.get_type_id(parts) == 1
    parts, index = parts[is_line], index[is_line]
    parts_ok = ~shapely.is_empty(parts) & (shapely.length(parts) > 0)
    parts, index = parts[parts_ok], index[parts_ok]
    if len(parts) == 0:
        raise InputFileError("roads: the layer has no line geometry to route on.")
    table = pd.DataFrame(index=range(len(roads)))
    for col, fill in (("road_class", "road"), ("ref", ""), ("name", "")):
        values = roads[col] if col in roads.columns else pd.Series(fill, index=roads.index)
        table[col] = values.fillna(fill).astype(str).to_numpy()
    return parts, table.iloc[index].reset_index(drop=True)


class _NodeIndex:
    """Exact coordinate pairs -> node ids (the noding gives shared nodes equal floats)."""

    def __init__(self, xy: np.ndarray) -> None:
        self.xy, inverse = np.unique(xy, axis=0, return_inverse=True)
        self.ids = inverse.ravel()
        self._map = {(float(x), float(y)): i for i, (x, y) in enumerate(self.xy)}

    def lookup(self, xy: np.ndarray) -> np.ndarray:
        return np.array([self._map[(float(x), float(y))] for x, y in xy], dtype=np.int64)


def _merge_close_nodes(
    geoms: np.ndarray, inverse: np.ndarray, node_xy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge the two nodes of every piece shorter than 1 m (floating-point noding slivers).

    Returns the edges' new end ids (starts then ends), the kept node
    coordinates and the map from old to new node ids.
    """
    n = len(geoms)
    short = shapely.length(geoms) < _MERGE_M
    a, b = inverse[:n][short], inverse[n:][short]
    matrix = csr_matrix((np.ones(len(a)), (a, b)), shape=(len(node_xy), len(node_xy)))
    _, labels = connected_components(matrix, directed=False)
    first = np.unique(labels, return_index=True)[1]
    return labels[inverse], node_xy[first], labels


def _end_xy(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (
        shapely.get_coordinates(shapely.get_point(lines, 0)),
        shapely.get_coordinates(shapely.get_point(lines, -1)),
    )


def _dangle_targets(
    pieces: np.ndarray, starts: np.ndarray, ends: np.ndarray, dangle_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each dangling end's coordinates and the nearest piece not touching it within ``dangle_m``.

    An end dangles when no other piece meets it. Closed rings are already
    dropped: the bundled roundabouts are small rings (about 15 m across) with
    roads ending on them but not on each other, so those ends dangle and are
    joined across the roundabout.
    """
    xy = np.concatenate([starts, ends])
    _, inverse, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    tips = xy[counts[inverse.ravel()] == 1]
    tree = shapely.STRtree(pieces)
    tip_pts = shapely.points(tips)
    tip_idx, piece_idx = tree.query(tip_pts, predicate="dwithin", distance=dangle_m)
    dist = shapely.distance(tip_pts[tip_idx], pieces[piece_idx])
    away = dist > _TOUCH_M
    tip_idx, piece_idx, dist = tip_idx[away], piece_idx[away], dist[away]
    order = np.lexsort((dist, tip_idx))
    best = order[np.unique(tip_idx[order], return_index=True)[1]]
    return tips[tip_idx[best]], piece_idx[best]


def _main_mask(
    node_of: _NodeIndex, n_pieces: int, tips: np.ndarray, tip_target: np.ndarray
) -> np.ndarray:
    """Mask of the pieces in the largest network once the connectors are added."""
    ids = node_of.ids
    u, v = ids[:n_pieces], ids[n_pieces : 2 * n_pieces]
    tip_nodes = ids[2 * n_pieces :][: len(tips)] if len(tips) else np.empty(0, dtype=np.int64)
    a = np.concatenate([u, tip_nodes])
    b = np.concatenate([v, u[tip_target]])
    n_nodes = len(node_of.xy)
    matrix = csr_matrix((np.ones(len(a)), (a, b)), shape=(n_nodes, n_nodes))
    _, labels = connected_components(matrix, directed=False)
    return labels[u] == np.bincount(labels).argmax()


def _snap_towns(
    town_m: np.ndarray, pieces: np.ndarray, main: np.ndarray, snap_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Which towns lie within ``snap_m`` of a main-network piece, and that piece."""
    valid = ~(shapely.is_missing(town_m) | shapely.is_empty(town_m))
    snapped = np.zeros(len(town_m), dtype=bool)
    candidates = np.flatnonzero(main)
    if not valid.any() or len(candidates) == 0:
        return snapped, np.empty(0, dtype=np.int64)
    tree = shapely.STRtree(pieces[candidates])
    idx = np.flatnonzero(valid)
    town_idx, hit = tree.query_nearest(town_m[idx], max_distance=snap_m, all_matches=False)
    order = np.argsort(town_idx)
    snapped[idx[town_idx]] = True
    return snapped, candidates[hit[order]]


def _split_pieces(
    pieces: np.ndarray, cut_piece: np.ndarray, cut_at: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split pieces at distances along them; return the parts, their piece and each cut's xy.

    A cut at (or within 1 cm of) an end uses that end, so the node is shared
    exactly; the cut coordinates returned are the ones the parts carry.
    """
    cut_xy = np.empty((len(cut_piece), 2))
    keep = np.ones(len(pieces), dtype=bool)
    parts: list[shapely.LineString] = []
    part_of: list[int] = []
    order = np.lexsort((cut_at, cut_piece))
    bounds = np.flatnonzero(np.diff(cut_piece[order])) + 1
    for group in np.split(order, bounds) if len(order) else []:
        piece = int(cut_piece[group[0]])
        xy = shapely.get_coordinates(pieces[piece])
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
        total = along[-1]
        inner = []
        for k in group:
            at = float(cut_at[k])
            if at <= _SNAP_END_M:
                cut_xy[k] = xy[0]
            elif at >= total - _SNAP_END_M:
                cut_xy[k] = xy[-1]
            else:
                j = int(np.searchsorted(along, at, side="right")) - 1
                frac = (at - along[j]) / (along[j + 1] - along[j])
                cut_xy[k] = xy[j] + frac * (xy[j + 1] - xy[j])
                inner.append((at, j, k))
        if not inner:
            continue
        keep[piece] = False
        start_at, start_xy, start_j = 0.0, xy[0], 0
        for at, j, k in [*inner, (total, len(xy) - 2, None)]:
            point = xy[-1] if k is None else cut_xy[k]
            if at - start_at <= _SNAP_END_M:
                if k is not None:
                    cut_xy[k] = start_xy
                continue
            parts.append(shapely.LineString(np.vstack([start_xy, xy[start_j + 1 : j + 1], point])))
            part_of.append(piece)
            start_at, start_xy, start_j = at, point, j
    kept = np.flatnonzero(keep)
    geoms = np.concatenate([pieces[kept], np.array(parts, dtype=object)])
    return geoms, np.concatenate([kept, np.array(part_of, dtype=np.int64)]), cut_xy


def _source_of(pieces: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Index into ``lines`` of the line each noded piece lies on (nearest to its midpoint)."""
    mids = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    tree = shapely.STRtree(lines)
    piece_idx, src_idx = tree.query_nearest(mids, all_matches=False)
    out = np.empty(len(pieces), dtype=np.int64)
    out[piece_idx] = src_idx
    return out


def _edge_frame(
    final: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    road_of: np.ndarray,
    attrs: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """Build the edge table: one shortest piece per node pair, self-loops dropped."""
    is_road = road_of >= 0
    road_class = np.full(len(final), CONNECTOR, dtype=object)
    ref = np.full(len(final), "", dtype=object)
    name = np.full(len(final), "", dtype=object)
    road_class[is_road] = attrs["road_class"].to_numpy()[road_of[is_road]]
    ref[is_road] = attrs["ref"].to_numpy()[road_of[is_road]]
    name[is_road] = attrs["name"].to_numpy()[road_of[is_road]]
    edges = gpd.GeoDataFrame(
        {
            "u": u.astype(np.int64),
            "v": v.astype(np.int64),
            "length_km": _line_geodesic_km(final),
            "road_class": road_class,
            "ref": ref,
            "name": name,
        },
        geometry=gpd.GeoSeries(final, crs=METRIC_CRS),
        crs=METRIC_CRS,
    )
    edges = edges[edges["u"] != edges["v"]]
    lo = np.minimum(edges["u"], edges["v"])
    hi = np.maximum(edges["u"], edges["v"])
    edges = edges.assign(_lo=lo, _hi=hi).sort_values("length_km", kind="stable")
    edges = edges.drop_duplicates(["_lo", "_hi"]).sort_index()
    return edges.drop(columns=["_lo", "_hi"]).reset_index(drop=True)


def _unit_matrix(edges: gpd.GeoDataFrame, n_nodes: int) -> csr_matrix:
    u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
    return csr_matrix((np.ones(len(u)), (u, v)), shape=(n_nodes, n_nodes))


_TO_WGS84 = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)


def _geodesic_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Geodesic distance (km) between metric points ``a`` and ``b``, pairwise."""
    ax, ay = _TO_WGS84.transform(*shapely.get_coordinates(a).T)
    bx, by = _TO_WGS84.transform(*shapely.get_coordinates(b).T)
    return GEOD.inv(ax, ay, bx, by)[2] / 1000.0


def _line_geodesic_km(lines: np.ndarray) -> np.ndarray:
    """Geodesic length (km) of metric lines, per vertex pair on WGS84."""
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    lon, lat = _TO_WGS84.transform(xy[:, 0], xy[:, 1])
    same = idx[1:] == idx[:-1]
    pair = np.zeros(len(idx) - 1)
    pair[same] = GEOD.inv(lon[:-1][same], lat[:-1][same], lon[1:][same], lat[1:][same])[2]
    return np.bincount(idx[1:], weights=pair, minlength=len(lines)) / 1000.0


def shortest_path(
    graph: RoadGraph, source: int, target: int, cost: np.ndarray
) -> tuple[list[int], float]:
    """Least-cost node path between two nodes for one cost per edge (scipy Dijkstra).

    Parameters
    ----------
    graph : RoadGraph
    source, target : int
        Node ids.
    cost : numpy.ndarray
        One non-negative cost per edge of ``graph.edges``; ``inf`` closes an edge.

    Returns
    -------
    path : list of int
        Node ids from ``source`` to ``target`` (``[source]`` when they are equal).
    total : float
        Sum of ``cost`` along it.

    Raises
    ------
    ParameterError
        If no path joins the two nodes.
    """
    if source == target:
        return [int(source)], 0.0
    cost = np.asarray(cost, dtype=float)
    open_ = np.isfinite(cost)
    matrix = _open_matrix(graph, cost, open_)
    dist, pred, _ = dijkstra(
        matrix, directed=False, indices=int(source), return_predecessors=True, min_only=True
    )
    if not np.isfinite(dist[target]):
        raise ParameterError("no road in the network joins these two places.")
    path = [int(target)]
    while path[-1] != source:
        path.append(int(pred[path[-1]]))
    path.reverse()
    return path, float(dist[target])


def _open_matrix(graph: RoadGraph, cost: np.ndarray, open_: np.ndarray) -> csr_matrix:
    if open_.all():
        return graph.matrix(cost)
    u = graph.edges["u"].to_numpy()[open_]
    v = graph.edges["v"].to_numpy()[open_]
    w = np.maximum(cost[open_], 1e-9)
    return csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))),
        shape=(graph.n_nodes, graph.n_nodes),
    )


def to_networkx(graph: RoadGraph, cost: np.ndarray | None = None) -> nx.Graph:
    """Return the graph as a ``networkx.Graph`` with ``length_km``, ``road_class``, ``cost``.

    Parameters
    ----------
    graph : RoadGraph
    cost : numpy.ndarray, optional
        One cost per edge (default ``length_km``).

    Returns
    -------
    networkx.Graph
        Nodes are the node ids; edge attribute ``edge`` is the edge id.
    """
    cost = graph.edges["length_km"].to_numpy() if cost is None else np.asarray(cost, float)
    out = nx.Graph()
    out.add_nodes_from(range(graph.n_nodes))
    out.add_edges_from(
        (int(a), int(b), {"edge": i, "length_km": float(km), "road_class": cls, "cost": float(c)})
        for i, (a, b, km, cls, c) in enumerate(
            zip(
                graph.edges["u"],
                graph.edges["v"],
                graph.edges["length_km"],
                graph.edges["road_class"],
                cost,
                strict=True,
            )
        )
    )
    return out


def road_sequence(refs: Sequence[str], km: Sequence[float]) -> str:
    """Write the road refs along a path in order, as a reader would name the roads taken.

    Parameters
    ----------
    refs : sequence of str
        The OSM ``ref`` of each piece along the path (``""`` when untagged).
    km : sequence of float
        The length of each piece, km.

    Returns
    -------
    str
        Refs joined by " > ". Refs are written without spaces ("RN 24" and
        "RN24" are one road; Senegal's "N 1" becomes "N1"); purely numeric
        refs (motorway junction numbers) and runs shorter than
        :data:`MIN_REF_RUN_KM` (overlaps at junctions) are left out unless
        nothing else is left, then repeats are collapsed.

    Examples
    --------
    >>> road_sequence(["N 1", "N1", "RN 3", "12", "RN3", "RN 3"], [50, 10, 0.5, 3, 1, 20])
    'N1 > RN3'
    """
    runs: list[list] = []
    for ref, length in zip(refs, km, strict=True):
        ref = str(ref).replace(" ", "")
        if not ref or ref.isdigit():
            continue
        if runs and runs[-1][0] == ref:
            runs[-1][1] += float(length)
        else:
            runs.append([ref, float(length)])
    kept = [ref for ref, length in runs if length >= MIN_REF_RUN_KM] or [r for r, _ in runs]
    out: list[str] = []
    for ref in kept:
        if not out or out[-1] != ref:
            out.append(ref)
    return " > ".join(out)
