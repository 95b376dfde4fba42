"""The one way the app and the CLI read a user's file: checked limits, then a sandboxed parse.

:func:`ingest_upload` first checks, in this process and without parsing, what
can be checked from the bytes alone: the size, and for a zip archive its
central directory (member count, unpacked size, compression ratio, member
names; :func:`geo.io.containers.precheck`, the same checks and
:class:`~geo.io.containers.IngestLimits` the worker applies again). Only then is the file
handed to :func:`geo.io.incidents.read_incidents`, which runs in a **child
process** (``python -m geo.io._ingest_worker``) with

* ``RLIMIT_AS`` (address space, 2 GiB), ``RLIMIT_CPU`` (60 s), ``RLIMIT_FSIZE``
  (largest file it may write), no core dumps, and a wall-clock timeout (90 s)
  for an upload; for a file on the server's disk 8 GiB, 600 s and 900 s,
  sized for 1,000,000 rows (:data:`geo.io.containers.LOCAL_FILE_LIMITS`);
* an empty private temporary folder as its working and temporary directory,
  removed afterwards;
* a minimal environment (no inherited variables: a stray ``SHAPE_RESTORE_SHX``
  or proxy setting cannot reach GDAL) plus the GDAL hardening of
  :mod:`geo.io._gdal_env`, applied again by the worker's ``import geo``;
* no network: the worker runs under ``unshare --net`` (a new network namespace
  whose only interface, loopback, is down), so even a GDAL bug or a content-driven
  fetch cannot reach another host or a service on 127.0.0.1. Where namespaces
  are unavailable this is logged once and the GDAL settings remain the guard.

A crash of the parser (segfault, memory exhausted, CPU or time limit) becomes an
:class:`geo.errors.InputFileError` naming the file; the app keeps running.
See SECURITY.md 1.4-1.6 and cases U06-U08, F01-F10, P01-P05.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import logging
import math
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from geo import errors
from geo.crs import WGS84
from geo.errors import InputFileError, ParameterError, RiskMapError
from geo.i18n import Translator, gettext_noop
from geo.io import _gdal_env
from geo.io.containers import (
    DEFAULT_LIMITS,
    LOCAL_FILE_LIMITS,
    IngestLimits,
    display_name,
    precheck,
    read_file_bytes,
)
from geo.io.incidents import FORMATS, ReadResult
from geo.io.layers import LAYER_GEOMETRIES, LAYER_KINDS, Layer
from geo.schema import CANONICAL_COLUMNS, empty_incidents
from geo.validate import RowIssue, ValidationReport

__all__ = [
    "MAX_WORKERS",
    "STAGES",
    "decode_layer",
    "decode_result",
    "encode_layer",
    "encode_result",
    "ingest_file",
    "ingest_layer",
    "ingest_upload",
    "network_isolation",
    "terminal_progress",
]

log = logging.getLogger(__name__)

#: Most parses running at once in this process; further uploads wait for a slot.
MAX_WORKERS = 2

_PROTOCOL = 1
_HEADER_MAX = 1 << 16
# Errors the worker may report by name and the parent re-raises as such.
_USER_ERRORS: dict[str, type[RiskMapError]] = {
    name: getattr(errors, name) for name in errors.__all__
}
#: How the worker is started: ``python -s -m <module> [args]`` (tests start a faulty one).
_WORKER: tuple[str, ...] = ("geo.io._ingest_worker",)
_SLOTS = threading.BoundedSemaphore(MAX_WORKERS)
#: What ``progress`` is told of a read, in order, and what each stage is: the worker
#: starting (Python and GeoPandas imports), parsing the file and checking its rows,
#: handing the rows back, and this process checking them.
STAGES: dict[str, str] = {
    "starting": gettext_noop("starting the sandboxed reader"),
    "reading": gettext_noop("reading the file and checking every row"),
    "sending": gettext_noop("handing the rows back"),
    "checking": gettext_noop("checking what the reader returned"),
}
_POLL_S = 0.5


def ingest_upload(
    data: bytes,
    *,
    name: str,
    limits: IngestLimits = DEFAULT_LIMITS,
    fmt: str | None = None,
    layer: str | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReadResult:
    r"""Read an untrusted incident file: limits checked first, parsing in a sandboxed child.

    Parameters
    ----------
    data : bytes
        The file's content as uploaded (never written under a name the user chose).
    name : str
        The client's file name, for messages and ``source_file`` only (its last
        component, without control characters; never a path).
    limits : IngestLimits
        Size, archive and process limits (:data:`DEFAULT_LIMITS`).
    fmt, layer, today
        Passed to :func:`geo.io.incidents.read_incidents`.
    progress : callable, optional
        ``progress(stage)`` about twice a second while the worker runs, then
        once before the result is checked; ``stage`` is a key of :data:`STAGES`.
        If it raises (the user cancelled: ``KeyboardInterrupt``, a Streamlit
        stop), the worker is killed, its private folder removed, and the
        exception propagates: nothing is left half-written.

    Returns
    -------
    ReadResult
        Canonical incidents (EPSG:4326) and the validation report, exactly as
        :func:`geo.io.incidents.read_incidents` returns them.

    Raises
    ------
    InputFileError
        Too large, unsafe archive, or anything the reader refuses (same
        messages as :func:`geo.io.incidents.read_incidents`); and, naming the file,
        ``the file could not be parsed (...)`` when the parser crashed, ran out
        of memory or CPU, or timed out.
    ParameterError
        If ``data`` is not bytes, or ``fmt`` is not one of
        :data:`geo.FORMATS`.

    Notes
    -----
    Cost: one process start per file, about 1 s on the 2-core reference
    machine (Python start + importing GeoPandas/pyogrio), on top of the parse;
    at most :data:`MAX_WORKERS` parses run at once, others wait (bounded by
    ``limits.wall_s``). Memory in this process: the upload plus the result.

    The rows come back as an Arrow IPC file written by the worker into its
    private folder (text dictionary-encoded, lon/lat float64, exact) and the
    report as JSON beside it; this process maps the file, validates every
    buffer (``Table.validate(full=True)``) and checks the schema, nulls and
    coordinates against the canonical record before use (:func:`decode_result`).
    Nothing is unpickled: the worker parses hostile bytes with C libraries, so
    its output is treated as untrusted data too. At 1,000,000 rows the hand-back
    is about 0.1 GB and a few seconds (``benchmarks/bench_ingest.py``).

    Examples
    --------
    >>> csv = b"id,date,lat,lon\nA,2025-04-03,12.65,-8.0\n"
    >>> result = ingest_upload(csv, name="mine.csv", today=dt.date(2026, 1, 1))
    >>> result.report.rows_kept, result.incidents.geometry.iloc[0].wkt
    (1, 'POINT (-8 12.65)')
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParameterError(f"data must be bytes, not {type(data).__name__}")
    if fmt is not None and fmt not in FORMATS:
        raise ParameterError(f"fmt was {fmt!r} but is expected to be one of {FORMATS}")
    request = {
        "kind": "incidents",
        "fmt": fmt,
        "layer": layer,
        "today": (today or dt.date.today()).isoformat(),
    }
    payload, file = _ingest(
        bytes(data), name=name, request=request, limits=limits, progress=progress
    )
    if progress is not None:
        progress("checking")
    try:
        return decode_result(payload["table"], payload["result"])
    except (KeyError, TypeError, ValueError, IndexError, OverflowError, pa.ArrowException) as exc:
        log.warning("ingestion worker result for %s failed its checks: %s", file, exc)
        raise InputFileError(
            f"{file}: the file could not be parsed (the reader returned an inconsistent result)."
        ) from None


