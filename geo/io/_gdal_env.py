"""GDAL and PROJ hardening applied before either GDAL copy (pyogrio, rasterio) loads.

GDAL picks its driver from file *content*, and several drivers read other
files or the network because of what a file says (OGR VRT, GeoJSON ``crs``
links, /vsicurl/). ``GDAL_SKIP`` only works when set before the driver manager
is built, so :mod:`geo` applies this module on import, before pyogrio or
rasterio load. The allowlist is vector ``CSV``, ``ESRI Shapefile``, ``GPKG``,
``GeoJSON`` and raster ``GTiff`` (``MEM`` for in-memory datasets);
:func:`check_drivers` refuses to go on if either GDAL registered anything else,
so a new wheel with new drivers fails loudly instead of silently widening what
an upload can reach. The two GDAL copies know different driver sets, so each
warns once at start-up about names it does not have; ``CPL_LOG`` sends those
start-up notes to the null device and a logging filter drops rasterio's copy
of them (errors during reads still raise and other warnings still log).
"""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["ALLOWED_VECTOR_DRIVERS", "ALLOWED_RASTER_DRIVERS", "apply", "check_drivers"]

ALLOWED_VECTOR_DRIVERS = frozenset(
    {"CSV", "ESRI Shapefile", "GPKG", "GeoJSON", "MEM", "Memory"}  # MEM/Memory: in-memory only
)
ALLOWED_RASTER_DRIVERS = frozenset({"GTiff", "MEM"})

# Every driver registered by the pinned wheels (pyogrio 0.13.0 / GDAL 3.12.4 and
# rasterio 1.4.4 / GDAL 3.10.3) that is not on an allowlist.
_SKIP = (
    "AAIGrid",
    "ACE2",
    "ADBC",
    "ADRG",
    "AIG",
    "AirSAR",
    "AIVector",
    "AmigoCloud",
    "AVCBin",
    "AVCE00",
    "BAG",
    "BIGGIF",
    "BLX",
    "BMP",
    "BSB",
    "BT",
    "BYN",
    "CALS",
    "Carto",
    "CEOS",
    "COASP",
    "COG",
    "COSAR",
    "CPG",
    "CSW",
    "CTable2",
    "CTG",
    "DAAS",
    "DERIVED",
    "DGN",
    "DIMAP",
    "DIPEx",
    "DOQ1",
    "DOQ2",
    "DTED",
    "DXF",
    "ECRGTOC",
    "EDIGEO",
    "EEDA",
    "EEDAI",
    "EHdr",
    "EIR",
    "ELAS",
    "Elasticsearch",
    "ENVI",
    "ERS",
    "ESAT",
    "ESRIC",
    "ESRIJSON",
    "FAST",
    "FIT",
    "FlatGeobuf",
    "GDALG",
    "GenBin",
    "GeoJSONSeq",
    "GeoRSS",
    "GFF",
    "GIF",
    "GML",
    "GNMDatabase",
    "GNMFile",
    "GPSBabel",
    "GPX",
    "GRASSASCIIGrid",
    "GRIB",
    "GS7BG",
    "GSAG",
    "GSBG",
    "GSC",
    "GTFS",
    "GTI",
    "GTX",
    "GXF",
    "HDF5",
    "HDF5Image",
    "HF2",
    "HFA",
    "HTTP",
    "Idrisi",
    "ILWIS",
    "IRIS",
    "ISCE",
    "ISG",
    "ISIS2",
    "ISIS3",
    "JAXAPALSAR",
    "JDEM",
    "JML",
    "JP2OpenJPEG",
    "JPEG",
    "JSONFG",
    "KML",
    "KMLSUPEROVERLAY",
    "KRO",
    "L1B",
    "LAN",
    "LCP",
    "Leveller",
    "LIBKML",
    "LOSLAS",
    "LVBAG",
    "MAP",
    "MapInfo File",
    "MapML",
    "MBTiles",
    "MFF",
    "MFF2",
    "MiraMonVector",
    "MRF",
    "MSGN",
    "MVT",
    "NDF",
    "netCDF",
    "NGSGEOID",
    "NGW",
    "NITF",
    "NOAA_B",
    "NSIDCbin",
    "NTv2",
    "NWT_GRC",
    "NWT_GRD",
    "OAPIF",
    "ODS",
    "OGCAPI",
    "OGR_GMT",
    "OGR_PDS",
    "OGR_VRT",
    "OpenFileGDB",
    "OSM",
    "OZI",
    "PAux",
    "PCIDSK",
    "PCRaster",
    "PDF",
    "PDS",
    "PDS4",
    "PGDUMP",
    "PLMOSAIC",
    "PLSCENES",
    "PMTiles",
    "PNG",
    "PNM",
    "PRF",
    "R",
    "Rasterlite",
    "RIK",
    "RMF",
    "ROI_PAC",
    "RPFTOC",
    "RRASTER",
    "RS2",
    "RST",
    "S102",
    "S104",
    "S111",
    "S57",
    "SAFE",
    "SAGA",
    "SAR_CEOS",
    "SDTS",
    "Selafin",
    "SENTINEL2",
    "SGI",
    "SIGDEM",
    "SNAP_TIFF",
    "SNODAS",
    "SQLite",
    "SRP",
    "SRTMHGT",
    "STACIT",
    "STACTA",
    "SXF",
    "Terragen",
    "TGA",
    "TIL",
    "TopoJSON",
    "TSX",
    "USGSDEM",
    "VDV",
    "VFK",
    "VICAR",
    "VRT",
    "WAsP",
    "WCS",
    "WEBP",
    "WFS",
    "WMS",
    "WMTS",
    "XLSX",
    "XPM",
    "XYZ",
    "Zarr",
    "ZMap",
)

