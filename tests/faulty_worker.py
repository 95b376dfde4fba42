"""A misbehaving ingestion worker for the process-fault tests (SECURITY.md P01-P04).

The :func:`worker_fault` fixture of ``tests/conftest.py`` makes
:func:`geo.io.ingest.ingest_upload` start ``python -s -m tests.faulty_worker SPEC``
instead of the real worker. It runs the real worker's :func:`main` (same request
protocol, same resource limits) but replaces the readers with :func:`fault`, so the
fault happens where a hostile file would strike: after the limits are set, while
reading. SPEC is one of ``segv``, ``loop``, ``sleep:S``, ``alloc``, ``connect:PORT``,
``exit:N``, ``garbage:JSON`` (an answer without its rows), ``garbage-rows`` (rows
of the wrong schema). No production module knows about it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from typing import Any

import pyarrow as pa

import geo.io._ingest_worker as worker
from geo.errors import InputFileError
from geo.io.containers import IngestLimits


def fault(spec: str, limits: IngestLimits) -> None:
    """Misbehave as ``spec`` says, inside the worker's limits."""
    kind, _, arg = spec.partition(":")
    if kind == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif kind == "loop":
        while True:
            pass
    elif kind == "sleep":
        time.sleep(float(arg or 3600))
    elif kind == "alloc":
        blocks = [bytearray(2**26) for _ in range(int(limits.memory_bytes) // 2**26 + 2)]
        raise AssertionError(f"allocated {len(blocks)} blocks past RLIMIT_AS")
    elif kind == "connect":
        try:
            with socket.create_connection(("127.0.0.1", int(arg)), timeout=3):
                pass
        except OSError as exc:
            raise InputFileError(f"fault hook: connect failed: {exc}") from None
        raise InputFileError("fault hook: connect succeeded")
    elif kind == "exit":
        os._exit(int(arg or 1))
    elif kind == "garbage":
        with open("result.json", "w", encoding="utf-8") as fh:
            json.dump(
                {"protocol": worker._PROTOCOL, "ok": True, "result": json.loads(arg or "{}")}, fh
            )
        os._exit(0)
    elif kind == "garbage-rows":
        table = pa.table({"event_id": ["x"], "secret": ["y"]})
        with pa.OSFile("result.arrow", "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
            out.write_table(table)
        report = {"file": "g.csv", "format": "csv", "rows_in": 1, "rows_kept": 1}
        with open("result.json", "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "protocol": worker._PROTOCOL,
                    "ok": True,
                    "result": {**report, "notes": [], "issues": []},
                },
                fh,
            )
        os._exit(0)


def _reader(spec: str) -> Any:
    def read(*args: Any, limits: IngestLimits, **kwargs: Any) -> Any:
        fault(spec, limits)
        raise AssertionError(f"fault {spec!r} returned")

    return read


if __name__ == "__main__":
    worker.read_incidents = worker.read_layer = _reader(sys.argv[1])
    sys.exit(worker.main())
