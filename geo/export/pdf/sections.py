"""The sections of the PDF briefing: key figures, headlines, hotspots, routes, sites, method.

Each function returns the flowables of one section from the analysis and the
paragraph styles of :mod:`geo.export.pdf.styles`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Spacer,
)

from geo.export.pdf.styles import (
    FRAME_W,
    bullet,
    change_text,
    class_colours,
    class_para,
    data_table,
    esc,
    fmt_num,
    markup_para,
    previous_figure,
    signed,
    text_para,
)
from geo.exposure import note_text
from geo.gistar import gistar_message, gistar_sentence
from geo.i18n import Translator, gettext_noop, translator
from geo.palette import SITE_TYPE_LABELS
from geo.provenance import LEFT_OUT_WHY, method_steps, provenance_lines
from geo.route_names import route_name
from geo.schema import TREND_LABELS
from geo.validate import ValidationReport

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = [
    "backtest_section",
    "DATA_LIMITS",
    "admin_section",
    "gistar_text",
    "headlines",
    "key_figures",
    "method_section",
    "read_with_care",
    "routes_section",
    "sites_section",
    "sources_section",
    "surge_flowables",
]


#: What every briefing says about the data, whatever the analysis.
DATA_LIMITS: tuple[str, ...] = (
    gettext_noop(
        "Locations are mostly town-level: an event is placed at the town or site the report "
        "names, not where it happened on the road."
    ),
    gettext_noop(
        "No time of day: events are dated to the day (some to the week or month), so "
        "exposure cannot be split into day and night travel."
    ),
    gettext_noop(
        "Reported incidents only: news-based logs are incomplete and lean towards events "
        "that reach the international press (foreign workers, mines, convoys); UCDP GED "
        "keeps only events with at least one death."
    ),
    gettext_noop(
        "The bundled data has no incidents for 2021-2023 (UCDP GED 21.1 ends in 2020, the "
        "news log starts in February 2024); bring an ACLED export for those years."
    ),
    gettext_noop(
        "Scores are incident exposure over the stated window and sources, not a "
        "prediction: a stretch or site with no reported incident can still be attacked."
    ),
    gettext_noop(
        "Boundaries are the old scheme (8 regions, 49 cercles and Bamako), not the 2023 regions."
    ),
)


_FIGURES = (
    ("incidents", gettext_noop("Incidents")),
    ("fatalities", gettext_noop("Fatalities")),
    ("abductions", gettext_noop("Abductions / kidnappings")),
    ("convoy_attacks", gettext_noop("Attacks on convoys or vehicles")),
    ("site_attacks", gettext_noop("Attacks on mines, factories or worksites")),
)


def _num(value: object, tr: Translator, digits: int = 0) -> str:
    """Return :func:`fmt_num` in English, the translator's separators otherwise."""
    text = fmt_num(value, digits)
    if tr.lang == "en" or text == "–":
        return text
    return tr.number(float(value), digits).replace("-", "−")  # type: ignore[arg-type]


def _signed(value: object, tr: Translator, digits: int) -> str:
    """Return :func:`signed` in English, with the translator's separators otherwise."""
    text = signed(value, digits)
    if tr.lang == "en" or text in ("–", "0"):
        return text
    return ("+" if text.startswith("+") else "") + _num(value, tr, digits)


