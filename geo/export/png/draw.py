"""The analysis layers of a PNG map: admin choropleth, KDE, routes, sites, incidents, basemap.

Colours come from :mod:`geo.palette`, as the app's layers do, with one exception:
the admin choropleth uses ColorBrewer *Purples* so that it stays distinct from the
KDE surface (YlOrRd) when both are drawn. Each ``draw_*`` adds its legend section.
An imprecise event is drawn as the area it could have happened in, never as a
point (DESIGN.md): the dashed outline of its uncertainty area from
:func:`geo.spread.spread_areas` (a disc near a town, its cercle, or the road
between two named towns), the areas its route and site exposure is spread over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path as MplPath

from geo.crs import METRIC_CRS
from geo.export.png.layout import metric
from geo.export.share import is_shared
from geo.i18n import DEFAULT_LANGUAGE, Translator, gettext_noop, translator
from geo.palette import (
    BASEMAP,
    CATEGORY_COLORS,
    DENSITY_RAMP,
    EXPOSURE_CLASSES,
    EXPOSURE_COLORS,
    EXPOSURE_PRINT_WIDTH_PT,
    SITE_MARKER_GROUPS,
    SITE_MARKERS,
    class_breaks,
    class_palette,
)
from geo.schema import CATEGORY_LABELS
from geo.spread import bundled_spread_layers, spread_areas

if TYPE_CHECKING:
    from geo.pipeline import Analysis

_EN = translator(DEFAULT_LANGUAGE)
#: Heading of the admin choropleth by admin level (translated when drawn).
_ADMIN_HEADINGS: dict[int, str] = {
    1: gettext_noop("Incidents per 1,000 km² (regions)"),
    2: gettext_noop("Incidents per 1,000 km² (cercles)"),
}
_ADMIN_HEADING_OTHER = gettext_noop("Incidents per 1,000 km² (admin units)")
#: Legend words of the site marker groups (translated when drawn).
_SITE_GROUP_NAMES: dict[str, str] = {
    "mine": gettext_noop("Mine"),
    "plant": gettext_noop("Factory, plant or dam"),
    "other": gettext_noop("Other key site"),
}

__all__ = [
    "draw_admin",
    "draw_basemap",
    "draw_boundaries",
    "draw_incidents",
    "draw_kde",
    "draw_layers",
    "draw_routes",
    "draw_sites",
    "ramp_rgba",
]


def _fill(
    ax: Any,
    geoms: gpd.GeoSeries,
    colors: Sequence[Any] | str,
    *,
    zorder: float,
    edgecolor: str = "none",
    linewidth: float = 0.0,
    alpha: float | None = None,
) -> None:
    """Fill polygons with one colour each (or one for all) as a single collection.

    Drawn with matplotlib paths rather than ``GeoSeries.plot``, which redraws
    the whole figure after every call.
    """
    if geoms is None or len(geoms) == 0:
        return
    per_geom = [colors] * len(geoms) if isinstance(colors, str) else list(colors)
    paths, facecolors = [], []
    oriented = shapely.orient_polygons(np.asarray(geoms.values, dtype=object))
    for geom, color in zip(oriented, per_geom, strict=True):
        if geom is None or geom.is_empty:
            continue
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            rings = [poly.exterior, *poly.interiors]
            paths.append(
                MplPath.make_compound_path(
                    *(MplPath(np.asarray(r.coords)[:, :2], closed=True) for r in rings)
                )
            )
            facecolors.append(color)
    if paths:
        ax.add_collection(
            PathCollection(
                paths,
                facecolors=facecolors,
                edgecolors=edgecolor,
                linewidths=linewidth,
                alpha=alpha,
                zorder=zorder,
            )
        )


def _stroke(
    ax: Any,
    geoms: gpd.GeoSeries,
    *,
    color: str,
    linewidth: float,
    zorder: float,
    linestyle: Any = "solid",
) -> None:
    """Draw lines (or polygon outlines) as one LineCollection."""
    if geoms is None or len(geoms) == 0:
        return
    values = np.asarray(geoms.values, dtype=object)
    values = values[~(shapely.is_missing(values) | shapely.is_empty(values))]
    if values.size == 0:
        return
    kinds = shapely.get_type_id(values)
    polygonal = (kinds == 3) | (kinds == 6)
    if polygonal.any():
        values = np.concatenate([values[~polygonal], shapely.boundary(values[polygonal])])
    parts = shapely.get_parts(values)
    lines = [np.asarray(p.coords)[:, :2] for p in parts if not p.is_empty]
    if lines:
        ax.add_collection(
            LineCollection(
                lines,
                colors=color,
                linewidths=linewidth,
                linestyles=linestyle,
                capstyle="round",
                zorder=zorder,
            )
        )


def _fmt(value: float, tr: Translator = _EN) -> str:
    """Write a class bound: whole above 100, one decimal above 10, two significant digits below."""
    if value >= 100:
        return tr.number(value, 0)
    if value >= 10:
        return tr.number(value, 0 if float(value).is_integer() else 1)
    text = f"{value:.2g}"
    return text if tr.lang == DEFAULT_LANGUAGE else text.replace(".", ",")


def draw_admin(
    ax: Any, admin: gpd.GeoDataFrame, legend: list, *, level: int, tr: Translator = _EN
) -> None:
    """Draw the admin choropleth of incidents per 1,000 km² and add its legend section."""
    column = "incidents_per_1000km2"
    heading = tr.gettext(_ADMIN_HEADINGS.get(level, _ADMIN_HEADING_OTHER))
    if admin is None or admin.empty or column not in admin.columns:
        return
    values = pd.to_numeric(admin[column], errors="coerce").to_numpy(dtype=float)
    breaks = class_breaks(values)  # the app's head/tail breaks (geo.palette)
    if not breaks:
        empty = tr.gettext("No incidents in the window")
        legend.append((heading, [("patch", BASEMAP["mali"], empty)]))
        return
    palette = class_palette(len(breaks))  # the app's colours for the same classes
    idx = np.searchsorted(np.asarray(breaks), values, side="left")
    colors = [
        palette[min(int(i), len(palette) - 1)] if np.isfinite(v) and v > 0 else None
        for i, v in zip(idx, values, strict=True)
    ]
    mask = np.array([c is not None for c in colors])
    if mask.any():
        _fill(ax, admin.geometry[mask], [c for c in colors if c is not None], alpha=0.85, zorder=2)
    items = [("patch", BASEMAP["mali"], tr.gettext("0 (no incidents)"))]
    lower = 0.0
    for b, color in zip(breaks, palette, strict=False):
        label = (
            f"{_fmt(lower, tr)} – {_fmt(b, tr)}"
            if lower
            else tr.gettext("up to {value}").format(value=_fmt(b, tr))
        )
        items.append(("patch", color, label))
        lower = b
    legend.append((heading, items))


def ramp_rgba(arr: np.ndarray) -> np.ndarray:
    """Return the density ramp colours of a KDE grid (transparent at zero)."""
    top = float(np.nanmax(arr)) if np.isfinite(arr).any() else 0.0
    if top <= 0:
        return np.zeros((*arr.shape, 4), dtype=np.uint8)
    t = np.clip(np.nan_to_num(arr, nan=0.0) / top, 0.0, 1.0)
    pos = np.array([p for p, _ in DENSITY_RAMP])
    rgba = np.array([c for _, c in DENSITY_RAMP], dtype=float)
    out = np.stack([np.interp(t, pos, rgba[:, k]) for k in range(4)], axis=-1)
    return np.round(out).astype(np.uint8)


def _kde_in_metric(kde: Any) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Return the KDE grid in METRIC_CRS and its (left, right, bottom, top) extent."""
    from rasterio.crs import CRS as RioCRS
    from rasterio.transform import array_bounds
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    arr = np.asarray(kde.array, dtype="float32")
    if arr.ndim == 3:
        arr = arr[0]
    # A density is never negative: anything below zero is a nodata marker.
    arr = np.where(arr < 0, np.float32(np.nan), arr)
    h, w = arr.shape
    src_crs = RioCRS.from_user_input(kde.crs)
    dst_crs = RioCRS.from_wkt(METRIC_CRS.to_wkt())
    if src_crs == dst_crs:
        west, south, east, north = array_bounds(h, w, kde.transform)
        return arr, (west, east, south, north)
    west, south, east, north = array_bounds(h, w, kde.transform)
    transform, dw, dh = calculate_default_transform(
        src_crs, dst_crs, w, h, west, south, east, north
    )
    out = np.full((dh, dw), np.nan, dtype="float32")
    reproject(
        arr,
        out,
        src_transform=kde.transform,
        src_crs=src_crs,
        dst_transform=transform,
        dst_crs=dst_crs,
        resampling=Resampling.bilinear,
        dst_nodata=np.nan,
    )
    west, south, east, north = array_bounds(dh, dw, transform)
    return out, (west, east, south, north)


