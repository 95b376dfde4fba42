"""The Plan tab: the shortest and the least-exposed road between two towns, compared.

Origin, destination and via towns are chosen from the gazetteer (the select
boxes search as you type, accents optional: :func:`ui.display.searchable`); a
departure date and a "shorter ↔ less exposed" slider (λ) set the plan. The
routes are drawn in distinct styles with a legend; below, the routes side by
side, an exposure profile per route, the plan's sentences, and the plan as a
GeoPackage, a PDF briefing or a PNG map. The plan uses the incidents of the
sidebar window and the route parameters of the analysis on screen.
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
from geo.i18n import Translator, gettext_noop
from geo.io.bundled import load_roads, load_towns
from geo.pipeline import Analysis
from geo.planner import Plan, plan_notes, plan_trip, route_label_text
from geo.roadgraph import road_graph
from geo.settings import DEFAULTS
from layers.plan import build_plan
from ui import chrome, maps
from ui.data import BUNDLED_KEY, session_memo
from ui.display import ENGLISH, date_format, searchable, short, styled
from ui.lang import tr
from ui.routes import profile_chart, profile_frame

__all__ = ["LAMBDA_STEPS", "LAMBDA_LABELS", "PlanInputs", "routes_table", "view"]

#: The "shorter ↔ less exposed" slider: step -> λ (km of detour one unit of exposure is worth).
LAMBDA_STEPS: dict[str, float] = {
    "shortest": 0.0,
    "mostly_shorter": 1.0,
    "balanced": DEFAULTS.plan_lambda,
    "mostly_less_exposed": 10.0,
    "least_exposed": 50.0,
}
#: Each slider step as the page names it.
LAMBDA_LABELS: dict[str, str] = {
    "shortest": gettext_noop("Shortest"),
    "mostly_shorter": gettext_noop("Mostly shorter"),
    "balanced": gettext_noop("Balanced"),
    "mostly_less_exposed": gettext_noop("Mostly less exposed"),
    "least_exposed": gettext_noop("Least exposed"),
}

_KIND_LABELS = {
    "shortest": gettext_noop("Shortest"),
    "least_exposed": gettext_noop("Least incident exposure"),
    "alternative": gettext_noop("Alternative"),
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
    t = tr()
    gaz = _gazetteer()
    st.subheader(t.gettext("Plan a trip: the shortest and the least-exposed road"))
    chrome.provenance(analysis)
    graph = road_graph(load_roads(), gaz.towns)
    reachable = graph.towns.loc[graph.towns["node"] >= 0, "label"]
    inputs = _controls([lab for lab in gaz.labels if lab in set(reachable)], analysis, t)
    st.caption(
        t.gettext(
            "{n} of the {total} towns lie within {km} km of the bundled main roads and can "
            "be planned from or to."
        ).format(
            n=t.number(len(reachable)),
            total=t.number(len(gaz.towns)),
            km=short(graph.snap_km, tr=t),
        )
    )
    if inputs.origin == inputs.destination and not inputs.via:
        st.info(t.gettext("Choose two different towns."))
        return
    key = (dataset.key, analysis.filters, analysis.params, inputs)
    with st.spinner(t.gettext("Planning the routes...")):
        public = dataset.key == BUNDLED_KEY
        plan = session_memo("plan.last", key, lambda: _plan(gaz, analysis, inputs, public))

    left, right = st.columns([3, 1], gap="medium")
    with left:
        f = analysis.filters
        note = t.gettext(
            "Incident exposure on the reported data over {period}; λ = {lambda_}."
        ).format(period=t.period(f.start, f.end), lambda_=short(inputs.lambda_, tr=t))
        view_map = maps.view_map(
            ("plan", dataset.key, f, analysis.params, inputs, choices.layers, t.lang),
            lambda: [build_plan(plan.routes, name=t.gettext("Trip plan"), note=note, tr=t)],
            private=dataset.key != BUNDLED_KEY,
            layers=choices.layers,
            online_basemap=choices.online_basemap,
            credit=maps.incident_credit(analysis, tr=t),
            bounds=tuple(float(b) for b in plan.routes.total_bounds),
            tr=t,
        )
        maps.show_map(view_map, key="map.plan")
    with right:
        st.markdown("**{}**".format(t.gettext("What the plan says")))
        for sentence in plan_notes(plan, tr=t):
            st.text(sentence)
    st.subheader(t.gettext("Routes side by side"))
    table = routes_table(plan, tr=t)
    digits = {
        t.gettext("Incident exposure"): 2,
        t.gettext("Exposure per km"): 3,
        t.gettext("km added per unit avoided"): 1,
    }
    st.dataframe(styled(table, tr=t, digits=digits), hide_index=True, width="stretch")
    st.subheader(t.gettext("Exposure per km along each route"))
    labels = {
        route_id: route_label_text(label, tr=t)
        for route_id, label in zip(plan.routes["route_id"], plan.routes["label"], strict=True)
    }
    profile = profile_frame(plan.segments, labels)
    top = max(float(profile["exposure_per_km"].max()), 0.1) * 1.05 if len(profile) else 0.1
    st.caption(
        t.gettext("Same vertical scale on every route; dotted lines mark towns near the road.")
    )
    for route_id, label in labels.items():
        one = profile[profile["route_id"] == route_id]
        st.text(label)
        st.altair_chart(profile_chart(one, y_max=top, tr=t), width="stretch")
    files = session_memo(
        "plan.files",
        (key, t.lang),
        lambda: (
            plan_gpkg_bytes(plan),
            render_plan_pdf(plan, when=analysis.generated_at, tr=t),
            plan_png_bytes(plan, tr=t),
        ),
    )
    gpkg, pdf, png = st.columns(3)
    with gpkg:
        st.download_button(
            t.gettext("Download the plan (GeoPackage)"),
            data=files[0],
            file_name=safe_export_name("plan", "gpkg"),
            mime="application/geopackage+sqlite3",
            key="plan.download",
        )
    with pdf:
        st.download_button(
            t.gettext("Download the plan briefing (PDF)"),
            data=files[1],
            file_name=safe_export_name("plan", "pdf"),
            mime="application/pdf",
            key="plan.download_pdf",
        )
    with png:
        st.download_button(
            t.gettext("Download the map (PNG)"),
            data=files[2],
            file_name=safe_export_name("plan-map", "png"),
            mime="image/png",
            key="plan.download_png",
        )


def _controls(labels: list[str], analysis: Analysis, t: Translator) -> PlanInputs:
    a, b, c = st.columns([2, 2, 3])
    with a:
        origin = st.selectbox(
            t.gettext("From"),
            labels,
            index=_index(labels, "Dakar"),
            format_func=searchable,
            key="plan.origin",
        )
    with b:
        destination = st.selectbox(
            t.gettext("To"),
            labels,
            index=_index(labels, "Bamako"),
            format_func=searchable,
            key="plan.destination",
        )
    with c:
        via = st.multiselect(
            t.gettext("Via (in order)"), labels, format_func=searchable, key="plan.via"
        )
    d, e, f = st.columns([2, 4, 1])
    with d:
        as_of = st.date_input(
            t.gettext("Departure date"),
            value=analysis.params.as_of,
            max_value=analysis.params.as_of,
            format=date_format(t),
            key="plan.as_of",
            help=t.gettext("Incident ages count back from this day; later incidents are left out."),
        )
    with e:
        steps = "; ".join(
            t.gettext("{step}: {km} km").format(
                step=t.gettext(LAMBDA_LABELS[code]), km=short(value, tr=t)
            )
            for code, value in LAMBDA_STEPS.items()
        )
        step = st.select_slider(
            t.gettext("Shorter ↔ less exposed"),
            options=list(LAMBDA_STEPS),
            value="balanced",
            format_func=lambda code: t.gettext(LAMBDA_LABELS[code]),
            key="plan.lambda",
            help=t.gettext(
                "How many km of detour one unit of incident exposure is worth: {steps}."
            ).format(steps=steps),
        )
    with f:
        k = st.number_input(
            t.gettext("Alternatives"),
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


def routes_table(plan: Plan, *, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Return the plan's routes as the page shows them.

    Parameters
    ----------
    plan : geo.planner.Plan
    tr : Translator
        The language of the headings and route kinds.

    Returns
    -------
    DataFrame
        Route, km, km added, incident exposure, per km, km high or critical,
        km added per unit of exposure avoided, roads, towns passed.
    """
    t = tr
    r = plan.routes
    also = t.gettext(" (also least exposed)")
    kind = [
        t.gettext(_KIND_LABELS.get(k, k)) + (also if k == "shortest" and least else "")
        for k, least in zip(r["route_kind"], r["is_least_exposed"], strict=True)
    ]
    return pd.DataFrame(
        {
            t.gettext("Route"): kind,
            t.gettext("Length (km)"): r["length_km"].round(0).to_numpy(),
            t.gettext("km added"): r["km_added"].round(0).to_numpy(),
            t.gettext("Incident exposure"): r["exposure"].round(2).to_numpy(),
            t.gettext("Exposure per km"): r["exposure_per_km"].round(3).to_numpy(),
            t.gettext("km high or critical"): r["km_high_or_critical"].round(0).to_numpy(),
            t.gettext("km added per unit avoided"): r["km_per_exposure_avoided"]
            .round(1)
            .to_numpy(),
            t.gettext("Roads"): r["roads"].to_numpy(),
            t.gettext("Towns passed"): r["towns"].to_numpy(),
        }
    )
