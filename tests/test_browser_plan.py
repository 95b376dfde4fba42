"""The Plan tab in the real app (``streamlit run``) and Debian Chromium, offline.

Bundled data only (real roads, towns and incidents).
"""

from __future__ import annotations

import os

import pytest

from layers.plan import ROUTE_STYLES
from tests.browser_util import offline_browser, open_tab, running_app, wait_for_app, wait_for_map


@pytest.fixture(scope="module")
def page_and_blocked():
    with running_app() as base, offline_browser(viewport=(1500, 1300)) as (context, blocked):
        page = context.new_page()
        page.goto(base)
        wait_for_app(page)
        open_tab(page, "Plan")
        yield page, blocked


def test_plan_map_draws_the_routes_in_their_styles_offline(page_and_blocked):
    page, blocked = page_and_blocked
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]:visible').first
    wait_for_map(page)
    strokes = frame.locator("path.leaflet-interactive").evaluate_all(
        "ps => ps.map(p => p.getAttribute('stroke'))"
    )
    assert ROUTE_STYLES["shortest"][0]["color"] in strokes
    legend = frame.locator(".leaflet-control").all_inner_texts()
    assert any("Shortest route" in text for text in legend)
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"
    shot = os.environ.get("PLAN_SCREENSHOT")
    if shot:
        page.screenshot(path=shot, full_page=True)


def test_plan_tab_offers_the_downloads(page_and_blocked):
    page, _ = page_and_blocked
    assert page.get_by_text("Download the plan (GeoPackage)").is_visible()
    assert page.get_by_text("Download the plan briefing (PDF)").is_visible()
    assert page.get_by_text("Download the map (PNG)").is_visible()
    assert page.get_by_text("Routes side by side").is_visible()
