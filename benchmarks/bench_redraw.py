"""Time the browser redraw: a widget change to the map's new layers drawn, beside the script run.

Workload: for each size, a SYNTHETIC Parquet file of N incidents
(:func:`benchmarks.bench_scale.write_parquet`, resampled from the bundled
events; never real events), opened by a real ``streamlit run app.py --
--incidents FILE`` on loopback and driven by headless Debian Chromium with
every outside request blocked (``tests/browser_util.py``). On the Hotspots
view the sidebar's *Quick window* is switched between *30 days* and
*180 days*, ``--changes`` times; each switch recomputes the window and redraws
the map's analysis layers.

Two figures per change, both from the click (browser clock, ``Date.now()``):

- ``script run``: until the app root's ``data-test-script-state`` is back to
  ``notRunning`` (the server's rerun as the page sees it: the server-side time,
  plus a loopback round trip);
- ``layers drawn``: until the map's iframe holds a Leaflet path that was not
  there before the click (the previous paths are marked first) and two
  animation frames have passed, so the new layers are painted. When the map
  comes in a fresh document instead, until a poll (every 50 ms) finds its
  first path; the count of changes seen by the observer is printed.

``drawn - script`` is what the browser adds after the server is done (when
positive); the map component can also draw before the script's last element.
Printed: median and max of each over the changes, and the first map's time.

Usage: ``python -m benchmarks.bench_redraw [N ...]`` (default 20000 100000),
``--changes 6``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser_util import (  # noqa: E402
    offline_browser,
    running_app,
    wait_for_app,
    wait_for_map,
)

from benchmarks.bench_scale import write_parquet  # noqa: E402

PRESETS = ("30 days", "180 days")
TIMEOUT_MS = 300_000

# Page side: stamp when the script state changes (the observer survives reruns).
_WATCH_SCRIPT = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__srm = {};
    new MutationObserver(() => {
        if (app.dataset.testScriptState === 'notRunning') window.__srm.idle = Date.now();
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
# Map side: mark the paths drawn now, then stamp the first new path once painted
# (two animation frames later). A fresh map document has no stamp: the new path is
# then stamped when found (an upper bound).
_ARM = """() => {
    const old = 'path.leaflet-interactive';
    for (const p of document.querySelectorAll(old)) p.dataset.srmOld = '1';
    window.__srmDrawn = 'armed';
    const fresh = () => document.querySelector(old + ':not([data-srm-old])');
    const obs = new MutationObserver(() => {
        if (window.__srmDrawn !== 'armed' || !fresh()) return;
        window.__srmDrawn = 'seen';
        obs.disconnect();
        requestAnimationFrame(() => requestAnimationFrame(() => {
            window.__srmDrawn = Date.now();
        }));
    });
    obs.observe(document.body, {subtree: true, childList: true});
}"""
# Polled in every map frame after the click: the observer's stamp, or (a fresh map
# document, never armed) the time its first path is found, to within one poll.
_DRAWN = """() => typeof window.__srmDrawn === 'number' ? [window.__srmDrawn, true]
    : (window.__srmDrawn === undefined
       && document.querySelector('path.leaflet-interactive:not([data-srm-old])'))
    ? [Date.now(), false] : null"""
POLL_S = 0.05


def map_frames(page) -> list:
    """Every live streamlit-folium frame of the page."""
    return [f for f in page.frames if "st_folium" in (f.url or "") and not f.is_detached()]


def one_change(page, label: str) -> tuple[float, float, bool]:
    """Click the quick window ``label``; return (script run s, layers drawn s, observed).

    ``observed`` is False when the map came in a fresh document: its drawn time
    is then when a poll (every 50 ms) first found a path in it.
    """
    from playwright.sync_api import Error as PlaywrightError

    page.locator('iframe[title="streamlit_folium.st_folium"]:visible').first.wait_for()
    for frame in map_frames(page):
        frame.evaluate(_ARM)
    page.evaluate("() => { window.__srm.idle = null; }")
    pill = page.locator('[data-testid="stSidebar"]').get_by_role("radio", name=label)
    clicked = page.evaluate("() => Date.now()")
    pill.click()
    drawn, idle = None, None
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while drawn is None or idle is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no redraw within {TIMEOUT_MS / 1000:.0f} s of {label!r}")
        for frame in map_frames(page) if drawn is None else ():
            try:
                drawn = frame.evaluate(_DRAWN) or drawn
            except PlaywrightError:  # a frame detached while we asked
                continue
        idle = page.evaluate("() => window.__srm.idle")
        time.sleep(POLL_S)
    return (idle - clicked) / 1000.0, (drawn[0] - clicked) / 1000.0, drawn[1]


def measure(path: Path, changes: int) -> None:
    """Open the app on ``path`` and print the first map and the redraw figures."""
    with (
        running_app(timeout_s=300.0, extra_args=("--", "--incidents", str(path))) as url,
        offline_browser(viewport=(1500, 1300)) as (context, blocked),
    ):
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page, timeout_ms=TIMEOUT_MS)
        wait_for_map(page, timeout_ms=TIMEOUT_MS)
        first = time.perf_counter() - t0
        page.evaluate(_WATCH_SCRIPT)
        runs = [one_change(page, PRESETS[i % 2]) for i in range(changes)]
        script, drawn = [r[0] for r in runs], [r[1] for r in runs]
        print(
            f"  first map {first:6.1f} s | script run median {statistics.median(script):5.2f} s"
            f" max {max(script):5.2f} s | layers drawn median {statistics.median(drawn):5.2f} s"
            f" max {max(drawn):5.2f} s ({sum(r[2] for r in runs)} of {changes} seen as they"
            f" were drawn) | outside requests blocked {len(blocked.urls)}"
        )


def main(argv: list[str] | None = None) -> None:
    """Write each synthetic file, then time the redraws on it (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[20_000, 100_000])
    parser.add_argument("--changes", type=int, default=6, help="quick-window switches per size")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-redraw-") as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"synthetic_{n}.parquet"
            write_parquet(str(path), n)
            print(f"{n:,} SYNTHETIC incidents, {args.changes} quick-window switches (30/180 days):")
            measure(path, args.changes)


if __name__ == "__main__":
    main()
