"""Containers of user files: size limits, zip archives, GeoPackage and shapefile checks.

Every limit on what a user's file may hold is one field of :class:`IngestLimits`;
the same checks run before the sandboxed parse (:func:`precheck`, from the bytes
alone) and inside it (:func:`check_zip`, :func:`extract_member`,
:func:`gpkg_feature_tables`), whatever the file is read as: incidents,
boundaries, routes or sites. Zip archives are checked from the central
directory (members, sizes, ratio, names, symlinks, nesting) and extracted with
a streaming byte cap, because headers can lie. See SECURITY.md 1.4-1.6.
"""

from __future__ import annotations

import codecs
import io
import re
import sqlite3
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from geo.errors import InputFileError, ParameterError

__all__ = [
    "DEFAULT_LIMITS",
    "LOCAL_FILE_LIMITS",
    "UNZIP_ERRORS",
    "IngestLimits",
    "check_prj",
    "check_zip",
    "choose_shapefile",
    "dbf_encoding",
    "display_name",
    "extract_member",
    "gdal_message",
    "gpkg_feature_tables",
    "open_zip",
    "precheck",
    "read_file_bytes",
    "sniff",
    "unpack_shapefile",
    "zip_directory_size",
]


@dataclass(frozen=True)
class IngestLimits:
    """Resource limits of one ingestion, the same before and inside the sandboxed worker.

    The defaults (:data:`DEFAULT_LIMITS`) are for a browser upload; a file on
    the server's own disk gets :data:`LOCAL_FILE_LIMITS`, sized and measured
    for 1,000,000 incidents (figures beside it). Whatever a file is read as
    (incidents, boundaries, routes, sites), one instance decides its verdict.

    Attributes
    ----------
    max_bytes : int
        Largest upload (plain file or zip archive), in bytes (50 MiB).
    max_zip_members : int
        Most members a zip archive may list (200).
    max_unzipped_bytes : int
        Largest total unpacked size of a zip archive, in bytes (300 MiB).
    max_zip_ratio : float
        Largest compression ratio of the archive and of any member above 1 MiB (100).
    memory_bytes : int
        Address space of the parsing process (``RLIMIT_AS``), in bytes (2 GiB).
    cpu_s : int
        CPU time of the parsing process (``RLIMIT_CPU``), in seconds (60).
    wall_s : float
        Wall-clock time allowed for one parse, process start included, in
        seconds (90); also the longest wait for a free parsing slot.
    file_bytes : int
        Largest file the parsing process may write (``RLIMIT_FSIZE``), in
        bytes (512 MiB: an unpacked shapefile, or the result).
    isolate_network : bool
        Run the parser in a network namespace of its own (``unshare --net``)
        when the system allows it (True).
    """

    max_bytes: int = 50 * 2**20
    max_zip_members: int = 200
    max_unzipped_bytes: int = 300 * 2**20
    max_zip_ratio: float = 100
    memory_bytes: int = 2 * 2**30
    cpu_s: int = 60
    wall_s: float = 90.0
    file_bytes: int = 512 * 2**20
    isolate_network: bool = True

    def __post_init__(self) -> None:
        bad = [
            f"{name}={value!r}"
            for name, value in asdict(self).items()
            if name != "isolate_network" and not (isinstance(value, int | float) and value > 0)
        ]
        if bad:
            raise ParameterError(
                f"IngestLimits: {', '.join(bad)}; every limit must be a positive number."
            )


#: The limits used when none are given.
DEFAULT_LIMITS = IngestLimits()
#: The limits for a file on the server's own disk (``--incidents FILE`` in the CLI and
#: ``streamlit run app.py -- --incidents FILE``), sized for 1,000,000 incidents. Measured
#: with ``python -m benchmarks.bench_ingest 100000 1000000`` (SYNTHETIC rows, 2 shared
#: cores, 2026-12-04, load average 13-17): a 10 MiB Parquet file of 1,000,000 rows takes
#: 51-61 s wall, the worker peaks at 2.0 GiB RSS and its Arrow result file is about
#: 0.1 GiB; so 8 GiB of address space, 600 s of CPU, 900 s of wall time and 4 GiB of
#: written file leave 4x headroom or more on a loaded machine, and 1 GiB of input holds a
#: 1,000,000-row CSV.
LOCAL_FILE_LIMITS = IngestLimits(
    max_bytes=1 * 2**30,
    max_unzipped_bytes=2 * 2**30,
    memory_bytes=8 * 2**30,
    cpu_s=600,
    wall_s=900.0,
    file_bytes=4 * 2**30,
)


