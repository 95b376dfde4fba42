"""Static PNG map snapshots of an analysis, drawn offline on matplotlib's Agg canvas.

The map is drawn in :data:`geo.crs.METRIC_CRS` (equal-area, centred on
western Mali), so shapes keep their proportions and the scale bar is measured,
not guessed. The basemap is the bundled vector data (countries, Mali regions
and cercles, rivers, lakes, OSM main roads and towns); nothing is fetched. The
figure is built on a :class:`matplotlib.figure.Figure` with an explicit
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg`, so no display and no
pyplot state are involved, and text uses DejaVu Sans (shipped with matplotlib;
it has every accent of Ségou or Kéniéba).

Colours follow ``geo/palette.py`` (ColorBrewer and Okabe-Ito, colour-blind
safe) so the snapshot matches the app, with one exception: the admin
choropleth uses ColorBrewer *Purples* so that it stays distinct from the KDE
surface (YlOrRd) when both are drawn.
"""

from __future__ import annotations

import io
import json
import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox
from pyproj import Geod, Transformer

from geo.crs import METRIC_CRS, WGS84
from geo.errors import ExportError, ParameterError
from geo.export.atomic import write_atomic
from geo.export.share import is_shared, share_safe_analysis
from geo.palette import (
    ADMIN_PRINT_PALETTE,
    BASEMAP,
    CATEGORY_COLORS,
    DENSITY_RAMP,
    EXPOSURE_CLASSES,
    EXPOSURE_COLORS,
    EXPOSURE_PRINT_WIDTH_PT,
    HANDLING_BANNER_COLOR,
    SITE_MARKER_GROUPS,
    SITE_MARKERS,
)
from geo.provenance import build_provenance, format_period, format_time, provenance_lines
from geo.schema import CATEGORY_LABELS

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = [
    "DEFAULT_LAYERS",
    "MAP_LAYERS",
    "MIN_WIDTH_PX",
    "Basemap",
    "export_png",
    "load_basemap",
    "render_map_png",
]

#: Layers a snapshot can draw, bottom to top.
MAP_LAYERS: tuple[str, ...] = ("admin", "kde", "routes", "sites", "incidents")
DEFAULT_LAYERS: tuple[str, ...] = MAP_LAYERS
#: Narrowest PNG accepted (a briefing slide needs at least this).
MIN_WIDTH_PX = 1600
_MAX_WIDTH_PX = 8000
_DPI = 200
_FONT = "DejaVu Sans"


# Same colours as geo/palette.py (the app's map), see the module docstring.
@dataclass(frozen=True)
class Basemap:
    """The vector layers a snapshot is drawn on (all EPSG:4326).

    Attributes
    ----------
    countries : GeoDataFrame
        Country outlines with ``iso3`` and ``name``.
    admin1, admin2 : GeoDataFrame
        Mali regions and cercles (``name``).
    rivers, lakes : GeoDataFrame
        Natural Earth rivers (lines) and lakes (polygons).
    roads : GeoDataFrame
        OSM main roads with ``class_rank`` (1 motorway .. 4 secondary).
    towns : GeoDataFrame
        OSM towns with ``name`` and ``place_class`` (``city`` or ``town``).
    attribution : str
        The credit line the map must carry.
    """

    countries: gpd.GeoDataFrame
    admin1: gpd.GeoDataFrame
    admin2: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    lakes: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame
    attribution: str


def load_basemap() -> Basemap:
    """Load the bundled basemap layers (:mod:`geo.io.bundled`).

    Returns
    -------
    Basemap
        Every layer in EPSG:4326, with the bundled attribution line.
    """
    from geo.io import bundled

    return Basemap(
        countries=bundled.load_countries(),
        admin1=bundled.load_admin(1),
        admin2=bundled.load_admin(2),
        rivers=bundled.load_rivers(),
        lakes=bundled.load_lakes(),
        roads=bundled.load_roads(),
        towns=bundled.load_towns(),
        attribution=str(bundled.attribution_line()),
    )


# --------------------------------------------------------------------------- checks


def _check_options(layers: Sequence[str], width_px: int) -> tuple[str, ...]:
    if isinstance(layers, str):
        layers = (layers,)
    bad = [name for name in layers if name not in MAP_LAYERS]
    if bad:
        raise ParameterError(f"`layers` had {bad!r} but each is expected to be in {MAP_LAYERS}")
    if not isinstance(width_px, (int, np.integer)) or not (
        MIN_WIDTH_PX <= width_px <= _MAX_WIDTH_PX
    ):
        raise ParameterError(
            f"width_px was {width_px!r} but must be an integer in {MIN_WIDTH_PX}..{_MAX_WIDTH_PX}"
        )
    return tuple(name for name in MAP_LAYERS if name in layers)


