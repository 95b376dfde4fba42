"""Parquet and GeoParquet through the sandboxed reader; ``join --out J.parquet`` (issue 16 item 4).

Fixtures are SYNTHETIC, built here: two events at OSM town points (Bamako
-8.00034 12.64932, Kayes -11.43793 14.44341), one with an impossible latitude
so that exactly one row is rejected.
"""

from __future__ import annotations

import datetime as dt
import io

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from geo.cli import main
from geo.errors import InputFileError
from geo.io.ingest import ingest_upload

TODAY = dt.date(2026, 1, 1)
BAMAKO = (-8.00034, 12.64932)
KAYES = (-11.43793, 14.44341)


def plain_parquet() -> bytes:
    frame = pd.DataFrame(
        {
            "event_id": ["P-1", "P-2", "P-3"],
            "event_date": pd.to_datetime(["2025-04-03", "2025-04-04", "2025-04-05"]),
            "latitude": [BAMAKO[1], KAYES[1], 95.0],
            "longitude": [BAMAKO[0], KAYES[0], -8.0],
            "fatalities": [3, None, 1],
            "event_type": ["Battles", "Riots", "Battles"],
        }
    )
    buf = io.BytesIO()
    frame.to_parquet(buf)
    return buf.getvalue()


def geoparquet(crs: int = 4326) -> bytes:
    gdf = gpd.GeoDataFrame(
        {"event_id": ["G-1", "G-2"], "event_date": ["2025-04-03", "2025-04-04"]},
        geometry=[shapely.Point(*BAMAKO), shapely.Point(*KAYES)],
        crs=4326,
    ).to_crs(crs)
    buf = io.BytesIO()
    gdf.to_parquet(buf)
    return buf.getvalue()


def test_plain_parquet_follows_the_csv_row_rules():
    result = ingest_upload(plain_parquet(), name="events.parquet", today=TODAY)
    assert result.report.format == "parquet"
    assert (result.report.rows_in, result.report.rows_kept) == (3, 2)
    assert [i.to_line() for i in result.report.issues if i.action == "rejected"] == [
        "events.parquet, row 4, column 'latitude': 95.0 is outside -90..90; row rejected."
    ]
    assert result.incidents["fatalities"].tolist() == [3, 0]
    assert result.incidents["event_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-04-03",
        "2025-04-04",
    ]


@pytest.mark.parametrize("crs", [4326, 32629])
def test_geoparquet_points_come_back_in_lon_lat(crs):
    result = ingest_upload(geoparquet(crs), name="events.parquet", today=TODAY)
    got = [(round(g.x, 5), round(g.y, 5)) for g in result.incidents.geometry]
    assert got == [BAMAKO, KAYES]


def test_broken_parquet_is_one_clear_line():
    data = plain_parquet()
    broken = data[:8] + bytes(len(data) - 12) + data[-4:]
    with pytest.raises(InputFileError, match=r"^events\.parquet is not a readable Parquet file"):
        ingest_upload(broken, name="events.parquet")


def test_join_reads_parquet_and_writes_geoparquet_atomically(tmp_path):
    source = tmp_path / "events.parquet"
    source.write_bytes(geoparquet())
    out = tmp_path / "joined.parquet"
    assert main(["join", "--incidents", str(source), "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.parquet", "joined.parquet"]
    assert b"geo" in pq.ParquetFile(out).schema_arrow.metadata
    joined = gpd.read_parquet(out)
    assert joined["event_id"].tolist() == ["G-1", "G-2"]
    assert joined["admin2"].tolist() == ["Bamako", "Kayes"]
    assert joined.crs.to_epsg() == 4326
