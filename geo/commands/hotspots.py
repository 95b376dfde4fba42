"""``python -m geo hotspots``: kernel density, hex counts, Gi* or surge flags, headless."""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.admin import aggregate_admin
from geo.commands.join import Inputs, add_input_arguments, load_inputs, parse_day
from geo.commands.validate import local_path
from geo.crs import to_metric
from geo.emerging import (
    CATEGORY_LABELS,
    OUTPUT_COLUMNS,
    STEPS,
    emerging_for_incidents,
    event_hexes,
)
from geo.errors import ParameterError
from geo.export.tabular import TABLE_SUFFIXES, write_table_atomic
from geo.gistar import gistar
from geo.hotspots import hex_counts, kde_grid, write_kde_geotiff
from geo.settings import DEFAULTS
from geo.surge import surge_flags

__all__ = ["METHODS", "register", "run"]

#: Methods and what each writes.
METHODS: dict[str, str] = {
    "kde": "kernel density raster (GeoTIFF, metric CRS)",
    "hex": "incidents and fatalities per H3 cell",
    "gistar": "Getis-Ord Gi* hot and cold spots on admin units or hexes",
    "surge": "ACLED-style weekly and monthly surge flags per admin unit",
    "emerging": "emerging hot spot patterns per admin unit or hex over weeks, months or quarters",
}

#: Numeric options: flag, type, default, meaning.
_NUMBER_OPTIONS: list[tuple[str, type, float | int, str]] = [
    ("--bandwidth-km", float, DEFAULTS.kde_bandwidth_km, "KDE kernel standard deviation, km"),
    ("--cell-m", float, DEFAULTS.kde_cell_m, "KDE cell size, m"),
    ("--resolution", int, DEFAULTS.hex_resolution, "H3 resolution (hex; gistar --units hex)"),
    ("--alpha", float, DEFAULTS.gistar_alpha, "Gi* significance level"),
    ("--permutations", int, DEFAULTS.gistar_permutations, "Gi* permutations"),
    ("--seed", int, 0, "Gi* permutation seed"),
    ("--min-events", int, DEFAULTS.gistar_min_events, "fewest events for Gi*"),
]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``hotspots`` command to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "hotspots",
        help="where incidents concentrate: KDE raster, hex counts, Gi* or surge flags",
        description="Compute one hotspot analysis on the bundled incidents (or --incidents) "
        "and write it: --method kde writes a GeoTIFF (.tif); hex, gistar and surge write "
        f"{', '.join(sorted(TABLE_SUFFIXES))}. Imprecise locations are left out of kde, "
        "hex and gistar unless --include-imprecise.",
    )
    add_input_arguments(parser)
    parser.add_argument("--method", required=True, choices=list(METHODS), help="analysis")
    for flag, kind, default, text in _NUMBER_OPTIONS:
        parser.add_argument(flag, type=kind, default=default, help=f"{text} (default %(default)s)")
    parser.add_argument(
        "--weight",
        choices=["none", "fatalities"],
        default="none",
        help="KDE weight (default %(default)s)",
    )
    parser.add_argument(
        "--units",
        "--unit",
        choices=["admin", "hex"],
        default="admin",
        help="units for gistar (default %(default)s; hex runs over Mali's cells)",
    )
    parser.add_argument(
        "--level",
        type=int,
        choices=[1, 2, 3],
        help="admin level for gistar and surge: 1 regions, 2 cercles (default), "
        "3 the units of --admin (default when --admin is given)",
    )
    parser.add_argument(
        "--no-fdr",
        dest="fdr",
        action="store_false",
        help="no Benjamini-Hochberg correction of Gi* p-values",
    )
    parser.add_argument(
        "--as-of",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help="surge: last day of the latest week (default --to, else the latest event)",
    )
    parser.add_argument(
        "--include-imprecise",
        action="store_true",
        default=DEFAULTS.include_imprecise,
        help="also use imprecise (centroid) locations in kde, hex and gistar",
    )
    parser.add_argument(
        "--step",
        choices=list(STEPS),
        default=DEFAULTS.emerging_step,
        help="emerging: time step of the cube (default %(default)s)",
    )
    parser.add_argument(
        "--time-lag-steps",
        type=int,
        default=DEFAULTS.emerging_time_lag_steps,
        help="emerging: previous steps in a bin's neighbourhood (default %(default)s)",
    )
    parser.set_defaults(func=run)


