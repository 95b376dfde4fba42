"""Corridor route segments coloured and sized by incident-exposure class."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.i18n import Translator, gettext_noop
from geo.palette import (
    EXPOSURE_CLASSES,
    EXPOSURE_COLORS,
    EXPOSURE_WEIGHTS,
    UNCLASSED_COLOR,
    exposure_index,
)
from layers._geojson import GeoJsonLayer, feature_collection, require_columns, to_wgs84
from layers.legend import LegendItem, swatch_legend
from layers.safe import safe_text
from layers.wording import ENGLISH, number

__all__ = [
    "SEGMENT_COLUMNS",
    "ATTRIBUTION",
    "CASING_COLOR",
    "build_routes",
    "casing_styles",
    "segment_ids",
    "exposure_styles",
]

#: Input contract (geo.exposure.segment_exposure table).
SEGMENT_COLUMNS: tuple[str, ...] = (
    "route_id",
    "segment",
    "km_from",
    "km_to",
    "nearest_town",
    "n_incidents",
    "exposure",
    "exposure_per_km",
    "exposure_class",
)
#: Colour of the casing drawn under corridor lines.
CASING_COLOR = "#262626"
#: Credit of the corridor geometry (routed over OSM roads; translated when shown).
ATTRIBUTION = gettext_noop("Corridors: routed over © OpenStreetMap contributors roads (ODbL)")


def segment_ids(segments: gpd.GeoDataFrame) -> list[str]:
    """Return each segment's id on the page and in the selection: ``<route_id>:<segment>``.

    Examples
    --------
    >>> import pandas as pd
    >>> segment_ids(pd.DataFrame({"route_id": ["dakar_north"], "segment": [3]}))
    ['dakar_north:3']
    """
    return [f"{r}:{int(s)}" for r, s in zip(segments["route_id"], segments["segment"], strict=True)]


def casing_styles() -> list[dict]:
    """Casing under each class's line: 2 px wider each side, near-black."""
    return [
        {"color": CASING_COLOR, "weight": w + 3.0, "opacity": 0.9, "lineCap": "butt"}
        for w in (*(EXPOSURE_WEIGHTS[c] for c in EXPOSURE_CLASSES), 2.0)
    ]


def exposure_styles(*, line: bool) -> list[dict]:
    """Leaflet styles per exposure class (then one for unclassed), for lines or points."""
    out = []
    for c in (*EXPOSURE_CLASSES, None):
        color = EXPOSURE_COLORS[c] if c else UNCLASSED_COLOR
        if line:
            weight = EXPOSURE_WEIGHTS[c] if c else 2.0
            out.append({"color": color, "weight": weight, "opacity": 0.95, "lineCap": "butt"})
        else:
            out.append({"color": "#333333", "fillColor": color, "fillOpacity": 0.9})
    return out


def build_routes(
    segments: gpd.GeoDataFrame,
    *,
    name: str,
    show: bool = True,
    route_labels: dict[str, str] | None = None,
    note: str = "",
    legend: bool = True,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw route segments coloured (and thickened) by exposure class.

    Parameters
    ----------
    segments : GeoDataFrame
        :data:`SEGMENT_COLUMNS` and LineString geometry, any CRS. ``exposure_class``
        is one of low, medium, high, critical, or missing (drawn grey, thin).
    name : str
        Layer name and legend title.
    show : bool
        Shown when the map opens.
    route_labels : dict of str to str, optional
        Readable names by ``route_id`` (e.g. "Dakar – Bamako (north)").
    note : str
        Small print: window, buffer, half-life, source, class thresholds.
    legend : bool
        Add the legend control.
    tr : Translator
        Language of the tooltip labels, class names, legend, credit and numbers.

    Returns
    -------
    folium.FeatureGroup
        Segments with tooltips: route, km from–to, nearest town, incidents,
        incident exposure per km and class.

    Raises
    ------
    ParameterError
        On a missing column or an unknown exposure class.
    CRSError
        If ``segments`` has no CRS.
    """
    require_columns(segments, SEGMENT_COLUMNS, what="build_routes")
    index = exposure_index(segments["exposure_class"], what="build_routes")
    gdf = to_wgs84(segments, what="build_routes")
    labels = route_labels or {}
    extra = {
        "s": index,
        "id": segment_ids(gdf),
        "r": [labels.get(r, r) for r in gdf["route_id"]],
        "k": [
            f"{number(a, tr)}–{number(b, tr)} km"
            for a, b in zip(gdf["km_from"], gdf["km_to"], strict=True)
        ],
        "i": [number(v, tr) for v in gdf["n_incidents"]],
        "e": [number(v, tr, digits=2) for v in gdf["exposure_per_km"]],
        "c": [
            tr.gettext(c if i < len(EXPOSURE_CLASSES) else "not classed")
            for c, i in zip(gdf["exposure_class"], index, strict=True)
        ],
    }
    fc = feature_collection(gdf, {"nearest_town": "t"}, extra=extra)
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    if fc["features"]:
        # A dark casing under every segment keeps the lightest class readable on the basemap.
        GeoJsonLayer(
            feature_collection(gdf, {}, extra={"s": index}),
            styles=casing_styles(),
            interactive=False,
        ).add_to(group)
        GeoJsonLayer(
            fc,
            styles=exposure_styles(line=True),
            tooltip_fields=[
                ("r", tr.gettext("Route")),
                ("k", tr.gettext("Stretch")),
                ("t", tr.gettext("Nearest town")),
                ("i", tr.gettext("Incidents nearby")),
                ("e", tr.gettext("Incident exposure per km")),
                ("c", tr.gettext("Exposure class")),
            ],
            highlight=True,
            attribution=tr.gettext(ATTRIBUTION),
        ).add_to(group)
    if legend:
        items = [
            LegendItem(tr.gettext(c), EXPOSURE_COLORS[c], "line", EXPOSURE_WEIGHTS[c])
            for c in reversed(EXPOSURE_CLASSES)
        ]
        if len(EXPOSURE_CLASSES) in index:
            items.append(LegendItem(tr.gettext("not classed"), UNCLASSED_COLOR, "line", 2.0))
        title = tr.gettext("{layer}: incident exposure").format(layer=name)
        swatch_legend(items, title=title, note=note, tr=tr).add_to(group)
    return group
