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

t = lang.tr()
st.set_page_config(layout="wide", page_title=t.gettext("Sahel Risk Map"))
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
        st.sidebar.warning(t.gettext("The incident log could not be read."))
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
    st.title(t.gettext("Sahel Risk Map"))
    if problem == "waiting":
        st.info(
            t.gettext(
                "Choose your incident file in the sidebar (ACLED or UCDP CSV as downloaded, "
                "GeoJSON, GeoPackage or zipped shapefile). It stays in this session only. "
                "Switch the data back to Bundled data to see the bundled incidents."
            )
        )
    elif problem == "empty":
        st.error(
            t.gettext("No incident in this file could be kept. The validation report says why.")
        )
        about.validation_report(data.uploaded_report(upload), expanded=True)
    else:
        chrome.show_user_error(
            t.gettext("Your file could not be used."), t.gettext(problem) if problem else ""
        )
    chrome.footer()
    st.stop()

# --- One analysis for every view (each part computed when a view reads it) -----------
try:
    with st.spinner(t.gettext("Selecting the incidents of the window...")):
        analysis = data.analyse(dataset, choices.filters, choices.params)
except RiskMapError as exc:
    st.title(t.gettext("Sahel Risk Map"))
    chrome.show_user_error(t.gettext("The analysis could not run with these settings."), str(exc))
    chrome.footer()
    st.stop()
except Exception:
    st.title(t.gettext("Sahel Risk Map"))
    chrome.show_bug(t.gettext("the analysis"))
    chrome.footer()
    st.stop()

# --- Header ---------------------------------------------------------------------------
st.title(t.gettext("Sahel Risk Map"))
st.caption(chrome.window_text(analysis.filters.start, analysis.filters.end, tr=t))
if dataset.key.startswith("upload:"):
    st.text(t.gettext("Your file: {name} (this session only)").format(name=dataset.label))
    about.validation_report(dataset.report)
incident_log.header(dataset)

# --- Views ----------------------------------------------------------------------------
# The tabs track which one is open (on_change), so only the open tab runs: a filter
# change redraws one map. The open tab is remembered across an early stop above.
# The open tab is remembered by its label; after a language switch that label is in
# the other language, so it is mapped to the same tab's label in this one.
tab_labels = lang.translated(state.TABS)
state.restore_widget(st.session_state, "view.tab")
state.relabel_widget(st.session_state, "view.tab", tab_labels, lang.elsewhere(state.TABS))
tabs = st.tabs(
    tab_labels,
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
for tab, show, label in zip(tabs, views, tab_labels, strict=True):
    if tab.open is False:
        continue
    with tab:
        try:
            show(analysis, choices, dataset)
        except RiskMapError as exc:
            chrome.show_user_error(
                t.gettext("The {view} view could not be drawn.").format(view=label), str(exc)
            )
        except Exception:
            chrome.show_bug(t.gettext("the {view} view").format(view=label))

chrome.footer()
