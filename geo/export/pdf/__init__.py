"""The PDF briefing: maps, key figures, tables, method, sources and limits of one analysis.

Built with reportlab's platypus on A4 portrait, in DejaVu Sans (the TrueType
files matplotlib ships, so accents such as Ségou or Kéniéba print on any
machine). Every string that comes from data goes through
:func:`~geo.export.pdf.styles.esc` before it reaches a reportlab Paragraph. The
handling caveat is printed in the header and footer of every page with "page X
of Y". The file carries the provenance in its metadata (Subject: summary;
Keywords: the JSON record) and on the method page.

Parts: :mod:`~geo.export.pdf.styles` (page, fonts, paragraph styles, table
cells), :mod:`~geo.export.pdf.sections` (one function per section) and
:mod:`~geo.export.pdf.document` (page template, pictures of the maps); this
module orders the sections into the story and writes the file.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
)

from geo.errors import ExportError
from geo.export.atomic import bytes_writer, write_atomic
from geo.export.pdf.document import (
    binary_streams,
    canvas_maker,
    hotspot_extent,
    map_image,
    render_map,
)
from geo.export.pdf.sections import (
    DATA_LIMITS,
    admin_section,
    backtest_section,
    gistar_text,
    headlines,
    key_figures,
    method_section,
    read_with_care,
    routes_section,
    sites_section,
    sources_section,
    surge_flowables,
)
from geo.export.pdf.styles import (
    FRAME_W,
    MARGIN,
    bullet,
    esc,
    markup_para,
    paragraph_styles,
    register_fonts,
    text_para,
)
from geo.export.png import Basemap, clean_handling, load_basemap
from geo.export.share import is_shared, share_safe_analysis
from geo.i18n import DEFAULT_LANGUAGE, Translator, translator
from geo.provenance import build_provenance, format_period, format_time, provenance_lines

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = ["DATA_LIMITS", "export_pdf", "render_pdf"]

Styles = Mapping[str, ParagraphStyle]


def _story(
    analysis: Analysis, prov: Mapping[str, Any], s: Styles, basemap: Basemap, tr: Translator
) -> list[Flowable]:
    """Order the sections: front page, hotspots, routes, sites, what changed, method, sources."""
    alternatives = _alternatives(analysis.route_summary)
    story = [
        *_front_page(analysis, prov, s, alternatives, tr),
        # The top units fill the front page: after the map they left half a page empty.
        *admin_section(analysis, s, tr=tr),
        PageBreak(),
        *_hotspots_pages(analysis, s, basemap, tr),
        *_routes_pages(analysis, s, basemap, alternatives, tr),
        CondPageBreak(70 * mm),
        markup_para(tr.gettext("Site incident exposure"), s["h1"]),
        *sites_section(analysis, s, tr=tr),
    ]
    if getattr(analysis, "what_changed", None) is not None:
        from geo.export.pdf.changes import what_changed_section

        story.extend(what_changed_section(analysis, s, tr=tr))
    story.append(CondPageBreak(80 * mm))  # a page break left "What changed" alone on its page
    story.extend(method_section(analysis, prov, s, tr=tr))
    story.extend(backtest_section(analysis, s))
    story.extend(sources_section(analysis, prov, s, tr=tr))
    return story


def _alternatives(rs: pd.DataFrame | None) -> pd.DataFrame | None:
    """Compare the alternative routes of each group, when the summary holds what it needs."""
    from geo.route_report import compare_alternatives

    if rs is None or rs.empty:
        return None
    if not {"group", "exposure_total", "max_exposure_per_km"} <= set(rs.columns):
        return None
    if not {"km_high", "km_critical", "label"} <= set(rs.columns):
        return None
    # compare_alternatives lists these too; a summary built elsewhere may lack them.
    optional = {"origin": "", "length_km": np.nan, "mean_exposure_per_km": np.nan}
    optional["n_incidents"] = np.nan
    return compare_alternatives(rs.assign(**{k: v for k, v in optional.items() if k not in rs}))


def _front_page(
    analysis: Analysis,
    prov: Mapping[str, Any],
    s: Styles,
    alternatives: pd.DataFrame | None,
    tr: Translator,
) -> list[Flowable]:
    """Return the title, period, sources, sharing and no-incident notes, figures, headlines."""
    f = analysis.filters
    story: list[Flowable] = [
        markup_para(tr.gettext("Incident exposure briefing"), s["title"]),
        markup_para(
            tr.gettext("Western Mali and the fuel corridors from Dakar and Abidjan"), s["subtitle"]
        ),
        markup_para(
            tr.gettext(
                "<b>Period</b> {period} &nbsp;·&nbsp; <b>analysis date</b> {as_of} &nbsp;·&nbsp; "
                "<b>generated</b> {generated} &nbsp;·&nbsp; <b>incidents in window</b> {n}"
            ).format(
                period=esc(_period(f.start, f.end, tr)),
                as_of=esc(_day(prov["as_of"], tr)),
                generated=esc(format_time(analysis.generated_at)),
                n=tr.number(len(analysis.incidents)),
            ),
            s["body"],
        ),
        markup_para(
            tr.gettext("<b>Sources:</b> {sources}").format(
                sources=esc(tr.join(tr.gettext(u) for u in prov["data_sources"]))
                or tr.gettext("none")
            ),
            s["small"],
        ),
        Spacer(1, 4),
    ]
    if is_shared(analysis):
        story.append(text_para(prov["share_note"], s["note"]))
    if len(analysis.incidents) == 0:
        story.append(
            markup_para(
                tr.gettext(
                    "<b>No incidents in this window with the filters used.</b> The maps and "
                    "tables below are empty. This is not evidence that the area is without risk: "
                    "check the sources, the window and the filters."
                ),
                s["note"],
            )
        )
    story.extend(key_figures(analysis, s, tr=tr))
    heads = headlines(analysis, alternatives, tr=tr)
    if heads:
        story.append(markup_para(tr.gettext("Headlines"), s["h2"]))
        story.extend(bullet(h, s) for h in heads)
    story.append(
        markup_para(
            tr.gettext(
                "Figures are <i>incident exposure</i>: weighted counts of reported incidents over "
                "the stated window and sources. They describe where incidents were reported, not "
                "where travel or work is without risk."
            ),
            s["caption"],
        )
    )
    story.append(read_with_care(analysis, s, tr=tr))
    return story


def _hotspots_pages(
    analysis: Analysis, s: Styles, basemap: Basemap, tr: Translator
) -> list[Flowable]:
    """Return the hotspot map, the Gi* sentence, surge flags and the top admin units."""
    picture = render_map(
        analysis,
        ("admin", "kde", "incidents"),
        basemap,
        extent=hotspot_extent(analysis),
        lang=tr.lang,
    )
    return [
        KeepTogether(
            [
                markup_para(tr.gettext("Where incidents concentrate"), s["h1"]),
                map_image(picture, FRAME_W),
                markup_para(
                    tr.gettext(
                        "Admin units shaded by incidents per 1,000 km² in the window; density "
                        "surface from precise events only; dots are precise locations, dashed "
                        "outlines the area an imprecise one lies in."
                    ),
                    s["caption"],
                ),
            ]
        ),
        markup_para(gistar_text(analysis, tr=tr), s["body"]),
        *surge_flowables(analysis, s, tr=tr),
    ]


def _routes_pages(
    analysis: Analysis,
    s: Styles,
    basemap: Basemap,
    alternatives: pd.DataFrame | None,
    tr: Translator,
) -> list[Flowable]:
    """Return the route exposure map and the route tables."""
    picture = render_map(analysis, ("routes", "sites", "incidents"), basemap, lang=tr.lang)
    return [
        KeepTogether(
            [
                markup_para(tr.gettext("Route incident exposure"), s["h1"]),
                map_image(picture, FRAME_W),
                markup_para(
                    tr.gettext(
                        "Route segments coloured and sized by incident exposure per km; key "
                        "sites by their exposure class."
                    ),
                    s["caption"],
                ),
            ]
        ),
        *routes_section(analysis, s, alternatives, tr=tr),
    ]


def _period(start: object, end: object, tr: Translator) -> str:
    """Return the window in the briefing's language (English keeps its ISO form)."""
    if tr.lang == DEFAULT_LANGUAGE:
        return format_period(start, end)
    return tr.period(pd.Timestamp(start).date(), pd.Timestamp(end).date())


