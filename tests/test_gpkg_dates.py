"""GeoPackage date types: calendar dates are DATE, times UTC DATETIME with Z (issue 10 item 7).

Checked by reading what SQLite holds: the declared column types of the written
table (the GeoPackage spec's Table 1 data types) and the stored text. The
frames are SYNTHETIC: two rows at the 1-degree square's corner (-8, 12).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.export import tabular, vector
from tests.test_export import make_analysis


def declared_types(path: Path, table: str) -> dict[str, str]:
    with sqlite3.connect(path) as con:
        return {row[1]: row[2] for row in con.execute(f'PRAGMA table_info("{table}")')}


def stored(path: Path, table: str, column: str) -> list[str | None]:
    with sqlite3.connect(path) as con:
        return [r[0] for r in con.execute(f'SELECT "{column}" FROM "{table}" ORDER BY fid')]


def synthetic() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "event_date": pd.to_datetime(["2025-07-01", None]),
            "read_at": pd.to_datetime(["2025-07-01 10:30:00", "2025-07-02 23:59:59"]),
            "sent_at": pd.to_datetime(["2025-07-01 12:00:00+02:00", "2025-07-03 01:30:00+02:00"]),
        },
        geometry=[shapely.Point(-8.0, 12.0)] * 2,
        crs=4326,
    )


def test_table_bytes_writes_date_and_utc_datetime(tmp_path):
    path = tmp_path / "t.gpkg"
    path.write_bytes(tabular.table_bytes(synthetic(), fmt="GPKG", layer="t"))
    types = declared_types(path, "t")
    assert (types["event_date"], types["read_at"], types["sent_at"]) == (
        "DATE",
        "DATETIME",
        "DATETIME",
    )
    assert stored(path, "t", "event_date") == ["2025-07-01", None]
    assert stored(path, "t", "read_at") == ["2025-07-01T10:30:00Z", "2025-07-02T23:59:59Z"]
    # +02:00 becomes UTC: 12:00 -> 10:00, and 01:30 on the 3rd -> 23:30 on the 2nd
    assert stored(path, "t", "sent_at") == ["2025-07-01T10:00:00Z", "2025-07-02T23:30:00Z"]


def test_analysis_geopackage_stores_event_dates_as_date(tmp_path):
    analysis = make_analysis()
    path = vector.export_gpkg(analysis, tmp_path / "layers.gpkg")
    assert declared_types(path, "incidents_used")["event_date"] == "DATE"
    expected = pd.to_datetime(analysis.incidents["event_date"]).dt.strftime("%Y-%m-%d")
    assert stored(path, "incidents_used", "event_date") == expected.tolist()
    for table in ("incidents_used", "admin_stats", "route_segments", "sites"):
        for column, kind in declared_types(path, table).items():
            if kind == "DATETIME":
                assert all(v is None or v.endswith("Z") for v in stored(path, table, column))
