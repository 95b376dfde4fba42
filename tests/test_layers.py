"""Tests for layers/: render maps to HTML and check the generated page (SECURITY.md R01-R12).

Fixtures are synthetic and tiny (two 1° squares near Bamako, a handful of made-up
events and sites): they exercise rendering and escaping, not analysis.
"""

import doctest
import html
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from branca.colormap import LinearColormap
from folium.plugins import HeatMap, MarkerCluster
from shapely import points
from shapely.geometry import LineString, Point, box
from test_safe_text import PAYLOADS, expected_display

import layers
from geo.crs import METRIC_CRS
from geo.errors import CRSError, ParameterError
from geo.schema import CATEGORIES
from geo.settings import BUNDLED
from layers.assets import (
    ATTRIBUTION_LINKS,
    LOCAL_CSS,
    LOCAL_JS,
    STATIC_DIR,
    UnvendoredAssetError,
    find_remote_references,
    inline_assets,
    use_local_assets,
)
from layers.incidents import IncidentLayer
from layers.map import WESTERN_MALI_BOUNDS, new_map, view_bounds
from layers.safe import safe_text

REPO = Path(__file__).resolve().parent.parent
MODULES = [
    "layers.safe",
    "layers.legend",
    "layers.assets",
    "layers.map",
    "layers.basemap",
    "layers.admin",
    "layers.kde",
    "layers.hexes",
    "layers.incident_cells",
    "layers.gistar",
    "layers.incidents",
    "layers.routes",
    "layers.sites",
    "layers._geojson",
]
OPEN, CLOSE = "⟦", "⟧"  # sentinels around each payload (not base64, not in folium's output)
HIDDEN = "NOT-WHITELISTED-COLUMN-VALUE"


# --- synthetic fixtures ---------------------------------------------------------------


def squares() -> list:
    """Two adjacent 1° squares (synthetic units) west and east of -8° near 12.5° N."""
    return [box(-9.0, 12.0, -8.0, 13.0), box(-8.0, 12.0, -7.0, 13.0)]


def admin_table(text: str = "Unit") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "unit_id": ["U1", text],
            "name": [text, "Plain"],
            "incidents": [3, 0],
            "fatalities": [5, 0],
            "incidents_per_1000km2": [0.25, 0.0],
            "change": [2, -1],
            "change_pct": [200.0, -100.0],
        },
        geometry=squares(),
        crs=4326,
    )


def hex_table(text: str = "86xx") -> gpd.GeoDataFrame:
    # "hex" ids are made up; the builders never decode them.
    return gpd.GeoDataFrame(
        {"hex": [text, "86yy"], "incidents": [4, 1], "fatalities": [0, 2]},
        geometry=squares(),
        crs=4326,
    )


def gistar_table(text: str = "86xx") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "hex": [text, "86yy"],
            "z": [2.5, 0.1],
            "p_adjusted": [0.01, 0.9],
            "gistar_class": ["hot_95", "not_significant"],
        },
        geometry=squares(),
        crs=4326,
    )


def incident_table(text: str = "event") -> gpd.GeoDataFrame:
    """Four made-up events: one precise, two imprecise (precision 2 and 3), one without a point."""
    return gpd.GeoDataFrame(
        {
            "event_id": ["E1", "E2", "E3", text],
            "source": ["news", "ucdp", "user", text],
            "event_date": pd.to_datetime(["2024-05-01", "2024-06-01", "2024-07-01", "2024-08-01"]),
            "date_precision": ["day", "month", "day", "day"],
            "category": ["abduction", "attack_on_convoy", "explosive", text],
            "event_type": [text, "kidnapping", "ied", "other"],
            "actor1": [text, "A", "", None],
            "actor2": ["B", text, "", None],
            "fatalities": [0, 2, 1, 0],
            "location": [text, "Kati", "Kita", "Nowhere"],
            "geo_precision": [1, 2, 3, 1],
            "precise": [True, False, False, True],
            "notes": [text, "n2", "n3", "n4"],
            "source_url": [text, "", "", ""],
        },
        geometry=[Point(-8.0, 12.65), Point(-8.2, 12.9), Point(-9.4, 13.0), None],
        crs=4326,
    )


