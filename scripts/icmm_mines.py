"""Check and correct the mines of data/sites/sites.gpkg against the ICMM Global Mining Dataset.

Run ``python scripts/icmm_mines.py`` from the repository root. It reads the 12 Mali
mines of the ICMM Global Mining Dataset (September 2025, V1; CC BY 4.0), bundled as
``data/sites/icmm_global_mining_dataset_2025_mali.csv``, and rewrites the ``sites``
layer of ``data/sites/sites.gpkg`` (the polygons are copied unchanged):

- each ICMM mine is compared with the bundled sites that name it (``name`` or
  ``probable_match``, table :data:`MATCHES`); the geodesic distance is written to
  ``icmm_km`` and the ICMM id to ``icmm_id``;
- a matched point within :data:`AGREE_KM` (5 km, the size of the large pits and
  plant areas here: Gounkoto's OSM area alone is 13.7 km²) is kept: the two sources
  agree;
- a point a page stated (``wm_ref_*``) farther than that is moved to the ICMM point
  (``source`` becomes ``icmm``; the old coordinates go to ``notes``);
- an OSM area whose probable match lies farther than that loses the match (said in
  ``notes``) and the ICMM point is added as its own site;
- ICMM mines with no bundled site are added (``site_id`` ``wm_icmm_<ICMMID>``).

``source`` names where each point comes from: ``osm``, ``wikipedia``, ``other``
(a cited page) or ``icmm``. The figures it prints are in data/sites/SOURCES.md.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.crs import GEOD
from geo.io.bundled import load_admin

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "data" / "sites" / "sites.gpkg"
ICMM = ROOT / "data" / "sites" / "icmm_global_mining_dataset_2025_mali.csv"
AGREE_KM = 5.0
CITATION = "ICMM Global Mining Dataset, September 2025 (V1) release (CC BY 4.0)"

#: ICMM mine name -> bundled site ids that name it (``name`` or ``probable_match``).
MATCHES: dict[str, list[str]] = {
    "Loulo Gounkoto": ["wm_osm_0013"],
    "Gounkoto": ["wm_osm_0002"],
    "Fekola": ["wm_osm_0004"],
    "Sadiola": ["wm_ref_002", "wm_osm_0019"],
    "Morila": ["wm_ref_001"],
    "Syama": ["wm_osm_0003"],
    "Kalana": ["wm_osm_0014"],
    "Nampala": ["wm_osm_0030"],
    "Yatela": [],
    "Tabakoto": [],
    "Goulamina": [],
    "Yanfolila": [],
}


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0)


def main() -> None:
    """Rewrite the sites layer with ``source``, ``icmm_id`` and ``icmm_km``; print the check."""
    sites = gpd.read_file(SITES, layer="sites")
    polygons = gpd.read_file(SITES, layer="site_polygons")
    icmm = pd.read_csv(ICMM)
    icmm.columns = [c.strip().lower().replace(" ", "_") for c in icmm.columns]
    sites["icmm_id"] = pd.Series([""] * len(sites), dtype=object)
    sites["icmm_km"] = np.nan
    regions = load_admin(1)
    added = []
    for row in icmm.itertuples(index=False):
        name, lon, lat = row.mine_name.strip(), float(row.longitude), float(row.latitude)
        commodity = str(row.primary_commodity)
        agree = False
        for site_id in MATCHES[name]:
            i = sites.index[sites["site_id"] == site_id][0]
            km = _km(lon, lat, sites.at[i, "lon"], sites.at[i, "lat"])
            sites.at[i, "icmm_id"], sites.at[i, "icmm_km"] = row.icmmid, round(km, 2)
            note = f"ICMM {row.icmmid} ({name}) lies {km:.1f} km from this point."
            if km <= AGREE_KM:
                agree = True
                print(f"{name}: {site_id} {km:.2f} km: agrees, kept")
            elif site_id.startswith("wm_ref_"):
                old = f"{sites.at[i, 'lat']:.5f} N, {sites.at[i, 'lon']:.5f} E"
                sites.at[i, "notes"] = (
                    f"{sites.at[i, 'notes']} Point moved to the ICMM point ({CITATION}, "
                    f"{row.icmmid}), {km:.1f} km from the page's coordinates ({old})."
                )
                sites.at[i, "lon"], sites.at[i, "lat"] = lon, lat
                sites.at[i, "source"] = "icmm"
                sites.at[i, "source_ref"] = f"{CITATION}, {row.icmmid}"
                sites.at[i, "location_precision"] = "stated_coordinates"
                sites.at[i, "icmm_km"] = 0.0
                agree = True
                print(f"{name}: {site_id} {km:.2f} km: moved to the ICMM point")
            else:
                sites.at[i, "notes"] = (
                    f"{sites.at[i, 'notes']} {note} The probable match "
                    f"({sites.at[i, 'probable_match']}) is withdrawn: the mine is more than "
                    f"{AGREE_KM:g} km away."
                )
                sites.at[i, "probable_match"] = None
                print(f"{name}: {site_id} {km:.2f} km: probable match withdrawn")
        if agree:
            continue
        region = regions[regions.contains(gpd.points_from_xy([lon], [lat], crs=4326)[0])]
        added.append(
            {
                "site_id": f"wm_icmm_{row.icmmid}",
                "name": f"{name} {'gold' if commodity == 'gold' else commodity} mine",
                "site_type": "gold_mine" if commodity == "gold" else "other_mine",
                "operator": "",
                "status": "unknown",
                "country": "MLI",
                "admin1": str(region["name"].iloc[0]) if len(region) else "",
                "source": "icmm",
                "source_ref": f"{CITATION}, {row.icmmid}",
                "location_precision": "stated_coordinates",
                "area_km2": np.nan,
                "notes": (
                    f"Point from {CITATION}: {row.icmmid}, confidence "
                    f"{row.confidence_factor}, primary commodity {commodity}. No bundled site "
                    f"within {AGREE_KM:g} km named it."
                ),
                "probable_match": None,
                "lon": lon,
                "lat": lat,
                "icmm_id": row.icmmid,
                "icmm_km": 0.0,
            }
        )
        print(f"{name}: added as wm_icmm_{row.icmmid}")
    new = pd.DataFrame(added)
    table = pd.concat([pd.DataFrame(sites.drop(columns="geometry")), new], ignore_index=True)
    out = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs=4326)
    tmp = SITES.with_suffix(".tmp.gpkg")
    out.to_file(tmp, layer="sites", driver="GPKG")
    polygons.to_file(tmp, layer="site_polygons", driver="GPKG")
    tmp.replace(SITES)
    print(
        f"{len(out)} sites ({len(new)} added); by source: {out['source'].value_counts().to_dict()}"
    )


if __name__ == "__main__":
    main()
