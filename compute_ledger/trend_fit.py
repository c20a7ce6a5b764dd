"""The book's own growth fits on the ledger, and how they compare with published analyses.

Two series, one point per year, each fitted as ``value = A * m ** year`` (:func:`growth.fit_exponential`):

* the largest known accelerator count of a cluster, site or training run (view ``largest_cluster_by_year``);
* the largest known power of a single site or cluster, in MW (view ``site_power``).

Which rows may enter a fit follows :func:`growth.select_fit_points`: reported and estimated figures always,
announced plans only when ``include_announced`` (parameter ``fit_include_announced``), projections never. Rows
that are drawn but not fitted keep a ``role`` saying why. Of the rows allowed in a year, only the largest is
fitted: the series is "the largest known per year".

:func:`comparison_table` sets the fitted multiples beside published rates of related quantities, each
converted to a multiple per year, with its source and a sentence (:data:`PUBLISHED_COMPARISONS`) on why it differs.

The fits take the frames of ``queries.py`` and run no SQL; the charts and tables are in ``views/growth.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from compute_ledger import growth, metadata

CONFIDENCE = 0.9
MIN_FIT_POINTS = 3  # two points give a line but no standard error, so no band and no Monte Carlo spread
CURVE_STEPS_PER_YEAR = 20

ROLE_FITTED = "fitted"
ROLE_PLAN_NOT_FITTED = "announced plan, not fitted"
ROLE_SMALLER_NOT_FITTED = "smaller than the year's largest, not fitted"

CLUSTER_SERIES = "largest cluster"
SITE_POWER_SERIES = "largest site power"


@dataclass(frozen=True)
class PublishedComparison:
    """A short ``label`` for charts, what a published rate covers (``period``) and why it differs from the fits."""

    label: str
    period: str
    why_they_differ: str


# The published rates the comparison table shows, in table order, keyed by figure_id in data/raw/figures.csv.
PUBLISHED_COMPARISONS: dict[str, PublishedComparison] = {
    "trend-epoch-supercomputer-chips-2019-2025": PublishedComparison(
        "Epoch AI: chips per leading AI supercomputer",
        "2019–2025",
        "Same kind of count, different sample: Epoch AI regresses on 57 leading systems (the top 10 when each "
        "started), not on the single record holder of each year, so its line runs through many smaller systems.",
    ),
    "trend-epoch-largest-dc-record-doubling": PublishedComparison(
        "Epoch AI: compute of the record data centre",
        "Aug 2024 – Jun 2026",
        "Record computing capacity of one site in H100-equivalents: it also grows with faster chips, and it spans "
        "under two years of record steps; the book counts chips, whatever their speed, since the fit's first year.",
    ),
    "trend-aschenbrenner-largest-cluster-growth": PublishedComparison(
        "Aschenbrenner: largest training cluster",
        "2022–2030 (extrapolation)",
        "The same quantity, but a back-of-the-envelope extrapolation (about ten times every two years, in size or "
        "cost) rather than a fit on observed clusters.",
    ),
    "trend-epoch-supercomputer-cost-2019-2025": PublishedComparison(
        "Epoch AI: hardware cost of leading supercomputers",
        "2019 – Jun 2025",
        "Hardware cost in constant dollars is chips times chip price, so it grows with the count and with dearer "
        "chips; the book's count has no price in it.",
    ),
    "trend-epoch-training-compute-2010-2024-05": PublishedComparison(
        "Epoch AI: training compute of frontier models",
        "2010 – May 2024",
        "Training compute (FLOP) of frontier models grows with the number of chips, their speed and the length of "
        "the run, so it outpaces any count of chips.",
    ),
    "trend-epoch-supercomputer-power-2019-2025": PublishedComparison(
        "Epoch AI: power of leading supercomputers",
        "2019–2025",
        "Power capacity of leading supercomputers, computed as chip power × chips × overhead × PUE where not "
        "reported; the book's power series mixes stated site power, grid supply and IT-power estimates.",
    ),
    "trend-epoch-frontier-training-power-2-1x": PublishedComparison(
        "Epoch AI: power of frontier training runs",
        "2010 – Sep 2024",
        "Power drawn by the hardware of frontier training runs: a run uses part of a site, and longer runs on more "
        "efficient chips keep its power growing more slowly than its compute.",
    ),
    "trend-iea-dc-electricity-growth-2024-2030": PublishedComparison(
        "IEA: electricity of all data centres",
        "2024–2030 (projection)",
        "Electricity use of all data centres worldwide, most of them not built for AI: a total over thousands of "
        "sites grows far more slowly than the largest single site.",
    ),
    "trend-lbnl-us-dc-electricity-cagr-2018-2023": PublishedComparison(
        "LBNL: electricity of US data centres",
        "2018–2023",
        "Electricity use of all US data centres: a national total, energy over a year rather than a site's power, "
        "so it grows far more slowly than the largest AI site.",
    ),
    "trend-ark-2023-training-cost-decline-observed": PublishedComparison(
        "ARK: cost to train to GPT-3 level",
        "2020–2022",
        "A falling price: the cost of training a model to a fixed (GPT-3-level) capability, which cheaper chips "
        "and better algorithms push down while the size and cost of the largest clusters rise.",
    ),
}


@dataclass(frozen=True, eq=False)
class SeriesFit:
    """An exponential fit of one "largest per year" series.

    ``points`` holds every point drawn (fitted or not) with the columns of the ledger plus ``fit_value``
    (the value fitted, NaN when not fitted), ``in_fit`` and ``role``; ``curve`` holds the fitted line and its
    90 % confidence band (``decimal_year``, ``fitted``, ``band_low``, ``band_high``) over the fitted years.
    """

    series: str
    unit: str
    fit: growth.GrowthFit
    points: pd.DataFrame
    curve: pd.DataFrame

    @property
    def fitted_points(self) -> pd.DataFrame:
        """The points that entered the fit."""
        return self.points.loc[self.points["in_fit"]].reset_index(drop=True)

    @property
    def excluded_points(self) -> pd.DataFrame:
        """The points drawn but kept out of the fit (plans, unless they are allowed; smaller rows of a year)."""
        return self.points.loc[~self.points["in_fit"]].reset_index(drop=True)

    @property
    def doubling_time_months(self) -> float:
        """Doubling time of the fitted trend in months (``inf`` when the trend does not grow)."""
        return 12.0 * self.fit.doubling_time_years


def fit_largest_per_year(
    points: pd.DataFrame, series: str, unit: str, include_announced: bool, fit_start_year: int
) -> SeriesFit:
    """Fit the largest allowed value of each year; every other point is kept, marked as not fitted.

    Raises :class:`growth.GrowthInputError` when fewer than :data:`MIN_FIT_POINTS` years remain, naming the
    series and the parameters that select the points.
    """
    drawn = points.reset_index(drop=True)
    allowed = growth.select_fit_points(drawn, include_announced=include_announced)
    largest_in_year = allowed.groupby("ref_year")["fit_value"].idxmax()
    fitted = allowed.loc[largest_in_year.to_numpy()].sort_values("decimal_year")
    if len(fitted) < MIN_FIT_POINTS:
        raise growth.GrowthInputError(
            f"{series}: {len(fitted)} year(s) to fit from {fit_start_year} with fit_include_announced="
            f"{include_announced}; a fit with a confidence band needs at least {MIN_FIT_POINTS}. "
            "Lower fit_start_year or include announced plans."
        )
    fit = growth.fit_exponential(fitted["decimal_year"], fitted["fit_value"], confidence=CONFIDENCE)

    drawn["in_fit"] = drawn.index.isin(fitted.index)
    drawn["fit_value"] = allowed["fit_value"].where(allowed.index.isin(fitted.index)).reindex(drawn.index)
    is_plan = drawn["status"] == metadata.ANNOUNCED_PLAN
    drawn["role"] = np.where(
        drawn["in_fit"],
        ROLE_FITTED,
        np.where(is_plan & (not include_announced), ROLE_PLAN_NOT_FITTED, ROLE_SMALLER_NOT_FITTED),
    )
    curve = confidence_band(fit, fitted["decimal_year"].to_numpy(), np.log(fitted["fit_value"].to_numpy()))
    return SeriesFit(series=series, unit=unit, fit=fit, points=drawn, curve=curve)


def confidence_band(fit: growth.GrowthFit, years: np.ndarray, log_values: np.ndarray) -> pd.DataFrame:
    """The fitted line and its confidence band (of the fitted mean, at ``fit.confidence``) over the fitted years.

    In log space the band is ``t * s * sqrt(1/n + (year - mean_year)^2 / Sxx)`` either side of the line, with
    ``s`` the residual standard deviation and ``t`` the two-sided t quantile with ``n - 2`` degrees of freedom.
    """
    n = years.size
    year_mean = float(years.mean())
    sxx = float(np.sum((years - year_mean) ** 2))
    residuals = log_values - (fit.intercept_log + fit.slope_log * years)
    residual_sd = math.sqrt(float(np.sum(residuals**2)) / (n - 2))
    t_critical = float(special.stdtrit(n - 2, 0.5 + fit.confidence / 2.0))  # = stats.t.ppf, lighter import
    steps = max(2, int(math.ceil((fit.last_year - fit.first_year) * CURVE_STEPS_PER_YEAR)) + 1)
    grid = np.linspace(fit.first_year, fit.last_year, steps)
    centre = fit.intercept_log + fit.slope_log * grid
    half_width = t_critical * residual_sd * np.sqrt(1.0 / n + (grid - year_mean) ** 2 / sxx)
    return pd.DataFrame(
        {
            "decimal_year": grid,
            "fitted": np.exp(centre),
            "band_low": np.exp(centre - half_width),
            "band_high": np.exp(centre + half_width),
        }
    )


def fit_cluster_points(points: pd.DataFrame, fit_start_year: int, include_announced: bool) -> SeriesFit:
    """The book's fit of the largest known accelerator count per year (``points``:
    ``queries.largest_cluster_points``)."""
    return fit_largest_per_year(points, CLUSTER_SERIES, "accelerators", include_announced, fit_start_year)


def fit_site_power_points(points: pd.DataFrame, fit_start_year: int, include_announced: bool) -> SeriesFit:
    """The book's fit of the largest known power of a single site or cluster per year, MW (``points``:
    ``queries.largest_site_power_points``)."""
    return fit_largest_per_year(points, SITE_POWER_SERIES, "MW", include_announced, fit_start_year)


def multiple_per_year(value: float, metric: str, unit: str, unit_detail: str) -> float:
    """A published rate as a multiple per year.

    ``x_per_year`` as is; a doubling time in ``months`` is ``2 ** (12 / months)`` and in ``years`` is
    ``2 ** (1 / years)``; ``percent_per_year`` is ``1 + p / 100`` for a growth rate and ``1 - p / 100`` for a
    decline (metric ``cost_decline_rate``). Anything else (a halving time, a ratio) raises ``ValueError``.
    """
    if unit == "x_per_year":
        return float(value)
    if unit in ("months", "years"):
        if not unit_detail.startswith("doubling time"):
            raise ValueError(f"a rate in {unit} must be a doubling time to convert; got {unit_detail!r}")
        years = value / 12.0 if unit == "months" else value
        return 2.0 ** (1.0 / years)
    if unit == "percent_per_year":
        if metric == "cost_decline_rate":
            return 1.0 - value / 100.0
        return 1.0 + value / 100.0
    raise ValueError(f"cannot convert a rate in {unit!r} (metric {metric!r}) to a multiple per year")


def stated_rate(value: float, metric: str, unit: str) -> str:
    """The rate as the source states it: "1.6x per year", "doubles every 7 months", "70 % decline per year"."""
    if unit == "x_per_year":
        return f"{value:g}x per year"
    if unit == "months":
        return f"doubles every {value:g} months"
    if unit == "years":
        return f"doubles every {value:g} years"
    if metric == "cost_decline_rate":
        return f"{value:g} % decline per year"
    return f"{value:g} % per year"


def published_rates(rows: pd.DataFrame) -> pd.DataFrame:
    """The published rates of :data:`PUBLISHED_COMPARISONS` (``rows``: their published-trend rows, in table order,
    from ``queries.published_trends``), converted to multiples per year, in table order.

    Columns: ``figure_id``, ``label`` (short, for charts), ``quantity``, ``stated``, ``multiple_per_year``,
    ``multiple_low``, ``multiple_high`` (NaN without a stated range), ``period``, ``publisher``, ``url``,
    ``why_they_differ``.
    """
    rows = rows.assign(unit_detail=rows["unit_detail"].fillna(""))
    records = []
    for row in rows.itertuples(index=False):
        convert = [
            multiple_per_year(bound, row.metric, row.unit, row.unit_detail) if pd.notna(bound) else math.nan
            for bound in (row.low, row.high)
        ]
        comparison = PUBLISHED_COMPARISONS[row.figure_id]
        records.append(
            {
                "figure_id": row.figure_id,
                "label": comparison.label,
                "quantity": row.subject,
                "stated": stated_rate(row.value, row.metric, row.unit),
                "multiple_per_year": multiple_per_year(row.value, row.metric, row.unit, row.unit_detail),
                # A shorter doubling time is a larger multiple: the converted bounds may swap.
                "multiple_low": min(convert) if not any(map(math.isnan, convert)) else math.nan,
                "multiple_high": max(convert) if not any(map(math.isnan, convert)) else math.nan,
                "period": comparison.period,
                "publisher": row.publisher,
                "url": row.url,
                "why_they_differ": comparison.why_they_differ,
            }
        )
    return pd.DataFrame(records)


def own_rate(series_fit: SeriesFit, label: str, quantity: str) -> dict[str, object]:
    """One row of the comparison table for a fit of this book."""
    fit = series_fit.fit
    return {
        "figure_id": "",
        "label": label,
        "quantity": quantity,
        "stated": f"fitted on {fit.n} years",
        "multiple_per_year": fit.multiple_per_year,
        "multiple_low": fit.ci_low,
        "multiple_high": fit.ci_high,
        "period": f"{math.floor(fit.first_year)}–{math.floor(fit.last_year)}",
        "publisher": "Compute Ledger (this chapter)",
        "url": "",
        "why_they_differ": "",
    }


def comparison_table(cluster_fit: SeriesFit, site_power_fit: SeriesFit, published: pd.DataFrame) -> pd.DataFrame:
    """The book's two fitted rates, then the published ones; same columns as :func:`published_rates`."""
    own = pd.DataFrame(
        [
            own_rate(
                cluster_fit,
                "This book: accelerators of the largest cluster",
                "Accelerators in the largest known cluster, per year (this book's fit)",
            ),
            own_rate(
                site_power_fit,
                "This book: power of the largest site",
                "Power of the largest known site or cluster, per year (this book's fit)",
            ),
        ]
    )
    return pd.concat([own, published], ignore_index=True)