def ingest_file(
    path: Path,
    *,
    limits: IngestLimits = LOCAL_FILE_LIMITS,
    progress: Callable[[str], None] | None = None,
) -> ReadResult:
    """Read an incident file from this machine's disk through the sandbox (CLI, ``app.py --``).

    Parameters
    ----------
    path : pathlib.Path
        A local file (read as bytes here; devices, pipes and links to them refused).
    limits : IngestLimits
        :data:`geo.io.containers.LOCAL_FILE_LIMITS` by default, sized for
        1,000,000 incidents (unlike the 50 MiB of an upload): 1 GiB of input,
        8 GiB of address space, 600 s of CPU and 900 s of wall time for the
        worker. A 1,000,000-row Parquet file takes 13-61 s on the 2-core
        reference machine (load average 5-17) with the worker at 1.7-2.0 GiB
        resident (``benchmarks/bench_ingest.py``).
    progress : callable, optional
        As :func:`ingest_upload`.

    Returns
    -------
    ReadResult
        As :func:`ingest_upload`.

    Raises
    ------
    InputFileError
        As :func:`ingest_upload`, and when the file cannot be read.
    """
    return ingest_upload(
        read_file_bytes(path, limits=limits), name=path.name, limits=limits, progress=progress
    )


def terminal_progress(
    name: str, stream: TextIO | None = None, *, tr: Translator | None = None
) -> Callable[[str], None] | None:
    """Return a ``progress`` that redraws one line on a terminal, or None when it is not one.

    Parameters
    ----------
    name : str
        The file's name, shown on the line.
    stream : text stream, optional
        Where to write (``sys.stderr``); when it is not a terminal (a pipe, a
        log file, a test) nothing is written and None is returned.
    tr : Translator, optional
        The language of the stage words (English by default).

    Returns
    -------
    callable or None
        ``progress(stage)`` for :func:`ingest_file`: ``name: <stage> (12 s)``
        redrawn in place, the line ended at the last stage.
    """
    out = sys.stderr if stream is None else stream
    if not out.isatty():
        return None
    start = time.monotonic()
    words = tr.gettext if tr is not None else str

    def progress(stage: str) -> None:
        end = "\n" if stage == "checking" else ""
        line = f"{display_name(name)}: {words(STAGES[stage])} ({time.monotonic() - start:.0f} s)"
        print(f"\r{line:<79}", end=end, file=out, flush=True)

    return progress


