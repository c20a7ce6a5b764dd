"""Tests for compute_ledger.projection: the chain, the cap, slowdown, Monte Carlo, milestones, tornado."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from compute_ledger import params
from compute_ledger.projection import (
    PARAMETER_NAMES,
    QUANTITIES,
    MonteCarloResult,
    ProjectionInputError,
    milestone_bands,
    milestone_years,
    monte_carlo,
    project_largest_cluster,
    project_paths,
    tornado,
)

PARAMS: dict[str, float] = {
    "accelerator_it_power_w": 1275.0,
    "pue": 1.2,
    "utilisation": 0.8,
    "electricity_price_usd_per_mwh": 80.0,
    "gpu_unit_price_usd": 30_000.0,
    "accelerator_price_change_per_year": -0.1,
    "growth_slowdown_per_year": 0.0,
    "site_power_cap_mw": math.inf,
}

RANGES: dict[str, tuple[float, float, float]] = {
    "accelerator_it_power_w": (1000.0, 1275.0, 1800.0),
    "pue": (1.1, 1.2, 1.4),
    "utilisation": (0.6, 0.8, 0.95),
    "electricity_price_usd_per_mwh": (40.0, 80.0, 150.0),
    "gpu_unit_price_usd": (20_000.0, 30_000.0, 45_000.0),
    "accelerator_price_change_per_year": (-0.25, -0.1, 0.05),
    "growth_slowdown_per_year": (0.0, 0.1, 0.4),
}


def test_chain_matches_hand_calculation_for_one_year() -> None:
    table = project_largest_cluster(2024, 100_000.0, 2.0, PARAMS, horizon=2026)
    assert list(table.columns) == ["year", *QUANTITIES, "power_capped"]
    assert list(table["year"]) == [2024, 2025, 2026]
    row = table.set_index("year").loc[2025]
    # 100,000 accelerators doubling: 200,000 in 2025.
    assert row["accelerators"] == pytest.approx(200_000.0)
    # 200,000 x 1,275 W = 255,000,000 W = 255 MW of IT power.
    assert row["it_power_mw"] == pytest.approx(255.0)
    # 255 MW x PUE 1.2 = 306 MW at the facility.
    assert row["facility_power_mw"] == pytest.approx(306.0)
    # 306 MW x 0.8 x 8,760 h = 2,144,448 MWh = 2.144448 TWh.
    assert row["energy_twh"] == pytest.approx(2.144448)
    # 2,144,448 MWh x 80 USD/MWh = 171,555,840 USD.
    assert row["electricity_cost_usd"] == pytest.approx(171_555_840.0)
    # 30,000 USD x (1 - 0.1) ** 1 = 27,000 USD per accelerator.
    assert row["accelerator_price_usd"] == pytest.approx(27_000.0)
    # 200,000 x 27,000 USD = 5.4 billion USD of hardware.
    assert row["hardware_capex_usd"] == pytest.approx(5.4e9)
    assert not row["power_capped"]


def test_base_year_row_is_the_observed_start() -> None:
    base = project_largest_cluster(2024, 100_000.0, 2.0, PARAMS, horizon=2030).iloc[0]
    assert base["year"] == 2024
    assert base["accelerators"] == 100_000.0
    assert base["accelerator_price_usd"] == 30_000.0
    assert base["hardware_capex_usd"] == pytest.approx(3.0e9)


def test_power_cap_holds_and_stays() -> None:
    capped = {**PARAMS, "site_power_cap_mw": 500.0}
    table = project_largest_cluster(2024, 100_000.0, 2.0, capped, horizon=2030)
    # 1,275 W x 1.2 = 1,530 W per accelerator at the facility: 500 MW holds 326,797.39 accelerators.
    cap_accelerators = 500e6 / 1530.0
    assert list(table["power_capped"]) == [False, False, True, True, True, True, True]
    assert (table["facility_power_mw"] <= 500.0 * (1 + 1e-12)).all()
    np.testing.assert_allclose(table["accelerators"].iloc[2:], cap_accelerators, rtol=1e-12)
    np.testing.assert_allclose(table["facility_power_mw"].iloc[2:], 500.0, rtol=1e-12)
    assert table["accelerators"].iloc[1] == pytest.approx(200_000.0)


def test_power_cap_stays_even_when_the_trend_turns_down() -> None:
    capped = {**PARAMS, "site_power_cap_mw": 500.0}
    # 400,000 accelerators need 612 MW: capped from the base year; a halving trend does not release it.
    table = project_largest_cluster(2024, 400_000.0, 0.5, capped, horizon=2027)
    assert table["power_capped"].all()
    np.testing.assert_allclose(table["facility_power_mw"], 500.0, rtol=1e-12)


def test_slowdown_reduces_growth_as_computed_by_hand() -> None:
    slowing = {**PARAMS, "growth_slowdown_per_year": 0.5}
    table = project_largest_cluster(2024, 1_000.0, 3.0, slowing, horizon=2027)
    # ln g_k = ln 3 x 0.5 ** (k - 1): g_1 = 3, g_2 = 3 ** 0.5 = 1.7321, g_3 = 3 ** 0.25 = 1.3161.
    expected = [1_000.0, 1_000.0 * 3.0, 1_000.0 * 3.0 * 3.0**0.5, 1_000.0 * 3.0 * 3.0**0.5 * 3.0**0.25]
    np.testing.assert_allclose(table["accelerators"], expected, rtol=1e-12)
    assert table["accelerators"].iloc[3] == pytest.approx(6_838.52117, rel=1e-8)  # 1,000 x 3 ** 1.75
    constant = project_largest_cluster(2024, 1_000.0, 3.0, PARAMS, horizon=2027)
    assert constant["accelerators"].iloc[3] == pytest.approx(27_000.0)


def test_vectorised_core_matches_single_projections() -> None:
    growths = np.array([1.5, 2.0, 3.0])
    pues = np.array([1.1, 1.2, 1.5])
    arrays = {**PARAMS, "pue": pues, "site_power_cap_mw": np.array([math.inf, 800.0, 2_000.0])}
    paths = project_paths(2024, 100_000.0, np.log(growths), arrays, horizon=2029)
    for row in range(3):
        single = {**PARAMS, "pue": pues[row], "site_power_cap_mw": arrays["site_power_cap_mw"][row]}
        table = project_largest_cluster(2024, 100_000.0, growths[row], single, horizon=2029)
        for quantity in QUANTITIES:
            np.testing.assert_allclose(paths.values[quantity][row], table[quantity], rtol=1e-12)
        np.testing.assert_array_equal(paths.power_capped[row], table["power_capped"])


def run_monte_carlo(seed: int, n_draws: int = 5_000) -> MonteCarloResult:
    """The shared Monte Carlo set-up of these tests, with every parameter but the cap ranged."""
    return monte_carlo(
        2024,
        100_000.0,
        growth_log_mean=math.log(2.5),
        growth_log_sd=0.25,
        param_ranges=RANGES,
        fixed_params={"site_power_cap_mw": 5_000.0},
        horizon=2030,
        n_draws=n_draws,
        seed=seed,
    )


def test_monte_carlo_same_seed_same_bands_other_seed_other_bands() -> None:
    first = run_monte_carlo(seed=7).bands()
    again = run_monte_carlo(seed=7).bands()
    other = run_monte_carlo(seed=8).bands()
    pd.testing.assert_frame_equal(first, again)
    assert list(first.columns) == ["year", "quantity", "p10", "p50", "p90"]
    assert len(first) == len(QUANTITIES) * 7
    later = first["year"] > 2024
    assert not np.allclose(first.loc[later, "p50"], other.loc[later, "p50"])


def test_monte_carlo_bands_are_ordered_and_base_year_is_fixed() -> None:
    bands = run_monte_carlo(seed=1).bands()
    assert (bands["p10"] <= bands["p50"]).all()
    assert (bands["p50"] <= bands["p90"]).all()
    base = bands[(bands["year"] == 2024) & (bands["quantity"] == "accelerators")].iloc[0]
    assert base["p10"] == base["p90"] == 100_000.0


def test_monte_carlo_draws_stay_in_their_triangular_ranges() -> None:
    result = run_monte_carlo(seed=3, n_draws=20_000)
    for name, (low, mode, high) in RANGES.items():
        draws = result.parameters[name]
        assert draws.min() >= low
        assert draws.max() <= high
        # mean of a triangular distribution is (low + mode + high) / 3
        assert draws.mean() == pytest.approx((low + mode + high) / 3, rel=0.01)
    assert (result.parameters["site_power_cap_mw"] == 5_000.0).all()
    assert np.median(result.growth_multiple) == pytest.approx(2.5, rel=0.02)
    assert (result.draws["facility_power_mw"] <= 5_000.0 * (1 + 1e-12)).all()


def test_monte_carlo_parameter_draws_do_not_shift_when_another_range_changes() -> None:
    narrow = {**RANGES, "pue": (1.2, 1.2, 1.2)}
    wide = run_monte_carlo(seed=5)
    changed = monte_carlo(2024, 100_000.0, math.log(2.5), 0.25, narrow, {"site_power_cap_mw": 5_000.0}, 2030, 5_000, 5)
    np.testing.assert_array_equal(wide.parameters["utilisation"], changed.parameters["utilisation"])
    np.testing.assert_array_equal(wide.growth_multiple, changed.growth_multiple)


def test_monte_carlo_without_uncertainty_equals_deterministic_projection() -> None:
    params = {**PARAMS, "site_power_cap_mw": 2_000.0, "growth_slowdown_per_year": 0.2}
    degenerate = {name: (value, value, value) for name, value in params.items()}
    result = monte_carlo(2024, 100_000.0, math.log(2.5), 0.0, degenerate, {}, 2030, 200, seed=11)
    table = project_largest_cluster(2024, 100_000.0, 2.5, params, horizon=2030)
    bands = result.bands()
    for quantity in QUANTITIES:
        band = bands[bands["quantity"] == quantity]
        for column in ("p10", "p50", "p90"):
            np.testing.assert_allclose(band[column], table[quantity], rtol=1e-12)
    np.testing.assert_array_equal(result.share_power_capped()["share_power_capped"], table["power_capped"])


def test_milestone_years_on_hand_made_draws() -> None:
    years = np.array([2024, 2025, 2026, 2027])
    draws = np.array(
        [
            [100.0, 900.0, 1_200.0, 3_000.0],  # reaches 1,000 MW in 2026
            [1_000.0, 2_000.0, 3_000.0, 4_000.0],  # already there in the base year
            [10.0, 20.0, 30.0, 40.0],  # never by the horizon
            [500.0, 999.9, 1_000.0, 800.0],  # exactly 1,000 MW in 2026
        ]
    )
    np.testing.assert_array_equal(milestone_years(draws, years, 1_000.0), [2026.0, 2024.0, np.nan, 2026.0])
    np.testing.assert_array_equal(milestone_years(draws[0], years, 3_000.0), [2027.0])


def test_milestone_bands_treat_never_as_beyond_horizon() -> None:
    years = np.array([2024, 2025, 2026])
    # Ten draws: three reach 1,000 MW in 2025, four in 2026, three never.
    reach_2025 = [0.0, 1_000.0, 1_000.0]
    reach_2026 = [0.0, 0.0, 1_000.0]
    never = [0.0, 0.0, 0.0]
    facility = np.array([reach_2025] * 3 + [reach_2026] * 4 + [never] * 3)
    result = MonteCarloResult(
        years=years,
        draws={"facility_power_mw": facility},
        power_capped=np.zeros_like(facility, dtype=bool),
        growth_multiple=np.ones(10),
        parameters={},
        seed=0,
    )
    bands = milestone_bands(result, thresholds_mw=(1_000.0, 5_000.0), percentiles=(10, 50, 70, 90))
    assert list(bands.columns) == ["threshold_mw", "p10", "p50", "p70", "p90", "share_reaching_by_horizon"]
    first = bands.iloc[0]
    assert first["threshold_mw"] == 1_000.0
    assert first["p10"] == 2025.0  # 30 % of draws are there by 2025
    assert first["p50"] == 2026.0  # 70 % by 2026
    assert first["p70"] == 2026.0
    assert math.isnan(first["p90"])  # 90 % only beyond the horizon
    assert first["share_reaching_by_horizon"] == pytest.approx(0.7)
    second = bands.iloc[1]
    assert math.isnan(second["p10"])
    assert second["share_reaching_by_horizon"] == 0.0


def test_tornado_zero_swing_and_price_swing_by_hand() -> None:
    ranges = {
        "electricity_price_usd_per_mwh": (40.0, 80.0, 150.0),
        "gpu_unit_price_usd": (20_000.0, 40_000.0),
        "pue": (1.1, 1.2, 1.5),
    }
    table = tornado(2024, 100_000.0, 2.0, (1.5, 3.0), PARAMS, ranges, horizon=2030, output_year=2026)
    assert list(table.columns) == [
        "parameter",
        "quantity",
        "base_value",
        "value_at_low",
        "value_at_high",
        "swing",
    ]
    indexed = table.set_index(["quantity", "parameter"])
    # Electricity price does not change how many accelerators there are.
    assert indexed.loc[("accelerators", "electricity_price_usd_per_mwh"), "swing"] == 0.0
    assert indexed.loc[("accelerators", "gpu_unit_price_usd"), "swing"] == 0.0
    # 2026: 400,000 accelerators at price x 0.9 ** 2 = 0.81:
    # low 20,000 x 0.81 = 16,200 -> 6.48e9 USD; high 40,000 x 0.81 = 32,400 -> 12.96e9 USD; swing 6.48e9.
    price_row = indexed.loc[("hardware_capex_usd", "gpu_unit_price_usd")]
    assert price_row["base_value"] == pytest.approx(400_000 * 30_000 * 0.81)
    assert price_row["value_at_low"] == pytest.approx(6.48e9)
    assert price_row["value_at_high"] == pytest.approx(12.96e9)
    assert price_row["swing"] == pytest.approx(6.48e9)
    # growth 1.5 -> 225,000 accelerators, 3.0 -> 900,000 in 2026.
    growth_row = indexed.loc[("accelerators", "growth_multiple")]
    assert growth_row["value_at_low"] == pytest.approx(225_000.0)
    assert growth_row["value_at_high"] == pytest.approx(900_000.0)
    for _, group in table.groupby("quantity", sort=False):
        assert list(group["swing"]) == sorted(group["swing"], reverse=True)
    assert list(table["quantity"].unique()) == list(QUANTITIES)


def test_unknown_and_missing_parameters_are_named() -> None:
    with pytest.raises(ProjectionInputError, match=r"unknown parameter\(s\) \['pue_typo'\]"):
        project_largest_cluster(2024, 1.0, 2.0, {**PARAMS, "pue_typo": 1.3}, 2030)
    without = {name: value for name, value in PARAMS.items() if name != "utilisation"}
    with pytest.raises(ProjectionInputError, match=r"missing parameter\(s\) \['utilisation'\]"):
        project_largest_cluster(2024, 1.0, 2.0, without, 2030)
    with pytest.raises(ProjectionInputError, match=r"missing parameter\(s\) \['utilisation'\]"):
        monte_carlo(2024, 1.0, 0.5, 0.1, {}, without, 2030, 10, 0)
    with pytest.raises(ProjectionInputError, match=r"unknown parameter\(s\) \['watts'\]"):
        monte_carlo(2024, 1.0, 0.5, 0.1, {"watts": (1.0, 2.0, 3.0)}, PARAMS, 2030, 10, 0)
    with pytest.raises(ProjectionInputError, match=r"unknown parameter\(s\) \['watts'\]"):
        tornado(2024, 1.0, 2.0, (1.5, 3.0), PARAMS, {"watts": (1.0, 2.0)}, 2030, 2026)


def test_horizon_must_be_after_base_year() -> None:
    with pytest.raises(ProjectionInputError, match=r"horizon \(2024\) must be after base_year \(2024\)"):
        project_largest_cluster(2024, 1.0, 2.0, PARAMS, 2024)
    with pytest.raises(ProjectionInputError, match="must be after base_year"):
        monte_carlo(2024, 1.0, 0.5, 0.1, {}, PARAMS, 2020, 10, 0)


def test_non_positive_base_is_rejected() -> None:
    with pytest.raises(ProjectionInputError, match="base_accelerators must be a positive"):
        project_largest_cluster(2024, 0.0, 2.0, PARAMS, 2030)
    with pytest.raises(ProjectionInputError, match="base_accelerators must be a positive"):
        project_largest_cluster(2024, -5.0, 2.0, PARAMS, 2030)
    with pytest.raises(ProjectionInputError, match="growth_multiple must be a positive"):
        project_largest_cluster(2024, 10.0, 0.0, PARAMS, 2030)


@pytest.mark.parametrize("utilisation", [0.0, -0.2, 1.2, math.nan])
def test_utilisation_outside_zero_one_is_rejected(utilisation: float) -> None:
    with pytest.raises(ProjectionInputError, match=r"utilisation must be in \(0, 1\]"):
        project_largest_cluster(2024, 1.0, 2.0, {**PARAMS, "utilisation": utilisation}, 2030)


def test_utilisation_range_reaching_above_one_is_rejected_in_monte_carlo() -> None:
    with pytest.raises(ProjectionInputError, match=r"utilisation must be in \(0, 1\]"):
        monte_carlo(2024, 1.0, 0.5, 0.1, {"utilisation": (0.9, 1.0, 1.1)}, PARAMS, 2030, 1_000, 0)


def test_other_bad_inputs_are_rejected() -> None:
    with pytest.raises(ProjectionInputError, match=r"growth_slowdown_per_year must be in \[0, 1\)"):
        project_largest_cluster(2024, 1.0, 2.0, {**PARAMS, "growth_slowdown_per_year": 1.0}, 2030)
    with pytest.raises(ProjectionInputError, match="low <= mode <= high"):
        monte_carlo(2024, 1.0, 0.5, 0.1, {"pue": (1.3, 1.2, 1.4)}, PARAMS, 2030, 10, 0)
    with pytest.raises(ProjectionInputError, match="growth_log_sd must be a finite number >= 0"):
        monte_carlo(2024, 1.0, 0.5, math.nan, {}, PARAMS, 2030, 10, 0)
    with pytest.raises(ProjectionInputError, match=r"output_year \(2031\) must be within 2024..2030"):
        tornado(2024, 1.0, 2.0, (1.5, 3.0), PARAMS, {}, 2030, 2031)


def test_the_run_parameters_give_the_chain_exactly_its_parameters() -> None:
    chain = params.Parameters().chain_parameters()
    assert list(chain) == list(PARAMETER_NAMES)
    project_largest_cluster(2024, 100_000.0, 2.0, chain, horizon=2026)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("pue", 0.9, r"pue must be in \[1, inf\); got \[0.9\]"),
        ("accelerator_it_power_w", math.inf, r"accelerator_it_power_w must be in \(0, inf\)"),
        (
            "accelerator_price_change_per_year",
            -1.0,
            r"accelerator_price_change_per_year must be in \(-1, inf\)",
        ),
        ("site_power_cap_mw", math.nan, r"site_power_cap_mw must be in \(0, inf\]"),
        ("site_power_cap_mw", 0.0, r"site_power_cap_mw must be in \(0, inf\]"),
    ],
)
def test_parameter_values_outside_their_interval_are_named(name: str, value: float, message: str) -> None:
    with pytest.raises(ProjectionInputError, match=message):
        project_largest_cluster(2024, 1.0, 2.0, {**PARAMS, name: value}, 2030)


# --- Known answers added by the mutation check (benchmarks/mutation.py) -------------------------------------------


def test_chain_language_unary_minus_log_max_and_min_give_their_known_values() -> None:
    from compute_ledger import chain

    steps = (
        chain.Calculate("negated", "-x"),
        chain.Calculate("logged", "log(x)"),
        chain.Calculate("larger", "max(x, y)"),
        chain.Calculate("smaller", "min(x, y)"),
    )
    made = chain.evaluate(steps, {"x": np.array([[1.0, math.e, 4.0]])}, {"y": 2.0})
    np.testing.assert_array_equal(made["negated"], [[-1.0, -math.e, -4.0]])
    np.testing.assert_allclose(made["logged"], [[0.0, 1.0, math.log(4.0)]], rtol=1e-15)
    np.testing.assert_array_equal(made["larger"], [[2.0, math.e, 4.0]])
    np.testing.assert_array_equal(made["smaller"], [[1.0, 2.0, 2.0]])


def test_bands_refuse_an_empty_list_of_percentiles() -> None:
    with pytest.raises(ProjectionInputError, match="non-empty"):
        run_monte_carlo(seed=1).bands(percentiles=[])
    with pytest.raises(ProjectionInputError, match="non-empty"):
        run_monte_carlo(seed=1).bands(percentiles=[50, 101])


def test_a_path_exactly_at_the_cap_is_capped_and_capped_power_is_the_cap_exactly() -> None:
    # 1,000 accelerators x 1,000 W x PUE 1 = 1 MW, exactly the cap: the base year has reached it.
    at_cap = {**PARAMS, "accelerator_it_power_w": 1000.0, "pue": 1.0, "site_power_cap_mw": 1.0}
    frame = project_largest_cluster(2024, 1000.0, 2.0, at_cap, 2026)
    assert frame["power_capped"].tolist() == [True, True, True]
    assert frame["accelerators"].tolist() == [1000.0, 1000.0, 1000.0]
    # A cap reached later: facility power equals the cap to the last bit, not via accelerators x W x PUE.
    capped = project_largest_cluster(2024, 100_000.0, 3.0, {**PARAMS, "site_power_cap_mw": 700.1}, 2030)
    held = capped[capped["power_capped"]]
    assert len(held) >= 2
    assert (held["facility_power_mw"] == 700.1).all()
