"""The words and numbers a layer shows, in the reader's language (``tr``, English by default).

Builders take ``tr`` (a :class:`geo.i18n.Translator`) and translate their own
literals with ``tr.gettext("…")``; labels defined in ``geo.palette`` and
``geo.emerging`` tables (exposure classes, Gi* classes, change classes, plan
routes, emerging patterns) are translated where shown with ``tr.gettext(label)``
and marked in :data:`PALETTE_WORDS`, so the layers catalog holds their French
(the PNG legend finds the same French through the merged catalog). Numbers
are written by ``geo.palette``'s formatters in English and given the
language's separators by :func:`localize` (``1,354.2`` -> ``1 354,2``).
"""

from __future__ import annotations

import datetime as dt
import re

from geo.i18n import DEFAULT_LANGUAGE, Translator, gettext_noop, translator
from geo.palette import format_number

__all__ = ["ENGLISH", "PALETTE_WORDS", "localize", "number", "day"]

#: The default translator of every builder (English, no catalog).
ENGLISH: Translator = translator(DEFAULT_LANGUAGE)

#: Labels of geo.palette and geo.emerging tables, marked for the layers catalog
#: (tests/test_layers_french.py checks they are every label of those tables).
PALETTE_WORDS: tuple[str, ...] = (
    # the word for a route or site without a class (the classes are geo.schema's)
    gettext_noop("not classed"),
    # geo.palette.GISTAR_LABELS
    gettext_noop("Hot spot, 99 % confidence"),
    gettext_noop("Hot spot, 95 % confidence"),
    gettext_noop("Hot spot, 90 % confidence"),
    gettext_noop("Hot spot (significant)"),
    gettext_noop("Not significant"),
    gettext_noop("Cold spot (significant)"),
    gettext_noop("Cold spot, 90 % confidence"),
    gettext_noop("Cold spot, 95 % confidence"),
    gettext_noop("Cold spot, 99 % confidence"),
    # geo.palette.CHANGE_CLASSES
    gettext_noop("Down by 3 or more"),
    gettext_noop("Down by 1 or 2"),
    gettext_noop("No change"),
    gettext_noop("Up by 1 or 2"),
    gettext_noop("Up by 3 or more"),
    # geo.palette.PLAN_ROUTE_LABELS
    gettext_noop("Alternative"),
    gettext_noop("Shortest route"),
    gettext_noop("Least incident exposure (reported data, stated window)"),
    # geo.emerging.CATEGORY_LABELS
    gettext_noop("New hot spot"),
    gettext_noop("Consecutive hot spot"),
    gettext_noop("Intensifying hot spot"),
    gettext_noop("Persistent hot spot"),
    gettext_noop("Diminishing hot spot"),
    gettext_noop("Sporadic hot spot"),
    gettext_noop("Oscillating hot spot"),
    gettext_noop("Historical hot spot"),
    gettext_noop("New cold spot"),
    gettext_noop("Consecutive cold spot"),
    gettext_noop("Intensifying cold spot"),
    gettext_noop("Persistent cold spot"),
    gettext_noop("Diminishing cold spot"),
    gettext_noop("Sporadic cold spot"),
    gettext_noop("Oscillating cold spot"),
    gettext_noop("Historical cold spot"),
    gettext_noop("No pattern detected"),
)

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
