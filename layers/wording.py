"""The words and numbers a layer shows, in the reader's language (``tr``, English by default).

Builders take ``tr`` (a :class:`geo.i18n.Translator`) and translate their own
literals with ``tr.gettext("…")``; labels defined in ``geo.palette`` and
``geo.emerging`` tables (exposure classes, Gi* classes, change classes, plan
routes, emerging patterns) are marked where they are defined (their French is in
the geo catalog) and translated where shown with ``tr.gettext(label)``. Numbers
are written by ``geo.palette``'s formatters in English and given the
language's separators by :func:`localize` (``1,354.2`` -> ``1 354,2``).
"""

from __future__ import annotations

import datetime as dt
import re

from geo.i18n import DEFAULT_LANGUAGE, Translator, translator
from geo.palette import format_number

__all__ = ["ENGLISH", "localize", "number", "day"]

#: The default translator of every builder (English, no catalog).
ENGLISH: Translator = translator(DEFAULT_LANGUAGE)

# A number as geo.palette writes it: digits, optional groups of three after commas,
# optional decimals; not part of a longer run of digits.
_NUMBER = re.compile(r"(?<![\d.,])\d+(?:,\d{3})*(?:\.\d+)?(?!\d)")
_SEPARATORS = {"fr": ("\u202f", ",")}


def localize(text: str, tr: Translator = ENGLISH) -> str:
    """Give the numbers of an English-formatted text the separators of ``tr``'s language.

    Parameters
    ----------
    text : str
        Text whose numbers use ``,`` for thousands and ``.`` for decimals
        (``geo.palette.format_number``, ``range_labels``, ``f"{x:,.1f}"``).
    tr : Translator
        The reader's language.

    Returns
    -------
    str
        ``text`` unchanged in English; in French thousands are separated by a
        narrow no-break space and decimals by a comma, as Babel writes them.

    Examples
    --------
    >>> localize("> 1,354.2–2,000", translator("fr")) == "> 1\u202f354,2–2\u202f000"
    True
    >>> localize("+3 (+50 %)", translator("fr")), localize("1.5", ENGLISH)
    ('+3 (+50 %)', '1.5')
    """
    group, decimal = _SEPARATORS.get(tr.lang, (",", "."))
    if (group, decimal) == (",", "."):
        return text
    return _NUMBER.sub(
        lambda m: m.group().replace(",", "\0").replace(".", decimal).replace("\0", group), text
    )


def number(value: float, tr: Translator = ENGLISH, *, digits: int = 1) -> str:
    """Write a number as :func:`geo.palette.format_number` does, in ``tr``'s language.

    Examples
    --------
    >>> number(12345.6, translator("fr")) == "12\u202f346"
    True
    >>> number(3.456, translator("fr")), number(float("nan"))
    ('3,5', '–')
    """
    return localize(format_number(value, digits=digits), tr)


def day(value: dt.date, tr: Translator = ENGLISH) -> str:
    """Write a day: ISO ``2025-11-14`` in English (as the data reads), ``14 nov. 2025`` in French.

    Examples
    --------
    >>> day(dt.date(2025, 11, 14)), day(dt.date(2025, 11, 14), translator("fr"))
    ('2025-11-14', '14 nov. 2025')
    """
    if tr.lang == DEFAULT_LANGUAGE:
        return value.isoformat()
    return tr.date(value)
