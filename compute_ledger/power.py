"""Data-centre power: the sizes the seeds give (today vs next), the ledger's sites, and the 1 GW reference."""

from __future__ import annotations

import altair as alt
import duckdb
import pandas as pd

from compute_ledger import database

NUCLEAR_REFERENCE_ID = "seed-000-1gw-nuclear-plant-reference"
TODAY_IDS = (
    "seed-000-datacentre-50mw-typical",
    "seed-000-datacentre-100mw-typical",
    "seed-000-datacentre-150mw-largest",
)
NEXT_IDS = (
    "seed-000-datacentre-300mw-not-yet-built",
    "seed-000-datacentre-500mw-not-yet-built",
    "seed-000-datacentre-1000mw-not-yet-built",
)


def seed_sizes(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The seed's data-centre sizes, labelled 'today' (built) and 'next' (not yet built)."""
    today = database.figures_by_id(connection, TODAY_IDS).assign(horizon="today (2024, as stated)")
    upcoming = database.figures_by_id(connection, NEXT_IDS).assign(horizon="next (not yet built in 2024)")
    return pd.concat([today, upcoming], ignore_index=True)


def step_up(sizes: pd.DataFrame) -> float:
    """How many times the largest 'next' size is the largest size built 'today'."""
    today = sizes.loc[sizes["horizon"].str.startswith("today"), "value"].max()
    upcoming = sizes.loc[sizes["horizon"].str.startswith("next"), "value"].max()
    return float(upcoming / today)


def sites(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every site/cluster power figure in the ledger with a date (MW)."""
    frame = connection.execute("SELECT * FROM site_power WHERE ref_year IS NOT NULL ORDER BY decimal_year, value").df()
    return frame.assign(from_seed=frame["seed_file"].fillna("").ne(""))


def sizes_chart(sizes: pd.DataFrame, reference_mw: float, reference_label: str) -> alt.LayerChart:
    """Bars of the seed sizes, with the nuclear-plant reference as a rule."""
    frame = sizes.assign(label=sizes["value"].map(lambda v: f"{v:,.0f} MW"))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=alt.EncodingSortField("value", order="ascending")),
            x=alt.X("value:Q", title="Data-centre power (MW)"),
            color=alt.Color("horizon:N", title=None),
            tooltip=[
                alt.Tooltip("subject:N", title="What"),
                alt.Tooltip("value:Q", title="MW", format=",.0f"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("figure_id:N", title="Figure id"),
            ],
        )
    )
    reference = pd.DataFrame({"value": [reference_mw], "label": [reference_label]})
    rule = alt.Chart(reference).mark_rule(strokeDash=[6, 4], color="#D55E00", strokeWidth=2).encode(x="value:Q")
    text = (
        alt.Chart(reference)
        .mark_text(align="right", dx=-4, dy=-6, color="#D55E00")
        .encode(x="value:Q", y=alt.value(0), text="label:N")
    )
    return alt.layer(bars, rule, text)


def sites_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Site power over time (log axis), coloured by status; the seeds' points ringed."""
    from compute_ledger import charts

    x = alt.X("decimal_year:Q", title="Year", scale=alt.Scale(zero=False), axis=alt.Axis(format="d", tickMinStep=1))
    y = alt.Y("value:Q", title="Power (MW, log scale)", scale=alt.Scale(type="log"))
    points = (
        alt.Chart(frame)
        .mark_point(size=90, filled=True)
        .encode(
            x=x,
            y=y,
            **charts.status_encoding(),
            tooltip=[
                alt.Tooltip("entity:N", title="Who"),
                alt.Tooltip("subject:N", title="What"),
                alt.Tooltip("value:Q", title="MW", format=",.0f"),
                alt.Tooltip("unit_detail:N", title="Kind"),
                alt.Tooltip("ref_date:N", title="Date"),
                alt.Tooltip("publisher:N", title="Source"),
                alt.Tooltip("figure_id:N", title="Figure id"),
            ],
        )
    )
    return alt.layer(points, charts.seed_rings(frame, x, y))
