"""SECURITY.md 4.2, cases X: Exports: atomic writes, file names, formula cells, provenance, sharing.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo.errors import ParameterError
from tests.security.helpers import (
    BAMAKO,
    FIX,
    KAYES,
    SEGOU,
    TODAY,
    _atomic_script,
    _ui_files,
    read,
)


def test_x01_formula_cells_prefixed_numbers_untouched(payload_analysis, tmp_path):
    from geo.export.tabular import export_csv_tables

    raw = pd.DataFrame({"notes": ['=HYPERLINK("http://x")'], "lon": [-6.2157]}).to_csv(index=False)
    assert '\n"=HYPERLINK' in raw  # pandas writes the formula as is
    path = export_csv_tables(payload_analysis, tmp_path / "tables.zip")
    with zipfile.ZipFile(path) as zf:
        raw_csv = zf.read("incidents_used.csv").decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(raw_csv), dtype=str, keep_default_na=False)
    assert set(table["notes"].str[:2]) == {"'=", "'@", "'-"}
    assert set(table["actor1"]) == {"", "'+1+1", "'=1+1"}
    assert table["longitude"].astype(float).round(5).tolist() == [BAMAKO[0], KAYES[0], SEGOU[0]]


@pytest.mark.parametrize("previous", [None, b"complete earlier export"])
@pytest.mark.parametrize("when", ["mid-write", "before rename"])
def test_x02_kill_9_during_an_export_leaves_nothing_half_written(tmp_path, previous, when):
    dest = tmp_path / "layers.gpkg"
    if previous:
        dest.write_bytes(previous)
    body = """
        def writer(tmp):
            with open(tmp, "wb") as fh:
                fh.write(b"SQLite format 3\\x00" + b"x" * 100_000)
                fh.flush()
                if sys.argv[2] == "mid-write":
                    os.kill(os.getpid(), signal.SIGKILL)
        def verify(tmp):
            if sys.argv[2] == "before rename":
                os.kill(os.getpid(), signal.SIGKILL)
        write_atomic(dest, writer, verify=verify)
    """
    done = subprocess.run(
        [sys.executable, "-c", _atomic_script(body), str(dest), when],
        capture_output=True,
        check=False,
    )
    assert done.returncode == -9
    if previous:
        assert dest.read_bytes() == previous
    else:
        assert not dest.exists()


def test_x03_disk_full_is_a_clear_error_and_leaves_nothing(tmp_path):
    body = """
        import resource
        import geopandas as gpd, shapely
        from geo.errors import ExportError
        from geo.export.tabular import write_table_atomic
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        frame = gpd.GeoDataFrame({"notes": ["Synthetic note " * 20] * 2000},
                                 geometry=[shapely.Point(-8, 12.6)] * 2000, crs=4326)
        for suffix in (".gpkg", ".csv"):
            try:
                write_table_atomic(frame, dest.with_suffix(suffix))
                print("written", suffix)
            except ExportError as exc:
                print("ExportError", suffix, exc)
    """
    dest = tmp_path / "out" / "t.gpkg"
    dest.parent.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _atomic_script(body), str(dest)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["ExportError", ".gpkg"],
        ["ExportError", ".csv"],
    ]
    assert "File too large" in done.stdout or "too large" in done.stdout.lower()
    assert list(dest.parent.iterdir()) == []


def test_x04_gpkg_and_csv_round_trip(tmp_path):
    from geo.export.tabular import write_table_atomic

    source = read((FIX / "news_small.csv").read_bytes(), "news.csv").incidents
    back = pyogrio.read_dataframe(write_table_atomic(source, tmp_path / "n.gpkg"))
    assert back.crs == source.crs and len(back) == len(source)
    assert list(back.columns) == list(source.columns)
    assert back.geometry.to_wkb().tolist() == source.geometry.to_wkb().tolist()
    for c in ("event_id", "notes", "location", "fatalities", "precise"):
        assert back[c].tolist() == source[c].tolist()
    assert (back["event_date"].dt.date == source["event_date"].dt.date).all()
    csv_back = pd.read_csv(write_table_atomic(source, tmp_path / "n.csv"), encoding="utf-8-sig")
    assert csv_back["event_id"].tolist() == source["event_id"].tolist()
    assert np.allclose(csv_back["longitude"], source.geometry.x)


def test_x05_empty_selection_exports_a_valid_file_with_its_schema(tmp_path):
    from geo.export.tabular import write_table_atomic
    from geo.schema import CANONICAL_COLUMNS, empty_incidents

    back = pyogrio.read_dataframe(write_table_atomic(empty_incidents(), tmp_path / "e.gpkg"))
    assert back.empty and list(back.columns) == list(CANONICAL_COLUMNS)


def test_x06_same_length_exports_of_two_sessions_get_their_own_bytes():
    from streamlit.runtime.media_file_storage import MediaFileKind
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from geo.export.atomic import safe_export_name

    quarter = 2**19  # the media id samples only the head, middle and tail (64 KiB each)
    a = b"A" * quarter + b"session A private" + b"A" * 3 * quarter
    b = b"A" * quarter + b"session B private" + b"A" * 3 * quarter
    storage = MemoryMediaFileStorage("/media")
    kind = MediaFileKind.DOWNLOADABLE
    id_a = storage.load_and_get_id(a, "text/csv", kind, "incidents.csv")
    id_b = storage.load_and_get_id(b, "text/csv", kind, "incidents.csv")
    assert id_a == id_b and storage.get_file(id_b).content == a  # B would download A's file
    storage = MemoryMediaFileStorage("/media")
    name_a, name_b = (safe_export_name("tables", "csv") for _ in range(2))
    id_a = storage.load_and_get_id(a, "text/csv", kind, name_a)
    id_b = storage.load_and_get_id(b, "text/csv", kind, name_b)
    assert storage.get_file(id_b).content == b and storage.get_file(id_a).content == a


def test_x06_every_download_button_names_its_file_with_safe_export_name():
    import ast

    calls = [
        node
        for path in _ui_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("download_button")
    ]
    assert calls, "no download button found"
    for call in calls:
        (file_name,) = [k.value for k in call.keywords if k.arg == "file_name"]
        assert isinstance(file_name, ast.Call) and ast.unparse(file_name.func) == "safe_export_name"


def test_x07_png_map_needs_no_network(payload_analysis, tmp_path, monkeypatch):
    from geo.export.png import export_png

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    path = export_png(payload_analysis, tmp_path / "map.png", width_px=1600)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_x08_export_names_are_generated_sanitised_and_unique():
    from geo.export.atomic import safe_export_name

    names = {safe_export_name("brief", "pdf", when=(TODAY, TODAY)) for _ in range(200)}
    assert len(names) == 200
    assert all(n.startswith("sahel-risk-brief_2026-01-01_2026-01-01_") for n in names)
    for kind, suffix in (("../etc", "pdf"), ("brief", "exe"), ("brief", "pdf/../x")):
        with pytest.raises(ParameterError):
            safe_export_name(kind, suffix)


def test_x09_provenance_in_gpkg_csv_and_html(payload_analysis, tmp_path):
    from geo.export.html import export_html
    from geo.export.tabular import export_csv_tables
    from geo.export.vector import export_gpkg
    from geo.provenance import build_provenance

    prov = build_provenance(payload_analysis)
    assert prov["validation"]["rows_in"] == 3 if "validation" in prov else prov
    gpkg = export_gpkg(payload_analysis, tmp_path / "l.gpkg")
    assert "provenance" in [name for name, _ in pyogrio.list_layers(gpkg)]
    with zipfile.ZipFile(export_csv_tables(payload_analysis, tmp_path / "t.zip")) as zf:
        assert any("provenance" in n for n in zf.namelist())
    page = "<html><head></head><body>map</body></html>"
    html_path = export_html(page, tmp_path / "m.html", provenance=prov)
    assert 'name="sahel-risk-map-provenance"' in html_path.read_text(encoding="utf-8")
