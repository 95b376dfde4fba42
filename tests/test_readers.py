"""Tests of geo.io.incidents on hand-checkable synthetic fixtures and the bundled real files.

Fixture answers are listed in tests/fixtures/incidents/README.md. Vector fixtures are
built here from small dictionaries (synthetic events at OSM town points).
"""

import csv
import datetime as dt
import io
import json
import sqlite3
import stat
import struct
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

import geo.io.tables as tables
from geo.errors import InputFileError, ParameterError
from geo.io.containers import IngestLimits
from geo.io.incidents import (
    UCDP_URL,
    ReadResult,
    combine_results,
    load_bundled_incidents,
    read_incidents,
)
from geo.schema import CANONICAL_COLUMNS
from geo.settings import BUNDLED

FIX = Path(__file__).parent / "fixtures" / "incidents"
TODAY = dt.date(2026, 1, 1)
BAMAKO = (-8.00034, 12.64932)  # OSM town points (lon, lat), see the fixtures README
KAYES = (-11.43793, 14.44341)
SEGOU = (-6.26815, 13.44153)


def read(name, **kw):
    return read_incidents(FIX / name, name=name, today=TODAY, **kw)


def read_bytes(data, name, **kw):
    return read_incidents(data, name=name, today=TODAY, **kw)


def xy(result):
    g = result.incidents.geometry
    return list(zip(g.x.round(5), g.y.round(5), strict=True))


def lines(result):
    return [i.to_line() for i in result.report.issues]


def make_zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def check_contract(result):
    """Invariants every ReadResult must hold."""
    assert isinstance(result, ReadResult)
    gdf, rep = result
    assert list(gdf.columns) == CANONICAL_COLUMNS
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
    assert len(gdf) == rep.rows_kept
    assert rep.rows_in == rep.rows_kept + rep.n_rejected
    assert isinstance(gdf.index, pd.RangeIndex)
    if len(gdf):
        assert (gdf.geom_type == "Point").all()
        assert gdf.geometry.x.between(-180, 180).all() and gdf.geometry.y.between(-90, 90).all()
        assert (gdf["fatalities"] >= 0).all()
        assert gdf["event_date"].notna().all()
        assert str(gdf["event_date"].dtype) == "datetime64[ns]"
        assert gdf["geo_precision"].isin([1, 2, 3]).all()
        assert gdf.groupby("source")["event_id"].apply(lambda s: s.is_unique).all()


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("written", "expected", "issue"),
    [
        pytest.param("2025-04-03T23:30:00-05:00", "2025-04-04", "UTC date 2025-04-04", id="zone"),
        pytest.param("2025-04-03T10:00Z", "2025-04-03", None, id="Z, same day"),
        pytest.param("2025-04-03 23:30", "2025-04-03", None, id="no zone: as written"),
    ],
)
def test_timestamps_kept_to_the_day(written, expected, issue):
    r = read_bytes(f"id,date,lat,lon\nA,{written},12.6,-8\n".encode(), "t.csv")
    assert r.incidents["event_date"].iat[0] == pd.Timestamp(expected)
    assert [i.reason.endswith(issue) for i in r.report.issues] == ([True] if issue else [])
    assert any(n.startswith("times of day dropped from 1 date") for n in r.report.notes)


# --------------------------------------------------------------------------- ACLED


def test_acled_2023_export():
    r = read("acled_2023.csv")
    check_contract(r)
    g = r.incidents
    assert r.report.format == "acled_csv"
    assert list(g["event_id"]) == ["MLI90001", "MLI90002", "MLI90003", "MLI90004"]
    assert list(g["event_date"].dt.strftime("%Y-%m-%d")) == [
        "2025-04-03",  # 03-04-2025 is 3 April (ACLED dd-mm-yyyy), not 4 March
        "2025-03-15",
        "2025-02-10",
        "2025-04-13",
    ]
    assert list(g["category"]) == ["armed_attack", "abduction", "explosive", "unrest"]
    assert list(g["precise"]) == [True, False, False, True]
    assert list(g["geo_precision"]) == [1, 2, 3, 1]
    assert list(g["date_precision"]) == ["day", "day", "day", "week"]
    assert list(g["source"].unique()) == ["acled"]
    assert list(g["source_url"]) == ["", "", "", ""]  # ACLED gives no URL; none invented
    assert g["notes"].iat[0] == "Synthetic test row: clash. Source: Synthetic Source A"
    assert g["notes"].iat[1] == "Synthetic test row: two workers taken."
    assert list(g["admin2"]) == ["Bamako", "Kayes", "Segou", "Sikasso"]
    assert xy(r)[0] == BAMAKO
    assert list(g["source_row"]) == [2, 3, 4, 5]
    assert "ACLED export with the 2023+ columns" in r.report.notes


def test_acled_older_export():
    r = read("acled_old.csv")
    check_contract(r)
    assert list(r.incidents["event_date"].dt.strftime("%Y-%m-%d")) == ["2019-01-05", "2019-02-28"]
    assert list(r.incidents["date_precision"]) == ["day", "month"]
    assert list(r.incidents["category"]) == ["armed_attack", "other"]
    assert any("older ACLED export" in n for n in r.report.notes)


def test_acled_dates():
    r = read("dates_acled.csv")
    check_contract(r)
    assert list(r.incidents["source_row"]) == [2, 3, 4, 7, 8]
    assert list(r.incidents["event_date"].dt.strftime("%Y-%m-%d")) == [
        "2025-04-03",
        "2025-04-03",
        "2025-04-03",
        "2030-01-01",
        "1985-06-01",
    ]
    assert [x.row for x in r.report.rejected_rows] == [5, 6, 9, 10]
    assert [x.row for x in r.report.flagged_rows] == [7, 8]
    text = "\n".join(lines(r))
    assert (
        "dates_acled.csv, row 5, column 'event_date': '2023-02-30' is not a calendar date" in text
    )
    assert "'04/03/2025' is not a date in the accepted formats (dd-mm-yyyy," in text
    assert "'2030-01-01' is in the future (after 2026-01-01); row flagged." in text
    assert "'1985-06-01' is before 1989" in text
    assert "row 9, column 'event_date': '' is blank" in text
    assert "row 10, column 'event_date': '31-02-2024' is not a calendar date" in text


def test_duplicate_ids_rejected_and_fatalities_not_double_counted():
    r = read("duplicates.csv")
    check_contract(r)
    assert list(r.incidents["event_id"]) == ["MLI70001", "MLI70002"]
    assert r.incidents["fatalities"].sum() == 4  # a naive sum of the file gives 7
    assert lines(r) == [
        "duplicates.csv, row 4, column 'event_id_cnty': 'MLI70001' repeats the event id of "
        "row 2; the later copy is rejected so its fatalities are not counted twice; "
        "row rejected."
    ]


