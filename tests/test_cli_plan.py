"""``python -m geo plan`` on the bundled roads, towns and news log: outputs and one-line errors."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.cli import main
from geo.export.plan import ROUTE_COLUMNS, SEGMENT_COLUMNS

TRIP = [
    "--from-town",
    "Kenieba",
    "--to-town",
    "Kayes",
    "--from",
    "2025-09-01",
    "--to",
    "2025-10-31",
]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_gpkg_has_routes_and_segments_layers(capsys, tmp_path):
    out = tmp_path / "plan.gpkg"
    code, text, _ = run(capsys, "plan", *TRIP, "--alternatives", "1", "--out", out)
    assert code == 0
    layers = dict(pyogrio.list_layers(out))
    assert layers["routes"] == "LineString" and layers["segments"] == "LineString"
    routes = gpd.read_file(out, layer="routes")
    assert list(routes.columns) == [*ROUTE_COLUMNS, "geometry"]
    assert routes["route_kind"].iloc[0] == "shortest"
    assert set(routes["route_kind"]) <= {"shortest", "least_exposed", "alternative"}
    assert routes.crs.to_epsg() == 4326
    assert routes["towns"].iloc[0].startswith("Kéniéba – ") and routes["towns"].iloc[0].endswith(
        "Kayes"
    )
    segments = gpd.read_file(out, layer="segments")
    assert list(segments.columns) == [*SEGMENT_COLUMNS, "geometry"]
    first = segments[segments["route_id"] == "shortest"]
    assert first["km_to"].max() == pytest.approx(routes["length_km"].iloc[0], rel=1e-6)
    assert "Wrote the plan" in text and "Trip: Kéniéba – Kayes." in text
    assert "safe" not in text.lower().replace("unsafe", "")


def test_csv_has_one_row_per_route(capsys, tmp_path):
    out = tmp_path / "plan.csv"
    code, _, _ = run(capsys, "plan", *TRIP, "--alternatives", "0", "--lambda", "0", "--out", out)
    assert code == 0
    table = pd.read_csv(out)
    assert table["route_kind"].tolist() == ["shortest"]
    assert bool(table["is_least_exposed"].iloc[0])
    assert table["lambda"].iloc[0] == 0


def test_pdf_is_written(capsys, tmp_path):
    out = tmp_path / "plan.pdf"
    code, _, _ = run(capsys, "plan", *TRIP, "--alternatives", "0", "--out", out)
    assert code == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"/Subtype /Image" in data  # the route map


def test_png_is_the_route_map(capsys, tmp_path):
    out = tmp_path / "plan.png"
    code, _, _ = run(capsys, "plan", *TRIP, "--alternatives", "0", "--out", out)
    assert code == 0
    from PIL import Image

    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (1800, 1080)


@pytest.mark.parametrize(
    ("town", "message"),
    [
        pytest.param("Bamak", "Unknown town 'Bamak'; the closest names are: Bamako", id="unknown"),
        pytest.param("Touba", "3 towns are called 'Touba'", id="ambiguous"),
    ],
)
def test_bad_town_is_one_line_exit_2_no_file(capsys, tmp_path, town, message):
    out = tmp_path / "plan.gpkg"
    code, text, err = run(capsys, "plan", "--from-town", town, "--to-town", "Kayes", "--out", out)
    assert code == 2
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert text == ""
    assert list(tmp_path.iterdir()) == []


def test_bad_suffix_is_refused_before_work(capsys, tmp_path):
    code, _, err = run(capsys, "plan", *TRIP, "--out", tmp_path / "plan.xlsx")
    assert code == 2 and "suffix '.xlsx'" in err
    assert list(tmp_path.iterdir()) == []


def test_own_road_layer_through_the_sandboxed_reader(capsys, tmp_path):
    """SYNTHETIC road: one straight GeoJSON line drawn from the bundled Kayes point to Kéniéba's.

    The plan on it must be that line: its length is the geodesic distance
    between the two town points (checked with pyproj), on road class "track".
    """
    from pyproj import Geod

    from geo.io.bundled import load_towns

    towns = load_towns().set_index("name")
    kayes, kenieba = towns.loc["Kayes"].geometry, towns.loc["Kéniéba"].geometry
    line = gpd.GeoDataFrame(
        {"highway": ["track"], "ref": ["X1"]},
        geometry=[shapely.LineString([kayes.coords[0], kenieba.coords[0]])],
        crs=4326,
    )
    roads = tmp_path / "my_roads.geojson"
    roads.write_text(line.to_json(), encoding="utf-8")
    out = tmp_path / "plan.csv"
    code, text, err = run(
        capsys, "plan", *TRIP, "--roads", roads, "--alternatives", "0", "--out", out
    )
    assert code == 0, err
    assert "Roads: my_roads.geojson, 1 lines (your layer)." in text
    table = pd.read_csv(out)
    km = Geod(ellps="WGS84").inv(kayes.x, kayes.y, kenieba.x, kenieba.y)[2] / 1000.0
    assert table["length_km"].iloc[0] == pytest.approx(km, rel=1e-3)
    assert table["roads"].iloc[0] == "X1"


def test_own_road_layer_without_lines_is_refused(capsys, tmp_path):
    roads = tmp_path / "points.geojson"
    roads.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "Point", "coordinates": [-11.4, 14.4]}}]}',
        encoding="utf-8",
    )
    code, _, err = run(capsys, "plan", *TRIP, "--roads", roads, "--out", tmp_path / "p.csv")
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert not (tmp_path / "p.csv").exists()
