"""Single-pass rendering for our own heavy layers: their script goes into the page as is.

branca's ``MacroElement.render`` wraps each rendered macro in ``Element(text)``,
which compiles the *output* as a new Jinja2 template: a second parse of every
byte of embedded GeoJSON (most of a redraw's CPU for a large layer) and the
mechanism behind the SSTI finding in SECURITY.md 1.1. Our layers render their
macros once and add the text through :class:`RawElement`, which is never parsed
again. Data strings are still neutralised (:mod:`layers.safe`).
"""

from __future__ import annotations

from typing import Any

from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement

__all__ = ["RawElement", "render_layer_once"]


class RawElement(Element):
    """Pre-rendered text placed in the page verbatim (no template pass)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:  # noqa: D102
        return self._text


def render_layer_once(layer: MacroElement, **kwargs: Any) -> None:
    """Render a folium layer like ``Layer.render`` + ``MacroElement.render``, one Jinja pass.

    Parameters
    ----------
    layer : folium.map.Layer
        The layer (its JS/CSS links, if any, are added by the caller first).
    **kwargs
        Passed to the macros and the children, as folium does.
    """
    figure = layer.get_root()
    if getattr(layer, "show", True):
        layer.add_child(
            ElementAddToElement(
                element_name=layer.get_name(),
                element_parent_name=layer._parent.get_name(),
            ),
            name=layer.get_name() + "_add",
        )
    module = layer._template.module.__dict__
    for part, target in (
        ("header", figure.header),
        ("html", figure.html),
        ("script", figure.script),
    ):
        macro = module.get(part)
        if macro is not None:
            target.add_child(RawElement(macro(layer, kwargs)), name=layer.get_name())
    for child in layer._children.values():
        child.render(**kwargs)
