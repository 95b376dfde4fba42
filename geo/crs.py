"""The two coordinate reference systems of the product and the checks between them.

Storage and exchange use EPSG:4326 (lon/lat). Every distance, buffer, area and
density is computed in one metric CRS, :data:`METRIC_CRS`: an Albers equal-area
conic centred on western Mali (lat_0 11°N, lon_0 8°W, standard parallels 7°N
and 16°N, WGS84). Areas are exact; over the corridor box (lon 17.5°W–3°W,
lat 5°N–17°N) a 5 km distance differs from the WGS84 geodesic by at most
0.33 % (measured with ``pyproj.Geod``; ``tests/test_crs.py`` checks it), which
keeps route lengths inside the 0.5 % the design asks for. Farther north (Kidal,
Taoudénit) the scale error grows to about 2 %, which is harmless for counts and
densities but the reason route lengths are reported from geodesics.
"""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS, Geod

from geo.errors import CRSError

__all__ = ["GEOD", "WGS84", "METRIC_CRS", "require_metric", "require_wgs84", "to_metric"]

WGS84 = CRS.from_epsg(4326)

#: The WGS84 ellipsoid, for geodesic distances and lengths (route kilometres, site distances).
GEOD = Geod(ellps="WGS84")
METRIC_CRS = CRS.from_proj4(
    "+proj=aea +lat_0=11 +lon_0=-8 +lat_1=7 +lat_2=16 +datum=WGS84 +units=m +no_defs"
)


def require_metric(gdf: gpd.GeoDataFrame, *, what: str = "layer") -> None:
    """Raise :class:`CRSError` unless ``gdf`` has a projected CRS in metres.

    Parameters
    ----------
    gdf : GeoDataFrame
        Layer to check.
    what : str
        Name of the layer for the message.

    Raises
    ------
    CRSError
        If the CRS is missing, geographic, or not in metres.
    """
    crs = gdf.crs
    if crs is None:
        raise CRSError(f"{what} has no CRS; set one with .set_crs(...) before analysis.")
    if not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
        raise CRSError(
            f"{what} is in {crs.name!r}, not a metric CRS; "
            "reproject with geo.crs.to_metric(...) first."
        )


def require_wgs84(gdf: gpd.GeoDataFrame, *, what: str = "layer") -> None:
    """Raise :class:`CRSError` unless ``gdf`` is in EPSG:4326.

    Parameters
    ----------
    gdf : GeoDataFrame
        Layer to check.
    what : str
        Name of the layer for the message.

    Raises
    ------
    CRSError
        If the CRS is missing or is not EPSG:4326.
    """
    if gdf.crs is None:
        raise CRSError(f"{what} has no CRS; it must be EPSG:4326 (lon/lat).")
    if not gdf.crs.equals(WGS84):
        raise CRSError(f"{what} is in {gdf.crs.name!r}; convert it with .to_crs(4326).")


def to_metric(gdf: gpd.GeoDataFrame, *, what: str = "layer") -> gpd.GeoDataFrame:
    """Return ``gdf`` reprojected to :data:`METRIC_CRS` (a copy; input untouched).

    Parameters
    ----------
    gdf : GeoDataFrame
        Layer with a CRS set.
    what : str
        Name of the layer for the message.

    Returns
    -------
    GeoDataFrame
        The same rows in :data:`METRIC_CRS`.

    Raises
    ------
    CRSError
        If ``gdf`` has no CRS.
    """
    if gdf.crs is None:
        raise CRSError(f"{what} has no CRS; set one with .set_crs(...) before analysis.")
    return gdf.to_crs(METRIC_CRS)
