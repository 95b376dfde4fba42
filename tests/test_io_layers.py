"""geo.io boundaries, routes and sites: read through the sandboxed worker like incidents.

Every fixture here is SYNTHETIC and built in the test: a 1-degree square with
corners at whole degrees near Bamako (lon -8..-7, lat 12..13), a two-point line
from (-8, 12) to (-7, 13), and two site points at (-8, 12.5) and (-7.5, 12.5).
Values are chosen so that every expected answer can be checked by hand.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geo.crs import WGS84
from geo.errors import InputFileError
from geo.io import ingest
from geo.io.boundaries import read_boundaries
from geo.io.containers import IngestLimits
from geo.io.ingest import ingest_upload
from geo.io.routes import read_routes
from geo.io.sites import read_sites

SQUARE = shapely.box(-8.0, 12.0, -7.0, 13.0)
LINE = shapely.LineString([(-8.0, 12.0), (-7.0, 13.0)])


def square_layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"shapeID": ["C1"], "shapeName": ["Carré"]}, geometry=[SQUARE], crs=4326
    )


def route_layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"route_id": ["r1"], "label": ["Synthetic road"]}, geometry=[LINE], crs=4326
    )


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def shapefile_zip(gdf: gpd.GeoDataFrame, tmp: Path, *, prj: bool = True) -> bytes:
    folder = tmp / "shp"
    folder.mkdir(exist_ok=True)
    pyogrio.write_dataframe(gdf, folder / "layer.shp")
    parts = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if prj or p.suffix != ".prj"}
    return zipped(parts)


def read_as(kind: str, data: bytes, name: str, **kw):
    """Read the same bytes as incidents, boundaries, routes or sites."""
    reader = {
        "incidents": ingest_upload,
        "boundaries": read_boundaries,
        "routes": read_routes,
        "sites": read_sites,
    }[kind]
    return reader(data, name=name, **kw)


KINDS = ("incidents", "boundaries", "routes", "sites")


# --------------------------------------------------------------------------- reading


def test_boundaries_geojson_gpkg_and_zipped_shapefile_give_the_same_units(tmp_path):
    gdf = square_layer()
    gdf.to_file(tmp_path / "b.gpkg", driver="GPKG", layer="communes")
    files = {
        "b.geojson": gdf.to_json().encode(),
        "b.gpkg": (tmp_path / "b.gpkg").read_bytes(),
        "b.zip": shapefile_zip(gdf.to_crs(32629), tmp_path),
    }
    for name, data in files.items():
        units = read_boundaries(data, name=name)
        assert units["unit_id"].tolist() == ["C1"], name
        assert units["name"].tolist() == ["Carré"], name
        assert units.crs.equals(WGS84)
        # the UTM shapefile comes back in lon/lat: the square's area is 1 deg² within 1e-6
        assert units.geometry.iloc[0].area == pytest.approx(1.0, abs=1e-6), name


def test_boundaries_without_crs_and_of_lines_are_refused(tmp_path):
    with pytest.raises(InputFileError, match=r"has no \.prj"):
        read_boundaries(shapefile_zip(square_layer(), tmp_path, prj=False), name="b.zip")
    with pytest.raises(InputFileError, match="has no Polygon or MultiPolygon layer"):
        route_layer().to_file(tmp_path / "l.gpkg", driver="GPKG")
        read_boundaries((tmp_path / "l.gpkg").read_bytes(), name="l.gpkg")


def test_routes_from_zipped_shapefile_and_path(tmp_path):
    got = read_routes(shapefile_zip(route_layer(), tmp_path), name="r.zip")
    assert got["route_id"].tolist() == ["r1"]
    assert got.geometry.iloc[0].equals(LINE)
    path = tmp_path / "r.geojson"
    path.write_bytes(route_layer().to_json().encode())
    assert read_routes(path)["label"].tolist() == ["Synthetic road"]


def test_sites_from_csv_geojson_and_polygons():
    csv = (
        b"site_id,name,type,latitude,longitude\nm1,Mine A,mine,12.5,-8\nm2,Camp B,camp,12.5,-7.5\n"
    )
    sites = read_sites(csv, name="s.csv")
    assert sites[["site_id", "name", "site_type"]].values.tolist() == [
        ["m1", "Mine A", "mine"],
        ["m2", "Camp B", "camp"],
    ]
    assert [(g.x, g.y) for g in sites.geometry] == [(-8.0, 12.5), (-7.5, 12.5)]
    mixed = gpd.GeoDataFrame(
        {"name": ["Point site", "Area site"]},
        geometry=[shapely.Point(-8.0, 12.5), SQUARE],
        crs=4326,
    )
    got = read_sites(mixed.to_json(drop_id=True).encode(), name="s.geojson")
    assert got["site_id"].tolist() == ["S0001", "S0002"]
    assert got["site_type"].tolist() == ["site", "site"]
    assert got.geometry.geom_type.tolist() == ["Point", "Polygon"]


def test_sites_headers_match_whatever_their_case_and_stray_spaces():
    # SYNTHETIC two-row CSV with the ICMM file's headers ("Mine Name " ends in a space).
    csv = (
        b"ICMMID,Mine Name ,Group Names, Asset Type,Latitude,Longitude\n"
        b"X1,Mine A,Group A,Mine,12.5,-8\nX2,Plant B,Group B,Processing Plant,12.6,-8\n"
    )
    sites = read_sites(csv, name="synthetic.csv")
    assert sites[["site_id", "name", "site_type"]].values.tolist() == [
        ["X1", "Mine A", "Mine"],
        ["X2", "Plant B", "Processing Plant"],
    ]
    assert [(g.x, g.y) for g in sites.geometry] == [(-8.0, 12.5), (-8.0, 12.6)]


def test_sites_refuse_bad_rows_with_file_row_and_column():
    with pytest.raises(InputFileError, match=r"s\.csv, row 3, column 'lat': 'north'"):
        read_sites(b"name,lat,lon\nA,12.5,-8\nB,north,-7.5\n", name="s.csv")
    with pytest.raises(InputFileError, match=r"site ids repeat: \['m1'\]"):
        read_sites(b"id,lat,lon\nm1,12.5,-8\nm1,12.6,-8\n", name="s.csv")
    with pytest.raises(InputFileError, match="a LineString; a site layer holds"):
        read_sites(route_layer().to_json().encode(), name="s.geojson")


# --------------------------------------------------------------------------- one way in


def _many_members() -> bytes:
    return zipped({f"part{i}.csv": b"a\n" for i in range(201)})


def _nested() -> bytes:
    return zipped({"inner.zip": zipped({"b.geojson": square_layer().to_json().encode()})})


def _bomb_geojson() -> bytes:
    """One polygon of 1,000,000 vertices (23 MB): its parse needs more than 600 MiB."""
    t = np.linspace(0.0, 2 * np.pi, 1_000_000)
    ring = np.c_[-8.0 + np.cos(t), 12.0 + np.sin(t)].round(6)
    ring[-1] = ring[0]
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon"}}
    feature["geometry"]["coordinates"] = [ring.tolist()]
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


HOSTILE = {
    "too many members": (_many_members, r"lists 201 members"),
    "nested archive": (_nested, r"member 'inner.zip' is an archive inside the archive"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_archive_gets_one_verdict_whatever_it_is_read_as(case):
    build, match = HOSTILE[case]
    data = build()
    messages = set()
    for kind in KINDS:
        with pytest.raises(InputFileError, match=match) as info:
            read_as(kind, data, "hostile.zip")
        messages.add(str(info.value))
    assert len(messages) == 1, messages


@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("kind", ["boundaries", "routes"])
def test_hostile_boundary_and_route_archives_are_stopped_in_the_worker(monkeypatch, case, kind):
    """With the parent's pre-parse check switched off, the worker's own check refuses."""
    build, match = HOSTILE[case]
    calls = []
    real = ingest._run_worker
    monkeypatch.setattr(ingest, "precheck", lambda *a, **k: None)
    monkeypatch.setattr(ingest, "_run_worker", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    with pytest.raises(InputFileError, match=match):
        read_as(kind, build(), "hostile.zip")
    assert [c["kind"] for c in calls] == [kind]


def test_memory_bomb_is_stopped_in_the_worker_with_the_same_verdict_for_every_kind():
    data = _bomb_geojson()
    limits = IngestLimits(memory_bytes=600 * 2**20)
    messages = set()
    for kind in KINDS:
        with pytest.raises(InputFileError, match="needs more memory than a file may use") as info:
            read_as(kind, data, "bomb.geojson", limits=limits)
        messages.add(str(info.value))
    assert len(messages) == 1, messages


def test_layer_result_is_checked_before_use():
    good = {"columns": {"a": ["x"]}, "wkb": [], "file": "f", "notes": []}
    with pytest.raises(ValueError, match="expected a list of 0 values"):
        ingest.decode_layer(good, kind="routes")
    point = shapely.to_wkb(shapely.Point(0, 0))
    import base64

    wrong = {"columns": {}, "wkb": [base64.b64encode(point).decode()], "file": "f", "notes": []}
    with pytest.raises(ValueError, match="not one of"):
        ingest.decode_layer(wrong, kind="routes")


# --------------------------------------------------------------------------- every command


@pytest.fixture
def no_parsing_here(monkeypatch):
    """Fail any parse of a user file in this process; record what reaches the worker."""
    from geo.io import incidents, layers

    def refuse(*_args, **_kwargs):
        raise AssertionError("a user file was parsed outside the sandboxed worker")

    monkeypatch.setattr(incidents, "load_table", refuse)
    monkeypatch.setattr(layers, "_load", refuse)
    kinds: list[str] = []
    real = ingest._run_worker

    def record(request, *args, **kwargs):
        kinds.append(request["kind"])
        return real(request, *args, **kwargs)

    monkeypatch.setattr(ingest, "_run_worker", record)
    return kinds


def test_every_command_reads_user_files_through_the_worker(tmp_path, no_parsing_here):
    from geo.cli import main

    incidents = tmp_path / "events.csv"
    incidents.write_bytes(
        b"id,date,lat,lon,type\nA,2025-04-03,12.5,-7.5,Battles\nB,2025-04-04,12.4,-7.6,Battles\n"
    )
    boundaries = tmp_path / "units.geojson"
    boundaries.write_bytes(square_layer().to_json().encode())
    routes = tmp_path / "road.geojson"
    routes.write_bytes(route_layer().to_json().encode())
    runs = {
        ("validate", str(incidents)): ["incidents"],
        ("join", "--incidents", str(incidents), "--admin", str(boundaries)): [
            "incidents",
            "boundaries",
        ],
        ("routes", "--routes", str(routes)): ["routes"],
        ("exposure", "--incidents", str(incidents), "--routes", str(routes)): [
            "incidents",
            "routes",
        ],
    }
    for i, (argv, expected) in enumerate(runs.items()):
        no_parsing_here.clear()
        out = ["--out", str(tmp_path / f"out{i}.csv")] if argv[0] != "validate" else []
        assert main([*argv, *out]) == 0, argv
        assert sorted(no_parsing_here) == sorted(expected), argv
