"""What every backend of the incident log does, written once: add, import, edit, delete, read.

A backend (:mod:`geo.log.gpkg`, :mod:`geo.log.postgis`) supplies a connection,
its placeholder style, how a point goes in and out, its transient errors and its
migrations; this base turns each user action into one transaction that appends
revisions to ``incident_revisions`` and never updates or deletes a stored row
(the table refuses both). A transaction that meets a busy database is retried
with exponential backoff and jitter; one that fails for any other reason leaves
the log as it was.
"""

from __future__ import annotations

import abc
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd

from geo.errors import ParameterError, RiskMapError
from geo.log.records import (
    META_FIELDS,
    RECORD_FIELDS,
    normalise_record,
    to_incidents,
    utc_now,
)

__all__ = ["COLUMNS", "CURRENT_VIEW_SQL", "LogBusyError", "LogStore", "Progress", "columns_at"]

T = TypeVar("T")
#: Columns of ``incident_revisions`` besides the geometry, in order.
COLUMNS: tuple[str, ...] = (*META_FIELDS, *RECORD_FIELDS)
#: Columns added by schema version 2 (both backends).
V2_COLUMNS: tuple[str, ...] = ("victims", "victim_nationalities")
#: The current view, the same SQL on both backends: latest revision of each incident, not deleted.
CURRENT_VIEW_SQL = """
CREATE VIEW incidents_current AS
SELECT r.* FROM incident_revisions AS r
JOIN (SELECT incident_id, MAX(revision) AS revision
      FROM incident_revisions GROUP BY incident_id) AS latest
  ON r.incident_id = latest.incident_id AND r.revision = latest.revision
WHERE r.action <> 'delete'
"""
#: ``progress(done, total)``, called during long writes.
Progress = Callable[[int, int], None]

_RETRIES = 12
_FIRST_WAIT_S = 0.05
_MAX_WAIT_S = 2.0
_BATCH = 500


def columns_at(version: int) -> tuple[str, ...]:
    """Return the columns of :data:`COLUMNS` that a log at schema ``version`` stores.

    Examples
    --------
    >>> "victims" in columns_at(1), "victims" in columns_at(2)
    (False, True)
    """
    return COLUMNS if version >= 2 else tuple(c for c in COLUMNS if c not in V2_COLUMNS)


class LogBusyError(RiskMapError):
    """The log stayed locked by other writers through every retry."""


