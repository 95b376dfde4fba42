"""The Streamlit page driven headless with ``streamlit.testing.v1.AppTest``.

Each test starts a fresh session of ``app.py`` on the bundled data (caches are
shared by the process, as on a real server). The upload tests use a small
SYNTHETIC CSV (below): its coordinates are the bundled OpenStreetMap points of
Bamako, Kayes and Ségou (tests/fixtures/incidents/README.md), its events are
made up, and two rows are broken on purpose.
"""

from __future__ import annotations

import doctest
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui.about
import ui.chrome
import ui.data
import ui.hotspots
import ui.maps
import ui.routes
import ui.sites
import ui.state
from ui.state import TABS

APP = str(Path(__file__).resolve().parent.parent / "app.py")

# SYNTHETIC test data: three good rows at real town points, two bad rows (CSV rows 5 and 6,
# the header being row 1): latitude 95.2 and a blank latitude. Checked by hand: 5 rows read,
# 3 kept, 2 rejected.
BAD_ROWS_CSV = b"""id,date,lat,lon,type,location,notes
T1,2025-03-01,12.64932,-8.00034,kidnapping,Bamako,Synthetic test row
T2,2025-03-05,14.44341,-11.43793,armed_attack,Kayes,Synthetic test row
T3,2025-03-09,13.44153,-6.26815,convoy_attack,Segou,Synthetic test row
T4,2025-03-10,95.2,-8.00034,armed_attack,bad latitude,Synthetic test row
T5,2025-03-11,,-8.00034,armed_attack,blank latitude,Synthetic test row
"""


def new_session() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def open_tab(at: AppTest, label: str) -> None:
    at.session_state["view.tab"] = label
    at.run()


@pytest.fixture(scope="module")
def bundled_figures() -> dict[str, str]:
    return figures(new_session())


def test_first_page_shows_key_figures_and_no_error(bundled_figures):
    assert set(bundled_figures) == {
        "Incidents",
        "Fatalities",
        "Abductions",
        "Attacks on convoys",
        "Attacks on sites",
    }
    assert int(bundled_figures["Incidents"].replace(",", "")) > 0


@pytest.mark.parametrize("label", TABS)
def test_every_tab_renders_without_exception(label):
    at = new_session()
    open_tab(at, label)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    # Every view states its window and what it left out: the provenance line under
    # its results, or on About the table of what the run left out.
    if label == "About / Data":
        heads = [h.value for h in at.subheader]
        assert "What this run left out, and why" in heads, heads
        assert any(list(df.value.columns) == ["Reason", "Events"] for df in at.dataframe)
    elif label == "Incident log":
        # The log itself, not an analysis: it says where it is stored and what it holds.
        assert any(c.value.startswith("Stored in ") for c in at.caption)
    else:
        lines = [c.value for c in at.caption]
        assert any(v.startswith("Window ") and "Left out: " in v for v in lines), lines


def test_default_window_is_the_last_180_days_of_the_data():
    at = new_session()
    start, end = at.session_state["filters.date_range"]
    assert (end - start).days == 179
    assert at.session_state["params.as_of"] == end


def test_date_range_changes_key_figures(bundled_figures):
    at = new_session()
    start, end = at.session_state["filters.date_range"]
    at.date_input(key="filters.date_range").set_value((date(2024, 2, 1), end)).run()
    assert not at.exception
    wider = figures(at)
    assert int(wider["Incidents"].replace(",", "")) > int(
        bundled_figures["Incidents"].replace(",", "")
    )


def test_categories_change_key_figures(bundled_figures):
    at = new_session()
    at.multiselect(key="filters.categories").set_value(["abduction"]).run()
    assert not at.exception
    only = figures(at)
    assert only["Incidents"] == bundled_figures["Abductions"]
    assert only["Attacks on convoys"] == "0"


def test_every_hotspot_method_renders():
    at = new_session()
    for method in ("kde", "hex", "gistar", "admin"):
        at.selectbox(key="hotspots.method").set_value(method).run()
        assert not at.exception, (method, [e.value for e in at.exception])


