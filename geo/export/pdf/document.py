"""The PDF document around the story: page header and footer, page count, map pictures.

The handling caveat is printed in the header and footer of every page with
"page X of Y"; maps are drawn by :func:`geo.export.png.render_map_rgb` at print
resolution.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    Flowable,
)

from geo.export.pdf.styles import BANNER, FRAME_W, MARGIN
from geo.export.png import Basemap, render_map_rgb
from geo.i18n import DEFAULT_LANGUAGE, Translator, translator
from geo.provenance import format_time

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = [
    "Picture",
    "binary_streams",
    "canvas_maker",
    "hotspot_extent",
    "map_image",
    "render_map",
    "set_creation_time",
]


def canvas_maker(
    *,
    handling: str | None,
    running: str,
    footer: str,
    when: datetime,
    font: str,
    tr: Translator | None = None,
) -> tuple[type, dict[str, int]]:
    """Return a canvas class drawing header, footer and "page X of Y" once all pages are known.

    ``tr`` gives the language of the generation line and the page count (English by default).
    """
    tr = tr or translator()
    info = {"pages": 0}

    class _Canvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["invariant"] = 1
            super().__init__(*args, **kwargs)
            set_creation_time(self, when)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab API)
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            info["pages"] = total
            for state in self._saved:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            w, h = A4
            self.saveState()
            if handling:
                for y in (h - 9 * mm, 3 * mm):
                    self.setFillColor(BANNER)
                    self.rect(0, y, w, 6 * mm, stroke=0, fill=1)
                    self.setFillColor(colors.white)
                    self.setFont(f"{font}-Bold", 9)
                    self.drawCentredString(w / 2, y + 1.9 * mm, handling)
            self.setFillColor(colors.HexColor("#555555"))
            self.setFont(font, 7.5)
            self.drawString(MARGIN, h - 14 * mm, running)
            self.drawRightString(w - MARGIN, h - 14 * mm, footer)
            self.setStrokeColor(colors.HexColor("#b9b2a6"))
            self.setLineWidth(0.5)
            self.line(MARGIN, h - 15.5 * mm, w - MARGIN, h - 15.5 * mm)
            self.line(MARGIN, 12.5 * mm, w - MARGIN, 12.5 * mm)
            made = tr.gettext("Generated {when} · Sahel Risk Map").format(when=format_time(when))
            self.drawString(MARGIN, 10 * mm, made)
            page = tr.gettext("Page {page} of {total}").format(page=self._pageNumber, total=total)
            self.drawRightString(w - MARGIN, 10 * mm, page)
            self.restoreState()

    return _Canvas, info


def set_creation_time(canvas: rl_canvas.Canvas, when: datetime) -> None:
    """Date the PDF at the analysis generation time (invariant mode would say 2000)."""
    stamp = canvas._doc._timeStamp  # reportlab keeps the document time here
    t = when if when.tzinfo is None else when.astimezone(UTC).replace(tzinfo=None)
    stamp.t = (t - datetime(1970, 1, 1)).total_seconds()
    stamp.lt = t.timetuple()
    stamp.YMDhms = tuple(t.timetuple())[:6]
    stamp.dhh = stamp.dmm = 0


class Picture(Flowable):
    """An in-memory PIL image drawn ``width`` points wide, proportions kept."""

    def __init__(self, picture: Any, width: float) -> None:
        super().__init__()
        w_px, h_px = picture.size
        self._image = ImageReader(picture)
        self.width, self.height = width, width * h_px / w_px

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:  # noqa: D102
        return self.width, self.height

    def draw(self) -> None:  # noqa: D102
        self.canv.drawImage(self._image, 0, 0, self.width, self.height)


def map_image(picture: Any, width: float) -> Flowable:
    """Return a flowable of ``width`` points for a PIL image, keeping its proportions."""
    return Picture(picture, width)


def hotspot_extent(analysis: Analysis) -> tuple[float, float, float, float] | None:
    """Lon/lat box around the incidents and the units that have any, at least 4° by 3°."""
    boxes = []
    if len(analysis.incidents):
        boxes.append(analysis.incidents.to_crs(4326).total_bounds)
    admin = analysis.admin_stats
    if admin is not None and len(admin) and "incidents" in admin:
        hit = admin[pd.to_numeric(admin["incidents"], errors="coerce").fillna(0) > 0]
        if len(hit):
            boxes.append(hit.to_crs(4326).total_bounds)
    if not boxes:
        return None
    b = np.vstack(boxes)
    minx, miny, maxx, maxy = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = max((maxx - minx) / 2, 2.0), max((maxy - miny) / 2, 1.5)
    return (float(cx - half_w), float(cy - half_h), float(cx + half_w), float(cy + half_h))


def render_map(
    analysis: Analysis,
    layers: Sequence[str],
    basemap: Basemap,
    *,
    extent: tuple[float, float, float, float] | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> Any:
    """Return the map of some layers as a print-resolution picture (300 dpi, frame width).

    ``lang`` is the language of the map's legend, scale bar and labels (English by default).
    """
    width_in = FRAME_W / 72
    picture, _ = render_map_rgb(
        analysis,
        extent=extent,
        layers=layers,
        width_px=int(round(width_in * 300)),
        dpi=300,
        chrome=False,
        aspect_range=(0.6, 0.82),
        basemap=basemap,
        lang=lang,
    )
    return picture


@contextlib.contextmanager
def binary_streams() -> Iterator[None]:
    """Write PDF streams as binary, not ASCII85: the encoder is pure Python (2 s per map)."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous
