"""Chapter 3, money: the hyperscalers' capex year by year, TSMC and the fabs, the largest compute deals, the seeds'
sums on one axis, and the GPU spending the seeds' counts imply at the run's price."""

from __future__ import annotations

import altair as alt
import pandas as pd

from compute_ledger import charts, money, queries, report
from compute_ledger.chapter_context import ChapterContext
from compute_ledger.money import GUIDANCE_LABEL
from compute_ledger.views import common

FIGURE = ("figure",)  # the column of figure ids: each links to its quote on the Sources page


# Dollar ticks in words readers use: $10 bn, $1 tn (not d3's "$10G").
USD_AXIS = alt.Axis(
    labelExpr="datum.value >= 1e12 ? '$' + datum.value / 1e12 + ' tn' : datum.value >= 1e9 ? '$' + datum.value / 1e9 "
    "+ ' bn' : '$' + datum.value / 1e6 + ' m'",
    labelOverlap="greedy",
)


# A ring: a filled symbol with a hole (two circles drawn in opposite directions), so that guidance shows hollow in
# the plot and in the legend alike.
RING = "M-1,0A1,1 0 1,1 1,0A1,1 0 1,1 -1,0ZM-0.55,0A0.55,0.55 0 1,0 0.55,0A0.55,0.55 0 1,0 -0.55,0Z"


def capex_table(chosen: pd.DataFrame) -> pd.DataFrame:
    """The plotted capex as readers see it: company, year, fiscal year end, capex, status, source and tier."""
    return pd.DataFrame(
        {
            "company": chosen["entity"],
            "year": chosen["year"].astype(str),
            "year ends": chosen["fiscal_year_ends"],
            "capex": chosen["value"].map(report.usd),
            "status": chosen["status"],
            "source": chosen["publisher"],
            "tier": chosen["source_tier"],
            "figure": chosen["figure_id"],
        }
    ).reset_index(drop=True)


def capex_chart(frame: pd.DataFrame, title_x: str = "Year (fiscal for Microsoft, Oracle)") -> alt.LayerChart:
    """Capex per company and year (US$ billion): filled points for reported totals, rings for guidance; a line
    joins consecutive years, dashed where it runs into guidance."""
    companies = list(dict.fromkeys(frame["entity"]))
    colour = alt.Color(
        "entity:N", title="Company", scale=alt.Scale(domain=companies, range=charts.PALETTE[: len(companies)])
    )
    years = sorted(frame["year"].unique().tolist())
    x = alt.X("year:O", title=title_x, scale=alt.Scale(domain=years), axis=alt.Axis(labelAngle=0))
    y = alt.Y("value_bn:Q", title="Capex (US$ billion)")
    lines = (
        alt.Chart(money.capex_segments(frame))
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=colour,
            detail="segment:N",
            strokeDash=alt.StrokeDash(
                "dashed:N", scale=alt.Scale(domain=[False, True], range=[[1, 0], [4, 3]]), legend=None
            ),
        )
    )
    points = (
        alt.Chart(frame)
        .mark_point(size=110, filled=True, opacity=1)
        .encode(
            x=x,
            y=y,
            color=colour,
            shape=alt.Shape(
                "kind:N", title="Status", scale=alt.Scale(domain=["reported", GUIDANCE_LABEL], range=["circle", RING])
            ),
            tooltip=common.tooltip(
                ("entity:N", "Company"),
                ("year_label:N", "Year"),
                ("fiscal_year_ends:N", "Year ends"),
                ("value_bn:Q", "US$ billion", ",.1f"),
                ("status:N", "Status"),
                ("publisher:N", "Source"),
                ("figure_id:N", "Figure id"),
            ),
        )
    )
    return alt.layer(lines, points)


