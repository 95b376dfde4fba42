"""Route reports: per-route summaries, worst stretches, alternatives and what changed.

:func:`route_report` computes segment exposure now and ``change_days`` earlier
from one set of incident-to-segment pairs
(:func:`geo.exposure.segment_exposure_change`) and derives :func:`route_summary`,
:func:`worst_stretches`, :func:`compare_alternatives` and :func:`what_changed`;
:func:`format_route_report` writes them as plain text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.checks import parse_date
from geo.errors import InputFileError, ParameterError
from geo.exposure import (
    EXPOSURE_CLASS_BREAKS,
    EXPOSURE_CLASSES,
    LIMITS,
    SpreadLayers,
    classify_exposure,
    json_meta,
    left_out_text,
    segment_exposure_change,
    spread_sentence,
    window_text,
)
from geo.i18n import Translator, translator
from geo.schema import CATEGORY_LABELS, EXPOSURE_CLASS_LABELS, SOURCE_LABELS
from geo.segments import ROUTE_INFO_COLUMNS
from geo.settings import DEFAULTS, Settings
from geo.spread import SPREAD_HOW
from geo.validate import translate_message

#: The default language of the texts (callers pass ``tr`` for another).
_EN: Translator = translator()

__all__ = [
    "SUMMARY_FIGURES",
    "RouteReport",
    "compare_alternatives",
    "format_route_report",
    "route_report",
    "route_summary",
    "tie_rule_text",
    "stretch_label",
    "what_changed",
    "worst_stretches",
]


def _route_info(routes: gpd.GeoDataFrame | pd.DataFrame | None, ids: list[str]) -> pd.DataFrame:
    info = pd.DataFrame({"route_id": ids})
    if routes is None:
        routes = pd.DataFrame({"route_id": ids})
    if "route_id" not in routes.columns:
        raise InputFileError(f"routes: no 'route_id' column (found {list(routes.columns)}).")
    cols = ["route_id"] + [c for c in ROUTE_INFO_COLUMNS if c in routes.columns]
    extra = pd.DataFrame(routes[cols]).astype({"route_id": str})
    info = info.merge(extra, on="route_id", how="left")
    for col in ROUTE_INFO_COLUMNS:
        if col not in info.columns:
            info[col] = np.nan if col == "published_km" else ""
    info["label"] = info["label"].where(
        info["label"].astype(str).str.strip() != "", info["route_id"]
    )
    info["label"] = info["label"].fillna(info["route_id"])
    for col in ("group", "origin", "destination"):
        info[col] = info[col].fillna("").astype(str)
    info["published_km"] = pd.to_numeric(info["published_km"], errors="coerce")
    return info


def _check_exposure(exposure: gpd.GeoDataFrame | pd.DataFrame) -> None:
    need = ["route_id", "segment", "km_from", "km_to", "exposure", "exposure_per_km"]
    missing = [c for c in need + ["exposure_class", "n_incidents"] if c not in exposure.columns]
    if missing:
        raise InputFileError(
            f"exposure: missing column(s) {missing}; compute it with segment_exposure(...)."
        )


def _fmt_km(value: float, tr: Translator = _EN) -> str:
    return tr.number(value, 0 if abs(value - round(value)) < 0.05 else 1)


def worst_stretches(
    exposure: gpd.GeoDataFrame | pd.DataFrame,
    *,
    n: int = 5,
    min_peak_per_km: float = DEFAULTS.stretch_min_peak_per_km,
    breaks: tuple[float, float, float] = EXPOSURE_CLASS_BREAKS,
) -> pd.DataFrame:
    """Find the ``n`` worst stretches of each route, with the nearest towns at both ends.

    Parameters
    ----------
    exposure : GeoDataFrame
        Output of :func:`segment_exposure` (any CRS; geometry is not used).
    n : int
        Stretches per route (at most).
    min_peak_per_km : float
        Stretches whose peak exposure per km is below this are not listed
        (0.01: a hundredth of one fresh on-road convoy attack), so a route with
        next to no exposure does not get "worst" stretches made of noise.
    breaks : tuple of three floats
        The class breaks used for ``exposure_class``.

    Returns
    -------
    DataFrame
        One row per stretch: ``route_id``, ``rank`` (1 = highest peak),
        ``km_from``, ``km_to``, ``length_km``, ``town_from``, ``town_to``,
        ``label`` (e.g. ``"Kati – Didiéni, km 1,180–1,215"``),
        ``peak_exposure_per_km``, ``mean_exposure_per_km``, ``exposure``,
        ``exposure_class`` (of the peak) and ``n_segments``.

    Raises
    ------
    ParameterError
        If ``n`` is below 1.

    Notes
    -----
    Seeds are taken in decreasing ``exposure_per_km``. A stretch grows from its
    seed over adjacent unused segments while their exposure per km is at least
    min(peak / 2, high break): a run of high and critical segments becomes one
    stretch, and below the high class each stretch is the shoulder around a
    local peak (half its height). The towns named are the nearest towns of the
    stretch's first and last segments. Cost: one pass per stretch over its
    segments.
    """
    _check_exposure(exposure)
    if int(n) < 1:
        raise ParameterError(f"`n` was {n!r}; ask for at least one stretch.")
    high = float(breaks[1])
    rows = []
    frame = pd.DataFrame(exposure.drop(columns="geometry", errors="ignore"))
    if "nearest_town" not in frame.columns:
        frame["nearest_town"] = ""
    for route_id, seg in frame.groupby("route_id", sort=False):
        seg = seg.sort_values("segment")
        v = seg["exposure_per_km"].to_numpy(dtype=float)
        used = np.zeros(len(v), dtype=bool)
        found = 0
        for seed in np.argsort(-v, kind="stable"):
            if found >= n or v[seed] <= 0 or v[seed] < min_peak_per_km:
                break
            if used[seed]:
                continue
            floor = min(v[seed] / 2.0, high)
            lo = hi = seed
            while lo > 0 and not used[lo - 1] and v[lo - 1] > 0 and v[lo - 1] >= floor:
                lo -= 1
            while hi < len(v) - 1 and not used[hi + 1] and v[hi + 1] > 0 and v[hi + 1] >= floor:
                hi += 1
            used[lo : hi + 1] = True
            found += 1
            part = seg.iloc[lo : hi + 1]
            km_from, km_to = float(part["km_from"].iloc[0]), float(part["km_to"].iloc[-1])
            town_from, town_to = (
                str(part["nearest_town"].iloc[0]),
                str(part["nearest_town"].iloc[-1]),
            )
            total = float(part["exposure"].sum())
            rows.append(
                {
                    "route_id": str(route_id),
                    "rank": found,
                    "km_from": km_from,
                    "km_to": km_to,
                    "length_km": km_to - km_from,
                    "town_from": town_from,
                    "town_to": town_to,
                    "label": stretch_label(town_from, town_to, km_from, km_to),
                    "peak_exposure_per_km": float(v[seed]),
                    "mean_exposure_per_km": total / (km_to - km_from) if km_to > km_from else 0.0,
                    "exposure": total,
                    "exposure_class": str(classify_exposure([v[seed]], breaks=breaks)[0]),
                    "n_segments": int(hi - lo + 1),
                }
            )
    columns = [
        "route_id", "rank", "km_from", "km_to", "length_km", "town_from", "town_to", "label",
        "peak_exposure_per_km", "mean_exposure_per_km", "exposure", "exposure_class",
        "n_segments",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def stretch_label(
    town_from: str, town_to: str, km_from: float, km_to: float, *, tr: Translator = _EN
) -> str:
    """Name a stretch by the towns at its ends and its kilometres along the route.

    Examples
    --------
    >>> stretch_label("Sandaré", "Sandaré", 1320, 1354)
    'near Sandaré, km 1,320–1,354'
    >>> stretch_label("Sandaré", "", 1320, 1354, tr=translator("fr")).replace("\u202f", " ")
    'près de Sandaré, km 1 320–1 354'
    """
    km = f"km {_fmt_km(km_from, tr)}–{_fmt_km(km_to, tr)}"
    if town_from and town_to and town_from != town_to:
        return f"{town_from} – {town_to}, {km}"
    if town_from or town_to:
        return tr.gettext("near {town}, {km}").format(town=town_from or town_to, km=km)
    return km


#: Per-route figures compared in :func:`what_changed`.
SUMMARY_FIGURES: tuple[str, ...] = (
    "km_low",
    "km_medium",
    "km_high",
    "km_critical",
    "exposure_total",
    "mean_exposure_per_km",
    "max_exposure_per_km",
    "n_incidents",
)


def route_summary(
    exposure: gpd.GeoDataFrame | pd.DataFrame,
    *,
    routes: gpd.GeoDataFrame | pd.DataFrame | None = None,
    n_stretches: int = 5,
) -> pd.DataFrame:
    """One row per route: length, km in each class, exposure per km and the worst stretches.

    Parameters
    ----------
    exposure : GeoDataFrame
        Output of :func:`segment_exposure`.
    routes : GeoDataFrame or DataFrame, optional
        The route layer, for ``label``, ``group``, ``origin``, ``destination``
        and ``published_km`` where it has them.
    n_stretches : int
        Worst stretches listed per route.

    Returns
    -------
    DataFrame
        Columns ``route_id``, ``label``, ``group``, ``origin``, ``destination``,
        ``length_km`` (geodesic), ``published_km``, ``n_segments``, ``km_low``,
        ``km_medium``, ``km_high``, ``km_critical``, ``exposure_total`` (sum of
        segment exposure: what a vehicle accumulates over the whole route),
        ``mean_exposure_per_km`` (= exposure_total / length_km),
        ``max_exposure_per_km``, ``n_incidents`` (distinct incidents within the
        buffer of the route) and ``worst_stretches`` (labels joined by "; ").
        ``attrs`` is the exposure's analysis record.
    """
    _check_exposure(exposure)
    frame = pd.DataFrame(exposure.drop(columns="geometry", errors="ignore"))
    ids = [str(r) for r in pd.unique(frame["route_id"])]
    info = _route_info(routes, ids)
    frame = frame.assign(
        length_km=frame["km_to"] - frame["km_from"], route_id=frame["route_id"].astype(str)
    )
    grouped = frame.groupby("route_id", sort=False)
    summary = info.set_index("route_id")
    summary["length_km"] = grouped["km_to"].max()
    summary["n_segments"] = grouped.size()
    km_by_class = frame.pivot_table(
        index="route_id",
        columns="exposure_class",
        values="length_km",
        aggfunc="sum",
        observed=False,
    )
    for cls in EXPOSURE_CLASSES:
        summary[f"km_{cls}"] = km_by_class[cls] if cls in km_by_class.columns else 0.0
        summary[f"km_{cls}"] = summary[f"km_{cls}"].fillna(0.0)
    summary["exposure_total"] = grouped["exposure"].sum()
    summary["mean_exposure_per_km"] = summary["exposure_total"] / summary["length_km"]
    summary["max_exposure_per_km"] = grouped["exposure_per_km"].max()
    near = exposure.attrs.get("n_incidents_by_route", {})
    summary["n_incidents"] = [int(near.get(r, 0)) for r in summary.index]
    stretches = worst_stretches(exposure, n=n_stretches)
    labels = stretches.groupby("route_id")["label"].agg("; ".join)
    summary["worst_stretches"] = labels.reindex(summary.index).fillna("")
    summary = summary.reset_index()
    summary.attrs = dict(exposure.attrs)
    return summary


def tie_rule_text(settings: Settings = DEFAULTS, *, tr: Translator = _EN) -> str:
    """Say the rule under which alternatives show no meaningful difference, in one sentence.

    Examples
    --------
    >>> tie_rule_text()  # doctest: +NORMALIZE_WHITESPACE
    'the trip exposures differ by less than 10 % of the larger or by less than the
    exposure of one fresh full-weight incident at the road.'
    """
    n = settings.route_tie_incidents
    return tr.ngettext(
        "the trip exposures differ by less than {share} % of the larger or by less than the "
        "exposure of one fresh full-weight incident at the road.",
        "the trip exposures differ by less than {share} % of the larger or by less than the "
        "exposure of {n} fresh full-weight incidents at the road.",
        1 if n == 1 else 2,
    ).format(share=tr.number(settings.route_tie_share * 100), n=tr.number(n))


def compare_alternatives(
    summary: pd.DataFrame,
    *,
    tie_share: float = DEFAULTS.route_tie_share,
    tie_units: float = DEFAULTS.route_tie_incidents * DEFAULTS.buffer_km,
) -> pd.DataFrame:
    """Side by side, the alternative routes of each ``group`` (same origin, same destination).

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`route_summary`.
    tie_share : float
        A trip exposure within this share of the group's lowest is no meaningful
        difference (``Settings.route_tie_share``).
    tie_units : float
        ... nor one less than this many units above it (``route_tie_incidents``
        fresh incidents at the road, ``buffer_km`` units each).

    Returns
    -------
    DataFrame
        One row per route of every group with two or more routes, ordered by
        group then ``rank_in_group``: ``group``, ``origin``, ``route_id``,
        ``label``, ``length_km``, ``km_high_or_critical``, ``exposure_total``,
        ``mean_exposure_per_km``, ``max_exposure_per_km``, ``n_incidents``,
        ``rank_in_group`` (1 = least incident exposure over the whole trip),
        ``exposure_vs_lowest`` (exposure_total minus the group's lowest) and
        ``meaningful_difference`` (False for every route of a group whose trip
        exposures all lie within the tie rule of its lowest: the ranking then
        says nothing the data can tell).

    Notes
    -----
    Alternatives join the same two places, so they are ranked by the exposure a
    vehicle accumulates over the whole trip (``exposure_total``), then by the
    peak; a longer route with a lower mean per km can still rank lower.
    """
    need = ["route_id", "group", "exposure_total", "max_exposure_per_km"]
    missing = [c for c in need if c not in summary.columns]
    if missing:
        raise InputFileError(f"summary: missing column(s) {missing}; use route_summary(...).")
    frame = summary[summary["group"].astype(str).str.strip() != ""].copy()
    frame = frame[frame.groupby("group")["route_id"].transform("size") >= 2]
    frame["km_high_or_critical"] = frame["km_high"] + frame["km_critical"]
    frame = frame.sort_values(["group", "exposure_total", "max_exposure_per_km", "route_id"])
    frame["rank_in_group"] = frame.groupby("group").cumcount() + 1
    frame["exposure_vs_lowest"] = frame["exposure_total"] - frame.groupby("group")[
        "exposure_total"
    ].transform("min")
    clear = (frame["exposure_vs_lowest"] >= tie_units) & (
        frame["exposure_vs_lowest"] >= tie_share * frame["exposure_total"]
    )
    frame["meaningful_difference"] = clear.groupby(frame["group"]).transform("any")
    cols = [
        "group", "origin", "route_id", "label", "length_km", "km_high_or_critical",
        "exposure_total", "mean_exposure_per_km", "max_exposure_per_km", "n_incidents",
        "rank_in_group", "exposure_vs_lowest", "meaningful_difference",
    ]  # fmt: skip
    out = frame[cols].reset_index(drop=True)
    out.attrs = dict(summary.attrs)
    return out


def what_changed(summary: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Each route figure now beside the same figure at the earlier analysis date.

    Parameters
    ----------
    summary, before : DataFrame
        :func:`route_summary` at ``as_of`` and at an earlier ``as_of`` (same
        routes, segments and parameters).

    Returns
    -------
    DataFrame
        Long form: ``route_id``, ``figure`` (one of :data:`SUMMARY_FIGURES`),
        ``before``, ``now``, ``change`` (now - before); ``attrs`` gives
        ``as_of`` and ``as_of_before``.
    """
    now = summary.set_index("route_id")
    then = before.set_index("route_id").reindex(now.index)
    rows = [
        {
            "route_id": str(route_id),
            "figure": fig,
            "before": float(then.at[route_id, fig]),
            "now": float(now.at[route_id, fig]),
            "change": float(now.at[route_id, fig]) - float(then.at[route_id, fig]),
        }
        for route_id in now.index
        for fig in SUMMARY_FIGURES
    ]
    out = pd.DataFrame(rows, columns=["route_id", "figure", "before", "now", "change"])
    out.attrs = {"as_of": summary.attrs.get("as_of"), "as_of_before": before.attrs.get("as_of")}
    return out


@dataclass(frozen=True)
class RouteReport:
    """Everything the route view, the CLI and the briefing show about route exposure.

    Attributes
    ----------
    exposure : GeoDataFrame
        Per-segment exposure at ``as_of`` (:func:`segment_exposure`).
    summary : DataFrame
        :func:`route_summary`.
    stretches : DataFrame
        :func:`worst_stretches`.
    comparison : DataFrame
        :func:`compare_alternatives`.
    changes : DataFrame
        :func:`what_changed` against ``as_of`` minus ``change_days``.
    meta : dict
        The analysis record (window, sources, left-out counts, parameters),
        plus ``as_of_before`` and ``change_days``.
    """

    exposure: gpd.GeoDataFrame
    summary: pd.DataFrame
    stretches: pd.DataFrame
    comparison: pd.DataFrame
    changes: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per route: summary, rank among alternatives, figures before, record.

        Returns
        -------
        DataFrame
            Flat table for CSV: the summary columns, ``rank_in_group``,
            ``meaningful_difference`` (see :func:`compare_alternatives`),
            ``<figure>_before`` and ``<figure>_change`` for each of
            :data:`SUMMARY_FIGURES`, and the record (``as_of``, ``as_of_before``,
            ``window``, ``sources``, left-out counts, ``limits``).
        """
        out = self.summary.copy()
        ranks = self.comparison.set_index("route_id")["rank_in_group"]
        out["rank_in_group"] = out["route_id"].map(ranks).astype("Int64")
        clear = self.comparison.set_index("route_id")["meaningful_difference"]
        out["meaningful_difference"] = out["route_id"].map(clear).astype("boolean")
        wide = self.changes.pivot(index="route_id", columns="figure", values="before")
        for fig in SUMMARY_FIGURES:
            out[f"{fig}_before"] = out["route_id"].map(wide[fig])
            out[f"{fig}_change"] = out[fig] - out[f"{fig}_before"]
        m = self.meta
        out["as_of"] = m.get("as_of")
        out["as_of_before"] = m.get("as_of_before")
        out["window"] = m.get("window")
        out["sources"] = "; ".join(SOURCE_LABELS.get(s, s) for s in m.get("sources", []))
        for key in ("n_used", "n_left_out_imprecise", "n_after_as_of", "n_left_out_no_date",
                    "n_left_out_no_location", "n_spread"):  # fmt: skip
            out[key] = m.get(key, 0)
        out["imprecise"] = m.get("imprecise", "drop")
        out["spread"] = m.get("spread", "")
        out["limits"] = m.get("limits", LIMITS)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``meta``, ``routes``, ``stretches``, ``comparison``, ``changes``.

        Returns
        -------
        dict
            Plain Python values (dates as ISO strings, NaN as None).
        """

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(frame.to_json(orient="records", force_ascii=False))

        return {
            "meta": json_meta(self.meta),
            "routes": records(self.summary),
            "stretches": records(self.stretches),
            "comparison": records(self.comparison),
            "changes": records(self.changes),
        }


def route_report(
    segments: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    routes: gpd.GeoDataFrame | pd.DataFrame | None = None,
    change_days: int = DEFAULTS.route_change_days,
    n_stretches: int = 5,
    buffer_km: float = DEFAULTS.buffer_km,
    half_life_days: float = DEFAULTS.half_life_days,
    as_of: object = None,
    type_weights: Mapping[str, float] = DEFAULTS.type_weights,
    distance_decay: str = DEFAULTS.distance_decay,
    imprecise: str = DEFAULTS.imprecise,
    spread_layers: SpreadLayers | None = None,
) -> RouteReport:
    """Exposure, summary, worst stretches, alternatives and change over ``change_days``.

    Parameters
    ----------
    segments, incidents
        As for :func:`segment_exposure`.
    routes : GeoDataFrame or DataFrame, optional
        The route layer (labels, groups, published distances).
    change_days : int
        The "before" figures are computed with ``as_of - change_days`` (30).
    n_stretches : int
        Worst stretches per route.
    buffer_km, half_life_days, as_of, type_weights, distance_decay, imprecise, spread_layers
        As for :func:`geo.exposure.segment_exposure`.

    Returns
    -------
    RouteReport
        The figures and the analysis record; :func:`format_route_report` makes
        the text.

    Raises
    ------
    ParameterError
        If ``change_days`` is not a whole number above 0, or another parameter
        is out of range.
    """
    if (
        isinstance(change_days, bool)
        or not isinstance(change_days, int | np.integer)
        or change_days < 1
    ):
        raise ParameterError(
            f"`change_days` was {change_days!r}; give a whole number of days >= 1."
        )
    options = {
        "buffer_km": buffer_km,
        "half_life_days": half_life_days,
        "type_weights": type_weights,
        "distance_decay": distance_decay,
        "imprecise": imprecise,
        "spread_layers": spread_layers,
    }
    now, then = segment_exposure_change(
        segments, incidents, change_days=int(change_days), as_of=as_of, **options
    )
    summary = route_summary(now, routes=routes, n_stretches=n_stretches)
    stamp = parse_date(now.attrs.get("as_of"))
    before_as_of = None if stamp is None else stamp - pd.Timedelta(days=int(change_days))
    if then is None:
        before = summary.copy()
    else:
        before = route_summary(then, routes=routes, n_stretches=n_stretches)
    meta = dict(now.attrs)
    meta["as_of_before"] = before_as_of.date().isoformat() if before_as_of is not None else None
    meta["change_days"] = int(change_days)
    return RouteReport(
        exposure=now,
        summary=summary,
        stretches=worst_stretches(now, n=n_stretches),
        comparison=compare_alternatives(
            summary, tie_units=DEFAULTS.route_tie_incidents * float(buffer_km)
        ),
        changes=what_changed(summary, before),
        meta=meta,
    )


def _exp(value: float, tr: Translator = _EN) -> str:
    """Format an exposure figure: two decimals, or two significant digits when small."""
    if value == 0 or abs(value) >= 0.01:
        return tr.number(value, 2)
    text = f"{value:.2g}"
    return text.replace(".", ",") if tr.lang == "fr" else text


def format_route_report(report: RouteReport, *, tr: Translator = _EN) -> str:
    """Write a :class:`RouteReport` as plain text (``python -m geo exposure --summary``).

    Parameters
    ----------
    report : RouteReport
        Output of :func:`route_report`.
    tr : Translator
        The language of the text (English by default); route and town names as written.

    Returns
    -------
    str
        The text: analysis record first (date, window, sources, what was left
        out and why, class breaks, limits), then each route, then the
        alternatives and the change since ``as_of_before``.
    """
    from geo.provenance import format_day

    m = report.meta
    breaks = [
        tr.number(b, 2).rstrip("0").rstrip(",.")
        for b in m.get("class_breaks", list(EXPOSURE_CLASS_BREAKS))
    ]
    sources = tr.join(tr.gettext(SOURCE_LABELS.get(s, s)) for s in m.get("sources", [])) or (
        tr.gettext("none")
    )

    def km(value: float) -> str:
        return _fmt_km(value, tr)

    def exp(value: float) -> str:
        return _exp(value, tr)

    how_templates = tuple(SPREAD_HOW.values())

    def klass(code: object) -> str:
        return tr.gettext(EXPOSURE_CLASS_LABELS.get(str(code), str(code)))

    as_of = m.get("as_of")
    lines = [
        tr.gettext("Route incident exposure as of {as_of}").format(
            as_of=format_day(as_of, tr=tr) if as_of else "n/a"
        ),
        tr.gettext(
            "Window: incidents dated {window}; weights halve every {half_life} days; incidents "
            "within {buffer} km of the road count ({decay} distance decay); segments of "
            "{segment} km."
        ).format(
            window=window_text(m, tr=tr),
            half_life=tr.number(m.get("half_life_days", 0)),
            buffer=tr.number(m.get("buffer_km", 0)),
            decay=m.get("distance_decay"),
            segment=tr.number(m.get("segment_km") or 0),
        ),
        tr.gettext("Sources: {sources}. Incidents used: {n}.").format(
            sources=sources, n=tr.number(m.get("n_used", 0))
        ),
        left_out_text(m, tr=tr),
        spread_sentence(m, tr=tr) if "imprecise" in m else "",
        tr.gettext(
            "Classes on incident exposure per km (1 = one convoy attack or abduction today, on "
            "the road): low < {lo} <= medium < {mid} <= high < {hi} <= critical."
        ).format(lo=breaks[0], mid=breaks[1], hi=breaks[2]),
        tr.gettext("Limits: {limits}").format(limits=tr.gettext(m.get("limits", LIMITS))),
        "",
    ]
    for row in report.summary.itertuples(index=False):
        published = (
            " " + tr.gettext("(published {km} km)").format(km=km(row.published_km))
            if pd.notna(row.published_km)
            else ""
        )
        lines.append(f"{row.label} [{row.route_id}]: {km(row.length_km)} km{published}")
        lines.append(
            "  "
            + tr.gettext("km by class: {classes}").format(
                classes=", ".join(
                    f"{klass(cls)} {km(getattr(row, f'km_{cls}'))}" for cls in EXPOSURE_CLASSES
                )
            )
        )
        lines.append(
            "  "
            + tr.gettext(
                "incident exposure per km: mean {mean}, max {peak}; whole route {total}; {n} "
                "incidents within {buffer} km"
            ).format(
                mean=exp(row.mean_exposure_per_km),
                peak=exp(row.max_exposure_per_km),
                total=exp(row.exposure_total),
                n=tr.number(row.n_incidents),
                buffer=tr.number(m.get("buffer_km", 0)),
            )
        )
        spread_events = m.get("spread_events_by_route", {}).get(str(row.route_id), [])
        if spread_events:
            lines.append(
                "  "
                + tr.gettext("imprecise events adding most (spread over their uncertainty area):")
            )
            lines.extend(
                "    "
                + tr.gettext(
                    "{day} {category} at {place} [{id}]: {how}; adds {exposure} over the route"
                ).format(
                    day=format_day(e["event_date"], tr=tr),
                    category=tr.gettext(CATEGORY_LABELS.get(e["category"], e["category"])),
                    place=e["location"],
                    id=e["event_id"],
                    how=tr.join(
                        translate_message(part, tr=tr, templates=how_templates)
                        for part in str(e["how"]).split("; ")
                    ),
                    exposure=exp(e["exposure"]),
                )
                for e in spread_events
            )
        worst = report.stretches[report.stretches["route_id"] == row.route_id]
        if worst.empty:
            lines.append(
                "  " + tr.gettext("worst stretches: none (no incident exposure in the window)")
            )
        else:
            lines.append("  " + tr.gettext("worst stretches:"))
            lines.extend(
                "    "
                + tr.gettext("{rank}. {label} ({klass}, peak {peak} per km)").format(
                    rank=st.rank,
                    label=stretch_label(st.town_from, st.town_to, st.km_from, st.km_to, tr=tr),
                    klass=klass(st.exposure_class),
                    peak=exp(st.peak_exposure_per_km),
                )
                for st in worst.itertuples(index=False)
            )
    if not report.comparison.empty:
        lines += ["", tr.gettext("Alternatives (ranked by incident exposure over the whole trip):")]
        for group, alts in report.comparison.groupby("group", sort=True):
            origin = alts["origin"].iloc[0] or group
            lines.append("  " + tr.gettext("from {origin}:").format(origin=origin))
            lines.extend(
                "    "
                + tr.gettext(
                    "{rank}. {label} [{id}]: whole trip {total}, per km {mean}, {km} km high or "
                    "critical"
                ).format(
                    rank=a.rank_in_group,
                    label=a.label,
                    id=a.route_id,
                    total=exp(a.exposure_total),
                    mean=exp(a.mean_exposure_per_km),
                    km=km(a.km_high_or_critical),
                )
                for a in alts.itertuples(index=False)
            )
            if not bool(alts["meaningful_difference"].iloc[0]):
                lines.append(
                    "    "
                    + tr.gettext("No meaningful difference: {rule}").format(
                        rule=tie_rule_text(tr=tr)
                    )
                )
    if m.get("as_of_before"):
        lines += [
            "",
            tr.gettext("What changed since {day} ({n} days earlier):").format(
                day=format_day(m["as_of_before"], tr=tr), n=m.get("change_days")
            ),
        ]
        ch = report.changes
        for route_id, rows in ch.groupby("route_id", sort=False):
            figs = rows.set_index("figure")
            hc_now = figs.loc[["km_high", "km_critical"], "now"].sum()
            hc_before = figs.loc[["km_high", "km_critical"], "before"].sum()
            mean = figs.loc["mean_exposure_per_km"]
            near = figs.loc["n_incidents"]
            lines.append(
                f"  {route_id}: "
                + tr.gettext(
                    "mean per km {before} -> {now} ({change}); km high or critical {hc_before} "
                    "-> {hc_now}; incidents within the buffer {n_before} -> {n_now}"
                ).format(
                    before=exp(mean.before),
                    now=exp(mean.now),
                    change=("+" if mean.change >= 0 else "-") + exp(abs(mean.change)),
                    hc_before=km(hc_before),
                    hc_now=km(hc_now),
                    n_before=tr.number(near.before),
                    n_now=tr.number(near.now),
                )
            )
    return "\n".join(line for line in lines) + "\n"