def precheck(raw: bytes, *, file: str, limits: IngestLimits = DEFAULT_LIMITS) -> None:
    """Refuse, without parsing, an upload that is too large or an unsafe zip archive.

    Parameters
    ----------
    raw : bytes
        The upload.
    file : str
        Display name for messages.
    limits : IngestLimits
        Size and archive limits.

    Raises
    ------
    InputFileError
        Too large; a zip whose end record is missing, lists too many members,
        would unpack too large or too far, or breaks :func:`check_zip`'s member
        policy (``..``, absolute paths, symlinks, nesting, encryption).

    Notes
    -----
    The zip's end-of-central-directory record is read first with :mod:`struct`,
    so an archive declaring a million members is refused before
    :class:`zipfile.ZipFile` builds a million objects.
    """
    if len(raw) > limits.max_bytes:
        raise InputFileError(
            f"{file} is {len(raw) / 2**20:.1f} MiB; files up to "
            f"{limits.max_bytes / 2**20:.0f} MiB are accepted. Filter the export to a smaller "
            "area or period."
        )
    if raw[:4] not in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return
    entries, directory_bytes = zip_directory_size(raw, file)
    if entries > limits.max_zip_members or directory_bytes > limits.max_zip_members * 1024:
        raise InputFileError(
            f"{file} lists {entries} members in a {directory_bytes:,}-byte directory; at most "
            f"{limits.max_zip_members} members are accepted."
        )
    with open_zip(raw, file) as zf:
        check_zip(zf, file, limits=limits)


def zip_directory_size(raw: bytes, file: str) -> tuple[int, int]:
    """Return (entries, central directory bytes) from the end record, zip64 included."""
    tail_start = max(0, len(raw) - (22 + 0xFFFF))
    at = raw.rfind(b"PK\x05\x06", tail_start)
    if at < 0 or len(raw) - at < 22:
        raise InputFileError(
            f"{file} is an empty or corrupt zip archive (no central directory); "
            "download or zip it again."
        )
    _sig, _disk, _cd_disk, _n_here, entries, size, _offset, _comment = struct.unpack(
        "<4s4H2LH", raw[at : at + 22]
    )
    locator = at - 20
    if (entries == 0xFFFF or size == 0xFFFFFFFF) and raw[locator : locator + 4] == b"PK\x06\x07":
        (record_at,) = struct.unpack("<Q", raw[locator + 8 : locator + 16])
        record = raw[record_at : record_at + 56]
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            entries, size = struct.unpack("<QQ", record[32:48])
    return int(entries), int(size)


def open_zip(raw: bytes, file: str) -> zipfile.ZipFile:
    """Open a zip archive held in memory, or refuse it as empty or corrupt.

    Parameters
    ----------
    raw : bytes
        The archive.
    file : str
        Display name for messages.

    Returns
    -------
    zipfile.ZipFile
        The open archive (use it as a context manager).

    Raises
    ------
    InputFileError
        If the archive has no readable central directory.
    """
    try:
        return zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise InputFileError(
            f"{file} is an empty or corrupt zip archive (no central directory); "
            "download or zip it again."
        ) from None


_GPKG_APPLICATION_IDS = {0x47504B47, 0x47503130, 0x47503131}  # 'GPKG', 'GP10', 'GP11'


_WKT_STARTS = ("PROJCS", "GEOGCS", "GEOCCS", "PROJCRS", "GEOGCRS", "GEODCRS", "COMPD_CS")


