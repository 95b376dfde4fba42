"""Batch work past one machine: the same ``geo`` analyses on dask-geopandas partitions.

``--engine dask`` on ``join`` and ``hotspots`` runs these. Each function maps
the in-memory function of the same name over the partitions of a
``dask_geopandas.GeoDataFrame`` and combines the partial results in the one
way that keeps the answer equal to the in-memory path:

- admin assignment is row-wise, so partitions are assigned independently;
- hex counts are sums per cell, so the partial tables are added cell by cell;
- the kernel density is linear in the events (a sum of kernels), so partial
  grids on common bounds are added.

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
from geo.hotspots import KDEResult, hex_counts, kde_grid
from geo.settings import DEFAULTS

__all__ = ["ENGINES", "partition", "assign_admin_batch", "hex_counts_batch", "kde_grid_batch"]

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
