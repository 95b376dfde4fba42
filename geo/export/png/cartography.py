"""Map furniture of a PNG map: scale bar, north arrow, town and country labels without overlaps."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.transforms import Bbox
from pyproj import Geod, Transformer

from geo.crs import METRIC_CRS, WGS84
from geo.i18n import DEFAULT_LANGUAGE, Translator, gettext_noop, translator
from geo.palette import (
    BASEMAP,
)

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = [
    "COUNTRY_NAMES",
    "analysis_town_names",
    "country_label",
    "draw_cartography",
    "halo",
    "label_countries",
    "label_towns",
    "north_arrow",
    "scale_bar",
]


_EN = translator(DEFAULT_LANGUAGE)

#: The bundled countries (``iso3`` -> the ``name`` of geo.io.bundled), named in the
#: map's language when drawn; a country not listed keeps the name the data gives.
COUNTRY_NAMES: dict[str, str] = {
    "BEN": gettext_noop("Benin"),
    "BFA": gettext_noop("Burkina Faso"),
    "CIV": gettext_noop("Côte d'Ivoire"),
    "DZA": gettext_noop("Algeria"),
    "GHA": gettext_noop("Ghana"),
    "GIN": gettext_noop("Guinea"),
    "GMB": gettext_noop("Gambia"),
    "GNB": gettext_noop("Guinea-Bissau"),
    "LBR": gettext_noop("Liberia"),
    "MLI": gettext_noop("Mali"),
    "MRT": gettext_noop("Mauritania"),
    "NER": gettext_noop("Niger"),
    "NGA": gettext_noop("Nigeria"),
    "ESH": gettext_noop("W. Sahara"),
    "SEN": gettext_noop("Senegal"),
    "SLE": gettext_noop("Sierra Leone"),
    "TGO": gettext_noop("Togo"),
}


def country_label(row: Mapping[str, Any], tr: Translator = _EN) -> str:
    """Name a country as the map labels it: upper case, in ``tr``'s language when known."""
    name, code = str(row["name"]), row.get("iso3")
    if tr.lang != DEFAULT_LANGUAGE and code in COUNTRY_NAMES:
        name = tr.gettext(COUNTRY_NAMES[code])
    return name.upper()


def halo(width: float = 2.2) -> list:
    """Return a white halo path effect that keeps text readable on any fill."""
    return [patheffects.withStroke(linewidth=width, foreground="#ffffff", alpha=0.9)]


def _overlaps(box: Bbox, placed: Sequence[Bbox]) -> bool:
    return any(box.overlaps(p) for p in placed)


def label_towns(
    ax: Any,
    towns: gpd.GeoDataFrame,
    *,
    priority_names: Sequence[str],
    renderer: Any,
    obstacles: list[Bbox],
    box: tuple[float, float, float, float],
) -> list[str]:
    """Label cities and the towns named by the analysis, skipping any that would overlap."""
    if towns is None or towns.empty or "name" not in towns:
        return []
    x0, y0, x1, y1 = box
    pts = towns.geometry
    inside = (pts.x > x0) & (pts.x < x1) & (pts.y > y0) & (pts.y < y1)
    towns = towns[inside]
    wanted = {str(n) for n in priority_names if n}
    is_city = towns.get("place_class", pd.Series("town", index=towns.index)).astype(str) == "city"
    is_named = towns["name"].astype(str).isin(wanted)
    towns = towns[is_city | is_named].copy()
    if towns.empty:
        return []
    country = towns.get("country", pd.Series("", index=towns.index)).astype(str)
    towns["_rank"] = np.where(is_named[towns.index], 0, 1) + np.where(country == "MLI", 0, 2)
    towns = towns.sort_values(["_rank", "name"])
    ax_box = ax.get_window_extent(renderer)
    placed: list[str] = []
    offsets = (
        (5, 3, "left", "bottom"),
        (-5, 3, "right", "bottom"),
        (5, -3, "left", "top"),
        (-5, -3, "right", "top"),
    )
    for _, row in towns.iterrows():
        x, y = row.geometry.x, row.geometry.y
        bold = row["_rank"] == 0
        for dx, dy, ha, va in offsets:
            text = ax.annotate(
                str(row["name"]),
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=7.2 if bold else 6.6,
                fontweight="bold" if bold else "normal",
                color=BASEMAP["town"],
                zorder=10,
                path_effects=halo(),
            )
            bb = text.get_window_extent(renderer).expanded(1.04, 1.1)
            if (
                ax_box.contains(bb.x0, bb.y0)
                and ax_box.contains(bb.x1, bb.y1)
                and not _overlaps(bb, obstacles)
            ):
                obstacles.append(bb)
                ax.plot(
                    [x], [y], marker="o", ms=2.8, mfc="#ffffff", mec="#222222", mew=0.8, zorder=9.9
                )
                placed.append(str(row["name"]))
                break
            text.remove()
    return placed


