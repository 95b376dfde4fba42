"""Bring the French catalog up to date with the code: new strings added empty, old ones kept.

Run from the repository root after marking strings: ``python scripts/i18n_update.py``.
It extracts every ``gettext`` / ``ngettext`` / ``gettext_noop`` string from
``geo/``, ``layers/`` and ``ui/`` with Babel, adds the new ones to
``geo/locale/fr/LC_MESSAGES/sahel.po`` with an empty translation (the
``tests/test_i18n.py`` check fails until they are translated), marks the
strings no longer in the code as obsolete, and prints how many are left to
translate. Glossary terms (``geo/locale/glossary.csv``) are filled in from it.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "geo" / "locale" / "fr" / "LC_MESSAGES" / "sahel.po"
GLOSSARY = ROOT / "geo" / "locale" / "glossary.csv"
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "gettext_noop": None}


def main() -> int:
    """Update the catalog in place and report what is untranslated."""
    template = Catalog(locale="fr", domain="sahel", project="Sahel Risk Map")
    for folder in ("geo", "layers", "ui"):
        for filename, lineno, message, comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            template.add(message, None, [(f"{folder}/{filename}", lineno)], auto_comments=comments)
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="fr", domain="sahel")
    catalog.update(template, no_fuzzy_matching=True)
    with GLOSSARY.open(encoding="utf-8", newline="") as fh:
        glossary = {row["en"]: row["fr"] for row in csv.DictReader(fh)}
    for message in catalog:
        if isinstance(message.id, str) and message.id in glossary and not message.string:
            message.string = glossary[message.id]
    tmp = PO.with_suffix(".po.tmp")
    with tmp.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True, ignore_obsolete=True)
    tmp.replace(PO)
    todo = [
        m.id
        for m in catalog
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    print(
        f"{PO.relative_to(ROOT)}: {len(catalog)} strings, {len(todo)} to translate", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
