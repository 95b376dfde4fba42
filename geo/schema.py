"""The canonical incident record and the one table that makes sources comparable.

Every reader turns its source into a GeoDataFrame with exactly
:data:`CANONICAL_COLUMNS` (EPSG:4326 points), so that an ACLED export, the UCDP
GED extract, the bundled news log and a user's own file can be combined.

Two derived fields are filled here and nowhere else:

``category``
    One harmonised class (:data:`CATEGORIES`) from :data:`CATEGORY_TABLE`, keyed
    by ``(source_family, event_type, sub_event_type)``; a keyword rule on the
    free text (:data:`KEYWORD_RULES`) may refine ``armed_attack``,
    ``violence_against_civilians``, ``explosive`` and ``other`` (whole-word
    match on folded text; ``*`` marks a prefix) into
    ``abduction``, ``attack_on_convoy`` or ``attack_on_site``. The rule used is
    written to ``category_rule`` (``table`` or ``keyword:<word>``) so a user can
    see which events were re-classed by keyword.
``precise``
    True when the point is the event's own place (ACLED ``geo_precision`` 1,
    UCDP ``where_prec`` 1, or 1-2 in an extract without the column, news
    ``town``/``exact_site``). Imprecise events count in admin totals, are left
    out of density maps by default and are spread over their uncertainty area
    in route and site exposure (:mod:`geo.exposure`).
``between_a``, ``between_b``
    The two towns of an event the source places "between A and B" (the
    bundled news logs and user files with these columns); ``""`` otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import WGS84
from geo.i18n import gettext_noop

__all__ = [
    "CANONICAL_COLUMNS",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "CATEGORY_TABLE",
    "CATEGORY_WEIGHT_WORDS",
    "ADMIN_LEVEL_NAMES",
    "EXPOSURE_CLASS_LABELS",
    "GEO_PRECISION_LABELS",
    "KEYWORD_RULES",
    "TREND_LABELS",
    "SOURCE_LABELS",
    "categorise",
    "empty_incidents",
    "fold_text",
]

#: Column order of the canonical incident record (the contract between modules).
CANONICAL_COLUMNS: list[str] = [
    "event_id",  # str, unique within source
    "source",  # acled | ucdp | news | user
    "event_date",  # datetime64[ns], day resolution, no time zone
    "date_precision",  # day | week | month
    "event_type",  # as the source gave it
    "sub_event_type",  # as the source gave it ("" when the source has none)
    "actor1",
    "actor2",
    "fatalities",  # int >= 0
    "location",  # place name as the source gave it
    "country",  # as the source gave it
    "admin1",  # as the source gave it
    "admin2",  # as the source gave it
    "geo_precision",  # int: 1 exact place, 2 near a place / within 25 km, 3 area centroid
    "precise",  # bool, derived
    "between_a",  # str: "between A and B" events name both towns ("" otherwise)
    "between_b",  # str
    "category",  # derived, one of CATEGORIES
    "category_rule",  # "table" or "keyword:<word>"
    "notes",
    "source_url",  # where the event is documented ("" when the source gives none)
    "source_file",  # file name the row came from (never a path)
    "source_row",  # int, row number as a spreadsheet shows it (header = row 1)
    "geometry",  # Point, EPSG:4326
]

CATEGORIES: tuple[str, ...] = (
    "abduction",
    "attack_on_convoy",
    "attack_on_site",
    "explosive",
    "armed_attack",
    "violence_against_civilians",
    "unrest",
    "other",
)

CATEGORY_LABELS: dict[str, str] = {
    "abduction": gettext_noop("Abduction / kidnapping"),
    "attack_on_convoy": gettext_noop("Attack on convoy or vehicles"),
    "attack_on_site": gettext_noop("Attack on mine, factory or worksite"),
    "explosive": gettext_noop("IED, landmine or shelling"),
    "armed_attack": gettext_noop("Armed attack or clash"),
    "violence_against_civilians": gettext_noop("Violence against civilians"),
    "unrest": gettext_noop("Protest or riot"),
    "other": gettext_noop("Other"),
}

#: Category -> the short words method texts use beside its weight ("abduction 1").
CATEGORY_WEIGHT_WORDS: dict[str, str] = {
    "abduction": gettext_noop("abduction"),
    "attack_on_convoy": gettext_noop("attack on convoy"),
    "attack_on_site": gettext_noop("attack on site"),
    "explosive": gettext_noop("IED or shelling"),
    "armed_attack": gettext_noop("armed attack"),
    "violence_against_civilians": gettext_noop("violence against civilians"),
    "unrest": gettext_noop("protest or riot"),
    "other": gettext_noop("other"),
}

SOURCE_LABELS: dict[str, str] = {
    "acled": gettext_noop("ACLED export (user file)"),
    "ucdp": gettext_noop("UCDP GED 21.1 (CC BY 4.0)"),
    "news": gettext_noop("News-compiled logs 2021-2026 (cited reports)"),
    "user": gettext_noop("User file"),
    "log": gettext_noop("The team's incident log"),
}

#: Admin level -> the name of its units (Mali: région > cercle > commune).
ADMIN_LEVEL_NAMES: dict[int, str] = {
    0: gettext_noop("Country"),
    1: gettext_noop("Region"),
    2: gettext_noop("Cercle"),
    3: gettext_noop("Commune"),
}

#: ``geo_precision`` code -> what the location is.
GEO_PRECISION_LABELS: dict[int, str] = {
    1: gettext_noop("exact place"),
    2: gettext_noop("near a place (within 25 km)"),
    3: gettext_noop("area (centroid)"),
}

#: Exposure class (``geo.exposure.EXPOSURE_CLASSES``) -> its word, as tables show it.
EXPOSURE_CLASS_LABELS: dict[str, str] = {
    "low": gettext_noop("low"),
    "medium": gettext_noop("medium"),
    "high": gettext_noop("high"),
    "critical": gettext_noop("critical"),
}

#: Site trend (``geo.sites``: last 90 days against the 90 before) -> its word.
TREND_LABELS: dict[str, str] = {
    "up": gettext_noop("up"),
    "down": gettext_noop("down"),
    "flat": gettext_noop("flat"),
}

#: (source family, event_type, sub_event_type or "*") -> category.
#: Event types are matched case-insensitively after :func:`fold_text`.
CATEGORY_TABLE: dict[tuple[str, str, str], str] = {
    # ACLED (codebook 2023+; older exports use the same six event types)
    ("acled", "battles", "*"): "armed_attack",
    ("acled", "explosions/remote violence", "*"): "explosive",
    (
        "acled",
        "violence against civilians",
        "abduction/forced disappearance",
    ): "abduction",
    ("acled", "violence against civilians", "*"): "violence_against_civilians",
    ("acled", "protests", "*"): "unrest",
    ("acled", "riots", "*"): "unrest",
    ("acled", "strategic developments", "looting/property destruction"): "other",
    ("acled", "strategic developments", "*"): "other",
    # UCDP GED type_of_violence (codes or words)
    ("ucdp", "1", "*"): "armed_attack",
    ("ucdp", "state-based violence", "*"): "armed_attack",
    ("ucdp", "2", "*"): "armed_attack",
    ("ucdp", "non-state violence", "*"): "armed_attack",
    ("ucdp", "3", "*"): "violence_against_civilians",
    ("ucdp", "one-sided violence", "*"): "violence_against_civilians",
    # News log (data/incidents/news_events_western_mali.csv)
    ("news", "armed_attack", "*"): "armed_attack",
    ("news", "kidnapping", "*"): "abduction",
    ("news", "convoy_attack", "*"): "attack_on_convoy",
    ("news", "attack_on_site", "*"): "attack_on_site",
    ("news", "ied", "*"): "explosive",
    ("news", "other", "*"): "other",
    # User files: a `category` column with one of CATEGORIES wins; else these words
    ("user", "abduction", "*"): "abduction",
    ("user", "kidnapping", "*"): "abduction",
    ("user", "attack_on_convoy", "*"): "attack_on_convoy",
    ("user", "convoy_attack", "*"): "attack_on_convoy",
    ("user", "attack_on_site", "*"): "attack_on_site",
    ("user", "explosive", "*"): "explosive",
    ("user", "ied", "*"): "explosive",
    ("user", "armed_attack", "*"): "armed_attack",
    ("user", "violence_against_civilians", "*"): "violence_against_civilians",
    ("user", "unrest", "*"): "unrest",
}

#: Keyword rules on folded free text (notes, sub-event type), applied in order to
#: events whose table category is one of REFINABLE. French and English words.
KEYWORD_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("abduction", ("enlev*", "kidnap*", "abduct*", "otage*", "hostage*", "rapt")),
    (
        "attack_on_convoy",
        (
            "citerne*",
            "tanker*",
            "convoi*",
            "convoy*",
            "camion*",
            "truck*",
            "bus",
            "buses",
            "minibus*",
        ),
    ),
    (
        "attack_on_site",
        (
            "site minier",
            "sites miniers",
            "gold mine*",
            "mine d'or",
            "usine*",
            "factory",
            "factories",
            "chantier*",
            "worksite*",
            "orpaillage",
            "mining site*",
            "cimenterie*",
        ),
    ),
]
_KEYWORD_RE = {
    w: re.compile(r"\b" + re.escape(w.rstrip("*")) + ("" if w.endswith("*") else r"\b"))
    for _, ws in KEYWORD_RULES
    for w in ws
}
_RULE_RE = {
    target: re.compile("|".join(_KEYWORD_RE[w].pattern for w in words))
    for target, words in KEYWORD_RULES
}
_REFINABLE = {"armed_attack", "violence_against_civilians", "explosive", "other"}


def fold_text(text: object) -> str:
    """Lower-case, strip accents and collapse spaces, for matching only.

    Parameters
    ----------
    text : object
        Any value; ``None`` and NaN give ``""``.

    Returns
    -------
    str
        The folded text.

    Examples
    --------
    >>> fold_text("  Enlèvement   à Kéniéba ")
    'enlevement a kenieba'
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", s).strip().lower()