def segment_table(text: str = "dakar_bamako") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "route_id": [text, "r2"],
            "segment": [0, 0],
            "km_from": [0.0, 0.0],
            "km_to": [5.0, 5.0],
            "nearest_town": [text, "Kati"],
            "n_incidents": [3, 0],
            "exposure": [1.2, 0.0],
            "exposure_per_km": [0.24, 0.0],
            "exposure_class": ["critical", "low"],
        },
        geometry=[
            LineString([(-8.5, 12.5), (-8.45, 12.5)]),
            LineString([(-8.0, 12.7), (-8.0, 12.75)]),
        ],
        crs=4326,
    )


def site_table(text: str = "Site") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": [1, 2],
            "name": [text, "Plain site"],
            "site_type": ["mine", text],
            "exposure_class": ["high", None],
            "n_30d": [1, 0],
            "n_90d": [2, 0],
            "n_365d": [5, 1],
            "nearest_km": [3.2, 40.0],
            "is_key_site": [True, False],
        },
        geometry=[Point(-8.3, 12.4), Point(-7.6, 12.2)],
        crs=4326,
    )


def density() -> np.ndarray:
    grid = np.zeros((4, 4))
    grid[1:3, 1:3] = [[1.0, 2.0], [3.0, 4.0]]
    return grid


