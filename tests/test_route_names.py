"""geo.route_names: the bundled corridors' names in French, place names as written."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.cli import main
from geo.i18n import translator
from geo.route_names import route_name
from ui.routes import summary_table

FR = translator("fr")


@pytest.mark.parametrize(
    ("label", "french"),
    [
        (
            "Dakar–Bamako north, via Kidira/Diboli, Kayes and Diéma",
            "Dakar–Bamako, axe nord, par Kidira/Diboli, Kayes et Diéma",
        ),
        (
            "Dakar–Bamako south, via Kédougou, Saraya, Kéniéba and Kita",
            "Dakar–Bamako, axe sud, par Kédougou, Saraya, Kéniéba et Kita",
        ),
        (
            "Abidjan–Bamako via Daloa, Séguéla, Odienné, Manankoro and Bougouni",
            "Abidjan–Bamako par Daloa, Séguéla, Odienné, Manankoro et Bougouni",
        ),
    ],
)
def test_a_bundled_corridor_name_in_french_keeps_its_places(label, french):
    assert route_name(label, tr=FR) == french
    assert route_name(label) == label


def test_a_label_of_another_shape_is_left_as_written():
    assert route_name("Bamako and back", tr=FR) == "Bamako and back"
    assert route_name("RN7", tr=FR) == "RN7"


def test_the_routes_table_names_the_corridors_in_french():
    summary = pd.DataFrame(
        {
            "label": ["Abidjan–Bamako via Bouaké, Zégoua and Sikasso"],
            "length_km": [1172.3],
            "mean_exposure_per_km": [0.0],
            "max_exposure_per_km": [0.0],
            "n_incidents": [0],
            **{f"km_{c}": [0.0] for c in ("low", "medium", "high", "critical")},
        }
    )
    table = summary_table(summary, tr=FR)
    assert table[FR.gettext("Route")].tolist() == ["Abidjan–Bamako par Bouaké, Zégoua et Sikasso"]


def test_the_routes_command_in_french_names_the_corridors_in_french(capsys):
    assert main(["routes", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "dakar_bamako_north: Dakar–Bamako, axe nord, par Kidira/Diboli, Kayes et Diéma" in out
    names = [line for line in out.splitlines() if line.count(" - ") == 1 and "_" in line]
    assert len(names) == 4, out
    assert not any(" via " in line or " and " in line for line in names), names
