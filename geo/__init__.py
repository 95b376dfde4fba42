"""Sahel Risk Map analysis package: pure geospatial logic, no UI imports.

Importing :mod:`geo` first applies the GDAL/PROJ hardening of
:mod:`geo.io._gdal_env` (driver allowlist, no network), before any GDAL loads.
"""

from geo.io import _gdal_env

_gdal_env.apply()

__all__ = ["__version__"]

__version__ = "0.1.0"
