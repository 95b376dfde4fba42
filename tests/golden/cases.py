"""Golden outputs: the CLI's tables and the app's analysis, canonicalised to text.

Each case runs one command (or :func:`geo.pipeline.run_analysis`) on the bundled
data or on the SYNTHETIC ACLED-format fixture ``tests/fixtures/incidents/acled_2023.csv``
and turns every table it writes into canonical CSV text (floats to 9 significant
digits, points as WKT to 6 decimals, lines and polygons as a digest of that WKT,
run-time stamps dropped). The files under
``tests/golden/expected/`` are what ``tests/golden/test_golden.py`` compares with.

A change that moves a figure on purpose regenerates them with one command::

    python -m tests.golden            # every case
    python -m tests.golden exposure_segments_bundled   # one case

and says so (and why) in its commit message; review ``git diff tests/golden/expected``.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import geo  # noqa: F401  (GDAL hardening before pyogrio and rasterio load)
from geo.cli import main

__all__ = ["CASES", "EXPECTED", "run_case"]

REPO = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).resolve().parent / "expected"
ACLED = REPO / "tests" / "fixtures" / "incidents" / "acled_2023.csv"
WINDOW = ("--from", "2025-05-01", "--to", "2025-11-20")
ACLED_WINDOW = ("--from", "2025-01-01", "--to", "2025-04-30")
#: Columns that carry the time of the run or the version, not a figure.
_VOLATILE = {"generated_at", "app_version", "written_at", "exported_at"}
#: GeoPackage layers that hold the record of the run, not figures.
_RECORD_LAYERS = {"provenance"}


def _num(value: object) -> object:
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return f"{float(value):.9g}"
    return value


def _short(wkt: object) -> object:
    """Points stay WKT; lines and polygons become a digest of their WKT (files stay small)."""
    if not isinstance(wkt, str) or wkt.startswith("POINT"):
        return wkt
    return f"{wkt.split(' ', 1)[0]} sha1:{hashlib.sha1(wkt.encode()).hexdigest()[:16]}"


def canonical(frame: pd.DataFrame) -> str:
    """Return ``frame`` as canonical CSV text (stable floats, WKT geometry, no stamps).

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        A table an output holds.

    Returns
    -------
    str
        CSV text, one line per row in the output's order.
    """
    out = pd.DataFrame(frame).copy()
    for col in list(out.columns):
        if col in _VOLATILE:
            out = out.drop(columns=col)
        elif isinstance(out[col].dtype, gpd.array.GeometryDtype):
            out[col] = gpd.GeoSeries(out[col]).to_wkt(rounding_precision=6, trim=True).map(_short)
        elif col in ("geometry", "geometry_wkt"):
            out[col] = out[col].map(_short)
        else:
            out[col] = out[col].map(_num)
    return out.to_csv(index=False, lineterminator="\n")


def _tables(path: Path) -> dict[str, str]:
    import pyogrio
    import rasterio

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return {"": canonical(pd.read_csv(path, keep_default_na=False))}
    if suffix == ".gpkg":
        return {
            name: canonical(pyogrio.read_dataframe(path, layer=name))
            for name, _ in pyogrio.list_layers(path)
            if name not in _RECORD_LAYERS
        }
    if suffix == ".tif":
        with rasterio.open(path) as src:
            band = src.read(1, masked=True)
            stats = {
                "crs": str(src.crs),
                "shape": f"{src.height}x{src.width}",
                "transform": " ".join(f"{v:.6f}" for v in tuple(src.transform)[:6]),
                "sum": float(band.sum()),
                "max": float(band.max()),
                "nonzero": int((band > 0).sum()),
            }
        return {"": canonical(pd.DataFrame([stats]))}
    raise ValueError(f"no canonical form for {path.name}")


def _cli(*argv: str, out: str) -> Callable[[Path], dict[str, str]]:
    def run(folder: Path) -> dict[str, str]:
        target = folder / out
        code = main([*argv, "--out", str(target)])
        if code != 0:
            raise RuntimeError(f"python -m geo {' '.join(argv)} exited {code}")
        return _tables(target)

    return run


def _analysis(incidents: Path | None, start: str, end: str) -> Callable[[Path], dict[str, str]]:
    """The app's path: read, assign, run_analysis; every table and figure it returns."""

    def run(folder: Path) -> dict[str, str]:
        import datetime as dt

        from geo.io.containers import read_file_bytes
        from geo.io.incidents import load_bundled_incidents
        from geo.io.ingest import ingest_upload
        from geo.pipeline import Filters, Params, load_context, prepare_incidents, run_analysis

        if incidents is None:
            result = load_bundled_incidents()
        else:
            result = ingest_upload(read_file_bytes(incidents), name=incidents.name)
        context = load_context()
        assigned = prepare_incidents(result.incidents, context)
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        a = run_analysis(
            assigned,
            result.report,
            Filters(start=first, end=last),
            Params(as_of=last),
            context=context,
        )
        figures = {**a.key_figures, **{f"left out: {k}": v for k, v in a.left_out.items()}}
        tables = {
            "figures": pd.DataFrame({"name": list(figures), "value": list(figures.values())}),
            "incidents": a.incidents,
            "admin_stats": a.admin_stats,
            "hexes": a.hexes,
            "surge": a.surge,
            "segments": a.segments,
            "route_summary": a.route_summary,
            "worst_stretches": a.worst_stretches,
            "sites": a.sites,
            "messages": pd.DataFrame(
                {"message": [a.gistar_message or "", a.kde_message or "", *a.notes]}
            ),
        }
        if a.gistar is not None:
            tables["gistar"] = a.gistar
        if a.kde is not None:
            grid = np.asarray(a.kde.array, dtype=float)
            tables["kde"] = pd.DataFrame(
                [
                    {
                        "shape": "x".join(map(str, grid.shape)),
                        "transform": " ".join(f"{v:.6f}" for v in tuple(a.kde.transform)[:6]),
                        "sum": float(np.nansum(grid)),
                        "max": float(np.nanmax(grid)),
                    }
                ]
            )
        return {name: canonical(t) for name, t in tables.items()}

    return run


