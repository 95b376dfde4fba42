"""Soak: sessions coming and going for 30 minutes against a real ``streamlit run``; memory sampled.

Workload (SECURITY.md 4.3, L03). ``--concurrency`` simulated users (default 3)
are on the app at any time, over its WebSocket on loopback, exactly as in
``benchmarks/load_sessions.py``: each one opens the page (the cold run), makes
one to four redraws (toggling the *Incidents* layer), leaves, and another comes
after a pause of up to ``--pause-s`` seconds (seeded, so two runs draw the same
pattern). The server's resident memory (``VmRSS``) is sampled every
``--sample-s`` seconds from before the first user to after the last one left.

Printed: a progress line per ``--report-s`` (elapsed, sessions served, errors,
RSS now and the highest so far), then the summary: RSS at the start (one
warm-up session come and gone), the highest, the lowest and highest of the last
tenth of the run, the end (every session gone, ``--settle-s`` later), the
growth end/start, and the redraw p50/p95 over the whole run. Memory growth is
"bounded" when the end is within 10 % of the start. With ``--csv FILE`` every
sample is written as ``elapsed_s,rss_mib,sessions_on`` (to a temporary file,
renamed once complete: Ctrl-C leaves no half-written file, and still prints the
summary so far).

Bounds: loopback only, at most 20 concurrent users, at most 4 hours. With no
``--url`` it starts ``streamlit run app.py`` (``-- --incidents FILE`` with
``--incidents``, ``PYTHONMALLOC`` with ``--python-malloc``) and stops it at the end.

Usage (from the repository root)::

    python -m benchmarks.bench_scale --write /tmp/s100k.parquet 100000   # SYNTHETIC rows
    python -m benchmarks.soak --incidents /tmp/s100k.parquet             # 30 minutes
    python -m benchmarks.soak --minutes 5 --concurrency 2 --csv /tmp/soak.csv
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.load_sessions import (
    Level,
    against_server,
    loopback_url,
    one_user,
    pct,
    rss_kib,
    server_arguments,
)

MAX_CONCURRENCY = 20
MAX_MINUTES = 240
SEED = 20261204


@dataclass
class Soak:
    """What the soak saw so far."""

    start: float = field(default_factory=time.monotonic)
    served: Level = field(default_factory=lambda: Level(0))
    on: int = 0
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (s, MiB, users)

    def sample(self, pid: int | None) -> float:
        mib = rss_kib(pid) / 1024
        self.samples.append((time.monotonic() - self.start, mib, self.on))
        return mib


async def user_loop(stream: str, soak: Soak, rng: random.Random, until: float, pause_s: float):
    """One seat: a user comes, loads, redraws 1-4 times, leaves; the next one comes."""
    while time.monotonic() < until:
        soak.on += 1
        try:
            await one_user(stream, rng.randint(1, 4), soak.served)
        finally:
            soak.on -= 1
            soak.served.sessions += 1
        await asyncio.sleep(rng.uniform(0.0, pause_s))


async def sampler(pid: int | None, soak: Soak, every_s: float, report_s: float, stop):
    """Sample RSS every ``every_s``; print a progress line every ``report_s``."""
    next_report = report_s
    while not stop.is_set():
        mib = soak.sample(pid)
        elapsed = soak.samples[-1][0]
        if elapsed >= next_report:
            high = max(s[1] for s in soak.samples)
            print(
                f"{elapsed / 60:6.1f} min  sessions {soak.served.sessions:5d}"
                f"  errors {len(soak.served.errors):3d}  RSS {mib:6.0f} MiB (highest {high:.0f})",
                flush=True,
            )
            next_report += report_s
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)


def summary(soak: Soak, start_mib: float, end_mib: float | None) -> bool:
    """Print the summary; return True when the memory growth is bounded (end within 10 %)."""
    rss = [s[1] for s in soak.samples]
    tail = rss[-max(1, len(rss) // 10) :]
    redraws = soak.served.redraw_s
    print(
        f"sessions served {soak.served.sessions}, redraws {len(redraws)}, "
        f"errors {len(soak.served.errors)}"
    )
    for error in sorted(set(soak.served.errors))[:5]:
        print(f"  error: {error}")
    print(f"redraw p50 {pct(redraws, 0.5):.2f} s, p95 {pct(redraws, 0.95):.2f} s")
    print(
        f"RSS start {start_mib:.0f} MiB, highest {max(rss, default=0):.0f} MiB, "
        f"last tenth of the run {min(tail, default=0):.0f}-{max(tail, default=0):.0f} MiB"
    )
    if end_mib is None:
        print("RSS end: not measured (stopped early)")
        return False
    growth = 100.0 * (end_mib - start_mib) / start_mib if start_mib else float("nan")
    bounded = growth <= 10.0
    print(
        f"RSS end {end_mib:.0f} MiB after every session left ({growth:+.1f} % against the start):"
        f" {'bounded' if bounded else 'NOT bounded'}"
    )
    return bounded


def write_csv(path: str, soak: Soak) -> None:
    """Write the samples to ``path`` atomically (temporary file, then rename)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("elapsed_s,rss_mib,sessions_on\n")
        for elapsed, mib, on in soak.samples:
            out.write(f"{elapsed:.1f},{mib:.1f},{on}\n")
    os.replace(tmp, target)


async def soak_run(url: str, pid: int | None, args: argparse.Namespace) -> int:
    """Warm up, run the seats for ``args.minutes``, settle, print; return the exit code."""
    stream = loopback_url(url)
    warm = Level(1)
    await one_user(stream, 1, warm)
    await asyncio.sleep(args.settle_s)
    soak = Soak()
    start_mib = rss_kib(pid) / 1024
    print(
        f"server {url}  pid {pid or '?'}  warm-up errors {len(warm.errors)}  "
        f"RSS start {start_mib:.0f} MiB; {args.concurrency} users at a time for "
        f"{args.minutes:g} min",
        flush=True,
    )
    stop = asyncio.Event()
    watch = asyncio.create_task(sampler(pid, soak, args.sample_s, args.report_s, stop))
    until = time.monotonic() + 60.0 * args.minutes
    rng = random.Random(SEED)
    end_mib = None
    try:
        seats = [
            user_loop(stream, soak, random.Random(rng.random()), until, args.pause_s)
            for _ in range(args.concurrency)
        ]
        await asyncio.gather(*seats)
        await asyncio.sleep(args.settle_s)
        end_mib = soak.sample(pid)
    finally:
        stop.set()
        await watch
        bounded = summary(soak, start_mib, end_mib)
        if args.csv:
            write_csv(args.csv, soak)
    return 0 if bounded and not soak.served.errors else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    server_arguments(parser)
    parser.add_argument("--minutes", type=float, default=30.0, help="how long users come and go")
    parser.add_argument("--concurrency", type=int, default=3, help="users on the app at a time")
    parser.add_argument("--pause-s", type=float, default=5.0, help="longest pause between users")
    parser.add_argument("--sample-s", type=float, default=5.0, help="RSS sampling interval")
    parser.add_argument("--report-s", type=float, default=60.0, help="progress line interval")
    parser.add_argument("--csv", help="write every RSS sample to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise SystemExit(f"--concurrency must be 1..{MAX_CONCURRENCY}")
    if not 0 < args.minutes <= MAX_MINUTES:
        raise SystemExit(f"--minutes must be in (0, {MAX_MINUTES}]")
    try:
        return against_server(args, lambda url, pid: soak_run(url, pid, args))
    except KeyboardInterrupt:
        print("stopped by the user")
        return 130


if __name__ == "__main__":
    sys.exit(main())
