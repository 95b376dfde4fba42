"""geo.io.ingest: the sandboxed ingestion path gives the reader's answers, and only those.

Fixtures are the SYNTHETIC reader fixtures of ``tests/fixtures/incidents`` (see
its README) and small vector files built here at Bamako and Kayes (OSM town
points).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyogrio
import pytest
import shapely

from geo.errors import InputFileError, ParameterError
from geo.io import containers, ingest
from geo.io.containers import IngestLimits
from geo.io.incidents import read_incidents
from geo.io.ingest import decode_result, encode_result, ingest_upload

FIX = Path(__file__).parent / "fixtures" / "incidents"
REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 1, 1)


def _vector_fixtures(tmp: Path) -> dict[str, bytes]:
    gdf = gpd.GeoDataFrame(
        {"id": ["V-1", "V-2"], "date": ["2025-04-03", "03-04-2025"], "notes": ["Ségou", "{{x}}"]},
        geometry=[shapely.Point(-8.00034, 12.64932), shapely.Point(-11.43793, 14.44341)],
        crs=4326,
    )
    out: dict[str, bytes] = {}
    pyogrio.write_dataframe(gdf, tmp / "v.gpkg", layer="events")
    out["v.gpkg"] = (tmp / "v.gpkg").read_bytes()
    out["v.geojson"] = gdf.to_json().encode()
    shp = tmp / "shp"
    shp.mkdir()
    pyogrio.write_dataframe(gdf.to_crs(32629), shp / "v.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(shp.iterdir()):
            zf.write(p, p.name)
    out["v.zip"] = buf.getvalue()
    return out


_CSV_FIXTURES = sorted(p.name for p in FIX.glob("*.csv"))


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    return _vector_fixtures(tmp_path_factory.mktemp("vectors"))


@pytest.mark.parametrize("name", [*_CSV_FIXTURES, "v.gpkg", "v.geojson", "v.zip"])
def test_f10_worker_reads_every_fixture_like_the_reader(name, vectors):
    """F10: parsed without network (unshare --net), the answer is the in-process reader's."""
    data = vectors[name] if name in vectors else (FIX / name).read_bytes()
    ours = ingest_upload(data, name=name, today=TODAY)
    direct = read_incidents(data, name=name, today=TODAY)
    pd.testing.assert_frame_equal(ours.incidents, direct.incidents, check_exact=True)
    assert ours.incidents.crs == direct.incidents.crs
    assert ours.report == direct.report
    assert ingest.network_isolation(), "the worker ran without a network namespace"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"id,date\n1,2025-01-01\n", "nolatlon.csv"),
        (b'{"type": "Topology"}', "x.geojson"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "x.gpkg"),
        (b"\x00\x00\x27\x0a" + b"\x00" * 96, "x.csv"),
    ],
)
def test_refusals_carry_the_readers_message(data, name):
    with pytest.raises(InputFileError) as direct:
        read_incidents(data, name=name, today=TODAY)
    with pytest.raises(InputFileError) as ours:
        ingest_upload(data, name=name, today=TODAY)
    assert str(ours.value) == str(direct.value)


def test_parameters_are_checked_before_any_work():
    with pytest.raises(ParameterError, match="data must be bytes, not str"):
        ingest_upload("id,date\n", name="x.csv")
    with pytest.raises(ParameterError, match=r"fmt was 'ods' but is expected to be one of"):
        ingest_upload(b"x", name="x.csv", fmt="ods")
    with pytest.raises(
        ParameterError, match=r"cpu_s=0, wall_s=-1; every limit must be a positive number"
    ):
        IngestLimits(cpu_s=0, wall_s=-1)


def test_options_reach_the_reader(vectors):
    data = (FIX / "ucdp_full.csv").read_bytes()
    forced = ingest_upload(data, name="u.csv", fmt="ucdp_csv", today=TODAY)
    assert forced.report.format == "ucdp_csv"
    early = ingest_upload(
        (FIX / "dates_acled.csv").read_bytes(), name="d.csv", today=dt.date(2024, 1, 1)
    )
    late = read_incidents((FIX / "dates_acled.csv").read_bytes(), name="d.csv", today=TODAY)
    assert early.report.n_flagged != late.report.n_flagged  # `today` was used
    small = IngestLimits(max_bytes=100)
    with pytest.raises(InputFileError, match=r"files up to 0 MiB"):
        ingest_upload(data, name="u.csv", limits=small)


def _zip64_tail(entries: int, *, record_at: int) -> bytes:
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, 0, 0)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, record_at, 1)
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0, 0)
    return record + locator + eocd