def key_figures(
    analysis: Analysis, s: Mapping[str, ParagraphStyle], *, tr: Translator | None = None
) -> list[Flowable]:
    """Return the key figures table: this window against the previous one of equal length.

    ``tr`` gives the language of the labels and numbers (English by default).
    """
    tr = tr or translator()
    f = analysis.filters
    start, end = pd.Timestamp(f.start).date(), pd.Timestamp(f.end).date()
    days = (end - start).days + 1
    prev_end = start - timedelta(days=1)
    prev_start = prev_end - timedelta(days=days - 1)
    head = [
        "",
        tr.gettext("This period"),
        tr.gettext("Previous period ({period})").format(
            period=tr.period(prev_start, prev_end)
            if tr.lang != "en"
            else f"{prev_start:%d %b %Y} – {prev_end:%d %b %Y}"
        ),
        tr.gettext("Change"),
    ]
    rows: list[list[Any]] = [head]
    kf = dict(analysis.key_figures)
    for key, label in _FIGURES:
        if key not in kf:
            continue
        before = previous_figure(kf, key)
        rows.append(
            [
                tr.gettext(label),
                _num(kf[key], tr),
                _num(before, tr) if before is not None else "–",
                change_text(kf[key], before, tr=tr),
            ]
        )
    widths = (0.36 * FRAME_W, 0.14 * FRAME_W, 0.28 * FRAME_W, 0.22 * FRAME_W)
    return [
        markup_para(tr.gettext("Key figures"), s["h2"]),
        data_table(rows, widths, s, numeric_cols=(1, 2, 3)),
    ]


def _unit_names(analysis: Analysis) -> dict[str, str]:
    admin = analysis.admin_stats
    if admin is None or admin.empty or "unit_id" not in admin or "name" not in admin:
        return {}
    return dict(zip(admin["unit_id"].astype(str), admin["name"].astype(str), strict=False))


def headlines(
    analysis: Analysis, alternatives: pd.DataFrame | None, *, tr: Translator | None = None
) -> list[str]:
    """Short, data-derived statements (markup with escaped data), in ``tr``'s language."""
    tr = tr or translator()
    out: list[str] = []
    admin = analysis.admin_stats
    if admin is not None and not admin.empty and "incidents" in admin:
        top = (
            admin[admin["incidents"] > 0]
            .sort_values(["incidents", "fatalities"], ascending=False)
            .head(3)
        )
        if len(top):
            parts = [f"{esc(r['name'])} ({_num(r['incidents'], tr)})" for _, r in top.iterrows()]
            out.append(
                tr.gettext("Most incidents in the window: {units}.").format(units=", ".join(parts))
            )
    ws = _worst(analysis)
    if ws is not None and len(ws):
        top = ws.sort_values("peak", ascending=False).iloc[0]
        out.append(
            tr.gettext(
                "Highest route incident exposure: {route}, <b>{towns}</b> (km {km_from}–{km_to}), "
                "{peak} per km{klass}."
            ).format(
                route=esc(_route_label(analysis, top["route_id"], tr=tr)),
                towns=_stretch_towns(top["town_from"], top["town_to"]),
                km_from=_num(top["km_from"], tr),
                km_to=_num(top["km_to"], tr),
                peak=_num(top["peak"], tr, 2),
                klass=f", {esc(tr.gettext(str(top['exposure_class'])))}"
                if top.get("exposure_class")
                else "",
            )
        )
    if alternatives is not None and len(alternatives):
        for group, g in alternatives.groupby("group", sort=True):
            g = g.sort_values("rank_in_group")
            if len(g) < 2:
                continue
            best, other = g.iloc[0], g.iloc[-1]
            if float(other["exposure_total"]) == float(best["exposure_total"]):
                out.append(
                    tr.gettext(
                        "{group} alternatives: equal incident exposure over the trip ({total})."
                    ).format(
                        group=esc(str(group).capitalize()),
                        total=_num(best["exposure_total"], tr, 1),
                    )
                )
            elif not bool(best.get("meaningful_difference", True)):
                out.append(
                    tr.gettext(
                        "{group} alternatives: no meaningful difference in incident exposure "
                        "over the trip ({best_total} and {other_total})."
                    ).format(
                        group=esc(str(group).capitalize()),
                        best_total=_num(best["exposure_total"], tr, 1),
                        other_total=_num(other["exposure_total"], tr, 1),
                    )
                )
            else:
                out.append(
                    tr.gettext(
                        "{group} alternatives: {best} accumulates less incident exposure over "
                        "the trip ({best_total}) than {other} ({other_total})."
                    ).format(
                        group=esc(str(group).capitalize()),
                        best=esc(route_name(str(best["label"]), tr=tr)),
                        best_total=_num(best["exposure_total"], tr, 1),
                        other=esc(route_name(str(other["label"]), tr=tr)),
                        other_total=_num(other["exposure_total"], tr, 1),
                    )
                )
    sites = analysis.sites
    if sites is not None and not sites.empty and "exposure_class" in sites:
        key = sites[sites.get("is_key_site", pd.Series(True, index=sites.index)).astype(bool)]
        hot = key[key["exposure_class"].astype(str).isin(["high", "critical"])]
        if len(hot):
            names = ", ".join(
                esc(n) for n in hot.sort_values("exposure_class")["name"].astype(str).head(5)
            )
            out.append(
                tr.gettext("Key sites in the high or critical class: {n} ({names}).").format(
                    n=len(hot), names=names + (", …" if len(hot) > 5 else "")
                )
            )
        else:
            out.append(
                tr.gettext(
                    "No key site (mine, factory, plant, dam) is in the high or critical class."
                )
            )
    imprecise = sum(int(v) for k, v in analysis.left_out.items() if "imprecise" in str(k).lower())
    if imprecise:
        out.append(
            tr.ngettext(
                "{n} event with an approximate location is counted in admin totals but left out "
                "of the density, hexagon, route and site figures.",
                "{n} events with approximate locations are counted in admin totals but left out "
                "of the density, hexagon, route and site figures.",
                imprecise,
            ).format(n=_num(imprecise, tr))
        )
    return out


