"""Refresh docs/screenshot.png (shown by the README) from the real app, offline.

Starts ``streamlit run app.py`` on a free loopback port, opens it in headless
Debian Chromium with every non-local request blocked, waits for the Hotspots
map to draw, and saves the screenshot. With ``--all DIR`` it also saves one
screenshot per tab into DIR (for looking at the page as a user).

Usage::

    python scripts/screenshot.py                 # docs/screenshot.png
    python scripts/screenshot.py --all test-artifacts/tabs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser_util import (  # noqa: E402
    offline_browser,
    open_tab,
    running_app,
    wait_for_app,
    wait_for_map,
)

TABS_WITH_MAP = {"Hotspots", "Routes", "Sites"}
TABS = ("Hotspots", "Routes", "Sites", "Export", "About / Data")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--all", type=Path, default=None, metavar="DIR")
    parser.add_argument(
        "--tab-height", type=int, default=1000, help="viewport height for --all shots (px)"
    )
    args = parser.parse_args(argv)
    # 1500 x 1250: the key figures and the whole Hotspots map in one picture.
    with running_app() as url, offline_browser(viewport=(1500, 1250)) as (context, blocked):
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page)
        wait_for_map(page)
        page.wait_for_timeout(1500)  # let Leaflet finish fading in the layers
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out))
        print(f"wrote {args.out}")
        if args.all is not None:
            args.all.mkdir(parents=True, exist_ok=True)
            for i, label in enumerate(TABS):
                open_tab(page, label)
                if label in TABS_WITH_MAP:
                    wait_for_map(page)
                    page.wait_for_timeout(1500)
                name = label.lower().replace(" / ", "-").replace(" ", "-")
                path = args.all / f"{i + 1}-{name}.png"
                page.set_viewport_size({"width": 1500, "height": args.tab_height})
                page.screenshot(path=str(path))
                page.set_viewport_size({"width": 1500, "height": 1250})
                print(f"wrote {path}")
        if blocked.urls:
            print(f"blocked {len(blocked.urls)} outside requests, e.g. {blocked.urls[:3]}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
