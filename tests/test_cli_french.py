"""``python -m geo <command> --lang fr``: every printed line in French, French numbers and dates."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from geo.cli import build_parser, main
from geo.i18n import translator
from tests.french_text import english_left
from tests.test_cli_pipeline import analysis  # noqa: F401, F811 (the bundled 2019 analysis)

REPO = Path(__file__).resolve().parent.parent
WINDOW = ["--from", "2025-05-01", "--to", "2025-11-20"]


def _page_text(pdf: Path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def test_the_checker_finds_english_in_a_french_text():
    assert english_left("Période 3 août 2025 ; Left out: 3 outside the window.") != []
    assert english_left("Écartés : 3 hors de la période.") == []


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["log", "add", "--lang", "fr"], id="log add takes --lang after the action"),
        pytest.param(["log", "--lang", "fr", "list"], id="log --lang fr list keeps the language"),
        pytest.param(["log", "history", "3", "--lang", "fr"], id="log history"),
        pytest.param(["validate", "x.csv", "--lang", "fr"], id="a plain command"),
    ],
)
def test_every_command_and_sub_command_takes_lang(argv):
    assert build_parser().parse_args(argv).lang == "fr"


def test_a_sub_command_defaults_to_english():
    assert build_parser().parse_args(["log", "list"]).lang == "en"


def test_a_user_error_is_french(tmp_path, capsys):
    code = main(
        [
            "brief",
            "--lang",
            "fr",
            "--from",
            "2025-06-01",
            "--to",
            "2025-05-01",
            "--out",
            str(tmp_path / "b.pdf"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("erreur : ") and "2025-06-01" in err
    assert not (tmp_path / "b.pdf").exists()


def test_brief_in_french_prints_french_and_writes_a_french_first_page(tmp_path, capsys):
    out = tmp_path / "b.pdf"
    assert main(["brief", "--lang", "fr", *WINDOW, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"écrit {out} (") and "octets" in said and "Écartés : " in said
    assert "1 mai 2025" in said and "20 nov. 2025" in said  # French dates
    assert english_left(said) == []
    page1 = _page_text(out, 1)
    assert "Note d'exposition aux incidents" in page1 and "Chiffres clés" in page1
    left = english_left(page1, ("cli", "geo", "export"))
    # The front page's "Sources:" line shows the source labels as the analysis names
    # them (geo/export/pdf/__init__.py); they are data-set names, translated in the CLI.
    assert [x for x in left if "News-compiled logs" not in x] == []
    for english in ("Key figures", "Left out:", " medium", "Highlights"):
        assert english not in page1, english


def test_the_method_steps_and_provenance_read_in_french(analysis):  # noqa: F811
    from geo.provenance import build_provenance, method_steps, provenance_lines

    fr = translator("fr")
    steps = method_steps(analysis, tr=fr)
    text = "\n".join(f"{step}: {what}" for step, what in steps)
    assert "Noyau gaussien" in text and "attaque contre un convoi 1" in text
    assert english_left(text) == []
    lines = "\n".join(provenance_lines(build_provenance(analysis), tr=fr))
    assert "Période du " in lines and "Écartés : " in lines and "Calculé avec" in lines
    assert english_left(lines) == []
    english = method_steps(analysis)
    assert english[0][0] == "Window" and "Gaussian kernel" in english[2][1]
