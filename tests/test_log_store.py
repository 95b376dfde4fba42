"""The incident log on both backends (GeoPackage, real PostGIS): revisions, concurrency, crashes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pyogrio
import pytest

from geo.errors import ParameterError
from geo.log import default_log_target, is_url, open_log
from geo.log.gpkg import GPKG_APPLICATION_ID, GeoPackageLog
from geo.log.postgis import PostGISLog

REPO = Path(__file__).resolve().parent.parent
#: Synthetic record (not a real event): a point in Kéniéba cercle, for storage tests only.
RECORD = {
    "event_date": "2025-05-04",
    "lon": -11.24,
    "lat": 12.84,
    "category": "abduction",
    "location": "Kéniéba",
    "notes": "Synthetic test record.",
    "grading": "B2",
    "report_source": "site guard",
}


def _count(log) -> int:
    return len(log.current())


def test_add_edit_delete_keep_every_revision(log_target):
    log = open_log(log_target)
    incident = log.add(RECORD, author="amina")
    assert log.edit(incident, {"fatalities": 2}, author="bakary", reason="hospital figure") == 2
    assert log.delete(incident, author="amina", reason="duplicate of a partner report") == 3
    history = log.history(incident)
    assert [h["action"] for h in history] == ["add", "edit", "delete"]
    assert [h["author"] for h in history] == ["amina", "bakary", "amina"]
    assert [h["fatalities"] for h in history] == [0, 2, 2]
    assert history[1]["reason"] == "hospital figure"
    assert history[0]["reliability"] == "B" and history[0]["credibility"] == 2
    assert all(h["entered_at"].endswith("Z") for h in history)
    assert log.current() == []
    assert log.count_revisions() == 3
    with pytest.raises(ParameterError, match="was deleted"):
        log.edit(incident, {"fatalities": 3}, author="amina")


def test_current_incidents_are_canonical(log_target):
    log = open_log(log_target)
    first = log.add(RECORD, author="amina")
    log.add({**RECORD, "category": "explosive", "lat": 12.9}, author="amina")
    log.edit(first, {"location": "Kéniéba town"}, author="amina")
    incidents = log.incidents()
    assert list(incidents["event_id"]) == [f"log-{first}", f"log-{first + 1}"]
    assert set(incidents["source"]) == {"log"}
    assert incidents.crs.to_epsg() == 4326
    assert incidents.loc[0, "location"] == "Kéniéba town"
    assert incidents.geometry.iloc[0].x == pytest.approx(-11.24)
    assert str(incidents["event_date"].dtype) == "datetime64[ns]"


def test_the_revisions_table_refuses_update_and_delete(log_target):
    log = open_log(log_target)
    log.add(RECORD, author="amina")
    if is_url(log_target):
        import psycopg

        with psycopg.connect(log_target) as conn, pytest.raises(psycopg.Error, match="append-only"):
            conn.execute("UPDATE incident_revisions SET fatalities = 9")
    else:
        conn = sqlite3.connect(log_target)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM incident_revisions")
        conn.close()
    assert log.current()[0]["fatalities"] == 0


def test_bad_values_are_refused_with_the_field_named(log_target):
    log = open_log(log_target)
    with pytest.raises(ParameterError, match="category 'raid'"):
        log.add({**RECORD, "category": "raid"}, author="amina")
    with pytest.raises(ParameterError, match="grading 'G7'"):
        log.add({**RECORD, "grading": "G7"}, author="amina")
    with pytest.raises(ParameterError, match="author"):
        log.add(RECORD, author="  ")
    with pytest.raises(ParameterError, match="lat"):
        log.add({**RECORD, "lat": 123}, author="amina")
    assert log.count_revisions() == 0


_WRITER = textwrap.dedent(
    """
    import sys
    from geo.log import open_log
    target, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    log = open_log(target)
    for i in range(n):
        log.add({"event_date": "2025-01-01", "lon": -8.0 + i / 1000, "lat": 12.6,
                 "category": "other", "notes": f"{who} {i}"}, author=who)
    """
)


def test_four_concurrent_writers_lose_no_row(log_target):
    log = open_log(log_target)
    log.add(RECORD, author="amina")  # the log exists before the writers start
    before = _count(log)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, log_target, f"writer{k}", "50"],
            cwd=REPO,
            stderr=subprocess.PIPE,
        )
        for k in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    rows = log.current()
    assert len(rows) == before + 200
    assert len({r["incident_id"] for r in rows}) == before + 200
    for k in range(4):
        assert sorted(r["notes"] for r in rows if r["author"] == f"writer{k}") == sorted(
            f"writer{k} {i}" for i in range(50)
        )
    if not is_url(log_target):
        assert GeoPackageLog(log_target).integrity_check() == "ok"


_IMPORTER = textwrap.dedent(
    """
    import sys, time
    from geo.log import open_log
    target = sys.argv[1]
    records = [{"event_date": "2024-06-01", "lon": -7.0 - i / 100000, "lat": 13.0,
                "category": "armed_attack"} for i in range(10_000)]

    def progress(done, total):
        print(done, flush=True)
        time.sleep(0.05)  # test pacing: the parent kills us between two batches

    open_log(target).add_many(records, author="importer", action="import", progress=progress)
    print("committed", flush=True)
    """
)


def test_an_import_killed_midway_leaves_the_log_as_before(log_target):
    log = open_log(log_target)
    log.add(RECORD, author="amina")
    before = log.count_revisions()
    proc = subprocess.Popen(
        [sys.executable, "-c", _IMPORTER, log_target],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    seen = 0
    while seen < 3000:
        line = proc.stdout.readline()
        assert line, "the importer ended before it was killed"
        seen = int(line)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert open_log(log_target).count_revisions() == before
    if not is_url(log_target):
        assert GeoPackageLog(log_target).integrity_check() == "ok"
    # The log still takes writes after the crash.
    open_log(log_target).add(RECORD, author="amina")
    assert open_log(log_target).count_revisions() == before + 1


def test_an_import_is_all_or_nothing_when_one_record_is_bad(log_target):
    log = open_log(log_target)
    records = [RECORD] * 5 + [{**RECORD, "fatalities": -1}]
    with pytest.raises(ParameterError, match="fatalities -1"):
        log.add_many(records, author="amina", action="import")
    assert log.count_revisions() == 0


def test_a_version_1_log_is_upgraded_with_its_rows(log_target):
    if is_url(log_target):
        old = PostGISLog(log_target, target_version=1)
    else:
        old = GeoPackageLog(log_target, target_version=1)
    incident = old.add(RECORD, author="amina")
    assert old.schema_version() == 1
    new = open_log(log_target)
    assert new.schema_version() == 2
    (row,) = new.current()
    assert row["incident_id"] == incident and row["victims"] == 0
    new.edit(incident, {"victims": 3, "victim_nationalities": "Chinese"}, author="amina")
    assert [h["victims"] for h in new.history(incident)] == [0, 3]


def test_the_geopackage_is_a_geopackage_gdal_reads(tmp_path):
    path = tmp_path / "log.gpkg"
    log = open_log(path)
    incident = log.add(RECORD, author="amina")
    log.edit(incident, {"notes": "corrected"}, author="amina")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    layers = dict(pyogrio.list_layers(path))
    assert layers["incident_revisions"] == "Point" and layers["incidents_current"] == "Point"
    current = pyogrio.read_dataframe(path, layer="incidents_current")
    assert current.crs.to_epsg() == 4326
    assert list(current["notes"]) == ["corrected"]
    assert current.geometry.iloc[0].x == pytest.approx(-11.24)
    assert len(pyogrio.read_dataframe(path, layer="incident_revisions")) == 2


def test_a_file_that_is_not_a_log_is_refused(tmp_path):
    path = tmp_path / "roads.gpkg"
    path.write_text("not a database")
    with pytest.raises(Exception, match="not a GeoPackage"):
        open_log(path).current()


def test_default_target_is_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("SAHEL_RISK_LOG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_log_target() == str(tmp_path / "sahel-risk-map" / "log.gpkg")
    monkeypatch.setenv("SAHEL_RISK_LOG", "postgresql://log@127.0.0.1/team")
    assert isinstance(open_log(), PostGISLog)