def _check_out(method: str, out: Path) -> None:
    suffix = out.suffix.lower()
    if method == "kde" and suffix not in (".tif", ".tiff"):
        raise ParameterError(f"--out {out.name!r}: --method kde writes a GeoTIFF; use '.tif'.")
    if method != "kde" and suffix not in TABLE_SUFFIXES:
        raise ParameterError(
            f"--out {out.name!r}: --method {method} writes a table; use one of "
            f"{sorted(TABLE_SUFFIXES)}."
        )


def _left_out_text(n_left_out: int, reasons: dict[str, int]) -> str:
    if not n_left_out:
        return "none left out"
    return f"{n_left_out:,} left out (" + "; ".join(f"{k}: {v:,}" for k, v in reasons.items()) + ")"


def _level(args: argparse.Namespace) -> int:
    level = args.level or (3 if args.admin else 2)
    if level == 3 and not args.admin:
        raise ParameterError("--level 3 needs your own units: give them with --admin FILE.")
    return level


def _units(inputs: Inputs, level: int) -> gpd.GeoDataFrame:
    return {1: inputs.admin1, 2: inputs.admin2, 3: inputs.admin3}[level]


def _precise_only(
    incidents: gpd.GeoDataFrame, *, include_imprecise: bool
) -> tuple[gpd.GeoDataFrame, int]:
    if include_imprecise:
        return incidents, 0
    precise = incidents["precise"].fillna(False).astype(bool)
    return incidents.loc[precise.to_numpy()], int((~precise).sum())


def _run_kde(args: argparse.Namespace, inputs: Inputs, out: Path) -> str:
    result = kde_grid(
        to_metric(inputs.incidents, what="incidents"),
        bandwidth_km=args.bandwidth_km,
        cell_m=args.cell_m,
        weight=None if args.weight == "none" else args.weight,
        include_imprecise=args.include_imprecise,
    )
    write_kde_geotiff(result, out)
    rows, cols = result.array.shape
    return (
        f"kde: {result.n_used:,} events used, "
        f"{_left_out_text(result.n_left_out, result.left_out_reason)}; "
        f"{cols}×{rows} cells of {result.cell_m:g} m, bandwidth {result.bandwidth_km:g} km, "
        f"peak {float(result.array.max()):.4g} {result.unit}"
    )


def _mali_outline(inputs: Inputs) -> gpd.GeoDataFrame:
    return inputs.admin1[["geometry"]]


def _run_hex(args: argparse.Namespace, inputs: Inputs) -> tuple[gpd.GeoDataFrame, str]:
    hexes = hex_counts(
        inputs.incidents,
        resolution=args.resolution,
        include_imprecise=args.include_imprecise,
    )
    a = hexes.attrs
    return hexes, (
        f"hex: {a['n_used']:,} events in {len(hexes):,} cells (resolution {args.resolution}), "
        f"{_left_out_text(a['n_left_out'], a['left_out_reason'])}"
    )


def _run_gistar(args: argparse.Namespace, inputs: Inputs) -> tuple[gpd.GeoDataFrame, str]:
    if args.units == "hex":
        units = hex_counts(
            inputs.incidents,
            resolution=args.resolution,
            include_imprecise=args.include_imprecise,
            study_area=_mali_outline(inputs),
        )
        n_used, left = units.attrs["n_used"], units.attrs["n_left_out"]
        reasons = units.attrs["left_out_reason"]
        what = f"{len(units):,} H3 cells (resolution {args.resolution}) over Mali"
    else:
        level = _level(args)
        events, n_imprecise = _precise_only(
            inputs.incidents, include_imprecise=args.include_imprecise
        )
        assigned = inputs.assign(events)
        dates = pd.to_datetime(inputs.incidents["event_date"])
        units = aggregate_admin(
            assigned,
            _units(inputs, level),
            level=level,
            start=inputs.start or dates.min(),
            end=inputs.end or dates.max(),
        )
        window = units.attrs["window"]
        n_used = window["events"] - window["unassigned"]
        reasons = {}
        if n_imprecise:
            reasons["imprecise location (centroid or area)"] = n_imprecise
        if window["unassigned"]:
            reasons["outside the admin units"] = window["unassigned"]
        left = sum(reasons.values())
        what = f"{len(units):,} admin units (level {level})"
    result = gistar(
        units,
        value_col="incidents",
        alpha=args.alpha,
        fdr=args.fdr,
        permutations=args.permutations,
        seed=args.seed,
        min_events=args.min_events,
    )
    info = result.attrs["gistar"]
    classes = ", ".join(f"{k} {v:,}" for k, v in info["classes"].items())
    note = f"\n  note: {info['note']}" if info["note"] else ""
    return result, (
        f"gistar: {n_used:,} events on {what}, {_left_out_text(left, reasons)}; "
        f"alpha {args.alpha:g}, FDR {'on' if args.fdr else 'off'}, {args.permutations} "
        f"permutations, seed {args.seed}: {classes}{note}"
    )


