"""``python -m geo log ...`` as a user runs it, on both backends (GeoPackage file, real PostGIS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyogrio
import pytest

from geo.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).parent / "fixtures" / "incidents"


@pytest.fixture
def geo_log(capsys, monkeypatch):
    """Run ``python -m geo log ...`` in this process (the parser and exit codes of the CLI)."""
    monkeypatch.delenv("SAHEL_RISK_LOG", raising=False)

    def run(*args, log, author="amina"):
        monkeypatch.setenv("SAHEL_RISK_AUTHOR", author)
        capsys.readouterr()
        try:
            code = main(["log", *map(str, args), "--log", log])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return run


def test_the_command_runs_as_a_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAHEL_RISK_LOG": str(tmp_path / "l.gpkg")}
    proc = subprocess.run(
        [sys.executable, "-m", "geo", "log", "list", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def ok(proc):
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_add_list_edit_delete_history(geo_log, log_target):
    out = ok(
        geo_log(
            "add",
            "--date",
            "2025-05-04",
            "--place",
            "Kenieba",
            "--category",
            "abduction",
            "--reliability",
            "B2",
            "--source",
            "site guard",
            "--notes",
            "Synthetic test entry.",
            "--victims",
            "2",
            "--nationalities",
            "Chinese",
            log=log_target,
        )
    )
    assert out.startswith("added incident 1 ")
    ok(
        geo_log(
            "add",
            "--date",
            "2025-05-06",
            "--lat",
            "12.1",
            "--lon",
            "-8.0",
            "--category",
            "explosive",
            log=log_target,
        )
    )
    ok(
        geo_log(
            "edit",
            "1",
            "--fatalities",
            "1",
            "--reason",
            "hospital",
            log=log_target,
            author="bakary",
        )
    )
    ok(geo_log("delete", "2", "--reason", "duplicate", log=log_target))
    rows = json.loads(ok(geo_log("list", "--json", log=log_target)))
    assert isinstance(rows, list) and len(rows) == 1
    (row,) = rows
    assert row["location"] == "Kéniéba" and row["geo_precision"] == 1
    assert (row["reliability"], row["credibility"]) == ("B", 2)
    assert (row["fatalities"], row["victims"], row["victim_nationalities"]) == (1, 2, "Chinese")
    assert row["report_source"] == "site guard" and row["author"] == "bakary"
    history = json.loads(ok(geo_log("history", "1", "--json", log=log_target)))
    assert [(h["action"], h["author"]) for h in history] == [("add", "amina"), ("edit", "bakary")]
    text = ok(geo_log("history", "2", log=log_target))
    assert "revision 2: delete by amina" in text and "(duplicate)" in text


def test_bad_input_is_one_line_and_writes_nothing(geo_log, log_target):
    proc = geo_log(
        "add", "--date", "2025-05-04", "--place", "Xyzzz", "--category", "abduction", log=log_target
    )
    assert proc.returncode == 2 and proc.stderr.startswith("error: Unknown town 'Xyzzz'")
    proc = geo_log(
        "add",
        "--date",
        "2025-05-04",
        "--lat",
        "12",
        "--lon",
        "-8",
        "--category",
        "abduction",
        "--reliability",
        "Z9",
        log=log_target,
    )
    assert proc.returncode == 2 and "grading 'Z9'" in proc.stderr
    proc = geo_log("add", "--lat", "12", "--lon", "-8", log=log_target)
    assert proc.returncode == 2 and "--date, --category" in proc.stderr
    assert json.loads(ok(geo_log("list", "--json", log=log_target))) == []


def test_import_reports_and_writes_the_kept_rows_once(geo_log, log_target):
    proc = geo_log("import", FIX / "acled_2023.csv", log=log_target)
    out = ok(proc)
    assert "acled_2023.csv (acled" in proc.stderr  # the validation report
    n = int(out.split()[1])
    rows = json.loads(ok(geo_log("list", "--json", log=log_target)))
    assert len(rows) == n > 0
    assert all(r["origin"].startswith("acled:MLI9") for r in rows)
    assert {r["author"] for r in rows} == {"amina"}


def test_export_gpkg_and_csv(geo_log, log_target, tmp_path):
    ok(
        geo_log(
            "add",
            "--date",
            "2025-05-04",
            "--lat",
            "12.84",
            "--lon",
            "-11.24",
            "--category",
            "abduction",
            "--notes",
            "Synthetic, with a comma",
            log=log_target,
        )
    )
    ok(geo_log("export", tmp_path / "log.gpkg", log=log_target))
    ok(geo_log("export", tmp_path / "log.csv", log=log_target))
    gpkg = pyogrio.read_dataframe(tmp_path / "log.gpkg")
    assert len(gpkg) == 1 and gpkg.crs.to_epsg() == 4326
    assert gpkg.geometry.iloc[0].x == pytest.approx(-11.24)
    csv = pd.read_csv(tmp_path / "log.csv")
    assert list(csv["notes"]) == ["Synthetic, with a comma"]
    proc = geo_log("export", tmp_path / "log.xlsx", log=log_target)
    assert proc.returncode == 2 and not (tmp_path / "log.xlsx").exists()


@pytest.mark.parametrize(
    "command", ["join", "hotspots", "exposure", "sites", "brief", "plan", "evaluate"]
)
def test_every_analysis_command_takes_log(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "--log PATH_OR_URL" in capsys.readouterr().out
