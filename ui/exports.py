"""The Export tab: download buttons for every briefing format, made only when clicked.

Each button holds a callable (Streamlit's deferred download): the file is
written by :mod:`geo.export` into a private temporary folder, read back and
deleted, so nothing is left on disk and nothing is computed for exports nobody
asked for. File names come from :func:`geo.export.atomic.safe_export_name` (random
suffix per export), never from user text: Streamlit keys large downloads
partly by name, and two sessions must never share a download (SECURITY.md 1.11).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from geo.errors import ParameterError, RiskMapError
from geo.export.atomic import safe_export_name
from geo.export.html import export_html
from geo.export.pdf import export_pdf
from geo.export.png import export_png
from geo.export.raster import export_kde_geotiff
from geo.export.share import SHARE_NOTE, share_safe_analysis
from geo.export.tabular import export_csv_tables
from geo.export.vector import export_gpkg
from geo.i18n import DEFAULT_LANGUAGE, gettext_noop, translator
from geo.pipeline import Analysis
from geo.provenance import build_provenance
from ui import about, chrome, maps
from ui.lang import tr

__all__ = ["AUDIENCES", "FORMATS", "MAX_BANNER_CHARS", "view", "export_bytes", "html_export_text"]

log = logging.getLogger(__name__)

#: Longest handling banner the PDF and PNG accept.
MAX_BANNER_CHARS = 60

#: Who the files are for: value -> (choice label, what the files keep and remove).
AUDIENCES: dict[str, tuple[str, str]] = {
    "team": (
        gettext_noop("For the team"),
        gettext_noop(
            "Keeps exact incident locations, actors, notes, place names, event ids and source "
            "addresses, and the KDE surface. Only for people cleared to see them."
        ),
    ),
    "outside": (gettext_noop("For sharing outside"), SHARE_NOTE),
}

#: Export formats: key -> (button label, kind for the file name, suffix, MIME type).
FORMATS: dict[str, tuple[str, str, str, str]] = {
    "pdf": (gettext_noop("PDF briefing"), "brief", ".pdf", "application/pdf"),
    "png": (gettext_noop("PNG map"), "map", ".png", "image/png"),
    "html": (gettext_noop("Offline HTML map"), "html", ".html", "text/html"),
    "gpkg": (
        gettext_noop("GeoPackage layers (QGIS)"),
        "layers",
        ".gpkg",
        "application/geopackage+sqlite3",
    ),
    "tif": (gettext_noop("KDE GeoTIFF"), "kde", ".tif", "image/tiff"),
    "csv": (gettext_noop("CSV tables (zip)"), "tables", ".zip", "application/zip"),
}


def view(analysis: Analysis, choices: Any, dataset: Any) -> None:
    """Draw the Export tab.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run to export (exactly what the other tabs show).
    choices : ui.controls.Choices
        Sidebar choices (the hotspot method and layers of the HTML map).
    dataset : ui.data.Dataset
        The data on screen.
    """
    t = tr()
    st.subheader(t.gettext("Export this analysis"))
    analysis = about.with_backtest(analysis, dataset)
    chrome.provenance(analysis)
    banner = st.text_input(
        t.gettext("Handling banner (printed at the top and bottom of the PDF and PNG)"),
        key="export.banner",
        max_chars=MAX_BANNER_CHARS,
        placeholder=t.gettext("e.g. RESTRICTED - internal use"),
    )
    audience = st.radio(
        t.gettext("Who are these files for?"),
        options=list(AUDIENCES),
        format_func=lambda a: t.gettext(AUDIENCES[a][0]),
        captions=[t.gettext(text) for _, text in AUDIENCES.values()],
        key="export.audience",
        index=None,
    )
    share_safe = audience == "outside"
    handling = banner.strip() or None
    f = analysis.filters
    cols = st.columns(3)
    for i, (fmt, (label, kind, suffix, mime)) in enumerate(FORMATS.items()):
        reason = _unavailable(fmt, analysis, audience)
        with cols[i % 3]:
            st.download_button(
                t.gettext(label),
                data=_deferred(
                    fmt, analysis, choices, handling=handling, share_safe=share_safe, lang=t.lang
                ),
                file_name=safe_export_name(kind, suffix, when=(f.start, f.end)),
                mime=mime,
                key=f"export.button.{fmt}",
                disabled=reason is not None,
                width="stretch",
                icon=":material/download:",
            )
            if reason is not None and audience is not None:
                st.caption(reason)
    if audience is None:
        st.info(t.gettext("Choose who the files are for above; the buttons wait for that choice."))
    st.caption(
        t.gettext(
            "Each file is made when you click (PDF and PNG take a few seconds) and carries the "
            "window, filters, parameters, sources and licences, rows kept and rejected, and "
            "the events left out. GeoPackage, GeoTIFF and CSV open in QGIS."
        )
    )


def _unavailable(fmt: str, analysis: Analysis, audience: str | None) -> str | None:
    t = tr()
    if audience is None:
        return t.gettext("Choose who the files are for first.")
    if fmt == "tif" and analysis.kde is None:
        return t.gettext(
            "KDE GeoTIFF: there is no density surface, because no incident with a precise "
            "location is in this window and these filters."
        )
    if fmt == "tif" and audience == "outside":
        return t.gettext(
            "KDE GeoTIFF: not made for sharing outside, because the density surface's peaks "
            "locate single events. Choose For the team to get it."
        )
    return None


def _deferred(
    fmt: str,
    analysis: Analysis,
    choices: Any,
    *,
    handling: str | None,
    share_safe: bool,
    lang: str,
) -> Callable[[], bytes]:
    def make() -> bytes:
        return export_bytes(
            fmt,
            analysis,
            method=choices.method,
            measure=choices.measure,
            handling=handling,
            share_safe=share_safe,
            lang=lang,
        )

    return make


def export_bytes(
    fmt: str,
    analysis: Analysis,
    *,
    method: str,
    measure: str,
    handling: str | None,
    share_safe: bool,
    lang: str = DEFAULT_LANGUAGE,
) -> bytes:
    """Write one export into a private temporary folder and return its bytes.

    Parameters
    ----------
    fmt : str
        A key of :data:`FORMATS`.
    analysis : geo.pipeline.Analysis
        The run to export.
    method : str
        Hotspot method drawn on the HTML map.
    measure : str
        What the HTML map colours the units by (the sidebar's "Colour units by").
    handling : str or None
        Handling banner for the PDF and PNG.
    share_safe : bool
        Apply the sharing preset (:func:`geo.export.share.share_safe_analysis`).
    lang : str
        Language of the PDF, the PNG and the HTML map (``en`` or ``fr``), the page's.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    ParameterError
        For an unknown format.
    RiskMapError
        From the exporter (its message is for the user).
    RuntimeError
        For anything else (logged with its traceback).
    """
    if fmt not in FORMATS:
        raise ParameterError(f"export format was {fmt!r} but is expected to be in {list(FORMATS)}")
    _, kind, suffix, _ = FORMATS[fmt]
    f = analysis.filters
    try:
        with tempfile.TemporaryDirectory(prefix="srm-export-") as folder:
            path = Path(folder) / safe_export_name(kind, suffix, when=(f.start, f.end))
            if fmt == "pdf":
                export_pdf(analysis, path, handling=handling, share_safe=share_safe, lang=lang)
            elif fmt == "png":
                export_png(analysis, path, handling=handling, share_safe=share_safe, lang=lang)
            elif fmt == "html":
                shown = share_safe_analysis(analysis) if share_safe else analysis
                page = html_export_text(
                    shown, method=method, measure=measure, share_safe=share_safe, lang=lang
                )
                export_html(page, path, provenance=build_provenance(shown), lang=lang)
            elif fmt == "gpkg":
                export_gpkg(analysis, path, share_safe=share_safe)
            elif fmt == "tif":
                export_kde_geotiff(analysis, path, share_safe=share_safe)
            else:
                export_csv_tables(analysis, path, share_safe=share_safe)
            return path.read_bytes()
    except RiskMapError:
        raise
    except Exception as exc:
        log.exception("unexpected error while exporting %s", fmt)
        raise RuntimeError(
            translator(lang).gettext(
                "The export failed because of an internal error; it was logged for the operator."
            )
        ) from exc


def html_export_text(
    analysis: Analysis,
    *,
    method: str,
    measure: str,
    share_safe: bool,
    lang: str = DEFAULT_LANGUAGE,
) -> str:
    """Render the standalone offline HTML map of an analysis (assets inlined).

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The run (already prepared for sharing when ``share_safe``).
    method : str
        Hotspot method to draw.
    measure : str
        What the units are coloured by, as on the app's map (count, rate or change).
    share_safe : bool
        Leave out the incident layer (shared incidents are coarse cells, not events).
    lang : str
        Language of the page's title, legends and notes (``en`` or ``fr``).

    Returns
    -------
    str
        One self-contained HTML page.
    """
    return maps.standalone_html(
        analysis,
        method=method,
        measure=measure,
        with_incidents=not share_safe,
        tr=translator(lang),
    )