def test_upload_with_bad_rows_shows_report_with_row_numbers():
    at = new_session()
    at.radio(key="data.source").set_value("upload").run()
    assert any("Choose your incident file" in i.value for i in at.info)
    at.file_uploader(key="data.upload").upload("my_incidents.csv", BAD_ROWS_CSV, "text/csv")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Your file: my_incidents.csv (this session only)" in texts(at)
    assert any("5 rows read: 3 kept (0 repaired, 0 flagged), 2 rejected." in t for t in texts(at))
    issues = at.dataframe[0].value
    assert list(issues["Row"]) == [5, 6]
    assert set(issues["Action"]) == {"Rejected"}
    assert issues["Reason"].str.contains("outside -90..90").any()
    # The map and figures switched to the file: its 3 events are all in its window.
    assert figures(at)["Incidents"] == "3"


def test_unreadable_upload_shows_the_readers_message():
    at = new_session()
    at.radio(key="data.source").set_value("upload").run()
    at.file_uploader(key="data.upload").upload("empty.csv", b"", "text/csv").run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Your file could not be used."]
    assert at.text and "empty.csv" in at.text[0].value


def test_upload_is_seen_only_by_its_own_session(bundled_figures):
    mine, other = new_session(), new_session()
    mine.radio(key="data.source").set_value("upload").run()
    mine.file_uploader(key="data.upload").upload("mine.csv", BAD_ROWS_CSV, "text/csv").run()
    assert figures(mine)["Incidents"] == "3"
    other.run()
    assert figures(other) == bundled_figures
    assert not any("mine.csv" in t for t in texts(other))


def test_untrusted_text_is_never_rendered_as_markdown():
    # A file name and a note that would be a tracking image in markdown.
    payload = b"""id,date,lat,lon,type,location,notes
T1,2025-03-01,12.64932,-8.00034,kidnapping,Bamako,![x](http://tracker.example/b.png)
"""
    at = new_session()
    at.radio(key="data.source").set_value("upload").run()
    at.file_uploader(key="data.upload").upload("![x](http://t.example/a.png).csv", payload).run()
    assert not at.exception
    for element in (*at.markdown, *at.caption, *at.info, *at.error, *at.warning):
        assert "example" not in element.value, element.value


@pytest.mark.parametrize(
    "module",
    [ui.state, ui.chrome, ui.maps, ui.hotspots, ui.routes, ui.sites, ui.about],
    ids=lambda m: m.__name__,
)
def test_ui_doctests(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_controls_keep_their_values_while_the_data_source_changes():
    # Choosing "My file" stops the page until a file arrives; the sidebar must not
    # lose the analyst's settings on the way (Streamlit forgets skipped widgets).
    at = new_session()
    at.slider(key="params.buffer_km").set_value(50.0).run()
    at.selectbox(key="params.admin_level").set_value(1).run()
    at.multiselect(key="filters.categories").set_value(["abduction", "explosive"]).run()
    at.radio(key="data.source").set_value("upload").run()
    at.file_uploader(key="data.upload").upload("mine.csv", BAD_ROWS_CSV, "text/csv").run()
    assert not at.exception
    assert at.slider(key="params.buffer_km").value == 50.0
    assert at.selectbox(key="params.admin_level").value == 1
    assert at.multiselect(key="filters.categories").value == ["abduction", "explosive"]
    at.radio(key="data.source").set_value("bundled").run()
    assert at.slider(key="params.buffer_km").value == 50.0


@pytest.mark.parametrize("label", TABS)
def test_a_window_with_no_incident_renders_every_tab(label):
    # Nothing for 2021-01..02 is bundled (UCDP ends in 2020, the news starts in 2021-03).
    at = new_session()
    at.date_input(key="filters.date_range").set_value((date(2021, 1, 1), date(2021, 2, 28))).run()
    open_tab(at, label)
    assert not at.exception, [e.value for e in at.exception]
    if label == "Hotspots":
        assert figures(at)["Incidents"] == "0"
        for method in ("kde", "hex", "gistar"):
            at.selectbox(key="hotspots.method").set_value(method).run()
            assert not at.exception, (method, [e.value for e in at.exception])


def test_an_internal_error_shows_a_generic_message_and_logs_the_details(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("internal detail that must not reach the page")

    at = new_session()
    monkeypatch.setattr(ui.data, "lazy_analysis", broken)
    with caplog.at_level("ERROR"):
        at.slider(key="params.buffer_km").set_value(95.0).run()  # a new analysis key
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Something went wrong while drawing the analysis. The details were logged for the operator."
    ]
    page = " ".join(str(e.value) for e in (*at.text, *at.caption, *at.markdown, *at.error))
    assert "internal detail" not in page
    assert "internal detail" in caplog.text
