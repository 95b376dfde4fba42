"""Shared pytest set-up: import geo first so its GDAL hardening applies."""

import geo  # noqa: F401  (applies the GDAL driver allowlist before any GDAL loads)