def read_with_care(
    analysis: Analysis, s: Mapping[str, ParagraphStyle], *, tr: Translator | None = None
) -> Flowable:
    """Return the boxed note on what the figures are and are not, in ``tr``'s language."""
    tr = tr or translator()
    limits = [esc(tr.gettext(text)) for text in DATA_LIMITS]
    left = tr.join(f"{_num(n, tr)} {esc(tr.gettext(str(k)))}" for k, n in analysis.left_out.items())
    lines = [
        tr.gettext("<b>Read with care.</b>") + " " + limits[0] + " " + limits[1],
        limits[2] + " " + limits[4],
        tr.gettext(
            "<b>Left out:</b> {left}. Sources, licences, validation counts, method and all "
            "limits are on the last pages."
        ).format(left=left or tr.gettext("none")),
    ]
    return markup_para("<br/>".join(lines), s["note"])


def _classes(frame: pd.DataFrame) -> list[object]:
    """Return the exposure class code of each row (None when the frame has no class column)."""
    if "exposure_class" not in frame:
        return [None] * len(frame)
    return list(frame["exposure_class"])


def _stretch_towns(town_from: object, town_to: object) -> str:
    """Return ``A – B``, or ``near A`` when both ends have the same nearest town (escaped)."""
    a, b = str(town_from or ""), str(town_to or "")
    return f"near {esc(a)}" if a == b or not b else f"{esc(a)} – {esc(b)}"


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


def _route_label(analysis: Analysis, route_id: object, *, tr: Translator) -> str:
    rs = analysis.route_summary
    if rs is not None and not rs.empty and "label" in rs and "route_id" in rs:
        hit = rs[rs["route_id"].astype(str) == str(route_id)]
        if len(hit):
            return route_name(str(hit["label"].iloc[0]), tr=tr)
    return str(route_id)


