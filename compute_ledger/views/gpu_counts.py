"""Chapter 1, GPU counts: the frontier tables (largest cluster and largest site by year), the seeds' three counts,
and every count of the ledger."""

from __future__ import annotations

import altair as alt
import pandas as pd

from compute_ledger import frontier, gpu_counts, queries, report
from compute_ledger.chapter_context import ChapterContext
from compute_ledger.views import common

# --- The frontier, year by year ------------------------------------------------------------------------------------


def _count(value: float, chip: object) -> str:
    if value != value:
        return ""
    named = str(chip) if isinstance(chip, str) and chip else "unknown"
    return f"{report.significant(value)} ({named})"


def _mw(value: float, measure: object) -> str:
    if value != value:
        return ""
    return f"{report.significant(value)} MW" + (f" ({measure})" if isinstance(measure, str) and measure else "")


def _since(row: pd.Series) -> str:
    return "new this year" if row["new_in_year"] else f"since {row['ref_date']}"


def cluster_display(table: pd.DataFrame) -> pd.DataFrame:
    """The cluster table for the page: 2–3 significant figures, the figure ids that link to their quotes."""
    return pd.DataFrame(
        {
            "Year": table["year"].astype(str),
            "Largest cluster": table["system_name"],
            "Operator": table["operator"],
            "Accelerators (model)": [_count(v, c) for v, c in zip(table["value"], table["chip"], strict=True)],
            "H100e": [report.significant(v) for v in table["record_value"]],
            "MW": [_mw(v, m) for v, m in zip(table["power_value"], table["power_unit_note"], strict=True)],
            "Dated": [_since(r) for _, r in table.iterrows()],
            "Status": table["status"],
            "Source (tier)": [f"{p} ({t})" for p, t in zip(table["publisher"], table["source_tier"], strict=True)],
            "Quote": table["figure_id"],
        }
    )


def site_display(table: pd.DataFrame) -> pd.DataFrame:
    """The site table for the page."""
    return pd.DataFrame(
        {
            "Year": table["year"].astype(str),
            "Largest site": table["system_name"],
            "Operator": table["operator"],
            "MW (measure)": [_mw(v, m) for v, m in zip(table["record_value"], table["power_measure"], strict=True)],
            "Accelerators (model)": [
                _count(v, c) for v, c in zip(table["accelerators_value"], table["accelerators_unit_note"], strict=True)
            ],
            "Dated": [_since(r) for _, r in table.iterrows()],
            "Status": table["status"],
            "Source (tier)": [f"{p} ({t})" for p, t in zip(table["publisher"], table["source_tier"], strict=True)],
            "Quote": table["figure_id"],
        }
    )


def add_frontier_key_numbers(chapter: ChapterContext, clusters: pd.DataFrame, sites: pd.DataFrame) -> None:
    """Key numbers for the first and the last year of both tables (H100e of the largest cluster, MW of the largest
    site), each resting on its one figure; glue the systems' names and years for the prose."""
    tables = (
        (
            "frontier_cluster",
            "h100e",
            "H100e",
            "Largest cluster",
            clusters,
            "operator",
            "running maximum of the record series' candidates; count × dense 16-bit TFLOPS ÷ the H100's",
        ),
        (
            "frontier_site",
            "mw",
            "MW",
            "Largest single site",
            sites,
            "measure",
            "running maximum of the site record series' candidates (IT, facility or unqualified power)",
        ),
    )
    for prefix, short, unit, what, table, detail, method in tables:
        for end, row in (("first", table.iloc[0]), ("last", table.iloc[-1])):
            value = float(row["record_value"])
            chapter.keys.add(
                f"{prefix}_{short}_{end}",
                value,
                unit=unit,
                description=f"{what} at the end of {int(row['year'])}, in {unit}",
                method=method,
                inputs=[str(row["figure_id"])],
            )
            chapter.glue(f"{prefix}_{short}_{end}_text", report.significant(value))
            chapter.glue(f"{prefix}_year_{end}", int(row["year"]))
            chapter.glue(f"{prefix}_name_{end}", str(row["system_name"]))
            chapter.glue(f"{prefix}_{detail}_{end}", str(row["operator" if detail == "operator" else "power_measure"]))
    chapter.glue(
        "frontier_cluster_multiple", float(clusters.iloc[-1]["record_value"] / clusters.iloc[0]["record_value"])
    )


def frontier_tables(chapter: ChapterContext) -> common.Shown:
    """The largest cluster and the largest site at the end of each year, as two tables, with their key numbers."""
    compute = queries.record_candidates_compute(chapter.connection, frontier.ALL_YEARS)
    power = queries.record_candidates_site(chapter.connection, frontier.ALL_YEARS)
    systems = queries.systems(chapter.connection)
    clusters = frontier.cluster_by_year(compute, power, systems)
    sites = frontier.site_by_year(compute, power, systems)
    add_frontier_key_numbers(chapter, clusters, sites)
    return common.Shown(
        chapter.table(
            cluster_display(clusters),
            "gpu-largest-cluster-by-year",
            "The largest cluster at the end of each year: accelerators as stated (chip model), H100-equivalents, the "
            "power of the same system where the ledger has it (what it measures), and the figure behind it.",
            figure_columns=("Quote",),
        ),
        chapter.table(
            site_display(sites),
            "gpu-largest-site-by-year",
            "The largest single site at the end of each year: its power (what it measures), the accelerators of the "
            "same system where the ledger has them, and the figure behind it.",
            figure_columns=("Quote",),
        ),
    )


