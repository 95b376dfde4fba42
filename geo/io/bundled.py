"""Loaders for the real, openly licensed data bundled in ``data/`` (see data/SOURCES.md).

Every loader reads its file once (cached by path) and returns a fresh copy, so
callers may modify what they get. Layers come back in EPSG:4326 with long,
documented column names: the 10-character shapefile field names are renamed
back here. Paths default to :data:`geo.settings.BUNDLED`; pass ``paths=`` to
read another copy of the bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.crs import WGS84
from geo.errors import InputFileError, ParameterError
from geo.i18n import gettext_noop
from geo.settings import BUNDLED, BundledPaths

__all__ = [
    "ADMIN_LEVELS",
    "SITE_KINDS",
    "Attribution",
    "ATTRIBUTIONS",
    "attribution_line",
    "load_admin",
    "load_countries",
    "load_roads",
    "load_towns",
    "load_rivers",
    "load_lakes",
    "load_routes",
    "load_route_legs",
    "load_sites",
    "load_regions_2023",
]

#: Admin levels :func:`load_admin` knows, with their meaning.
ADMIN_LEVELS: dict[int, str] = {0: "Mali", 1: "regions (old scheme, 9)", 2: "cercles (50)"}

#: Site layers :func:`load_sites` knows: kind -> GeoPackage layer.
SITE_KINDS: dict[str, str] = {"points": "sites", "polygons": "site_polygons"}


@dataclass(frozen=True)
class Attribution:
    """Credit owed for one bundled dataset.

    Attributes
    ----------
    dataset : str
        What the data is.
    credit : str
        The credit line to show.
    licence : str
        Licence of the data.
    """

    dataset: str
    credit: str
    licence: str


#: Credits for every bundled dataset; maps, exports and the README show them. What the
#: data is and its licence are marked (translated where shown); credits are citations.
ATTRIBUTIONS: tuple[Attribution, ...] = (
    Attribution(
        gettext_noop("Mali administrative boundaries (country, regions, cercles)"),
        "geoBoundaries gbOpen MLI (Runfola et al. 2020, PLoS ONE 15(4): e0231866); "
        "source DNCT and DNP (Mali) via UN OCHA Mali",
        "CC BY 4.0",
    ),
    Attribution(
        gettext_noop("Main roads, towns, corridor routes, industrial sites"),
        "© OpenStreetMap contributors (extracts of August 2021)",
        gettext_noop("ODbL 1.0 (share-alike for derived databases)"),
    ),
    Attribution(
        gettext_noop("Country outlines, rivers, lakes"),
        "Made with Natural Earth",
        gettext_noop("public domain"),
    ),
    Attribution(
        gettext_noop("Conflict events in and around Mali, 1989-2020"),
        "UCDP Georeferenced Event Dataset 21.1 (Sundberg and Melander 2013; "
        "Pettersson et al. 2021), Uppsala Conflict Data Program",
        "CC BY 4.0",
    ),
    Attribution(
        gettext_noop("News incident logs, western and southern Mali, 2021-2026"),
        "facts from the public reports cited row by row in data/incidents/NEWS_SOURCES.md "
        "and data/incidents/NEWS_ADDITIONAL_SOURCES.md",
        gettext_noop("facts only, no text copied"),
    ),
    Attribution(
        gettext_noop("Mali mines (12 points; checks and corrects the mines of the sites layer)"),
        "ICMM Global Mining Dataset, September 2025 (V1) release, International Council "
        "on Mining and Metals",
        "CC BY 4.0",
    ),
)

#: Marked for the catalog; translated where shown (``tr.gettext(attribution_line())``).
_ATTRIBUTION_LINE = gettext_noop(
    "Boundaries: geoBoundaries (CC BY 4.0) · Roads, towns, sites: © OpenStreetMap "
    "contributors (ODbL) · Mines: ICMM (CC BY 4.0) · Natural Earth · Incidents: UCDP GED "
    "21.1 (CC BY 4.0), news logs (cited reports)"
)


def attribution_line() -> str:
    """Return the one-line credit for map footers.

    Returns
    -------
    str
        The short credit covering every bundled layer.

    Examples
    --------
    >>> attribution_line().startswith("Boundaries: geoBoundaries (CC BY 4.0)")
    True
    """
    return _ATTRIBUTION_LINE


# Shapefile field (<= 10 characters) -> long column name, per layer.
_ADMIN_RENAMES = {"reg_2023": "region_2023"}
_COUNTRY_RENAMES = {"neighbour": "neighbour_of_mali", "name_ne": "name_en"}
_TOWN_RENAMES = {"place_cls": "place_class"}
_NE_RENAMES = {"feat_class": "feature_class", "scalerank": "scale_rank"}

_ADMIN_COLUMNS = {
    0: ["unit_id", "name", "area_km2"],
    1: ["unit_id", "name", "adm1_name", "adm1_iso", "area_km2"],
    2: ["unit_id", "name", "adm2_name", "adm1_name", "adm1_iso", "region_2023", "area_km2"],
}


@lru_cache(maxsize=32)
def _read_layer(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    """Read one bundled layer once; callers get copies."""
    if not path.is_file():
        raise InputFileError(
            f"bundled file {path} is missing; restore data/ from the repository "
            "(or rebuild it with scripts/build_data.py)."
        )
    gdf = pyogrio.read_dataframe(path, layer=layer)
    if gdf.crs is None or not gdf.crs.equals(WGS84):
        raise InputFileError(
            f"bundled file {path} is in {gdf.crs!r}, expected EPSG:4326; rebuild data/."
        )
    return gdf


def _blank_to_na(series: pd.Series) -> pd.Series:
    return series.mask(series.isna() | (series.astype(str) == ""), None)


def _layer(
    path: Path,
    renames: dict[str, str],
    *,
    layer: str | None = None,
    columns: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Return a copy of a cached layer, fields renamed, optionally reduced to ``columns``."""
    gdf = _read_layer(Path(path), layer).rename(columns=renames)
    if columns is not None:
        gdf = gdf[[*columns, "geometry"]]
    return gdf.copy()


