"""ui.lang and the page shell in French: ``?lang=``, the open tab across a switch, French figures.

The page is driven headless with ``streamlit.testing.v1.AppTest`` on the bundled
data; the sentences are checked through the functions the page calls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest
from test_browser_french import english_texts

from geo.i18n import translator
from geo.validate import RowIssue
from ui import about, chrome, state

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FR = translator("fr")


def run(lang: str | None, **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if lang is not None:
        at.query_params["lang"] = lang
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def french() -> AppTest:
    return run("fr")


def test_lang_fr_in_the_url_gives_the_french_shell(french):
    assert [t.value for t in french.title] == ["Carte des risques au Sahel"]
    assert [t.label for t in french.tabs] == [FR.gettext(label) for label in state.TABS]
    assert "Fenêtre et filtres" in [s.value for s in french.sidebar.subheader]
    assert french.sidebar.checkbox(key="map.layer.admin").label == "Limites administratives"
    method = french.sidebar.selectbox(key="hotspots.method")
    assert method.value == "admin", "the state keeps the code, not the French label"
    assert method.options[0] == "Incidents par région ou cercle (choroplèthe)"


def _tooltips(node) -> list[str]:
    """Every help text (tooltip) under an AppTest node, depth first."""
    children = getattr(node, "children", None)
    found = [t for child in (children or {}).values() for t in _tooltips(child)]
    proto = getattr(node, "proto", None)
    if proto is not None and getattr(proto, "help", ""):
        found.append(proto.help)
    return found


def test_the_tooltips_are_french(french):
    tips = _tooltips(french._tree)
    assert len(tips) >= 20, "the walk found almost no tooltip"
    english = set(tips) & english_texts()
    assert not english, f"English tooltips on the French page: {sorted(english)[:5]}"
    assert FR.gettext(state.HOTSPOT_HELP) in tips


def test_the_header_window_is_in_french_dates(french):
    header = [c.value for c in french.caption if c.value.startswith("Fenêtre : ")]
    assert header and header[0].endswith("jours)"), header
    assert " – " in header[0] and "2025" in header[0], header


def test_an_unknown_lang_falls_back_to_english():
    at = run("xx")
    assert [t.value for t in at.title] == ["Sahel Risk Map"]


def test_switching_language_keeps_the_open_tab_and_the_filters():
    at = run("en", **{"view.tab": "Routes"})
    at.sidebar.checkbox(key="filters.include_imprecise").check().run()
    at.query_params["lang"] = "fr"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["view.tab"] == "Itinéraires"
    assert at.session_state["filters.include_imprecise"] is True


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        pytest.param(
            "en",
            "Window Jun 4, 2025 to Nov 30, 2025 · sources: other source · 1,354 events · "
            "exposure ages counted from Nov 15, 2025. Left out: none.",
            id="English",
        ),
        pytest.param(
            "fr",
            "Fenêtre du 4 juin 2025 au 30 nov. 2025 · sources : autre source · "
            "1\u202f354 événements · âges d'exposition comptés depuis le 15 nov. 2025. "
            "Écartés : aucun.",
            id="French dates and thousands",
        ),
    ],
)
def test_provenance_line_in_each_language(lang, expected):
    text = chrome.provenance_text(
        start=dt.date(2025, 6, 4),
        end=dt.date(2025, 11, 30),
        sources=["my own list"],
        n_events=1354,
        left_out={},
        as_of=dt.date(2025, 11, 15),
        tr=translator(lang),
    )
    assert text == expected


def test_validation_summary_in_french_agrees_in_number():
    report = SimpleNamespace(rows_in=5, rows_kept=3, n_repaired=0, n_flagged=1, n_rejected=2)
    assert about.validation_summary(report, tr=FR) == (
        "5 lignes lues : 3 conservées (0 réparée, 1 signalée), 2 rejetées."
    )
    assert about.validation_summary(report) == (
        "5 rows read: 3 kept (0 repaired, 1 flagged), 2 rejected."
    )


def test_the_issue_table_gives_reasons_in_french():
    issue = RowIssue("events.csv", 4, "latitude", "95", "is outside -90..90", "rejected")
    report = SimpleNamespace(issues=[issue])
    frame = about.issues_frame(report, tr=FR)
    assert frame["Motif"].tolist() == ["est hors de -90..90"]
    assert frame["Action"].tolist() == ["Rejetée"]
    assert about.issues_frame(report)["Reason"].tolist() == ["is outside -90..90"]


def test_the_password_gate_speaks_french():
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "fr"
    at.secrets.update({"access": {"password_sha256": hashlib.sha256(b"long phrase").hexdigest()}})
    at.run()
    assert [t.value for t in at.title] == ["Carte des risques au Sahel"]
    at.text_input(key="access.password").input("wrong")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Mot de passe erroné."]
    assert at.text_input(key="access.password").label == "Mot de passe"


def test_the_export_views_html_map_follows_the_page_language():
    from test_export import make_analysis

    from ui.exports import export_bytes

    analysis = make_analysis()
    options = {"method": "admin", "measure": "incidents", "handling": None, "share_safe": False}
    french = export_bytes("html", analysis, lang="fr", **options).decode("utf-8")
    english = export_bytes("html", analysis, **options).decode("utf-8")
    assert '<html lang="fr">' in french and "(204 jours)</title>" in french, french[:300]
    assert "(204 days)</title>" in english
