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
from geo.io.routes import read_routes
from geo.palette import EXPOSURE_CLASSES, EXPOSURE_COLORS
from geo.pipeline import Analysis
from geo.route_report import route_report, tie_rule_text
from geo.segments import segment_routes
from layers.routes import segment_ids
from ui import chrome, data, maps, selection
from ui.data import BUNDLED_KEY

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
    "dakar": "From Dakar: via Kayes (north) or via Kita/Kéniéba (south)",
    "abidjan": "From Abidjan: via Sikasso or via Odienné",
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
    st.subheader("Incident exposure along the corridors")
    chrome.provenance(analysis)
    analysis, own = _own_routes(analysis, dataset)
    summary = analysis.route_summary
    labels = dict(zip(summary["route_id"], summary["label"], strict=True))
    p = analysis.params
    st.caption(
        f"Each {p.segment_km:g} km segment sums the incidents within {p.buffer_km:g} km, "
        f"weighted by type, by distance to the road and by age (half-life "
        f"{p.half_life_days:g} days, counted back from {p.as_of}), per km. Low exposure "
        "means few reported incidents nearby, not that a stretch is safe. Incidents are "
        "drawn as on the Hotspots map (colour by category, dashed circles for approximate "
        "locations)."
    )

    selection.take_map_click(st.session_state, "routes", "map.routes")
    picked = selection.selected(st.session_state, "routes")
    segments = analysis.segments.assign(seg_id=segment_ids(analysis.segments))
    left, right = st.columns([3, 1], gap="medium")
    with left:
        view = maps.view_map(
            ("routes", dataset.key, analysis.filters, p, choices.layers, own),
            lambda: maps.routes_layers(analysis, layers=choices.layers, route_labels=labels),
            private=dataset.key != BUNDLED_KEY or bool(own),
            layers=choices.layers,
            online_basemap=choices.online_basemap,
            credit=maps.incident_credit(analysis),
            bounds=tuple(float(b) for b in analysis.segments.total_bounds),
            selected=segments.loc[segments["seg_id"] == picked, ["geometry"]],
        )
        maps.show_map(view, key="map.routes")
    with right:
        st.markdown("**Selected on the map**")
        picked = selection.choose(
            "routes",
            segment_options(segments, labels),
            label="Select a segment",
            placeholder="Choose a stretch, or click one on the map",
        )
        selection.show_details(
            lambda: segment_rows(segments, labels, picked),
            hint="Click a segment on the map, or choose one above, to see its km, nearest "
            "town and exposure here.",
        )
        st.markdown("**Exposure classes**")
        b = EXPOSURE_CLASS_BREAKS
        st.caption(
            f"Fixed classes of incident exposure per km: low under {b[0]:g}, medium "
            f"{b[0]:g} to {b[1]:g}, high {b[1]:g} to {b[2]:g}, critical {b[2]:g} or more. "
            "One unit is one attack on a convoy or one abduction on the road itself on the "
            "analysis date. The Route summary below gives the km of each route in each class."
        )

    st.subheader("Alternatives side by side")
    before = summary["as_of_before"].iloc[0] if len(summary) else None
    st.caption(f"Change: against the same analysis on {before} (30 days before).")
    groups = [g for g in pd.unique(summary["group"].astype(str)) if g.strip()]
    for group in groups:
        rows = summary[summary["group"].astype(str) == group]
        if len(rows) < 2:
            continue
        # A group named in the user's file is shown as plain text, never as Markdown.
        st.text(GROUP_LABELS.get(group, f"Alternatives: {group}"))
        rows = rows.sort_values("rank_in_group", kind="stable")
        cols = st.columns(len(rows))
        for col, (_, row) in zip(cols, rows.iterrows(), strict=True):
            with col:
                _route_card(row, len(rows))

    st.subheader("Exposure per km along each route")
    profile = profile_frame(analysis.segments, labels)
    if profile.empty:
        st.caption("No corridor segments.")
    else:
        # One y scale for every route, so that the charts compare at a glance.
        top = max(float(profile["exposure_per_km"].max()), 0.1) * 1.05
        st.caption(
            "Same vertical scale on every route. Dotted lines: towns within 3 km of the "
            "road. Bar colours: exposure classes as on the map (pale mauve low, pink "
            "medium, crimson high, dark wine critical)."
        )
        for route_id, label in labels.items():
            one = profile[profile["route_id"] == route_id]
            if one.empty:
                continue
            st.text(label)
            if not (one["exposure_per_km"] > 0).any():
                st.caption("No incident within the buffer of this route in the window.")
            st.altair_chart(profile_chart(one, y_max=top), width="stretch")

    st.subheader("Route summary")
    st.dataframe(summary_table(summary), hide_index=True, width="stretch")

    st.subheader("Worst stretches")
    stretches = stretches_table(analysis.worst_stretches, labels)
    if stretches.empty:
        st.caption("No stretch stands out: no incident near any corridor in this window.")
    else:
        st.dataframe(stretches, hide_index=True, width="stretch")


