"""Corridor route exposure: cut routes into segments, score each by nearby incidents, summarise.

The steps are :func:`segment_routes` (kilometre marks measured on the WGS84
ellipsoid, geometry in :data:`geo.crs.METRIC_CRS`), :func:`segment_exposure`
(one bulk ``STRtree`` query in the metric CRS), then :func:`route_summary`,
:func:`worst_stretches`, :func:`compare_alternatives` and :func:`what_changed`,
or all of them at once with :func:`route_report`. The weighting formula lives
in :func:`exposure_contributions` and is shared with :mod:`geo.sites`.

Scores are *incident exposure*: the reported incidents near a road over a stated
window and from stated sources. They say nothing about incidents that were not
reported, and never that a road is "safe".
"""

from __future__ import annotations

import json
import math
import sqlite3
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike
from pyproj import Geod, Transformer

from geo.crs import METRIC_CRS, WGS84, require_metric
from geo.errors import CRSError, InputFileError, ParameterError
from geo.schema import SOURCE_LABELS
from geo.settings import DEFAULTS

__all__ = [
    "analysis_record",
    "check_exposure_options",
    "check_positive",
    "DISTANCE_DECAYS",
    "EXPOSURE_CLASSES",
    "EXPOSURE_CLASS_BREAKS",
    "RouteReport",
    "classify_exposure",
    "compare_alternatives",
    "exposure_contributions",
    "format_route_report",
    "parse_date",
    "read_routes",
    "route_report",
    "route_summary",
    "segment_exposure",
    "segment_routes",
    "select_incidents",
    "type_weight_of",
    "what_changed",
    "worst_stretches",
]

GEOD = Geod(ellps="WGS84")

#: Exposure classes, lowest first.
EXPOSURE_CLASSES: tuple[str, ...] = ("low", "medium", "high", "critical")

#: Lower bounds of ``medium``, ``high`` and ``critical`` on incident exposure per km.
#: One unit is one incident of full type weight (a convoy attack or an abduction),
#: dated on the analysis day, on the road itself. See :func:`classify_exposure`.
EXPOSURE_CLASS_BREAKS: tuple[float, float, float] = (0.25, 1.0, 3.0)

#: Allowed values of ``distance_decay``, each with its kernel (d in km, b = buffer).
DISTANCE_DECAYS: dict[str, str] = {
    "linear": "max(0, 1 - d / b): 1 at the road, 0 at the buffer edge",
    "gaussian": "exp(-0.5 * (d / (b / 2)) ** 2), cut at the buffer edge",
    "none": "1 for every incident within the buffer",
}

_GPKG_APPLICATION_IDS = {0x47504B47, 0x47503130, 0x47503131}  # 'GPKG', 'GP10', 'GP11'
_INCIDENT_COLUMNS = ("event_date", "category", "precise", "source")
_ROUTE_INFO_COLUMNS = ("label", "group", "origin", "destination", "published_km")
_LIMITS = (
    "Counts show reported incidents only: many locations are town-level, events carry "
    "no time of day, and news-based logs are incomplete."
)


# --------------------------------------------------------------------------- checks