def load_admin(level: int, *, paths: BundledPaths = BUNDLED) -> gpd.GeoDataFrame:
    """Return Mali's admin units at one level (geoBoundaries, old scheme), EPSG:4326.

    Parameters
    ----------
    level : int
        0 (Mali), 1 (8 regions and the Bamako district) or 2 (49 cercles and Bamako).
    paths : BundledPaths
        Where the bundle lives (default :data:`geo.settings.BUNDLED`).

    Returns
    -------
    GeoDataFrame
        Level 0: ``unit_id`` ("MLI"), ``name`` ("Mali"), ``area_km2``.
        Level 1: ``unit_id`` (ISO 3166-2, e.g. "ML-4"), ``name`` (e.g. "Ségou"),
        ``adm1_name``, ``adm1_iso``, ``area_km2``.
        Level 2: ``unit_id`` (geoBoundaries shapeID), ``name`` (French spelling,
        e.g. "Kéniéba"), ``adm2_name`` (geoBoundaries ASCII, e.g. "Kenieba"),
        ``adm1_name``, ``adm1_iso``, ``region_2023`` (2023 region, None where no
        source was found; see :func:`load_regions_2023`), ``area_km2``.
        ``area_km2`` is approximate (Africa Albers, simplified polygons).

    Raises
    ------
    ParameterError
        If ``level`` is not 0, 1 or 2.
    InputFileError
        If the bundled file is missing or not in EPSG:4326.

    Examples
    --------
    >>> load_admin(3)
    Traceback (most recent call last):
    ...
    geo.errors.ParameterError: load_admin: `level` was 3 but is expected to be one of 0 (Mali), 1 (regions (old scheme, 9)), 2 (cercles (50)).
    """  # noqa: E501
    if level not in ADMIN_LEVELS or isinstance(level, bool):
        choices = ", ".join(f"{k} ({v})" for k, v in ADMIN_LEVELS.items())
        raise ParameterError(
            f"load_admin: `level` was {level!r} but is expected to be one of {choices}."
        )
    path = {0: paths.adm0, 1: paths.adm1, 2: paths.adm2}[level]
    gdf = _layer(path, _ADMIN_RENAMES, columns=_ADMIN_COLUMNS[level])
    if "region_2023" in gdf:
        gdf["region_2023"] = _blank_to_na(gdf["region_2023"])
    return gdf


