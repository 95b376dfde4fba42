"""Incidents: precise events as clustered points, imprecise ones as dashed areas or roads.

The page must stay small with 20,000 events (DESIGN.md: < 5 MB), so events are
embedded as one compact array: each row holds latitude, longitude, category,
fatalities, and for every text field an index into a table of that field's
distinct values (dates, actors, places and sources repeat a lot). Popups are
built in the browser only when opened. Every string is neutralised by
:func:`layers.safe.safe_text` before it is embedded.

Events are markers whose shape and colour both give the category
(:data:`geo.palette.CATEGORY_SHAPES`), clustered with Leaflet.markercluster
(vendored in ``static/``) under neutral dark cluster badges (the plugin's green
and yellow would read as "fine" and "caution"). An imprecise event is never a pin
(DESIGN.md): it is a dashed circle of :data:`APPROX_RADIUS_KM` by ``geo_precision``
(2: about 25 km, 3: a region-level location, 50 km), the area the event is known
to within, or, when the source places it "between A and B", a dashed stretch of the
road between the two towns (:func:`geo.spread.between_stretches`). The dashed
line itself carries the event's tooltip and popup; the circle's faint fill is not
interactive, so a click inside the area still reaches the unit, segment or site
under it.

The source URL is shown as text, not as a live link: a click from the map frame
would open a page from the analyst's machine and tell that site who is looking;
the analyst can copy the address when they decide to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import CssLink, JavascriptLink
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from folium.template import Template

from geo.errors import ParameterError
from geo.i18n import Translator, gettext_noop
from geo.palette import CATEGORY_COLORS, CATEGORY_SHAPES, marker_svg
from geo.schema import CATEGORIES, CATEGORY_LABELS, SOURCE_LABELS
from geo.spread import between_stretches
from layers._geojson import POPUP_OPTIONS, js_literal, require_columns, to_wgs84
from layers._render import render_layer_once
from layers.legend import LegendItem, swatch_legend
from layers.safe import safe_text
from layers.wording import ENGLISH, day

__all__ = [
    "INCIDENT_COLUMNS",
    "APPROX_RADIUS_KM",
    "POPUP_FIELDS",
    "EVENT_TYPE_LABELS",
    "human_code",
    "IncidentLayer",
    "build_incidents",
]

#: Input contract: the canonical incident record (geo.schema), these columns at least.
INCIDENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "source",
    "event_date",
    "category",
    "event_type",
    "actor1",
    "actor2",
    "fatalities",
    "location",
    "geo_precision",
    "precise",
    "notes",
    "source_url",
)
#: Radius (km) of the approximate circle of an imprecise event, by geo_precision.
APPROX_RADIUS_KM: dict[int, float] = {2: 25.0, 3: 50.0}
#: Text fields of the popup, in order: (key, label translated when shown).
POPUP_FIELDS: tuple[tuple[str, str], ...] = (
    ("date", gettext_noop("Date")),
    ("event_type", gettext_noop("Event type")),
    ("what", gettext_noop("What happened")),
    ("actors", gettext_noop("Actors")),
    ("location", gettext_noop("Location")),
    ("source", gettext_noop("Source")),
    ("source_url", gettext_noop("Source address")),
    ("event_id", gettext_noop("Event id")),
    ("notes", gettext_noop("Notes")),
)
#: Words for the event-type codes of the news log and of common exports (translated when shown).
EVENT_TYPE_LABELS: dict[str, str] = {
    "armed_attack": gettext_noop("Armed attack"),
    "attack_on_site": gettext_noop("Attack on a site"),
    "convoy_attack": gettext_noop("Attack on a convoy"),
    "fuel_convoy": gettext_noop("Fuel convoy"),
    "ied": gettext_noop("Explosive device (IED)"),
    "kidnapping": gettext_noop("Kidnapping"),
    "other": gettext_noop("Other"),
}
#: A coarse date precision, said after the date (translated when shown).
_DATE_PRECISION: dict[str, str] = {
    "week": gettext_noop("{date} (week precision)"),
    "month": gettext_noop("{date} (month precision)"),
    "year": gettext_noop("{date} (year precision)"),
}
_CODE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+|[a-z]+")
#: Decimal places of event coordinates on the page (about 1 m).
_DECIMALS = 5


class IncidentLayer(JSCSSMixin, folium.map.Layer):
    """Clustered precise events and approximate circles, from one compact table.

    Built by :func:`build_incidents`; it loads Leaflet.markercluster through the
    same link names as ``folium.plugins.MarkerCluster``, so
    :func:`layers.assets.use_local_assets` serves it from ``static/``.
    """

    default_js = list(MarkerCluster.default_js)
    default_css = list(MarkerCluster.default_css)

    def render(self, **kwargs: Any) -> None:
        """Add the markercluster links, then render in one Jinja pass (:mod:`layers._render`)."""
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        render_layer_once(self, **kwargs)

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function() {
            var T = {{ this.js("tables") }};
            var F = {{ this.js("fields") }};
            var C = {{ this.js("categories") }};
            var P = {{ this.js("precise") }};
            var A = {{ this.js("approx") }};
            var S = {{ this.js("stretches") }};
            var O = {{ this.js("look") }};
            var nf = 4;
            function popup(r, km) {
                var c = C[r[2]];
                var h = '<div class="srm-popup"><div class="srm-popup-title">' + c[0]
                    + "</div><table>";
                for (var k = 0; k < F.length; k++) {
                    var v = T[k][r[nf + k]];
                    if (v) { h += '<tr><th scope="row">' + F[k][0] + '</th><td class="'
                        + F[k][1] + '">' + v + "</td></tr>"; }
                }
                h += '<tr><th scope="row">' + O.fatalities + "</th><td>"
                    + (r[3] === null ? "–" : r[3]) + "</td></tr>";
                if (km > 0) { h += '<tr><th scope="row">' + O.precision + "</th><td>"
                    + O.approx_text + " " + km + " km</td></tr>"; }
                if (km < 0) { h += '<tr><th scope="row">' + O.precision + "</th><td>"
                    + O.road_text + "</td></tr>"; }
                return h + "</table></div>";
            }
            function icon(svg) {
                var z = O.size;
                return L.divIcon({html: svg, className: "srm-incident", iconSize: [z, z],
                    iconAnchor: [z / 2, z / 2], popupAnchor: [0, -z / 2]});
            }
            var icons = C.map(function(c) { return icon(c[2]); });
            // A marker's title is plain text: the category name with its entities decoded
            // (a textarea parses them without running anything).
            var names = C.map(function(c) {
                var t = document.createElement("textarea");
                t.innerHTML = c[0];
                return t.value;
            });
            var cluster = L.markerClusterGroup(Object.assign({}, O.cluster, {
                iconCreateFunction: function(cl) {
                    var n = cl.getChildCount();
                    var size = n < 10 ? 28 : (n < 100 ? 34 : 42);
                    return L.divIcon({html: "<span>" + n + "</span>", className: "srm-cluster",
                        iconSize: [size, size]});
                }
            }));
            var group = L.featureGroup();
            var markers = [];
            P.forEach(function(r) {
                var m = L.marker([r[0], r[1]], {icon: icons[r[2]], title: names[r[2]]});
                m.bindPopup(function() { return popup(r, 0); }, O.popup);
                markers.push(m);
            });
            // An imprecise event is its area or road stretch, never a pin: the dashed line
            // opens its popup; a line without fill takes clicks on its stroke only.
            function outline(line, r, km) {
                line.bindPopup(function() { return popup(r, km); }, O.popup);
                line.bindTooltip(km > 0 ? C[r[2]][0] + " – " + O.approx_text + " " + km
                    + " km" : C[r[2]][0] + " – " + O.road_text, {sticky: true});
                group.addLayer(line);
            }
            A.forEach(function(r) {
                var km = r[r.length - 1];
                // The faint fill never takes a click from the units, segments or sites
                // under the area.
                group.addLayer(L.circle([r[0], r[1]], {
                    radius: km * 1000, stroke: false, fillColor: C[r[2]][1],
                    fillOpacity: 0.05, interactive: false
                }));
                outline(L.circle([r[0], r[1]], {
                    radius: km * 1000, color: C[r[2]][1], weight: 2, dashArray: "6 5",
                    fill: false
                }), r, km);
            });
            S.forEach(function(r) {
                // somewhere on the road between two towns: the stretch
                outline(L.polyline(r[r.length - 1], {
                    color: C[r[2]][1], weight: 4, opacity: 0.8, dashArray: "8 6"
                }), r, -1);
            });
            cluster.addLayers(markers);
            group.addLayer(cluster);
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        tables: list[list[str]],
        categories: list[list[str]],
        precise: list[list],
        approx: list[list],
        stretches: list[list],
        bounds: list[list[float | None]],
        marker_radius_px: float = 6.0,
        tr: Translator = ENGLISH,
    ):
        super().__init__(name=None, overlay=True, control=False, show=True)
        self._name = "IncidentLayer"
        self.tables = tables
        self.fields = [
            [safe_text(tr.gettext(label)), "srm-url" if key == "source_url" else ""]
            for key, label in POPUP_FIELDS
        ]
        self.categories = categories
        self.precise = precise
        self.approx = approx
        self.stretches = stretches
        self.bounds = bounds
        self.look = {
            "size": marker_size_px(marker_radius_px),
            "fatalities": safe_text(tr.gettext("Fatalities")),
            "precision": safe_text(tr.gettext("Location precision")),
            "approx_text": safe_text(tr.gettext("approximate, within about")),
            "road_text": safe_text(tr.gettext("somewhere on the road between the two towns named")),
            "cluster": {"chunkedLoading": True, "maxClusterRadius": 45},
            "popup": POPUP_OPTIONS,
        }

    def js(self, attr: str) -> str:
        """Compact JSON of one attribute, for the template."""
        return js_literal(getattr(self, attr))

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self.bounds


def marker_size_px(radius_px: float) -> int:
    """Width of an incident marker's icon for a dot of ``radius_px`` (outline included)."""
    return int(round(2 * float(radius_px) + 2))


