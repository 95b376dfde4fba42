"""``python -m geo --lang fr``: the CLI's own help, descriptions and common error bodies in French.

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


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        pytest.param(
            ["validate", "/nonexistent/events.csv"],
            "erreur : events.csv : fichier introuvable ; vérifiez le chemin.",
            id="missing file",
        ),
        pytest.param(
            ["plan", "--from-town", "Xyzzy", "--to-town", "Bamako"],
            "erreur : Ville inconnue : 'Xyzzy' ; les noms les plus proches sont : ",
            id="unknown town",
        ),
        pytest.param(
            ["plan", "--from-town", "Bamako", "--to-town", "Bamako"],
            "erreur : le trajet part de Bamako et y finit sans autre ville ; "
            "choisissez deux villes différentes.",
            id="same town",
        ),
        pytest.param(
            ["hotspots", "--method", "kde", "--from", "2025-06-01", "--to", "2025-01-01"],
            "erreur : --from 2025-06-01 est après --to 2025-01-01 ; inversez-les ou corrigez "
            "l'une des deux dates.",
            id="window the wrong way round",
        ),
        pytest.param(
            ["brief", "--out", "notes.doc"],
            "erreur : --out 'notes.doc' : l'extension '.doc' n'est pas un format de note de "
            "synthèse ; utilisez l'une de .pdf, .png, .html, .gpkg, .zip, .tif.",
            id="briefing suffix",
        ),
    ],
)
def test_common_errors_print_a_french_body(argv, line, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    if "hotspots" in argv:
        argv = [*argv, "--out", str(tmp_path / "kde.tif")]
    assert main([*argv, "--lang", "fr"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(line), err
    assert not (tmp_path / "kde.tif").exists()


def test_a_bad_date_is_a_french_usage_error(capsys):
    with pytest.raises(SystemExit) as done:
        main(["hotspots", "--method", "kde", "--from", "2025-13-01", "--out", "x.tif", "--lang=fr"])
    assert done.value.code == 2
    assert capsys.readouterr().err == (
        "python -m geo hotspots: erreur : argument --from : '2025-13-01' n'est pas une date du "
        "calendrier (AAAA-MM-JJ)\n"
    )


def test_the_same_errors_stay_english_without_lang(capsys):
    assert main(["validate", "/nonexistent/events.csv"]) == 2
    assert capsys.readouterr().err == "error: events.csv: no such file; check the path.\n"
