"""A user's boundary layer (communes, districts, any polygons), read through the sandbox.

The bytes go through :func:`geo.io.ingest.ingest_layer` (same pre-parse checks,
worker and limits as incident files); this module only decides which columns
are the unit id and name and checks the polygons (:func:`geo.admin.prepare_units`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd

from geo.admin import prepare_units
from geo.errors import InputFileError, ParameterError
from geo.io.containers import DEFAULT_LIMITS, IngestLimits
from geo.io.ingest import ingest_layer

__all__ = ["ID_CANDIDATES", "NAME_CANDIDATES", "read_boundaries"]

#: Column names taken as the unit id when none is given, in this order (any case).
ID_CANDIDATES: tuple[str, ...] = (
    "unit_id",
    "shapeid",
    "adm3_pcode",
    "admin3pcode",
    "pcode",
    "code",
    "id",
)
#: Column names taken as the unit name when none is given, in this order (any case).
NAME_CANDIDATES: tuple[str, ...] = (
    "name",
    "shapename",
    "adm3_fr",
    "adm3_name",
    "admin3name_fr",
    "admin3name",
    "commune",
    "nom",
    "adm3_en",
)


def _pick_column(
    columns: Sequence[str], wanted: str | None, candidates: Sequence[str]
) -> str | None:
    if wanted is not None:
        return wanted if wanted in columns else None
    lower = {c.lower(): c for c in columns}
    return next((lower[c] for c in candidates if c in lower), None)


def read_boundaries(
    data: bytes | Path,
    *,
    name: str | None = None,
    id_col: str | None = None,
    name_col: str | None = None,
    layer: str | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> gpd.GeoDataFrame:
    """Read a user's polygon layer into units with ``unit_id`` and ``name``, EPSG:4326.

    Parameters
    ----------
    data : bytes or pathlib.Path
        GeoJSON, GeoPackage or zipped shapefile (a path is read as bytes; GDAL
        only sees the worker's private copy under a generated name).
    name : str, optional
        File name for messages (the path's name by default).
    id_col, name_col : str, optional
        Columns holding the unit id and name; detected from
        :data:`ID_CANDIDATES` and :data:`NAME_CANDIDATES` when not given.
        Without an id, ids are ``U0001``...; without a name, the id is the name.
    layer : str, optional
        GeoPackage layer or shapefile stem, when there are several.
    limits : IngestLimits
        The limits every user file gets.

    Returns
    -------
    GeoDataFrame
        Valid polygons (``make_valid``) with ``unit_id``, ``name`` and the
        layer's other columns.

    Raises
    ------
    InputFileError
        If the file is refused or unreadable, has no CRS, a named column is
        missing, or a feature is not a polygon.
    """
    read = ingest_layer(data, name=name, kind="boundaries", layer=layer, limits=limits)
    file, gdf = read.file, read.frame
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    ids = _pick_column(columns, id_col, ID_CANDIDATES)
    names = _pick_column(columns, name_col, NAME_CANDIDATES)
    for asked, found in ((id_col, ids), (name_col, names)):
        if asked is not None and found is None:
            raise InputFileError(f"{file} has no column {asked!r}; it has {columns}.")
    out = gdf.copy()
    out["unit_id"] = gdf[ids].astype(str) if ids else [f"U{i:04d}" for i in range(1, len(gdf) + 1)]
    out["name"] = gdf[names].astype(str) if names else out["unit_id"]
    try:
        return prepare_units(out, what=file)
    except ParameterError as exc:
        raise InputFileError(str(exc)) from None
