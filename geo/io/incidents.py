"""Incidents: every incident source read into the canonical incident record and a report.

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
       through :data:`geo.io.sources.COLUMN_ALIASES`.

Security
    Bytes are parsed in memory (CSV, JSON) or written under generated names
    into a private :func:`tempfile.TemporaryDirectory` before GDAL (pyogrio)
    opens them; no user string is ever a GDAL path. GeoJSON with a ``crs``
    member is refused before GDAL sees it (RFC 7946 §4; GDAL fetches ``link``
    CRSs over HTTP), except the WGS84 ``name`` member that GDAL and QGIS write
    themselves, which is dropped with a note. Zip archives are checked from the central directory
    (members, sizes, ratio, names, symlinks, nesting) and extracted with a
    streaming byte cap, because headers can lie (:mod:`geo.io.containers`).
    See SECURITY.md 1.4-1.6. In the app and the CLI this runs inside the
    sandboxed worker of :mod:`geo.io.ingest`.

Validation
    Every rule turns a bad value into a :class:`geo.validate.RowIssue` naming
    file, row and column, and the row is repaired (the reason says how),
    flagged or rejected; nothing is dropped silently. The rules and their
    outcomes are listed in :func:`read_incidents` (rules in :mod:`geo.io.fields`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import WGS84
from geo.errors import InputFileError, ParameterError
from geo.io.containers import DEFAULT_LIMITS, IngestLimits, display_name, read_file_bytes
from geo.io.fields import (
    Rows,
    check_coordinates,
    parse_coordinate,
    parse_date_precision,
    parse_dates,
    parse_fatalities,
    parse_geo_precision,
)
from geo.io.sources import (
    DATE_FORMATS,
    UCDP_URL,
    UCDP_VIOLENCE,
    categorise_rows,
    detect_family,
    map_columns,
    merge_dyadic,
    other_tables,
    require_columns,
    source_notes,
)
from geo.io.tables import RawTable, load_table
from geo.schema import CANONICAL_COLUMNS, CATEGORIES, empty_incidents, fold_text
from geo.settings import BUNDLED, BundledPaths
from geo.validate import RowIssue, ValidationReport, reader_message

__all__ = [
    "FORMATS",
    "ReadResult",
    "combine_results",
    "load_bundled_incidents",
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
    "parquet",
    "shapefile_zip",
    "xlsx",
)


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


def read_incidents(
    data: bytes | Path,
    *,
    name: str,
    fmt: str | None = None,
    layer: str | None = None,
    today: dt.date | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
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
    limits : IngestLimits
        Size and archive limits (:data:`geo.io.containers.DEFAULT_LIMITS`).

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
    file = display_name(name)
    raw = read_file_bytes(data, name=file, limits=limits) if isinstance(data, Path) else data
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise ParameterError(f"data must be bytes or a pathlib.Path, not {type(data).__name__}")
    raw = bytes(raw)
    max_bytes = limits.max_bytes
    if len(raw) > max_bytes:
        raise InputFileError(
            f"{file} is {len(raw) / 2**20:.1f} MiB; files up to "
            f"{max_bytes / 2**20:.0f} MiB are accepted. Filter the export to a smaller area "
            "or period."
        )
    table = load_table(raw, file, fmt=fmt, layer=layer, depth=0, limits=limits)
    return _canonical(table, today=today or dt.date.today())


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
            label = "row" if rep.format.endswith("csv") or rep.format == "xlsx" else "feature"
            extra.append(
                RowIssue.make(
                    rep.file,
                    int(row),
                    "event_id",
                    eid,
                    reader_message("repeated_source_id", source=src, file=first[0], first=first[1]),
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
        ``ucdp_ged_mali.csv`` + ``ucdp_ged_border.csv`` + the news log
        (2024-2025) + the additional news incidents (2021-2026), with one
        merged report.

    Raises
    ------
    InputFileError
        If a bundled file is missing or unreadable.
    """
    files = (paths.ucdp_mali, paths.ucdp_border, paths.news, paths.news_additional)
    return combine_results([read_incidents(p, name=p.name, today=today) for p in files])


