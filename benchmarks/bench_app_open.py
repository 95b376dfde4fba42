"""Time the real app's first map on a big server file and read the server's memory.

Workload: a SYNTHETIC Parquet file (``python -m benchmarks.bench_scale --write
FILE N``; keep it out of git). The script starts ``streamlit run app.py --
--incidents FILE`` on loopback, opens it in headless Debian Chromium (offline,
``tests/browser_util.py``), and prints:

- seconds from ``page.goto`` to the Hotspots map's vector paths drawn (the
  Done-when of issue 16: within a minute at 1,000,000 rows);
- seconds of one filter change in the browser (the sidebar's *Incidents*
  layer switch, then back: both rebuild the map's layers), to the map redrawn;
- the server's resident memory now and at its peak (``VmRSS``/``VmHWM`` of
  ``/proc/<pid>/status``; target under 2.5 GB).

Usage: ``python -m benchmarks.bench_app_open FILE [--port 8597]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser_util import offline_browser, rerun_and_wait, wait_for_app, wait_for_map  # noqa: E402


def memory_mib(pid: int) -> tuple[float, float]:
    """Return (VmRSS, VmHWM) of ``pid`` in MiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float) -> None:
    """Wait for the server's health endpoint, or stop."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("streamlit did not become healthy")


def main() -> None:
    """Start the app on FILE, time the first map and one redraw, print memory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("file")
    parser.add_argument("--port", type=int, default=8597)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(args.port),
        "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--", "--incidents", args.file,
    ]  # fmt: skip
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_healthy(url, proc, 120)
        with offline_browser(viewport=(1500, 1300)) as (context, _blocked):
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(url, wait_until="domcontentloaded")
            wait_for_app(page, timeout_ms=300_000)
            paths = wait_for_map(page, timeout_ms=300_000)
            first = time.perf_counter() - t0
            print(f"first map: {first:.1f} s ({paths:,} vector paths drawn)")
            rss, peak = memory_mib(proc.pid)
            print(f"server memory after the first map: {rss:,.0f} MiB (peak {peak:,.0f} MiB)")
            toggle = page.get_by_role("checkbox", name="Incidents", exact=True).first
            for _ in range(2):
                t0 = time.perf_counter()
                rerun_and_wait(page, lambda: toggle.click(force=True), timeout_ms=120_000)
                wait_for_map(page, timeout_ms=120_000)
                print(f"redraw after a layer switch: {time.perf_counter() - t0:.2f} s")
            rss, peak = memory_mib(proc.pid)
            print(f"server memory at the end: {rss:,.0f} MiB (peak {peak:,.0f} MiB)")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


if __name__ == "__main__":
    main()