def _check_extent(extent: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    if extent is None:
        return None
    try:
        minx, miny, maxx, maxy = (float(v) for v in extent)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"extent was {extent!r}; give (min_lon, min_lat, max_lon, max_lat) in degrees."
        ) from exc
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise ParameterError(
            f"extent was {extent!r}; give (min_lon, min_lat, max_lon, max_lat) in degrees "
            "with min < max, longitudes in -180..180 and latitudes in -90..90."
        )
    return minx, miny, maxx, maxy


def clean_handling(handling: str | None) -> str | None:
    r"""Return the handling caveat as one short line, or None.

    Parameters
    ----------
    handling : str or None
        A caveat such as ``RESTRICTED``.

    Returns
    -------
    str or None
        Control and bidi characters removed, spaces collapsed.

    Raises
    ------
    ParameterError
        If longer than 60 characters.

    Examples
    --------
    >>> clean_handling("  restricted \u202e ")
    'restricted'
    """
    if handling is None:
        return None
    text = "".join(
        ch
        for ch in str(handling)
        if ch.isprintable() and ch not in "\u202a\u202b\u202c\u202d\u202e"
    )
    text = " ".join(text.split())
    if len(text) > 60:
        raise ParameterError(
            f"handling caveat is {len(text)} characters; keep it to 60 (e.g. 'RESTRICTED')."
        )
    return text or None


# --------------------------------------------------------------------------- geometry helpers


def _metric(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if gdf is None:
        return None
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    return gdf.to_crs(METRIC_CRS)


def _default_extent(analysis: Analysis, basemap: Basemap) -> tuple[float, float, float, float]:
    """Lon/lat box around the routes, the incidents and the key sites (Mali when empty)."""
    parts = []
    for frame in (analysis.segments, analysis.incidents):
        if frame is not None and len(frame):
            parts.append(frame.to_crs(WGS84).total_bounds)
    sites = analysis.sites
    if sites is not None and len(sites) and "is_key_site" in sites.columns:
        key = sites[sites["is_key_site"].astype(bool)]
        if len(key):
            parts.append(key.to_crs(WGS84).total_bounds)
    if not parts:
        parts.append(basemap.admin1.to_crs(WGS84).total_bounds)
    b = np.vstack([p for p in parts if np.all(np.isfinite(p))])
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _metric_box(
    extent: tuple[float, float, float, float], *, aspect_range: tuple[float, float]
) -> tuple[float, float, float, float]:
    """Metric box covering a lon/lat extent, padded 4 % and widened to an allowed aspect."""
    minx, miny, maxx, maxy = extent
    lons = np.concatenate(
        [
            np.linspace(minx, maxx, 21),
            np.full(21, maxx),
            np.linspace(maxx, minx, 21),
            np.full(21, minx),
        ]
    )
    lats = np.concatenate(
        [
            np.full(21, miny),
            np.linspace(miny, maxy, 21),
            np.full(21, maxy),
            np.linspace(maxy, miny, 21),
        ]
    )
    tr = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
    x, y = tr.transform(lons, lats)
    x0, x1, y0, y1 = float(np.min(x)), float(np.max(x)), float(np.min(y)), float(np.max(y))
    w, h = max(x1 - x0, 50_000.0), max(y1 - y0, 50_000.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = w * 1.08, h * 1.08
    lo, hi = aspect_range
    if h / w < lo:
        h = w * lo
    elif h / w > hi:
        w = h / hi
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


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


def _stroke(ax: Any, geoms: gpd.GeoSeries, *, color: str, linewidth: float, zorder: float) -> None:
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
                lines, colors=color, linewidths=linewidth, capstyle="round", zorder=zorder
            )
        )


# --------------------------------------------------------------------------- layers


def _admin_classes(values: np.ndarray) -> list[float]:
    """Up to five upper bounds (quantiles of the positive values, 2 significant digits)."""
    v = values[np.isfinite(values) & (values > 0)]
    if v.size == 0:
        return []
    qs = np.quantile(v, [0.2, 0.4, 0.6, 0.8, 1.0])
    out: list[float] = []
    for q in qs[:-1]:
        r = float(f"{q:.2g}")
        if r > 0 and (not out or r > out[-1]) and r < qs[-1]:
            out.append(r)
    out.append(float(qs[-1]))
    return out


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{value:.2g}"


