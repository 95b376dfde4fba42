"""Source column families: which columns an ACLED, UCDP, news-log or user file holds.

The attribute columns say which source a file is: ``event_id_cnty`` or
``event_id_no_cnty`` → ACLED export; ``type_of_violence`` with ``best`` or
``best_death`` → UCDP GED; ``event_id``, ``location_precision`` and
``source_url`` → the bundled news log; anything else → a user file read
through :data:`COLUMN_ALIASES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.errors import InputFileError
from geo.io.fields import count_noun
from geo.schema import categorise
from geo.validate import reader_message

if TYPE_CHECKING:
    from geo.io.tables import RawTable

__all__ = [
    "ACLED_COLUMNS",
    "COLUMN_ALIASES",
    "DATE_FORMATS",
    "NEWS_COLUMNS",
    "REQUIRED",
    "UCDP_COLUMNS",
    "UCDP_URL",
    "UCDP_VIOLENCE",
    "detect_family",
    "map_columns",
    "merge_dyadic",
    "categorise_rows",
    "other_tables",
    "require_columns",
    "source_notes",
]


#: Where UCDP GED is published (UCDP rows have no per-event page).
UCDP_URL = "https://ucdp.uu.se/downloads/"


#: Column names accepted in user files (CSV and vector attributes), matched
#: case-insensitively after trimming; shapefile-truncated names included. When
#: several are present the first in this order wins, except for latitude and
#: longitude, where two candidates are an error. Each mapping that renames a
#: column is written to the report's notes.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "latitude": ("latitude", "lat", "y", "lat_dd", "latitude_dd", "decimal_latitude"),
    "longitude": (
        "longitude",
        "lon",
        "lng",
        "long",
        "x",
        "lon_dd",
        "longitude_dd",
        "decimal_longitude",
    ),
    "event_id": ("event_id", "event_id_cnty", "event_id_c", "id", "eventid", "incident_id"),
    "event_date": ("event_date", "date", "date_start", "incident_date"),
    "date_precision": ("date_precision", "date_preci", "time_precision", "time_preci"),
    "event_type": ("event_type", "type", "incident_type"),
    "sub_event_type": ("sub_event_type", "sub_event_", "sub_event", "subtype", "sub_type"),
    "actor1": ("actor1", "actor", "perpetrator", "side_a"),
    "actor2": ("actor2", "target", "side_b"),
    "fatalities": ("fatalities", "deaths", "killed", "best"),
    "location": ("location", "place", "town", "place_name", "locality"),
    "country": ("country",),
    "admin1": ("admin1", "region", "adm1", "adm_1"),
    "admin2": ("admin2", "cercle", "adm2", "adm_2"),
    "geo_precision": (
        "geo_precision",
        "geo_precis",
        "location_precision",
        "location_p",
        "precision",
    ),
    "notes": ("notes", "description", "summary", "comment", "comments"),
    "source_url": ("source_url", "url", "link", "source_ur"),
    "category": ("category",),
    "between_a": ("between_a",),
    "between_b": ("between_b",),
}


# Column of each source schema for each canonical field (None: the source has none).
ACLED_COLUMNS: dict[str, str] = {
    "event_id": "event_id_cnty",
    "event_date": "event_date",
    "date_precision": "time_precision",
    "event_type": "event_type",
    "sub_event_type": "sub_event_type",
    "actor1": "actor1",
    "actor2": "actor2",
    "fatalities": "fatalities",
    "location": "location",
    "country": "country",
    "admin1": "admin1",
    "admin2": "admin2",
    "geo_precision": "geo_precision",
    "notes": "notes",
    "source": "source",
    "latitude": "latitude",
    "longitude": "longitude",
}


UCDP_COLUMNS: dict[str, str] = {
    "event_id": "id",
    "event_date": "date_start",
    "date_precision": "date_prec",
    "event_type": "type_of_violence",
    "actor1": "side_a",
    "actor2": "side_b",
    "fatalities": "best",
    "location": "where_coordinates",
    "country": "country",
    "admin1": "adm_1",
    "admin2": "adm_2",
    "geo_precision": "where_prec",
    "latitude": "latitude",
    "longitude": "longitude",
}


NEWS_COLUMNS: dict[str, str] = {
    "event_id": "event_id",
    "event_date": "event_date",
    "date_precision": "date_precision",
    "event_type": "event_type",
    "sub_event_type": "sub_event",
    "actor1": "actor",
    "actor2": "target",
    "fatalities": "fatalities",
    "location": "place",
    "country": "country",
    "admin1": "admin1",
    "geo_precision": "location_precision",
    "notes": "summary",
    "source_url": "source_url",
    "latitude": "latitude",
    "longitude": "longitude",
    "between_a": "between_a",
    "between_b": "between_b",
}


REQUIRED: dict[str, tuple[str, ...]] = {
    "acled": ("event_id", "event_date", "event_type"),
    "ucdp": ("event_id", "event_type", "fatalities"),
    "news": ("event_id", "event_date", "event_type"),
    "user": ("event_date",),
}


UCDP_VIOLENCE = {"1": "State-based violence", "2": "Non-state violence", "3": "One-sided violence"}


# Date formats accepted per source family, by name; all are unambiguous.
DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "acled": ("dd-mm-yyyy", "dd Month yyyy", "yyyy-mm-dd"),
    "ucdp": ("yyyy-mm-dd",),
    "news": ("yyyy-mm-dd",),
    "user": ("yyyy-mm-dd", "dd-mm-yyyy", "dd Month yyyy"),
}


def detect_family(columns: Iterable[str]) -> str:
    """Return ``acled``, ``ucdp``, ``news`` or ``user`` from a file's column names."""
    cols = {c.lower() for c in columns}
    if "event_id_cnty" in cols or "event_id_no_cnty" in cols:
        return "acled"
    if "type_of_violence" in cols and ({"best", "best_death"} & cols):
        return "ucdp"
    if {"event_id", "location_precision", "source_url"} <= cols:
        return "news"
    return "user"


