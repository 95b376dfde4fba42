"""Every byte from outside enters here, through one sandboxed path; nothing else opens a file.

Modules: :mod:`~geo.io.containers` (limits, zip / GeoPackage / shapefile checks),
:mod:`~geo.io.tables` (raw attribute tables), :mod:`~geo.io.sources` (ACLED, UCDP,
news and user column families), :mod:`~geo.io.fields` (coordinates, dates,
fatalities, precision), :mod:`~geo.io.incidents` (the canonical incident record),
:mod:`~geo.io.ingest` with :mod:`~geo.io._ingest_worker` (the sandboxed parse),
:mod:`~geo.io._gdal_env` (GDAL hardening) and :mod:`~geo.io.bundled` (the bundled
layers' loaders).
"""

__all__: list[str] = []
