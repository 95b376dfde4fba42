"""The CLI's help texts in the reader's language: ``python -m geo --lang fr <command> --help``.

Help and description texts are English literals marked with ``gettext_noop``
(catalog ``cli``); a text built from values (a list of formats, a default) is a
:class:`HelpText`, which keeps its template and values so that
:func:`translate_help` can render it again in another language. argparse's own
words (``usage:``, ``options:``, ``show this help message and exit``) come from
argparse's gettext domain and stay English.
"""

from __future__ import annotations

import argparse
from typing import Any

from geo.i18n import Translator

__all__ = ["HelpText", "translate_help"]


class HelpText(str):
    """A help text filled from values: the English text, its template and the values.

    Parameters
    ----------
    template : str
        The English template, marked with ``gettext_noop``, with ``{name}`` fields.
    **values
        The fields' values (not translated).

    Examples
    --------
    >>> text = HelpText("output file: {formats}", formats=".pdf, .png")
    >>> str(text), text.template
    ('output file: .pdf, .png', 'output file: {formats}')
    """

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> HelpText:  # noqa: D102
        text = super().__new__(cls, template.format(**values))
        text.template = template
        text.values = values
        return text

    def render(self, tr: Translator) -> str:
        """Return the text in the language of ``tr``."""
        return tr.gettext(self.template).format(**self.values)


def _render(text: str | None, tr: Translator) -> str | None:
    if not text or text == argparse.SUPPRESS:
        return text
    return text.render(tr) if isinstance(text, HelpText) else tr.gettext(text)


def translate_help(parser: argparse.ArgumentParser, tr: Translator) -> None:
    """Put every description and help text of ``parser`` and its sub-commands in ``tr``'s language.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        A parser built with English texts (changed in place).
    tr : Translator
        The language.
    """
    parser.description = _render(parser.description, tr)
    for action in parser._actions:
        action.help = _render(action.help, tr)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = _render(choice.help, tr)
            for child in action.choices.values():
                translate_help(child, tr)
