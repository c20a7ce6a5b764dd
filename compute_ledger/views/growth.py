"""Chapter 4, growth: the book's fits of the largest cluster and the largest site per year, the record series in
H100-equivalents and in megawatts, and the fitted rates beside published ones."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from compute_ledger import charts, citation, queries, report, trend_fit
from compute_ledger.chapter_context import ChapterContext
from compute_ledger.trend_fit import ROLE_FITTED, ROLE_RECORD, RecordFit
from compute_ledger.views import common


def doubling_text(multiple: float) -> str:
    """ "doubles in 13 months" / "halves in 7 months" / "flat" for a multiple per year."""
    if multiple > 1:
        return f"doubles in {12 * math.log(2) / math.log(multiple):.0f} months"
    if multiple < 1:
        return f"halves in {12 * math.log(2) / -math.log(multiple):.0f} months"
    return "flat"


def comparison_display(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table as readers see it (text columns)."""
    ranges = [
        f"{low:.2f}–{high:.2f}" if pd.notna(low) and pd.notna(high) else ""
        for low, high in zip(table["multiple_low"], table["multiple_high"], strict=True)
    ]
    sources = [
        f"{publisher} ({figure_id}) {url}".strip() if figure_id else publisher
        for publisher, figure_id, url in zip(table["publisher"], table["figure_id"], table["url"], strict=True)
    ]
    return pd.DataFrame(
        {
            "quantity": table["quantity"],
            "x per year": table["multiple_per_year"].map(lambda m: f"{m:.2f}"),
            "range (90 % CI or stated)": ranges,
            "doubling": table["multiple_per_year"].map(doubling_text),
            "as stated": table["stated"],
            "period": table["period"],
            "source": sources,
            "why it differs from this book's fits": table["why_they_differ"],
        }
    )


def fit_chart(plotted: pd.DataFrame, y_title: str, value_format: str = ",.0f") -> alt.LayerChart:
    """Points on a log axis (filled: fitted; hollow: drawn, not fitted), the fitted line and its band."""
    base = alt.Chart(plotted).encode(x=common.year_x(nice=False, zero=False))
    log_scale = alt.Scale(type="log")
    curve = base.transform_filter(alt.datum.layer == "curve")
    band = curve.mark_area(opacity=0.18, color="#555555").encode(
        y=alt.Y("band_low:Q", title=y_title, scale=log_scale), y2="band_high:Q"
    )
    line = curve.mark_line(color="#333333", strokeWidth=2).encode(y=alt.Y("fitted:Q", scale=log_scale))
    tooltip = common.tooltip(
        ("subject:N", "What"),
        ("value:Q", "Value", value_format),
        ("ref_date:N", "Date"),
        ("status:N", "Status"),
        ("role:N", "In the fit?"),
        ("publisher:N", "Source"),
        ("figure_id:N", "Figure id"),
    )
    points = base.transform_filter(alt.datum.layer == "point")
    fitted = points.transform_filter(alt.datum.role == ROLE_FITTED).mark_point(size=110, filled=True, opacity=0.95)
    excluded = points.transform_filter(alt.datum.role != ROLE_FITTED).mark_point(size=110, filled=False, strokeWidth=2)
    encoding = {"y": alt.Y("value:Q", scale=log_scale), **common.status_encoding(), "tooltip": tooltip}
    labels = (
        points.transform_filter(alt.datum.role != ROLE_FITTED)
        .mark_text(align="left", dx=8, dy=-8, fontSize=11, color="#444444")
        .encode(y=alt.Y("value:Q", scale=log_scale), text=alt.value("not fitted"))
    )
    rings = common.seed_rings(
        plotted[plotted["layer"] == "point"],
        alt.X("decimal_year:Q", scale=alt.Scale(nice=False, zero=False)),
        alt.Y("value:Q", scale=log_scale),
    )
    return alt.layer(band, line, fitted.encode(**encoding), excluded.encode(**encoding), labels, rings)


