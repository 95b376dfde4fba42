"""Incident exposure: the weighting formula, type weights, classes, and route segment exposure.

:func:`exposure_contributions` is the formula (type weight x distance decay x
age decay) shared by route segments (:func:`segment_exposure`) and sites
(:mod:`geo.sites`); :func:`classify_exposure` classes the result with fixed
breaks; :func:`select_incidents` keeps the incidents an analysis may use and
counts the rest, and :func:`analysis_record` writes what was used, left out and
why.

Scores are *incident exposure*: the reported incidents near a road over a stated
window and from stated sources. They say nothing about incidents that were not
reported, and never that a road is "safe".
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from numpy.typing import ArrayLike
from pyproj import Transformer

from geo.checks import (
    check_distance_decay,
    check_exposure_options,
    check_imprecise,
    check_positive,
    parse_date,
)
from geo.crs import METRIC_CRS, require_metric
from geo.errors import CRSError, InputFileError, ParameterError
from geo.i18n import Translator, gettext_noop, translator
from geo.provenance import LEFT_OUT_REASONS, left_out_sentence
from geo.settings import DEFAULTS
from geo.spread import (
    SPREAD_COLUMNS,
    SPREAD_KINDS,
    Spread,
    SpreadLayers,
    bundled_spread_layers,
    spread_areas,
)

#: The default language of the record's sentences (callers pass ``tr`` for another).
_EN: Translator = translator()

__all__ = [
    "SPREAD_SENTENCES",
    "note_text",
    "spread_sentence",
    "window_text",
    "EXPOSURE_CLASSES",
    "EXPOSURE_CLASS_BREAKS",
    "LIMITS",
    "event_weights",
    "points_in",
    "READ_COLUMNS",
    "read_columns",
    "split_imprecise",
    "spread_of",
    "spread_pairs",
    "spread_record",
    "analysis_record",
    "classify_exposure",
    "exposure_contributions",
    "left_out_text",
    "json_meta",
    "segment_exposure",
    "segment_exposure_change",
    "select_incidents",
    "type_weight_of",
]

#: Exposure classes, lowest first.
EXPOSURE_CLASSES: tuple[str, ...] = ("low", "medium", "high", "critical")

#: Lower bounds of ``medium``, ``high`` and ``critical`` on incident exposure per km.
#: One unit is one incident of full type weight (a convoy attack or an abduction),
#: dated on the analysis day, on the road itself. See :func:`classify_exposure`.
EXPOSURE_CLASS_BREAKS: tuple[float, float, float] = (0.25, 1.0, 3.0)

_INCIDENT_COLUMNS = ("event_date", "category", "precise", "source")

#: The incident columns route and site exposure read: the selection's, those of the
#: spread events listed (``event_id``, ``location``) and of the nearest incident
#: (``event_type``), and the spreading's (:data:`geo.spread.SPREAD_COLUMNS`, read with a
#: silent default when missing, so they must be kept).
READ_COLUMNS: tuple[str, ...] = (
    *_INCIDENT_COLUMNS, "event_id", "event_type", "location", *SPREAD_COLUMNS,
)  # fmt: skip

#: What the data cannot show; every exposure output states it.
LIMITS = gettext_noop(
    "Counts show reported incidents only: many locations are town-level, events carry "
    "no time of day, and news-based logs are incomplete."
)


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
    check_distance_decay(distance_decay)
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
            "read the file with geo.io.incidents.read_incidents(...) to get canonical incidents."
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
    kept = incidents.loc[keep]  # a new frame (copy on write): no second copy
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


def read_columns(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``incidents`` with the :data:`READ_COLUMNS` it has and its geometry only.

    Parameters
    ----------
    incidents : GeoDataFrame
        Canonical incidents (any CRS, kept).

    Returns
    -------
    GeoDataFrame
        The same rows and index; selecting rows of it (a million, in the app)
        copies these columns only, not every text column of the data set.
    """
    read = [c for c in READ_COLUMNS if c in incidents.columns]
    return incidents[[*read, incidents.geometry.name]]


