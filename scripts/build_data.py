"""Build the bundled data in ``data/`` from the project's shared source folder.

Run by a developer, never by the app or the tests::

    python scripts/build_data.py [--source /work/shared/data]

It reads the GeoJSON/CSV files documented in the source folder's SOURCES.md
files and writes, inside ``data/``:

- ``shapefiles/``: ESRI Shapefile sets (.shp/.shx/.dbf/.prj + a .cpg saying
  UTF-8) for Mali ADM0/ADM1/ADM2, West-African countries, OSM main roads and
  towns, Natural Earth rivers and lakes. Field names are at most 10 characters;
  :mod:`geo.io.bundled` renames them back to long names.
- ``admin/mli_regions_2023.csv``: each old (geoBoundaries) cercle mapped to its
  region under the 2023 reorganisation, with the page that says so.
- ``incidents/``: the UCDP GED extracts and the news log, copied byte for byte.
- ``sites/sites.gpkg``: the site points and the OSM site polygons.
- ``SOURCES.md``: origin, licence, processing and attribution of every file.

The output is deterministic: the DBF header date and the GeoPackage timestamps
are pinned, rows keep the source order, and numbers are rounded as stated.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import geo  # noqa: E402,F401  (GDAL driver allowlist before pyogrio loads)

# isort: split
import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
import pyogrio  # noqa: E402

from geo.crs import WGS84  # noqa: E402

DEFAULT_SOURCE = Path("/work/shared/data")
OUT = REPO / "data"

# Pinned dates so that a rebuild gives the same bytes: the DBF header date and
# GeoPackage timestamps are set to the date of the newest source extract (OSM,
# Geofabrik 2021-08-06).
SOURCE_DATE = "2021-08-06"

# --------------------------------------------------------------------------
# Cercle display names. geoBoundaries spells cercles in ASCII (``shapeName``);
# this table restores the official French spelling. It is spelling only: the
# unit, its geometry and its ``adm2_name`` are unchanged. Names not listed
# here are already correct in ASCII (Kayes, Kita, Kati, Bla, San, ...).
# "Nioro" is the cercle of Nioro du Sahel (its seat's full name).
# --------------------------------------------------------------------------
CERCLE_DISPLAY_NAMES: dict[str, str] = {
    "Abeibara": "Abeïbara",
    "Bafoulabe": "Bafoulabé",
    "Baroueli": "Barouéli",
    "Diema": "Diéma",
    "Dioila": "Dioïla",
    "Dire": "Diré",
    "Djenne": "Djenné",
    "Kenieba": "Kéniéba",
    "Kolondieba": "Kolondiéba",
    "Menaka": "Ménaka",
    "Niafunke": "Niafunké",
    "Nioro": "Nioro du Sahel",
    "Segou": "Ségou",
    "Tenenkou": "Ténenkou",
    "Yelimane": "Yélimané",
}

# --------------------------------------------------------------------------
# 2023 regions (Loi n°2023-006 du 13 mars 2023: 19 regions and the Bamako
# district). One row per old cercle. Columns:
#   region_2023   the 2023 region holding the cercle (or its seat); blank when
#                 no page we could read says so ("not sourced");
#   whole_cercle  True: the page says the whole cercle went to that region;
#                 False: the cercle is known to be split; blank: not stated;
#   region_exact  True: the region is exactly a union of whole old cercles;
#                 False: it is not; blank: not stated.
# The pages are cited in ``basis``; "by elimination" marks rows inferred from
# pages that name every cercle taken out of the old region.
# --------------------------------------------------------------------------
_WP_NIORO = (
    "Région de Nioro du Sahel, French Wikipedia via "
    "https://kampuspedia.com/fr/R%C3%A9gion_de_Nioro_du_Sahel "
    "(Nioro du Sahel and Diéma cercles taken from Kayes region by Loi 2023-006)"
)
_WP_KITA = (
    "Région de Kita, French Wikipedia via https://kampuspedia.com/fr/R%C3%A9gion_de_Kita "
    "(the Kita cercle taken from Kayes region by Loi 2023-006)"
)
_WP_KOUTIALA = (
    "Région de Koutiala, French Wikipedia via "
    "https://kampuspedia.com/fr/R%C3%A9gion_de_Koutiala "
    "(Koutiala and Yorosso cercles taken from Sikasso region)"
)
_WP_BOUGOUNI = (
    "Région de Bougouni, French Wikipedia via "
    "https://onehourindexing01.prideseotools.com/index.php?q=https%3A%2F%2Ffr.wikipedia.org"
    "%2Fwiki%2FR%25C3%25A9gion_de_Bougouni (Bougouni, Kolondiéba and Yanfolila taken from "
    "Sikasso region); https://fuga.gouv.ml/region/bougouni (10 cercles incl. Ouélessébougou)"
)
_WP_OUELESSEBOUGOU = (
    "Ouélessébougou, French Wikipedia 2025-08 via "
    "https://wiki.livda.fr/content/wikipedia_fr_all_nopic_2025-08/Ou%C3%A9less%C3%A9bougou "
    "(a commune of the Kati cercle, Koulikoro region, made a cercle seat in Bougouni region "
    "in 2023)"
)
_WP_NARA = (
    "Région de Nara, French Wikipedia via https://fr.m.vvikipidea.org/wiki/R%C3%A9gion_de_Nara "
    "(the Nara cercle taken from Koulikoro region)"
)
_DIOILA = (
    "bamada.net, https://bamada.net/special-22-septembre-2019-operationnalisation-de-la-region-"
    "de-dioila-limpatience-des-habitants (the Dioïla cercle was made a region, Loi 2012-017); "
    "http://bamada.net/decoupage-territorial-de-la-region-de-dioila-la-population-saccorde-sur-"
    "lessentiel (the new region = the cercle's 6 arrondissements and 23 communes)"
)
_NEW_REGIONS = (
    "maliactu.net 2024-09, https://maliactu.net/nouvelle-carte-administrative-du-mali-vers-une-"
    "decentralisation-effective/ (19 regions; the 11 new ones are Taoudénit, Ménaka, Nioro, Kita, "
    "Dioïla, Nara, Bougouni, Koutiala, San, Douentza, Bandiagara)"
)
_WP_REGIONS = (
    "Régions du Mali, French Wikipedia via https://dokumen123.com/fr/R%C3%A9gions_du_Mali "
    "(2023 list: Kayes, Koulikoro, Sikasso, Ségou, Mopti, Tombouctou, Gao, Kidal keep their "
    "chef-lieu; Bamako district code 00)"
)
_WP_TOMBOUCTOU = (
    "Région de Tombouctou, French Wikipedia via "
    "http://fr.m.wiki.x.io/wiki/R%C3%A9gion_de_Tombouctou (2023 cercles include Tombouctou, "
    "Goundam, Diré, Niafunké, Gourma-Rharous; Taoudénit took most of the territory in 2016 and "
    "2023 returned a considerable part)"
)
_TAOUDENIT = (
    "https://gifex.com/fr/fichier/carte-de-la-region-de-tombouctou/ (the larger parts of the "
    "Tombouctou and Goundam cercles were separated in 2016 to form Taoudénit region)"
)
_WP_MENAKA = (
    "Région de Ménaka, French Wikipedia via "
    "https://fr.m.vvikipidea.org/wiki/R%C3%A9gion_de_M%C3%A9naka (the old Ménaka cercle of Gao "
    "region became Ménaka region in 2016; 6 cercles since 2023)"
)
_BY_ELIMINATION = "; by elimination: no cited page moves this cercle out of its old region"
_NOT_SOURCED = "not sourced"

# (adm2_name, region_2023, whole_cercle, note, basis)
REGIONS_2023: list[tuple[str, str, bool | None, str, str]] = [
    # Kayes
    (
        "Kayes",
        "Kayes",
        None,
        "",
        "Cercle de Kayes, https://fr.wikipedia.org/wiki/"
        "Cercle_de_Kayes (circonscription of Kayes region, coded 0101 since 2023)",
    ),
    ("Bafoulabe", "Kayes", None, "", _WP_KITA + "; " + _WP_NIORO + _BY_ELIMINATION),
    ("Diema", "Nioro", True, "", _WP_NIORO),
    (
        "Kenieba",
        "Kayes",
        None,
        "2018-2021 drafts put Kéniéba in Kita region; the 2023 Kita region is the Kita cercle only",
        "Kéniéba, French Wikipedia 2025-08 via https://wiki.livda.fr/content/"
        "wikipedia_fr_all_nopic_2025-08/K%C3%A9ni%C3%A9ba (region Kayes, code 01040101); "
        + _WP_KITA,
    ),
    ("Kita", "Kita", True, "", _WP_KITA),
    ("Nioro", "Nioro", True, "", _WP_NIORO),
    ("Yelimane", "Kayes", None, "", _WP_KITA + "; " + _WP_NIORO + _BY_ELIMINATION),
    # Koulikoro
    (
        "Banamba",
        "Koulikoro",
        None,
        "",
        _WP_NARA + "; " + _DIOILA + "; " + _WP_OUELESSEBOUGOU + _BY_ELIMINATION,
    ),
    ("Dioila", "Dioïla", True, "", _DIOILA + "; " + _NEW_REGIONS),
    (
        "Kangaba",
        "Koulikoro",
        None,
        "",
        _WP_NARA + "; " + _DIOILA + "; " + _WP_OUELESSEBOUGOU + _BY_ELIMINATION,
    ),
    (
        "Kati",
        "Koulikoro",
        False,
        "split: the Ouélessébougou area went to Bougouni region; the rest stays in Koulikoro",
        _WP_OUELESSEBOUGOU + "; " + _WP_NARA + "; " + _DIOILA + _BY_ELIMINATION,
    ),
    (
        "Kolokani",
        "Koulikoro",
        None,
        "",
        _WP_NARA + "; " + _DIOILA + "; " + _WP_OUELESSEBOUGOU + _BY_ELIMINATION,
    ),
    (
        "Koulikoro",
        "Koulikoro",
        None,
        "Koulikoro region keeps only part of the old Kati cercle",
        _WP_REGIONS,
    ),
    ("Nara", "Nara", True, "", _WP_NARA),
    # Sikasso
    (
        "Bougouni",
        "Bougouni",
        True,
        "Bougouni region also holds the Ouélessébougou cercle, from the old Kati cercle",
        _WP_BOUGOUNI + "; " + _WP_OUELESSEBOUGOU,
    ),
    ("Kadiolo", "Sikasso", None, "", _WP_BOUGOUNI + "; " + _WP_KOUTIALA + _BY_ELIMINATION),
    (
        "Kolondieba",
        "Bougouni",
        True,
        "Bougouni region also holds the Ouélessébougou cercle, from the old Kati cercle",
        _WP_BOUGOUNI + "; " + _WP_OUELESSEBOUGOU,
    ),
    ("Koutiala", "Koutiala", True, "", _WP_KOUTIALA),
    ("Sikasso", "Sikasso", None, "", _WP_REGIONS + "; " + _WP_BOUGOUNI + "; " + _WP_KOUTIALA),
    (
        "Yanfolila",
        "Bougouni",
        True,
        "Bougouni region also holds the Ouélessébougou cercle, from the old Kati cercle",
        _WP_BOUGOUNI + "; " + _WP_OUELESSEBOUGOU,
    ),
    ("Yorosso", "Koutiala", True, "", _WP_KOUTIALA),
    # Ségou
    ("Baroueli", "", None, "San region composition not found", _NOT_SOURCED),
    (
        "Bla",
        "",
        None,
        "a 2018 draft split Bla between Koutiala and San; the 2023 outcome was not found",
        _NOT_SOURCED,
    ),
    ("Macina", "", None, "San region composition not found", _NOT_SOURCED),
    ("Niono", "", None, "San region composition not found", _NOT_SOURCED),
    (
        "San",
        "San",
        None,
        "",
        "Cercle de San, French Wikipedia via http://fr.m.wiki.x.io/wiki/Cercle_de_San "
        "(cercle de San in San region)",
    ),
    (
        "Segou",
        "Ségou",
        None,
        "the Dioro commune left the Ségou cercle for a new cercle, still in Ségou region",
        "Dioro (Mali), French Wikipedia 2025-08 via https://wiki.livda.fr/content/"
        "wikipedia_fr_all_nopic_2025-08/Dioro_(Mali); " + _WP_REGIONS,
    ),
    ("Tominian", "", None, "San region composition not found", _NOT_SOURCED),
    # Mopti
    (
        "Bandiagara",
        "Bandiagara",
        None,
        "the Bandiagara town is the region's chef-lieu; the cercle's own fate is not stated",
        "https://sublimemali.com/planifiez-vos-voyages (région de Bandiagara, chef-lieu "
        "Bandiagara); " + _NEW_REGIONS,
    ),
    (
        "Bankass",
        "Bandiagara",
        False,
        "some Bankass communes became new cercles (Diallassagou, Sokoura) in 2023",
        "Bankass cercle, Japanese Wikipedia via https://kampuspedia.com/ja/%E3%83%90%E3%83%B3"
        "%E3%82%AB%E3%82%B9%E5%9C%8F (moved from Mopti to Bandiagara region on 2023-02-22)",
    ),
    ("Djenne", "", None, "Mopti, Bandiagara and Douentza compositions not found", _NOT_SOURCED),
    (
        "Douentza",
        "Douentza",
        None,
        "Douentza town is the chef-lieu of the cercle and of the region",
        "https://www.gaudry.be/lieu/ml/ml-5/63683.html (citing Wikipedia: Douentza, chef-lieu "
        "du cercle de Douentza et de la région de Douentza); " + _NEW_REGIONS,
    ),
    (
        "Koro",
        "Bandiagara",
        None,
        "",
        "Cercle de Koro, https://fr.wikipedia.org/wiki/Cercle_de_Koro (in the new Bandiagara "
        "region, code 1902)",
    ),
    ("Mopti", "Mopti", None, "", _WP_REGIONS),
    ("Tenenkou", "", None, "Mopti, Bandiagara and Douentza compositions not found", _NOT_SOURCED),
    ("Youwarou", "", None, "Mopti, Bandiagara and Douentza compositions not found", _NOT_SOURCED),
    # Tombouctou
    ("Dire", "Tombouctou", None, "", _WP_TOMBOUCTOU),
    (
        "Goundam",
        "Tombouctou",
        False,
        "split: the northern part went to Taoudénit (2016); 2023 boundary not available offline",
        _WP_TOMBOUCTOU + "; " + _TAOUDENIT,
    ),
    ("Gourma-Rharous", "Tombouctou", None, "", _WP_TOMBOUCTOU),
    ("Niafunke", "Tombouctou", None, "", _WP_TOMBOUCTOU),
    (
        "Tombouctou",
        "Tombouctou",
        False,
        "split: the northern part went to Taoudénit (2016); 2023 boundary not available offline",
        _WP_TOMBOUCTOU + "; " + _TAOUDENIT,
    ),
    # Gao
    ("Ansongo", "Gao", None, "", _WP_REGIONS + "; " + _NEW_REGIONS + _BY_ELIMINATION),
    ("Bourem", "Gao", None, "", _WP_REGIONS + "; " + _NEW_REGIONS + _BY_ELIMINATION),
    ("Gao", "Gao", None, "", _WP_REGIONS),
    (
        "Menaka",
        "Ménaka",
        True,
        "region since 2016 (the old cercle); re-divided into 6 cercles in 2023, outer boundary "
        "change not stated",
        _WP_MENAKA,
    ),
    # Kidal
    ("Abeibara", "Kidal", None, "", _WP_REGIONS + "; " + _NEW_REGIONS + _BY_ELIMINATION),
    ("Kidal", "Kidal", None, "", _WP_REGIONS),
    ("Tessalit", "Kidal", None, "", _WP_REGIONS + "; " + _NEW_REGIONS + _BY_ELIMINATION),
    ("Tin-Essako", "Kidal", None, "", _WP_REGIONS + "; " + _NEW_REGIONS + _BY_ELIMINATION),
    # Bamako
    ("Bamako", "Bamako", True, "district, not a region", _WP_REGIONS),
]

# Whether a 2023 region is exactly a union of whole old cercles (same basis as
# above); regions not listed are unknown.
REGION_EXACT: dict[str, bool] = {
    "Nioro": True,
    "Kita": True,
    "Dioïla": True,
    "Nara": True,
    "Koutiala": True,
    "Ménaka": True,
    "Bougouni": False,  # also holds Ouélessébougou, from the old Kati cercle
    "Koulikoro": False,  # holds only part of the old Kati cercle
    "Tombouctou": False,  # holds only part of the Tombouctou and Goundam cercles
}


def _fix_mojibake(text: object) -> object:
    """Undo UTF-8 read as Latin-1 ("CÃ´te" -> "Côte"); other values pass through."""
    if not isinstance(text, str) or "Ã" not in text:
        return text
    return text.encode("latin-1").decode("utf-8")


def _ascii_key(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _write_shapefile(gdf: gpd.GeoDataFrame, name: str) -> Path:
    """Write ``data/shapefiles/<name>.shp`` in UTF-8 and check it reads back equal."""
    too_long = [c for c in gdf.columns if c != "geometry" and len(c) > 10]
    if too_long:
        raise ValueError(f"{name}: field names longer than 10 characters: {too_long}")
    path = OUT / "shapefiles" / f"{name}.shp"
    path.parent.mkdir(parents=True, exist_ok=True)
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        path.with_suffix(ext).unlink(missing_ok=True)
    pyogrio.write_dataframe(
        gdf.to_crs(WGS84),
        path,
        driver="ESRI Shapefile",
        encoding="UTF-8",
        layer_options={"DBF_DATE_LAST_UPDATE": SOURCE_DATE, "RESIZE": "YES"},
    )
    back = pyogrio.read_dataframe(path)
    for col in gdf.columns:
        if col == "geometry" or not pd.api.types.is_string_dtype(gdf[col]):
            continue
        want = gdf[col].fillna("").astype(str).tolist()
        got = back[col].fillna("").astype(str).tolist()
        if want != got:
            raise ValueError(f"{name}.{col}: text did not survive the round trip")
    return path


def build_admin(src: Path) -> pd.DataFrame:
    """Write mli_adm0/1/2 shapefiles and the 2023 region table; return the table."""
    adm2 = gpd.read_file(src / "base" / "mli_adm2_cercles.geojson")
    adm1 = gpd.read_file(src / "base" / "mli_adm1_regions.geojson")
    adm0 = gpd.read_file(src / "base" / "mli_adm0.geojson")

    names = set(adm2["adm2_name"])
    table = pd.DataFrame(
        REGIONS_2023,
        columns=["adm2_name", "region_2023", "whole_cercle", "note", "basis"],
    )
    table.insert(3, "region_exact", table["region_2023"].map(REGION_EXACT))
    missing = names - set(table["adm2_name"])
    extra = set(table["adm2_name"]) - names
    if missing or extra or len(table) != len(adm2):
        raise ValueError(f"2023 table does not match the cercles: missing {missing}, extra {extra}")
    unknown = set(CERCLE_DISPLAY_NAMES) - names
    if unknown:
        raise ValueError(f"display-name table names unknown cercles: {unknown}")

    cercles = adm2.merge(table[["adm2_name", "region_2023"]], on="adm2_name", how="left")
    cercles = gpd.GeoDataFrame(
        {
            "unit_id": cercles["adm2_gb_id"],
            "name": cercles["adm2_name"].map(lambda n: CERCLE_DISPLAY_NAMES.get(n, n)),
            "adm2_name": cercles["adm2_name"],
            "adm1_name": cercles["adm1_name"],
            "adm1_iso": cercles["adm1_iso"],
            "reg_2023": cercles["region_2023"],
            "area_km2": cercles["area_km2"],
        },
        geometry=cercles.geometry,
        crs=adm2.crs,
    )
    # The display name must differ from the ASCII name only by accents (and
    # "du Sahel" for Nioro): a guard against typos in the table.
    for ascii_name, display in zip(cercles["adm2_name"], cercles["name"], strict=True):
        if not _ascii_key(display).startswith(_ascii_key(ascii_name)):
            raise ValueError(f"display name {display!r} does not spell {ascii_name!r}")
    _write_shapefile(cercles, "mli_adm2")

    regions = gpd.GeoDataFrame(
        {
            "unit_id": adm1["adm1_iso"],
            "name": adm1["adm1_name"],
            "adm1_name": adm1["adm1_name"],
            "adm1_iso": adm1["adm1_iso"],
            "area_km2": adm1["area_km2"],
        },
        geometry=adm1.geometry,
        crs=adm1.crs,
    )
    _write_shapefile(regions, "mli_adm1")

    country = gpd.GeoDataFrame(
        {"unit_id": adm0["adm0_iso3"], "name": adm0["adm0_name"], "area_km2": adm0["area_km2"]},
        geometry=adm0.geometry,
        crs=adm0.crs,
    )
    _write_shapefile(country, "mli_adm0")

    old = adm2.set_index("adm2_name")
    out = table.copy()
    out.insert(0, "unit_id", out["adm2_name"].map(old["adm2_gb_id"]))
    out.insert(2, "name", out["adm2_name"].map(lambda n: CERCLE_DISPLAY_NAMES.get(n, n)))
    out.insert(3, "adm1_name_old", out["adm2_name"].map(old["adm1_name"]))
    out.insert(4, "adm1_iso_old", out["adm2_name"].map(old["adm1_iso"]))
    for col in ("whole_cercle", "region_exact"):
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else str(bool(v)).lower())
    path = OUT / "admin" / "mli_regions_2023.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return out


# Base layers: shapefile name -> (source GeoJSON in base/, {field: source column}).
# A field maps from one source column; fixes applied on top are in _BASE_FIXES.
BASE_LAYERS: dict[str, tuple[str, dict[str, str]]] = {
    "countries": (
        "countries_adm0_westafrica.geojson",
        {
            "iso3": "iso_a3",
            "name": "name_long",
            "name_ne": "name",
            "neighbour": "neighbour_of_mali",
            "focus": "focus",
        },
    ),
    "roads": (
        "roads_main_osm.geojson",
        {
            "country": "country",
            "road_class": "class",
            "class_rank": "class_rank",
            "ref": "ref",
            "name": "name",
            "length_km": "length_km",
        },
    ),
    "towns": (
        "places_osm_towns.geojson",
        {
            "country": "country",
            "name": "name",
            "place_cls": "place_class",
            "border_km": "border_km",
        },
    ),
    "rivers": (
        "rivers_ne.geojson",
        {
            "name": "name",
            "name_en": "name_en",
            "feat_class": "featurecla",
            "scalerank": "scalerank",
        },
    ),
    "lakes": (
        "lakes_ne.geojson",
        {"name": "name", "feat_class": "featurecla", "scalerank": "scalerank"},
    ),
}

_BASE_FIXES = {
    # Two names the shared file carries as mojibake ("CÃ´te d'Ivoire").
    ("countries", "name"): lambda s: s.map(_fix_mojibake),
    ("countries", "neighbour"): lambda s: s.astype(bool),
    ("countries", "focus"): lambda s: s.astype(bool),
    ("roads", "class_rank"): lambda s: s.astype("int32"),
    ("roads", "ref"): lambda s: s.fillna(""),
    ("roads", "name"): lambda s: s.fillna(""),
    # Natural Earth's "Lake Débo" lost its é in the GeoJSON conversion ("Lake Dbo").
    ("lakes", "name"): lambda s: s.replace({"Lake Dbo": "Lake Débo"}),
}


def build_base_layers(src: Path) -> dict[str, int]:
    """Write countries, roads, towns, rivers and lakes shapefiles; return row counts."""
    counts: dict[str, int] = {}
    for name, (filename, fields) in BASE_LAYERS.items():
        source = gpd.read_file(src / "base" / filename)
        columns = {}
        for field, column in fields.items():
            fix = _BASE_FIXES.get((name, field), lambda s: s)
            columns[field] = fix(source[column])
        layer = gpd.GeoDataFrame(columns, geometry=source.geometry, crs=source.crs)
        if layer["name"].astype(str).str.contains("Ã").any():
            raise ValueError(f"{name}: mojibake left in names")
        _write_shapefile(layer, name)
        counts[name] = len(layer)
    return counts


INCIDENT_FILES = (
    "ucdp_ged_mali.csv",
    "ucdp_ged_border.csv",
    "ucdp_ged_mali_sample.csv",
    "news_events_western_mali.csv",
    "SOURCES.md",
    "NEWS_SOURCES.md",
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_incidents(src: Path) -> dict[str, int]:
    """Copy the incident files unchanged; return data rows per CSV."""
    out = OUT / "incidents"
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    for name in INCIDENT_FILES:
        shutil.copyfile(src / "incidents" / name, out / name)
        if _sha256(src / "incidents" / name) != _sha256(out / name):
            raise OSError(f"copy of {name} differs from the source")
        if name.endswith(".csv"):
            rows[name] = len(pd.read_csv(out / name))
    return rows


def build_sites(src: Path) -> dict[str, int]:
    """Write data/sites/sites.gpkg (layers sites, site_polygons) and copy SOURCES.md."""
    points = gpd.read_file(src / "sites" / "sites_western_mali.geojson")
    polygons = gpd.read_file(src / "sites" / "sites_polygons_osm.geojson")
    out = OUT / "sites"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "sites.gpkg"
    path.unlink(missing_ok=True)
    pyogrio.write_dataframe(points.to_crs(WGS84), path, layer="sites", driver="GPKG")
    pyogrio.write_dataframe(
        polygons.to_crs(WGS84), path, layer="site_polygons", driver="GPKG", append=True
    )
    shutil.copyfile(src / "sites" / "SOURCES.md", out / "SOURCES.md")
    return {"sites": len(points), "site_polygons": len(polygons)}


ROUTES_BEGIN = "<!-- routes:begin (written by scripts/build_corridors.py) -->"
ROUTES_END = "<!-- routes:end -->"


def write_sources(
    counts: dict[str, int], incident_rows: dict[str, int], regions: pd.DataFrame
) -> None:
    """Write data/SOURCES.md, keeping any routes section build_corridors.py wrote."""
    path = OUT / "SOURCES.md"
    routes_section = f"{ROUTES_BEGIN}\n(run scripts/build_corridors.py)\n{ROUTES_END}"
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if ROUTES_BEGIN in old and ROUTES_END in old:
            start = old.index(ROUTES_BEGIN)
            routes_section = old[start : old.index(ROUTES_END) + len(ROUTES_END)]
    sourced = regions[regions["region_2023"] != ""]
    n_sourced = len(sourced)
    n_elim = int(regions["basis"].str.contains("by elimination").sum())
    not_sourced = ", ".join(regions.loc[regions["region_2023"] == "", "name"])
    text = SOURCES_TEMPLATE.format(
        countries=counts["countries"],
        roads=counts["roads"],
        towns=counts["towns"],
        rivers=counts["rivers"],
        lakes=counts["lakes"],
        ucdp_mali=incident_rows["ucdp_ged_mali.csv"],
        ucdp_border=incident_rows["ucdp_ged_border.csv"],
        ucdp_sample=incident_rows["ucdp_ged_mali_sample.csv"],
        news=incident_rows["news_events_western_mali.csv"],
        sites=counts["sites"],
        site_polygons=counts["site_polygons"],
        n_sourced=n_sourced,
        n_elim=n_elim,
        not_sourced=not_sourced,
        display_names=", ".join(f"{k} → {v}" for k, v in CERCLE_DISPLAY_NAMES.items()),
        routes_section=routes_section,
    )
    path.write_text(text, encoding="utf-8")


SOURCES_TEMPLATE = """\
# Bundled data — origin, licence, processing

