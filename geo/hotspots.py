"""Where incidents concentrate: kernel density and H3 hexagon counts.

Getis-Ord Gi* lives in :mod:`geo.gistar` and the surge rule in :mod:`geo.surge`.
Point analyses (KDE, hexes and the hexes fed to Gi*) leave out events whose
location is not their own place (``precise`` False: centroid-coded events make
false peaks at admin capitals) unless ``include_imprecise=True``, and events
without usable coordinates. Every result says how many events it used and how
many it left out, and why: ``n_used``, ``n_left_out`` and ``left_out_reason``
(reason -> count) are fields of :class:`KDEResult` and ``attrs`` of the tables.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from h3.api import basic_int as h3int
from pyproj import CRS
from rasterio.io import MemoryFile
from scipy import ndimage

from geo.crs import WGS84, require_metric, require_wgs84
from geo.errors import ExportError, InsufficientDataError, ParameterError
from geo.export.atomic import write_bytes_atomic
from geo.i18n import Translator, translator
from geo.provenance import LEFT_OUT_REASONS
from geo.settings import DEFAULTS

__all__ = [
    "KDEResult",
    "KDE_NODATA",
    "density_unit",
    "MAX_KDE_CELLS",
    "kde_grid",
    "write_kde_geotiff",
    "kde_overlay",
    "hex_counts",
    "point_cells",
    "cell_pyramid",
]

#: Nodata value declared in KDE GeoTIFFs (no cell holds it: density is >= 0 everywhere).
KDE_NODATA: float = -9999.0

#: Largest KDE raster allowed (cells); about 160 MB of float32.
MAX_KDE_CELLS: int = 40_000_000

_REASON_IMPRECISE = LEFT_OUT_REASONS["imprecise"]

#: The default language of the unit (callers pass ``tr`` for another).
_EN: Translator = translator()


def density_unit(weight: str | None = None, *, tr: Translator = _EN) -> str:
    """Name the unit of a KDE surface: events, or the ``weight`` column, per km².

    Examples
    --------
    >>> density_unit(), density_unit("fatalities")
    ('events per km²', 'fatalities per km²')
    >>> density_unit(tr=translator("fr"))
    'événements par km²'
    """
    if not weight:
        return tr.gettext("events per km²")
    return tr.gettext("{weight} per km²").format(weight=weight)


_REASON_NO_GEOMETRY = "missing or empty geometry"
_REASON_NOT_FINITE = "coordinates not finite"


def _select_points(
    incidents: gpd.GeoDataFrame, *, include_imprecise: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Return (mask of used rows, x, y of used rows, reason -> count left out)."""
    geoms = np.asarray(incidents.geometry.values, dtype=object)
    reasons: dict[str, int] = {}
    used = np.ones(len(geoms), dtype=bool)
    if not include_imprecise and "precise" in incidents.columns:
        precise = incidents["precise"].fillna(False).astype(bool).to_numpy()
        if (~precise).any():
            reasons[_REASON_IMPRECISE] = int((~precise).sum())
        used &= precise
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if (missing & used).any():
        reasons[_REASON_NO_GEOMETRY] = int((missing & used).sum())
    used &= ~missing
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    if used.any():
        x[used] = shapely.get_x(geoms[used])
        y[used] = shapely.get_y(geoms[used])
    finite = np.isfinite(x) & np.isfinite(y)
    if (used & ~finite).any():
        reasons[_REASON_NOT_FINITE] = int((used & ~finite).sum())
    used &= finite
    return used, x[used], y[used], reasons


def _positive(value: float, *, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"`{name}` was {value!r}; give a positive number.") from exc
    if not math.isfinite(v) or v <= 0:
        raise ParameterError(f"`{name}` was {value!r}; give a positive number.")
    return v