def read_file_bytes(
    path: Path, *, name: str | None = None, limits: IngestLimits = DEFAULT_LIMITS
) -> bytes:
    """Read a regular file from the local disk, refusing devices, pipes and big files.

    Parameters
    ----------
    path : pathlib.Path
        A file on the user's own machine.
    name : str, optional
        Name for messages (``path.name`` by default).
    limits : IngestLimits
        ``limits.max_bytes`` is the largest size accepted, in bytes.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    InputFileError
        If the file does not exist, is not a regular file, cannot be read or
        is larger than ``limits.max_bytes``.
    """
    max_bytes = limits.max_bytes
    label = name or display_name(path.name)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputFileError(f"{label}: no such file; check the path.") from None
    except OSError as exc:
        raise InputFileError(f"{label} cannot be read ({exc.strerror}).") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(f"{label} is not a regular file; give the path of a data file.")
    if st.st_size > max_bytes:
        raise InputFileError(
            f"{label} is {st.st_size / 2**20:.1f} MiB; files up to "
            f"{max_bytes / 2**20:.0f} MiB are accepted."
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(f"{label} cannot be read ({exc.strerror}).") from None
    if len(raw) > max_bytes:
        raise InputFileError(f"{label} grew past {max_bytes / 2**20:.0f} MiB while being read.")
    return raw


def display_name(name: object) -> str:
    """Return the last path component, without control or bidi characters, at most 120 chars.

    Parameters
    ----------
    name : object
        A client's file name (never used as a path).

    Returns
    -------
    str
        The name to show in messages and in ``source_file``.
    """
    text = unicodedata.normalize("NFC", str(name))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.strip() or "upload"
    return text if len(text) <= 120 else text[:117] + "..."


def sniff(raw: bytes, file: str) -> str:
    """Say what a file is from its content alone (zip, gpkg, parquet, geojson or csv).

    Markup (XML, GDAL VRT), a bare ``.shp`` and other binary content are refused
    whatever the file is called.

    Parameters
    ----------
    raw : bytes
        The file's content.
    file : str
        Display name for messages.

    Returns
    -------
    str
        The container kind.

    Raises
    ------
    InputFileError
        If the file is empty, markup, a bare shapefile or unknown binary data.
    """
    if not raw:
        raise InputFileError(f"{file} is empty (0 bytes); export the data again.")
    if raw[:4] == b"PAR1" and raw[-4:] == b"PAR1":
        return "parquet"  # read by pyarrow, never by GDAL
    _refuse_markup(raw, file)
    if raw[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if raw.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if raw[:4] == b"\x00\x00\x27\x0a":
        raise InputFileError(
            f"{file} is a bare shapefile (.shp); zip it together with its .shx, .dbf and "
            ".prj files and read the zip."
        )
    head = raw[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if b"\x00" in head:
        raise InputFileError(
            f"{file} is binary data of an unknown kind; accepted: CSV, GeoJSON, GeoPackage, "
            "(Geo)Parquet, zipped shapefile."
        )
    stripped = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if stripped[:1] in (b"{", b"["):
        return "geojson"
    return "csv"


def _refuse_markup(raw: bytes, file: str) -> None:
    text: bytes | str = raw
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16", errors="replace")
    lead = text[:64].lstrip() if isinstance(text, str) else text[:64]
    if isinstance(lead, bytes):
        lead = lead.removeprefix(codecs.BOM_UTF8).lstrip()
    markers = ("<ogrvrtdatasource", "<vrtdataset")
    lowered = text.lower() if isinstance(text, str) else text.lower().decode("latin-1")
    if lead[:1] in ("<", b"<") or any(m in lowered for m in markers):
        raise InputFileError(
            f"{file} looks like XML or a GDAL VRT, which is refused whatever its name "
            "(VRT files can make GDAL read other files or the network); give the data "
            "itself as CSV, GeoJSON, GeoPackage or a zipped shapefile."
        )


def gpkg_feature_tables(path: Path, file: str) -> set[str]:
    """Check the GeoPackage header and contents with SQLite, read-only, before GDAL.

    Parameters
    ----------
    path : pathlib.Path
        A private temporary copy of the file (never the user's name).
    file : str
        Display name for messages.

    Returns
    -------
    set of str
        Names of the feature tables listed in ``gpkg_contents``.

    Raises
    ------
    InputFileError
        If the file is not a GeoPackage, is unreadable, has SQL views as
        layers, or has no feature layer.
    """
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise InputFileError(
            f"{file} is not a readable GeoPackage ({gdal_message(exc)})."
        ) from None
    con.text_factory = lambda b: b.decode("utf-8", errors="replace")
    try:
        (app_id,) = con.execute("PRAGMA application_id").fetchone()
        if app_id not in _GPKG_APPLICATION_IDS:
            raise InputFileError(
                f"{file} is an SQLite database but not a GeoPackage; export a GeoPackage."
            )
        rows = con.execute(
            "SELECT c.table_name, m.type FROM gpkg_contents c "
            "LEFT JOIN sqlite_master m ON m.name = c.table_name "
            "WHERE c.data_type = 'features'"
        ).fetchall()
    except (sqlite3.Error, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(
            f"{file} is not a readable GeoPackage ({gdal_message(exc)})."
        ) from None
    finally:
        con.close()
    views = [n for n, t in rows if t != "table"]
    if views:
        raise InputFileError(
            f"{file}: layer(s) {', '.join(map(repr, views))} are SQL views, which are refused; "
            "export the data as plain tables."
        )
    if not rows:
        raise InputFileError(f"{file} is a GeoPackage with no feature layer.")
    return {str(n) for n, _ in rows}


def check_zip(zf: zipfile.ZipFile, file: str, *, limits: IngestLimits) -> list[zipfile.ZipInfo]:
    """Refuse unsafe archives from the central directory alone; return the data members.

    Parameters
    ----------
    zf : zipfile.ZipFile
        The open archive.
    file : str
        Display name for messages.
    limits : IngestLimits
        Member count, unpacked size and compression ratio allowed.

    Returns
    -------
    list of zipfile.ZipInfo
        The members that hold data (folders, ``__MACOSX`` and ``._`` files left out).

    Raises
    ------
    InputFileError
        Too many members, too large or too compressed, or a member that climbs
        out (``..``), is absolute, a symlink, encrypted, nested too deeply or an
        archive itself.
    """
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        raise InputFileError(
            f"{file} lists {len(infos)} members; at most {limits.max_zip_members} are accepted."
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > limits.max_unzipped_bytes:
        raise InputFileError(
            f"{file} would unpack to {total / 2**20:.0f} MiB; at most "
            f"{limits.max_unzipped_bytes / 2**20:.0f} MiB are accepted."
        )
    if total > limits.max_zip_ratio * max(packed, 1) and total > 2**20:
        raise InputFileError(
            f"{file} unpacks {total / max(packed, 1):.0f} times its size (a zip bomb?); "
            f"at most {limits.max_zip_ratio:g}:1 is accepted."
        )
    keep: list[zipfile.ZipInfo] = []
    for info in infos:
        name = info.filename
        parts = re.split(r"[\\/]", name)
        reason = None
        if not name.strip("/\\"):
            reason = "has no name"
        elif ".." in parts:
            reason = "climbs out of the archive ('..')"
        elif name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            reason = "is an absolute path"
        elif stat.S_ISLNK(info.external_attr >> 16):
            reason = "is a symbolic link"
        elif info.flag_bits & 0x1:
            reason = "is encrypted"
        elif len(parts) > 10 or len(name) > 400:
            reason = "is nested too deeply"
        elif name.lower().endswith((".zip", ".7z", ".rar", ".tar", ".gz", ".tgz")):
            reason = "is an archive inside the archive (nested archives are refused)"
        elif info.file_size > 2**20 and info.file_size > limits.max_zip_ratio * max(
            info.compress_size, 1
        ):
            reason = f"unpacks more than {limits.max_zip_ratio:g} times its size (a zip bomb?)"
        if reason:
            raise InputFileError(f"{file}: member {name[:120]!r} {reason}; the archive is refused.")
        if name.endswith(("/", "\\")) or parts[0] == "__MACOSX" or parts[-1].startswith("._"):
            continue
        keep.append(info)
    return keep


#: Exceptions :mod:`zipfile` raises while unpacking a hostile member.
UNZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    zlib.error,
)


def extract_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, *, limits: IngestLimits
) -> bytes:
    """Read one member with a streaming cap: the header's size may lie.

    Parameters
    ----------
    zf : zipfile.ZipFile
        The open archive (checked by :func:`check_zip`).
    info : zipfile.ZipInfo
        The member.
    file : str
        Display name for messages.
    limits : IngestLimits
        ``max_unzipped_bytes`` caps the bytes read.

    Returns
    -------
    bytes
        The member's content.

    Raises
    ------
    InputFileError
        If the member unpacks to more than its header says or cannot be unpacked.
    """
    cap = min(info.file_size, limits.max_unzipped_bytes)
    out = bytearray()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 20):
                out += chunk
                if len(out) > cap:
                    raise InputFileError(
                        f"{file}: member {info.filename[:120]!r} unpacks to more than its "
                        "header says; the archive is refused."
                    )
    except UNZIP_ERRORS as exc:
        raise InputFileError(
            f"{file}: member {info.filename[:120]!r} cannot be unpacked ({gdal_message(exc)})."
        ) from None
    return bytes(out)


def choose_shapefile(
    shps: list[zipfile.ZipInfo], file: str, *, layer: str | None
) -> zipfile.ZipInfo:
    """Pick the shapefile to read: the one named ``layer`` (its stem), or the only one.

    Parameters
    ----------
    shps : list of zipfile.ZipInfo
        The archive's ``.shp`` members.
    file : str
        Display name for messages.
    layer : str, optional
        Stem of the shapefile wanted.

    Returns
    -------
    zipfile.ZipInfo
        The chosen ``.shp`` member.

    Raises
    ------
    InputFileError
        If ``layer`` names no shapefile, or several are present and none is named.
    """
    if layer is not None:
        hit = [i for i in shps if PurePosixPath(i.filename).stem == layer]
        if len(hit) != 1:
            names = ", ".join(repr(PurePosixPath(i.filename).stem) for i in shps)
            raise InputFileError(f"{file} has no shapefile {layer!r}; its shapefiles: {names}.")
        return hit[0]
    if len(shps) > 1:
        names = ", ".join(repr(i.filename) for i in shps)
        raise InputFileError(
            f"{file} holds {len(shps)} shapefiles: {names}; choose one (--layer STEM in the CLI)."
        )
    return shps[0]


def check_prj(content: bytes, file: str, member: str) -> None:
    """Refuse a ``.prj`` sidecar that is not a WKT coordinate system (or over 64 KiB).

    Parameters
    ----------
    content : bytes
        The sidecar's content.
    file, member : str
        Display names of the archive and of the member.

    Raises
    ------
    InputFileError
        If the content is not WKT.
    """
    text = content.decode("latin-1").strip()
    if len(content) > 65536 or not text.upper().startswith(_WKT_STARTS):
        raise InputFileError(
            f"{file}: {member[:120]!r} is not a WKT coordinate system; export the shapefile again."
        )


def dbf_encoding(dbf: bytes) -> tuple[str | None, str]:
    """Pick the DBF text encoding when no .cpg says it (SECURITY.md E04/E05).

    Parameters
    ----------
    dbf : bytes
        The ``.dbf`` sidecar.

    Returns
    -------
    tuple of (str or None, str)
        The encoding to pass to GDAL (None: GDAL decides) and a note ("" if none).
    """
    ldid = dbf[29] if len(dbf) > 29 else 0
    if ldid != 0:
        return None, ""
    body = dbf[32:]
    if all(b < 0x80 for b in body):
        return None, ""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252", "no .cpg: attribute text is not UTF-8, read as cp1252 (Latin-1)"
    return "UTF-8", "no .cpg: attribute text is valid UTF-8, read as UTF-8"


def gdal_message(exc: Exception) -> str:
    """Return a library's message on one line, without our temp paths (not for the UI).

    Parameters
    ----------
    exc : Exception
        The library's exception.

    Returns
    -------
    str
        At most 160 characters.
    """
    msg = re.sub(r"\S*riskmap-read-\S*", "<file>", str(exc))
    return " ".join(msg.split())[:160]  # one line: messages are shown as one line


def unpack_shapefile(
    zf: zipfile.ZipFile,
    shp: zipfile.ZipInfo,
    members: list[zipfile.ZipInfo],
    file: str,
    folder: Path,
    *,
    limits: IngestLimits,
) -> tuple[Path, str | None, list[str]]:
    """Extract one zipped shapefile's parts under generated names into a private folder.

    Parameters
    ----------
    zf : zipfile.ZipFile
        The open archive (checked by :func:`check_zip`).
    shp : zipfile.ZipInfo
        The ``.shp`` member (:func:`choose_shapefile`).
    members : list of zipfile.ZipInfo
        The archive's data members.
    file : str
        Display name for messages.
    folder : pathlib.Path
        A private temporary folder; the parts become ``data.shp``, ``data.shx``...
    limits : IngestLimits
        Caps on the bytes unpacked.

    Returns
    -------
    tuple of (pathlib.Path, str or None, list of str)
        The ``.shp`` path, the DBF encoding to pass to GDAL (None: GDAL decides)
        and notes. ``data.prj`` exists only when the archive had one.

    Raises
    ------
    InputFileError
        If the ``.shx`` or ``.dbf`` part is missing, a ``.prj`` is not WKT, or
        a part cannot be unpacked within the limits.
    """
    stem = shp.filename[:-4]
    sidecars = {
        i.filename[len(stem) :].lower(): i
        for i in members
        if i.filename[: len(stem)] == stem and "/" not in i.filename[len(stem) :]
    }
    base = PurePosixPath(stem).name
    missing = [
        f"{base}{ext} ({what})"
        for ext, what in ((".shx", "the index"), (".dbf", "the attributes"))
        if ext not in sidecars
    ]
    if missing:
        raise InputFileError(
            f"{file}: shapefile {shp.filename!r} has no {' and no '.join(missing)}; "
            "add the missing file(s) to the zip."
        )
    notes: list[str] = [f"shapefile {shp.filename!r} read"]
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        if ext in sidecars:
            content = extract_member(zf, sidecars[ext], file, limits=limits)
            if ext == ".prj":
                check_prj(content, file, sidecars[ext].filename)
            (folder / f"data{ext}").write_bytes(content)
    encoding = None
    if ".cpg" not in sidecars:
        encoding, note = dbf_encoding((folder / "data.dbf").read_bytes())
        if note:
            notes.append(note)
    return folder / "data.shp", encoding, notes
