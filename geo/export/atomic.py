"""Where every file the product writes is written: names, destination checks, atomic replace.

A file is written under a random temporary name in the destination folder,
re-opened and checked, flushed to disk, and only then renamed over the
destination, so a reader never sees a half-written file and a failure leaves the
previous file untouched and no temporary file behind (SECURITY.md, X02; a killed
GPKG writer otherwise leaves a file that does not open). GDAL writers work in a
private folder (:func:`write_via_private_dir`) and never see the user's path.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from geo.errors import ExportError, ParameterError, RiskMapError

__all__ = [
    "EXPORT_KINDS",
    "EXPORT_SUFFIXES",
    "safe_export_name",
    "write_atomic",
    "write_bytes_atomic",
    "write_folder_atomic",
    "write_via_private_dir",
]

#: Kinds of export a generated file name may name (a closed set: names are
#: never built from user strings).
EXPORT_KINDS: tuple[str, ...] = (
    "brief",
    "map",
    "layers",
    "tables",
    "kde",
    "html",
    "plan",
    "plan-map",
    "incident-log",
)
#: Suffixes an export may have, with the format each one means.
EXPORT_SUFFIXES: Mapping[str, str] = {
    ".pdf": "PDF briefing",
    ".png": "PNG map",
    ".html": "offline HTML map",
    ".gpkg": "GeoPackage layers",
    ".zip": "CSV tables (zip)",
    ".tif": "KDE GeoTIFF",
    ".csv": "CSV table",
}


def safe_export_name(
    kind: str,
    suffix: str,
    *,
    when: date | tuple[date, date] | None = None,
) -> str:
    """Return a unique, safe file name for an export (never built from user text).

    Parameters
    ----------
    kind : str
        One of :data:`EXPORT_KINDS` (``brief``, ``map``, ``layers``, ``tables``,
        ``kde``, ``html``, ``plan``, ``plan-map``, ``incident-log``).
    suffix : str
        One of :data:`EXPORT_SUFFIXES` (with or without the dot, any case).
    when : date or (date, date), optional
        The analysis period (start, end) or one date; today's date (UTC) when
        omitted. Only the ISO dates go into the name.

    Returns
    -------
    str
        ``sahel-risk-<kind>_<start>_<end>_<6 hex>.<suffix>``; the 6 hex digits
        come from :func:`secrets.token_hex`, so two exports of the same period
        never share a name (Streamlit keys downloads by name; SECURITY.md 1.11).

    Raises
    ------
    ParameterError
        If ``kind`` or ``suffix`` is not in its closed set.

    Examples
    --------
    >>> name = safe_export_name("brief", "pdf", when=(date(2025, 5, 1), date(2025, 11, 20)))
    >>> name[:39], name[-4:], len(name)
    ('sahel-risk-brief_2025-05-01_2025-11-20_', '.pdf', 49)
    """
    if kind not in EXPORT_KINDS:
        raise ParameterError(f"export kind was {kind!r} but is expected to be in {EXPORT_KINDS}")
    dot = "." + str(suffix).lower().lstrip(".")
    if dot not in EXPORT_SUFFIXES:
        raise ParameterError(
            f"export suffix was {suffix!r} but is expected to be in {tuple(EXPORT_SUFFIXES)}"
        )
    if when is None:
        dates: tuple[date, ...] = (datetime.now(UTC).date(),)
    elif isinstance(when, tuple):
        dates = tuple(when)
    else:
        dates = (when,)
    parts = [_iso_date(d) for d in dates]
    return f"sahel-risk-{kind}_{'_'.join(parts)}_{secrets.token_hex(3)}{dot}"


def _iso_date(value: object) -> str:
    """ISO date of a date, datetime or Timestamp (raises on anything else)."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise ParameterError(f"expected a date, found {type(value).__name__}")


# --------------------------------------------------------------------------- atomic writes


