"""The PDF briefing: maps, key figures, tables, method, sources and limits of one analysis.

Built with reportlab's platypus on A4 portrait, in DejaVu Sans (the TrueType
files matplotlib ships, so accents such as Ségou or Kéniéba print on any
machine). Every string that comes from data goes through :func:`_esc` before
it reaches a :class:`~reportlab.platypus.Paragraph`, whose mini-markup would
otherwise read ``<b>`` or ``&`` in a place name or a file name. The handling
caveat is printed in the header and footer of every page with "page X of Y".
The file carries the provenance in its metadata (Subject: summary; Keywords:
the JSON record) and on the method page.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from geo.errors import ExportError
from geo.export.atomic import write_atomic
from geo.export.png import Basemap, clean_handling, load_basemap, render_map_rgb
from geo.export.share import is_shared, share_safe_analysis
from geo.palette import EXPOSURE_CLASSES, EXPOSURE_COLORS, HANDLING_BANNER_COLOR, SITE_TYPE_LABELS
from geo.provenance import build_provenance, format_period, format_time, provenance_lines
from geo.settings import DEFAULTS

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = ["DATA_LIMITS", "export_pdf", "render_pdf"]

#: What every briefing says about the data, whatever the analysis.
DATA_LIMITS: tuple[str, ...] = (
    "Locations are mostly town-level: an event is placed at the town or site the report "
    "names, not where it happened on the road.",
    "No time of day: events are dated to the day (some to the week or month), so "
    "exposure cannot be split into day and night travel.",
    "Reported incidents only: news-based logs are incomplete and lean towards events "
    "that reach the international press (foreign workers, mines, convoys); UCDP GED "
    "keeps only events with at least one death.",
    "The bundled data has no incidents for 2021-2023 (UCDP GED 21.1 ends in 2020, the "
    "news log starts in February 2024); bring an ACLED export for those years.",
    "Scores are incident exposure over the stated window and sources, not a "
    "prediction: a stretch or site with no reported incident can still be attacked.",
    "Boundaries are the old scheme (8 regions, 49 cercles and Bamako), not the 2023 regions.",
)

_MARGIN = 15 * mm
_FRAME_W = A4[0] - 2 * _MARGIN
_BANNER = colors.HexColor(HANDLING_BANNER_COLOR)
_GRID = colors.HexColor("#c8c8c8")
_HEAD_BG = colors.HexColor("#eeeae3")
_NOTE_BG = colors.HexColor("#f6f3ec")
_EXPOSURE_BG = {c: colors.HexColor(EXPOSURE_COLORS[c]) for c in EXPOSURE_CLASSES}
_LEFT_OUT_WHY = (
    (
        "imprecise",
        "location is an area or centroid (ACLED geo_precision 3, UCDP where_prec > 2); "
        "counted in admin totals, left out of KDE, hexagons, Gi*, route and site exposure",
    ),
    ("outside", "event date outside the analysis window"),
    ("window", "event date outside the analysis window"),
    ("categor", "category not selected in the filters"),
    ("source", "source not selected in the filters"),
    ("actor", "actor not selected in the filters"),
    ("geometry", "no usable coordinates"),
    ("duplicate", "same event reported twice; kept once"),
    ("future", "dated after the analysis date"),
)
_FIGURES = (
    ("incidents", "Incidents"),
    ("fatalities", "Fatalities"),
    ("abductions", "Abductions / kidnappings"),
    ("convoy_attacks", "Attacks on convoys or vehicles"),
    ("site_attacks", "Attacks on mines, factories or worksites"),
)


# --------------------------------------------------------------------------- fonts and styles


def _register_fonts() -> str:
    """Register DejaVu Sans (from matplotlib's data folder) once; return the family name."""
    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return "DejaVuSans"
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = {
        "DejaVuSans": "DejaVuSans.ttf",
        "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    }
    for name, file in faces.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(
        "DejaVuSans",
        normal="DejaVuSans",
        bold="DejaVuSans-Bold",
        italic="DejaVuSans-Oblique",
        boldItalic="DejaVuSans-BoldOblique",
    )
    return "DejaVuSans"


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, alignment=TA_LEFT)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.6, leading=9.2),
        "cellw": ParagraphStyle(
            "cellw",
            parent=base,
            fontSize=7.6,
            leading=9.2,
            fontName=f"{font}-Bold",
            textColor=colors.white,
        ),
        "cellb": ParagraphStyle(
            "cellb", parent=base, fontSize=7.6, leading=9.2, fontName=f"{font}-Bold"
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=f"{font}-Bold", fontSize=19, leading=23, spaceAfter=2
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            parent=base,
            fontSize=11,
            leading=14,
            textColor=colors.HexColor("#444444"),
            spaceAfter=6,
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=f"{font}-Bold",
            fontSize=13,
            leading=16,
            spaceBefore=8,
            spaceAfter=5,
            textColor=colors.HexColor("#1a1a1a"),
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=f"{font}-Bold",
            fontSize=10.5,
            leading=13,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "caption": ParagraphStyle(
            "caption",
            parent=base,
            fontSize=7.5,
            leading=9.5,
            textColor=colors.HexColor("#555555"),
            spaceBefore=2,
            spaceAfter=6,
        ),
        "lead": ParagraphStyle(
            "lead",
            parent=base,
            fontSize=7.5,
            leading=9.5,
            textColor=colors.HexColor("#555555"),
            spaceBefore=2,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "bullet": ParagraphStyle(
            "bullet", parent=base, leftIndent=11, bulletIndent=1, spaceAfter=2
        ),
        "note": ParagraphStyle(
            "note",
            parent=base,
            fontSize=8.5,
            leading=11,
            backColor=_NOTE_BG,
            borderColor=colors.HexColor("#d8cfbf"),
            borderWidth=0.6,
            borderPadding=5,
            spaceBefore=4,
            spaceAfter=8,
        ),
        "mono": ParagraphStyle(
            "mono", parent=base, fontSize=7, leading=8.8, textColor=colors.HexColor("#333333")
        ),
    }


def _esc(value: object) -> str:
    """Text from data, made inert for reportlab's Paragraph markup (``<``, ``>``, ``&``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = "".join(ch for ch in str(value) if ch.isprintable() or ch == "\n")
    return escape(text)


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    """Return a paragraph of plain text from data (escaped)."""
    return Paragraph(_esc(text), style)


def _pm(markup: str, style: ParagraphStyle) -> Paragraph:
    """Return a paragraph of trusted markup whose data parts were escaped with :func:`_esc`."""
    return Paragraph(markup, style)


def _bullet(markup: str, s: Mapping[str, ParagraphStyle]) -> Paragraph:
    """Return a bulleted paragraph of trusted markup (data parts escaped)."""
    return Paragraph(markup, s["bullet"], bulletText="•")


# --------------------------------------------------------------------------- numbers


def _num(value: object, digits: int = 0) -> str:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    if digits == 0 or v.is_integer() and abs(v) >= 100:
        return f"{v:,.0f}".replace("-", "−")
    return f"{v:,.{digits}f}".replace("-", "−")


def _change(now: float, before: float | None) -> str:
    if before is None or not math.isfinite(float(before)):
        return "–"
    diff = float(now) - float(before)
    if diff == 0:
        return "no change"
    sign = "+" if diff > 0 else "−"
    if before == 0:
        return f"{sign}{abs(diff):,.0f} (none before)"
    return f"{sign}{abs(diff):,.0f} ({sign}{abs(diff) / float(before) * 100:.0f} %)"


def _previous(figures: Mapping[str, Any], key: str) -> float | None:
    for k in (f"prev_{key}", f"{key}_prev", f"previous_{key}"):
        if k in figures:
            return float(figures[k])
    nested = figures.get("previous")
    if isinstance(nested, Mapping) and key in nested:
        return float(nested[key])
    return None


# --------------------------------------------------------------------------- tables


def _table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    styles: Mapping[str, ParagraphStyle],
    *,
    numeric_cols: Sequence[int] = (),
    extra: Sequence[tuple] = (),
    repeat: int = 1,
) -> Table:
    """Return a table of escaped cells with a shaded header row and light grid."""
    body = []
    for r, row in enumerate(rows):
        out = []
        for c, cell in enumerate(row):
            if isinstance(cell, Flowable):
                out.append(cell)
                continue
            style = styles["cellb"] if r < repeat else styles["cell"]
            para = _p(cell, style)
            if c in numeric_cols:
                para = Paragraph(_esc(cell), ParagraphStyle("num", parent=style, alignment=2))
            out.append(para)
        body.append(out)
    table = Table(body, colWidths=list(widths), repeatRows=repeat, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, repeat - 1), _HEAD_BG),
                ("LINEBELOW", (0, repeat - 1), (-1, repeat - 1), 0.8, colors.HexColor("#8a8378")),
                ("LINEBELOW", (0, repeat), (-1, -1), 0.3, _GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                *extra,
            ]
        )
    )
    return table


def _class_para(cls: object, s: Mapping[str, ParagraphStyle]) -> Paragraph:
    """Return an exposure-class cell (white text on the dark ``critical`` background)."""
    name = "" if cls is None or (isinstance(cls, float) and math.isnan(cls)) else str(cls)
    return _p(name, s["cellw"] if name == "critical" else s["cell"])


def _class_colours(rows: Sequence[Sequence[Any]], col: int) -> list[tuple]:
    """Return background commands for an exposure-class column (medium and above)."""
    out = []
    for r, row in enumerate(rows[1:], start=1):
        cell = row[col]
        cls = cell if isinstance(cell, str) else getattr(cell, "text", "")
        bg = _EXPOSURE_BG.get(str(cls))
        if bg is not None and cls != "low":
            out.append(("BACKGROUND", (col, r), (col, r), bg))
    return out


# --------------------------------------------------------------------------- page furniture


def _canvas_maker(
    *, handling: str | None, running: str, footer: str, when: datetime, font: str
) -> tuple[type, dict[str, int]]:
    """Return a canvas class drawing header, footer and "page X of Y" once all pages are known."""
    info = {"pages": 0}

    class _Canvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["invariant"] = 1
            super().__init__(*args, **kwargs)
            _set_creation_time(self, when)
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
                    self.setFillColor(_BANNER)
                    self.rect(0, y, w, 6 * mm, stroke=0, fill=1)
                    self.setFillColor(colors.white)
                    self.setFont(f"{font}-Bold", 9)
                    self.drawCentredString(w / 2, y + 1.9 * mm, handling)
            self.setFillColor(colors.HexColor("#555555"))
            self.setFont(font, 7.5)
            self.drawString(_MARGIN, h - 14 * mm, running)
            self.drawRightString(w - _MARGIN, h - 14 * mm, footer)
            self.setStrokeColor(colors.HexColor("#b9b2a6"))
            self.setLineWidth(0.5)
            self.line(_MARGIN, h - 15.5 * mm, w - _MARGIN, h - 15.5 * mm)
            self.line(_MARGIN, 12.5 * mm, w - _MARGIN, 12.5 * mm)
            self.drawString(_MARGIN, 10 * mm, f"Generated {format_time(when)} · Sahel Risk Map")
            self.drawRightString(w - _MARGIN, 10 * mm, f"Page {self._pageNumber} of {total}")
            self.restoreState()

    return _Canvas, info


def _set_creation_time(canvas: rl_canvas.Canvas, when: datetime) -> None:
    """Date the PDF at the analysis generation time (invariant mode would say 2000)."""
    stamp = canvas._doc._timeStamp  # reportlab keeps the document time here
    t = when if when.tzinfo is None else when.astimezone(UTC).replace(tzinfo=None)
    stamp.t = (t - datetime(1970, 1, 1)).total_seconds()
    stamp.lt = t.timetuple()
    stamp.YMDhms = tuple(t.timetuple())[:6]
    stamp.dhh = stamp.dmm = 0


# --------------------------------------------------------------------------- sections


class _Picture(Flowable):
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


def _map_image(picture: Any, width: float) -> Flowable:
    """Return a flowable of ``width`` points for a PIL image, keeping its proportions."""
    return _Picture(picture, width)


def _hotspot_extent(analysis: Analysis) -> tuple[float, float, float, float] | None:
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


def _render(
    analysis: Analysis,
    layers: Sequence[str],
    basemap: Basemap,
    *,
    extent: tuple[float, float, float, float] | None = None,
) -> Any:
    width_in = _FRAME_W / 72
    picture, _ = render_map_rgb(
        analysis,
        extent=extent,
        layers=layers,
        width_px=int(round(width_in * 300)),
        dpi=300,
        chrome=False,
        aspect_range=(0.6, 0.82),
        basemap=basemap,
    )
    return picture


def _key_figures(analysis: Analysis, s: Mapping[str, ParagraphStyle]) -> list[Flowable]:
    f = analysis.filters
    start, end = pd.Timestamp(f.start).date(), pd.Timestamp(f.end).date()
    days = (end - start).days + 1
    prev_end = start - timedelta(days=1)
    prev_start = prev_end - timedelta(days=days - 1)
    head = [
        "",
        "This period",
        f"Previous period ({prev_start:%d %b %Y} – {prev_end:%d %b %Y})",
        "Change",
    ]
    rows: list[list[Any]] = [head]
    kf = dict(analysis.key_figures)
    for key, label in _FIGURES:
        if key not in kf:
            continue
        before = _previous(kf, key)
        rows.append(
            [
                label,
                _num(kf[key]),
                _num(before) if before is not None else "–",
                _change(kf[key], before),
            ]
        )
    widths = (0.36 * _FRAME_W, 0.14 * _FRAME_W, 0.28 * _FRAME_W, 0.22 * _FRAME_W)
    return [_pm("Key figures", s["h2"]), _table(rows, widths, s, numeric_cols=(1, 2, 3))]


def _unit_names(analysis: Analysis) -> dict[str, str]:
    admin = analysis.admin_stats
    if admin is None or admin.empty or "unit_id" not in admin or "name" not in admin:
        return {}
    return dict(zip(admin["unit_id"].astype(str), admin["name"].astype(str), strict=False))


def _headlines(analysis: Analysis, alternatives: pd.DataFrame | None) -> list[str]:
    """Short, data-derived statements (markup with escaped data)."""
    out: list[str] = []
    admin = analysis.admin_stats
    if admin is not None and not admin.empty and "incidents" in admin:
        top = (
            admin[admin["incidents"] > 0]
            .sort_values(["incidents", "fatalities"], ascending=False)
            .head(3)
        )
        if len(top):
            parts = [f"{_esc(r['name'])} ({_num(r['incidents'])})" for _, r in top.iterrows()]
            out.append("Most incidents in the window: " + ", ".join(parts) + ".")
    ws = _worst(analysis)
    if ws is not None and len(ws):
        top = ws.sort_values("peak", ascending=False).iloc[0]
        out.append(
            f"Highest route incident exposure: {_esc(_route_label(analysis, top['route_id']))}, "
            f"<b>{_stretch_towns(top['town_from'], top['town_to'])}</b> "
            f"(km {_num(top['km_from'])}–{_num(top['km_to'])}), {_num(top['peak'], 2)} per km"
            + (f", {_esc(top['exposure_class'])}" if top.get("exposure_class") else "")
            + "."
        )
    if alternatives is not None and len(alternatives):
        for group, g in alternatives.groupby("group", sort=True):
            g = g.sort_values("rank_in_group")
            if len(g) < 2:
                continue
            best, other = g.iloc[0], g.iloc[-1]
            if float(other["exposure_total"]) == float(best["exposure_total"]):
                out.append(
                    f"{_esc(str(group).capitalize())} alternatives: equal incident exposure over "
                    "the trip "
                    f"({_num(best['exposure_total'], 1)})."
                )
            else:
                out.append(
                    f"{_esc(str(group).capitalize())} alternatives: {_esc(best['label'])} "
                    "accumulates less incident "
                    f"exposure over the trip ({_num(best['exposure_total'], 1)}) than "
                    f"{_esc(other['label'])} "
                    f"({_num(other['exposure_total'], 1)})."
                )
    sites = analysis.sites
    if sites is not None and not sites.empty and "exposure_class" in sites:
        key = sites[sites.get("is_key_site", pd.Series(True, index=sites.index)).astype(bool)]
        hot = key[key["exposure_class"].astype(str).isin(["high", "critical"])]
        if len(hot):
            names = ", ".join(
                _esc(n) for n in hot.sort_values("exposure_class")["name"].astype(str).head(5)
            )
            out.append(
                f"Key sites in the high or critical class: {len(hot)} "
                f"({names}{', …' if len(hot) > 5 else ''})."
            )
        else:
            out.append("No key site (mine, factory, plant, dam) is in the high or critical class.")
    imprecise = sum(int(v) for k, v in analysis.left_out.items() if "imprecise" in str(k).lower())
    if imprecise:
        out.append(
            f"{_num(imprecise)} events with approximate locations are counted in admin totals but "
            "left "
            "out of the density, hexagon, route and site figures."
        )
    return out


def _read_with_care(analysis: Analysis, s: Mapping[str, ParagraphStyle]) -> Flowable:
    left = "; ".join(f"{_num(n)} {_esc(k)}" for k, n in analysis.left_out.items()) or "none"
    lines = [
        "<b>Read with care.</b> " + _esc(DATA_LIMITS[0]) + " " + _esc(DATA_LIMITS[1]),
        _esc(DATA_LIMITS[2]) + " " + _esc(DATA_LIMITS[4]),
        f"<b>Left out:</b> {left}. Sources, licences, validation counts, method and all limits "
        "are on the "
        "last pages.",
    ]
    return _pm("<br/>".join(lines), s["note"])


def _stretch_towns(town_from: object, town_to: object) -> str:
    """Return ``A – B``, or ``near A`` when both ends have the same nearest town (escaped)."""
    a, b = str(town_from or ""), str(town_to or "")
    return f"near {_esc(a)}" if a == b or not b else f"{_esc(a)} – {_esc(b)}"


def _worst(analysis: Analysis) -> pd.DataFrame | None:
    ws = analysis.worst_stretches
    if ws is None or ws.empty:
        return None
    frame = pd.DataFrame(ws).copy()
    renames = {"from_town": "town_from", "to_town": "town_to"}
    frame = frame.rename(
        columns={k: v for k, v in renames.items() if k in frame and v not in frame}
    )
    for col in ("town_from", "town_to", "exposure_class"):
        if col not in frame:
            frame[col] = ""
    peak = next((c for c in ("peak_exposure_per_km", "exposure_per_km") if c in frame), None)
    frame["peak"] = pd.to_numeric(frame[peak], errors="coerce") if peak else np.nan
    return frame


def _route_label(analysis: Analysis, route_id: object) -> str:
    rs = analysis.route_summary
    if rs is not None and not rs.empty and "label" in rs and "route_id" in rs:
        hit = rs[rs["route_id"].astype(str) == str(route_id)]
        if len(hit):
            return str(hit["label"].iloc[0])
    return str(route_id)


def _admin_section(analysis: Analysis, s: Mapping[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = []
    admin = analysis.admin_stats
    level = int(getattr(analysis.params, "admin_level", 2))
    unit = {1: "Region", 2: "Cercle"}.get(level, "Unit")
    out.append(_pm(f"Top {unit.lower()}s by incidents", s["h2"]))
    if admin is None or admin.empty or "incidents" not in admin:
        out.append(_p("No admin statistics in this analysis.", s["body"]))
        return out
    frame = pd.DataFrame(admin.drop(columns="geometry", errors="ignore"))
    prev = (
        frame["prev_incidents"]
        if "prev_incidents" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    frame = frame[(frame["incidents"] > 0) | (prev.fillna(0) > 0)]
    frame = frame.sort_values(
        ["incidents", "fatalities" if "fatalities" in frame else "incidents"], ascending=False
    ).head(10)
    if frame.empty:
        out.append(_p("No incidents in any unit in this window or the previous one.", s["body"]))
        return out
    has_region = level == 2 and "adm1_name" in frame
    head = [
        "#",
        unit,
        *(["Region"] if has_region else []),
        "Incidents",
        "Fatalities",
        "per 1,000 km²",
        "Previous",
        "Change",
    ]
    rows: list[list[Any]] = [head]
    for i, (_, r) in enumerate(frame.iterrows(), start=1):
        before = r.get("prev_incidents")
        rows.append(
            [
                str(i),
                r.get("name", r.get("unit_id")),
                *([r["adm1_name"]] if has_region else []),
                _num(r["incidents"]),
                _num(r.get("fatalities")),
                _num(r.get("incidents_per_1000km2"), 2),
                _num(before),
                _change(r["incidents"], None if before is None or pd.isna(before) else before),
            ]
        )
    base = [0.05, 0.2, *([0.17] if has_region else []), 0.11, 0.11, 0.13, 0.1]
    base.append(1 - sum(base))
    numeric = tuple(range(len(head) - 5, len(head)))
    table = _table(rows, [b * _FRAME_W for b in base], s, numeric_cols=numeric)
    return [KeepTogether([*out, table])]


def _gistar_text(analysis: Analysis) -> str:
    if analysis.gistar_message:
        return _esc(analysis.gistar_message)
    g = analysis.gistar
    if g is None or g.empty:
        return "Gi* was not computed for this analysis."
    col = next((c for c in ("gistar_class", "hotspot_class") if c in g), None)
    if col is None:
        return "Gi* results have no class column."
    counts = g[col].astype(str).value_counts()
    p = analysis.params
    fdr = (
        "with Benjamini-Hochberg correction"
        if getattr(p, "gistar_fdr", True)
        else "without correction"
    )
    return (
        f"Getis-Ord Gi* on {len(g):,} "
        f"{('hexagons' if getattr(p, 'gistar_on', 'hex') == 'hex' else 'admin units')}: "
        f"{int(counts.get('hot', 0))} hot spot(s), {int(counts.get('cold', 0))} cold spot(s) at "
        f"alpha {getattr(p, 'gistar_alpha', 0.05):g} {fdr}."
    )


def _surge_flowables(analysis: Analysis, s: Mapping[str, ParagraphStyle]) -> list[Flowable]:
    surge = analysis.surge
    if surge is None or surge.empty or not {"week_flag", "month_flag"} <= set(surge.columns):
        return [_p("Surge flags: none computed for this window.", s["body"])]
    frame = surge.reset_index() if "unit_id" not in surge.columns else surge.copy()
    flagged = frame[frame["week_flag"].astype(bool) | frame["month_flag"].astype(bool)]
    if flagged.empty:
        return [
            _p(
                "Surge flags: no unit's latest week or month is double its recent average.",
                s["body"],
            )
        ]
    names = _unit_names(analysis)
    rows: list[list[Any]] = [
        [
            "Unit",
            "Latest week",
            "Average week before",
            "Latest 4 weeks",
            "Average 4 weeks before",
            "Flag",
        ]
    ]
    for _, r in flagged.iterrows():
        flags = [n for n, c in (("week", "week_flag"), ("month", "month_flag")) if bool(r[c])]
        rows.append(
            [
                names.get(str(r.get("unit_id")), str(r.get("unit_id"))),
                _num(r.get("latest_week")),
                _num(r.get("avg_week_prev_4"), 1),
                _num(r.get("latest_month")),
                _num(r.get("avg_month_prev_12"), 1),
                " + ".join(flags),
            ]
        )
    widths = [w * _FRAME_W for w in (0.26, 0.13, 0.16, 0.14, 0.17, 0.14)]
    return [
        _pm("Surge flags (ACLED rule: latest period at least double the recent average)", s["h2"]),
        _table(rows, widths, s, numeric_cols=(1, 2, 3, 4)),
    ]


def _routes_section(
    analysis: Analysis, s: Mapping[str, ParagraphStyle], alternatives: pd.DataFrame | None
) -> list[Flowable]:
    out: list[Flowable] = []
    rs = analysis.route_summary
    if rs is None or rs.empty:
        out.append(_p("No route exposure in this analysis.", s["body"]))
        return out
    out.append(_pm("Route summary", s["h2"]))
    rows: list[list[Any]] = [
        [
            "Route",
            "Length km",
            "km low",
            "km medium",
            "km high",
            "km critical",
            "Mean / km",
            "Max / km",
        ]
    ]
    for _, r in rs.iterrows():
        rows.append(
            [
                r.get("label", r.get("route_id")),
                _num(r.get("length_km")),
                _num(r.get("km_low")),
                _num(r.get("km_medium")),
                _num(r.get("km_high")),
                _num(r.get("km_critical")),
                _num(r.get("mean_exposure_per_km"), 3),
                _num(r.get("max_exposure_per_km"), 2),
            ]
        )
    widths = [w * _FRAME_W for w in (0.34, 0.09, 0.08, 0.09, 0.08, 0.09, 0.11, 0.12)]
    out.append(_table(rows, widths, s, numeric_cols=tuple(range(1, 8))))
    out.extend(_route_changes(rs, s))
    if alternatives is not None and len(alternatives):
        out.append(_pm("Alternatives compared (same origin, same destination)", s["h2"]))
        for group, g in alternatives.groupby("group", sort=True):
            g = g.sort_values("rank_in_group")
            head: list[Any] = [""] + [_p(lbl, s["cellb"]) for lbl in g["label"]]
            measures = (
                ("Length km", "length_km", 0),
                ("km high or critical", "km_high_or_critical", 0),
                ("Incident exposure over the trip", "exposure_total", 1),
                ("Mean per km", "mean_exposure_per_km", 3),
                ("Peak per km", "max_exposure_per_km", 2),
                ("Incidents within the buffer", "n_incidents", 0),
                ("Rank (1 = least exposure)", "rank_in_group", 0),
            )
            rows = [head]
            for label, col, digits in measures:
                if col in g:
                    rows.append([label, *(_num(v, digits) for v in g[col])])
            n = len(g)
            first = 0.3
            widths = [first * _FRAME_W] + [(1 - first) / n * _FRAME_W] * n
            out.append(
                KeepTogether(
                    [
                        _pm(f"{_esc(str(group).capitalize())} to Bamako", s["body"]),
                        _table(rows, widths, s, numeric_cols=tuple(range(1, n + 1))),
                        Spacer(1, 5),
                    ]
                )
            )
    ws = _worst(analysis)
    out.append(_pm("Worst stretches (nearest towns at both ends)", s["h2"]))
    if ws is None or ws.empty:
        out.append(_p("No stretch has any incident exposure in this window.", s["body"]))
        return out
    rows: list[list[Any]] = [["Route", "#", "From", "To", "km", "Peak / km", "Class"]]
    last = None
    for _, r in ws.sort_values(["route_id", "rank"]).iterrows():
        rows.append(
            [
                _route_label(analysis, r["route_id"]) if r["route_id"] != last else "",
                _num(r.get("rank")),
                r["town_from"],
                r["town_to"],
                f"{_num(r['km_from'])}–{_num(r['km_to'])}",
                _num(r["peak"], 2),
                _class_para(r.get("exposure_class"), s),
            ]
        )
        last = r["route_id"]
    widths = [w * _FRAME_W for w in (0.33, 0.04, 0.15, 0.15, 0.12, 0.1, 0.11)]
    out.append(_table(rows, widths, s, numeric_cols=(1, 4, 5), extra=_class_colours(rows, 6)))
    return out


def _route_changes(rs: pd.DataFrame, s: Mapping[str, ParagraphStyle]) -> list[Flowable]:
    """Route figures now against the same figures at the earlier analysis date."""
    need = {"exposure_total_before", "exposure_total_change"}
    if not need <= set(rs.columns):
        return []
    before = rs["as_of_before"].dropna().astype(str).iloc[0] if "as_of_before" in rs else ""
    when = f" ({_esc(before[:10])})" if before else ""
    rows: list[list[Any]] = [
        ["Route", "Exposure over the trip", "Before", "Change", "km high or critical, change",
         "Incidents within the buffer, change"]
    ]  # fmt: skip
    for _, r in rs.iterrows():
        hc = [r.get(c) for c in ("km_high_change", "km_critical_change")]
        km = (
            sum(float(v) for v in hc if v is not None and pd.notna(v))
            if any(v is not None and pd.notna(v) for v in hc)
            else float("nan")
        )
        rows.append(
            [
                r.get("label", r.get("route_id")),
                _num(r.get("exposure_total"), 1),
                _num(r.get("exposure_total_before"), 1),
                _signed(r.get("exposure_total_change"), 1),
                _signed(km, 0),
                _signed(r.get("n_incidents_change"), 0),
            ]
        )
    widths = [w * _FRAME_W for w in (0.34, 0.13, 0.1, 0.1, 0.16, 0.17)]
    return [
        _pm(f"Change against 30 days before{when}", s["h2"]),
        _table(rows, widths, s, numeric_cols=(1, 2, 3, 4, 5)),
    ]


def _signed(value: object, digits: int) -> str:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    if round(v, digits) == 0:
        return "0"
    return ("+" if v > 0 else "") + _num(v, digits)


def _sites_section(analysis: Analysis, s: Mapping[str, ParagraphStyle]) -> list[Flowable]:
    sites = analysis.sites
    out: list[Flowable] = []
    if sites is None or sites.empty:
        out.append(_p("No sites in this analysis.", s["body"]))
        return out
    frame = pd.DataFrame(sites.drop(columns="geometry", errors="ignore")).copy()
    key = (
        frame["is_key_site"].astype(bool)
        if "is_key_site" in frame
        else pd.Series(True, index=frame.index)
    )
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    frame["_cls"] = (
        frame.get("exposure_class", pd.Series("low", index=frame.index))
        .astype(str)
        .map(order)
        .fillna(4)
    )
    frame["_key"] = (~key).astype(int)
    sort = (
        ["_key", "_cls"]
        + [c for c in ("rank",) if c in frame]
        + [c for c in ("n_90d", "n_365d") if c in frame]
    )
    asc = (
        [True, True]
        + [True] * ("rank" in frame)
        + [False] * len([c for c in ("n_90d", "n_365d") if c in frame])
    )
    frame = frame.sort_values(sort, ascending=asc)
    shown_key = frame[key[frame.index]]
    other = frame[~key[frame.index] & (frame["_cls"] <= 2)]
    shown = pd.concat([shown_key.head(30), other.head(10)])
    rows: list[list[Any]] = [
        ["Site", "Type", "Class", "30 d", "90 d", "365 d", "Nearest incident", "Trend"]
    ]
    for _, r in shown.iterrows():
        near = ""
        if pd.notna(r.get("nearest_km")):
            when = r.get("nearest_date")
            near = f"{_num(r['nearest_km'])} km" + (
                f", {pd.Timestamp(when):%Y-%m-%d}" if pd.notna(when) else ""
            )
        rows.append(
            [
                r.get("name")
                if pd.notna(r.get("name")) and str(r.get("name"))
                else f"(unnamed {r.get('site_id', '')})",
                SITE_TYPE_LABELS.get(str(r.get("site_type")), str(r.get("site_type", ""))),
                _class_para(r.get("exposure_class"), s),
                _num(r.get("n_30d")),
                _num(r.get("n_90d")),
                _num(r.get("n_365d")),
                near,
                str(r.get("trend", "") or ""),
            ]
        )
    widths = [w * _FRAME_W for w in (0.27, 0.12, 0.09, 0.06, 0.06, 0.07, 0.23, 0.1)]
    left = len(frame) - len(shown)
    radius = getattr(analysis.params, "site_radius_km", DEFAULTS.site_radius_km)
    out.append(
        _p(
            "Key sites (mines, factories, plants, dams) first, most exposed first; other sites "
            "are listed only in the "
            f"medium class or above ({left:,} further site(s) not listed). Counts are incidents "
            f"within {radius:g} km "
            "in the 30, 90 and 365 days up to the analysis date; the nearest incident is the "
            "nearest of the last year.",
            s["lead"],
        )
    )
    out.append(_table(rows, widths, s, numeric_cols=(3, 4, 5), extra=_class_colours(rows, 2)))
    return out


def _method_section(
    analysis: Analysis, prov: Mapping[str, Any], s: Mapping[str, ParagraphStyle]
) -> list[Flowable]:
    from geo.checks import DISTANCE_DECAYS
    from geo.exposure import EXPOSURE_CLASS_BREAKS

    p = analysis.params
    f = analysis.filters
    lo, mid, hi = EXPOSURE_CLASS_BREAKS
    weights = ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in DEFAULTS.type_weights.items())
    decay = DISTANCE_DECAYS.get(DEFAULTS.distance_decay, DEFAULTS.distance_decay)
    items = [
        (
            "Window",
            f"{format_period(f.start, f.end)}; previous period of equal length for changes; "
            f"analysis date {prov['as_of']}.",
        ),
        (
            "Admin rates",
            f"Incidents and fatalities per unit (level {getattr(p, 'admin_level', 2)}) and per "
            "1,000 km²; "
            "a point on a shared border counts once (documented tie-break); imprecise events "
            "count here.",
        ),
        (
            "KDE hotspots",
            f"Gaussian kernel, bandwidth {getattr(p, 'kde_bandwidth_km', 15):g} km, "
            f"cells of {getattr(p, 'kde_cell_m', 1000):g} m, computed in an equal-area "
            "projection; precise events only.",
        ),
        (
            "Hexagons and Gi*",
            f"H3 resolution {getattr(p, 'hex_resolution', 6)} counts; Getis-Ord Gi* with "
            f"alpha {getattr(p, 'gistar_alpha', 0.05):g}, false-discovery-rate correction "
            f"{'on' if getattr(p, 'gistar_fdr', True) else 'off'}; too few events give a message, "
            "not a map.",
        ),
        (
            "Surge flags",
            "ACLED rule below ADMIN1: latest week at least double the average of the 4 weeks "
            "before, or latest "
            "4 weeks at least double the average of the 12 before; units with under one event per "
            "4 weeks ignored.",
        ),
        (
            "Route incident exposure",
            f"Routes cut into {getattr(p, 'segment_km', 5):g} km segments. For each segment, the "
            "sum over "
            f"incidents within {getattr(p, 'buffer_km', 25):g} km of type weight × distance decay "
            "× 0.5^(age / "
            f"{getattr(p, 'half_life_days', 90):g} days), divided by the segment length. Distance "
            f"decay: {decay}. "
            f"Type weights: {weights}.",
        ),
        (
            "Classes",
            f"Exposure per km: low below {lo:g}, medium {lo:g}–{mid:g}, high {mid:g}–{hi:g}, "
            f"critical {hi:g} or more. "
            "One unit is one convoy attack or abduction on the road on the analysis day. Fixed "
            "breaks: a class means the "
            "same on every route and date.",
        ),
        (
            "Site exposure",
            f"Incidents within {getattr(p, 'site_radius_km', 30):g} km of each site in the last "
            "30, 90 and 365 "
            "days; nearest incident of the last year; trend of the last 90 days against the 90 "
            "before; score as for "
            "routes, classed with the same breaks.",
        ),
    ]
    rows = [["Step", "What was computed"], *items]
    out: list[Flowable] = [
        _pm("Method", s["h1"]),
        _table(rows, (0.2 * _FRAME_W, 0.8 * _FRAME_W), s),
    ]
    notes = [n for n in (getattr(analysis, "notes", None) or [])]
    if notes:
        out.append(_pm("Notes from this run", s["h2"]))
        out.extend(_bullet(_esc(n), s) for n in notes)
    return out


def _sources_section(
    analysis: Analysis, prov: Mapping[str, Any], s: Mapping[str, ParagraphStyle]
) -> list[Flowable]:
    out: list[Flowable] = [
        _pm("Data, sources and limits", s["h1"]),
        _pm("Data sources and licences", s["h2"]),
    ]
    rows: list[list[Any]] = [["Dataset", "Credit", "Licence"]]
    rows.extend([a["dataset"], a["credit"], a["licence"]] for a in prov["attributions"])
    out.append(_table(rows, [w * _FRAME_W for w in (0.3, 0.48, 0.22)], s))
    used = prov["data_sources"]
    out.append(
        _pm(
            "<b>Incident sources in this analysis:</b> "
            + (_esc("; ".join(used)) if used else "none"),
            s["body"],
        )
    )
    out.append(_pm("Input validation", s["h2"]))
    v = prov["validation"]
    if v:
        out.append(
            _pm(
                f"Rows read <b>{_num(v.get('rows_in'))}</b>, kept <b>{_num(v.get('kept'))}</b> "
                f"(repaired <b>{_num(v.get('repaired'))}</b>), rejected "
                f"<b>{_num(v.get('rejected'))}</b>.",
                s["body"],
            )
        )
    report = analysis.report
    to_lines: Callable[..., list[str]] | None = getattr(report, "to_lines", None)
    if to_lines is not None:
        try:
            lines = to_lines(max_issues=12)
        except TypeError:
            lines = to_lines()[:14]
        out.extend(_p(line, s["mono"]) for line in lines[:16])
    out.append(_pm("Left out, and why", s["h2"]))
    if analysis.left_out:
        rows = [["Reason", "Events", "What it means"]]
        for reason, n in analysis.left_out.items():
            why = next((w for k, w in _LEFT_OUT_WHY if k in str(reason).lower()), "")
            rows.append([reason, _num(n), why])
        out.append(_table(rows, [w * _FRAME_W for w in (0.25, 0.1, 0.65)], s, numeric_cols=(1,)))
    else:
        out.append(_p("Nothing was left out.", s["body"]))
    out.append(_pm("Limits of the data", s["h2"]))
    out.extend(_bullet(_esc(t), s) for t in DATA_LIMITS)
    out.append(_pm("Provenance", s["h2"]))
    out.extend(_p(line, s["mono"]) for line in provenance_lines(prov))
    return out


# --------------------------------------------------------------------------- document


def _story(
    analysis: Analysis, prov: Mapping[str, Any], s: Mapping[str, ParagraphStyle], basemap: Basemap
) -> list[Flowable]:
    from geo.route_report import compare_alternatives

    alternatives = None
    rs = analysis.route_summary
    if (
        rs is not None
        and not rs.empty
        and {"group", "exposure_total", "max_exposure_per_km"} <= set(rs.columns)
    ):
        if {"km_high", "km_critical", "label"} <= set(rs.columns):
            # compare_alternatives lists these too; a summary built elsewhere may lack them.
            optional = {"origin": "", "length_km": np.nan, "mean_exposure_per_km": np.nan}
            optional["n_incidents"] = np.nan
            filled = rs.assign(**{k: v for k, v in optional.items() if k not in rs.columns})
            alternatives = compare_alternatives(filled)
    f = analysis.filters
    story: list[Flowable] = [
        _pm("Incident exposure briefing", s["title"]),
        _pm("Western Mali and the fuel corridors from Dakar and Abidjan", s["subtitle"]),
        _pm(
            f"<b>Period</b> {_esc(format_period(f.start, f.end))} &nbsp;·&nbsp; <b>analysis "
            f"date</b> {_esc(prov['as_of'])} "
            f"&nbsp;·&nbsp; <b>generated</b> {_esc(format_time(analysis.generated_at))} "
            "&nbsp;·&nbsp; "
            f"<b>incidents in window</b> {_num(len(analysis.incidents))}",
            s["body"],
        ),
        _pm("<b>Sources:</b> " + _esc("; ".join(prov["data_sources"]) or "none"), s["small"]),
        Spacer(1, 4),
    ]
    if is_shared(analysis):
        story.append(_p(prov["share_note"], s["note"]))
    if len(analysis.incidents) == 0:
        story.append(
            _pm(
                "<b>No incidents in this window with the filters used.</b> The maps and tables "
                "below are empty. This is "
                "not evidence that the area is without risk: check the sources, the window and "
                "the filters.",
                s["note"],
            )
        )
    story.extend(_key_figures(analysis, s))
    heads = _headlines(analysis, alternatives)
    if heads:
        story.append(_pm("Headlines", s["h2"]))
        story.extend(_bullet(h, s) for h in heads)
    story.append(
        _pm(
            "Figures are <i>incident exposure</i>: weighted counts of reported incidents over the "
            "stated window and "
            "sources. They describe where incidents were reported, not where travel or work is "
            "without risk.",
            s["caption"],
        )
    )
    story.append(_read_with_care(analysis, s))
    story.append(PageBreak())
    story.append(
        KeepTogether(
            [
                _pm("Where incidents concentrate", s["h1"]),
                _map_image(
                    _render(
                        analysis,
                        ("admin", "kde", "incidents"),
                        basemap,
                        extent=_hotspot_extent(analysis),
                    ),
                    _FRAME_W,
                ),
                _pm(
                    "Admin units shaded by incidents per 1,000 km² in the window; density surface "
                    "from precise events "
                    "only; dots are precise locations, hollow circles approximate ones.",
                    s["caption"],
                ),
            ]
        )
    )
    story.append(_pm(_gistar_text(analysis), s["body"]))
    story.extend(_surge_flowables(analysis, s))
    story.extend(_admin_section(analysis, s))
    story.append(
        KeepTogether(
            [
                _pm("Route incident exposure", s["h1"]),
                _map_image(_render(analysis, ("routes", "sites", "incidents"), basemap), _FRAME_W),
                _pm(
                    "Route segments coloured and sized by incident exposure per km; key sites by "
                    "their exposure class.",
                    s["caption"],
                ),
            ]
        )
    )
    story.extend(_routes_section(analysis, s, alternatives))
    story.append(CondPageBreak(70 * mm))
    story.append(_pm("Site incident exposure", s["h1"]))
    story.extend(_sites_section(analysis, s))
    if getattr(analysis, "what_changed", None) is not None:
        from geo.export.pdf.changes import what_changed_section

        story.extend(what_changed_section(analysis, s))
    story.append(PageBreak())
    story.extend(_method_section(analysis, prov, s))
    story.extend(_sources_section(analysis, prov, s))
    return story


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Write PDF streams as binary, not ASCII85: the encoder is pure Python (2 s per map)."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


def _verify_pdf(tmp: Path, *, pages: int) -> None:
    """Light re-open of a written PDF: header, end marker and page count."""
    data = tmp.read_bytes()
    if not data.startswith(b"%PDF-") or not data.rstrip().endswith(b"%%EOF"):
        raise ExportError(f"PDF check: {tmp.name} is not a complete PDF file.")
    found = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    if found != pages:
        raise ExportError(f"PDF check: {found} pages read back, {pages} were written.")


def render_pdf(
    analysis: Analysis,
    *,
    handling: str | None = "RESTRICTED",
    basemap: Basemap | None = None,
) -> tuple[bytes, int]:
    """Build the briefing in memory (for a download button; no file written).

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis (sharing preset already applied if wanted).
    handling : str or None
        Handling caveat for the page banners.
    basemap : Basemap, optional
        Basemap for the maps; the bundled one by default.

    Returns
    -------
    pdf : bytes
        The document.
    pages : int
        Its page count.
    """
    handling = clean_handling(handling)
    basemap = basemap or load_basemap()
    font = _register_fonts()
    styles = _styles(font)
    prov = build_provenance(analysis)
    f = analysis.filters
    maker, info = _canvas_maker(
        handling=handling,
        running="Sahel Risk Map · incident exposure briefing",
        footer=f"Period {format_period(f.start, f.end)}",
        when=analysis.generated_at,
        font=font,
    )
    buf = io.BytesIO()
    subject = " | ".join(provenance_lines(prov)[:3])
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=20 * mm,
        bottomMargin=17 * mm,
        title=f"Incident exposure briefing, {format_period(f.start, f.end)}",
        author="Sahel Risk Map",
        subject=subject,
        keywords=json.dumps(prov, ensure_ascii=True, sort_keys=True),
        creator=f"Sahel Risk Map {analysis.app_version}",
        producer="Sahel Risk Map (reportlab)",
        lang="en",
    )
    story = _story(analysis, prov, styles, basemap)
    with _binary_streams():
        doc.build(story, canvasmaker=maker)
    return buf.getvalue(), info["pages"]


def export_pdf(
    analysis: Analysis,
    path: str | os.PathLike[str],
    *,
    handling: str | None = "RESTRICTED",
    share_safe: bool = False,
    basemap: Basemap | None = None,
) -> Path:
    """Write the PDF briefing of an analysis.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis to brief.
    path : str or path-like
        Destination ``.pdf``; its folder must exist.
    handling : str or None
        Handling caveat printed in the header and footer of every page
        (``RESTRICTED`` by default; None for none). At most 60 characters.
    share_safe : bool
        Apply :func:`geo.export.share.share_safe_analysis` first (and say so on the
        first page).
    basemap : Basemap, optional
        Basemap for the maps; the bundled one by default.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ParameterError
        If the handling caveat is too long.
    ExportError
        If the file cannot be written or read back (nothing is left behind).

    Notes
    -----
    Pages: (1) title, period, generation time, key figures against the
    previous period, headlines; (2) hotspot map, top admin units, Gi* and
    surge flags; (3) route exposure map, route summary, alternatives side by
    side, worst stretches with the towns at both ends; (4) site exposure, key
    sites first; (5-) method, data sources and licences, validation counts,
    events left out and why, data limits, provenance. Long tables flow onto
    further pages. Rendering takes a few seconds (two maps at 300 dpi).
    """
    a = share_safe_analysis(analysis) if share_safe else analysis
    pdf, pages = render_pdf(a, handling=handling, basemap=basemap)

    def write(tmp: Path) -> None:
        with open(tmp, "xb") as fh:
            fh.write(pdf)

    return write_atomic(
        path,
        write,
        verify=lambda tmp: _verify_pdf(tmp, pages=pages),
        suffixes=(".pdf",),
        what="PDF briefing",
    )
