"""Field rules: coordinates, dates, fatalities and precision codes, one row issue per bad value.

Every rule turns a bad value into a :class:`geo.validate.RowIssue` naming file,
row and column, and the row is repaired (the reason says how), flagged or
rejected; nothing is dropped silently. The rules and their outcomes are listed
in :func:`geo.io.incidents.read_incidents`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from geo.schema import fold_text
from geo.validate import READER_MESSAGES, Action, RowIssue, reader_message

if TYPE_CHECKING:
    from geo.io.tables import RawTable

__all__ = [
    "WEST_AFRICA_BOX",
    "Rows",
    "check_coordinates",
    "count_noun",
    "geometry_to_points",
    "parse_coordinate",
    "parse_date_precision",
    "parse_dates",
    "parse_fatalities",
    "parse_geo_precision",
]


#: Box (lon_min, lat_min, lon_max, lat_max) used to detect swapped coordinates.
WEST_AFRICA_BOX: tuple[float, float, float, float] = (-18.0, 4.0, 5.0, 25.0)


# English month names as ACLED writes them (not the locale's: strftime would follow it).
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()


_MONTHS = {n: i for i, name in enumerate(_MONTH_NAMES, start=1) for n in (name, name[:3])}


_MONTHS["sept"] = 9


_DATE_PATTERNS: dict[str, str] = {
    # Optional time of day (dropped: dates are day resolution, local as written).
    "yyyy-mm-dd": r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[ T](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?P<tz>Z|[+-]\d{2}:?\d{2})?)?",
    "dd-mm-yyyy": r"(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})",
    "dd Month yyyy": r"(?P<d>\d{1,2}) (?P<mname>[A-Za-z]+)\.? (?P<y>\d{4})",
}


_EARLIEST_YEAR = 1989  # first year of UCDP GED; older dates are flagged


_NO_NUMBER_WORDS = {"unknown", "unk", "n/a", "na", "none", "nil", "?", "-", "--", "nd", "n.d."}


# Countries whose true points never fall inside the box when swapped: only for rows
# naming one of these (or no country) is a swap repaired. Nigeria and Central Africa
# are left out on purpose (a point at lat 4.8, lon 7.0 swaps into Benin).
_SWAP_COUNTRIES = frozenset(
    fold_text(c)
    for c in (
        "Mali|MLI|Senegal|SEN|Mauritania|MRT|Guinea|GIN|Guinea-Bissau|GNB|Gambia|The Gambia|"
        "GMB|Sierra Leone|SLE|Liberia|LBR|Ivory Coast|Côte d'Ivoire|Cote d'Ivoire|CIV|"
        "Burkina Faso|BFA|Ghana|GHA|Togo|TGO|Benin|BEN|Niger|NER|Algeria|DZA|"
        "Western Sahara|ESH"
    ).split("|")
)


def geometry_to_points(table: RawTable, wkb: Sequence[bytes | None]) -> None:
    """Turn each feature's WKB into one lon/lat pair, or a per-feature issue.

    Parameters
    ----------
    table : RawTable
        Receives ``lon``, ``lat``, ``area_rows``, issues and notes.
    wkb : sequence of bytes or None
        One geometry per feature, as GDAL gave it.
    """
    n = len(wkb)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    area = np.zeros(n, dtype=bool)
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
    # Plain 2-D points (nearly every incident) in one vectorised step; the rest one by one.
    plain = (
        (shapely.get_type_id(geoms) == 0)
        & ~shapely.is_empty(geoms)
        & ~shapely.has_z(geoms)
        & ~shapely.has_m(geoms)
    )
    lon[plain], lat[plain] = shapely.get_x(geoms[plain]), shapely.get_y(geoms[plain])
    zm = 0
    for i in np.flatnonzero(~plain).tolist():
        blob, geom = wkb[i], geoms[i]

        def issue(value: object, reason: str, action: Action = "rejected", *, i: int = i) -> None:
            table.issues.append(
                RowIssue.make(
                    table.file,
                    int(table.rows[i]),
                    "geometry",
                    value,
                    reason,
                    action,
                    row_label="feature",
                )
            )
            if action == "rejected":
                table.rejected[i] = True

        if blob is None:
            issue(None, reader_message("null_geometry"))
            continue
        if geom is None:
            issue(f"WKB of {len(blob)} bytes", reader_message("unreadable_geometry"))
            continue
        if shapely.has_z(geom) or shapely.has_m(geom):
            zm += 1
            geom = shapely.force_2d(geom)
        point, problem, repair = _one_point(geom)
        if point is None:
            issue(geom.wkt, problem)
            continue
        if repair:
            issue(geom.wkt, repair, "repaired")
            area[i] = geom.geom_type != "MultiPoint"
        lon[i], lat[i] = point.x, point.y
    if zm:
        table.notes.append(reader_message("zm_dropped", features=count_noun(zm, "feature")))
    table.lon, table.lat, table.area_rows = lon, lat, area


def _one_point(geom: shapely.Geometry) -> tuple[shapely.Point | None, str, str]:
    """Return (point, why rejected, how repaired) for one 2-D geometry.

    Points pass; a one-point MultiPoint gives its point; a polygon gives a point
    inside it (after ``make_valid`` when invalid: a bow-tie keeps both lobes),
    unless it has no area or crosses the antimeridian; anything else is rejected.
    """
    kind = geom.geom_type
    if geom.is_empty:
        return None, f"is empty ({kind.upper()} EMPTY, no coordinates)", ""
    if kind == "Point":
        return geom, "", ""
    if kind == "MultiPoint":
        parts = shapely.get_parts(geom)
        if len(parts) != 1:
            return (
                None,
                (
                    f"is a MultiPoint of {len(parts)} points; one incident needs one point "
                    "(split it into one feature per point)"
                ),
                "",
            )
        return parts[0], "", "is a MultiPoint with one point; that point is used"
    if kind not in ("Polygon", "MultiPolygon"):
        return None, f"is a {kind}; incidents must be points", ""
    minx, _, maxx, _ = geom.bounds
    if maxx - minx > 180:
        return (
            None,
            (
                "crosses the antimeridian (spans more than 180 degrees of longitude); split it "
                "(RFC 7946 3.1.9) or give a point"
            ),
            "",
        )
    made = ""
    if not geom.is_valid:
        why = shapely.is_valid_reason(geom)
        parts = shapely.get_parts(shapely.make_valid(geom))
        polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys) if polys else shapely.Polygon()
        made = f" after make_valid ({why})"
        if geom.is_empty or geom.area == 0:
            return None, f"is not a valid polygon ({why}) and has no area left; fix it", ""
    if geom.area == 0:
        return None, "is a polygon with no area; give a point instead", ""
    point = geom.representative_point()
    return (
        point,
        "",
        (
            f"is a {kind}; replaced{made} by a point inside it ({point.x:.5f}, {point.y:.5f}) "
            "and marked imprecise (geo_precision 3)"
        ),
    )


class Rows:
    """Per-row issue collector over one table (rows addressed by position)."""

    def __init__(self, table: RawTable) -> None:
        self.t = table
        self.rejected = table.rejected.copy()
        self.issues = list(table.issues)

    @property
    def alive(self) -> np.ndarray:
        """Boolean mask of the rows not rejected so far."""
        return ~self.rejected

    def add(self, i: int, column: str, value: object, reason: str, action: Action) -> None:
        """Record an issue for row position ``i``; a rejection also marks the row rejected."""
        self.issues.append(
            RowIssue.make(
                self.t.file,
                int(self.t.rows[i]),
                column,
                value,
                reason,
                action,
                row_label=self.t.row_label,
            )
        )
        if action == "rejected":
            self.rejected[i] = True


def parse_coordinate(values: pd.Series, column: str, rows: Rows) -> np.ndarray:
    """Parse decimal degrees; a decimal comma is repaired, blanks and words rejected.

    Parameters
    ----------
    values : Series of str
        The column as text.
    column : str
        Its name in the file, for messages.
    rows : Rows
        Receives the issues.

    Returns
    -------
    ndarray of float
        NaN where the row was rejected.
    """
    s = values.astype(str).str.strip()
    comma = s.str.fullmatch(r"[+-]?\d+,\d+").fillna(False).to_numpy(dtype=bool)
    s2 = s.where(~comma, s.str.replace(",", ".", regex=False))
    num = pd.to_numeric(s2, errors="coerce").to_numpy(dtype=float)
    alive = rows.alive
    for i in np.flatnonzero(comma & alive & np.isfinite(num)):
        rows.add(
            i,
            column,
            s.iat[i],
            reader_message("decimal_comma", value=repr(float(num[i]))),
            "repaired",
        )
    for i in np.flatnonzero(~np.isfinite(num) & alive):
        if s.iat[i] == "":
            rows.add(i, column, "", reader_message("blank_coordinate"), "rejected")
        else:
            rows.add(i, column, s.iat[i], reader_message("not_degrees"), "rejected")
    return num


def check_coordinates(
    lon: np.ndarray,
    lat: np.ndarray,
    country: pd.Series,
    rows: Rows,
    *,
    lat_name: str,
    lon_name: str,
    crs_known: bool,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Apply the coordinate rules: swaps, projected values, ranges, null island, zeros.

    Parameters
    ----------
    lon, lat : ndarray of float
        Parsed coordinates (degrees, or what the file claims to be degrees).
    country : Series of str
        The rows' country, which decides whether a swap may be repaired.
    rows : Rows
        Receives the issues.
    lat_name, lon_name : str
        Column names for messages (``geometry`` for vector layers).
    crs_known : bool
        False when a vector layer came without a CRS.
    notes : list of str
        Receives the file-level notes.

    Returns
    -------
    tuple of ndarray
        ``(lon, lat)`` after repairs.
    """
    lon, lat = lon.copy(), lat.copy()
    geometry = lat_name == "geometry"
    alive = rows.alive

    def point(i: int) -> str:
        return f"POINT ({float(lon[i])!r} {float(lat[i])!r})"

    if geometry:
        for i in np.flatnonzero(alive & ~(np.isfinite(lon) & np.isfinite(lat))):
            rows.add(i, "geometry", point(i), reader_message("coordinate_nan"), "rejected")
        alive = rows.alive
    x0, y0, x1, y1 = WEST_AFRICA_BOX
    inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    swapped_inside = (lat >= x0) & (lat <= x1) & (lon >= y0) & (lon <= y1)
    swap = alive & ~inside & swapped_inside
    countries = country.tolist()
    for i in np.flatnonzero(swap):
        name = fold_text(countries[i])
        swap[i] = name == "" or name in _SWAP_COUNTRIES
    for i in np.flatnonzero(swap):
        rows.add(
            i,
            lat_name,
            lat[i] if not geometry else point(i),
            reader_message(
                "swapped", axis="longitude" if not geometry else "x", value=repr(float(lon[i]))
            ),
            "repaired",
        )
        lon[i], lat[i] = lat[i], lon[i]
    if swap.sum():
        notes.append(
            reader_message(
                "swapped_note",
                rows=count_noun(int(swap.sum()), "row"),
                lon=f"{x0:g}..{x1:g}",
                lat=f"{y0:g}..{y1:g}",
            )
        )
    projected = (
        alive
        & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
        & (np.maximum(np.abs(lon), np.abs(lat)) > 1000)
    )
    for i in np.flatnonzero(projected):
        rows.add(
            i,
            lat_name if np.abs(lat[i]) > 90 else lon_name,
            point(i) if geometry else (lat[i] if np.abs(lat[i]) > 90 else lon[i]),
            reader_message("projected", prj=" (no .prj)" if geometry and not crs_known else ""),
            "rejected",
        )
    alive = rows.alive
    for i in np.flatnonzero(alive & (np.abs(lat) > 90)):
        rows.add(
            i, lat_name, point(i) if geometry else lat[i], reader_message("lat_range"), "rejected"
        )
    alive = rows.alive
    for i in np.flatnonzero(alive & (np.abs(lon) > 180)):
        rows.add(
            i, lon_name, point(i) if geometry else lon[i], reader_message("lon_range"), "rejected"
        )
    alive = rows.alive
    for i in np.flatnonzero(alive & (lon == 0) & (lat == 0)):
        rows.add(
            i,
            lat_name,
            point(i) if geometry else lat[i],
            reader_message("null_island"),
            "rejected",
        )
    alive = rows.alive
    for i in np.flatnonzero(alive & ((lon == 0) ^ (lat == 0))):
        name = lat_name if lat[i] == 0 else lon_name
        rows.add(
            i,
            name,
            point(i) if geometry else 0.0,
            reader_message("exactly_zero"),
            "flagged",
        )
    alive = rows.alive
    outside = alive & ~((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
    if outside.any():
        notes.append(
            reader_message(
                "outside_box",
                points=count_noun(int(outside.sum()), "point"),
                lon=f"{x0:g}..{x1:g}",
                lat=f"{y0:g}..{y1:g}",
            )
        )
    return lon, lat


def count_noun(n: int, noun: str) -> str:
    """Return ``"1 row"`` or ``"3 rows"`` (a :data:`geo.validate.READER_MESSAGES` noun if known)."""
    key = f"n_{noun}" if n == 1 else f"n_{noun}s"
    if key in READER_MESSAGES:
        return reader_message(key, n=n)
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def parse_dates(
    values: pd.Series,
    column: str,
    formats: tuple[str, ...],
    rows: Rows,
    *,
    today: dt.date,
    notes: list[str],
) -> np.ndarray:
    """Parse dates in the source's explicit formats; impossible or unknown dates rejected.

    Parameters
    ----------
    values : Series of str
        The column as text.
    column : str
        Its name, for messages.
    formats : tuple of str
        Accepted format names (keys of the date patterns), tried in order.
    rows : Rows
        Receives the issues.
    today : datetime.date
        Later dates are flagged as future.
    notes : list of str
        Receives the file-level notes.

    Returns
    -------
    ndarray of datetime64[ns]
        NaT where the row was rejected.
    """
    s = values.astype(str).str.strip().reset_index(drop=True)
    # Each distinct text is matched once (a million rows carry a few thousand dates).
    codes, distinct = pd.factorize(s.to_numpy(dtype=object))
    u = pd.Series(distinct, dtype=object)
    n = len(u)
    year = np.full(n, -1, dtype=np.int64)
    month = np.full(n, -1, dtype=np.int64)
    day = np.full(n, -1, dtype=np.int64)
    matched = np.zeros(n, dtype=bool)
    zoned = np.zeros(n, dtype=bool)
    timed_text = np.zeros(n, dtype=bool)
    for name in formats:
        ext = u.str.extract("^" + _DATE_PATTERNS[name] + "$")
        hit = ext["y"].notna().to_numpy() & ~matched
        if "tz" in ext:
            zoned |= hit & ext["tz"].notna().to_numpy()
            timed_text |= hit & ext["time"].notna().to_numpy()
        if "mname" in ext:
            m = ext["mname"].str.lower().map(_MONTHS)
            hit &= m.notna().to_numpy()
            mm = m
        else:
            mm = ext["m"]
        year[hit] = ext["y"][hit].astype(int)
        month[hit] = pd.Series(mm)[hit].astype(int)
        day[hit] = ext["d"][hit].astype(int)
        matched |= hit
    year, month, day, matched, zoned = (a[codes] for a in (year, month, day, matched, zoned))
    timed = int(timed_text[codes].sum())
    utc_days = _utc_days(s, zoned & matched)
    for i, (y, m, d) in utc_days.items():
        if (y, m, d) != (year[i], month[i], day[i]):
            reason = reader_message("utc_date", date=f"{y:04d}-{m:02d}-{d:02d}")
            rows.add(i, column, s.iat[i], reason, "repaired")
            year[i], month[i], day[i] = y, m, d
    if timed:
        notes.append(reader_message("times_dropped", dates=count_noun(timed, "date")))
    alive = rows.alive
    allowed = ", ".join(formats)
    for i in np.flatnonzero(~matched & alive):
        if s.iat[i] == "":
            rows.add(i, column, "", reader_message("blank_date"), "rejected")
        else:
            reason = reader_message("bad_date", allowed=allowed)
            rows.add(i, column, s.iat[i], reason, "rejected")
    # Vectorised calendar check: an impossible day (30 February) gives NaT here, and
    # is reported per row; it never becomes a silent NaT in the result.
    in_range = matched & (year >= 1678) & (year <= 2261)
    parts = pd.DataFrame(
        {
            "year": np.where(in_range, year, 2000),
            "month": np.where(in_range, month, 1),
            "day": np.where(in_range, day, 1),
        }
    )
    parsed = pd.to_datetime(parts, errors="coerce").to_numpy(dtype="datetime64[ns]")
    for i in np.flatnonzero(matched & alive & ~in_range):
        rows.add(i, column, s.iat[i], reader_message("year_range"), "rejected")
    for i in np.flatnonzero(in_range & alive & np.isnat(parsed)):
        reason = reader_message("no_such_day")
        rows.add(i, column, s.iat[i], reason, "rejected")
    out = np.where(in_range, parsed, np.datetime64("NaT", "ns"))
    day_after = np.datetime64(today, "ns") + np.timedelta64(1, "D")
    ok = in_range & ~np.isnat(parsed) & rows.alive
    for i in np.flatnonzero(ok & (out >= day_after)):
        rows.add(i, column, s.iat[i], reader_message("future", today=today), "flagged")
    for i in np.flatnonzero(ok & (year < _EARLIEST_YEAR)):
        reason = reader_message("early", year=_EARLIEST_YEAR)
        rows.add(i, column, s.iat[i], reason, "flagged")
    return out


def _utc_days(s: pd.Series, zoned: np.ndarray) -> dict[int, tuple[int, int, int]]:
    """UTC (year, month, day) of the rows whose timestamp carries a zone offset."""
    out: dict[int, tuple[int, int, int]] = {}
    for i in np.flatnonzero(zoned):
        try:
            stamp = dt.datetime.fromisoformat(s.iat[i].replace(" ", "T"))
        except ValueError:
            continue  # reported by the calendar check
        if stamp.tzinfo is not None:
            d = stamp.astimezone(dt.UTC).date()
            out[int(i)] = (d.year, d.month, d.day)
    return out


_FIRST_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)")


def parse_fatalities(values: pd.Series, column: str | None, rows: Rows) -> np.ndarray:
    """Parse fatality counts; text such as ``12 (est.)`` gives its first figure, blanks 0.

    Parameters
    ----------
    values : Series of str
        The column as text.
    column : str, optional
        Its name (None: the file has none and every count is 0).
    rows : Rows
        Receives the issues.

    Returns
    -------
    ndarray of int64
    """
    s = values.astype(str).str.strip().reset_index(drop=True)
    out = np.zeros(len(s), dtype=np.int64)
    plain = s.str.fullmatch(r"\d{1,9}(?:\.0+)?").fillna(False).to_numpy(dtype=bool)
    out[plain] = s[plain].map(lambda v: int(float(v))).to_numpy(dtype=np.int64)
    if column is None:
        return out
    alive = rows.alive
    for i in np.flatnonzero(~plain & alive):
        v = s.iat[i]
        if v == "":
            rows.add(i, column, v, reader_message("fatalities_blank"), "repaired")
            continue
        if re.match(r"^-\s*\d", v):
            rows.add(i, column, v, reader_message("fatalities_negative"), "repaired")
            continue
        m = _FIRST_NUMBER.search(v)
        if m is None or fold_text(v) in _NO_NUMBER_WORDS:
            rows.add(i, column, v, reader_message("fatalities_nan"), "repaired")
            continue
        figure = int(m.group(1).replace(",", ""))
        if figure > 10**7:
            rows.add(i, column, v, reader_message("fatalities_implausible"), "repaired")
            continue
        out[i] = figure
        rows.add(
            i,
            column,
            v,
            reader_message("fatalities_range", figure=figure),
            "repaired",
        )
    return out


_NEWS_PRECISION = {"exact_site": 1, "town": 1, "near_town": 2, "district": 3, "region": 3}


def parse_geo_precision(
    values: pd.Series, column: str | None, family: str, rows: Rows, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (geo_precision 1..3, precise) following DESIGN.md's rules per source."""
    s = values.astype(str).str.strip().str.lower().reset_index(drop=True)
    n = len(s)
    if column is None:
        if family == "ucdp":
            notes.append(reader_message("no_where_prec"))
            return np.full(n, 2, dtype=np.int64), np.ones(n, dtype=bool)
        notes.append(reader_message("no_geo_precision"))
        return np.ones(n, dtype=np.int64), np.ones(n, dtype=bool)
    code = pd.to_numeric(s.str.replace(r"\.0+$", "", regex=True), errors="coerce")
    geo = np.full(n, 3, dtype=np.int64)
    precise = np.zeros(n, dtype=bool)
    if family == "ucdp":
        valid = code.between(1, 7) & (code % 1 == 0)
        c = code.fillna(0).to_numpy()
        geo = np.where(c == 1, 1, np.where(c == 2, 2, 3)).astype(np.int64)
        precise = c == 1  # where_prec 2 is "within 25 km": spread in exposure (DESIGN.md)
        allowed = "a where_prec code 1-7"
    elif family == "news" or (family == "user" and not code.notna().all()):
        words = s.map(_NEWS_PRECISION)
        valid = words.notna() | code.isin([1, 2, 3])
        geo = words.fillna(code.where(code.isin([1, 2, 3]))).fillna(3).to_numpy(dtype=np.int64)
        precise = s.isin(["exact_site", "town"]).to_numpy() | (code == 1).to_numpy()
        allowed = "one of exact_site, town, near_town, district (or 1-3)"
    else:
        valid = code.isin([1, 2, 3])
        geo = code.where(valid, 3).fillna(3).to_numpy(dtype=np.int64)
        precise = geo == 1
        allowed = "1, 2 or 3"
    valid_arr = valid.to_numpy(dtype=bool)
    for i in np.flatnonzero(~valid_arr & rows.alive):
        rows.add(
            i,
            column,
            s.iat[i],
            reader_message("bad_geo_precision", allowed=allowed),
            "repaired",
        )
        geo[i], precise[i] = 3, False
    return geo, precise


_DATE_PRECISION_WORDS = {"day": "day", "week": "week", "month": "month", "year": "year"}


def parse_date_precision(
    values: pd.Series, column: str | None, family: str, rows: Rows, notes: list[str]
) -> np.ndarray:
    """Return day | week | month (| year for UCDP date_prec 4-5) per row."""
    n = len(values)
    if column is None:
        if family != "news":
            notes.append(reader_message("no_date_precision"))
        return np.full(n, "day", dtype=object)
    s = values.astype(str).str.strip().str.lower().reset_index(drop=True)
    s = s.str.replace(r"\.0+$", "", regex=True)
    if family == "ucdp":
        table = {"1": "day", "2": "week", "3": "month", "4": "year", "5": "year"}
        allowed = "a date_prec code 1-5"
    else:
        table = {"1": "day", "2": "week", "3": "month", **_DATE_PRECISION_WORDS}
        allowed = "day, week, month (or 1-3)"
    mapped = s.map(table)
    for i in np.flatnonzero(mapped.isna().to_numpy() & rows.alive):
        rows.add(
            i, column, s.iat[i], reader_message("bad_date_precision", allowed=allowed), "repaired"
        )
    return mapped.fillna("month").to_numpy(dtype=object)
