"""Tests for compute_ledger.trend_fit: the book's fits on a synthetic ledger and the published-rate comparison."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from compute_ledger import database, growth, metadata, paths, queries, schema, trend_fit
from compute_ledger.views import growth as growth_views

SOURCE_ID = "synthetic-source"


def figure(figure_id: str, ref_date: str, value: float, **fields: str) -> dict[str, str]:
    """One row of figures.csv (text, as in the file): a reported accelerator count of a cluster by default."""
    row = {column: "" for column in schema.FIGURE_COLUMNS}
    row.update(
        {
            "figure_id": figure_id,
            "category": "accelerators",
            "metric": "accelerator_count",
            "entity": "Synthetic lab",
            "subject": f"synthetic figure {figure_id}",
            "scope": "cluster",
            "ref_date": ref_date,
            "value": f"{value:.6g}",
            "unit": "accelerators",
            "chip": "h100",
            "status": "reported",
            "confidence": "high",
            "source_id": SOURCE_ID,
            "quote": "a synthetic quote",
            "quote_en": "a synthetic quote",
        }
    )
    row.update(fields)
    return row


def power_figure(figure_id: str, ref_date: str, value: float, **fields: str) -> dict[str, str]:
    """A site power figure (MW) of a site by default."""
    power = {"category": "power", "metric": "data_centre_power", "unit": "MW", "scope": "site", "chip": ""}
    power.setdefault("power_measure", "facility")
    return figure(figure_id, ref_date, value, **{**power, **fields})


def trend_figure(figure_id: str, value: float, unit: str, **fields: str) -> dict[str, str]:
    """A published growth rate."""
    return figure(
        figure_id,
        "2025",
        value,
        category="published_trend",
        metric="growth_rate",
        unit=unit,
        scope="industry",
        status="estimate",
        **fields,
    )


def synthetic_database(folder: Path, figures: list[dict[str, str]]) -> Path:
    """Validate the rows as data/raw would be, and build the DuckDB database with the real views."""
    folder.mkdir(parents=True, exist_ok=True)
    source = {column: "" for column in schema.SOURCE_COLUMNS}
    source.update(
        {
            "source_id": SOURCE_ID,
            "title": "Synthetic source",
            "publisher": "Synthetic Publisher",
            "url": "https://example.org/synthetic",
            "language": "en",
            "tier": "primary",
            "accessed": "2026-12-05",
            "licence": "CC BY 4.0",
        }
    )
    h100 = {"chip_id": "h100", "vendor": "NVIDIA", "model": "H100 SXM", "year": "2022", "dense_16bit_tflops": "989"}
    h100 |= {"tdp_w": "700", "source_id": SOURCE_ID, "tflops_quote": "synthetic", "tdp_source_id": "", "tdp_quote": "x"}
    for path, columns, rows in (
        (folder / "sources.csv", schema.SOURCE_COLUMNS, [source]),
        (folder / "figures.csv", schema.FIGURE_COLUMNS, figures),
        (folder / "chips.csv", schema.CHIP_COLUMNS, [h100 | {"note": ""}]),
        (folder / "systems.csv", schema.SYSTEM_COLUMNS, []),
    ):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    ledger = schema.validate(folder / "sources.csv", folder / "figures.csv")
    database_path = folder / "ledger.duckdb"
    database.build_database(ledger, database_path)
    return database_path


# Largest cluster per year, 2018-2024: 1,000 x 2.5 ** (year - 2018), with a fixed +-8 % wobble.
TRUE_MULTIPLE = 2.5
WOBBLE = (1.08, 0.93, 1.05, 0.95, 1.07, 0.92, 1.0)


def cluster_rows() -> list[dict[str, str]]:
    """The synthetic series, a smaller cluster in each year, plans far above the trend and one row before 2018."""
    rows = []
    for offset, wobble in enumerate(WOBBLE):
        year = 2018 + offset
        value = 1000.0 * TRUE_MULTIPLE**offset * wobble
        rows.append(figure(f"largest-{year}", f"{year}-07", value))
        rows.append(figure(f"smaller-{year}", f"{year}-07", value / 3, status="estimate"))
    rows.append(figure("plan-2022", "2022-07", 1e7, status="announced plan"))
    rows.append(figure("plan-2025", "2025-07", 1e8, status="announced plan"))
    rows.append(figure("before-start-2015", "2015-07", 5.0))
    rows.append(figure("projection-2024", "2024-07", 1e9, status="projection"))
    return rows


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = synthetic_database(tmp_path, cluster_rows())
    with database.connect_read_only(path) as opened:
        yield opened


def test_synthetic_series_recovers_known_multiple_and_excludes_plans(connection: duckdb.DuckDBPyConnection) -> None:
    fitted = trend_fit.fit_cluster_points(queries.largest_cluster_points(connection, 2018), 2018, False)
    assert fitted.fit.n == len(WOBBLE)
    assert fitted.fit.multiple_per_year == pytest.approx(TRUE_MULTIPLE, rel=0.03)
    assert fitted.fit.ci_low < TRUE_MULTIPLE < fitted.fit.ci_high
    assert list(fitted.fitted_points["figure_id"]) == [f"largest-{year}" for year in range(2018, 2025)]
    # Plans are drawn, marked, and kept out; the projection and the row before 2018 are not even drawn.
    excluded = fitted.excluded_points.set_index("figure_id")
    assert set(excluded.index) == {"plan-2022", "plan-2025"}
    assert set(excluded["role"]) == {trend_fit.ROLE_PLAN_NOT_FITTED}
    assert "projection-2024" not in set(fitted.points["figure_id"])
    assert "before-start-2015" not in set(fitted.points["figure_id"])
    assert fitted.doubling_time_months == pytest.approx(12 * math.log(2) / math.log(fitted.fit.multiple_per_year))


def test_plans_enter_the_fit_only_with_the_flag(connection: duckdb.DuckDBPyConnection) -> None:
    fitted = trend_fit.fit_cluster_points(queries.largest_cluster_points(connection, 2018), 2018, True)
    roles = fitted.points.set_index("figure_id")["role"]
    assert roles["plan-2022"] == trend_fit.ROLE_FITTED
    assert roles["plan-2025"] == trend_fit.ROLE_FITTED
    # The year's largest allowed row is fitted: the reported 2022 cluster is now the smaller one.
    assert roles["largest-2022"] == trend_fit.ROLE_SMALLER_NOT_FITTED
    assert fitted.fit.n == len(WOBBLE) + 1  # 2018-2024 plus 2025
    assert fitted.fit.multiple_per_year > TRUE_MULTIPLE * 1.2


def test_fit_start_year_drops_earlier_years_and_too_few_years_fail_loudly(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    later = trend_fit.fit_cluster_points(queries.largest_cluster_points(connection, 2020), 2020, False)
    assert later.fit.n == 5
    assert later.fit.first_year == pytest.approx(2020.5, abs=0.1)
    with pytest.raises(growth.GrowthInputError, match="fit_start_year|Lower fit_start_year"):
        trend_fit.fit_cluster_points(queries.largest_cluster_points(connection, 2023), 2023, False)


def test_band_surrounds_the_line_and_is_narrowest_near_the_mean_year(connection: duckdb.DuckDBPyConnection) -> None:
    fitted = trend_fit.fit_cluster_points(queries.largest_cluster_points(connection, 2018), 2018, False)
    curve = fitted.curve
    assert curve["decimal_year"].min() == pytest.approx(fitted.fit.first_year)
    assert curve["decimal_year"].max() == pytest.approx(fitted.fit.last_year)
    assert (curve["band_low"] < curve["fitted"]).all() and (curve["fitted"] < curve["band_high"]).all()
    np.testing.assert_allclose(curve["fitted"], fitted.fit.predict(curve["decimal_year"]))
    log_width = np.log(curve["band_high"] / curve["band_low"])
    narrowest = float(curve["decimal_year"].iloc[int(log_width.argmin())])
    assert narrowest == pytest.approx(float(fitted.fitted_points["decimal_year"].mean()), abs=0.1)


def test_site_power_series_leaves_out_named_rows_fleets_and_non_preferred_rows(tmp_path: Path) -> None:
    rows = [
        power_figure("site-2019", "2019-06", 10.0),
        power_figure("site-2021", "2021-06", 40.0),
        power_figure("site-2023", "2023-06", 160.0),
        power_figure("site-2025", "2025-06", 640.0),
        # Larger, but not a site's own power: excluded by name, by scope, or as the non-preferred row of a group.
        power_figure("seed-000-no-1gw-training-cluster-yet", "2023-06", 1000.0),
        power_figure("fleet-2023", "2023-06", 5000.0, scope="fleet"),
        power_figure("claim-2025", "2025-06", 900.0, quantity_id="site-2025-power", preferred="false"),
        power_figure("estimate-2025", "2025-06", 650.0, quantity_id="site-2025-power", preferred="true"),
        power_figure("plan-2027", "2027-06", 5000.0, status="announced plan"),
    ]
    with database.connect_read_only(synthetic_database(tmp_path, rows)) as opened:
        fitted = trend_fit.fit_site_power_points(queries.largest_site_power_points(opened, 2018), 2018, False)
    assert list(fitted.fitted_points["figure_id"]) == ["site-2019", "site-2021", "site-2023", "estimate-2025"]
    assert list(fitted.excluded_points["figure_id"]) == ["plan-2027"]
    assert fitted.unit == "MW"
    assert fitted.fit.multiple_per_year == pytest.approx(2.0, rel=0.02)


@pytest.mark.parametrize(
    ("value", "metric", "unit", "unit_detail", "expected"),
    [
        (7.0, "growth_rate", "months", "doubling time of capacity", 2 ** (12 / 7)),
        (2.5, "growth_rate", "years", "doubling time of FLOP/s per USD", 2 ** (1 / 2.5)),
        (1.6, "growth_rate", "x_per_year", "", 1.6),
        (15.0, "growth_rate", "percent_per_year", "", 1.15),
        (70.0, "cost_decline_rate", "percent_per_year", "", 0.30),
    ],
)
def test_rates_convert_to_multiples_per_year(
    value: float, metric: str, unit: str, unit_detail: str, expected: float
) -> None:
    assert trend_fit.multiple_per_year(value, metric, unit, unit_detail) == pytest.approx(expected)


def test_rates_that_are_not_doubling_times_or_growth_are_refused() -> None:
    with pytest.raises(ValueError, match="doubling time"):
        trend_fit.multiple_per_year(8.0, "growth_rate", "months", "halving time of compute needed")
    with pytest.raises(ValueError, match="cannot convert"):
        trend_fit.multiple_per_year(2.0, "multiple", "times", "ratio to 2023 level")


def test_published_rates_convert_a_seven_month_doubling_and_keep_source_and_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    comparisons = {
        "trend-synthetic-record-doubling": trend_fit.PublishedComparison("record", "2024-2026", "Counts compute."),
        "trend-synthetic-range": trend_fit.PublishedComparison("range", "2019-2025", "Another sample."),
    }
    monkeypatch.setattr(trend_fit, "PUBLISHED_COMPARISONS", comparisons)
    rows = [
        *cluster_rows(),
        trend_figure("trend-synthetic-record-doubling", 7.0, "months", unit_detail="doubling time of capacity"),
        trend_figure("trend-synthetic-range", 7.0, "months", low="6", high="8", unit_detail="doubling time of power"),
    ]
    with database.connect_read_only(synthetic_database(tmp_path, rows)) as opened:
        published = trend_fit.published_rates(queries.published_trends(opened, list(comparisons)))
    record = published.set_index("figure_id").loc["trend-synthetic-record-doubling"]
    assert record["multiple_per_year"] == pytest.approx(2 ** (12 / 7))
    assert record["stated"] == "doubles every 7 months"
    assert record["publisher"] == "Synthetic Publisher"
    assert record["url"] == "https://example.org/synthetic"
    assert record["why_they_differ"] == "Counts compute."
    assert math.isnan(record["multiple_low"])
    ranged = published.set_index("figure_id").loc["trend-synthetic-range"]
    # An 8-month doubling is the slower end: the bounds swap when converted.
    assert ranged["multiple_low"] == pytest.approx(2 ** (12 / 8))
    assert ranged["multiple_high"] == pytest.approx(2 ** (12 / 6))
    assert list(published["figure_id"]) == list(comparisons)


def test_published_rates_name_every_missing_figure(connection: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(LookupError) as raised:
        queries.published_trends(connection, list(trend_fit.PUBLISHED_COMPARISONS))
    for figure_id in trend_fit.PUBLISHED_COMPARISONS:
        assert figure_id in str(raised.value)


def test_comparison_table_puts_the_books_fits_first(tmp_path: Path) -> None:
    rows = [
        *cluster_rows(),
        *(power_figure(f"site-{y}", f"{y}-06", 10.0 * 1.8 ** (y - 2018)) for y in range(2018, 2025)),
    ]
    with database.connect_read_only(synthetic_database(tmp_path, rows)) as opened:
        cluster = trend_fit.fit_cluster_points(queries.largest_cluster_points(opened, 2018), 2018, False)
        site_power = trend_fit.fit_site_power_points(queries.largest_site_power_points(opened, 2018), 2018, False)
    published = pd.DataFrame(
        [
            {
                "figure_id": "trend-x",
                "label": "X",
                "quantity": "something",
                "stated": "1.6x per year",
                "multiple_per_year": 1.6,
                "multiple_low": math.nan,
                "multiple_high": math.nan,
                "period": "2019-2025",
                "publisher": "P",
                "url": "https://example.org",
                "why_they_differ": "Different sample.",
            }
        ]
    )
    table = trend_fit.comparison_table(cluster, site_power, published)
    assert list(table["figure_id"]) == ["", "", "trend-x"]
    assert table["multiple_per_year"].iloc[0] == pytest.approx(cluster.fit.multiple_per_year)
    assert table["multiple_per_year"].iloc[1] == pytest.approx(1.8, rel=1e-3)
    shown = growth_views.comparison_display(table)
    assert shown["x per year"].tolist()[2] == "1.60"
    assert shown["doubling"].tolist()[2] == "doubles in 18 months"


def test_every_published_comparison_is_a_convertible_published_trend_of_the_ledger() -> None:
    figures = pd.read_csv(paths.FIGURES_CSV, dtype=str, keep_default_na=False).set_index("figure_id")
    for figure_id, comparison in trend_fit.PUBLISHED_COMPARISONS.items():
        assert figure_id in figures.index, figure_id
        row = figures.loc[figure_id]
        assert row["category"] == "published_trend"
        multiple = trend_fit.multiple_per_year(float(row["value"]), row["metric"], row["unit"], row["unit_detail"])
        assert 0 < multiple < 20
        assert comparison.why_they_differ.endswith(".")


# --- Known answers added by the mutation check (benchmarks/mutation.py) -------------------------------------------


def frame_points(years: list[float], values: list[float]) -> pd.DataFrame:
    """Reported ledger points, one per (decimal) year, as fit_largest_per_year takes them."""
    return pd.DataFrame(
        {
            "ref_year": [math.floor(year) for year in years],
            "decimal_year": years,
            "value": values,
            "low": math.nan,
            "high": math.nan,
            "status": metadata.REPORTED,
        }
    )


def test_confidence_band_equals_the_matrix_form_ols_interval_of_the_mean() -> None:
    # Independent of the centred formula in the code: Var(b0 + b1 x) = s^2 [1 x] (X'X)^-1 [1 x]', with the
    # coefficients from numpy's least squares and the t quantile from scipy.stats.
    from scipy import stats

    years = np.array([2018.5, 2019.5, 2020.5, 2021.5, 2022.5, 2023.5])
    log_values = np.log(np.array([1.0e3, 2.9e3, 6.1e3, 1.4e4, 4.2e4, 8.8e4]))
    fit = growth.fit_exponential(years, np.exp(log_values), confidence=0.9)
    curve = trend_fit.confidence_band(fit, years, log_values)

    x = years - 2000.0  # shifted only to keep X'X well conditioned; the band does not depend on the origin
    design = np.column_stack([np.ones_like(x), x])
    beta, rss, _, _ = np.linalg.lstsq(design, log_values, rcond=None)
    s2 = float(rss[0]) / (len(years) - 2)
    grid = np.column_stack([np.ones(len(curve)), curve["decimal_year"].to_numpy() - 2000.0])
    variance = s2 * np.einsum("ij,jk,ik->i", grid, np.linalg.inv(design.T @ design), grid)
    half = stats.t.ppf(0.95, len(years) - 2) * np.sqrt(variance)
    centre = grid @ beta
    np.testing.assert_allclose(np.log(curve["fitted"]), centre, rtol=1e-10)
    np.testing.assert_allclose(np.log(curve["band_high"]) - centre, half, rtol=1e-8)
    np.testing.assert_allclose(centre - np.log(curve["band_low"]), half, rtol=1e-8)


def test_band_grid_has_twenty_steps_per_year_and_at_least_the_two_ends() -> None:
    years = np.array([2020.0, 2021.0, 2022.0])
    log_values = np.log(np.array([1.0, 3.0, 8.0]))
    fit = growth.fit_exponential(years, np.exp(log_values))
    grid = trend_fit.confidence_band(fit, years, log_values)["decimal_year"].to_numpy()
    np.testing.assert_allclose(grid, 2020.0 + np.arange(41) / 20.0)  # 2 years at 0.05-year steps, both ends
    short = np.array([2020.0, 2020.01, 2020.02])
    fit = growth.fit_exponential(short, np.exp(log_values))
    np.testing.assert_allclose(trend_fit.confidence_band(fit, short, log_values)["decimal_year"], [2020.0, 2020.02])


def test_three_years_are_enough_for_a_fit_with_a_band_and_two_are_not() -> None:
    three = trend_fit.fit_largest_per_year(frame_points([2020.5, 2021.5, 2022.5], [1.0, 2.0, 4.0]), "s", "u", False, 0)
    assert three.fit.n == 3
    assert three.fit.multiple_per_year == pytest.approx(2.0)
    with pytest.raises(growth.GrowthInputError, match="2 year"):
        trend_fit.fit_largest_per_year(frame_points([2020.5, 2021.5], [1.0, 2.0]), "s", "u", False, 0)


def record_candidates(rows: list[tuple[float, float]]) -> pd.DataFrame:
    """Record candidates (decimal year, value) as fit_records takes them."""
    return pd.DataFrame(
        {
            "figure_id": [f"f{i:02d}" for i in range(len(rows))],
            "decimal_year": [year for year, _ in rows],
            "ref_year": [math.floor(year) for year, _ in rows],
            "record_value": [value for _, value in rows],
            "value": [value for _, value in rows],
        }
    )


def test_three_records_are_enough_and_the_check_fits_the_three_largest_of_each_year() -> None:
    from scipy import stats

    # One record a year (x3 a year, early in the year), then three smaller rows later in the same year: the records
    # are the three early rows; the check fits the three largest rows of each year (the record and two smaller).
    rows = []
    for offset, year in enumerate((2020.2, 2021.2, 2022.2)):
        record = 100.0 * 3.0**offset
        rows += [(year, record), (year + 0.3, record * 0.5), (year + 0.4, record * 0.4), (year + 0.5, record * 0.2)]
    fitted = trend_fit.fit_records(record_candidates(rows), "records", "u")
    assert fitted.series.fit.n == 3
    assert fitted.series.fit.multiple_per_year == pytest.approx(3.0, rel=1e-12)
    top = [point for position, point in enumerate(rows) if position % 4 != 3]  # all but each year's smallest
    expected = stats.linregress([year for year, _ in top], np.log([value for _, value in top]))
    assert fitted.check.n == 9
    assert fitted.check.slope_log == pytest.approx(expected.slope, rel=1e-10)
    with pytest.raises(growth.GrowthInputError, match="2 record"):
        trend_fit.fit_records(record_candidates([(2020.5, 1.0), (2021.5, 2.0)]), "records", "u")


@pytest.mark.parametrize(
    ("value", "metric", "unit", "expected"),
    [
        (1.6, "growth_rate", "x_per_year", "1.6x per year"),
        (7.0, "growth_rate", "months", "doubles every 7 months"),
        (2.5, "growth_rate", "years", "doubles every 2.5 years"),
        (70.0, "cost_decline_rate", "percent_per_year", "70 % decline per year"),
        (15.0, "growth_rate", "percent_per_year", "15 % per year"),
    ],
)
def test_stated_rate_says_the_rate_as_the_source_states_it(value: float, metric: str, unit: str, expected: str) -> None:
    assert trend_fit.stated_rate(value, metric, unit) == expected
