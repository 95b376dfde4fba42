"""The About / Data tab: sources, licences, data limits, what was left out, the validation report.

It also runs, on request, the backtest of every hotspot map over the window on
screen (:mod:`geo.evaluate`) and keeps its summary for the PDF
(:func:`with_backtest`).

The validation report is also shown on its own (:func:`validation_report`)
right after an upload. File names, values and reasons in it come from the
user's file, so they are shown only through ``st.dataframe`` and ``st.text``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

from geo.errors import ParameterError
from geo.evaluate import backtest, summary_frame
from geo.exposure import note_text
from geo.i18n import Translator, gettext_noop
from geo.io.bundled import ATTRIBUTIONS
from geo.pipeline import Analysis
from geo.schema import CATEGORY_LABELS, CATEGORY_TABLE, KEYWORD_RULES
from geo.settings import DEFAULTS
from geo.validate import translate_message
from ui import chrome
from ui.display import ENGLISH
from ui.lang import tr

__all__ = [
    "view",
    "validation_summary",
    "issues_frame",
    "validation_report",
    "left_out_frame",
    "backtest_panel",
    "with_backtest",
]

_BACKTEST_KEY = "about.backtest"

_LIMITS = (
    gettext_noop(
        "Reported incidents only: what the sources did not record is not on the map, and a "
        "place with no incident is not thereby safe."
    ),
    gettext_noop(
        "Bundled incidents: UCDP GED 21.1 (1990-2020, precise locations only) and a "
        "news-compiled log of 40 incidents in western and southern Mali (2024-2025, "
        "town-level at best). Nothing for 2021-2023 is bundled: bring your own ACLED export."
    ),
    gettext_noop("No time of day; some dates are week- or month-level (the news log says which)."),
    gettext_noop(
        "Imprecise locations (region or cercle centroids) count in admin totals but are left "
        "out of KDE, hexes, Gi*, route and site exposure unless you include them."
    ),
    gettext_noop(
        "Admin units are Mali's old scheme (8 regions + Bamako, 49 cercles + Bamako) from "
        "geoBoundaries; the 2023 regions are built from cercles. No communes offline."
    ),
    gettext_noop(
        "Corridors are routed over OpenStreetMap main roads between real towns; the routed "
        "length can differ from published road distances by a few percent."
    ),
)
#: The validation report table's columns: issue field -> heading.
_COLUMNS = {
    "action": gettext_noop("Action"),
    "file": gettext_noop("File"),
    "row": gettext_noop("Row"),
    "column": gettext_noop("Column"),
    "value": gettext_noop("Value"),
    "reason": gettext_noop("Reason"),
}
#: What a validation issue's action column says, in the report's table.
_ACTIONS = {
    "rejected": gettext_noop("Rejected"),
    "repaired": gettext_noop("Repaired"),
    "flagged": gettext_noop("Flagged"),
}


def view(analysis: Analysis, choices: Any, dataset: Any) -> None:
    """Draw the About / Data tab.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    choices : ui.controls.Choices
        Sidebar choices (unused; every view takes the same arguments).
    dataset : ui.data.Dataset
        The data on screen.
    """
    t = tr()
    st.subheader(t.gettext("What this run left out, and why"))
    st.dataframe(left_out_frame(analysis.left_out, tr=t), hide_index=True, width="stretch")
    for note in analysis.notes:
        st.text(note_text(note, tr=t))

    st.subheader(t.gettext("Data limits"))
    for line in _LIMITS:
        st.markdown(f"- {t.gettext(line)}")

    st.subheader(t.gettext("Validation report"))
    validation_report(dataset.report, expanded=True)

    st.subheader(t.gettext("Sources and licences"))
    st.dataframe(
        pd.DataFrame(
            {
                t.gettext("Data"): [t.gettext(a.dataset) for a in ATTRIBUTIONS],
                t.gettext("Credit"): [a.credit for a in ATTRIBUTIONS],
                t.gettext("Licence"): [t.gettext(a.licence) for a in ATTRIBUTIONS],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        t.gettext(
            "ACLED rows are never bundled (ACLED's terms forbid it): load your own export as "
            "downloaded. A database published from the OpenStreetMap layers is ODbL too."
        )
    )

    backtest_panel(analysis, dataset)

    st.subheader(t.gettext("How events are classed and weighted"))
    st.dataframe(_category_frame(t), hide_index=True, width="stretch")
    st.dataframe(_keyword_frame(t), hide_index=True, width="stretch")


def _backtest_id(analysis: Analysis, dataset: Any) -> str:
    f = analysis.filters
    return f"{dataset.key}|{f.start}|{f.end}"


def with_backtest(analysis: Analysis, dataset: Any) -> Any:
    """Return ``analysis`` carrying the backtest run for this data and window, if any.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen (not modified).
    dataset : ui.data.Dataset
        The data on screen.

    Returns
    -------
    geo.pipeline.Analysis
        A copy with ``backtest`` set when one was run here for the same data
        and window, else ``analysis`` itself.
    """
    result = _stored_backtest(analysis, dataset)
    if result is None:
        return analysis
    return dataclasses.replace(analysis, backtest=result)


def _stored_backtest(analysis: Analysis, dataset: Any) -> Any:
    stored = st.session_state.get(_BACKTEST_KEY)
    if stored is None or stored[0] != _backtest_id(analysis, dataset):
        return None
    return stored[1]


def backtest_panel(analysis: Analysis, dataset: Any) -> None:
    """Offer the backtest of every map over the window; show its table and sentence.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen (its window).
    dataset : ui.data.Dataset
        The data on screen (all dates: each map is built from what came before).
    """
    from ui.data import context

    t = tr()
    st.subheader(t.gettext("How far to trust the maps (backtest)"))
    st.caption(
        t.gettext(
            "Every 30 days from the window's first day, each map is built from the "
            "{days} days before, and scored on the next 30 days: the share of "
            "incidents inside its top 1, 5 and 10 % of the area (hit rate), and PAI, that share "
            "divided by the area share (1 is no better than a uniform map; Chainey et al. 2008)."
        ).format(days=DEFAULTS.window_days)
    )
    if st.button(t.gettext("Run the backtest on this window"), key="about.backtest.run"):
        bar = st.progress(0.0, text=t.gettext("Backtest: starting."))

        def progress(i: int, n: int, origin: Any) -> None:
            bar.progress(
                i / n,
                text=t.gettext("Backtest: origin {i} of {n} ({date}).").format(
                    i=i, n=n, date=t.date(origin.date())
                ),
            )

        f = analysis.filters
        try:
            result = backtest(
                dataset.incidents, context().admin2, start=f.start, end=f.end, progress=progress
            )
        except ParameterError as exc:
            bar.empty()
            chrome.show_user_info(t.gettext("The backtest cannot run on this window."), str(exc))
            return
        bar.empty()
        st.session_state[_BACKTEST_KEY] = (_backtest_id(analysis, dataset), result)
    shown = _stored_backtest(analysis, dataset)
    if shown is not None:
        st.dataframe(summary_frame(shown), hide_index=True, width="stretch")
        st.write(shown.sentence)
        st.caption(t.gettext("The PDF export of this window includes this summary."))


def left_out_frame(left_out: dict[str, int], *, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Tabulate the events an analysis left out, by reason.

    Parameters
    ----------
    left_out : dict
        ``Analysis.left_out``: reason -> number of events.
    tr : geo.i18n.Translator
        The language of the headings and reasons.

    Returns
    -------
    DataFrame
        ``Reason`` and ``Events``.

    Examples
    --------
    >>> left_out_frame({"outside the window": 3}).to_dict("list")
    {'Reason': ['outside the window'], 'Events': [3]}
    """
    return pd.DataFrame(
        {
            tr.gettext("Reason"): [tr.gettext(str(k)) for k in left_out],
            tr.gettext("Events"): [int(v) for v in left_out.values()],
        }
    )