def fab_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Fab money as readers see it: year, who, what, amount, kind, status, source."""
    return pd.DataFrame(
        {
            "year": frame["ref_year"].astype(int).astype(str),
            "who": frame["entity"],
            "what": frame["subject"],
            "amount": frame["value"].map(report.usd),
            "kind": frame["kind"],
            "status": frame["status"],
            "source": frame["publisher"],
            "tier": frame["source_tier"],
            "figure": frame["figure_id"],
        }
    ).reset_index(drop=True)


def deals_chart(frame: pd.DataFrame) -> alt.Chart:
    """Each deal's value as a point on a log axis, largest first; what it buys in the tooltip."""
    return (
        alt.Chart(frame)
        .mark_point(size=110, filled=True, opacity=1)
        .encode(
            y=alt.Y("deal:N", title=None, sort=alt.EncodingSortField("value", order="descending")),
            x=alt.X("value:Q", title="US dollars (log scale)", scale=alt.Scale(type="log"), axis=USD_AXIS),
            **common.status_encoding(),
            tooltip=common.tooltip(
                ("deal:N", "Deal"),
                ("value:Q", "USD", "$,.3s"),
                ("what:N", "What"),
                ("buys:N", "Buys"),
                ("status:N", "Status"),
                ("date:N", "Date"),
                ("publisher:N", "Source"),
                ("figure_id:N", "Figure id"),
            ),
        )
        .properties(height=alt.Step(24))
    )


def deals_table(deals: pd.DataFrame) -> pd.DataFrame:
    """The deals as readers see them: value, what, GW, chips, term, status, date, source."""
    return pd.DataFrame(
        {
            "deal": deals["deal"],
            "who": deals["entity"],
            "value": deals["value"].map(lambda v: report.usd(v) if v == v else "no dollar figure"),
            "what": deals["what"],
            "GW": deals["gw"],
            "chips": deals["chips"],
            "term": deals["term"],
            "status": deals["status"],
            "date": deals["ref_date"],
            "source": deals["publisher"],
            "tier": deals["source_tier"],
            "figure": deals["figure_id"],
        }
    ).reset_index(drop=True)


def sums_chart(frame: pd.DataFrame) -> alt.Chart:
    """The sums on one log axis, so $18 billion and $7 trillion can be read together: a point per sum (a bar on a
    log axis would start from zero, which the axis cannot show, and not be drawn)."""
    return (
        alt.Chart(frame)
        .mark_point(size=120, filled=True, opacity=1)
        .encode(
            y=alt.Y("label:N", title=None, sort=alt.EncodingSortField("value", order="descending")),
            x=alt.X("value:Q", title="US dollars (log scale)", scale=alt.Scale(type="log"), axis=USD_AXIS),
            **common.status_encoding(),
            tooltip=common.tooltip(
                ("label:N", "What"),
                ("value:Q", "USD", "$,.3s"),
                ("status:N", "Status"),
                ("original_outlet:N", "Reported by"),
                ("publisher:N", "Read in"),
                ("figure_id:N", "Figure id"),
            ),
        )
        .properties(height=alt.Step(26))
    )


def left_out_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows a chart leaves out, with why: figure, who, date, amount, source tier, reason."""
    return pd.DataFrame(
        {
            "figure": frame["figure_id"],
            "who": frame["entity"],
            "date": frame["ref_date"].fillna("").replace("", "undated"),
            "amount": frame["value"].map(lambda v: report.quantity(v, "USD")),
            "status": frame["status"],
            "tier": frame["source_tier"],
            "why left out": frame["reason"],
        }
    ).reset_index(drop=True)


# --- The chapter's sections ---------------------------------------------------------------------------------------

# Outputs glued under these names are placed in the prose by ```{glue} name``` directives, each where its text
# introduces it: the chapter keeps its five sections within ten cells.
CAPEX_LEFT_OUT_TABLE = "money_capex_left_out_table"
DEALS_LEFT_OUT_TABLE = "money_deals_left_out_table"
SEED_SUMS_CHART = "money_seed_sums_chart"
IMPLIED_CAPEX_TABLE = "money_implied_capex_table"


def _capex(chapter: ChapterContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The hyperscalers' capex per company and year, and TSMC's per year."""
    hyperscalers = money.hyperscaler_capex(queries.capex_rows(chapter.connection, money.HYPERSCALERS))
    return hyperscalers, money.tsmc_capex(queries.capex_rows(chapter.connection, money.FOUNDRY))


