"""What the user selected on each view's map, by a click or from a list, kept across reruns.

A view's selection is one feature id (an admin unit's ``unit_id``, an H3 cell,
a segment's ``<route_id>:<segment>``, a site's ``site_id``), the ``id``
property that :mod:`layers` puts on every clickable feature. It lives under
``selection.<view>`` in the session state, a plain key that Streamlit keeps
when the view's tab is closed. A map click is read from the map widget's state
*before* the map is drawn, so the same run outlines what was clicked; the list
(a selectbox, reachable by keyboard) writes the same key. The panel beside the
map then shows the selected feature's figures from the analysis on screen, so
they follow the filters instead of freezing what the click saw.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import pandas as pd
import streamlit as st

from geo.i18n import Translator
from ui.display import ENGLISH, markdown_literal
from ui.lang import tr

__all__ = ["selected", "take_map_click", "clicked_id", "choose", "details_table", "show_details"]


def selected(state: Mapping[str, Any], view: str) -> str | None:
    """Return the id selected on ``view``'s map, or None."""
    value = state.get(f"selection.{view}")
    return None if value is None else str(value)


def clicked_id(value: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """Return ``(feature id, fingerprint)`` of the last click the map widget reported.

    Parameters
    ----------
    value : Mapping or None
        The map widget's value (``last_active_drawing``, ``last_object_clicked``).

    Returns
    -------
    tuple
        The clicked feature's ``id`` (HTML entities decoded; None for a feature
        without one, such as an incident marker) and a fingerprint of the click
        (None when there was none), to tell a new click from the one already taken.

    Examples
    --------
    >>> clicked_id({"last_active_drawing": {"properties": {"id": "ML0101"}},
    ...             "last_object_clicked": {"lat": 14.2, "lng": -10.2}})[0]
    'ML0101'
    >>> clicked_id({"last_active_drawing": None, "last_object_clicked": None})
    (None, None)
    """
    if not isinstance(value, Mapping):
        return None, None
    drawing = value.get("last_active_drawing")
    where = value.get("last_object_clicked")
    if not isinstance(drawing, Mapping):
        return None, None
    fingerprint = json.dumps([drawing.get("properties"), where], sort_keys=True, default=str)
    props = drawing.get("properties")
    fid = props.get("id") if isinstance(props, Mapping) else None
    return (None if fid in (None, "") else html.unescape(str(fid))), fingerprint


def take_map_click(state: MutableMapping[str, Any], view: str, map_key: str) -> None:
    """Make a new click on a unit, segment or site the view's selection.

    Call before the map is drawn. A click on a feature without an id (an
    incident marker) leaves the selection as it was.

    Parameters
    ----------
    state : MutableMapping
        ``st.session_state``.
    view : str
        View name (``hotspots``, ``routes``, ``sites``).
    map_key : str
        Key of the view's map widget.

    Examples
    --------
    >>> s = {"map.x": {"last_active_drawing": {"properties": {"id": "A"}},
    ...                "last_object_clicked": {"lat": 1, "lng": 2}}}
    >>> take_map_click(s, "x", "map.x"); s["selection.x"]
    'A'
    >>> s["selection.x"] = "B"; take_map_click(s, "x", "map.x"); s["selection.x"]
    'B'
    """
    fid, fingerprint = clicked_id(state.get(map_key))
    if fingerprint is None or fingerprint == state.get(f"selection.{view}.click"):
        return
    state[f"selection.{view}.click"] = fingerprint
    if fid is not None:
        state[f"selection.{view}"] = fid


def _from_list(state: MutableMapping[str, Any], view: str) -> None:
    state[f"selection.{view}"] = state.get(f"select.{view}")


def choose(view: str, options: Mapping[str, str], *, label: str, placeholder: str) -> str | None:
    """Draw the list that selects a feature by keyboard or mouse; return the selection.

    Parameters
    ----------
    view : str
        View name.
    options : Mapping of str to str
        Feature id -> readable label, in list order.
    label, placeholder : str
        Widget label and the text shown while nothing is chosen.

    Returns
    -------
    str or None
        The view's selected id (which may be a feature outside ``options``,
        such as a clicked H3 cell; the list then shows the placeholder).
    """
    state = st.session_state
    current = selected(state, view)
    state[f"select.{view}"] = current if current in options else None
    st.selectbox(
        label,
        options=list(options),
        format_func=lambda k: options.get(k, k),
        key=f"select.{view}",
        placeholder=placeholder,
        on_change=_from_list,
        args=(state, view),
    )
    return selected(state, view)


def details_table(rows: list[tuple[str, object]], *, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Two-column table of a selected feature's figures, for ``st.table``.

    The headings are in ``tr``'s language; the rows come translated from the view.

    Examples
    --------
    >>> details_table([("Cercle", "Kayes"), ("Incidents", 3), ("Note", None)]).to_dict("list")
    {'Figure': ['Cercle', 'Incidents'], 'Value': ['Kayes', '3']}
    """
    kept = [(k, v) for k, v in rows if v is not None and not (isinstance(v, float) and pd.isna(v))]
    return pd.DataFrame(
        {
            tr.gettext("Figure"): [k for k, _ in kept],
            tr.gettext("Value"): [str(v) for _, v in kept],
        }
    )


def show_details(rows: Callable[[], list[tuple[str, object]] | None], *, hint: str) -> None:
    """Show the selected feature's figures, or ``hint`` when nothing is selected."""
    found = rows()
    if found:
        t = tr()
        # st.table renders each cell as Markdown: names from the user's files are escaped.
        st.table(details_table(found, tr=t).map(markdown_literal).set_index(t.gettext("Figure")))
    else:
        st.caption(hint)