def draw_kde(ax: Any, kde: Any, bandwidth_km: float, legend: list, *, tr: Translator = _EN) -> None:
    """Draw the KDE surface (if computed) and add its legend section."""
    if kde is None:
        return
    arr, extent = _kde_in_metric(kde)
    if not np.isfinite(arr).any() or float(np.nanmax(arr)) <= 0:
        return
    ax.imshow(ramp_rgba(arr), extent=extent, origin="upper", interpolation="bilinear", zorder=3)
    bandwidth = f"{bandwidth_km:g}"
    if tr.lang != DEFAULT_LANGUAGE:
        bandwidth = bandwidth.replace(".", ",")
    legend.append(
        (
            tr.gettext("Incident density (KDE, {bandwidth} km bandwidth)").format(
                bandwidth=bandwidth
            ),
            [("gradient", None, tr.gettext("relative: low → high"))],
        )
    )


def _exposure_class(value: object) -> str:
    text = str(value).lower() if value is not None else ""
    return text if text in EXPOSURE_CLASSES else "low"


def draw_routes(ax: Any, segments: gpd.GeoDataFrame, legend: list, *, tr: Translator = _EN) -> None:
    """Draw route segments by exposure class (colour and width) and add their legend."""
    if segments is None or segments.empty:
        return
    classes = (
        segments["exposure_class"].map(_exposure_class)
        if "exposure_class" in segments
        else pd.Series("low", index=segments.index)
    )
    for z, cls in enumerate(EXPOSURE_CLASSES):
        sel = segments[classes == cls]
        lines = []
        for geom in sel.geometry:
            parts = getattr(geom, "geoms", [geom])
            lines.extend(np.asarray(p.coords)[:, :2] for p in parts if not p.is_empty)
        if not lines:
            continue
        width = EXPOSURE_PRINT_WIDTH_PT[cls]
        ax.add_collection(
            LineCollection(
                lines,
                colors="#2b2b2b",
                linewidths=width + 1.1,
                capstyle="round",
                zorder=5 + z * 0.1,
            )
        )
        ax.add_collection(
            LineCollection(
                lines,
                colors=EXPOSURE_COLORS[cls],
                linewidths=width,
                capstyle="round",
                zorder=5.05 + z * 0.1,
            )
        )
    present = set(classes)
    legend.append(
        (
            tr.gettext("Route incident exposure (per km)"),
            [
                (
                    "line",
                    cls,
                    (
                        tr.gettext(cls).capitalize()
                        if cls in present
                        else tr.gettext("{exposure_class} (none)").format(
                            exposure_class=tr.gettext(cls).capitalize()
                        )
                    ),
                )
                for cls in EXPOSURE_CLASSES
            ],
        )
    )


