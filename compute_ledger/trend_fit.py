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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import duckdb
import numpy as np
import pandas as pd
from scipy import special

from compute_ledger import charts, database, growth, report

CONFIDENCE = 0.9
MIN_FIT_POINTS = 3  # two points give a line but no standard error, so no band and no Monte Carlo spread
CURVE_STEPS_PER_YEAR = 20

ROLE_FITTED = "fitted"
ROLE_PLAN_NOT_FITTED = "announced plan, not fitted"
ROLE_SMALLER_NOT_FITTED = "smaller than the year's largest, not fitted"

CLUSTER_SERIES = "largest cluster"
SITE_POWER_SERIES = "largest site power"

# Rows of the view site_power that are not the power a single site or cluster draws or is built for.
NOT_SITE_POWER: dict[str, str] = {
    "seed-000-no-1gw-training-cluster-yet": "a statement that nobody had built a 1 GW cluster yet, not a power",
    "pow-colossus1-megapack-150mw-2025": "battery backup capacity, not the power the site draws",
    "pow-xai-southaven-turbines-245mw": "generating capacity of gas turbines, not the power the site draws",
}
SITE_POWER_SCOPES = ("site", "cluster")

_COLUMNS = """figure_id, ref_date, ref_year, decimal_year, value, low, high, unit, unit_detail, status,
    confidence, entity, subject, scope, publisher, url, seed_file"""


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


def observed_until() -> float:
    """The edition's date (``CITATION.cff``) as a decimal year. A reported or estimated figure dated after it
    describes the future, so no fit, record series or projection base takes it; plans are drawn whatever their date."""
    from compute_ledger import citation, dates

    return dates.decimal_year(citation.edition().date)


def largest_cluster_points(connection: duckdb.DuckDBPyConnection, fit_start_year: int) -> pd.DataFrame:
    """Largest accelerator count per year from ``fit_start_year``: built or used, and announced, separately."""
    return connection.execute(
        f"""SELECT {_COLUMNS} FROM largest_cluster_by_year
            WHERE ref_year >= ? AND (status = 'announced plan' OR decimal_year <= ?) ORDER BY decimal_year, status""",
        [fit_start_year, observed_until()],
    ).df()


def largest_site_power_points(connection: duckdb.DuckDBPyConnection, fit_start_year: int) -> pd.DataFrame:
    """Largest power of a single site or cluster per year (MW), built and announced separately.

    Projections are left out (a model output), as are the rows of :data:`NOT_SITE_POWER` and the non-preferred
    rows of a group measuring the same quantity. Ties are broken by figure_id, as in ``largest_cluster_by_year``.
    """
    return connection.execute(
        f"""
        SELECT {_COLUMNS} FROM (
            SELECT *, row_number() OVER (
                PARTITION BY ref_year, status = 'announced plan' ORDER BY value DESC, figure_id) AS rank_in_year
            FROM site_power
            WHERE ref_year IS NOT NULL AND ref_year >= ? AND status <> 'projection'
              AND (status = 'announced plan' OR decimal_year <= ?)
              AND scope IN (SELECT unnest(?)) AND figure_id NOT IN (SELECT unnest(?))
              AND coalesce(preferred, true)
        ) WHERE rank_in_year = 1
        ORDER BY decimal_year, status
        """,
        [fit_start_year, observed_until(), list(SITE_POWER_SCOPES), list(NOT_SITE_POWER)],
    ).df()


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
    is_plan = drawn["status"] == growth.STATUS_ANNOUNCED
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


def fit_largest_cluster(
    connection: duckdb.DuckDBPyConnection, fit_start_year: int, include_announced: bool
) -> SeriesFit:
    """The book's fit of the largest known accelerator count per year."""
    points = largest_cluster_points(connection, fit_start_year)
    return fit_largest_per_year(points, CLUSTER_SERIES, "accelerators", include_announced, fit_start_year)


def fit_largest_site_power(
    connection: duckdb.DuckDBPyConnection, fit_start_year: int, include_announced: bool
) -> SeriesFit:
    """The book's fit of the largest known power of a single site or cluster per year (MW)."""
    points = largest_site_power_points(connection, fit_start_year)
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