def label_countries(
    ax: Any,
    countries: gpd.GeoDataFrame,
    renderer: Any,
    obstacles: list[Bbox],
    box: tuple[float, float, float, float],
    *,
    tr: Translator = _EN,
) -> None:
    """Label the neighbouring countries inside the map where their names fit."""
    if countries is None or countries.empty or "name" not in countries:
        return
    from shapely.geometry import box as shp_box
    from shapely.ops import polylabel

    frame = shp_box(*box)
    for _, row in countries.iterrows():
        part = row.geometry.intersection(frame)
        if part.is_empty or part.area < 0.04 * frame.area:
            continue
        # The pole of inaccessibility of the largest piece: the label sits in open
        # country rather than wherever the representative point happens to fall.
        piece = max(getattr(part, "geoms", [part]), key=lambda g: g.area)
        p = (
            polylabel(piece, tolerance=2000.0)
            if piece.geom_type == "Polygon"
            else piece.representative_point()
        )
        text = ax.text(
            p.x,
            p.y,
            country_label(row, tr),
            ha="center",
            va="center",
            fontsize=8.5,
            color="#8a8378",
            style="italic",
            zorder=3.5,
            path_effects=halo(2.5),
        )
        bb = text.get_window_extent(renderer)
        if _overlaps(bb, obstacles):
            text.remove()
        else:
            obstacles.append(bb)


def _km(value: float, tr: Translator) -> str:
    text = f"{value:g}"
    return text if tr.lang == DEFAULT_LANGUAGE else text.replace(".", ",")


def scale_bar(
    ax: Any,
    box: tuple[float, float, float, float],
    renderer: Any,
    obstacles: list[Bbox],
    *,
    tr: Translator = _EN,
) -> None:
    """Scale bar measured at the map centre with geodesic distances (pyproj.Geod).

    Its labels follow ``tr``'s number format (``12,5`` in French).
    """
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    to_ll = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)
    lon_a, lat_a = to_ll.transform(cx - 50_000, cy)
    lon_b, lat_b = to_ll.transform(cx + 50_000, cy)
    _, _, true_m = Geod(ellps="WGS84").inv(lon_a, lat_a, lon_b, lat_b)
    map_m_per_true_m = 100_000 / true_m
    target_km = (x1 - x0) / 1000 / map_m_per_true_m * 0.22
    nice = [10, 20, 25, 50, 100, 150, 200, 250, 300, 500, 1000]
    length_km = max(n for n in nice if n <= max(target_km, 10))
    length = length_km * 1000 * map_m_per_true_m
    bx, by = x0 + 0.03 * (x1 - x0), y0 + 0.045 * (y1 - y0)
    hgt = 0.011 * (y1 - y0)
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 4, by),
                length / 4,
                hgt,
                facecolor="#222222" if i % 2 == 0 else "#ffffff",
                edgecolor="#222222",
                linewidth=0.7,
                zorder=11,
            )
        )
    labels = [(0, "0"), (length / 2, _km(length_km / 2, tr)), (length, f"{_km(length_km, tr)} km")]
    for dx, lab in labels:
        t = ax.text(
            bx + dx,
            by + hgt * 1.6,
            lab,
            ha="center" if dx < length else "left",
            va="bottom",
            fontsize=6.5,
            zorder=11,
            path_effects=halo(2),
        )
        if dx == length:
            t.set_ha("center")
    bb = Bbox.from_extents(
        *ax.transData.transform((bx - 0.01 * (x1 - x0), by - hgt)),
        *ax.transData.transform((bx + length * 1.08, by + hgt * 5)),
    )
    obstacles.append(bb)


