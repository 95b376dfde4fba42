"""The KDE surface as a GeoTIFF in the metric CRS, with the provenance record in its tags."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geo.crs import METRIC_CRS
from geo.errors import ExportError
from geo.export.atomic import write_via_private_dir
from geo.export.share import is_shared, prepared
from geo.provenance import build_provenance

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = ["export_kde_geotiff"]


def export_kde_geotiff(
    analysis: Analysis, path: str | os.PathLike[str], *, share_safe: bool = False
) -> Path:
    """Write the KDE surface as a GeoTIFF in the metric CRS, with provenance tags.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis; its ``kde`` must be computed.
    path : str or path-like
        Destination ``.tif``.
    share_safe : bool
        The sharing preset leaves the KDE surface out, so this raises.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ExportError
        If there is no KDE surface (too few events, or the sharing preset),
        or the file does not read back with the same shape, CRS and transform.
    """
    import rasterio

    from geo.hotspots import write_kde_geotiff

    a = prepared(analysis, share_safe)
    kde = a.kde
    if kde is None:
        reason = (
            "the sharing preset leaves the KDE surface out"
            if is_shared(a)
            else "this analysis has no KDE surface (no precise events in the window)"
        )
        raise ExportError(f"KDE GeoTIFF: {reason}; nothing was written.")
    prov_json = json.dumps(build_provenance(a), ensure_ascii=True, sort_keys=True)
    shape = np.shape(kde.array)

    def write(tmp: Path) -> None:
        write_kde_geotiff(kde, tmp)
        with rasterio.open(tmp, "r+") as ds:
            # GeoTIFF keys keep the CRS's name, not its WKT2 remark: the description goes in a tag.
            ds.update_tags(provenance=prov_json, crs_description=METRIC_CRS.remarks)

    return write_via_private_dir(
        path,
        write,
        verify=lambda tmp: _verify_geotiff(tmp, shape=shape, transform=kde.transform),
        suffixes=(".tif", ".tiff"),
        what="KDE GeoTIFF",
    )


def _verify_geotiff(tmp: Path, *, shape: tuple[int, ...], transform: Any) -> None:
    """Re-open a written GeoTIFF: same size, a CRS, same transform, provenance tag."""
    import rasterio

    with rasterio.open(tmp) as ds:
        if ds.driver != "GTiff" or (ds.height, ds.width) != tuple(shape[-2:]):
            raise ExportError("KDE GeoTIFF check: the raster does not read back as written.")
        if ds.crs is None or not ds.transform.almost_equals(transform):
            raise ExportError("KDE GeoTIFF check: CRS or transform lost in writing.")
        if "provenance" not in ds.tags():
            raise ExportError("KDE GeoTIFF check: the provenance tag is missing.")
