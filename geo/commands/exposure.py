"""``python -m geo exposure``: incident exposure of each corridor segment, or the route summary.

Also home of the input and output helpers that ``routes`` and ``sites`` share:
``--incidents``/``--routes`` files are read as bytes (never handed to GDAL by
name; incident files are parsed in :mod:`geo.io.ingest`'s sandboxed worker),
``--from``/``--to``/``--as-of`` are checked dates, and ``--out`` is written
atomically (a temporary file in the same folder, then ``os.replace``) in the
format its suffix names.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.checks import DISTANCE_DECAYS, IMPRECISE_MODES, check_positive, parse_date
from geo.commands._options import analysis_window, read_incidents
from geo.commands.join import add_log_argument, with_log
from geo.commands.validate import local_path
from geo.crs import WGS84
from geo.errors import ExportError, InputFileError, ParameterError
from geo.export.atomic import write_bytes_atomic
from geo.export.tabular import write_table_atomic
from geo.io.bundled import load_routes as load_bundled_routes
from geo.io.incidents import load_bundled_incidents
from geo.io.ingest import ingest_file
from geo.io.routes import read_routes
from geo.pipeline import (
    Context,
    Filters,
    Params,
    Selection,
    load_context,
    prepare_incidents,
    route_exposure,
    select_incidents,
)
from geo.route_report import format_route_report
from geo.schema import SOURCE_LABELS
from geo.settings import DEFAULTS

__all__ = [
    "SEGMENT_COLUMNS",
    "add_imprecise_argument",
    "add_incident_arguments",
    "add_routes_argument",
    "load_incidents",
    "load_routes",
    "output_path",
    "pipeline_inputs",
    "record_lines",
    "register",
    "run",
    "write_frame",
]

#: Columns of the per-segment output, in order (geometry added for GPKG/GeoJSON).
SEGMENT_COLUMNS: list[str] = [
    "route_id",
    "route",
    "segment",
    "km_from",
    "km_to",
    "nearest_town",
    "nearest_town_km",
    "n_incidents",
    "exposure",
    "exposure_per_km",
    "exposure_class",
    "as_of",
    "imprecise",
]

_FRAME_SUFFIXES = (".csv", ".gpkg", ".geojson")


# --------------------------------------------------------------------------- shared helpers


def add_incident_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--incidents``, ``--from``, ``--to``, ``--as-of`` and ``--imprecise``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    parser.add_argument(
        "--incidents",
        metavar="FILE",
        help="incident file (ACLED/UCDP CSV, news log, GeoJSON, GeoPackage, zipped "
        "shapefile); the bundled UCDP extracts and news log by default",
    )
    add_log_argument(parser)
    parser.add_argument(
        "--from", dest="date_from", metavar="DATE", help="first day kept (YYYY-MM-DD)"
    )
    parser.add_argument("--to", dest="date_to", metavar="DATE", help="last day kept (YYYY-MM-DD)")
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="analysis date (YYYY-MM-DD): ages and windows count back from it; "
        "default --to, else the newest incident",
    )
    add_imprecise_argument(parser)


def add_imprecise_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--imprecise spread|drop`` (route and site exposure; METHODS.md §2).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    parser.add_argument(
        "--imprecise",
        choices=list(IMPRECISE_MODES),
        default=DEFAULTS.imprecise,
        help="events located only near a town, to a cercle or between two towns: spread "
        "them over that area or road (default) or drop them from route and site exposure",
    )


def add_routes_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--routes FILE`` (a GeoPackage or GeoJSON line layer with ``route_id``).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    parser.add_argument(
        "--routes",
        metavar="FILE",
        help="your own routes: GeoPackage or GeoJSON line layer with a route_id column, "
        "each line drawn from its origin; the bundled corridors by default",
    )


def load_incidents(args: argparse.Namespace) -> tuple[gpd.GeoDataFrame, str]:
    """Read the incidents the command works on and apply ``--from``/``--to``.

    Parameters
    ----------
    args : argparse.Namespace
        ``incidents``, ``date_from``, ``date_to``.

    Returns
    -------
    incidents : GeoDataFrame
        Canonical incidents (EPSG:4326) dated within the window.
    note : str
        One line saying what was read and what the window kept.

    Raises
    ------
    InputFileError
        If the file cannot be read or has no usable row.
    ParameterError
        If a date is not YYYY-MM-DD or ``--from`` is after ``--to``.
    """
    start = parse_date(args.date_from, what="--from")
    end = parse_date(args.date_to, what="--to")
    if start is not None and end is not None and start > end:
        raise ParameterError(
            f"--from {start.date()} is after --to {end.date()}; swap them or widen the window."
        )
    if args.incidents:
        path = local_path(args.incidents)
        # size and archive checks, then a sandboxed parse (geo.io.ingest; SECURITY.md 1.4-1.6)
        result = ingest_file(path)
    else:
        result = load_bundled_incidents()
    read_notes = len(result.report.notes)
    result, _ = with_log(result, args.log)
    report = result.report
    if not report.usable:
        raise InputFileError(
            f"{report.file}: no usable incident rows ({report.rows_in} read, "
            f"{report.n_rejected} rejected); run `python -m geo validate FILE` for the reasons."
        )
    incidents = result.incidents
    dates = incidents["event_date"]
    keep = pd.Series(True, index=incidents.index)
    if start is not None:
        keep &= dates >= start
    if end is not None:
        keep &= dates <= end
    dropped = int((~keep).sum())
    note = f"Incidents: {report.summary()}"
    if start is not None or end is not None:
        note += (
            f"; --from/--to kept {int(keep.sum()):,} incidents dated "
            f"{start.date() if start is not None else 'any'} to "
            f"{end.date() if end is not None else 'any'} and set aside {dropped:,}"
        )
    return incidents.loc[keep].copy(), " ".join([note + ".", *report.notes[read_notes:]])


def load_routes(args: argparse.Namespace) -> gpd.GeoDataFrame:
    """Return ``--routes FILE`` validated, or the bundled corridors.

    Parameters
    ----------
    args : argparse.Namespace
        ``routes`` (a path or None).

    Returns
    -------
    GeoDataFrame
        EPSG:4326 route lines with ``route_id``.

    Raises
    ------
    InputFileError
        If the path is a URL or not a readable GeoPackage/GeoJSON route layer.
    """
    if args.routes:
        path = local_path(args.routes)
        return read_routes(path)
    return load_bundled_routes()


def output_path(text: str, *, allowed: tuple[str, ...]) -> Path:
    """Check ``--out``: a local path whose suffix is one of ``allowed``.

    Parameters
    ----------
    text : str
        What the user typed.
    allowed : tuple of str
        Suffixes accepted, e.g. ``(".csv", ".gpkg")``.

    Returns
    -------
    pathlib.Path
        The output path.

    Raises
    ------
    InputFileError
        If ``text`` is a URL or GDAL prefix.
    ParameterError
        If the suffix is not allowed.
    ExportError
        If the folder does not exist (checked before any work is done).
    """
    path = local_path(text)
    if path.suffix.lower() not in allowed:
        raise ParameterError(
            f"--out {path.name!r}: suffix {path.suffix!r} is not one of {list(allowed)}; "
            "the suffix chooses the format."
        )
    folder = path.expanduser().absolute().parent
    if not folder.is_dir():
        raise ExportError(
            f"--out {path.name!r}: folder {str(folder)!r} does not exist; create it or "
            "choose another output path."
        )
    return path


def write_frame(frame: pd.DataFrame, path: Path, *, layer: str) -> Path:
    """Write a table atomically: CSV without geometry, GPKG/GeoJSON with EPSG:4326 geometry.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        The table (not modified).
    path : pathlib.Path
        Destination; the suffix chooses the format.
    layer : str
        GeoPackage layer name.

    Returns
    -------
    pathlib.Path
        The absolute path written.

    Raises
    ------
    ExportError
        If the file cannot be written (nothing partial is left).
    """
    if path.suffix.lower() == ".csv":
        table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    elif isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        table = frame.to_crs(WGS84)
    else:
        table = frame
    return write_table_atomic(table, path, layer=layer)


def record_lines(record: dict) -> list[str]:
    """Return the lines every output prints: date, window, sources, what was left out.

    Parameters
    ----------
    record : dict
        An exposure result's ``attrs`` (:func:`geo.exposure.analysis_record`).

    Returns
    -------
    list of str
        Four lines (the last says how many imprecise events were spread).
    """
    sources = "; ".join(SOURCE_LABELS.get(s, s) for s in record.get("sources", [])) or "none"
    return [
        f"As of {record.get('as_of') or 'n/a'}; window: incidents dated "
        f"{record.get('window', 'n/a')}.",
        f"Sources: {sources}. Incidents used: {record.get('n_used', 0):,}.",
        record.get("left_out", ""),
        record.get("spread", ""),
    ]


def pipeline_inputs(
    args: argparse.Namespace,
    *,
    routes: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    **params: object,
) -> tuple[Selection, Filters, Params, Context, str]:
    """Read every incident and build the app's Filters, Params and Context for the options.

    Parameters
    ----------
    args : argparse.Namespace
        ``incidents``, ``date_from``, ``date_to``, ``as_of``, ``imprecise``
        (and ``log`` when the command has it).
    routes : GeoDataFrame, optional
        Routes to score instead of the bundled corridors (``--routes``, ``--route``).
    sites : GeoDataFrame, optional
        Sites to score instead of the bundled ones (``--sites``).
    **params
        Further :class:`geo.pipeline.Params` fields (``buffer_km`` ...).

    Returns
    -------
    selection, filters, params, context, note
        What :mod:`geo.pipeline` computes from (the window on every incident
        read, as the app), and one line saying what was read and the window.

    Raises
    ------
    InputFileError
        If the file cannot be read or has no usable row.
    ParameterError
        If a date is not YYYY-MM-DD or ``--from`` is after ``--to``.
    """
    start = parse_date(args.date_from, what="--from")
    end = parse_date(args.date_to, what="--to")
    as_of = parse_date(args.as_of, what="--as-of")
    read = with_log(read_incidents(args.incidents), getattr(args, "log", None))[0]
    context = load_context()
    if routes is not None:
        context = replace(context, routes=routes)
    if sites is not None:
        context = replace(context, sites=sites)
    assigned = prepare_incidents(read.incidents, context)
    first, last = analysis_window(
        None if start is None else start.date(),
        None if end is None else end.date(),
        assigned["event_date"],
    )
    filters = Filters(start=first, end=last, imprecise=args.imprecise)
    chosen = Params(as_of=as_of.date() if as_of is not None else last, **params)
    selection = select_incidents(assigned, filters, chosen)
    kept = len(selection.window)
    aside = int((selection.chosen & ~selection.in_window).sum())
    window = "--from/--to" if start is not None or end is not None else "the data's range"
    note = (
        f"Incidents: {read.report.summary()}; {window} kept {kept:,} incidents dated {first} "
        f"to {last} and set aside {aside:,}; analysis date {chosen.as_of}."
    )
    return selection, filters, chosen, context, note


# --------------------------------------------------------------------------- command


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``exposure`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "exposure",
        help="incident exposure of each corridor segment, or the route summary",
        description="Cut the corridors into segments and score each by the incidents within "
        "--buffer-km, weighted by type, distance and age (half-life). Writes one row per "
        "segment (--out .gpkg/.geojson with geometry, .csv without), or with --summary "
        "prints the route summary, worst stretches, alternatives and the change over the "
        "last 30 days (--out .csv/.json to save it). Scores are incident exposure over the "
        "stated window and sources, not a safety rating.",
    )
    parser.add_argument(
        "--route",
        default="all",
        metavar="NAME|all",
        help="route_id to analyse, several separated by commas, or all (default)",
    )
    parser.add_argument("--buffer-km", type=float, default=DEFAULTS.buffer_km, metavar="KM")
    parser.add_argument(
        "--half-life-days", type=float, default=DEFAULTS.half_life_days, metavar="DAYS"
    )
    parser.add_argument("--segment-km", type=float, default=DEFAULTS.segment_km, metavar="KM")
    parser.add_argument(
        "--distance-decay",
        default=DEFAULTS.distance_decay,
        choices=list(DISTANCE_DECAYS),
        help="weight over distance from the road (default linear)",
    )
    parser.add_argument(
        "--summary", action="store_true", help="print the route summary and comparison"
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="per segment: .gpkg, .geojson or .csv; with --summary: .csv or .json",
    )
    add_incident_arguments(parser)
    add_routes_argument(parser)
    parser.set_defaults(func=run)


def _select_routes(routes: gpd.GeoDataFrame, wanted: str) -> gpd.GeoDataFrame:
    if wanted.strip().lower() == "all":
        return routes
    ids = [w.strip() for w in wanted.split(",") if w.strip()]
    known = [str(r) for r in routes["route_id"]]
    unknown = [w for w in ids if w not in known]
    if unknown or not ids:
        raise ParameterError(
            f"--route {wanted!r}: unknown route(s) {unknown or [wanted]}; "
            f"choose from {known} or all."
        )
    return routes[routes["route_id"].astype(str).isin(ids)]


def run(args: argparse.Namespace) -> int:
    """Compute route exposure and write or print it.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options of :func:`register`.

    Returns
    -------
    int
        0 on success.

    Raises
    ------
    RiskMapError
        For bad dates, paths, options or files (one line, exit 2).
    """
    if not args.summary and not args.out:
        raise ParameterError(
            "exposure needs --out FILE (.gpkg, .geojson or .csv) or --summary; "
            "e.g. python -m geo exposure --out segments.gpkg"
        )
    allowed = (".csv", ".json") if args.summary else _FRAME_SUFFIXES
    out = output_path(args.out, allowed=allowed) if args.out else None
    check_positive("--buffer-km", args.buffer_km)
    check_positive("--half-life-days", args.half_life_days)
    check_positive("--segment-km", args.segment_km, minimum=0.05)
    routes = _select_routes(load_routes(args), args.route)
    selection, filters, params, context, note = pipeline_inputs(
        args,
        routes=routes,
        buffer_km=args.buffer_km,
        half_life_days=args.half_life_days,
        segment_km=args.segment_km,
        distance_decay=args.distance_decay,
    )
    report = route_exposure(selection, filters, params, context=context)
    if args.summary:
        print(note)
        print(format_route_report(report), end="")
        if out is not None:
            if out.suffix.lower() == ".json":
                data = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
                written = write_bytes_atomic(data.encode("utf-8"), out)
            else:
                written = write_frame(report.to_frame(), out, layer="route_summary")
            print(f"Wrote the summary of {len(report.summary)} routes to {written.name}.")
        return 0

    result = report.exposure
    labels = routes.set_index(routes["route_id"].astype(str))
    table = result.assign(
        route=result["route_id"].map(labels["label"] if "label" in labels else labels["route_id"]),
        as_of=result.attrs.get("as_of"),
        imprecise=result.attrs.get("imprecise"),
    )
    table = gpd.GeoDataFrame(table[SEGMENT_COLUMNS + ["geometry"]], crs=result.crs)
    written = write_frame(table, out, layer="segment_exposure")
    print(note)
    print("\n".join(line for line in record_lines(result.attrs) if line))
    print(
        f"Wrote {len(table):,} segments of {len(routes)} route(s) to {written.name} "
        f"(buffer {args.buffer_km:g} km, half-life {args.half_life_days:g} days, "
        f"{args.distance_decay} decay)."
    )
    return 0