# --------------------------------------------------------------------------- UCDP


def test_ucdp_full_schema():
    r = read("ucdp_full.csv")
    check_contract(r)
    g = r.incidents
    assert r.report.format == "ucdp_csv"
    assert list(g["event_type"]) == [
        "State-based violence",
        "Non-state violence",
        "One-sided violence",
    ]
    assert list(g["category"]) == ["armed_attack", "armed_attack", "violence_against_civilians"]
    assert list(g["geo_precision"]) == [1, 2, 3]
    # where_prec 2 ("within 25 km") is imprecise where the file gives it (DESIGN.md)
    assert list(g["precise"]) == [True, False, False]
    assert list(g["date_precision"]) == ["day", "month", "year"]
    assert list(g["event_date"].dt.strftime("%Y-%m-%d")) == [
        "2015-06-27",
        "2018-05-01",
        "2020-01-01",
    ]
    assert list(g["location"]) == ["Nara town", "Segou town", "Kayes region"]
    assert list(g["admin1"]) == ["Koulikoro region", "Segou region", "Kayes region"]
    assert list(g["admin2"]) == ["Nara cercle", "Segou cercle", ""]
    assert list(g["actor1"]) == ["Government of Mali", "Dogon", "JNIM"]
    assert list(g["fatalities"]) == [6, 3, 1]
    assert (g["source_url"] == UCDP_URL).all()


def test_ucdp_reduced_extract():
    r = read("ucdp_reduced.csv")
    check_contract(r)
    assert list(r.incidents["fatalities"]) == [12, 2]  # best_death
    assert list(r.incidents["geo_precision"]) == [2, 2]
    assert r.incidents["precise"].all()
    assert any("no where_prec column" in n for n in r.report.notes)


def test_ucdp_reduced_without_date_start_builds_it():
    text = (FIX / "ucdp_reduced.csv").read_text()
    no_date = "\n".join(line.rsplit(",", 1)[0] for line in text.splitlines()) + "\n"
    r = read_bytes(no_date.encode(), "ucdp_nodate.csv")
    assert list(r.incidents["event_date"].dt.strftime("%Y-%m-%d")) == ["2019-03-23", "2020-07-01"]
    assert any("built from year, month and day" in n for n in r.report.notes)


# --------------------------------------------------------------------------- news log


def test_news_schema():
    r = read("news_small.csv")
    check_contract(r)
    g = r.incidents
    assert r.report.format == "news_csv"
    assert list(g["geo_precision"]) == [1, 2, 3]
    assert list(g["precise"]) == [True, False, False]
    assert list(g["fatalities"]) == [30, 0, 2]
    assert list(g["date_precision"]) == ["day", "week", "month"]
    assert list(g["category"]) == ["attack_on_convoy", "abduction", "attack_on_site"]
    assert list(g["source_url"]) == [f"https://example.org/synthetic-{i}" for i in (1, 2, 3)]
    assert g["notes"].iat[1] == (
        "Synthetic test row: three workers abducted. Victims: 3 Nationalities: synthetic"
    )
    assert g["location"].iat[2] == "Kéniéba cercle"
    assert [x.row for x in r.report.repaired_rows] == [2, 3]
    assert lines(r)[0] == (
        "news_small.csv, row 2, column 'fatalities': '30-32' is not a whole number; read as "
        "30 (the first figure, the lower end of a range); row repaired."
    )


# --------------------------------------------------------------------------- coordinates


@pytest.mark.parametrize(
    ("row", "action", "fragment"),
    [
        pytest.param(3, "rejected", "column 'lat': '' is blank", id="blank latitude"),
        pytest.param(4, "rejected", "column 'lat': 95.2 is outside -90..90", id="lat 95"),
        pytest.param(5, "rejected", "column 'lon': 200.0 is outside -180..180", id="lon 200"),
        pytest.param(6, "rejected", "'null island' (0, 0)", id="null island"),
        pytest.param(7, "repaired", "latitude and longitude swapped back", id="swapped"),
        pytest.param(8, "rejected", "projected?", id="UTM metres without CRS"),
        pytest.param(9, "repaired", "'12,64932' has a decimal comma; read as 12.64932", id="comma"),
        pytest.param(10, "rejected", "'abc' is not a decimal number", id="not a number"),
    ],
)
def test_coordinate_rules(row, action, fragment):
    r = read("coordinates.csv")
    mine = [i for i in r.report.issues if i.row == row]
    assert mine, f"no issue for row {row}"
    assert any(fragment in i.to_line() and i.action == action for i in mine), [
        i.to_line() for i in mine
    ]


def test_coordinate_fixture_totals():
    r = read("coordinates.csv")
    check_contract(r)
    rep = r.report
    assert (rep.rows_in, rep.rows_kept, rep.n_repaired, rep.n_rejected) == (9, 3, 2, 6)
    assert list(r.incidents["event_id"]) == ["C01", "C06", "C08"]
    assert xy(r) == [BAMAKO, BAMAKO, BAMAKO]  # the swap and the commas are repaired exactly


def test_swap_not_applied_outside_west_africa():
    # Synthetic: a row naming Gabon at lat 0.5, lon 9.5 is outside the box, and its swap
    # (lon 0.5, lat 9.5) is inside it; the country says the point is not West African.
    data = b"id,date,lat,lon,country\nX1,2025-01-01,0.5,9.5,Gabon\nX2,2025-01-01,0.5,9.5,\n"
    r = read_bytes(data, "gabon.csv")
    assert xy(r) == [(9.5, 0.5), (0.5, 9.5)]  # named country kept; no country swapped
    assert [i.row for i in r.report.issues if i.action == "repaired"] == [3]
    assert any("1 point outside the West-Africa box" in n for n in r.report.notes)


def test_single_zero_coordinate_flagged():
    data = b"id,date,lat,lon\nX1,2025-01-01,14.2,0\n"
    r = read_bytes(data, "zero.csv")
    assert r.report.rows_kept == 1 and r.report.n_flagged == 1
    assert "column 'lon': 0.0 is exactly 0" in lines(r)[0]


def test_semicolon_file_with_decimal_commas():
    r = read("semicolon_decimal_comma.csv")
    check_contract(r)
    assert xy(r) == [BAMAKO, KAYES]
    assert r.report.n_repaired == 2
    assert "delimiter: ';'" in r.report.notes


# --------------------------------------------------------------------------- fatalities


def test_fatalities_free_text():
    r = read("fatalities.csv")
    check_contract(r)
    assert list(r.incidents["fatalities"]) == [12, 30, 0, 0, 7, 0, 1200]
    assert [x.row for x in r.report.repaired_rows] == [2, 3, 4, 5, 7, 8]
    text = "\n".join(lines(r))
    assert "'12 (est.)' is not a whole number; read as 12" in text
    assert "'30-32' is not a whole number; read as 30" in text
    assert "'unknown' is not a number; fatalities set to 0" in text
    assert "row 5, column 'fatalities': '' is blank; fatalities set to 0" in text
    assert "'-2' is negative" in text


