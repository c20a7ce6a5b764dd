"""The claims ledger: each numeric claim of the seed articles, recomputed from the ledger and sourced references.

A claim has a test:

- ``AT_LEAST``: the claim says "more than" or "exceeds". It holds when the recomputed value reaches the claimed one.
- ``ABOUT``: the claim says "about", "roughly" or "as much as". It holds when the two agree within the run's
  ``check_tolerance_factor``.
- ``WITHIN``: the claim compares with a class of things that spans a range ("a medium-sized city"). It holds when the
  recomputed value lies in the range, widened at each end by the run's ``check_tolerance_factor``; otherwise it is off
  by the factor to the nearer end.
- ``UNCHECKABLE``: the ledger holds no independent figure to check it against.

The verdict follows from the test. It reads "holds" when the numbers agree, "holds with caveats" when they agree but
the comparison mixes things that differ (the caveat says how), and "off by a factor of N" when they do not agree.
Unchecked claims read "cannot be checked". The arithmetic is spelled out with the values of this run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from compute_ledger import citation, metadata, params, report

AT_LEAST = "at least"
ABOUT = "about"
WITHIN = "within"
UNCHECKABLE = "uncheckable"

HOLDS = "holds"
HOLDS_WITH_CAVEATS = "holds with caveats"
CANNOT_BE_CHECKED = "cannot be checked"
VERDICT_ORDER = [HOLDS, HOLDS_WITH_CAVEATS, "off by a factor", CANNOT_BE_CHECKED]


@dataclass(frozen=True)
class Evidence:
    """What a claim is checked against, with the arithmetic spelled out."""

    claimed: float  # the claim's number, in the unit of ``computed``
    computed: float  # the recomputed number
    unit: str
    compared: str  # what is set against what
    arithmetic: str
    inputs: tuple[str, ...]  # figure ids used (besides the claim's own row)
    caveat: str = ""  # why the comparison is not like for like; empty when it is
    claimed_range: tuple[float, float] | None = None  # (low, high) for a WITHIN test; ``claimed`` is its middle


@dataclass(frozen=True)
class ClaimInputs:
    """What the claims are checked against (:func:`queries.claims_inputs`): every figure with its source, the
    largest reported clusters of 2022 and 2024, and the sites of 1 GW or more that are not plans."""

    figures: pd.DataFrame  # figures_sourced
    largest_cluster: pd.DataFrame  # ref_year, value, figure_id: one row each for 2022 and 2024
    built_gigawatt: pd.DataFrame  # figure_id, decimal_year of the sites of >= 1 GW that are not plans

    @property
    def values(self) -> dict[str, pd.Series]:
        """Each figure's row by its id."""
        return {row["figure_id"]: row for _, row in self.figures.iterrows()}


@dataclass(frozen=True)
class Claim:
    claim_id: str
    seed: str  # seed file number, 000 to 004
    figure_id: str  # the seed's own row in data/raw/figures.csv
    says: str  # the claim in English, as the seed makes it
    test: str  # AT_LEAST, ABOUT, WITHIN or UNCHECKABLE
    evidence: Callable[[dict[str, pd.Series], ClaimInputs, params.Parameters], Evidence] | None


def verdict(
    test: str,
    claimed: float,
    computed: float,
    caveat: str,
    tolerance: float,
    claimed_range: tuple[float, float] | None = None,
) -> str:
    """The verdict of one claim (see the module docstring); ``claimed_range`` is the (low, high) of a WITHIN test."""
    if test == UNCHECKABLE:
        return CANNOT_BE_CHECKED
    if test == AT_LEAST:
        agrees = computed >= claimed * (1 - 1e-9)
    elif test == ABOUT:
        ratio = computed / claimed
        agrees = max(ratio, 1 / ratio) <= tolerance * (1 + 1e-9)
    elif test == WITHIN:
        if claimed_range is None:
            raise ValueError("a 'within' test needs the claimed range")
        low, high = claimed_range
        agrees = low / tolerance * (1 - 1e-9) <= computed <= high * tolerance * (1 + 1e-9)
        claimed = high if computed > high else low  # the factor is to the nearer end
    else:
        raise ValueError(f"unknown test {test!r}")
    if agrees:
        return HOLDS_WITH_CAVEATS if caveat else HOLDS
    factor = max(computed / claimed, claimed / computed)
    return f"off by a factor of {factor:.1f}"


