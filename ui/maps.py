"""Assemble each view's map from :mod:`layers` builders, show it, and read back what was clicked.

The map of a view is the bundled vector basemap plus that view's analysis
layers, each made by its ``layers.build_<layer>`` function (which neutralises
every string); this module only chooses which layers a view shows, in which
order, and caches each built map (a fresh copy per rerun, see :func:`cached_map`)
so that a rerun that changed nothing for the map does not rebuild it.

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
    "cached_map",
    "basemap_group",
    "incident_credit",
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


def show_map(m: Any, *, key: str, height: int = 600) -> dict[str, Any] | None:
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
    # render=False: st_folium renders the map itself once more right after; the
    # extra whole-page render it would do first costs about 0.3 s with the basemap.
    state = st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=RETURNED_OBJECTS,
        render=False,
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


def properties_table(
    props: Mapping[str, Any], fields: list[list[tuple[str, str]]] | None = None
) -> pd.DataFrame:
    """Turn clicked properties into a two-column table for ``st.dataframe``.

    Parameters
    ----------
    props : Mapping
        Output of :func:`clicked_properties`.
    fields : list of list of (str, str), optional
        Field labels of the map's layers (:func:`field_labels`). The layer
        whose keys best match ``props`` names the rows, in its tooltip order;
        keys it does not label (style indices) are left out.

    Returns
    -------
    DataFrame
        Columns ``field`` and ``value`` (values as text).

    Examples
    --------
    >>> properties_table({"n": 3, "name": "Kayes"}).to_dict("list")
    {'field': ['n', 'name'], 'value': ['3', 'Kayes']}
    >>> labels = [[("h", "H3 cell")], [("n", "Cercle"), ("i", "Incidents")]]
    >>> properties_table({"n": "Kayes", "s": 2, "i": 4}, labels).to_dict("list")
    {'field': ['Cercle', 'Incidents'], 'value': ['Kayes', '4']}
    """
    best = max(fields or [], key=lambda pairs: sum(k in props for k, _ in pairs), default=None)
    if best and any(k in props for k, _ in best):
        rows = [(label, props[k]) for k, label in best if k in props]
    else:
        rows = list(props.items())
    return pd.DataFrame(
        {
            "field": [str(k) for k, _ in rows],
            "value": ["" if v is None else str(v) for _, v in rows],
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


def _base_keys(layers: Mapping[str, bool]) -> tuple[str, ...]:
    keys = ["countries", "adm0"]
    if layers.get("basemap", True):
        keys += ["lakes", "rivers", "roads", "towns"]
    if layers.get("admin", True):
        keys += ["adm2", "adm1"]
    return tuple(keys)


def _base(layers: Mapping[str, bool]) -> dict[str, gpd.GeoDataFrame]:
    base = basemap_layers()
    keys = _base_keys(layers)
    return {k: base[k] for k in base if k in keys}


def cached_map(
    key: Hashable, build: Callable[[], Any], *, private: bool
) -> tuple[Any, list[list[tuple[str, str]]]]:
    """Return a fresh copy of the map for ``key`` and its field labels, building it once per key.

    ``st_folium`` mutates the map it draws (it renames every element), and a map
    drawn twice gains stale JavaScript and a new component key, so the widget
    would be rebuilt and lose the user's zoom on every rerun. ``st.cache_data``
    stores the built map pickled and returns a new, untouched copy on each call
    (about 15-80 ms against 0.4 s and more to build it): the page is identical
    from one rerun to the next, and streamlit-folium keeps the map in place.

    Parameters
    ----------
    key : hashable
        Everything the map depends on (view, data set, filters, parameters,
        layer switches).
    build : callable
        Makes the map.
    private : bool
        The map shows an upload: cache it for this session only.

    Returns
    -------
    folium.Map
        A copy nobody else holds.
    list of list of (str, str)
        For each clickable layer, its ``(property key, label)`` pairs as its
        tooltip shows them (see :func:`properties_table`).
    """
    if private:
        return _map_private(key, build)
    return _map_public(key, build)


@st.cache_data(show_spinner=False, max_entries=12)
def _map_public(key: Hashable, _build: Callable[[], Any]) -> tuple[Any, list]:
    m = _build()
    return m, field_labels(m)


@st.cache_data(show_spinner=False, scope="session", max_entries=6)
def _map_private(key: Hashable, _build: Callable[[], Any]) -> tuple[Any, list]:
    m = _build()
    return m, field_labels(m)


def field_labels(element: Any) -> list[list[tuple[str, str]]]:
    """Collect the ``(key, label)`` pairs of every layer's tooltip and popup in a map.

    Parameters
    ----------
    element : branca Element
        A map (or any element); its children are walked.

    Returns
    -------
    list of list of (str, str)
        One list per layer that declares ``tooltip_fields`` or ``popup_fields``
        (the layers of :mod:`layers` do); labels decoded from HTML entities.
    """
    found: list[list[tuple[str, str]]] = []
    pairs = [
        (str(k), html.unescape(str(label)))
        for attr in ("tooltip_fields", "popup_fields")
        for k, label in (getattr(element, attr, None) or ())
    ]
    if pairs:
        found.append(list(dict.fromkeys(pairs)))
    for child in getattr(element, "_children", {}).values():
        found.extend(field_labels(child))
    return found


def incident_credit(analysis: Any) -> str:
    """Return the map credit for the incidents drawn (the basemap credits itself).

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.

    Returns
    -------
    str
        E.g. ``"Incidents: UCDP GED 21.1 (CC BY 4.0)"``.
    """
    return "Incidents: " + ("; ".join(analysis.sources) or "none in this window")


def basemap_group(layers: Mapping[str, bool]) -> Any:
    """Return a fresh copy of the basemap layer for these switches (built once for all).

    Parameters
    ----------
    layers : Mapping of str to bool
        Layer switches (``admin`` and ``basemap`` choose the basemap's layers).

    Returns
    -------
    folium.FeatureGroup
        From :func:`layers.basemap.build_basemap`; public bundled data, so one
        build serves every session, each rerun getting its own unpickled copy.
    """
    return _basemap_copy(_base_keys(layers))


@st.cache_data(show_spinner=False, max_entries=4)
def _basemap_copy(keys: tuple[str, ...]) -> Any:
    base = basemap_layers()
    return build_basemap({k: base[k] for k in base if k in keys}, name="Basemap")


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
    basemap_group(layers).add_to(m)
    if layers.get("hotspots", True):
        _hotspot_layer(analysis, method).add_to(m)
    if layers.get("routes", False):
        build_routes(analysis.segments, name="Corridor exposure").add_to(m)
    if layers.get("sites", False):
        build_sites(analysis.sites, name="Mines, factories, plants", key_sites_only=True).add_to(m)
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
    basemap_group(layers).add_to(m)
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
    basemap_group(layers).add_to(m)
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
    basemap_group({}).add_to(m)
    _hotspot_layer(analysis, method).add_to(m)
    build_routes(analysis.segments, name="Corridor exposure", show=True).add_to(m)
    build_sites(
        analysis.sites, name="Mines, factories, plants", key_sites_only=True, show=True
    ).add_to(m)
    if with_incidents:
        _incidents_layer(analysis, show=True).add_to(m)
    _finish(m, incident_credit(analysis))
    return inline_assets(m.get_root().render(), base_url=ASSET_BASE_URL)