# --------------------------------------------------------------------------- encodings, text


def test_cp1252_detected_and_exact():
    r = read("cp1252.csv")
    assert list(r.incidents["location"]) == ["Ségou", "Kéniéba"]
    assert r.incidents["notes"].iat[0] == "l\u2019attaque"
    assert any("cp1252" in n for n in r.report.notes)


def test_latin1_detected_and_exact():
    r = read("latin1.csv")
    assert list(r.incidents["location"]) == ["Ségou", "Kéniéba"]
    assert any(n.startswith("encoding: Latin-1") for n in r.report.notes)


def test_utf8_bom_header_exact():
    r = read("utf8_bom.csv")
    assert r.report.format == "acled_csv"
    assert list(r.incidents["event_id"]) == ["MLI50001"]
    assert "encoding: UTF-8 with byte-order mark" in r.report.notes


def test_utf16_with_bom():
    data = "id,date,lat,lon,location\nU1,2025-01-01,13.44153,-6.26815,Ségou\n".encode("utf-16")
    r = read_bytes(data, "u16.csv")
    assert list(r.incidents["location"]) == ["Ségou"]


def test_nfd_text_normalised_to_nfc():
    r = read("nfd.csv")
    assert r.incidents["location"].iat[0] == "Kéniéba"
    assert r.incidents["location"].iat[0] == "K\u00e9ni\u00e9ba"


def test_mixed_utf8_and_latin1_rows_decoded_per_line_and_flagged():
    raw = b"id,date,lat,lon,location\n"
    raw += "A,2025-04-03,12.64932,-8.00034,S\u00e9gou\n".encode()
    raw += "B,2025-04-03,12.64932,-8.00034,K\u00e9ni\u00e9ba\n".encode("latin-1")
    r = read_bytes(raw, "mixed.csv")
    assert list(r.incidents["location"]) == ["Ségou", "Kéniéba"]  # no 'SÃ©gou'
    assert lines(r) == [
        "mixed.csv, row 3, column 'location': 'Kéniéba' is on a row that is not UTF-8 like "
        "the rest of the file; the row was decoded as cp1252 (Windows-1252): check its text; "
        "row flagged."
    ]


def test_c1_bytes_fall_back_to_latin1_with_warning():
    data = b"id,date,lat,lon,location\nX,2025-01-01,12.6,-8.0,S\x81gou\n"
    r = read_bytes(data, "c1.csv")
    assert r.report.rows_kept == 1
    assert any("C1 control characters" in n for n in r.report.notes)


# --------------------------------------------------------------------------- schema, aliases


def test_alias_table_notes_each_mapping():
    r = read("aliases.csv")
    check_contract(r)
    notes = r.report.notes
    for src, dst in [
        ("Latitude", "latitude"),
        ("LONG", "longitude"),
        ("ID", "event_id"),
        ("Date", "event_date"),
        ("Deaths", "fatalities"),
    ]:
        assert f"column {src!r} mapped to {dst}" in notes
    assert list(r.incidents["category"]) == ["abduction", "armed_attack"]
    assert list(r.incidents["source"]) == ["user", "user"]
    assert r.incidents["location"].iat[0] == "Ségou"


def test_missing_latitude_names_columns_and_aliases():
    data = b"id,date,lon\nX,2025-01-01,-8\n"
    with pytest.raises(InputFileError, match=r"nolat.csv: no latitude column; found columns: "):
        read_bytes(data, "nolat.csv")
    with pytest.raises(InputFileError, match=r"latitude: latitude, lat, y"):
        read_bytes(data, "nolat.csv")


def test_missing_acled_column_named():
    data = b"event_id_cnty,event_type,latitude,longitude\nM1,Battles,12.6,-8\n"
    with pytest.raises(InputFileError, match=r"looks like an ACLED file but has no 'event_date'"):
        read_bytes(data, "acled.csv")


def test_duplicate_column_names_refused():
    data = b"id,date,lat,lon,lat\nX,2025-01-01,1,2,3\n"
    with pytest.raises(InputFileError, match=r"two columns named 'lat' \(columns 3 and 5\)"):
        read_bytes(data, "dup.csv")


def test_ambiguous_aliases_refused():
    data = b"id,date,lat,latitude,lon\nX,2025-01-01,12.6,12.6,-8\n"
    with pytest.raises(InputFileError, match=r"'lat', 'latitude' could all be the latitude"):
        read_bytes(data, "amb.csv")


def test_header_only_gives_zero_rows():
    r = read_bytes(b"id,date,lat,lon\n", "empty_rows.csv")
    check_contract(r)
    assert r.report.rows_in == 0 and not r.report.usable


def test_ragged_row_rejected_with_row_number():
    data = b"id,date,lat,lon\nX1,2025-01-01,12.6,-8.0\nX2,2025-01-01,12,6,-8.0\nX3,2025-01-01\n"
    r = read_bytes(data, "ragged.csv")
    check_contract(r)
    assert list(r.incidents["event_id"]) == ["X1"]
    assert [x.row for x in r.report.rejected_rows] == [3, 4]
    assert "the row has 5 fields but the header has 4" in lines(r)[0]


def test_quoted_newline_keeps_spreadsheet_row_numbers():
    data = b'id,date,lat,lon,notes\nX1,2025-01-01,12.6,-8.0,"two\nlines"\nX2,2025-01-01,95,-8,\n'
    r = read_bytes(data, "multiline.csv")
    assert r.incidents["notes"].iat[0] == "two\nlines"
    assert r.report.rejected_rows[0].row == 3  # record 3 in a spreadsheet, line 4 in the file


def test_blank_lines_skipped_and_noted():
    data = b"id,date,lat,lon\nX1,2025-01-01,12.6,-8.0\n\nX2,2025-01-01,12.6,-8.0\n"
    r = read_bytes(data, "blank.csv")
    assert r.report.rows_in == 2
    assert list(r.incidents["source_row"]) == [2, 4]
    assert "1 blank lines skipped" in r.report.notes


def test_category_column_in_user_file_wins():
    data = b"id,date,lat,lon,type,category\nX1,2025-01-01,12.6,-8.0,armed_attack,abduction\n"
    r = read_bytes(data, "cat.csv")
    assert r.incidents["category"].iat[0] == "abduction"
    assert r.incidents["category_rule"].iat[0] == "column"


