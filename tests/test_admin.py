"""Tests for geo.admin: border points counted once, nesting, windows and rates."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.admin import (
    aggregate_admin,
    assign_admin,
    assign_units,
    dissolve_units,
    prepare_units,
    window_bounds,
)
from geo.errors import CRSError, ParameterError
from tests import common


def _assign(geoms, **cols):
    inc = common.make_incidents(geoms, **cols)
    return assign_admin(
        inc, admin1=common.admin1(), admin2=common.admin2(), countries=common.countries()
    )


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("inside_b", id="inside a unit"),
        pytest.param("edge_ab", id="shared edge goes to the lower id"),
        pytest.param("edge_bd", id="shared edge B|D goes to B"),
        pytest.param("corner_abcd", id="four-unit corner goes to the lowest id"),
        pytest.param("outer_edge_a", id="point on Mali's outer edge stays in Mali"),
        pytest.param("outer_corner_d", id="outer corner is assigned"),
        pytest.param("in_neighbour", id="outside Mali gets its country, no unit"),
        pytest.param("nowhere", id="outside every layer gets nothing"),
    ],
)
def test_named_points_land_in_the_expected_unit(name):
    out = _assign(common.point_geoms([name]))
    adm2, adm1, country = common.EXPECTED[name]
    row = out.iloc[0]
    assert (row["adm2_id"], row["adm1_id"], row["country_iso3"]) == (adm2, adm1, country)


def test_every_border_point_counted_exactly_once():
    out = _assign(common.point_geoms())
    counts = out.loc[out["adm2_id"] != "", "adm2_id"].value_counts()
    assert counts.sum() + (out["adm2_id"] == "").sum() == len(out)
    assert counts.to_dict() == {"A": 3, "B": 2, "D": 1}


def test_region_follows_the_cercle_on_a_region_border():
    # edge_ab lies on both the A|B cercle edge and the R1|R2 region border.
    out = _assign(common.point_geoms(["edge_ab"]))
    assert out.loc[0, ["adm2_id", "adm1_id", "adm1_name"]].tolist() == ["A", "R1", "Region R1"]


def test_names_and_2023_region_come_from_the_layers():
    out = _assign(common.point_geoms(["inside_b", "in_neighbour"]))
    assert out["adm2_name"].tolist() == ["Square B", ""]
    assert out["region_2023"].tolist() == ["New East", ""]
    assert out["adm3_id"].tolist() == ["", ""]


def test_awkward_geometries_are_unassigned_not_errors():
    out = _assign(common.awkward_geoms())
    assert (out[["adm1_id", "adm2_id", "country_iso3"]] == "").all().all()


def test_input_is_not_mutated_and_index_is_kept():
    inc = common.make_incidents(common.point_geoms()).set_index(
        pd.Index([10, 11, 12, 13, 14, 15, 16, 17])
    )
    before = inc.copy()
    out = assign_admin(
        inc, admin1=common.admin1(), admin2=common.admin2(), countries=common.countries()
    )
    pd.testing.assert_frame_equal(inc, before)
    assert out.index.tolist() == inc.index.tolist()
    assert "adm2_id" not in inc.columns


def test_admin3_point_in_a_hole_goes_to_the_inner_unit():
    inc = common.make_incidents([shapely.Point(-8.5, 12.5), shapely.Point(-8.9, 12.1)])
    out = assign_admin(
        inc,
        admin1=common.admin1(),
        admin2=common.admin2(),
        countries=common.countries(),
        admin3=common.holed_units(),
    )
    assert out["adm3_id"].tolist() == ["Z", "K"]
    assert out["adm3_name"].tolist() == ["City", "Ring"]


def test_point_on_the_hole_boundary_goes_to_the_lower_id():
    inc = common.make_incidents([shapely.Point(-8.75, 12.5)])  # on the hole's west edge
    out = assign_admin(
        inc,
        admin1=common.admin1(),
        admin2=common.admin2(),
        countries=common.countries(),
        admin3=common.holed_units(),
    )
    assert out["adm3_id"].tolist() == ["K"]


def test_bowtie_unit_is_repaired_with_make_valid_not_buffer0():
    fixed = prepare_units(common.bowtie_units())
    assert fixed.geometry.is_valid.all()
    assert shapely.area(fixed.geometry.iloc[0]) == pytest.approx(1.0)  # both lobes kept (0.5 + 0.5)
    assert fixed.attrs["repaired"] == ["T"]
    pts = shapely.points([[-8.5, 12.5], [-7.5, 12.5]])  # one point in each lobe
    assert assign_units(pts, fixed).tolist() == [0, 0]


def test_overlapping_units_are_reported_with_their_shared_area():
    # SYNTHETIC: P = lon -9..-8, Q = lon -8.5..-7.5 (lat 12..13) share half a square degree.
    units = gpd.GeoDataFrame(
        {"unit_id": ["P", "Q", "R"], "name": ["P", "Q", "R"]},
        geometry=[
            shapely.box(-9, 12, -8, 13),
            shapely.box(-8.5, 12, -7.5, 13),
            shapely.box(-7.5, 12, -7, 13),  # touches Q along an edge only
        ],
        crs=4326,
    )
    overlaps = prepare_units(units).attrs["overlaps"]
    expected = _geod_area_km2(shapely.box(-8.5, 12, -8, 13))
    assert [(a, b) for a, b, _ in overlaps] == [("P", "Q")]
    assert overlaps[0][2] == pytest.approx(expected, rel=1e-3)
    out = assign_admin(
        common.make_incidents([shapely.Point(-8.25, 12.5)]),
        admin1=common.admin1(),
        admin2=common.admin2(),
        countries=common.countries(),
        admin3=units,
    )
    assert out["adm3_id"].tolist() == ["P"]  # in both: the lower id
    assert out.attrs["assignment"]["overlapping_units"] == overlaps


def test_units_without_ids_or_with_repeats_are_refused():
    bad = common.admin2()
    bad.loc[1, "unit_id"] = "A"
    with pytest.raises(ParameterError, match=r"repeated 'unit_id' values \['A'\]"):
        prepare_units(bad, what="admin2")


def test_missing_name_column_is_named_in_the_message():
    with pytest.raises(ParameterError, match=r"admin2: column\(s\) \['name'\] not found"):
        prepare_units(common.admin2().drop(columns="name"), what="admin2")


def test_geographic_crs_is_required():
    inc = common.make_incidents(common.point_geoms()).to_crs(3857)
    with pytest.raises(CRSError, match="convert it with .to_crs"):
        assign_admin(
            inc, admin1=common.admin1(), admin2=common.admin2(), countries=common.countries()
        )


# Points on a 0.5° lattice hit edges, corners, the outer boundary and the outside often.
_lattice = st.tuples(
    st.integers(-4, 4).map(lambda i: -8.0 + 0.5 * i),
    st.integers(-4, 4).map(lambda j: 13.0 + 0.5 * j),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_lattice, min_size=0, max_size=40))
@example([(-8.0, 13.0), (-9.0, 12.0), (-7.0, 14.0), (-10.0, 11.0)])
def test_counts_plus_unassigned_equal_n(coords):
    out = _assign([shapely.Point(c) for c in coords])
    for col in ("adm1_id", "adm2_id", "country_iso3"):
        assigned = out[col] != ""
        assert int(out[col][assigned].value_counts().sum()) + int((~assigned).sum()) == len(coords)
    # Each assigned point is covered by the unit it was given.
    units = common.admin2().set_index("unit_id").geometry
    for geom, unit in zip(out.geometry, out["adm2_id"], strict=True):
        if unit:
            assert units[unit].covers(geom)


def _geod_area_km2(geom) -> float:
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geom)
    return abs(area) / 1e6


def test_aggregate_counts_rates_and_change_against_previous_window():
    # Window 2024-02-01..2024-02-29 (29 days); previous window 2024-01-03..2024-01-31.
    dates = ["2024-02-10", "2024-02-11", "2024-01-20", "2024-01-02", "2024-02-15", "2024-03-01"]
    geoms = common.point_geoms(
        ["inside_b", "inside_b", "inside_b", "inside_b", "edge_ab", "edge_ab"]
    )
    out = aggregate_admin(
        _assign(geoms, event_date=dates, fatalities=[1, 2, 5, 7, 3, 4]),
        common.admin2(),
        level=2,
        start="2024-02-01",
        end="2024-02-29",
    )
    by_id = out.set_index("unit_id")
    assert by_id["incidents"].to_dict() == {"A": 1, "B": 2, "C": 0, "D": 0}
    assert by_id["fatalities"].to_dict() == {"A": 3, "B": 3, "C": 0, "D": 0}
    assert by_id["prev_incidents"].to_dict() == {"A": 0, "B": 1, "C": 0, "D": 0}
    assert by_id["prev_fatalities"].to_dict() == {"A": 0, "B": 5, "C": 0, "D": 0}
    assert by_id["change"].to_dict() == {"A": 1, "B": 1, "C": 0, "D": 0}
    assert by_id.loc["B", "change_pct"] == pytest.approx(100.0)
    assert np.isnan(by_id.loc["A", "change_pct"])
    assert by_id["change_label"].to_dict() == {
        "A": "new",
        "B": "+100 %",
        "C": "no events",
        "D": "no events",
    }
    # Equal-area km², not the (deliberately wrong) attribute.
    expected_b = _geod_area_km2(shapely.box(*common.SQUARES["B"]))
    assert by_id.loc["B", "area_km2"] == pytest.approx(expected_b, rel=1e-3)
    assert by_id.loc["B", "incidents_per_1000km2"] == pytest.approx(2 / expected_b * 1000, rel=1e-3)
    window = out.attrs["window"]
    assert (window["start"], window["end"]) == ("2024-02-01", "2024-02-29")
    assert (window["prev_start"], window["prev_end"]) == ("2024-01-03", "2024-01-31")
    assert window["events"] == 3 and window["unassigned"] == 0


def test_aggregate_keeps_every_unit_and_the_units_index():
    units = common.admin2().set_index(pd.Index([7, 8, 9, 10]))
    out = aggregate_admin(
        _assign(common.point_geoms(["in_neighbour"])),
        units,
        level=2,
        start="2024-01-01",
        end="2024-12-31",
    )
    assert out.index.tolist() == [7, 8, 9, 10]
    assert out["incidents"].sum() == 0
    assert out.attrs["window"]["unassigned"] == 1


def test_aggregate_filters_by_category_event_type_actor_and_source():
    inc = _assign(
        common.point_geoms(["inside_b"] * 4),
        category=["abduction", "armed_attack", "abduction", "explosive"],
        event_type=["Kidnapping", "armed_attack", "kidnapping", "IED"],
        actor1=["JNIM", "FAMa", "Unknown", "JNIM fighters"],
        source=["news", "news", "ucdp", "news"],
    )
    kw = {"level": 2, "start": "2024-01-01", "end": "2024-01-31"}
    by = lambda out: int(out.set_index("unit_id").loc["B", "incidents"])  # noqa: E731
    assert by(aggregate_admin(inc, common.admin2(), categories=["abduction"], **kw)) == 2
    assert by(aggregate_admin(inc, common.admin2(), event_types=["KIDNAPPING"], **kw)) == 2
    assert by(aggregate_admin(inc, common.admin2(), actors=["jnim"], **kw)) == 2
    assert by(aggregate_admin(inc, common.admin2(), sources=["news"], **kw)) == 3


def test_aggregate_by_region_2023_merges_cercles():
    inc = _assign(common.point_geoms(["inside_b", "edge_ab", "outer_corner_d"]))
    out = aggregate_admin(
        inc, common.admin2(), level="region_2023", start="2024-01-01", end="2024-01-31"
    )
    assert out.set_index("unit_id")["incidents"].to_dict() == {
        "New East": 1,
        "New North": 1,
        "New West": 1,
    }
    assert out.set_index("unit_id")["n_parts"].to_dict() == {
        "New East": 1,
        "New North": 1,
        "New West": 2,
    }


def test_dissolve_skips_units_without_a_value():
    units = common.admin2()
    units.loc[0, "region_2023"] = ""
    assert dissolve_units(units, by="region_2023")["n_parts"].sum() == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"level": 4}, r"`level` was 4 but is expected to be in", id="bad level"),
        pytest.param(
            {"categories": ["bandits"]}, r"\['bandits'\] but is expected", id="bad category"
        ),
        pytest.param(
            {"start": "2024-02-01", "end": "2024-01-01"}, "is after end date", id="swapped"
        ),
        pytest.param({"start": "soon"}, "'soon' is not a date", id="not a date"),
    ],
)
def test_aggregate_refuses_bad_options(kwargs, message):
    args = {"level": 2, "start": "2024-01-01", "end": "2024-01-31"} | kwargs
    with pytest.raises(ParameterError, match=message):
        aggregate_admin(_assign(common.point_geoms(["inside_b"])), common.admin2(), **args)


def test_window_bounds_previous_window_has_equal_length():
    s, e, ps, pe = window_bounds("2024-01-01", "2024-01-01")
    assert (ps, pe) == (pd.Timestamp("2023-12-31"), pd.Timestamp("2023-12-31"))


# --- Real bundled data (runs once geo.io.bundled exists) -------------------------------------

TOWNS = [
    # town name in the bundled OSM towns layer, ADM1 name, ADM2 display name (ASCII-folded)
    ("Bamako", "Bamako", "bamako"),
    ("Kayes", "Kayes", "kayes"),
    ("Sikasso", "Sikasso", "sikasso"),
    ("Ségou", "Ségou", "segou"),
    ("Mopti", "Mopti", "mopti"),
    ("Tombouctou", "Tombouctou", "tombouctou"),
]


@pytest.fixture(scope="module")
def real_layers():
    from geo.io import bundled

    return {
        "admin1": bundled.load_admin(1),
        "admin2": bundled.load_admin(2),
        "countries": bundled.load_countries(),
        "bundled": bundled,
    }


def _real_towns(bundled) -> gpd.GeoDataFrame:
    if hasattr(bundled, "load_towns"):
        return bundled.load_towns()
    from geo.settings import BUNDLED

    if not BUNDLED.towns.exists():
        pytest.skip("no bundled towns layer yet")
    import pyogrio

    return pyogrio.read_dataframe(BUNDLED.towns)


def test_real_towns_land_in_their_region_and_cercle(real_layers):
    from geo.schema import fold_text

    towns = _real_towns(real_layers["bundled"])
    towns = (
        towns[towns["country"].astype(str).str.upper().isin(["MLI", "MALI"])]
        if "country" in towns
        else towns
    )
    picked = []
    for name, _, _ in TOWNS:
        hit = towns[towns["name"].map(fold_text) == fold_text(name)]
        assert len(hit) >= 1, f"{name} not in the bundled towns layer"
        picked.append(hit.iloc[[0]])
    points = pd.concat(picked).to_crs(4326)
    out = assign_admin(
        points.reset_index(drop=True),
        admin1=real_layers["admin1"],
        admin2=real_layers["admin2"],
        countries=real_layers["countries"],
    )
    for (town, adm1, adm2), got1, got2 in zip(
        TOWNS, out["adm1_name"], out["adm2_name"], strict=True
    ):
        # Display names may carry a prefix ("District de Bamako"); compare folded words.
        assert fold_text(adm1) in fold_text(got1), (town, got1)
        assert adm2 in fold_text(got2), (town, got2)
    assert (out["country_iso3"] == "MLI").all()


def test_real_admin_layers_do_not_overlap(real_layers):
    assert prepare_units(real_layers["admin1"]).attrs["overlaps"] == []
    assert prepare_units(real_layers["admin2"]).attrs["overlaps"] == []


def test_real_admin2_cover_every_point_of_mali_once(real_layers):
    # 2,000 seeded points in Mali's bounding box: each inside Mali is counted once.
    admin2 = real_layers["admin2"]
    rng = np.random.default_rng(0)
    xmin, ymin, xmax, ymax = admin2.total_bounds
    pts = shapely.points(rng.uniform(xmin, xmax, 2000), rng.uniform(ymin, ymax, 2000))
    pos = assign_units(pts, prepare_units(admin2, what="admin2"))
    mali = shapely.union_all(admin2.geometry.values)
    assert ((pos >= 0) == shapely.covers(mali, pts)).all()
