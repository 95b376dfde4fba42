"""The map itself: offline assets, a safe initial view, the layer switcher and attributions."""

from __future__ import annotations

import math
from collections.abc import Sequence

import folium
from branca.element import MacroElement
from folium.template import Template

from geo.i18n import Translator
from layers.assets import DEFAULT_BASE_URL, use_local_assets
from layers.legend import Legend, add_css
from layers.safe import safe_text
from layers.wording import ENGLISH

__all__ = [
    "WESTERN_MALI_BOUNDS",
    "MIN_ZOOM",
    "MAX_ZOOM",
    "OfflineMap",
    "new_map",
    "view_bounds",
    "add_layer_control",
    "add_attribution",
    "add_page_info",
]

#: (min lon, min lat, max lon, max lat): total bounds of the ADM1 regions Kayes, Koulikoro,
#: Sikasso, Ségou and Bamako in the bundled geoBoundaries layer (mli_adm1_regions.geojson).
WESTERN_MALI_BOUNDS: tuple[float, float, float, float] = (-12.23924, 10.14137, -3.95845, 15.69887)

#: Zoom range of the map (3: West Africa; 16: street level, far beyond town-level data).
MIN_ZOOM, MAX_ZOOM = 3, 16

#: Half-size (degrees) of the view around a single point.
_POINT_PAD_DEG = 0.25