def test_user_file_with_acled_or_ucdp_event_types():
    data = (
        b"id,date,lat,lon,type,sub_event_type\n"
        b"A,2025-01-01,12.6,-8,Battles,Armed clash\n"
        b"B,2025-01-01,12.6,-8,One-sided violence,\n"
        b"C,2025-01-01,12.6,-8,kidnapping,\n"
        b"D,2025-01-01,12.6,-8,something else,\n"
    )
    r = read_bytes(data, "types.csv")
    assert list(r.incidents["category"]) == [
        "armed_attack",
        "violence_against_civilians",
        "abduction",
        "other",
    ]
    assert list(r.incidents["category_rule"]) == ["table", "table", "table", "default"]
    assert "event types of 1 row matched with the ACLED table" in r.report.notes


def test_blank_event_id_rejected():
    data = b"id,date,lat,lon\n,2025-01-01,12.6,-8.0\n"
    r = read_bytes(data, "noid.csv")
    assert "column 'id': '' is blank; every event needs an id" in lines(r)[0]


def test_user_file_without_id_column_gets_row_ids():
    r = read_bytes(b"date,lat,lon\n2025-01-01,12.6,-8.0\n", "noidcol.csv")
    assert list(r.incidents["event_id"]) == ["row-2"]


def test_fmt_override_and_bad_fmt():
    r = read("acled_2023.csv", fmt="csv")
    assert r.report.format == "csv" and set(r.incidents["source"]) == {"user"}
    with pytest.raises(ParameterError, match=r"fmt was 'ods' but is expected to be one of"):
        read("acled_2023.csv", fmt="ods")
    with pytest.raises(InputFileError, match=r"format 'geojson' was asked for but the content"):
        read("acled_2023.csv", fmt="geojson")


# --------------------------------------------------------------------------- conformance


def events_frame():
    """The synthetic 3-event set used by the reader conformance test."""
    return gpd.GeoDataFrame(
        {
            "event_id": ["K1", "K2", "K3"],
            "event_date": ["2025-04-03", "2025-05-10", "2025-06-21"],
            "event_type": ["kidnapping", "convoy_attack", "armed_attack"],
            "fatalities": [0, 3, 12],
            "location": ["Ségou", "Kayes", "Bamako"],
            "notes": ["synthetic one", "synthetic two", "synthetic three"],
        },
        geometry=[shapely.Point(*SEGOU), shapely.Point(*KAYES), shapely.Point(*BAMAKO)],
        crs=4326,
    )


def shapefile_zip(gdf, tmp_path, *, stem="events", folder="", drop=(), extra=None):
    d = tmp_path / f"shp-{stem}"
    d.mkdir()
    gdf.to_file(d / f"{stem}.shp", engine="pyogrio")
    members = {}
    for p in sorted(d.iterdir()):
        if p.suffix not in drop:
            members[f"{folder}{p.name}"] = p.read_bytes()
    members.update(extra or {})
    return make_zip(members)


def conformance_inputs(tmp_path):
    gdf = events_frame()
    csv = gdf.drop(columns="geometry").assign(latitude=gdf.geometry.y, longitude=gdf.geometry.x)
    out = {"events.csv": csv.to_csv(index=False).encode()}
    gj = json.loads(gdf.to_json(drop_id=True))
    out["events.geojson"] = json.dumps(gj).encode()
    gdf.to_file(tmp_path / "events.gpkg", engine="pyogrio", layer="events")
    out["events.gpkg"] = (tmp_path / "events.gpkg").read_bytes()
    out["events.zip"] = shapefile_zip(gdf, tmp_path)
    return out


def test_reader_conformance_same_canonical_frame(tmp_path):
    frames = {}
    for name, data in conformance_inputs(tmp_path).items():
        r = read_bytes(data, name)
        check_contract(r)
        assert r.report.rows_kept == 3 and r.report.n_rejected == 0, r.report.to_lines()
        frames[name] = r.incidents.drop(columns=["source_file", "source_row"])
    base = frames.pop("events.csv")
    assert list(base["category"]) == ["abduction", "attack_on_convoy", "armed_attack"]
    assert list(base["location"]) == ["Ségou", "Kayes", "Bamako"]
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(
            pd.DataFrame(frame.drop(columns="geometry")),
            pd.DataFrame(base.drop(columns="geometry")),
            obj=name,
        )
        assert frame.geometry.geom_equals_exact(base.geometry, tolerance=1e-9).all(), name


# --------------------------------------------------------------------------- GeoJSON


def feature(geometry, i, **props):
    return {
        "type": "Feature",
        "properties": {"id": f"G{i}", "date": "2025-01-01", **props},
        "geometry": geometry,
    }


def fc(*geoms, **top):
    return json.dumps(
        {
            "type": "FeatureCollection",
            **top,
            "features": [feature(g, i) for i, g in enumerate(geoms)],
        }
    ).encode()


POINT = {"type": "Point", "coordinates": list(BAMAKO)}


@pytest.mark.parametrize(
    ("geometry", "action", "fragment"),
    [
        pytest.param(
            {
                "type": "Polygon",
                "coordinates": [[[-8, 12], [-7, 12], [-7, 13], [-8, 13], [-8, 12]]],
            },
            "repaired",
            "is a Polygon; replaced by a point inside it (-7.50000, 12.50000) and marked imprecise",
            id="polygon -> representative point",
        ),
        pytest.param(
            {"type": "LineString", "coordinates": [[-8, 12], [-7, 12]]},
            "rejected",
            "is a LineString; incidents must be points",
            id="line rejected",
        ),
        pytest.param(
            {"type": "MultiPoint", "coordinates": [[-8, 12]]},
            "repaired",
            "is a MultiPoint with one point; that point is used",
            id="multipoint of one",
        ),
        pytest.param(
            {"type": "MultiPoint", "coordinates": [[-8, 12], [-7, 12]]},
            "rejected",
            "is a MultiPoint of 2 points",
            id="multipoint of two",
        ),
        pytest.param(None, "rejected", "None is null", id="null geometry"),
        pytest.param(
            {"type": "GeometryCollection", "geometries": []},
            "rejected",
            "'GEOMETRYCOLLECTION EMPTY' is empty",
            id="empty geometry",
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": [[[-8, 12], [-7, 12], [-7, 13]]]},
            "rejected",
            "is not a readable geometry (unclosed ring?)",
            id="unclosed ring",
        ),
        pytest.param(
            {"type": "Point", "coordinates": [BAMAKO[1], BAMAKO[0]]},
            "repaired",
            "latitude and longitude swapped back",
            id="lat/lon order",
        ),
    ],
)
def test_geojson_geometry_rules(geometry, action, fragment):
    r = read_bytes(fc(POINT, geometry), "g.geojson")
    check_contract(r)
    assert r.report.rows_in == 2
    issues = [i for i in r.report.issues if i.row == 2]
    assert len(issues) == 1 and issues[0].action == action
    assert fragment in issues[0].to_line()
    assert issues[0].to_line().startswith("g.geojson, feature 2, column 'geometry': ")


