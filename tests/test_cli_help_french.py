"""``python -m geo --lang fr <command> --help``: the CLI's own help and descriptions in French.

argparse's own words (``usage:``, ``options:``, ``show this help message and exit``)
come from argparse's gettext domain and stay English.
"""

from __future__ import annotations

import argparse

import pytest

from geo.cli import build_parser, help_language, main

#: argparse's own help texts, and the ones French writes as English does.
SAME_IN_BOTH = {
    "show this help message and exit",
    "show program's version number and exit",
    "latitude (EPSG:4326)",
    "longitude (EPSG:4326)",
}


def help_texts(parser: argparse.ArgumentParser, where: str = "python -m geo") -> dict[str, str]:
    """Every description and help text of ``parser`` and its commands, by where it is."""
    found = {where: parser.description or ""}
    for action in parser._actions:
        name = f"{where} {'/'.join(action.option_strings) or action.dest}"
        found[name] = action.help or ""
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                found[f"{where} {choice.dest} (in the list)"] = choice.help or ""
            for command, child in action.choices.items():
                found |= help_texts(child, f"{where} {command}")
    return found


def test_every_help_text_of_every_command_is_in_french():
    english, french = help_texts(build_parser("en")), help_texts(build_parser("fr"))
    assert english.keys() == french.keys()
    assert len(english) > 120
    left = {k: v for k, v in french.items() if v and v == english[k] and v not in SAME_IN_BOTH}
    assert left == {}


def test_help_texts_built_from_values_keep_the_values_in_french():
    french = help_texts(build_parser("fr"))
    assert french["python -m geo brief --out"] == (
        "fichier de sortie : .pdf, .png, .html, .gpkg, .zip, .tif"
    )
    assert "(par défaut 4 ; 0 = le plus court seulement)" in french["python -m geo plan --lambda"]
    assert "les 180 derniers jours" in french["python -m geo brief"]


@pytest.mark.parametrize(
    ("argv", "environ", "lang"),
    [
        (["plan", "--lang", "fr", "--help"], {}, "fr"),
        (["--lang=fr", "routes", "-h"], {}, "fr"),
        (["routes", "--help"], {"SAHEL_RISK_LANG": "fr"}, "fr"),
        (["routes", "--lang", "en", "--help"], {"SAHEL_RISK_LANG": "fr"}, "en"),
        (["routes", "--help"], {}, "en"),
        (["routes", "--help"], {"SAHEL_RISK_LANG": "xx"}, "en"),
    ],
)
def test_the_help_language_comes_from_lang_then_the_environment(argv, environ, lang):
    assert help_language(argv, environ) == lang


def test_routes_help_prints_in_french_with_the_environment_variable(monkeypatch, capsys):
    monkeypatch.setenv("SAHEL_RISK_LANG", "fr")
    with pytest.raises(SystemExit) as done:
        main(["routes", "--help"])
    assert done.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Liste les axes qu'analyse `exposure`" in out
    assert "écrire aussi la liste (.csv)" in out


def test_lang_before_the_command_gives_the_french_output(capsys):
    assert main(["--lang", "fr", "routes"]) == 0
    assert "distance publiée" in capsys.readouterr().out
