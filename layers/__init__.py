"""Folium layer builders: computed results in, neutralised offline folium layers out (no analysis).

One module per layer (``build_<layer>(data, *, name, show) -> folium.FeatureGroup``);
every string from data passes through :func:`layers.safe.safe_text`; assets come
from ``static/`` (:mod:`layers.assets`). Every builder takes ``tr=`` (a
:class:`geo.i18n.Translator`, English by default) for its own words, numbers
and dates (:mod:`layers.wording`). This package never imports streamlit.
"""

from layers.admin import build_admin
from layers.assets import find_remote_references, inline_assets, use_local_assets
from layers.basemap import build_basemap, online_tiles
from layers.gistar import build_gistar
from layers.hexes import build_hexes
from layers.incidents import build_incidents
from layers.kde import build_kde
from layers.map import add_attribution, add_layer_control, new_map
from layers.routes import build_routes
from layers.safe import safe_properties, safe_text
from layers.sites import build_sites

__all__ = [
    "add_attribution",
    "add_layer_control",
    "build_admin",
    "build_basemap",
    "build_gistar",
    "build_hexes",
    "build_incidents",
    "build_kde",
    "build_routes",
    "build_sites",
    "find_remote_references",
    "inline_assets",
    "new_map",
    "online_tiles",
    "safe_properties",
    "safe_text",
    "use_local_assets",
]
