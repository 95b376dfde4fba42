"""Tests for the bundled corridor routes (data/routes, built by scripts/build_corridors.py)
and their loaders geo.io.bundled.load_routes / load_route_legs."""

import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo.crs import METRIC_CRS
from geo.io import bundled
from geo.settings import BUNDLED

GEOD = Geod(ellps="WGS84")
ROUTE_IDS = [
    "dakar_bamako_north",
    "dakar_bamako_south",
    "abidjan_bamako_sikasso",
    "abidjan_bamako_odienne",
]


def _key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return folded.lower().replace("-", " ").strip()


@pytest.fixture(scope="module")
def routes():
    return bundled.load_routes().set_index("route_id")


@pytest.fixture(scope="module")
def legs():
    return bundled.load_route_legs()


@pytest.fixture(scope="module")
def towns():
    return bundled.load_towns()


def _town_point(towns, name: str, country: str) -> shapely.Point:
    """The OSM town named ``name`` (accent-insensitive) in ``country``: exactly one."""
    hits = towns[(towns["name"].map(_key) == _key(name)) & (towns["country"] == country)]
    assert len(hits) == 1, f"{name} ({country}): {len(hits)} towns"
    return hits.geometry.iloc[0]


def _metric(geom):
    return gpd.GeoSeries([geom], crs=4326).to_crs(METRIC_CRS).iloc[0]


def test_route_table_columns_and_ids(routes):
    assert list(routes.index) == ROUTE_IDS
    for col in (
        "label",
        "origin",
        "origin_country",
        "destination",
        "group",
        "waypoints",
        "road_refs",
        "length_km",
        "published_km",
        "published_source",
        "geometry",
    ):
        assert col in routes.columns, col
    assert routes.crs.to_epsg() == 4326
    assert set(routes["group"]) == {"dakar", "abidjan"}
    assert (routes.loc[routes["group"] == "dakar", "origin_country"] == "SEN").all()
    assert (routes.loc[routes["group"] == "abidjan", "origin_country"] == "CIV").all()
    assert (routes["destination"] == "Bamako").all()


@pytest.mark.parametrize("route_id", ROUTE_IDS)
def test_route_is_one_connected_linestring(routes, route_id):
    line = routes.loc[route_id, "geometry"]
    assert line.geom_type == "LineString"
    assert line.is_valid and not line.is_empty
    xy = np.asarray(_metric(line).coords)
    gaps = np.hypot(*np.diff(xy, axis=0).T)
    # consecutive vertices are network nodes: never a long straight jump
    assert gaps.max() < 1000.0


@pytest.mark.parametrize("route_id", ROUTE_IDS)
def test_route_passes_every_named_waypoint(routes, legs, towns, route_id):
    line = _metric(routes.loc[route_id, "geometry"])
    route_legs = legs[legs["route_id"] == route_id].sort_values("leg_order")
    stops = [(r.from_town, r.from_country) for r in route_legs.itertuples()]
    last = route_legs.iloc[-1]
    stops.append((last["to_town"], last["to_country"]))
    assert " – ".join(name for name, _ in stops) == routes.loc[route_id, "waypoints"]
    for name, country in stops:
        point = _metric(_town_point(towns, name, country))
        assert line.distance(point) < 5000.0, f"{route_id} misses {name} by > 5 km"


@pytest.mark.parametrize("route_id", ROUTE_IDS)
def test_route_runs_from_origin_to_bamako(routes, towns, route_id):
    row = routes.loc[route_id]
    line = _metric(row["geometry"])
    start, end = shapely.Point(line.coords[0]), shapely.Point(line.coords[-1])
    origin = _metric(_town_point(towns, row["origin"], row["origin_country"]))
    bamako = _metric(_town_point(towns, "Bamako", "MLI"))
    assert start.distance(origin) < 5000.0
    assert end.distance(bamako) < 5000.0


@pytest.mark.parametrize("route_id", ROUTE_IDS)
def test_length_is_geodesic(routes, route_id):
    row = routes.loc[route_id]
    geodesic_km = GEOD.geometry_length(row["geometry"]) / 1000.0
    assert row["length_km"] == pytest.approx(geodesic_km, rel=0.005)


@pytest.mark.parametrize("route_id", ROUTE_IDS)
def test_length_near_published_distance(routes, route_id):
    row = routes.loc[route_id]
    assert row["published_source"]
    if pd.isna(row["published_km"]):
        assert row["published_source"].startswith("not found")
    else:
        assert row["published_source"].count("http") >= 1
        assert row["length_km"] == pytest.approx(row["published_km"], rel=0.15)


@pytest.mark.parametrize("route_id", ROUTE_IDS)
def test_route_follows_the_road_network(routes, route_id):
    roads = bundled.load_roads().to_crs(METRIC_CRS)
    tree = shapely.STRtree(roads.geometry.values)
    points = shapely.points(np.asarray(_metric(routes.loc[route_id, "geometry"]).coords))
    _, distance = tree.query_nearest(points, return_distance=True, all_matches=False)
    # nodes are real road vertices; connectors bridge gaps of up to 200 m
    assert np.max(distance) < 250.0
    assert np.median(distance) < 1.0


@pytest.mark.parametrize("route_id", ROUTE_IDS)
def test_legs_chain_and_add_up(routes, legs, route_id):
    route_legs = legs[legs["route_id"] == route_id].sort_values("leg_order")
    assert route_legs["leg_order"].tolist() == list(range(1, len(route_legs) + 1))
    assert (route_legs["to_town"].iloc[:-1].values == route_legs["from_town"].iloc[1:].values).all()
    geoms = route_legs.geometry.tolist()
    for before, after in zip(geoms[:-1], geoms[1:], strict=True):
        assert before.coords[-1] == after.coords[0]
    total = route_legs["length_km"].sum()
    assert total == pytest.approx(routes.loc[route_id, "length_km"], rel=0.005)
    # a road leg is never shorter than the straight line between its towns
    assert (route_legs["length_km"] >= route_legs["crow_km"] * 0.99).all()
    assert (route_legs["snap_from_m"] < 5000).all() and (route_legs["snap_to_m"] < 5000).all()


def test_alternatives_are_comparable(routes):
    # Hand-checkable facts of the OSM 2021 network: the southern Dakar route is shorter
    # than the northern one (seneweb.com: about 200 km shorter), and both Abidjan routes
    # end on the same Bougouni-Bamako road.
    north, south = routes.loc["dakar_bamako_north"], routes.loc["dakar_bamako_south"]
    assert south["length_km"] < north["length_km"]
    assert "RN24" in south["road_refs"] and "RN1" in north["road_refs"]
    for route_id in ("abidjan_bamako_sikasso", "abidjan_bamako_odienne"):
        assert routes.loc[route_id, "road_refs"].endswith("RN7")


def test_routes_csv_matches_geopackage(routes):
    table = pd.read_csv(BUNDLED.routes.parent / "routes.csv")
    assert table["route_id"].tolist() == ROUTE_IDS
    pd.testing.assert_series_equal(
        table.set_index("route_id")["length_km"], routes["length_km"], check_names=False
    )
