"""Shared pytest set-up: import geo first so its GDAL hardening applies."""

import geo  # noqa: F401, I001  (applies the GDAL driver allowlist before any GDAL loads)

import os
import sys

import pytest
from pg_cluster import missing_reason, new_database, pg_cluster


@pytest.fixture(autouse=True, scope="session")
def _private_incident_log(tmp_path_factory):
    """Point the default incident log at a temporary file: no test writes the user's own log."""
    path = tmp_path_factory.mktemp("default-log") / "log.gpkg"
    saved = os.environ.get("SAHEL_RISK_LOG")
    os.environ["SAHEL_RISK_LOG"] = str(path)
    yield path
    if saved is None:
        os.environ.pop("SAHEL_RISK_LOG", None)
    else:
        os.environ["SAHEL_RISK_LOG"] = saved


_PYTEST_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def _restore_main_module():
    """Put pytest's ``__main__`` back after each test.

    Streamlit runs the app script as ``sys.modules["__main__"]`` (AppTest does
    too) and leaves it there; a process started later with ``spawn`` (the dask
    workers of ``--engine dask``) re-imports ``__main__`` and would run
    ``app.py`` instead of starting (seen: "Nanny failed to start" only when the
    app tests ran first).
    """
    yield
    sys.modules["__main__"] = _PYTEST_MAIN


@pytest.fixture(scope="session")
def pg_admin_url():
    """URL of a throwaway PostGIS cluster for this session (skipped if not installed)."""
    reason = missing_reason()
    if reason is not None:
        pytest.skip(f"PostGIS backend not tested: {reason}")
    with pg_cluster() as url:
        yield url


@pytest.fixture(params=["gpkg", "postgis"])
def log_target(request, tmp_path):
    """An empty incident log, once as a GeoPackage file and once as a PostGIS database."""
    if request.param == "gpkg":
        return str(tmp_path / "team" / "log.gpkg")
    return new_database(request.getfixturevalue("pg_admin_url"))


@pytest.fixture
def worker_fault(monkeypatch):
    """Return ``inject(spec)``: later ingests run in tests/faulty_worker.py with ``spec``.

    ``inject(None)`` goes back to the real worker. Production code has no fault hook.
    """
    from geo.io import ingest

    def inject(spec: str | None) -> None:
        worker = ("geo.io._ingest_worker",) if spec is None else ("tests.faulty_worker", spec)
        monkeypatch.setattr(ingest, "_WORKER", worker)

    return inject
