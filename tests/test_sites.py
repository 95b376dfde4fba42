"""Site exposure: window counts, radii, nearest incident, trend, score and key sites (geo.sites).

Every site and incident here is SYNTHETIC unless the test says "bundled": sites
named "Synthetic ..." at made-up points near 8° W 12° N, incidents placed at a
chosen geodesic distance due east of a site, so each count can be checked by
hand.
"""

import importlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from pyproj import Geod
from shapely.geometry import Point

from geo.crs import WGS84, to_metric
from geo.errors import CRSError, ParameterError
from geo.schema import CATEGORIES
from geo.sites import format_site_summary, site_exposure
from tests.common import make_incidents

GEOD = Geod(ellps="WGS84")
AS_OF = pd.Timestamp("2025-06-01")
SITE = (-8.0, 12.0)


def east_of(origin: tuple[float, float], km: float) -> Point:
    lon, lat, _ = GEOD.fwd(*origin, 90.0, km * 1000.0)
    return Point(lon, lat)


def sites_at(*points: tuple[float, float], types: list[str] | None = None) -> gpd.GeoDataFrame:
    n = len(points)
    return gpd.GeoDataFrame(
        {
            "site_id": [f"s{i}" for i in range(n)],
            "name": [f"Synthetic site {i}" for i in range(n)],
            "site_type": types or ["gold_mine"] * n,
        },
        geometry=[Point(p) for p in points],
        crs=WGS84,
    )


def incidents(rows: list[tuple[float, int, str]], **columns) -> gpd.GeoDataFrame:
    """rows: (km east of SITE, age in days at AS_OF, category)."""
    return make_incidents(
        [east_of(SITE, km) for km, _, _ in rows],
        event_date=[AS_OF - pd.Timedelta(days=age) for _, age, _ in rows],
        category=[cat for *_, cat in rows],
        **columns,
    )


def test_window_counts_and_trend_by_hand():
    ages = [0, 29, 30, 89, 90, 179, 180, 364, 365]
    out = site_exposure(
        sites_at(SITE), incidents([(5.0, a, "armed_attack") for a in ages]), as_of=AS_OF
    )
    row = out.iloc[0]
    assert row["n_30d"] == 2  # ages 0 and 29
    assert row["n_90d"] == 4  # 0, 29, 30, 89
    assert row["n_365d"] == 8  # all but 365
    assert row["n_prev_90d"] == 2  # 90 and 179
    assert row["trend"] == "up"
    assert row["trend_text"] == "up: 4 in the last 90 days vs 2 in the 90 before"


@pytest.mark.parametrize(
    ("recent", "previous", "trend"),
    [
        pytest.param(1, 3, "down", id="fewer than before: down"),
        pytest.param(2, 2, "flat", id="as many: flat"),
        pytest.param(0, 0, "flat", id="none at all: flat"),
    ],
)
def test_trend(recent, previous, trend):
    rows = [(1.0, 10, "armed_attack")] * recent + [(1.0, 100, "armed_attack")] * previous
    inc = incidents(rows) if rows else incidents([(1.0, 1000, "armed_attack")])
    assert site_exposure(sites_at(SITE), inc, as_of=AS_OF)["trend"].iloc[0] == trend


def test_radius_and_per_category_radius():
    inc = incidents([(29.0, 1, "armed_attack"), (31.0, 1, "armed_attack"), (45.0, 1, "abduction")])
    plain = site_exposure(sites_at(SITE), inc, as_of=AS_OF, radius_km=30.0)
    assert plain["n_30d"].iloc[0] == 1
    wider = site_exposure(
        sites_at(SITE), inc, as_of=AS_OF, radius_km=30.0, category_radius_km={"abduction": 50}
    )
    assert wider["n_30d"].iloc[0] == 2  # the abduction at 45 km now counts; 31 km still not
    assert wider.attrs["category_radius_km"] == {"abduction": 50.0}


def test_nearest_incident_is_recent_and_geodesic():
    inc = incidents([(80.0, 10, "abduction"), (40.0, 400, "armed_attack")], event_type="kidnap")
    out = site_exposure(sites_at(SITE), inc, as_of=AS_OF)
    row = out.iloc[0]
    # the 40 km event is 400 days old: the nearest of the last 365 days is 80 km away
    assert row["nearest_km"] == pytest.approx(80.0, rel=1e-6)
    assert row["nearest_category"] == "abduction"
    assert row["nearest_event_type"] == "kidnap"
    assert row["nearest_date"] == AS_OF - pd.Timedelta(days=10)
    assert row["n_365d"] == 0  # 80 km is outside the 30 km radius


