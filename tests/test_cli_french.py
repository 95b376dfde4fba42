"""``python -m geo <command> --lang fr``: every printed line in French, French numbers and dates."""

from __future__ import annotations

import json
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


def test_validate_in_french_names_file_row_and_column_and_keeps_json_keys(capsys):
    fixture = REPO / "tests" / "fixtures" / "incidents" / "coordinates.csv"
    assert main(["validate", str(fixture), "--lang", "fr"]) in (0, 2)
    text = capsys.readouterr().out
    first = text.splitlines()[0]
    assert "lignes lues, conservées : " in first and "rejetées : " in first
    assert "coordinates.csv, ligne " in text and ", colonne 'lat' : " in text
    assert "est hors de -90..90 ; ligne rejetée." in text
    assert "remarque : encodage : " in text
    assert english_left(text) == []
    assert main(["validate", str(fixture), "--lang", "fr", "--json"]) in (0, 2)
    record = json.loads(capsys.readouterr().out)
    assert {"rows_in", "rows_kept", "n_rejected", "issues"} <= set(record)
    assert {"file", "row", "column", "value", "reason", "action"} <= set(record["issues"][0])
    assert record["issues"][0]["action"] in ("repaired", "flagged", "rejected")
    assert any(i["reason"] == "is outside -90..90" for i in record["issues"])


@pytest.mark.parametrize(
    "fixture",
    sorted((REPO / "tests" / "fixtures" / "incidents").glob("*.csv")),
    ids=lambda p: p.name,
)
def test_every_validation_report_of_the_fixtures_reads_in_french(fixture):
    from geo.io.incidents import read_incidents

    report = read_incidents(fixture, name=fixture.name).report
    lines = report.to_lines(tr=translator("fr"))
    assert lines[0].startswith(f"{report.file} (") and " lu" in lines[0]
    assert english_left("\n".join(lines)) == []
    assert len(report.to_lines()) == len(lines)


def _french_run(capsys, argv):
    capsys.readouterr()
    assert main([*argv, "--lang", "fr"]) == 0
    out, err = capsys.readouterr()
    return out + err


def test_join_and_routes_print_french(tmp_path, capsys):
    said = _french_run(capsys, ["join", "--from", "2025-05-01", "--out", str(tmp_path / "j.csv")])
    assert said.startswith("join : ") and "1 mai 2025" in said and "au Mali : " in said
    assert "relevé de presse" in said and "1\u202f409 lus" in said
    assert english_left(said) == []
    said = _french_run(capsys, ["routes"])
    assert "1\u202f354,3 km" in said and "distance publiée 1\u202f382 km" in said
    assert "Kéniéba" in said  # place names keep their accents
    assert english_left(said) == []