def admin_section(
    analysis: Analysis, s: Mapping[str, ParagraphStyle], *, tr: Translator | None = None
) -> list[Flowable]:
    """Return the top admin units by incidents, with change against the previous window."""
    tr = tr or translator()
    out: list[Flowable] = []
    admin = analysis.admin_stats
    level = int(analysis.params.admin_level)
    heading = {
        1: gettext_noop("Top regions by incidents"),
        2: gettext_noop("Top cercles by incidents"),
    }
    out.append(markup_para(tr.gettext(heading.get(level, "Top units by incidents")), s["h2"]))
    if admin is None or admin.empty or "incidents" not in admin:
        out.append(text_para(tr.gettext("No admin statistics in this analysis."), s["body"]))
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
        out.append(
            text_para(
                tr.gettext("No incidents in any unit in this window or the previous one."),
                s["body"],
            )
        )
        return out
    has_region = level == 2 and "adm1_name" in frame
    head = [
        "#",
        tr.gettext({1: "Region", 2: "Cercle"}.get(level, "Unit")),
        *([tr.gettext("Region")] if has_region else []),
        tr.gettext("Incidents"),
        tr.gettext("Fatalities"),
        tr.gettext("per 1,000 km²"),
        tr.gettext("Previous"),
        tr.gettext("Change"),
    ]
    rows: list[list[Any]] = [head]
    for i, (_, r) in enumerate(frame.iterrows(), start=1):
        before = r.get("prev_incidents")
        rows.append(
            [
                str(i),
                r.get("name", r.get("unit_id")),
                *([r["adm1_name"]] if has_region else []),
                _num(r["incidents"], tr),
                _num(r.get("fatalities"), tr),
                _num(r.get("incidents_per_1000km2"), tr, 2),
                _num(before, tr),
                change_text(
                    r["incidents"], None if before is None or pd.isna(before) else before, tr=tr
                ),
            ]
        )
    base = [0.05, 0.2, *([0.17] if has_region else []), 0.11, 0.11, 0.13, 0.1]
    base.append(1 - sum(base))
    numeric = tuple(range(len(head) - 5, len(head)))
    table = data_table(rows, [b * FRAME_W for b in base], s, numeric_cols=numeric)
    return [KeepTogether([*out, table])]


def gistar_text(analysis: Analysis, *, tr: Translator | None = None) -> str:
    """Return the Gi* sentence: hot and cold units found, or why there is no Gi*."""
    tr = tr or translator()
    if analysis.gistar_message:
        return esc(gistar_message(analysis.gistar_message, tr=tr))
    g = analysis.gistar
    if g is None or g.empty:
        return esc(tr.gettext("Gi* was not computed for this analysis."))
    hexes = getattr(analysis.params, "gistar_on", "hex") == "hex"
    units = tr.gettext("hexagons") if hexes else tr.gettext("admin units")
    if "gistar" in g.attrs:
        return esc(gistar_sentence(g, units=units, tr=tr))
    col = next((c for c in ("gistar_class", "hotspot_class") if c in g), None)
    if col is None:
        return esc(tr.gettext("Gi* results have no class column."))
    counts = g[col].astype(str).value_counts()
    p = analysis.params
    fdr = (
        tr.gettext("with Benjamini-Hochberg correction")
        if p.gistar_fdr
        else tr.gettext("without correction")
    )
    return esc(
        tr.gettext(
            "Getis-Ord Gi* on {n} {units}: {hot} hot spot(s), {cold} cold spot(s) at alpha "
            "{alpha} {fdr}."
        ).format(
            n=tr.number(len(g)),
            units=units,
            hot=tr.number(int(counts.get("hot", 0))),
            cold=tr.number(int(counts.get("cold", 0))),
            alpha=f"{p.gistar_alpha:g}".replace(".", tr.number(0.5, 1)[1]),
            fdr=fdr,
        )
    )


def surge_flowables(
    analysis: Analysis, s: Mapping[str, ParagraphStyle], *, tr: Translator | None = None
) -> list[Flowable]:
    """Return the surge flags (units whose latest week exceeds the surge rule)."""
    tr = tr or translator()
    surge = analysis.surge
    if surge is None or surge.empty or not {"week_flag", "month_flag"} <= set(surge.columns):
        return [text_para(tr.gettext("Surge flags: none computed for this window."), s["body"])]
    frame = surge.reset_index() if "unit_id" not in surge.columns else surge.copy()
    flagged = frame[frame["week_flag"].astype(bool) | frame["month_flag"].astype(bool)]
    if flagged.empty:
        return [
            text_para(
                tr.gettext(
                    "Surge flags: no unit's latest week or month is double its recent average."
                ),
                s["body"],
            )
        ]
    names = _unit_names(analysis)
    rows: list[list[Any]] = [
        [
            tr.gettext("Unit"),
            tr.gettext("Latest week"),
            tr.gettext("Average week before"),
            tr.gettext("Latest 4 weeks"),
            tr.gettext("Average 4 weeks before"),
            tr.gettext("Flag"),
        ]
    ]
    for _, r in flagged.iterrows():
        flags = [n for n, c in (("week", "week_flag"), ("month", "month_flag")) if bool(r[c])]
        rows.append(
            [
                names.get(str(r.get("unit_id")), str(r.get("unit_id"))),
                _num(r.get("latest_week"), tr),
                _num(r.get("avg_week_prev_4"), tr, 1),
                _num(r.get("latest_month"), tr),
                _num(r.get("avg_month_prev_12"), tr, 1),
                " + ".join(flags),
            ]
        )
    widths = [w * FRAME_W for w in (0.26, 0.13, 0.16, 0.14, 0.17, 0.14)]
    return [
        markup_para(
            tr.gettext(
                "Surge flags (ACLED rule: latest period at least double the recent average)"
            ),
            s["h2"],
        ),
        data_table(rows, widths, s, numeric_cols=(1, 2, 3, 4)),
    ]