def north_arrow(ax: Any, box: tuple[float, float, float, float], obstacles: list[Bbox]) -> None:
    """Arrow to true north at the arrow's place (Albers meridians converge)."""
    x0, y0, x1, y1 = box
    ax_x, ax_y = x1 - 0.045 * (x1 - x0), y1 - 0.14 * (y1 - y0)
    to_ll = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)
    to_m = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
    lon, lat = to_ll.transform(ax_x, ax_y)
    nx, ny = to_m.transform(lon, lat + 0.2)
    angle = math.atan2(nx - ax_x, ny - ax_y)
    size = 0.06 * (y1 - y0)
    dx, dy = size * math.sin(angle), size * math.cos(angle)
    ax.add_patch(
        FancyArrow(
            ax_x,
            ax_y,
            dx,
            dy,
            width=size * 0.16,
            head_width=size * 0.42,
            head_length=size * 0.42,
            length_includes_head=True,
            facecolor="#222222",
            edgecolor="#ffffff",
            linewidth=0.6,
            zorder=11,
        )
    )
    ax.text(
        ax_x + dx * 1.22,
        ax_y + dy * 1.22,
        "N",
        ha="center",
        va="bottom",
        fontsize=9,
        fontweight="bold",
        zorder=11,
        path_effects=halo(2),
    )
    obstacles.append(
        Bbox.from_extents(
            *ax.transData.transform((ax_x - size * 0.5, ax_y - size * 0.2)),
            *ax.transData.transform((ax_x + size * 0.5, ax_y + size * 1.7)),
        )
    )


def analysis_town_names(analysis: Analysis) -> list[str]:
    """Return the towns named by the worst stretches (labelled first on route maps)."""
    names: list[str] = []
    ws = analysis.worst_stretches
    if ws is not None and not ws.empty:
        for col in ("town_from", "town_to", "from_town", "to_town"):
            if col in ws:
                names.extend(str(v) for v in ws[col].dropna())
    return names


def draw_cartography(
    ax: Any,
    base: Mapping[str, gpd.GeoDataFrame | None],
    box: tuple[float, float, float, float],
    *,
    priority_towns: Sequence[str],
    shared: bool,
    tr: Translator = _EN,
) -> list[str]:
    """Scale bar, north arrow, town and country labels (and the sharing mark); return towns.

    Town names are drawn as the data has them (accents kept); the scale bar,
    country names and sharing mark are in ``tr``'s language.
    """
    renderer = ax.figure.canvas.get_renderer()
    obstacles: list[Bbox] = []
    scale_bar(ax, box, renderer, obstacles, tr=tr)
    north_arrow(ax, box, obstacles)
    towns = label_towns(
        ax,
        base["towns"],
        priority_names=priority_towns,
        renderer=renderer,
        obstacles=obstacles,
        box=box,
    )
    label_countries(ax, base["countries"], renderer, obstacles, box, tr=tr)
    if shared:
        ax.text(
            0.995,
            0.006,
            tr.gettext("Prepared for sharing: locations coarsened"),
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=6,
            color="#444444",
            path_effects=halo(2),
            zorder=12,
        )
    return towns
