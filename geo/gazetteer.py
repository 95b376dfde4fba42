"""Find a town by name, with or without accents, case, punctuation or French spellings.

The towns layer (:func:`geo.io.bundled.load_towns`, OSM ``name:latin``) has one
name column and no alternate names, so matching works on keys derived from
that name:

1. **folded**: Unicode accents stripped (NFKD), case folded, hyphens,
   apostrophes (``'`` and ``’``), dots and repeated spaces made one space:
   ``"Kéniéba"`` → ``"kenieba"``, ``"M’Pessoba"`` → ``"m pessoba"``.
2. **spelling**: the folded key with the French-vs-English transliterations of
   Mande and Songhay names rewritten to one form (``dj`` → ``j``,
   ``ou`` → ``u``, ``tch``/``ch`` → ``sh``, ``gu`` before e/i → ``g``,
   ``c`` not before e/i/y → ``k``, ``qu`` → ``k``, ``y`` → ``i``, ``ph`` → ``f``,
   double letters single, spaces dropped): ``"Segu"``, ``"Segou"`` and
   ``"Ségou"`` share ``"segu"``; ``"Jenne"`` finds ``"Djenné"``.
3. **alias**: a short list of English exonyms with no rule behind them
   (``"Timbuktu"`` → ``"Tombouctou"``), applied only when the target is in
   the layer.
4. **prefix**: the query is the first words of a name (``"Nioro"`` →
   ``"Nioro du Sahel"``, ``"Nioro du Rip"``); offered, never taken for the town.
5. **fuzzy**: otherwise, :class:`difflib.SequenceMatcher` ratio between
   spelling keys; the best ones are the "did you mean" suggestions.

Several towns share a name (three "Touba": CIV, MLI, SEN). Each town has a
unique ``label``: the name alone when it is unique, ``"Touba (SEN)"`` when the
country tells them apart, and the coordinates as well when it does not
(``"Dialakoro (MLI, 11.44°N 7.23°W)"``). :func:`resolve_town` accepts a label
or an unambiguous name and raises with the candidates otherwise.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import GEOD
from geo.errors import ParameterError
from geo.settings import DEFAULTS

__all__ = [
    "ALIASES",
    "Gazetteer",
    "TownMatch",
    "UnknownTownError",
    "AmbiguousTownError",
    "fold_name",
    "spelling_key",
    "build_gazetteer",
    "match_town",
    "resolve_town",
]

#: English exonym (folded) -> the name in the towns layer. Only names whose
#: English form no transliteration rule reaches.
ALIASES: dict[str, str] = {
    "timbuktu": "Tombouctou",
    "timbuctoo": "Tombouctou",
}

#: Points with one name in one country closer than this are one town (km).
_REPEAT_KM = 2.0

#: Score of each kind of match, best first.
_SCORES = {
    "exact": 1.0,
    "label": 1.0,
    "folded": 0.97,
    "spelling": 0.93,
    "alias": 0.9,
    "prefix": 0.85,
}

_SEPARATORS = re.compile(r"[\s\-'’‘`.,/_()]+")
# Order matters: longer patterns first.
_SPELLING_RULES: tuple[tuple[str, str], ...] = (
    (r"tch", "sh"),
    (r"ch", "sh"),
    (r"dj", "j"),
    (r"ou", "u"),
    (r"w", "u"),
    (r"qu", "k"),
    (r"gu(?=[ei])", "g"),
    (r"c(?![eiy])", "k"),
    (r"ck", "k"),
    (r"ph", "f"),
    (r"y", "i"),
    (r"(.)\1+", r"\1"),
)


class UnknownTownError(ParameterError):
    """No town matches a name; the message lists the closest names."""


class AmbiguousTownError(ParameterError):
    """Several towns carry the name; the message lists their labels."""


@dataclass(frozen=True)
class TownMatch:
    """One town found for a query.

    Attributes
    ----------
    label : str
        The town's unique label (see the module docstring).
    name : str
        Its name in the towns layer.
    country : str
        ISO3 code.
    lon, lat : float
        EPSG:4326 coordinates.
    row : int
        Position of the town in :attr:`Gazetteer.towns`.
    score : float
        1.0 for an exact name or label, 0.97 folded, 0.93 same spelling key,
        0.9 alias, 0.85 prefix, otherwise the fuzzy ratio (0..1).
    kind : str
        ``exact``, ``label``, ``folded``, ``spelling``, ``alias``, ``prefix``
        or ``fuzzy``.
    """

    label: str
    name: str
    country: str
    lon: float
    lat: float
    row: int
    score: float
    kind: str


@dataclass(frozen=True)
class Gazetteer:
    """Towns with their match keys, built by :func:`build_gazetteer`.

    Attributes
    ----------
    towns : GeoDataFrame
        The towns (EPSG:4326), reset index, with added columns ``label``,
        ``folded`` and ``spelling``.
    """

    towns: gpd.GeoDataFrame

    @property
    def labels(self) -> list[str]:
        """Every town's unique label, sorted by folded name (for a select box)."""
        order = self.towns.sort_values(["folded", "label"]).index
        return self.towns.loc[order, "label"].tolist()


