"""Consistency checks: do the ledger's counts, powers and prices add up against what was reported?

Two kinds of check, each pairing figures that were reported separately:

- **Power**: accelerators × watts per accelerator × server overhead × PUE, against a reported site power. The watts
  are the chip's rated power; the overhead (CPUs, memory, network inside the server or rack) is the server's or rack's
  rated power divided by the rated power of the accelerators it holds, both from the ledger's hardware rows.
- **Spend**: accelerators × unit price, against a reported purchase, capex or fundraising.

A check is flagged when the computed and reported values differ by more than a stated factor. Where the reported
sum covers more than the chips (a company's whole capex), the check only flags a computed sum that exceeds it.

Pure functions on the rows of ``queries.py``; the charts and tables are in ``views/checks.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from compute_ledger import metadata

SAME = "same quantity"  # the two sides should match
PART = "chips are part of it"  # the reported sum covers chips and more: the computed share should stay below 1


@dataclass(frozen=True)
class PowerCheck:
    check_id: str
    label: str
    accelerators_id: str  # how many accelerators
    accelerator_power_id: str  # W per accelerator (rated)
    system_power_id: str  # kW of the server or rack that holds them
    accelerators_per_system: int  # as the system row's unit_detail states (DGX H100: 8; NVL72: 72)
    reported_power_id: str  # MW reported for the site or cluster
    reported_is_it_power: bool  # True when the reported MW is IT power (no PUE applied)
    note: str


@dataclass(frozen=True)
class SpendCheck:
    check_id: str
    label: str
    accelerators_id: str
    unit_price_id: str
    reported_spend_id: str
    relation: str  # SAME or PART
    note: str


COLOSSUS_CHECK = "colossus-2024"  # the check the chapter walks through
POWER_CHECKS = (
    PowerCheck(
        COLOSSUS_CHECK,
        "xAI Colossus, 100,000 H100 (September 2024)",
        "acc-xai-colossus-2024-09-h100-musk",
        "hw-nvidia-h100-sxm-tdp",
        "hw-nvidia-dgx-h100-max-power-supercluster",
        8,
        "pow-colossus1-grid-150mw-2025",
        False,
        "The 150 MW is the grid supply promised to the site; before the substation it ran on gas turbines.",
    ),
    PowerCheck(
        "colossus-2025-03",
        "xAI Colossus, 200,000 chips (March 2025)",
        "acc-xai-colossus-2025-03-chips-epoch",
        "hw-nvidia-h100-sxm-tdp",
        "hw-nvidia-dgx-h100-max-power-supercluster",
        8,
        "pow-epoch-paper-colossus-2025-03-300mw",
        False,
        "Not an independent check: Epoch AI's 300 MW is itself estimated from the chip count with a method like "
        "this one. It shows the method reproduces theirs.",
    ),
    PowerCheck(
        "colossus-2025-07",
        "xAI Colossus, 230,000 GPUs (July 2025)",
        "acc-xai-colossus-1-2025-07-gpus",
        "hw-nvidia-h100-sxm-tdp",
        "hw-nvidia-dgx-h100-max-power-supercluster",
        8,
        "pow-sfbwmag-colossus-300mw-claim",
        False,
        "The 230,000 mixes H100, H200 and GB200; all are counted at the H100's power, which understates the "
        "GB200 share.",
    ),
    PowerCheck(
        "abilene-facility",
        "Stargate Abilene, 400,000 GB200 (planned, 2026) against the 1.2 GW facility",
        "acc-oracle-openai-abilene-gb200",
        "hw-nvidia-b200-gb200-variant-power",
        "hw-nvidia-gb200-nvl72-rack-power",
        72,
        "pow-crusoe-abilene-1-2gw-2026",
        False,
        "Read as 400,000 GPUs. If the report's 'GB200 chips' are superchips (two GPUs each), the computed power "
        "doubles.",
    ),
    PowerCheck(
        "abilene-it",
        "Stargate Abilene, 400,000 GB200 (planned, 2026) against Epoch AI's IT-power estimate",
        "acc-oracle-openai-abilene-gb200",
        "hw-nvidia-b200-gb200-variant-power",
        "hw-nvidia-gb200-nvl72-rack-power",
        72,
        "pow-epoch-hub-stargate-abilene-it-power",
        True,
        "Epoch AI's figure is IT power, so no PUE is applied to the computed side.",
    ),
)

SPEND_CHECKS = (
    SpendCheck(
        "abilene-chips",
        "Oracle's chips for Stargate Abilene: 400,000 GB200 at a Blackwell GPU price, against ~$40 billion",
        "acc-oracle-openai-abilene-gb200",
        "money-b200-price-cnbc",
        "money-oracle-gb200-purchase",
        SAME,
        "Priced per GPU. A GB200 superchip holds two GPUs and a Grace CPU, and the $40 billion likely includes "
        "racks and networking: both push the reported sum above the computed one.",
    ),
    SpendCheck(
        "colossus-xai-raise",
        "xAI's 100,000 H100 against its May 2024 raise",
        "acc-xai-colossus-2024-09-h100-musk",
        "money-h100-price-raymond-james",
        "money-xai-2024-05-raise",
        PART,
        "The raise funds more than chips (the site, power, salaries); the share is what the GPUs alone would take.",
    ),
    SpendCheck(
        "meta-2024",
        "Meta's 2024 Hopper purchases against its 2024 capex",
        "acc-meta-2024-hopper-purchases",
        "money-h100-price-raymond-james",
        "money-meta-capex-2024-actual-rdworld",
        PART,
        "Purchases are an Omdia estimate; capex also pays for buildings, power, networking and other chips.",
    ),
    SpendCheck(
        "microsoft-2024",
        "Microsoft's 2024 Hopper purchases against its fiscal-2024 capex",
        "acc-microsoft-2024-hopper-purchases",
        "money-h100-price-raymond-james",
        "money-microsoft-capex-fy2024",
        PART,
        "Calendar-year purchases against a fiscal year ending June 2024; capex here excludes finance leases.",
    ),
    SpendCheck(
        "amazon-2024",
        "Amazon's 2024 Hopper purchases against its 2024 capex",
        "acc-amazon-2024-hopper-purchases",
        "money-h100-price-raymond-james",
        "money-amazon-capex-2024-actual",
        PART,
        "Amazon also deploys its own Trainium and Inferentia chips, priced differently and not counted here.",
    ),
    SpendCheck(
        "google-2024",
        "Google's 2024 Hopper purchases against Alphabet's 2024 capex",
        "acc-google-2024-hopper-purchases",
        "money-h100-price-raymond-james",
        "money-alphabet-capex-2024-actual",
        PART,
        "Google runs mostly on its own TPUs, not counted here.",
    ),
)


def overhead_factor(system_kw: float, accelerators_per_system: int, accelerator_w: float) -> float:
    """Server (or rack) power over the rated power of the accelerators it holds: 10.2 kW / (8 × 700 W) ≈ 1.82."""
    return system_kw * 1000.0 / (accelerators_per_system * accelerator_w)


def site_power_mw(accelerators: float, accelerator_w: float, overhead: float, pue: float) -> float:
    """Facility power of a cluster: accelerators × W × server overhead × PUE, in MW."""
    return metadata.facility_power_mw(accelerators, accelerator_w * overhead, pue)


def spend_usd(accelerators: float, unit_price_usd: float) -> float:
    """What the accelerators alone cost: count × unit price."""
    return accelerators * unit_price_usd


def verdict(computed: float, reported: float, relation: str, tolerance: float) -> str:
    """'consistent' or 'flagged: …' for computed against reported at a tolerance factor (e.g. 1.5)."""
    if tolerance < 1:
        raise ValueError(f"tolerance is a factor ≥ 1, got {tolerance}")
    ratio = computed / reported
    tolerance *= 1 + 1e-9  # a ratio exactly at the tolerance (800 MW against 1,200 MW at 1.5) is consistent
    if relation == SAME:
        if ratio > tolerance:
            return f"flagged: computed is {ratio:.2f}× the reported value"
        if ratio < 1 / tolerance:
            return f"flagged: reported is {1 / ratio:.2f}× the computed value"
        return "consistent"
    if relation == PART:
        return f"flagged: chips alone are {ratio:.2f}× the reported sum" if ratio > tolerance else "consistent"
    raise ValueError(f"unknown relation {relation!r}; use {SAME!r} or {PART!r}")


def input_ids(power: tuple[PowerCheck, ...] = POWER_CHECKS, spend: tuple[SpendCheck, ...] = SPEND_CHECKS) -> list[str]:
    """The figure ids the checks read, sorted: the rows :func:`power_checks` and :func:`spend_checks` take."""
    ids = {
        i for c in power for i in (c.accelerators_id, c.accelerator_power_id, c.system_power_id, c.reported_power_id)
    }
    ids |= {i for c in spend for i in (c.accelerators_id, c.unit_price_id, c.reported_spend_id)}
    return sorted(ids)


def _values(figures: pd.DataFrame) -> dict[str, pd.Series]:
    return {row["figure_id"]: row for _, row in figures.iterrows()}


def power_checks(
    figures: pd.DataFrame, pue: float, tolerance: float, checks: tuple[PowerCheck, ...] = POWER_CHECKS
) -> pd.DataFrame:
    """One row per power check: inputs, the overhead derived from the hardware rows, computed and reported MW.

    ``figures``: the ledger rows of the checks' inputs (:func:`input_ids`)."""
    rows = _values(figures)
    out = []
    for check in checks:
        count = rows[check.accelerators_id]["value"]
        watts = rows[check.accelerator_power_id]["value"]
        overhead = overhead_factor(rows[check.system_power_id]["value"], check.accelerators_per_system, watts)
        applied_pue = 1.0 if check.reported_is_it_power else pue
        computed = site_power_mw(count, watts, overhead, applied_pue)
        reported = rows[check.reported_power_id]["value"]
        out.append(
            {
                "check_id": check.check_id,
                "check": check.label,
                "accelerators": count,
                "accelerator_w": watts,
                "overhead": overhead,
                "pue_applied": applied_pue,
                "computed_mw": computed,
                "reported_mw": reported,
                "reported_basis": "IT power" if check.reported_is_it_power else "facility or grid power",
                "ratio": computed / reported,
                "verdict": verdict(computed, reported, SAME, tolerance),
                "inputs": ", ".join(
                    (check.accelerators_id, check.accelerator_power_id, check.system_power_id, check.reported_power_id)
                ),
                "note": check.note,
            }
        )
    return pd.DataFrame(out)


