"""The "Incident log" view: record, correct, delete, import and export the team's own incidents.

The log lives where the operator put it (``$SAHEL_RISK_LOG``: a GeoPackage path
or a ``postgresql://`` URL; :func:`geo.log.default_log_target`), never where a
visitor types. Everyone sees the log; only editors (:func:`ui.access.can_edit`)
see the forms, and every change records its author (the logged-in e-mail, or
the name the editor typed). In the sidebar, :func:`source_toggle` adds the log
to the data on screen as one more source; :func:`with_log` merges it with the
shared events counted once (:mod:`geo.matching`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.errors import RiskMapError
from geo.export.atomic import safe_export_name
from geo.export.tabular import table_bytes
from geo.gazetteer import build_gazetteer, resolve_town
from geo.io.bundled import load_towns
from geo.io.ingest import ingest_upload
from geo.log import LogStore, default_log_target, open_log
from geo.log.records import CREDIBILITY, DATE_PRECISIONS, RELIABILITY, from_canonical
from geo.matching import merge_notes, merge_sources
from geo.pipeline import prepare_incidents
from geo.schema import CATEGORIES, CATEGORY_LABELS
from layers.incidents import build_incidents
from ui import about, access, chrome, data, state
from ui.controls import UPLOAD_TYPES

__all__ = ["header", "source_toggle", "view", "with_log"]

log = logging.getLogger(__name__)

_FLASH = "log.flash"
_POINT = "log.point"
_LAST_CLICK = "log.last_click"


def _log() -> LogStore:
    """Open the log once per session (a handle is never shared between sessions)."""
    target = default_log_target()
    return data.session_memo("log.store", target, lambda: open_log(target))


def _gazetteer() -> Any:
    """Build the towns gazetteer once per session."""
    return data.session_memo("log.gazetteer", "bundled", lambda: build_gazetteer(load_towns()))


def source_toggle() -> bool:
    """Draw the sidebar switch that adds the team's incident log to the data; return it."""
    return st.toggle(
        "Add the team's incident log",
        key="data.log",
        help="Counts the incidents your team recorded in the Incident log tab beside the "
        "data chosen above. An event found in both is counted once.",
    )


def with_log(dataset: data.Dataset) -> tuple[data.Dataset, str | None]:
    """Return the data set with the log's current incidents merged in, or why not.

    Parameters
    ----------
    dataset : ui.data.Dataset
        The data chosen in the sidebar.

    Returns
    -------
    (Dataset, str or None)
        The merged data set (key ``<key>+log:<revisions>``, so every change to
        the log gives a fresh analysis) and None; or the unchanged data set and
        the message saying why the log could not be read.
    """
    try:
        store = _log()
        version = store.count_revisions()
    except RiskMapError as exc:
        return dataset, str(exc)
    key = f"{dataset.key}+log:{version}"
    merged = data.session_memo("log.merged", key, lambda: _merge(dataset, store, key))
    return merged, None


def _merge(dataset: data.Dataset, store: LogStore, key: str) -> data.Dataset:
    extra = prepare_incidents(store.incidents(), data.context())
    merged = merge_sources(
        dataset.incidents, extra, dataset.report, extra_label=f"the incident log {store.name}"
    )
    return data.Dataset(key, dataset.label, merged.incidents, merged.report)


def header(dataset: data.Dataset) -> None:
    """Under the title: what the incident log added and how many events were counted once."""
    if "+log:" not in dataset.key:
        return
    for note in merge_notes(dataset.report):
        st.text(note)
    added = [n for n in dataset.report.notes if "added from the incident log" in n]
    for note in added[-1:]:
        st.text(note)


def _flash(text: str) -> None:
    st.session_state[_FLASH] = text


def _author() -> str | None:
    user = access.current_user()
    if user:
        st.caption("Changes are recorded under the name you signed in with:")
        st.text(user)
        return user
    # Kept across tabs: Streamlit forgets a widget's value on a run that skips it.
    state.restore_widget(st.session_state, "log.author")
    name = st.text_input(
        "Your name (recorded with every change)",
        key="log.author",
        max_chars=80,
        on_change=state.remember_widget,
        args=(st.session_state, "log.author"),
    ).strip()
    return name or None


