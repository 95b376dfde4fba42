"""Tests of geo.gazetteer: on the bundled towns (real OSM names) and a two-town synthetic layer."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.errors import ParameterError
from geo.gazetteer import (
    AmbiguousTownError,
    UnknownTownError,
    build_gazetteer,
    fold_name,
    match_town,
    resolve_town,
    spelling_key,
)
from geo.io.bundled import load_towns


@pytest.fixture(scope="module")
def gaz():
    return build_gazetteer(load_towns())


@pytest.mark.parametrize(
    ("query", "label", "kind"),
    [
        pytest.param("Kéniéba", "Kéniéba", "label", id="exact name"),
        pytest.param("Kenieba", "Kéniéba", "folded", id="no accents"),
        pytest.param("KENIEBA", "Kéniéba", "folded", id="upper case"),
        pytest.param("Segou", "Ségou", "folded", id="Segou"),
        pytest.param("Segu", "Ségou", "spelling", id="English ou -> u"),
        pytest.param("Jenne", "Djenné", "spelling", id="dj -> j"),
        pytest.param("Kenyeba", "Kéniéba", "spelling", id="y -> i"),
        pytest.param("San Pedro", "San-Pédro", "folded", id="hyphen as space"),
        pytest.param("Mpessoba", "M'Pessoba", "spelling", id="apostrophe dropped"),
        pytest.param("M’Pessoba", "M'Pessoba", "folded", id="typographic apostrophe"),
        pytest.param("Kalaban Kura", "Kalaban Coura", "spelling", id="c -> k, ou -> u"),
        pytest.param("Timbuktu", "Tombouctou", "alias", id="English exonym"),
        pytest.param("Touba (SEN)", "Touba (SEN)", "label", id="label of a shared name"),
        pytest.param("  bamako ", "Bamako", "folded", id="blanks around"),
    ],
)
def test_resolve_town_spellings(gaz, query, label, kind):
    match = resolve_town(gaz, query)
    assert (match.label, match.kind) == (label, kind)


def test_resolve_town_returns_coordinates_of_the_bundled_point(gaz):
    town = resolve_town(gaz, "Kenieba")
    row = gaz.towns.iloc[town.row]
    assert (town.lon, town.lat) == (row.geometry.x, row.geometry.y)
    assert 12 < town.lat < 13.5 and -12 < town.lon < -11  # Kéniéba, Kayes region


def test_shared_name_is_ambiguous_and_lists_labels(gaz):
    with pytest.raises(AmbiguousTownError, match=r"Touba \(CIV\); Touba \(MLI\); Touba \(SEN\)"):
        resolve_town(gaz, "Touba")


def test_labels_are_unique_and_same_country_duplicates_get_coordinates(gaz):
    assert gaz.towns["label"].is_unique
    dialakoro = [lab for lab in gaz.labels if lab.startswith("Dialakoro (")]
    assert len(dialakoro) == 2 and all("°N" in lab and "°W" in lab for lab in dialakoro)


def test_unknown_town_lists_closest_names(gaz):
    with pytest.raises(
        UnknownTownError, match=r"^Unknown town 'Bamaka'; the closest names are: Bamako"
    ):
        resolve_town(gaz, "Bamaka")


def test_prefix_is_offered_not_taken(gaz):
    assert [m.label for m in match_town(gaz, "Nioro")][:2] == ["Nioro du Sahel", "Nioro du Rip"]
    with pytest.raises(UnknownTownError, match="Nioro du Sahel; Nioro du Rip"):
        resolve_town(gaz, "Nioro")


def test_fuzzy_is_offered_not_taken(gaz):
    matches = match_town(gaz, "Bamak")
    assert matches[0].label == "Bamako" and matches[0].kind == "fuzzy"
    assert 0.75 <= matches[0].score < 0.93
    with pytest.raises(UnknownTownError):
        resolve_town(gaz, "Bamak")


def test_nonsense_gives_no_match_but_suggestions(gaz):
    assert match_town(gaz, "Xyzzy") == []
    with pytest.raises(UnknownTownError, match=r"the closest names are: \w+"):
        resolve_town(gaz, "Xyzzy")


def test_empty_query_matches_nothing(gaz):
    assert match_town(gaz, "   ") == []


def test_limit_caps_suggestions(gaz):
    assert len(match_town(gaz, "Ka", limit=2, min_score=0.0)) == 2


@pytest.mark.parametrize(
    ("name", "folded"),
    [("Kéniéba", "kenieba"), ("Tié-N’Diékro", "tie n diekro"), ("Port-Bouët", "port bouet")],
)
def test_fold_name(name, folded):
    assert fold_name(name) == folded


@pytest.mark.parametrize(
    ("a", "b"),
    [("Ségou", "Segu"), ("Djenné", "Jenne"), ("Tombouctou", "Tombuktu"), ("Kati", "Katy")],
)
def test_spelling_key_joins_variants(a, b):
    assert spelling_key(a) == spelling_key(b)


def test_spelling_key_keeps_different_towns_apart(gaz):
    assert spelling_key("Kayes") != spelling_key("Kaya")
    assert spelling_key("Kita") != spelling_key("Kati")


def _two_towns(crs=4326):
    """Synthetic: two points named after real towns at approximate places, for input checks."""
    return gpd.GeoDataFrame(
        {"name": ["Kéniéba", "Ségou"], "country": ["MLI", "MLI"]},
        geometry=[Point(-11.24, 12.84), Point(-6.27, 13.44)],
        crs=crs,
    )


def test_build_gazetteer_does_not_modify_input():
    towns = _two_towns()
    before = towns.copy()
    build_gazetteer(towns)
    assert towns.equals(before) and list(towns.columns) == ["name", "country", "geometry"]


def test_build_gazetteer_rejects_projected_layer():
    with pytest.raises(ParameterError, match="reproject it to EPSG:4326"):
        build_gazetteer(_two_towns().to_crs(32629))


def test_build_gazetteer_rejects_missing_column():
    with pytest.raises(ParameterError, match="no column 'country'"):
        build_gazetteer(_two_towns().drop(columns="country"))


def test_one_town_mapped_twice_counts_once(gaz):
    """OSM has Koutiala as a city and a town node 0.5 km apart: one place, the city kept."""
    town = resolve_town(gaz, "Koutiala")
    assert town.label == "Koutiala"
    assert gaz.towns.iloc[town.row]["place_class"] == "city"
