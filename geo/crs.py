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

__all__ = [
    "GEOD",
    "WGS84",
    "METRIC_CRS",
    "METRIC_PROJ",
    "require_metric",
    "require_wgs84",
    "to_metric",
]

WGS84 = CRS.from_epsg(4326)

#: The WGS84 ellipsoid, for geodesic distances and lengths (route kilometres, site distances).
GEOD = Geod(ellps="WGS84")
#: :data:`METRIC_CRS` as a PROJ string, for records (provenance) that quote it on one line.
METRIC_PROJ = "+proj=aea +lat_0=11 +lon_0=-8 +lat_1=7 +lat_2=16 +datum=WGS84 +units=m +no_defs"
_DEG = 'ANGLEUNIT["degree",0.0174532925199433]'
#: The same CRS as :data:`METRIC_PROJ`, written as WKT2 with a name and a description so that
#: a GeoTIFF or GeoPackage names it (QGIS showed "unknown" for the bare PROJ string).
METRIC_CRS = CRS.from_wkt(
    'PROJCRS["Sahel Risk Map Albers equal-area (western Mali)",'
    'BASEGEOGCRS["WGS 84",DATUM["World Geodetic System 1984",'
    'ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]]],'
    f'PRIMEM["Greenwich",0,{_DEG}],ID["EPSG",4326]],'
    'CONVERSION["Albers equal-area conic centred on western Mali",'
    'METHOD["Albers Equal Area",ID["EPSG",9822]],'
    f'PARAMETER["Latitude of false origin",11,{_DEG},ID["EPSG",8821]],'
    f'PARAMETER["Longitude of false origin",-8,{_DEG},ID["EPSG",8822]],'
    f'PARAMETER["Latitude of 1st standard parallel",7,{_DEG},ID["EPSG",8823]],'
    f'PARAMETER["Latitude of 2nd standard parallel",16,{_DEG},ID["EPSG",8824]],'
    'PARAMETER["Easting at false origin",0,LENGTHUNIT["metre",1],ID["EPSG",8826]],'
    'PARAMETER["Northing at false origin",0,LENGTHUNIT["metre",1],ID["EPSG",8827]]],'
    'CS[Cartesian,2],AXIS["easting (X)",east,ORDER[1],LENGTHUNIT["metre",1]],'
    'AXIS["northing (Y)",north,ORDER[2],LENGTHUNIT["metre",1]],'
    'USAGE[SCOPE["Distances, buffers, areas and densities of the Sahel Risk Map"],'
    'AREA["Western Mali and its corridors to Dakar and Abidjan"],BBOX[5,-17.5,17,-3]],'
    'REMARK["Albers equal-area conic on WGS84: lat_0 11N, lon_0 8W, standard parallels 7N '
    "and 16N. Areas are exact; over lon 17.5W-3W, lat 5N-17N a 5 km distance is within "
    '0.33 % of the geodesic."]]'
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