def view(analysis: Any, choices: Any, dataset: Any) -> None:
    """Draw the Incident log tab.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen (unused: the log view shows the log itself).
    choices : ui.controls.Choices
        Sidebar choices (layer switches and basemap for the map).
    dataset : ui.data.Dataset
        The data on screen (unused).
    """
    store = _log()
    rows = store.current()
    editor = access.can_edit()
    st.subheader("Incident log")
    st.caption(
        f"Stored in {store.name}: {len(rows):,} current incidents. A correction or a "
        "deletion adds a revision; nothing is overwritten. Switch on \"Add the team's "
        'incident log" in the sidebar to count these incidents in the analyses.'
    )
    if _FLASH in st.session_state:
        st.success("The log was changed.")
        st.text(st.session_state.pop(_FLASH))
    if not editor:
        st.info("You can read the log. Only editors can add, change or import incidents.")
    point = _map(store, rows, choices)
    author = _author() if editor else None
    if editor:
        _add_form(store, point, author)
    _table_and_history(store, rows, editor, author)
    if editor:
        _import(store, author)
    _export(store, rows)


def _map(store: LogStore, rows: list[dict], choices: Any) -> tuple[float, float] | None:
    from ui.maps import view_map

    picked = st.session_state.get(_POINT)

    def build() -> list[Any]:
        # Drawn even when empty: the cluster plugin's scripts load with the first map,
        # so the first incident added later can be drawn on the live map.
        groups = [build_incidents(store.incidents(), name="Incident log", legend=False)]
        if picked is not None:
            marker = folium.FeatureGroup(name="Chosen point")
            folium.CircleMarker(
                location=[picked[1], picked[0]], radius=8, color="#000000", fill=False, weight=3
            ).add_to(marker)
            groups.append(marker)
        return groups

    # Cached per log version and point for this session only (the log is not public data).
    view = view_map(
        ("log", store.name, store.count_revisions(), picked),
        build,
        private=True,
        layers=choices.layers,
        online_basemap=choices.online_basemap,
        credit="Incident log",
    )
    st.caption("Click the map to place a new incident, or type a town below.")
    state = st_folium(
        view.base,
        key="log.map",
        height=450,
        use_container_width=True,
        returned_objects=["last_clicked"],
        feature_group_to_add=view.groups or None,
        render=False,
    )
    clicked = (state or {}).get("last_clicked")
    if clicked and clicked.get("lng") is not None:
        new = (round(float(clicked["lng"]), 5), round(float(clicked["lat"]), 5))
        # The map keeps returning its last click: only a new click moves the point.
        if new != st.session_state.get(_LAST_CLICK):
            st.session_state[_LAST_CLICK] = new
            st.session_state[_POINT] = new
            st.rerun()
    return st.session_state.get(_POINT)


def _grading_fields(prefix: str, reliability: str = "F", credibility: int = 6) -> tuple[str, int]:
    c1, c2 = st.columns(2)
    rel = c1.selectbox(
        "Source reliability",
        list(RELIABILITY),
        index=list(RELIABILITY).index(reliability),
        format_func=lambda k: f"{k}: {RELIABILITY[k]}",
        key=f"{prefix}.reliability",
    )
    cred = c2.selectbox(
        "Information credibility",
        list(CREDIBILITY),
        index=list(CREDIBILITY).index(credibility),
        format_func=lambda k: f"{k}: {CREDIBILITY[k]}",
        key=f"{prefix}.credibility",
    )
    return rel, int(cred)


