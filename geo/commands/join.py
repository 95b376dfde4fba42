"""``python -m geo join``: every incident with the country, region, cercle and commune it falls in.

Also home of the input options shared by the analysis commands (``join`` and
``hotspots``): where incidents and boundaries come from, the window and the
category filter, and a safe reader for a user's own boundary layer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import stat
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.admin import assign_admin, prepare_units
from geo.commands.validate import local_path
from geo.crs import WGS84
from geo.errors import InputFileError, ParameterError
from geo.export.tabular import TABLE_SUFFIXES, write_table_atomic
from geo.schema import CATEGORIES

__all__ = [
    "Inputs",
    "JOIN_COLUMNS",
    "add_input_arguments",
    "add_log_argument",
    "load_inputs",
    "parse_day",
    "read_admin_layer",
    "register",
    "run",
    "with_log",
]

#: Columns of the ``join`` output, in order (plus the point geometry).
JOIN_COLUMNS: list[str] = [
    "event_id",
    "event_date",
    "event_type",
    "category",
    "fatalities",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "region_2023",
    "adm1_id",
    "adm2_id",
    "adm3_id",
    "source_country",
    "source_admin1",
    "source_admin2",
    "location",
    "precise",
    "geo_precision",
    "source",
    "source_file",
    "source_row",
    "duplicate_of",
]

_ZIP_MAX_MEMBERS = 50
_ZIP_MAX_BYTES = 300 * 2**20
_ZIP_MAX_RATIO = 100
_SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_ID_CANDIDATES = ("unit_id", "shapeid", "adm3_pcode", "admin3pcode", "pcode", "code", "id")
_NAME_CANDIDATES = (
    "name",
    "shapename",
    "adm3_fr",
    "adm3_name",
    "admin3name_fr",
    "admin3name",
    "commune",
    "nom",
    "adm3_en",
)


def parse_day(text: str) -> dt.date:
    """Parse a ``YYYY-MM-DD`` date for argparse.

    Parameters
    ----------
    text : str
        What the user typed.

    Returns
    -------
    datetime.date
        The day.

    Raises
    ------
    argparse.ArgumentTypeError
        One line naming the value and the expected form.

    Examples
    --------
    >>> parse_day("2024-02-29")
    datetime.date(2024, 2, 29)
    """
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; give it as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a calendar date (YYYY-MM-DD)") from None


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the input, window and filter options shared by the analysis commands.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    parser.add_argument(
        "--incidents",
        metavar="FILE",
        help="incident file (ACLED/UCDP CSV export, CSV, GeoJSON, GeoPackage, zipped "
        "shapefile); the bundled UCDP extracts and news log by default",
    )
    parser.add_argument(
        "--admin",
        metavar="FILE",
        help="your own boundaries (GeoJSON, GeoPackage or zipped shapefile of polygons), "
        "used as the finest level (admin3, e.g. communes)",
    )
    parser.add_argument("--admin-id-col", metavar="COLUMN", help="unit id column of --admin")
    parser.add_argument("--admin-name-col", metavar="COLUMN", help="unit name column of --admin")
    parser.add_argument(
        "--from", dest="start", type=parse_day, metavar="YYYY-MM-DD", help="first day (included)"
    )
    parser.add_argument(
        "--to", dest="end", type=parse_day, metavar="YYYY-MM-DD", help="last day (included)"
    )
    parser.add_argument(
        "--event-type",
        dest="event_types",
        action="append",
        choices=CATEGORIES,
        metavar="CATEGORY",
        help=f"keep only this category (repeatable): {', '.join(CATEGORIES)}",
    )
    add_log_argument(parser)
    parser.add_argument("--out", required=True, metavar="FILE", help="output file")


def add_log_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--log PATH_OR_URL`` to an analysis command: the log as one more source.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    parser.add_argument(
        "--log",
        metavar="PATH_OR_URL",
        help="also count the team's incident log (a GeoPackage file or a postgresql:// URL); "
        "events it shares with the other data are counted once (geo.matching)",
    )


def with_log(result: Any, target: str | None) -> tuple[Any, gpd.GeoDataFrame | None]:
    """Merge the incident log at ``target`` into a read result, shared events counted once.

    Parameters
    ----------
    result : geo.io.incidents.ReadResult
        What the command read (bundled data or ``--incidents``).
    target : str or None
        ``--log``; None leaves ``result`` as it is.

    Returns
    -------
    tuple
        ``(ReadResult, duplicates)``: the events counted, with the report's
        notes saying how many came from the log and how many were found in two
        sources; the linked copies with ``duplicate_of`` (None without a log).
    """
    if not target:
        return result, None
    from geo.io.incidents import ReadResult
    from geo.log import open_log
    from geo.matching import merge_sources

    log = open_log(target)
    merged = merge_sources(
        result.incidents,
        log.incidents(),
        result.report,
        extra_label=f"the incident log {log.name}",
    )
    return ReadResult(merged.incidents, merged.report), merged.duplicates


@dataclass
class Inputs:
    """What the shared options loaded.

    Attributes
    ----------
    incidents : GeoDataFrame
        Canonical incidents after the window and category filters, EPSG:4326.
    source : str
        Where they came from (file name or "bundled ...").
    n_read : int
        Incidents read before the filters.
    n_rejected : int
        Rows the reader rejected.
    start, end : datetime.date or None
        The window asked for.
    admin1, admin2, countries : GeoDataFrame
        Bundled boundary layers.
    admin3 : GeoDataFrame or None
        The user's own units (``--admin``).
    duplicates : GeoDataFrame or None
        With ``--log``: the copies of events found in two sources, in the
        window, with ``duplicate_of`` (not in :attr:`incidents`, not counted).
    """

    incidents: gpd.GeoDataFrame
    source: str
    n_read: int
    n_rejected: int
    start: dt.date | None
    end: dt.date | None
    admin1: gpd.GeoDataFrame
    admin2: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame
    admin3: gpd.GeoDataFrame | None
    duplicates: gpd.GeoDataFrame | None = None

    def assign(self, incidents: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
        """Return ``incidents`` (these inputs' by default) with their admin units.

        Parameters
        ----------
        incidents : GeoDataFrame, optional
            A subset of :attr:`incidents`.

        Returns
        -------
        GeoDataFrame
            :func:`geo.admin.assign_admin` on these layers.
        """
        return assign_admin(
            self.incidents if incidents is None else incidents,
            admin1=self.admin1,
            admin2=self.admin2,
            countries=self.countries,
            admin3=self.admin3,
        )

    def window_text(self) -> str:
        """Return the window as ``first..last`` (the data's own range when open)."""
        dates = pd.to_datetime(self.incidents["event_date"])
        first = self.start or (dates.min().date() if dates.notna().any() else None)
        last = self.end or (dates.max().date() if dates.notna().any() else None)
        return f"{first or '-'}..{last or '-'}"


def load_inputs(args: argparse.Namespace) -> Inputs:
    """Load incidents and boundaries and apply the window and category filters.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options of :func:`add_input_arguments`.

    Returns
    -------
    Inputs
        Incidents and layers.

    Raises
    ------
    InputFileError
        If a file cannot be read (one line naming it).
    ParameterError
        If ``--from`` is after ``--to``.
    """
    from geo.io import bundled
    from geo.io.containers import read_file_bytes
    from geo.io.incidents import load_bundled_incidents
    from geo.io.ingest import ingest_upload

    if args.start and args.end and args.start > args.end:
        raise ParameterError(f"--from {args.start} is after --to {args.end}; swap them or fix one.")
    if args.incidents:
        path = local_path(args.incidents)
        # Parsed in geo.io.ingest's limited, network-less child process (SECURITY 1.4-1.6).
        result = ingest_upload(read_file_bytes(path), name=path.name)
        source = path.name
    else:
        result = load_bundled_incidents()
        source = "bundled UCDP GED 21.1 extracts + news log"
    result, duplicates = with_log(result, getattr(args, "log", None))
    if duplicates is not None:
        source += " + the incident log"
    incidents = result.incidents
    n_read = len(incidents)
    keep = _in_window(incidents, args)
    admin3 = None
    if args.admin:
        admin3 = read_admin_layer(
            local_path(args.admin), id_col=args.admin_id_col, name_col=args.admin_name_col
        )
    return Inputs(
        incidents=incidents.loc[keep].reset_index(drop=True),
        source=source,
        n_read=n_read,
        n_rejected=int(result.report.n_rejected),
        start=args.start,
        end=args.end,
        admin1=bundled.load_admin(1),
        admin2=bundled.load_admin(2),
        countries=bundled.load_countries(),
        admin3=admin3,
        duplicates=None
        if duplicates is None
        else duplicates.loc[_in_window(duplicates, args)].reset_index(drop=True),
    )


def _in_window(incidents: pd.DataFrame, args: argparse.Namespace) -> np.ndarray:
    """Rows inside ``--from``/``--to`` and ``--event-type`` (a boolean mask)."""
    dates = pd.to_datetime(incidents["event_date"]).dt.normalize()
    keep = np.ones(len(incidents), dtype=bool)
    if args.start:
        keep &= (dates >= pd.Timestamp(args.start)).to_numpy()
    if args.end:
        keep &= (dates <= pd.Timestamp(args.end)).to_numpy()
    if args.event_types:
        keep &= incidents["category"].isin(args.event_types).to_numpy()
    return keep


# --------------------------------------------------------------------------- user boundaries


def _sniff_layer(raw: bytes, file: str) -> str:
    head = raw[:64].lstrip()
    if raw.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if raw.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if head.startswith(b"{"):
        return "geojson"
    raise InputFileError(
        f"{file} is not a GeoJSON, GeoPackage or zipped shapefile (by its content); "
        "export the boundaries in one of those formats."
    )


def _geojson_layer(raw: bytes, file: str) -> gpd.GeoDataFrame:
    """Parse GeoJSON in Python (no GDAL); refuse the obsolete ``crs`` member."""
    try:
        obj = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputFileError(f"{file} is not valid GeoJSON ({str(exc)[:80]}).") from None
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        raise InputFileError(f"{file} is not a GeoJSON FeatureCollection.")
    if "crs" in obj:
        raise InputFileError(
            f"{file} has a 'crs' member, which RFC 7946 removed and GDAL may fetch over the "
            "network; save it as plain GeoJSON (lon/lat, EPSG:4326) without 'crs'."
        )
    rows, geoms = [], []
    for i, feature in enumerate(obj.get("features") or [], start=1):
        if not isinstance(feature, dict):
            raise InputFileError(f"{file}, feature {i}: not a GeoJSON feature.")
        try:
            geom = shapely.geometry.shape(feature["geometry"]) if feature.get("geometry") else None
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
            raise InputFileError(f"{file}, feature {i}: unreadable geometry.") from None
        props = feature.get("properties") or {}
        rows.append({str(k): v for k, v in props.items() if not isinstance(v, dict | list)})
        geoms.append(geom)
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=gpd.GeoSeries(geoms, crs=WGS84))


def _zip_shapefile(raw: bytes, file: str, folder: Path) -> Path:
    """Check a zipped shapefile from its central directory; extract one layer with a cap."""
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise InputFileError(f"{file} is not a readable zip archive.") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        total = sum(i.file_size for i in infos)
        if len(infos) > _ZIP_MAX_MEMBERS or total > _ZIP_MAX_BYTES:
            raise InputFileError(
                f"{file} lists {len(infos)} members / {total / 2**20:.0f} MiB; at most "
                f"{_ZIP_MAX_MEMBERS} members and {_ZIP_MAX_BYTES / 2**20:.0f} MiB are accepted."
            )
        shps = []
        for info in infos:
            parts = re.split(r"[\\/]", info.filename)
            if (
                ".." in parts
                or info.filename.startswith(("/", "\\"))
                or re.match(r"^[A-Za-z]:", info.filename)
                or stat.S_ISLNK(info.external_attr >> 16)
                or info.flag_bits & 0x1
                or info.file_size > _ZIP_MAX_RATIO * max(info.compress_size, 1) + 2**20
            ):
                raise InputFileError(
                    f"{file}: member {info.filename[:120]!r} is unsafe (absolute, '..', link, "
                    "encrypted or a zip bomb); the archive is refused."
                )
            if parts[0] != "__MACOSX" and info.filename.lower().endswith(".shp"):
                shps.append(info)
        if len(shps) != 1:
            raise InputFileError(
                f"{file} holds {len(shps)} shapefiles; zip exactly one polygon layer."
            )
        stem = str(PurePosixPath(shps[0].filename).with_suffix(""))
        by_name = {i.filename.lower(): i for i in infos}
        for ext in _SHP_PARTS:
            info = by_name.get((stem + ext).lower())
            if info is None:
                if ext in (".shx", ".dbf"):
                    raise InputFileError(f"{file}: the shapefile has no {ext} part; zip it too.")
                if ext == ".prj":
                    raise InputFileError(
                        f"{file}: the shapefile has no .prj, so its CRS is unknown; zip it too."
                    )
                continue
            with zf.open(info) as src:
                data = src.read(info.file_size + 1)
            if len(data) > info.file_size:
                raise InputFileError(f"{file}: member {info.filename!r} is larger than declared.")
            (folder / f"layer{ext}").write_bytes(data)
    return folder / "layer.shp"


def _read_admin_raw(raw: bytes, file: str) -> gpd.GeoDataFrame:
    kind = _sniff_layer(raw, file)
    if kind == "geojson":
        return _geojson_layer(raw, file)
    import pyogrio

    with tempfile.TemporaryDirectory(prefix="riskmap-admin-") as tmp:
        folder = Path(tmp)
        if kind == "zip":
            path = _zip_shapefile(raw, file, folder)
        else:
            path = folder / "layer.gpkg"
            path.write_bytes(raw)
        try:
            layers = pyogrio.list_layers(path)
            polygonal = [str(n) for n, g in layers if g and "polygon" in str(g).lower()]
            if len(polygonal) == 0:
                raise InputFileError(f"{file} has no polygon layer.")
            return pyogrio.read_dataframe(path, layer=polygonal[0], on_invalid="warn")
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, RuntimeError):
            raise InputFileError(f"{file} cannot be read as a boundary layer.") from None


