"""The "What is changing" tab in the real app and a real browser, outside requests blocked.

``streamlit run app.py`` on loopback, headless Debian Chromium (tests/browser_util.py):
over the whole bundled record the emerging hot spot legend is drawn and the incident
playback plays offline.
"""

from __future__ import annotations

import time

import pytest
from browser_util import (
    map_frame,
    offline_browser,
    open_tab,
    rerun_and_wait,
    running_app,
    wait_for_app,
)


@pytest.fixture(scope="module")
def page_and_blocked():
    with running_app() as url, offline_browser(viewport=(1500, 1300)) as (context, blocked):
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page)
        # The default window (180 days) of the bundled data holds too few events for a
        # trend; the whole record (UCDP GED 1990-2020 and the news logs) does.
        sidebar = page.locator('[data-testid="stSidebar"]')
        rerun_and_wait(page, sidebar.get_by_role("radio", name="All data").click)
        open_tab(page, "What is changing")
        yield page, blocked


def test_patterns_legend_and_tables_are_on_the_page(page_and_blocked):
    page, blocked = page_and_blocked
    frame = map_frame(page)
    frame.locator(".srm-playback").wait_for(timeout=120_000)
    legend = frame.locator(".srm-legend", has_text="Emerging hot spots")
    assert legend.count() == 1
    assert page.get_by_text("Patterns by unit").count() == 1
    errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    assert errors.count() == 0
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"


def test_the_slider_plays_offline_and_the_figures_follow_it(page_and_blocked):
    page, blocked = page_and_blocked
    frame = map_frame(page)
    figures = frame.locator(".srm-figures")
    slider = frame.locator(".srm-slider")
    last = int(slider.get_attribute("max"))
    assert last > 3 and int(slider.input_value()) == last  # opens on the latest step
    first_text = figures.inner_text()
    frame.locator(".srm-play").click()  # at the end: starts again from the first step
    time.sleep(2.0)
    assert frame.locator(".srm-play").inner_text() == "Pause"
    playing_at = int(slider.input_value())
    assert 0 < playing_at < last
    assert figures.inner_text() != first_text and figures.inner_text().startswith("Week of ")
    frame.locator(".srm-play").click()
    paused_at = int(slider.input_value())
    time.sleep(1.0)
    assert int(slider.input_value()) == paused_at and frame.locator(".srm-play").inner_text() == (
        "Play"
    )
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"