def _add_form(store: LogStore, point: tuple[float, float] | None, author: str | None) -> None:
    with st.form("log.add", clear_on_submit=True):
        st.markdown("**Add an incident**")
        where = (
            f"Point clicked on the map: {point[1]:.5f}° N, {point[0]:.5f}° E."
            if point
            else "No point clicked on the map yet."
        )
        st.caption(where)
        place = st.text_input("Or a town (any spelling, e.g. Kenieba)", key="log.add.place")
        c1, c2, c3 = st.columns(3)
        day = c1.date_input("Date", value=dt.date.today(), key="log.add.date")
        precision = c2.selectbox("Date precision", DATE_PRECISIONS, key="log.add.precision")
        category = c3.selectbox(
            "Category", CATEGORIES, format_func=CATEGORY_LABELS.get, key="log.add.category"
        )
        c1, c2 = st.columns(2)
        actor1 = c1.text_input("Perpetrator (actor 1)", key="log.add.actor1")
        actor2 = c2.text_input("Target (actor 2)", key="log.add.actor2")
        c1, c2, c3 = st.columns(3)
        fatalities = c1.number_input("Fatalities", 0, 100_000, 0, key="log.add.fatalities")
        victims = c2.number_input(
            "Victims (killed, wounded, abducted)", 0, 100_000, 0, key="log.add.victims"
        )
        nationalities = c3.text_input("Victims' nationalities", key="log.add.nationalities")
        notes = st.text_area("Notes", key="log.add.notes", max_chars=4000)
        c1, c2 = st.columns(2)
        source = c1.text_input("Reported by (guard, driver, partner...)", key="log.add.source")
        ref = c2.text_input("Report reference", key="log.add.ref")
        reliability, credibility = _grading_fields("log.add")
        original = st.text_area("Original text of the report", key="log.add.original")
        sent = st.form_submit_button("Add to the log", disabled=author is None)
    if author is None:
        st.caption("Give your name above to add incidents.")
    if not sent:
        return
    values: dict[str, Any] = {
        "event_date": day,
        "date_precision": precision,
        "category": category,
        "actor1": actor1,
        "actor2": actor2,
        "fatalities": int(fatalities),
        "victims": int(victims),
        "victim_nationalities": nationalities,
        "notes": notes,
        "report_source": source,
        "report_ref": ref,
        "reliability": reliability,
        "credibility": credibility,
        "original_text": original,
    }
    try:
        if place.strip():
            town = resolve_town(_gazetteer(), place)
            values.update(lon=town.lon, lat=town.lat, location=town.name, geo_precision=1)
        elif point is not None:
            values.update(lon=point[0], lat=point[1], geo_precision=1)
        else:
            st.error("Click the map or type a town to say where it happened.")
            return
        incident = store.add(values, author=str(author))
    except RiskMapError as exc:
        chrome.show_user_error("The incident was not added.", str(exc))
        return
    st.session_state.pop(_POINT, None)
    _flash(f"Incident {incident} added to the log by {author}.")
    st.rerun()


_SHOWN = {
    "incident_id": "Id",
    "event_date": "Date",
    "category": "Category",
    "location": "Place",
    "fatalities": "Fatalities",
    "victims": "Victims",
    "reliability": "Reliability",
    "credibility": "Credibility",
    "author": "Last change by",
    "entered_at": "Last change (UTC)",
}
_HISTORY = {
    "revision": "Revision",
    "action": "Change",
    "author": "By",
    "entered_at": "When (UTC)",
    "reason": "Reason",
    "event_date": "Date",
    "category": "Category",
    "fatalities": "Fatalities",
    "victims": "Victims",
    "location": "Place",
    "lat": "Lat",
    "lon": "Lon",
    "notes": "Notes",
    "reliability": "Reliability",
    "credibility": "Credibility",
}


def _table_and_history(store: LogStore, rows: list[dict], editor: bool, author: str | None) -> None:
    st.markdown("**Current incidents**")
    if not rows:
        st.text("The log holds no incident yet.")
        return
    frame = pd.DataFrame(rows)[list(_SHOWN)].rename(columns=_SHOWN)
    st.dataframe(frame, hide_index=True, width="stretch")
    ids = [r["incident_id"] for r in rows]
    chosen = st.selectbox("Incident", ids, key="log.chosen", format_func=lambda i: f"#{i}")
    history = store.history(chosen)
    st.markdown(f"**History of incident {chosen}**")
    st.table(pd.DataFrame(history)[list(_HISTORY)].rename(columns=_HISTORY).set_index("Revision"))
    if editor:
        _edit_forms(store, history[-1], author)


