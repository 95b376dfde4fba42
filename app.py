"""Sahel Risk Map: the Streamlit page, top to bottom as the user sees it.

Sidebar (data source, then every filter and parameter), a header stating the
window and sources, then six views as tabs: Hotspots, Routes, Plan, Sites, Export,
About / Data. Every control reaches the map and the tables through one
:func:`geo.pipeline.lazy_analysis` (the open view computes only the parts it
reads); analyses live in :mod:`geo`, map layers in :mod:`layers`, widgets,
caching and layout helpers in :mod:`ui`.
"""

import geo  # noqa: F401, I001  (first: applies the GDAL driver allowlist before GDAL loads)

import streamlit as st

from geo.errors import RiskMapError
from geo.settings import DEFAULTS
from ui import (
    about,
    access,
    changes,
    chrome,
    controls,
    data,
    exports,
    hotspots,
    lang,
    plan,
    routes,
    sites,
    state,
)
from ui import log as incident_log

st.set_page_config(layout="wide", page_title="Sahel Risk Map")
access.require_access()  # before any state or data: a denied visitor stops here
state.init_once(st.session_state, state.static_defaults(DEFAULTS))

# --- Sidebar: the data first, because every other control depends on it ------------
# Every sidebar widget is drawn on every run, before any early stop: Streamlit
# forgets the value of a keyed widget that a run skips.
with st.sidebar:
    lang.language_switch()
    upload = controls.data_source_controls()
    use_log = incident_log.source_toggle()

dataset, problem = data.chosen_dataset(st.session_state["data.source"], upload)
if dataset is not None and use_log:
    dataset, log_problem = incident_log.with_log(dataset)
    if log_problem:
        st.sidebar.warning("The incident log could not be read.")
        st.sidebar.text(log_problem)
# While there is no usable file, the controls keep showing the bundled data's range.
shown = dataset if dataset is not None else data.bundled_dataset()
bounds = data.data_bounds(shown)
if bounds is None:
    dataset, problem = None, "empty"
    shown = data.bundled_dataset()
    bounds = data.data_bounds(shown)
state.sync_data_defaults(
    st.session_state,
    shown.key,
    state.data_defaults(
        oldest=bounds.oldest,
        newest=bounds.newest,
        sources=list(bounds.sources),
        window_days=DEFAULTS.window_days,
    ),
)
with st.sidebar:
    choices = controls.analysis_controls(bounds)

if dataset is None:
    st.title("Sahel Risk Map")
    if problem == "waiting":
        st.info(
            "Choose your incident file in the sidebar (ACLED or UCDP CSV as downloaded, "
            "GeoJSON, GeoPackage or zipped shapefile). It stays in this session only. "
            "Switch the data back to Bundled data to see the bundled incidents."
        )
    elif problem == "empty":
        st.error("No incident in this file could be kept. The validation report says why.")
        about.validation_report(data.uploaded_report(upload), expanded=True)
    else:
        chrome.show_user_error("Your file could not be used.", problem or "")
    chrome.footer()
    st.stop()

# --- One analysis for every view (each part computed when a view reads it) -----------
try:
    with st.spinner("Selecting the incidents of the window..."):
        analysis = data.analyse(dataset, choices.filters, choices.params)
except RiskMapError as exc:
    st.title("Sahel Risk Map")
    chrome.show_user_error("The analysis could not run with these settings.", str(exc))
    chrome.footer()
    st.stop()
except Exception:
    st.title("Sahel Risk Map")
    chrome.show_bug("the analysis")
    chrome.footer()
    st.stop()

# --- Header ---------------------------------------------------------------------------
st.title("Sahel Risk Map")
if dataset.key.startswith("upload:"):
    st.text(f"Your file: {dataset.label} (this session only)")
    about.validation_report(dataset.report)
incident_log.header(dataset)

# --- Views ----------------------------------------------------------------------------
# The tabs track which one is open (on_change), so only the open tab runs: a filter
# change redraws one map. The open tab is remembered across an early stop above.
state.restore_widget(st.session_state, "view.tab")
tabs = st.tabs(
    list(state.TABS),
    key="view.tab",
    on_change=state.remember_widget,
    args=(st.session_state, "view.tab"),
)
views = (
    hotspots.view,
    routes.view,
    plan.view,
    sites.view,
    changes.view,
    exports.view,
    about.view,
    incident_log.view,
)
for tab, show, label in zip(tabs, views, state.TABS, strict=True):
    if tab.open is False:
        continue
    with tab:
        try:
            show(analysis, choices, dataset)
        except RiskMapError as exc:
            chrome.show_user_error(f"The {label} view could not be drawn.", str(exc))
        except Exception:
            chrome.show_bug(f"the {label} view")

chrome.footer()
