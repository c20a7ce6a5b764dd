"""Tests for compute_ledger.growth: exponential fits, CAGR, fit-point selection and guard rails."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from compute_ledger.growth import (
    GrowthInputError,
    fit_exponential,
    multiple_and_cagr,
    select_fit_points,
)


def synthetic_series(multiple: float, n: int, noise_sd: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points 0.9 years apart from 2014.2, value 1000 * multiple ** (year - 2014.2), lognormal noise."""
    rng = np.random.default_rng(seed)
    years = 2014.2 + 0.9 * np.arange(n)
    values = 1000.0 * multiple ** (years - 2014.2) * np.exp(rng.normal(0.0, noise_sd, n))
    return years, values


def test_noisy_series_recovers_known_multiple_and_ci_covers_truth() -> None:
    # One fixed series; a 90 % interval misses the truth for about one seed in ten, so the
    # coverage itself is checked over many seeds in the next test.
    years, values = synthetic_series(multiple=2.5, n=12, noise_sd=0.3, seed=42)
    fit = fit_exponential(years, values, confidence=0.9)
    assert fit.n == 12
    assert fit.multiple_per_year == pytest.approx(2.5, rel=0.1)
    assert fit.ci_low < 2.5 < fit.ci_high
    assert fit.ci_low < fit.multiple_per_year < fit.ci_high
    assert fit.r_squared > 0.95
    assert fit.first_year == pytest.approx(2014.2)
    assert fit.last_year == pytest.approx(2014.2 + 0.9 * 11)


def test_ci_coverage_is_close_to_nominal_over_many_series() -> None:
    covered = []
    for seed in range(1000):
        years, values = synthetic_series(multiple=2.5, n=12, noise_sd=0.3, seed=seed)
        fit = fit_exponential(years, values, confidence=0.9)
        covered.append(fit.ci_low <= 2.5 <= fit.ci_high)
    # Binomial sd of the share at p = 0.9, n = 1000 is 0.0095: allow about four of them.
    assert 0.86 <= np.mean(covered) <= 0.94


def test_noise_free_series_gives_exact_multiple_and_doubling_time() -> None:
    years = np.array([2019.5, 2020.5, 2021.0, 2022.25, 2024.5])
    values = 700.0 * 2.0 ** (years - 2019.5)
    fit = fit_exponential(years, values)
    assert fit.multiple_per_year == pytest.approx(2.0, rel=1e-12)
    assert fit.doubling_time_years == pytest.approx(1.0, rel=1e-12)
    assert fit.slope_log == pytest.approx(math.log(2.0), rel=1e-12)
    assert fit.slope_log_se == pytest.approx(0.0, abs=1e-12)
    assert fit.ci_low == pytest.approx(2.0, rel=1e-12)
    assert fit.ci_high == pytest.approx(2.0, rel=1e-12)
    assert fit.r_squared == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(fit.predict(years), values, rtol=1e-10)
    assert fit.predict(2025.5) == pytest.approx(700.0 * 2.0**6, rel=1e-10)


def test_two_points_give_exact_multiple_and_nan_interval() -> None:
    fit = fit_exponential([2022.0, 2024.0], [100.0, 900.0])
    assert fit.multiple_per_year == pytest.approx(3.0, rel=1e-12)
    assert fit.doubling_time_years == pytest.approx(math.log(2.0) / math.log(3.0), rel=1e-12)
    assert math.isnan(fit.ci_low)
    assert math.isnan(fit.ci_high)
    assert math.isnan(fit.slope_log_se)


def test_declining_and_flat_series_never_double() -> None:
    declining = fit_exponential([2020.0, 2021.0, 2022.0], [400.0, 200.0, 100.0])
    assert declining.multiple_per_year == pytest.approx(0.5)
    assert declining.doubling_time_years == math.inf
    assert declining.halving_time_years == pytest.approx(1.0)

    flat = fit_exponential([2020.0, 2021.0, 2022.0], [5.0, 5.0, 5.0])
    assert flat.multiple_per_year == pytest.approx(1.0)
    assert flat.doubling_time_years == math.inf
    assert flat.halving_time_years == math.inf
    assert math.isnan(flat.r_squared)


def test_multiple_and_cagr_known_answer() -> None:
    growth = multiple_and_cagr(700.0, 100_000.0, 2021.0, 2024.0)
    assert growth.years == 3.0
    assert growth.multiple == pytest.approx(142.857142857, rel=1e-10)
    # 142.857 ** (1/3) = 5.22758: +422.76 % a year.
    assert growth.yearly_multiple == pytest.approx(5.227579585747, rel=1e-10)
    assert growth.cagr == pytest.approx(4.227579585747, rel=1e-10)
    assert growth.yearly_multiple**3 == pytest.approx(growth.multiple, rel=1e-12)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((0.0, 10.0, 2020.0, 2021.0), "value_start must be a positive"),
        ((10.0, -1.0, 2020.0, 2021.0), "value_end must be a positive"),
        ((10.0, 20.0, 2021.0, 2021.0), "must be after year_start"),
        ((10.0, 20.0, math.nan, 2021.0), "year_start must be a finite"),
    ],
)
def test_multiple_and_cagr_rejects_bad_input(arguments: tuple[float, ...], message: str) -> None:
    with pytest.raises(GrowthInputError, match=message):
        multiple_and_cagr(*arguments)


