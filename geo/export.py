"""Exports of one analysis for briefings, written atomically with their provenance.

Every export goes through :func:`write_atomic`: the file is written under a
temporary name in the destination folder, re-opened and checked, flushed to
disk, and only then renamed over the destination, so a reader never sees a
half-written file and a failure leaves the previous file untouched and no
temporary file behind (SECURITY.md, X02; a killed GPKG writer otherwise leaves
a file that does not open). Every export carries the provenance of
:func:`build_provenance` (filters, parameters, analysis date, data sources and
licences, rows kept / repaired / rejected, events left out and why), and every
export accepts the sharing preset of :func:`share_safe_analysis`.

Formats: PNG map (:func:`export_png`, in :mod:`geo.export_png`), PDF briefing
(:func:`export_pdf`, in :mod:`geo.export_pdf`), GeoPackage
(:func:`export_gpkg`), CSV tables (:func:`export_csv_tables`), the KDE GeoTIFF
(:func:`export_kde_geotiff`) and an already-rendered standalone HTML map
(:func:`export_html`; rendering belongs to ``layers/``, so ``geo`` never imports
folium).
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import io
import json
import math
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import METRIC_CRS, WGS84
from geo.errors import ExportError, ParameterError, RiskMapError
from geo.tabular import safe_csv_frame

if TYPE_CHECKING:
    from geo.pipeline import Analysis

__all__ = [
    "EXPORT_KINDS",
    "EXPORT_SUFFIXES",
    "SHARE_NOTE",
    "SHARE_H3_RESOLUTION",
    "build_provenance",
    "is_shared",
    "export_csv_tables",
    "export_gpkg",
    "export_html",
    "export_kde_geotiff",
    "export_pdf",  # noqa: F822  (module __getattr__ loads it from geo.export_pdf)
    "export_png",  # noqa: F822  (module __getattr__ loads it from geo.export_png)
    "format_period",
    "format_time",
    "provenance_lines",
    "safe_export_name",
    "share_safe_analysis",
    "write_atomic",
]

#: Kinds of export a generated file name may name (a closed set: names are
#: never built from user strings).
EXPORT_KINDS: tuple[str, ...] = ("brief", "map", "layers", "tables", "kde", "html")
#: Suffixes an export may have, with the format each one means.
EXPORT_SUFFIXES: Mapping[str, str] = {
    ".pdf": "PDF briefing",
    ".png": "PNG map",
    ".html": "offline HTML map",
    ".gpkg": "GeoPackage layers",
    ".zip": "CSV tables (zip)",
    ".tif": "KDE GeoTIFF",
    ".csv": "CSV table",
}

#: H3 resolution incident locations are coarsened to by the sharing preset
#: (average cell about 253 km², edge about 9.9 km).
SHARE_H3_RESOLUTION = 5
#: The sentence every export carries when the sharing preset was applied.
SHARE_NOTE = (
    "Prepared for sharing: incident locations coarsened to H3 resolution-5 cells "
    "(about 250 km² each) and hexagon counts merged to the same cells; actors, notes, "
    "place names, event ids, source URLs and file rows removed; the KDE surface and Gi* "
    "hexagons left out (their peaks would locate single events); nearest-incident "
    "distances of sites rounded to 5 km."
)

#: Columns of the incident table the sharing preset keeps (when present).
_SHARE_KEEP = (
    "source",
    "event_date",
    "date_precision",
    "event_type",
    "sub_event_type",
    "fatalities",
    "country",
    "admin1",
    "admin2",
    "adm1_id",
    "adm1_name",
    "adm2_id",
    "adm2_name",
    "region_2023",
    "country_iso3",
    "geo_precision",
    "precise",
    "category",
    "category_rule",
)


# --------------------------------------------------------------------------- names


def safe_export_name(
    kind: str,
    suffix: str,
    *,
    when: date | tuple[date, date] | None = None,
) -> str:
    """Return a unique, safe file name for an export (never built from user text).

    Parameters
    ----------
    kind : str
        One of :data:`EXPORT_KINDS` (``brief``, ``map``, ``layers``, ``tables``,
        ``kde``, ``html``).
    suffix : str
        One of :data:`EXPORT_SUFFIXES` (with or without the dot, any case).
    when : date or (date, date), optional
        The analysis period (start, end) or one date; today's date (UTC) when
        omitted. Only the ISO dates go into the name.

    Returns
    -------
    str
        ``sahel-risk-<kind>_<start>_<end>_<6 hex>.<suffix>``; the 6 hex digits
        come from :func:`secrets.token_hex`, so two exports of the same period
        never share a name (Streamlit keys downloads by name; SECURITY.md 1.11).

    Raises
    ------
    ParameterError
        If ``kind`` or ``suffix`` is not in its closed set.

    Examples
    --------
    >>> name = safe_export_name("brief", "pdf", when=(date(2025, 5, 1), date(2025, 11, 20)))
    >>> name[:39], name[-4:], len(name)
    ('sahel-risk-brief_2025-05-01_2025-11-20_', '.pdf', 49)
    """
    if kind not in EXPORT_KINDS:
        raise ParameterError(f"export kind was {kind!r} but is expected to be in {EXPORT_KINDS}")
    dot = "." + str(suffix).lower().lstrip(".")
    if dot not in EXPORT_SUFFIXES:
        raise ParameterError(
            f"export suffix was {suffix!r} but is expected to be in {tuple(EXPORT_SUFFIXES)}"
        )
    if when is None:
        dates: tuple[date, ...] = (datetime.now(UTC).date(),)
    elif isinstance(when, tuple):
        dates = tuple(when)
    else:
        dates = (when,)
    parts = [_iso_date(d) for d in dates]
    return f"sahel-risk-{kind}_{'_'.join(parts)}_{secrets.token_hex(3)}{dot}"


def _iso_date(value: object) -> str:
    """ISO date of a date, datetime or Timestamp (raises on anything else)."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise ParameterError(f"expected a date, found {type(value).__name__}")


