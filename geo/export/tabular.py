"""Tables written safely: spreadsheet-inert CSV cells, CSV/GPKG/GeoJSON tables, CSV bundles.

Two dangers are handled here, once, for every table the product writes:

* **Formula injection** (CWE-1236, OWASP ASVS 1.2.10): a text cell beginning
  with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a NUL is run as a
  formula by spreadsheet programs. :func:`safe_csv_frame` prefixes such cells
  with ``'`` in text columns only, so numbers (``-6.2157``) stay numbers.
* **Half-written files**: :func:`geo.export.atomic.write_bytes_atomic` writes to a
  temporary file in the destination folder, flushes it to disk and renames it over
  the target (``os.replace``), so a crash leaves either the old file or the new one.

GDAL never sees the destination path: GeoPackage and GeoJSON are serialised in
memory by pyogrio and the bytes are written by Python.
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.crs import WGS84
from geo.errors import ExportError, ParameterError
from geo.export.atomic import (
    bytes_writer,
    write_atomic,
    write_bytes_atomic,
    write_folder_atomic,
)
from geo.export.share import prepared
from geo.export.vector import gpkg_columns, plain_columns
from geo.provenance import build_provenance, provenance_table

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = [
    "FORMULA_PREFIXES",
    "TABLE_SUFFIXES",
    "export_csv_tables",
    "neutralise_cell",
    "safe_csv_frame",
    "table_bytes",
    "write_table_atomic",
]

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\0")

#: Output suffix -> format written by :func:`write_table_atomic`.
TABLE_SUFFIXES: dict[str, str] = {
    ".csv": "CSV",
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".parquet": "Parquet",
}


def neutralise_cell(value: object) -> object:
    """Prefix a text value with ``'`` when a spreadsheet would run it as a formula.

    Parameters
    ----------
    value : object
        A cell value; only ``str`` values are changed.

    Returns
    -------
    object
        The value, prefixed with ``'`` when it starts with one of
        :data:`FORMULA_PREFIXES`.

    Examples
    --------
    >>> neutralise_cell("=1+1")
    "'=1+1"
    >>> neutralise_cell(-6.2157)
    -6.2157
    >>> neutralise_cell("Ségou")
    'Ségou'
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _is_text_column(series: pd.Series) -> bool:
    return (
        pd.api.types.is_object_dtype(series.dtype)
        or pd.api.types.is_string_dtype(series.dtype)
        or isinstance(series.dtype, pd.CategoricalDtype)
    )


