"""Tests for ``python -m geo brief`` on the bundled data and the synthetic reader fixtures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
from PIL import Image

from geo.cli import main

REPO = Path(__file__).resolve().parent.parent
NEWS_SMALL = REPO / "tests" / "fixtures" / "incidents" / "news_small.csv"
WINDOW = ["--from", "2025-05-01", "--to", "2025-11-20"]


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())


def test_brief_pdf_on_bundled_data(tmp_path, capsys):
    out = tmp_path / "brief.pdf"
    assert main(["brief", *WINDOW, "--out", str(out)]) == 0
    said = capsys.readouterr().out.strip()
    assert said.startswith(f"wrote {out} (") and "bytes)" in said and "Left out:" in said
    text = _text(out)
    assert "Incident exposure briefing" in text
    assert "Period 2025-05-01 to 2025-11-20 (204 days)" in text
    assert "RESTRICTED" in text and "Left out, and why" in text
    assert [p.name for p in tmp_path.iterdir()] == ["brief.pdf"]


def test_brief_png_share_safe(tmp_path):
    out = tmp_path / "map.png"
    assert main(["brief", *WINDOW, "--share-safe", "--handling", "SECRET", "--out", str(out)]) == 0
    with Image.open(out) as im:
        assert im.width >= 1600
        prov = json.loads(im.text["provenance"])
        assert prov["shared"] is True and im.text["Warning"] == "SECRET"


def test_brief_gpkg_from_a_user_file(tmp_path):
    out = tmp_path / "layers.gpkg"
    # news_small.csv: 3 synthetic rows, 2025-09-14 .. 2025-10 (tests/fixtures/incidents/README.md)
    args = ["brief", "--incidents", str(NEWS_SMALL), *WINDOW, "--out", str(out)]
    assert main(args) == 0
    assert pyogrio.read_info(out, layer="incidents_used")["features"] == 3
    prov = pyogrio.read_dataframe(out, layer="provenance")
    record = json.loads(prov.loc[prov["key"] == "provenance_json", "value"].iloc[0])
    assert record["validation"]["rows_in"] == 3 and record["validation"]["kept"] == 3


def test_brief_html_is_offline(tmp_path):
    out = tmp_path / "map.html"
    assert main(["brief", *WINDOW, "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert '<meta name="sahel-risk-map-provenance"' in page
    assert "L.map(" in page or "L.map (" in page
    assert "<script src=" not in page and "cdn.jsdelivr" not in page


def test_brief_empty_window_gives_a_briefing_that_says_so(tmp_path):
    out = tmp_path / "empty.pdf"
    # nothing bundled covers 2021-01..02 (UCDP GED 21.1 ends in 2020, the news from 2021-03)
    assert main(["brief", "--from", "2021-01-01", "--to", "2021-02-28", "--out", str(out)]) == 0
    assert "No incidents in this window with the filters used." in _text(out)


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["--from", "2025-13-01"], "is not a calendar date", id="bad date"),
        pytest.param(["--from", "2025-06-01", "--to", "2025-05-01"], "is after --to", id="from>to"),
        pytest.param(["--handling", "X" * 80], "keep it to 60", id="long caveat"),
        pytest.param(["--incidents", "http://example.org/x.csv"], "not a local file", id="url"),
    ],
)
def test_brief_bad_input_is_one_line_and_no_file(tmp_path, capsys, args, message):
    out = tmp_path / "brief.pdf"
    try:
        code = main(["brief", *args, "--out", str(out)])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "out, message",
    [
        pytest.param("missing/brief.pdf", "does not exist", id="missing folder"),
        pytest.param("brief.docx", "is not a briefing format", id="suffix"),
        pytest.param("/vsimem/brief.pdf", "not a local file", id="gdal prefix"),
    ],
)
def test_brief_bad_out_is_refused_before_any_work(tmp_path, capsys, monkeypatch, out, message):
    monkeypatch.chdir(tmp_path)
    assert main(["brief", "--out", out]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_brief_exit_code_from_a_real_process(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "geo", "brief", "--to", "2025-02-30", "--out", "x.pdf"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("'2025-02-30' is not a calendar date (YYYY-MM-DD)")
    assert list(tmp_path.iterdir()) == []
