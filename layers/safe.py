r"""The one neutraliser every data string passes through before it reaches folium.

folium renders each element's script through Jinja2 a second time (SECURITY.md
1.1: ``{{ 7*7 }}`` in a popup becomes ``49``, and ``{% ... %}`` runs Python on
the server), Leaflet puts popup and tooltip text into ``innerHTML``, and folium
wraps some strings in JavaScript template literals where ``${...}`` runs
(SECURITY.md 1.2). :func:`safe_text` makes a value inert for all three: HTML
escaping plus numeric entities for ``{ } $ ` \``. The browser turns the
entities back into the original characters on display, so the text reads
verbatim. Control characters and bidirectional overrides are removed for display
(a U+202E in a place name would otherwise reverse the text around it).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import ParameterError

__all__ = ["safe_text", "safe_properties"]

# C0 and C1 control characters except tab, newline and carriage return (turned into spaces),
# bidi embeddings/overrides U+202A-U+202E and isolates U+2066-U+2069.
_STRIP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile("[\t\n\r]")
_ENTITIES = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;", "\\": "&#92;"})


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return False


def safe_text(value: object) -> str:
    r"""Return ``value`` as display text that is inert in Jinja2, JavaScript and HTML.

    Parameters
    ----------
    value : object
        Any value from data: a string, a number, a date, ``None`` or NaN.

    Returns
    -------
    str
        ``""`` for ``None``, NaN, ``NaT`` and ``pd.NA``; otherwise ``str(value)``
        (dates as ISO ``YYYY-MM-DD``) with control characters and bidi
        overrides removed, tab/newline turned into spaces, ``& < > " '``
        HTML-escaped and ``{ } $ ` \`` replaced by numeric entities.

    Notes
    -----
    The output is HTML: show it through ``innerHTML`` (Leaflet popups,
    tooltips, folium's GeoJson tooltips) and the reader sees the original text.
    Never pass it through :func:`html.escape` again (that would show the
    entities).

    Examples
    --------
    >>> safe_text("{{ 7*7 }}")
    '&#123;&#123; 7*7 &#125;&#125;'
    >>> safe_text("<b>Kéniéba</b> ${x}")
    '&lt;b&gt;Kéniéba&lt;/b&gt; &#36;&#123;x&#125;'
    >>> safe_text(float("nan")), safe_text(None), safe_text(3)
    ('', '', '3')
    >>> safe_text("abc\u202edef")
    'abcdef'
    """
    if _is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp | datetime | date | np.datetime64):
        text = pd.Timestamp(value).strftime("%Y-%m-%d")
    else:
        text = str(value)
    text = _SPACE.sub(" ", _STRIP.sub("", text))
    return html.escape(text, quote=True).translate(_ENTITIES)


def _safe_value(value: object) -> object:
    """Numbers and booleans stay numbers (JSON), missing becomes None, the rest safe text."""
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return safe_text(value)


def safe_properties(
    gdf: gpd.GeoDataFrame,
    columns: Sequence[str] | Mapping[str, str],
) -> gpd.GeoDataFrame:
    """Keep only whitelisted columns, with every string value and column name neutralised.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any layer; not modified.
    columns : sequence of str or mapping of str to str
        The columns to keep, in order. A mapping renames ``source -> output``
        (e.g. short keys that keep the page small); a sequence keeps the names.

    Returns
    -------
    GeoDataFrame
        Same index, CRS and geometry, with the kept columns only (object dtype):
        strings through :func:`safe_text`, integers and finite floats as Python
        numbers, booleans as bool, missing values and non-finite floats as None.
        Column names are passed through :func:`safe_text` too.

    Raises
    ------
    ParameterError
        If a requested column is missing, or two names collide once neutralised.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"name": ["{{ 7*7 }}"], "n": [3], "secret": ["x"]},
    ...                      geometry=[Point(-8, 12.6)], crs=4326)
    >>> out = safe_properties(g, {"name": "{{name}}", "n": "n"})
    >>> list(out.columns), out.iloc[0, 0], out.iloc[0, 1]
    (['&#123;&#123;name&#125;&#125;', 'n', 'geometry'], '&#123;&#123; 7*7 &#125;&#125;', 3)
    """
    mapping = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    missing = [c for c in mapping if c not in gdf.columns]
    if missing:
        raise ParameterError(
            f"safe_properties: columns {missing!r} are not in the layer; "
            f"it has {list(map(str, gdf.columns))!r}. Pass only existing columns."
        )
    out_names = [safe_text(name) for name in mapping.values()]
    geom_name = gdf.geometry.name
    if len(set(out_names)) != len(out_names) or geom_name in out_names:
        raise ParameterError(
            f"safe_properties: output names {out_names!r} collide with each other or with "
            f"the geometry column {geom_name!r}; choose distinct names."
        )
    data = {
        out: pd.Series([_safe_value(v) for v in gdf[src].tolist()], index=gdf.index, dtype=object)
        for src, out in zip(mapping, out_names, strict=True)
    }
    return gpd.GeoDataFrame(data, geometry=gdf.geometry.copy(), crs=gdf.crs)
