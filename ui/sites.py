"""The Sites tab: mines, factories and plants ranked by incident exposure.

Generic industrial areas (most of them around Bamako) are behind a toggle, so
the view leads with the sites security officers are asked about. Everything
comes from one :class:`geo.pipeline.Analysis`; this module only lays it out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from geo.palette import SITE_TYPE_LABELS
from ui import chrome, maps, selection
from ui.data import BUNDLED_KEY

__all__ = ["view", "sites_table", "site_rows"]


def view(analysis: Any, choices: Any, dataset: Any) -> None:
    """Draw the Sites tab.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    choices : ui.controls.Choices
        Sidebar choices (layer switches).
    dataset : ui.data.Dataset
        The data on screen (its key identifies the cached map).
    """
    p = analysis.params
    st.subheader("Incident exposure of mines, factories and plants")
    chrome.provenance(analysis)
    st.caption(
        f"Incidents within {p.site_radius_km:g} km of each site in the 30, 90 and 365 days "
        f"up to {p.as_of}, the nearest incident and the trend (last 90 days against the 90 "
        "before). Exposure counts reported incidents; it does not say a site is safe. "
        "Incidents are drawn as on the Hotspots map."
    )
    show_generic = st.toggle(
        "Also show generic industrial areas (mostly around Bamako)", key="sites.show_generic"
    )
    selection.take_map_click(st.session_state, "sites", "map.sites")
    picked = selection.selected(st.session_state, "sites")
    shown = analysis.sites if show_generic else analysis.sites[analysis.sites["is_key_site"]]
    left, right = st.columns([3, 1], gap="medium")
    with left:
        view = maps.view_map(
            ("sites", dataset.key, analysis.filters, p, choices.layers, show_generic),
            lambda: maps.sites_layers(analysis, layers=choices.layers, show_generic=show_generic),
            private=dataset.key != BUNDLED_KEY,
            layers=choices.layers,
            online_basemap=choices.online_basemap,
            credit=maps.incident_credit(analysis),
            selected=shown.loc[shown["site_id"].astype(str) == picked, ["geometry"]],
        )
        maps.show_map(view, key="map.sites")
    with right:
        st.markdown("**Selected on the map**")
        ordered = shown.sort_values("name")
        picked = selection.choose(
            "sites",
            dict(zip(ordered["site_id"].astype(str), ordered["name"].astype(str), strict=True)),
            label="Select a site",
            placeholder="Choose a site, or click one on the map",
        )
        selection.show_details(
            lambda: site_rows(shown, picked),
            hint="Click a site on the map, or choose one above, to see its counts and "
            "nearest incident here.",
        )

    st.subheader("Sites ranked by exposure")
    table = sites_table(analysis.sites, show_generic=show_generic)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(36 * (len(table) + 1) + 2, 600),
        column_config={
            "Nearest incident (km)": st.column_config.NumberColumn(format="%.1f"),
            "Exposure score": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    n_generic = int((~analysis.sites["is_key_site"].astype(bool)).sum())
    if not show_generic and n_generic:
        st.caption(f"{n_generic:,} generic industrial areas hidden; switch them on above.")


def site_rows(sites: pd.DataFrame, picked: str | None) -> list[tuple[str, object]] | None:
    """Figures of the selected site for the selection panel, or None."""
    row = sites[sites["site_id"].astype(str) == picked]
    if picked is None or row.empty:
        return None
    r = row.iloc[0]
    nearest = pd.to_datetime(r.get("nearest_date"))
    return [
        ("Site", r["name"]),
        ("Type", SITE_TYPE_LABELS.get(r["site_type"], str(r["site_type"]))),
        ("Operator", r.get("operator") or None),
        ("Exposure class", r.get("exposure_class") or "not classed"),
        ("Incidents, last 30 days", f"{int(r['n_30d']):,}"),
        ("Incidents, last 90 days", f"{int(r['n_90d']):,}"),
        ("Incidents, last 365 days", f"{int(r['n_365d']):,}"),
        (
            "Nearest incident",
            None
            if pd.isna(r["nearest_km"])
            else f"{r['nearest_km']:,.1f} km on {nearest.date() if pd.notna(nearest) else '?'}",
        ),
        ("Trend", r.get("trend_text") or None),
    ]


def sites_table(sites: pd.DataFrame, *, show_generic: bool) -> pd.DataFrame:
    """Sites as the page lists them, most exposed first.

    Parameters
    ----------
    sites : DataFrame
        :func:`geo.sites.site_exposure` output.
    show_generic : bool
        Keep generic industrial areas (``is_key_site`` False).

    Returns
    -------
    DataFrame
        Rank among the sites listed, name, type, class, window counts,
        nearest incident, trend, score and operator.

    Examples
    --------
    >>> s = pd.DataFrame({"rank": [2, 1], "name": ["B", "A"], "site_type": ["industrial",
    ...     "gold_mine"], "is_key_site": [False, True], "exposure_class": ["low", "high"],
    ...     "n_30d": [0, 1], "n_90d": [0, 2], "n_365d": [1, 3], "trend_text": ["", ""],
    ...     "nearest_km": [9.0, 1.0], "nearest_date": [None, None], "exposure": [0.1, 2.0]})
    >>> sites_table(s, show_generic=False)["Site"].tolist()
    ['A']
    """
    chosen = sites if show_generic else sites[sites["is_key_site"].astype(bool)]
    chosen = chosen.sort_values("rank", kind="stable")
    out = pd.DataFrame(
        {
            "Rank": range(1, len(chosen) + 1),
            "Site": chosen["name"].astype(str).to_numpy(),
            "Type": [SITE_TYPE_LABELS.get(t, str(t)) for t in chosen["site_type"]],
            "Class": chosen["exposure_class"].astype(str).to_numpy(),
            "30 days": chosen["n_30d"].to_numpy(),
            "90 days": chosen["n_90d"].to_numpy(),
            "365 days": chosen["n_365d"].to_numpy(),
            "Nearest incident (km)": chosen["nearest_km"].to_numpy(),
            "Nearest incident date": pd.to_datetime(chosen["nearest_date"]).dt.date.to_numpy(),
            "Trend": chosen["trend_text"].astype(str).to_numpy(),
            "Exposure score": chosen["exposure"].to_numpy(),
            "Operator": (
                chosen["operator"].fillna("").astype(str).to_numpy() if "operator" in chosen else ""
            ),
        }
    )
    return out
