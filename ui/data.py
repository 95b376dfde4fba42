"""Cached loaders for the page: the bundled data set, a user's upload, and one analysis run.

Caching rules (SECURITY.md 1.11, 1.12):

- bundled data and analyses of it are public and cached globally;
- anything derived from an upload is cached with ``scope="session"``, so no other
  session can reach it, and is dropped when the session ends;
- a session's own objects (:func:`session_memo`) live in a session-scoped cache, not in
  ``st.session_state``: Streamlit keeps a disconnected session's state for a reconnect
  (``server.disconnectedSessionTTL``, and until a later disconnect reaps it), but clears
  its session-scoped caches as it disconnects, so a session that left holds no data;
- nothing is persisted to disk, and caches are only a speed-up: a cleared cache
  gives the same answers, computed again.

``st.cache_data`` returns a copy to each caller, so a view cannot change what
another view (or another session) sees.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import logging
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.errors import RiskMapError
from geo.i18n import gettext_noop
from geo.io.incidents import load_bundled_incidents
from geo.io.ingest import STAGES, ingest_file, ingest_upload
from geo.pipeline import (
    Analysis,
    Context,
    Filters,
    Params,
    lazy_analysis,
    load_context,
    prepare_incidents,
)
from ui.controls import DataBounds
from ui.lang import tr

__all__ = [
    "BUNDLED_KEY",
    "Dataset",
    "context",
    "UploadOutcome",
    "bundled_dataset",
    "uploaded_dataset",
    "chosen_dataset",
    "uploaded_report",
    "analyse",
    "data_bounds",
    "session_memo",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

BUNDLED_KEY = "bundled"
#: How many actor names the actor filter offers (most frequent first).
MAX_ACTOR_OPTIONS = 200


@dataclass(frozen=True)
class Dataset:
    """One incident data set as the page shows it.

    Attributes
    ----------
    key : str
        ``bundled`` or ``upload:<sha256 of the bytes>``: the identity used for
        caching and for resetting the data-dependent controls.
    label : str
        What the page calls it (the upload's display name, never used as a path).
    incidents : GeoDataFrame
        Canonical incidents (``geo.schema.CANONICAL_COLUMNS``, EPSG:4326) with
        their country, region, cercle and 2023 region
        (:func:`geo.pipeline.prepare_incidents`).
    report : geo.validate.ValidationReport
        What the reader kept, repaired and rejected.
    public : bool
        True for data every session sees alike (the bundled data, the file the
        operator named on the command line): its analysis parts are cached for
        all sessions. False (uploads, the merged incident log): this session only.
    """

    key: str
    label: str
    incidents: gpd.GeoDataFrame
    report: object
    public: bool = False


@dataclass(frozen=True)
class UploadOutcome:
    """The result of reading an upload: a data set, or the message explaining why not."""

    dataset: Dataset | None
    error: str | None


@st.cache_data(show_spinner="Loading the reference layers...", max_entries=1)
def _context_copy() -> Context:
    return load_context()


def context() -> Context:
    """Return the reference layers (admin units, routes, towns, sites), one object per session.

    Returns
    -------
    geo.pipeline.Context
        Loaded once for all sessions (public bundled data); each session keeps
        its own copy (:func:`session_memo`) so that the route segments the
        context computes once per segment length are reused across reruns.
    """
    return session_memo("data.context", BUNDLED_KEY, _context_copy)


@st.cache_data(show_spinner="Loading the bundled incidents...", max_entries=1)
def bundled_dataset() -> Dataset:
    """Load the bundled incidents (UCDP GED extract and the news log) once for all sessions.

    Returns
    -------
    Dataset
        Key ``bundled``, incidents assigned to admin units.
    """
    result = load_bundled_incidents()
    incidents = prepare_incidents(result.incidents, _context_copy())
    return Dataset(BUNDLED_KEY, "Bundled data", incidents, result.report, public=True)


def server_incidents_path(argv: Sequence[str] | None = None) -> Path | None:
    """Return the file named by ``streamlit run app.py -- --incidents FILE``, if any.

    Parameters
    ----------
    argv : sequence of str, optional
        The script's arguments (``sys.argv[1:]``: what follows ``--``).

    Returns
    -------
    pathlib.Path or None
        The absolute path, or None when no ``--incidents`` was given.
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--incidents")
    known, _ = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    return Path(known.incidents).expanduser().absolute() if known.incidents else None


def server_dataset(path: Path) -> UploadOutcome:
    """Read a file from the server's disk through the sandbox, with a progress bar.

    Parameters
    ----------
    path : pathlib.Path
        The file given after ``--`` on the ``streamlit run`` command line.

    Returns
    -------
    UploadOutcome
        The data set, or the reader's message. Read and assigned once per
        (path, size, modification time) for all sessions (the operator chose
        the file); each session unpickles its own copy once and keeps it
        (:func:`session_memo`): a rerun does not copy the 1,000,000 rows again
        (3.7 s and 1.3 GB a copy, ``benchmarks/bench_app_open.py``).
    """
    try:
        info = path.stat()
    except OSError as exc:
        return UploadOutcome(
            None,
            tr()
            .gettext("{name} cannot be read ({reason}).")
            .format(name=path.name, reason=exc.strerror),
        )
    key = (str(path), info.st_size, info.st_mtime_ns)
    return session_memo("data.server", key, lambda: _server_outcome(key))


def _server_outcome(key: tuple[str, int, int]) -> UploadOutcome:
    try:
        return _read_server_file(*key)
    except RiskMapError as exc:
        return UploadOutcome(None, str(exc))


#: Where the progress bar stands at each stage of the sandboxed read (then the assignment).
_STAGE_SHARE = {"starting": 0.02, "reading": 0.1, "sending": 0.6, "checking": 0.7}


@st.cache_data(show_spinner=False, max_entries=1)
def _read_server_file(path: str, size: int, mtime_ns: int) -> UploadOutcome:
    # One cached step (not a read then a prepare): the cache holds one copy of the rows.
    # The bar is made here so that Streamlit can replay it on a hit; its updates reach
    # the browser during the read, and a stop or rerun raises in them, which kills the
    # reader and removes its folder (geo.io.ingest): nothing is left half-written.
    name, start = Path(path).name, time.monotonic()
    bar = st.progress(0.0)

    def progress(stage: str) -> None:
        bar.progress(
            _STAGE_SHARE[stage],
            text=f"{name} ({size / 2**20:.1f} MiB): {STAGES[stage]} "
            f"({time.monotonic() - start:.0f} s)",
        )

    try:
        result = ingest_file(Path(path), progress=progress)
        bar.progress(0.8, text=f"{name}: assigning the incidents to regions and cercles")
        incidents = prepare_incidents(result.incidents, _context_copy())
    finally:
        bar.empty()
    key = f"server:{hashlib.sha256(f'{path}:{size}:{mtime_ns}'.encode()).hexdigest()}"
    dataset = Dataset(key, Path(path).name, incidents, result.report, public=True)
    return UploadOutcome(dataset, None)


def uploaded_dataset(data: bytes, *, name: str) -> UploadOutcome:
    """Read an uploaded file for this session only.

    Parameters
    ----------
    data : bytes
        The file's content (never written under a name the user chose).
    name : str
        The browser's file name, for display and the report only.

    Returns
    -------
    UploadOutcome
        The data set, or the reader's message when the file cannot be used
        (:class:`geo.errors.InputFileError` and its siblings). The outcome is
        cached per session, so a rejected file is not parsed again on every rerun.

    Notes
    -----
    The bytes are parsed by :func:`geo.io.ingest.ingest_upload`: size and archive
    limits first, then GDAL in a child process with memory, CPU and time
    limits and no network, so a hostile file cannot take the app down. Any
    other exception is a bug: it is logged with its traceback for the
    operator and the user gets a generic message.
    """
    digest = hashlib.sha256(data).hexdigest()
    return _read_upload(digest, data, name)


@st.cache_data(show_spinner="Reading your file...", scope="session", max_entries=3)
def _read_upload(digest: str, _data: bytes, name: str) -> UploadOutcome:
    # Keyed on the digest: hashing the bytes again would cost as much as the digest.
    try:
        result = ingest_upload(_data, name=name)
        incidents = prepare_incidents(result.incidents, _context_copy())
    except RiskMapError as exc:
        return UploadOutcome(None, str(exc))
    except Exception:
        log.exception("unexpected error while reading an upload (%d bytes)", len(_data))
        return UploadOutcome(
            None,
            gettext_noop(  # translated where shown (app.py)
                "The file could not be read because of an internal error. It has been "
                "logged for the operator; try another export of the data."
            ),
        )
    return UploadOutcome(Dataset(f"upload:{digest}", name, incidents, result.report), None)


def chosen_dataset(source: str, upload: object | None) -> tuple[Dataset | None, str | None]:
    """Return the data set the user chose, or why there is none yet.

    Parameters
    ----------
    source : str
        ``bundled`` or ``upload`` (the data-source switch). With
        ``streamlit run app.py -- --incidents FILE`` the first choice is that
        file (:func:`server_dataset`) instead of the bundled data.
    upload : UploadedFile or None
        What the uploader holds.

    Returns
    -------
    (Dataset or None, str or None)
        The data set and None; or None and ``"waiting"`` (no file yet) or the
        reader's message (the file cannot be used).
    """
    if source != "upload":
        server = server_incidents_path()
        if server is not None:
            outcome = server_dataset(server)
            return outcome.dataset, outcome.error
        return bundled_dataset(), None
    if upload is None:
        return None, "waiting"
    outcome = session_memo(
        "data.upload_outcome",
        (upload.file_id, upload.size, upload.name),
        lambda: uploaded_dataset(upload.getvalue(), name=upload.name),
    )
    return outcome.dataset, outcome.error


def uploaded_report(upload: object) -> object:
    """Return the validation report of an upload that was read (cached, no second read).

    Parameters
    ----------
    upload : UploadedFile
        What the uploader holds.

    Returns
    -------
    geo.validate.ValidationReport
    """
    dataset, _ = chosen_dataset("upload", upload)
    return dataset.report


def analyse(dataset: Dataset, filters: Filters, params: Params) -> Analysis:
    """Return the analysis of (data set, filters, params), each part computed when a view reads it.

    Parameters
    ----------
    dataset : Dataset
        The data on screen.
    filters : geo.pipeline.Filters
        Window and event filters.
    params : geo.pipeline.Params
        Analysis parameters.

    Returns
    -------
    geo.pipeline.Analysis
        A :func:`geo.pipeline.lazy_analysis`: the open view computes only what
        it reads (the Hotspots view never scores routes or sites). Each part is
        cached per (data set, the filters and parameters it reads,
        :data:`geo.pipeline.PARTS`), so a change of a route parameter reuses
        the KDE; parts of public data (:attr:`Dataset.public`: the bundled data,
        the server's file) are computed once for all sessions, parts of an
        upload or of the merged log are kept in this session only.
    """
    cached = _part_public if dataset.public else _part_private
    ctx = context()

    def memo(key: Hashable, compute: Callable[[], dict]) -> dict:
        return cached(dataset.key, key, compute)

    return session_memo(
        "analysis.last",
        (dataset.key, filters, params),
        lambda: lazy_analysis(
            dataset.incidents, dataset.report, filters, params, context=ctx, memo=memo
        ),
    )


def session_memo(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """Keep this session's last result under ``name`` and reuse it while ``key`` is unchanged.

    ``st.cache_data`` hands out a fresh copy on every hit (an unpickle of the
    whole result: 0.1-0.2 s for 20,000 incidents). A rerun that changed nothing
    (a click on the map, another tab) reuses this session's own object
    instead. Only this session holds it, and the page only reads it. The memos
    live in this session's slot of a session-scoped cache (:func:`_session_slots`),
    which Streamlit clears when the session disconnects: a session that left
    keeps no data (``st.session_state`` would keep it for a possible reconnect).

    Parameters
    ----------
    name : str
        Session-state key of the memo.
    key : hashable
        Identity of the inputs.
    compute : callable
        Gives the result when ``key`` changed (usually a ``st.cache_data`` call).

    Returns
    -------
    object
        The result for ``key``.
    """
    slots = _session_slots()
    hit = slots.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = compute()
    slots[name] = (key, value)
    return value


def _release_slots(slots: dict[str, tuple[Hashable, object]]) -> None:
    """Drop a session's memos as it disconnects, and hand the freed pages back to the OS.

    glibc keeps freed memory in its heaps: without ``malloc_trim`` a server that
    served ten 100,000-incident sessions stays at twice its baseline resident
    memory after they leave, although nothing is alive
    (``benchmarks/load_sessions.py``). Elsewhere than glibc, the memos are only dropped.
    """
    slots.clear()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


@st.cache_resource(show_spinner=False, scope="session", max_entries=1, on_release=_release_slots)
def _session_slots() -> dict[str, tuple[Hashable, object]]:
    # One dict per session, never shared: scope="session" gives each session its own,
    # released by Streamlit when the session disconnects (AppSession.clear_session_caches).
    return {}


@st.cache_data(show_spinner=False, max_entries=64)
def _part_public(data_key: str, part_key: Hashable, _compute: Callable) -> dict:
    return _compute()


@st.cache_data(show_spinner=False, scope="session", max_entries=32)
def _part_private(data_key: str, part_key: Hashable, _compute: Callable) -> dict:
    return _compute()


def data_bounds(dataset: Dataset) -> DataBounds | None:
    """Return what the controls may offer for this data set, or None when it has no event.

    Parameters
    ----------
    dataset : Dataset
        The data on screen.

    Returns
    -------
    DataBounds or None
        Oldest and newest event dates, the sources present, and the
        :data:`MAX_ACTOR_OPTIONS` most frequent actor names.
    """
    if dataset.public:
        return _bounds_public(dataset.key, dataset.incidents)
    return _bounds_private(dataset.key, dataset.incidents)


def _bounds(incidents: gpd.GeoDataFrame) -> DataBounds | None:
    dates = incidents["event_date"].dropna()
    if dates.empty:
        return None
    actors = (
        pd.concat([incidents["actor1"], incidents["actor2"]], ignore_index=True)
        .dropna()
        .astype(str)
        .str.strip()
    )
    top = actors[actors != ""].value_counts().head(MAX_ACTOR_OPTIONS)
    return DataBounds(
        oldest=dates.min().date(),
        newest=dates.max().date(),
        sources=tuple(sorted(incidents["source"].dropna().astype(str).unique())),
        actors=tuple(top.index),
    )


@st.cache_data(show_spinner=False, max_entries=2)  # the bundled data and the server's file
def _bounds_public(key: str, _incidents: gpd.GeoDataFrame) -> DataBounds | None:
    return _bounds(_incidents)


@st.cache_data(show_spinner=False, scope="session", max_entries=3)
def _bounds_private(key: str, _incidents: gpd.GeoDataFrame) -> DataBounds | None:
    return _bounds(_incidents)
