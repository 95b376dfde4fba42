"""The Routes tab, for logistics planners: incident exposure along each fuel corridor.

The map colours each segment by exposure class; beside it, the clicked
segment. Below: the alternatives of each corridor side by side with the
change against 30 days before, the exposure profile along each route with
town names, the worst stretches and the route table. Everything comes from one
:class:`geo.pipeline.Analysis`; this module only lays it out.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.errors import RiskMapError
from geo.exposure import EXPOSURE_CLASS_BREAKS
from geo.i18n import Translator, gettext_noop
from geo.io.routes import read_routes
from geo.palette import EXPOSURE_CLASSES, EXPOSURE_COLORS
from geo.pipeline import Analysis
from geo.route_names import route_name
from geo.route_report import route_report, stretch_label, tie_rule_text
from geo.segments import segment_routes
from layers.routes import segment_ids
from ui import chrome, data, maps, selection
from ui.data import BUNDLED_KEY
from ui.display import ENGLISH, chart_locale, class_label, short, signed, styled
from ui.lang import tr

__all__ = [
    "GROUP_LABELS",
    "view",
    "summary_table",
    "profile_frame",
    "town_marks",
    "stretches_table",
    "segment_options",
    "segment_rows",
    "rank_text",
]

#: Corridor groups compared side by side.
GROUP_LABELS: dict[str, str] = {
    "dakar": gettext_noop("From Dakar: via Kayes (north) or via Kita/Kéniéba (south)"),
    "abidjan": gettext_noop("From Abidjan: via Sikasso or via Odienné"),
}


def view(analysis: Analysis, choices: Any, dataset: Any) -> None:
    """Draw the Routes tab.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    choices : ui.controls.Choices
        Sidebar choices (layer switches).
    dataset : ui.data.Dataset
        The data on screen (its key identifies the cached map).
    """
    t = tr()
    st.subheader(t.gettext("Incident exposure along the corridors"))
    chrome.provenance(analysis)
    analysis, own = _own_routes(analysis, dataset, t)
    summary = analysis.route_summary
    labels = {
        route_id: route_name(str(label), tr=t)
        for route_id, label in zip(summary["route_id"], summary["label"], strict=True)
    }
    p = analysis.params
    st.caption(
        t.gettext(
            "Each {segment} km segment sums the incidents within {buffer} km, weighted by "
            "type, by distance to the road and by age (half-life {days} days, counted back "
            "from {as_of}), per km. Low exposure means few reported incidents nearby, not "
            "that a stretch is safe. Incidents are drawn as on the Hotspots map "
            "(colour by category, dashed circles for approximate locations)."
        ).format(
            segment=short(p.segment_km, tr=t),
            buffer=short(p.buffer_km, tr=t),
            days=short(p.half_life_days, tr=t),
            as_of=t.date(p.as_of),
        )
    )

    selection.take_map_click(st.session_state, "routes", "map.routes")
    picked = selection.selected(st.session_state, "routes")
    segments = analysis.segments.assign(seg_id=segment_ids(analysis.segments))
    left, right = st.columns([3, 1], gap="medium")
    with left:
        view = maps.view_map(
            ("routes", dataset.key, analysis.filters, p, choices.layers, own, t.lang),
            lambda: maps.routes_layers(analysis, layers=choices.layers, route_labels=labels, tr=t),
            private=dataset.key != BUNDLED_KEY or bool(own),
            layers=choices.layers,
            online_basemap=choices.online_basemap,
            credit=maps.incident_credit(analysis, tr=t),
            bounds=tuple(float(b) for b in analysis.segments.total_bounds),
            selected=segments.loc[segments["seg_id"] == picked, ["geometry"]],
            tr=t,
        )
        maps.show_map(view, key="map.routes")
    with right:
        st.markdown("**{}**".format(t.gettext("Selected on the map")))
        picked = selection.choose(
            "routes",
            segment_options(segments, labels, tr=t),
            label=t.gettext("Select a segment"),
            placeholder=t.gettext("Choose a stretch, or click one on the map"),
        )
        selection.show_details(
            lambda: segment_rows(segments, labels, picked, tr=t),
            hint=t.gettext(
                "Click a segment on the map, or choose one above, to see its km, nearest "
                "town and exposure here."
            ),
        )
        st.markdown("**{}**".format(t.gettext("Exposure classes")))
        b = [short(x, tr=t) for x in EXPOSURE_CLASS_BREAKS]
        st.caption(
            t.gettext(
                "Fixed classes of incident exposure per km: low under {b0}, medium {b0} to "
                "{b1}, high {b1} to {b2}, critical {b2} or more. One unit is one attack on a "
                "convoy or one abduction on the road itself on the analysis date. The Route "
                "summary below gives the km of each route in each class."
            ).format(b0=b[0], b1=b[1], b2=b[2])
        )

    st.subheader(t.gettext("Alternatives side by side"))
    before = summary["as_of_before"].iloc[0] if len(summary) else None
    st.caption(
        t.gettext("Change: against the same analysis on {date} (30 days before).").format(
            date=t.date(pd.Timestamp(before).date()) if before is not None else "?"
        )
    )
    groups = [g for g in pd.unique(summary["group"].astype(str)) if g.strip()]
    for group in groups:
        rows = summary[summary["group"].astype(str) == group]
        if len(rows) < 2:
            continue
        # A group named in the user's file is shown as plain text, never as Markdown.
        st.text(
            t.gettext(GROUP_LABELS[group])
            if group in GROUP_LABELS
            else t.gettext("Alternatives: {group}").format(group=group)
        )
        rows = rows.sort_values("rank_in_group", kind="stable")
        cols = st.columns(len(rows))
        for col, (_, row) in zip(cols, rows.iterrows(), strict=True):
            with col:
                _route_card(row, len(rows), t)

    st.subheader(t.gettext("Exposure per km along each route"))
    profile = profile_frame(analysis.segments, labels)
    if profile.empty:
        st.caption(t.gettext("No corridor segments."))
    else:
        # One y scale for every route, so that the charts compare at a glance.
        top = max(float(profile["exposure_per_km"].max()), 0.1) * 1.05
        st.caption(
            t.gettext(
                "Same vertical scale on every route. Dotted lines: towns within 3 km of the "
                "road. Bar colours: exposure classes as on the map (pale mauve low, pink "
                "medium, crimson high, dark wine critical)."
            )
        )
        for route_id, label in labels.items():
            one = profile[profile["route_id"] == route_id]
            if one.empty:
                continue
            st.text(label)
            if not (one["exposure_per_km"] > 0).any():
                st.caption(t.gettext("No incident within the buffer of this route in the window."))
            st.altair_chart(profile_chart(one, y_max=top, tr=t), width="stretch")

    st.subheader(t.gettext("Route summary"))
    st.dataframe(
        _styled_exposure(summary_table(summary, tr=t), t), hide_index=True, width="stretch"
    )

    st.subheader(t.gettext("Worst stretches"))
    stretches = stretches_table(analysis.worst_stretches, labels, tr=t)
    if stretches.empty:
        st.caption(
            t.gettext("No stretch stands out: no incident near any corridor in this window.")
        )
    else:
        st.dataframe(_styled_exposure(stretches, t), hide_index=True, width="stretch")


def _styled_exposure(table: pd.DataFrame, t: Translator) -> Any:
    """Show exposure per km to 3 decimals and the rest of a route table as whole numbers."""
    per_km = (t.gettext("Mean exposure per km"), t.gettext("Peak exposure per km"))
    return styled(table, tr=t, digits=dict.fromkeys(per_km, 3))


def segment_options(
    segments: pd.DataFrame, labels: dict[str, str], *, tr: Translator = ENGLISH
) -> dict[str, str]:
    """Every segment as the selection list names it, route by route from the origin.

    Examples
    --------
    >>> s = pd.DataFrame({"seg_id": ["r:0"], "route_id": ["r"], "km_from": [0.0],
    ...     "km_to": [5.0], "nearest_town": ["Kati"]})
    >>> segment_options(s, {"r": "Dakar-Bamako"})
    {'r:0': 'Dakar-Bamako, km 0–5 (near Kati)'}
    """
    text = tr.gettext("{route}, km {km_from}–{km_to} (near {town})")
    return {
        sid: text.format(route=labels.get(r, r), km_from=tr.number(a), km_to=tr.number(b), town=t)
        for sid, r, a, b, t in zip(
            segments["seg_id"],
            segments["route_id"],
            segments["km_from"],
            segments["km_to"],
            segments["nearest_town"],
            strict=True,
        )
    }


def segment_rows(
    segments: pd.DataFrame,
    labels: dict[str, str],
    picked: str | None,
    *,
    tr: Translator = ENGLISH,
) -> list[tuple[str, object]] | None:
    """Figures of the selected segment for the selection panel, or None."""
    row = segments[segments["seg_id"] == picked]
    if picked is None or row.empty:
        return None
    r = row.iloc[0]
    t = tr
    return [
        (t.gettext("Route"), labels.get(r["route_id"], r["route_id"])),
        (
            t.gettext("Stretch"),
            "km {}–{}".format(t.number(r["km_from"]), t.number(r["km_to"])),
        ),
        (
            t.gettext("Nearest town"),
            "{} ({} km)".format(r["nearest_town"], t.number(r["nearest_town_km"], 1)),
        ),
        (t.gettext("Incidents nearby"), t.number(int(r["n_incidents"]))),
        (t.gettext("Incident exposure per km"), t.number(r["exposure_per_km"], 3)),
        (t.gettext("Exposure class"), class_label(r["exposure_class"], tr=t)),
    ]


@st.cache_data(show_spinner=False, scope="session", max_entries=3)
def _read_own(digest: str, _data: bytes, name: str) -> tuple[gpd.GeoDataFrame | None, str | None]:
    try:
        return read_routes(_data, name=name), None
    except RiskMapError as exc:
        return None, str(exc)


@st.cache_data(show_spinner=False, scope="session")
def _own_report(key: tuple[str, str], _routes: gpd.GeoDataFrame, _analysis: Any, filters, params):
    report = route_report(
        segment_routes(_routes, segment_km=params.segment_km, towns=data.context().towns),
        _analysis.incidents,
        routes=_routes,
        buffer_km=params.buffer_km,
        half_life_days=params.half_life_days,
        as_of=params.as_of,
        type_weights=dict(params.type_weights),
        distance_decay=params.distance_decay,
        imprecise=filters.imprecise,
    )
    return report.exposure.to_crs(4326), report.to_frame(), report.stretches


def _own_routes(analysis: Any, dataset: Any, t: Translator) -> tuple[Any, str]:
    """Draw the own-routes uploader; return the analysis with the chosen routes, and their key."""
    upload = st.file_uploader(
        t.gettext("Your own routes (this session only)"),
        type=["geojson", "json", "gpkg", "zip"],
        key="routes.upload",
        help=t.gettext(
            "Lines with a route_id column (and optionally label, group, origin, "
            "destination): GeoJSON, GeoPackage or a zipped shapefile, read by the same "
            "sandboxed reader as incident files. Routes sharing a group are compared as "
            "alternatives."
        ),
    )
    if upload is None:
        return analysis, ""
    raw = upload.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    with st.spinner(t.gettext("Reading your routes...")):
        routes, problem = _read_own(digest, raw, upload.name)
    if routes is None:
        chrome.show_user_error(t.gettext("Your routes could not be used."), problem or "")
        return analysis, ""
    if not st.toggle(
        t.gettext("Show my routes instead of the bundled corridors"), True, key="routes.own"
    ):
        return analysis, ""
    with st.spinner(t.gettext("Computing exposure along your routes...")):
        segments, summary, stretches = _own_report(
            (digest, dataset.key), routes, analysis, analysis.filters, analysis.params
        )
    n = len(summary)
    st.caption(
        t.ngettext("{n} route read from your file.", "{n} routes read from your file.", n).format(
            n=t.number(n)
        )
    )
    own = dataclasses.replace(
        analysis, segments=segments, route_summary=summary, worst_stretches=stretches
    )
    return own, digest


def rank_text(row: pd.Series, n_routes: int, *, tr: Translator = ENGLISH) -> str:
    """Say where a route stands among its alternatives, by the figure the card leads with.

    Examples
    --------
    >>> rank_text(pd.Series({"rank_in_group": 1, "meaningful_difference": True}), 2)
    'Rank 1 of 2 by exposure over the trip (1 = least exposed).'
    >>> rank_text(pd.Series({"rank_in_group": 1, "meaningful_difference": False}), 2)
    ... # doctest: +ELLIPSIS
    'No meaningful difference between these 2 routes: the trip exposures differ by less...'
    """
    t = tr
    if pd.isna(row.get("rank_in_group")):
        return t.gettext("No alternative to compare with.")
    if not bool(row.get("meaningful_difference", True)):
        return t.gettext("No meaningful difference between these {n} routes: {rule}").format(
            n=n_routes, rule=tie_rule_text(tr=t)
        )
    return t.gettext("Rank {rank} of {n} by exposure over the trip (1 = least exposed).").format(
        rank=int(row["rank_in_group"]), n=n_routes
    )


def _route_card(row: pd.Series, n_routes: int, t: Translator) -> None:
    with st.container(border=True):
        st.text(route_name(str(row["label"]), tr=t))
        a, b = st.columns(2)
        with a:
            chrome.change_metric(
                t.gettext("Exposure over the trip"),
                t.number(row["exposure_total"], 1),
                _rounded(row["exposure_total_change"], 1),
                change_text=_signed_change(row["exposure_total_change"], 1, t),
                description="",
                help=t.gettext(
                    "Incident exposure a vehicle accumulates over the whole route: the sum "
                    "of every segment's exposure. The rank below uses this figure."
                ),
            )
        with b:
            chrome.change_metric(
                t.gettext("Per km"),
                t.number(row["mean_exposure_per_km"], 3),
                _rounded(row["mean_exposure_per_km_change"], 3),
                change_text=_signed_change(row["mean_exposure_per_km_change"], 3, t),
                description="",
                help=t.gettext("Exposure over the trip divided by the route's length."),
            )
        high = row["km_high"] + row["km_critical"]
        high_change = row["km_high_change"] + row["km_critical_change"]
        c, d = st.columns(2)
        with c:
            chrome.change_metric(
                t.gettext("Km high or critical"),
                t.number(high),
                _rounded(high_change, 0),
                change_text=_signed_change(high_change, 0, t) + " km",
                description="",
            )
        with d:
            chrome.change_metric(
                t.gettext("Incidents in buffer"),
                t.number(int(row["n_incidents"])),
                _rounded(row["n_incidents_change"], 0),
                change_text=_signed_change(row["n_incidents_change"], 0, t),
                description="",
            )
        st.caption("{} km. {}".format(t.number(row["length_km"]), rank_text(row, n_routes, tr=t)))


def _signed_change(value: float, digits: int, t: Translator) -> str:
    return "" if pd.isna(value) else signed(float(value), digits, tr=t)


def _rounded(value: float, digits: int) -> float | None:
    # A change that rounds to 0 at the shown precision is shown as no change.
    return None if pd.isna(value) else round(float(value), digits)


def summary_table(summary: pd.DataFrame, *, tr: Translator = ENGLISH) -> pd.DataFrame:
    """One row per route: length, km in each exposure class, exposure per km, incidents.

    Parameters
    ----------
    summary : DataFrame
        :func:`geo.route_report.route_summary` output (``Analysis.route_summary``).
    tr : Translator
        The language of the headings and of the route names.

    Returns
    -------
    DataFrame
        Columns named for the page.
    """
    t = tr
    out = pd.DataFrame(
        {
            t.gettext("Route"): [route_name(str(label), tr=t) for label in summary["label"]],
            t.gettext("Length (km)"): summary["length_km"].round(0).to_numpy(),
        }
    )
    for c in EXPOSURE_CLASSES:
        heading = t.gettext("km {exposure_class}").format(exposure_class=class_label(c, tr=t))
        out[heading] = summary[f"km_{c}"].round(0).to_numpy()
    out[t.gettext("Mean exposure per km")] = summary["mean_exposure_per_km"].round(3).to_numpy()
    out[t.gettext("Peak exposure per km")] = summary["max_exposure_per_km"].round(3).to_numpy()
    out[t.gettext("Incidents in buffer")] = summary["n_incidents"].to_numpy()
    return out


def profile_frame(segments: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Exposure per km at each segment's midpoint, for the profile chart.

    Parameters
    ----------
    segments : DataFrame
        Segment exposure (``route_id``, ``km_from``, ``km_to``, ``exposure_per_km``,
        ``exposure_class``, ``nearest_town``, ``nearest_town_km``).
    labels : dict
        Route labels by id.

    Returns
    -------
    DataFrame
        ``route_id``, ``route``, ``km`` (segment midpoint), ``km_from``, ``km_to``,
        ``exposure_per_km``, ``exposure_class``, ``nearest_town``.
    """
    if segments.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "route_id": segments["route_id"].astype(str).to_numpy(),
            "route": [labels.get(r, r) for r in segments["route_id"]],
            "km": ((segments["km_from"] + segments["km_to"]) / 2).to_numpy(),
            "km_from": segments["km_from"].to_numpy(),
            "km_to": segments["km_to"].to_numpy(),
            "exposure_per_km": segments["exposure_per_km"].to_numpy(),
            "exposure_class": segments["exposure_class"].astype(str).to_numpy(),
            "nearest_town": segments["nearest_town"].astype(str).to_numpy(),
            "nearest_town_km": segments["nearest_town_km"].to_numpy(),
        }
    )