def routes_section(
    analysis: Analysis,
    s: Mapping[str, ParagraphStyle],
    alternatives: pd.DataFrame | None,
    *,
    tr: Translator | None = None,
) -> list[Flowable]:
    """Return the route summary, the alternatives side by side and the worst stretches."""
    tr = tr or translator()
    out: list[Flowable] = []
    rs = analysis.route_summary
    if rs is None or rs.empty:
        out.append(text_para(tr.gettext("No route exposure in this analysis."), s["body"]))
        return out
    out.append(markup_para(tr.gettext("Route summary"), s["h2"]))
    rows: list[list[Any]] = [
        [
            tr.gettext("Route"),
            tr.gettext("Length km"),
            tr.gettext("km low"),
            tr.gettext("km medium"),
            tr.gettext("km high"),
            tr.gettext("km critical"),
            tr.gettext("Mean / km"),
            tr.gettext("Max / km"),
        ]
    ]
    for _, r in rs.iterrows():
        rows.append(
            [
                route_name(str(r.get("label", r.get("route_id"))), tr=tr),
                _num(r.get("length_km"), tr),
                _num(r.get("km_low"), tr),
                _num(r.get("km_medium"), tr),
                _num(r.get("km_high"), tr),
                _num(r.get("km_critical"), tr),
                _num(r.get("mean_exposure_per_km"), tr, 3),
                _num(r.get("max_exposure_per_km"), tr, 2),
            ]
        )
    widths = [w * FRAME_W for w in (0.34, 0.09, 0.08, 0.09, 0.08, 0.09, 0.11, 0.12)]
    out.append(data_table(rows, widths, s, numeric_cols=tuple(range(1, 8))))
    out.extend(_route_changes(rs, s, tr=tr))
    if alternatives is not None and len(alternatives):
        out.append(
            markup_para(
                tr.gettext("Alternatives compared (same origin, same destination)"), s["h2"]
            )
        )
        for group, g in alternatives.groupby("group", sort=True):
            g = g.sort_values("rank_in_group")
            head: list[Any] = [""] + [
                text_para(route_name(str(lbl), tr=tr), s["cellb"]) for lbl in g["label"]
            ]
            measures = (
                (gettext_noop("Length km"), "length_km", 0),
                (gettext_noop("km high or critical"), "km_high_or_critical", 0),
                (gettext_noop("Incident exposure over the trip"), "exposure_total", 1),
                (gettext_noop("Mean per km"), "mean_exposure_per_km", 3),
                (gettext_noop("Peak per km"), "max_exposure_per_km", 2),
                (gettext_noop("Incidents within the buffer"), "n_incidents", 0),
            )
            rows = [head]
            for label, col, digits in measures:
                if col in g:
                    rows.append([tr.gettext(label), *(_num(v, tr, digits) for v in g[col])])
            # As the app's route cards: no rank where the data cannot tell the routes apart.
            clear = g.get("meaningful_difference", pd.Series(True, index=g.index))
            rows.append(
                [
                    tr.gettext("Rank (1 = least exposure)"),
                    *(
                        _num(rank, tr, 0) if bool(c) else tr.gettext("No meaningful difference")
                        for rank, c in zip(g["rank_in_group"], clear, strict=True)
                    ),
                ]
            )
            n = len(g)
            first = 0.3
            widths = [first * FRAME_W] + [(1 - first) / n * FRAME_W] * n
            out.append(
                KeepTogether(
                    [
                        markup_para(
                            esc(
                                tr.gettext("{origin} to Bamako").format(
                                    origin=str(group).capitalize()
                                )
                            ),
                            s["body"],
                        ),
                        data_table(rows, widths, s, numeric_cols=tuple(range(1, n + 1))),
                        Spacer(1, 5),
                    ]
                )
            )
    ws = _worst(analysis)
    out.append(markup_para(tr.gettext("Worst stretches (nearest towns at both ends)"), s["h2"]))
    if ws is None or ws.empty:
        out.append(
            text_para(tr.gettext("No stretch has any incident exposure in this window."), s["body"])
        )
        return out
    rows: list[list[Any]] = [
        [
            tr.gettext("Route"),
            "#",
            tr.gettext("From"),
            tr.gettext("To"),
            "km",
            tr.gettext("Peak / km"),
            tr.gettext("Class"),
        ]
    ]
    last = None
    ordered = ws.sort_values(["route_id", "rank"])
    for _, r in ordered.iterrows():
        rows.append(
            [
                _route_label(analysis, r["route_id"], tr=tr) if r["route_id"] != last else "",
                _num(r.get("rank"), tr),
                r["town_from"],
                r["town_to"],
                f"{_num(r['km_from'], tr)}–{_num(r['km_to'], tr)}",
                _num(r["peak"], tr, 2),
                class_para(r.get("exposure_class"), s, tr=tr),
            ]
        )
        last = r["route_id"]
    widths = [w * FRAME_W for w in (0.33, 0.04, 0.15, 0.15, 0.12, 0.1, 0.11)]
    out.append(
        data_table(
            rows, widths, s, numeric_cols=(1, 4, 5), extra=class_colours(_classes(ordered), 6)
        )
    )
    return out


