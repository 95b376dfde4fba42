"""The bundled vector basemap (land, borders, admin units, water, roads, towns) and opt-in tiles.

Drawn from the bundled layers in ``data/`` so the map has a background with no
network. Everything sits in two panes under the analysis layers (basemap
z-index 250, town labels 450) and ignores the mouse, so it never hides a popup.
Town labels appear by zoom: cities from zoom 6, towns from 8, villages from 10.
"""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement
from folium.template import Template
from folium.utilities import get_obj_in_upper_tree

from geo.errors import ParameterError
from geo.i18n import Translator, gettext_noop
from geo.palette import BASEMAP
from layers._geojson import GeoJsonLayer, feature_collection, to_wgs84
from layers.legend import add_css
from layers.safe import safe_text
from layers.wording import ENGLISH

__all__ = [
    "BASEMAP_KEYS",
    "ROAD_WIDTHS",
    "LABEL_MIN_ZOOM",
    "ATTRIBUTION",
    "build_basemap",
    "online_tiles",
]

#: Layers build_basemap draws, bottom to top, with the columns each needs (a tuple of
#: alternatives: the bundled shapefiles' 10-character names first, the GeoJSON names second).
BASEMAP_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "countries": (),
    "adm0": (),
    "lakes": (),
    "rivers": (),
    "adm2": (),
    "adm1": (),
    "roads": (("road_class", "class"),),
    "towns": (("name",), ("place_cls", "place_class")),
}
#: Road line widths (px) by OSM class; other classes get the secondary width.
ROAD_WIDTHS: dict[str, float] = {"motorway": 2.6, "trunk": 2.2, "primary": 1.6, "secondary": 1.0}
#: Zoom from which each town rank is labelled.
LABEL_MIN_ZOOM: dict[str, int] = {"city": 6, "town": 8, "village": 10}
#: Credits of the bundled basemap (data/SOURCES.md; translated when shown).
ATTRIBUTION = gettext_noop(
    "Boundaries: geoBoundaries (CC BY 4.0); roads and towns: © OpenStreetMap contributors "
    "(ODbL); countries, rivers, lakes: Made with Natural Earth"
)

BASE_PANE = "srm-basemap"
LABEL_PANE = "srm-labels"


class _Panes(MacroElement):
    """Create the basemap and label panes once, and the zoom classes that show town labels."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this.map_name() }};
            [[{{ this.base_pane|tojson }}, 250], [{{ this.label_pane|tojson }}, 450]].forEach(
                function(p) {
                    if (!map.getPane(p[0])) {
                        var pane = map.createPane(p[0]);
                        pane.style.zIndex = p[1];
                        pane.style.pointerEvents = "none";
                    }
                });
            var minZoom = {{ this.min_zoom|tojson }};
            function classes() {
                var z = map.getZoom(), c = map.getContainer();
                Object.keys(minZoom).forEach(function(rank) {
                    var on = z >= minZoom[rank];
                    L.DomUtil[on ? "addClass" : "removeClass"](c, "srm-show-" + rank);
                });
            }
            map.on("zoomend", classes);
            map.whenReady(classes);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, min_zoom: Mapping[str, int]):
        super().__init__()
        self._name = "BasemapPanes"
        self.base_pane = BASE_PANE
        self.label_pane = LABEL_PANE
        self.min_zoom = {str(k): int(v) for k, v in min_zoom.items()}

    def map_name(self) -> str:
        return get_obj_in_upper_tree(self, folium.Map).get_name()

    def render(self, **kwargs) -> None:
        add_css(self)
        super().render(**kwargs)


def _area(color: str, fill: str, weight: float, *, fill_opacity: float = 1.0, dash: str = ""):
    style: dict[str, object] = {
        "color": color,
        "weight": weight,
        "fillColor": fill,
        "fillOpacity": fill_opacity,
        "fill": fill_opacity > 0,
    }
    if dash:
        style["dashArray"] = dash
    return style


def _line(color: str, weight: float) -> dict[str, object]:
    return {"color": color, "weight": weight, "fill": False}


_STYLES: dict[str, dict[str, object]] = {
    "countries": _area(BASEMAP["country_border"], BASEMAP["land"], 1.0),
    "adm0": _area(BASEMAP["country_border"], BASEMAP["mali"], 1.6),
    "lakes": _area(BASEMAP["river"], BASEMAP["lake"], 0.5),
    "rivers": _line(BASEMAP["river"], 1.2),
    "adm2": _area(BASEMAP["adm2"], BASEMAP["mali"], 0.6, fill_opacity=0.0, dash="3 3"),
    "adm1": _area(BASEMAP["adm1"], BASEMAP["mali"], 1.2, fill_opacity=0.0),
}
_ROAD_CLASSES = tuple(ROAD_WIDTHS)
_ROAD_STYLES = [
    _line(BASEMAP["road_major" if c in ("motorway", "trunk") else "road_minor"], w)
    for c, w in ROAD_WIDTHS.items()
]


def _prepared(gdf: gpd.GeoDataFrame, key: str, tolerance_deg: float) -> gpd.GeoDataFrame:
    """Reproject, simplify, and rename the needed columns to their first (canonical) name."""
    what = f"basemap layer {key!r}"
    rename = {}
    for alternatives in BASEMAP_KEYS[key]:
        found = next((c for c in alternatives if c in gdf.columns), None)
        if found is None:
            raise ParameterError(
                f"{what}: needs a column named one of {list(alternatives)}; "
                f"it has {list(map(str, gdf.columns))}."
            )
        rename[found] = alternatives[0]
    out = to_wgs84(gdf, what=what)[[*rename, gdf.geometry.name]].rename(columns=rename)
    if tolerance_deg > 0 and key != "towns":
        out = out.set_geometry(out.geometry.simplify(tolerance_deg, preserve_topology=True))
    return out


def _merged_roads(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One merged (multi)line per road class: a few features instead of thousands."""
    cls = roads["road_class"].where(roads["road_class"].isin(_ROAD_CLASSES), "secondary")
    rows = []
    for i, c in enumerate(_ROAD_CLASSES):
        geoms = roads.geometry[(cls == c).to_numpy()]
        geoms = geoms[~(geoms.is_empty | geoms.isna())]
        if len(geoms):
            rows.append({"s": i, "geometry": shapely.line_merge(shapely.union_all(geoms.values))})
    if not rows:
        return gpd.GeoDataFrame({"s": []}, geometry=gpd.GeoSeries([], crs=roads.crs))
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=roads.crs)