def map_columns(table: RawTable, family: str) -> dict[str, str]:
    """Canonical field -> column name in the file (present columns only)."""
    by_lower = {c.lower(): c for c in table.df.columns}
    if family == "user":
        mapping: dict[str, str] = {}
        for target, aliases in COLUMN_ALIASES.items():
            if target in ("latitude", "longitude") and table.lon is not None:
                continue
            hits = [c for c in table.df.columns if c.lower() in aliases]  # file order
            if len(hits) > 1 and target not in ("latitude", "longitude"):
                hits = [by_lower[next(a for a in aliases if a in by_lower)]]  # preferred alias
            if len(hits) > 1:
                raise InputFileError(
                    f"{table.file}: columns {', '.join(map(repr, hits))} could all be the "
                    f"{target}; keep one of them."
                )
            if hits:
                mapping[target] = hits[0]
                if hits[0] != target:
                    table.notes.append(
                        reader_message("column_mapped", column=repr(hits[0]), target=target)
                    )
        return mapping
    spec = {"acled": ACLED_COLUMNS, "ucdp": UCDP_COLUMNS, "news": NEWS_COLUMNS}[family]
    mapping = {k: by_lower[v] for k, v in spec.items() if v in by_lower}
    if family == "ucdp" and "fatalities" not in mapping and "best_death" in by_lower:
        mapping["fatalities"] = by_lower["best_death"]
    return mapping


def require_columns(table: RawTable, family: str, mapping: dict[str, str]) -> None:
    """Refuse a file without its family's required columns, listing what it has.

    Raises
    ------
    InputFileError
        Naming the missing fields, the columns found and the accepted names.
    """
    needed = list(REQUIRED[family])
    if table.lon is None:
        needed += ["latitude", "longitude"]
    missing = [f for f in needed if f not in mapping]
    if family == "ucdp" and "event_date" not in mapping:
        cols = {c.lower() for c in table.df.columns}
        if not {"year", "month", "day"} <= cols:
            missing.append("event_date")
    if not missing:
        return
    found = ", ".join(repr(c) for c in list(table.df.columns)[:30]) or "none"
    if family == "user":
        hints = "; ".join(f"{f}: {', '.join(COLUMN_ALIASES[f])}" for f in missing)
        raise InputFileError(
            f"{table.file}: no {' / '.join(missing)} column; found columns: {found}. "
            f"Accepted names (any case): {hints}."
        )
    spec = {"acled": ACLED_COLUMNS, "ucdp": UCDP_COLUMNS, "news": NEWS_COLUMNS}[family]
    names = ", ".join(repr(spec.get(f, f)) for f in missing)
    raise InputFileError(
        f"{table.file} looks like {'an' if family == 'acled' else 'a'} {family.upper()} file "
        f"but has no {names} column; found columns: {found}."
    )


