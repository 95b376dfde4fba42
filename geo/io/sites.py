"""A user's site list (mines, camps, offices: points or polygons with a name and type).

The bytes go through :func:`geo.io.ingest.ingest_layer` (same pre-parse checks,
worker and limits as incident files): GeoJSON, GeoPackage, zipped shapefile,
or CSV with latitude/longitude columns (the incident reader's column aliases).
This module only names the columns the site views use: ``site_id``, ``name``
and ``site_type``, as :func:`geo.io.bundled.load_sites` gives them.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import geopandas as gpd

from geo.errors import InputFileError
from geo.io.containers import DEFAULT_LIMITS, IngestLimits
from geo.io.ingest import ingest_layer

__all__ = ["SITE_COLUMNS", "read_sites"]

#: Accepted column names for each site field, in order of preference. A header matches
#: whatever its case and stray spaces (the ICMM file's "Mine Name "): :func:`_fold`.
SITE_COLUMNS: dict[str, tuple[str, ...]] = {
    "site_id": ("site_id", "id", "code", "fid_site", "icmmid"),
    "name": ("name", "site_name", "mine_name", "label", "nom", "title"),
    "site_type": ("site_type", "type", "asset_type", "kind", "category", "class"),
}
_DEFAULT_TYPE = "site"


def read_sites(
    data: bytes | Path,
    *,
    name: str | None = None,
    layer: str | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> gpd.GeoDataFrame:
    r"""Read a user's sites into points or polygons with ``site_id``, ``name``, ``site_type``.

    Parameters
    ----------
    data : bytes or pathlib.Path
        GeoJSON, GeoPackage, zipped shapefile, or CSV with latitude and
        longitude columns (a path is read as bytes).
    name : str, optional
        File name for messages (the path's name by default).
    layer : str, optional
        GeoPackage layer or shapefile stem, when there are several.
    limits : IngestLimits
        The limits every user file gets.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per site, the file's other columns kept. Without an
        id column ids are ``S0001``...; without a name the id is the name;
        without a type every site is of type ``"site"`` (a key site for
        :func:`geo.sites.site_exposure`).

    Raises
    ------
    InputFileError
        If the file is refused or unreadable, has no CRS (vector) or no
        coordinate columns (CSV), ids repeat, or a feature is not a point or
        polygon.

    Examples
    --------
    >>> sites = read_sites(b"name,type,lat,lon\nOffice,office,12.65,-8.0\n", name="s.csv")
    >>> sites[["site_id", "name", "site_type"]].iloc[0].tolist(), sites.geometry.iloc[0].wkt
    (['S0001', 'Office', 'office'], 'POINT (-8 12.65)')
    """
    read = ingest_layer(data, name=name, kind="sites", layer=layer, limits=limits)
    file, gdf = read.file, read.frame.copy()
    lower = {_fold(c): c for c in reversed(gdf.columns) if c != gdf.geometry.name}
    picked = {
        field: next((lower[a] for a in aliases if a in lower), None)
        for field, aliases in SITE_COLUMNS.items()
    }

    def text(field: str) -> list[str]:
        column = picked[field]
        values = gdf[column].tolist() if column else [None] * len(gdf)
        return ["" if v is None else str(v).strip() for v in values]

    ids = text("site_id") if picked["site_id"] else [f"S{i:04d}" for i in range(1, len(gdf) + 1)]
    blank = [i for i, v in enumerate(ids, start=1) if v == ""]
    if blank:
        raise InputFileError(f"{file}, feature {blank[0]}: the site id is blank.")
    repeated = sorted(v for v, k in Counter(ids).items() if k > 1)
    if repeated:
        raise InputFileError(f"{file}: site ids repeat: {repeated[:10]}; give each site its own.")
    gdf["name"] = [v or sid for v, sid in zip(text("name"), ids, strict=True)]
    gdf["site_type"] = [v or _DEFAULT_TYPE for v in text("site_type")]
    gdf["site_id"] = ids
    front = ["site_id", "name", "site_type"]
    rest = [c for c in gdf.columns if c not in front and c != gdf.geometry.name]
    return gpd.GeoDataFrame(gdf[front + rest], geometry=gdf.geometry, crs=gdf.crs).reset_index(
        drop=True
    )


def _fold(column: object) -> str:
    """Fold a header (case, stray spaces, hyphens) to match :data:`SITE_COLUMNS`.

    Examples
    --------
    >>> _fold("Mine Name "), _fold(" Asset-Type"), _fold("NAME")
    ('mine_name', 'asset_type', 'name')
    """
    return re.sub(r"[\s\-]+", "_", str(column).strip().lower())
