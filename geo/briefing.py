"""What changed since the last briefing: new incidents near key places, and emerging hot spots.

A briefing officer asks two questions besides "where": what happened near the
places we care about since I last briefed, and which units are becoming hot
spots. :func:`since_incidents` answers the first (incidents dated after a
"since" date, up to the analysis date, within a key site's radius or a corridor
stretch's buffer, with the distance and the nearest town, ordered by the
place's incident exposure); :func:`what_changed` adds the emerging hot spot
analysis (:mod:`geo.emerging`) of the analysis window and the units that became
new, consecutive or intensifying hot spots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import METRIC_CRS, WGS84
from geo.emerging import BECAME_HOT, EmergingResult, emerging_for_incidents, unit_sentence
from geo.errors import InsufficientDataError, ParameterError
from geo.i18n import Translator, gettext_noop, translator
from geo.schema import CATEGORY_LABELS
from geo.segments import _nearest_towns
from geo.settings import DEFAULTS

#: The default language of every text here (callers pass ``tr`` for another).
_EN: Translator = translator()

__all__ = [
    "SINCE_COLUMNS",
    "WhatChanged",
    "default_since",
    "since_incidents",
    "what_changed",
    "format_since",
    "PLACE_KIND_WORDS",
]

#: Columns of the since-list, in order.
SINCE_COLUMNS: list[str] = [
    "place_kind",
    "place",
    "place_exposure",
    "event_date",
    "category",
    "event_type",
    "fatalities",
    "location",
    "distance_km",
    "nearest_town",
    "nearest_town_km",
    "source",
    "event_id",
]


def default_since(as_of: object, *, days: int = DEFAULTS.since_days) -> dt.date:
    """Give the default "since" date: ``days`` before the analysis date.

    Parameters
    ----------
    as_of : date-like
        Analysis date.
    days : int
        How far back (``Settings.since_days``, 7).

    Returns
    -------
    datetime.date

    Examples
    --------
    >>> default_since("2020-12-29")
    datetime.date(2020, 12, 22)
    """
    return (pd.Timestamp(as_of) - pd.Timedelta(days=int(days))).date()


def _segment_labels(segments: pd.DataFrame, route_labels: Mapping[str, str]) -> np.ndarray:
    """Name each segment as a reader finds it: route, kilometres and the nearest town."""
    town = segments["nearest_town"] if "nearest_town" in segments.columns else ""
    rows = zip(segments["route_id"], segments["km_from"], segments["km_to"], town, strict=True)
    return np.array(
        [
            f"{route_labels.get(str(r), str(r))}: km {a:,.0f}–{b:,.0f}"
            + (f" near {t}" if t else "")
            for r, a, b, t in rows
        ],
        dtype=object,
    )


def since_incidents(
    incidents: gpd.GeoDataFrame,
    *,
    sites: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame,
    since: object,
    as_of: object,
    site_radius_km: float = DEFAULTS.site_radius_km,
    buffer_km: float = DEFAULTS.buffer_km,
    include_imprecise: bool = DEFAULTS.include_imprecise,
    route_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """List the incidents since a date near each key site and corridor stretch.

    Parameters
    ----------
    incidents : GeoDataFrame
        Canonical incidents (EPSG:4326), e.g. ``Analysis.incidents``. Not modified.
    sites : GeoDataFrame
        Sites with ``name``, ``exposure`` and ``is_key_site``
        (:func:`geo.sites.site_exposure`); only key sites are listed.
    segments : GeoDataFrame
        Route segments with their exposure (``route_id``, ``km_from``,
        ``km_to``, ``exposure_per_km``, ``nearest_town``, geometry), e.g.
        ``Analysis.segments``: each segment is a corridor stretch.
    towns : GeoDataFrame
        Town points with ``name`` (:func:`geo.io.bundled.load_towns`).
    since, as_of : date-like
        Incidents dated after ``since`` and up to ``as_of`` (both days as
        dates; the default ``since`` of :func:`default_since` makes 7 days).
    site_radius_km, buffer_km : float
        A site's radius and a stretch's buffer, km.
    include_imprecise : bool
        Also list events whose location is not their own place (their
        distance would be that of a centroid; off by default).
    route_labels : Mapping of str to str, optional
        Readable route names by ``route_id`` (default the ids).

    Returns
    -------
    DataFrame
        :data:`SINCE_COLUMNS`, one row per (place, incident) pair, ordered by the
        place's exposure (site exposure, or the stretch's exposure per km: the
        same unit), then the incident's date (newest first) and distance.
        ``attrs`` hold ``since``, ``as_of``, ``n_since`` (incidents in the
        period anywhere), ``n_listed`` (distinct incidents listed),
        ``n_imprecise_left_out`` and the radii.

    Raises
    ------
    ParameterError
        If ``since`` is after ``as_of``.

    Notes
    -----
    Distances are measured in :data:`geo.crs.METRIC_CRS` (within 0.33 % of the
    geodesic over western Mali); the nearest town and its distance come from
    the same nearest-town lookup as the route segments. An incident near two
    sites, or near two routes, is listed under each; near several stretches of
    one route, under the nearest stretch only. Stretches are the segments of
    the route exposure (``Settings.segment_km``, 5 km).
    """
    start, end = pd.Timestamp(since).normalize(), pd.Timestamp(as_of).normalize()
    if start > end:
        raise ParameterError(
            f"the 'since' date {start.date()} is after the analysis date {end.date()}; "
            "give an earlier date."
        )
    dates = pd.to_datetime(incidents["event_date"]).dt.normalize()
    period = ((dates > start) & (dates <= end)).to_numpy()
    precise = incidents["precise"].fillna(False).astype(bool).to_numpy()
    keep = period & (precise | bool(include_imprecise))
    recent = incidents[keep]
    recent_m = np.asarray(recent.geometry.to_crs(METRIC_CRS).values)

    key = sites[sites["is_key_site"].astype(bool)] if len(sites) else sites
    places = [
        ("key site", np.asarray(key.geometry.to_crs(METRIC_CRS).values), site_radius_km, key),
        ("corridor", np.asarray(segments.to_crs(METRIC_CRS).geometry.values), buffer_km, segments),
    ]
    rows: list[pd.DataFrame] = []
    for kind, geoms, radius_km, table in places:
        present = np.array([g is not None and not shapely.is_empty(g) for g in geoms], bool)
        if not len(recent) or not present.any():
            continue
        tree = shapely.STRtree(recent_m)
        p_idx, i_idx = tree.query(geoms[present], predicate="dwithin", distance=radius_km * 1000.0)
        p_idx = np.flatnonzero(present)[p_idx]
        if kind == "key site":
            names = table["name"].fillna("").astype(str).to_numpy()
            exposure = table["exposure"].to_numpy(dtype=float)
            group = np.arange(len(table)).astype(str)
        else:
            names = _segment_labels(table, dict(route_labels or {}))
            exposure = table["exposure_per_km"].to_numpy(dtype=float)
            group = table["route_id"].astype(str).to_numpy()
        hit = recent.iloc[i_idx]
        rows.append(
            pd.DataFrame(
                {
                    "place_kind": kind,
                    "place": names[p_idx],
                    "place_exposure": exposure[p_idx],
                    "distance_km": shapely.distance(geoms[p_idx], recent_m[i_idx]) / 1000.0,
                    "_group": kind + "|" + group[p_idx],
                    "_row": i_idx,
                    **{
                        c: hit[c].to_numpy()
                        for c in ("event_date", "category", "event_type", "fatalities")
                    },
                    **{
                        c: hit[c].fillna("").astype(str).to_numpy()
                        for c in ("location", "source", "event_id")
                    },
                }
            )
        )
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=[*SINCE_COLUMNS])
    if len(table):
        # an incident within the buffer of several stretches of one route: its nearest stretch
        table = table.sort_values("distance_km", kind="stable").drop_duplicates(["_group", "_row"])
        xy = shapely.get_coordinates(recent_m[table["_row"].to_numpy()])
        lonlat = shapely.get_coordinates(
            np.asarray(recent.geometry.to_crs(WGS84).values)[table["_row"].to_numpy()]
        )
        table["nearest_town"], table["nearest_town_km"] = _nearest_towns(xy, lonlat, towns)
        table = table.sort_values(
            ["place_exposure", "place", "event_date", "distance_km"],
            ascending=[False, True, False, True],
            kind="stable",
        )
    out = table.reindex(columns=SINCE_COLUMNS).reset_index(drop=True)
    out.attrs = {
        "since": str(start.date()),
        "as_of": str(end.date()),
        "n_since": int(period.sum()),
        "n_listed": int(out["event_id"].nunique()) if len(out) else 0,
        "n_imprecise_left_out": int((period & ~precise).sum()) if not include_imprecise else 0,
        "site_radius_km": float(site_radius_km),
        "buffer_km": float(buffer_km),
    }
    return out


@dataclass(frozen=True, eq=False)
class WhatChanged:
    """The "What changed" part of a briefing.

    Attributes
    ----------
    since : DataFrame
        :func:`since_incidents`.
    emerging : EmergingResult or None
        The emerging hot spot analysis of the window (None when it could not
        run; ``emerging_message`` says why).
    emerging_message : str or None
        Why there is no emerging analysis.
    became_hot : list of str
        One sentence per unit that is a new, consecutive or intensifying hot
        spot (:func:`geo.emerging.unit_sentence`), most incidents first.
    step : str
        The cube's time step.
    """

    since: pd.DataFrame
    emerging: EmergingResult | None
    emerging_message: str | None
    became_hot: list[str] = field(default_factory=list)
    step: str = DEFAULTS.emerging_step


def what_changed(
    analysis: Any,
    *,
    towns: gpd.GeoDataFrame,
    since: object = None,
    step: str = DEFAULTS.emerging_step,
    tr: Translator = _EN,
) -> WhatChanged:
    """Compute the since-list and the emerging hot spots of an analysis window.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        One run (its incidents, sites, segments, route summary, admin units and
        parameters are used).
    towns : GeoDataFrame
        Town points for the nearest town.
    since : date-like, optional
        Default :func:`default_since` of the analysis date.
    step : {"week", "month", "quarter"}
        Time step of the emerging cube over the analysis window.
    tr : Translator
        The language of the ``became_hot`` sentences (English by default;
        ``emerging_message`` stays English, :func:`geo.emerging.emerging_message`
        renders it).

    Returns
    -------
    WhatChanged
    """
    params, filters = analysis.params, analysis.filters
    since = default_since(params.as_of) if since is None else since
    summary = analysis.route_summary
    labels = {}
    if {"route_id", "label"} <= set(summary.columns):
        labels = dict(
            zip(summary["route_id"].astype(str), summary["label"].astype(str), strict=True)
        )
    listed = since_incidents(
        analysis.incidents,
        sites=analysis.sites,
        segments=analysis.segments,
        towns=towns,
        since=since,
        as_of=params.as_of,
        site_radius_km=params.site_radius_km,
        buffer_km=params.buffer_km,
        include_imprecise=filters.include_imprecise,
        route_labels=labels,
    )
    units = analysis.admin_stats[["unit_id", "name", analysis.admin_stats.geometry.name]]
    level = {1: "adm1_id", 2: "adm2_id"}.get(params.admin_level, "adm2_id")
    try:
        result = emerging_for_incidents(
            analysis.incidents,
            units,
            unit_col=level,
            step=step,
            start=filters.start,
            end=filters.end,
        )
    except InsufficientDataError as exc:
        return WhatChanged(listed, None, str(exc), [], step)
    hot = result.units[result.units["category"].isin(BECAME_HOT)]
    hot = hot.sort_values(["incidents", "name"], ascending=[False, True])
    sentences = [
        unit_sentence(r.name, r.category, r.n_hot, r.n_cold, r.n_steps, step, tr=tr)
        for r in hot.itertuples(index=False)
    ]
    return WhatChanged(listed, result, None, sentences, step)


#: ``place_kind`` of the since-list -> its word.
PLACE_KIND_WORDS: dict[str, str] = {
    "key site": gettext_noop("key site"),
    "corridor": gettext_noop("corridor"),
}


def format_since(table: pd.DataFrame, *, n: int = 20, tr: Translator = _EN) -> str:
    """Write the since-list as plain lines for the terminal.

    Parameters
    ----------
    table : DataFrame
        :func:`since_incidents`.
    n : int
        Rows shown at most (the rest are counted).
    tr : Translator
        The language of the lines (English by default).

    Returns
    -------
    str
        A heading line, then one line per row.
    """
    from geo.provenance import format_day

    a = table.attrs
    head = tr.ngettext(
        "After {since} (to {as_of}): {n} incident in all, {listed} within {radius} km of a "
        "key site or {buffer} km of a corridor stretch.",
        "After {since} (to {as_of}): {n} incidents in all, {listed} within {radius} km of a "
        "key site or {buffer} km of a corridor stretch.",
        a["n_since"],
    ).format(
        since=format_day(a["since"], tr=tr),
        as_of=format_day(a["as_of"], tr=tr),
        n=tr.number(a["n_since"]),
        listed=tr.number(a["n_listed"]),
        radius=tr.number(a["site_radius_km"]),
        buffer=tr.number(a["buffer_km"]),
    )
    if a.get("n_imprecise_left_out"):
        head += " " + tr.gettext("Not placed (imprecise location): {n}.").format(
            n=tr.number(a["n_imprecise_left_out"])
        )
    lines = [head]
    for row in table.head(n).itertuples(index=False):
        lines.append(
            "  "
            + tr.gettext(
                "{place} ({kind}, exposure {exposure}): {day} {category}, {killed} killed, "
                "{distance} km away, {town_km} km from {town}."
            ).format(
                place=row.place,
                kind=tr.gettext(PLACE_KIND_WORDS.get(str(row.place_kind), str(row.place_kind))),
                exposure=tr.number(row.place_exposure, 2),
                day=format_day(row.event_date, tr=tr),
                category=tr.gettext(CATEGORY_LABELS.get(str(row.category), str(row.category))),
                killed=tr.number(row.fatalities),
                distance=tr.number(row.distance_km, 1),
                town_km=tr.number(row.nearest_town_km),
                town=row.nearest_town,
            )
        )
    if len(table) > n:
        more = tr.number(len(table) - n)
        lines.append("  " + tr.gettext("... and {n} more rows.").format(n=more))
    return "\n".join(lines)
