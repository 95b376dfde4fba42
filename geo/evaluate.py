"""Backtest every hotspot map: did the cells a map ranked highest at t hold the next incidents.

Rolling origin (METHODS.md §3; Chainey, Tompson & Uhlig 2008; Hunt 2016): at each
origin t every map is built from the incidents up to t only, its value is read on
one common grid (H3 cells over the study area), the cells are ranked, and the top
1 / 5 / 10 % of the area is scored on the incidents of (t, t + horizon]: hit rate,
PAI and PEI. Naive baselines sit beside the maps: last period's counts per cell
and the long-run average.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from h3.api import basic_int as h3int

from geo.admin import aggregate_admin
from geo.crs import METRIC_CRS, WGS84, require_wgs84
from geo.errors import InsufficientDataError, ParameterError
from geo.gistar import gistar
from geo.hotspots import hex_counts, kde_grid
from geo.i18n import Translator, gettext_noop, translator
from geo.provenance import format_day
from geo.settings import DEFAULTS

#: The default language of the sentence (callers pass ``tr`` for another).
_EN: Translator = translator()

__all__ = [
    "METHOD_NAMES",
    "backtest_sentence",
    "BACKTEST_COLUMNS",
    "BACKTEST_METHODS",
    "Backtest",
    "backtest",
    "pai_plot_png",
    "score_ranking",
    "summary_frame",
]

#: Method -> what its map is, in words.
BACKTEST_METHODS: dict[str, str] = {
    "kde": "kernel density of the training window, at each cell's centre",
    "hex": "incident count per H3 cell in the training window",
    "gistar": "Gi* class of the cell's cercle (hot, not significant, cold; z breaks ties)",
    "admin_rate": "incidents per km² of the cell's cercle in the training window",
    "last_period": "baseline: incidents per cell in the last horizon before t",
    "long_run": "baseline: average incidents per cell over all data up to t",
}

#: Columns of the backtest table (``origin`` is a date, or "pooled" for the summary rows).
BACKTEST_COLUMNS: tuple[str, ...] = (
    "origin",
    "method",
    "coverage_pct",
    "hit_rate",
    "pai",
    "pei",
    "n_test",
)


@dataclass(frozen=True)
class Backtest:
    """A rolling-origin backtest: per-period scores, pooled scores and one sentence.

    Attributes
    ----------
    periods : DataFrame
        One row per origin × method × coverage (:data:`BACKTEST_COLUMNS`).
    pooled : DataFrame
        One row per method × coverage, ``origin`` "pooled": hits and test
        incidents summed over the origins, then HR, PAI, PEI.
    sentence : str
        Which map predicted best, how stably, on how many test incidents.
    settings : dict
        Window, horizon, step, training days, grid, coverages, events used.
    """

    periods: pd.DataFrame
    pooled: pd.DataFrame
    sentence: str
    settings: dict

    def table(self) -> pd.DataFrame:
        """Return the per-period rows followed by the pooled rows (the CSV)."""
        return pd.concat([self.periods, self.pooled], ignore_index=True)[list(BACKTEST_COLUMNS)]


def score_ranking(
    values: np.ndarray,
    test_counts: np.ndarray,
    *,
    coverage_pct: float,
) -> tuple[float, float, float]:
    """Count the expected hits of the top ``coverage_pct`` % of cells, and the best possible.

    Parameters
    ----------
    values : ndarray of float
        The map's value per cell (higher = more expected); NaN counts as the
        lowest value.
    test_counts : ndarray of int
        Test incidents per cell, aligned to ``values``.
    coverage_pct : float
        Share of the cells (equal-area H3 cells: of the area) flagged, 0..100.

    Returns
    -------
    hits : float
        Test incidents in the k = round(M · coverage / 100) top cells. Cells
        tied at the cut share the remaining places: each tied cell counts
        with weight (places left) / (cells tied), the expected hits of a
        random tie-break, so a map with no information scores its area share.
    best : float
        n_max: the most any k cells could hold (the test counts ranked by an
        oracle).
    share : float
        k / M, the area share actually flagged.

    Examples
    --------
    Four cells, one flagged (25 %): the top cell holds 2 of the 4 test incidents,
    the best cell holds 2 as well; a flat map expects a quarter of the 4.

    >>> score_ranking(np.array([3.0, 1.0, 0.0, 0.0]), np.array([2, 1, 1, 0]), coverage_pct=25)
    (2.0, 2.0, 0.25)
    >>> score_ranking(np.zeros(4), np.array([2, 1, 1, 0]), coverage_pct=25)
    (1.0, 2.0, 0.25)
    """
    m = values.size
    k = int(round(m * float(coverage_pct) / 100.0))
    k = min(max(k, 1), m)
    v = np.where(np.isfinite(values), values, -np.inf)
    counts = np.asarray(test_counts, dtype=float)
    cut = np.partition(v, m - k)[m - k]  # the k-th largest value
    above = v > cut
    tied = v == cut
    places = k - int(above.sum())
    hits = float(counts[above].sum()) + places * float(counts[tied].sum()) / int(tied.sum())
    best = float(np.sort(counts)[::-1][:k].sum())
    return hits, best, k / m


def _cells(study_area: object, resolution: int) -> gpd.GeoDataFrame:
    grid = hex_counts(
        gpd.GeoDataFrame(
            {"fatalities": [], "precise": []}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84
        ),
        resolution=resolution,
        study_area=study_area,
    )
    return grid[["hex", "geometry"]]


def _cell_index(events: gpd.GeoDataFrame, cell_ids: np.ndarray, resolution: int) -> np.ndarray:
    """Position in ``cell_ids`` (sorted uint64) of each precise event's cell, -1 outside."""
    precise = events["precise"].fillna(False).astype(bool).to_numpy()
    geoms = np.asarray(events.geometry.values, dtype=object)
    ok = precise & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out = np.full(len(events), -1, dtype=np.int64)
    if not ok.any():
        return out
    lng, lat = shapely.get_x(geoms[ok]), shapely.get_y(geoms[ok])
    finite = np.isfinite(lng) & np.isfinite(lat)
    cells = np.zeros(ok.sum(), dtype=np.uint64)
    cells[finite] = [
        h3int.latlng_to_cell(float(a), float(b), resolution)
        for a, b in zip(lat[finite], lng[finite], strict=True)
    ]
    pos = np.searchsorted(cell_ids, cells)
    pos = np.clip(pos, 0, len(cell_ids) - 1)
    found = finite & (cell_ids[pos] == cells)
    where = np.flatnonzero(ok)
    out[where[found]] = pos[found]
    return out


