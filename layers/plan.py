"""The routes of a trip plan, each kind in its own style, with a legend."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.i18n import Translator, gettext_noop
from geo.palette import PLAN_ROUTE_LABELS, PLAN_ROUTE_STYLES
from layers._geojson import GeoJsonLayer, feature_collection, require_columns, to_wgs84
from layers.legend import LegendItem, swatch_legend
from layers.safe import safe_text
from layers.wording import ENGLISH, localize, number

__all__ = ["PLAN_COLUMNS", "ROUTE_STYLES", "ATTRIBUTION", "build_plan"]

#: Input contract (geo.planner.Plan.routes).
PLAN_COLUMNS: tuple[str, ...] = (
    "route_id",
    "route_kind",
    "label",
    "length_km",
    "exposure",
    "exposure_per_km",
    "km_high_or_critical",
    "km_added",
    "roads",
)

#: Leaflet style and legend label of each route kind, in drawing order (geo.palette).
ROUTE_STYLES: dict[str, tuple[dict, str]] = {
    kind: (
        {"color": color, "weight": weight, "opacity": 0.9} | ({"dashArray": dash} if dash else {}),
        PLAN_ROUTE_LABELS[kind],
    )
    for kind, (color, weight, dash) in PLAN_ROUTE_STYLES.items()
}
#: Credit of the routed geometry (translated when shown).
ATTRIBUTION = gettext_noop("Routes: planned over © OpenStreetMap contributors roads (ODbL)")


def build_plan(
    routes: gpd.GeoDataFrame,
    *,
    name: str,
    show: bool = True,
    note: str = "",
    legend: bool = True,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw the routes of a plan: shortest black, least exposed green, alternatives dashed.

    Parameters
    ----------
    routes : GeoDataFrame
        :data:`PLAN_COLUMNS` and LineString geometry, any CRS.
    name : str
        Layer name and legend title.
    show : bool
        Shown when the map opens.
    note : str
        Small print: window, λ, what exposure means.
    legend : bool
        Add the legend control.
    tr : Translator
        Language of the tooltip labels, legend, credit and numbers.

    Returns
    -------
    folium.FeatureGroup
        The routes (alternatives drawn first, the least-exposed route on top),
        with tooltips: route, km, km added, incident exposure, km high or
        critical, roads.

    Raises
    ------
    ParameterError
        On a missing column.
    CRSError
        If ``routes`` has no CRS.
    """
    require_columns(routes, PLAN_COLUMNS, what="build_plan")
    gdf = to_wgs84(routes, what="build_plan")
    kinds = list(ROUTE_STYLES)
    order = gdf["route_kind"].map({k: i for i, k in enumerate(kinds)}).fillna(0).astype(int)
    gdf = gdf.assign(_order=order.to_numpy()).sort_values("_order", kind="stable")
    extra = {
        "s": gdf["_order"].tolist(),
        "k": [f"{number(v, tr)} km" for v in gdf["length_km"]],
        "a": [localize(f"{v:+,.0f} km", tr) for v in gdf["km_added"]],
        "e": [
            tr.gettext("{total} ({per_km} per km)").format(
                total=number(e, tr, digits=2), per_km=number(p, tr, digits=3)
            )
            for e, p in zip(gdf["exposure"], gdf["exposure_per_km"], strict=True)
        ],
        "h": [f"{number(v, tr)} km" for v in gdf["km_high_or_critical"]],
    }
    fc = feature_collection(gdf, {"label": "r", "roads": "d"}, extra=extra)
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    if fc["features"]:
        GeoJsonLayer(
            fc,
            styles=[ROUTE_STYLES[k][0] for k in kinds],
            tooltip_fields=[
                ("r", tr.gettext("Route")),
                ("k", tr.gettext("Length")),
                ("a", tr.gettext("Against the shortest")),
                ("e", tr.gettext("Incident exposure over the trip")),
                ("h", tr.gettext("High or critical")),
                ("d", tr.gettext("Roads")),
            ],
            highlight=True,
            attribution=tr.gettext(ATTRIBUTION),
        ).add_to(group)
    if legend:
        present = set(gdf["route_kind"])
        items = [
            LegendItem(
                tr.gettext(label),
                style["color"],
                "dashed_line" if "dashArray" in style else "line",
                style["weight"],
            )
            for kind, (style, label) in reversed(ROUTE_STYLES.items())
            if kind in present
        ]
        swatch_legend(items, title=name, note=note, tr=tr).add_to(group)
    return group
