"""The Hotspots tab, for security officers: where incidents concentrate and how that changed.

Key figures against the previous window, the map (admin choropleth, KDE, H3
hexagons or Gi*), details of a clicked unit beside it, surge flags, a weekly
chart by category and the table of units. Everything comes from one
:class:`geo.pipeline.Analysis`; this module only lays it out.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from geo.admin import window_bounds
from geo.gistar import gistar_message, gistar_sentence
from geo.i18n import Translator, gettext_noop
from geo.palette import CATEGORY_COLORS, GISTAR_LABELS
from geo.pipeline import KEY_FIGURES as PIPELINE_FIGURES
from geo.pipeline import Analysis
from geo.schema import CATEGORIES, CATEGORY_LABELS
from ui import chrome, maps, selection
from ui.data import BUNDLED_KEY
from ui.display import ENGLISH, chart_locale, searchable, short, signed, styled, unit_level
from ui.lang import tr
from ui.state import ADMIN_LEVELS, HOTSPOT_METHODS

__all__ = [
    "KEY_FIGURES",
    "FIGURE_CATEGORIES",
    "CHANGE_WORDS",
    "view",
    "weekly_series",
    "gistar_summary",
    "hex_summary",
    "H3_CELL_KM2",
    "weekly_counts",
    "surge_table",
    "units_table",
    "selected_shape",
    "selected_rows",
]

#: Key figures shown above the map: Analysis.key_figures name -> label.
KEY_FIGURES: dict[str, str] = {
    "incidents": gettext_noop("Incidents"),
    "fatalities": gettext_noop("Fatalities"),
    "abductions": gettext_noop("Abductions"),
    "convoy_attacks": gettext_noop("Attacks on convoys"),
    "site_attacks": gettext_noop("Attacks on sites"),
}
#: Categories each key figure counts (None: all), as geo.pipeline counts them;
#: fatalities sum over every incident.
FIGURE_CATEGORIES: dict[str, tuple[str, ...] | None] = {
    **PIPELINE_FIGURES,
    "fatalities": None,
}


def view(analysis: Analysis, choices: Any, dataset: Any) -> None:
    """Draw the Hotspots tab.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    choices : ui.controls.Choices
        Sidebar choices (hotspot method, layer switches).
    dataset : ui.data.Dataset
        The data on screen (its key identifies the cached map).
    """
    t = tr()
    f = analysis.filters
    _, _, prev_start, prev_end = window_bounds(f.start, f.end)
    previous = t.period(prev_start.date(), prev_end.date())
    st.subheader(t.gettext("Key figures"))
    _key_figures(analysis, previous=previous, t=t)
    chrome.provenance(analysis)

    method = choices.method
    level = t.gettext(
        ADMIN_LEVELS.get(analysis.params.admin_level, str(analysis.params.admin_level))
    )
    st.subheader(t.gettext("Map: {method}").format(method=t.gettext(HOTSPOT_METHODS[method])))
    if method == "gistar" and analysis.gistar is None:
        chrome.show_user_error(
            t.gettext("Gi* was not computed, so the map shows incidents per admin unit instead."),
            gistar_message(analysis.gistar_message or "", tr=t),
        )
    if method == "hex":
        st.caption(hex_summary(analysis.hexes, analysis.params.hex_resolution, tr=t))
    if method == "gistar" and analysis.gistar is not None:
        st.caption(gistar_summary(analysis.gistar, analysis.params, tr=t))
    if method == "kde" and analysis.kde is None:
        chrome.show_user_info(
            t.gettext("No kernel density for this window, so the map shows admin units instead."),
            analysis.kde_message or "",
        )

    selection.take_map_click(st.session_state, "hotspots", "map.hotspots")
    picked = selection.selected(st.session_state, "hotspots")
    left, right = st.columns([3, 1], gap="medium")
    with left:
        view = maps.view_map(
            (
                "hotspots",
                dataset.key,
                f,
                analysis.params,
                method,
                choices.measure,
                choices.layers,
                t.lang,
            ),
            lambda: maps.hotspot_layers(
                analysis, method=method, layers=choices.layers, measure=choices.measure, tr=t
            ),
            private=dataset.key != BUNDLED_KEY,
            layers=choices.layers,
            online_basemap=choices.online_basemap,
            credit=maps.incident_credit(analysis, tr=t),
            selected=selected_shape(analysis, picked),
            tr=t,
        )
        maps.show_map(view, key="map.hotspots")
    with right:
        st.markdown("**{}**".format(t.gettext("Selected on the map")))
        units = analysis.admin_stats.sort_values("name")
        picked = selection.choose(
            "hotspots",
            {
                unit: searchable(name)
                for unit, name in zip(
                    units["unit_id"].astype(str), units["name"].astype(str), strict=True
                )
            },
            label=t.gettext("Select a unit ({level})").format(
                level=unit_level(analysis.params.admin_level, tr=t).lower()
            ),
            placeholder=t.gettext("Choose a unit, or click one on the map"),
        )
        selection.show_details(
            lambda: selected_rows(analysis, picked, method=method, tr=t),
            hint=t.gettext(
                "Click a unit or hexagon on the map, or choose a unit above, to see its "
                "figures here. Click an incident to open its details on the map."
            ),
        )
        st.markdown("**{}**".format(t.gettext("Surge flags")))
        surges = surge_table(analysis.surge, analysis.admin_stats, tr=t)
        if surges.empty:
            st.caption(
                t.gettext(
                    "No unit flagged: no latest week or month at least double its recent "
                    "average (units with under one event per four weeks are ignored)."
                )
            )
        else:
            average = t.gettext("Average before")
            st.dataframe(
                styled(surges, tr=t, digits={average: 1}), hide_index=True, width="stretch"
            )
            st.caption(
                t.gettext(
                    "ACLED's surge rules below ADMIN1: latest week ≥ 2 × the average week of "
                    "the past month, or latest month ≥ 2 × the average month of the past year."
                )
            )

    st.subheader(t.gettext("Incidents per week, by category"))
    weekly = weekly_counts(analysis.incidents, tr=t)
    if weekly.empty:
        st.caption(t.gettext("No incident in this window."))
    else:
        st.altair_chart(_weekly_chart(weekly, tr=t), width="stretch")

    st.subheader(t.gettext("Units ranked by incidents: {level}").format(level=level))
    st.dataframe(
        styled(
            units_table(analysis.admin_stats, tr=t),
            tr=t,
            digits={t.gettext("Incidents per 1,000 km²"): 2},
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        t.gettext(
            "Admin totals count every event in the window, imprecise locations included. "
            "Previous window: {period}."
        ).format(period=previous)
    )


def _selected_frame(analysis: Analysis, picked: str | None) -> tuple[str, Any] | None:
    """Return the kind and analysis row of the selected unit or H3 cell, if on screen."""
    if picked is None:
        return None
    units = analysis.admin_stats
    row = units[units["unit_id"].astype(str) == picked]
    if len(row):
        return "unit", row
    for kind, table in (("hex", analysis.hexes), ("gistar", analysis.gistar)):
        if table is not None and "hex" in getattr(table, "columns", ()):
            row = table[table["hex"].astype(str) == picked]
            if len(row):
                return kind, row
    return None


def selected_shape(analysis: Analysis, picked: str | None) -> Any:
    """Geometry of the selected unit or H3 cell (a one-row GeoDataFrame), or None."""
    found = _selected_frame(analysis, picked)
    return None if found is None else found[1][["geometry"]]


def selected_rows(
    analysis: Analysis,
    picked: str | None,
    *,
    method: str,
    tr: Translator = ENGLISH,
) -> list[tuple[str, object]] | None:
    """Figures of the selected unit or H3 cell over the window on screen, or None.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run on screen.
    picked : str or None
        Selected ``unit_id`` or H3 cell.
    method : str
        Hotspot method on the map (its Gi* class is shown with ``gistar``).
    tr : Translator
        The page's language.

    Returns
    -------
    list of (str, object) or None
        Label -> value rows for the selection panel.
    """
    found = _selected_frame(analysis, picked)
    if found is None:
        return None
    t = tr
    kind, frame = found
    r = frame.iloc[0]
    if kind == "unit":
        level = unit_level(analysis.params.admin_level, tr=t)
        rows: list[tuple[str, object]] = [
            (level, r["name"]),
            (
                t.gettext("Region"),
                r.get("adm1_name") if analysis.params.admin_level != 1 else None,
            ),
            (t.gettext("Incidents"), t.number(int(r["incidents"]))),
            (t.gettext("Fatalities"), t.number(int(r["fatalities"]))),
            (t.gettext("Incidents per 1,000 km²"), t.number(float(r["incidents_per_1000km2"]), 2)),
            (
                t.gettext("Previous window"),
                t.number(int(r["prev_incidents"])) if "prev_incidents" in r else None,
            ),
            (t.gettext("Change"), _change_word(r.get("change_label"), t)),
            (
                t.gettext("Area (km²)"),
                t.number(float(r["area_km2"])) if "area_km2" in r else None,
            ),
        ]
        gistar_shown = method == "gistar" and analysis.params.gistar_on == "admin"
        if gistar_shown and analysis.gistar is not None and "unit_id" in analysis.gistar.columns:
            g = analysis.gistar[analysis.gistar["unit_id"].astype(str) == picked]
            if len(g):
                rows.append((t.gettext("Gi* class"), _gistar_label(g.iloc[0]["gistar_class"], t)))
        return rows
    rows = [(t.gettext("H3 cell"), picked)]
    if kind == "hex":
        rows += [(t.gettext("Incidents"), t.number(int(r["incidents"])))]
        rows += [(t.gettext("Fatalities"), t.number(int(r["fatalities"])))]
    else:
        rows += [(t.gettext("Gi* class"), _gistar_label(r["gistar_class"], t))]
        rows += [(t.gettext("Gi* z-score"), signed(float(r["z"]), 2, tr=t))]
    return rows


#: The words of ``change_label`` (geo.admin.aggregate_admin) besides percentages.
CHANGE_WORDS: dict[str, str] = {"new": gettext_noop("new"), "no events": gettext_noop("no events")}


def _change_word(value: object, t: Translator) -> object:
    return t.gettext(CHANGE_WORDS[value]) if value in CHANGE_WORDS else value


def _gistar_label(value: object, t: Translator) -> str | None:
    label = GISTAR_LABELS.get(str(value))
    return None if label is None else t.gettext(label)


def _key_figures(analysis: Analysis, *, previous: str, t: Translator) -> None:
    figures = analysis.key_figures
    weekly = weekly_series(analysis.incidents)
    cols = st.columns(len(KEY_FIGURES))
    for col, (name, label) in zip(cols, KEY_FIGURES.items(), strict=True):
        now = int(figures.get(name, 0))
        before = figures.get(f"prev_{name}")
        change = None if before is None else now - int(before)
        with col:
            chrome.change_metric(
                t.gettext(label),
                t.number(now),
                change,
                change_text=signed(change, tr=t) if change is not None else "",
                description=t.gettext("vs previous"),
                help=t.gettext(
                    "Previous window of equal length: {period} ({before} then). The bars "
                    "show each week of this window."
                ).format(
                    period=previous,
                    before=t.number(int(before)) if before is not None else t.gettext("unknown"),
                ),
                # A sparkline of fewer than four weeks says nothing.
                chart_data=weekly.get(name) if len(weekly.get(name, [])) >= 4 else None,
            )


def weekly_series(incidents: pd.DataFrame) -> dict[str, list[float]]:
    """Weekly values of each key figure over the window, for the sparklines.

    Parameters
    ----------
    incidents : DataFrame
        Incidents of the window (``event_date``, ``category``, ``fatalities``).

    Returns
    -------
    dict of str to list of float
        Key figure name -> one value per week (Monday to Sunday), empty weeks as 0.

    Examples
    --------
    >>> df = pd.DataFrame({"event_date": pd.to_datetime(["2025-06-02", "2025-06-16"]),
    ...     "category": ["abduction", "unrest"], "fatalities": [2, 0]})
    >>> weekly_series(df)["abductions"], weekly_series(df)["fatalities"]
    ([1.0, 0.0, 0.0], [2.0, 0.0, 0.0])
    """
    if incidents.empty:
        return {}
    week = incidents["event_date"].dt.to_period("W-SUN")
    weeks = pd.period_range(week.min(), week.max(), freq="W-SUN")
    out: dict[str, list[float]] = {}
    for name, cats in FIGURE_CATEGORIES.items():
        chosen = incidents if cats is None else incidents[incidents["category"].isin(cats)]
        if name == "fatalities":
            counts = chosen.groupby(week[chosen.index])["fatalities"].sum()
        else:
            counts = week[chosen.index].value_counts()
        out[name] = [float(v) for v in counts.reindex(weeks, fill_value=0)]
    return out


#: Average H3 cell area by resolution, km² (H3 documentation, "Cell statistics").
H3_CELL_KM2: dict[int, float] = {4: 1770.0, 5: 253.0, 6: 36.1, 7: 5.2}


def hex_summary(hexes: pd.DataFrame, resolution: int, *, tr: Translator = ENGLISH) -> str:
    """Say how many H3 cells hold incidents and how big a cell is.

    Parameters
    ----------
    hexes : DataFrame
        :func:`geo.hotspots.hex_counts` output (``incidents`` per cell).
    resolution : int
        H3 resolution of the cells.
    tr : Translator
        The page's language.

    Returns
    -------
    str
        One sentence.

    Examples
    --------
    >>> hex_summary(pd.DataFrame({"incidents": [0, 2, 1]}), 6)  # doctest: +NORMALIZE_WHITESPACE
    '2 H3 cells (resolution 6, about 36 km² each) hold at least one incident;
    zoom in to see small cells.'
    >>> hex_summary(pd.DataFrame({"incidents": [1]}), 6)  # doctest: +ELLIPSIS
    '1 H3 cell (resolution 6, about 36 km² each) holds at least one incident; ...'
    """
    n = int((hexes["incidents"] > 0).sum()) if len(hexes) else 0
    area = H3_CELL_KM2.get(int(resolution))
    size = tr.gettext(", about {area} km² each").format(area=tr.number(area)) if area else ""
    return tr.ngettext(
        "{n} H3 cell (resolution {resolution}{size}) holds at least one incident; "
        "zoom in to see small cells.",
        "{n} H3 cells (resolution {resolution}{size}) hold at least one incident; "
        "zoom in to see small cells.",
        n,
    ).format(n=tr.number(n), resolution=resolution, size=size)


def gistar_summary(result: pd.DataFrame, params: Any, *, tr: Translator = ENGLISH) -> str:
    """Say in one sentence how many units Gi* found hot or cold, and on what test.

    Parameters
    ----------
    result : DataFrame
        :func:`geo.gistar.gistar` output with ``gistar_class``.
    params : geo.pipeline.Params
        For the units, significance level and correction.
    tr : Translator
        The page's language (for tables without :func:`geo.gistar.gistar_sentence`'s
        attributes; that sentence is English).

    Returns
    -------
    str
        :func:`geo.gistar.gistar_sentence` (units, inference, value, test and
        classes) for a Gi* result; for other tables, e.g. ``"Gi* on 50 admin
        units at α = 0.05 with the false-discovery-rate correction: 2 hot
        spots, 0 cold spots, 48 not significant."``

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> r = pd.DataFrame({"gistar_class": ["hot_95", "not_significant", "cold"]})
    >>> p = SimpleNamespace(gistar_on="hex", gistar_alpha=0.05, gistar_fdr=False)
    >>> gistar_summary(r, p)  # doctest: +NORMALIZE_WHITESPACE
    'Gi* on 3 H3 hexagons at α = 0.05 without correction: 1 hot spot, 1 cold spot,
    1 not significant.'
    """
    t = tr
    if "gistar" in result.attrs:
        units = t.gettext("H3 hexagons") if params.gistar_on == "hex" else t.gettext("admin units")
        return gistar_sentence(result, units=units, tr=t)
    classes = result["gistar_class"].astype(str)
    hot = int(classes.str.startswith("hot").sum())
    cold = int(classes.str.startswith("cold").sum())
    n = len(classes)
    text = (
        t.ngettext(
            "Gi* on {n} H3 hexagon at α = {alpha}", "Gi* on {n} H3 hexagons at α = {alpha}", n
        )
        if params.gistar_on == "hex"
        else t.ngettext(
            "Gi* on {n} admin unit at α = {alpha}", "Gi* on {n} admin units at α = {alpha}", n
        )
    )
    test = (
        t.gettext("with the false-discovery-rate correction")
        if params.gistar_fdr
        else t.gettext("without correction")
    )
    counts = ", ".join(
        (
            t.ngettext("{n} hot spot", "{n} hot spots", hot).format(n=t.number(hot)),
            t.ngettext("{n} cold spot", "{n} cold spots", cold).format(n=t.number(cold)),
            t.ngettext("{n} not significant", "{n} not significant", n - hot - cold).format(
                n=t.number(n - hot - cold)
            ),
        )
    )
    alpha = short(params.gistar_alpha, tr=t)
    return f"{text.format(n=t.number(n), alpha=alpha)} {test}: {counts}."


def weekly_counts(incidents: pd.DataFrame, *, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Count incidents per week (weeks start on Monday) and category, for the chart.

    Parameters
    ----------
    incidents : DataFrame
        Incidents of the window, with ``event_date`` and ``category``.
    tr : Translator
        The language of the category labels.

    Returns
    -------
    DataFrame
        Columns ``week`` (Monday, Timestamp), ``week_end`` (the next Monday),
        ``category`` (label) and ``incidents``; empty weeks are absent.

    Examples
    --------
    >>> df = pd.DataFrame({"event_date": pd.to_datetime(["2025-06-02", "2025-06-08",
    ...     "2025-06-09"]), "category": ["abduction", "abduction", "unrest"]})
    >>> out = weekly_counts(df)
    >>> out["week"].dt.strftime("%Y-%m-%d").tolist(), out["incidents"].tolist()
    (['2025-06-02', '2025-06-09'], [2, 1])
    >>> out["category"].tolist()
    ['Abduction / kidnapping', 'Protest or riot']
    """
    if incidents.empty:
        return pd.DataFrame({"week": [], "category": [], "incidents": []})
    week = incidents["event_date"].dt.to_period("W-SUN").dt.start_time
    out = (
        pd.DataFrame({"week": week, "category": incidents["category"].astype(str)})
        .groupby(["week", "category"], observed=True)
        .size()
        .rename("incidents")
        .reset_index()
    )
    out["category"] = out["category"].map(lambda c: tr.gettext(CATEGORY_LABELS.get(c, c)))
    out["week_end"] = out["week"] + pd.Timedelta(days=7)
    return out[["week", "week_end", "category", "incidents"]]