def segment_options(segments: pd.DataFrame, labels: dict[str, str]) -> dict[str, str]:
    """Every segment as the selection list names it, route by route from the origin.

    Examples
    --------
    >>> s = pd.DataFrame({"seg_id": ["r:0"], "route_id": ["r"], "km_from": [0.0],
    ...     "km_to": [5.0], "nearest_town": ["Kati"]})
    >>> segment_options(s, {"r": "Dakar-Bamako"})
    {'r:0': 'Dakar-Bamako, km 0–5 (near Kati)'}
    """
    return {
        sid: f"{labels.get(r, r)}, km {a:,.0f}–{b:,.0f} (near {t})"
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
    segments: pd.DataFrame, labels: dict[str, str], picked: str | None
) -> list[tuple[str, object]] | None:
    """Figures of the selected segment for the selection panel, or None."""
    row = segments[segments["seg_id"] == picked]
    if picked is None or row.empty:
        return None
    r = row.iloc[0]
    return [
        ("Route", labels.get(r["route_id"], r["route_id"])),
        ("Stretch", f"km {r['km_from']:,.0f}–{r['km_to']:,.0f}"),
        ("Nearest town", f"{r['nearest_town']} ({r['nearest_town_km']:,.1f} km)"),
        ("Incidents nearby", f"{int(r['n_incidents']):,}"),
        ("Incident exposure per km", f"{r['exposure_per_km']:.3f}"),
        ("Exposure class", str(r["exposure_class"])),
    ]


@st.cache_data(show_spinner="Reading your routes...", scope="session", max_entries=3)
def _read_own(digest: str, _data: bytes, name: str) -> tuple[gpd.GeoDataFrame | None, str | None]:
    try:
        return read_routes(_data, name=name), None
    except RiskMapError as exc:
        return None, str(exc)


@st.cache_data(show_spinner="Computing exposure along your routes...", scope="session")
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


def _own_routes(analysis: Any, dataset: Any) -> tuple[Any, str]:
    """Draw the own-routes uploader; return the analysis with the chosen routes, and their key."""
    upload = st.file_uploader(
        "Your own routes (this session only)",
        type=["geojson", "json", "gpkg", "zip"],
        key="routes.upload",
        help="Lines with a route_id column (and optionally label, group, origin, "
        "destination): GeoJSON, GeoPackage or a zipped shapefile, read by the same "
        "sandboxed reader as incident files. Routes sharing a group are compared as "
        "alternatives.",
    )
    if upload is None:
        return analysis, ""
    raw = upload.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    routes, problem = _read_own(digest, raw, upload.name)
    if routes is None:
        chrome.show_user_error("Your routes could not be used.", problem or "")
        return analysis, ""
    if not st.toggle("Show my routes instead of the bundled corridors", True, key="routes.own"):
        return analysis, ""
    segments, summary, stretches = _own_report(
        (digest, dataset.key), routes, analysis, analysis.filters, analysis.params
    )
    n = len(summary)
    if n == 1:
        st.caption("1 route read from your file.")
    else:
        st.caption(f"{n:,} routes read from your file.")
    own = dataclasses.replace(
        analysis, segments=segments, route_summary=summary, worst_stretches=stretches
    )
    return own, digest


def rank_text(row: pd.Series, n_routes: int) -> str:
    """Say where a route stands among its alternatives, by the figure the card leads with.

    Examples
    --------
    >>> rank_text(pd.Series({"rank_in_group": 1, "meaningful_difference": True}), 2)
    'Rank 1 of 2 by exposure over the trip (1 = least exposed).'
    >>> rank_text(pd.Series({"rank_in_group": 1, "meaningful_difference": False}), 2)
    ... # doctest: +ELLIPSIS
    'No meaningful difference between these 2 routes: the trip exposures differ by less...'
    """
    if pd.isna(row.get("rank_in_group")):
        return "No alternative to compare with."
    if not bool(row.get("meaningful_difference", True)):
        return f"No meaningful difference between these {n_routes} routes: {tie_rule_text()}"
    return (
        f"Rank {int(row['rank_in_group'])} of {n_routes} by exposure over the trip "
        "(1 = least exposed)."
    )


