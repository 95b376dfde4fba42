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
from geo.i18n import gettext_noop

if TYPE_CHECKING:
    from geo.pipeline import Analysis

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


def left_out_sentence(left_out: Mapping[str, int]) -> str:
    """Return the one sentence every output uses for what it left out and why.

    Parameters
    ----------
    left_out : mapping of str to int
        Reason (a :data:`LEFT_OUT_REASONS` value, or other words) -> events.
        Reasons with no event are not named.

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
    """
    parts = [f"{int(n):,} {reason}" for reason, n in left_out.items() if n]
    return "Left out: " + "; ".join(parts) + "." if parts else "Left out: none."


__all__ = [
    "LEFT_OUT_REASONS",
    "LEFT_OUT_WHY",
    "build_provenance",
    "left_out_sentence",
    "format_period",
    "format_time",
    "jsonable",
    "library_versions",
    "provenance_lines",
    "provenance_table",
]


def format_period(start: date, end: date) -> str:
    """Return ``start – end (N days)`` for titles and provenance.

    Parameters
    ----------
    start, end : datetime.date
        Inclusive window.

    Returns
    -------
    str
        The period in words.

    Examples
    --------
    >>> format_period(date(2025, 5, 1), date(2025, 5, 31))
    '2025-05-01 to 2025-05-31 (31 days)'
    """
    s, e = _as_date(start), _as_date(end)
    return f"{s.isoformat()} to {e.isoformat()} ({(e - s).days + 1} days)"


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
            filters[key] = "all"
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


def _fmt_num(value: object) -> str:
    if isinstance(value, Mapping):
        return "(" + ", ".join(f"{k} {_fmt_num(v)}" for k, v in value.items()) + ")"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def provenance_lines(prov: Mapping[str, Any]) -> list[str]:
    """Render a provenance record as short human-readable lines.

    Parameters
    ----------
    prov : mapping
        A record from :func:`build_provenance`.

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
        return value if isinstance(value, str) else ", ".join(str(v) for v in value)

    lines = [
        f"{prov['product']} {prov['app_version']}, generated {prov['generated_at']}",
        f"Period {period['start']} to {period['end']} ({period['days']} days); "
        f"analysis date {prov['as_of']}",
        f"Filters: categories {_set(f['categories'])}; sources {_set(f['sources'])}; "
        f"actors {_set(f['actors'])}; imprecise locations "
        + ("included in" if f.get("include_imprecise") else "left out of")
        + " point analyses",
        "Parameters: "
        + "; ".join(f"{k} {_fmt_num(v)}" for k, v in p.items() if k not in ("as_of",)),
    ]
    v = prov["validation"]
    if v:
        lines.append(
            "Input rows: "
            + ", ".join(f"{_fmt_num(v[k])} {k.replace('_', ' ')}" for k in v if k != "files")
        )
    lines.append(left_out_sentence(prov["left_out"]))
    if prov["data_sources"]:
        lines.append("Incident sources: " + "; ".join(prov["data_sources"]))
    lines.append(
        f"Events in window: {_fmt_num(prov['incidents_in_window'])} ({prov['incidents_digest']})"
    )
    versions = prov.get("versions") or {}
    if versions:
        lines.append("Computed with " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    if prov.get("share_note"):
        lines.append(prov["share_note"])
    return lines


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