def _draw_admin(ax: Any, admin: gpd.GeoDataFrame, legend: list, *, level: int) -> None:
    column = "incidents_per_1000km2"
    units = {1: "regions", 2: "cercles"}.get(level, "admin units")
    heading = f"Incidents per 1,000 km² ({units})"
    if admin is None or admin.empty or column not in admin.columns:
        return
    values = pd.to_numeric(admin[column], errors="coerce").to_numpy(dtype=float)
    breaks = _admin_classes(values)
    if not breaks:
        legend.append((heading, [("patch", BASEMAP["mali"], "No incidents in the window")]))
        return
    palette = (
        ADMIN_PRINT_PALETTE[-len(breaks) :]
        if len(breaks) < 3
        else ADMIN_PRINT_PALETTE[5 - len(breaks) :]
    )
    idx = np.searchsorted(np.asarray(breaks), values, side="left")
    colors = [
        palette[min(int(i), len(palette) - 1)] if np.isfinite(v) and v > 0 else None
        for i, v in zip(idx, values, strict=True)
    ]
    mask = np.array([c is not None for c in colors])
    if mask.any():
        _fill(ax, admin.geometry[mask], [c for c in colors if c is not None], alpha=0.85, zorder=2)
    items = [("patch", BASEMAP["mali"], "0 (no incidents)")]
    lower = 0.0
    for b, color in zip(breaks, palette, strict=False):
        items.append(
            ("patch", color, f"{_fmt(lower)} – {_fmt(b)}" if lower else f"up to {_fmt(b)}")
        )
        lower = b
    legend.append((heading, items))


def _ramp_rgba(arr: np.ndarray) -> np.ndarray:
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


def _draw_kde(ax: Any, kde: Any, bandwidth_km: float, legend: list) -> None:
    if kde is None:
        return
    arr, extent = _kde_in_metric(kde)
    if not np.isfinite(arr).any() or float(np.nanmax(arr)) <= 0:
        return
    ax.imshow(_ramp_rgba(arr), extent=extent, origin="upper", interpolation="bilinear", zorder=3)
    legend.append(
        (
            f"Incident density (KDE, {bandwidth_km:g} km bandwidth)",
            [("gradient", None, "relative: low → high")],
        )
    )


def _exposure_class(value: object) -> str:
    text = str(value).lower() if value is not None else ""
    return text if text in EXPOSURE_CLASSES else "low"


def _draw_routes(ax: Any, segments: gpd.GeoDataFrame, legend: list) -> None:
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
            "Route incident exposure (per km)",
            [
                ("line", cls, cls.capitalize() + ("" if cls in present else " (none)"))
                for cls in EXPOSURE_CLASSES
            ],
        )
    )


def _draw_sites(ax: Any, sites: gpd.GeoDataFrame, legend: list) -> None:
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
    names = {"mine": "Mine", "plant": "Factory, plant or dam", "other": "Other key site"}
    items = [
        ("marker", (m, "#ffffff"), names[g]) for g, m in SITE_MARKERS.items() if (groups == g).any()
    ]
    items.append(("text", None, "fill colour = exposure class"))
    legend.append((f"Key sites ({len(sites)})", items))


def _draw_incidents(ax: Any, incidents: gpd.GeoDataFrame, legend: list, *, shared: bool) -> None:
    if incidents is None:
        return
    n = len(incidents)
    if n == 0:
        legend.append(("Incidents", [("text", None, "No incidents in the window")]))
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
                f"Incidents ({n:,})",
                [("patch", "#6b6b6b", "Events per H3 cell (~250 km²); darker = more")],
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
    if imp.any():
        ax.scatter(
            pts.x[imp],
            pts.y[imp],
            s=70,
            facecolors="none",
            edgecolors=colors[imp],
            linewidths=1.0,
            zorder=8,
        )
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
        ("marker", ("o", CATEGORY_COLORS[c]), f"{CATEGORY_LABELS[c]} ({int((cats == c).sum())})")
        for c in present
    ]
    items.append(("marker", ("o", "#555555"), f"Precise location ({int((~imp).sum())})"))
    items.append(("hollow", None, f"Approximate location ({int(imp.sum())})"))
    legend.append((f"Incidents in the window ({n:,})", items))


