"""Emerging hot spot patterns on admin units or hexes, drawn by category with a legend."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.emerging import CATEGORIES, CATEGORY_LABELS
from geo.errors import ParameterError
from geo.i18n import Translator
from geo.palette import EMERGING_COLORS
from layers._geojson import GeoJsonLayer, feature_collection, require_columns, to_wgs84
from layers.legend import LegendItem, swatch_legend
from layers.safe import safe_text
from layers.wording import ENGLISH, localize

__all__ = ["EMERGING_COLUMNS", "build_emerging"]

#: Input contract: ``geo.emerging.EmergingResult.units`` columns used here.
EMERGING_COLUMNS: tuple[str, ...] = ("category", "n_hot", "n_cold", "n_steps", "trend_tau")


def _of_steps(k: int, n: int, step: str, tr: Translator) -> str:
    """``3 of 12 months`` in ``tr``'s language (the plural follows ``n``)."""
    if step == "week":
        text = tr.ngettext("{k} of {n} week", "{k} of {n} weeks", n)
    elif step == "month":
        text = tr.ngettext("{k} of {n} month", "{k} of {n} months", n)
    elif step == "quarter":
        text = tr.ngettext("{k} of {n} quarter", "{k} of {n} quarters", n)
    else:
        text = "{k} of {n} " + step
    return text.format(k=k, n=n)


def build_emerging(
    units: gpd.GeoDataFrame,
    *,
    name: str,
    step: str,
    id_column: str = "unit_id",
    name_column: str | None = "name",
    show: bool = True,
    note: str = "",
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw each unit in the colour of its emerging hot spot category.

    Parameters
    ----------
    units : GeoDataFrame
        ``EmergingResult.units`` (any CRS) with :data:`EMERGING_COLUMNS`.
    name : str
        Layer name and legend title.
    step : str
        ``week``, ``month`` or ``quarter`` (for the tooltip's counts).
    id_column, name_column : str
        Unit id and readable name shown in the tooltip.
    show : bool
        Shown when the map opens.
    note : str
        Small print under the legend (window, thresholds, inference).
    tr : Translator
        Language of the tooltip labels, pattern names and counts.

    Returns
    -------
    folium.FeatureGroup
        The polygons and a legend listing the categories present.

    Raises
    ------
    ParameterError
        On a missing column or a category outside ``geo.emerging.CATEGORIES``.
    """
    require_columns(units, [*EMERGING_COLUMNS, id_column], what="build_emerging")
    bad = sorted(set(units["category"].astype(str)) - set(CATEGORIES))
    if bad:
        raise ParameterError(f"build_emerging: categories {bad} are not in {list(CATEGORIES)}.")
    gdf = to_wgs84(units, what="build_emerging")
    cats = gdf["category"].astype(str).tolist()
    styles = [
        {
            "color": "#737373" if c == "no_pattern" else "#404040",
            "weight": 0.4 if c == "no_pattern" else 0.8,
            "fillColor": EMERGING_COLORS[c],
            "fillOpacity": 0.3 if c == "no_pattern" else 0.8,
        }
        for c in CATEGORIES
    ]
    props = {id_column: "u"}
    fields = [("u", tr.gettext("Unit") if id_column != "hex" else tr.gettext("H3 cell"))]
    if name_column and name_column in gdf.columns:
        props[name_column] = "n"
        fields.append(("n", tr.gettext("Name")))
    extra = {
        "s": [CATEGORIES.index(c) for c in cats],
        "k": [tr.gettext(CATEGORY_LABELS[c]) for c in cats],
        "h": [_of_steps(h, n, step, tr) for h, n in zip(gdf["n_hot"], gdf["n_steps"], strict=True)],
        "c": [
            _of_steps(c, n, step, tr) for c, n in zip(gdf["n_cold"], gdf["n_steps"], strict=True)
        ],
        "t": [localize(f"{t:+.2f}", tr) for t in gdf["trend_tau"]],
    }
    fields += [
        ("k", tr.gettext("Pattern")),
        ("h", tr.gettext("Hot")),
        ("c", tr.gettext("Cold")),
        ("t", tr.gettext("Trend (Kendall tau)")),
    ]
    fc = feature_collection(gdf, props, extra=extra)
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    if fc["features"]:
        GeoJsonLayer(fc, styles=styles, tooltip_fields=fields, highlight=True).add_to(group)
    present = [c for c in CATEGORIES if c in set(cats)] or ["no_pattern"]
    items = [LegendItem(tr.gettext(CATEGORY_LABELS[c]), EMERGING_COLORS[c]) for c in present]
    swatch_legend(items, title=name, note=note, tr=tr).add_to(group)
    return group
