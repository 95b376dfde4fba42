"""Every file an analysis is exported to leaves through here, atomically, with its provenance.

Modules: :mod:`~geo.export.atomic` (names and the one atomic write),
:mod:`~geo.export.share` (the sharing preset), :mod:`~geo.export.tabular` (CSV
cells, tables, CSV bundles), :mod:`~geo.export.vector` (GeoPackage),
:mod:`~geo.export.raster` (KDE GeoTIFF), :mod:`~geo.export.html` (offline HTML
map), :mod:`~geo.export.png` (PNG map) and :mod:`~geo.export.pdf` (PDF
briefing). The record every export carries is :mod:`geo.provenance`. PNG and PDF
load matplotlib and reportlab only when imported.
"""

__all__: list[str] = []