def _pick_column(
    columns: Sequence[str], wanted: str | None, candidates: Sequence[str]
) -> str | None:
    if wanted is not None:
        return wanted if wanted in columns else None
    lower = {c.lower(): c for c in columns}
    return next((lower[c] for c in candidates if c in lower), None)


def read_admin_layer(
    path: Path, *, id_col: str | None = None, name_col: str | None = None
) -> gpd.GeoDataFrame:
    """Read a user's polygon layer into units with ``unit_id`` and ``name``, EPSG:4326.

    Parameters
    ----------
    path : pathlib.Path
        A local GeoJSON, GeoPackage or zipped shapefile (read as bytes; GDAL
        only sees a private temporary copy under a generated name).
    id_col, name_col : str, optional
        Columns holding the unit id and name; detected from common names
        (``unit_id``, ``shapeID``, ``ADM3_PCODE`` ...; ``name``, ``shapeName``,
        ``ADM3_FR`` ...) when not given. Without an id, ids are ``U0001``...;
        without a name, the id is the name.

    Returns
    -------
    GeoDataFrame
        Valid polygons (``make_valid``) with ``unit_id``, ``name`` and the
        layer's other columns.

    Raises
    ------
    InputFileError
        If the file is not one of the three formats, is unsafe or unreadable,
        has no CRS, a named column is missing, or a feature is not a polygon.
    """
    from geo.io.containers import read_file_bytes

    file = path.name
    raw = read_file_bytes(path)
    layer = _read_admin_raw(raw, file)
    if layer.crs is None:
        raise InputFileError(f"{file} has no CRS; save it with one (EPSG:4326 preferred).")
    layer = layer.to_crs(WGS84)
    columns = [c for c in layer.columns if c != layer.geometry.name]
    ids = _pick_column(columns, id_col, _ID_CANDIDATES)
    names = _pick_column(columns, name_col, _NAME_CANDIDATES)
    for asked, found in ((id_col, ids), (name_col, names)):
        if asked is not None and found is None:
            raise InputFileError(f"{file} has no column {asked!r}; it has {columns}.")
    out = layer.copy()
    out["unit_id"] = (
        layer[ids].astype(str) if ids else [f"U{i:04d}" for i in range(1, len(layer) + 1)]
    )
    out["name"] = layer[names].astype(str) if names else out["unit_id"]
    try:
        return prepare_units(out, what=file)
    except ParameterError as exc:
        raise InputFileError(str(exc)) from None