def comparison_chart(plotted: pd.DataFrame) -> alt.LayerChart:
    """Multiples per year on a log axis, one row per rate, this book's fits first; a rule at 1 (no growth)."""
    order = list(plotted["label"])
    base = alt.Chart(plotted).encode(y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=330)))
    x_scale = alt.Scale(type="log")
    colour = alt.Color(
        "kind:N",
        title=None,
        scale=alt.Scale(domain=["this book's fit", "published"], range=[charts.PALETTE[3], charts.PALETTE[0]]),
    )
    ranges = (
        base.transform_filter("datum.high > datum.low")
        .mark_rule(strokeWidth=3, opacity=0.6)
        .encode(x=alt.X("low:Q", title="Multiple per year (log scale)", scale=x_scale), x2="high:Q", color=colour)
    )
    points = base.mark_point(size=90, filled=True).encode(
        x=alt.X("multiple_per_year:Q", scale=x_scale),
        color=colour,
        tooltip=common.tooltip(
            ("quantity:N", "What"),
            ("multiple_per_year:Q", "x per year", ".2f"),
            ("low:Q", "low", ".2f"),
            ("high:Q", "high", ".2f"),
            ("publisher:N", "Source"),
            ("figure_id:N", "Figure id"),
        ),
    )
    return alt.layer(common.rule_at_one(), ranges, points)


def record_chart(plotted: pd.DataFrame, y_title: str) -> alt.LayerChart:
    """The records (filled, coloured by status) with the fitted line and its band; every other candidate as a small
    grey ring, so the reader sees what the records were chosen from."""
    x = common.year_x(zero=False)
    base = alt.Chart(plotted).encode(x=x)
    log_scale = alt.Scale(type="log")
    curve = base.transform_filter(alt.datum.layer == "curve")
    band = curve.mark_area(opacity=0.18, color="#555555").encode(
        y=alt.Y("band_low:Q", title=y_title, scale=log_scale), y2="band_high:Q"
    )
    line = curve.mark_line(color="#333333", strokeWidth=2).encode(y=alt.Y("fitted:Q", scale=log_scale))
    tooltip = common.tooltip(
        ("subject:N", "What"),
        ("value:Q", "Value", ",.3s"),
        ("ref_date:N", "Date"),
        ("status:N", "Status"),
        ("role:N", "Record?"),
        ("publisher:N", "Source"),
        ("figure_id:N", "Figure id"),
    )
    points = base.transform_filter(alt.datum.layer == "point")
    others = points.transform_filter(alt.datum.role != ROLE_RECORD).mark_point(
        size=40, filled=False, color="#999999", opacity=0.8
    )
    records = points.transform_filter(alt.datum.role == ROLE_RECORD).mark_point(size=110, filled=True, opacity=0.95)
    y = alt.Y("value:Q", scale=log_scale)
    return alt.layer(
        band,
        line,
        others.encode(y=y, tooltip=tooltip),
        records.encode(y=y, tooltip=tooltip, **common.status_encoding()),
    )


def record_display(record_fit: RecordFit) -> pd.DataFrame:
    """The record table for the page: values to three significant figures with separators and units."""
    table = trend_fit.record_table(record_fit)
    unit = record_fit.series.unit
    return pd.DataFrame(
        {
            "Date": table["date"],
            "System": table["system"],
            "What was counted": table["what"],
            "As stated": [
                f"{report.significant(v)} {u}"
                + (f" ({c})" if c and c not in ("mixed", "unknown") else f" ({c} chips)" if c else "")
                for v, u, c in zip(table["stated"], table["stated unit"], table["chip"], strict=True)
            ],
            unit: [report.significant(v) for v in table[unit]],
            "Status": table["status"],
            "Source tier": table["source tier"],
            "Figure": table["figure_id"],
        }
    )


