"""Incident playback frame times: 20,000 incidents played in the real app, in real Chromium.

The workload is SYNTHETIC: 20,000 rows resampled (with replacement, seed 0) from
the bundled UCDP GED Mali and border events, so the coordinates are real places
but the events are not; each row gets a new id and a date drawn uniformly over
the 180 days ending 2020-12-27, so the app's default window (the last 180 days
of the data) holds every one of them, about 770 a week.

Two measurements in the same run, both in headless Debian Chromium with every
outside request blocked (``tests/browser_util.py``):

1. **ours**: ``streamlit run app.py`` on loopback, the file uploaded as a user
   would, the "What is changing" tab opened and Play pressed; the page's
   ``requestAnimationFrame`` intervals are recorded for 12 s of playback (30
   steps at 400 ms), with the long tasks (> 50 ms) the browser reports.
2. **reference**: what a user would write instead with plain Leaflet, one
   ``L.circleMarker`` per incident of the step in an ``L.layerGroup`` cleared and
   refilled every step (SVG renderer, same data, same 400 ms steps), on a
   static page with the bundled Leaflet.

A frame above 100 ms is a visible stall. Run from the repository root::

    python -m benchmarks.bench_playback            # 20,000 incidents
    python -m benchmarks.bench_playback 50000      # another size
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser_util import (  # noqa: E402
    map_frame,
    offline_browser,
    open_tab,
    running_app,
    wait_for_app,
)

from geo.settings import BUNDLED, DEFAULTS  # noqa: E402

PLAY_MS = 12_000
END = pd.Timestamp("2020-12-27")

_RECORD = """(ms) => new Promise((done) => {
  const frames = [], long = [];
  const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => long.push(e.duration)));
  try { obs.observe({entryTypes: ["longtask"]}); } catch (e) {}
  const t0 = performance.now();
  function tick(t) {
    frames.push(t);
    if (t - t0 < ms) { requestAnimationFrame(tick); return; }
    obs.disconnect();
    done({frames, long});
  }
  requestAnimationFrame(tick);
})"""

_REFERENCE_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="LEAFLET/leaflet.css"><script src="LEAFLET/leaflet.js"></script>
<style>html,body,#m{height:100%;margin:0}</style></head><body><div id="m"></div><script>
var D = DATA;
var map = L.map("m").setView([14.5, -4], 6);
var group = L.layerGroup().addTo(map), step = 0;
function show(s) {
  group.clearLayers();
  for (var i = D.off[s]; i < D.off[s + 1]; i++) {
    L.circleMarker([D.lat[i], D.lon[i]], {radius: 5, weight: 1, color: "#fff",
      fillColor: "#0072b2", fillOpacity: 0.9}).addTo(group);
  }
}
window.play = function() {
  setInterval(function() { step = (step + 1) % (D.off.length - 1); show(step); }, 400);
};
show(0);
</script></body></html>"""


def workload(n: int, *, seed: int = 0) -> bytes:
    """Resample ``n`` UCDP GED rows from the bundled files, with new ids and dates (CSV bytes)."""
    frames = [pd.read_csv(p) for p in (BUNDLED.ucdp_mali, BUNDLED.ucdp_border)]
    rows = pd.concat(frames, ignore_index=True)
    rng = np.random.default_rng(seed)
    out = rows.iloc[rng.integers(0, len(rows), size=n)].reset_index(drop=True)
    days = END - pd.to_timedelta(rng.integers(0, 180, size=n), unit="D")
    out["id"] = np.arange(1, n + 1) + 9_000_000
    out["date_start"] = days.strftime("%Y-%m-%d")
    out["year"], out["month"], out["day"] = days.year, days.month, days.day
    if "date_end" in out.columns:
        out["date_end"] = out["date_start"]
    buf = io.StringIO()
    out.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue().encode("utf-8")


def _summary(result: dict) -> dict[str, float]:
    gaps = np.diff(np.asarray(result["frames"], dtype=float))
    return {
        "frames": int(gaps.size),
        "p50_ms": float(np.percentile(gaps, 50)),
        "p95_ms": float(np.percentile(gaps, 95)),
        "max_ms": float(gaps.max()),
        "over_100ms": int((gaps > 100).sum()),
        "long_tasks": len(result["long"]),
        "longest_task_ms": float(max(result["long"], default=0.0)),
    }


def measure_app(data: bytes) -> dict[str, float]:
    """Upload the workload into the real app, press Play, record frame intervals."""
    with running_app() as url, offline_browser(viewport=(1500, 1300)) as (context, blocked):
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page)
        page.get_by_text("My file (this session only)").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": "synthetic_20k.csv", "mimeType": "text/csv", "buffer": data}]
        )
        page.get_by_text("Your file: synthetic_20k.csv (this session only)").wait_for(
            timeout=300_000
        )
        wait_for_app(page, timeout_ms=300_000)
        open_tab(page, "What is changing", timeout_ms=300_000)
        frame = map_frame(page)
        frame.locator(".srm-playback").wait_for(timeout=300_000)
        steps = int(frame.locator(".srm-slider").get_attribute("max")) + 1
        frame.locator(".srm-play").click()
        iframe = next(f for f in page.frames if "st_folium" in (f.url or ""))
        result = iframe.evaluate(_RECORD, PLAY_MS)
        at = int(frame.locator(".srm-slider").input_value())
        if blocked.urls:
            raise RuntimeError(f"requests left the machine: {blocked.urls[:5]}")
    return {**_summary(result), "steps": steps, "step_reached": at}


def measure_reference(data: bytes) -> dict[str, float]:
    """Play the same steps with one L.circleMarker per incident (plain Leaflet)."""
    from geo.io.ingest import ingest_upload
    from layers.playback import playback_data

    read = ingest_upload(data, name="synthetic.csv")
    d = playback_data(read.incidents, step=DEFAULTS.playback_step, include_imprecise=True)
    leaflet = (REPO / "static" / "leaflet" / "1.9.4").as_uri()
    page_html = _REFERENCE_PAGE.replace("LEAFLET", leaflet).replace(
        "DATA", json.dumps({k: d[k] for k in ("lat", "lon", "off")})
    )
    with tempfile.TemporaryDirectory() as tmp, offline_browser() as (context, blocked):
        path = Path(tmp) / "reference.html"
        path.write_text(page_html, encoding="utf-8")
        page = context.new_page()
        page.goto(path.as_uri())
        page.evaluate("() => window.play()")
        result = page.evaluate(_RECORD, PLAY_MS)
        if blocked.urls:
            raise RuntimeError(f"requests left the machine: {blocked.urls[:5]}")
    return _summary(result)


def main(argv: list[str]) -> None:
    """Run the benchmark for the sizes given (default 20,000) and print the figures."""
    sizes = [int(a) for a in argv] or [20_000]
    for n in sizes:
        data = workload(n)
        ours = measure_app(data)
        ref = measure_reference(data)
        print(f"{n:,} synthetic incidents (resampled from bundled UCDP GED), 400 ms steps:")
        print(f"  ours (real app, canvas playback): {json.dumps(ours)}")
        print(f"  reference (L.circleMarker per incident per step): {json.dumps(ref)}")


if __name__ == "__main__":
    main(sys.argv[1:])