def _v(values: dict[str, pd.Series], figure_id: str) -> float:
    return float(values[figure_id]["value"])


def _growth_140x(v, data, p) -> Evidence:
    first = _v(v, "seed-004-stability-first-video-model-700-h100")
    last = _v(v, "seed-004-musk-100000-gpus-planned")
    largest = data.largest_cluster
    like = largest["value"].iloc[-1] / largest["value"].iloc[0]
    return Evidence(
        claimed=_v(v, "seed-004-claim-140x-in-two-years"),
        computed=last / first,
        unit="times",
        compared="the GPUs of one video model's training run (2022) against a cluster announced for 2025",
        arithmetic=f"{last:,.0f} ÷ {first:,.0f} = {last / first:,.1f}",
        inputs=(
            "seed-004-stability-first-video-model-700-h100",
            "seed-004-musk-100000-gpus-planned",
            *largest["figure_id"],
        ),
        caveat=f"The two ends are different things: a training run and a planned cluster. The seed's headline dates "
        f"also span 2022 to 2025, three years, not two. Like for like, the largest known cluster grew "
        f"{like:,.1f} times from 2022 ({largest['value'].iloc[0]:,.0f}) to 2024 ({largest['value'].iloc[-1]:,.0f}).",
    )


def _gpu_spend(v, data, p) -> Evidence:
    count = _v(v, "seed-004-musk-100000-gpus-planned")
    price = _v(v, "money-h100-price-raymond-james")
    return Evidence(
        claimed=_v(v, "seed-004-claim-3-billion-for-100000-gpus"),
        computed=count * price,
        unit="USD",
        compared="100,000 GPUs at an analyst's H100 price against the seed's $3 billion",
        arithmetic=f"{count:,.0f} × {report.usd(price)} = {report.usd(count * price)}",
        inputs=("seed-004-musk-100000-gpus-planned", "money-h100-price-raymond-james"),
        caveat="Chips only: servers, networking, buildings and power are not counted.",
    )


CITY_INPUTS = (
    "seed-004-musk-100000-gpus-planned",
    "ref-fr-ville-moyenne-20k-100k",
    "ref-insee-fr-household-size-2021",
    "pow-ref-panel-elecdom-fr-dwelling-2019",
)
GWH_PER_TWH = 1000.0


def _city_electricity(v, data, p) -> Evidence:
    count = _v(v, "seed-004-musk-100000-gpus-planned")
    facility_mw = metadata.facility_power_mw(count, p.accelerator_it_power_w, p.pue)
    gpus_gwh = metadata.yearly_energy_mwh(facility_mw, p.utilisation) / 1000
    town = v["ref-fr-ville-moyenne-20k-100k"]
    people_low, people_high = float(town["low"]), float(town["high"])
    per_household = _v(v, "ref-insee-fr-household-size-2021")
    dwelling_gwh = _v(v, "pow-ref-panel-elecdom-fr-dwelling-2019") * GWH_PER_TWH
    low, high = (people * dwelling_gwh / per_household for people in (people_low, people_high))
    return Evidence(
        claimed=(low * high) ** 0.5,
        claimed_range=(low, high),
        computed=gpus_gwh,
        unit="GWh a year",
        compared="100,000 GPUs' yearly electricity against the household electricity of a French medium-sized town "
        f"({people_low:,.0f} to {people_high:,.0f} inhabitants): the seed is French",
        arithmetic=f"{count:,.0f} × {p.accelerator_it_power_w:,.0f} W × PUE {p.pue:g} × utilisation "
        f"{p.utilisation:g} × {metadata.HOURS_PER_YEAR:,.0f} h = {gpus_gwh:,.0f} GWh a year; a town of "
        f"{people_low:,.0f} to {people_high:,.0f} inhabitants ÷ {per_household:g} persons per household × "
        f"{dwelling_gwh * 1e6:,.0f} kWh per dwelling = {low:,.0f} to {high:,.0f} GWh a year",
        inputs=CITY_INPUTS,
        caveat="Households only: a town's shops, offices and industry also use electricity. The dwelling average is a "
        "measured panel of about 100 homes (2019–2020).",
    )


