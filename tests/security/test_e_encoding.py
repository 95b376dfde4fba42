"""SECURITY.md 4.2, cases E: Encodings and text: byte-order marks, code pages, control characters.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pyogrio
import pytest

from tests.security.helpers import (
    BAMAKO,
    FIX,
    _places_frame,
    csv_bytes,
    one_row_csv,
    points_frame,
    read,
    shapefile_zip,
)


def test_e01_latin1_csv_read_exactly():
    raw = (FIX / "latin1.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        pd.read_csv(io.BytesIO(raw))  # the stack's default
    result = read(raw, "latin1.csv")
    assert {"Ségou", "Kéniéba"} <= set(result.incidents["location"])
    assert any(n.startswith("encoding: Latin-1") for n in result.report.notes)


def test_e02_cp1252_preferred_over_latin1():
    raw = (FIX / "cp1252.csv").read_bytes()
    assert "\x92" in raw.decode("latin-1")  # an invisible C1 control character
    result = read(raw, "cp1252.csv")
    assert any("l’attaque" in n for n in result.incidents["notes"])
    assert any("Windows-1252 (cp1252)" in n for n in result.report.notes)


def test_e03_utf8_bom_header_exact():
    raw = (FIX / "utf8_bom.csv").read_bytes()
    import csv as csv_module

    naive = next(csv_module.reader(io.StringIO(raw.decode("utf-8"))))
    assert naive[0] == "\ufeffevent_id_cnty"  # decoded as plain UTF-8, the header is wrong
    assert read(raw, "bom.csv").report.format == "acled_csv"


def test_e04_utf8_dbf_without_cpg_no_mojibake(tmp_path):
    data = shapefile_zip(_places_frame(), tmp_path, drop=(".cpg",), encoding="UTF-8")
    folder = tmp_path / "plain"
    folder.mkdir()
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    naive = pyogrio.read_dataframe(folder / "events.shp")
    assert naive["location"].tolist() == ["SÃ©gou", "KÃ©niÃ©ba"]  # the stack's default
    result = read(data, "utf8.zip")
    assert result.incidents["location"].tolist() == ["Ségou", "Kéniéba"]
    assert any("valid UTF-8, read as UTF-8" in n for n in result.report.notes)


def test_e05_latin1_dbf_without_cpg_exact(tmp_path):
    data = shapefile_zip(_places_frame(), tmp_path, drop=(".cpg",), encoding="cp1252")
    assert read(data, "latin1.zip").incidents["location"].tolist() == ["Ségou", "Kéniéba"]


def test_e06_mixed_encodings_give_per_row_issues():
    raw = b"id,date,lat,lon,location\n"
    raw += f"A,2025-04-03,{BAMAKO[1]},{BAMAKO[0]},Ségou\n".encode()
    raw += f"B,2025-04-03,{BAMAKO[1]},{BAMAKO[0]},Ségou\n".encode("latin-1")
    result = read(raw, "mixed.csv")
    assert result.incidents["location"].tolist() == ["Ségou", "Ségou"]
    (issue,) = result.report.issues
    assert (issue.row, issue.action) == (3, "flagged") and "cp1252" in issue.reason


def test_e07_exports_are_utf8_and_no_lossy_shapefile_is_offered(tmp_path):
    from geo.export.atomic import EXPORT_SUFFIXES
    from geo.export.tabular import write_table_atomic

    frame = points_frame(2).to_crs(32629)
    frame["location"] = ["Ségou", "Kéniéba"]
    with pytest.raises(pyogrio.errors.FieldError):
        pyogrio.write_dataframe(frame, tmp_path / "x.shp", encoding="latin-1")  # default
    assert ".shp" not in EXPORT_SUFFIXES
    ours = points_frame(2, location=["Ségou", "Kéniéba"])
    csv_path = write_table_atomic(ours, tmp_path / "t.csv")
    assert "Kéniéba" in csv_path.read_bytes().decode("utf-8-sig")
    gpkg = write_table_atomic(ours, tmp_path / "t.gpkg")
    assert pyogrio.read_dataframe(gpkg)["location"].tolist() == ["Ségou", "Kéniéba"]


def test_e08_nfc_and_nfd_are_one_text_for_search_and_dedupe():
    nfc, nfd = "Kéniéba", "Ke\u0301nie\u0301ba"
    rows = [
        {
            "id": f"{nfc}-1",
            "date": "2025-04-03",
            "lat": 12.84072,
            "lon": -11.23217,
            "location": nfd,
        },
        {
            "id": f"{nfd}-1",
            "date": "2025-04-04",
            "lat": 12.84072,
            "lon": -11.23217,
            "location": nfc,
        },
    ]
    result = read(csv_bytes(rows), "nfd.csv")
    assert result.incidents["location"].tolist() == [nfc]
    assert [i.reason.startswith("repeats the event id") for i in result.report.issues] == [True]


def test_e09_control_bidi_and_zero_width_text_is_inert():
    from layers.safe import safe_text

    note = "ok\u202eevil\u200b\x07\x1b[31m"
    result = read(one_row_csv(notes=note), "a\u202etxt.csv")
    assert result.report.file == "atxt.csv"
    assert result.incidents["notes"].iat[0] == note  # data kept as given
    shown = safe_text(note)
    assert "\u202e" not in shown and "\x07" not in shown and "\x1b" not in shown
    bad = read(one_row_csv(lat=f"12.6{chr(0x202E)}"), "b.csv").report.issues[0].to_line()
    assert "\\u202e" in bad and "\u202e" not in bad  # messages quote with repr
