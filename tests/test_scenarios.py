"""Tests for compute_ledger.scenarios: per-scenario projections, bands, milestones, tornado, scenario files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import vl_convert

from compute_ledger import charts, database, params, paths, projection, queries, scenarios
from compute_ledger.views import projections as views
from tests.test_trend_fit import figure, synthetic_database

FAST = {"monte_carlo_draws": 2000}  # enough for ordered bands; keeps the tests quick


def cluster_rows() -> list[dict[str, str]]:
    """Largest cluster 2019-2025 doubling each year from 20,000, a plan in 2026 that must never be the base."""
    wobble = (1.1, 0.9, 1.05, 0.95, 1.1, 0.9, 1.0)
    rows = [figure(f"cluster-{2019 + k}", f"{2019 + k}-07", 20_000.0 * 2.0**k * w) for k, w in enumerate(wobble)]
    rows.append(figure("plan-2026", "2026-07", 5_000_000.0, status="announced plan"))
    return rows


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with database.connect_read_only(synthetic_database(tmp_path, cluster_rows())) as opened:
        yield opened


def inputs(connection: duckdb.DuckDBPyConnection) -> scenarios.ChainInputs:
    return scenarios.ChainInputs(**queries.chain_inputs(connection))


def scenario_sets(**extra: float) -> dict[str, params.Parameters]:
    """The three scenarios as their files set them, with fast Monte Carlo and any ``extra`` on top."""
    settings = {
        "trend": {},
        "slowdown": {"growth_slowdown_per_year": 0.25},
        "power_capped": {"site_power_cap_mw": 5000},
    }
    return {name: params.build(values, FAST, extra) for name, values in settings.items()}


@pytest.fixture
def runs(connection: duckdb.DuckDBPyConnection) -> dict[str, scenarios.ScenarioRun]:
    return scenarios.run_all(inputs(connection), scenario_sets())


def test_base_point_is_the_latest_observation_never_a_plan(runs: dict[str, scenarios.ScenarioRun]) -> None:
    base = runs["trend"].base
    assert base.figure_id == "cluster-2025"
    assert base.year == 2025
    assert base.h100e == pytest.approx(20_000.0 * 2.0**6, rel=1e-5)
    first = runs["trend"].projection.iloc[0]
    assert first["year"] == 2025 and first["accelerators"] == pytest.approx(base.h100e)


def test_growth_is_the_fit_and_its_spread_the_slope_standard_error(runs: dict[str, scenarios.ScenarioRun]) -> None:
    run = runs["trend"]
    fit = run.cluster_fit.fit
    assert run.growth_multiple == pytest.approx(fit.multiple_per_year)
    assert run.growth_multiple == pytest.approx(2.0, rel=0.05)
    assert run.growth_log_sd == pytest.approx(fit.slope_log_se)
    assert run.growth_range == pytest.approx((fit.ci_low, fit.ci_high))


def test_override_moves_the_centre_and_keeps_the_relative_interval(connection: duckdb.DuckDBPyConnection) -> None:
    run = scenarios.run_scenario(inputs(connection), "fast", params.build(FAST, {"growth_multiple_override": 3.0}))
    fit = run.cluster_fit.fit
    assert run.growth_multiple == 3.0
    assert run.growth_range[0] == pytest.approx(3.0 * fit.ci_low / fit.multiple_per_year)
    accelerators = run.projection.set_index("year")["accelerators"]
    assert accelerators[2026] / accelerators[2025] == pytest.approx(3.0)


def test_power_capped_never_exceeds_its_cap(runs: dict[str, scenarios.ScenarioRun]) -> None:
    capped = runs["power_capped"]
    cap = capped.parameters.site_power_cap_mw
    assert (capped.projection["facility_power_mw"] <= cap * (1 + 1e-9)).all()
    assert capped.projection["power_capped"].iloc[-1]
    power_bands = capped.bands.loc[capped.bands["quantity"] == "facility_power_mw"]
    assert (power_bands["p90"] <= cap * (1 + 1e-9)).all()
    # Uncapped, the same path goes past the cap by the horizon.
    assert runs["trend"].projection["facility_power_mw"].iloc[-1] > cap


def test_slowdown_starts_with_the_trend_and_ends_below_it(runs: dict[str, scenarios.ScenarioRun]) -> None:
    trend = runs["trend"].projection.set_index("year")["accelerators"]
    slowdown = runs["slowdown"].projection.set_index("year")["accelerators"]
    assert slowdown[2026] == pytest.approx(trend[2026])  # the first projected year grows at the full multiple
    assert slowdown[2030] < 0.5 * trend[2030]


def test_monte_carlo_bands_are_ordered_and_long(runs: dict[str, scenarios.ScenarioRun]) -> None:
    bands = scenarios.band_frame(runs)
    assert list(bands.columns) == ["scenario", "year", "quantity", "p10", "p50", "p90"]
    assert (bands["p10"] <= bands["p50"]).all() and (bands["p50"] <= bands["p90"]).all()
    assert len(bands) == 3 * len(projection.QUANTITIES) * len(range(2025, 2031))
    frame = scenarios.projection_frame(runs)
    assert list(frame.columns) == ["scenario", "year", "quantity", "value"]
    assert set(frame["scenario"]) == {"trend", "slowdown", "power_capped"}
    trend_2030 = frame.query("scenario == 'trend' and year == 2030 and quantity == 'accelerators'")["value"]
    assert float(trend_2030.iloc[0]) == pytest.approx(runs["trend"].projection["accelerators"].iloc[-1])


def test_milestones_match_the_central_path_and_slowdown_is_never_earlier(
    runs: dict[str, scenarios.ScenarioRun],
) -> None:
    milestones = scenarios.milestone_frame(runs).set_index(["scenario", "threshold_mw"])
    path = runs["trend"].projection
    first_1gw = int(path.loc[path["facility_power_mw"] >= 1000, "year"].iloc[0])
    assert milestones.loc[("trend", 1000.0), "central_year"] == first_1gw
    for threshold in scenarios.MILESTONES_MW:
        trend = milestones.loc[("trend", threshold)]
        slowdown = milestones.loc[("slowdown", threshold)]
        assert np.nan_to_num(slowdown["central_year"], nan=9999) >= trend["central_year"]
        assert 0 <= trend["share_reaching_by_horizon"] <= 1
    shown = scenarios.milestone_display(scenarios.milestone_frame(runs))
    assert set(shown["facility power reaches"]) == {"1 GW", "5 GW"}


def test_a_path_held_at_the_cap_counts_as_reaching_the_cap(connection: duckdb.DuckDBPyConnection) -> None:
    # With PUE 1.333 the capped facility power comes back as 4999.999999999999 MW, not 5000.
    run = scenarios.run_scenario(
        inputs(connection), "capped", params.build(FAST, {"site_power_cap_mw": 5000, "pue": 1.333})
    )
    assert run.projection["power_capped"].any()
    milestones = run.milestones.set_index("threshold_mw")
    assert not np.isnan(milestones.loc[5000.0, "central_year"])


def test_tornado_of_the_horizon_uses_the_fit_interval_for_growth(runs: dict[str, scenarios.ScenarioRun]) -> None:
    tornado = scenarios.tornado_frame(runs["trend"])
    growth_row = tornado.query("quantity == 'facility_power_mw' and parameter == 'growth_multiple'").iloc[0]
    assert growth_row["low_setting"] == pytest.approx(runs["trend"].growth_range[0])
    assert growth_row["value_at_low"] < growth_row["base_value"] < growth_row["value_at_high"]
    assert growth_row["base_value"] == pytest.approx(runs["trend"].projection["facility_power_mw"].iloc[-1])
    power = tornado.loc[tornado["quantity"] == "facility_power_mw"]
    largest = power.loc[power["swing"].idxmax(), "parameter"]
    assert scenarios.top_driver(tornado, "facility_power_mw") == scenarios.PARAMETER_LABELS[largest]
    plotted = scenarios.tornado_plot_frame(tornado, "facility_power_mw")
    assert "electricity price" not in set(plotted["parameter"])  # no effect on power: left out
    assert (plotted["value"] > 0).all()


def test_horizon_table_gives_each_quantity_per_scenario(runs: dict[str, scenarios.ScenarioRun]) -> None:
    table = scenarios.horizon_table(runs)
    assert set(table["quantity"]) == set(scenarios.HORIZON_QUANTITIES)
    assert (table["p10"] <= table["p90"]).all()
    assert len(table) == 3 * len(scenarios.HORIZON_QUANTITIES)
    shown = scenarios.horizon_display(table)
    assert list(shown["scenario"]) == ["trend", "slowdown", "power_capped"]
    assert shown.set_index("scenario").loc["power_capped", "facility power"].startswith("5.0 GW")


def test_charts_compile_to_vega(runs: dict[str, scenarios.ScenarioRun]) -> None:
    charts.enable()
    names = list(runs)
    built = [
        views.projection_chart(scenarios.projection_plot_frame(runs), names),
        views.milestone_chart(scenarios.milestone_plot_frame(scenarios.milestone_frame(runs)), names, 2025, 2030),
        views.tornado_chart(
            scenarios.tornado_plot_frame(scenarios.tornado_frame(runs["trend"]), "hardware_capex_usd"),
            "hardware_capex_usd",
        ),
    ]
    for chart in built:
        svg = vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=charts.VEGA_LITE_VERSION)
        assert svg.startswith("<svg")
    plotted = scenarios.projection_plot_frame(runs)
    projected = plotted.loc[plotted["layer"] == "projection"]
    # Projections start at the latest observation and never before it.
    assert projected["decimal_year"].min() == pytest.approx(runs["trend"].base.decimal_year)
    assert (projected["low"] <= projected["high"]).all()


def test_default_scenario_parameters_hold_the_three_scenarios_with_valid_values() -> None:
    defaults = scenarios.default_scenario_parameters()
    assert {"trend", "slowdown", "power_capped"} <= set(defaults)
    built = {name: params.build(values) for name, values in defaults.items()}
    assert built["trend"] == params.Parameters()
    assert built["slowdown"].growth_slowdown_per_year == 0.25
    assert built["power_capped"].site_power_cap_mw == 5000
    assert defaults["trend"]["site_power_cap_mw"] is None  # JSON-able, as the pipeline injects it


def test_empty_injection_uses_the_files_with_the_runs_own_settings_on_top() -> None:
    sets = scenarios.parameter_sets({}, params.build({"pue": 1.4}))
    assert list(sets)[:3] == ["trend", "slowdown", "power_capped"]
    assert all(p.pue == 1.4 for p in sets.values())
    assert sets["power_capped"].site_power_cap_mw == 5000
    injected = scenarios.parameter_sets({"slowdown": {"growth_slowdown_per_year": 0.1}})
    assert list(injected) == ["slowdown"] and injected["slowdown"].growth_slowdown_per_year == 0.1
    with pytest.raises(params.ParameterError, match="pue"):
        scenarios.parameter_sets({"bad": {"pue": 0.5}})


def test_main_scenario_is_trend_when_present() -> None:
    assert scenarios.main_scenario(["power_capped", "trend"]) == "trend"
    assert scenarios.main_scenario(["power_capped", "slowdown"]) == "slowdown"
    assert scenarios.main_scenario(["zeta", "alpha"]) == "alpha"


def test_each_scenario_file_loads_through_params_build_and_cites_ledger_figures() -> None:
    figure_ids = set(pd.read_csv(paths.FIGURES_CSV, usecols=["figure_id"])["figure_id"])
    names = params.available_scenarios()
    assert {"trend", "slowdown", "power_capped"} <= set(names)
    for name in names:
        params.build(params.read_scenario(name))
        assert params.scenario_description(name)
    cited = re.findall(r"\b(?:pow|acc|seed)-[a-z0-9-]+[a-z0-9]", params.scenario_description("power_capped"))
    assert cited and set(cited) <= figure_ids


def test_power_ratio_is_the_chips_watts_per_h100e_over_the_h100s() -> None:
    # 100,000 chips of 2,250 dense TFLOPS at 1,000 W, against an H100 of 989 TFLOPS at 700 W.
    count = 100_000.0
    h100e = count * 2250.0 / 989.0
    chip_power_mw = count * 1000.0 / 1e6
    expected = (1000.0 / (2250.0 / 989.0)) / 700.0  # 439.6 W per H100e over 700 W
    assert scenarios.power_ratio(chip_power_mw, h100e, 700.0) == pytest.approx(expected, rel=1e-12)
    assert scenarios.power_ratio(float("nan"), h100e, 700.0) == 1.0  # a figure stated in H100e
    assert scenarios.power_ratio(70.0, 100_000.0, 700.0) == pytest.approx(1.0)  # an H100 count


def test_the_chain_scales_the_power_per_h100_to_the_base_chips_and_keeps_the_price() -> None:
    parameters = params.build(FAST)
    chain, ranges = scenarios.scaled_chain(parameters, 0.5)
    assert chain["accelerator_it_power_w"] == pytest.approx(0.5 * parameters.accelerator_it_power_w)
    assert chain["gpu_unit_price_usd"] == parameters.gpu_unit_price_usd
    low, mode, high = params.uncertainty_ranges(parameters)["accelerator_it_power_w"]
    assert ranges["accelerator_it_power_w"] == pytest.approx((0.5 * low, 0.5 * mode, 0.5 * high))


def test_base_year_power_is_the_base_h100e_times_the_all_in_h100_power(runs: dict[str, scenarios.ScenarioRun]) -> None:
    run = runs["trend"]  # H100 counts: the ratio is one
    assert run.base.power_ratio == pytest.approx(1.0)
    first = run.projection.iloc[0]
    p = run.parameters
    assert first["facility_power_mw"] == pytest.approx(run.base.h100e * p.accelerator_it_power_w * p.pue / 1e6)


def test_the_base_is_the_largest_single_cluster_never_a_programme_or_a_later_smaller_one(tmp_path: Path) -> None:
    rows = [
        *cluster_rows(),
        figure("smaller-2026", "2026-01", 50_000.0),  # later but smaller: the base stays the 2025 record
        figure("programme-2025", "2025-09", 9_000_000.0, scope="programme"),  # many sites: never a base
    ]
    with database.connect_read_only(synthetic_database(tmp_path, rows)) as opened:
        run = scenarios.run_scenario(inputs(opened), "fast", params.build(FAST))
    assert run.base.figure_id == "cluster-2025"
    assert "programme-2025" not in set(run.cluster_fit.points["figure_id"])
    assert run.cluster_fit.fit.n == 7  # the seven yearly records; the smaller rows are candidates, not records
