"""The incident log in a PostgreSQL + PostGIS database, for a team that shares one log.

Same tables as the GeoPackage (:mod:`geo.log.gpkg`): ``incident_revisions``
(every revision, ``geometry(Point, 4326)`` with a GiST index, append-only by
trigger), the ``incidents_current`` view, ``schema_version`` and the
``incident_ids`` sequence. Migrations run under a transaction-level advisory
lock, so two clients opening a new database at once apply them once. Writes run
in READ COMMITTED transactions; a revision number taken by a concurrent
correction (unique violation), a serialization failure or a deadlock is retried
by :class:`geo.log.store.LogStore`. QGIS opens the tables through its PostGIS
connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from geo.errors import InputFileError
from geo.log.records import RECORD_FIELDS
from geo.log.store import CURRENT_VIEW_SQL, LogStore, columns_at

__all__ = ["MIGRATIONS", "PostGISLog"]

_LOCK_KEY = 5_441_300_113  # advisory lock key of the log's migrations
_CONNECT_TIMEOUT_S = 10


def _v1(cur: psycopg.Cursor) -> None:
    """Version 1: PostGIS, the revisions table, its guards, the id sequence and the view."""
    cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
    if cur.fetchone() is None:
        try:
            cur.execute("CREATE EXTENSION postgis")
        except pg_errors.InsufficientPrivilege:
            raise InputFileError(
                "the log database has no PostGIS and this account may not add it; "
                "ask its administrator to run CREATE EXTENSION postgis"
            ) from None
    cur.execute(
        "CREATE TABLE schema_version (version integer PRIMARY KEY, "
        "applied_at timestamptz NOT NULL DEFAULT now(), description text NOT NULL)"
    )
    cur.execute("CREATE SEQUENCE incident_ids")
    cur.execute(
        """
        CREATE TABLE incident_revisions (
            fid bigserial PRIMARY KEY,
            incident_id bigint NOT NULL,
            revision integer NOT NULL CHECK (revision >= 1),
            action text NOT NULL CHECK (action IN ('add', 'import', 'edit', 'delete')),
            author text NOT NULL CHECK (author <> ''),
            entered_at timestamptz NOT NULL,
            reason text NOT NULL DEFAULT '',
            event_date date NOT NULL,
            date_precision text NOT NULL CHECK (date_precision IN ('day', 'week', 'month')),
            category text NOT NULL,
            event_type text NOT NULL,
            sub_event_type text NOT NULL DEFAULT '',
            actor1 text NOT NULL DEFAULT '',
            actor2 text NOT NULL DEFAULT '',
            fatalities integer NOT NULL CHECK (fatalities >= 0),
            location text NOT NULL DEFAULT '',
            country text NOT NULL DEFAULT '',
            admin1 text NOT NULL DEFAULT '',
            admin2 text NOT NULL DEFAULT '',
            geo_precision integer NOT NULL CHECK (geo_precision IN (1, 2, 3)),
            lon double precision NOT NULL,
            lat double precision NOT NULL,
            notes text NOT NULL DEFAULT '',
            source_url text NOT NULL DEFAULT '',
            report_source text NOT NULL DEFAULT '',
            report_ref text NOT NULL DEFAULT '',
            reliability text NOT NULL CHECK (reliability IN ('A', 'B', 'C', 'D', 'E', 'F')),
            credibility integer NOT NULL CHECK (credibility BETWEEN 1 AND 6),
            original_text text NOT NULL DEFAULT '',
            origin text NOT NULL DEFAULT '',
            geom geometry(Point, 4326) NOT NULL,
            UNIQUE (incident_id, revision))
        """
    )
    cur.execute("CREATE INDEX incident_revisions_geom ON incident_revisions USING gist (geom)")
    cur.execute(
        """
        CREATE FUNCTION incident_revisions_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the incident log is append-only: a correction or a deletion '
                          'is a new revision';
        END $$
        """
    )
    cur.execute(
        "CREATE TRIGGER incident_revisions_append_only BEFORE UPDATE OR DELETE "
        "ON incident_revisions FOR EACH ROW EXECUTE FUNCTION incident_revisions_append_only()"
    )
    cur.execute(CURRENT_VIEW_SQL)


def _v2(cur: psycopg.Cursor) -> None:
    """Version 2: victims (a count) and their nationalities."""
    cur.execute(
        "ALTER TABLE incident_revisions ADD COLUMN victims integer NOT NULL DEFAULT 0 "
        "CHECK (victims >= 0), ADD COLUMN victim_nationalities text NOT NULL DEFAULT ''"
    )
    cur.execute("DROP VIEW incidents_current")
    cur.execute(CURRENT_VIEW_SQL)


#: (version, what it does, function), as in :data:`geo.log.gpkg.MIGRATIONS`.
MIGRATIONS: tuple[tuple[int, str, Callable[[psycopg.Cursor], None]], ...] = (
    (1, "PostGIS, incident_revisions, incidents_current", _v1),
    (2, "victims, victim_nationalities", _v2),
)

_TRANSIENT = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.UniqueViolation,  # a concurrent correction took the revision number
    pg_errors.LockNotAvailable,
)


class PostGISLog(LogStore):
    """The incident log in a PostgreSQL database with PostGIS.

    Parameters
    ----------
    url : str
        ``postgresql://user@host:port/dbname`` (libpq syntax; a password is
        better kept in ``~/.pgpass`` than in the URL).
    target_version : int, optional
        Migrate only this far (tests of upgrades); the latest by default.
    """

    placeholder = "%s"

    def __init__(self, url: str, *, target_version: int | None = None) -> None:
        self.url = url
        info = psycopg.conninfo.conninfo_to_dict(url)
        self.name = f"PostGIS {info.get('dbname') or info.get('user') or 'database'}"
        self._target = target_version or MIGRATIONS[-1][0]
        self._ready = False

    def _open(self) -> psycopg.Connection:
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
            raise InputFileError(f"cannot connect to the log database: {first}") from None

    def _connect(self) -> psycopg.Connection:
        if not self._ready:
            self._migrate()
            self._ready = True
        return self._open()

    def _migrate(self) -> None:
        conn = self._open()
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                have = self._version(cur)
                for version, description, step in MIGRATIONS:
                    if have < version <= self._target:
                        step(cur)
                        cur.execute(
                            "INSERT INTO schema_version (version, description) VALUES (%s, %s)",
                            (version, description),
                        )
        finally:
            conn.close()

    @staticmethod
    def _version(cur: psycopg.Cursor) -> int:
        cur.execute("SELECT to_regclass('schema_version') IS NOT NULL")
        if not cur.fetchone()[0]:
            return 0
        cur.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        return int(cur.fetchone()[0])

    def schema_version(self) -> int:
        """Return the schema version the database is at (migrating it first)."""
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                return self._version(cur)
        finally:
            conn.close()

    @contextmanager
    def _write(self, conn: psycopg.Connection) -> Iterator[psycopg.Cursor]:
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    def _is_transient(self, exc: BaseException) -> bool:
        return isinstance(exc, _TRANSIENT)

    def stored_columns(self) -> tuple[str, ...]:
        """Return the columns of :data:`COLUMNS` the database has at its target version."""
        return columns_at(self._target)

    def _insert_sql(self) -> str:
        cols = self.stored_columns()
        casts = {"event_date": "::date", "entered_at": "::timestamptz"}
        values = ", ".join(f"%s{casts.get(c, '')}" for c in cols)
        return (
            f"INSERT INTO incident_revisions ({', '.join(cols)}, geom) "
            f"VALUES ({values}, {self._geom_sql()})"
        )

    def _geom_sql(self) -> str:
        return "ST_SetSRID(ST_MakePoint(%s, %s), 4326)"

    def _geom_params(self, lon: float, lat: float) -> Sequence[Any]:
        return (float(lon), float(lat))

    def _next_ids(self, cur: psycopg.Cursor, n: int) -> list[int]:
        cur.execute("SELECT nextval('incident_ids') FROM generate_series(1, %s)", (n,))
        return sorted(int(r[0]) for r in cur.fetchall())

    def _row(self, values: Sequence[Any]) -> dict[str, Any]:
        row = super()._row(values)
        when = row["entered_at"]
        if isinstance(when, dt.datetime):
            utc = when.astimezone(dt.UTC)
            row["entered_at"] = utc.strftime("%Y-%m-%dT%H:%M:%S.") + (
                f"{utc.microsecond // 1000:03d}Z"
            )
        if isinstance(row["event_date"], dt.date):
            row["event_date"] = row["event_date"].isoformat()
        for name, kind in RECORD_FIELDS.items():
            if kind is str and row[name] is None:
                row[name] = ""
        return row
