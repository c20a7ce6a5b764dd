"""Projection chain for the largest AI cluster: accelerators -> power -> energy -> money, per year.

For every calendar year ``t`` from ``base_year`` to ``horizon`` (inclusive; the base year row is the
observed starting point with growth factor 1):

* ``accelerators_t = base_accelerators * prod_{k=1..t-base_year} g_k`` with
  ``ln g_k = ln(growth_multiple) * (1 - growth_slowdown_per_year) ** (k - 1)``;
  capped so that facility power never exceeds ``site_power_cap_mw``: the cap in accelerators is
  ``site_power_cap_mw / (accelerator_it_power_w * pue / W_PER_MW)``, and once a path reaches it, it stays at
  the cap for every later year (``power_capped`` is true from then on);
* ``it_power_mw = accelerators * accelerator_it_power_w / W_PER_MW``;
  ``facility_power_mw = it_power_mw * pue``;
* ``energy_twh = facility_power_mw * utilisation * HOURS_PER_YEAR / MWH_PER_TWH``;
  ``electricity_cost_usd = facility_power_mw * utilisation * HOURS_PER_YEAR * electricity_price_usd_per_mwh``;
* ``accelerator_price_usd = gpu_unit_price_usd * (1 + accelerator_price_change_per_year) ** (t - base_year)``;
  ``hardware_capex_usd = accelerators * accelerator_price_usd`` (hardware value of the whole cluster).

The chain is written once, as data, in :data:`chain.PROJECTION` (and the milestones in :func:`chain.milestone`),
over the constants of :mod:`compute_ledger.metadata` (``W_PER_MW``, ``HOURS_PER_YEAR``, ``MWH_PER_TWH``): this
module evaluates those steps with numpy, and the in-page what-if runs the same steps as Vega transforms. One
vectorised core, :func:`project_paths`, computes the chain for arrays of scenarios at once (shape
``(n_scenarios, n_years)``); the single projection, the Monte Carlo and the tornado all call it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compute_ledger import chain

PARAMETER_NAMES: tuple[str, ...] = (
    "accelerator_it_power_w",
    "pue",
    "utilisation",
    "electricity_price_usd_per_mwh",
    "gpu_unit_price_usd",
    "accelerator_price_change_per_year",
    "growth_slowdown_per_year",
    "site_power_cap_mw",
)
QUANTITIES: tuple[str, ...] = (
    "accelerators",
    "it_power_mw",
    "facility_power_mw",
    "energy_twh",
    "electricity_cost_usd",
    "accelerator_price_usd",
    "hardware_capex_usd",
)
GROWTH_PARAMETER = "growth_multiple"

# The interval each parameter must lie in, in interval notation: "(" / ")" exclude the bound,
# "[" / "]" include it. Only the site power cap may be infinite (no cap); NaN is never allowed.
PARAMETER_INTERVALS: dict[str, str] = {
    "accelerator_it_power_w": "(0, inf)",
    "pue": "[1, inf)",
    "utilisation": "(0, 1]",
    "electricity_price_usd_per_mwh": "[0, inf)",
    "gpu_unit_price_usd": "[0, inf)",
    "accelerator_price_change_per_year": "(-1, inf)",
    "growth_slowdown_per_year": "[0, 1)",
    "site_power_cap_mw": "(0, inf]",
}


def _inside_interval(values: np.ndarray, interval: str) -> np.ndarray:
    """Element-wise: is each value inside ``interval`` (e.g. ``"(0, 1]"``)? NaN never is."""
    low_text, high_text = interval[1:-1].split(", ")
    low, high = float(low_text), float(high_text)
    above = values >= low if interval[0] == "[" else values > low
    below = values <= high if interval[-1] == "]" else values < high
    return above & below


class ProjectionInputError(ValueError):
    """Parameters, years or ranges that the projection chain cannot use."""


@dataclass(frozen=True, eq=False)
class ProjectionPaths:
    """Output of :func:`project_paths`: one row per scenario, one column per year."""

    years: np.ndarray
    values: dict[str, np.ndarray]
    power_capped: np.ndarray


@dataclass(frozen=True, eq=False)
class MonteCarloResult:
    """Monte Carlo draws of the projection chain.

    ``draws[quantity]`` and ``power_capped`` have shape ``(n_draws, n_years)``; ``growth_multiple`` and
    ``parameters[name]`` hold the drawn inputs, shape ``(n_draws,)``.
    """

    years: np.ndarray
    draws: dict[str, np.ndarray]
    power_capped: np.ndarray
    growth_multiple: np.ndarray
    parameters: dict[str, np.ndarray]
    seed: int

    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return int(self.growth_multiple.size)

    @property
    def nbytes(self) -> int:
        """Memory held by all the arrays of the result, in bytes."""
        arrays = [self.years, self.power_capped, self.growth_multiple]
        arrays += list(self.draws.values()) + list(self.parameters.values())
        return int(sum(array.nbytes for array in arrays))

    def bands(self, percentiles: Sequence[float] = (10, 50, 90)) -> pd.DataFrame:
        """Percentiles across draws: columns ``year``, ``quantity``, ``p10``, ``p50``, ``p90`` (by default).

        Column names are ``f"p{percentile:g}"``; rows are ordered by quantity (as in ``QUANTITIES``)
        then year. Percentiles use numpy's default linear interpolation.
        """
        levels = _checked_percentiles(percentiles)
        frames = []
        for quantity in QUANTITIES:
            table = np.percentile(self.draws[quantity], levels, axis=0)
            frame = pd.DataFrame({"year": self.years, "quantity": quantity})
            for level, row in zip(levels, table, strict=True):
                frame[_percentile_column(level)] = row
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def share_power_capped(self) -> pd.DataFrame:
        """Share of draws held at the site power cap, per year: columns ``year``, ``share_power_capped``."""
        return pd.DataFrame({"year": self.years, "share_power_capped": self.power_capped.mean(axis=0)})


def _percentile_column(level: float) -> str:
    """Column name for a percentile: ``10 -> "p10"``, ``2.5 -> "p2.5"``."""
    return f"p{level:g}"


def _checked_percentiles(percentiles: Sequence[float]) -> list[float]:
    """The percentiles as floats; raise unless they are a non-empty list within [0, 100]."""
    levels = [float(level) for level in percentiles]
    if not levels or any(not 0 <= level <= 100 for level in levels):
        raise ProjectionInputError(f"percentiles must be a non-empty list of numbers in [0, 100]; got {levels}")
    return levels


def check_parameter_names(names: Iterable[str], what: str = "params") -> None:
    """Raise :class:`ProjectionInputError` naming any unknown or missing parameter."""
    given = set(names)
    unknown = sorted(given - set(PARAMETER_NAMES))
    missing = [name for name in PARAMETER_NAMES if name not in given]
    problems = []
    if unknown:
        problems.append(f"unknown parameter(s) {unknown}")
    if missing:
        problems.append(f"missing parameter(s) {missing}")
    if problems:
        raise ProjectionInputError(f"{what}: {'; '.join(problems)}; expected exactly {list(PARAMETER_NAMES)}")


def _check_years(base_year: int, horizon: int) -> None:
    """Raise unless both are integer years and the horizon is after the base year."""
    for name, year in (("base_year", base_year), ("horizon", horizon)):
        if isinstance(year, bool) or not isinstance(year, int | np.integer):
            raise ProjectionInputError(f"{name} must be an integer calendar year; got {year!r}")
    if horizon <= base_year:
        raise ProjectionInputError(f"horizon ({horizon}) must be after base_year ({base_year})")


def _check_base_accelerators(base_accelerators: float) -> None:
    """Raise unless the base cluster size is a positive finite number."""
    if not (math.isfinite(base_accelerators) and base_accelerators > 0):
        raise ProjectionInputError(f"base_accelerators must be a positive finite number; got {base_accelerators!r}")


def _check_parameter_values(name: str, values: np.ndarray) -> None:
    """Raise, naming the parameter and its offending values, unless all lie in its interval."""
    interval = PARAMETER_INTERVALS[name]
    ok = _inside_interval(values, interval)
    if not ok.all():
        offending = np.unique(values[~ok])[:5].tolist()
        raise ProjectionInputError(f"{name} must be in {interval}; got {offending}")


def project_paths(
    base_year: int,
    base_accelerators: float,
    growth_log: float | np.ndarray,
    params: Mapping[str, float | np.ndarray],
    horizon: int,
) -> ProjectionPaths:
    """The vectorised projection chain for many scenarios at once (no loop over scenarios).

    ``growth_log`` is ``ln(growth_multiple)``; it and every parameter may be a scalar or a 1-D array;
    all are broadcast to ``(n_scenarios,)``. Returns arrays of shape ``(n_scenarios, n_years)`` for the
    years ``base_year .. horizon``.
    """
    _check_years(base_year, horizon)
    _check_base_accelerators(base_accelerators)
    check_parameter_names(params)
    arrays = {name: np.asarray(params[name], dtype=float) for name in PARAMETER_NAMES}
    growth = np.asarray(growth_log, dtype=float)
    for name, array in [*arrays.items(), ("growth_log", growth)]:
        if array.ndim > 1:
            raise ProjectionInputError(f"{name} must be a scalar or a 1-D array; got shape {array.shape}")
    if not np.isfinite(growth).all():
        raise ProjectionInputError("growth_log (ln of the growth multiple) must be finite")
    for name, array in arrays.items():
        _check_parameter_values(name, array)
    try:
        (n_scenarios,) = np.broadcast_shapes((1,), growth.shape, *(array.shape for array in arrays.values()))
    except ValueError as error:
        raise ProjectionInputError(f"parameter arrays have incompatible lengths: {error}") from error

    def column(array: np.ndarray) -> np.ndarray:
        """A per-scenario value as a column ``(n_scenarios, 1)`` that broadcasts across years."""
        return np.broadcast_to(array, (n_scenarios,))[:, np.newaxis]

    years = np.arange(base_year, horizon + 1)
    inputs = {name: column(array) for name, array in arrays.items()}
    inputs.update(base_year=float(base_year), base_accelerators=float(base_accelerators), growth_log=column(growth))
    made = chain.evaluate(chain.PROJECTION, {"year": years.astype(float)[np.newaxis, :]}, inputs)
    shape = (n_scenarios, years.size)
    values = {quantity: np.broadcast_to(made[quantity], shape).copy() for quantity in QUANTITIES}
    power_capped = np.broadcast_to(made["power_capped"] > 0, shape).copy()
    return ProjectionPaths(years=years, values=values, power_capped=power_capped)


def project_largest_cluster(
    base_year: int,
    base_accelerators: float,
    growth_multiple: float,
    params: Mapping[str, float],
    horizon: int,
) -> pd.DataFrame:
    """Deterministic projection, one row per year from ``base_year`` to ``horizon`` (inclusive).

    Columns: ``year`` and the ``QUANTITIES`` (``accelerators``, ``it_power_mw``, ``facility_power_mw``,
    ``energy_twh``, ``electricity_cost_usd``, ``accelerator_price_usd``, ``hardware_capex_usd``), then
    ``power_capped``. The base year row has growth factor 1 (only the cap can change it: a cap below the
    base cluster's facility power holds the whole path at the cap).
    """
    if not (math.isfinite(growth_multiple) and growth_multiple > 0):
        raise ProjectionInputError(f"growth_multiple must be a positive finite number; got {growth_multiple!r}")
    paths = project_paths(base_year, base_accelerators, math.log(growth_multiple), params, horizon)
    frame = pd.DataFrame({"year": paths.years})
    for quantity in QUANTITIES:
        frame[quantity] = paths.values[quantity][0]
    frame["power_capped"] = paths.power_capped[0]
    return frame


def _triangular_from_uniform(uniform: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Triangular(low, mode, high) by inverting its CDF at ``uniform``; ``low == high`` gives ``low``."""
    width = high - low
    if width == 0:
        return np.full_like(uniform, low)
    split = (mode - low) / width
    left = low + np.sqrt(uniform * width * (mode - low))
    right = high - np.sqrt((1.0 - uniform) * width * (high - mode))
    return np.where(uniform < split, left, right)


def _check_range(name: str, bounds: Sequence[float], sizes: tuple[int, ...]) -> tuple[float, ...]:
    """The range as floats; raise unless it has one of ``sizes`` finite, non-decreasing values."""
    values = tuple(float(value) for value in bounds)
    if len(values) not in sizes:
        expected = {2: "(low, high)", 3: "(low, mode, high)"}
        shape = " or ".join(expected[size] for size in sizes)
        raise ProjectionInputError(f"range for {name} must be {shape}; got {bounds!r}")
    if not all(math.isfinite(value) for value in values):
        raise ProjectionInputError(f"range for {name} must be finite numbers; got {bounds!r}")
    if list(values) != sorted(values):
        raise ProjectionInputError(f"range for {name} must satisfy low <= mode <= high; got {bounds!r}")
    return values


def monte_carlo(
    base_year: int,
    base_accelerators: float,
    growth_log_mean: float,
    growth_log_sd: float,
    param_ranges: Mapping[str, tuple[float, float, float]],
    fixed_params: Mapping[str, float],
    horizon: int,
    n_draws: int,
    seed: int,
) -> MonteCarloResult:
    """Draw the whole chain ``n_draws`` times, vectorised.

    The growth multiple is ``exp(Normal(growth_log_mean, growth_log_sd))`` — pass a fit's ``slope_log``
    and ``slope_log_se``. Each parameter named in ``param_ranges`` is drawn from a triangular
    ``(low, mode, high)`` distribution (``low == high`` means fixed); every other parameter comes from
    ``fixed_params`` (a name in both takes its range). Parameters are drawn independently.

    Reproducible: a ``numpy.random.Generator(PCG64(seed))`` first draws ``n_draws`` standard normals
    for growth, then one row of ``n_draws`` uniforms per parameter in ``PARAMETER_NAMES`` order — always
    all rows, whether a parameter is ranged or fixed — so the same seed gives identical draws, and a
    parameter's draws do not shift when another parameter's range is changed.
    """
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 1:
        raise ProjectionInputError(f"n_draws must be a positive integer; got {n_draws!r}")
    if not math.isfinite(growth_log_mean):
        raise ProjectionInputError(f"growth_log_mean must be finite; got {growth_log_mean!r}")
    if not (math.isfinite(growth_log_sd) and growth_log_sd >= 0):
        raise ProjectionInputError(
            f"growth_log_sd must be a finite number >= 0; got {growth_log_sd!r} "
            "(a fit through two points has no standard error: choose one explicitly)"
        )
    unknown = sorted((set(param_ranges) | set(fixed_params)) - set(PARAMETER_NAMES))
    missing = [name for name in PARAMETER_NAMES if name not in param_ranges and name not in fixed_params]
    if unknown:
        raise ProjectionInputError(f"monte_carlo: unknown parameter(s) {unknown}")
    if missing:
        raise ProjectionInputError(
            f"monte_carlo: missing parameter(s) {missing} (in neither param_ranges nor fixed_params)"
        )
    ranges = {name: _check_range(name, bounds, (3,)) for name, bounds in param_ranges.items()}

    rng = np.random.Generator(np.random.PCG64(seed))
    normals = rng.standard_normal(n_draws)
    uniforms = rng.random((len(PARAMETER_NAMES), n_draws))
    growth_log = growth_log_mean + growth_log_sd * normals
    parameters: dict[str, np.ndarray] = {}
    for row, name in enumerate(PARAMETER_NAMES):
        if name in ranges:
            parameters[name] = _triangular_from_uniform(uniforms[row], *ranges[name])
        else:
            parameters[name] = np.full(n_draws, float(fixed_params[name]))

    paths = project_paths(base_year, base_accelerators, growth_log, parameters, horizon)
    return MonteCarloResult(
        years=paths.years,
        draws=paths.values,
        power_capped=paths.power_capped,
        growth_multiple=np.exp(growth_log),
        parameters=parameters,
        seed=seed,
    )


def milestone_years(
    facility_power_mw_draws: np.ndarray, years: Sequence[int] | np.ndarray, threshold_mw: float
) -> np.ndarray:
    """First year each draw's facility power reaches ``threshold_mw`` (``>=``); NaN if never by the horizon.

    ``facility_power_mw_draws`` has shape ``(n_draws, n_years)`` (a 1-D array is one draw). Returns a
    float array of shape ``(n_draws,)``. The base year counts: a draw already at the threshold there
    returns the base year.
    """
    draws = np.atleast_2d(np.asarray(facility_power_mw_draws, dtype=float))
    year_values = np.asarray(years, dtype=float)
    if draws.ndim != 2 or draws.shape[1] != year_values.size:
        raise ProjectionInputError(
            f"facility_power_mw_draws must have shape (n_draws, {year_values.size}); got {draws.shape}"
        )
    made = chain.evaluate(
        chain.milestone(threshold_mw, "milestone_year"),
        {"year": year_values[np.newaxis, :], "facility_power_mw": draws},
        {},
    )
    return made["milestone_year"][:, 0].copy()


def milestone_bands(
    result: MonteCarloResult,
    thresholds_mw: Sequence[float] = (1000.0, 5000.0),
    percentiles: Sequence[float] = (10, 50, 90),
) -> pd.DataFrame:
    """When the largest cluster's facility power reaches each threshold, across Monte Carlo draws.

    Columns: ``threshold_mw``, ``p10``, ``p50``, ``p90`` …, ``share_reaching_by_horizon``.
    A draw that never reaches the threshold by the horizon counts as ``+inf`` (it is late, not absent),
    and percentiles use the ``inverted_cdf`` method so each is an actual year: ``p50 = 2028`` means at
    least half of the draws reach the threshold by 2028. A percentile that falls among the "never"
    draws, i.e. beyond the horizon, is reported as NaN.
    """
    levels = _checked_percentiles(percentiles)
    facility = result.draws["facility_power_mw"]
    rows = []
    for threshold in thresholds_mw:
        first_years = milestone_years(facility, result.years, threshold)
        late_as_inf = np.where(np.isnan(first_years), np.inf, first_years)
        quantiles = np.percentile(late_as_inf, levels, method="inverted_cdf")
        row: dict[str, float] = {"threshold_mw": float(threshold)}
        for level, value in zip(levels, quantiles, strict=True):
            row[_percentile_column(level)] = float(value) if np.isfinite(value) else math.nan
        row["share_reaching_by_horizon"] = float(np.mean(~np.isnan(first_years)))
        rows.append(row)
    return pd.DataFrame(rows)


def tornado(
    base_year: int,
    base_accelerators: float,
    growth_multiple: float,
    growth_range: tuple[float, float],
    params: Mapping[str, float],
    param_ranges: Mapping[str, Sequence[float]],
    horizon: int,
    output_year: int,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of every quantity in ``output_year``.

    Each parameter in ``param_ranges`` (``(low, high)`` or ``(low, mode, high)``; the mode is ignored)
    and the growth multiple (``growth_range = (low, high)``, reported as ``growth_multiple``) is set to
    its low then its high value with everything else at ``params`` / ``growth_multiple``.
    Columns: ``parameter``, ``quantity``, ``base_value``, ``value_at_low``, ``value_at_high``,
    ``swing = |value_at_high - value_at_low|``. Rows are grouped by quantity (``QUANTITIES`` order) and
    sorted by swing, largest first, within each quantity (swings of different quantities have
    different units). All scenarios run in one vectorised call.
    """
    _check_years(base_year, horizon)
    if not base_year <= output_year <= horizon:
        raise ProjectionInputError(f"output_year ({output_year}) must be within {base_year}..{horizon}")
    if not (math.isfinite(growth_multiple) and growth_multiple > 0):
        raise ProjectionInputError(f"growth_multiple must be a positive finite number; got {growth_multiple!r}")
    growth_low, growth_high = _check_range(GROWTH_PARAMETER, growth_range, (2,))
    if growth_low <= 0:
        raise ProjectionInputError(f"growth_range must be positive multiples; got {growth_range!r}")
    check_parameter_names(params)
    unknown = sorted(set(param_ranges) - set(PARAMETER_NAMES))
    if unknown:
        raise ProjectionInputError(f"param_ranges: unknown parameter(s) {unknown}")
    ranged = [name for name in PARAMETER_NAMES if name in param_ranges]
    bounds = {name: _check_range(name, param_ranges[name], (2, 3)) for name in ranged}

    # Scenario 0 is the base; then (low, high) for growth, then (low, high) per ranged parameter.
    varied = [GROWTH_PARAMETER, *ranged]
    n_scenarios = 1 + 2 * len(varied)
    growth_log = np.full(n_scenarios, math.log(growth_multiple))
    growth_log[1:3] = np.log([growth_low, growth_high])
    arrays = {name: np.full(n_scenarios, float(params[name])) for name in PARAMETER_NAMES}
    for position, name in enumerate(ranged):
        first = 3 + 2 * position
        arrays[name][first : first + 2] = (bounds[name][0], bounds[name][-1])

    paths = project_paths(base_year, base_accelerators, growth_log, arrays, horizon)
    column = output_year - base_year
    frames = []
    for quantity in QUANTITIES:
        at_year = paths.values[quantity][:, column]
        frame = pd.DataFrame(
            {
                "parameter": varied,
                "quantity": quantity,
                "base_value": at_year[0],
                "value_at_low": at_year[1::2],
                "value_at_high": at_year[2::2],
            }
        )
        frame["swing"] = (frame["value_at_high"] - frame["value_at_low"]).abs()
        frames.append(frame.sort_values("swing", ascending=False, kind="stable"))
    return pd.concat(frames, ignore_index=True)
