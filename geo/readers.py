"""Readers that turn every incident source into the canonical incident record and a report.

One entry point, :func:`read_incidents`, takes the bytes of a file (or a path
on the user's own machine) and returns a :class:`ReadResult`: a GeoDataFrame
with exactly :data:`geo.schema.CANONICAL_COLUMNS` in EPSG:4326, and a
:class:`geo.validate.ValidationReport` that accounts for every row.

Format detection (``fmt`` overrides the last two steps, never the first)
    1. Content first, whatever the name says: markup (``<`` at the start,
       ``<OGRVRTDataSource``, ``<VRTDataset``) is refused; ``PK`` is a zip
       archive; ``SQLite format 3`` a GeoPackage; ``{`` or ``[`` GeoJSON; a bare
       ``.shp`` header is refused (a shapefile needs its sidecars, so zip them);
       other binary content is refused; the rest is CSV text.
    2. The name's extension must agree with the content (``.csv``/``.txt``/
       ``.tsv``, ``.geojson``/``.json``, ``.gpkg``, ``.zip`` or none).
    3. The attribute columns say which source it is: ``event_id_cnty`` or
       ``event_id_no_cnty`` → ACLED export; ``type_of_violence`` with ``best``
       or ``best_death`` → UCDP GED; ``event_id``, ``location_precision`` and
       ``source_url`` → the bundled news log; anything else → a user file read
       through :data:`COLUMN_ALIASES`.

Security
    Bytes are parsed in memory (CSV, JSON) or written under generated names
    into a private :func:`tempfile.TemporaryDirectory` before GDAL (pyogrio)
    opens them; no user string is ever a GDAL path. GeoJSON with a ``crs``
    member is refused before GDAL sees it (RFC 7946 §4; GDAL fetches ``link``
    CRSs over HTTP), except the WGS84 ``name`` member that GDAL and QGIS write
    themselves, which is dropped with a note. Zip archives are checked from the central directory
    (members, sizes, ratio, names, symlinks, nesting) and extracted with a
    streaming byte cap, because headers can lie. See SECURITY.md 1.4-1.6.

Validation
    Every rule turns a bad value into a :class:`geo.validate.RowIssue` naming
    file, row and column, and the row is repaired (the reason says how),
    flagged or rejected; nothing is dropped silently. The rules and their
    outcomes are listed in :func:`read_incidents`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import sqlite3
import stat
import tempfile
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from geo.crs import WGS84
from geo.errors import InputFileError, ParameterError
from geo.schema import CANONICAL_COLUMNS, CATEGORIES, categorise, empty_incidents, fold_text
from geo.settings import BUNDLED, BundledPaths
from geo.validate import Action, RowIssue, ValidationReport

__all__ = [
    "COLUMN_ALIASES",
    "FORMATS",
    "MAX_FILE_BYTES",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_RATIO",
    "UCDP_URL",
    "WEST_AFRICA_BOX",
    "ReadResult",
    "combine_results",
    "load_bundled_incidents",
    "read_file_bytes",
    "read_incidents",
]

#: Accepted values of ``fmt`` (and of :attr:`ValidationReport.format`).
FORMATS: tuple[str, ...] = (
    "acled_csv",
    "ucdp_csv",
    "news_csv",
    "csv",
    "geojson",
    "gpkg",
    "shapefile_zip",
)
#: Largest plain file or zip archive accepted (bytes).
MAX_FILE_BYTES = 50 * 2**20
#: Most members a zip archive may list.
MAX_ZIP_MEMBERS = 200
#: Largest total uncompressed size of a zip archive (bytes).
MAX_UNZIPPED_BYTES = 300 * 2**20
#: Largest compression ratio of any member (and of the whole archive).
MAX_ZIP_RATIO = 100
#: Box (lon_min, lat_min, lon_max, lat_max) used to detect swapped coordinates.
WEST_AFRICA_BOX: tuple[float, float, float, float] = (-18.0, 4.0, 5.0, 25.0)
#: Where UCDP GED is published (UCDP rows have no per-event page).
UCDP_URL = "https://ucdp.uu.se/downloads/"

#: Column names accepted in user files (CSV and vector attributes), matched
#: case-insensitively after trimming; shapefile-truncated names included. When
#: several are present the first in this order wins, except for latitude and
#: longitude, where two candidates are an error. Each mapping that renames a
#: column is written to the report's notes.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "latitude": ("latitude", "lat", "y", "lat_dd", "latitude_dd", "decimal_latitude"),
    "longitude": (
        "longitude",
        "lon",
        "lng",
        "long",
        "x",
        "lon_dd",
        "longitude_dd",
        "decimal_longitude",
    ),
    "event_id": ("event_id", "event_id_cnty", "event_id_c", "id", "eventid", "incident_id"),
    "event_date": ("event_date", "date", "date_start", "incident_date"),
    "date_precision": ("date_precision", "date_preci", "time_precision", "time_preci"),
    "event_type": ("event_type", "type", "incident_type"),
    "sub_event_type": ("sub_event_type", "sub_event_", "sub_event", "subtype", "sub_type"),
    "actor1": ("actor1", "actor", "perpetrator", "side_a"),
    "actor2": ("actor2", "target", "side_b"),
    "fatalities": ("fatalities", "deaths", "killed", "best"),
    "location": ("location", "place", "town", "place_name", "locality"),
    "country": ("country",),
    "admin1": ("admin1", "region", "adm1", "adm_1"),
    "admin2": ("admin2", "cercle", "adm2", "adm_2"),
    "geo_precision": (
        "geo_precision",
        "geo_precis",
        "location_precision",
        "location_p",
        "precision",
    ),
    "notes": ("notes", "description", "summary", "comment", "comments"),
    "source_url": ("source_url", "url", "link", "source_ur"),
    "category": ("category",),
}

# Column of each source schema for each canonical field (None: the source has none).
_ACLED_COLUMNS: dict[str, str] = {
    "event_id": "event_id_cnty",
    "event_date": "event_date",
    "date_precision": "time_precision",
    "event_type": "event_type",
    "sub_event_type": "sub_event_type",
    "actor1": "actor1",
    "actor2": "actor2",
    "fatalities": "fatalities",
    "location": "location",
    "country": "country",
    "admin1": "admin1",
    "admin2": "admin2",
    "geo_precision": "geo_precision",
    "notes": "notes",
    "source": "source",
    "latitude": "latitude",
    "longitude": "longitude",
}
_UCDP_COLUMNS: dict[str, str] = {
    "event_id": "id",
    "event_date": "date_start",
    "date_precision": "date_prec",
    "event_type": "type_of_violence",
    "actor1": "side_a",
    "actor2": "side_b",
    "fatalities": "best",
    "location": "where_coordinates",
    "country": "country",
    "admin1": "adm_1",
    "admin2": "adm_2",
    "geo_precision": "where_prec",
    "latitude": "latitude",
    "longitude": "longitude",
}
_NEWS_COLUMNS: dict[str, str] = {
    "event_id": "event_id",
    "event_date": "event_date",
    "date_precision": "date_precision",
    "event_type": "event_type",
    "sub_event_type": "sub_event",
    "actor1": "actor",
    "actor2": "target",
    "fatalities": "fatalities",
    "location": "place",
    "country": "country",
    "admin1": "admin1",
    "geo_precision": "location_precision",
    "notes": "summary",
    "source_url": "source_url",
    "latitude": "latitude",
    "longitude": "longitude",
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "acled": ("event_id", "event_date", "event_type"),
    "ucdp": ("event_id", "event_type", "fatalities"),
    "news": ("event_id", "event_date", "event_type"),
    "user": ("event_date",),
}
_UCDP_VIOLENCE = {"1": "State-based violence", "2": "Non-state violence", "3": "One-sided violence"}
# English month names as ACLED writes them (not the locale's: strftime would follow it).
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()
_MONTHS = {n: i for i, name in enumerate(_MONTH_NAMES, start=1) for n in (name, name[:3])}
_MONTHS["sept"] = 9
# Date formats accepted per source family, by name; all are unambiguous.
_DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "acled": ("dd-mm-yyyy", "dd Month yyyy", "yyyy-mm-dd"),
    "ucdp": ("yyyy-mm-dd",),
    "news": ("yyyy-mm-dd",),
    "user": ("yyyy-mm-dd", "dd-mm-yyyy", "dd Month yyyy"),
}
_DATE_PATTERNS: dict[str, str] = {
    # Optional time of day (dropped: dates are day resolution, local as written).
    "yyyy-mm-dd": r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[ T](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?P<tz>Z|[+-]\d{2}:?\d{2})?)?",
    "dd-mm-yyyy": r"(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})",
    "dd Month yyyy": r"(?P<d>\d{1,2}) (?P<mname>[A-Za-z]+)\.? (?P<y>\d{4})",
}
_EARLIEST_YEAR = 1989  # first year of UCDP GED; older dates are flagged
_NO_NUMBER_WORDS = {"unknown", "unk", "n/a", "na", "none", "nil", "?", "-", "--", "nd", "n.d."}
# Countries whose true points never fall inside the box when swapped: only for rows
# naming one of these (or no country) is a swap repaired. Nigeria and Central Africa
# are left out on purpose (a point at lat 4.8, lon 7.0 swaps into Benin).
_SWAP_COUNTRIES = frozenset(
    fold_text(c)
    for c in (
        "Mali|MLI|Senegal|SEN|Mauritania|MRT|Guinea|GIN|Guinea-Bissau|GNB|Gambia|The Gambia|"
        "GMB|Sierra Leone|SLE|Liberia|LBR|Ivory Coast|Côte d'Ivoire|Cote d'Ivoire|CIV|"
        "Burkina Faso|BFA|Ghana|GHA|Togo|TGO|Benin|BEN|Niger|NER|Algeria|DZA|"
        "Western Sahara|ESH"
    ).split("|")
)
_EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "zip",
}
_DATA_IN_ZIP = (".csv", ".geojson", ".json", ".gpkg")
_KIND_LABEL = {
    "csv": "CSV text",
    "geojson": "GeoJSON",
    "gpkg": "a GeoPackage",
    "zip": "a zip archive",
}
_GPKG_APPLICATION_IDS = {0x47504B47, 0x47503130, 0x47503131}  # 'GPKG', 'GP10', 'GP11'
_WGS84_NAMES = frozenset(
    {
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "urn:ogc:def:crs:EPSG::4326",
        "EPSG:4326",
    }
)
_WKT_STARTS = ("PROJCS", "GEOGCS", "GEOCCS", "PROJCRS", "GEOGCRS", "GEODCRS", "COMPD_CS")


class ReadResult(NamedTuple):
    """What a reader returns: the canonical incidents and the report of the read.

    Attributes
    ----------
    incidents : GeoDataFrame
        Exactly :data:`geo.schema.CANONICAL_COLUMNS`, EPSG:4326 points, one row
        per kept event, ``RangeIndex``.
    report : ValidationReport
        Every row read, kept, repaired, flagged or rejected, with reasons.
    """

    incidents: gpd.GeoDataFrame
    report: ValidationReport


# --------------------------------------------------------------------------- public API


def read_incidents(
    data: bytes | Path,
    *,
    name: str,
    fmt: str | None = None,
    layer: str | None = None,
    today: dt.date | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> ReadResult:
    r"""Read one incident file into the canonical record, with a validation report.

    Parameters
    ----------
    data : bytes or pathlib.Path
        The file's content, or a path on the user's own machine (read as bytes
        here; never handed to GDAL).
    name : str
        The file name to show in messages and in ``source_file`` (only its last
        component is kept; it is never used as a path).
    fmt : str, optional
        Force a format, one of :data:`FORMATS`; detected from content, name and
        columns otherwise. The content check for markup always applies.
    layer : str, optional
        Layer of a GeoPackage, or shapefile (file stem) inside a zip, to read
        when there are several.
    today : datetime.date, optional
        Dates after this day are flagged as future; the current date by default.
    max_bytes : int
        Largest file accepted, in bytes (50 MiB by default).

    Returns
    -------
    ReadResult
        ``incidents`` (canonical columns, EPSG:4326) and ``report``.

    Raises
    ------
    InputFileError
        One line naming the file: unknown or refused format, unreadable,
        hostile (markup, GeoJSON ``crs`` member, unsafe zip), too large, or a
        required column missing.
    ParameterError
        If ``fmt`` is not one of :data:`FORMATS`.

    Notes
    -----
    Row rules (``rejected`` rows are left out, the others kept):

    ========================================  =========  ==================================
    value                                     action     result
    ========================================  =========  ==================================
    latitude/longitude blank or not a number  rejected
    decimal comma ``12,65``                   repaired   12.65
    outside -90..90 / -180..180               rejected   "projected?" when in metres
    (0, 0)                                    rejected   null island, a geocoding failure
    swapped lat/lon (West-Africa box)         repaired   swapped back (see below)
    no CRS and not lon/lat (vector)           rejected   projected coordinates without CRS
    null / empty / unreadable geometry        rejected
    line, multi-point of several points       rejected
    polygon                                   repaired   representative point, imprecise
    Z / M values                              (note)     dropped
    date not in the source's formats          rejected   formats listed
    impossible date ``2023-02-30``            rejected   never a silent NaT
    date in the future or before 1989         flagged
    fatalities ``12 (est.)``, ``30-32``       repaired   first figure (lower end of range)
    fatalities blank / ``unknown``            repaired   0
    precision code unknown                    repaired   least precise
    event id blank                            rejected
    event id repeated                         rejected   later copy; fatalities not doubled
    ========================================  =========  ==================================

    Swapped coordinates: a point outside :data:`WEST_AFRICA_BOX` whose swap
    falls inside it is swapped back, unless the row names a country outside
    West Africa (a true point in Gabon would otherwise be "repaired" into Mali).
    Text is NFC-normalised. CSVs are tokenised with the :mod:`csv` module
    (records, not lines, so row numbers match a spreadsheet) and built into a
    pandas frame of strings; vector layers are read with
    :func:`pyogrio.raw.read` and their WKB parsed by shapely one feature at a
    time, so one bad geometry is one rejected feature, not a failed file.

    Examples
    --------
    >>> csv_bytes = b"id,date,lat,lon\nA,2025-04-03,12.65,-8.0\nB,2025-04-04,95,-8\n"
    >>> result = read_incidents(csv_bytes, name="mine.csv", today=dt.date(2026, 1, 1))
    >>> result.report.rows_in, result.report.rows_kept, result.report.n_rejected
    (2, 1, 1)
    >>> result.report.issues[0].to_line()
    "mine.csv, row 3, column 'lat': 95.0 is outside -90..90; row rejected."
    """
    if fmt is not None and fmt not in FORMATS:
        raise ParameterError(f"fmt was {fmt!r} but is expected to be one of {FORMATS}")
    file = _display_name(name)
    raw = read_file_bytes(data, name=file, max_bytes=max_bytes) if isinstance(data, Path) else data
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise ParameterError(f"data must be bytes or a pathlib.Path, not {type(data).__name__}")
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise InputFileError(
            f"{file} is {len(raw) / 2**20:.1f} MiB; files up to "
            f"{max_bytes / 2**20:.0f} MiB are accepted. Filter the export to a smaller area "
            "or period."
        )
    table = _load_table(raw, file, fmt=fmt, layer=layer, depth=0)
    return _canonical(table, today=today or dt.date.today())


def read_file_bytes(
    path: Path, *, name: str | None = None, max_bytes: int = MAX_FILE_BYTES
) -> bytes:
    """Read a regular file from the local disk, refusing devices, pipes and big files.

    Parameters
    ----------
    path : pathlib.Path
        A file on the user's own machine.
    name : str, optional
        Name for messages (``path.name`` by default).
    max_bytes : int
        Largest size accepted, in bytes.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    InputFileError
        If the file does not exist, is not a regular file, cannot be read or
        is larger than ``max_bytes``.
    """
    label = name or _display_name(path.name)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputFileError(f"{label}: no such file; check the path.") from None
    except OSError as exc:
        raise InputFileError(f"{label} cannot be read ({exc.strerror}).") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(f"{label} is not a regular file; give the path of a data file.")
    if st.st_size > max_bytes:
        raise InputFileError(
            f"{label} is {st.st_size / 2**20:.1f} MiB; files up to "
            f"{max_bytes / 2**20:.0f} MiB are accepted."
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(f"{label} cannot be read ({exc.strerror}).") from None
    if len(raw) > max_bytes:
        raise InputFileError(f"{label} grew past {max_bytes / 2**20:.0f} MiB while being read.")
    return raw


def combine_results(results: Sequence[ReadResult]) -> ReadResult:
    """Concatenate read results and merge their reports, rejecting cross-file duplicates.

    An event id may appear once per source (``acled``, ``ucdp``, ...). When a
    later file repeats an id already kept from an earlier file of the same
    source, the later row is rejected and named in its file's report, so
    fatalities are never counted twice.

    Parameters
    ----------
    results : sequence of ReadResult
        Results of :func:`read_incidents`, in priority order; file names must
        differ.

    Returns
    -------
    ReadResult
        All kept rows (``RangeIndex``) and the merged report.

    Raises
    ------
    ParameterError
        If ``results`` is empty or two results have the same file name.
    """
    if not results:
        raise ParameterError("combine_results needs at least one result.")
    names = [r.report.file for r in results]
    if len(set(names)) != len(names):
        raise ParameterError(f"combine_results got the same file name twice: {names}")
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    frames: list[gpd.GeoDataFrame] = []
    reports: list[ValidationReport] = []
    for res in results:
        gdf, rep = res.incidents, res.report
        keep = np.ones(len(gdf), dtype=bool)
        extra: list[RowIssue] = []
        for i, (src, eid, row) in enumerate(
            zip(gdf["source"], gdf["event_id"], gdf["source_row"], strict=True)
        ):
            first = seen.get((src, eid))
            if first is None:
                seen[(src, eid)] = (rep.file, int(row))
                continue
            keep[i] = False
            label = "row" if rep.format.endswith("csv") else "feature"
            extra.append(
                RowIssue.make(
                    rep.file,
                    int(row),
                    "event_id",
                    eid,
                    f"repeats the {src} event id of {first[0]} row {first[1]}; the later "
                    "copy is rejected so its fatalities are not counted twice",
                    "rejected",
                    row_label=label,
                )
            )
        frames.append(gdf[keep])
        reports.append(
            ValidationReport(
                rep.file,
                rep.format,
                rows_in=rep.rows_in,
                rows_kept=rep.rows_kept - len(extra),
                issues=(*rep.issues, *extra),
                notes=rep.notes,
            )
        )
    combined = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    gdf = gpd.GeoDataFrame(combined, geometry="geometry", crs=WGS84)
    return ReadResult(gdf.reset_index(drop=True), reports[0].merge(reports[1:]))


def load_bundled_incidents(
    *, paths: BundledPaths = BUNDLED, today: dt.date | None = None
) -> ReadResult:
    """Read the bundled UCDP extracts and news log into one canonical frame.

    Parameters
    ----------
    paths : BundledPaths
        Where the bundled files are (:data:`geo.settings.BUNDLED`).
    today : datetime.date, optional
        Passed to :func:`read_incidents`.

    Returns
    -------
    ReadResult
        ``ucdp_ged_mali.csv`` + ``ucdp_ged_border.csv`` + the news log, with
        one merged report.

    Raises
    ------
    InputFileError
        If a bundled file is missing or unreadable.
    """
    files = (paths.ucdp_mali, paths.ucdp_border, paths.news)
    return combine_results([read_incidents(p, name=p.name, today=today) for p in files])


# --------------------------------------------------------------------------- raw tables


@dataclass
class _Table:
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


def _display_name(name: object) -> str:
    """Last path component, without control or bidi characters, at most 120 chars."""
    text = unicodedata.normalize("NFC", str(name))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.strip() or "upload"
    return text if len(text) <= 120 else text[:117] + "..."


def _load_table(raw: bytes, file: str, *, fmt: str | None, layer: str | None, depth: int) -> _Table:
    ext = PurePosixPath(file.lower()).suffix
    if fmt is None and ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        raise InputFileError(
            f"{file} is one part of a shapefile; zip the .shp together with its .shx, .dbf "
            "and .prj files and read the zip."
        )
    if fmt is None and ext and ext not in _EXTENSIONS:
        raise InputFileError(
            f"{file}: files ending {ext!r} are not accepted; accepted: "
            f"{', '.join(sorted(_EXTENSIONS))} (ACLED/UCDP/news CSV, GeoJSON, GeoPackage, "
            "zipped shapefile)."
        )
    kind = _sniff(raw, file)
    if fmt is not None:
        wanted = {"geojson": "geojson", "gpkg": "gpkg", "shapefile_zip": "zip"}.get(fmt, "csv")
        if kind != wanted and kind != "zip":  # a zip is a container: checked inside
            raise InputFileError(
                f"{file}: format {fmt!r} was asked for but the content is {_KIND_LABEL[kind]}."
            )
    elif ext and _EXTENSIONS[ext] != kind:
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
    if depth > 0:
        raise InputFileError(f"{file} holds a zip inside a zip; nested archives are refused.")
    return _read_zip(raw, file, layer=layer, fmt=fmt)


def _sniff(raw: bytes, file: str) -> str:
    if not raw:
        raise InputFileError(f"{file} is empty (0 bytes); export the data again.")
    _refuse_markup(raw, file)
    if raw[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if raw.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if raw[:4] == b"\x00\x00\x27\x0a":
        raise InputFileError(
            f"{file} is a bare shapefile (.shp); zip it together with its .shx, .dbf and "
            ".prj files and read the zip."
        )
    head = raw[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if b"\x00" in head:
        raise InputFileError(
            f"{file} is binary data of an unknown kind; accepted: CSV, GeoJSON, GeoPackage, "
            "zipped shapefile."
        )
    stripped = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if stripped[:1] in (b"{", b"["):
        return "geojson"
    return "csv"


def _refuse_markup(raw: bytes, file: str) -> None:
    text: bytes | str = raw
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16", errors="replace")
    lead = text[:64].lstrip() if isinstance(text, str) else text[:64]
    if isinstance(lead, bytes):
        lead = lead.removeprefix(codecs.BOM_UTF8).lstrip()
    markers = ("<ogrvrtdatasource", "<vrtdataset")
    lowered = text.lower() if isinstance(text, str) else text.lower().decode("latin-1")
    if lead[:1] in ("<", b"<") or any(m in lowered for m in markers):
        raise InputFileError(
            f"{file} looks like XML or a GDAL VRT, which is refused whatever its name "
            "(VRT files can make GDAL read other files or the network); give the data "
            "itself as CSV, GeoJSON, GeoPackage or a zipped shapefile."
        )


# --------------------------------------------------------------------------- CSV


def _decode(raw: bytes, file: str) -> tuple[str, str, frozenset[int]]:
    """Return (text, encoding note, lines not decoded as UTF-8 in a mixed file)."""
    none: frozenset[int] = frozenset()
    if raw.startswith(codecs.BOM_UTF8):
        try:
            text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
            return text, "UTF-8 with byte-order mark", none
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"{file} starts with a UTF-8 byte-order mark but byte {exc.start} is not "
                "UTF-8; save it again as UTF-8."
            ) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16 with byte-order mark", none
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
            f"mixed: UTF-8, except {_count(len(foreign), 'line')} decoded as cp1252 "
            "(Windows-1252); those rows are flagged",
            frozenset(foreign),
        )
    text = _decode_8bit(raw)
    if any(0x80 <= b <= 0x9F for b in raw):
        try:
            raw.decode("cp1252")
            return text, "Windows-1252 (cp1252), detected: the file is not UTF-8", none
        except UnicodeDecodeError:
            return (
                text,
                "Latin-1 (ISO-8859-1), detected: not UTF-8 nor cp1252; it holds C1 control "
                "characters (bytes 0x80-0x9F) that are not text, check the encoding",
                none,
            )
    return (
        text,
        "Latin-1 (ISO-8859-1, the same as cp1252 for these bytes), detected: not UTF-8",
        none,
    )


def _decode_8bit(raw: bytes) -> str:
    """cp1252 (so 0x92 is a real apostrophe), else Latin-1, which decodes any byte."""
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _read_csv(raw: bytes, file: str) -> _Table:
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
        raise InputFileError(f"{file} is not a readable CSV file ({_gdal_msg(exc)}).") from None
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
    for k, rec in enumerate(records[1:], start=2):
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
                    f"is where the row's fields run out or over: the row has {len(rec)} "
                    f"fields but the header has {width} (an unquoted comma or a cut line?)",
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
                    "is on a row that is not UTF-8 like the rest of the file; the row was "
                    "decoded as cp1252 (Windows-1252): check its text",
                    "flagged",
                )
            )
    df = pd.DataFrame(data, columns=header, dtype=object)
    if df.empty:
        df = pd.DataFrame({c: pd.Series(dtype=object) for c in header})
    notes = [f"encoding: {encoding}"]
    if delimiter != ",":
        notes.append(f"delimiter: {'tab' if delimiter == chr(9) else repr(delimiter)}")
    if blank:
        notes.append(f"{blank} blank lines skipped")
    return _Table(
        file,
        "csv",
        df,
        np.asarray(rows, dtype=np.int64),
        issues=issues,
        rejected=np.asarray(rejected, dtype=bool),
        notes=notes,
    )


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


# --------------------------------------------------------------------------- GeoJSON


def _read_geojson(raw: bytes, file: str) -> _Table:
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
        raise InputFileError(f"{file} is not valid JSON ({_gdal_msg(exc)}).") from None
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
    table = _read_vector(clean, file, fmt="geojson", suffix=".geojson")
    if len(table.df) != len(features):
        raise InputFileError(
            f"{file}: {len(features)} features in the file but GDAL read {len(table.df)}; "
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


# --------------------------------------------------------------------------- GeoPackage


def _read_gpkg(raw: bytes, file: str, *, layer: str | None) -> _Table:
    with tempfile.TemporaryDirectory(prefix="riskmap-read-") as tmp:
        path = Path(tmp) / "data.gpkg"
        path.write_bytes(raw)
        layers = _gpkg_feature_tables(path, file)
        layer_list = _gdal_call(pyogrio.list_layers, path, file=file, what="gpkg", notes=[])
        listed = [(str(n), str(g)) for n, g in layer_list]
        listed = [(n, g) for n, g in listed if n in layers]
        chosen, note = _choose_layer(listed, file, layer=layer)
        table = _read_vector_path(path, file, fmt="gpkg", layer=chosen)
    table.notes.insert(0, f"layer: {chosen!r}" + (f" ({note})" if note else ""))
    return table


def _gpkg_feature_tables(path: Path, file: str) -> set[str]:
    """Check the GeoPackage header and contents with SQLite, read-only, before GDAL."""
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise InputFileError(f"{file} is not a readable GeoPackage ({_gdal_msg(exc)}).") from None
    con.text_factory = lambda b: b.decode("utf-8", errors="replace")
    try:
        (app_id,) = con.execute("PRAGMA application_id").fetchone()
        if app_id not in _GPKG_APPLICATION_IDS:
            raise InputFileError(
                f"{file} is an SQLite database but not a GeoPackage; export a GeoPackage."
            )
        rows = con.execute(
            "SELECT c.table_name, m.type FROM gpkg_contents c "
            "LEFT JOIN sqlite_master m ON m.name = c.table_name "
            "WHERE c.data_type = 'features'"
        ).fetchall()
    except (sqlite3.Error, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(f"{file} is not a readable GeoPackage ({_gdal_msg(exc)}).") from None
    finally:
        con.close()
    views = [n for n, t in rows if t != "table"]
    if views:
        raise InputFileError(
            f"{file}: layer(s) {', '.join(map(repr, views))} are SQL views, which are refused; "
            "export the data as plain tables."
        )
    if not rows:
        raise InputFileError(f"{file} is a GeoPackage with no feature layer.")
    return {str(n) for n, _ in rows}


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


# --------------------------------------------------------------------------- zip


def _read_zip(raw: bytes, file: str, *, layer: str | None, fmt: str | None) -> _Table:
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise InputFileError(
            f"{file} is an empty or corrupt zip archive (no central directory); "
            "download or zip it again."
        ) from None
    with zf:
        members = _check_zip(zf, file)
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
                data = [i for i, x in zip(members, suffix, strict=True) if x in _EXTENSIONS]
            if len(data) != 1:
                listing = ", ".join(repr(i.filename) for i in members[:20]) or "nothing"
                raise InputFileError(
                    f"{file} holds no shapefile (.shp) and not exactly one CSV, GeoJSON or "
                    f"GeoPackage file; it holds: {listing}."
                )
            inner = _extract(zf, data[0], file)
            member = _display_name(data[0].filename)
            table = _load_table(inner, f"{file}:{member}", fmt=fmt, layer=layer, depth=1)
            table.file = file
            table.issues = [
                RowIssue(file, i.row, i.column, i.value, i.reason, i.action, i.row_label)
                for i in table.issues
            ]
            table.notes.insert(0, f"read from zip member {data[0].filename!r}")
            return table
        shp = _choose_shapefile(shps, file, layer=layer)
        return _read_shapefile(zf, shp, members, file)


def _check_zip(zf: zipfile.ZipFile, file: str) -> list[zipfile.ZipInfo]:
    """Refuse unsafe archives from the central directory alone; return the data members."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InputFileError(
            f"{file} lists {len(infos)} members; at most {MAX_ZIP_MEMBERS} are accepted."
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise InputFileError(
            f"{file} would unpack to {total / 2**20:.0f} MiB; at most "
            f"{MAX_UNZIPPED_BYTES / 2**20:.0f} MiB are accepted."
        )
    if total > MAX_ZIP_RATIO * max(packed, 1) and total > 2**20:
        raise InputFileError(
            f"{file} unpacks {total / max(packed, 1):.0f} times its size (a zip bomb?); "
            f"at most {MAX_ZIP_RATIO}:1 is accepted."
        )
    keep: list[zipfile.ZipInfo] = []
    for info in infos:
        name = info.filename
        parts = re.split(r"[\\/]", name)
        reason = None
        if not name.strip("/\\"):
            reason = "has no name"
        elif ".." in parts:
            reason = "climbs out of the archive ('..')"
        elif name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            reason = "is an absolute path"
        elif stat.S_ISLNK(info.external_attr >> 16):
            reason = "is a symbolic link"
        elif info.flag_bits & 0x1:
            reason = "is encrypted"
        elif len(parts) > 10 or len(name) > 400:
            reason = "is nested too deeply"
        elif name.lower().endswith((".zip", ".7z", ".rar", ".tar", ".gz", ".tgz")):
            reason = "is an archive inside the archive (nested archives are refused)"
        elif info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1) and info.file_size > 2**20:
            reason = f"unpacks more than {MAX_ZIP_RATIO} times its size (a zip bomb?)"
        if reason:
            raise InputFileError(f"{file}: member {name[:120]!r} {reason}; the archive is refused.")
        if name.endswith(("/", "\\")) or parts[0] == "__MACOSX" or parts[-1].startswith("._"):
            continue
        keep.append(info)
    return keep


_UNZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    zlib.error,
)


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, file: str) -> bytes:
    """Read one member with a streaming cap: the header's size may lie."""
    cap = min(info.file_size, MAX_UNZIPPED_BYTES)
    out = bytearray()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 20):
                out += chunk
                if len(out) > cap:
                    raise InputFileError(
                        f"{file}: member {info.filename[:120]!r} unpacks to more than its "
                        "header says; the archive is refused."
                    )
    except _UNZIP_ERRORS as exc:
        raise InputFileError(
            f"{file}: member {info.filename[:120]!r} cannot be unpacked ({_gdal_msg(exc)})."
        ) from None
    return bytes(out)


def _choose_shapefile(
    shps: list[zipfile.ZipInfo], file: str, *, layer: str | None
) -> zipfile.ZipInfo:
    if layer is not None:
        hit = [i for i in shps if PurePosixPath(i.filename).stem == layer]
        if len(hit) != 1:
            names = ", ".join(repr(PurePosixPath(i.filename).stem) for i in shps)
            raise InputFileError(f"{file} has no shapefile {layer!r}; its shapefiles: {names}.")
        return hit[0]
    if len(shps) > 1:
        names = ", ".join(repr(i.filename) for i in shps)
        raise InputFileError(
            f"{file} holds {len(shps)} shapefiles: {names}; choose one (--layer STEM in the CLI)."
        )
    return shps[0]


