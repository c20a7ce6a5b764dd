"""Growth maths: exponential trend fits, multiples and compound annual growth rates.

An exponential trend ``value = A * m ** year`` is a straight line in log space,
``ln(value) = intercept + slope * year`` with ``m = exp(slope)``. :func:`fit_exponential` fits that line by
ordinary least squares and reports the yearly multiple, the doubling time and a t-interval on the slope.
:func:`select_fit_points` chooses which ledger rows may enter such a fit.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from compute_ledger import metadata

FIT_POINT_COLUMNS = ("decimal_year", "value", "low", "high", "status")

_MAX_LABELS_IN_MESSAGE = 10


class GrowthInputError(ValueError):
    """Input that an exponential fit or a growth calculation cannot use."""


@dataclass(frozen=True)
class GrowthFit:
    """An exponential trend fitted by least squares of ``ln(value)`` on decimal year.

    ``multiple_per_year`` is ``exp(slope_log)``. ``ci_low``/``ci_high`` are multiples per year from the
    two-sided t-interval of the slope at ``confidence`` with ``n - 2`` degrees of freedom; they are
    ``nan`` when ``n == 2`` (a line through two points has no residual degrees of freedom, so no
    uncertainty can be estimated) and equal to ``multiple_per_year`` for a noise-free series.
    ``doubling_time_years`` is ``ln 2 / slope_log`` for a growing series and ``inf`` when the slope is
    zero or negative (the trend never doubles; see :attr:`halving_time_years` for a declining one).
    ``r_squared`` is ``nan`` when all values are equal (no variance to explain).
    """

    multiple_per_year: float
    doubling_time_years: float
    ci_low: float
    ci_high: float
    confidence: float
    slope_log: float
    slope_log_se: float
    intercept_log: float
    n: int
    r_squared: float
    first_year: float
    last_year: float

    @property
    def halving_time_years(self) -> float:
        """``ln 2 / -slope_log`` for a declining trend; ``inf`` when the slope is zero or positive."""
        if self.slope_log < 0:
            return math.log(2.0) / -self.slope_log
        return math.inf

    def predict(self, decimal_years: Sequence[float] | np.ndarray | pd.Series | float) -> np.ndarray:
        """Trend values ``exp(intercept_log + slope_log * year)`` at the given decimal years."""
        years = np.asarray(decimal_years, dtype=float)
        return np.exp(self.intercept_log + self.slope_log * years)


@dataclass(frozen=True)
class GrowthBetween:
    """Growth between two values: total multiple, yearly multiple and compound annual growth rate.

    ``cagr`` is a fraction (``4.226`` means +422.6 % a year); ``yearly_multiple == 1 + cagr``.
    """

    multiple: float
    yearly_multiple: float
    cagr: float
    years: float


def _as_float_array(data: Sequence[float] | np.ndarray | pd.Series, name: str) -> np.ndarray:
    """A 1-D float array; pandas missing values (``None``, ``pd.NA``) become ``nan``."""
    if isinstance(data, pd.Series):
        array = data.to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            array = np.asarray(data, dtype=float)
        except (TypeError, ValueError) as error:
            raise GrowthInputError(f"{name} must be numbers: {error}") from error
    if array.ndim != 1:
        raise GrowthInputError(f"{name} must be one-dimensional; got shape {array.shape}")
    return array


def _point_labels(
    decimal_years: Sequence[float] | np.ndarray | pd.Series,
    values: Sequence[float] | np.ndarray | pd.Series,
    n: int,
) -> tuple[str, list[Hashable]]:
    """How to name points in messages: pandas index labels when given, else positions."""
    for data in (values, decimal_years):
        if isinstance(data, pd.Series):
            return "label", list(data.index)
    return "index", list(range(n))


def _describe(kind: str, labels: list[Hashable], mask: np.ndarray) -> str:
    """``"index [3, 5]"`` or ``"label ['a', 'b']"`` for the points where ``mask`` is true."""
    offending = [labels[i] for i in np.flatnonzero(mask)]
    shown = offending[:_MAX_LABELS_IN_MESSAGE]
    more = f" and {len(offending) - len(shown)} more" if len(offending) > len(shown) else ""
    return f"{kind} {shown!r}{more}"


def fit_exponential(
    decimal_years: Sequence[float] | np.ndarray | pd.Series,
    values: Sequence[float] | np.ndarray | pd.Series,
    confidence: float = 0.9,
) -> GrowthFit:
    """Fit ``ln(value) = intercept + slope * year`` by ordinary least squares.

    Raises :class:`GrowthInputError` for fewer than two points, missing dates, missing or non-positive
    values (the logarithm is undefined), all points at the same date, or a confidence outside (0, 1).
    Offending points are named by their pandas index label when a Series is given, else by position.
    """
    if not 0.0 < confidence < 1.0:
        raise GrowthInputError(f"confidence must be between 0 and 1 (exclusive); got {confidence!r}")
    years = _as_float_array(decimal_years, "decimal_years")
    level = _as_float_array(values, "values")
    if years.shape != level.shape:
        raise GrowthInputError(f"decimal_years and values differ in length: {years.size} dates, {level.size} values")
    n = int(years.size)
    if n < 2:
        raise GrowthInputError(f"an exponential fit needs at least two points; got {n}")
    kind, labels = _point_labels(decimal_years, values, n)

    bad_dates = ~np.isfinite(years)
    if bad_dates.any():
        raise GrowthInputError(
            f"missing or non-finite date at {_describe(kind, labels, bad_dates)}: "
            f"{years[bad_dates].tolist()}; every fitted point needs a decimal year"
        )
    bad_values = ~np.isfinite(level)
    if bad_values.any():
        raise GrowthInputError(
            f"missing or non-finite value at {_describe(kind, labels, bad_values)}: {level[bad_values].tolist()}"
        )
    non_positive = level <= 0
    if non_positive.any():
        raise GrowthInputError(
            f"non-positive value at {_describe(kind, labels, non_positive)}: "
            f"{level[non_positive].tolist()}; ln(value) is undefined, an exponential fit needs value > 0"
        )
    if np.all(years == years[0]):
        raise GrowthInputError(
            f"all {n} points are at the same date ({years[0]!r}); a growth rate needs at least two dates"
        )

    log_values = np.log(level)
    # Centre the years before fitting: decimal years near 2000 would otherwise cost precision.
    year_mean = float(years.mean())
    log_mean = float(log_values.mean())
    year_dev = years - year_mean
    log_dev = log_values - log_mean
    sxx = float(np.sum(year_dev**2))
    slope = float(np.sum(year_dev * log_dev) / sxx)
    intercept = log_mean - slope * year_mean
    residuals = log_dev - slope * year_dev
    ssr = float(np.sum(residuals**2))
    sst = float(np.sum(log_dev**2))
    r_squared = 1.0 - ssr / sst if sst > 0 else math.nan

    dof = n - 2
    if dof > 0:
        slope_se = math.sqrt(ssr / dof / sxx)
        t_critical = float(special.stdtrit(dof, 0.5 + confidence / 2.0))  # = stats.t.ppf, lighter import
        ci_low = math.exp(slope - t_critical * slope_se)
        ci_high = math.exp(slope + t_critical * slope_se)
    else:
        slope_se = math.nan
        ci_low = ci_high = math.nan

    doubling = math.log(2.0) / slope if slope > 0 else math.inf
    return GrowthFit(
        multiple_per_year=math.exp(slope),
        doubling_time_years=doubling,
        ci_low=ci_low,
        ci_high=ci_high,
        confidence=confidence,
        slope_log=slope,
        slope_log_se=slope_se,
        intercept_log=intercept,
        n=n,
        r_squared=r_squared,
        first_year=float(years.min()),
        last_year=float(years.max()),
    )


def multiple_and_cagr(value_start: float, value_end: float, year_start: float, year_end: float) -> GrowthBetween:
    """Total multiple ``end / start`` and compound annual growth ``multiple ** (1 / years) - 1``.

    Example: 700 -> 100,000 over 3 years is a multiple of 142.86, i.e. 5.226x a year, CAGR +422.6 %.
    """
    for name, value in (("value_start", value_start), ("value_end", value_end)):
        if not math.isfinite(value) or value <= 0:
            raise GrowthInputError(f"{name} must be a positive finite number; got {value!r}")
    for name, value in (("year_start", year_start), ("year_end", year_end)):
        if not math.isfinite(value):
            raise GrowthInputError(f"{name} must be a finite decimal year; got {value!r}")
    years = year_end - year_start
    if years <= 0:
        raise GrowthInputError(
            f"year_end ({year_end!r}) must be after year_start ({year_start!r}) to compute a yearly rate"
        )
    multiple = value_end / value_start
    yearly_multiple = multiple ** (1.0 / years)
    return GrowthBetween(multiple=multiple, yearly_multiple=yearly_multiple, cagr=yearly_multiple - 1.0, years=years)


def select_fit_points(
    df: pd.DataFrame, include_announced: bool = False, include_estimates: bool = True
) -> pd.DataFrame:
    """Rows that may enter a trend fit, with the value to fit in a new ``fit_value`` column.

    ``df`` needs the columns ``decimal_year``, ``value``, ``low``, ``high`` and ``status``. Kept rows:
    ``reported`` always, ``estimate`` when ``include_estimates``, ``announced plan`` only when
    ``include_announced``; ``projection`` never (a projection is a model output, fitting it is circular).

    ``fit_value`` is the geometric mean ``sqrt(low * high)`` where both bounds are given and ``value``
    otherwise. The fit is done in log space, where the geometric mean is the centre of the range; the
    arithmetic midpoint stored as ``value`` for a pure range would lean towards the upper bound.

    Returns a new DataFrame (original columns, index and row order kept, plus ``fit_value``). Raises
    :class:`GrowthInputError` for missing columns, an unknown status, a bound pair with a non-positive
    bound or ``low > high``, or a kept row with neither a value nor both bounds.
    """
    missing = [column for column in FIT_POINT_COLUMNS if column not in df.columns]
    if missing:
        raise GrowthInputError(f"select_fit_points needs columns {missing} (has {list(df.columns)})")

    status = df["status"]
    unknown = ~status.isin(list(metadata.STATUSES))
    if unknown.any():
        bad = {label: status[label] for label in df.index[unknown][:_MAX_LABELS_IN_MESSAGE]}
        raise GrowthInputError(f"unknown status at label {bad!r}; expected one of {list(metadata.STATUSES)}")

    allowed = [metadata.REPORTED]
    if include_estimates:
        allowed.append(metadata.ESTIMATE)
    if include_announced:
        allowed.append(metadata.ANNOUNCED_PLAN)
    kept = df.loc[status.isin(allowed)].copy()

    low = pd.to_numeric(kept["low"], errors="coerce").astype(float)
    high = pd.to_numeric(kept["high"], errors="coerce").astype(float)
    value = pd.to_numeric(kept["value"], errors="coerce").astype(float)
    has_range = low.notna() & high.notna()

    bad_bounds = has_range & ((low <= 0) | (high <= 0))
    if bad_bounds.any():
        raise GrowthInputError(
            f"non-positive range bound at label {list(kept.index[bad_bounds])}; "
            "the geometric mean of low and high needs both > 0"
        )
    reversed_bounds = has_range & (low > high)
    if reversed_bounds.any():
        raise GrowthInputError(f"low > high at label {list(kept.index[reversed_bounds])}")

    fit_value = value.where(~has_range, np.sqrt(low * high))
    unusable = fit_value.isna()
    if unusable.any():
        raise GrowthInputError(
            f"no value and no complete low/high range at label {list(kept.index[unusable])}; "
            "nothing to fit for these rows"
        )
    kept["fit_value"] = fit_value
    return kept