def spend_checks(
    figures: pd.DataFrame, tolerance: float, checks: tuple[SpendCheck, ...] = SPEND_CHECKS
) -> pd.DataFrame:
    """One row per spend check: count × unit price against the reported sum, and the verdict (``figures``: the
    rows of :func:`input_ids`)."""
    rows = _values(figures)
    out = []
    for check in checks:
        count = rows[check.accelerators_id]["value"]
        price = rows[check.unit_price_id]["value"]
        computed = spend_usd(count, price)
        reported = rows[check.reported_spend_id]["value"]
        out.append(
            {
                "check_id": check.check_id,
                "check": check.label,
                "accelerators": count,
                "unit_price_usd": price,
                "computed_usd": computed,
                "reported_usd": reported,
                "relation": check.relation,
                "ratio": computed / reported,
                "verdict": verdict(computed, reported, check.relation, tolerance),
                "inputs": ", ".join((check.accelerators_id, check.unit_price_id, check.reported_spend_id)),
                "note": check.note,
            }
        )
    return pd.DataFrame(out)


def disagreements(rows: pd.DataFrame) -> pd.DataFrame:
    """Every row of a quantity the sources disagree on (``queries.disagreements``), with its value relative to the
    row the analysis uses."""
    frame = rows.copy()
    preferred = frame[frame["preferred"].fillna(False).astype(bool)].set_index("quantity_id")["value"]
    frame["preferred"] = frame["preferred"].fillna(False).astype(bool)
    frame["relative_to_preferred"] = frame["value"] / frame["quantity_id"].map(preferred)
    return frame


