"""The Projections chapter's views: what each of its code cells shows, glues and records as key numbers.

The numbers come from :mod:`compute_ledger.outlook` (the record what-if) and :mod:`compute_ledger.scenarios` (the
scenario chain in H100-equivalents); this module only publishes them: charts with their ids and captions, tables,
glued values for the prose and the chapter's key numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
from IPython.display import display

from compute_ledger import chapters, charts, database, key_numbers, outlook, params, report, scenarios


@dataclass(frozen=True)
class Page:
    """What the chapter's cells share: the read-only ledger, the run's parameters, where key numbers and charts go."""

    name: str
    connection: duckdb.DuckDBPyConnection
    parameters: params.Parameters
    keys: key_numbers.KeyNumbers
    numbers: charts.FigureNumbers
    exports_dir: Path

    def publish(self, chart, plotted, **text) -> None:
        """Export and show one chart of the chapter (:func:`charts.publish`)."""
        display(
            charts.publish(
                chart,
                data=plotted,
                chapter=self.name,
                numbers=self.numbers,
                exports_dir=self.exports_dir,
                **text,
            )
        )


def set_up(namespace: dict) -> tuple[Page, dict[str, params.Parameters]]:
    """The chapter's set-up from its notebook's globals (the tagged parameters cell): the page, the validated
    parameter set of each scenario, and their parameter boxes shown."""
    parameters = params.from_namespace(namespace)
    used = params.used_by(namespace)
    chapter = chapters.by_name("projections")
    charts.enable()
    page = Page(
        name=chapter.name,
        connection=database.connect_read_only(namespace["db_path"]),
        parameters=parameters,
        keys=key_numbers.KeyNumbers(chapter.name, Path(namespace["key_numbers_path"]), parameters, used),
        numbers=charts.FigureNumbers(chapter.number),
        exports_dir=Path(namespace["exports_dir"]),
    )
    parameter_sets = scenarios.parameter_sets(namespace["scenario_parameters"], parameters)
    display(scenarios.parameter_boxes(parameter_sets, used))
    return page, parameter_sets


RECORD_SOURCE = "Compute Ledger record series and published projections in the ledger (figure ids in the CSV)"


def record_outlook(page: Page) -> None:
    """Both record series carried to the horizon beside the published projections: two charts and a table."""
    result = outlook.build(page.connection, page.parameters.fit_start_year, page.parameters.horizon)
    outlook.add_key_numbers(page.keys, result)
    report.glue("outlook_confidence_pct", 100 * result.site_fit.series.fit.confidence)
    plotted_mw = outlook.plot_frame(result.site, result.site_fit, result.comparison)
    page.publish(
        outlook.chart(plotted_mw, "Power of the largest site, MW (log scale)"),
        plotted_mw,
        chart_id="projections-record-site-mw",
        title="The largest single site if its record trend continues, beside published projections",
        caption="Black points are the record sites. The dashed line is this book's what-if from the largest site "
        "observed up to the edition, with the band of the rate's interval. Diamonds are published projections of a "
        "comparable quantity, with their ranges.",
        source_line=RECORD_SOURCE,
        description=f"Log-scale chart of record AI sites in megawatts and their extrapolation to {result.horizon}, "
        f"reaching {result.site.at(result.horizon)['central']:,.0f} MW, beside published projections.",
    )
    plotted_h100e = outlook.plot_frame(result.compute, result.compute_fit, result.comparison)
    page.publish(
        outlook.chart(plotted_h100e, "Largest cluster, H100-equivalents (log scale)"),
        plotted_h100e,
        chart_id="projections-record-cluster-h100e",
        title="The largest cluster in H100-equivalents if its record trend continues, beside published projections",
        caption="Black points are the record clusters. The dashed line is this book's what-if from the largest "
        "cluster observed up to the edition, with the band of the rate's interval. Diamonds are published "
        "projections in H100-equivalents.",
        source_line=RECORD_SOURCE,
        description=f"Log-scale chart of record AI clusters in H100-equivalents and their extrapolation to "
        f"{result.horizon}, reaching {result.compute.at(result.horizon)['central']:,.0f} H100-equivalents.",
    )
    display(
        report.html_table(
            outlook.published_display(result.comparison),
            "projections-published",
            "Published projections of the largest system beside this book's what-if for the same year and quantity, "
            "and why they differ. Regional totals (IEA, LBNL) measure all data centres of a region and are in the "
            "Power chapter.",
            figure_columns=("Quote",),
        )
    )


# The horizon numbers of the main scenario that are key numbers (the rest of the summary is glued only).
HEADLINE = {
    "main_power_gw": ("GW", "Facility power of the largest cluster in {h}, main scenario (central path)"),
    "main_power_gw_p10": ("GW", "10th percentile of the largest cluster's facility power in {h}, main scenario"),
    "main_power_gw_p90": ("GW", "90th percentile of the largest cluster's facility power in {h}, main scenario"),
    "main_h100e_millions": ("million H100e", "H100-equivalents in the largest cluster in {h}, main scenario"),
    "main_energy_twh": ("TWh per year", "Electricity used in a year by the largest cluster in {h}, main scenario"),
}
HEADLINE_METHODS = {
    "main_power_gw": "base cluster (H100e) × record growth multiple per year (with slowdown and cap) × IT W per "
    "H100e × PUE",
    "main_power_gw_p10": "Monte Carlo over the parameters' uncertainty ranges and the fit's confidence interval",
    "main_power_gw_p90": "Monte Carlo over the parameters' uncertainty ranges and the fit's confidence interval",
    "main_h100e_millions": "base cluster (H100e) × record growth multiple per year, with the scenario's slowdown "
    "and cap",
    "main_energy_twh": "facility power × utilisation × 8,760 h",
}


@dataclass(frozen=True)
class ScenarioResults:
    runs: dict[str, scenarios.ScenarioRun]
    main: str
    summary: dict[str, object]


def scenario_projections(page: Page, parameter_sets: dict[str, params.Parameters]) -> ScenarioResults:
    """Every scenario's chain: the glued summary, the headline key numbers, the scenarios table, the projection chart
    and the horizon table."""
    runs = scenarios.run_all(page.connection, parameter_sets)
    main = scenarios.main_scenario(list(runs))
    summary = scenarios.main_summary(runs, main)
    for key, value in summary.items():
        if key not in HEADLINE:
            report.glue(key, value)
    inputs = [summary["base_figure_id"], *runs[main].cluster_fit.fitted_points["figure_id"]]
    for key, (unit, description) in HEADLINE.items():
        page.keys.add(
            key,
            summary[key],
            unit=unit,
            description=description.format(h=summary["horizon"]),
            method=HEADLINE_METHODS[key],
            inputs=inputs,
        )
    display(
        report.html_table(
            scenarios.overview(parameter_sets),
            "projections-scenarios",
            "The scenarios of this run: each is its file in scenarios/ over the defaults, with the run's own settings "
            "on top.",
        )
    )
    plotted = scenarios.projection_plot_frame(runs)
    page.publish(
        scenarios.projection_chart(plotted, list(runs)),
        plotted,
        chart_id="projections-largest-cluster",
        title="Largest AI cluster in H100-equivalents: records, fitted trend and projections per scenario",
        caption="Black points are observations: filled for the records the trend is fitted on, hollow for the other "
        "systems. The grey line and band are the fitted trend and its confidence band. Dashed lines are the "
        "projections of each scenario, one point per projected year from the largest observed cluster, with the "
        f"P10–P90 band of {summary['draws']:,} Monte Carlo draws.",
        source_line="Compute Ledger projections from the largest observed cluster, per scenario (base figure id in "
        "the CSV)",
        description=f"Side-by-side log-scale charts for {summary['scenario_count']} scenarios "
        f"({summary['scenario_names']}): the largest cluster in H100-equivalents observed up to "
        f"{summary['base_year']}, then projected to {summary['horizon']}; the {main} scenario reaches "
        f"{summary['main_h100e_millions']:.1f} million H100-equivalents.",
    )
    display(
        report.html_table(
            scenarios.horizon_display(scenarios.horizon_table(runs)),
            "projections-horizon",
            "The largest cluster in the horizon year per scenario: central path, with the P10–P90 of the Monte Carlo "
            "draws in brackets. Hardware value counts every H100-equivalent of the cluster at that year's price.",
        )
    )
    return ScenarioResults(runs, main, summary)


TORNADO_CAPTION = (
    "Each parameter is set to the low, then the high end of its range, everything else at the scenario's values; the "
    "black line is the scenario's central value. The growth multiple's range is the fit's confidence interval. "
    "Parameters without effect on the quantity are left out."
)


def milestones_and_drivers(page: Page, results: ScenarioResults) -> None:
    """When facility power passes each milestone (chart and table), and what moves the horizon numbers (tornadoes)."""
    runs, main, summary = results.runs, results.main, results.summary
    milestones = scenarios.milestone_frame(runs)
    report.glue("milestone_low_gw", scenarios.MILESTONES_MW[0] / 1000)
    report.glue("milestone_high_gw", scenarios.MILESTONES_MW[1] / 1000)
    plotted = scenarios.milestone_plot_frame(milestones)
    page.publish(
        scenarios.milestone_chart(plotted, list(runs), summary["base_year"], summary["horizon"]),
        plotted,
        chart_id="projections-milestones",
        title="When the largest cluster's facility power passes each milestone, per scenario",
        caption="Point: the median year of the Monte Carlo draws; bar: from the 10th to the 90th percentile year. A "
        "draw that has not reached the milestone by the horizon counts as late: its year is drawn after the horizon.",
        source_line="Compute Ledger projections: Monte Carlo draws per scenario",
        description="Dot-and-bar chart of the years the largest cluster's facility power reaches each milestone, per "
        "scenario: "
        + "; ".join(
            f"{row.scenario} {row.milestone} median {row.p50_text}, P10–P90 {row.band_text}"
            for row in plotted.itertuples()
        ),
    )
    display(
        report.html_table(
            scenarios.milestone_display(milestones),
            "projections-milestones",
            "First year the largest cluster's facility power reaches each milestone: on the central path, and the "
            "median and P10–P90 of the Monte Carlo draws; the share of draws reaching it by the horizon.",
        )
    )
    tornado = scenarios.tornado_frame(runs[main])
    for quantity, short in (("facility_power_mw", "power"), ("hardware_capex_usd", "capex")):
        report.glue(f"tornado_{short}_first", scenarios.top_driver(tornado, quantity, 0))
        report.glue(f"tornado_{short}_second", scenarios.top_driver(tornado, quantity, 1))
    horizon = summary["horizon"]
    power = scenarios.tornado_plot_frame(tornado, "facility_power_mw")
    page.publish(
        scenarios.tornado_chart(power, "facility_power_mw"),
        power,
        chart_id="projections-tornado-power",
        title=f"What moves the largest cluster's facility power in {horizon} ({main} scenario)",
        caption=TORNADO_CAPTION,
        source_line="Compute Ledger projections; each parameter over its range in the Parameters appendix",
        description=f"Tornado chart of facility power in {horizon}: base {summary['main_power_gw']:.1f} GW; "
        + "; ".join(f"{row.parameter} at the {row.end}: {row.value:.1f} GW" for row in power.itertuples()),
    )
    capex = scenarios.tornado_plot_frame(tornado, "hardware_capex_usd")
    page.publish(
        scenarios.tornado_chart(capex, "hardware_capex_usd"),
        capex,
        chart_id="projections-tornado-capex",
        title=f"What moves the hardware value of the largest cluster in {horizon} ({main} scenario)",
        caption=TORNADO_CAPTION + " The hardware value is H100-equivalents times the year's price of one.",
        source_line="Compute Ledger projections; each parameter over its range in the Parameters appendix",
        description=f"Tornado chart of hardware value in {horizon}: base {summary['main_capex']}; "
        + "; ".join(f"{row.parameter} at the {row.end}: {row.value:.0f} billion USD" for row in capex.itertuples()),
    )
