"""``python -m geo plan``: the shortest and the least-exposed road between two towns, compared.

Towns are found through the gazetteer (:mod:`geo.gazetteer`: accents, case and
French spellings do not matter); an unknown or ambiguous town prints one line
with the closest names and exits 2 before anything is computed or written.
Routes are planned on the bundled OSM roads, or on ``--roads FILE`` read through
the sandboxed reader (:func:`geo.io.routes.read_roads`) (:mod:`geo.roadgraph`,
:mod:`geo.planner`); ``--out`` is written atomically (:mod:`geo.export.plan`).
"""

from __future__ import annotations

import argparse

from geo.checks import check_positive, parse_date
from geo.commands._options import add_incident_arguments, load_incidents, output_path, record_lines
from geo.commands.validate import local_path
from geo.export.plan import PLAN_SUFFIXES, export_plan
from geo.gazetteer import build_gazetteer, resolve_town
from geo.io.bundled import load_roads, load_towns
from geo.io.routes import read_roads
from geo.planner import Plan, plan_trip
from geo.roadgraph import road_graph
from geo.settings import DEFAULTS

__all__ = ["format_plan", "register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plan`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "plan",
        help="shortest and least-exposed road between two towns, with alternatives",
        description="Plan a trip on the bundled OSM main roads: the shortest route, the route "
        "with the least incident exposure on the reported data over the stated window "
        "(cost = km x (1 + lambda x exposure per km)), and distinct alternatives, each with "
        "its length, exposure, km per exposure class, worst stretches, towns passed and the "
        "km it adds per unit of exposure avoided. Not a safety rating.",
    )
    parser.add_argument("--from-town", required=True, metavar="TOWN", help="origin town")
    parser.add_argument("--to-town", required=True, metavar="TOWN", help="destination town")
    parser.add_argument(
        "--via", action="append", default=[], metavar="TOWN", help="town to pass (repeatable)"
    )
    parser.add_argument(
        "--alternatives",
        type=int,
        default=DEFAULTS.plan_alternatives,
        metavar="K",
        help=f"distinct alternatives besides the two routes (default {DEFAULTS.plan_alternatives})",
    )
    parser.add_argument(
        "--lambda",
        dest="lambda_",
        type=float,
        default=DEFAULTS.plan_lambda,
        metavar="L",
        help="km of detour one unit of incident exposure is worth "
        f"(default {DEFAULTS.plan_lambda:g}; 0 = shortest only)",
    )
    parser.add_argument(
        "--roads",
        metavar="FILE",
        help="your own road network (GeoPackage, GeoJSON or zipped shapefile lines, read "
        "through the sandboxed reader); the bundled OSM main roads by default",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="plan.gpkg (layers routes, segments), plan.csv (routes), plan.pdf (briefing) "
        "or plan.png (map)",
    )
    add_incident_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Resolve the towns, plan the trip, print it and write ``--out``.

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
        An unknown town (with the closest names), a bad date, option, path or
        file: one line, exit 2, no file written.
    """
    out = output_path(args.out, allowed=tuple(PLAN_SUFFIXES)) if args.out else None
    gazetteer = build_gazetteer(load_towns())
    origin = resolve_town(gazetteer, args.from_town)
    destination = resolve_town(gazetteer, args.to_town)
    via = [resolve_town(gazetteer, name) for name in args.via]
    as_of = parse_date(args.as_of, what="--as-of")
    check_positive("--lambda", args.lambda_, minimum=-1e-12)
    incidents, note = load_incidents(args)
    if as_of is None and args.date_to:
        as_of = parse_date(args.date_to, what="--to")
    if args.roads:
        path = local_path(args.roads)
        roads = read_roads(path, name=path.name)
        print(f"Roads: {path.name}, {len(roads):,} lines (your layer).")
    else:
        roads = load_roads()
    graph = road_graph(roads, gazetteer.towns)
    plan = plan_trip(
        graph,
        incidents,
        origin=origin,
        destination=destination,
        via=via,
        as_of=as_of,
        lambda_=args.lambda_,
        k=args.alternatives,
        exposure_options={"imprecise": args.imprecise},
    )
    print(note)
    print(format_plan(plan), end="")
    if out is not None:
        written = export_plan(plan, out)
        print(f"Wrote the plan ({len(plan.routes)} routes) to {written.name}.")
    return 0


def format_plan(plan: Plan) -> str:
    """Write a plan as plain text: one block per route, then the plan's sentences.

    Parameters
    ----------
    plan : Plan

    Returns
    -------
    str
        Lines ending in a newline.
    """
    record = plan.record
    lines = [*(line for line in record_lines(record) if line)]
    lines.append(f"Trip: {record['origin']} – {record['destination']}.")
    for _, route in plan.routes.iterrows():
        lines.append("")
        lines.append(f"{route['label']} [{route['route_kind']}]")
        lines.append(
            f"  {route['length_km']:,.1f} km; incident exposure {route['exposure']:,.2f} "
            f"({route['exposure_per_km']:.3f} per km); {route['km_high_or_critical']:,.0f} km "
            "high or critical."
        )
        if route["route_kind"] != "shortest":
            lines.append(
                f"  Against the shortest route: {route['km_added']:+,.0f} km and "
                f"{-route['exposure_avoided']:+,.2f} incident exposure."
            )
        if route["roads"]:
            lines.append(f"  Roads: {route['roads']}.")
        lines.append(f"  Towns: {route['towns']}.")
        if route["worst_stretches"]:
            lines.append(f"  Worst stretches: {route['worst_stretches']}.")
    lines.append("")
    lines += plan.notes
    return "\n".join(lines) + "\n"
