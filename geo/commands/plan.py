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
from geo.commands._help import HelpText
from geo.commands._options import add_incident_arguments, load_incidents, output_path, record_lines
from geo.commands.validate import local_path
from geo.export.plan import PLAN_SUFFIXES, export_plan
from geo.gazetteer import build_gazetteer, resolve_town
from geo.i18n import Translator, gettext_noop, translator
from geo.io.bundled import load_roads, load_towns
from geo.io.routes import read_roads
from geo.planner import Plan, plan_notes, plan_trip, route_label_text
from geo.roadgraph import road_graph
from geo.settings import DEFAULTS

__all__ = ["format_plan", "register", "run"]

#: The default language of the plan text (``--lang`` chooses another).
_EN: Translator = translator()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plan`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "plan",
        help=gettext_noop("shortest and least-exposed road between two towns, with alternatives"),
        description=gettext_noop(
            "Plan a trip on the bundled OSM main roads: the shortest route, the route "
            "with the least incident exposure on the reported data over the stated window "
            "(cost = km x (1 + lambda x exposure per km)), and distinct alternatives, each with "
            "its length, exposure, km per exposure class, worst stretches, towns passed and the "
            "km it adds per unit of exposure avoided. Not a safety rating."
        ),
    )
    parser.add_argument(
        "--from-town", required=True, metavar="TOWN", help=gettext_noop("origin town")
    )
    parser.add_argument(
        "--to-town", required=True, metavar="TOWN", help=gettext_noop("destination town")
    )
    parser.add_argument(
        "--via",
        action="append",
        default=[],
        metavar="TOWN",
        help=gettext_noop("town to pass (repeatable)"),
    )
    parser.add_argument(
        "--alternatives",
        type=int,
        default=DEFAULTS.plan_alternatives,
        metavar="K",
        help=gettext_noop("distinct alternatives besides the two routes (default %(default)s)"),
    )
    parser.add_argument(
        "--lambda",
        dest="lambda_",
        type=float,
        default=DEFAULTS.plan_lambda,
        metavar="L",
        help=HelpText(
            gettext_noop(
                "km of detour one unit of incident exposure is worth (default {default}; "
                "0 = shortest only)"
            ),
            default=f"{DEFAULTS.plan_lambda:g}",
        ),
    )
    parser.add_argument(
        "--roads",
        metavar="FILE",
        help=gettext_noop(
            "your own road network (GeoPackage, GeoJSON or zipped shapefile lines, read "
            "through the sandboxed reader); the bundled OSM main roads by default"
        ),
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help=gettext_noop(
            "plan.gpkg (layers routes, segments), plan.csv (routes), plan.pdf (briefing) "
            "or plan.png (map)"
        ),
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
        print(
            translator(args.lang)
            .gettext("Roads: {file}, {n} lines (your layer).")
            .format(file=path.name, n=translator(args.lang).number(len(roads)))
        )
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
    tr = translator(args.lang)
    print(note)
    print(format_plan(plan, tr=tr), end="")
    if out is not None:
        written = export_plan(plan, out, tr=tr)
        print(
            tr.gettext("Wrote the plan ({n} routes) to {file}.").format(
                n=len(plan.routes), file=written.name
            )
        )
    return 0


def format_plan(plan: Plan, *, tr: Translator = _EN) -> str:
    """Write a plan as plain text: one block per route, then the plan's sentences.

    Parameters
    ----------
    plan : Plan
    tr : Translator
        The language (English by default); town and road names as written.

    Returns
    -------
    str
        Lines ending in a newline.
    """

    def signed(value: float, digits: int) -> str:
        return ("+" if value >= 0 else "-") + tr.number(abs(value), digits)

    record = plan.record
    lines = [*(line for line in record_lines(record, tr=tr) if line)]
    lines.append(
        tr.gettext("Trip: {origin} – {destination}.").format(
            origin=record["origin"], destination=record["destination"]
        )
    )
    for _, route in plan.routes.iterrows():
        lines.append("")
        lines.append(f"{route_label_text(route['label'], tr=tr)} [{route['route_kind']}]")
        lines.append(
            "  "
            + tr.gettext(
                "{km} km; incident exposure {exposure} ({per_km} per km); {high} km high or "
                "critical."
            ).format(
                km=tr.number(route["length_km"], 1),
                exposure=tr.number(route["exposure"], 2),
                per_km=tr.number(route["exposure_per_km"], 3),
                high=tr.number(route["km_high_or_critical"]),
            )
        )
        if route["route_kind"] != "shortest":
            lines.append(
                "  "
                + tr.gettext(
                    "Against the shortest route: {km} km and {exposure} incident exposure."
                ).format(
                    km=signed(route["km_added"], 0), exposure=signed(-route["exposure_avoided"], 2)
                )
            )
        if route["roads"]:
            lines.append("  " + tr.gettext("Roads: {roads}.").format(roads=route["roads"]))
        lines.append("  " + tr.gettext("Towns: {towns}.").format(towns=route["towns"]))
        if route["worst_stretches"]:
            lines.append(
                "  "
                + tr.gettext("Worst stretches: {stretches}.").format(
                    stretches=route["worst_stretches"]
                )
            )
    lines.append("")
    lines += plan_notes(plan, tr=tr)
    return "\n".join(lines) + "\n"
