"""Incident exposure of mines, factories, plants and other sites: counts, nearest event, trend.

Each site gets the incidents within ``radius_km`` (or a radius per category)
over the last 30, 90 and 365 days before the analysis date, the nearest recent
incident with its geodesic distance, the trend of the last 90 days against the
90 before, and a weighted exposure score (the formula of
:func:`geo.exposure.exposure_contributions`) classed with the same fixed breaks as
route exposure. Mines, factories, power plants and dams are flagged as key sites
so that views lead with them rather than with generic industrial areas.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.checks import check_exposure_options, check_imprecise, check_positive
from geo.crs import GEOD, METRIC_CRS, WGS84
from geo.errors import CRSError, ParameterError
from geo.exposure import (
    EXPOSURE_CLASS_BREAKS,
    analysis_record,
    classify_exposure,
    event_weights,
    exposure_contributions,
    left_out_text,
    points_in,
    read_columns,
    select_incidents,
    split_imprecise,
    spread_of,
    spread_pairs,
    spread_record,
    type_weight_of,
    window_text,
)
from geo.i18n import Translator, gettext_noop, translator
from geo.schema import (
    CATEGORIES,
    CATEGORY_LABELS,
    CATEGORY_WEIGHT_WORDS,
    EXPOSURE_CLASS_LABELS,
    SOURCE_LABELS,
    TREND_LABELS,
)
from geo.settings import DEFAULTS
from geo.spread import Spread, SpreadLayers

#: The default language of the summary (callers pass ``tr`` for another).
_EN: Translator = translator()
#: A site's trend in words: the last 90 days against the 90 before.
TREND_SENTENCE: str = gettext_noop("{trend}: {n} in the last 90 days vs {before} in the 90 before")

__all__ = ["NON_KEY_SITE_TYPES", "WINDOWS_DAYS", "site_exposure", "format_site_summary"]

#: Site types that are *not* key sites (generic areas); every other type is.
NON_KEY_SITE_TYPES: frozenset[str] = frozenset({"industrial", "other"})

#: Count windows, days before the analysis date: column -> (min age, max age), max excluded.
WINDOWS_DAYS: dict[str, tuple[int, int]] = {
    "n_30d": (0, 30),
    "n_90d": (0, 90),
    "n_365d": (0, 365),
    "n_prev_90d": (90, 180),
}

#: Nearest incident is sought among incidents at most this old (days).
NEAREST_MAX_AGE_DAYS = 365


def _category_radii(
    radius_km: float, category_radius_km: Mapping[str, float] | None
) -> dict[str, float]:
    radii = {c: radius_km for c in CATEGORIES}
    unknown = sorted(set(category_radius_km or {}) - set(CATEGORIES))
    if unknown:
        raise ParameterError(
            f"`category_radius_km` has unknown categories {unknown}; "
            f"the categories are {list(CATEGORIES)}."
        )
    for cat, value in dict(category_radius_km or {}).items():
        radii[cat] = check_positive(f"category_radius_km[{cat!r}]", value)
    return radii


def site_exposure(
    sites: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    radius_km: float = DEFAULTS.site_radius_km,
    category_radius_km: Mapping[str, float] | None = None,
    as_of: object = None,
    imprecise: str = DEFAULTS.imprecise,
    half_life_days: float = DEFAULTS.half_life_days,
    type_weights: Mapping[str, float] = DEFAULTS.type_weights,
    distance_decay: str = DEFAULTS.distance_decay,
    spread_layers: SpreadLayers | None = None,
) -> gpd.GeoDataFrame:
    """Incident exposure of each site: window counts, nearest incident, trend, score, rank.

    Parameters
    ----------
    sites : GeoDataFrame
        Site points (or polygons), any CRS (EPSG:4326 as
        :func:`geo.io.bundled.load_sites` gives them); ``site_type`` is used for
        ``is_key_site`` when present.
    incidents : GeoDataFrame
        Canonical incidents (:mod:`geo.schema`), any CRS.
    radius_km : float
        Incidents within this distance of a site count, km.
    category_radius_km : Mapping[str, float], optional
        A different radius for some categories, e.g. ``{"abduction": 50}``.
    as_of : date-like, optional
        Analysis date; windows end on it (inclusive) and later incidents are
        left out. Default: the newest ``event_date`` in ``incidents``.
    imprecise : {"spread", "drop"}
        ``spread`` (default): an event whose location is not its own place
        adds its expected contribution over its uncertainty area to the score
        (:func:`geo.spread.spread_areas`); ``drop``: it is left out.
    half_life_days : float
        Age at which an incident's weight in the score halves, days.
    type_weights : Mapping[str, float]
        Weight (>= 0) of each category in the score; unlisted categories weigh 0.
    distance_decay : {"linear", "gaussian", "none"}
        Kernel over distance within the radius (see
        :data:`geo.checks.DISTANCE_DECAYS`).
    spread_layers : SpreadLayers, optional
        Cercles, towns and roads for the areas; default the bundled ones.

    Returns
    -------
    GeoDataFrame
        ``sites`` (a copy: same index, order and CRS) plus:

        - ``n_30d``, ``n_90d``, ``n_365d``: incidents within the radius aged
          0-29, 0-89 and 0-364 days (the analysis day is age 0);
        - ``n_prev_90d``: aged 90-179 days; ``trend``: ``up``, ``down`` or
          ``flat`` (``n_90d`` against ``n_prev_90d``) and ``trend_text``;
        - ``nearest_date``, ``nearest_category``, ``nearest_event_type``,
          ``nearest_location``, ``nearest_source``, ``nearest_km``: the nearest
          incident of the last 365 days, at any distance (geodesic km; NaN/empty
          when there is none);
        - ``exposure``: the weighted score over all ages; ``exposure_class``
          (:func:`geo.exposure.classify_exposure`);
        - ``rank``: 1 = most exposed (score, then ``n_90d``, ``n_365d``, nearest);
        - ``is_key_site``: True for mines, factories, plants and dams
          (``site_type`` not in :data:`NON_KEY_SITE_TYPES`);
        - ``n_spread_365d``: imprecise events of the last 365 days whose
          uncertainty area comes within the radius (they add to ``exposure``,
          not to the counts, which are of located events; 0 with ``drop``).

        ``attrs`` holds the analysis record (as in
        :func:`geo.exposure.segment_exposure`) with ``radius_km``,
        ``category_radius_km``, ``n_sites_no_location`` and the spreading
        record (``imprecise``, ``n_spread``, ``n_spread_by_kind``, ``spread``).

    Raises
    ------
    CRSError
        If ``sites`` or ``incidents`` has no CRS.
    ParameterError
        If a radius, the half-life, a weight or the decay is invalid, or
        ``category_radius_km`` names an unknown category.
    InputFileError
        If ``incidents`` lacks a canonical column.

    Notes
    -----
    For site s, with r(c) the radius of category c::

        exposure(s) = sum over i with d(s, i) <= r(category_i) of
                      w(category_i) · k(d(s, i); r(category_i)) · 0.5 ** (age_i / half_life_days)

    It is in the same unit as route exposure per km (one convoy attack or
    abduction today, at the site, counts 1), so the class breaks
    :data:`geo.exposure.EXPOSURE_CLASS_BREAKS` mean the same thing. Counting
    distances are measured in :data:`geo.crs.METRIC_CRS` (within 0.33 % of the
    geodesic over western Mali); the nearest incident is found there and its
    distance recomputed on the ellipsoid with :class:`pyproj.Geod`. One
    ``STRtree`` bulk query over all sites; cost grows with the pairs within the
    largest radius.

    An imprecise event adds its expected contribution over its uncertainty
    area U_i, w · 0.5 ** (age / half_life_days) · E[k(d(s, X); r)] with X
    uniform on U_i, computed on the samples of
    :func:`geo.spread.spread_areas` (formula in
    :func:`geo.exposure.segment_exposure`).
    """
    radius_km = check_positive("radius_km", radius_km)
    half_life_days, distance_decay, weights = check_exposure_options(
        half_life_days=half_life_days, distance_decay=distance_decay, type_weights=type_weights
    )
    radii = _category_radii(radius_km, category_radius_km)
    if sites.crs is None:
        raise CRSError("sites has no CRS; set one with .set_crs(...) (EPSG:4326 for lon/lat).")

    imprecise = check_imprecise(imprecise)
    kept, meta = select_incidents(
        read_columns(incidents), as_of=as_of, include_imprecise=imprecise == "spread"
    )
    kept, vague = split_imprecise(kept, imprecise)
    n_sites = len(sites)
    site_m = np.asarray(sites.geometry.to_crs(METRIC_CRS).values)
    no_location = np.asarray(sites.geometry.isna() | sites.geometry.is_empty)
    inc_m = points_in(kept, METRIC_CRS)
    inc_ll = shapely.get_coordinates(points_in(kept, WGS84))
    type_w = type_weight_of(kept["category"], weights)
    inc_radius = _radius_of(kept["category"], radii, radius_km)
    stamp = meta["as_of"]
    if stamp is not None and len(kept):
        dates = pd.to_datetime(kept["event_date"]).dt.normalize()
        age_days = (stamp - dates).dt.days.to_numpy(dtype=float)
    else:
        age_days = np.zeros(len(kept))

    tree = shapely.STRtree(inc_m)
    s_idx, i_idx = tree.query(site_m, predicate="dwithin", distance=max(radii.values()) * 1000.0)
    d_km = shapely.distance(site_m[s_idx], inc_m[i_idx]) / 1000.0
    within = d_km <= inc_radius[i_idx]
    s_idx, i_idx, d_km = s_idx[within], i_idx[within], d_km[within]
    age = age_days[i_idx]

    out = sites.copy()
    for column, (lo, hi) in WINDOWS_DAYS.items():
        hit = (age >= lo) & (age < hi)
        out[column] = np.bincount(s_idx[hit], minlength=n_sites).astype("int64")
    n90, prev = out["n_90d"].to_numpy(), out["n_prev_90d"].to_numpy()
    out["trend"] = np.select([n90 > prev, n90 < prev], ["up", "down"], "flat")
    out["trend_text"] = [
        TREND_SENTENCE.format(trend=t, n=a, before=b)
        for t, a, b in zip(out["trend"], n90, prev, strict=True)
    ]
    for column, value in _nearest(site_m, inc_m, inc_ll, kept, age_days).items():
        out[column] = value
    contrib = exposure_contributions(
        type_w[i_idx],
        d_km,
        age,
        radius_km=inc_radius[i_idx],
        half_life_days=half_life_days,
        distance_decay=distance_decay,
    )
    score = np.bincount(s_idx, weights=contrib, minlength=n_sites)
    spread = spread_of(vague, spread_layers)
    n_spread = np.zeros(n_sites, dtype="int64")
    if spread is not None:
        score, n_spread = _add_spread(
            score, n_spread, spread, vague, site_m, radii, radius_km,
            weights=weights, as_of=stamp, half_life_days=half_life_days,
            distance_decay=distance_decay,
        )  # fmt: skip
    out["exposure"] = score
    out["exposure_class"] = classify_exposure(score)
    nearest = out["nearest_km"].fillna(math.inf).to_numpy()
    order = np.lexsort((nearest, -out["n_365d"].to_numpy(), -n90, -score))
    rank = np.empty(n_sites, dtype="int64")
    rank[order] = np.arange(1, n_sites + 1)
    out["rank"] = rank
    if "site_type" in sites.columns:
        out["is_key_site"] = ~sites["site_type"].fillna("other").astype(str).isin(
            NON_KEY_SITE_TYPES
        )
    else:
        out["is_key_site"] = False
    out["n_spread_365d"] = n_spread

    record = analysis_record(
        meta,
        analysis="site incident exposure",
        radius_km=radius_km,
        category_radius_km={c: r for c, r in radii.items() if r != radius_km},
        half_life_days=half_life_days,
        distance_decay=distance_decay,
        type_weights=weights,
        class_breaks=list(EXPOSURE_CLASS_BREAKS),
        n_sites=n_sites,
        n_sites_no_location=int(no_location.sum()),
        **spread_record(spread, imprecise=imprecise),
    )
    out.attrs = record
    return out


def _radius_of(categories: pd.Series, radii: Mapping[str, float], radius_km: float) -> np.ndarray:
    """Return the counting radius of each incident's category, km (``radius_km`` without one)."""
    codes, uniques = pd.factorize(categories.astype(object))
    table = np.array([float(radii.get(str(u), radius_km)) for u in uniques] + [radius_km])
    return table[codes]  # code -1 (missing) takes the trailing default


