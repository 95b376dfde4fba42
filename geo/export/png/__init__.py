"""Static PNG map snapshots of an analysis, drawn offline on matplotlib's Agg canvas.

The map is drawn in :data:`geo.crs.METRIC_CRS` (equal-area, centred on
western Mali), so shapes keep their proportions and the scale bar is measured,
not guessed. The basemap is the bundled vector data (countries, Mali regions
and cercles, rivers, lakes, OSM main roads and towns); nothing is fetched. The
figure is built on a :class:`matplotlib.figure.Figure` with an explicit
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg`, so no display and no
pyplot state are involved, and text uses DejaVu Sans (shipped with matplotlib;
it has every accent of Ségou or Kéniéba).

Parts: :mod:`~geo.export.png.layout` (options, extent, frame and chrome),
:mod:`~geo.export.png.draw` (the layers), :mod:`~geo.export.png.cartography`
(scale bar, north arrow, labels) and :mod:`~geo.export.png.legend`; colours come
from :mod:`geo.palette`, as the app's layers do.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.errors import ExportError
from geo.export.atomic import bytes_writer, write_atomic
from geo.export.png.cartography import analysis_town_names, draw_cartography
from geo.export.png.draw import draw_layers
from geo.export.png.layout import (
    DEFAULT_LAYERS,
    DPI,
    MAP_LAYERS,
    MIN_WIDTH_PX,
    Basemap,
    Frame,
    check_extent,
    check_options,
    clean_handling,
    clipped_basemap,
    default_extent,
    draw_banners,
    draw_footer,
    draw_title_block,
    frame_figure,
    load_basemap,
    map_width_in,
    metric_box,
    new_figure,
    place_map_axes,
    rc,
    wrap,
)
from geo.export.png.legend import basemap_legend, draw_legend, fit_legend, legend_block_height
from geo.export.share import is_shared, share_safe_analysis
from geo.i18n import DEFAULT_LANGUAGE, Translator, gettext_noop, translator
from geo.provenance import (
    build_provenance,
    format_period,
    format_time,
    left_out_sentence,
    provenance_lines,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from geo.pipeline import Analysis

__all__ = [
    "DEFAULT_LAYERS",
    "MAP_LAYERS",
    "MIN_WIDTH_PX",
    "Basemap",
    "clean_handling",
    "export_png",
    "load_basemap",
    "render_map_png",
    "render_map_rgb",
]

_DEFAULT_TITLE = gettext_noop("Incident exposure — western Mali and the fuel corridors")


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
    dpi: int = DPI,
    basemap: Basemap | None = None,
    lang: str = DEFAULT_LANGUAGE,
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
    lang : str
        Language of the whole map (``en`` or ``fr``): title block, legend, scale
        bar, country names, footer and the PNG's title and description chunks
        (French dates and numbers). Town names are drawn as the data has them.

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
    with rc():
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
            lang=lang,
        )
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata=metadata, facecolor="#ffffff")
    return buf.getvalue(), info


def render_map_rgb(analysis: Analysis, **options: Any) -> tuple[Any, dict[str, Any]]:
    """Render the map as an in-memory RGB :class:`PIL.Image.Image` (for the PDF).

    Takes the options of :func:`render_map_png` and returns the same ``info``;
    skipping the PNG encoding saves about a second per print-size map.
    """
    from PIL import Image

    with rc():
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
    dpi: int = DPI,
    basemap: Basemap | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> tuple[Figure, dict[str, Any], dict[str, str]]:
    """Build the figure of :func:`render_map_png` (inside :func:`~geo.export.png.layout.rc`)."""
    layers = check_options(layers, width_px)
    lonlat = check_extent(extent)
    handling = clean_handling(handling)
    basemap = basemap or load_basemap()
    prov = build_provenance(analysis)
    box = metric_box(lonlat or default_extent(analysis, basemap), aspect_range=aspect_range)
    base = clipped_basemap(basemap, box)

    tr = translator(lang)
    fig, ax = new_figure(width_px, dpi)
    map_w = map_width_in(width_px, dpi, chrome=chrome)[2]
    legend = fit_legend(
        [*draw_layers(ax, analysis, base, layers, tr=tr), basemap_legend(tr)], map_w
    )
    foot_lines = _footer_lines(analysis, basemap, prov, map_w, tr) if chrome else []
    frame = frame_figure(
        fig,
        box,
        width_px=width_px,
        dpi=dpi,
        chrome=chrome,
        handling=handling,
        legend_h=legend_block_height(legend, map_w),
        n_footer_lines=len(foot_lines),
    )
    place_map_axes(ax, frame, box)
    towns_labelled = draw_cartography(
        ax,
        base,
        box,
        priority_towns=analysis_town_names(analysis) if "routes" in layers else (),
        shared=is_shared(analysis),
        tr=tr,
    )
    draw_legend(fig, frame.legend_rect, legend, frame.fig_h, frame.fig_w)
    if chrome:
        _draw_chrome(
            fig, frame, analysis, prov, title=title, handling=handling, foot=foot_lines, tr=tr
        )
    info = {
        "width_px": width_px,
        "height_px": int(round(frame.fig_h * dpi)),
        "towns_labelled": towns_labelled,
        "extent": box,
        "dpi": dpi,
    }
    return fig, info, _metadata(analysis, basemap, prov, title=title, handling=handling, tr=tr)


def _footer_lines(
    analysis: Analysis, basemap: Basemap, prov: dict[str, Any], map_w: float, tr: Translator
) -> list[str]:
    """Return the sources, what was left out and the provenance, wrapped to the map width."""
    texts = [
        tr.gettext("Sources: {sources}").format(sources=tr.gettext(basemap.attribution)),
        left_out_sentence(analysis.left_out, tr=tr)
        + " "
        + tr.gettext(
            "Scores are incident exposure over the stated window and sources; absence of "
            "reported incidents is not absence of risk."
        ),
        tr.gettext("Provenance: {record}").format(
            record=" | ".join(provenance_lines(prov, tr=tr)[:5])
        ),
    ]
    return [line for t in texts for line in wrap(t, map_w, 5.6)]


def _draw_chrome(
    fig: Figure,
    frame: Frame,
    analysis: Analysis,
    prov: dict[str, Any],
    *,
    title: str | None,
    handling: str | None,
    foot: Sequence[str],
    tr: Translator,
) -> None:
    """Title block, footer and handling banners."""
    start, end = analysis.filters.start, analysis.filters.end
    if tr.lang == DEFAULT_LANGUAGE:
        period, as_of = format_period(start, end), prov["as_of"]
    else:
        period = tr.period(pd.Timestamp(start).date(), pd.Timestamp(end).date())
        as_of = tr.date(pd.Timestamp(prov["as_of"]).date()) if prov["as_of"] else ""
    subtitle = tr.gettext(
        "Period {period}  ·  analysis date {as_of}  ·  generated {generated}  ·  {n} incidents"
    ).format(
        period=period,
        as_of=as_of,
        generated=format_time(analysis.generated_at),
        n=tr.number(len(analysis.incidents)),
    )
    draw_title_block(fig, frame, title=title or tr.gettext(_DEFAULT_TITLE), subtitle=subtitle)
    draw_footer(fig, frame, foot)
    if handling:
        draw_banners(fig, frame, handling)


def _metadata(
    analysis: Analysis,
    basemap: Basemap,
    prov: dict[str, Any],
    *,
    title: str | None,
    handling: str | None,
    tr: Translator,
) -> dict[str, str]:
    """PNG text chunks: title, provenance lines and JSON, sources, handling caveat.

    The title and description are in the map's language; the JSON record stays as built.
    """
    metadata = {
        "Title": title or tr.gettext("Sahel Risk Map — incident exposure"),
        "Description": " | ".join(provenance_lines(prov, tr=tr)),
        "Copyright": basemap.attribution,
        "Software": f"Sahel Risk Map {analysis.app_version}",
        "Source": "; ".join(prov["data_sources"]) or tr.gettext("none"),
        "Creation Time": prov["generated_at"],
        "provenance": json.dumps(prov, ensure_ascii=True, sort_keys=True),
    }
    if handling:
        metadata["Warning"] = handling
    return metadata


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
    lang: str = DEFAULT_LANGUAGE,
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
        imprecise as the dashed outline of their uncertainty area).
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
    lang : str
        Language of the map (``en`` or ``fr``), as for :func:`render_map_png`.

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
        lang=lang,
    )
    return write_atomic(
        path,
        bytes_writer(png),
        verify=lambda tmp: _verify_png(tmp, width_px=info["width_px"]),
        suffixes=(".png",),
        what="PNG map",
    )