def test_no_recent_incident_leaves_nearest_empty():
    out = site_exposure(sites_at(SITE), incidents([(1.0, 500, "armed_attack")]), as_of=AS_OF)
    assert np.isnan(out["nearest_km"].iloc[0])
    assert pd.isna(out["nearest_date"].iloc[0])
    assert out["nearest_category"].iloc[0] == ""


def test_score_by_hand_and_half_life():
    # armed attack (weight 0.7) 15 km away (linear: 1 - 15/30 = 0.5), 90 days old (0.5)
    inc = incidents([(15.0, 90, "armed_attack")])
    out = site_exposure(sites_at(SITE), inc, as_of=AS_OF)
    assert out["exposure"].iloc[0] == pytest.approx(0.7 * 0.5 * 0.5, rel=0.005)
    assert out["exposure_class"].iloc[0] == "low"
    later = site_exposure(sites_at(SITE), inc, as_of=AS_OF + pd.Timedelta(days=90))
    assert later["exposure"].iloc[0] == pytest.approx(out["exposure"].iloc[0] / 2)


def test_imprecise_and_future_events_are_left_out_and_counted():
    inc = pd.concat(
        [
            incidents([(1.0, 1, "abduction")], precise=False, geo_precision=3),
            incidents([(1.0, -3, "abduction")]),
            incidents([(1.0, 1, "abduction")]),
        ],
        ignore_index=True,
    )
    out = site_exposure(sites_at(SITE), inc, as_of=AS_OF, imprecise="drop")
    assert out["n_30d"].iloc[0] == 1
    assert out.attrs["n_left_out_imprecise"] == 1
    assert out.attrs["n_after_as_of"] == 1
    assert "1 with imprecise locations" in out.attrs["left_out"]
    assert "1 dated after the analysis date" in out.attrs["left_out"]
    spread = site_exposure(sites_at(SITE), inc, as_of=AS_OF)
    assert spread["n_30d"].iloc[0] == 1  # counts are of located events
    assert spread["n_spread_365d"].iloc[0] == 1
    assert spread.attrs["n_spread"] == 1 and spread.attrs["n_left_out_imprecise"] == 0
    assert spread["exposure"].iloc[0] > out["exposure"].iloc[0]


def test_key_sites_and_ranking():
    far = (-7.0, 13.0)
    types = ["industrial", "gold_mine", "factory", "other", "power_plant", "dam", "other_mine"]
    sites = sites_at(SITE, far, far, far, far, far, far, types=types)
    inc = incidents([(2.0, 5, "attack_on_site")])
    out = site_exposure(sites, inc, as_of=AS_OF)
    assert out["is_key_site"].tolist() == [False, True, True, False, True, True, True]
    assert out["rank"].iloc[0] == 1  # the only exposed site leads, key or not
    assert sorted(out["rank"]) == list(range(1, 8))


def test_result_is_aligned_and_inputs_are_untouched():
    sites = sites_at(SITE, (-7.0, 13.0)).set_axis([10, 20])
    inc = incidents([(3.0, 1, "armed_attack")])
    sites_before, inc_before = sites.copy(), inc.copy()
    out = site_exposure(to_metric(sites), inc, as_of=AS_OF)
    assert out.index.tolist() == [10, 20]
    assert out.crs.equals(to_metric(sites).crs)
    assert out.loc[10, "n_30d"] == 1 and out.loc[20, "n_30d"] == 0
    assert out.loc[10, "nearest_km"] == pytest.approx(3.0, rel=1e-6)
    assert_frame_equal(sites, sites_before)
    assert_frame_equal(inc, inc_before)