def _run_surge(args: argparse.Namespace, inputs: Inputs) -> tuple[gpd.GeoDataFrame, str]:
    level = _level(args)
    assigned = inputs.assign()
    dates = pd.to_datetime(assigned["event_date"])
    as_of = args.as_of or inputs.end or (dates.max().date() if dates.notna().any() else None)
    if as_of is None:
        raise ParameterError("surge needs a date: no event is dated; give --as-of YYYY-MM-DD.")
    units = _units(inputs, level)
    flags = surge_flags(assigned, unit_col=f"adm{level}_id", as_of=as_of, unit_ids=units["unit_id"])
    table = units[["unit_id", "name", units.geometry.name]].merge(
        flags, left_on="unit_id", right_index=True, how="left"
    )
    s = flags.attrs["surge"]
    return table, (
        f"surge: as of {s['as_of']}, {s['events_counted']:,} events in {len(units):,} units "
        f"(level {level}); week flags {int(flags['week_flag'].sum())}, month flags "
        f"{int(flags['month_flag'].sum())}, ignored as too quiet {int(flags['ignored'].sum())}"
    )


def _run_emerging(args: argparse.Namespace, inputs: Inputs) -> tuple[gpd.GeoDataFrame, str]:
    dates = pd.to_datetime(inputs.incidents["event_date"])
    start, end = inputs.start or dates.min(), inputs.end or dates.max()
    if args.units == "hex":
        events, n_imprecise = _precise_only(
            inputs.incidents, include_imprecise=args.include_imprecise
        )
        units = hex_counts(
            events, resolution=args.resolution, study_area=_mali_outline(inputs)
        ).drop(columns=["incidents", "fatalities"])
        events = events.assign(hex=event_hexes(events, resolution=args.resolution))
        unit_col, id_col, keep = "hex", "hex", ["hex"]
        what = f"H3 cells (resolution {args.resolution}) over Mali"
    else:
        level = _level(args)
        events, n_imprecise = inputs.assign(), 0
        units = _units(inputs, level)
        unit_col, id_col, keep = f"adm{level}_id", "unit_id", ["unit_id", "name"]
        what = f"admin units (level {level})"
    result = emerging_for_incidents(
        events,
        units,
        unit_col=unit_col,
        id_col=id_col,
        step=args.step,
        start=start,
        end=end,
        time_lag_steps=args.time_lag_steps,
        gistar_alpha=args.alpha,
        fdr=args.fdr,
        min_events=args.min_events,
    )
    s = result.settings
    table = result.units[[*keep, *OUTPUT_COLUMNS, units.geometry.name]]
    found = ", ".join(f"{CATEGORY_LABELS[k]} {v}" for k, v in s["categories"].items() if v)
    partial = f"; partial steps {', '.join(s['partial_steps'])}" if s["partial_steps"] else ""
    imprecise = f", {n_imprecise:,} imprecise left out" if n_imprecise else ""
    return table, (
        f"emerging: {s['n_used']:,} events on {len(units):,} {what}, {s['n_left_out']:,} "
        f"outside the units or the window{imprecise}; {s['steps']} {args.step} steps "
        f"{s['start']} to {s['end']}{partial}; time lag {s['time_lag_steps']}, Gi* alpha "
        f"{s['gistar_alpha']:g}, FDR {'on' if s['fdr'] else 'off'}, trend alpha "
        f"{s['trend_alpha']:g}, hot share >= {s['share']:g} ({s['steps_needed_for_share']} "
        f"steps, {s['share_rule']}); {s['inference']}: {found}"
    )


def run(args: argparse.Namespace) -> int:
    """Compute the chosen hotspot analysis and write it.

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
    _check_out(args.method, out)
    inputs = load_inputs(args)
    print(
        f"hotspots: {len(inputs.incidents):,} incidents from {inputs.source}, window "
        f"{inputs.window_text()} ({inputs.n_rejected:,} rows rejected by the reader)"
    )
    if args.method == "kde":
        print("  " + _run_kde(args, inputs, out))
    else:
        runner = {
            "hex": _run_hex,
            "gistar": _run_gistar,
            "surge": _run_surge,
            "emerging": _run_emerging,
        }[args.method]
        table, summary = runner(args, inputs)
        write_table_atomic(table, out, layer=args.method)
        print("  " + summary)
    print(f"  wrote {out.expanduser().absolute()}")
    return 0
