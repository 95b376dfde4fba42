"""Child-process entry of :mod:`geo.io.ingest`: limit itself, parse one file, write the result.

Run as ``python -m geo.io._ingest_worker`` by :func:`geo.io.ingest.ingest_upload`, in
an empty private folder (its working directory), with a minimal environment
and usually no network. Protocol: stdin carries a 4-byte big-endian header
length, a JSON header (name, options, limits) and the file's bytes; the worker
writes, into its working directory, the incidents as an Arrow IPC file
``result.arrow`` (incidents only), then ``result.json`` (``{"ok": true,
"result": ...}`` or ``{"ok": false, "kind": ..., "message": ...}``), each
under a temporary name renamed when complete, and exits 0. ``result.json``
comes last, so its presence means the answer is whole. Any other ending (a
signal, a non-zero code, no result file) is a crash the parent reports as "the
file could not be parsed". While it works it appends its stage (``reading``,
``sending``) to ``progress``, which the parent polls. stdout is not used, so a
library printing to it cannot corrupt the answer.

The limits (``RLIMIT_AS``, ``RLIMIT_CPU``, ``RLIMIT_FSIZE``, no core file) are
set after the trusted imports and before a byte of the file is read.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import resource
import struct
import sys
import traceback
from typing import Any

import pyarrow as pa

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.errors import RiskMapError
from geo.io.containers import IngestLimits
from geo.io.incidents import read_incidents
from geo.io.ingest import _HEADER_MAX, _PROTOCOL, encode_layer, encode_result
from geo.io.layers import read_layer

__all__ = ["main"]


def _set_limits(limits: IngestLimits) -> None:
    memory = int(limits.memory_bytes)
    cpu = int(limits.cpu_s)
    size = int(limits.file_bytes)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file of sensitive data
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))  # SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def _read_exactly(stream: Any, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise EOFError(f"expected {n} bytes on stdin, got {len(data)}")
    return data


def _stage(name: str) -> None:
    with open("progress", "a", encoding="ascii") as fh:
        fh.write(name + "\n")


def _write_table(table: pa.Table) -> None:
    with pa.OSFile("result.arrow.part", "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
        out.write_table(table)
    os.replace("result.arrow.part", "result.arrow")


def _answer(payload: dict[str, Any]) -> None:
    payload = {"protocol": _PROTOCOL, **payload}
    with open("result.json.part", "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, allow_nan=True)
    os.replace("result.json.part", "result.json")


def main() -> int:
    """Read one request on stdin, parse it (incidents or a layer), answer.

    Returns
    -------
    int
        0 when an answer was written; 3 when the request itself was malformed.
    """
    stdin = sys.stdin.buffer
    try:
        (length,) = struct.unpack(">I", _read_exactly(stdin, 4))
        if length > _HEADER_MAX:
            raise ValueError(f"header of {length} bytes")
        request = json.loads(_read_exactly(stdin, length).decode("utf-8"))
        if request.get("protocol") != _PROTOCOL:
            raise ValueError(f"protocol {request.get('protocol')!r}")
        limits = IngestLimits(**request["limits"])
        _set_limits(limits)
        data = stdin.read(limits.max_bytes + 1)
    except (EOFError, ValueError, KeyError, TypeError, OSError, RiskMapError) as exc:
        print(f"ingest worker: malformed request ({exc})", file=sys.stderr)
        return 3
    try:
        _stage("reading")
        kind = request.get("kind", "incidents")
        if kind == "incidents":
            today = request.get("today")
            result = read_incidents(
                data,
                name=str(request["name"]),
                fmt=request.get("fmt"),
                layer=request.get("layer"),
                today=dt.date.fromisoformat(today) if today else None,
                limits=limits,
            )
            _stage("sending")
            table, answer = encode_result(result)
            del result
            _write_table(table)
        else:
            answer = encode_layer(
                read_layer(
                    data,
                    name=str(request["name"]),
                    kind=str(kind),
                    layer=request.get("layer"),
                    limits=limits,
                )
            )
        payload: dict[str, Any] = {"ok": True, "result": answer}
    except RiskMapError as exc:
        payload = {"ok": False, "kind": type(exc).__name__, "message": str(exc)}
    except MemoryError:
        payload = {"ok": False, "kind": "MemoryError", "message": ""}
    except OSError as exc:
        traceback.print_exc()
        kind = "FileTooLarge" if exc.errno == errno.EFBIG else "OSError"
        payload = {"ok": False, "kind": kind, "message": ""}
    except Exception as exc:  # any other exception is a reader bug: traceback to the log
        traceback.print_exc()
        payload = {"ok": False, "kind": type(exc).__name__, "message": ""}
    del data
    _answer(payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