def human_code(value: object, tr: Translator = ENGLISH) -> str:
    """Words for a snake_case code (``convoy_attack`` -> ``Attack on a convoy``); text unchanged.

    The codes of :data:`EVENT_TYPE_LABELS` are named in ``tr``'s language;
    other codes are only made readable, text from the data is left as given.

    Examples
    --------
    >>> human_code("convoy_attack"), human_code("foreign_workers"), human_code("JNIM")
    ('Attack on a convoy', 'Foreign workers', 'JNIM')
    >>> human_code("State-based violence"), human_code("mine")
    ('State-based violence', 'Mine')
    """
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    if not _CODE.fullmatch(text):
        return text
    if text in EVENT_TYPE_LABELS:
        return tr.gettext(EVENT_TYPE_LABELS[text])
    return text.replace("_", " ").capitalize()


def _encode(values: pd.Series) -> tuple[list[str], np.ndarray]:
    """Neutralise and dictionary-encode one text column: (distinct values, code per row)."""
    text = [safe_text(v) for v in values.tolist()]
    codes, uniques = pd.factorize(pd.Series(text, dtype=object), sort=False)
    return [str(u) for u in uniques], codes


def _date_text(gdf: gpd.GeoDataFrame, tr: Translator) -> pd.Series:
    dates = pd.to_datetime(gdf["event_date"], errors="coerce").dt.normalize()
    words = {d: day(d.date(), tr) for d in pd.DatetimeIndex(dates.dropna().unique())}
    out = dates.map(words).where(dates.notna(), "").astype(object)
    if "date_precision" in gdf.columns:
        prec = gdf["date_precision"].astype("object")
        out = pd.Series(
            [
                tr.gettext(_DATE_PRECISION[p]).format(date=d) if d and p in _DATE_PRECISION else d
                for d, p in zip(out, prec, strict=True)
            ],
            index=gdf.index,
            dtype=object,
        )
    return out