def draw_sites(ax: Any, sites: gpd.GeoDataFrame, legend: list, *, tr: Translator = _EN) -> None:
    """Draw sites by exposure class with a marker per site group and add their legend."""
    if sites is None or sites.empty:
        return
    if "is_key_site" in sites.columns:
        sites = sites[sites["is_key_site"].astype(bool)]
    if sites.empty:
        return
    groups = (
        sites["site_type"].map(lambda t: SITE_MARKER_GROUPS.get(str(t), "other"))
        if "site_type" in sites
        else pd.Series("other", index=sites.index)
    )
    classes = (
        sites["exposure_class"].map(_exposure_class)
        if "exposure_class" in sites
        else pd.Series("low", index=sites.index)
    )
    for group, marker in SITE_MARKERS.items():
        sel = groups == group
        if not sel.any():
            continue
        pts = sites[sel].geometry.representative_point()
        ax.scatter(
            pts.x,
            pts.y,
            marker=marker,
            s=46 if marker != "^" else 58,
            c=[EXPOSURE_COLORS[c] for c in classes[sel]],
            edgecolors="#1a1a1a",
            linewidths=0.8,
            zorder=7,
        )
    items = [
        ("marker", (m, "#ffffff"), tr.gettext(_SITE_GROUP_NAMES[g]))
        for g, m in SITE_MARKERS.items()
        if (groups == g).any()
    ]
    items.append(("text", None, tr.gettext("fill colour = exposure class")))
    legend.append((tr.gettext("Key sites ({n})").format(n=tr.number(len(sites))), items))


