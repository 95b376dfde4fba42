"""``streamlit run app.py -- --incidents FILE`` for real: server, headless Chromium, offline.

The file is SYNTHETIC, built here: three events at Bamako (OSM town point
-8.00034 12.64932) in April 2025, as GeoParquet. The page must count exactly
those three and draw the Hotspots map without a request leaving the machine.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from browser_util import offline_browser, running_app, wait_for_app, wait_for_map


@pytest.mark.slow
def test_app_started_with_a_server_file_shows_its_incidents(tmp_path):
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
    with running_app(extra_args=("--", "--incidents", str(path))) as url:
        with offline_browser(viewport=(1500, 1300)) as (context, blocked):
            page = context.new_page()
            page.goto(url, wait_until="domcontentloaded")
            wait_for_app(page)
            metric = page.get_by_test_id("stMetric").filter(has_text="Incidents").first
            assert metric.get_by_test_id("stMetricValue").inner_text().strip() == "3"
            assert wait_for_map(page) > 0
            assert blocked.urls == [], f"requests left the machine: {blocked.urls[:5]}"