# --------------------------------------------------------------------------- basemap


def _draw_basemap(ax: Any, base: dict[str, gpd.GeoDataFrame]) -> None:
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


def _draw_boundaries(ax: Any, base: dict[str, gpd.GeoDataFrame]) -> None:
    for key, color, width, z in (
        ("admin2", BASEMAP["adm2"], 0.3, 4.0),
        ("admin1", BASEMAP["adm1"], 0.7, 4.1),
        ("countries", "#4d4d4d", 0.9, 4.2),
    ):
        if base[key] is not None and not base[key].empty:
            _stroke(ax, base[key].geometry, color=color, linewidth=width, zorder=z)


def _halo(width: float = 2.2) -> list:
    return [patheffects.withStroke(linewidth=width, foreground="#ffffff", alpha=0.9)]


def _overlaps(box: Bbox, placed: Sequence[Bbox]) -> bool:
    return any(box.overlaps(p) for p in placed)


def _label_towns(
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
                path_effects=_halo(),
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


def _label_countries(
    ax: Any,
    countries: gpd.GeoDataFrame,
    renderer: Any,
    obstacles: list[Bbox],
    box: tuple[float, float, float, float],
) -> None:
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
            str(row["name"]).upper(),
            ha="center",
            va="center",
            fontsize=8.5,
            color="#8a8378",
            style="italic",
            zorder=3.5,
            path_effects=_halo(2.5),
        )
        bb = text.get_window_extent(renderer)
        if _overlaps(bb, obstacles):
            text.remove()
        else:
            obstacles.append(bb)


def _scale_bar(
    ax: Any, box: tuple[float, float, float, float], renderer: Any, obstacles: list[Bbox]
) -> None:
    """Scale bar measured at the map centre with geodesic distances (pyproj.Geod)."""
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
    labels = [(0, "0"), (length / 2, f"{length_km / 2:g}"), (length, f"{length_km:g} km")]
    for dx, lab in labels:
        t = ax.text(
            bx + dx,
            by + hgt * 1.6,
            lab,
            ha="center" if dx < length else "left",
            va="bottom",
            fontsize=6.5,
            zorder=11,
            path_effects=_halo(2),
        )
        if dx == length:
            t.set_ha("center")
    bb = Bbox.from_extents(
        *ax.transData.transform((bx - 0.01 * (x1 - x0), by - hgt)),
        *ax.transData.transform((bx + length * 1.08, by + hgt * 5)),
    )
    obstacles.append(bb)


def _north_arrow(ax: Any, box: tuple[float, float, float, float], obstacles: list[Bbox]) -> None:
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
        path_effects=_halo(2),
    )
    obstacles.append(
        Bbox.from_extents(
            *ax.transData.transform((ax_x - size * 0.5, ax_y - size * 0.2)),
            *ax.transData.transform((ax_x + size * 0.5, ax_y + size * 1.7)),
        )
    )


# --------------------------------------------------------------------------- legend


def _legend_item_height(kind: str) -> float:
    return 0.34 if kind == "gradient" else 0.17


_TITLE_CHARS = 34


def _title_lines(title: str) -> list[str]:
    return textwrap.wrap(title, _TITLE_CHARS) or [""]


def _legend_height(sections: Sequence[tuple[str, list]]) -> float:
    return sum(
        0.13
        + 0.13 * len(_title_lines(title))
        + sum(_legend_item_height(k) for k, *_ in items)
        + 0.1
        for title, items in sections
    )


def _columns(sections: list[tuple[str, list]], n: int) -> list[list[tuple[str, list]]]:
    """Split sections in order into ``n`` columns with balanced heights."""
    cols: list[list[tuple[str, list]]] = [[] for _ in range(n)]
    total = _legend_height(sections)
    target = total / n
    i = 0
    for sec in sections:
        if cols[i] and _legend_height(cols[i]) + _legend_height([sec]) / 2 > target and i < n - 1:
            i += 1
        cols[i].append(sec)
    return [c for c in cols if c]


