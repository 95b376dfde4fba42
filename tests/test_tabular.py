"""Tests for geo.export.tabular: formula-safe CSV cells and atomic CSV/GPKG/GeoJSON writes."""

from __future__ import annotations

import os

import pandas as pd
import pyogrio
import pytest
import shapely

from geo.errors import ExportError, ParameterError
from geo.export.atomic import write_bytes_atomic
from geo.export.tabular import safe_csv_frame, write_table_atomic
from tests import common


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '=HYPERLINK("http://x.example","click")',
            '\'=HYPERLINK("http://x.example","click")',
            id="=",
        ),
        pytest.param("+1+1", "'+1+1", id="plus"),
        pytest.param("-1+1", "'-1+1", id="minus in text"),
        pytest.param("@SUM(1+1)", "'@SUM(1+1)", id="at"),
        pytest.param("\tx", "'\tx", id="tab"),
        pytest.param("\rx", "'\rx", id="carriage return"),
        pytest.param("Kéniéba", "Kéniéba", id="plain text untouched"),
        pytest.param("", "", id="empty"),
    ],
)
def test_text_cells_starting_a_formula_are_prefixed(text, expected):
    frame = safe_csv_frame(pd.DataFrame({"notes": [text]}))
    assert frame.loc[0, "notes"] == expected


def test_numbers_and_missing_values_are_untouched():
    frame = safe_csv_frame(pd.DataFrame({"lon": [-6.2157, 1.5], "n": [-3, 4], "t": ["-x", None]}))
    assert frame["lon"].tolist() == [-6.2157, 1.5]
    assert frame["n"].tolist() == [-3, 4]
    assert frame.loc[0, "t"] == "'-x" and pd.isna(frame.loc[1, "t"])


def test_column_names_are_neutralised_too():
    assert list(safe_csv_frame(pd.DataFrame({"=evil": [1]})).columns) == ["'=evil"]


def test_points_become_lon_lat_and_other_geometries_wkt():
    points = common.make_incidents(common.point_geoms(["inside_b"]) + [None])
    frame = safe_csv_frame(points[["event_id", "geometry"]])
    assert frame.loc[0, ["longitude", "latitude"]].tolist() == [-7.5, 12.5]
    assert pd.isna(frame.loc[1, "longitude"])
    squares = safe_csv_frame(common.admin2()[["unit_id", "geometry"]])
    assert squares.loc[0, "geometry_wkt"].startswith("POLYGON ((-8 12")


def test_input_frame_is_not_modified():
    frame = pd.DataFrame({"notes": ["=1"]})
    safe_csv_frame(frame)
    assert frame.loc[0, "notes"] == "=1"


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".csv"])
def test_write_table_round_trips(tmp_path, suffix):
    units = common.admin2()[["unit_id", "name", "geometry"]]
    path = write_table_atomic(units, tmp_path / f"units{suffix}")
    assert path.is_absolute()
    if suffix == ".csv":
        back = pd.read_csv(path)
        assert back["unit_id"].tolist() == ["A", "B", "C", "D"]
    else:
        back = pyogrio.read_dataframe(path)
        assert back["unit_id"].tolist() == ["A", "B", "C", "D"]
        assert back.crs.to_epsg() == 4326
        assert shapely.equals(back.geometry.values, units.geometry.values).all()
    assert [p.name for p in tmp_path.iterdir()] == [f"units{suffix}"]


def test_write_table_replaces_an_existing_file(tmp_path):
    target = tmp_path / "t.csv"
    target.write_text("old", encoding="utf-8")
    write_table_atomic(pd.DataFrame({"a": [1]}), target)
    assert target.read_text(encoding="utf-8") == "a\n1\n"


def test_write_table_refuses_unknown_suffix(tmp_path):
    with pytest.raises(ParameterError, match="has suffix '.shp'"):
        write_table_atomic(common.admin2(), tmp_path / "units.shp")


def test_geojson_needs_geometries(tmp_path):
    with pytest.raises(ParameterError, match="GeoJSON needs a table with geometries"):
        write_table_atomic(pd.DataFrame({"a": [1]}), tmp_path / "t.geojson")


def test_missing_folder_is_an_export_error(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        write_bytes_atomic(b"x", tmp_path / "nope" / "t.csv")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_unwritable_folder_leaves_nothing(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="could not write t.csv"):
            write_bytes_atomic(b"x", tmp_path / "t.csv")
    finally:
        tmp_path.chmod(0o700)
    assert list(tmp_path.iterdir()) == []
