"""Route segments, segment exposure and route reports (geo.segments, exposure, route_report).

Unless a test says "bundled", every route, town and incident here is SYNTHETIC:
a straight north-south road along the 8° W meridian from 12° N (a meridian is a
geodesic and the metric CRS's central meridian, so distances are easy to work
out by hand), made-up towns named "Synthetic ...", and made-up incidents.
"""

import importlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, Point

from geo.crs import METRIC_CRS, WGS84, to_metric
from geo.errors import CRSError, InputFileError, ParameterError
from geo.exposure import (
    EXPOSURE_CLASS_BREAKS,
    classify_exposure,
    exposure_contributions,
    read_columns,
    segment_exposure,
    segment_exposure_change,
)
from geo.io.routes import read_routes
from geo.route_report import (
    compare_alternatives,
    format_route_report,
    route_report,
    route_summary,
    what_changed,
    worst_stretches,
)
from geo.schema import CATEGORIES
from geo.segments import segment_routes
from geo.spread import SPREAD_COLUMNS
from tests.common import make_incidents

GEOD = Geod(ellps="WGS84")
START = (-8.0, 12.0)  # synthetic road start (lon, lat)
ROAD_KM = 102.3  # synthetic road length, so the last 5 km segment is 2.3 km
AS_OF = pd.Timestamp("2025-06-01")


def along(km: float, *, east_km: float = 0.0) -> Point:
    """Point ``km`` along the synthetic road, then ``east_km`` due east (geodesic)."""
    lon, lat, _ = GEOD.fwd(*START, 0.0, km * 1000.0)
    if east_km:
        lon, lat, _ = GEOD.fwd(lon, lat, 90.0, east_km * 1000.0)
    return Point(lon, lat)


def straight_route(route_id: str = "synthetic_road", km: float = ROAD_KM) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"route_id": [route_id], "label": ["Synthetic road"], "group": [""]},
        geometry=[LineString([START, along(km).coords[0]])],
        crs=WGS84,
    )


def incident_at(point: Point, **columns) -> gpd.GeoDataFrame:
    base = {"category": "attack_on_convoy", "event_date": AS_OF}
    base.update(columns)
    return make_incidents([point], **base)


@pytest.fixture(scope="module")
def segments_5km() -> gpd.GeoDataFrame:
    return segment_routes(straight_route(), segment_km=5.0)


# --------------------------------------------------------------------------- segmentation


@pytest.mark.parametrize(
    ("segment_km", "n_segments", "last_km"),
    [
        pytest.param(5.0, 21, 2.3, id="5 km: 20 full segments and a 2.3 km tail"),
        pytest.param(1.0, 103, 0.3, id="1 km: 102 full segments and a 0.3 km tail"),
        pytest.param(200.0, 1, ROAD_KM, id="segment longer than the road: one segment"),
    ],
)
def test_segments_cover_the_road_from_its_origin(segment_km, n_segments, last_km):
    seg = segment_routes(straight_route(), segment_km=segment_km)
    assert len(seg) == n_segments
    assert seg["segment"].tolist() == list(range(n_segments))
    assert seg["km_from"].iloc[0] == 0.0
    np.testing.assert_allclose(seg["km_from"].iloc[1:], seg["km_to"].iloc[:-1])
    assert seg["km_to"].iloc[-1] == pytest.approx(ROAD_KM, abs=1e-6)
    assert seg["length_km"].iloc[-1] == pytest.approx(last_km, abs=1e-6)
    assert seg.crs.equals(METRIC_CRS)
    # geometry: metric length within 0.5 % of the geodesic km, ends meet
    np.testing.assert_allclose(seg.length / 1000.0, seg["length_km"], rtol=0.005)
    ends = shapely.get_point(seg.geometry.values[:-1], -1)
    starts = shapely.get_point(seg.geometry.values[1:], 0)
    assert np.all(shapely.distance(ends, starts) < 1e-6)


