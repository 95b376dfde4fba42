"""Surge flags: units whose latest week or month is at least double their recent average (ACLED)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from geo.errors import ParameterError

__all__ = ["surge_flags"]


def surge_flags(
    assigned: pd.DataFrame,
    *,
    unit_col: str,
    as_of: object,
    unit_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Flag units whose latest week or month is at least double their recent average.

    Parameters
    ----------
    assigned : DataFrame
        Incidents with ``event_date`` and ``unit_col`` (e.g. from
        :func:`geo.admin.assign_admin`); rows with an empty unit are ignored.
        Filter event types before calling (ACLED counts political violence).
        Not modified.
    unit_col : str
        Unit column, e.g. ``adm1_id`` (region) or ``adm2_id`` (cercle).
    as_of : date-like
        Last day of the latest week and month (included).
    unit_ids : iterable of str, optional
        Units to list even without events (they are never flagged).

    Returns
    -------
    DataFrame
        Indexed by unit id (sorted): ``latest_week``, ``avg_week_prev_4``,
        ``week_change_pct``, ``latest_month``, ``avg_month_prev_12``,
        ``month_change_pct``, ``events_per_4_weeks``, ``ignored``,
        ``week_flag``, ``month_flag``. ``attrs["surge"]`` gives the windows.

    Raises
    ------
    ParameterError
        If ``unit_col`` is missing or ``as_of`` is not a date.

    Notes
    -----
    ACLED's Subnational Surge and Threat Trackers (acleddata.com, Early Warning
    hub) applied below ADMIN1. Periods are whole days counted back from
    ``as_of``: week = 7 days; month = 4 weeks (28 days), as ACLED data is
    weekly.

    - week_flag: latest_week >= 2 × avg_week_prev_4 (a rise of 100 % or more),
      avg_week_prev_4 = events in the 4 weeks before the latest week / 4;
    - month_flag: latest_month >= 2 × avg_month_prev_12, avg_month_prev_12 =
      events in the 12 four-week months before the latest month / 12;
    - units averaging under one event per four weeks over the 52 weeks ending
      ``as_of`` are ignored (never flagged), so one event in a quiet unit is
      not a surge; a flag also needs at least one event in the latest period.
    Change percentages are NaN when the average is 0.
    """
    if unit_col not in assigned.columns:
        raise ParameterError(
            f"`unit_col` was {unit_col!r} but the incidents have no such column; "
            "run geo.admin.assign_admin first (adm1_id, adm2_id, ...)."
        )
    try:
        day = pd.Timestamp(as_of)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"`as_of` was {as_of!r}; give a date as YYYY-MM-DD.") from exc
    if pd.isna(day):
        raise ParameterError("`as_of` is missing; give a date as YYYY-MM-DD.")
    day = day.normalize()
    dates = pd.to_datetime(assigned["event_date"]).dt.normalize()
    back = (day - dates).dt.days.to_numpy(dtype=float)  # NaN for missing dates
    keys = assigned[unit_col].fillna("").astype(str).to_numpy(dtype=object)
    ok = (keys != "") & np.isfinite(back) & (back >= 0)
    keys, back = keys[ok], back[ok]

    def count(lo: int, hi: int) -> pd.Series:
        sel = (back >= lo) & (back <= hi)
        return pd.Series(keys[sel]).value_counts()

    extra_ids = [] if unit_ids is None else [str(u) for u in unit_ids]
    ids = sorted(set(keys) | set(extra_ids))
    frame = pd.DataFrame(index=pd.Index(ids, name="unit_id"))
    frame["latest_week"] = count(0, 6).reindex(ids).fillna(0).astype("int64").to_numpy()
    frame["avg_week_prev_4"] = count(7, 34).reindex(ids).fillna(0).to_numpy() / 4.0
    frame["latest_month"] = count(0, 27).reindex(ids).fillna(0).astype("int64").to_numpy()
    frame["avg_month_prev_12"] = count(28, 28 + 336 - 1).reindex(ids).fillna(0).to_numpy() / 12.0
    frame["events_per_4_weeks"] = count(0, 363).reindex(ids).fillna(0).to_numpy() / 13.0
    with np.errstate(divide="ignore", invalid="ignore"):
        for period, avg in (("week", "avg_week_prev_4"), ("month", "avg_month_prev_12")):
            latest = frame[f"latest_{period}"].to_numpy(dtype=float)
            base = frame[avg].to_numpy()
            frame[f"{period}_change_pct"] = np.where(base > 0, 100 * (latest - base) / base, np.nan)
    frame["ignored"] = frame["events_per_4_weeks"] < 1.0
    active = ~frame["ignored"]
    frame["week_flag"] = (
        active & (frame["latest_week"] > 0) & (frame["latest_week"] >= 2 * frame["avg_week_prev_4"])
    )
    frame["month_flag"] = (
        active
        & (frame["latest_month"] > 0)
        & (frame["latest_month"] >= 2 * frame["avg_month_prev_12"])
    )
    frame = frame[
        [
            "latest_week",
            "avg_week_prev_4",
            "week_change_pct",
            "latest_month",
            "avg_month_prev_12",
            "month_change_pct",
            "events_per_4_weeks",
            "ignored",
            "week_flag",
            "month_flag",
        ]
    ]
    d = pd.Timedelta
    frame.attrs = {
        "surge": {
            "unit_col": unit_col,
            "as_of": str(day.date()),
            "latest_week": [str((day - d(days=6)).date()), str(day.date())],
            "prev_4_weeks": [str((day - d(days=34)).date()), str((day - d(days=7)).date())],
            "latest_month": [str((day - d(days=27)).date()), str(day.date())],
            "prev_12_months": [str((day - d(days=363)).date()), str((day - d(days=28)).date())],
            "events_counted": int(len(keys)),
        }
    }
    return frame