def _table_category(family: str, event_type: str, sub_event_type: str) -> str | None:
    et, st = fold_text(event_type), fold_text(sub_event_type)
    return CATEGORY_TABLE.get((family, et, st)) or CATEGORY_TABLE.get((family, et, "*"))


def categorise(
    family: str,
    event_types: Iterable[object],
    sub_event_types: Iterable[object],
    texts: Iterable[object],
) -> tuple[list[str], list[str]]:
    """Map source event types to :data:`CATEGORIES` with the documented rules.

    Parameters
    ----------
    family : str
        Source family: ``acled``, ``ucdp``, ``news`` or ``user``.
    event_types, sub_event_types, texts : iterable
        Aligned per-event values; ``texts`` is the free text searched by
        :data:`KEYWORD_RULES` (notes, summary).

    Returns
    -------
    categories, rules : list of str
        The category of each event and the rule that gave it (``table``,
        ``keyword:<word>`` or ``default`` when the table has no entry).

    Notes
    -----
    Each distinct (event type, sub-event type) pair is looked up once and each
    distinct text is folded and searched once, so a 100,000-row export with
    repeated types costs one pass over its distinct notes.

    Examples
    --------
    >>> categorise("acled", ["Battles"], ["Armed clash"], ["convoi de citernes attaqué"])
    (['attack_on_convoy'], ['keyword:citerne'])
    >>> categorise("ucdp", ["3"], [""], [""])
    (['violence_against_civilians'], ['table'])
    """
    types = ["" if t is None else str(t) for t in event_types]
    subs = ["" if t is None else str(t) for t in sub_event_types]
    notes = list(texts)
    if not len(types) == len(subs) == len(notes):
        raise ValueError("event_types, sub_event_types and texts must have the same length")
    table: dict[tuple[str, str], str | None] = {}
    refined: dict[tuple[str, object], tuple[str, str] | None] = {}
    cats: list[str] = []
    rules: list[str] = []
    for et, st, text in zip(types, subs, notes, strict=True):
        key = (et, st)
        if key not in table:
            table[key] = _table_category(family, et, st)
        cat, rule = table[key], "table"
        if cat is None:
            cat, rule = "other", "default"
        if cat in _REFINABLE:
            rkey = (st, "" if _missing(text) else str(text))
            if rkey not in refined:
                refined[rkey] = _keyword(_fold_ascii(f"{rkey[0]} {rkey[1]}"))
            hit = refined[rkey]
            if hit is not None:
                cat, rule = hit
        cats.append(cat)
        rules.append(rule)
    return cats, rules


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _fold_ascii(text: str) -> str:
    """Lower-case ASCII fold for keyword search (the keywords are ASCII)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _keyword(folded: str) -> tuple[str, str] | None:
    """First keyword rule that matches folded text: (category, rule) or None."""
    for target, words in KEYWORD_RULES:
        m = _RULE_RE[target].search(folded)
        if m is None:
            continue
        # Report the rule's first word that matches, in the table's order.
        w = next(w for w in words if _KEYWORD_RE[w].search(folded))
        return target, f"keyword:{w.rstrip('*')}"
    return None


def empty_incidents() -> gpd.GeoDataFrame:
    """Return an empty canonical incident table with the right dtypes.

    Returns
    -------
    GeoDataFrame
        Zero rows, :data:`CANONICAL_COLUMNS`, EPSG:4326.
    """
    df = pd.DataFrame({c: pd.Series(dtype="object") for c in CANONICAL_COLUMNS[:-1]})
    df["event_date"] = pd.Series(dtype="datetime64[ns]")
    df["fatalities"] = pd.Series(dtype="int64")
    df["geo_precision"] = pd.Series(dtype="int64")
    df["source_row"] = pd.Series(dtype="int64")
    df["precise"] = pd.Series(dtype="bool")
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
