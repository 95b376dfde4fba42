"""Imprecise events spread over their uncertainty area (geo.exposure, METHODS.md §2).

Unless a test says "bundled", the road, towns, cercle and incidents here are
SYNTHETIC, placed in the metric CRS so every expected value can be worked out by
hand: a straight 400 km road along the x axis (one segment, so the distance
from a point to it is its |y|), a disc, a square "cercle" and a straight
stretch between two made-up towns.
"""

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from shapely.geometry import LineString, Point, box

from geo.crs import METRIC_CRS, WGS84
from geo.errors import ParameterError
from geo.exposure import segment_exposure
from geo.gazetteer import build_gazetteer
from geo.route_report import format_route_report, route_report
from geo.sites import site_exposure
from geo.spread import SpreadLayers, disc_samples, polygon_samples, spread_areas
from tests.common import make_incidents

AS_OF = pd.Timestamp("2025-06-01")
B_KM = 25.0  # buffer (default)


def road() -> gpd.GeoDataFrame:
    """SYNTHETIC: one 400 km segment along y = 0 (metric CRS)."""
    return gpd.GeoDataFrame(
        {"route_id": ["x"], "segment": [0], "km_from": [0.0], "km_to": [400.0]},
        geometry=[LineString([(-200_000, 0), (200_000, 0)])],
        crs=METRIC_CRS,
    )


def layers() -> SpreadLayers:
    """SYNTHETIC: a 50 km square cercle centred on the road; two towns 50 km apart."""
    admin = gpd.GeoDataFrame(
        {"name": ["Square"]}, geometry=[box(-25_000, -25_000, 25_000, 25_000)], crs=METRIC_CRS
    )
    towns = gpd.GeoDataFrame(
        {"name": ["Alpha", "Beta"], "country": ["MLI", "MLI"]},
        geometry=[Point(100_000, 0), Point(100_000, 50_000)],
        crs=METRIC_CRS,
    ).to_crs(WGS84)
    return SpreadLayers(admin=admin, gazetteer=build_gazetteer(towns), graph=None)


def event(x_m: float, y_m: float, **columns) -> gpd.GeoDataFrame:
    """One SYNTHETIC convoy attack on the analysis day at metric (x, y)."""
    point = gpd.GeoSeries([Point(x_m, y_m)], crs=METRIC_CRS).to_crs(WGS84).iloc[0]
    base = {"event_date": AS_OF, "category": "attack_on_convoy", "precise": False}
    return make_incidents([point], **{**base, **columns})


def per_km(events: gpd.GeoDataFrame, **kw) -> float:
    out = segment_exposure(road(), events, as_of=AS_OF, spread_layers=layers(), **kw)
    return float(out["exposure_per_km"].iloc[0])


def disc_mean_linear(offset_km: float, radius_km: float) -> float:
    """E[max(0, 1 - |offset + Y| / b)], Y the signed offset of a uniform point of the disc."""

    def density(y: float) -> float:
        return 2.0 * math.sqrt(radius_km**2 - y**2) / (math.pi * radius_km**2)

    def kernel(y: float) -> float:
        return max(0.0, 1.0 - abs(offset_km + y) / B_KM)

    breaks = sorted({-radius_km, radius_km, -offset_km, -offset_km - B_KM, -offset_km + B_KM})
    breaks = [b for b in breaks if -radius_km <= b <= radius_km]
    return sum(
        integrate.quad(lambda y: density(y) * kernel(y), lo, hi)[0]
        for lo, hi in zip(breaks[:-1], breaks[1:], strict=True)
    )


def test_disc_on_the_road_matches_the_closed_form_to_1_percent():
    # X uniform on a disc of radius r centred on the road: E|Y| = 4r / (3 pi), so
    # E[1 - |Y| / b] = 1 - 4 r / (3 pi b) = 0.5756 for r = b = 25 km.
    exact = 1.0 - 4.0 * 25.0 / (3.0 * math.pi * B_KM)
    got = per_km(event(0, 0, geo_precision=2))
    assert got == pytest.approx(exact, rel=0.01)
    assert disc_mean_linear(0.0, 25.0) == pytest.approx(exact, rel=1e-6)  # the quadrature