def with_hidden_column(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """Add a column (named after a payload) that no builder whitelists."""
    return gdf.assign(**{name: HIDDEN})


def full_map(text: str, *, minimal: bool = False) -> folium.Map:
    """Every builder on one map, with ``text`` in every string field, name and a column name."""
    m = new_map(bounds=(-9.5, 12.0, -7.0, 13.0), minimal_assets=minimal)
    layers.build_admin(with_hidden_column(admin_table(text), text), name=text, note=text).add_to(m)
    layers.build_hexes(with_hidden_column(hex_table(text), text), name=text, note=text).add_to(m)
    layers.build_gistar(with_hidden_column(gistar_table(text), text), name=text, note=text).add_to(
        m
    )
    layers.build_kde(
        density(), bounds=(-9.0, 12.0, -7.0, 13.0), name=text, units=text, note=text
    ).add_to(m)
    layers.build_incidents(
        with_hidden_column(incident_table(text), text), name=text, note=text
    ).add_to(m)
    layers.build_routes(
        with_hidden_column(segment_table(text), text),
        name=text,
        note=text,
        route_labels={"r2": text},
    ).add_to(m)
    layers.build_sites(with_hidden_column(site_table(text), text), name=text, note=text).add_to(m)
    layers.add_attribution(m, text)
    layers.add_layer_control(m)
    return m


def decode_js(page: str) -> str:
    """Undo JSON \\uXXXX escapes so that text embedded by folium's tojson can be searched."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda mt: chr(int(mt.group(1), 16)), page)


# --- payloads through every builder (R01-R08, R12) ------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_through_every_builder(payload):
    value = f"{OPEN}{payload}{CLOSE}"
    page = full_map(value).get_root().render()  # renders: no TemplateSyntaxError (R03)
    text = decode_js(page)
    safe = safe_text(value)
    # The payload is present only in its neutralised form, and reads back verbatim.
    assert text.count(OPEN) == text.count(safe) >= 10
    assert html.unescape(safe) == expected_display(value)
    # Jinja did not evaluate it (R01, R02) ...
    assert f"{OPEN}49{CLOSE}" not in text
    assert f"{OPEN}X{CLOSE}" not in text
    # ... and no HTML or script from data reached the page (R04-R07).
    assert "<img src=x" not in text
    assert "<script>alert" not in text
    assert "${document" not in text
    assert page.count("</script>") == page.count("<script")
    # Columns outside the whitelist are never embedded, whatever their name (R08).
    assert HIDDEN not in page


def test_payload_in_column_names_of_safe_properties_only_as_text():
    value = "{{ 7*7 }}"
    out = layers.safe_properties(admin_table(), {"name": value})
    assert list(out.columns)[0] == safe_text(value)


# --- offline assets (R12, K11) --------------------------------------------------------


def test_rendered_map_has_no_remote_url_at_all():
    page = full_map("Plain").get_root().render()
    assert re.findall(r"(?i)\b(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page) == []
    assert "/app/static/leaflet/1.9.4/leaflet.js" in page
    assert "/app/static/leaflet.markercluster/1.5.3/leaflet.markercluster.js" in page


@pytest.mark.parametrize("minimal", [False, True], ids=["all folium assets", "minimal"])
def test_inlined_page_loads_nothing_remote(minimal):
    page = inline_assets(full_map("Plain", minimal=minimal).get_root().render())
    assert set(find_remote_references(page)) <= ATTRIBUTION_LINKS
    assert "/app/static/" not in page
    assert "<script src=" not in page and '<link rel="stylesheet"' not in page
    if minimal:
        assert "jQuery" not in page and "Font Awesome" not in page


def test_plugin_added_after_new_map_is_localised_at_render():
    m = new_map()
    MarkerCluster().add_to(m)
    page = m.get_root().render()
    assert "cdnjs" not in page and "/app/static/leaflet.markercluster/" in page


def test_glyphicons_and_rotate_css_are_dropped():
    page = new_map().get_root().render()
    assert "glyphicons" not in page and "awesome.rotate" not in page


def test_unvendored_plugin_is_refused():
    m = new_map()
    HeatMap([[12.6, -8.0]]).add_to(m)
    with pytest.raises(UnvendoredAssetError, match="not vendored"):
        m.get_root().render()


def test_branca_colormap_is_refused():
    m = new_map()
    LinearColormap(["#ffffff", "#000000"]).add_to(m)
    with pytest.raises(UnvendoredAssetError, match="ramp_legend"):
        use_local_assets(m)


def test_plain_folium_map_is_localised_without_touching_folium_defaults():
    m = folium.Map(tiles=None)
    use_local_assets(m, base_url="/assets/")
    assert all(url.startswith("/assets/") for _, url in m.default_js + m.default_css)
    assert folium.Map.default_js[0][1].startswith("https://")


@pytest.mark.parametrize("base", ["app/static", "//cdn.example/x", "https://cdn.example/x", ""])
def test_base_url_must_be_an_absolute_local_path(base):
    with pytest.raises(ParameterError, match="absolute path"):
        new_map(asset_base_url=base)


def test_online_tiles_only_when_asked():
    assert "openstreetmap.org" not in new_map().get_root().render()
    assert "tile.openstreetmap.org" in new_map(online_basemap=True).get_root().render()


def test_vendored_files_match_manifest_and_carry_licences():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        vendor = importlib.import_module("vendor_assets")
    finally:
        sys.path.remove(str(REPO / "scripts"))
    assert vendor.check() == []
    manifest = json.loads((STATIC_DIR / "MANIFEST.json").read_text())
    for entry in manifest["packages"]:
        paths = [f["path"] for f in entry["files"]]
        assert any(re.search(r"LICEN[CS]E", p) for p in paths), entry["name"]
        assert entry["license"]
    for rel in [*LOCAL_JS.values(), *LOCAL_CSS.values()]:
        assert (STATIC_DIR / rel).is_file(), rel


def test_static_holds_no_data_files():
    allowed = {".js", ".css", ".png", ".woff2", ".ttf", ".txt", ".json", ""}
    suffixes = {p.suffix for p in STATIC_DIR.rglob("*") if p.is_file()}
    assert suffixes <= allowed


# --- payload size (DESIGN: 20,000 incidents < 5 MB) -----------------------------------


def synthetic_incidents(n: int, *, seed: int = 0) -> gpd.GeoDataFrame:
    """SYNTHETIC events (random points in a western-Mali box), worst case for size:
    unique ids, notes and URLs, long notes."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "event_id": [f"SYN{i:06d}" for i in range(n)],
            "source": rng.choice(["acled", "ucdp", "news"], n),
            "event_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
            "category": rng.choice(CATEGORIES, n),
            "event_type": rng.choice(["Battles", "Violence against civilians"], n),
            "actor1": rng.choice([f"Group {i}" for i in range(60)], n),
            "actor2": rng.choice([f"Civilians {i}" for i in range(40)], n),
            "fatalities": rng.integers(0, 30, n),
            "location": [f"Place {i}" for i in rng.integers(0, 3000, n)],
            "geo_precision": rng.choice([1, 2, 3], n, p=[0.8, 0.15, 0.05]),
            "notes": [f"Synthetic note {i} " + "x" * 500 for i in range(n)],
            "source_url": [f"https://example.org/news/article-{i:06d}.html" for i in range(n)],
        }
    )
    frame["precise"] = frame["geo_precision"] == 1
    xy = points(rng.uniform(-12, -4, n), rng.uniform(10.2, 15.6, n))
    return gpd.GeoDataFrame(frame, geometry=xy, crs=4326)