# --------------------------------------------------------------------------- atomic writes


def _check_destination(path: str | os.PathLike[str], *, suffixes: Sequence[str]) -> Path:
    """Absolute destination path after checking its suffix and folder."""
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(f"export path must be a file path, found {type(path).__name__}")
    dest = Path(os.path.abspath(os.fspath(path)))
    if dest.suffix.lower() not in suffixes:
        raise ParameterError(
            f"{dest.name}: the file suffix {dest.suffix!r} is not one this export writes; "
            f"use one of {tuple(suffixes)}."
        )
    if not dest.parent.is_dir():
        raise ExportError(
            f"{dest.parent}: the folder does not exist; create it or choose another folder."
        )
    if dest.is_dir():
        raise ExportError(f"{dest}: is a folder; give a file name ending in {dest.suffix}.")
    return dest


def _sidecars(tmp: Path) -> list[Path]:
    """Files a GDAL/SQLite writer may leave beside ``tmp``."""
    return [tmp.with_name(tmp.name + s) for s in ("-journal", "-wal", "-shm", ".aux.xml")]


def _remove_quietly(paths: Sequence[Path]) -> None:
    for p in paths:
        try:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
        except FileNotFoundError:
            pass


def _fsync_path(path: Path) -> None:
    """Flush a file (or, best effort, a folder) to disk."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:
        if path.is_dir():
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not path.is_dir():
            raise
    finally:
        os.close(fd)


def write_atomic(
    path: str | os.PathLike[str],
    write: Callable[[Path], object],
    *,
    verify: Callable[[Path], object],
    suffixes: Sequence[str] | None = None,
    what: str = "export",
) -> Path:
    """Write a file so that readers see either the old file or the complete new one.

    Parameters
    ----------
    path : str or path-like
        Destination file. Its folder must exist; its suffix names the format.
    write : callable
        ``write(tmp)`` writes the whole file at ``tmp``, a path in the same
        folder with the same suffix (so GDAL picks the right driver).
    verify : callable
        ``verify(tmp)`` re-opens the written file and raises if it is not
        complete (:class:`ExportError` with the reason).
    suffixes : sequence of str, optional
        Allowed suffixes (lower case, with dot); the suffix of ``path`` when
        omitted.
    what : str
        What is being written, for messages (``PDF briefing``).

    Returns
    -------
    Path
        The absolute destination path.

    Raises
    ------
    ExportError
        If the folder is missing, the write fails (disk full, permission) or
        the verification fails; the temporary file and its sidecars are removed
        and a previous file at ``path`` is left as it was.
    ParameterError
        If the suffix is not allowed.

    Notes
    -----
    Steps: write ``.srm-<random>.part<suffix>`` beside the destination, verify
    it, ``fsync`` it, ``os.replace`` it over the destination (atomic on one
    file system), then ``fsync`` the folder. The temporary name is random and
    never derived from user text.
    """
    dest = _check_destination(path, suffixes=suffixes or (Path(os.fspath(path)).suffix.lower(),))
    tmp = dest.with_name(f".srm-{secrets.token_hex(6)}.part{dest.suffix.lower()}")
    try:
        write(tmp)
        if not tmp.exists():
            raise ExportError(f"{what}: the writer produced no file for {dest.name}.")
        verify(tmp)
        _fsync_path(tmp)
        os.replace(tmp, dest)
    except RiskMapError:
        _remove_quietly([tmp, *_sidecars(tmp)])
        raise
    except OSError as exc:
        _remove_quietly([tmp, *_sidecars(tmp)])
        reason = exc.strerror or str(exc)
        raise ExportError(
            f"{what}: could not write {dest.name} in {dest.parent}: {reason}; nothing was "
            "written and any previous file is unchanged."
        ) from exc
    except BaseException:
        _remove_quietly([tmp, *_sidecars(tmp)])
        raise
    _remove_quietly(_sidecars(tmp))
    _fsync_path(dest.parent)
    return dest


def _bytes_writer(data: bytes) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        with open(tmp, "xb") as fh:
            fh.write(data)

    return write


def _verify_bytes(data: bytes, *, what: str) -> Callable[[Path], None]:
    def verify(tmp: Path) -> None:
        if tmp.read_bytes() != data:
            raise ExportError(f"{what} check: {tmp.name} does not read back as written.")

    return verify


def _write_via_private_dir(
    path: str | os.PathLike[str],
    write: Callable[[Path], object],
    *,
    verify: Callable[[Path], object],
    suffixes: Sequence[str],
    what: str,
) -> Path:
    """Let GDAL write and re-open a file in a private folder, then copy it atomically.

    GDAL only ever sees a path we made (``<private tmp>/export<suffix>``), never
    the user's destination; the copy into the destination is checked byte for
    byte by :func:`write_atomic`.
    """
    dest_suffix = (
        Path(os.fspath(path)).suffix.lower() if isinstance(path, (str, os.PathLike)) else ""
    )
    _check_destination(path, suffixes=suffixes)
    try:
        with tempfile.TemporaryDirectory(prefix="srm-export-") as folder:
            work = Path(folder) / f"export{dest_suffix}"
            write(work)
            verify(work)
            data = work.read_bytes()
    except OSError as exc:
        raise ExportError(
            f"{what}: could not be written: {exc.strerror or exc}; nothing was written."
        ) from exc
    return write_atomic(
        path,
        _bytes_writer(data),
        verify=_verify_bytes(data, what=what),
        suffixes=suffixes,
        what=what,
    )


# --------------------------------------------------------------------------- provenance


def format_period(start: date, end: date) -> str:
    """Return ``start – end (N days)`` for titles and provenance.

    Parameters
    ----------
    start, end : datetime.date
        Inclusive window.

    Returns
    -------
    str
        The period in words.

    Examples
    --------
    >>> format_period(date(2025, 5, 1), date(2025, 5, 31))
    '2025-05-01 to 2025-05-31 (31 days)'
    """
    s, e = _as_date(start), _as_date(end)
    return f"{s.isoformat()} to {e.isoformat()} ({(e - s).days + 1} days)"


def _as_date(value: object) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def format_time(value: datetime) -> str:
    """Return ``YYYY-MM-DD HH:MM`` plus ``UTC`` (or the zone) when the time carries one.

    Parameters
    ----------
    value : datetime.datetime
        A time, naive or aware.

    Returns
    -------
    str
        The time for titles.

    Examples
    --------
    >>> format_time(datetime(2025, 11, 21, 10, 32, 5, tzinfo=UTC))
    '2025-11-21 10:32 UTC'
    """
    text = value.strftime("%Y-%m-%d %H:%M")
    if value.tzinfo is not None:
        offset = value.utcoffset()
        text += (
            " UTC" if offset is not None and offset.total_seconds() == 0 else value.strftime(" %Z")
        )
    return text


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _record(obj: object) -> dict[str, Any]:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    return dict(vars(obj))


def _validation_counts(report: object) -> dict[str, int | str]:
    counts: dict[str, int | str] = {}
    for key, attr in (
        ("rows_in", "rows_in"),
        ("kept", "rows_kept"),
        ("repaired", "n_repaired"),
        ("rejected", "n_rejected"),
    ):
        value = getattr(report, attr, None)
        if value is not None:
            counts[key] = int(value)
    file = getattr(report, "file", None)
    if file:
        counts["files"] = str(file)
    return counts


def _attributions() -> list[dict[str, str]]:
    from geo import bundled

    return [
        {k: str(getattr(r, k, "") or "") for k in ("dataset", "credit", "licence")}
        for r in bundled.ATTRIBUTIONS
    ]


def _incidents_digest(incidents: pd.DataFrame) -> str:
    """SHA-256 over the sorted (source, event id, date) of the events used."""
    cols = [c for c in ("source", "event_id", "event_date") if c in incidents.columns]
    if incidents.empty or not cols:
        keys: list[str] = []
    else:
        frame = incidents[cols].astype(str)
        keys = sorted("|".join(row) for row in frame.itertuples(index=False, name=None))
    digest = hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()
    return f"sha256:{digest[:32]}"


def is_shared(analysis: Analysis) -> bool:
    """Return True when the sharing preset was already applied to ``analysis``."""
    return SHARE_NOTE in list(getattr(analysis, "notes", []) or [])


def build_provenance(analysis: Analysis) -> dict[str, Any]:
    """Return the provenance record every export carries (JSON-ready).

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis being exported (after :func:`share_safe_analysis` when
        the sharing preset applies).

    Returns
    -------
    dict
        ``product``, ``app_version``, ``generated_at``, ``period`` (start, end,
        days), ``as_of``, ``filters``, ``parameters``, ``data_sources`` (labels
        in use), ``attributions`` (dataset, credit, licence),
        ``validation`` (rows_in, kept, repaired, rejected), ``left_out``
        (reason -> count), ``incidents_in_window``, ``incidents_digest`` (a
        hash of the events used, to check that two exports used the same
        input), ``crs``, ``shared`` and ``share_note``, ``notes``.

    Notes
    -----
    With the sharing preset, actor filters are reported by number only (an
    actor name in a filter says who is being watched).
    """
    filters = _record(analysis.filters)
    shared = is_shared(analysis)
    actors = filters.get("actors")
    if shared and actors:
        filters["actors"] = f"{len(actors)} actor filter(s), names withheld"
    for key in ("categories", "sources", "actors"):
        if filters.get(key) is None:
            filters[key] = "all"
    start, end = filters.pop("start"), filters.pop("end")
    params = _record(analysis.params)
    prov: dict[str, Any] = {
        "product": "Sahel Risk Map",
        "app_version": str(analysis.app_version),
        "generated_at": analysis.generated_at.isoformat(timespec="seconds"),
        "period": {
            "start": _as_date(start).isoformat(),
            "end": _as_date(end).isoformat(),
            "days": (_as_date(end) - _as_date(start)).days + 1,
        },
        "as_of": _as_date(params.get("as_of", end)).isoformat(),
        "filters": filters,
        "parameters": params,
        "data_sources": [str(s) for s in analysis.sources],
        "attributions": _attributions(),
        "validation": _validation_counts(analysis.report),
        "left_out": {str(k): int(v) for k, v in dict(analysis.left_out).items()},
        "incidents_in_window": int(len(analysis.incidents)),
        "incidents_digest": _incidents_digest(analysis.incidents),
        "crs": {"storage": "EPSG:4326", "metric": METRIC_CRS.srs},
        "shared": shared,
        "share_note": SHARE_NOTE if shared else None,
        "notes": [str(n) for n in (getattr(analysis, "notes", None) or []) if n != SHARE_NOTE],
    }
    return _jsonable(prov)


def _fmt_num(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def provenance_lines(prov: Mapping[str, Any]) -> list[str]:
    """Render a provenance record as short human-readable lines.

    Parameters
    ----------
    prov : mapping
        A record from :func:`build_provenance`.

    Returns
    -------
    list of str
        Product and version, period, filters, parameters, input counts, events
        left out, sources in use, and the sharing note when it applies.
    """
    period = prov["period"]
    f = prov["filters"]
    p = prov["parameters"]

    def _set(value: object) -> str:
        return value if isinstance(value, str) else ", ".join(str(v) for v in value)

    lines = [
        f"{prov['product']} {prov['app_version']}, generated {prov['generated_at']}",
        f"Period {period['start']} to {period['end']} ({period['days']} days); "
        f"analysis date {prov['as_of']}",
        f"Filters: categories {_set(f['categories'])}; sources {_set(f['sources'])}; "
        f"actors {_set(f['actors'])}; imprecise locations "
        + ("included in" if f.get("include_imprecise") else "left out of")
        + " point analyses",
        "Parameters: "
        + "; ".join(f"{k} {_fmt_num(v)}" for k, v in p.items() if k not in ("as_of",)),
    ]
    v = prov["validation"]
    if v:
        lines.append(
            "Input rows: "
            + ", ".join(f"{_fmt_num(v[k])} {k.replace('_', ' ')}" for k in v if k != "files")
        )
    left = prov["left_out"]
    lines.append(
        "Left out: "
        + ("; ".join(f"{_fmt_num(n)} {reason}" for reason, n in left.items()) if left else "none")
    )
    if prov["data_sources"]:
        lines.append("Incident sources: " + "; ".join(prov["data_sources"]))
    lines.append(
        f"Events in window: {_fmt_num(prov['incidents_in_window'])} ({prov['incidents_digest']})"
    )
    if prov.get("share_note"):
        lines.append(prov["share_note"])
    return lines


# --------------------------------------------------------------------------- sharing preset


def _h3_cells(points: gpd.GeoSeries, resolution: int) -> list[str | None]:
    import h3

    cells: list[str | None] = []
    for geom in points:
        if geom is None or geom.is_empty:
            cells.append(None)
            continue
        pt = geom if geom.geom_type == "Point" else geom.representative_point()
        if not (math.isfinite(pt.x) and math.isfinite(pt.y)):
            cells.append(None)
            continue
        cells.append(h3.latlng_to_cell(pt.y, pt.x, resolution))
    return cells


def _h3_polygons(cells: Sequence[str | None]) -> list[Any]:
    import h3
    from shapely.geometry import Polygon

    out = []
    for c in cells:
        if c is None:
            out.append(None)
        else:
            out.append(Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]))
    return out


def _share_incidents(incidents: gpd.GeoDataFrame, resolution: int) -> gpd.GeoDataFrame:
    keep = [c for c in _SHARE_KEEP if c in incidents.columns]
    cells = _h3_cells(incidents.geometry, resolution)
    frame = pd.DataFrame(incidents[keep]).copy()
    frame["h3_cell"] = pd.Series(cells, index=incidents.index, dtype="object")
    return gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(_h3_polygons(cells), index=incidents.index, crs=WGS84)
    )


def _share_hexes(hexes: gpd.GeoDataFrame, resolution: int) -> gpd.GeoDataFrame:
    import h3

    if hexes.empty or "hex" not in hexes.columns:
        return hexes.copy()
    parents = [
        h3.cell_to_parent(h, resolution) if h3.get_resolution(h) > resolution else h
        for h in hexes["hex"]
    ]
    sums = [c for c in ("incidents", "fatalities") if c in hexes.columns]
    grouped = pd.DataFrame(hexes[sums]).assign(hex=parents).groupby("hex", sort=True)[sums].sum()
    grouped = grouped.reset_index()
    return gpd.GeoDataFrame(
        grouped, geometry=gpd.GeoSeries(_h3_polygons(list(grouped["hex"])), crs=WGS84)
    )


def share_safe_analysis(analysis: Analysis, *, resolution: int = SHARE_H3_RESOLUTION) -> Analysis:
    """Return a copy of ``analysis`` prepared for sharing outside the team.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis; not modified.
    resolution : int
        H3 resolution incident locations are coarsened to (5: cells of about
        253 km²).

    Returns
    -------
    geo.pipeline.Analysis
        Incidents as H3 cell polygons (``h3_cell`` column) with actors, notes,
        place names, event ids, source URLs and file rows dropped; hexagon
        counts merged to the same resolution; the KDE surface and Gi* hexagons
        left out (a KDE peak or a significant cell around a single event
        locates it to a kilometre; Gi* on admin units is kept);
        site nearest-incident distances rounded to 5 km; :data:`SHARE_NOTE`
        added to ``notes``. Applying it twice changes nothing more.

    Raises
    ------
    ParameterError
        If ``resolution`` is not an H3 resolution (0-15).
    """
    if not isinstance(resolution, int) or not 0 <= resolution <= 15:
        raise ParameterError(f"resolution was {resolution!r} but is expected to be in 0..15")
    if is_shared(analysis):
        return analysis
    sites = analysis.sites.copy()
    if "nearest_km" in sites.columns:
        sites["nearest_km"] = (pd.to_numeric(sites["nearest_km"]) / 5.0).round() * 5.0
    notes = [*(getattr(analysis, "notes", None) or []), SHARE_NOTE]
    gistar, message = analysis.gistar, analysis.gistar_message
    if gistar is not None and "hex" in gistar.columns:
        gistar, message = None, "Gi* hexagons left out of this shared export."
    return dataclasses.replace(
        analysis,
        incidents=_share_incidents(analysis.incidents, resolution),
        hexes=_share_hexes(analysis.hexes, resolution),
        kde=None,
        gistar=gistar,
        gistar_message=message,
        sites=sites,
        notes=notes,
    )


def _prepared(analysis: Analysis, share_safe: bool) -> Analysis:
    return share_safe_analysis(analysis) if share_safe else analysis


# --------------------------------------------------------------------------- GeoPackage


def _plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy with values GDAL can store: dates as datetimes, odd objects as text."""
    out = frame.copy()
    geom = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for col in out.columns:
        if col == geom:
            continue
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        elif s.dtype != object:
            continue
        values = s.dropna()
        if len(values) and all(isinstance(v, (date, datetime, pd.Timestamp)) for v in values):
            out[col] = pd.to_datetime(s)
        elif len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
            out[col] = s.astype("boolean")
        else:
            out[col] = s.map(
                lambda v: (
                    None
                    if v is None or (isinstance(v, float) and math.isnan(v))
                    else (
                        json.dumps(_jsonable(v), ensure_ascii=False)
                        if isinstance(v, (list, dict, tuple))
                        else str(v)
                    )
                )
            )
    return out


