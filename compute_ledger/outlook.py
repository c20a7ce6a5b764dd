"""If the record trends continue: the record series extrapolated to the horizon, beside published projections.

A what-if, not a forecast. Each series (the largest cluster in H100-equivalents, the largest single site in MW)
starts from the largest system observed up to the edition's date (:func:`frontier.largest_by_year`'s last row: a
single cluster or site, built or used, never a plan, a programme, a fleet or a pipeline) and grows at its record
fit's yearly multiple (:func:`trend_fit.fit_records`). The interval applies the ends of the fit's Student-t interval
on that multiple, so it shows how uncertain the rate is, not the spread of single systems around it. A year is read
at mid-year ("in 2030" = 2030.5).

Milestones are observed before they are projected: when a system in the record candidates already reached one,
:func:`milestone` names it and its date; only otherwise does it give the first projected year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compute_ledger import frontier, report, trend_fit

MID_YEAR = 0.5


@dataclass(frozen=True)
class PublishedProjection:
    """A published projection the book sets beside its own: which series it matches and why the two differ."""

    label: str
    series: str  # "h100e", "mw" or "chips"
    why_they_differ: str


H100E = "h100e"
MW = "mw"
CHIPS = "chips"

# Keyed by figure_id in data/raw/figures.csv, in table order. Regional totals (IEA, LBNL) measure all data centres of
# a region, not one system, so they are not here: the Power chapter shows them as their own series.
PUBLISHED: dict[str, PublishedProjection] = {
    "pow-epoch-leading-supercomputer-2030-9gw": PublishedProjection(
        "Epoch AI: leading AI supercomputer, power",
        MW,
        "Epoch AI extrapolates its regression through every leading supercomputer since 2019 (power doubling about "
        "every 13 months), not the record holder; and it counts a supercomputer, which may span several buildings, "
        "where the book counts one site.",
    ),
    "trend-epoch-leading-supercomputer-2030-chips": PublishedProjection(
        "Epoch AI: leading AI supercomputer, chips",
        CHIPS,
        "A count of chips, whatever their speed: the book counts H100-equivalents, which also grow as each chip gets "
        "faster, so its path rises more steeply than a chip count.",
    ),
    "pow-epoch-frontier-training-2030-4-16gw": PublishedProjection(
        "Epoch AI and EPRI: largest training run, power",
        MW,
        "A training run may span several sites; the range comes from scenarios for the growth of training compute "
        "and for the gains in efficiency, not from a fit through sites.",
    ),
    "trend-aschenbrenner-cluster-h100e-2028": PublishedProjection(
        "Aschenbrenner: largest training cluster, 2028",
        H100E,
        "An essay's order-of-magnitude path (a tenfold gain every two years), not a fit to observed systems.",
    ),
    "trend-aschenbrenner-cluster-h100e-2030": PublishedProjection(
        "Aschenbrenner: largest training cluster, 2030",
        H100E,
        "The same order-of-magnitude path two years on.",
    ),
    "trend-aschenbrenner-cluster-power-2030": PublishedProjection(
        "Aschenbrenner: largest training cluster, power",
        MW,
        "Order-of-magnitude steps that keep power per H100-equivalent roughly flat, where the book's two series imply "
        "that it falls.",
    ),
}


@dataclass(frozen=True)
class Extrapolation:
    """One record series carried to the horizon: its base system, its rate and the path (``year``, ``decimal_year``,
    ``central``, ``low``, ``high``, from the base year to the horizon)."""

    series: str
    unit: str
    base: pd.Series
    multiple: float
    ci_low: float
    ci_high: float
    path: pd.DataFrame

    def at(self, year: int) -> pd.Series:
        """The path in ``year`` (central, low, high)."""
        rows = self.path[self.path["year"] == year]
        if rows.empty:
            raise LookupError(f"{self.series}: {year} is outside {self.path['year'].min()}–{self.path['year'].max()}")
        return rows.iloc[0]


def extrapolate(
    base_value: float, base_decimal_year: float, multiple: float, ci_low: float, ci_high: float, horizon: int
) -> pd.DataFrame:
    """``value(t) = base × m ** (t − base year)`` at mid-year of each year after the base's, up to ``horizon``, and at
    the base's own date; ``low``/``high`` use the interval's multiples. Raises ValueError for a horizon not after the
    base or a non-positive base."""
    if not (math.isfinite(base_value) and base_value > 0):
        raise ValueError(f"the base value must be positive; got {base_value!r}")
    first = int(math.floor(base_decimal_year)) + 1
    if horizon < first:
        raise ValueError(f"horizon {horizon} must be after the base year {int(math.floor(base_decimal_year))}")
    years = np.arange(first, horizon + 1)
    when = np.concatenate([[base_decimal_year], years + MID_YEAR])
    span = when - base_decimal_year
    return pd.DataFrame(
        {
            "year": np.concatenate([[int(math.floor(base_decimal_year))], years]),
            "decimal_year": when,
            "central": base_value * multiple**span,
            "low": base_value * ci_low**span,
            "high": base_value * ci_high**span,
        }
    )


def carry(record_fit: trend_fit.RecordFit, candidates: pd.DataFrame, horizon: int) -> Extrapolation:
    """The record series from the largest observed system up to the edition, at the record fit's rate."""
    table = frontier.largest_by_year(candidates, frontier.FIRST_YEAR, frontier.last_year())
    base = table.iloc[-1]
    fit = record_fit.series.fit
    path = extrapolate(
        float(base["record_value"]),
        float(base["decimal_year"]),
        fit.multiple_per_year,
        fit.ci_low,
        fit.ci_high,
        horizon,
    )
    return Extrapolation(
        series=record_fit.series.series,
        unit=record_fit.series.unit,
        base=base,
        multiple=fit.multiple_per_year,
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        path=path,
    )