def _deals(chapter: ChapterContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The compute deals and the deal rows left out."""
    return money.compute_deals(queries.deal_rows(chapter.connection))


def capex_section(chapter: ChapterContext) -> common.Shown:
    """The hyperscalers' capex: key numbers, the chart and its table (shown), and the rows it leaves out (glued as
    :data:`CAPEX_LEFT_OUT_TABLE`, for the prose that explains them)."""
    capex_years, _ = _capex(chapter)
    all_rows = queries.capex_rows(chapter.connection, money.HYPERSCALERS, view="figures_sourced")
    capex_out = money.capex_left_out(all_rows, capex_years, money.CAPEX_FIRST_YEAR, money.CAPEX_LAST_YEAR)
    last_year = capex_years.loc[capex_years["year"].eq(money.CAPEX_LAST_YEAR)].sort_values("value", ascending=False)
    chapter.glue("capex_company_years", len(capex_years))
    chapter.glue("capex_guidance_years", int(capex_years["guidance"].sum()))
    chapter.glue("capex_companies", capex_years["entity"].nunique())
    chapter.glue("capex_left_out", len(capex_out))
    chapter.glue("capex_left_out_weak", int(capex_out["source_tier"].eq("weak").sum()))
    chapter.glue("capex_2026_top_company", last_year.iloc[0]["entity"])
    chapter.glue("capex_2026_top_usd", report.usd(last_year.iloc[0]["value"]))
    chapter.keys.add(
        "largest_2026_capex_guidance_usd",
        last_year.iloc[0]["value"],
        unit="USD",
        description="Largest capital-expenditure plan for 2026 among Microsoft, Alphabet, Amazon, Meta and Oracle",
        method="maximum of the 2026 capex_years guidance, one row per company (series-eligible sources only)",
        inputs=[last_year.iloc[0]["figure_id"]],
    )
    left_out = chapter.table(
        left_out_table(capex_out),
        "money-capex-left-out",
        "Capex rows of the five companies that the chart does not show, and why.",
        figure_columns=FIGURE,
    )
    chapter.glue(CAPEX_LEFT_OUT_TABLE, left_out)
    plotted = money.capex_plot_frame(capex_years)
    return common.Shown(
        chapter.publish(
            capex_chart(plotted),
            chart_id="money-hyperscaler-capex",
            title="Capital expenditure of the five big cloud companies, per year",
            caption="One figure per company and year: annual totals only, a reported total before guidance. Rings "
            "and dashed lines are guidance or plans, not money spent. Microsoft's fiscal year ends in June and "
            "Oracle's in May (FY2024 = the year to June or May 2024); the others keep the calendar year.",
            source_line="The companies' filings, releases and earnings calls, as read in the sources of the table "
            "below",
            description=f"Line and point chart of capital expenditure by year for {capex_years['entity'].nunique()} "
            f"companies, {len(capex_years)} company-years, in US$ billion; guidance drawn as rings.",
            data=plotted,
        ),
        chapter.table(
            capex_table(capex_years),
            "money-capex",
            "Capex per company and year as plotted: the year ends in the month given (fiscal years for Microsoft and "
            "Oracle); status 'announced plan' or 'projection' is guidance. The quotes are in the last table of the "
            "chapter.",
            figure_columns=FIGURE,
        ),
    )


def tsmc_and_fabs(chapter: ChapterContext) -> common.Shown:
    """TSMC's capex per year (chart) and the money for fabs (table)."""
    _, tsmc = _capex(chapter)
    chapter.glue("tsmc_years", len(tsmc))
    chapter.glue("tsmc_last_year", int(tsmc["year"].max()))
    chapter.glue("tsmc_last_usd", report.usd(tsmc.iloc[-1]["value"]))
    chapter.glue("tsmc_last_status", tsmc.iloc[-1]["status"])
    chapter.keys.add(
        "tsmc_capex_last_year_usd",
        tsmc.iloc[-1]["value"],
        unit="USD",
        description="TSMC capital expenditure for the last year in the ledger (guidance when not yet reported)",
        method="one row per year: a reported total before guidance (series-eligible sources only)",
        inputs=[tsmc.iloc[-1]["figure_id"]],
    )
    fabs = money.choose_fab_investments(queries.fab_rows(chapter.connection, money.FAB_METRICS))
    chapter.glue("fab_rows", len(fabs))
    chapter.glue("fab_largest_usd", report.usd(fabs["value"].max()))
    chapter.glue("fab_largest_who", fabs.loc[fabs["value"].idxmax(), "entity"])
    plotted = money.capex_plot_frame(tsmc)
    return common.Shown(
        chapter.publish(
            capex_chart(plotted, title_x="Year"),
            chart_id="money-tsmc-capex",
            title="TSMC capital expenditure per year",
            caption="Reported totals as points; guidance as rings (the guidance of a year whose actual the ledger "
            "lacks on an eligible source). TSMC's year is the calendar year.",
            source_line="TSMC's results and guidance as reported by Reuters, Bloomberg and the Taiwanese press",
            description=f"Line and point chart of TSMC capital expenditure for {len(tsmc)} years, in US$ billion.",
            data=plotted,
        ),
        chapter.table(
            fab_table(fabs),
            "money-fab-investments",
            "Fab investments announced by chip makers (company plan) and the public money for fabs (public money), "
            "by year: one row per quantity, the preferred one where sources differ.",
            figure_columns=FIGURE,
        ),
    )