def town_marks(profile: pd.DataFrame, *, within_km: float = 3.0, min_gap_km: float = 60.0):
    """Towns the route passes through, spaced for labels along the profile's km axis.

    Parameters
    ----------
    profile : DataFrame
        One route of :func:`profile_frame`.
    within_km : float
        A town is "on the route" when a segment passes within this distance of it.
    min_gap_km : float
        Keep at most one label per this many km (the first town, then the next far enough).

    Returns
    -------
    DataFrame
        ``km`` and ``town`` of the labelled towns.

    Examples
    --------
    >>> p = pd.DataFrame({"km": [2.5, 7.5, 70.0], "nearest_town": ["A", "A", "B"],
    ...                   "nearest_town_km": [1.0, 0.5, 2.0]})
    >>> town_marks(p).to_dict("list")
    {'km': [7.5, 70.0], 'town': ['A', 'B']}
    """
    near = profile[profile["nearest_town_km"] <= within_km]
    closest = near.loc[near.groupby("nearest_town", sort=False)["nearest_town_km"].idxmin()]
    closest = closest.sort_values("km")
    kept_km: list[float] = []
    kept_town: list[str] = []
    for km, town in zip(closest["km"], closest["nearest_town"], strict=True):
        if not kept_km or km - kept_km[-1] >= min_gap_km:
            kept_km.append(float(km))
            kept_town.append(str(town))
    return pd.DataFrame({"km": kept_km, "town": kept_town})