def milestone(candidates: pd.DataFrame, extrapolation: Extrapolation, threshold: float) -> dict[str, object]:
    """When the series reaches ``threshold``: ``observed`` with the first candidate at or above it (its figure, date
    and subject), or ``projected`` with the first path year whose central value reaches it (NaN if none)."""
    reached = candidates[candidates["record_value"] >= threshold].sort_values(["decimal_year", "figure_id"])
    if not reached.empty:
        first = reached.iloc[0]
        return {
            "threshold": threshold,
            "kind": "observed",
            "year": int(first["ref_year"]),
            "figure_id": str(first["figure_id"]),
            "subject": str(first["subject"]),
        }
    path = extrapolation.path.iloc[1:]
    over = path[path["central"] >= threshold]
    return {
        "threshold": threshold,
        "kind": "projected",
        "year": int(over["year"].iloc[0]) if not over.empty else math.nan,
        "figure_id": "",
        "subject": "",
    }


def published(published_rows: pd.DataFrame, extrapolations: dict[str, Extrapolation]) -> pd.DataFrame:
    """The published projections of :data:`PUBLISHED` (their ledger rows) with the book's value for the same series
    and year (none for a chip count: the book does not project chips) and the ratio published ÷ book."""
    rows = published_rows.set_index("figure_id").loc[list(PUBLISHED)]
    out = []
    for figure_id, row in rows.iterrows():
        spec = PUBLISHED[figure_id]
        year = int(row["ref_year"])
        book = extrapolations.get(spec.series)
        shown = book.at(year) if book is not None and year in set(book.path["year"]) else None
        out.append(
            {
                "figure_id": figure_id,
                "label": spec.label,
                "series": spec.series,
                "year": year,
                "decimal_year": year + MID_YEAR,
                "value": float(row["value"]),
                "low": float(row["low"]),
                "high": float(row["high"]),
                "unit": row["unit"],
                "publisher": row["publisher"],
                "source_tier": row["source_tier"],
                "book_central": math.nan if shown is None else float(shown["central"]),
                "book_low": math.nan if shown is None else float(shown["low"]),
                "book_high": math.nan if shown is None else float(shown["high"]),
                "why_they_differ": spec.why_they_differ,
            }
        )
    table = pd.DataFrame(out)
    return table.assign(ratio=table["value"] / table["book_central"])


def _value_text(value: float, unit: str) -> str:
    if value != value:
        return ""
    if unit == "MW" and value >= 1000:
        return f"{report.significant(value / 1000, 2)} GW"
    if value >= 1e6:
        return f"{report.significant(value / 1e6, 2)} million {unit.replace('accelerators', 'chips')}"
    return f"{report.significant(value, 2)} {unit.replace('accelerators', 'chips')}"


