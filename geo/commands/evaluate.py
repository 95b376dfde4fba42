"""``python -m geo evaluate``: backtest every hotspot map on the incidents that followed it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import pandas as pd

from geo.commands._help import HelpText
from geo.commands._options import (
    add_incidents_argument,
    add_log_argument,
    parse_day,
    read_incidents,
    with_log,
)
from geo.commands.validate import local_path
from geo.errors import ParameterError
from geo.evaluate import BACKTEST_METHODS, backtest, backtest_sentence, pai_plot_png
from geo.export.atomic import write_bytes_atomic
from geo.export.tabular import write_table_atomic
from geo.i18n import Translator, gettext_noop, translator
from geo.pipeline import load_context, prepare_incidents
from geo.provenance import format_day
from geo.settings import DEFAULTS

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``evaluate`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "evaluate",
        help=gettext_noop(
            "backtest every hotspot map: hit rate, PAI and PEI on the next incidents"
        ),
        description=HelpText(
            gettext_noop(
                "Rolling-origin backtest (Chainey et al. 2008): every --step-days from --from, "
                "build each map from the incidents up to that day ({methods}), flag the top 1, "
                "5 and 10 % of the area and score it on the incidents of the next "
                "--horizon-days. Writes one row per origin, method and coverage plus pooled "
                "rows (--out .csv), a plot of PAI over time (--plot .png), and prints which "
                "map predicted best."
            ),
            methods=", ".join(BACKTEST_METHODS),
        ),
    )
    add_incidents_argument(parser)
    add_log_argument(parser)
    parser.add_argument(
        "--from", dest="start", type=parse_day, required=True, metavar="YYYY-MM-DD",
        help=gettext_noop("first origin"),
    )  # fmt: skip
    parser.add_argument(
        "--to", dest="end", type=parse_day, required=True, metavar="YYYY-MM-DD",
        help=gettext_noop("last day a test window may reach"),
    )  # fmt: skip
    parser.add_argument(
        "--horizon-days",
        type=int,
        default=DEFAULTS.evaluate_horizon_days,
        help=gettext_noop("test window after each origin (default %(default)s)"),
    )
    parser.add_argument(
        "--step-days",
        type=int,
        default=DEFAULTS.evaluate_step_days,
        help=gettext_noop("days between origins (default %(default)s)"),
    )
    parser.add_argument(
        "--train-days",
        type=int,
        default=DEFAULTS.window_days,
        help=gettext_noop(
            "window the maps are built on, ending at each origin (default %(default)s)"
        ),
    )
    parser.add_argument("--out", required=True, metavar="FILE", help=gettext_noop("scores, .csv"))
    parser.add_argument(
        "--plot",
        metavar="FILE",
        help=gettext_noop("PAI over time, .png (default: --out with .png)"),
    )
    parser.set_defaults(func=run)


def _progress(tr: Translator) -> Callable[[int, int, pd.Timestamp], None]:
    """Return the progress line of the backtest, in the language of ``tr``."""

    def show(i: int, n: int, origin: pd.Timestamp) -> None:
        end = "\n" if i == n else ""
        line = tr.gettext("evaluate: origin {i}/{n} ({day})").format(
            i=i, n=n, day=format_day(origin, tr=tr)
        )
        print(f"\r{line}", end=end, file=sys.stderr, flush=True)

    return show


def run(args: argparse.Namespace) -> int:
    """Run the backtest, write the scores and the plot, and print the summary.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        0 on success.
    """
    out = local_path(args.out)
    if out.suffix.lower() != ".csv":
        raise ParameterError(f"--out {out.name!r}: the scores are written as CSV; use '.csv'.")
    plot = local_path(args.plot) if args.plot else out.with_suffix(".png")
    if plot.suffix.lower() != ".png":
        raise ParameterError(f"--plot {plot.name!r}: the plot is a PNG; use '.png'.")
    if args.start > args.end:
        raise ParameterError(f"--from {args.start} is after --to {args.end}; swap them.")
    tr = translator(args.lang)
    result = with_log(read_incidents(args.incidents, lang=args.lang), args.log)[0]
    context = load_context()
    assigned = prepare_incidents(result.incidents, context)
    bt = backtest(
        assigned,
        context.admin2,
        start=args.start,
        end=args.end,
        horizon_days=args.horizon_days,
        step_days=args.step_days,
        train_days=args.train_days,
        progress=_progress(tr) if sys.stderr.isatty() else None,
    )
    written = write_table_atomic(bt.table(), out)
    drawn = write_bytes_atomic(pai_plot_png(bt), plot, suffixes=(".png",), what="backtest plot")
    s = bt.settings
    print(
        tr.gettext(
            "evaluate: {origins} origins from {start}, every {step} days, maps built on the "
            "{train} days before each origin, scored on the next {horizon} days; {grid}; precise "
            "events on the grid: {n}."
        ).format(
            origins=s["origins"],
            start=format_day(s["start"], tr=tr),
            step=s["step_days"],
            train=s["train_days"],
            horizon=s["horizon_days"],
            grid=s["grid"],
            n=tr.number(s["events_on_grid"]),
        )
    )
    pooled = bt.pooled.assign(
        hit_rate=bt.pooled["hit_rate"].round(3), pai=bt.pooled["pai"].round(2)
    )
    print(pooled.drop(columns="origin").round({"pei": 3}).to_string(index=False))
    print(backtest_sentence(bt, tr=tr))
    print(tr.gettext("wrote {file} and {plot}").format(file=written, plot=drawn))
    return 0
