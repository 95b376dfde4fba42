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
from geo.export.pdf.sections import DATA_LIMITS, _num
from geo.export.pdf.styles import (
    FRAME_W,
    MARGIN,
    bullet,
    data_table,
    esc,
    paragraph_styles,
    register_fonts,
    text_para,
)
from geo.export.png import clean_handling
from geo.export.png.cartography import halo
from geo.export.png.draw import draw_basemap, draw_boundaries
from geo.export.png.layout import load_basemap, metric
from geo.i18n import Translator, gettext_noop, translator
from geo.palette import PLAN_ROUTE_LABELS, PLAN_ROUTE_STYLES
from geo.planner import Plan, plan_notes
from geo.route_names import route_name
from geo.route_report import stretch_label
from geo.schema import EXPOSURE_CLASS_LABELS

__all__ = ["plan_picture", "render_plan_pdf"]

#: Margin around the routes on the plan map, as a share of their extent.
_MAP_MARGIN = 0.12

_KIND_LABELS = {
    "shortest": gettext_noop("Shortest"),
    "least_exposed": gettext_noop("Least incident exposure"),
    "alternative": gettext_noop("Alternative"),
}


def render_plan_pdf(
    plan: Plan,
    *,
    handling: str | None = "RESTRICTED",
    when: datetime | None = None,
    tr: Translator | None = None,
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
    tr : Translator, optional
        The briefing's language (English by default): headings, table, the plan's
        sentences, classes, numbers and the map's legend.

    Returns
    -------
    bytes
        The PDF (one or two A4 pages).
    """
    tr = tr or translator()
    handling = clean_handling(handling)
    when = when or datetime.now(UTC)
    font = register_fonts()
    s = paragraph_styles(font)
    record = plan.record
    trip = f"{record.get('origin', '')} – {record.get('destination', '')}"
    maker, _ = canvas_maker(
        handling=handling,
        running=tr.gettext("Sahel Risk Map · trip plan"),
        footer=tr.gettext("As of {as_of}").format(as_of=record.get("as_of") or "–"),
        when=when,
        font=font,
        tr=tr,
    )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=17 * mm,
        title=tr.gettext("Trip plan, {trip}").format(trip=trip),
        author="Sahel Risk Map",
        creator="Sahel Risk Map",
        producer="Sahel Risk Map (reportlab)",
        lang=tr.lang,
    )
    with binary_streams():
        doc.build(_story(plan, s, trip, tr), canvasmaker=maker)
    return buf.getvalue()


def _story(plan: Plan, s: dict, trip: str, tr: Translator) -> list[Flowable]:
    record = plan.record
    via = record.get("via") or []
    story: list[Flowable] = [
        text_para(tr.gettext("Trip plan: {trip}").format(trip=trip), s["title"]),
        text_para(
            tr.gettext("Via {towns}.").format(towns=tr.join(via))
            if via
            else tr.gettext("No via town."),
            s["subtitle"],
        ),
        text_para(
            tr.gettext(
                "Incident exposure on the reported data over {window}, as of {as_of}; "
                "λ = {lam} (km of detour one unit of exposure is worth). The least-exposed "
                "route is the one with the least incident exposure on the reported data over "
                "that window, not a safe route."
            ).format(
                window=record.get("window", "–"),
                as_of=record.get("as_of") or "–",
                lam=_num(record.get("lambda", 0), tr, 1),
            ),
            s["note"],
        ),
        map_image(plan_picture(plan, tr=tr), FRAME_W),
        text_para(tr.gettext("Routes compared"), s["h1"]),
    ]
    rows = [
        [
            tr.gettext("Route"),
            "km",
            tr.gettext("Exposure"),
            tr.gettext("per km"),
            tr.gettext("km high or critical"),
            tr.gettext("km added"),
            tr.gettext("km per unit avoided"),
            tr.gettext("Roads"),
        ]
    ]
    for _, route in plan.routes.iterrows():
        kind = str(route["route_kind"])
        also = kind == "shortest" and bool(route["is_least_exposed"])
        rows.append(
            [
                tr.gettext(_KIND_LABELS.get(kind, kind))
                + (tr.gettext(" (also least exposed)") if also else ""),
                _num(route["length_km"], tr),
                _num(route["exposure"], tr, 2),
                _num(route["exposure_per_km"], tr, 3),
                _num(route["km_high_or_critical"], tr),
                _num(route["km_added"], tr),
                _num(route["km_per_exposure_avoided"], tr, 1),
                route["roads"],
            ]
        )
    widths = [30 * mm, 12 * mm, 18 * mm, 14 * mm, 17 * mm, 14 * mm, 18 * mm]
    widths.append(FRAME_W - sum(widths))
    story.append(data_table(rows, widths, s, numeric_cols=(1, 2, 3, 4, 5, 6)))
    story.append(text_para(tr.gettext("What the plan says"), s["h1"]))
    story += [bullet(esc(note), s) for note in plan_notes(plan, tr=tr)]
    story.append(text_para(tr.gettext("Worst stretches"), s["h1"]))
    rows = [
        [tr.gettext("Route"), tr.gettext("Stretch"), tr.gettext("Peak per km"), tr.gettext("Class")]
    ]
    top = plan.stretches[plan.stretches["rank"] <= 3]
    for _, st in top.iterrows():
        klass = str(st["exposure_class"])
        rows.append(
            [
                route_name(str(st["route_id"]).replace("_", " "), tr=tr),
                stretch_label(st["town_from"], st["town_to"], st["km_from"], st["km_to"], tr=tr),
                _num(st["peak_exposure_per_km"], tr, 3),
                tr.gettext(EXPOSURE_CLASS_LABELS.get(klass, klass)),
            ]
        )
    widths = [30 * mm, FRAME_W - 30 * mm - 44 * mm, 22 * mm, 22 * mm]
    story.append(data_table(rows, widths, s, numeric_cols=(2,)))
    story.append(text_para(tr.gettext("Towns passed"), s["h1"]))
    for _, route in plan.routes.iterrows():
        name = route_name(str(route["route_id"]).replace("_", " "), tr=tr)
        line = tr.gettext("{route}: {towns}").format(route=name, towns=route["towns"])
        story.append(text_para(line, s["small"]))
    story.append(text_para(tr.gettext("Read with care"), s["h1"]))
    story += [bullet(esc(tr.gettext(line)), s) for line in DATA_LIMITS]
    return story


def plan_picture(plan: Plan, *, width_px: int = 1800, tr: Translator | None = None) -> Any:
    """Draw the plan's routes over the bundled basemap, each kind in its style, with a legend.

    Parameters
    ----------
    plan : Plan
    width_px : int
        Image width in pixels (300 dpi in the PDF).
    tr : Translator, optional
        The legend's and credit's language (English by default).

    Returns
    -------
    PIL.Image.Image
        RGB image, 0.6 times as high as wide.
    """
    tr = tr or translator()
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
        handles.append(Line2D([], [], label=tr.gettext(PLAN_ROUTE_LABELS[kind]), **style))
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
        tr.gettext("{credit} · Routes planned over © OpenStreetMap contributors roads").format(
            credit=tr.gettext(basemap.attribution)
        ),
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