def _canonical(table: RawTable, *, today: dt.date) -> ReadResult:
    family = table.family or detect_family(table.df.columns)
    mapping = map_columns(table, family)
    require_columns(table, family, mapping)
    if family == "acled" and "event_id" in mapping:
        merge_dyadic(table, mapping["event_id"])
    rows = Rows(table)
    n = len(table.df)
    fmt = (
        table.format if table.format != "csv" else ("csv" if family == "user" else f"{family}_csv")
    )
    notes = list(table.notes)
    if table.format != "csv" and family != "user":
        notes.append(reader_message("schema", family=family.upper()))
    if family == "acled":
        cols = {c.lower() for c in table.df.columns}
        if "disorder_type" in cols:
            notes.append(reader_message("acled_2023"))
        elif {"data_id", "event_id_no_cnty"} & cols:
            notes.append(reader_message("acled_old"))

    def col(fieldname: str) -> pd.Series:
        c = mapping.get(fieldname)
        return table.df[c] if c is not None else pd.Series([""] * n, dtype=object)

    # Coordinates
    if table.lon is None:
        lon = parse_coordinate(col("longitude"), mapping["longitude"], rows)
        lat = parse_coordinate(col("latitude"), mapping["latitude"], rows)
        lat_name, lon_name = mapping["latitude"], mapping["longitude"]
    else:
        lon, lat = table.lon.copy(), table.lat.copy()
        lat_name = lon_name = "geometry"
    lon, lat = check_coordinates(
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
        notes.append(reader_message("no_date_start"))
    dates = parse_dates(date_values, date_col, DATE_FORMATS[family], rows, today=today, notes=notes)

    fatalities = parse_fatalities(col("fatalities"), mapping.get("fatalities"), rows)
    if "fatalities" not in mapping:
        notes.append(reader_message("no_fatalities"))

    geo_precision, precise = parse_geo_precision(
        col("geo_precision"), mapping.get("geo_precision"), family, rows, notes
    )
    if table.area_rows is not None and table.area_rows.any():
        geo_precision[table.area_rows] = 3
        precise[table.area_rows] = False
    date_precision = parse_date_precision(
        col("date_precision"), mapping.get("date_precision"), family, rows, notes
    )

    event_type = col("event_type").astype(str)
    if family == "ucdp":
        coded = event_type.isin(list(UCDP_VIOLENCE))
        if coded.any():
            notes.append(reader_message("ucdp_words"))
            event_type = event_type.where(~coded, event_type.map(UCDP_VIOLENCE))
    sub_event_type = col("sub_event_type").astype(str)
    notes_text = source_notes(table, family, mapping, col)

    event_id = _event_ids(table, mapping.get("event_id"), rows, notes)
    keep = rows.alive
    categories, rules = categorise_rows(
        family, event_type[keep], sub_event_type[keep], notes_text[keep]
    )
    if family == "user":  # a user file may carry ACLED or UCDP event types
        categories, rules = other_tables(
            categories, rules, event_type[keep], sub_event_type[keep], notes_text[keep], notes
        )
    if family == "user" and "category" in mapping:
        given = col("category")[keep].map(fold_text).str.replace(" ", "_")
        valid = given.isin(CATEGORIES).to_numpy()
        categories = np.where(valid, given, categories).astype(object)
        rules = np.where(valid, "column", rules).astype(object)
    source_url = pd.Series([UCDP_URL] * n, dtype=object) if family == "ucdp" else col("source_url")
    n_kept = int(keep.sum())
    columns = {
        "event_id": event_id[keep].to_numpy(dtype=object),
        "source": np.full(n_kept, family, dtype=object),
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
        "between_a": col("between_a")[keep].astype(str).str.strip().to_numpy(dtype=object),
        "between_b": col("between_b")[keep].astype(str).str.strip().to_numpy(dtype=object),
        "category": categories,
        "category_rule": rules,
        "notes": notes_text[keep].to_numpy(dtype=object),
        "source_url": source_url[keep].to_numpy(dtype=object),
        "source_file": np.full(n_kept, table.file, dtype=object),
        "source_row": table.rows[keep],
    }
    # Text stays object (the canonical dtype): letting pandas infer its ``str`` dtype
    # and casting back would copy a million strings twice.
    frame = pd.DataFrame(
        {c: pd.Series(v, dtype=object) if v.dtype.kind == "O" else v for c, v in columns.items()}
    )
    gdf = _to_geoframe(frame, lon[keep], lat[keep])
    issues = sorted(rows.issues, key=lambda i: (i.row, i.column))
    report = ValidationReport(
        table.file,
        fmt,
        rows_in=n,
        rows_kept=n_kept,
        issues=tuple(issues),
        notes=tuple(notes),
    )
    return ReadResult(gdf, report)


def _event_ids(table: RawTable, column: str | None, rows: Rows, notes: list[str]) -> pd.Series:
    """Event ids; blank ones rejected, later duplicates rejected naming the first row."""
    if column is None:
        notes.append(reader_message("no_event_id", label=table.row_label))
        return pd.Series([f"row-{r}" for r in table.rows], dtype=object)
    event_id = table.df[column].astype(str)
    for i in np.flatnonzero((event_id == "").to_numpy() & rows.alive):
        rows.add(i, column, "", reader_message("blank_id"), "rejected")
    alive = np.flatnonzero(rows.alive)
    kept = event_id.iloc[alive]
    repeated = kept.duplicated(keep="first").to_numpy()
    if repeated.any():  # vectorised: a million distinct ids cost no Python loop
        first_row = pd.Series(table.rows[alive[~repeated]], index=kept[~repeated].to_numpy())
        for i in alive[repeated]:
            first = int(first_row[event_id.iat[i]])
            reason = reader_message("repeated_id", label=table.row_label, first=first)
            rows.add(i, column, event_id.iat[i], reason, "rejected")
    return event_id


def _to_geoframe(frame: pd.DataFrame, lon: np.ndarray, lat: np.ndarray) -> gpd.GeoDataFrame:
    if frame.empty:
        return empty_incidents()
    template = empty_incidents()
    for c in CANONICAL_COLUMNS[:-1]:
        frame[c] = frame[c].astype(template[c].dtype)
    geometry = gpd.GeoSeries(shapely.points(lon, lat), crs=WGS84)
    return gpd.GeoDataFrame(frame[CANONICAL_COLUMNS[:-1]], geometry=geometry, crs=WGS84)
