"""SECURITY.md 4.2, cases J: Joins and aggregation: border points, holes, units without events.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from tests.security.helpers import read


def test_j01_j02_border_and_outer_edge_points_counted_once():
    import common

    from geo.admin import assign_admin

    names = ["edge_ab", "corner_abcd", "outer_edge_a", "edge_bd"]
    incidents = common.make_incidents(common.point_geoms(names))
    admin2 = common.admin2()
    hits = gpd.sjoin(incidents, admin2, predicate="intersects")
    assert len(hits) > len(incidents)  # the default double-counts borders
    inside = gpd.sjoin(incidents, admin2, predicate="within")
    assert len(inside) < len(incidents)  # and `within` drops them
    out = assign_admin(
        incidents, admin1=common.admin1(), admin2=admin2, countries=common.countries()
    )
    assert out["adm2_id"].tolist() == ["A", "A", "A", "B"]


def test_j04_overlapping_units_detected_and_reported():
    from geo.admin import prepare_units

    units = gpd.GeoDataFrame(
        {"unit_id": ["P", "Q"], "name": ["P (synthetic)", "Q (synthetic)"]},
        geometry=[shapely.box(-9, 12, -8, 13), shapely.box(-8.5, 12, -7.5, 13)],
        crs=4326,
    )
    ((a, b, km2),) = prepare_units(units).attrs["overlaps"]
    assert (a, b) == ("P", "Q") and km2 > 0


def test_j05_empty_filter_result_gives_a_map_without_nan():
    from layers.incidents import build_incidents
    from layers.map import new_map

    empty = read(b"id,date,lat,lon\n", "e.csv").incidents
    assert np.isnan(empty.total_bounds).all()  # what a naive fit_bounds would get
    m = new_map(bounds=empty.total_bounds)
    build_incidents(empty, name="Incidents").add_to(m)
    page = m.get_root().render()
    assert "NaN" not in page and "nan," not in page


def test_j06_layers_in_different_crs_never_mixed():
    import common

    from geo.admin import assign_admin
    from geo.errors import CRSError

    incidents = common.make_incidents(common.point_geoms(["inside_b"]))
    with pytest.raises(CRSError, match=r"convert it with \.to_crs\(4326\)"):
        assign_admin(
            incidents,
            admin1=common.admin1(),
            admin2=common.admin2().to_crs(32629),
            countries=common.countries(),
        )


def test_j07_distances_need_a_metric_crs():
    import common

    from geo.errors import CRSError
    from geo.hotspots import kde_grid

    with pytest.raises(CRSError):
        kde_grid(common.make_incidents(common.point_geoms(["inside_b"])))
