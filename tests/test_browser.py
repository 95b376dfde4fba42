"""The real app in a real browser: ``streamlit run`` on loopback, headless Debian Chromium.

Every request to a host other than 127.0.0.1/localhost is aborted and counted
(the route is set on the browser context, so it also covers the map's iframe):
the offline promise is that this count stays 0. The test fails, rather than
skipping, when Chromium is missing: run ``scripts/test-all.sh``, which installs it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_util import (
    REPO,
    map_frame,
    offline_browser,
    open_tab,
    running_app,
    wait_for_app,
    wait_for_map,
)

ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def app_url():
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url):
    with offline_browser() as (context, blocked):
        page = context.new_page()
        page.goto(app_url, wait_until="domcontentloaded")
        wait_for_app(page)
        yield page, blocked


def test_hotspots_map_draws_offline_with_legend(browser):
    page, blocked = browser
    n_paths = wait_for_map(page)
    assert n_paths > 0, "no vector path drawn on the Hotspots map"
    frame = map_frame(page)
    assert frame.locator(".srm-legend").count() >= 1, "the Hotspots map has no legend"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=False)
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"


def test_routes_map_draws_corridors_offline(browser):
    page, blocked = browser
    open_tab(page, "Routes")
    n_paths = wait_for_map(page)
    assert n_paths > 0, "no corridor drawn on the Routes map"
    assert map_frame(page).locator(".srm-legend").count() >= 1, "the Routes map has no legend"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app-routes.png"), full_page=False)
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"


def test_every_tab_opens_without_an_error_box(browser):
    page, blocked = browser
    for label in ("Sites", "Export", "About / Data", "Hotspots"):
        open_tab(page, label)
        errors = page.locator('[data-testid="stException"]')
        assert errors.count() == 0, f"tab {label!r} shows an exception"
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"


def test_artifacts_are_gitignored():
    ignored = (REPO / ".gitignore").read_text().splitlines()
    assert "test-artifacts/" in ignored
    assert Path(ARTIFACTS).name == "test-artifacts"
