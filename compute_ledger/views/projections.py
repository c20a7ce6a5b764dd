"""Chapter 5, projections: the record what-if beside the published projections, the scenario chain in
H100-equivalents (projection chart, horizon table, milestones, tornadoes) and the tables and charts that show them.

The numbers come from :mod:`compute_ledger.outlook` and :mod:`compute_ledger.scenarios` (pure functions on the frames
of :mod:`compute_ledger.queries`); this module draws and publishes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
from IPython.display import HTML, display

from compute_ledger import charts, citation, metadata, outlook, params, queries, report, scenarios, trend_fit
from compute_ledger.chapter_context import ChapterContext
from compute_ledger.views import whatif

PATH_COLOUR = charts.STATUS_COLOURS[metadata.STATUS_ORDER.index(metadata.PROJECTION)]
PUBLISHED_COLOUR = "#D55E00"  # vermilion, apart from the status colours


def publish(chapter: ChapterContext, chart, plotted: pd.DataFrame, **figure: str) -> None:
    """Show one chart of the chapter with its exports (a section here shows several)."""
    display(chapter.publish(chart, data=plotted, **figure))


def outlook_chart(plotted: pd.DataFrame, y_title: str) -> alt.LayerChart:
    """Records (filled), the what-if path (dashed) with its interval band, and published projections (diamonds with
    their ranges), on a log axis."""
    x = alt.X("decimal_year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1), scale=alt.Scale(zero=False))
    log = alt.Scale(type="log")
    base = alt.Chart(plotted).encode(x=x)
    tooltip = [
        alt.Tooltip("label:N", title="What"),
        alt.Tooltip("value:Q", title="Value", format=",.3s"),
        alt.Tooltip("decimal_year:Q", title="Year", format=".1f"),
        alt.Tooltip("figure_id:N", title="Figure id"),
    ]
    path = base.transform_filter(alt.datum.layer == "path")
    band = path.mark_area(opacity=0.15, color=PATH_COLOUR).encode(
        y=alt.Y("low:Q", title=y_title, scale=log), y2="high:Q"
    )
    line = path.mark_line(strokeDash=[6, 4], strokeWidth=2, color=PATH_COLOUR).encode(
        y=alt.Y("value:Q", scale=log), tooltip=tooltip
    )
    records = (
        base.transform_filter(alt.datum.layer == "record")
        .mark_point(size=90, filled=True, color="#333333")
        .encode(y=alt.Y("value:Q", scale=log), tooltip=tooltip)
    )
    published_rows = base.transform_filter(alt.datum.layer == "published")
    ranges = (
        published_rows.transform_filter("datum.high > datum.low")
        .mark_rule(strokeWidth=3, color=PUBLISHED_COLOUR, opacity=0.7)
        .encode(y=alt.Y("low:Q", scale=log), y2="high:Q")
    )
    diamonds = published_rows.mark_point(shape="diamond", size=130, filled=True, color=PUBLISHED_COLOUR).encode(
        y=alt.Y("value:Q", scale=log), tooltip=tooltip
    )
    return alt.layer(band, line, records, ranges, diamonds)


def parameter_boxes(sets: dict[str, params.Parameters], used: list[str]) -> HTML:
    """One collapsed parameter box per scenario (:func:`report.parameter_box`), one after the other."""
    boxes = [report.parameter_box(parameters, used=used, scenario=name).data for name, parameters in sets.items()]
    return HTML("".join(boxes))


def tornado_chart(plotted: pd.DataFrame, quantity: str) -> alt.LayerChart:
    """Horizontal bars from the base value to the value at each end of a parameter's range (log axis)."""
    _, title = scenarios.TORNADO_UNITS[quantity]
    order = list(dict.fromkeys(plotted.sort_values("rank")["parameter"]))
    x_scale = alt.Scale(type="log")
    bars = (
        alt.Chart(plotted)
        .mark_bar(height=14, opacity=0.85)
        .encode(
            y=alt.Y("parameter:N", title=None, sort=order, axis=alt.Axis(labelLimit=220)),
            x=alt.X("value:Q", title=title, scale=x_scale),
            x2="base_value:Q",
            color=alt.Color(
                "end:N",
                title="Parameter set to the",
                scale=alt.Scale(domain=list(scenarios.TORNADO_ENDS), range=charts.PALETTE[:2]),
            ),
            tooltip=[
                alt.Tooltip("parameter:N", title="Parameter"),
                alt.Tooltip("setting:N", title="Set to"),
                alt.Tooltip("value:Q", title="Result", format=",.3g"),
                alt.Tooltip("base_value:Q", title="Base", format=",.3g"),
            ],
        )
    )
    base = pd.DataFrame({"base_value": [float(plotted["base_value"].iloc[0])]})
    rule = alt.Chart(base).mark_rule(color="#000000", strokeWidth=1.5).encode(x=alt.X("base_value:Q", scale=x_scale))
    return alt.layer(bars, rule)


def scenario_colours(names: list[str]) -> alt.Scale:
    """The same colour for a scenario in every chart of the chapter."""
    return alt.Scale(domain=names, range=charts.PALETTE[: len(names)])


