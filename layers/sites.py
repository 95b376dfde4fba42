"""Sites (mines, factories, plants, industrial areas) by exposure class, key sites emphasised."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np

from geo.i18n import Translator
from geo.palette import (
    EXPOSURE_CLASSES,
    EXPOSURE_COLORS,
    UNCLASSED_COLOR,
    exposure_index,
)
from layers._geojson import GeoJsonLayer, feature_collection, require_columns, to_wgs84
from layers.legend import LegendItem, swatch_legend
from layers.safe import safe_text
from layers.wording import ENGLISH, number

__all__ = ["SITE_COLUMNS", "KEY_RADIUS_PX", "OTHER_RADIUS_PX", "build_sites"]

#: Input contract (geo.sites exposure table).
SITE_COLUMNS: tuple[str, ...] = (
    "site_id",
    "name",
    "site_type",
    "exposure_class",
    "n_30d",
    "n_90d",
    "n_365d",
    "nearest_km",
    "is_key_site",
)
#: Marker radius (px) of key sites (mines, factories, plants) and of other sites.
KEY_RADIUS_PX, OTHER_RADIUS_PX = 9.0, 5.0


def _styles() -> list[dict]:
    """Style table: index = 2 * class position + is_key (unclassed last)."""
    out = []
    for c in (*EXPOSURE_CLASSES, None):
        fill = EXPOSURE_COLORS[c] if c else UNCLASSED_COLOR
        out.append(
            {
                "radius": OTHER_RADIUS_PX,
                "color": "#555555",
                "weight": 1.0,
                "fillColor": fill,
                "fillOpacity": 0.8,
            }
        )
        out.append(
            {
                "radius": KEY_RADIUS_PX,
                "color": "#111111",
                "weight": 2.5,
                "fillColor": fill,
                "fillOpacity": 0.95,
            }
        )
    return out


def build_sites(
    sites: gpd.GeoDataFrame,
    *,
    name: str,
    show: bool = True,
    key_sites_only: bool = False,
    note: str = "",
    legend: bool = True,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw sites coloured by exposure class; key sites larger with a dark outline, on top.

    Parameters
    ----------
    sites : GeoDataFrame
        :data:`SITE_COLUMNS` and Point (or Polygon) geometry, any CRS.
        ``exposure_class`` is low, medium, high, critical or missing (grey).
    name : str
        Layer name and legend title.
    show : bool
        Shown when the map opens.
    key_sites_only : bool
        Draw only sites with ``is_key_site`` True (mines, factories, plants).
    note : str
        Small print: radius, windows, source.
    legend : bool
        Add the legend control.
    tr : Translator
        Language of the tooltip labels, class names, legend and numbers (the
        site type is shown as the data gives it).

    Returns
    -------
    folium.FeatureGroup
        Sites with tooltips: name, type, exposure class, incidents within the
        radius in the last 30/90/365 days, nearest incident (km).

    Raises
    ------
    ParameterError
        On a missing column or an unknown exposure class.
    CRSError
        If ``sites`` has no CRS.
    """
    require_columns(sites, SITE_COLUMNS, what="build_sites")
    key = sites["is_key_site"].eq(True).to_numpy()
    chosen = sites[key] if key_sites_only else sites
    key = key[key] if key_sites_only else key
    index = exposure_index(chosen["exposure_class"], what="build_sites")
    # Key sites last, so they are drawn on top (display order only).
    order = np.argsort(key, kind="stable")
    gdf = to_wgs84(chosen, what="build_sites").iloc[order]
    key, index = key[order], [index[i] for i in order]
    n_cls = len(EXPOSURE_CLASSES)
    extra = {
        "s": [2 * i + int(k) for i, k in zip(index, key, strict=True)],
        "c": [tr.gettext(EXPOSURE_CLASSES[i] if i < n_cls else "not classed") for i in index],
        "a": [number(v, tr) for v in gdf["n_30d"]],
        "b": [number(v, tr) for v in gdf["n_90d"]],
        "y": [number(v, tr) for v in gdf["n_365d"]],
        "d": [number(v, tr, digits=1) for v in gdf["nearest_km"]],
        "k": [tr.gettext("yes") if k else "" for k in key],
    }
    fc = feature_collection(gdf, {"site_id": "id", "name": "n", "site_type": "t"}, extra=extra)
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    if fc["features"]:
        GeoJsonLayer(
            fc,
            styles=_styles(),
            point={"kind": "circleMarker"},
            tooltip_fields=[
                ("n", tr.gettext("Site")),
                ("t", tr.gettext("Type")),
                ("k", tr.gettext("Key site")),
                ("c", tr.gettext("Exposure class")),
                ("a", tr.gettext("Incidents, last 30 days")),
                ("b", tr.gettext("Incidents, last 90 days")),
                ("y", tr.gettext("Incidents, last 365 days")),
                ("d", tr.gettext("Nearest incident (km)")),
            ],
            highlight=True,
        ).add_to(group)
    if legend:
        items = [
            LegendItem(tr.gettext(c), EXPOSURE_COLORS[c], "circle")
            for c in reversed(EXPOSURE_CLASSES)
        ]
        if n_cls in index:
            items.append(LegendItem(tr.gettext("not classed"), UNCLASSED_COLOR, "circle"))
        items.append(LegendItem(tr.gettext("Key site (mine, factory, plant)"), "#111111", "ring"))
        title = tr.gettext("{layer}: incident exposure").format(layer=name)
        swatch_legend(items, title=title, note=note, tr=tr).add_to(group)
    return group
