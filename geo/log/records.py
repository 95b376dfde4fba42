"""One record of the team's incident log: its fields, their checks and the canonical row it gives.

A log record is the canonical incident (DESIGN.md, "Canonical incident record")
plus the provenance a security office keeps: who entered it and when, from
which report, the source's reliability (A-F) and the information's credibility
(1-6) of the Admiralty grading used in security reporting, and the original text
of the report. Every stored row is one *revision* of an incident
(:data:`META_FIELDS`); the backends (:mod:`geo.log.gpkg`, :mod:`geo.log.postgis`)
keep them all and show the latest one that is not a deletion.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.crs import WGS84
from geo.errors import ParameterError
from geo.schema import CANONICAL_COLUMNS, CATEGORIES

__all__ = [
    "ACTIONS",
    "CREDIBILITY",
    "DATE_PRECISIONS",
    "META_FIELDS",
    "RECORD_FIELDS",
    "RELIABILITY",
    "from_canonical",
    "normalise_record",
    "parse_grading",
    "to_incidents",
    "utc_now",
]

#: Source reliability (Admiralty / NATO grading): A completely reliable ... F cannot be judged.
RELIABILITY: dict[str, str] = {
    "A": "Completely reliable",
    "B": "Usually reliable",
    "C": "Fairly reliable",
    "D": "Not usually reliable",
    "E": "Unreliable",
    "F": "Reliability cannot be judged",
}
#: Information credibility: 1 confirmed by other sources ... 6 truth cannot be judged.
CREDIBILITY: dict[int, str] = {
    1: "Confirmed by other sources",
    2: "Probably true",
    3: "Possibly true",
    4: "Doubtful",
    5: "Improbable",
    6: "Truth cannot be judged",
}
DATE_PRECISIONS: tuple[str, ...] = ("day", "week", "month")
#: What a revision did.
ACTIONS: tuple[str, ...] = ("add", "import", "edit", "delete")

#: Fields a person enters or corrects (type of each), in the order shown and stored.
RECORD_FIELDS: dict[str, type] = {
    "event_date": str,  # YYYY-MM-DD
    "date_precision": str,
    "category": str,
    "event_type": str,
    "sub_event_type": str,
    "actor1": str,
    "actor2": str,
    "fatalities": int,
    "victims": int,  # people killed, wounded or abducted as reported (schema v2)
    "victim_nationalities": str,  # e.g. "Chinese; Malian" (schema v2)
    "location": str,
    "country": str,
    "admin1": str,
    "admin2": str,
    "geo_precision": int,
    "lon": float,
    "lat": float,
    "notes": str,
    "source_url": str,
    "report_source": str,  # who reported it: "guard at Kéniéba site", "partner NGO"
    "report_ref": str,  # the report's own reference
    "reliability": str,  # A-F
    "credibility": int,  # 1-6
    "original_text": str,
    "origin": str,  # for imports: "<source>:<event_id> <file> row <n>"
}
#: Fields every revision carries beside the record.
META_FIELDS: tuple[str, ...] = (
    "incident_id",
    "revision",
    "action",
    "author",
    "entered_at",
    "reason",
)
_REQUIRED = ("event_date", "lon", "lat", "category")
_DEFAULTS: dict[str, Any] = {
    "date_precision": "day",
    "fatalities": 0,
    "victims": 0,
    "geo_precision": 1,
    "reliability": "F",
    "credibility": 6,
    "country": "Mali",
}
_GRADING_RE = re.compile(r"^\s*([A-Fa-f])\s*([1-6])\s*$")


def utc_now() -> str:
    """Return the current UTC time as GeoPackage's DATETIME text (millisecond, ``Z``)."""
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def parse_grading(text: str) -> tuple[str, int]:
    """Split an Admiralty grading such as ``B2`` into reliability and credibility.

    Parameters
    ----------
    text : str
        A letter A-F followed by a digit 1-6.

    Returns
    -------
    tuple
        ``(reliability, credibility)``.

    Raises
    ------
    ParameterError
        If the text is not a grading.

    Examples
    --------
    >>> parse_grading("b2")
    ('B', 2)
    """
    m = _GRADING_RE.match(str(text))
    if m is None:
        raise ParameterError(
            f"grading {text!r} is not a letter A-F (source reliability) followed by a "
            "digit 1-6 (information credibility), e.g. B2"
        )
    return m.group(1).upper(), int(m.group(2))


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _as_int(name: str, value: object) -> int:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(f"{name} {value!r} is not a whole number") from None
    if not math.isfinite(f) or f != int(f):
        raise ParameterError(f"{name} {value!r} is not a whole number")
    return int(f)