def _read_shapefile(
    zf: zipfile.ZipFile, shp: zipfile.ZipInfo, members: list[zipfile.ZipInfo], file: str
) -> _Table:
    stem = shp.filename[:-4]
    sidecars = {
        i.filename[len(stem) :].lower(): i
        for i in members
        if i.filename[: len(stem)] == stem and "/" not in i.filename[len(stem) :]
    }
    base = PurePosixPath(stem).name
    missing = [
        f"{base}{ext} ({what})"
        for ext, what in ((".shx", "the index"), (".dbf", "the attributes"))
        if ext not in sidecars
    ]
    if missing:
        raise InputFileError(
            f"{file}: shapefile {shp.filename!r} has no {' and no '.join(missing)}; "
            "add the missing file(s) to the zip."
        )
    notes: list[str] = [f"shapefile {shp.filename!r} read"]
    with tempfile.TemporaryDirectory(prefix="riskmap-read-") as tmp:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            if ext in sidecars:
                content = _extract(zf, sidecars[ext], file)
                if ext == ".prj":
                    _check_prj(content, file, sidecars[ext].filename)
                (Path(tmp) / f"data{ext}").write_bytes(content)
        encoding = None
        if ".cpg" not in sidecars:
            dbf = (Path(tmp) / "data.dbf").read_bytes()
            encoding, note = _dbf_encoding(dbf)
            if note:
                notes.append(note)
        if ".prj" not in sidecars:
            notes.append(
                f"no {base}.prj: the CRS is unknown, so coordinates are taken as lon/lat "
                "(EPSG:4326) and points outside that range are rejected"
            )
        table = _read_vector_path(
            Path(tmp) / "data.shp", file, fmt="shapefile_zip", encoding=encoding
        )
    table.notes[:0] = notes
    return table


