"""A user's route layer (lines with ``route_id``) or road network, read through the sandbox.

The bytes go through :func:`geo.io.ingest.ingest_layer` (same pre-parse checks,
worker and limits as incident files); the lines are then validated by
:func:`geo.segments.route_lines`, as :func:`geo.segments.segment_routes` does.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geo.crs import WGS84
from geo.errors import CRSError, InputFileError
from geo.io.containers import DEFAULT_LIMITS, IngestLimits
from geo.io.ingest import ingest_layer
from geo.segments import ROUTE_INFO_COLUMNS, route_lines

__all__ = ["read_roads", "read_routes"]


def read_routes(
    data: bytes | Path,
    *,
    name: str | None = None,
    layer: str | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> gpd.GeoDataFrame:
    """Read a user's route layer (GeoPackage, GeoJSON or zipped shapefile lines).

    Parameters
    ----------
    data : bytes or pathlib.Path
        File content, or a local path read as bytes (nothing reaches GDAL under
        the user's name).
    name : str, optional
        File name for messages (the path's name by default).
    layer : str, optional
        GeoPackage layer or shapefile stem, when there are several.
    limits : IngestLimits
        The limits every user file gets.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one LineString per route, columns ``route_id`` and whichever
        of ``label``, ``group``, ``origin``, ``destination``, ``published_km``
        the file has (``label`` defaults to ``route_id``).

    Raises
    ------
    InputFileError
        If the file is refused or unreadable, has no CRS, several line layers,
        or the routes are not valid (:func:`geo.segments.route_lines`).
    """
    read = ingest_layer(data, name=name, kind="routes", layer=layer, limits=limits)
    file, gdf = read.file, read.frame
    if "route_id" in gdf.columns:
        gdf["route_id"] = gdf["route_id"].astype("string").str.strip().astype(object)
    try:
        lines, _ = route_lines(gdf)
    except (InputFileError, CRSError) as exc:
        raise InputFileError(f"{file}: {exc}") from None
    keep = ["route_id"] + [c for c in ROUTE_INFO_COLUMNS if c in gdf.columns]
    out = gpd.GeoDataFrame(gdf[keep].copy(), geometry=gpd.GeoSeries(lines, crs=WGS84), crs=WGS84)
    if "label" not in out.columns:
        out["label"] = out["route_id"]
    return out.reset_index(drop=True)


#: Columns a road layer may name its road class by, first found wins (OSM ``highway``).
ROAD_CLASS_COLUMNS: tuple[str, ...] = ("road_class", "highway", "class", "fclass", "type")


def read_roads(
    data: bytes | Path,
    *,
    name: str | None = None,
    layer: str | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> gpd.GeoDataFrame:
    """Read a user's road network (lines, any attributes) to plan trips on.

    Parameters
    ----------
    data : bytes or pathlib.Path
        File content (GeoPackage, GeoJSON or zipped shapefile), or a local path
        read as bytes.
    name : str, optional
        File name for messages.
    layer : str, optional
        GeoPackage layer or shapefile stem, when there are several.
    limits : IngestLimits
        The limits every user file gets.

    Returns
    -------
    GeoDataFrame
        EPSG:4326 lines with ``road_class`` (from the first of
        :data:`ROAD_CLASS_COLUMNS` the file has, else "road"), ``ref`` and
        ``name`` ("" when the file has none): the columns
        :func:`geo.roadgraph.build_road_graph` reads.

    Raises
    ------
    InputFileError
        If the file is refused or unreadable, or has no line.
    """
    read = ingest_layer(data, name=name, kind="routes", layer=layer, limits=limits)
    gdf = read.frame
    lines = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if lines.empty:
        raise InputFileError(f"{read.file}: no road line to plan on; give a line layer.")
    source = next((c for c in ROAD_CLASS_COLUMNS if c in lines.columns), None)
    out = gpd.GeoDataFrame(
        {
            "road_class": lines[source].fillna("road").astype(str) if source else "road",
            "ref": lines["ref"].fillna("").astype(str) if "ref" in lines else "",
            "name": lines["name"].fillna("").astype(str) if "name" in lines else "",
        },
        geometry=lines.geometry.to_crs(WGS84),
        crs=WGS84,
    )
    return out.reset_index(drop=True)
