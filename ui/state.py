"""Session state of the page: namespaced keys, set once, reset only when the data set changes.

Widgets own their value through ``key=``; this module only seeds those keys.
Keys that depend on the data (the date window, the sources present) are reset
when the user switches to another data set, never on an ordinary rerun.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import MISSING, fields
from datetime import date, timedelta
from typing import Any

from geo.i18n import gettext_noop
from geo.pipeline import Params
from geo.schema import CATEGORIES
from geo.settings import Settings

__all__ = [
    "HOTSPOT_METHODS",
    "HOTSPOT_HELP",
    "CHOROPLETH_MEASURES",
    "ADMIN_LEVELS",
    "GISTAR_UNITS",
    "LAYERS",
    "LAYERS_ON",
    "TABS",
    "static_defaults",
    "data_defaults",
    "init_once",
    "sync_data_defaults",
    "remember_widget",
    "restore_widget",
    "relabel_widget",
]

#: Hotspot methods offered on the Hotspots tab: state value -> label.
HOTSPOT_METHODS: Mapping[str, str] = {
    "admin": gettext_noop("Incidents per region or cercle (choropleth)"),
    "kde": gettext_noop("Density surface (KDE)"),
    "hex": gettext_noop("Counts on a hexagon grid (H3)"),
    "gistar": gettext_noop("Statistical hot spots (Getis-Ord Gi*)"),
}
#: What each method shows, in plain words (the Method list's help).
HOTSPOT_HELP = gettext_noop(
    "Choropleth: each region or cercle coloured by its incidents. Density (kernel density "
    "estimate, KDE): a smooth surface of where incidents cluster, independent of borders. "
    "Hexagon grid (H3): incidents counted in equal-area hexagons. Statistical hot spots "
    "(Getis-Ord Gi*): units whose neighbourhood holds significantly more incidents than "
    "the study area on average, at the significance level chosen below."
)

#: What colours the admin units: ``build_admin`` value column -> label.
CHOROPLETH_MEASURES: Mapping[str, str] = {
    "incidents": gettext_noop("Incidents (count)"),
    "incidents_per_1000km2": gettext_noop("Incidents per 1,000 km² (rate)"),
    "change": gettext_noop("Change against the previous window"),
}

#: Admin levels: state value -> label (values are ``Params.admin_level``).
ADMIN_LEVELS: Mapping[int | str, str] = {
    1: gettext_noop("Regions (8 + Bamako district)"),
    2: gettext_noop("Cercles (49 + Bamako district)"),
    "region_2023": gettext_noop("Regions, 2023 scheme (Loi n°2023-006)"),
}

#: Units Gi* runs on: ``Params.gistar_on`` value -> label.
GISTAR_UNITS: Mapping[str, str] = {
    "hex": gettext_noop("H3 hexagons"),
    "admin": gettext_noop("Admin units"),
}

#: Map layers the user can switch on and off: state key suffix -> label.
LAYERS: Mapping[str, str] = {
    "hotspots": gettext_noop("Hotspot layer"),
    "incidents": gettext_noop("Incidents"),
    "routes": gettext_noop("Corridor exposure on the Hotspots map"),
    "sites": gettext_noop("Key sites on the Hotspots map"),
    "admin": gettext_noop("Admin boundaries"),
    "basemap": gettext_noop("Roads, rivers and towns"),
}
#: Layers drawn when the page opens (the Routes and Sites tabs always draw theirs).
LAYERS_ON: frozenset[str] = frozenset({"hotspots", "incidents", "admin", "basemap"})

#: Tab labels, in page order (English; the page shows them translated, see
#: :func:`relabel_widget` for how the open tab survives a language switch).
TABS: tuple[str, ...] = (
    gettext_noop("Hotspots"),
    gettext_noop("Routes"),
    gettext_noop("Plan"),
    gettext_noop("Sites"),
    gettext_noop("What is changing"),
    gettext_noop("Export"),
    gettext_noop("About / Data"),
    gettext_noop("Incident log"),
)


def static_defaults(settings: Settings) -> dict[str, Any]:
    """Return the state keys that do not depend on the data, with their defaults.

    Parameters
    ----------
    settings : geo.settings.Settings
        Documented defaults of the filters.

    Returns
    -------
    dict
        Namespaced session-state key -> initial value. Analysis parameters
        start at the defaults of :class:`geo.pipeline.Params`.
    """
    params = {f.name: f.default for f in fields(Params) if f.default is not MISSING}
    defaults: dict[str, Any] = {
        "data.source": "bundled",
        "filters.categories": list(CATEGORIES),
        "filters.actors": [],
        "filters.include_imprecise": settings.include_imprecise,
        "filters.imprecise": settings.imprecise,
        "params.as_of_follows_window": True,
        "hotspots.method": "admin",
        "hotspots.measure": "incidents",
        **{
            f"params.{name}": params[name]
            for name in (
                "admin_level",
                "kde_bandwidth_km",
                "kde_cell_m",
                "hex_resolution",
                "gistar_alpha",
                "gistar_fdr",
                "gistar_on",
                "gistar_hex_reach_km",
                "buffer_km",
                "half_life_days",
                "segment_km",
                "site_radius_km",
            )
        },
        "map.online_basemap": False,
        "sites.show_generic": False,
        "export.banner": "RESTRICTED",
        "export.counter": 0,
    }
    for layer in LAYERS:
        defaults[f"map.layer.{layer}"] = layer in LAYERS_ON
    return defaults


def data_defaults(
    *, oldest: date, newest: date, sources: list[str], window_days: int
) -> dict[str, Any]:
    """Return the state keys that follow the data set, with their defaults.

    Parameters
    ----------
    oldest, newest : datetime.date
        Dates of the oldest and newest events in the data set.
    sources : list of str
        Sources present in the data set (``acled``, ``ucdp``, ``news``, ``user``).
    window_days : int
        Length of the default window, ending on ``newest``.

    Returns
    -------
    dict
        ``filters.date_range`` (the last ``window_days`` days, both ends
        inclusive, never before ``oldest``; ``filters.last_window`` keeps the
        last complete range while the user picks a new one),
        ``filters.sources`` (all present), no actor filter, and
        ``params.as_of`` (the newest date).

    Examples
    --------
    >>> d = data_defaults(oldest=date(1990, 1, 1), newest=date(2025, 11, 30),
    ...                   sources=["news"], window_days=180)
    >>> d["filters.date_range"]
    (datetime.date(2025, 6, 4), datetime.date(2025, 11, 30))
    >>> data_defaults(oldest=date(2025, 11, 1), newest=date(2025, 11, 30),
    ...               sources=["user"], window_days=180)["filters.date_range"]
    (datetime.date(2025, 11, 1), datetime.date(2025, 11, 30))
    """
    start = max(oldest, newest - timedelta(days=window_days - 1))
    return {
        "filters.date_range": (start, newest),
        "filters.last_window": (start, newest),
        "filters.sources": list(sources),
        "filters.actors": [],
        "params.as_of": newest,
    }


def init_once(state: MutableMapping[str, Any], defaults: Mapping[str, Any]) -> None:
    """Seed every key of ``defaults`` that ``state`` does not hold yet.

    Parameters
    ----------
    state : MutableMapping
        ``st.session_state`` (any mapping in tests).
    defaults : Mapping
        Key -> initial value.

    Examples
    --------
    >>> s = {"a": 1}
    >>> init_once(s, {"a": 0, "b": 2})
    >>> s
    {'a': 1, 'b': 2}
    """
    for key, value in defaults.items():
        if key not in state:
            state[key] = value


def sync_data_defaults(
    state: MutableMapping[str, Any], data_key: str, defaults: Mapping[str, Any]
) -> bool:
    """Reset the data-dependent keys when the data set changed since the last run.

    Parameters
    ----------
    state : MutableMapping
        ``st.session_state``.
    data_key : str
        Identity of the data set now shown (``bundled:...`` or ``upload:<sha256>``).
    defaults : Mapping
        Output of :func:`data_defaults` for that data set.

    Returns
    -------
    bool
        True when the keys were reset (the data set changed or this is the first run).

    Examples
    --------
    >>> s = {}
    >>> sync_data_defaults(s, "a", {"x": 1}), s["x"]
    (True, 1)
    >>> s["x"] = 5
    >>> sync_data_defaults(s, "a", {"x": 1}), s["x"]
    (False, 5)
    """
    if state.get("data.key") == data_key:
        return False
    for key, value in defaults.items():
        state[key] = value
    state["data.key"] = data_key
    return True


def remember_widget(state: MutableMapping[str, Any], key: str) -> None:
    """Keep a copy of a widget's value under ``saved.<key>`` (use as its ``on_change``).

    Parameters
    ----------
    state : MutableMapping
        ``st.session_state``.
    key : str
        The widget's key.
    """
    if key in state:
        state[f"saved.{key}"] = state[key]


def restore_widget(state: MutableMapping[str, Any], key: str) -> None:
    """Give a widget back its remembered value if Streamlit forgot it.

    Streamlit drops a keyed widget's value when a run stops before drawing it
    (an error message and ``st.stop()``); call this before drawing the widget.

    Parameters
    ----------
    state : MutableMapping
        ``st.session_state``.
    key : str
        The widget's key.

    Examples
    --------
    >>> s = {"view.tab": "Routes"}
    >>> remember_widget(s, "view.tab"); del s["view.tab"]
    >>> restore_widget(s, "view.tab"); s["view.tab"]
    'Routes'
    """
    saved = state.get(f"saved.{key}")
    if key not in state and saved is not None:
        state[key] = saved


def relabel_widget(
    state: MutableMapping[str, Any],
    key: str,
    shown: Sequence[str],
    others: Iterable[Sequence[str]],
) -> None:
    """Carry a label-valued widget's choice over to another language.

    ``st.tabs`` keeps the *label* of the open tab as its value, so after a
    language switch the remembered label is in the other language and would
    no longer match any tab (Streamlit then opens the first one). The label
    is mapped by its position, the tab's stable identity, to the same tab's
    label in the language shown. Call after :func:`restore_widget`, before
    drawing the widget.

    Parameters
    ----------
    state : MutableMapping
        ``st.session_state``, where ``key`` holds the label chosen (in any language).
    key : str
        The key of the widget whose value is a label (``view.tab``).
    shown : Sequence of str
        The labels the widget is about to show, in order.
    others : Iterable of Sequence of str
        The same labels in every other language, in the same order.

    Examples
    --------
    >>> s = {"view.tab": "Sites"}
    >>> relabel_widget(s, "view.tab", ["Points chauds", "Sites"], [["Hotspots", "Sites"]])
    >>> s["view.tab"]
    'Sites'
    >>> s = {"view.tab": "Hotspots"}
    >>> relabel_widget(s, "view.tab", ["Points chauds", "Sites"], [["Hotspots", "Sites"]])
    >>> s["view.tab"]
    'Points chauds'
    """
    value = state.get(key)
    if value is None or value in shown:
        return
    for labels in others:
        if value in labels and len(labels) == len(shown):
            state[key] = shown[list(labels).index(value)]
            return