def validation_summary(report: Any, *, tr: Translator = ENGLISH) -> str:
    """One plain sentence: rows read, kept, repaired, flagged and rejected.

    Parameters
    ----------
    report : geo.validate.ValidationReport
        The reader's report.
    tr : geo.i18n.Translator
        The language of the sentence and its numbers.

    Returns
    -------
    str
        E.g. ``"12 rows read: 10 kept (1 repaired, 0 flagged), 2 rejected."``
    """
    n = (report.rows_in, report.rows_kept, report.n_repaired, report.n_flagged, report.n_rejected)
    read, kept, repaired, flagged, rejected = (
        tr.ngettext("{n} row read", "{n} rows read", n[0]),
        tr.ngettext("{n} kept", "{n} kept", n[1]),
        tr.ngettext("{n} repaired", "{n} repaired", n[2]),
        tr.ngettext("{n} flagged", "{n} flagged", n[3]),
        tr.ngettext("{n} rejected", "{n} rejected", n[4]),
    )
    return tr.gettext("{read}: {kept} ({repaired}, {flagged}), {rejected}.").format(
        read=read.format(n=tr.number(n[0])),
        kept=kept.format(n=tr.number(n[1])),
        repaired=repaired.format(n=tr.number(n[2])),
        flagged=flagged.format(n=tr.number(n[3])),
        rejected=rejected.format(n=tr.number(n[4])),
    )