def test_bent_road_keeps_the_corner_and_geodesic_km():
    corner = along(32.0)
    end_lon, end_lat, _ = GEOD.fwd(corner.x, corner.y, 90.0, 30_000.0)
    road = gpd.GeoDataFrame(
        {"route_id": ["bent"]},
        geometry=[LineString([START, corner.coords[0], (end_lon, end_lat)])],
        crs=WGS84,
    )
    seg = segment_routes(road, segment_km=5.0)
    total = GEOD.geometry_length(road.geometry.iloc[0]) / 1000.0
    assert seg["km_to"].iloc[-1] == pytest.approx(total, rel=1e-9)
    assert total == pytest.approx(62.0, abs=0.01)
    assert len(seg) == 13
    # the corner (km 32) lies inside segment 6 (km 30-35), which bends there
    n_coords = shapely.get_num_coordinates(seg.geometry.values)
    assert n_coords[6] == 3
    assert set(np.delete(n_coords, 6)) == {2}
    np.testing.assert_allclose(seg.length / 1000.0, seg["length_km"], rtol=0.005)


def test_route_in_metric_crs_and_multilinestring_are_accepted():
    road = straight_route()
    line = road.geometry.iloc[0]
    mid = along(50.0).coords[0]
    multi = MultiLineString([[line.coords[0], mid], [mid, line.coords[1]]])
    as_multi = road.set_geometry([multi], crs=WGS84)
    a = segment_routes(road, segment_km=5.0)
    b = segment_routes(to_metric(as_multi), segment_km=5.0)
    np.testing.assert_allclose(a["km_to"], b["km_to"], atol=1e-6)


def test_nearest_town_and_its_geodesic_distance():
    towns = gpd.GeoDataFrame(
        {"name": ["Synthetic South", "Synthetic North"]},
        geometry=[along(0.0, east_km=3.0), along(100.0, east_km=3.0)],
        crs=WGS84,
    )
    seg = segment_routes(straight_route(), segment_km=5.0, towns=towns)
    assert seg["nearest_town"].iloc[0] == "Synthetic South"
    assert seg["nearest_town"].iloc[-1] == "Synthetic North"
    # segment 0 runs km 0-5: its middle is 2.5 km north of the south town's parallel
    mid = along(2.5)
    expected = GEOD.inv(mid.x, mid.y, towns.geometry.x[0], towns.geometry.y[0])[2] / 1000.0
    assert seg["nearest_town_km"].iloc[0] == pytest.approx(expected, rel=0.005)
    assert expected == pytest.approx(np.hypot(2.5, 3.0), rel=0.005)


def test_without_towns_nearest_town_is_blank(segments_5km):
    assert (segments_5km["nearest_town"] == "").all()
    assert segments_5km["nearest_town_km"].isna().all()


def test_segmentation_does_not_touch_its_input():
    road = straight_route()
    before = road.copy()
    segment_routes(road, segment_km=1.0)
    assert_frame_equal(road, before)


@pytest.mark.parametrize(
    ("routes", "error", "match"),
    [
        pytest.param(
            straight_route().drop(columns="route_id"),
            InputFileError,
            "no 'route_id' column",
            id="no route_id",
        ),
        pytest.param(
            pd.concat([straight_route(), straight_route()]),
            InputFileError,
            "route_id values repeat: \\['synthetic_road'\\]",
            id="repeated id",
        ),
        pytest.param(
            straight_route().set_geometry([Point(START)], crs=WGS84),
            InputFileError,
            "not one continuous line",
            id="a point is not a route",
        ),
        pytest.param(
            straight_route().set_crs(None, allow_override=True),
            CRSError,
            "routes has no CRS",
            id="no CRS",
        ),
    ],
)
def test_bad_routes_are_refused_with_the_reason(routes, error, match):
    with pytest.raises(error, match=match):
        segment_routes(routes)


@pytest.mark.parametrize("segment_km", [0, -1, float("nan"), "five"])
def test_bad_segment_length_is_refused(segment_km):
    with pytest.raises(ParameterError, match="`segment_km` was"):
        segment_routes(straight_route(), segment_km=segment_km)


# --------------------------------------------------------------------------- exposure


