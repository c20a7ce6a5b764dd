"""Money: the seeds' sums side by side, and the GPU capex the ledger's counts imply at a given unit price."""

from __future__ import annotations

import altair as alt
import duckdb
import pandas as pd

from compute_ledger import database

SEED_SUMS = (
    ("seed-002-altman-7000-billion-fundraising", "Altman's chip venture (sought)"),
    ("seed-002-softbank-izanagi-100-billion", "SoftBank's Izanagi (sought)"),
    ("seed-003-nvidia-openai-investment", "Nvidia → OpenAI (up to)"),
    ("seed-001-china-semiconductor-investment-2021-2022", "China, semiconductors 2021–2022"),
    ("seed-002-arm-market-value", "Arm market value"),
    ("seed-002-ai-startups-raised-2023", "AI start-ups raised (2023)"),
    ("seed-003-oracle-bond-sale-18-billion", "Oracle bond sale"),
    ("seed-004-claim-3-billion-for-100000-gpus", "100,000 GPUs (seed's sum)"),
    ("seed-001-gpt4-training-cost", "GPT-4 training (more than)"),
)
META_CHIPS_ID = "seed-002-meta-600000-chips-end-2024"
MUSK_GPUS_ID = "seed-004-musk-100000-gpus-planned"


def seed_sums(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    labels = dict(SEED_SUMS)
    frame = database.figures_by_id(connection, list(labels))
    frame["label"] = frame["figure_id"].map(labels)
    return frame.sort_values("value", ascending=False).reset_index(drop=True)


def implied_gpu_capex(connection: duckdb.DuckDBPyConnection, unit_price_usd: float) -> pd.DataFrame:
    """Accelerators × unit price for the seeds' fleet and cluster counts: computed, at the run's price."""
    found = database.figures_by_id(connection, (MUSK_GPUS_ID, META_CHIPS_ID))
    frame = found[["figure_id", "subject", "value", "status"]].rename(columns={"value": "accelerators"})
    frame["unit_price_usd"] = unit_price_usd
    frame["capex_usd"] = frame["accelerators"] * unit_price_usd
    return frame


def sums_chart(frame: pd.DataFrame) -> alt.Chart:
    """The sums on one log axis, so $18 billion and $7 trillion can be read together."""
    from compute_ledger import charts

    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=alt.EncodingSortField("value", order="descending")),
            x=alt.X(
                "value:Q", title="US dollars (log scale)", scale=alt.Scale(type="log"), axis=alt.Axis(format="$.2s")
            ),
            color=alt.Color(
                "status:N", title="Status", scale=alt.Scale(domain=charts.STATUS_ORDER, range=charts.STATUS_COLOURS)
            ),
            tooltip=[
                alt.Tooltip("label:N", title="What"),
                alt.Tooltip("value:Q", title="USD", format="$,.3s"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("original_outlet:N", title="Reported by"),
                alt.Tooltip("publisher:N", title="Read in"),
                alt.Tooltip("figure_id:N", title="Figure id"),
            ],
        )
    )