def build_basemap(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    name: str | None = None,
    show: bool = True,
    simplify_deg: float = 0.001,
    label_min_zoom: Mapping[str, int] = LABEL_MIN_ZOOM,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw the bundled vector basemap as one non-interactive layer.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Any of :data:`BASEMAP_KEYS`: ``countries`` (all land), ``adm0`` (Mali),
        ``lakes``, ``rivers``, ``adm2`` (cercles), ``adm1`` (regions), ``roads``
        (column ``road_class`` or ``class``: motorway, trunk, primary,
        secondary), ``towns`` (``name`` and ``place_cls`` or ``place_class``:
        city, town or village). Any CRS (reprojected to EPSG:4326). Only these
        columns are read; nothing else is embedded.
    name : str, optional
        Name in the layer switcher; default "Basemap" in ``tr``'s language.
    show : bool
        Shown when the map opens.
    simplify_deg : float
        Display simplification tolerance in degrees (0 = none). The default
        0.001° (about 110 m) is below one screen pixel up to zoom 10 and keeps
        the page small.
    label_min_zoom : mapping of str to int
        Zoom from which ``city``, ``town`` and ``village`` labels show.
    tr : Translator
        Language of the default name and of the credits (town names keep
        their accents as the data has them).

    Returns
    -------
    folium.FeatureGroup
        Panes, then the layers bottom to top; town labels in their own pane.

    Raises
    ------
    ParameterError
        On an unknown layer key or a missing column.
    CRSError
        If a layer has no CRS.
    """
    unknown = sorted(set(layers) - set(BASEMAP_KEYS))
    if unknown:
        raise ParameterError(
            f"build_basemap: unknown layer(s) {unknown}; allowed: {list(BASEMAP_KEYS)}."
        )
    group = folium.FeatureGroup(name=safe_text(name or tr.gettext("Basemap")), show=show)
    _Panes(label_min_zoom).add_to(group)
    common = {"pane": BASE_PANE, "interactive": False, "attribution": tr.gettext(ATTRIBUTION)}
    for key in BASEMAP_KEYS:
        if key not in layers:
            continue
        gdf = _prepared(layers[key], key, simplify_deg)
        if key == "towns":
            _add_towns(group, gdf, common)
            continue
        if key == "roads":
            fc = feature_collection(_merged_roads(gdf), {"s": "s"}, decimals=4)
            styles = _ROAD_STYLES
        else:
            fc = feature_collection(gdf, {}, decimals=4)
            styles = [_STYLES[key]]
        if fc["features"]:
            GeoJsonLayer(fc, styles=styles, **common).add_to(group)
    return group


def _add_towns(group: folium.FeatureGroup, towns: gpd.GeoDataFrame, common: dict) -> None:
    ranks = towns["place_cls"].where(towns["place_cls"].isin(list(LABEL_MIN_ZOOM)), "village")
    is_point = (towns.geometry.geom_type == "Point").to_numpy()
    fc = feature_collection(
        towns[is_point], {"name": "n"}, extra={"r": ranks[is_point].tolist()}, decimals=4
    )
    if not fc["features"]:
        return
    dot = {
        "radius": 2.5,
        "color": BASEMAP["town"],
        "weight": 1,
        "fillColor": "#ffffff",
        "fillOpacity": 1.0,
    }
    GeoJsonLayer(
        fc,
        styles=[dot],
        point={"kind": "circleMarker"},
        label={"key": "n", "class_key": "r", "pane": LABEL_PANE},
        **common,
    ).add_to(group)


def online_tiles(m: folium.Map, *, name: str | None = None, tr: Translator = ENGLISH) -> folium.Map:
    """Add the OpenStreetMap tile layer: opt-in only, it sends the viewed area to openstreetmap.org.

    Parameters
    ----------
    m : folium.Map
        The map.
    name : str, optional
        Name in the layer switcher; default "OpenStreetMap tiles (online)" in
        ``tr``'s language.
    tr : Translator
        Language of the default name (the credit is OpenStreetMap's own wording).

    Returns
    -------
    folium.Map
        ``m``, with a base tile layer.
    """
    folium.TileLayer(
        "OpenStreetMap",
        name=safe_text(name or tr.gettext("OpenStreetMap tiles (online)")),
        attr="© OpenStreetMap contributors",
        overlay=False,
        control=True,
    ).add_to(m)
    return m
