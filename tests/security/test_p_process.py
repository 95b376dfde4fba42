"""SECURITY.md 4.2, cases P: process faults: a crashing, looping, greedy or networking worker.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest

from geo.errors import InputFileError
from geo.io import ingest as ingest_mod
from geo.io.containers import IngestLimits
from tests.security.helpers import (
    REPO,
    ingest,
    one_row_csv,
    points_frame,
    shapefile_zip,
    tcp_canary,
)


def test_p01_worker_segfault_is_a_message_and_the_app_survives(worker_fault):
    worker_fault("segv")
    with pytest.raises(
        InputFileError, match=r"could not be parsed \(the reader crashed with signal SIGSEGV\)"
    ):
        ingest(one_row_csv(), "crash.csv")
    worker_fault(None)
    assert ingest(one_row_csv(), "next.csv").report.rows_kept == 1  # still serving


def test_p02_worker_cpu_loop_is_killed_at_its_limit(worker_fault):
    worker_fault("loop")
    with pytest.raises(
        InputFileError, match=r"could not be parsed \(the reader used more than 2 s of CPU"
    ):
        ingest(one_row_csv(), "loop.csv", limits=IngestLimits(cpu_s=2, wall_s=60))


def test_p02_worker_wall_clock_timeout(worker_fault):
    worker_fault("sleep:600")
    with pytest.raises(InputFileError, match=r"could not be parsed \(it took longer than 3 s\)"):
        ingest(one_row_csv(), "slow.csv", limits=IngestLimits(wall_s=3))


def test_p03_worker_over_its_address_space_is_a_handled_memory_error(worker_fault):
    worker_fault("alloc")
    with pytest.raises(InputFileError, match=r"could not be parsed \(it needs more memory"):
        ingest(one_row_csv(), "greedy.csv", limits=IngestLimits(memory_bytes=900 * 2**20))


def test_p04_worker_cannot_reach_a_loopback_canary(worker_fault):
    with tcp_canary() as (port, accepted):
        with socket.create_connection(("127.0.0.1", port), timeout=3):
            pass  # reachable from this (unsandboxed) process
        deadline = 50
        while not accepted and deadline:
            threading.Event().wait(0.05)
            deadline -= 1
        assert len(accepted) == 1
        worker_fault(f"connect:{port}")
        with pytest.raises(InputFileError, match=r"fault hook: connect failed"):
            ingest(one_row_csv(), "net.csv")
        assert len(accepted) == 1  # nothing new from the worker
    assert ingest_mod.network_isolation(), "no network namespace: unshare --net is unavailable"


def test_p05_stray_gdal_settings_are_removed(tmp_path, monkeypatch):
    env = {**os.environ, "SHAPE_RESTORE_SHX": "YES", "OGR_GEOMETRY_ACCEPT_UNCLOSED_RING": "NO"}
    names = "'SHAPE_RESTORE_SHX', 'OGR_GEOMETRY_ACCEPT_UNCLOSED_RING'"
    code = f"import geo, os; print(*[os.environ.get(n) for n in ({names})])"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["None", "None"]
    monkeypatch.setenv("SHAPE_RESTORE_SHX", "YES")
    assert "SHAPE_RESTORE_SHX" not in ingest_mod._worker_env(str(tmp_path))
    data = shapefile_zip(points_frame(2), tmp_path, drop=(".shx",))
    with pytest.raises(InputFileError, match=r"has no events\.shx \(the index\)"):
        ingest(data, "noshx.zip")
