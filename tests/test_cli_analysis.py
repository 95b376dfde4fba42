"""Tests for ``python -m geo join`` and ``python -m geo hotspots`` (run in-process)."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio

from geo.cli import main
from tests import common

# SYNTHETIC incidents (not real events) at points of the test catalogue, which lie
# inside Mali (lon -9..-7, lat 12..14); one carries spreadsheet formulas in its text.
SYNTHETIC_CSV = (
    "event_id,event_date,latitude,longitude,event_type,fatalities,notes\n"
    'S1,2024-03-01,12.5,-7.5,armed_attack,2,=HYPERLINK("http://x.example")\n'
    "S2,2024-03-02,12.5,-8.5,kidnapping,0,+1+1\n"
    "S3,2024-03-03,13.5,-7.5,=cmd,1,plain\n"
)


def _run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return exit_info.value.code, capsys.readouterr().err


@pytest.fixture
def synthetic_csv(tmp_path):
    path = tmp_path / "synthetic.csv"
    path.write_text(SYNTHETIC_CSV, encoding="utf-8")
    return path


@pytest.fixture
def squares_geojson(tmp_path):
    """The SYNTHETIC four squares A-D as a user boundary layer (GeoJSON)."""
    path = tmp_path / "communes.geojson"
    path.write_text(common.admin2()[["unit_id", "name", "geometry"]].to_json(), encoding="utf-8")
    return path


# --- join ---------------------------------------------------------------------------------


def test_join_bundled_writes_one_row_per_incident(tmp_path, capsys):
    out = tmp_path / "join.csv"
    code, stdout, _ = _run(["join", "--out", str(out)], capsys)
    assert code == 0
    table = pd.read_csv(out, keep_default_na=False)
    from geo.io.incidents import load_bundled_incidents

    assert len(table) == len(load_bundled_incidents().incidents)
    for col in ("event_id", "event_date", "event_type", "category", "country", "admin1"):
        assert col in table.columns
    for col in ("admin2", "admin3", "source_admin1", "source_admin2", "source"):
        assert col in table.columns
    assert {"longitude", "latitude"} <= set(table.columns)
    assert "in Mali:" in stdout and "lowest unit_id" in stdout and str(out) in stdout


def test_join_own_file_assigns_real_units_and_neutralises_formulas(synthetic_csv, tmp_path, capsys):
    out = tmp_path / "join.csv"
    code, stdout, _ = _run(["join", "--incidents", str(synthetic_csv), "--out", str(out)], capsys)
    assert code == 0, stdout
    table = pd.read_csv(out, keep_default_na=False, dtype={"event_id": str})
    assert table["event_id"].tolist() == ["S1", "S2", "S3"]
    assert (table["country"] == "MLI").all()
    assert (table["admin2"] != "").all()
    assert table.loc[2, "event_type"] == "'=cmd"  # text prefixed
    assert table["longitude"].tolist() == [-7.5, -8.5, -7.5]  # numbers untouched
    assert "3 incidents from synthetic.csv" in stdout


def test_join_gpkg_and_geojson_open_with_pyogrio(synthetic_csv, tmp_path, capsys):
    for name in ("join.gpkg", "join.geojson"):
        out = tmp_path / name
        assert _run(["join", "--incidents", str(synthetic_csv), "--out", str(out)], capsys)[0] == 0
        info = pyogrio.read_info(out)
        assert info["features"] == 3
        assert "EPSG:4326" in info["crs"]


def test_join_window_and_category_filters(synthetic_csv, tmp_path, capsys):
    out = tmp_path / "join.csv"
    argv = ["join", "--incidents", str(synthetic_csv), "--out", str(out)]
    assert _run([*argv, "--from", "2024-03-02", "--to", "2024-03-03"], capsys)[0] == 0
    assert pd.read_csv(out)["event_id"].tolist() == ["S2", "S3"]
    assert _run([*argv, "--event-type", "abduction"], capsys)[0] == 0
    assert pd.read_csv(out)["event_id"].tolist() == ["S2"]


def test_join_own_boundaries_fill_admin3(synthetic_csv, squares_geojson, tmp_path, capsys):
    out = tmp_path / "join.csv"
    argv = ["join", "--incidents", str(synthetic_csv), "--admin", str(squares_geojson)]
    assert _run([*argv, "--out", str(out)], capsys)[0] == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert table["adm3_id"].tolist() == ["B", "A", "D"]
    assert table["admin3"].tolist() == ["Square B", "Square A", "Square D"]


def test_join_warns_about_overlapping_user_units(synthetic_csv, tmp_path, capsys):
    units = common.admin2()[["unit_id", "name", "geometry"]]
    units.loc[1, "geometry"] = units.loc[1, "geometry"].buffer(0.1)  # SYNTHETIC: B spills over
    path = tmp_path / "overlap.geojson"
    path.write_text(units.to_json(), encoding="utf-8")
    argv = ["join", "--incidents", str(synthetic_csv), "--admin", str(path)]
    code, stdout, _ = _run([*argv, "--out", str(tmp_path / "j.csv")], capsys)
    assert code == 0
    assert "pair(s) of units overlap (e.g. A and B" in stdout


def test_join_reads_a_zipped_shapefile(synthetic_csv, tmp_path, capsys):
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(common.admin2()[["unit_id", "name", "geometry"]], folder / "c.shp")
    archive = tmp_path / "communes.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, arcname=part.name)
    out = tmp_path / "join.csv"
    argv = ["join", "--incidents", str(synthetic_csv), "--admin", str(archive), "--out", str(out)]
    assert _run(argv, capsys)[0] == 0
    assert pd.read_csv(out)["adm3_id"].tolist() == ["B", "A", "D"]


@pytest.mark.parametrize(
    ("argv_tail", "message"),
    [
        pytest.param(["--out", "x.xlsx"], "tables are written as", id="bad suffix"),
        pytest.param(
            ["--out", "x.csv", "--from", "2024-03-05", "--to", "2024-03-01"],
            "--from 2024-03-05 is after --to 2024-03-01",
            id="swapped window",
        ),
        pytest.param(
            ["--out", "x.csv", "--incidents", "https://example.org/a.csv"],
            "is not a local file path",
            id="URL refused",
        ),
        pytest.param(
            ["--out", "x.csv", "--admin", "/vsicurl/http://example.org/a.zip"],
            "is not a local file path",
            id="GDAL prefix refused",
        ),
    ],
)
def test_join_user_errors_are_one_line_exit_2(argv_tail, message, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = _run(["join", *argv_tail], capsys)
    assert code == 2
    assert message in stderr and stderr.count("\n") == 1


def test_bad_date_is_one_line_exit_2(capsys):
    code, stderr = _usage_error(["join", "--out", "x.csv", "--from", "2024-02-30"], capsys)
    assert code == 2
    assert "'2024-02-30' is not a calendar date" in stderr and stderr.count("\n") == 1


def test_geojson_with_crs_member_is_refused(synthetic_csv, tmp_path, capsys):
    layer = json.loads(common.admin2()[["unit_id", "name", "geometry"]].to_json())
    layer["crs"] = {"type": "link", "properties": {"href": "http://127.0.0.1:9/crs"}}
    path = tmp_path / "hostile.geojson"
    path.write_text(json.dumps(layer), encoding="utf-8")
    argv = [
        "join",
        "--incidents",
        str(synthetic_csv),
        "--admin",
        str(path),
        "--out",
        str(tmp_path / "j.csv"),
    ]
    code, _, stderr = _run(argv, capsys)
    assert code == 2 and "has a 'crs' member" in stderr


def test_shapefile_without_prj_is_refused(synthetic_csv, tmp_path, capsys):
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(common.admin2()[["unit_id", "name", "geometry"]], folder / "c.shp")
    archive = tmp_path / "noprj.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            if part.suffix != ".prj":
                zf.write(part, arcname=part.name)
    argv = [
        "join",
        "--incidents",
        str(synthetic_csv),
        "--admin",
        str(archive),
        "--out",
        str(tmp_path / "j.csv"),
    ]
    code, _, stderr = _run(argv, capsys)
    assert code == 2 and "has no .prj" in stderr


# --- hotspots -----------------------------------------------------------------------------


def test_hotspots_kde_writes_a_geotiff(tmp_path, capsys):
    out = tmp_path / "kde.tif"
    code, stdout, _ = _run(
        ["hotspots", "--method", "kde", "--cell-m", "5000", "--out", str(out)], capsys
    )
    assert code == 0
    with rasterio.open(out) as src:
        assert src.crs.is_projected and src.res == (5000.0, 5000.0)
        assert src.read(1).max() > 0
    assert "events used" in stdout and "Left out:" in stdout


def test_hotspots_hex_counts_match_events_used(tmp_path, capsys):
    out = tmp_path / "hex.gpkg"
    code, stdout, _ = _run(["hotspots", "--method", "hex", "--out", str(out)], capsys)
    assert code == 0
    hexes = pyogrio.read_dataframe(out)
    used = int(stdout.split("hex: ")[1].split(" events")[0].replace(",", ""))
    assert int(hexes["incidents"].sum()) == used
    assert hexes.crs.to_epsg() == 4326


def test_hotspots_gistar_on_regions(tmp_path, capsys):
    out = tmp_path / "gistar.geojson"
    argv = [
        "hotspots",
        "--method",
        "gistar",
        "--level",
        "1",
        "--permutations",
        "99",
        "--out",
        str(out),
    ]
    code, stdout, _ = _run(argv, capsys)
    assert code == 0
    result = gpd.read_file(out)
    assert len(result) == 9
    assert set(result["gistar_class"]) <= {"hot", "cold", "not_significant", "excluded"}
    assert set(result["gistar_inference"]) == {"analytical"}
    assert set(result["gistar_value"]) == {"counts"}
    assert "analytical normal p-values" in stdout and "Benjamini-Hochberg FDR at 0.05" in stdout


def test_hotspots_gistar_permutation_rate_is_said(tmp_path, capsys):
    out = tmp_path / "gistar.gpkg"
    argv = ["hotspots", "--method", "gistar", "--inference", "permutation", "--value", "rate"]
    code, stdout, _ = _run([*argv, "--out", str(out)], capsys)
    assert code == 0
    result = gpd.read_file(out)
    assert set(result["gistar_inference"]) == {"permutation"}
    assert set(result["gistar_value"]) == {"rate"}
    assert "incidents per km² of each unit; conditional-permutation p-values" in stdout
    assert "9,999 permutations" in stdout


def test_hotspots_gistar_with_too_few_events_says_so(tmp_path, capsys):
    argv = ["hotspots", "--method", "gistar", "--from", "2025-01-01", "--event-type", "abduction"]
    code, _, stderr = _run([*argv, "--out", str(tmp_path / "g.gpkg")], capsys)
    assert code == 2 and "Gi* needs at least 30 events" in stderr


def test_hotspots_surge_table(tmp_path, capsys):
    out = tmp_path / "surge.csv"
    argv = ["hotspots", "--method", "surge", "--as-of", "2025-06-30", "--out", str(out)]
    code, stdout, _ = _run(argv, capsys)
    assert code == 0
    table = pd.read_csv(out)
    assert len(table) == 50
    assert {"latest_week", "avg_week_prev_4", "week_flag", "month_flag"} <= set(table.columns)
    assert "as of 2025-06-30" in stdout


@pytest.mark.parametrize(
    ("argv_tail", "message"),
    [
        pytest.param(
            ["--method", "kde", "--out", "k.gpkg"], "writes a GeoTIFF", id="kde needs .tif"
        ),
        pytest.param(
            ["--method", "hex", "--out", "h.tif"], "writes a table", id="hex needs a table"
        ),
        pytest.param(
            ["--method", "gistar", "--level", "3", "--out", "g.gpkg"],
            "--level 3 needs your own units",
            id="level 3 without --admin",
        ),
        pytest.param(
            ["--method", "kde", "--bandwidth-km", "-1", "--out", "k.tif"],
            "`bandwidth_km` was -1.0",
            id="negative bandwidth",
        ),
    ],
)
def test_hotspots_user_errors_exit_2(argv_tail, message, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, _, stderr = _run(["hotspots", *argv_tail], capsys)
    assert code == 2 and message in stderr


def test_unknown_method_is_a_usage_error(capsys):
    code, stderr = _usage_error(["hotspots", "--method", "heat", "--out", "x.tif"], capsys)
    assert code == 2 and "invalid choice: 'heat'" in stderr


def test_outputs_leave_no_temporary_files(synthetic_csv, tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    _run(["join", "--incidents", str(synthetic_csv), "--out", str(out_dir / "j.gpkg")], capsys)
    _run(
        ["hotspots", "--method", "kde", "--cell-m", "5000", "--out", str(out_dir / "k.tif")], capsys
    )
    assert sorted(p.name for p in out_dir.iterdir()) == ["j.gpkg", "k.tif"]
    assert np.isfinite(pyogrio.read_dataframe(out_dir / "j.gpkg")["fatalities"]).all()
