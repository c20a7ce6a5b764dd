"""The statistics of the book against independent implementations: scipy's least squares and t quantiles for the
growth fits (``growth.fit_exponential``) and their confidence band (``trend_fit.confidence_band``), scipy's
distributions for the Monte Carlo sampler (``projection.monte_carlo``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from compute_ledger import growth, projection, trend_fit

# Series of the book's size (5 to 7 points, where Student's t and the normal quantile differ most) and longer ones.
SERIES = [
    pytest.param([2019.5, 2020.7, 2021.2, 2022.9, 2024.4], [700.0, 2_500.0, 9_000.0, 30_000.0, 200_000.0], id="5"),
    pytest.param([2018.0, 2019.0, 2020.5, 2021.0, 2022.0, 2023.5], [50.0, 61.0, 90.0, 88.0, 150.0, 400.0], id="6"),
    pytest.param(
        [2017.5, 2018.5, 2019.5, 2020.5, 2021.5, 2022.5, 2023.5], [1.0, 3.2, 8.0, 30.0, 70.0, 260.0, 700.0], id="7"
    ),
    pytest.param(
        list(2000.0 + 0.7 * np.arange(20)), list(np.exp(0.4 * np.arange(20) + np.sin(np.arange(20)))), id="20"
    ),
]


@pytest.mark.parametrize(("years", "values"), SERIES)
@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95])
def test_fit_exponential_agrees_with_scipy_linregress_and_t_quantiles(years, values, confidence):
    fit = growth.fit_exponential(years, values, confidence=confidence)
    reference = stats.linregress(years, np.log(values))
    n = len(years)
    t = stats.t.ppf(0.5 + confidence / 2.0, n - 2)
    assert fit.n == n
    assert fit.slope_log == pytest.approx(reference.slope, rel=1e-10)
    assert fit.intercept_log == pytest.approx(reference.intercept, rel=1e-9)
    assert fit.slope_log_se == pytest.approx(reference.stderr, rel=1e-9)
    assert fit.r_squared == pytest.approx(reference.rvalue**2, rel=1e-10)
    assert fit.multiple_per_year == pytest.approx(math.exp(reference.slope), rel=1e-10)
    assert fit.doubling_time_years == pytest.approx(math.log(2.0) / reference.slope, rel=1e-10)
    assert fit.ci_low == pytest.approx(math.exp(reference.slope - t * reference.stderr), rel=1e-10)
    assert fit.ci_high == pytest.approx(math.exp(reference.slope + t * reference.stderr), rel=1e-10)
    assert fit.first_year == min(years) and fit.last_year == max(years)
    np.testing.assert_allclose(
        fit.predict(years), np.exp(reference.intercept + reference.slope * np.asarray(years)), rtol=1e-9
    )


def _band_by_matrix_algebra(years, log_values, grid, confidence):
    """The confidence band of the fitted mean the textbook way: s^2 (X'X)^-1 for the coefficients' covariance."""
    design = np.column_stack([np.ones_like(years), years - 2000.0])
    coefficients, ssr, _, _ = np.linalg.lstsq(design, log_values, rcond=None)
    dof = len(years) - 2
    covariance = ssr[0] / dof * np.linalg.inv(design.T @ design)
    at = np.column_stack([np.ones_like(grid), grid - 2000.0])
    centre = at @ coefficients
    half = stats.t.ppf(0.5 + confidence / 2.0, dof) * np.sqrt(np.einsum("ij,jk,ik->i", at, covariance, at))
    return np.exp(centre), np.exp(centre - half), np.exp(centre + half)


@pytest.mark.parametrize(("years", "values"), SERIES)
def test_confidence_band_agrees_with_the_matrix_form(years, values):
    years, log_values = np.asarray(years), np.log(values)
    fit = growth.fit_exponential(years, values, confidence=trend_fit.CONFIDENCE)
    curve = trend_fit.confidence_band(fit, years, log_values)
    assert curve["decimal_year"].iloc[0] == fit.first_year and curve["decimal_year"].iloc[-1] == fit.last_year
    fitted, low, high = _band_by_matrix_algebra(years, log_values, curve["decimal_year"].to_numpy(), fit.confidence)
    np.testing.assert_allclose(curve["fitted"], fitted, rtol=1e-9)
    np.testing.assert_allclose(curve["band_low"], low, rtol=1e-9)
    np.testing.assert_allclose(curve["band_high"], high, rtol=1e-9)


def test_confidence_band_width_on_a_case_worked_by_hand():
    """Five yearly points, ln(value) = 1 + 0.5 (year - 2022) + e with e = (0.1, -0.1, 0, -0.1, 0.1): the residuals
    are orthogonal to the line, so the fit is exact, SSR = 0.04 and s = sqrt(0.04 / 3) = 0.115470. With
    t(0.95; 3 dof) = 2.353363 (tables) the 90 % band is t s sqrt(1/5) = 0.121527 either side at the mean year and
    t s sqrt(1/5 + 4/10) = 0.210491 at both ends, in log space."""
    years = np.array([2020.0, 2021.0, 2022.0, 2023.0, 2024.0])
    log_values = 1.0 + 0.5 * (years - 2022.0) + np.array([0.1, -0.1, 0.0, -0.1, 0.1])
    fit = growth.fit_exponential(years, np.exp(log_values), confidence=0.9)
    assert fit.slope_log == pytest.approx(0.5, rel=1e-12)
    curve = trend_fit.confidence_band(fit, years, log_values).set_index("decimal_year")
    half_width = np.log(curve["band_high"] / curve["fitted"])
    assert half_width.loc[2022.0] == pytest.approx(0.121527, rel=1e-5)
    assert half_width.loc[2020.0] == pytest.approx(0.210491, rel=1e-5)
    assert half_width.loc[2024.0] == pytest.approx(0.210491, rel=1e-5)
    np.testing.assert_allclose(np.log(curve["fitted"] / curve["band_low"]), half_width, rtol=1e-12)  # symmetric
    assert curve.loc[2022.0, "fitted"] == pytest.approx(math.e, rel=1e-12)
    assert half_width.idxmin() == 2022.0  # narrowest at the mean year


def test_interval_of_the_slope_on_a_case_worked_by_hand():
    """Same five points: se(slope) = s / sqrt(Sxx) = 0.115470 / sqrt(10) = 0.0365148, so the 90 % interval of the
    yearly multiple is exp(0.5 ± 2.353363 × 0.0365148) = 1.5130 to 1.7967 (a normal quantile, 1.645, would give
    the narrower 1.5526 to 1.7508)."""
    years = np.array([2020.0, 2021.0, 2022.0, 2023.0, 2024.0])
    log_values = 1.0 + 0.5 * (years - 2022.0) + np.array([0.1, -0.1, 0.0, -0.1, 0.1])
    fit = growth.fit_exponential(years, np.exp(log_values), confidence=0.9)
    assert fit.slope_log_se == pytest.approx(0.0365148, rel=1e-5)
    assert fit.ci_low == pytest.approx(1.512959, rel=1e-6)
    assert fit.ci_high == pytest.approx(1.796666, rel=1e-6)
    assert fit.r_squared == pytest.approx(1.0 - 0.04 / 2.54, rel=1e-12)  # SST = 0.25 x 10 + 0.04


# --- the Monte Carlo sampler ---------------------------------------------------------------------------------

DRAWS = 100_000
QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
# The share of draws below a true quantile q has sd sqrt(q (1 - q) / DRAWS) <= 0.0016: allow about four of them.
CDF_TOLERANCE = 0.0065

FIXED = {
    "accelerator_it_power_w": 1_000.0,
    "pue": 1.25,
    "utilisation": 0.8,
    "electricity_price_usd_per_mwh": 80.0,
    "gpu_unit_price_usd": 30_000.0,
    "accelerator_price_change_per_year": 0.0,
    "growth_slowdown_per_year": 0.0,
    "site_power_cap_mw": math.inf,
}
RANGES = {
    "pue": (1.1, 1.2, 1.5),
    "utilisation": (0.5, 0.9, 0.95),
    "gpu_unit_price_usd": (20_000.0, 20_000.0, 40_000.0),  # the mode at the low end
    "electricity_price_usd_per_mwh": (40.0, 150.0, 150.0),  # the mode at the high end
}


def _draws(seed: int = 2024):
    fixed = {name: value for name, value in FIXED.items() if name not in RANGES}
    return projection.monte_carlo(2024, 1_000.0, math.log(2.0), 0.3, RANGES, fixed, 2030, DRAWS, seed)


def _assert_quantiles(draws: np.ndarray, ppf) -> None:
    for q in QUANTILES:
        assert np.mean(draws <= ppf(q)) == pytest.approx(q, abs=CDF_TOLERANCE), q


def test_growth_multiples_are_lognormal_with_the_given_log_mean_and_sd():
    result = _draws()
    _assert_quantiles(result.growth_multiple, lambda q: math.exp(math.log(2.0) + 0.3 * stats.norm.ppf(q)))


@pytest.mark.parametrize("name", list(RANGES))
def test_ranged_parameters_follow_their_triangular_distribution(name):
    low, mode, high = RANGES[name]
    reference = stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)
    _assert_quantiles(_draws().parameters[name], reference.ppf)


def test_bands_are_the_quantiles_of_the_projected_paths():
    """With growth the only uncertainty feeding accelerators, year t holds 1,000 x exp(t x N(ln 2, 0.3)): its
    percentiles are 1,000 x exp(t (ln 2 + 0.3 z_q)). Power multiplies in the drawn PUE, so its band is wider."""
    result = _draws()
    bands = result.bands((10, 50, 90)).set_index(["quantity", "year"])
    for year in (2025, 2027, 2030):
        t = year - 2024
        for level in (10, 50, 90):
            expected = 1_000.0 * math.exp(t * (math.log(2.0) + 0.3 * stats.norm.ppf(level / 100)))
            # A percentile of DRAWS draws is within about 0.01 in z of the truth: 0.3 t 0.01 in log space.
            assert bands.loc[("accelerators", year), f"p{level}"] == pytest.approx(expected, rel=0.004 * t + 0.005)
    it = bands.loc["it_power_mw"]
    np.testing.assert_allclose(it["p50"], bands.loc["accelerators", "p50"] * 1_000.0 / 1e6, rtol=1e-12)
    facility = bands.loc["facility_power_mw"]
    assert (facility["p90"] / facility["p10"] > it["p90"] / it["p10"]).all()


def test_same_seed_same_draws_and_the_seed_is_used():
    first, again, other = _draws(7), _draws(7), _draws(8)
    np.testing.assert_array_equal(first.growth_multiple, again.growth_multiple)
    np.testing.assert_array_equal(first.parameters["pue"], again.parameters["pue"])
    assert not np.array_equal(first.growth_multiple, other.growth_multiple)
    assert first.seed == 7 and first.n_draws == DRAWS
