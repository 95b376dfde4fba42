"""Incidents drawn as counts per H3 cell, the cells splitting as the map zooms in.

The map switches to this layer above ``Settings.incident_marker_limit``
(chosen by :mod:`ui.maps`), so the page stays under 5 MB at any size
(``benchmarks/bench_scale.py``). The layer holds one set of cells per H3
resolution (:func:`geo.hotspots.cell_pyramid`, 4 to 7 by default) and a small
script that shows, on every ``zoomend``, the finest resolution whose cells are
still at least :data:`MIN_CELL_PX` pixels across (offline: Leaflet only). Each
resolution has its own legend, which follows it, saying how many incidents
the cells hold and that they are not drawn one by one.
"""

from __future__ import annotations

import math

import folium
import geopandas as gpd
import h3
from folium.template import Template
from folium.utilities import get_obj_in_upper_tree

from geo.i18n import Translator
from layers._geojson import js_literal, require_columns
from layers.hexes import build_hexes
from layers.safe import safe_text
from layers.wording import ENGLISH

__all__ = ["MIN_CELL_PX", "build_incident_cells", "cells_note", "zoom_starts", "ZoomSwitch"]

#: A resolution is drawn from the zoom at which its cells are this many pixels across.
MIN_CELL_PX = 16.0

#: Metres per pixel at zoom 0 in Web Mercator at the equator (Leaflet's 256-pixel tiles).
_M_PER_PX_Z0 = 156_543.03
#: Latitude the zoom rule is worked out for: western Mali.
_LATITUDE_DEG = 14.0


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
        The sentence shown in the legend.

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


def zoom_starts(resolutions: tuple[int, ...]) -> dict[int, int]:
    """Map zoom from which each resolution is drawn (the coarsest from zoom 0).

    Parameters
    ----------
    resolutions : tuple of int
        H3 resolutions, any order.

    Returns
    -------
    dict of int to int
        Resolution -> first zoom, coarse to fine: the smallest zoom z at which a
        cell (two edge lengths across) spans :data:`MIN_CELL_PX` pixels at 14° N,
        2 · edge · 2^z / (156,543 m · cos 14°) >= MIN_CELL_PX; never before the
        coarser resolution's.

    Examples
    --------
    >>> zoom_starts((4, 5, 6, 7))
    {4: 0, 5: 7, 6: 9, 7: 10}
    """
    levels = sorted(set(resolutions))
    m_per_px = _M_PER_PX_Z0 * math.cos(math.radians(_LATITUDE_DEG))
    starts: dict[int, int] = {}
    previous = 0
    for i, res in enumerate(levels):
        edge_m = h3.average_hexagon_edge_length(res, unit="m")
        zoom = math.ceil(math.log2(MIN_CELL_PX * m_per_px / (2.0 * edge_m)))
        previous = 0 if i == 0 else max(previous, zoom)
        starts[res] = previous
    return starts


class ZoomSwitch(folium.MacroElement):
    """Show one of a group's sub-layers by zoom: the last whose first zoom is reached.

    Parameters
    ----------
    layers : list of (int, folium.map.Layer)
        ``(first zoom, sub-layer)`` pairs, children of the same group, in
        increasing first zoom.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this.map_name() }};
            var group = {{ this._parent.get_name() }};
            var levels = [{% for zoom, layer in this.layers %}
                [{{ zoom|tojson }}, {{ layer.get_name() }}],{% endfor %}
            ];
            var starts = {{ this.starts_js }};
            function pick() {
                var z = map.getZoom(), want = 0;
                for (var i = 0; i < starts.length; i++) { if (z >= starts[i]) { want = i; } }
                levels.forEach(function(level, i) {
                    var on = group.hasLayer(level[1]);
                    if (i === want && !on) { group.addLayer(level[1]); }
                    if (i !== want && on) { group.removeLayer(level[1]); }
                });
            }
            map.on("zoomend", pick);
            pick();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layers: list[tuple[int, folium.map.Layer]]):
        super().__init__()
        self._name = "ZoomSwitch"
        self.layers = [(int(z), layer) for z, layer in layers]
        self.starts_js = js_literal([z for z, _ in self.layers])

    def map_name(self) -> str:
        """JavaScript name of the map whose zoom is followed."""
        return get_obj_in_upper_tree(self, folium.Map).get_name()


def build_incident_cells(
    cells: gpd.GeoDataFrame,
    *,
    n_incidents: int,
    name: str,
    show: bool = True,
    legend: bool = True,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw the window's incidents as H3 cells coloured by their count, finer as the map zooms in.

    Parameters
    ----------
    cells : GeoDataFrame
        :func:`geo.hotspots.cell_pyramid` of the window's incidents
        (``resolution``, ``hex``, ``incidents``, ``fatalities``, the cell
        polygon), any CRS.
    n_incidents : int
        Incidents in the window (named in the legends).
    name : str
        Layer name and legend title.
    show : bool
        Shown when the map opens.
    legend : bool
        Add a legend to each resolution (shown while it is drawn).
    tr : Translator
        Language of the tooltips, legends and notes.

    Returns
    -------
    folium.FeatureGroup
        One sub-layer per resolution (out of the layer control) and a
        :class:`ZoomSwitch` that shows the one for the zoom
        (:func:`zoom_starts`).

    Raises
    ------
    geo.errors.ParameterError
        On a missing column.
    """
    require_columns(cells, ("resolution", "hex", "incidents", "fatalities"), what="cells")
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    resolutions = tuple(int(r) for r in sorted(cells["resolution"].unique()))
    starts = zoom_starts(resolutions)
    levels = []
    for res in resolutions:
        small = cells_note(n_incidents, res, tr=tr)
        sub = build_hexes(
            cells[cells["resolution"] == res], name=name, legend=legend, note=small, tr=tr
        )
        sub.control = False
        group.add_child(sub)
        levels.append((starts[res], sub))
    if levels:
        group.add_child(ZoomSwitch(levels))
    return group