def ingest_layer(
    data: bytes | Path,
    *,
    name: str | None,
    kind: str,
    layer: str | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> Layer:
    """Read an untrusted boundary, route or site file the way incidents are read.

    The same pre-parse checks (:func:`geo.io.containers.precheck`), the same
    sandboxed worker and the same limits as :func:`ingest_upload`; inside the
    worker :func:`geo.io.layers.read_layer` does the parsing.

    Parameters
    ----------
    data : bytes or pathlib.Path
        The file's content, or a local path read as bytes here
        (:func:`geo.io.containers.read_file_bytes`).
    name : str, optional
        The client's file name, for messages only (a path's own name, or the
        kind, when None).
    kind : {"boundaries", "routes", "sites"}
        What the file is read as (:data:`geo.io.layers.LAYER_KINDS`).
    layer : str, optional
        GeoPackage layer or shapefile stem.
    limits : IngestLimits
        Size, archive and process limits.

    Returns
    -------
    Layer
        EPSG:4326 geometries of the kind's family, attributes and notes.

    Raises
    ------
    InputFileError
        As :func:`ingest_upload`, and when the layer does not fit the kind.
    ParameterError
        If ``data`` is not bytes or ``kind`` is unknown.
    """
    if isinstance(data, Path):
        name = name or data.name
        data = read_file_bytes(data, limits=limits)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParameterError(f"data must be bytes or a pathlib.Path, not {type(data).__name__}")
    if kind not in LAYER_KINDS:
        raise ParameterError(f"kind was {kind!r} but is expected to be one of {LAYER_KINDS}")
    request = {"kind": kind, "layer": layer}
    payload, file = _ingest(bytes(data), name=name or kind, request=request, limits=limits)
    try:
        return decode_layer(payload["result"], kind=kind)
    except (KeyError, TypeError, ValueError, OverflowError, shapely.errors.GEOSException) as exc:
        log.warning("ingestion worker result for %s failed its checks: %s", file, exc)
        raise InputFileError(
            f"{file}: the file could not be parsed (the reader returned an inconsistent result)."
        ) from None


def _ingest(
    raw: bytes,
    *,
    name: str,
    request: dict[str, Any],
    limits: IngestLimits,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], str]:
    """Pre-check, then parse in the worker; return its successful payload and the display name."""
    file = display_name(name)
    precheck(raw, file=file, limits=limits)
    request = {"protocol": _PROTOCOL, "name": str(name), "limits": asdict(limits), **request}
    if not _SLOTS.acquire(timeout=limits.wall_s):
        raise InputFileError(
            f"{file}: the server is busy reading other files; try again in a minute."
        )
    try:
        payload = _run_worker(request, raw, file=file, limits=limits, progress=progress)
    finally:
        _SLOTS.release()
    _raise_failure(payload, file=file)
    return payload, file


