"""The real app in a real browser: ``streamlit run`` on loopback, headless Debian Chromium.

Every request to a host other than 127.0.0.1/localhost is aborted and counted
(the route is set on the browser context, so it also covers the map's iframe
and the exported HTML page): the offline promise is that this count stays 0.
The test fails, rather than skipping, when Chromium is missing: run
``scripts/test-all.sh``, which installs it.
"""

from __future__ import annotations

import re
import zipfile
from urllib.parse import urlsplit

import pytest
from browser_util import (
    REPO,
    map_frame,
    offline_browser,
    open_tab,
    rerun_and_wait,
    running_app,
    wait_for_app,
    wait_for_map,
)

ARTIFACTS = REPO / "test-artifacts"
EXPORT_NAME = re.compile(r"^sahel-risk-[a-z]+_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d_[0-9a-f]{6}\.[a-z]+$")


@pytest.fixture(scope="module")
def app_url():
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url):
    # Tall enough that the map is wholly on screen (see browser_util.click_map_at).
    with offline_browser(viewport=(1500, 1300)) as (context, blocked):
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
    page.screenshot(path=str(ARTIFACTS / "app-routes.png"), full_page=False)
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"


def test_every_tab_opens_without_an_error_box(browser):
    page, blocked = browser
    for label in ("Sites", "Export", "About / Data", "Hotspots"):
        open_tab(page, label)
        errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
        assert errors.count() == 0, f"tab {label!r} shows an error"
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"


def test_exports_download_with_generated_names_and_the_html_map_works_offline(browser, tmp_path):
    page, blocked = browser
    open_tab(page, "Export")
    # The buttons wait until the user says who the files are for.
    pdf_button = page.get_by_role("button", name="PDF briefing")
    assert pdf_button.is_disabled()
    rerun_and_wait(page, lambda: page.get_by_text("For the team", exact=True).click())
    assert pdf_button.is_enabled()
    files = {}
    for label in ("PDF briefing", "CSV tables (zip)", "Offline HTML map"):
        with page.expect_download(timeout=180_000) as info:
            page.get_by_role("button", name=label).click()
        download = info.value
        assert EXPORT_NAME.match(download.suggested_filename), download.suggested_filename
        files[label] = tmp_path / download.suggested_filename
        download.save_as(files[label])
    assert files["PDF briefing"].read_bytes()[:5] == b"%PDF-"
    assert zipfile.is_zipfile(files["CSV tables (zip)"])
    # The standalone page draws its map from inlined assets alone.
    html = page.context.new_page()
    html.goto(files["Offline HTML map"].as_uri())
    html.locator(".leaflet-container").wait_for()
    html.locator("path.leaflet-interactive").first.wait_for(state="attached")
    assert html.locator(".srm-legend").count() >= 1
    # Its title and its panel state the period; the panel folds away like a legend.
    period = re.compile(r"[A-Z][a-z]{2} \d{1,2}, \d{4} – [A-Z][a-z]{2} \d{1,2}, \d{4} \(\d+ days\)")
    assert period.search(html.title()), html.title()
    panel = html.locator(".srm-legend-toggle", has_text="Sahel Risk Map")
    assert panel.get_attribute("aria-expanded") == "true"
    assert "Filters: categories" in html.locator(".srm-legend-body").first.inner_text()
    panel.click()
    assert panel.get_attribute("aria-expanded") == "false"
    html.close()
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"


def test_artifacts_are_gitignored():
    assert "test-artifacts/" in (REPO / ".gitignore").read_text().splitlines()


def test_online_basemap_is_the_only_way_out_and_is_off_by_default(browser):
    # Last in the module: it turns the tile layer on. Requests are still aborted.
    page, blocked = browser
    open_tab(page, "Hotspots")
    wait_for_map(page)
    assert blocked.urls == [], "a request left the machine with the online basemap off"
    toggle = page.get_by_text("Online basemap (sends requests to tile servers)")
    rerun_and_wait(page, toggle.click)
    wait_for_map(page)
    page.wait_for_timeout(2_000)
    assert blocked.urls, "the online basemap toggle did not request any tile"
    hosts = {urlsplit(u).hostname for u in blocked.urls}
    assert all(h and "tile" in h for h in hosts), hosts
