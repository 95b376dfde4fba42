"""Assemble each view's map from :mod:`layers` builders, show it, and read back what was clicked.

The map of a view is the bundled vector basemap plus that view's analysis
layers, each made by its ``layers.build_<layer>`` function (which neutralises
every string); this module only chooses which layers a view shows, in which
order, and keeps the last map of each view in the session so that a rerun that
changed nothing for the map (a click, another tab) does not rebuild it.

``st_folium`` returns only the two objects the page reads, so panning and
zooming never rerun the script. The clicked feature's properties were written
by the layer builders through ``layers.safe`` (HTML entities); they are decoded
here and shown beside the map as a plain table, never as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import bundled
from geo.hotspots import kde_overlay
from layers.admin import build_admin
from layers.assets import inline_assets
from layers.basemap import build_basemap
from layers.gistar import build_gistar
from layers.hexes import build_hexes
from layers.incidents import build_incidents
from layers.kde import build_kde
from layers.map import add_attribution, add_layer_control, new_map
from layers.routes import build_routes
from layers.sites import build_sites

__all__ = [
    "RETURNED_OBJECTS",
    "ASSET_BASE_URL",
    "basemap_layers",
    "session_map",
    "hotspot_map",
    "routes_map",
    "sites_map",
    "standalone_html",
    "show_map",
    "clicked_properties",
    "properties_table",
]

#: Where Streamlit serves ``static/`` (``[server] enableStaticServing``); absolute,
#: because relative paths fail inside streamlit-folium's component frame.
ASSET_BASE_URL = "/app/static"

#: What the map sends back to the script (and so the only interactions that rerun it).
RETURNED_OBJECTS: list[str] = ["last_object_clicked", "last_active_drawing"]


def show_map(m: Any, *, key: str, height: int = 620) -> dict[str, Any] | None:
    """Draw ``m`` with streamlit-folium; return the properties of the clicked feature.

    Parameters
    ----------
    m : folium.Map
        A map made by ``layers.map.new_map`` and the ``layers`` builders.
    key : str
        Widget key (one per view, so each view keeps its own map state).
    height : int
        Height of the map in pixels.

    Returns
    -------
    dict or None
        Decoded properties of the last clicked feature, or None.
    """
    state = st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=RETURNED_OBJECTS,
    )
    return clicked_properties(state)


def clicked_properties(state: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return the decoded properties of ``last_active_drawing``, if any.

    Parameters
    ----------
    state : Mapping or None
        What ``st_folium`` returned.

    Returns
    -------
    dict or None
        Property name -> value, with the HTML entities of ``layers.safe``
        turned back into characters (for display as plain text).

    Examples
    --------
    >>> clicked_properties({"last_active_drawing": {"properties": {"name": "K&#233;ni&#233;ba"}}})
    {'name': 'Kéniéba'}
    >>> clicked_properties({"last_active_drawing": None}) is None
    True
    """
    if not state:
        return None
    drawing = state.get("last_active_drawing")
    if not isinstance(drawing, Mapping):
        return None
    props = drawing.get("properties")
    if not isinstance(props, Mapping) or not props:
        return None
    return {
        html.unescape(str(k)): html.unescape(v) if isinstance(v, str) else v
        for k, v in props.items()
    }


def properties_table(props: Mapping[str, Any]) -> pd.DataFrame:
    """Turn clicked properties into a two-column table for ``st.dataframe``.

    Parameters
    ----------
    props : Mapping
        Output of :func:`clicked_properties`.

    Returns
    -------
    DataFrame
        Columns ``field`` and ``value`` (values as text).

    Examples
    --------
    >>> properties_table({"n": 3, "name": "Kayes"}).to_dict("list")
    {'field': ['n', 'name'], 'value': ['3', 'Kayes']}
    """
    return pd.DataFrame(
        {
            "field": [str(k) for k in props],
            "value": ["" if v is None else str(v) for v in props.values()],
        }
    )