def fit_plot_frame(series_fit: SeriesFit) -> pd.DataFrame:
    """What a fit chart plots: the points (with their role) and the fitted curve with its band, one frame.

    Column ``layer`` is ``point`` or ``curve``; points carry ``value`` and their ledger columns, the curve
    ``fitted``, ``band_low`` and ``band_high``.
    """
    points = series_fit.points[
        [
            "figure_id",
            "decimal_year",
            "ref_date",
            "value",
            "fit_value",
            "status",
            "role",
            "entity",
            "subject",
            "unit_detail",
            "publisher",
        ]
    ].assign(layer="point", from_seed=series_fit.points["seed_file"].fillna("").ne(""))
    curve = series_fit.curve.assign(layer="curve")
    return pd.concat([points, curve], ignore_index=True).assign(series=series_fit.series)


def comparison_plot_frame(table: pd.DataFrame) -> pd.DataFrame:
    """What the rates chart plots: one row per rate with its range (the central value when none is given)."""
    return pd.DataFrame(
        {
            "label": table["label"],
            "quantity": table["quantity"],
            "multiple_per_year": table["multiple_per_year"],
            "low": table["multiple_low"].fillna(table["multiple_per_year"]),
            "high": table["multiple_high"].fillna(table["multiple_per_year"]),
            "kind": np.where(table["figure_id"] == "", "this book's fit", "published"),
            "publisher": table["publisher"],
            "figure_id": table["figure_id"],
        }
    )


