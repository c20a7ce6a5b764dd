"""Tests for compute_ledger.money on a synthetic ledger built with the project's own database.build_database: one
capex row per company-year, quarters and weak rows out, guidance marked, deals summarised with what they buy."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from compute_ledger import database, money, queries, schema
from compute_ledger.views import money as money_views

STRONG, WEAK, RECORD = "synthetic-primary", "synthetic-weak", "synthetic-record"


def source(source_id: str, tier: str, date: str = "") -> dict[str, str]:
    row = {column: "" for column in schema.SOURCE_COLUMNS}
    row.update(
        {
            "source_id": source_id,
            "title": f"Synthetic source {source_id}",
            "publisher": f"Publisher {source_id}",
            "url": f"https://example.org/{source_id}",
            "language": "en",
            "tier": tier,
            "accessed": "2026-12-05",
            "licence": "CC BY 4.0",
            "date_published": date,
        }
    )
    return row


def figure(figure_id: str, entity: str, ref_date: str, value: float, **fields: str) -> dict[str, str]:
    """A reported capex row of ``entity`` on the primary source by default."""
    row = {column: "" for column in schema.FIGURE_COLUMNS}
    row.update(
        {
            "figure_id": figure_id,
            "category": "money",
            "metric": "capital_expenditure",
            "entity": entity,
            "subject": f"{entity} capital expenditure in {ref_date}",
            "scope": "company",
            "ref_date": ref_date,
            "value": f"{value:.6g}",
            "unit": "USD",
            "unit_detail": "nominal USD",
            "status": "reported",
            "confidence": "high",
            "source_id": STRONG,
            "quote": "a synthetic quote",
            "quote_en": "a synthetic quote",
        }
    )
    row.update(fields)
    return row


def deal(figure_id: str, subject: str, metric: str, value: float, ref_date: str = "2025-09", **fields: str) -> dict:
    unit = {"investment": "USD", "data_centre_power": "MW", "accelerator_count": "accelerators"}[metric]
    extra = {"unit_detail": "capacity (measure not stated)", "power_measure": "unspecified"} if unit == "MW" else {}
    extra |= {"unit_detail": ""} if unit == "accelerators" else {}
    row = figure(figure_id, "Synthetic deal", ref_date, value, metric=metric, unit=unit, subject=subject, **extra)
    row.update({"status": "announced plan", "scope": "company" if unit == "USD" else "pipeline"})
    row.update(fields)
    return row


def capex_ledger() -> list[dict[str, str]]:
    return [
        # Microsoft FY2022: two rows of one quantity, the preferred one on the weaker tier.
        figure(
            "msft-fy2022-preferred",
            "Microsoft",
            "2022",
            23.9e9,
            quantity_id="msft-fy2022",
            preferred="true",
            source_id=RECORD,
        ),
        figure("msft-fy2022-other", "Microsoft", "2022", 24.8e9, quantity_id="msft-fy2022", preferred="false"),
        # Microsoft FY2024 only on a weak source: never shown.
        figure("msft-fy2024-weak", "Microsoft", "2024", 44.5e9, source_id=WEAK, confidence="low"),
        # A quarter dated to its month, and a quarter named in the subject: never an annual total.
        figure("msft-q1-fy2026", "Microsoft", "2025-09", 34.9e9),
        figure("meta-q3-2024", "Meta", "2024", 9.2e9, subject="Meta capital expenditure in Q3 2024"),
        # Meta 2024: a reported total and two guidance rows; the reported one wins.
        figure("meta-2024-actual", "Meta", "2024", 39.2e9),
        figure(
            "meta-2024-guidance-feb",
            "Meta",
            "2024",
            33.5e9,
            status="announced plan",
            subject="Meta capex guidance for 2024 (February 2024)",
        ),
        figure(
            "meta-2024-guidance-oct",
            "Meta",
            "2024",
            39.0e9,
            status="announced plan",
            subject="Meta capex guidance for 2024 (October 2024)",
        ),
        # Meta 2023: the actual is weak, so the latest guidance stands in for it, marked as guidance.
        figure("meta-2023-actual-weak", "Meta", "2023", 28.1e9, source_id=WEAK, confidence="low"),
        figure(
            "meta-2023-guidance-feb",
            "Meta",
            "2023",
            31.5e9,
            status="announced plan",
            subject="Meta capex guidance for 2023 (February 2023)",
        ),
        figure(
            "meta-2023-guidance-mid",
            "Meta",
            "2023",
            28.5e9,
            status="announced plan",
            subject="Meta capex guidance for 2023 (mid-2023)",
        ),
        # Meta 2026 guidance, and a year outside the range.
        figure("meta-2026-guidance", "Meta", "2026", 125e9, status="announced plan"),
        figure("meta-2015", "Meta", "2015", 2.5e9),
        # Oracle: its own projection for a fiscal year is guidance too.
        figure("oracle-fy2025", "Oracle", "2025", 21.2e9),
        figure("oracle-fy2026", "Oracle", "2026", 25e9, status="projection"),
        # Another metric of a hyperscaler: not capex.
        figure("msft-ai-dc-2025", "Microsoft", "2025", 80e9, metric="investment", status="announced plan"),
    ]


def deal_rows() -> list[dict[str, str]]:
    return [
        deal("big-100b", "deal: Big-Lab — investment tied to 10 GW over five years", "investment", 100e9),
        deal("big-10gw", "deal: Big-Lab — capacity to be built", "data_centre_power", 10_000),
        deal("big-1gw", "deal: Big-Lab — first gigawatt", "data_centre_power", 1_000, ref_date="2026"),
        deal("big-50b", "deal: Big-Lab — a smaller part", "investment", 50e9),
        deal("cloud-38b", "deal: Cloud-Lab — seven-year cloud capacity", "investment", 38e9, ref_date="2025-11-03"),
        deal(
            "chips-only",
            "deal: Chip-Lab — accelerators to be supplied",
            "accelerator_count",
            1_000_000,
            ref_date="2025-10-23",
            chip="h100",
        ),
        deal("weak-deal", "deal: Weak-Lab — a reposted sum", "investment", 900e9, source_id=WEAK, confidence="low"),
        deal("old-deal", "deal: Old-Lab — a 2023 deal", "investment", 10e9, ref_date="2023-05"),
        deal("undated", "deal: Aim-Lab — total it aims at", "investment", 1.4e12, ref_date=""),
        deal("backlog", "deal: Oracle RPO — contract backlog", "investment", 455e9),
    ]


def build(folder: Path, figures: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    h100 = {"chip_id": "h100", "vendor": "NVIDIA", "model": "H100 SXM", "year": "2022", "dense_16bit_tflops": "989"}
    h100 |= {"tdp_w": "700", "source_id": STRONG, "tflops_quote": "synthetic", "tdp_source_id": "", "tdp_quote": "x"}
    sources = [source(STRONG, "primary"), source(WEAK, "weak"), source(RECORD, "record")]
    for path, columns, rows in (
        (folder / "sources.csv", schema.SOURCE_COLUMNS, sources),
        (folder / "figures.csv", schema.FIGURE_COLUMNS, figures),
        (folder / "chips.csv", schema.CHIP_COLUMNS, [h100 | {"note": ""}]),
        (folder / "systems.csv", schema.SYSTEM_COLUMNS, []),
    ):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    ledger = schema.validate(folder / "sources.csv", folder / "figures.csv")
    database.build_database(ledger, folder / "ledger.duckdb")
    return folder / "ledger.duckdb"


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with database.connect_read_only(build(tmp_path, capex_ledger() + deal_rows())) as opened:
        yield opened


def test_one_capex_row_per_company_year_chosen_by_the_rules(connection) -> None:
    chosen = money.hyperscaler_capex(queries.capex_rows(connection, money.HYPERSCALERS))
    picked = dict(zip(chosen["entity"] + " " + chosen["year"].astype(str), chosen["figure_id"], strict=True))
    assert picked == {
        "Meta 2023": "meta-2023-guidance-mid",  # latest guidance where the actual is only weak
        "Meta 2024": "meta-2024-actual",  # reported before guidance
        "Meta 2026": "meta-2026-guidance",
        "Microsoft 2022": "msft-fy2022-preferred",  # preferred within its quantity_id group, over a stronger tier
        "Oracle 2025": "oracle-fy2025",
        "Oracle 2026": "oracle-fy2026",
    }
    assert not chosen.duplicated(["entity", "year"]).any()


def test_quarters_weak_rows_and_other_metrics_never_in_the_series(connection) -> None:
    chosen = set(money.hyperscaler_capex(queries.capex_rows(connection, money.HYPERSCALERS))["figure_id"])
    assert not chosen & {"msft-q1-fy2026", "meta-q3-2024", "msft-fy2024-weak", "meta-2023-actual-weak"}
    assert "msft-ai-dc-2025" not in chosen and "meta-2015" not in chosen
    with pytest.raises(ValueError, match="weak"):
        money.choose_annual_capex(
            queries.capex_rows(connection, money.HYPERSCALERS, view="figures_sourced"), 2019, 2026
        )


def test_guidance_is_marked_and_fiscal_years_named(connection) -> None:
    chosen = money.hyperscaler_capex(queries.capex_rows(connection, money.HYPERSCALERS)).set_index("figure_id")
    assert chosen.loc["meta-2026-guidance", "guidance"] and chosen.loc["oracle-fy2026", "guidance"]
    assert chosen.loc["meta-2023-guidance-mid", "guidance"] and not chosen.loc["meta-2024-actual", "guidance"]
    assert chosen.loc["msft-fy2022-preferred", "fiscal_year_ends"] == "June"
    assert chosen.loc["oracle-fy2025", "fiscal_year_ends"] == "May"
    assert chosen.loc["meta-2024-actual", "fiscal_year_ends"] == "December"
    plotted = money.capex_plot_frame(chosen.reset_index()).set_index("figure_id")
    assert plotted.loc["meta-2026-guidance", "kind"] == money.GUIDANCE_LABEL
    assert plotted.loc["msft-fy2022-preferred", "year_label"] == "FY2022"
    spec = money_views.capex_chart(plotted.reset_index()).to_dict()
    shape = spec["layer"][1]["encoding"]["shape"]
    assert shape["scale"]["domain"] == ["reported", money.GUIDANCE_LABEL]
    assert shape["scale"]["range"] == ["circle", money_views.RING]


def test_every_left_out_row_says_why(connection) -> None:
    chosen = money.hyperscaler_capex(queries.capex_rows(connection, money.HYPERSCALERS))
    every = queries.capex_rows(connection, money.HYPERSCALERS, view="figures_sourced")
    out = money.capex_left_out(every, chosen, 2019, 2026).set_index("figure_id")["reason"]
    assert set(out.index) | set(chosen["figure_id"]) == set(every["figure_id"])
    assert out["msft-fy2024-weak"].startswith("weak source")
    assert out["msft-q1-fy2026"].startswith("a quarter") and out["meta-q3-2024"].startswith("a quarter")
    assert out["meta-2015"] == "outside 2019–2026"
    assert out["meta-2024-guidance-oct"].endswith("meta-2024-actual")


def test_segments_join_consecutive_years_only_and_dash_into_guidance() -> None:
    frame = pd.DataFrame(
        {
            "entity": ["A"] * 4,
            "year": [2019, 2022, 2023, 2024],
            "value_bn": [1.0, 2.0, 3.0, 4.0],
            "guidance": [False, False, False, True],
        }
    )
    segments = money.capex_segments(frame)
    assert sorted(segments["segment"].unique()) == ["A 2022", "A 2023"]  # none across 2019-2022
    dashed = segments.groupby("segment")["dashed"].first()
    assert not dashed["A 2022"] and dashed["A 2023"]


def test_deals_headline_value_what_it_buys_and_left_out(connection) -> None:
    deals, left = money.compute_deals(queries.deal_rows(connection))
    by_deal = deals.set_index("deal")
    assert list(deals["deal"]) == ["Big-Lab", "Cloud-Lab", "Chip-Lab"]
    assert by_deal.loc["Big-Lab", "figure_id"] == "big-100b"  # the largest dollar figure of the deal
    assert by_deal.loc["Big-Lab", "gw"] == 10.0 and by_deal.loc["Big-Lab", "term"] == "over five years"
    assert by_deal.loc["Cloud-Lab", "term"] == "seven-year"
    assert pd.isna(by_deal.loc["Chip-Lab", "value"]) and by_deal.loc["Chip-Lab", "chips"] == 1_000_000
    reasons = left.set_index("figure_id")["reason"]
    assert reasons["big-50b"] == "a smaller dollar figure of the same deal"
    assert reasons["old-deal"].startswith("undated or outside") and reasons["undated"].startswith("undated")
    assert reasons["backlog"] == money.NOT_A_DEAL["Oracle RPO"]
    assert "weak-deal" not in set(deals["figure_id"]) | set(left["figure_id"])  # never read
    plotted = money.deals_plot_frame(deals)
    assert list(plotted["deal"]) == ["Big-Lab", "Cloud-Lab"]
    assert plotted.set_index("deal").loc["Big-Lab", "buys"] == "10 GW; over five years"


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("seven-year cloud capacity", "seven-year"),
        ("capacity over five years (from 2027)", "over five years, from 2027"),
        ("capacity through December 2031", "through December 2031"),
        ("investment over the next three years", "over the next three years"),
        ("data centres in Texas", ""),
    ],
)
def test_deal_term_known_answers(text, term) -> None:
    assert money.deal_term(text) == term


def test_guidance_date_known_answers() -> None:
    assert money.guidance_date(pd.Series({"date_published": "2024-04-24", "subject": "x (mid-2023)"})) == "2024-04-24"
    assert money.guidance_date(pd.Series({"date_published": "", "ref_date_note": "given 2023-01-12"})) == "2023-01-12"
    assert money.guidance_date(pd.Series({"date_published": "", "subject": "plan (February 2023)"})) == "2023-02"
    assert money.guidance_date(pd.Series({"date_published": "", "subject": "plan (mid-2023)"})) == "2023-06"


def test_seed_sums_are_points_not_bars_from_zero() -> None:
    frame = pd.DataFrame({"label": ["a", "b"], "value": [1e8, 7e12], "status": ["reported", "estimate"]})
    spec = money_views.sums_chart(frame).to_dict()
    assert spec["mark"]["type"] == "point"
    assert spec["encoding"]["x"]["scale"]["type"] == "log"


def test_the_real_ledger_gives_the_five_hyperscalers_and_no_weak_row(ledger_connection) -> None:
    chosen = money.hyperscaler_capex(queries.capex_rows(ledger_connection, money.HYPERSCALERS))
    assert set(chosen["entity"]) == set(money.HYPERSCALERS)
    assert chosen["source_tier"].ne("weak").all() and not chosen.duplicated(["entity", "year"]).any()
    assert chosen["year"].between(2019, 2026).all()
    assert chosen.loc[chosen["year"].eq(2026), "guidance"].all()
