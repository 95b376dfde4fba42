"""Incidents drawn as counts per H3 cell, for windows too large for one marker each.

The map switches to this layer above ``Settings.incident_marker_limit``
(chosen by :mod:`ui.maps`), so the page stays under 5 MB at any size
(``benchmarks/bench_scale.py``); the legend says how many incidents the cells
hold and that they are not drawn one by one.
"""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.i18n import Translator
from layers.hexes import build_hexes
from layers.wording import ENGLISH

__all__ = ["build_incident_cells", "cells_note"]


def cells_note(n_incidents: int, resolution: int, *, tr: Translator = ENGLISH) -> str:
    """Say how the incidents are drawn, as one sentence.

    Parameters
    ----------
    n_incidents : int
        Incidents in the window.
    resolution : int
        H3 resolution of the cells.
    tr : Translator
        Language of the sentence.

    Returns
    -------
    str
        The sentence shown in the legend and under the map.

    Examples
    --------
    >>> cells_note(412000, 6)
    '412,000 incidents drawn as counts per H3 cell (resolution 6), not one marker each.'
    """
    return tr.ngettext(
        "{n} incident drawn as counts per H3 cell (resolution {resolution}), not one marker each.",
        "{n} incidents drawn as counts per H3 cell (resolution {resolution}), not one marker each.",
        n_incidents,
    ).format(n=tr.number(n_incidents), resolution=resolution)


def build_incident_cells(
    cells: gpd.GeoDataFrame,
    *,
    n_incidents: int,
    resolution: int,
    name: str,
    show: bool = True,
    legend: bool = True,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw the window's incidents as H3 cells coloured by their count.

    Parameters
    ----------
    cells : GeoDataFrame
        :func:`geo.hotspots.hex_counts` of the window's incidents (``hex``,
        ``incidents``, ``fatalities``, the cell polygon), any CRS.
    n_incidents : int
        Incidents in the window (named in the legend).
    resolution : int
        H3 resolution of ``cells``.
    name : str
        Layer name and legend title.
    show : bool
        Shown when the map opens.
    legend : bool
        Add the legend control.
    tr : Translator
        Language of the tooltips, legend and note.

    Returns
    -------
    folium.FeatureGroup
    """
    return build_hexes(
        cells,
        name=name,
        show=show,
        legend=legend,
        note=cells_note(n_incidents, resolution, tr=tr),
        tr=tr,
    )
