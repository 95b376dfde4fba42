"""An already-rendered standalone HTML map, written only when it loads nothing from the network.

Rendering belongs to ``layers/`` (``geo`` never imports folium; its builders
take ``tr=`` for a French page); this module checks the page, states its
language on the ``<html>`` element, puts the provenance record in its head and
writes it atomically.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geo.errors import ExportError
from geo.export.atomic import write_bytes_atomic
from geo.i18n import DEFAULT_LANGUAGE, Translator, translator
from geo.provenance import provenance_lines

__all__ = ["export_html"]

# Attributes and CSS that make a browser fetch something when the page loads.
_ASSET_URL_RE = re.compile(
    r"""(?:\b(?:src|srcset|data|poster|background)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+["']?\s*(?:https?:)?//"""
    r"""|["'](?:https?:)?//[^"'\s]*\{[zxys]\}[^"'\s]*["']"""
    r"""|\.src\s*=\s*["'](?:https?:)?//"""
    r"""|\bimport\s*\(\s*["'](?:https?:)?//)""",
    re.IGNORECASE,
)


def _asset_urls(html_text: str) -> list[str]:
    found = []
    for m in _ASSET_URL_RE.finditer(html_text):
        found.append(html_text[m.start() : m.end() + 60].split()[0][:80])
    return found


_HTML_TAG_RE = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
_LANG_ATTR_RE = re.compile(r"""\slang\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def _with_lang(page: str, lang: str) -> str:
    """Set the ``lang`` attribute of the page's ``<html>`` element (replacing any)."""
    m = _HTML_TAG_RE.search(page)
    if m is None:
        return page
    tag = _LANG_ATTR_RE.sub("", m.group())
    tag = f'{tag[:5]} lang="{lang}"{tag[5:]}'
    return page[: m.start()] + tag + page[m.end() :]


def _provenance_head(prov: Mapping[str, Any], tr: Translator) -> str:
    text = json.dumps(prov, ensure_ascii=True, sort_keys=True)
    meta = f'<meta name="sahel-risk-map-provenance" content="{html.escape(text, quote=True)}">'
    comment_lines = [line.replace("--", "- -") for line in provenance_lines(prov, tr=tr)]
    comment = (
        "<!-- Sahel Risk Map provenance\n"
        + "\n".join(html.escape(line, quote=False) for line in comment_lines)
        + "\n-->"
    )
    return f"{comment}\n{meta}\n"


def export_html(
    html_text: str,
    path: str | os.PathLike[str],
    *,
    provenance: Mapping[str, Any] | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> Path:
    """Write an already-rendered standalone HTML map, refusing any online asset.

    Parameters
    ----------
    html_text : str
        The whole page, with Leaflet and every other asset inlined (rendered
        by ``layers/``; ``geo`` never imports folium).
    path : str or path-like
        Destination ``.html``.
    provenance : mapping, optional
        A record from :func:`build_provenance`; written into the page head as
        a ``<meta name="sahel-risk-map-provenance">`` tag and a comment.
    lang : str
        Language of the page (``en`` or ``fr``): written as the ``<html
        lang="…">`` attribute (screen readers, hyphenation, the browser's
        translation offer) and used for the provenance comment. Render the
        page's own text in that language with the builders' ``tr=``.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ParameterError
        If ``lang`` is not one of :data:`geo.i18n.LANGUAGES`.
    ExportError
        If the page loads anything over http(s) (scripts, stylesheets,
        images, CSS ``url()``, tile URL templates): offline, such a map is
        blank and online it tells a third party the area being viewed. Links
        a user must click (``<a href>``) are allowed.
    """
    if not isinstance(html_text, str) or "<html" not in html_text[:2000].lower():
        raise ExportError("HTML map: the text given is not an HTML page; nothing was written.")
    urls = _asset_urls(html_text)
    if urls:
        raise ExportError(
            f"HTML map: the page loads {len(urls)} asset(s) from the network (first: "
            f"{urls[0]!r}); inline them with layers.assets.inline_assets before exporting."
        )
    tr = translator(lang)
    page = _with_lang(html_text, tr.lang)
    if provenance is not None:
        head = _provenance_head(provenance, tr)
        m = re.search(r"<head[^>]*>", page, re.IGNORECASE)
        page = page[: m.end()] + "\n" + head + page[m.end() :] if m else head + page
    return write_bytes_atomic(
        page.encode("utf-8"), path, suffixes=(".html", ".htm"), what="HTML map"
    )
