"""Town searches in the real app (Chromium, offline) find a name typed without its accents.

Streamlit's select lists filter on the text shown, accents included; the views
show each accented name with its folded form (:func:`ui.display.searchable`),
so "Kenieba" finds Kéniéba in the Plan tab's town lists. Bundled towns only.
"""

from __future__ import annotations

import pytest

from tests.browser_util import offline_browser, open_tab, running_app, wait_for_app


@pytest.fixture(scope="module")
def plan_page():
    with running_app() as base, offline_browser(viewport=(1500, 1200)) as (context, blocked):
        page = context.new_page()
        page.goto(base)
        wait_for_app(page)
        open_tab(page, "Plan")
        yield page, blocked


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        pytest.param("Kenieba", "Kéniéba", id="without accents"),
        pytest.param("Kéniéba", "Kéniéba", id="with accents"),
        pytest.param("segou", "Ségou", id="lower case, without accents"),
    ],
)
def test_the_origin_list_finds_a_town_typed_with_or_without_accents(plan_page, typed, found):
    page, blocked = plan_page
    box = page.get_by_role("combobox", name="From")
    box.click()
    box.fill(typed)
    options = page.get_by_role("option")
    options.first.wait_for(timeout=10_000)
    shown = options.all_inner_texts()
    page.keyboard.press("Escape")
    assert any(o.startswith(found) for o in shown), shown
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"