@pytest.mark.parametrize(
    ("ring", "fragment"),
    [
        pytest.param(
            [[-8, 12], [-7, 12], [-8, 12]],
            "is not a valid polygon (Too few points",
            id="3 coordinates",
        ),
        pytest.param(
            [[-8, 12], [-7, 12], [-6, 12], [-8, 12]],
            "is not a valid polygon (Self-intersection",
            id="zero area",
        ),
        pytest.param(
            [[179, 10], [-179, 10], [-179, 11], [179, 11], [179, 10]],
            "crosses the antimeridian",
            id="antimeridian (would become a point at lon 0)",
        ),
    ],
)
def test_degenerate_polygons_rejected_per_feature(ring, fragment):
    r = read_bytes(fc(POINT, {"type": "Polygon", "coordinates": [ring]}), "d.geojson")
    assert (r.report.rows_kept, r.report.n_rejected) == (1, 1)
    (issue,) = r.report.issues
    assert issue.row == 2 and fragment in issue.reason


def test_bow_tie_made_valid_not_buffered():
    # Two triangles touching at (-7, 13): make_valid keeps both lobes (area 1.0 each).
    bow = [[-8, 12], [-6, 14], [-6, 12], [-8, 14], [-8, 12]]
    r = read_bytes(fc({"type": "Polygon", "coordinates": [bow]}), "bow.geojson")
    (issue,) = r.report.issues
    assert issue.action == "repaired" and "after make_valid (Self-intersection" in issue.reason
    x, y = xy(r)[0]
    assert -8 < x < -6 and 12 < y < 14


def test_geojson_polygon_marked_imprecise():
    square = [[[-8, 12], [-7, 12], [-7, 13], [-8, 13], [-8, 12]]]
    r = read_bytes(fc({"type": "Polygon", "coordinates": square}), "poly.geojson")
    assert list(r.incidents["geo_precision"]) == [3]
    assert list(r.incidents["precise"]) == [False]


def test_geojson_z_dropped_with_note():
    r = read_bytes(fc({"type": "Point", "coordinates": [*BAMAKO, 350.0]}), "z.geojson")
    assert xy(r) == [BAMAKO]
    assert not r.incidents.has_z.any()
    assert "Z/M values dropped from 1 feature (lon/lat kept)" in r.report.notes


def test_geojson_crs_link_refused_before_gdal(monkeypatch):
    def no_gdal(*a, **k):
        raise AssertionError("GDAL must not see a GeoJSON with a crs member")

    monkeypatch.setattr(tables.pyogrio.raw, "read", no_gdal)
    link = {"type": "link", "properties": {"href": "http://127.0.0.1:9/crs.prj", "type": "proj4"}}
    with pytest.raises(InputFileError, match=r"has a 'crs' member .* RFC 7946"):
        read_bytes(fc(POINT, crs=link), "link.geojson")
    utm = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32629"}}
    with pytest.raises(InputFileError, match=r"has a 'crs' member"):
        read_bytes(fc(POINT, crs=utm), "utm.geojson")


def test_geojson_crs84_name_as_gdal_writes_it_is_dropped_with_note():
    crs84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    r = read_bytes(fc(POINT, crs=crs84), "qgis.geojson")
    assert r.report.rows_kept == 1
    assert any("dropped before reading (RFC 7946)" in n for n in r.report.notes)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'{"type": "Polygon", "coordinates": []}', "JSON of type 'Polygon'"),
        (b'{"type": "FeatureCollection", "features": 3}', "'features' must be a list"),
        (b'{"type": "FeatureCollection", "features": [1]}', "feature 1 is not a GeoJSON Feature"),
        (b'{"type": "FeatureCollection", "features": [', "is not valid JSON"),
        (b'{"a": NaN}', "is not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"type": "FeatureCollection", "features": []}\xff', "must be UTF-8"),
    ],
)
def test_geojson_malformed(data, fragment):
    with pytest.raises(InputFileError, match="bad.geojson") as exc:
        read_bytes(data, "bad.geojson")
    assert fragment in str(exc.value)


# --------------------------------------------------------------------------- GeoPackage


def gpkg_bytes(tmp_path, layers, name="multi.gpkg"):
    path = tmp_path / name
    for layer, gdf in layers.items():
        gdf.to_file(path, layer=layer, engine="pyogrio")
    return path.read_bytes()


def test_gpkg_several_point_layers_listed(tmp_path):
    data = gpkg_bytes(tmp_path, {"a": events_frame(), "b": events_frame()})
    with pytest.raises(InputFileError, match=r"has 2 layers: 'a' \(Point\), 'b' \(Point\)"):
        read_bytes(data, "multi.gpkg")
    r = read_bytes(data, "multi.gpkg", layer="b")
    assert r.report.rows_kept == 3 and "layer: 'b'" in r.report.notes
    with pytest.raises(InputFileError, match=r"has no layer 'c'"):
        read_bytes(data, "multi.gpkg", layer="c")


def test_gpkg_single_point_layer_chosen_among_others(tmp_path):
    polys = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.box(-8, 12, -7, 13)], crs=4326)
    data = gpkg_bytes(tmp_path, {"areas": polys, "events": events_frame()})
    r = read_bytes(data, "mixed.gpkg")
    assert r.report.rows_kept == 3
    assert "layer: 'events' (the only point layer; not read: 'areas')" in r.report.notes


def test_gpkg_date_field_and_projected_crs(tmp_path):
    gdf = events_frame()
    gdf["event_date"] = pd.to_datetime(gdf["event_date"]).dt.date
    utm = gdf.to_crs(32629)
    data = gpkg_bytes(tmp_path, {"events": utm}, name="utm.gpkg")
    r = read_bytes(data, "utm.gpkg")
    assert list(r.incidents["event_date"].dt.strftime("%Y-%m-%d")) == list(
        events_frame()["event_date"]
    )
    back = np.array(xy(r))
    assert np.allclose(back, [SEGOU, KAYES, BAMAKO], atol=1e-5)
    assert any("reprojected from 'WGS 84 / UTM zone 29N'" in n for n in r.report.notes)


def test_plain_sqlite_refused(tmp_path):
    path = tmp_path / "plain.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    with pytest.raises(InputFileError, match="an SQLite database but not a GeoPackage"):
        read_bytes(path.read_bytes(), "plain.gpkg")


def test_gpkg_view_layer_refused(tmp_path):
    data = gpkg_bytes(tmp_path, {"events": events_frame()}, name="view.gpkg")
    path = tmp_path / "view.gpkg"
    con = sqlite3.connect(path)
    con.execute("CREATE VIEW v AS SELECT * FROM events")
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
        "VALUES ('v', 'features', 'v', 4326)"
    )
    con.commit()
    con.close()
    assert data != path.read_bytes()
    with pytest.raises(InputFileError, match=r"layer\(s\) 'v' are SQL views"):
        read_bytes(path.read_bytes(), "view.gpkg")


