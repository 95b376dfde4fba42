"""Incident playback: a time slider with play/pause that draws each week's or month's incidents.

A small self-contained Leaflet control (no plugin, nothing fetched): the
incidents of the window are embedded once as compact arrays sorted by step;
a canvas in the overlay pane draws the current step's incidents in their
category colours and the previous ``trail_steps`` faded, and the control's text
gives the step's key figures as one sentence (computed here, so the words can
be translated). Points are projected once per zoom level and only the current
step's few points are drawn per frame, so 20,000 incidents play smoothly
(``benchmarks/bench_playback.py``).
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure, MacroElement
from folium.template import Template
from folium.utilities import get_obj_in_upper_tree

from geo.emerging import STEPS
from geo.errors import ParameterError
from geo.i18n import DEFAULT_LANGUAGE, Translator
from geo.palette import CATEGORY_COLORS, check_color
from geo.schema import CATEGORIES
from geo.settings import DEFAULTS
from layers._geojson import js_literal, to_wgs84
from layers._render import RawElement
from layers.safe import safe_text
from layers.wording import ENGLISH, day

__all__ = ["PLAYBACK_STEPS", "playback_data", "Playback", "build_playback"]

#: Steps the playback offers.
PLAYBACK_STEPS: tuple[str, ...] = ("week", "month")

_CSS = (
    ".srm-playback{min-width:250px;max-width:330px}"
    ".srm-playback .srm-controls{display:flex;align-items:center;gap:6px}"
    ".srm-playback button{font:12px Arial,sans-serif;padding:2px 8px;cursor:pointer}"
    ".srm-playback input[type=range]{flex:1 1 auto}"
    ".srm-playback .srm-figures{margin-top:4px}"
)

_SCRIPT = """
(function() {
  var map = __MAP__, group = __GROUP__, D = __DATA__;
  if (!document.getElementById("srm-playback-css")) {
    var css = document.createElement("style");
    css.id = "srm-playback-css";
    css.textContent = D.css;
    document.head.appendChild(css);
  }
  var last = D.sentences.length - 1, step = last, timer = null;
  var xs = new Float64Array(D.lat.length), ys = new Float64Array(D.lat.length), zoomAt = null;
  function project(z) {
    for (var i = 0; i < D.lat.length; i++) {
      var p = map.project([D.lat[i], D.lon[i]], z);
      xs[i] = p.x; ys[i] = p.y;
    }
    zoomAt = z;
  }
  var Canvas = L.Layer.extend({
    onAdd: function(m) {
      this._c = L.DomUtil.create("canvas", "srm-playback-canvas leaflet-zoom-hide");
      this._c.style.pointerEvents = "none";
      m.getPanes().overlayPane.appendChild(this._c);
      m.on("moveend zoomend resize viewreset", this.reset, this);
      this.reset();
    },
    onRemove: function(m) {
      m.off("moveend zoomend resize viewreset", this.reset, this);
      L.DomUtil.remove(this._c);
    },
    reset: function() {
      var m = this._map, size = m.getSize(), r = window.devicePixelRatio || 1;
      this._topLeft = m.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(this._c, this._topLeft);
      this._c.width = size.x * r; this._c.height = size.y * r;
      this._c.style.width = size.x + "px"; this._c.style.height = size.y + "px";
      if (zoomAt !== m.getZoom()) { project(m.getZoom()); }
      this.draw();
    },
    draw: function() {
      if (!this._map) { return; }
      var c = this._c, ctx = c.getContext("2d"), r = window.devicePixelRatio || 1;
      var o = this._map.getPixelOrigin(), dx = o.x + this._topLeft.x, dy = o.y + this._topLeft.y;
      ctx.setTransform(r, 0, 0, r, 0, 0);
      ctx.clearRect(0, 0, c.width / r, c.height / r);
      for (var s = Math.max(0, step - D.trail); s <= step; s++) {
        var now = s === step;
        ctx.globalAlpha = now ? 0.95 : 0.25 + 0.35 * (1 - (step - s) / (D.trail + 1));
        for (var k = 0; k < D.colors.length; k++) {
          ctx.beginPath();
          for (var i = D.off[s]; i < D.off[s + 1]; i++) {
            if (D.cat[i] !== k) { continue; }
            var x = xs[i] - dx, y = ys[i] - dy;
            ctx.moveTo(x + (now ? 5 : 3.5), y);
            ctx.arc(x, y, now ? 5 : 3.5, 0, 2 * Math.PI);
          }
          ctx.fillStyle = now ? D.colors[k] : "#6f6a60";
          ctx.fill();
          if (now) { ctx.lineWidth = 1; ctx.strokeStyle = "#ffffff"; ctx.stroke(); }
        }
      }
    }
  });
  var layer = new Canvas(), btn = null, slider = null, text = null;
  function show(s) {
    step = Math.max(0, Math.min(last, s));
    slider.value = step;
    text.textContent = D.sentences[step];
    layer.draw();
  }
  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    btn.textContent = D.play;
  }
  function play() {
    if (step >= last) { show(0); }
    btn.textContent = D.pause;
    timer = setInterval(function() {
      if (step >= last) { pause(); return; }
      show(step + 1);
    }, D.interval);
  }
  var ctl = L.control({position: "bottomleft"});
  ctl.onAdd = function() {
    var div = L.DomUtil.create("div", "srm-legend srm-playback leaflet-control");
    var title = L.DomUtil.create("div", "srm-title", div);
    title.textContent = D.title;
    var row = L.DomUtil.create("div", "srm-controls", div);
    btn = L.DomUtil.create("button", "srm-play", row);
    btn.type = "button";
    btn.textContent = D.play;
    slider = L.DomUtil.create("input", "srm-slider", row);
    slider.type = "range"; slider.min = 0; slider.max = last; slider.step = 1;
    slider.setAttribute("aria-label", D.title);
    text = L.DomUtil.create("div", "srm-figures", div);
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    L.DomEvent.on(btn, "click", function() { if (timer === null) { play(); } else { pause(); } });
    L.DomEvent.on(slider, "input", function() { pause(); show(+slider.value); });
    return div;
  };
  function on() { layer.addTo(map); ctl.addTo(map); show(step); }
  function off() { if (btn) { pause(); } ctl.remove(); layer.remove(); }
  group.on("add", on);
  group.on("remove", off);
  if (map.hasLayer(group)) { on(); }
})();
"""


def _step_label(period: pd.Period, step: str, tr: Translator) -> str:
    """``Week of 2020-03-02`` / ``March 2020`` (``Semaine du 2 mars 2020`` / ``mars 2020``)."""
    start = period.start_time.date()
    if step == "week":
        return tr.gettext("Week of {day}").format(day=day(start, tr))
    if tr.lang == DEFAULT_LANGUAGE:
        return period.start_time.strftime("%B %Y")
    return tr.date(start, style="MMMM y")


def _step_sentence(
    label: str, n: int, killed: int, abductions: int, convoys: int, sites: int, tr: Translator
) -> str:
    """One step's key figures as a sentence in ``tr``'s language."""
    return tr.gettext("{step}: {incidents}, {killed}; {abductions}, {convoys}, {sites}.").format(
        step=label,
        incidents=tr.ngettext("{n} incident", "{n} incidents", n).format(n=tr.number(n)),
        killed=tr.gettext("{n} killed").format(n=tr.number(killed)),
        abductions=tr.ngettext("{n} abduction", "{n} abductions", abductions).format(
            n=tr.number(abductions)
        ),
        convoys=tr.ngettext("{n} attack on convoys", "{n} attacks on convoys", convoys).format(
            n=tr.number(convoys)
        ),
        sites=tr.ngettext("{n} attack on sites", "{n} attacks on sites", sites).format(
            n=tr.number(sites)
        ),
    )


def playback_data(
    incidents_4326: gpd.GeoDataFrame,
    *,
    step: str = DEFAULTS.playback_step,
    include_imprecise: bool = DEFAULTS.include_imprecise,
    tr: Translator = ENGLISH,
) -> dict[str, Any]:
    """Arrange incidents by step for the playback, with one key-figure sentence per step.

    Parameters
    ----------
    incidents_4326 : GeoDataFrame
        Canonical incidents of the window (EPSG:4326). Not modified.
    step : {"week", "month"}
        Playback step (weeks run Monday to Sunday).
    include_imprecise : bool
        Also draw events whose location is not their own place.
    tr : Translator
        Language of the step labels and sentences (French dates and numbers).

    Returns
    -------
    dict
        ``lat``, ``lon`` (4 decimals, about 11 m), ``cat`` (index into
        ``colors``), ``off`` (start of each step in the arrays, plus the end),
        ``colors`` (one per :data:`geo.schema.CATEGORIES`), ``sentences``
        (one per step, e.g. "Week of 2020-03-02: 3 incidents, 5 killed;
        1 abduction, 0 attacks on convoys, 0 attacks on sites."), ``labels``
        and ``n_left_out`` (no date or no location, or imprecise).

    Raises
    ------
    ParameterError
        If ``step`` is not a playback step.

    Examples
    --------
    >>> import shapely
    >>> pts = gpd.GeoDataFrame(
    ...     {"event_date": pd.to_datetime(["2020-03-03", "2020-03-20"]), "precise": [True, True],
    ...      "category": ["abduction", "armed_attack"], "fatalities": [0, 2]},
    ...     geometry=[shapely.Point(-8, 12.6), shapely.Point(-8, 12.7)], crs=4326)
    >>> d = playback_data(pts, step="week")
    >>> d["off"]
    [0, 1, 1, 2]
    >>> d["sentences"][0]  # doctest: +NORMALIZE_WHITESPACE
    'Week of 2020-03-02: 1 incident, 0 killed; 1 abduction, 0 attacks on convoys,
     0 attacks on sites.'

    """
    if step not in PLAYBACK_STEPS:
        raise ParameterError(f"`step` was {step!r} but is expected to be in {list(PLAYBACK_STEPS)}")
    gdf = to_wgs84(incidents_4326, what="build_playback")
    geom = gdf.geometry
    dates = pd.to_datetime(gdf["event_date"], errors="coerce")
    usable = (geom.notna() & ~geom.is_empty & dates.notna()).to_numpy().copy()
    if not include_imprecise:
        usable &= gdf["precise"].fillna(False).astype(bool).to_numpy()
    kept = gdf[usable]
    freq = STEPS[step]
    periods = dates[usable].dt.to_period(freq)
    if len(kept):
        steps = pd.period_range(periods.min(), periods.max(), freq=freq)
    else:
        steps = pd.PeriodIndex([], freq=freq)
    index = steps.get_indexer(periods) if len(kept) else np.array([], dtype=np.intp)
    order = np.argsort(index, kind="stable")
    cats = kept["category"].astype(str).to_numpy()[order]
    cat_index = np.array([CATEGORIES.index(c) if c in CATEGORIES else -1 for c in cats], int)
    cat_index[cat_index < 0] = CATEGORIES.index("other")
    counts = np.bincount(index, minlength=len(steps))
    fatal = pd.to_numeric(kept["fatalities"], errors="coerce").fillna(0).to_numpy()
    killed = np.bincount(index, weights=fatal, minlength=len(steps)).astype(int)
    per_cat = {
        c: np.bincount(index[kept["category"].astype(str).to_numpy() == c], minlength=len(steps))
        for c in ("abduction", "attack_on_convoy", "attack_on_site")
    }
    labels = [_step_label(p, step, tr) for p in steps]
    sentences = [
        _step_sentence(
            label, int(counts[k]), int(killed[k]), *(int(per_cat[c][k]) for c in per_cat), tr=tr
        )
        for k, label in enumerate(labels)
    ]
    xy = np.round(np.column_stack([kept.geometry.y, kept.geometry.x])[order], 4)
    return {
        "lat": xy[:, 0].tolist() if len(xy) else [],
        "lon": xy[:, 1].tolist() if len(xy) else [],
        "cat": cat_index.tolist(),
        "off": np.concatenate([[0], np.cumsum(counts)]).astype(int).tolist(),
        "colors": [check_color(CATEGORY_COLORS[c]) for c in CATEGORIES],
        "labels": labels,
        "sentences": [safe_text(s) for s in sentences],
        "n_left_out": int((~usable).sum()),
    }


class Playback(MacroElement):
    """The playback control and canvas; follows the visibility of its parent layer.

    Rendered in one pass (:class:`layers._render.RawElement`): the data is
    compact JSON from :func:`layers._geojson.js_literal` and every text was
    neutralised (:func:`layers.safe.safe_text`) and is set with ``textContent``.
    """

    def __init__(
        self,
        data: dict[str, Any],
        *,
        title: str,
        interval_ms: int,
        trail_steps: int,
        tr: Translator = ENGLISH,
    ):
        super().__init__()
        self._name = "Playback"
        self.data = {
            **{k: data[k] for k in ("lat", "lon", "cat", "off", "colors", "sentences")},
            "title": safe_text(title),
            "play": safe_text(tr.gettext("Play")),
            "pause": safe_text(tr.gettext("Pause")),
            "interval": int(interval_ms),
            "trail": int(trail_steps),
            "css": _CSS,
        }

    # streamlit-folium draws a layer's children from their ``script`` macro; the
    # macro only inserts the text built by :meth:`script_text` (no data in Jinja).
    _template = Template("{% macro script(this, kwargs) %}{{ this.script_text() }}{% endmacro %}")

    def script_text(self) -> str:
        """Return the control's script, with the map, the layer and the data filled in."""
        return (
            _SCRIPT.replace("__MAP__", get_obj_in_upper_tree(self, folium.Map).get_name())
            .replace("__GROUP__", self._parent.get_name())
            .replace("__DATA__", js_literal(self.data))
        )

    def render(self, **kwargs: Any) -> None:
        """Put the script in the page once, never parsed as a template again."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise ParameterError("the playback must be added to a layer on a folium map.")
        figure.script.add_child(RawElement(self.script_text()), name=self.get_name())


def build_playback(
    incidents_4326: gpd.GeoDataFrame,
    *,
    name: str,
    step: str = DEFAULTS.playback_step,
    include_imprecise: bool = DEFAULTS.include_imprecise,
    interval_ms: int = DEFAULTS.playback_interval_ms,
    trail_steps: int = DEFAULTS.playback_trail_steps,
    show: bool = True,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Make the playback layer: a time slider with play/pause over the window's incidents.

    Parameters
    ----------
    incidents_4326 : GeoDataFrame
        Canonical incidents of the window (EPSG:4326).
    name : str
        Layer name (in the layer control) and the control's title.
    step : {"week", "month"}
        One frame per week or per month.
    include_imprecise : bool
        Also draw imprecise locations.
    interval_ms, trail_steps : int
        Time per step while playing; faded previous steps drawn.
    show : bool
        On when the map opens.
    tr : Translator
        Language of the buttons, step labels and key-figure sentences.

    Returns
    -------
    folium.FeatureGroup
        Holding the :class:`Playback` element.
    """
    data = playback_data(incidents_4326, step=step, include_imprecise=include_imprecise, tr=tr)
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    if data["sentences"]:
        Playback(data, title=name, interval_ms=interval_ms, trail_steps=trail_steps, tr=tr).add_to(
            group
        )
    return group