# --- Record series: each system that was the largest of its kind when it came online at that size ---------------

ROLE_RECORD = "record"
ROLE_NOT_RECORD = "not a record"
COMPUTE_RECORD_SERIES = "largest cluster (H100e)"
SITE_RECORD_SERIES = "largest site (MW)"
TOP_PER_YEAR = 3  # the check estimator: the three largest rows of each year


def mark_records(candidates: pd.DataFrame, value_column: str = "record_value") -> pd.DataFrame:
    """The candidates in date order with ``is_record``: a row is a record when its value exceeds every value
    dated before it (strictly), so a system enters once for each size at which it became the largest existing.
    Rows of the same date are taken largest first. Returns a new frame; the input is not changed."""
    ordered = candidates.sort_values(
        ["decimal_year", value_column, "figure_id"], ascending=[True, False, True], kind="mergesort"
    ).reset_index(drop=True)
    earlier_max = ordered[value_column].cummax().shift(1, fill_value=-math.inf)
    return ordered.assign(is_record=ordered[value_column] > earlier_max)


def top_per_year(candidates: pd.DataFrame, value_column: str = "record_value", top: int = TOP_PER_YEAR):
    """The ``top`` largest rows of each year (ties by figure_id), in date order: the check estimator's points."""
    ranked = candidates.sort_values([value_column, "figure_id"], ascending=[False, True], kind="mergesort")
    return ranked.groupby("ref_year", sort=True).head(top).sort_values(["decimal_year", "figure_id"])


