"""Route names in the reader's language: the fixed words of a corridor's label, place names kept.

The bundled corridors are named in English by ``scripts/build_corridors.py``
(``Dakar–Bamako north, via Kidira/Diboli, Kayes and Diéma``). Only the words
around the place names (``north``, ``south``, ``via``, ``and``) are ours to
translate; :func:`route_name` renders them through the catalog and keeps every
place name as written. A label of another shape (a user's own routes file) is
returned as it is.
"""

from __future__ import annotations

from geo.i18n import Translator, gettext_noop, translator
from geo.validate import translate_message

__all__ = ["ROUTE_NAME_TEMPLATES", "route_name"]

#: The patterns of the bundled corridors' labels (English; ``{towns}`` is a list of places).
ROUTE_NAME_TEMPLATES: tuple[str, ...] = (
    gettext_noop("{trip} north, via {towns}"),
    gettext_noop("{trip} south, via {towns}"),
    gettext_noop("{trip} via {towns}"),
)
#: The last two places of a ``{towns}`` list.
_AND = gettext_noop("{towns} and {last}")
_EN: Translator = translator()


def route_name(label: str, *, tr: Translator = _EN) -> str:
    """Render a route's label in the language of ``tr`` (English, the label itself, by default).

    Parameters
    ----------
    label : str
        The route's ``label`` as the routes layer holds it.
    tr : Translator
        The language.

    Returns
    -------
    str
        The label with its fixed words translated and its place names unchanged.

    Examples
    --------
    >>> route_name("Abidjan–Bamako via Bouaké, Zégoua and Sikasso", tr=translator("fr"))
    'Abidjan–Bamako par Bouaké, Zégoua et Sikasso'
    >>> route_name("Bamako and back", tr=translator("fr"))
    'Bamako and back'
    """
    if translate_message(label, tr=tr, templates=ROUTE_NAME_TEMPLATES) == label:
        return label
    return translate_message(label, tr=tr, templates=(*ROUTE_NAME_TEMPLATES, _AND))
