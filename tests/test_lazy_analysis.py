"""The app's lazy analysis: each part equals the eager run and is computed only when read."""

import dataclasses
import datetime as dt
import pickle

import folium
import pandas as pd
import pytest

import ui.maps
from geo.io.incidents import load_bundled_incidents
from geo.pipeline import (
    PARTS,
    Filters,
    Params,
    lazy_analysis,
    load_context,
    prepare_incidents,
    run_analysis,
)
from geo.settings import DEFAULTS

START, END = dt.date(2019, 1, 1), dt.date(2021, 12, 31)


@pytest.fixture(scope="module")
def bundled():
    context = load_context()
    read = load_bundled_incidents()
    return context, read, prepare_incidents(read.incidents, context)


def _equal(a, b):
    if isinstance(a, pd.DataFrame | pd.Series):
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
    elif dataclasses.is_dataclass(a):
        assert pickle.dumps(a) == pickle.dumps(b)
    else:
        assert a == b


def test_every_lazy_field_equals_the_eager_run(bundled):
    context, read, assigned = bundled
    filters, params = Filters(start=START, end=END), Params(as_of=END, gistar_on="hex")
    eager = run_analysis(assigned, read.report, filters, params, context=context)
    lazy = lazy_analysis(assigned, read.report, filters, params, context=context)
    for f in dataclasses.fields(eager):
        if f.name != "generated_at":
            _equal(getattr(lazy, f.name), getattr(eager, f.name))
    copy = dataclasses.replace(lazy, backtest="stored")
    assert copy.backtest == "stored" and copy.sites is lazy.sites


def test_parts_are_computed_when_read_and_reused_through_the_memo(bundled):
    context, read, assigned = bundled
    store, computed = {}, []

    def memo(key, compute):
        if key not in store:
            computed.append(key[0])
            store[key] = compute()
        return store[key]

    filters = Filters(start=START, end=END)
    first = lazy_analysis(
        assigned, read.report, filters, Params(as_of=END), context=context, memo=memo
    )
    _ = first.kde, first.admin_stats
    # The points (metric coordinates, H3 cells) are per data set, shared by the parts.
    assert computed == ["kde", "points", "admin"]  # no route, site, hex, Gi* or surge work
    changed = Params(as_of=END, buffer_km=DEFAULTS.buffer_km + 5)
    second = lazy_analysis(assigned, read.report, filters, changed, context=context, memo=memo)
    _ = second.kde, second.segments
    assert computed == ["kde", "points", "admin", "routes"]  # a route parameter reuses the KDE
    narrower = Filters(start=START, end=END - dt.timedelta(days=30))
    third = lazy_analysis(assigned, read.report, narrower, changed, context=context, memo=memo)
    _ = third.kde, third.incident_cells
    # A filter change recomputes the KDE on the points already projected.
    assert computed == ["kde", "points", "admin", "routes", "kde", "incident_cells"]
    assert set(PARTS) == {
        "admin", "kde", "hexes", "gistar", "surge", "incident_cells", "routes", "sites",
    }  # fmt: skip


def test_a_default_valued_field_is_computed_when_read_first(bundled):
    context, read, assigned = bundled
    filters, params = Filters(start=START, end=END), Params(as_of=END)
    eager = run_analysis(assigned, read.report, filters, params, context=context)
    lazy = lazy_analysis(assigned, read.report, filters, params, context=context)
    assert lazy.incident_cells is not None
    pd.testing.assert_frame_equal(lazy.incident_cells, eager.incident_cells)


def _html(group):
    m = folium.Map(tiles=None)
    group.add_to(m)
    return m.get_root().render()


def test_the_map_draws_counts_per_cell_above_the_marker_limit(bundled, monkeypatch):
    context, read, assigned = bundled
    run = lazy_analysis(
        assigned, read.report, Filters(start=START, end=END), Params(as_of=END), context=context
    )
    n = len(run.incidents)
    monkeypatch.setattr(ui.maps, "DEFAULTS", dataclasses.replace(DEFAULTS, incident_marker_limit=n))
    markers = ui.maps.hotspot_layers(run, method="admin", layers={}, measure="incidents")[-1]
    monkeypatch.setattr(
        ui.maps, "DEFAULTS", dataclasses.replace(DEFAULTS, incident_marker_limit=n - 1)
    )
    cells = ui.maps.hotspot_layers(run, method="admin", layers={}, measure="incidents")[-1]
    html_markers, html_cells = (_html(group) for group in (markers, cells))
    assert "counts per H3 cell" not in html_markers
    assert f"{n:,} incidents drawn as counts per H3 cell" in html_cells


def test_the_kde_part_carries_its_map_image(bundled):
    from geo.hotspots import kde_overlay

    context, read, assigned = bundled
    run = lazy_analysis(
        assigned, read.report, Filters(start=START, end=END), Params(as_of=END), context=context
    )
    cached = pickle.loads(pickle.dumps(run.kde))  # as a cache hands it back
    assert "overlay" in vars(cached)  # made with the part, not again by the map
    image, bounds = cached.overlay
    expected_image, expected_bounds = kde_overlay(run.kde)
    assert (image == expected_image).all() and bounds == expected_bounds
