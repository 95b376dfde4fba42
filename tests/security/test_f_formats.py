"""SECURITY.md 4.2, cases F: formats, GDAL drivers and what a file may make the reader open.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import json
import sqlite3
import struct

import pyogrio
import pytest

from geo.errors import InputFileError, ParameterError
from geo.io.incidents import read_incidents
from geo.io.ingest import ingest_upload
from tests.security.helpers import (
    _OGR_VRT,
    _WKT_4326,
    BAMAKO,
    Canary,
    demo_default,
    feature_collection,
    gpkg_bytes,
    ingest,
    make_zip,
    one_row_csv,
    point,
    points_frame,
)


def test_f01_geojson_crs_link_fetch_by_default_refused_by_us(tmp_path):
    with Canary({"/crs.prj": _WKT_4326}) as canary:
        crs = {"type": "link", "properties": {"href": f"{canary.url}/crs.prj", "type": "ogcwkt"}}
        data = feature_collection([point(*BAMAKO)], crs=crs)
        (tmp_path / "link.geojson").write_bytes(data)
        out = demo_default(
            "import pyogrio; print(pyogrio.read_info('link.geojson')['crs'])", cwd=tmp_path
        )
        assert any("/crs.prj" in h for h in canary.hits), f"default GDAL did not fetch: {out}"
        canary.hits.clear()
        with pytest.raises(InputFileError, match=r"has a 'crs' member .* RFC 7946"):
            ingest(data, "link.geojson")
        assert canary.hits == []


def test_f02_vrt_to_vsicurl_inside_zip_bytes(tmp_path):
    with Canary({"/remote.csv": b"x,y\n1,2\n"}) as canary:
        vrt = _OGR_VRT.format(src=f"/vsicurl/{canary.url}/remote.csv").encode()
        for member in ("layer.vrt", "layer.csv"):
            data = make_zip({member: vrt})
            (tmp_path / "up.zip").write_bytes(data)
            code = """
                import io, pyogrio
                try:
                    print(pyogrio.read_dataframe(io.BytesIO(open('up.zip','rb').read())))
                except Exception as exc:
                    print('error', exc)
            """
            out = demo_default(code, cwd=tmp_path)
            if member == "layer.vrt":
                assert canary.hits, f"default GDAL made no request: {out}"
            canary.hits.clear()
            with pytest.raises(InputFileError, match=r"VRT|not exactly one CSV"):
                ingest(data, "up.zip")
            assert canary.hits == []


def test_f03_vrt_reading_a_local_file(tmp_path):
    secret = tmp_path / "secrets.toml"
    secret.write_text("password_sha256,token\nTOPSECRET,42\n")
    vrt = (
        _OGR_VRT.format(src=f"CSV:{secret}")
        .replace("</SrcDataSource>", "</SrcDataSource><SrcLayer>secrets</SrcLayer>")
        .encode()
    )
    (tmp_path / "innocent.csv").write_bytes(vrt)
    out = demo_default(
        "import pyogrio; print(pyogrio.read_dataframe('innocent.csv').to_csv())", cwd=tmp_path
    )
    assert "TOPSECRET" in out  # the stack's default reads the file named inside
    for name in ("innocent.csv", "innocent.geojson"):
        with pytest.raises(InputFileError, match="looks like XML or a GDAL VRT") as err:
            ingest(vrt, name)
        assert "TOPSECRET" not in str(err.value)


def test_f04_raster_vrt_named_tif_fetches_by_default_not_here(tmp_path):
    import rasterio
    from rasterio.errors import RasterioIOError

    with Canary() as canary:
        vrt = (
            '<VRTDataset rasterXSize="4" rasterYSize="4"><VRTRasterBand dataType="Byte" band="1">'
            f"<SimpleSource><SourceFilename>/vsicurl/{canary.url}/r.tif</SourceFilename>"
            "<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></VRTDataset>"
        ).encode()
        (tmp_path / "r.tif").write_bytes(vrt)
        code = """
            import rasterio
            with rasterio.MemoryFile(open('r.tif','rb').read(), ext='.tif') as mf:
                try:
                    with mf.open() as ds:
                        print(ds.driver, ds.read(1).sum())
                except Exception as exc:
                    print('error', exc)
        """
        out = demo_default(code, cwd=tmp_path)
        assert canary.hits, f"default rasterio made no request: {out}"
        canary.hits.clear()
        with rasterio.MemoryFile(vrt, ext=".tif") as mf, pytest.raises(RasterioIOError):
            mf.open()
        assert canary.hits == []


def test_f05_user_strings_never_reach_gdal_as_paths():
    with Canary({"/x.csv": one_row_csv()}) as canary:
        url = f"{canary.url}/x.csv"
        result = ingest(one_row_csv(), url)  # the name is a label, never opened
        assert result.report.file == "x.csv" and result.report.rows_kept == 1
        for text in (url, f"/vsicurl/{url}", "/vsizip//etc/x.zip", "PG:dbname=x", "WFS:" + url):
            with pytest.raises(ParameterError, match="data must be bytes"):
                read_incidents(text, name="typed.csv")  # a str is refused, bytes or Path only
            with pytest.raises(ParameterError, match="data must be bytes"):
                ingest_upload(text, name="typed.csv")
        with pytest.raises(Exception):  # noqa: B017 (GDAL's own refusal, any error type)
            pyogrio.read_info(f"/vsicurl/{url}")  # belt and braces: /vsicurl/ is off here
        assert canary.hits == []


def test_f05_cli_refuses_urls_and_gdal_prefixes(capsys):
    from geo.cli import main

    for text in ("http://127.0.0.1:9/x.csv", "/vsicurl/http://127.0.0.1:9/x", "PG:dbname=x"):
        assert main(["validate", text]) == 2
    assert "127.0.0.1:9" not in capsys.readouterr().out.replace("http://127.0.0.1:9/x.csv", "")


def test_f06_driver_allowlist_holds_at_start_up(tmp_path):
    import rasterio

    from geo.io import _gdal_env

    _gdal_env.check_drivers()
    assert set(pyogrio.list_drivers()) <= _gdal_env.ALLOWED_VECTOR_DRIVERS
    with rasterio.Env() as env:
        assert (
            set(env.drivers())
            <= _gdal_env.ALLOWED_VECTOR_DRIVERS | _gdal_env.ALLOWED_RASTER_DRIVERS
        )
    out = demo_default("import pyogrio; print(len(pyogrio.list_drivers()))", cwd=tmp_path)
    assert int(out.split()[-1]) > 40  # the wheel's default set


def test_f08_hostile_geopackages(tmp_path):
    base = gpkg_bytes(points_frame(2), tmp_path)
    # A trigger and an extra table: read-only parsing never fires it.
    path = tmp_path / "trigger.gpkg"
    path.write_bytes(base)
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE audit (x TEXT)")
        con.execute(
            "CREATE TRIGGER t AFTER UPDATE ON events BEGIN INSERT INTO audit VALUES ('fired'); END"
        )
    assert ingest(path.read_bytes(), "trigger.gpkg").report.rows_kept == 2
    # Plain SQLite, and a view registered as a feature layer.
    plain = tmp_path / "plain.sqlite"
    with sqlite3.connect(plain) as con:
        con.execute("CREATE TABLE t (a)")
    with pytest.raises(InputFileError, match="an SQLite database but not a GeoPackage"):
        ingest(plain.read_bytes(), "plain.gpkg")
    view = tmp_path / "view.gpkg"
    view.write_bytes(base)
    with sqlite3.connect(view) as con:
        con.execute("CREATE VIEW v AS SELECT * FROM events")
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES ('v', 'features', 'v', 4326)"
        )
    with pytest.raises(InputFileError, match="SQL views, which are refused"):
        ingest(view.read_bytes(), "view.gpkg", layer="events")
    # A header claiming 2**31 pages: a clear error or a correct read, never a crash.
    huge = bytearray(base)
    huge[28:32] = struct.pack(">I", 0x7FFFFFFF)
    huge[92:96] = huge[24:28]  # make SQLite trust the in-header size
    try:
        result = ingest(bytes(huge), "huge.gpkg")
    except InputFileError as exc:
        assert str(exc).startswith("huge.gpkg")
    else:
        assert result.report.rows_kept == 2


def test_f09_huge_line_deep_nesting_and_duplicate_keys():
    with pytest.raises(InputFileError, match=r"is 100\.0 MiB; files up to 50 MiB"):
        ingest(
            b'{"type":"FeatureCollection","features":[' + b" " * (100 * 2**20) + b"]}", "x.geojson"
        )
    deep = b'{"type":"FeatureCollection","features":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    with pytest.raises(InputFileError, match=r"nested too deeply|not valid JSON|not a GeoJSON"):
        ingest(deep, "deep.geojson")
    # Duplicate keys: one reading only (Python's: the last wins), re-serialised for GDAL.
    dup = (
        b'{"type": "FeatureCollection", "features": [], ' + feature_collection([point(*BAMAKO)])[1:]
    )
    assert len(json.loads(dup)["features"]) == 1
    assert ingest(dup, "dup.geojson").report.rows_in == 1