def _actors(gdf: gpd.GeoDataFrame, tr: Translator) -> pd.Series:
    a1 = gdf["actor1"].astype("object").map(lambda v: human_code(v, tr))
    a2 = gdf["actor2"].astype("object").map(lambda v: human_code(v, tr))
    both = tr.gettext("{first} vs {second}")
    return pd.Series(
        [
            (both.format(first=x, second=y) if x and y else x + y).strip()
            for x, y in zip(a1, a2, strict=True)
        ],
        index=gdf.index,
        dtype=object,
    )


def _counts_note(precise: int, areas: int, roads: int, left_out: int, tr: Translator) -> str:
    """Say how many events are drawn each way and how many are not (English keeps one form)."""
    parts = [
        tr.ngettext("{n} precise events as points", "{n} precise events as points", precise),
        tr.ngettext("{n} imprecise as areas", "{n} imprecise as areas", areas),
    ]
    counts = [precise, areas]
    if roads:
        parts.append(
            tr.ngettext(
                "{n} between two towns as road stretches",
                "{n} between two towns as road stretches",
                roads,
            )
        )
        counts.append(roads)
    if left_out:
        parts.append(
            tr.ngettext(
                "{n} without coordinates not drawn", "{n} without coordinates not drawn", left_out
            )
        )
        counts.append(left_out)
    sentence = "; ".join(p.format(n=tr.number(k)) for p, k in zip(parts, counts, strict=True))
    return sentence + "."