def _add_spread(
    score: np.ndarray,
    n_spread: np.ndarray,
    spread: Spread,
    vague: gpd.GeoDataFrame,
    site_m: np.ndarray,
    radii: Mapping[str, float],
    radius_km: float,
    *,
    weights: Mapping[str, float],
    as_of: pd.Timestamp | None,
    half_life_days: float,
    distance_decay: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Add the expected contributions of the spread events, one pass per distinct radius."""
    w = event_weights(vague, weights, as_of, half_life_days)
    radius = _radius_of(vague["category"], radii, radius_km)
    if as_of is not None:
        age = (as_of - pd.to_datetime(vague["event_date"]).dt.normalize()).dt.days.to_numpy()
    else:
        age = np.zeros(len(vague))
    tree = shapely.STRtree(site_m)
    score, n_spread = score.astype(float), n_spread.copy()
    for r in np.unique(radius):
        sel = radius == r
        s_site, s_area, contrib = spread_pairs(
            spread, np.where(sel, w, 0.0), tree, site_m, radius_km=float(r),
            distance_decay=distance_decay,
        )  # fmt: skip
        score += np.bincount(s_site, weights=contrib, minlength=len(site_m))
        recent = np.bincount(spread.event_area[sel & (age < 365)], minlength=spread.n_areas)
        touch = np.unique(s_site * spread.n_areas + s_area)
        t_site, t_area = touch // spread.n_areas, touch % spread.n_areas
        n_spread += np.bincount(t_site, weights=recent[t_area], minlength=len(site_m)).astype(
            "int64"
        )
    return score, n_spread


def _nearest(
    site_m: np.ndarray,
    inc_m: np.ndarray,
    inc_ll: np.ndarray,
    kept: gpd.GeoDataFrame,
    age_days: np.ndarray,
) -> dict[str, Any]:
    """Nearest incident of the last :data:`NEAREST_MAX_AGE_DAYS` days for each site."""
    n = len(site_m)
    result: dict[str, Any] = {
        "nearest_date": np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
        "nearest_category": np.full(n, "", dtype=object),
        "nearest_event_type": np.full(n, "", dtype=object),
        "nearest_location": np.full(n, "", dtype=object),
        "nearest_source": np.full(n, "", dtype=object),
        "nearest_km": np.full(n, np.nan),
    }
    recent = np.flatnonzero(age_days < NEAREST_MAX_AGE_DAYS)
    if not len(recent):
        return result
    tree = shapely.STRtree(inc_m[recent])
    s, j = tree.query_nearest(site_m, all_matches=False)
    i = recent[j]
    # geodesic distance from the nearest point of the site to the incident
    near_pt = shapely.get_point(shapely.shortest_line(site_m[s], inc_m[i]), 0)
    xy = shapely.get_coordinates(near_pt)
    back = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)
    lon, lat = back.transform(xy[:, 0], xy[:, 1])
    result["nearest_km"][s] = GEOD.inv(lon, lat, inc_ll[i, 0], inc_ll[i, 1])[2] / 1000.0
    result["nearest_date"][s] = pd.to_datetime(kept["event_date"].iloc[i]).to_numpy()
    for column, source in (
        ("nearest_category", "category"),
        ("nearest_event_type", "event_type"),
        ("nearest_location", "location"),
        ("nearest_source", "source"),
    ):
        if source in kept.columns:
            # Only the nearest rows are converted, not the whole column.
            result[column][s] = kept[source].iloc[i].fillna("").astype(str).to_numpy()
    return result


def format_site_summary(result: gpd.GeoDataFrame, *, n: int = 10, tr: Translator = _EN) -> str:
    """Plain-text summary of :func:`site_exposure`: record, then the top key sites and others.

    Parameters
    ----------
    result : GeoDataFrame
        Output of :func:`site_exposure`.
    n : int
        Sites listed in each group.
    tr : Translator
        The language of the text (English by default); site names as written.

    Returns
    -------
    str
        The analysis record (date, window, radius, sources, what was left out
        and why) and the ``n`` highest-ranked key sites, then other sites.
    """
    from geo.provenance import format_day

    m = result.attrs
    sources = tr.join(tr.gettext(SOURCE_LABELS.get(s, s)) for s in m.get("sources", [])) or (
        tr.gettext("none")
    )
    radii = m.get("category_radius_km") or {}
    extra = "".join(
        f", {tr.gettext(CATEGORY_WEIGHT_WORDS.get(c, c))} {tr.number(r)} km"
        for c, r in radii.items()
    )
    as_of = m.get("as_of")
    lines = [
        tr.gettext("Site incident exposure as of {as_of}").format(
            as_of=format_day(as_of, tr=tr) if as_of else "n/a"
        ),
        tr.gettext(
            "Window: incidents dated {window}; counts over the last 30/90/365 days; radius "
            "{radius} km{extra}; score weights halve every {half_life} days."
        ).format(
            window=window_text(m, tr=tr),
            radius=tr.number(m.get("radius_km", 0)),
            extra=extra,
            half_life=tr.number(m.get("half_life_days", 0)),
        ),
        tr.gettext("Sources: {sources}. Incidents used: {n}.").format(
            sources=sources, n=tr.number(m.get("n_used", 0))
        ),
        left_out_text(m, tr=tr),
        "",
    ]
    ranked = result.sort_values("rank")
    name = ranked["name"] if "name" in ranked.columns else pd.Series("", index=ranked.index)
    groups = (
        (tr.gettext("Key sites (mines, factories, plants, dams):"), ranked["is_key_site"]),
        (tr.gettext("Other sites:"), ~ranked["is_key_site"]),
    )
    for title, mask in groups:
        part = ranked[mask.to_numpy()].head(n)
        lines.append(title)
        if part.empty:
            lines.append("  " + tr.gettext("none"))
        for idx, row in part.iterrows():
            near = (
                tr.gettext("nearest {category} {km} km away on {day}").format(
                    category=tr.gettext(
                        CATEGORY_LABELS.get(row["nearest_category"], row["nearest_category"])
                    ),
                    km=tr.number(row["nearest_km"], 1),
                    day=format_day(row["nearest_date"], tr=tr),
                )
                if pd.notna(row["nearest_km"])
                else tr.gettext("no incident in the last 365 days")
            )
            trend = tr.gettext(TREND_SENTENCE).format(
                trend=tr.gettext(TREND_LABELS.get(row["trend"], row["trend"])),
                n=row["n_90d"],
                before=row["n_prev_90d"],
            )
            lines.append(
                "  "
                + tr.gettext(
                    "{rank}. {name}: {klass} ({score}); {n30}/{n90}/{n365} in 30/90/365 days; "
                    "trend {trend}; {near}"
                ).format(
                    rank=row["rank"],
                    name=name.loc[idx] or idx,
                    klass=tr.gettext(
                        EXPOSURE_CLASS_LABELS.get(row["exposure_class"], row["exposure_class"])
                    ),
                    score=tr.number(row["exposure"], 2),
                    n30=row["n_30d"],
                    n90=row["n_90d"],
                    n365=row["n_365d"],
                    trend=trend,
                    near=near,
                )
            )
    return "\n".join(lines) + "\n"
