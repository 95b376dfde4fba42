"""The page's language: the URL's ``?lang=``, else the browser's, else the setting.

A link with ``?lang=fr`` opens the page in French whatever the browser says;
without it, the browser's language (``st.context.locale``, ``navigator.language``)
decides, and failing that the ``SAHEL_RISK_LANG`` environment variable (``en``
when unset). The sidebar switch writes its choice into the URL, so the address
bar always holds a link that reopens the page in the language shown. Switching
reruns the page with the same session state: every keyed widget (filters,
view, map position) keeps its value, because values are stable keys and only
their labels are translated (``format_func``). The tabs are the exception:
``st.tabs`` keeps the open tab's *label*, so ``app.py`` maps it to the same tab
in the new language (:func:`elsewhere`, :func:`ui.state.relabel_widget`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import streamlit as st

from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator, pick_language, translator

__all__ = [
    "KEY",
    "ENV_VAR",
    "NAMES",
    "current",
    "tr",
    "translated",
    "elsewhere",
    "language_switch",
]

#: Session-state key of the sidebar switch.
KEY = "ui.lang"
#: Environment variable naming the fallback language.
ENV_VAR = "SAHEL_RISK_LANG"
#: Each language in its own words (the switch's labels are never translated).
NAMES: dict[str, str] = {"en": "English", "fr": "Français"}


def current() -> str:
    """Return the language of this run of the page (``en`` or ``fr``)."""
    query = st.query_params.get("lang")
    try:
        browser = st.context.locale
    except (AttributeError, RuntimeError):  # bare mode (tests, scripts): no browser
        browser = None
    return pick_language(query, browser, os.environ.get(ENV_VAR, DEFAULT_LANGUAGE))


def tr() -> Translator:
    """Return the translator of this run of the page."""
    return translator(current())


def translated(messages: Sequence[str]) -> list[str]:
    """Translate a table of labels (marked with ``gettext_noop``) into this run's language."""
    t = tr()
    return [t.gettext(m) for m in messages]


def elsewhere(messages: Sequence[str]) -> list[list[str]]:
    """Return the same labels in every other language, for :func:`ui.state.relabel_widget`."""
    here = current()
    return [[translator(code).gettext(m) for m in messages] for code in LANGUAGES if code != here]


def _write_choice() -> None:
    choice = st.session_state.get(KEY)
    if choice in LANGUAGES:  # a click on the selected option clears it: keep the language
        st.query_params["lang"] = choice


def language_switch() -> str:
    """Draw the sidebar's language switch and return the language it shows.

    Returns
    -------
    str
        ``en`` or ``fr``.
    """
    lang = current()
    st.session_state[KEY] = lang
    st.segmented_control(
        "Language / Langue",
        options=list(LANGUAGES),
        format_func=NAMES.__getitem__,
        key=KEY,
        on_change=_write_choice,
        selection_mode="single",
    )
    return lang
