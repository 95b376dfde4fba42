"""One path for every figure: the CLI's GeoPackage tables equal the app's analysis, field by field.

``python -m geo hotspots|exposure|sites|brief`` (run in-process) on the bundled incidents, window
2019-01-01..2019-12-31 (the previous window, 2018, holds real UCDP GED events), are
compared with :func:`geo.pipeline.run_analysis` for the same Filters and Params. Both
sides go through the same GeoPackage writer and are read back the same way, so every
field is compared as stored, geometry included.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio

from geo.cli import main
from geo.export.tabular import write_table_atomic
from geo.export.vector import export_gpkg
from geo.io.incidents import load_bundled_incidents
from geo.pipeline import Filters, Params, load_context, prepare_incidents, run_analysis

START, END = dt.date(2019, 1, 1), dt.date(2019, 12, 31)
WINDOW = ["--from", START.isoformat(), "--to", END.isoformat()]


@pytest.fixture(scope="module")
def analysis():
    context = load_context()
    read = load_bundled_incidents()
    assigned = prepare_incidents(read.incidents, context)
    return run_analysis(
        assigned, read.report, Filters(start=START, end=END), Params(as_of=END), context=context
    )


def _layer(path, layer=None) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=layer)


def _as_written(frame: pd.DataFrame, tmp_path, name: str) -> pd.DataFrame:
    """``frame`` through the writer the CLI uses, read back."""
    path = write_table_atomic(frame, tmp_path / f"app_{name}.gpkg", layer=name)
    return _layer(path)


def _cli(argv, tmp_path, name: str):
    out = tmp_path / name
    assert main([*argv, *WINDOW, "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("method", ["gistar", "hex"])
def test_hotspots_tables_equal_the_apps(method, analysis, tmp_path):
    cli = _layer(_cli(["hotspots", "--method", method], tmp_path, f"{method}.gpkg"))
    app = _as_written(
        getattr(analysis, {"gistar": "gistar", "hex": "hexes"}[method]), tmp_path, method
    )
    pd.testing.assert_frame_equal(cli, app)


def test_the_previous_window_is_counted(analysis, tmp_path):
    cli = _layer(_cli(["hotspots", "--method", "gistar"], tmp_path, "gistar.gpkg"))
    assert int(cli["prev_incidents"].sum()) == int(analysis.gistar["prev_incidents"].sum()) > 100
    assert analysis.gistar.attrs["window"]["prev_start"] == "2018-01-01"


def test_hotspots_surge_equals_the_apps(analysis, tmp_path):
    cli = _layer(_cli(["hotspots", "--method", "surge"], tmp_path, "surge.gpkg"))
    flags = _as_written(analysis.surge.reset_index(), tmp_path, "surge")
    flags = flags.set_index("unit_id").loc[cli["unit_id"]].reset_index()
    pd.testing.assert_frame_equal(cli[flags.columns], flags)


def test_hotspots_kde_equals_the_apps(analysis, tmp_path):
    with rasterio.open(_cli(["hotspots", "--method", "kde"], tmp_path, "kde.tif")) as src:
        np.testing.assert_array_equal(src.read(1), analysis.kde.array)
        assert src.transform == analysis.kde.transform


@pytest.mark.parametrize(("command", "attr"), [("exposure", "segments"), ("sites", "sites")])
def test_exposure_and_sites_tables_equal_the_apps(command, attr, analysis, tmp_path):
    cli = _layer(_cli([command], tmp_path, f"{command}.gpkg"))
    table = getattr(analysis, attr)
    shared = [c for c in cli.columns if c in table.columns]
    assert len(shared) >= 10 and "geometry" in shared
    app = _as_written(table[shared], tmp_path, command)
    if "rank" in shared:
        app = app.sort_values("rank").reset_index(drop=True)
    pd.testing.assert_frame_equal(cli[shared], app[shared])


def test_brief_geopackage_equals_the_apps(analysis, tmp_path):
    cli = _cli(["brief"], tmp_path, "brief.gpkg")
    app = export_gpkg(analysis, tmp_path / "app.gpkg")
    layers = [str(n) for n, _ in pyogrio.list_layers(cli) if n != "provenance"]
    assert {"admin_stats", "gistar", "surge", "route_segments", "sites"} <= set(layers)
    assert layers == [str(n) for n, _ in pyogrio.list_layers(app) if n != "provenance"]
    for name in layers:
        pd.testing.assert_frame_equal(_layer(cli, name), _layer(app, name), obj=name)
    assert int(_layer(cli, "admin_stats")["prev_incidents"].sum()) > 100
