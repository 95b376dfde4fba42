"""The legend block of a PNG map: sections laid out in columns below the map."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle

from geo.export.png.draw import ramp_rgba
from geo.i18n import DEFAULT_LANGUAGE, Translator, translator
from geo.palette import (
    BASEMAP,
    EXPOSURE_COLORS,
    EXPOSURE_PRINT_WIDTH_PT,
)

__all__ = [
    "basemap_legend",
    "draw_legend",
    "fit_legend",
    "legend_block_height",
    "legend_columns",
    "legend_height",
]


_EN = translator(DEFAULT_LANGUAGE)


def _legend_item_height(kind: str, label: str = "") -> float:
    return 0.34 if kind == "gradient" else 0.17 + 0.1 * label.count("\n")


#: Font size (pt) of a legend entry, and the share of it an average DejaVu Sans glyph takes.
_LABEL_PT, _GLYPH_EM = 6.5, 0.6


def _n_columns(map_w: float) -> int:
    return 4 if map_w > 9 else 3


def fit_legend(sections: list[tuple[str, list]], map_w: float) -> list[tuple[str, list]]:
    """Wrap each entry's label to its column (a French label is often longer than the English).

    Parameters
    ----------
    sections : list of (title, items)
        The legend as the ``draw_*`` functions build it.
    map_w : float
        Width of the map (and of the legend block), inches.

    Returns
    -------
    list of (title, items)
        The same sections, long labels on several lines (heights follow the lines).
    """
    col_w = map_w / _n_columns(map_w)
    chars = max(int((col_w - 0.45) * 72 / (_LABEL_PT * _GLYPH_EM)), 16)
    return [
        (
            title,
            [
                (
                    kind,
                    style,
                    label if kind == "gradient" else "\n".join(textwrap.wrap(label, chars) or [""]),
                )
                for kind, style, label in items
            ],
        )
        for title, items in sections
    ]


_TITLE_CHARS = 34


def _title_lines(title: str) -> list[str]:
    return textwrap.wrap(title, _TITLE_CHARS) or [""]


def legend_height(sections: Sequence[tuple[str, list]]) -> float:
    """Return the height (inches) of one legend column."""
    return sum(
        0.13
        + 0.13 * len(_title_lines(title))
        + sum(_legend_item_height(k, label) for k, _, label in items)
        + 0.1
        for title, items in sections
    )


def legend_columns(sections: list[tuple[str, list]], n: int) -> list[list[tuple[str, list]]]:
    """Split sections in order into ``n`` columns with balanced heights."""
    cols: list[list[tuple[str, list]]] = [[] for _ in range(n)]
    total = legend_height(sections)
    target = total / n
    i = 0
    for sec in sections:
        if cols[i] and legend_height(cols[i]) + legend_height([sec]) / 2 > target and i < n - 1:
            i += 1
        cols[i].append(sec)
    return [c for c in cols if c]


def draw_legend(
    fig: Figure,
    rect: tuple[float, float, float, float],
    sections: list[tuple[str, list]],
    fig_h_in: float,
    fig_w_in: float,
) -> None:
    """Draw the legend sections in columns inside ``rect`` (figure fractions)."""
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    ax.set_xlim(0, rect[2] * fig_w_in)
    ax.set_ylim(0, rect[3] * fig_h_in)
    width_in = rect[2] * fig_w_in
    height_in = rect[3] * fig_h_in
    cols = legend_columns(sections, _n_columns(width_in))
    col_w = width_in / max(len(cols), 1)
    for c, col in enumerate(cols):
        x = c * col_w + 0.08
        y = height_in - 0.08
        for title, items in col:
            ax.text(
                x,
                y,
                "\n".join(_title_lines(title)),
                ha="left",
                va="top",
                fontsize=7.4,
                fontweight="bold",
                color="#222222",
                linespacing=1.15,
            )
            y -= 0.13 + 0.13 * len(_title_lines(title))
            for kind, style, label in items:
                h = _legend_item_height(kind, label)
                ym = y - h / 2 if kind != "gradient" else y - 0.09
                if kind == "patch":
                    ax.add_patch(
                        Rectangle(
                            (x, ym - 0.055),
                            0.24,
                            0.11,
                            facecolor=style,
                            edgecolor="#777777",
                            linewidth=0.5,
                        )
                    )
                elif kind == "line":
                    ax.add_line(
                        Line2D(
                            [x, x + 0.24],
                            [ym, ym],
                            color="#2b2b2b",
                            linewidth=EXPOSURE_PRINT_WIDTH_PT[style] + 1.1,
                            solid_capstyle="round",
                        )
                    )
                    ax.add_line(
                        Line2D(
                            [x, x + 0.24],
                            [ym, ym],
                            color=EXPOSURE_COLORS[style],
                            linewidth=EXPOSURE_PRINT_WIDTH_PT[style],
                            solid_capstyle="round",
                        )
                    )
                elif kind == "marker":
                    marker, color = style
                    ax.add_line(
                        Line2D(
                            [x + 0.12],
                            [ym],
                            marker=marker,
                            markersize=5.5,
                            markerfacecolor=color,
                            markeredgecolor="#1a1a1a",
                            markeredgewidth=0.7,
                            linestyle="none",
                        )
                    )
                elif kind == "area":
                    ax.add_patch(
                        Circle(
                            (x + 0.12, ym),
                            0.055,
                            facecolor=(0.33, 0.33, 0.33, 0.08),
                            edgecolor="#555555",
                            linewidth=0.9,
                            linestyle=(0, (3.0, 2.2)),
                        )
                    )
                elif kind == "road":
                    ax.add_line(
                        Line2D(
                            [x, x + 0.24],
                            [ym, ym],
                            color="#555555",
                            linewidth=1.8,
                            linestyle=(0, (3.0, 2.2)),
                        )
                    )
                elif kind == "basemap":
                    color, lw = style
                    ax.add_line(Line2D([x, x + 0.24], [ym, ym], color=color, linewidth=lw))
                elif kind == "gradient":
                    grad = ramp_rgba(np.linspace(0, 1, 64)[None, :])
                    ax.imshow(
                        grad,
                        extent=(x, x + 1.2, ym - 0.06, ym + 0.06),
                        aspect="auto",
                        interpolation="bilinear",
                    )
                    ax.add_patch(
                        Rectangle(
                            (x, ym - 0.06),
                            1.2,
                            0.12,
                            facecolor="none",
                            edgecolor="#777777",
                            linewidth=0.5,
                        )
                    )
                    ax.text(x, ym - 0.09, label, ha="left", va="top", fontsize=6.3, color="#444444")
                    y -= h
                    continue
                tx = x if kind == "text" else x + 0.32
                ax.text(
                    tx,
                    ym,
                    label,
                    ha="left",
                    va="center",
                    fontsize=6.5,
                    color="#333333" if kind != "text" else "#666666",
                    style="italic" if kind == "text" else "normal",
                )
                y -= h
            y -= 0.1


def basemap_legend(tr: Translator = _EN) -> tuple[str, list]:
    """Return the legend section of the basemap lines, in ``tr``'s language."""
    return (
        tr.gettext("Basemap"),
        [
            ("basemap", ("#4d4d4d", 0.9), tr.gettext("Country border")),
            ("basemap", (BASEMAP["adm1"], 0.7), tr.gettext("Region (ADM1)")),
            ("basemap", (BASEMAP["adm2"], 0.5), tr.gettext("Cercle (ADM2)")),
            ("basemap", (BASEMAP["road_major"], 0.8), tr.gettext("Main road (OSM)")),
            ("basemap", (BASEMAP["river"], 0.8), tr.gettext("River")),
        ],
    )


def legend_block_height(legend: list[tuple[str, list]], map_w: float) -> float:
    """Height (inches) of the legend laid out in 3 columns, or 4 on a map wider than 9 in."""
    cols = len(legend_columns(legend, _n_columns(map_w)))
    return max(legend_height(c) for c in legend_columns(legend, cols)) + 0.1
