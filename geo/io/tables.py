"""Raw tables: a user file's attributes as strings, with its points when geometries gave them.

:func:`load_table` checks the container (:mod:`geo.io.containers`), then reads
CSV (the :mod:`csv` module, records not lines, so row numbers match a
spreadsheet), GeoJSON (``crs`` member refused before GDAL sees it: RFC 7946
§4; GDAL fetches ``link`` CRSs over HTTP, except the WGS84 ``name`` member that
GDAL and QGIS write themselves, which is dropped with a note), a GeoPackage or
a zipped shapefile (pyogrio, on a private temporary copy under a generated
name: no user string is ever a GDAL path). Every value comes back as text;
the source columns are interpreted by :mod:`geo.io.sources` and
:mod:`geo.io.fields`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from geo.crs import WGS84
from geo.errors import InputFileError
from geo.io.containers import (
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
from geo.io.fields import count_noun, geometry_to_points
from geo.validate import RowIssue, reader_message

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "EXTENSIONS",
    "GDAL_ERRORS",
    "RawTable",
    "clean_geojson",
    "gdal_call",
    "load_table",
]


EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".xlsx": "zip",
    ".geoparquet": "parquet",
    ".zip": "zip",
}


_DATA_IN_ZIP = (".csv", ".geojson", ".json", ".gpkg")


_KIND_LABEL = {
    "csv": "CSV text",
    "geojson": "GeoJSON",
    "gpkg": "a GeoPackage",
    "parquet": "Parquet",
    "zip": "a zip archive",
}


_WGS84_NAMES = frozenset(
    {
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "urn:ogc:def:crs:EPSG::4326",
        "EPSG:4326",
    }
)


@dataclass
class RawTable:
    """Attributes of one file as strings, plus coordinates when a geometry gave them."""

    file: str
    format: str
    df: pd.DataFrame  # object columns of str, original column names
    rows: np.ndarray  # row (or feature) number shown to the user
    row_label: str = "row"
    family: str | None = None  # forced by fmt
    lon: np.ndarray | None = None  # from geometries (EPSG:4326 after reprojection)
    lat: np.ndarray | None = None
    crs_known: bool = True  # False: vector layer without CRS (must be lon/lat)
    area_rows: np.ndarray | None = None  # bool: point derived from a polygon
    issues: list[RowIssue] = field(default_factory=list)
    rejected: np.ndarray | None = None  # bool, rows already rejected while reading
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.rejected is None:
            self.rejected = np.zeros(len(self.df), dtype=bool)


def load_table(
    raw: bytes,
    file: str,
    *,
    fmt: str | None,
    layer: str | None,
    depth: int,
    limits: IngestLimits,
) -> RawTable:
    """Read a user file's bytes into a raw table: checked container, attributes as text.

    Parameters
    ----------
    raw : bytes
        The file's content.
    file : str
        Display name for messages.
    fmt : str, optional
        Forced format (one of :data:`geo.io.incidents.FORMATS`); detected otherwise.
    layer : str, optional
        GeoPackage layer or shapefile stem to read.
    depth : int
        0 for the file itself, 1 inside a zip (a zip inside a zip is refused).
    limits : IngestLimits
        Archive limits.

    Returns
    -------
    RawTable
        Attributes as strings and, for vector layers, one lon/lat per feature.

    Raises
    ------
    InputFileError
        If the name and content disagree, the container is refused, or the
        file cannot be read.
    """
    ext = PurePosixPath(file.lower()).suffix
    if fmt is None and ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        raise InputFileError(
            f"{file} is one part of a shapefile; zip the .shp together with its .shx, .dbf "
            "and .prj files and read the zip."
        )
    if fmt is None and ext and ext not in EXTENSIONS:
        raise InputFileError(
            f"{file}: files ending {ext!r} are not accepted; accepted: "
            f"{', '.join(sorted(EXTENSIONS))} (ACLED/UCDP/news CSV, GeoJSON, GeoPackage, "
            "zipped shapefile)."
        )
    kind = sniff(raw, file)
    if fmt is not None:
        wanted = {
            "geojson": "geojson",
            "gpkg": "gpkg",
            "parquet": "parquet",
            "shapefile_zip": "zip",
            "xlsx": "zip",
        }.get(fmt, "csv")
        if kind != wanted and kind != "zip":  # a zip is a container: checked inside
            raise InputFileError(
                f"{file}: format {fmt!r} was asked for but the content is {_KIND_LABEL[kind]}."
            )
    elif ext and EXTENSIONS[ext] != kind:
        raise InputFileError(
            f"{file} is named {ext!r} but its content is {_KIND_LABEL[kind]}; "
            "rename it or export it again."
        )
    if kind == "csv":
        table = _read_csv(raw, file)
        family = {"acled_csv": "acled", "ucdp_csv": "ucdp", "news_csv": "news", "csv": "user"}
        table.family = family.get(fmt or "")
        return table
    if kind == "geojson":
        return _read_geojson(raw, file)
    if kind == "gpkg":
        return _read_gpkg(raw, file, layer=layer)
    if kind == "parquet":
        return _read_parquet(raw, file)
    if depth > 0:
        raise InputFileError(f"{file} holds a zip inside a zip; nested archives are refused.")
    return _read_zip(raw, file, layer=layer, fmt=fmt, limits=limits)


def _decode(raw: bytes, file: str) -> tuple[str, str, frozenset[int]]:
    """Return (text, encoding note, lines not decoded as UTF-8 in a mixed file)."""
    none: frozenset[int] = frozenset()
    if raw.startswith(codecs.BOM_UTF8):
        try:
            text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
            return text, reader_message("utf8_bom"), none
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"{file} starts with a UTF-8 byte-order mark but byte {exc.start} is not "
                "UTF-8; save it again as UTF-8."
            ) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), reader_message("utf16_bom"), none
        except UnicodeDecodeError:
            raise InputFileError(f"{file} is not valid UTF-16; save it as UTF-8.") from None
    try:
        return raw.decode("utf-8"), "UTF-8", none
    except UnicodeDecodeError:
        pass
    # A UTF-8 sequence never spans a line break, so lines can be decoded one by one.
    lines = raw.splitlines(keepends=True)
    parts: list[str] = []
    foreign: set[int] = set()
    utf8_text = False
    for number, line in enumerate(lines, start=1):
        try:
            parts.append(line.decode("utf-8"))
            utf8_text |= not line.isascii()
        except UnicodeDecodeError:
            foreign.add(number)
            parts.append(_decode_8bit(line))
    if utf8_text:
        return (
            "".join(parts),
            reader_message("mixed_encoding", lines=count_noun(len(foreign), "line")),
            frozenset(foreign),
        )
    text = _decode_8bit(raw)
    if any(0x80 <= b <= 0x9F for b in raw):
        try:
            raw.decode("cp1252")
            return text, reader_message("cp1252"), none
        except UnicodeDecodeError:
            return (
                text,
                reader_message("latin1_c1"),
                none,
            )
    return (
        text,
        reader_message("latin1"),
        none,
    )


def _decode_8bit(raw: bytes) -> str:
    """cp1252 (so 0x92 is a real apostrophe), else Latin-1, which decodes any byte."""
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _read_csv(raw: bytes, file: str) -> RawTable:
    text, encoding, foreign = _decode(raw, file)
    text = unicodedata.normalize("NFC", text.replace("\x00", ""))
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    records: list[list[str]] = []
    last_line: list[int] = []  # physical line where each record ends
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for rec in reader:
            records.append(rec)
            last_line.append(reader.line_num)
    except csv.Error as exc:
        raise InputFileError(f"{file} is not a readable CSV file ({gdal_message(exc)}).") from None
    notes = [reader_message("encoding", encoding=encoding)]
    if delimiter != ",":
        notes.append(
            reader_message("delimiter", delimiter="tab" if delimiter == chr(9) else repr(delimiter))
        )
    return _records_table(records, last_line, file, fmt="csv", notes=notes, foreign=foreign)


def _records_table(
    records: list[list[str]],
    last_line: list[int],
    file: str,
    *,
    fmt: str,
    notes: list[str],
    foreign: frozenset[int] = frozenset(),
) -> RawTable:
    """Build a raw table from text records (CSV or a spreadsheet), header first.

    An HXL hashtag row under the header (HDX copies of ACLED: ``#event+code``,
    ``#date+occurred``...) is recognised, skipped and noted; row numbers stay
    those of the file.
    """
    if not records or not any(c.strip() for c in records[0]):
        raise InputFileError(f"{file} has no header row; the first row must name the columns.")
    header = [c.strip() for c in records[0]]
    while header and header[-1] == "" and len(header) > 1:
        header.pop()
    for j, col in enumerate(header):
        if not col:
            header[j] = f"column_{j + 1}"
    _refuse_duplicate_columns(header, file)
    width = len(header)
    data: list[list[str]] = []
    rows: list[int] = []
    issues: list[RowIssue] = []
    rejected: list[bool] = []
    blank = 0
    first = 2
    if len(records) > 1 and _is_hxl_row(records[1]):
        first = 3
        notes.append(reader_message("hxl"))
    for k, rec in enumerate(records[first - 1 :], start=first):
        if not any(c.strip() for c in rec):
            blank += 1
            continue
        bad = False
        if len(rec) > width and not any(c.strip() for c in rec[width:]):
            rec = rec[:width]
        if len(rec) != width:
            bad = True
            col = header[len(rec)] if len(rec) < width else f"(field {width + 1})"
            value = "" if len(rec) < width else rec[width]
            issues.append(
                RowIssue.make(
                    file,
                    k,
                    col,
                    value,
                    reader_message("fields_run_out", found=len(rec), width=width),
                    "rejected",
                )
            )
            rec = (rec + [""] * width)[:width]
        data.append([c.strip() for c in rec])
        rows.append(k)
        rejected.append(bad)
        if foreign and not bad and foreign & set(range(last_line[k - 2] + 1, last_line[k - 1] + 1)):
            j = next((j for j, c in enumerate(rec) if not c.isascii()), 0)
            issues.append(
                RowIssue.make(
                    file,
                    k,
                    header[j],
                    rec[j],
                    reader_message("not_utf8_row"),
                    "flagged",
                )
            )
    df = pd.DataFrame(data, columns=header, dtype=object)
    if df.empty:
        df = pd.DataFrame({c: pd.Series(dtype=object) for c in header})
    if blank:
        notes.append(reader_message("blank_lines", n=blank))
    return RawTable(
        file,
        fmt,
        df,
        np.asarray(rows, dtype=np.int64),
        issues=issues,
        rejected=np.asarray(rejected, dtype=bool),
        notes=notes,
    )


def _read_xlsx(raw: bytes, file: str, *, layer: str | None) -> RawTable:
    """Read one sheet of an Excel workbook (ACLED's XLSX files) with openpyxl, values only.

    The workbook is opened read-only with cached values (``data_only``: no
    formula is evaluated); the sheet named ``layer`` is read, else the only or
    the first one (noted). Cells become text like CSV fields: dates
    ``2025-04-03``, whole numbers without ``.0``; the CSV row rules follow.
    """
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise InputFileError(
            f"{file} is not a readable Excel workbook ({gdal_message(exc)})."
        ) from None
    try:
        sheets = list(book.sheetnames)
        notes = []
        if layer is not None:
            if layer not in sheets:
                raise InputFileError(f"{file} has no sheet {layer!r}; its sheets: {sheets}.")
            name = layer
        else:
            name = sheets[0]
            if len(sheets) > 1:
                notes.append(
                    reader_message("excel_first_sheet", name=repr(name), others=sheets[1:])
                )
        records = [[_cell_text(v) for v in row] for row in book[name].iter_rows(values_only=True)]
    finally:
        book.close()
    notes.insert(0, reader_message("excel_sheet", name=repr(name)))
    return _records_table(records, list(range(1, len(records) + 1)), file, fmt="xlsx", notes=notes)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _is_hxl_row(record: list[str]) -> bool:
    """Tell whether a record is an HXL hashtag row: every non-blank cell a ``#tag+attr``."""
    cells = [c.strip() for c in record if c.strip()]
    return bool(cells) and all(re.fullmatch(r"#[A-Za-z][\w]*(\s*\+[\w]+)*", c) for c in cells)


def _refuse_duplicate_columns(header: list[str], file: str) -> None:
    seen: dict[str, int] = {}
    for j, col in enumerate(header, start=1):
        key = col.lower()
        if key in seen:
            raise InputFileError(
                f"{file} has two columns named {col!r} (columns {seen[key]} and {j}); "
                "rename or remove one."
            )
        seen[key] = j


def clean_geojson(raw: bytes, file: str) -> tuple[bytes, int, str]:
    """Check GeoJSON in Python before GDAL sees it; return it rewritten without ``crs``.

    Parameters
    ----------
    raw : bytes
        The file's content.
    file : str
        Display name for messages.

    Returns
    -------
    tuple of (bytes, int, str)
        A plain FeatureCollection (UTF-8), its number of features, and a note
        ("" if none) when a WGS84 ``crs`` member was dropped.

    Raises
    ------
    InputFileError
        Not UTF-8, not JSON (NaN and Infinity included), nested too deeply, not
        a FeatureCollection or Feature, or a ``crs`` member other than WGS84.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{file}: GeoJSON must be UTF-8 (RFC 8259); byte {exc.start} is not."
        ) from None

    def _no_constant(value: str) -> None:
        raise ValueError(f"{value} is not valid JSON")

    try:
        obj = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise InputFileError(f"{file} is nested too deeply to be GeoJSON.") from None
    except ValueError as exc:
        raise InputFileError(f"{file} is not valid JSON ({gdal_message(exc)}).") from None
    if not isinstance(obj, dict) or obj.get("type") not in ("FeatureCollection", "Feature"):
        kind = obj.get("type") if isinstance(obj, dict) else type(obj).__name__
        raise InputFileError(
            f"{file} is JSON of type {str(kind)[:40]!r}; expected a GeoJSON FeatureCollection "
            "of Point features."
        )
    features = obj.get("features") if obj["type"] == "FeatureCollection" else [obj]
    if not isinstance(features, list):
        raise InputFileError(f"{file}: 'features' must be a list of GeoJSON features.")
    crs_note = _check_geojson_crs(obj, features, file)
    for k, feat in enumerate(features, start=1):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise InputFileError(f"{file}: feature {k} is not a GeoJSON Feature object.")
    clean = json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False
    ).encode("utf-8")
    return clean, len(features), crs_note


def _read_geojson(raw: bytes, file: str) -> RawTable:
    clean, n_features, crs_note = clean_geojson(raw, file)
    table = _read_vector(clean, file, fmt="geojson", suffix=".geojson")
    if len(table.df) != n_features:
        raise InputFileError(
            f"{file}: {n_features} features in the file but GDAL read {len(table.df)}; "
            "the file is malformed."
        )
    if crs_note:
        table.notes.insert(0, crs_note)
    return table


def _check_geojson_crs(obj: dict, features: list, file: str) -> str:
    """Refuse any ``crs`` member except the WGS84 lon/lat name GDAL and QGIS write.

    RFC 7946 removed ``crs``; a ``link`` CRS makes GDAL fetch a URL. GDAL's own
    GeoJSON writer still adds ``{"type": "name", "properties": {"name":
    "urn:ogc:def:crs:OGC:1.3:CRS84"}}``, so that exact form (and the EPSG:4326
    names) is accepted, noted and dropped before GDAL reads the file.
    """
    nested = any(
        isinstance(f, dict)
        and ("crs" in f or (isinstance(f.get("geometry"), dict) and "crs" in f["geometry"]))
        for f in features
    )
    crs = obj.get("crs", None)
    if "crs" not in obj and not nested:
        return ""
    name = None
    if isinstance(crs, dict) and crs.get("type") == "name" and set(crs) == {"type", "properties"}:
        props = crs.get("properties")
        if isinstance(props, dict) and set(props) == {"name"}:
            name = props["name"]
    if nested or name not in _WGS84_NAMES:
        raise InputFileError(
            f"{file} has a 'crs' member ({json.dumps(crs)[:80]}), which RFC 7946 removed and "
            "which can make GDAL fetch a URL; GeoJSON must be lon/lat WGS84 (EPSG:4326): "
            "reproject, then export without 'crs'."
        )
    return f"'crs' member {name!r} (WGS84 lon/lat) dropped before reading (RFC 7946)"


def _read_parquet(raw: bytes, file: str) -> RawTable:
    """Read Parquet or GeoParquet with pyarrow (never GDAL): columns as text, WKB as points.

    A GeoParquet file (``geo`` key in the schema metadata, version 1.x) gives
    its primary WKB column and CRS (PROJJSON; OGC:CRS84 when absent, as the
    specification says); plain Parquet is read like a CSV with named
    coordinate columns. Values become text with pyarrow's vectorised casts
    (dates ``2025-07-01``, numbers as written), so the row rules are the CSV
    ones and a million rows cost seconds, not minutes.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(raw))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputFileError(
            f"{file} is not a readable Parquet file ({gdal_message(exc)})."
        ) from None
    geo_meta = _geoparquet_metadata(table.schema.metadata or {}, file)
    geometry_column = geo_meta.get("primary_column") if geo_meta else None
    names = [unicodedata.normalize("NFC", str(n)).strip() for n in table.column_names]
    _refuse_duplicate_columns(names, file)
    columns: dict[str, object] = {}
    for name, column in zip(names, table.columns, strict=True):
        if name == geometry_column:
            continue
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            continue  # other WKB or blobs: not attributes
        if pa.types.is_timestamp(column.type):
            midnight = pc.all(pc.equal(pc.floor_temporal(column, unit="day"), column)).as_py()
            text = pc.strftime(column, format="%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S")
        else:
            try:
                text = pc.cast(column, pa.string())
            except pa.ArrowException:
                continue  # nested types (lists, structs) are not incident attributes
        columns[name] = _shared_text(pc.utf8_trim_whitespace(pc.fill_null(text, "")))
    n = table.num_rows
    df = pd.DataFrame(columns, dtype=object) if columns else pd.DataFrame(index=pd.RangeIndex(n))
    rows = np.arange(2, n + 2, dtype=np.int64)  # row 1 is the header, as in a spreadsheet
    out = RawTable(
        file,
        "parquet",
        df,
        rows,
        notes=[f"Parquet: {count_noun(n, 'row')}, {count_noun(len(names), 'column')}"],
    )
    if geometry_column is not None:
        out.row_label = "feature"
        out.rows = np.arange(1, n + 1, dtype=np.int64)
        if geometry_column not in table.column_names:
            raise InputFileError(
                f"{file}: GeoParquet metadata names geometry column {geometry_column!r}, "
                "which the file does not have."
            )
        geometry_to_points(out, table.column(geometry_column).to_pylist())
        crs = geo_meta["columns"][geometry_column].get("crs", "OGC:CRS84")
        if crs is None:
            out.crs_known = False
        else:
            _reproject(out, json.dumps(crs) if isinstance(crs, dict) else str(crs), file)
        out.notes.append(f"GeoParquet geometry column {geometry_column!r} read")
    return out


def _shared_text(text: pa.ChunkedArray) -> np.ndarray:
    """Return an Arrow text column as an object array with one Python string per distinct value.

    Each chunk is dictionary-encoded and only its distinct values become Python
    strings, shared by the rows that repeat them: a million rows of a few
    hundred event types cost a few hundred strings, not a million.
    """
    parts = []
    for chunk in text.chunks:
        encoded = chunk.dictionary_encode()
        words = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
        parts.append(words[encoded.indices.to_numpy()])
    return np.concatenate(parts) if parts else np.empty(0, dtype=object)


def _geoparquet_metadata(metadata: dict[bytes, bytes], file: str) -> dict | None:
    raw = metadata.get(b"geo")
    if raw is None:
        return None
    try:
        meta = json.loads(raw.decode("utf-8"))
        column = meta["columns"][meta["primary_column"]]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise InputFileError(f"{file}: its GeoParquet 'geo' metadata is unreadable.") from None
    if column.get("encoding", "WKB") != "WKB":
        raise InputFileError(
            f"{file}: GeoParquet geometry encoding {column.get('encoding')!r} is not supported; "
            "write WKB (the default)."
        )
    return meta


def _read_gpkg(raw: bytes, file: str, *, layer: str | None) -> RawTable:
    with tempfile.TemporaryDirectory(prefix="riskmap-read-") as tmp:
        path = Path(tmp) / "data.gpkg"
        path.write_bytes(raw)
        layers = gpkg_feature_tables(path, file)
        layer_list = gdal_call(pyogrio.list_layers, path, file=file, what="gpkg", notes=[])
        listed = [(str(n), str(g)) for n, g in layer_list]
        listed = [(n, g) for n, g in listed if n in layers]
        chosen, note = _choose_layer(listed, file, layer=layer)
        table = _read_vector_path(path, file, fmt="gpkg", layer=chosen)
    table.notes.insert(0, f"layer: {chosen!r}" + (f" ({note})" if note else ""))
    return table


def _choose_layer(
    listed: list[tuple[str, str]], file: str, *, layer: str | None
) -> tuple[str, str]:
    names = [n for n, _ in listed]
    described = ", ".join(f"{n!r} ({g})" for n, g in listed)
    if layer is not None:
        if layer not in names:
            raise InputFileError(f"{file} has no layer {layer!r}; its layers: {described}.")
        return layer, ""
    if len(listed) == 1:
        return names[0], ""
    points = [n for n, g in listed if g.startswith(("Point", "MultiPoint"))]
    if len(points) == 1:
        others = ", ".join(repr(n) for n in names if n != points[0])
        return points[0], f"the only point layer; not read: {others}"
    raise InputFileError(
        f"{file} has {len(listed)} layers: {described}; choose one (--layer NAME in the CLI)."
    )


def _read_zip(
    raw: bytes, file: str, *, layer: str | None, fmt: str | None, limits: IngestLimits
) -> RawTable:
    with open_zip(raw, file) as zf:
        members = check_zip(zf, file, limits=limits)
        if {"[Content_Types].xml", "xl/workbook.xml"} <= {i.filename for i in members}:
            return _read_xlsx(raw, file, layer=layer)
        shps = [i for i in members if i.filename.lower().endswith(".shp")]
        if fmt == "shapefile_zip" and not shps:
            raise InputFileError(f"{file} holds no shapefile (.shp).")
        if shps and fmt not in (None, "shapefile_zip"):
            raise InputFileError(
                f"{file}: format {fmt!r} was asked for but the zip holds a shapefile."
            )
        if not shps:
            suffix = [PurePosixPath(i.filename).suffix.lower() for i in members]
            data = [i for i, x in zip(members, suffix, strict=True) if x in _DATA_IN_ZIP]
            if not data:  # a .txt or .tsv is data only when nothing else is
                data = [i for i, x in zip(members, suffix, strict=True) if x in EXTENSIONS]
            if len(data) != 1:
                listing = ", ".join(repr(i.filename) for i in members[:20]) or "nothing"
                raise InputFileError(
                    f"{file} holds no shapefile (.shp) and not exactly one CSV, GeoJSON or "
                    f"GeoPackage file; it holds: {listing}."
                )
            inner = extract_member(zf, data[0], file, limits=limits)
            member = display_name(data[0].filename)
            table = load_table(
                inner, f"{file}:{member}", fmt=fmt, layer=layer, depth=1, limits=limits
            )
            table.file = file
            table.issues = [
                RowIssue(file, i.row, i.column, i.value, i.reason, i.action, i.row_label)
                for i in table.issues
            ]
            table.notes.insert(0, f"read from zip member {data[0].filename!r}")
            return table
        shp = choose_shapefile(shps, file, layer=layer)
        return _read_shapefile(zf, shp, members, file, limits=limits)


def _read_shapefile(
    zf: zipfile.ZipFile,
    shp: zipfile.ZipInfo,
    members: list[zipfile.ZipInfo],
    file: str,
    *,
    limits: IngestLimits,
) -> RawTable:
    with tempfile.TemporaryDirectory(prefix="riskmap-read-") as tmp:
        path, encoding, notes = unpack_shapefile(zf, shp, members, file, Path(tmp), limits=limits)
        if not path.with_suffix(".prj").exists():
            notes.append(
                f"no {PurePosixPath(shp.filename).stem}.prj: the CRS is unknown, so coordinates "
                "are taken as lon/lat (EPSG:4326) and points outside that range are rejected"
            )
        table = _read_vector_path(path, file, fmt="shapefile_zip", encoding=encoding)
    table.notes[:0] = notes
    return table


def _read_vector(raw: bytes, file: str, *, fmt: str, suffix: str) -> RawTable:
    with tempfile.TemporaryDirectory(prefix="riskmap-read-") as tmp:
        path = Path(tmp) / f"data{suffix}"
        path.write_bytes(raw)
        return _read_vector_path(path, file, fmt=fmt)


GDAL_ERRORS: tuple[type[Exception], ...] = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
    pyogrio.errors.FeatureError,
    RuntimeError,
    UnicodeDecodeError,
)


