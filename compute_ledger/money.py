"""Money: hyperscaler and TSMC capex per year, fab investments, the largest compute deals, the seeds' sums side by
side, and the GPU capex the ledger's counts imply at a given unit price.

Pure functions: they take the frames of ``queries.py`` and return frames (the charts and tables are in
``views/money.py``). Every series here reads the ``series_eligible`` view, so no row on a weak source ever feeds one.
"""

from __future__ import annotations

import re

import pandas as pd

from compute_ledger import metadata

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
ALTMAN_VENTURE_ID = "seed-002-altman-7000-billion-fundraising"
IZANAGI_ID = "seed-002-softbank-izanagi-100-billion"
META_CHIPS_ID = "seed-002-meta-600000-chips-end-2024"
MUSK_GPUS_ID = "seed-004-musk-100000-gpus-planned"


# --- capex --------------------------------------------------------------------------------------------------------

HYPERSCALERS = ("Microsoft", "Alphabet", "Amazon", "Meta", "Oracle")
CAPEX_FIRST_YEAR, CAPEX_LAST_YEAR = 2019, 2026
# The month each company's fiscal year ends; a fiscal year is named after the calendar year it ends in (Microsoft's
# FY2024 runs July 2023 to June 2024). Companies not listed keep the calendar year.
FISCAL_YEAR_ENDS = {"Microsoft": "June", "Oracle": "May"}
# Which row of a company-year to show: a reported total before an estimate, an estimate before guidance (a plan or
# the company's own projection, shown hollow).
STATUS_RANK = {status: rank for rank, status in enumerate(metadata.RECORD_STATUSES)} | {
    status: len(metadata.RECORD_STATUSES) for status in metadata.PLANNED_STATUSES
}
TIER_RANK = {tier: rank for rank, tier in enumerate(metadata.TIERS)}
# A quarter named in the subject ("capex in Q3 2024", "in fiscal Q1 2026"), not one merely mentioned ("after Q3").
_QUARTER = re.compile(r"\bin (?:fiscal )?Q[1-4]\b")
_MONTHS = "January February March April May June July August September October November December".split()
_MONTH_YEAR = re.compile(r"\b(" + "|".join(_MONTHS) + r") (\d{4})\b")
_MID_YEAR = re.compile(r"\bmid-(\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}(?:-\d{2})?)\b")


def is_annual(rows: pd.DataFrame) -> pd.Series:
    """A whole year's total: dated to a year alone (not a month, as quarters are) and not named a quarter."""
    return rows["ref_date"].fillna("").str.fullmatch(r"\d{4}") & ~rows["subject"].fillna("").str.contains(_QUARTER)


def guidance_date(row: pd.Series) -> str:
    """When a figure was stated, as a sortable ISO text: the source's date, else a date the ledger gives in
    ``ref_date_note`` or the subject ("guidance given 2023-01-12", "(February 2023)", "(mid-2023)"); else ""."""
    if row.get("date_published"):
        return str(row["date_published"])
    text = f"{row.get('ref_date_note') or ''} {row.get('subject') or ''}"
    if found := _ISO_DATE.search(text):
        return found.group(1)
    if found := _MONTH_YEAR.search(text):
        return f"{found.group(2)}-{_MONTHS.index(found.group(1)) + 1:02d}"
    if found := _MID_YEAR.search(text):
        return f"{found.group(1)}-06"
    return ""


def _preferred_rank(preferred: pd.Series) -> pd.Series:
    """0 for a preferred row, 2 for a row its quantity_id group does not prefer, 1 for a row outside any group."""
    flags = preferred.astype("object")
    return flags.map(lambda v: 0 if v is True else 2 if v is False else 1).astype(int)


