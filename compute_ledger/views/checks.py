"""Chapter 6, cross-checks: computed against reported (power and spending), and where sources disagree."""

from __future__ import annotations

import altair as alt
import pandas as pd

from compute_ledger import charts, consistency, queries, report
from compute_ledger.chapter_context import ChapterContext
from compute_ledger.views import common

# Glued for the prose to place (```{glue} checks_summary_table```) after the paragraph that introduces it.
SUMMARY_TABLE = "checks_summary_table"


def checks_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Computed / reported per check on a log axis; each row's shaded band is where it counts as consistent."""
    y = alt.Y("check_id:N", title=None, sort=list(frame["check_id"]))
    scale = alt.Scale(type="log", domain=[float(frame["band_low"].min()), max(float(frame["ratio"].max()), 5.0) * 1.2])
    band = (
        alt.Chart(frame)
        .mark_bar(color="#bbbbbb", opacity=0.35, height=14)
        .encode(x=alt.X("band_low:Q", scale=scale), x2="band_high:Q", y=y)
    )
    one = common.rule_at_one(dashed=False, colour="#555555", scale=scale)
    points = (
        alt.Chart(frame)
        .mark_point(size=120, filled=True)
        .encode(
            x=alt.X("ratio:Q", title="Computed ÷ reported (log scale; shaded: consistent)", scale=scale),
            y=y,
            color=alt.Color(
                "outcome:N",
                title="Outcome",
                scale=alt.Scale(domain=["consistent", "flagged"], range=["#0072B2", "#D55E00"]),
            ),
            shape=alt.Shape(
                "kind:N", title="Check", scale=alt.Scale(domain=["power", "spend"], range=["circle", "square"])
            ),
            tooltip=common.tooltip(
                ("check:N", "Check"),
                ("computed:Q", "Computed", ",.4~s"),
                ("reported:Q", "Reported", ",.4~s"),
                ("unit:N", "Unit"),
                ("relation:N", "Relation"),
                ("ratio:Q", "Ratio", ".2f"),
                ("verdict:N", "Verdict"),
            ),
        )
    )
    return alt.layer(band, one, points)


def disagreements_chart(rows: pd.DataFrame) -> alt.LayerChart:
    """Each disputed quantity's rows, as a multiple of the value the analysis uses (log axis)."""
    one = common.rule_at_one(dashed=False, colour="#555555")
    shown = rows.assign(used=rows["preferred"].map({True: "used by the analysis", False: "other source"}))
    points = (
        alt.Chart(shown)
        .mark_point(size=90, opacity=0.9)
        .encode(
            x=alt.X(
                "relative_to_preferred:Q",
                title="Value ÷ the value the analysis uses (log scale)",
                scale=alt.Scale(type="log"),
            ),
            y=alt.Y("quantity_id:N", title=None),
            color=alt.Color(
                "used:N",
                title=None,
                scale=alt.Scale(domain=["used by the analysis", "other source"], range=["#0072B2", "#E69F00"]),
            ),
            fill=alt.Fill(
                "used:N",
                legend=None,
                scale=alt.Scale(domain=["used by the analysis", "other source"], range=["#0072B2", "transparent"]),
            ),
            tooltip=common.tooltip(
                ("subject:N", "What"),
                ("value:Q", "Value", ",.4~g"),
                ("unit:N", "Unit"),
                ("publisher:N", "Source"),
                ("figure_id:N", "Figure id"),
            ),
        )
    )
    return alt.layer(one, points)


# --- The chapter's sections ---------------------------------------------------------------------------------------


def power_table(checks: pd.DataFrame) -> pd.DataFrame:
    """The power checks for the page: counts with separators, MW, overhead and ratio to two decimals."""
    return checks.assign(
        accelerators=checks["accelerators"].map("{:,.0f}".format),
        computed=checks["computed_mw"].map("{:,.0f} MW".format),
        reported=checks["reported_mw"].map("{:,.0f} MW".format),
        overhead=checks["overhead"].map("{:.2f}".format),
        ratio=checks["ratio"].map("{:.2f}".format),
    )[
        [
            "check",
            "accelerators",
            "accelerator_w",
            "overhead",
            "pue_applied",
            "computed",
            "reported",
            "reported_basis",
            "ratio",
            "verdict",
            "inputs",
            "note",
        ]
    ]