def _check_prj(content: bytes, file: str, member: str) -> None:
    text = content.decode("latin-1").strip()
    if len(content) > 65536 or not text.upper().startswith(_WKT_STARTS):
        raise InputFileError(
            f"{file}: {member[:120]!r} is not a WKT coordinate system; export the shapefile again."
        )


def _dbf_encoding(dbf: bytes) -> tuple[str | None, str]:
    """Pick the DBF text encoding when no .cpg says it (SECURITY.md E04/E05)."""
    ldid = dbf[29] if len(dbf) > 29 else 0
    if ldid != 0:
        return None, ""
    body = dbf[32:]
    if all(b < 0x80 for b in body):
        return None, ""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252", "no .cpg: attribute text is not UTF-8, read as cp1252 (Latin-1)"
    return "UTF-8", "no .cpg: attribute text is valid UTF-8, read as UTF-8"


# --------------------------------------------------------------------------- vector layers


def _read_vector(raw: bytes, file: str, *, fmt: str, suffix: str) -> _Table:
    with tempfile.TemporaryDirectory(prefix="riskmap-read-") as tmp:
        path = Path(tmp) / f"data{suffix}"
        path.write_bytes(raw)
        return _read_vector_path(path, file, fmt=fmt)


def _gdal_msg(exc: Exception) -> str:
    """Return a library's message on one line, without our temp paths (not for the UI)."""
    msg = re.sub(r"\S*riskmap-read-\S*", "<file>", str(exc))
    return " ".join(msg.split())[:160]  # one line: messages are shown as one line