#: Layer name -> (Analysis attribute, geometry type for an empty layer).
_GPKG_LAYERS: tuple[tuple[str, str, str], ...] = (
    ("admin_stats", "admin_stats", "MultiPolygon"),
    ("hexes", "hexes", "Polygon"),
    ("gistar", "gistar", "Polygon"),
    ("route_segments", "segments", "LineString"),
    ("sites", "sites", "Point"),
    ("incidents_used", "incidents", "Point"),
)
#: Attribute tables (no geometry) written beside the layers.
_GPKG_TABLES: tuple[tuple[str, str], ...] = (
    ("route_summary", "route_summary"),
    ("worst_stretches", "worst_stretches"),
    ("surge", "surge"),
)


def _provenance_table(prov: Mapping[str, Any]) -> pd.DataFrame:
    rows = [
        (k, json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)
        for k, v in prov.items()
    ]
    rows.append(("provenance_json", json.dumps(prov, ensure_ascii=False, sort_keys=True)))
    rows.extend((f"line_{i + 1}", line) for i, line in enumerate(provenance_lines(prov)))
    return pd.DataFrame(rows, columns=["key", "value"]).astype({"key": "str", "value": "str"})


def _gpkg_contents(analysis: Analysis) -> list[tuple[str, pd.DataFrame, str | None]]:
    contents: list[tuple[str, pd.DataFrame, str | None]] = []
    for layer, attr, empty_type in _GPKG_LAYERS:
        frame = getattr(analysis, attr)
        if frame is None:
            continue
        frame = (
            frame.to_crs(WGS84) if frame.crs is not None and not frame.crs.equals(WGS84) else frame
        )
        if attr == "incidents" and is_shared(analysis):
            empty_type = "Polygon"
        contents.append((layer, _plain_columns(frame), empty_type))
    for table, attr in _GPKG_TABLES:
        frame = getattr(analysis, attr)
        if frame is None:
            continue
        plain = pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore")
        if plain.columns.empty:
            continue
        contents.append((table, _plain_columns(plain), None))
    contents.append(("provenance", _provenance_table(build_provenance(analysis)), None))
    return contents


