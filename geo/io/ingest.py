"""The one way the app and the CLI read a user's file: checked limits, then a sandboxed parse.

:func:`ingest_upload` first checks, in this process and without parsing, what
can be checked from the bytes alone: the size, and for a zip archive its
central directory (member count, unpacked size, compression ratio, member
names; :func:`geo.io.containers.precheck`, the same checks and
:class:`~geo.io.containers.IngestLimits` the worker applies again). Only then is the file
handed to :func:`geo.io.incidents.read_incidents`, which runs in a **child
process** (``python -m geo.io._ingest_worker``) with

* ``RLIMIT_AS`` (address space, 2 GiB), ``RLIMIT_CPU`` (60 s), ``RLIMIT_FSIZE``
  (largest file it may write), no core dumps, and a wall-clock timeout;
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
from dataclasses import asdict
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import errors
from geo.crs import WGS84
from geo.errors import InputFileError, ParameterError, RiskMapError
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
    "decode_layer",
    "decode_result",
    "encode_layer",
    "encode_result",
    "ingest_file",
    "ingest_layer",
    "ingest_upload",
    "network_isolation",
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


def ingest_upload(
    data: bytes,
    *,
    name: str,
    limits: IngestLimits = DEFAULT_LIMITS,
    fmt: str | None = None,
    layer: str | None = None,
    today: dt.date | None = None,
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

    The result comes back as JSON (column lists and lon/lat floats, which
    round-trip exactly) written by the worker into its private folder; it is
    checked against the canonical schema before use. Nothing is unpickled: the
    worker parses hostile bytes with C libraries, so its output is treated as
    untrusted data too.

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
    payload, file = _ingest(bytes(data), name=name, request=request, limits=limits)
    try:
        return decode_result(payload["result"])
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        log.warning("ingestion worker result for %s failed its checks: %s", file, exc)
        raise InputFileError(
            f"{file}: the file could not be parsed (the reader returned an inconsistent result)."
        ) from None


def ingest_file(path: Path, *, limits: IngestLimits = LOCAL_FILE_LIMITS) -> ReadResult:
    """Read an incident file from this machine's disk through the sandbox (CLI, ``app.py --``).

    Parameters
    ----------
    path : pathlib.Path
        A local file (read as bytes here; devices, pipes and links to them refused).
    limits : IngestLimits
        :data:`geo.io.containers.LOCAL_FILE_LIMITS` by default: sized for
        1,000,000 incidents, unlike the 50 MiB of an upload.

    Returns
    -------
    ReadResult
        As :func:`ingest_upload`.

    Raises
    ------
    InputFileError
        As :func:`ingest_upload`, and when the file cannot be read.
    """
    return ingest_upload(read_file_bytes(path, limits=limits), name=path.name, limits=limits)


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
    raw: bytes, *, name: str, request: dict[str, Any], limits: IngestLimits
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
        payload = _run_worker(request, raw, file=file, limits=limits)
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
    request: dict[str, Any], raw: bytes, *, file: str, limits: IngestLimits
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
            try:
                proc.communicate(message, timeout=limits.wall_s)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise InputFileError(
                    f"{file}: the file could not be parsed (it took longer than "
                    f"{limits.wall_s:g} s); try a smaller file."
                ) from None
            finally:
                _kill_group(proc)
        payload = _collect(proc.returncode, Path(tmp), file=file, limits=limits)
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


def encode_result(result: ReadResult) -> dict[str, Any]:
    """Return a read result as JSON-ready data (the worker's side of the transport).

    Parameters
    ----------
    result : ReadResult
        Canonical incidents (Point geometries, EPSG:4326) and their report.

    Returns
    -------
    dict
        ``columns`` (name -> list), ``dtypes``, ``lon``/``lat`` lists and the
        report's fields. Dates travel as int64 nanoseconds, floats as JSON
        numbers (exact round trip).

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
    columns: dict[str, list[Any]] = {}
    for c in gdf.columns:
        if c == gdf.geometry.name:
            continue
        s = gdf[c]
        if s.dtype.kind == "M":
            ns = s.to_numpy(dtype="datetime64[ns]")
            columns[c] = [None if np.isnat(v) else int(v.astype("int64")) for v in ns]
        elif s.dtype.kind in "biuf":
            columns[c] = s.to_numpy().tolist()
        else:
            columns[c] = [None if _missing(v) else str(v) for v in s]
    rep = result.report
    return {
        "columns": columns,
        "dtypes": {c: str(gdf[c].dtype) for c in columns},
        "lon": shapely.get_x(geoms).tolist(),
        "lat": shapely.get_y(geoms).tolist(),
        "report": {
            "file": rep.file,
            "format": rep.format,
            "rows_in": rep.rows_in,
            "rows_kept": rep.rows_kept,
            "notes": list(rep.notes),
            "issues": [i.to_dict() for i in rep.issues],
        },
    }


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


def _check_values(name: str, values: list[Any], kind: str, n: int) -> None:
    if not isinstance(values, list) or len(values) != n:
        raise ValueError(f"column {name!r}: expected a list of {n} values")
    if kind == "M":
        ok = all(v is None or (type(v) is int and abs(v) < 2**63) for v in values)
    elif kind == "b":
        ok = all(type(v) is bool for v in values)
    elif kind in "iu":
        ok = all(type(v) is int and abs(v) < 2**63 for v in values)
    elif kind == "f":
        ok = all(type(v) in (int, float) for v in values)
    else:
        ok = all(v is None or type(v) is str for v in values)
    if not ok:
        raise ValueError(f"column {name!r}: a value has the wrong type")


def decode_result(data: dict[str, Any]) -> ReadResult:
    """Rebuild a read result from :func:`encode_result` data, checking every value's type.

    Parameters
    ----------
    data : dict
        Output of :func:`encode_result`, after a JSON round trip.

    Returns
    -------
    ReadResult
        Exactly :data:`geo.schema.CANONICAL_COLUMNS` with their canonical dtypes,
        EPSG:4326 points, ``RangeIndex``.

    Raises
    ------
    ValueError, KeyError, TypeError
        If the columns, dtypes, lengths or value types differ from the
        canonical record, a coordinate is not finite, or the report's counts do
        not add up.
    """
    template = empty_incidents()
    columns, dtypes = data["columns"], data["dtypes"]
    expected = list(CANONICAL_COLUMNS[:-1])
    if list(columns) != expected or list(dtypes) != expected:
        raise ValueError("the columns differ from the canonical record")
    lon, lat = data["lon"], data["lat"]
    n = len(lon)
    for c in expected:
        if dtypes[c] != str(template[c].dtype):
            raise ValueError(f"column {c!r} has dtype {dtypes[c]!r}")
        _check_values(c, columns[c], template[c].dtype.kind, n)
    _check_values("lon", lon, "f", n)
    _check_values("lat", lat, "f", n)
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("a coordinate is not finite")
    frame: dict[str, Any] = {}
    for c in expected:
        dtype = template[c].dtype
        if dtype.kind == "M":
            ints = [np.iinfo(np.int64).min if v is None else v for v in columns[c]]
            frame[c] = np.asarray(ints, dtype=np.int64).view("datetime64[ns]")
        elif dtype.kind in "biuf":
            frame[c] = np.asarray(columns[c], dtype=dtype)
        else:
            frame[c] = pd.Series(columns[c], dtype=dtype)
    gdf = gpd.GeoDataFrame(
        pd.DataFrame(frame), geometry=gpd.GeoSeries(shapely.points(x, y), crs=WGS84), crs=WGS84
    )
    if n == 0:
        gdf = template
    rep = data["report"]
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
        for i in rep["issues"]
    )
    report = ValidationReport(
        str(rep["file"]),
        str(rep["format"]),
        rows_in=int(rep["rows_in"]),
        rows_kept=int(rep["rows_kept"]),
        issues=issues,
        notes=tuple(str(s) for s in rep["notes"]),
    )
    if report.rows_kept != n:
        raise ValueError(f"the report keeps {report.rows_kept} rows but {n} came back")
    return ReadResult(gdf, report)


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
