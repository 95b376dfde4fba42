"""geo.i18n: each marked string has a French translation; glossary and French formats hold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from geo.errors import ParameterError
from geo.i18n import (
    CATALOG_AREAS,
    GLOSSARY,
    LOCALE_DIR,
    catalog_area,
    pick_language,
    read_glossary,
    translator,
)

ROOT = Path(__file__).resolve().parent.parent
#: Every folder and top-level file whose strings a person reads.
MARKED_DIRS = ("geo", "layers", "ui")
MARKED_FILES = ("app.py",)
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "gettext_noop": None}
#: Words a French output must never use for our scores (METHODS.md §7).
FORBIDDEN_FR = ("sûr", "sécurisé", "sans danger")


def _extracted() -> list[tuple[object, str]]:
    """(msgid, where it was found) for every marked string, by running Babel's extraction."""
    found: list[tuple[object, str]] = []
    for folder in MARKED_DIRS:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
        ):
            found.append((message, f"{folder}/{filename}:{lineno}"))
    for name in MARKED_FILES:
        for lineno, message, _comments, _context in extract_from_file(
            "python", ROOT / name, keywords=KEYWORDS
        ):
            found.append((message, f"{name}:{lineno}"))
    return found


def _catalogs() -> dict[str, dict[object, object]]:
    """Catalog name -> {msgid: translation} for every French ``.po`` file."""
    out: dict[str, dict[object, object]] = {}
    for name, _prefixes in CATALOG_AREAS:
        path = LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{name}.po"
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale="fr")
            out[name] = {m.id: m.string for m in catalog if m.id}
    return out


def _french() -> dict[object, object]:
    merged: dict[object, object] = {}
    for table in _catalogs().values():
        for msgid, text in table.items():
            merged.setdefault(msgid, text)
    return merged


def test_the_source_marks_strings_for_translation():
    assert len({m for m, _ in _extracted()}) >= 80, (
        "the extraction found almost nothing: is it reading the code?"
    )


def test_every_marked_string_has_a_french_translation_in_its_parts_catalog():
    catalogs = _catalogs()
    missing = []
    for msgid, where in _extracted():
        area = catalog_area(where.rsplit(":", 1)[0])
        text = catalogs.get(area, {}).get(msgid)
        ok = all(text) if isinstance(text, tuple) else bool(text)
        if not ok:
            missing.append(f"{where}: {msgid!r} (geo/locale/fr/LC_MESSAGES/{area}.po)")
    assert not missing, (
        "untranslated (run `python scripts/i18n_update.py`, then translate):\n" + "\n".join(missing)
    )


def test_a_text_shared_by_two_parts_reads_the_same_in_both():
    seen: dict[object, tuple[str, object]] = {}
    differ = []
    for name, table in _catalogs().items():
        for msgid, text in table.items():
            if msgid in seen and text and seen[msgid][1] and seen[msgid][1] != text:
                differ.append(
                    f"{msgid!r}: {seen[msgid][0]}.po {seen[msgid][1]!r} / {name}.po {text!r}"
                )
            seen.setdefault(msgid, (name, text))
    assert not differ, "\n".join(differ)


def test_the_catalog_follows_the_glossary():
    french = _french()
    rows = read_glossary(GLOSSARY)
    assert rows and {"en", "fr", "note"} <= set(rows[0])
    for row in rows:
        if row["en"] in french:
            assert french[row["en"]] == row["fr"], row["en"]


def test_no_french_text_calls_a_place_or_road_safe():
    for msgid, text in _french().items():
        for form in text if isinstance(text, tuple) else (text,):
            lowered = form.lower()
            assert not any(word in lowered for word in FORBIDDEN_FR), (msgid, form)


def test_french_numbers_dates_and_plurals():
    fr = translator("fr")
    assert fr.number(1354.3, 1) == "1\u202f354,3"
    assert fr.date(dt.date(2025, 11, 14)) == "14 nov. 2025"
    assert fr.ngettext("{n} incident", "{n} incidents", 0).format(n=0) == "0 incident"
    assert (
        translator("en").ngettext("{n} incident", "{n} incidents", 0).format(n=0) == "0 incidents"
    )


def test_a_category_label_reads_in_french():
    assert translator("fr").gettext("Abduction / kidnapping") == "Enlèvement"
    assert translator("en").gettext("Abduction / kidnapping") == "Abduction / kidnapping"


@pytest.mark.parametrize(
    ("query", "browser", "expected"),
    [
        pytest.param("fr", "en-US", "fr", id="the URL wins over the browser"),
        pytest.param(None, "fr-ML", "fr", id="else the browser's language"),
        pytest.param("de", "de-DE", "en", id="else the setting"),
        pytest.param("EN", None, "en", id="case does not matter"),
    ],
)
def test_pick_language(query, browser, expected):
    assert pick_language(query, browser) == expected


def test_an_unknown_language_is_refused_with_the_choices():
    with pytest.raises(ParameterError, match=r"\['en', 'fr'\]"):
        translator("de")
