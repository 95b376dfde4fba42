"""``python -m geo routes``: list the corridor routes with their lengths and published distances."""

from __future__ import annotations

import argparse

import pandas as pd

from geo.commands._options import add_routes_argument, load_routes, output_path, write_frame
from geo.crs import GEOD
from geo.i18n import gettext_noop, translator
from geo.route_names import route_name

__all__ = ["register", "run", "route_table"]


def route_table(routes: pd.DataFrame) -> pd.DataFrame:
    """One row per route: id, label, group, origin, destination, lengths, waypoints.

    Parameters
    ----------
    routes : GeoDataFrame
        Route lines in EPSG:4326 (:func:`geo.io.bundled.load_routes` or
        :func:`geo.io.routes.read_routes`).

    Returns
    -------
    DataFrame
        ``route_id``, ``label``, ``group``, ``origin``, ``destination``,
        ``length_km`` (WGS84 geodesic, measured here), ``published_km`` (NaN where
        the layer has none) and ``waypoints`` ("" where the layer has none).
    """
    table = pd.DataFrame({"route_id": routes["route_id"].astype(str).to_numpy()})
    for col in ("label", "group", "origin", "destination", "waypoints"):
        values = routes[col] if col in routes.columns else pd.Series("", index=routes.index)
        table[col] = values.fillna("").astype(str).to_numpy()
    table["label"] = table["label"].where(table["label"] != "", table["route_id"])
    table["length_km"] = [GEOD.geometry_length(g) / 1000.0 for g in routes.geometry.to_crs(4326)]
    published = routes["published_km"] if "published_km" in routes.columns else None
    table["published_km"] = (
        pd.to_numeric(published, errors="coerce").to_numpy()
        if published is not None
        else float("nan")
    )
    return table[
        [
            "route_id",
            "label",
            "group",
            "origin",
            "destination",
            "length_km",
            "published_km",
            "waypoints",
        ]
    ]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``routes`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "routes",
        help=gettext_noop("list the corridor routes with their lengths and published distances"),
        description=gettext_noop(
            "List the routes that `exposure` analyses: id, label, alternatives group, "
            "length measured on the WGS84 ellipsoid and the published road distance where one "
            "was found. The bundled routes are least-cost paths on OSM 2021 roads, not official "
            "designations."
        ),
    )
    add_routes_argument(parser)
    parser.add_argument("--out", metavar="FILE", help=gettext_noop("also write the list (.csv)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the route list (and write it with ``--out``).

    Parameters
    ----------
    args : argparse.Namespace
        ``routes``, ``out``.

    Returns
    -------
    int
        0 on success.
    """
    out = output_path(args.out, allowed=(".csv",)) if args.out else None
    tr = translator(args.lang)
    table = route_table(load_routes(args))
    for row in table.itertuples(index=False):
        published = (
            tr.gettext("published {km} km").format(km=tr.number(row.published_km))
            if pd.notna(row.published_km)
            else tr.gettext("no published distance")
        )
        group = (
            " " + tr.gettext("[alternatives: {group}]").format(group=row.group) if row.group else ""
        )
        km = tr.number(row.length_km, 1)
        print(f"{row.route_id}: {route_name(row.label, tr=tr)} - {km} km ({published}){group}")
        if row.waypoints:
            print(f"    {row.waypoints}")
    if out is not None:
        written = write_frame(table, out, layer="routes")
        print(
            tr.gettext("Wrote {n} routes to {file}.").format(
                n=tr.number(len(table)), file=written.name
            )
        )
    return 0
