"""Choropleth of incidents per admin unit (count or rate) with the change vs the previous window."""

from __future__ import annotations

import math

import folium
import geopandas as gpd

from geo.errors import ParameterError
from geo.i18n import Translator, gettext_noop
from geo.palette import CHANGE_CLASSES, change_index, classify
from layers._geojson import GeoJsonLayer, feature_collection, require_columns, to_wgs84
from layers.legend import LegendItem, classes_legend, swatch_legend
from layers.safe import safe_text
from layers.wording import ENGLISH, localize, number

__all__ = ["ADMIN_COLUMNS", "VALUE_COLUMNS", "build_admin", "change_text"]

#: Input contract (geo.admin aggregate table).
ADMIN_COLUMNS: tuple[str, ...] = (
    "unit_id",
    "name",
    "incidents",
    "fatalities",
    "incidents_per_1000km2",
    "change",
    "change_pct",
)
#: Columns the colours can follow, with their legend wording (translated when shown).
VALUE_COLUMNS: dict[str, str] = {
    "incidents": gettext_noop("Incidents"),
    "fatalities": gettext_noop("Fatalities"),
    "incidents_per_1000km2": gettext_noop("Incidents per 1,000 km²"),
    "change": gettext_noop("Change in incidents against the previous window"),
}


def change_text(change: float, change_pct: float, *, tr: Translator = ENGLISH) -> str:
    """Describe the change against the previous window, e.g. ``+3 (+50 %)``.

    Parameters
    ----------
    change : float
        Incidents in this window minus incidents in the previous one.
    change_pct : float
        Change in percent of the previous window (NaN or infinite when the
        previous window had none).
    tr : Translator
        Language of the words and numbers.

    Returns
    -------
    str
        ``"–"`` when unknown; ``"+2 (none before)"`` when the previous window had none.

    Examples
    --------
    >>> change_text(3, 50.0), change_text(-1, -25.0), change_text(2, float("inf"))
    ('+3 (+50 %)', '-1 (-25 %)', '+2 (none before)')
    >>> from geo.i18n import translator
    >>> change_text(0, float("nan")), change_text(2, float("inf"), tr=translator("fr"))
    ('0', '+2 (aucun auparavant)')
    """
    if change is None or not math.isfinite(float(change)):
        return "–"
    c = float(change)
    head = localize(f"{c:+,.0f}", tr) if c != 0 else "0"
    if change_pct is None or not math.isfinite(float(change_pct)):
        return tr.gettext("{change} (none before)").format(change=head) if c > 0 else head
    return f"{head} ({localize(f'{float(change_pct):+,.0f}', tr)} %)"


def build_admin(
    stats: gpd.GeoDataFrame,
    *,
    name: str,
    show: bool = True,
    value_column: str = "incidents",
    n_classes: int = 5,
    unit_label: str = "Unit",
    note: str = "",
    legend: bool = True,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Colour each admin unit by incidents, fatalities or incidents per 1,000 km².

    Parameters
    ----------
    stats : GeoDataFrame
        The aggregate table (:data:`ADMIN_COLUMNS` + polygon geometry), any CRS.
        Not modified.
    name : str
        Layer name in the switcher and legend title (neutralised).
    show : bool
        Shown when the map opens.
    value_column : str
        One of :data:`VALUE_COLUMNS`.
    n_classes : int
        Largest number of colour classes (1..5, head/tail breaks of the positive
        values, :func:`geo.palette.class_breaks`; zero has its own light grey).
        The change has fixed classes (:data:`geo.palette.CHANGE_CLASSES`).
    unit_label : str
        Word for a unit in the tooltip (``Cercle``, ``Region``), already translated.
    note : str
        Small print in the legend: window, source, left-out events.
    legend : bool
        Add the legend control.
    tr : Translator
        Language of the tooltip labels, legend and numbers (``name`` and
        ``note`` come translated).

    Returns
    -------
    folium.FeatureGroup
        The choropleth with tooltips (unit, incidents, fatalities, rate, change)
        and, if asked, its legend.

    Raises
    ------
    ParameterError
        On a missing column or an unknown ``value_column``.
    CRSError
        If ``stats`` has no CRS.
    """
    if value_column not in VALUE_COLUMNS:
        raise ParameterError(
            f"`value_column` was {value_column!r} but is expected to be in {list(VALUE_COLUMNS)}."
        )
    require_columns(stats, ADMIN_COLUMNS, what="build_admin")
    gdf = to_wgs84(stats, what="build_admin")
    values = gdf[value_column].to_numpy(dtype=float)
    if value_column == "change":
        # Fixed classes, so "getting worse" means the same on every window.
        palette = [c for *_, c in CHANGE_CLASSES]
        index = change_index(values)
    else:
        breaks, palette, index = classify(values, n_classes=n_classes)
    styles = [
        {"color": "#4d4d4d", "weight": 0.8, "fillColor": c, "fillOpacity": 0.72} for c in palette
    ]
    extra = {
        "s": index,
        "i": [number(v, tr) for v in gdf["incidents"]],
        "f": [number(v, tr) for v in gdf["fatalities"]],
        "r": [number(v, tr, digits=2) for v in gdf["incidents_per_1000km2"]],
        "c": [
            change_text(c, p, tr=tr) for c, p in zip(gdf["change"], gdf["change_pct"], strict=True)
        ],
    }
    fc = feature_collection(gdf, {"unit_id": "id", "name": "n"}, extra=extra)
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    if fc["features"]:
        GeoJsonLayer(
            fc,
            styles=styles,
            tooltip_fields=[
                ("n", unit_label),
                ("i", tr.gettext("Incidents")),
                ("f", tr.gettext("Fatalities")),
                ("r", tr.gettext("Incidents per 1,000 km²")),
                ("c", tr.gettext("Change vs previous window")),
            ],
            highlight=True,
        ).add_to(group)
    if legend:
        title = tr.gettext("{layer}: {measure}").format(
            layer=name, measure=tr.gettext(VALUE_COLUMNS[value_column])
        )
        if value_column == "change":
            items = [LegendItem(tr.gettext(label), c) for label, *_, c in reversed(CHANGE_CLASSES)]
            swatch_legend(items, title=title, note=note, tr=tr).add_to(group)
        else:
            classes_legend(values, breaks, palette, title=title, note=note, tr=tr).add_to(group)
    return group