def test_incident_10_km_away_raises_only_segments_within_the_buffer(segments_5km):
    inc = incident_at(along(52.5, east_km=10.0))
    out = segment_exposure(segments_5km, inc, buffer_km=25.0, as_of=AS_OF)
    # sqrt(g² + 10²) <= 25 km  <=>  along-road gap g <= 22.9 km: km 29.6 to 75.4
    raised = out.index[out["exposure_per_km"] > 0].tolist()
    assert raised == list(range(5, 16))
    assert out["n_incidents"].tolist() == [1 if i in raised else 0 for i in range(21)]
    # segment 10 (km 50-55) passes 10 km from it: weight 1 x (1 - 10/25) x 0.5^0
    assert out.at[10, "exposure_per_km"] == pytest.approx(0.6, rel=0.005)
    assert out.at[10, "exposure"] == pytest.approx(0.6 * 5.0, rel=0.005)
    assert out.at[10, "exposure_class"] == "medium"
    assert out.attrs["n_incidents_by_route"] == {"synthetic_road": 1}


def test_one_half_life_later_the_contribution_halves(segments_5km):
    inc = incident_at(along(52.5, east_km=10.0))
    now = segment_exposure(segments_5km, inc, as_of=AS_OF, half_life_days=90.0)
    later = segment_exposure(
        segments_5km, inc, as_of=AS_OF + pd.Timedelta(days=90), half_life_days=90.0
    )
    np.testing.assert_allclose(later["exposure_per_km"], now["exposure_per_km"] / 2.0)


def test_incident_after_as_of_counts_nothing(segments_5km):
    inc = incident_at(along(52.5), event_date=AS_OF + pd.Timedelta(days=1))
    out = segment_exposure(segments_5km, inc, as_of=AS_OF)
    assert out["exposure"].sum() == 0.0
    assert out["n_incidents"].sum() == 0
    assert out.attrs["n_after_as_of"] == 1
    assert "1 dated after the analysis date" in out.attrs["left_out"]
    assert out.attrs["window"] == "none used up to 2025-06-01"


def test_imprecise_events_are_dropped_and_counted_with_drop(segments_5km):
    inc = pd.concat(
        [
            incident_at(along(52.5), precise=False, geo_precision=3),
            incident_at(along(20.0, east_km=5.0)),
        ],
        ignore_index=True,
    )
    out = segment_exposure(segments_5km, inc, as_of=AS_OF, imprecise="drop")
    assert out.attrs["n_left_out_imprecise"] == 1
    assert out.attrs["n_used"] == 1
    assert out.attrs["n_spread"] == 0
    assert "1 with imprecise locations" in out.attrs["left_out"]
    assert out.at[10, "n_incidents"] == 0


def test_imprecise_events_are_spread_over_their_cercle_by_default(segments_5km):
    inc = pd.concat(
        [
            incident_at(along(52.5), precise=False, geo_precision=3),
            incident_at(along(20.0, east_km=5.0)),
        ],
        ignore_index=True,
    )
    out = segment_exposure(segments_5km, inc, as_of=AS_OF)
    assert out.attrs["imprecise"] == "spread"
    assert out.attrs["n_left_out_imprecise"] == 0
    assert out.attrs["n_used"] == 2
    assert out.attrs["n_spread_by_kind"] == {"disc": 0, "admin": 1, "road": 0}
    assert "1 events with imprecise locations" in out.attrs["spread"]
    assert out.at[10, "n_incidents"] == 1
    as_point = segment_exposure(segments_5km, inc.iloc[[0]].assign(precise=True), as_of=AS_OF)
    # spread over a cercle of thousands of km², the event weighs far less than on the road
    assert 0 < out.at[10, "exposure_per_km"] < 0.5 * as_point.at[10, "exposure_per_km"]


@pytest.mark.parametrize(
    ("decay", "expected"),
    [
        pytest.param("linear", 1.0 - 10.0 / 25.0, id="linear: 1 - d/b"),
        pytest.param("gaussian", np.exp(-0.5 * (10.0 / 12.5) ** 2), id="gaussian: sigma b/2"),
        pytest.param("none", 1.0, id="none: 1 within the buffer"),
    ],
)
def test_distance_decays(segments_5km, decay, expected):
    inc = incident_at(along(52.5, east_km=10.0))
    out = segment_exposure(segments_5km, inc, as_of=AS_OF, distance_decay=decay)
    assert out.at[10, "exposure_per_km"] == pytest.approx(expected, rel=0.01)