def left_out_text(meta: Mapping[str, Any], *, tr: Translator = _EN) -> str:
    """One sentence saying how many events were left out and why (``"Left out: none."``).

    The words are :func:`geo.provenance.left_out_sentence`'s, as in every output, in
    the language of ``tr`` (English by default).
    """
    return left_out_sentence(
        {
            LEFT_OUT_REASONS["imprecise"]: meta.get("n_left_out_imprecise", 0),
            LEFT_OUT_REASONS["after_as_of"]: meta.get("n_after_as_of", 0),
            LEFT_OUT_REASONS["no_date"]: meta.get("n_left_out_no_date", 0),
            LEFT_OUT_REASONS["no_location"]: meta.get("n_left_out_no_location", 0),
        },
        tr=tr,
    )


def json_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
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
    record = json_meta({**meta, **fields})
    record["left_out"] = left_out_text(meta)
    record["limits"] = LIMITS
    record["window"] = window_text(record)
    return record


def window_text(record: Mapping[str, Any], *, tr: Translator = _EN) -> str:
    """Say which incidents a record's result used: ``<first used> to <as_of>``.

    Parameters
    ----------
    record : mapping
        ``window_from`` and ``window_to`` (ISO dates or None).
    tr : Translator
        The language (English by default, ISO dates).

    Returns
    -------
    str
        ``2025-05-01 to 2025-11-20``, ``none used up to 2025-11-20`` or
        ``no dated incidents``.
    """
    from geo.provenance import format_day

    first, last = record.get("window_from"), record.get("window_to")
    if not last:
        return tr.gettext("no dated incidents")
    if not first:
        return tr.gettext("none used up to {day}").format(day=format_day(last, tr=tr))
    return tr.gettext("{first} to {last}").format(
        first=format_day(first, tr=tr), last=format_day(last, tr=tr)
    )


def segment_exposure(
    segments: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    buffer_km: float = DEFAULTS.buffer_km,
    half_life_days: float = DEFAULTS.half_life_days,
    as_of: object = None,
    type_weights: Mapping[str, float] = DEFAULTS.type_weights,
    distance_decay: str = DEFAULTS.distance_decay,
    imprecise: str = DEFAULTS.imprecise,
    spread_layers: SpreadLayers | None = None,
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
    imprecise : {"spread", "drop"}
        ``spread`` (default): an event whose location is not its own place
        counts over its uncertainty area (:func:`spread_areas`); ``drop``: it
        is left out and counted.
    spread_layers : SpreadLayers, optional
        Cercles, towns and roads for the areas; default the bundled ones
        (:func:`bundled_spread_layers`).

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
        sentence), ``imprecise``, ``n_spread``, ``n_spread_by_kind`` and
        ``spread`` (a sentence saying how many events were spread and how).

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

    An imprecise event i with uncertainty area U_i (METHODS.md §2) contributes
    its expected value over U_i::

        w(category_i) · 0.5 ** (age_i / half_life_days) · E[k(d(s, X))],  X uniform on U_i
        E[k(d(s, X))] ≈ sum over samples x_j of U_i of ω_j · k(d(s, x_j))

    with the samples and weights ω_j (summing to 1) of :func:`spread_areas`:
    a sunflower pattern in a disc, a grid in a cercle, equal steps along a
    road stretch; each is exact to 1 % (``tests/test_spread.py``). Such an
    event counts in ``n_incidents`` of every segment its area comes within
    ``buffer_km`` of.

    One ``STRtree.query(predicate="dwithin")`` over all segments, then one
    vectorised ``shapely.distance`` on the candidate pairs; memory and time grow
    with the number of (incident, segment) pairs within the buffer.
    """
    return _exposure_tables(
        segments,
        incidents,
        None,
        buffer_km=buffer_km,
        half_life_days=half_life_days,
        as_of=as_of,
        type_weights=type_weights,
        distance_decay=distance_decay,
        imprecise=imprecise,
        spread_layers=spread_layers,
    )[0]


def segment_exposure_change(
    segments: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame, *, change_days: int, **options: Any
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Segment exposure at ``as_of`` and ``change_days`` earlier, from one set of pairs.

    Parameters
    ----------
    segments, incidents
        As for :func:`segment_exposure`.
    change_days : int
        Days before the analysis date of the second table (>= 1).
    **options
        The keyword arguments of :func:`segment_exposure` (same defaults).

    Returns
    -------
    now : GeoDataFrame
        :func:`segment_exposure` at ``as_of``.
    before : GeoDataFrame or None
        :func:`segment_exposure` at ``as_of`` minus ``change_days`` (the same
        table it gives, value for value); None when there is no analysis date
        (no dated incident).

    Raises
    ------
    TypeError
        If ``options`` names a keyword :func:`segment_exposure` does not take.
    ParameterError, CRSError, InputFileError
        As :func:`segment_exposure`.

    Notes
    -----
    The incidents kept earlier are the ones kept now dated up to the earlier
    date, so the (incident, segment) pairs within the buffer and their
    distances (the STRtree query and ``shapely.distance``, most of the cost)
    are computed once and the earlier table sums the pairs of those incidents,
    in the same order. The uncertainty areas of imprecise events are made
    again for the earlier events (their number and samples depend on the
    events).
    """
    bound = inspect.signature(segment_exposure).bind(segments, incidents, **options)
    bound.apply_defaults()
    return _exposure_tables(change_days=int(change_days), **bound.arguments)


