"""The Sites tab: mines, factories and plants ranked by incident exposure.

Generic industrial areas (most of them around Bamako) are behind a toggle, so
the view leads with the sites security officers are asked about. Everything
comes from one :class:`geo.pipeline.Analysis`; this module only lays it out.
"""

from __future__ import annotations

import hashlib
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.errors import RiskMapError
from geo.i18n import Translator, gettext_noop
from geo.io.sites import read_sites
from geo.palette import SITE_TYPE_LABELS
from geo.pipeline import Analysis, select_incidents
from geo.schema import TREND_LABELS
from geo.sites import site_exposure
from ui import chrome, maps, selection
from ui.data import BUNDLED_KEY
from ui.display import ENGLISH, class_label, searchable, short, styled
from ui.lang import tr

__all__ = [
    "SITE_LISTS",
    "LIST_LABELS",
    "SITE_UPLOAD_TYPES",
    "view",
    "sites_table",
    "site_rows",
    "both_lists",
    "sites_count_text",
]


def view(analysis: Analysis, choices: Any, dataset: Any) -> None:
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
    t = tr()
    p = analysis.params
    st.subheader(t.gettext("Incident exposure of mines, factories and plants"))
    chrome.provenance(analysis)
    st.caption(
        t.gettext(
            "Incidents within {km} km of each site in the 30, 90 and 365 days up to {as_of}, "
            "the nearest incident and the trend (last 90 days against the 90 before). "
            "Exposure counts reported incidents; it does not say a site is safe. Incidents "
            "are drawn as on the Hotspots map."
        ).format(km=short(p.site_radius_km, tr=t), as_of=t.date(p.as_of))
    )
    ranked, which = _site_list(analysis, dataset, t)
    show_generic = st.toggle(
        t.gettext("Also show generic industrial areas (mostly around Bamako)"),
        key="sites.show_generic",
    )
    selection.take_map_click(st.session_state, "sites", "map.sites")
    picked = selection.selected(st.session_state, "sites")
    shown = ranked if show_generic else ranked[ranked["is_key_site"].astype(bool)]
    left, right = st.columns([3, 1], gap="medium")
    with left:
        view = maps.view_map(
            (
                "sites",
                dataset.key,
                analysis.filters,
                p,
                choices.layers,
                show_generic,
                which,
                t.lang,
            ),
            lambda: maps.sites_layers(
                analysis, layers=choices.layers, show_generic=show_generic, sites=ranked, tr=t
            ),
            private=dataset.key != BUNDLED_KEY or which[0] != "bundled",
            layers=choices.layers,
            online_basemap=choices.online_basemap,
            credit=maps.incident_credit(analysis, tr=t),
            selected=shown.loc[shown["site_id"].astype(str) == picked, ["geometry"]],
            tr=t,
        )
        maps.show_map(view, key="map.sites")
    with right:
        st.markdown("**{}**".format(t.gettext("Selected on the map")))
        ordered = shown.sort_values("name")
        picked = selection.choose(
            "sites",
            {
                site: searchable(name)
                for site, name in zip(
                    ordered["site_id"].astype(str), ordered["name"].astype(str), strict=True
                )
            },
            label=t.gettext("Select a site"),
            placeholder=t.gettext("Choose a site, or click one on the map"),
        )
        selection.show_details(
            lambda: site_rows(shown, picked, tr=t),
            hint=t.gettext(
                "Click a site on the map, or choose one above, to see its counts and "
                "nearest incident here."
            ),
        )

    st.subheader(t.gettext("Sites ranked by exposure"))
    table = sites_table(ranked, show_generic=show_generic, tr=t)
    st.dataframe(
        styled(
            table,
            tr=t,
            digits={
                t.gettext("Nearest incident (km)"): 1,
                t.gettext("Exposure score"): 2,
            },
            dates=[t.gettext("Nearest incident date")],
        ),
        hide_index=True,
        width="stretch",
        height=min(36 * (len(table) + 1) + 2, 600),
        column_config={
            t.gettext("Site"): st.column_config.TextColumn(width="medium"),
            t.gettext("Trend"): st.column_config.TextColumn(width="large"),
        },
    )
    n_generic = int((~ranked["is_key_site"].astype(bool)).sum())
    if not show_generic and n_generic:
        st.caption(
            t.ngettext(
                "{n} generic industrial area hidden; switch it on above.",
                "{n} generic industrial areas hidden; switch them on above.",
                n_generic,
            ).format(n=t.number(n_generic))
        )


