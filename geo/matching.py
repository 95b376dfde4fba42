"""Events reported by two sources found and counted once, in the spirit of MELTT (METHODS.md §5).

Rule (Donnay et al. 2019, MELTT): two events from *different* sources are one
event when

* their dates differ by at most ``days`` plus what their date precisions add
  (:attr:`geo.settings.Settings.match_widen_days`, per event: a week-dated
  event may lie 6 days off, a month-dated one 30);
* their points are at most ``km`` apart plus what their location precisions add
  (:attr:`geo.settings.Settings.match_widen_km`, per event: ``geo_precision``
  2 "near a place" 5 km, 3 "area centroid" 25 km), distances in
  :data:`geo.crs.METRIC_CRS`;
* their categories are compatible (:data:`COMPATIBLE`: the same category, or an
  armed attack coded by one source as a convoy, site, explosive, abduction or
  civilian attack by another, and so on).

Candidate pairs are taken best first (smallest sum of the distance and the
date gap, each as a share of its window) and joined into clusters that hold at
most one event per source, so two events of one source are never merged (a
source's own coding of two events on one day stays two events). In each
cluster the copy of the first source in ``priority``
(:attr:`geo.settings.Settings.match_source_priority`) is kept and counted; the
others get ``duplicate_of`` = ``"<source>:<event_id>"`` of the kept copy.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.crs import METRIC_CRS
from geo.i18n import gettext_noop
from geo.settings import DEFAULTS

__all__ = [
    "COMPATIBLE",
    "DUPLICATE_SENTENCES",
    "MergedSources",
    "categories_compatible",
    "duplicates_sentence",
    "find_duplicates",
    "merge_notes",
    "merge_sources",
]

#: Pairs of different categories that two sources may give one event (symmetric).
#: Every category is compatible with itself.
COMPATIBLE: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("armed_attack", "attack_on_convoy"),
        ("armed_attack", "attack_on_site"),
        ("armed_attack", "explosive"),
        ("armed_attack", "abduction"),
        ("armed_attack", "violence_against_civilians"),
        ("violence_against_civilians", "abduction"),
        ("violence_against_civilians", "attack_on_convoy"),
        ("violence_against_civilians", "attack_on_site"),
        ("explosive", "attack_on_convoy"),
        ("explosive", "attack_on_site"),
        ("abduction", "attack_on_convoy"),
        ("abduction", "attack_on_site"),
        ("other", "attack_on_site"),
        ("other", "unrest"),
    )
)
_SENTENCE = re.compile(r"^[\d,]+ events? found in two (or more )?sources, counted once\.")

#: The note :func:`merge_sources` adds (English; ``geo.exposure.note_text`` renders it
#: in another language): one event or ``{n}`` events, in two or in two or more sources.
DUPLICATE_SENTENCES: dict[tuple[bool, bool], str] = {
    (False, True): gettext_noop("1 event found in two sources, counted once."),
    (False, False): gettext_noop("{n} events found in two sources, counted once."),
    (True, True): gettext_noop("1 event found in two or more sources, counted once."),
    (True, False): gettext_noop("{n} events found in two or more sources, counted once."),
}


def categories_compatible(a: str, b: str) -> bool:
    """Tell whether two sources' categories may describe one event.

    Examples
    --------
    >>> categories_compatible("armed_attack", "attack_on_convoy")
    True
    >>> categories_compatible("unrest", "explosive")
    False
    """
    return a == b or frozenset((a, b)) in COMPATIBLE


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def find_duplicates(
    incidents: gpd.GeoDataFrame,
    *,
    days: float = DEFAULTS.match_days,
    km: float = DEFAULTS.match_km,
    widen_days: Mapping[str, float] = DEFAULTS.match_widen_days,
    widen_km: Mapping[int, float] = DEFAULTS.match_widen_km,
    priority: Sequence[str] = DEFAULTS.match_source_priority,
) -> pd.Series:
    """Link the copies of events that several sources report (the module's rule).

    Parameters
    ----------
    incidents : GeoDataFrame
        Canonical incidents of one or more sources (EPSG:4326).
    days, km : float
        Base windows (see the module docstring).
    widen_days : Mapping
        Days added per event by ``date_precision``.
    widen_km : Mapping
        Kilometres added per event by ``geo_precision``.
    priority : sequence of str
        Source order deciding which copy is kept.

    Returns
    -------
    Series of str
        Aligned with ``incidents``: ``""`` for an event counted, else
        ``"<source>:<event_id>"`` of the copy kept for it.
    """
    n = len(incidents)
    out = pd.Series([""] * n, index=incidents.index, dtype=object)
    sources = incidents["source"].astype(str).to_numpy()
    if n < 2 or len(set(sources)) < 2:
        return out
    metric = incidents.geometry.to_crs(METRIC_CRS)
    xy = np.column_stack([metric.x.to_numpy(), metric.y.to_numpy()]) / 1000.0
    day = pd.to_datetime(incidents["event_date"]).to_numpy("datetime64[D]").astype(np.int64)
    wd = incidents["date_precision"].map(lambda p: float(widen_days.get(str(p), 0.0))).to_numpy()
    wk = incidents["geo_precision"].map(lambda p: float(widen_km.get(int(p), 0.0))).to_numpy()
    cats = incidents["category"].astype(str).to_numpy()
    names = sorted(set(sources))
    groups = {s: np.flatnonzero(sources == s) for s in names}
    max_wk = float(max(widen_km.values(), default=0.0))
    labels = sorted(set(cats))
    code = np.searchsorted(labels, cats)
    compatible = np.array([[categories_compatible(a, b) for b in labels] for a in labels])
    pairs_i, pairs_j, scores = [], [], []
    for a_pos, a in enumerate(names):
        ia = groups[a]
        for b in names[a_pos + 1 :]:
            ib = groups[b]
            # Every pair within the widest window, then the exact rule on arrays.
            # (output "ndarray" keeps pairs at distance 0, which a sparse matrix drops)
            near = cKDTree(xy[ia]).sparse_distance_matrix(
                cKDTree(xy[ib]), max_distance=km + 2 * max_wk, output_type="ndarray"
            )
            i, j, dist = ia[near["i"]], ib[near["j"]], near["v"]
            limit_km = km + wk[i] + wk[j]
            gap = np.abs(day[j] - day[i])
            limit_days = days + wd[i] + wd[j]
            ok = (dist <= limit_km) & (gap <= limit_days) & compatible[code[i], code[j]]
            pairs_i.append(i[ok])
            pairs_j.append(j[ok])
            scores.append(
                dist[ok] / np.maximum(limit_km[ok], 1e-9)
                + gap[ok] / np.maximum(limit_days[ok], 1e-9)
            )
    cand_i = np.concatenate(pairs_i).tolist() if pairs_i else []
    cand_j = np.concatenate(pairs_j).tolist() if pairs_j else []
    cand_score = np.concatenate(scores) if scores else np.array([])
    if not cand_i:
        return out
    parent = list(range(n))
    members: dict[int, set[str]] = {i: {sources[i]} for i in range(n)}
    # Best first; ties broken by row order, so the result does not depend on the search.
    for k in np.lexsort((cand_j, cand_i, cand_score)):
        ri, rj = _find(parent, cand_i[k]), _find(parent, cand_j[k])
        if ri == rj or members[ri] & members[rj]:
            continue
        parent[rj] = ri
        members[ri] |= members.pop(rj)
    rank = {s: r for r, s in enumerate(priority)}
    clusters: dict[int, list[int]] = {}
    for i in range(n):
        clusters.setdefault(_find(parent, i), []).append(i)
    ids = incidents["event_id"].astype(str).to_numpy()
    values = out.to_numpy().copy()
    for rows in clusters.values():
        if len(rows) < 2:
            continue
        keep = min(rows, key=lambda r: (rank.get(sources[r], len(rank)), r))
        for r in rows:
            if r != keep:
                values[r] = f"{sources[keep]}:{ids[keep]}"
    return pd.Series(values, index=incidents.index, dtype=object)


def duplicates_sentence(n_events: int, *, more_than_two: bool = False) -> str:
    """Say how many events were found in several sources and counted once.

    Examples
    --------
    >>> duplicates_sentence(20)
    '20 events found in two sources, counted once.'
    >>> duplicates_sentence(1)
    '1 event found in two sources, counted once.'
    """
    template = DUPLICATE_SENTENCES[(bool(more_than_two), n_events == 1)]
    return template.format(n=f"{n_events:,}")


def merge_notes(report: object) -> list[str]:
    """Return the notes of a validation report that :func:`merge_sources` wrote."""
    return [n for n in getattr(report, "notes", ()) if _SENTENCE.match(str(n))]


@dataclass(frozen=True)
class MergedSources:
    """Incidents of several sources with the copies of one event counted once.

    Attributes
    ----------
    incidents : GeoDataFrame
        The events counted (canonical columns), ``RangeIndex``.
    duplicates : GeoDataFrame
        The linked copies, canonical columns plus ``duplicate_of``.
    report : ValidationReport
        The base report with a note saying how many events were merged.
    n_events : int
        Events found in more than one source.
    """

    incidents: gpd.GeoDataFrame
    duplicates: gpd.GeoDataFrame
    report: object
    n_events: int


def merge_sources(
    incidents: gpd.GeoDataFrame,
    extra: gpd.GeoDataFrame,
    report: object,
    *,
    extra_label: str,
) -> MergedSources:
    """Add another source's incidents (the team's log) and count shared events once.

    Parameters
    ----------
    incidents : GeoDataFrame
        Canonical incidents already read (bundled data or a file).
    extra : GeoDataFrame
        Canonical incidents of another source (e.g. :meth:`geo.log.store.LogStore.incidents`).
    report : ValidationReport
        The report of the read of ``incidents``; notes are added to it.
    extra_label : str
        How the extra source is named in the note (e.g. ``"the incident log log.gpkg"``).

    Returns
    -------
    MergedSources
        Counted events, linked copies and the report with two notes: how many
        incidents the extra source added, and :func:`duplicates_sentence`.
    """
    both = pd.concat([incidents, extra], ignore_index=True)
    combined = gpd.GeoDataFrame(both, geometry="geometry", crs=incidents.crs or extra.crs)
    link = find_duplicates(combined)
    dup = link != ""
    kept_ids = set(link[dup])
    multi = link[dup].value_counts()
    n_events = len(kept_ids)
    notes = [
        f"1 incident added from {extra_label}."
        if len(extra) == 1
        else f"{len(extra):,} incidents added from {extra_label}."
    ]
    if n_events:
        notes.append(duplicates_sentence(n_events, more_than_two=bool((multi > 1).any())))
    merged_report = dataclasses.replace(report, notes=(*report.notes, *notes))
    copies = combined.loc[dup.to_numpy()].copy()
    copies["duplicate_of"] = link[dup].to_numpy()
    return MergedSources(
        incidents=combined.loc[~dup.to_numpy()].reset_index(drop=True),
        duplicates=copies.reset_index(drop=True),
        report=merged_report,
        n_events=n_events,
    )
