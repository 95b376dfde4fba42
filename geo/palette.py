"""Colours, class breaks and labels of every map: the app's layers and the PNG/PDF exports.

``layers/`` (Leaflet) and :mod:`geo.export.png` / :mod:`geo.export.pdf` import
their colours, class breaks and site-type labels from here, so a colour changed
here changes on the screen and on paper alike. Incident category labels are the
schema's (:data:`geo.schema.CATEGORY_LABELS`).

Palettes come from ColorBrewer (Brewer & Harrower, "ColorBrewer.org", 2003:
YlOrRd, RdYlBu, RdBu, all marked colour-blind safe) and from Okabe & Ito (2008,
"Color Universal Design") for the unordered incident categories. Ordered
classes also change line width or marker size, so the order reads without colour.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geo.errors import ParameterError
from geo.i18n import gettext_noop

__all__ = [
    "CATEGORY_COLORS",
    "CATEGORY_SHAPES",
    "MARKER_SHAPES",
    "marker_svg",
    "EMERGING_COLORS",
    "EXPOSURE_CLASSES",
    "EXPOSURE_COLORS",
    "EXPOSURE_WEIGHTS",
    "UNCLASSED_COLOR",
    "PLAN_ROUTE_STYLES",
    "PLAN_ROUTE_LABELS",
    "exposure_index",
    "GISTAR_CLASSES",
    "GISTAR_COLORS",
    "GISTAR_LABELS",
    "SEQUENTIAL",
    "ZERO_COLOR",
    "DENSITY_RAMP",
    "BASEMAP",
    "CHANGE_CLASSES",
    "change_index",
    "EXPOSURE_PRINT_WIDTH_PT",
    "HANDLING_BANNER_COLOR",
    "SITE_MARKER_GROUPS",
    "SITE_MARKERS",
    "SITE_TYPE_LABELS",
    "check_color",
    "HEAD_SHARE",
    "class_breaks",
    "bin_values",
    "class_palette",
    "classify",
    "range_labels",
    "format_number",
    "colorize_density",
]

#: Okabe-Ito colours, one per harmonised category (geo.schema.CATEGORIES).
CATEGORY_COLORS: dict[str, str] = {
    "abduction": "#cc79a7",
    "attack_on_convoy": "#d55e00",
    "attack_on_site": "#e69f00",
    "explosive": "#000000",
    "armed_attack": "#0072b2",
    "violence_against_civilians": "#009e73",
    "unrest": "#56b4e9",
    "other": "#8c8c8c",
}

#: Marker shape of each category, so categories differ by shape as well as by colour.
CATEGORY_SHAPES: dict[str, str] = {
    "abduction": "diamond",
    "attack_on_convoy": "triangle",
    "attack_on_site": "square",
    "explosive": "star",
    "armed_attack": "circle",
    "violence_against_civilians": "triangle_down",
    "unrest": "pentagon",
    "other": "dot",
}
#: SVG outline of each marker shape in a 14 x 14 box.
MARKER_SHAPES: dict[str, str] = {
    "circle": '<circle cx="7" cy="7" r="5.6"/>',
    "dot": '<circle cx="7" cy="7" r="4"/>',
    "square": '<rect x="2" y="2" width="10" height="10"/>',
    "triangle": '<polygon points="7,1 13.2,12.6 0.8,12.6"/>',
    "triangle_down": '<polygon points="0.8,1.4 13.2,1.4 7,13"/>',
    "diamond": '<polygon points="7,0.6 13.4,7 7,13.4 0.6,7"/>',
    "star": '<polygon points="7,0.6 8.9,5 13.5,5.2 9.9,8.2 11.1,12.8 7,10.2 2.9,12.8 4.1,8.2 '
    '0.5,5.2 5.1,5"/>',
    "pentagon": '<polygon points="7,0.8 13.3,5.4 10.9,12.8 3.1,12.8 0.7,5.4"/>',
}


def marker_svg(shape: str, color: str, *, hollow: bool = False, size_px: int = 14) -> str:
    """Inline SVG of one incident marker (map and legend draw the same markup).

    Parameters
    ----------
    shape : str
        A key of :data:`MARKER_SHAPES`.
    color : str
        ``#rrggbb`` fill (outline when ``hollow``).
    hollow : bool
        Dashed outline on a pale fill: the centre of an approximate location.
    size_px : int
        Width and height in pixels.

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        On an unknown shape or a colour that is not ``#rrggbb``.

    Examples
    --------
    >>> marker_svg("dot", "#000000")  # doctest: +ELLIPSIS
    '<svg ... fill="#000000" stroke="#ffffff" stroke-width="1.2"><circle ... r="4"/></svg>'
    """
    if shape not in MARKER_SHAPES:
        raise ParameterError(f"marker shape {shape!r} is not one of {list(MARKER_SHAPES)}.")
    c = check_color(color)
    paint = (
        f'fill="#ffffff" fill-opacity="0.85" stroke="{c}" stroke-width="1.8" '
        'stroke-dasharray="2.2 1.4"'
        if hollow
        else f'fill="{c}" stroke="#ffffff" stroke-width="1.2"'
    )
    return (
        f'<svg width="{int(size_px)}" height="{int(size_px)}" '
        f'viewBox="0 0 14 14" aria-hidden="true" {paint}>{MARKER_SHAPES[shape]}</svg>'
    )


#: Emerging hot spot category (geo.emerging.CATEGORIES) -> fill colour: Reds for hot,
#: Blues for cold (ColorBrewer), darker for the stronger patterns, purple-grey for
#: oscillating and historical; the map layer and the PDF share it.
EMERGING_COLORS: dict[str, str] = {
    "new_hot": "#fcae91",
    "consecutive_hot": "#fb6a4a",
    "intensifying_hot": "#a50f15",
    "persistent_hot": "#de2d26",
    "diminishing_hot": "#f08a6c",
    "sporadic_hot": "#fee5d9",
    "oscillating_hot": "#c994c7",
    "historical_hot": "#bdb3ad",
    "new_cold": "#bdd7e7",
    "consecutive_cold": "#6baed6",
    "intensifying_cold": "#08519c",
    "persistent_cold": "#3182bd",
    "diminishing_cold": "#9ecae1",
    "sporadic_cold": "#eff3ff",
    "oscillating_cold": "#a6bddb",
    "historical_cold": "#b4bcc4",
    "no_pattern": "#f2f0eb",
}

#: Route and site exposure classes, lowest first.
EXPOSURE_CLASSES: tuple[str, ...] = ("low", "medium", "high", "critical")
#: ColorBrewer PuRd (9-class: 3, 5, 7, 9), drawn over a dark casing: no basemap layer
#: is pink or purple, so a "low" corridor never reads as a river (blue) or a road (brown).
EXPOSURE_COLORS: dict[str, str] = {
    "low": "#d4b9da",
    "medium": "#df65b0",
    "high": "#ce1256",
    "critical": "#67001f",
}
#: Colour of routes or sites without an exposure class.
UNCLASSED_COLOR = "#969696"
#: Line width (px) of route segments by class, so the order reads without colour.
EXPOSURE_WEIGHTS: dict[str, float] = {"low": 3.0, "medium": 4.5, "high": 6.0, "critical": 7.5}

#: Trip-plan routes (geo.planner.ROUTE_KINDS), bottom to top: colour, width (px) and
#: Leaflet dash pattern (None = solid); kinds differ by width and dash as well as colour.
PLAN_ROUTE_STYLES: dict[str, tuple[str, float, str | None]] = {
    "alternative": ("#6a3d9a", 3.5, "8 6"),
    "shortest": ("#222222", 5.0, None),
    "least_exposed": ("#1b9e77", 6.0, None),
}
#: Legend labels of the trip-plan routes.
PLAN_ROUTE_LABELS: dict[str, str] = {
    "alternative": gettext_noop("Alternative"),
    "shortest": gettext_noop("Shortest route"),
    "least_exposed": gettext_noop("Least incident exposure (reported data, stated window)"),
}

#: Gi* classes: hot/cold with confidence (99/95/90) or plain hot/cold.
GISTAR_CLASSES: tuple[str, ...] = (
    "hot_99",
    "hot_95",
    "hot_90",
    "hot",
    "not_significant",
    "cold",
    "cold_90",
    "cold_95",
    "cold_99",
)
#: RdBu diverging palette.
GISTAR_COLORS: dict[str, str] = {
    "hot_99": "#b2182b",
    "hot_95": "#ef8a62",
    "hot_90": "#fddbc7",
    "hot": "#d6604d",
    "not_significant": "#f7f7f7",
    "cold": "#4393c3",
    "cold_90": "#d1e5f0",
    "cold_95": "#67a9cf",
    "cold_99": "#2166ac",
}
GISTAR_LABELS: dict[str, str] = {
    "hot_99": gettext_noop("Hot spot, 99 % confidence"),
    "hot_95": gettext_noop("Hot spot, 95 % confidence"),
    "hot_90": gettext_noop("Hot spot, 90 % confidence"),
    "hot": gettext_noop("Hot spot (significant)"),
    "not_significant": gettext_noop("Not significant"),
    "cold": gettext_noop("Cold spot (significant)"),
    "cold_90": gettext_noop("Cold spot, 90 % confidence"),
    "cold_95": gettext_noop("Cold spot, 95 % confidence"),
    "cold_99": gettext_noop("Cold spot, 99 % confidence"),
}

#: ColorBrewer Purples (6-class, lightest dropped), for counts and rates: the choropleth
#: and hexagons of the app, the HTML map, the PNG and the PDF; distinct from the KDE
#: surface (YlOrRd) and from the zero class.
SEQUENTIAL: tuple[str, ...] = ("#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f")
#: Change of a unit's incidents against the previous window, in fixed classes (RdBu):
#: (label, lowest change, highest change, colour); more incidents are red.
CHANGE_CLASSES: tuple[tuple[str, float, float, str], ...] = (
    (gettext_noop("Down by 3 or more"), -math.inf, -3.0, "#2166ac"),
    (gettext_noop("Down by 1 or 2"), -2.0, -1.0, "#92c5de"),
    (gettext_noop("No change"), 0.0, 0.0, "#f7f7f7"),
    (gettext_noop("Up by 1 or 2"), 1.0, 2.0, "#f4a582"),
    (gettext_noop("Up by 3 or more"), 3.0, math.inf, "#b2182b"),
)


def change_index(values: Sequence[float] | np.ndarray) -> list[int]:
    """Class of each change in :data:`CHANGE_CLASSES` (NaN counts as no change).

    Examples
    --------
    >>> change_index([-5, -1, 0, 2, 7, float("nan")])
    [0, 1, 2, 3, 4, 2]
    """
    out = []
    for v in np.asarray(values, dtype=float):
        v = 0.0 if not np.isfinite(v) else float(np.round(v))
        out.append(next(i for i, (_, lo, hi, _c) in enumerate(CHANGE_CLASSES) if lo <= v <= hi))
    return out


#: Fill of units with zero incidents.
ZERO_COLOR = "#f0f0f0"

#: Density ramp for the KDE overlay: (position 0..1, RGBA 0..255); transparent at zero.
DENSITY_RAMP: tuple[tuple[float, tuple[int, int, int, int]], ...] = (
    (0.0, (255, 255, 178, 0)),
    (0.15, (254, 217, 118, 140)),
    (0.35, (254, 178, 76, 170)),
    (0.55, (253, 141, 60, 190)),
    (0.75, (240, 59, 32, 210)),
    (1.0, (189, 0, 38, 230)),
)

#: Vector basemap styling.
BASEMAP: dict[str, str] = {
    "background": "#cfe0ea",  # outside every country polygon (sea)
    "land": "#efece6",
    "mali": "#faf8f3",
    "country_border": "#8a8a8a",
    "adm1": "#6b6b6b",
    "adm2": "#b0aba3",
    "river": "#6fa8d6",
    "lake": "#a9cbe6",
    "road_major": "#9b6b43",
    "road_minor": "#b99b7e",
    "town": "#404040",
}

#: Line width (pt) of route segments by class on paper (PNG and PDF maps).
EXPOSURE_PRINT_WIDTH_PT: dict[str, float] = {
    "low": 1.2,
    "medium": 1.8,
    "high": 2.4,
    "critical": 3.0,
}
#: Background of the handling banner (RESTRICTED, SECRET ...) on PNG and PDF pages.
HANDLING_BANNER_COLOR = "#9b1c1c"
#: Site type -> marker group on static maps; unknown types are ``other``.
SITE_MARKER_GROUPS: dict[str, str] = {
    "gold_mine": "mine",
    "other_mine": "mine",
    "mine": "mine",
    "factory": "plant",
    "power_plant": "plant",
    "plant": "plant",
    "dam": "plant",
}
#: Marker group -> matplotlib marker (triangle, square, circle).
SITE_MARKERS: dict[str, str] = {"mine": "^", "plant": "s", "other": "o"}
#: Site types as the page, the PNG and the PDF name them (geo.io.bundled site_type values).
#: Marked for the catalog; translated where shown (``tr.gettext(label)``).
SITE_TYPE_LABELS: dict[str, str] = {
    "gold_mine": gettext_noop("Gold mine"),
    "other_mine": gettext_noop("Mine"),
    "factory": gettext_noop("Factory"),
    "power_plant": gettext_noop("Power plant"),
    "dam": gettext_noop("Dam"),
    "industrial": gettext_noop("Industrial area"),
    "other": gettext_noop("Other"),
}

#: Head/tail breaks stop when the part above the mean holds more than this share
#: of its values (Jiang 2013's 40 % rule).
HEAD_SHARE = 0.4

_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def check_color(color: str) -> str:
    """Return ``color`` if it is a ``#rrggbb`` hex colour, else raise.

    Parameters
    ----------
    color : str
        Candidate colour.

    Returns
    -------
    str
        The colour, lower-cased.

    Raises
    ------
    ParameterError
        For anything else (a colour goes into CSS and JavaScript unescaped).

    Examples
    --------
    >>> check_color("#A50026")
    '#a50026'
    """
    if not isinstance(color, str) or not _HEX.fullmatch(color):
        raise ParameterError(f"colour {color!r} is not of the form '#rrggbb'; use a hex colour.")
    return color.lower()


def class_breaks(values: Sequence[float] | np.ndarray, *, n_classes: int = 5) -> list[float]:
    """Upper bounds of up to ``n_classes`` display classes for positive values (head/tail breaks).

    Parameters
    ----------
    values : array-like of float
        The values to show (counts or rates); NaN and values <= 0 are ignored
        (zero has its own class, :data:`ZERO_COLOR`).
    n_classes : int
        Largest number of classes (1..len(:data:`SEQUENTIAL`)).

    Returns
    -------
    list of float
        Increasing upper bounds, the last equal to the maximum; fewer than
        ``n_classes`` when the values stop having a heavy tail; empty when no
        value is positive.

    Raises
    ------
    ParameterError
        If ``n_classes`` is outside 1..5.

    Notes
    -----
    Head/tail breaks (Jiang 2013, "Head/tail breaks: a new classification
    scheme for data with a heavy-tailed distribution", The Professional
    Geographer 65(3)): split at the mean, keep splitting the part above it
    (the head) while the head holds at most :data:`HEAD_SHARE` of its part.
    Incident counts per unit are heavy-tailed (most units hold 0-3, a few
    hold dozens), so the top class holds only the extremes instead of a
    quantile class "2 – 142". The app, the PNG and the PDF use these breaks;
    the legend states the ranges. Whole-number values get whole-number bounds.

    Examples
    --------
    >>> class_breaks([0, 1, 1, 2, 10], n_classes=3)
    [3.0, 10.0]
    >>> class_breaks([1, 1, 1, 1, 2, 3, 5, 40, 142])
    [21.0, 142.0]
    >>> class_breaks([0, 0])
    []
    """
    if not 1 <= n_classes <= len(SEQUENTIAL):
        raise ParameterError(f"n_classes is {n_classes} but must be within 1..{len(SEQUENTIAL)}.")
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    if arr.size == 0:
        return []
    bounds: list[float] = []
    part = arr
    while len(bounds) < n_classes - 1 and part.size > 1:
        mean = float(part.mean())
        head = part[part > mean]
        if head.size == 0 or head.size / part.size > HEAD_SHARE:
            break
        bounds.append(mean)
        part = head
    upper = [*bounds, float(arr.max())]
    if np.all(arr == np.round(arr)):
        # Counts: whole-number bounds, so no two classes get the same label.
        upper = [float(np.floor(b)) for b in upper]
    return sorted(set(upper))


def bin_values(values: Sequence[float] | np.ndarray, breaks: Sequence[float]) -> list[str]:
    """Colour of each value: :data:`ZERO_COLOR` for 0/NaN, else its class in :data:`SEQUENTIAL`.

    Parameters
    ----------
    values : array-like of float
        Values to colour, aligned with the features.
    breaks : sequence of float
        Upper bounds from :func:`class_breaks`.

    Returns
    -------
    list of str
        One hex colour per value.

    Examples
    --------
    >>> bin_values([0, 1, 2, 10], [1.0, 2.0, 10.0])
    ['#f0f0f0', '#dadaeb', '#9e9ac8', '#54278f']
    """
    palette = _palette(len(breaks))
    out = []
    for v in np.asarray(values, dtype=float):
        if not np.isfinite(v) or v <= 0 or not breaks:
            out.append(ZERO_COLOR)
            continue
        idx = int(np.searchsorted(np.asarray(breaks), v, side="left"))
        out.append(palette[min(idx, len(palette) - 1)])
    return out


def classify(
    values: Sequence[float] | np.ndarray, *, n_classes: int = 5
) -> tuple[list[float], list[str], list[int]]:
    """Display classes of ``values``: breaks, palette (zero colour first) and each value's class.

    Parameters
    ----------
    values : array-like of float
        Counts or rates, one per feature.
    n_classes : int
        Wanted number of positive classes (see :func:`class_breaks`).

    Returns
    -------
    breaks : list of float
        Upper bounds of the positive classes.
    palette : list of str
        ``[ZERO_COLOR, class 1, ..., class n]``.
    index : list of int
        Position in ``palette`` of each value (0 for zero, NaN or negative).

    Examples
    --------
    >>> classify([0, 1, 1, 2, 10], n_classes=3)
    ([3.0, 10.0], ['#f0f0f0', '#dadaeb', '#54278f'], [0, 1, 1, 1, 2])
    """
    breaks = class_breaks(values, n_classes=n_classes)
    palette = [ZERO_COLOR, *_palette(len(breaks))] if breaks else [ZERO_COLOR]
    index = [palette.index(c) for c in bin_values(values, breaks)]
    return breaks, palette, index


def _palette(n: int) -> tuple[str, ...]:
    """Spread ``n`` colours over :data:`SEQUENTIAL` so that few classes still span light to dark."""
    if n <= 1:
        return (SEQUENTIAL[-1],)
    idx = np.round(np.linspace(0, len(SEQUENTIAL) - 1, n)).astype(int)
    return tuple(SEQUENTIAL[i] for i in idx)


def class_palette(n: int) -> tuple[str, ...]:
    """Colours of ``n`` classes, as :func:`bin_values` uses them (for legends)."""
    return _palette(n)


def range_labels(breaks: Sequence[float], *, integer: bool) -> list[str]:
    """Legend labels of the classes of :func:`bin_values` (zero class excluded).

    Parameters
    ----------
    breaks : sequence of float
        Upper bounds from :func:`class_breaks`.
    integer : bool
        Values are counts: label ranges as ``3–10``; otherwise ``> 2.5–10``.

    Returns
    -------
    list of str
        One label per class.

    Examples
    --------
    >>> range_labels([1.0, 2.0, 10.0], integer=True)
    ['1', '2', '3–10']
    >>> range_labels([0.5, 2.25], integer=False)
    ['≤ 0.5', '> 0.5–2.2']
    """
    labels = []
    prev: float | None = None
    for b in breaks:
        if integer:
            lo = 1 if prev is None else math.floor(prev) + 1
            hi = math.floor(b)
            labels.append(f"{lo:,}" if lo >= hi else f"{lo:,}–{hi:,}")
        else:
            hi_txt = format_number(b, digits=1)
            labels.append(
                f"≤ {hi_txt}" if prev is None else f"> {format_number(prev, digits=1)}–{hi_txt}"
            )
        prev = b
    return labels


def format_number(value: float, *, digits: int = 1) -> str:
    """Short display form: integers without decimals, others with ``digits``; NaN as "–".

    Examples
    --------
    >>> format_number(12.0), format_number(3.456), format_number(float("nan"))
    ('12', '3.5', '–')
    >>> format_number(12345.6)
    '12,346'
    """
    if value is None or not math.isfinite(float(value)):
        return "–"
    v = float(value)
    if v.is_integer():
        return f"{int(v):,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def colorize_density(density: np.ndarray, *, vmax: float | None = None) -> np.ndarray:
    """Map a 2-D density grid to RGBA (uint8) with :data:`DENSITY_RAMP`.

    Parameters
    ----------
    density : ndarray, shape (rows, cols)
        Non-negative values (NaN = no data, drawn transparent).
    vmax : float, optional
        Value drawn with the darkest colour; default the grid's maximum.

    Returns
    -------
    ndarray, shape (rows, cols, 4), uint8

    Raises
    ------
    ParameterError
        If ``density`` is not 2-D or ``vmax`` is not positive.

    Examples
    --------
    >>> colorize_density(np.array([[0.0, 1.0]]))[0, :, 3].tolist()
    [0, 230]
    """
    arr = np.asarray(density, dtype=float)
    if arr.ndim != 2:
        raise ParameterError(f"density must be 2-D (rows, cols); got shape {arr.shape}.")
    top = float(np.nanmax(arr)) if vmax is None and np.isfinite(arr).any() else vmax
    if top is None or not math.isfinite(top) or top <= 0:
        if vmax is not None:
            raise ParameterError(f"vmax is {vmax!r}; it must be a positive number.")
        return np.zeros((*arr.shape, 4), dtype=np.uint8)
    t = np.clip(np.nan_to_num(arr, nan=0.0) / top, 0.0, 1.0)
    pos = np.array([p for p, _ in DENSITY_RAMP])
    rgba = np.array([c for _, c in DENSITY_RAMP], dtype=float)
    out = np.stack([np.interp(t, pos, rgba[:, k]) for k in range(4)], axis=-1)
    out[~np.isfinite(arr)] = 0
    return np.round(out).astype(np.uint8)


def exposure_index(values: pd.Series, *, what: str) -> list[int]:
    """Position of each exposure class in EXPOSURE_CLASSES (``len(EXPOSURE_CLASSES)`` if missing).

    Parameters
    ----------
    values : Series
        ``exposure_class`` values: low, medium, high, critical or missing.
    what : str
        Caller, for the message.

    Returns
    -------
    list of int

    Raises
    ------
    ParameterError
        On a value outside :data:`EXPOSURE_CLASSES`.
    """
    cls = values.astype("object").where(values.notna(), None)
    bad = sorted({str(c) for c in cls.dropna().unique()} - set(EXPOSURE_CLASSES))
    if bad:
        raise ParameterError(
            f"{what}: exposure_class values {bad} are not in {list(EXPOSURE_CLASSES)}."
        )
    return [len(EXPOSURE_CLASSES) if c is None else EXPOSURE_CLASSES.index(c) for c in cls]
