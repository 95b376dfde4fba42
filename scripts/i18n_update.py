"""Bring the French catalogs up to date with the code: new strings added empty, old ones kept.

Run from the repository root after marking strings: ``python scripts/i18n_update.py``.
It extracts every ``gettext`` / ``ngettext`` / ``gettext_noop`` string from
``app.py``, ``geo/``, ``layers/`` and ``ui/`` with Babel and files each one in
the catalog of the part of the code it was found in
(``geo/locale/fr/LC_MESSAGES/<area>.po``, :data:`geo.i18n.CATALOG_AREAS`). New
strings get an empty translation, or the one another catalog already has, or the
glossary's (``geo/locale/glossary.csv``); strings no longer in a part's code are
dropped from its catalog. It prints how many are left to translate per catalog
(``tests/test_i18n.py`` fails until none is).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.i18n import CATALOG_AREAS, LOCALE_DIR, catalog_area  # noqa: E402

KEYWORDS = {"gettext": None, "ngettext": (1, 2), "gettext_noop": None}
FOLDERS = ("geo", "layers", "ui")
FILES = ("app.py",)


def extract() -> list[tuple[str, int, object, list[str]]]:
    """Every marked string: (source path, line, msgid, translator comments)."""
    found = []
    for folder in FOLDERS:
        for filename, lineno, message, comments, _ctx in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.append((f"{folder}/{filename}", lineno, message, comments))
    for name in FILES:
        for lineno, message, comments, _ctx in extract_from_file(
            "python", ROOT / name, keywords=KEYWORDS
        ):
            found.append((name, lineno, message, comments))
    return found


def _translated(string: object) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def main() -> int:
    """Update every catalog in place and report what is untranslated."""
    folder = LOCALE_DIR / "fr" / "LC_MESSAGES"
    templates = {
        name: Catalog(locale="fr", domain="sahel", project="Sahel Risk Map")
        for name, _ in CATALOG_AREAS
    }
    for source, lineno, message, comments in extract():
        templates[catalog_area(source)].add(
            message, None, [(source, lineno)], auto_comments=comments
        )
    catalogs = {}
    known: dict[object, object] = {}
    for name, _ in CATALOG_AREAS:
        path = folder / f"{name}.po"
        if path.exists():
            with path.open("rb") as fh:
                catalogs[name] = read_po(fh, locale="fr", domain="sahel")
        else:
            catalogs[name] = Catalog(locale="fr", domain="sahel", project="Sahel Risk Map")
        for message in catalogs[name]:
            if message.id and _translated(message.string):
                known.setdefault(message.id, message.string)
    with (LOCALE_DIR / "glossary.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            known[row["en"]] = row["fr"]
    for name, catalog in catalogs.items():
        catalog.update(templates[name], no_fuzzy_matching=True)
        for message in catalog:
            if message.id and not _translated(message.string) and message.id in known:
                message.string = known[message.id]
        path = folder / f"{name}.po"
        if not len(catalog):
            path.unlink(missing_ok=True)
            continue
        tmp = path.with_suffix(".po.tmp")
        with tmp.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_output=True, ignore_obsolete=True)
        tmp.replace(path)
        todo = sum(1 for m in catalog if m.id and not _translated(m.string))
        print(
            f"{path.relative_to(ROOT)}: {len(catalog)} strings, {todo} to translate",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
