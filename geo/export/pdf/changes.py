"""The PDF briefing's "What changed" section: emerging hot spot map, units turning hot, since-list.

Built from the :class:`geo.briefing.WhatChanged` an analysis carries
(``Analysis.what_changed``); :mod:`geo.export.pdf` appends it to the story when
present. Every text from data goes through the PDF module's escaping helpers.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pandas as pd
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Flowable

from geo.emerging import CATEGORY_LABELS, emerging_message
from geo.i18n import Translator, gettext_noop, translator
from geo.palette import EMERGING_COLORS

__all__ = ["categories_picture", "what_changed_section"]

#: Rows of the since-list printed at most (the rest are counted).
SINCE_ROWS_MAX = 40


def categories_picture(units: Any, *, width_px: int = 1100, tr: Translator | None = None) -> Any:
    """Draw the units coloured by emerging category, with a legend of the categories present.

    Parameters
    ----------
    units : GeoDataFrame
        ``EmergingResult.units`` (EPSG:4326).
    width_px : int
        Image width in pixels (300 dpi in the PDF).
    tr : Translator, optional
        Language of the legend (English by default).

    Returns
    -------
    PIL.Image.Image
        RGB image.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from PIL import Image

    tr = tr or translator()
    frame = units.to_crs(4326)
    fig, ax = plt.subplots(figsize=(width_px / 300, width_px / 300 * 0.62), dpi=300)
    frame.plot(
        ax=ax,
        color=[EMERGING_COLORS[c] for c in frame["category"]],
        edgecolor="#7a7368",
        linewidth=0.3,
    )
    ax.set_axis_off()
    present = [c for c in CATEGORY_LABELS if c in set(frame["category"])]
    handles = [
        Patch(
            facecolor=EMERGING_COLORS[c], edgecolor="#7a7368", label=tr.gettext(CATEGORY_LABELS[c])
        )
        for c in present
    ]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=4.5)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=300)
    plt.close(fig)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def what_changed_section(
    analysis: Any, s: Mapping[str, ParagraphStyle], *, tr: Translator | None = None
) -> list[Flowable]:
    """Return the "What changed" flowables of an analysis that carries a ``what_changed``.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        With ``what_changed`` set (:func:`geo.briefing.what_changed`).
    s : Mapping of str to ParagraphStyle
        The PDF's styles.
    tr : Translator, optional
        Language of the headings, sentences and table (English by default).

    Returns
    -------
    list of Flowable
        Heading, emerging map and sentences, and the since-list (left out of a
        shared copy, which carries no place names).
    """
    from geo.export.pdf.document import map_image
    from geo.export.pdf.styles import FRAME_W, data_table, fmt_num, markup_para, text_para
    from geo.export.share import is_shared
    from geo.provenance import format_day

    tr = tr or translator()
    changes = analysis.what_changed
    out: list[Flowable] = [CondPageBreak(90), markup_para(tr.gettext("What changed"), s["h1"])]
    if changes.emerging is None:
        out.append(
            text_para(
                tr.gettext("No emerging hot spot analysis: {reason}").format(
                    reason=emerging_message(changes.emerging_message or "", tr=tr)
                ),
                s["body"],
            )
        )
    else:
        st = changes.emerging.settings
        out.append(
            text_para(
                tr.gettext(
                    "Emerging hot spot analysis of the window ({steps} {step} steps from "
                    "{start} to {end}): Gi* on each unit and step with its neighbours and the "
                    "previous {lag} step(s), alpha {alpha}, FDR {fdr}; Mann-Kendall trend alpha "
                    "{trend_alpha}; persistent, intensifying, diminishing and historical need "
                    "{needed} of {steps} steps."
                ).format(
                    steps=st["steps"],
                    step=tr.gettext(STEP_WORDS.get(changes.step, changes.step)),
                    start=st["start"],
                    end=st["end"],
                    lag=st["time_lag_steps"],
                    alpha=_decimal(st["gistar_alpha"], tr),
                    fdr=tr.gettext("on") if st["fdr"] else tr.gettext("off"),
                    trend_alpha=_decimal(st["trend_alpha"], tr),
                    needed=st["steps_needed_for_share"],
                ),
                s["lead"],
            )
        )
        out.append(map_image(categories_picture(changes.emerging.units, tr=tr), FRAME_W * 0.75))
        if changes.became_hot:
            out.append(
                markup_para(
                    tr.gettext("Units that became new, consecutive or intensifying hot spots"),
                    s["h2"],
                )
            )
            out.extend(text_para(sentence, s["body"]) for sentence in changes.became_hot)
        else:
            out.append(
                text_para(
                    tr.gettext("No unit is a new, consecutive or intensifying hot spot."), s["body"]
                )
            )
    table = changes.since
    a = table.attrs
    out.append(
        markup_para(
            tr.gettext("New since {day}").format(day=format_day(a["since"], tr=tr)), s["h2"]
        )
    )
    out.append(
        text_para(
            tr.gettext(
                "{n} incident(s) dated after {since} up to {as_of}; {listed} of them within "
                "{radius} km of a key site or {buffer} km of a corridor stretch, listed by the "
                "place's incident exposure (highest first). Imprecise locations are not placed "
                "({left_out} left out)."
            ).format(
                n=tr.number(a["n_since"]),
                since=format_day(a["since"], tr=tr),
                as_of=format_day(a["as_of"], tr=tr),
                listed=tr.number(a["n_listed"]),
                radius=_decimal(a["site_radius_km"], tr),
                buffer=_decimal(a["buffer_km"], tr),
                left_out=tr.number(a["n_imprecise_left_out"]),
            ),
            s["lead"],
        )
    )
    if is_shared(analysis):
        out.append(
            text_para(
                tr.gettext("The list is left out of a shared copy (it names places)."), s["note"]
            )
        )
        return out
    if not len(table):
        return out
    rows: list[list[Any]] = [
        [
            tr.gettext("Place"),
            tr.gettext("Date"),
            tr.gettext("Incident"),
            tr.gettext("Killed"),
            tr.gettext("Distance"),
            tr.gettext("Nearest town"),
        ]
    ]
    for r in table.head(SINCE_ROWS_MAX).itertuples(index=False):
        rows.append(
            [
                f"{r.place} ({r.place_kind})",
                format_day(pd.Timestamp(r.event_date), tr=tr),
                str(r.category),
                fmt_num(r.fatalities),
                f"{fmt_num(r.distance_km, 1)} km",
                f"{r.nearest_town} ({fmt_num(r.nearest_town_km)} km)",
            ]
        )
    widths = [w * FRAME_W for w in (0.34, 0.12, 0.17, 0.07, 0.1, 0.2)]
    out.append(data_table(rows, widths, s, numeric_cols=(3, 4)))
    if len(table) > SINCE_ROWS_MAX:
        more = len(table) - SINCE_ROWS_MAX
        out.append(
            text_para(
                tr.gettext("{n} further rows are not printed here.").format(n=tr.number(more)),
                s["note"],
            )
        )
    return out


#: The cube's time step -> its word in the method sentence.
STEP_WORDS: dict[str, str] = {
    "week": gettext_noop("week"),
    "month": gettext_noop("month"),
    "quarter": gettext_noop("quarter"),
}


def _decimal(value: float, tr: Translator) -> str:
    """Write ``value`` as ``:g`` does, with the language's decimal mark (0.05 -> 0,05)."""
    return f"{value:g}".replace(".", tr.number(0.5, 1)[1])
