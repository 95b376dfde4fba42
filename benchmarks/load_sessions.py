"""Many users on one 2-core box: concurrent sessions over the app's WebSocket, loopback only.

Workload (SECURITY.md 4.3, L01/L02/K09). Each simulated user opens
``ws://127.0.0.1:PORT/_stcore/stream`` (subprotocol ``streamlit``), sends a
``BackMsg.rerun_script`` and waits for ``ForwardMsg.script_finished``: the first
run is the cold page load; then each "redraw" toggles the sidebar's
*Incidents* map-layer checkbox (so the map is rebuilt) and is timed from the
BackMsg to ``script_finished``. Users of one level run concurrently; levels run
one after the other on the bundled data (no upload). A run that ends with an
exception element, a non-success status or no answer within the per-run limit
is an error.

The server's resident memory (``VmRSS`` of ``/proc/<pid>/status``) is read
before the first level, sampled during each level (peak), and read again after
every session has left and the server has dropped them
(``server.disconnectedSessionTTL``, shortened to 5 s when this script starts
the server itself).

Bounds: loopback URLs only (anything else is refused), at most 50 sessions per
level, 20 redraws per session, and a global time limit (default 900 s) after
which the script stops by itself. With no ``--url`` it starts ``streamlit run
app.py`` on a free loopback port and stops it at the end.

Targets: p95 redraw <= 2.5 s at 4 sessions, <= 7 s at 10, zero errors, RSS back
to within 10 % of the baseline after the sessions leave.

Usage::

    python benchmarks/load_sessions.py                       # levels 1, 4, 10; 3 redraws
    python benchmarks/load_sessions.py --levels 1,4,10,20 --redraws 3
    python benchmarks/load_sessions.py --churn 50            # K09: 50 connect-and-leave
    python benchmarks/load_sessions.py --url http://127.0.0.1:8501 --pid 1234
    python benchmarks/load_sessions.py --incidents /tmp/synthetic_100k.parquet
    python benchmarks/load_sessions.py --incidents /tmp/s100k.parquet --python-malloc malloc
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from websockets.asyncio.client import connect

REPO = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_SESSIONS = 50
MAX_REDRAWS = 20
RUN_LIMIT_S = 120.0  # one script run
TOGGLE_LABEL = "Incidents"  # sidebar checkbox "map.layer.incidents"


@dataclass
class Level:
    """Results of one concurrency level."""

    sessions: int
    first_load_s: list[float] = field(default_factory=list)
    redraw_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_peak_kib: int = 0


def loopback_url(url: str) -> str:
    """Return the ws:// stream URL for an http(s) app URL on loopback; refuse anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "ws") or parts.hostname not in LOOPBACK or not parts.port:
        raise SystemExit(f"refusing {url!r}: only http://127.0.0.1:PORT (loopback) is allowed")
    return f"ws://{parts.hostname}:{parts.port}/_stcore/stream"


def rss_kib(pid: int | None) -> int:
    """Resident memory of ``pid`` in KiB (0 when unknown)."""
    if pid is None:
        return 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def started_app(
    timeout_s: float = 120.0, incidents: str | None = None, python_malloc: str | None = None
) -> Iterator[tuple[str, int]]:
    """Run ``streamlit run app.py`` on a free loopback port; yield (url, pid); stop it after.

    With ``incidents``, the app opens that file (``-- --incidents FILE``) instead
    of the bundled data. ``python_malloc`` sets the server's ``PYTHONMALLOC``
    (``malloc``: small objects from the C allocator, whose freed pages the app
    hands back to the OS as a session leaves; default: Python's own pymalloc).
    """
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.disconnectedSessionTTL",
        "5",
        "--browser.gatherUsageStats",
        "false",
        *(("--", "--incidents", incidents) if incidents else ()),
    ]
    log = open(os.devnull, "wb")  # noqa: SIM115 (closed below)
    env = {**os.environ, **({"PYTHONMALLOC": python_malloc} if python_malloc else {})}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"streamlit exited with code {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("streamlit did not become healthy")
            time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def rerun_message(widget_states: WidgetStates | None = None) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_script_hash = ""
    if widget_states is not None:
        msg.rerun_script.widget_states.CopyFrom(widget_states)
    return msg.SerializeToString()