_ENV = {
    "GDAL_SKIP": ",".join(_SKIP),
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".none",
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "PROJ_NETWORK": "OFF",
    "CPL_LOG": os.devnull,
}
# Settings that change how files are read behind our back (SECURITY.md P05).
_UNSET = ("SHAPE_RESTORE_SHX", "OGR_GEOMETRY_ACCEPT_UNCLOSED_RING", "CPL_DEBUG")


class _UnknownSkippedDriver(logging.Filter):
    """Drop GDAL's start-up note about a skipped driver this GDAL copy lacks."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102
        return "to unload from GDAL_SKIP" not in record.getMessage()


def apply() -> None:
    """Set the hardened GDAL/PROJ environment; must run before GDAL loads.

    Raises
    ------
    RuntimeError
        If pyogrio or rasterio was imported before this ran.
    """
    loaded = [m for m in ("pyogrio", "rasterio", "fiona") if m in sys.modules]
    if loaded and os.environ.get("GDAL_SKIP") != _ENV["GDAL_SKIP"]:
        raise RuntimeError(
            f"{', '.join(loaded)} was imported before geo; import geo first so that "
            "the GDAL driver allowlist applies."
        )
    os.environ.update(_ENV)
    logging.getLogger("rasterio._env").addFilter(_UnknownSkippedDriver())
    for name in _UNSET:
        os.environ.pop(name, None)


def check_drivers() -> None:
    """Refuse to run if either GDAL registered a driver outside the allowlists.

    Raises
    ------
    RuntimeError
        Naming the unexpected drivers.
    """
    import pyogrio
    import rasterio

    vector = set(pyogrio.list_drivers())
    with rasterio.Env() as env:
        raster = set(env.drivers())
    allowed = ALLOWED_VECTOR_DRIVERS | ALLOWED_RASTER_DRIVERS
    extra = (vector - ALLOWED_VECTOR_DRIVERS) | (raster - allowed)
    if extra:
        raise RuntimeError(
            "GDAL registered drivers outside the allowlist: "
            f"{', '.join(sorted(extra))}; add them to geo._gdal_env._SKIP."
        )