def test_polygon_site_measures_from_its_edge():
    square = Point(SITE).buffer(0.05, cap_style="square")  # synthetic 0.1° square site
    sites = gpd.GeoDataFrame({"name": ["Synthetic area"]}, geometry=[square], crs=WGS84)
    edge_lon = SITE[0] + 0.05
    inc = make_incidents([east_of((edge_lon, SITE[1]), 4.0)], event_date=AS_OF)
    out = site_exposure(sites, inc, as_of=AS_OF)
    assert out["nearest_km"].iloc[0] == pytest.approx(4.0, rel=0.01)
    assert not out["is_key_site"].iloc[0]  # no site_type column


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({"radius_km": 0}, ParameterError, "`radius_km` was 0", id="zero radius"),
        pytest.param(
            {"category_radius_km": {"kidnap": 50}},
            ParameterError,
            "unknown categories \\['kidnap'\\]",
            id="unknown category",
        ),
        pytest.param(
            {"category_radius_km": {"abduction": -1}},
            ParameterError,
            "category_radius_km\\['abduction'\\]",
            id="negative category radius",
        ),
        pytest.param(
            {"distance_decay": "step"},
            ParameterError,
            '`distance_decay` was "step"',
            id="unknown decay",
        ),
    ],
)
def test_bad_options_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        site_exposure(sites_at(SITE), incidents([(1.0, 1, "abduction")]), **kwargs)


def test_sites_without_crs_are_refused():
    with pytest.raises(CRSError, match="sites has no CRS"):
        site_exposure(
            sites_at(SITE).set_crs(None, allow_override=True), incidents([(1.0, 1, "abduction")])
        )


def test_summary_text_states_record_and_leads_with_key_sites():
    sites = sites_at(SITE, (-7.0, 13.0), types=["industrial", "gold_mine"])
    inc = incidents([(2.0, 5, "attack_on_site")], source="news")
    text = format_site_summary(site_exposure(sites, inc, as_of=AS_OF))
    assert "Site incident exposure as of 2025-06-01" in text
    assert "Sources: News-compiled log" in text
    assert "Left out: none." in text
    assert text.index("Key sites") < text.index("Synthetic site 1") < text.index("Other sites")
    assert "safe" not in text.lower()


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.floats(0.0, 80.0), st.integers(-20, 800), st.sampled_from(CATEGORIES)),
        max_size=30,
    ),
    radius=st.floats(1.0, 60.0),
)
def test_windows_nest_and_score_is_never_negative(rows, radius):
    inc = incidents(rows) if rows else incidents([(1.0, 1, "other")]).iloc[:0]
    out = site_exposure(sites_at(SITE), inc, as_of=AS_OF, radius_km=radius)
    row = out.iloc[0]
    assert row["n_30d"] <= row["n_90d"] <= row["n_365d"]
    assert row["n_90d"] + row["n_prev_90d"] <= len(rows)
    assert row["exposure"] >= 0
    inside = [r for r in rows if 0 <= r[1] < 365 and r[0] <= radius * 0.995]
    outside = [r for r in rows if 0 <= r[1] < 365 and r[0] > radius * 1.005]
    assert len(inside) <= row["n_365d"] <= len(rows) - len(outside)


def test_bundled_sites_rank_and_flag_key_sites():
    bundled = importlib.import_module("geo.io.bundled")
    readers = importlib.import_module("geo.io.incidents")
    sites = bundled.load_sites(kind="points")
    inc = readers.load_bundled_incidents().incidents
    out = site_exposure(sites, inc, category_radius_km={"abduction": 50})
    assert sorted(out["rank"]) == list(range(1, len(sites) + 1))
    key = ~sites["site_type"].isin(["industrial", "other"])
    assert out["is_key_site"].tolist() == key.tolist()
    assert out["is_key_site"].sum() >= 30  # mines, factories, plants and dams are bundled
    assert out.attrs["as_of"] == inc["event_date"].max().date().isoformat()
    assert (out["n_30d"] <= out["n_365d"]).all()


def test_bundled_site_table_ignores_other_columns_and_reads_the_spread_columns():
    bundled = importlib.import_module("geo.io.bundled")
    readers = importlib.import_module("geo.io.incidents")
    sites = bundled.load_sites(kind="points")
    inc = readers.load_bundled_incidents().incidents
    out = site_exposure(sites, inc)
    wide = inc.assign(notes_extra="x" * 40, fatalities_extra=np.arange(len(inc)))
    assert_frame_equal(site_exposure(sites, wide), out, check_exact=True)
    # the spreading reads geo_precision: the narrowed copy must keep it
    plain = site_exposure(sites, inc.drop(columns=["geo_precision"]))
    assert not np.array_equal(plain["exposure"].to_numpy(), out["exposure"].to_numpy())
    assert out["nearest_location"].ne("").any() and out["nearest_event_type"].ne("").any()