def _weekly_chart(weekly: pd.DataFrame, *, tr: Translator) -> alt.Chart:
    labels = [tr.gettext(CATEGORY_LABELS[c]) for c in CATEGORIES]
    week, category, incidents = (
        tr.gettext("Week starting"),
        tr.gettext("Category"),
        tr.gettext("Incidents"),
    )
    colors = [CATEGORY_COLORS[c] for c in CATEGORIES]
    return (
        alt.Chart(weekly)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            # TRANSLATORS: a Vega time format (d3): %b month abbreviation, %d day of the month.
            x=alt.X("week:T", title=week, axis=alt.Axis(format=tr.gettext("%b %d"))),
            x2="week_end:T",
            y=alt.Y("sum(incidents):Q", title=incidents),
            color=alt.Color(
                "category:N",
                title=category,
                scale=alt.Scale(domain=labels, range=colors),
                legend=alt.Legend(orient="bottom", columns=4, labelLimit=260),
            ),
            tooltip=[
                alt.Tooltip("week:T", title=week, format=tr.gettext("%b %e, %Y")),
                alt.Tooltip("category:N", title=category),
                alt.Tooltip("incidents:Q", title=incidents),
            ],
        )
        .properties(height=260)
        .configure(locale=chart_locale(tr))
    )


