"""Tests of geo.planner: a SYNTHETIC grid checkable by hand, and the bundled roads and news log."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo.crs import METRIC_CRS
from geo.errors import ParameterError
from geo.gazetteer import build_gazetteer, resolve_town
from geo.io.bundled import load_roads, load_routes, load_towns
from geo.io.incidents import load_bundled_incidents
from geo.planner import edge_exposure, plan_trip, route_cost
from geo.roadgraph import build_road_graph, road_graph, shortest_path, to_networkx
from tests.common import metric_incidents

KM = 1000.0


def _grid():
    """SYNTHETIC: a 3 x 3 grid of roads 20 km apart (metres, METRIC_CRS), towns at two corners.

    Rows y = 0, 20, 40 km and columns x = 0, 20, 40 km, each one straight line
    (the crossings are noded: 9 nodes, 12 edges of 20 km). Town "SW" at
    (0, 0) and "NE" at (40, 40) km. Three convoy attacks on the analysis day
    sit on the road: at (20, 10) on the middle column, at (30, 20) on the
    middle row and at (10, 40) on the top row; with the 25 km linear decay
    they reach several edges, so the cheapest path depends on λ.
    """
    towns = _towns({"SW": (0, 0), "NE": (40, 40)})
    incidents = metric_incidents(
        [(20 * KM, 10 * KM), (30 * KM, 20 * KM), (10 * KM, 40 * KM)],
        category="attack_on_convoy",
        event_date="2025-10-01",
    )
    gaz = build_gazetteer(towns)
    return build_road_graph(_grid_roads(), gaz.towns, snap_km=1.0, dangle_m=200.0), gaz, incidents


def _grid_roads():
    lines = [LineString([(0, y * KM), (40 * KM, y * KM)]) for y in (0, 20, 40)]
    lines += [LineString([(x * KM, 0), (x * KM, 40 * KM)]) for x in (0, 20, 40)]
    return gpd.GeoDataFrame({"road_class": ["trunk"] * 6}, geometry=lines, crs=METRIC_CRS)


def _towns(km_xy):
    """SYNTHETIC towns at grid points given in km, returned in EPSG:4326 for the gazetteer."""
    return gpd.GeoDataFrame(
        {"name": list(km_xy), "country": ["XXA"] * len(km_xy)},
        geometry=[Point(x * KM, y * KM) for x, y in km_xy.values()],
        crs=METRIC_CRS,
    ).to_crs(4326)


def _brute_force_min(graph, cost, a, b):
    g = to_networkx(graph, cost)
    best = min(
        sum(g.edges[p, q]["cost"] for p, q in zip(path[:-1], path[1:], strict=True))
        for path in nx.all_simple_paths(g, a, b)
    )
    return best, sum(1 for _ in nx.all_simple_paths(g, a, b))


def test_grid_is_what_the_docstring_says():
    graph, _, _ = _grid()
    assert graph.n_nodes == 9 and len(graph.edges) == 12
    assert graph.edges["length_km"].to_numpy() == pytest.approx(np.full(12, 20.0), rel=0.01)


@pytest.mark.parametrize("lam", [0.0, 0.5, 2.0, 10.0, 100.0])
def test_least_exposed_route_is_the_optimum_over_all_simple_paths(lam):
    graph, gaz, incidents = _grid()
    origin, destination = resolve_town(gaz, "SW"), resolve_town(gaz, "NE")
    plan = plan_trip(
        graph,
        incidents,
        origin=origin,
        destination=destination,
        as_of="2025-10-01",
        lambda_=lam,
        k=0,
    )
    exposure, _ = edge_exposure(graph, incidents, as_of="2025-10-01")
    cost = route_cost(graph.edges["length_km"].to_numpy(), exposure, lambda_=lam)
    a = graph.towns["node"].iloc[origin.row]
    b = graph.towns["node"].iloc[destination.row]
    best, n_paths = _brute_force_min(graph, cost, a, b)
    assert n_paths == 12  # simple corner-to-corner paths on a 3 x 3 grid
    least = plan.routes[plan.routes["is_least_exposed"]].iloc[0]
    assert least["cost"] == pytest.approx(best, rel=1e-9)


def test_lambda_changes_the_route_on_the_grid():
    graph, gaz, incidents = _grid()
    trip = {"origin": resolve_town(gaz, "SW"), "destination": resolve_town(gaz, "NE")}
    low = plan_trip(graph, incidents, **trip, as_of="2025-10-01", lambda_=0.0, k=0)
    high = plan_trip(graph, incidents, **trip, as_of="2025-10-01", lambda_=100.0, k=0)
    assert low.routes["route_kind"].tolist() == ["shortest"]
    assert bool(low.routes["is_least_exposed"].iloc[0])
    assert high.routes["route_kind"].tolist() == ["shortest", "least_exposed"]
    least = high.routes.iloc[1]
    assert least["exposure"] < high.routes.iloc[0]["exposure"]
    assert least["km_per_exposure_avoided"] == pytest.approx(
        least["km_added"] / least["exposure_avoided"]
    )


def test_alternatives_are_distinct_by_the_overlap_rule():
    graph, gaz, incidents = _grid()
    plan = plan_trip(
        graph,
        incidents,
        origin=resolve_town(gaz, "SW"),
        destination=resolve_town(gaz, "NE"),
        as_of="2025-10-01",
        lambda_=0.0,
        k=3,
        overlap=0.5,
    )
    ids = plan.routes["route_id"].tolist()
    assert ids[0] == "shortest" and all(i.startswith("alternative_") for i in ids[1:])
    lines = plan.routes.to_crs(METRIC_CRS).geometry.to_numpy()
    for i in range(len(lines)):
        for j in range(i):
            shared = shapely.length(shapely.intersection(lines[i], lines[j].buffer(1.0)))
            assert shared <= 0.5 * shapely.length(lines[i]) + 10.0  # 1 m buffer at crossings


def test_via_town_is_passed():
    _, _, incidents = _grid()
    gaz = build_gazetteer(_towns({"SW": (0, 0), "NE": (40, 40), "SE": (40, 0)}))
    graph = build_road_graph(_grid_roads(), gaz.towns, snap_km=1.0, dangle_m=200.0)
    plan = plan_trip(
        graph,
        incidents,
        origin=resolve_town(gaz, "SW"),
        destination=resolve_town(gaz, "NE"),
        via=[resolve_town(gaz, "SE")],
        as_of="2025-10-01",
        lambda_=0.0,
        k=0,
    )
    assert plan.routes.iloc[0]["towns"] == "SW – SE – NE"
    assert plan.routes.iloc[0]["length_km"] == pytest.approx(80.0, rel=0.01)


def test_bad_parameters_are_refused():
    graph, gaz, incidents = _grid()
    trip = {"origin": resolve_town(gaz, "SW"), "destination": resolve_town(gaz, "NE")}
    with pytest.raises(ParameterError, match="alternatives"):
        plan_trip(graph, incidents, **trip, k=-1)
    with pytest.raises(ParameterError, match="overlap"):
        plan_trip(graph, incidents, **trip, overlap=1.5)
    with pytest.raises(ParameterError, match="lambda"):
        plan_trip(graph, incidents, **trip, lambda_=-1.0)
    with pytest.raises(ParameterError, match="starts and ends in SW"):
        plan_trip(graph, incidents, origin=trip["origin"], destination=trip["origin"])


# ----------------------------------------------------------------------------- bundled data


@pytest.fixture(scope="module")
def bundled():
    gaz = build_gazetteer(load_towns())
    graph = road_graph(load_roads(), gaz.towns)
    incidents = load_bundled_incidents().incidents
    window = incidents[
        (incidents["event_date"] >= "2025-09-01") & (incidents["event_date"] <= "2025-10-31")
    ]
    return gaz, graph, window


@pytest.mark.parametrize("group", ["dakar", "abidjan"])
def test_shortest_is_within_5_percent_of_the_shorter_corridor(bundled, group):
    gaz, graph, _ = bundled
    corridors = load_routes()
    corridors = corridors[corridors["group"] == group]
    origin = resolve_town(gaz, corridors["origin"].iloc[0])
    destination = resolve_town(gaz, corridors["destination"].iloc[0])
    a = graph.towns["node"].iloc[origin.row]
    b = graph.towns["node"].iloc[destination.row]
    _, km = shortest_path(graph, a, b, graph.edges["length_km"])
    assert km <= corridors["length_km"].min() * 1.05


def test_plan_names_the_roads_of_the_shortest_route(bundled):
    gaz, graph, window = bundled
    plan = plan_trip(
        graph,
        window,
        origin=resolve_town(gaz, "Abidjan"),
        destination=resolve_town(gaz, "Bamako"),
        as_of="2025-10-31",
        k=0,
    )
    roads = plan.routes.iloc[0]["roads"]
    assert roads and f"The shortest route follows {roads}." in plan.notes


def _passes(line_4326, stretch_m, share=0.5):
    line = gpd.GeoSeries([line_4326], crs=4326).to_crs(METRIC_CRS).iloc[0]
    inside = shapely.length(shapely.intersection(line, shapely.buffer(stretch_m, 200.0)))
    return inside >= share * shapely.length(stretch_m)


def _didieni_kolokani(gaz, graph):
    a = graph.towns["node"].iloc[resolve_town(gaz, "Didiéni").row]
    b = graph.towns["node"].iloc[resolve_town(gaz, "Kolokani").row]
    path, _ = shortest_path(graph, a, b, graph.edges["length_km"])
    return shapely.union_all(graph.edges.geometry.to_numpy()[graph.edge_ids(path)])


def test_high_lambda_steers_dakar_bamako_away_from_didieni_kolokani(bundled):
    """Sept–Oct 2025 news log: tanker attacks between Didiéni and Kolokani (13 Sept) and more.

    The shortest Dakar–Bamako road on OSM 2021 runs via Kédougou, Kéniéba and
    Kita, away from Didiéni–Kolokani; forced through Diéma (the north corridor)
    the shortest runs Didiéni–Kolokani (RN3) and a high λ leaves it, saying
    how many km that adds (73 km via Kita on RN24 at the time of writing). The
    13 September attack there is reported "between Didiéni and Kolokani": it is
    spread along that road (METHODS.md §2), so the plan names the stretch.
    """
    gaz, graph, window = bundled
    stretch = _didieni_kolokani(gaz, graph)
    options = {"imprecise": "spread"}
    trip = {"origin": resolve_town(gaz, "Dakar"), "destination": resolve_town(gaz, "Bamako")}
    direct = plan_trip(
        graph, window, **trip, as_of="2025-10-31", lambda_=50.0, k=0, exposure_options=options
    )
    assert not any(_passes(line, stretch) for line in direct.routes.geometry)

    north = plan_trip(
        graph,
        window,
        **trip,
        via=[resolve_town(gaz, "Diéma")],
        as_of="2025-10-31",
        lambda_=50.0,
        k=0,
        exposure_options=options,
    )
    shortest, least = north.routes.iloc[0], north.routes.iloc[1]
    assert least["route_kind"] == "least_exposed"
    assert _passes(shortest.geometry, stretch) and not _passes(least.geometry, stretch)
    assert least["km_added"] > 0 and least["exposure_avoided"] > 0
    assert any(f"{least['km_added']:+,.0f} km" in note for note in north.notes)
    assert any("avoids Didiéni – Kolokani" in note for note in north.notes)


def test_no_alternative_road_is_said(bundled):
    """Kati–Bamako (about 15 km) has one main road: no route avoids its worst stretch."""
    gaz, graph, window = bundled
    plan = plan_trip(
        graph,
        window,
        origin=resolve_town(gaz, "Kati"),
        destination=resolve_town(gaz, "Bamako"),
        as_of="2025-10-31",
        lambda_=1000.0,
        k=2,
        exposure_options={"imprecise": "spread"},
    )
    assert any(
        "no stretch" in n or "No comparable road" in n or "No other route" in n for n in plan.notes
    )


def test_unreachable_town_is_refused(bundled):
    gaz, graph, window = bundled
    far = graph.towns.index[graph.towns["node"] < 0][0]
    town = resolve_town(gaz, graph.towns.loc[far, "label"])
    with pytest.raises(ParameterError, match="farther than 5 km from the road network"):
        plan_trip(graph, window, origin=town, destination=resolve_town(gaz, "Bamako"))


def test_plan_wording_never_says_safe(bundled):
    gaz, graph, window = bundled
    plan = plan_trip(
        graph,
        window,
        origin=resolve_town(gaz, "Kayes"),
        destination=resolve_town(gaz, "Bamako"),
        as_of="2025-10-31",
        lambda_=50.0,
        k=2,
        exposure_options={"imprecise": "spread"},
    )
    text = " ".join([*plan.notes, *plan.routes["label"]]).lower()
    assert "safe" not in text
    assert "least incident exposure on the reported data over" in text


def test_uncached_edge_exposure_is_not_kept():
    from geo import planner

    graph, _, incidents = _grid()
    planner._EXPOSURE_CACHE.clear()
    edge_exposure(graph, incidents, as_of="2025-09-30", cache=False)
    assert len(planner._EXPOSURE_CACHE) == 0
    edge_exposure(graph, incidents, as_of="2025-09-30")
    assert len(planner._EXPOSURE_CACHE) == 1
