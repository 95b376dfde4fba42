"""KDE hotspot raster as a semi-transparent image overlay with a density legend."""

from __future__ import annotations

import math
from collections.abc import Sequence

import folium
import numpy as np

from geo.errors import ParameterError
from geo.i18n import Translator
from geo.palette import DENSITY_RAMP, colorize_density
from layers.legend import ramp_legend
from layers.safe import safe_text
from layers.wording import ENGLISH, number

__all__ = ["build_kde", "to_web_mercator_rows"]

_MAX_LAT = 85.0511287798066


def _merc_y(lat_deg: np.ndarray | float) -> np.ndarray:
    return np.arcsinh(np.tan(np.radians(lat_deg)))


def to_web_mercator_rows(rgba: np.ndarray, *, south: float, north: float) -> np.ndarray:
    """Resample the rows of a north-up lon/lat image so that Leaflet can stretch it linearly.

    Leaflet places an image overlay linearly in Web Mercator; an EPSG:4326 grid
    has rows equally spaced in latitude, so each output row takes the input row
    whose latitude band holds the output row's centre (nearest neighbour, no
    colour blending).

    Parameters
    ----------
    rgba : ndarray, shape (rows, cols, 4), uint8
        Row 0 is the northern edge.
    south, north : float
        Latitudes of the image's southern and northern edges (degrees).

    Returns
    -------
    ndarray
        Same shape and dtype.

    Examples
    --------
    >>> img = np.arange(4, dtype=np.uint8).reshape(4, 1, 1).repeat(4, axis=2)
    >>> to_web_mercator_rows(img, south=0.0, north=80.0)[:, 0, 0].tolist()
    [0, 0, 1, 3]
    """
    rows = rgba.shape[0]
    if rows == 0:
        return rgba
    y_s, y_n = _merc_y(south), _merc_y(north)
    centres = y_n - (np.arange(rows) + 0.5) * (y_n - y_s) / rows
    lat = np.degrees(np.arctan(np.sinh(centres)))
    src = np.floor((north - lat) / (north - south) * rows).astype(int)
    return rgba[np.clip(src, 0, rows - 1)]


def _check_bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        minx, miny, maxx, maxy = (float(b) for b in bounds)
    except (TypeError, ValueError) as err:
        raise ParameterError(
            f"build_kde: bounds {bounds!r} must be (min lon, min lat, max lon, max lat)."
        ) from err
    ok = (
        all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
        and -180 <= minx < maxx <= 180
        and -_MAX_LAT <= miny < maxy <= _MAX_LAT
    )
    if not ok:
        raise ParameterError(
            f"build_kde: bounds {bounds!r} are not finite, ordered lon/lat degrees "
            "(min lon, min lat, max lon, max lat) in EPSG:4326; reproject the raster's bounds."
        )
    return minx, miny, maxx, maxy


def build_kde(
    image: np.ndarray,
    *,
    bounds: Sequence[float],
    name: str,
    show: bool = True,
    opacity: float = 0.8,
    vmax: float | None = None,
    units: str | None = None,
    note: str = "",
    legend: bool = True,
    tr: Translator = ENGLISH,
) -> folium.FeatureGroup:
    """Draw a KDE surface (already computed) over its EPSG:4326 bounds.

    Parameters
    ----------
    image : ndarray
        Either a 2-D density grid (north-up; coloured here with
        :data:`geo.palette.DENSITY_RAMP`, zero transparent) or an RGBA image,
        shape (rows, cols, 4), uint8, already coloured with that ramp.
    bounds : sequence of 4 float
        (min lon, min lat, max lon, max lat) of the grid's outer edges, EPSG:4326.
    name : str
        Layer name and legend title.
    show : bool
        Shown when the map opens.
    opacity : float
        Overlay opacity, 0..1.
    vmax : float, optional
        Density drawn darkest; for a 2-D grid the default is its maximum. Shown
        in the legend with ``units``.
    units : str, optional
        Density units for the legend (already translated); default
        "incidents per km²" in ``tr``'s language.
    note : str
        Small print: bandwidth, cell, window, events left out.
    legend : bool
        Add the legend control.
    tr : Translator
        Language of the legend's words and numbers.

    Returns
    -------
    folium.FeatureGroup

    Raises
    ------
    ParameterError
        If the image is neither 2-D nor RGBA uint8, the bounds are not ordered
        finite degrees, or ``opacity`` is outside 0..1.
    """
    minx, miny, maxx, maxy = _check_bounds(bounds)
    if not 0.0 <= float(opacity) <= 1.0:
        raise ParameterError(f"build_kde: opacity {opacity!r} must be within 0..1.")
    arr = np.asarray(image)
    if arr.ndim == 2:
        finite = arr[np.isfinite(arr)]
        top = vmax if vmax is not None else (float(finite.max()) if finite.size else None)
        rgba = colorize_density(arr, vmax=vmax)
    elif arr.ndim == 3 and arr.shape[2] == 4 and arr.dtype == np.uint8:
        top, rgba = vmax, arr
    else:
        raise ParameterError(
            f"build_kde: image has shape {arr.shape} and dtype {arr.dtype}; pass a 2-D density "
            "grid or an RGBA (rows, cols, 4) uint8 image."
        )
    group = folium.FeatureGroup(name=safe_text(name), show=show)
    if rgba.size and rgba[..., 3].any():
        folium.raster_layers.ImageOverlay(
            image=to_web_mercator_rows(rgba, south=miny, north=maxy),
            bounds=[[miny, minx], [maxy, maxx]],
            opacity=float(opacity),
            pixelated=False,
            interactive=False,
            control=False,
        ).add_to(group)
    if legend:
        units = units if units is not None else tr.gettext("incidents per km²")
        high = (
            f"{number(top, tr, digits=2)} {units}"
            if top is not None and math.isfinite(top) and top > 0
            else tr.gettext("highest density")
        )
        colors = ["#{:02x}{:02x}{:02x}".format(*c[:3]) for _, c in DENSITY_RAMP]
        ramp_legend(colors, title=name, low_label="0", high_label=high, note=note, tr=tr).add_to(
            group
        )
    return group
