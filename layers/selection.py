"""The selected unit, segment or site, outlined over every other layer (clicked or listed)."""

from __future__ import annotations

import folium
import geopandas as gpd

from layers._geojson import GeoJsonLayer, feature_collection, to_wgs84
from layers.safe import safe_text

__all__ = ["SELECTION_COLOR", "build_selection"]

#: Outline of the selection: near-black over a white halo, readable on every fill.
SELECTION_COLOR = "#111111"


def build_selection(feature: gpd.GeoDataFrame, *, name: str) -> folium.FeatureGroup:
    """Outline the selected feature(s): a white halo under a black line, not interactive.

    Parameters
    ----------
    feature : GeoDataFrame
        The selected row(s), any geometry, any CRS. Not modified.
    name : str
        Layer name (neutralised).

    Returns
    -------
    folium.FeatureGroup
        Empty when ``feature`` is; it never takes a click, so the feature under
        it stays clickable.

    Raises
    ------
    CRSError
        If ``feature`` has no CRS.
    """
    group = folium.FeatureGroup(name=safe_text(name), show=True, control=False)
    gdf = to_wgs84(feature, what="build_selection")
    fc = feature_collection(gdf, {})
    if not fc["features"]:
        return group
    point = {"kind": "circleMarker"}
    for color, weight, radius in (("#ffffff", 8.0, 15.0), (SELECTION_COLOR, 3.5, 15.0)):
        style = {"color": color, "weight": weight, "fill": False, "opacity": 1.0}
        GeoJsonLayer(
            fc, styles=[{**style, "radius": radius}], point=point, interactive=False
        ).add_to(group)
    return group