def add_record_key_numbers(chapter: ChapterContext, prefix: str, record_fit: RecordFit, what: str) -> None:
    """Record the fit's multiple, its interval and its doubling time (with the interval's doubling times) as key
    numbers ``<prefix>_multiple``, ``_ci_low``, ``_ci_high``, ``_doubling_months``, ``_doubling_months_low/high``;
    glue the check estimator's multiple and the number of records."""
    fit = record_fit.series.fit
    inputs = list(record_fit.records["figure_id"])
    fitted = "least-squares fit of ln(value) on date through the record series; Student-t interval"
    doubling = "12 × ln 2 ÷ ln(yearly multiple)"
    numbers = {
        "multiple": (fit.multiple_per_year, "x per year", f"Yearly growth multiple of {what}", fitted),
        "ci_low": (fit.ci_low, "x per year", f"Lower end of the interval of {what}'s yearly multiple", fitted),
        "ci_high": (fit.ci_high, "x per year", f"Upper end of the interval of {what}'s yearly multiple", fitted),
        "doubling_months": (
            trend_fit.doubling_months(fit.multiple_per_year),
            "months",
            f"Doubling time of {what}",
            doubling,
        ),
        "doubling_months_low": (
            trend_fit.doubling_months(fit.ci_high),
            "months",
            f"Shortest doubling time in the interval of {what}",
            doubling + " (upper end of the interval)",
        ),
        "doubling_months_high": (
            trend_fit.doubling_months(fit.ci_low),
            "months",
            f"Longest doubling time in the interval of {what}",
            doubling + " (lower end of the interval)",
        ),
    }
    for name, (value, unit, description, method) in numbers.items():
        if math.isfinite(value):
            chapter.keys.add(
                f"{prefix}_{name}", value, unit=unit, description=description, method=method, inputs=inputs
            )
        else:  # an interval that reaches no growth has no doubling time: shown in the prose, not a key number
            chapter.glue(f"{prefix}_{name}", value)
    chapter.glue(f"{prefix}_records", fit.n)
    chapter.glue(f"{prefix}_first_year", int(fit.first_year))
    chapter.glue(f"{prefix}_last_year", int(fit.last_year))
    chapter.glue(f"{prefix}_check_multiple", record_fit.check.multiple_per_year)
    chapter.glue(f"{prefix}_check_ci_low", record_fit.check.ci_low)
    chapter.glue(f"{prefix}_check_ci_high", record_fit.check.ci_high)
    chapter.glue(f"{prefix}_check_points", record_fit.check.n)


# --- The chapter's sections ---------------------------------------------------------------------------------------


def cluster_fit(chapter: ChapterContext) -> trend_fit.SeriesFit:
    """The fit of the largest cluster per year with the chapter's parameters."""
    start, announced = chapter.parameters.fit_start_year, chapter.parameters.fit_include_announced
    return trend_fit.fit_cluster_points(queries.largest_cluster_points(chapter.connection, start), start, announced)


def site_fit(chapter: ChapterContext) -> trend_fit.SeriesFit:
    """The fit of the largest site's power per year with the chapter's parameters."""
    start, announced = chapter.parameters.fit_start_year, chapter.parameters.fit_include_announced
    return trend_fit.fit_site_power_points(
        queries.largest_site_power_points(chapter.connection, start), start, announced
    )


def cluster_section(chapter: ChapterContext) -> charts.PublishedChart:
    """The largest known cluster per year with the book's fit: key numbers and the chart."""
    cluster = cluster_fit(chapter)
    inputs = list(cluster.fitted_points["figure_id"])
    chapter.glue("confidence_pct", 100 * trend_fit.CONFIDENCE)
    chapter.glue("fit_start_year", chapter.parameters.fit_start_year)
    chapter.keys.add(
        "cluster_multiple",
        cluster.fit.multiple_per_year,
        unit="x per year",
        description="Yearly growth multiple of the largest known AI cluster's accelerator count",
        method="least-squares fit of log count on date, largest reported or estimated count per year",
        inputs=inputs,
    )
    chapter.keys.add(
        "cluster_ci_low",
        cluster.fit.ci_low,
        unit="x per year",
        description="Lower end of the confidence interval of the largest cluster's yearly growth multiple",
        method="t-based confidence interval of the fit's slope",
        inputs=inputs,
    )
    chapter.keys.add(
        "cluster_ci_high",
        cluster.fit.ci_high,
        unit="x per year",
        description="Upper end of the confidence interval of the largest cluster's yearly growth multiple",
        method="t-based confidence interval of the fit's slope",
        inputs=inputs,
    )
    chapter.keys.add(
        "cluster_doubling_months",
        cluster.doubling_time_months,
        unit="months",
        description="Doubling time of the largest known AI cluster's accelerator count",
        method="12 × ln 2 ÷ ln(fitted yearly multiple)",
        inputs=inputs,
    )
    chapter.glue("cluster_points", cluster.fit.n)
    chapter.glue("cluster_first_year", int(cluster.fit.first_year))
    chapter.glue("cluster_last_year", int(cluster.fit.last_year))
    chapter.glue("cluster_not_fitted", len(cluster.excluded_points))
    plotted = trend_fit.fit_plot_frame(cluster)
    return chapter.publish(
        fit_chart(plotted, "Accelerators in the largest cluster (log scale)"),
        chart_id="growth-largest-cluster-fit",
        title="Largest known AI cluster per year, with the book's exponential fit",
        caption="Filled points are fitted: the largest reported or estimated accelerator count of each year. Hollow "
        "points are drawn but not fitted (announced plans by default). The line is the least-squares fit of the log "
        f"count on the date; the grey band is its {100 * trend_fit.CONFIDENCE:.0f} % confidence band. "
        "Black rings mark the seed articles' own points.",
        source_line="Compute Ledger: the largest count of each year and the book's fit (figure ids in the CSV)",
        description=f"Log-scale chart of the largest accelerator count per year from {int(cluster.fit.first_year)} "
        f"to {int(cluster.fit.last_year)} with a fitted line growing {cluster.fit.multiple_per_year:.2f} times a "
        f"year; {len(cluster.excluded_points)} points drawn hollow are not fitted.",
        data=plotted,
    )


