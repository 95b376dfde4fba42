"""``python -m geo routes | exposure | sites``: outputs, the analysis record, one-line errors.

The route file and the incident files written here are SYNTHETIC (the straight
meridian road of tests/test_routes.py and made-up incidents beside it); the
sites and towns are the bundled real layers.
"""

import json
import re

import geopandas as gpd
import pandas as pd
import pytest

from geo.cli import main
from geo.commands.exposure import SEGMENT_COLUMNS
from tests.test_routes import along, straight_route

AS_OF = "2025-04-10"


@pytest.fixture()
def files(tmp_path):
    routes = tmp_path / "road.geojson"
    routes.write_text(straight_route().to_json(), encoding="utf-8")
    p1, p2, p3 = along(52.5, east_km=10.0), along(20.0), along(80.0)
    incidents = tmp_path / "events.csv"
    incidents.write_text(
        "id,date,lat,lon,category,geo_precision\n"
        f"A,2025-04-03,{p1.y:.6f},{p1.x:.6f},attack_on_convoy,1\n"
        f"B,2025-04-05,{p2.y:.6f},{p2.x:.6f},abduction,3\n"  # imprecise: spread or dropped
        f"C,2025-05-01,{p3.y:.6f},{p3.x:.6f},explosive,1\n",  # after --as-of
        encoding="utf-8",
    )
    return tmp_path, routes, incidents


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_routes_lists_the_bundled_corridors(capsys):
    code, out, _ = run(capsys, "routes")
    assert code == 0
    for route_id in ("dakar_bamako_north", "dakar_bamako_south", "abidjan_bamako_sikasso"):
        assert route_id in out
    assert "published" in out


def test_routes_lists_a_user_file_with_its_geodesic_length(capsys, files):
    tmp, routes, _ = files
    code, out, _ = run(capsys, "routes", "--routes", routes, "--out", tmp / "routes.csv")
    assert code == 0
    assert "synthetic_road: Synthetic road - 102.3 km (no published distance)" in out
    table = pd.read_csv(tmp / "routes.csv")
    assert table.loc[0, "length_km"] == pytest.approx(102.3, abs=1e-6)