_GDAL_ERRORS: tuple[type[Exception], ...] = (
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
) -> _Table:
    gdal_notes: list[str] = []
    meta, _fids, wkb, fields = _gdal_call(
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
    table = _Table(file, fmt, df.reset_index(drop=True), rows, row_label="feature")
    table.notes.extend(gdal_notes)
    _geometry_to_points(table, wkb if wkb is not None else [None] * n)
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


def _gdal_call(
    fn: Callable[..., Any], *args: Any, file: str, what: str, notes: list[str], **kwargs: Any
) -> Any:
    """Call pyogrio; its errors become one-line InputFileErrors, its warnings notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
        except _GDAL_ERRORS as exc:
            raise InputFileError(f"{file} cannot be read as {what} ({_gdal_msg(exc)}).") from None
    messages = dict.fromkeys(_gdal_msg(w.message) for w in caught)
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


def _geometry_to_points(table: _Table, wkb: Sequence[bytes | None]) -> None:
    """Turn each feature's WKB into one lon/lat pair, or a per-feature issue."""
    n = len(wkb)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    area = np.zeros(n, dtype=bool)
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
    zm = 0
    for i, (blob, geom) in enumerate(zip(wkb, geoms, strict=True)):

        def issue(value: object, reason: str, action: Action = "rejected", *, i: int = i) -> None:
            table.issues.append(
                RowIssue.make(
                    table.file,
                    int(table.rows[i]),
                    "geometry",
                    value,
                    reason,
                    action,
                    row_label="feature",
                )
            )
            if action == "rejected":
                table.rejected[i] = True

        if blob is None:
            issue(None, "is null (the feature has no geometry)")
            continue
        if geom is None:
            issue(f"WKB of {len(blob)} bytes", "is not a readable geometry (unclosed ring?)")
            continue
        if shapely.has_z(geom) or shapely.has_m(geom):
            zm += 1
            geom = shapely.force_2d(geom)
        point, problem, repair = _one_point(geom)
        if point is None:
            issue(geom.wkt, problem)
            continue
        if repair:
            issue(geom.wkt, repair, "repaired")
            area[i] = geom.geom_type != "MultiPoint"
        lon[i], lat[i] = point.x, point.y
    if zm:
        table.notes.append(f"Z/M values dropped from {_count(zm, 'feature')} (lon/lat kept)")
    table.lon, table.lat, table.area_rows = lon, lat, area


def _one_point(geom: shapely.Geometry) -> tuple[shapely.Point | None, str, str]:
    """Return (point, why rejected, how repaired) for one 2-D geometry.

    Points pass; a one-point MultiPoint gives its point; a polygon gives a point
    inside it (after ``make_valid`` when invalid: a bow-tie keeps both lobes),
    unless it has no area or crosses the antimeridian; anything else is rejected.
    """
    kind = geom.geom_type
    if geom.is_empty:
        return None, f"is empty ({kind.upper()} EMPTY, no coordinates)", ""
    if kind == "Point":
        return geom, "", ""
    if kind == "MultiPoint":
        parts = shapely.get_parts(geom)
        if len(parts) != 1:
            return (
                None,
                (
                    f"is a MultiPoint of {len(parts)} points; one incident needs one point "
                    "(split it into one feature per point)"
                ),
                "",
            )
        return parts[0], "", "is a MultiPoint with one point; that point is used"
    if kind not in ("Polygon", "MultiPolygon"):
        return None, f"is a {kind}; incidents must be points", ""
    minx, _, maxx, _ = geom.bounds
    if maxx - minx > 180:
        return (
            None,
            (
                "crosses the antimeridian (spans more than 180 degrees of longitude); split it "
                "(RFC 7946 3.1.9) or give a point"
            ),
            "",
        )
    made = ""
    if not geom.is_valid:
        why = shapely.is_valid_reason(geom)
        parts = shapely.get_parts(shapely.make_valid(geom))
        polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys) if polys else shapely.Polygon()
        made = f" after make_valid ({why})"
        if geom.is_empty or geom.area == 0:
            return None, f"is not a valid polygon ({why}) and has no area left; fix it", ""
    if geom.area == 0:
        return None, "is a polygon with no area; give a point instead", ""
    point = geom.representative_point()
    return (
        point,
        "",
        (
            f"is a {kind}; replaced{made} by a point inside it ({point.x:.5f}, {point.y:.5f}) "
            "and marked imprecise (geo_precision 3)"
        ),
    )


def _reproject(table: _Table, crs_text: str, file: str) -> None:
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


# --------------------------------------------------------------------------- canonical


class _Rows:
    """Per-row issue collector over one table (rows addressed by position)."""

    def __init__(self, table: _Table) -> None:
        self.t = table
        self.rejected = table.rejected.copy()
        self.issues = list(table.issues)

    @property
    def alive(self) -> np.ndarray:
        return ~self.rejected

    def add(self, i: int, column: str, value: object, reason: str, action: Action) -> None:
        self.issues.append(
            RowIssue.make(
                self.t.file,
                int(self.t.rows[i]),
                column,
                value,
                reason,
                action,
                row_label=self.t.row_label,
            )
        )
        if action == "rejected":
            self.rejected[i] = True


def _detect_family(columns: Iterable[str]) -> str:
    cols = {c.lower() for c in columns}
    if "event_id_cnty" in cols or "event_id_no_cnty" in cols:
        return "acled"
    if "type_of_violence" in cols and ({"best", "best_death"} & cols):
        return "ucdp"
    if {"event_id", "location_precision", "source_url"} <= cols:
        return "news"
    return "user"


