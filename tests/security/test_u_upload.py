"""SECURITY.md 4.2, cases U: Upload containers: sizes, zip bombs, nesting, members, paths.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pandas as pd
import pytest

from geo.errors import InputFileError, ParameterError
from geo.io import containers
from geo.io import ingest as ingest_mod
from geo.io.incidents import combine_results
from tests.security.helpers import (
    _OGR_VRT,
    BAMAKO,
    TODAY,
    _bomb,
    _symlink_member_zip,
    csv_bytes,
    ingest,
    make_zip,
    one_row_csv,
    points_frame,
    shapefile_zip,
)


def test_u01_file_over_the_upload_limit_is_refused_with_size_and_limit(monkeypatch):
    from streamlit import config

    assert config.get_option("server.maxUploadSize") == 50  # ours; Streamlit's default is 200
    assert config._config_options_template["server.maxUploadSize"].default_val == 200
    monkeypatch.setattr(ingest_mod, "_run_worker", pytest.fail)  # refused before any parse
    data = b"id,date,lat,lon\n" + b"x" * (50 * 2**20)
    with pytest.raises(InputFileError, match=r"big\.csv is 50\.0 MiB; files up to 50 MiB"):
        ingest(data, "big.csv")


@pytest.mark.parametrize("name", ["evil.exe", "layer.vrt", "doc.kml", "data.xml", "x.tif"])
def test_u02_disallowed_extension_refused_listing_allowed_types(name):
    from ui.controls import UPLOAD_TYPES

    assert name.rsplit(".", 1)[1] not in UPLOAD_TYPES
    with pytest.raises(InputFileError, match=r"are not accepted; accepted: \.csv, \.geojson"):
        ingest(one_row_csv(), name)


@pytest.mark.parametrize("name", ["x.geojson", "x.csv", "x.json", "x.gpkg"])
def test_u03_vrt_content_refused_whatever_the_extension(name):
    vrt = _OGR_VRT.format(src="CSV:/etc/hostname").encode()
    with pytest.raises(InputFileError, match=r"looks like XML or a GDAL VRT"):
        ingest(vrt, name)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\x\\..\\evil.csv", "evil.csv"),
        ("report\u202evsc.exe.csv", "reportvsc.exe.csv"),
        ("zero\u200bwidth\x07.csv", "zerowidth.csv"),
    ],
)
def test_u04_upload_name_is_only_a_cleaned_label(name, shown, tmp_path, monkeypatch):
    from geo.export.atomic import safe_export_name

    monkeypatch.chdir(tmp_path)
    result = ingest(one_row_csv(), name)
    assert result.report.file == shown
    assert result.incidents["source_file"].tolist() == [shown]
    assert list(tmp_path.iterdir()) == []  # nothing written under the user's name
    export_name = safe_export_name("tables", "csv", when=(TODAY, TODAY))
    assert export_name.startswith("sahel-risk-tables_2026-01-01_2026-01-01_")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(make_zip({"../x.csv": b"a"}), "climbs out of the archive", id="dotdot"),
        pytest.param(make_zip({"/tmp/x.csv": b"a"}), "is an absolute path", id="absolute"),
        pytest.param(make_zip({"D:/x.csv": b"a"}), "is an absolute path", id="drive letter"),
        pytest.param(_symlink_member_zip(), "is a symbolic link", id="symlink"),
    ],
)
def test_u05_unsafe_member_names_refuse_the_archive_naming_the_member(data, reason):
    with pytest.raises(InputFileError, match=rf"member '.*' {reason}.*; the archive is refused"):
        ingest(data, "upload.zip")


def test_u06_zip_bomb_rejected_before_any_parse(monkeypatch):
    data = _bomb(120)
    assert len(data) < 2**20  # well under a megabyte, unpacking to 120 MiB
    monkeypatch.setattr(ingest_mod, "_run_worker", pytest.fail)
    with pytest.raises(InputFileError, match=r"unpacks \d+ times its size \(a zip bomb\?\)"):
        ingest(data, "bomb.zip")


def test_u06_declared_total_over_300_mib_rejected_from_the_directory(monkeypatch):
    data = bytearray(make_zip({"a.csv": one_row_csv()}))
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = struct.pack("<I", 400 * 2**20)  # declared uncompressed size
    monkeypatch.setattr(ingest_mod, "_run_worker", pytest.fail)
    with pytest.raises(InputFileError, match=r"would unpack to 400 MiB; at most 300 MiB"):
        ingest(bytes(data), "big.zip")


def test_u07_forged_small_size_stopped_while_unpacking():
    content = csv_bytes(
        [{"id": f"T-{i}", "date": "2025-04-03", "lat": 12.6, "lon": -8} for i in range(400)]
    )
    data = bytearray(make_zip({"events.csv": content}))
    forged = struct.pack("<I", 64)
    data[22:26] = forged  # local header
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = forged  # central directory
    with pytest.raises(InputFileError, match=r"member 'events.csv' (unpacks to more|cannot be)"):
        ingest(bytes(data), "liar.zip")


def test_u08_ten_thousand_members_refused_from_the_end_record(monkeypatch):
    data = make_zip({f"m{i}.txt": b"" for i in range(10_000)}, level=1)

    def no_zipfile(*args: object, **kwargs: object) -> None:
        raise AssertionError("ZipFile must not parse a 10,000-entry directory")

    monkeypatch.setattr(containers.zipfile, "ZipFile", no_zipfile)
    with pytest.raises(InputFileError, match=r"lists 10000 members .* at most 200 members"):
        ingest(data, "many.zip")


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        pytest.param({"inner.zip": make_zip({"a.csv": b"a"})}, "archive inside", id="nested zip"),
        pytest.param({"d/" * 300 + "x.csv": b"a"}, "nested too deeply", id="300-deep path"),
    ],
)
def test_u08_nested_archives_and_deep_paths_refused(members, reason):
    with pytest.raises(InputFileError, match=reason):
        ingest(make_zip(members), "nested.zip")


def test_u09_two_shapefiles_listed_and_layer_chooses(tmp_path):
    a = zipfile.ZipFile(io.BytesIO(shapefile_zip(points_frame(2), tmp_path, stem="north")))
    b = zipfile.ZipFile(io.BytesIO(shapefile_zip(points_frame(1), tmp_path, stem="south")))
    both = make_zip(
        {**{i: a.read(i) for i in a.namelist()}, **{i: b.read(i) for i in b.namelist()}}
    )
    with pytest.raises(InputFileError, match=r"holds 2 shapefiles: 'north.shp', 'south.shp'"):
        ingest(both, "two.zip")
    assert ingest(both, "two.zip", layer="south").report.rows_kept == 1


def test_u10_shapefile_in_a_subfolder_is_found(tmp_path):
    data = shapefile_zip(points_frame(2), tmp_path, folder="export/2025/")
    result = ingest(data, "nested.zip")
    assert result.report.rows_kept == 2
    assert "shapefile 'export/2025/events.shp' read" in result.report.notes


def test_u11_macosx_junk_members_ignored(tmp_path):
    z = zipfile.ZipFile(io.BytesIO(shapefile_zip(points_frame(2), tmp_path)))
    members = {i: z.read(i) for i in z.namelist()}
    members["__MACOSX/._events.shp"] = b"\x00\x05\x16\x07junk"
    members["._events.dbf"] = b"junk"
    assert ingest(make_zip(members), "mac.zip").report.rows_kept == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", r"is empty \(0 bytes\)", id="0 bytes"),
        pytest.param(make_zip({"a.csv": one_row_csv()})[:-30], r"empty or corrupt zip", id="cut"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 40, r"empty or corrupt zip", id="header only"),
    ],
)
def test_u12_empty_or_truncated_file_has_one_clear_error(data, message):
    with pytest.raises(InputFileError, match=message):
        ingest(data, "broken.zip" if data else "empty.csv")


def test_u13_same_file_twice_gives_the_same_rows_and_no_duplicates():
    data = csv_bytes(
        [
            {"id": f"T-{i}", "date": "2025-04-03", "lat": BAMAKO[1], "lon": BAMAKO[0]}
            for i in range(3)
        ]
    )
    first, second = ingest(data), ingest(data)
    pd.testing.assert_frame_equal(first.incidents, second.incidents)
    assert first.report == second.report
    with pytest.raises(ParameterError, match="same file name twice"):
        combine_results([first, second])
    again = combine_results([first, ingest(data, "copy.csv")])
    assert len(again.incidents) == 3 and again.report.n_rejected == 3  # the copy's rows
