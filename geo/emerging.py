"""Emerging hot spot analysis: how each unit's hot or cold spot pattern has moved over time.

ArcGIS Pro's Emerging Hot Spot Analysis (Space Time Pattern Mining), as
``METHODS.md`` §4 sets it out: a space-time cube of incident counts per unit
(cercle, region or H3 cell) and time step (week, month or quarter), empty bins
inside the study area counted as zeros; a Getis-Ord Gi* z-score for every bin
with space-time neighbours (the unit's spatial neighbours and itself, in the
same step and the ``time_lag_steps`` previous steps), two-sided normal p-values
with a Benjamini-Hochberg correction over the cube; a Mann-Kendall trend test on
each unit's series of Gi* z-scores; and one of the 17 categories of
:data:`CATEGORIES` per unit.

The category definitions (ArcGIS Pro 2.8 wording, as quoted in
JosiahParry/sfdep ``dev/emerging-dev.R``; "hot" means a statistically
significant hot spot bin, "90 percent" is ``emerging_share`` of the steps):

- **New hot spot**: "a location that is a statistically significant hot spot
  for the final time step and has never been a statistically significant hot
  spot before."
- **Consecutive hot spot**: "a location with a single uninterrupted run of
  statistically significant hot spot bins in the final time-step intervals.
  The location has never been a statistically significant hot spot prior to
  the final hot spot run and less than ninety percent of all bins are
  statistically significant hot spots" (a run of at least two bins: one bin
  is a new hot spot).
- **Intensifying hot spot**: "a location that has been a statistically
  significant hot spot for ninety percent of the time-step intervals,
  including the final time step. In addition, the intensity of clustering of
  high counts in each time step is increasing overall and that increase is
  statistically significant."
- **Persistent hot spot**: "a location that has been a statistically
  significant hot spot for ninety percent of the time-step intervals with no
  discernible trend indicating an increase or decrease in the intensity of
  clustering over time."
- **Diminishing hot spot**: "a location that has been a statistically
  significant hot spot for ninety percent of the time-step intervals,
  including the final time step. In addition, the intensity of clustering in
  each time step is decreasing overall and that decrease is statistically
  significant."
- **Sporadic hot spot**: "a location that is an on-again then off-again hot
  spot. Less than ninety percent of the time-step intervals have been
  statistically significant hot spots and none of the time-step intervals
  have been statistically significant cold spots." (ArcGIS Pro 3.x adds "a
  statistically significant hot spot for the final time-step interval":
  ``emerging_sporadic_needs_final``.)
- **Oscillating hot spot**: "a statistically significant hot spot for the
  final time-step interval that has a history of also being a statistically
  significant cold spot during a prior time step. Less than ninety percent of
  the time-step intervals have been statistically significant hot spots."
- **Historical hot spot**: "the most recent time period is not hot, but at
  least ninety percent of the time-step intervals have been statistically
  significant hot spots."
- The same eight for **cold spots**, hot and cold swapped ("intensifying":
  the clustering of low counts grows, i.e. the z-scores trend downwards).
- **No pattern detected**: none of the above.

Where the wording leaves a choice, this module decides, in this order: a unit
hot at the final step is intensifying, diminishing or persistent when hot in at
least the share of steps; else oscillating when it was cold before (so a unit
whose only hot bin is the last but which was cold before is oscillating, not
new: sfdep's "new" also asks for no other significant bin); else new (one hot
bin), consecutive (one final run) or sporadic. A unit hot in at least the share
but not at the final step is historical; the same for cold; a unit with hot and
cold bins but neither at the final step has no pattern. The thresholds are
:class:`geo.settings.Settings` fields (``emerging_*``) because implementations
differ (sfdep 0.01 for both tests; xarray-spatial 0.05 for Mann-Kendall and
``int(0.9 · n)`` steps).

Measured on the bundled UCDP GED 21.1 Mali events, 2015-2020, monthly on the 50
cercles (674 events in 72 steps, ``python -m geo hotspots --method emerging
--incidents data/incidents/ucdp_ged_mali.csv --from 2015-01-01 --to
2020-12-31``): with the defaults (ArcGIS Pro's lag 1, alpha 0.05 with FDR,
trend alpha 0.05, ceil of 90 %) 21 cercles are sporadic hot spots and 29 have
no pattern; the eight Mopti cercles are all sporadic hot spots, hot in 30
(Koro), 25 (Bandiagara), 23 (Douentza), 18 (Bankass), 16 (Mopti), 7 (Djenné),
6 (Ténenkou) and 3 (Youwarou) of 72 months, each with a significant upward
trend (tau 0.17 to 0.61). The categories do not move with the choices the
implementations differ on: lag 0 or 2, FDR off, trend alpha 0.01 or the
``int`` rule leave every Mopti cercle a sporadic hot spot (hot months 20-32 for
Koro). Quarterly, Koro and Bandiagara become consecutive hot spots (the last 12
of 24 quarters hot). GED's 674 events are sparse for monthly bins (0.19 per
bin); no ACLED export was on the machine to run the denser case.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from h3.api import basic_int as h3int
from scipy import sparse
from scipy.stats import norm

from geo.errors import InsufficientDataError, ParameterError
from geo.gistar import _hex_neighbours, _queen_neighbours, benjamini_hochberg
from geo.hotspots import point_cells
from geo.i18n import Translator, gettext_noop, translator
from geo.settings import DEFAULTS

__all__ = [
    "STEPS",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "BECAME_HOT",
    "EmergingResult",
    "mann_kendall",
    "space_time_cube",
    "event_hexes",
    "spacetime_gistar",
    "classify_series",
    "emerging_hotspots",
    "emerging_for_incidents",
    "OUTPUT_COLUMNS",
    "EMERGING_MESSAGES",
    "emerging_message",
    "inference_text",
    "unit_sentence",
]

#: The default language of the sentences (callers pass ``tr`` for another).
_EN: Translator = translator()

#: Time steps of the cube and their pandas period frequency (weeks run Monday to Sunday).
STEPS: dict[str, str] = {"week": "W-SUN", "month": "M", "quarter": "Q"}

_STEP_PLURAL = {
    "week": gettext_noop("weeks"),
    "month": gettext_noop("months"),
    "quarter": gettext_noop("quarters"),
}

#: Why the analysis did not run: English templates, filled in English when raised;
#: :func:`emerging_message` renders the filled text in another language.
EMERGING_MESSAGES: dict[str, str] = {
    "flat": gettext_noop(
        "every bin of the cube holds the same count; Gi* cannot find hot or cold spots."
    ),
    "few_steps": gettext_noop(
        "the cube has {steps} time step(s); a trend needs at least 3: widen the window or use "
        "a shorter step."
    ),
    "few_events": gettext_noop(
        "the cube holds {total} incidents, fewer than {min_events}; widen the window or the "
        "filters rather than classify noise."
    ),
}

_PATTERNS = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)

#: The 17 categories, hot patterns first, then cold, then ``no_pattern``.
CATEGORIES: tuple[str, ...] = (
    *(f"{p}_hot" for p in _PATTERNS),
    *(f"{p}_cold" for p in _PATTERNS),
    "no_pattern",
)

#: Category code -> the words a reader sees.
CATEGORY_LABELS: dict[str, str] = {
    "new_hot": gettext_noop("New hot spot"),
    "consecutive_hot": gettext_noop("Consecutive hot spot"),
    "intensifying_hot": gettext_noop("Intensifying hot spot"),
    "persistent_hot": gettext_noop("Persistent hot spot"),
    "diminishing_hot": gettext_noop("Diminishing hot spot"),
    "sporadic_hot": gettext_noop("Sporadic hot spot"),
    "oscillating_hot": gettext_noop("Oscillating hot spot"),
    "historical_hot": gettext_noop("Historical hot spot"),
    "new_cold": gettext_noop("New cold spot"),
    "consecutive_cold": gettext_noop("Consecutive cold spot"),
    "intensifying_cold": gettext_noop("Intensifying cold spot"),
    "persistent_cold": gettext_noop("Persistent cold spot"),
    "diminishing_cold": gettext_noop("Diminishing cold spot"),
    "sporadic_cold": gettext_noop("Sporadic cold spot"),
    "oscillating_cold": gettext_noop("Oscillating cold spot"),
    "historical_cold": gettext_noop("Historical cold spot"),
    "no_pattern": gettext_noop("No pattern detected"),
}

#: Categories the "What changed" section lists: units that became or grow as hot spots.
BECAME_HOT: tuple[str, ...] = ("new_hot", "consecutive_hot", "intensifying_hot")


def mann_kendall(series: np.ndarray | Sequence[float]) -> dict[str, np.ndarray]:
    """Tie-corrected Mann-Kendall trend test, on one series or on each row of a matrix.

    Parameters
    ----------
    series : array-like of float, shape (n,) or (rows, n)
        Values in time order; NaN is not allowed.

    Returns
    -------
    dict of str to ndarray
        ``s`` (Kendall's score), ``var_s`` (its variance, tie-corrected),
        ``z``, ``p`` (two-sided, normal approximation) and ``tau``
        (``s / (n (n - 1) / 2)``), each of shape (rows,) (``()`` for 1-D input).

    Raises
    ------
    ParameterError
        If the series is shorter than 3 or holds NaN.

    Notes
    -----
    Mann (1945), Kendall (1975), Gilbert (1987) §16.4, the form of
    pymannkendall's ``original_test`` (the tests compare the two):
    ``s = Σ_{k<j} sign(x_j − x_k)``;
    ``var_s = (n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)) / 18`` over the groups
    of ``t_g`` equal values; ``z = (s − 1)/√var_s`` if s > 0, ``(s + 1)/√var_s``
    if s < 0, else 0; ``p = 2 (1 − Φ(|z|))``. Cost O(rows · n²) in n − 1
    vectorised passes.

    Examples
    --------
    >>> r = mann_kendall([1.0, 2.0, 2.0, 3.0, 5.0])
    >>> float(r["s"]), round(float(r["var_s"]), 3), round(float(r["p"]), 4)
    (9.0, 15.667, 0.0433)
    """
    x = np.asarray(series, dtype=float)
    one = x.ndim == 1
    x = np.atleast_2d(x)
    n = x.shape[1]
    if n < 3:
        raise ParameterError(f"a trend test needs at least 3 time steps; the series has {n}.")
    if np.isnan(x).any():
        raise ParameterError("the series for the trend test holds missing values.")
    s = np.zeros(x.shape[0])
    for lag in range(1, n):
        s += np.sign(x[:, lag:] - x[:, :-lag]).sum(axis=1)
    ties = np.zeros(x.shape[0])
    for row in range(x.shape[0]):
        _, t = np.unique(x[row], return_counts=True)
        t = t[t > 1].astype(float)
        ties[row] = float(np.sum(t * (t - 1) * (2 * t + 5)))
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(var_s), np.where(s < 0, (s + 1) / np.sqrt(var_s), 0))
    z = np.where(np.isfinite(z), z, 0.0)
    out = {
        "s": s,
        "var_s": var_s,
        "z": z,
        "p": 2.0 * norm.sf(np.abs(z)),
        "tau": s / (0.5 * n * (n - 1)),
    }
    return {k: v[0] for k, v in out.items()} if one else out


def _check_step(step: str) -> str:
    if step not in STEPS:
        raise ParameterError(f"`step` was {step!r} but is expected to be in {list(STEPS)}")
    return step


def space_time_cube(
    unit_keys: pd.Series | Sequence[str],
    dates: pd.Series | Sequence[object],
    *,
    unit_ids: Sequence[str],
    step: str = DEFAULTS.emerging_step,
    start: object,
    end: object,
) -> pd.DataFrame:
    """Count incidents per unit and time step, with every empty bin a zero.

    Parameters
    ----------
    unit_keys : Series or sequence of str
        The unit of each incident (e.g. ``adm2_id`` from
        :func:`geo.admin.assign_admin`, or :func:`event_hexes`); incidents
        whose key is empty or not in ``unit_ids`` are left out.
    dates : Series or sequence of date-like
        The date of each incident, aligned to ``unit_keys``.
    unit_ids : sequence of str
        Every unit of the study area, in the order of the rows.
    step : {"week", "month", "quarter"}
        Calendar step (weeks Monday to Sunday).
    start, end : date-like
        Inclusive window; the cube has every step that overlaps it.

    Returns
    -------
    DataFrame
        Counts (int64), index ``unit_ids``, columns the steps as a
        ``PeriodIndex``. ``attrs`` hold ``step``, ``start``, ``end``,
        ``n_used``, ``n_left_out`` and ``partial_steps`` (the first or last
        step when the window cuts it: fewer days than its neighbours).

    Raises
    ------
    ParameterError
        If the step is unknown, the window is empty, or the inputs differ in
        length.

    Examples
    --------
    >>> cube = space_time_cube(
    ...     ["a", "a", "b"], ["2020-01-05", "2020-03-01", "2020-03-31"],
    ...     unit_ids=["a", "b", "c"], step="month", start="2020-01-01", end="2020-03-31",
    ... )
    >>> cube.to_numpy().tolist()
    [[1, 0, 1], [0, 0, 1], [0, 0, 0]]
    """
    freq = STEPS[_check_step(step)]
    keys = pd.Series(unit_keys, dtype=object).reset_index(drop=True)
    days = pd.to_datetime(pd.Series(dates).reset_index(drop=True), errors="coerce")
    if len(keys) != len(days):
        raise ParameterError(
            f"{len(keys)} unit keys but {len(days)} dates; give one of each per incident."
        )
    first, last = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if pd.isna(first) or pd.isna(last) or last < first:
        raise ParameterError(f"the window {start!r} to {end!r} is empty; give start <= end.")
    periods = pd.period_range(first.to_period(freq), last.to_period(freq), freq=freq)
    ids = pd.Index([str(u) for u in unit_ids])
    row = ids.get_indexer(keys.fillna("").astype(str))
    in_window = days.notna() & (days.dt.normalize() >= first) & (days.dt.normalize() <= last)
    ok = (row >= 0) & in_window.to_numpy()
    col = periods.get_indexer(days[ok].dt.to_period(freq))
    counts = np.zeros((len(ids), len(periods)), dtype=np.int64)
    np.add.at(counts, (row[ok], col), 1)
    cube = pd.DataFrame(counts, index=ids, columns=periods)
    partial = [
        str(p)
        for p in {periods[0], periods[-1]}
        if p.start_time.normalize() < first or p.end_time.normalize() > last
    ]
    cube.attrs = {
        "step": step,
        "start": str(first.date()),
        "end": str(last.date()),
        "n_used": int(ok.sum()),
        "n_left_out": int(len(keys) - ok.sum()),
        "partial_steps": sorted(partial),
    }
    return cube


def event_hexes(incidents_4326: gpd.GeoDataFrame, *, resolution: int) -> pd.Series:
    """Find the H3 cell (hex string) of each point incident, "" without usable coordinates.

    Parameters
    ----------
    incidents_4326 : GeoDataFrame
        Point incidents in EPSG:4326. Not modified.
    resolution : int
        H3 resolution 0..15.

    Returns
    -------
    Series of str
        Aligned to the incidents' index.

    Notes
    -----
    The cells are :func:`geo.hotspots.point_cells` (one ``latlng_to_cell`` call
    per distinct coordinate pair), written as hex strings.
    """
    cells = point_cells(incidents_4326, resolution=int(resolution))
    out = np.full(len(cells), "", dtype=object)
    found = cells != 0
    unique, codes = np.unique(cells[found], return_inverse=True)
    out[found] = np.asarray([h3int.int_to_str(int(c)) for c in unique], dtype=object)[codes]
    return pd.Series(out, index=incidents_4326.index, dtype=object)


def spacetime_gistar(
    counts: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    *,
    time_lag_steps: int = DEFAULTS.emerging_time_lag_steps,
) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided normal p-values of every bin of a space-time cube.

    Parameters
    ----------
    counts : ndarray, shape (units, steps)
        The cube (:func:`space_time_cube`).
    left, right : ndarray of int
        Spatial neighbour pairs (i, j), i != j, both directions.
    time_lag_steps : int
        The neighbourhood of bin (i, t) is every (j, s) with j = i or a
        neighbour of i and ``t − time_lag_steps <= s <= t``.

    Returns
    -------
    z, p : ndarray, shape (units, steps)
        Standardised Gi* and ``2 (1 − Φ(|z|))``.

    Notes
    -----
    Getis and Ord (1992), Ord and Getis (1995), with the cube's m = units ×
    steps bins as the population (ArcGIS Pro computes Gi* over the cube),
    binary weights and the bin itself included: ``L`` the sum of the
    neighbourhood, ``W`` its number of bins, x̄ and ``S = sqrt(Σ x² / m − x̄²)``
    over the cube::

        z = (L − x̄ W) / (S · sqrt((m W − W²) / (m − 1)))

    the arithmetic of :func:`geo.gistar.gistar` (``esda.G_Local(star=True)``,
    binary weights) with the space-time weights; the tests check it equals
    geo.gistar's z on the explicit graph of the bins. It is done here with one
    sparse product and one cumulative sum, O(bins + pairs × steps), because the
    explicit graph of a weekly hex cube over Mali (38,690 cells × 313 weeks ×
    7 neighbours × 2 steps) would hold about 1.7 × 10⁸ edges. Bins of the first
    steps have fewer previous steps (smaller W). p is the analytical inference
    of :func:`geo.gistar.gistar`.
    """
    x = np.asarray(counts, dtype=float)
    units, steps = x.shape
    m = x.size
    lag = int(time_lag_steps)
    if lag < 0:
        raise ParameterError(f"`time_lag_steps` was {time_lag_steps!r}; give 0 or more.")
    self_ids = np.arange(units)
    adj = sparse.csr_matrix(
        (np.ones(left.size + units), (np.r_[left, self_ids], np.r_[right, self_ids])),
        shape=(units, units),
    )
    spatial = np.asarray(adj @ x)
    cum = np.cumsum(np.pad(spatial, ((0, 0), (1, 0))), axis=1)
    t = np.arange(steps)
    lo = np.maximum(t - lag, 0)
    neighbourhood = cum[:, t + 1] - cum[:, lo]
    degree = np.asarray(adj.sum(axis=1)).ravel()
    w = degree[:, None] * (t - lo + 1)[None, :]
    mean = x.mean()
    sd = math.sqrt(max((x**2).mean() - mean**2, 0.0))
    if sd == 0:
        raise InsufficientDataError(EMERGING_MESSAGES["flat"])
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (neighbourhood - mean * w) / (sd * np.sqrt((m * w - w**2) / (m - 1)))
    z = np.where(np.isfinite(z), z, 0.0)
    return z, 2.0 * norm.sf(np.abs(z))