def fold_name(name: str) -> str:
    """Return a name without accents, case, or punctuation between words.

    Parameters
    ----------
    name : str
        Any place name.

    Returns
    -------
    str
        Lower-case ASCII-ish words separated by one space.

    Examples
    --------
    >>> fold_name("Kéniéba")
    'kenieba'
    >>> fold_name("  M’Pessoba ")
    'm pessoba'
    >>> fold_name("Tié-N’Diékro")
    'tie n diekro'
    """
    decomposed = unicodedata.normalize("NFKD", str(name))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", stripped.casefold()).strip()


def spelling_key(name: str) -> str:
    """Return the key under which French and English spellings of a name meet.

    Parameters
    ----------
    name : str
        Any place name.

    Returns
    -------
    str
        The folded name with the rules of the module docstring applied and
        spaces removed.

    Examples
    --------
    >>> spelling_key("Ségou") == spelling_key("Segu")
    True
    >>> spelling_key("Djenné") == spelling_key("Jenne")
    True
    >>> spelling_key("Kalaban Coura") == spelling_key("Kalaban-Kura")
    True
    """
    key = fold_name(name).replace(" ", "")
    for pattern, repl in _SPELLING_RULES:
        key = re.sub(pattern, repl, key)
    return key


def build_gazetteer(towns: gpd.GeoDataFrame) -> Gazetteer:
    """Index a towns layer for matching.

    Parameters
    ----------
    towns : GeoDataFrame
        Points with ``name`` and ``country`` columns, EPSG:4326 (the layer of
        :func:`geo.io.bundled.load_towns`). Not modified.

    Returns
    -------
    Gazetteer
        The towns with unique labels and match keys; points with one name in
        one country less than 2 km apart count once (the city kept).

    Raises
    ------
    ParameterError
        If a column is missing or the layer is not in EPSG:4326.
    """
    missing = [c for c in ("name", "country") if c not in towns.columns]
    if missing:
        raise ParameterError(f"build_gazetteer: the towns layer has no column {missing[0]!r}.")
    if towns.crs is None or towns.crs.to_epsg() != 4326:
        raise ParameterError(
            f"build_gazetteer: the towns layer is in {towns.crs!r}; reproject it to EPSG:4326."
        )
    table = towns[towns["name"].notna() & (towns["name"].astype(str).str.strip() != "")].copy()
    table["name"] = table["name"].astype(str).str.strip()
    table["folded"] = table["name"].map(fold_name)
    table["spelling"] = table["name"].map(spelling_key)
    table = _drop_repeats(table).reset_index(drop=True)
    table["label"] = _labels(table)
    return Gazetteer(towns=table)