def spend_table(checks: pd.DataFrame) -> pd.DataFrame:
    """The spending checks for the page: counts with separators, dollar sums in words, ratio to two decimals."""
    return checks.assign(
        accelerators=checks["accelerators"].map("{:,.0f}".format),
        price=checks["unit_price_usd"].map(report.usd),
        computed=checks["computed_usd"].map(report.usd),
        reported=checks["reported_usd"].map(report.usd),
        ratio=checks["ratio"].map("{:.2f}".format),
    )[["check", "accelerators", "price", "computed", "reported", "relation", "ratio", "verdict", "inputs", "note"]]


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The disputed quantities for the page: values in their units, the spread as a multiple."""
    units = summary["unit"]
    return summary.assign(
        smallest=[report.quantity(v, u) for v, u in zip(summary["smallest"], units, strict=True)],
        largest=[report.quantity(v, u) for v, u in zip(summary["largest"], units, strict=True)],
        used=[report.quantity(v, u) for v, u in zip(summary["used_value"], units, strict=True)],
        spread=summary["spread"].map("{:.2f}×".format),
    )[["quantity_id", "rows", "smallest", "largest", "spread", "used", "used_figure", "why", "others"]]


def _checks(chapter: ChapterContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    figures = queries.figures_by_id(chapter.connection, consistency.input_ids())
    tolerance = chapter.parameters.check_tolerance_factor
    return consistency.power_checks(figures, chapter.parameters.pue, tolerance), consistency.spend_checks(
        figures, tolerance
    )


def checks_section(chapter: ChapterContext) -> charts.PublishedChart:
    """Every power and spending check as one chart, with the Colossus check's numbers and the count flagged."""
    power_checks, spend_checks = _checks(chapter)
    tolerance = chapter.parameters.check_tolerance_factor
    plotted = consistency.checks_plot_frame(power_checks, spend_checks, tolerance)
    colossus = power_checks.set_index("check_id").loc[consistency.COLOSSUS_CHECK]
    colossus_inputs = colossus["inputs"].split(", ")
    chapter.keys.add(
        "colossus_computed_mw",
        colossus["computed_mw"],
        unit="MW",
        description="Facility power computed for xAI's Colossus at 100,000 H100 (September 2024)",
        method="accelerators × rated W × server overhead (DGX H100 10.2 kW / 8 × 700 W) × PUE",
        inputs=colossus_inputs,
    )
    chapter.keys.add(
        "colossus_reported_mw",
        colossus["reported_mw"],
        unit="MW",
        description="Grid supply reported for xAI's Colossus site",
        method="as reported",
        inputs=[colossus_inputs[-1]],
    )
    chapter.glue("colossus_overhead", colossus["overhead"])
    chapter.glue("tolerance", tolerance)
    chapter.glue("pue", chapter.parameters.pue)
    chapter.keys.add(
        "checks_flagged",
        consistency.flagged_count(plotted),
        unit="checks",
        description="Consistency checks whose two sides differ by more than the tolerance factor",
        method="count of flagged power and spend checks at the run's check_tolerance_factor",
        checked=consistency.checked_figures(plotted),
    )
    chapter.glue("checks_total", len(plotted))
    return chapter.publish(
        checks_chart(plotted),
        chart_id="checks-ratios",
        title="Computed against reported: power and spending checks",
        caption="Each point is one check: what the ledger's counts, ratings and prices imply, divided by what was "
        "reported. The shaded band is the run's tolerance; outside it a check is flagged.",
        source_line="Compute Ledger consistency checks; input figures listed in the table below",
        description=f"Dot chart of {len(plotted)} consistency checks on a log axis from 0.2 to 5, with a shaded "
        "tolerance band around 1.",
        data=plotted,
    )


def power_checks_table(chapter: ChapterContext):
    """The power checks with their arithmetic."""
    return chapter.table(
        power_table(_checks(chapter)[0]),
        "checks-power",
        "Power checks. Overhead = server or rack power ÷ the rated power of the accelerators it holds; the PUE is the "
        "run's parameter, not applied where the reported power is IT power.",
    )


def spend_checks_table(chapter: ChapterContext):
    """The spending checks with their arithmetic."""
    return chapter.table(
        spend_table(_checks(chapter)[1]),
        "checks-spend",
        "Spending checks. 'Same quantity': both sides should match. 'Chips are part of it': the reported sum pays "
        "for more than chips, so only chips exceeding it are flagged.",
    )


def disagreements_section(chapter: ChapterContext) -> charts.PublishedChart:
    """Where sources disagree: key numbers, the chart of the quantities whose values differ (shown), and every group
    (glued as :data:`SUMMARY_TABLE`, placed after the paragraph that sums them up)."""
    rows = consistency.disagreements(queries.disagreements(chapter.connection))
    summary = consistency.disagreement_summary(rows)
    chapter.keys.add(
        "disagreement_groups",
        len(summary),
        unit="quantities",
        description="Quantities on which the ledger's sources give more than one row",
        method="count of quantity_id groups in data/raw/figures.csv",
        checked=sorted(rows["figure_id"]),
    )
    chapter.glue("disagreement_rows", len(rows))
    chapter.glue("disagreements_differing", int((summary["spread"] > 1).sum()))
    widest = summary.iloc[0]
    chapter.glue("widest_quantity", widest["quantity_id"])
    chapter.glue("widest_spread", widest["spread"])
    columns = [
        "quantity_id",
        "figure_id",
        "value",
        "unit",
        "preferred",
        "relative_to_preferred",
        "publisher",
        "subject",
    ]
    chapter.glue(
        SUMMARY_TABLE,
        chapter.table(
            summary_table(summary),
            "checks-disagreements",
            "Every quantity with more than one source: the range of values, the row the analysis uses and why.",
        ),
    )
    return chapter.publish(
        disagreements_chart(consistency.differing(rows, summary)),
        chart_id="checks-disagreements",
        title="Where sources disagree: each value against the one the analysis uses",
        caption="One line per quantity whose sources differ; the filled point is the row the analysis uses, open "
        "points are the other sources. Quantities where every source agrees are in the table only.",
        source_line="Compute Ledger: figures of several sources on one quantity (each in the Sources appendix)",
        description="Dot chart of disputed quantities; each source's value divided by the value used, on a log axis.",
        data=rows[columns],
    )
