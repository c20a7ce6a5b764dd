"""Projections of the largest cluster per named scenario, in H100-equivalents: deterministic paths, Monte Carlo
bands, milestones, a tornado of the horizon year, the tables and charts of the Projections chapter.

A scenario is a full parameter set (``scenarios/NAME.yaml`` over the defaults, plus the reader's own
``--set``). For each one:

* the record fit of the largest cluster in H100-equivalents (:func:`trend_fit.fit_records` on
  :func:`queries.record_candidates_compute` from the scenario's ``fit_start_year``): single clusters, sites and
  training runs that were built or used, never a plan, a programme, a fleet or a pipeline;
* the base point: the largest of those candidates observed up to the edition (:func:`frontier.largest_by_year`'s
  last row, the same base as the record what-if of :mod:`outlook`), in H100e;
* the power per H100e: ``accelerator_it_power_w`` is the all-in IT power of one H100 (its source is a DGX H100);
  the chain scales it by the base system's chip power per H100e over the H100's (:func:`power_ratio`, from the chip
  table's TDP and dense 16-bit throughput), and keeps that ratio for every projected year (no efficiency gain is
  assumed beyond the base system's chips). ``gpu_unit_price_usd`` is the price of one H100, taken as the price of one
  H100-equivalent;
* the growth multiple: the fitted one, or ``growth_multiple_override``; its log standard deviation is the
  fit's slope standard error (also under an override: the override moves the centre, not the uncertainty);
* the deterministic chain (:func:`projection.project_largest_cluster`, whose count is here a count of H100e) and the
  Monte Carlo (:func:`projection.monte_carlo`, ``monte_carlo_draws`` draws from ``random_seed``) with the
  parameters' uncertainty ranges (:func:`params.uncertainty_ranges`, the power range scaled like the value).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from compute_ledger import frontier, metadata, params, projection, report, trend_fit

MAIN_SCENARIO = "trend"
SCENARIO_ORDER = ("trend", "slowdown", "power_capped")
MILESTONES_MW = (1000.0, 5000.0)
PERCENTILES = (10, 50, 90)

HORIZON_QUANTITIES: dict[str, str] = {
    "accelerators": "H100-equivalents",
    "facility_power_mw": "facility power",
    "energy_twh": "energy per year",
    "electricity_cost_usd": "electricity cost per year",
    "hardware_capex_usd": "hardware value",
}
# The labels of params (the growth multiple is params' growth_multiple_override), by the chain's parameter names.
_LABELS = {spec.name: spec.label for spec in params.specs()}
PARAMETER_LABELS: dict[str, str] = {
    projection.GROWTH_PARAMETER: _LABELS["growth_multiple_override"],
    **{name: _LABELS[name] for name in projection.PARAMETER_NAMES},
}
TORNADO_UNITS: dict[str, tuple[float, str]] = {
    "facility_power_mw": (1000.0, "Facility power (GW, log scale)"),
    "hardware_capex_usd": (1e9, "Hardware value (USD billion, log scale)"),
    "energy_twh": (1.0, "Energy per year (TWh, log scale)"),
    "accelerators": (1.0, "H100-equivalents (log scale)"),
}
TORNADO_ENDS = ("low end of the range", "high end of the range")


@dataclass(frozen=True)
class BasePoint:
    """Where every projection starts: the largest single cluster observed up to the edition (never a plan or a
    multi-site programme), in H100-equivalents, with its chips' power per H100e over the H100's."""

    year: int
    decimal_year: float
    h100e: float
    figure_id: str
    subject: str
    chip: str
    power_ratio: float


@dataclass(frozen=True, eq=False)
class ChainInputs:
    """What the chain reads from the ledger (:func:`queries.chain_inputs`): the record candidates in H100e of every
    year, each with its chip power (``chip_power_mw``), and the H100's TDP from the chip table."""

    candidates: pd.DataFrame
    h100_tdp_w: float


@dataclass(frozen=True, eq=False)
class ScenarioRun:
    """Everything the chapter shows for one scenario.

    ``projection`` is the deterministic path (:func:`projection.project_largest_cluster`), ``bands`` the Monte
    Carlo percentiles (``year``, ``quantity``, ``p10``, ``p50``, ``p90``), ``milestones`` the years facility
    power reaches each of :data:`MILESTONES_MW` (``threshold_mw``, ``central_year`` from the deterministic path,
    ``p10``, ``p50``, ``p90``, ``share_reaching_by_horizon``). ``chain`` and ``ranges`` are the chain parameters and
    their uncertainty ranges in effect, the power per H100 scaled by ``base.power_ratio`` (:func:`scaled_chain`).
    """

    name: str
    parameters: params.Parameters
    cluster_fit: trend_fit.SeriesFit
    chain: dict[str, float]
    ranges: dict[str, tuple[float, float, float]]
    base: BasePoint
    growth_multiple: float
    growth_log_sd: float
    growth_range: tuple[float, float]
    projection: pd.DataFrame
    bands: pd.DataFrame
    milestones: pd.DataFrame


