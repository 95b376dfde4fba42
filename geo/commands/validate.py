"""``python -m geo validate FILE``: print what reading an incident file kept and rejected.

The file is read as bytes here and parsed by :func:`geo.io.ingest.ingest_upload`
(size and zip checks, then a child process with memory, CPU and time limits and
no network), exactly as the app reads an upload. Exit status: 0 when usable
rows remain, 2 when the file is unreadable or no usable row is left (the
reason on one line on standard error).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from geo.errors import InputFileError
from geo.i18n import gettext_noop, translator
from geo.io.containers import LOCAL_FILE_LIMITS, read_file_bytes
from geo.io.incidents import FORMATS
from geo.io.ingest import ingest_upload, terminal_progress

__all__ = ["register", "run", "local_path"]

# URL schemes, GDAL virtual file systems and GDAL/OGR connection prefixes
# (PG:, WFS:, CSV:, GPKG:, ...): a user-typed path must be a plain local file.
_REMOTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://|/vsi|\\\\|//|[A-Za-z][A-Za-z0-9_]+:)")


def local_path(text: str) -> Path:
    r"""Return ``text`` as a local path, refusing URLs and GDAL prefixes.

    Parameters
    ----------
    text : str
        What the user typed.

    Returns
    -------
    pathlib.Path
        The path (not yet opened).

    Raises
    ------
    InputFileError
        For ``http://``, ``/vsicurl/``, ``PG:``, UNC paths (``\\server``) and
        anything else that is not a plain local file name.

    Examples
    --------
    >>> local_path("incidents.csv").name
    'incidents.csv'
    >>> local_path("/vsicurl/http://example.org/x.csv")
    Traceback (most recent call last):
    ...
    geo.errors.InputFileError: '/vsicurl/http://example.org/x.csv' is not a local file ...
    """
    if not text or _REMOTE.match(text):
        raise InputFileError(
            f"{text[:80]!r} is not a local file path; URLs, GDAL prefixes (/vsi..., PG:, "
            "CSV:) and network shares are refused. Download the file and give its path "
            "(write ./NAME for a local name containing ':')."
        )
    return Path(text)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "validate",
        help=gettext_noop("check an incident file: rows kept, repaired and rejected, with reasons"),
        description=gettext_noop(
            "Read an incident file (ACLED or UCDP CSV export, the news log, a CSV "
            "with latitude/longitude, GeoJSON, GeoPackage or a zipped shapefile) and print the "
            "validation report: counts first, then one line per problem naming the row."
        ),
    )
    parser.add_argument("file", metavar="FILE", help=gettext_noop("a file on this machine"))
    parser.add_argument(
        "--json", action="store_true", help=gettext_noop("print the report as JSON")
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=FORMATS,
        help=gettext_noop("force a format instead of detecting it"),
    )
    parser.add_argument(
        "--layer",
        help=gettext_noop("GeoPackage layer or shapefile (stem) in a zip, when there are several"),
    )
    parser.add_argument(
        "--max-issues",
        type=int,
        default=None,
        metavar="N",
        help=gettext_noop("print at most N problem lines (all by default)"),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate ``args.file`` and print the report.

    Parameters
    ----------
    args : argparse.Namespace
        ``file``, ``json``, ``fmt``, ``layer``, ``max_issues``.

    Returns
    -------
    int
        0 when usable rows remain, 2 when none is left.

    Raises
    ------
    InputFileError
        When the file cannot be read (printed as one line by the CLI, exit 2).
    """
    path = local_path(args.file)
    # Parsed in geo.io.ingest's sandboxed child process (limits, no network), like uploads.
    raw = read_file_bytes(path, limits=LOCAL_FILE_LIMITS)
    result = ingest_upload(
        raw,
        name=path.name,
        fmt=args.fmt,
        layer=args.layer,
        limits=LOCAL_FILE_LIMITS,
        progress=terminal_progress(path.name, tr=translator(args.lang)),
    )
    report = result.report
    tr = translator(args.lang)
    if args.json:  # machine keys and the stored (English) reasons: stable for scripts
        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    else:
        text = "\n".join(report.to_lines(max_issues=args.max_issues, tr=tr))
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `... | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if not report.usable:
        print(
            tr.gettext(
                "error: {file}: no usable rows ({read} read, {rejected} rejected); see the "
                "lines above."
            ).format(file=report.file, read=report.rows_in, rejected=report.n_rejected),
            file=sys.stderr,
        )
        return 2
    return 0