def published_display(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison for the page: 2 significant figures, the book's interval, the ratio and why they differ."""
    book_unit = table["series"].map({H100E: "H100e", MW: "MW", CHIPS: "accelerators"})
    return pd.DataFrame(
        {
            "Published projection": table["label"],
            "Year": table["year"].astype(str),
            "Published": [
                _value_text(v, u) + (f" ({_value_text(lo, u)}–{_value_text(hi, u)})" if lo == lo and hi == hi else "")
                for v, lo, hi, u in zip(table["value"], table["low"], table["high"], table["unit"], strict=True)
            ],
            "This book (interval)": [
                f"{_value_text(c, u)} ({_value_text(lo, u)}–{_value_text(hi, u)})" if c == c else "not projected"
                for c, lo, hi, u in zip(
                    table["book_central"], table["book_low"], table["book_high"], book_unit, strict=True
                )
            ],
            "Published ÷ book": [report.significant(r, 2) if r == r else "" for r in table["ratio"]],
            "Why they differ": table["why_they_differ"],
            "Source (tier)": [f"{p} ({t})" for p, t in zip(table["publisher"], table["source_tier"], strict=True)],
            "Quote": table["figure_id"],
        }
    )


def plot_frame(extrapolation: Extrapolation, record_fit: trend_fit.RecordFit, comparison: pd.DataFrame) -> pd.DataFrame:
    """What the chart draws: the records (layer ``record``), the path (``path``) and the published projections of
    the same series (``published``)."""
    records = record_fit.records
    record_rows = pd.DataFrame(
        {
            "layer": "record",
            "decimal_year": records["decimal_year"],
            "value": records["record_value"],
            "low": np.nan,
            "high": np.nan,
            "label": records["subject"],
            "figure_id": records["figure_id"],
        }
    )
    path_rows = extrapolation.path.assign(
        layer="path", value=extrapolation.path["central"], label="this book (what-if)"
    )
    path_rows = path_rows[["layer", "decimal_year", "value", "low", "high", "label"]].assign(figure_id="")
    same = comparison[comparison["series"] == extrapolation_key(extrapolation)]
    published_rows = pd.DataFrame(
        {
            "layer": "published",
            "decimal_year": same["decimal_year"],
            "value": same["value"],
            "low": same["low"].fillna(same["value"]),
            "high": same["high"].fillna(same["value"]),
            "label": same["label"],
            "figure_id": same["figure_id"],
        }
    )
    return pd.concat([record_rows, path_rows, published_rows], ignore_index=True)


def extrapolation_key(extrapolation: Extrapolation) -> str:
    """The :data:`PUBLISHED` series key of an extrapolation (by its unit)."""
    return {"H100e": H100E, "MW": MW}[extrapolation.unit]


MILESTONES_MW = (1_000.0, 5_000.0)


@dataclass(frozen=True)
class Outlook:
    """Both record series carried to the horizon, their milestones and the published projections beside them."""

    horizon: int
    compute_fit: trend_fit.RecordFit
    site_fit: trend_fit.RecordFit
    compute: Extrapolation
    site: Extrapolation
    milestones: list[dict[str, object]]
    comparison: pd.DataFrame


def build(
    compute_candidates: pd.DataFrame,
    site_candidates: pd.DataFrame,
    published_rows: pd.DataFrame,
    fit_start_year: int,
    horizon: int,
) -> Outlook:
    """Fit both record series from ``fit_start_year``, carry them from the largest observed system to ``horizon``,
    and set the published projections beside them. The candidates are of every year (``queries.record_candidates_*``
    from year 0); ``published_rows`` are the rows of :data:`PUBLISHED` (``queries.figures_by_id``)."""
    compute_fit = trend_fit.fit_records(
        compute_candidates[compute_candidates["ref_year"] >= fit_start_year], trend_fit.COMPUTE_RECORD_SERIES, "H100e"
    )
    site_fit = trend_fit.fit_records(
        site_candidates[site_candidates["ref_year"] >= fit_start_year], trend_fit.SITE_RECORD_SERIES, "MW"
    )
    compute = carry(compute_fit, compute_candidates, horizon)
    site = carry(site_fit, site_candidates, horizon)
    milestones = [milestone(site_candidates, site, threshold) for threshold in MILESTONES_MW]
    comparison = published(published_rows, {H100E: compute, MW: site})
    return Outlook(horizon, compute_fit, site_fit, compute, site, milestones, comparison)


def milestone_text(found: dict[str, object]) -> str:
    """'reached in 2025 (figure …: …)' for an observed milestone, 'projected for 2027' otherwise."""
    if found["kind"] == "observed":
        return f"reached in {found['year']} ({found['subject']}, figure {found['figure_id']})"
    year = found["year"]
    return "not reached by the horizon" if year != year else f"projected for {year} (what-if)"


def add_key_numbers(keys, result: Outlook) -> None:
    """Key numbers for the horizon year (central, low, high) of both series, resting on the records and the base;
    glue the base systems, the milestones and the rates for the prose."""
    method = (
        "base × (record fit's yearly multiple) ^ (years from the base's date to mid-horizon year); the interval uses "
        "the ends of the multiple's Student-t interval"
    )
    for prefix, extrapolation, record_fit, what in (
        ("outlook_mw", result.site, result.site_fit, "the largest single site's power"),
        ("outlook_h100e", result.compute, result.compute_fit, "the largest cluster in H100-equivalents"),
    ):
        at = extrapolation.at(result.horizon)
        inputs = sorted({*record_fit.records["figure_id"], str(extrapolation.base["figure_id"])})
        scale, unit = (1000.0, "GW") if extrapolation.unit == "MW" else (1e6, "million H100e")
        for end in ("central", "low", "high"):
            keys.add(
                f"{prefix}_{end}",
                float(at[end]) / scale,
                unit=unit,
                description=f"What-if: {what} in {result.horizon} if its record trend continues ({end})",
                method=method,
                inputs=inputs,
            )
        report.glue(f"{prefix}_base_subject", str(extrapolation.base["subject"]))
        report.glue(f"{prefix}_base_year", int(extrapolation.base["ref_year"]))
        report.glue(f"{prefix}_base_text", report.significant(float(extrapolation.base["record_value"])))
        report.glue(f"{prefix}_multiple", extrapolation.multiple)
    for found in result.milestones:
        report.glue(f"outlook_milestone_{int(found['threshold'])}", milestone_text(found))
    report.glue("outlook_horizon", result.horizon)