def export_gpkg(
    analysis: Analysis, path: str | os.PathLike[str], *, share_safe: bool = False
) -> Path:
    """Write the analysis layers to one GeoPackage that QGIS opens.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis to export.
    path : str or path-like
        Destination ``.gpkg``; its folder must exist.
    share_safe : bool
        Apply :func:`share_safe_analysis` first.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ExportError
        If the file cannot be written or does not read back with the expected
        layers, feature counts and CRS (nothing is left behind).

    Notes
    -----
    Layers (EPSG:4326): ``admin_stats``, ``hexes``, ``gistar`` (when computed),
    ``route_segments``, ``sites``, ``incidents_used``; attribute tables
    ``route_summary``, ``worst_stretches``, ``surge`` and ``provenance``
    (key/value rows, with the whole record as JSON in ``provenance_json``; the
    same JSON is in the dataset metadata). Text is stored in full (no 254
    character limit as in shapefiles).
    """
    a = _prepared(analysis, share_safe)
    contents = _gpkg_contents(a)
    prov_json = json.dumps(build_provenance(a), ensure_ascii=False, sort_keys=True)
    return _write_via_private_dir(
        path,
        lambda tmp: _write_gpkg(contents, tmp, prov_json=prov_json),
        verify=lambda tmp: _verify_gpkg(tmp, contents),
        suffixes=(".gpkg",),
        what="GeoPackage",
    )


