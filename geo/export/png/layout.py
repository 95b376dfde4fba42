"""Page layout of a PNG map: options, extent and metric box, basemap, figure frame, chrome.

The map is drawn in :data:`geo.crs.METRIC_CRS` (equal-area, centred on western
Mali) on a :class:`matplotlib.figure.Figure` with an explicit Agg canvas (no
display, no pyplot state); text is DejaVu Sans (shipped with matplotlib; it has
every accent of Ségou or Kéniéba). The frame stacks, top to bottom: banner,
title block, map, legend, footer, banner.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from pyproj import Transformer

from geo.crs import METRIC_CRS, WGS84
from geo.errors import ParameterError
from geo.palette import (
    HANDLING_BANNER_COLOR,
)

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = [
    "Basemap",
    "DEFAULT_LAYERS",
    "DPI",
    "FONT",
    "Frame",
    "MAP_LAYERS",
    "MIN_WIDTH_PX",
    "check_extent",
    "check_options",
    "clean_handling",
    "clipped_basemap",
    "default_extent",
    "draw_banners",
    "draw_footer",
    "draw_title_block",
    "frame_figure",
    "load_basemap",
    "map_width_in",
    "metric",
    "metric_box",
    "new_figure",
    "place_map_axes",
    "rc",
    "wrap",
]


#: Layers a snapshot can draw, bottom to top.
MAP_LAYERS: tuple[str, ...] = ("admin", "kde", "routes", "sites", "incidents")


DEFAULT_LAYERS: tuple[str, ...] = MAP_LAYERS


#: Narrowest PNG accepted (a briefing slide needs at least this).
MIN_WIDTH_PX = 1600


_MAX_WIDTH_PX = 8000


DPI = 200


FONT = "DejaVu Sans"


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


def check_options(layers: Sequence[str], width_px: int) -> tuple[str, ...]:
    """Return the layers as a tuple after checking them and the width (raises ParameterError)."""
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


def check_extent(extent: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    """Return a checked (min_lon, min_lat, max_lon, max_lat) extent, or None."""
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


def metric(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Return a layer in :data:`geo.crs.METRIC_CRS` (None stays None)."""
    if gdf is None:
        return None
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    return gdf.to_crs(METRIC_CRS)


def default_extent(analysis: Analysis, basemap: Basemap) -> tuple[float, float, float, float]:
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


