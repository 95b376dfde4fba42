"""Build the fuel-corridor routes to Bamako over the bundled OSM road network.

Run by a developer after ``scripts/build_data.py``::

    python scripts/build_corridors.py

Reads only ``data/shapefiles/roads.shp`` and ``data/shapefiles/towns.shp``
(through :mod:`geo.io.bundled`) and writes ``data/routes/corridors.gpkg`` (layers
``routes`` and ``legs``), ``data/routes/routes.csv`` and the routes section of
``data/SOURCES.md``.

Method (as used for the shared ``corridors_osm_derived.geojson``):

1. Project the roads to :data:`geo.crs.METRIC_CRS` and add vertices so that no
   segment is longer than ``SEGMENT_M`` (165 m).
2. The lines are not noded (tile simplification drops junction vertices), so
   vertices closer than ``CLUSTER_M`` (65 m) are merged into one network node
   (greedy clustering: each node's members lie within 65 m of its centre).
3. Every dangling end (a node of degree 1) is joined to the nearest node of
   another road within ``DANGLE_M`` (200 m).
4. Edge cost = segment length x class factor (motorway and trunk 1.0,
   primary 1.1, secondary 1.35); connectors cost their length x 1.35.
5. Each waypoint is an OSM town point, looked up by name and country (no
   coordinate is typed here); it is snapped to the nearest node of the largest
   connected network, and legs are least-cost paths (Dijkstra, scipy) between
   consecutive waypoints. The route is the legs joined, from the origin to
   Bamako, following the road geometry (never a straight line between towns).
6. Lengths are WGS84 geodesic lengths (``pyproj.Geod``) of the output lines.

Published road distances are quoted from the pages cited in ``PUBLISHED``;
where no page gave one, ``published_km`` is empty and the source says so.
"""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import geo  # noqa: E402,F401  (GDAL driver allowlist before pyogrio loads)

# isort: split
import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyogrio  # noqa: E402
import shapely  # noqa: E402
from pyproj import Geod  # noqa: E402
from scipy.sparse import coo_matrix  # noqa: E402
from scipy.sparse.csgraph import connected_components, dijkstra  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from geo.crs import METRIC_CRS, WGS84  # noqa: E402
from geo.io.bundled import load_roads, load_towns  # noqa: E402
from geo.roadgraph import road_sequence  # noqa: E402
from geo.settings import BUNDLED  # noqa: E402

OUT_DIR = BUNDLED.root / "routes"
SOURCE_DATE = "2021-08-06"  # pinned GeoPackage timestamps (date of the OSM extract)

SEGMENT_M = 165.0
CLUSTER_M = 65.0
DANGLE_M = 200.0
MAX_SNAP_M = 5000.0
CLASS_FACTOR = {"motorway": 1.0, "trunk": 1.0, "primary": 1.1, "secondary": 1.35}
CONNECTOR_FACTOR = 1.35
GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Waypoint:
    """A named OSM town: display spelling, the OSM ``name`` and the town's country."""

    display: str
    country: str
    osm_name: str | None = None  # when OSM spells it differently

    @property
    def key(self) -> str:
        return _key(self.osm_name or self.display)


@dataclass(frozen=True)
class RouteSpec:
    """One corridor: id, label, origin country, comparison group and waypoints."""

    route_id: str
    label: str
    origin_country: str
    group: str
    waypoints: tuple[Waypoint, ...]


def _key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return folded.lower().replace("-", " ").strip()