Everything in `data/` is real, openly licensed data, rebuilt by `scripts/build_data.py`
(and `scripts/build_corridors.py` for `routes/`) from the project's shared source folder.
Coordinates are EPSG:4326 (lon/lat). The app and the tests read only these files.

## Attribution (map footers, exports, README)

- Administrative boundaries of Mali: **geoBoundaries** gbOpen MLI (Runfola, D. et al. 2020,
  "geoBoundaries: A global database of political administrative boundaries", *PLoS ONE*
  15(4): e0231866), licence **CC BY 4.0**; original source DNCT and DNP (Mali) via UN OCHA Mali.
- Roads, towns, corridors and sites: **© OpenStreetMap contributors**, licence **ODbL 1.0**
  (openstreetmap.org/copyright). ODbL is share-alike: a database published from these files
  (for example incidents joined to roads or sites) must also be ODbL and credit OSM. Rendered
  maps are produced works and only need the credit.
- Country outlines, rivers, lakes: **Made with Natural Earth** (naturalearthdata.com),
  **public domain**.
- Conflict events: **UCDP Georeferenced Event Dataset (GED)**, Uppsala Conflict Data
  Program, licence **CC BY 4.0**. Cite: Sundberg, R. and Melander, E. (2013), "Introducing
  the UCDP Georeferenced Event Dataset", *Journal of Peace Research* 50(4): 523-532; for
  GED 21.1 Pettersson, T. et al. (2021), "Organized violence 1989-2020, with a special
  emphasis on Syria", *Journal of Peace Research* 58(4); for GED 23.1 Davies, S.,
  Pettersson, T. and Öberg, M. (2023), "Organized violence 1989-2022 and the return of
  conflicts between states?", *Journal of Peace Research* 60(4).