@dataclass(frozen=True, eq=False)
class RecordFit:
    """A fit on a record series, with the top-per-year fit as a check on the same candidates."""

    series: SeriesFit
    check: growth.GrowthFit

    @property
    def records(self) -> pd.DataFrame:
        """The records, in date order."""
        return self.series.fitted_points


def doubling_months(multiple_per_year: float) -> float:
    """Months to double at this yearly multiple (``inf`` when it does not grow)."""
    return 12.0 * math.log(2.0) / math.log(multiple_per_year) if multiple_per_year > 1.0 else math.inf


def fit_records(candidates: pd.DataFrame, series: str, unit: str) -> RecordFit:
    """Fit ``ln(value)`` on date through the records (Student-t interval at :data:`CONFIDENCE`), and, as a check,
    through the :data:`TOP_PER_YEAR` largest rows of each year. Every candidate is kept in ``points`` with its role.

    Raises :class:`growth.GrowthInputError` when fewer than :data:`MIN_FIT_POINTS` records remain."""
    marked = mark_records(candidates)
    records = marked[marked["is_record"]]
    if len(records) < MIN_FIT_POINTS:
        raise growth.GrowthInputError(
            f"{series}: {len(records)} record(s); a fit with an interval needs at least {MIN_FIT_POINTS}. "
            "Lower fit_start_year."
        )
    fit = growth.fit_exponential(records["decimal_year"], records["record_value"], confidence=CONFIDENCE)
    top = top_per_year(marked)
    check = growth.fit_exponential(top["decimal_year"], top["record_value"], confidence=CONFIDENCE)
    points = marked.assign(
        in_fit=marked["is_record"],
        fit_value=marked["record_value"].where(marked["is_record"]),
        role=np.where(marked["is_record"], ROLE_RECORD, ROLE_NOT_RECORD),
        stated_value=marked["value"],  # as the ledger states it (accelerators, MW); `value` is the series' unit
        value=marked["record_value"],
    )
    curve = confidence_band(fit, records["decimal_year"].to_numpy(), np.log(records["record_value"].to_numpy()))
    return RecordFit(series=SeriesFit(series=series, unit=unit, fit=fit, points=points, curve=curve), check=check)


def record_table(record_fit: RecordFit) -> pd.DataFrame:
    """The records for people: date, system, what was counted, the value in the series' unit, status and the tier
    of the source, one row per record in date order (exact values; the page formats them)."""
    r = record_fit.records
    return pd.DataFrame(
        {
            "date": r["ref_date"],
            "system": r["system_id"].fillna("").where(r["system_id"].fillna("") != "", r["entity"]),
            "what": r["subject"],
            "chip": r["chip"].fillna(""),
            "stated": r["stated_value"],
            "stated unit": r["unit"],
            record_fit.series.unit: r["record_value"],
            "status": r["status"],
            "source tier": r["source_tier"],
            "figure_id": r["figure_id"],
        }
    )


def latest_observation(*record_fits: RecordFit) -> pd.Series:
    """The latest dated row, built or used, among the candidates of these record series: what "data as of" means."""
    points = pd.concat([r.series.points for r in record_fits], ignore_index=True)
    return points.sort_values(["decimal_year", "figure_id"], kind="stable").iloc[-1]