def build_incidents(
    incidents: gpd.GeoDataFrame,
    *,
    name: str,
    show: bool = True,
    note_chars: int = 300,
    notes_budget_chars: int = 600_000,
    approx_radius_km: Mapping[int, float] = APPROX_RADIUS_KM,
    marker_radius_px: float = 6.0,
    note: str = "",
    legend: bool = True,
    legend_open: bool = True,
    stretches: gpd.GeoSeries | None = None,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw incidents: precise ones clustered, imprecise ones as dashed areas or road stretches.

    Parameters
    ----------
    incidents : GeoDataFrame
        Canonical incident records (:data:`INCIDENT_COLUMNS` at least; ``date_precision``
        is used when present), Point geometry, any CRS. Not modified.
    name : str
        Layer name and legend title.
    show : bool
        Shown when the map opens.
    note_chars : int
        Notes longer than this are cut (with "…") in popups; 0 leaves notes out.
    notes_budget_chars : int
        Characters of notes the page may hold in all; each note is cut to
        ``min(note_chars, notes_budget_chars // n_events)``. Notes are the
        largest part of the page: the default keeps full 300-character notes up
        to 2,000 events and the page of 20,000 events under 5 MB with the basemap.
    approx_radius_km : mapping of int to float
        Circle radius by ``geo_precision`` for imprecise events; precisions not
        listed use the largest radius.
    marker_radius_px : float
        Half the width of an event's marker, px.
    note : str
        Extra small print for the legend (window, source); the counts drawn and
        left out are added automatically.
    legend : bool
        Add the legend control.
    legend_open : bool
        The legend starts open (False: only its title shows until clicked).
    stretches : GeoSeries, optional
        Road lines indexed like ``incidents`` (any CRS): those events are drawn
        as a dashed stretch instead of a circle. Default
        :func:`geo.spread.between_stretches` (events placed "between A and B").
    tr : Translator
        Language of the popups, tooltips, category names, dates and legend
        (place names, actors, sources' words and notes stay as the data has them).

    Returns
    -------
    folium.FeatureGroup

    Raises
    ------
    ParameterError
        On a missing column or a negative ``note_chars``.
    CRSError
        If ``incidents`` has no CRS.

    Notes
    -----
    Events without a usable point (missing, empty or non-finite geometry) are
    not drawn; the legend says how many.
    """
    require_columns(incidents, INCIDENT_COLUMNS, what="build_incidents")
    if note_chars < 0 or notes_budget_chars < 0:
        raise ParameterError(
            f"build_incidents: note_chars is {note_chars} and notes_budget_chars is "
            f"{notes_budget_chars}; use 0 or more."
        )
    gdf = to_wgs84(incidents, what="build_incidents")
    geom = gdf.geometry
    is_point = (geom.geom_type == "Point").to_numpy() & ~(geom.is_empty | geom.isna()).to_numpy()
    x = np.full(len(gdf), np.nan)
    y = np.full(len(gdf), np.nan)
    x[is_point], y[is_point] = geom[is_point].x.to_numpy(), geom[is_point].y.to_numpy()
    drawable = is_point & np.isfinite(x) & np.isfinite(y)
    gdf, x, y = gdf[drawable], x[drawable], y[drawable]
    if stretches is None:
        stretches = between_stretches(gdf)
    stretch_of = stretches.to_crs(4326).reindex(gdf.index)
    n_left_out = int((~drawable).sum())

    cut = min(note_chars, notes_budget_chars // max(len(gdf), 1))
    notes = gdf["notes"].astype("object").where(gdf["notes"].notna(), "").astype(str)
    long = notes.str.len() > cut
    notes = notes.where(~long, notes.str.slice(0, cut).str.rstrip() + "…")
    if cut == 0:
        notes = notes.str.slice(0, 0)
    source = (
        gdf["source"]
        .astype("object")
        .map(lambda s: tr.gettext(SOURCE_LABELS[s]) if s in SOURCE_LABELS else s)
    )
    columns = {
        "date": _date_text(gdf, tr),
        "event_type": gdf["event_type"].astype("object").map(lambda v: human_code(v, tr)),
        "what": (
            gdf["sub_event_type"].astype("object").map(lambda v: human_code(v, tr))
            if "sub_event_type" in gdf.columns
            else pd.Series("", index=gdf.index)
        ),
        "actors": _actors(gdf, tr),
        "location": gdf["location"],
        "source": source,
        "source_url": gdf["source_url"],
        "event_id": gdf["event_id"],
        "notes": notes,
    }
    tables, codes = [], []
    for key, _label in POPUP_FIELDS:
        table, code = _encode(pd.Series(columns[key]).reset_index(drop=True))
        tables.append(table)
        codes.append(code)

    cats = gdf["category"].astype("object").where(gdf["category"].isin(CATEGORIES), "other")
    cat_idx = np.array([CATEGORIES.index(c) for c in cats], dtype=int)
    fatal = pd.to_numeric(gdf["fatalities"], errors="coerce").to_numpy(dtype=float)
    precise = gdf["precise"].eq(True).to_numpy()
    precision = pd.to_numeric(gdf["geo_precision"], errors="coerce").to_numpy(dtype=float)
    largest = max(approx_radius_km.values()) if approx_radius_km else 50.0
    radius = [
        float(approx_radius_km.get(int(p), largest)) if np.isfinite(p) else largest
        for p in precision
    ]

    rows_p: list[list] = []
    rows_a: list[list] = []
    rows_s: list[list] = []
    for i in range(len(gdf)):
        row = [
            round(float(y[i]), _DECIMALS),
            round(float(x[i]), _DECIMALS),
            int(cat_idx[i]),
            int(fatal[i]) if np.isfinite(fatal[i]) else None,
            *(int(c[i]) for c in codes),
        ]
        line = stretch_of.iloc[i]
        if precise[i]:
            rows_p.append(row)
        elif line is not None and not line.is_empty:
            coords = shapely.get_coordinates(line)[:, ::-1].round(_DECIMALS).tolist()
            rows_s.append([*row, coords])
        else:
            rows_a.append([*row, radius[i]])

    bounds: list[list[float | None]] = (
        [[float(y.min()), float(x.min())], [float(y.max()), float(x.max())]]
        if len(gdf)
        else [[None, None], [None, None]]
    )
    size = marker_size_px(marker_radius_px)
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    IncidentLayer(
        tables=tables,
        categories=[
            [
                safe_text(tr.gettext(CATEGORY_LABELS[c])),
                CATEGORY_COLORS[c],
                marker_svg(CATEGORY_SHAPES[c], CATEGORY_COLORS[c], size_px=size),
            ]
            for c in CATEGORIES
        ],
        precise=rows_p,
        approx=rows_a,
        stretches=rows_s,
        bounds=bounds,
        marker_radius_px=marker_radius_px,
        tr=tr,
    ).add_to(group)
    if legend:
        present = [c for c in CATEGORIES if c in set(cats)]
        items = [
            LegendItem(
                tr.gettext(CATEGORY_LABELS[c]), CATEGORY_COLORS[c], f"marker_{CATEGORY_SHAPES[c]}"
            )
            for c in present
        ]
        if rows_a:
            items.append(
                LegendItem(
                    tr.gettext("Approximate location (the area it lies in)"),
                    "#555555",
                    "dashed_circle",
                )
            )
        if rows_s:
            items.append(
                LegendItem(
                    tr.gettext("Somewhere on this road (between two towns)"),
                    "#555555",
                    "dashed_line",
                )
            )
        small = _counts_note(len(rows_p), len(rows_a), len(rows_s), n_left_out, tr)
        small = f"{small} {note}".strip() if note else small
        swatch_legend(items, title=name, note=small, expanded=legend_open, tr=tr).add_to(group)
    return group