def _map_columns(table: _Table, family: str) -> dict[str, str]:
    """Canonical field -> column name in the file (present columns only)."""
    by_lower = {c.lower(): c for c in table.df.columns}
    if family == "user":
        mapping: dict[str, str] = {}
        for target, aliases in COLUMN_ALIASES.items():
            if target in ("latitude", "longitude") and table.lon is not None:
                continue
            hits = [c for c in table.df.columns if c.lower() in aliases]  # file order
            if len(hits) > 1 and target not in ("latitude", "longitude"):
                hits = [by_lower[next(a for a in aliases if a in by_lower)]]  # preferred alias
            if len(hits) > 1:
                raise InputFileError(
                    f"{table.file}: columns {', '.join(map(repr, hits))} could all be the "
                    f"{target}; keep one of them."
                )
            if hits:
                mapping[target] = hits[0]
                if hits[0] != target:
                    table.notes.append(f"column {hits[0]!r} mapped to {target}")
        return mapping
    spec = {"acled": _ACLED_COLUMNS, "ucdp": _UCDP_COLUMNS, "news": _NEWS_COLUMNS}[family]
    mapping = {k: by_lower[v] for k, v in spec.items() if v in by_lower}
    if family == "ucdp" and "fatalities" not in mapping and "best_death" in by_lower:
        mapping["fatalities"] = by_lower["best_death"]
    return mapping


def _require(table: _Table, family: str, mapping: dict[str, str]) -> None:
    needed = list(_REQUIRED[family])
    if table.lon is None:
        needed += ["latitude", "longitude"]
    missing = [f for f in needed if f not in mapping]
    if family == "ucdp" and "event_date" not in mapping:
        cols = {c.lower() for c in table.df.columns}
        if not {"year", "month", "day"} <= cols:
            missing.append("event_date")
    if not missing:
        return
    found = ", ".join(repr(c) for c in list(table.df.columns)[:30]) or "none"
    if family == "user":
        hints = "; ".join(f"{f}: {', '.join(COLUMN_ALIASES[f])}" for f in missing)
        raise InputFileError(
            f"{table.file}: no {' / '.join(missing)} column; found columns: {found}. "
            f"Accepted names (any case): {hints}."
        )
    spec = {"acled": _ACLED_COLUMNS, "ucdp": _UCDP_COLUMNS, "news": _NEWS_COLUMNS}[family]
    names = ", ".join(repr(spec.get(f, f)) for f in missing)
    raise InputFileError(
        f"{table.file} looks like {'an' if family == 'acled' else 'a'} {family.upper()} file "
        f"but has no {names} column; found columns: {found}."
    )


def _canonical(table: _Table, *, today: dt.date) -> ReadResult:
    family = table.family or _detect_family(table.df.columns)
    mapping = _map_columns(table, family)
    _require(table, family, mapping)
    rows = _Rows(table)
    n = len(table.df)
    fmt = (
        table.format if table.format != "csv" else ("csv" if family == "user" else f"{family}_csv")
    )
    notes = list(table.notes)
    if table.format != "csv" and family != "user":
        notes.append(f"attributes follow the {family.upper()} schema")
    if family == "acled":
        cols = {c.lower() for c in table.df.columns}
        if "disorder_type" in cols:
            notes.append("ACLED export with the 2023+ columns")
        elif {"data_id", "event_id_no_cnty"} & cols:
            notes.append("older ACLED export (data_id / event_id_no_cnty, before 2023)")

    def col(fieldname: str) -> pd.Series:
        c = mapping.get(fieldname)
        return table.df[c] if c is not None else pd.Series([""] * n, dtype=object)

    # Coordinates
    if table.lon is None:
        lon = _parse_coordinate(col("longitude"), mapping["longitude"], rows)
        lat = _parse_coordinate(col("latitude"), mapping["latitude"], rows)
        lat_name, lon_name = mapping["latitude"], mapping["longitude"]
    else:
        lon, lat = table.lon.copy(), table.lat.copy()
        lat_name = lon_name = "geometry"
    lon, lat = _check_coordinates(
        lon,
        lat,
        col("country"),
        rows,
        lat_name=lat_name,
        lon_name=lon_name,
        crs_known=table.crs_known,
        notes=notes,
    )

    # Dates
    if "event_date" in mapping:
        date_col, date_values = mapping["event_date"], col("event_date")
    else:  # UCDP reduced extract without date_start: built from year, month, day
        by_lower = {c.lower(): c for c in table.df.columns}
        parts = [table.df[by_lower[k]].astype(str) for k in ("year", "month", "day")]
        date_values = parts[0] + "-" + parts[1] + "-" + parts[2]
        date_col = "year/month/day"
        notes.append("no date_start column: dates built from year, month and day")
    dates = _parse_dates(
        date_values, date_col, _DATE_FORMATS[family], rows, today=today, notes=notes
    )

    fatalities = _parse_fatalities(col("fatalities"), mapping.get("fatalities"), rows)
    if "fatalities" not in mapping:
        notes.append("no fatalities column: fatalities set to 0")

    geo_precision, precise = _parse_geo_precision(
        col("geo_precision"), mapping.get("geo_precision"), family, rows, notes
    )
    if table.area_rows is not None and table.area_rows.any():
        geo_precision[table.area_rows] = 3
        precise[table.area_rows] = False
    date_precision = _parse_date_precision(
        col("date_precision"), mapping.get("date_precision"), family, rows, notes
    )

    event_type = col("event_type").astype(str)
    if family == "ucdp":
        coded = event_type.isin(list(_UCDP_VIOLENCE))
        if coded.any():
            notes.append("type_of_violence codes 1/2/3 written as the UCDP codebook's words")
            event_type = event_type.where(~coded, event_type.map(_UCDP_VIOLENCE))
    sub_event_type = col("sub_event_type").astype(str)
    notes_text = _notes(table, family, mapping, col)

    event_id = _event_ids(table, mapping.get("event_id"), rows, notes)
    keep = rows.alive
    categories, rules = categorise(family, event_type[keep], sub_event_type[keep], notes_text[keep])
    if family == "user":  # a user file may carry ACLED or UCDP event types
        categories, rules = _other_tables(
            categories, rules, event_type[keep], sub_event_type[keep], notes_text[keep], notes
        )
    if family == "user" and "category" in mapping:
        given = col("category")[keep].map(fold_text).str.replace(" ", "_")
        valid = given.isin(CATEGORIES).to_numpy()
        categories = list(np.where(valid, given, categories))
        rules = list(np.where(valid, "column", rules))
    source_url = pd.Series([UCDP_URL] * n, dtype=object) if family == "ucdp" else col("source_url")
    frame = pd.DataFrame(
        {
            "event_id": event_id[keep].to_numpy(dtype=object),
            "source": family,
            "event_date": dates[keep],
            "date_precision": date_precision[keep],
            "event_type": event_type[keep].to_numpy(dtype=object),
            "sub_event_type": sub_event_type[keep].to_numpy(dtype=object),
            "actor1": col("actor1")[keep].to_numpy(dtype=object),
            "actor2": col("actor2")[keep].to_numpy(dtype=object),
            "fatalities": fatalities[keep],
            "location": col("location")[keep].to_numpy(dtype=object),
            "country": col("country")[keep].to_numpy(dtype=object),
            "admin1": col("admin1")[keep].to_numpy(dtype=object),
            "admin2": col("admin2")[keep].to_numpy(dtype=object),
            "geo_precision": geo_precision[keep],
            "precise": precise[keep],
            "category": np.asarray(categories, dtype=object),
            "category_rule": np.asarray(rules, dtype=object),
            "notes": notes_text[keep].to_numpy(dtype=object),
            "source_url": source_url[keep].to_numpy(dtype=object),
            "source_file": table.file,
            "source_row": table.rows[keep],
        }
    )
    gdf = _to_geoframe(frame, lon[keep], lat[keep])
    issues = sorted(rows.issues, key=lambda i: (i.row, i.column))
    report = ValidationReport(
        table.file,
        fmt,
        rows_in=n,
        rows_kept=int(keep.sum()),
        issues=tuple(issues),
        notes=tuple(notes),
    )
    return ReadResult(gdf, report)


def _event_ids(table: _Table, column: str | None, rows: _Rows, notes: list[str]) -> pd.Series:
    """Event ids; blank ones rejected, later duplicates rejected naming the first row."""
    if column is None:
        notes.append(f"no event id column: ids made from the {table.row_label} number")
        return pd.Series([f"row-{r}" for r in table.rows], dtype=object)
    event_id = table.df[column].astype(str)
    for i in np.flatnonzero((event_id == "").to_numpy() & rows.alive):
        rows.add(i, column, "", "is blank; every event needs an id", "rejected")
    first_row: dict[str, int] = {}
    ids = event_id.tolist()
    for i in np.flatnonzero(rows.alive):
        if ids[i] in first_row:
            reason = (
                f"repeats the event id of {table.row_label} {first_row[ids[i]]}; the later "
                "copy is rejected so its fatalities are not counted twice"
            )
            rows.add(i, column, ids[i], reason, "rejected")
        else:
            first_row[ids[i]] = int(table.rows[i])
    return event_id


