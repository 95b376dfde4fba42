"""Shared helpers of the security catalogue (SECURITY.md 4.2): fixtures built in a few lines.

Every fixture is SYNTHETIC: event ids, notes and actors are made up; coordinates
are the OSM town points listed in ``tests/fixtures/incidents/README.md``.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import socket
import stat
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
import pandas as pd
import pyogrio
import shapely

from geo.io.incidents import read_incidents
from geo.io.ingest import ingest_upload

REPO = Path(__file__).resolve().parents[2]


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


_OGR_VRT = (
    '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>{src}</SrcDataSource>'
    "</OGRVRTLayer></OGRVRTDataSource>"
)


def _symlink_member_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("events/link.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/shadow")
    return buf.getvalue()


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


FIX = REPO / "tests" / "fixtures" / "incidents"


def _places_frame() -> gpd.GeoDataFrame:
    return points_frame(2, location=["Ségou", "Kéniéba"])


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
    "n": "ui/routes.py: a count of routes",
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
    "tab_labels": "app.py: the fixed tab labels, translated",
    "previous": "ui/hotspots.py: the previous window, two dates (Translator.period)",
    "step_label(step)": "ui/changes.py: a fixed step label (geo.emerging.STEPS), translated",
    "DEFAULTS.window_days": "a number (geo.settings)",
    "chrome.window_text(analysis.filters.start, analysis.filters.end)": (
        "app.py: two dates and a count of days"
    ),
    "shown.sentence": "ui/about.py: geo.evaluate's own sentence of method names and numbers",
    "since": "ui/changes.py: a date from st.date_input",
    "step": "ui/changes.py: a fixed step label (geo.emerging.STEPS)",
    **{f"a[{k!r}]": "ui/changes.py: a count, a date or a distance of the since table"
       for k in ("n_since", "since", "as_of", "n_listed", "site_radius_km", "buffer_km",
                 "n_imprecise_left_out")},
    **{f"s[{k!r}]": "ui/changes.py: a number or a date of the emerging settings"
       for k in ("steps", "start", "end", "time_lag_steps", "gistar_alpha", "trend_alpha",
                 "steps_needed_for_share")},
    "'on' if s['fdr'] else 'off'": "fixed text",
    "len(reachable)": "ui/plan.py: a count",
    "len(gaz.towns)": "ui/plan.py: a count",
    "graph.snap_km": "a number",
    "store.name": "ui/log.py: the log's file or database name, from the operator's settings",
    "len(rows)": "a count",
    "chosen": "ui/log.py: an incident id (an integer)",
    "incident": "ui/log.py: an incident id (an integer)",
    "where": "ui/log.py: our own sentence with the clicked coordinates",
}  # fmt: skip


_MARKDOWN_CALLS = {
    "markdown", "caption", "write", "info", "warning", "error", "success", "title", "header",
    "subheader", "toast", "expander", "tabs", "metric", "button", "download_button",
    "checkbox", "toggle", "radio", "selectbox", "multiselect", "text_input", "popover",
    "change_metric",
}  # fmt: skip


def _ui_files() -> list[Path]:
    return [REPO / "app.py", *sorted((REPO / "ui").glob("*.py"))]


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


def _config() -> dict:
    import tomllib

    return tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
