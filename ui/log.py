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
from geo.i18n import Translator, gettext_noop
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
from ui.display import date_format, markdown_literal, styled
from ui.lang import tr

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
    t = tr()
    return st.toggle(
        t.gettext("Add the team's incident log"),
        key="data.log",
        help=t.gettext(
            "Counts the incidents your team recorded in the Incident log tab beside the "
            "data chosen above. An event found in both is counted once."
        ),
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


def _author(t: Translator) -> str | None:
    user = access.current_user()
    if user:
        st.caption(t.gettext("Changes are recorded under the name you signed in with:"))
        st.text(user)
        return user
    # Kept across tabs: Streamlit forgets a widget's value on a run that skips it.
    state.restore_widget(st.session_state, "log.author")
    name = st.text_input(
        t.gettext("Your name (recorded with every change)"),
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
    t = tr()
    store = _log()
    rows = store.current()
    editor = access.can_edit()
    st.subheader(t.gettext("Incident log"))
    st.caption(
        t.ngettext(
            "Stored in {name}: {n} current incident. A correction or a deletion adds a "
            'revision; nothing is overwritten. Switch on "Add the team\'s incident log" in '
            "the sidebar to count these incidents in the analyses.",
            "Stored in {name}: {n} current incidents. A correction or a deletion adds a "
            'revision; nothing is overwritten. Switch on "Add the team\'s incident log" in '
            "the sidebar to count these incidents in the analyses.",
            len(rows),
        ).format(name=store.name, n=t.number(len(rows)))
    )
    if _FLASH in st.session_state:
        st.success(t.gettext("The log was changed."))
        st.text(st.session_state.pop(_FLASH))
    if not editor:
        st.info(
            t.gettext("You can read the log. Only editors can add, change or import incidents.")
        )
    point = _map(store, rows, choices, t)
    author = _author(t) if editor else None
    if editor:
        _add_form(store, point, author, t)
    _table_and_history(store, rows, editor, author, t)
    if editor:
        _import(store, author, t)
    _export(store, rows, t)


def _map(
    store: LogStore, rows: list[dict], choices: Any, t: Translator
) -> tuple[float, float] | None:
    from ui.maps import view_map

    picked = st.session_state.get(_POINT)

    def build() -> list[Any]:
        # Drawn even when empty: the cluster plugin's scripts load with the first map,
        # so the first incident added later can be drawn on the live map.
        groups = [
            build_incidents(store.incidents(), name=t.gettext("Incident log"), legend=False, tr=t)
        ]
        if picked is not None:
            marker = folium.FeatureGroup(name=t.gettext("Chosen point"))
            folium.CircleMarker(
                location=[picked[1], picked[0]], radius=8, color="#000000", fill=False, weight=3
            ).add_to(marker)
            groups.append(marker)
        return groups

    # Cached per log version and point for this session only (the log is not public data).
    view = view_map(
        ("log", store.name, store.count_revisions(), picked, t.lang),
        build,
        private=True,
        layers=choices.layers,
        online_basemap=choices.online_basemap,
        credit=t.gettext("Incident log"),
        tr=t,
    )
    st.caption(t.gettext("Click the map to place a new incident, or type a town below."))
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


def _grading_fields(
    prefix: str, t: Translator, reliability: str = "F", credibility: int = 6
) -> tuple[str, int]:
    c1, c2 = st.columns(2)
    rel = c1.selectbox(
        t.gettext("Source reliability"),
        list(RELIABILITY),
        index=list(RELIABILITY).index(reliability),
        format_func=lambda k: f"{k}: {t.gettext(RELIABILITY[k])}",
        key=f"{prefix}.reliability",
    )
    cred = c2.selectbox(
        t.gettext("Information credibility"),
        list(CREDIBILITY),
        index=list(CREDIBILITY).index(credibility),
        format_func=lambda k: f"{k}: {t.gettext(CREDIBILITY[k])}",
        key=f"{prefix}.credibility",
    )
    return rel, int(cred)


def _add_form(
    store: LogStore, point: tuple[float, float] | None, author: str | None, t: Translator
) -> None:
    with st.form("log.add", clear_on_submit=True):
        st.markdown("**{}**".format(t.gettext("Add an incident")))
        where = (
            t.gettext("Point clicked on the map: {lat}° N, {lon}° E.").format(
                lat=t.number(point[1], 5), lon=t.number(point[0], 5)
            )
            if point
            else t.gettext("No point clicked on the map yet.")
        )
        st.caption(where)
        place = st.text_input(
            t.gettext("Or a town (any spelling, e.g. Kenieba)"), key="log.add.place"
        )
        c1, c2, c3 = st.columns(3)
        day = c1.date_input(
            t.gettext("Date"), value=dt.date.today(), format=date_format(t), key="log.add.date"
        )
        precision = c2.selectbox(
            t.gettext("Date precision"),
            DATE_PRECISIONS,
            format_func=lambda k: t.gettext(PRECISION_LABELS.get(k, k)),
            key="log.add.precision",
        )
        category = c3.selectbox(
            t.gettext("Category"),
            CATEGORIES,
            format_func=lambda c: t.gettext(CATEGORY_LABELS[c]),
            key="log.add.category",
        )
        c1, c2 = st.columns(2)
        actor1 = c1.text_input(t.gettext("Perpetrator (actor 1)"), key="log.add.actor1")
        actor2 = c2.text_input(t.gettext("Target (actor 2)"), key="log.add.actor2")
        c1, c2, c3 = st.columns(3)
        fatalities = c1.number_input(
            t.gettext("Fatalities"), 0, 100_000, 0, key="log.add.fatalities"
        )
        victims = c2.number_input(
            t.gettext("Victims (killed, wounded, abducted)"), 0, 100_000, 0, key="log.add.victims"
        )
        nationalities = c3.text_input(
            t.gettext("Victims' nationalities"), key="log.add.nationalities"
        )
        notes = st.text_area(t.gettext("Notes"), key="log.add.notes", max_chars=4000)
        c1, c2 = st.columns(2)
        source = c1.text_input(
            t.gettext("Reported by (guard, driver, partner...)"), key="log.add.source"
        )
        ref = c2.text_input(t.gettext("Report reference"), key="log.add.ref")
        reliability, credibility = _grading_fields("log.add", t)
        original = st.text_area(t.gettext("Original text of the report"), key="log.add.original")
        sent = st.form_submit_button(t.gettext("Add to the log"), disabled=author is None)
    if author is None:
        st.caption(t.gettext("Give your name above to add incidents."))
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
            st.error(t.gettext("Click the map or type a town to say where it happened."))
            return
        incident = store.add(values, author=str(author))
    except RiskMapError as exc:
        chrome.show_user_error(t.gettext("The incident was not added."), str(exc))
        return
    st.session_state.pop(_POINT, None)
    _flash(
        t.gettext("Incident {incident} added to the log by {author}.").format(
            incident=incident, author=author
        )
    )
    st.rerun()


#: Date precision of a log record (geo.log.records.DATE_PRECISIONS) as the form names it.
PRECISION_LABELS: dict[str, str] = {
    "day": gettext_noop("day"),
    "week": gettext_noop("week"),
    "month": gettext_noop("month"),
}
#: What a revision did (geo.log.records.ACTIONS) as the history names it.
ACTION_LABELS: dict[str, str] = {
    "add": gettext_noop("added"),
    "import": gettext_noop("imported"),
    "edit": gettext_noop("edited"),
    "delete": gettext_noop("deleted"),
}


_SHOWN = {
    "incident_id": gettext_noop("Id"),
    "event_date": gettext_noop("Date"),
    "category": gettext_noop("Category"),
    "location": gettext_noop("Place"),
    "fatalities": gettext_noop("Fatalities"),
    "victims": gettext_noop("Victims"),
    "reliability": gettext_noop("Reliability"),
    "credibility": gettext_noop("Credibility"),
    "author": gettext_noop("Last change by"),
    "entered_at": gettext_noop("Last change (UTC)"),
}
_HISTORY = {
    "revision": gettext_noop("Revision"),
    "action": gettext_noop("Action"),
    "author": gettext_noop("By"),
    "entered_at": gettext_noop("When (UTC)"),
    "reason": gettext_noop("Reason"),
    "event_date": gettext_noop("Date"),
    "category": gettext_noop("Category"),
    "fatalities": gettext_noop("Fatalities"),
    "victims": gettext_noop("Victims"),
    "location": gettext_noop("Place"),
    "lat": gettext_noop("Lat"),
    "lon": gettext_noop("Lon"),
    "notes": gettext_noop("Notes"),
    "reliability": gettext_noop("Reliability"),
    "credibility": gettext_noop("Credibility"),
}

#: History columns holding text a person typed (or our words), escaped for st.table.
_HISTORY_TEXT = ("action", "author", "entered_at", "reason", "category", "location", "notes")


def _shown(records: list[dict], columns: dict[str, str], t: Translator) -> pd.DataFrame:
    """Log records as a table: the chosen columns, words and headings in the page's language."""
    frame = pd.DataFrame(records)[list(columns)]
    frame["category"] = [t.gettext(CATEGORY_LABELS.get(c, str(c))) for c in frame["category"]]
    frame["event_date"] = pd.to_datetime(frame["event_date"]).dt.date
    if "action" in frame:
        frame["action"] = [t.gettext(ACTION_LABELS.get(a, str(a))) for a in frame["action"]]
    return frame.rename(columns={k: t.gettext(v) for k, v in columns.items()})


def _table_and_history(
    store: LogStore, rows: list[dict], editor: bool, author: str | None, t: Translator
) -> None:
    st.markdown("**{}**".format(t.gettext("Current incidents")))
    if not rows:
        st.text(t.gettext("The log holds no incident yet."))
        return
    date = t.gettext("Date")
    st.dataframe(
        styled(_shown(rows, _SHOWN, t), tr=t, dates=[date]), hide_index=True, width="stretch"
    )
    ids = [r["incident_id"] for r in rows]
    chosen = st.selectbox(
        t.gettext("Incident"), ids, key="log.chosen", format_func=lambda i: f"#{i}"
    )
    history = store.history(chosen)
    st.markdown("**{}**".format(t.gettext("History of incident {id}").format(id=chosen)))
    table = _shown(history, _HISTORY, t).set_index(t.gettext("Revision"))
    # st.table renders cells as Markdown: text from the log is escaped to read as typed.
    text = [t.gettext(_HISTORY[k]) for k in _HISTORY_TEXT]
    table[text] = table[text].map(lambda v: v if pd.isna(v) else markdown_literal(v))
    st.table(styled(table, tr=t, digits={t.gettext("Lat"): 5, t.gettext("Lon"): 5}, dates=[date]))
    if editor:
        _edit_forms(store, history[-1], author, t)


def _edit_forms(store: LogStore, latest: dict, author: str | None, t: Translator) -> None:
    incident = latest["incident_id"]
    with st.form(f"log.edit.{incident}"):
        st.markdown("**{}**".format(t.gettext("Correct incident {id}").format(id=incident)))
        c1, c2, c3 = st.columns(3)
        day = c1.date_input(
            t.gettext("Date"),
            value=dt.date.fromisoformat(latest["event_date"]),
            format=date_format(t),
            key="log.edit.date",
        )
        category = c2.selectbox(
            t.gettext("Category"),
            CATEGORIES,
            index=CATEGORIES.index(latest["category"]),
            format_func=lambda c: t.gettext(CATEGORY_LABELS[c]),
            key="log.edit.category",
        )
        fatalities = c3.number_input(
            t.gettext("Fatalities"),
            0,
            100_000,
            int(latest["fatalities"]),
            key="log.edit.fatalities",
        )
        notes = st.text_area(t.gettext("Notes"), value=latest["notes"], key="log.edit.notes")
        reliability, credibility = _grading_fields(
            "log.edit", t, latest["reliability"], int(latest["credibility"])
        )
        reason = st.text_input(t.gettext("Why this correction"), key="log.edit.reason")
        sent = st.form_submit_button(t.gettext("Save the correction"), disabled=author is None)
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
            t.gettext("Incident {incident} corrected by {author}.").format(
                incident=incident, author=author
            ),
            t,
        )
    with st.form(f"log.delete.{incident}"):
        reason = st.text_input(t.gettext("Why delete it"), key="log.delete.reason")
        sent = st.form_submit_button(t.gettext("Delete incident"), disabled=author is None)
    if sent:
        _write(
            lambda: store.delete(incident, author=str(author), reason=reason),
            t.gettext("Incident {incident} deleted by {author}; its history is kept.").format(
                incident=incident, author=author
            ),
            t,
        )


def _write(action: Any, message: str, t: Translator) -> None:
    try:
        action()
    except RiskMapError as exc:
        chrome.show_user_error(t.gettext("Nothing was changed."), str(exc))
        return
    _flash(message)
    st.rerun()


def _import(store: LogStore, author: str | None, t: Translator) -> None:
    with st.expander(t.gettext("Import a file into the log (ACLED, UCDP or CSV)")):
        upload = st.file_uploader(
            t.gettext("File to import"), type=list(UPLOAD_TYPES), key="log.import.file"
        )
        if upload is None:
            return
        try:
            result = data.session_memo(
                "log.import.read",
                (upload.file_id, upload.size),
                lambda: ingest_upload(upload.getvalue(), name=upload.name),
            )
        except RiskMapError as exc:
            chrome.show_user_error(t.gettext("The file could not be read."), str(exc))
            return
        about.validation_report(result.report, expanded=True)
        n = len(result.incidents)
        if n == 0 or not st.button(
            t.ngettext(
                "Import {n} incident (all of them or none)",
                "Import {n} incidents (all of them or none)",
                n,
            ).format(n=t.number(n)),
            key="log.import.go",
            disabled=author is None,
        ):
            return
        importing = t.gettext("Importing...")
        bar = st.progress(0.0, text=importing)
        try:
            ids = store.add_many(
                from_canonical(result.incidents),
                author=str(author),
                action="import",
                progress=lambda done, total: bar.progress(done / total, text=importing),
            )
        except RiskMapError as exc:
            chrome.show_user_error(t.gettext("Nothing was imported."), str(exc))
            return
        _flash(
            t.ngettext(
                "{n} incident imported from {file} by {author}.",
                "{n} incidents imported from {file} by {author}.",
                len(ids),
            ).format(n=t.number(len(ids)), file=upload.name, author=author)
        )
        st.rerun()


def _export(store: LogStore, rows: list[dict], t: Translator) -> None:
    if not rows:
        return
    frame = store.current_frame()
    c1, c2 = st.columns(2)
    c1.download_button(
        t.gettext("Export the log (GeoPackage)"),
        data=table_bytes(frame, fmt="GPKG", layer="incident_log"),
        file_name=safe_export_name("incident-log", "gpkg"),
        mime="application/geopackage+sqlite3",
        key="log.export.gpkg",
    )
    c2.download_button(
        t.gettext("Export the log (CSV)"),
        data=table_bytes(frame.drop(columns="geometry"), fmt="CSV"),
        file_name=safe_export_name("incident-log", "csv"),
        mime="text/csv",
        key="log.export.csv",
    )