class Session:
    """One simulated user on one WebSocket."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.toggle_id: str | None = None
        self.toggle_value = True

    async def run(self, widget_states: WidgetStates | None = None) -> tuple[float, str | None]:
        """Send one rerun; return (seconds to script_finished, error or None)."""
        start = time.perf_counter()
        await self.ws.send(rerun_message(widget_states))
        error = None
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=RUN_LIMIT_S)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    error = f"exception: {element.exception.message[:80]}"
                elif which == "checkbox" and element.checkbox.label == TOGGLE_LABEL:
                    self.toggle_id = element.checkbox.id
            elif kind == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                    error = error or f"script_finished status {status}"
                return time.perf_counter() - start, error

    async def redraw(self) -> tuple[float, str | None]:
        """Toggle the Incidents layer checkbox and rerun."""
        if self.toggle_id is None:
            return 0.0, f"no {TOGGLE_LABEL!r} checkbox on the page"
        self.toggle_value = not self.toggle_value
        states = WidgetStates()
        state = states.widgets.add()
        state.id = self.toggle_id
        state.bool_value = self.toggle_value
        return await self.run(states)


async def one_user(stream: str, redraws: int, level: Level) -> None:
    try:
        async with connect(stream, subprotocols=["streamlit"], max_size=2**28) as ws:
            user = Session(ws)
            seconds, error = await user.run()
            level.first_load_s.append(seconds)
            if error:
                level.errors.append(error)
            for _ in range(redraws):
                seconds, error = await user.redraw()
                if error:
                    level.errors.append(error)
                else:
                    level.redraw_s.append(seconds)
    except (OSError, TimeoutError) as exc:
        level.errors.append(f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # websockets' own errors: count, never crash the harness
        level.errors.append(f"{type(exc).__name__}: {exc}")


async def sample_rss(pid: int | None, level: Level, stop: asyncio.Event) -> None:
    while not stop.is_set():
        level.rss_peak_kib = max(level.rss_peak_kib, rss_kib(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.5)


async def run_level(stream: str, sessions: int, redraws: int, pid: int | None) -> Level:
    level = Level(sessions)
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pid, level, stop))
    await asyncio.gather(*(one_user(stream, redraws, level) for _ in range(sessions)))
    stop.set()
    await sampler
    return level


async def churn(stream: str, n: int) -> list[str]:
    """K09: n users connect, load the page once and leave, 5 at a time."""
    errors: list[str] = []
    for start in range(0, n, 5):
        level = Level(min(5, n - start))
        await asyncio.gather(*(one_user(stream, 0, level) for _ in range(level.sessions)))
        errors.extend(level.errors)
    return errors


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def settle(pid: int | None, wait_s: float) -> int:
    time.sleep(wait_s)
    return rss_kib(pid)


def server_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options naming the server (``--url``/``--pid``, or the one to start)."""
    parser.add_argument("--url", help="a running app on loopback (default: start one)")
    parser.add_argument("--pid", type=int, help="server pid for RSS (with --url)")
    parser.add_argument("--incidents", help="the started app opens this file (-- --incidents)")
    parser.add_argument(
        "--python-malloc", choices=("pymalloc", "malloc"), help="the started server's PYTHONMALLOC"
    )
    parser.add_argument("--settle-s", type=float, default=15.0, help="wait for sessions to drop")


def against_server(
    args: argparse.Namespace, body: Callable[[str, int | None], Awaitable[int]]
) -> int:
    """Run ``body(url, pid)`` against ``--url``, or against an app started for it."""
    if args.url:
        loopback_url(args.url)
        return asyncio.run(body(args.url, args.pid))
    with started_app(300.0, args.incidents, args.python_malloc) as (url, pid):
        return asyncio.run(body(url, pid))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    server_arguments(parser)
    parser.add_argument("--levels", default="1,4,10", help="concurrent sessions per level")
    parser.add_argument("--redraws", type=int, default=3, help="redraws per session")
    parser.add_argument("--churn", type=int, default=0, help="K09: sessions that come and go")
    parser.add_argument("--timeout-s", type=float, default=900.0, help="global time limit")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if any(n < 1 or n > MAX_SESSIONS for n in levels) or not 0 <= args.churn <= MAX_SESSIONS:
        raise SystemExit(f"sessions per level must be 1..{MAX_SESSIONS}")
    if not 1 <= args.redraws <= MAX_REDRAWS:
        raise SystemExit(f"--redraws must be 1..{MAX_REDRAWS}")

    async def body(url: str, pid: int | None) -> int:
        stream = loopback_url(url)
        warm = await run_level(stream, 1, 1, pid)  # fills the bundled-data caches
        baseline = settle(pid, args.settle_s)
        print(f"server {url}  pid {pid or '?'}  warm-up errors {len(warm.errors)}")
        print(f"RSS baseline {baseline / 1024:.0f} MiB (after one warm-up session left)")
        print(
            "sessions  first-load p50   redraw p50   redraw p95   redraws  errors  RSS peak"
            "  RSS after"
        )
        failures = 0
        for n in levels:
            level = await run_level(stream, n, args.redraws, pid)
            left = await asyncio.to_thread(settle, pid, args.settle_s / 3)
            print(
                f"{n:8d}  {statistics.median(level.first_load_s or [float('nan')]):12.2f} s"
                f"  {pct(level.redraw_s, 0.5):9.2f} s  {pct(level.redraw_s, 0.95):9.2f} s"
                f"  {len(level.redraw_s):7d}  {len(level.errors):6d}"
                f"  {level.rss_peak_kib / 1024:6.0f} MiB  {left / 1024:6.0f} MiB"
            )
            for error in sorted(set(level.errors))[:5]:
                print(f"          error: {error}")
            target = {4: 2.5, 10: 7.0}.get(n)
            if level.errors or (target and pct(level.redraw_s, 0.95) > target):
                failures += 1
        if args.churn:
            errors = await churn(stream, args.churn)
            print(f"churn: {args.churn} sessions connected, loaded and left; errors {len(errors)}")
            failures += bool(errors)
        after = settle(pid, args.settle_s)
        if baseline:
            growth = 100.0 * (after - baseline) / baseline
            print(
                f"RSS after every session left: {after / 1024:.0f} MiB "
                f"({growth:+.1f} % against the baseline)"
            )
            failures += growth > 10.0
        print("targets met" if not failures else f"targets missed at {failures} check(s)")
        return 1 if failures else 0

    async def bounded(url: str, pid: int | None) -> int:
        try:
            return await asyncio.wait_for(body(url, pid), timeout=args.timeout_s)
        except TimeoutError:
            print(f"stopped: global time limit of {args.timeout_s:.0f} s reached")
            return 2

    return against_server(args, bounded)


if __name__ == "__main__":
    sys.exit(main())