def _draw_legend(
    fig: Figure,
    rect: tuple[float, float, float, float],
    sections: list[tuple[str, list]],
    fig_h_in: float,
    fig_w_in: float,
) -> None:
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    ax.set_xlim(0, rect[2] * fig_w_in)
    ax.set_ylim(0, rect[3] * fig_h_in)
    width_in = rect[2] * fig_w_in
    height_in = rect[3] * fig_h_in
    cols = _columns(sections, 4 if width_in > 9 else 3)
    col_w = width_in / max(len(cols), 1)
    for c, col in enumerate(cols):
        x = c * col_w + 0.08
        y = height_in - 0.08
        for title, items in col:
            ax.text(
                x,
                y,
                "\n".join(_title_lines(title)),
                ha="left",
                va="top",
                fontsize=7.4,
                fontweight="bold",
                color="#222222",
                linespacing=1.15,
            )
            y -= 0.13 + 0.13 * len(_title_lines(title))
            for kind, style, label in items:
                h = _legend_item_height(kind)
                ym = y - h / 2 if kind != "gradient" else y - 0.09
                if kind == "patch":
                    ax.add_patch(
                        Rectangle(
                            (x, ym - 0.055),
                            0.24,
                            0.11,
                            facecolor=style,
                            edgecolor="#777777",
                            linewidth=0.5,
                        )
                    )
                elif kind == "line":
                    ax.add_line(
                        Line2D(
                            [x, x + 0.24],
                            [ym, ym],
                            color="#2b2b2b",
                            linewidth=EXPOSURE_PRINT_WIDTH_PT[style] + 1.1,
                            solid_capstyle="round",
                        )
                    )
                    ax.add_line(
                        Line2D(
                            [x, x + 0.24],
                            [ym, ym],
                            color=EXPOSURE_COLORS[style],
                            linewidth=EXPOSURE_PRINT_WIDTH_PT[style],
                            solid_capstyle="round",
                        )
                    )
                elif kind == "marker":
                    marker, color = style
                    ax.add_line(
                        Line2D(
                            [x + 0.12],
                            [ym],
                            marker=marker,
                            markersize=5.5,
                            markerfacecolor=color,
                            markeredgecolor="#1a1a1a",
                            markeredgewidth=0.7,
                            linestyle="none",
                        )
                    )
                elif kind == "hollow":
                    ax.add_line(
                        Line2D(
                            [x + 0.12],
                            [ym],
                            marker="o",
                            markersize=7,
                            markerfacecolor="none",
                            markeredgecolor="#555555",
                            markeredgewidth=1.0,
                            linestyle="none",
                        )
                    )
                elif kind == "basemap":
                    color, lw = style
                    ax.add_line(Line2D([x, x + 0.24], [ym, ym], color=color, linewidth=lw))
                elif kind == "gradient":
                    grad = _ramp_rgba(np.linspace(0, 1, 64)[None, :])
                    ax.imshow(
                        grad,
                        extent=(x, x + 1.2, ym - 0.06, ym + 0.06),
                        aspect="auto",
                        interpolation="bilinear",
                    )
                    ax.add_patch(
                        Rectangle(
                            (x, ym - 0.06),
                            1.2,
                            0.12,
                            facecolor="none",
                            edgecolor="#777777",
                            linewidth=0.5,
                        )
                    )
                    ax.text(x, ym - 0.09, label, ha="left", va="top", fontsize=6.3, color="#444444")
                    y -= h
                    continue
                tx = x if kind == "text" else x + 0.32
                ax.text(
                    tx,
                    ym,
                    label,
                    ha="left",
                    va="center",
                    fontsize=6.5,
                    color="#333333" if kind != "text" else "#666666",
                    style="italic" if kind == "text" else "normal",
                )
                y -= h
            y -= 0.1


def _basemap_legend() -> tuple[str, list]:
    return (
        "Basemap",
        [
            ("basemap", ("#4d4d4d", 0.9), "Country border"),
            ("basemap", (BASEMAP["adm1"], 0.7), "Region (ADM1)"),
            ("basemap", (BASEMAP["adm2"], 0.5), "Cercle (ADM2)"),
            ("basemap", (BASEMAP["road_major"], 0.8), "Main road (OSM)"),
            ("basemap", (BASEMAP["river"], 0.8), "River"),
        ],
    )


# --------------------------------------------------------------------------- figure


def _wrap(text: str, width_in: float, fontsize: float) -> list[str]:
    chars = max(int(width_in * 72 / (fontsize * 0.56)), 40)
    return textwrap.wrap(text, chars) or [""]


def _left_out_text(left_out: Mapping[str, int]) -> str:
    if not left_out:
        return "Left out: none."
    return "Left out: " + "; ".join(f"{int(n):,} {reason}" for reason, n in left_out.items()) + "."


