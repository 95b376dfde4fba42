"""SECURITY.md 4.2, cases S: Schema: columns, duplicates, types and sizes of the incident table.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.errors import InputFileError
from tests.security.helpers import BAMAKO, FIX, csv_bytes, ingest, one_row_csv, read


def test_s01_missing_latitude_names_found_columns_and_aliases():
    with pytest.raises(InputFileError) as err:
        read(b"id,date,lon,place\nT-1,2025-04-03,-8,Bamako\n", "nolat.csv")
    message = str(err.value)
    assert "no latitude column; found columns: 'id', 'date', 'lon', 'place'" in message
    assert "latitude: latitude, lat, y" in message


def test_s02_coordinate_name_variants_mapped_and_noted():
    for lat, lon in (("Latitude", "Longitude"), ("LAT", "LONG"), ("y", "x")):
        result = read(f"id,date,{lat},{lon}\nT-1,2025-04-03,12.6,-8.0\n".encode(), "v.csv")
        assert result.report.rows_kept == 1
        assert f"column {lat!r} mapped to latitude" in result.report.notes


def test_s03_duplicate_column_names_refused():
    raw = b"id,date,lat,lon,lat\nT-1,2025-04-03,12.6,-8.0,95\n"
    assert list(pd.read_csv(io.BytesIO(raw)).columns)[-1] == "lat.1"  # renamed silently
    with pytest.raises(InputFileError, match=r"has two columns named 'lat' \(columns 3 and 5\)"):
        read(raw, "dup.csv")


def test_s04_duplicate_event_ids_reported_and_not_double_counted():
    raw = (FIX / "duplicates.csv").read_bytes()
    assert pd.read_csv(io.BytesIO(raw))["fatalities"].sum() == 7  # the naive sum
    result = read(raw, "duplicates.csv")
    assert result.incidents["fatalities"].sum() == 4
    (issue,) = [i for i in result.report.issues if i.action == "rejected"]
    assert issue.row == 4 and "repeats the event id of row 2" in issue.reason


def test_s05_acled_2023_schema_accepted_with_a_note():
    result = read((FIX / "acled_2023.csv").read_bytes(), "acled.csv")
    assert result.report.rows_kept == 4
    assert "ACLED export with the 2023+ columns" in result.report.notes


def test_s06_free_text_fatalities_repaired_row_by_row():
    values = ["12 (est.)", "", "unknown"]
    assert pd.to_numeric(pd.Series(values), errors="coerce").isna().all()  # silent NaN
    rows = [
        {"id": f"T-{k}", "date": "2025-04-03", "lat": 12.6, "lon": -8.0, "fatalities": v}
        for k, v in enumerate(values)
    ]
    result = read(csv_bytes(rows), "f.csv")
    assert result.incidents["fatalities"].tolist() == [12, 0, 0]
    assert [i.row for i in result.report.issues if i.column == "fatalities"] == [2, 3, 4]


def test_s07_decimal_comma_parsed_with_a_row_note():
    assert np.isnan(pd.to_numeric(pd.Series(["12,65"]), errors="coerce")[0])
    result = read(b"id;date;lat;lon\nT-1;2025-04-03;12,64932;-8,00034\n", "dc.csv")
    assert result.incidents.geometry.iat[0].equals(shapely.Point(BAMAKO))
    assert any("decimal comma" in i.reason for i in result.report.issues)


def test_s08_long_notes_kept_whole_in_gpkg_and_csv(tmp_path):
    from geo.export.tabular import write_table_atomic

    note = " ".join(["Synthetic note."] * 40)  # 639 characters
    frame = read(one_row_csv(notes=note), "long.csv").incidents
    assert frame["notes"].str.len().iat[0] == len(note)
    with pytest.warns(RuntimeWarning, match="truncated"):
        pyogrio.write_dataframe(frame[["notes", "geometry"]], tmp_path / "x.shp")
    assert len(pyogrio.read_dataframe(tmp_path / "x.shp")["notes"].iat[0]) == 254  # default
    gpkg = write_table_atomic(frame[["event_id", "notes", "geometry"]], tmp_path / "n.gpkg")
    assert pyogrio.read_dataframe(gpkg)["notes"].iat[0] == note
    csv_path = write_table_atomic(frame[["event_id", "notes", "geometry"]], tmp_path / "n.csv")
    assert note in csv_path.read_text(encoding="utf-8-sig")


def test_s09_payload_column_names_are_only_quoted_text():
    raw = b'"{{7*7}}","<script>x</script>",date\n1,2,2025-04-03\n'
    with pytest.raises(InputFileError) as err:
        read(raw, "names.csv")
    assert "'{{7*7}}', '<script>x</script>'" in str(err.value)  # literal, never evaluated
    kept = read(one_row_csv(**{"{{7*7}}": "x"}), "extra.csv").incidents
    assert "{{7*7}}" not in kept.columns  # unknown columns never reach the map


def test_s10_header_only_file_is_a_zero_event_state():
    result = ingest(b"id,date,lat,lon\n", "empty.csv")
    assert (result.report.rows_in, result.report.rows_kept, result.report.usable) == (0, 0, False)
    assert result.incidents.empty and result.incidents.crs == "EPSG:4326"