# --------------------------------------------------------------------------- shapefile zip


def test_shapefile_in_subfolder_with_macosx_junk(tmp_path):
    data = shapefile_zip(
        events_frame(), tmp_path, folder="export/", extra={"__MACOSX/export/._events.shp": b"x"}
    )
    r = read_bytes(data, "events.zip")
    assert r.report.format == "shapefile_zip" and r.report.rows_kept == 3
    assert "shapefile 'export/events.shp' read" in r.report.notes


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ((".shx",), r"has no events.shx \(the index\); add the missing"),
        ((".dbf",), r"has no events.dbf \(the attributes\)"),
        ((".shx", ".dbf"), r"has no events.shx \(the index\) and no events.dbf"),
    ],
)
def test_shapefile_missing_sidecar_named(tmp_path, drop, message):
    data = shapefile_zip(events_frame(), tmp_path, drop=drop)
    with pytest.raises(InputFileError, match=message):
        read_bytes(data, "events.zip")


def test_shapefile_without_prj_lonlat_kept_with_note(tmp_path):
    r = read_bytes(shapefile_zip(events_frame(), tmp_path, drop=(".prj",)), "noprj.zip")
    assert r.report.rows_kept == 3
    assert any(n.startswith("no events.prj: the CRS is unknown") for n in r.report.notes)


def test_shapefile_without_prj_projected_rejected(tmp_path):
    utm = events_frame().to_crs(32629)
    r = read_bytes(shapefile_zip(utm, tmp_path, drop=(".prj",)), "utm_noprj.zip")
    assert r.report.rows_kept == 0 and r.report.n_rejected == 3
    assert "projected coordinates (metres) without a CRS (no .prj); projected?" in lines(r)[0]


def test_shapefile_with_prj_reprojected(tmp_path):
    utm = events_frame().to_crs(32629)
    r = read_bytes(shapefile_zip(utm, tmp_path), "utm.zip")
    assert np.allclose(np.array(xy(r)), [SEGOU, KAYES, BAMAKO], atol=1e-5)


def test_bamako_utm_known_point_to_a_metre():
    # Axis-order check (SECURITY C04): lon/lat in, always_xy, back to within 1 m.
    fwd = Transformer.from_crs(4326, 32629, always_xy=True)
    x, y = fwd.transform(*BAMAKO)
    assert 600_000 < x < 610_000 and 1_395_000 < y < 1_400_000
    data = b"id,date,lat,lon\nX,2025-01-01,12.64932,-8.00034\n"
    assert xy(read_bytes(data, "b.csv")) == [BAMAKO]


def test_two_shapefiles_listed_and_layer_chooses(tmp_path):
    a = shapefile_zip(events_frame(), tmp_path, stem="a")
    b = shapefile_zip(events_frame().iloc[:1], tmp_path, stem="b")
    with zipfile.ZipFile(io.BytesIO(a)) as za, zipfile.ZipFile(io.BytesIO(b)) as zb:
        members = {n: za.read(n) for n in za.namelist()} | {n: zb.read(n) for n in zb.namelist()}
    data = make_zip(members)
    with pytest.raises(InputFileError, match=r"holds 2 shapefiles: 'a.shp', 'b.shp'"):
        read_bytes(data, "two.zip")
    assert read_bytes(data, "two.zip", layer="b").report.rows_kept == 1


@pytest.mark.parametrize("encoding", ["UTF-8", "ISO-8859-1"])
def test_shapefile_dbf_without_cpg_decoded_exactly(tmp_path, encoding):
    gdf = events_frame()
    d = tmp_path / "enc"
    d.mkdir()
    gdf.to_file(d / "events.shp", engine="pyogrio", encoding=encoding)
    members = {p.name: p.read_bytes() for p in d.iterdir() if p.suffix != ".cpg"}
    dbf = bytearray(members["events.dbf"])
    dbf[29] = 0  # no language driver id either: only the bytes tell the encoding
    members["events.dbf"] = bytes(dbf)
    r = read_bytes(make_zip(members), "enc.zip")
    assert list(r.incidents["location"]) == ["Ségou", "Kayes", "Bamako"]


def pointzm_shapefile(points):
    """Bytes of a PointZM shapefile (.shp, .shx), shape type 11, written by hand."""
    xs, ys, zs, ms = zip(*points, strict=True)
    bbox = struct.pack(
        "<8d", min(xs), min(ys), max(xs), max(ys), min(zs), max(zs), min(ms), max(ms)
    )

    def header(length_words):
        return (
            struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length_words)
            + struct.pack("<2i", 1000, 11)
            + bbox
        )

    shp, shx, offset = header(50 + 22 * len(points)), header(50 + 4 * len(points)), 50
    for k, p in enumerate(points, start=1):
        shp += struct.pack(">2i", k, 18) + struct.pack("<i4d", 11, *p)
        shx += struct.pack(">2i", offset, 18)
        offset += 22
    return shp, shx


def test_zm_shapefile_read_as_2d(tmp_path):
    gdf = events_frame().iloc[:1]
    d = tmp_path / "zm"
    d.mkdir()
    gdf.to_file(d / "zm.shp", engine="pyogrio")
    shp, shx = pointzm_shapefile([(*SEGOU, 350.0, 7.0)])
    members = {p.name: p.read_bytes() for p in d.iterdir()} | {"zm.shp": shp, "zm.shx": shx}
    r = read_bytes(make_zip(members), "zm.zip")
    assert xy(r) == [SEGOU]
    assert not r.incidents.has_z.any()
    assert "Z/M values dropped from 1 feature (lon/lat kept)" in r.report.notes


def test_zip_with_single_csv_read():
    data = make_zip({"export/acled.csv": (FIX / "acled_2023.csv").read_bytes()})
    r = read_bytes(data, "acled.zip")
    assert r.report.format == "acled_csv" and r.report.rows_kept == 4
    assert r.incidents["source_file"].iat[0] == "acled.zip"
    assert "read from zip member 'export/acled.csv'" in r.report.notes


def test_zip_with_csv_and_readme_and_forced_format():
    members = {
        "acled.csv": (FIX / "acled_2023.csv").read_bytes(),
        "README.txt": b"terms of use",
    }
    r = read_bytes(make_zip(members), "acled.zip", fmt="acled_csv")
    assert r.report.format == "acled_csv" and r.report.rows_kept == 4
    with pytest.raises(InputFileError, match=r"format 'acled_csv' was asked for but the zip"):
        read_bytes(shapefile_zip_bytes(), "s.zip", fmt="acled_csv")


def shapefile_zip_bytes():
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return shapefile_zip(events_frame(), Path(tmp))


