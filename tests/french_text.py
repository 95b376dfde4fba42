"""What English a French output still holds: the catalog texts of the command line and the analyses.

A French output must not contain the English of a message whose French differs.
Each msgid of ``cli.po`` and ``geo.po`` is cut at its ``{placeholders}``; a piece
of at least :data:`MIN_PIECE` characters found in the text is English left over
(shorter pieces, like "low" or "on", also occur inside French words and names),
unless the French translation holds the same piece (``· Sahel Risk Map``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po

from geo.i18n import LOCALE_DIR

#: Shortest piece of an English message that counts as English when found.
MIN_PIECE = 14
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def catalog_forms(area: str) -> Iterator[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(English forms, French forms) of every message of ``area``'s French catalog.

    A plural message gives both its forms on each side; a single one, one each.
    """
    with catalog_path(area).open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    for m in catalog:
        if m.id:
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            yield ids, m.string if isinstance(m.string, tuple) else (m.string,)


def _pieces(areas: tuple[str, ...]) -> dict[str, str]:
    """English piece -> the msgid it comes from, for messages whose French differs."""
    out: dict[str, str] = {}
    for area in areas:
        for ids, texts in catalog_forms(area):
            for msgid in ids:
                if msgid in texts:
                    continue
                for piece in _PLACEHOLDER.split(msgid):
                    piece = " ".join(piece.split()).strip(" .,;:()")
                    if len(piece) >= MIN_PIECE and not any(piece in t for t in texts):
                        out.setdefault(piece, msgid)
    return out


def english_left(text: str, areas: tuple[str, ...] = ("cli", "geo")) -> list[str]:
    """Return the English messages (of ``areas``' catalogs) a French ``text`` still contains.

    Parameters
    ----------
    text : str
        The output (whitespace is normalised before searching).
    areas : tuple of str
        Catalog names of :data:`geo.i18n.CATALOG_AREAS`.

    Returns
    -------
    list of str
        ``piece  <- msgid`` for every piece found, sorted.
    """
    flat = " ".join(text.split())
    return sorted(f"{p!r} <- {m!r}" for p, m in _pieces(areas).items() if p in flat)


def catalog_path(area: str) -> Path:
    """The French catalog file of ``area``."""
    return LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{area}.po"
