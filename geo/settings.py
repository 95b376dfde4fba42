"""Defaults of every analysis in one frozen, documented object, and the bundled-data paths.

Functions take their parameters as keyword arguments; the app and the CLI build
them from :class:`Settings`, so a default lives here and nowhere else. Units are
in the names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

__all__ = ["Settings", "DEFAULTS", "DATA_DIR", "BundledPaths", "BUNDLED"]

#: Root of the bundled data shipped with the product.
DATA_DIR: Path = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class BundledPaths:
    """Where each bundled layer lives (all inside :data:`DATA_DIR`)."""

    root: Path = DATA_DIR
    shapefiles: Path = DATA_DIR / "shapefiles"
    adm0: Path = DATA_DIR / "shapefiles" / "mli_adm0.shp"
    adm1: Path = DATA_DIR / "shapefiles" / "mli_adm1.shp"
    adm2: Path = DATA_DIR / "shapefiles" / "mli_adm2.shp"
    countries: Path = DATA_DIR / "shapefiles" / "countries.shp"
    roads: Path = DATA_DIR / "shapefiles" / "roads.shp"
    towns: Path = DATA_DIR / "shapefiles" / "towns.shp"
    rivers: Path = DATA_DIR / "shapefiles" / "rivers.shp"
    lakes: Path = DATA_DIR / "shapefiles" / "lakes.shp"
    regions_2023: Path = DATA_DIR / "admin" / "mli_regions_2023.csv"
    routes: Path = DATA_DIR / "routes" / "corridors.gpkg"
    sites: Path = DATA_DIR / "sites" / "sites.gpkg"
    incidents_dir: Path = DATA_DIR / "incidents"
    ucdp_mali: Path = DATA_DIR / "incidents" / "ucdp_ged_mali.csv"
    ucdp_border: Path = DATA_DIR / "incidents" / "ucdp_ged_border.csv"
    news: Path = DATA_DIR / "incidents" / "news_events_western_mali.csv"
    news_additional: Path = DATA_DIR / "incidents" / "news_events_additional.csv"
    sources_md: Path = DATA_DIR / "SOURCES.md"


BUNDLED = BundledPaths()


def _frozen(d: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Settings:
    """Documented defaults (DESIGN.md, "Formulas").

    Attributes
    ----------
    window_days : int
        Default analysis window in the app: the last 180 days of the data.
    admin_level : int
        Admin level figures are given for: 2, the 49 cercles and Bamako (1: the
        8 regions hide the cercle-scale contrasts the briefings discuss).
    kde_bandwidth_km : float
        Gaussian kernel standard deviation for KDE hotspots (15 km).
    kde_cell_m : float
        KDE raster cell size in metres (1,000 m).
    kde_overlay_max_pixels : int
        Most pixels of the KDE image on the web map (1,000,000: the 1 km
        surface of western Mali has about 3.8 million cells, a quarter of the
        colouring and PNG work and page for the same picture at a 15 km
        bandwidth; :func:`geo.hotspots.kde_overlay`).
    hex_resolution : int
        H3 resolution for hex hotspots (6, about 36 km² a cell).
    incident_marker_limit : int
        Above this many incidents in the window the map draws them as counts
        per H3 cell instead of one marker each (20,000: one marker each costs
        about 70 bytes of page an incident, 1.66 MiB at 24,548 synthetic
        incidents, so the page would pass 5 MB near 70,000 with the basemap;
        ``benchmarks/bench_scale.py``).
    incident_cell_resolutions : tuple of int
        H3 resolutions of those cells, coarse to fine, the map showing the one
        that suits its zoom (4: about 1,770 km² a cell, to 7: about 5 km²;
        :mod:`layers.incident_cells`).
    incident_cell_limit : int
        Most cells drawn over all those resolutions, the finest left out first
        (12,000: about 270 bytes of page a cell, 3.1 MiB; 7,574 cells with
        245,910 synthetic incidents in the window).
    gistar_alpha : float
        Significance level for Gi* classes (0.05).
    gistar_fdr : bool
        Benjamini-Hochberg false-discovery-rate correction on Gi* p-values.
    gistar_inference : str
        ``analytical`` (normal p from the z-score, as ArcGIS Pro) or
        ``permutation`` (conditional permutations); chosen from the figures in
        :func:`geo.gistar.gistar` (README, "Gi* inference").
    gistar_value : str
        ``counts`` (incidents per unit) or ``rate`` (incidents per km²).
    gistar_permutations : int
        Conditional permutations asked for with ``permutation`` (9,999); raised
        to what Benjamini-Hochberg needs (:func:`geo.gistar.permutations_needed`).
    gistar_permutation_factor : float
        k in P = k · m / alpha − 1 (10: the smallest p can fall 10× below alpha / m).
    gistar_max_permutations : int
        Upper bound on permutations (99,999: about 10 s for 1,000 hexes).
    gistar_seed : int
        Seed of the Gi* permutations (0).
    gistar_hex_reach_km : float
        Gi* on hexes: the study area reaches this far from the window's events
        (50 km): Gi* needs the empty cells around a cluster, not all of Mali.
    evaluate_horizon_days, evaluate_step_days : int
        Backtest (:mod:`geo.evaluate`): test window after each origin and days
        between origins (30 and 30: monthly).
    evaluate_coverages_pct : tuple of float
        Shares of the area flagged as hotspot when scoring (1, 5, 10 %;
        METHODS.md §3).
    evaluate_resolution : int
        H3 resolution of the backtest's common grid (6, about 36 km² a cell).
    evaluate_kde_cell_m : float
        KDE cell size in the backtest (2,000 m: finer than the 6 km between
        grid cell centres, 4× fewer cells than the map's 1,000 m).
    gistar_min_events : int
        Fewer events than this give a clear message instead of a Gi* map.
    buffer_km : float
        Incidents within this distance of a route segment count (25 km).
    half_life_days : float
        Age at which an incident's weight halves (90 days).
    segment_km : float
        Route segment length (5 km).
    distance_decay : str
        ``linear`` (1 at the road, 0 at ``buffer_km``), ``gaussian``
        (sigma = buffer_km / 2) or ``none``.
    type_weights : Mapping[str, float]
        Weight of each category in route and site exposure.
    stretch_min_peak_per_km : float
        A worst stretch is reported only where exposure reaches this many units
        per km (0.01: below it a "worst stretch" is noise of far, old events).
    route_change_days : int
        "What changed" on routes compares exposure now with this many days
        before the analysis date (30).
    site_radius_km : float
        Incidents within this radius of a site count (30 km).
    site_category_radius_km : Mapping[str, float]
        Optional per-category radii for site exposure (empty by default;
        e.g. ``{"abduction": 50}``).
    include_imprecise : bool
        Include imprecise events as points in density maps (KDE, hexes, Gi*;
        off by default: centroid-coded events make false peaks).
    imprecise : str
        Route and site exposure: ``spread`` (default) counts an imprecise event
        over its uncertainty area (METHODS.md §2), ``drop`` leaves it out.
    imprecise_near_km : float
        Radius of the disc an event "near a town" is spread over (25 km: UCDP's
        where_prec 2 is "within 25 km" of the coded point; ACLED geo_precision 2
        and the news log's ``near_town`` rows code the nearest town of an event
        reported "near", "at the entrance of" or "a few kilometres from" it).
    spread_disc_samples : int
        Points of the sunflower pattern that samples a disc (512). Measured
        against quadrature for a 25 km disc and the linear kernel of a 25 km
        buffer, centre 0-40 km from the road: at most 0.6 % off (256 points:
        2.1 %); at any distance at most 0.0012 off, a thousandth of one event
        on the road (``tests/test_spread.py``).
    spread_grid_km : float
        Spacing of the grid that samples an admin unit (2.5 km, a tenth of the
        default buffer: within 0.5 % of a 0.5 km grid over the bundled cercles
        near the corridors; tested).
    spread_line_step_km : float
        Spacing of the points that sample a road stretch (1 km).
    gazetteer_suggestions : int
        Closest town names listed for an unknown town (5).
    gazetteer_min_score : float
        Lowest fuzzy ratio (difflib, on spelling keys) for a town to be offered
        as a match (0.75: "Kenyeba" → Kéniéba 0.86, "Bamak" → Bamako 0.91,
        while "Kayes" → "Kaya" 0.67 stays out).
    emerging_step : str
        Time step of the emerging hot spot cube: ``week``, ``month`` (default)
        or ``quarter`` (METHODS.md §4).
    emerging_time_lag_steps : int
        Space-time neighbourhood: the same units in this many previous steps
        (ArcGIS Pro's default 1).
    emerging_gistar_alpha : float
        Significance level of a hot or cold bin (0.05, as ArcGIS Pro).
    emerging_fdr : bool
        Benjamini-Hochberg correction of the bins' Gi* p-values over the whole
        cube (ArcGIS Pro applies FDR; on).
    emerging_trend_alpha : float
        Significance level of the Mann-Kendall trend (0.05, as ArcGIS Pro and
        xarray-spatial; sfdep uses 0.01).
    emerging_share : float
        Share of steps a unit must be hot (cold) for the persistent,
        intensifying, diminishing and historical patterns (0.9).
    emerging_share_rule : str
        How the share becomes a number of steps: ``ceil`` (at least
        ``ceil(share · n)``, the published "90 percent") or ``int``
        (``int(share · n)``, xarray-spatial's rounding down).
    emerging_sporadic_needs_final : bool
        ArcGIS Pro 3.x asks a sporadic hot (cold) spot to be hot (cold) at
        the final step; the 2.8 wording quoted in METHODS.md §4 does not (off).
    since_days : int
        "What changed" lists incidents of the last this many days before the
        analysis date unless a "since" date is given (7).
    playback_step : str
        Step of the incident playback on the map: ``week`` (default) or ``month``.
    match_days : int
        Two events from different sources can be one when their dates differ by
        at most this many days (1, the MELTT replication's window; METHODS.md §5).
    match_km : float
        ... and their points are at most this far apart (5 km: the replication
        used 3 km, the MELTT README 4 km; a team's report placed "a few km" from
        the village a database codes is caught). Measured on the bundled UCDP GED
        Mali events (891): 139 of them (15.6 %) have another UCDP event within
        1 day and 5 km (135 at 3 km, 170 at 2 days and 10 km), which is why a
        cluster holds at most one event per source.
    match_widen_days : Mapping[str, float]
        Days added per event by its date precision (day 0, week 6, month 30).
    match_widen_km : Mapping[int, float]
        Kilometres added per event by its ``geo_precision`` (1: 0, 2: 5, 3: 25):
        a point "near a place" may be a few km off, an area centroid much more.
    match_source_priority : tuple of str
        Which copy of a matched event is kept and counted: the first source in
        this order (acled, ucdp, news, user, log), the others linked to it.
    playback_interval_ms : int
        Time each step stays on screen while playing (400 ms: a year of weeks in
        about 21 s).
    playback_trail_steps : int
        Previous steps still drawn, faded, behind the current one (3).
    plan_snap_km : float
        A town farther than this from the road network cannot be planned from
        or to (5 km, the corridor build's snap limit; the 596 bundled towns within
        it lie at a median 0.2 km from their node).
    plan_dangle_m : float
        A dangling road end is joined to another road within this distance
        (200 m: scripts/build_corridors.py measured it on the bundled roads).
    plan_lambda : float
        Weight of incident exposure in the least-exposed route's cost
        ``length_km · (1 + λ · exposure_per_km)``: one unit of trip exposure
        is worth λ km of detour (4). One fresh convoy attack at the road adds
        about 25 units over a trip (the linear kernel summed over the 50 km of
        road within its 25 km buffer), so λ = 4 accepts about 100 km of detour
        to pass none. Measured on the bundled data of 1 September to 31 October
        2025, as of 2025-10-31 (imprecise events spread, METHODS.md §2):
        Diéma–Bamako keeps the shortest road (RN3 through Didiéni–Kolokani) up
        to λ = 2; from λ = 4 (and up to 50) it takes RN24 via Kita, +73 km for
        25.6 units avoided (2.9 km per unit).
    plan_alternatives : int
        Alternatives asked besides the shortest and the least-exposed route (2).
    plan_overlap : float
        An alternative sharing more than this share of its length with a route
        already kept is a near-duplicate and dropped (0.8).
    route_tie_share : float
        Two alternatives' trip exposures that differ by less than this share of
        the larger one are "no meaningful difference", not a ranking (0.10).
    route_tie_incidents : float
        ... nor when they differ by less than this many fresh full-weight incidents
        at the road, each worth ``buffer_km`` units of trip exposure under the
        linear kernel (1.0: one such incident; the ACLED Jan-Jul 2020 example of
        issue 12, 64.01 against 64.26 units, is 0.4 % and 0.01 of one).
    plan_penalty : float
        Penalty method: the cost of a found route's edges is multiplied by
        ``1 + plan_penalty`` before the next search (0.5).
    plan_max_detour : float
        An alternative more than this share longer than the shortest route is
        dropped (0.5: Dakar–Bamako alternatives stay under 1,880 km).
    """

    window_days: int = 180
    admin_level: int = 2
    route_tie_share: float = 0.10
    route_tie_incidents: float = 1.0
    stretch_min_peak_per_km: float = 0.01
    route_change_days: int = 30
    kde_bandwidth_km: float = 15.0
    kde_cell_m: float = 1000.0
    kde_overlay_max_pixels: int = 1_000_000
    hex_resolution: int = 6
    incident_marker_limit: int = 20_000
    incident_cell_resolutions: tuple[int, ...] = (4, 5, 6, 7)
    incident_cell_limit: int = 12_000
    gistar_alpha: float = 0.05
    gistar_fdr: bool = True
    gistar_inference: str = "analytical"
    gistar_value: str = "counts"
    gistar_permutations: int = 9999
    gistar_permutation_factor: float = 10.0
    gistar_max_permutations: int = 99_999
    gistar_seed: int = 0
    gistar_hex_reach_km: float = 50.0
    evaluate_horizon_days: int = 30
    evaluate_step_days: int = 30
    evaluate_coverages_pct: tuple[float, ...] = (1.0, 5.0, 10.0)
    evaluate_resolution: int = 6
    evaluate_kde_cell_m: float = 2000.0
    gistar_min_events: int = 30
    buffer_km: float = 25.0
    half_life_days: float = 90.0
    segment_km: float = 5.0
    distance_decay: str = "linear"
    type_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "attack_on_convoy": 1.0,
                "abduction": 1.0,
                "explosive": 0.9,
                "attack_on_site": 0.8,
                "armed_attack": 0.7,
                "violence_against_civilians": 0.6,
                "other": 0.2,
                "unrest": 0.1,
            }
        )
    )
    site_radius_km: float = 30.0
    site_category_radius_km: Mapping[str, float] = field(default_factory=lambda: _frozen({}))
    include_imprecise: bool = False
    kde_truncate: float = 4.0
    spread_chunk_samples: int = 1_000_000
    batch_partitions: int = 4
    imprecise: str = "spread"
    imprecise_near_km: float = 25.0
    spread_disc_samples: int = 512
    spread_grid_km: float = 2.5
    spread_line_step_km: float = 1.0
    gazetteer_suggestions: int = 5
    gazetteer_min_score: float = 0.75
    emerging_step: str = "month"
    emerging_time_lag_steps: int = 1
    emerging_gistar_alpha: float = 0.05
    emerging_fdr: bool = True
    emerging_trend_alpha: float = 0.05
    emerging_share: float = 0.9
    emerging_share_rule: str = "ceil"
    emerging_sporadic_needs_final: bool = False
    since_days: int = 7
    playback_step: str = "week"
    match_days: int = 1
    match_km: float = 5.0
    match_widen_days: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"day": 0.0, "week": 6.0, "month": 30.0})
    )
    match_widen_km: Mapping[int, float] = field(
        default_factory=lambda: MappingProxyType({1: 0.0, 2: 5.0, 3: 25.0})
    )
    match_source_priority: tuple[str, ...] = ("acled", "ucdp", "news", "user", "log")
    playback_interval_ms: int = 400
    playback_trail_steps: int = 3
    plan_snap_km: float = 5.0
    plan_dangle_m: float = 200.0
    plan_lambda: float = 4.0
    plan_alternatives: int = 2
    plan_overlap: float = 0.8
    plan_penalty: float = 0.5
    plan_max_detour: float = 0.5


DEFAULTS = Settings()