- News log: facts (date, place, type, numbers) from the public reports cited row by row in
  `incidents/NEWS_SOURCES.md`; no text is copied.

One-line footer (`geo.io.bundled.attribution_line()`): Boundaries: geoBoundaries (CC BY 4.0) ·
Roads, towns, sites: © OpenStreetMap contributors (ODbL) · Natural Earth · Incidents: UCDP
GED 21.1 (CC BY 4.0), news log (cited reports).

**ACLED data is never bundled** (its terms forbid redistribution). Users load their own
ACLED export; the app reads it as downloaded.

## Files

### `shapefiles/` — ESRI Shapefile sets

Each set has `.shp/.shx/.dbf/.prj` and a `.cpg` saying `UTF-8`; accented names (Ségou,
Kéniéba, Diéma, Dioïla, Côte d'Ivoire) are checked to read back exactly. Field names are
at most 10 characters; `geo.io.bundled` loaders rename them to the long names in brackets.

- `mli_adm0` (1 row): union of the geoBoundaries cercles (shared `base/mli_adm0.geojson`);
  CC BY 4.0. Fields: unit_id (`MLI`), name, area_km2.
- `mli_adm1` (9 rows): geoBoundaries cercles dissolved by region, old scheme (8 regions +
  Bamako district); CC BY 4.0. Fields: unit_id (ISO 3166-2, e.g. `ML-4`), name (e.g. Ségou),
  adm1_name, adm1_iso, area_km2.
- `mli_adm2` (50 rows): geoBoundaries gbOpen MLI ADM2 (commit 10caeaf4…), 49 cercles +
  Bamako; CC BY 4.0. Fields: unit_id (geoBoundaries shapeID), name (French display name),
  adm2_name (geoBoundaries ASCII), adm1_name, adm1_iso, reg_2023 (region_2023), area_km2.
- `countries` ({countries} rows): Natural Earth 10m Admin-0 v5.1.1, clipped to lon -18..5,
  lat 4..25; public domain. Fields: iso3, name, name_ne, neighbour (neighbour_of_mali), focus.
- `roads` ({roads} rows): OSM main roads (motorway, trunk, primary, secondary) of Mali,
  Senegal, The Gambia and Côte d'Ivoire, Geofabrik extracts of 2021-08-06 via the
  tokenless-tiles vector tiles; ODbL 1.0. Fields: country, road_class, class_rank (1-4),
  ref, name, length_km.
- `towns` ({towns} rows): OSM places of class city or town, same extracts; ODbL 1.0.
  Fields: country, name, place_cls (place_class), border_km.
- `rivers` ({rivers} rows): Natural Earth 10m rivers and lake centrelines; public domain.
  Fields: name, name_en, feat_class, scalerank.
- `lakes` ({lakes} rows): Natural Earth 10m lakes; public domain. Fields: name, feat_class,
  scalerank.

Processing here (beyond the shared folder's own, described in its `base/SOURCES.md`):

- Cercles keep geoBoundaries' ASCII `adm2_name` and gain `name`, the French spelling with
  accents. Table (spelling only; all other names are already correct):
  {display_names}. The table lives in `scripts/build_data.py`.
- `countries.name` is Natural Earth's `name_long` (e.g. "Côte d'Ivoire"); two names that
  the shared file carried as mojibake ("CÃ´te d'Ivoire", "RÃ©publique Togolaise" in the
  dropped `formal_fr`) were decoded back to UTF-8. `name_ne` keeps NE's short ADMIN name.
- `lakes`: "Lake Dbo" restored to "Lake Débo" (an é lost in NE's GeoJSON conversion).
- Geometries, row order and values are otherwise unchanged.

### `admin/mli_regions_2023.csv` — old cercles → 2023 regions

The boundary layers use the **old** scheme (8 regions + Bamako). Loi n°2023-006 of 13 March
2023 created 19 regions and the Bamako district (new: Taoudénit, Ménaka, Nioro, Kita, Dioïla,
Nara, Bougouni, Koutiala, San, Douentza, Bandiagara). This table maps each of the 50 old
cercles to the 2023 region that holds it, one row per cercle: unit_id, adm2_name, name,
adm1_name_old, adm1_iso_old, region_2023, whole_cercle, region_exact, note, basis.

- `basis` cites the page(s) read (mostly French Wikipedia articles on the new regions, read
  through mirrors, plus Malian press and the government site fuga.gouv.ml). The law itself
  was not available offline.
- {n_sourced} of 50 rows have a region; {n_elim} of those are inferred **by elimination**
  (the cited pages name every cercle taken out of the old region, and this one is not among
  them).
- **Not sourced** (region left blank): {not_sourced}. The composition of the new San,
  Douentza and Bandiagara regions (and so of what stays in Ségou and Mopti) was not found.
- `whole_cercle` false / `region_exact` false mark known splits: the Ouélessébougou part of
  the old Kati cercle went to Bougouni region; the northern parts of the Tombouctou and
  Goundam cercles belong to Taoudénit (whose 2023 boundary is not available offline). Blank
  means the page does not say.
- There are no 2023 region polygons offline; `region_2023` is an aggregation key only.

### `incidents/` — copied byte for byte from the shared folder

- `ucdp_ged_mali.csv` ({ucdp_mali} rows): UCDP GED 21.1 events in Mali, 1990-2020,
  precise locations only (where_prec 1-2), 15 columns; CC BY 4.0.
- `ucdp_ged_border.csv` ({ucdp_border} rows): GED 21.1 events within 150 km of Mali in
  neighbouring countries; CC BY 4.0.
- `ucdp_ged_mali_sample.csv` ({ucdp_sample} rows): the Mali rows of a 1,000-row world sample
  of GED 23.1, full 49-column schema; CC BY 4.0.
- `news_events_western_mali.csv` ({news} rows): incidents in western and southern Mali,
  2024-02 to 2025-11, compiled from cited public reports; facts from cited reports.
- `SOURCES.md`, `NEWS_SOURCES.md`: provenance and source list of the above.

### `sites/` — mines, factories, plants, industrial areas

`sites.gpkg`, EPSG:4326: layer `sites` ({sites} points, all properties of the shared file)
and layer `site_polygons` ({site_polygons} OSM industrial-area polygons, same `site_id`).
Origin: OSM (ODbL, © OpenStreetMap contributors, August 2021 tiles) and 6 points from pages
that state coordinates; `probable_match` is an inference from location, with the evidence
in `notes`. Full method in `sites/SOURCES.md` (copied unchanged).

{routes_section}

## Gaps, stated plainly

- **No incidents for 2021-2023** in the bundle: the UCDP extract stops at 2020-12-29 and
  the news log starts in 2024-02. GED 21.1 keeps only precisely located events; the
  bundled news log is a sample, not a complete record.
- **No communes (ADM3)** offline; no polygons for the 2023 regions (see the table above).
- **OSM data is from August 2021**: newer roads, towns and sites are missing. Roads cover
  Mali, Senegal, The Gambia and Côte d'Ivoire only (not Guinea, Burkina Faso, Mauritania).
- **Sites are thin**: 211 of 246 points are generic OSM industrial areas; many named mines
  could not be located (list in `sites/SOURCES.md`); open pits mapped only as quarries are
  missing.
- ACLED is not bundled (see above).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    src: Path = args.source
    # GeoPackage writes timestamps; pin them for reproducible bytes.
    os.environ["OGR_CURRENT_DATE"] = f"{SOURCE_DATE}T00:00:00Z"

    regions = build_admin(src)
    counts = build_base_layers(src)
    incident_rows = copy_incidents(src)
    counts.update(build_sites(src))
    write_sources(counts, incident_rows, regions)
    for name, n in {**counts, **incident_rows}.items():
        print(f"{name}: {n}")
    print(f"regions_2023: {len(regions)} cercles, {int((regions.region_2023 != '').sum())} sourced")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
