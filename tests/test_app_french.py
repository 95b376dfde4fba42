"""The views at ``?lang=fr`` (AppTest on the bundled data): no English of ours, French formats.

Each view is rendered headless in French; every text it puts in the main area
(headings, captions, metric labels, widget labels, options, help texts, table
headings, messages, inside its tab) is checked against the English msgids of the views'
catalog (``geo/locale/fr/LC_MESSAGES/views.po``) whose French differs: none
may show. Text that comes from data (place and route names) is not ours and is
not checked; neither are the sidebar, title and footer (the page shell's catalog).
"""

from __future__ import annotations

import datetime as dt
import doctest
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

import ui.changes
import ui.display
import ui.log
import ui.plan
from geo.i18n import translator
from tests.french_text import catalog_forms
from ui.display import chart_locale, class_label, markdown_literal, signed, styled
from ui.hotspots import units_table
from ui.state import TABS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
#: The views this file renders in French (the page shell's tabs are checked by its own tests).
VIEWS = ("Hotspots", "Routes", "Plan", "Sites", "What is changing", "Incident log")
FR = translator("fr")


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[^\W\d_]+", re.sub(r"\{[a-z_0-9]*\}", " ", text)))


def _english_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """(msgid, pattern) for each views.po msgid whose French words differ from it.

    A one-word msgid must be a whole element text to count (``Rank`` as a table
    heading), a longer one counts anywhere in a text; ``{placeholders}`` match
    anything. A msgid whose words are the French ones (``{step}: {km} km``, whose
    French only adds a space) is not looked for.
    """
    out = []
    for ids, texts in catalog_forms("views"):
        for msgid in ids:
            if _words(msgid) in {_words(t) for t in texts}:
                continue
            parts = re.split(r"\{[a-z_0-9]*\}", msgid)
            body = ".*?".join(re.escape(p) for p in parts)
            whole = len(re.findall(r"[A-Za-z]+", msgid)) < 2
            out.append((msgid, re.compile(rf"^{body}$" if whole else body, re.S)))
    return out


ENGLISH = _english_patterns()


def _texts(node: object) -> Iterator[str]:
    """Every text an element tree shows: texts, labels, help, placeholders, options, headings.

    A widget's ``value`` is its stable code (``month``), not what it shows: only
    its label, help and options are read.
    """
    for name in ("label", "help", "placeholder", "body"):
        value = getattr(node, name, None)
        if isinstance(value, str) and value:
            yield value
    value = None if isinstance(node, Widget) else getattr(node, "value", None)
    if isinstance(value, str) and value:
        yield value
    if isinstance(value, pd.DataFrame):
        yield from (str(c) for c in value.columns)
        yield from (str(i) for i in value.index.names if i)
    proto = getattr(node, "proto", None)
    for name in ("options", "default"):
        found = getattr(proto, name, None)
        if found is not None and not isinstance(found, str):
            try:
                yield from (str(o) for o in found)
            except TypeError:
                pass
    for child in getattr(node, "children", {}).values():
        yield from _texts(child)


def english_shown(at: AppTest) -> list[str]:
    """The English msgids found among the texts of the open view (inside its tab)."""
    found = []
    shown = {t for tab in at.tabs for child in tab.children.values() for t in _texts(child)}
    for text in shown:
        for msgid, pattern in ENGLISH:
            if pattern.search(text):
                found.append(f"{msgid!r} in {text[:120]!r}")
    return sorted(found)


def session(tab: str, *, lang: str = "fr") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["lang"] = lang
    at.run()
    at.session_state["view.tab"] = tab
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_catalog_has_english_to_look_for():
    assert len(ENGLISH) > 100


def test_the_check_finds_our_english_on_the_english_page():
    found = english_shown(session("Plan", lang="en"))
    assert any(f.startswith("'Routes side by side'") for f in found), found


@pytest.mark.parametrize("tab", VIEWS)
def test_a_view_in_french_shows_none_of_our_english(tab):
    assert tab in TABS
    at = session(tab)
    assert not at.error, [e.value for e in at.error]
    assert not english_shown(at)


def test_hotspots_in_french_write_french_numbers_and_dates():
    at = session("Hotspots")
    labels = {m.label for m in at.metric}
    assert {"Enlèvements", "Attaques contre des convois"} <= labels
    heads = [c for df in at.dataframe for c in df.value.columns]
    assert "Incidents pour 1 000 km²" in heads
    caption = " ".join(c.value for c in at.caption)
    # "Période précédente : 3 déc. 2024 – 1 juin 2025." : French day, month, year.
    assert re.search(r"Période précédente : \d{1,2} \w+\.? \d{4} – \d{1,2} \w+\.? \d{4}", caption)


def test_french_tables_show_french_numbers_and_dates_but_keep_the_values():
    frame = pd.DataFrame({"Longueur (km)": [1354.3, 2.0], "Date": [dt.date(2025, 11, 14), None]})
    html = styled(frame, tr=FR, digits={"Longueur (km)": 1}, dates=["Date"]).to_html()
    assert "1\u202f354,3" in html and "14 nov. 2025" in html
    assert frame["Longueur (km)"].iloc[0] == 1354.3


def test_french_changes_classes_and_chart_locale():
    assert signed(-1.5, 1, tr=FR) == "-1,5" and signed(3, tr=FR) == "+3"
    assert class_label("critical", tr=FR) == "critique"
    assert chart_locale(FR)["number"]["thousands"] == "\u202f"
    assert chart_locale(FR)["time"]["shortMonths"][10] == "nov."


def test_the_units_table_headings_in_french_keep_the_order_by_incidents():
    stats = pd.DataFrame({"name": ["Kéniéba", "Kita"], "incidents": [1, 4], "fatalities": [0, 2]})
    table = units_table(stats, tr=FR)
    assert list(table.columns) == ["Unité", "Incidents", "Victimes tuées"]
    assert table["Unité"].tolist() == ["Kita", "Kéniéba"]


@pytest.mark.parametrize(
    "module", [ui.display, ui.changes, ui.plan, ui.log], ids=lambda m: m.__name__
)
def test_view_doctests(module):
    # ui.hotspots, ui.routes, ui.sites and ui.maps run theirs in tests/test_app.py.
    assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_the_log_history_in_french_shows_a_note_as_typed_never_as_markdown(tmp_path, monkeypatch):
    # Synthetic record (not a real event): a markdown image a browser would fetch.
    from geo.log import open_log

    path = tmp_path / "log.gpkg"
    note = "![x](http://127.0.0.1:9/beacon.png) **bold**"
    open_log(str(path)).add(
        {
            "event_date": "2025-05-04",
            "lon": -11.24,
            "lat": 12.84,
            "category": "abduction",
            "location": "Kéniéba",
            "notes": note,
        },
        author="amina",
    )
    monkeypatch.setenv("SAHEL_RISK_LOG", str(path))
    at = session("Incident log")
    history = at.table[0].value
    assert history["Notes"].tolist() == [markdown_literal(note)]
    assert history["Catégorie"].tolist() == ["Enlèvement"]
    assert history["Action"].tolist() == ["ajout"]
    assert not english_shown(at)
