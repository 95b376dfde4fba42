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

from geo.briefing import default_since, what_changed
from geo.emerging import CATEGORY_LABELS, STEPS, unit_sentence
from geo.io import bundled
from geo.pipeline import Analysis
from geo.schema import CATEGORY_LABELS as INCIDENT_LABELS
from geo.settings import DEFAULTS
from layers.emerging import build_emerging
from layers.playback import PLAYBACK_STEPS, build_playback
from ui import chrome, maps
from ui.data import BUNDLED_KEY

__all__ = ["view", "patterns_table", "since_table"]


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
    p, f = analysis.params, analysis.filters
    st.subheader("What is changing")
    chrome.provenance(analysis)
    left, mid, right = st.columns(3)
    with left:
        step = st.radio(
            "Pattern time step",
            list(STEPS),
            index=list(STEPS).index(DEFAULTS.emerging_step),
            horizontal=True,
            key="changes.step",
        )
    with mid:
        playback_step = st.radio(
            "Playback step",
            list(PLAYBACK_STEPS),
            index=list(PLAYBACK_STEPS).index(DEFAULTS.playback_step),
            horizontal=True,
            key="changes.playback_step",
        )
    with right:
        since = st.date_input(
            "New since", value=default_since(p.as_of), max_value=p.as_of, key="changes.since"
        )
    changes = what_changed(analysis, towns=bundled.load_towns(), since=since, step=step)
    result = changes.emerging
    if result is None:
        chrome.show_user_info(
            "No emerging hot spot patterns for this window.", changes.emerging_message
        )
    else:
        s = result.settings
        st.caption(
            f"Emerging hot spot analysis (ArcGIS Pro's method, METHODS §4) over {s['steps']} "
            f"{step} steps from {s['start']} to {s['end']}: Gi* per unit and step with its "
            f"neighbours and the previous {s['time_lag_steps']} step(s), alpha "
            f"{s['gistar_alpha']:g}, FDR {'on' if s['fdr'] else 'off'}; Mann-Kendall trend "
            f"alpha {s['trend_alpha']:g}; persistent, intensifying, diminishing and historical "
            f"need {s['steps_needed_for_share']} of {s['steps']} steps."
        )

    def build() -> list[Any]:
        groups = []
        if result is not None:
            groups.append(build_emerging(result.units, name="Emerging hot spots", step=step))
        groups.append(
            build_playback(
                analysis.incidents,
                name=f"Incident playback by {playback_step}",
                step=playback_step,
                include_imprecise=f.include_imprecise,
            )
        )
        return groups

    shown = maps.view_map(
        ("changes", dataset.key, f, p, choices.layers, step, playback_step),
        build,
        private=dataset.key != BUNDLED_KEY,
        layers=choices.layers,
        online_basemap=choices.online_basemap,
        credit=maps.incident_credit(analysis),
    )
    maps.show_map(shown, key="map.changes")
    st.caption(
        "Press Play on the map to replay the window's incidents; the figures under the "
        "slider are those of the step shown."
    )

    if result is not None:
        st.subheader("Patterns by unit")
        st.dataframe(patterns_table(result.units, step=step), hide_index=True, width="stretch")
        if changes.became_hot:
            st.markdown("**Units that became new, consecutive or intensifying hot spots**")
            for sentence in changes.became_hot:
                st.text(sentence)
    st.subheader(f"New since {since}")
    a = changes.since.attrs
    st.caption(
        f"{a['n_since']:,} incident(s) dated after {a['since']} up to {a['as_of']}; "
        f"{a['n_listed']:,} within {a['site_radius_km']:g} km of a key site or "
        f"{a['buffer_km']:g} km of a corridor stretch, most exposed place first. Imprecise "
        f"locations are not placed ({a['n_imprecise_left_out']:,} left out)."
    )
    if len(changes.since):
        st.dataframe(since_table(changes.since), hide_index=True, width="stretch")


def patterns_table(units: pd.DataFrame, *, step: str) -> pd.DataFrame:
    """Units with a pattern as the page lists them: hot patterns first, most incidents first.

    Parameters
    ----------
    units : DataFrame
        ``EmergingResult.units``.
    step : str
        The cube's step (for the sentence).

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
    return pd.DataFrame(
        {
            "Unit": chosen["name"].astype(str).to_numpy(),
            "Pattern": [CATEGORY_LABELS[c] for c in chosen["category"]],
            "Summary": [
                unit_sentence(r.name, r.category, r.n_hot, r.n_cold, r.n_steps, step)
                for r in chosen.itertuples(index=False)
            ],
            "Hot steps": chosen["n_hot"].to_numpy(),
            "Cold steps": chosen["n_cold"].to_numpy(),
            "Trend tau": chosen["trend_tau"].round(3).to_numpy(),
            "Trend p": chosen["trend_p"].round(4).to_numpy(),
            "Incidents": chosen["incidents"].to_numpy(),
        }
    )


def since_table(table: pd.DataFrame) -> pd.DataFrame:
    """Give the since-list readable headings.

    Parameters
    ----------
    table : DataFrame
        :func:`geo.briefing.since_incidents`.

    Returns
    -------
    DataFrame
    """
    return pd.DataFrame(
        {
            "Place": table["place"].to_numpy(),
            "Kind": table["place_kind"].to_numpy(),
            "Exposure": table["place_exposure"].round(2).to_numpy(),
            "Date": pd.to_datetime(table["event_date"]).dt.date.to_numpy(),
            "Incident": [INCIDENT_LABELS.get(c, str(c)) for c in table["category"]],
            "Killed": table["fatalities"].to_numpy(),
            "Distance (km)": table["distance_km"].round(1).to_numpy(),
            "Nearest town": table["nearest_town"].to_numpy(),
            "Town (km)": table["nearest_town_km"].round(0).to_numpy(),
        }
    )
