"""Tests of geo.roadgraph on synthetic lines (checkable by hand) and on the bundled roads."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from geo.crs import METRIC_CRS
from geo.errors import CRSError, InputFileError, ParameterError
from geo.gazetteer import build_gazetteer, resolve_town
from geo.io.bundled import load_roads, load_towns
from geo.roadgraph import (
    CONNECTOR,
    build_road_graph,
    clear_graph_cache,
    content_key,
    road_graph,
    shortest_path,
    to_networkx,
)


def _metric(geoms, **cols):
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=METRIC_CRS)


def _cross():
    """Synthetic, metres: a 20 km west-east road crossed at its middle by a 20 km north-south road.

    The lines share no vertex: the crossing must be noded. A third road ends
    100 m short of the east end of the first (a dangle, joined by a connector).
    Towns: "West" 300 m north of the west end, "Far" 7 km off every road.
    """
    roads = _metric(
        [
            LineString([(0, 0), (20_000, 0)]),
            LineString([(10_000, -10_000), (10_000, 10_000)]),
            LineString([(20_100, 0), (30_000, 0)]),
        ],
        road_class=["trunk", "secondary", "primary"],
        ref=["N1", "", "N2"],
    )
    towns = _metric(
        [Point(0, 300), Point(30_000, 0), Point(10_000, 10_000), Point(3_000, 8_000)],
        name=["West", "East", "North", "Far"],
    )
    return roads, towns


def test_crossing_is_noded_and_dangle_joined():
    roads, towns = _cross()
    graph = build_road_graph(roads, towns, snap_km=5.0, dangle_m=200.0)
    # nodes: W end, crossing, E end of road 1, S end, N end, W and E ends of road 3
    assert graph.n_nodes == 7
    classes = graph.edges["road_class"].value_counts().to_dict()
    assert classes == {"trunk": 2, "secondary": 2, "primary": 1, CONNECTOR: 1}
    km = graph.edges.groupby("road_class")["length_km"].sum()
    assert km[CONNECTOR] == pytest.approx(0.1, abs=0.002)
    assert len(np.unique(graph.component)) == 1


def test_towns_become_nodes_within_snap_distance():
    roads, towns = _cross()
    graph = build_road_graph(roads, towns, snap_km=5.0, dangle_m=200.0)
    by_name = graph.towns.set_index("name")
    assert by_name.loc["Far", "node"] == -1 and np.isnan(by_name.loc["Far", "snap_km"])
    west = by_name.loc["West", "node"]
    assert graph.node_xy[west] == pytest.approx([0.0, 0.0])
    assert by_name.loc["West", "snap_km"] == pytest.approx(0.3, rel=0.01)


def test_town_on_a_line_middle_cuts_it():
    """Synthetic: one 10 km line and a town 1 km south of its middle: the line is cut in two."""
    roads = _metric([LineString([(0, 0), (10_000, 0)])])
    towns = _metric([Point(5_000, -1_000)], name=["Mid"])
    graph = build_road_graph(roads, towns, snap_km=5.0, dangle_m=200.0)
    assert len(graph.edges) == 2 and graph.n_nodes == 3
    assert graph.node_xy[graph.towns["node"].iloc[0]] == pytest.approx([5_000.0, 0.0])
    assert (graph.edges["road_class"] == "road").all()  # no road_class column: "road"


def test_shortest_path_across_the_crossing():
    roads, towns = _cross()
    graph = build_road_graph(roads, towns, snap_km=5.0, dangle_m=200.0)
    nodes = graph.towns.set_index("name")["node"]
    path, km = shortest_path(graph, nodes["West"], nodes["East"], graph.edges["length_km"])
    assert km == pytest.approx(30.0, rel=0.01)
    assert set(graph.edges.loc[graph.edge_ids(path), "road_class"]) == {
        "trunk",
        "primary",
        CONNECTOR,
    }
    _, km_north = shortest_path(graph, nodes["West"], nodes["North"], graph.edges["length_km"])
    assert km_north == pytest.approx(20.0, rel=0.01)


def test_closed_edge_makes_the_detour_or_no_path():
    roads, towns = _cross()
    graph = build_road_graph(roads, towns, snap_km=5.0, dangle_m=200.0)
    nodes = graph.towns.set_index("name")["node"]
    cost = graph.edges["length_km"].to_numpy().copy()
    cost[(graph.edges["road_class"] == CONNECTOR).to_numpy()] = np.inf
    with pytest.raises(ParameterError, match="no road in the network joins"):
        shortest_path(graph, nodes["West"], nodes["East"], cost)


def test_content_key_ignores_object_identity_and_sees_changes():
    roads, towns = _cross()
    assert content_key(roads, towns) == content_key(roads.copy(), towns.copy())
    moved = roads.copy()
    moved.loc[0, "geometry"] = LineString([(0, 1), (20_000, 0)])
    assert content_key(moved, towns) != content_key(roads, towns)
    renamed = roads.assign(ref=["N1", "", "N3"])
    assert content_key(renamed, towns) != content_key(roads, towns)


def test_road_graph_is_cached_by_content():
    clear_graph_cache()
    roads, towns = _cross()
    first = road_graph(roads, towns, snap_km=5.0, dangle_m=200.0)
    assert road_graph(roads.copy(), towns.copy(), snap_km=5.0, dangle_m=200.0) is first
    assert road_graph(roads, towns, snap_km=1.0, dangle_m=200.0) is not first


def test_inputs_are_checked():
    roads, towns = _cross()
    with pytest.raises(CRSError, match="roads has no CRS"):
        build_road_graph(roads.set_crs(None, allow_override=True), towns)
    with pytest.raises(InputFileError, match="no 'name' column"):
        build_road_graph(roads, towns.drop(columns="name"))
    with pytest.raises(InputFileError, match="no line geometry"):
        build_road_graph(_metric([Point(0, 0)]), towns)
    with pytest.raises(ParameterError, match="snap_km"):
        build_road_graph(roads, towns, snap_km=0)


def test_inputs_are_not_modified():
    roads, towns = _cross()
    before_r, before_t = roads.copy(), towns.copy()
    build_road_graph(roads, towns)
    assert roads.equals(before_r) and towns.equals(before_t)


@pytest.fixture(scope="module")
def bundled():
    gaz = build_gazetteer(load_towns())
    return gaz, road_graph(load_roads(), gaz.towns)


def test_bundled_network_is_one_main_component(bundled):
    gaz, graph = bundled
    km = np.bincount(graph.component[graph.edges["u"]], weights=graph.edges["length_km"])
    assert km.max() / km.sum() > 0.95  # Senegal, Mali and Côte d'Ivoire joined
    for name in ("Dakar", "Bamako", "Abidjan", "Kéniéba", "Kayes", "Sadiola", "Didiéni"):
        assert graph.towns["node"].iloc[resolve_town(gaz, name).row] >= 0, name


def test_bundled_scipy_matches_networkx(bundled):
    gaz, graph = bundled
    a = graph.towns["node"].iloc[resolve_town(gaz, "Kayes").row]
    b = graph.towns["node"].iloc[resolve_town(gaz, "Kéniéba").row]
    path, km = shortest_path(graph, a, b, graph.edges["length_km"])
    reference = nx.dijkstra_path_length(to_networkx(graph), a, b, weight="length_km")
    assert km == pytest.approx(reference, rel=1e-9)
    assert graph.edges.loc[graph.edge_ids(path), "length_km"].sum() == pytest.approx(km)
