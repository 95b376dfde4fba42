"""Getis-Ord Gi* hot and cold spots with analytical or permutation p-values and FDR control.

The statistic, its two inferences (``analytical``: normal p from the z-score,
as ArcGIS Pro's Hot Spot Analysis and esda's ``p_norm``; ``permutation``:
conditional permutations, esda's folded ``p_sim``) and the Benjamini-Hochberg
correction (METHODS.md §1). Randomness (permutations) comes only from ``seed``.
Every result says which inference and which value (counts, or rates per km²)
it used: in its columns, its ``attrs`` and :func:`gistar_sentence`.

Why the defaults (:data:`geo.settings.DEFAULTS`: ``gistar_inference``,
``gistar_value``) are what they are is measured in :func:`gistar`'s Notes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from scipy import stats

from geo.crs import to_metric
from geo.errors import InsufficientDataError, ParameterError
from geo.i18n import Translator, gettext_noop, translator
from geo.settings import DEFAULTS

__all__ = [
    "GISTAR_CLASSES",
    "GISTAR_INFERENCES",
    "GISTAR_VALUES",
    "benjamini_hochberg",
    "gistar",
    "GISTAR_MESSAGES",
    "gistar_message",
    "gistar_sentence",
    "permutations_needed",
]

#: The default language of the sentences (callers pass ``tr`` for another).
_EN: Translator = translator()

#: Classes written by :func:`gistar`.
GISTAR_CLASSES: tuple[str, ...] = ("hot", "cold", "not_significant", "excluded")

#: Inference -> what it is, in words.
GISTAR_INFERENCES: dict[str, str] = {
    "analytical": gettext_noop("analytical normal p-values from the z-score (two-sided)"),
    "permutation": gettext_noop("conditional-permutation p-values (two-sided)"),
}

#: Why Gi* did not run, and its notes: English templates, filled in English when
#: raised or stored; :func:`gistar_message` renders the filled text in another language.
GISTAR_MESSAGES: dict[str, str] = {
    "too_few": gettext_noop(
        "Gi* needs at least {min_events} events but the {n_units} units hold {total}; "
        "widen the window or the filters rather than map noise."
    ),
    "not_requested": gettext_noop("Gi* was not requested."),
    "p_floor": gettext_noop(
        "With {permutations} permutations the smallest p-value, {floor}, is above alpha "
        "{alpha}, so no unit can be significant; use the analytical inference."
    ),
    "fdr_floor": gettext_noop(
        "With {m} units and {permutations} permutations (the most allowed) at least {needed} "
        "units must reach the smallest p-value, {floor}, before any is significant after the "
        "FDR correction; use the analytical inference for more power."
    ),
}

#: Value -> what Gi* is computed on, in words.
GISTAR_VALUES: dict[str, str] = {
    "counts": gettext_noop("incident counts per unit"),
    "rate": gettext_noop("incidents per km² of each unit"),
}


def benjamini_hochberg(p_values: Iterable[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate).

    Parameters
    ----------
    p_values : array-like of float
        Raw p-values in 0..1; NaN stays NaN and does not count as a test.

    Returns
    -------
    ndarray of float
        Adjusted p-values, aligned to the input; reject at FDR level q where
        the adjusted value is <= q.

    Raises
    ------
    ParameterError
        If a p-value is outside 0..1.

    Notes
    -----
    Benjamini, Y. and Hochberg, Y. (1995) "Controlling the false discovery
    rate: a practical and powerful approach to multiple testing", *Journal of
    the Royal Statistical Society B* 57(1): 289-300. With the m p-values sorted
    p_(1) <= ... <= p_(m), the adjusted value of the i-th is
    min_{j >= i} min(1, m · p_(j) / j); rejecting those <= q is the paper's
    step-up rule "reject H_(1..k), k the largest i with p_(i) <= i q / m".

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.5]
    """
    p = np.asarray(list(p_values) if not isinstance(p_values, np.ndarray) else p_values, float)
    out = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    if ((p[finite] < 0) | (p[finite] > 1)).any():
        raise ParameterError("p-values must lie in 0..1; check the statistic that produced them.")
    idx = np.flatnonzero(finite)
    m = idx.size
    if m == 0:
        return out
    order = np.argsort(p[idx], kind="stable")
    ranked = p[idx][order] * m / np.arange(1, m + 1)
    adjusted = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    out[idx[order]] = adjusted
    return out