def test_prj_that_is_not_wkt_refused(tmp_path):
    data = shapefile_zip(
        events_frame(), tmp_path, drop=(".prj",), extra={"events.prj": b"http://x/crs"}
    )
    with pytest.raises(InputFileError, match=r"'events.prj' is not a WKT coordinate system"):
        read_bytes(data, "badprj.zip")


# --------------------------------------------------------------------------- zip safety


def symlink_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("link.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(make_zip({"../evil.csv": b"a"}), r"climbs out of the archive", id="dotdot"),
        pytest.param(make_zip({"/abs.csv": b"a"}), r"is an absolute path", id="absolute"),
        pytest.param(make_zip({"C:/x/evil.csv": b"a"}), r"is an absolute path", id="drive"),
        pytest.param(symlink_zip(), r"'link.csv' is a symbolic link", id="symlink"),
        pytest.param(make_zip({"inner.zip": make_zip({"a.csv": b"a"})}), "nested", id="nested"),
        pytest.param(
            make_zip({f"f{i}.txt": b"" for i in range(201)}), r"lists 201 members", id="members"
        ),
        pytest.param(make_zip({"a/" * 12 + "deep.csv": b"a"}), "nested too deeply", id="deep"),
        pytest.param(make_zip({"big.csv": b"0" * (5 * 2**20)}), r"zip bomb", id="ratio"),
        pytest.param(b"PK\x03\x04truncated", r"empty or corrupt zip", id="truncated"),
        pytest.param(make_zip({"a.csv": b"x", "b.csv": b"y"}), r"not exactly one CSV", id="two"),
        pytest.param(make_zip({"readme.md": b"x"}), r"holds no shapefile", id="nothing"),
    ],
)
def test_unsafe_or_unusable_zip_refused(data, message):
    with pytest.raises(InputFileError, match=message):
        read_bytes(data, "upload.zip")


def test_zip_total_size_cap():
    data = make_zip({"a.csv": bytes(range(256)) * 8})
    with pytest.raises(InputFileError, match=r"would unpack to 0 MiB; at most 0 MiB"):
        read_bytes(data, "upload.zip", limits=IngestLimits(max_unzipped_bytes=1000))


def test_zip_lying_header_stopped_by_streaming_cap():
    content = (FIX / "acled_2023.csv").read_bytes()
    data = bytearray(make_zip({"acled.csv": content}))
    true_size = struct.pack("<I", len(content))
    forged = struct.pack("<I", 100)
    # Patch the uncompressed size in the local header (offset 22) and central directory.
    assert data[22:26] == true_size
    data[22:26] = forged
    cd = data.rfind(b"PK\x01\x02")
    assert data[cd + 24 : cd + 28] == true_size
    data[cd + 24 : cd + 28] = forged
    with pytest.raises(InputFileError, match=r"member 'acled.csv' (unpacks to more|cannot be)"):
        read_bytes(bytes(data), "liar.zip")


# --------------------------------------------------------------------------- content and names


VRT = b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>CSV:/etc/hostname'
VRT += b"</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        pytest.param(VRT, "x.csv", id="vrt named csv"),
        pytest.param(VRT, "x.geojson", id="vrt named geojson"),
        pytest.param(b"<?xml version='1.0'?><kml/>", "x.csv", id="xml"),
        pytest.param(b"\xef\xbb\xbf  <VRTDataset rasterXSize='1'/>", "x.tif.csv", id="bom vrt"),
        pytest.param("<OGRVRTDataSource/>".encode("utf-16"), "x.csv", id="utf16 vrt"),
        pytest.param(b"id,notes\n1,<OGRVRTDataSource>\n", "x.csv", id="vrt in a cell"),
        pytest.param(make_zip({"a.csv": VRT}), "x.zip", id="vrt in zip"),
    ],
)
def test_markup_refused_whatever_the_name(data, name, monkeypatch):
    monkeypatch.setattr(tables.pyogrio.raw, "read", pytest.fail)
    with pytest.raises(InputFileError, match=r"looks like XML or a GDAL VRT"):
        read_bytes(data, name)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "x.csv", r"x.csv is empty \(0 bytes\)"),
        (b"id,date\n", "x.kml", r"files ending '.kml' are not accepted; accepted: .csv"),
        (b"MZ\x90\x00", "x.exe", r"files ending '.exe' are not accepted"),
        (b"id,lat\n", "x.gpkg", r"x.gpkg is named '.gpkg' but its content is CSV text"),
        (b"\x00\x00\x27\x0a" + b"\x00" * 96, "x.shp", r"x.shp is one part of a shapefile; zip"),
        (b"\x00\x00\x27\x0a" + b"\x00" * 96, "x", r"bare shapefile \(.shp\); zip it"),
        (b"\x00\x01\x02binary", "x.csv", r"binary data of an unknown kind"),
        (b"\n\n", "x.csv", r"has no header row"),
    ],
)
def test_unreadable_inputs_one_clear_error(data, name, message):
    with pytest.raises(InputFileError, match=message):
        read_bytes(data, name)


def test_size_cap():
    with pytest.raises(InputFileError, match=r"files up to 0 MiB are accepted"):
        read_bytes(b"id,date,lat,lon\n" * 10, "big.csv", limits=IngestLimits(max_bytes=20))


def test_hostile_name_is_only_a_label():
    r = read_bytes(b"id,date,lat,lon\nX,2025-01-01,12.6,-8\n", "../../etc/pass\u202ewd.csv")
    assert r.report.file == "passwd.csv"
    assert r.incidents["source_file"].iat[0] == "passwd.csv"
    r = read_bytes(b"id,date,lat,lon\nX,2025-01-01,12.6,-8\n", "C:\\x\\..\\evil.csv")
    assert r.report.file == "evil.csv"


def test_path_input_errors(tmp_path):
    with pytest.raises(InputFileError, match=r"missing.csv: no such file"):
        read_incidents(tmp_path / "missing.csv", name="missing.csv")
    with pytest.raises(InputFileError, match=r"is not a regular file"):
        read_incidents(tmp_path, name="dir.csv")


# --------------------------------------------------------------------------- combining


def test_combine_rejects_cross_file_duplicates():
    a = read("duplicates.csv")
    b = read_bytes((FIX / "duplicates.csv").read_bytes(), "copy.csv")
    c = combine_results([a, b])
    check_contract(c)
    assert len(c.incidents) == 2 and c.incidents["fatalities"].sum() == 4
    assert c.report.rows_in == 6 and c.report.n_rejected == 4
    assert any(
        "copy.csv, row 2, column 'event_id': 'MLI70001' repeats the acled event id of "
        "duplicates.csv row 2" in i.to_line()
        for i in c.report.issues
    )
    with pytest.raises(ParameterError, match="same file name twice"):
        combine_results([a, a])


# --------------------------------------------------------------------------- real bundled files


@pytest.fixture(scope="module")
def bundled():
    return load_bundled_incidents(today=TODAY)