def test_log_actions_print_french(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SAHEL_RISK_AUTHOR", "amina")
    log = str(tmp_path / "log.gpkg")
    add = ["log", "add", "--log", log, "--date", "2025-05-04", "--place", "Kenieba"]
    said = _french_run(capsys, [*add, "--category", "abduction", "--reliability", "B2"])
    assert said.startswith("incident 1 ajouté à ")
    said = _french_run(capsys, ["log", "edit", "1", "--log", log, "--fatalities", "2"])
    assert "révision 2 écrite" in said
    said = _french_run(capsys, ["log", "list", "--log", log])
    assert said.startswith("id\tdate\tcatégorie\tlieu\tdécès\tauteur")
    assert "4 mai 2025\tEnlèvement\tKéniéba" in said
    said = _french_run(capsys, ["log", "history", "1", "--log", log])
    assert "révision 1 : ajout par amina" in said and "révision 2 : correction par amina" in said
    said = _french_run(capsys, ["log", "export", "--log", log, str(tmp_path / "out.csv")])
    assert said.startswith("1 incident écrit dans out.csv")
    assert english_left(said) == []


def test_exposure_and_sites_summaries_print_french(capsys):
    said = _french_run(capsys, ["exposure", "--summary", *WINDOW])
    assert "Exposition aux incidents des axes routiers au 20 nov. 2025" in said
    assert "km par classe : faible " in said and "Écartés : " in said
    assert "Répartis sur leur zone d'incertitude : " in said
    assert english_left(said) == []
    said = _french_run(capsys, ["sites", "--top", "3", *WINDOW])
    assert "Exposition aux incidents des sites au 20 nov. 2025" in said
    assert "Sites clés (mines, usines, centrales, barrages) :" in said and "tendance " in said
    assert english_left(said) == []


def test_plan_matches_towns_without_accents_and_prints_french(capsys):
    said = _french_run(capsys, ["plan", "--from-town", "Kenieba", "--to-town", "Segou", *WINDOW])
    assert "Trajet : Kéniéba – Ségou." in said  # found without accents, shown with them
    assert "Kéniéba – Ségou : itinéraire le plus court [shortest]" in said
    assert "L'itinéraire le plus court suit " in said and " km ; exposition aux incidents " in said
    assert english_left(said) == []


@pytest.mark.parametrize(("method", "suffix"), [("gistar", ".csv"), ("hex", ".gpkg")])
def test_hotspots_print_french(method, suffix, tmp_path, capsys):
    argv = ["hotspots", "--method", method, "--from", "2019-01-01", "--to", "2019-12-31"]
    said = _french_run(capsys, [*argv, "--out", str(tmp_path / f"h{suffix}")])
    assert said.startswith("hotspots : ") and "1 janv. 2019..31 déc. 2019" in said
    assert "Écartés : " in said and "  écrit " in said
    if method == "gistar":
        assert "points chauds" in said and "unités administratives (niveau 2)" in said
    assert english_left(said) == []


def test_evaluate_prints_french(tmp_path, capsys):
    argv = ["evaluate", "--from", "2019-01-01", "--to", "2019-03-31"]
    said = _french_run(capsys, [*argv, "--out", str(tmp_path / "ev.csv")])
    assert said.startswith("evaluate : ") and "à partir du 1 janv. 2019" in said
    assert "a le mieux prédit" in said or "Aucun incident de test" in said
    assert "écrit " in said
    assert english_left(said) == []


def test_the_analysis_notes_read_in_french(analysis):  # noqa: F811
    from geo.exposure import note_text

    fr = translator("fr")
    notes = [note_text(n, tr=fr) for n in analysis.notes]
    assert notes and all(n != e for n, e in zip(notes, analysis.notes, strict=True))
    assert english_left("\n".join(notes)) == []
    assert [note_text(n) for n in analysis.notes] == list(analysis.notes)


def test_the_progress_line_of_a_big_read_is_french():
    import io

    from geo.io.ingest import terminal_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    progress = terminal_progress("events.csv", out, tr=translator("fr"))
    for stage in ("starting", "reading", "sending", "checking"):
        progress(stage)
    text = out.getvalue()
    assert "events.csv: lecture du fichier et vérification de chaque ligne (" in text
    assert english_left(text) == []


def test_emerging_hot_spots_print_french(tmp_path, capsys):
    argv = ["hotspots", "--method", "emerging", "--step", "quarter"]
    argv += ["--from", "2015-01-01", "--to", "2020-12-31", "--out", str(tmp_path / "em.csv")]
    said = _french_run(capsys, argv)
    assert "  emerging : " in said and "unités administratives (niveau 2)" in said
    assert "du 1 janv. 2015 au 31 déc. 2020" in said and "Point chaud" in said
    assert english_left(said) == []


def test_the_bundled_brief_in_french_has_no_english_analysis_text(tmp_path, capsys):
    # The default window (the last 180 days of the bundled data) holds 24 events:
    # too few for Gi* and the emerging hot spots, so both say why, in French.
    out = tmp_path / "b.pdf"
    assert main(["brief", "--lang", "fr", "--out", str(out)]) == 0
    capsys.readouterr()
    whole = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True)
    flat = " ".join(whole.stdout.split())
    for french in (
        "Gi* demande au moins 30 événements, or les 50 unités n'en comptent que 24",
        "Pas d'analyse des points chauds émergents : le cube compte 24 incidents",
        "Évolution par rapport à 30 jours plus tôt",
        "Mine d'or",
        "Zone industrielle",
        "stable",
        "daté(s) après le 22 janv. 2026 et jusqu'au 29 janv. 2026",  # French dates
        "Pic / km",
        "Odienné, Manankoro et Bougouni",  # the corridor's name (geo.route_names)
        "hors de la période ; ",  # a list joined the French way (Translator.join)
        # a reader's note: "{n} event" no longer swallows the sentence it ends
        "chaque date est prise comme le jour de l'événement",
        "ucdp_ged_mali.csv (ucdp_csv) : 891 lignes lues",  # a merged file's summary
        "Limites administratives du Mali",  # the data sources table (credits stay as cited)
        "domaine public",
    ):
        assert french in flat, french
    for english in (
        "Gi* needs",
        "widen the window",
        "No emerging hot spot",
        "Change against",
        "over the trip",
        "Peak / km",
        "Gold mine",
        "Industrial area",
        "Power plant",
        " flat",
        " medium",
        " low ",
        "left out)",
        "dated after",
        "Manankoro and Bougouni",
        "période; ",
        "of the événement",
        "rows read",
        "public domain",
    ):
        assert english not in flat, english


def test_merge_note_attribution_and_density_unit_read_in_french():
    from geo.exposure import note_text
    from geo.hotspots import density_unit
    from geo.io.bundled import attribution_line
    from geo.matching import duplicates_sentence

    fr = translator("fr")
    assert note_text(duplicates_sentence(20), tr=fr) == (
        "20 événements trouvés dans deux sources, comptés une seule fois."
    )
    assert note_text(duplicates_sentence(1, more_than_two=True), tr=fr).startswith(
        "1 événement trouvé dans deux sources ou plus"
    )
    assert fr.gettext(attribution_line()).startswith("Limites : geoBoundaries (CC BY 4.0)")
    assert density_unit(tr=fr) == "événements par km²"
    assert fr.join(["a", "b"]) == "a ; b"


def test_plan_pdf_in_french_reads_as_a_french_trip_plan(tmp_path, capsys):
    out = tmp_path / "plan.pdf"
    _french_run(
        capsys,
        ["plan", "--from-town", "Kenieba", "--to-town", "Segou", *WINDOW, "--out", str(out)],
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    for french in (
        "Plan de trajet : Kéniéba – Ségou",
        "Itinéraires comparés",
        "Ce que dit le plan",
        "L'itinéraire le plus court suit",
        "À lire avec prudence",
        "Page 1 sur",
    ):
        assert french in flat, french
    assert "Trip plan" not in flat and "Routes compared" not in flat
    assert english_left(text, areas=("cli", "geo", "export")) == []
