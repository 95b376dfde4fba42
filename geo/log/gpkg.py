"""The incident log as one GeoPackage file (SQLite), which QGIS opens as it is.

Layout (GeoPackage 1.3): ``incident_revisions`` is a point feature table in
EPSG:4326 holding every revision ever written, and ``incidents_current`` a
feature view of the latest revision of each incident that is not a deletion;
both are registered in ``gpkg_contents`` and ``gpkg_geometry_columns``, so QGIS
(or ``ogrinfo``) lists them as layers. Triggers refuse any UPDATE or DELETE of a
revision, in QGIS too: a correction is a new row. ``schema_version`` records the
migrations applied (:data:`MIGRATIONS`).

Concurrency: the file is in WAL mode, every write is one ``BEGIN IMMEDIATE``
transaction (one writer at a time, readers never blocked), SQLite's busy
timeout waits for the lock and :class:`geo.log.store.LogStore` retries with
backoff beyond it; ``synchronous=FULL`` makes a committed revision survive a
power cut. WAL needs the file on a local disk, not a network share: a team
sharing a log across machines uses PostgreSQL (:mod:`geo.log.postgis`).
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geo.errors import InputFileError
from geo.log.records import utc_now
from geo.log.store import CURRENT_VIEW_SQL, LogStore, columns_at

__all__ = ["GPKG_APPLICATION_ID", "MIGRATIONS", "GeoPackageLog", "point_blob"]

#: ``PRAGMA application_id`` of a GeoPackage ("GPKG").
GPKG_APPLICATION_ID = 0x47504B47
_GPKG_USER_VERSION = 10300
_BUSY_TIMEOUT_S = 10.0

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

_V1_RECORD_COLUMNS = """
    event_date DATE NOT NULL,
    date_precision TEXT NOT NULL CHECK (date_precision IN ('day', 'week', 'month')),
    category TEXT NOT NULL,
    event_type TEXT NOT NULL,
    sub_event_type TEXT NOT NULL DEFAULT '',
    actor1 TEXT NOT NULL DEFAULT '',
    actor2 TEXT NOT NULL DEFAULT '',
    fatalities INTEGER NOT NULL CHECK (fatalities >= 0),
    location TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    admin1 TEXT NOT NULL DEFAULT '',
    admin2 TEXT NOT NULL DEFAULT '',
    geo_precision INTEGER NOT NULL CHECK (geo_precision IN (1, 2, 3)),
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    source_url TEXT NOT NULL DEFAULT '',
    report_source TEXT NOT NULL DEFAULT '',
    report_ref TEXT NOT NULL DEFAULT '',
    reliability TEXT NOT NULL CHECK (reliability IN ('A', 'B', 'C', 'D', 'E', 'F')),
    credibility INTEGER NOT NULL CHECK (credibility BETWEEN 1 AND 6),
    original_text TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT ''