def memphis_share(data: ClaimInputs, p: params.Parameters) -> float:
    """The 100,000 GPUs' average draw as a share of the normal winter peak of Memphis's utility (xAI's home): context
    for the city claim, resting on a low-confidence relay, so glued in the prose but never a key number."""
    v = data.values
    count = _v(v, "seed-004-musk-100000-gpus-planned")
    average_mw = metadata.facility_power_mw(count, p.accelerator_it_power_w, p.pue) * p.utilisation
    return average_mw / _v(v, "ref-mlgw-normal-winter-peak-2000mw")


def _federal_budget(v, data, p) -> Evidence:
    target = _v(v, "seed-001-claim-exceeds-us-federal-budget-2023")
    outlays = _v(v, "ref-us-federal-outlays-fy2023")
    return Evidence(
        claimed=1.0,
        computed=target / outlays,
        unit="times",
        compared="Altman's reported $7 trillion against US federal outlays in fiscal year 2023 (CBO)",
        arithmetic=f"{report.usd(target)} ÷ {report.usd(outlays)} = {target / outlays:.2f}",
        inputs=("ref-us-federal-outlays-fy2023",),
        caveat="A fundraising target spread over years, reported and not confirmed, set against one year's spending.",
    )


MARKET_CAPS = (
    "ref-alphabet-market-cap-2024-02-05",
    "ref-amazon-market-cap-2024-02-05",
    "ref-meta-market-cap-2024-02-05",
    "ref-tesla-market-cap-2024-02-05",
)


def _market_value(v, data, p) -> Evidence:
    target = _v(v, "seed-001-claim-exceeds-big-tech-market-cap")
    caps = [_v(v, i) for i in MARKET_CAPS]
    return Evidence(
        claimed=1.0,
        computed=target / sum(caps),
        unit="times",
        compared="$7 trillion against the market values of Alphabet, Amazon, Meta and Tesla on 5 February 2024",
        arithmetic=f"{report.usd(target)} ÷ ({' + '.join(report.usd(c) for c in caps)} = {report.usd(sum(caps))}) "
        f"= {target / sum(caps):.2f}",
        inputs=MARKET_CAPS,
        caveat="Market values move daily; these are of the week the WSJ reported the target.",
    )


def _chips_act(v, data, p) -> Evidence:
    target = _v(v, "seed-001-altman-7-trillion-fundraising")
    act = _v(v, "money-us-chips-act-appropriation")
    manufacturing = _v(v, "money-us-chips-act-manufacturing-incentives")
    return Evidence(
        claimed=_v(v, "seed-001-claim-100x-chips-act"),
        computed=target / act,
        unit="times",
        compared="$7 trillion against the CHIPS and Science Act's $52.7 billion",
        arithmetic=f"{report.usd(target)} ÷ {report.usd(act)} = {target / act:,.0f} "
        f"(÷ {report.usd(manufacturing)} of manufacturing incentives alone = {target / manufacturing:,.0f})",
        inputs=(
            "seed-001-altman-7-trillion-fundraising",
            "money-us-chips-act-appropriation",
            "money-us-chips-act-manufacturing-incentives",
        ),
        caveat="A private fundraising target against public funds appropriated.",
    )