@st.cache_data(show_spinner=False, max_entries=1)
def basemap_layers() -> dict[str, gpd.GeoDataFrame]:
    """Load the bundled basemap layers once for all sessions (public data).

    Returns
    -------
    dict of str to GeoDataFrame
        The keys :func:`layers.basemap.build_basemap` draws, EPSG:4326.
    """
    # geo.bundled names the OSM highway class ``road_class``; the basemap builder reads ``class``.
    roads = bundled.load_roads().rename(columns={"road_class": "class"})
    return {
        "countries": bundled.load_countries(),
        "adm0": bundled.load_admin(0),
        "lakes": bundled.load_lakes(),
        "rivers": bundled.load_rivers(),
        "adm2": bundled.load_admin(2),
        "adm1": bundled.load_admin(1),
        "roads": roads,
        "towns": bundled.load_towns(),
    }


def _base(layers: Mapping[str, bool]) -> dict[str, gpd.GeoDataFrame]:
    base = basemap_layers()
    keys = ["countries", "adm0"]
    if layers.get("basemap", True):
        keys += ["lakes", "rivers", "roads", "towns"]
    if layers.get("admin", True):
        keys += ["adm2", "adm1"]
    return {k: base[k] for k in base if k in keys}


def session_map(view: str, key: Hashable, build: Callable[[], Any]) -> Any:
    """Return this session's map of ``view`` for ``key``, building it only when ``key`` changed.

    Parameters
    ----------
    view : str
        ``hotspots``, ``routes`` or ``sites``.
    key : hashable
        Everything the map depends on (data set, filters, parameters, layer switches).
    build : callable
        Makes the map when there is none for ``key``.

    Returns
    -------
    folium.Map
        Kept in ``st.session_state["map.cache"]`` (one map per view and session:
        never shared with another session).
    """
    cache = st.session_state.setdefault("map.cache", {})
    hit = cache.get(view)
    if hit is not None and hit[0] == key:
        return hit[1]
    m = build()
    cache[view] = (key, m)
    return m


def _finish(m: Any, credit: str) -> Any:
    add_layer_control(m, collapsed=True)
    add_attribution(m, credit)
    return m


def _incidents_layer(analysis: Any, *, show: bool) -> Any:
    return build_incidents(analysis.incidents, name="Incidents in the window", show=show)


def hotspot_map(
    analysis: Any, *, method: str, layers: Mapping[str, bool], online_basemap: bool, credit: str
) -> Any:
    """Basemap, the chosen hotspot layer, incidents, corridors and sites.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    method : str
        ``admin``, ``kde``, ``hex`` or ``gistar`` (see ``ui.state.HOTSPOT_METHODS``).
    layers : Mapping of str to bool
        Layer switches from the sidebar (``ui.state.LAYERS``).
    online_basemap : bool
        Add the OpenStreetMap tile layer (requests leave the machine).
    credit : str
        Attribution line for the map.

    Returns
    -------
    folium.Map
    """
    m = new_map(asset_base_url=ASSET_BASE_URL, online_basemap=online_basemap)
    build_basemap(_base(layers), name="Basemap").add_to(m)
    if layers.get("hotspots", True):
        _hotspot_layer(analysis, method).add_to(m)
    if layers.get("routes", True):
        build_routes(analysis.segments, name="Corridor exposure", show=False, legend=False).add_to(
            m
        )
    if layers.get("sites", True):
        build_sites(
            analysis.sites,
            name="Mines, factories, plants",
            key_sites_only=True,
            show=False,
            legend=False,
        ).add_to(m)
    if layers.get("incidents", True):
        _incidents_layer(analysis, show=True).add_to(m)
    return _finish(m, credit)