def metric_box(
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


def wrap(text: str, width_in: float, fontsize: float) -> list[str]:
    """Return ``text`` wrapped to a width in inches at a font size in points."""
    chars = max(int(width_in * 72 / (fontsize * 0.56)), 40)
    return textwrap.wrap(text, chars) or [""]


def rc() -> Any:
    """Return the matplotlib settings every map is drawn under (font, SVG text)."""
    import matplotlib

    return matplotlib.rc_context({"font.family": FONT, "svg.fonttype": "none"})


@dataclass(frozen=True)
class Frame:
    """Figure layout in inches: the map and the blocks stacked around it.

    Attributes
    ----------
    fig_w, fig_h : float
        Figure size.
    margin : float
        Left and right margin (0 without chrome).
    map_w, map_h : float
        Map size.
    banner_h, header_h, legend_h, footer_h : float
        Heights of one handling banner, the title block, the legend and the footer.
    """

    fig_w: float
    fig_h: float
    margin: float
    map_w: float
    map_h: float
    banner_h: float
    header_h: float
    legend_h: float
    footer_h: float

    def frac(self, y_in: float) -> float:
        """Return a height in inches from the bottom as a fraction of the figure."""
        return y_in / self.fig_h

    @property
    def map_rect(self) -> tuple[float, float, float, float]:
        """Map axes (left, bottom, width, height) in figure fractions."""
        bottom = self.banner_h + self.footer_h + self.legend_h + 0.12
        return (
            self.margin / self.fig_w,
            self.frac(bottom),
            self.map_w / self.fig_w,
            self.frac(self.map_h),
        )

    @property
    def legend_rect(self) -> tuple[float, float, float, float]:
        """Legend block (left, bottom, width, height) in figure fractions."""
        return (
            self.margin / self.fig_w,
            self.frac(self.banner_h + self.footer_h),
            self.map_w / self.fig_w,
            self.frac(self.legend_h),
        )


def map_width_in(width_px: int, dpi: int, *, chrome: bool) -> tuple[float, float, float]:
    """Return (figure width, margin, map width) in inches."""
    fig_w = width_px / dpi
    margin = 0.25 if chrome else 0.0
    return fig_w, margin, fig_w - 2 * margin


def clipped_basemap(
    basemap: Basemap, box: tuple[float, float, float, float]
) -> dict[str, gpd.GeoDataFrame | None]:
    """Basemap layers in the metric CRS, cut to the box widened by 20 % on each side."""
    x0, y0, x1, y1 = box
    base = {
        name: metric(getattr(basemap, name))
        for name in ("countries", "admin1", "admin2", "rivers", "lakes", "roads", "towns")
    }
    clip = (x0 - (x1 - x0) * 0.2, y0 - (y1 - y0) * 0.2, x1 + (x1 - x0) * 0.2, y1 + (y1 - y0) * 0.2)
    return {
        k: (v.cx[clip[0] : clip[2], clip[1] : clip[3]] if v is not None else None)
        for k, v in base.items()
    }


def new_figure(width_px: int, dpi: int) -> tuple[Figure, Any]:
    """Return a figure on its own Agg canvas and one axes filling it (resized later)."""
    fig = Figure(figsize=(width_px / dpi, 10), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig, fig.add_axes((0, 0, 1, 1))


def frame_figure(
    fig: Figure,
    box: tuple[float, float, float, float],
    *,
    width_px: int,
    dpi: int,
    chrome: bool,
    handling: str | None,
    legend_h: float,
    n_footer_lines: int,
) -> Frame:
    """Size the figure around the map, legend and chrome, and return the frame."""
    x0, y0, x1, y1 = box
    fig_w, margin, map_w = map_width_in(width_px, dpi, chrome=chrome)
    map_h = map_w * (y1 - y0) / (x1 - x0)
    banner_h = 0.3 if (chrome and handling) else 0.0
    header_h = 0.78 if chrome else 0.0
    footer_h = (0.12 * n_footer_lines + 0.12) if chrome else 0.0
    fig_h = banner_h * 2 + header_h + map_h + 0.12 + legend_h + footer_h + 0.1
    fig.set_size_inches(fig_w, fig_h)
    return Frame(fig_w, fig_h, margin, map_w, map_h, banner_h, header_h, legend_h, footer_h)


def place_map_axes(ax: Any, frame: Frame, box: tuple[float, float, float, float]) -> None:
    """Put the map axes in its frame, equal aspect, no ticks, a thin dark border."""
    x0, y0, x1, y1 = box
    ax.set_position(frame.map_rect)
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


def draw_title_block(fig: Figure, frame: Frame, *, title: str, subtitle: str) -> None:
    """Draw the title and the period line above the map, each shrunk to fit its width."""
    top = frame.fig_h - frame.banner_h
    left = frame.margin / frame.fig_w
    head = fig.text(
        left,
        frame.frac(top - 0.1),
        title,
        ha="left",
        va="top",
        fontsize=14,
        fontweight="bold",
        color="#1a1a1a",
    )
    sub = fig.text(
        left, frame.frac(top - 0.46), subtitle, ha="left", va="top", fontsize=8, color="#444444"
    )
    renderer = fig.canvas.get_renderer()
    for text in (head, sub):
        width_in = text.get_window_extent(renderer).width / fig.dpi
        if width_in > frame.map_w:
            text.set_fontsize(text.get_fontsize() * frame.map_w / width_in)


def draw_footer(fig: Figure, frame: Frame, lines: Sequence[str]) -> None:
    """Draw the footer lines (sources, left out, provenance) below the legend."""
    y = frame.banner_h + frame.footer_h - 0.08
    for line in lines:
        fig.text(
            frame.margin / frame.fig_w,
            frame.frac(y),
            line,
            ha="left",
            va="top",
            fontsize=5.6,
            color="#444444",
        )
        y -= 0.12


def draw_banners(fig: Figure, frame: Frame, handling: str) -> None:
    """Draw the handling caveat as a coloured band at the top and the bottom of the page."""
    for yb in (frame.fig_h - frame.banner_h, 0.0):
        fig.patches.append(
            Rectangle(
                (0, frame.frac(yb)),
                1,
                frame.frac(frame.banner_h),
                transform=fig.transFigure,
                facecolor=HANDLING_BANNER_COLOR,
                edgecolor="none",
            )
        )
        fig.text(
            0.5,
            frame.frac(yb + frame.banner_h / 2),
            handling,
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold",
            color="#ffffff",
        )