def surge_table(
    surge: pd.DataFrame, units: pd.DataFrame, *, tr: Translator = ENGLISH
) -> pd.DataFrame:
    """List the flagged units by name, with their latest week and month against the averages.

    Parameters
    ----------
    surge : DataFrame
        :func:`geo.surge.surge_flags` output, indexed by unit id.
    units : DataFrame
        Admin statistics with ``unit_id`` and ``name``.
    tr : Translator
        The language of the headings and of ``week`` / ``month``.

    Returns
    -------
    DataFrame
        One row per flagged unit (empty when none): ``Surge`` is ``week`` (its
        latest week against the average week of the past month) or ``month``
        (latest month against the average month of the past year).

    Examples
    --------
    >>> surge = pd.DataFrame({"latest_week": [4, 0], "avg_week_prev_4": [1.0, 0.0],
    ...     "latest_month": [5, 0], "avg_month_prev_12": [3.0, 0.0],
    ...     "week_flag": [True, False], "month_flag": [False, False],
    ...     "ignored": [False, True]}, index=["U1", "U2"])
    >>> units = pd.DataFrame({"unit_id": ["U1", "U2"], "name": ["Kayes", "Kita"]})
    >>> surge_table(surge, units).to_dict("list")
    {'Unit': ['Kayes'], 'Surge': ['week'], 'Latest': [4], 'Average before': [1.0]}
    """
    if surge is None or surge.empty:
        return pd.DataFrame()
    flagged = surge[(surge["week_flag"] | surge["month_flag"]) & ~surge["ignored"]]
    if flagged.empty:
        return pd.DataFrame()
    names = units.set_index("unit_id")["name"] if "unit_id" in units else pd.Series(dtype=str)
    week = flagged["week_flag"].to_numpy()
    t = tr
    return pd.DataFrame(
        {
            t.gettext("Unit"): [str(names.get(i, i)) for i in flagged.index],
            t.gettext("Surge"): [t.gettext("week") if w else t.gettext("month") for w in week],
            t.gettext("Latest"): [
                int(lw) if w else int(lm)
                for w, lw, lm in zip(
                    week, flagged["latest_week"], flagged["latest_month"], strict=True
                )
            ],
            t.gettext("Average before"): [
                round(float(aw if w else am), 1)
                for w, aw, am in zip(
                    week, flagged["avg_week_prev_4"], flagged["avg_month_prev_12"], strict=True
                )
            ],
        }
    )