def bundled_basemap() -> dict:
    keys = ["countries", "adm0", "adm1", "adm2", "roads", "rivers", "lakes", "towns"]
    if not all(getattr(BUNDLED, k).exists() for k in keys):
        pytest.skip("bundled basemap shapefiles are not in data/")
    return {k: gpd.read_file(getattr(BUNDLED, k)) for k in keys}


def test_20k_incidents_with_basemap_under_5_mb():
    m = new_map()
    layers.build_basemap(bundled_basemap()).add_to(m)
    layers.build_incidents(synthetic_incidents(20_000), name="Incidents").add_to(m)
    layers.add_layer_control(m)
    size = len(m.get_root().render().encode("utf-8"))
    assert size < 5_000_000, f"{size / 1e6:.2f} MB"


def test_note_budget_cuts_long_notes():
    group = layers.build_incidents(synthetic_incidents(5_000), name="Incidents")
    element = next(c for c in group._children.values() if isinstance(c, IncidentLayer))
    notes = element.tables[-1]
    assert max(len(html.unescape(n)) for n in notes) <= 600_000 // 5_000 + 1


# --- empty inputs and view bounds ------------------------------------------------------


def test_empty_inputs_render_without_nan():
    empty = {
        "admin": admin_table().iloc[:0],
        "hexes": hex_table().iloc[:0],
        "gistar": gistar_table().iloc[:0],
        "incidents": incident_table().iloc[:0],
        "routes": segment_table().iloc[:0],
        "sites": site_table().iloc[:0],
    }
    m = new_map(bounds=empty["incidents"].total_bounds)
    layers.build_admin(empty["admin"], name="a").add_to(m)
    layers.build_hexes(empty["hexes"], name="h").add_to(m)
    layers.build_gistar(empty["gistar"], name="g").add_to(m)
    layers.build_incidents(empty["incidents"], name="i").add_to(m)
    layers.build_routes(empty["routes"], name="r").add_to(m)
    layers.build_sites(empty["sites"], name="s").add_to(m)
    layers.build_kde(np.zeros((0, 0)), bounds=(-9, 12, -7, 13), name="k").add_to(m)
    layers.build_basemap({}).add_to(m)
    layers.add_layer_control(m)
    page = m.get_root().render()
    assert "NaN" not in page and "Infinity" not in page
    minx, miny, maxx, maxy = WESTERN_MALI_BOUNDS
    assert f"[[{miny}, {minx}], [{maxy}, {maxx}]]" in page