def _read_vector_path(
    path: Path, file: str, *, fmt: str, layer: str | None = None, encoding: str | None = None
) -> RawTable:
    gdal_notes: list[str] = []
    meta, _fids, wkb, fields = gdal_call(
        pyogrio.raw.read,
        path,
        file=file,
        what=fmt,
        notes=gdal_notes,
        layer=layer,
        encoding=encoding,
        datetime_as_string=True,
    )
    names = [unicodedata.normalize("NFC", str(n)).strip() for n in meta["fields"]]
    _refuse_duplicate_columns(names, file)
    n = len(wkb) if wkb is not None else (len(fields[0]) if fields else 0)
    df = pd.DataFrame({c: _as_text(v) for c, v in zip(names, fields, strict=True)}, dtype=object)
    if df.shape[1] == 0:
        df = pd.DataFrame(index=pd.RangeIndex(n))
    rows = np.arange(1, n + 1, dtype=np.int64)
    table = RawTable(file, fmt, df.reset_index(drop=True), rows, row_label="feature")
    table.notes.extend(gdal_notes)
    geometry_to_points(table, wkb if wkb is not None else [None] * n)
    crs_text = meta.get("crs")
    table.crs_known = crs_text is not None
    if crs_text is not None:
        _reproject(table, crs_text, file)
    elif fmt != "shapefile_zip":
        table.notes.append(
            "no CRS: coordinates are taken as lon/lat (EPSG:4326) and points outside that "
            "range are rejected"
        )
    return table