def deals_section(chapter: ChapterContext) -> common.Shown:
    """The largest compute deals: key number, the chart and the table of every deal (shown), and the rows left out
    (glued as :data:`DEALS_LEFT_OUT_TABLE`)."""
    deals, deals_out = _deals(chapter)
    shown = money.deals_plot_frame(deals)
    chapter.glue(
        DEALS_LEFT_OUT_TABLE,
        chapter.table(
            left_out_table(deals_out), "money-deals-left-out", "Deal rows not plotted, and why.", figure_columns=FIGURE
        ),
    )
    chapter.glue("deals_with_value", len(shown))
    chapter.glue("deals_capacity_only", int(deals["value"].isna().sum()))
    chapter.glue("deal_first_year", money.DEAL_FIRST_YEAR)
    chapter.glue("deal_last_year", money.DEAL_LAST_YEAR)
    chapter.glue("largest_deal", shown.iloc[0]["deal"])
    chapter.glue("largest_deal_usd", report.usd(shown.iloc[0]["value"]))
    chapter.keys.add(
        "largest_compute_deal_usd",
        shown.iloc[0]["value"],
        unit="USD",
        description="Largest dollar value of one compute deal dated 2024-2026 in the ledger (a plan, not money spent)",
        method="largest 'investment' figure per deal-named row group, then the largest deal",
        inputs=[shown.iloc[0]["figure_id"]],
    )
    return common.Shown(
        chapter.publish(
            deals_chart(shown),
            chart_id="money-compute-deals",
            title="The largest compute deals, by stated value",
            caption="One point per deal: its largest dollar figure, on a log axis. Most are plans or ceilings ('up "
            "to'), several spread over five years or more; hover a point for what the deal buys (gigawatts, chips, "
            "term).",
            source_line="Company announcements and press reports (Bloomberg, Reuters, WSJ and others) in the table "
            "below",
            description=f"Log-scale dot chart of {len(shown)} compute deals, from "
            f"{report.usd(shown['value'].min())} to {report.usd(shown['value'].max())}.",
            data=shown,
        ),
        chapter.table(
            deals_table(deals),
            "money-deals",
            "Compute deals, largest first: value, what the deal buys (the largest capacity in GW and chip count the "
            "ledger gives for the same deal) and its term as the source words it. Deals with no dollar figure come "
            "last.",
            figure_columns=FIGURE,
        ),
    )


def _sums(chapter: ChapterContext) -> pd.DataFrame:
    return money.seed_sums(queries.figures_by_id(chapter.connection, [i for i, _ in money.SEED_SUMS]))


