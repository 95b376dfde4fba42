"""Assign incidents to countries and administrative units, and count them per unit and window.

Assignment is one bulk ``shapely.STRtree.query(points, predicate="intersects")``
per level. For a point and a polygon, *intersects* is *covered by*: a point on
a unit's boundary belongs to it, so a point on Mali's outer border is still in
Mali. A point on a shared border (or corner) touches two or more units; the
**tie-break** gives it to the unit with the lowest ``unit_id`` in plain string
order, so every point is counted exactly once and the same input always gives
the same answer.

Levels nest: when the ADM2 layer carries the ``adm1_iso`` of its region (the
bundled layers do), a point's region is the region of its cercle, so a point on
a border that is both a cercle and a region border gets a consistent pair.
Points outside every Malian unit get their country from the country layer (same
tie-break, on ``iso3``) and no Malian unit.

Counts per unit (:func:`aggregate_admin`) include imprecise events (an event
coded to a cercle's centroid still belongs to that cercle); rates use areas
computed in :data:`geo.crs.METRIC_CRS` (equal-area), never the ``area_km2``
attribute of the layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import METRIC_CRS, WGS84, require_wgs84, to_metric
from geo.errors import ParameterError
from geo.i18n import gettext_noop
from geo.schema import CATEGORIES, fold_text

__all__ = [
    "ASSIGNED_COLUMNS",
    "AGGREGATE_LEVELS",
    "TIE_BREAK",
    "OVERLAP_MIN_KM2",
    "prepare_units",
    "assign_units",
    "assign_admin",
    "dissolve_units",
    "aggregate_admin",
    "window_bounds",
    "filter_mask",
]

#: Columns added by :func:`assign_admin` ("" when a level does not apply).
ASSIGNED_COLUMNS: list[str] = [
    "country_iso3",
    "adm1_id",
    "adm1_name",
    "adm2_id",
    "adm2_name",
    "adm3_id",
    "adm3_name",
    "region_2023",
]

#: Levels accepted by :func:`aggregate_admin` and the column each one counts by.
AGGREGATE_LEVELS: dict[object, str] = {
    1: "adm1_id",
    2: "adm2_id",
    3: "adm3_id",
    "region_2023": "region_2023",
}

#: Units sharing more area than this (km²) are reported as overlapping (smaller
#: slivers are digitising noise along shared borders).
OVERLAP_MIN_KM2: float = 0.01

#: The documented rule for points that touch more than one unit.
TIE_BREAK = gettext_noop(
    "a point on a shared border goes to the unit with the lowest unit_id (string order)"
)

_POLYGONAL = {"Polygon", "MultiPolygon"}


def prepare_units(
    units: gpd.GeoDataFrame,
    *,
    what: str = "units",
    id_col: str = "unit_id",
    name_col: str = "name",
    check_overlaps: bool = True,
) -> gpd.GeoDataFrame:
    """Check a polygon layer and repair invalid polygons with ``make_valid``.

    Parameters
    ----------
    units : GeoDataFrame
        Polygon layer in EPSG:4326 with a unique, non-empty ``id_col`` and a
        ``name_col``. Not modified.
    what : str
        Name of the layer for messages.
    id_col, name_col : str
        Columns holding the unit identifier and its display name.
    check_overlaps : bool
        Look for overlapping units (one STRtree query and the intersections of
        touching pairs); off for layers where overlaps do not matter.

    Returns
    -------
    GeoDataFrame
        A layer this function already prepared (``attrs["prepared_units"]``
        with the same columns) is returned as it is, so the app and the CLI
        check their reference layers once, not on every assignment. Otherwise
        a copy with valid polygonal geometries (``shapely.make_valid`` with the
        "structure" method; never ``buffer(0)``, which drops parts of a
        self-intersecting ring); ``attrs["repaired"]`` lists the ids repaired
        and ``attrs["overlaps"]`` the pairs of units that overlap by more than
        :data:`OVERLAP_MIN_KM2` (id, id, shared km²): points in an overlap go
        to the lower id, so the user must be told.

    Raises
    ------
    CRSError
        If the layer is not in EPSG:4326.
    ParameterError
        If a column is missing, ids are empty or repeated, or a geometry is
        missing or not a polygon.
    """
    require_wgs84(units, what=what)
    done = units.attrs.get("prepared_units")
    if (
        isinstance(done, dict)
        and done.get("id_col") == id_col
        and done.get("name_col") == name_col
        and (done.get("overlaps_checked") or not check_overlaps)
    ):
        return units
    problems: list[str] = []
    missing = [c for c in (id_col, name_col) if c not in units.columns]
    if missing:
        raise ParameterError(
            f"{what}: column(s) {missing} not found; the layer has "
            f"{[c for c in units.columns if c != units.geometry.name]}; rename the columns "
            "or say which ones hold the unit id and name."
        )
    ids = units[id_col].astype(str)
    blank = ids.str.strip().eq("") | units[id_col].isna()
    if blank.any():
        problems.append(f"{int(blank.sum())} unit(s) with an empty {id_col!r}")
    dup = ids[ids.duplicated(keep=False) & ~blank]
    if len(dup):
        problems.append(f"repeated {id_col!r} values {sorted(set(dup))[:5]}")
    geoms = np.asarray(units.geometry.values, dtype=object)
    missing_geom = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing_geom.any():
        problems.append(
            f"{int(missing_geom.sum())} unit(s) without geometry: {list(ids[missing_geom])[:5]}"
        )
    kinds = shapely.get_type_id(geoms)
    not_poly = ~missing_geom & ~np.isin(kinds, (3, 6))
    if not_poly.any():
        problems.append(
            f"{int(not_poly.sum())} unit(s) that are not polygons: {list(ids[not_poly])[:5]}"
        )
    if problems:
        raise ParameterError(
            f"{what}: " + "; ".join(problems) + "; fix the layer and load it again."
        )
    invalid = ~shapely.is_valid(geoms)
    out = units.copy()
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        repaired = geoms.copy()
        repaired[invalid] = fixed
        out = out.set_geometry(gpd.GeoSeries(repaired, index=units.index, crs=units.crs))
    out.attrs = dict(units.attrs)
    out.attrs["repaired"] = list(ids[invalid])
    out.attrs["overlaps"] = (
        _overlaps(np.asarray(out.geometry.values, dtype=object), ids) if check_overlaps else []
    )
    out.attrs["prepared_units"] = {
        "id_col": id_col,
        "name_col": name_col,
        "overlaps_checked": check_overlaps,
    }
    return out


def _overlaps(geoms: np.ndarray, ids: pd.Series) -> list[tuple[str, str, float]]:
    """Pairs of units sharing more than :data:`OVERLAP_MIN_KM2` of area, with that area."""
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if left.size == 0:
        return []
    shared = shapely.intersection(geoms[left], geoms[right])
    area_km2 = gpd.GeoSeries(shared, crs=WGS84).to_crs(METRIC_CRS).area.to_numpy() / 1e6
    big = area_km2 > OVERLAP_MIN_KM2
    names = ids.to_numpy(dtype=object)
    return [
        (str(names[i]), str(names[j]), round(float(a), 3))
        for i, j, a in zip(left[big], right[big], area_km2[big], strict=True)
    ]


def _rank(ids: pd.Series) -> np.ndarray:
    """Rank of each id in string order (0 = lowest)."""
    values = ids.astype(str).to_numpy(dtype=object)
    order = np.argsort(values, kind="stable")
    rank = np.empty(len(values), dtype=np.intp)
    rank[order] = np.arange(len(values))
    return rank


def assign_units(
    points: gpd.GeoSeries | np.ndarray | Sequence[object],
    units: gpd.GeoDataFrame,
    *,
    id_col: str = "unit_id",
) -> np.ndarray:
    """Return, for each point, the position of the one unit it belongs to (or -1).

    Parameters
    ----------
    points : GeoSeries or array of shapely geometries
        Points in the same CRS as ``units``; missing, empty and NaN points
        belong to no unit.
    units : GeoDataFrame
        Valid polygons (see :func:`prepare_units`).
    id_col : str
        Column used by the tie-break.

    Returns
    -------
    ndarray of intp
        Positional index into ``units`` for each point, -1 for none.

    Notes
    -----
    One bulk STRtree query for bounding-box candidates, then one prepared
    ``covers`` test per unit over its candidates (a point on a boundary is
    covered by the polygon); points with several hits (shared
    borders, corners, overlaps) keep the unit with the lowest ``id_col`` in
    string order. Cost: one bounding-box query, one prepared test per unit,
    plus a sort of the (rare) multiple hits; within 1.3x of
    ``geopandas.sjoin(predicate="within")`` (``benchmarks/bench_admin.py``).

    Examples
    --------
    Two unit squares sharing the edge x = 1; the point on it goes to "a":

    >>> squares = gpd.GeoDataFrame(
    ...     {"unit_id": ["b", "a"]},
    ...     geometry=[shapely.box(1, 0, 2, 1), shapely.box(0, 0, 1, 1)],
    ...     crs=4326,
    ... )
    >>> assign_units(shapely.points([[1, 0.5], [1.5, 0.5], [3, 3]]), squares)
    array([ 1,  0, -1])
    """
    pts = np.asarray(getattr(points, "values", points), dtype=object)
    out = np.full(len(pts), -1, dtype=np.intp)
    if len(pts) == 0 or len(units) == 0:
        return out
    pt_idx, unit_idx = _covering_pairs(pts, np.asarray(units.geometry.values, dtype=object))
    if pt_idx.size == 0:
        return out
    hits = np.bincount(pt_idx, minlength=len(pts))
    single = hits[pt_idx] == 1
    out[pt_idx[single]] = unit_idx[single]
    if not single.all():
        multi_pt, multi_unit = pt_idx[~single], unit_idx[~single]
        rank = _rank(units[id_col])
        order = np.lexsort((rank[multi_unit], multi_pt))
        multi_pt, multi_unit = multi_pt[order], multi_unit[order]
        first = np.r_[True, multi_pt[1:] != multi_pt[:-1]]
        out[multi_pt[first]] = multi_unit[first]
    return out


def _covering_pairs(points: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(point, polygon) position pairs where the polygon covers the point, point order.

    The STRtree gives bounding-box candidates; each polygon then tests its
    candidates at once as a prepared geometry (``shapely.prepare`` caches the
    polygon's edge index, which makes a point-in-polygon test on a cercle of
    thousands of vertices cost about what ``geopandas.sjoin`` pays). "Covers"
    counts a point on the boundary, like ``intersects`` for points.
    """
    cand_pt, cand_poly = shapely.STRtree(polygons).query(points)
    if cand_pt.size == 0:
        return cand_pt, cand_poly
    keep = np.zeros(cand_pt.size, dtype=bool)
    order = np.argsort(cand_poly, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(cand_poly[order])) + 1]
    for start, stop in zip(starts, np.r_[starts[1:], order.size], strict=True):
        rows = order[start:stop]
        polygon = polygons[cand_poly[rows[0]]]
        shapely.prepare(polygon)
        keep[rows] = shapely.covers(polygon, points[cand_pt[rows]])
    pt_idx, poly_idx = cand_pt[keep], cand_poly[keep]
    by_point = np.lexsort((poly_idx, pt_idx))
    return pt_idx[by_point], poly_idx[by_point]


