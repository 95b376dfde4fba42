"""The Incident log in the real app and browser: add on the map, restart, edit history, viewer.

``streamlit run`` on loopback with ``SAHEL_RISK_LOG`` pointing at a fresh
GeoPackage in a temporary folder; headless Debian Chromium with every outside
request aborted. The incident added is a synthetic test entry.
"""

from __future__ import annotations

import re

import pytest
from browser_util import (
    REPO,
    click_map_at,
    map_frame,
    offline_browser,
    open_tab,
    rerun_and_wait,
    running_app,
    wait_for_app,
)

from geo.log import open_log

ARTIFACTS = REPO / "test-artifacts"
#: Inside Bafoulabé cercle, away from towns and bundled incidents (see test_browser.py).
POINT = (14.2, -10.2)
#: Inside the default window of the bundled data (its last 180 days end on 2025-11-20).
DAY = "2025/11/10"


def _figure(page, label: str) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    text = metric.locator('[data-testid="stMetricValue"]').inner_text()
    return int(re.sub(r"[^\d]", "", text))


def _switch_log_on(page) -> None:
    toggle = page.get_by_text("Add the team's incident log")
    rerun_and_wait(page, toggle.click)


def _type(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    rerun_and_wait(page, lambda: box.press("Enter"))


def _no_error(page) -> None:
    errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.first.inner_text()


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / "team" / "log.gpkg"


def test_an_incident_added_on_the_map_is_counted_kept_and_its_history_shown(log_path, tmp_path):
    env = {"SAHEL_RISK_LOG": str(log_path)}
    with running_app(env=env) as url, offline_browser(viewport=(1500, 1300)) as (ctx, blocked):
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page)
        _switch_log_on(page)
        before = _figure(page, "Incidents")

        open_tab(page, "Incident log")
        map_frame(page).locator(".leaflet-container").wait_for()
        _type(page, "Your name (recorded with every change)", "Amina (test)")
        click_map_at(page, *POINT)
        page.get_by_text("Point clicked on the map: 14.2").wait_for()
        form = page.locator('[data-testid="stForm"]').filter(has_text="Add an incident")
        # Streamlit's date field is a group of year/month/day segments: type into them.
        segments = form.get_by_label("Date", exact=True).locator('[role="spinbutton"]')
        segments.first.click()
        page.keyboard.type(DAY.replace("/", ""))
        form.get_by_label("Fatalities").fill("2")
        form.get_by_label("Notes").fill("Synthetic browser-test entry.")
        rerun_and_wait(page, form.get_by_role("button", name="Add to the log").click)
        page.get_by_text("Incident 1 added to the log by Amina (test).").wait_for()
        _no_error(page)
        # On the log's map: the incident layer draws a marker.
        map_frame(page).locator(".leaflet-marker-icon").first.wait_for(state="attached")

        open_tab(page, "Hotspots")
        assert _figure(page, "Incidents") == before + 1

        open_tab(page, "Incident log")
        edit = page.locator('[data-testid="stForm"]').filter(has_text="Correct incident 1")
        edit.get_by_label("Fatalities").fill("3")
        edit.get_by_label("Why this correction").fill("hospital figure")
        rerun_and_wait(page, edit.get_by_role("button", name="Save the correction").click)
        page.get_by_text("Incident 1 corrected by Amina (test).").wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-incident-log.png"), full_page=True)
        assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"

    history = open_log(log_path).history(1)
    assert [(h["action"], h["fatalities"]) for h in history] == [("add", 2), ("edit", 3)]
    assert {h["author"] for h in history} == {"Amina (test)"}

    # A new server on the same log: the incident, its figures and its history are there.
    with running_app(env=env) as url, offline_browser(viewport=(1500, 1300)) as (ctx, blocked):
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page)
        _switch_log_on(page)
        assert _figure(page, "Incidents") == before + 1
        open_tab(page, "Incident log")
        table = page.locator('[data-testid="stTable"]').filter(has_text="hospital figure")
        table.wait_for()
        rows = table.inner_text()
        assert "add" in rows and "edit" in rows and "Amina (test)" in rows
        assert blocked.urls == []


def test_a_viewer_cannot_write(log_path, tmp_path):
    log = open_log(log_path)
    log.add(
        {"event_date": "2025-11-10", "lon": -10.2, "lat": 14.2, "category": "other"},
        author="setup",
    )
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[access]\ndefault_role = "viewer"\n')
    with (
        running_app(
            env={"SAHEL_RISK_LOG": str(log_path)},
            extra_args=("--secrets.files", str(secrets)),
        ) as url,
        offline_browser(viewport=(1500, 1300)) as (ctx, blocked),
    ):
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page)
        open_tab(page, "Incident log")
        page.get_by_text("Only editors can add, change or import incidents.").wait_for()
        for button in ("Add to the log", "Save the correction", "Delete incident"):
            assert page.get_by_role("button", name=button).count() == 0, button
        assert page.get_by_text("Import a file into the log").count() == 0
        # The history is readable.
        page.locator('[data-testid="stTable"]').filter(has_text="setup").wait_for()
        _no_error(page)
        assert blocked.urls == []
    assert log.count_revisions() == 1