@pytest.mark.parametrize(
    "bounds, expected",
    [
        pytest.param(None, WESTERN_MALI_BOUNDS, id="none -> western Mali"),
        pytest.param([np.nan] * 4, WESTERN_MALI_BOUNDS, id="empty layer -> western Mali"),
        pytest.param([0, 0, np.inf, 1], WESTERN_MALI_BOUNDS, id="infinite -> western Mali"),
        pytest.param([-7, 12, -9, 13], WESTERN_MALI_BOUNDS, id="inverted -> western Mali"),
        pytest.param([-8, 95, -7, 96], WESTERN_MALI_BOUNDS, id="out of range -> western Mali"),
        pytest.param([-8, 12.6, -8, 12.6], (-8.25, 12.35, -7.75, 12.85), id="point is padded"),
        pytest.param([-9, 12, -7, 13], (-9.0, 12.0, -7.0, 13.0), id="valid kept"),
    ],
)
def test_view_bounds(bounds, expected):
    assert view_bounds(bounds) == expected


# --- builders: contracts and details ---------------------------------------------------


def test_incidents_precise_as_points_imprecise_as_circles():
    group = layers.build_incidents(incident_table(), name="Incidents")
    element = next(c for c in group._children.values() if isinstance(c, IncidentLayer))
    assert len(element.precise) == 1
    assert [row[-1] for row in element.approx] == [25.0, 50.0]  # precision 2 and 3
    page = new_map().add_child(group).get_root().render()
    assert "1 precise events as points; 2 imprecise as areas; 1 without coordinates" in page
    script = page.split("IncidentLayer", 1)[-1]
    # Issue 10 / DESIGN: an imprecise event is its area, never a pin; the dashed outline has
    # its popup and tooltip, the fill takes no click from the units under it.
    assert "hollow" not in script and script.count("L.marker(") == 1  # the precise ones only
    assert "fill: false" in script and "bindTooltip" in script
    assert "fillOpacity: 0.05, interactive: false" in script
    assert len(element.categories[0]) == 3  # label, colour, filled marker: no hollow one
    assert "Source address" in page  # URL shown as text: no anchor is built for it
    assert "<a href" not in page.split("IncidentLayer", 1)[-1]


def test_inputs_are_not_modified_and_metric_input_is_reprojected():
    metric = admin_table().to_crs(METRIC_CRS)
    before = metric.copy()
    m = new_map().add_child(layers.build_admin(metric, name="Cercles"))
    pd.testing.assert_frame_equal(metric, before)
    page = m.get_root().render()
    assert "[-9.0,12.0]" in page or "[-9,12]" in page  # coordinates back in degrees