W = Waypoint
DAKAR = (W("Dakar", "SEN"), W("Kaolack", "SEN"), W("Tambacounda", "SEN"))
KATI_BAMAKO = (W("Kati", "MLI"), W("Bamako", "MLI"))
ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        "dakar_bamako_north",
        "Dakar–Bamako north, via Kidira/Diboli, Kayes and Diéma",
        "SEN",
        "dakar",
        (
            *DAKAR,
            W("Kidira", "SEN"),
            W("Diboli", "MLI"),
            W("Kayes", "MLI"),
            W("Diéma", "MLI", "Diema"),
            W("Didiéni", "MLI"),
            *KATI_BAMAKO,
        ),
    ),
    RouteSpec(
        "dakar_bamako_south",
        "Dakar–Bamako south, via Kédougou, Saraya, Kéniéba and Kita",
        "SEN",
        "dakar",
        (
            *DAKAR,
            W("Kédougou", "SEN"),
            W("Saraya", "SEN"),
            W("Kéniéba", "MLI"),
            W("Kita", "MLI"),
            *KATI_BAMAKO,
        ),
    ),
    RouteSpec(
        "abidjan_bamako_sikasso",
        "Abidjan–Bamako via Bouaké, Ferkessédougou, Zégoua and Sikasso",
        "CIV",
        "abidjan",
        (
            W("Abidjan", "CIV"),
            W("Yamoussoukro", "CIV"),
            W("Bouaké", "CIV"),
            W("Ferkessédougou", "CIV", "Ferkéssédougou"),
            W("Ouangolodougou", "CIV"),
            W("Zégoua", "MLI"),
            W("Sikasso", "MLI"),
            W("Bougouni", "MLI"),
            W("Bamako", "MLI"),
        ),
    ),
    RouteSpec(
        "abidjan_bamako_odienne",
        "Abidjan–Bamako via Daloa, Séguéla, Odienné, Manankoro and Bougouni",
        "CIV",
        "abidjan",
        (
            W("Abidjan", "CIV"),
            W("Yamoussoukro", "CIV"),
            # the least-cost path from Yamoussoukro to Séguéla passes these towns
            W("Bouaflé", "CIV"),
            W("Daloa", "CIV"),
            W("Vavoua", "CIV"),
            W("Séguéla", "CIV"),
            W("Odienné", "CIV"),
            W("Manankoro", "MLI"),
            W("Bougouni", "MLI"),
            W("Bamako", "MLI"),
        ),
    ),
)

# Published road distances for the whole itinerary (km, source); None = not found.
PUBLISHED: dict[str, tuple[float | None, str]] = {
    "dakar_bamako_north": (
        1382.0,
        "Borderless Alliance / OPA, 'Rapport sur la gouvernance routière sur le corridor "
        "Bamako-Dakar' (corridor via Diboli: 1 382 km, 700 km in Mali and 682 km in Senegal), "
        "http://borderlesswa.com/fr/ressources/rapport-sur-la-gouvernance-routie%CC%80re-sur-le-"
        "corridor-bamako-%C2%AD%E2%80%90dakar",
    ),
    "dakar_bamako_south": (
        None,
        "not found: no page gave the total; seneweb.com ('axe Kayes-Kidira', "
        "https://k8s.seneweb.com/fr/news/axe-kayes-kidira) says the route via Kédougou, Saraya "
        "and Moussala is about 200 km shorter than the route via Tambacounda, Kidira and Kayes",
    ),
    "abidjan_bamako_sikasso": (
        1225.0,
        "maliweb.net, 'Désenclavement de l'axe Zantiébougou-Kolondiéba-frontière Côte "
        "d'Ivoire' (Bamako to the port of Abidjan: 1 225 km; itinerary not stated), "
        "https://maliweb.net/economie/desenclavement-routes/desenclavement-de-laxe-zantiebougou-"
        "kolondieba-frontiere-cote-divoire-bitumage-de-cet-axe-rapprochera-bamako-port-de-san-"
        "pedro-de-200-km-1896762.html",
    ),
    "abidjan_bamako_odienne": (
        None,
        "not found for the whole itinerary; Abidjan–Odienné alone is given as about 826.8 km "
        "via Bouaflé, Zuénoula, Vavoua, Séguéla, Kani and Boundiali (agmnews.info, "
        "https://agmnews.info/%F0%9F%94%B4-reportage-incursion-aux-frontieres-nord-ouest-"
        "ivoiriennes-acte-1/) and as 867 km (a travel blog citing Wikipedia, "
        "http://agnesaabidjan.canalblog.com/archives/2017/06/30/35432814.html)",
    ),
}


# The shared folder's corridors_osm_derived.geojson, for comparison: its stated
# lengths (Africa Albers, ESRI:102022, which shortens distances this far from
# its standard parallels) and the WGS84 geodesic length of its geometry
# (measured with pyproj.Geod when this script was written).
SHARED_REFERENCE_KM: dict[str, tuple[float, float]] = {
    "dakar_bamako_north": (1347.3, 1354.8),
    "dakar_bamako_south": (1245.2, 1252.9),
    "abidjan_bamako_sikasso": (1157.2, 1170.3),
}


@dataclass
class Network:
    """Road graph in METRIC_CRS: nodes (cluster centres) and weighted undirected edges."""

    node_xy: np.ndarray  # (n_nodes, 2)
    matrix: object  # scipy CSR, symmetric
    # per undirected node pair (lo, hi): the road row of the cheapest segment
    # joining them (-1 for a dangling-end connector)
    edge_road: dict[tuple[int, int], int]
    main_component: np.ndarray  # bool mask of nodes in the largest component
    n_connectors: int