def _exposure_tables(
    segments: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    change_days: int | None,
    *,
    buffer_km: float,
    half_life_days: float,
    as_of: object,
    type_weights: Mapping[str, float],
    distance_decay: str,
    imprecise: str,
    spread_layers: SpreadLayers | None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Tables of :func:`segment_exposure_change` (only the first with ``change_days`` None)."""
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

    imprecise = check_imprecise(imprecise)
    spread_ok = imprecise == "spread"
    incidents = read_columns(incidents)
    kept, meta = select_incidents(incidents, as_of=as_of, include_imprecise=spread_ok)
    kept, vague = split_imprecise(kept, imprecise)
    seg_geoms = np.asarray(segments.geometry.values)
    pts = points_in(kept, segments.crs)
    tree = shapely.STRtree(seg_geoms)
    inc_idx, seg_idx = tree.query(pts, predicate="dwithin", distance=buffer_km * 1000.0)
    pairs = _Pairs(
        tree=tree,
        seg_geoms=seg_geoms,
        inc_idx=inc_idx,
        seg_idx=seg_idx,
        dist_km=shapely.distance(pts[inc_idx], seg_geoms[seg_idx]) / 1000.0,
    )
    options = {
        "buffer_km": buffer_km,
        "half_life_days": half_life_days,
        "distance_decay": distance_decay,
        "weights": weights,
        "imprecise": imprecise,
        "spread_layers": spread_layers,
    }
    dates = pd.to_datetime(kept["event_date"]).dt.normalize()
    now = _exposure_table(segments, kept, dates, vague, meta, pairs, **options)
    if change_days is None or meta["as_of"] is None:
        return now, None
    before_as_of = meta["as_of"] - pd.Timedelta(days=int(change_days))
    kept_b, meta_b = select_incidents(incidents, as_of=before_as_of, include_imprecise=spread_ok)
    vague_b = split_imprecise(kept_b, imprecise)[1]
    earlier = (dates <= before_as_of).to_numpy()
    on = earlier[inc_idx]
    pairs_b = _Pairs(
        tree=tree,
        seg_geoms=seg_geoms,
        inc_idx=inc_idx[on],
        seg_idx=seg_idx[on],
        dist_km=pairs.dist_km[on],
    )
    before = _exposure_table(
        segments, kept[earlier], dates[earlier], vague_b, meta_b, pairs_b.renumbered(earlier),
        **options,
    )  # fmt: skip
    return now, before


@dataclass(frozen=True)
class _Pairs:
    """(incident, segment) pairs within the buffer, their distances, and the segments' tree."""

    tree: shapely.STRtree
    seg_geoms: np.ndarray
    inc_idx: np.ndarray
    seg_idx: np.ndarray
    dist_km: np.ndarray

    def renumbered(self, keep: np.ndarray) -> _Pairs:
        """Return the pairs with incident numbers counted among the ``keep`` rows only."""
        new_idx = np.cumsum(keep) - 1
        return replace(self, inc_idx=new_idx[self.inc_idx])


def _exposure_table(
    segments: gpd.GeoDataFrame,
    kept: gpd.GeoDataFrame,
    dates: pd.Series,
    vague: gpd.GeoDataFrame,
    meta: dict[str, Any],
    pairs: _Pairs,
    *,
    buffer_km: float,
    half_life_days: float,
    distance_decay: str,
    weights: Mapping[str, float],
    imprecise: str,
    spread_layers: SpreadLayers | None,
) -> gpd.GeoDataFrame:
    """Sum the pairs of the point incidents ``kept`` (dated ``dates``) and spread ``vague``."""
    inc_idx, seg_idx, tree, seg_geoms = pairs.inc_idx, pairs.seg_idx, pairs.tree, pairs.seg_geoms
    n_seg = len(seg_geoms)
    type_w = type_weight_of(kept["category"], weights)
    as_of_stamp = meta["as_of"]
    if as_of_stamp is not None and len(kept):
        age_days = (as_of_stamp - dates).dt.days.to_numpy(dtype=float)
    else:
        age_days = np.zeros(len(kept))
    contrib = exposure_contributions(
        type_w[inc_idx],
        pairs.dist_km,
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

    spread = spread_of(vague, spread_layers)
    if spread is not None:
        w_vague = event_weights(vague, weights, meta["as_of"], half_life_days)
        s_seg, s_area, s_contrib = spread_pairs(
            spread, w_vague, tree, seg_geoms, radius_km=buffer_km, distance_decay=distance_decay
        )
        per_km = per_km + np.bincount(s_seg, weights=s_contrib, minlength=n_seg)
        n_area = np.bincount(spread.event_area, minlength=spread.n_areas)
        touch = np.unique(s_seg * spread.n_areas + s_area)
        t_seg, t_area = touch // spread.n_areas, touch % spread.n_areas
        n_near = n_near + np.bincount(t_seg, weights=n_area[t_area], minlength=n_seg).astype(int)
        on_route = np.unique(route_codes[t_seg] * spread.n_areas + t_area)
        per_route = per_route + np.bincount(
            on_route // spread.n_areas,
            weights=n_area[on_route % spread.n_areas],
            minlength=len(route_names),
        ).astype(int)
        spread_by_route = _spread_events_by_route(
            spread, vague, w_vague, s_area, s_contrib * length_km[s_seg], route_codes[s_seg],
            route_names,
        )  # fmt: skip
    else:
        spread_by_route = {}
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
        n_unweighted=int((type_w == 0).sum())
        + int((type_weight_of(vague["category"], weights) == 0).sum()),
        n_incidents_by_route=by_route,
        spread_events_by_route=spread_by_route,
        **spread_record(spread, imprecise=imprecise),
    )
    return out


def _spread_events_by_route(
    spread: Spread,
    vague: gpd.GeoDataFrame,
    event_weight: np.ndarray,
    pair_area: np.ndarray,
    pair_exposure: np.ndarray,
    pair_route: np.ndarray,
    route_names: pd.Index,
    *,
    top: int = 5,
) -> dict[str, list[dict[str, Any]]]:
    """List the spread events adding most to each route's exposure, and how each was spread."""
    n_routes, n_areas = len(route_names), spread.n_areas
    by_pair = np.bincount(pair_route * n_areas + pair_area, weights=pair_exposure,
                          minlength=n_routes * n_areas).reshape(n_routes, n_areas)  # fmt: skip
    area_weight = np.bincount(spread.event_area, weights=event_weight, minlength=n_areas)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = area_weight[spread.event_area]
        share = np.where(total > 0, event_weight / total, 0.0)
    per_event = by_pair[:, spread.event_area] * share  # routes x events
    dates = pd.to_datetime(vague["event_date"]).dt.strftime("%Y-%m-%d").to_numpy()
    out: dict[str, list[dict[str, Any]]] = {}
    for r, name in enumerate(route_names):
        order = [i for i in np.argsort(-per_event[r], kind="stable")[:top] if per_event[r, i] > 0]
        out[str(name)] = [
            {
                "event_id": str(vague["event_id"].iloc[i]),
                "event_date": str(dates[i]),
                "category": str(vague["category"].iloc[i]),
                "location": str(vague["location"].iloc[i]),
                "how": spread.event_how[i],
                "exposure": float(per_event[r, i]),
            }
            for i in order
        ]
    return out


def split_imprecise(
    kept: gpd.GeoDataFrame, imprecise: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(events used as points, events to spread); none to spread with ``drop``."""
    if imprecise == "drop":
        return kept, kept.iloc[:0]
    precise = kept["precise"].fillna(False).astype(bool).to_numpy()
    return kept[precise], kept[~precise]


def spread_of(vague: gpd.GeoDataFrame, layers: SpreadLayers | None) -> Spread | None:
    """Return the uncertainty areas of ``vague`` (None when there is nothing to spread)."""
    if len(vague) == 0:
        return None
    return spread_areas(vague.to_crs(METRIC_CRS), layers or bundled_spread_layers())


def event_weights(
    events: gpd.GeoDataFrame,
    weights: Mapping[str, float],
    as_of: pd.Timestamp | None,
    half_life_days: float,
) -> np.ndarray:
    """Type weight x age decay of each event (before the distance kernel)."""
    type_w = type_weight_of(events["category"], weights)
    if as_of is None:
        return type_w
    age = (as_of - pd.to_datetime(events["event_date"]).dt.normalize()).dt.days
    return type_w * np.exp2(-np.maximum(age.to_numpy(dtype=float), 0.0) / half_life_days)


def spread_pairs(
    spread: Spread,
    event_weight: np.ndarray,
    tree: shapely.STRtree,
    targets: np.ndarray,
    *,
    radius_km: float,
    distance_decay: str,
    chunk_samples: int = DEFAULTS.spread_chunk_samples,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(target, area, expected contribution) for each area's samples within ``radius_km``.

    ``tree`` indexes ``targets`` (segments or sites, metric). The weights of
    the events of one area are summed first: the expected kernel over an area
    is the same for each of its events. The samples are queried
    ``chunk_samples`` at a time and their contributions summed per (target,
    area) pair within each chunk, so memory stays bounded by the chunk however
    many distinct areas a file holds (a pair may appear once per chunk; the
    callers add them up).
    """
    area_weight = np.bincount(spread.event_area, weights=event_weight, minlength=spread.n_areas)
    n_areas = max(int(spread.n_areas), 1)
    out_t: list[np.ndarray] = []
    out_a: list[np.ndarray] = []
    out_c: list[np.ndarray] = []
    for start in range(0, len(spread.sample_xy), max(int(chunk_samples), 1)):
        xy = spread.sample_xy[start : start + chunk_samples]
        pts = shapely.points(xy)
        s_idx, t_idx = tree.query(pts, predicate="dwithin", distance=radius_km * 1000.0)
        if s_idx.size == 0:
            continue
        d_km = shapely.distance(pts[s_idx], targets[t_idx]) / 1000.0
        area = spread.sample_area[start + s_idx]
        contrib = exposure_contributions(
            area_weight[area] * spread.sample_weight[start + s_idx],
            d_km,
            np.zeros(len(s_idx)),
            radius_km=radius_km,
            half_life_days=1.0,
            distance_decay=distance_decay,
        )
        pair, inverse = np.unique(t_idx.astype(np.int64) * n_areas + area, return_inverse=True)
        out_t.append(pair // n_areas)
        out_a.append(pair % n_areas)
        out_c.append(np.bincount(inverse, weights=contrib, minlength=len(pair)))
    if not out_t:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=float)
    return np.concatenate(out_t), np.concatenate(out_a), np.concatenate(out_c)


def spread_record(spread: Spread | None, *, imprecise: str) -> dict[str, Any]:
    """Return what an exposure record says about spreading: mode, counts by kind, a sentence.

    Parameters
    ----------
    spread : Spread or None
        The spread events (None when there were none).
    imprecise : {"spread", "drop"}
        The mode used.

    Returns
    -------
    dict
        ``imprecise``, ``n_spread``, ``n_spread_by_kind`` and ``spread``.
    """
    counts = spread.counts() if spread is not None else dict.fromkeys(SPREAD_KINDS, 0)
    record = {"imprecise": imprecise, "n_spread": sum(counts.values()), "n_spread_by_kind": counts}
    return {**record, "spread": spread_sentence(record)}


#: The sentences :func:`spread_sentence` writes (English templates).
SPREAD_SENTENCES: dict[str, str] = {
    "drop": gettext_noop("Spread: none (imprecise locations were dropped: --imprecise drop)."),
    "none": gettext_noop("Spread: no event with an imprecise location was used."),
    "spread": gettext_noop(
        "Spread over their uncertainty area: {n} events with imprecise locations ({disc} over a "
        "disc of {km} km around the coded place, {admin} over their cercle, {road} along the "
        "road between the two towns named)."
    ),
}


def note_text(note: str, *, tr: Translator = _EN) -> str:
    """Render one of an analysis' notes (``Analysis.notes``, English) in the language of ``tr``.

    A note is a marked sentence (the limits, the news log's caveat), a
    :data:`SPREAD_SENTENCES` sentence with its counts or a
    :data:`geo.matching.DUPLICATE_SENTENCES` one; anything else is returned as it is.

    Examples
    --------
    >>> note_text(LIMITS, tr=translator("fr")).startswith("Les décomptes ne montrent")
    True
    """
    from geo.matching import DUPLICATE_SENTENCES
    from geo.validate import translate_message

    templates = (*SPREAD_SENTENCES.values(), *DUPLICATE_SENTENCES.values())
    return translate_message(note, tr=tr, templates=templates)


def spread_sentence(record: Mapping[str, Any], *, tr: Translator = _EN) -> str:
    """Say how many imprecise events were spread over which kind of area (or that none was).

    Parameters
    ----------
    record : mapping
        ``imprecise``, ``n_spread`` and ``n_spread_by_kind`` (:func:`spread_record`).
    tr : Translator
        The language (English by default).

    Returns
    -------
    str
        One sentence.
    """
    counts = record.get("n_spread_by_kind") or dict.fromkeys(SPREAD_KINDS, 0)
    total = int(record.get("n_spread") or 0)
    key = "drop" if record.get("imprecise") == "drop" else "none" if total == 0 else "spread"
    template = tr.gettext(SPREAD_SENTENCES[key])
    if key != "spread":
        return template
    return template.format(
        n=tr.number(total),
        disc=tr.number(counts.get("disc", 0)),
        km=tr.number(DEFAULTS.imprecise_near_km),
        admin=tr.number(counts.get("admin", 0)),
        road=tr.number(counts.get("road", 0)),
    )


def points_in(kept: gpd.GeoDataFrame, crs: object) -> np.ndarray:
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
