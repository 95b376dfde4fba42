"""Options and reads the analysis commands share: the incident file, read whole, and the window.

Commands that compute figures read every incident (all dates), then hand the
window to :mod:`geo.pipeline` as :class:`geo.pipeline.Filters`, so the window
before it (``prev_*``) and the surge baseline are counted as the app counts them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from geo.commands.validate import local_path
from geo.errors import InputFileError, ParameterError

__all__ = ["analysis_window", "read_incidents"]


def read_incidents(path_text: str | None) -> object:
    """Read ``--incidents FILE`` (sandboxed) or the bundled incidents, all dates.

    Parameters
    ----------
    path_text : str or None
        What the user typed after ``--incidents``; None for the bundled data.

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
    from geo.io.ingest import ingest_file

    if path_text:
        path = local_path(path_text)
        # size and archive checks, then a sandboxed parse (geo.io.ingest; SECURITY.md 1.4-1.6)
        result = ingest_file(path)
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