@pytest.mark.parametrize("offset_km", [5.0, 10.0, 20.0, 40.0])
def test_disc_beside_the_road_matches_quadrature_to_1_percent(offset_km):
    got = per_km(event(0, offset_km * 1000.0, geo_precision=2))
    assert got == pytest.approx(disc_mean_linear(offset_km, 25.0), rel=0.01)


def test_sunflower_samples_are_uniform_on_the_disc():
    xy = disc_samples(256)
    r2 = (xy**2).sum(axis=1)
    # a uniform disc has E[r^2] = 1/2 and mean 0
    assert r2.mean() == pytest.approx(0.5, rel=0.01)
    assert abs(xy[:, 0].mean()) < 0.01 and abs(xy[:, 1].mean()) < 0.01


def test_cercle_precision_spreads_over_the_cercle_exactly():
    # X uniform on the 50 km square centred on the road: E[1 - |Y|/25] = 0.5
    got = per_km(event(5_000, -3_000, geo_precision=3))
    assert got == pytest.approx(0.5, rel=0.01)


def test_cercle_grid_is_within_1_percent_of_a_fine_grid():
    poly = box(-25_000, 10_000, 35_000, 70_000)  # beside the road, partly beyond the buffer
    coarse, fine = polygon_samples(poly, grid_km=2.5), polygon_samples(poly, grid_km=0.25)

    def mean_kernel(xy):
        return np.clip(1.0 - np.abs(xy[:, 1]) / 25_000.0, 0.0, 1.0).mean()

    assert mean_kernel(coarse) == pytest.approx(mean_kernel(fine), rel=0.01)


def test_between_two_towns_spreads_along_the_stretch():
    # Alpha (on the road) to Beta (50 km north), straight: E over t in [0, 50] of
    # max(0, 1 - t/25) = 25/2 / 50 = 0.25
    ev = event(100_000, 0, geo_precision=2, between_a="Alpha", between_b="Beta")
    out = segment_exposure(road(), ev, as_of=AS_OF, spread_layers=layers())
    assert out["exposure_per_km"].iloc[0] == pytest.approx(0.25, rel=0.01)
    assert out.attrs["n_spread_by_kind"] == {"disc": 0, "admin": 0, "road": 1}
    assert "1 along the road between the two towns named" in out.attrs["spread"]


def test_an_unknown_town_falls_back_to_the_disc_and_says_so():
    ev = event(0, 0, geo_precision=2, between_a="Alpha", between_b="Nowhere")
    spread = spread_areas(ev.to_crs(METRIC_CRS), layers())
    assert spread.event_kind.tolist() == ["disc"]
    assert spread.event_how[0].startswith("Town 'Nowhere' is not in the towns layer")
    assert per_km(ev) == pytest.approx(per_km(event(0, 0, geo_precision=2)))


def test_events_sharing_an_area_share_its_samples_and_add_up():
    one = per_km(event(0, 0, geo_precision=2))
    old = event(0, 0, geo_precision=2, event_date=AS_OF - pd.Timedelta(days=90))
    both = pd.concat([event(0, 0, geo_precision=2), old], ignore_index=True)
    spread = spread_areas(both.to_crs(METRIC_CRS), layers())
    assert spread.n_areas == 1
    assert per_km(both) == pytest.approx(one * 1.5)  # the 90-day-old one weighs half


def test_drop_is_exposure_without_the_imprecise_events():
    events = pd.concat(
        [
            event(0, 0, geo_precision=2),
            event(30_000, 5_000, precise=True, geo_precision=1),
            event(-50_000, 12_000, geo_precision=3),
        ],
        ignore_index=True,
    )
    drop = segment_exposure(road(), events, as_of=AS_OF, imprecise="drop")
    only_precise = segment_exposure(road(), events[events["precise"]], as_of=AS_OF)
    cols = ["n_incidents", "exposure_per_km", "exposure", "exposure_class"]
    pd.testing.assert_frame_equal(drop[cols], only_precise[cols])
    assert drop.attrs["n_left_out_imprecise"] == 2 and drop.attrs["n_spread"] == 0
    spread = segment_exposure(road(), events, as_of=AS_OF, spread_layers=layers())
    assert spread["exposure_per_km"].iloc[0] > drop["exposure_per_km"].iloc[0]
    assert spread["n_incidents"].iloc[0] == 3


