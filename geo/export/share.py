"""The sharing preset: an analysis made safe to pass outside the team before any export.

Incident locations are coarsened to H3 cells, identifying columns dropped, the
KDE surface and Gi* hexagons left out and site distances rounded
(:func:`share_safe_analysis`); :data:`SHARE_NOTE` says so in every export.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from geo.crs import WGS84
from geo.errors import ParameterError

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = ["SHARE_H3_RESOLUTION", "SHARE_NOTE", "is_shared", "prepared", "share_safe_analysis"]

#: H3 resolution incident locations are coarsened to by the sharing preset
#: (average cell about 253 km², edge about 9.9 km).
SHARE_H3_RESOLUTION = 5
#: The sentence every export carries when the sharing preset was applied.
SHARE_NOTE = (
    "Prepared for sharing: incident locations coarsened to H3 resolution-5 cells "
    "(about 250 km² each) and hexagon counts merged to the same cells; actors, notes, "
    "place names, event ids, source URLs and file rows removed; the KDE surface and Gi* "
    "hexagons left out (their peaks would locate single events); nearest-incident "
    "distances of sites rounded to 5 km."
)

#: Columns of the incident table the sharing preset keeps (when present).
_SHARE_KEEP = (
    "source",
    "event_date",
    "date_precision",
    "event_type",
    "sub_event_type",
    "fatalities",
    "country",
    "admin1",
    "admin2",
    "adm1_id",
    "adm1_name",
    "adm2_id",
    "adm2_name",
    "region_2023",
    "country_iso3",
    "geo_precision",
    "precise",
    "category",
    "category_rule",
)


def is_shared(analysis: Analysis) -> bool:
    """Return True when the sharing preset was already applied to ``analysis``."""
    return SHARE_NOTE in list(getattr(analysis, "notes", []) or [])


def _h3_cells(points: gpd.GeoSeries, resolution: int) -> list[str | None]:
    import h3

    cells: list[str | None] = []
    for geom in points:
        if geom is None or geom.is_empty:
            cells.append(None)
            continue
        pt = geom if geom.geom_type == "Point" else geom.representative_point()
        if not (math.isfinite(pt.x) and math.isfinite(pt.y)):
            cells.append(None)
            continue
        cells.append(h3.latlng_to_cell(pt.y, pt.x, resolution))
    return cells


def _h3_polygons(cells: Sequence[str | None]) -> list[Any]:
    import h3
    from shapely.geometry import Polygon

    out = []
    for c in cells:
        if c is None:
            out.append(None)
        else:
            out.append(Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]))
    return out


def _share_incidents(incidents: gpd.GeoDataFrame, resolution: int) -> gpd.GeoDataFrame:
    keep = [c for c in _SHARE_KEEP if c in incidents.columns]
    cells = _h3_cells(incidents.geometry, resolution)
    frame = pd.DataFrame(incidents[keep]).copy()
    frame["h3_cell"] = pd.Series(cells, index=incidents.index, dtype="object")
    return gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(_h3_polygons(cells), index=incidents.index, crs=WGS84)
    )


def _share_hexes(hexes: gpd.GeoDataFrame, resolution: int) -> gpd.GeoDataFrame:
    import h3

    if hexes.empty or "hex" not in hexes.columns:
        return hexes.copy()
    parents = [
        h3.cell_to_parent(h, resolution) if h3.get_resolution(h) > resolution else h
        for h in hexes["hex"]
    ]
    sums = [c for c in ("incidents", "fatalities") if c in hexes.columns]
    grouped = pd.DataFrame(hexes[sums]).assign(hex=parents).groupby("hex", sort=True)[sums].sum()
    grouped = grouped.reset_index()
    return gpd.GeoDataFrame(
        grouped, geometry=gpd.GeoSeries(_h3_polygons(list(grouped["hex"])), crs=WGS84)
    )


def share_safe_analysis(analysis: Analysis, *, resolution: int = SHARE_H3_RESOLUTION) -> Analysis:
    """Return a copy of ``analysis`` prepared for sharing outside the team.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis; not modified.
    resolution : int
        H3 resolution incident locations are coarsened to (5: cells of about
        253 km²).

    Returns
    -------
    geo.pipeline.Analysis
        Incidents as H3 cell polygons (``h3_cell`` column) with actors, notes,
        place names, event ids, source URLs and file rows dropped; hexagon
        counts merged to the same resolution; the KDE surface and Gi* hexagons
        left out (a KDE peak or a significant cell around a single event
        locates it to a kilometre; Gi* on admin units is kept);
        site nearest-incident distances rounded to 5 km; :data:`SHARE_NOTE`
        added to ``notes``. Applying it twice changes nothing more.

    Raises
    ------
    ParameterError
        If ``resolution`` is not an H3 resolution (0-15).
    """
    if not isinstance(resolution, int) or not 0 <= resolution <= 15:
        raise ParameterError(f"resolution was {resolution!r} but is expected to be in 0..15")
    if is_shared(analysis):
        return analysis
    sites = analysis.sites.copy()
    if "nearest_km" in sites.columns:
        sites["nearest_km"] = (pd.to_numeric(sites["nearest_km"]) / 5.0).round() * 5.0
    notes = [*(getattr(analysis, "notes", None) or []), SHARE_NOTE]
    gistar, message = analysis.gistar, analysis.gistar_message
    if gistar is not None and "hex" in gistar.columns:
        gistar, message = None, "Gi* hexagons left out of this shared export."
    return dataclasses.replace(
        analysis,
        incidents=_share_incidents(analysis.incidents, resolution),
        hexes=_share_hexes(analysis.hexes, resolution),
        kde=None,
        gistar=gistar,
        gistar_message=message,
        sites=sites,
        notes=notes,
    )


def prepared(analysis: Analysis, share_safe: bool) -> Analysis:
    """Return ``analysis``, through :func:`share_safe_analysis` when ``share_safe``."""
    return share_safe_analysis(analysis) if share_safe else analysis