def safe_csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` ready for CSV: no geometry object, no formula cells.

    A geometry column becomes ``longitude``/``latitude`` (EPSG:4326) when every
    geometry is a point, otherwise ``geometry_wkt`` (EPSG:4326 WKT). Text cells
    and column names starting with one of :data:`FORMULA_PREFIXES` get a leading
    ``'``; numeric, boolean and date columns are left untouched.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        The table; not modified.

    Returns
    -------
    DataFrame
        A plain DataFrame, aligned to ``df``'s index.

    Raises
    ------
    ParameterError
        If a GeoDataFrame has geometries but no CRS.

    Examples
    --------
    >>> t = pd.DataFrame({"note": ["+1+1", "ok"], "lon": [-6.2157, 1.0]})
    >>> safe_csv_frame(t)
        note     lon
    0  '+1+1 -6.2157
    1     ok  1.0000
    """
    out = pd.DataFrame(df).copy()
    if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
        out = out.drop(columns=[df.geometry.name])
        geoms = df.geometry
        if geoms.notna().any():
            if geoms.crs is None:
                raise ParameterError(
                    "table for CSV has geometries but no CRS; set one with .set_crs(...)."
                )
            geoms = geoms.to_crs(WGS84)
        values = np.asarray(geoms.values, dtype=object)
        kinds = shapely.get_type_id(values)
        present = ~(shapely.is_missing(values) | shapely.is_empty(values))
        if np.all((kinds == 0) | ~present):
            x = np.full(len(values), np.nan)
            y = np.full(len(values), np.nan)
            x[present] = shapely.get_x(values[present])
            y[present] = shapely.get_y(values[present])
            out["longitude"] = x
            out["latitude"] = y
        else:
            wkt = shapely.to_wkt(values, rounding_precision=6)
            out["geometry_wkt"] = np.where(present, wkt, "")
    for col in out.columns:
        if _is_text_column(out[col]):
            out[col] = out[col].astype(object).map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def _suffix_format(path: Path) -> str:
    fmt = TABLE_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ParameterError(
            f"output file {path.name!r} has suffix {path.suffix!r}, but tables are "
            f"written as {sorted(TABLE_SUFFIXES)}; choose one of those suffixes."
        )
    return fmt


def table_bytes(df: pd.DataFrame, *, fmt: str, layer: str = "layer") -> bytes:
    """Serialise a table to bytes in memory (CSV, GPKG or GeoJSON).

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        The table. GeoJSON needs a GeoDataFrame; GPKG accepts either.
    fmt : {"CSV", "GPKG", "GeoJSON", "Parquet"}
        Output format. CSV goes through :func:`safe_csv_frame`, UTF-8.
        Parquet is GeoParquet 1.x (WKB, EPSG:4326) for a GeoDataFrame, plain
        Parquet otherwise (pyarrow, snappy).
    layer : str
        Layer name inside a GeoPackage.

    Returns
    -------
    bytes
        The file content.

    Raises
    ------
    ParameterError
        If ``fmt`` is not one of the four formats, or GeoJSON is asked for a
        table without geometry.
    ExportError
        If a GeoPackage or GeoJSON does not read back with as many rows.
    """
    if fmt == "CSV":
        return safe_csv_frame(df).to_csv(index=False).encode("utf-8")
    if fmt == "Parquet":
        return _parquet_bytes(df)
    if fmt not in ("GPKG", "GeoJSON"):
        raise ParameterError(
            f"`fmt` was {fmt!r} but is expected to be in ['CSV', 'GPKG', 'GeoJSON', 'Parquet']"
        )
    if fmt == "GeoJSON" and not isinstance(df, gpd.GeoDataFrame):
        raise ParameterError("GeoJSON needs a table with geometries; write CSV or GPKG instead.")
    import pyogrio

    frame = df
    if isinstance(df, gpd.GeoDataFrame) and fmt == "GeoJSON" and df.crs is not None:
        frame = df.to_crs(WGS84)  # RFC 7946: GeoJSON is lon/lat
    buffer = io.BytesIO()
    if fmt == "GPKG":
        frame = gpkg_columns(frame)
    pyogrio.write_dataframe(frame, buffer, driver=fmt, layer=layer, use_arrow=fmt == "GPKG")
    data = buffer.getvalue()
    with warnings.catch_warnings():
        # Reading bytes back, GDAL notes the in-memory name lacks a .gpkg suffix.
        warnings.filterwarnings("ignore", "File .* non conformant file extension", RuntimeWarning)
        written = pyogrio.read_info(data, layer=layer)["features"]
    if written != len(df):
        raise ExportError(f"the {fmt} table holds {written} rows after writing, not {len(df)}.")
    return data


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    import pyarrow.parquet as pq

    frame = plain_columns(df)
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        frame = frame.to_crs(WGS84)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    data = buffer.getvalue()
    written = pq.ParquetFile(io.BytesIO(data)).metadata.num_rows
    if written != len(df):
        raise ExportError(f"the Parquet table holds {written} rows after writing, not {len(df)}.")
    return data


def write_table_atomic(
    df: pd.DataFrame, path: str | os.PathLike[str], *, layer: str | None = None
) -> Path:
    """Write a table as CSV, GeoPackage, GeoJSON or (Geo)Parquet (chosen by suffix), atomically.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        The table; not modified. CSV cells are neutralised
        (:func:`safe_csv_frame`); GeoJSON is written in EPSG:4326.
    path : str or PathLike
        Destination ending in one of :data:`TABLE_SUFFIXES`.
    layer : str, optional
        GeoPackage layer name; the file stem by default.

    Returns
    -------
    Path
        The absolute destination path.

    Raises
    ------
    ParameterError
        If the suffix is not one of :data:`TABLE_SUFFIXES`.
    ExportError
        If the file cannot be written.
    """
    target = Path(path)
    fmt = _suffix_format(target)
    data = table_bytes(df, fmt=fmt, layer=layer or target.stem or "layer")
    return write_bytes_atomic(data, target, what=f"{fmt} table")


def _table_for_csv(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None:
        return None
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        frame = frame.to_crs(WGS84)
    plain = plain_columns(frame)
    return safe_csv_frame(plain)


def _csv_tables(analysis: Analysis) -> dict[str, pd.DataFrame]:
    kf = dict(analysis.key_figures)
    tables: dict[str, pd.DataFrame | None] = {
        "key_figures": pd.DataFrame({"measure": list(kf), "value": [kf[k] for k in kf]}),
        "admin_stats": analysis.admin_stats,
        "hexes": analysis.hexes,
        "gistar": analysis.gistar,
        "surge": analysis.surge,
        "route_summary": analysis.route_summary,
        "worst_stretches": analysis.worst_stretches,
        "route_segments": analysis.segments,
        "sites": analysis.sites,
        "incidents_used": analysis.incidents,
        "left_out": pd.DataFrame(
            {"reason": list(analysis.left_out), "events": list(analysis.left_out.values())}
        ),
        "provenance": provenance_table(build_provenance(analysis)),
    }
    out = {}
    for name, frame in tables.items():
        table = _table_for_csv(frame)
        if table is not None:
            out[name] = table
    return out


def _csv_bytes(table: pd.DataFrame) -> bytes:
    # UTF-8 with a byte-order mark: spreadsheet programs then read Ségou right.
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def export_csv_tables(
    analysis: Analysis, path: str | os.PathLike[str], *, share_safe: bool = False
) -> Path:
    """Write every table of the analysis as CSV, into a folder or a zip file.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis to export.
    path : str or path-like
        A ``.zip`` file (written atomically as one file) or a folder. A new
        folder is built beside its destination and renamed into place; in an
        existing folder each CSV is replaced atomically.
    share_safe : bool
        Apply :func:`share_safe_analysis` first.

    Returns
    -------
    Path
        The zip file or folder.

    Raises
    ------
    ExportError
        If writing or the read-back check fails (nothing is left behind).

    Notes
    -----
    Tables: key_figures, admin_stats, hexes, gistar, surge, route_summary,
    worst_stretches, route_segments, sites, incidents_used (point layers get
    ``lon``/``lat``; polygons and lines are in the GeoPackage), left_out and
    provenance. Text cells that a spreadsheet would run as a formula are
    neutralised by :func:`safe_csv_frame`. Encoding UTF-8 with BOM, CRLF.
    """
    a = prepared(analysis, share_safe)
    tables = {f"{name}.csv": _csv_bytes(t) for name, t in _csv_tables(a).items()}
    raw = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
    if isinstance(raw, str) and raw.lower().endswith(".zip"):
        return _write_zip(tables, raw)
    if not isinstance(raw, str):
        raise ParameterError(f"export path must be a file path, found {type(path).__name__}")
    return write_folder_atomic(Path(os.path.abspath(raw)), tables, what="CSV tables")


def _write_zip(tables: Mapping[str, bytes], path: str) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in tables.items():
            # A fixed timestamp keeps the same analysis giving the same bytes.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    data = buf.getvalue()
    return write_atomic(
        path,
        bytes_writer(data),
        verify=lambda tmp: _verify_zip(tmp, names=sorted(tables)),
        suffixes=(".zip",),
        what="CSV zip",
    )


def _verify_zip(tmp: Path, *, names: Sequence[str]) -> None:
    """Re-open a written zip: every member reads (CRC checked) and the names are as written."""
    with zipfile.ZipFile(tmp) as zf:
        if zf.testzip() is not None or sorted(zf.namelist()) != list(names):
            raise ExportError("CSV zip check: the archive does not read back as written.")
