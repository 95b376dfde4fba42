"""Tests for geo.io.bundled: the real bundled data loads, is EPSG:4326, keeps accents, and
known places land in known units."""

import dataclasses
import unicodedata

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.errors import ParameterError
from geo.io import bundled
from geo.settings import BUNDLED

SHAPEFILES = ["mli_adm0", "mli_adm1", "mli_adm2", "countries", "roads", "towns", "rivers", "lakes"]

LOADERS = {
    "admin0": lambda: bundled.load_admin(0),
    "admin1": lambda: bundled.load_admin(1),
    "admin2": lambda: bundled.load_admin(2),
    "countries": bundled.load_countries,
    "roads": bundled.load_roads,
    "towns": bundled.load_towns,
    "rivers": bundled.load_rivers,
    "lakes": bundled.load_lakes,
    "sites": bundled.load_sites,
    "site_polygons": lambda: bundled.load_sites("polygons"),
}


@pytest.mark.parametrize(
    ("loader", "rows"),
    [
        pytest.param("admin0", 1, id="Mali outline"),
        pytest.param("admin1", 9, id="8 old regions + Bamako"),
        pytest.param("admin2", 50, id="49 cercles + Bamako"),
        pytest.param("countries", 17, id="West-African countries"),
        pytest.param("roads", 4017, id="OSM main roads"),
        pytest.param("towns", 942, id="OSM towns"),
        pytest.param("rivers", 32, id="NE rivers"),
        pytest.param("lakes", 7, id="NE lakes"),
        pytest.param("sites", 251, id="site points"),
        pytest.param("site_polygons", 235, id="site polygons"),
    ],
)
def test_loader_rows_crs_and_valid_geometries(loader, rows):
    gdf = LOADERS[loader]()
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert len(gdf) == rows
    assert gdf.crs.to_epsg() == 4326
    assert not gdf.geometry.isna().any()
    assert not gdf.geometry.is_empty.any()
    assert shapely.is_valid(gdf.geometry.values).all()
    minx, miny, maxx, maxy = gdf.total_bounds
    assert -18.5 <= minx and maxx <= 5.5 and 3.5 <= miny and maxy <= 25.5


@pytest.mark.parametrize(
    ("level", "columns"),
    [
        (0, ["unit_id", "name", "area_km2", "geometry"]),
        (1, ["unit_id", "name", "adm1_name", "adm1_iso", "area_km2", "geometry"]),
        (
            2,
            [
                "unit_id",
                "name",
                "adm2_name",
                "adm1_name",
                "adm1_iso",
                "region_2023",
                "area_km2",
                "geometry",
            ],
        ),
    ],
)
def test_admin_columns_are_long_names(level, columns):
    assert list(bundled.load_admin(level).columns) == columns


def test_admin0_is_mali():
    adm0 = bundled.load_admin(0)
    assert adm0.loc[0, "unit_id"] == "MLI"
    assert adm0.loc[0, "name"] == "Mali"


def test_region_unit_ids_are_iso_3166_2():
    adm1 = bundled.load_admin(1)
    expected = {f"ML-{i}" for i in range(1, 9)} | {"ML-BKO"}
    assert set(adm1["unit_id"]) == expected
    assert (adm1["unit_id"] == adm1["adm1_iso"]).all()


def test_cercle_unit_ids_are_geoboundaries_shape_ids():
    adm2 = bundled.load_admin(2)
    assert adm2["unit_id"].is_unique
    assert adm2["unit_id"].str.startswith("MLI-ADM2-").all()


@pytest.mark.parametrize(
    ("ascii_name", "display"),
    [
        ("Segou", "Ségou"),
        ("Kenieba", "Kéniéba"),
        ("Diema", "Diéma"),
        ("Nioro", "Nioro du Sahel"),
        ("Dioila", "Dioïla"),
        ("Djenne", "Djenné"),
        ("Bafoulabe", "Bafoulabé"),
        ("Yelimane", "Yélimané"),
        ("Kolondieba", "Kolondiéba"),
        ("Baroueli", "Barouéli"),
        ("Tenenkou", "Ténenkou"),
        ("Abeibara", "Abeïbara"),
        ("Kati", "Kati"),
    ],
)
def test_cercle_display_names_keep_accents_exactly(ascii_name, display):
    adm2 = bundled.load_admin(2).set_index("adm2_name")
    assert adm2.loc[ascii_name, "name"] == display


