"""Tests for layers.emerging and layers.playback (folium builders of the "What is changing" view).

The incidents here are SYNTHETIC (made-up points at lon -8, lat 12.6..12.7 with
made-up dates), and the units are the hand-built grid of tests/test_emerging.py.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.emerging import emerging_hotspots
from geo.errors import ParameterError
from layers.emerging import build_emerging
from layers.playback import build_playback, playback_data
from tests.test_emerging import CUBES, _cube, _grid


def _points(dates, categories, fatalities=None, precise=None):
    n = len(dates)
    return gpd.GeoDataFrame(
        {
            "event_date": pd.to_datetime(dates),
            "category": categories,
            "fatalities": fatalities or [0] * n,
            "precise": precise or [True] * n,
        },
        geometry=[shapely.Point(-8.0, 12.6 + 0.01 * i) for i in range(n)],
        crs=4326,
    )


def test_emerging_layer_draws_every_unit_and_a_legend_of_the_categories_present():
    result = emerging_hotspots(_grid(), _cube(CUBES["intensifying_hot"]))
    group = build_emerging(result.units, name="Emerging hot spots", step="month")
    m = folium.Map()
    group.add_to(m)
    html = m.get_root().render()
    assert "Intensifying hot spot" in html and "No pattern detected" in html
    assert "of 20 months" in html and "Cold spot" not in html


def test_emerging_layer_refuses_an_unknown_category():
    units = _grid().assign(category="hot", n_hot=0, n_cold=0, n_steps=3, trend_tau=0.0)
    with pytest.raises(ParameterError, match="not in"):
        build_emerging(units, name="x", step="month")


def test_playback_steps_run_without_gaps_and_sentences_give_the_key_figures():
    pts = _points(
        ["2020-01-06", "2020-01-08", "2020-01-29", "2020-02-03"],
        ["abduction", "attack_on_convoy", "armed_attack", "unrest"],
        fatalities=[1, 2, 0, 0],
    )
    d = playback_data(pts, step="week")
    assert d["off"] == [0, 2, 2, 2, 3, 4]  # weeks of Jan 6, 13, 20, 27, Feb 3
    assert d["sentences"][0] == (
        "Week of 2020-01-06: 2 incidents, 3 killed; 1 abduction, 1 attack on convoys, "
        "0 attacks on sites."
    )
    months = playback_data(pts, step="month")
    assert months["off"] == [0, 3, 4] and months["labels"] == ["January 2020", "February 2020"]


def test_playback_leaves_out_imprecise_points_unless_asked():
    pts = _points(["2020-01-06", "2020-01-07"], ["other", "other"], precise=[True, False])
    assert playback_data(pts)["n_left_out"] == 1
    assert playback_data(pts, include_imprecise=True)["n_left_out"] == 0


def test_playback_page_embeds_data_once_and_neutralises_text():
    pts = _points(["2020-01-06"], ["other"])
    m = folium.Map()
    build_playback(pts, name="Play <b>{{7*7}}</b>", step="week").add_to(m)
    html = m.get_root().render()
    assert html.count("srm-playback-canvas") == 1
    assert "{{7*7}}" not in html and "<b>" not in html
    assert "Week of 2020-01-06" in html


def test_playback_refuses_a_quarterly_step():
    with pytest.raises(ParameterError, match="step"):
        playback_data(_points(["2020-01-06"], ["other"]), step="quarter")