def test_site_score_uses_the_same_expectation():
    site = gpd.GeoDataFrame(
        {"name": ["synthetic site"], "site_type": ["gold_mine"]},
        geometry=[Point(0, 0)],
        crs=METRIC_CRS,
    ).to_crs(WGS84)
    # disc of 25 km around the site, radius 30 km, linear: E[1 - R/30], R = 25 sqrt(U),
    # E[R] = 2/3 x 25, so 1 - 50/90 = 0.4444
    out = site_exposure(site, event(0, 0, geo_precision=2), as_of=AS_OF, spread_layers=layers())
    assert out["exposure"].iloc[0] == pytest.approx(1.0 - 50.0 / 90.0, rel=0.01)
    assert out["n_spread_365d"].iloc[0] == 1 and out["n_30d"].iloc[0] == 0


def test_bad_mode_is_refused():
    with pytest.raises(ParameterError, match='`imprecise` was "points"'):
        per_km(event(0, 0), imprecise="points")


# --------------------------------------------------------------------------- bundled


@pytest.fixture(scope="module")
def bundled_window():
    """The bundled incidents of the app's default window (the last window_days of the data)."""
    from geo.io.bundled import load_routes, load_towns
    from geo.io.incidents import load_bundled_incidents
    from geo.segments import segment_routes
    from geo.settings import DEFAULTS

    incidents = load_bundled_incidents().incidents
    end = incidents["event_date"].max()
    start = end - pd.Timedelta(days=DEFAULTS.window_days - 1)
    window = incidents[incidents["event_date"].between(start, end)]
    routes = load_routes()
    return segment_routes(routes, towns=load_towns()), window, routes


@pytest.mark.parametrize(
    ("route_id", "town"),
    [("dakar_bamako_north", "Didiéni"), ("abidjan_bamako_sikasso", "Sikasso")],
)
def test_bundled_tanker_attacks_raise_exposure_near_didieni_and_sikasso(
    bundled_window, route_id, town
):
    segments, window, _ = bundled_window
    drop = segment_exposure(segments, window, imprecise="drop")
    spread = segment_exposure(segments, window)
    near = (
        (segments["route_id"] == route_id)
        & (segments["nearest_town"] == town)
        & (segments["nearest_town_km"] < 30)
    ).to_numpy()
    assert near.sum() >= 3
    assert (spread.loc[near, "exposure_per_km"] > drop.loc[near, "exposure_per_km"]).all()
    assert spread.loc[near, "exposure_per_km"].max() > 0.2


def test_bundled_summary_names_the_september_october_2025_attacks(bundled_window):
    segments, window, routes = bundled_window
    text = format_route_report(route_report(segments, window, routes=routes))
    assert "Spread over their uncertainty area" in text
    north = text.split("[dakar_bamako_north]")[1].split("[dakar_bamako_south]")[0]
    assert "[NEWS-0030]" in north and "spread along the road Didiéni – Kolokani" in north
    sikasso = text.split("[abidjan_bamako_sikasso]")[1].split("[abidjan_bamako_odienne]")[0]
    assert "[NEWS-0032]" in sikasso and "spread along the road Sikasso – Bougouni" in sikasso
    assert "2025-09" in sikasso


def test_map_draws_a_between_event_as_a_road_stretch_never_a_pin():
    import folium

    from layers.incidents import build_incidents

    ev = event(100_000, 0, geo_precision=2, between_a="Alpha", between_b="Beta")
    near = event(0, 0, geo_precision=2)
    both = pd.concat([ev, near], ignore_index=True)
    stretch = gpd.GeoSeries(
        [LineString([(100_000, 0), (100_000, 50_000)])], index=[0], crs=METRIC_CRS
    )
    m = folium.Map()
    build_incidents(both, name="synthetic", stretches=stretch).add_to(m)
    html = m.get_root().render()
    assert "0 precise events as points; 1 imprecise as areas; 1 between two towns" in html
    assert "var P = [];" in html  # no pin
    assert re.search(r"var A = \[\[[^\]]*25\.0\]\];", html)  # one 25 km circle
    # one stretch: its row ends with the line's [lat, lon] pairs, Alpha then Beta
    assert re.search(r"var S = \[\[[^\n]*\[\[10\.99857,-7\.08221\],\[11\.4492,", html)
