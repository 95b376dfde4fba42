"""geo.batch: the partitioned (dask) path equals the in-memory path, on a real LocalCluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from geo.admin import ASSIGNED_COLUMNS, assign_admin
from geo.batch import (
    assign_admin_batch,
    hex_counts_batch,
    kde_grid_batch,
    partition,
    route_exposure_batch,
)
from geo.crs import to_metric
from geo.errors import ParameterError
from geo.exposure import segment_exposure
from geo.hotspots import hex_counts, kde_grid
from geo.io import bundled
from geo.io.incidents import load_bundled_incidents
from geo.segments import segment_routes


@pytest.fixture(scope="module")
def client():
    """A real two-worker distributed cluster on this machine (processes, not threads)."""
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def incidents():
    """The bundled real incidents (UCDP GED and the news log), all years."""
    return load_bundled_incidents().incidents


@pytest.fixture(scope="module")
def layers():
    return {
        "admin1": bundled.load_admin(1),
        "admin2": bundled.load_admin(2),
        "countries": bundled.load_countries(),
    }


def test_assignment_on_the_cluster_equals_in_memory_row_for_row(client, incidents, layers):
    ours = assign_admin_batch(partition(incidents, npartitions=5), **layers)
    ref = assign_admin(incidents, **layers)
    assert client.scheduler_info()["workers"], "the work ran on a real cluster"
    assert list(ours.index) == list(ref.index)
    for col in ASSIGNED_COLUMNS:
        assert ours[col].tolist() == ref[col].tolist(), col
    for key in ("n", "in_mali", "adm2_assigned", "no_country", "outside_mali_by_country"):
        assert ours.attrs["assignment"][key] == ref.attrs["assignment"][key], key


def test_hex_counts_on_the_cluster_equal_in_memory(client, incidents, layers):
    mali = layers["admin2"].union_all()
    ours = hex_counts_batch(partition(incidents, npartitions=3), resolution=5, study_area=mali)
    ref = hex_counts(incidents, resolution=5, study_area=mali)
    assert ours["hex"].tolist() == ref["hex"].tolist()
    assert ours["incidents"].tolist() == ref["incidents"].tolist()
    assert ours["fatalities"].tolist() == ref["fatalities"].tolist()
    assert ours.geometry.geom_equals(ref.geometry).all()
    assert ours.attrs["n_used"] == ref.attrs["n_used"]
    assert ours.attrs["left_out_reason"] == ref.attrs["left_out_reason"]


@pytest.mark.parametrize("weight", [None, "fatalities"], ids=["counts", "fatalities"])
def test_kde_on_the_cluster_equals_in_memory(client, incidents, weight):
    metric = to_metric(incidents, what="incidents")
    ours = kde_grid_batch(partition(metric, npartitions=4), cell_m=5000.0, weight=weight)
    ref = kde_grid(metric, cell_m=5000.0, weight=weight)
    assert ours.array.shape == ref.array.shape
    assert ours.transform == ref.transform
    np.testing.assert_allclose(ours.array, ref.array, rtol=1e-4, atol=1e-7)
    assert (ours.n_used, ours.n_left_out) == (ref.n_used, ref.n_left_out)


def test_partition_refuses_a_non_positive_count(incidents):
    with pytest.raises(ParameterError, match="npartitions"):
        partition(incidents, npartitions=0)


def test_partition_keeps_every_row_in_order(incidents):
    parts = partition(incidents, npartitions=7)
    back = parts.compute()
    assert parts.npartitions == 7
    pd.testing.assert_index_equal(back.index, incidents.index)


@pytest.mark.parametrize("imprecise", ["spread", "drop"])
def test_route_exposure_on_the_cluster_equals_in_memory(client, incidents, imprecise):
    segments = segment_routes(bundled.load_routes(), segment_km=10.0)
    ours = route_exposure_batch(partition(incidents, npartitions=4), segments, imprecise=imprecise)
    ref = segment_exposure(segments, incidents, imprecise=imprecise)
    assert ref["n_incidents"].sum() > 0
    assert ours["n_incidents"].tolist() == ref["n_incidents"].tolist()
    np.testing.assert_allclose(ours["exposure_per_km"], ref["exposure_per_km"], rtol=1e-9)
    np.testing.assert_allclose(ours["exposure"], ref["exposure"], rtol=1e-9)
    assert ours["exposure_class"].tolist() == ref["exposure_class"].tolist()
    assert ours.geometry.geom_equals(ref.geometry).all()
    got, want = dict(ours.attrs), dict(ref.attrs)
    got_top, want_top = got.pop("spread_events_by_route"), want.pop("spread_events_by_route")
    assert got == want
    assert got_top.keys() == want_top.keys()
    for route, events in want_top.items():
        assert [e["event_id"] for e in got_top[route]] == [e["event_id"] for e in events]
        np.testing.assert_allclose(
            [e["exposure"] for e in got_top[route]], [e["exposure"] for e in events], rtol=1e-9
        )