def build_network(roads: gpd.GeoDataFrame) -> Network:
    """Build the routable network from the roads layer (see the module docstring)."""
    metric = roads.to_crs(METRIC_CRS).reset_index(drop=True)
    lines = shapely.segmentize(metric.geometry.values, SEGMENT_M)
    coords, line_idx = shapely.get_coordinates(lines, return_index=True)
    n_vertices = len(coords)

    # Greedy clustering: visit vertices in order; an unassigned vertex becomes a
    # centre and takes every unassigned vertex within CLUSTER_M.
    tree = cKDTree(coords)
    neighbours = tree.query_ball_point(coords, r=CLUSTER_M)
    cluster = np.full(n_vertices, -1, dtype=np.int64)
    centres: list[int] = []
    for i in range(n_vertices):
        if cluster[i] >= 0:
            continue
        cid = len(centres)
        centres.append(i)
        members = [j for j in neighbours[i] if cluster[j] < 0]
        cluster[members] = cid
    node_xy = coords[centres]

    # Segments between consecutive vertices of the same line.
    a = np.arange(n_vertices - 1)
    same = line_idx[:-1] == line_idx[1:]
    a = a[same]
    b = a + 1
    u, v = cluster[a], cluster[b]
    keep = u != v
    a, b, u, v = a[keep], b[keep], u[keep], v[keep]
    seg_len = np.hypot(*(coords[b] - coords[a]).T)
    factor = metric["road_class"].map(CLASS_FACTOR).to_numpy()[line_idx[a]]
    cost = seg_len * factor

    edges = pd.DataFrame(
        {
            "lo": np.minimum(u, v),
            "hi": np.maximum(u, v),
            "road": line_idx[a],
            "cost": cost,
        }
    )
    edges = edges.sort_values("cost", kind="stable").drop_duplicates(["lo", "hi"])

    # Dangling ends: join each degree-1 node to the nearest node of another road.
    degree = np.bincount(np.concatenate([edges["lo"], edges["hi"]]), minlength=len(node_xy))
    node_roads: dict[int, set[int]] = {}
    for lo, hi, road in zip(edges["lo"], edges["hi"], edges["road"], strict=True):
        node_roads.setdefault(lo, set()).add(road)
        node_roads.setdefault(hi, set()).add(road)
    node_tree = cKDTree(node_xy)
    existing = set(zip(edges["lo"], edges["hi"], strict=True))
    connectors = []
    for node in np.flatnonzero(degree == 1):
        own = node_roads.get(node, set())
        dists, idxs = node_tree.query(node_xy[node], k=32, distance_upper_bound=DANGLE_M)
        for dist, other in zip(dists, idxs, strict=True):
            if not np.isfinite(dist) or other == node:
                continue
            if node_roads.get(other, set()) & own:
                continue
            pair = (min(node, other), max(node, other))
            if pair not in existing:
                existing.add(pair)
                connectors.append((*pair, -1, dist * CONNECTOR_FACTOR))
            break
    if connectors:
        edges = pd.concat(
            [edges, pd.DataFrame(connectors, columns=edges.columns)], ignore_index=True
        )

    n_nodes = len(node_xy)
    lo, hi, w = edges["lo"].to_numpy(), edges["hi"].to_numpy(), edges["cost"].to_numpy()
    matrix = coo_matrix(
        (np.concatenate([w, w]), (np.concatenate([lo, hi]), np.concatenate([hi, lo]))),
        shape=(n_nodes, n_nodes),
    ).tocsr()
    _, labels = connected_components(matrix, directed=False)
    main = labels == np.bincount(labels).argmax()
    return Network(
        node_xy=node_xy,
        matrix=matrix,
        edge_road={(int(r.lo), int(r.hi)): int(r.road) for r in edges.itertuples(index=False)},
        main_component=main,
        n_connectors=len(connectors),
    )


def find_town(towns: gpd.GeoDataFrame, waypoint: Waypoint) -> gpd.GeoSeries:
    """Return the one OSM town row named like ``waypoint`` in its country."""
    keys = towns["name"].map(_key)
    hits = towns[(keys == waypoint.key) & (towns["country"] == waypoint.country)]
    if len(hits) != 1:
        raise ValueError(
            f"waypoint {waypoint.display!r} ({waypoint.country}): {len(hits)} OSM towns match; "
            "expected exactly one."
        )
    return hits.iloc[0]


def snap(network: Network, xy: np.ndarray) -> tuple[int, float]:
    """Nearest node of the main connected network to a metric point."""
    candidates = np.flatnonzero(network.main_component)
    tree = cKDTree(network.node_xy[candidates])
    dist, i = tree.query(xy)
    return int(candidates[i]), float(dist)


