"""Point every folium asset link at the vendored copies in static/, or inline them into one file.

folium 0.20 and its plugins load Leaflet, jQuery, Bootstrap, Font Awesome,
Leaflet.awesome-markers and Leaflet.markercluster from CDNs; offline the map is
blank and online the CDN learns who looks at which map. ``scripts/vendor_assets.py``
copies those files from the npm registry into ``static/`` (``static/MANIFEST.json``
lists versions, licences and sha256). This module:

- :func:`use_local_assets` rewrites the ``default_js``/``default_css`` of the map
  and of every plugin in its tree to ``<base_url>/<package>/<version>/...``.
  In the Streamlit app ``base_url`` is the absolute ``/app/static`` (Streamlit
  serves ./static there when ``[server] enableStaticServing = true``); relative
  paths fail inside streamlit-folium's component frame.
- :func:`inline_assets` turns those links into inline ``<script>``/``<style>``
  (CSS images and fonts as ``data:`` URIs) so one HTML file opens with no network.
- :func:`find_remote_references` lists every place where a page would fetch
  something from another host (``src``/``href`` attributes, CSS ``url()`` and
  ``@import``).

Two folium defaults are dropped rather than vendored: the Bootstrap 3
glyphicons stylesheet (only used by ``folium.Icon(prefix="glyphicon")``; use
``prefix="fa"``) and folium's ``leaflet.awesome.rotate`` stylesheet (only used by
``folium.Icon(angle=...)``). No layer of this project uses either.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import folium
from branca.colormap import ColorMap
from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin

from geo.errors import ExportError, ParameterError

__all__ = [
    "STATIC_DIR",
    "DEFAULT_BASE_URL",
    "LOCAL_JS",
    "LOCAL_CSS",
    "DROPPED",
    "NOT_LEAFLET",
    "ATTRIBUTION_LINKS",
    "UnvendoredAssetError",
    "use_local_assets",
    "inline_assets",
    "find_remote_references",
]

#: The vendored assets (written by scripts/vendor_assets.py).
STATIC_DIR: Path = Path(__file__).resolve().parent.parent / "static"
#: Where Streamlit serves STATIC_DIR (``[server] enableStaticServing = true``).
DEFAULT_BASE_URL = "/app/static"

#: folium link name -> file under STATIC_DIR.
LOCAL_JS: dict[str, str] = {
    "leaflet": "leaflet/1.9.4/leaflet.js",
    "jquery": "jquery/3.7.1/jquery.min.js",
    "bootstrap": "bootstrap/5.2.2/js/bootstrap.bundle.min.js",
    "awesome_markers": "leaflet.awesome-markers/2.0.5/leaflet.awesome-markers.js",
    "markerclusterjs": "leaflet.markercluster/1.5.3/leaflet.markercluster.js",
}
LOCAL_CSS: dict[str, str] = {
    "leaflet_css": "leaflet/1.9.4/leaflet.css",
    "bootstrap_css": "bootstrap/5.2.2/css/bootstrap.min.css",
    "awesome_markers_font_css": "fontawesome-free/6.2.0/css/all.min.css",
    "awesome_markers_css": "leaflet.awesome-markers/2.0.5/leaflet.awesome-markers.css",
    "markerclustercss": "leaflet.markercluster/1.5.3/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/1.5.3/MarkerCluster.Default.css",
}
#: folium link names deliberately not loaded (see the module docstring).
DROPPED: frozenset[str] = frozenset({"glyphicons_css", "awesome_rotate_css"})
#: Map defaults that only folium.Icon markers, plugins or jQuery-based code need; left out
#: with ``minimal=True`` (a smaller exported page) unless the tree holds such an element.
NOT_LEAFLET: frozenset[str] = frozenset(
    {
        "jquery",
        "bootstrap",
        "bootstrap_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
    }
)

#: Links the page shows but never fetches by itself: Leaflet's own attribution prefix.
ATTRIBUTION_LINKS: frozenset[str] = frozenset({"https://leafletjs.com"})

_REMOTE = re.compile(r"^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//")


class UnvendoredAssetError(RuntimeError):
    """A map element links a remote asset that static/ does not provide (a programming error)."""


def _is_remote(url: str) -> bool:
    return bool(_REMOTE.match(url)) and not url.strip().lower().startswith("file:")


def _check_base_url(base_url: str) -> str:
    if not isinstance(base_url, str) or not base_url.startswith("/") or base_url.startswith("//"):
        raise ParameterError(
            f"asset base_url {base_url!r} must be an absolute path on this server such as "
            f"{DEFAULT_BASE_URL!r}; relative paths fail inside streamlit-folium's frame and "
            "'//host' or 'http(s)://' would leave the machine."
        )
    return base_url.rstrip("/")


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _localise(
    links: list[tuple[str, str]], table: dict[str, str], base: str, owner: Element
) -> list[tuple[str, str]]:
    out = []
    for name, url in links:
        if not _is_remote(url):
            out.append((name, url))
        elif name in DROPPED:
            continue
        elif name in table:
            local = STATIC_DIR / table[name]
            if not local.is_file():
                raise UnvendoredAssetError(
                    f"{local} is missing; run `python scripts/vendor_assets.py` to vendor it."
                )
            out.append((name, f"{base}/{table[name]}"))
        else:
            raise UnvendoredAssetError(
                f"{type(owner).__name__} links {name!r} from {url}, which is not vendored in "
                "static/; add the package to scripts/vendor_assets.py and its file to "
                "layers/assets.py (LOCAL_JS/LOCAL_CSS), or do not use this element."
            )
    return out


def use_local_assets(
    m: folium.Map, *, base_url: str = DEFAULT_BASE_URL, minimal: bool = False
) -> folium.Map:
    """Rewrite the asset links of ``m`` and of every element in its tree to vendored copies.

    Parameters
    ----------
    m : folium.Map
        The map, with its layers already added (elements added later keep their
        CDN links unless the map comes from :func:`layers.map.new_map`, which
        calls this again when it renders).
    base_url : str
        Absolute URL path where ``static/`` is served, ``/app/static`` in Streamlit.
    minimal : bool
        Leave out the map defaults of :data:`NOT_LEAFLET` (jQuery, Bootstrap,
        Font Awesome, awesome-markers) when nothing in the tree needs them
        (no ``folium.Icon``, no plugin listing them itself, no
        ``objects_to_stay_in_front``). Saves about 1.5 MB in an inlined page.

    Returns
    -------
    folium.Map
        ``m`` itself (modified in place: per-instance ``default_js``/``default_css``
        lists; folium's class-level defaults are left untouched).

    Raises
    ------
    ParameterError
        If ``base_url`` is not an absolute path.
    UnvendoredAssetError
        If an element links a remote asset that is not vendored, or the tree holds
        a branca colormap (streamlit-folium loads d3 from a CDN for those; use
        :mod:`layers.legend`).
    """
    base = _check_base_url(base_url)
    elements = list(_walk(m))
    minimal = (
        minimal
        and not m.objects_to_stay_in_front
        and not any(isinstance(e, folium.Icon) for e in elements)
    )
    for element in elements:
        if isinstance(element, ColorMap):
            raise UnvendoredAssetError(
                "a branca ColorMap is on the map; streamlit-folium then loads d3 from a CDN. "
                "Use layers.legend.ramp_legend instead."
            )
        if isinstance(element, JSCSSMixin):
            js, css = list(element.default_js), list(element.default_css)
            if minimal and element is m:
                js = [(n, u) for n, u in js if n not in NOT_LEAFLET]
                css = [(n, u) for n, u in css if n not in NOT_LEAFLET]
            element.default_js = _localise(js, LOCAL_JS, base, element)
            element.default_css = _localise(css, LOCAL_CSS, base, element)
    figure = m.get_root()
    if isinstance(figure, Figure):
        needed = {n for e in elements if isinstance(e, JSCSSMixin) for n, _ in e.default_js}
        needed |= {n for e in elements if isinstance(e, JSCSSMixin) for n, _ in e.default_css}
        _scrub_header(figure, base, keep=needed)
    return m


def _scrub_header(figure: Figure, base: str, *, keep: set[str]) -> None:
    """Fix or drop links that an earlier render left in the page header."""
    for name, child in list(figure.header._children.items()):
        if not isinstance(child, JavascriptLink | CssLink):
            continue
        if name not in keep and (name in LOCAL_JS or name in LOCAL_CSS or name in DROPPED):
            del figure.header._children[name]
            continue
        if not _is_remote(child.url):
            continue
        table = LOCAL_JS if isinstance(child, JavascriptLink) else LOCAL_CSS
        if name in DROPPED:
            del figure.header._children[name]
        elif name in table:
            child.url = f"{base}/{table[name]}"
        else:
            raise UnvendoredAssetError(
                f"the page header links {name!r} from {child.url}, which is not vendored."
            )


_SCRIPT_TAG = re.compile(r'<script src="(?P<url>[^"]+)"></script>')
_CSS_TAG = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\(\s*(?P<q>['\"]?)(?P<ref>[^'\")]+)(?P=q)\s*\)")
_SOURCE_MAP = re.compile(r"\n?/[/*][#@] sourceMappingURL=[^\n]*")
_TTF_FALLBACK = re.compile(r",\s*url\([^)]*\.ttf\)\s*format\([\"']truetype[\"']\)")


def _static_file(rel: str, static_dir: Path) -> Path:
    root = static_dir.resolve()
    path = (root / rel).resolve()
    if root not in path.parents or not path.is_file():
        raise ExportError(f"asset {rel!r} is not a file inside {root}; cannot inline it.")
    return path


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0]
    if mime is None:
        mime = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf"}.get(
            path.suffix, "application/octet-stream"
        )
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(path: Path, static_dir: Path) -> str:
    css = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
    if ".woff2" in css:
        css = _TTF_FALLBACK.sub("", css)  # every browser that runs Leaflet 1.9 reads woff2

    def repl(match: re.Match[str]) -> str:
        ref = match.group("ref").strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        if _is_remote(ref):
            raise ExportError(f"{path.name} references the remote {ref}; cannot inline it.")
        folder = PurePosixPath(path.relative_to(static_dir.resolve()).as_posix()).parent
        rel = (folder / ref).as_posix()
        return f'url("{_data_uri(_static_file(_normalise(rel), static_dir))}")'

    return _CSS_URL.sub(repl, css).replace("</style", "<\\/style")


def _normalise(rel: str) -> str:
    parts: list[str] = []
    for part in PurePosixPath(rel).parts:
        if part == "..":
            if not parts:
                raise ExportError(f"asset path {rel!r} leaves static/.")
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def inline_assets(
    html: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    static_dir: Path = STATIC_DIR,
) -> str:
    """Replace every ``<base_url>/...`` script and stylesheet link in ``html`` by its content.

    Parameters
    ----------
    html : str
        A rendered page (``m.get_root().render()``) whose assets point at
        ``base_url`` (see :func:`use_local_assets`).
    base_url : str
        The prefix the links use.
    static_dir : Path
        Folder holding the vendored files.

    Returns
    -------
    str
        One self-contained page: scripts and styles inline, CSS images and fonts
        as ``data:`` URIs (woff2 only, no TrueType duplicates), source-map comments
        removed, ``</script``/``</style`` inside the assets escaped.

    Raises
    ------
    ExportError
        If a linked file is missing or outside ``static_dir``, or the page still
        links a remote asset afterwards (:func:`find_remote_references` is not
        empty, attribution links of :data:`ATTRIBUTION_LINKS` aside).
    """
    base = _check_base_url(base_url) + "/"
    root = static_dir.resolve()

    def script(match: re.Match[str]) -> str:
        url = match.group("url")
        if not url.startswith(base):
            return match.group(0)
        js = _SOURCE_MAP.sub("", _static_file(url[len(base) :], root).read_text(encoding="utf-8"))
        js = js.replace("</script", "<\\/script").replace("<!--", "<\\!--")
        return f"<script>{js}</script>"

    def style(match: re.Match[str]) -> str:
        url = match.group("url")
        if not url.startswith(base):
            return match.group(0)
        return f"<style>{_inline_css(_static_file(url[len(base) :], root), root)}</style>"

    # A function replacement keeps backslashes in the assets literal.
    out = _CSS_TAG.sub(style, _SCRIPT_TAG.sub(script, html))
    remote = [u for u in find_remote_references(out) if u not in ATTRIBUTION_LINKS]
    if remote:
        raise ExportError(f"the page still loads remote resources after inlining: {remote[:5]}")
    return out


_FETCHING = (
    re.compile(
        r"""\b(?:src|href|srcset|poster|data)\s*=\s*\\?["']?\s*((?:[a-zA-Z][\w+.-]*:)?//[^\s"'\\<>)]+)"""
    ),
    re.compile(r"""url\(\s*\\?["']?\s*((?:[a-zA-Z][\w+.-]*:)?//[^\s"'\\)]+)"""),
    re.compile(r"""@import\s+(?:url\()?\s*\\?["']?\s*((?:[a-zA-Z][\w+.-]*:)?//[^\s"'\\;)]+)"""),
)


def find_remote_references(html: str) -> list[str]:
    """URLs on other hosts that ``html`` would load: src/href attributes, CSS url() and @import.

    Parameters
    ----------
    html : str
        A page, possibly with inline scripts and styles.

    Returns
    -------
    list of str
        Each distinct remote URL in order of appearance (``http://``, ``https://``
        or protocol-relative ``//host``); ``data:`` URIs and local paths are not listed.

    Examples
    --------
    >>> find_remote_references('<script src="https://remote.example/x.js"></script>'
    ...                        '<link rel="stylesheet" href="/app/static/a.css"/>')
    ['https://remote.example/x.js']
    >>> find_remote_references('<style>a{background:url(data:image/png;base64,AA)}</style>')
    []
    """
    found: dict[str, None] = {}
    for pattern in _FETCHING:
        for match in pattern.finditer(html):
            url = match.group(1)
            if not url.lower().startswith("file:"):
                found.setdefault(url, None)
    return list(found)
