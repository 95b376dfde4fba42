"""Assemble each view's map from :mod:`layers` builders, show it, and read back what was clicked.

A view's map is two parts, both made by :mod:`layers` (which neutralises every
string); this module only chooses which layers a view shows and in which order:

- the *base map* (``layers.map.new_map``, the bundled vector basemap, the
  credit line), identical from one filter change to the next, so
  streamlit-folium keeps the Leaflet map in place (and the user's zoom) instead
  of rebuilding it and re-reading the whole basemap in the browser;
- the *analysis layers* (hotspots, incidents, corridors, sites), handed to
  ``st_folium(feature_group_to_add=...)``, which swaps them on the live map.

Both are cached (:func:`cached_layers`): a rerun gets a fresh, unpickled copy,
because ``st_folium`` renames the elements of whatever it draws.

``st_folium`` returns only the two objects the page reads, so panning and
zooming never rerun the script; :mod:`ui.selection` reads the clicked
feature's ``id`` from them and the views show that feature's figures from the
analysis, as a plain table, never as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from geo.i18n import Translator, translator
from geo.io import bundled
from geo.pipeline import Analysis
from geo.provenance import build_provenance, provenance_lines
from geo.settings import DEFAULTS
from layers.admin import build_admin
from layers.assets import inline_assets, use_local_assets
from layers.basemap import build_basemap
from layers.gistar import build_gistar
from layers.hexes import build_hexes
from layers.incident_cells import build_incident_cells
from layers.incidents import build_incidents
from layers.kde import build_kde
from layers.map import add_attribution, add_layer_control, add_page_info, new_map
from layers.routes import build_routes
from layers.selection import build_selection
from layers.sites import build_sites
from ui.display import ENGLISH, short, unit_level

__all__ = [
    "RETURNED_OBJECTS",
    "ASSET_BASE_URL",
    "ViewMap",
    "view_map",
    "basemap_layers",
    "basemap_group",
    "base_map",
    "cached_layers",
    "incident_credit",
    "hotspot_layers",
    "routes_layers",
    "sites_layers",
    "standalone_html",
    "show_map",
]

#: Where Streamlit serves ``static/`` (``[server] enableStaticServing``); absolute,
#: because relative paths fail inside streamlit-folium's component frame.
ASSET_BASE_URL = "/app/static"

#: What the map sends back to the script (and so the only interactions that rerun it).
RETURNED_OBJECTS: list[str] = ["last_object_clicked", "last_active_drawing"]


@dataclass
class ViewMap:
    """What one view puts on its map: a base map and the analysis layers over it."""

    base: Any
    groups: list[Any]


def view_map(
    key: Hashable,
    build_layers: Callable[[], list[Any]],
    *,
    private: bool,
    layers: Mapping[str, bool],
    online_basemap: bool,
    credit: str,
    bounds: tuple[float, float, float, float] | None = None,
    selected: gpd.GeoDataFrame | None = None,
    tr: Translator = ENGLISH,
) -> ViewMap:
    """Put together a view's map from the cached base map and cached analysis layers.

    Parameters
    ----------
    key : hashable
        Everything the analysis layers depend on.
    build_layers : callable
        Makes the analysis layers (``hotspot_layers``, ``routes_layers``, ...).
    private : bool
        The layers show an upload: cache them for this session only.
    layers, online_basemap, credit, bounds
        As for :func:`base_map`.
    selected : GeoDataFrame, optional
        The selected feature, outlined over the analysis layers (not cached:
        one small shape).
    tr : Translator
        The page's language (the selection layer's name).

    Returns
    -------
    ViewMap
    """
    groups = cached_layers(key, build_layers, private=private)
    if selected is not None and len(selected):
        groups = [*groups, build_selection(selected, name=tr.gettext("Selection"))]
    base = base_map(
        layers=layers, online_basemap=online_basemap, credit=credit, bounds=bounds, tr=tr
    )
    return ViewMap(base=base, groups=groups)


def show_map(view: ViewMap, *, key: str, height: int = 600) -> None:
    """Draw a view's map with streamlit-folium (its clicks are read by :mod:`ui.selection`).

    Parameters
    ----------
    view : ViewMap
        Base map and analysis layers (fresh copies: ``st_folium`` renames them).
    key : str
        Widget key (one per view, so each view keeps its own map state).
    height : int
        Height of the map in pixels.
    """
    # render=False: st_folium renders the map itself once more right after; the
    # extra whole-page render it would do first costs about 0.3 s with the basemap.
    st_folium(
        view.base,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=RETURNED_OBJECTS,
        feature_group_to_add=view.groups or None,
        layer_control=folium.LayerControl(collapsed=True),
        render=False,
    )


@st.cache_data(show_spinner=False, max_entries=1)
def basemap_layers() -> dict[str, gpd.GeoDataFrame]:
    """Load the bundled basemap layers once for all sessions (public data).

    Returns
    -------
    dict of str to GeoDataFrame
        The keys :func:`layers.basemap.build_basemap` draws, EPSG:4326.
    """
    roads = bundled.load_roads()
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


def cached_layers(key: Hashable, build: Callable[[], list[Any]], *, private: bool) -> list[Any]:
    """Return fresh copies of a view's analysis layers, built once per key.

    ``st_folium`` renames the elements it draws, and a layer drawn twice gains
    stale JavaScript, so each rerun needs objects nobody drew before.
    ``st.cache_data`` stores the built layers pickled and returns a new copy on
    each call (tens of ms against 0.1-0.5 s to build them).

    Parameters
    ----------
    key : hashable
        Everything the layers depend on (view, data set, filters, parameters,
        layer switches).
    build : callable
        Makes the list of ``folium.FeatureGroup`` layers.
    private : bool
        The layers show an upload: cache them for this session only.

    Returns
    -------
    list of folium.FeatureGroup
        Copies nobody else holds, their asset links pointed at ``static/``.
    """
    if private:
        return _layers_private(key, build)
    return _layers_public(key, build)


def _localised(build: Callable[[], list[Any]]) -> list[Any]:
    groups = build()
    # st_folium collects these layers' script links itself, after the base map's own
    # links were localised: point plugin links (markercluster) at static/ here.
    for group in groups:
        use_local_assets(group, base_url=ASSET_BASE_URL)
    return groups


@st.cache_data(show_spinner=False, max_entries=12)
def _layers_public(key: Hashable, _build: Callable[[], list[Any]]) -> list[Any]:
    return _localised(_build)


@st.cache_data(show_spinner=False, scope="session", max_entries=6)
def _layers_private(key: Hashable, _build: Callable[[], list[Any]]) -> list[Any]:
    return _localised(_build)


def incident_credit(analysis: Analysis, *, tr: Translator = ENGLISH) -> str:
    """Return the map credit for the incidents drawn (the basemap credits itself).

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    tr : Translator
        The page's language.

    Returns
    -------
    str
        E.g. ``"Incidents: UCDP GED 21.1 (CC BY 4.0)"``.
    """
    return tr.gettext("Incidents: {sources}").format(
        sources="; ".join(tr.gettext(s) for s in analysis.sources)
        or tr.gettext("none in this window")
    )


def basemap_group(layers: Mapping[str, bool], *, tr: Translator = ENGLISH) -> Any:
    """Return a fresh copy of the basemap layer for these switches (built once for all).

    Parameters
    ----------
    layers : Mapping of str to bool
        Layer switches (``admin`` and ``basemap`` choose the basemap's layers).
    tr : Translator
        The page's language (layer and legend names).

    Returns
    -------
    folium.FeatureGroup
        From :func:`layers.basemap.build_basemap`; public bundled data, so one
        build serves every session, each rerun getting its own unpickled copy.
    """
    return _basemap_copy(_base_keys(layers), tr.lang)


@st.cache_data(show_spinner=False, max_entries=8)
def _basemap_copy(keys: tuple[str, ...], lang: str) -> Any:
    base = basemap_layers()
    tr = translator(lang)
    return build_basemap({k: base[k] for k in base if k in keys}, name=tr.gettext("Basemap"), tr=tr)


def base_map(
    *,
    layers: Mapping[str, bool],
    online_basemap: bool,
    credit: str,
    bounds: tuple[float, float, float, float] | None = None,
    tr: Translator = ENGLISH,
) -> Any:
    """Return a fresh copy of a base map: the vector basemap and the credit line.

    Parameters
    ----------
    layers : Mapping of str to bool
        Layer switches (``admin`` and ``basemap`` choose the basemap's layers).
    online_basemap : bool
        Add the OpenStreetMap tile layer (requests leave the machine).
    credit : str
        Credit of the incidents drawn (the basemap credits itself).
    bounds : tuple of 4 float, optional
        Initial view (min lon, min lat, max lon, max lat); western Mali by default.
    tr : Translator
        The page's language (controls, basemap legend, credits).

    Returns
    -------
    folium.Map
        Built once per argument set for all sessions (public data only) and
        identical across filter changes, so the live map stays in place.
    """
    return _base_copy(_base_keys(layers), online_basemap, credit, bounds, tr.lang)


@st.cache_data(show_spinner=False, max_entries=8)
def _base_copy(
    keys: tuple[str, ...],
    online_basemap: bool,
    credit: str,
    bounds: tuple[float, float, float, float] | None,
    lang: str,
) -> Any:
    tr = translator(lang)
    m = new_map(bounds=bounds, asset_base_url=ASSET_BASE_URL, online_basemap=online_basemap, tr=tr)
    _basemap_copy(keys, lang).add_to(m)
    add_attribution(m, credit)
    return m


def _incidents_layer(
    analysis: Analysis, *, show: bool, legend: bool = True, tr: Translator = ENGLISH
) -> Any:
    n = len(analysis.incidents)
    name = tr.gettext("Incidents in the window")
    if n > DEFAULTS.incident_marker_limit:
        return build_incident_cells(
            analysis.incident_cells,
            n_incidents=n,
            name=name,
            show=show,
            legend=legend,
            tr=tr,
        )
    # Its legend starts folded: the hotspot legend is the one a reader needs first.
    return build_incidents(
        analysis.incidents,
        name=name,
        show=show,
        legend=legend,
        legend_open=False,
        tr=tr,
    )


def hotspot_layers(
    analysis: Analysis,
    *,
    method: str,
    layers: Mapping[str, bool],
    measure: str,
    tr: Translator = ENGLISH,
) -> list[Any]:
    """Build the Hotspots view's layers: the chosen hotspot layer, overlays, incidents.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    method : str
        ``admin``, ``kde``, ``hex`` or ``gistar`` (see ``ui.state.HOTSPOT_METHODS``).
    layers : Mapping of str to bool
        Layer switches from the sidebar (``ui.state.LAYERS``).
    measure : str
        What colours admin units (``ui.state.CHOROPLETH_MEASURES``).
    tr : Translator
        The page's language (layer names and notes).

    Returns
    -------
    list of folium.FeatureGroup
        Bottom to top.
    """
    groups = []
    if layers.get("hotspots", True):
        groups.append(_hotspot_layer(analysis, method, measure, tr=tr))
    if layers.get("routes", False):
        groups.append(build_routes(analysis.segments, name=tr.gettext("Corridor exposure"), tr=tr))
    if layers.get("sites", False):
        groups.append(
            build_sites(
                analysis.sites,
                name=tr.gettext("Mines, factories, plants"),
                key_sites_only=True,
                tr=tr,
            )
        )
    # Always built (hidden when switched off): its plugin script must be on the page
    # from the first draw, or switching it on later would find no markercluster.
    groups.append(_incidents_layer(analysis, show=layers.get("incidents", True), tr=tr))
    return groups


def _hotspot_layer(
    analysis: Analysis, method: str, measure: str, *, tr: Translator = ENGLISH
) -> Any:
    level = unit_level(analysis.params.admin_level, tr=tr)
    if method == "kde" and analysis.kde is not None:
        image, bounds = analysis.kde.overlay
        return build_kde(
            image,
            bounds=bounds,
            name=tr.gettext("Kernel density"),
            note=tr.gettext("bandwidth {km} km").format(
                km=short(analysis.params.kde_bandwidth_km, tr=tr)
            ),
            tr=tr,
        )
    if method == "hex":
        return build_hexes(analysis.hexes, name=tr.gettext("Incidents per H3 cell"), tr=tr)
    if method == "gistar" and analysis.gistar is not None:
        return build_gistar(analysis.gistar, name=tr.gettext("Gi* hot and cold spots"), tr=tr)
    return build_admin(
        analysis.admin_stats,
        name=tr.gettext("Incidents per unit"),
        unit_label=level,
        value_column=measure,
        tr=tr,
    )


def routes_layers(
    analysis: Analysis,
    *,
    layers: Mapping[str, bool],
    route_labels: Mapping[str, str],
    tr: Translator = ENGLISH,
) -> list[Any]:
    """Build the Routes view's layers: segments coloured by exposure class, incidents.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    layers : Mapping of str to bool
        Layer switches from the sidebar.
    route_labels : Mapping of str to str
        Readable route names by ``route_id``.
    tr : Translator
        The page's language (layer names and notes).

    Returns
    -------
    list of folium.FeatureGroup
    """
    p = analysis.params
    return [
        build_routes(
            analysis.segments,
            name=tr.gettext("Corridor exposure"),
            route_labels=dict(route_labels),
            note=tr.gettext(
                "{segment} km segments, incidents within {buffer} km, half-life {days} days"
            ).format(
                segment=short(p.segment_km, tr=tr),
                buffer=short(p.buffer_km, tr=tr),
                days=short(p.half_life_days, tr=tr),
            ),
            tr=tr,
        ),
        # The corridor legend matters here; the incident colours are on the Hotspots map.
        _incidents_layer(analysis, show=layers.get("incidents", True), legend=False, tr=tr),
    ]


def sites_layers(
    analysis: Analysis,
    *,
    layers: Mapping[str, bool],
    show_generic: bool,
    sites: gpd.GeoDataFrame | None = None,
    tr: Translator = ENGLISH,
) -> list[Any]:
    """Build the Sites view's layers: sites coloured by exposure class, incidents.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    layers : Mapping of str to bool
        Layer switches from the sidebar.
    show_generic : bool
        Also draw generic industrial areas (otherwise mines, factories and plants only).
    sites : GeoDataFrame, optional
        The ranked sites to draw (the user's own list, or both lists); the
        analysis's bundled sites by default.
    tr : Translator
        The page's language (layer names and notes).

    Returns
    -------
    list of folium.FeatureGroup
    """
    return [
        build_sites(
            analysis.sites if sites is None else sites,
            name=tr.gettext("Site exposure"),
            key_sites_only=not show_generic,
            note=tr.gettext("incidents within {km} km").format(
                km=short(analysis.params.site_radius_km, tr=tr)
            ),
            tr=tr,
        ),
        _incidents_layer(analysis, show=layers.get("incidents", True), legend=False, tr=tr),
    ]


def standalone_html(
    analysis: Analysis,
    *,
    method: str,
    measure: str,
    with_incidents: bool,
    tr: Translator = ENGLISH,
) -> str:
    """Render one offline page with every layer of the analysis, assets inlined.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run to draw (already prepared for sharing if it is to be shared).
    method : str
        Hotspot method (``admin``, ``kde``, ``hex``, ``gistar``); falls back to
        admin units when the analysis has no such layer.
    measure : str
        What the admin units are coloured by, as on the app's map (a key of
        :data:`ui.state.CHOROPLETH_MEASURES`: count, rate or change).
    with_incidents : bool
        Draw the incident layer.
    tr : Translator
        The page's language (layer names, title and heading).

    Returns
    -------
    str
        A self-contained HTML page (no online basemap, no outside request),
        titled with the period, with a collapsible panel of the period,
        filters, parameters and provenance, and collapsible legends.
    """
    m = new_map(asset_base_url=ASSET_BASE_URL, minimal_assets=True, tr=tr)
    basemap_group({}, tr=tr).add_to(m)
    _hotspot_layer(analysis, method, measure, tr=tr).add_to(m)
    build_routes(analysis.segments, name=tr.gettext("Corridor exposure"), show=True, tr=tr).add_to(
        m
    )
    build_sites(
        analysis.sites,
        name=tr.gettext("Mines, factories, plants"),
        key_sites_only=True,
        show=True,
        tr=tr,
    ).add_to(m)
    if with_incidents:
        _incidents_layer(analysis, show=True, tr=tr).add_to(m)
    add_layer_control(m, collapsed=True)
    add_attribution(m, incident_credit(analysis, tr=tr))
    f = analysis.filters
    days = (f.end - f.start).days + 1
    period = tr.ngettext("{period} ({n} day)", "{period} ({n} days)", days).format(
        period=tr.period(f.start, f.end), n=tr.number(days)
    )
    add_page_info(
        m,
        title=tr.gettext("Sahel Risk Map: incidents {period}").format(period=period),
        heading=tr.gettext("Sahel Risk Map, {period}").format(period=period),
        lines=provenance_lines(build_provenance(analysis), tr=tr),
        tr=tr,
    )
    return inline_assets(m.get_root().render(), base_url=ASSET_BASE_URL)