def _route_changes(
    rs: pd.DataFrame, s: Mapping[str, ParagraphStyle], *, tr: Translator
) -> list[Flowable]:
    """Route figures now against the same figures at the earlier analysis date."""
    need = {"exposure_total_before", "exposure_total_change"}
    if not need <= set(rs.columns):
        return []
    before = rs["as_of_before"].dropna().astype(str).iloc[0] if "as_of_before" in rs else ""
    when = f" ({esc(before[:10])})" if before else ""
    rows: list[list[Any]] = [
        [
            tr.gettext("Route"),
            tr.gettext("Exposure over the trip"),
            tr.gettext("Before"),
            tr.gettext("Change"),
            tr.gettext("km high or critical, change"),
            tr.gettext("Incidents within the buffer, change"),
        ]
    ]
    for _, r in rs.iterrows():
        hc = [r.get(c) for c in ("km_high_change", "km_critical_change")]
        km = (
            sum(float(v) for v in hc if v is not None and pd.notna(v))
            if any(v is not None and pd.notna(v) for v in hc)
            else float("nan")
        )
        rows.append(
            [
                route_name(str(r.get("label", r.get("route_id"))), tr=tr),
                _num(r.get("exposure_total"), tr, 1),
                _num(r.get("exposure_total_before"), tr, 1),
                _signed(r.get("exposure_total_change"), tr, 1),
                _signed(km, tr, 0),
                _signed(r.get("n_incidents_change"), tr, 0),
            ]
        )
    widths = [w * FRAME_W for w in (0.34, 0.13, 0.1, 0.1, 0.16, 0.17)]
    return [
        markup_para(esc(tr.gettext("Change against 30 days before")) + when, s["h2"]),
        data_table(rows, widths, s, numeric_cols=(1, 2, 3, 4, 5)),
    ]