def site_section(chapter: ChapterContext) -> charts.PublishedChart:
    """The largest known power of one site or cluster per year with the book's fit: key numbers and the chart."""
    site_power = site_fit(chapter)
    inputs = list(site_power.fitted_points["figure_id"])
    chapter.keys.add(
        "site_multiple",
        site_power.fit.multiple_per_year,
        unit="x per year",
        description="Yearly growth multiple of the largest known power of one AI site or cluster",
        method="least-squares fit of log power on date, largest reported or estimated power per year",
        inputs=inputs,
    )
    chapter.glue("site_ci_low", site_power.fit.ci_low)
    chapter.glue("site_ci_high", site_power.fit.ci_high)
    chapter.keys.add(
        "site_doubling_months",
        site_power.doubling_time_months,
        unit="months",
        description="Doubling time of the largest known power of one AI site or cluster",
        method="12 × ln 2 ÷ ln(fitted yearly multiple)",
        inputs=inputs,
    )
    chapter.glue("site_points", site_power.fit.n)
    chapter.glue("site_first_year", int(site_power.fit.first_year))
    chapter.glue("site_last_year", int(site_power.fit.last_year))
    plotted = trend_fit.fit_plot_frame(site_power)
    return chapter.publish(
        fit_chart(plotted, "Power of the largest site or cluster (MW, log scale)"),
        chart_id="growth-largest-site-power-fit",
        title="Largest known power of one AI site or cluster per year, with the book's fit",
        caption="Filled points are fitted: the largest reported or estimated power of one site or cluster in each "
        "year. Hollow points are drawn but not fitted (announced plans by default). The grey band is the fit's "
        f"{100 * trend_fit.CONFIDENCE:.0f} % confidence band. Stated site power, grid supply and IT-power estimates "
        "are mixed, as the sources give them. Black rings mark the seed articles' own points.",
        source_line="Compute Ledger: the largest site power of each year and the book's fit (figure ids in the CSV)",
        description=f"Log-scale chart of the largest site power per year from {int(site_power.fit.first_year)} to "
        f"{int(site_power.fit.last_year)} with a fitted line growing {site_power.fit.multiple_per_year:.2f} times a "
        "year.",
        data=plotted,
    )