def check_positive(name: str, value: object, *, minimum: float = 0.0) -> float:
    """Return ``value`` as a float, or raise when it is not a finite number above ``minimum``.

    Parameters
    ----------
    name : str
        Option name for the message (``buffer_km``, ``--radius-km``, ...).
    value : object
        The value given.
    minimum : float
        Exclusive lower bound.

    Returns
    -------
    float
        The value.

    Raises
    ------
    ParameterError
        If ``value`` is not a finite number above ``minimum``.

    Examples
    --------
    >>> check_positive("buffer_km", "-3")
    Traceback (most recent call last):
    ...
    geo.errors.ParameterError: `buffer_km` was '-3'; it must be a finite number above 0.
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(f"`{name}` was {value!r}; give a number above {minimum:g}.") from None
    if not math.isfinite(number) or number <= minimum:
        raise ParameterError(
            f"`{name}` was {value!r}; it must be a finite number above {minimum:g}."
        )
    return number


def check_exposure_options(
    *,
    half_life_days: object,
    distance_decay: str,
    type_weights: Mapping[str, float],
) -> tuple[float, str, dict[str, float]]:
    """Validate the options shared by route and site exposure.

    Parameters
    ----------
    half_life_days : float
        Must be a finite number above 0.
    distance_decay : str
        One of :data:`DISTANCE_DECAYS`.
    type_weights : Mapping[str, float]
        Every weight a finite number >= 0 (exposure is never negative).

    Returns
    -------
    half_life_days, distance_decay, type_weights
        The checked values (weights as a plain dict of floats).

    Raises
    ------
    ParameterError
        Naming the option, the value and what is allowed.
    """
    half_life = check_positive("half_life_days", half_life_days)
    if distance_decay not in DISTANCE_DECAYS:
        raise ParameterError(
            f'`distance_decay` was "{distance_decay}" but is expected to be in '
            f"{list(DISTANCE_DECAYS)}."
        )
    bad = {}
    for key, value in dict(type_weights).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not math.isfinite(number) or number < 0:
            bad[key] = value
    if bad:
        raise ParameterError(
            f"`type_weights` has weights that are not finite numbers >= 0: {bad}; "
            "exposure must never be negative, so give each category a weight >= 0."
        )
    weights = {str(k): float(v) for k, v in dict(type_weights).items()}
    return half_life, distance_decay, weights


def parse_date(value: object, *, what: str = "as_of") -> pd.Timestamp | None:
    """Return ``value`` as a day-resolution timestamp, or None when it is None.

    Parameters
    ----------
    value : str, date, datetime, Timestamp, numpy.datetime64 or None
        A date; strings must be ISO ``YYYY-MM-DD``.
    what : str
        Name of the option, for the message.

    Returns
    -------
    pandas.Timestamp or None
        Midnight of that day.

    Raises
    ------
    ParameterError
        If ``value`` is not a date.

    Examples
    --------
    >>> parse_date("2025-03-01")
    Timestamp('2025-03-01 00:00:00')
    >>> parse_date("2025-02-30", what="--as-of")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.ParameterError: --as-of was '2025-02-30': not a valid date; use YYYY-MM-DD...
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            stamp = pd.Timestamp(datetime.strptime(value.strip(), "%Y-%m-%d"))
        except ValueError:
            stamp = None
    elif isinstance(value, datetime | date | pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        stamp = None if pd.isna(stamp) else stamp
    else:
        stamp = None
    if stamp is None:
        raise ParameterError(
            f"{what} was {value!r}: not a valid date; use YYYY-MM-DD, e.g. 2025-03-01."
        )
    return stamp.tz_localize(None).normalize() if stamp.tzinfo else stamp.normalize()


# --------------------------------------------------------------------------- formula


def classify_exposure(
    values: ArrayLike, *, breaks: tuple[float, float, float] = EXPOSURE_CLASS_BREAKS
) -> np.ndarray:
    """Class incident exposure per km as ``low``, ``medium``, ``high`` or ``critical``.

    Parameters
    ----------
    values : array-like of float
        Incident exposure per km (:func:`segment_exposure`) or a site score
        (:func:`geo.sites.site_exposure`); both count weighted, decayed incidents.
    breaks : tuple of three floats
        Lower bounds of ``medium``, ``high`` and ``critical`` (increasing).

    Returns
    -------
    numpy.ndarray of str
        One class per value; a value on a break gets the upper class.

    Raises
    ------
    ParameterError
        If ``breaks`` are not three increasing positive numbers.

    Notes
    -----
    The breaks are fixed, not quantiles, so a class means the same thing on every
    route, date and data set (quantile classes would call the least exposed tenth
    of any route "high" once the whole route is exposed, and vice versa). One unit
    of exposure is one incident of full type weight (an attack on a convoy or an
    abduction) on the analysis day, on the road itself. With the defaults
    (linear decay over 25 km, 90-day half-life):

    - ``low`` (< 0.25): nothing recent and close; e.g. one such incident more
      than six months ago, or a protest nearby.
    - ``medium`` (0.25-1): less than one fresh on-road equivalent; e.g. one
      convoy attack 10 km away last month (0.6 x 0.79 = 0.47).
    - ``high`` (1-3): one to three fresh on-road equivalents: a recent attack at
      the road, or several nearby within a season.
    - ``critical`` (>= 3): a recent cluster: three or more such incidents' worth.

    Examples
    --------
    >>> classify_exposure([0.0, 0.25, 0.99, 1.0, 3.0]).tolist()
    ['low', 'medium', 'medium', 'high', 'critical']
    """
    b = np.asarray(breaks, dtype=float)
    if b.shape != (3,) or not np.all(np.isfinite(b)) or np.any(b <= 0) or np.any(np.diff(b) <= 0):
        raise ParameterError(
            f"`breaks` was {breaks!r}; give three increasing positive numbers "
            "(lower bounds of medium, high and critical)."
        )
    v = np.nan_to_num(np.asarray(values, dtype=float))
    return np.asarray(EXPOSURE_CLASSES, dtype=object)[np.searchsorted(b, v, side="right")]


def exposure_contributions(
    type_weight: np.ndarray,
    distance_km: np.ndarray,
    age_days: np.ndarray,
    *,
    radius_km: float | np.ndarray,
    half_life_days: float,
    distance_decay: str,
) -> np.ndarray:
    """Weight of each incident-to-place pair: type weight x distance decay x age decay.

    Parameters
    ----------
    type_weight : numpy.ndarray of float
        Weight of each pair's incident category (>= 0).
    distance_km : numpy.ndarray of float
        Distance from the incident to the segment or site, km.
    age_days : numpy.ndarray of float
        Days from the incident to the analysis date (>= 0).
    radius_km : float or numpy.ndarray
        Buffer (route) or radius (site) in km; an array gives one per pair.
    half_life_days : float
        Age at which the weight halves, days.
    distance_decay : {"linear", "gaussian", "none"}
        Kernel over distance, see :data:`DISTANCE_DECAYS`.

    Returns
    -------
    numpy.ndarray of float
        The contributions, each >= 0; 0 beyond ``radius_km``.

    Notes
    -----
    contribution = w(category) · k(d) · 0.5 ** (age / half_life_days), with
    k(d) = max(0, 1 - d/b) (linear), exp(-½ (d / (b/2))²) (gaussian) or 1 (none)
    for d <= b, and 0 beyond b.

    Examples
    --------
    >>> exposure_contributions(
    ...     np.array([1.0]), np.array([10.0]), np.array([90.0]),
    ...     radius_km=25.0, half_life_days=90.0, distance_decay="linear",
    ... ).round(6).tolist()
    [0.3]
    """
    if distance_decay not in DISTANCE_DECAYS:
        raise ParameterError(
            f'`distance_decay` was "{distance_decay}" but is expected to be in '
            f"{list(DISTANCE_DECAYS)}."
        )
    d = np.asarray(distance_km, dtype=float)
    b = np.asarray(radius_km, dtype=float)
    if distance_decay == "linear":
        kernel = np.clip(1.0 - d / b, 0.0, 1.0)
    elif distance_decay == "gaussian":
        kernel = np.exp(-0.5 * (d / (b / 2.0)) ** 2)
    else:
        kernel = np.ones_like(d)
    kernel = np.where(d <= b, kernel, 0.0)
    age = np.maximum(np.asarray(age_days, dtype=float), 0.0)
    return np.asarray(type_weight, dtype=float) * kernel * np.exp2(-age / half_life_days)


# --------------------------------------------------------------------------- incidents


def select_incidents(
    incidents: gpd.GeoDataFrame,
    *,
    as_of: object = None,
    include_imprecise: bool = False,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Keep the incidents a point analysis may use at ``as_of`` and count the rest by reason.

    Parameters
    ----------
    incidents : GeoDataFrame
        Canonical incidents (:mod:`geo.schema`), any CRS (EPSG:4326 as the
        readers give them); needs ``event_date``, ``category``, ``precise`` and
        ``source``.
    as_of : date-like, optional
        Analysis date; incidents dated after it are left out. Default: the
        newest ``event_date`` in ``incidents``.
    include_imprecise : bool
        Keep events whose location is not their own place (``precise`` False).

    Returns
    -------
    kept : GeoDataFrame
        The rows kept (a copy, original index and CRS).
    meta : dict
        ``as_of`` (Timestamp or None), ``n_input``, ``n_used``,
        ``n_left_out_no_location``, ``n_left_out_no_date``, ``n_after_as_of``,
        ``n_left_out_imprecise``, ``sources`` (sorted codes of the kept rows),
        ``window_from``/``window_to`` (Timestamps or None). Each left-out event
        is counted once, under the first reason in that order.

    Raises
    ------
    InputFileError
        If a required column is missing.
    CRSError
        If ``incidents`` has no CRS.
    ParameterError
        If ``as_of`` is not a date.
    """
    missing = [c for c in _INCIDENT_COLUMNS if c not in incidents.columns]
    if missing:
        raise InputFileError(
            f"incidents: missing column(s) {missing} (found {list(incidents.columns)}); "
            "read the file with geo.readers.read_incidents(...) to get canonical incidents."
        )
    if incidents.crs is None:
        raise CRSError("incidents has no CRS; canonical incidents are EPSG:4326 (lon/lat).")
    geom = incidents.geometry.values
    x, y = shapely.get_x(geom), shapely.get_y(geom)
    no_location = ~(np.isfinite(x) & np.isfinite(y))
    dates = pd.to_datetime(incidents["event_date"]).dt.normalize()
    no_date = dates.isna().to_numpy() & ~no_location
    stamp = parse_date(as_of)
    if stamp is None and dates.notna().any():
        stamp = pd.Timestamp(dates.max())
    after = np.zeros(len(incidents), dtype=bool)
    if stamp is not None:
        after = (dates > stamp).to_numpy() & ~no_location & ~no_date
    precise = incidents["precise"].fillna(False).astype(bool).to_numpy()
    imprecise = ~precise & ~no_location & ~no_date & ~after & (not include_imprecise)
    keep = ~(no_location | no_date | after | imprecise)
    kept = incidents.loc[keep].copy()
    kept_dates = dates[keep]
    meta: dict[str, Any] = {
        "as_of": stamp,
        "n_input": len(incidents),
        "n_used": int(keep.sum()),
        "n_left_out_no_location": int(no_location.sum()),
        "n_left_out_no_date": int(no_date.sum()),
        "n_after_as_of": int(after.sum()),
        "n_left_out_imprecise": int(imprecise.sum()),
        "include_imprecise": bool(include_imprecise),
        "sources": sorted(str(s) for s in pd.unique(kept["source"].dropna())),
        "window_from": pd.Timestamp(kept_dates.min()) if len(kept) else None,
        "window_to": stamp,
    }
    return kept, meta


def _left_out_text(meta: Mapping[str, Any]) -> str:
    parts = []
    if meta.get("n_left_out_imprecise"):
        parts.append(
            f"{meta['n_left_out_imprecise']:,} with imprecise locations (area centroids or "
            "approximate places; point analyses use precise locations unless asked)"
        )
    if meta.get("n_after_as_of"):
        parts.append(f"{meta['n_after_as_of']:,} dated after the analysis date")
    if meta.get("n_left_out_no_date"):
        parts.append(f"{meta['n_left_out_no_date']:,} without a date")
    if meta.get("n_left_out_no_location"):
        parts.append(f"{meta['n_left_out_no_location']:,} without a location")
    if not parts:
        return "Left out: none."
    return "Left out: " + "; ".join(parts) + "."


def _json_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Meta with dates as ISO strings, so it fits in ``.attrs`` and JSON."""
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if isinstance(value, pd.Timestamp):
            out[key] = value.date().isoformat()
        elif value is None or isinstance(value, str | bool | int | float | list | dict):
            out[key] = value
        else:
            out[key] = value.item() if hasattr(value, "item") else str(value)
    return out


def analysis_record(meta: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    """Build the record each exposure result keeps in ``.attrs``: window, sources, left out.

    Parameters
    ----------
    meta : Mapping
        The second value of :func:`select_incidents`.
    **fields
        Parameters and figures to add (``buffer_km``, ``radius_km``, ...).

    Returns
    -------
    dict
        JSON-ready (dates as ISO strings): ``meta`` and ``fields``, plus
        ``window`` ("<first used> to <as_of>", or "none used up to <as_of>"),
        ``left_out`` (a sentence saying how
        many events were left out and why) and ``limits`` (what the data cannot
        show).
    """
    record = _json_meta({**meta, **fields})
    record["left_out"] = _left_out_text(meta)
    record["limits"] = _LIMITS
    if not record.get("window_to"):
        record["window"] = "no dated incidents"
    elif not record.get("window_from"):
        record["window"] = f"none used up to {record['window_to']}"
    else:
        record["window"] = f"{record['window_from']} to {record['window_to']}"
    return record


# --------------------------------------------------------------------------- segments


def _route_lines(routes: gpd.GeoDataFrame) -> tuple[np.ndarray, list[str]]:
    """Validate the route layer; return LineStrings in EPSG:4326 and the route ids."""
    problems = []
    if "route_id" not in routes.columns:
        raise InputFileError(
            f"routes: no 'route_id' column (found {list(routes.columns)}); "
            "give each route line a unique route_id."
        )
    if routes.crs is None:
        raise CRSError("routes has no CRS; set one with .set_crs(...) (EPSG:4326 for lon/lat).")
    ids = routes["route_id"]
    if ids.isna().any() or (ids.astype(str).str.strip() == "").any():
        problems.append("some rows have an empty route_id")
    dup = sorted(set(ids[ids.duplicated()].astype(str)))
    if dup:
        problems.append(f"route_id values repeat: {dup}")
    geoms = routes.geometry.to_crs(WGS84).values
    geoms = np.asarray(geoms, dtype=object)
    multi = shapely.get_type_id(geoms) == 5
    if multi.any():
        geoms = geoms.copy()
        geoms[multi] = shapely.line_merge(geoms[multi])
    kinds = shapely.get_type_id(geoms)
    bad = [str(r) for r, k, g in zip(ids, kinds, geoms, strict=True) if k != 1 or g is None]
    if bad:
        problems.append(
            f"routes {bad} are not one continuous line (LineString, or a MultiLineString "
            "whose parts join end to end)"
        )
    empty = [
        str(r) for r, g in zip(ids, geoms, strict=True) if g is not None and shapely.is_empty(g)
    ]
    if empty:
        problems.append(f"routes {empty} have empty geometry")
    if problems:
        raise InputFileError("routes: " + "; ".join(problems) + ".")
    return geoms, [str(r) for r in ids]


def _interpolate(
    cum_m: np.ndarray,
    xy: np.ndarray,
    lonlat: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    route: np.ndarray,
    at_m: np.ndarray,
    key_v: np.ndarray,
    offset: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Points at geodesic distances ``at_m`` along routes ``route`` (metric xy, lon/lat)."""
    j = np.searchsorted(key_v, at_m + offset[route], side="right") - 1
    j = np.clip(j, first[route], last[route] - 1)
    span = cum_m[j + 1] - cum_m[j]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(span > 0, (at_m - cum_m[j]) / span, 0.0)
    frac = np.clip(frac, 0.0, 1.0)[:, None]
    return xy[j] + frac * (xy[j + 1] - xy[j]), lonlat[j] + frac * (lonlat[j + 1] - lonlat[j])


def segment_routes(
    routes: gpd.GeoDataFrame,
    *,
    segment_km: float = DEFAULTS.segment_km,
    towns: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Cut each route into consecutive segments of ``segment_km``, measured from its origin.

    Parameters
    ----------
    routes : GeoDataFrame
        One row per route, any CRS (EPSG:4326 as :func:`geo.bundled.load_routes`
        gives them): ``route_id`` (unique) and a LineString oriented from the
        origin (a MultiLineString whose parts join end to end is merged).
    segment_km : float
        Segment length in km along the road (> 0.05); the last segment of a
        route is shorter.
    towns : GeoDataFrame, optional
        Town points with a ``name`` column, any CRS; fills ``nearest_town``.

    Returns
    -------
    GeoDataFrame
        In :data:`geo.crs.METRIC_CRS`, one row per segment (RangeIndex), in route
        order then along each route: ``route_id``, ``segment`` (0-based),
        ``km_from``, ``km_to``, ``length_km``, ``nearest_town`` (town nearest to
        the segment's middle; ``""`` without towns), ``nearest_town_km``
        (geodesic, km; NaN without towns) and ``geometry``. ``attrs`` holds
        ``segment_km``.

    Raises
    ------
    InputFileError
        If ``route_id`` is missing, empty or repeated, or a geometry is not one
        continuous line; if ``towns`` lacks ``name``.
    CRSError
        If ``routes`` or ``towns`` has no CRS.
    ParameterError
        If ``segment_km`` is not a number above 0.05.

    Notes
    -----
    Kilometres are geodesic on the WGS84 ellipsoid (:class:`pyproj.Geod`, per
    vertex pair), so ``km_to`` of a route's last segment equals its geodesic
    length. Break points are placed by that distance and interpolated linearly
    between vertices in the metric CRS, whose scale differs from the geodesic
    by at most 0.33 % over the corridors, so each segment's metric length is
    within that of ``length_km``. Everything is vectorised (numpy, shapely):
    cost grows with vertices plus segments; all four corridors at 1 km take
    tens of milliseconds.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> line = gpd.GeoDataFrame(  # synthetic: 0.1° of longitude along 12° N
    ...     {"route_id": ["test"]}, geometry=[LineString([(-8.1, 12.0), (-8.0, 12.0)])],
    ...     crs=4326)
    >>> seg = segment_routes(line, segment_km=5.0)
    >>> seg[["segment", "km_from", "km_to"]].round(2).values.tolist()
    [[0.0, 0.0, 5.0], [1.0, 5.0, 10.0], [2.0, 10.0, 10.89]]
    """
    step_km = check_positive("segment_km", segment_km, minimum=0.05)
    lines, ids = _route_lines(routes)
    lonlat, vid = shapely.get_coordinates(lines, return_index=True)
    n_routes = len(lines)
    to_metric = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
    xy = np.column_stack(to_metric.transform(lonlat[:, 0], lonlat[:, 1]))

    # geodesic length of each vertex pair, zero across route boundaries
    same = vid[1:] == vid[:-1]
    pair_m = np.zeros(len(vid) - 1)
    if same.any():
        pair_m[same] = GEOD.inv(
            lonlat[:-1, 0][same], lonlat[:-1, 1][same], lonlat[1:, 0][same], lonlat[1:, 1][same]
        )[2]
    counts = np.bincount(vid, minlength=n_routes)
    last = np.cumsum(counts) - 1
    first = last - counts + 1
    run = np.concatenate([[0.0], np.cumsum(pair_m)])
    cum_m = run - run[first][vid]  # distance from each route's origin
    length_m = cum_m[last]
    if np.any(length_m <= 0):
        flat = [ids[i] for i in np.flatnonzero(length_m <= 0)]
        raise InputFileError(
            f"routes {flat} have zero length; each route needs two distinct points."
        )
    # strictly increasing key over all vertices so one searchsorted serves every route
    offset = np.concatenate([[0.0], np.cumsum(length_m + 1.0)[:-1]])
    key_v = cum_m + offset[vid]

    step_m = step_km * 1000.0
    n_seg = np.maximum(1, np.ceil(length_m / step_m - 1e-9).astype(int))
    seg_route = np.repeat(np.arange(n_routes), n_seg)
    seg_first = np.cumsum(n_seg) - n_seg
    seg_k = np.arange(len(seg_route)) - seg_first[seg_route]
    from_m = seg_k * step_m
    to_m = np.minimum(from_m + step_m, length_m[seg_route])

    start_xy, _ = _interpolate(cum_m, xy, lonlat, first, last, seg_route, from_m, key_v, offset)
    end_xy, _ = _interpolate(cum_m, xy, lonlat, first, last, seg_route, to_m, key_v, offset)
    # interior vertices: strictly inside a segment (1 mm from its ends)
    inner = np.ones(len(vid), dtype=bool)
    inner[first] = False
    inner[last] = False
    k_v = np.minimum(np.floor(cum_m / step_m).astype(int), n_seg[vid] - 1)
    gap = cum_m - k_v * step_m
    inner &= (gap > 1e-3) & (cum_m < np.minimum((k_v + 1) * step_m, length_m[vid]) - 1e-3)
    n_total = len(seg_route)
    seg_of_inner = seg_first[vid[inner]] + k_v[inner]
    part_seg = np.concatenate([np.arange(n_total), seg_of_inner, np.arange(n_total)])
    part_order = np.concatenate([np.zeros(n_total), np.ones(inner.sum()), np.full(n_total, 2.0)])
    part_pos = np.concatenate([from_m, cum_m[inner], to_m])
    part_xy = np.concatenate([start_xy, xy[inner], end_xy])
    order = np.lexsort((part_pos, part_order, part_seg))
    geoms = shapely.linestrings(part_xy[order], indices=part_seg[order])

    out = gpd.GeoDataFrame(
        {
            "route_id": np.asarray(ids, dtype=object)[seg_route],
            "segment": seg_k.astype("int64"),
            "km_from": from_m / 1000.0,
            "km_to": to_m / 1000.0,
            "length_km": (to_m - from_m) / 1000.0,
            "nearest_town": "",
            "nearest_town_km": np.nan,
        },
        geometry=gpd.GeoSeries(geoms, crs=METRIC_CRS),
        crs=METRIC_CRS,
    )
    if towns is not None:
        mid_xy, mid_ll = _interpolate(
            cum_m, xy, lonlat, first, last, seg_route, (from_m + to_m) / 2.0, key_v, offset
        )
        names, dist_km = _nearest_towns(mid_xy, mid_ll, towns)
        out["nearest_town"] = names
        out["nearest_town_km"] = dist_km
    out.attrs = {"segment_km": step_km}
    return out


def _nearest_towns(
    xy: np.ndarray, lonlat: np.ndarray, towns: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Name of and geodesic distance (km) to the nearest town of each point."""
    if "name" not in towns.columns:
        raise InputFileError(f"towns: no 'name' column (found {list(towns.columns)}).")
    if towns.crs is None:
        raise CRSError("towns has no CRS; set one with .set_crs(...) (EPSG:4326 for lon/lat).")
    usable = towns[~(towns.geometry.isna() | towns.geometry.is_empty)]
    if usable.empty:
        return np.full(len(xy), "", dtype=object), np.full(len(xy), np.nan)
    town_m = np.asarray(usable.geometry.to_crs(METRIC_CRS).representative_point().values)
    town_ll = shapely.get_coordinates(usable.geometry.to_crs(WGS84).representative_point().values)
    tree = shapely.STRtree(town_m)
    pts, hit = tree.query_nearest(shapely.points(xy), all_matches=False)
    names = np.full(len(xy), "", dtype=object)
    dist = np.full(len(xy), np.nan)
    names[pts] = usable["name"].astype(str).to_numpy()[hit]
    dist[pts] = (
        GEOD.inv(lonlat[pts, 0], lonlat[pts, 1], town_ll[hit, 0], town_ll[hit, 1])[2] / 1000.0
    )
    return names, dist


# --------------------------------------------------------------------------- exposure


def segment_exposure(
    segments: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    buffer_km: float = DEFAULTS.buffer_km,
    half_life_days: float = DEFAULTS.half_life_days,
    as_of: object = None,
    type_weights: Mapping[str, float] = DEFAULTS.type_weights,
    distance_decay: str = DEFAULTS.distance_decay,
    include_imprecise: bool = DEFAULTS.include_imprecise,
) -> gpd.GeoDataFrame:
    """Incident exposure of each route segment: recent, close, serious incidents weigh most.

    Parameters
    ----------
    segments : GeoDataFrame
        Output of :func:`segment_routes`, in a metric CRS (metres).
    incidents : GeoDataFrame
        Canonical incidents (:mod:`geo.schema`), any CRS (reprojected to the
        segments' CRS).
    buffer_km : float
        Incidents within this distance of a segment count, km.
    half_life_days : float
        Age at which an incident's weight halves, days.
    as_of : date-like, optional
        Analysis date: ages count from it and later incidents are left out.
        Default: the newest ``event_date`` in ``incidents``.
    type_weights : Mapping[str, float]
        Weight (>= 0) of each category; a category not listed weighs 0.
    distance_decay : {"linear", "gaussian", "none"}
        ``linear``: 1 at the road, 0 at ``buffer_km``; ``gaussian``: sigma =
        ``buffer_km`` / 2, cut at ``buffer_km``; ``none``: 1 within the buffer.
    include_imprecise : bool
        Also use events whose location is not their own place (left out and
        counted by default).

    Returns
    -------
    GeoDataFrame
        ``segments`` (a copy, same index and CRS) plus ``n_incidents`` (incidents
        within ``buffer_km``), ``exposure_per_km``, ``exposure`` and
        ``exposure_class``. ``attrs`` holds the analysis record: ``as_of``,
        ``window``/``window_from``/``window_to``, ``sources``, ``n_used``,
        ``n_left_out_imprecise``, ``n_after_as_of``, ``n_left_out_no_date``,
        ``n_left_out_no_location``, ``n_unweighted`` (used incidents whose
        category has no weight), ``n_incidents_by_route`` (distinct incidents
        within the buffer of each route), the parameters and ``left_out`` (a
        sentence).

    Raises
    ------
    CRSError
        If ``segments`` is not in a metric CRS, or ``incidents`` has no CRS.
    ParameterError
        If a parameter is out of range or ``distance_decay`` is unknown.
    InputFileError
        If ``incidents`` lacks a canonical column.

    Notes
    -----
    For segment s, with w the type weight, k the distance kernel
    (:data:`DISTANCE_DECAYS`), d(s, i) the shortest distance from incident i to
    the segment and age_i = as_of - event_date_i in days::

        exposure_per_km(s) = sum over i with d(s, i) <= buffer_km of
                             w(category_i) · k(d(s, i)) · 0.5 ** (age_i / half_life_days)
        exposure(s)        = exposure_per_km(s) · length_km(s)

    The sum is the design's exposure formula. Each km of the segment is exposed
    to every incident within reach of the segment, so the sum is an exposure
    *per km of road*; multiplied by the segment's length it gives the exposure a
    vehicle accumulates along the segment. Sums of ``exposure`` over a stretch or
    a route are therefore comparable whatever ``segment_km`` was, and a short
    last segment is not inflated. Classes use :func:`classify_exposure` on
    ``exposure_per_km``.

    One ``STRtree.query(predicate="dwithin")`` over all segments, then one
    vectorised ``shapely.distance`` on the candidate pairs; memory and time grow
    with the number of (incident, segment) pairs within the buffer.
    """
    buffer_km = check_positive("buffer_km", buffer_km)
    half_life_days, distance_decay, weights = check_exposure_options(
        half_life_days=half_life_days, distance_decay=distance_decay, type_weights=type_weights
    )
    require_metric(segments, what="segments")
    missing = [c for c in ("route_id", "km_from", "km_to") if c not in segments.columns]
    if missing:
        raise InputFileError(
            f"segments: missing column(s) {missing}; build them with segment_routes(...)."
        )

    kept, meta = select_incidents(incidents, as_of=as_of, include_imprecise=include_imprecise)
    seg_geoms = np.asarray(segments.geometry.values)
    n_seg = len(seg_geoms)
    pts = _points_in(kept, segments.crs)
    tree = shapely.STRtree(seg_geoms)
    inc_idx, seg_idx = tree.query(pts, predicate="dwithin", distance=buffer_km * 1000.0)
    dist_km = shapely.distance(pts[inc_idx], seg_geoms[seg_idx]) / 1000.0

    type_w = type_weight_of(kept["category"], weights)
    as_of_stamp = meta["as_of"]
    if as_of_stamp is not None and len(kept):
        age = (as_of_stamp - pd.to_datetime(kept["event_date"]).dt.normalize()).dt.days
        age_days = age.to_numpy(dtype=float)
    else:
        age_days = np.zeros(len(kept))
    contrib = exposure_contributions(
        type_w[inc_idx],
        dist_km,
        age_days[inc_idx],
        radius_km=buffer_km,
        half_life_days=half_life_days,
        distance_decay=distance_decay,
    )
    per_km = np.bincount(seg_idx, weights=contrib, minlength=n_seg)
    n_near = np.bincount(seg_idx, minlength=n_seg)
    length_km = (segments["km_to"] - segments["km_from"]).to_numpy(dtype=float)

    route_codes, route_names = pd.factorize(segments["route_id"])
    per_route = _distinct_per_group(route_codes[seg_idx], inc_idx, len(route_names), len(kept))
    by_route = {str(r): int(c) for r, c in zip(route_names, per_route, strict=True)}

    out = segments.copy()
    out["n_incidents"] = n_near.astype("int64")
    out["exposure_per_km"] = per_km
    out["exposure"] = per_km * length_km
    out["exposure_class"] = classify_exposure(per_km)
    out.attrs = analysis_record(
        meta,
        analysis="route incident exposure",
        buffer_km=buffer_km,
        half_life_days=half_life_days,
        distance_decay=distance_decay,
        segment_km=segments.attrs.get("segment_km"),
        type_weights=weights,
        class_breaks=list(EXPOSURE_CLASS_BREAKS),
        n_unweighted=int((type_w == 0).sum()),
        n_incidents_by_route=by_route,
    )
    return out


def _points_in(kept: gpd.GeoDataFrame, crs: object) -> np.ndarray:
    """Return the kept incidents (finite points) as shapely points in ``crs``."""
    geoms = np.asarray(kept.geometry.values)
    if kept.crs.equals(crs):
        return geoms
    xy = shapely.get_coordinates(geoms)  # one row per point: select_incidents kept points only
    x, y = Transformer.from_crs(kept.crs, crs, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return shapely.points(x, y)


def _distinct_per_group(
    group: np.ndarray, item: np.ndarray, n_groups: int, n_items: int
) -> np.ndarray:
    """Count the distinct ``item`` values paired with each group (pairs may repeat)."""
    if n_groups * n_items <= 50_000_000:  # a boolean grid: no sort, at most 50 MB
        seen = np.zeros((n_groups, n_items), dtype=bool)
        seen[group, item] = True
        return seen.sum(axis=1)
    pair = np.unique(group.astype(np.int64) * n_items + item)
    return np.bincount(pair // n_items, minlength=n_groups)


def type_weight_of(categories: pd.Series, type_weights: Mapping[str, float]) -> np.ndarray:
    """Weight of each incident's category (0 for a category without a weight).

    Parameters
    ----------
    categories : Series of str
        The ``category`` column.
    type_weights : Mapping[str, float]
        Category -> weight (checked with :func:`check_exposure_options`).

    Returns
    -------
    numpy.ndarray of float
        One weight per row.

    Examples
    --------
    >>> type_weight_of(pd.Series(["abduction", "unrest", "unknown"]),
    ...                {"abduction": 1.0, "unrest": 0.1}).tolist()
    [1.0, 0.1, 0.0]
    """
    codes, uniques = pd.factorize(categories.astype(str))
    table = np.array([float(type_weights.get(str(u), 0.0)) for u in uniques] + [0.0])
    return table[codes]  # code -1 (missing) takes the trailing 0.0


# --------------------------------------------------------------------------- summaries


def _route_info(routes: gpd.GeoDataFrame | pd.DataFrame | None, ids: list[str]) -> pd.DataFrame:
    info = pd.DataFrame({"route_id": ids})
    if routes is None:
        routes = pd.DataFrame({"route_id": ids})
    if "route_id" not in routes.columns:
        raise InputFileError(f"routes: no 'route_id' column (found {list(routes.columns)}).")
    cols = ["route_id"] + [c for c in _ROUTE_INFO_COLUMNS if c in routes.columns]
    extra = pd.DataFrame(routes[cols]).astype({"route_id": str})
    info = info.merge(extra, on="route_id", how="left")
    for col in _ROUTE_INFO_COLUMNS:
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


def _fmt_km(value: float) -> str:
    return f"{value:,.0f}" if abs(value - round(value)) < 0.05 else f"{value:,.1f}"


def worst_stretches(
    exposure: gpd.GeoDataFrame | pd.DataFrame,
    *,
    n: int = 5,
    min_peak_per_km: float = 0.01,
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
                    "label": _stretch_label(town_from, town_to, km_from, km_to),
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


def _stretch_label(town_from: str, town_to: str, km_from: float, km_to: float) -> str:
    km = f"km {_fmt_km(km_from)}–{_fmt_km(km_to)}"
    if town_from and town_to and town_from != town_to:
        return f"{town_from} – {town_to}, {km}"
    if town_from or town_to:
        return f"near {town_from or town_to}, {km}"
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


def compare_alternatives(summary: pd.DataFrame) -> pd.DataFrame:
    """Side by side, the alternative routes of each ``group`` (same origin, same destination).

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`route_summary`.

    Returns
    -------
    DataFrame
        One row per route of every group with two or more routes, ordered by
        group then ``rank_in_group``: ``group``, ``origin``, ``route_id``,
        ``label``, ``length_km``, ``km_high_or_critical``, ``exposure_total``,
        ``mean_exposure_per_km``, ``max_exposure_per_km``, ``n_incidents``,
        ``rank_in_group`` (1 = least incident exposure over the whole trip) and
        ``exposure_vs_lowest`` (exposure_total minus the group's lowest).

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
    cols = [
        "group", "origin", "route_id", "label", "length_km", "km_high_or_critical",
        "exposure_total", "mean_exposure_per_km", "max_exposure_per_km", "n_incidents",
        "rank_in_group", "exposure_vs_lowest",
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
            ``<figure>_before`` and ``<figure>_change`` for each of
            :data:`SUMMARY_FIGURES`, and the record (``as_of``, ``as_of_before``,
            ``window``, ``sources``, left-out counts, ``limits``).
        """
        out = self.summary.copy()
        ranks = self.comparison.set_index("route_id")["rank_in_group"]
        out["rank_in_group"] = out["route_id"].map(ranks).astype("Int64")
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
                    "n_left_out_no_location"):  # fmt: skip
            out[key] = m.get(key, 0)
        out["limits"] = m.get("limits", _LIMITS)
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
            "meta": _json_meta(self.meta),
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
    change_days: int = 30,
    n_stretches: int = 5,
    buffer_km: float = DEFAULTS.buffer_km,
    half_life_days: float = DEFAULTS.half_life_days,
    as_of: object = None,
    type_weights: Mapping[str, float] = DEFAULTS.type_weights,
    distance_decay: str = DEFAULTS.distance_decay,
    include_imprecise: bool = DEFAULTS.include_imprecise,
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
    buffer_km, half_life_days, as_of, type_weights, distance_decay, include_imprecise
        As for :func:`segment_exposure`.

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
        "include_imprecise": include_imprecise,
    }
    now = segment_exposure(segments, incidents, as_of=as_of, **options)
    summary = route_summary(now, routes=routes, n_stretches=n_stretches)
    stamp = parse_date(now.attrs.get("as_of"))
    before_as_of = None if stamp is None else stamp - pd.Timedelta(days=int(change_days))
    if before_as_of is None:
        before = summary.copy()
    else:
        then = segment_exposure(segments, incidents, as_of=before_as_of, **options)
        before = route_summary(then, routes=routes, n_stretches=n_stretches)
    meta = dict(now.attrs)
    meta["as_of_before"] = before_as_of.date().isoformat() if before_as_of is not None else None
    meta["change_days"] = int(change_days)
    return RouteReport(
        exposure=now,
        summary=summary,
        stretches=worst_stretches(now, n=n_stretches),
        comparison=compare_alternatives(summary),
        changes=what_changed(summary, before),
        meta=meta,
    )


def _exp(value: float) -> str:
    """Format an exposure figure: two decimals, or two significant digits when small."""
    if value == 0 or abs(value) >= 0.01:
        return f"{value:,.2f}"
    return f"{value:.2g}"


def format_route_report(report: RouteReport) -> str:
    """Write a :class:`RouteReport` as plain text (``python -m geo exposure --summary``).

    Parameters
    ----------
    report : RouteReport
        Output of :func:`route_report`.

    Returns
    -------
    str
        The text: analysis record first (date, window, sources, what was left
        out and why, class breaks, limits), then each route, then the
        alternatives and the change since ``as_of_before``.
    """
    m = report.meta
    breaks = m.get("class_breaks", list(EXPOSURE_CLASS_BREAKS))
    sources = "; ".join(SOURCE_LABELS.get(s, s) for s in m.get("sources", [])) or "none"
    lines = [
        f"Route incident exposure as of {m.get('as_of') or 'n/a'}",
        f"Window: incidents dated {m.get('window', 'n/a')}; weights halve every "
        f"{m.get('half_life_days', 0):g} days; incidents within "
        f"{m.get('buffer_km', 0):g} km of the road count ({m.get('distance_decay')} "
        f"distance decay); segments of {m.get('segment_km') or 0:g} km.",
        f"Sources: {sources}. Incidents used: {m.get('n_used', 0):,}.",
        m.get("left_out", _left_out_text(m)),
        "Classes on incident exposure per km (1 = one convoy attack or abduction today, on "
        f"the road): low < {breaks[0]:g} <= medium < {breaks[1]:g} <= high < {breaks[2]:g} "
        "<= critical.",
        f"Limits: {m.get('limits', _LIMITS)}",
        "",
    ]
    for row in report.summary.itertuples(index=False):
        published = (
            f" (published {_fmt_km(row.published_km)} km)" if pd.notna(row.published_km) else ""
        )
        lines.append(f"{row.label} [{row.route_id}]: {_fmt_km(row.length_km)} km{published}")
        lines.append(
            "  km by class: "
            + ", ".join(f"{cls} {_fmt_km(getattr(row, f'km_{cls}'))}" for cls in EXPOSURE_CLASSES)
        )
        lines.append(
            f"  incident exposure per km: mean {_exp(row.mean_exposure_per_km)}, max "
            f"{_exp(row.max_exposure_per_km)}; whole route {_exp(row.exposure_total)}; "
            f"{row.n_incidents:,} incidents within {m.get('buffer_km', 0):g} km"
        )
        worst = report.stretches[report.stretches["route_id"] == row.route_id]
        if worst.empty:
            lines.append("  worst stretches: none (no incident exposure in the window)")
        else:
            lines.append("  worst stretches:")
            lines.extend(
                f"    {s.rank}. {s.label} ({s.exposure_class}, peak "
                f"{_exp(s.peak_exposure_per_km)} per km)"
                for s in worst.itertuples(index=False)
            )
    if not report.comparison.empty:
        lines += ["", "Alternatives (ranked by incident exposure over the whole trip):"]
        for group, alts in report.comparison.groupby("group", sort=True):
            origin = alts["origin"].iloc[0] or group
            lines.append(f"  from {origin}:")
            lines.extend(
                f"    {a.rank_in_group}. {a.label} [{a.route_id}]: whole trip "
                f"{_exp(a.exposure_total)}, per km {_exp(a.mean_exposure_per_km)}, "
                f"{_fmt_km(a.km_high_or_critical)} km high or critical"
                for a in alts.itertuples(index=False)
            )
    if m.get("as_of_before"):
        lines += [
            "",
            f"What changed since {m['as_of_before']} ({m.get('change_days')} days earlier):",
        ]
        ch = report.changes
        for route_id, rows in ch.groupby("route_id", sort=False):
            figs = rows.set_index("figure")
            hc_now = figs.loc[["km_high", "km_critical"], "now"].sum()
            hc_before = figs.loc[["km_high", "km_critical"], "before"].sum()
            mean = figs.loc["mean_exposure_per_km"]
            near = figs.loc["n_incidents"]
            lines.append(
                f"  {route_id}: mean per km {_exp(mean.before)} -> {_exp(mean.now)} "
                f"({'+' if mean.change >= 0 else '-'}{_exp(abs(mean.change))}); "
                f"km high or critical {_fmt_km(hc_before)} -> "
                f"{_fmt_km(hc_now)}; incidents within the buffer {near.before:,.0f} -> "
                f"{near.now:,.0f}"
            )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- reading


def read_routes(data: bytes, *, name: str) -> gpd.GeoDataFrame:
    """Read a user's route layer (GeoPackage or GeoJSON lines with ``route_id``) from bytes.

    Parameters
    ----------
    data : bytes
        File content; never a path (nothing reaches GDAL as a file name).
    name : str
        File name for messages.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one LineString per route, columns ``route_id`` and whichever
        of ``label``, ``group``, ``origin``, ``destination``, ``published_km``
        the file has (``label`` defaults to ``route_id``).

    Raises
    ------
    InputFileError
        If the content is not a GeoPackage or GeoJSON, a GeoJSON has a ``crs``
        member, the GeoPackage has several line layers, or the routes are not
        valid (see :func:`segment_routes`).
    """
    head = data[:16]
    if head.startswith(b"SQLite format 3\x00"):
        gdf = _read_gpkg_lines(data, name=name)
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        gdf = _read_geojson_lines(data, name=name)
    else:
        raise InputFileError(
            f"{name}: not a GeoPackage or GeoJSON file; give a .gpkg or .geojson line layer "
            "with a route_id column."
        )
    if gdf.crs is None:
        raise InputFileError(f"{name}: the layer has no CRS; save it with EPSG:4326.")
    gdf = gdf.to_crs(WGS84)
    if "route_id" in gdf.columns:
        gdf["route_id"] = gdf["route_id"].astype("string").str.strip().astype(object)
    try:
        lines, _ = _route_lines(gdf)
    except (InputFileError, CRSError) as exc:
        raise InputFileError(f"{name}: {exc}") from None
    minx, miny, maxx, maxy = shapely.total_bounds(lines)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InputFileError(
            f"{name}: coordinates fall outside lon -180..180, lat -90..90; "
            "check the layer's CRS (lon/lat order)."
        )
    keep = ["route_id"] + [c for c in _ROUTE_INFO_COLUMNS if c in gdf.columns]
    out = gpd.GeoDataFrame(gdf[keep].copy(), geometry=gpd.GeoSeries(lines, crs=WGS84), crs=WGS84)
    if "label" not in out.columns:
        out["label"] = out["route_id"]
    return out.reset_index(drop=True)


def _read_geojson_lines(data: bytes, *, name: str) -> gpd.GeoDataFrame:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(
            f"{name}: not valid GeoJSON ({exc.__class__.__name__}: {exc})."
        ) from None
    if not isinstance(doc, dict):
        raise InputFileError(f"{name}: GeoJSON must be a FeatureCollection or a Feature.")
    if "crs" in doc:
        raise InputFileError(
            f"{name}: GeoJSON 'crs' members are not accepted (RFC 7946 §4); remove it and "
            "store lon/lat WGS84 coordinates."
        )
    features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    if doc.get("type") not in ("FeatureCollection", "Feature") or not isinstance(features, list):
        raise InputFileError(f"{name}: GeoJSON must be a FeatureCollection or a Feature.")
    try:
        return gpd.GeoDataFrame.from_features(features, crs=WGS84)
    except (TypeError, ValueError, KeyError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise InputFileError(f"{name}: a feature could not be read ({exc}).") from None


def _read_gpkg_lines(data: bytes, *, name: str) -> gpd.GeoDataFrame:
    import pyogrio  # geo is imported first, so the driver allowlist is in place

    with tempfile.TemporaryDirectory(prefix="riskmap-routes-") as tmp:
        path = Path(tmp) / "routes.gpkg"  # our own file name: the user's never reaches GDAL
        path.write_bytes(data)
        try:
            con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
            try:
                (app_id,) = con.execute("PRAGMA application_id").fetchone()
                rows = con.execute(
                    "SELECT c.table_name, m.type FROM gpkg_contents c LEFT JOIN sqlite_master m "
                    "ON m.name = c.table_name WHERE c.data_type = 'features'"
                ).fetchall()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise InputFileError(f"{name}: not a readable GeoPackage ({exc}).") from None
        if app_id not in _GPKG_APPLICATION_IDS or any(kind != "table" for _, kind in rows):
            raise InputFileError(
                f"{name}: not a plain GeoPackage (SQL views or another SQLite database are "
                "refused); export the routes as a GeoPackage table."
            )
        try:
            layers = [(str(n), str(g)) for n, g in pyogrio.list_layers(path)]
            lines = [n for n, g in layers if "LineString" in g and n in {r for r, _ in rows}]
            if len(lines) != 1:
                raise InputFileError(
                    f"{name}: expected one line layer, found {len(lines)} "
                    f"({[n for n, _ in layers]}); keep only the route layer."
                )
            return pyogrio.read_dataframe(path, layer=lines[0])
        except InputFileError:
            raise
        except Exception as exc:  # GDAL raises its own error types for broken files
            msg = str(exc).replace(str(path), "<file>")[:160]
            raise InputFileError(f"{name}: the GeoPackage could not be read ({msg}).") from None