def _needed(n: int, share: float, rule: str) -> int:
    if rule == "ceil":
        return max(1, math.ceil(share * n - 1e-9))
    if rule == "int":
        return max(1, int(share * n + 1e-9))
    raise ParameterError(f"`share_rule` was {rule!r} but is expected to be in ['ceil', 'int']")


def _pattern(
    on: np.ndarray,
    other: np.ndarray,
    *,
    needed: int,
    grows: bool,
    fades: bool,
    sporadic_needs_final: bool,
) -> str | None:
    """Name the pattern of one kind (hot or cold) from its bins, None when it has none."""
    count = int(on.sum())
    if count == 0:
        return None
    if on[-1]:
        if count >= needed:
            return "intensifying" if grows else "diminishing" if fades else "persistent"
        if other.any():
            return "oscillating"
        if count == 1:
            return "new"
        run = len(on) - int(np.flatnonzero(~on)[-1]) - 1
        return "consecutive" if run == count else "sporadic"
    if count >= needed:
        return "historical"
    if not other.any() and not sporadic_needs_final:
        return "sporadic"
    return None


def classify_series(
    hot: np.ndarray,
    cold: np.ndarray,
    *,
    trend_z: float,
    trend_p: float,
    trend_alpha: float = DEFAULTS.emerging_trend_alpha,
    share: float = DEFAULTS.emerging_share,
    share_rule: str = DEFAULTS.emerging_share_rule,
    sporadic_needs_final: bool = DEFAULTS.emerging_sporadic_needs_final,
) -> str:
    """Classify one unit from its hot and cold bins and its trend.

    Parameters
    ----------
    hot, cold : ndarray of bool, shape (steps,)
        Significant hot and cold bins, in time order.
    trend_z, trend_p : float
        Mann-Kendall z and p of the unit's Gi* z-scores.
    trend_alpha, share, share_rule, sporadic_needs_final
        See :class:`geo.settings.Settings` (``emerging_*``).

    Returns
    -------
    str
        One of :data:`CATEGORIES`.

    Examples
    --------
    >>> hot = np.array([False, False, True, True])
    >>> classify_series(hot, ~hot & False, trend_z=1.0, trend_p=0.3)
    'consecutive_hot'
    """
    hot = np.asarray(hot, dtype=bool)
    cold = np.asarray(cold, dtype=bool)
    needed = _needed(hot.size, float(share), share_rule)
    up = trend_p <= trend_alpha and trend_z > 0
    down = trend_p <= trend_alpha and trend_z < 0
    options = {"needed": needed, "sporadic_needs_final": sporadic_needs_final}
    if not cold[-1]:
        found = _pattern(hot, cold, grows=up, fades=down, **options)
        if found is not None:
            return f"{found}_hot"
    found = _pattern(cold, hot, grows=down, fades=up, **options)
    return "no_pattern" if found is None else f"{found}_cold"