@dataclass(frozen=True, eq=False)
class KDEResult:
    """A kernel density raster in the metric CRS, north up.

    Attributes
    ----------
    array : ndarray of float32, shape (rows, cols)
        Density in ``unit`` (events, or fatalities, per km²); row 0 is north.
    transform : affine.Affine
        Pixel to metric coordinates (GDAL order: cell_m, 0, xmin, 0, -cell_m, ymax).
    crs : pyproj.CRS
        The metric CRS of the input.
    bounds : tuple of float
        (xmin, ymin, xmax, ymax) in metres.
    cell_m, bandwidth_km : float
        Cell size (m) and Gaussian standard deviation (km).
    weight : str or None
        Column used as weight (e.g. ``fatalities``), None for counts.
    unit : str
        What a cell value means.
    n_used, n_left_out : int
        Events in the estimate, events left out.
    left_out_reason : dict of str to int
        Why events were left out (reason -> count).
    overlay : tuple
        :func:`kde_overlay` with its defaults (the web map's image and its
        EPSG:4326 bounds), made on first read and kept with the result, so a
        cached surface carries its image.
    """

    array: np.ndarray
    transform: Affine
    crs: CRS
    bounds: tuple[float, float, float, float]
    cell_m: float
    bandwidth_km: float
    weight: str | None
    unit: str
    n_used: int
    n_left_out: int
    left_out_reason: dict[str, int] = field(default_factory=dict)

    @functools.cached_property
    def overlay(self) -> tuple[np.ndarray, tuple[float, float, float, float]]:
        """The web map's image of this surface (see the class notes)."""
        return kde_overlay(self)


def _snap_bounds(
    bounds: tuple[float, float, float, float], cell_m: float
) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = bounds
    return (
        math.floor(xmin / cell_m) * cell_m,
        math.floor(ymin / cell_m) * cell_m,
        math.ceil(xmax / cell_m) * cell_m,
        math.ceil(ymax / cell_m) * cell_m,
    )