def test_precheck_reads_zip64_member_counts():
    assert containers.zip_directory_size(_zip64_tail(70_000, record_at=0), "z.zip") == (70_000, 0)
    data = b"PK\x03\x04" + _zip64_tail(70_000, record_at=4)
    with pytest.raises(InputFileError, match=r"z\.zip lists 70000 members"):
        containers.precheck(data, file="z.zip")


def _zip_of(n_members: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(n_members):
            zf.writestr(f"m{i}.csv", "id,date\n")
    return buf.getvalue()


def test_precheck_passes_plain_files_and_zips_up_to_the_member_limit():
    limits = IngestLimits(max_zip_members=3)
    assert containers.precheck(b"id,date\n", file="a.csv", limits=limits) is None
    assert containers.precheck(_zip_of(3), file="a.zip", limits=limits) is None
    # One member more is refused: the limit is the boundary, not a number never reached.
    with pytest.raises(InputFileError, match=r"a\.zip lists 4 members.*3 members are accepted"):
        containers.precheck(_zip_of(4), file="a.zip", limits=limits)


def _encoded(name: str = "news_small.csv") -> tuple[pa.Table, dict]:
    result = read_incidents((FIX / name).read_bytes(), name=name, today=TODAY)
    return _ipc_round_trip(*encode_result(result))


def _ipc_round_trip(table: pa.Table, report: dict) -> tuple[pa.Table, dict]:
    """Write the table as the worker does and read it back as the parent does."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as out:
        out.write_table(table)
    back = pa.ipc.open_file(pa.BufferReader(sink.getvalue())).read_all()
    return back, json.loads(json.dumps(report))


def test_transport_round_trip_is_exact():
    result = read_incidents((FIX / "news_small.csv").read_bytes(), name="n.csv", today=TODAY)
    back = decode_result(*_ipc_round_trip(*encode_result(result)))
    pd.testing.assert_frame_equal(back.incidents, result.incidents, check_exact=True)
    assert back.report == result.report


def test_transport_shares_one_string_per_repeated_value():
    back = decode_result(*_encoded()).incidents
    assert back["source"].map(id).nunique() == 1 and len(back) > 1


def test_transport_of_an_empty_result():
    result = read_incidents(b"id,date,lat,lon\n", name="e.csv", today=TODAY)
    back = decode_result(*_ipc_round_trip(*encode_result(result)))
    assert back.incidents.empty and list(back.incidents.columns) == list(result.incidents.columns)
    assert back.report == result.report


def _replace(table: pa.Table, name: str, values: pa.Array, *, keep_field: bool = True) -> pa.Table:
    i = table.schema.get_field_index(name)
    field = table.schema.field(i) if keep_field else pa.field(name, values.type)
    return pa.Table.from_arrays(
        [values if j == i else table.column(j) for j in range(table.num_columns)],
        schema=table.schema.set(i, field),
    )


def _tamper(table: pa.Table, report: dict, how: str) -> tuple[pa.Table, dict]:
    n = table.num_rows
    if how == "extra column":
        table = table.append_column("secret", pa.array([""] * n))
    elif how == "missing column":
        table = table.drop_columns(["notes"])
    elif how == "dtype":
        table = _replace(table, "fatalities", pa.array([0.0] * n), keep_field=False)
    elif how == "bool as int":
        table = _replace(table, "precise", pa.array([1] * n, pa.int8()), keep_field=False)
    elif how == "plain text":
        table = _replace(table, "notes", pa.array([""] * n), keep_field=False)
    elif how == "null in a number":
        table = _replace(table, "fatalities", pa.array([None] + [0] * (n - 1), pa.int64()))
    elif how == "index past the dictionary":
        words = pa.DictionaryArray.from_arrays(
            pa.array([7] * n, pa.int32()), pa.array(["a"]), safe=False
        )
        table = _replace(table, "notes", words)
    elif how == "nan coordinate":
        lon = table.column("lon").to_pylist()
        table = _replace(table, "lon", pa.array([float("nan"), *lon[1:]]))
    elif how == "counts":
        report["rows_kept"] -= 1
    return table, report


@pytest.mark.parametrize(
    "how",
    [
        "extra column",
        "missing column",
        "dtype",
        "bool as int",
        "plain text",
        "null in a number",
        "index past the dictionary",
        "nan coordinate",
        "counts",
    ],
)
def test_transport_refuses_a_tampered_result(how):
    with pytest.raises((ValueError, TypeError, KeyError, pa.ArrowException)):
        decode_result(*_tamper(*_encoded(), how))


def test_worker_answer_without_its_rows_is_an_input_error(worker_fault):
    worker_fault("garbage:{}")
    with pytest.raises(InputFileError, match=r"returned an unreadable result"):
        ingest_upload(b"id,date,lat,lon\n", name="g.csv")


def test_tampered_worker_rows_are_an_input_error(worker_fault):
    worker_fault("garbage-rows")
    with pytest.raises(InputFileError, match=r"returned an inconsistent result"):
        ingest_upload(b"id,date,lat,lon\n", name="g.csv")


def test_progress_is_told_each_stage_in_order():
    seen: list[str] = []
    ingest_upload((FIX / "news_small.csv").read_bytes(), name="n.csv", progress=seen.append)
    stages = list(dict.fromkeys(seen))
    assert set(stages) <= set(ingest.STAGES) and stages[-1] == "checking"
    assert stages == sorted(stages, key=list(ingest.STAGES).index)


def test_a_cancelled_read_kills_the_worker_and_leaves_no_file(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def cancel(stage: str) -> None:
        raise KeyboardInterrupt  # at the first report: the worker has started

    with pytest.raises(KeyboardInterrupt):
        ingest_upload((FIX / "news_small.csv").read_bytes(), name="n.csv", progress=cancel)
    assert list(tmp_path.iterdir()) == []


def test_worker_exit_code_is_a_crash_message(worker_fault):
    worker_fault("exit:7")
    with pytest.raises(InputFileError, match=r"g\.csv: the file could not be parsed .*exit code 7"):
        ingest_upload(b"id,date,lat,lon\n", name="g.csv")


def test_worker_environment_is_minimal(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("GDAL_HTTP_PROXY", "evil:3128")
    env = ingest._worker_env(str(tmp_path))
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert env["GDAL_HTTP_PROXY"] == "127.0.0.1:9" and env["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"]
    assert env["TMPDIR"] == env["HOME"] == str(tmp_path)
    assert not any("FAULT" in key for key in env)  # no fault hook reaches the worker


def test_worker_refuses_a_malformed_request(tmp_path):
    env = {**ingest._worker_env(str(tmp_path))}
    for stdin in (b"", struct.pack(">I", 1 << 20), struct.pack(">I", 2) + b"{}"):
        done = subprocess.run(
            [sys.executable, "-m", "geo.io._ingest_worker"],
            input=stdin,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 3, done.stderr
        assert not (tmp_path / "result.json").exists()


def test_private_folders_are_removed(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ingest_upload((FIX / "news_small.csv").read_bytes(), name="n.csv")
    with pytest.raises(InputFileError):
        ingest_upload(b"\x00binary", name="b.csv")
    assert list(tmp_path.iterdir()) == []


def test_concurrent_ingests_each_get_their_own_rows():
    names = ["acled_2023.csv", "news_small.csv", "ucdp_full.csv", "aliases.csv"]
    results: dict[str, object] = {}

    def run(name: str) -> None:
        results[name] = ingest_upload((FIX / name).read_bytes(), name=name, today=TODAY)

    threads = [threading.Thread(target=run, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for name in names:
        assert set(results[name].incidents["source_file"]) == {name}


def test_busy_server_message_when_no_slot_frees(monkeypatch):
    sem = threading.BoundedSemaphore(1)
    sem.acquire()
    monkeypatch.setattr(ingest, "_SLOTS", sem)
    with pytest.raises(InputFileError, match=r"the server is busy"):
        ingest_upload(b"id,date,lat,lon\n", name="q.csv", limits=IngestLimits(wall_s=0.2))


def test_isolation_probe_is_cached_and_runs_the_interpreter():
    calls = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):
        calls.append(args)
        return real_run(*args, **kwargs)

    ingest.network_isolation.cache_clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(subprocess, "run", counting_run)
        prefix = ingest.network_isolation()
        probes = len(calls)
        assert probes >= 1, "the probe never ran: unshare missing, the test shows nothing"
        assert ingest.network_isolation() == prefix
    assert len(calls) == probes, "the second call probed again: the result is not cached"
    if prefix:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", "import socket; print(socket.if_nameindex())"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env={"PATH": os.environ.get("PATH", "/usr/bin")},
        )
        assert "eth" not in done.stdout  # only loopback exists in the namespace


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_progress_redraws_one_line_and_ends_it():
    out = _Terminal()
    progress = ingest.terminal_progress("big.parquet", out)
    for stage in ingest.STAGES:
        progress(stage)
    lines = out.getvalue().split("\r")[1:]
    assert [line.split(": ", 1)[1].split(" (")[0] for line in lines] == list(ingest.STAGES.values())
    assert all(line.startswith("big.parquet: ") for line in lines)
    assert out.getvalue().endswith("\n") and out.getvalue().count("\n") == 1


def test_terminal_progress_is_quiet_off_a_terminal():
    assert ingest.terminal_progress("big.parquet", io.StringIO()) is None
