"""Small Streamlit helpers for ``app.py``: state, sidebar widgets, cached loaders, page chrome.

Nothing here computes an analysis or builds folium objects: analyses come from
:mod:`geo`, map layers from :mod:`layers`.
"""

__all__: list[str] = []