#: Dash pattern (on, off in points) of uncertainty areas and road stretches.
_DASH = (0, (3.0, 2.2))


def draw_uncertainty(ax: Any, events: gpd.GeoDataFrame, colors: np.ndarray) -> np.ndarray:
    """Draw the uncertainty area of each imprecise event, dashed in its category's colour.

    Parameters
    ----------
    ax : matplotlib axes
        The map, in :data:`geo.crs.METRIC_CRS`.
    events : GeoDataFrame
        Imprecise incidents in METRIC_CRS (coded places), with ``geo_precision``
        and, when the source names two towns, ``between_a`` / ``between_b``.
    colors : ndarray of str
        Category colour of each event.

    Returns
    -------
    ndarray of bool
        For each event, whether it was drawn as a road stretch (else an area).

    Notes
    -----
    Areas come from :func:`geo.spread.spread_areas` with the bundled cercles,
    towns and road graph (built once per process, a few seconds); an area
    shared by events of one category is drawn once. Areas get a faint fill,
    road stretches none.
    """
    spread = spread_areas(events, bundled_spread_layers())
    for color in dict.fromkeys(colors.tolist()):
        areas = np.unique(spread.event_area[colors == color])
        geoms = gpd.GeoSeries(spread.area_geometry[areas], crs=METRIC_CRS)
        polygonal = geoms.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        _fill(ax, geoms[polygonal], color, alpha=0.07, zorder=7.4)
        _stroke(ax, geoms[polygonal], color=color, linewidth=0.9, zorder=7.5, linestyle=_DASH)
        _stroke(ax, geoms[~polygonal], color=color, linewidth=1.8, zorder=7.6, linestyle=_DASH)
    return spread.event_kind == "road"


def draw_incidents(
    ax: Any, incidents: gpd.GeoDataFrame, legend: list, *, shared: bool, tr: Translator = _EN
) -> None:
    """Draw incidents by category (precise as dots, imprecise as their area) with their legend."""
    if incidents is None:
        return
    n = len(incidents)
    if n == 0:
        empty = tr.gettext("No incidents in the window")
        legend.append((tr.gettext("Incidents"), [("text", None, empty)]))
        return
    if shared:
        cells = (
            incidents.dissolve(by="h3_cell", aggfunc={"source": "count"})
            if "h3_cell" in incidents
            else incidents
        )
        counts = cells["source"].to_numpy(dtype=float) if "source" in cells else np.ones(len(cells))
        alpha = 0.25 + 0.6 * (counts / max(counts.max(), 1.0))
        _fill(
            ax,
            cells.geometry,
            [(0.23, 0.23, 0.23, a) for a in alpha],
            edgecolor="#111111",
            linewidth=0.6,
            zorder=8,
        )
        legend.append(
            (
                tr.gettext("Incidents ({n})").format(n=tr.number(n)),
                [("patch", "#6b6b6b", tr.gettext("Events per H3 cell (~250 km²); darker = more"))],
            )
        )
        return
    precise = (
        incidents["precise"].astype(bool)
        if "precise" in incidents
        else pd.Series(True, index=incidents.index)
    )
    cats = (
        incidents["category"].astype(str)
        if "category" in incidents
        else pd.Series("other", index=incidents.index)
    )
    colors = np.array([CATEGORY_COLORS.get(c, CATEGORY_COLORS["other"]) for c in cats])
    pts = incidents.geometry.representative_point()
    imp = ~precise.to_numpy()
    on_road = np.zeros(0, dtype=bool)
    if imp.any():
        on_road = draw_uncertainty(ax, incidents[imp].set_geometry(pts[imp]), colors[imp])
    if (~imp).any():
        ax.scatter(
            pts.x[~imp],
            pts.y[~imp],
            s=16,
            c=colors[~imp],
            edgecolors="#ffffff",
            linewidths=0.5,
            zorder=8.5,
        )
    present = [c for c in CATEGORY_COLORS if (cats == c).any()]
    items: list[tuple] = [
        (
            "marker",
            ("o", CATEGORY_COLORS[c]),
            f"{tr.gettext(CATEGORY_LABELS[c])} ({tr.number(int((cats == c).sum()))})",
        )
        for c in present
    ]
    precise_text = tr.gettext("Precise location ({n})").format(n=tr.number(int((~imp).sum())))
    items.append(("marker", ("o", "#555555"), precise_text))
    if (~on_road).any():
        areas = tr.gettext("Approximate location: the area it lies in ({n})")
        items.append(("area", None, areas.format(n=tr.number(int((~on_road).sum())))))
    if on_road.any():
        roads = tr.gettext("Somewhere on this road, between two towns ({n})")
        items.append(("road", None, roads.format(n=tr.number(int(on_road.sum())))))
    legend.append((tr.gettext("Incidents in the window ({n})").format(n=tr.number(n)), items))


