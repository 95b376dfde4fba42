"""PNG (and PDF) maps draw an imprecise event as its uncertainty area, never a point (issue 12).

Events are SYNTHETIC, placed at real bundled town points (Kita, Kati, Ségou);
their areas come from geo.spread with the bundled cercles, towns and roads.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from test_export import _town, make_analysis

from geo.crs import METRIC_CRS, WGS84
from geo.export import png as ex_png
from geo.export.png.draw import draw_uncertainty
from geo.export.png.layout import rc
from geo.spread import bundled_spread_layers, spread_areas


def _events() -> gpd.GeoDataFrame:
    """Three SYNTHETIC imprecise events: near Kita, somewhere in Ségou's cercle, Kati–Kita road."""
    return gpd.GeoDataFrame(
        {
            "geo_precision": [2, 3, 2],
            "between_a": ["", "", "Kati"],
            "between_b": ["", "", "Kita"],
        },
        geometry=[_town("Kita"), _town("Ségou"), _town("Kati")],
        crs=WGS84,
    ).to_crs(METRIC_CRS)


def _dashed(collection) -> bool:
    return any(dashes is not None for _, dashes in collection.get_linestyles())


def test_each_imprecise_event_is_drawn_as_its_spread_area():
    events = _events()
    ax = Figure().add_subplot()
    on_road = draw_uncertainty(ax, events, np.array(["#e41a1c", "#377eb8", "#4daf4a"]))
    assert on_road.tolist() == [False, False, True]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 3 and all(_dashed(c) for c in lines)
    assert len([c for c in ax.collections if isinstance(c, PathCollection)]) == 2  # fills
    # the outlines are the areas geo.spread spreads exposure over
    spread = spread_areas(events, bundled_spread_layers())
    disc = np.concatenate(lines[0].get_segments())
    width_km = (disc[:, 0].max() - disc[:, 0].min()) / 1000
    assert width_km == pytest.approx(2 * 25.0, rel=0.01)  # the 25 km disc near a town
    cercle = np.concatenate(lines[1].get_segments())
    expected = spread.area_geometry[spread.event_area[1]].bounds
    assert cercle[:, 0].min() == pytest.approx(expected[0], abs=1.0)
    assert cercle[:, 1].max() == pytest.approx(expected[3], abs=1.0)


def test_png_legend_names_areas_and_road_stretches_and_draws_no_hollow_point():
    analysis = make_analysis()  # T-3 is imprecise (a cercle), the others precise
    with rc():
        fig, _, _ = ex_png._draw_map(analysis, width_px=1600, layers=("incidents",))
        texts = " ".join(t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text")))
        texts = " ".join(texts.split())  # labels are wrapped to their legend column
        scatters = [c for c in fig.axes[0].collections if type(c).__name__ == "PathCollection"]
    assert "Approximate location: the area it lies in (1)" in texts
    assert "Somewhere on this road" not in texts  # no event between two towns here
    hollow = [c for c in scatters if len(c.get_offsets()) and not len(c.get_facecolors())]
    assert hollow == []