def _hotspot_layer(analysis: Any, method: str) -> Any:
    level = {1: "Region", 2: "Cercle"}.get(analysis.params.admin_level, "Region (2023)")
    if method == "kde":
        if analysis.kde is None:
            return build_admin(analysis.admin_stats, name="Incidents per unit", unit_label=level)
        image, bounds = kde_overlay(analysis.kde)
        return build_kde(
            image,
            bounds=bounds,
            name="Kernel density",
            note=f"bandwidth {analysis.params.kde_bandwidth_km:g} km",
        )
    if method == "hex":
        return build_hexes(analysis.hexes, name="Incidents per H3 cell")
    if method == "gistar" and analysis.gistar is not None:
        return build_gistar(analysis.gistar, name="Gi* hot and cold spots")
    return build_admin(analysis.admin_stats, name="Incidents per unit", unit_label=level)


def routes_map(
    analysis: Any,
    *,
    layers: Mapping[str, bool],
    online_basemap: bool,
    credit: str,
    route_labels: Mapping[str, str],
) -> Any:
    """Basemap, corridor segments coloured by exposure class, and the incidents used.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    layers : Mapping of str to bool
        Layer switches from the sidebar.
    online_basemap : bool
        Add the OpenStreetMap tile layer.
    credit : str
        Attribution line for the map.
    route_labels : Mapping of str to str
        Readable route names by ``route_id``.

    Returns
    -------
    folium.Map
    """
    m = new_map(
        bounds=analysis.segments.total_bounds,
        asset_base_url=ASSET_BASE_URL,
        online_basemap=online_basemap,
    )
    build_basemap(_base(layers), name="Basemap").add_to(m)
    p = analysis.params
    build_routes(
        analysis.segments,
        name="Corridor exposure",
        route_labels=dict(route_labels),
        note=f"{p.segment_km:g} km segments, incidents within {p.buffer_km:g} km, "
        f"half-life {p.half_life_days:g} days",
    ).add_to(m)
    if layers.get("incidents", True):
        _incidents_layer(analysis, show=True).add_to(m)
    return _finish(m, credit)


def sites_map(
    analysis: Any,
    *,
    layers: Mapping[str, bool],
    online_basemap: bool,
    credit: str,
    show_generic: bool,
) -> Any:
    """Basemap, sites coloured by exposure class, and the incidents.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    layers : Mapping of str to bool
        Layer switches from the sidebar.
    online_basemap : bool
        Add the OpenStreetMap tile layer.
    credit : str
        Attribution line for the map.
    show_generic : bool
        Also draw generic industrial areas (otherwise mines, factories and plants only).

    Returns
    -------
    folium.Map
    """
    m = new_map(asset_base_url=ASSET_BASE_URL, online_basemap=online_basemap)
    build_basemap(_base(layers), name="Basemap").add_to(m)
    build_sites(
        analysis.sites,
        name="Site exposure",
        key_sites_only=not show_generic,
        note=f"incidents within {analysis.params.site_radius_km:g} km",
    ).add_to(m)
    if layers.get("incidents", True):
        _incidents_layer(analysis, show=True).add_to(m)
    return _finish(m, credit)


def standalone_html(analysis: Any, *, method: str, with_incidents: bool) -> str:
    """Render one offline page with every layer of the analysis, assets inlined.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run to draw (already prepared for sharing if it is to be shared).
    method : str
        Hotspot method (``admin``, ``kde``, ``hex``, ``gistar``); falls back to
        admin units when the analysis has no such layer.
    with_incidents : bool
        Draw the incident layer.

    Returns
    -------
    str
        A self-contained HTML page (no online basemap, no outside request).
    """
    m = new_map(asset_base_url=ASSET_BASE_URL, minimal_assets=True)
    build_basemap(_base({}), name="Basemap").add_to(m)
    _hotspot_layer(analysis, method).add_to(m)
    build_routes(analysis.segments, name="Corridor exposure", show=True).add_to(m)
    build_sites(
        analysis.sites, name="Mines, factories, plants", key_sites_only=True, show=True
    ).add_to(m)
    if with_incidents:
        _incidents_layer(analysis, show=True).add_to(m)
    _finish(m, bundled.attribution_line())
    return inline_assets(m.get_root().render(), base_url=ASSET_BASE_URL)