def test_missing_crs_is_refused():
    no_crs = admin_table().set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="has no CRS"):
        layers.build_admin(no_crs, name="x")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: layers.build_admin(admin_table(), name="a", value_column="z"), "value_column"),
        (lambda: layers.build_hexes(hex_table(), name="h", value_column="z"), "value_column"),
        (
            lambda: layers.build_admin(admin_table().drop(columns="change"), name="a"),
            r"missing column\(s\) \['change'\]",
        ),
        (
            lambda: layers.build_gistar(gistar_table().assign(gistar_class="warm"), name="g"),
            r"values \['warm'\] are not in",
        ),
        (
            lambda: layers.build_gistar(gistar_table().drop(columns="hex"), name="g"),
            "no id column",
        ),
        (
            lambda: layers.build_routes(segment_table().assign(exposure_class="safe"), name="r"),
            r"exposure_class values \['safe'\]",
        ),
        (
            lambda: layers.build_sites(site_table().assign(exposure_class="x"), name="s"),
            r"exposure_class values \['x'\]",
        ),
        (lambda: layers.build_kde(density(), bounds=(0, 0, 0, 0), name="k"), "not finite, ordered"),
        (lambda: layers.build_kde(np.zeros((2, 2, 3)), bounds=(-9, 12, -7, 13), name="k"), "RGBA"),
        (lambda: layers.build_basemap({"tiles": admin_table()}), "unknown layer"),
        (lambda: layers.build_basemap({"roads": admin_table()}), "road_class"),
        (
            lambda: layers.build_incidents(incident_table(), name="i", note_chars=-1),
            "0 or more",
        ),
    ],
)
def test_builder_errors(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


def test_kde_rgba_passthrough_and_density_colouring():
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[1, 1] = [200, 0, 0, 255]
    page = new_map().add_child(layers.build_kde(rgba, bounds=(-9, 12, -7, 13), name="k"))
    assert "data:image/png;base64," in page.get_root().render()
    legend_page = (
        new_map()
        .add_child(layers.build_kde(density(), bounds=(-9, 12, -7, 13), name="k", units="ev/km²"))
        .get_root()
        .render()
    )
    assert "4 ev/km²" in decode_js(legend_page)


def test_key_sites_drawn_last_and_filter():
    group = layers.build_sites(site_table(), name="Sites", key_sites_only=True)
    page = new_map().add_child(group).get_root().render()
    assert "Plain site" not in page and '"k":"yes"' in page


def test_basemap_from_bundled_data_is_non_interactive_and_credited():
    page = new_map().add_child(layers.build_basemap(bundled_basemap())).get_root().render()
    assert '"interactive":false' in page and "srm-basemap" in page
    assert "geoBoundaries (CC BY 4.0)" in page and "OpenStreetMap contributors" in page
    assert "Bamako" in page


def test_incident_cells_hold_each_resolution_and_switch_them_on_zoom():
    from geo.hotspots import cell_pyramid
    from layers.incident_cells import build_incident_cells, zoom_starts

    # SYNTHETIC: 200 seeded points near Bamako.
    rng = np.random.default_rng(5)
    pts = points(rng.uniform(-8.3, -7.7, 200), rng.uniform(12.4, 12.9, 200))
    inc = gpd.GeoDataFrame({"fatalities": rng.integers(0, 3, 200)}, geometry=pts, crs=4326)
    cells = cell_pyramid(inc, resolutions=(4, 5, 6, 7))
    group = build_incident_cells(cells, n_incidents=200, name="Incidents")
    m = new_map()
    group.add_to(m)
    page = m.get_root().render()
    subs = [c for c in group._children.values() if isinstance(c, folium.FeatureGroup)]
    assert len(subs) == 4 and not any(sub.control for sub in subs)
    for res in (4, 5, 6, 7):
        assert f"200 incidents drawn as counts per H3 cell (resolution {res})" in page
        one = cells[cells["resolution"] == res]["hex"].iloc[0]
        assert f'"id":"{one}"' in page
    starts = zoom_starts((4, 5, 6, 7))
    assert list(starts.values()) == sorted(starts.values()) and starts[4] == 0
    # The switch follows the map's zoom and shows one sub-layer of the group.
    switch = re.search(r"var starts = (\[[^\]]*\]);", page)
    assert switch and json.loads(switch.group(1)) == list(starts.values())
    assert 'map.on("zoomend", pick)' in page
    assert all(f"{sub.get_name()}]" in page for sub in subs)
    assert "group.addLayer(level[1])" in page and "group.removeLayer(level[1])" in page


def test_incident_cells_split_as_the_map_zooms_in_a_browser(tmp_path):
    from branca.element import Element

    from geo.hotspots import cell_pyramid
    from layers.incident_cells import build_incident_cells
    from tests.browser_util import CHROMIUM, CHROMIUM_ARGS

    # SYNTHETIC: 2,000 seeded points near Bamako; the page is opened from a file, offline.
    rng = np.random.default_rng(5)
    pts = points(rng.uniform(-8.3, -7.7, 2000), rng.uniform(12.4, 12.9, 2000))
    inc = gpd.GeoDataFrame({"fatalities": rng.integers(0, 3, 2000)}, geometry=pts, crs=4326)
    cells = cell_pyramid(inc, resolutions=(4, 5, 6, 7))
    m = new_map()
    build_incident_cells(cells, n_incidents=2000, name="Incidents").add_to(m)
    probe = """
    setTimeout(function() {
        var seen = [5, 7, 9, 10].map(function(z) {
            MAP.setView([12.65, -8.0], z, {animate: false});
            var notes = document.querySelectorAll(".srm-legend .srm-note");
            return [z, document.querySelectorAll("path.leaflet-interactive").length,
                    notes.length, notes.length ? notes[0].textContent : ""];
        });
        document.title = JSON.stringify(seen);
    }, 300);
    """
    m.get_root().script.add_child(Element(probe.replace("MAP", m.get_name())))
    page = tmp_path / "cells.html"
    page.write_text(inline_assets(m.get_root().render()))
    out = subprocess.run(
        [CHROMIUM, "--headless", *CHROMIUM_ARGS, "--virtual-time-budget=5000", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    title = re.search(r"<title>(.*?)</title>", out.stdout, re.S)
    seen = json.loads(html.unescape(title.group(1)))
    per_level = cells.groupby("resolution").size()
    for (zoom, drawn, legends, note), res in zip(seen, (4, 5, 6, 7), strict=True):
        assert drawn == per_level[res], zoom  # only this resolution's cells are on the map
        assert legends == 1 and f"(resolution {res})" in note


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0


def test_layers_never_import_streamlit():
    code = "import geo, layers, sys; print('streamlit' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# --- the page in a real browser, offline (R11, R12) ------------------------------------

CHROMIUM = Path("/usr/bin/chromium")

_COLLECT_TEXT = """() => {
    const map = Object.keys(window).filter(k => k.startsWith('map_'))
        .map(k => window[k]).find(v => v instanceof L.Map);
    const texts = [];
    map.eachLayer(l => {
        if (l.getPopup && l.getPopup()) {
            l.openPopup();
            const c = document.querySelector('.leaflet-popup-content');
            if (c) texts.push(c.innerText);
            l.closePopup();
        }
        if (l.getTooltip && l.getTooltip()) {
            l.openTooltip();
            const t = l.getTooltip().getElement();
            if (t) texts.push(t.innerText);
        }
    });
    document.querySelectorAll('.srm-legend, .leaflet-control-layers, .leaflet-control-attribution')
        .forEach(e => texts.push(e.innerText));
    return texts.join('\\n');
}"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_payloads_inert_in_chromium_offline():
    from browser_util import offline_browser

    value = OPEN + " | ".join(PAYLOADS) + CLOSE
    page_html = inline_assets(full_map(value, minimal=True).get_root().render())
    with offline_browser() as (context, blocked):
        page = context.new_page()
        errors: list[str] = []
        dialogs: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.set_content(page_html, wait_until="load")
        page.evaluate("() => { document.title = 'untouched'; }")
        page.wait_for_selector("path.leaflet-interactive")
        shown = page.evaluate(_COLLECT_TEXT)
        title = page.title()
        n_paths = page.locator("path.leaflet-interactive").count()
    assert errors == [] and dialogs == [] and blocked.urls == []
    assert title == "untouched"
    assert n_paths >= 5
    # Tooltips, popups, legends, layer names and attribution show the text verbatim.
    assert shown.count(expected_display(value)) >= 10


def test_count_classes_never_repeat_a_label():
    from geo.palette import class_breaks, range_labels

    breaks = class_breaks([1, 1, 1, 2, 2, 3, 3, 3, 9, 27], n_classes=5)
    labels = range_labels(breaks, integer=True)
    assert labels == ["1–5", "6–27"]
    assert len(set(labels)) == len(labels)


def test_clicking_the_map_does_not_scroll_the_page():
    from layers.map import new_map

    html = new_map().get_root().render()
    assert "focus({preventScroll: true})" in html
    assert ".keyboard.enable()" in html
