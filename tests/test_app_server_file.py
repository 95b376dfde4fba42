"""``streamlit run app.py -- --incidents FILE``: the app reads a file from the server's disk.

The file is SYNTHETIC, built here: three events at Bamako (OSM town point
-8.00034 12.64932) in April 2025, written as GeoParquet. The page, driven with
AppTest in this process, must count exactly those three in its key figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import shapely
from streamlit.testing.v1 import AppTest

from geo.io import ingest
from ui import data
from ui.data import server_incidents_path

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_arguments_after_the_double_dash_name_the_file(tmp_path):
    assert server_incidents_path(["--incidents", "x.parquet"]) == Path("x.parquet").absolute()
    assert server_incidents_path(["--other", "1"]) is None


def test_app_opens_the_server_file_through_the_sandbox(tmp_path, monkeypatch):
    path = tmp_path / "events.parquet"
    gpd.GeoDataFrame(
        {
            "event_id": ["S-1", "S-2", "S-3"],
            "event_date": ["2025-04-01", "2025-04-02", "2025-04-03"],
            "event_type": ["Battles"] * 3,
            "fatalities": [1, 2, 3],
        },
        geometry=[shapely.Point(-8.00034, 12.64932)] * 3,
        crs=4326,
    ).to_parquet(path)
    kinds, stages = [], []
    real = ingest._run_worker
    monkeypatch.setattr(
        ingest, "_run_worker", lambda r, *a, **k: kinds.append(r) or real(r, *a, **k)
    )
    real_file = data.ingest_file
    monkeypatch.setattr(
        data,
        "ingest_file",
        lambda p, *, progress: real_file(p, progress=lambda s: stages.append(s) or progress(s)),
    )
    monkeypatch.setattr(sys, "argv", [APP, "--incidents", str(path)])
    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [(r["kind"], r["name"]) for r in kinds] == [("incidents", "events.parquet")]
    assert {m.label: m.value for m in at.metric}["Incidents"] == "3"
    assert stages[-1] == "checking" and set(stages) <= set(ingest.STAGES)
    assert not at.get("progress")  # the bar is gone once the map is there
    # A second session reuses the read: its progress bar is replayed from the cache.
    again = AppTest.from_file(APP, default_timeout=240)
    again.run()
    assert not again.exception, [e.value for e in again.exception]
    assert len(kinds) == 1 and {m.label: m.value for m in again.metric}["Incidents"] == "3"
