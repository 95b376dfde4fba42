"""The map as users work it, in the real app and headless Chromium, offline (issue 12).

One ``streamlit run`` and one page for the module (each start costs tens of
seconds on a small machine); tests run in file order and each leaves the page
on the Hotspots tab unless it says otherwise. Every request to a host other
than loopback is aborted and counted, and each test checks the count is 0.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from browser_util import (
    click_map_at,
    map_frame,
    offline_browser,
    open_tab,
    rerun_and_wait,
    running_app,
    wait_for_app,
    wait_for_map,
)

#: A real site list (tests/fixtures/sites/README.md).
SITES = Path(__file__).resolve().parent / "fixtures" / "sites" / "icmm_mali_mines.geojson"
#: A point inside Bafoulabé cercle, away from its towns and the bundled precise events.
BAFOULABE = (14.2, -10.2)


@pytest.fixture(scope="module")
def browser():
    with running_app() as url, offline_browser(viewport=(1366, 1300)) as (context, blocked):
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page)
        wait_for_map(page)
        page.wait_for_timeout(2_000)  # let Leaflet finish adding the layers
        yield page, blocked


def _panel_text(page, expect: str) -> str:
    """Text of the selection panel once it shows ``expect`` (a rerun may still be drawing)."""
    page.locator('[data-testid="stTable"]').filter(has_text=expect).first.wait_for(timeout=30_000)
    return " ".join(page.locator('[data-testid="stTable"]').all_inner_texts())


def test_a_click_on_a_cercle_fills_the_selection_panel_and_outlines_it(browser):
    page, blocked = browser
    click_map_at(page, *BAFOULABE)
    assert "Bafoulabé" in _panel_text(page, "Bafoulabé")
    # The list shows the same unit, and the map outlines it (the selection layer).
    listed = page.locator('[data-testid="stSelectbox"]').filter(has_text="Select a unit")
    shown = listed.inner_text() + " ".join(i.input_value() for i in listed.locator("input").all())
    assert "Bafoulabé" in shown, shown
    wait_for_map(page)
    assert map_frame(page).locator("path[stroke='#111111']").count() >= 1
    assert blocked.urls == []


def test_an_incident_popup_is_wide_enough_and_uses_words_not_codes(browser):
    page, blocked = browser
    frame = next(f for f in page.frames if "st_folium" in (f.url or ""))
    # Bring one clustered event into view like a user zooming in, then click it.
    frame.evaluate(
        """() => new Promise(done => {
            const groups = Object.values(window.map._layers).filter(l => l.zoomToShowLayer);
            const g = groups[0];
            const m = g.getLayers().find(x => x.options.title === "Attack on convoy or vehicles")
                || g.getLayers()[0];
            g.zoomToShowLayer(m, () => { m._icon.setAttribute("data-srm-test", "incident");
                                         done(); });
        })"""
    )
    marker = map_frame(page).locator("[data-srm-test=incident]")
    rerun_and_wait(page, marker.click)
    content = map_frame(page).locator(".leaflet-popup-content").first
    content.wait_for()
    box = content.bounding_box()
    assert box is not None and box["width"] >= 180, box
    text = content.inner_text()
    assert "Event type" in text and "Date" in text
    for code in ("attack_on_site", "convoy_attack", "fuel_convoy", "armed_attack"):
        assert code not in text, text
    # A label is on one line: its cell is at least as wide as the word "Location".
    th = map_frame(page).locator(".leaflet-popup-content th").first.bounding_box()
    assert th is not None and th["width"] >= 40, th
    assert blocked.urls == []


def test_legends_collapse_and_open_again(browser):
    page, blocked = browser
    toggle = map_frame(page).locator(".srm-legend-toggle").first
    assert toggle.get_attribute("aria-expanded") in ("true", "false")
    before = toggle.get_attribute("aria-expanded")
    toggle.click()
    after = toggle.get_attribute("aria-expanded")
    assert after != before
    body = map_frame(page).locator(".srm-legend-body").first
    assert body.is_visible() == (after == "true")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == before
    assert blocked.urls == []


def test_routes_click_on_a_segment_selects_it(browser):
    page, blocked = browser
    open_tab(page, "Routes")
    wait_for_map(page)
    frame = next(f for f in page.frames if "st_folium" in (f.url or "") and not f.is_detached())
    # The midpoint of one drawn segment (a real corridor vertex), as a user would aim.
    lat, lon = frame.evaluate(
        """() => {
            const ls = Object.values(window.map._layers).filter(
                l => l.feature && l.feature.properties && l.feature.properties.id
                     && l.getLatLngs);
            const l = ls[Math.floor(ls.length / 3)];
            const pts = l.getLatLngs().flat();
            const p = pts[Math.floor(pts.length / 2)];
            return [p.lat, p.lng];
        }"""
    )
    frame.evaluate(f"() => window.map.setView([{lat}, {lon}], 10)")
    page.wait_for_timeout(800)
    click_map_at(page, lat, lon)
    assert "Incident exposure per km" in _panel_text(page, "Stretch")
    open_tab(page, "Hotspots")
    assert blocked.urls == []


def _date_range_text(page) -> str:
    box = page.locator('[data-testid="stDateInput"]').first
    return " ".join(i.input_value() for i in box.locator("input").all()).replace("/", "-")


def test_date_presets_change_the_window(browser):
    page, blocked = browser
    before = _date_range_text(page)
    pill = page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="30 days")
    rerun_and_wait(page, pill.click)
    after = _date_range_text(page)
    assert after != before
    # 30 days up to the data's newest date, both ends included.
    end = dt.date.fromisoformat(re.findall(r"\d{4}-\d\d-\d\d", before)[-1])
    start = end - dt.timedelta(days=29)
    assert start.isoformat() in after and end.isoformat() in after, after
    all_data = page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="All data")
    rerun_and_wait(page, all_data.click)
    assert _date_range_text(page) not in (before, after)
    back = page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="180 days")
    rerun_and_wait(page, back.click)
    assert _date_range_text(page) == before
    assert blocked.urls == []


def test_route_cards_rank_by_the_figure_they_lead_with(browser):
    page, blocked = browser
    open_tab(page, "Routes")
    # One card per bundled corridor (four, in two groups of alternatives): each leads
    # with the trip figure, shows the per-km figure, and ranks by the trip figure
    # or says the difference is too small to rank.
    labels = page.locator('[data-testid="stMetricLabel"]')
    assert labels.filter(has_text="Exposure over the trip").count() == 4
    assert labels.filter(has_text="Per km").count() == 4
    ranks = page.locator('[data-testid="stCaptionContainer"]').filter(
        has_text=re.compile("by exposure over the trip|No meaningful difference")
    )
    assert ranks.count() == 4
    open_tab(page, "Hotspots")
    assert blocked.urls == []


def test_an_uploaded_site_list_is_ranked_on_the_sites_view(browser):
    # Real data: the 12 Mali mines of the ICMM Global Mining Dataset (tests/fixtures/sites).
    page, blocked = browser
    open_tab(page, "Sites")
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Your own sites")
    rerun_and_wait(page, lambda: uploader.locator("input[type=file]").set_input_files(str(SITES)))
    page.get_by_text("12 sites read from your file, ranked below.").wait_for(timeout=120_000)
    # The list beside the map now offers the file's mines, not the bundled OSM sites.
    listed = page.locator('[data-testid="stSelectbox"]').filter(has_text="Select a site")
    listed.locator("input").first.click()
    options = page.locator('[role="option"]')
    options.first.wait_for()
    names = options.all_inner_texts()
    assert "Syama" in names and "Loulo Gounkoto" in names, names
    assert "Brasseries du Mali" not in names
    page.keyboard.press("Escape")
    wait_for_map(page)
    open_tab(page, "Hotspots")
    assert blocked.urls == []


def test_uploaded_routes_replace_the_corridors_on_the_routes_view(browser):
    # The two bundled Dakar corridors, renamed and simplified (tests/fixtures/routes).
    page, blocked = browser
    open_tab(page, "Routes")
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Your own routes")
    routes = Path(__file__).resolve().parent / "fixtures" / "routes" / "dakar_convoys.geojson"
    rerun_and_wait(page, lambda: uploader.locator("input[type=file]").set_input_files(str(routes)))
    page.get_by_text("2 routes read from your file.").wait_for(timeout=180_000)
    page.get_by_text("Alternatives: our Dakar convoys").wait_for()
    labels = page.locator('[data-testid="stMetricLabel"]')
    assert labels.filter(has_text="Exposure over the trip").count() == 2
    open_tab(page, "Hotspots")
    assert blocked.urls == []