def _write_gpkg(
    contents: Sequence[tuple[str, pd.DataFrame, str | None]], tmp: Path, *, prov_json: str
) -> None:
    import pyogrio

    for i, (name, frame, empty_type) in enumerate(contents):
        kwargs: dict[str, Any] = {"layer": name, "driver": "GPKG"}
        if i == 0:
            kwargs["dataset_metadata"] = {"provenance": prov_json}
        if isinstance(frame, gpd.GeoDataFrame) and frame.empty:
            kwargs["geometry_type"] = empty_type
        elif isinstance(frame, gpd.GeoDataFrame) and empty_type and empty_type != "Point":
            kwargs["promote_to_multi"] = True
        pyogrio.write_dataframe(frame, str(tmp), **kwargs)


def _verify_gpkg(tmp: Path, contents: Sequence[tuple[str, pd.DataFrame, str | None]]) -> None:
    """Re-open a written GeoPackage: every layer present, counts and CRS as written."""
    import pyogrio

    found = {str(row[0]) for row in pyogrio.list_layers(str(tmp))}
    for name, frame, _ in contents:
        if name not in found:
            raise ExportError(f"GeoPackage check: layer {name!r} is missing after writing.")
        info = pyogrio.read_info(str(tmp), layer=name)
        if int(info["features"]) != len(frame):
            raise ExportError(
                f"GeoPackage check: layer {name!r} has {info['features']} features, "
                f"{len(frame)} were written."
            )
        if isinstance(frame, gpd.GeoDataFrame) and info["crs"] != "EPSG:4326":
            raise ExportError(f"GeoPackage check: layer {name!r} has CRS {info['crs']}.")