def test_all_names_are_nfc_and_region_accents_survive():
    adm1 = bundled.load_admin(1)
    assert "Ségou" in set(adm1["name"])
    for frame in (adm1, bundled.load_admin(2), bundled.load_countries(), bundled.load_towns()):
        for name in frame["name"].dropna():
            assert unicodedata.is_normalized("NFC", name), name
            assert "Ã" not in name, name
    countries = bundled.load_countries().set_index("iso3")
    assert countries.loc["CIV", "name"] == "Côte d'Ivoire"


@pytest.mark.parametrize("name", SHAPEFILES)
def test_shapefile_set_is_complete_utf8_and_short_fields(name):
    shp = BUNDLED.shapefiles / f"{name}.shp"
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        assert shp.with_suffix(ext).is_file(), f"{name}{ext} missing"
    assert shp.with_suffix(".cpg").read_text().strip() == "UTF-8"
    info = pyogrio.read_info(shp)
    assert info["encoding"] == "UTF-8"
    assert all(len(field) <= 10 for field in info["fields"])


def _town(name: str) -> gpd.GeoDataFrame:
    towns = bundled.load_towns()
    return towns[(towns["name"] == name) & (towns["country"] == "MLI")]


@pytest.mark.parametrize(
    ("town", "cercle", "region_iso"),
    [
        pytest.param("Bamako", "Bamako", "ML-BKO", id="Bamako in the district"),
        pytest.param("Kéniéba", "Kéniéba", "ML-1", id="Kéniéba in Kéniéba, Kayes"),
        pytest.param("Sikasso", "Sikasso", "ML-3", id="Sikasso in Sikasso"),
        pytest.param("Kati", "Kati", "ML-2", id="Kati in Kati, Koulikoro"),
    ],
)
def test_known_towns_land_in_known_units(town, cercle, region_iso):
    point = _town(town)
    assert len(point) == 1
    in_cercle = gpd.sjoin(point, bundled.load_admin(2), predicate="within")
    assert in_cercle["name_right"].tolist() == [cercle]
    assert in_cercle["adm1_iso"].tolist() == [region_iso]
    in_region = gpd.sjoin(point, bundled.load_admin(1), predicate="within")
    assert in_region["unit_id"].tolist() == [region_iso]


def test_kati_keeps_its_hole_for_bamako():
    adm2 = bundled.load_admin(2).set_index("name")
    bamako_town = _town("Bamako").geometry.iloc[0]
    assert not adm2.loc["Kati", "geometry"].contains(bamako_town)


@pytest.mark.parametrize("level", [3, -1, "1", None, True])
def test_load_admin_rejects_unknown_levels(level):
    with pytest.raises(ParameterError, match=r"`level` was .* one of 0 \(Mali\), 1 .*, 2 "):
        bundled.load_admin(level)


def test_load_sites_rejects_unknown_kind():
    with pytest.raises(ParameterError, match="`kind` was 'lines'.*'points', 'polygons'"):
        bundled.load_sites("lines")


def test_loaders_return_copies():
    first = bundled.load_admin(1)
    first.loc[:, "name"] = "changed"
    assert "Ségou" in set(bundled.load_admin(1)["name"])


def test_countries_neighbour_flags():
    countries = bundled.load_countries().set_index("iso3")
    neighbours = set(countries.index[countries["neighbour_of_mali"]])
    assert neighbours == {"SEN", "CIV", "GIN", "MRT", "BFA", "NER", "DZA"}
    assert countries["neighbour_of_mali"].dtype == bool


def test_roads_have_classes_and_text_refs():
    roads = bundled.load_roads()
    assert set(roads["road_class"]) == {"motorway", "trunk", "primary", "secondary"}
    assert roads["class_rank"].between(1, 4).all()
    assert not roads["ref"].isna().any()
    assert set(roads["country"]) >= {"MLI", "SEN", "CIV", "GMB"}


def test_sites_keep_all_properties():
    sites = bundled.load_sites()
    for col in ("site_id", "name", "site_type", "probable_match", "notes", "lon", "lat"):
        assert col in sites
    assert sites["site_id"].is_unique
    polygons = bundled.load_sites("polygons")
    assert set(polygons["site_id"]) <= set(sites["site_id"])


def test_regions_2023_table_is_sourced_or_says_not_sourced():
    table = bundled.load_regions_2023()
    assert len(table) == 50
    assert set(table["unit_id"]) == set(bundled.load_admin(2)["unit_id"])
    blank = table["region_2023"].isna()
    assert (table.loc[blank, "basis"] == "not sourced").all()
    assert table.loc[~blank, "basis"].str.contains("http").all()
    assert str(table["whole_cercle"].dtype) == "boolean"
    assert str(table["region_exact"].dtype) == "boolean"