def load_countries(*, paths: BundledPaths = BUNDLED) -> gpd.GeoDataFrame:
    """Return West-African country outlines (Natural Earth 10m v5.1.1), EPSG:4326.

    Parameters
    ----------
    paths : BundledPaths
        Where the bundle lives.

    Returns
    -------
    GeoDataFrame
        ``iso3``, ``name`` (long form, e.g. "Côte d'Ivoire"), ``name_en`` (Natural
        Earth short name, e.g. "Ivory Coast"), ``neighbour_of_mali`` (bool: SEN,
        CIV, GIN, MRT, BFA, NER, DZA), ``focus`` (bool: the neighbours plus MLI,
        GMB, GNB). Clipped to lon -18..5, lat 4..25; 17 rows.
    """
    columns = ["iso3", "name", "name_en", "neighbour_of_mali", "focus"]
    gdf = _layer(paths.countries, _COUNTRY_RENAMES, columns=columns)
    return gdf.astype({"neighbour_of_mali": bool, "focus": bool})


def load_roads(*, paths: BundledPaths = BUNDLED) -> gpd.GeoDataFrame:
    """Return OSM main roads of Mali, Senegal, The Gambia and Côte d'Ivoire, EPSG:4326.

    Parameters
    ----------
    paths : BundledPaths
        Where the bundle lives.

    Returns
    -------
    GeoDataFrame
        ``country`` (ISO3), ``road_class`` (motorway | trunk | primary | secondary),
        ``class_rank`` (1-4), ``ref`` (OSM ref, "" when untagged), ``name``
        ("" when untagged), ``length_km``. OSM as of August 2021; lines are not
        noded (see scripts/build_corridors.py for routing).
    """
    columns = ["country", "road_class", "class_rank", "ref", "name", "length_km"]
    return _layer(paths.roads, {}, columns=columns).fillna({"ref": "", "name": ""})


def load_towns(*, paths: BundledPaths = BUNDLED) -> gpd.GeoDataFrame:
    """Return OSM towns and cities (points), EPSG:4326.

    Parameters
    ----------
    paths : BundledPaths
        Where the bundle lives.

    Returns
    -------
    GeoDataFrame
        ``country`` (ISO3; can be wrong when ``border_km`` < 3), ``name`` (OSM
        ``name:latin``), ``place_class`` (city | town), ``border_km`` (distance
        to the nearest land border).
    """
    columns = ["country", "name", "place_class", "border_km"]
    return _layer(paths.towns, _TOWN_RENAMES, columns=columns)


def load_rivers(*, paths: BundledPaths = BUNDLED) -> gpd.GeoDataFrame:
    """Return Natural Earth 10m rivers and lake centrelines, EPSG:4326.

    Parameters
    ----------
    paths : BundledPaths
        Where the bundle lives.

    Returns
    -------
    GeoDataFrame
        ``name``, ``name_en``, ``feature_class``, ``scale_rank`` (lower = larger).
    """
    columns = ["name", "name_en", "feature_class", "scale_rank"]
    return _layer(paths.rivers, _NE_RENAMES, columns=columns)


def load_lakes(*, paths: BundledPaths = BUNDLED) -> gpd.GeoDataFrame:
    """Return Natural Earth 10m lakes and reservoirs, EPSG:4326.

    Parameters
    ----------
    paths : BundledPaths
        Where the bundle lives.

    Returns
    -------
    GeoDataFrame
        ``name`` (None for two unnamed lakes), ``feature_class``, ``scale_rank``.
    """
    gdf = _layer(paths.lakes, _NE_RENAMES, columns=["name", "feature_class", "scale_rank"])
    gdf["name"] = _blank_to_na(gdf["name"])
    return gdf