def published_rates(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The published rates of :data:`PUBLISHED_COMPARISONS`, converted to multiples per year, in table order.

    Columns: ``figure_id``, ``label`` (short, for charts), ``quantity``, ``stated``, ``multiple_per_year``,
    ``multiple_low``, ``multiple_high`` (NaN without a stated range), ``period``, ``publisher``, ``url``,
    ``why_they_differ``.
    Raises ``LookupError`` naming every figure_id missing from the ledger's published trends.
    """
    rows = database.figures_by_id(connection, list(PUBLISHED_COMPARISONS), view="published_trends")
    rows["unit_detail"] = rows["unit_detail"].fillna("")
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


def doubling_text(multiple: float) -> str:
    """ "doubles in 13 months" / "halves in 7 months" / "flat" for a multiple per year."""
    if multiple > 1:
        return f"doubles in {12 * math.log(2) / math.log(multiple):.0f} months"
    if multiple < 1:
        return f"halves in {12 * math.log(2) / -math.log(multiple):.0f} months"
    return "flat"


def comparison_display(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table as readers see it (text columns)."""
    ranges = [
        f"{low:.2f}–{high:.2f}" if pd.notna(low) and pd.notna(high) else ""
        for low, high in zip(table["multiple_low"], table["multiple_high"], strict=True)
    ]
    sources = [
        f"{publisher} ({figure_id}) {url}".strip() if figure_id else publisher
        for publisher, figure_id, url in zip(table["publisher"], table["figure_id"], table["url"], strict=True)
    ]
    return pd.DataFrame(
        {
            "quantity": table["quantity"],
            "x per year": table["multiple_per_year"].map(lambda m: f"{m:.2f}"),
            "range (90 % CI or stated)": ranges,
            "doubling": table["multiple_per_year"].map(doubling_text),
            "as stated": table["stated"],
            "period": table["period"],
            "source": sources,
            "why it differs from this book's fits": table["why_they_differ"],
        }
    )


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


def fit_chart(plotted: pd.DataFrame, y_title: str, value_format: str = ",.0f") -> alt.LayerChart:
    """Points on a log axis (filled: fitted; hollow: drawn, not fitted), the fitted line and its band."""
    base = alt.Chart(plotted).encode(
        x=alt.X(
            "decimal_year:Q",
            title="Year",
            axis=alt.Axis(format="d", tickMinStep=1),
            scale=alt.Scale(nice=False, zero=False),
        )
    )
    log_scale = alt.Scale(type="log")
    curve = base.transform_filter(alt.datum.layer == "curve")
    band = curve.mark_area(opacity=0.18, color="#555555").encode(
        y=alt.Y("band_low:Q", title=y_title, scale=log_scale), y2="band_high:Q"
    )
    line = curve.mark_line(color="#333333", strokeWidth=2).encode(y=alt.Y("fitted:Q", scale=log_scale))
    tooltip = [
        alt.Tooltip("subject:N", title="What"),
        alt.Tooltip("value:Q", title="Value", format=value_format),
        alt.Tooltip("ref_date:N", title="Date"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("role:N", title="In the fit?"),
        alt.Tooltip("publisher:N", title="Source"),
        alt.Tooltip("figure_id:N", title="Figure id"),
    ]
    points = base.transform_filter(alt.datum.layer == "point")
    fitted = points.transform_filter(alt.datum.role == ROLE_FITTED).mark_point(size=110, filled=True, opacity=0.95)
    excluded = points.transform_filter(alt.datum.role != ROLE_FITTED).mark_point(size=110, filled=False, strokeWidth=2)
    encoding = {"y": alt.Y("value:Q", scale=log_scale), **charts.status_encoding(), "tooltip": tooltip}
    labels = (
        points.transform_filter(alt.datum.role != ROLE_FITTED)
        .mark_text(align="left", dx=8, dy=-8, fontSize=11, color="#444444")
        .encode(y=alt.Y("value:Q", scale=log_scale), text=alt.value("not fitted"))
    )
    rings = charts.seed_rings(
        plotted[plotted["layer"] == "point"],
        alt.X("decimal_year:Q", scale=alt.Scale(nice=False, zero=False)),
        alt.Y("value:Q", scale=log_scale),
    )
    return alt.layer(band, line, fitted.encode(**encoding), excluded.encode(**encoding), labels, rings)


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


def comparison_chart(plotted: pd.DataFrame) -> alt.LayerChart:
    """Multiples per year on a log axis, one row per rate, this book's fits first; a rule at 1 (no growth)."""
    order = list(plotted["label"])
    base = alt.Chart(plotted).encode(y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=330)))
    x_scale = alt.Scale(type="log")
    colour = alt.Color(
        "kind:N",
        title=None,
        scale=alt.Scale(domain=["this book's fit", "published"], range=[charts.PALETTE[3], charts.PALETTE[0]]),
    )
    ranges = (
        base.transform_filter("datum.high > datum.low")
        .mark_rule(strokeWidth=3, opacity=0.6)
        .encode(x=alt.X("low:Q", title="Multiple per year (log scale)", scale=x_scale), x2="high:Q", color=colour)
    )
    points = base.mark_point(size=90, filled=True).encode(
        x=alt.X("multiple_per_year:Q", scale=x_scale),
        color=colour,
        tooltip=[
            alt.Tooltip("quantity:N", title="What"),
            alt.Tooltip("multiple_per_year:Q", title="x per year", format=".2f"),
            alt.Tooltip("low:Q", title="low", format=".2f"),
            alt.Tooltip("high:Q", title="high", format=".2f"),
            alt.Tooltip("publisher:N", title="Source"),
            alt.Tooltip("figure_id:N", title="Figure id"),
        ],
    )
    no_growth = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4], color="#777777").encode(x="x:Q")
    return alt.layer(no_growth, ranges, points)


