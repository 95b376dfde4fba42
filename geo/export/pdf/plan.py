"""A short PDF briefing of a trip plan: the routes compared, what the plan says, the data's limits.

Built with the briefing's fonts, styles, tables and page furniture
(:mod:`geo.export.pdf`); every text from data goes through its escaping helpers.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate

from geo.export.pdf.document import binary_streams, canvas_maker
from geo.export.pdf.sections import DATA_LIMITS
from geo.export.pdf.styles import (
    FRAME_W,
    MARGIN,
    bullet,
    data_table,
    esc,
    fmt_num,
    paragraph_styles,
    register_fonts,
    text_para,
)
from geo.export.png import clean_handling
from geo.planner import Plan

__all__ = ["render_plan_pdf"]

_KIND_LABELS = {
    "shortest": "Shortest",
    "least_exposed": "Least incident exposure",
    "alternative": "Alternative",
}


def render_plan_pdf(
    plan: Plan, *, handling: str | None = "RESTRICTED", when: datetime | None = None
) -> bytes:
    """Build the plan briefing in memory.

    Parameters
    ----------
    plan : Plan
        From :func:`geo.planner.plan_trip`.
    handling : str or None
        Handling caveat for the page banners (at most 60 characters).
    when : datetime, optional
        Generation time printed and stored (now, UTC, by default).

    Returns
    -------
    bytes
        The PDF (one or two A4 pages).
    """
    handling = clean_handling(handling)
    when = when or datetime.now(UTC)
    font = register_fonts()
    s = paragraph_styles(font)
    record = plan.record
    trip = f"{record.get('origin', '')} – {record.get('destination', '')}"
    maker, _ = canvas_maker(
        handling=handling,
        running="Sahel Risk Map · trip plan",
        footer=f"As of {record.get('as_of') or 'n/a'}",
        when=when,
        font=font,
    )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=17 * mm,
        title=f"Trip plan, {trip}",
        author="Sahel Risk Map",
        creator="Sahel Risk Map",
        producer="Sahel Risk Map (reportlab)",
        lang="en",
    )
    with binary_streams():
        doc.build(_story(plan, s, trip), canvasmaker=maker)
    return buf.getvalue()


def _story(plan: Plan, s: dict, trip: str) -> list[Flowable]:
    record = plan.record
    via = record.get("via") or []
    story: list[Flowable] = [
        text_para(f"Trip plan: {trip}", s["title"]),
        text_para(
            f"Via {', '.join(via)}." if via else "No via town.",
            s["subtitle"],
        ),
        text_para(
            f"Incident exposure on the reported data over {record.get('window', 'n/a')}, as of "
            f"{record.get('as_of') or 'n/a'}; λ = {record.get('lambda', 0):g} (km of detour one "
            "unit of exposure is worth). The least-exposed route is the one with the least "
            "incident exposure on the reported data over that window, not a safe route.",
            s["note"],
        ),
        text_para("Routes compared", s["h1"]),
    ]
    rows = [
        [
            "Route",
            "km",
            "Exposure",
            "per km",
            "km high or critical",
            "km added",
            "km per unit avoided",
            "Roads",
        ]
    ]
    for _, route in plan.routes.iterrows():
        rows.append(
            [
                _KIND_LABELS.get(route["route_kind"], route["route_kind"])
                + (
                    " (also least exposed)"
                    if route["route_kind"] == "shortest" and route["is_least_exposed"]
                    else ""
                ),
                fmt_num(route["length_km"]),
                fmt_num(route["exposure"], 2),
                fmt_num(route["exposure_per_km"], 3),
                fmt_num(route["km_high_or_critical"]),
                fmt_num(route["km_added"]),
                fmt_num(route["km_per_exposure_avoided"], 1),
                route["roads"],
            ]
        )
    widths = [30 * mm, 12 * mm, 18 * mm, 14 * mm, 17 * mm, 14 * mm, 18 * mm]
    widths.append(FRAME_W - sum(widths))
    story.append(data_table(rows, widths, s, numeric_cols=(1, 2, 3, 4, 5, 6)))
    story.append(text_para("What the plan says", s["h1"]))
    story += [bullet(esc(note), s) for note in plan.notes]
    story.append(text_para("Worst stretches", s["h1"]))
    rows = [["Route", "Stretch", "Peak per km", "Class"]]
    top = plan.stretches[plan.stretches["rank"] <= 3]
    for _, st in top.iterrows():
        rows.append(
            [
                str(st["route_id"]).replace("_", " "),
                st["label"],
                fmt_num(st["peak_exposure_per_km"], 3),
                st["exposure_class"],
            ]
        )
    widths = [30 * mm, FRAME_W - 30 * mm - 44 * mm, 22 * mm, 22 * mm]
    story.append(data_table(rows, widths, s, numeric_cols=(2,)))
    story.append(text_para("Towns passed", s["h1"]))
    for _, route in plan.routes.iterrows():
        story.append(
            text_para(f"{str(route['route_id']).replace('_', ' ')}: {route['towns']}", s["small"])
        )
    story.append(text_para("Read with care", s["h1"]))
    story += [bullet(esc(line), s) for line in DATA_LIMITS]
    return story
