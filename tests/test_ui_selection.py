"""ui.selection: the "Selected on the map" table shows names from the user's files as typed."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui.display import markdown_literal


def _details_page() -> None:
    from ui.selection import show_details

    # Synthetic row: a site name from a user's file that would be a tracking image in Markdown.
    show_details(
        lambda: [("Site", "![x](http://127.0.0.1:9/beacon.png) **Mine**"), ("Incidents", 3)],
        hint="nothing selected",
    )


def test_a_selected_features_name_is_escaped_before_st_table_renders_it_as_markdown():
    at = AppTest.from_function(_details_page).run()
    assert not at.exception
    table = at.table[0].value
    name = "![x](http://127.0.0.1:9/beacon.png) **Mine**"
    assert table.iloc[:, 0].tolist() == [markdown_literal(name), "3"]
    assert "![x](" not in " ".join(map(str, table.iloc[:, 0]))