def _drop_repeats(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Keep one of the points with one name in one country closer than the repeat distance.

    OSM maps Koutiala twice (a city and a town node, 0.5 km apart): one
    place. The first row is kept, a ``place_class`` "city" before a "town".
    """
    if "place_class" in table.columns:
        table = table.iloc[table["place_class"].ne("city").to_numpy().argsort(kind="stable")]
    lon = table.geometry.x.to_numpy()
    lat = table.geometry.y.to_numpy()
    keep = np.ones(len(table), dtype=bool)
    groups = table.groupby(["folded", "country"], sort=False).indices
    for rows in groups.values():
        for j, b in enumerate(rows[1:], start=1):
            for a in rows[:j]:
                km = GEOD.inv(lon[a], lat[a], lon[b], lat[b])[2] / 1000.0
                if keep[a] and km < _REPEAT_KM:
                    keep[b] = False
                    break
    return table[keep].sort_index()


def _labels(table: gpd.GeoDataFrame) -> pd.Series:
    """Name, then name and country, then name, country and coordinates: the first that is unique."""
    by_name = table.groupby("folded")["folded"].transform("size")
    by_country = table.groupby(["folded", "country"])["folded"].transform("size")
    labels = []
    for i, row in table.iterrows():
        if by_name[i] == 1:
            labels.append(row["name"])
        elif by_country[i] == 1:
            labels.append(f"{row['name']} ({row['country']})")
        else:
            pt = row.geometry
            ns = "N" if pt.y >= 0 else "S"
            ew = "E" if pt.x >= 0 else "W"
            labels.append(
                f"{row['name']} ({row['country']}, {abs(pt.y):.2f}°{ns} {abs(pt.x):.2f}°{ew})"
            )
    return pd.Series(labels, index=table.index)


def _match(gaz: Gazetteer, row: int, score: float, kind: str) -> TownMatch:
    town = gaz.towns.iloc[row]
    return TownMatch(
        label=town["label"],
        name=town["name"],
        country=str(town["country"]),
        lon=float(town.geometry.x),
        lat=float(town.geometry.y),
        row=int(row),
        score=float(score),
        kind=kind,
    )


def match_town(
    gaz: Gazetteer,
    query: str,
    *,
    limit: int = DEFAULTS.gazetteer_suggestions,
    min_score: float = DEFAULTS.gazetteer_min_score,
) -> list[TownMatch]:
    """Return the towns matching a query, best first.

    Parameters
    ----------
    gaz : Gazetteer
        From :func:`build_gazetteer`.
    query : str
        A name or label typed by a user.
    limit : int
        At most this many fuzzy matches (exact, folded, spelling and alias
        matches are always all returned).
    min_score : float
        Fuzzy matches below this ratio are left out.

    Returns
    -------
    list of TownMatch
        Every town sharing the best kind of key with the query; when none does,
        the towns whose name starts with the query's words, then fuzzy
        matches of at least ``min_score``, best first (``limit`` in all
        unless more prefix matches).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> towns = gpd.GeoDataFrame(
    ...     {"name": ["Kéniéba", "Ségou"], "country": ["MLI", "MLI"]},
    ...     geometry=[Point(-11.24, 12.84), Point(-6.27, 13.44)], crs=4326)
    >>> [(m.name, m.kind) for m in match_town(build_gazetteer(towns), "KENIEBA")]
    [('Kéniéba', 'folded')]
    >>> [(m.name, m.kind) for m in match_town(build_gazetteer(towns), "Segu")]
    [('Ségou', 'spelling')]
    """
    text = str(query).strip()
    if not text:
        return []
    table = gaz.towns
    folded = fold_name(text)
    key = spelling_key(text)
    tiers = (
        ("label", table["label"] == text),
        ("exact", table["name"] == text),
        ("folded", (table["folded"] == folded) | (table["label"].map(fold_name) == folded)),
        ("spelling", table["spelling"] == key),
    )
    for kind, hits in tiers:
        if hits.any():
            return [_match(gaz, r, _SCORES[kind], kind) for r in hits.to_numpy().nonzero()[0]]
    alias = ALIASES.get(folded)
    if alias is not None:
        hits = table["name"] == alias
        if hits.any():
            return [_match(gaz, r, _SCORES["alias"], "alias") for r in hits.to_numpy().nonzero()[0]]
    words = table["folded"].str.startswith(folded + " ")
    prefix = [_match(gaz, r, _SCORES["prefix"], "prefix") for r in words.to_numpy().nonzero()[0]]
    fuzzy = _fuzzy(gaz, key, limit=limit, min_score=min_score)
    seen = {m.row for m in prefix}
    return (prefix + [m for m in fuzzy if m.row not in seen])[: max(limit, len(prefix))]


def _fuzzy(gaz: Gazetteer, key: str, *, limit: int, min_score: float) -> list[TownMatch]:
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(key)
    scores = []
    for row, candidate in enumerate(gaz.towns["spelling"]):
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() < min_score or matcher.quick_ratio() < min_score:
            continue
        ratio = matcher.ratio()
        if ratio >= min_score:
            scores.append((ratio, row))
    scores.sort(key=lambda item: (-item[0], gaz.towns["folded"].iat[item[1]]))
    return [_match(gaz, row, ratio, "fuzzy") for ratio, row in scores[:limit]]


def resolve_town(
    gaz: Gazetteer,
    query: str,
    *,
    limit: int = DEFAULTS.gazetteer_suggestions,
    min_score: float = DEFAULTS.gazetteer_min_score,
) -> TownMatch:
    """Return the one town a query names, or raise with the closest names.

    Parameters
    ----------
    gaz : Gazetteer
        From :func:`build_gazetteer`.
    query : str
        A name, a spelling variant or a label.
    limit, min_score
        As in :func:`match_town`, for the suggestions.

    Returns
    -------
    TownMatch
        The town, when one town has the best kind of key (not a fuzzy match).

    Raises
    ------
    UnknownTownError
        When no town has the name (a prefix or fuzzy match is not taken for
        the town);
        the message lists the ``limit`` closest names.
    AmbiguousTownError
        When several towns share the name; the message lists their labels.
    """
    matches = match_town(gaz, query, limit=limit, min_score=min_score)
    exact = [m for m in matches if m.kind not in ("prefix", "fuzzy")]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        labels = "; ".join(m.label for m in exact)
        raise AmbiguousTownError(
            f"{len(exact)} towns are called {query!r}: {labels}. Give one of these labels."
        )
    closest = matches or _fuzzy(gaz, spelling_key(query), limit=limit, min_score=0.0)
    if closest:
        names = "; ".join(m.label for m in closest)
        raise UnknownTownError(f"Unknown town {query!r}; the closest names are: {names}.")
    raise UnknownTownError(f"Unknown town {query!r}; the towns layer is empty.")
