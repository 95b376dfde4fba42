"""Batch work past one machine: the same ``geo`` analyses on dask-geopandas partitions.

``--engine dask`` on ``join`` and ``hotspots`` runs these. Each function maps
the in-memory function of the same name over the partitions of a
``dask_geopandas.GeoDataFrame`` and combines the partial results in the one
way that keeps the answer equal to the in-memory path:

- admin assignment is row-wise, so partitions are assigned independently;
- hex counts are sums per cell, so the partial tables are added cell by cell;
- the kernel density is linear in the events (a sum of kernels), so partial
  grids on common bounds are added;
- route exposure is a sum over incidents per segment (and the counts are of
  disjoint incidents), so the partial tables, computed on one analysis date,
  are added segment by segment.

Nothing here keeps global state; the scheduler is whatever dask is set to
(a ``distributed.Client`` if one is active, else dask's default), so the same
code runs on a laptop's ``LocalCluster`` or on a cluster. On the 2-core
project machine the partitioned path does not beat the in-memory one at any
size we measured (``benchmarks/bench_batch.py``): it exists for histories that
do not fit in one process's memory, not for speed on a laptop.
"""

from __future__ import annotations

import math

import dask
import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.admin import assign_admin, prepare_units
from geo.crs import require_metric, require_wgs84
from geo.errors import InsufficientDataError, ParameterError
from geo.exposure import (
    classify_exposure,
    left_out_text,
    segment_exposure,
    spread_sentence,
    window_text,
)
from geo.hotspots import KDEResult, hex_counts, kde_grid
from geo.settings import DEFAULTS

__all__ = [
    "ENGINES",
    "partition",
    "assign_admin_batch",
    "hex_counts_batch",
    "kde_grid_batch",
    "route_exposure_batch",
]

#: Engines the commands accept: ``memory`` (one process) or ``dask`` (partitions).
ENGINES: tuple[str, ...] = ("memory", "dask")


def partition(
    incidents: gpd.GeoDataFrame, *, npartitions: int = DEFAULTS.batch_partitions
) -> dask_geopandas.GeoDataFrame:
    """Split incidents into ``npartitions`` row blocks of a dask-geopandas frame.

    Parameters
    ----------
    incidents : GeoDataFrame
        Any point layer (CRS kept). Not modified.
    npartitions : int
        Number of partitions (at least 1; more partitions than rows are capped).

    Returns
    -------
    dask_geopandas.GeoDataFrame
        The same rows, in order, in contiguous blocks.

    Raises
    ------
    ParameterError
        If ``npartitions`` is not a positive integer.
    """
    if isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1:
        raise ParameterError(f"`npartitions` was {npartitions!r}; give a positive integer.")
    return dask_geopandas.from_geopandas(
        incidents, npartitions=max(1, min(npartitions, len(incidents) or 1))
    )


