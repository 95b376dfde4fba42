"""The offline HTML map and the PNG snapshot in French (issue 17): language, legend, numbers.

The analysis is the SYNTHETIC one of tests/test_export.py (made-up incidents,
units, segments and sites over the bundled basemap); the HTML page is built
with the layers/ builders as ``ui.maps.standalone_html`` does, with ``tr=``.
"""

from __future__ import annotations

import html
import re

import pytest
from french_text import english_left
from test_export import make_analysis

import layers
from geo.export import html as ex_html
from geo.export import png as ex_png
from geo.export.png.cartography import country_label
from geo.export.png.layout import rc
from geo.i18n import translator
from geo.provenance import build_provenance, format_period, provenance_lines
from layers.assets import inline_assets
from layers.map import add_page_info, new_map
from layers.safe import safe_text

FR = translator("fr")
PAYLOAD = "<b>Kéniéba</b> {{ 7*7 }}"


@pytest.fixture(scope="module")
def analysis():
    a = make_analysis()
    a.incidents = a.incidents.assign(location=[PAYLOAD, *a.incidents["location"].iloc[1:]])
    return a


@pytest.fixture(scope="module")
def basemap() -> ex_png.Basemap:
    return ex_png.load_basemap()


def french_page(analysis) -> str:
    """The standalone map of ``analysis`` in French, assets inlined."""
    f = analysis.filters
    m = new_map(minimal_assets=True, tr=FR)
    layers.build_admin(analysis.admin_stats, name="Incidents par unité", tr=FR).add_to(m)
    layers.build_routes(analysis.segments, name="Exposition des axes", tr=FR).add_to(m)
    layers.build_sites(analysis.sites, name="Mines, usines, centrales", tr=FR).add_to(m)
    layers.build_incidents(analysis.incidents, name="Incidents sur la période", tr=FR).add_to(m)
    layers.add_layer_control(m, collapsed=True)
    period = format_period(f.start, f.end, tr=FR)
    add_page_info(
        m,
        title=f"Sahel Risk Map : incidents {period}",
        heading=f"Sahel Risk Map, {period}",
        lines=provenance_lines(build_provenance(analysis), tr=FR),
        tr=FR,
    )
    return inline_assets(m.get_root().render())


@pytest.fixture(scope="module")
def written(analysis, tmp_path_factory) -> str:
    path = ex_html.export_html(
        french_page(analysis),
        tmp_path_factory.mktemp("html") / "carte.html",
        provenance=build_provenance(analysis),
        lang="fr",
    )
    return path.read_text(encoding="utf-8")


def test_french_html_export_says_it_is_french(written):
    assert re.search(r"<html\b[^>]*\blang=\"fr\"", written)
    assert written.count(" lang=") == written.count(' lang="fr"') == 1


def test_english_html_export_says_it_is_english(tmp_path):
    page = "<!DOCTYPE html>\n<html lang='xx'><head></head><body>m</body></html>"
    text = ex_html.export_html(page, tmp_path / "map.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "xx" not in text


def test_french_html_export_has_a_french_title_legend_and_provenance(written):
    text = html.unescape(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), written))
    assert "<title>Sahel Risk Map : incidents du 1 mai 2025 au 20 nov. 2025" in text
    for french in (
        "Exposition des axes : exposition aux incidents",  # legend title
        "Classe d'exposition",  # tooltip
        "Site clé (mine, usine, centrale)",  # legend entry
        "Masquer cette légende",  # the legend's own button
        "Enlèvement",  # category (glossary)
        "Incidents pour 1 000 km²",
    ):
        assert french in text, french
    # the provenance record's JSON (its credits as the sources word them) and the inlined
    # Leaflet library (its default hints, replaced when the page runs) aside
    shown = re.sub(r'<meta name="sahel-risk-map-provenance"[^>]*>', "", written)
    shown = re.sub(r"<script>(?:(?!</script>).)*leafletjs\.com.*?</script>", "", shown, flags=re.S)
    assert english_left(html.unescape(shown), ("layers",)) == []


def test_french_html_export_still_escapes_data(written):
    assert safe_text(PAYLOAD) in written.replace("\\u003c", "<").replace("\\u003e", ">")
    assert "<b>Kéniéba" not in written and "{{ 7*7 }}" not in written


def _png_texts(analysis, basemap, lang: str) -> str:
    with rc():
        fig, _, meta = ex_png._draw_map(analysis, basemap=basemap, width_px=1600, lang=lang)
        texts = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
    return " ".join(" ".join(texts).split()) + " " + meta["Title"]


def test_french_png_legend_scale_and_caption(analysis, basemap):
    texts = _png_texts(analysis, basemap, "fr")
    for french in (
        "Fond de carte",
        "Frontière nationale",
        "Exposition aux incidents des axes routiers (par km)",
        "Sites clés (",
        "Incidents sur la période (",
        "Localisation approximative : la zone où il se situe (1)",
        "Enlèvement (",
        "Incidents pour 1 000 km² (cercles)",
        "Période 1 mai 2025 – 20 nov. 2025",
        "Carte des risques au Sahel — exposition aux incidents",  # the PNG's title chunk
    ):
        assert french in texts, french
    assert re.search(r"\b\d+ km\b", texts)  # the scale bar's end label
    # the footer's credit line is the bundled sources' own wording (geo.io.bundled)
    assert english_left(texts.replace(basemap.attribution, ""), ("export", "layers")) == []


def test_english_png_legend_is_unchanged(analysis, basemap):
    texts = _png_texts(analysis, basemap, "en")
    assert "Route incident exposure (per km)" in texts and "Country border" in texts
    assert "Fond de carte" not in texts


@pytest.mark.parametrize(
    ("row", "lang", "expected"),
    [
        pytest.param({"iso3": "SEN", "name": "Senegal"}, "fr", "SÉNÉGAL", id="French name"),
        pytest.param({"iso3": "CIV", "name": "Côte d'Ivoire"}, "en", "CÔTE D'IVOIRE", id="en"),
        pytest.param({"iso3": "XXX", "name": "Atlantis"}, "fr", "ATLANTIS", id="unknown: data"),
    ],
)
def test_country_labels(row, lang, expected):
    assert country_label(row, translator(lang)) == expected


def test_french_png_title_and_legend_stay_inside_the_page(analysis, basemap):
    with rc():
        fig, _, _ = ex_png._draw_map(analysis, basemap=basemap, width_px=1600, lang="fr")
        renderer = fig.canvas.get_renderer()
        chrome = [*fig.texts, *(t for ax in fig.axes[1:] for t in ax.texts)]  # not the map
        over = [t.get_text() for t in chrome if t.get_window_extent(renderer).x1 > fig.bbox.x1]
    assert len(chrome) > 20 and over == []


def test_french_pdf_draws_its_maps_in_french(analysis, basemap, tmp_path, monkeypatch):
    from geo.export.pdf import document, export_pdf

    langs = []
    real = document.render_map_rgb

    def spy(a, **options):
        langs.append(options.get("lang"))
        return real(a, **{**options, "width_px": 1600, "dpi": 200})

    monkeypatch.setattr(document, "render_map_rgb", spy)
    export_pdf(analysis, tmp_path / "fr.pdf", basemap=basemap, lang="fr")
    assert langs and set(langs) == {"fr"}
