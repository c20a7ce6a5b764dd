"""Chapter 8, the scorecard of projections: the key numbers, the chart of projected against observed values and the
table of every pair with its sources, its error and its sentence."""

from __future__ import annotations

import altair as alt
import pandas as pd

from compute_ledger import charts, queries, report, scorecard
from compute_ledger.chapter_context import ChapterContext
from compute_ledger.views import common

TABLE = "scorecard_table"  # glued; the chapter places it with a ```{glue} scorecard_table``` directive
PLOT_HEIGHT = 360


def _graded(chapter: ChapterContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    pairs = queries.scorecard_pairs(chapter.connection)
    return pairs, scorecard.grade(pairs)


def chart_data(graded: pd.DataFrame) -> pd.DataFrame:
    """What the chart plots: one point per pair, coloured by who projected (with the unit), the quantity and the
    sentence for the tooltip."""
    return pd.DataFrame(
        {
            "pair_id": graded["pair_id"],
            "projected": graded["projected"],
            "observed": graded["observed"],
            "unit": graded["unit"],
            "projection_by": graded["projection_by"] + " (" + graded["unit"] + ")",
            "quantity": graded["quantity"],
            "ratio": graded["ratio"],
            "sentence": graded["sentence"],
        }
    )


def projected_vs_observed(data: pd.DataFrame) -> alt.LayerChart:
    """Observed against projected on log axes, one point per pair; on the diagonal the outturn equals the projection,
    above it the outturn came out higher."""
    low = min(data["projected"].min(), data["observed"].min()) / 1.5
    high = max(data["projected"].max(), data["observed"].max()) * 1.5
    scale = alt.Scale(type="log", domain=[low, high])
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [low, high], "y": [low, high]}))
        .mark_line(strokeDash=[4, 4], color="#777777")
        .encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale))
    )
    points = (
        alt.Chart(data)
        .mark_point(size=110, filled=True, opacity=0.85)
        .encode(
            x=alt.X(
                "projected:Q",
                title="Projected (log scale, the pair's unit)",
                scale=scale,
                axis=alt.Axis(labelOverlap=True),
            ),
            y=alt.Y("observed:Q", title="Observed later (log scale)", scale=scale, axis=alt.Axis(labelOverlap=True)),
            color=alt.Color(
                "projection_by:N",
                title="Projection (unit)",
                legend=alt.Legend(orient="bottom", columns=1, labelLimit=360),
            ),
            tooltip=common.tooltip(
                ("quantity:N", "Quantity"),
                ("ratio:Q", "Observed ÷ projected", ".2f"),
                ("sentence:N", "In one sentence"),
            ),
        )
    )
    return alt.layer(diagonal, points).properties(height=PLOT_HEIGHT)


def side_source(graded_pairs: pd.DataFrame, side: str) -> list[report.SourceLink]:
    """The source of one side of each pair, as a link to the page at the quote and an archived copy."""
    return [
        report.SourceLink(f"{p} ({d})" if d else p, url, quote, read_at)
        for p, d, url, quote, read_at in zip(
            graded_pairs[f"{side}_publisher"],
            graded_pairs[f"{side}_date_published"],
            graded_pairs[f"{side}_url"],
            graded_pairs[f"{side}_quote"],
            graded_pairs[f"{side}_read_at"],
            strict=True,
        )
    ]


def table(pairs: pd.DataFrame, graded: pd.DataFrame) -> pd.DataFrame:
    """The pairs as readers see them: both figures (linked to their quotes), both sources, the error, the lead time,
    the sentence and how the two rows differ."""
    return pd.DataFrame(
        {
            "pair": graded["pair_id"],
            "projection": graded["projection_figure_id"],
            "projected": [
                report.quantity_with_range(v, lo, hi, u) if lo != hi else report.quantity(v, u)
                for v, lo, hi, u in zip(
                    graded["projected"], graded["projected_low"], graded["projected_high"], graded["unit"], strict=True
                )
            ],
            "projection source": side_source(pairs, "projection"),
            "outturn": graded["outturn_figure_id"],
            "observed": [report.quantity(v, u) for v, u in zip(graded["observed"], graded["unit"], strict=True)],
            "outturn source": side_source(pairs, "outturn"),
            "error": [f"{e:+.0f}% (× {r:.2f})" for e, r in zip(graded["percent_error"], graded["ratio"], strict=True)],
            "lead time (years)": graded["lead_years"].round(1),
            "in one sentence": graded["sentence"],
            "how the rows differ": graded["comparison"],
        }
    )


def scorecard_section(chapter: ChapterContext) -> charts.PublishedChart:
    """The scorecard: its key numbers (glued), the table of pairs (glued as :data:`TABLE`) and the chart of
    projected against observed values (shown)."""
    pairs, graded = _graded(chapter)
    numbers = scorecard.summary(graded)
    inputs = sorted(set(graded["projection_figure_id"]) | set(graded["outturn_figure_id"]))
    method = "data/raw/scorecard.csv graded by scorecard.grade: observed ÷ projected for each pair"
    chapter.keys.add(
        "pairs_graded",
        numbers["pairs"],
        unit="pairs",
        description="Published projections graded against an outturn observed later",
        method="rows of data/raw/scorecard.csv",
        inputs=inputs,
    )
    chapter.keys.add(
        "projected_too_high",
        numbers["projected_too_high"],
        unit="pairs",
        description="Graded projections that came out above the outturn observed later",
        method=method + " below 1",
        inputs=inputs,
    )
    chapter.keys.add(
        "projected_too_low",
        numbers["projected_too_low"],
        unit="pairs",
        description="Graded projections that came out below the outturn observed later",
        method=method + " above 1",
        inputs=inputs,
    )
    chapter.glue("largest_overestimate_pct", numbers["largest_overestimate_pct"])
    chapter.glue("largest_overestimate_by", graded.loc[graded["percent_error"].idxmin(), "projection_by"])
    chapter.glue("largest_underestimate_pct", numbers["largest_underestimate_pct"])
    chapter.glue("largest_underestimate_by", graded.loc[graded["percent_error"].idxmax(), "projection_by"])
    chapter.glue(
        TABLE,
        chapter.table(
            table(pairs, graded),
            "scorecard",
            "Every graded projection: the projection and the outturn (each linked to its quote), the error "
            "(observed − projected, as a percentage of the projection, and observed ÷ projected), the lead time from "
            "publication to the target date, and how the two rows differ.",
            figure_columns=("projection", "outturn"),
        ),
    )
    data = chart_data(graded)
    return chapter.publish(
        projected_vs_observed(data),
        chart_id="scorecard-projected-observed",
        title="Published projections against what was observed later",
        caption="One point per graded projection, both axes on a log scale in the pair's own unit. On the dashed "
        "diagonal the outturn equals the projection; below it the projection was too high, above it too low. The "
        "table below says for each pair how the two rows differ (scope, measure, year).",
        source_line="Compute Ledger scorecard: data/raw/scorecard.csv, figures and sources in the table below",
        description=f"Scatter plot of {len(data)} projections on log axes, observed against projected: "
        + "; ".join(f"{r.pair_id} observed ÷ projected {r.ratio:.2f}" for r in data.itertuples()),
        data=data,
    )