# --------------------------------------------------------------------------- the command


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``join`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "join",
        help="give every incident its country, region, cercle (and commune with --admin)",
        description="Assign each incident to Mali's regions and cercles (bundled "
        "geoBoundaries) or to its neighbouring country, and write one row per incident. "
        "A point on a shared border goes to the unit with the lowest id. Output format "
        f"from the suffix of --out: {', '.join(sorted(TABLE_SUFFIXES))}.",
    )
    add_input_arguments(parser)
    parser.set_defaults(func=run)


def _join_table(assigned: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    table = pd.DataFrame(
        {
            "event_id": assigned["event_id"],
            "event_date": pd.to_datetime(assigned["event_date"]),
            "event_type": assigned["event_type"],
            "category": assigned["category"],
            "fatalities": assigned["fatalities"],
            "country": assigned["country_iso3"],
            "admin1": assigned["adm1_name"],
            "admin2": assigned["adm2_name"],
            "admin3": assigned["adm3_name"],
            "region_2023": assigned["region_2023"],
            "adm1_id": assigned["adm1_id"],
            "adm2_id": assigned["adm2_id"],
            "adm3_id": assigned["adm3_id"],
            "source_country": assigned["country"],
            "source_admin1": assigned["admin1"],
            "source_admin2": assigned["admin2"],
            "location": assigned["location"],
            "precise": assigned["precise"],
            "geo_precision": assigned["geo_precision"],
            "source": assigned["source"],
            "source_file": assigned["source_file"],
            "source_row": assigned["source_row"],
            "duplicate_of": assigned["duplicate_of"]
            if "duplicate_of" in assigned
            else pd.Series("", index=assigned.index, dtype=object),
        }
    )
    return gpd.GeoDataFrame(table, geometry=assigned.geometry.values, crs=assigned.crs)


def run(args: argparse.Namespace) -> int:
    """Assign incidents to admin units and write one row per incident.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        0 on success.
    """
    out = local_path(args.out)
    if out.suffix.lower() not in TABLE_SUFFIXES:
        raise ParameterError(
            f"--out {out.name!r}: tables are written as {sorted(TABLE_SUFFIXES)}; "
            "choose one of those suffixes."
        )
    inputs = load_inputs(args)
    rows = inputs.incidents
    if inputs.duplicates is not None:
        # Every row is written; the copies say which counted event they duplicate.
        counted = inputs.incidents.assign(duplicate_of="")
        rows = gpd.GeoDataFrame(
            pd.concat([counted, inputs.duplicates], ignore_index=True), crs=counted.crs
        )
    assigned = inputs.assign(rows)
    path = write_table_atomic(_join_table(assigned), out, layer="incidents")
    info = assigned.attrs["assignment"]
    outside = ", ".join(f"{k} {v}" for k, v in sorted(info["outside_mali_by_country"].items()))
    print(
        f"join: {len(assigned):,} incidents from {inputs.source}, window {inputs.window_text()}"
        f" ({inputs.n_read:,} read, {inputs.n_rejected:,} rows rejected by the reader)"
    )
    print(
        f"  in Mali: {info['in_mali']:,} (region {info['adm1_assigned']:,}, cercle "
        f"{info['adm2_assigned']:,}"
        + (
            f", {args.admin and Path(args.admin).name} {info['adm3_assigned']:,}"
            if args.admin
            else ""
        )
        + f"); in no Malian unit, by country: {outside or 'none'}; in no country: "
        f"{info['no_country']:,}"
    )
    print(f"  border points: {info['tie_break']}")
    if inputs.duplicates is not None:
        print(
            f"  {len(inputs.duplicates):,} rows are copies of an event of another source "
            "(duplicate_of names the copy counted)"
        )
    if info["overlapping_units"]:
        first = info["overlapping_units"][0]
        print(
            f"  warning: {len(info['overlapping_units'])} pair(s) of units overlap (e.g. "
            f"{first[0]} and {first[1]}, {first[2]:g} km²); points in an overlap go to the "
            "lower id: check the boundary layer."
        )
    print(f"  wrote {path}")
    return 0