def choose_annual_capex(rows: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """One row per company and fiscal year, from series-eligible capex rows.

    Annual totals only; a reported figure before an estimate before guidance; within a quantity_id group the
    preferred row; then the more recent guidance (the one nearest the outcome); then the stronger source tier.
    Adds ``year``, ``fiscal_year_ends`` and ``guidance`` (True for a plan or a company's projection).
    """
    if rows["source_tier"].eq("weak").any():
        raise ValueError("weak-tier rows never feed a series: read capex rows from series_eligible")
    frame = rows.loc[is_annual(rows)].copy()
    frame["year"] = frame["ref_date"].str[:4].astype(int)
    frame = frame.loc[frame["year"].between(first_year, last_year)]
    frame["guidance"] = frame["status"].isin(metadata.PLANNED_STATUSES)
    order = pd.DataFrame(
        {
            "status": frame["status"].map(STATUS_RANK),
            "preferred": _preferred_rank(frame["preferred"]),
            "guidance_date": frame.apply(guidance_date, axis=1).where(frame["guidance"], ""),
            "tier": frame["source_tier"].map(TIER_RANK),
            "published": frame["date_published"].fillna(""),
        },
        index=frame.index,
    )
    ranked = frame.join(order.add_prefix("_rank_")).sort_values(
        ["entity", "year", "_rank_status", "_rank_preferred", "_rank_guidance_date", "_rank_tier", "_rank_published"],
        ascending=[True, True, True, True, False, True, False],
        kind="stable",
    )
    chosen = ranked.groupby(["entity", "year"], sort=True).head(1)
    chosen = chosen.drop(columns=[c for c in chosen.columns if c.startswith("_rank_")])
    chosen["fiscal_year_ends"] = chosen["entity"].map(FISCAL_YEAR_ENDS).fillna("December")
    return chosen.reset_index(drop=True)


def capex_left_out(all_rows: pd.DataFrame, chosen: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """The capex rows of ``all_rows`` (read from figures_sourced) not plotted, each with why."""
    kept = set(chosen["figure_id"])
    by_year = chosen.assign(key=chosen["entity"] + " " + chosen["year"].astype(str)).set_index("key")["figure_id"]
    out = all_rows.loc[~all_rows["figure_id"].isin(kept)].copy()
    year = out["ref_date"].fillna("").str[:4]
    key = out["entity"] + " " + year
    annual = is_annual(out)
    in_range = pd.to_numeric(year, errors="coerce").between(first_year, last_year)
    reasons = pd.Series("", index=out.index)
    reasons = reasons.mask(out["source_tier"].eq("weak"), "weak source: never in a series")
    reasons = reasons.mask(reasons.eq("") & ~annual, "a quarter, not an annual total")
    reasons = reasons.mask(reasons.eq("") & ~in_range, f"outside {first_year}–{last_year}")
    reasons = reasons.mask(
        reasons.eq(""), "another row shown for this year: " + key.map(by_year).fillna("none").astype(str)
    )
    out["reason"] = reasons
    return out.reset_index(drop=True)


def hyperscaler_capex(rows: pd.DataFrame) -> pd.DataFrame:
    """The hyperscalers' capex (``rows``: their capex rows, ``queries.capex_rows`` of :data:`HYPERSCALERS`), one
    row per company and fiscal year, 2019–2026."""
    return choose_annual_capex(rows, CAPEX_FIRST_YEAR, CAPEX_LAST_YEAR)


def years_by_company(chosen: pd.DataFrame) -> pd.DataFrame:
    """For each company: its years shown, as a range text, and how many of them are guidance."""
    grouped = chosen.groupby("entity")
    return pd.DataFrame(
        {
            "company": list(grouped.groups),
            "years": [", ".join(str(y) for y in group["year"]) for _, group in grouped],
            "shown": grouped.size().to_numpy(),
            "guidance": grouped["guidance"].sum().to_numpy(),
        }
    )


def _short_year_label(chosen: pd.DataFrame) -> pd.Series:
    fiscal = chosen["entity"].isin(list(FISCAL_YEAR_ENDS))
    return ("FY" + chosen["year"].astype(str)).where(fiscal, chosen["year"].astype(str))


def capex_plot_frame(chosen: pd.DataFrame) -> pd.DataFrame:
    """What the capex chart plots (and its CSV holds), by company and year."""
    frame = chosen[["figure_id", "entity", "year", "fiscal_year_ends", "value", "status", "guidance", "publisher"]]
    frame = frame.sort_values(["entity", "year"], kind="stable").reset_index(drop=True)
    return frame.assign(
        value_bn=frame["value"] / 1e9,
        year_label=_short_year_label(frame),
        kind=frame["guidance"].map({True: GUIDANCE_LABEL, False: "reported"}),
    )


def capex_segments(frame: pd.DataFrame) -> pd.DataFrame:
    """The lines between a company's consecutive years (never across a year the ledger lacks): two rows per
    segment; ``dashed`` when either end is guidance."""
    ordered = frame.sort_values(["entity", "year"], kind="stable").reset_index(drop=True)
    following = ordered.groupby("entity").shift(-1)
    starts = ordered.loc[following["year"].sub(ordered["year"]).eq(1)]
    ends = following.loc[starts.index].assign(entity=starts["entity"])
    dashed = starts["guidance"].to_numpy() | ends["guidance"].astype(bool).to_numpy()
    segment = starts["entity"] + " " + starts["year"].astype(str)
    columns = ["entity", "year", "value_bn"]
    return pd.concat(
        [
            starts[columns].assign(segment=segment.to_numpy(), dashed=dashed),
            ends[columns].assign(segment=segment.to_numpy(), dashed=dashed, year=ends["year"].astype(int)),
        ],
        ignore_index=True,
    ).sort_values(["segment", "year"], kind="stable", ignore_index=True)


GUIDANCE_LABEL = "guidance or plan"


# --- TSMC and fabs --------------------------------------------------------------------------------------------------

FOUNDRY = ("TSMC",)
# Fab money: the companies' fab plans and the public money for fabs (CHIPS Acts, Japan's Rapidus subsidy, China's
# Big Fund), by the entity's name.
FAB_ENTITY = r"TSMC|Intel|Samsung|CHIPS|Chips Act|Rapidus|Big Fund"
FAB_METRICS = ("investment", "public_funding")


def tsmc_capex(rows: pd.DataFrame) -> pd.DataFrame:
    """TSMC's capex (``rows``: ``queries.capex_rows`` of :data:`FOUNDRY`), one row per year, chosen as for the
    hyperscalers."""
    return choose_annual_capex(rows, CAPEX_FIRST_YEAR, CAPEX_LAST_YEAR)


def choose_fab_investments(rows: pd.DataFrame) -> pd.DataFrame:
    """Fab investments and fab subsidies with a date, one row per quantity (the preferred one), by year."""
    if rows["source_tier"].eq("weak").any():
        raise ValueError("weak-tier rows never feed a series: read fab rows from series_eligible")
    frame = rows.loc[
        rows["metric"].isin(FAB_METRICS)
        & rows["entity"].str.contains(FAB_ENTITY, regex=True)
        & rows["ref_year"].notna()
        & _preferred_rank(rows["preferred"]).ne(2)
    ].copy()
    frame["kind"] = frame["metric"].map({"investment": "company plan", "public_funding": "public money"})
    return frame.sort_values(["ref_date", "figure_id"], kind="stable").reset_index(drop=True)


# --- compute deals --------------------------------------------------------------------------------------------------

DEAL_FIRST_YEAR, DEAL_LAST_YEAR = 2024, 2026
# The ledger names a deal in the subject: "deal: <name> — <what>".
_DEAL = re.compile(r"^deal:\s*(?P<name>.+?)\s+—\s+(?P<what>.+)$")
# Deal-named rows that are not one compute deal.
NOT_A_DEAL = {
    "Oracle RPO": "a contract backlog (many contracts), not one deal",
    "Meta US investment pledge": "a pledge for all US infrastructure and jobs, not a compute purchase",
    "Broadcom-OpenAI context": "the capacity OpenAI already had, not a deal",
}
# The deal's term as the subject words it: "seven-year", "over five years", "through December 2031", "from 2027".
_TERM = re.compile(
    r"\b(?:\w+-year|over (?:the next )?\w+ years|next \w+ years|through (?:[A-Z][a-z]+ )?\d{4}|from \d{4}|by \d{4})"
)


def _in_years(years: pd.Series, first_year: int, last_year: int) -> pd.Series:
    """True for a year in the range; False for one outside it and for a missing year (never NA)."""
    return pd.to_numeric(years, errors="coerce").between(first_year, last_year).fillna(False).astype(bool)


def deal_parts(subject: str) -> tuple[str, str]:
    """(name, what) of a deal-named subject; ("", "") for any other subject."""
    found = _DEAL.match(subject or "")
    return (found.group("name"), found.group("what")) if found else ("", "")


def deal_term(text: str) -> str:
    """The term words of a deal's subject, joined by ', ' ("over five years, from 2027"); "" when none."""
    return ", ".join(_TERM.findall(text or ""))


def summarise_deals(rows: pd.DataFrame, first_year: int, last_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per compute deal of ``first_year``–``last_year`` from series-eligible deal-named rows, and the rows
    left out with why.

    A deal's value is its largest dollar figure (metric ``investment``) dated in the years; what it buys is the
    largest capacity (GW) and chip count the ledger gives for the same deal. Deals with capacity but no dollar
    figure are kept, with an empty value.
    """
    if rows["source_tier"].eq("weak").any():
        raise ValueError("weak-tier rows never feed a series: read deal rows from series_eligible")
    parts = rows["subject"].map(deal_parts)
    frame = rows.assign(deal=parts.str[0], what=parts.str[1])
    frame = frame.loc[frame["deal"].ne("")]
    left = []
    not_deal = frame["deal"].isin(list(NOT_A_DEAL))
    left.append(frame.loc[not_deal].assign(reason=frame.loc[not_deal, "deal"].map(NOT_A_DEAL)))
    frame = frame.loc[~not_deal]
    dollars = frame.loc[frame["metric"].eq("investment")]
    dated = _in_years(dollars["ref_year"], first_year, last_year)
    left.append(dollars.loc[~dated].assign(reason=f"undated or outside {first_year}–{last_year}"))
    dollars = dollars.loc[dated].sort_values(["deal", "value", "figure_id"], ascending=[True, False, True])
    headline = dollars.groupby("deal").head(1)
    smaller = dollars.loc[~dollars.index.isin(headline.index)]
    left.append(smaller.assign(reason="a smaller dollar figure of the same deal"))
    gw = frame.loc[frame["metric"].eq("data_centre_power") & frame["unit"].eq("MW")].groupby("deal")["value"].max()
    chips = frame.loc[frame["metric"].eq("accelerator_count")].groupby("deal")["value"].max()
    capacity_only = sorted((set(gw.index) | set(chips.index)) - set(dollars["deal"]) - set(left[1]["deal"]))
    capacity_rows = frame.loc[
        frame["deal"].isin(capacity_only) & frame["metric"].isin(["data_centre_power", "accelerator_count"])
    ]
    capacity_rows = capacity_rows.loc[_in_years(capacity_rows["ref_year"], first_year, last_year)]
    # A deal known only by its capacity is dated by its first row (the announcement).
    capacity_first = capacity_rows.sort_values(["deal", "ref_date", "figure_id"], kind="stable").groupby("deal").head(1)
    deals = pd.concat([headline, capacity_first.assign(value=float("nan"))], ignore_index=True)
    deals = deals.assign(
        gw=deals["deal"].map(gw) / 1000,
        chips=deals["deal"].map(chips),
        term=deals["subject"].map(deal_term),
    )
    deals = deals.sort_values(["value", "deal"], ascending=[False, True], na_position="last", kind="stable")
    return deals.reset_index(drop=True), pd.concat(left, ignore_index=True)


def compute_deals(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The compute deals of 2024–2026 and the deal rows left out (``rows``: ``queries.deal_rows``; see
    ``summarise_deals``)."""
    return summarise_deals(rows, DEAL_FIRST_YEAR, DEAL_LAST_YEAR)


def _buys(deals: pd.DataFrame) -> pd.Series:
    gw = deals["gw"].map(lambda v: f"{v:,.3g} GW" if v == v else "")
    chips = deals["chips"].map(lambda v: f"{v:,.0f} chips" if v == v else "")
    parts = pd.concat([gw, chips, deals["term"].fillna("")], axis=1)
    return parts.apply(lambda row: "; ".join(p for p in row if p), axis=1)


def deals_plot_frame(deals: pd.DataFrame) -> pd.DataFrame:
    """The deals with a dollar value, as the chart plots them."""
    shown = deals.loc[deals["value"].notna()]
    return pd.DataFrame(
        {
            "figure_id": shown["figure_id"],
            "deal": shown["deal"],
            "value": shown["value"],
            "status": shown["status"],
            "what": shown["what"],
            "buys": _buys(shown).replace("", "not stated"),
            "date": shown["ref_date"],
            "publisher": shown["publisher"],
        }
    ).reset_index(drop=True)


# --- the seeds' sums ------------------------------------------------------------------------------------------------


def seed_sums(rows: pd.DataFrame) -> pd.DataFrame:
    """The seeds' sums (the rows of :data:`SEED_SUMS`), labelled, largest first."""
    frame = rows.assign(label=rows["figure_id"].map(dict(SEED_SUMS)))
    return frame.sort_values("value", ascending=False).reset_index(drop=True)


def implied_gpu_capex(rows: pd.DataFrame, unit_price_usd: float) -> pd.DataFrame:
    """Accelerators × unit price for the seeds' fleet and cluster counts (``rows``: those of :data:`MUSK_GPUS_ID`
    and :data:`META_CHIPS_ID`, in that order): computed, at the run's price."""
    frame = rows[["figure_id", "subject", "value", "status"]].rename(columns={"value": "accelerators"})
    frame["unit_price_usd"] = unit_price_usd
    frame["capex_usd"] = frame["accelerators"] * unit_price_usd
    return frame


def plotted_figures(capex: pd.DataFrame, tsmc: pd.DataFrame, deals_shown: pd.DataFrame, deals: pd.DataFrame):
    """The ledger rows behind the capex, TSMC and deals charts, in that order (for their quotes and sources)."""
    plotted_deals = deals.loc[deals["figure_id"].isin(deals_shown["figure_id"])]
    return pd.concat([capex, tsmc, plotted_deals], ignore_index=True)