@pytest.mark.parametrize(
    ("cercle", "region"),
    [
        pytest.param("Diéma", "Nioro", id="Diéma to Nioro"),
        pytest.param("Nioro du Sahel", "Nioro", id="Nioro cercle to Nioro"),
        pytest.param("Kita", "Kita", id="Kita"),
        pytest.param("Kéniéba", "Kayes", id="Kéniéba stays in Kayes"),
        pytest.param("Yanfolila", "Bougouni", id="Yanfolila to Bougouni"),
        pytest.param("Yorosso", "Koutiala", id="Yorosso to Koutiala"),
        pytest.param("Nara", "Nara", id="Nara"),
        pytest.param("Ménaka", "Ménaka", id="Ménaka"),
    ],
)
def test_regions_2023_known_rows(cercle, region):
    table = bundled.load_regions_2023().set_index("name")
    assert table.loc[cercle, "region_2023"] == region


def test_regions_2023_flags_known_split():
    table = bundled.load_regions_2023().set_index("name")
    assert not table.loc["Kati", "whole_cercle"]
    assert not table.loc["Bougouni", "region_exact"]
    assert pd.isna(table.loc["Kayes", "region_exact"])


def test_admin2_region_2023_matches_table():
    adm2 = bundled.load_admin(2).set_index("unit_id")["region_2023"]
    table = bundled.load_regions_2023().set_index("unit_id")["region_2023"]
    pd.testing.assert_series_equal(
        adm2.sort_index().fillna(""), table.sort_index().fillna(""), check_names=False
    )


def test_attributions():
    line = bundled.attribution_line()
    assert line == (
        "Boundaries: geoBoundaries (CC BY 4.0) · Roads, towns, sites: © OpenStreetMap "
        "contributors (ODbL) · Mines: ICMM (CC BY 4.0) · Natural Earth · Incidents: UCDP GED "
        "21.1 (CC BY 4.0), news logs (cited reports)"
    )
    assert any("ICMM Global Mining Dataset" in a.credit for a in bundled.ATTRIBUTIONS)
    licences = {a.licence for a in bundled.ATTRIBUTIONS}
    assert "CC BY 4.0" in licences and "public domain" in licences
    assert any("OpenStreetMap" in a.credit for a in bundled.ATTRIBUTIONS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        bundled.ATTRIBUTIONS[0].licence = "other"


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("ucdp_ged_mali.csv", 891),
        ("ucdp_ged_border.csv", 435),
        ("ucdp_ged_mali_sample.csv", 7),
        ("news_events_western_mali.csv", 40),
        ("news_events_additional.csv", 43),
    ],
)
def test_incident_files_are_bundled(name, rows):
    assert len(pd.read_csv(BUNDLED.incidents_dir / name)) == rows


def test_no_acled_file_and_small_bundle():
    files = [p for p in BUNDLED.root.rglob("*") if p.is_file()]
    assert not any("acled" in p.name.lower() for p in files)
    assert sum(p.stat().st_size for p in files) < 10_000_000
    for doc in (
        "SOURCES.md",
        "incidents/SOURCES.md",
        "incidents/NEWS_SOURCES.md",
        "incidents/NEWS_ADDITIONAL_SOURCES.md",
    ):
        assert (BUNDLED.root / doc).is_file()
    assert (BUNDLED.root / "sites" / "SOURCES.md").is_file()


def test_every_site_says_where_its_point_comes_from_and_the_icmm_mines_are_in():
    sites = bundled.load_sites()
    assert set(sites["source"]) == {"osm", "wikipedia", "icmm"}
    assert sites["source"].value_counts().to_dict() == {"osm": 240, "wikipedia": 5, "icmm": 6}
    icmm = pd.read_csv(BUNDLED.root / "sites" / "icmm_global_mining_dataset_2025_mali.csv")
    assert set(icmm["ICMMID"]) <= set(sites["icmm_id"].dropna())
    checked = sites[sites["icmm_km"].notna()]
    # every ICMM mine has a bundled point within 5 km (checked or added)
    near = checked.groupby("icmm_id")["icmm_km"].min()
    assert len(near) == 12 and (near <= 5.0).all()
    kalana = sites.set_index("site_id").loc["wm_osm_0014"]
    assert pd.isna(kalana["probable_match"]) and "withdrawn" in kalana["notes"]
