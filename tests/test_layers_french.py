"""Tests for layers/ in French (issue 17): a map built with ``tr=translator("fr")`` reads French.

Fixtures are the SYNTHETIC tables of tests/test_layers.py (two 1° squares near
Bamako, made-up events and sites) and tests/test_emerging.py (a hand-built grid);
only the words, numbers and dates of the rendered page are checked here.
"""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely
from babel.messages.pofile import read_po
from shapely.geometry import LineString
from test_layers import admin_table as _admin_table
from test_layers import (
    decode_js,
    density,
    gistar_table,
    hex_table,
    incident_table,
    segment_table,
    site_table,
)

import layers
from geo.emerging import CATEGORY_LABELS as EMERGING_LABELS
from geo.emerging import emerging_hotspots
from geo.i18n import LOCALE_DIR, translator
from geo.palette import (
    CHANGE_CLASSES,
    EXPOSURE_CLASSES,
    GISTAR_LABELS,
    PLAN_ROUTE_LABELS,
)
from geo.schema import SOURCE_LABELS
from layers.emerging import build_emerging
from layers.incident_cells import build_incident_cells, cells_note
from layers.map import add_page_info, new_map
from layers.plan import build_plan
from layers.playback import build_playback, playback_data
from layers.safe import safe_text
from layers.wording import localize
from tests.test_emerging import CUBES, _cube, _grid

FR = translator("fr")
NNBSP = "\u202f"


def admin_table(text: str = "Ségou") -> gpd.GeoDataFrame:
    """The two synthetic units, rates above 1,000 and below 1 so both separators show."""
    table = _admin_table(text)
    table["incidents_per_1000km2"] = [1354.25, 0.25]
    return table


def plan_table() -> gpd.GeoDataFrame:
    """Two SYNTHETIC planned routes near Bamako."""
    return gpd.GeoDataFrame(
        {
            "route_id": ["a", "b"],
            "route_kind": ["shortest", "least_exposed"],
            "label": ["Kati – Kita", "Kati – Kita (autre)"],
            "length_km": [1354.3, 1400.0],
            "exposure": [2.5, 1.25],
            "exposure_per_km": [0.0018, 0.0009],
            "km_high_or_critical": [12.0, 0.0],
            "km_added": [0.0, 45.7],
            "roads": ["RN3", "RN3, RN24"],
        },
        geometry=[
            LineString([(-8.0, 12.6), (-9.4, 13.0)]),
            LineString([(-8.0, 12.6), (-8.5, 13.2), (-9.4, 13.0)]),
        ],
        crs=4326,
    )


def playback_points() -> gpd.GeoDataFrame:
    """Three SYNTHETIC events in January and February 2020."""
    return gpd.GeoDataFrame(
        {
            "event_date": pd.to_datetime(["2020-01-06", "2020-01-07", "2020-02-03"]),
            "category": ["abduction", "attack_on_convoy", "other"],
            "fatalities": [0, 2, 1],
            "precise": [True, True, True],
        },
        geometry=[shapely.Point(-8.0, 12.6 + 0.01 * i) for i in range(3)],
        crs=4326,
    )


def french_map(text: str = "Ségou") -> folium.Map:
    """Every builder on one map in French, ``text`` in the data's string fields."""
    m = new_map(bounds=(-9.5, 12.0, -7.0, 13.0), online_basemap=True, tr=FR)
    layers.build_basemap({"adm1": admin_table(text)}, tr=FR).add_to(m)
    layers.build_admin(
        admin_table(text), name="Incidents par cercle", unit_label="Cercle", tr=FR
    ).add_to(m)
    layers.build_admin(
        admin_table(text), name="Évolution", value_column="change", legend=True, tr=FR
    ).add_to(m)
    layers.build_hexes(hex_table(text), name="Hexagones", tr=FR).add_to(m)
    layers.build_gistar(gistar_table(text), name="Gi*", tr=FR).add_to(m)
    layers.build_kde(density(), bounds=(-9.0, 12.0, -7.0, 13.0), name="Densité", tr=FR).add_to(m)
    layers.build_incidents(incident_table(text), name="Incidents", tr=FR).add_to(m)
    layers.build_routes(segment_table(text), name="Axes", tr=FR).add_to(m)
    layers.build_sites(site_table(text), name="Sites", tr=FR).add_to(m)
    build_plan(plan_table(), name="Itinéraires", tr=FR).add_to(m)
    build_incident_cells(
        hex_table(text).assign(resolution=6), n_incidents=1354, name="Cellules", tr=FR
    ).add_to(m)
    result = emerging_hotspots(_grid(), _cube(CUBES["intensifying_hot"]))
    build_emerging(result.units, name="Tendances", step="month", tr=FR).add_to(m)
    build_playback(playback_points(), name="Lecture", step="week", tr=FR).add_to(m)
    add_page_info(m, title="Carte", heading="Carte", lines=["Période"], tr=FR)
    layers.add_layer_control(m)
    return m


@pytest.fixture(scope="module")
def french_page() -> str:
    return decode_js(french_map().get_root().render())


def _layers_catalog() -> list[tuple[object, object]]:
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "layers.po").open("rb") as fh:
        return [(m.id, m.string) for m in read_po(fh, locale="fr") if m.id]


def _english_pieces(msgid: object, french: object) -> list[str]:
    """Literal English fragments of a msgid whose French differs (placeholders cut out)."""
    forms = msgid if isinstance(msgid, tuple) else (msgid,)
    french_forms = french if isinstance(french, tuple) else (french,)
    pieces = []
    for form in forms:
        if form in french_forms:
            continue
        pieces += [p.strip(" :;,.") for p in re.split(r"\{\w+\}", form)]
    return [p for p in pieces if len(p) >= 4 and p not in "".join(french_forms)]