def _take(values: pd.Series | np.ndarray, pos: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Strings at ``pos`` ("" where ``pos`` is -1), as pandas' string array.

    The small table of unit values is built once and indexed, so no Python
    string is created per point (pandas would otherwise convert an object
    array of a million strings on assignment).
    """
    table = pd.Series(values).fillna("").astype(str).to_numpy(dtype=object)
    return pd.array(np.append(table, ""), dtype="str").take(pos)


def assign_admin(
    incidents: gpd.GeoDataFrame,
    *,
    admin1: gpd.GeoDataFrame,
    admin2: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame,
    admin3: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Add the country and the ADM1/ADM2/ADM3 unit of each incident.

    Parameters
    ----------
    incidents : GeoDataFrame
        Point incidents in EPSG:4326 (canonical record or any point layer).
        Not modified.
    admin1, admin2 : GeoDataFrame
        Malian regions and cercles in EPSG:4326 with ``unit_id`` and ``name``;
        ``admin2`` may carry ``adm1_iso`` (its region, matched to ``admin1``'s
        ``adm1_iso``) and ``region_2023``.
    countries : GeoDataFrame
        Country outlines in EPSG:4326 with ``iso3`` and ``name``.
    admin3 : GeoDataFrame, optional
        Finer units (e.g. communes from the user) with ``unit_id`` and ``name``.

    Returns
    -------
    GeoDataFrame
        A copy of ``incidents`` (same index and order) with
        :data:`ASSIGNED_COLUMNS`: ``country_iso3`` ("MLI" inside a Malian unit,
        else the country from ``countries``, else ""), ``adm1_id``,
        ``adm1_name``, ``adm2_id``, ``adm2_name`` (display name), ``adm3_id``,
        ``adm3_name`` and ``region_2023`` ("" where a level does not apply).
        ``attrs["assignment"]`` holds the counts per level and the tie-break.

    Raises
    ------
    CRSError
        If a layer is not in EPSG:4326.
    ParameterError
        If a layer lacks its id or name column or has invalid ids or geometries.

    Notes
    -----
    Tie-break: :data:`TIE_BREAK`. The region of a point comes from its cercle
    when the layers nest (``adm1_iso`` in both); otherwise, and for points in
    no cercle, it is queried directly. Invariant: for every level, the number
    of points per unit summed over units plus the unassigned points equals the
    number of rows. Cost: one STRtree query per level over all points (the
    country query only covers points outside Mali).

    Examples
    --------
    A point on the shared edge of two synthetic cercles goes to the lower id:

    >>> a = gpd.GeoDataFrame(
    ...     {"unit_id": ["C2", "C1"], "name": ["East", "West"], "adm1_iso": ["R", "R"]},
    ...     geometry=[shapely.box(1, 0, 2, 1), shapely.box(0, 0, 1, 1)],
    ...     crs=4326,
    ... )
    >>> r = gpd.GeoDataFrame(
    ...     {"unit_id": ["R"], "name": ["Region"], "adm1_iso": ["R"]},
    ...     geometry=[shapely.box(0, 0, 2, 1)],
    ...     crs=4326,
    ... )
    >>> c = gpd.GeoDataFrame(
    ...     {"iso3": ["MLI"], "name": ["Mali"]}, geometry=[shapely.box(0, 0, 2, 1)], crs=4326
    ... )
    >>> pts = gpd.GeoDataFrame(geometry=shapely.points([[1, 0.5], [5, 5]]), crs=4326)
    >>> out = assign_admin(pts, admin1=r, admin2=a, countries=c)
    >>> out["adm2_name"].tolist(), out["country_iso3"].tolist()
    (['West', ''], ['MLI', ''])
    """
    require_wgs84(incidents, what="incidents")
    a1 = prepare_units(admin1, what="admin1")
    a2 = prepare_units(admin2, what="admin2")
    ctry = prepare_units(countries, what="countries", id_col="iso3", check_overlaps=False)
    a3 = prepare_units(admin3, what="admin3") if admin3 is not None else None

    points = np.asarray(incidents.geometry.values, dtype=object)
    n = len(points)
    pos2 = assign_units(points, a2)
    pos1 = np.full(n, -1, dtype=np.intp)
    nested = "adm1_iso" in a1.columns and "adm1_iso" in a2.columns
    if nested:
        lookup = pd.Series(np.arange(len(a1)), index=a1["adm1_iso"].astype(str).to_numpy())
        lookup = lookup[~lookup.index.duplicated()]
        parent = lookup.reindex(a2["adm1_iso"].astype(str).to_numpy()).fillna(-1)
        parent_pos = np.append(parent.to_numpy(dtype=np.intp), -1)
        pos1 = parent_pos[pos2]
    todo = np.flatnonzero(pos1 < 0)
    if todo.size:
        pos1[todo] = assign_units(points[todo], a1)
    pos3 = assign_units(points, a3) if a3 is not None else np.full(n, -1, dtype=np.intp)

    in_mali = (pos1 >= 0) | (pos2 >= 0)
    # Country: a position into [countries' iso3..., "MLI"], -1 for none.
    cpos = np.full(n, -1, dtype=np.intp)
    cpos[in_mali] = len(ctry)
    outside = np.flatnonzero(~in_mali)
    if outside.size:
        cpos[outside] = assign_units(points[outside], ctry, id_col="iso3")
    country = _take(np.append(ctry["iso3"].astype(str).to_numpy(dtype=object), "MLI"), cpos)
    none = np.full(n, -1, dtype=np.intp)

    out = incidents.copy()
    out["country_iso3"] = country
    out["adm1_id"] = _take(a1["unit_id"], pos1)
    out["adm1_name"] = _take(a1["name"], pos1)
    out["adm2_id"] = _take(a2["unit_id"], pos2)
    out["adm2_name"] = _take(a2["name"], pos2)
    out["adm3_id"] = _take(a3["unit_id"], pos3) if a3 is not None else _take([], none)
    out["adm3_name"] = _take(a3["name"], pos3) if a3 is not None else _take([], none)
    region = a2["region_2023"] if "region_2023" in a2.columns else []
    out["region_2023"] = _take(region, pos2 if len(region) else none)
    country_np = np.asarray(country, dtype=object)
    out.attrs = dict(incidents.attrs)
    out.attrs["assignment"] = {
        "n": n,
        "in_mali": int(in_mali.sum()),
        "adm1_assigned": int((pos1 >= 0).sum()),
        "adm2_assigned": int((pos2 >= 0).sum()),
        "adm3_assigned": int((pos3 >= 0).sum()),
        "outside_mali_by_country": {
            str(k): int(v) for k, v in pd.Series(country_np[~in_mali]).value_counts().items() if k
        },
        "no_country": int(((country_np == "") & ~in_mali).sum()),
        "tie_break": TIE_BREAK,
        "repaired_units": [
            *a1.attrs["repaired"],
            *a2.attrs["repaired"],
            *(a3.attrs["repaired"] if a3 is not None else []),
        ],
        "overlapping_units": [
            *a1.attrs["overlaps"],
            *a2.attrs["overlaps"],
            *(a3.attrs["overlaps"] if a3 is not None else []),
        ],
    }
    return out


def dissolve_units(units: gpd.GeoDataFrame, *, by: str) -> gpd.GeoDataFrame:
    """Merge units that share a value of ``by`` into one unit per value.

    Parameters
    ----------
    units : GeoDataFrame
        Polygon layer (any CRS) with column ``by``; units with an empty value
        are left out. Not modified.
    by : str
        Column to group by (e.g. ``region_2023`` on the cercles).

    Returns
    -------
    GeoDataFrame
        One row per value, sorted by value, with ``unit_id`` and ``name`` equal
        to the value, ``n_parts`` (units merged) and the union geometry.

    Raises
    ------
    ParameterError
        If ``by`` is not a column of ``units``.
    """
    if by not in units.columns:
        raise ParameterError(
            f"cannot group units by {by!r}: no such column; the layer has "
            f"{[c for c in units.columns if c != units.geometry.name]}."
        )
    keys = units[by].fillna("").astype(str).str.strip()
    values = sorted(set(keys[keys != ""]))
    geoms = np.asarray(units.geometry.values, dtype=object)
    merged = [shapely.union_all(geoms[(keys == v).to_numpy()]) for v in values]
    parts = [int((keys == v).sum()) for v in values]
    return gpd.GeoDataFrame(
        {"unit_id": values, "name": values, "n_parts": parts},
        geometry=gpd.GeoSeries(merged, crs=units.crs),
        crs=units.crs,
    )


def _day(value: object, *, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{what} {value!r} is not a date; give it as YYYY-MM-DD.") from exc
    if pd.isna(ts):
        raise ParameterError(f"{what} is missing; give it as YYYY-MM-DD.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.normalize()


def window_bounds(
    start: object, end: object
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """Return the window and the previous window of equal length, as whole days.

    Parameters
    ----------
    start, end : date-like
        First and last day of the window, both included.

    Returns
    -------
    start, end, prev_start, prev_end : Timestamp
        The previous window ends the day before ``start`` and has the same
        number of days.

    Raises
    ------
    ParameterError
        If a date is not a date or ``start`` is after ``end``.

    Examples
    --------
    >>> [str(d.date()) for d in window_bounds("2024-03-01", "2024-03-31")]
    ['2024-03-01', '2024-03-31', '2024-01-30', '2024-02-29']
    """
    s = _day(start, what="start date")
    e = _day(end, what="end date")
    if s > e:
        raise ParameterError(
            f"start date {s.date()} is after end date {e.date()}; swap them or fix one."
        )
    days = (e - s).days + 1
    prev_end = s - pd.Timedelta(days=1)
    prev_start = prev_end - pd.Timedelta(days=days - 1)
    return s, e, prev_start, prev_end


def filter_mask(
    events: pd.DataFrame,
    *,
    event_types: Iterable[str] | None,
    categories: Iterable[str] | None,
    actors: Iterable[str] | None,
    sources: Iterable[str] | None,
) -> np.ndarray:
    """Boolean mask of the events that pass the category, type, source and actor filters.

    Parameters
    ----------
    events : DataFrame
        Canonical incidents (any subset of rows). Not modified.
    event_types, categories, actors, sources : iterable of str or None
        As for :func:`aggregate_admin`; None keeps every event.

    Returns
    -------
    ndarray of bool
        One value per row of ``events``, in order.

    Raises
    ------
    ParameterError
        If ``categories`` names a category outside :data:`geo.schema.CATEGORIES`.
    """
    mask = np.ones(len(events), dtype=bool)
    if categories is not None:
        wanted = list(categories)
        bad = [c for c in wanted if c not in CATEGORIES]
        if bad:
            raise ParameterError(
                f"`categories` had {bad} but is expected to be in {list(CATEGORIES)}"
            )
        mask &= events["category"].isin(wanted).to_numpy()
    if event_types is not None:
        wanted_types = {fold_text(t) for t in event_types}
        mask &= events["event_type"].map(fold_text).isin(wanted_types).to_numpy()
    if sources is not None:
        mask &= events["source"].astype(str).isin(list(sources)).to_numpy()
    if actors is not None:
        wanted_actors = [fold_text(a) for a in actors if fold_text(a)]
        both = (
            events["actor1"].map(fold_text) + " | " + events["actor2"].map(fold_text)
        ).to_numpy()
        mask &= np.array([any(w in text for w in wanted_actors) for text in both], dtype=bool)
    return mask


def _counts(keys: pd.Series, fatalities: pd.Series, in_window: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"key": keys[in_window], "fatalities": fatalities[in_window]})
    frame = frame[frame["key"] != ""]
    return frame.groupby("key").agg(incidents=("key", "size"), fatalities=("fatalities", "sum"))


def aggregate_admin(
    assigned: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    level: int | str,
    start: dt.date | str | pd.Timestamp,
    end: dt.date | str | pd.Timestamp,
    event_types: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
    actors: Iterable[str] | None = None,
    sources: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Count incidents and fatalities per unit in a window and against the window before.

    Parameters
    ----------
    assigned : GeoDataFrame
        Output of :func:`assign_admin` (needs ``event_date``, ``fatalities``
        and the filter columns used). Not modified.
    units : GeoDataFrame
        The units of ``level`` with ``unit_id`` and ``name`` (for
        ``"region_2023"``: the cercles with a ``region_2023`` column, merged
        here with :func:`dissolve_units`). Any CRS.
    level : {1, 2, 3, "region_2023"}
        1 regions, 2 cercles, 3 communes (``adm3_id``), or the 2023 regions.
    start, end : date-like
        First and last day of the window, both included.
    event_types : iterable of str, optional
        Keep events whose ``event_type`` is one of these (case and accents
        ignored).
    categories : iterable of str, optional
        Keep events whose ``category`` is one of :data:`geo.schema.CATEGORIES`.
    actors : iterable of str, optional
        Keep events whose ``actor1`` or ``actor2`` contains one of these (case
        and accents ignored), as :class:`geo.pipeline.Filters` defines it.
    sources : iterable of str, optional
        Keep events whose ``source`` is one of these (``acled``, ``ucdp``, ...).

    Returns
    -------
    GeoDataFrame
        One row per unit (zero-count units included), aligned to ``units``'
        index, with the unit columns plus ``area_km2`` (equal-area, from
        :data:`geo.crs.METRIC_CRS`), ``incidents``, ``fatalities``,
        ``incidents_per_1000km2``, ``fatalities_per_1000km2``,
        ``prev_incidents``, ``prev_fatalities``, ``change`` (incidents minus
        previous), ``change_pct`` (NaN when the previous window had none) and
        ``change_label`` ("new" for 0 → n, "no events" for 0 → 0, else e.g.
        "+50 %"). ``attrs["window"]`` gives both windows, the filters, the
        number of events counted and those in the window outside every unit.

    Raises
    ------
    ParameterError
        If ``level`` or a category is not allowed, a date is invalid, or
        ``units`` lack ``unit_id``/``name``.

    Notes
    -----
    rate = count / area_km2 × 1000;
    change_pct = 100 × (incidents − prev_incidents) / prev_incidents.
    Invariant: Σ incidents over units + ``attrs["window"]["unassigned"]`` =
    events in the window after filters.
    """
    event_types = None if event_types is None else [str(t) for t in event_types]
    categories = None if categories is None else [str(c) for c in categories]
    actors = None if actors is None else [str(a) for a in actors]
    sources = None if sources is None else [str(x) for x in sources]
    if level not in AGGREGATE_LEVELS:
        raise ParameterError(
            f"`level` was {level!r} but is expected to be in {list(AGGREGATE_LEVELS)}"
        )
    key_col = AGGREGATE_LEVELS[level]
    if key_col not in assigned.columns:
        raise ParameterError(
            f"incidents have no {key_col!r} column; run geo.admin.assign_admin on them first."
        )
    s, e, ps, pe = window_bounds(start, end)
    if level == "region_2023":
        units = dissolve_units(units, by="region_2023")
    missing = [c for c in ("unit_id", "name") if c not in units.columns]
    if missing:
        raise ParameterError(
            f"units: column(s) {missing} not found; the layer has "
            f"{[c for c in units.columns if c != units.geometry.name]}."
        )

    mask = filter_mask(
        assigned,
        event_types=event_types,
        categories=categories,
        actors=actors,
        sources=sources,
    )
    dates = pd.to_datetime(assigned["event_date"]).dt.normalize()
    keys = assigned[key_col].fillna("").astype(str)
    fatalities = pd.to_numeric(assigned["fatalities"], errors="coerce").fillna(0)
    cur_mask = mask & ((dates >= s) & (dates <= e)).to_numpy()
    prev_mask = mask & ((dates >= ps) & (dates <= pe)).to_numpy()
    cur = _counts(keys, fatalities, cur_mask)
    prev = _counts(keys, fatalities, prev_mask)

    ids = units["unit_id"].astype(str)
    out = units.copy()
    out["area_km2"] = to_metric(units, what="units").area.to_numpy() / 1e6
    out["incidents"] = cur["incidents"].reindex(ids).fillna(0).astype("int64").to_numpy()
    out["fatalities"] = cur["fatalities"].reindex(ids).fillna(0).astype("int64").to_numpy()
    area = out["area_km2"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["incidents_per_1000km2"] = np.where(area > 0, out["incidents"] / area * 1000, np.nan)
        out["fatalities_per_1000km2"] = np.where(area > 0, out["fatalities"] / area * 1000, np.nan)
    out["prev_incidents"] = prev["incidents"].reindex(ids).fillna(0).astype("int64").to_numpy()
    out["prev_fatalities"] = prev["fatalities"].reindex(ids).fillna(0).astype("int64").to_numpy()
    out["change"] = out["incidents"] - out["prev_incidents"]
    before = out["prev_incidents"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(before > 0, 100.0 * out["change"].to_numpy() / before, np.nan)
    out["change_pct"] = pct
    labels = np.where(
        before > 0,
        [f"{p:+.0f} %" if np.isfinite(p) else "" for p in pct],
        np.where(out["incidents"].to_numpy() > 0, "new", "no events"),
    )
    out["change_label"] = labels.astype(object)

    in_units = keys.isin(set(ids)).to_numpy()
    out.attrs = {
        "window": {
            "level": level,
            "start": str(s.date()),
            "end": str(e.date()),
            "prev_start": str(ps.date()),
            "prev_end": str(pe.date()),
            "events": int(cur_mask.sum()),
            "prev_events": int(prev_mask.sum()),
            "unassigned": int((cur_mask & ~in_units).sum()),
            "prev_unassigned": int((prev_mask & ~in_units).sum()),
            "undated": int(dates.isna().sum()),
            "filters": {
                "event_types": event_types,
                "categories": categories,
                "actors": actors,
                "sources": sources,
            },
        }
    }
    return out
