"""The "What is changing" tab: emerging hot spot patterns, incident playback, and what is new.

The categories come from :func:`geo.briefing.what_changed` on the analysis
window (the same call as ``python -m geo brief`` and the PDF's "What changed"),
drawn by :func:`layers.emerging.build_emerging`; the playback of the window's
incidents by week or month is :func:`layers.playback.build_playback`, whose key
figures follow the slider in the map itself.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from geo.briefing import PLACE_KIND_WORDS, default_since, what_changed
from geo.emerging import CATEGORY_LABELS, STEPS, emerging_message, unit_sentence
from geo.i18n import Translator, gettext_noop
from geo.io import bundled
from geo.pipeline import Analysis
from geo.schema import CATEGORY_LABELS as INCIDENT_LABELS
from geo.settings import DEFAULTS
from layers.emerging import build_emerging
from layers.playback import PLAYBACK_STEPS, build_playback
from ui import chrome, maps
from ui.data import BUNDLED_KEY
from ui.display import ENGLISH, date_format, short, styled
from ui.lang import tr

__all__ = ["STEP_LABELS", "view", "patterns_table", "since_table"]


#: Time steps of the pattern cube and the playback as the page names them.
STEP_LABELS: dict[str, str] = {
    "week": gettext_noop("week"),
    "month": gettext_noop("month"),
    "quarter": gettext_noop("quarter"),
}


def view(analysis: Analysis, choices: Any, dataset: Any) -> None:
    """Draw the "What is changing" tab.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    choices : ui.controls.Choices
        Sidebar choices (layer switches, online basemap).
    dataset : ui.data.Dataset
        The data on screen (its key identifies the cached map).
    """
    t = tr()
    p, f = analysis.params, analysis.filters

    def step_label(code: str) -> str:
        return t.gettext(STEP_LABELS.get(code, code))

    st.subheader(t.gettext("What is changing"))
    chrome.provenance(analysis)
    left, mid, right = st.columns(3)
    with left:
        step = st.radio(
            t.gettext("Pattern time step"),
            list(STEPS),
            index=list(STEPS).index(DEFAULTS.emerging_step),
            format_func=step_label,
            horizontal=True,
            key="changes.step",
        )
    with mid:
        playback_step = st.radio(
            t.gettext("Playback step"),
            list(PLAYBACK_STEPS),
            index=list(PLAYBACK_STEPS).index(DEFAULTS.playback_step),
            format_func=step_label,
            horizontal=True,
            key="changes.playback_step",
        )
    with right:
        since = st.date_input(
            t.gettext("New since"),
            value=default_since(p.as_of),
            max_value=p.as_of,
            format=date_format(t),
            key="changes.since",
        )
    changes = what_changed(analysis, towns=bundled.load_towns(), since=since, step=step, tr=t)
    result = changes.emerging
    if result is None:
        chrome.show_user_info(
            t.gettext("No emerging hot spot patterns for this window."),
            emerging_message(changes.emerging_message or "", tr=t),
        )
    else:
        s = result.settings
        st.caption(
            t.gettext(
                "Emerging hot spot analysis (ArcGIS Pro's method, METHODS §4) over {steps} "
                "{step} steps from {start} to {end}: Gi* per unit and step with its "
                "neighbours and the previous {lag} step(s), alpha {alpha}, FDR {fdr}; "
                "Mann-Kendall trend alpha {trend_alpha}; persistent, intensifying, "
                "diminishing and historical need {needed} of {steps} steps."
            ).format(
                steps=t.number(s["steps"]),
                step=step_label(step),
                start=t.date(pd.Timestamp(s["start"]).date()),
                end=t.date(pd.Timestamp(s["end"]).date()),
                lag=s["time_lag_steps"],
                alpha=short(s["gistar_alpha"], tr=t),
                fdr=t.gettext("on") if s["fdr"] else t.gettext("off"),
                trend_alpha=short(s["trend_alpha"], tr=t),
                needed=s["steps_needed_for_share"],
            )
        )

    def build() -> list[Any]:
        groups = []
        if result is not None:
            groups.append(
                build_emerging(result.units, name=t.gettext("Emerging hot spots"), step=step, tr=t)
            )
        groups.append(
            build_playback(
                analysis.incidents,
                name=t.gettext("Incident playback by {step}").format(
                    step=step_label(playback_step)
                ),
                step=playback_step,
                include_imprecise=f.include_imprecise,
                tr=t,
            )
        )
        return groups

    shown = maps.view_map(
        ("changes", dataset.key, f, p, choices.layers, step, playback_step, t.lang),
        build,
        private=dataset.key != BUNDLED_KEY,
        layers=choices.layers,
        online_basemap=choices.online_basemap,
        credit=maps.incident_credit(analysis, tr=t),
        tr=t,
    )
    maps.show_map(shown, key="map.changes")
    st.caption(
        t.gettext(
            "Press Play on the map to replay the window's incidents; the figures under the "
            "slider are those of the step shown."
        )
    )

    if result is not None:
        st.subheader(t.gettext("Patterns by unit"))
        st.dataframe(
            styled(
                patterns_table(result.units, step=step, tr=t),
                tr=t,
                digits={t.gettext("Trend tau"): 3, t.gettext("Trend p"): 4},
            ),
            hide_index=True,
            width="stretch",
        )
        if changes.became_hot:
            st.markdown(
                "**{}**".format(
                    t.gettext("Units that became new, consecutive or intensifying hot spots")
                )
            )
            for sentence in changes.became_hot:
                st.text(sentence)
    st.subheader(t.gettext("New since {date}").format(date=t.date(since)))
    a = changes.since.attrs
    st.caption(
        t.ngettext(
            "{n} incident dated after {since} up to {as_of}; {listed} within {radius} km of a "
            "key site or {buffer} km of a corridor stretch, most exposed place first. "
            "Imprecise locations are not placed ({left_out} left out).",
            "{n} incidents dated after {since} up to {as_of}; {listed} within {radius} km of "
            "a key site or {buffer} km of a corridor stretch, most exposed place first. "
            "Imprecise locations are not placed ({left_out} left out).",
            a["n_since"],
        ).format(
            n=t.number(a["n_since"]),
            since=t.date(pd.Timestamp(a["since"]).date()),
            as_of=t.date(pd.Timestamp(a["as_of"]).date()),
            listed=t.number(a["n_listed"]),
            radius=short(a["site_radius_km"], tr=t),
            buffer=short(a["buffer_km"], tr=t),
            left_out=t.number(a["n_imprecise_left_out"]),
        )
    )
    if len(changes.since):
        st.dataframe(
            styled(
                since_table(changes.since, tr=t),
                tr=t,
                digits={t.gettext("Exposure"): 2, t.gettext("Distance (km)"): 1},
                dates=[t.gettext("Date")],
            ),
            hide_index=True,
            width="stretch",
        )


def patterns_table(units: pd.DataFrame, *, step: str, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Units with a pattern as the page lists them: hot patterns first, most incidents first.

    Parameters
    ----------
    units : DataFrame
        ``EmergingResult.units``.
    step : str
        The cube's step (for the sentence).
    tr : Translator
        The language of the headings and pattern names (the summary sentence is
        :func:`geo.emerging.unit_sentence`'s, English).

    Returns
    -------
    DataFrame
        ``Unit``, ``Pattern``, ``Summary`` (e.g. "Koro: intensifying hot spot, 27 of
        30 months hot."), ``Hot steps``, ``Cold steps``, ``Trend tau``, ``Trend p``,
        ``Incidents``; units with no pattern are left out.

    Examples
    --------
    >>> u = pd.DataFrame({"name": ["Koro", "Kayes"], "category": ["intensifying_hot",
    ...     "no_pattern"], "n_hot": [27, 0], "n_cold": [0, 0], "n_steps": [30, 30],
    ...     "trend_tau": [0.5, 0.0], "trend_p": [0.001, 0.9], "incidents": [60, 0]})
    >>> patterns_table(u, step="month")["Summary"].tolist()
    ['Koro: intensifying hot spot, 27 of 30 months hot.']
    """
    order = {c: i for i, c in enumerate(CATEGORY_LABELS)}
    chosen = units[units["category"] != "no_pattern"].copy()
    chosen["_o"] = chosen["category"].map(order)
    chosen = chosen.sort_values(["_o", "incidents"], ascending=[True, False], kind="stable")
    t = tr
    return pd.DataFrame(
        {
            t.gettext("Unit"): chosen["name"].astype(str).to_numpy(),
            t.gettext("Pattern"): [t.gettext(CATEGORY_LABELS[c]) for c in chosen["category"]],
            t.gettext("Summary"): [
                unit_sentence(r.name, r.category, r.n_hot, r.n_cold, r.n_steps, step, tr=t)
                for r in chosen.itertuples(index=False)
            ],
            t.gettext("Hot steps"): chosen["n_hot"].to_numpy(),
            t.gettext("Cold steps"): chosen["n_cold"].to_numpy(),
            t.gettext("Trend tau"): chosen["trend_tau"].round(3).to_numpy(),
            t.gettext("Trend p"): chosen["trend_p"].round(4).to_numpy(),
            t.gettext("Incidents"): chosen["incidents"].to_numpy(),
        }
    )


def since_table(table: pd.DataFrame, *, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Give the since-list readable headings.

    Parameters
    ----------
    table : DataFrame
        :func:`geo.briefing.since_incidents`.
    tr : Translator
        The language of the headings, place kinds and categories.

    Returns
    -------
    DataFrame
    """
    t = tr
    return pd.DataFrame(
        {
            t.gettext("Place"): table["place"].to_numpy(),
            t.gettext("Kind"): [
                t.gettext(PLACE_KIND_WORDS.get(str(k), str(k))) for k in table["place_kind"]
            ],
            t.gettext("Exposure"): table["place_exposure"].round(2).to_numpy(),
            t.gettext("Date"): pd.to_datetime(table["event_date"]).dt.date.to_numpy(),
            t.gettext("Incident"): [
                t.gettext(INCIDENT_LABELS.get(c, str(c))) for c in table["category"]
            ],
            t.gettext("Killed"): table["fatalities"].to_numpy(),
            t.gettext("Distance (km)"): table["distance_km"].round(1).to_numpy(),
            t.gettext("Nearest town"): table["nearest_town"].to_numpy(),
            t.gettext("Town (km)"): table["nearest_town_km"].round(0).to_numpy(),
        }
    )