def assign_admin_batch(
    parts: dask_geopandas.GeoDataFrame,
    *,
    admin1: gpd.GeoDataFrame,
    admin2: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame,
    admin3: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """:func:`geo.admin.assign_admin` on each partition, gathered in input order.

    Parameters
    ----------
    parts : dask_geopandas.GeoDataFrame
        Point incidents in EPSG:4326 (see :func:`partition`).
    admin1, admin2, countries : GeoDataFrame
        The layers :func:`geo.admin.assign_admin` takes; checked once here, so
        each partition reuses the checked layers.
    admin3 : GeoDataFrame, optional
        The user's own finest units, as :func:`geo.admin.assign_admin` takes them.

    Returns
    -------
    GeoDataFrame
        What :func:`geo.admin.assign_admin` returns on the whole frame, with
        ``attrs["assignment"]`` counts summed over the partitions.

    Notes
    -----
    Row-wise work: each point's unit depends on that point only, so the
    partitioned result equals the in-memory one row for row.
    """
    require_wgs84(parts._meta, what="incidents")
    layers = {
        "admin1": prepare_units(admin1, what="admin1"),
        "admin2": prepare_units(admin2, what="admin2"),
        "countries": prepare_units(
            countries, what="countries", id_col="iso3", check_overlaps=False
        ),
        "admin3": prepare_units(admin3, what="admin3") if admin3 is not None else None,
    }
    pieces = dask.compute(*[dask.delayed(assign_admin)(p, **layers) for p in parts.to_delayed()])
    out = pd.concat(pieces) if pieces else assign_admin(parts._meta, **layers)
    out = gpd.GeoDataFrame(out, geometry=parts.geometry.name, crs=parts.crs)
    out.attrs = {"assignment": _sum_assignment([p.attrs["assignment"] for p in pieces])}
    return out


def _sum_assignment(parts: list[dict]) -> dict:
    """Add the per-partition assignment counts (the rule and unit lists are shared)."""
    if not parts:
        return {}
    total = dict(parts[0])
    for key in ("n", "in_mali", "adm1_assigned", "adm2_assigned", "adm3_assigned", "no_country"):
        total[key] = sum(int(p[key]) for p in parts)
    by_country: dict[str, int] = {}
    for p in parts:
        for iso, n in p["outside_mali_by_country"].items():
            by_country[iso] = by_country.get(iso, 0) + int(n)
    total["outside_mali_by_country"] = dict(sorted(by_country.items(), key=lambda kv: -kv[1]))
    return total


def hex_counts_batch(
    parts: dask_geopandas.GeoDataFrame,
    *,
    resolution: int = DEFAULTS.hex_resolution,
    include_imprecise: bool = DEFAULTS.include_imprecise,
    study_area: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """:func:`geo.hotspots.hex_counts` per partition, added cell by cell.

    Parameters
    ----------
    parts : dask_geopandas.GeoDataFrame
        Point incidents in EPSG:4326 with ``fatalities`` and ``precise``.
    resolution, include_imprecise, study_area
        As :func:`geo.hotspots.hex_counts`.

    Returns
    -------
    GeoDataFrame
        The table :func:`geo.hotspots.hex_counts` gives on the whole frame
        (one row per cell, sorted by ``hex``), with summed ``attrs`` counts.
    """
    pieces = dask.compute(
        *[
            dask.delayed(hex_counts)(p, resolution=resolution, include_imprecise=include_imprecise)
            for p in parts.to_delayed()
        ]
    )
    empty = parts._meta.iloc[:0]
    if study_area is not None:
        pieces = (*pieces, hex_counts(empty, resolution=resolution, study_area=study_area))
    table = pd.concat([pd.DataFrame(p) for p in pieces], ignore_index=True)
    sums = table.groupby("hex", sort=True)[["incidents", "fatalities"]].sum()
    shapes = table.drop_duplicates("hex").set_index("hex").geometry.reindex(sums.index)
    out = gpd.GeoDataFrame(
        {
            "hex": sums.index.to_numpy(dtype=object),
            "incidents": sums["incidents"].to_numpy(dtype=np.int64),
            "fatalities": sums["fatalities"].to_numpy(dtype=np.int64),
        },
        geometry=gpd.GeoSeries(shapes.to_numpy(), crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    out["hex"] = out["hex"].astype(pieces[0]["hex"].dtype if pieces else object)
    reasons: dict[str, int] = {}
    for p in pieces:
        for why, n in p.attrs["left_out_reason"].items():
            reasons[why] = reasons.get(why, 0) + int(n)
    out.attrs = {
        "resolution": int(resolution),
        "n_used": sum(int(p.attrs["n_used"]) for p in pieces),
        "n_left_out": sum(reasons.values()),
        "left_out_reason": reasons,
    }
    return out


def _extent(part: gpd.GeoDataFrame, include_imprecise: bool) -> tuple[float, float, float, float]:
    """Bounds of the points a density grid would use (NaN when there are none)."""
    geoms = np.asarray(part.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not include_imprecise and "precise" in part.columns:
        ok &= part["precise"].fillna(False).to_numpy(dtype=bool)
    xy = shapely.get_coordinates(geoms[ok])
    xy = xy[np.isfinite(xy).all(axis=1)]
    if xy.size == 0:
        return (math.nan,) * 4
    return (*xy.min(axis=0), *xy.max(axis=0))


def kde_grid_batch(
    parts_metric: dask_geopandas.GeoDataFrame,
    *,
    bandwidth_km: float = DEFAULTS.kde_bandwidth_km,
    cell_m: float = DEFAULTS.kde_cell_m,
    bounds_m: tuple[float, float, float, float] | None = None,
    weight: str | None = None,
    include_imprecise: bool = DEFAULTS.include_imprecise,
    truncate: float = DEFAULTS.kde_truncate,
) -> KDEResult:
    """:func:`geo.hotspots.kde_grid` per partition on common bounds, grids added.

    Parameters
    ----------
    parts_metric : dask_geopandas.GeoDataFrame
        Point incidents in a metric CRS with ``precise``.
    bandwidth_km, cell_m, bounds_m, weight, include_imprecise, truncate
        As :func:`geo.hotspots.kde_grid`; without ``bounds_m`` the bounds are
        the extent of all partitions' events plus the kernel reach, as the
        in-memory function takes them.

    Returns
    -------
    KDEResult
        The in-memory result up to float32 rounding of the sum.

    Raises
    ------
    InsufficientDataError
        If no partition holds a usable event and no ``bounds_m`` is given.

    Notes
    -----
    f = Σ_partitions Σ_i w_i · K(s − x_i): the Gaussian filter is linear, so
    smoothing each partition's binned grid and adding equals smoothing the sum.
    Cost: one grid and one filter per partition (the filter's cost does not
    depend on the number of events), then a sum.
    """
    require_metric(parts_metric._meta, what="incidents")
    if bounds_m is None:
        extents = np.array(
            dask.compute(
                *[dask.delayed(_extent)(p, include_imprecise) for p in parts_metric.to_delayed()]
            ),
            dtype=float,
        ).reshape(-1, 4)
        if np.isnan(extents).all():
            raise InsufficientDataError(
                "no event can be placed on the density grid; widen the filters, include "
                "imprecise locations, or give bounds_m for an empty grid."
            )
        pad = int(truncate * bandwidth_km * 1000.0 / cell_m + 0.5) * cell_m
        bounds_m = (
            float(np.nanmin(extents[:, 0])) - pad,
            float(np.nanmin(extents[:, 1])) - pad,
            float(np.nanmax(extents[:, 2])) + pad,
            float(np.nanmax(extents[:, 3])) + pad,
        )
    options = {
        "bandwidth_km": bandwidth_km,
        "cell_m": cell_m,
        "bounds_m": bounds_m,
        "weight": weight,
        "include_imprecise": include_imprecise,
        "truncate": truncate,
    }
    pieces = dask.compute(
        *[dask.delayed(kde_grid)(p, **options) for p in parts_metric.to_delayed()]
    )
    first = pieces[0]
    total = np.sum([p.array for p in pieces], axis=0, dtype=np.float64).astype(np.float32)
    reasons: dict[str, int] = {}
    for p in pieces:
        for why, n in p.left_out_reason.items():
            reasons[why] = reasons.get(why, 0) + int(n)
    return KDEResult(
        array=total,
        transform=first.transform,
        crs=first.crs,
        bounds=first.bounds,
        cell_m=first.cell_m,
        bandwidth_km=first.bandwidth_km,
        weight=first.weight,
        unit=first.unit,
        n_used=sum(p.n_used for p in pieces),
        n_left_out=sum(reasons.values()),
        left_out_reason=reasons,
    )


def _newest_day(part: gpd.GeoDataFrame) -> pd.Timestamp | None:
    """Newest ``event_date`` of a partition, as a day (None when none is dated)."""
    newest = pd.to_datetime(part["event_date"]).dt.normalize().max()
    return None if pd.isna(newest) else pd.Timestamp(newest)


def route_exposure_batch(
    parts: dask_geopandas.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    *,
    as_of: object = None,
    **options: object,
) -> gpd.GeoDataFrame:
    """:func:`geo.exposure.segment_exposure` per partition on one date, added segment by segment.

    Parameters
    ----------
    parts : dask_geopandas.GeoDataFrame
        Canonical incidents (any CRS; see :func:`partition`).
    segments : GeoDataFrame
        As :func:`geo.exposure.segment_exposure` takes them (metric CRS); sent
        to each worker once.
    as_of : date-like, optional
        Analysis date; default the newest ``event_date`` over all partitions
        (each partition is scored on that date, not on its own newest).
    **options
        The other keyword arguments of :func:`geo.exposure.segment_exposure`.

    Returns
    -------
    GeoDataFrame
        The table :func:`geo.exposure.segment_exposure` gives on the whole
        frame: ``n_incidents`` and ``exposure_per_km`` summed, ``exposure``
        and ``exposure_class`` from the sum; ``attrs`` with the counts summed,
        the sources joined, the window, left-out and spreading sentences
        rewritten, and each route's top spread events taken over all
        partitions. Sums agree with the in-memory path to float rounding.

    Notes
    -----
    exposure_per_km(s) = Σ_partitions Σ_(i in partition) w_i · k(d(s, i)) · 0.5 ** (age_i / h):
    each incident is in one partition and its contribution depends on it
    alone, so the sum per segment is the in-memory one; an imprecise event's
    expected contribution is over its own uncertainty area, also its own.
    Counts of distinct incidents per segment and per route add for the same
    reason. Cost: one :func:`~geo.exposure.segment_exposure` per partition
    (a query of that partition's points against every segment) and a sum.
    """
    if as_of is None:
        days = dask.compute(*[dask.delayed(_newest_day)(p) for p in parts.to_delayed()])
        dated = [d for d in days if d is not None]
        as_of = max(dated) if dated else None
    shared = dask.delayed(segments, pure=True)
    pieces = dask.compute(
        *[
            dask.delayed(segment_exposure)(shared, p, as_of=as_of, **options)
            for p in parts.to_delayed()
        ]
    )
    out = pieces[0].copy()
    out["n_incidents"] = np.sum([p["n_incidents"].to_numpy() for p in pieces], axis=0)
    out["exposure_per_km"] = np.sum([p["exposure_per_km"].to_numpy() for p in pieces], axis=0)
    length_km = (out["km_to"] - out["km_from"]).to_numpy(dtype=float)
    out["exposure"] = out["exposure_per_km"].to_numpy() * length_km
    out["exposure_class"] = classify_exposure(out["exposure_per_km"].to_numpy())
    out.attrs = _sum_exposure_records([p.attrs for p in pieces])
    return out


#: Counts in a segment exposure record that add over disjoint incidents.
_RECORD_COUNTS = (
    "n_input",
    "n_used",
    "n_left_out_no_location",
    "n_left_out_no_date",
    "n_after_as_of",
    "n_left_out_imprecise",
    "n_unweighted",
    "n_spread",
)


def _sum_exposure_records(records: list[dict], *, top: int = 5) -> dict:
    """One segment exposure record from the partitions' (parameters and date shared)."""
    total = dict(records[0])
    for key in _RECORD_COUNTS:
        total[key] = sum(int(r[key]) for r in records)
    total["sources"] = sorted({s for r in records for s in r["sources"]})
    starts = [r["window_from"] for r in records if r["window_from"]]
    total["window_from"] = min(starts) if starts else None  # ISO dates sort as dates
    for key in ("n_incidents_by_route", "n_spread_by_kind"):
        total[key] = {k: sum(int(r[key][k]) for r in records) for k in records[0][key]}
    routes = dict.fromkeys(k for r in records for k in r["spread_events_by_route"])
    total["spread_events_by_route"] = {  # a partition without spread events lists no route
        route: sorted(
            (e for r in records for e in r["spread_events_by_route"].get(route, [])),
            key=lambda e: -e["exposure"],
        )[:top]
        for route in routes
    }
    total["left_out"] = left_out_text(total)
    total["window"] = window_text(total)
    total["spread"] = spread_sentence(total)
    return total