def _analysis_town_names(analysis: Analysis) -> list[str]:
    names: list[str] = []
    ws = analysis.worst_stretches
    if ws is not None and not ws.empty:
        for col in ("town_from", "town_to", "from_town", "to_town"):
            if col in ws:
                names.extend(str(v) for v in ws[col].dropna())
    return names


def render_map_png(
    analysis: Analysis,
    *,
    extent: Sequence[float] | None = None,
    layers: Sequence[str] = DEFAULT_LAYERS,
    title: str | None = None,
    handling: str | None = None,
    width_px: int = 2000,
    chrome: bool = True,
    aspect_range: tuple[float, float] = (0.62, 1.05),
    dpi: int = _DPI,
    basemap: Basemap | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """Render the map of an analysis to PNG bytes (no file written).

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis to draw (layers in EPSG:4326).
    extent : (min_lon, min_lat, max_lon, max_lat), optional
        Area to show in degrees; by default the routes, incidents and key
        sites with a 4 % margin.
    layers : sequence of str
        Any of :data:`MAP_LAYERS`.
    title : str, optional
        Map title; a default names the product and the area.
    handling : str, optional
        Handling caveat shown as a banner at top and bottom (``RESTRICTED``).
    width_px : int
        Image width in pixels (:data:`MIN_WIDTH_PX` .. 8000), at 200 dpi.
    chrome : bool
        Draw the title block, banner and footer (False for a map embedded in
        the PDF, which has its own).
    aspect_range : (float, float)
        Allowed map height / width; the extent is widened to fit.
    dpi : int
        Resolution; the figure is ``width_px / dpi`` inches wide and text
        sizes are in points, so 300 dpi gives print-size text on a narrower
        page.
    basemap : Basemap, optional
        The basemap layers; :func:`load_basemap` by default.

    Returns
    -------
    png : bytes
        The image, with provenance in PNG text chunks (``provenance`` holds
        the JSON of :func:`geo.provenance.build_provenance`).
    info : dict
        ``width_px``, ``height_px``, ``towns_labelled`` (names, in the order
        placed), ``extent`` (metric box).

    Raises
    ------
    ParameterError
        If a layer name, the width, the extent or the caveat is not allowed.
    """
    with _rc():
        fig, info, metadata = _draw_map(
            analysis,
            extent=extent,
            layers=layers,
            title=title,
            handling=handling,
            width_px=width_px,
            chrome=chrome,
            aspect_range=aspect_range,
            dpi=dpi,
            basemap=basemap,
        )
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata=metadata, facecolor="#ffffff")
    return buf.getvalue(), info


def _render_map_rgb(analysis: Analysis, **options: Any) -> tuple[Any, dict[str, Any]]:
    """Render the map as an in-memory RGB :class:`PIL.Image.Image` (for the PDF).

    Takes the options of :func:`render_map_png` and returns the same ``info``;
    skipping the PNG encoding saves about a second per print-size map.
    """
    from PIL import Image

    with _rc():
        fig, info, _ = _draw_map(analysis, **options)
        fig.set_facecolor("#ffffff")
        fig.canvas.draw()
        rgba = np.asarray(fig.canvas.buffer_rgba())
    return Image.fromarray(rgba[..., :3].copy()), info