def sites_section(
    analysis: Analysis, s: Mapping[str, ParagraphStyle], *, tr: Translator | None = None
) -> list[Flowable]:
    """Return the site exposure table, key sites first, in ``tr``'s language."""
    tr = tr or translator()
    sites = analysis.sites
    out: list[Flowable] = []
    if sites is None or sites.empty:
        out.append(text_para(tr.gettext("No sites in this analysis."), s["body"]))
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
        [
            tr.gettext("Site"),
            tr.gettext("Type"),
            tr.gettext("Class"),
            tr.gettext("30 d"),
            tr.gettext("90 d"),
            tr.gettext("365 d"),
            tr.gettext("Nearest incident"),
            tr.gettext("Trend"),
        ]
    ]
    for _, r in shown.iterrows():
        near = ""
        if pd.notna(r.get("nearest_km")):
            when = r.get("nearest_date")
            day = pd.Timestamp(when).date() if pd.notna(when) else None
            near = f"{_num(r['nearest_km'], tr)} km" + (
                ", " + (tr.date(day) if tr.lang != "en" else f"{day:%Y-%m-%d}") if day else ""
            )
        rows.append(
            [
                r.get("name")
                if pd.notna(r.get("name")) and str(r.get("name"))
                else f"(unnamed {r.get('site_id', '')})",
                tr.gettext(
                    SITE_TYPE_LABELS.get(str(r.get("site_type")), str(r.get("site_type", "")))
                ),
                class_para(r.get("exposure_class"), s, tr=tr),
                _num(r.get("n_30d"), tr),
                _num(r.get("n_90d"), tr),
                _num(r.get("n_365d"), tr),
                near,
                tr.gettext(TREND_LABELS.get(str(r.get("trend") or ""), str(r.get("trend") or ""))),
            ]
        )
    widths = [w * FRAME_W for w in (0.27, 0.12, 0.09, 0.06, 0.06, 0.07, 0.23, 0.1)]
    left = len(frame) - len(shown)
    radius = analysis.params.site_radius_km
    out.append(
        text_para(
            tr.gettext(
                "Key sites (mines, factories, plants, dams) first, most exposed first; other "
                "sites are listed only in the medium class or above ({left} further site(s) not "
                "listed). Counts are incidents within {radius} km in the 30, 90 and 365 days up "
                "to the analysis date; the nearest incident is the nearest of the last year."
            ).format(left=tr.number(left), radius=f"{radius:g}".replace(".", tr.number(0.5, 1)[1])),
            s["lead"],
        )
    )
    out.append(
        data_table(rows, widths, s, numeric_cols=(3, 4, 5), extra=class_colours(_classes(shown), 2))
    )
    return out


def method_section(
    analysis: Analysis,
    prov: Mapping[str, Any],
    s: Mapping[str, ParagraphStyle],
    *,
    tr: Translator | None = None,
) -> list[Flowable]:
    """Return the method page: parameters as run, formulas and their references.

    ``tr`` translates the headings, the step names and what each step computed
    (:func:`geo.provenance.method_steps`).
    """
    tr = tr or translator()
    rows = [
        [tr.gettext("Step"), tr.gettext("What was computed")],
        *method_steps(analysis, tr=tr),
    ]
    out: list[Flowable] = [
        markup_para(tr.gettext("Method"), s["h1"]),
        data_table(rows, (0.2 * FRAME_W, 0.8 * FRAME_W), s),
    ]
    notes = [n for n in (getattr(analysis, "notes", None) or [])]
    if notes:
        out.append(markup_para(tr.gettext("Notes from this run"), s["h2"]))
        out.extend(bullet(esc(note_text(n, tr=tr)), s) for n in notes)
    return out


