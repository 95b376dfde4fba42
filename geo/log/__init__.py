"""The team's own incident log: lasting records, provenance and revisions (GeoPackage or PostGIS).

:func:`open_log` takes a path (a GeoPackage file, the default) or a
``postgresql://`` URL (a shared PostGIS database) and returns a
:class:`geo.log.store.LogStore` with the same methods for both. The default path
is ``$SAHEL_RISK_LOG`` or ``~/.local/share/sahel-risk-map/log.gpkg`` (under
``$XDG_DATA_HOME`` when set), outside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

from geo.log.store import LogStore

__all__ = ["ENV_VAR", "LogStore", "default_log_target", "is_url", "open_log"]

#: Environment variable naming the log (a path or a URL).
ENV_VAR = "SAHEL_RISK_LOG"


def default_log_target() -> str:
    """Return where the log lives when none is given: ``$SAHEL_RISK_LOG`` or the user's data folder.

    Examples
    --------
    >>> os.environ[ENV_VAR] = "/tmp/team.gpkg"
    >>> default_log_target()
    '/tmp/team.gpkg'
    >>> del os.environ[ENV_VAR]
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    base = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return str(Path(base) / "sahel-risk-map" / "log.gpkg")


def is_url(target: str) -> bool:
    """Tell whether a log target is a PostgreSQL URL rather than a file path.

    Examples
    --------
    >>> is_url("postgresql://log@127.0.0.1/risk"), is_url("~/log.gpkg")
    (True, False)
    """
    return str(target).startswith(("postgresql://", "postgres://"))


def open_log(target: str | os.PathLike[str] | None = None) -> LogStore:
    """Open the incident log at a path or URL (created and migrated on first use).

    Parameters
    ----------
    target : str or PathLike, optional
        A GeoPackage path or a ``postgresql://`` URL; :func:`default_log_target`
        when omitted.

    Returns
    -------
    LogStore
        :class:`geo.log.gpkg.GeoPackageLog` or :class:`geo.log.postgis.PostGISLog`.
    """
    text = str(target) if target is not None else default_log_target()
    if is_url(text):
        from geo.log.postgis import PostGISLog

        return PostGISLog(text)
    from geo.log.gpkg import GeoPackageLog

    return GeoPackageLog(text)
