"""``python -m geo brief``: one analysis window exported for a briefing, headless.

The format follows the suffix of ``--out``: ``.pdf`` briefing, ``.png`` map,
``.html`` offline map, ``.gpkg`` layers, ``.zip`` CSV tables, ``.tif`` KDE
raster. The output folder and suffix are checked before any work, so a bad
path costs nothing; every file is written atomically (nothing is left behind
on error). Exit status 0 on success, 2 with one line on standard error for a
bad date, path or file.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from geo.commands._help import HelpText
from geo.commands._options import (
    add_imprecise_argument,
    add_incidents_argument,
    add_log_argument,
    parse_day,
    read_incidents,
    with_log,
)
from geo.commands.sites import add_sites_argument, load_site_list
from geo.commands.validate import local_path
from geo.errors import ExportError, ParameterError
from geo.export.atomic import EXPORT_SUFFIXES
from geo.export.html import export_html
from geo.export.raster import export_kde_geotiff
from geo.export.share import share_safe_analysis
from geo.export.tabular import export_csv_tables
from geo.export.vector import export_gpkg
from geo.i18n import gettext_noop, translator
from geo.provenance import build_provenance, format_period, left_out_sentence
from geo.settings import DEFAULTS

__all__ = ["BRIEF_FORMATS", "register", "run"]

#: Suffix of ``--out`` -> what is written.
BRIEF_FORMATS: dict[str, str] = {
    suffix: EXPORT_SUFFIXES[suffix] for suffix in (".pdf", ".png", ".html", ".gpkg", ".zip", ".tif")
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``brief`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "brief",
        help=gettext_noop(
            "export one window for a briefing: PDF, PNG map, offline HTML, GeoPackage, ..."
        ),
        description=HelpText(
            gettext_noop(
                "Run every analysis on one window of the bundled incidents (or --incidents) "
                "and write it for a briefing; the format follows the suffix of --out: "
                "{formats}. The window defaults to the last {days} days of the data."
            ),
            formats=", ".join(f"{k} {v}" for k, v in BRIEF_FORMATS.items()),
            days=DEFAULTS.window_days,
        ),
    )
    add_incidents_argument(parser)
    add_log_argument(parser)
    add_sites_argument(parser)
    parser.add_argument(
        "--from",
        dest="start",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help=gettext_noop("first day (included)"),
    )
    parser.add_argument(
        "--to",
        dest="end",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help=gettext_noop("last day (included); the newest event by default"),
    )
    parser.add_argument(
        "--as-of",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help=gettext_noop("analysis date for ages and site windows (default --to)"),
    )
    parser.add_argument(
        "--since",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help=HelpText(
            gettext_noop(
                "list what is new after this day near key sites and corridor stretches "
                "(printed, and in the PDF's 'What changed'; default {days} days before the "
                "analysis date)"
            ),
            days=DEFAULTS.since_days,
        ),
    )
    parser.add_argument(
        "--backtest",
        action="store_true",
        help=gettext_noop(
            "also backtest every hotspot map over the window (monthly origins, as "
            "`python -m geo evaluate`) and add the summary to the PDF"
        ),
    )
    parser.add_argument(
        "--admin-level",
        type=int,
        choices=[1, 2],
        default=2,
        help=gettext_noop("1 regions or 2 cercles (default %(default)s)"),
    )
    parser.add_argument(
        "--handling",
        default="RESTRICTED",
        metavar="TEXT",
        help=gettext_noop(
            "handling caveat on every page and map (default %(default)s; '' for none)"
        ),
    )
    add_imprecise_argument(parser)
    parser.add_argument(
        "--share-safe",
        action="store_true",
        help=gettext_noop(
            "prepare for sharing: coarsen incident locations to H3 resolution-5 cells, "
            "drop actors, notes, place names and source URLs"
        ),
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help=HelpText(gettext_noop("output file: {formats}"), formats=", ".join(BRIEF_FORMATS)),
    )
    parser.set_defaults(func=run)


def _output(text: str) -> Path:
    """Check ``--out`` before any work: local path, known suffix, existing folder."""
    out = local_path(text)
    suffix = out.suffix.lower()
    if suffix not in BRIEF_FORMATS:
        raise ParameterError(
            f"--out {out.name!r}: the suffix {out.suffix or '(none)'!r} is not a briefing "
            f"format; use one of {', '.join(BRIEF_FORMATS)}."
        )
    folder = out.absolute().parent
    if not folder.is_dir():
        raise ExportError(
            f"--out {text!r}: the folder {str(folder)!r} does not exist; create it first."
        )
    if out.is_dir():
        raise ExportError(f"--out {text!r} is a folder; give a file name ending in {suffix}.")
    return out


def _window(args: argparse.Namespace, dates: pd.Series) -> tuple[dt.date, dt.date, dt.date]:
    latest = pd.to_datetime(dates).max() if len(dates) else pd.NaT
    end = args.end or args.as_of or (latest.date() if pd.notna(latest) else dt.date.today())
    start = args.start or end - dt.timedelta(days=DEFAULTS.window_days - 1)
    if start > end:
        raise ParameterError(
            f"--from {start.isoformat()} is after --to {end.isoformat()}; swap them or "
            "widen the window."
        )
    return start, end, args.as_of or end


def _html_page(analysis: Any) -> str:
    """Render the offline map of ``analysis`` with the layers/ builders, assets inlined."""
    from geo.export.share import is_shared
    from geo.hotspots import kde_overlay
    from geo.io import bundled
    from layers.admin import build_admin
    from layers.assets import DEFAULT_BASE_URL, inline_assets
    from layers.basemap import build_basemap
    from layers.hexes import build_hexes
    from layers.incidents import build_incidents
    from layers.kde import build_kde
    from layers.map import add_attribution, add_layer_control, new_map
    from layers.routes import build_routes
    from layers.sites import build_sites

    base = {
        "countries": bundled.load_countries(),
        "adm0": bundled.load_admin(0),
        "lakes": bundled.load_lakes(),
        "rivers": bundled.load_rivers(),
        "adm2": bundled.load_admin(2),
        "adm1": bundled.load_admin(1),
        # the basemap builder reads the OSM highway class as ``class``
        "roads": bundled.load_roads().rename(columns={"road_class": "class"}),
        "towns": bundled.load_towns(),
    }
    bounds = analysis.segments.total_bounds if len(analysis.segments) else None
    m = new_map(bounds=bounds, asset_base_url=DEFAULT_BASE_URL, minimal_assets=True)
    build_basemap(base, name="Basemap").add_to(m)
    unit = {1: "Region", 2: "Cercle"}.get(analysis.params.admin_level, "Unit")
    build_admin(analysis.admin_stats, name="Incidents per unit", unit_label=unit).add_to(m)
    if analysis.kde is not None:
        image, kde_bounds = kde_overlay(analysis.kde)
        build_kde(
            image,
            bounds=kde_bounds,
            name="Kernel density",
            show=False,
            note=f"bandwidth {analysis.params.kde_bandwidth_km:g} km",
        ).add_to(m)
    build_routes(analysis.segments, name="Corridor exposure").add_to(m)
    build_sites(analysis.sites, name="Mines, factories, plants", key_sites_only=True).add_to(m)
    if is_shared(analysis):
        build_hexes(analysis.hexes, name="Incidents per H3 cell (coarsened)").add_to(m)
    else:
        build_incidents(analysis.incidents, name="Incidents in the window").add_to(m)
    add_layer_control(m, collapsed=True)
    add_attribution(m, bundled.attribution_line())
    return inline_assets(m.get_root().render(), base_url=DEFAULT_BASE_URL)


def run(args: argparse.Namespace) -> int:
    """Analyse one window and write it in the format of ``--out``.

    Parameters
    ----------
    args : argparse.Namespace
        ``incidents``, ``start``, ``end``, ``as_of``, ``admin_level``,
        ``handling``, ``share_safe``, ``out``.

    Returns
    -------
    int
        0 when the file was written.

    Raises
    ------
    ParameterError, InputFileError, ExportError
        Bad option, unreadable input, or a file that could not be written (one
        line on standard error, exit 2, no file left).
    """
    from geo.briefing import format_since, what_changed
    from geo.export.png import clean_handling
    from geo.pipeline import Filters, Params, load_context, prepare_incidents, run_analysis

    out = _output(args.out)
    handling = clean_handling(args.handling)
    result = with_log(read_incidents(args.incidents, lang=args.lang), args.log)[0]
    context = load_context()
    if args.sites:
        context = dataclasses.replace(context, sites=load_site_list(args))
    assigned = prepare_incidents(result.incidents, context)
    start, end, as_of = _window(args, assigned["event_date"])
    analysis = run_analysis(
        assigned,
        result.report,
        Filters(start=start, end=end, imprecise=args.imprecise),
        Params(as_of=as_of, admin_level=args.admin_level),
        context=context,
    )
    analysis.what_changed = what_changed(
        analysis, towns=context.towns, since=args.since, tr=translator(args.lang)
    )
    if args.backtest:
        from geo.evaluate import backtest

        analysis.backtest = backtest(assigned, context.admin2, start=start, end=end)
    suffix = out.suffix.lower()
    share = bool(args.share_safe)
    if suffix == ".pdf":
        from geo.export.pdf import export_pdf

        written = export_pdf(analysis, out, handling=handling, share_safe=share, lang=args.lang)
    elif suffix == ".png":
        from geo.export.png import export_png

        written = export_png(analysis, out, handling=handling, share_safe=share, lang=args.lang)
    elif suffix == ".gpkg":
        written = export_gpkg(analysis, out, share_safe=share)
    elif suffix == ".zip":
        written = export_csv_tables(analysis, out, share_safe=share)
    elif suffix == ".tif":
        written = export_kde_geotiff(analysis, out, share_safe=share)
    else:
        shown = share_safe_analysis(analysis) if share else analysis
        written = export_html(_html_page(shown), out, provenance=build_provenance(shown))
    tr = translator(args.lang)
    print(
        tr.gettext("wrote {file} ({size} bytes): {n} incidents, {period}.").format(
            file=written,
            size=tr.number(written.stat().st_size),
            n=tr.number(len(analysis.incidents)),
            period=format_period(start, end, tr=tr),
        )
        + " "
        + left_out_sentence(analysis.left_out, tr=tr)
    )
    print(format_since(analysis.what_changed.since, tr=tr))
    if analysis.backtest is not None:
        from geo.evaluate import backtest_sentence

        print(backtest_sentence(analysis.backtest, tr=tr))
    return 0
