"""Options and readers the commands share (as rasterio's rio/options.py): inputs, window, outputs.

Commands that compute figures read every incident (all dates), then hand the
window to :mod:`geo.pipeline` as :class:`geo.pipeline.Filters`, so the window
before it (``prev_*``) and the surge baseline are counted as the app counts them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.admin import assign_admin
from geo.checks import IMPRECISE_MODES, parse_date
from geo.commands.validate import local_path
from geo.crs import WGS84
from geo.errors import ExportError, InputFileError, ParameterError
from geo.export.tabular import write_table_atomic
from geo.i18n import Translator, gettext_noop, translator
from geo.io.boundaries import read_boundaries
from geo.io.bundled import load_routes as load_bundled_routes
from geo.io.incidents import load_bundled_incidents
from geo.io.ingest import ingest_file, terminal_progress
from geo.io.routes import read_routes
from geo.pipeline import (
    Context,
    Filters,
    Params,
    Selection,
    load_context,
    prepare_incidents,
    select_incidents,
)
from geo.provenance import format_day
from geo.schema import CATEGORIES, SOURCE_LABELS
from geo.settings import DEFAULTS
from geo.validate import translate_message

#: The default language of the lines printed here (commands pass ``tr`` for another).
_EN: Translator = translator()
#: How the inputs of a command are named (joined with :data:`SOURCE_JOIN`).
BUNDLED_SOURCE_WORDS: tuple[str, ...] = (
    gettext_noop("bundled UCDP GED 21.1 extracts"),
    gettext_noop("news log"),
)
LOG_SOURCE_WORDS: str = gettext_noop("the incident log")
SOURCE_JOIN = " + "


def source_text(source: str, *, tr: Translator = _EN) -> str:
    """Return the inputs' name (``Inputs.source``) in the language of ``tr``; file names stay."""
    return SOURCE_JOIN.join(tr.gettext(part) for part in source.split(SOURCE_JOIN))


__all__ = [
    "add_imprecise_argument",
    "add_incident_arguments",
    "add_incidents_argument",
    "add_input_arguments",
    "add_log_argument",
    "add_routes_argument",
    "analysis_window",
    "FRAME_SUFFIXES",
    "Inputs",
    "load_incidents",
    "load_inputs",
    "load_routes",
    "output_path",
    "parse_day",
    "pipeline_inputs",
    "read_incidents",
    "record_lines",
    "with_log",
    "write_frame",
]


def read_incidents(path_text: str | None, *, lang: str = "en") -> object:
    """Read ``--incidents FILE`` (sandboxed) or the bundled incidents, all dates.

    Parameters
    ----------
    path_text : str or None
        What the user typed after ``--incidents``; None for the bundled data.
    lang : str
        The language of the progress line on a terminal (``--lang``).

    Returns
    -------
    IngestResult
        ``incidents`` (canonical, EPSG:4326) and ``report``.

    Raises
    ------
    InputFileError
        If the file is missing, unreadable or has no usable row.
    """
    from geo.io.incidents import load_bundled_incidents
    from geo.io.ingest import ingest_file, terminal_progress

    if path_text:
        path = local_path(path_text)
        # size and archive checks, then a sandboxed parse (geo.io.ingest; SECURITY.md 1.4-1.6)
        result = ingest_file(path, progress=terminal_progress(path.name, tr=translator(lang)))
    else:
        result = load_bundled_incidents()
    if not result.report.usable:
        raise InputFileError(
            f"{result.report.file}: no usable incident row ({result.report.summary()}); "
            "run `python -m geo validate FILE` for the reasons."
        )
    return result


def analysis_window(
    start: dt.date | None, end: dt.date | None, dates: pd.Series
) -> tuple[dt.date, dt.date]:
    """Return the window asked for, open ends closed by the data's first and last dates.

    Parameters
    ----------
    start, end : datetime.date or None
        ``--from`` and ``--to``.
    dates : Series
        The incidents' ``event_date``.

    Returns
    -------
    tuple of datetime.date
        First and last day, both included.

    Raises
    ------
    ParameterError
        If ``--from`` is after ``--to`` or no event is dated.
    """
    parsed = pd.to_datetime(dates)
    if start is None or end is None:
        if not parsed.notna().any():
            raise ParameterError("no incident is dated; give --from and --to (YYYY-MM-DD).")
        start = start or parsed.min().date()
        end = end or parsed.max().date()
    if start > end:
        raise ParameterError(f"--from {start} is after --to {end}; swap them or fix one.")
    return start, end


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
    add_incidents_argument(parser)
    parser.add_argument(
        "--admin",
        metavar="FILE",
        help=gettext_noop(
            "your own boundaries (GeoJSON, GeoPackage or zipped shapefile of polygons), "
            "used as the finest level (admin3, e.g. communes)"
        ),
    )
    parser.add_argument(
        "--admin-id-col", metavar="COLUMN", help=gettext_noop("unit id column of --admin")
    )
    parser.add_argument(
        "--admin-name-col", metavar="COLUMN", help=gettext_noop("unit name column of --admin")
    )
    parser.add_argument(
        "--from",
        dest="start",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help=gettext_noop("first day (included)"),
    )
    parser.add_argument(
        "--to",
        dest="end",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help=gettext_noop("last day (included)"),
    )
    parser.add_argument(
        "--event-type",
        dest="event_types",
        action="append",
        choices=CATEGORIES,
        metavar="CATEGORY",
        help=gettext_noop("keep only this category (repeatable): %(choices)s"),
    )
    add_log_argument(parser)
    parser.add_argument("--out", required=True, metavar="FILE", help=gettext_noop("output file"))