#: Which site list the view ranks: value -> label.
SITE_LISTS: dict[str, str] = {
    "own": gettext_noop("My sites"),
    "both": gettext_noop("My sites and the bundled sites"),
    "bundled": gettext_noop("Bundled sites (OpenStreetMap 2021)"),
}
#: The list each ranked site came from (the ``list`` column): code -> label.
LIST_LABELS: dict[str, str] = {"own": gettext_noop("My sites"), "bundled": gettext_noop("Bundled")}
#: File types of an own site list (checked again by content in geo.io).
SITE_UPLOAD_TYPES: tuple[str, ...] = ("geojson", "json", "gpkg", "csv", "zip")


@st.cache_data(show_spinner=False, scope="session", max_entries=3)
def _read_own(digest: str, _data: bytes, name: str) -> tuple[gpd.GeoDataFrame | None, str | None]:
    try:
        return read_sites(_data, name=name), None
    except RiskMapError as exc:
        return None, str(exc)


@st.cache_data(show_spinner=False, scope="session", max_entries=6)
def _own_exposure(
    key: tuple[str, str], _assigned: gpd.GeoDataFrame, _sites: gpd.GeoDataFrame, filters, params
) -> gpd.GeoDataFrame:
    chosen = select_incidents(_assigned, filters, params)
    out = site_exposure(
        _sites,
        chosen.upto_as_of,
        radius_km=params.site_radius_km,
        as_of=chosen.as_of,
        imprecise=filters.imprecise,
        half_life_days=params.half_life_days,
    )
    return out.to_crs(4326).assign(site_id=["my:" + str(i) for i in out["site_id"]])


