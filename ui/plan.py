"""The Plan tab: the shortest and the least-exposed road between two towns, compared.

Origin, destination and via towns are chosen from the gazetteer (the select
boxes search as you type, accents optional); a departure date and a "shorter ↔
less exposed" slider (λ) set the plan. The routes are drawn in distinct styles
with a legend; below, the routes side by side, an exposure profile per route,
the plan's sentences, and the plan as a GeoPackage, a PDF briefing or a PNG
map. The plan uses the incidents of the sidebar window and the route parameters
of the analysis on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from geo.export.atomic import safe_export_name
from geo.export.pdf.plan import render_plan_pdf
from geo.export.plan import plan_gpkg_bytes, plan_png_bytes
from geo.gazetteer import Gazetteer, build_gazetteer, resolve_town
from geo.io.bundled import load_roads, load_towns
from geo.pipeline import Analysis
from geo.planner import Plan, plan_trip
from geo.roadgraph import road_graph
from geo.settings import DEFAULTS
from layers.plan import build_plan
from ui import chrome, maps
from ui.data import BUNDLED_KEY, session_memo
from ui.routes import profile_chart, profile_frame

__all__ = ["LAMBDA_STEPS", "PlanInputs", "routes_table", "view"]

#: The "shorter ↔ less exposed" slider: label -> λ (km of detour one unit of exposure is worth).
LAMBDA_STEPS: dict[str, float] = {
    "Shortest": 0.0,
    "Mostly shorter": 1.0,
    "Balanced": DEFAULTS.plan_lambda,
    "Mostly less exposed": 10.0,
    "Least exposed": 50.0,
}

_KIND_LABELS = {
    "shortest": "Shortest",
    "least_exposed": "Least incident exposure",
    "alternative": "Alternative",
}


@dataclass(frozen=True)
class PlanInputs:
    """What the user chose on the Plan tab (hashable: the cache key of the plan)."""

    origin: str
    destination: str
    via: tuple[str, ...]
    as_of: date
    lambda_: float
    k: int


@st.cache_data(show_spinner=False, max_entries=1)
def _gazetteer() -> Gazetteer:
    return build_gazetteer(load_towns())


def view(analysis: Analysis, choices: Any, dataset: Any) -> None:
    """Draw the Plan tab.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen (its window, incidents and route parameters).
    choices : ui.controls.Choices
        Sidebar choices (layer switches, basemap).
    dataset : ui.data.Dataset
        The data on screen.
    """
    gaz = _gazetteer()
    st.subheader("Plan a trip: the shortest and the least-exposed road")
    chrome.provenance(analysis)
    graph = road_graph(load_roads(), gaz.towns)
    reachable = graph.towns.loc[graph.towns["node"] >= 0, "label"]
    inputs = _controls([lab for lab in gaz.labels if lab in set(reachable)], analysis)
    st.caption(
        f"{len(reachable)} of the {len(gaz.towns)} towns lie within {graph.snap_km:g} km of "
        "the bundled main roads and can be planned from or to."
    )
    if inputs.origin == inputs.destination and not inputs.via:
        st.info("Choose two different towns.")
        return
    key = (dataset.key, analysis.filters, analysis.params, inputs)
    with st.spinner("Planning the routes..."):
        public = dataset.key == BUNDLED_KEY
        plan = session_memo("plan.last", key, lambda: _plan(gaz, analysis, inputs, public))

    left, right = st.columns([3, 1], gap="medium")
    with left:
        note = (
            f"Incident exposure on the reported data over {plan.record.get('window', '')}; "
            f"λ = {inputs.lambda_:g}."
        )
        view_map = maps.view_map(
            ("plan", dataset.key, analysis.filters, analysis.params, inputs, choices.layers),
            lambda: [build_plan(plan.routes, name="Trip plan", note=note)],
            private=dataset.key != BUNDLED_KEY,
            layers=choices.layers,
            online_basemap=choices.online_basemap,
            credit=maps.incident_credit(analysis),
            bounds=tuple(float(b) for b in plan.routes.total_bounds),
        )
        maps.show_map(view_map, key="map.plan")
    with right:
        st.markdown("**What the plan says**")
        for sentence in plan.notes:
            st.text(sentence)
    st.subheader("Routes side by side")
    st.dataframe(routes_table(plan), hide_index=True, width="stretch")
    st.subheader("Exposure per km along each route")
    labels = dict(zip(plan.routes["route_id"], plan.routes["label"], strict=True))
    profile = profile_frame(plan.segments, labels)
    top = max(float(profile["exposure_per_km"].max()), 0.1) * 1.05 if len(profile) else 0.1
    st.caption("Same vertical scale on every route; dotted lines mark towns near the road.")
    for route_id, label in labels.items():
        one = profile[profile["route_id"] == route_id]
        st.text(label)
        st.altair_chart(profile_chart(one, y_max=top), width="stretch")
    files = session_memo(
        "plan.files",
        key,
        lambda: (
            plan_gpkg_bytes(plan),
            render_plan_pdf(plan, when=analysis.generated_at),
            plan_png_bytes(plan),
        ),
    )
    gpkg, pdf, png = st.columns(3)
    with gpkg:
        st.download_button(
            "Download the plan (GeoPackage)",
            data=files[0],
            file_name=safe_export_name("plan", "gpkg"),
            mime="application/geopackage+sqlite3",
            key="plan.download",
        )
    with pdf:
        st.download_button(
            "Download the plan briefing (PDF)",
            data=files[1],
            file_name=safe_export_name("plan", "pdf"),
            mime="application/pdf",
            key="plan.download_pdf",
        )
    with png:
        st.download_button(
            "Download the map (PNG)",
            data=files[2],
            file_name=safe_export_name("plan-map", "png"),
            mime="image/png",
            key="plan.download_png",
        )


def _controls(labels: list[str], analysis: Analysis) -> PlanInputs:
    a, b, c = st.columns([2, 2, 3])
    with a:
        origin = st.selectbox("From", labels, index=_index(labels, "Dakar"), key="plan.origin")
    with b:
        destination = st.selectbox(
            "To", labels, index=_index(labels, "Bamako"), key="plan.destination"
        )
    with c:
        via = st.multiselect("Via (in order)", labels, key="plan.via")
    d, e, f = st.columns([2, 4, 1])
    with d:
        as_of = st.date_input(
            "Departure date",
            value=analysis.params.as_of,
            max_value=analysis.params.as_of,
            key="plan.as_of",
            help="Incident ages count back from this day; later incidents are left out.",
        )
    with e:
        step = st.select_slider(
            "Shorter ↔ less exposed",
            options=list(LAMBDA_STEPS),
            value="Balanced",
            key="plan.lambda",
            help="How many km of detour one unit of incident exposure is worth: "
            + "; ".join(f"{k}: {v:g} km" for k, v in LAMBDA_STEPS.items())
            + ".",
        )
    with f:
        k = st.number_input(
            "Alternatives",
            min_value=0,
            max_value=4,
            value=DEFAULTS.plan_alternatives,
            step=1,
            key="plan.k",
        )
    return PlanInputs(
        origin=origin,
        destination=destination,
        via=tuple(via),
        as_of=as_of,
        lambda_=LAMBDA_STEPS[step],
        k=int(k),
    )


def _index(labels: list[str], name: str) -> int:
    return labels.index(name) if name in labels else 0


def _plan(gaz: Gazetteer, analysis: Analysis, inputs: PlanInputs, public: bool) -> Plan:
    # An upload's edge exposure must not stay in module memory, which every session shares.
    p = analysis.params
    graph = road_graph(load_roads(), gaz.towns)
    return plan_trip(
        graph,
        analysis.incidents,
        origin=resolve_town(gaz, inputs.origin),
        destination=resolve_town(gaz, inputs.destination),
        via=[resolve_town(gaz, v) for v in inputs.via],
        as_of=inputs.as_of,
        lambda_=inputs.lambda_,
        k=inputs.k,
        segment_km=p.segment_km,
        exposure_options={
            "buffer_km": p.buffer_km,
            "half_life_days": p.half_life_days,
            "imprecise": analysis.filters.imprecise,
        },
        cache=public,
    )


def routes_table(plan: Plan) -> pd.DataFrame:
    """Return the plan's routes as the page shows them.

    Parameters
    ----------
    plan : geo.planner.Plan

    Returns
    -------
    DataFrame
        Route, km, km added, incident exposure, per km, km high or critical,
        km added per unit of exposure avoided, roads, towns passed.
    """
    r = plan.routes
    kind = [
        _KIND_LABELS.get(k, k) + (" (also least exposed)" if k == "shortest" and least else "")
        for k, least in zip(r["route_kind"], r["is_least_exposed"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Route": kind,
            "Length (km)": r["length_km"].round(0).to_numpy(),
            "km added": r["km_added"].round(0).to_numpy(),
            "Incident exposure": r["exposure"].round(2).to_numpy(),
            "Exposure per km": r["exposure_per_km"].round(3).to_numpy(),
            "km high or critical": r["km_high_or_critical"].round(0).to_numpy(),
            "km added per unit avoided": r["km_per_exposure_avoided"].round(1).to_numpy(),
            "Roads": r["roads"].to_numpy(),
            "Towns passed": r["towns"].to_numpy(),
        }
    )