def kde_grid(
    incidents_metric: gpd.GeoDataFrame,
    *,
    bandwidth_km: float = DEFAULTS.kde_bandwidth_km,
    cell_m: float = DEFAULTS.kde_cell_m,
    bounds_m: tuple[float, float, float, float] | None = None,
    weight: str | None = None,
    include_imprecise: bool = False,
    truncate: float = DEFAULTS.kde_truncate,
) -> KDEResult:
    """Estimate a Gaussian kernel density of incidents on a regular grid.

    Parameters
    ----------
    incidents_metric : GeoDataFrame
        Point incidents in a metric CRS (e.g. :data:`geo.crs.METRIC_CRS`),
        with a ``precise`` column (canonical record). Not modified.
    bandwidth_km : float
        Standard deviation of the Gaussian kernel, km (default 15).
    cell_m : float
        Raster cell size, m (default 1,000).
    bounds_m : tuple of float, optional
        (xmin, ymin, xmax, ymax) of the raster in metres, snapped outwards to
        multiples of ``cell_m``. By default the events' extent plus the kernel
        reach (``truncate`` × bandwidth). Events outside the bounds still add
        density inside them when they are within the kernel reach.
    weight : str, optional
        Column to weight events by (e.g. ``"fatalities"``); rows whose weight
        is missing or negative are left out.
    include_imprecise : bool
        Also use events with ``precise`` False (off by default).
    truncate : float
        Kernel cut-off in standard deviations (4: the cut tail holds < 0.01 %).

    Returns
    -------
    KDEResult
        Density in events (or weight units) per km², float32, north up.

    Raises
    ------
    CRSError
        If the input is not in a metric CRS.
    ParameterError
        If an option is not positive, ``weight`` is not a column, the bounds
        are empty, or the raster would exceed :data:`MAX_KDE_CELLS` cells.
    InsufficientDataError
        If no event is usable and no ``bounds_m`` is given.

    Notes
    -----
    f(s) = Σ_i w_i · K(s − x_i), K the 2-D Gaussian with σ = bandwidth:
    events are binned into cells (``np.bincount``), then smoothed with
    ``scipy.ndimage.gaussian_filter`` (σ = bandwidth / cell, ``mode="constant"``
    so no mass reflects back at the edges), and divided by the cell area in
    km². The discrete kernel sums to 1, so one event integrates to 1 (Σ cells ×
    cell area) and peaks in its own cell; positions are exact to the cell.
    Cost: O(N) to bin plus O(cells × 2 × truncate × σ) for the separable
    filter, independent of N; memory two float32 grids.

    Examples
    --------
    One event, 5 km cells, 10 km bandwidth: the density integrates to 1.

    >>> from geo.crs import METRIC_CRS
    >>> one = gpd.GeoDataFrame(
    ...     {"precise": [True]}, geometry=[shapely.Point(2500, 2500)], crs=METRIC_CRS
    ... )
    >>> r = kde_grid(one, bandwidth_km=10, cell_m=5000)
    >>> round(float(r.array.sum()) * 25.0, 3), r.n_used, r.array.shape
    (1.0, 1, (17, 17))
    """
    require_metric(incidents_metric, what="incidents")
    bandwidth_km = _positive(bandwidth_km, name="bandwidth_km")
    cell_m = _positive(cell_m, name="cell_m")
    truncate = _positive(truncate, name="truncate")
    if weight is not None and weight not in incidents_metric.columns:
        raise ParameterError(
            f"`weight` was {weight!r} but the incidents have no such column; use None or "
            "one of the numeric columns (e.g. 'fatalities')."
        )
    used, x, y, reasons = _select_points(incidents_metric, include_imprecise=include_imprecise)
    w = None
    if weight is not None:
        w = pd.to_numeric(incidents_metric[weight], errors="coerce").to_numpy(dtype=float)[used]
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            reasons[f"missing or negative {weight}"] = int(bad.sum())
            x, y, w = x[~bad], y[~bad], w[~bad]

    sigma_cells = bandwidth_km * 1000.0 / cell_m
    radius = int(truncate * sigma_cells + 0.5)
    if bounds_m is None:
        if x.size == 0:
            raise InsufficientDataError(
                "no event can be placed on the density grid "
                f"({sum(reasons.values())} left out: {reasons or 'none given'}); widen the "
                "filters, include imprecise locations, or give bounds_m for an empty grid."
            )
        pad = radius * cell_m
        bounds_m = (x.min() - pad, y.min() - pad, x.max() + pad, y.max() + pad)
    if len(bounds_m) != 4 or not all(math.isfinite(float(b)) for b in bounds_m):
        raise ParameterError(f"`bounds_m` was {bounds_m!r}; give four finite numbers in metres.")
    xmin, ymin, xmax, ymax = _snap_bounds(tuple(float(b) for b in bounds_m), cell_m)
    ncols = int(round((xmax - xmin) / cell_m))
    nrows = int(round((ymax - ymin) / cell_m))
    if ncols <= 0 or nrows <= 0:
        raise ParameterError(
            f"`bounds_m` {bounds_m!r} is empty; give (xmin, ymin, xmax, ymax) with min < max."
        )

    outside = (x < xmin) | (x >= xmax) | (y <= ymin) | (y > ymax)
    pad_cells = radius if outside.any() else 0
    gcols, grows = ncols + 2 * pad_cells, nrows + 2 * pad_cells
    if gcols * grows > MAX_KDE_CELLS:
        raise ParameterError(
            f"the density grid would have {gcols * grows:,} cells (limit {MAX_KDE_CELLS:,}); "
            "use a larger cell_m or smaller bounds_m."
        )
    gx0 = xmin - pad_cells * cell_m
    gy1 = ymax + pad_cells * cell_m
    col = np.floor((x - gx0) / cell_m).astype(np.int64)
    row = np.floor((gy1 - y) / cell_m).astype(np.int64)
    inside = (col >= 0) & (col < gcols) & (row >= 0) & (row < grows)
    if (~inside).any():
        reasons["outside the grid beyond the kernel reach"] = int((~inside).sum())
    flat = row[inside] * gcols + col[inside]
    binned = np.bincount(flat, weights=None if w is None else w[inside], minlength=gcols * grows)
    grid = binned.astype(np.float32).reshape(grows, gcols)
    smoothed = ndimage.gaussian_filter(
        grid, sigma=sigma_cells, mode="constant", cval=0.0, truncate=truncate
    )
    if pad_cells:
        smoothed = smoothed[pad_cells : pad_cells + nrows, pad_cells : pad_cells + ncols]
    cell_km2 = (cell_m / 1000.0) ** 2
    density = np.ascontiguousarray(smoothed, dtype=np.float32) / np.float32(cell_km2)
    n_used = int(inside.sum())
    return KDEResult(
        array=density,
        transform=Affine(cell_m, 0.0, xmin, 0.0, -cell_m, ymax),
        crs=CRS.from_user_input(incidents_metric.crs),
        bounds=(xmin, ymin, xmax, ymax),
        cell_m=cell_m,
        bandwidth_km=bandwidth_km,
        weight=weight,
        unit=density_unit(weight),
        n_used=n_used,
        n_left_out=int(sum(reasons.values())),
        left_out_reason=reasons,
    )


