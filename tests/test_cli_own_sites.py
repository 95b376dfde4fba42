"""``python -m geo sites --sites FILE`` ranks the file's sites, not the bundled ones.

The site list is real: the 12 Mali mines of the ICMM Global Mining Dataset
(tests/fixtures/sites/README.md); the incidents are the bundled ones.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geo.cli import main

SITES = Path(__file__).resolve().parent / "fixtures" / "sites" / "icmm_mali_mines.geojson"


def test_sites_ranks_every_site_of_the_file_and_only_those(capsys, tmp_path):
    out = tmp_path / "ranked.gpkg"
    assert main(["sites", "--sites", str(SITES), "--top", "12", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    names = gpd.read_file(SITES)["name"].tolist()
    for name in names:
        assert f". {name}:" in printed, name
    ranked = gpd.read_file(out)
    assert sorted(ranked["name"]) == sorted(names)
    assert sorted(ranked["rank"]) == list(range(1, 13))
    # The bundled OSM sites are not in the ranking.
    assert "Brasseries du Mali" not in printed


def test_a_missing_site_file_is_one_clear_line(capsys, tmp_path):
    code = main(["sites", "--sites", str(tmp_path / "nope.geojson")])
    assert code == 2
    err = capsys.readouterr().err
    assert "nope.geojson" in err and len(err.strip().splitlines()) == 1
