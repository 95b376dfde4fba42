"""Page geometry, fonts, paragraph styles and table cells of the PDF briefing.

Text is DejaVu Sans (the TrueType files matplotlib ships, so accents such as
Ségou or Kéniéba print on any machine). Every string that comes from data goes
through :func:`esc` before it reaches a :class:`~reportlab.platypus.Paragraph`,
whose mini-markup would otherwise read ``<b>`` or ``&`` in a place name or a
file name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Paragraph,
    Table,
    TableStyle,
)

from geo.i18n import Translator, translator
from geo.palette import EXPOSURE_CLASSES, EXPOSURE_COLORS, HANDLING_BANNER_COLOR
from geo.schema import EXPOSURE_CLASS_LABELS

if TYPE_CHECKING:
    pass

__all__ = [
    "BANNER",
    "EXPOSURE_BG",
    "FRAME_W",
    "GRID",
    "HEAD_BG",
    "MARGIN",
    "NOTE_BG",
    "bullet",
    "change_text",
    "class_colours",
    "class_para",
    "data_table",
    "esc",
    "fmt_num",
    "markup_para",
    "paragraph_styles",
    "previous_figure",
    "register_fonts",
    "signed",
    "text_para",
]


MARGIN = 15 * mm


FRAME_W = A4[0] - 2 * MARGIN


BANNER = colors.HexColor(HANDLING_BANNER_COLOR)


GRID = colors.HexColor("#c8c8c8")


HEAD_BG = colors.HexColor("#eeeae3")


NOTE_BG = colors.HexColor("#f6f3ec")


EXPOSURE_BG = {c: colors.HexColor(EXPOSURE_COLORS[c]) for c in EXPOSURE_CLASSES}


def register_fonts() -> str:
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


def paragraph_styles(font: str) -> dict[str, ParagraphStyle]:
    """Return the named paragraph styles of the briefing in ``font``."""
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
            backColor=NOTE_BG,
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


def esc(value: object) -> str:
    """Text from data, made inert for reportlab's Paragraph markup (``<``, ``>``, ``&``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = "".join(ch for ch in str(value) if ch.isprintable() or ch == "\n")
    return escape(text)


def text_para(text: object, style: ParagraphStyle) -> Paragraph:
    """Return a paragraph of plain text from data (escaped)."""
    return Paragraph(esc(text), style)


def markup_para(markup: str, style: ParagraphStyle) -> Paragraph:
    """Return a paragraph of trusted markup whose data parts were escaped with :func:`esc`."""
    return Paragraph(markup, style)


def bullet(markup: str, s: Mapping[str, ParagraphStyle]) -> Paragraph:
    """Return a bulleted paragraph of trusted markup (data parts escaped)."""
    return Paragraph(markup, s["bullet"], bulletText="•")


def fmt_num(value: object, digits: int = 0) -> str:
    """Return a number with thousands separators and ``digits`` decimals (``–`` when missing)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    if digits == 0 or v.is_integer() and abs(v) >= 100:
        return f"{v:,.0f}".replace("-", "−")
    return f"{v:,.{digits}f}".replace("-", "−")


def change_text(now: float, before: float | None, *, tr: Translator | None = None) -> str:
    """Return the change from ``before`` to ``now`` (``+3 (+25 %)``, ``no change``, ``–``).

    ``tr`` gives the language of the words and numbers (English by default).
    """
    tr = tr or translator()
    if before is None or not math.isfinite(float(before)):
        return "–"
    diff = float(now) - float(before)
    if diff == 0:
        return tr.gettext("no change")
    sign = "+" if diff > 0 else "−"
    if before == 0:
        return tr.gettext("{change} (none before)").format(change=sign + tr.number(abs(diff)))
    pct = tr.number(abs(diff) / float(before) * 100)
    return f"{sign}{tr.number(abs(diff))} ({sign}{pct} %)"


def previous_figure(figures: Mapping[str, Any], key: str) -> float | None:
    """Return the previous window's value of a key figure, or None."""
    for k in (f"prev_{key}", f"{key}_prev", f"previous_{key}"):
        if k in figures:
            return float(figures[k])
    nested = figures.get("previous")
    if isinstance(nested, Mapping) and key in nested:
        return float(nested[key])
    return None


def signed(value: object, digits: int) -> str:
    """Return a number with ``+`` when positive, ``0`` when it rounds to zero, ``–`` if missing."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    if round(v, digits) == 0:
        return "0"
    return ("+" if v > 0 else "") + fmt_num(v, digits)


def data_table(
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
            para = text_para(cell, style)
            if c in numeric_cols:
                para = Paragraph(esc(cell), ParagraphStyle("num", parent=style, alignment=2))
            out.append(para)
        body.append(out)
    table = Table(body, colWidths=list(widths), repeatRows=repeat, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, repeat - 1), HEAD_BG),
                ("LINEBELOW", (0, repeat - 1), (-1, repeat - 1), 0.8, colors.HexColor("#8a8378")),
                ("LINEBELOW", (0, repeat), (-1, -1), 0.3, GRID),
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


def class_para(
    cls: object, s: Mapping[str, ParagraphStyle], *, tr: Translator | None = None
) -> Paragraph:
    """Return an exposure-class cell (white text on the dark ``critical`` background).

    ``cls`` is the class code (``geo.schema.EXPOSURE_CLASSES``); the cell shows its word
    in ``tr``'s language (English by default).
    """
    code = "" if cls is None or (isinstance(cls, float) and math.isnan(cls)) else str(cls)
    word = (
        (tr or translator()).gettext(EXPOSURE_CLASS_LABELS[code])
        if code in EXPOSURE_CLASS_LABELS
        else code
    )
    return text_para(word, s["cellw"] if code == "critical" else s["cell"])


def class_colours(classes: Sequence[object], col: int) -> list[tuple]:
    """Return background commands for an exposure-class column (medium and above).

    ``classes`` holds the class code of each data row (the rows after the header), in order.
    """
    out = []
    for r, cls in enumerate(classes, start=1):
        bg = EXPOSURE_BG.get(str(cls))
        if bg is not None and cls != "low":
            out.append(("BACKGROUND", (col, r), (col, r), bg))
    return out