def issues_frame(report: Any, *, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Every issue of the report, one row each: file, row, column, value, reason, action.

    Parameters
    ----------
    report : geo.validate.ValidationReport
        The reader's report.
    tr : geo.i18n.Translator
        The language of the headings, the action and the reason columns.

    Returns
    -------
    DataFrame
        Rejected rows first, then repaired and flagged ones, in file and row order.
    """
    rows = [i.to_dict() for i in report.issues]
    cols = list(_COLUMNS)
    frame = pd.DataFrame(rows, columns=[*cols, "row_label"])[cols]
    order = {"rejected": 0, "repaired": 1, "flagged": 2}
    frame = frame.sort_values(
        ["action", "file", "row"],
        key=lambda s: s.map(order) if s.name == "action" else s,
        kind="stable",
    )
    frame["action"] = frame["action"].map(lambda a: tr.gettext(_ACTIONS.get(a, a)))
    frame["reason"] = frame["reason"].map(lambda r: translate_message(r, tr=tr))
    headings = {c: tr.gettext(_COLUMNS[c]) for c in cols}
    return frame.rename(columns=headings).reset_index(drop=True)


def validation_report(report: Any, *, expanded: bool = False) -> None:
    """Show a validation report: the summary, every issue with its row number, the notes.

    Parameters
    ----------
    report : geo.validate.ValidationReport
        The reader's report.
    expanded : bool
        Open the issue table (it opens anyway when rows were rejected).
    """
    t = tr()
    st.text(f"{report.file}: {validation_summary(report, tr=t)}")
    issues = issues_frame(report, tr=t)
    if not issues.empty:
        with st.expander(
            t.ngettext("{n} issue, row by row", "{n} issues, row by row", len(issues)).format(
                n=t.number(len(issues))
            ),
            expanded=expanded or report.n_rejected > 0,
        ):
            st.dataframe(issues, hide_index=True, width="stretch")
    if report.notes:
        with st.expander(
            t.ngettext("{n} reader note", "{n} reader notes", len(report.notes)).format(
                n=t.number(len(report.notes))
            )
        ):
            st.text("\n".join(translate_message(n, tr=t) for n in report.notes))


def _category_frame(t: Translator) -> pd.DataFrame:
    rows = [
        (
            family,
            event_type,
            t.gettext("any") if sub == "*" else sub,
            t.gettext(CATEGORY_LABELS[cat]),
            DEFAULTS.type_weights.get(cat, 0.0),
        )
        for (family, event_type, sub), cat in CATEGORY_TABLE.items()
    ]
    return pd.DataFrame(
        rows,
        columns=[
            t.gettext("Source"),
            t.gettext("Event type"),
            t.gettext("Sub-event type"),
            t.gettext("Category"),
            t.gettext("Route weight"),
        ],
    )


def _keyword_frame(t: Translator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t.gettext("Re-classed as"): [t.gettext(CATEGORY_LABELS[c]) for c, _ in KEYWORD_RULES],
            t.gettext("When the notes contain (* = any ending)"): [
                ", ".join(w) for _, w in KEYWORD_RULES
            ],
        }
    )