"""


def _v1(conn: sqlite3.Connection) -> None:
    """Version 1: the GeoPackage tables, the revisions table, its guards and the current view."""
    conn.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {_GPKG_USER_VERSION}")
    # One statement at a time: executescript() would commit the migration's transaction.
    for statement in (
        """
        CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
            srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
            organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
            description TEXT)""",
        """
        CREATE TABLE IF NOT EXISTS gpkg_contents (
            table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
            identifier TEXT UNIQUE, description TEXT DEFAULT '',
            last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
            srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id)
            REFERENCES gpkg_spatial_ref_sys(srs_id))""",
        """
        CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
            table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
            z TINYINT NOT NULL, m TINYINT NOT NULL,
            CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
            CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
            CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))
        """,
    ):
        conn.execute(statement)
    conn.executemany(
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
            ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT, "longitude/latitude WGS 84"),
        ],
    )
    conn.execute(
        f"""
        CREATE TABLE incident_revisions (
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            geom POINT NOT NULL,
            incident_id INTEGER NOT NULL,
            revision INTEGER NOT NULL CHECK (revision >= 1),
            action TEXT NOT NULL CHECK (action IN ('add', 'import', 'edit', 'delete')),
            author TEXT NOT NULL CHECK (author <> ''),
            entered_at DATETIME NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            {_V1_RECORD_COLUMNS},
            UNIQUE (incident_id, revision))
        """
    )
    for verb in ("UPDATE", "DELETE"):
        conn.execute(
            f"""
            CREATE TRIGGER incident_revisions_no_{verb.lower()} BEFORE {verb}
            ON incident_revisions BEGIN
              SELECT RAISE(ABORT, 'the incident log is append-only: a correction or a
              deletion is a new revision');
            END
            """
        )
    conn.execute(CURRENT_VIEW_SQL)
    conn.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
        "applied_at DATETIME NOT NULL, description TEXT NOT NULL)"
    )
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
        "VALUES ('schema_version', 'attributes', 'Incident log: schema versions', "
        "'Migrations applied to this file.')"
    )
    for table, ident, text in (
        ("incident_revisions", "Incident log: every revision", "Append-only; never edit."),
        ("incidents_current", "Incident log: current", "Latest revision, not deleted."),
    ):
        conn.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "srs_id) VALUES (?, 'features', ?, ?, 4326)",
            (table, ident, text),
        )
        conn.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', 4326, 0, 0)", (table,)
        )


def _v2(conn: sqlite3.Connection) -> None:
    """Version 2: victims (a count) and their nationalities, asked for by security offices."""
    conn.execute(
        "ALTER TABLE incident_revisions ADD COLUMN victims INTEGER NOT NULL DEFAULT 0 "
        "CHECK (victims >= 0)"
    )
    conn.execute(
        "ALTER TABLE incident_revisions ADD COLUMN victim_nationalities TEXT NOT NULL DEFAULT ''"
    )
    conn.execute("DROP VIEW incidents_current")
    conn.execute(CURRENT_VIEW_SQL)


#: (version, what it does, function), applied in order inside one transaction each.
MIGRATIONS: tuple[tuple[int, str, Callable[[sqlite3.Connection], None]], ...] = (
    (1, "GeoPackage, incident_revisions, incidents_current", _v1),
    (2, "victims, victim_nationalities", _v2),
)


def point_blob(lon: float, lat: float) -> bytes:
    r"""Encode a point as GeoPackage binary (header, SRS 4326, no envelope, little-endian WKB).

    Examples
    --------
    >>> point_blob(-8.0, 12.65)[:8]
    b'GP\x00\x01\xe6\x10\x00\x00'
    """
    return b"GP" + struct.pack("<BBi", 0, 1, 4326) + struct.pack("<BIdd", 1, 1, lon, lat)


class GeoPackageLog(LogStore):
    """The incident log in one GeoPackage file.

    Parameters
    ----------
    path : str or Path
        The file; it and its folder are created on first use.
    target_version : int, optional
        Migrate only this far (tests of upgrades); the latest by default.

    Raises
    ------
    InputFileError
        If the file exists but is not a SQLite database, or is a GeoPackage
        that is not an incident log.
    """

    placeholder = "?"

    def __init__(self, path: str | Path, *, target_version: int | None = None) -> None:
        self.path = Path(path).expanduser()
        self.name = self.path.name
        self._target = target_version or MIGRATIONS[-1][0]
        self._ready = False

    # ------------------------------------------------------------------ connection
    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self._migrate()
            self._ready = True
        return self._open()

    def _migrate(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > 0:
            with open(self.path, "rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    raise InputFileError(f"{self.name} is not a GeoPackage (SQLite) file")
        conn = self._open()
        try:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                if not self._is_transient(exc):
                    raise
            conn.execute("BEGIN IMMEDIATE")
            try:
                have = self._version(conn)
                if have == 0 and self._has_table(conn, "gpkg_contents"):
                    raise InputFileError(
                        f"{self.name} is a GeoPackage but not an incident log; "
                        "choose another file for the log"
                    )
                for version, description, step in MIGRATIONS:
                    if have < version <= self._target:
                        step(conn)
                        conn.execute(
                            "INSERT INTO schema_version VALUES (?, ?, ?)",
                            (version, utc_now(), description),
                        )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()

    @staticmethod
    def _has_table(conn: sqlite3.Connection, name: str) -> bool:
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def _version(self, conn: sqlite3.Connection) -> int:
        if not self._has_table(conn, "schema_version"):
            return 0
        return int(
            conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
        )

    def schema_version(self) -> int:
        """Return the schema version the file is at (migrating it first)."""
        conn = self._connect()
        try:
            return self._version(conn)
        finally:
            conn.close()

    @contextmanager
    def _write(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Cursor]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.cursor()
            yield cur
            conn.execute(
                "UPDATE gpkg_contents SET last_change = ? "
                "WHERE table_name IN ('incident_revisions', 'incidents_current')",
                (utc_now(),),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _is_transient(self, exc: BaseException) -> bool:
        text = str(exc).lower()
        return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)

    # ------------------------------------------------------------------ geometry and ids
    def _geom_sql(self) -> str:
        return "?"

    def _geom_params(self, lon: float, lat: float) -> Sequence[Any]:
        return (point_blob(float(lon), float(lat)),)

    def _next_ids(self, cur: sqlite3.Cursor, n: int) -> list[int]:
        cur.execute("SELECT COALESCE(MAX(incident_id), 0) FROM incident_revisions")
        first = int(cur.fetchone()[0]) + 1
        return list(range(first, first + n))

    def stored_columns(self) -> tuple[str, ...]:
        """Return the columns of :data:`COLUMNS` the file has at its target version."""
        return columns_at(self._target)

    def integrity_check(self) -> str:
        """Return SQLite's ``PRAGMA integrity_check`` answer (``ok`` when the file is sound)."""
        conn = self._connect()
        try:
            return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check").fetchall())
        finally:
            conn.close()
