"""GPU counts: the seeds' 2022–2025 series and the largest known cluster per year."""

from __future__ import annotations

import altair as alt
import duckdb
import pandas as pd

from compute_ledger import charts, database, growth

# The seed series (Emad Mostaque, via seed 004): what each count is differs, and the chapter says so.
SEED_SERIES_IDS = (
    "seed-004-stability-first-video-model-700-h100",
    "seed-004-top-video-models-2000-4000-gpu-equivalents",
    "seed-004-musk-100000-gpus-planned",
)

_COLUMNS = """figure_id, ref_date, ref_year, decimal_year, value, low, high, unit, unit_detail, status,
    confidence, entity, subject, scope, quote, quote_en, publisher, date_published, url, source_id, seed_file"""


def seed_series(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The three seed points, oldest first; fails loudly if the ledger lost one."""
    frame = database.figures_by_id(connection, SEED_SERIES_IDS)
    return frame.sort_values("decimal_year", kind="stable").reset_index(drop=True)


def seed_growth(series: pd.DataFrame) -> growth.GrowthBetween:
    """Multiple and yearly rate between the first and last seed points (central values, years as stated)."""
    first, last = series.iloc[0], series.iloc[-1]
    return growth.multiple_and_cagr(first["value"], last["value"], int(first["ref_year"]), int(last["ref_year"]))


def all_counts(connection: duckdb.DuckDBPyConnection, start_year: int) -> pd.DataFrame:
    return connection.execute(
        f"SELECT {_COLUMNS} FROM accelerator_counts WHERE ref_year >= ? ORDER BY decimal_year, value",
        [start_year],
    ).df()


def plot_frame(frame: pd.DataFrame, series_name: str) -> pd.DataFrame:
    """What a counts chart plots: one row per figure, with its range and its source."""
    out = frame[
        [
            "figure_id",
            "decimal_year",
            "ref_date",
            "value",
            "low",
            "high",
            "status",
            "unit_detail",
            "entity",
            "subject",
            "publisher",
        ]
    ].copy()
    out["from_seed"] = frame["seed_file"].fillna("").ne("")
    out["low"] = out["low"].fillna(out["value"])
    out["high"] = out["high"].fillna(out["value"])
    out["series"] = series_name
    return out


def counts_chart(frame: pd.DataFrame, title_y: str = "Accelerators (log scale)") -> alt.LayerChart:
    """Counts on a log axis: a point per figure, a bar for a range, colour and shape by status."""
    x = alt.X("decimal_year:Q", title="Year", scale=alt.Scale(zero=False), axis=alt.Axis(format="d", tickMinStep=1))
    base = alt.Chart(frame).encode(x=x)
    y = alt.Y("value:Q", title=title_y, scale=alt.Scale(type="log"))
    # A range bar only where there is a range: a point estimate would leave a rule of zero length.
    ranges = (
        base.transform_filter("datum.high > datum.low")
        .mark_rule(strokeWidth=3, opacity=0.6)
        .encode(y=alt.Y("low:Q", scale=alt.Scale(type="log")), y2="high:Q")
    )
    points = base.mark_point(size=110, filled=True, opacity=0.9).encode(
        y=y,
        **charts.status_encoding(),
        tooltip=[
            alt.Tooltip("subject:N", title="What"),
            alt.Tooltip("value:Q", title="Count", format=",.0f"),
            alt.Tooltip("unit_detail:N", title="Kind of count"),
            alt.Tooltip("ref_date:N", title="Date"),
            alt.Tooltip("status:N", title="Status"),
            alt.Tooltip("publisher:N", title="Source"),
            alt.Tooltip("figure_id:N", title="Figure id"),
        ],
    )
    return alt.layer(ranges, points, charts.seed_rings(frame, x, y))
