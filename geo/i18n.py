"""French and English for every text a person reads: gettext catalogs, plurals, numbers and dates.

Strings are written in English in the code and marked with the method names
gettext extracts (``t.gettext("…")``, ``t.ngettext("…", "…", n)``, and
:func:`gettext_noop` for tables of labels translated when shown), never with
a function called ``_`` (it would shadow the interactive ``_`` and i18n tools'
conventions differ). The French catalog is the set of ``.po`` files in
``geo/locale/fr/LC_MESSAGES/``, one per part of the code (:data:`CATALOG_AREAS`:
the page shell, the views, the map layers, the exports, the command line, the
analyses), so that people translating different parts never edit the same file.
They are plain text, read with Babel at first use (no compiled ``.mo`` to keep
in step), merged into one table; a text used by two parts has the same
translation in both (``tests/test_i18n.py``). The vocabulary is fixed by
``geo/locale/glossary.csv`` (METHODS.md §7: the words a
francophone security analyst uses — « exposition aux incidents », never « sûr »).
Numbers and dates follow the language's conventions through Babel
(``1 354,3 km`` and ``14 nov. 2025`` in French).

A missing translation falls back to the English text, so a new string never
breaks the page; ``tests/test_i18n.py`` fails until it is translated.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel.dates import format_date as _babel_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from geo.errors import ParameterError

__all__ = [
    "LANGUAGES",
    "DEFAULT_LANGUAGE",
    "LOCALE_DIR",
    "GLOSSARY",
    "CATALOG_AREAS",
    "catalog_area",
    "Translator",
    "translator",
    "pick_language",
    "read_glossary",
    "gettext_noop",
]

#: Languages the product speaks, in the order a chooser lists them.
LANGUAGES: tuple[str, ...] = ("en", "fr")
#: The language used when nothing else says which.
DEFAULT_LANGUAGE = "en"
#: Where the catalogs live (inside the package, so an installed copy has them).
LOCALE_DIR: Path = Path(__file__).resolve().parent / "locale"
#: The glossary every French term is checked against.
GLOSSARY: Path = LOCALE_DIR / "glossary.csv"
_DOMAIN = "sahel"
#: Between the items of a list written out in a sentence (French puts a space before « ; »).
_LIST_SEPARATORS: dict[str, str] = {"en": "; ", "fr": " ; "}

#: Parts of the code and the catalog file each one's strings go to, first match wins:
#: (catalog name, path prefixes relative to the repository root).
CATALOG_AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "app",
        (
            "app.py",
            "ui/__init__.py",
            "ui/about.py",
            "ui/access.py",
            "ui/chrome.py",
            "ui/controls.py",
            "ui/data.py",
            "ui/exports.py",
            "ui/lang.py",
            "ui/selection.py",
            "ui/state.py",
        ),
    ),
    ("views", ("ui/",)),
    ("layers", ("layers/",)),
    ("export", ("geo/export/",)),
    ("cli", ("geo/cli.py", "geo/__main__.py", "geo/commands/")),
    ("geo", ("geo/",)),
)


def _check(lang: str) -> str:
    code = str(lang).strip().lower()
    if code not in LANGUAGES:
        raise ParameterError(f"`lang` was {lang!r} but is expected to be in {list(LANGUAGES)}")
    return code


def catalog_area(source: str) -> str:
    """Name the catalog a source file's strings belong to.

    Parameters
    ----------
    source : str
        The file's path relative to the repository root, with ``/`` separators.

    Returns
    -------
    str
        A name of :data:`CATALOG_AREAS` (its file is ``<name>.po``).

    Examples
    --------
    >>> catalog_area("ui/hotspots.py"), catalog_area("ui/chrome.py"), catalog_area("geo/cli.py")
    ('views', 'app', 'cli')
    """
    for name, prefixes in CATALOG_AREAS:
        if any(source == p or (p.endswith("/") and source.startswith(p)) for p in prefixes):
            return name
    raise ParameterError(f"`source` was {source!r}, which no catalog area covers")


@functools.cache
def _catalog(lang: str) -> Mapping[object, object]:
    """Map each msgid (str, or (singular, plural)) to its translation (str, or plural forms).

    Every ``.po`` file of the language is read, in :data:`CATALOG_AREAS` order.
    """
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    out: dict[object, object] = {}
    for name, _prefixes in CATALOG_AREAS:
        path = folder / f"{name}.po"
        if not path.exists():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=_DOMAIN)
        for message in catalog:
            if not message.id or message.fuzzy or message.id in out:
                continue
            if isinstance(message.id, tuple):
                forms = tuple(message.string)
                if all(forms):
                    out[message.id] = forms
            elif message.string:
                out[message.id] = message.string
    return out


@dataclass(frozen=True)
class Translator:
    """Texts, plurals, numbers and dates in one language.

    Attributes
    ----------
    lang : str
        ``en`` or ``fr``.
    """

    lang: str
    _messages: Mapping[object, object] = field(repr=False, compare=False, default_factory=dict)

    def gettext(self, message: str) -> str:
        """Translate a message (the English text when it has no translation).

        Parameters
        ----------
        message : str
            The English text, as written in the code.

        Returns
        -------
        str
            Its translation.
        """
        found = self._messages.get(message)
        return found if isinstance(found, str) else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Choose the singular or plural form for ``n`` by this language's rule.

        French uses the singular for 0 and 1 (« 0 incident », « 1 incident »),
        English only for 1.

        Parameters
        ----------
        singular, plural : str
            The English forms.
        n : int
            The count.

        Returns
        -------
        str
            The form to use (format it with ``n`` yourself).

        Examples
        --------
        >>> translator("en").ngettext("{n} cell", "{n} cells", 1).format(n=1)
        '1 cell'
        """
        count = abs(int(n))
        one = count <= 1 if self.lang == "fr" else count == 1
        forms = self._messages.get((singular, plural))
        if isinstance(forms, tuple) and len(forms) >= 2:
            return forms[0] if one else forms[1]
        return singular if one else plural

    def number(self, value: float | int, digits: int = 0) -> str:
        r"""Format a number with this language's separators and ``digits`` decimals.

        Examples
        --------
        >>> translator("en").number(1354.25, 1)
        '1,354.2'
        >>> translator("fr").number(1354.25, 1) == "1\u202f354,2"
        True
        """
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(value, format=pattern, locale=self.lang)

    def date(self, value: dt.date, *, style: str = "medium") -> str:
        """Format a calendar date the way this language writes it.

        Parameters
        ----------
        value : datetime.date
            The date.
        style : str
            Babel's ``short``, ``medium`` (``14 nov. 2025``) or ``long``.

        Examples
        --------
        >>> translator("fr").date(dt.date(2025, 11, 14))
        '14 nov. 2025'
        >>> translator("en").date(dt.date(2025, 11, 14))
        'Nov 14, 2025'
        """
        return _babel_date(value, style, locale=self.lang)

    def join(self, parts: Iterable[str]) -> str:
        """Join the parts of a list with this language's semicolon (`` ; `` in French).

        Examples
        --------
        >>> translator("en").join(["a", "b"]), translator("fr").join(["a", "b"])
        ('a; b', 'a ; b')
        """
        return _LIST_SEPARATORS[self.lang].join(parts)

    def period(self, start: dt.date, end: dt.date) -> str:
        """Format a window of dates, both ends included (``1 sept. 2025 – 30 nov. 2025``)."""
        return f"{self.date(start)} – {self.date(end)}"