def _rio_crs(crs: CRS) -> rasterio.crs.CRS:
    return rasterio.crs.CRS.from_wkt(crs.to_wkt())


def write_kde_geotiff(result: KDEResult, path: str | os.PathLike[str]) -> Path:
    """Write a KDE raster as a float32 GeoTIFF, atomically.

    Parameters
    ----------
    result : KDEResult
        From :func:`kde_grid`.
    path : str or PathLike
        Destination ending in ``.tif`` or ``.tiff``; its folder must exist.

    Returns
    -------
    Path
        The absolute destination path.

    Raises
    ------
    ParameterError
        If the suffix is not ``.tif``/``.tiff``.
    ExportError
        If the file cannot be written or does not read back as written.

    Notes
    -----
    The raster is built in memory (GDAL ``MemoryFile``, deflate, tiled),
    re-opened to check its size, CRS and transform, then written next to the
    destination and renamed over it (:func:`geo.export.atomic.write_bytes_atomic`),
    so GDAL never sees the user's path and a crash leaves no partial file. Tags
    record the unit, bandwidth, cell size and the events used and left out.
    """
    target = Path(path)
    if target.suffix.lower() not in (".tif", ".tiff"):
        raise ParameterError(
            f"output file {target.name!r} has suffix {target.suffix!r}, but a density "
            "raster is written as GeoTIFF; use '.tif' or '.tiff'."
        )
    rows, cols = result.array.shape
    profile = {
        "driver": "GTiff",
        "height": rows,
        "width": cols,
        "count": 1,
        "dtype": "float32",
        "crs": _rio_crs(result.crs),
        "transform": result.transform,
        "nodata": KDE_NODATA,
        "compress": "deflate",
        "predictor": 3,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    tags = {
        "unit": result.unit,
        "bandwidth_km": f"{result.bandwidth_km:g}",
        "cell_m": f"{result.cell_m:g}",
        "weight": result.weight or "none",
        "n_used": str(result.n_used),
        "n_left_out": str(result.n_left_out),
        "left_out_reason": "; ".join(f"{k}: {v}" for k, v in result.left_out_reason.items()),
    }
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(result.array.astype(np.float32, copy=False), 1)
            dst.update_tags(**tags)
            dst.set_band_description(1, f"kernel density ({result.unit})")
        data = mem.read()
    with MemoryFile(data) as check, check.open() as src:
        ok = (
            src.shape == (rows, cols)
            and src.crs == profile["crs"]
            and src.transform.almost_equals(result.transform)
        )
    if not ok:
        raise ExportError(f"the GeoTIFF for {target.name!r} did not read back as written.")
    return write_bytes_atomic(data, target)


def kde_overlay(
    result: KDEResult,
    *,
    cmap: str = "YlOrRd",
    floor_fraction: float = 0.01,
    max_alpha: float = 0.8,
    max_pixels: int = DEFAULTS.kde_overlay_max_pixels,
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Colour a KDE raster for the web map, in EPSG:4326.

    Parameters
    ----------
    result : KDEResult
        From :func:`kde_grid`.
    cmap : str
        Matplotlib colour map name.
    floor_fraction : float
        Cells below this fraction of the maximum density are transparent.
    max_alpha : float
        Opacity of the densest cells (0..1).
    max_pixels : int
        Most pixels of the image; a larger raster is drawn on fewer, larger
        pixels (the GeoTIFF keeps every cell).

    Returns
    -------
    rgba : ndarray of uint8, shape (rows, cols, 4)
        The image, north up, transparent where the density is about zero.
    bounds_4326 : tuple of float
        (west, south, east, north) in degrees.

    Notes
    -----
    Reprojected with ``rasterio.warp.reproject`` (bilinear) onto a lon/lat
    grid with as many pixels as the source, at most ``max_pixels``, over the
    box of its bounds (``transform_bounds``). The density varies over the
    bandwidth (15 km), not over a cell, so 1,000,000 pixels show a surface of
    western Mali (about 3.8 million 1 km cells) as it is. Colour =
    cmap(density / max density), looked up in the colour map's table of N
    colours (a tenth of the cost of calling it on a grid of millions of cells).
    """
    import matplotlib
    from rasterio.warp import Resampling, reproject, transform_bounds

    rows, cols = result.array.shape
    src_crs = _rio_crs(result.crs)
    dst_crs = rasterio.crs.CRS.from_epsg(4326)
    west, south, east, north = transform_bounds(src_crs, dst_crs, *result.bounds, densify_pts=21)
    # As many pixels as the source (at most max_pixels), over the lon/lat box of its bounds.
    shrink = max(1.0, math.sqrt(rows * cols / max(int(max_pixels), 1)))
    width, height = max(1, round(cols / shrink)), max(1, round(rows / shrink))
    transform = Affine((east - west) / width, 0.0, west, 0.0, -(north - south) / height, north)
    dest = np.zeros((height, width), dtype=np.float32)
    reproject(
        source=result.array,
        destination=dest,
        src_transform=result.transform,
        src_crs=src_crs,
        dst_transform=transform,
        dst_crs=dst_crs,
        resampling=Resampling.bilinear,
        dst_nodata=0.0,
    )
    vmax = float(dest.max()) if dest.size else 0.0
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    if vmax > 0:
        v = np.clip(dest / vmax, 0.0, 1.0)
        # The colour map's own lookup (index floor(v * N), the top value in the last
        # entry) on a table of its N colours: the same pixels as calling it on v.
        ramp = matplotlib.colormaps[cmap]
        table = np.round(ramp(np.arange(ramp.N))[:, :3] * 255).astype(np.uint8)
        index = (v * ramp.N).astype(np.intp)
        rgba[..., :3] = table[np.minimum(index, ramp.N - 1)]
        alpha = np.where(v >= floor_fraction, (0.3 + 0.7 * v) * max_alpha, 0.0)
        rgba[..., 3] = np.round(alpha * 255).astype(np.uint8)
    return rgba, (west, south, east, north)


def _study_cells(study_area: object, resolution: int) -> np.ndarray:
    if isinstance(study_area, gpd.GeoDataFrame | gpd.GeoSeries):
        require_wgs84(study_area, what="study area")
        geom = shapely.union_all(np.asarray(study_area.geometry.values, dtype=object))
    else:
        geom = study_area
    if geom is None or shapely.is_empty(geom):
        return np.array([], dtype=np.uint64)
    cells = h3.geo_to_cells(geom, resolution)
    return np.array([h3.str_to_int(c) for c in cells], dtype=np.uint64)


def _cell_polygons(names: list[str]) -> np.ndarray:
    """H3 cell outlines as shapely polygons (lon, lat), built in bulk per vertex count."""
    rings = [h3.cell_to_boundary(name) for name in names]
    polygons = np.empty(len(rings), dtype=object)
    sizes = np.array([len(r) for r in rings], dtype=np.intp)
    for size in np.unique(sizes):
        idx = np.flatnonzero(sizes == size)
        coords = np.array([rings[i] for i in idx], dtype=float)[:, :, ::-1]
        polygons[idx] = shapely.polygons(coords)
    return polygons


def _latlng_cells(lat: np.ndarray, lng: np.ndarray, resolution: int) -> np.ndarray:
    """H3 cell (integer) of each (lat, lng) in range, one H3 call per distinct pair."""
    codes, uniques = pd.factorize(lat + 1j * lng)
    unique_cells = np.fromiter(
        map(h3int.latlng_to_cell, uniques.real.tolist(), uniques.imag.tolist(), repeat(resolution)),
        dtype=np.uint64,
        count=len(uniques),
    )
    return unique_cells[codes] if len(codes) else np.array([], dtype=np.uint64)


def point_cells(incidents_4326: gpd.GeoDataFrame, *, resolution: int) -> np.ndarray:
    """Return the H3 cell of every incident's point, imprecise ones included (0: no usable point).

    Parameters
    ----------
    incidents_4326 : GeoDataFrame
        Point incidents in EPSG:4326. Not modified.
    resolution : int
        H3 resolution 0..15.

    Returns
    -------
    ndarray of uint64
        One cell per row (H3 integer id); 0, which no cell has, for a missing,
        empty, non-finite or out-of-range point.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame(geometry=[shapely.Point(-8.0, 12.65), None], crs=4326)
    >>> [h3.int_to_str(int(c)) if c else None for c in point_cells(pts, resolution=6)]
    ['865440d2fffffff', None]
    """
    require_wgs84(incidents_4326, what="incidents")
    used, lng, lat, _ = _select_points(incidents_4326, include_imprecise=True)
    in_range = (np.abs(lat) <= 90) & (np.abs(lng) <= 180)
    out = np.zeros(len(incidents_4326), dtype=np.uint64)
    out[np.flatnonzero(used)[in_range]] = _latlng_cells(
        lat[in_range], lng[in_range], int(resolution)
    )
    return out


def cell_pyramid(
    incidents_4326: gpd.GeoDataFrame,
    *,
    resolutions: tuple[int, ...] = DEFAULTS.incident_cell_resolutions,
    cells: np.ndarray | None = None,
    max_cells: int = DEFAULTS.incident_cell_limit,
) -> gpd.GeoDataFrame:
    """Count every incident (imprecise ones included) per H3 cell at several resolutions.

    For drawing many incidents aggregated, the cells splitting as the map
    zooms in (:mod:`layers.incident_cells`); for analysis use :func:`hex_counts`.

    Parameters
    ----------
    incidents_4326 : GeoDataFrame
        Point incidents in EPSG:4326 with ``fatalities``. Not modified.
    resolutions : tuple of int
        H3 resolutions, each 0..15.
    cells : ndarray of uint64, optional
        The incidents' cells at the finest of ``resolutions``
        (:func:`point_cells`), when already computed (the app computes them
        once per data set).
    max_cells : int
        Most cells in all: the resolutions are kept coarse to fine while their
        total stays within it (the coarsest always), which bounds the page.

    Returns
    -------
    GeoDataFrame
        One row per (``resolution``, cell): ``resolution``, ``hex`` (H3 id,
        hex string), ``incidents``, ``fatalities`` and the cell polygon
        (EPSG:4326), sorted by resolution then ``hex``. ``attrs`` holds
        ``resolutions`` (those kept), ``n_used`` and ``n_left_out`` (no usable
        point).

    Raises
    ------
    ParameterError
        If a resolution is not an integer in 0..15 or ``cells`` is not one per row.

    Notes
    -----
    A coarser cell is the H3 parent of the finest cell: H3 cells do not nest
    exactly, so an event a few hundred metres from a cell's edge can count in
    the neighbour of the cell that holds its point. Good enough for a drawing
    and one H3 call per distinct point in all (the parents are taken of the
    distinct cells only).

    Examples
    --------
    >>> pts = gpd.GeoDataFrame(
    ...     {"fatalities": [1, 2]},
    ...     geometry=shapely.points([[-8.0, 12.65], [-8.3, 12.9]]),
    ...     crs=4326,
    ... )
    >>> cell_pyramid(pts, resolutions=(4, 7)).groupby("resolution")["incidents"].sum().to_dict()
    {4: 2, 7: 2}
    """
    levels = sorted({int(r) for r in resolutions})
    if (
        not levels
        or any(not 0 <= r <= 15 for r in levels)
        or any(isinstance(r, bool) or not isinstance(r, int | np.integer) for r in resolutions)
    ):
        raise ParameterError(f"`resolutions` was {resolutions!r}; give integers in 0..15.")
    finest = levels[-1]
    if cells is None:
        cells = point_cells(incidents_4326, resolution=finest)
    if len(cells) != len(incidents_4326):
        raise ParameterError(
            f"`cells` has {len(cells):,} values for {len(incidents_4326):,} incidents."
        )
    used = cells != 0
    fat = pd.to_numeric(incidents_4326["fatalities"], errors="coerce").fillna(0).to_numpy()
    distinct, inverse = np.unique(cells[used], return_inverse=True)
    counts = np.bincount(inverse, minlength=len(distinct)).astype(np.int64)
    fat_sum = np.bincount(inverse, weights=fat[used], minlength=len(distinct)).astype(np.int64)
    parts: list[pd.DataFrame] = []
    kept: list[int] = []
    for level in levels:
        parents = np.fromiter(
            (h3int.cell_to_parent(int(c), level) for c in distinct),
            dtype=np.uint64,
            count=len(distinct),
        )
        ids, back = np.unique(parents, return_inverse=True)
        if kept and sum(map(len, parts)) + len(ids) > max_cells:
            break
        kept.append(level)
        parts.append(
            pd.DataFrame(
                {
                    "resolution": level,
                    "hex": [h3.int_to_str(int(c)) for c in ids],
                    "incidents": np.bincount(back, weights=counts, minlength=len(ids)),
                    "fatalities": np.bincount(back, weights=fat_sum, minlength=len(ids)),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    table = table.astype({"incidents": np.int64, "fatalities": np.int64})
    out = gpd.GeoDataFrame(
        table, geometry=gpd.GeoSeries(_cell_polygons(list(table["hex"])), crs=WGS84), crs=WGS84
    )
    out.attrs = {
        "resolutions": tuple(kept),
        "n_used": int(used.sum()),
        "n_left_out": int((~used).sum()),
    }
    return out


def hex_counts(
    incidents_4326: gpd.GeoDataFrame,
    *,
    resolution: int = DEFAULTS.hex_resolution,
    include_imprecise: bool = False,
    study_area: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """Count incidents and fatalities per H3 cell.

    Parameters
    ----------
    incidents_4326 : GeoDataFrame
        Point incidents in EPSG:4326 with ``fatalities`` and ``precise``.
        Not modified.
    resolution : int
        H3 resolution 0..15 (6: cells of about 36 km²).
    include_imprecise : bool
        Also count events with ``precise`` False (off by default).
    study_area : GeoDataFrame, GeoSeries or shapely geometry, optional
        Area in EPSG:4326 whose cells (centre inside) are listed even with no
        event, as Gi* needs the zeros.

    Returns
    -------
    GeoDataFrame
        One row per cell, sorted by ``hex``: ``hex`` (H3 cell id, hex string),
        ``incidents``, ``fatalities`` and the cell polygon (EPSG:4326).
        ``attrs`` holds ``resolution``, ``n_used``, ``n_left_out`` and
        ``left_out_reason``.

    Raises
    ------
    CRSError
        If the incidents are not in EPSG:4326.
    ParameterError
        If ``resolution`` is not an integer in 0..15.

    Notes
    -----
    ``h3.latlng_to_cell`` has no array form in h3 4.x, so it runs once per
    distinct coordinate pair (events often share a town's point), then counts
    are grouped with NumPy. Cost: O(distinct points) H3 calls + O(N log N).

    Examples
    --------
    Two events at the same place make one cell with count 2:

    >>> pts = gpd.GeoDataFrame(
    ...     {"fatalities": [1, 2], "precise": [True, True]},
    ...     geometry=shapely.points([[-8.0, 12.65], [-8.0, 12.65]]),
    ...     crs=4326,
    ... )
    >>> hex_counts(pts, resolution=6)[["incidents", "fatalities"]].to_dict("records")
    [{'incidents': 2, 'fatalities': 3}]
    """
    require_wgs84(incidents_4326, what="incidents")
    if isinstance(resolution, bool) or not isinstance(resolution, int | np.integer):
        raise ParameterError(f"`resolution` was {resolution!r}; give an integer in 0..15.")
    if not 0 <= int(resolution) <= 15:
        raise ParameterError(f"`resolution` was {resolution!r} but is expected to be in 0..15")
    resolution = int(resolution)
    used, lng, lat, reasons = _select_points(incidents_4326, include_imprecise=include_imprecise)
    in_range = (np.abs(lat) <= 90) & (np.abs(lng) <= 180)
    if (~in_range).any():
        reasons["coordinates out of range"] = int((~in_range).sum())
    rows = np.flatnonzero(used)[in_range]
    lat, lng = lat[in_range], lng[in_range]
    fatalities = pd.to_numeric(incidents_4326["fatalities"], errors="coerce").fillna(0)
    fat = fatalities.to_numpy(dtype=np.int64)[rows]

    cells = _latlng_cells(lat, lng, resolution)
    if study_area is not None:
        extra = _study_cells(study_area, resolution)
    else:
        extra = np.array([], dtype=np.uint64)
    all_cells, inverse = np.unique(np.concatenate([cells, extra]), return_inverse=True)
    inverse = inverse[: len(cells)]
    counts = np.bincount(inverse, minlength=len(all_cells)).astype(np.int64)
    fat_sum = np.bincount(inverse, weights=fat, minlength=len(all_cells)).astype(np.int64)

    names = [h3.int_to_str(int(c)) for c in all_cells]
    polygons = _cell_polygons(names)
    out = gpd.GeoDataFrame(
        {"hex": names, "incidents": counts, "fatalities": fat_sum},
        geometry=gpd.GeoSeries(polygons, crs=WGS84),
        crs=WGS84,
    )
    out.attrs = {
        "resolution": resolution,
        "n_used": int(len(rows)),
        "n_left_out": int(sum(reasons.values())),
        "left_out_reason": reasons,
    }
    return out