def profile_chart(
    profile: pd.DataFrame, *, y_max: float, tr: Translator = ENGLISH
) -> alt.LayerChart:
    """Exposure per km along one route, bars coloured by class, towns marked.

    Parameters
    ----------
    profile : DataFrame
        One route of :func:`profile_frame`.
    y_max : float
        Top of the vertical scale (the same for every route on a page).
    tr : Translator
        The language of the titles, tooltips and numbers.

    Returns
    -------
    altair.LayerChart
    """
    t = tr
    classes = list(EXPOSURE_CLASSES)
    colors = [EXPOSURE_COLORS[c] for c in classes]
    per_km, klass = t.gettext("Exposure per km"), t.gettext("Class")
    profile = profile.assign(class_label=[class_label(c, tr=t) for c in profile["exposure_class"]])
    bars = (
        alt.Chart(profile)
        .mark_bar()
        .encode(
            x=alt.X("km_from:Q", title=t.gettext("km from origin")),
            x2="km_to:Q",
            y=alt.Y(
                "exposure_per_km:Q",
                title=per_km,
                scale=alt.Scale(domain=[0, y_max]),
                axis=alt.Axis(format=".2f", tickCount=3),
            ),
            color=alt.Color(
                "exposure_class:N",
                title=klass,
                scale=alt.Scale(domain=classes, range=colors),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("km_from:Q", title=t.gettext("km from"), format=",.0f"),
                alt.Tooltip("km_to:Q", title=t.gettext("km to"), format=",.0f"),
                alt.Tooltip("nearest_town:N", title=t.gettext("Nearest town")),
                alt.Tooltip("exposure_per_km:Q", title=per_km, format=".3f"),
                alt.Tooltip("class_label:N", title=klass),
            ],
        )
    )
    towns = town_marks(profile)
    rules = alt.Chart(towns).mark_rule(color="#999999", strokeDash=[2, 3]).encode(x="km:Q")
    names = (
        alt.Chart(towns)
        .mark_text(angle=270, align="left", baseline="middle", dx=4, fontSize=10, color="#444444")
        .encode(x="km:Q", y=alt.value(0), text="town:N")
    )
    return alt.layer(rules, bars, names).properties(height=230).configure(locale=chart_locale(t))


