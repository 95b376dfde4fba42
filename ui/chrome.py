"""Shared page chrome: the provenance line under every result, the footer, user-facing errors.

Text that comes from data (file names, places, actors, reader messages that
quote cells) is only ever shown with ``st.text``, ``st.code`` or
``st.dataframe``: ``st.markdown`` would render a markdown image in a note as a
request to its URL (SECURITY.md 1.3). Fixed wording of our own may use markdown.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

import streamlit as st

from geo.i18n import Translator
from geo.io.bundled import attribution_line
from geo.pipeline import Analysis
from geo.provenance import left_out_sentence
from geo.schema import SOURCE_LABELS
from ui.display import ENGLISH
from ui.lang import tr

__all__ = [
    "window_text",
    "provenance_text",
    "provenance",
    "change_metric",
    "footer",
    "show_user_error",
    "show_user_info",
    "show_bug",
]

log = logging.getLogger(__name__)


def window_text(start: dt.date, end: dt.date, *, tr: Translator = ENGLISH) -> str:
    """Name the analysis window under the page title: both ends and its length in days.

    Parameters
    ----------
    start, end : datetime.date
        The window (both ends included).
    tr : geo.i18n.Translator
        The language of the dates and the count.

    Returns
    -------
    str
        E.g. ``Window: Jun 4, 2025 – Nov 30, 2025 (180 days)``.

    Examples
    --------
    >>> from geo.i18n import translator
    >>> window_text(dt.date(2025, 6, 4), dt.date(2025, 11, 30), tr=translator("fr"))
    'Fenêtre : 4 juin 2025 – 30 nov. 2025 (180 jours)'
    >>> window_text(dt.date(2025, 11, 30), dt.date(2025, 11, 30))
    'Window: Nov 30, 2025 – Nov 30, 2025 (1 day)'
    """
    days = (end - start).days + 1
    return tr.gettext("Window: {period} ({days})").format(
        period=tr.period(start, end),
        days=tr.ngettext("{n} day", "{n} days", days).format(n=tr.number(days)),
    )


def provenance_text(
    *,
    start: object,
    end: object,
    sources: list[str],
    n_events: int,
    left_out: Mapping[str, int],
    as_of: object | None = None,
    tr: Translator = ENGLISH,
) -> str:
    """Say which window and sources a result covers, and what it left out.

    Parameters
    ----------
    start, end : datetime.date
        The analysis window (inclusive).
    sources : list of str
        Source labels (``geo.schema.SOURCE_LABELS`` values) of the result.
    n_events : int
        Events in the window after filters.
    left_out : Mapping
        Reason -> number of events left out of this result.
    as_of : datetime.date, optional
        Analysis date for exposure ages.
    tr : geo.i18n.Translator
        The language of the sentence, its numbers and dates.

    Returns
    -------
    str
        One or two plain-text sentences.

    Examples
    --------
    >>> from datetime import date
    >>> provenance_text(start=date(2025, 6, 4), end=date(2025, 11, 30),
    ...                 sources=["News-compiled logs 2021-2026 (cited reports)"],
    ...                 n_events=12, left_out={"outside the window": 3})
    ... # doctest: +NORMALIZE_WHITESPACE
    'Window Jun 4, 2025 to Nov 30, 2025 · sources: News-compiled logs 2021-2026 (cited
    reports) · 12 events. Left out: 3 outside the window.'
    """
    # Only our own labels: this text is shown with st.caption, which renders markdown.
    known = set(SOURCE_LABELS.values())
    other = tr.gettext("other source")
    names = ", ".join(tr.gettext(s) if s in known else other for s in sources)
    text = tr.gettext("Window {start} to {end} · sources: {sources}").format(
        start=_date(start, tr), end=_date(end, tr), sources=names or tr.gettext("none")
    )
    text += " · " + tr.ngettext("{n} event", "{n} events", n_events).format(n=tr.number(n_events))
    if as_of is not None and str(as_of) != str(end):
        text += " · " + tr.gettext("exposure ages counted from {date}").format(
            date=_date(as_of, tr)
        )
    return f"{text}. {left_out_sentence(left_out, tr=tr)}"


def _date(value: object, tr: Translator) -> str:
    """Write a date in the translator's language (a text that is not a date is kept as it is)."""
    if isinstance(value, dt.date):
        return tr.date(value)
    return str(value)


def provenance(analysis: Analysis) -> None:
    """Write the provenance line of an analysis under a result, as plain text.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run the result comes from.
    """
    f = analysis.filters
    st.caption(
        provenance_text(
            start=f.start,
            end=f.end,
            sources=list(analysis.sources),
            n_events=int(analysis.key_figures.get("incidents", len(analysis.incidents))),
            left_out=analysis.left_out,
            as_of=analysis.params.as_of,
            tr=tr(),
        )
    )


def change_metric(
    label: str,
    value: str,
    change: float | None,
    *,
    change_text: str,
    description: str,
    help: str | None = None,
    chart_data: list[float] | None = None,
) -> None:
    """Show a figure with its change, red when it rose (more incidents is worse), grey when flat.

    Parameters
    ----------
    label, value : str
        Our own wording and the formatted figure.
    change : float or None
        The change; None when unknown (no delta shown).
    change_text : str
        The change formatted (``"+3"``, ``"+0.012"``, ``"+35 km"``).
    description : str
        What the change is against (``"vs previous window"``); ``""`` shows none.
    help : str, optional
        Tooltip text.
    chart_data : list of float, optional
        Values for a small sparkline under the figure.
    """
    if change is None:
        st.metric(label, value, help=help, chart_data=chart_data, chart_type="bar")
    elif change == 0:
        st.metric(
            label,
            value,
            delta=tr().gettext("no change"),
            delta_color="off",
            delta_arrow="off",
            delta_description=description or None,
            help=help,
            chart_data=chart_data,
            chart_type="bar",
        )
    else:
        st.metric(
            label,
            value,
            delta=change_text,
            delta_color="inverse",
            delta_description=description or None,
            help=help,
            chart_data=chart_data,
            chart_type="bar",
        )


def footer() -> None:
    """Write the attribution footer that every view carries."""
    st.divider()
    st.caption(
        tr().gettext(
            "Scores are incident exposure over the stated window and sources, never a "
            "statement that a place or road is safe. Data are incomplete: town-level "
            "locations, no time of day, news-based where that is the source."
        )
    )
    st.caption(tr().gettext(attribution_line()))


def show_user_error(title: str, message: str) -> None:
    """Show an error whose details come from data (a reader's or a statistic's message).

    Parameters
    ----------
    title : str
        Our own fixed wording, shown in the red box.
    message : str
        The exception's message; may quote file content, so it is shown as plain text.
    """
    st.error(title)
    st.text(message)


def show_user_info(title: str, message: str) -> None:
    """Show a notice whose details come from an analysis message (plain text).

    Parameters
    ----------
    title : str
        Our own fixed wording, shown in the blue box.
    message : str
        The analysis' explanation; shown as plain text when not empty.
    """
    st.info(title)
    if message:
        st.text(message)


def show_bug(what: str) -> None:
    """Log the current exception for the operator and show a generic message.

    Parameters
    ----------
    what : str
        Our own fixed wording of what failed ("the Routes view").
    """
    log.exception("unexpected error in %s", what)
    st.error(
        tr()
        .gettext(
            "Something went wrong while drawing {what}. The details were logged for the operator."
        )
        .format(what=what)
    )
