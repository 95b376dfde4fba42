"""A trip plan as files: a GeoPackage (routes, segments, notes), a CSV, a PDF or a PNG map.

Every file is written atomically (:mod:`geo.export.atomic`); the GeoPackage is
built by GDAL in a private folder and handed over as bytes, so the app's
download and the CLI's ``--out`` are the same file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.crs import WGS84
from geo.errors import ExportError, ParameterError
from geo.export.atomic import write_bytes_atomic
from geo.export.tabular import table_bytes
from geo.export.vector import gpkg_columns, plain_columns
from geo.i18n import Translator
from geo.planner import Plan
from geo.provenance import jsonable

__all__ = [
    "PLAN_SUFFIXES",
    "ROUTE_COLUMNS",
    "SEGMENT_COLUMNS",
    "export_plan",
    "plan_gpkg_bytes",
    "plan_png_bytes",
    "plan_routes_table",
]

#: Suffixes ``export_plan`` writes, with what each holds.
PLAN_SUFFIXES: dict[str, str] = {
    ".gpkg": "GeoPackage: layers routes and segments, table notes",
    ".csv": "CSV: one row per route",
    ".pdf": "PDF: a short plan briefing",
    ".png": "PNG: the map of the routes with their legend and credits",
}

#: Columns of the ``routes`` layer, in order (geometry added in the GeoPackage).
ROUTE_COLUMNS: tuple[str, ...] = (
    "route_id",
    "route_kind",
    "is_least_exposed",
    "label",
    "origin",
    "destination",
    "length_km",
    "exposure",
    "exposure_per_km",
    "max_exposure_per_km",
    "km_low",
    "km_medium",
    "km_high",
    "km_critical",
    "km_high_or_critical",
    "n_incidents",
    "towns",
    "roads",
    "worst_stretches",
    "km_added",
    "exposure_avoided",
    "km_per_exposure_avoided",
    "overlap_with_shortest",
    "as_of",
    "window",
    "lambda",
)

#: Columns of the ``segments`` layer, in order.
SEGMENT_COLUMNS: tuple[str, ...] = (
    "route_id",
    "route_kind",
    "segment",
    "km_from",
    "km_to",
    "nearest_town",
    "nearest_town_km",
    "n_incidents",
    "exposure",
    "exposure_per_km",
    "exposure_class",
)


def plan_routes_table(plan: Plan) -> gpd.GeoDataFrame:
    """Return the routes with the columns of :data:`ROUTE_COLUMNS` (EPSG:4326).

    Parameters
    ----------
    plan : Plan

    Returns
    -------
    GeoDataFrame
        One row per route; ``as_of``, ``window`` and ``lambda`` repeat the
        plan's record so each row says what it was computed on.
    """
    routes = plan.routes.copy()
    routes["as_of"] = plan.record.get("as_of")
    routes["window"] = plan.record.get("window")
    routes["lambda"] = plan.record.get("lambda")
    return routes[[*ROUTE_COLUMNS, "geometry"]].to_crs(WGS84)


def plan_gpkg_bytes(plan: Plan) -> bytes:
    """Write the plan as a GeoPackage in a private folder and return its bytes.

    Parameters
    ----------
    plan : Plan

    Returns
    -------
    bytes
        Layers ``routes`` (LineString) and ``segments`` (LineString), table
        ``notes`` (one sentence a row); the plan's record as JSON in the
        dataset metadata (``provenance``).

    Raises
    ------
    ExportError
        If GDAL cannot write it or it does not read back with the counts written.
    """
    import pyogrio

    routes = plain_columns(plan_routes_table(plan))
    segments = plain_columns(plan.segments[[*SEGMENT_COLUMNS, "geometry"]].to_crs(WGS84))
    notes = pd.DataFrame({"order": range(1, len(plan.notes) + 1), "note": plan.notes})
    record = json.dumps(jsonable(plan.record), ensure_ascii=False, sort_keys=True)
    layers = (("routes", routes), ("segments", segments), ("notes", notes))
    try:
        with tempfile.TemporaryDirectory(prefix="srm-plan-") as folder:
            tmp = Path(folder) / "plan.gpkg"
            for i, (name, frame) in enumerate(layers):
                extra = {"dataset_metadata": {"provenance": record}} if i == 0 else {}
                pyogrio.write_dataframe(
                    gpkg_columns(frame),
                    str(tmp),
                    layer=name,
                    driver="GPKG",
                    use_arrow=True,
                    **extra,
                )
            for name, frame in layers:
                found = int(pyogrio.read_info(str(tmp), layer=name)["features"])
                if found != len(frame):
                    raise ExportError(
                        f"plan GeoPackage check: layer {name!r} has {found} rows, "
                        f"{len(frame)} were written."
                    )
            return tmp.read_bytes()
    except OSError as exc:
        raise ExportError(f"plan GeoPackage: could not be written: {exc}.") from exc


def plan_png_bytes(plan: Plan, *, tr: Translator | None = None) -> bytes:
    """Return the map of the plan's routes (:func:`geo.export.pdf.plan.plan_picture`) as PNG.

    Parameters
    ----------
    plan : Plan
    tr : Translator, optional
        The legend's language (English by default).

    Returns
    -------
    bytes
        A 1,800 x 1,080 px PNG.
    """
    import io

    from geo.export.pdf.plan import plan_picture

    buf = io.BytesIO()
    plan_picture(plan, tr=tr).save(buf, format="PNG")
    return buf.getvalue()


def export_plan(
    plan: Plan, path: str | os.PathLike[str], *, tr: Translator | None = None
) -> Path:
    """Write the plan to ``path``; its suffix chooses the format (:data:`PLAN_SUFFIXES`).

    Parameters
    ----------
    plan : Plan
    path : str or path-like
        Destination; its folder must exist.
    tr : Translator, optional
        The language of the PDF and PNG (English by default).

    Returns
    -------
    Path
        The absolute path written.

    Raises
    ------
    ParameterError
        If the suffix is not one of :data:`PLAN_SUFFIXES`.
    ExportError
        If the file cannot be written (nothing partial is left behind).
    """
    suffix = Path(os.fspath(path)).suffix.lower()
    if suffix == ".gpkg":
        data = plan_gpkg_bytes(plan)
    elif suffix == ".csv":
        table = pd.DataFrame(plan_routes_table(plan).drop(columns="geometry"))
        data = table_bytes(table, fmt="CSV")
    elif suffix == ".pdf":
        from geo.export.pdf.plan import render_plan_pdf

        data = render_plan_pdf(plan, tr=tr)
    elif suffix == ".png":
        data = plan_png_bytes(plan, tr=tr)
    else:
        raise ParameterError(
            f"plan: suffix {suffix!r} is not one of {list(PLAN_SUFFIXES)}; the suffix "
            "chooses the format."
        )
    return write_bytes_atomic(data, path, suffixes=(suffix,), what="trip plan")