def default_scenario_parameters(overrides: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Every ``scenarios/*.yaml`` over the defaults, as JSON-able dicts (the shape the pipeline injects).

    ``overrides`` go on top of every scenario, as ``--set`` does on the command line.
    """
    layers_on_top = dict(overrides or {})
    return {
        name: params.build(
            params.read_scenario(name), layers_on_top, origin=[f"scenario {name}", "overrides"]
        ).model_dump(mode="json")
        for name in params.available_scenarios()
    }


def ordered_names(names: list[str]) -> list[str]:
    """Scenario names in reading order: those of :data:`SCENARIO_ORDER` first, then the others alphabetically."""
    known = [name for name in SCENARIO_ORDER if name in names]
    return known + sorted(name for name in names if name not in SCENARIO_ORDER)


def parameter_sets(
    scenario_parameters: Mapping[str, Mapping[str, Any]], run_parameters: params.Parameters | None = None
) -> dict[str, params.Parameters]:
    """Validated parameters per scenario, in reading order.

    ``scenario_parameters`` is what the pipeline injects (scenario name -> full parameter dict). When it is
    empty (a notebook run on its own), every scenario file is used, with the parameters of ``run_parameters``
    that differ from the defaults on top, as the command line's ``--set`` would put them.
    """
    changed = {} if run_parameters is None else params.differences(run_parameters)
    given = scenario_parameters or default_scenario_parameters({name: new for name, (_, new) in changed.items()})
    if not given:
        raise params.ParameterError("no scenario to project: scenarios/ holds no *.yaml file")
    return {name: params.build(given[name], origin=[f"scenario {name}"]) for name in ordered_names(list(given))}


def main_scenario(names: list[str]) -> str:
    """The scenario of the tornado and of the prose: ``trend`` when present, else the first in reading order."""
    if not names:
        raise ValueError("no scenario given")
    return MAIN_SCENARIO if MAIN_SCENARIO in names else ordered_names(names)[0]


def description(name: str) -> str:
    """The scenario file's description; empty for a scenario without a file."""
    return params.scenario_description(name) if params.scenario_path(name).exists() else ""


def overview(sets: Mapping[str, params.Parameters]) -> pd.DataFrame:
    """One row per scenario: its name, its description and the parameters it sets away from the defaults."""
    rows = []
    for name, parameters in sets.items():
        changed = params.differences(parameters)
        settings = ", ".join(f"{key} = {'empty' if value is None else value}" for key, (_, value) in changed.items())
        rows.append({"scenario": name, "description": description(name), "differs from the defaults": settings or "—"})
    return pd.DataFrame(rows)


def power_ratio(chip_power_mw: float, h100e: float, h100_tdp_w: float) -> float:
    """The chips' power per H100-equivalent over the H100's TDP (1 for an H100 count or a figure stated in H100e)."""
    if not (math.isfinite(chip_power_mw) and chip_power_mw > 0):
        return 1.0
    return chip_power_mw * metadata.W_PER_MW / h100e / h100_tdp_w


def base_point(candidates: pd.DataFrame, h100_tdp_w: float) -> BasePoint:
    """The largest candidate dated up to the edition (:func:`frontier.largest_by_year`'s last row)."""
    if candidates.empty:
        raise LookupError("largest cluster (H100e): no observed (non-plan) system to start the projections from")
    latest = frontier.largest_by_year(candidates, frontier.FIRST_YEAR, frontier.last_year()).iloc[-1]
    return BasePoint(
        year=int(latest["ref_year"]),
        decimal_year=float(latest["decimal_year"]),
        h100e=float(latest["record_value"]),
        figure_id=str(latest["figure_id"]),
        subject=str(latest["subject"]),
        chip=str(latest["chip"]) if isinstance(latest["chip"], str) else "",
        power_ratio=power_ratio(float(latest["chip_power_mw"]), float(latest["record_value"]), h100_tdp_w),
    )


def scaled_chain(
    parameters: params.Parameters, ratio: float
) -> tuple[dict[str, float], dict[str, tuple[float, float, float]]]:
    """The chain parameters and their uncertainty ranges with the power per H100 scaled to the base's chips."""
    chain = dict(parameters.chain_parameters())
    chain["accelerator_it_power_w"] *= ratio
    ranges = dict(params.uncertainty_ranges(parameters))
    if "accelerator_it_power_w" in ranges:
        ranges["accelerator_it_power_w"] = tuple(v * ratio for v in ranges["accelerator_it_power_w"])
    return chain, ranges


def first_year_reaching(facility_power_mw: np.ndarray, years: np.ndarray, threshold_mw: float) -> float:
    """First year a path reaches ``threshold_mw``; NaN if not by the horizon."""
    return float(projection.milestone_years(facility_power_mw, years, threshold_mw)[0])


def run_scenario(inputs: ChainInputs, name: str, parameters: params.Parameters) -> ScenarioRun:
    """Record fit, base point, deterministic projection, Monte Carlo bands and milestones for one scenario."""
    candidates = inputs.candidates[inputs.candidates["ref_year"] >= parameters.fit_start_year]
    record_fit = trend_fit.fit_records(candidates, trend_fit.COMPUTE_RECORD_SERIES, "H100e")
    # The base may be dated before the fit's first year, as in the record what-if (outlook.carry).
    base = base_point(inputs.candidates, inputs.h100_tdp_w)
    if parameters.horizon <= base.year:
        raise params.ParameterError(
            f"scenario {name}: horizon {parameters.horizon} must be after the base year {base.year}"
        )
    fit = record_fit.series.fit
    growth_multiple = (
        fit.multiple_per_year if parameters.growth_multiple_override is None else parameters.growth_multiple_override
    )
    # The fit's 90 % interval, as multiples of the fitted value, around the multiple in effect.
    growth_range = (
        growth_multiple * fit.ci_low / fit.multiple_per_year,
        growth_multiple * fit.ci_high / fit.multiple_per_year,
    )
    chain, ranges = scaled_chain(parameters, base.power_ratio)
    path = projection.project_largest_cluster(base.year, base.h100e, growth_multiple, chain, parameters.horizon)
    result = projection.monte_carlo(
        base_year=base.year,
        base_accelerators=base.h100e,
        growth_log_mean=math.log(growth_multiple),
        growth_log_sd=fit.slope_log_se,
        param_ranges=ranges,
        fixed_params=chain,
        horizon=parameters.horizon,
        n_draws=parameters.monte_carlo_draws,
        seed=parameters.random_seed,
    )
    milestones = projection.milestone_bands(result, thresholds_mw=MILESTONES_MW, percentiles=PERCENTILES)
    years = path["year"].to_numpy()
    central = [first_year_reaching(path["facility_power_mw"].to_numpy(), years, t) for t in MILESTONES_MW]
    milestones.insert(1, "central_year", central)
    return ScenarioRun(
        name=name,
        parameters=parameters,
        cluster_fit=record_fit.series,
        chain=chain,
        ranges=ranges,
        base=base,
        growth_multiple=growth_multiple,
        growth_log_sd=fit.slope_log_se,
        growth_range=growth_range,
        projection=path,
        bands=result.bands(PERCENTILES),
        milestones=milestones,
    )


def run_all(inputs: ChainInputs, sets: Mapping[str, params.Parameters]) -> dict[str, ScenarioRun]:
    """:func:`run_scenario` for every scenario, in the order given."""
    return {name: run_scenario(inputs, name, parameters) for name, parameters in sets.items()}


def projection_frame(runs: Mapping[str, ScenarioRun]) -> pd.DataFrame:
    """Deterministic projections, long: ``scenario``, ``year``, ``quantity``, ``value``."""
    frames = []
    for name, run in runs.items():
        long = run.projection.melt(id_vars="year", value_vars=list(projection.QUANTITIES), var_name="quantity")
        frames.append(long.assign(scenario=name)[["scenario", "year", "quantity", "value"]])
    return pd.concat(frames, ignore_index=True)


def band_frame(runs: Mapping[str, ScenarioRun]) -> pd.DataFrame:
    """Monte Carlo percentiles, long: ``scenario``, ``year``, ``quantity``, ``p10``, ``p50``, ``p90``."""
    return pd.concat([run.bands.assign(scenario=name) for name, run in runs.items()], ignore_index=True)[
        ["scenario", "year", "quantity", "p10", "p50", "p90"]
    ]


def milestone_frame(runs: Mapping[str, ScenarioRun]) -> pd.DataFrame:
    """Milestone years per scenario and threshold (columns of :attr:`ScenarioRun.milestones` plus ``scenario``)."""
    frames = [run.milestones.assign(scenario=name, horizon=run.parameters.horizon) for name, run in runs.items()]
    frame = pd.concat(frames, ignore_index=True)
    return frame[
        ["scenario", "threshold_mw", "central_year", "p10", "p50", "p90", "share_reaching_by_horizon", "horizon"]
    ]


def year_text(year: float, horizon: int) -> str:
    """ "2027", or "after 2030" for a year beyond the horizon (NaN)."""
    return f"after {horizon}" if math.isnan(year) else f"{year:.0f}"


def milestone_display(milestones: pd.DataFrame) -> pd.DataFrame:
    """The milestone table as readers see it."""
    rows = []
    for row in milestones.itertuples(index=False):
        horizon = int(row.horizon)
        rows.append(
            {
                "scenario": row.scenario,
                "facility power reaches": f"{row.threshold_mw / 1000:g} GW",
                "year (central path)": year_text(row.central_year, horizon),
                "median year (P50)": year_text(row.p50, horizon),
                "P10–P90": f"{year_text(row.p10, horizon)} – {year_text(row.p90, horizon)}",
                "share of draws by the horizon": f"{100 * row.share_reaching_by_horizon:.0f} %",
            }
        )
    return pd.DataFrame(rows)


def tornado_frame(run: ScenarioRun) -> pd.DataFrame:
    """One-at-a-time sensitivity of every quantity in the scenario's horizon year, with each range's ends.

    Columns of :func:`projection.tornado` plus ``low_setting`` and ``high_setting`` (the parameter's value at
    each end, as the reader sets it) and ``scenario``.
    """
    horizon = run.parameters.horizon
    frame = projection.tornado(
        base_year=run.base.year,
        base_accelerators=run.base.h100e,
        growth_multiple=run.growth_multiple,
        growth_range=run.growth_range,
        params=run.chain,
        param_ranges=run.ranges,
        horizon=horizon,
        output_year=horizon,
    )
    # The ends as the reader sets them: the power per H100, before the scaling to the base's chips.
    settings = {name: (low, high) for name, (low, _, high) in params.uncertainty_ranges(run.parameters).items()}
    settings[projection.GROWTH_PARAMETER] = run.growth_range
    frame["low_setting"] = frame["parameter"].map(lambda name: settings[name][0])
    frame["high_setting"] = frame["parameter"].map(lambda name: settings[name][1])
    return frame.assign(scenario=run.name)


def setting_text(parameter: str, value: float) -> str:
    """A parameter value as readers see it: "1.22x", "1,000 W", "$25,000", "30 %"."""
    if parameter == projection.GROWTH_PARAMETER:
        return f"{value:.2f}x"
    if parameter == "accelerator_it_power_w":
        return f"{value:,.0f} W"
    if parameter == "pue":
        return f"{value:.2f}"
    if parameter == "electricity_price_usd_per_mwh":
        return f"${value:,.0f}/MWh"
    if parameter == "gpu_unit_price_usd":
        return report.usd(value)
    return f"{100 * value:+.0f} %" if parameter == "accelerator_price_change_per_year" else f"{100 * value:.0f} %"


def tornado_plot_frame(tornado: pd.DataFrame, quantity: str) -> pd.DataFrame:
    """What a tornado chart plots for one quantity: two bars per parameter (its low and high end), in display
    units, parameters without effect on the quantity left out, largest swing first."""
    scale, _ = TORNADO_UNITS[quantity]
    rows = tornado.loc[(tornado["quantity"] == quantity) & (tornado["swing"] > 0)]
    records = []
    for rank, row in enumerate(rows.itertuples(index=False)):
        label = PARAMETER_LABELS.get(row.parameter, row.parameter)
        for end, value, setting in zip(
            TORNADO_ENDS,
            (row.value_at_low, row.value_at_high),
            (row.low_setting, row.high_setting),
            strict=True,
        ):
            records.append(
                {
                    "parameter": label,
                    "rank": rank,
                    "end": end,
                    "setting": setting_text(row.parameter, setting),
                    "value": value / scale,
                    "base_value": row.base_value / scale,
                    "scenario": row.scenario,
                }
            )
    return pd.DataFrame(records)


def horizon_table(runs: Mapping[str, ScenarioRun]) -> pd.DataFrame:
    """The horizon year per scenario: central (deterministic) value, P10 and P90 of each quantity, long.

    Columns: ``scenario``, ``year``, ``quantity``, ``central``, ``p10``, ``p50``, ``p90``.
    """
    rows = []
    for name, run in runs.items():
        horizon = run.parameters.horizon
        central = run.projection.set_index("year").loc[horizon]
        bands = run.bands.loc[run.bands["year"] == horizon].set_index("quantity")
        for quantity in HORIZON_QUANTITIES:
            rows.append(
                {
                    "scenario": name,
                    "year": horizon,
                    "quantity": quantity,
                    "central": float(central[quantity]),
                    "p10": float(bands.loc[quantity, "p10"]),
                    "p50": float(bands.loc[quantity, "p50"]),
                    "p90": float(bands.loc[quantity, "p90"]),
                }
            )
    return pd.DataFrame(rows)


def quantity_text(quantity: str, value: float) -> str:
    """A horizon value as readers see it."""
    if quantity == "accelerators":
        return f"{value / 1e6:,.1f} million" if value >= 1e6 else f"{value:,.0f}"
    if quantity == "facility_power_mw":
        return f"{value / 1000:,.1f} GW"
    if quantity == "energy_twh":
        return f"{value:,.0f} TWh"
    return report.usd(value)


def horizon_display(table: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario, one column per quantity: "central (P10–P90)"."""
    rows = []
    for (name, year), group in table.groupby(["scenario", "year"], sort=False):
        row: dict[str, object] = {"scenario": name, "year": int(year)}
        for item in group.itertuples(index=False):
            row[HORIZON_QUANTITIES[item.quantity]] = (
                f"{quantity_text(item.quantity, item.central)} "
                f"({quantity_text(item.quantity, item.p10)} – {quantity_text(item.quantity, item.p90)})"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def projection_plot_frame(runs: Mapping[str, ScenarioRun]) -> pd.DataFrame:
    """What the projection chart plots, per scenario: observed points, the fitted curve with its band, the
    projected H100e (central path) with the Monte Carlo P10–P90 band.

    Column ``layer`` is ``observed``, ``fit`` or ``projection``. Projected year ``t`` is drawn at
    ``base.decimal_year + (t - base.year)``, so the projection starts at the latest observation.
    """
    frames = []
    for name, run in runs.items():
        points = run.cluster_fit.points
        frames.append(
            pd.DataFrame(
                {
                    "scenario": name,
                    "layer": "observed",
                    "decimal_year": points["decimal_year"],
                    "year": points["ref_year"].astype(float),
                    "value": points["value"],
                    "low": np.nan,
                    "high": np.nan,
                    "role": points["role"],
                    "status": points["status"],
                    "figure_id": points["figure_id"],
                    "subject": points["subject"],
                }
            )
        )
        curve = run.cluster_fit.curve
        frames.append(
            pd.DataFrame(
                {
                    "scenario": name,
                    "layer": "fit",
                    "decimal_year": curve["decimal_year"],
                    "year": np.floor(curve["decimal_year"]),
                    "value": curve["fitted"],
                    "low": curve["band_low"],
                    "high": curve["band_high"],
                    "role": "fitted trend (90 % band)",
                }
            )
        )
        path = run.projection
        bands = run.bands.loc[run.bands["quantity"] == "accelerators"].set_index("year").loc[path["year"]]
        frames.append(
            pd.DataFrame(
                {
                    "scenario": name,
                    "layer": "projection",
                    "decimal_year": run.base.decimal_year + (path["year"] - run.base.year).to_numpy(),
                    "year": path["year"].astype(float).to_numpy(),
                    "value": path["accelerators"].to_numpy(),
                    "low": bands["p10"].to_numpy(),
                    "high": bands["p90"].to_numpy(),
                    "role": "projection (P10–P90 band)",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def milestone_plot_frame(milestones: pd.DataFrame) -> pd.DataFrame:
    """What the milestone chart plots: P10, P50 and P90 years per scenario and threshold; a year beyond the
    horizon (NaN) is drawn one year after it and labelled "after" the horizon."""
    beyond = milestones["horizon"] + 1
    return pd.DataFrame(
        {
            "scenario": milestones["scenario"],
            "milestone": [f"{threshold / 1000:g} GW" for threshold in milestones["threshold_mw"]],
            "p10": milestones["p10"].fillna(beyond),
            "p50": milestones["p50"].fillna(beyond),
            "p90": milestones["p90"].fillna(beyond),
            "p50_text": [year_text(y, int(h)) for y, h in zip(milestones["p50"], milestones["horizon"], strict=True)],
            "band_text": [
                f"{year_text(low, int(h))} – {year_text(high, int(h))}"
                for low, high, h in zip(milestones["p10"], milestones["p90"], milestones["horizon"], strict=True)
            ],
            "share_reaching_by_horizon": milestones["share_reaching_by_horizon"],
        }
    )


def main_summary(runs: Mapping[str, ScenarioRun], main: str) -> dict[str, object]:
    """The numbers and phrases the chapter's prose glues, for the main scenario and the run as a whole."""
    run = runs[main]
    horizon = run.parameters.horizon
    table = horizon_table({main: run}).set_index("quantity")
    milestones = run.milestones.set_index("threshold_mw")
    fit = run.cluster_fit.fit
    summary: dict[str, object] = {
        "scenario_count": len(runs),
        "scenario_names": ", ".join(runs),
        "main_scenario": main,
        "horizon": horizon,
        "base_year": run.base.year,
        "base_h100e": run.base.h100e,
        "base_chip": run.base.chip or "H100-equivalents",
        "base_w_per_h100e": run.chain["accelerator_it_power_w"],
        "h100_it_power_w": run.parameters.accelerator_it_power_w,
        "base_subject": run.base.subject,
        "base_figure_id": run.base.figure_id,
        "confidence_pct": 100 * fit.confidence,
        "fit_multiple": fit.multiple_per_year,
        "fit_ci_low": fit.ci_low,
        "fit_ci_high": fit.ci_high,
        "growth_multiple": run.growth_multiple,
        "growth_low": run.growth_range[0],
        "growth_high": run.growth_range[1],
        "draws": run.parameters.monte_carlo_draws,
        "base_power_gw": float(run.projection["facility_power_mw"].iloc[0]) / 1000,
        "main_h100e_millions": table.loc["accelerators", "central"] / 1e6,
        "main_power_gw": table.loc["facility_power_mw", "central"] / 1000,
        "main_power_gw_p10": table.loc["facility_power_mw", "p10"] / 1000,
        "main_power_gw_p90": table.loc["facility_power_mw", "p90"] / 1000,
        "main_energy_twh": table.loc["energy_twh", "central"],
        "main_capex": report.usd(table.loc["hardware_capex_usd", "central"]),
        "main_electricity_cost": report.usd(table.loc["electricity_cost_usd", "central"]),
    }
    for threshold, key in ((1000.0, "1gw"), (5000.0, "5gw")):
        row = milestones.loc[threshold]
        summary[f"main_{key}_year"] = year_text(row["central_year"], horizon)
        summary[f"main_{key}_p50"] = year_text(row["p50"], horizon)
        summary[f"main_{key}_band"] = f"{year_text(row['p10'], horizon)}–{year_text(row['p90'], horizon)}"
    return summary


def top_driver(tornado: pd.DataFrame, quantity: str, rank: int = 0) -> str:
    """The parameter with the ``rank``-th largest swing of ``quantity`` (0 = largest), as readers see it."""
    rows = tornado.loc[tornado["quantity"] == quantity].sort_values("swing", ascending=False, kind="stable")
    return PARAMETER_LABELS.get(rows["parameter"].iloc[rank], rows["parameter"].iloc[rank])


def whatif_values(run: ScenarioRun, settings: Mapping[str, Any], milestones: Mapping[float, str]) -> dict[str, float]:
    """The horizon year of ``run``'s deterministic path with ``settings`` (parameter -> value, as a YAML file sets
    them; ``growth_multiple_override`` required) on top of its parameters: every quantity, ``horizon``, and the first
    year facility power reaches each threshold of ``milestones`` (threshold -> key; NaN: not by the horizon)."""
    layered = params.build(run.parameters.model_dump(), dict(settings))
    chain, _ = scaled_chain(layered, run.base.power_ratio)
    multiple = float(settings["growth_multiple_override"])
    path = projection.project_largest_cluster(run.base.year, run.base.h100e, multiple, chain, layered.horizon)
    values = {quantity: float(path[quantity].iloc[-1]) for quantity in projection.QUANTITIES}
    years = path["year"].to_numpy()
    for threshold, key in milestones.items():
        values[key] = first_year_reaching(path["facility_power_mw"].to_numpy(), years, threshold)
    values["horizon"] = float(layered.horizon)
    return values
