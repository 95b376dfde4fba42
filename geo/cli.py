"""Command-line entry point: ``python -m geo <command>``, the analyses headless.

Each command lives in its own module under :mod:`geo.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
taking the parsed arguments and returning the exit code. Errors meant for the
user (:class:`geo.errors.RiskMapError`) print one line and exit 2; anything else
is a bug: one generic line for the user, the traceback in the log, exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Mapping, Sequence

import geo.commands
from geo import __version__
from geo.commands._help import translate_help
from geo.errors import RiskMapError
from geo.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Translator,
    gettext_noop,
    pick_language,
    translator,
)
from geo.validate import translate_message

__all__ = ["build_parser", "help_language", "main"]

log = logging.getLogger(__name__)
#: The environment variable naming the language when ``--lang`` is not given (as the page's).
LANG_ENV = "SAHEL_RISK_LANG"


#: The bodies of the commonest user errors, as the code that raises them writes them
#: (English); :func:`error_text` renders them in the output's language.
ERROR_TEMPLATES: tuple[str, ...] = (
    gettext_noop("{file}: no such file; check the path."),
    gettext_noop("Unknown town {town}; the closest names are: {names}."),
    gettext_noop("Unknown town {town}; the towns layer is empty."),
    gettext_noop("--from {start} is after --to {end}; swap them or fix one."),
    gettext_noop("{value} is not a calendar date (YYYY-MM-DD)"),
    gettext_noop("argument {option}: {message}"),
    gettext_noop(
        "the trip starts and ends in {town} with no other town; choose two different towns."
    ),
    gettext_noop("--out {name}: tables are written as {suffixes}; choose one of those suffixes."),
    gettext_noop(
        "--out {name}: the suffix {suffix} is not a briefing format; use one of {formats}."
    ),
)


def error_text(message: str, *, tr: Translator) -> str:
    """Write an error's one line (``error: <body>``) in the language of ``tr``.

    A body matching one of :data:`ERROR_TEMPLATES` is translated, its values
    (file names, towns, dates) kept; any other body stays as it was raised.

    Examples
    --------
    >>> error_text("log.csv: no such file; check the path.", tr=translator("fr"))
    'erreur : log.csv : fichier introuvable ; vérifiez le chemin.'
    """
    body = translate_message(message, tr=tr, templates=ERROR_TEMPLATES)
    return tr.gettext("error: {message}").format(message=body)


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line, in the parser's language, and exit 2."""

    tr: Translator = translator()

    def error(self, message: str) -> None:  # noqa: D102
        self.exit(2, f"{self.prog}: {error_text(message, tr=self.tr)}\n")


def build_parser(lang: str = DEFAULT_LANGUAGE) -> argparse.ArgumentParser:
    """Build the parser with every command found in :mod:`geo.commands`.

    Parameters
    ----------
    lang : str
        The language of the help texts, and the default of ``--lang``.

    Returns
    -------
    argparse.ArgumentParser
        The top-level parser.
    """
    parser = _Parser(
        prog="python -m geo",
        description=gettext_noop(
            "Sahel Risk Map, headless: validate files, join, hotspots, "
            "route and site exposure, briefings."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_lang(parser, default=lang)  # before the commands: ``python -m geo --lang fr plan -h``
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for info in sorted(pkgutil.iter_modules(geo.commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"geo.commands.{info.name}")
        module.register(sub)
    for command in sub.choices.values():
        _add_lang(command, default=lang)
    translate_help(parser, translator(lang))
    _speak(parser, translator(lang))
    return parser


def _speak(parser: argparse.ArgumentParser, tr: Translator) -> None:
    """Give ``parser`` and each of its sub-commands the language of its usage errors."""
    parser.tr = tr
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _speak(child, tr)


def help_language(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> str:
    """Choose the language before parsing: ``--lang`` in ``argv``, else ``$SAHEL_RISK_LANG``.

    The help texts are written when the parser is built, before ``--lang`` is
    parsed, so ``python -m geo routes --lang fr --help`` needs the language first.

    Parameters
    ----------
    argv : sequence of str
        The command line without the program name.
    environ : mapping
        The environment (``os.environ`` by default).

    Returns
    -------
    str
        One of :data:`geo.i18n.LANGUAGES` (English when neither names one).

    Examples
    --------
    >>> help_language(["plan", "--lang", "fr", "--help"], {}), help_language(["-h"], {})
    ('fr', 'en')
    """
    given = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            given = argv[i + 1]
        elif arg.startswith("--lang="):
            given = arg.split("=", 1)[1]
    return pick_language(given, None, environ.get(LANG_ENV, DEFAULT_LANGUAGE))


def _add_lang(parser: argparse.ArgumentParser, *, default: str) -> None:
    """Add ``--lang`` to a command and to each of its sub-commands (``log add --lang fr``).

    A sub-command's ``--lang`` has no default of its own, so ``log --lang fr add``
    keeps the language given before the sub-command.
    """
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default,
        help=gettext_noop("language of the output: en (default) or fr"),
    )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _add_lang(child, default=argparse.SUPPRESS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 2 for a user error (bad input, bad option), 1 for a bug.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(help_language(argv))
    args = parser.parse_args(argv)
    tr = translator(args.lang)
    try:
        return int(args.func(args) or 0)
    except RiskMapError as exc:
        print(error_text(str(exc), tr=tr), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(tr.gettext("error: interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception:
        log.exception("unexpected error in command %s", args.command)
        print(
            tr.gettext("error: internal error (a bug); details were written to the log."),
            file=sys.stderr,
        )
        return 1