class OfflineMap(folium.Map):
    """A folium Map that re-points every asset link to ``asset_base_url`` each time it renders.

    Plugins added after :func:`new_map` bring their own CDN links; rendering
    (``m.get_root().render()`` or streamlit-folium's ``st_folium``) localises
    them first, and fails loudly if one is not vendored.
    """

    def __init__(
        self,
        *args,
        asset_base_url: str = DEFAULT_BASE_URL,
        minimal_assets: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.asset_base_url = asset_base_url
        self.minimal_assets = minimal_assets

    def render(self, **kwargs) -> None:
        """Localise the asset links of the whole tree, then render as folium does."""
        use_local_assets(self, base_url=self.asset_base_url, minimal=self.minimal_assets)
        super().render(**kwargs)


def view_bounds(
    bounds: Sequence[float] | None,
) -> tuple[float, float, float, float]:
    """Return usable (min lon, min lat, max lon, max lat) for the initial view.

    Parameters
    ----------
    bounds : sequence of 4 float or None
        E.g. ``gdf.total_bounds`` in EPSG:4326. NaN (an empty layer), infinite,
        out-of-range or inverted bounds, and None, give :data:`WESTERN_MALI_BOUNDS`.

    Returns
    -------
    tuple of 4 float
        Finite bounds; a single point is padded by 0.25° each way.

    Examples
    --------
    >>> view_bounds([float("nan")] * 4) == WESTERN_MALI_BOUNDS
    True
    >>> view_bounds([-8.0, 12.6, -8.0, 12.6])
    (-8.25, 12.35, -7.75, 12.85)
    """
    if bounds is None or len(bounds) != 4:
        return WESTERN_MALI_BOUNDS
    try:
        minx, miny, maxx, maxy = (float(b) for b in bounds)
    except (TypeError, ValueError):
        return WESTERN_MALI_BOUNDS
    ok = (
        all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
        and -180 <= minx <= maxx <= 180
        and -90 <= miny <= maxy <= 90
    )
    if not ok:
        return WESTERN_MALI_BOUNDS
    if maxx - minx < 1e-9 and maxy - miny < 1e-9:
        p = _POINT_PAD_DEG
        return (
            round(minx - p, 6),
            round(max(miny - p, -90), 6),
            round(maxx + p, 6),
            round(min(maxy + p, 90), 6),
        )
    return (minx, miny, maxx, maxy)


def new_map(
    *,
    bounds: Sequence[float] | None = None,
    asset_base_url: str = DEFAULT_BASE_URL,
    online_basemap: bool = False,
    minimal_assets: bool = False,
    height: str = "100%",
    tr: Translator = ENGLISH,
) -> OfflineMap:
    """Create an offline map fitted to ``bounds`` (western Mali when there is nothing to fit).

    Parameters
    ----------
    bounds : sequence of 4 float, optional
        (min lon, min lat, max lon, max lat) in EPSG:4326, e.g. ``gdf.total_bounds``;
        see :func:`view_bounds` for the fallback.
    asset_base_url : str
        Absolute path where ``static/`` is served (``/app/static`` in Streamlit).
    online_basemap : bool
        Add the OpenStreetMap tile layer. Off by default: with it on, the browser
        requests tiles from openstreetmap.org for the area viewed.
    minimal_assets : bool
        Load Leaflet (and the plugins used) only, without jQuery, Bootstrap and
        Font Awesome, which no layer of this package needs; meant for the
        standalone HTML export (about 1.5 MB smaller once inlined).
    height : str
        CSS height of the map.
    tr : Translator
        Language of Leaflet's control hints (zoom buttons, layer switcher,
        credit) and of the online tile layer's name.

    Returns
    -------
    OfflineMap
        No tiles (unless ``online_basemap``), assets from ``asset_base_url``.

    Raises
    ------
    ParameterError
        If ``asset_base_url`` is not an absolute path.
    """
    minx, miny, maxx, maxy = view_bounds(bounds)
    m = OfflineMap(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=6,
        tiles=None,
        control_scale=True,
        height=height,
        asset_base_url=asset_base_url,
        minimal_assets=minimal_assets,
    )
    # Without tiles Leaflet has no zoom range, and markercluster refuses to start without one.
    m.options.update(minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    add_css(m)
    _FocusWithoutScroll().add_to(m)
    if tr.lang != ENGLISH.lang:
        _ControlWords(tr).add_to(m)
    if online_basemap:
        from layers.basemap import online_tiles

        online_tiles(m, tr=tr)
    use_local_assets(m, base_url=asset_base_url, minimal=minimal_assets)
    return m


def add_layer_control(m: folium.Map, *, collapsed: bool = False) -> folium.Map:
    """Add the layer switcher (call it after the last layer is added).

    Parameters
    ----------
    m : folium.Map
        The map.
    collapsed : bool
        Start collapsed into an icon.

    Returns
    -------
    folium.Map
        ``m``.
    """
    folium.LayerControl(collapsed=collapsed).add_to(m)
    return m


class _FocusWithoutScroll(MacroElement):
    """Keep keyboard navigation, but stop a click on the map from scrolling the page.

    Leaflet's keyboard handler focuses the map container on mouse-down and then
    restores the scroll of the map's own window only. Inside streamlit-folium's
    iframe the *parent* page still scrolls to show the focused map, so a click
    on a partly visible map lands somewhere else. The handler is re-hooked with
    ``focus({preventScroll: true})``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            if (!map.keyboard) { return; }
            var enabled = map.keyboard.enabled();
            map.keyboard.disable();
            map.keyboard._onMouseDown = function() {
                if (!this._focused) { this._map._container.focus({preventScroll: true}); }
            };
            if (enabled) { map.keyboard.enable(); }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "FocusWithoutScroll"


class _ControlWords(MacroElement):
    """Give Leaflet's own control texts the page's language.

    The zoom buttons' hints (``title``, ``aria-label``), the layer switcher's
    hint (Leaflet writes "Layers" when a switcher is built, so the method that
    builds it is wrapped: this also covers a switcher added later, e.g. by
    streamlit-folium) and the hint of the Leaflet credit in the attribution line.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map, words) {
            function hint(el, text) {
                if (el) { el.title = text; el.setAttribute("aria-label", text); }
            }
            var zoom = map.zoomControl;
            if (zoom) {
                hint(zoom._zoomInButton, words.zoom_in);
                hint(zoom._zoomOutButton, words.zoom_out);
            }
            var build = L.Control.Layers.prototype._initLayout;
            if (!build._srmWords) {
                L.Control.Layers.include({_initLayout: function() {
                    build.call(this);
                    hint(this._layersLink, words.layers);
                }});
                L.Control.Layers.prototype._initLayout._srmWords = true;
            }
            var credit = map.attributionControl;
            if (credit && typeof credit.options.prefix === "string") {
                credit.setPrefix(credit.options.prefix.replace(
                    /title="[^"]*"/, 'title="' + words.leaflet + '"'));
            }
        })({{ this._parent.get_name() }}, {{ this.words|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, tr: Translator) -> None:
        super().__init__()
        self._name = "ControlWords"
        self.words = {
            "zoom_in": safe_text(tr.gettext("Zoom in")),
            "zoom_out": safe_text(tr.gettext("Zoom out")),
            "layers": safe_text(tr.gettext("Layers")),
            "leaflet": safe_text(tr.gettext("A JavaScript library for interactive maps")),
        }


class _Attribution(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if ({{ this._parent.get_name() }}.attributionControl) {
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text


def add_page_info(
    m: folium.Map,
    *,
    title: str,
    heading: str,
    lines: Sequence[str],
    expanded: bool = True,
    tr: Translator = ENGLISH,
) -> folium.Map:
    """Give a standalone page its ``<title>`` and a collapsible panel: heading, then lines.

    Parameters
    ----------
    m : folium.Map
        The map (its figure gets the title).
    title : str
        Text of the page's ``<title>`` (neutralised), e.g. the period.
    heading : str
        Panel button text (neutralised).
    lines : sequence of str
        Period, filters, provenance: one paragraph each (neutralised).
    expanded : bool
        The panel starts open.
    tr : Translator
        Language of the panel button's hint (the texts given are already translated).

    Returns
    -------
    folium.Map
        ``m``.
    """
    m.get_root().title = safe_text(title)
    body = "".join(f'<div class="srm-note srm-info-line">{safe_text(t)}</div>' for t in lines)
    Legend(body, title=heading, position="topleft", expanded=expanded, tr=tr).add_to(m)
    return m


def add_attribution(m: folium.Map, text: str) -> folium.Map:
    """Add a plain-text credit to the map's attribution line (neutralised, no links).

    Parameters
    ----------
    m : folium.Map
        The map.
    text : str
        E.g. ``"Incidents: UCDP GED 21.1 (CC BY 4.0)"``.

    Returns
    -------
    folium.Map
        ``m``.
    """
    _Attribution(safe_text(text)).add_to(m)
    return m