def both_lists(own: gpd.GeoDataFrame, bundled: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rank the user's sites and the bundled sites together, as one site_exposure run would.

    Each site's figures do not depend on the other sites, so the lists are
    joined and ranked again with :func:`geo.sites.site_exposure`'s order
    (score, then 90-day and 365-day counts, then the nearest incident).

    Examples
    --------
    >>> import shapely
    >>> a = gpd.GeoDataFrame({"site_id": ["my:1"], "exposure": [0.5], "n_90d": [1],
    ...     "n_365d": [1], "nearest_km": [3.0]}, geometry=[shapely.Point(0, 0)], crs=4326)
    >>> b = a.assign(site_id=["x"], exposure=[2.0])
    >>> both_lists(a, b)[["site_id", "rank", "list"]].values.tolist()
    [['x', 1, 'bundled'], ['my:1', 2, 'own']]
    """
    joined = pd.concat([own.assign(list="own"), bundled.assign(list="bundled")], ignore_index=True)
    joined = joined.sort_values(
        ["exposure", "n_90d", "n_365d", "nearest_km"],
        ascending=[False, False, False, True],
        kind="stable",
        na_position="last",
    )
    joined["rank"] = range(1, len(joined) + 1)
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=own.crs).reset_index(drop=True)


def _site_list(
    analysis: Analysis, dataset: Any, t: Translator
) -> tuple[gpd.GeoDataFrame, tuple[str, str]]:
    """Draw the own-sites uploader and the list choice; return the ranked sites and their key."""
    upload = st.file_uploader(
        t.gettext("Your own sites (this session only)"),
        type=list(SITE_UPLOAD_TYPES),
        key="sites.upload",
        help=t.gettext(
            "Points or polygons with a name and a type: GeoJSON, GeoPackage, a zipped "
            "shapefile, or a CSV with latitude and longitude columns. Read by the same "
            "sandboxed reader as incident files; nothing leaves this machine."
        ),
    )
    if upload is None:
        return analysis.sites, ("bundled", "")
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    with st.spinner(t.gettext("Reading your sites...")):
        own, problem = _read_own(digest, data, upload.name)
    if own is None:
        chrome.show_user_error(t.gettext("Your site list could not be used."), problem or "")
        return analysis.sites, ("bundled", "")
    which = st.radio(
        t.gettext("Sites to rank"),
        options=list(SITE_LISTS),
        format_func=lambda k: t.gettext(SITE_LISTS[k]),
        key="sites.which",
        horizontal=True,
    )
    if which == "bundled":
        return analysis.sites, ("bundled", "")
    with st.spinner(t.gettext("Ranking your sites...")):
        ranked = _own_exposure(
            (digest, dataset.key), dataset.incidents, own, analysis.filters, analysis.params
        )
    st.caption(
        t.gettext("{sites} read from your file, ranked below.").format(
            sites=sites_count_text(len(ranked), tr=t)
        )
    )
    if which == "both":
        return both_lists(ranked, analysis.sites), ("both", digest)
    return ranked.assign(list="own"), ("own", digest)


def sites_count_text(n: int, *, tr: Translator = ENGLISH) -> str:
    """Say how many sites a list holds.

    Examples
    --------
    >>> sites_count_text(1), sites_count_text(1200)
    ('1 site', '1,200 sites')
    """
    return tr.ngettext("{n} site", "{n} sites", n).format(n=tr.number(n))


def site_rows(
    sites: pd.DataFrame, picked: str | None, *, tr: Translator = ENGLISH
) -> list[tuple[str, object]] | None:
    """Figures of the selected site for the selection panel, or None."""
    row = sites[sites["site_id"].astype(str) == picked]
    if picked is None or row.empty:
        return None
    t = tr
    r = row.iloc[0]
    nearest = pd.to_datetime(r.get("nearest_date"))
    return [
        (t.gettext("Site"), r["name"]),
        (t.gettext("Type"), _site_type(r["site_type"], t)),
        (t.gettext("Operator"), r.get("operator") or None),
        (
            t.gettext("Exposure class"),
            class_label(r["exposure_class"], tr=t)
            if r.get("exposure_class")
            else t.gettext("not classed"),
        ),
        (t.gettext("Incidents, last 30 days"), t.number(int(r["n_30d"]))),
        (t.gettext("Incidents, last 90 days"), t.number(int(r["n_90d"]))),
        (t.gettext("Incidents, last 365 days"), t.number(int(r["n_365d"]))),
        (
            t.gettext("Nearest incident"),
            None
            if pd.isna(r["nearest_km"])
            else t.gettext("{km} km on {date}").format(
                km=t.number(r["nearest_km"], 1),
                date=t.date(nearest.date()) if pd.notna(nearest) else "?",
            ),
        ),
        (t.gettext("Trend"), _trend(r, t) or None),
    ]


def _trend(row: Any, t: Translator) -> str:
    """Say a site's trend in the page's language (geo.sites writes ``trend_text`` in English)."""
    if "trend" not in row or "n_prev_90d" not in row:
        return str(row.get("trend_text") or "")
    word = TREND_LABELS.get(str(row["trend"]), str(row["trend"]))
    return t.gettext("{trend}: {now} in the last 90 days vs {before} in the 90 before").format(
        trend=t.gettext(word),
        now=t.number(int(row["n_90d"])),
        before=t.number(int(row["n_prev_90d"])),
    )


def _site_type(value: object, t: Translator) -> str:
    label = SITE_TYPE_LABELS.get(str(value))
    return str(value) if label is None else t.gettext(label)


def sites_table(
    sites: pd.DataFrame, *, show_generic: bool, tr: Translator = ENGLISH
) -> pd.DataFrame:
    """Sites as the page lists them, most exposed first.

    Parameters
    ----------
    sites : DataFrame
        :func:`geo.sites.site_exposure` output.
    show_generic : bool
        Keep generic industrial areas (``is_key_site`` False).
    tr : Translator
        The language of the headings, types and classes.

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
    t = tr
    chosen = sites if show_generic else sites[sites["is_key_site"].astype(bool)]
    chosen = chosen.sort_values("rank", kind="stable")
    out = pd.DataFrame(
        {
            t.gettext("Rank"): range(1, len(chosen) + 1),
            t.gettext("Site"): chosen["name"].astype(str).to_numpy(),
            t.gettext("Type"): [_site_type(v, t) for v in chosen["site_type"]],
            t.gettext("Class"): [class_label(c, tr=t) for c in chosen["exposure_class"]],
            t.gettext("30 days"): chosen["n_30d"].to_numpy(),
            t.gettext("90 days"): chosen["n_90d"].to_numpy(),
            t.gettext("365 days"): chosen["n_365d"].to_numpy(),
            t.gettext("Nearest incident (km)"): chosen["nearest_km"].to_numpy(),
            t.gettext("Nearest incident date"): pd.to_datetime(
                chosen["nearest_date"]
            ).dt.date.to_numpy(),
            t.gettext("Trend"): [_trend(r, t) for _, r in chosen.iterrows()],
            t.gettext("Exposure score"): chosen["exposure"].to_numpy(),
            t.gettext("Operator"): (
                chosen["operator"].fillna("").astype(str).to_numpy() if "operator" in chosen else ""
            ),
        }
    )
    if "list" in chosen.columns and chosen["list"].nunique() > 1:
        lists = [t.gettext(LIST_LABELS.get(v, str(v))) for v in chosen["list"]]
        out.insert(2, t.gettext("List"), lists)
    return out