def projection_chart(plotted: pd.DataFrame, names: list[str]) -> alt.FacetChart:
    """Scenarios side by side: observations (black, hollow when not a record), the fitted trend with its band
    (grey, solid) and the projection with its P10–P90 band (colour of the scenario, dashed), log axis."""
    log_scale = alt.Scale(type="log")
    x = alt.X(
        "decimal_year:Q",
        title="Year",
        axis=alt.Axis(format="d", tickMinStep=1),
        scale=alt.Scale(nice=False, zero=False),
    )
    colour = alt.Color("scenario:N", title="Scenario", scale=scenario_colours(names))
    fit = alt.Chart().transform_filter(alt.datum.layer == "fit")
    fit_band = fit.mark_area(opacity=0.2, color="#555555").encode(
        x=x, y=alt.Y("low:Q", title="Largest cluster, H100-equivalents (log scale)", scale=log_scale), y2="high:Q"
    )
    fit_line = fit.mark_line(color="#333333", strokeWidth=2).encode(x=x, y=alt.Y("value:Q", scale=log_scale))
    projected = alt.Chart().transform_filter(alt.datum.layer == "projection")
    tooltip = [
        alt.Tooltip("scenario:N", title="Scenario"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("value:Q", title="Central", format=",.3s"),
        alt.Tooltip("low:Q", title="P10", format=",.3s"),
        alt.Tooltip("high:Q", title="P90", format=",.3s"),
    ]
    projection_band = projected.mark_area(opacity=0.2).encode(
        x=x, y=alt.Y("low:Q", scale=log_scale), y2="high:Q", color=colour
    )
    projection_line = projected.mark_line(strokeDash=[6, 4], strokeWidth=2.5, point=True).encode(
        x=x, y=alt.Y("value:Q", scale=log_scale), color=colour, tooltip=tooltip
    )
    observed = alt.Chart().transform_filter(alt.datum.layer == "observed")
    observed_tooltip = [
        alt.Tooltip("subject:N", title="What"),
        alt.Tooltip("value:Q", title="H100e", format=",.0f"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("role:N", title="Record?"),
        alt.Tooltip("figure_id:N", title="Figure id"),
    ]
    shape = alt.Shape(
        "role:N",
        title="Observation",
        legend=alt.Legend(labelLimit=320, columns=1),
        scale=alt.Scale(
            domain=[trend_fit.ROLE_RECORD, trend_fit.ROLE_NOT_RECORD],
            range=["circle", "diamond"],
        ),
    )
    observed_fitted = observed.transform_filter(alt.datum.role == trend_fit.ROLE_RECORD).mark_point(
        filled=True, size=70, color="#000000"
    )
    observed_other = observed.transform_filter(alt.datum.role != trend_fit.ROLE_RECORD).mark_point(
        filled=False, size=70, strokeWidth=1.5, color="#000000"
    )
    point_encoding = {"x": x, "y": alt.Y("value:Q", scale=log_scale), "shape": shape, "tooltip": observed_tooltip}
    layers = alt.layer(
        fit_band,
        fit_line,
        projection_band,
        projection_line,
        observed_fitted.encode(**point_encoding),
        observed_other.encode(**point_encoding),
        data=plotted,
    ).properties(width=190, height=300)
    # A wrapped facet: the page sets the number of columns to what its width holds (one on a phone).
    return layers.facet(
        facet=alt.Facet("scenario:N", title=None, sort=names, header=alt.Header(labelFontSize=13)),
        columns=len(names),
    ).properties(autosize=alt.AutoSizeParams(type="pad"))


def milestone_chart(plotted: pd.DataFrame, names: list[str], first_year: int, horizon: int) -> alt.LayerChart:
    """Per scenario, when facility power passes each milestone: median year (point) and P10–P90 (bar)."""
    x = alt.X(
        "p10:Q",
        title="Year",
        scale=alt.Scale(domain=[first_year, horizon + 1], nice=False),
        axis=alt.Axis(
            format="d", tickMinStep=1, labelExpr=f"datum.value > {horizon} ? 'after {horizon}' : datum.label"
        ),
    )
    base = alt.Chart(plotted).encode(
        y=alt.Y("scenario:N", title=None, sort=names),
        yOffset=alt.YOffset("milestone:N"),
        color=alt.Color("scenario:N", title="Scenario", scale=scenario_colours(names), legend=None),
    )
    tooltip = [
        alt.Tooltip("scenario:N", title="Scenario"),
        alt.Tooltip("milestone:N", title="Facility power reaches"),
        alt.Tooltip("p50_text:N", title="Median year"),
        alt.Tooltip("band_text:N", title="P10–P90"),
        alt.Tooltip("share_reaching_by_horizon:Q", title="Share of draws by the horizon", format=".0%"),
    ]
    bars = (
        base.transform_filter("datum.p90 > datum.p10")
        .mark_rule(strokeWidth=4, opacity=0.6)
        .encode(x=x, x2="p90:Q", tooltip=tooltip)
    )
    points = base.mark_point(filled=True, size=120, opacity=1).encode(
        x=alt.X("p50:Q"),
        shape=alt.Shape("milestone:N", title="Facility power reaches", scale=alt.Scale(range=["circle", "square"])),
        tooltip=tooltip,
    )
    return alt.layer(bars, points).properties(height=alt.Step(22))


RECORD_SOURCE = "Compute Ledger record series and published projections in the ledger (figure ids in the CSV)"


def record_outlook(chapter: ChapterContext) -> None:
    """Both record series carried to the horizon beside the published projections: two charts and a table."""
    inputs = queries.outlook_inputs(chapter.connection, list(outlook.PUBLISHED))
    parameters = chapter.parameters
    result = outlook.build(**inputs, fit_start_year=parameters.fit_start_year, horizon=parameters.horizon)
    outlook.add_key_numbers(chapter.keys, result)
    chapter.glue("outlook_confidence_pct", 100 * result.site_fit.series.fit.confidence)
    plotted_mw = outlook.plot_frame(result.site, result.site_fit, result.comparison)
    publish(
        chapter,
        outlook_chart(plotted_mw, "Power of the largest site, MW (log scale)"),
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
    publish(
        chapter,
        outlook_chart(plotted_h100e, "Largest cluster, H100-equivalents (log scale)"),
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
    "main_energy_twh": f"facility power × utilisation × {metadata.HOURS_PER_YEAR:,.0f} h",
}


@dataclass(frozen=True)
class ScenarioResults:
    runs: dict[str, scenarios.ScenarioRun]
    main: str
    summary: dict[str, object]


def scenario_projections(chapter: ChapterContext, scenario_parameters: dict) -> ScenarioResults:
    """Every scenario's chain (``scenario_parameters``: what the pipeline injects, empty for a run on its own): the
    parameters of each scenario, the glued summary, the headline key numbers, the scenarios table, the projection
    chart, the in-page what-if of the main scenario (:mod:`compute_ledger.views.whatif`) and the horizon table."""
    parameter_sets = scenarios.parameter_sets(scenario_parameters, chapter.parameters)
    display(parameter_boxes(parameter_sets, chapter.used))
    runs = scenarios.run_all(scenarios.ChainInputs(**queries.chain_inputs(chapter.connection)), parameter_sets)
    main = scenarios.main_scenario(list(runs))
    summary = scenarios.main_summary(runs, main)
    for key, value in summary.items():
        if key not in HEADLINE:
            chapter.glue(key, value)
    inputs = [summary["base_figure_id"], *runs[main].cluster_fit.fitted_points["figure_id"]]
    for key, (unit, description) in HEADLINE.items():
        chapter.keys.add(
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
    publish(
        chapter,
        projection_chart(plotted, list(runs)),
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
    display(whatif.panel(runs[main], citation.edition().version))
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


def milestones_and_drivers(chapter: ChapterContext, results: ScenarioResults) -> None:
    """When facility power passes each milestone (chart and table), and what moves the horizon numbers (tornadoes)."""
    runs, main, summary = results.runs, results.main, results.summary
    milestones = scenarios.milestone_frame(runs)
    chapter.glue("milestone_low_gw", scenarios.MILESTONES_MW[0] / 1000)
    chapter.glue("milestone_high_gw", scenarios.MILESTONES_MW[1] / 1000)
    plotted = scenarios.milestone_plot_frame(milestones)
    publish(
        chapter,
        milestone_chart(plotted, list(runs), summary["base_year"], summary["horizon"]),
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
        chapter.glue(f"tornado_{short}_first", scenarios.top_driver(tornado, quantity, 0))
        chapter.glue(f"tornado_{short}_second", scenarios.top_driver(tornado, quantity, 1))
    horizon = summary["horizon"]
    power = scenarios.tornado_plot_frame(tornado, "facility_power_mw")
    publish(
        chapter,
        tornado_chart(power, "facility_power_mw"),
        power,
        chart_id="projections-tornado-power",
        title=f"What moves the largest cluster's facility power in {horizon} ({main} scenario)",
        caption=TORNADO_CAPTION,
        source_line="Compute Ledger projections; each parameter over its range in the Parameters appendix",
        description=f"Tornado chart of facility power in {horizon}: base {summary['main_power_gw']:.1f} GW; "
        + "; ".join(f"{row.parameter} at the {row.end}: {row.value:.1f} GW" for row in power.itertuples()),
    )
    capex = scenarios.tornado_plot_frame(tornado, "hardware_capex_usd")
    publish(
        chapter,
        tornado_chart(capex, "hardware_capex_usd"),
        capex,
        chart_id="projections-tornado-capex",
        title=f"What moves the hardware value of the largest cluster in {horizon} ({main} scenario)",
        caption=TORNADO_CAPTION + " The hardware value is H100-equivalents times the year's price of one.",
        source_line="Compute Ledger projections; each parameter over its range in the Parameters appendix",
        description=f"Tornado chart of hardware value in {horizon}: base {summary['main_capex']}; "
        + "; ".join(f"{row.parameter} at the {row.end}: {row.value:.0f} billion USD" for row in capex.itertuples()),
    )
