"""The page in French in a real browser: ``?lang=fr``, the sidebar switch, French dates.

``streamlit run`` on loopback, driven in headless Debian Chromium with every
request to another host aborted and counted (``browser_util``). The English
check reads the page as a person sees it (the sidebar, the header, the tabs and
the open view, line by line) and looks for any text of the catalogs whose French
differs from its English: a whole line or a widget label equal to such an
English text means a string reached the page untranslated.
"""

from __future__ import annotations

import re

import pytest
from browser_util import offline_browser, open_tab, rerun_and_wait, running_app, wait_for_app

from geo.i18n import translator
from tests.french_text import catalog_forms
from ui.state import TABS

#: Catalogs whose strings are all marked and translated on the page shown here.
CHECKED_CATALOGS = ("app", "views", "layers", "geo")
FR = translator("fr")
#: A French medium date as Babel writes it (``4 juin 2025``, ``30 nov. 2025``).
FRENCH_DATE = r"\d{1,2} [a-zéû]+\.? \d{4}"


def english_texts(areas: tuple[str, ...] = CHECKED_CATALOGS) -> set[str]:
    """Every catalog text whose French differs from its English (single and plural forms)."""
    out: set[str] = set()
    for area in areas:
        for ids, forms in catalog_forms(area):
            out |= {i for i in ids if i not in forms and "{" not in i}
    return out


def visible_lines(page) -> list[str]:
    """The text a person reads: sidebar, header, tab bar and open view, one line each."""
    text = page.locator('[data-testid="stApp"]').inner_text()
    labels = page.locator("[data-testid=stWidgetLabel], [role=tab], button").all_inner_texts()
    return [line.strip() for line in [*text.splitlines(), *labels] if line.strip()]


@pytest.fixture(scope="module")
def browser():
    """``(base URL, browser context, blocked requests)`` for the whole module."""
    with running_app() as url, offline_browser(viewport=(1500, 1300)) as (context, blocked):
        yield url, context, blocked


@pytest.fixture(scope="module")
def french_page(browser):
    """The page opened at ``?lang=fr``, after its first run (left on the first tab)."""
    url, context, blocked = browser
    page = context.new_page()
    page.goto(f"{url}/?lang=fr", wait_until="domcontentloaded")
    wait_for_app(page)
    yield page, blocked
    page.close()


def test_the_catalog_check_catches_an_english_label():
    english = english_texts()
    assert "Window and filters" in english, "a translated label is not checked"
    assert "Sites" not in english, "a word that French writes the same is checked"


def test_the_french_page_shows_french_and_no_english_text_of_the_catalogs(french_page):
    page, blocked = french_page
    lines = visible_lines(page)
    for french in ("Carte des risques au Sahel", "Fenêtre et filtres", "Points chauds"):
        assert french in lines, f"{french!r} is not on the French page"
    assert page.get_by_role("tab", name="À propos / Données").count() == 1
    english = english_texts()
    leaked = {"Points chauds": sorted(set(lines) & english)}
    for tab in [FR.gettext(label) for label in TABS[1:]]:
        open_tab(page, tab)
        leaked[tab] = sorted(set(visible_lines(page)) & english)
    open_tab(page, "Points chauds")
    leaked = {tab: texts for tab, texts in leaked.items() if texts}
    assert leaked == {}, f"English text on the French page, by open tab: {leaked}"
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"


def test_the_header_gives_the_window_in_french_dates_and_numbers(french_page):
    page, blocked = french_page
    header = page.get_by_text(re.compile(r"^Fenêtre : ")).first.inner_text()
    assert re.fullmatch(rf"Fenêtre : {FRENCH_DATE} – {FRENCH_DATE} \(\d+ jours?\)", header), header
    line = page.get_by_text(re.compile(r"^Fenêtre du ")).first.inner_text()
    assert re.match(rf"Fenêtre du {FRENCH_DATE} au {FRENCH_DATE} · sources : ", line), line
    # The bundled data leave 1,385 events out of the default window: thousands in French.
    assert re.search(r"Écartés : \d{1,3}\u202f\d{3} ", line), line
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"


def test_switching_to_french_keeps_the_filters_and_the_open_view(browser):
    url, context, blocked = browser
    page = context.new_page()
    page.goto(f"{url}/?lang=en", wait_until="domcontentloaded")
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    rerun_and_wait(page, sidebar.get_by_text("30 days", exact=True).click)
    imprecise = sidebar.get_by_text("Include imprecise locations in density maps")
    rerun_and_wait(page, imprecise.click)
    open_tab(page, "Routes")
    window = page.get_by_text(re.compile(r"^Window: ")).first.inner_text()
    assert window.endswith("(30 days)"), window

    rerun_and_wait(page, sidebar.get_by_text("Français", exact=True).click)
    page.wait_for_function("() => new URLSearchParams(location.search).get('lang') === 'fr'")
    selected = page.locator("[role=tab][aria-selected=true]").inner_text()
    assert selected.strip() == "Itinéraires", selected
    window = page.get_by_text(re.compile(r"^Fenêtre : ")).first.inner_text()
    assert window.endswith("(30 jours)"), window
    box = sidebar.get_by_role("checkbox", name="Inclure les localisations imprécises")
    assert box.is_checked(), "the imprecise-locations choice was lost"
    assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"
    page.close()