def disagreement_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per disputed quantity: how many sources, the spread (largest / smallest) and the value used."""
    out = []
    for quantity_id, group in frame.groupby("quantity_id", sort=True):
        used = group[group["preferred"]].iloc[0]
        values = group["value"].dropna()
        out.append(
            {
                "quantity_id": quantity_id,
                "rows": len(group),
                "smallest": values.min(),
                "largest": values.max(),
                "spread": values.max() / values.min() if values.min() > 0 else float("nan"),
                "unit": used["unit"],
                "used_value": used["value"],
                "used_figure": used["figure_id"],
                "why": used["note"],
                "others": ", ".join(group.loc[~group["preferred"], "figure_id"]),
            }
        )
    return pd.DataFrame(out).sort_values(["spread", "quantity_id"], ascending=[False, True]).reset_index(drop=True)


def differing(rows: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The rows of the quantities whose sources give different values (spread above 1)."""
    return rows[rows["quantity_id"].isin(summary.loc[summary["spread"] > 1, "quantity_id"])]


def flagged_count(plotted: pd.DataFrame) -> int:
    """How many checks of :func:`checks_plot_frame` are flagged."""
    return int((plotted["outcome"] == "flagged").sum())


def checked_figures(plotted: pd.DataFrame) -> list[str]:
    """Every figure the checks read, sorted (their ``inputs``, comma-separated per check)."""
    return sorted({figure_id for ids in plotted["inputs"] for figure_id in ids.split(", ")})


def checks_plot_frame(power: pd.DataFrame, spend: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """What the checks chart plots: one row per check, computed / reported, and the band it may fall in."""
    frames = [
        power.assign(
            kind="power", computed=power["computed_mw"], reported=power["reported_mw"], unit="MW", relation=SAME
        ),
        spend.assign(kind="spend", computed=spend["computed_usd"], reported=spend["reported_usd"], unit="USD"),
    ]
    out = pd.concat(frames, ignore_index=True)[
        ["check_id", "check", "kind", "relation", "computed", "reported", "unit", "ratio", "verdict", "inputs"]
    ]
    out["outcome"] = out["verdict"].map(lambda v: "flagged" if v.startswith("flagged") else "consistent")
    axis_low = min(1 / tolerance, out["ratio"].min()) / 1.5
    out["band_low"] = [1 / tolerance if r == SAME else axis_low for r in out["relation"]]
    out["band_high"] = tolerance
    return out