@dataclass(frozen=True, eq=False)
class EmergingResult:
    """One emerging hot spot analysis.

    Attributes
    ----------
    units : GeoDataFrame
        A copy of the units with ``category`` (:data:`CATEGORIES`),
        ``category_label``, ``n_steps``, ``n_hot``, ``n_cold``, ``share_hot``,
        ``share_cold``, ``hot_final``, ``cold_final``, ``z_final``,
        ``trend_tau``, ``trend_z``, ``trend_p`` and ``incidents`` (the cube's
        total per unit).
    counts, z, p_adjusted : DataFrame
        The cube and each bin's Gi* z and (FDR-adjusted) p, index the unit
        ids, columns the steps.
    settings : dict
        What the analysis used (step, window, thresholds, inference).
    """

    units: gpd.GeoDataFrame
    counts: pd.DataFrame
    z: pd.DataFrame
    p_adjusted: pd.DataFrame
    settings: dict = field(default_factory=dict)


def emerging_hotspots(
    units_gdf: gpd.GeoDataFrame,
    cube: pd.DataFrame,
    *,
    id_col: str = "unit_id",
    weights: str = "auto",
    time_lag_steps: int = DEFAULTS.emerging_time_lag_steps,
    gistar_alpha: float = DEFAULTS.emerging_gistar_alpha,
    fdr: bool = DEFAULTS.emerging_fdr,
    trend_alpha: float = DEFAULTS.emerging_trend_alpha,
    share: float = DEFAULTS.emerging_share,
    share_rule: str = DEFAULTS.emerging_share_rule,
    sporadic_needs_final: bool = DEFAULTS.emerging_sporadic_needs_final,
    min_events: int = DEFAULTS.gistar_min_events,
) -> EmergingResult:
    """Classify every unit of a space-time cube into one of the 17 emerging patterns.

    Parameters
    ----------
    units_gdf : GeoDataFrame
        The units (admin polygons, or hexes with a ``hex`` column), one row per
        unit of the cube. Not modified.
    cube : DataFrame
        Counts from :func:`space_time_cube`, index the units' ``id_col``.
    id_col : str
        Column of ``units_gdf`` matching the cube's index (``hex`` for hexes).
    weights : {"auto", "queen", "hex"}
        Spatial neighbours as in :func:`geo.gistar.gistar`.
    time_lag_steps, gistar_alpha, fdr, trend_alpha, share, share_rule, sporadic_needs_final
        See :class:`geo.settings.Settings` (``emerging_*``).
    min_events : int
        Fewer incidents in the cube raise instead of classifying noise.

    Returns
    -------
    EmergingResult

    Raises
    ------
    ParameterError
        If an option is out of range or the cube and the units disagree.
    InsufficientDataError
        If the cube holds fewer than ``min_events`` incidents, fewer than 3
        steps, or the same count in every bin.

    Notes
    -----
    A bin is hot when its adjusted p <= ``gistar_alpha`` and z > 0, cold when
    z < 0 (:func:`spacetime_gistar`; Benjamini-Hochberg over all the cube's
    bins when ``fdr``). The trend is :func:`mann_kendall` on the unit's z
    series; "increasing" is a significant positive z. The inference is
    analytical (normal) for both tests, as in ArcGIS Pro.
    """
    if weights not in ("auto", "queen", "hex"):
        raise ParameterError(
            f"`weights` was {weights!r} but is expected to be in ['auto', 'queen', 'hex']"
        )
    for name, value in (("gistar_alpha", gistar_alpha), ("trend_alpha", trend_alpha)):
        if not 0 < float(value) < 1:
            raise ParameterError(f"`{name}` was {value!r}; give a level between 0 and 1.")
    if not 0 < float(share) <= 1:
        raise ParameterError(f"`share` was {share!r}; give a share between 0 and 1, e.g. 0.9.")
    if id_col not in units_gdf.columns:
        raise ParameterError(f"`id_col` {id_col!r} is not a column of the units.")
    ids = units_gdf[id_col].astype(str)
    if list(ids) != [str(i) for i in cube.index]:
        raise ParameterError("the cube's rows must be the units, in the units' order.")
    steps = cube.shape[1]
    if steps < 3:
        raise InsufficientDataError(EMERGING_MESSAGES["few_steps"].format(steps=steps))
    total = int(cube.to_numpy().sum())
    if total < min_events:
        raise InsufficientDataError(
            EMERGING_MESSAGES["few_events"].format(total=total, min_events=min_events)
        )
    kind = weights if weights != "auto" else ("hex" if "hex" in units_gdf.columns else "queen")
    if kind == "hex":
        left, right = _hex_neighbours([str(c) for c in units_gdf["hex"]])
    else:
        left, right = _queen_neighbours(np.asarray(units_gdf.geometry.values, dtype=object))
    z, p = spacetime_gistar(cube.to_numpy(), left, right, time_lag_steps=time_lag_steps)
    p_adj = benjamini_hochberg(p.ravel()).reshape(p.shape) if fdr else p
    significant = p_adj <= gistar_alpha
    hot, cold = significant & (z > 0), significant & (z < 0)
    trend = mann_kendall(z)
    options = {
        "trend_alpha": float(trend_alpha),
        "share": float(share),
        "share_rule": share_rule,
        "sporadic_needs_final": bool(sporadic_needs_final),
    }
    categories = [
        classify_series(
            hot[i], cold[i], trend_z=float(trend["z"][i]), trend_p=float(trend["p"][i]), **options
        )
        for i in range(len(ids))
    ]
    out = units_gdf.copy()
    out["category"] = categories
    out["category_label"] = [CATEGORY_LABELS[c] for c in categories]
    out["n_steps"] = steps
    out["n_hot"] = hot.sum(axis=1)
    out["n_cold"] = cold.sum(axis=1)
    out["share_hot"] = hot.mean(axis=1)
    out["share_cold"] = cold.mean(axis=1)
    out["hot_final"] = hot[:, -1]
    out["cold_final"] = cold[:, -1]
    out["z_final"] = z[:, -1]
    out["trend_tau"] = trend["tau"]
    out["trend_z"] = trend["z"]
    out["trend_p"] = trend["p"]
    out["incidents"] = cube.to_numpy().sum(axis=1)
    settings = {
        **cube.attrs,
        "steps": steps,
        "weights": kind,
        "time_lag_steps": int(time_lag_steps),
        "gistar_alpha": float(gistar_alpha),
        "fdr": bool(fdr),
        "steps_needed_for_share": _needed(steps, float(share), share_rule),
        **options,
        "inference": inference_text(fdr=bool(fdr)),
        "categories": {c: categories.count(c) for c in CATEGORIES},
    }
    out.attrs = {**units_gdf.attrs, "emerging": settings}
    frame = {"index": cube.index, "columns": cube.columns}
    return EmergingResult(
        units=out,
        counts=cube,
        z=pd.DataFrame(z, **frame),
        p_adjusted=pd.DataFrame(p_adj, **frame),
        settings=settings,
    )


