"""Tests for layers.safe: the neutraliser (SECURITY.md 1.1/1.2, catalogue R01-R08)."""

import html
import math

import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from shapely.geometry import Point

from geo.errors import ParameterError
from layers.safe import safe_properties, safe_text

#: The payload corpus of SECURITY.md 1.2 (benign payloads: they only change the page title).
PAYLOADS: list[str] = [
    "{{ 7*7 }}",
    "{% if 1 %}X{% endif %}",
    "{# c #}A{% raw %}",
    "${document.title='x'}",
    "back`tick`",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "trailing backslash \\",
    "Attaque à Kéniéba : {convoi} de 12 camions, coût $3 000, `citerne` <b>brûlée</b> l'après-midi",
    "\u202eevil\u202c name",
    "quote \" and ' apostrophe & ampersand",
]
FORBIDDEN = "{}$`\\<>\"'"


def _stripped(ch: str) -> bool:
    """Control characters (C0 except tab/newline/CR, DEL, C1) and bidi embeddings/isolates."""
    o = ord(ch)
    return (
        (o < 0x20 and ch not in "\t\n\r")
        or 0x7F <= o <= 0x9F
        or 0x202A <= o <= 0x202E
        or 0x2066 <= o <= 0x2069
    )


def expected_display(text: str) -> str:
    """What a reader should see: the input less stripped characters, tabs/newlines as spaces."""
    out = "".join(ch for ch in text if not _stripped(ch))
    return out.replace("\t", " ").replace("\n", " ").replace("\r", " ")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_inert_and_reads_verbatim(payload):
    out = safe_text(payload)
    assert not any(ch in out for ch in FORBIDDEN)
    assert html.unescape(out) == expected_display(payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_jinja_renders_neutralised_text_unchanged(payload):
    # folium's second Jinja pass must find nothing to execute and nothing to choke on (R01-R03).
    out = safe_text(payload)
    assert jinja2.Template(out).render() == out


def test_unneutralised_payload_would_execute():
    # The threat is real with this Jinja version: the raw payload is evaluated.
    assert jinja2.Template("{{ 7*7 }}").render() == "49"


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param(None, "", id="None is empty"),
        pytest.param(float("nan"), "", id="NaN is empty"),
        pytest.param(np.float64("nan"), "", id="numpy NaN is empty"),
        pytest.param(pd.NaT, "", id="NaT is empty"),
        pytest.param(pd.NA, "", id="pd.NA is empty"),
        pytest.param(3, "3", id="int"),
        pytest.param(2.5, "2.5", id="float"),
        pytest.param(pd.Timestamp("2024-05-01 13:00"), "2024-05-01", id="timestamp as date"),
        pytest.param("a\tb\nc", "a b c", id="tab and newline become spaces"),
        pytest.param("x\u202ey\u2066z\x00", "xyz", id="bidi and controls stripped"),
        pytest.param("Ségou", "Ségou", id="accents kept"),
    ],
)
def test_safe_text_values(value, expected):
    assert safe_text(value) == expected


@given(st.text())
@example("{{ 7*7 }}")
@example("{%- raw -%}")
@example("\\")
def test_safe_text_invariants(text):
    out = safe_text(text)
    assert not any(ch in out for ch in FORBIDDEN)
    assert html.unescape(out) == expected_display(text)
    assert jinja2.Template(out).render() == out


def _sites():
    # Synthetic two-row fixture (not real places): one payload row, one plain row.
    return gpd.GeoDataFrame(
        {
            "name": ["{{ 7*7 }}", "Kayes"],
            "n": [3, 4],
            "rate": [1.5, float("nan")],
            "flag": [True, False],
            "secret": ["do not embed", "x"],
        },
        geometry=[Point(-8.0, 12.6), Point(-11.4, 14.4)],
        crs=4326,
        index=[10, 20],
    )


def test_safe_properties_whitelists_and_neutralises():
    gdf = _sites()
    before = gdf.copy()
    out = safe_properties(gdf, ["name", "n", "rate", "flag"])
    assert list(out.columns) == ["name", "n", "rate", "flag", "geometry"]
    assert "secret" not in out.columns
    assert out.loc[10, "name"] == "&#123;&#123; 7*7 &#125;&#125;"
    assert out.loc[10, "n"] == 3 and isinstance(out.loc[10, "n"], int)
    assert out.loc[20, "rate"] is None
    assert out.loc[10, "flag"] is True
    assert list(out.index) == [10, 20]
    assert out.crs == gdf.crs
    pd.testing.assert_frame_equal(gdf.drop(columns="geometry"), before.drop(columns="geometry"))


def test_safe_properties_neutralises_column_names():
    gdf = _sites().rename(columns={"name": "{{ 7*7 }}"})
    out = safe_properties(gdf, {"{{ 7*7 }}": "<b>{{ x }}</b>"})
    assert list(out.columns)[0] == "&lt;b&gt;&#123;&#123; x &#125;&#125;&lt;/b&gt;"
    assert not any(ch in c for c in out.columns for ch in "{}<>")


def test_safe_properties_missing_column():
    with pytest.raises(ParameterError, match=r"columns \['nope'\] are not in the layer"):
        safe_properties(_sites(), ["name", "nope"])


def test_safe_properties_collision():
    with pytest.raises(ParameterError, match="collide"):
        safe_properties(_sites(), {"name": "a", "n": "a"})


def test_safe_properties_infinite_float_is_none():
    gdf = _sites().assign(rate=[math.inf, 1.0])
    assert safe_properties(gdf, ["rate"]).iloc[0, 0] is None