def _nuclear_plant(v, data, p) -> Evidence:
    claimed = _v(v, "seed-000-1gw-nuclear-plant-reference")
    plant = _v(v, "pow-ref-doe-nuclear-plant-1gw")
    vogtle = _v(v, "ref-vogtle-unit3-1100mw-500k-homes")
    return Evidence(
        claimed=claimed,
        computed=plant,
        unit="MW",
        compared="1 GW against the US Department of Energy's average nuclear plant (and Vogtle unit 3)",
        arithmetic=f"DOE: about {plant:,.0f} MW per plant on average; Vogtle unit 3: {vogtle:,.0f} MW; "
        f"claim: {claimed:,.0f} MW",
        inputs=("pow-ref-doe-nuclear-plant-1gw", "ref-vogtle-unit3-1100mw-500k-homes"),
    )


def _training_cost_decline(v, data, p) -> Evidence:
    hardware = _v(v, "trend-epoch-ml-hardware-price-performance") / 100
    halving_months = _v(v, "trend-epoch-algorithmic-progress-lm")
    algorithmic = 2 ** (12 / halving_months)
    combined = 1 - (1 - hardware) / algorithmic
    spend = _v(v, "trend-epoch-amortized-training-cost-later")
    return Evidence(
        claimed=_v(v, "seed-001-ark-training-cost-decline-75pct"),
        computed=100 * combined,
        unit="% per year",
        compared="ARK's forecast against Epoch AI's measured rates: hardware cost per performance and algorithmic "
        "efficiency",
        arithmetic=f"1 − (1 − {hardware:.0%}) ÷ 2^(12 / {halving_months:g}) = 1 − {1 - hardware:.2f} ÷ "
        f"{algorithmic:.2f} = {combined:.1%} a year",
        inputs=(
            "trend-epoch-ml-hardware-price-performance",
            "trend-epoch-algorithmic-progress-lm",
            "trend-epoch-amortized-training-cost-later",
        ),
        caveat=f"The cost of reaching a fixed capability falls; the spending on frontier training runs does not. "
        f"Epoch AI measures it growing {spend:g} times a year.",
    )


def _gpt4_cost(v, data, p) -> Evidence:
    claimed = _v(v, "seed-001-gpt4-training-cost")
    estimate = _v(v, "money-gpt4-training-cost-ai-index")
    return Evidence(
        claimed=claimed,
        computed=estimate,
        unit="USD",
        compared="'more than $100 million' against the AI Index's compute-cost estimate",
        arithmetic=f"AI Index estimate {report.usd(estimate)}; claim {report.usd(claimed)} or more",
        inputs=("money-gpt4-training-cost-ai-index",),
        caveat="The estimate counts compute rented at cloud prices only; the claim, relayed from Altman, may count "
        "more. The ledger's four sources range from $63 million to over $100 million.",
    )


def _meta_chips(v, data, p) -> Evidence:
    claimed = _v(v, "seed-002-meta-600000-chips-end-2024")
    stated = _v(v, "acc-meta-fleet-2024-h100e-target")
    h100 = _v(v, "acc-meta-fleet-2024-h100-target")
    return Evidence(
        claimed=claimed,
        computed=stated,
        unit="accelerators",
        compared="the seed's 600,000 chips against Meta's own statement for end-2024",
        arithmetic=f"Meta: {h100:,.0f} H100 GPUs, and nearly {stated:,.0f} H100-equivalents of compute in all",
        inputs=("acc-meta-fleet-2024-h100e-target", "acc-meta-fleet-2024-h100-target"),
        caveat="Meta's figure is H100-equivalents of compute, not a count of chips.",
    )


def _h100_price(v, data, p) -> Evidence:
    claimed = _v(v, "seed-004-h100-unit-price-30000")
    analyst = _v(v, "money-h100-price-raymond-james")
    return Evidence(
        claimed=claimed,
        computed=analyst,
        unit="USD",
        compared="the seed's $30,000 against an analyst's 2023 range ($25,000–30,000)",
        arithmetic=f"{report.usd(analyst)} (midpoint) against {report.usd(claimed)}",
        inputs=("money-h100-price-raymond-james",),
    )


