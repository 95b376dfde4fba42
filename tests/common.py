"""A tiny catalogue of SYNTHETIC test geometries and incidents, small enough to check by hand.

Nothing here is a real place, boundary or event. The squares sit at lon -9..-7,
lat 12..14 only so that the metric CRS (centred on western Mali) is well
behaved; their ids ("A".."D", "R1", "R2", "XXA") are made up.

Layout (EPSG:4326, 1° squares)::

    lat 14 +---------+---------+
           |    C    |    D    |        ADM1: R1 = A + C (west), R2 = B + D (east)
    lat 13 +---------+---------+        countries: MLI = A+B+C+D,
           |    A    |    B    |                   XXA = lon -10..-9 (a made-up neighbour)
    lat 12 +---------+---------+
        lon -9     lon -8     lon -7

Named points (lon, lat) and the unit each must get under the tie-break
"lowest unit_id wins":

=====================  ==============  =====  =====  =======
name                   lon, lat        ADM2   ADM1   country
=====================  ==============  =====  =====  =======
inside_b               -7.5, 12.5      B      R2     MLI
edge_ab                -8.0, 12.5      A      R1     MLI
edge_bd                -7.5, 13.0      B      R2     MLI
corner_abcd            -8.0, 13.0      A      R1     MLI
outer_edge_a           -9.0, 12.5      A      R1     MLI
outer_corner_d         -7.0, 14.0      D      R2     MLI
in_neighbour           -9.5, 13.0      ""     ""     XXA
nowhere                 0.0,  0.0      ""     ""     ""
=====================  ==============  =====  =====  =======

``edge_ab`` lies on the A|B edge, which is also the R1|R2 region border: the
cercle A wins, and the region follows the cercle (R1). ``outer_edge_a`` lies on
the border between Mali and XXA: being in a Malian unit, it is in Mali.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import WGS84
from geo.schema import CANONICAL_COLUMNS

LON0, LAT0 = -9.0, 12.0

#: Cercle-like units: id -> (lon_min, lat_min, lon_max, lat_max)
SQUARES = {
    "A": (-9.0, 12.0, -8.0, 13.0),
    "B": (-8.0, 12.0, -7.0, 13.0),
    "C": (-9.0, 13.0, -8.0, 14.0),
    "D": (-8.0, 13.0, -7.0, 14.0),
}
PARENT = {"A": "R1", "C": "R1", "B": "R2", "D": "R2"}
REGION_2023 = {"A": "New West", "C": "New West", "B": "New East", "D": "New North"}

POINTS = {
    "inside_b": (-7.5, 12.5),
    "edge_ab": (-8.0, 12.5),
    "edge_bd": (-7.5, 13.0),
    "corner_abcd": (-8.0, 13.0),
    "outer_edge_a": (-9.0, 12.5),
    "outer_corner_d": (-7.0, 14.0),
    "in_neighbour": (-9.5, 13.0),
    "nowhere": (0.0, 0.0),
}
#: name -> (adm2 id, adm1 id, country) expected for POINTS
EXPECTED = {
    "inside_b": ("B", "R2", "MLI"),
    "edge_ab": ("A", "R1", "MLI"),
    "edge_bd": ("B", "R2", "MLI"),
    "corner_abcd": ("A", "R1", "MLI"),
    "outer_edge_a": ("A", "R1", "MLI"),
    "outer_corner_d": ("D", "R2", "MLI"),
    "in_neighbour": ("", "", "XXA"),
    "nowhere": ("", "", ""),
}


def admin2() -> gpd.GeoDataFrame:
    """Four 1° squares A-D (cercle-like), with their region and a made-up 2023 region."""
    ids = list(SQUARES)
    return gpd.GeoDataFrame(
        {
            "unit_id": ids,
            "name": [f"Square {i}" for i in ids],
            "adm2_name": [f"Square {i}" for i in ids],
            "adm1_name": [f"Region {PARENT[i]}" for i in ids],
            "adm1_iso": [PARENT[i] for i in ids],
            "region_2023": [REGION_2023[i] for i in ids],
            "area_km2": [1.0] * 4,  # deliberately wrong: rates must not use it
        },
        geometry=[shapely.box(*SQUARES[i]) for i in ids],
        crs=WGS84,
    )


def admin1() -> gpd.GeoDataFrame:
    """Two regions: R1 = A + C (west half), R2 = B + D (east half)."""
    return gpd.GeoDataFrame(
        {
            "unit_id": ["R1", "R2"],
            "name": ["Region R1", "Region R2"],
            "adm1_name": ["Region R1", "Region R2"],
            "adm1_iso": ["R1", "R2"],
            "area_km2": [1.0, 1.0],
        },
        geometry=[shapely.box(-9, 12, -8, 14), shapely.box(-8, 12, -7, 14)],
        crs=WGS84,
    )


def countries() -> gpd.GeoDataFrame:
    """MLI = the four squares; XXA = a made-up neighbour to the west."""
    return gpd.GeoDataFrame(
        {
            "iso3": ["MLI", "XXA"],
            "name": ["Mali (synthetic)", "Neighbour (synthetic)"],
            "neighbour_of_mali": [False, True],
        },
        geometry=[shapely.box(-9, 12, -7, 14), shapely.box(-10, 12, -9, 14)],
        crs=WGS84,
    )


def holed_units() -> gpd.GeoDataFrame:
    """A square "K" with a square hole filled by unit "Z" (like a city inside its cercle)."""
    outer = shapely.box(-9, 12, -8, 13)
    hole = shapely.box(-8.75, 12.25, -8.25, 12.75)
    return gpd.GeoDataFrame(
        {"unit_id": ["K", "Z"], "name": ["Ring", "City"]},
        geometry=[outer.difference(hole), hole],
        crs=WGS84,
    )


def bowtie_units() -> gpd.GeoDataFrame:
    """One self-intersecting 'bow-tie' unit (two 1×1 lobes, area 2 once repaired)."""
    bowtie = shapely.Polygon([(-9, 12), (-7, 13), (-7, 12), (-9, 13), (-9, 12)])
    return gpd.GeoDataFrame({"unit_id": ["T"], "name": ["Bow-tie"]}, geometry=[bowtie], crs=WGS84)


def point_geoms(names: list[str] | None = None) -> list[shapely.Point]:
    """Shapely points of :data:`POINTS` (all of them by default, in table order)."""
    names = list(POINTS) if names is None else names
    return [shapely.Point(POINTS[n]) for n in names]


def awkward_geoms() -> list[object]:
    """A missing geometry, an empty point and a NaN point: none belongs to any unit."""
    return [None, shapely.Point(), shapely.Point(np.nan, np.nan)]


def make_incidents(geoms: list[object], **columns: object) -> gpd.GeoDataFrame:
    """Canonical incidents (SYNTHETIC) at ``geoms`` in EPSG:4326.

    Defaults: one armed attack on 2024-01-15 with no fatalities, precise
    location, source "user". Any canonical column can be overridden with a
    scalar or a list aligned to ``geoms``.
    """
    n = len(geoms)
    base: dict[str, object] = {
        "event_id": [f"e{i}" for i in range(n)],
        "source": "user",
        "event_date": pd.Timestamp("2024-01-15"),
        "date_precision": "day",
        "event_type": "armed_attack",
        "sub_event_type": "",
        "actor1": "",
        "actor2": "",
        "fatalities": 0,
        "location": "",
        "country": "",
        "admin1": "",
        "admin2": "",
        "geo_precision": 1,
        "precise": True,
        "between_a": "",
        "between_b": "",
        "category": "armed_attack",
        "category_rule": "table",
        "notes": "",
        "source_url": "",
        "source_file": "synthetic.csv",
        "source_row": [i + 2 for i in range(n)],
    }
    base.update(columns)
    frame = pd.DataFrame({k: (v if isinstance(v, list) else [v] * n) for k, v in base.items()})
    frame["event_date"] = pd.to_datetime(frame["event_date"]).astype("datetime64[ns]")
    frame["fatalities"] = frame["fatalities"].astype("int64")
    frame["precise"] = frame["precise"].astype(bool)
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)
    return gdf[CANONICAL_COLUMNS]


def metric_incidents(xy_m: list[tuple[float, float]], **columns: object) -> gpd.GeoDataFrame:
    """Canonical incidents (SYNTHETIC) placed at metric coordinates (x, y) in METRIC_CRS."""
    from geo.crs import METRIC_CRS

    gdf = make_incidents([shapely.Point(x, y) for x, y in xy_m], **columns)
    return gdf.set_crs(METRIC_CRS, allow_override=True)
