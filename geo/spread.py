"""Where an imprecise event could have happened: its uncertainty area and its samples.

An event "near a town" could have happened anywhere in a disc around the coded
place, a district- or region-precision event anywhere in its cercle, and an
event "between A and B" anywhere on the road between the two towns
(METHODS.md §2; DESIGN.md "precise"). :func:`spread_areas` turns each such
event into one of these areas and a set of weighted sample points (stratified,
exact to 1 % for the expected kernel: ``tests/test_spread.py``);
:func:`geo.exposure.spread_pairs` adds their expected contribution to route
segments and sites.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import Transformer

from geo.crs import METRIC_CRS, WGS84
from geo.errors import ParameterError
from geo.gazetteer import Gazetteer, TownMatch, build_gazetteer, match_town
from geo.i18n import gettext_noop
from geo.io import bundled
from geo.roadgraph import RoadGraph, road_graph, shortest_path
from geo.settings import DEFAULTS

__all__ = [
    "SPREAD_COLUMNS",
    "SPREAD_HOW",
    "SPREAD_KINDS",
    "Spread",
    "SpreadLayers",
    "between_stretches",
    "bundled_spread_layers",
    "disc_samples",
    "line_samples",
    "polygon_samples",
    "spread_areas",
]

#: The optional event columns :func:`spread_areas` reads (besides the geometry); without
#: one it falls back to a default (precision 2, no town pair), so callers that narrow
#: their incidents keep these.
SPREAD_COLUMNS: tuple[str, ...] = ("geo_precision", "between_a", "between_b")

#: How an imprecise event was spread (``Spread.event_how``, parts joined by ``"; "``): English
#: templates, rendered in another language by :func:`geo.validate.translate_message`.
SPREAD_HOW: dict[str, str] = {
    "cercle": gettext_noop("spread over the cercle of {name}"),
    "disc": gettext_noop("spread over a disc of {km} km around the coded place"),
    "road": gettext_noop("spread along the road {label}"),
    "line": gettext_noop("spread along the straight line {label}"),
    "no_town": gettext_noop("town {name} is not in the towns layer"),
    "one_place": gettext_noop("{a} and {b} are one place"),
}

#: How an imprecise event is spread in route and site exposure (``spread_kind``).
SPREAD_KINDS: dict[str, str] = {
    "disc": "a disc of {near_km:g} km around the coded place (near a town)",
    "admin": "the cercle containing the coded place (district or region precision)",
    "road": "the road between the two towns the source names (between A and B)",
}

_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
_TO_METRIC = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)


@dataclass(frozen=True)
class SpreadLayers:
    """The reference layers that give imprecise events an uncertainty area.

    Attributes
    ----------
    admin : GeoDataFrame
        Admin unit polygons (the cercles) with a ``name`` column, any CRS.
    gazetteer : Gazetteer
        Towns, for the two names of a "between A and B" event
        (:func:`geo.gazetteer.build_gazetteer`).
    graph : RoadGraph or None
        Road graph built with ``gazetteer.towns`` (:func:`geo.roadgraph.road_graph`):
        a stretch between two towns is the shortest road between their nodes.
        None: the straight line between the towns.
    """

    admin: gpd.GeoDataFrame
    gazetteer: Gazetteer
    graph: RoadGraph | None
    #: Candidates of each town name looked up so far (filled by :func:`spread_areas`).
    town_cache: dict[str, list[tuple[TownMatch, np.ndarray]]] = field(
        default_factory=dict, compare=False, repr=False
    )


@functools.lru_cache(maxsize=1)
def bundled_spread_layers() -> SpreadLayers:
    """Return the bundled cercles, towns and road graph as :class:`SpreadLayers` (cached)."""
    gazetteer = build_gazetteer(bundled.load_towns())
    return SpreadLayers(
        admin=bundled.load_admin(2).to_crs(METRIC_CRS),
        gazetteer=gazetteer,
        graph=road_graph(bundled.load_roads(), gazetteer.towns),
    )


@dataclass(frozen=True)
class Spread:
    """Imprecise events grouped by uncertainty area, each area sampled by weighted points.

    Attributes
    ----------
    event_area : numpy.ndarray of int
        For each event (in the order given), the index of its area.
    event_kind : numpy.ndarray of str
        For each event, its :data:`SPREAD_KINDS` key.
    event_how : list of str
        For each event, a sentence saying over what it was spread.
    area_geometry : numpy.ndarray of shapely geometries
        Each area (disc or polygon, or the road stretch as a line), metric CRS.
    sample_xy : numpy.ndarray, shape (n, 2)
        Sample points, metric CRS.
    sample_area : numpy.ndarray of int
        Area of each sample.
    sample_weight : numpy.ndarray of float
        Weight of each sample; the weights of an area sum to 1.
    """

    event_area: np.ndarray
    event_kind: np.ndarray
    event_how: list[str]
    area_geometry: np.ndarray
    sample_xy: np.ndarray
    sample_area: np.ndarray
    sample_weight: np.ndarray

    @property
    def n_areas(self) -> int:
        """Number of distinct uncertainty areas."""
        return len(self.area_geometry)

    def counts(self) -> dict[str, int]:
        """Events spread, by kind (every kind present, 0 when none)."""
        return {k: int((self.event_kind == k).sum()) for k in SPREAD_KINDS}


def disc_samples(n: int) -> np.ndarray:
    """Points of a sunflower (Vogel) pattern on the unit disc: equal area per point.

    Parameters
    ----------
    n : int
        Number of points.

    Returns
    -------
    numpy.ndarray, shape (n, 2)
        Point k at radius sqrt((k + 0.5) / n) and angle k x the golden angle,
        so each ring of the disc holds points in proportion to its area.

    Examples
    --------
    >>> xy = disc_samples(256)
    >>> bool(np.all(np.hypot(xy[:, 0], xy[:, 1]) < 1.0)), xy.shape
    (True, (256, 2))
    """
    k = np.arange(int(n), dtype=float)
    r = np.sqrt((k + 0.5) / n)
    return np.column_stack([r * np.cos(k * _GOLDEN_ANGLE), r * np.sin(k * _GOLDEN_ANGLE)])


def polygon_samples(polygon: shapely.Geometry, *, grid_km: float) -> np.ndarray:
    """Centres of the cells of a square grid that fall inside ``polygon`` (metric CRS).

    The spacing is ``grid_km``, or finer for a small polygon so that it holds
    at least 64 points; a polygon too thin for any centre gets its
    representative point.
    """
    step = min(grid_km * 1000.0, math.sqrt(max(polygon.area, 1.0) / 64.0))
    minx, miny, maxx, maxy = polygon.bounds
    xs = np.arange(minx + step / 2.0, maxx, step)
    ys = np.arange(miny + step / 2.0, maxy, step)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    inside = shapely.contains_xy(polygon, gx, gy)
    if not inside.any():
        point = polygon.representative_point()
        return np.array([[point.x, point.y]])
    return np.column_stack([gx[inside], gy[inside]])


def line_samples(line: shapely.Geometry, *, step_km: float) -> np.ndarray:
    """Midpoints of equal pieces, at most ``step_km`` long, of a line (metric CRS)."""
    n = max(1, math.ceil(line.length / (step_km * 1000.0)))
    points = shapely.line_interpolate_point(line, (np.arange(n) + 0.5) / n, normalized=True)
    return shapely.get_coordinates(points)


def spread_areas(
    events: gpd.GeoDataFrame,
    layers: SpreadLayers,
    *,
    near_km: float = DEFAULTS.imprecise_near_km,
    disc_points: int = DEFAULTS.spread_disc_samples,
    grid_km: float = DEFAULTS.spread_grid_km,
    line_step_km: float = DEFAULTS.spread_line_step_km,
) -> Spread:
    """Give each imprecise event its uncertainty area and sample every distinct area.

    Parameters
    ----------
    events : GeoDataFrame
        Imprecise canonical incidents in :data:`geo.crs.METRIC_CRS` (points:
        the coded place), with ``geo_precision``, ``between_a``, ``between_b``.
    layers : SpreadLayers
        Cercles, towns and roads.
    near_km : float
        Radius of the disc for "near a town".
    disc_points : int
        Samples of a disc (:func:`disc_samples`).
    grid_km : float
        Grid spacing in an admin unit (:func:`polygon_samples`).
    line_step_km : float
        Sample spacing along a road stretch (:func:`line_samples`).

    Returns
    -------
    Spread
        Areas, samples and, per event, its area and how it was spread.

    Notes
    -----
    The rule, first match wins (DESIGN.md, ``precise``; METHODS.md §2):

    1. ``between_a`` and ``between_b`` both name towns of the gazetteer (the
       candidate nearest the coded place, when several share a name): the
       shortest road between them on the road graph (towns are its nodes when
       within ``plan_snap_km`` of a road), or the straight line between the
       towns when the graph does not join them.
    2. ``geo_precision`` 2 (near a town; UCDP "within 25 km"): a disc of
       ``near_km`` around the coded place.
    3. ``geo_precision`` 3 (district or region): the cercle that contains the
       coded place; outside Mali (no cercle), the disc of rule 2.

    Events sharing an area share its samples, so the cost grows with the
    number of distinct areas (coded places, cercles, town pairs), not events.
    """
    n = len(events)
    xy = shapely.get_coordinates(np.asarray(events.geometry.values))
    precision = events.get("geo_precision", pd.Series(2, index=events.index))
    kind = np.where(precision.fillna(3).to_numpy() >= 3, "admin", "disc").astype(object)
    how = [""] * n
    keys: list[tuple] = [()] * n
    geometry: dict[tuple, shapely.Geometry] = {}

    # 3. admin units containing the coded place
    admin_geoms = np.asarray(layers.admin.to_crs(METRIC_CRS).geometry.values)
    admin_names = layers.admin["name"].astype(str).to_numpy()
    unit = np.full(n, -1)
    is_admin = np.flatnonzero(kind == "admin")
    if len(is_admin):
        pts, hit = shapely.STRtree(admin_geoms).query(
            shapely.points(xy[is_admin]), predicate="intersects"
        )
        unit[is_admin[pts[::-1]]] = hit[::-1]  # first unit wins on a shared border
        kind[is_admin[unit[is_admin] < 0]] = "disc"

    # 1. between two named towns
    blank = pd.Series("", index=events.index)
    a_names = events.get("between_a", blank).fillna("").astype(str).to_numpy()
    b_names = events.get("between_b", blank).fillna("").astype(str).to_numpy()
    named = np.flatnonzero((a_names != "") & (b_names != ""))
    cache: dict[tuple, tuple[str, shapely.Geometry | None, str]] = {}
    for i in named:
        ck = (a_names[i], b_names[i], round(xy[i, 0], -3), round(xy[i, 1], -3))
        if ck not in cache:
            cache[ck] = _road_between(a_names[i], b_names[i], xy[i], layers)
        label, line, why = cache[ck]
        if line is not None:
            kind[i], keys[i], how[i] = "road", ("road", label), why
            geometry[keys[i]] = line
        else:
            how[i] = why[0].upper() + why[1:] + "; "

    for i in range(n):
        if kind[i] == "road":
            continue
        if kind[i] == "admin":
            keys[i] = ("admin", int(unit[i]))
            geometry.setdefault(keys[i], admin_geoms[unit[i]])
            how[i] += SPREAD_HOW["cercle"].format(name=admin_names[unit[i]])
        else:
            keys[i] = ("disc", round(xy[i, 0]), round(xy[i, 1]))
            if keys[i] not in geometry:
                geometry[keys[i]] = shapely.Point(xy[i]).buffer(near_km * 1000.0, 32)
            how[i] += SPREAD_HOW["disc"].format(km=f"{near_km:g}")

    order = {k: j for j, k in enumerate(geometry)}
    event_area = np.array([order[k] for k in keys], dtype=np.int64)
    unit_disc = disc_samples(disc_points)
    samples, owner = [], []
    for j, (k, geom) in enumerate(geometry.items()):
        if k[0] == "disc":
            pts = np.array([k[1], k[2]], dtype=float) + unit_disc * near_km * 1000.0
        elif k[0] == "admin":
            pts = polygon_samples(geom, grid_km=grid_km)
        else:
            pts = line_samples(geom, step_km=line_step_km)
        samples.append(pts)
        owner.append(np.full(len(pts), j))
    sample_xy = np.concatenate(samples) if samples else np.zeros((0, 2))
    sample_area = np.concatenate(owner) if owner else np.zeros(0, dtype=np.int64)
    per_area = np.bincount(sample_area, minlength=len(geometry))
    return Spread(
        event_area=event_area,
        event_kind=np.asarray(kind, dtype=str),
        event_how=[h.strip() for h in how],
        area_geometry=np.asarray(list(geometry.values()), dtype=object),
        sample_xy=sample_xy,
        sample_area=sample_area,
        sample_weight=1.0 / per_area[sample_area] if len(sample_area) else np.zeros(0),
    )


def _road_between(
    name_a: str,
    name_b: str,
    near_xy: np.ndarray,
    layers: SpreadLayers,
) -> tuple[str, shapely.Geometry | None, str]:
    """Find the stretch between two named towns: (label, metric line or None, how)."""
    towns = layers.town_cache
    ends = []
    for name in (name_a, name_b):
        if name not in towns:
            found = [
                m for m in match_town(layers.gazetteer, name) if m.kind not in ("prefix", "fuzzy")
            ]
            x, y = _TO_METRIC.transform([m.lon for m in found], [m.lat for m in found])
            towns[name] = list(zip(found, np.column_stack([x, y]), strict=True))
        if not towns[name]:
            return "", None, SPREAD_HOW["no_town"].format(name=repr(name))
        cand = np.array([c for _, c in towns[name]])
        best = int(np.argmin(np.hypot(*(cand - near_xy).T)))
        ends.append((towns[name][best][0], shapely.Point(cand[best])))
    (town_a, pa), (town_b, pb) = ends
    label = f"{town_a.label} – {town_b.label}"
    if town_a.row == town_b.row:
        return "", None, SPREAD_HOW["one_place"].format(a=repr(name_a), b=repr(name_b))
    graph = layers.graph
    if graph is not None:
        node_a, node_b = (int(graph.towns["node"].iat[t.row]) for t in (town_a, town_b))
        if node_a >= 0 and node_b >= 0:
            try:
                path, _ = shortest_path(graph, node_a, node_b, graph.edges["length_km"].to_numpy())
            except ParameterError:
                path = []
            if len(path) > 1:
                pieces = graph.edges.geometry.values[graph.edge_ids(path)]
                line = shapely.line_merge(shapely.union_all(pieces))
                return label, line, SPREAD_HOW["road"].format(label=label)
    return label, shapely.LineString([pa, pb]), SPREAD_HOW["line"].format(label=label)


def between_stretches(
    incidents: gpd.GeoDataFrame, layers: SpreadLayers | None = None
) -> gpd.GeoSeries:
    """Return the road stretch of each imprecise "between A and B" event, for a map.

    Parameters
    ----------
    incidents : GeoDataFrame
        Canonical incidents, any CRS.
    layers : SpreadLayers, optional
        Default the bundled ones (built only when some event names two towns).

    Returns
    -------
    GeoSeries
        EPSG:4326 lines, indexed like ``incidents``, for the events
        :func:`spread_areas` spreads along a road (the others are left out).
    """
    names = [incidents.get(c, pd.Series("", index=incidents.index)) for c in ("between_a",
             "between_b")]  # fmt: skip
    precise = incidents.get("precise", pd.Series(True, index=incidents.index))
    named = (names[0].fillna("").astype(str) != "") & (names[1].fillna("").astype(str) != "")
    pick = incidents[named & ~precise.fillna(False).astype(bool)]
    if pick.empty:
        return gpd.GeoSeries([], crs=WGS84)
    spread = spread_areas(pick.to_crs(METRIC_CRS), layers or bundled_spread_layers())
    road = spread.event_kind == "road"
    lines = spread.area_geometry[spread.event_area[road]]
    return gpd.GeoSeries(list(lines), index=pick.index[road], crs=METRIC_CRS).to_crs(WGS84)
