"""``python -m geo join``: every incident with the country, region, cercle and commune it falls in.

Also home of the input options shared by the analysis commands (``join`` and
``hotspots``): where incidents and boundaries come from, the window and the
category filter, and a safe reader for a user's own boundary layer.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import pandas as pd

import geo  # noqa: F401  (GDAL hardening before pyogrio loads)
from geo.commands._engine import add_engine_arguments, open_engine
from geo.commands._help import HelpText
from geo.commands._options import add_input_arguments, load_inputs, source_text
from geo.commands.validate import local_path
from geo.errors import ParameterError
from geo.export.tabular import TABLE_SUFFIXES, write_table_atomic
from geo.i18n import gettext_noop, translator

__all__ = [
    "JOIN_COLUMNS",
    "register",
    "run",
]

#: Columns of the ``join`` output, in order (plus the point geometry).
JOIN_COLUMNS: list[str] = [
    "event_id",
    "event_date",
    "event_type",
    "category",
    "fatalities",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "region_2023",
    "adm1_id",
    "adm2_id",
    "adm3_id",
    "source_country",
    "source_admin1",
    "source_admin2",
    "location",
    "precise",
    "geo_precision",
    "source",
    "source_file",
    "source_row",
    "duplicate_of",
]


# --------------------------------------------------------------------------- the command


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``join`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "join",
        help=gettext_noop(
            "give every incident its country, region, cercle (and commune with --admin)"
        ),
        description=HelpText(
            gettext_noop(
                "Assign each incident to Mali's regions and cercles (bundled geoBoundaries) "
                "or to its neighbouring country, and write one row per incident. A point on "
                "a shared border goes to the unit with the lowest id. Output format from the "
                "suffix of --out: {formats}."
            ),
            formats=", ".join(sorted(TABLE_SUFFIXES)),
        ),
    )
    add_input_arguments(parser)
    add_engine_arguments(parser)
    parser.set_defaults(func=run)


def _join_table(assigned: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    table = pd.DataFrame(
        {
            "event_id": assigned["event_id"],
            "event_date": pd.to_datetime(assigned["event_date"]),
            "event_type": assigned["event_type"],
            "category": assigned["category"],
            "fatalities": assigned["fatalities"],
            "country": assigned["country_iso3"],
            "admin1": assigned["adm1_name"],
            "admin2": assigned["adm2_name"],
            "admin3": assigned["adm3_name"],
            "region_2023": assigned["region_2023"],
            "adm1_id": assigned["adm1_id"],
            "adm2_id": assigned["adm2_id"],
            "adm3_id": assigned["adm3_id"],
            "source_country": assigned["country"],
            "source_admin1": assigned["admin1"],
            "source_admin2": assigned["admin2"],
            "location": assigned["location"],
            "precise": assigned["precise"],
            "geo_precision": assigned["geo_precision"],
            "source": assigned["source"],
            "source_file": assigned["source_file"],
            "source_row": assigned["source_row"],
            "duplicate_of": assigned["duplicate_of"]
            if "duplicate_of" in assigned
            else pd.Series("", index=assigned.index, dtype=object),
        }
    )
    return gpd.GeoDataFrame(table, geometry=assigned.geometry.values, crs=assigned.crs)


def run(args: argparse.Namespace) -> int:
    """Assign incidents to admin units and write one row per incident.

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
    if out.suffix.lower() not in TABLE_SUFFIXES:
        raise ParameterError(
            f"--out {out.name!r}: tables are written as {sorted(TABLE_SUFFIXES)}; "
            "choose one of those suffixes."
        )
    inputs = load_inputs(args)
    rows = inputs.incidents
    if inputs.duplicates is not None:
        # Every row is written; the copies say which counted event they duplicate.
        counted = inputs.incidents.assign(duplicate_of="")
        rows = gpd.GeoDataFrame(
            pd.concat([counted, inputs.duplicates], ignore_index=True), crs=counted.crs
        )
    with open_engine(args) as engine:
        assigned = engine.assign(rows, inputs)
    path = write_table_atomic(_join_table(assigned), out, layer="incidents")
    info = assigned.attrs["assignment"]
    tr = translator(args.lang)
    n = tr.number
    outside = ", ".join(f"{k} {n(v)}" for k, v in sorted(info["outside_mali_by_country"].items()))
    print(
        tr.gettext(
            "join: {n} incidents from {source}, window {window} ({read} read, {rejected} rows "
            "rejected by the reader)"
        ).format(
            n=n(len(assigned)),
            source=source_text(inputs.source, tr=tr),
            window=inputs.window_text(tr=tr),
            read=n(inputs.n_read),
            rejected=n(inputs.n_rejected),
        )
    )
    extra = f", {Path(args.admin).name} {n(info['adm3_assigned'])}" if args.admin else ""
    print(
        "  "
        + tr.gettext(
            "in Mali: {mali} (region {adm1}, cercle {adm2}{extra}); in no Malian unit, by "
            "country: {outside}; in no country: {none}"
        ).format(
            mali=n(info["in_mali"]),
            adm1=n(info["adm1_assigned"]),
            adm2=n(info["adm2_assigned"]),
            extra=extra,
            outside=outside or tr.gettext("none"),
            none=n(info["no_country"]),
        )
    )
    rule = str(info["tie_break"])
    print("  " + tr.gettext("border points: {rule}").format(rule=tr.gettext(rule)))
    if inputs.duplicates is not None:
        print(
            "  "
            + tr.gettext(
                "{n} rows are copies of an event of another source (duplicate_of names the "
                "copy counted)"
            ).format(n=n(len(inputs.duplicates)))
        )
    if info["overlapping_units"]:
        first = info["overlapping_units"][0]
        print(
            "  "
            + tr.gettext(
                "warning: {n} pair(s) of units overlap (e.g. {a} and {b}, {km2} km²); points in "
                "an overlap go to the lower id: check the boundary layer."
            ).format(
                n=n(len(info["overlapping_units"])), a=first[0], b=first[1], km2=f"{first[2]:g}"
            )
        )
    print("  " + tr.gettext("wrote {file}").format(file=path))
    return 0
