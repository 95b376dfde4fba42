"""H3 hexagon counts of incidents, coloured by count classes."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.errors import ParameterError
from geo.i18n import Translator
from geo.palette import classify
from layers._geojson import GeoJsonLayer, feature_collection, require_columns, to_wgs84
from layers.legend import classes_legend
from layers.safe import safe_text
from layers.wording import ENGLISH, number

__all__ = ["HEX_COLUMNS", "build_hexes"]

#: Input contract (geo.hotspots hex table).
HEX_COLUMNS: tuple[str, ...] = ("hex", "incidents", "fatalities")
_VALUES = ("incidents", "fatalities")


def build_hexes(
    hexes: gpd.GeoDataFrame,
    *,
    name: str,
    show: bool = True,
    value_column: str = "incidents",
    n_classes: int = 5,
    note: str = "",
    legend: bool = True,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw H3 cells coloured by incidents (or fatalities) per cell.

    Parameters
    ----------
    hexes : GeoDataFrame
        ``hex`` (H3 cell id), ``incidents``, ``fatalities`` and the cell polygon;
        any CRS. Cells with zero incidents are drawn light grey.
    name : str
        Layer name and legend title.
    show : bool
        Shown when the map opens.
    value_column : str
        ``incidents`` or ``fatalities``.
    n_classes : int
        Number of colour classes (1..5, quantiles of the positive values).
    note : str
        Small print: resolution, window, source, events left out.
    legend : bool
        Add the legend control.
    tr : Translator
        Language of the tooltip labels, legend and numbers.

    Returns
    -------
    folium.FeatureGroup

    Raises
    ------
    ParameterError
        On a missing column or an unknown ``value_column``.
    CRSError
        If ``hexes`` has no CRS.
    """
    if value_column not in _VALUES:
        raise ParameterError(
            f"`value_column` was {value_column!r} but is expected to be in {list(_VALUES)}."
        )
    require_columns(hexes, HEX_COLUMNS, what="build_hexes")
    gdf = to_wgs84(hexes, what="build_hexes")
    values = gdf[value_column].to_numpy(dtype=float)
    breaks, palette, index = classify(values, n_classes=n_classes)
    styles = [
        {"color": "#6b6b6b", "weight": 0.4, "fillColor": c, "fillOpacity": 0.7} for c in palette
    ]
    extra = {
        "s": index,
        "i": [number(v, tr) for v in gdf["incidents"]],
        "f": [number(v, tr) for v in gdf["fatalities"]],
    }
    fc = feature_collection(gdf, {"hex": "id"}, extra=extra)
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    if fc["features"]:
        GeoJsonLayer(
            fc,
            styles=styles,
            tooltip_fields=[
                ("id", tr.gettext("H3 cell")),
                ("i", tr.gettext("Incidents")),
                ("f", tr.gettext("Fatalities")),
            ],
            highlight=True,
        ).add_to(group)
    if legend:
        title = (
            tr.gettext("{layer}: incidents per cell")
            if value_column == "incidents"
            else tr.gettext("{layer}: fatalities per cell")
        ).format(layer=name)
        classes_legend(values, breaks, palette, title=title, note=note, tr=tr).add_to(group)
    return group