def _queen_neighbours(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j), i != j, of polygons sharing at least one boundary point."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left != right
    return left[keep], right[keep]


def _hex_neighbours(cells: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of cells in the list one grid step apart (h3.grid_disk ring 1)."""
    position = {c: i for i, c in enumerate(cells)}
    left: list[int] = []
    right: list[int] = []
    for i, cell in enumerate(cells):
        for other in h3.grid_disk(cell, 1):
            j = position.get(other)
            if j is not None and j != i:
                left.append(i)
                right.append(j)
    return np.array(left, dtype=np.intp), np.array(right, dtype=np.intp)


def permutations_needed(
    n_tests: int,
    *,
    alpha: float,
    factor: float = DEFAULTS.gistar_permutation_factor,
) -> int:
    """Fewest permutations that let Benjamini-Hochberg reach significance over ``n_tests``.

    Parameters
    ----------
    n_tests : int
        Units tested (m).
    alpha : float
        FDR level (q).
    factor : float
        How many times below q/m the smallest p-value must be able to fall
        (k; :data:`geo.settings.DEFAULTS` ``gistar_permutation_factor``).

    Returns
    -------
    int
        P = ceil(k · m / q) − 1, so the smallest two-sided p, 2 / (P + 1),
        is at most 2q / (k m): a unit can pass BH's first step (p <= q/m)
        with room for ties and for several units at the floor.

    Examples
    --------
    50 cercles at FDR 0.05 need 9,999 permutations (999 cannot get below 0.002):

    >>> permutations_needed(50, alpha=0.05, factor=10)
    9999
    """
    return max(0, math.ceil(factor * int(n_tests) / float(alpha)) - 1)


def _choice(value: str, allowed: Iterable[str], *, name: str) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise ParameterError(f"`{name}` was {value!r} but is expected to be in {allowed}")
    return value


def gistar(
    units_gdf: gpd.GeoDataFrame,
    *,
    value_col: str,
    inference: str = DEFAULTS.gistar_inference,
    value: str = DEFAULTS.gistar_value,
    alpha: float = DEFAULTS.gistar_alpha,
    fdr: bool = DEFAULTS.gistar_fdr,
    permutations: int = DEFAULTS.gistar_permutations,
    seed: int = DEFAULTS.gistar_seed,
    max_permutations: int = DEFAULTS.gistar_max_permutations,
    min_events: int = DEFAULTS.gistar_min_events,
    weights: str = "auto",
) -> gpd.GeoDataFrame:
    """Getis-Ord Gi* hot and cold spots, analytical or permutation p-values, FDR control.

    Parameters
    ----------
    units_gdf : GeoDataFrame
        Admin units (polygons) or hexes (with a ``hex`` column, e.g. from
        :func:`geo.hotspots.hex_counts` with a ``study_area``), zero-count
        units included, any CRS with a known area. Not modified.
    value_col : str
        Column with the count per unit (e.g. ``incidents``).
    inference : {"analytical", "permutation"}
        ``analytical``: two-sided normal p-value of the z-score (ArcGIS Pro,
        esda ``2 · p_norm``); ``permutation``: two-sided conditional-permutation
        pseudo p-value (esda's folded ``p_sim``, tie-aware).
    value : {"counts", "rate"}
        Gi* on the counts of ``value_col``, or on counts per km² of each unit
        (equal-area :data:`geo.crs.METRIC_CRS`; cercles differ 300× in area).
    alpha : float
        Significance level for the classes.
    fdr : bool
        Adjust p-values with :func:`benjamini_hochberg`.
    permutations : int
        Conditional permutations asked for (``permutation`` only); raised to
        :func:`permutations_needed` for the tests made (the units tested with
        ``fdr``, one without), at most ``max_permutations`` (``attrs`` say how
        many were used).
    max_permutations : int
        Upper bound on the permutations (cost grows with units × draws).
    seed : int
        Seed of the permutations; the only source of randomness.
    min_events : int
        Fewer events than this in ``value_col`` raise instead of mapping noise.
    weights : {"auto", "queen", "hex"}
        "queen": units sharing a border or a corner are neighbours; "hex": H3
        cells one step apart (``h3.grid_disk`` ring 1); "auto": "hex" when a
        ``hex`` column exists, else "queen". Binary, with the unit itself
        included (the "star").

    Returns
    -------
    GeoDataFrame
        A copy of ``units_gdf`` (same index) with ``analysed_value`` (the
        count or rate Gi* ran on), ``n_neighbours``, ``z`` (standardised Gi*),
        ``p``, ``p_adjusted``, ``gistar_class`` in :data:`GISTAR_CLASSES`
        ("excluded" for units without neighbours), ``gistar_inference`` and
        ``gistar_value``. ``attrs["gistar"]`` records the settings, the
        permutations used, the excluded units and the counts per class.

    Raises
    ------
    ParameterError
        If an option is outside its range or ``value_col`` is missing/invalid.
    InsufficientDataError
        If the units hold fewer than ``min_events`` events, all values are
        equal, or fewer than 3 units have neighbours.

    Notes
    -----
    Getis, A. and Ord, J. K. (1992) "The analysis of spatial association by
    use of distance statistics", *Geographical Analysis* 24(3): 189-206; Ord,
    J. K. and Getis, A. (1995) "Local spatial autocorrelation statistics:
    distributional issues and an application", *Geographical Analysis* 27(4):
    286-306. With binary weights w_ij (w_ii = 1), n units, values x (counts,
    or counts / km²), mean x̄ and S = sqrt(Σ x_j² / n − x̄²)::

        z_i = (Σ_j w_ij x_j − x̄ W_i) / (S · sqrt((n W_i − W_i²) / (n − 1))),
        W_i = Σ_j w_ij

    z comes from ``esda.G_Local(star=True)``. Analytical: p_i = 2 Φ(−|z_i|)
    (METHODS.md §1; ArcGIS Pro Hot Spot Analysis). Permutation: the unit
    keeps its value, its neighbours are drawn from the other units (esda's
    draw table for ``seed``), and::

        p_i = min(1, 2 (min(#{sim >= obs}, #{sim <= obs}) + 1) / (P + 1))

    which is 2 · esda's folded ``p_sim`` when no simulated sum ties the
    observed one; ties count on both sides, so an all-zero neighbourhood
    among mostly-zero units is not a "cold spot" (esda 2.9's default folding
    gives it the smallest p). The smallest p is 2 / (P + 1) and BH needs
    p <= alpha / m for its first rejection, hence P is raised to
    :func:`permutations_needed` (9,999 for 50 cercles at 0.05).

    A unit is "hot" when p_adjusted <= alpha and z > 0, "cold" when z < 0.
    Weights are built here, never mutated; NumPy's global generator is not
    touched. Cost: analytical O(n · neighbours); permutation O(n · P ·
    neighbours) in chunks of at most ~4 million draws.

    Why ``analytical`` on ``counts`` is the default, measured on the bundled
    UCDP GED Mali extract (real; no ACLED export is on this machine), precise
    UCDP events, 50 cercles, FDR 0.05, with ``python -m
    scripts.gistar_evidence --seeds 20``. Power, hot cercles on the data:

    ============ ========== =============== ========== ==========
    window       analytical permutation     analytical permutation
                 counts     counts (9,999)  rate       rate
    ============ ========== =============== ========== ==========
    2019         4          2               6          3
    2020-01..07  4          2               5          3
    2018         2          0               5          1
    ============ ========== =============== ========== ==========

    (2019 and 2020-01..07, analytical counts: Bandiagara, Bankass, Douentza,
    Koro, the four Mopti cercles METHODS.md §1 finds on ACLED.) Size, the same
    events with the cercle counts permuted across cercles, 20 seeds: share of
    cercle-runs mapped hot or cold, analytical counts 1.0 / 0.8 / 0.5 % (2019 /
    2020-01..07 / 2018), permutation counts 0.0 % each, analytical rate 1.0 /
    1.4 / 1.7 %, permutation rate 0.2 / 0.0 / 0.2 %. Analytical counts map the
    whole Mopti cluster and stay under the 3 % the issue allows; permutation
    is more conservative (half the cluster) and is offered for a stricter
    test. Rates add small, sparsely hit cercles (Tominian, Mopti) and make
    more false flags on the null.

    On sparse hexes the normal approximation is poor: Gi* on the ~12,000 H3
    cells (resolution 6) within 50 km of the 2019 UCDP events (334 events)
    maps 277 cells hot, but the same counts permuted across the cells map
    213-251 (1.9 %; 2020-01..07: 280 hot on the data, 2.2 % on the null),
    so a hex Gi* map with analytical p is mostly single-event cells; prefer
    admin units (the default ``gistar_on``) for Gi*.
    """
    if value_col not in units_gdf.columns:
        raise ParameterError(
            f"`value_col` was {value_col!r} but the units have no such column; "
            f"columns: {[c for c in units_gdf.columns if c != units_gdf.geometry.name]}."
        )
    _choice(weights, ("auto", "queen", "hex"), name="weights")
    _choice(inference, GISTAR_INFERENCES, name="inference")
    _choice(value, GISTAR_VALUES, name="value")
    if not 0 < float(alpha) < 1:
        raise ParameterError(f"`alpha` was {alpha!r}; give a level between 0 and 1, e.g. 0.05.")
    if int(permutations) < 99:
        raise ParameterError(
            f"`permutations` was {permutations!r}; give at least 99 (9,999 usual)."
        )
    counts = pd.to_numeric(units_gdf[value_col], errors="coerce").to_numpy(dtype=float)
    if (~np.isfinite(counts)).any() or (counts < 0).any():
        raise ParameterError(
            f"column {value_col!r} must hold counts >= 0; "
            f"{int((~np.isfinite(counts) | (counts < 0)).sum())} unit(s) do not."
        )
    total = float(counts.sum())
    if total < min_events:
        raise InsufficientDataError(
            GISTAR_MESSAGES["too_few"].format(
                min_events=min_events, n_units=len(counts), total=f"{total:g}"
            )
        )
    values = counts if value == "counts" else _per_km2(units_gdf, counts)
    kind = weights
    if kind == "auto":
        kind = "hex" if "hex" in units_gdf.columns else "queen"
    if kind == "hex":
        if "hex" not in units_gdf.columns:
            raise ParameterError("hex weights need an 'hex' column; use geo.hotspots.hex_counts.")
        left, right = _hex_neighbours([str(c) for c in units_gdf["hex"]])
    else:
        left, right = _queen_neighbours(np.asarray(units_gdf.geometry.values, dtype=object))

    n = len(values)
    n_neighbours = np.bincount(left, minlength=n)
    kept = np.flatnonzero(n_neighbours > 0)
    islands = np.flatnonzero(n_neighbours == 0)
    if kept.size < 3:
        raise InsufficientDataError(
            f"Gi* needs units with neighbours, but {islands.size} of {n} units have none; "
            "use contiguous units (admin units or hexes covering a study area)."
        )
    y = values[kept]
    if np.ptp(y) == 0:
        raise InsufficientDataError(
            f"every unit holds the same value ({y[0]:g}); Gi* cannot find hot or cold spots."
        )
    graph, focal, neighbour = _graph(left, right, kept, n)
    z = _z_scores(y, graph)
    used_perms = 0
    if inference == "analytical":
        p = np.minimum(1.0, 2.0 * stats.norm.sf(np.abs(z)))
    else:
        tests = kept.size if fdr else 1
        wanted = max(int(permutations), permutations_needed(tests, alpha=float(alpha)))
        used_perms = min(wanted, int(max_permutations))
        p = _permutation_p(y, focal, neighbour, permutations=used_perms, seed=seed)
    p_adj = benjamini_hochberg(p) if fdr else p

    z_all = np.full(n, np.nan)
    p_all = np.full(n, np.nan)
    padj_all = np.full(n, np.nan)
    z_all[kept], p_all[kept], padj_all[kept] = z, p, p_adj
    significant = padj_all <= alpha
    cls = np.full(n, "not_significant", dtype=object)
    cls[significant & (z_all > 0)] = "hot"
    cls[significant & (z_all < 0)] = "cold"
    cls[islands] = "excluded"

    out = units_gdf.copy()
    out["analysed_value"] = values
    out["n_neighbours"] = n_neighbours
    out["z"] = z_all
    out["p"] = p_all
    out["p_adjusted"] = padj_all
    out["gistar_class"] = cls
    out["gistar_inference"] = inference
    out["gistar_value"] = value
    out.attrs = dict(units_gdf.attrs)
    out.attrs["gistar"] = {
        "value_col": value_col,
        "inference": inference,
        "value": value,
        "weights": kind,
        "alpha": float(alpha),
        "fdr": bool(fdr),
        "permutations": used_perms,
        "permutations_requested": int(permutations) if inference == "permutation" else 0,
        "seed": seed,
        "events": total,
        "units_tested": int(kept.size),
        "excluded_no_neighbours": list(units_gdf.index[islands]),
        "classes": {c: int((cls == c).sum()) for c in GISTAR_CLASSES},
        "note": _note(kept.size, used_perms, float(alpha), fdr=bool(fdr), inference=inference),
    }
    return out


def gistar_sentence(result: pd.DataFrame, *, units: str, tr: Translator = _EN) -> str:
    """One sentence saying what a Gi* run found and how (inference, value, FDR).

    Parameters
    ----------
    result : DataFrame
        Output of :func:`gistar` (its ``attrs["gistar"]``).
    units : str
        What the units are, plural (e.g. ``"cercles"``, ``"H3 cells"``).
    tr : Translator
        The language (English by default).

    Returns
    -------
    str
        E.g. "Gi* on 51 cercles (incident counts per unit; analytical normal
        p-values from the z-score (two-sided), Benjamini-Hochberg FDR at 0.05):
        4 hot, 0 cold, 47 not significant, 0 excluded (no neighbours)."
    """
    info = result.attrs["gistar"]
    inference, value = GISTAR_INFERENCES[info["inference"]], GISTAR_VALUES[info["value"]]
    how = tr.gettext(inference)
    if info["inference"] == "permutation":
        how += ", " + tr.gettext("{n} permutations, seed {seed}").format(
            n=tr.number(info["permutations"]), seed=info["seed"]
        )
    alpha = f"{info['alpha']:g}".replace(".", "," if tr.lang == "fr" else ".")
    test = (
        tr.gettext("Benjamini-Hochberg FDR at {alpha}").format(alpha=alpha)
        if info["fdr"]
        else tr.gettext("alpha {alpha} without correction").format(alpha=alpha)
    )
    c = info["classes"]
    text = tr.gettext(
        "Gi* on {n} {units} ({value}; {how}; {test}): {hot} hot, {cold} cold, {ns} not "
        "significant, {excluded} excluded (no neighbours)."
    ).format(
        n=tr.number(len(result)),
        units=units,
        value=tr.gettext(value),
        how=how,
        test=test,
        hot=tr.number(c["hot"]),
        cold=tr.number(c["cold"]),
        ns=tr.number(c["not_significant"]),
        excluded=tr.number(c["excluded"]),
    )
    note = info["note"]
    return f"{text} {gistar_message(note, tr=tr)}" if note else text


def gistar_message(message: str, *, tr: Translator = _EN) -> str:
    """Render why Gi* did not run, or a Gi* note (:data:`GISTAR_MESSAGES`), in ``tr``'s words.

    Parameters
    ----------
    message : str
        The English text (``Analysis.gistar_message``, the ``note`` of ``attrs["gistar"]``).
    tr : Translator
        The language (English by default: the text is returned as it is).

    Returns
    -------
    str
        The text in that language (unchanged when it matches no template).

    Examples
    --------
    >>> gistar_message(GISTAR_MESSAGES["not_requested"], tr=translator("fr"))
    "Gi* n'a pas été demandé."
    """
    from geo.validate import translate_message

    return translate_message(message, tr=tr, templates=tuple(GISTAR_MESSAGES.values()))


def _per_km2(units_gdf: gpd.GeoDataFrame, counts: np.ndarray) -> np.ndarray:
    """Return counts per km² of each unit's area in the equal-area metric CRS."""
    area_km2 = to_metric(units_gdf, what="units").area.to_numpy() / 1e6
    if (~(area_km2 > 0)).any():
        raise ParameterError(
            f"{int((~(area_km2 > 0)).sum())} unit(s) have no area; rates per km² need "
            "polygons (use value='counts' for points)."
        )
    return counts / area_km2


def _note(m: int, permutations: int, alpha: float, *, fdr: bool, inference: str) -> str:
    """Say when the permutations were capped below what BH needs."""
    if inference != "permutation":
        return ""
    floor = 2.0 / (permutations + 1)
    if floor > alpha:
        return GISTAR_MESSAGES["p_floor"].format(
            permutations=f"{permutations:,}", floor=f"{floor:.2g}", alpha=f"{alpha:g}"
        )
    needed = math.ceil(m * floor / alpha) if fdr else 1
    if needed > 1:
        return GISTAR_MESSAGES["fdr_floor"].format(
            m=f"{m:,}", permutations=f"{permutations:,}", needed=f"{needed:,}", floor=f"{floor:.2g}"
        )
    return ""


def _graph(
    left: np.ndarray, right: np.ndarray, kept: np.ndarray, n: int
) -> tuple[object, np.ndarray, np.ndarray]:
    """Build the binary Graph with self-weights over the kept units, and its pairs."""
    from libpysal.graph import Graph

    new_pos = np.full(n, -1, dtype=np.intp)
    new_pos[kept] = np.arange(kept.size)
    both = (new_pos[left] >= 0) & (new_pos[right] >= 0)
    focal, neighbour = new_pos[left[both]], new_pos[right[both]]
    self_ids = np.arange(kept.size)
    graph = Graph.from_arrays(
        np.concatenate([focal, self_ids]),
        np.concatenate([neighbour, self_ids]),
        np.ones(focal.size + kept.size),
    )
    return graph, focal, neighbour


def _z_scores(y: np.ndarray, graph: object) -> np.ndarray:
    """Standardised Gi* from ``esda.G_Local(star=True)`` with binary weights."""
    from esda.getisord import G_Local

    g = G_Local(y, graph, transform="B", permutations=0, star=True, keep_simulations=False)
    return np.asarray(g.Zs, dtype=float)


def _permutation_p(
    y: np.ndarray,
    focal: np.ndarray,
    neighbour: np.ndarray,
    *,
    permutations: int,
    seed: int,
) -> np.ndarray:
    """Tie-aware two-sided conditional-permutation p-values."""
    m = y.size
    observed = np.bincount(focal, weights=y[neighbour], minlength=m)
    cardinality = np.bincount(focal, minlength=m)
    ge, le = _conditional_counts(y, observed, cardinality, permutations=permutations, seed=seed)
    return np.minimum(1.0, 2.0 * (np.minimum(ge, le) + 1.0) / (permutations + 1.0))


def _conditional_counts(
    y: np.ndarray,
    observed: np.ndarray,
    cardinality: np.ndarray,
    *,
    permutations: int,
    seed: int,
    max_draws: int = 4_000_000,
) -> tuple[np.ndarray, np.ndarray]:
    """Count permutations whose neighbour sum is >= and <= the observed one, per unit.

    Conditional randomisation (Anselin 1995): unit i keeps its value; its
    ``cardinality[i]`` neighbours are replaced by values drawn without
    replacement from the other n - 1 units. The draws are those of
    ``esda.crand`` (the same ``permutations × max(cardinality)`` index table,
    from ``numpy.random.RandomState(seed).choice``, made locally so NumPy's
    global generator is left alone), so the ">=" counts reproduce esda's.
    Units are processed in chunks of at most ``max_draws`` draws.
    """
    n = y.size
    max_card = int(cardinality.max())
    # Legacy RandomState on purpose: it reproduces esda's draws, and it is local.
    rng = np.random.RandomState(seed)
    table = np.empty((permutations, max_card), dtype=np.int64)
    for k in range(permutations):
        table[k] = rng.choice(n - 1, size=max_card, replace=False)
    ge = np.zeros(n, dtype=np.int64)
    le = np.zeros(n, dtype=np.int64)
    slots = np.arange(max_card)
    chunk = max(1, max_draws // (permutations * max_card))
    for start in range(0, n, chunk):
        units = np.arange(start, min(start + chunk, n))
        idx = table[None, :, :] + (table[None, :, :] >= units[:, None, None])
        draws = np.where(slots < cardinality[units, None, None], y[idx], 0.0)
        sims = draws.sum(axis=2)
        obs = observed[units, None]
        tol = 1e-9 * np.maximum(1.0, np.abs(obs))
        ge[units] = (sims >= obs - tol).sum(axis=1)
        le[units] = (sims <= obs + tol).sum(axis=1)
    return ge, le