def test_the_french_map_shows_no_english_text_of_the_layers_catalog(french_page):
    # Each English label would be embedded as a JSON string or an HTML text node.
    found = []
    for msgid, french in _layers_catalog():
        for piece in _english_pieces(msgid, french):
            if re.search(r'[>"]' + re.escape(safe_text(piece)) + r'[<"]', french_page):
                found.append(piece)
            elif len(piece) >= 12 and safe_text(piece) in french_page:
                found.append(piece)
    assert not found, f"English left on the French map: {found}"


@pytest.mark.parametrize(
    "french",
    [
        pytest.param("Masquer cette légende", id="legend toggle"),
        pytest.param("Incidents par cercle : Incidents", id="legend title"),
        pytest.param("Victimes tuées", id="tooltip label"),
        pytest.param("Évolution par rapport à la période précédente", id="admin change label"),
        pytest.param("En hausse de 3 ou plus", id="change classes"),
        pytest.param("Point chaud, confiance 95 %", id="gi* class"),
        pytest.param("Enlèvement", id="incident category (glossary)"),
        pytest.param("Engin explosif improvisé (EEI)", id="event type"),
        pytest.param("Localisation approximative (la zone où il se situe)", id="imprecise legend"),
        pytest.param("Axes : exposition aux incidents", id="route legend title"),
        pytest.param("Classe d'exposition", id="route tooltip"),
        pytest.param("Site clé (mine, usine, centrale)", id="site legend"),
        pytest.param("Itinéraire le plus court", id="plan legend"),
        pytest.param("Point chaud en intensification", id="emerging pattern"),
        pytest.param("mois sur", id="emerging counts"),
        pytest.param("Lecture", id="playback button"),
        pytest.param("Tuiles OpenStreetMap (en ligne)", id="online tiles name"),
        pytest.param("Fond de carte", id="basemap name"),
        pytest.param("Zoom arrière", id="zoom button hint"),
        pytest.param("Couches", id="layer switcher hint"),
        pytest.param("Une bibliothèque JavaScript pour les cartes interactives", id="credit hint"),
        pytest.param("Limites : geoBoundaries (CC BY 4.0) ; routes", id="basemap credit"),
    ],
)
def test_the_french_map_shows_french_labels(french_page, french):
    assert safe_text(french).replace("&#x27;", "'") in french_page.replace("&#x27;", "'")


def test_numbers_and_dates_follow_french_conventions(french_page):
    # rates (thousands, decimals), an exposure class, dates day-month-year with the short month
    assert f'"r":"1{NNBSP}354"' in french_page and '"r":"0,25"' in french_page
    assert '"c":"critique"' in french_page
    assert "1 mai 2024" in french_page and "1 juin 2024 (précision au mois)" in french_page
    assert "2024-05-01" not in french_page
    assert f"1{NNBSP}354 incidents représentés en nombre par cellule H3" in french_page
    assert f"1{NNBSP}354 km" in french_page  # plan length
    assert "Semaine du 6 janv. 2020 : 2 incidents, 2 tués ; 1 enlèvement" in french_page


def test_french_playback_names_months_in_french():
    data = playback_data(playback_points(), step="month", tr=FR)
    assert data["labels"] == ["janvier 2020", "février 2020"]
    assert data["sentences"][1].startswith("février 2020 : 1 incident, 1 tués ; 0 enlèvement")


def test_cells_note_in_french():
    assert cells_note(1, 6, tr=FR) == (
        "1 incident représenté en nombre par cellule H3 (résolution 6), "
        "et non un marqueur par incident."
    )


def test_data_text_is_still_escaped_and_keeps_its_accents_in_french():
    payload = "<b>Kéniéba</b> {{ 7*7 }} ${x}"
    page = decode_js(french_map(payload).get_root().render())
    assert safe_text(payload) in page
    assert "<b>Kéniéba" not in page and "49" not in re.findall(r"Kéniéba\S* (\S+)", page)
    assert "{{ 7*7 }}" not in page and "${x}" not in page


def test_localize_changes_separators_only():
    assert localize("> 1,354.2–2,000 (+50 %)", FR) == f"> 1{NNBSP}354,2–2{NNBSP}000 (+50 %)"
    assert localize("RN3, 12 km", FR) == "RN3, 12 km"


def test_every_label_of_the_palette_tables_is_marked_where_it_is_defined():
    from babel.messages.pofile import read_po

    from geo.i18n import LOCALE_DIR

    labels = {
        *GISTAR_LABELS.values(),
        *(label for label, *_ in CHANGE_CLASSES),
        *PLAN_ROUTE_LABELS.values(),
        *EMERGING_LABELS.values(),
    }
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "geo.po").open("rb") as fh:
        geo_catalog = {m.id for m in read_po(fh) if m.id}
    # geo/palette.py and geo/emerging.py mark them: the geo catalog holds their French
    assert not labels - geo_catalog
    # exposure classes and source names are marked by geo.schema
    shown = labels | set(EXPOSURE_CLASSES) | {v for k, v in SOURCE_LABELS.items() if k != "ucdp"}
    assert all(FR.gettext(label) != label for label in shown)


def test_marker_titles_decode_entities_instead_of_dropping_them(french_page):
    # « tir d'obus » must not read « tir dobus » in a marker's title
    assert 'replace(/&[^;]+;/g, "")' not in french_page
    assert "t.innerHTML = c[0];" in french_page and "title: names[r[2]]" in french_page