def stretches_table(
    stretches: pd.DataFrame, labels: dict[str, str], *, tr: Translator = ENGLISH
) -> pd.DataFrame:
    """Worst stretches as the page shows them.

    Parameters
    ----------
    stretches : DataFrame
        :func:`geo.route_report.worst_stretches` output.
    labels : dict
        Route labels by id.
    tr : Translator
        The language of the headings and classes.

    Returns
    -------
    DataFrame
        Route, rank, km from/to, towns, peak and mean exposure per km, class.
    """
    if stretches is None or stretches.empty:
        return pd.DataFrame()
    t = tr
    return pd.DataFrame(
        {
            t.gettext("Route"): [labels.get(r, r) for r in stretches["route_id"]],
            t.gettext("Rank"): stretches["rank"].to_numpy(),
            t.gettext("Stretch"): [
                stretch_label(r.town_from, r.town_to, r.km_from, r.km_to, tr=t)
                for r in stretches.itertuples(index=False)
            ],
            t.gettext("km from"): stretches["km_from"].to_numpy(),
            t.gettext("km to"): stretches["km_to"].to_numpy(),
            t.gettext("Peak exposure per km"): stretches["peak_exposure_per_km"]
            .round(3)
            .to_numpy(),
            t.gettext("Mean exposure per km"): stretches["mean_exposure_per_km"]
            .round(3)
            .to_numpy(),
            t.gettext("Class"): [class_label(c, tr=t) for c in stretches["exposure_class"]],
        }
    )
