"""One analysis run: filter a window, then every analysis the app, the CLI and the exports show.

The app, ``python -m geo brief`` and the exports all call :func:`run_analysis`
with the same :class:`Filters` and :class:`Params`, so a figure on the screen, in
the PDF and in the GeoPackage is the same figure.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import __version__
from geo.admin import aggregate_admin, assign_admin, filter_mask, prepare_units, window_bounds
from geo.crs import METRIC_CRS, WGS84, to_metric
from geo.errors import InsufficientDataError, ParameterError
from geo.gistar import GISTAR_MESSAGES, gistar
from geo.hotspots import KDEResult, cell_pyramid, hex_counts, kde_grid, point_cells
from geo.i18n import gettext_noop
from geo.io import bundled
from geo.matching import merge_notes
from geo.provenance import LEFT_OUT_REASONS
from geo.route_report import RouteReport, route_report
from geo.schema import SOURCE_LABELS
from geo.segments import segment_routes
from geo.settings import DEFAULTS
from geo.sites import site_exposure
from geo.surge import surge_flags

__all__ = [
    "Filters",
    "Params",
    "Analysis",
    "Context",
    "load_context",
    "prepare_incidents",
    "run_analysis",
    "lazy_analysis",
    "LazyAnalysis",
    "PARTS",
    "Memo",
    "KEY_FIGURES",
    "Selection",
    "select_incidents",
    "admin_table",
    "kde_surface",
    "hex_table",
    "incident_points",
    "gistar_table",
    "surge_table",
    "route_exposure",
    "site_table",
]

#: Key figure name -> the categories it counts (None: every incident).
KEY_FIGURES: dict[str, tuple[str, ...] | None] = {
    "incidents": None,
    "abductions": ("abduction",),
    "convoy_attacks": ("attack_on_convoy",),
    "site_attacks": ("attack_on_site",),
}
_WINDOW_FILTERS = ("start", "end", "categories", "sources", "actors")
_GISTAR_PARAMS = (
    "gistar_alpha",
    "gistar_fdr",
    "gistar_inference",
    "gistar_value",
    "gistar_permutations",
    "gistar_min_events",
    "gistar_on",
    "gistar_hex_reach_km",
)
_LEVELS = {1: "adm1_id", 2: "adm2_id", 3: "adm3_id", "region_2023": "region_2023"}


@dataclass(frozen=True)
class Filters:
    """Which incidents an analysis uses.

    Attributes
    ----------
    start, end : datetime.date
        Inclusive window on ``event_date``.
    categories : tuple of str or None
        Harmonised categories to keep (``geo.schema.CATEGORIES``); None keeps all.
    sources : tuple of str or None
        Sources to keep (``acled``, ``ucdp``, ``news``, ``user``); None keeps all.
    actors : tuple of str or None
        Keep events whose ``actor1`` or ``actor2`` contains one of these
        (case-insensitive); None keeps all.
    include_imprecise : bool
        Include imprecise locations as points in density maps (KDE, hexes,
        Gi*). They always count in admin totals.
    imprecise : {"spread", "drop"}
        Route and site exposure: spread an imprecise event over its
        uncertainty area (default) or drop it (:mod:`geo.exposure`).
    """

    start: date
    end: date
    categories: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    actors: tuple[str, ...] | None = None
    include_imprecise: bool = DEFAULTS.include_imprecise
    imprecise: str = DEFAULTS.imprecise


@dataclass(frozen=True)
class Params:
    """Analysis parameters (defaults from :data:`geo.settings.DEFAULTS`).

    Attributes
    ----------
    as_of : datetime.date
        Analysis date: ages for route exposure and site windows count from here.
    admin_level : int or str
        1 (regions), 2 (cercles), 3 (the user's own units, ``Context.admin3``)
        or ``"region_2023"``.
    kde_bandwidth_km, kde_cell_m : float
        Gaussian KDE bandwidth (km) and cell size (m).
    kde_weight : str or None
        Column to weight the KDE by (``fatalities``), None for counts.
    hex_resolution : int
        H3 resolution.
    gistar_alpha : float
        Significance level for Gi* classes.
    gistar_fdr : bool
        Benjamini-Hochberg correction of Gi* p-values.
    gistar_inference : str
        ``analytical`` or ``permutation`` (:func:`geo.gistar.gistar`).
    gistar_value : str
        ``counts`` or ``rate`` (incidents per km²).
    gistar_permutations : int
        Permutations asked for with ``permutation`` (raised to what BH needs).
    gistar_min_events : int
        Fewer events give a message instead of a Gi* map.
    gistar_on : str
        ``admin`` (the units of ``admin_level``), ``hex`` (H3 cells within
        ``gistar_hex_reach_km`` of an event of the window) or ``none``.
    gistar_hex_reach_km : float
        How far from the events the hex study area reaches, km: Gi* needs the
        empty cells around a cluster, not the whole of Mali.
    buffer_km, half_life_days, segment_km : float
        Route exposure parameters.
    type_weights : tuple of (str, float)
        Weight of each incident category in route exposure, as pairs (hashable,
        so a Params can key Streamlit's caches).
    distance_decay : {"linear", "gaussian", "none"}
        Weight over distance from the road.
    site_radius_km : float
        Site exposure radius.
    site_category_radius_km : tuple of (str, float)
        Other radii for some categories, as (category, km) pairs.
    seed : int
        Seed of the Gi* permutations.
    """

    as_of: date
    admin_level: int = DEFAULTS.admin_level
    kde_bandwidth_km: float = DEFAULTS.kde_bandwidth_km
    kde_cell_m: float = DEFAULTS.kde_cell_m
    kde_weight: str | None = None
    hex_resolution: int = DEFAULTS.hex_resolution
    gistar_alpha: float = DEFAULTS.gistar_alpha
    gistar_fdr: bool = DEFAULTS.gistar_fdr
    gistar_inference: str = DEFAULTS.gistar_inference
    gistar_value: str = DEFAULTS.gistar_value
    gistar_permutations: int = DEFAULTS.gistar_permutations
    gistar_min_events: int = DEFAULTS.gistar_min_events
    gistar_on: str = "admin"
    gistar_hex_reach_km: float = DEFAULTS.gistar_hex_reach_km
    buffer_km: float = DEFAULTS.buffer_km
    half_life_days: float = DEFAULTS.half_life_days
    segment_km: float = DEFAULTS.segment_km
    type_weights: tuple[tuple[str, float], ...] = tuple(DEFAULTS.type_weights.items())
    distance_decay: str = DEFAULTS.distance_decay
    site_radius_km: float = DEFAULTS.site_radius_km
    site_category_radius_km: tuple[tuple[str, float], ...] = tuple(
        DEFAULTS.site_category_radius_km.items()
    )
    seed: int = DEFAULTS.gistar_seed


@dataclass
class Analysis:
    """Everything one run computed, in EPSG:4326 where it has geometry.

    ``what_changed`` (:class:`geo.briefing.WhatChanged`) is filled by the callers
    that brief changes (``brief --since``, the app's "What is changing" view);
    ``backtest`` (:class:`geo.evaluate.Backtest`) by those that ran one (``brief
    --backtest``, the app's About / Method view). ``incident_cells`` counts the
    window's incidents per H3 cell at ``Settings.incident_cell_resolutions``
    (:func:`geo.hotspots.cell_pyramid`), for maps that draw them aggregated.
    """

    filters: Filters
    params: Params
    incidents: gpd.GeoDataFrame
    admin_stats: gpd.GeoDataFrame
    kde: object | None
    hexes: gpd.GeoDataFrame
    gistar: gpd.GeoDataFrame | None
    gistar_message: str | None
    surge: pd.DataFrame
    segments: gpd.GeoDataFrame
    route_summary: pd.DataFrame
    worst_stretches: pd.DataFrame
    sites: gpd.GeoDataFrame
    key_figures: dict[str, int]
    left_out: dict[str, int]
    sources: list[str]
    report: object
    generated_at: datetime
    app_version: str
    notes: list[str] = field(default_factory=list)
    kde_message: str | None = None
    what_changed: object | None = None
    backtest: object | None = None
    incident_cells: gpd.GeoDataFrame | None = None


_FIELDS = tuple(f.name for f in fields(Analysis))


@dataclass(frozen=True, eq=False)
class Context:
    """The reference layers an analysis runs against (bundled, or the user's own).

    Attributes
    ----------
    admin1, admin2, countries : GeoDataFrame
        Regions, cercles and country outlines in EPSG:4326 (see :mod:`geo.io.bundled`).
    routes, towns, sites : GeoDataFrame
        Corridor routes, town points and mine/industrial sites in EPSG:4326.
    admin3 : GeoDataFrame or None
        The user's own finest units (e.g. communes), ``admin_level`` 3.
    """

    admin1: gpd.GeoDataFrame
    admin2: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    admin3: gpd.GeoDataFrame | None = None
    _segments: dict[float, gpd.GeoDataFrame] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @functools.cached_property
    def mali(self) -> object:
        """Mali's outline (union of the cercles), EPSG:4326 geometry."""
        return self.admin2.union_all()

    def segments(self, segment_km: float) -> gpd.GeoDataFrame:
        """Route segments of ``segment_km`` (metric CRS), computed once per length.

        Parameters
        ----------
        segment_km : float
            Segment length, km.

        Returns
        -------
        GeoDataFrame
            Output of :func:`geo.segments.segment_routes`.

        Notes
        -----
        The segments are kept on this Context (and freed with it), not in a
        process-wide cache keyed on object identity: a session's routes never
        outlive its context. The app caches contexts with ``st.cache_data``.
        """
        key = float(segment_km)
        if key not in self._segments:
            self._segments[key] = segment_routes(self.routes, segment_km=key, towns=self.towns)
        return self._segments[key]


def load_context() -> Context:
    """Load the bundled reference layers.

    Returns
    -------
    Context
        Admin units, countries, routes, towns and sites from ``data/``.
    """
    return Context(
        admin1=prepare_units(bundled.load_admin(1), what="admin1"),
        admin2=prepare_units(bundled.load_admin(2), what="admin2"),
        countries=prepare_units(
            bundled.load_countries(), what="countries", id_col="iso3", check_overlaps=False
        ),
        routes=bundled.load_routes(),
        towns=bundled.load_towns(),
        sites=bundled.load_sites("points"),
    )


def prepare_incidents(incidents: gpd.GeoDataFrame, context: Context) -> gpd.GeoDataFrame:
    """Assign every incident its country, region, cercle and 2023 region.

    Parameters
    ----------
    incidents : GeoDataFrame
        Canonical incidents (EPSG:4326). Not modified.
    context : Context
        Reference layers.

    Returns
    -------
    GeoDataFrame
        A copy with :data:`geo.admin.ASSIGNED_COLUMNS` added.
    """
    return assign_admin(
        incidents,
        admin1=context.admin1,
        admin2=context.admin2,
        countries=context.countries,
        admin3=context.admin3,
    )


def _key_figures(events: pd.DataFrame) -> dict[str, int]:
    out: dict[str, int] = {"fatalities": int(events["fatalities"].sum())}
    for name, cats in KEY_FIGURES.items():
        out[name] = int(len(events) if cats is None else events["category"].isin(cats).sum())
    return out


def _units(context: Context, level: object) -> gpd.GeoDataFrame:
    if level == 1:
        return context.admin1
    if level in (2, "region_2023"):
        return context.admin2
    if level == 3 and context.admin3 is not None:
        return context.admin3
    if level == 3:
        raise ParameterError("`admin_level` 3 needs your own units (Context.admin3, --admin FILE).")
    raise ParameterError(f"`admin_level` was {level!r} but is expected to be in {list(_LEVELS)}")


#: Each lazy part of an analysis: the fields it fills, and the Filters and Params
#: fields it reads (its cache key beside the data: a change of any other field
#: does not recompute it).
PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "admin": (("admin_stats",), _WINDOW_FILTERS, ("admin_level",)),
    "kde": (
        ("kde", "kde_message"),
        (*_WINDOW_FILTERS, "include_imprecise"),
        ("kde_bandwidth_km", "kde_cell_m", "kde_weight"),
    ),
    "hexes": (("hexes",), (*_WINDOW_FILTERS, "include_imprecise"), ("hex_resolution",)),
    "gistar": (
        ("gistar", "gistar_message"),
        (*_WINDOW_FILTERS, "include_imprecise"),
        ("admin_level", "hex_resolution", "seed", *_GISTAR_PARAMS),
    ),
    "surge": (("surge",), ("categories", "sources", "actors"), ("as_of", "admin_level")),
    "incident_cells": (("incident_cells",), _WINDOW_FILTERS, ()),
    "routes": (
        ("segments", "route_summary", "worst_stretches", "notes"),
        (*_WINDOW_FILTERS, "imprecise"),
        ("as_of", "buffer_km", "half_life_days", "segment_km", "type_weights", "distance_decay"),
    ),
    "sites": (
        ("sites",),
        ("categories", "sources", "actors", "imprecise"),
        (
            "as_of",
            "site_radius_km",
            "site_category_radius_km",
            "half_life_days",
            "type_weights",
            "distance_decay",
        ),
    ),
}

#: ``memo(key, compute)``: returns ``compute()``, or what it returned before for ``key``.
Memo = Callable[[Hashable, Callable[[], dict[str, object]]], dict[str, object]]


def _no_memo(key: Hashable, compute: Callable[[], dict[str, object]]) -> dict[str, object]:
    return compute()


class _Part:
    """A field of :class:`LazyAnalysis`, computed by its part when first read.

    A non-data descriptor: once computed, the value is in the instance's
    ``__dict__`` and read from there. It also hides the class-level defaults of
    :class:`Analysis` (``kde_message = None``), which would otherwise be read
    before the part ran.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: LazyAnalysis | None, owner: type | None = None) -> object:
        if obj is None:
            return self
        pending = obj.__dict__["_pending"]
        part = next(p for p in pending if self.name in PARTS[p][0])
        obj.__dict__.update(pending.pop(part)())
        return obj.__dict__[self.name]


def _part_fields(cls: type) -> type:
    """Put a :class:`_Part` on ``cls`` for every field of :data:`PARTS`."""
    for names, _, _ in PARTS.values():
        for name in names:
            part = _Part()
            part.__set_name__(cls, name)
            setattr(cls, name, part)
    return cls


@_part_fields
class LazyAnalysis(Analysis):
    """An :class:`Analysis` whose parts (:data:`PARTS`) are computed when first read.

    A view reads only its own fields, so a filter change with the Hotspots
    view open never scores routes or sites. Every field, once read, is the
    same as :func:`run_analysis` gives (it calls the same part functions).
    ``dataclasses.replace``, ``==`` and pickling read, so compute, every field
    (``replace`` gives a LazyAnalysis with nothing left to compute).
    """

    def __init__(
        self,
        ready: dict[str, object] | None = None,
        pending: dict[str, Callable[[], dict]] | None = None,
        **values: object,
    ):
        self.__dict__["_pending"] = pending or {}
        # ``dataclasses.replace`` builds a copy from every field, read (computed) first.
        if values:
            Analysis.__init__(self, **values)
        self.__dict__.update(ready or {})

    def __reduce__(self) -> tuple:
        return (_eager, (Analysis, {f: getattr(self, f) for f in _FIELDS}))


def _eager(cls: type, values: dict[str, object]) -> Analysis:
    return cls(**values)


def lazy_analysis(
    assigned: gpd.GeoDataFrame,
    report: object,
    filters: Filters,
    params: Params,
    *,
    context: Context,
    memo: Memo = _no_memo,
) -> Analysis:
    """Select the window now and compute each other part of the analysis when it is read.

    Parameters
    ----------
    assigned, report, filters, params, context
        As :func:`run_analysis`.
    memo : callable, optional
        ``memo(key, compute)``: a cache of parts the caller keeps (the app: one
        per session and data set). ``key`` is ``(part, values of the Filters
        and Params fields it reads)`` (:data:`PARTS`), so a change of a route
        parameter reuses the KDE. No cache by default.

    Returns
    -------
    Analysis
        A :class:`LazyAnalysis`: the incidents, key figures, left-out counts
        and sources at once; the parts when read.

    Raises
    ------
    ParameterError
        If the window or ``admin_level`` is invalid (at once); other parameters
        when the part that reads them is computed.
    """
    sel = select_incidents(assigned, filters, params)
    window = sel.window

    n_imprecise = int((~window["precise"].astype(bool)).sum())
    left_out = {
        LEFT_OUT_REASONS["outside_window"]: int((sel.chosen & ~sel.in_window).sum()),
        LEFT_OUT_REASONS["filtered"]: int((~sel.chosen).sum()),
        LEFT_OUT_REASONS["imprecise"]: 0 if filters.include_imprecise else n_imprecise,
    }
    figures = _key_figures(window)
    previous = _key_figures(assigned[sel.in_prev])
    figures.update({f"prev_{k}": v for k, v in previous.items()})
    used_sources = sorted(window["source"].astype(str).unique()) or sorted(
        assigned["source"].astype(str).unique()
    )

    @functools.cache
    def points() -> dict[str, np.ndarray]:
        # Per data set, not per filter: with the caller's memo, computed once for
        # every row and sliced to the window; without one, for the window only.
        if memo is _no_memo:
            return incident_points(window)
        rows = memo(("points", (), ()), lambda: incident_points(assigned))
        return {k: v[sel.in_window] for k, v in rows.items()}

    def routes() -> dict[str, object]:
        report_ = route_exposure(sel, filters, params, context=context)
        return {
            "segments": report_.exposure.to_crs(4326),
            "route_summary": report_.to_frame(),
            "worst_stretches": report_.stretches,
            "notes": [*merge_notes(report), *_notes(window, report_.meta)],
        }

    def kde() -> dict[str, object]:
        xy = points()
        surface, message = kde_surface(sel, filters, params, metric_xy=(xy["x_m"], xy["y_m"]))
        if surface is not None:
            _ = surface.overlay  # the map's image, cached with the surface
        return {"kde": surface, "kde_message": message}

    def gistar_part() -> dict[str, object]:
        result, message = gistar_table(assigned, sel, filters, params, context=context)
        return {"gistar": result, "gistar_message": message}

    computes: dict[str, Callable[[], dict[str, object]]] = {
        "admin": lambda: {"admin_stats": admin_table(assigned, filters, params, context=context)},
        "kde": kde,
        "hexes": lambda: {"hexes": hex_table(sel, filters, params)},
        "gistar": gistar_part,
        "surge": lambda: {"surge": surge_table(assigned, sel, params, context=context)},
        "incident_cells": lambda: {
            "incident_cells": cell_pyramid(
                window,
                resolutions=DEFAULTS.incident_cell_resolutions,
                cells=points()["cell"],
            )
        },
        "routes": routes,
        "sites": lambda: {
            "sites": site_table(sel, filters, params, context=context)
            .sort_values("rank")
            .to_crs(4326)
        },
    }

    def memoised(part: str) -> Callable[[], dict[str, object]]:
        _, filter_fields, param_fields = PARTS[part]
        key = (
            part,
            tuple(getattr(filters, f) for f in filter_fields),
            tuple(getattr(params, f) for f in param_fields),
        )
        return lambda: memo(key, computes[part])

    ready = {
        "filters": filters,
        "params": params,
        "incidents": window,
        "key_figures": figures,
        "left_out": left_out,
        "sources": [SOURCE_LABELS.get(s, s) for s in used_sources],
        "report": report,
        "generated_at": datetime.now(UTC).replace(microsecond=0),
        "app_version": __version__,
        "what_changed": None,
        "backtest": None,
    }
    return LazyAnalysis(ready, {part: memoised(part) for part in PARTS})


def run_analysis(
    assigned: gpd.GeoDataFrame,
    report: object,
    filters: Filters,
    params: Params,
    *,
    context: Context,
) -> Analysis:
    """Run every analysis for one window and one set of parameters.

    Parameters
    ----------
    assigned : GeoDataFrame
        Incidents from :func:`prepare_incidents` (EPSG:4326), all dates.
    report : ValidationReport
        The validation report of the read that produced them.
    filters : Filters
        Window and filters. The window applies to every figure except site
        exposure, whose 30/90/365-day windows end on ``params.as_of``.
    params : Params
        Analysis parameters.
    context : Context
        Reference layers (:func:`load_context`).

    Returns
    -------
    Analysis
        Figures, tables and layers, each in EPSG:4326 where it has geometry:
        every part of :func:`lazy_analysis`, computed now.

    Raises
    ------
    ParameterError
        If the window or a parameter is invalid.
    """
    lazy = lazy_analysis(assigned, report, filters, params, context=context)
    return Analysis(**{f: getattr(lazy, f) for f in _FIELDS})


def _hex_study_area(window: gpd.GeoDataFrame, reach_km: float) -> object:
    """Area within ``reach_km`` of the window's events (EPSG:4326 geometry), or None."""
    if len(window) == 0:
        return None
    metric = to_metric(window, what="incidents")
    area = metric.buffer(reach_km * 1000.0, resolution=8).union_all()
    return gpd.GeoSeries([area], crs=metric.crs).to_crs(4326).iloc[0]


def _check_level(params: Params) -> None:
    if params.admin_level not in _LEVELS:
        raise ParameterError(
            f"`admin_level` was {params.admin_level!r} but is expected to be in {list(_LEVELS)}"
        )


@dataclass(frozen=True, eq=False)
class Selection:
    """The incidents one analysis counts: the filters' mask, the window and the window before.

    Attributes
    ----------
    chosen, in_window, in_prev : ndarray of bool
        Masks over the assigned incidents: passing the category, source and
        actor filters; and within the window, or the previous window of equal
        length (:func:`geo.admin.window_bounds`).
    upto : ndarray of bool
        Mask of the chosen incidents dated up to ``as_of``.
    assigned : GeoDataFrame
        The incidents the masks are over (a reference, not a copy).
    window : GeoDataFrame
        The chosen incidents in the window.
    upto_as_of : GeoDataFrame
        The chosen incidents dated up to ``as_of`` (the Sites view's), taken
        from ``assigned`` when first read: with a million rows that is most of
        them, which a view that does not score sites never copies.
    start, end, prev_start, prev_end, as_of : Timestamp
        The windows' first and last days and the analysis date.
    """

    chosen: np.ndarray
    in_window: np.ndarray
    in_prev: np.ndarray
    upto: np.ndarray
    assigned: gpd.GeoDataFrame
    window: gpd.GeoDataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    prev_start: pd.Timestamp
    prev_end: pd.Timestamp
    as_of: pd.Timestamp

    @functools.cached_property
    def upto_as_of(self) -> gpd.GeoDataFrame:
        """The chosen incidents dated up to ``as_of`` (see the class notes)."""
        return self.assigned[self.upto]


def select_incidents(assigned: gpd.GeoDataFrame, filters: Filters, params: Params) -> Selection:
    """Apply the filters and the window once, for every figure of a run.

    Parameters
    ----------
    assigned : GeoDataFrame
        Incidents from :func:`prepare_incidents`, all dates (the previous
        window and the surge baseline need the dates before the window).
    filters : Filters
        Window and filters.
    params : Params
        ``as_of`` and ``admin_level``.

    Returns
    -------
    Selection
        Masks, the window's incidents and the dates.

    Raises
    ------
    ParameterError
        If the window or ``admin_level`` is invalid.
    """
    start, end, prev_start, prev_end = window_bounds(filters.start, filters.end)
    _check_level(params)
    chosen = filter_mask(
        assigned,
        event_types=None,
        categories=filters.categories,
        actors=filters.actors,
        sources=filters.sources,
    )
    dates = assigned["event_date"]
    as_of = pd.Timestamp(params.as_of)
    in_window = chosen & ((dates >= start) & (dates <= end)).to_numpy()
    in_prev = chosen & ((dates >= prev_start) & (dates <= prev_end)).to_numpy()
    return Selection(
        chosen=chosen,
        in_window=in_window,
        in_prev=in_prev,
        upto=chosen & (dates <= as_of).to_numpy(),
        assigned=assigned,
        window=assigned[in_window],
        start=start,
        end=end,
        prev_start=prev_start,
        prev_end=prev_end,
        as_of=as_of,
    )


def admin_table(
    assigned: gpd.GeoDataFrame,
    filters: Filters,
    params: Params,
    *,
    context: Context,
) -> gpd.GeoDataFrame:
    """Count incidents per unit of ``params.admin_level`` in the window and the window before.

    Parameters
    ----------
    assigned : GeoDataFrame
        Incidents from :func:`prepare_incidents`, all dates.
    filters, params : Filters, Params
        Window, filters and level.
    context : Context
        Reference layers.

    Returns
    -------
    GeoDataFrame
        :func:`geo.admin.aggregate_admin` in EPSG:4326.
    """
    _check_level(params)
    start, end, _, _ = window_bounds(filters.start, filters.end)
    return aggregate_admin(
        assigned,
        _units(context, params.admin_level),
        level=params.admin_level,
        start=start,
        end=end,
        categories=filters.categories,
        actors=filters.actors,
        sources=filters.sources,
    ).to_crs(4326)


def kde_surface(
    selection: Selection,
    filters: Filters,
    params: Params,
    *,
    metric_xy: tuple[np.ndarray, np.ndarray] | None = None,
    grid: Callable[..., KDEResult] = kde_grid,
) -> tuple[KDEResult | None, str | None]:
    """Estimate the window's kernel density, or return None and the reason.

    Parameters
    ----------
    selection : Selection
        From :func:`select_incidents`.
    filters, params : Filters, Params
        ``include_imprecise``; bandwidth, cell and weight.
    metric_xy : tuple of ndarray, optional
        The window's coordinates in :data:`geo.crs.METRIC_CRS`
        (:func:`incident_points`), when already computed; else projected here.
    grid : callable
        The estimate, :func:`geo.hotspots.kde_grid` (``--engine dask``: the same
        on partitions, :func:`geo.batch.kde_grid_batch` behind a partitioning).

    Returns
    -------
    kde : KDEResult or None
        :func:`geo.hotspots.kde_grid` on the window (metric CRS).
    message : str or None
        Why there is no surface.
    """
    window = selection.window
    if not len(window):
        return None, "No incident in this window and these filters."
    # Only the columns the estimate reads: the window may hold a million rows.
    columns = [c for c in ("precise", params.kde_weight) if c in window.columns]
    if metric_xy is None:
        metric = to_metric(window[[*columns, window.geometry.name]], what="incidents")
    else:
        geoms = np.asarray(window.geometry.values, dtype=object)
        placed = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        points_m = np.full(len(window), None, dtype=object)
        points_m[placed] = shapely.points(metric_xy[0][placed], metric_xy[1][placed])
        metric = gpd.GeoDataFrame(pd.DataFrame(window[columns]), geometry=points_m, crs=METRIC_CRS)
    try:
        kde = grid(
            metric,
            bandwidth_km=params.kde_bandwidth_km,
            cell_m=params.kde_cell_m,
            weight=params.kde_weight,
            include_imprecise=filters.include_imprecise,
        )
    except InsufficientDataError as exc:
        return None, str(exc)
    return kde, None


def hex_table(selection: Selection, filters: Filters, params: Params) -> gpd.GeoDataFrame:
    """Count incidents and fatalities per H3 cell in the window.

    Parameters
    ----------
    selection : Selection
        From :func:`select_incidents`.
    filters, params : Filters, Params
        ``include_imprecise``; ``hex_resolution``.

    Returns
    -------
    GeoDataFrame
        :func:`geo.hotspots.hex_counts` on the window (EPSG:4326).
    """
    return hex_counts(
        selection.window,
        resolution=params.hex_resolution,
        include_imprecise=filters.include_imprecise,
    )


def incident_points(incidents: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """Project every incident's point and find its H3 cell, once for the parts that share them.

    Parameters
    ----------
    incidents : GeoDataFrame
        Incidents in EPSG:4326 (the assigned data set, or a window of it).

    Returns
    -------
    dict of str to ndarray
        One value per row: ``x_m``, ``y_m`` (:data:`geo.crs.METRIC_CRS`
        metres, NaN without a point) and ``cell`` (H3 cell at the finest of
        ``Settings.incident_cell_resolutions``, :func:`geo.hotspots.point_cells`).
    """
    geoms = np.asarray(incidents.geometry.values, dtype=object)
    lon, lat = shapely.get_x(geoms), shapely.get_y(geoms)
    to_m = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
    x_m, y_m = to_m.transform(lon, lat)
    cell = point_cells(incidents, resolution=max(DEFAULTS.incident_cell_resolutions))
    return {"x_m": np.asarray(x_m), "y_m": np.asarray(y_m), "cell": cell}


def gistar_table(
    assigned: gpd.GeoDataFrame,
    selection: Selection,
    filters: Filters,
    params: Params,
    *,
    context: Context,
) -> tuple[gpd.GeoDataFrame | None, str | None]:
    """Run Gi* on the units of ``params.gistar_on``, or None and the reason.

    Parameters
    ----------
    assigned : GeoDataFrame
        Incidents from :func:`prepare_incidents`, all dates.
    selection : Selection
        From :func:`select_incidents`.
    filters, params : Filters, Params
        Window, filters, ``include_imprecise`` and the ``gistar_*`` parameters.
    context : Context
        Reference layers.

    Returns
    -------
    result : GeoDataFrame or None
        :func:`geo.gistar.gistar` on admin units (the admin table,
        previous window included; every event counts in its unit, as in the
        admin totals, since an event coded to its unit's centre still belongs
        to it) or on the H3 cells within ``gistar_hex_reach_km`` of the
        window's events (precise events only unless ``include_imprecise``).
    message : str or None
        Why there is no result (too few events, not requested).

    Raises
    ------
    ParameterError
        If ``gistar_on`` or a Gi* parameter is invalid.
    """
    if params.gistar_on not in ("admin", "hex", "none"):
        raise ParameterError(
            f"`gistar_on` was {params.gistar_on!r} but is expected to be in "
            "['admin', 'hex', 'none']"
        )
    if params.gistar_on == "none":
        return None, GISTAR_MESSAGES["not_requested"]
    if params.gistar_on == "hex":
        units = hex_counts(
            selection.window,
            resolution=params.hex_resolution,
            include_imprecise=filters.include_imprecise,
            study_area=_hex_study_area(selection.window, params.gistar_hex_reach_km),
        )
    else:
        units = admin_table(assigned, filters, params, context=context)
    try:
        result = gistar(
            units,
            value_col="incidents",
            alpha=params.gistar_alpha,
            fdr=params.gistar_fdr,
            inference=params.gistar_inference,
            value=params.gistar_value,
            permutations=params.gistar_permutations,
            seed=params.seed,
            min_events=params.gistar_min_events,
        )
    except InsufficientDataError as exc:
        return None, str(exc)
    return result, None


def surge_table(
    assigned: gpd.GeoDataFrame, selection: Selection, params: Params, *, context: Context
) -> pd.DataFrame:
    """Flag surges per unit of ``params.admin_level`` as of ``params.as_of``.

    Parameters
    ----------
    assigned : GeoDataFrame
        Incidents from :func:`prepare_incidents`, all dates (the baseline is
        the year before ``as_of``, not the window).
    selection : Selection
        From :func:`select_incidents` (its filter mask).
    params : Params
        ``as_of`` and ``admin_level``.
    context : Context
        Reference layers (every unit of the level is listed).

    Returns
    -------
    DataFrame
        :func:`geo.surge.surge_flags`, one row per unit.
    """
    level = params.admin_level
    units = _units(context, level)
    ids = None if level == "region_2023" else units["unit_id"].astype(str)
    return surge_flags(
        assigned[selection.chosen], unit_col=_LEVELS[level], as_of=selection.as_of, unit_ids=ids
    )


def route_exposure(
    selection: Selection, filters: Filters, params: Params, *, context: Context
) -> RouteReport:
    """Score the context's routes on the window's incidents as of ``params.as_of``.

    Parameters
    ----------
    selection : Selection
        From :func:`select_incidents` (the window's incidents and ``as_of``).
    filters, params : Filters, Params
        ``imprecise`` (spread or drop); buffer, half-life, segment length, decay.
    context : Context
        Its ``routes`` (bundled, the user's own, or a subset) and towns.

    Returns
    -------
    RouteReport
        :func:`geo.route_report.route_report`: per-segment exposure, summary,
        worst stretches, alternatives and the change over 30 days.
    """
    return route_report(
        context.segments(params.segment_km),
        selection.window,
        routes=context.routes,
        buffer_km=params.buffer_km,
        half_life_days=params.half_life_days,
        as_of=selection.as_of,
        type_weights=dict(params.type_weights),
        distance_decay=params.distance_decay,
        imprecise=filters.imprecise,
    )


def site_table(
    selection: Selection, filters: Filters, params: Params, *, context: Context
) -> gpd.GeoDataFrame:
    """Score the context's sites on the incidents up to ``params.as_of``.

    Parameters
    ----------
    selection : Selection
        From :func:`select_incidents`: the 30/90/365-day windows end on
        ``as_of`` and reach before the analysis window.
    filters, params : Filters, Params
        ``imprecise`` (spread or drop); radius, per-category radii, half-life, decay.
    context : Context
        Its ``sites``.

    Returns
    -------
    GeoDataFrame
        :func:`geo.sites.site_exposure`, in the sites' CRS.
    """
    return site_exposure(
        context.sites,
        selection.upto_as_of,
        radius_km=params.site_radius_km,
        category_radius_km=dict(params.site_category_radius_km),
        as_of=selection.as_of,
        imprecise=filters.imprecise,
        half_life_days=params.half_life_days,
        type_weights=dict(params.type_weights),
        distance_decay=params.distance_decay,
    )


def _notes(window: pd.DataFrame, route_meta: dict) -> list[str]:
    notes = []
    if len(window) == 0:
        notes.append(gettext_noop("No incident in this window and these filters."))
    if (window["source"].astype(str) == "news").any():
        notes.append(
            gettext_noop(
                "The news-compiled log is a sample of reported incidents, town-level at best; "
                "many rural incidents are never reported."
            )
        )
    if route_meta.get("spread"):
        notes.append(str(route_meta["spread"]))
    if route_meta.get("limits"):
        notes.append(str(route_meta["limits"]))
    return notes