# --- Record series: each system that was the largest of its kind when it came online at that size ---------------

RECORD_STATUSES = ("reported", "estimate")  # what was built or used (plans and projections are not records)
ROLE_RECORD = "record"
ROLE_NOT_RECORD = "not a record"
COMPUTE_RECORD_SERIES = "largest cluster (H100e)"
SITE_RECORD_SERIES = "largest site (MW)"
TOP_PER_YEAR = 3  # the check estimator: the three largest rows of each year
# Power that a site draws or is built to draw: IT load, facility power, or a power the source leaves unqualified.
# Grid supply (an interconnection's capacity, often energised ahead of the load) and on-site generation are not.
SITE_RECORD_MEASURES = ("it", "facility", "unspecified")


def record_candidates_compute(connection: duckdb.DuckDBPyConnection, fit_start_year: int) -> pd.DataFrame:
    """Dated accelerator counts of single clusters, sites and training runs that were built or used, in
    H100-equivalents (the chip table's conversion; a count of unknown chips takes its range's geometric middle).

    Non-preferred rows of a group measuring one quantity are left out, as are low-confidence rows (unconfirmed),
    rows on weak sources and every programme, fleet and pipeline (the ``accelerator_counts`` view)."""
    return connection.execute(
        f"""
        SELECT {_COLUMNS}, system_id, chip, h100e AS record_value, h100e_low AS record_low,
               h100e_high AS record_high, source_tier
        FROM accelerator_counts
        WHERE ref_year IS NOT NULL AND ref_year >= ? AND decimal_year <= ? AND status IN (SELECT unnest(?))
          AND coalesce(preferred, true) AND confidence <> 'low' AND h100e IS NOT NULL AND h100e > 0
        ORDER BY decimal_year, figure_id
        """,
        [fit_start_year, observed_until(), list(RECORD_STATUSES)],
    ).df()


def record_candidates_site(connection: duckdb.DuckDBPyConnection, fit_start_year: int) -> pd.DataFrame:
    """Dated power of single sites and clusters that were built or used (MW), measured as in
    :data:`SITE_RECORD_MEASURES`, without the rows of :data:`NOT_SITE_POWER`, weak sources, low-confidence rows
    (unconfirmed claims) and non-preferred rows of a group."""
    return connection.execute(
        f"""
        SELECT {_COLUMNS}, system_id, chip, power_measure, value AS record_value, low AS record_low,
               high AS record_high, source_tier
        FROM site_power
        WHERE ref_year IS NOT NULL AND ref_year >= ? AND decimal_year <= ? AND status IN (SELECT unnest(?))
          AND scope IN (SELECT unnest(?)) AND figure_id NOT IN (SELECT unnest(?))
          AND power_measure IN (SELECT unnest(?))
          AND coalesce(preferred, true) AND confidence <> 'low' AND value > 0
        ORDER BY decimal_year, figure_id
        """,
        [
            fit_start_year,
            observed_until(),
            list(RECORD_STATUSES),
            list(SITE_POWER_SCOPES),
            list(NOT_SITE_POWER),
            list(SITE_RECORD_MEASURES),
        ],
    ).df()


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


