"""One analysis run on the bundled data: figures agree with direct counts, filters apply."""

import datetime as dt

import pytest

from geo.errors import ParameterError
from geo.io.incidents import load_bundled_incidents
from geo.pipeline import Filters, Params, load_context, prepare_incidents, run_analysis


@pytest.fixture(scope="module")
def bundled():
    context = load_context()
    read = load_bundled_incidents()
    return context, read, prepare_incidents(read.incidents, context)


def _run(bundled, start, end, **filters):
    context, read, assigned = bundled
    return run_analysis(
        assigned,
        read.report,
        Filters(start=start, end=end, **filters),
        Params(as_of=end),
        context=context,
    )


def test_news_window_key_figures_match_direct_counts(bundled):
    _, read, _ = bundled
    start, end = dt.date(2025, 5, 1), dt.date(2025, 11, 20)
    result = _run(bundled, start, end)
    events = read.incidents
    mask = (events["event_date"] >= "2025-05-01") & (events["event_date"] <= "2025-11-20")
    assert result.key_figures["incidents"] == int(mask.sum())
    assert result.key_figures["convoy_attacks"] == int(
        (events.loc[mask, "category"] == "attack_on_convoy").sum()
    )
    assert result.key_figures["fatalities"] == int(events.loc[mask, "fatalities"].sum())
    # every event is in the window, outside it, or filtered out
    assert result.key_figures["incidents"] + result.left_out[
        "outside the window"
    ] + result.left_out["filtered out (category, source or actor)"] == len(events)
    assert int(result.admin_stats["incidents"].sum()) <= result.key_figures["incidents"]
    assert result.sources == ["News-compiled logs 2021-2026 (cited reports)"]
    # the worst stretches name real towns on the corridors
    assert result.worst_stretches["town_from"].str.len().gt(0).all()
    assert set(result.route_summary["route_id"]) == {
        "dakar_bamako_north",
        "dakar_bamako_south",
        "abidjan_bamako_sikasso",
        "abidjan_bamako_odienne",
    }


def test_category_filter_changes_the_figures(bundled):
    start, end = dt.date(2025, 5, 1), dt.date(2025, 11, 20)
    everything = _run(bundled, start, end)
    convoys = _run(bundled, start, end, categories=("attack_on_convoy",))
    assert convoys.key_figures["incidents"] == everything.key_figures["convoy_attacks"]
    assert convoys.key_figures["abductions"] == 0
    assert convoys.left_out["filtered out (category, source or actor)"] > 0


def test_empty_window_is_a_result_not_an_error(bundled):
    # UCDP ends in 2020 and the first news incident is of 2021-03-01
    result = _run(bundled, dt.date(2021, 1, 1), dt.date(2021, 2, 28))
    assert result.key_figures["incidents"] == 0
    assert result.kde is None
    assert len(result.hexes) == 0
    assert "No incident in this window and these filters." in result.notes
    assert result.gistar is None and result.gistar_message


def test_previous_window_is_counted(bundled):
    result = _run(bundled, dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert result.key_figures["prev_incidents"] > 0
    assert result.sources == ["UCDP GED 21.1 (CC BY 4.0)"]


def test_bad_options_are_refused(bundled):
    context, read, assigned = bundled
    with pytest.raises(ParameterError, match="admin_level"):
        run_analysis(
            assigned,
            read.report,
            Filters(start=dt.date(2020, 1, 1), end=dt.date(2020, 2, 1)),
            Params(as_of=dt.date(2020, 2, 1), admin_level=7),
            context=context,
        )
    with pytest.raises(ParameterError, match="after end date"):
        _run(bundled, dt.date(2020, 2, 1), dt.date(2020, 1, 1))
