"""The Plan tab driven headless (AppTest) on the bundled data, and its folium layer.

The towns, roads and incidents are the bundled real layers; nothing here is made up.
"""

from __future__ import annotations

from pathlib import Path

import folium
import pytest
from streamlit.testing.v1 import AppTest

from geo.gazetteer import build_gazetteer, resolve_town
from geo.io.bundled import load_roads, load_towns
from geo.io.incidents import load_bundled_incidents
from geo.planner import plan_trip
from geo.roadgraph import road_graph
from layers.plan import ROUTE_STYLES, build_plan
from ui.plan import LAMBDA_STEPS, routes_table

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def plan():
    gaz = build_gazetteer(load_towns())
    graph = road_graph(load_roads(), gaz.towns)
    incidents = load_bundled_incidents().incidents
    return plan_trip(
        graph,
        incidents,
        origin=resolve_town(gaz, "Diéma"),
        destination=resolve_town(gaz, "Bamako"),
        as_of="2025-10-31",
        lambda_=10.0,
        k=1,
        exposure_options={"imprecise": "spread"},
    )


def test_layer_draws_each_kind_in_its_style_with_a_legend(plan):
    group = build_plan(plan.routes, name="Trip plan", note="window")
    html = folium.Map().add_child(group).get_root().render()
    for kind in set(plan.routes["route_kind"]):
        style, label = ROUTE_STYLES[kind]
        assert style["color"] in html
        assert label.split(" (")[0] in html
    assert "8 6" in html or "alternative" not in set(plan.routes["route_kind"])


def test_layer_escapes_text_from_data(plan):
    routes = plan.routes.copy()
    routes.loc[0, "label"] = "<script>alert(1)</script>"
    html = folium.Map().add_child(build_plan(routes, name="Trip plan")).get_root().render()
    assert "<script>alert(1)</script>" not in html


def test_routes_table_names_kinds_and_trade_off(plan):
    table = routes_table(plan)
    assert table["Route"].iloc[0].startswith("Shortest")
    assert list(table.columns)[:3] == ["Route", "Length (km)", "km added"]
    assert len(table) == len(plan.routes)


def test_lambda_slider_runs_from_shortest():
    assert next(iter(LAMBDA_STEPS.values())) == 0.0
    assert list(LAMBDA_STEPS.values()) == sorted(LAMBDA_STEPS.values())


def test_plan_tab_draws_routes_table_and_download():
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.session_state["view.tab"] = "Plan"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="plan.origin").value == "Dakar"
    assert at.selectbox(key="plan.destination").value == "Bamako"
    assert any("Routes side by side" in s.value for s in at.subheader)
    assert at.dataframe
    at.selectbox(key="plan.origin").set_value("Kayes").run()
    assert not at.exception, [e.value for e in at.exception]
    notes = [t.value for t in at.text]  # road names from data: plain text, not markdown
    assert any(n.startswith("The shortest route follows ") for n in notes)
    assert any(t.value.startswith("Kayes – Bamako") for t in at.text)
