"""Tests of ``python -m geo validate`` run as a user would, in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).parent / "fixtures" / "incidents"


def run(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "geo", "validate", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def assert_one_line_error(proc, fragment):
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1, proc.stderr
    assert err[0].startswith("error: ") and fragment in err[0], err[0]
    assert "Traceback" not in proc.stderr + proc.stdout


def test_good_file_exit_0_counts_first():
    proc = run(FIX / "coordinates.csv")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0] == (
        "coordinates.csv (csv): 9 rows read, 3 kept (2 repaired, 0 flagged), 6 rejected."
    )
    assert "coordinates.csv, row 4, column 'lat': 95.2 is outside -90..90; row rejected." in out
    assert proc.stderr == ""


def test_json_output_is_the_report():
    proc = run(FIX / "duplicates.csv", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["rows_in"] == 3 and report["rows_kept"] == 2 and report["n_rejected"] == 1
    assert report["rejected_rows"] == [["duplicates.csv", 4]]
    assert report["format"] == "acled_csv"


def test_bundled_news_log():
    proc = run(ROOT / "data" / "incidents" / "news_events_western_mali.csv", "--max-issues", "2")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0] == (
        "news_events_western_mali.csv (news_csv): 40 rows read, 40 kept "
        "(35 repaired, 0 flagged), 0 rejected."
    )
    assert out[-1] == "... and 33 more problems not shown."


def test_nothing_usable_exit_2(tmp_path):
    path = tmp_path / "all_bad.csv"
    path.write_text("id,date,lat,lon\nX1,2025-01-01,95,-8\nX2,2025-01-01,,-8\n")
    proc = run(path)
    assert proc.stdout.splitlines()[0].endswith(
        "2 rows read, 0 kept (0 repaired, 0 flagged), 2 rejected."
    )
    assert_one_line_error(proc, "all_bad.csv: no usable rows (2 read, 2 rejected)")


@pytest.mark.parametrize(
    ("arg", "fragment"),
    [
        ("http://127.0.0.1:9/x.csv", "is not a local file path"),
        ("/vsicurl/http://127.0.0.1:9/x.csv", "is not a local file path"),
        ("/vsizip//tmp/x.zip/a.csv", "is not a local file path"),
        ("PG:dbname=x", "is not a local file path"),
        ("CSV:/etc/hostname", "is not a local file path"),
        ("missing.csv", "missing.csv: no such file"),
    ],
)
def test_refused_paths_one_line(arg, fragment):
    assert_one_line_error(run(arg), fragment)


def test_unreadable_file_one_line(tmp_path):
    path = tmp_path / "vrt.csv"
    path.write_text("<OGRVRTDataSource><OGRVRTLayer name='x'/></OGRVRTDataSource>")
    assert_one_line_error(run(path), "looks like XML or a GDAL VRT")
    path = tmp_path / "map.kml"
    path.write_text("<kml/>")
    assert_one_line_error(run(path), "files ending '.kml' are not accepted")


def test_bad_format_option_is_a_usage_error():
    proc = run(FIX / "acled_2023.csv", "--format", "kml")
    assert proc.returncode == 2
    assert "invalid choice: 'kml'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_local_name_with_colon_via_dot_slash(tmp_path):
    (tmp_path / "notes:2025.csv").write_text("id,date,lat,lon\nX,2025-01-01,12.6,-8.0\n")
    assert_one_line_error(run("notes:2025.csv", cwd=tmp_path), "is not a local file path")
    proc = run("./notes:2025.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
