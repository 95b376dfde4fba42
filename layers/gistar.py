"""Getis-Ord Gi* hot and cold spots (on hexes or admin units), drawn by significance class."""

from __future__ import annotations

import math

import folium
import geopandas as gpd

from geo.errors import ParameterError
from geo.i18n import Translator
from geo.palette import GISTAR_CLASSES, GISTAR_COLORS, GISTAR_LABELS
from layers._geojson import GeoJsonLayer, feature_collection, require_columns, to_wgs84
from layers.legend import LegendItem, swatch_legend
from layers.safe import safe_text
from layers.wording import ENGLISH, localize

__all__ = ["GISTAR_COLUMNS", "ID_COLUMNS", "build_gistar"]

#: Input contract (geo.gistar Gi* table), plus one id column from ID_COLUMNS.
GISTAR_COLUMNS: tuple[str, ...] = ("z", "p_adjusted", "gistar_class")
#: Id columns looked for, in order, when ``id_column`` is not given.
ID_COLUMNS: tuple[str, ...] = ("hex", "unit_id")


def _fmt(value: object, pattern: str, tr: Translator) -> str:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return localize(pattern.format(v), tr) if math.isfinite(v) else "–"


def build_gistar(
    result: gpd.GeoDataFrame,
    *,
    name: str,
    show: bool = True,
    id_column: str | None = None,
    name_column: str | None = None,
    note: str = "",
    legend: bool = True,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw Gi* classes: hot (red), cold (blue), not significant (pale, nearly clear).

    Parameters
    ----------
    result : GeoDataFrame
        ``z``, ``p_adjusted``, ``gistar_class`` and the unit polygon, any CRS.
        ``gistar_class`` takes values of :data:`geo.palette.GISTAR_CLASSES`:
        ``hot``/``cold``/``not_significant``, or with confidence
        (``hot_99``, ``hot_95``, ``hot_90``, ``cold_90``, ...).
    name : str
        Layer name and legend title.
    show : bool
        Shown when the map opens.
    id_column : str, optional
        Unit id shown in the tooltip; default the first of :data:`ID_COLUMNS` present.
    name_column : str, optional
        A readable unit name to show too (e.g. ``name`` for admin units).
    note : str
        Small print: alpha, FDR correction, permutations, events used/left out.
    legend : bool
        Add the legend control.
    tr : Translator
        Language of the tooltip labels, class names and numbers.

    Returns
    -------
    folium.FeatureGroup

    Raises
    ------
    ParameterError
        On a missing column, no id column, or a class outside GISTAR_CLASSES.
    CRSError
        If ``result`` has no CRS.
    """
    require_columns(result, GISTAR_COLUMNS, what="build_gistar")
    if id_column is None:
        id_column = next((c for c in ID_COLUMNS if c in result.columns), None)
        if id_column is None:
            raise ParameterError(
                f"build_gistar: no id column; the table needs one of {list(ID_COLUMNS)} "
                "or pass id_column=..."
            )
    require_columns(
        result, [id_column] + ([name_column] if name_column else []), what="build_gistar"
    )
    classes = result["gistar_class"].astype("object").where(result["gistar_class"].notna(), None)
    bad = sorted({str(c) for c in classes.dropna().unique()} - set(GISTAR_CLASSES))
    if bad:
        raise ParameterError(
            f"build_gistar: gistar_class values {bad} are not in {list(GISTAR_CLASSES)}."
        )
    gdf = to_wgs84(result, what="build_gistar")
    cls = classes.fillna("not_significant").tolist()
    styles = [
        {
            "color": "#737373" if c == "not_significant" else "#404040",
            "weight": 0.4 if c == "not_significant" else 0.8,
            "fillColor": GISTAR_COLORS[c],
            "fillOpacity": 0.25 if c == "not_significant" else 0.75,
        }
        for c in GISTAR_CLASSES
    ]
    props = {id_column: "id"}
    fields = [("id", tr.gettext("Unit") if id_column != "hex" else tr.gettext("H3 cell"))]
    if name_column:
        props[name_column] = "n"
        fields.append(("n", tr.gettext("Name")))
    extra = {
        "s": [GISTAR_CLASSES.index(c) for c in cls],
        "k": [tr.gettext(GISTAR_LABELS[c]) for c in cls],
        "z": [_fmt(v, "{:+.2f}", tr) for v in gdf["z"]],
        "p": [_fmt(v, "{:.3g}", tr) for v in gdf["p_adjusted"]],
    }
    fields += [
        ("k", tr.gettext("Class")),
        ("z", tr.gettext("Gi* z-score")),
        ("p", tr.gettext("p (adjusted)")),
    ]
    fc = feature_collection(gdf, props, extra=extra)
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    if fc["features"]:
        GeoJsonLayer(fc, styles=styles, tooltip_fields=fields, highlight=True).add_to(group)
    if legend:
        present = [c for c in GISTAR_CLASSES if c in set(cls)] or [
            "hot",
            "not_significant",
            "cold",
        ]
        items = [LegendItem(tr.gettext(GISTAR_LABELS[c]), GISTAR_COLORS[c]) for c in present]
        swatch_legend(items, title=name, note=note, tr=tr).add_to(group)
    return group