#: Columns of the per-unit table the CLI and the exports write (plus id, name, geometry).
OUTPUT_COLUMNS: list[str] = [
    "category",
    "category_label",
    "n_steps",
    "n_hot",
    "share_hot",
    "n_cold",
    "share_cold",
    "trend_tau",
    "trend_p",
    "trend_z",
    "z_final",
    "incidents",
]


def emerging_for_incidents(
    incidents: gpd.GeoDataFrame,
    units_gdf: gpd.GeoDataFrame,
    *,
    unit_col: str,
    id_col: str = "unit_id",
    step: str = DEFAULTS.emerging_step,
    start: object,
    end: object,
    **options: object,
) -> EmergingResult:
    """Build the cube of the incidents on the units and classify it.

    Parameters
    ----------
    incidents : GeoDataFrame
        Incidents with ``event_date`` and ``unit_col`` (e.g. ``adm2_id`` from
        :func:`geo.admin.assign_admin`, or ``hex`` from :func:`event_hexes`).
        Filter categories and precision before calling. Not modified.
    units_gdf : GeoDataFrame
        Every unit of the study area (admin units, or hexes from
        :func:`geo.hotspots.hex_counts` with a ``study_area``).
    unit_col, id_col : str
        The incidents' unit column and the units' id column.
    step : {"week", "month", "quarter"}
        Time step.
    start, end : date-like
        Inclusive window.
    **options
        Passed to :func:`emerging_hotspots` (thresholds, weights).

    Returns
    -------
    EmergingResult
        As :func:`emerging_hotspots`; ``settings`` also hold the cube's window,
        the incidents used and left out (outside the units or the window).

    Raises
    ------
    ParameterError
        If ``unit_col`` is not a column of the incidents.
    """
    if unit_col not in incidents.columns:
        raise ParameterError(
            f"`unit_col` was {unit_col!r} but the incidents have no such column; assign "
            "them to units first (geo.admin.assign_admin or geo.emerging.event_hexes)."
        )
    cube = space_time_cube(
        incidents[unit_col],
        incidents["event_date"],
        unit_ids=units_gdf[id_col].astype(str).tolist(),
        step=step,
        start=start,
        end=end,
    )
    return emerging_hotspots(units_gdf, cube, id_col=id_col, **options)