def _route_card(row: pd.Series, n_routes: int) -> None:
    with st.container(border=True):
        st.text(str(row["label"]))
        a, b = st.columns(2)
        with a:
            chrome.change_metric(
                "Exposure over the trip",
                f"{row['exposure_total']:,.1f}",
                _rounded(row["exposure_total_change"], 1),
                change_text=f"{row['exposure_total_change']:+,.1f}",
                description="",
                help="Incident exposure a vehicle accumulates over the whole route: the sum "
                "of every segment's exposure. The rank below uses this figure.",
            )
        with b:
            chrome.change_metric(
                "Per km",
                f"{row['mean_exposure_per_km']:.3f}",
                _rounded(row["mean_exposure_per_km_change"], 3),
                change_text=f"{row['mean_exposure_per_km_change']:+.3f}",
                description="",
                help="Exposure over the trip divided by the route's length.",
            )
        high = row["km_high"] + row["km_critical"]
        high_change = row["km_high_change"] + row["km_critical_change"]
        c, d = st.columns(2)
        with c:
            chrome.change_metric(
                "Km high or critical",
                f"{high:,.0f}",
                _rounded(high_change, 0),
                change_text=f"{high_change:+,.0f} km",
                description="",
            )
        with d:
            chrome.change_metric(
                "Incidents in buffer",
                f"{int(row['n_incidents']):,}",
                _rounded(row["n_incidents_change"], 0),
                change_text=f"{int(row['n_incidents_change']):+,}",
                description="",
            )
        st.caption(f"{row['length_km']:,.0f} km. {rank_text(row, n_routes)}")


def _rounded(value: float, digits: int) -> float | None:
    # A change that rounds to 0 at the shown precision is shown as no change.
    return None if pd.isna(value) else round(float(value), digits)


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per route: length, km in each exposure class, exposure per km, incidents.

    Parameters
    ----------
    summary : DataFrame
        :func:`geo.route_report.route_summary` output (``Analysis.route_summary``).

    Returns
    -------
    DataFrame
        Columns named for the page.
    """
    out = pd.DataFrame(
        {
            "Route": summary["label"].astype(str).to_numpy(),
            "Length (km)": summary["length_km"].round(0).to_numpy(),
        }
    )
    for c in EXPOSURE_CLASSES:
        out[f"km {c}"] = summary[f"km_{c}"].round(0).to_numpy()
    out["Mean exposure per km"] = summary["mean_exposure_per_km"].round(3).to_numpy()
    out["Peak exposure per km"] = summary["max_exposure_per_km"].round(3).to_numpy()
    out["Incidents in buffer"] = summary["n_incidents"].to_numpy()
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


def profile_chart(profile: pd.DataFrame, *, y_max: float) -> alt.LayerChart:
    classes = list(EXPOSURE_CLASSES)
    colors = [EXPOSURE_COLORS[c] for c in classes]
    bars = (
        alt.Chart(profile)
        .mark_bar()
        .encode(
            x=alt.X("km_from:Q", title="km from origin"),
            x2="km_to:Q",
            y=alt.Y(
                "exposure_per_km:Q",
                title="Exposure per km",
                scale=alt.Scale(domain=[0, y_max]),
                axis=alt.Axis(format=".2f", tickCount=3),
            ),
            color=alt.Color(
                "exposure_class:N",
                title="Class",
                scale=alt.Scale(domain=classes, range=colors),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("km_from:Q", title="km from", format=",.0f"),
                alt.Tooltip("km_to:Q", title="km to", format=",.0f"),
                alt.Tooltip("nearest_town:N", title="Nearest town"),
                alt.Tooltip("exposure_per_km:Q", title="Exposure per km", format=".3f"),
                alt.Tooltip("exposure_class:N", title="Class"),
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
    return alt.layer(rules, bars, names).properties(height=230)


def stretches_table(stretches: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Worst stretches as the page shows them.

    Parameters
    ----------
    stretches : DataFrame
        :func:`geo.route_report.worst_stretches` output.
    labels : dict
        Route labels by id.

    Returns
    -------
    DataFrame
        Route, rank, km from/to, towns, peak and mean exposure per km, class.
    """
    if stretches is None or stretches.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "Route": [labels.get(r, r) for r in stretches["route_id"]],
            "Rank": stretches["rank"].to_numpy(),
            "Stretch": stretches["label"].astype(str).to_numpy(),
            "km from": stretches["km_from"].to_numpy(),
            "km to": stretches["km_to"].to_numpy(),
            "Peak exposure per km": stretches["peak_exposure_per_km"].round(3).to_numpy(),
            "Mean exposure per km": stretches["mean_exposure_per_km"].round(3).to_numpy(),
            "Class": stretches["exposure_class"].astype(str).to_numpy(),
        }
    )