def _other_tables(
    categories: list[str],
    rules: list[str],
    event_type: pd.Series,
    sub_event_type: pd.Series,
    text: pd.Series,
    notes: list[str],
) -> tuple[list[str], list[str]]:
    """For user rows the user table does not know, try the ACLED then the UCDP types."""
    categories, rules = list(categories), list(rules)
    for family in ("acled", "ucdp"):
        todo = [k for k, r in enumerate(rules) if r == "default"]
        if not todo:
            break
        cats, why = categorise(
            family,
            event_type.iloc[todo],
            sub_event_type.iloc[todo],
            text.iloc[todo],
        )
        hits = [(k, c, w) for k, c, w in zip(todo, cats, why, strict=True) if w != "default"]
        for k, c, w in hits:
            categories[k], rules[k] = c, w
        if hits:
            notes.append(
                f"event types of {_count(len(hits), 'row')} matched with the {family.upper()} table"
            )
    return categories, rules


def _to_geoframe(frame: pd.DataFrame, lon: np.ndarray, lat: np.ndarray) -> gpd.GeoDataFrame:
    if frame.empty:
        return empty_incidents()
    template = empty_incidents()
    for c in CANONICAL_COLUMNS[:-1]:
        frame[c] = frame[c].astype(template[c].dtype)
    geometry = gpd.GeoSeries(shapely.points(lon, lat), crs=WGS84)
    return gpd.GeoDataFrame(frame[CANONICAL_COLUMNS[:-1]], geometry=geometry, crs=WGS84)


def _notes(
    table: _Table, family: str, mapping: dict[str, str], col: Callable[[str], pd.Series]
) -> pd.Series:
    by_lower = {c.lower(): c for c in table.df.columns}

    def extra(name: str) -> pd.Series:
        c = by_lower.get(name)
        return table.df[c].astype(str) if c is not None else pd.Series([""] * len(table.df))

    if family == "acled":
        text = col("notes").astype(str)
        src = col("source").astype(str)
        return _join(text, src.where(src == "", "Source: " + src))
    if family == "ucdp":
        return _join(
            extra("conflict_name"),
            extra("where_description"),
            extra("source_headline"),
            sep="; ",
        )
    if family == "news":
        victims = extra("victims_count")
        nations = extra("nationalities")
        return _join(
            col("notes").astype(str),
            victims.where(victims == "", "Victims: " + victims),
            nations.where(nations == "", "Nationalities: " + nations),
        )
    return col("notes").astype(str)


def _join(*parts: pd.Series, sep: str = " ") -> pd.Series:
    """Join aligned text columns row by row, skipping blanks."""
    columns = [p.astype(str).tolist() for p in parts]
    joined = [sep.join(v for v in vals if v) for vals in zip(*columns, strict=True)]
    return pd.Series(joined, dtype=object)


# --------------------------------------------------------------------------- row rules


def _parse_coordinate(values: pd.Series, column: str, rows: _Rows) -> np.ndarray:
    s = values.astype(str).str.strip()
    comma = s.str.fullmatch(r"[+-]?\d+,\d+").fillna(False).to_numpy(dtype=bool)
    s2 = s.where(~comma, s.str.replace(",", ".", regex=False))
    num = pd.to_numeric(s2, errors="coerce").to_numpy(dtype=float)
    alive = rows.alive
    for i in np.flatnonzero(comma & alive & np.isfinite(num)):
        rows.add(i, column, s.iat[i], f"has a decimal comma; read as {float(num[i])!r}", "repaired")
    for i in np.flatnonzero(~np.isfinite(num) & alive):
        if s.iat[i] == "":
            rows.add(i, column, "", "is blank; a point needs both coordinates", "rejected")
        else:
            rows.add(i, column, s.iat[i], "is not a decimal number of degrees", "rejected")
    return num


