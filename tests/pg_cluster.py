"""A throwaway PostgreSQL + PostGIS cluster for the incident-log tests (real server, loopback only).

:func:`pg_cluster` runs ``initdb`` into a temporary folder, starts ``postgres``
on a free port of 127.0.0.1 (trust authentication, reachable from this machine
only), creates the PostGIS extension in a fresh database, yields its URL and
stops and removes the cluster afterwards. As root, the server runs as the
``postgres`` system user (PostgreSQL refuses to run as root). When Debian's
``postgresql`` or ``postgis`` packages are missing, :func:`missing_reason` says
which, so the tests skip with that reason (``scripts/test-all.sh`` installs them).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["missing_reason", "new_database", "pg_cluster"]

_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_EXT_GLOB = "/usr/share/postgresql/*/extension/postgis.control"


def _bindir() -> Path | None:
    found = sorted(glob.glob(_BIN_GLOB))
    return Path(found[-1]) if found else None


def missing_reason() -> str | None:
    """Return why a PostGIS cluster cannot be started here, or None when it can."""
    bindir = _bindir()
    if bindir is None or not (bindir / "initdb").exists():
        return "PostgreSQL server binaries not installed (apt-get install postgresql)"
    if not glob.glob(_EXT_GLOB):
        return "PostGIS extension not installed (apt-get install postgresql-15-postgis-3)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the server"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def pg_cluster() -> Iterator[str]:
    """Start a cluster and yield the URL of its maintenance database (superuser ``postgres``)."""
    bindir = _bindir()
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="srm-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chmod(root, 0o755)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chown(sock, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    logfile = root / "server.log"
    try:
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale",
                    "C",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(logfile),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c max_connections=40 -c shared_buffers=32MB",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=90,
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


_counter = iter(range(1, 10_000))


def new_database(admin_url: str) -> str:
    """Create an empty database (PostGIS created by the log on first use) and return its URL."""
    import psycopg

    name = f"log_test_{os.getpid()}_{next(_counter)}_{int(time.time() * 1000) % 100000}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
