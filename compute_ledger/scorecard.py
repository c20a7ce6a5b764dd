"""The scorecard of projections: each published projection of data/raw/scorecard.csv against the outturn observed
later, with the error, the lead time and one sentence built from the numbers and the rows' names.

Definitions (stated once; the chapter quotes them):

- ``ratio`` is observed ÷ projected; ``percent_error`` is (observed − projected) ÷ projected × 100, so a positive error
  means the outturn came out higher than projected.
- ``inside_range`` says whether the outturn fell within the projection's published range (empty without one).
- ``lead_years`` runs from the projection's publication to its target date; ``outturn_offset_years`` from the target
  date to the date the outturn is for (zero when one date lies within the other's period, e.g. 2026-03-23 in 2026).
- Dates are read as the middle of their period (``dates.decimal_year``).
- An accelerator count graded against H100-equivalents is converted through the chip table (``units.equivalents``).

Pure functions: the pair rows of ``queries.scorecard_pairs`` in, DataFrames and text out.
"""

from __future__ import annotations

import math

import pandas as pd

from compute_ledger import metadata, report
from compute_ledger.dates import decimal_year

GRADED_COLUMNS = (
    "pair_id",
    "projection_figure_id",
    "outturn_figure_id",
    "projection_by",
    "outturn_by",
    "quantity",
    "comparison",
    "projection_made",
    "target",
    "observed_for",
    "unit",
    "projected",
    "projected_low",
    "projected_high",
    "observed",
    "ratio",
    "percent_error",
    "inside_range",
    "lead_years",
    "outturn_offset_years",
    "sentence",
)
# How the sentence says the outturn was observed, for each status an outturn may have (metadata.RECORD_STATUSES).
VERBS = {metadata.REPORTED: "reported", metadata.ESTIMATE: "estimated"}
DAYS_PER_YEAR = 365.25


def side_values(pair: pd.Series, side: str, unit: str) -> tuple[float, float, float]:
    """The value, low and high of one side of a pair in ``unit``: the figure's own, or its H100-equivalents when the
    pair compares an accelerator count with H100e (the low and high are the value when the figure has no range)."""
    if pair[f"{side}_unit"] == unit:
        value, low, high = pair[f"{side}_value"], pair[f"{side}_low"], pair[f"{side}_high"]
    elif unit == "H100e":
        value, low, high = pair[f"{side}_h100e"], pair[f"{side}_h100e_low"], pair[f"{side}_h100e_high"]
    else:
        raise ValueError(f"pair {pair['pair_id']}: {pair[f'{side}_unit']} does not convert to {unit}")
    value = float(value)
    return value, _or(low, value), _or(high, value)


def _or(bound: float, value: float) -> float:
    """A range bound, or the value when the figure has none (NaN)."""
    return value if bound is None or bound != bound else float(bound)


def at_date(date: str) -> str:
    """'in 2020', 'in 2025-11', 'on 2026-07-01'."""
    return f"on {date}" if len(date) == 10 else f"in {date}"


def within_period(date: str, period: str) -> bool:
    """Whether the partial date ``date`` lies within ``period`` (2026-03-23 within 2026), or the reverse."""
    return date.startswith(period) or period.startswith(date)


def offset_years(target: str, observed_for: str) -> float:
    """Years from the projection's target date to the date the outturn is for; zero within one period."""
    if within_period(observed_for, target):
        return 0.0
    return decimal_year(observed_for) - decimal_year(target)


def offset_phrase(years: float) -> str:
    """An offset as readers count it: days under two months, months under two years, else years."""
    days = round(abs(years) * DAYS_PER_YEAR)
    if days < 60:
        amount, word = days, "day"
    elif abs(years) < 2:
        amount, word = round(abs(years) * 12), "month"
    else:
        amount, word = round(abs(years)), "year"
    return f"{amount} {word}{'' if amount == 1 else 's'} {'after' if years > 0 else 'before'}"