def add_incidents_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--incidents FILE``, the one way a command is given an incident file.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    parser.add_argument(
        "--incidents",
        metavar="FILE",
        help=gettext_noop(
            "incident file (ACLED/UCDP CSV export, news log, CSV, GeoJSON, GeoPackage, "
            "GeoParquet, zipped shapefile); the bundled UCDP extracts and news log by default"
        ),
    )


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
        help=gettext_noop(
            "also count the team's incident log (a GeoPackage file or a postgresql:// URL); "
            "events it shares with the other data are counted once (geo.matching)"
        ),
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

    def window_text(self, *, tr: Translator = _EN) -> str:
        """Return the window as ``first..last`` (the data's own range when open)."""
        dates = pd.to_datetime(self.incidents["event_date"])
        first = self.start or (dates.min().date() if dates.notna().any() else None)
        last = self.end or (dates.max().date() if dates.notna().any() else None)
        return "..".join(format_day(d, tr=tr) if d else "-" for d in (first, last))


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
    from geo.io.ingest import ingest_file, terminal_progress
    from geo.pipeline import load_context

    if args.start and args.end and args.start > args.end:
        raise ParameterError(f"--from {args.start} is after --to {args.end}; swap them or fix one.")
    if args.incidents:
        path = local_path(args.incidents)
        # Parsed in geo.io.ingest's limited, network-less child process (SECURITY 1.4-1.6).
        result = ingest_file(
            path, progress=terminal_progress(path.name, tr=translator(getattr(args, "lang", "en")))
        )
        source = path.name
    else:
        result = load_bundled_incidents()
        source = SOURCE_JOIN.join(BUNDLED_SOURCE_WORDS)
    result, duplicates = with_log(result, getattr(args, "log", None))
    if duplicates is not None:
        source += SOURCE_JOIN + LOG_SOURCE_WORDS
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


FRAME_SUFFIXES = (".csv", ".gpkg", ".geojson")


def add_incident_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--incidents``, ``--from``, ``--to``, ``--as-of`` and ``--imprecise``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    add_incidents_argument(parser)
    add_log_argument(parser)
    parser.add_argument(
        "--from", dest="date_from", metavar="DATE", help=gettext_noop("first day kept (YYYY-MM-DD)")
    )
    parser.add_argument(
        "--to", dest="date_to", metavar="DATE", help=gettext_noop("last day kept (YYYY-MM-DD)")
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help=gettext_noop(
            "analysis date (YYYY-MM-DD): ages and windows count back from it; "
            "default --to, else the newest incident"
        ),
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
        help=gettext_noop(
            "events located only near a town, to a cercle or between two towns: spread "
            "them over that area or road (default) or drop them from route and site exposure"
        ),
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
        help=gettext_noop(
            "your own routes: GeoPackage or GeoJSON line layer with a route_id column, "
            "each line drawn from its origin; the bundled corridors by default"
        ),
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
        result = ingest_file(
            path, progress=terminal_progress(path.name, tr=translator(getattr(args, "lang", "en")))
        )
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
    tr = translator(getattr(args, "lang", None) or "en")
    note = tr.gettext("Incidents: {summary}").format(summary=report.summary(tr=tr))
    if start is not None or end is not None:
        note += tr.gettext(
            "; --from/--to kept {kept} incidents dated {first} to {last} and set aside {aside}"
        ).format(
            kept=tr.number(int(keep.sum())),
            first=format_day(start, tr=tr) if start is not None else tr.gettext("any day"),
            last=format_day(end, tr=tr) if end is not None else tr.gettext("any day"),
            aside=tr.number(dropped),
        )
    later = [translate_message(n, tr=tr) for n in report.notes[read_notes:]]
    return incidents.loc[keep].copy(), " ".join([note + ".", *later])


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


def record_lines(record: dict, *, tr: Translator = _EN) -> list[str]:
    """Return the lines every output prints: date, window, sources, what was left out.

    Parameters
    ----------
    record : dict
        An exposure result's ``attrs`` (:func:`geo.exposure.analysis_record`).
    tr : Translator
        The language of the lines (English by default).

    Returns
    -------
    list of str
        Four lines (the last says how many imprecise events were spread).
    """
    from geo.exposure import left_out_text, spread_sentence, window_text

    sources = tr.join(
        tr.gettext(SOURCE_LABELS.get(s, s)) for s in record.get("sources", [])
    ) or tr.gettext("none")
    as_of = record.get("as_of")
    return [
        tr.gettext("As of {as_of}; window: incidents dated {window}.").format(
            as_of=format_day(as_of, tr=tr) if as_of else "n/a", window=window_text(record, tr=tr)
        ),
        tr.gettext("Sources: {sources}. Incidents used: {n}.").format(
            sources=sources, n=tr.number(record.get("n_used", 0))
        ),
        left_out_text(record, tr=tr),
        spread_sentence(record, tr=tr) if "imprecise" in record else "",
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
    read = with_log(
        read_incidents(args.incidents, lang=getattr(args, "lang", "en")),
        getattr(args, "log", None),
    )[0]
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
    tr = translator(getattr(args, "lang", None) or "en")
    window = (
        "--from/--to" if start is not None or end is not None else tr.gettext("the data's range")
    )
    note = tr.gettext(
        "Incidents: {summary}; {window} kept {kept} incidents dated {first} to {last} and set "
        "aside {aside}; analysis date {as_of}."
    ).format(
        summary=read.report.summary(tr=tr),
        window=window,
        kept=tr.number(kept),
        first=format_day(first, tr=tr),
        last=format_day(last, tr=tr),
        aside=tr.number(aside),
        as_of=format_day(chosen.as_of, tr=tr),
    )
    return selection, filters, chosen, context, note
