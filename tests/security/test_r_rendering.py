"""SECURITY.md 4.2, cases R: Rendering: text from data made inert in HTML, JavaScript and markdown.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from tests.security.helpers import (
    _EXECUTED,
    _MARKDOWN_CALLS,
    _REVIEWED_MARKDOWN_ARGS,
    BAMAKO,
    PAYLOADS,
    REPO,
    _payload_incidents,
    _render,
    _ui_files,
)


def test_r01_r02_r03_templates_in_data_do_not_run_on_the_server():
    import folium
    from jinja2 import TemplateSyntaxError

    default = folium.Map(tiles=None)
    folium.Marker(BAMAKO[::-1], popup=PAYLOADS["jinja_expr"]).add_to(default)
    folium.Marker(BAMAKO[::-1], tooltip=PAYLOADS["jinja_stmt"]).add_to(default)
    page = default.get_root().render()
    assert "PWNED" in page and "ZZZ" in page  # folium's default runs both
    broken = folium.Map(tiles=None)
    folium.Marker(BAMAKO[::-1], popup=PAYLOADS["jinja_raw"]).add_to(broken)
    with pytest.raises(TemplateSyntaxError):
        broken.get_root().render()  # one bad note, no map at all
    from layers.incidents import build_incidents

    ours = _render(build_incidents(_payload_incidents(), name="Incidents"))
    assert not any(marker in ours for marker in _EXECUTED)


def test_r04_to_r07_html_and_script_breakouts_are_entities_on_the_page():
    from layers.incidents import build_incidents

    page = _render(build_incidents(_payload_incidents(), name="Incidents"))
    for raw in (
        "<img src=x onerror",
        "</script><script>window.__pwned",
        "${(window.__pwned",
        "`;window.__pwned",
    ):
        assert raw not in page
    assert "&lt;img src=x onerror=" in page  # shown as text in the popup


def test_r08_payloads_as_labels_and_property_names_stay_text():
    from layers._geojson import GeoJsonLayer, feature_collection
    from layers.safe import safe_properties

    units = gpd.GeoDataFrame(
        {"name": [PAYLOADS["jinja_expr"]], "n": [3]},
        geometry=[shapely.box(-9, 12, -8, 13)],
        crs=4326,
    )
    props = safe_properties(units, {"name": PAYLOADS["jinja_stmt"], "n": "n"})
    label = PAYLOADS["img_onerror"]
    fc = feature_collection(units, {"name": "k", "n": "n"})
    layer = GeoJsonLayer(fc, styles=[{"color": "#333333"}], tooltip_fields=[("k", label)])
    assert props.columns[0] == "&#123;% for i in range(3) %&#125;Z&#123;% endfor %&#125;"
    page = _render(layer)
    assert not any(marker in page for marker in _EXECUTED)
    assert "<img src=x" not in page


def test_r10_no_raw_html_sinks_in_app_ui_or_layers():
    import ast

    banned_calls = {"st.html", "st.iframe", "folium_static", "folium.Popup", "folium.Tooltip"}
    banned_calls |= {"folium.GeoJsonTooltip", "folium.GeoJsonPopup", "folium.IFrame"}
    banned_calls |= {"folium.Html", "folium.Element", "Popup", "Tooltip", "GeoJsonTooltip"}
    found = []
    for path in [*_ui_files(), *sorted((REPO / "layers").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in (
                "unsafe_allow_html",
                "unsafe_allow_javascript",
            ):
                found.append(f"{path.name}:{node.value.lineno} {node.arg}")
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in banned_calls or name.endswith(".explore") or "components" in name:
                    found.append(f"{path.name}:{node.lineno} {name}(...)")
    assert found == []


def _interpolated(arg):
    """The expressions a markdown argument puts into its text (none for our own wording).

    Our own wording is a literal, or a literal translated (``t.gettext("...")``,
    ``t.ngettext("...", "...", n)``: the catalog's French is reviewed with the
    English); ``.format(...)`` of such a template interpolates its arguments;
    ``t.gettext(label)`` of a table's label and ``markdown_escape(x)`` put in
    what their argument does; a Translator's ``number``, ``date`` and ``period``
    (and ``ui.display.short`` and ``signed``) write only digits, month names and
    separators. A ``tr=`` keyword (the
    language) is not part of what is reviewed.
    """
    import ast

    def translated(call):
        return (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in ("gettext", "ngettext")
            and all(isinstance(a, ast.Constant) for a in call.args[:2])
        )

    if isinstance(arg, ast.Constant) or translated(arg):
        return []
    if isinstance(arg, ast.IfExp):
        return [*_interpolated(arg.body), *_interpolated(arg.orelse)]
    if isinstance(arg, ast.JoinedStr):
        return [
            part
            for v in arg.values
            if isinstance(v, ast.FormattedValue)
            for part in _interpolated(v.value)
        ]
    if not isinstance(arg, ast.Call):
        return [arg]
    name = ast.unparse(arg.func).split(".")[-1]
    if (isinstance(arg.func, ast.Attribute) and name in ("number", "date", "period")) or (
        name in ("short", "signed")  # ui.display: a number written with its sign or decimals
    ):
        return []
    if (name == "gettext" and len(arg.args) == 1) or (name == "markdown_escape" and arg.args):
        return _interpolated(arg.args[0])
    if name == "format" and (
        translated(arg.func.value) or isinstance(arg.func.value, ast.Constant)
    ):
        return [p for a in [*arg.args, *(k.value for k in arg.keywords)] for p in _interpolated(a)]
    kept = [k for k in arg.keywords if k.arg != "tr"]
    return [ast.Call(func=arg.func, args=arg.args, keywords=kept)]


def test_r10_markdown_calls_interpolate_only_reviewed_expressions():
    import ast

    unreviewed = []
    for path in _ui_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            base = ast.unparse(node.func.value)
            if node.func.attr not in _MARKDOWN_CALLS or not base.startswith(
                ("st", "col", "chrome")
            ):
                continue
            args = node.args[:1] + [k.value for k in node.keywords if k.arg in ("help", "label")]
            for arg in args:
                for part in _interpolated(arg):
                    expr = ast.unparse(part)
                    if expr not in _REVIEWED_MARKDOWN_ARGS:
                        unreviewed.append(f"{path.name}:{node.lineno} st.{node.func.attr}: {expr}")
    assert unreviewed == [], (
        "show data with st.text/st.dataframe, or review and list it:\n" + "\n".join(unreviewed)
    )