class LogStore(abc.ABC):
    """The incident log behind one path or URL; every method is one transaction.

    Subclasses set :attr:`placeholder` and implement the abstract hooks.
    Connections are opened per call, so one store may serve several Streamlit
    sessions (threads) and several processes may share one log.
    """

    placeholder = "?"
    #: Shown as ``source_file`` of the log's incidents (no path, no password).
    name: str = "log"

    # ------------------------------------------------------------------ backend hooks
    @abc.abstractmethod
    def _connect(self) -> Any:
        """Open a connection with the log's schema migrated to :attr:`schema_version`."""

    @abc.abstractmethod
    @contextmanager
    def _write(self, conn: Any) -> Iterator[Any]:
        """Yield a cursor inside a write transaction that holds the write lock."""

    @abc.abstractmethod
    def _is_transient(self, exc: BaseException) -> bool:
        """Tell whether an error means 'busy, try again'."""

    @abc.abstractmethod
    def _geom_sql(self) -> str:
        """Return the SQL expression (with placeholders) that makes a point from lon, lat."""

    @abc.abstractmethod
    def _geom_params(self, lon: float, lat: float) -> Sequence[Any]:
        """Return the parameters of :meth:`_geom_sql` for one point."""

    @abc.abstractmethod
    def _next_ids(self, cur: Any, n: int) -> list[int]:
        """Reserve ``n`` new incident ids inside the current write transaction."""

    def stored_columns(self) -> tuple[str, ...]:
        """Return the columns of :data:`COLUMNS` the log's schema has (all by default)."""
        return COLUMNS

    def _select_columns(self) -> str:
        """Return the SELECT list giving :data:`COLUMNS` (a missing one as its default)."""
        stored = set(self.stored_columns())
        return ", ".join(
            c if c in stored else "''" if RECORD_FIELDS.get(c) is str else "0" for c in COLUMNS
        )

    @abc.abstractmethod
    def schema_version(self) -> int:
        """Return the schema version the log is at."""

    def _row(self, values: Sequence[Any]) -> dict[str, Any]:
        """Turn one selected row into a record dict (backends fix their types here)."""
        return dict(zip(COLUMNS, values, strict=True))

    # ------------------------------------------------------------------ transactions
    def _transaction(self, work: Callable[[Any], T]) -> T:
        """Run ``work(cursor)`` in one write transaction, retried while the log is busy."""
        wait = _FIRST_WAIT_S
        for attempt in range(_RETRIES):
            conn = self._connect()
            try:
                with self._write(conn) as cur:
                    return work(cur)
            except Exception as exc:
                if not self._is_transient(exc) or attempt == _RETRIES - 1:
                    if self._is_transient(exc):
                        raise LogBusyError(
                            f"the incident log {self.name} stayed busy through {_RETRIES} "
                            "tries; nothing was written. Try again."
                        ) from exc
                    raise
            finally:
                conn.close()
            time.sleep(wait * (0.5 + random.random()))  # noqa: S311 (jitter, not security)
            wait = min(wait * 2, _MAX_WAIT_S)
        raise AssertionError("unreachable")  # pragma: no cover

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        conn = self._connect()
        try:
            cur = conn.cursor()
            cur.execute(sql, tuple(params))
            rows = cur.fetchall()
            conn.rollback()
            return rows
        finally:
            conn.close()

    def _insert_sql(self) -> str:
        ph = self.placeholder
        cols = ", ".join((*self.stored_columns(), "geom"))
        values = ", ".join([ph] * len(self.stored_columns()) + [self._geom_sql()])
        return f"INSERT INTO incident_revisions ({cols}) VALUES ({values})"

    def _params(self, record: Mapping[str, Any]) -> tuple:
        return (
            *(record[c] for c in self.stored_columns()),
            *self._geom_params(record["lon"], record["lat"]),
        )

    def _latest(self, cur: Any, incident_id: int) -> dict[str, Any]:
        ph = self.placeholder
        cur.execute(
            f"SELECT {self._select_columns()} FROM incident_revisions "
            f"WHERE incident_id = {ph} ORDER BY revision DESC LIMIT 1",
            (int(incident_id),),
        )
        row = cur.fetchone()
        if row is None:
            raise ParameterError(f"there is no incident {incident_id} in the log {self.name}")
        latest = self._row(row)
        if latest["action"] == "delete":
            raise ParameterError(
                f"incident {incident_id} was deleted (revision {latest['revision']}); "
                "its history is still there"
            )
        return latest

    # ------------------------------------------------------------------ writes
    def add(self, values: Mapping[str, Any], *, author: str) -> int:
        """Add one incident and return its id.

        Parameters
        ----------
        values : Mapping
            Fields of :data:`geo.log.records.RECORD_FIELDS` (checked by
            :func:`geo.log.records.normalise_record`).
        author : str
            Who entered it (required).

        Returns
        -------
        int
            The new incident id.
        """
        return self.add_many([values], author=author)[0]

    def add_many(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        author: str,
        action: str = "add",
        progress: Progress | None = None,
    ) -> list[int]:
        """Add many incidents in one transaction: all of them or none.

        Parameters
        ----------
        records : iterable of Mapping
            Record fields; every record is checked before anything is written.
        author : str
            Who entered them.
        action : str
            ``add`` or ``import`` (what the revision says).
        progress : callable, optional
            ``progress(done, total)`` after each batch of rows written.

        Returns
        -------
        list of int
            The new incident ids, in the order of ``records``.
        """
        author = _author(author)
        checked = [normalise_record(r) for r in records]
        if action not in ("add", "import"):
            raise ParameterError(f"action {action!r} is not add or import")
        if not checked:
            return []
        sql = self._insert_sql()

        def work(cur: Any) -> list[int]:
            ids = self._next_ids(cur, len(checked))
            stamp = utc_now()
            for start in range(0, len(checked), _BATCH):
                chunk = checked[start : start + _BATCH]
                rows = [
                    self._params(
                        {
                            **rec,
                            "incident_id": ids[start + i],
                            "revision": 1,
                            "action": action,
                            "author": author,
                            "entered_at": stamp,
                            "reason": "",
                        }
                    )
                    for i, rec in enumerate(chunk)
                ]
                cur.executemany(sql, rows)
                if progress is not None:
                    progress(start + len(chunk), len(checked))
            return ids

        return self._transaction(work)

    def edit(
        self, incident_id: int, changes: Mapping[str, Any], *, author: str, reason: str = ""
    ) -> int:
        """Correct an incident: append a revision with the changed fields; return its number.

        Parameters
        ----------
        incident_id : int
            The incident.
        changes : Mapping
            The fields that change (others are kept from the latest revision).
        author : str
            Who corrected it.
        reason : str
            Why (shown in the history).

        Returns
        -------
        int
            The new revision number.
        """
        if not changes:
            raise ParameterError("nothing to change: give at least one field")

        def revise(latest: dict[str, Any]) -> dict[str, Any]:
            merged = {k: latest[k] for k in RECORD_FIELDS}
            merged.update(changes)
            return normalise_record(merged)

        return self._append(incident_id, revise, action="edit", author=author, reason=reason)

    def delete(self, incident_id: int, *, author: str, reason: str = "") -> int:
        """Delete an incident: append a ``delete`` revision (the history stays); return it."""
        return self._append(
            incident_id,
            lambda latest: {k: latest[k] for k in RECORD_FIELDS},
            action="delete",
            author=author,
            reason=reason,
        )

    def _append(
        self,
        incident_id: int,
        revise: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        action: str,
        author: str,
        reason: str,
    ) -> int:
        """Append revision n+1 of an incident, its record ``revise(latest)``; return n+1."""
        author = _author(author)
        sql = self._insert_sql()

        def work(cur: Any) -> int:
            latest = self._latest(cur, incident_id)
            revision = int(latest["revision"]) + 1
            meta = {
                "incident_id": int(incident_id),
                "revision": revision,
                "action": action,
                "author": author,
                "entered_at": utc_now(),
                "reason": str(reason).strip(),
            }
            cur.execute(sql, self._params({**revise(latest), **meta}))
            return revision

        return self._transaction(work)

    # ------------------------------------------------------------------ reads
    def current(self) -> list[dict[str, Any]]:
        """Return the current record of every incident not deleted, by incident id."""
        rows = self._query(
            f"SELECT {self._select_columns()} FROM incidents_current ORDER BY incident_id"
        )
        return [self._row(r) for r in rows]

    def history(self, incident_id: int) -> list[dict[str, Any]]:
        """Return every revision of one incident, oldest first (deletions included)."""
        ph = self.placeholder
        rows = self._query(
            f"SELECT {self._select_columns()} FROM incident_revisions "
            f"WHERE incident_id = {ph} ORDER BY revision",
            (int(incident_id),),
        )
        if not rows:
            raise ParameterError(f"there is no incident {incident_id} in the log {self.name}")
        return [self._row(r) for r in rows]

    def count_revisions(self) -> int:
        """Return the number of stored revisions (every row ever written)."""
        return int(self._query("SELECT COUNT(*) FROM incident_revisions")[0][0])

    def incidents(self) -> gpd.GeoDataFrame:
        """Return the current incidents as canonical records (source ``log``)."""
        return to_incidents(self.current(), log_name=self.name)

    def current_frame(self) -> gpd.GeoDataFrame:
        """Return the current records with every log field, as a GeoDataFrame for export."""
        rows = self.current()
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        return gpd.GeoDataFrame(
            frame,
            geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
            crs="EPSG:4326",
        )


def _author(author: str) -> str:
    text = str(author or "").strip()
    if not text:
        raise ParameterError("every change to the log records its author: give --author")
    return text
