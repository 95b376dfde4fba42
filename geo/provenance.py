"""One record of what an analysis used, left out or spread and why, and its one text renderer.

:func:`build_provenance` returns the record (JSON-ready) that every export, the
page and the CLI carry; :func:`provenance_lines` renders it as the sentences
they all show.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.crs import METRIC_PROJ
from geo.export.share import SHARE_NOTE, is_shared
from geo.i18n import DEFAULT_LANGUAGE, Translator, gettext_noop, translator

if TYPE_CHECKING:
    from geo.pipeline import Analysis

#: The default language of every text here (callers pass ``tr`` for another).
_EN: Translator = translator()

#: Why events are left out of a result: key -> the words every output uses after a
#: count ("3 outside the window"). Results key their left-out counts by these words.
LEFT_OUT_REASONS: dict[str, str] = {
    "outside_window": gettext_noop("outside the window"),
    "filtered": gettext_noop("filtered out (category, source or actor)"),
    "imprecise": gettext_noop(
        "with imprecise locations (area centroids or approximate places; point analyses "
        "use precise locations unless asked)"
    ),
    "after_as_of": gettext_noop("dated after the analysis date"),
    "no_date": gettext_noop("without a date"),
    "no_location": gettext_noop("without a location"),
    "outside_units": gettext_noop("outside the admin units"),
}
#: What each reason means, for the tables that explain it (PDF method pages).
LEFT_OUT_WHY: dict[str, str] = {
    LEFT_OUT_REASONS["outside_window"]: gettext_noop("event date outside the analysis window"),
    LEFT_OUT_REASONS["filtered"]: gettext_noop(
        "category, source or actor not selected in the filters"
    ),
    LEFT_OUT_REASONS["imprecise"]: gettext_noop(
        "location is an area or centroid (ACLED geo_precision 3, UCDP where_prec > 2); "
        "counted in admin totals, left out of KDE, hexagons and Gi*; in route and site "
        "exposure spread over their area (--imprecise spread, the default) or left out (drop)"
    ),
    LEFT_OUT_REASONS["after_as_of"]: gettext_noop("dated after the analysis date"),
    LEFT_OUT_REASONS["no_date"]: gettext_noop("no usable date"),
    LEFT_OUT_REASONS["no_location"]: gettext_noop("no usable coordinates"),
    LEFT_OUT_REASONS["outside_units"]: gettext_noop("located outside every admin unit analysed"),
}


def left_out_sentence(left_out: Mapping[str, int], *, tr: Translator = _EN) -> str:
    """Return the one sentence every output uses for what it left out and why.

    Parameters
    ----------
    left_out : mapping of str to int
        Reason (a :data:`LEFT_OUT_REASONS` value, or other words) -> events.
        Reasons with no event are not named.
    tr : Translator
        The language of the sentence (English by default); reasons are translated.

    Returns
    -------
    str
        ``Left out: <n> <reason>; ...`` or ``Left out: none.``

    Examples
    --------
    >>> left_out_sentence({LEFT_OUT_REASONS["outside_window"]: 1200, "other": 0})
    'Left out: 1,200 outside the window.'
    >>> left_out_sentence({})
    'Left out: none.'
    >>> left_out_sentence({LEFT_OUT_REASONS["outside_window"]: 3}, tr=translator("fr"))
    'Écartés : 3 hors de la période.'
    """
    parts = [f"{tr.number(int(n))} {tr.gettext(str(r))}" for r, n in left_out.items() if n]
    if not parts:
        return tr.gettext("Left out: none.")
    return tr.gettext("Left out: {reasons}.").format(reasons=tr.join(parts))


__all__ = [
    "LEFT_OUT_REASONS",
    "LEFT_OUT_WHY",
    "build_provenance",
    "left_out_sentence",
    "format_day",
    "format_period",
    "format_time",
    "jsonable",
    "method_steps",
    "library_versions",
    "provenance_lines",
    "provenance_table",
]


def format_period(start: date, end: date, *, tr: Translator = _EN) -> str:
    """Return ``start to end (N days)`` for titles and provenance.

    Parameters
    ----------
    start, end : datetime.date
        Inclusive window.
    tr : Translator
        The language (English by default, with ISO dates that scripts parse;
        French with French dates).

    Returns
    -------
    str
        The period in words.

    Examples
    --------
    >>> format_period(date(2025, 5, 1), date(2025, 5, 31))
    '2025-05-01 to 2025-05-31 (31 days)'
    >>> format_period(date(2025, 5, 1), date(2025, 5, 31), tr=translator("fr"))
    'du 1 mai 2025 au 31 mai 2025 (31 jours)'
    """
    s, e = _as_date(start), _as_date(end)
    days = (e - s).days + 1
    return tr.ngettext("{start} to {end} ({n} day)", "{start} to {end} ({n} days)", days).format(
        start=format_day(s, tr=tr), end=format_day(e, tr=tr), n=tr.number(days)
    )


def format_day(value: object, *, tr: Translator = _EN) -> str:
    """Return a calendar day: ISO ``YYYY-MM-DD`` in English, the language's own form otherwise.

    Parameters
    ----------
    value : date, datetime, Timestamp or ISO text
        The day.
    tr : Translator
        The language.

    Returns
    -------
    str
        ``2025-11-14`` in English, ``14 nov. 2025`` in French.

    Examples
    --------
    >>> format_day("2025-11-14"), format_day("2025-11-14", tr=translator("fr"))
    ('2025-11-14', '14 nov. 2025')
    """
    day = _as_date(value)
    return day.isoformat() if tr.lang == DEFAULT_LANGUAGE else tr.date(day)


def _as_date(value: object) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def format_time(value: datetime) -> str:
    """Return ``YYYY-MM-DD HH:MM`` plus ``UTC`` (or the zone) when the time carries one.

    Parameters
    ----------
    value : datetime.datetime
        A time, naive or aware.

    Returns
    -------
    str
        The time for titles.

    Examples
    --------
    >>> from datetime import UTC
    >>> format_time(datetime(2025, 11, 21, 10, 32, 5, tzinfo=UTC))
    '2025-11-21 10:32 UTC'
    """
    text = value.strftime("%Y-%m-%d %H:%M")
    if value.tzinfo is not None:
        offset = value.utcoffset()
        text += (
            " UTC" if offset is not None and offset.total_seconds() == 0 else value.strftime(" %Z")
        )
    return text


def jsonable(value: Any) -> Any:
    """Return ``value`` with dates as ISO text, tuples as lists and NaN as None (JSON-ready)."""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _record(obj: object) -> dict[str, Any]:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    return dict(vars(obj))


def _validation_counts(report: object) -> dict[str, int | str]:
    counts: dict[str, int | str] = {}
    for key, attr in (
        ("rows_in", "rows_in"),
        ("kept", "rows_kept"),
        ("repaired", "n_repaired"),
        ("rejected", "n_rejected"),
    ):
        value = getattr(report, attr, None)
        if value is not None:
            counts[key] = int(value)
    file = getattr(report, "file", None)
    if file:
        counts["files"] = str(file)
    return counts


def _attributions() -> list[dict[str, str]]:
    from geo.io import bundled

    return [
        {k: str(getattr(r, k, "") or "") for k in ("dataset", "credit", "licence")}
        for r in bundled.ATTRIBUTIONS
    ]


def _incidents_digest(incidents: pd.DataFrame) -> str:
    """SHA-256 over the sorted (source, event id, date) of the events used."""
    cols = [c for c in ("source", "event_id", "event_date") if c in incidents.columns]
    if incidents.empty or not cols:
        keys: list[str] = []
    else:
        frame = incidents[cols].astype(str)
        keys = sorted("|".join(row) for row in frame.itertuples(index=False, name=None))
    digest = hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()
    return f"sha256:{digest[:32]}"


def library_versions() -> dict[str, str]:
    """Return the versions of Python and of the libraries that compute the figures.

    Returns
    -------
    dict of str to str
        ``python``, ``numpy``, ``pandas``, ``geopandas``, ``shapely``, ``pyproj``,
        ``h3`` (``"not installed"`` when a library is missing).
    """
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("numpy", "pandas", "geopandas", "shapely", "pyproj", "h3"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def build_provenance(analysis: Analysis) -> dict[str, Any]:
    """Return the provenance record every export carries (JSON-ready).

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis being exported (after :func:`share_safe_analysis` when
        the sharing preset applies).

    Returns
    -------
    dict
        ``product``, ``app_version``, ``versions`` (Python and libraries),
        ``generated_at``, ``period`` (start, end, days), ``as_of``, ``filters``,
        ``parameters``, ``data_sources`` (labels in use), ``attributions``
        (dataset, credit, licence),
        ``validation`` (rows_in, kept, repaired, rejected), ``left_out``
        (reason -> count), ``incidents_in_window``, ``incidents_digest`` (a
        hash of the events used, to check that two exports used the same
        input), ``crs``, ``shared`` and ``share_note``, ``notes``.

    Notes
    -----
    With the sharing preset, actor filters are reported by number only (an
    actor name in a filter says who is being watched).
    """
    filters = _record(analysis.filters)
    shared = is_shared(analysis)
    actors = filters.get("actors")
    if shared and actors:
        filters["actors"] = f"{len(actors)} actor filter(s), names withheld"
    for key in ("categories", "sources", "actors"):
        if filters.get(key) is None:
            filters[key] = gettext_noop("all")
    start, end = filters.pop("start"), filters.pop("end")
    params = _record(analysis.params)
    prov: dict[str, Any] = {
        "product": "Sahel Risk Map",
        "app_version": str(analysis.app_version),
        "versions": library_versions(),
        "generated_at": analysis.generated_at.isoformat(timespec="seconds"),
        "period": {
            "start": _as_date(start).isoformat(),
            "end": _as_date(end).isoformat(),
            "days": (_as_date(end) - _as_date(start)).days + 1,
        },
        "as_of": _as_date(params.get("as_of", end)).isoformat(),
        "filters": filters,
        "parameters": params,
        "data_sources": [str(s) for s in analysis.sources],
        "attributions": _attributions(),
        "validation": _validation_counts(analysis.report),
        "left_out": {str(k): int(v) for k, v in dict(analysis.left_out).items()},
        "incidents_in_window": int(len(analysis.incidents)),
        "incidents_digest": _incidents_digest(analysis.incidents),
        "crs": {"storage": "EPSG:4326", "metric": METRIC_PROJ},
        "shared": shared,
        "share_note": SHARE_NOTE if shared else None,
        "notes": [str(n) for n in (getattr(analysis, "notes", None) or []) if n != SHARE_NOTE],
    }
    return jsonable(prov)


def _fmt_num(value: object, tr: Translator) -> str:
    if isinstance(value, Mapping):
        return "(" + ", ".join(f"{k} {_fmt_num(v, tr)}" for k, v in value.items()) + ")"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return tr.number(value)
    if isinstance(value, float):
        return tr.number(value, digits=len(repr(value).split(".")[-1]))
    return str(value)


#: Input-row counts of the record's ``validation`` -> their words after the number.
_VALIDATION_WORDS: dict[str, str] = {
    "rows_in": gettext_noop("rows in"),
    "kept": gettext_noop("kept"),
    "repaired": gettext_noop("repaired"),
    "rejected": gettext_noop("rejected"),
}


def provenance_lines(prov: Mapping[str, Any], *, tr: Translator = _EN) -> list[str]:
    """Render a provenance record as short human-readable lines.

    Parameters
    ----------
    prov : mapping
        A record from :func:`build_provenance`.
    tr : Translator
        The language of the lines (English by default). Parameter names and
        library names stay as the record spells them (they are keys).

    Returns
    -------
    list of str
        Product and version, period, filters, parameters, input counts, events
        left out, sources in use, and the sharing note when it applies.
    """
    period = prov["period"]
    f = prov["filters"]
    p = prov["parameters"]

    def _set(value: object) -> str:
        if isinstance(value, str):
            return tr.gettext(value)
        return ", ".join(str(v) for v in value)

    imprecise = (
        tr.gettext("imprecise locations included in point analyses")
        if f.get("include_imprecise")
        else tr.gettext("imprecise locations left out of point analyses")
    )
    lines = [
        tr.gettext("{product} {version}, generated {time}").format(
            product=prov["product"], version=prov["app_version"], time=prov["generated_at"]
        ),
        tr.gettext("Period {period}; analysis date {as_of}").format(
            period=format_period(period["start"], period["end"], tr=tr),
            as_of=format_day(prov["as_of"], tr=tr),
        ),
        tr.gettext(
            "Filters: categories {categories}; sources {sources}; actors {actors}; {imprecise}"
        ).format(
            categories=_set(f["categories"]),
            sources=_set(f["sources"]),
            actors=_set(f["actors"]),
            imprecise=imprecise,
        ),
        tr.gettext("Parameters: {parameters}").format(
            parameters=tr.join(
                f"{k} {_fmt_num(v, tr)}" for k, v in p.items() if k not in ("as_of",)
            )
        ),
    ]
    v = prov["validation"]
    if v:
        counts = ", ".join(
            f"{_fmt_num(v[k], tr)} {tr.gettext(_VALIDATION_WORDS.get(k, k.replace('_', ' ')))}"
            for k in v
            if k != "files"
        )
        lines.append(tr.gettext("Input rows: {counts}").format(counts=counts))
    lines.append(left_out_sentence(prov["left_out"], tr=tr))
    if prov["data_sources"]:
        lines.append(
            tr.gettext("Incident sources: {sources}").format(
                sources=tr.join(tr.gettext(str(s)) for s in prov["data_sources"])
            )
        )
    lines.append(
        tr.gettext("Events in window: {n} ({digest})").format(
            n=_fmt_num(prov["incidents_in_window"], tr), digest=prov["incidents_digest"]
        )
    )
    versions = prov.get("versions") or {}
    if versions:
        lines.append(
            tr.gettext("Computed with {versions}").format(
                versions=", ".join(f"{k} {v}" for k, v in versions.items())
            )
        )
    share_note = prov.get("share_note")
    if share_note:
        lines.append(tr.gettext(share_note))
    return lines


def method_steps(analysis: Analysis, *, tr: Translator = _EN) -> list[tuple[str, str]]:
    """Describe each step of the method with the parameters it ran with (the PDF method table).

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis (its ``filters`` and ``params``).
    tr : Translator
        The language of the step names and descriptions (English by default).

    Returns
    -------
    list of (str, str)
        (step, what was computed), in the order the method runs.
    """
    from geo.checks import DISTANCE_DECAYS
    from geo.exposure import EXPOSURE_CLASS_BREAKS
    from geo.gistar import GISTAR_INFERENCES, GISTAR_VALUES
    from geo.schema import CATEGORY_WEIGHT_WORDS

    p, f = analysis.params, analysis.filters
    lo, mid, hi = (tr.number(b, 2).rstrip("0").rstrip(".,") for b in EXPOSURE_CLASS_BREAKS)

    def num(value: float) -> str:
        return tr.number(value, 0 if float(value).is_integer() else 2)

    weights = ", ".join(
        f"{tr.gettext(CATEGORY_WEIGHT_WORDS.get(k, k.replace('_', ' ')))} {num(v)}"
        for k, v in dict(p.type_weights).items()
    )
    decay = tr.gettext(DISTANCE_DECAYS.get(p.distance_decay, p.distance_decay))
    as_of = format_day(getattr(p, "as_of", None) or f.end, tr=tr)
    return [
        (
            tr.gettext("Window"),
            tr.gettext(
                "{period}; previous period of equal length for changes; analysis date {as_of}."
            ).format(period=format_period(f.start, f.end, tr=tr), as_of=as_of),
        ),
        (
            tr.gettext("Admin rates"),
            tr.gettext(
                "Incidents and fatalities per unit (level {level}) and per {area} km²; a point "
                "on a shared border counts once (documented tie-break); imprecise events count "
                "here."
            ).format(level=p.admin_level, area=tr.number(1000)),
        ),
        (
            tr.gettext("KDE hotspots"),
            tr.gettext(
                "Gaussian kernel, bandwidth {bandwidth} km, cells of {cell} m, computed in an "
                "equal-area projection; precise events only."
            ).format(bandwidth=num(p.kde_bandwidth_km), cell=num(p.kde_cell_m)),
        ),
        (
            tr.gettext("Hexagons and Gi*"),
            tr.gettext(
                "H3 resolution {resolution} counts; Getis-Ord Gi* on {value} with {inference}, "
                "alpha {alpha}, false-discovery-rate correction {fdr}; too few events give a "
                "message, not a map."
            ).format(
                resolution=p.hex_resolution,
                value=tr.gettext(GISTAR_VALUES.get(p.gistar_value, p.gistar_value)),
                inference=tr.gettext(GISTAR_INFERENCES.get(p.gistar_inference, "p-values")),
                alpha=num(p.gistar_alpha),
                fdr=tr.gettext("on") if p.gistar_fdr else tr.gettext("off"),
            ),
        ),
        (
            tr.gettext("Surge flags"),
            tr.gettext(
                "ACLED rule below ADMIN1: latest week at least double the average of the 4 weeks "
                "before, or latest 4 weeks at least double the average of the 12 before; units "
                "with under one event per 4 weeks ignored."
            ),
        ),
        (
            tr.gettext("Route incident exposure"),
            tr.gettext(
                "Routes cut into {segment} km segments. For each segment, the sum over incidents "
                "within {buffer} km of type weight × distance decay × 0.5^(age / {half_life} "
                "days), divided by the segment length. Distance decay: {decay}. Type weights: "
                "{weights}."
            ).format(
                segment=num(p.segment_km),
                buffer=num(p.buffer_km),
                half_life=num(p.half_life_days),
                decay=decay,
                weights=weights,
            ),
        ),
        (
            tr.gettext("Classes"),
            tr.gettext(
                "Exposure per km: low below {lo}, medium {lo}–{mid}, high {mid}–{hi}, critical "
                "{hi} or more. One unit is one convoy attack or abduction on the road on the "
                "analysis day. Fixed breaks: a class means the same on every route and date."
            ).format(lo=lo, mid=mid, hi=hi),
        ),
        (
            tr.gettext("Site exposure"),
            tr.gettext(
                "Incidents within {radius} km of each site in the last 30, 90 and 365 days; "
                "nearest incident of the last year; trend of the last 90 days against the 90 "
                "before; score as for routes, classed with the same breaks."
            ).format(radius=num(p.site_radius_km)),
        ),
    ]


def provenance_table(prov: Mapping[str, Any]) -> pd.DataFrame:
    """Return the record as key/value rows (the whole JSON, then the rendered lines).

    Parameters
    ----------
    prov : mapping
        A record from :func:`build_provenance`.

    Returns
    -------
    DataFrame
        ``key`` and ``value`` text columns, as stored in GeoPackage and CSV exports.
    """
    rows = [
        (k, json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)
        for k, v in prov.items()
    ]
    rows.append(("provenance_json", json.dumps(prov, ensure_ascii=False, sort_keys=True)))
    rows.extend((f"line_{i + 1}", line) for i, line in enumerate(provenance_lines(prov)))
    return pd.DataFrame(rows, columns=["key", "value"]).astype({"key": "str", "value": "str"})
