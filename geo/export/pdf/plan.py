"""A short PDF briefing of a trip plan: the routes compared, what the plan says, the data's limits.

Built with the briefing's fonts, styles, tables and page furniture
(:mod:`geo.export.pdf`); every text from data goes through its escaping helpers.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate

from geo.crs import METRIC_CRS
from geo.export.pdf.document import binary_streams, canvas_maker, map_image
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
from geo.export.png.cartography import halo
from geo.export.png.draw import draw_basemap, draw_boundaries
from geo.export.png.layout import load_basemap, metric
from geo.palette import PLAN_ROUTE_LABELS, PLAN_ROUTE_STYLES
from geo.planner import Plan

__all__ = ["plan_picture", "render_plan_pdf"]

#: Margin around the routes on the plan map, as a share of their extent.
_MAP_MARGIN = 0.12

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
        map_image(plan_picture(plan), FRAME_W),
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


def plan_picture(plan: Plan, *, width_px: int = 1800) -> Any:
    """Draw the plan's routes over the bundled basemap, each kind in its style, with a legend.

    Parameters
    ----------
    plan : Plan
    width_px : int
        Image width in pixels (300 dpi in the PDF).

    Returns
    -------
    PIL.Image.Image
        RGB image, 0.6 times as high as wide.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from PIL import Image

    basemap = load_basemap()
    base = {
        "countries": metric(basemap.countries),
        "lakes": metric(basemap.lakes),
        "rivers": metric(basemap.rivers),
        "roads": metric(basemap.roads),
        "admin1": metric(basemap.admin1),
        "admin2": metric(basemap.admin2),
    }
    routes = plan.routes.to_crs(METRIC_CRS)
    x0, y0, x1, y1 = routes.total_bounds
    pad = max(x1 - x0, y1 - y0) * _MAP_MARGIN + 20_000.0
    fig, ax = plt.subplots(figsize=(width_px / 300, width_px / 300 * 0.6), dpi=300)
    draw_basemap(ax, base)
    draw_boundaries(ax, base)
    handles = []
    for z, (kind, (color, weight, dash)) in enumerate(PLAN_ROUTE_STYLES.items()):
        rows = routes[routes["route_kind"] == kind]
        if rows.empty:
            continue
        style = {"color": color, "linewidth": weight * 0.45, "zorder": 6 + z}
        if dash:
            style["linestyle"] = (0, tuple(float(v) * 0.45 for v in dash.split()))
        rows.plot(ax=ax, **style)
        handles.append(Line2D([], [], label=PLAN_ROUTE_LABELS[kind], **style))
    ends = routes.geometry.iloc[0]
    names = (plan.record.get("origin", ""), plan.record.get("destination", ""))
    for point, name in zip((ends.coords[0], ends.coords[-1]), names, strict=True):
        ax.plot(*point, marker="o", color="#222222", markersize=3, zorder=10)
        ax.annotate(
            str(name),
            point,
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=6,
            zorder=11,
            path_effects=halo(),
        )
    cx, cy, half_w = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 + pad
    half_h = max((y1 - y0) / 2 + pad, half_w * 0.6)
    half_w = max(half_w, half_h / 0.6)
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.legend(handles=handles, loc="lower right", fontsize=4.5, framealpha=0.9)
    ax.text(
        0.005,
        0.005,
        f"{basemap.attribution} · Routes planned over © OpenStreetMap contributors roads",
        transform=ax.transAxes,
        fontsize=3.2,
        color="#444444",
        zorder=12,
        path_effects=halo(1.2),
    )
    fig.tight_layout(pad=0.1)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=300)
    plt.close(fig)
    buf.seek(0)
    return Image.open(buf).convert("RGB")