def units_table(stats: pd.DataFrame, *, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Admin statistics as the page shows them: named columns, most incidents first.

    Parameters
    ----------
    stats : DataFrame
        :func:`geo.admin.aggregate_admin` output.
    tr : Translator
        The language of the headings.

    Returns
    -------
    DataFrame
        Unit, region, incidents, fatalities, rate, previous window and change.
    """
    present = {k: tr.gettext(v) for k, v in _UNIT_COLUMNS.items() if k in stats.columns}
    table = pd.DataFrame(stats[list(present)]).sort_values(
        ["incidents", "fatalities"], ascending=False, kind="stable"
    )
    if "change_label" in table:
        table["change_label"] = [_change_word(v, tr) for v in table["change_label"]]
    return table.rename(columns=present).reset_index(drop=True)


#: Columns of the units table: admin statistics column -> heading.
_UNIT_COLUMNS: dict[str, str] = {
    "name": gettext_noop("Unit"),
    "adm1_name": gettext_noop("Region"),
    "incidents": gettext_noop("Incidents"),
    "fatalities": gettext_noop("Fatalities"),
    "incidents_per_1000km2": gettext_noop("Incidents per 1,000 km²"),
    "prev_incidents": gettext_noop("Previous window"),
    "change_label": gettext_noop("Change"),
    "area_km2": gettext_noop("Area (km²)"),
}
