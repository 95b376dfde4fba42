"""Cross-source duplicates (geo.matching, METHODS.md §5): small cases, a log over UCDP events."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree

from geo.cli import main
from geo.crs import GEOD, METRIC_CRS, WGS84
from geo.io.incidents import read_incidents
from geo.log import open_log
from geo.matching import find_duplicates, merge_notes, merge_sources
from geo.pipeline import Filters, Params, load_context, prepare_incidents, run_analysis
from geo.settings import BUNDLED


def _events(rows):
    """Synthetic events (not real): source, id, date, lon, lat, category, precisions."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "source",
            "event_id",
            "event_date",
            "lon",
            "lat",
            "category",
            "geo_precision",
            "date_precision",
        ],
    )
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84
    )


def _east(lon, lat, km):
    lon2, lat2, _ = GEOD.fwd(lon, lat, 90.0, km * 1000.0)
    return lon2, lat2


def test_a_pair_within_the_windows_is_linked_to_the_priority_source():
    lon, lat = _east(-8.0, 12.6, 4.0)
    ev = _events(
        [
            ("log", "log-1", "2024-03-02", lon, lat, "attack_on_convoy", 1, "day"),
            ("acled", "A1", "2024-03-01", -8.0, 12.6, "armed_attack", 1, "day"),
        ]
    )
    assert list(find_duplicates(ev)) == ["acled:A1", ""]


@pytest.mark.parametrize(
    ("row", "why"),
    [
        (("log", "log-1", "2024-03-03", -8.0, 12.6, "armed_attack", 1, "day"), "2 days apart"),
        (
            ("log", "log-1", "2024-03-01", *_east(-8.0, 12.6, 5.5), "armed_attack", 1, "day"),
            "5.5 km apart",
        ),
        (("log", "log-1", "2024-03-01", -8.0, 12.6, "unrest", 1, "day"), "incompatible"),
        (("acled", "A2", "2024-03-01", -8.0, 12.6, "armed_attack", 1, "day"), "same source"),
    ],
)
def test_pairs_outside_the_rule_stay_apart(row, why):
    ev = _events([("acled", "A1", "2024-03-01", -8.0, 12.6, "armed_attack", 1, "day"), row])
    assert list(find_duplicates(ev)) == ["", ""], why


def test_precision_widens_the_windows():
    # 9 km apart: over the 5 km window, inside it when one point is "near a place" (+5 km).
    far = _east(-8.0, 12.6, 9.0)
    exact = _events(
        [
            ("acled", "A1", "2024-03-01", -8.0, 12.6, "armed_attack", 1, "day"),
            ("log", "L", "2024-03-01", *far, "armed_attack", 1, "day"),
        ]
    )
    near = _events(
        [
            ("acled", "A1", "2024-03-01", -8.0, 12.6, "armed_attack", 2, "day"),
            ("log", "L", "2024-03-01", *far, "armed_attack", 1, "day"),
        ]
    )
    assert list(find_duplicates(exact)) == ["", ""]
    assert list(find_duplicates(near)) == ["", "acled:A1"]
    # 5 days apart: a week-dated report (+6 days) reaches it.
    week = _events(
        [
            ("acled", "A1", "2024-03-01", -8.0, 12.6, "armed_attack", 1, "day"),
            ("log", "L", "2024-03-06", -8.0, 12.6, "armed_attack", 1, "week"),
        ]
    )
    assert list(find_duplicates(week)) == ["", "acled:A1"]