def _no_gigawatt_yet(v, data, p) -> Evidence:
    built = data.built_gigawatt
    first = float(built["decimal_year"].min())
    ids = sorted(built.loc[built["decimal_year"] == first, "figure_id"])
    said = v["seed-000-no-1gw-training-cluster-yet"]
    claimed = float(said["decimal_year"])
    return Evidence(
        claimed=claimed,
        computed=first,
        unit="year",
        compared=f"{said['ref_date']} against the first reported or estimated site of 1 GW or more in the ledger",
        arithmetic=f"earliest site at ≥ 1,000 MW that is not a plan: {first:.1f} ({', '.join(ids)}); claim made in "
        f"{said['ref_date']} ({claimed:.1f})",
        inputs=tuple(ids),
    )


CLAIMS = (
    Claim(
        "growth-140x",
        "004",
        "seed-004-claim-140x-in-two-years",
        "GPU counts grew more than 140 times in two years",
        AT_LEAST,
        _growth_140x,
    ),
    Claim(
        "gpu-spend-3bn",
        "004",
        "seed-004-claim-3-billion-for-100000-gpus",
        "$3 billion buys the chips of 100,000 GPUs",
        ABOUT,
        _gpu_spend,
    ),
    Claim("h100-30000", "004", "seed-004-h100-unit-price-30000", "An H100 costs about $30,000", ABOUT, _h100_price),
    Claim(
        "city-electricity",
        "004",
        "seed-004-claim-electricity-medium-city",
        "100,000 GPUs use as much electricity as a medium-sized city",
        WITHIN,
        _city_electricity,
    ),
    Claim(
        "veo3-gpus",
        "004",
        "seed-004-top-video-models-2000-4000-gpu-equivalents",
        "Top video models such as Veo 3 use 2,000–4,000 GPU-equivalents",
        UNCHECKABLE,
        None,
    ),
    Claim(
        "federal-budget",
        "001",
        "seed-001-claim-exceeds-us-federal-budget-2023",
        "$7 trillion exceeds the 2023 US federal budget",
        AT_LEAST,
        _federal_budget,
    ),
    Claim(
        "big-tech-value",
        "001",
        "seed-001-claim-exceeds-big-tech-market-cap",
        "$7 trillion exceeds the combined market value of Alphabet, Amazon, Meta and Tesla",
        AT_LEAST,
        _market_value,
    ),
    Claim(
        "chips-act-100x",
        "001",
        "seed-001-claim-100x-chips-act",
        "Altman's plan is about 100 times bigger than the CHIPS Act",
        ABOUT,
        _chips_act,
    ),
    Claim(
        "training-cost-75pct",
        "001",
        "seed-001-ark-training-cost-decline-75pct",
        "AI training costs fall 75 % a year (ARK Invest)",
        ABOUT,
        _training_cost_decline,
    ),
    Claim(
        "gpt4-cost",
        "001",
        "seed-001-gpt4-training-cost",
        "Training GPT-4 cost more than $100 million",
        AT_LEAST,
        _gpt4_cost,
    ),
    Claim(
        "china-300bn",
        "001",
        "seed-001-china-semiconductor-investment-2021-2022",
        "China invested nearly $300 billion in semiconductors in 2021–2022",
        UNCHECKABLE,
        None,
    ),
    Claim(
        "workforce-67000",
        "001",
        "seed-001-semiconductor-workforce-gap-2030",
        "67,000 semiconductor workers short by 2030",
        UNCHECKABLE,
        None,
    ),
    Claim(
        "meta-600000",
        "002",
        "seed-002-meta-600000-chips-end-2024",
        "Meta will have about 600,000 chips by end-2024",
        ABOUT,
        _meta_chips,
    ),
    Claim(
        "nuclear-1gw",
        "000",
        "seed-000-1gw-nuclear-plant-reference",
        "1 GW is about a significant nuclear plant",
        ABOUT,
        _nuclear_plant,
    ),
    Claim(
        "no-1gw-yet",
        "000",
        "seed-000-no-1gw-training-cluster-yet",
        "Nobody had built a 1 GW training cluster by April 2024",
        AT_LEAST,
        _no_gigawatt_yet,
    ),
)


