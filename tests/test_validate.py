"""Tests of geo.validate: the report is plain data whose counts always add up."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.validate import RowIssue, RowRef, ValidationReport, show_value


def issue(row, action, *, file="incidents.csv", column="latitude", value=95.2, reason="is bad"):
    return RowIssue.make(file, row, column, value, reason, action)


def test_issue_line_matches_the_promised_wording():
    line = RowIssue.make(
        "incidents.csv", 1204, "latitude", 95.2, "is outside -90..90", "rejected"
    ).to_line()
    assert line == (
        "incidents.csv, row 1204, column 'latitude': 95.2 is outside -90..90; row rejected."
    )


def test_feature_label_for_vector_layers():
    line = RowIssue.make(
        "a.gpkg", 3, "geometry", None, "is null", "rejected", row_label="feature"
    ).to_line()
    assert line == "a.gpkg, feature 3, column 'geometry': None is null; feature rejected."


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(95.2, "95.2", id="float shown bare"),
        pytest.param("12 (est.)", "'12 (est.)'", id="string quoted"),
        pytest.param("evil\u202etxt", "'evil\\u202etxt'", id="bidi override escaped"),
        pytest.param("a\nb", "'a\\nb'", id="newline escaped, one line"),
    ],
)
def test_show_value(value, shown):
    assert show_value(value) == shown


def test_show_value_truncates():
    assert len(show_value("x" * 500)) == 60
    assert show_value("x" * 500).endswith("...")


def test_unknown_action_refused():
    with pytest.raises(ValueError, match="action was 'dropped'"):
        RowIssue("f.csv", 2, "c", "1", "r", "dropped")


def test_counts_rows_not_issues():
    # Row 3 has two problems (one repair, one rejection): it counts once, as rejected.
    issues = [
        issue(2, "repaired"),
        issue(3, "repaired", column="fatalities"),
        issue(3, "rejected"),
        issue(4, "flagged", column="event_date"),
        issue(5, "repaired"),
        issue(5, "flagged", column="event_date"),
    ]
    rep = ValidationReport("incidents.csv", "csv", rows_in=5, rows_kept=4, issues=issues)
    assert rep.rejected_rows == (RowRef("incidents.csv", 3),)
    assert rep.repaired_rows == (RowRef("incidents.csv", 2), RowRef("incidents.csv", 5))
    assert rep.flagged_rows == (RowRef("incidents.csv", 4),)
    assert (rep.n_rejected, rep.n_repaired, rep.n_flagged) == (1, 2, 1)
    assert rep.usable


def test_invariant_enforced():
    with pytest.raises(ValueError, match="every row must be accounted for"):
        ValidationReport("a.csv", "csv", rows_in=3, rows_kept=3, issues=[issue(2, "rejected")])


def test_to_lines_counts_first_then_notes_then_problems():
    rep = ValidationReport(
        "a.csv",
        "csv",
        rows_in=2,
        rows_kept=1,
        issues=[issue(3, "rejected", file="a.csv")],
        notes=["encoding: UTF-8"],
    )
    lines = rep.to_lines()
    assert lines[0] == "a.csv (csv): 2 rows read, 1 kept (0 repaired, 0 flagged), 1 rejected."
    assert lines[1] == "note: encoding: UTF-8"
    assert lines[2].startswith("a.csv, row 3, column 'latitude'")


def test_to_lines_limit():
    issues = [issue(r, "repaired", file="a.csv") for r in range(2, 12)]
    rep = ValidationReport("a.csv", "csv", rows_in=10, rows_kept=10, issues=issues)
    lines = rep.to_lines(max_issues=3)
    assert lines[-1] == "... and 7 more problems not shown."
    assert len(lines) == 1 + 3 + 1


def test_to_dict_is_json():
    rep = ValidationReport(
        "a.csv", "csv", rows_in=2, rows_kept=1, issues=[issue(3, "rejected", file="a.csv")]
    )
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["rows_in"] == 2 and d["n_rejected"] == 1
    assert d["rejected_rows"] == [["a.csv", 3]]
    assert d["issues"][0]["column"] == "latitude"


def test_merge_sums_and_keeps_per_file_notes():
    a = ValidationReport("a.csv", "ucdp_csv", rows_in=2, rows_kept=2, notes=["encoding: UTF-8"])
    b = ValidationReport(
        "b.csv", "news_csv", rows_in=3, rows_kept=2, issues=[issue(2, "rejected", file="b.csv")]
    )
    m = a.merge([b])
    assert (m.file, m.format, m.rows_in, m.rows_kept, m.n_rejected) == (
        "a.csv + b.csv",
        "combined",
        5,
        4,
        1,
    )
    assert "a.csv: encoding: UTF-8" in m.notes
    assert "b.csv (news_csv): 3 rows read, 2 kept (0 repaired, 0 flagged), 1 rejected" in m.notes
    assert a.merge([]) is a


@given(
    st.lists(
        st.tuples(st.integers(2, 30), st.sampled_from(["repaired", "flagged", "rejected"])),
        max_size=40,
    ),
    st.integers(0, 40),
)
def test_kept_plus_rejected_is_rows_in(pairs, extra_rows):
    issues = [issue(r, a) for r, a in pairs]
    rejected = len({r for r, a in pairs if a == "rejected"})
    rows_in = 29 + extra_rows
    rep = ValidationReport("incidents.csv", "csv", rows_in, rows_in - rejected, issues=issues)
    assert rep.rows_in == rep.rows_kept + rep.n_rejected
    kept_with_issue = rep.n_repaired + rep.n_flagged
    assert kept_with_issue <= rep.rows_kept
    assert not set(rep.repaired_rows) & set(rep.rejected_rows)
    assert not set(rep.flagged_rows) & (set(rep.repaired_rows) | set(rep.rejected_rows))