@functools.cache
def translator(lang: str = DEFAULT_LANGUAGE) -> Translator:
    """Return the translator for ``lang`` (catalog read once per process).

    Parameters
    ----------
    lang : str
        ``en`` or ``fr`` (case-insensitive).

    Returns
    -------
    Translator

    Raises
    ------
    ParameterError
        If the language is not one of :data:`LANGUAGES`.
    """
    code = _check(lang)
    return Translator(code, _catalog(code) if code != "en" else {})


def pick_language(
    query: str | None, browser_locale: str | None, setting: str = DEFAULT_LANGUAGE
) -> str:
    """Choose the language: the URL's ``?lang=``, else the browser's, else the setting.

    Parameters
    ----------
    query : str or None
        The ``lang`` query parameter, if any (an unknown value is ignored).
    browser_locale : str or None
        The browser's language tag (``fr-FR``, ``en-US``, ...), if known.
    setting : str
        The fallback.

    Returns
    -------
    str
        One of :data:`LANGUAGES`.

    Examples
    --------
    >>> pick_language("fr", "en-GB"), pick_language(None, "fr-SN"), pick_language("xx", None)
    ('fr', 'fr', 'en')
    """
    for candidate in (query, (browser_locale or "").split("-")[0].split("_")[0], setting):
        code = str(candidate or "").strip().lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def gettext_noop(message: str) -> str:
    """Mark a string for translation where it is defined (a table), translate it where shown.

    Parameters
    ----------
    message : str
        The English text.

    Returns
    -------
    str
        The same text: ``Translator.gettext`` translates it when it is shown.
    """
    return message


def read_glossary(path: Path = GLOSSARY) -> list[dict[str, str]]:
    """Read the glossary rows: ``en``, ``fr`` and ``note`` (where the French term comes from).

    Parameters
    ----------
    path : Path
        The glossary CSV (UTF-8).

    Returns
    -------
    list of dict
        One dict per term.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        return [dict(row) for row in csv.DictReader(fh)]