def _check_destination(path: str | os.PathLike[str], *, suffixes: Sequence[str]) -> Path:
    """Absolute destination path after checking its suffix and folder."""
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(f"export path must be a file path, found {type(path).__name__}")
    dest = Path(os.path.abspath(os.fspath(path)))
    if dest.suffix.lower() not in suffixes:
        raise ParameterError(
            f"{dest.name}: the file suffix {dest.suffix!r} is not one this export writes; "
            f"use one of {tuple(suffixes)}."
        )
    if not dest.parent.is_dir():
        raise ExportError(
            f"{dest.parent}: the folder does not exist; create it or choose another folder."
        )
    if dest.is_dir():
        raise ExportError(f"{dest}: is a folder; give a file name ending in {dest.suffix}.")
    return dest


def _sidecars(tmp: Path) -> list[Path]:
    """Files a GDAL/SQLite writer may leave beside ``tmp``."""
    return [tmp.with_name(tmp.name + s) for s in ("-journal", "-wal", "-shm", ".aux.xml")]


def _remove_quietly(paths: Sequence[Path]) -> None:
    for p in paths:
        try:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
        except FileNotFoundError:
            pass


def _fsync_path(path: Path) -> None:
    """Flush a file (or, best effort, a folder) to disk."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:
        if path.is_dir():
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not path.is_dir():
            raise
    finally:
        os.close(fd)


def write_atomic(
    path: str | os.PathLike[str],
    write: Callable[[Path], object],
    *,
    verify: Callable[[Path], object],
    suffixes: Sequence[str] | None = None,
    what: str = "export",
) -> Path:
    """Write a file so that readers see either the old file or the complete new one.

    Parameters
    ----------
    path : str or path-like
        Destination file. Its folder must exist; its suffix names the format.
    write : callable
        ``write(tmp)`` writes the whole file at ``tmp``, a path in the same
        folder with the same suffix (so GDAL picks the right driver).
    verify : callable
        ``verify(tmp)`` re-opens the written file and raises if it is not
        complete (:class:`ExportError` with the reason).
    suffixes : sequence of str, optional
        Allowed suffixes (lower case, with dot); the suffix of ``path`` when
        omitted.
    what : str
        What is being written, for messages (``PDF briefing``).

    Returns
    -------
    Path
        The absolute destination path.

    Raises
    ------
    ExportError
        If the folder is missing, the write fails (disk full, permission) or
        the verification fails; the temporary file and its sidecars are removed
        and a previous file at ``path`` is left as it was.
    ParameterError
        If the suffix is not allowed.

    Notes
    -----
    Steps: write ``.srm-<random>.part<suffix>`` beside the destination, verify
    it, ``fsync`` it, ``os.replace`` it over the destination (atomic on one
    file system), then ``fsync`` the folder. The temporary name is random and
    never derived from user text.
    """
    dest = _check_destination(path, suffixes=suffixes or (Path(os.fspath(path)).suffix.lower(),))
    tmp = dest.with_name(f".srm-{secrets.token_hex(6)}.part{dest.suffix.lower()}")
    try:
        write(tmp)
        if not tmp.exists():
            raise ExportError(f"{what}: the writer produced no file for {dest.name}.")
        verify(tmp)
        _fsync_path(tmp)
        os.replace(tmp, dest)
    except RiskMapError:
        _remove_quietly([tmp, *_sidecars(tmp)])
        raise
    except OSError as exc:
        _remove_quietly([tmp, *_sidecars(tmp)])
        reason = exc.strerror or str(exc)
        raise ExportError(
            f"{what}: could not write {dest.name} in {dest.parent}: {reason}; nothing was "
            "written and any previous file is unchanged."
        ) from exc
    except BaseException:
        _remove_quietly([tmp, *_sidecars(tmp)])
        raise
    _remove_quietly(_sidecars(tmp))
    _fsync_path(dest.parent)
    return dest


def bytes_writer(data: bytes) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        with open(tmp, "xb") as fh:
            fh.write(data)

    return write


def verify_bytes(data: bytes, *, what: str) -> Callable[[Path], None]:
    def verify(tmp: Path) -> None:
        if tmp.read_bytes() != data:
            raise ExportError(f"{what} check: {tmp.name} does not read back as written.")

    return verify


def write_via_private_dir(
    path: str | os.PathLike[str],
    write: Callable[[Path], object],
    *,
    verify: Callable[[Path], object],
    suffixes: Sequence[str],
    what: str,
) -> Path:
    """Let GDAL write and re-open a file in a private folder, then copy it atomically.

    GDAL only ever sees a path we made (``<private tmp>/export<suffix>``), never
    the user's destination; the copy into the destination is checked byte for
    byte by :func:`write_atomic`.
    """
    dest_suffix = (
        Path(os.fspath(path)).suffix.lower() if isinstance(path, (str, os.PathLike)) else ""
    )
    _check_destination(path, suffixes=suffixes)
    try:
        with tempfile.TemporaryDirectory(prefix="srm-export-") as folder:
            work = Path(folder) / f"export{dest_suffix}"
            write(work)
            verify(work)
            data = work.read_bytes()
    except OSError as exc:
        raise ExportError(
            f"{what}: could not be written: {exc.strerror or exc}; nothing was written."
        ) from exc
    return write_atomic(
        path,
        bytes_writer(data),
        verify=verify_bytes(data, what=what),
        suffixes=suffixes,
        what=what,
    )


def write_bytes_atomic(
    data: bytes,
    path: str | os.PathLike[str],
    *,
    suffixes: Sequence[str] | None = None,
    what: str = "file",
) -> Path:
    """Write ``data`` to ``path`` atomically, checked byte for byte (:func:`write_atomic`).

    Parameters
    ----------
    data : bytes
        The file content.
    path : str or path-like
        Destination; its folder must exist. Only Python's file functions see it.
    suffixes : sequence of str, optional
        Allowed suffixes (lower case, with dot); the suffix of ``path`` when omitted.
    what : str
        What is being written, for messages.

    Returns
    -------
    Path
        The absolute destination path.

    Raises
    ------
    ExportError
        If the folder does not exist or the file cannot be written; no partial
        file is left behind.
    """
    return write_atomic(
        path, bytes_writer(data), verify=verify_bytes(data, what=what), suffixes=suffixes, what=what
    )


def write_folder_atomic(folder: Path, files: Mapping[str, bytes], *, what: str) -> Path:
    """Write several files into a folder: each replaced atomically, or a new folder renamed in.

    Parameters
    ----------
    folder : Path
        An existing folder (each file is replaced atomically) or a new one (built
        beside its destination under a random name, then renamed into place).
    files : mapping of str to bytes
        File name (no folder part) -> content.
    what : str
        What is being written, for messages.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    ExportError
        If the parent folder is missing or writing fails (nothing is left behind).
    """
    if folder.is_dir():
        for name, data in files.items():
            write_bytes_atomic(data, folder / name, what=what)
        return folder
    if not folder.parent.is_dir():
        raise ExportError(
            f"{folder.parent}: the folder does not exist; create it or choose another folder."
        )
    tmp = folder.with_name(f".srm-{secrets.token_hex(6)}.part")
    try:
        tmp.mkdir()
        for name, data in files.items():
            (tmp / name).write_bytes(data)
            verify_bytes(data, what=what)(tmp / name)
            _fsync_path(tmp / name)
        os.rename(tmp, folder)
    except RiskMapError:
        _remove_quietly([tmp])
        raise
    except OSError as exc:
        _remove_quietly([tmp])
        raise ExportError(
            f"{what}: could not write {folder.name} in {folder.parent}: "
            f"{exc.strerror or exc}; nothing was written."
        ) from exc
    _fsync_path(folder.parent)
    return folder
