"""``python -m geo exposure``: incident exposure of each corridor segment, or the route summary.

Also home of the input and output helpers that ``routes`` and ``sites`` share:
``--incidents``/``--routes`` files are read as bytes (never handed to GDAL by
name; incident files are parsed in :mod:`geo.io.ingest`'s sandboxed worker),
``--from``/``--to``/``--as-of`` are checked dates, and ``--out`` is written
atomically (a temporary file in the same folder, then ``os.replace``) in the
format its suffix names.
"""

from __future__ import annotations

import argparse
import json

import geopandas as gpd

from geo.checks import DISTANCE_DECAYS, check_positive
from geo.commands._options import (
    FRAME_SUFFIXES,
    add_incident_arguments,
    add_routes_argument,
    load_routes,
    output_path,
    pipeline_inputs,
    record_lines,
    write_frame,
)
from geo.errors import ParameterError
from geo.export.atomic import write_bytes_atomic
from geo.i18n import gettext_noop, translator
from geo.pipeline import (
    route_exposure,
)
from geo.route_report import format_route_report
from geo.settings import DEFAULTS

__all__ = [
    "SEGMENT_COLUMNS",
    "register",
    "run",
]

#: Columns of the per-segment output, in order (geometry added for GPKG/GeoJSON).
SEGMENT_COLUMNS: list[str] = [
    "route_id",
    "route",
    "segment",
    "km_from",
    "km_to",
    "nearest_town",
    "nearest_town_km",
    "n_incidents",
    "exposure",
    "exposure_per_km",
    "exposure_class",
    "as_of",
    "imprecise",
]


# --------------------------------------------------------------------------- shared helpers


# --------------------------------------------------------------------------- command


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``exposure`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "exposure",
        help=gettext_noop("incident exposure of each corridor segment, or the route summary"),
        description=gettext_noop(
            "Cut the corridors into segments and score each by the incidents within "
            "--buffer-km, weighted by type, distance and age (half-life). Writes one row per "
            "segment (--out .gpkg/.geojson with geometry, .csv without), or with --summary "
            "prints the route summary, worst stretches, alternatives and the change over the "
            "last 30 days (--out .csv/.json to save it). Scores are incident exposure over the "
            "stated window and sources, not a safety rating."
        ),
    )
    parser.add_argument(
        "--route",
        default="all",
        metavar="NAME|all",
        help=gettext_noop("route_id to analyse, several separated by commas, or all (default)"),
    )
    parser.add_argument("--buffer-km", type=float, default=DEFAULTS.buffer_km, metavar="KM")
    parser.add_argument(
        "--half-life-days", type=float, default=DEFAULTS.half_life_days, metavar="DAYS"
    )
    parser.add_argument("--segment-km", type=float, default=DEFAULTS.segment_km, metavar="KM")
    parser.add_argument(
        "--distance-decay",
        default=DEFAULTS.distance_decay,
        choices=list(DISTANCE_DECAYS),
        help=gettext_noop("weight over distance from the road (default linear)"),
    )
    parser.add_argument(
        "--summary",
        action="store_true",
        help=gettext_noop("print the route summary and comparison"),
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help=gettext_noop("per segment: .gpkg, .geojson or .csv; with --summary: .csv or .json"),
    )
    add_incident_arguments(parser)
    add_routes_argument(parser)
    parser.set_defaults(func=run)


def _select_routes(routes: gpd.GeoDataFrame, wanted: str) -> gpd.GeoDataFrame:
    if wanted.strip().lower() == "all":
        return routes
    ids = [w.strip() for w in wanted.split(",") if w.strip()]
    known = [str(r) for r in routes["route_id"]]
    unknown = [w for w in ids if w not in known]
    if unknown or not ids:
        raise ParameterError(
            f"--route {wanted!r}: unknown route(s) {unknown or [wanted]}; "
            f"choose from {known} or all."
        )
    return routes[routes["route_id"].astype(str).isin(ids)]


def run(args: argparse.Namespace) -> int:
    """Compute route exposure and write or print it.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options of :func:`register`.

    Returns
    -------
    int
        0 on success.

    Raises
    ------
    RiskMapError
        For bad dates, paths, options or files (one line, exit 2).
    """
    if not args.summary and not args.out:
        raise ParameterError(
            "exposure needs --out FILE (.gpkg, .geojson or .csv) or --summary; "
            "e.g. python -m geo exposure --out segments.gpkg"
        )
    allowed = (".csv", ".json") if args.summary else FRAME_SUFFIXES
    out = output_path(args.out, allowed=allowed) if args.out else None
    check_positive("--buffer-km", args.buffer_km)
    check_positive("--half-life-days", args.half_life_days)
    check_positive("--segment-km", args.segment_km, minimum=0.05)
    routes = _select_routes(load_routes(args), args.route)
    selection, filters, params, context, note = pipeline_inputs(
        args,
        routes=routes,
        buffer_km=args.buffer_km,
        half_life_days=args.half_life_days,
        segment_km=args.segment_km,
        distance_decay=args.distance_decay,
    )
    report = route_exposure(selection, filters, params, context=context)
    tr = translator(args.lang)
    if args.summary:
        print(note)
        print(format_route_report(report, tr=tr), end="")
        if out is not None:
            if out.suffix.lower() == ".json":
                data = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
                written = write_bytes_atomic(data.encode("utf-8"), out)
            else:
                written = write_frame(report.to_frame(), out, layer="route_summary")
            print(
                tr.gettext("Wrote the summary of {n} routes to {file}.").format(
                    n=tr.number(len(report.summary)), file=written.name
                )
            )
        return 0

    result = report.exposure
    labels = routes.set_index(routes["route_id"].astype(str))
    table = result.assign(
        route=result["route_id"].map(labels["label"] if "label" in labels else labels["route_id"]),
        as_of=result.attrs.get("as_of"),
        imprecise=result.attrs.get("imprecise"),
    )
    table = gpd.GeoDataFrame(table[SEGMENT_COLUMNS + ["geometry"]], crs=result.crs)
    written = write_frame(table, out, layer="segment_exposure")
    print(note)
    print("\n".join(line for line in record_lines(result.attrs, tr=tr) if line))
    print(
        tr.gettext(
            "Wrote {n} segments of {routes} route(s) to {file} (buffer {buffer} km, half-life "
            "{half_life} days, {decay} decay)."
        ).format(
            n=tr.number(len(table)),
            routes=len(routes),
            file=written.name,
            buffer=tr.number(args.buffer_km),
            half_life=tr.number(args.half_life_days),
            decay=args.distance_decay,
        )
    )
    return 0