def categorise_rows(
    family: str, event_type: pd.Series, sub_event_type: pd.Series, text: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Return :func:`geo.schema.categorise` of aligned rows, each distinct triple computed once.

    Parameters
    ----------
    family : str
        Source family of the table.
    event_type, sub_event_type, text : Series
        Aligned per-row values (any index).

    Returns
    -------
    categories, rules : ndarray of str (object)
        Per row, as :func:`geo.schema.categorise` gives them.

    Notes
    -----
    The rows are factorised on (event type, sub-event type, text) with
    vectorised pandas code and only the distinct triples go through the rules
    (a Python loop): a file of a million rows with repeated types and notes
    costs a pass over its distinct ones.
    """
    key = np.zeros(len(event_type), dtype=np.int64)
    for part in (event_type, sub_event_type, text):
        codes, distinct = pd.factorize(part.to_numpy(dtype=object), use_na_sentinel=False)
        key, _ = pd.factorize(key * len(distinct) + codes)
    first = np.unique(key, return_index=True)[1]
    cats, rules = categorise(
        family,
        event_type.iloc[first].tolist(),
        sub_event_type.iloc[first].tolist(),
        text.iloc[first].tolist(),
    )
    return np.asarray(cats, dtype=object)[key], np.asarray(rules, dtype=object)[key]


def other_tables(
    categories: np.ndarray,
    rules: np.ndarray,
    event_type: pd.Series,
    sub_event_type: pd.Series,
    text: pd.Series,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """For user rows the user table does not know, try the ACLED then the UCDP types."""
    categories, rules = categories.copy(), rules.copy()
    for family in ("acled", "ucdp"):
        todo = np.flatnonzero(rules == "default")
        if not todo.size:
            break
        cats, why = categorise_rows(
            family, event_type.iloc[todo], sub_event_type.iloc[todo], text.iloc[todo]
        )
        hit = why != "default"
        categories[todo[hit]], rules[todo[hit]] = cats[hit], why[hit]
        if hit.any():
            notes.append(
                reader_message(
                    "types_matched", rows=count_noun(int(hit.sum()), "row"), family=family.upper()
                )
            )
    return categories, rules


def source_notes(
    table: RawTable, family: str, mapping: dict[str, str], col: Callable[[str], pd.Series]
) -> pd.Series:
    """Return each row's notes text, with the family's extra columns (source, victims...)."""
    by_lower = {c.lower(): c for c in table.df.columns}

    def extra(name: str) -> pd.Series:
        c = by_lower.get(name)
        return table.df[c].astype(str) if c is not None else pd.Series([""] * len(table.df))

    if family == "acled":
        text = col("notes").astype(str)
        src = col("source").astype(str)
        return _join(text, src.where(src == "", "Source: " + src))
    if family == "ucdp":
        return _join(
            extra("conflict_name"),
            extra("where_description"),
            extra("source_headline"),
            sep="; ",
        )
    if family == "news":
        victims = extra("victims_count")
        nations = extra("nationalities")
        return _join(
            col("notes").astype(str),
            victims.where(victims == "", "Victims: " + victims),
            nations.where(nations == "", "Nationalities: " + nations),
        )
    return col("notes").astype(str)


def _join(*parts: pd.Series, sep: str = " ") -> pd.Series:
    """Join aligned text columns row by row, skipping blanks."""
    columns = [p.astype(str).tolist() for p in parts]
    joined = [sep.join(v for v in vals if v) for vals in zip(*columns, strict=True)]
    return pd.Series(joined, dtype=object)


#: ACLED columns that differ between the rows of one event in a dyadic export.
DYADIC_COLUMNS: tuple[str, ...] = (
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
)


def merge_dyadic(table: RawTable, id_column: str) -> None:
    """Merge the rows of an ACLED dyadic export (one row per actor pair) into one event each.

    Rows that repeat an event id, each with its own actor pair, and agree on
    every column except :data:`DYADIC_COLUMNS` are one event: the first row is kept, each actor
    column lists the distinct values of all its rows joined by ``"; "`` (file
    order), and the other rows are folded into it, with a note. Rows that
    differ elsewhere, or repeat an actor pair, are true duplicates and are left
    to the duplicate rule.

    Parameters
    ----------
    table : RawTable
        An ACLED table; modified in place (rows, notes).
    id_column : str
        Its event id column.
    """
    df = table.df
    ids = df[id_column].astype(str)
    repeated = (ids.duplicated(keep=False) & (ids != "") & ~table.rejected).to_numpy()
    lower = {c.lower(): c for c in df.columns}
    actors = [lower[c] for c in DYADIC_COLUMNS if c in lower]
    if not repeated.any() or not actors:
        return
    others = [c for c in df.columns if c not in actors]
    folded: list[int] = []
    events: list[int] = []
    for positions in pd.Series(np.flatnonzero(repeated)).groupby(ids[repeated].to_numpy()):
        rows = positions[1].to_numpy()
        pairs = {tuple(r) for r in df.iloc[rows][actors].itertuples(index=False)}
        if len(pairs) != len(rows) or (df.iloc[rows][others].nunique(dropna=False) > 1).any():
            continue  # a repeated actor pair, or a difference beyond the actors: a duplicate
        for c in actors:
            values = dict.fromkeys(v for v in df[c].iloc[rows] if v)
            df.iat[rows[0], df.columns.get_loc(c)] = "; ".join(values)
        events.append(int(table.rows[rows[0]]))
        folded.extend(rows[1:].tolist())
    if not folded:
        return
    keep = np.ones(len(df), dtype=bool)
    keep[folded] = False
    kept_rows = set(table.rows[keep].tolist())
    table.df = df[keep].reset_index(drop=True)
    table.rows = table.rows[keep]
    table.rejected = table.rejected[keep]
    for name in ("lon", "lat", "area_rows"):
        values = getattr(table, name)
        if values is not None:
            setattr(table, name, values[keep])
    table.issues = [i for i in table.issues if i.row in kept_rows]
    first = ", ".join(map(str, sorted(events)[:5])) + ("..." if len(events) > 5 else "")
    table.notes.append(
        f"ACLED dyadic export: {count_noun(len(folded) + len(events), 'row')} (one per actor "
        f"pair) merged into {count_noun(len(events), 'event')} that list all their actors "
        f"(kept as {table.row_label}s {first})"
    )