def test_exposure_csv_has_the_segment_columns_and_no_geometry(capsys, files):
    tmp, routes, incidents = files
    out_file = tmp / "seg.csv"
    code, out, _ = run(
        capsys, "exposure", "--routes", routes, "--incidents", incidents, "--as-of", AS_OF,
        "--imprecise", "drop", "--out", out_file,
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(out_file)
    assert table.columns.tolist() == SEGMENT_COLUMNS
    assert (table["imprecise"] == "drop").all()
    assert len(table) == 21
    assert table.loc[10, "n_incidents"] == 1
    assert table.loc[10, "exposure_per_km"] == pytest.approx(0.6 * 0.5 ** (7 / 90), rel=0.01)
    assert (table["as_of"] == AS_OF).all()
    assert "Left out: 1 with imprecise locations" in out
    assert "1 dated after the analysis date" in out
    assert "Sources: User file" in out
    assert not list(tmp.glob(".srm-*"))


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_exposure_geodata_output_has_geometry_in_wgs84(capsys, files, suffix):
    tmp, routes, incidents = files
    out_file = tmp / f"seg{suffix}"
    code, _, _ = run(
        capsys, "exposure", "--routes", routes, "--incidents", incidents, "--as-of", AS_OF,
        "--segment-km", "1", "--out", out_file,
    )  # fmt: skip
    assert code == 0
    got = gpd.read_file(out_file)
    assert got.crs.to_epsg() == 4326
    assert len(got) == 103
    assert set(SEGMENT_COLUMNS) <= set(got.columns)
    assert got.geom_type.eq("LineString").all()


def test_from_to_window_sets_incidents_aside(capsys, files):
    tmp, routes, incidents = files
    code, out, _ = run(
        capsys, "exposure", "--routes", routes, "--incidents", incidents,
        "--from", "2025-04-04", "--to", "2025-04-30", "--imprecise", "drop",
        "--out", tmp / "seg.csv",
    )  # fmt: skip
    assert code == 0
    assert "kept 1 incidents dated 2025-04-04 to 2025-04-30 and set aside 2" in out
    assert "As of 2025-04-30" in out  # --to is the analysis date
    assert pd.read_csv(tmp / "seg.csv")["n_incidents"].sum() == 0


def test_summary_prints_the_record_and_writes_json_and_csv(capsys, files):
    tmp, routes, incidents = files
    base = ["exposure", "--routes", routes, "--incidents", incidents, "--as-of", AS_OF, "--summary",
            "--imprecise", "drop"]  # fmt: skip
    code, out, _ = run(capsys, *base, "--out", tmp / "summary.json")
    assert code == 0
    assert "Route incident exposure as of 2025-04-10" in out
    assert "Window: incidents dated 2025-04-03 to 2025-04-10" in out
    assert "What changed since 2025-03-11" in out
    assert "safe" not in out.lower()
    doc = json.loads((tmp / "summary.json").read_text(encoding="utf-8"))
    assert doc["meta"]["n_left_out_imprecise"] == 1
    assert doc["routes"][0]["route_id"] == "synthetic_road"
    code, _, _ = run(capsys, *base, "--out", tmp / "summary.csv")
    flat = pd.read_csv(tmp / "summary.csv")
    assert flat.loc[0, "n_incidents"] == 1 and flat.loc[0, "n_incidents_before"] == 0
    assert flat.loc[0, "window"] == "2025-04-03 to 2025-04-10"


def test_spread_is_the_default_and_every_output_says_so(capsys, files):
    tmp, routes, incidents = files
    base = ["exposure", "--routes", routes, "--incidents", incidents, "--as-of", AS_OF]
    code, out, _ = run(capsys, *base, "--out", tmp / "seg.csv")
    assert code == 0
    assert "Spread over their uncertainty area: 1 events with imprecise locations" in out
    assert "(0 over a disc of 25 km around the coded place, 1 over their cercle" in out
    spread = pd.read_csv(tmp / "seg.csv")
    assert (spread["imprecise"] == "spread").all()
    run(capsys, *base, "--imprecise", "drop", "--out", tmp / "drop.csv")
    drop = pd.read_csv(tmp / "drop.csv")
    assert spread["n_incidents"].sum() > drop["n_incidents"].sum()
    assert spread["exposure"].sum() > drop["exposure"].sum()
    code, out, _ = run(capsys, *base, "--summary", "--out", tmp / "summary.json")
    doc = json.loads((tmp / "summary.json").read_text(encoding="utf-8"))
    assert doc["meta"]["n_spread"] == 1 and doc["meta"]["imprecise"] == "spread"
    assert "imprecise events adding most" in out and "[B]" in out


def test_output_replaces_an_existing_file_atomically(capsys, files):
    tmp, routes, incidents = files
    target = tmp / "seg.csv"
    target.write_text("old content\n", encoding="utf-8")
    run(capsys, "exposure", "--routes", routes, "--incidents", incidents, "--out", target)
    assert target.read_text(encoding="utf-8").startswith("route_id,route,segment")
    assert sorted(p.name for p in tmp.iterdir()) == ["events.csv", "road.geojson", "seg.csv"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--as-of", "2025-02-30"], "--as-of was '2025-02-30': not a valid date",
                     id="impossible date"),
        pytest.param(["--from", "2025-05-01", "--to", "2025-01-01"], "is after --to",
                     id="window backwards"),
        pytest.param(["--to", "yesterday"], "--to was 'yesterday'", id="words for a date"),
        pytest.param(["--incidents", "https://example.org/events.csv"], "not a local file path",
                     id="URL refused"),
        pytest.param(["--incidents", "{tmp}/missing.csv"], "missing.csv: no such file",
                     id="missing file"),
        pytest.param(["--routes", "/vsicurl/http://example.org/r.gpkg"], "not a local file path",
                     id="GDAL prefix refused"),
        pytest.param(["--routes", "{tmp}/events.csv"], "is CSV text; a route layer must be",
                     id="routes not a line layer"),
        pytest.param(["--route", "nowhere"], "unknown route\\(s\\) \\['nowhere'\\]",
                     id="unknown route"),
        pytest.param(["--buffer-km", "0"], "`--buffer-km` was 0.0", id="zero buffer"),
        pytest.param(["--out", "{tmp}/seg.shp"], "suffix '.shp' is not one of",
                     id="unknown suffix"),
        pytest.param(["--out", "{tmp}/no/such/dir/seg.csv"], "does not exist", id="no folder"),
        pytest.param(["--out", None], "needs --out FILE", id="no output"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(capsys, files, argv, message):
    tmp, routes, incidents = files
    args = ["exposure", "--routes", routes, "--incidents", incidents, "--out", tmp / "seg.csv"]
    extra = [a.format(tmp=tmp) if isinstance(a, str) else a for a in argv]
    if extra[:2] == ["--out", None]:
        args, extra = args[:-2], []
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    code, _, err = run(capsys, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert re.search(message, lines[0])
    assert not (tmp / "seg.csv").exists()


def test_routes_file_with_a_crs_member_is_refused(capsys, files):
    tmp, _, incidents = files
    doc = json.loads(straight_route().to_json())
    doc["crs"] = {"type": "name", "properties": {"name": "EPSG:32629"}}
    bad = tmp / "crs.geojson"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run(capsys, "exposure", "--routes", bad, "--summary")
    assert code == 2
    assert "has a 'crs' member" in err and "RFC 7946 removed" in err


def test_sites_ranks_the_bundled_sites_and_writes_them(capsys, files):
    tmp, _, incidents = files
    out_file = tmp / "sites.csv"
    code, out, _ = run(
        capsys, "sites", "--incidents", incidents, "--as-of", AS_OF,
        "--category-radius", "abduction=50", "--top", "3", "--out", out_file,
    )  # fmt: skip
    assert code == 0
    assert "Site incident exposure as of 2025-04-10" in out
    assert "radius 30 km, abduction 50 km" in out
    assert out.index("Key sites") < out.index("Other sites")
    table = pd.read_csv(out_file)
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert {"is_key_site", "n_30d", "n_90d", "n_365d", "trend", "nearest_km"} <= set(table)
    assert "geometry" not in table.columns
    assert table["is_key_site"].any() and not table["is_key_site"].all()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--category-radius", "kidnap=50"], "not CATEGORY=KM", id="bad category"),
        pytest.param(["--radius-km", "-2"], "`--radius-km` was -2.0", id="negative radius"),
        pytest.param(["--as-of", "15/11/2025"], "--as-of was '15/11/2025'", id="bad date"),
    ],
)
def test_sites_bad_options_exit_2(capsys, argv, message):
    code, _, err = run(capsys, "sites", *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