_A = ("--incidents", str(ACLED))
#: Case name -> the run that produces its tables.
CASES: dict[str, Callable[[Path], dict[str, str]]] = {
    "join_bundled": _cli("join", *WINDOW, out="join.csv"),
    "join_acled": _cli("join", *_A, out="join.csv"),
    "hotspots_kde_bundled": _cli("hotspots", "--method", "kde", *WINDOW, out="kde.tif"),
    "hotspots_hex_bundled": _cli("hotspots", "--method", "hex", *WINDOW, out="hex.csv"),
    "hotspots_hex_acled": _cli("hotspots", "--method", "hex", *_A, *ACLED_WINDOW, out="hex.csv"),
    "hotspots_gistar_bundled": _cli(
        "hotspots",
        "--method",
        "gistar",
        "--include-imprecise",
        "--from",
        "2012-01-01",
        "--to",
        "2025-11-20",
        out="gistar.csv",
    ),
    "hotspots_surge_bundled": _cli("hotspots", "--method", "surge", *WINDOW, out="surge.csv"),
    "exposure_segments_bundled": _cli("exposure", *WINDOW, out="segments.csv"),
    "exposure_summary_bundled": _cli("exposure", "--summary", *WINDOW, out="summary.csv"),
    "exposure_segments_acled": _cli("exposure", *_A, *ACLED_WINDOW, out="segments.csv"),
    # --imprecise drop: the figures before spreading (identical, on the columns they
    # had, to the tables recorded before imprecise events were spread)
    "exposure_segments_bundled_drop": _cli(
        "exposure", "--imprecise", "drop", *WINDOW, out="segments.csv"
    ),
    "sites_bundled_drop": _cli("sites", "--imprecise", "drop", *WINDOW, out="sites.csv"),
    "sites_bundled": _cli("sites", *WINDOW, out="sites.csv"),
    "sites_acled": _cli("sites", *_A, *ACLED_WINDOW, out="sites.csv"),
    "brief_gpkg_bundled": _cli("brief", *WINDOW, out="brief.gpkg"),
    "brief_gpkg_acled": _cli("brief", *_A, *ACLED_WINDOW, out="brief.gpkg"),
    "analysis_bundled": _analysis(None, "2025-05-01", "2025-11-20"),
    "analysis_acled": _analysis(ACLED, "2025-01-01", "2025-04-30"),
}


def run_case(name: str) -> dict[str, str]:
    """Run one case in a private folder and return its canonical tables.

    Parameters
    ----------
    name : str
        A key of :data:`CASES`.

    Returns
    -------
    dict of str to str
        Table name (``""`` for a single-table output) -> canonical CSV text.
    """
    with tempfile.TemporaryDirectory() as folder:
        return CASES[name](Path(folder))


def expected_path(name: str, table: str) -> Path:
    """Return the stored file of one table of one case."""
    return EXPECTED / (f"{name}.csv" if not table else f"{name}.{table}.csv")
