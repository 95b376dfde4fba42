"""The analysis as one GeoPackage of layers and tables that QGIS opens, with its provenance."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from geo.crs import WGS84
from geo.errors import ExportError
from geo.export.atomic import write_via_private_dir
from geo.export.share import is_shared, prepared
from geo.provenance import build_provenance, jsonable, provenance_table

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = ["export_gpkg", "gpkg_columns", "plain_columns"]


def plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy with values GDAL can store: dates as datetimes, odd objects as text."""
    out = frame.copy()
    geom = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for col in out.columns:
        if col == geom:
            continue
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        elif s.dtype != object:
            continue
        values = s.dropna()
        if len(values) and all(isinstance(v, (date, datetime, pd.Timestamp)) for v in values):
            out[col] = pd.to_datetime(s)
        elif len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
            out[col] = s.astype("boolean")
        else:
            out[col] = s.map(
                lambda v: (
                    None
                    if v is None or (isinstance(v, float) and math.isnan(v))
                    else (
                        json.dumps(jsonable(v), ensure_ascii=False)
                        if isinstance(v, (list, dict, tuple))
                        else str(v)
                    )
                )
            )
    return out


def gpkg_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy with GeoPackage date types: calendar dates as DATE, times as UTC DATETIME.

    The GeoPackage spec (Table 1, "Data Types") stores DATE as ``YYYY-MM-DD``
    and DATETIME as ISO 8601 in UTC with a ``Z``; GDAL's ``validate_gpkg.py``
    warns otherwise. A datetime column whose values all fall on midnight (the
    day-resolution ``event_date``, ``as_of``...) is a calendar date and becomes
    an Arrow ``date32`` column, which GDAL writes as DATE; a time-zone-aware
    column is converted to UTC, and a naive one with times of day is taken as
    UTC. Write the result with ``pyogrio.write_dataframe(..., use_arrow=True)``.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        Columns as :func:`plain_columns` leaves them.

    Returns
    -------
    DataFrame or GeoDataFrame
        The same table with its datetime columns retyped.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype.kind != "M" and not isinstance(s.dtype, pd.DatetimeTZDtype):
            continue
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out[col] = s.dt.tz_convert("UTC")
        elif (s.dropna() == s.dropna().dt.normalize()).all():
            out[col] = s.dt.date.astype(pd.ArrowDtype(pa.date32()))
        else:
            out[col] = s.dt.tz_localize("UTC")
    return out


#: Layer name -> (Analysis attribute, geometry type for an empty layer).
_GPKG_LAYERS: tuple[tuple[str, str, str], ...] = (
    ("admin_stats", "admin_stats", "MultiPolygon"),
    ("hexes", "hexes", "Polygon"),
    ("gistar", "gistar", "Polygon"),
    ("route_segments", "segments", "LineString"),
    ("sites", "sites", "Point"),
    ("incidents_used", "incidents", "Point"),
)
#: Attribute tables (no geometry) written beside the layers.
_GPKG_TABLES: tuple[tuple[str, str], ...] = (
    ("route_summary", "route_summary"),
    ("worst_stretches", "worst_stretches"),
    ("surge", "surge"),
)


def _gpkg_contents(analysis: Analysis) -> list[tuple[str, pd.DataFrame, str | None]]:
    contents: list[tuple[str, pd.DataFrame, str | None]] = []
    for layer, attr, empty_type in _GPKG_LAYERS:
        frame = getattr(analysis, attr)
        if frame is None:
            continue
        frame = (
            frame.to_crs(WGS84) if frame.crs is not None and not frame.crs.equals(WGS84) else frame
        )
        if attr == "incidents" and is_shared(analysis):
            empty_type = "Polygon"
        contents.append((layer, plain_columns(frame), empty_type))
    for table, attr in _GPKG_TABLES:
        frame = getattr(analysis, attr)
        if frame is None:
            continue
        plain = pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore")
        if plain.columns.empty:
            continue
        contents.append((table, plain_columns(plain), None))
    contents.append(("provenance", provenance_table(build_provenance(analysis)), None))
    return contents


def export_gpkg(
    analysis: Analysis, path: str | os.PathLike[str], *, share_safe: bool = False
) -> Path:
    """Write the analysis layers to one GeoPackage that QGIS opens.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis to export.
    path : str or path-like
        Destination ``.gpkg``; its folder must exist.
    share_safe : bool
        Apply :func:`share_safe_analysis` first.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ExportError
        If the file cannot be written or does not read back with the expected
        layers, feature counts and CRS (nothing is left behind).

    Notes
    -----
    Layers (EPSG:4326): ``admin_stats``, ``hexes``, ``gistar`` (when computed),
    ``route_segments``, ``sites``, ``incidents_used``; attribute tables
    ``route_summary``, ``worst_stretches``, ``surge`` and ``provenance``
    (key/value rows, with the whole record as JSON in ``provenance_json``; the
    same JSON is in the dataset metadata). Text is stored in full (no 254
    character limit as in shapefiles).
    """
    a = prepared(analysis, share_safe)
    contents = _gpkg_contents(a)
    prov_json = json.dumps(build_provenance(a), ensure_ascii=False, sort_keys=True)
    return write_via_private_dir(
        path,
        lambda tmp: _write_gpkg(contents, tmp, prov_json=prov_json),
        verify=lambda tmp: _verify_gpkg(tmp, contents),
        suffixes=(".gpkg",),
        what="GeoPackage",
    )


def _write_gpkg(
    contents: Sequence[tuple[str, pd.DataFrame, str | None]], tmp: Path, *, prov_json: str
) -> None:
    import pyogrio

    for i, (name, frame, empty_type) in enumerate(contents):
        kwargs: dict[str, Any] = {"layer": name, "driver": "GPKG", "use_arrow": True}
        if i == 0:
            kwargs["dataset_metadata"] = {"provenance": prov_json}
        if isinstance(frame, gpd.GeoDataFrame) and frame.empty:
            kwargs["geometry_type"] = empty_type
        elif isinstance(frame, gpd.GeoDataFrame) and empty_type and empty_type != "Point":
            kwargs["promote_to_multi"] = True
        pyogrio.write_dataframe(gpkg_columns(frame), str(tmp), **kwargs)


def _verify_gpkg(tmp: Path, contents: Sequence[tuple[str, pd.DataFrame, str | None]]) -> None:
    """Re-open a written GeoPackage: every layer present, counts and CRS as written."""
    import pyogrio

    found = {str(row[0]) for row in pyogrio.list_layers(str(tmp))}
    for name, frame, _ in contents:
        if name not in found:
            raise ExportError(f"GeoPackage check: layer {name!r} is missing after writing.")
        info = pyogrio.read_info(str(tmp), layer=name)
        if int(info["features"]) != len(frame):
            raise ExportError(
                f"GeoPackage check: layer {name!r} has {info['features']} features, "
                f"{len(frame)} were written."
            )
        if isinstance(frame, gpd.GeoDataFrame) and info["crs"] != "EPSG:4326":
            raise ExportError(f"GeoPackage check: layer {name!r} has CRS {info['crs']}.")
