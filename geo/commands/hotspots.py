"""``python -m geo hotspots``: kernel density, hex counts, Gi* or surge flags, headless.

kde, hex, gistar and surge compute through :mod:`geo.pipeline` (the functions
:func:`geo.pipeline.run_analysis` calls, with the same Filters and Params), on
every incident read: the window before ``--from`` counts as it does in the app.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.commands._engine import Engine, add_engine_arguments, open_engine
from geo.commands._help import HelpText
from geo.commands._options import (
    Inputs,
    add_input_arguments,
    analysis_window,
    load_inputs,
    parse_day,
    read_incidents,
    source_text,
    with_log,
)
from geo.commands.validate import local_path
from geo.emerging import (
    CATEGORY_LABELS,
    OUTPUT_COLUMNS,
    STEPS,
    emerging_for_incidents,
    emerging_message,
    event_hexes,
    inference_text,
)
from geo.errors import InsufficientDataError, ParameterError
from geo.export.tabular import TABLE_SUFFIXES, write_table_atomic
from geo.gistar import GISTAR_INFERENCES, GISTAR_VALUES, gistar_message, gistar_sentence
from geo.hotspots import density_unit, hex_counts, write_kde_geotiff
from geo.i18n import Translator, gettext_noop, translator
from geo.io.boundaries import read_boundaries
from geo.pipeline import (
    Context,
    Filters,
    Params,
    Selection,
    gistar_table,
    load_context,
    select_incidents,
    surge_table,
)
from geo.provenance import format_day, left_out_sentence
from geo.settings import DEFAULTS

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
    (
        "--bandwidth-km",
        float,
        DEFAULTS.kde_bandwidth_km,
        gettext_noop("KDE kernel standard deviation, km (default %(default)s)"),
    ),
    (
        "--cell-m",
        float,
        DEFAULTS.kde_cell_m,
        gettext_noop("KDE cell size, m (default %(default)s)"),
    ),
    (
        "--resolution",
        int,
        DEFAULTS.hex_resolution,
        gettext_noop("H3 resolution (hex; gistar --units hex) (default %(default)s)"),
    ),
    (
        "--alpha",
        float,
        DEFAULTS.gistar_alpha,
        gettext_noop("Gi* significance level (default %(default)s)"),
    ),
    (
        "--permutations",
        int,
        DEFAULTS.gistar_permutations,
        gettext_noop("Gi* permutations (permutation) (default %(default)s)"),
    ),
    (
        "--seed",
        int,
        DEFAULTS.gistar_seed,
        gettext_noop("Gi* permutation seed (default %(default)s)"),
    ),
    (
        "--hex-reach-km",
        float,
        DEFAULTS.gistar_hex_reach_km,
        gettext_noop("gistar --units hex study area (default %(default)s)"),
    ),
    (
        "--min-events",
        int,
        DEFAULTS.gistar_min_events,
        gettext_noop("fewest events for Gi* (default %(default)s)"),
    ),
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
        help=gettext_noop(
            "where incidents concentrate: KDE raster, hex counts, Gi* or surge flags"
        ),
        description=HelpText(
            gettext_noop(
                "Compute one hotspot analysis on the bundled incidents (or --incidents) and "
                "write it: --method kde writes a GeoTIFF (.tif); hex, gistar and surge write "
                "{formats}. Imprecise locations are left out of kde, hex and gistar unless "
                "--include-imprecise."
            ),
            formats=", ".join(sorted(TABLE_SUFFIXES)),
        ),
    )
    add_input_arguments(parser)
    add_engine_arguments(parser)
    parser.add_argument(
        "--method", required=True, choices=list(METHODS), help=gettext_noop("analysis")
    )
    for flag, kind, default, text in _NUMBER_OPTIONS:
        parser.add_argument(flag, type=kind, default=default, help=text)
    parser.add_argument(
        "--weight",
        choices=["none", "fatalities"],
        default="none",
        help=gettext_noop("KDE weight (default %(default)s)"),
    )
    parser.add_argument(
        "--units",
        "--unit",
        choices=["admin", "hex"],
        default="admin",
        help=gettext_noop(
            "units for gistar (default %(default)s; hex: the cells within --hex-reach-km "
            "of the window's events)"
        ),
    )
    parser.add_argument(
        "--level",
        type=int,
        choices=[1, 2, 3],
        help=gettext_noop(
            "admin level for gistar and surge: 1 regions, 2 cercles (default), "
            "3 the units of --admin (default when --admin is given)"
        ),
    )
    parser.add_argument(
        "--inference",
        choices=list(GISTAR_INFERENCES),
        default=DEFAULTS.gistar_inference,
        help=gettext_noop(
            "Gi* p-values: analytical (normal, from the z-score, as ArcGIS) or permutation "
            "(conditional, raised to what the FDR correction needs) (default %(default)s)"
        ),
    )
    parser.add_argument(
        "--value",
        choices=list(GISTAR_VALUES),
        default=DEFAULTS.gistar_value,
        help=gettext_noop("Gi* on incident counts or on incidents per km² (default %(default)s)"),
    )
    parser.add_argument(
        "--no-fdr",
        dest="fdr",
        action="store_false",
        help=gettext_noop("no Benjamini-Hochberg correction of Gi* p-values"),
    )
    parser.add_argument(
        "--as-of",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help=gettext_noop(
            "surge: last day of the latest week (default --to, else the latest event)"
        ),
    )
    parser.add_argument(
        "--include-imprecise",
        action="store_true",
        default=DEFAULTS.include_imprecise,
        help=gettext_noop("also use imprecise (centroid) locations in kde, hex and gistar"),
    )
    parser.add_argument(
        "--step",
        choices=list(STEPS),
        default=DEFAULTS.emerging_step,
        help=gettext_noop("emerging: time step of the cube (default %(default)s)"),
    )
    parser.add_argument(
        "--time-lag-steps",
        type=int,
        default=DEFAULTS.emerging_time_lag_steps,
        help=gettext_noop(
            "emerging: previous steps in a bin's neighbourhood (default %(default)s)"
        ),
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


@dataclass(frozen=True, eq=False)
class _Run:
    """What every pipeline method reads: incidents (all dates), filters, parameters, layers."""

    assigned: gpd.GeoDataFrame
    filters: Filters
    params: Params
    context: Context
    selection: Selection
    source: str
    engine: Engine


def _pipeline_run(args: argparse.Namespace, engine: Engine) -> _Run:
    """Read every incident, assign units, and build the Filters and Params of the options."""
    level = _level(args)
    result = with_log(read_incidents(args.incidents, lang=args.lang), getattr(args, "log", None))[0]
    context = load_context()
    if args.admin:
        own = read_boundaries(
            local_path(args.admin), id_col=args.admin_id_col, name_col=args.admin_name_col
        )
        context = replace(context, admin3=own)
    assigned = engine.assign(result.incidents, context)
    start, end = analysis_window(args.start, args.end, assigned["event_date"])
    filters = Filters(
        start=start,
        end=end,
        categories=tuple(args.event_types) if args.event_types else None,
        include_imprecise=args.include_imprecise,
    )
    params = Params(
        as_of=args.as_of or end,
        admin_level=level,
        kde_bandwidth_km=args.bandwidth_km,
        kde_cell_m=args.cell_m,
        kde_weight=None if args.weight == "none" else args.weight,
        hex_resolution=args.resolution,
        gistar_alpha=args.alpha,
        gistar_fdr=args.fdr,
        gistar_inference=args.inference,
        gistar_value=args.value,
        gistar_permutations=args.permutations,
        gistar_min_events=args.min_events,
        gistar_on=args.units,
        gistar_hex_reach_km=args.hex_reach_km,
        seed=args.seed,
    )
    selection = select_incidents(assigned, filters, params)
    source = Path(args.incidents).name if args.incidents else gettext_noop("bundled incidents")
    return _Run(assigned, filters, params, context, selection, source, engine)


def _run_kde(run: _Run, out: Path, tr: Translator) -> str:
    result, message = run.engine.kde(run.selection, run.filters, run.params)
    if result is None:
        raise InsufficientDataError(f"kde: {message}")
    write_kde_geotiff(result, out)
    rows, cols = result.array.shape
    return (
        tr.gettext(
            "kde: {n} events used; {cols}×{rows} cells of {cell} m, bandwidth {bandwidth} km, "
            "peak {peak} {unit}"
        ).format(
            n=tr.number(result.n_used),
            cols=cols,
            rows=rows,
            cell=tr.number(result.cell_m),
            bandwidth=tr.number(result.bandwidth_km),
            peak=f"{float(result.array.max()):.4g}",
            unit=density_unit(result.weight, tr=tr),
        )
        + f"\n  {left_out_sentence(result.left_out_reason, tr=tr)}"
    )


def _run_hex(run: _Run, tr: Translator) -> tuple[gpd.GeoDataFrame, str]:
    hexes = run.engine.hexes(run.selection, run.filters, run.params)
    a = hexes.attrs
    return hexes, (
        tr.gettext("hex: {n} events in {cells} cells (resolution {resolution})").format(
            n=tr.number(a["n_used"]),
            cells=tr.number(len(hexes)),
            resolution=run.params.hex_resolution,
        )
        + f"\n  {left_out_sentence(a['left_out_reason'], tr=tr)}"
    )


def _run_gistar(run: _Run, tr: Translator) -> tuple[gpd.GeoDataFrame, str]:
    result, message = gistar_table(
        run.assigned, run.selection, run.filters, run.params, context=run.context
    )
    if result is None:
        raise InsufficientDataError(gistar_message(message or "", tr=tr))
    if run.params.gistar_on == "hex":
        units = tr.gettext("H3 cells (resolution {resolution}, within {km} km of the events)")
        units = units.format(
            resolution=run.params.hex_resolution, km=tr.number(run.params.gistar_hex_reach_km)
        )
        used = tr.gettext("{n} events").format(n=tr.number(result.attrs["n_used"]))
    else:
        units = tr.gettext("admin units (level {level})").format(level=run.params.admin_level)
        w = result.attrs["window"]
        used = tr.gettext(
            "{n} events in the units ({outside} outside them); previous window "
            "{start}..{end}: {before} events"
        ).format(
            n=tr.number(w["events"] - w["unassigned"]),
            outside=tr.number(w["unassigned"]),
            start=format_day(w["prev_start"], tr=tr),
            end=format_day(w["prev_end"], tr=tr),
            before=tr.number(w["prev_events"] - w["prev_unassigned"]),
        )
    left = left_out_sentence(result.attrs.get("left_out_reason", {}), tr=tr)
    return result, f"gistar: {used}. {left} {gistar_sentence(result, units=units, tr=tr)}"


def _run_surge(run: _Run, tr: Translator) -> tuple[gpd.GeoDataFrame, str]:
    flags = surge_table(run.assigned, run.selection, run.params, context=run.context)
    units = _admin_units(run.context, run.params.admin_level)
    table = units[["unit_id", "name", units.geometry.name]].merge(
        flags, left_on="unit_id", right_index=True, how="left"
    )
    s = flags.attrs["surge"]
    return table, tr.gettext(
        "surge: as of {as_of}, {n} events in {units} units (level {level}); week flags {week}, "
        "month flags {month}, ignored as too quiet {quiet}"
    ).format(
        as_of=format_day(s["as_of"], tr=tr),
        n=tr.number(s["events_counted"]),
        units=tr.number(len(units)),
        level=run.params.admin_level,
        week=int(flags["week_flag"].sum()),
        month=int(flags["month_flag"].sum()),
        quiet=int(flags["ignored"].sum()),
    )


def _admin_units(context: Context, level: int) -> gpd.GeoDataFrame:
    return {1: context.admin1, 2: context.admin2, 3: context.admin3}[level]


def _mali_outline(inputs: Inputs) -> gpd.GeoDataFrame:
    return inputs.admin1[["geometry"]]


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
        what = (
            translator(args.lang)
            .gettext("H3 cells (resolution {resolution}) over Mali")
            .format(resolution=args.resolution)
        )
    else:
        level = _level(args)
        events, n_imprecise = inputs.assign(), 0
        units = _units(inputs, level)
        unit_col, id_col, keep = f"adm{level}_id", "unit_id", ["unit_id", "name"]
        what = translator(args.lang).gettext("admin units (level {level})").format(level=level)
    tr = translator(args.lang)
    try:
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
    except InsufficientDataError as exc:
        raise InsufficientDataError(emerging_message(str(exc), tr=tr)) from exc
    s = result.settings
    table = result.units[[*keep, *OUTPUT_COLUMNS, units.geometry.name]]
    found = ", ".join(
        f"{tr.gettext(CATEGORY_LABELS[k])} {v}" for k, v in s["categories"].items() if v
    )
    partial = (
        tr.gettext("; partial steps {steps}").format(steps=", ".join(s["partial_steps"]))
        if s["partial_steps"]
        else ""
    )
    imprecise = (
        tr.gettext(", {n} imprecise left out").format(n=tr.number(n_imprecise))
        if n_imprecise
        else ""
    )
    return table, tr.gettext(
        "emerging: {n} events on {units} {what}, {left} outside the units or the window"
        "{imprecise}; {steps} {step} steps {start} to {end}{partial}; time lag {lag}, Gi* alpha "
        "{alpha}, FDR {fdr}, trend alpha {trend_alpha}, hot share >= {share} ({needed} steps, "
        "{rule}); {inference}: {found}"
    ).format(
        n=tr.number(s["n_used"]),
        units=tr.number(len(units)),
        what=what,
        left=tr.number(s["n_left_out"]),
        imprecise=imprecise,
        steps=s["steps"],
        step=args.step,
        start=format_day(s["start"], tr=tr),
        end=format_day(s["end"], tr=tr),
        partial=partial,
        lag=s["time_lag_steps"],
        alpha=f"{s['gistar_alpha']:g}",
        fdr=tr.gettext("on") if s["fdr"] else tr.gettext("off"),
        trend_alpha=f"{s['trend_alpha']:g}",
        share=f"{s['share']:g}",
        needed=s["steps_needed_for_share"],
        rule=s["share_rule"],
        inference=inference_text(fdr=bool(s["fdr"]), tr=tr),
        found=found,
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
    tr = translator(args.lang)
    if args.method == "emerging":
        inputs = load_inputs(args)
        print(
            tr.gettext(
                "hotspots: {n} incidents from {source}, window {window} ({rejected} rows "
                "rejected by the reader)"
            ).format(
                n=tr.number(len(inputs.incidents)),
                source=source_text(inputs.source, tr=tr),
                window=inputs.window_text(tr=tr),
                rejected=tr.number(inputs.n_rejected),
            )
        )
        table, summary = _run_emerging(args, inputs)
        write_table_atomic(table, out, layer=args.method)
        print("  " + summary)
        print("  " + tr.gettext("wrote {file}").format(file=out.expanduser().absolute()))
        return 0
    with open_engine(args) as engine:
        return _run_pipeline_method(args, _pipeline_run(args, engine), out)


def _run_pipeline_method(args: argparse.Namespace, run: _Run, out: Path) -> int:
    sel = run.selection
    tr = translator(args.lang)
    print(
        tr.gettext(
            "hotspots: {n} incidents from {source} in the window {window} ({read} read)"
        ).format(
            n=tr.number(int(sel.in_window.sum())),
            source=tr.gettext(run.source),
            window=f"{format_day(sel.start, tr=tr)}..{format_day(sel.end, tr=tr)}",
            read=tr.number(len(run.assigned)),
        )
    )
    if args.method == "kde":
        print("  " + _run_kde(run, out, tr))
    else:
        runner = {"hex": _run_hex, "gistar": _run_gistar, "surge": _run_surge}[args.method]
        table, summary = runner(run, tr)
        write_table_atomic(table, out, layer=args.method)
        print("  " + summary)
    print("  " + tr.gettext("wrote {file}").format(file=out.expanduser().absolute()))
    return 0