def records_section(chapter: ChapterContext) -> common.Shown:
    """The record series in H100-equivalents and in megawatts: key numbers, the chart and the two record tables."""
    start = chapter.parameters.fit_start_year
    compute_records = trend_fit.fit_records(
        queries.record_candidates_compute(chapter.connection, start), trend_fit.COMPUTE_RECORD_SERIES, "H100e"
    )
    site_records = trend_fit.fit_records(
        queries.record_candidates_site(chapter.connection, start), trend_fit.SITE_RECORD_SERIES, "MW"
    )
    add_record_key_numbers(chapter, "record_h100e", compute_records, "the record cluster in H100-equivalents")
    add_record_key_numbers(chapter, "record_mw", site_records, "the record site's power")
    latest = trend_fit.latest_observation(compute_records, site_records)
    chapter.glue("data_as_of", latest["ref_date"])
    chapter.glue("data_as_of_subject", latest["subject"])
    chapter.glue("edition_date", citation.edition().date)
    plotted = trend_fit.fit_plot_frame(compute_records.series)
    records = compute_records.records["record_value"]
    return common.Shown(
        chapter.publish(
            record_chart(plotted, "H100-equivalents (log scale)"),
            chart_id="growth-record-clusters-h100e",
            title="Record AI clusters in H100-equivalents, with the fitted trend",
            caption="Filled points are records: systems larger, when they came online, than every system before "
            "them. Grey rings are the other single clusters, sites and training runs the records were chosen from. "
            "The line is the fit through the records, the band its confidence interval.",
            source_line="Compute Ledger: the ledger's accelerator counts, converted with its chip table (ids in the "
            "CSV)",
            description=f"Log-scale chart of {compute_records.series.fit.n} record clusters in H100-equivalents, from "
            f"{records.min():,.0f} to {records.max():,.0f}.",
            data=plotted,
        ),
        chapter.table(
            record_display(compute_records),
            "growth-record-clusters",
            "The record clusters: each was larger, in H100-equivalents, than every system dated before it.",
            figure_columns=("Figure",),
        ),
        chapter.table(
            record_display(site_records),
            "growth-record-sites",
            "The record sites: each drew or was built to draw more power than every site dated before it.",
            figure_columns=("Figure",),
        ),
    )


# Rates of the published analyses the prose names: glue name and figure id.
NAMED_RATES = (
    ("epoch_chips_multiple", "trend-epoch-supercomputer-chips-2019-2025"),
    ("epoch_record_multiple", "trend-epoch-largest-dc-record-doubling"),
    ("aschenbrenner_multiple", "trend-aschenbrenner-largest-cluster-growth"),
    ("epoch_power_multiple", "trend-epoch-supercomputer-power-2019-2025"),
    ("training_power_multiple", "trend-epoch-frontier-training-power-2-1x"),
    ("iea_multiple", "trend-iea-dc-electricity-growth-2024-2030"),
)


def published_section(chapter: ChapterContext) -> common.Shown:
    """The book's two fitted rates beside the published ones: the table and the chart."""
    cluster, site_power = cluster_fit(chapter), site_fit(chapter)
    rows = queries.published_trends(chapter.connection, list(trend_fit.PUBLISHED_COMPARISONS))
    published = trend_fit.published_rates(rows)
    comparison = trend_fit.comparison_table(cluster, site_power, published)
    by_id = published.set_index("figure_id")
    for name, figure_id in NAMED_RATES:
        chapter.glue(name, by_id.loc[figure_id, "multiple_per_year"])
    plotted = trend_fit.comparison_plot_frame(comparison)
    return common.Shown(
        chapter.table(
            comparison_display(comparison),
            "growth-rates-compared",
            "This book's fitted rates (first two rows, with their confidence intervals) beside published rates, "
            "converted to multiples per year; each published row gives its source, its figure id in the Sources "
            "appendix and why it differs.",
        ),
        chapter.publish(
            comparison_chart(plotted),
            chart_id="growth-rates-compared",
            title="Growth per year: this book's fits beside published rates",
            caption="Multiples per year on a log axis; a bar is a confidence interval or a stated range. Left of the "
            "dashed line at one, the quantity falls. The quantities differ: see the table above for what each one "
            "measures.",
            source_line="Compute Ledger fits; Epoch AI, Aschenbrenner, IEA, LBNL, ARK (figure ids in the CSV and the "
            "table)",
            description=f"Dot chart of {len(plotted)} growth rates per year, from "
            f"{plotted['multiple_per_year'].min():.2f} to {plotted['multiple_per_year'].max():.2f} times a year; "
            f"this book's fits are {cluster.fit.multiple_per_year:.2f} (accelerators) and "
            f"{site_power.fit.multiple_per_year:.2f} (site power).",
            data=plotted,
        ),
    )
