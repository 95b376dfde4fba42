"""``python -m geo hotspots --method emerging`` on the bundled real UCDP GED Mali events."""

from __future__ import annotations

import pandas as pd
import pyogrio
import pytest

from geo.cli import main
from geo.emerging import CATEGORIES, OUTPUT_COLUMNS
from geo.settings import BUNDLED

MOPTI_CERCLES = ["Koro", "Bandiagara", "Douentza", "Bankass", "Djenné", "Mopti", "Ténenkou"]


def _emerging(tmp_path, capsys, *extra):
    out = tmp_path / "emerging.csv"
    argv = ["hotspots", "--method", "emerging", "--incidents", str(BUNDLED.ucdp_mali)]
    argv += ["--from", "2015-01-01", "--to", "2020-12-31", "--out", str(out), *extra]
    assert main(argv) == 0
    return pd.read_csv(out), capsys.readouterr().out


def test_monthly_cercles_one_row_per_unit_with_category_share_and_trend(tmp_path, capsys):
    table, printed = _emerging(tmp_path, capsys, "--step", "month")
    assert len(table) == 50 and table["unit_id"].is_unique
    assert set(OUTPUT_COLUMNS) <= set(table.columns)
    assert set(table["category"]) <= set(CATEGORIES)
    assert (table["n_steps"] == 72).all()
    assert table["share_hot"].between(0, 1).all() and table["trend_p"].between(0, 1).all()
    mopti = table.set_index("name").loc[MOPTI_CERCLES]
    # Real data (UCDP GED 21.1, 2015-2020): central Mali's cercles are hot-spot patterns
    # with a significant upward trend; the sparse monthly counts make them sporadic.
    assert mopti["category"].str.endswith("_hot").all()
    assert (mopti["trend_tau"] > 0).all() and (mopti["trend_p"] < 0.05).all()
    assert table.set_index("name").loc["Kayes", "category"] == "no_pattern"
    assert "72 month steps" in printed and "FDR on" in printed and "Mann-Kendall" in printed


def test_quarterly_koro_is_a_consecutive_hot_spot(tmp_path, capsys):
    table, printed = _emerging(tmp_path, capsys, "--step", "quarter")
    koro = table.set_index("name").loc["Koro"]
    assert koro["category"] == "consecutive_hot" and koro["n_hot"] == 12 and koro["n_steps"] == 24
    assert "24 quarter steps" in printed


def test_regions_to_geopackage_keep_the_polygons(tmp_path, capsys):
    out = tmp_path / "emerging.gpkg"
    argv = ["hotspots", "--method", "emerging", "--level", "1", "--step", "quarter"]
    argv += ["--from", "2015-01-01", "--to", "2020-12-31", "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    layer = pyogrio.read_dataframe(out)
    assert len(layer) == 9 and layer.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert "category" in layer.columns


@pytest.mark.parametrize(("argv_tail", "message"), [(["--step", "day"], "invalid choice")])
def test_unknown_step_is_a_usage_error(argv_tail, message, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["hotspots", "--method", "emerging", "--out", str(tmp_path / "x.csv"), *argv_tail])
    assert message in capsys.readouterr().err


def test_hexes_over_mali_one_row_per_cell(tmp_path, capsys):
    out = tmp_path / "emerging_hex.csv"
    argv = ["hotspots", "--method", "emerging", "--unit", "hex", "--resolution", "4"]
    argv += ["--step", "quarter", "--from", "2015-01-01", "--to", "2020-12-31", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out)
    assert table["hex"].is_unique and len(table) > 500
    assert set(table["category"]) <= set(CATEGORIES) and (table["n_steps"] == 24).all()
    assert table["category"].str.endswith("_hot").any()
    assert "H3 cells (resolution 4)" in printed
