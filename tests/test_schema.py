"""The category table and keyword rules, row by row."""

import pytest

from geo.schema import CANONICAL_COLUMNS, CATEGORIES, categorise, empty_incidents, fold_text


@pytest.mark.parametrize(
    ("family", "event_type", "sub_event_type", "text", "expected", "rule"),
    [
        ("acled", "Battles", "Armed clash", "", "armed_attack", "table"),
        (
            "acled",
            "Violence against civilians",
            "Abduction/forced disappearance",
            "",
            "abduction",
            "table",
        ),
        (
            "acled",
            "Violence against civilians",
            "Attack",
            "",
            "violence_against_civilians",
            "table",
        ),
        (
            "acled",
            "Explosions/Remote violence",
            "Remote explosive/landmine/IED",
            "",
            "explosive",
            "table",
        ),
        ("acled", "Protests", "Peaceful protest", "", "unrest", "table"),
        ("acled", "Riots", "Mob violence", "", "unrest", "table"),
        ("acled", "Strategic developments", "Looting/property destruction", "", "other", "table"),
        pytest.param(
            "acled",
            "Battles",
            "Armed clash",
            "JNIM attacked a convoy of fuel tankers near Kati",
            "attack_on_convoy",
            "keyword:tanker",
            id="keyword: tanker refines a clash",
        ),
        pytest.param(
            "acled",
            "Violence against civilians",
            "Attack",
            "Enlèvement de trois travailleurs chinois",
            "abduction",
            "keyword:enlev",
            id="keyword: French abduction with accent",
        ),
        pytest.param(
            "acled",
            "Battles",
            "Armed clash",
            "attaque contre l'usine de ciment",
            "attack_on_site",
            "keyword:usine",
            id="keyword: factory",
        ),
        pytest.param(
            "acled",
            "Protests",
            "Peaceful protest",
            "truck drivers protest",
            "unrest",
            "table",
            id="protests are never refined",
        ),
        pytest.param(
            "acled",
            "Battles",
            "Armed clash",
            "abus de pouvoir",
            "armed_attack",
            "table",
            id="'abus' is not 'bus'",
        ),
        ("ucdp", "1", "", "", "armed_attack", "table"),
        ("ucdp", "One-sided violence", "", "", "violence_against_civilians", "table"),
        ("news", "convoy_attack", "", "", "attack_on_convoy", "table"),
        ("news", "kidnapping", "", "", "abduction", "table"),
        ("news", "attack_on_site", "", "", "attack_on_site", "table"),
        ("acled", "Unheard of", "", "", "other", "default"),
    ],
)
def test_category_table(family, event_type, sub_event_type, text, expected, rule):
    cats, rules = categorise(family, [event_type], [sub_event_type], [text])
    assert cats == [expected]
    assert rules == [rule]
    assert expected in CATEGORIES


def test_fold_text_handles_missing():
    assert fold_text(None) == ""
    assert fold_text(float("nan")) == ""
    assert fold_text("Ségou") == "segou"


def test_empty_incidents_has_the_contract():
    empty = empty_incidents()
    assert list(empty.columns) == CANONICAL_COLUMNS
    assert len(empty) == 0
    assert empty.crs.to_epsg() == 4326
    assert str(empty["event_date"].dtype).startswith("datetime64")
