"""SECURITY.md 4.2, cases G: Geometry validity: empty, invalid, mixed and huge geometries.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import shapely

from tests.security.helpers import (
    _GARDEN,
    BAMAKO,
    KAYES,
    feature_collection,
    ingest,
    point,
    read,
)


def test_g01_bowtie_repaired_with_make_valid_not_buffer0():
    import common

    from geo.admin import prepare_units

    bowtie = common.bowtie_units()
    assert bowtie.geometry.iat[0].buffer(0).area == pytest.approx(0.5)  # one lobe lost
    repaired = prepare_units(bowtie)
    assert repaired.geometry.iat[0].area == pytest.approx(1.0)  # both lobes
    assert repaired.attrs["repaired"] == ["T"]
    ring = [[-8, 12], [-7, 13], [-7, 12], [-8, 13], [-8, 12]]
    result = read(feature_collection([{"type": "Polygon", "coordinates": [ring]}]), "b.geojson")
    (issue,) = result.report.issues
    assert issue.row == 1 and issue.action == "repaired"
    assert shapely.make_valid(shapely.Polygon(ring)).covers(result.incidents.geometry.iat[0])


def test_g02_unclosed_ring_is_one_rejected_feature_not_a_failed_file(tmp_path):
    ring = [[-8, 12], [-7, 12], [-7, 13], [-8, 13]]
    data = feature_collection([point(*BAMAKO), {"type": "Polygon", "coordinates": [ring]}])
    result = read(data, "open.geojson")
    assert (result.report.rows_kept, result.report.rejected_rows[0].row) == (1, 2)


@pytest.mark.parametrize(
    "ring",
    [
        pytest.param([[-8, 12], [-7, 12], [-8, 12]], id="3 coordinates"),
        pytest.param([[-8, 12], [-7, 12], [-6, 12], [-8, 12]], id="zero area"),
    ],
)
def test_g03_degenerate_rings_are_per_feature_errors(ring):
    result = read(feature_collection([{"type": "Polygon", "coordinates": [ring]}]), "d.geojson")
    assert result.report.n_rejected == 1
    assert "is not a valid polygon" in result.report.issues[0].reason


def test_g04_empty_and_null_geometries_counted_and_listed():
    data = feature_collection([point(*BAMAKO), None, {"type": "Point", "coordinates": []}])
    result = read(data, "e.geojson")
    assert result.report.rows_in == 3 and result.report.rows_kept == 1
    assert [r.row for r in result.report.rejected_rows] == [2, 3]


def test_g05_mixed_geometry_types_split_with_counts():
    line = {"type": "LineString", "coordinates": [[-8, 12], [-7, 12]]}
    poly = {"type": "Polygon", "coordinates": [[[-8, 12], [-7, 12], [-7, 13], [-8, 12]]]}
    result = read(feature_collection([point(*BAMAKO), line, poly]), "mix.geojson")
    actions = [(i.row, i.action) for i in result.report.issues]
    assert actions == [(2, "rejected"), (3, "repaired")]
    assert result.incidents["precise"].tolist() == [True, False]


def test_g06_multipart_units_and_single_multipoints():
    import common

    from geo.admin import assign_admin

    admin2 = common.admin2()
    admin2.loc[admin2["unit_id"] == "A", "geometry"] = shapely.MultiPolygon(
        [shapely.box(*common.SQUARES["A"]), shapely.box(-8.0, 13.0, -7.5, 13.5)]
    )
    admin2.loc[admin2["unit_id"] == "D", "geometry"] = shapely.box(-7.5, 13.0, -7.0, 14.0).union(
        shapely.box(-8.0, 13.5, -7.5, 14.0)
    )
    incidents = common.make_incidents([shapely.Point(-7.75, 13.25), shapely.Point(-8.5, 12.5)])
    out = assign_admin(
        incidents, admin1=common.admin1(), admin2=admin2, countries=common.countries()
    )
    assert out["adm2_id"].tolist() == ["A", "A"]
    one = {"type": "MultiPoint", "coordinates": [list(BAMAKO)]}
    two = {"type": "MultiPoint", "coordinates": [list(BAMAKO), list(KAYES)]}
    result = read(feature_collection([one, two]), "mp.geojson")
    assert [(i.row, i.action) for i in result.report.issues] == [(1, "repaired"), (2, "rejected")]


def test_g07_large_polygon_reduced_to_one_point():
    angles = np.linspace(0, 2 * np.pi, 200_000, endpoint=False)
    ring = np.c_[-8 + 0.5 * np.cos(angles), 12.6 + 0.5 * np.sin(angles)].round(6).tolist()
    result = read(
        feature_collection([{"type": "Polygon", "coordinates": [ring + ring[:1]]}]), "big.geojson"
    )
    assert result.report.rows_kept == 1 and not result.incidents["precise"].iat[0]


def test_g08_collection_with_an_empty_member_does_not_crash():
    gc = {
        "type": "GeometryCollection",
        "geometries": [point(*BAMAKO), {"type": "Point", "coordinates": []}],
    }
    result = read(feature_collection([gc, point(*KAYES)]), "gc.geojson")
    assert (result.report.rows_kept, result.report.n_rejected) == (1, 1)


def test_g09_garden_through_every_stage(context):
    from geo.hotspots import hex_counts, kde_grid
    from geo.pipeline import Filters, Params, prepare_incidents, run_analysis
    from layers.incidents import build_incidents

    result = ingest(feature_collection(_GARDEN), "garden.geojson")
    rep = result.report
    assert rep.rows_in == len(_GARDEN) == rep.rows_kept + rep.n_rejected
    assigned = prepare_incidents(result.incidents, context)
    window = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), include_imprecise=True)
    analysis = run_analysis(
        assigned, rep, window, Params(as_of=date(2025, 12, 31)), context=context
    )
    assert analysis.key_figures["incidents"] == rep.rows_kept
    from geo.crs import to_metric

    kde_grid(to_metric(result.incidents), include_imprecise=True)
    hex_counts(result.incidents, include_imprecise=True)
    build_incidents(result.incidents, name="garden")
