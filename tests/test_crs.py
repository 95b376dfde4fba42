"""The metric CRS keeps corridor distances within 0.5 % of the geodesic."""

import geopandas as gpd
import numpy as np
import pytest
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Point

from geo.crs import METRIC_CRS, METRIC_PROJ, WGS84, require_metric, require_wgs84, to_metric
from geo.errors import CRSError

GEOD = Geod(ellps="WGS84")


def test_metric_crs_is_named_and_equals_its_proj_string():
    assert METRIC_CRS.name == "Sahel Risk Map Albers equal-area (western Mali)"
    assert "Areas are exact" in METRIC_CRS.remarks
    assert METRIC_CRS == CRS.from_proj4(METRIC_PROJ)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        pytest.param(-17.44, 14.69, id="Dakar"),
        pytest.param(-4.01, 5.32, id="Abidjan"),
        pytest.param(-8.00, 12.64, id="Bamako"),
        pytest.param(-11.43, 14.45, id="Kayes"),
        pytest.param(-7.56, 9.51, id="Odienne"),
    ],
)
@pytest.mark.parametrize("azimuth", [0, 45, 90, 135])
def test_short_distances_match_geodesic(lon, lat, azimuth):
    fwd = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth, 10_000.0)
    x1, y1 = fwd.transform(lon, lat)
    x2, y2 = fwd.transform(lon2, lat2)
    assert np.hypot(x2 - x1, y2 - y1) == pytest.approx(10_000.0, rel=0.005)


def test_bamako_round_trip_to_one_metre():
    fwd = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
    back = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)
    x, y = fwd.transform(-8.0029, 12.6392)
    lon, lat = back.transform(x, y)
    dist = GEOD.inv(-8.0029, 12.6392, lon, lat)[2]
    assert dist < 1.0


def test_checks_name_the_fix():
    gdf = gpd.GeoDataFrame(geometry=[Point(-8, 12.6)], crs=4326)
    with pytest.raises(CRSError, match="not a metric CRS"):
        require_metric(gdf, what="incidents")
    require_wgs84(gdf)
    metric = to_metric(gdf)
    require_metric(metric)
    assert gdf.crs.equals(WGS84)  # input untouched
    with pytest.raises(CRSError, match="has no CRS"):
        to_metric(gpd.GeoDataFrame(geometry=[Point(0, 0)]))
    with pytest.raises(CRSError, match="to_crs"):
        require_wgs84(metric)