def leg_path(network: Network, source: int, target: int) -> list[int]:
    """Least-cost node path from ``source`` to ``target``."""
    _, predecessors = dijkstra(
        network.matrix, directed=False, indices=source, return_predecessors=True
    )
    path = [target]
    while path[-1] != source:
        prev = predecessors[path[-1]]
        if prev < 0:
            raise ValueError(f"no path from node {source} to node {target}")
        path.append(int(prev))
    return path[::-1]


def path_coords(network: Network, path: list[int]) -> tuple[np.ndarray, list[int]]:
    """Metric coordinates along a node path, and the road row of each edge (-1: connector).

    The line runs through the path's node centres. Each centre is a real road
    vertex and every member of its cluster lies within ``CLUSTER_M`` of it, so
    the line stays within 65 m of the mapped road; using centres rather than
    the members avoids zig-zags between the two carriageways of dual roads.
    """
    pairs = zip(path[:-1], path[1:], strict=True)
    roads = [network.edge_road[(min(p, q), max(p, q))] for p, q in pairs]
    return network.node_xy[path], roads


def _to_wgs84_line(xy: np.ndarray) -> shapely.LineString:
    series = gpd.GeoSeries([shapely.LineString(xy)], crs=METRIC_CRS).to_crs(WGS84)
    return series.iloc[0]


def _geodesic_km(line: shapely.LineString) -> float:
    return GEOD.geometry_length(line) / 1000.0


def build_routes(
    roads: gpd.GeoDataFrame, towns: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, Network]:
    """Route every corridor in :data:`ROUTES`; return (routes, legs, network)."""
    network = build_network(roads)
    towns_m = towns.to_crs(METRIC_CRS)
    road_ref = roads["ref"].to_numpy()
    road_class = roads["road_class"].to_numpy()

    route_rows, leg_rows = [], []
    for spec in ROUTES:
        stops = []
        for wp in spec.waypoints:
            town = find_town(towns_m, wp)
            node, snap_m = snap(network, np.array([town.geometry.x, town.geometry.y]))
            if snap_m > MAX_SNAP_M:
                raise ValueError(f"{wp.display}: nearest network node is {snap_m:.0f} m away")
            wgs = towns.loc[town.name, "geometry"]
            stops.append((wp, node, snap_m, wgs))

        route_xy: list[np.ndarray] = []
        route_refs: list[str] = []
        route_km: list[float] = []
        for order, (start, end) in enumerate(zip(stops[:-1], stops[1:], strict=True), start=1):
            xy, edge_roads = path_coords(network, leg_path(network, start[1], end[1]))
            line = _to_wgs84_line(xy)
            refs = [road_ref[r] if r >= 0 else "" for r in edge_roads]
            seg_km = np.hypot(*np.diff(xy, axis=0).T) / 1000.0
            by_class: dict[str, float] = {}
            for r, km in zip(edge_roads, seg_km, strict=True):
                cls = road_class[r] if r >= 0 else "connector"
                by_class[cls] = by_class.get(cls, 0.0) + km
            crow = GEOD.inv(start[3].x, start[3].y, end[3].x, end[3].y)[2] / 1000.0
            leg_rows.append(
                {
                    "route_id": spec.route_id,
                    "leg_order": order,
                    "from_town": start[0].display,
                    "from_country": start[0].country,
                    "to_town": end[0].display,
                    "to_country": end[0].country,
                    "length_km": round(_geodesic_km(line), 1),
                    "crow_km": round(crow, 1),
                    "road_refs": road_sequence(refs, list(seg_km)),
                    "km_by_class": json.dumps(
                        {k: round(v, 1) for k, v in sorted(by_class.items())}
                    ),
                    "snap_from_m": round(start[2]),
                    "snap_to_m": round(end[2]),
                    "geometry": line,
                }
            )
            route_xy.append(xy if not route_xy else xy[1:])
            route_refs.extend(refs)
            route_km.extend(seg_km)

        line = _to_wgs84_line(np.vstack(route_xy))
        published_km, published_source = PUBLISHED[spec.route_id]
        route_rows.append(
            {
                "route_id": spec.route_id,
                "label": spec.label,
                "origin": spec.waypoints[0].display,
                "origin_country": spec.origin_country,
                "destination": spec.waypoints[-1].display,
                "group": spec.group,
                "waypoints": " – ".join(wp.display for wp in spec.waypoints),
                "road_refs": road_sequence(route_refs, route_km),
                "length_km": round(_geodesic_km(line), 1),
                "published_km": published_km,
                "published_source": published_source,
                "geometry": line,
            }
        )

    routes = gpd.GeoDataFrame(route_rows, geometry="geometry", crs=WGS84)
    routes["published_km"] = routes["published_km"].astype(float)
    legs = gpd.GeoDataFrame(leg_rows, geometry="geometry", crs=WGS84)
    return routes, legs, network


