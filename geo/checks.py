"""Validators of the options users give to analyses: one clear message naming option and value.

Each validator returns the checked value or raises :class:`geo.errors.ParameterError`
with the option's name, the value given and what is allowed, so the CLI prints
one line and the app one message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime

import numpy as np
import pandas as pd

from geo.errors import ParameterError
from geo.i18n import gettext_noop

__all__ = [
    "DISTANCE_DECAYS",
    "IMPRECISE_MODES",
    "check_imprecise",
    "check_distance_decay",
    "check_exposure_options",
    "check_positive",
    "parse_date",
]

#: Allowed values of ``distance_decay``, each with its kernel (d in km, b = buffer).
DISTANCE_DECAYS: dict[str, str] = {
    "linear": gettext_noop("max(0, 1 - d / b): 1 at the road, 0 at the buffer edge"),
    "gaussian": gettext_noop("exp(-0.5 * (d / (b / 2)) ** 2), cut at the buffer edge"),
    "none": gettext_noop("1 for every incident within the buffer"),
}

#: Allowed values of ``imprecise`` (route and site exposure), each with what it does.
IMPRECISE_MODES: dict[str, str] = {
    "spread": gettext_noop(
        "an imprecise event counts over its uncertainty area (disc, cercle or road)"
    ),
    "drop": gettext_noop("an imprecise event is left out (and counted as left out)"),
}


def check_imprecise(imprecise: str) -> str:
    """Return ``imprecise`` when it is one of :data:`IMPRECISE_MODES`, else raise.

    Raises
    ------
    ParameterError
        Naming the value and the allowed ones.

    Examples
    --------
    >>> check_imprecise("points")
    Traceback (most recent call last):
    ...
    geo.errors.ParameterError: `imprecise` was "points" but is expected to be in ['spread', 'drop'].
    """
    if imprecise not in IMPRECISE_MODES:
        raise ParameterError(
            f'`imprecise` was "{imprecise}" but is expected to be in {list(IMPRECISE_MODES)}.'
        )
    return imprecise


def check_distance_decay(distance_decay: str) -> str:
    """Return ``distance_decay`` when it is one of :data:`DISTANCE_DECAYS`, else raise.

    Raises
    ------
    ParameterError
        Naming the value and the allowed ones.
    """
    if distance_decay not in DISTANCE_DECAYS:
        raise ParameterError(
            f'`distance_decay` was "{distance_decay}" but is expected to be in '
            f"{list(DISTANCE_DECAYS)}."
        )
    return distance_decay


def check_positive(name: str, value: object, *, minimum: float = 0.0) -> float:
    """Return ``value`` as a float, or raise when it is not a finite number above ``minimum``.

    Parameters
    ----------
    name : str
        Option name for the message (``buffer_km``, ``--radius-km``, ...).
    value : object
        The value given.
    minimum : float
        Exclusive lower bound.

    Returns
    -------
    float
        The value.

    Raises
    ------
    ParameterError
        If ``value`` is not a finite number above ``minimum``.

    Examples
    --------
    >>> check_positive("buffer_km", "-3")
    Traceback (most recent call last):
    ...
    geo.errors.ParameterError: `buffer_km` was '-3'; it must be a finite number above 0.
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(f"`{name}` was {value!r}; give a number above {minimum:g}.") from None
    if not math.isfinite(number) or number <= minimum:
        raise ParameterError(
            f"`{name}` was {value!r}; it must be a finite number above {minimum:g}."
        )
    return number


def check_exposure_options(
    *,
    half_life_days: object,
    distance_decay: str,
    type_weights: Mapping[str, float],
) -> tuple[float, str, dict[str, float]]:
    """Validate the options shared by route and site exposure.

    Parameters
    ----------
    half_life_days : float
        Must be a finite number above 0.
    distance_decay : str
        One of :data:`DISTANCE_DECAYS`.
    type_weights : Mapping[str, float]
        Every weight a finite number >= 0 (exposure is never negative).

    Returns
    -------
    half_life_days, distance_decay, type_weights
        The checked values (weights as a plain dict of floats).

    Raises
    ------
    ParameterError
        Naming the option, the value and what is allowed.
    """
    half_life = check_positive("half_life_days", half_life_days)
    check_distance_decay(distance_decay)
    bad = {}
    for key, value in dict(type_weights).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not math.isfinite(number) or number < 0:
            bad[key] = value
    if bad:
        raise ParameterError(
            f"`type_weights` has weights that are not finite numbers >= 0: {bad}; "
            "exposure must never be negative, so give each category a weight >= 0."
        )
    weights = {str(k): float(v) for k, v in dict(type_weights).items()}
    return half_life, distance_decay, weights


def parse_date(value: object, *, what: str = "as_of") -> pd.Timestamp | None:
    """Return ``value`` as a day-resolution timestamp, or None when it is None.

    Parameters
    ----------
    value : str, date, datetime, Timestamp, numpy.datetime64 or None
        A date; strings must be ISO ``YYYY-MM-DD``.
    what : str
        Name of the option, for the message.

    Returns
    -------
    pandas.Timestamp or None
        Midnight of that day.

    Raises
    ------
    ParameterError
        If ``value`` is not a date.

    Examples
    --------
    >>> parse_date("2025-03-01")
    Timestamp('2025-03-01 00:00:00')
    >>> parse_date("2025-02-30", what="--as-of")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.ParameterError: --as-of was '2025-02-30': not a valid date; use YYYY-MM-DD...
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            stamp = pd.Timestamp(datetime.strptime(value.strip(), "%Y-%m-%d"))
        except ValueError:
            stamp = None
    elif isinstance(value, datetime | date | pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        stamp = None if pd.isna(stamp) else stamp
    else:
        stamp = None
    if stamp is None:
        raise ParameterError(
            f"{what} was {value!r}: not a valid date; use YYYY-MM-DD, e.g. 2025-03-01."
        )
    return stamp.tz_localize(None).normalize() if stamp.tzinfo else stamp.normalize()