def test_type_weights_scale_the_contribution(segments_5km):
    inc = incident_at(along(52.5, east_km=10.0), category="unrest")
    out = segment_exposure(segments_5km, inc, as_of=AS_OF)
    assert out.at[10, "exposure_per_km"] == pytest.approx(0.1 * 0.6, rel=0.005)
    zero = segment_exposure(segments_5km, inc, as_of=AS_OF, type_weights={"abduction": 1.0})
    assert zero["exposure"].sum() == 0.0
    assert zero.at[10, "n_incidents"] == 1
    assert zero.attrs["n_unweighted"] == 1


def test_as_of_defaults_to_the_newest_incident(segments_5km):
    inc = pd.concat(
        [
            incident_at(along(52.5), event_date=AS_OF - pd.Timedelta(days=90)),
            incident_at(along(5.0), event_date=AS_OF),
        ],
        ignore_index=True,
    )
    out = segment_exposure(segments_5km, inc)
    assert out.attrs["as_of"] == "2025-06-01"
    assert out.attrs["window"] == "2025-03-03 to 2025-06-01"
    assert out.at[10, "exposure_per_km"] == pytest.approx(0.5, rel=1e-9)  # on the road, 90 d


def test_exposure_record_states_window_sources_and_parameters(segments_5km):
    inc = incident_at(along(52.5), source="news")
    rec = segment_exposure(segments_5km, inc, as_of=AS_OF).attrs
    assert rec["sources"] == ["news"]
    assert rec["buffer_km"] == 25.0 and rec["half_life_days"] == 90.0
    assert rec["segment_km"] == 5.0
    assert rec["left_out"] == "Left out: none."
    assert rec["class_breaks"] == list(EXPOSURE_CLASS_BREAKS)


def test_short_last_segment_is_not_inflated():
    seg = segment_routes(straight_route(), segment_km=5.0)
    inc = incident_at(along(ROAD_KM))  # at the road's end
    out = segment_exposure(seg, inc, as_of=AS_OF)
    # per km: the 2.3 km tail and the full segment before it both touch the incident
    assert out["exposure_per_km"].iloc[-1] == pytest.approx(1.0)
    assert out["exposure"].iloc[-1] == pytest.approx(2.3, rel=1e-6)


def test_exposure_keeps_input_index_and_leaves_inputs_alone(segments_5km):
    seg = segments_5km.set_axis(segments_5km.index + 100)
    inc = incident_at(along(52.5, east_km=10.0))
    seg_before, inc_before = seg.copy(), inc.copy()
    out = segment_exposure(seg, inc, as_of=AS_OF)
    assert out.index.equals(seg.index)
    assert out.at[110, "exposure_per_km"] > 0
    assert_frame_equal(seg, seg_before)
    assert_frame_equal(inc, inc_before)


def test_incidents_in_the_metric_crs_give_the_same_answer(segments_5km):
    inc = incident_at(along(52.5, east_km=10.0))
    a = segment_exposure(segments_5km, inc, as_of=AS_OF)
    b = segment_exposure(segments_5km, to_metric(inc), as_of=AS_OF)
    np.testing.assert_allclose(a["exposure"], b["exposure"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param(
            {"distance_decay": "cubic"},
            ParameterError,
            '`distance_decay` was "cubic" but is expected to be in',
            id="unknown decay",
        ),
        pytest.param({"buffer_km": 0}, ParameterError, "`buffer_km` was 0", id="zero buffer"),
        pytest.param(
            {"half_life_days": -5}, ParameterError, "`half_life_days` was -5", id="negative"
        ),
        pytest.param(
            {"type_weights": {"abduction": -1}},
            ParameterError,
            "exposure must never be negative",
            id="negative weight",
        ),
        pytest.param({"as_of": "01/06/2025"}, ParameterError, "not a valid date", id="bad date"),
    ],
)
def test_bad_options_are_refused(segments_5km, kwargs, error, match):
    inc = incident_at(along(52.5))
    with pytest.raises(error, match=match):
        segment_exposure(segments_5km, inc, **kwargs)