def _edit_forms(store: LogStore, latest: dict, author: str | None) -> None:
    incident = latest["incident_id"]
    with st.form(f"log.edit.{incident}"):
        st.markdown(f"**Correct incident {incident}**")
        c1, c2, c3 = st.columns(3)
        day = c1.date_input(
            "Date", value=dt.date.fromisoformat(latest["event_date"]), key="log.edit.date"
        )
        category = c2.selectbox(
            "Category",
            CATEGORIES,
            index=CATEGORIES.index(latest["category"]),
            format_func=CATEGORY_LABELS.get,
            key="log.edit.category",
        )
        fatalities = c3.number_input(
            "Fatalities", 0, 100_000, int(latest["fatalities"]), key="log.edit.fatalities"
        )
        notes = st.text_area("Notes", value=latest["notes"], key="log.edit.notes")
        reliability, credibility = _grading_fields(
            "log.edit", latest["reliability"], int(latest["credibility"])
        )
        reason = st.text_input("Why this correction", key="log.edit.reason")
        sent = st.form_submit_button("Save the correction", disabled=author is None)
    if sent:
        changes = {
            "event_date": day,
            "category": category,
            "fatalities": int(fatalities),
            "notes": notes,
            "reliability": reliability,
            "credibility": credibility,
        }
        _write(
            lambda: store.edit(incident, changes, author=str(author), reason=reason),
            f"Incident {incident} corrected by {author}.",
        )
    with st.form(f"log.delete.{incident}"):
        reason = st.text_input("Why delete it", key="log.delete.reason")
        sent = st.form_submit_button("Delete incident", disabled=author is None)
    if sent:
        _write(
            lambda: store.delete(incident, author=str(author), reason=reason),
            f"Incident {incident} deleted by {author}; its history is kept.",
        )


def _write(action: Any, message: str) -> None:
    try:
        action()
    except RiskMapError as exc:
        chrome.show_user_error("Nothing was changed.", str(exc))
        return
    _flash(message)
    st.rerun()


def _import(store: LogStore, author: str | None) -> None:
    with st.expander("Import a file into the log (ACLED, UCDP or CSV)"):
        upload = st.file_uploader("File to import", type=list(UPLOAD_TYPES), key="log.import.file")
        if upload is None:
            return
        try:
            result = data.session_memo(
                "log.import.read",
                (upload.file_id, upload.size),
                lambda: ingest_upload(upload.getvalue(), name=upload.name),
            )
        except RiskMapError as exc:
            chrome.show_user_error("The file could not be read.", str(exc))
            return
        about.validation_report(result.report, expanded=True)
        n = len(result.incidents)
        if n == 0 or not st.button(
            f"Import {n:,} incidents (all of them or none)",
            key="log.import.go",
            disabled=author is None,
        ):
            return
        bar = st.progress(0.0, text="Importing...")
        try:
            ids = store.add_many(
                from_canonical(result.incidents),
                author=str(author),
                action="import",
                progress=lambda done, total: bar.progress(done / total, text="Importing..."),
            )
        except RiskMapError as exc:
            chrome.show_user_error("Nothing was imported.", str(exc))
            return
        _flash(f"{len(ids):,} incidents imported from {upload.name} by {author}.")
        st.rerun()


def _export(store: LogStore, rows: list[dict]) -> None:
    if not rows:
        return
    frame = store.current_frame()
    c1, c2 = st.columns(2)
    c1.download_button(
        "Export the log (GeoPackage)",
        data=table_bytes(frame, fmt="GPKG", layer="incident_log"),
        file_name=safe_export_name("incident-log", "gpkg"),
        mime="application/geopackage+sqlite3",
        key="log.export.gpkg",
    )
    c2.download_button(
        "Export the log (CSV)",
        data=table_bytes(frame.drop(columns="geometry"), fmt="CSV"),
        file_name=safe_export_name("incident-log", "csv"),
        mime="text/csv",
        key="log.export.csv",
    )
