"""How the views write numbers, dates, classes and tables in the page's language.

Streamlit's table grid formats numbers and dates one way whatever the page's
language, so the views hand it a pandas ``Styler`` whose display values come
from :class:`geo.i18n.Translator` (``1 354,3`` and ``14 nov. 2025`` in French)
while the cells keep their numbers and dates, so a click on a heading still
sorts by value. Charts get the language's number and month names through
Vega's locale (:func:`chart_locale`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

import pandas as pd
from babel.dates import get_day_names, get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol
from pandas.io.formats.style import Styler

from geo.gazetteer import fold_name
from geo.i18n import Translator, gettext_noop, translator
from geo.schema import ADMIN_LEVEL_NAMES, EXPOSURE_CLASS_LABELS

__all__ = [
    "ENGLISH",
    "UNIT_LEVELS",
    "unit_level",
    "short",
    "searchable",
    "date_format",
    "markdown_literal",
    "signed",
    "class_label",
    "styled",
    "chart_locale",
]

#: The default language of every function here (English stays the default; callers opt in).
ENGLISH: Translator = translator("en")
#: Admin level of ``Params.admin_level`` -> the name of one unit.
UNIT_LEVELS: dict[int | str, str] = {
    1: ADMIN_LEVEL_NAMES[1],
    2: ADMIN_LEVEL_NAMES[2],
    "region_2023": gettext_noop("Region (2023)"),
}


def unit_level(admin_level: int | str, *, tr: Translator = ENGLISH) -> str:
    """Name one unit of an admin level in the page's language.

    Examples
    --------
    >>> unit_level(2), unit_level(1, tr=translator("fr"))
    ('Cercle', 'Région')
    """
    return tr.gettext(UNIT_LEVELS.get(admin_level, UNIT_LEVELS["region_2023"]))


def short(value: float, *, tr: Translator = ENGLISH) -> str:
    """Write a parameter with the decimals it has, as ``{:g}`` would (``2.5``, ``30``).

    Examples
    --------
    >>> short(2.5), short(30.0), short(0.05, tr=translator("fr"))
    ('2.5', '30', '0,05')
    """
    text = f"{value:g}"
    return text if "e" in text else tr.number(value, len(text.partition(".")[2]))


def searchable(label: str) -> str:
    """Write a place's name for a select list, so it is found with or without accents.

    Streamlit's lists filter on the text shown, accents included, so a name with
    accented letters carries its folded form (:func:`geo.gazetteer.fold_name`)
    after it: typing ``Kenieba`` or ``Kéniéba`` finds it. Other names are unchanged.

    Examples
    --------
    >>> searchable("Kéniéba"), searchable("Touba (SEN)"), searchable("Ségou (MLI)")
    ('Kéniéba · kenieba', 'Touba (SEN)', 'Ségou (MLI) · segou')
    """
    if not any(ord(c) > 127 and c.isalpha() for c in label):
        return label
    return f"{label} · {fold_name(label.split(' (')[0])}"


def date_format(tr: Translator = ENGLISH) -> str:
    """Give the order a date field is typed in (``st.date_input``'s ``format``).

    Examples
    --------
    >>> date_format(translator("fr")), date_format()
    ('DD/MM/YYYY', 'YYYY/MM/DD')
    """
    return "DD/MM/YYYY" if tr.lang == "fr" else "YYYY/MM/DD"


def markdown_literal(text: object) -> str:
    r"""Escape every ASCII punctuation mark so Markdown shows the text as typed.

    ``st.table`` renders each cell as Markdown: a note holding
    ``![x](http://host/p.png)`` would make the browser fetch the image
    (SECURITY-CASES R09). Backslash-escaped, it reads as typed (a bare URL may
    still be shown as a link, never fetched).

    Examples
    --------
    >>> print(markdown_literal("![x](u.png) **b**"))
    \!\[x\]\(u\.png\) \*\*b\*\*
    """
    return _PUNCTUATION.sub(r"\\\1", str(text))


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def signed(value: float, digits: int = 0, *, tr: Translator = ENGLISH) -> str:
    """Write a change with its sign (``+3``, ``-1,5``; no sign for zero).

    Examples
    --------
    >>> signed(1354.25, 1), signed(-2), signed(0)
    ('+1,354.2', '-2', '0')
    """
    return ("+" if value > 0 else "") + tr.number(value, digits)


def class_label(value: object, *, tr: Translator = ENGLISH) -> str:
    """Name an exposure class in the page's language (an unknown value is shown as it is).

    Examples
    --------
    >>> class_label("high", tr=translator("fr")), class_label("x")
    ('élevée', 'x')
    """
    text = str(value)
    return tr.gettext(EXPOSURE_CLASS_LABELS[text]) if text in EXPOSURE_CLASS_LABELS else text


def styled(
    frame: pd.DataFrame,
    *,
    tr: Translator = ENGLISH,
    digits: Mapping[str, int] | None = None,
    dates: Iterable[str] = (),
) -> Styler:
    """Show a table's numbers and dates the way the page's language writes them.

    Parameters
    ----------
    frame : DataFrame
        The table with its headings already translated.
    tr : Translator
        The page's language.
    digits : Mapping of str to int, optional
        Decimals per numeric column; other numeric columns show whole numbers.
    dates : iterable of str
        Columns of dates (``datetime.date`` or Timestamp), written ``14 nov. 2025``.

    Returns
    -------
    pandas.io.formats.style.Styler
        For ``st.dataframe``; missing values are shown blank.
    """
    wanted = dict(digits or {})
    date_columns = [c for c in dates if c in frame.columns]

    def number(n: int):
        return lambda v: "" if pd.isna(v) else tr.number(v, n)

    def date(v: object) -> str:
        if v is None or (not isinstance(v, dt.date) and pd.isna(v)):
            return ""
        return tr.date(pd.Timestamp(v).date())

    formats = {
        c: number(wanted.get(c, 0))
        for c in frame.columns
        if c not in date_columns
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    }
    formats.update({c: date for c in date_columns})
    return frame.style.format(formats, na_rep="")


def chart_locale(tr: Translator = ENGLISH) -> dict[str, object]:
    """Vega's number and time locale for a chart's axes and tooltips in the page's language.

    Pass it to ``chart.configure(locale=...)``.

    Examples
    --------
    >>> loc = chart_locale(translator("fr"))
    >>> loc["number"]["decimal"], loc["time"]["shortMonths"][10], loc["time"]["shortDays"][0]
    (',', 'nov.', 'dim.')
    """
    days = get_day_names("wide", locale=tr.lang)
    short_days = get_day_names("abbreviated", locale=tr.lang)
    months = get_month_names("wide", locale=tr.lang)
    short_months = get_month_names("abbreviated", locale=tr.lang)
    # Babel counts days from Monday (0), months from 1; Vega lists start on Sunday, January.
    order = [6, 0, 1, 2, 3, 4, 5]
    return {
        "number": {
            "decimal": get_decimal_symbol(tr.lang),
            "thousands": get_group_symbol(tr.lang),
            "grouping": [3],
            "currency": ["", ""],
        },
        "time": {
            "dateTime": "%x, %X",
            "date": "%d/%m/%Y" if tr.lang == "fr" else "%m/%d/%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": [days[i] for i in order],
            "shortDays": [short_days[i] for i in order],
            "months": [months[i] for i in range(1, 13)],
            "shortMonths": [short_months[i] for i in range(1, 13)],
        },
    }