def ids(joined: str) -> list[str]:
    """The figure ids of a claims-table cell ("a, b"), as a list (empty for an empty cell)."""
    return [i for i in joined.split(", ") if i]


def direction(row: pd.Series) -> str:
    """Which way a claim that does not hold errs, in words: whether the recomputed value is above or below it."""
    high = row["claimed_high"] if row["claimed_high"] == row["claimed_high"] else row["claimed"]
    low = row["claimed_low"] if row["claimed_low"] == row["claimed_low"] else row["claimed"]
    if row["computed"] > high:
        return "the recomputed value is above what it says"
    if row["computed"] < low:
        return "the recomputed value is below what it says"
    return "the recomputed value is within what it says"


def evaluate(data: ClaimInputs, parameters: params.Parameters) -> pd.DataFrame:
    """Every claim with its evidence and verdict, at this run's parameters."""
    values = data.values
    missing = [c.figure_id for c in CLAIMS if c.figure_id not in values]
    if missing:
        raise LookupError(f"claim rows missing from data/raw/figures.csv: {', '.join(missing)}")
    out = []
    for claim in CLAIMS:
        seed_row = values[claim.figure_id]
        row = {
            "claim_id": claim.claim_id,
            "seed": claim.seed,
            "says": claim.says,
            "figure_id": claim.figure_id,
            "quote": seed_row["quote"],
            "quote_en": seed_row["quote_en"],
            "publisher": seed_row["publisher"],
            "url": seed_row["url"],
            "read_at": seed_row["read_at"],
            "test": claim.test,
        }
        if claim.evidence is None:
            row |= {
                "claimed": seed_row["value"],
                "claimed_low": float("nan"),
                "claimed_high": float("nan"),
                "computed": float("nan"),
                "unit": seed_row["unit"],
                "ratio": float("nan"),
                "compared": "no independent figure in the ledger",
                "arithmetic": "",
                "caveat": seed_row["note"],
                "inputs": "",
                "evidence": "",
                "checked": claim.figure_id,
            }
        else:
            try:
                evidence = claim.evidence(values, data, parameters)
            except KeyError as error:
                raise LookupError(f"claim {claim.claim_id}: figure {error} missing from data/raw/figures.csv") from None
            row |= {
                "claimed": evidence.claimed,
                "claimed_low": evidence.claimed_range[0] if evidence.claimed_range else float("nan"),
                "claimed_high": evidence.claimed_range[1] if evidence.claimed_range else float("nan"),
                "computed": evidence.computed,
                "unit": evidence.unit,
                "ratio": evidence.computed / evidence.claimed,
                "compared": evidence.compared,
                "arithmetic": evidence.arithmetic,
                "caveat": evidence.caveat,
                "inputs": ", ".join(evidence.inputs),
                # What the recomputed number rests on, apart from the seeds' own figures, which it checks.
                "evidence": ", ".join(i for i in evidence.inputs if not values[i]["seed_file"]),
                "checked": ", ".join(
                    dict.fromkeys([claim.figure_id, *(i for i in evidence.inputs if values[i]["seed_file"])])
                ),
            }
        row["verdict"] = verdict(
            claim.test,
            row["claimed"],
            row["computed"],
            row["caveat"] if claim.evidence else "",
            parameters.check_tolerance_factor,
            (row["claimed_low"], row["claimed_high"]) if claim.test == WITHIN else None,
        )
        row["verdict_group"] = "off by a factor" if row["verdict"].startswith("off by") else row["verdict"]
        out.append(row)
    return pd.DataFrame(out)


def verdict_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many claims got each kind of verdict, in a fixed order."""
    counts = table["verdict_group"].value_counts()
    return {group: int(counts.get(group, 0)) for group in VERDICT_ORDER}


def citable(claim_id: str, says: str) -> citation.Citable:
    """A claim as a citable item: its row of the claims table in the Claims chapter."""
    return citation.Citable(f"claim-{claim_id}", "claim", f"Claim {claim_id}: {says}", "claims", f"claim-{claim_id}")
