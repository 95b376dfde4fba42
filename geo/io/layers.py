"""Vector layers a user gives (boundaries, routes, sites), read inside the sandboxed worker.

:func:`read_layer` is what :mod:`geo.io._ingest_worker` runs for a boundary,
route or site file: the same container checks and :class:`IngestLimits` as an
incident file (:mod:`geo.io.containers`), GeoJSON checked in Python first
(:func:`geo.io.tables.clean_geojson`), then GDAL (pyogrio) on a private copy
under a generated name. It keeps the features of the geometry family the kind
needs, drops Z/M, reprojects to EPSG:4326 and returns attributes as JSON
scalars; what each kind then requires of the columns lives in
:mod:`geo.io.boundaries`, :mod:`geo.io.routes` and :mod:`geo.io.sites`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from geo.crs import WGS84
from geo.errors import InputFileError
from geo.io.containers import (
    DEFAULT_LIMITS,
    IngestLimits,
    check_zip,
    choose_shapefile,
    display_name,
    extract_member,
    gdal_message,
    gpkg_feature_tables,
    open_zip,
    sniff,
    unpack_shapefile,
)
from geo.io.fields import count_noun
from geo.io.sources import COLUMN_ALIASES
from geo.io.tables import clean_geojson, gdal_call, load_table
from geo.validate import reader_message

__all__ = ["LAYER_GEOMETRIES", "LAYER_KINDS", "Layer", "read_layer"]

#: Geometry types each kind of layer accepts (shapely type names).
LAYER_GEOMETRIES: dict[str, tuple[str, ...]] = {
    "boundaries": ("Polygon", "MultiPolygon"),
    "routes": ("LineString", "MultiLineString"),
    "sites": ("Point", "Polygon", "MultiPolygon"),
}
#: The kinds of layer, besides incidents, that a user's file can be read as.
LAYER_KINDS: tuple[str, ...] = tuple(LAYER_GEOMETRIES)

_WHAT = {"boundaries": "a boundary", "routes": "a route", "sites": "a site"}
_DATA_IN_ZIP = (".geojson", ".json", ".gpkg", ".csv")


@dataclass(frozen=True)
class Layer:
    """A user's layer as read: EPSG:4326 geometries of one family, attributes, notes.

    Attributes
    ----------
    frame : GeoDataFrame
        EPSG:4326, ``RangeIndex``; attribute columns as the file named them
        (values str, int, float, bool or None).
    file : str
        Display name of the file.
    notes : tuple of str
        What the reader did (layer chosen, Z dropped, reprojected...).
    """

    frame: gpd.GeoDataFrame
    file: str
    notes: tuple[str, ...]


def read_layer(
    data: bytes,
    *,
    name: str,
    kind: str,
    layer: str | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> Layer:
    """Read a boundary, route or site file into EPSG:4326 geometries and attributes.

    Parameters
    ----------
    data : bytes
        The file's content (never a path: nothing reaches GDAL under a user's name).
    name : str
        The client's file name, for messages only.
    kind : {"boundaries", "routes", "sites"}
        What the file is read as; decides the geometry family (:data:`LAYER_GEOMETRIES`)
        and, for sites only, whether CSV with coordinate columns is accepted.
    layer : str, optional
        GeoPackage layer or shapefile stem, when there are several.
    limits : IngestLimits
        The same limits as for incident files.

    Returns
    -------
    Layer
        The features, their attributes and the reader's notes.

    Raises
    ------
    InputFileError
        One line naming the file: refused container (same verdict as for
        incidents), unreadable, no CRS, no layer of the right geometry, or a
        feature of another geometry type.
    """
    if kind not in LAYER_GEOMETRIES:
        raise InputFileError(f"read_layer: kind {kind!r} is not one of {LAYER_KINDS}.")
    file = display_name(name)
    if len(data) > limits.max_bytes:
        raise InputFileError(
            f"{file} is {len(data) / 2**20:.1f} MiB; files up to "
            f"{limits.max_bytes / 2**20:.0f} MiB are accepted."
        )
    notes: list[str] = []
    frame = _load(bytes(data), file, kind=kind, layer=layer, depth=0, limits=limits, notes=notes)
    return Layer(frame, file, tuple(notes))


def _load(
    raw: bytes,
    file: str,
    *,
    kind: str,
    layer: str | None,
    depth: int,
    limits: IngestLimits,
    notes: list[str],
) -> gpd.GeoDataFrame:
    content = sniff(raw, file)
    if content == "parquet":
        raise InputFileError(
            f"{file} is Parquet; {_WHAT[kind]} layer must be a GeoPackage, GeoJSON or zipped "
            "shapefile."
        )
    if content == "csv":
        if kind != "sites":
            raise InputFileError(
                f"{file} is CSV text; {_WHAT[kind]} layer must be a GeoPackage, GeoJSON or "
                "zipped shapefile."
            )
        return _csv_points(raw, file, limits=limits, notes=notes)
    with tempfile.TemporaryDirectory(prefix="riskmap-read-") as tmp:
        folder = Path(tmp)
        if content == "geojson":
            clean, _, crs_note = clean_geojson(raw, file)
            if crs_note:
                notes.append(crs_note)
            path = folder / "data.geojson"
            path.write_bytes(clean)
            return _read_path(path, file, kind=kind, layer=None, notes=notes, geojson=True)
        if content == "gpkg":
            path = folder / "data.gpkg"
            path.write_bytes(raw)
            chosen = _choose_gpkg_layer(path, file, kind=kind, layer=layer)
            notes.append(reader_message("layer", name=repr(chosen)))
            return _read_path(path, file, kind=kind, layer=chosen, notes=notes)
        if depth > 0:
            raise InputFileError(f"{file} holds a zip inside a zip; nested archives are refused.")
        with open_zip(raw, file) as zf:
            members = check_zip(zf, file, limits=limits)
            shps = [i for i in members if i.filename.lower().endswith(".shp")]
            if not shps:
                data = [
                    i for i in members if PurePosixPath(i.filename).suffix.lower() in _DATA_IN_ZIP
                ]
                if len(data) != 1:
                    listing = ", ".join(repr(i.filename) for i in members[:20]) or "nothing"
                    raise InputFileError(
                        f"{file} holds no shapefile (.shp) and not exactly one GeoJSON, "
                        f"GeoPackage or CSV file; it holds: {listing}."
                    )
                inner = extract_member(zf, data[0], file, limits=limits)
                notes.append(reader_message("zip_member", name=repr(data[0].filename)))
                return _load(
                    inner, file, kind=kind, layer=layer, depth=1, limits=limits, notes=notes
                )
            shp = choose_shapefile(shps, file, layer=layer)
            path, encoding, shp_notes = unpack_shapefile(
                zf, shp, members, file, folder, limits=limits
            )
        notes.extend(shp_notes)
        if not path.with_suffix(".prj").exists():
            raise InputFileError(
                f"{file}: shapefile {shp.filename!r} has no .prj, so its coordinate system is "
                "unknown; add the .prj file to the zip."
            )
        return _read_path(path, file, kind=kind, layer=None, notes=notes, encoding=encoding)


def _choose_gpkg_layer(path: Path, file: str, *, kind: str, layer: str | None) -> str:
    tables = gpkg_feature_tables(path, file)
    listed = [
        (str(n), str(g))
        for n, g in gdal_call(pyogrio.list_layers, path, file=file, what="a GeoPackage", notes=[])
        if str(n) in tables
    ]
    if layer is not None:
        if layer not in {n for n, _ in listed}:
            described = ", ".join(f"{n!r} ({g})" for n, g in listed)
            raise InputFileError(f"{file} has no layer {layer!r}; its layers: {described}.")
        return layer
    wanted = LAYER_GEOMETRIES[kind]
    fitting = [n for n, g in listed if g.removesuffix(" Z").removesuffix(" M") in wanted]
    if len(fitting) == 1:
        return fitting[0]
    described = ", ".join(f"{n!r} ({g})" for n, g in listed) or "none"
    if not fitting:
        raise InputFileError(
            f"{file} has no {' or '.join(wanted)} layer for {_WHAT[kind]} layer; its layers: "
            f"{described}."
        )
    raise InputFileError(
        f"{file} has {len(fitting)} layers that could be {_WHAT[kind]} layer: {described}; "
        "keep one of them (or name it)."
    )


def _read_path(
    path: Path,
    file: str,
    *,
    kind: str,
    layer: str | None,
    notes: list[str],
    geojson: bool = False,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    meta, _fids, wkb, fields = gdal_call(
        pyogrio.raw.read,
        path,
        file=file,
        what=f"{_WHAT[kind]} layer",
        notes=notes,
        layer=layer,
        encoding=encoding,
        datetime_as_string=True,
    )
    n = len(wkb) if wkb is not None else 0
    geoms = shapely.from_wkb(np.asarray(wkb if wkb is not None else [], dtype=object))
    wanted = LAYER_GEOMETRIES[kind]
    for i, geom in enumerate(geoms, start=1):
        if geom is None or geom.is_empty:
            raise InputFileError(
                f"{file}, feature {i}: the geometry is empty; {_WHAT[kind]} layer needs "
                f"{' or '.join(wanted)} features."
            )
        if geom.geom_type not in wanted:
            raise InputFileError(
                f"{file}, feature {i}: a {geom.geom_type}; {_WHAT[kind]} layer holds "
                f"{' or '.join(wanted)} features."
            )
    zm = int((shapely.has_z(geoms) | shapely.has_m(geoms)).sum()) if n else 0
    if zm:
        geoms = shapely.force_2d(geoms)
        notes.append(reader_message("zm_dropped", features=count_noun(zm, "feature")))
    crs_text = meta.get("crs")
    if crs_text is None and not geojson:
        raise InputFileError(f"{file} has no CRS; save it with one (EPSG:4326 preferred).")
    series = gpd.GeoSeries(geoms, crs=crs_text or WGS84)
    if crs_text is not None:
        try:
            crs = CRS.from_user_input(crs_text)
        except ProjCRSError:
            raise InputFileError(f"{file}: its CRS cannot be understood.") from None
        if not crs.equals(WGS84, ignore_axis_order=True):
            series = series.to_crs(WGS84)
            notes.append(reader_message("reprojected", crs=repr(crs.name)))
    if n:
        minx, miny, maxx, maxy = series.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise InputFileError(
                f"{file}: coordinates fall outside lon -180..180, lat -90..90; check the "
                "layer's CRS (projected coordinates without a .prj, or lat/lon swapped?)."
            )
    columns = {str(c): _json_values(v) for c, v in zip(meta["fields"], fields or [], strict=True)}
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    return gpd.GeoDataFrame(frame, geometry=series.set_crs(WGS84, allow_override=True).values)


def _json_values(values: np.ndarray) -> list[Any]:
    out: list[Any] = []
    for v in values.tolist():
        if isinstance(v, float) and not np.isfinite(v):
            out.append(None)
        elif isinstance(v, bytes):
            out.append(v.decode("utf-8", errors="replace"))
        else:
            out.append(v)
    return out


def _csv_points(
    raw: bytes, file: str, *, limits: IngestLimits, notes: list[str]
) -> gpd.GeoDataFrame:
    """Read a site list from CSV: the incident reader's CSV rules, lat/lon columns."""
    table = load_table(raw, file, fmt="csv", layer=None, depth=1, limits=limits)
    notes.extend(table.notes)
    if table.rejected.any():
        first = next(i for i in table.issues if i.action == "rejected")
        raise InputFileError(first.to_line())
    lower = {c.lower(): c for c in table.df.columns}
    found = {}
    for target in ("latitude", "longitude"):
        hits = [lower[a] for a in COLUMN_ALIASES[target] if a in lower]
        if not hits:
            raise InputFileError(
                f"{file}: no {target} column; found columns: "
                f"{', '.join(map(repr, table.df.columns))}. Accepted names (any case): "
                f"{', '.join(COLUMN_ALIASES[target])}."
            )
        found[target] = hits[0]
    values = {}
    for target, column in found.items():
        text = table.df[column].astype(str).str.strip().str.replace(",", ".", regex=False)
        number = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(number))
        if bad.size:
            row = int(table.rows[bad[0]])
            raise InputFileError(
                f"{file}, row {row}, column {column!r}: {table.df[column].iat[bad[0]]!r} is not a "
                "decimal number of degrees."
            )
        values[target] = number
    lon, lat = values["longitude"], values["latitude"]
    outside = np.flatnonzero((np.abs(lat) > 90) | (np.abs(lon) > 180))
    if outside.size:
        row = int(table.rows[outside[0]])
        raise InputFileError(
            f"{file}, row {row}: ({lat[outside[0]]!r}, {lon[outside[0]]!r}) is not a lat/lon "
            "pair (outside -90..90 / -180..180)."
        )
    frame = table.df.drop(columns=list(found.values())).reset_index(drop=True)
    frame = frame.where(frame != "", None)
    try:
        geometry = gpd.GeoSeries(shapely.points(lon, lat), crs=WGS84)
    except (ValueError, shapely.errors.GEOSException) as exc:
        raise InputFileError(
            f"{file}: the points could not be built ({gdal_message(exc)})."
        ) from None
    return gpd.GeoDataFrame(frame, geometry=geometry.values, crs=WGS84)
