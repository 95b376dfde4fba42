"""Legend controls: one small box per layer, shown while its layer is on the map.

A :class:`Legend` is added as a child of a layer's FeatureGroup; its script adds a
Leaflet control to the map when that group is added and removes it when the group
is switched off. All text goes through :func:`layers.safe.safe_text` and colours
through :func:`geo.palette.check_color`, so the HTML is built from inert pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import folium
import numpy as np
from branca.element import Element, Figure, MacroElement
from folium.template import Template
from folium.utilities import get_obj_in_upper_tree

from geo.errors import ParameterError
from geo.i18n import Translator
from geo.palette import BASEMAP, MARKER_SHAPES, check_color, marker_svg, range_labels
from layers.safe import safe_text
from layers.wording import ENGLISH, localize

__all__ = [
    "LegendItem",
    "Legend",
    "swatch_legend",
    "ramp_legend",
    "classes_legend",
    "LAYERS_CSS",
    "add_css",
]

SHAPES = (
    "box",
    "line",
    "dashed_line",
    "circle",
    "dashed_circle",
    "ring",
    *(f"marker_{m}" for m in MARKER_SHAPES),
)
POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")

#: CSS shared by the legend boxes and the basemap town labels (added once per page).
LAYERS_CSS = (
    """
<style>
html .leaflet-container { background: BACKGROUND; }
.srm-legend { background: rgba(255,255,255,0.93); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font: 12px/1.35 "Helvetica Neue", Arial, sans-serif;
  color: #222; max-width: 270px; }
.srm-legend .srm-legend-toggle { all: unset; cursor: pointer; font-weight: bold;
  display: block; max-width: 250px; }
.srm-legend .srm-legend-toggle::after { content: " \\25BE"; color: #555; }
.srm-legend .srm-legend-toggle[aria-expanded="false"]::after { content: " \\25B8"; }
.srm-legend .srm-legend-toggle:focus-visible { outline: 2px solid #1a1a1a; outline-offset: 2px; }
.srm-legend .srm-legend-body { margin-top: 3px; max-height: 260px; overflow-y: auto; }
.srm-legend .srm-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.srm-legend .srm-key { flex: 0 0 18px; height: 12px; border: 1px solid #555; }
.srm-legend .srm-key.marker { flex-basis: 14px; height: 14px; border: 0; }
.srm-legend .srm-key.line { height: 0; border: 0; border-top-style: solid; }
.srm-legend .srm-key.dashed_line { height: 0; border: 0; border-top-style: dashed; }
.srm-legend .srm-key.circle { flex-basis: 12px; height: 12px; border-radius: 50%; }
.srm-legend .srm-key.dashed_circle { flex-basis: 12px; height: 12px; border-radius: 50%;
  border-style: dashed; border-width: 2px; }
.srm-legend .srm-key.ring { flex-basis: 12px; height: 12px; border-radius: 50%;
  border-width: 3px; background: transparent; }
.srm-legend .srm-ramp { height: 12px; border: 1px solid #555; margin: 2px 0; }
.srm-legend .srm-ends { display: flex; justify-content: space-between; gap: 0.75em; }
.srm-legend .srm-note { margin-top: 4px; color: #555; font-size: 11px; }
.leaflet-container .leaflet-control-attribution { font-size: 10px; line-height: 1.3;
  max-width: 70%; }
.leaflet-tooltip.srm-town-label { background: transparent; border: 0; box-shadow: none;
  padding: 0; color: #333; font: 11px Arial, sans-serif;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.leaflet-tooltip.srm-town-label::before { display: none; }
.leaflet-container:not(.srm-show-city) .srm-rank-city,
.leaflet-container:not(.srm-show-town) .srm-rank-town,
.leaflet-container:not(.srm-show-village) .srm-rank-village { display: none; }
.srm-popup { font: 12px/1.35 Arial, sans-serif; min-width: 200px; max-width: 320px; }
.srm-popup table { border-collapse: collapse; width: 100%; }
.srm-popup th { padding: 1px 8px 1px 0; vertical-align: top; text-align: left;
  white-space: nowrap; color: #555; font-weight: normal; width: 1%; }
.srm-popup td { padding: 1px 0; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
.srm-popup .srm-popup-title { font-weight: bold; margin: 0 16px 4px 0; }
.srm-popup .srm-url { word-break: break-all; color: #555; }
.srm-incident { background: transparent; border: 0; }
.srm-incident svg { display: block; }
.srm-cluster { background: rgba(40,40,40,0.85); color: #fff; border: 2px solid #fff;
  border-radius: 50%; box-shadow: 0 0 0 1px rgba(0,0,0,0.5); display: flex;
  align-items: center; justify-content: center; font: bold 12px Arial, sans-serif; }
</style>
"""
).replace("BACKGROUND", BASEMAP["background"])


def add_css(element: Element) -> None:
    """Add :data:`LAYERS_CSS` to the page header of ``element``'s figure (once)."""
    figure = element.get_root()
    if isinstance(figure, Figure):
        figure.header.add_child(Element(LAYERS_CSS), name="srm_layers_css")


@dataclass(frozen=True)
class LegendItem:
    """One legend row: a coloured key and its label.

    Attributes
    ----------
    label : str
        Text (neutralised when drawn).
    color : str
        ``#rrggbb`` key colour.
    shape : str
        One of ``box``, ``line``, ``dashed_line``, ``circle``, ``dashed_circle``, ``ring``,
        or ``marker_<shape>`` for an incident marker (:data:`geo.palette.MARKER_SHAPES`).
    size_px : float
        Line width or border width of the key.
    """

    label: str
    color: str
    shape: str = "box"
    size_px: float = 3.0

    def html(self) -> str:
        """Return the row as HTML built from neutralised text and a checked colour."""
        if self.shape not in SHAPES:
            raise ParameterError(f"legend shape {self.shape!r} is not one of {SHAPES}.")
        color = check_color(self.color)
        size = float(self.size_px)
        if self.shape.startswith("marker_"):
            svg = marker_svg(self.shape.removeprefix("marker_"), color)
            return (
                f'<div class="srm-row"><span class="srm-key marker">{svg}</span>'
                f"<span>{safe_text(self.label)}</span></div>"
            )
        if self.shape in ("line", "dashed_line"):
            key = f"border-top-color:{color};border-top-width:{size:.1f}px"
        elif self.shape in ("dashed_circle", "ring"):
            key = f"border-color:{color};background:transparent"
        else:
            key = f"background:{color}"
        return (
            f'<div class="srm-row"><span class="srm-key {self.shape}" style="{key}"></span>'
            f"<span>{safe_text(self.label)}</span></div>"
        )


class Legend(MacroElement):
    """A collapsible Leaflet control holding pre-built, neutralised legend HTML.

    Add it to a layer (FeatureGroup) to follow that layer's visibility, or to the
    map to stay on. Build it with :func:`swatch_legend` or :func:`ramp_legend`.
    Its title is a button with ``aria-expanded`` that shows or hides the rest,
    so a legend never has to stay over the data; ``expanded`` is its first state;
    ``tr`` gives the language of the button's hint (and of the default title).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this.map_name() }};
            var ctl = L.control({position: {{ this.position|tojson }}});
            ctl.onAdd = function() {
                var div = L.DomUtil.create("div", "srm-legend leaflet-control");
                var id = "srm-legend-" + L.Util.stamp(ctl);
                var open = {{ this.expanded|tojson }};
                var btn = L.DomUtil.create("button", "srm-legend-toggle", div);
                btn.type = "button";
                btn.setAttribute("aria-controls", id);
                btn.innerHTML = {{ this.title|tojson }};
                var body = L.DomUtil.create("div", "srm-legend-body", div);
                body.id = id;
                body.innerHTML = {{ this.body|tojson }};
                function show(yes) {
                    btn.setAttribute("aria-expanded", yes ? "true" : "false");
                    btn.title = yes ? {{ this.hide_text|tojson }} : {{ this.show_text|tojson }};
                    body.hidden = !yes;
                }
                btn.addEventListener("click", function() {
                    show(btn.getAttribute("aria-expanded") !== "true");
                });
                show(open);
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            {%- if this.follows_layer() %}
            var layer = {{ this._parent.get_name() }};
            layer.on("add", function() { ctl.addTo(map); });
            layer.on("remove", function() { ctl.remove(); });
            if (map.hasLayer(layer)) { ctl.addTo(map); }
            {%- else %}
            ctl.addTo(map);
            {%- endif %}
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        body: str,
        *,
        title: str = "",
        position: str = "bottomright",
        expanded: bool = True,
        tr: Translator = ENGLISH,
    ):
        super().__init__()
        if position not in POSITIONS:
            raise ParameterError(f"legend position {position!r} is not one of {POSITIONS}.")
        self._name = "Legend"
        self.title = safe_text(title or tr.gettext("Legend"))
        self.hide_text = safe_text(tr.gettext("Hide this legend"))
        self.show_text = safe_text(tr.gettext("Show this legend"))
        self.body = body
        self.position = position
        self.expanded = bool(expanded)

    def map_name(self) -> str:
        """JavaScript name of the map this legend is drawn on."""
        return get_obj_in_upper_tree(self, folium.Map).get_name()

    def follows_layer(self) -> bool:
        """Return True when the parent is a layer (not the map) whose visibility it follows."""
        return isinstance(self._parent, folium.map.Layer) and not isinstance(
            self._parent, folium.Map
        )

    def render(self, **kwargs) -> None:
        """Add the shared CSS, then render the control script."""
        add_css(self)
        super().render(**kwargs)


def _frame(rows: str, note: str) -> str:
    foot = f'<div class="srm-note">{safe_text(note)}</div>' if note else ""
    return rows + foot


def swatch_legend(
    items: Sequence[LegendItem],
    *,
    title: str,
    note: str = "",
    position: str = "bottomright",
    expanded: bool = True,
    tr: Translator = ENGLISH,
) -> Legend:
    """Legend with one coloured key per class.

    Parameters
    ----------
    items : sequence of LegendItem
        Rows, top to bottom.
    title : str
        Heading (e.g. the layer name and window).
    note : str
        Small print under the rows: source, window, what was left out.
    position : str
        Map corner: ``topleft``, ``topright``, ``bottomleft`` or ``bottomright``.
    expanded : bool
        Open when drawn (False: only its title button shows until clicked).
    tr : Translator
        Language of the control's own words (the texts given are already translated).

    Returns
    -------
    Legend

    Raises
    ------
    ParameterError
        On an unknown shape, a colour that is not ``#rrggbb`` or a bad position.
    """
    rows = "".join(item.html() for item in items)
    return Legend(_frame(rows, note), title=title, position=position, expanded=expanded, tr=tr)


def ramp_legend(
    colors: Sequence[str],
    *,
    title: str,
    low_label: str,
    high_label: str,
    note: str = "",
    position: str = "bottomright",
    expanded: bool = True,
    tr: Translator = ENGLISH,
) -> Legend:
    """Legend with a continuous colour ramp and its two end labels.

    Parameters
    ----------
    colors : sequence of str
        ``#rrggbb`` stops from low to high (at least two).
    title, low_label, high_label, note : str
        Text (neutralised).
    position : str
        Map corner.
    expanded : bool
        Open when drawn.
    tr : Translator
        Language of the control's own words.

    Returns
    -------
    Legend

    Raises
    ------
    ParameterError
        If fewer than two colours are given or one is not ``#rrggbb``.
    """
    stops = [check_color(c) for c in colors]
    if len(stops) < 2:
        raise ParameterError(f"a ramp needs at least two colours; got {len(stops)}.")
    ramp = (
        f'<div class="srm-ramp" style="background:linear-gradient(to right,{",".join(stops)})">'
        "</div>"
        f'<div class="srm-ends"><span>{safe_text(low_label)}</span>'
        f"<span>{safe_text(high_label)}</span></div>"
    )
    return Legend(_frame(ramp, note), title=title, position=position, expanded=expanded, tr=tr)


def classes_legend(
    values: Sequence[float] | np.ndarray,
    breaks: Sequence[float],
    palette: Sequence[str],
    *,
    title: str,
    note: str = "",
    position: str = "bottomright",
    expanded: bool = True,
    tr: Translator = ENGLISH,
) -> Legend:
    """Legend of the count/rate classes made by :func:`geo.palette.classify`.

    Parameters
    ----------
    values : array-like of float
        The classified values (whole numbers get integer ranges such as ``3–10``).
    breaks, palette : sequence
        From :func:`geo.palette.classify` (``palette[0]`` is the zero class).
    title, note, position, expanded, tr :
        As for :func:`swatch_legend`; the class ranges follow ``tr``'s number format.

    Returns
    -------
    Legend
    """
    arr = np.asarray(values, dtype=float)
    integer = bool(np.all(np.mod(arr[np.isfinite(arr)], 1) == 0))
    labels = [localize(label, tr) for label in range_labels(breaks, integer=integer)]
    items = [LegendItem("0", palette[0])] + [
        LegendItem(label, color) for label, color in zip(labels, palette[1:], strict=True)
    ]
    return swatch_legend(items, title=title, note=note, position=position, expanded=expanded, tr=tr)
