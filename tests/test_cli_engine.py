"""``--engine dask`` on ``python -m geo join`` and ``hotspots``: the same files as in memory.

Each dask run starts the command's own ``distributed.LocalCluster`` (two worker
processes, loopback) and stops it; the data are the bundled real incidents
(UCDP GED extract and the news log), all years.
"""

from __future__ import annotations

import argparse

import dask
import distributed
import numpy as np
import pandas as pd
import pytest
import rasterio

from geo.cli import main
from geo.commands._engine import open_engine
from geo.errors import ParameterError


def _both(tmp_path, argv: list[str], suffix: str, capsys, monkeypatch) -> tuple:
    """Run ``argv`` in memory and with ``--engine dask --workers 2``; return the two outputs.

    Checks that the dask run computed on a cluster of two workers.
    """
    workers = []
    real = dask.compute

    def spy(*args, **kwargs):
        workers.append(len(distributed.default_client().scheduler_info()["workers"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(dask, "compute", spy)
    paths = []
    for engine in (["--engine", "memory"], ["--engine", "dask", "--workers", "2"]):
        out = tmp_path / f"{engine[1]}{suffix}"
        assert main([*argv, *engine, "--out", str(out)]) == 0
        paths.append(out)
        if engine[1] == "memory":
            assert workers == [], "the in-memory run used no dask"
    assert workers and set(workers) == {2}, workers
    capsys.readouterr()
    return tuple(paths)


@pytest.mark.parametrize(
    "argv",
    [
        ["join"],
        ["hotspots", "--method", "hex", "--from", "2020-01-01", "--resolution", "5"],
        ["hotspots", "--method", "gistar", "--from", "2022-01-01", "--inference", "analytical"],
    ],
    ids=["join", "hex", "gistar"],
)
def test_table_on_the_cluster_equals_the_in_memory_table(tmp_path, capsys, monkeypatch, argv):
    memory, on_cluster = _both(tmp_path, argv, ".csv", capsys, monkeypatch)
    ours, ref = pd.read_csv(on_cluster), pd.read_csv(memory)
    assert len(ref) > 10
    pd.testing.assert_frame_equal(ours, ref)


def test_kde_on_the_cluster_equals_in_memory(tmp_path, capsys, monkeypatch):
    argv = ["hotspots", "--method", "kde", "--from", "2020-01-01", "--cell-m", "5000"]
    memory, on_cluster = _both(tmp_path, argv, ".tif", capsys, monkeypatch)
    with rasterio.open(memory) as a, rasterio.open(on_cluster) as b:
        assert (a.shape, a.transform, a.crs) == (b.shape, b.transform, b.crs)
        ref, ours = a.read(1), b.read(1)
    assert ref.max() > 0
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-7)


def test_workers_without_the_dask_engine_are_refused():
    args = argparse.Namespace(engine="memory", workers=2)
    with pytest.raises(ParameterError, match="--engine dask"), open_engine(args):
        pass
