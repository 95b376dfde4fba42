"""SECURITY.md 4.2, cases C: Coordinates and CRS: ranges, swaps, projected values, datum.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geo.errors import InputFileError
from tests.security.helpers import (
    BAMAKO,
    KAYES,
    csv_bytes,
    feature_collection,
    gpkg_bytes,
    one_row_csv,
    point,
    points_frame,
    read,
    shapefile_zip,
)


def test_c01_shapefile_without_prj_is_read_as_lonlat_only_when_it_is(tmp_path):
    data = shapefile_zip(points_frame(2), tmp_path, drop=(".prj",))
    result = read(data, "noprj.zip")
    assert result.report.rows_kept == 2
    assert any("no events.prj: the CRS is unknown" in n for n in result.report.notes)
    projected = shapefile_zip(points_frame(2, crs=32629), tmp_path, drop=(".prj",))
    assert read(projected, "utm.zip").report.rows_kept == 0  # metres never read as degrees


def test_c02_utm_coordinates_without_crs_rejected_as_projected():
    assert gpd.points_from_xy([608596.0], [1398638.0], crs=4326).is_valid.all()  # default
    result = read(one_row_csv(lat=1398638.0, lon=608596.0), "utm.csv")
    (issue,) = result.report.issues
    assert issue.action == "rejected" and "projected?" in issue.reason


def test_c03_swapped_lat_lon_detected_and_repaired_with_a_row_issue():
    result = read(one_row_csv(lat=BAMAKO[0], lon=BAMAKO[1]), "swap.csv")
    assert result.incidents.geometry.iat[0].equals(shapely.Point(BAMAKO))
    assert "swapped back" in result.report.issues[0].reason
    data = feature_collection([point(BAMAKO[1], BAMAKO[0])])
    assert read(data, "swap.geojson").incidents.geometry.iat[0].equals(shapely.Point(BAMAKO))


def test_c04_axis_order_known_point_to_a_metre(tmp_path):
    from pyproj import Transformer

    wrong = Transformer.from_crs(4326, 32629).transform(*BAMAKO)  # lon, lat in 4326 order
    assert abs(wrong[0] - 608596) > 1e5  # the default axis order puts Bamako elsewhere
    utm = Transformer.from_crs(4326, 32629, always_xy=True).transform(*BAMAKO)
    data = gpkg_bytes(
        gpd.GeoDataFrame(
            {"id": ["T-1"], "date": ["2025-04-03"]}, geometry=[shapely.Point(utm)], crs=32629
        ),
        tmp_path,
    )
    got = read(data, "utm.gpkg").incidents.geometry.iat[0]
    from pyproj import Geod

    assert Geod(ellps="WGS84").inv(got.x, got.y, *BAMAKO)[2] < 1.0


@pytest.mark.parametrize(("lat", "lon"), [(95.0, -8.0), (12.6, 200.0)])
def test_c05_out_of_range_rows_rejected_with_their_number(lat, lon):
    bad = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(32629).iat[0]
    assert np.isfinite(bad.x) == (lat < 90)  # the default: POINT (inf inf), or a wrapped point
    (issue,) = read(one_row_csv(lat=lat, lon=lon), "range.csv").report.issues
    assert (issue.row, issue.action) == (2, "rejected") and "is outside" in issue.reason


def test_c06_blank_and_nan_coordinates_excluded_and_counted():
    default = gpd.points_from_xy([np.nan], [3.0])
    assert not default.isna().any() and not default.is_empty.any()  # POINT (NaN 3) passes
    rows = [
        {"id": "T-1", "date": "2025-04-03", "lat": "", "lon": -8.0},
        {"id": "T-2", "date": "2025-04-03", "lat": "nan", "lon": -8.0},
        {"id": "T-3", "date": "2025-04-03", "lat": 12.6, "lon": -8.0},
    ]
    result = read(csv_bytes(rows), "nan.csv")
    assert (result.report.rows_kept, result.report.n_rejected) == (1, 2)


def test_c07_null_island_rejected_and_single_zero_flagged():
    result = read(
        csv_bytes(
            [
                {"id": "T-1", "date": "2025-04-03", "lat": 0, "lon": 0},
                {"id": "T-2", "date": "2025-04-03", "lat": 12.6, "lon": 0},
            ]
        ),
        "zero.csv",
    )
    actions = {i.row: i.action for i in result.report.issues}
    assert actions == {2: "rejected", 3: "flagged"}


def test_c08_antimeridian_polygon_not_moved_to_lon_0():
    ring = [[179, 10], [-179, 10], [-179, 11], [179, 11], [179, 10]]
    result = read(feature_collection([{"type": "Polygon", "coordinates": [ring]}]), "am.geojson")
    assert result.incidents.empty
    assert "crosses the antimeridian" in result.report.issues[0].reason


def test_c09_points_outside_the_area_of_interest_noted():
    result = read(one_row_csv(lat=48.85, lon=2.35, country="France"), "paris.csv")
    assert any("outside the West-Africa box" in n for n in result.report.notes)


def test_c10_imprecise_events_drawn_as_areas_not_pins():
    from layers.incidents import build_incidents

    rows = [
        {"id": "T-1", "date": "2025-04-03", "lat": BAMAKO[1], "lon": BAMAKO[0], "precision": 1},
        {"id": "T-2", "date": "2025-04-03", "lat": KAYES[1], "lon": KAYES[0], "precision": 3},
    ]
    incidents = read(csv_bytes(rows), "prec.csv").incidents
    assert incidents["precise"].tolist() == [True, False]
    group = build_incidents(incidents, name="Incidents")
    (layer,) = [c for c in group._children.values() if type(c).__name__ == "IncidentLayer"]
    assert len(layer.precise) == 1 and len(layer.approx) == 1
    assert layer.approx[0][-1] == 50.0  # a 50 km circle, never a pin


def test_c11_z_and_m_dropped_with_a_note(tmp_path):
    data = feature_collection([{"type": "Point", "coordinates": [*BAMAKO, 312.0]}])
    result = read(data, "z.geojson")
    assert not result.incidents.has_z.any()
    assert "Z/M values dropped from 1 feature (lon/lat kept)" in result.report.notes


def test_c12_geojson_with_a_projected_crs_member_refused(tmp_path):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32629"}}
    data = feature_collection([point(608596.0, 1398638.0)], crs=crs)
    (tmp_path / "p.geojson").write_bytes(data)
    assert pyogrio.read_dataframe(tmp_path / "p.geojson").crs == "EPSG:32629"  # GDAL honours it
    with pytest.raises(InputFileError, match="has a 'crs' member"):
        read(data, "p.geojson")