def gdal_call(
    fn: Callable[..., Any], *args: Any, file: str, what: str, notes: list[str], **kwargs: Any
) -> Any:
    """Call pyogrio; its errors become one-line InputFileErrors, its warnings notes.

    Parameters
    ----------
    fn : callable
        The pyogrio function.
    *args, **kwargs
        Its arguments (paths are private temporary copies).
    file : str
        Display name for messages.
    what : str
        What the file is read as, for the message.
    notes : list of str
        Receives up to five distinct GDAL warnings.

    Returns
    -------
    Any
        What ``fn`` returns.

    Raises
    ------
    InputFileError
        If GDAL fails.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
        except GDAL_ERRORS as exc:
            raise InputFileError(
                f"{file} cannot be read as {what} ({gdal_message(exc)})."
            ) from None
    messages = dict.fromkeys(gdal_message(w.message) for w in caught)
    notes.extend(f"GDAL warning: {m}" for m in list(messages)[:5])
    return result


def _as_text(values: np.ndarray) -> list[str]:
    out: list[str] = []
    for v in values:
        if v is None or (isinstance(v, float) and not np.isfinite(v)):
            out.append("")
        elif isinstance(v, float | np.floating):
            out.append(str(int(v)) if float(v).is_integer() else repr(float(v)))
        elif isinstance(v, bytes):
            out.append(v.decode("utf-8", errors="replace"))
        else:
            out.append(unicodedata.normalize("NFC", str(v)).strip())
    return out


def _reproject(table: RawTable, crs_text: str, file: str) -> None:
    try:
        crs = CRS.from_user_input(crs_text)
    except ProjCRSError:
        raise InputFileError(f"{file}: its CRS cannot be understood ({crs_text[:80]!r}).") from None
    if crs.equals(WGS84, ignore_axis_order=True):
        return
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    ok = np.isfinite(table.lon) & np.isfinite(table.lat)
    x, y = transformer.transform(table.lon[ok], table.lat[ok], errcheck=False)
    table.lon[ok], table.lat[ok] = x, y
    table.notes.append(f"reprojected from {crs.name!r} to EPSG:4326")