def percent_phrase(percent: float) -> str:
    """'141% higher', '50% lower', 'as projected'."""
    if round(percent, 1) == 0:
        return "as projected"
    shown = f"{abs(percent):.0f}" if abs(percent) >= 10 else f"{abs(percent):.1f}"
    return f"{shown}% {'higher' if percent > 0 else 'lower'} than projected"


def sentence(graded: pd.Series, outturn_status: str) -> str:
    """One sentence for a graded pair, from its numbers and the rows' names."""
    ranged = graded["projected_low"] != graded["projected_high"]
    projected = report.quantity(graded["projected"], graded["unit"])
    if ranged:
        projected += (
            f" (range {report.quantity(graded['projected_low'], graded['unit'])} to "
            f"{report.quantity(graded['projected_high'], graded['unit'])})"
        )
    offset = graded["outturn_offset_years"]
    when = f", {offset_phrase(offset)} the target date" if offset else ""
    verdict = percent_phrase(graded["percent_error"])
    if ranged:
        verdict += ", inside the range" if graded["inside_range"] else ", outside the range"
    text = (
        f"{graded['projection_by']} ({graded['projection_made']}) put {graded['quantity']} {at_date(graded['target'])} "
        f"at {projected}; {graded['outturn_by']} {VERBS[outturn_status]} "
        f"{report.quantity(graded['observed'], graded['unit'])} for {graded['observed_for']}{when}: {verdict}."
    )
    return text[0].upper() + text[1:]


def grade_pair(pair: pd.Series) -> dict[str, object]:
    """One pair graded: the projected value and range, the observed value, the error, the times and the sentence."""
    same_unit = pair["projection_unit"] == pair["outturn_unit"]
    unit = pair["projection_unit"] if same_unit else "H100e"
    projected, low, high = side_values(pair, "projection", unit)
    observed = side_values(pair, "outturn", unit)[0]
    ranged = low != high
    graded = {
        "pair_id": pair["pair_id"],
        "projection_figure_id": pair["projection_figure_id"],
        "outturn_figure_id": pair["outturn_figure_id"],
        "projection_by": pair["projection_by"],
        "outturn_by": pair["outturn_by"],
        "quantity": pair["quantity"],
        "comparison": pair["comparison"],
        "projection_made": pair["projection_made"],
        "target": pair["projection_ref_date"],
        "observed_for": pair["outturn_ref_date"],
        "unit": unit,
        "projected": projected,
        "projected_low": low,
        "projected_high": high,
        "observed": observed,
        "ratio": observed / projected,
        "percent_error": (observed - projected) / projected * 100,
        "inside_range": (low <= observed <= high) if ranged else None,
        "lead_years": decimal_year(pair["projection_ref_date"]) - decimal_year(pair["projection_made"]),
        "outturn_offset_years": offset_years(pair["projection_ref_date"], pair["outturn_ref_date"]),
    }
    graded["sentence"] = sentence(pd.Series(graded), pair["outturn_status"])
    return graded


def grade(pairs: pd.DataFrame) -> pd.DataFrame:
    """Every pair graded (:func:`grade_pair`), in the input's order, with the columns of :data:`GRADED_COLUMNS`."""
    frame = pd.DataFrame([grade_pair(pair) for _, pair in pairs.iterrows()], columns=list(GRADED_COLUMNS))
    frame["inside_range"] = frame["inside_range"].astype("boolean")
    return frame


def summary(graded: pd.DataFrame) -> dict[str, float]:
    """The scorecard in numbers: how many pairs, how many projections came out above their outturn and how many
    below, and the largest error either way (percent)."""
    return {
        "pairs": len(graded),
        "projected_too_high": int((graded["ratio"] < 1).sum()),
        "projected_too_low": int((graded["ratio"] > 1).sum()),
        "largest_overestimate_pct": float(-graded["percent_error"].min()) if len(graded) else math.nan,
        "largest_underestimate_pct": float(graded["percent_error"].max()) if len(graded) else math.nan,
    }


__all__ = [
    "GRADED_COLUMNS",
    "at_date",
    "grade",
    "grade_pair",
    "offset_phrase",
    "offset_years",
    "percent_phrase",
    "sentence",
    "side_values",
    "summary",
    "within_period",
]