def test_bundled_ucdp_mali_891_rows():
    r = read_incidents(BUNDLED.ucdp_mali, name=BUNDLED.ucdp_mali.name, today=TODAY)
    check_contract(r)
    assert (r.report.rows_in, r.report.rows_kept, r.report.n_rejected) == (891, 891, 0)
    g = r.incidents
    assert g["event_date"].min() == pd.Timestamp("1990-06-28")
    assert g["event_date"].max() == pd.Timestamp("2020-12-29")
    assert g["fatalities"].sum() == 6705  # SOURCES.md: best deaths 6,705
    assert g["event_type"].value_counts().to_dict() == {
        "State-based violence": 522,
        "One-sided violence": 243,
        "Non-state violence": 126,
    }
    x0, y0, x1, y1 = g.total_bounds
    assert -12.3 <= x0 and x1 <= 4.3 and 10.1 <= y0 and y1 <= 25.0


def test_bundled_ucdp_event_at_nara():
    r = read_incidents(BUNDLED.ucdp_mali, name=BUNDLED.ucdp_mali.name, today=TODAY)
    g = r.incidents
    nara = g[g["event_id"] == "203499"]  # GED event 203499 (Nara town, 27 June 2015)
    assert len(nara) == 1
    assert nara["event_date"].iat[0] == pd.Timestamp("2015-06-27")
    assert abs(nara.geometry.y.iat[0] - 15.17) < 0.01
    assert abs(nara.geometry.x.iat[0] - (-7.28)) < 0.01
    assert nara["actor1"].iat[0] == "Government of Mali"


def test_bundled_ucdp_border_435_rows():
    r = read_incidents(BUNDLED.ucdp_border, name=BUNDLED.ucdp_border.name, today=TODAY)
    check_contract(r)
    assert (r.report.rows_in, r.report.rows_kept) == (435, 435)
    assert r.incidents["country"].value_counts()["Burkina Faso"] == 332
    assert r.incidents["event_date"].min() == pd.Timestamp("1989-04-09")


def test_bundled_news_log_40_rows_with_fatality_repairs():
    r = read_incidents(BUNDLED.news, name=BUNDLED.news.name, today=TODAY)
    check_contract(r)
    rep = r.report
    assert (rep.rows_in, rep.rows_kept, rep.n_rejected) == (40, 40, 0)
    # 28 blank fatalities -> 0 and 7 free-text figures -> first figure, all reported.
    assert rep.n_repaired == 35
    assert all(i.column == "fatalities" for i in rep.issues)
    g = r.incidents.set_index("event_id")
    assert g.loc["NEWS-0002", "fatalities"] == 30  # "30-32"
    assert g["event_type"].value_counts().to_dict() == {
        "armed_attack": 14,
        "kidnapping": 10,
        "convoy_attack": 9,
        "attack_on_site": 5,
        "ied": 1,
        "other": 1,
    }
    assert g["admin1"].value_counts().to_dict() == {
        "Kayes": 15,
        "Koulikoro": 11,
        "Sikasso": 8,
        "Ségou": 5,
        "Bamako": 1,
    }
    assert g.loc["NEWS-0004", "location"].startswith("Bamako") or "Bamako" in str(
        g.loc["NEWS-0004", "notes"]
    )
    assert (g.loc["NEWS-0004", "geometry"].x, g.loc["NEWS-0004", "geometry"].y) == BAMAKO
    assert g["source_url"].str.startswith("http").all()
    assert g["precise"].sum() == 14  # town rows; near_town (18) and district (8) are not


def test_bundled_combined(bundled):
    check_contract(bundled)
    rep = bundled.report
    assert (rep.rows_in, rep.rows_kept, rep.n_rejected, rep.n_repaired) == (1409, 1409, 0, 64)
    assert bundled.incidents["source"].value_counts().to_dict() == {"ucdp": 1326, "news": 83}
    assert rep.file == (
        "ucdp_ged_mali.csv + ucdp_ged_border.csv + news_events_western_mali.csv + "
        "news_events_additional.csv"
    )
    between = bundled.incidents[bundled.incidents["between_a"] != ""]
    assert len(between) == 16 and (between["between_b"] != "").all()


# --------------------------------------------------------------------------- robustness


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.sampled_from(["x.csv", "x.geojson", "x.gpkg", "x.zip", "x"]))
@example(b"PK\x05\x06" + b"\x00" * 18, "x.zip")
@example(b"SQLite format 3\x00" + b"\x00" * 200, "x.gpkg")
@example(b'{"type":"FeatureCollection","features":[{"type":"Feature"}]}', "x.geojson")
def test_arbitrary_bytes_never_crash(data, name):
    try:
        result = read_bytes(data, name)
    except InputFileError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        check_contract(result)


cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)
COLUMNS = ["id", "date", "lat", "lon", "fatalities", "event_type", "geo_precision"]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "id": st.one_of(cell, st.sampled_from(["A", "B", "A"])),
                "date": st.one_of(
                    cell, st.dates().map(str), st.dates().map(lambda d: d.strftime("%d-%m-%Y"))
                ),
                "lat": st.one_of(cell, st.floats(-200, 200).map(str)),
                "lon": st.one_of(cell, st.floats(-2e6, 2e6).map(str)),
                "fatalities": cell,
                "event_type": cell,
                "geo_precision": cell,
            }
        ),
        max_size=12,
    )
)
def test_arbitrary_rows_accounted_for(rows):
    df = pd.DataFrame(rows, columns=COLUMNS)
    try:
        # QUOTE_ALL: pandas leaves a lone "\r" unquoted otherwise, which really is a new record.
        data = df.to_csv(index=False, quoting=csv.QUOTE_ALL).encode("utf-8")
        result = read_bytes(data, "rows.csv")
    except InputFileError as exc:
        assert "\n" not in str(exc)
        return
    check_contract(result)
    # An all-blank row is a blank line: skipped (and noted), not a data row.
    assert result.report.rows_in == sum(any(v.strip() for v in r.values()) for r in rows)


def seed_inputs():
    """Valid inputs of every format, built once, for the mutation fuzz below."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        seeds = conformance_inputs(Path(tmp))
    seeds["acled.csv"] = (FIX / "acled_2023.csv").read_bytes()
    seeds["ucdp.csv"] = (FIX / "ucdp_full.csv").read_bytes()
    return seeds


SEEDS = seed_inputs()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(SEEDS)),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8),
    st.floats(0.05, 1.0),
)
def test_mutated_valid_files_never_crash(name, flips, keep):
    data = bytearray(SEEDS[name])
    for where, byte in flips:
        data[int(where * (len(data) - 1))] = byte
    data = bytes(data[: max(1, int(len(data) * keep))])
    try:
        result = read_bytes(data, name)
    except InputFileError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        check_contract(result)