# --------------------------------------------------------------------------- CSV


def _table_for_csv(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None:
        return None
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        frame = frame.to_crs(WGS84)
    plain = _plain_columns(frame)
    return safe_csv_frame(plain)


def _csv_tables(analysis: Analysis) -> dict[str, pd.DataFrame]:
    kf = dict(analysis.key_figures)
    tables: dict[str, pd.DataFrame | None] = {
        "key_figures": pd.DataFrame({"measure": list(kf), "value": [kf[k] for k in kf]}),
        "admin_stats": analysis.admin_stats,
        "hexes": analysis.hexes,
        "gistar": analysis.gistar,
        "surge": analysis.surge,
        "route_summary": analysis.route_summary,
        "worst_stretches": analysis.worst_stretches,
        "route_segments": analysis.segments,
        "sites": analysis.sites,
        "incidents_used": analysis.incidents,
        "left_out": pd.DataFrame(
            {"reason": list(analysis.left_out), "events": list(analysis.left_out.values())}
        ),
        "provenance": _provenance_table(build_provenance(analysis)),
    }
    out = {}
    for name, frame in tables.items():
        table = _table_for_csv(frame)
        if table is not None:
            out[name] = table
    return out


def _csv_bytes(table: pd.DataFrame) -> bytes:
    # UTF-8 with a byte-order mark: spreadsheet programs then read Ségou right.
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def export_csv_tables(
    analysis: Analysis, path: str | os.PathLike[str], *, share_safe: bool = False
) -> Path:
    """Write every table of the analysis as CSV, into a folder or a zip file.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis to export.
    path : str or path-like
        A ``.zip`` file (written atomically as one file) or a folder. A new
        folder is built beside its destination and renamed into place; in an
        existing folder each CSV is replaced atomically.
    share_safe : bool
        Apply :func:`share_safe_analysis` first.

    Returns
    -------
    Path
        The zip file or folder.

    Raises
    ------
    ExportError
        If writing or the read-back check fails (nothing is left behind).

    Notes
    -----
    Tables: key_figures, admin_stats, hexes, gistar, surge, route_summary,
    worst_stretches, route_segments, sites, incidents_used (point layers get
    ``lon``/``lat``; polygons and lines are in the GeoPackage), left_out and
    provenance. Text cells that a spreadsheet would run as a formula are
    neutralised by :func:`geo.tabular.safe_csv_frame`. Encoding UTF-8 with BOM, CRLF.
    """
    a = _prepared(analysis, share_safe)
    tables = {f"{name}.csv": _csv_bytes(t) for name, t in _csv_tables(a).items()}
    raw = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
    if isinstance(raw, str) and raw.lower().endswith(".zip"):
        return _write_zip(tables, raw)
    if not isinstance(raw, str):
        raise ParameterError(f"export path must be a file path, found {type(path).__name__}")
    folder = Path(os.path.abspath(raw))
    if folder.is_dir():
        for name, data in tables.items():
            write_atomic(
                folder / name,
                _bytes_writer(data),
                verify=_verify_bytes(data, what="CSV"),
                what="CSV",
            )
        return folder
    if not folder.parent.is_dir():
        raise ExportError(
            f"{folder.parent}: the folder does not exist; create it or choose another folder."
        )
    tmp = folder.with_name(f".srm-{secrets.token_hex(6)}.part")
    try:
        tmp.mkdir()
        for name, data in tables.items():
            (tmp / name).write_bytes(data)
            _verify_bytes(data, what="CSV")(tmp / name)
            _fsync_path(tmp / name)
        os.rename(tmp, folder)
    except RiskMapError:
        _remove_quietly([tmp])
        raise
    except OSError as exc:
        _remove_quietly([tmp])
        raise ExportError(
            f"CSV tables: could not write {folder.name} in {folder.parent}: "
            f"{exc.strerror or exc}; nothing was written."
        ) from exc
    _fsync_path(folder.parent)
    return folder


def _write_zip(tables: Mapping[str, bytes], path: str) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in tables.items():
            # A fixed timestamp keeps the same analysis giving the same bytes.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    data = buf.getvalue()
    return write_atomic(
        path,
        _bytes_writer(data),
        verify=lambda tmp: _verify_zip(tmp, names=sorted(tables)),
        suffixes=(".zip",),
        what="CSV zip",
    )


def _verify_zip(tmp: Path, *, names: Sequence[str]) -> None:
    """Re-open a written zip: every member reads (CRC checked) and the names are as written."""
    with zipfile.ZipFile(tmp) as zf:
        if zf.testzip() is not None or sorted(zf.namelist()) != list(names):
            raise ExportError("CSV zip check: the archive does not read back as written.")


# --------------------------------------------------------------------------- GeoTIFF


def export_kde_geotiff(
    analysis: Analysis, path: str | os.PathLike[str], *, share_safe: bool = False
) -> Path:
    """Write the KDE surface as a GeoTIFF in the metric CRS, with provenance tags.

    Parameters
    ----------
    analysis : geo.pipeline.Analysis
        The analysis; its ``kde`` must be computed.
    path : str or path-like
        Destination ``.tif``.
    share_safe : bool
        The sharing preset leaves the KDE surface out, so this raises.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ExportError
        If there is no KDE surface (too few events, or the sharing preset),
        or the file does not read back with the same shape, CRS and transform.
    """
    import rasterio

    from geo.hotspots import write_kde_geotiff

    a = _prepared(analysis, share_safe)
    kde = a.kde
    if kde is None:
        reason = (
            "the sharing preset leaves the KDE surface out"
            if is_shared(a)
            else "this analysis has no KDE surface (no precise events in the window)"
        )
        raise ExportError(f"KDE GeoTIFF: {reason}; nothing was written.")
    prov_json = json.dumps(build_provenance(a), ensure_ascii=True, sort_keys=True)
    shape = np.shape(kde.array)

    def write(tmp: Path) -> None:
        write_kde_geotiff(kde, tmp)
        with rasterio.open(tmp, "r+") as ds:
            ds.update_tags(provenance=prov_json)

    return _write_via_private_dir(
        path,
        write,
        verify=lambda tmp: _verify_geotiff(tmp, shape=shape, transform=kde.transform),
        suffixes=(".tif", ".tiff"),
        what="KDE GeoTIFF",
    )


def _verify_geotiff(tmp: Path, *, shape: tuple[int, ...], transform: Any) -> None:
    """Re-open a written GeoTIFF: same size, a CRS, same transform, provenance tag."""
    import rasterio

    with rasterio.open(tmp) as ds:
        if ds.driver != "GTiff" or (ds.height, ds.width) != tuple(shape[-2:]):
            raise ExportError("KDE GeoTIFF check: the raster does not read back as written.")
        if ds.crs is None or not ds.transform.almost_equals(transform):
            raise ExportError("KDE GeoTIFF check: CRS or transform lost in writing.")
        if "provenance" not in ds.tags():
            raise ExportError("KDE GeoTIFF check: the provenance tag is missing.")


# --------------------------------------------------------------------------- HTML

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


def _provenance_head(prov: Mapping[str, Any]) -> str:
    text = json.dumps(prov, ensure_ascii=True, sort_keys=True)
    meta = f'<meta name="sahel-risk-map-provenance" content="{html.escape(text, quote=True)}">'
    comment_lines = [line.replace("--", "- -") for line in provenance_lines(prov)]
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

    Returns
    -------
    Path
        The written file.

    Raises
    ------
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
    page = html_text
    if provenance is not None:
        head = _provenance_head(provenance)
        m = re.search(r"<head[^>]*>", page, re.IGNORECASE)
        page = page[: m.end()] + "\n" + head + page[m.end() :] if m else head + page
    data = page.encode("utf-8")
    return write_atomic(
        path,
        _bytes_writer(data),
        verify=_verify_bytes(data, what="HTML map"),
        suffixes=(".html", ".htm"),
        what="HTML map",
    )


# --------------------------------------------------------------------------- PNG and PDF

_LAZY = {"export_png": "geo.export_png", "export_pdf": "geo.export_pdf"}


def __getattr__(name: str) -> Any:
    # PNG and PDF live in their own modules and load matplotlib / reportlab
    # only when used.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
