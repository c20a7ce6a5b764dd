"""The project's metadata, written once: the vocabularies of ``data/raw`` with what each value means, the status
groups, the columns of the raw tables and of the tables the pipeline adds, the published tables, and the physical
constants and the power formula the projections and the claims share.

Pure data and small helpers; nothing heavy is imported. ``schema.py`` validates ``data/raw`` against these
vocabularies and columns, ``datapackage.py`` and the book's Data and About pages describe the data with them, and
``database.export_tables`` writes the tables :data:`PUBLISHED` lists. The column tables and the vocabularies of
``data/raw/README.md`` are generated from this module::

    python -m compute_ledger.metadata          # rewrite the generated sections of data/raw/README.md
    python -m compute_ledger.metadata --check  # exit 1, naming the first stale section, if README is out of date
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field

from compute_ledger import paths

# ---------------------------------------------------------------------------------------------------------------
# Vocabularies: value -> meaning, in the order validation and the book list them.

CATEGORIES = {
    "accelerators": "counts of accelerators and compute capacity",
    "power": "data-centre power, electricity use and grid capacity",
    "money": "investment, capital expenditure, prices, costs and funding",
    "hardware": "what chips, servers, racks and facilities draw: TDP, server and rack power, PUE",
    "published_trend": "growth and cost-decline rates others have published",
    "context": "figures that give a scale: populations, a workforce gap, counts of manufacturers",
}
METRICS = {
    "accelerator_count": "number of GPUs/TPUs/accelerators",
    "compute_capacity": "H100-equivalents",
    "data_centre_power": "power of a site/cluster/campus, MW",
    "electricity_use": "energy per year, TWh",
    "power_capacity": "aggregate grid/industry capacity, MW",
    "power_reference": "a comparison object: a nuclear plant, a city",
    "investment": "money committed/planned/spent on infrastructure",
    "capital_expenditure": "a company's capex for a period",
    "accelerator_unit_price": "price of one accelerator",
    "training_cost": "cost of training one model",
    "fundraising": "money sought or raised",
    "public_funding": "state grants, funds, budgets for industry",
    "public_budget": "a government's total budget",
    "market_value": "what a company, a stake or shares are worth at market prices",
    "bond_issue": "money borrowed by selling bonds",
    "startup_funding": "money raised by start-ups",
    "accelerator_power": "chip TDP, W",
    "server_power": "kW per server",
    "rack_power": "kW per rack",
    "pue": "power usage effectiveness: facility power / IT power",
    "growth_rate": "multiple per year, or doubling time",
    "cost_decline_rate": "% per year",
    "workforce_gap": "people",
    "population": "people: a town's or a category's inhabitants",
    "subscription_price": "price of a subscription, per month",
    "facility_count": "number of facilities, data centres",
    "manufacturer_count": "number of companies that make something, such as leading AI chips",
    "multiple": 'a ratio stated as "N times"',
    "training_compute": "FLOP",
}
UNITS = {
    "accelerators": "a count of chips: GPUs, TPUs, other accelerators",
    "H100e": "H100-equivalents: a count scaled to the H100 by dense 16-bit TFLOPS, see `chips.csv`",
    "MW": "megawatts; GW are stored as MW",
    "TWh": "terawatt-hours",
    "USD": "US dollars; billions are stored as dollars",
    "USD_per_accelerator": "US dollars per accelerator",
    "USD_per_month": "US dollars per month",
    "W": "watts",
    "kW": "kilowatts",
    "ratio": "a pure number: a PUE, a share",
    "x_per_year": "a multiple per year",
    "percent_per_year": "percent per year",
    "months": "months, as a doubling time",
    "years": "years",
    "people": "a number of people",
    "facilities": "a number of facilities",
    "companies": "a number of companies",
    "times": 'a multiple, "N times"',
    "FLOP": "floating-point operations",
}
SCOPES = {
    "training_run": "one training run",
    "cluster": "one cluster",
    "site": "one site or campus",
    "programme": "a multi-site programme",
    "fleet": "a company's installed fleet",
    "pipeline": "a company's pipeline of planned capacity",
    "company": "a whole company",
    "industry": "an industry or a market as a whole",
    "national": "one country",
    "global": "the world",
    "product": "one product: a chip, a server, a subscription",
    "model": "one AI model",
    "claim": "what a claim compares: a seed's or a speaker's",
}
# The scopes a system of systems.csv may have (a subset of SCOPES, in its order).
SYSTEM_SCOPES = ("cluster", "site", "programme")

REPORTED = "reported"
ANNOUNCED_PLAN = "announced plan"
ESTIMATE = "estimate"
PROJECTION = "projection"
STATUSES = {
    REPORTED: "the source states it as a fact: counted, measured or disclosed",
    ANNOUNCED_PLAN: "what an organisation has announced it will build, buy or spend",
    ESTIMATE: "an estimate of what is or was, by the source or the analysts it relays",
    PROJECTION: "a forecast of a quantity to come: a trend carried forward, guidance, a price target",
}
# What was built, used or spent (an outturn of the scorecard must be one of these); plans and projections are not.
RECORD_STATUSES = (REPORTED, ESTIMATE)
# What is to come: plans and projections (the power chapter's planned capacity, the money chapter's guidance).
PLANNED_STATUSES = (ANNOUNCED_PLAN, PROJECTION)
# The order the charts' legends and colours follow: records first, then what is to come.
STATUS_ORDER = (*RECORD_STATUSES, *PLANNED_STATUSES)

CONFIDENCES = {
    "high": "primary source or several independent reports",
    "medium": "reputable secondary",
    "low": "weak/aggregator/unconfirmed leak",
}
LANGUAGES = {"fr": "French", "en": "English", "es": "Spanish", "de": "German", "zh": "Chinese", "ja": "Japanese"}
TIERS = {
    "primary": "the producer's own page, filing, paper, press release or official statistics",
    "record": "press of record and specialist outlets with editorial standards and named reporters: Reuters, "
    "Bloomberg, FT, WSJ, NYT, The Information, DatacenterDynamics, SemiAnalysis, Epoch AI's datasets",
    "secondary": "other press and trade sites",
    "weak": "mirrors, reposts, aggregators, content farms, machine-generated sites",
}
# What a power figure measures.
POWER_MEASURES = {
    "it": "IT load",
    "facility": "whole facility, IT × PUE",
    "grid": "grid supply or interconnection",
    "generation": "on-site generation: turbines, batteries; never site power",
    "unspecified": "the source does not say",
}
# An accelerator count names its chip model (a chip_id of chips.csv), a mix of named models (chip_ids joined by
# CHIP_MIX_SEPARATOR, e.g. "gb200|gb300"), or one of these.
CHIP_PLACEHOLDERS = {
    "mixed": "a mix of models, not all of them named",
    "unknown": "the model is not named",
}
CHIP_MIX_SEPARATOR = "|"
REF_DATE_BASES = {
    "publication": "the figure is stated as current with no date of its own: it takes its source's publication date",
}
# Which units each metric may use (the canonical units of the data dictionary).
METRIC_UNITS = {
    "accelerator_count": ("accelerators",),
    "compute_capacity": ("H100e",),
    "data_centre_power": ("MW",),
    "electricity_use": ("TWh", "ratio"),
    "power_capacity": ("MW",),
    "power_reference": ("MW", "TWh", "ratio", "times"),
    "investment": ("USD",),
    "capital_expenditure": ("USD",),
    "accelerator_unit_price": ("USD_per_accelerator",),
    "training_cost": ("USD",),
    "fundraising": ("USD",),
    "public_funding": ("USD",),
    "public_budget": ("USD",),
    "market_value": ("USD",),
    "bond_issue": ("USD",),
    "startup_funding": ("USD",),
    "accelerator_power": ("W",),
    "server_power": ("kW",),
    "rack_power": ("kW",),
    "pue": ("ratio",),
    "growth_rate": ("x_per_year", "percent_per_year", "months", "years"),
    "cost_decline_rate": ("percent_per_year",),
    "workforce_gap": ("people",),
    "population": ("people",),
    "subscription_price": ("USD_per_month",),
    "facility_count": ("facilities",),
    "manufacturer_count": ("companies",),
    "multiple": ("times",),
    "training_compute": ("FLOP",),
}

# The vocabularies by the name a column meaning refers to them with (``{tier}``, ``{system_scope:names}``).
VOCABULARIES: dict[str, Mapping[str, str] | tuple[str, ...]] = {
    "category": CATEGORIES,
    "metric": METRICS,
    "unit": UNITS,
    "scope": SCOPES,
    "system_scope": SYSTEM_SCOPES,
    "status": STATUSES,
    "record_status": RECORD_STATUSES,
    "confidence": CONFIDENCES,
    "language": LANGUAGES,
    "tier": TIERS,
    "power_measure": POWER_MEASURES,
    "chip_placeholder": CHIP_PLACEHOLDERS,
    "ref_date_basis": REF_DATE_BASES,
}


def _listed(name: str, form: str) -> str:
    """A vocabulary in words: ``{name}`` each value with its meaning ("`a` (…), `b` (…)"), ``{name:names}`` the
    values alone ("`a`, `b` or `c`"), ``{name:plain}`` the same without backticks."""
    values = VOCABULARIES[name]
    if form == "":
        return ", ".join(f"`{value}` ({values[value]})" for value in values)
    if form not in ("names", "plain"):
        raise ValueError(f"unknown form {form!r} of vocabulary {name!r}: '' (with meanings), 'names' or 'plain'")
    words = [f"`{value}`" if form == "names" else value for value in values]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


_REFERENCE = re.compile(r"\{(?P<name>[a-z_]+)(?::(?P<form>[a-z]*))?\}")


def render(text: str) -> str:
    """``text`` with each vocabulary reference (``{tier}``, ``{system_scope:names}``) written out."""
    return _REFERENCE.sub(lambda m: _listed(m["name"], m["form"] or ""), text)


# ---------------------------------------------------------------------------------------------------------------
# Columns of the raw tables, as data/raw/README.md shows them: one row may document several columns (``low``,
# ``high``). ``required`` is the README's text: yes, no, or when (``for accelerator counts``).


@dataclass(frozen=True)
class Column:
    names: tuple[str, ...]
    required: str
    meaning: str  # markdown; may refer to a vocabulary (see ``render``)


def _c(names: str, required: str, meaning: str) -> Column:
    return Column(tuple(names.split(", ")), required, meaning)


@dataclass(frozen=True)
class RawTable:
    name: str  # file stem in data/raw
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for column in self.columns for name in column.names)


RAW_TABLES: dict[str, RawTable] = {
    table.name: table
    for table in (
        RawTable(
            "sources",
            (
                _c(
                    "source_id",
                    "yes",
                    "stable slug, `[a-z0-9-]+`, unique (e.g. `tomshardware-2025-05-24-oracle-gb200`, "
                    "`seed-004-mostaque-gpus`)",
                ),
                _c("title", "yes", "title of the page/document as shown"),
                _c("publisher", "yes", "who published the page we read (site or organisation)"),
                _c("author", "no", "author(s) where shown"),
                _c(
                    "date_published",
                    "no",
                    "ISO date `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; empty when the page does not show it (never guessed)",
                ),
                _c("date_note", "no", 'e.g. "not shown; events of February 2024"'),
                _c(
                    "url",
                    "yes",
                    "`http(s)://…` of the page at its publisher (the producer's own page where the figure is theirs)",
                ),
                _c(
                    "read_at",
                    "no",
                    "where a copy had to be read instead (a mirror, an archive, a syndicated copy): its `http(s)://…` "
                    "URL; `url` stays the original",
                ),
                _c(
                    "accessed",
                    "yes",
                    "the date the page was read, `YYYY-MM-DD` (for rows curated before the column existed: the date "
                    "of the commit that added the source)",
                ),
                _c("language", "yes", "{language}"),
                _c(
                    "tier",
                    "yes",
                    "{tier}. Rows on `weak` sources never enter a series, a fit, a key number or a projection base, "
                    "and their `confidence` is `low`.",
                ),
                _c(
                    "licence",
                    "yes",
                    "terms under which we quote it, usually `all rights reserved; short quotation with attribution` "
                    "or `CC BY 4.0`",
                ),
                _c("seed_file", "no", "file name in `shared/seeds/` when the source is one of the five seeds"),
            ),
        ),
        RawTable(
            "figures",
            (
                _c("figure_id", "yes", "stable slug, `[a-z0-9-]+`, unique; never reused or renamed once published"),
                _c("category", "yes", "{category}"),
                _c("metric", "yes", "fixed vocabulary, see below"),
                _c(
                    "entity",
                    "yes",
                    "organisation/project the figure is about (`xAI`, `Meta`, `OpenAI`, `IEA (global data centres)`)",
                ),
                _c(
                    "subject",
                    "yes",
                    "short English description of what is counted (`H100 GPUs used to train Stability AI's first "
                    "video model`)",
                ),
                _c("scope", "yes", "{scope}. Series and fits take `cluster` and `site` rows only."),
                _c(
                    "system_id",
                    "no",
                    "a `system_id` of `systems.csv`: groups the rows that describe one physical cluster, site or "
                    "programme over time (phases, expansions)",
                ),
                _c(
                    "ref_date",
                    "no",
                    "the date the figure refers to: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; empty = unknown (not guessed)",
                ),
                _c(
                    "ref_date_basis",
                    "no",
                    '{ref_date_basis:names} when the figure is stated as current ("now", "today", "has") with no date '
                    "of its own: `ref_date` is left empty and takes the source's `date_published` (flagged in the "
                    "processed tables as `ref_date_inherited`)",
                ),
                _c("ref_date_note", "no", "how the date was read, or the period of events when the date is unknown"),
                _c(
                    "value",
                    "yes",
                    "the central value in the canonical unit (a number; for a pure range give the midpoint and say so "
                    "in `note`)",
                ),
                _c(
                    "low, high",
                    "no",
                    'range bounds in the same unit (`2000`, `4000` for "2,000–4,000"); `low ≤ value ≤ high`',
                ),
                _c("unit", "yes", "canonical unit, see below (GW are stored as MW, billions as USD)"),
                _c(
                    "unit_detail",
                    "no",
                    "what kind of unit: `H100 GPUs`, `GPU-equivalents`, `TPU v4 chips`, `GB200 superchips`, "
                    "`IT power`, `grid supply`, `nominal USD` …",
                ),
                _c(
                    "chip",
                    "for accelerator counts",
                    "the accelerator model counted: a `chip_id` of `chips.csv`; a mix of named models, their "
                    "`chip_id`s joined by `|` (`gb200|gb300`: H100e then range over those models); or "
                    "{chip_placeholder:names} when the models are not all named (say what is known in `note`). For "
                    "GB200/GB300 systems the count is of Blackwell GPUs (two per superchip)",
                ),
                _c("power_measure", "for `data_centre_power`", "what the power figure measures: {power_measure}"),
                _c("price_year", "no", "for USD values: the year of the dollars (nominal = year of the figure)"),
                _c("status", "yes", "{status}"),
                _c("confidence", "yes", "{confidence}"),
                _c("source_id", "yes", "a `source_id` from `sources.csv` (where we read it)"),
                _c(
                    "original_outlet",
                    "no",
                    "outlet the source relays (`The Wall Street Journal`, `Bloomberg`, `Dealroom`, `SemiAnalysis`)",
                ),
                _c(
                    "quote",
                    "yes",
                    "the exact words of the source that state the figure, as they stand (original language, "
                    "verbatim; `…` only where the source has it)",
                ),
                _c("quote_en", "yes", "English rendering (same text when the quote is in English)"),
                _c(
                    "quantity_id",
                    "no",
                    "groups rows that measure the same quantity (e.g. `gpt4-training-a100-count`) so disagreements "
                    "can be listed",
                ),
                _c(
                    "preferred",
                    "no",
                    "`true` for the row of a `quantity_id` group the analysis uses, `false` for the others; empty "
                    "when there is no group",
                ),
                _c("note", "no", "how the value was read (conversions, midpoint, caveats, why preferred)"),
            ),
        ),
        RawTable(
            "chips",
            (
                _c(
                    "chip_id",
                    "yes",
                    "slug used by `figures.chip` (`h100` (H100 SXM), `a100`, `tpu-v4`, `trainium2`, …)",
                ),
                _c("vendor, model", "yes", "as the vendor names them"),
                _c("year", "yes", "year of first availability"),
                _c(
                    "dense_16bit_tflops",
                    "yes",
                    "dense (not sparse) BF16/FP16 tensor throughput, TFLOPS, from the vendor's spec sheet (where the "
                    "sheet gives only the sparse figure, half of it, said in `note`)",
                ),
                _c(
                    "tdp_w",
                    "no",
                    "thermal design power / max power per chip, W; empty when no page found states it (the chip then "
                    "has no power estimate)",
                ),
                _c(
                    "source_id",
                    "yes",
                    "the spec sheet the TFLOPS come from (a `source_id` of `sources.csv`)",
                ),
                _c("tflops_quote", "yes", "the exact words of the spec sheet for the TFLOPS"),
                _c("tdp_source_id", "no", "the source of the TDP when it is another page"),
                _c("tdp_quote", "with `tdp_w`", "the exact words for the TDP"),
                _c("note", "no", "sparse vs dense, the form factor, what the figure excludes"),
            ),
        ),
        RawTable(
            "systems",
            (
                _c("system_id", "yes", "slug (`xai-colossus-memphis`, `openai-stargate-abilene`)"),
                _c("name", "yes", "the name it is known by"),
                _c("operator", "yes", "who runs it"),
                _c("location", "no", "city, state/region, country"),
                _c("scope", "yes", "{system_scope:names}"),
                _c("note", "no", "phases, what is counted"),
            ),
        ),
        RawTable(
            "scorecard",
            (
                _c("pair_id", "yes", "stable slug, unique (e.g. `lbnl-2016-us-2020-vs-2023`)"),
                _c(
                    "projection_figure_id",
                    "yes",
                    f"the `figure_id` of the projection graded: its `status` is `{PROJECTION}`",
                ),
                _c(
                    "outturn_figure_id",
                    "yes",
                    "the `figure_id` of what was observed later: status {record_status:names}, same metric and unit "
                    "as the projection (or accelerators against H100e, converted through the chip table)",
                ),
                _c(
                    "projection_made",
                    "no",
                    "when the projection was published, `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, given only when its source "
                    "shows no `date_published` (read from the source's `date_note`)",
                ),
                _c(
                    "outturn_made",
                    "no",
                    "the same for the outturn; the outturn must be published after the projection",
                ),
                _c("projection_by", "yes", "who made the projection, as the sentence names it (`LBNL's 2016 report`)"),
                _c("outturn_by", "yes", "who observed the outturn, as the sentence names it (`LBNL's 2024 report`)"),
                _c(
                    "quantity",
                    "yes",
                    "what both rows measure, as the sentence names it (`US data-centre electricity use`)",
                ),
                _c(
                    "comparison",
                    "yes",
                    "how the two rows differ, said outright: scope, measure, or an outturn for another year than the "
                    "target",
                ),
            ),
        ),
    )
}

# The columns the pipeline adds to the raw ones (typed dates, source details joined in, the catalogues' columns).
DERIVED_COLUMNS = {
    "decimal_year": "the reference date as a decimal year (mid-period for a year or a month), for plotting",
    "ref_year": "the year of the reference date",
    "date_precision": "how precise the reference date is: day, month, year or unknown",
    "source_title": "title of the source (from sources.csv)",
    "source_tier": "the source's tier: {tier:plain} (from sources.csv)",
    "source_accessed": "the date the source was read (from sources.csv)",
    "ref_date_inherited": "true when ref_date is the source's publication date (the figure is stated as current)",
    "rank_in_year": "rank of the figure among the year's counts (1 = largest)",
    "chapter": "chapter of the book the number appears in",
    "id": "stable id of the key number: chapter.name",
    "description": "what the number is",
    "method": "how it was computed",
    "inputs": "figure ids of data/raw/figures.csv the number is computed from (space-separated in the CSV)",
    "checked": "figure ids the number tests or counts without resting on them (a seed claim it checks)",
    "h100e": "the count in H100-equivalents (dense 16-bit TFLOPS over the H100's, from chips.csv; see units.py)",
    "h100e_low": "low end of the H100-equivalents (the count's low, or the slowest chip an unknown mix may be)",
    "h100e_high": "high end of the H100-equivalents (the count's high, or the fastest chip an unknown mix may be)",
    "chip_power_mw": "the accelerators' own power, count x TDP, MW (no servers, network or cooling)",
    "chip_power_mw_low": "low end of the chip power",
    "chip_power_mw_high": "high end of the chip power",
    "h100e_per_chip": "H100-equivalents of one chip of this model",
    "parameter_set": "'defaults', or 'custom-' and a hash of the parameters changed for the run",
    "parameters": "the run's values of the parameters the chapter uses (JSON)",
    "edition": "edition of the book (CITATION.cff)",
    "key_number_id": "id of the key number (key_numbers.csv)",
    "role": "input: the number is computed from the figure; checked: the number tests or counts it",
    "edition_date": "release date of the edition",
}


def column_dictionary() -> dict[str, str]:
    """Raw column -> its meaning (markdown), in the README's order; a column of several tables (``source_id``,
    ``note``) has the meaning of the first table that defines it (sources, then figures)."""
    dictionary: dict[str, str] = {}
    for table in RAW_TABLES.values():
        for column in table.columns:
            for name in column.names:
                dictionary.setdefault(name, render(column.meaning))
    return dictionary


def describe(column: str) -> str:
    """What a published column means: the raw dictionary's meaning, else the derived column's."""
    dictionary = column_dictionary()
    if column in dictionary:
        return dictionary[column]
    if column in DERIVED_COLUMNS:
        return render(DERIVED_COLUMNS[column])
    raise KeyError(f"column {column!r} has no description in metadata.RAW_TABLES or metadata.DERIVED_COLUMNS")


# ---------------------------------------------------------------------------------------------------------------
# The published tables, in the order datapackage.json lists them.


@dataclass(frozen=True)
class PublishedTable:
    name: str  # the resource name in datapackage.json (and the database table or view it comes from, if any)
    label: str  # what the Data page's downloads call it
    description: str
    formats: tuple[str, ...]  # the files written, by extension; the first is the one datapackage.json points to
    from_database: bool  # written by database.export_tables (else by the catalogues step)
    quotes: bool = False  # its rows carry the sources' quotes (the quotes' licence note applies)
    foreign_keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (table, key); empty = none
    primary_key: tuple[str, ...] = ()  # empty: the first of figure_id, chip_id, … the table has, if unique
    folder: str = "tables"  # its folder under data/processed ("" for data/processed itself)

    @property
    def stem(self) -> str:
        """Its path under data/processed, without the extension."""
        return f"{self.folder}/{self.name}" if self.folder else self.name


PUBLISHED = (
    PublishedTable(
        "figures",
        "Figures",
        "Every curated figure, typed, with its quote and status.",
        ("csv", "parquet"),
        from_database=True,
        quotes=True,
        foreign_keys={"source_id": ("sources", "source_id"), "system_id": ("systems", "system_id")},
    ),
    PublishedTable(
        "sources",
        "Sources",
        "The source registry: who published each figure, when, where.",
        ("csv", "parquet"),
        from_database=True,
    ),
    PublishedTable(
        "chips",
        "Chips",
        "The chip reference table: dense 16-bit TFLOPS and TDP per accelerator model, sourced.",
        ("csv", "parquet"),
        from_database=True,
        foreign_keys={"source_id": ("sources", "source_id"), "tdp_source_id": ("sources", "source_id")},
    ),
    PublishedTable(
        "systems",
        "Systems",
        "One record per cluster, site or programme that figures describe over time.",
        ("csv", "parquet"),
        from_database=True,
    ),
    PublishedTable(
        "scorecard",
        "Scorecard pairs",
        "Published projections paired with the outturns observed later: the pairs the scorecard chapter grades.",
        ("csv", "parquet"),
        from_database=True,
        foreign_keys={
            "projection_figure_id": ("figures", "figure_id"),
            "outturn_figure_id": ("figures", "figure_id"),
        },
        primary_key=("pair_id",),
    ),
    PublishedTable(
        "figures_sourced",
        "Figures with their sources",
        "Figures joined with their sources (one row per figure).",
        ("csv", "parquet"),
        from_database=True,
        quotes=True,
        foreign_keys={"figure_id": ("figures", "figure_id"), "source_id": ("sources", "source_id")},
    ),
    PublishedTable(
        "largest_cluster_by_year",
        "Largest cluster per year",
        "The largest known accelerator count per year (built, and announced plans separately).",
        ("csv", "parquet"),
        from_database=True,
        quotes=True,
        foreign_keys={"figure_id": ("figures", "figure_id")},
    ),
    PublishedTable(
        "disagreements",
        "Disagreements",
        "Rows of quantities reported by more than one source.",
        ("csv", "parquet"),
        from_database=True,
        quotes=True,
        foreign_keys={"figure_id": ("figures", "figure_id")},
    ),
    PublishedTable(
        "key_numbers",
        "Key numbers",
        "Every headline number of the book: value, method, inputs, parameter set.",
        ("csv", "json"),
        from_database=False,
        folder="",
    ),
    # A figure's chip cell may name a mix of models ("gb200|gb300"), which one cell cannot reference: the models it
    # names are linked through figure_chips.
    PublishedTable(
        "figure_chips",
        "Chip models of each figure",
        "The chip models each figure names, one row per pair: a mix (chip 'gb200|gb300') gives one row per model.",
        ("csv",),
        from_database=False,
        foreign_keys={"figure_id": ("figures", "figure_id"), "chip_id": ("chips", "chip_id")},
        primary_key=("figure_id", "chip_id"),
    ),
    PublishedTable(
        "key_number_figures",
        "Figures of each key number",
        "The figures each key number is computed from (role input) or checks (role checked), one row per pair.",
        ("csv",),
        from_database=False,
        foreign_keys={"key_number_id": ("key_numbers", "id"), "figure_id": ("figures", "figure_id")},
        primary_key=("key_number_id", "figure_id", "role"),
    ),
)


def published_files() -> list[str]:
    """Every file of :data:`PUBLISHED`, relative to data/processed."""
    return [f"{table.stem}.{extension}" for table in PUBLISHED for extension in table.formats]


# ---------------------------------------------------------------------------------------------------------------
# Physical constants and the power formula: accelerators × IT power per accelerator × PUE is facility power, and
# facility power × utilisation × the hours of a year is the energy used in a year. The projection chain
# (chain.PROJECTION) writes the same formula as expressions over these constants.

W_PER_MW = 1e6
HOURS_PER_YEAR = 8760.0
MWH_PER_TWH = 1e6


def facility_power_mw(accelerators: float, it_power_w: float, pue: float) -> float:
    """Facility power, MW, of ``accelerators`` drawing ``it_power_w`` each of IT power, at ``pue``."""
    return accelerators * it_power_w * pue / W_PER_MW


def yearly_energy_mwh(facility_power_mw: float, utilisation: float) -> float:
    """Energy used in a year, MWh, by a facility drawing ``facility_power_mw`` at full load ``utilisation`` of the
    time."""
    return facility_power_mw * utilisation * HOURS_PER_YEAR


# ---------------------------------------------------------------------------------------------------------------
# data/raw/README.md: the generated sections.

_WIDTH = 118
_START = (
    "<!-- generated ({name}) by python -m compute_ledger.metadata: do not edit; edit compute_ledger/metadata.py -->"
)
_END = "<!-- end generated -->"
_SECTION = re.compile(
    re.escape(_START).replace(re.escape("{name}"), "(?P<name>[a-z_]+)") + "\n(?P<body>.*?)" + re.escape(_END),
    re.DOTALL,
)


def _table_markdown(table: RawTable) -> str:
    lines = ["| column | required | meaning |", "|---|---|---|"]
    for column in table.columns:
        names = ", ".join(f"`{name}`" for name in column.names)
        meaning = render(column.meaning).replace("|", "\\|")
        lines.append(f"| {names} | {column.required} | {meaning} |")
    return "\n".join(lines) + "\n"


def _vocabularies_markdown() -> str:
    blocks = []
    for name in ("metric", "unit"):
        listed = _listed(name, "") + "."
        blocks.append(f"`{name}`:\n" + textwrap.fill(listed, _WIDTH, break_long_words=False, break_on_hyphens=False))
    return "\n\n".join(blocks) + "\n"


def sections() -> dict[str, str]:
    """Name -> the generated text of each section of data/raw/README.md."""
    tables = {name: _table_markdown(table) for name, table in RAW_TABLES.items()}
    return {**tables, "vocabularies": _vocabularies_markdown()}


def regenerate(text: str) -> str:
    """``text`` (the README) with every generated section rewritten; ValueError if one is missing or unknown."""
    generated = sections()
    found = [m["name"] for m in _SECTION.finditer(text)]
    unknown = [name for name in found if name not in generated]
    missing = [name for name in generated if name not in found]
    if unknown or missing:
        raise ValueError(f"data/raw/README.md: unknown generated sections {unknown}, missing {missing}")
    return _SECTION.sub(lambda m: _START.format(name=m["name"]) + "\n" + generated[m["name"]] + _END, text)


def first_stale_section(text: str) -> str | None:
    """The name of the first generated section of ``text`` that differs from the registry, None if all agree."""
    generated = sections()
    for match in _SECTION.finditer(text):
        if match["body"] != generated.get(match["name"]):
            return match["name"]
    missing = [name for name in generated if name not in {m["name"] for m in _SECTION.finditer(text)}]
    return missing[0] if missing else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = paths.RAW_README.read_text(encoding="utf-8")
    if argv == ["--check"]:
        stale = first_stale_section(text)
        if stale is None:
            return 0
        print(
            f"data/raw/README.md: section {stale!r} differs from compute_ledger/metadata.py; run python -m "
            "compute_ledger.metadata"
        )
        return 1
    if argv:
        print("usage: python -m compute_ledger.metadata [--check]", file=sys.stderr)
        return 2
    updated = regenerate(text)
    if updated != text:
        paths.RAW_README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