def _day(value: object, tr: Translator) -> str:
    """Return one day in the briefing's language (English keeps its ISO form)."""
    if tr.lang == DEFAULT_LANGUAGE or value in (None, ""):
        return str(value)
    return tr.date(pd.Timestamp(value).date())


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
    lang: str = DEFAULT_LANGUAGE,
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
    lang : str
        Language of the briefing's headings and sentences (``en`` or ``fr``).

    Returns
    -------
    pdf : bytes
        The document.
    pages : int
        Its page count.
    """
    tr = translator(lang)
    handling = clean_handling(handling)
    basemap = basemap or load_basemap()
    font = register_fonts()
    styles = paragraph_styles(font)
    prov = build_provenance(analysis)
    f = analysis.filters
    maker, info = canvas_maker(
        handling=handling,
        running=tr.gettext("Sahel Risk Map · incident exposure briefing"),
        footer=tr.gettext("Period {period}").format(period=_period(f.start, f.end, tr)),
        when=analysis.generated_at,
        font=font,
        tr=tr,
    )
    buf = io.BytesIO()
    subject = " | ".join(provenance_lines(prov)[:3])
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=17 * mm,
        title=tr.gettext("Incident exposure briefing, {period}").format(
            period=_period(f.start, f.end, tr)
        ),
        author="Sahel Risk Map",
        subject=subject,
        keywords=json.dumps(prov, ensure_ascii=True, sort_keys=True),
        creator=f"Sahel Risk Map {analysis.app_version}",
        producer="Sahel Risk Map (reportlab)",
        lang=tr.lang,
    )
    story = _story(analysis, prov, styles, basemap, tr)
    with binary_streams():
        doc.build(story, canvasmaker=maker)
    return buf.getvalue(), info["pages"]


def export_pdf(
    analysis: Analysis,
    path: str | os.PathLike[str],
    *,
    handling: str | None = "RESTRICTED",
    share_safe: bool = False,
    basemap: Basemap | None = None,
    lang: str = DEFAULT_LANGUAGE,
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
    lang : str
        Language of the briefing (``en`` or ``fr``).

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
    pdf, pages = render_pdf(a, handling=handling, basemap=basemap, lang=lang)
    return write_atomic(
        path,
        bytes_writer(pdf),
        verify=lambda tmp: _verify_pdf(tmp, pages=pages),
        suffixes=(".pdf",),
        what="PDF briefing",
    )
