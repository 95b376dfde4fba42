"""One analysis run: filter a window, then every analysis the app, the CLI and the exports show.

The app, ``python -m geo brief`` and the exports all call :func:`run_analysis`
with the same :class:`Filters` and :class:`Params`, so a figure on the screen, in
the PDF and in the GeoPackage is the same figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import geopandas as gpd
import pandas as pd

from geo.settings import DEFAULTS

__all__ = ["Filters", "Params", "Analysis"]


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
        Include imprecise locations in point analyses (KDE, hexes, Gi*, route and
        site exposure). They always count in admin totals.
    """

    start: date
    end: date
    categories: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    actors: tuple[str, ...] | None = None
    include_imprecise: bool = DEFAULTS.include_imprecise


@dataclass(frozen=True)
class Params:
    """Analysis parameters (defaults from :data:`geo.settings.DEFAULTS`).

    Attributes
    ----------
    as_of : datetime.date
        Analysis date: ages for route exposure and site windows count from here.
    admin_level : int
        1 (regions) or 2 (cercles).
    kde_bandwidth_km, kde_cell_m : float
        Gaussian KDE bandwidth (km) and cell size (m).
    hex_resolution : int
        H3 resolution.
    gistar_alpha : float
        Significance level for Gi* classes.
    gistar_fdr : bool
        Benjamini-Hochberg correction of Gi* p-values.
    gistar_on : str
        ``hex`` or ``admin``: the units Gi* runs on.
    buffer_km, half_life_days, segment_km : float
        Route exposure parameters.
    site_radius_km : float
        Site exposure radius.
    seed : int
        Seed of the Gi* permutations.
    """

    as_of: date
    admin_level: int = 2
    kde_bandwidth_km: float = DEFAULTS.kde_bandwidth_km
    kde_cell_m: float = DEFAULTS.kde_cell_m
    hex_resolution: int = DEFAULTS.hex_resolution
    gistar_alpha: float = DEFAULTS.gistar_alpha
    gistar_fdr: bool = DEFAULTS.gistar_fdr
    gistar_on: str = "hex"
    buffer_km: float = DEFAULTS.buffer_km
    half_life_days: float = DEFAULTS.half_life_days
    segment_km: float = DEFAULTS.segment_km
    site_radius_km: float = DEFAULTS.site_radius_km
    seed: int = 0


@dataclass
class Analysis:
    """Everything one run computed, in EPSG:4326 where it has geometry."""

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