def test_segments_must_be_metric_and_incidents_canonical(segments_5km):
    inc = incident_at(along(52.5))
    with pytest.raises(CRSError, match="not a metric CRS"):
        segment_exposure(segments_5km.to_crs(WGS84), inc)
    with pytest.raises(InputFileError, match="missing column\\(s\\) \\['category'\\]"):
        segment_exposure(segments_5km, inc.drop(columns="category"))
    with pytest.raises(CRSError, match="incidents has no CRS"):
        segment_exposure(segments_5km, inc.set_crs(None, allow_override=True))


def test_no_incidents_gives_zero_exposure(segments_5km):
    out = segment_exposure(segments_5km, incident_at(along(5.0)).iloc[:0])
    assert out["exposure"].sum() == 0.0
    assert (out["exposure_class"] == "low").all()
    assert out.attrs["window"] == "no dated incidents"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    events=st.lists(
        st.tuples(
            st.floats(-30.0, 130.0),  # km along the road's direction
            st.floats(-40.0, 40.0),  # km east (negative: west)
            st.integers(-30, 1000),  # days before as_of (negative: after it)
            st.sampled_from(CATEGORIES),
            st.booleans(),  # precise
        ),
        max_size=25,
    ),
    decay=st.sampled_from(["linear", "gaussian", "none"]),
    buffer_km=st.floats(0.5, 60.0),
    weight=st.floats(0.0, 5.0),
)
def test_exposure_is_never_negative(segments_5km, events, decay, buffer_km, weight):
    geoms = [
        along(max(a, 0.0), east_km=e) if a >= 0 else Point(START[0], START[1] - 0.01)
        for a, e, *_ in events
    ]
    inc = make_incidents(
        geoms,
        event_date=[AS_OF - pd.Timedelta(days=d) for _, _, d, _, _ in events],
        category=[c for *_, c, _ in events],
        precise=[p for *_, p in events],
    )
    weights = {c: weight for c in CATEGORIES}
    out = segment_exposure(
        segments_5km,
        inc,
        as_of=AS_OF,
        buffer_km=buffer_km,
        distance_decay=decay,
        type_weights=weights,
    )
    assert (out["exposure"] >= 0).all() and (out["exposure_per_km"] >= 0).all()
    assert (out.loc[out["n_incidents"] == 0, "exposure"] == 0).all()
    rec = out.attrs
    assert rec["n_used"] + rec["n_after_as_of"] + rec["n_left_out_imprecise"] == len(events)


def test_contribution_formula_by_hand():
    got = exposure_contributions(
        np.array([1.0, 0.5, 1.0]),
        np.array([0.0, 12.5, 30.0]),
        np.array([0.0, 180.0, 0.0]),
        radius_km=25.0,
        half_life_days=90.0,
        distance_decay="linear",
    )
    np.testing.assert_allclose(got, [1.0, 0.5 * 0.5 * 0.25, 0.0])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(0.0, "low", id="zero is low"),
        pytest.param(EXPOSURE_CLASS_BREAKS[0], "medium", id="on the medium break: medium"),
        pytest.param(EXPOSURE_CLASS_BREAKS[1], "high", id="on the high break: high"),
        pytest.param(EXPOSURE_CLASS_BREAKS[2], "critical", id="on the critical break"),
        pytest.param(1e9, "critical", id="huge"),
    ],
)
def test_class_breaks(value, expected):
    assert classify_exposure([value])[0] == expected


def test_class_breaks_must_increase():
    with pytest.raises(ParameterError, match="three increasing positive numbers"):
        classify_exposure([1.0], breaks=(1.0, 0.5, 3.0))


# --------------------------------------------------------------------------- summaries

# Hand-made per-segment exposure (SYNTHETIC): two 50 km routes in group "g", one alone.
PER_KM_R1 = [0.0, 0.1, 1.5, 4.0, 3.5, 0.2, 0.0, 0.5, 0.3, 0.0]


