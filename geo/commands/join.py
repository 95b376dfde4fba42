"""``python -m geo join``: every incident with the country, region, cercle and commune it falls in.

Also home of the input options shared by the analysis commands (``join`` and
``hotspots``): where incidents and boundaries come from, the window and the
category filter, and a safe reader for a user's own boundary layer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.admin import assign_admin
from geo.commands.validate import local_path
from geo.errors import ParameterError
from geo.export.tabular import TABLE_SUFFIXES, write_table_atomic
from geo.io.boundaries import read_boundaries
from geo.schema import CATEGORIES

__all__ = [
    "Inputs",
    "JOIN_COLUMNS",
    "add_input_arguments",
    "add_log_argument",
    "load_inputs",
    "parse_day",
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
    from geo.io.incidents import load_bundled_incidents
    from geo.io.ingest import ingest_file
    from geo.pipeline import load_context

    if args.start and args.end and args.start > args.end:
        raise ParameterError(f"--from {args.start} is after --to {args.end}; swap them or fix one.")
    if args.incidents:
        path = local_path(args.incidents)
        # Parsed in geo.io.ingest's limited, network-less child process (SECURITY 1.4-1.6).
        result = ingest_file(path)
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
        admin3 = read_boundaries(
            local_path(args.admin), id_col=args.admin_id_col, name_col=args.admin_name_col
        )
    context = load_context()  # the app's prepared layers: the same assignment as the app
    return Inputs(
        incidents=incidents.loc[keep].reset_index(drop=True),
        source=source,
        n_read=n_read,
        n_rejected=int(result.report.n_rejected),
        start=args.start,
        end=args.end,
        admin1=context.admin1,
        admin2=context.admin2,
        countries=context.countries,
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