def load_routes(*, paths: BundledPaths = BUNDLED) -> gpd.GeoDataFrame:
    """Return the fuel-corridor routes to Bamako, one LineString each, EPSG:4326.

    Parameters
    ----------
    paths : BundledPaths
        Where the bundle lives.

    Returns
    -------
    GeoDataFrame
        ``route_id``, ``label``, ``origin``, ``origin_country`` (SEN | CIV),
        ``destination`` ("Bamako"), ``group`` ("dakar" | "abidjan": the
        alternatives to compare), ``waypoints`` (" – "-joined OSM town names),
        ``road_refs``, ``length_km`` (WGS84 geodesic), ``published_km`` (a
        published road distance for the itinerary, NaN where none was found),
        ``published_source``. Lines run from the origin to Bamako. Least-cost
        paths on the OSM 2021 network, not official designations.
    """
    return _layer(paths.routes, {}, layer="routes")


def load_route_legs(*, paths: BundledPaths = BUNDLED) -> gpd.GeoDataFrame:
    """Return the legs of every corridor route (waypoint to waypoint), EPSG:4326.

    Parameters
    ----------
    paths : BundledPaths
        Where the bundle lives.

    Returns
    -------
    GeoDataFrame
        One row per leg: ``route_id``, ``leg_order`` (1..n), ``from_town``,
        ``from_country``, ``to_town``, ``to_country``, ``length_km`` (geodesic),
        ``crow_km`` (geodesic between the two town points), ``road_refs``,
        ``km_by_class`` (JSON: km per road class, "connector" for the short
        links that join unnoded road ends), ``snap_from_m`` / ``snap_to_m``
        (metres from the town point to the network node the leg starts/ends at).
    """
    return _layer(paths.routes, {}, layer="legs")


def load_sites(kind: str = "points", *, paths: BundledPaths = BUNDLED) -> gpd.GeoDataFrame:
    """Return mine, factory, plant and industrial sites, EPSG:4326.

    Parameters
    ----------
    kind : str
        ``"points"``: 246 sites, one point each, with every property of the
        source (``site_id``, ``name``, ``site_type``, ``operator``, ``status``,
        ``country``, ``admin1``, ``source``, ``source_ref``,
        ``location_precision``, ``area_km2``, ``notes``, ``probable_match``,
        ``lon``, ``lat``). ``"polygons"``: the 235 OSM industrial-area polygons
        behind the ``wm_osm_*`` points (same ``site_id``).
    paths : BundledPaths
        Where the bundle lives.

    Returns
    -------
    GeoDataFrame
        The requested layer.

    Raises
    ------
    ParameterError
        If ``kind`` is not "points" or "polygons".
    """
    if kind not in SITE_KINDS:
        raise ParameterError(
            f"load_sites: `kind` was {kind!r} but is expected to be one of "
            f"{', '.join(repr(k) for k in SITE_KINDS)}."
        )
    return _layer(paths.sites, {}, layer=SITE_KINDS[kind])


@lru_cache(maxsize=4)
def _read_regions_2023(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputFileError(f"bundled file {path} is missing; restore data/ from the repository.")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table["region_2023"] = _blank_to_na(table["region_2023"])
    for col in ("whole_cercle", "region_exact"):
        table[col] = table[col].map({"true": True, "false": False, "": pd.NA}).astype("boolean")
    return table


def load_regions_2023(*, paths: BundledPaths = BUNDLED) -> pd.DataFrame:
    """Return each old cercle's region under the 2023 reorganisation (Loi n°2023-006).

    Parameters
    ----------
    paths : BundledPaths
        Where the bundle lives.

    Returns
    -------
    DataFrame
        50 rows: ``unit_id`` (joins :func:`load_admin` level 2), ``adm2_name``,
        ``name``, ``adm1_name_old``, ``adm1_iso_old``, ``region_2023`` (None
        where not sourced), ``whole_cercle`` and ``region_exact`` (nullable
        booleans: whether the whole cercle went to that region, and whether the
        region is exactly a union of whole old cercles; NA = not stated),
        ``note``, ``basis`` (the pages that say so).

    Notes
    -----
    There are no 2023 region polygons; use ``region_2023`` as an aggregation
    key, and mind ``region_exact``: where it is False, a sum over cercles is
    only an approximation of the 2023 region.
    """
    return _read_regions_2023(Path(paths.regions_2023)).copy()
