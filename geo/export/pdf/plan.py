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

from geo.export.pdf import (
    _FRAME_W,
    _MARGIN,
    DATA_LIMITS,
    _binary_streams,
    _bullet,
    _canvas_maker,
    _esc,
    _num,
    _p,
    _register_fonts,
    _styles,
    _table,
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
    font = _register_fonts()
    s = _styles(font)
    record = plan.record
    trip = f"{record.get('origin', '')} – {record.get('destination', '')}"
    maker, _ = _canvas_maker(
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
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=20 * mm,
        bottomMargin=17 * mm,
        title=f"Trip plan, {trip}",
        author="Sahel Risk Map",
        creator="Sahel Risk Map",
        producer="Sahel Risk Map (reportlab)",
        lang="en",
    )
    with _binary_streams():
        doc.build(_story(plan, s, trip), canvasmaker=maker)
    return buf.getvalue()


def _story(plan: Plan, s: dict, trip: str) -> list[Flowable]:
    record = plan.record
    via = record.get("via") or []
    story: list[Flowable] = [
        _p(f"Trip plan: {trip}", s["title"]),
        _p(
            f"Via {', '.join(via)}." if via else "No via town.",
            s["subtitle"],
        ),
        _p(
            f"Incident exposure on the reported data over {record.get('window', 'n/a')}, as of "
            f"{record.get('as_of') or 'n/a'}; λ = {record.get('lambda', 0):g} (km of detour one "
            "unit of exposure is worth). The least-exposed route is the one with the least "
            "incident exposure on the reported data over that window, not a safe route.",
            s["note"],
        ),
        _p("Routes compared", s["h1"]),
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
                _num(route["length_km"]),
                _num(route["exposure"], 2),
                _num(route["exposure_per_km"], 3),
                _num(route["km_high_or_critical"]),
                _num(route["km_added"]),
                _num(route["km_per_exposure_avoided"], 1),
                route["roads"],
            ]
        )
    widths = [30 * mm, 12 * mm, 18 * mm, 14 * mm, 17 * mm, 14 * mm, 18 * mm]
    widths.append(_FRAME_W - sum(widths))
    story.append(_table(rows, widths, s, numeric_cols=(1, 2, 3, 4, 5, 6)))
    story.append(_p("What the plan says", s["h1"]))
    story += [_bullet(_esc(note), s) for note in plan.notes]
    story.append(_p("Worst stretches", s["h1"]))
    rows = [["Route", "Stretch", "Peak per km", "Class"]]
    top = plan.stretches[plan.stretches["rank"] <= 3]
    for _, st in top.iterrows():
        rows.append(
            [
                str(st["route_id"]).replace("_", " "),
                st["label"],
                _num(st["peak_exposure_per_km"], 3),
                st["exposure_class"],
            ]
        )
    widths = [30 * mm, _FRAME_W - 30 * mm - 44 * mm, 22 * mm, 22 * mm]
    story.append(_table(rows, widths, s, numeric_cols=(2,)))
    story.append(_p("Towns passed", s["h1"]))
    for _, route in plan.routes.iterrows():
        story.append(
            _p(f"{str(route['route_id']).replace('_', ' ')}: {route['towns']}", s["small"])
        )
    story.append(_p("Read with care", s["h1"]))
    story += [_bullet(_esc(line), s) for line in DATA_LIMITS]
    return story