def _as_float(name: str, value: object) -> float:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(f"{name} {value!r} is not a number") from None
    if not math.isfinite(f):
        raise ParameterError(f"{name} {value!r} is not a finite number")
    return f


def _as_date(value: object) -> str:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ParameterError(f"event_date {value!r} is not a date; give it as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ParameterError(f"event_date {value!r} is not a calendar date") from None


def normalise_record(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and complete one record; unknown keys are refused.

    Parameters
    ----------
    values : Mapping
        Some of :data:`RECORD_FIELDS`; ``event_date``, ``lon``, ``lat`` and
        ``category`` are required. ``grading`` (e.g. ``"B2"``) may stand for
        ``reliability`` and ``credibility``.

    Returns
    -------
    dict
        Every key of :data:`RECORD_FIELDS`, typed, text stripped, defaults filled
        (day precision, no fatalities, exact place, grading F6, Mali).

    Raises
    ------
    ParameterError
        One line naming the field and the value.

    Examples
    --------
    >>> r = normalise_record({"event_date": "2025-05-04", "lon": -11.2, "lat": 12.8,
    ...                       "category": "abduction", "grading": "b2"})
    >>> r["reliability"], r["credibility"], r["date_precision"], r["fatalities"]
    ('B', 2, 'day', 0)
    """
    data = dict(values)
    if "grading" in data:
        grading = data.pop("grading")
        if not _blank(grading):
            data["reliability"], data["credibility"] = parse_grading(str(grading))
    unknown = sorted(set(data) - set(RECORD_FIELDS))
    if unknown:
        raise ParameterError(f"unknown field(s) {', '.join(unknown)} in a log record")
    out: dict[str, Any] = {}
    for name, kind in RECORD_FIELDS.items():
        value = data.get(name)
        if _blank(value):
            if name in _REQUIRED:
                raise ParameterError(f"{name} is required in a log record")
            out[name] = _DEFAULTS.get(name, "" if kind is str else None)
            continue
        if name == "event_date":
            out[name] = _as_date(value)
        elif kind is int:
            out[name] = _as_int(name, value)
        elif kind is float:
            out[name] = _as_float(name, value)
        else:
            out[name] = str(value).strip()
    if out["event_type"] == "":
        out["event_type"] = out["category"]
    _check(out)
    return out


def _check(r: dict[str, Any]) -> None:
    if not -180 <= r["lon"] <= 180 or not -90 <= r["lat"] <= 90:
        raise ParameterError(f"lon/lat {r['lon']}, {r['lat']} are outside -180..180 / -90..90")
    if r["category"] not in CATEGORIES:
        raise ParameterError(f"category {r['category']!r} is not one of {', '.join(CATEGORIES)}")
    if r["date_precision"] not in DATE_PRECISIONS:
        raise ParameterError(
            f"date_precision {r['date_precision']!r} is not one of {', '.join(DATE_PRECISIONS)}"
        )
    for name in ("fatalities", "victims"):
        if r[name] < 0:
            raise ParameterError(f"{name} {r[name]} is negative")
    if r["geo_precision"] not in (1, 2, 3):
        raise ParameterError(f"geo_precision {r['geo_precision']} is not 1, 2 or 3")
    r["reliability"] = r["reliability"].upper()
    if r["reliability"] not in RELIABILITY:
        raise ParameterError(f"reliability {r['reliability']!r} is not a letter A-F")
    if r["credibility"] not in CREDIBILITY:
        raise ParameterError(f"credibility {r['credibility']} is not a digit 1-6")


def from_canonical(incidents: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Turn canonical incidents (a reader's output) into log records for an import.

    Parameters
    ----------
    incidents : GeoDataFrame
        :data:`geo.schema.CANONICAL_COLUMNS`, EPSG:4326 points.

    Returns
    -------
    list of dict
        One normalised record per row; ``origin`` keeps the source, its event id,
        the file and the row, so the import can be traced to the file.
    """
    pts = incidents.geometry
    dates = pd.to_datetime(incidents["event_date"])
    records = []
    for i, row in enumerate(incidents.itertuples(index=False)):
        origin = f"{row.source}:{row.event_id} {row.source_file} row {row.source_row}"
        records.append(
            normalise_record(
                {
                    "event_date": dates.iloc[i].date(),
                    "date_precision": row.date_precision,
                    "category": row.category,
                    "event_type": row.event_type,
                    "sub_event_type": row.sub_event_type,
                    "actor1": row.actor1,
                    "actor2": row.actor2,
                    "fatalities": row.fatalities,
                    "location": row.location,
                    "country": row.country,
                    "admin1": row.admin1,
                    "admin2": row.admin2,
                    "geo_precision": row.geo_precision,
                    "lon": pts.iloc[i].x,
                    "lat": pts.iloc[i].y,
                    "notes": row.notes,
                    "source_url": row.source_url,
                    "report_source": row.source,
                    "origin": origin,
                }
            )
        )
    return records


def to_incidents(rows: Iterable[Mapping[str, Any]], *, log_name: str) -> gpd.GeoDataFrame:
    """Turn current log records into canonical incidents (source ``log``).

    Parameters
    ----------
    rows : iterable of Mapping
        Current records with :data:`META_FIELDS` and :data:`RECORD_FIELDS`.
    log_name : str
        Shown as ``source_file`` (the log's file name or database name, no path
        and no password).

    Returns
    -------
    GeoDataFrame
        :data:`geo.schema.CANONICAL_COLUMNS`, EPSG:4326; ``event_id`` is
        ``log-<incident_id>``, ``source_row`` the incident id; ``precise`` is
        ``geo_precision`` 1 (a place clicked or a town named, as the news log's
        ``town``); 2 (near a place) and 3 (an area) are imprecise.
    """
    rows = list(rows)
    frame = pd.DataFrame(rows, columns=[*META_FIELDS, *RECORD_FIELDS])
    geo_precision = frame["geo_precision"].fillna(1).astype("int64")
    out = pd.DataFrame(
        {
            "event_id": "log-" + frame["incident_id"].astype("int64").astype(str),
            "source": "log",
            "event_date": pd.to_datetime(frame["event_date"]).astype("datetime64[ns]"),
            "date_precision": frame["date_precision"],
            "event_type": frame["event_type"],
            "sub_event_type": frame["sub_event_type"].fillna(""),
            "actor1": frame["actor1"].fillna(""),
            "actor2": frame["actor2"].fillna(""),
            "fatalities": frame["fatalities"].fillna(0).astype("int64"),
            "location": frame["location"].fillna(""),
            "country": frame["country"].fillna(""),
            "admin1": frame["admin1"].fillna(""),
            "admin2": frame["admin2"].fillna(""),
            "geo_precision": geo_precision,
            "precise": geo_precision == 1,
            "between_a": "",
            "between_b": "",
            "category": frame["category"],
            "category_rule": "table",
            "notes": frame["notes"].fillna(""),
            "source_url": frame["source_url"].fillna(""),
            "source_file": log_name,
            "source_row": frame["incident_id"].astype("int64"),
        }
    )
    geometry = shapely.points(frame["lon"].astype(float), frame["lat"].astype(float))
    return gpd.GeoDataFrame(out[CANONICAL_COLUMNS[:-1]], geometry=geometry, crs=WGS84)