def _draw_map(
    analysis: Analysis,
    *,
    extent: Sequence[float] | None = None,
    layers: Sequence[str] = DEFAULT_LAYERS,
    title: str | None = None,
    handling: str | None = None,
    width_px: int = 2000,
    chrome: bool = True,
    aspect_range: tuple[float, float] = (0.62, 1.05),
    dpi: int = _DPI,
    basemap: Basemap | None = None,
) -> tuple[Figure, dict[str, Any], dict[str, str]]:
    """Build the figure of :func:`render_map_png` (inside :func:`_rc`)."""
    layers = _check_options(layers, width_px)
    lonlat = _check_extent(extent)
    handling = clean_handling(handling)
    basemap = basemap or load_basemap()
    shared = is_shared(analysis)
    prov = build_provenance(analysis)

    box = _metric_box(lonlat or _default_extent(analysis, basemap), aspect_range=aspect_range)
    x0, y0, x1, y1 = box
    base = {
        name: _metric(getattr(basemap, name))
        for name in ("countries", "admin1", "admin2", "rivers", "lakes", "roads", "towns")
    }
    clip = (x0 - (x1 - x0) * 0.2, y0 - (y1 - y0) * 0.2, x1 + (x1 - x0) * 0.2, y1 + (y1 - y0) * 0.2)
    base = {
        k: (v.cx[clip[0] : clip[2], clip[1] : clip[3]] if v is not None else None)
        for k, v in base.items()
    }

    fig_w = width_px / dpi
    margin = 0.25 if chrome else 0.0
    map_w = fig_w - 2 * margin
    map_h = map_w * (y1 - y0) / (x1 - x0)

    # Draw layers first (into a legend list), then size the figure around them.
    legend: list[tuple[str, list]] = []
    fig = Figure(figsize=(fig_w, 10), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    _draw_basemap(ax, base)
    admin = _metric(analysis.admin_stats)
    if "admin" in layers:
        _draw_admin(ax, admin, legend, level=int(getattr(analysis.params, "admin_level", 2)))
    if "kde" in layers:
        _draw_kde(ax, analysis.kde, float(analysis.params.kde_bandwidth_km), legend)
    _draw_boundaries(ax, base)
    if "routes" in layers:
        _draw_routes(ax, _metric(analysis.segments), legend)
    if "sites" in layers:
        _draw_sites(ax, _metric(analysis.sites), legend)
    if "incidents" in layers:
        _draw_incidents(ax, _metric(analysis.incidents), legend, shared=shared)
    legend.append(_basemap_legend())

    cols = len(_columns(legend, 4 if map_w > 9 else 3))
    legend_h = max(_legend_height(c) for c in _columns(legend, cols)) + 0.1
    banner_h = 0.3 if (chrome and handling) else 0.0
    header_h = 0.78 if chrome else 0.0
    foot_lines: list[str] = []
    if chrome:
        footer_texts = [
            f"Sources: {basemap.attribution}",
            _left_out_text(analysis.left_out)
            + " Scores are incident exposure over the stated window and sources; absence of "
            "reported incidents is not absence of risk.",
            "Provenance: " + " | ".join(provenance_lines(prov)[:5]),
        ]
        for t in footer_texts:
            foot_lines.extend(_wrap(t, map_w, 5.6))
    footer_h = (0.12 * len(foot_lines) + 0.12) if chrome else 0.0
    fig_h = banner_h * 2 + header_h + map_h + 0.12 + legend_h + footer_h + 0.1
    fig.set_size_inches(fig_w, fig_h)

    def frac(y_in: float) -> float:
        return y_in / fig_h

    map_bottom = banner_h + footer_h + legend_h + 0.12
    ax.set_position((margin / fig_w, frac(map_bottom), map_w / fig_w, frac(map_h)))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_edgecolor("#444444")
        spine.set_linewidth(0.8)

    renderer = fig.canvas.get_renderer()
    obstacles: list[Bbox] = []
    _scale_bar(ax, box, renderer, obstacles)
    _north_arrow(ax, box, obstacles)
    towns_labelled = _label_towns(
        ax,
        base["towns"],
        priority_names=_analysis_town_names(analysis) if "routes" in layers else (),
        renderer=renderer,
        obstacles=obstacles,
        box=box,
    )
    _label_countries(ax, base["countries"], renderer, obstacles, box)
    if shared:
        ax.text(
            0.995,
            0.006,
            "Prepared for sharing: locations coarsened",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=6,
            color="#444444",
            path_effects=_halo(2),
            zorder=12,
        )

    _draw_legend(
        fig,
        (margin / fig_w, frac(banner_h + footer_h), map_w / fig_w, frac(legend_h)),
        legend,
        fig_h,
        fig_w,
    )

    if chrome:
        top = fig_h - banner_h
        fig.text(
            margin / fig_w,
            frac(top - 0.1),
            title or "Incident exposure — western Mali and the fuel corridors",
            ha="left",
            va="top",
            fontsize=14,
            fontweight="bold",
            color="#1a1a1a",
        )
        period = format_period(analysis.filters.start, analysis.filters.end)
        gen = format_time(analysis.generated_at)
        fig.text(
            margin / fig_w,
            frac(top - 0.46),
            f"Period {period}  ·  analysis date {prov['as_of']}  ·  generated {gen}  ·  "
            f"{len(analysis.incidents):,} incidents",
            ha="left",
            va="top",
            fontsize=8,
            color="#444444",
        )
        y = banner_h + footer_h - 0.08
        for line in foot_lines:
            fig.text(
                margin / fig_w, frac(y), line, ha="left", va="top", fontsize=5.6, color="#444444"
            )
            y -= 0.12
        if handling:
            for yb in (fig_h - banner_h, 0.0):
                fig.patches.append(
                    Rectangle(
                        (0, frac(yb)),
                        1,
                        frac(banner_h),
                        transform=fig.transFigure,
                        facecolor=HANDLING_BANNER_COLOR,
                        edgecolor="none",
                    )
                )
                fig.text(
                    0.5,
                    frac(yb + banner_h / 2),
                    handling,
                    ha="center",
                    va="center",
                    fontsize=9,
                    fontweight="bold",
                    color="#ffffff",
                )

    metadata = {
        "Title": title or "Sahel Risk Map — incident exposure",
        "Description": " | ".join(provenance_lines(prov)),
        "Copyright": basemap.attribution,
        "Software": f"Sahel Risk Map {analysis.app_version}",
        "Source": "; ".join(prov["data_sources"]) or "none",
        "Creation Time": prov["generated_at"],
        "provenance": json.dumps(prov, ensure_ascii=True, sort_keys=True),
    }
    if handling:
        metadata["Warning"] = handling
    info = {
        "width_px": width_px,
        "height_px": int(round(fig_h * dpi)),
        "towns_labelled": towns_labelled,
        "extent": box,
        "dpi": dpi,
    }
    return fig, info, metadata


def _rc() -> Any:
    import matplotlib

    return matplotlib.rc_context({"font.family": _FONT, "svg.fonttype": "none"})


def _verify_png(tmp: Path, *, width_px: int) -> None:
    """Re-open a written PNG: decodes, width as asked, provenance chunk present."""
    from PIL import Image

    with Image.open(tmp) as im:
        im.load()
        if im.format != "PNG" or im.width != width_px:
            raise ExportError(
                f"PNG check: {tmp.name} is {im.format} {im.width} px wide, expected PNG "
                f"{width_px} px."
            )
        if "provenance" not in getattr(im, "text", {}):
            raise ExportError("PNG check: the provenance text chunk is missing.")


def export_png(
    analysis: Analysis,
    path: str | os.PathLike[str],
    *,
    extent: Sequence[float] | None = None,
    layers: Sequence[str] = DEFAULT_LAYERS,
    title: str | None = None,
    handling: str | None = None,
    width_px: int = 2000,
    share_safe: bool = False,
    basemap: Basemap | None = None,
) -> Path:
    """Write a PNG map snapshot of an analysis, for slides and briefings.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis to draw.
    path : str or path-like
        Destination ``.png``; its folder must exist.
    extent : (min_lon, min_lat, max_lon, max_lat), optional
        Area to show, degrees (EPSG:4326); routes, incidents and key sites by
        default.
    layers : sequence of str
        Any of ``admin`` (choropleth of incidents per 1,000 km²), ``kde``
        (density surface), ``routes`` (segments by exposure class), ``sites``
        (key sites by exposure class), ``incidents`` (precise as dots,
        approximate as hollow circles).
    title : str, optional
        Map title.
    handling : str, optional
        Handling caveat (``RESTRICTED``) shown as a banner at top and bottom.
    width_px : int
        Width in pixels, 1600..8000 (200 dpi).
    share_safe : bool
        Apply :func:`geo.export.share.share_safe_analysis` first.
    basemap : Basemap, optional
        Basemap layers; the bundled data by default.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ParameterError
        For a bad layer name, width, extent or caveat.
    ExportError
        If the file cannot be written or read back (nothing is left behind).

    Notes
    -----
    The map carries a legend, title, period, north arrow (to true north at
    its place), a scale bar measured with geodesic distances at the map
    centre, the sources and attribution line, the events left out and the
    provenance; the provenance JSON is also in a PNG ``tEXt`` chunk named
    ``provenance``. A 2,000 px map takes about 2-4 s on one core.
    """
    a = share_safe_analysis(analysis) if share_safe else analysis
    png, info = render_map_png(
        a,
        extent=extent,
        layers=layers,
        title=title,
        handling=handling,
        width_px=width_px,
        basemap=basemap,
    )

    def write(tmp: Path) -> None:
        with open(tmp, "xb") as fh:
            fh.write(png)

    return write_atomic(
        path,
        write,
        verify=lambda tmp: _verify_png(tmp, width_px=info["width_px"]),
        suffixes=(".png",),
        what="PNG map",
    )
