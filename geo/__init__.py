"""Sahel Risk Map analysis package: pure geospatial logic, no UI imports."""

__all__ = ["__version__"]

__version__ = "0.1.0"