def _counts(cell_pos: np.ndarray, mask: np.ndarray, m: int) -> np.ndarray:
    sel = cell_pos[mask & (cell_pos >= 0)]
    return np.bincount(sel, minlength=m).astype(float)


def _kde_values(window: gpd.GeoDataFrame, centres_m: np.ndarray, bounds_m: tuple) -> np.ndarray:
    if not len(window):
        return np.zeros(len(centres_m))
    kde = kde_grid(
        window.to_crs(METRIC_CRS),
        bandwidth_km=DEFAULTS.kde_bandwidth_km,
        cell_m=DEFAULTS.evaluate_kde_cell_m,
        bounds_m=bounds_m,
    )
    inv = ~kde.transform
    col, row = inv @ (centres_m[:, 0], centres_m[:, 1])
    col, row = np.floor(col).astype(np.int64), np.floor(row).astype(np.int64)
    rows, cols = kde.array.shape
    inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
    out = np.zeros(len(centres_m))
    out[inside] = kde.array[row[inside], col[inside]]
    return out


def _unit_maps(
    assigned: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    cell_unit: np.ndarray,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> tuple[np.ndarray, np.ndarray]:
    """Gi* (class rank + z tie-break) and rate per km² of each cell's cercle."""
    table = aggregate_admin(assigned, units, level=2, start=start, end=end)
    rate = (table["incidents"] / table["area_km2"]).to_numpy(dtype=float)
    try:
        g = gistar(table, value_col="incidents")
        rank = g["gistar_class"].map({"hot": 2.0, "not_significant": 1.0, "cold": 0.0})
        z = np.nan_to_num(g["z"].to_numpy(dtype=float))
        # class first; z (|z| < 50 in practice) only orders cells within a class
        gi = rank.fillna(1.0).to_numpy(dtype=float) * 1000.0 + np.clip(z, -400, 400)
    except InsufficientDataError:
        gi = np.zeros(len(table))  # no map: every cell ties (scores its area share)
    inside = cell_unit >= 0
    gi_cells = np.full(cell_unit.size, -np.inf)
    rate_cells = np.zeros(cell_unit.size)
    gi_cells[inside] = gi[cell_unit[inside]]
    rate_cells[inside] = rate[cell_unit[inside]]
    return gi_cells, rate_cells


def _origins(start: dt.date, end: dt.date, horizon_days: int, step_days: int) -> list[pd.Timestamp]:
    first, last = pd.Timestamp(start), pd.Timestamp(end) - pd.Timedelta(days=horizon_days)
    out = []
    t = first
    while t <= last:
        out.append(t)
        t += pd.Timedelta(days=step_days)
    return out


def backtest(
    assigned: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    start: dt.date,
    end: dt.date,
    horizon_days: int = DEFAULTS.evaluate_horizon_days,
    step_days: int = DEFAULTS.evaluate_step_days,
    train_days: int = DEFAULTS.window_days,
    coverages_pct: Sequence[float] = DEFAULTS.evaluate_coverages_pct,
    resolution: int = DEFAULTS.evaluate_resolution,
    progress: Callable[[int, int, pd.Timestamp], None] | None = None,
) -> Backtest:
    """Score every hotspot map on the incidents that followed it, origin by origin.

    Parameters
    ----------
    assigned : GeoDataFrame
        Incidents with their cercle (:func:`geo.pipeline.prepare_incidents`),
        EPSG:4326, all dates. Only precise events are placed in cells (train
        and test); admin maps count every event in its cercle, as the app.
    units : GeoDataFrame
        The cercles (``unit_id``, polygons, EPSG:4326); their union is the
        study area.
    start, end : datetime.date
        First origin, and the last day any test window may reach.
    horizon_days : int
        Test window (t, t + horizon] after each origin t.
    step_days : int
        Days between origins.
    train_days : int
        Window (t − train_days, t] the KDE, hex, Gi* and rate maps are built on
        (the app's default window).
    coverages_pct : sequence of float
        Shares of the area flagged (1, 5, 10 %).
    resolution : int
        H3 resolution of the common grid (6: about 36 km² a cell).
    progress : callable, optional
        ``progress(i, n, origin)`` after each origin.

    Returns
    -------
    Backtest
        Per-period and pooled scores and the summary sentence.

    Raises
    ------
    ParameterError
        If the window is empty, shorter than one horizon, or an option is not
        positive.

    Notes
    -----
    With N test incidents on the grid, n of them in the flagged cells
    (:func:`score_ranking`, ties shared), a/A the flagged area share and
    n_max the oracle's hits at equal area (METHODS.md §3):

        HR = n / N,   PAI = HR / (a / A),   PEI = n / n_max.

    Chainey, S., Tompson, L. and Uhlig, S. (2008) "The utility of hotspot
    mapping for predicting spatial patterns of crime", *Security Journal*
    21: 4-28; Hunt, J. (2016) "Do crime hot spots move?", *NIJ Journal* 277.
    A PAI of 1 is a uniform map. Pooled rows sum n, N and n_max over the
    origins (periods weigh by their incidents). Origins with no test
    incident on the grid are kept with ``n_test`` 0 and NaN scores. Cost
    per origin: one KDE on the study area's bounds at
    ``DEFAULTS.evaluate_kde_cell_m`` plus O(cells) for the rest.
    """
    require_wgs84(assigned, what="incidents")
    for name, value in (("horizon_days", horizon_days), ("step_days", step_days)):
        if int(value) < 1:
            raise ParameterError(f"`{name}` was {value!r}; give a whole number of days >= 1.")
    origins = _origins(start, end, int(horizon_days), int(step_days))
    if not origins:
        raise ParameterError(
            f"the window {start}..{end} is shorter than one horizon of {horizon_days} days; "
            "widen --from/--to or shorten --horizon-days."
        )
    study = shapely.union_all(np.asarray(units.to_crs(WGS84).geometry.values, dtype=object))
    cells = _cells(study, resolution)
    cell_ids = np.array([h3int.str_to_int(c) for c in cells["hex"]], dtype=np.uint64)
    order = np.argsort(cell_ids)
    cells, cell_ids = cells.iloc[order].reset_index(drop=True), cell_ids[order]
    m = len(cells)
    centres = cells.geometry.to_crs(METRIC_CRS).centroid
    centres_m = np.column_stack([centres.x.to_numpy(), centres.y.to_numpy()])
    bounds_m = tuple(cells.to_crs(METRIC_CRS).total_bounds)
    centre_pts = gpd.GeoDataFrame(geometry=centres.to_crs(WGS84), crs=WGS84)
    hit_unit = gpd.sjoin(centre_pts, units[["geometry"]].reset_index(drop=True), predicate="within")
    cell_unit = np.full(m, -1, dtype=np.int64)
    cell_unit[hit_unit.index.to_numpy()] = hit_unit["index_right"].to_numpy()

    dates = pd.to_datetime(assigned["event_date"]).to_numpy()
    cell_pos = _cell_index(assigned, cell_ids, resolution)
    horizon = pd.Timedelta(days=int(horizon_days))
    train = pd.Timedelta(days=int(train_days))
    first_date = dates.min() if len(dates) else np.datetime64("NaT")
    rows: list[dict] = []
    for i, t in enumerate(origins):
        t64 = t.to_datetime64()
        upto = dates <= t64
        in_train = upto & (dates > (t - train).to_datetime64())
        in_last = upto & (dates > (t - horizon).to_datetime64())
        in_test = (dates > t64) & (dates <= (t + horizon).to_datetime64())
        test = _counts(cell_pos, in_test, m)
        periods_seen = max(1.0, (t64 - first_date) / np.timedelta64(int(horizon_days), "D"))
        gi, rate = _unit_maps(assigned, units, cell_unit, t - train + pd.Timedelta(days=1), t)
        maps = {
            "kde": _kde_values(assigned[in_train], centres_m, bounds_m),
            "hex": _counts(cell_pos, in_train, m),
            "gistar": gi,
            "admin_rate": rate,
            "last_period": _counts(cell_pos, in_last, m),
            "long_run": _counts(cell_pos, upto, m) / periods_seen,
        }
        n_test = int(test.sum())
        for method, values in maps.items():
            for cov in coverages_pct:
                hits, best, share = score_ranking(values, test, coverage_pct=cov)
                rows.append(
                    {
                        "origin": str(t.date()),
                        "method": method,
                        "coverage_pct": float(cov),
                        "hits": hits,
                        "best": best,
                        "share": share,
                        "n_test": n_test,
                    }
                )
        if progress is not None:
            progress(i + 1, len(origins), t)
    raw = pd.DataFrame(rows)
    periods = _scored(raw)
    pooled = _scored(
        raw.groupby(["method", "coverage_pct"], sort=False)
        .agg(
            hits=("hits", "sum"),
            best=("best", "sum"),
            share=("share", "mean"),
            n_test=("n_test", "sum"),
        )
        .reset_index()
        .assign(origin="pooled")
    )
    settings = {
        "start": str(start),
        "end": str(end),
        "horizon_days": int(horizon_days),
        "step_days": int(step_days),
        "train_days": int(train_days),
        "origins": len(origins),
        "grid": f"{m:,} H3 cells at resolution {resolution} over the study area",
        "coverages_pct": [float(c) for c in coverages_pct],
        "events_on_grid": int((cell_pos >= 0).sum()),
    }
    return Backtest(periods, pooled, _sentence(periods, pooled, settings), settings)


def _scored(raw: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        n = raw["n_test"].to_numpy(dtype=float)
        hr = np.where(n > 0, raw["hits"] / n, np.nan)
        pai = hr / raw["share"].to_numpy(dtype=float)
        best = raw["best"].to_numpy(dtype=float)
        pei = np.where(best > 0, raw["hits"] / best, np.nan)
    out = raw.assign(hit_rate=hr, pai=pai, pei=pei, n_test=raw["n_test"].astype(int))
    return out[list(BACKTEST_COLUMNS)].reset_index(drop=True)


def backtest_sentence(result: Backtest, *, tr: Translator = _EN) -> str:
    """Say which map predicted best, in the language of ``tr`` (``Backtest.sentence`` in English).

    Parameters
    ----------
    result : Backtest
        A backtest from :func:`backtest`.
    tr : Translator
        The language of the sentence; English when not given.

    Returns
    -------
    str
        The best map at 5 % of the area, its hit rate and PAI against the best rival.
    """
    return _sentence(result.periods, result.pooled, result.settings, tr=tr)


#: Each method of the backtest in words, as the sentence names it.
METHOD_NAMES: dict[str, str] = {
    "kde": gettext_noop("the kde map"),
    "hex": gettext_noop("the hex map"),
    "gistar": gettext_noop("the gistar map"),
    "admin_rate": gettext_noop("the admin rate map"),
    "last_period": gettext_noop("the last period baseline"),
    "long_run": gettext_noop("the long run baseline"),
}


def _sentence(
    periods: pd.DataFrame, pooled: pd.DataFrame, settings: dict, *, tr: Translator = _EN
) -> str:
    coverages = settings["coverages_pct"]
    cov = 5.0 if 5.0 in coverages else coverages[len(coverages) // 2]
    at = pooled[pooled["coverage_pct"] == cov].set_index("method")
    if at["pai"].isna().all():
        return tr.gettext(
            "No test incident fell on the grid in {n} origins; the backtest cannot say which "
            "map predicts best."
        ).format(n=settings["origins"])
    best = str(at["pai"].idxmax())
    per = periods[(periods["coverage_pct"] == cov) & (periods["n_test"] > 0)]
    wide = per.pivot(index="origin", columns="method", values="pai")
    wins = int((wide.idxmax(axis=1) == best).sum())
    baselines = ["last_period", "long_run"]
    rivals = [m for m in at.index if (m in baselines) != (best in baselines)]
    rival = str(at.loc[rivals, "pai"].fillna(-math.inf).idxmax())

    def name(method: str) -> str:
        if method in METHOD_NAMES:
            return tr.gettext(METHOD_NAMES[method])
        return f"the {method.replace('_', ' ')} {'baseline' if method in baselines else 'map'}"

    return tr.gettext(
        "On this data {best} predicted best: its top {cov} % of the area held {hit} % of the "
        "next {days} days' incidents (PAI {pai}, against {rival_pai} for {rival}), and it was "
        "the best in {wins} of {periods} periods with test incidents; {n} test incidents over "
        "{origins} origins from {start}."
    ).format(
        best=name(best),
        cov=f"{cov:g}",
        hit=tr.number(100 * at.loc[best, "hit_rate"]),
        days=settings["horizon_days"],
        pai=tr.number(at.loc[best, "pai"], 1),
        rival_pai=tr.number(at.loc[rival, "pai"], 1),
        rival=name(rival),
        wins=wins,
        periods=len(wide),
        n=tr.number(int(at.loc[best, "n_test"])),
        origins=settings["origins"],
        start=format_day(settings["start"], tr=tr),
    )


def summary_frame(result: Backtest) -> pd.DataFrame:
    """Return the pooled scores as one row per method: PAI and hit rate at each coverage.

    Parameters
    ----------
    result : Backtest
        From :func:`backtest`.

    Returns
    -------
    DataFrame
        Columns ``method``, ``what``, then ``PAI at c %`` and ``hit rate at c %``
        for each coverage c, and ``test incidents``; methods best first (PAI at
        the middle coverage). Used by the app's About view and the PDF.
    """
    pooled = result.pooled
    wide = pooled.pivot(index="method", columns="coverage_pct", values=["pai", "hit_rate"])
    out = pd.DataFrame({"method": wide.index, "what": [BACKTEST_METHODS[m] for m in wide.index]})
    for cov in result.settings["coverages_pct"]:
        out[f"PAI at {cov:g} %"] = wide[("pai", cov)].round(2).to_numpy()
    for cov in result.settings["coverages_pct"]:
        out[f"hit rate at {cov:g} %"] = (100 * wide[("hit_rate", cov)]).round(1).to_numpy()
    n = pooled.groupby("method")["n_test"].first()
    out["test incidents"] = n.reindex(wide.index).to_numpy()
    middle = result.settings["coverages_pct"][len(result.settings["coverages_pct"]) // 2]
    return out.sort_values(f"PAI at {middle:g} %", ascending=False).reset_index(drop=True)


def pai_plot_png(result: Backtest, *, coverage_pct: float | None = None) -> bytes:
    """Draw PAI over time, one line per method, as PNG bytes (matplotlib Agg, no pyplot).

    Parameters
    ----------
    result : Backtest
        From :func:`backtest`.
    coverage_pct : float, optional
        Which coverage to plot (5 % by default when it was scored).

    Returns
    -------
    bytes
        The PNG image.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    coverages = result.settings["coverages_pct"]
    cov = coverage_pct if coverage_pct is not None else (5.0 if 5.0 in coverages else coverages[0])
    per = result.periods[result.periods["coverage_pct"] == cov]
    fig = Figure(figsize=(8, 4), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for method in BACKTEST_METHODS:
        rows = per[per["method"] == method]
        style = "--" if method in ("last_period", "long_run") else "-"
        ax.plot(pd.to_datetime(rows["origin"]), rows["pai"], style, marker=".", label=method)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_ylabel(f"PAI at {cov:g} % of the area")
    ax.set_title(
        f"Backtest: PAI per origin, next {result.settings['horizon_days']} days "
        "(1 = no better than a uniform map)",
        fontsize=9,
    )
    ax.legend(fontsize=7, ncol=3)
    fig.autofmt_xdate()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