def backtest_section(analysis: Analysis, s: Mapping[str, ParagraphStyle]) -> list[Flowable]:
    """Return the backtest summary (pooled PAI per method and the sentence), if one was run."""
    from geo.evaluate import summary_frame

    result = getattr(analysis, "backtest", None)
    if result is None:
        return []
    table = summary_frame(result)
    pai_cols = [c for c in table.columns if c.startswith("PAI at")]
    rows = [["Map", *pai_cols, "Test incidents"]]
    rows += [
        [
            r["method"].replace("_", " "),
            *[f"{r[c]:.1f}" for c in pai_cols],
            f"{r['test incidents']:,}",
        ]
        for _, r in table.iterrows()
    ]
    w = (0.3 * FRAME_W, *(0.5 * FRAME_W / len(pai_cols),) * len(pai_cols), 0.2 * FRAME_W)
    st = result.settings
    return [
        markup_para("How far to trust the maps (backtest)", s["h2"]),
        markup_para(
            esc(
                f"Each map built from the {st['train_days']} days before each of "
                f"{st['origins']} origins from {st['start']} (every {st['step_days']} days), "
                f"scored on the next {st['horizon_days']} days; PAI = hit rate / area share "
                "(1 = a uniform map; Chainey et al. 2008)."
            ),
            s["body"],
        ),
        data_table(rows, w, s, numeric_cols=range(1, len(pai_cols) + 2)),
        markup_para(esc(result.sentence), s["body"]),
    ]


def sources_section(
    analysis: Analysis,
    prov: Mapping[str, Any],
    s: Mapping[str, ParagraphStyle],
    *,
    tr: Translator | None = None,
) -> list[Flowable]:
    """Return data sources and licences, validation counts, what was left out and why.

    ``tr`` translates the headings, reasons, limits, validation lines and provenance.
    """
    tr = tr or translator()
    out: list[Flowable] = [
        markup_para(tr.gettext("Data, sources and limits"), s["h1"]),
        markup_para(tr.gettext("Data sources and licences"), s["h2"]),
    ]
    rows: list[list[Any]] = [[tr.gettext("Dataset"), tr.gettext("Credit"), tr.gettext("Licence")]]
    for a in prov["attributions"]:
        dataset, credit, licence = a["dataset"], a["credit"], a["licence"]
        rows.append([tr.gettext(dataset), credit, tr.gettext(licence)])
    out.append(data_table(rows, [w * FRAME_W for w in (0.3, 0.48, 0.22)], s))
    used = prov["data_sources"]
    out.append(
        markup_para(
            tr.gettext("<b>Incident sources in this analysis:</b> {sources}").format(
                sources=esc(tr.join(tr.gettext(u) for u in used)) if used else tr.gettext("none")
            ),
            s["body"],
        )
    )
    out.append(markup_para(tr.gettext("Input validation"), s["h2"]))
    v = prov["validation"]
    if v:
        out.append(
            markup_para(
                tr.gettext(
                    "Rows read <b>{rows}</b>, kept <b>{kept}</b> (repaired <b>{repaired}</b>), "
                    "rejected <b>{rejected}</b>."
                ).format(
                    rows=_num(v.get("rows_in"), tr),
                    kept=_num(v.get("kept"), tr),
                    repaired=_num(v.get("repaired"), tr),
                    rejected=_num(v.get("rejected"), tr),
                ),
                s["body"],
            )
        )
    if isinstance(analysis.report, ValidationReport):
        lines = analysis.report.to_lines(max_issues=12, tr=tr)
        out.extend(text_para(line, s["mono"]) for line in lines[:16])
    out.append(markup_para(tr.gettext("Left out, and why"), s["h2"]))
    if analysis.left_out:
        rows = [[tr.gettext("Reason"), tr.gettext("Events"), tr.gettext("What it means")]]
        for reason, n in analysis.left_out.items():
            why = LEFT_OUT_WHY.get(str(reason), "")
            rows.append([tr.gettext(str(reason)), _num(n, tr), tr.gettext(why) if why else ""])
        out.append(data_table(rows, [w * FRAME_W for w in (0.25, 0.1, 0.65)], s, numeric_cols=(1,)))
    else:
        out.append(text_para(tr.gettext("Nothing was left out."), s["body"]))
    out.append(markup_para(tr.gettext("Limits of the data"), s["h2"]))
    out.extend(bullet(esc(tr.gettext(t)), s) for t in DATA_LIMITS)
    out.append(markup_para(tr.gettext("Provenance"), s["h2"]))
    out.extend(text_para(line, s["mono"]) for line in provenance_lines(prov, tr=tr))
    return out
