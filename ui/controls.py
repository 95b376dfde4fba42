"""Sidebar widgets: every control of the page, turned into one ``Filters`` and one ``Params``.

Each widget owns its value through a namespaced ``key=`` seeded by
:mod:`ui.state`; this module reads the values back and builds the frozen
records that :func:`geo.pipeline.run_analysis` takes, so every control reaches
the map and the tables through the same call.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import streamlit as st

from geo.i18n import gettext_noop
from geo.pipeline import Filters, Params
from geo.schema import CATEGORIES, CATEGORY_LABELS, SOURCE_LABELS
from ui.display import date_format
from ui.lang import tr
from ui.state import (
    ADMIN_LEVELS,
    CHOROPLETH_MEASURES,
    GISTAR_UNITS,
    HOTSPOT_HELP,
    HOTSPOT_METHODS,
    LAYERS,
)

__all__ = [
    "DataBounds",
    "Choices",
    "UPLOAD_TYPES",
    "DATE_PRESETS",
    "preset_range",
    "matching_preset",
    "data_source_controls",
    "analysis_controls",
    "choices_from_state",
]

#: Quick windows beside the date range: value -> label (days up to the data's newest date).
DATE_PRESETS: dict[str, str] = {
    "7": gettext_noop("7 days"),
    "30": gettext_noop("30 days"),
    "90": gettext_noop("90 days"),
    "180": gettext_noop("180 days"),
    "365": gettext_noop("365 days"),
    "all": gettext_noop("All data"),
}

#: File types the uploader accepts (checked again by content in geo.io).
UPLOAD_TYPES: tuple[str, ...] = ("csv", "geojson", "json", "gpkg", "zip", "xlsx", "parquet")


@dataclass(frozen=True)
class DataBounds:
    """What the loaded data set allows the controls to offer."""

    oldest: date
    newest: date
    sources: tuple[str, ...]
    actors: tuple[str, ...]


@dataclass(frozen=True)
class Choices:
    """Everything the sidebar decided, for one rerun."""

    filters: Filters
    params: Params
    method: str
    measure: str
    layers: Mapping[str, bool]
    online_basemap: bool


def data_source_controls() -> Any:
    """Draw the data-source switch and, for "My file", the uploader.

    Returns
    -------
    streamlit.runtime.uploaded_file_manager.UploadedFile or None
        The uploaded file when the user chose their own file and gave one.
    """
    t = tr()
    sources = {
        "bundled": t.gettext("Bundled data"),
        "upload": t.gettext("My file (this session only)"),
    }
    st.radio(
        t.gettext("Data"),
        options=["bundled", "upload"],
        format_func=sources.get,
        key="data.source",
        horizontal=True,
        help=t.gettext(
            "Bundled: UCDP GED 21.1 and a news-compiled log. My file: an ACLED or "
            "UCDP export, GeoJSON, GeoPackage or zipped shapefile, kept in this session only."
        ),
    )
    uploaded = st.file_uploader(
        t.gettext("Incident file (used with My file)"),
        type=list(UPLOAD_TYPES),
        key="data.upload",
        help=t.gettext(
            "CSV (ACLED or UCDP as downloaded), GeoJSON, GeoPackage or a zipped "
            "shapefile. Nothing leaves this machine; the file is dropped when you close the tab."
        ),
    )
    return uploaded if st.session_state["data.source"] == "upload" else None


def analysis_controls(bounds: DataBounds) -> Choices:
    """Draw the filter, method, parameter and layer widgets; return what they say.

    Parameters
    ----------
    bounds : DataBounds
        Date span, sources and actors of the data set on screen.

    Returns
    -------
    Choices
        Filters, parameters, hotspot method and layer switches for this rerun.
    """
    t = tr()
    st.subheader(t.gettext("Window and filters"))
    st.date_input(
        t.gettext("Date range"),
        min_value=bounds.oldest,
        max_value=bounds.newest,
        key="filters.date_range",
        format=date_format(t),
        help=t.gettext(
            "Both ends included. The default is the last 180 days of the data's newest "
            "date. Changes against the previous period compare with the window of equal "
            "length just before this one."
        ),
    )
    st.session_state["filters.preset"] = matching_preset(
        st.session_state["filters.date_range"], oldest=bounds.oldest, newest=bounds.newest
    )
    st.pills(
        t.gettext("Quick window"),
        options=list(DATE_PRESETS),
        format_func=lambda p: t.gettext(DATE_PRESETS[p]),
        key="filters.preset",
        on_change=_apply_preset,
        args=(st.session_state, bounds.oldest, bounds.newest),
        help=t.gettext(
            "The last days up to the data's newest date ({date}), not up to "
            "today: a file that ends earlier keeps its own end."
        ).format(date=t.date(bounds.newest)),
    )
    st.multiselect(
        t.gettext("Categories"),
        options=list(CATEGORIES),
        format_func=lambda c: t.gettext(CATEGORY_LABELS[c]),
        key="filters.categories",
        placeholder=t.gettext("No category: choose at least one"),
        help=t.gettext("Harmonised event classes (see About / Data for the mapping)."),
    )
    every = len(st.session_state["filters.categories"]) == len(CATEGORIES)
    st.button(
        t.gettext("All categories"),
        on_click=_all_categories,
        args=(st.session_state,),
        disabled=every,
        help=t.gettext("Every category is already chosen.")
        if every
        else t.gettext("Choose every category again."),
    )
    if not st.session_state["filters.categories"]:
        st.warning(
            t.gettext("No category is chosen, so no incident is shown. Click All categories.")
        )
    st.multiselect(
        t.gettext("Sources"),
        options=list(bounds.sources),
        format_func=lambda s: t.gettext(SOURCE_LABELS[s]) if s in SOURCE_LABELS else s,
        key="filters.sources",
        placeholder=t.gettext("No source: choose at least one"),
    )
    st.multiselect(
        t.gettext("Actors (name contains)"),
        options=list(bounds.actors),
        key="filters.actors",
        accept_new_options=True,
        placeholder=t.gettext("All actors"),
        help=t.gettext(
            "Keep events whose first or second actor contains one of these words "
            "(case-insensitive). Type to add your own."
        ),
    )
    st.checkbox(
        t.gettext("Include imprecise locations in density maps"),
        key="filters.include_imprecise",
        help=t.gettext(
            "Events located only to a region or cercle centroid make false peaks at "
            "admin capitals. They always count in admin totals; by default they are left "
            "out of KDE, hexes and Gi*, and the number left out is shown beside every result."
        ),
    )
    st.radio(
        t.gettext("Imprecise locations in route and site exposure"),
        options=["spread", "drop"],
        format_func={
            "spread": t.gettext("Spread over their area or road"),
            "drop": t.gettext("Drop them"),
        }.get,
        key="filters.imprecise",
        horizontal=True,
        help=t.gettext(
            "An event reported near a town, in a cercle or between two towns is spread "
            "over a 25 km disc, the cercle or the road between the towns (its expected "
            "contribution), or left out. Every result says how many events were spread."
        ),
    )

    st.subheader(t.gettext("Hotspots"))
    st.selectbox(
        t.gettext("Method"),
        options=list(HOTSPOT_METHODS),
        format_func=lambda m: t.gettext(HOTSPOT_METHODS[m]),
        key="hotspots.method",
        help=t.gettext(HOTSPOT_HELP),
    )
    st.selectbox(
        t.gettext("Colour units by"),
        options=list(CHOROPLETH_MEASURES),
        format_func=lambda m: t.gettext(CHOROPLETH_MEASURES[m]),
        key="hotspots.measure",
        help=t.gettext(
            "Count: incidents in the window. Rate: incidents per 1,000 km², so large "
            "units do not look worse for their size. Change: incidents in the window minus "
            "those of the window of equal length before it, in fixed classes (which units "
            "are getting worse). Counts and rates use head/tail breaks, so the top class "
            "holds only the extremes; the legend gives the ranges."
        ),
    )
    st.selectbox(
        t.gettext("Admin level"),
        options=list(ADMIN_LEVELS),
        format_func=lambda level: t.gettext(ADMIN_LEVELS[level]),
        key="params.admin_level",
    )
    # Every widget is drawn on every run (some inside a closed expander): Streamlit
    # forgets the value of a keyed widget that is skipped for one run.
    with st.expander(t.gettext("Method parameters")):
        st.slider(
            t.gettext("Density smoothing distance (km)"),
            2.0,
            60.0,
            step=1.0,
            key="params.kde_bandwidth_km",
            format="%.0f",
            help=t.gettext(
                "The KDE bandwidth: the spread of each incident's bump on the density "
                "surface. Larger values give smoother, wider hot areas."
            ),
        )
        st.select_slider(
            t.gettext("Density grid cell (m)"),
            options=[500.0, 1000.0, 2000.0, 5000.0],
            key="params.kde_cell_m",
            format_func=t.number,
            help=t.gettext("Cell size of the KDE raster; smaller cells are finer and slower."),
        )
        st.slider(
            t.gettext("Hexagon size (H3 resolution)"),
            4,
            7,
            key="params.hex_resolution",
            help=t.gettext(
                "H3 resolution: 4 ≈ 1,770 km², 5 ≈ 250 km², 6 ≈ 36 km², 7 ≈ 5 km² per cell."
            ),
        )
        st.selectbox(
            t.gettext("Gi* on"),
            options=list(GISTAR_UNITS),
            format_func=lambda u: t.gettext(GISTAR_UNITS[u]),
            key="params.gistar_on",
        )
        st.slider(
            t.gettext("Gi* hex study area: reach around events (km)"),
            10.0,
            200.0,
            step=10.0,
            key="params.gistar_hex_reach_km",
            format="%.0f",
            help=t.gettext(
                "Gi* on hexagons compares each cell with the empty cells around the "
                "events, up to this distance, not with the whole of Mali."
            ),
        )
        st.select_slider(
            t.gettext("Gi* significance level"),
            options=[0.01, 0.05, 0.10],
            key="params.gistar_alpha",
            format_func=lambda v: t.number(v, 2),
        )
        st.checkbox(
            t.gettext("Gi* false-discovery-rate correction (Benjamini-Hochberg)"),
            key="params.gistar_fdr",
        )

    st.subheader(t.gettext("Route and site exposure"))
    with st.expander(t.gettext("Exposure parameters"), expanded=True):
        st.slider(
            t.gettext("Distance from the road that counts (km)"),
            5.0,
            100.0,
            step=5.0,
            key="params.buffer_km",
            format="%.0f",
            help=t.gettext(
                "The buffer: incidents within this distance of a route segment count "
                "towards its exposure, weighted less the farther they are."
            ),
        )
        st.slider(
            t.gettext("Days until an incident counts half (half-life)"),
            15.0,
            365.0,
            step=15.0,
            key="params.half_life_days",
            format="%.0f",
            help=t.gettext(
                "An incident this many days old counts half as much as one on the "
                "analysis date, one twice as old a quarter: recent events weigh more."
            ),
        )
        st.select_slider(
            t.gettext("Segment length (km)"),
            options=[1.0, 2.0, 5.0, 10.0, 20.0],
            key="params.segment_km",
            format_func=t.number,
            help=t.gettext(
                "Routes are cut into pieces of this length; each piece gets its own figure."
            ),
        )
        st.slider(
            t.gettext("Distance around a site that counts (km)"),
            5.0,
            100.0,
            step=5.0,
            key="params.site_radius_km",
            format="%.0f",
            help=t.gettext("The site radius: incidents within it count for the site."),
        )
        follows = st.checkbox(
            t.gettext("Analysis date = end of window"),
            key="params.as_of_follows_window",
            help=t.gettext(
                "Ages for the half-life and the site windows count back from this date."
            ),
        )
        if follows:
            st.session_state["params.as_of"] = _window(
                st.session_state["filters.date_range"], st.session_state["filters.last_window"]
            )[1]
        st.date_input(
            t.gettext("Analysis date (as of)"),
            key="params.as_of",
            disabled=follows,
            format=date_format(t),
        )

    st.subheader(t.gettext("Map"))
    for layer, label in LAYERS.items():
        st.checkbox(t.gettext(label), key=f"map.layer.{layer}")
    st.toggle(
        t.gettext("Online basemap (sends requests to tile servers)"),
        key="map.online_basemap",
        help=t.gettext(
            "Off: the map uses only bundled data and makes no outside request. On: "
            "tile servers learn which area you are looking at."
        ),
    )
    return choices_from_state(st.session_state)


def preset_range(preset: str, *, oldest: date, newest: date) -> tuple[date, date]:
    """Return the date range of a quick-window choice, ending on the data's newest date.

    Examples
    --------
    >>> preset_range("7", oldest=date(2025, 1, 1), newest=date(2025, 11, 15))
    (datetime.date(2025, 11, 9), datetime.date(2025, 11, 15))
    >>> preset_range("all", oldest=date(2025, 1, 1), newest=date(2025, 11, 15))
    (datetime.date(2025, 1, 1), datetime.date(2025, 11, 15))
    """
    if preset == "all":
        return oldest, newest
    return max(oldest, newest - timedelta(days=int(preset) - 1)), newest


def matching_preset(value: Any, *, oldest: date, newest: date) -> str | None:
    """Return the quick-window choice that gives exactly the range on screen, if one does.

    Examples
    --------
    >>> matching_preset((date(2025, 11, 9), date(2025, 11, 15)), oldest=date(2025, 1, 1),
    ...                 newest=date(2025, 11, 15))
    '7'
    >>> matching_preset((date(2025, 11, 1), date(2025, 11, 15)), oldest=date(2025, 1, 1),
    ...                 newest=date(2025, 11, 15)) is None
    True
    """
    if isinstance(value, date) or len(tuple(value)) != 2:
        return None
    for preset in DATE_PRESETS:
        if tuple(value) == preset_range(preset, oldest=oldest, newest=newest):
            return preset
    return None


def _apply_preset(state: MutableMapping[str, Any], oldest: date, newest: date) -> None:
    preset = state.get("filters.preset")
    if preset:
        state["filters.date_range"] = preset_range(preset, oldest=oldest, newest=newest)


def _all_categories(state: MutableMapping[str, Any]) -> None:
    state["filters.categories"] = list(CATEGORIES)


def _window(value: Sequence[date] | date, fallback: tuple[date, date]) -> tuple[date, date]:
    # While a user is picking a range, date_input holds only its first end.
    if isinstance(value, date):
        return fallback
    ends = tuple(value)
    if len(ends) == 2 and ends[0] is not None and ends[1] is not None:
        return min(ends), max(ends)
    return fallback


def choices_from_state(state: MutableMapping[str, Any]) -> Choices:
    """Build :class:`Choices` from the session state the widgets wrote.

    Parameters
    ----------
    state : MutableMapping
        ``st.session_state`` after the sidebar ran; ``filters.last_window``
        is updated to the last complete date range.

    Returns
    -------
    Choices
        Frozen filters and parameters (hashable, so usable as cache keys).
    """
    start, end = _window(state["filters.date_range"], state["filters.last_window"])
    state["filters.last_window"] = (start, end)
    categories = tuple(state["filters.categories"])
    sources = tuple(state["filters.sources"])
    actors = tuple(a.strip() for a in state["filters.actors"] if str(a).strip())
    filters = Filters(
        start=start,
        end=end,
        categories=categories,
        sources=sources,
        actors=actors or None,
        include_imprecise=bool(state["filters.include_imprecise"]),
        imprecise=str(state["filters.imprecise"]),
    )
    as_of = end if state["params.as_of_follows_window"] else state["params.as_of"]
    params = Params(
        as_of=as_of,
        admin_level=state["params.admin_level"],
        kde_bandwidth_km=float(state["params.kde_bandwidth_km"]),
        kde_cell_m=float(state["params.kde_cell_m"]),
        hex_resolution=int(state["params.hex_resolution"]),
        gistar_alpha=float(state["params.gistar_alpha"]),
        gistar_fdr=bool(state["params.gistar_fdr"]),
        gistar_on=str(state["params.gistar_on"]),
        gistar_hex_reach_km=float(state["params.gistar_hex_reach_km"]),
        buffer_km=float(state["params.buffer_km"]),
        half_life_days=float(state["params.half_life_days"]),
        segment_km=float(state["params.segment_km"]),
        site_radius_km=float(state["params.site_radius_km"]),
    )
    return Choices(
        filters=filters,
        params=params,
        method=str(state["hotspots.method"]),
        measure=str(state["hotspots.measure"]),
        layers={k: bool(state[f"map.layer.{k}"]) for k in LAYERS},
        online_basemap=bool(state["map.online_basemap"]),
    )