def draw_basemap(ax: Any, base: dict[str, gpd.GeoDataFrame]) -> None:
    """Draw sea, land, Mali, lakes, rivers and roads below the analysis layers."""
    ax.set_facecolor(BASEMAP["background"])
    countries = base["countries"]
    if countries is not None and not countries.empty:
        _fill(ax, countries.geometry, BASEMAP["land"], zorder=0.5)
        if "iso3" in countries:
            mali = countries[countries["iso3"] == "MLI"]
            _fill(ax, mali.geometry, BASEMAP["mali"], zorder=0.6)
    lakes, rivers, roads = base["lakes"], base["rivers"], base["roads"]
    if lakes is not None and not lakes.empty:
        _fill(ax, lakes.geometry, BASEMAP["lake"], zorder=1)
    if rivers is not None and not rivers.empty:
        _stroke(ax, rivers.geometry, color=BASEMAP["river"], linewidth=0.7, zorder=1.1)
    if roads is not None and not roads.empty:
        rank = pd.to_numeric(roads.get("class_rank", 4), errors="coerce").fillna(4)
        minor, major = roads.geometry[rank >= 3], roads.geometry[rank < 3]
        _stroke(ax, minor, color=BASEMAP["road_minor"], linewidth=0.35, zorder=1.2)
        _stroke(ax, major, color=BASEMAP["road_major"], linewidth=0.6, zorder=1.3)


def draw_boundaries(ax: Any, base: dict[str, gpd.GeoDataFrame]) -> None:
    """Draw cercle, region and country borders above the area layers."""
    for key, color, width, z in (
        ("admin2", BASEMAP["adm2"], 0.3, 4.0),
        ("admin1", BASEMAP["adm1"], 0.7, 4.1),
        ("countries", "#4d4d4d", 0.9, 4.2),
    ):
        if base[key] is not None and not base[key].empty:
            _stroke(ax, base[key].geometry, color=color, linewidth=width, zorder=z)


def draw_layers(
    ax: Any,
    analysis: Analysis,
    base: Mapping[str, gpd.GeoDataFrame | None],
    layers: Sequence[str],
    *,
    tr: Translator = _EN,
) -> list[tuple[str, list]]:
    """Draw the basemap and the chosen layers in their stacking order; return the legend.

    The legend's headings and entries are in ``tr``'s language (English by default).
    """
    legend: list[tuple[str, list]] = []
    draw_basemap(ax, base)
    if "admin" in layers:
        level = int(analysis.params.admin_level)
        draw_admin(ax, metric(analysis.admin_stats), legend, level=level, tr=tr)
    if "kde" in layers:
        draw_kde(ax, analysis.kde, float(analysis.params.kde_bandwidth_km), legend, tr=tr)
    draw_boundaries(ax, base)
    if "routes" in layers:
        draw_routes(ax, metric(analysis.segments), legend, tr=tr)
    if "sites" in layers:
        draw_sites(ax, metric(analysis.sites), legend, tr=tr)
    if "incidents" in layers:
        draw_incidents(ax, metric(analysis.incidents), legend, shared=is_shared(analysis), tr=tr)
    return legend
