"""SECURITY.md 4.2 in a real browser (slow: starts ``streamlit run`` and Debian Chromium).

R09/R11: the payload corpus goes through the real app as an uploaded file (the
sidebar's file uploader, driven by Playwright) and every incident popup of the
map is opened; R12: the same corpus in the exported offline HTML map. In both,
no payload may run (``window.__pwned`` stays unset in every frame, the title is
unchanged), every payload reads verbatim, and no request leaves loopback
(outside hosts are aborted and counted; a markdown image aimed at a loopback
canary must never be fetched). K04/K05: the live server refuses a WebSocket
from a foreign Origin, and (once configured) an unknown Host.

The uploaded files are SYNTHETIC: made-up events at the OSM town points of
Bamako and Kayes (tests/fixtures/incidents/README.md), text fields holding the
payloads of ``tests.security.helpers.PAYLOADS``.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import http.server
import threading
from pathlib import Path

import pytest
from browser_util import offline_browser, running_app, wait_for_app

from tests.security.helpers import BAMAKO, KAYES, PAYLOADS, Canary, csv_bytes, read

pytestmark = pytest.mark.slow  # a browser and a server; runs in the default suite

# Open every popup of every Leaflet map in a window and return each popup's text. A layer on
# the map opens its popup for real; a marker hidden in a cluster gets its popup content put
# into a page element through innerHTML, the very sink Leaflet uses when a popup opens.
_OPEN_ALL_POPUPS = """async () => {
  const texts = [];
  const show = (layer) => {
    const popup = layer.getPopup();
    if (layer._map) {
      layer.openPopup();
      texts.push(popup._contentNode.innerText);
      layer.closePopup();
      return;
    }
    const content = popup.getContent();
    const box = document.createElement("div");
    box.className = "leaflet-popup-content";
    box.innerHTML = typeof content === "function" ? content(layer) : content;
    document.body.appendChild(box);
    texts.push(box.innerText);
    box.remove();
  };
  const maps = [...new Set(Object.values(window).filter(v => window.L && v instanceof L.Map))];
  for (const map of maps) {
    const layers = [];
    map.eachLayer(l => layers.push(l));
    for (const layer of layers) {
      if (layer.getLayers && layer.zoomToShowLayer) {
        layer.getLayers().filter(m => m.getPopup && m.getPopup()).forEach(show);
      } else if (!layer.getLayers && layer.getPopup && layer.getPopup()) {
        show(layer);
      }
    }
  }
  await new Promise(done => setTimeout(done, 500));  // let any injected handler fire
  return texts;
}"""


def _visible(text: str) -> str:
    """What a reader must see: the payload less the bidi/control characters safe_text strips."""
    return "".join(ch for ch in text if ch != "\u202e")


def _rows(beacon: str) -> list[dict[str, object]]:
    corpus = {
        **PAYLOADS,
        "md_image": f"![x]({beacon})",
        "md_remote": "![y](http://t.example/b.png)",
    }
    return [
        {
            "id": f"R-{k}",
            "date": "2025-04-03",
            "lat": round((BAMAKO if k % 2 else KAYES)[1] + 0.05 * k, 5),
            "lon": (BAMAKO if k % 2 else KAYES)[0],
            "precision": 3 if k % 3 else 1,  # both approximate circles and clustered markers
            "location": text,
            "actor1": text,
            "type": text,
            "notes": text,
            "url": text,
        }
        for k, text in enumerate(corpus.values())
    ]


def _incident_popups(texts: list[str]) -> list[str]:
    return [t for t in texts if "Event id\tR-" in t]


def _map_frames(page) -> list:
    has_map = "() => !!window.L && Object.values(window).some(v => v instanceof L.Map)"
    return [f for f in page.frames if f is not page.main_frame and f.evaluate(has_map)]


def _assert_inert(page, texts: list[str], rows: list[dict[str, object]]) -> None:
    for frame in page.frames:
        assert frame.evaluate("() => window.__pwned === undefined"), f"script ran in {frame.url}"
    assert "PWN" not in page.title()
    wanted = {_visible(str(r["notes"])) for r in rows}
    shown = set()
    for text in texts:
        for line in text.splitlines():
            if line.startswith("Notes\t"):
                shown.add(line.removeprefix("Notes\t"))
    assert wanted == shown


@pytest.fixture(scope="module")
def beacon():
    with Canary({"/beacon.png": b"\x89PNG"}) as canary:
        yield canary


@pytest.fixture(scope="module")
def app_url():
    with running_app() as url:
        yield url


def _upload(page, name: str, data: bytes) -> None:
    page.get_by_text("My file (this session only)").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )


def test_r11_payload_corpus_through_the_real_app_is_inert_and_verbatim(app_url, beacon):
    rows = _rows(f"{beacon.url}/beacon.png")
    with offline_browser() as (context, blocked):
        page = context.new_page()
        page.goto(app_url, wait_until="domcontentloaded")
        wait_for_app(page)
        title = page.title()
        _upload(page, "payloads.csv", csv_bytes(rows))
        page.get_by_text("Your file: payloads.csv (this session only)").wait_for(timeout=120_000)
        wait_for_app(page)
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]:visible').first
        frame.locator(".leaflet-container").wait_for(timeout=120_000)
        texts = [t for f in _map_frames(page) for t in f.evaluate(_OPEN_ALL_POPUPS)]
        assert len(_incident_popups(texts)) == len(rows)
        _assert_inert(page, texts, rows)
        assert page.title() == title
        # R09: a markdown image in the data is never fetched, from loopback or outside.
        assert beacon.hits == []
        assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"


def test_r11_payload_column_names_shown_as_text(app_url):
    names = [PAYLOADS["img_onerror"], PAYLOADS["jinja_expr"], PAYLOADS["script_close"]]
    header = ",".join('"' + n.replace('"', '""') + '"' for n in names)
    data = f"{header}\n1,2,3\n".encode()
    with offline_browser() as (context, blocked):
        page = context.new_page()
        page.goto(app_url, wait_until="domcontentloaded")
        wait_for_app(page)
        _upload(page, "columns.csv", data)
        page.get_by_text("Your file could not be used.").wait_for(timeout=120_000)
        body = page.locator("body").inner_text()
        for name in names:
            assert repr(name)[1:-1] in body or name in body
        for frame in page.frames:
            assert frame.evaluate("() => window.__pwned === undefined")
        assert blocked.urls == []


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def exported_map(tmp_path_factory, beacon):
    from geo.export.html import export_html
    from geo.pipeline import Filters, Params, load_context, prepare_incidents, run_analysis
    from geo.provenance import build_provenance
    from ui.exports import html_export_text

    rows = _rows(f"{beacon.url}/beacon.png")
    result = read(csv_bytes(rows), "payloads.csv")
    context = load_context()
    assigned = prepare_incidents(result.incidents, context)
    window = Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 4, 30))
    analysis = run_analysis(
        assigned, result.report, window, Params(as_of=dt.date(2025, 4, 30)), context=context
    )
    folder = tmp_path_factory.mktemp("export")
    page = html_export_text(analysis, method="admin", measure="incidents", share_safe=False)
    export_html(page, folder / "map.html", provenance=build_provenance(analysis))
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietFiles, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/map.html", rows, folder / "map.html"
    finally:
        server.shutdown()
        server.server_close()


def test_r12_exported_html_map_is_inert_verbatim_and_offline(exported_map, beacon):
    url, rows, path = exported_map
    text = Path(path).read_text(encoding="utf-8")
    with offline_browser() as (context, blocked):
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(".leaflet-container")
        texts = page.evaluate(_OPEN_ALL_POPUPS)
        assert len(_incident_popups(texts)) == len(rows)
        _assert_inert(page, texts, rows)
        assert beacon.hits == []
        assert blocked.urls == [], f"the exported map asked for {blocked.urls[:5]}"
        # Positive control: the same sink with the raw payload does trip the detector.
        page.evaluate(
            "(p) => { const b = document.createElement('div'); b.innerHTML = p;"
            " document.body.appendChild(b); }",
            PAYLOADS["img_onerror"],
        )
        page.wait_for_function("() => window.__pwned === 'img'", timeout=10_000)
    assert html.escape("<img src=x onerror") in text or "&lt;img src=x onerror" in text


def _ws_handshake(port: int, *, origin: str | None, host: str) -> int:
    import base64
    import os
    import socket

    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /_stcore/stream HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: streamlit",
    ]
    if origin:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = s.recv(1024).split(b"\r\n", 1)[0]
    return int(status.split()[1])


def test_k04_websocket_from_a_foreign_origin_refused(app_url):
    port = int(app_url.rsplit(":", 1)[1])
    assert _ws_handshake(port, origin=app_url, host=f"127.0.0.1:{port}") == 101
    assert _ws_handshake(port, origin="http://evil.example", host=f"127.0.0.1:{port}") == 403


def test_k05_websocket_with_an_unknown_host_refused(app_url):
    port = int(app_url.rsplit(":", 1)[1])
    origin = f"http://rebind.example:{port}"
    assert _ws_handshake(port, origin=origin, host=f"rebind.example:{port}") >= 400