# --------------------------------------------------------------------------- the worker


@functools.cache
def network_isolation() -> tuple[str, ...]:
    """Return the command prefix that gives the worker no network, or ``()`` if none works.

    Tries ``unshare --net`` (root or CAP_SYS_ADMIN), then an unprivileged user
    namespace (``unshare --user --map-root-user --net``). The answer is cached
    for the process; a missing isolation is logged once as a warning.

    Returns
    -------
    tuple of str
        For example ``("unshare", "--net", "--")``.
    """
    exe = shutil.which("unshare")
    if exe is None:
        log.warning("unshare not found: the ingestion worker runs without network isolation")
        return ()
    for flags in (("--net",), ("--user", "--map-root-user", "--net")):
        prefix = (exe, *flags, "--")
        try:
            done = subprocess.run(  # noqa: S603 (fixed arguments)
                [*prefix, sys.executable, "-c", "pass"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=20,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return prefix
    log.warning(
        "network namespaces unavailable (unshare --net failed): the ingestion worker runs "
        "without network isolation; GDAL's no-network settings remain"
    )
    return ()


def _worker_env(tmp: str) -> dict[str, str]:
    package_root = str(Path(__file__).resolve().parents[2])
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": tmp,
        "TMPDIR": tmp,
        "PYTHONPATH": package_root,
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # The worker's ``import geo`` applies these again; set here they precede interpreter start.
        **_gdal_env._ENV,
    }
    return env


def _run_worker(
    request: dict[str, Any],
    raw: bytes,
    *,
    file: str,
    limits: IngestLimits,
    progress: Callable[[str], None] | None,
) -> dict[str, Any]:
    header = json.dumps(request).encode("utf-8")
    message = struct.pack(">I", len(header)) + header + raw
    prefix = network_isolation() if limits.isolate_network else ()
    cmd = [*prefix, sys.executable, "-s", "-m", *_WORKER]
    tmp = tempfile.mkdtemp(prefix="riskmap-ingest-")
    try:
        errors = Path(tmp) / ".stderr"
        with errors.open("wb") as err:
            proc = subprocess.Popen(  # noqa: S603 (fixed command, data on stdin only)
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=err,
                cwd=tmp,
                env=_worker_env(tmp),
                start_new_session=True,
                close_fds=True,
            )
            # Killed and reaped in every case, also when ``progress`` raised (the user
            # cancelled); the folder is removed below: nothing is left half-written.
            _wait(proc, message, tmp=Path(tmp), file=file, limits=limits, progress=progress)
        payload = _collect(proc.returncode, Path(tmp), file=file, limits=limits)
        if payload.get("ok") and request["kind"] == "incidents":
            payload["table"] = _read_table(Path(tmp) / "result.arrow", file=file, limits=limits)
        if not payload.get("ok") and payload.get("kind") not in _USER_ERRORS:
            log.warning(
                "ingestion worker could not read an upload (%s: %s); stderr tail:\n%s",
                file,
                payload.get("kind"),
                _stderr_tail(Path(tmp)),
            )
        return payload
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _wait(
    proc: subprocess.Popen,
    message: bytes,
    *,
    tmp: Path,
    file: str,
    limits: IngestLimits,
    progress: Callable[[str], None] | None,
) -> None:
    """Feed the worker its request and wait for it, telling ``progress`` its stage meanwhile."""
    feeder = threading.Thread(target=_feed, args=(proc.stdin, message), daemon=True)
    feeder.start()
    deadline = time.monotonic() + limits.wall_s
    try:
        while True:
            if progress is not None:
                progress(_worker_stage(tmp))
            try:
                proc.wait(timeout=max(0.0, min(_POLL_S, deadline - time.monotonic())))
                return
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    raise InputFileError(
                        f"{file}: the file could not be parsed (it took longer than "
                        f"{limits.wall_s:g} s); try a smaller file."
                    ) from None
    finally:
        _kill_group(proc)  # a dead reader closes the pipe: the feeder stops
        feeder.join()


def _feed(stdin: Any, message: bytes) -> None:
    try:
        stdin.write(message)
    except (BrokenPipeError, ValueError):
        pass  # the worker stopped reading (it ended, crashed or was killed)
    finally:
        try:
            stdin.close()
        except OSError:
            pass


def _worker_stage(tmp: Path) -> str:
    """Return the worker's last stage in ``progress`` (a key of :data:`STAGES`), or ``starting``."""
    try:
        with (tmp / "progress").open("rb") as fh:
            lines = fh.read(256).decode("ascii", errors="replace").split()
    except OSError:
        return "starting"
    return lines[-1] if lines and lines[-1] in STAGES else "starting"


def _read_table(path: Path, *, file: str, limits: IngestLimits) -> pa.Table:
    """Map the worker's Arrow IPC file (its size bounded by ``limits.file_bytes``)."""
    try:
        if path.stat().st_size > limits.file_bytes:
            raise InputFileError(f"{file}: the file could not be parsed (the result is too large).")
        return pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    except (OSError, pa.ArrowException):
        raise InputFileError(
            f"{file}: the file could not be parsed (the reader returned an unreadable result)."
        ) from None


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill what is left of the worker's process group (a session of its own) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        if proc.poll() is None:
            proc.kill()
    proc.wait()


def _stderr_tail(tmp: Path) -> str:
    try:
        with (tmp / ".stderr").open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 4096))
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _collect(returncode: int, tmp: Path, *, file: str, limits: IngestLimits) -> dict[str, Any]:
    """Turn the worker's exit and result file into a payload, or a crash into an error."""
    result = tmp / "result.json"
    if returncode != 0 or not result.is_file():
        log.warning(
            "ingestion worker for an upload of %s ended with code %s; stderr tail:\n%s",
            file,
            returncode,
            _stderr_tail(tmp),
        )
        raise InputFileError(f"{file}: the file could not be parsed ({_why(returncode, limits)}).")
    if result.stat().st_size > limits.file_bytes:
        raise InputFileError(f"{file}: the file could not be parsed (the result is too large).")
    try:
        payload = json.loads(result.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InputFileError(
            f"{file}: the file could not be parsed (the reader returned an unreadable result)."
        ) from None
    if not isinstance(payload, dict) or payload.get("protocol") != _PROTOCOL:
        raise InputFileError(
            f"{file}: the file could not be parsed (the reader returned an unexpected result)."
        )
    return payload


def _why(returncode: int, limits: IngestLimits) -> str:
    if returncode < 0:
        sig = -returncode
        if sig in (signal.SIGXCPU, signal.SIGKILL):
            return f"the reader used more than {limits.cpu_s} s of CPU or was stopped"
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"the reader crashed with signal {name}"
    return f"the reader stopped with exit code {returncode}"


# --------------------------------------------------------------------------- result transport


def _raise_failure(payload: dict[str, Any], *, file: str) -> None:
    if not payload.get("ok"):
        kind, message = payload.get("kind"), payload.get("message")
        message = message if isinstance(message, str) else ""
        if kind in _USER_ERRORS and message:
            raise _USER_ERRORS[kind](message)
        if kind == "FileTooLarge":
            raise InputFileError(
                f"{file}: the file could not be parsed (unpacking it needs more disk space "
                "than a file may use); split or filter it."
            )
        if kind == "MemoryError":
            raise InputFileError(
                f"{file}: the file could not be parsed (it needs more memory than a file "
                "may use); split or filter it."
            )
        raise InputFileError(
            f"{file}: the file could not be parsed (unexpected reader error {str(kind)[:40]}; "
            "it has been logged for the operator)."
        )


def _incident_schema() -> pa.Schema:
    """Return the Arrow schema of the incidents' transport: canonical columns, lon, lat."""
    template = empty_incidents()
    fields = []
    for c in CANONICAL_COLUMNS[:-1]:
        kind = template[c].dtype.kind
        if kind == "M":
            fields.append(pa.field(c, pa.timestamp("ns")))
        elif kind == "b":
            fields.append(pa.field(c, pa.bool_(), nullable=False))
        elif kind in "iu":
            fields.append(pa.field(c, pa.int64(), nullable=False))
        else:
            fields.append(pa.field(c, pa.dictionary(pa.int32(), pa.string())))
    fields += [pa.field(a, pa.float64(), nullable=False) for a in ("lon", "lat")]
    return pa.schema(fields)


def encode_result(result: ReadResult) -> tuple[pa.Table, dict[str, Any]]:
    """Return a read result as an Arrow table and JSON-ready report (the worker's side).

    Parameters
    ----------
    result : ReadResult
        Canonical incidents (Point geometries, EPSG:4326) and their report.

    Returns
    -------
    (pyarrow.Table, dict)
        The columns of :func:`_incident_schema` (text dictionary-encoded, so a
        value repeated a million times travels once; dates as nanoseconds;
        ``lon``/``lat`` as float64, exact) and the report's fields.

    Raises
    ------
    ValueError
        If a geometry is not a point or the CRS is not EPSG:4326.
    """
    gdf = result.incidents
    if gdf.crs is None or not gdf.crs.equals(WGS84):
        raise ValueError(f"incidents must be in EPSG:4326, not {gdf.crs}")
    geoms = gdf.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    if len(gdf) and not (kinds == 0).all():
        raise ValueError("incident geometries must all be points")
    schema = _incident_schema()
    arrays = []
    for f in schema:
        if f.name in ("lon", "lat"):
            values = (shapely.get_x if f.name == "lon" else shapely.get_y)(geoms)
            arrays.append(pa.array(values, type=f.type))
        elif pa.types.is_dictionary(f.type):
            text = gdf[f.name].to_numpy(dtype=object)
            arrays.append(pa.array(text, type=pa.string(), from_pandas=True).dictionary_encode())
        else:
            arrays.append(pa.array(gdf[f.name].to_numpy(), type=f.type, from_pandas=True))
    rep = result.report
    report = {
        "file": rep.file,
        "format": rep.format,
        "rows_in": rep.rows_in,
        "rows_kept": rep.rows_kept,
        "notes": list(rep.notes),
        "issues": [i.to_dict() for i in rep.issues],
    }
    return pa.Table.from_arrays(arrays, schema=schema), report


def decode_result(table: pa.Table, report: dict[str, Any]) -> ReadResult:
    """Rebuild a read result from :func:`encode_result` output, checking every column.

    Parameters
    ----------
    table : pyarrow.Table
        The worker's Arrow table (read from its IPC file).
    report : dict
        The report's fields, after a JSON round trip.

    Returns
    -------
    ReadResult
        Exactly :data:`geo.schema.CANONICAL_COLUMNS` with their canonical dtypes,
        EPSG:4326 points, ``RangeIndex``. A text value repeated in many rows is
        one Python string shared by those rows.

    Raises
    ------
    ValueError, KeyError, TypeError
        If the schema (names, types, nullability) differs from the canonical
        record's, the table's buffers are inconsistent, a non-nullable column
        has a null, a coordinate is not finite, or the report's counts do not
        add up.
    """
    if not isinstance(table, pa.Table):
        raise TypeError(f"expected an Arrow table, not {type(table).__name__}")
    schema = _incident_schema()
    if not table.schema.equals(schema):
        raise ValueError(f"the columns differ from the canonical record: {table.schema}")
    table.validate(full=True)
    table = table.unify_dictionaries().combine_chunks()
    n = table.num_rows
    frame: dict[str, Any] = {}
    template = empty_incidents()
    for f in schema:
        column = table.column(f.name)
        if not f.nullable and column.null_count:
            raise ValueError(f"column {f.name!r} has {column.null_count} missing values")
        if pa.types.is_dictionary(f.type):
            chunk = column.chunk(0) if column.num_chunks else pa.array([], f.type)
            words = np.append(np.asarray(chunk.dictionary.to_pylist(), dtype=object), None)
            codes = chunk.indices.fill_null(-1).to_numpy()
            frame[f.name] = pd.Series(words[codes], dtype=object)
        elif f.name in ("lon", "lat"):
            frame[f.name] = column.to_numpy()
        else:
            frame[f.name] = column.to_numpy().astype(template[f.name].dtype)  # a copy
    x, y = frame.pop("lon"), frame.pop("lat")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("a coordinate is not finite")
    gdf = gpd.GeoDataFrame(
        pd.DataFrame(frame), geometry=gpd.GeoSeries(shapely.points(x, y), crs=WGS84), crs=WGS84
    )
    if n == 0:
        gdf = template
    issues = tuple(
        RowIssue(
            str(i["file"]),
            int(i["row"]),
            str(i["column"]),
            str(i["value"]),
            str(i["reason"]),
            i["action"],
            str(i["row_label"]),
        )
        for i in report["issues"]
    )
    out = ValidationReport(
        str(report["file"]),
        str(report["format"]),
        rows_in=int(report["rows_in"]),
        rows_kept=int(report["rows_kept"]),
        issues=issues,
        notes=tuple(str(s) for s in report["notes"]),
    )
    if out.rows_kept != n:
        raise ValueError(f"the report keeps {out.rows_kept} rows but {n} came back")
    return ReadResult(gdf, out)


def encode_layer(layer: Layer) -> dict[str, Any]:
    """Return a layer as JSON-ready data (the worker's side of the transport).

    Parameters
    ----------
    layer : Layer
        What :func:`geo.io.layers.read_layer` returned.

    Returns
    -------
    dict
        ``columns`` (name -> list of str, int, float, bool or None), ``wkb``
        (base64 WKB per feature), ``file`` and ``notes``.
    """
    frame = layer.frame
    columns = {
        str(c): [None if _missing(v) else v for v in frame[c].tolist()]
        for c in frame.columns
        if c != frame.geometry.name
    }
    wkb = shapely.to_wkb(frame.geometry.to_numpy())
    return {
        "columns": columns,
        "wkb": [base64.b64encode(b).decode("ascii") for b in wkb],
        "file": layer.file,
        "notes": list(layer.notes),
    }


def decode_layer(data: dict[str, Any], *, kind: str) -> Layer:
    """Rebuild a layer from :func:`encode_layer` data, checking every value and geometry.

    Parameters
    ----------
    data : dict
        Output of :func:`encode_layer`, after a JSON round trip.
    kind : str
        The kind asked for; every geometry must be of its family.

    Returns
    -------
    Layer
        EPSG:4326, ``RangeIndex``.

    Raises
    ------
    ValueError, KeyError, TypeError
        If a column's length or a value's type is wrong, a geometry is not
        readable, of another family, empty or not finite.
    """
    wkb = data["wkb"]
    if not isinstance(wkb, list) or not all(type(b) is str for b in wkb):
        raise ValueError("wkb must be a list of base64 strings")
    n = len(wkb)
    columns = data["columns"]
    if not isinstance(columns, dict):
        raise ValueError("columns must be a mapping")
    scalars = (str, int, float, bool)
    for c, values in columns.items():
        if not isinstance(values, list) or len(values) != n:
            raise ValueError(f"column {c!r}: expected a list of {n} values")
        if not all(v is None or type(v) in scalars for v in values):
            raise ValueError(f"column {c!r}: a value has the wrong type")
    geoms = shapely.from_wkb([base64.b64decode(b, validate=True) for b in wkb], on_invalid="raise")
    wanted = set(LAYER_GEOMETRIES[kind])
    if n and not all(g is not None and g.geom_type in wanted and not g.is_empty for g in geoms):
        raise ValueError(f"a geometry is not one of {sorted(wanted)}")
    if n and not np.isfinite(shapely.total_bounds(geoms)).all():
        raise ValueError("a coordinate is not finite")
    frame = gpd.GeoDataFrame(
        pd.DataFrame({str(c): pd.Series(v, dtype=object) for c, v in columns.items()}),
        geometry=gpd.GeoSeries(np.asarray(geoms, dtype=object), crs=WGS84),
        crs=WGS84,
    )
    notes = tuple(str(s) for s in data["notes"])
    return Layer(frame.reset_index(drop=True), str(data["file"]), notes)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