def record_chart(plotted: pd.DataFrame, y_title: str) -> alt.LayerChart:
    """The records (filled, coloured by status) with the fitted line and its band; every other candidate as a small
    grey ring, so the reader sees what the records were chosen from."""
    x = alt.X("decimal_year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1), scale=alt.Scale(zero=False))
    base = alt.Chart(plotted).encode(x=x)
    log_scale = alt.Scale(type="log")
    curve = base.transform_filter(alt.datum.layer == "curve")
    band = curve.mark_area(opacity=0.18, color="#555555").encode(
        y=alt.Y("band_low:Q", title=y_title, scale=log_scale), y2="band_high:Q"
    )
    line = curve.mark_line(color="#333333", strokeWidth=2).encode(y=alt.Y("fitted:Q", scale=log_scale))
    tooltip = [
        alt.Tooltip("subject:N", title="What"),
        alt.Tooltip("value:Q", title="Value", format=",.3s"),
        alt.Tooltip("ref_date:N", title="Date"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("role:N", title="Record?"),
        alt.Tooltip("publisher:N", title="Source"),
        alt.Tooltip("figure_id:N", title="Figure id"),
    ]
    points = base.transform_filter(alt.datum.layer == "point")
    others = points.transform_filter(alt.datum.role != ROLE_RECORD).mark_point(
        size=40, filled=False, color="#999999", opacity=0.8
    )
    records = points.transform_filter(alt.datum.role == ROLE_RECORD).mark_point(size=110, filled=True, opacity=0.95)
    y = alt.Y("value:Q", scale=log_scale)
    return alt.layer(
        band,
        line,
        others.encode(y=y, tooltip=tooltip),
        records.encode(y=y, tooltip=tooltip, **charts.status_encoding()),
    )


def record_display(record_fit: RecordFit) -> pd.DataFrame:
    """The record table for the page: values to three significant figures with separators and units."""
    table = record_table(record_fit)
    unit = record_fit.series.unit
    return pd.DataFrame(
        {
            "Date": table["date"],
            "System": table["system"],
            "What was counted": table["what"],
            "As stated": [
                f"{report.significant(v)} {u}"
                + (f" ({c})" if c and c not in ("mixed", "unknown") else f" ({c} chips)" if c else "")
                for v, u, c in zip(table["stated"], table["stated unit"], table["chip"], strict=True)
            ],
            unit: [report.significant(v) for v in table[unit]],
            "Status": table["status"],
            "Source tier": table["source tier"],
            "Figure": table["figure_id"],
        }
    )


def add_record_key_numbers(keys, prefix: str, record_fit: RecordFit, what: str) -> None:
    """Record the fit's multiple, its interval and its doubling time (with the interval's doubling times) as key
    numbers ``<prefix>_multiple``, ``_ci_low``, ``_ci_high``, ``_doubling_months``, ``_doubling_months_low/high``;
    glue the check estimator's multiple and the number of records."""
    from compute_ledger import report

    fit = record_fit.series.fit
    inputs = list(record_fit.records["figure_id"])
    fitted = "least-squares fit of ln(value) on date through the record series; Student-t interval"
    doubling = "12 × ln 2 ÷ ln(yearly multiple)"
    numbers = {
        "multiple": (fit.multiple_per_year, "x per year", f"Yearly growth multiple of {what}", fitted),
        "ci_low": (fit.ci_low, "x per year", f"Lower end of the interval of {what}'s yearly multiple", fitted),
        "ci_high": (fit.ci_high, "x per year", f"Upper end of the interval of {what}'s yearly multiple", fitted),
        "doubling_months": (doubling_months(fit.multiple_per_year), "months", f"Doubling time of {what}", doubling),
        "doubling_months_low": (
            doubling_months(fit.ci_high),
            "months",
            f"Shortest doubling time in the interval of {what}",
            doubling + " (upper end of the interval)",
        ),
        "doubling_months_high": (
            doubling_months(fit.ci_low),
            "months",
            f"Longest doubling time in the interval of {what}",
            doubling + " (lower end of the interval)",
        ),
    }
    for name, (value, unit, description, method) in numbers.items():
        if math.isfinite(value):
            keys.add(f"{prefix}_{name}", value, unit=unit, description=description, method=method, inputs=inputs)
        else:  # an interval that reaches no growth has no doubling time: shown in the prose, not a key number
            report.glue(f"{prefix}_{name}", value)
    report.glue(f"{prefix}_records", fit.n)
    report.glue(f"{prefix}_first_year", int(fit.first_year))
    report.glue(f"{prefix}_last_year", int(fit.last_year))
    report.glue(f"{prefix}_check_multiple", record_fit.check.multiple_per_year)
    report.glue(f"{prefix}_check_ci_low", record_fit.check.ci_low)
    report.glue(f"{prefix}_check_ci_high", record_fit.check.ci_high)
    report.glue(f"{prefix}_check_points", record_fit.check.n)


def latest_observation(*record_fits: RecordFit) -> pd.Series:
    """The latest dated row, built or used, among the candidates of these record series: what "data as of" means."""
    points = pd.concat([r.series.points for r in record_fits], ignore_index=True)
    return points.sort_values(["decimal_year", "figure_id"], kind="stable").iloc[-1]
