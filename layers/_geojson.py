"""Private helpers: reproject to EPSG:4326, build compact neutralised GeoJSON, and draw it.

:class:`GeoJsonLayer` replaces ``folium.GeoJson`` + ``GeoJsonTooltip`` in this
package: the data is embedded as compact JSON (no spaces, 5 decimals, styles as
an index into a small table instead of one style object per feature), tooltips
and popups are tables built in the browser from properties that
:func:`layers.safe.safe_properties` already neutralised, and the element never
puts anything but neutralised text and its own literals into the page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.template import Template

from geo.crs import WGS84
from geo.errors import CRSError, ParameterError
from layers._render import render_layer_once
from layers.safe import safe_properties, safe_text

__all__ = [
    "COORD_DECIMALS",
    "POPUP_OPTIONS",
    "to_wgs84",
    "require_columns",
    "js_literal",
    "feature_collection",
    "GeoJsonLayer",
]

#: Decimal places kept in coordinates on the page (1e-5 degree is about 1 m).
COORD_DECIMALS = 5

#: Leaflet popup options: wide enough for a label column, kept clear of the zoom buttons
#: and the layer switcher, scrolling inside instead of pushing the map away.
POPUP_OPTIONS: dict[str, object] = {
    "minWidth": 240,
    "maxWidth": 340,
    "maxHeight": 300,
    "autoPanPaddingTopLeft": [56, 64],
    "autoPanPaddingBottomRight": [24, 24],
}


def to_wgs84(gdf: gpd.GeoDataFrame, *, what: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326 (the only reprojection layers/ does); input untouched."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise ParameterError(f"{what}: expected a GeoDataFrame, got {type(gdf).__name__}.")
    if gdf.crs is None:
        raise CRSError(f"{what} has no CRS; set it (.set_crs(...)) before drawing it.")
    return gdf if gdf.crs.equals(WGS84) else gdf.to_crs(WGS84)


def require_columns(gdf: gpd.GeoDataFrame, columns: Sequence[str], *, what: str) -> None:
    """Raise :class:`ParameterError` naming every missing column of the input contract."""
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise ParameterError(
            f"{what}: missing column(s) {missing}; the layer needs {list(columns)}. "
            "Pass the table the geo/ function returned."
        )


def js_literal(obj: Any) -> str:
    """Compact JSON for embedding in a page script (``<``/``>`` escaped; no Jinja syntax possible).

    Strings must already be neutralised (:func:`layers.safe.safe_text`), so no
    ``{`` can occur inside them; JSON structure itself never produces ``{{``,
    ``{%`` or ``{#``. This is checked, because the text is parsed by Jinja2
    again when folium renders the page.

    Examples
    --------
    >>> js_literal({"a": [1, 2.5, None], "b": "&lt;x&gt;"})
    '{"a":[1,2.5,null],"b":"&lt;x&gt;"}'
    """
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    if "{{" in text or "{%" in text or "{#" in text:
        raise RuntimeError("template syntax in embedded JSON: a string was not neutralised")
    return text


def feature_collection(
    gdf: gpd.GeoDataFrame,
    properties: Mapping[str, str],
    *,
    extra: Mapping[str, Sequence[Any]] | None = None,
    decimals: int = COORD_DECIMALS,
) -> dict:
    """Build a GeoJSON FeatureCollection with whitelisted, neutralised properties.

    Parameters
    ----------
    gdf : GeoDataFrame
        EPSG:4326 layer.
    properties : mapping of str to str
        ``source column -> short property key`` (the only data that is embedded).
    extra : mapping of str to sequence, optional
        Values computed in layers/ for display (formatted strings, style
        indexes), aligned with ``gdf``'s rows; neutralised too.
    decimals : int
        Decimal places of coordinates.

    Returns
    -------
    dict
        A FeatureCollection with a ``bbox`` member when it has features;
        features with empty or missing geometry are left out.
    """
    table = gpd.GeoDataFrame(
        gdf[list(properties)].reset_index(drop=True),
        geometry=np.asarray(gdf.geometry.values, dtype=object),
        crs=gdf.crs,
    )
    keys = dict(properties)
    for key, values in (extra or {}).items():
        col = f"__extra_{key}"
        table[col] = list(values)
        keys[col] = key
    safe = safe_properties(table, keys)
    geoms = np.asarray(safe.geometry.values, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms = shapely.transform(geoms[keep], lambda xy: np.round(xy, decimals))
    records = safe.drop(columns=safe.geometry.name)[keep].to_dict(orient="records")
    features = [
        {"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(g))}
        for props, g in zip(records, geoms, strict=True)
    ]
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if features:
        out["bbox"] = [round(float(v), decimals) for v in shapely.total_bounds(geoms)]
    return out


class GeoJsonLayer(folium.map.Layer):
    """A GeoJSON layer with indexed styles and neutralised tooltip/popup tables.

    Parameters
    ----------
    collection : dict
        From :func:`feature_collection`; property ``s`` (int) picks the style.
    styles : sequence of dict
        Leaflet path options (colours checked by the caller); ``styles[0]`` is
        used when a feature has no ``s``.
    tooltip_fields, popup_fields : sequence of (str, str)
        ``(property key, label)``; labels are neutralised here. Empty values are
        not shown.
    point : dict, optional
        How to draw points: ``{"kind": "circleMarker" | "circle",
        "radius_key": <property holding the radius>}`` (px for circleMarker,
        metres for circle).
    label : dict, optional
        Permanent labels: ``{"key": <text property>, "class_key": <property
        appended to the CSS class "srm-rank-">, "pane": <pane>}``.
    pane : str, optional
        Leaflet pane.
    interactive : bool
        Whether features react to the mouse.
    highlight : bool
        Thicken the outline under the mouse.
    attribution : str
        Plain credit shown in the attribution line while the layer is on.
    name, show, control :
        As for any folium layer.
    """

    def render(self, **kwargs: Any) -> None:
        """Render in one Jinja pass (see :mod:`layers._render`)."""
        render_layer_once(self, **kwargs)

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function() {
            var styles = {{ this.js("styles") }};
            var tip = {{ this.js("tooltip_fields") }};
            var pop = {{ this.js("popup_fields") }};
            var point = {{ this.js("point") }};
            var label = {{ this.js("label") }};
            var opts = {{ this.js("options") }};
            var popOpts = {{ this.js("popup_options") }};
            function styleOf(f) {
                var i = (f.properties && f.properties.s) || 0;
                return styles[i] || styles[0];
            }
            function table(f, fields) {
                var rows = fields.map(function(kv) {
                    var v = f.properties[kv[0]];
                    if (v === null || v === undefined || v === "") { return ""; }
                    return '<tr><th scope="row">' + kv[1] + "</th><td>" + v + "</td></tr>";
                }).join("");
                return '<table class="srm-popup">' + rows + "</table>";
            }
            var layer = L.geoJson(null, Object.assign({}, opts, {
                style: styleOf,
                pointToLayer: function(f, latlng) {
                    var o = Object.assign({}, styleOf(f), opts);
                    if (point && point.radius_key) { o.radius = f.properties[point.radius_key]; }
                    return point && point.kind === "circle" ? L.circle(latlng, o)
                        : L.circleMarker(latlng, o);
                },
                onEachFeature: function(f, l) {
                    if (tip) {
                        l.bindTooltip(function() { return table(f, tip); }, {sticky: true});
                    }
                    if (pop) {
                        l.bindPopup(function() { return table(f, pop); }, popOpts);
                    }
                    if (label) {
                        l.bindTooltip(String(f.properties[label.key]), {
                            permanent: true, direction: "right", offset: [4, 0], pane: label.pane,
                            className: "srm-town-label srm-rank-" + f.properties[label.class_key]
                        });
                    }
                    if (opts.highlight) {
                        l.on("mouseover", function() {
                            if (l.setStyle) { l.setStyle({weight: (styleOf(f).weight || 1) + 2}); }
                        });
                        l.on("mouseout", function() {
                            if (l.setStyle) { layer.resetStyle(l); }
                        });
                    }
                }
            }));
            layer.addData({{ this.collection_js }});
            return layer;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        collection: dict,
        *,
        styles: Sequence[Mapping[str, Any]],
        tooltip_fields: Sequence[tuple[str, str]] = (),
        popup_fields: Sequence[tuple[str, str]] = (),
        point: Mapping[str, Any] | None = None,
        label: Mapping[str, str] | None = None,
        pane: str | None = None,
        interactive: bool = True,
        highlight: bool = False,
        attribution: str = "",
        name: str | None = None,
        show: bool = True,
        control: bool = False,
    ):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "GeoJsonLayer"
        if not styles:
            raise ParameterError("GeoJsonLayer needs at least one style.")
        # Serialised once: a cached layer is copied and rendered on every rerun.
        self.collection_js = js_literal(collection)
        self.bbox = collection.get("bbox")
        self.styles = [dict(s) for s in styles]
        self.tooltip_fields = [[k, safe_text(label)] for k, label in tooltip_fields] or None
        self.popup_fields = [[k, safe_text(label)] for k, label in popup_fields] or None
        self.popup_options = POPUP_OPTIONS
        self.point = dict(point) if point else None
        self.label = dict(label) if label else None
        options: dict[str, Any] = {"interactive": bool(interactive), "highlight": bool(highlight)}
        if pane:
            options["pane"] = pane
        if attribution:
            options["attribution"] = safe_text(attribution)
        self.options = options

    def js(self, attr: str) -> str:
        """Compact JSON of one attribute, for the template."""
        return js_literal(getattr(self, attr))

    def _get_self_bounds(self) -> list[list[float | None]]:
        bbox = self.bbox
        if not bbox:
            return [[None, None], [None, None]]
        return [[bbox[1], bbox[0]], [bbox[3], bbox[2]]]
