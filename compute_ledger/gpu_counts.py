"""GPU counts: the seeds' 2022–2025 series and every count of the ledger, as frames for the chapter's views
(``views/gpu_counts.py``); the rows come from ``queries.py``."""

from __future__ import annotations

import pandas as pd

from compute_ledger import growth

# The seed series (Emad Mostaque, via seed 004): what each count is differs, and the chapter says so.
SEED_SERIES_IDS = (
    "seed-004-stability-first-video-model-700-h100",
    "seed-004-top-video-models-2000-4000-gpu-equivalents",
    "seed-004-musk-100000-gpus-planned",
)


def seed_series(rows: pd.DataFrame) -> pd.DataFrame:
    """The three seed points (rows of :data:`SEED_SERIES_IDS`), oldest first."""
    return rows.sort_values("decimal_year", kind="stable").reset_index(drop=True)


def seed_growth(series: pd.DataFrame) -> growth.GrowthBetween:
    """Multiple and yearly rate between the first and last seed points (central values, years as stated)."""
    first, last = series.iloc[0], series.iloc[-1]
    return growth.multiple_and_cagr(first["value"], last["value"], int(first["ref_year"]), int(last["ref_year"]))


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