def write_outputs(routes: gpd.GeoDataFrame, legs: gpd.GeoDataFrame, network: Network) -> None:
    """Write the GeoPackage, the CSV and the SOURCES.md routes section."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    gpkg = OUT_DIR / "corridors.gpkg"
    gpkg.unlink(missing_ok=True)
    os.environ["OGR_CURRENT_DATE"] = f"{SOURCE_DATE}T00:00:00Z"
    pyogrio.write_dataframe(routes, gpkg, layer="routes", driver="GPKG")
    pyogrio.write_dataframe(legs, gpkg, layer="legs", driver="GPKG", append=True)
    routes.drop(columns="geometry").to_csv(
        OUT_DIR / "routes.csv", index=False, encoding="utf-8", lineterminator="\n"
    )
    _write_sources_section(routes, legs, network)


def _write_sources_section(
    routes: gpd.GeoDataFrame, legs: gpd.GeoDataFrame, network: Network
) -> None:
    begin = "<!-- routes:begin (written by scripts/build_corridors.py) -->"
    end = "<!-- routes:end -->"
    lines = [
        begin,
        "### `routes/` — fuel-corridor routes to Bamako",
        "",
        "`corridors.gpkg` (EPSG:4326): layer `routes` (one connected LineString per route, "
        "origin → Bamako) and layer `legs` (one row per waypoint-to-waypoint leg); "
        "`routes.csv` is the route table without geometry. Derived from `shapefiles/roads` "
        "and `shapefiles/towns` (OSM 2021, **ODbL 1.0, © OpenStreetMap contributors**) by "
        "`scripts/build_corridors.py`:",
        "",
        f"- network: roads densified to ≤ {SEGMENT_M:.0f} m, vertices clustered within "
        f"{CLUSTER_M:.0f} m into {len(network.node_xy):,} nodes, {network.n_connectors} "
        f"connectors for dangling ends within {DANGLE_M:.0f} m;",
        "- cost = length × class factor (motorway/trunk 1.0, primary 1.1, secondary 1.35); "
        "least-cost paths (scipy Dijkstra) between consecutive OSM town points, each snapped "
        "to the nearest node of the main network (largest snap: "
        f"{max(legs['snap_from_m'].max(), legs['snap_to_m'].max()):.0f} m);",
        "- `length_km` is the WGS84 geodesic length (pyproj.Geod); `published_km` quotes a "
        "published road distance for the itinerary, where one was found.",
        "",
        "These are shortest paths on the 2021 OSM network between the listed towns, not "
        "official route designations; road condition and closures are not modelled.",
        "The shared `base/corridors_osm_derived.geojson` states 1,347 / 1,245 / 1,157 km for "
        "the first three routes, measured in Africa Albers (ESRI:102022), which shortens "
        "distances this far south; the geodesic lengths of its lines are "
        + " / ".join(f"{v[1]:,.1f}" for v in SHARED_REFERENCE_KM.values())
        + " km, within 0.2 % of the routes here. The Odienné route is new: the shared file "
        "only had Odienné–Manankoro–Bougouni (241 km).",
        "",
    ]
    for r in routes.itertuples(index=False):
        if pd.isna(r.published_km):
            pub = "published distance: not found"
        else:
            diff = 100.0 * (r.length_km - r.published_km) / r.published_km
            pub = f"published {r.published_km:,.0f} km ({diff:+.1f} %)"
        lines.append(f"- `{r.route_id}` ({r.group}): {r.length_km:,.1f} km; {pub}.")
        lines.append(f"  Waypoints: {r.waypoints}.")
        lines.append(f"  Roads: {r.road_refs}.")
        lines.append(f"  Published source: {r.published_source}.")
    lines.append(end)
    section = "\n".join(lines)
    path = BUNDLED.sources_md
    text = path.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        raise ValueError(f"{path} has no routes markers; run scripts/build_data.py first")
    start, stop = text.index(begin), text.index(end) + len(end)
    path.write_text(text[:start] + section + text[stop:], encoding="utf-8")


def main() -> int:
    roads, towns = load_roads(), load_towns()
    routes, legs, network = build_routes(roads, towns)
    write_outputs(routes, legs, network)
    print(f"network: {len(network.node_xy)} nodes, {network.n_connectors} connectors")
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(legs.drop(columns="geometry").to_string())
        print(routes[["route_id", "length_km", "published_km", "road_refs"]].to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