def hand_exposure(route_id: str, per_km: list[float]) -> pd.DataFrame:
    n = len(per_km)
    frame = pd.DataFrame(
        {
            "route_id": route_id,
            "segment": range(n),
            "km_from": [5.0 * i for i in range(n)],
            "km_to": [5.0 * (i + 1) for i in range(n)],
            "nearest_town": [f"Synthetic {route_id} {i}" for i in range(n)],
            "n_incidents": [1 if v else 0 for v in per_km],
            "exposure_per_km": per_km,
            "exposure": [5.0 * v for v in per_km],
            "exposure_class": classify_exposure(per_km),
        }
    )
    return frame


@pytest.fixture()
def hand_frame() -> pd.DataFrame:
    frame = pd.concat(
        [
            hand_exposure("r1", PER_KM_R1),
            hand_exposure("r2", [0.0, 0.3, 0.3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
            hand_exposure("r3", [2.0, 0.0]),
        ],
        ignore_index=True,
    )
    frame.attrs = {"as_of": "2025-06-01", "n_incidents_by_route": {"r1": 7, "r2": 2, "r3": 1}}
    return frame


HAND_ROUTES = pd.DataFrame(
    {
        "route_id": ["r1", "r2", "r3"],
        "label": ["Synthetic via A", "Synthetic via B", "Synthetic alone"],
        "group": ["g", "g", ""],
        "origin": ["Synthetic Port", "Synthetic Port", "Synthetic Inland"],
        "published_km": [51.0, np.nan, 10.0],
    }
)


def test_worst_stretches_merge_around_peaks_and_name_towns(hand_frame):
    got = worst_stretches(hand_frame[hand_frame["route_id"] == "r1"], n=5)
    assert got["label"].tolist() == [
        # seed 4.0 takes 1.5 and 3.5 (>= min(4.0 / 2, high break 1.0)), not 0.1 or 0.2
        "Synthetic r1 2 – Synthetic r1 4, km 10–25",
        # seed 0.5 takes 0.3 (>= 0.25)
        "Synthetic r1 7 – Synthetic r1 8, km 35–45",
        "near Synthetic r1 5, km 25–30",
        "near Synthetic r1 1, km 5–10",
    ]
    assert got["rank"].tolist() == [1, 2, 3, 4]
    assert got["peak_exposure_per_km"].tolist() == [4.0, 0.5, 0.2, 0.1]
    assert got["exposure_class"].tolist() == ["critical", "medium", "low", "low"]
    assert got["mean_exposure_per_km"].iloc[0] == pytest.approx(3.0)
    assert got["exposure"].iloc[0] == pytest.approx(45.0)
    assert worst_stretches(hand_frame, n=1)["route_id"].tolist() == ["r1", "r2", "r3"]
    # stretches below min_peak_per_km are noise, not "worst"
    assert worst_stretches(hand_frame, min_peak_per_km=0.3)["route_id"].tolist() == [
        "r1", "r1", "r2", "r3"
    ]  # fmt: skip


def test_route_summary_by_hand(hand_frame):
    summary = route_summary(hand_frame, routes=HAND_ROUTES).set_index("route_id")
    r1 = summary.loc["r1"]
    assert r1["length_km"] == 50.0
    assert (r1["km_low"], r1["km_medium"], r1["km_high"], r1["km_critical"]) == (25, 10, 5, 10)
    assert r1["exposure_total"] == pytest.approx(5.0 * sum(PER_KM_R1))
    assert r1["mean_exposure_per_km"] == pytest.approx(sum(PER_KM_R1) / 10.0)
    assert r1["max_exposure_per_km"] == 4.0
    assert r1["n_incidents"] == 7
    assert r1["label"] == "Synthetic via A" and r1["published_km"] == 51.0
    assert r1["worst_stretches"].startswith("Synthetic r1 2 – Synthetic r1 4, km 10–25; ")
    assert summary.attrs["as_of"] == "2025-06-01"


def test_compare_alternatives_ranks_by_whole_trip_exposure(hand_frame):
    summary = route_summary(hand_frame, routes=HAND_ROUTES)
    cmp = compare_alternatives(summary)
    assert cmp["route_id"].tolist() == ["r2", "r1"]  # r3 has no alternative
    assert cmp["rank_in_group"].tolist() == [1, 2]
    assert cmp["exposure_vs_lowest"].tolist() == pytest.approx([0.0, 5 * 10.1 - 5 * 0.6])
    assert cmp["km_high_or_critical"].tolist() == [0.0, 15.0]


def test_what_changed_lists_every_figure(hand_frame):
    now = route_summary(hand_frame, routes=HAND_ROUTES)
    earlier = hand_frame.copy()
    earlier["exposure_per_km"] = earlier["exposure_per_km"] / 2
    earlier["exposure"] = earlier["exposure"] / 2
    earlier["exposure_class"] = classify_exposure(earlier["exposure_per_km"])
    earlier.attrs = {"as_of": "2025-05-02"}
    before = route_summary(earlier, routes=HAND_ROUTES)
    ch = what_changed(now, before).set_index(["route_id", "figure"])
    assert ch.loc[("r1", "max_exposure_per_km"), "before"] == 2.0
    assert ch.loc[("r1", "max_exposure_per_km"), "change"] == 2.0
    assert ch.loc[("r1", "km_critical"), "change"] == 10.0  # 4.0 and 3.5 were 2.0 and 1.75
    assert ch.attrs == {"as_of": "2025-06-01", "as_of_before": "2025-05-02"}


def test_route_report_text_states_window_sources_left_out_and_never_says_safe():
    towns = gpd.GeoDataFrame(
        {"name": ["Synthetic South", "Synthetic North"]},
        geometry=[along(0.0, east_km=3.0), along(100.0, east_km=3.0)],
        crs=WGS84,
    )
    seg = segment_routes(straight_route(), segment_km=5.0, towns=towns)
    inc = pd.concat(
        [
            incident_at(along(90.0, east_km=2.0), event_date=AS_OF - pd.Timedelta(days=10)),
            incident_at(along(10.0), precise=False),
        ],
        ignore_index=True,
    )
    report = route_report(seg, inc, routes=straight_route(), as_of=AS_OF, imprecise="drop")
    assert report.meta["as_of_before"] == "2025-05-02"
    n_now = report.changes.set_index("figure").loc["n_incidents"]
    assert (n_now["before"], n_now["now"]) == (0.0, 1.0)  # the event is 10 days old
    text = format_route_report(report)
    assert "Route incident exposure as of 2025-06-01" in text
    assert "Window: incidents dated 2025-05-22 to 2025-06-01" in text
    assert "Sources: User file" in text
    assert "Left out: 1 with imprecise locations" in text
    assert "Spread: none (imprecise locations were dropped" in text
    assert "Synthetic North" in text
    assert "What changed since 2025-05-02" in text
    assert "safe" not in text.lower()
    flat = report.to_frame()
    assert flat.loc[0, "n_incidents_before"] == 0 and flat.loc[0, "n_incidents_change"] == 1
    assert flat.loc[0, "n_left_out_imprecise"] == 1
    assert report.to_dict()["meta"]["window"] == "2025-05-22 to 2025-06-01"


def test_route_report_refuses_bad_change_days(segments_5km):
    with pytest.raises(ParameterError, match="`change_days` was 0"):
        route_report(segments_5km, incident_at(along(1.0)), change_days=0)


# --------------------------------------------------------------------------- reading


def test_read_routes_geojson_round_trip():
    data = straight_route().to_json().encode()
    got = read_routes(data, name="mine.geojson")
    assert got["route_id"].tolist() == ["synthetic_road"]
    assert got.crs.equals(WGS84)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        pytest.param(b"route_id,wkt\nx,LINESTRING(0 0,1 1)\n",
                     "is CSV text; a route layer must be a GeoPackage, GeoJSON or zipped shapefile",
                     id="CSV refused"),
        pytest.param(
            b'{"type":"FeatureCollection","crs":{"type":"link","properties":{"href":"http://x"}},'
            b'"features":[]}',
            "has a 'crs' member .* which RFC 7946 removed",
            id="crs member refused",
        ),
        pytest.param(b'{"type":"FeatureCollection","features":[{"type":"Feature",'
                     b'"properties":{"name":"x"},"geometry":{"type":"LineString",'
                     b'"coordinates":[[-8,12],[-8,13]]}}]}', "no 'route_id' column",
                     id="route_id missing"),
        pytest.param(b"{not json", "is not valid JSON", id="broken JSON"),
    ],
)  # fmt: skip
def test_read_routes_refuses_with_one_clear_line(data, match):
    with pytest.raises(InputFileError, match=match):
        read_routes(data, name="mine.geojson")


