"""Tests for geo.briefing (since-list, what changed) and ``brief --since``, on bundled real data.

The bundled incidents are real (UCDP GED 21.1 extracts and the cited news log);
the window 2020-07-03..2020-12-29 holds a UCDP event near Didiéni on the
Dakar-Bamako corridor and central Mali's 2020 violence.
"""

from __future__ import annotations

import datetime as dt
import subprocess

import pandas as pd
import pytest

from geo.briefing import SINCE_COLUMNS, default_since, format_since, since_incidents, what_changed
from geo.cli import main
from geo.errors import ParameterError
from geo.io.incidents import load_bundled_incidents
from geo.pipeline import Filters, Params, load_context, prepare_incidents, run_analysis

AS_OF = dt.date(2020, 12, 29)


@pytest.fixture(scope="module")
def context():
    return load_context()


@pytest.fixture(scope="module")
def analysis(context):
    result = load_bundled_incidents()
    assigned = prepare_incidents(result.incidents, context)
    return run_analysis(
        assigned,
        result.report,
        Filters(start=dt.date(2020, 7, 3), end=AS_OF),
        Params(as_of=AS_OF),
        context=context,
    )


def _since(analysis, context, since):
    return since_incidents(
        analysis.incidents,
        sites=analysis.sites,
        segments=analysis.segments,
        towns=context.towns,
        since=since,
        as_of=AS_OF,
    )


def test_default_since_is_seven_days_before_the_analysis_date():
    assert default_since(AS_OF) == dt.date(2020, 12, 22)
    assert default_since("2024-03-01", days=1) == dt.date(2024, 2, 29)


def test_since_list_places_the_didieni_event_on_its_nearest_stretch_once(analysis, context):
    table = _since(analysis, context, "2020-07-03")
    assert list(table.columns) == SINCE_COLUMNS
    corridor = table[table["place_kind"] == "corridor"]
    assert len(corridor) == 1  # several segments of one route are within 25 km: the nearest
    row = corridor.iloc[0]
    assert "Didiéni" in row["place"] and row["nearest_town"] == "Didiéni"
    assert row["distance_km"] <= 25.0 and row["nearest_town_km"] < 5
    assert pd.Timestamp(row["event_date"]) == pd.Timestamp("2020-09-22")
    assert table["place_exposure"].is_monotonic_decreasing
    assert table.attrs["n_since"] == (
        (pd.to_datetime(analysis.incidents["event_date"]) > "2020-07-03").sum()
    )
    assert table.attrs["n_listed"] == table["event_id"].nunique()


def test_since_list_is_empty_but_counted_when_nothing_is_near(analysis, context):
    table = _since(analysis, context, "2020-12-01")
    assert len(table) == 0 and table.attrs["n_since"] > 0
    assert "0 within 30 km" in format_since(table)


def test_since_after_the_analysis_date_is_refused(analysis, context):
    with pytest.raises(ParameterError, match="after the analysis date"):
        _since(analysis, context, "2021-01-05")


def test_what_changed_names_central_mali_units_turning_hot(analysis, context):
    changes = what_changed(analysis, towns=context.towns, since="2020-07-03")
    assert changes.emerging is not None and changes.emerging_message is None
    assert changes.emerging.settings["steps"] == 6
    assert "Koro: consecutive hot spot, 3 of 6 months hot." in changes.became_hot
    assert changes.since.attrs["since"] == "2020-07-03"


def test_brief_since_prints_the_list_and_the_pdf_has_what_changed(tmp_path, capsys):
    out = tmp_path / "brief.pdf"
    argv = ["brief", "--from", "2020-07-03", "--to", "2020-12-29", "--since", "2020-07-03"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "After 2020-07-03 (to 2020-12-29)" in printed and "Didiéni" in printed
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "What changed" in text and "Koro: consecutive hot spot" in text
    assert "New since 2020-07-03" in text and "Didiéni" in text