def seed_sums_chart(chapter: ChapterContext) -> charts.PublishedChart:
    """The seeds' sums on one log axis, and the share SoftBank's Izanagi is of Altman's venture."""
    sums = _sums(chapter)
    by_id = sums.set_index("figure_id")["value"]
    chapter.glue("largest_sum_usd", report.usd(sums["value"].max()))
    chapter.glue("izanagi_share_pct", 100 * by_id[money.IZANAGI_ID] / by_id[money.ALTMAN_VENTURE_ID])
    return chapter.publish(
        sums_chart(sums),
        chart_id="money-seed-sums",
        title="Sums in the seed articles, on one log axis",
        caption="Sought, planned and spent sums are different things: colour and shape give the status of each figure.",
        source_line="The seed articles and the outlets they relay (WSJ, Bloomberg, Dealroom); figure ids in the CSV",
        description=f"Log-scale dot chart of {len(sums)} sums, from {report.usd(sums['value'].min())} to "
        f"{report.usd(sums['value'].max())}.",
        data=sums[["figure_id", "label", "value", "status", "original_outlet", "publisher"]],
    )


def seeds_section(chapter: ChapterContext) -> common.Shown:
    """The seeds' sums (their chart glued as :data:`SEED_SUMS_CHART`), the GPU spending implied by the seeds' counts
    (its table glued as :data:`IMPLIED_CAPEX_TABLE`), and the quote tables that close the chapter (shown)."""
    chapter.glue(SEED_SUMS_CHART, seed_sums_chart(chapter))
    chapter.glue(IMPLIED_CAPEX_TABLE, implied_spending(chapter))
    return quote_tables(chapter)


def implied_spending(chapter: ChapterContext):
    """Accelerators × the run's unit price for the seeds' counts: key numbers and the table."""
    price = chapter.parameters.gpu_unit_price_usd
    rows = queries.figures_by_id(chapter.connection, (money.MUSK_GPUS_ID, money.META_CHIPS_ID))
    capex = money.implied_gpu_capex(rows, price)
    musk, meta = capex.iloc[0], capex.iloc[1]
    chapter.glue("unit_price_usd", report.usd(price))
    chapter.glue("musk_capex_usd", report.usd(musk["capex_usd"]))
    chapter.keys.add(
        "musk_gpu_spend_usd",
        musk["capex_usd"],
        unit="USD",
        description="Chips-only cost of the 100,000 GPUs planned by Elon Musk for 2025, at the run's unit price",
        method="accelerators × gpu_unit_price_usd",
        checked=[musk["figure_id"]],
    )
    chapter.glue("meta_capex_usd", report.usd(meta["capex_usd"]))
    chapter.keys.add(
        "meta_gpu_spend_usd",
        meta["capex_usd"],
        unit="USD",
        description="Chips-only cost of Meta's ~600,000 chips planned for end-2024, at the run's unit price",
        method="accelerators × gpu_unit_price_usd",
        checked=[meta["figure_id"]],
    )
    shown = capex.assign(capex=capex["capex_usd"].map(report.usd), price=capex["unit_price_usd"].map(report.usd))
    return chapter.table(
        shown[["figure_id", "subject", "accelerators", "status", "price", "capex"]],
        "money-implied-capex",
        "Accelerators × unit price (parameter gpu_unit_price_usd): chips only, no buildings, power or networking.",
        figure_columns=("figure_id",),
    )


def quote_tables(chapter: ChapterContext) -> common.Shown:
    """The quotes and sources of the seeds' sums and of the figures of the capex, TSMC and deals charts."""
    capex_years, tsmc = _capex(chapter)
    deals, _ = _deals(chapter)
    plotted = money.plotted_figures(capex_years, tsmc, money.deals_plot_frame(deals), deals)
    return common.Shown(
        chapter.table(
            report.source_table(_sums(chapter)),
            "money-seed-figures",
            "The seeds' sums with their quotes (French, as stated) and sources.",
            figure_columns=FIGURE,
        ),
        chapter.table(
            report.source_table(plotted),
            "money-plotted-figures",
            "The figures of the capex, TSMC and deals charts with their quotes and sources.",
            figure_columns=FIGURE,
        ),
    )
