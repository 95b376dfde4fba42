"""``python -m geo sites``: incident exposure of each mine, factory, plant and industrial site."""

from __future__ import annotations

import argparse

import geopandas as gpd

from geo.checks import check_positive
from geo.commands._options import (
    add_incident_arguments,
    output_path,
    pipeline_inputs,
    write_frame,
)
from geo.commands.validate import local_path
from geo.errors import ParameterError
from geo.i18n import gettext_noop, translator
from geo.io.bundled import load_sites
from geo.io.sites import read_sites
from geo.pipeline import site_table
from geo.schema import CATEGORIES
from geo.settings import DEFAULTS
from geo.sites import format_site_summary

__all__ = ["SITE_COLUMNS", "add_sites_argument", "load_site_list", "register", "run"]

#: Columns of the per-site output, in order (those the site layer has; geometry added).
SITE_COLUMNS: list[str] = [
    "rank",
    "is_key_site",
    "site_id",
    "name",
    "site_type",
    "operator",
    "status",
    "country",
    "admin1",
    "location_precision",
    "n_30d",
    "n_90d",
    "n_365d",
    "n_prev_90d",
    "trend",
    "trend_text",
    "nearest_date",
    "nearest_category",
    "nearest_event_type",
    "nearest_location",
    "nearest_source",
    "nearest_km",
    "exposure",
    "exposure_class",
    "n_spread_365d",
    "as_of",
]


def _category_radius(text: str) -> tuple[str, float]:
    """Parse ``CATEGORY=KM``."""
    cat, sep, km = text.partition("=")
    cat = cat.strip()
    if not sep or cat not in CATEGORIES:
        raise ParameterError(
            f"--category-radius {text!r} is not CATEGORY=KM with CATEGORY one of "
            f"{list(CATEGORIES)}; e.g. --category-radius abduction=50."
        )
    return cat, check_positive(f"--category-radius {cat}", km)


def add_sites_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--sites FILE``: the user's own site list instead of the bundled sites.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    parser.add_argument(
        "--sites",
        metavar="FILE",
        help=gettext_noop(
            "your own sites instead of the bundled ones: points or polygons with a name "
            "and a type (GeoJSON, GeoPackage, zipped shapefile, or CSV with latitude and "
            "longitude columns), read through the sandboxed reader"
        ),
    )


def load_site_list(args: argparse.Namespace) -> gpd.GeoDataFrame:
    """Return ``--sites FILE`` read through :func:`geo.io.sites.read_sites`, or the bundled sites.

    Parameters
    ----------
    args : argparse.Namespace
        ``sites`` (a path or None).

    Returns
    -------
    GeoDataFrame
        EPSG:4326 sites with ``site_id``, ``name`` and ``site_type``.

    Raises
    ------
    InputFileError
        If the path is a URL or the file is refused or unreadable.
    """
    if args.sites:
        return read_sites(local_path(args.sites))
    return load_sites(kind="points")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sites`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "sites",
        help=gettext_noop("incident exposure of mines, factories, plants and industrial sites"),
        description=gettext_noop(
            "For each bundled site (or each site of --sites FILE): incidents within "
            "--radius-km in the last 30, 90 and 365 days, the nearest incident of the last year, "
            "the trend of the last 90 days against the 90 before, and a weighted exposure score "
            "and class. Prints the ranking (key sites first); --out writes one row per site "
            "(.gpkg/.geojson with geometry, .csv without)."
        ),
    )
    parser.add_argument("--radius-km", type=float, default=DEFAULTS.site_radius_km, metavar="KM")
    parser.add_argument(
        "--category-radius",
        action="append",
        default=[],
        metavar="CATEGORY=KM",
        help=gettext_noop("another radius for one category, e.g. abduction=50 (repeatable)"),
    )
    parser.add_argument(
        "--half-life-days", type=float, default=DEFAULTS.half_life_days, metavar="DAYS"
    )
    parser.add_argument(
        "--top", type=int, default=10, metavar="N", help=gettext_noop("sites printed per group")
    )
    parser.add_argument(
        "--out", metavar="FILE", help=gettext_noop("one row per site: .gpkg, .geojson or .csv")
    )
    add_sites_argument(parser)
    add_incident_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute site exposure, print the ranking and write it with ``--out``.

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
    out = output_path(args.out, allowed=(".csv", ".gpkg", ".geojson")) if args.out else None
    check_positive("--radius-km", args.radius_km)
    if args.top < 1:
        raise ParameterError(f"--top was {args.top}; give a number of sites >= 1.")
    radii = dict(_category_radius(text) for text in args.category_radius)
    selection, filters, params, context, note = pipeline_inputs(
        args,
        sites=load_site_list(args),
        site_radius_km=args.radius_km,
        site_category_radius_km=tuple(sorted(radii.items())),
        half_life_days=args.half_life_days,
    )
    result = site_table(selection, filters, params, context=context)
    print(note)
    tr = translator(args.lang)
    print(format_site_summary(result, n=args.top, tr=tr), end="")
    if out is not None:
        table = result.assign(as_of=result.attrs.get("as_of")).sort_values("rank")
        columns = [c for c in SITE_COLUMNS if c in table.columns] + ["geometry"]
        written = write_frame(
            gpd.GeoDataFrame(table[columns], crs=result.crs), out, layer="site_exposure"
        )
        print(
            tr.gettext("Wrote {n} sites to {file}.").format(
                n=tr.number(len(table)), file=written.name
            )
        )
    return 0