def test_a_cluster_holds_one_event_per_source():
    # Two ACLED events on one day 2 km apart and one log report between them:
    # the report joins the nearer one; the two ACLED events are never merged.
    ev = _events(
        [
            ("acled", "A1", "2024-03-01", -8.0, 12.6, "armed_attack", 1, "day"),
            ("acled", "A2", "2024-03-01", *_east(-8.0, 12.6, 2.0), "armed_attack", 1, "day"),
            ("log", "L", "2024-03-01", *_east(-8.0, 12.6, 1.5), "armed_attack", 1, "day"),
        ]
    )
    assert list(find_duplicates(ev)) == ["", "", "acled:A2"]


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def ucdp_and_team_log(tmp_path_factory):
    """The bundled UCDP GED Mali events as the "export" and a team log of 20 of them.

    The UCDP rows are real (CC BY 4.0). The log entries are synthetic copies of 20
    of them as a team would record them: one day later, 4.9 km east, with our own
    category word for the same event. The 20 are the 2019 events with no other UCDP
    event within 3 days and 30 km, so which event each copy belongs to is clear.
    """
    path = BUNDLED.ucdp_mali
    result = read_incidents(path, name=path.name)
    ucdp = result.incidents
    in_2019 = ucdp[ucdp["event_date"].dt.year == 2019]
    xy = (
        np.column_stack(
            [in_2019.to_crs(METRIC_CRS).geometry.x, in_2019.to_crs(METRIC_CRS).geometry.y]
        )
        / 1000
    )
    days = in_2019["event_date"].to_numpy("datetime64[D]").astype(int)
    tree = cKDTree(xy)
    lonely = [
        k
        for k, near in enumerate(tree.query_ball_point(xy, r=30.0))
        if all(abs(days[j] - days[k]) > 3 for j in near if j != k)
    ]
    chosen = in_2019.iloc[lonely[:20]]
    assert len(chosen) == 20
    log = open_log(tmp_path_factory.mktemp("team") / "log.gpkg")
    records = []
    for row in chosen.itertuples():
        lon, lat = _east(row.geometry.x, row.geometry.y, 4.9)
        records.append(
            {
                "event_date": (row.event_date + pd.Timedelta(days=1)).date(),
                "lon": lon,
                "lat": lat,
                "category": row.category,
                "fatalities": row.fatalities,
                "notes": "Synthetic team entry for a UCDP event (test).",
                "grading": "B2",
            }
        )
    ids = log.add_many(records, author="team")
    return path, result, log, dict(zip(ids, chosen["event_id"], strict=True))


def test_the_log_gives_the_exports_key_figures_with_20_duplicates(ucdp_and_team_log):
    path, result, log, truth = ucdp_and_team_log
    merged = merge_sources(
        result.incidents, log.incidents(), result.report, extra_label="the incident log log.gpkg"
    )
    assert merged.n_events == 20 and len(merged.duplicates) == 20
    linked = dict(
        zip(merged.duplicates["event_id"], merged.duplicates["duplicate_of"], strict=True)
    )
    assert linked == {f"log-{i}": f"ucdp:{e}" for i, e in truth.items()}
    assert "20 events found in two sources, counted once." in merged.report.notes

    context = load_context()
    window = Filters(start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31))
    params = Params(as_of=dt.date(2019, 12, 31))
    alone = run_analysis(
        prepare_incidents(result.incidents, context), result.report, window, params, context=context
    )
    both = run_analysis(
        prepare_incidents(merged.incidents, context), merged.report, window, params, context=context
    )
    assert both.key_figures == alone.key_figures
    assert "20 events found in two sources, counted once." in both.notes
    assert merge_notes(alone.report) == []


def test_join_writes_duplicate_of(ucdp_and_team_log, tmp_path, capsys):
    path, _, log, truth = ucdp_and_team_log
    out = tmp_path / "join.csv"
    code = main(
        [
            "join",
            "--incidents",
            str(path),
            "--log",
            str(log.path),
            "--from",
            "2019-01-01",
            "--to",
            "2019-12-31",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out, keep_default_na=False)
    copies = table[table["duplicate_of"] != ""]
    assert dict(zip(copies["event_id"], copies["duplicate_of"], strict=True)) == {
        f"log-{i}": f"ucdp:{e}" for i, e in truth.items()
    }
    assert (table["source"] == "ucdp").sum() == len(table) - 20
    assert "20 rows are copies" in capsys.readouterr().out


def test_a_copy_at_the_very_same_point_is_linked():
    ev = _events(
        [
            ("acled", "A1", "2024-03-01", -8.0, 12.6, "armed_attack", 1, "day"),
            ("log", "L", "2024-03-01", -8.0, 12.6, "armed_attack", 1, "day"),
        ]
    )
    assert list(find_duplicates(ev)) == ["", "acled:A1"]