def ledger_rows() -> pd.DataFrame:
    """Six ledger rows, one of each kind that selection must handle."""
    return pd.DataFrame(
        {
            "decimal_year": [2021.5, 2022.5, 2023.5, 2024.5, 2025.5, 2026.5],
            "value": [10_000.0, 3_000.0, 50_000.0, 100_000.0, 300_000.0, 1_000_000.0],
            "low": [np.nan, 2_000.0, np.nan, 90_000.0, np.nan, np.nan],
            "high": [np.nan, 4_000.0, np.nan, np.nan, np.nan, np.nan],
            "status": ["reported", "estimate", "announced plan", "reported", "projection", "announced plan"],
        },
        index=["a-2021", "b-2022", "c-2023", "d-2024", "e-2025", "f-2026"],
    )


def test_select_fit_points_default_keeps_reported_and_estimates() -> None:
    rows = ledger_rows()
    selected = select_fit_points(rows)
    assert list(selected.index) == ["a-2021", "b-2022", "d-2024"]
    # b has both bounds: geometric mean sqrt(2000 * 4000) = 2828.43, not the midpoint 3000.
    assert selected.loc["b-2022", "fit_value"] == pytest.approx(math.sqrt(2_000.0 * 4_000.0))
    # d has only a low bound: its value is used.
    assert selected.loc["d-2024", "fit_value"] == 100_000.0
    assert selected.loc["a-2021", "fit_value"] == 10_000.0
    assert "fit_value" not in rows.columns  # the input is not modified


def test_select_fit_points_status_switches() -> None:
    rows = ledger_rows()
    with_announced = select_fit_points(rows, include_announced=True)
    assert list(with_announced.index) == ["a-2021", "b-2022", "c-2023", "d-2024", "f-2026"]
    reported_only = select_fit_points(rows, include_estimates=False)
    assert list(reported_only.index) == ["a-2021", "d-2024"]
    everything = select_fit_points(rows, include_announced=True, include_estimates=True)
    assert "e-2025" not in everything.index  # a projection is never fitted


def test_select_fit_points_uses_range_when_value_missing() -> None:
    rows = ledger_rows()
    rows.loc["b-2022", "value"] = np.nan
    selected = select_fit_points(rows)
    assert selected.loc["b-2022", "fit_value"] == pytest.approx(math.sqrt(2_000.0 * 4_000.0))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda df: df.drop(columns=["high"]), r"needs columns \['high'\]"),
        (lambda df: df.assign(status=df["status"].replace("estimate", "Estimate")), "unknown status.*b-2022"),
        (lambda df: df.assign(low=df["low"].replace(2_000.0, 5_000.0)), "low > high at label.*b-2022"),
        (lambda df: df.assign(low=df["low"].replace(2_000.0, 0.0)), "non-positive range bound.*b-2022"),
        (
            lambda df: df.assign(value=df["value"].replace(10_000.0, np.nan)),
            "no value and no complete.*a-2021",
        ),
    ],
)
def test_select_fit_points_rejects_bad_rows(change: Callable[[pd.DataFrame], pd.DataFrame], message: str) -> None:
    with pytest.raises(GrowthInputError, match=message):
        select_fit_points(change(ledger_rows()))


def test_selected_points_feed_a_fit() -> None:
    selected = select_fit_points(ledger_rows(), include_announced=True)
    fit = fit_exponential(selected["decimal_year"], selected["fit_value"])
    assert fit.n == 5
    assert fit.multiple_per_year > 1.0


def test_fewer_than_two_points_raises() -> None:
    with pytest.raises(GrowthInputError, match="at least two points; got 1"):
        fit_exponential([2024.5], [100.0])
    with pytest.raises(GrowthInputError, match="at least two points; got 0"):
        fit_exponential([], [])


def test_non_positive_value_raises_with_label() -> None:
    values = pd.Series([100.0, 0.0, 300.0, -5.0], index=["p", "q", "r", "s"])
    years = pd.Series([2020.0, 2021.0, 2022.0, 2023.0], index=values.index)
    with pytest.raises(GrowthInputError, match=r"non-positive value at label \['q', 's'\].*ln\(value\)"):
        fit_exponential(years, values)


def test_non_positive_value_raises_with_position_for_plain_lists() -> None:
    with pytest.raises(GrowthInputError, match=r"non-positive value at index \[2\]"):
        fit_exponential([2020.0, 2021.0, 2022.0], [1.0, 2.0, -3.0])


def test_missing_date_raises_with_label() -> None:
    years = pd.Series([2020.0, None, 2022.0], index=["x", "y", "z"])
    values = pd.Series([1.0, 2.0, 4.0], index=["x", "y", "z"])
    with pytest.raises(GrowthInputError, match=r"missing or non-finite date at label \['y'\]"):
        fit_exponential(years, values)


def test_missing_value_raises_with_position() -> None:
    with pytest.raises(GrowthInputError, match=r"missing or non-finite value at index \[1\]"):
        fit_exponential([2020.0, 2021.0, 2022.0], [1.0, math.nan, 4.0])


def test_all_points_at_same_date_raises() -> None:
    with pytest.raises(GrowthInputError, match="all 3 points are at the same date"):
        fit_exponential([2024.5, 2024.5, 2024.5], [1.0, 2.0, 3.0])


def test_length_mismatch_and_bad_confidence_raise() -> None:
    with pytest.raises(GrowthInputError, match="differ in length"):
        fit_exponential([2020.0, 2021.0], [1.0, 2.0, 3.0])
    with pytest.raises(GrowthInputError, match="confidence must be between 0 and 1"):
        fit_exponential([2020.0, 2021.0, 2022.0], [1.0, 2.0, 4.0], confidence=90)