def test_read_routes_geopackage(tmp_path):
    path = tmp_path / "mine.gpkg"
    straight_route().to_file(path, driver="GPKG", layer="routes")
    got = read_routes(path.read_bytes(), name="mine.gpkg")
    assert got["route_id"].tolist() == ["synthetic_road"]
    assert got["label"].tolist() == ["Synthetic road"]


# --------------------------------------------------------------------------- bundled data


def _bundled():
    """The bundled loaders (an import error is a failure, never a skip)."""
    return importlib.import_module("geo.io.bundled"), importlib.import_module("geo.io.incidents")


def test_bundled_route_lengths_agree_with_geodesic():
    bundled, _ = _bundled()
    routes = bundled.load_routes()
    seg = segment_routes(routes, segment_km=1.0)
    totals = seg.groupby("route_id")["km_to"].max()
    for row in routes.itertuples():
        geodesic = GEOD.geometry_length(row.geometry) / 1000.0
        assert totals[row.route_id] == pytest.approx(geodesic, rel=0.005)
        assert totals[row.route_id] == pytest.approx(row.length_km, rel=0.005)
    np.testing.assert_allclose(seg.length / 1000.0, seg["length_km"], rtol=0.005)


def test_bundled_summary_names_real_towns_for_the_worst_stretches():
    bundled, readers = _bundled()
    routes, towns = bundled.load_routes(), bundled.load_towns()
    incidents = readers.load_bundled_incidents().incidents
    seg = segment_routes(routes, segment_km=5.0, towns=towns)
    report = route_report(seg, incidents, routes=routes)
    names = set(towns["name"])
    assert not report.stretches.empty
    for row in report.stretches.itertuples():
        assert row.town_from in names and row.town_to in names
        assert row.town_from in row.label and row.town_to in row.label
    assert set(report.comparison["group"]) == {"dakar", "abidjan"}
    text = format_route_report(report)
    assert "safe" not in text.lower()
    assert "UCDP GED" in text and "News-compiled log" in text


