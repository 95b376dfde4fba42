"""Start the real app on loopback and drive Debian Chromium with every outside request blocked.

Used by ``tests/test_browser.py`` and ``scripts/screenshot.py``. Nothing here
talks to anything but 127.0.0.1: the server binds to loopback, and every request
the browser makes to another host is aborted and counted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "REPO",
    "BlockedRequests",
    "free_port",
    "running_app",
    "offline_browser",
    "wait_for_app",
    "open_tab",
    "rerun_and_wait",
    "map_frame",
    "wait_for_map",
    "click_map_at",
]

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(
    *,
    app: str = "app.py",
    timeout_s: float = 120.0,
    env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Run ``streamlit run app.py`` on a free loopback port; yield its base URL.

    ``env`` entries are added to the server's environment (e.g. ``SAHEL_RISK_LOG``)
    and ``extra_args`` to its command line (e.g. ``--secrets.files FILE``).

    The server is always terminated (then killed if it lingers) on exit. Its
    log goes to a temporary file that is printed if it fails to become healthy.
    """
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        app,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        *extra_args,
    ]
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, timeout_s=timeout_s, log_path=log.name)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()
        os.unlink(log.name)


def _wait_healthy(base: str, proc: subprocess.Popen, *, timeout_s: float, log_path: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with code {proc.returncode} before it was healthy; "
                f"log:\n{Path(log_path).read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"streamlit at {base} was not healthy after {timeout_s:.0f} s; "
        f"log:\n{Path(log_path).read_text(errors='replace')}"
    )


@dataclass
class BlockedRequests:
    """Every request the browser tried to send to a host other than loopback."""

    urls: list[str] = field(default_factory=list)

    def handler(self, route) -> None:
        """Playwright route handler: continue loopback requests, abort and count the rest."""
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about", "file"} or parts.hostname in _LOCAL_HOSTS:
            route.continue_()
            return
        self.urls.append(url)
        route.abort()


@contextlib.contextmanager
def offline_browser(*, viewport: tuple[int, int] = (1500, 1000)):
    """Yield ``(context, blocked)``: a fresh Chromium profile that only reaches loopback.

    Raises
    ------
    RuntimeError
        If Debian's Chromium is not installed at :data:`CHROMIUM`.
    """
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} not found: the browser test needs Debian's chromium package; "
            "run scripts/test-all.sh, which installs it"
        )
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    blocked = BlockedRequests()
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": viewport[0], "height": viewport[1]},
                service_workers="block",
            )
            try:
                context.route("**/*", blocked.handler)
                yield context, blocked
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


_SCRIPT_STATE = "document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState"


def wait_for_app(page, *, timeout_ms: int = 120_000) -> None:
    """Wait until the first script run has finished and the tabs are on the page."""
    page.wait_for_selector('[data-testid="stTabs"]', timeout=timeout_ms)
    _wait_idle(page, timeout_ms=timeout_ms)


def _wait_idle(page, *, timeout_ms: int) -> None:
    page.wait_for_function(f"() => {_SCRIPT_STATE} === 'notRunning'", timeout=timeout_ms)


def rerun_and_wait(page, action, *, timeout_ms: int = 120_000) -> None:
    """Do ``action()`` (a click, a key press) and wait for the rerun it triggers to finish.

    Streamlit marks the app root with ``data-test-script-state``; the rerun may
    start a little after the action, so wait (briefly) for it to start first.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    action()
    try:
        page.wait_for_function(f"() => {_SCRIPT_STATE} !== 'notRunning'", timeout=3_000)
    except PlaywrightTimeout:
        pass  # a fast rerun may have come and gone already
    _wait_idle(page, timeout_ms=timeout_ms)


def open_tab(page, label: str, *, timeout_ms: int = 120_000) -> None:
    """Click the tab whose label is ``label`` and wait for the rerun to finish."""
    rerun_and_wait(page, lambda: page.get_by_role("tab", name=label).click(), timeout_ms=timeout_ms)
    page.wait_for_function(
        "(label) => [...document.querySelectorAll('[role=tab]')]"
        ".some(t => t.getAttribute('aria-selected') === 'true' && t.innerText.includes(label))",
        arg=label,
        timeout=timeout_ms,
    )


def map_frame(page):
    """Frame locator of the visible streamlit-folium component."""
    return page.frame_locator('iframe[title="streamlit_folium.st_folium"]:visible').first


def wait_for_map(page, *, timeout_ms: int = 120_000) -> int:
    """Wait for Leaflet to draw vector paths in the visible map; return how many."""
    frame = map_frame(page)
    frame.locator(".leaflet-container").wait_for(timeout=timeout_ms)
    paths = frame.locator("path.leaflet-interactive")
    # "attached", not "visible": a short segment can be a zero-size path at this zoom.
    paths.first.wait_for(state="attached", timeout=timeout_ms)
    return paths.count()


def click_map_at(page, lat: float, lon: float, *, timeout_ms: int = 120_000) -> None:
    """Click the visible map at (lat, lon) like a user, and wait for the rerun.

    The map is scrolled fully into view first: Leaflet focuses its container on
    mouse down, and focusing a partly hidden map scrolls the page under the
    pointer, so the mouse up lands elsewhere and the click is lost.
    """
    page.locator(
        'iframe[title="streamlit_folium.st_folium"]:visible'
    ).first.scroll_into_view_if_needed()
    frame = next(
        f for f in page.frames if "st_folium" in (f.url or "") and f.is_detached() is False
    )
    pos = frame.evaluate(
        """([lat, lon]) => {
            const p = window.map.latLngToContainerPoint([lat, lon]);
            const r = window.map.getContainer().getBoundingClientRect();
            const e = document.elementFromPoint(p.x + r.left, p.y + r.top);
            for (const x of document.querySelectorAll('[data-srm-test]')) {
                x.removeAttribute('data-srm-test');
            }
            e.setAttribute('data-srm-test', 'target');
            const b = e.getBoundingClientRect();
            return {x: p.x + r.left - b.left, y: p.y + r.top - b.top};
        }""",
        [lat, lon],
    )
    target = map_frame(page).locator("[data-srm-test=target]")
    rerun_and_wait(page, lambda: target.click(position=pos), timeout_ms=timeout_ms)