# --- Counts on a log axis ------------------------------------------------------------------------------------------


def counts_chart(frame: pd.DataFrame, title_y: str = "Accelerators (log scale)") -> alt.LayerChart:
    """Counts on a log axis: a point per figure, a bar for a range, colour and shape by status."""
    x = common.year_x(zero=False)
    base = alt.Chart(frame).encode(x=x)
    y = alt.Y("value:Q", title=title_y, scale=common.LOG)
    # A range bar only where there is a range: a point estimate would leave a rule of zero length.
    ranges = (
        base.transform_filter("datum.high > datum.low")
        .mark_rule(strokeWidth=3, opacity=0.6)
        .encode(y=alt.Y("low:Q", scale=common.LOG), y2="high:Q")
    )
    points = base.mark_point(size=110, filled=True, opacity=0.9).encode(
        y=y,
        **common.status_encoding(),
        tooltip=common.tooltip(
            ("subject:N", "What"),
            ("value:Q", "Count", ",.0f"),
            ("unit_detail:N", "Kind of count"),
            ("ref_date:N", "Date"),
            ("status:N", "Status"),
            ("publisher:N", "Source"),
            ("figure_id:N", "Figure id"),
        ),
    )
    return alt.layer(ranges, points, common.seed_rings(frame, x, y))


def _seed_series(chapter: ChapterContext) -> pd.DataFrame:
    return gpu_counts.seed_series(queries.figures_by_id(chapter.connection, gpu_counts.SEED_SERIES_IDS))


def seed_counts(chapter: ChapterContext):
    """The seeds' three counts: the growth between the first and the last (key numbers) and their table."""
    series = _seed_series(chapter)
    between = gpu_counts.seed_growth(series)
    chapter.glue("seed_first_count", series["value"].iloc[0])
    chapter.glue("seed_last_count", series["value"].iloc[-1])
    chapter.glue("seed_first_year", int(series["ref_year"].iloc[0]))
    chapter.glue("seed_last_year", int(series["ref_year"].iloc[-1]))
    checked = list(series["figure_id"])
    chapter.keys.add(
        "seed_multiple",
        between.multiple,
        unit="times",
        description="Growth of the seeds' GPU counts from the first to the last point (700 to 100,000)",
        method="last count ÷ first count (central values)",
        checked=checked,
    )
    chapter.keys.add(
        "seed_cagr_pct",
        between.cagr * 100,
        unit="% per year",
        description="Yearly growth rate implied by the seeds' first and last GPU counts",
        method="(last ÷ first) ^ (1 / years between them) − 1, years as the seed's headline gives them",
        checked=checked,
    )
    chapter.keys.add(
        "seed_yearly_multiple",
        between.yearly_multiple,
        unit="x per year",
        description="Yearly multiple implied by the seeds' first and last GPU counts",
        method="(last ÷ first) ^ (1 / years between them)",
        checked=checked,
    )
    return chapter.table(
        report.source_table(series),
        "gpu-seed-series",
        "The seeds' GPU counts as stated, with what each count measures (seed 004, Emad Mostaque via a blog summary).",
        figure_columns=("figure",),
    )


def seed_chart(chapter: ChapterContext):
    """The seeds' three counts on a log axis."""
    plotted = gpu_counts.plot_frame(_seed_series(chapter), "seed series")
    return chapter.publish(
        counts_chart(plotted),
        chart_id="gpu-counts-seed-series",
        title="GPU counts in the seed articles, 2022–2025",
        caption="Each point is one figure as stated; the bar spans a stated range (2,000–4,000). "
        "Colour and shape give the status: the 2025 count is an announced plan.",
        source_line="Emad Mostaque, as relayed by patb.ca (seed article); figure ids in the CSV",
        description="Log-scale chart of three GPU counts: 700 in 2022, 2,000 to 4,000 GPU-equivalents in 2024, "
        "100,000 planned in 2025.",
        data=plotted,
    )


def ledger_counts(chapter: ChapterContext):
    """Every accelerator count of a training run, cluster or site since the fits' first year, as one chart."""
    counts = queries.accelerator_counts(chapter.connection, chapter.parameters.fit_start_year)
    chapter.glue("ledger_count_rows", len(counts))
    plotted = gpu_counts.plot_frame(counts, "ledger")
    return chapter.publish(
        counts_chart(plotted),
        chart_id="gpu-counts-ledger",
        title="Accelerator counts of clusters and training runs in the ledger",
        caption="Every count of a training run, cluster or site with a known date; colour and shape give the status. "
        "Black rings mark the seed articles' own points.",
        source_line="Compute Ledger: every accelerator count of the ledger, each with its source in the Sources "
        "appendix",
        description=f"Log-scale scatter of {len(counts)} accelerator counts by year.",
        data=plotted,
    )