@pytest.mark.parametrize("imprecise", ["spread", "drop"])
def test_bundled_exposure_30_days_earlier_from_shared_pairs_equals_its_own_run(imprecise):
    bundled, readers = _bundled()
    incidents = readers.load_bundled_incidents().incidents
    seg = segment_routes(bundled.load_routes(), segment_km=10.0)
    now, before = segment_exposure_change(seg, incidents, change_days=30, imprecise=imprecise)
    as_of = pd.Timestamp(now.attrs["as_of"])
    alone_now = segment_exposure(seg, incidents, imprecise=imprecise)
    alone_before = segment_exposure(
        seg, incidents, as_of=as_of - pd.Timedelta(days=30), imprecise=imprecise
    )
    assert_frame_equal(now, alone_now, check_exact=True)
    assert_frame_equal(before, alone_before, check_exact=True)
    assert before.attrs == alone_before.attrs
    assert before["exposure"].sum() != now["exposure"].sum()


def test_bundled_route_exposure_reads_its_columns_only_and_keeps_the_spread_ones():
    bundled, readers = _bundled()
    incidents = readers.load_bundled_incidents().incidents
    narrow = read_columns(incidents.assign(notes_extra="x" * 40))
    assert set(SPREAD_COLUMNS) | {"event_id", "location"} <= set(narrow.columns)
    assert "notes_extra" not in narrow.columns and narrow.crs == incidents.crs
    seg = segment_routes(bundled.load_routes(), segment_km=10.0)
    wide = segment_exposure(seg, incidents.assign(notes_extra="x" * 40))
    assert_frame_equal(wide, segment_exposure(seg, incidents), check_exact=True)
    plain = segment_exposure(seg, incidents.drop(columns=["geo_precision"]))
    assert not np.array_equal(plain["exposure"].to_numpy(), wide["exposure"].to_numpy())