def unit_sentence(
    name: str,
    category: str,
    n_hot: int,
    n_cold: int,
    n_steps: int,
    step: str,
    *,
    tr: Translator = _EN,
) -> str:
    """Say a unit's pattern in one sentence ("Koro: intensifying hot spot, 27 of 30 months hot.").

    Parameters
    ----------
    name : str
        Unit name.
    category : str
        One of :data:`CATEGORIES`.
    n_hot, n_cold, n_steps : int
        Hot and cold bins, and steps.
    step : str
        ``week``, ``month`` or ``quarter``.
    tr : Translator
        The language (English by default).

    Returns
    -------
    str
        A whole sentence.

    Examples
    --------
    >>> unit_sentence("Koro", "intensifying_hot", 27, 0, 30, "month")
    'Koro: intensifying hot spot, 27 of 30 months hot.'
    >>> unit_sentence("Koro", "intensifying_hot", 27, 0, 30, "month", tr=translator("fr"))
    'Koro : point chaud en intensification, point chaud 27 mois sur 30.'
    """
    label = tr.gettext(CATEGORY_LABELS[category]).lower()
    steps = tr.gettext(_STEP_PLURAL[_check_step(step)])
    cold = category.endswith("_cold")
    template = (
        tr.gettext("{name}: {label}, {n} of {total} {steps} cold.")
        if cold
        else tr.gettext("{name}: {label}, {n} of {total} {steps} hot.")
    )
    return template.format(
        name=name,
        label=label,
        n=tr.number(n_cold if cold else n_hot),
        total=tr.number(n_steps),
        steps=steps,
    )


def emerging_message(message: str, *, tr: Translator = _EN) -> str:
    """Render why the analysis did not run (:data:`EMERGING_MESSAGES`, English) in ``tr``'s words.

    Examples
    --------
    >>> emerging_message(EMERGING_MESSAGES["few_events"].format(total=24, min_events=30),
    ...                  tr=translator("fr"))[:31]
    'le cube compte 24 incidents, mo'
    """
    from geo.validate import translate_message

    return translate_message(message, tr=tr, templates=tuple(EMERGING_MESSAGES.values()))


def inference_text(*, fdr: bool, tr: Translator = _EN) -> str:
    """Say how the hot and cold bins and the trends are tested (``settings["inference"]``).

    Examples
    --------
    >>> inference_text(fdr=False).endswith("on each unit's z series")
    True
    """
    if fdr:
        return tr.gettext(
            "Gi* analytical normal p-values over the space-time cube, Benjamini-Hochberg FDR "
            "over all bins; Mann-Kendall tie-corrected normal approximation on each unit's z "
            "series"
        )
    return tr.gettext(
        "Gi* analytical normal p-values over the space-time cube, no multiple-test "
        "correction; Mann-Kendall tie-corrected normal approximation on each unit's z series"
    )