def _check_coordinates(
    lon: np.ndarray,
    lat: np.ndarray,
    country: pd.Series,
    rows: _Rows,
    *,
    lat_name: str,
    lon_name: str,
    crs_known: bool,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = lon.copy(), lat.copy()
    geometry = lat_name == "geometry"
    alive = rows.alive

    def point(i: int) -> str:
        return f"POINT ({float(lon[i])!r} {float(lat[i])!r})"

    if geometry:
        for i in np.flatnonzero(alive & ~(np.isfinite(lon) & np.isfinite(lat))):
            rows.add(i, "geometry", point(i), "has a coordinate that is not a number", "rejected")
        alive = rows.alive
    x0, y0, x1, y1 = WEST_AFRICA_BOX
    inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    swapped_inside = (lat >= x0) & (lat <= x1) & (lon >= y0) & (lon <= y1)
    swap = alive & ~inside & swapped_inside
    countries = country.tolist()
    for i in np.flatnonzero(swap):
        name = fold_text(countries[i])
        swap[i] = name == "" or name in _SWAP_COUNTRIES
    for i in np.flatnonzero(swap):
        rows.add(
            i,
            lat_name,
            lat[i] if not geometry else point(i),
            f"with {'longitude' if not geometry else 'x'} {float(lon[i])!r} is outside the "
            "West-Africa box but inside it when swapped; latitude and longitude swapped back",
            "repaired",
        )
        lon[i], lat[i] = lat[i], lon[i]
    if swap.sum():
        notes.append(
            f"{_count(int(swap.sum()), 'row')} had latitude and longitude swapped (detected "
            f"against the West-Africa box lon {x0:g}..{x1:g}, lat {y0:g}..{y1:g}) and were "
            "swapped back"
        )
    projected = (
        alive
        & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
        & (np.maximum(np.abs(lon), np.abs(lat)) > 1000)
    )
    for i in np.flatnonzero(projected):
        rows.add(
            i,
            lat_name if np.abs(lat[i]) > 90 else lon_name,
            point(i) if geometry else (lat[i] if np.abs(lat[i]) > 90 else lon[i]),
            "looks like projected coordinates (metres) without a CRS"
            + (" (no .prj)" if geometry and not crs_known else "")
            + "; projected? give lon/lat degrees (EPSG:4326)",
            "rejected",
        )
    alive = rows.alive
    for i in np.flatnonzero(alive & (np.abs(lat) > 90)):
        rows.add(i, lat_name, point(i) if geometry else lat[i], "is outside -90..90", "rejected")
    alive = rows.alive
    for i in np.flatnonzero(alive & (np.abs(lon) > 180)):
        rows.add(i, lon_name, point(i) if geometry else lon[i], "is outside -180..180", "rejected")
    alive = rows.alive
    for i in np.flatnonzero(alive & (lon == 0) & (lat == 0)):
        rows.add(
            i,
            lat_name,
            point(i) if geometry else lat[i],
            "with longitude 0 is 'null island' (0, 0), a typical geocoding failure",
            "rejected",
        )
    alive = rows.alive
    for i in np.flatnonzero(alive & ((lon == 0) ^ (lat == 0))):
        name = lat_name if lat[i] == 0 else lon_name
        rows.add(
            i,
            name,
            point(i) if geometry else 0.0,
            "is exactly 0; check that the point was geocoded",
            "flagged",
        )
    alive = rows.alive
    outside = alive & ~((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
    if outside.any():
        notes.append(
            f"{_count(int(outside.sum()), 'point')} outside the West-Africa box "
            f"(lon {x0:g}..{x1:g}, lat {y0:g}..{y1:g}); they are kept"
        )
    return lon, lat


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _parse_dates(
    values: pd.Series,
    column: str,
    formats: tuple[str, ...],
    rows: _Rows,
    *,
    today: dt.date,
    notes: list[str],
) -> np.ndarray:
    s = values.astype(str).str.strip().reset_index(drop=True)
    n = len(s)
    year = np.full(n, -1, dtype=np.int64)
    month = np.full(n, -1, dtype=np.int64)
    day = np.full(n, -1, dtype=np.int64)
    matched = np.zeros(n, dtype=bool)
    zoned = np.zeros(n, dtype=bool)
    timed = 0
    for name in formats:
        ext = s.str.extract("^" + _DATE_PATTERNS[name] + "$")
        hit = ext["y"].notna().to_numpy() & ~matched
        if "tz" in ext:
            zoned |= hit & ext["tz"].notna().to_numpy()
            timed += int((hit & ext["time"].notna().to_numpy()).sum())
        if "mname" in ext:
            m = ext["mname"].str.lower().map(_MONTHS)
            hit &= m.notna().to_numpy()
            mm = m
        else:
            mm = ext["m"]
        year[hit] = ext["y"][hit].astype(int)
        month[hit] = pd.Series(mm)[hit].astype(int)
        day[hit] = ext["d"][hit].astype(int)
        matched |= hit
    utc_days = _utc_days(s, zoned & matched)
    for i, (y, m, d) in utc_days.items():
        if (y, m, d) != (year[i], month[i], day[i]):
            reason = f"has a time zone offset; read as the UTC date {y:04d}-{m:02d}-{d:02d}"
            rows.add(i, column, s.iat[i], reason, "repaired")
            year[i], month[i], day[i] = y, m, d
    if timed:
        notes.append(
            f"times of day dropped from {_count(timed, 'date')} (dates are kept to the day; "
            "a time zone offset gives the UTC date)"
        )
    alive = rows.alive
    allowed = ", ".join(formats)
    for i in np.flatnonzero(~matched & alive):
        if s.iat[i] == "":
            rows.add(i, column, "", "is blank; every event needs a date", "rejected")
        else:
            reason = f"is not a date in the accepted formats ({allowed})"
            rows.add(i, column, s.iat[i], reason, "rejected")
    # Vectorised calendar check: an impossible day (30 February) gives NaT here, and
    # is reported per row; it never becomes a silent NaT in the result.
    in_range = matched & (year >= 1678) & (year <= 2261)
    parts = pd.DataFrame(
        {
            "year": np.where(in_range, year, 2000),
            "month": np.where(in_range, month, 1),
            "day": np.where(in_range, day, 1),
        }
    )
    parsed = pd.to_datetime(parts, errors="coerce").to_numpy(dtype="datetime64[ns]")
    for i in np.flatnonzero(matched & alive & ~in_range):
        rows.add(i, column, s.iat[i], "has a year out of range", "rejected")
    for i in np.flatnonzero(in_range & alive & np.isnat(parsed)):
        reason = "is not a calendar date (no such day in that month)"
        rows.add(i, column, s.iat[i], reason, "rejected")
    out = np.where(in_range, parsed, np.datetime64("NaT", "ns"))
    day_after = np.datetime64(today, "ns") + np.timedelta64(1, "D")
    ok = in_range & ~np.isnat(parsed) & rows.alive
    for i in np.flatnonzero(ok & (out >= day_after)):
        rows.add(i, column, s.iat[i], f"is in the future (after {today})", "flagged")
    for i in np.flatnonzero(ok & (year < _EARLIEST_YEAR)):
        reason = f"is before {_EARLIEST_YEAR}, when UCDP GED starts; check the year"
        rows.add(i, column, s.iat[i], reason, "flagged")
    return out


def _utc_days(s: pd.Series, zoned: np.ndarray) -> dict[int, tuple[int, int, int]]:
    """UTC (year, month, day) of the rows whose timestamp carries a zone offset."""
    out: dict[int, tuple[int, int, int]] = {}
    for i in np.flatnonzero(zoned):
        try:
            stamp = dt.datetime.fromisoformat(s.iat[i].replace(" ", "T"))
        except ValueError:
            continue  # reported by the calendar check
        if stamp.tzinfo is not None:
            d = stamp.astimezone(dt.UTC).date()
            out[int(i)] = (d.year, d.month, d.day)
    return out


_FIRST_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)")


def _parse_fatalities(values: pd.Series, column: str | None, rows: _Rows) -> np.ndarray:
    s = values.astype(str).str.strip().reset_index(drop=True)
    out = np.zeros(len(s), dtype=np.int64)
    plain = s.str.fullmatch(r"\d{1,9}(?:\.0+)?").fillna(False).to_numpy(dtype=bool)
    out[plain] = s[plain].map(lambda v: int(float(v))).to_numpy(dtype=np.int64)
    if column is None:
        return out
    alive = rows.alive
    for i in np.flatnonzero(~plain & alive):
        v = s.iat[i]
        if v == "":
            rows.add(i, column, v, "is blank; fatalities set to 0", "repaired")
            continue
        if re.match(r"^-\s*\d", v):
            rows.add(i, column, v, "is negative; fatalities set to 0", "repaired")
            continue
        m = _FIRST_NUMBER.search(v)
        if m is None or fold_text(v) in _NO_NUMBER_WORDS:
            rows.add(i, column, v, "is not a number; fatalities set to 0", "repaired")
            continue
        figure = int(m.group(1).replace(",", ""))
        if figure > 10**7:
            rows.add(i, column, v, "is not a plausible count; fatalities set to 0", "repaired")
            continue
        out[i] = figure
        rows.add(
            i,
            column,
            v,
            f"is not a whole number; read as {figure} (the first figure, the lower end of a range)",
            "repaired",
        )
    return out


_NEWS_PRECISION = {"exact_site": 1, "town": 1, "near_town": 2, "district": 3, "region": 3}


def _parse_geo_precision(
    values: pd.Series, column: str | None, family: str, rows: _Rows, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (geo_precision 1..3, precise) following DESIGN.md's rules per source."""
    s = values.astype(str).str.strip().str.lower().reset_index(drop=True)
    n = len(s)
    if column is None:
        if family == "ucdp":
            notes.append(
                "no where_prec column: the reduced GED extract keeps only where_prec 1-2 "
                "events, so every event is taken as precise, geo_precision 2 (within 25 km)"
            )
            return np.full(n, 2, dtype=np.int64), np.ones(n, dtype=bool)
        notes.append("no location precision column: every point taken as exact (geo_precision 1)")
        return np.ones(n, dtype=np.int64), np.ones(n, dtype=bool)
    code = pd.to_numeric(s.str.replace(r"\.0+$", "", regex=True), errors="coerce")
    geo = np.full(n, 3, dtype=np.int64)
    precise = np.zeros(n, dtype=bool)
    if family == "ucdp":
        valid = code.between(1, 7) & (code % 1 == 0)
        c = code.fillna(0).to_numpy()
        geo = np.where(c == 1, 1, np.where(c == 2, 2, 3)).astype(np.int64)
        precise = (c == 1) | (c == 2)
        allowed = "a where_prec code 1-7"
    elif family == "news" or (family == "user" and not code.notna().all()):
        words = s.map(_NEWS_PRECISION)
        valid = words.notna() | code.isin([1, 2, 3])
        geo = words.fillna(code.where(code.isin([1, 2, 3]))).fillna(3).to_numpy(dtype=np.int64)
        precise = s.isin(["exact_site", "town"]).to_numpy() | (code == 1).to_numpy()
        allowed = "one of exact_site, town, near_town, district (or 1-3)"
    else:
        valid = code.isin([1, 2, 3])
        geo = code.where(valid, 3).fillna(3).to_numpy(dtype=np.int64)
        precise = geo == 1
        allowed = "1, 2 or 3"
    valid_arr = valid.to_numpy(dtype=bool)
    for i in np.flatnonzero(~valid_arr & rows.alive):
        rows.add(
            i,
            column,
            s.iat[i],
            f"is not {allowed}; treated as 3 (area, imprecise)",
            "repaired",
        )
        geo[i], precise[i] = 3, False
    return geo, precise


_DATE_PRECISION_WORDS = {"day": "day", "week": "week", "month": "month", "year": "year"}


def _parse_date_precision(
    values: pd.Series, column: str | None, family: str, rows: _Rows, notes: list[str]
) -> np.ndarray:
    """Return day | week | month (| year for UCDP date_prec 4-5) per row."""
    n = len(values)
    if column is None:
        if family != "news":
            notes.append("no date precision column: every date taken as the day of the event")
        return np.full(n, "day", dtype=object)
    s = values.astype(str).str.strip().str.lower().reset_index(drop=True)
    s = s.str.replace(r"\.0+$", "", regex=True)
    if family == "ucdp":
        table = {"1": "day", "2": "week", "3": "month", "4": "year", "5": "year"}
        allowed = "a date_prec code 1-5"
    else:
        table = {"1": "day", "2": "week", "3": "month", **_DATE_PRECISION_WORDS}
        allowed = "day, week, month (or 1-3)"
    mapped = s.map(table)
    for i in np.flatnonzero(mapped.isna().to_numpy() & rows.alive):
        rows.add(i, column, s.iat[i], f"is not {allowed}; treated as month", "repaired")
    return mapped.fillna("month").to_numpy(dtype=object)
