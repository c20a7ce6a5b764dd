"""Record series: known answers for which rows are records, the fit through them (checked against scipy's own
regression), the top-per-year check, and the rules that keep programmes, fleets, pipelines, grid supply and
unconfirmed claims out of the series."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compute_ledger import dates, metadata, queries, trend_fit


def _candidates(rows):
    frame = pd.DataFrame(rows, columns=["figure_id", "decimal_year", "record_value"])
    return frame.assign(ref_year=frame["decimal_year"].astype(int), value=frame["record_value"])


def test_a_row_is_a_record_only_when_it_beats_everything_dated_before_it():
    marked = trend_fit.mark_records(
        _candidates(
            [
                ("a", 2020.0, 100.0),  # first: a record
                ("b", 2021.0, 80.0),  # smaller than a: not a record
                ("c", 2021.0, 300.0),  # same date as b, larger: a record
                ("d", 2022.0, 300.0),  # ties the record: not a record (strictly larger only)
                ("e", 2023.0, 250.0),  # a later, smaller system: not a record
                ("f", 2024.0, 1000.0),  # a record
            ]
        )
    )
    assert dict(zip(marked["figure_id"], marked["is_record"], strict=True)) == {
        "a": True,
        "b": False,
        "c": True,
        "d": False,
        "e": False,
        "f": True,
    }


def test_the_fit_through_records_recovers_a_known_rate_and_matches_scipy():
    years = np.array([2019.0, 2020.5, 2021.0, 2022.25, 2023.0, 2024.5, 2025.0])
    noise = np.array([0.05, -0.08, 0.02, 0.1, -0.04, 0.0, 0.03])  # ln units; the records still rise
    values = 1000.0 * 2.0 ** (years - 2019.0) * np.exp(noise)
    smaller = [(f"s{i}", y + 0.1, v / 3) for i, (y, v) in enumerate(zip(years, values, strict=True))]
    candidates = _candidates([(f"r{i}", y, v) for i, (y, v) in enumerate(zip(years, values, strict=True))] + smaller)
    result = trend_fit.fit_records(candidates, "test", "H100e")
    assert list(result.records["figure_id"]) == [f"r{i}" for i in range(7)]
    independent = stats.linregress(years, np.log(values))
    t = stats.t.ppf(0.5 + trend_fit.CONFIDENCE / 2, len(years) - 2)
    assert result.series.fit.multiple_per_year == pytest.approx(math.exp(independent.slope), rel=1e-12)
    assert result.series.fit.ci_low == pytest.approx(math.exp(independent.slope - t * independent.stderr), rel=1e-9)
    assert result.series.fit.ci_high == pytest.approx(math.exp(independent.slope + t * independent.stderr), rel=1e-9)
    assert result.series.fit.multiple_per_year == pytest.approx(2.0, rel=0.05)
    # The check fits the three largest rows of each year: here every row, records and the smaller ones.
    assert result.check.n == len(candidates)


def test_top_per_year_keeps_the_three_largest_of_each_year():
    candidates = _candidates([(f"x{i}", 2020.0 + i / 10, float(i)) for i in range(5)] + [("y", 2021.0, 1.0)])
    top = trend_fit.top_per_year(candidates)
    assert sorted(top["figure_id"]) == ["x2", "x3", "x4", "y"]


def test_too_few_records_is_a_clear_error():
    with pytest.raises(trend_fit.growth.GrowthInputError, match="2 record"):
        trend_fit.fit_records(_candidates([("a", 2020.0, 1.0), ("b", 2021.0, 2.0), ("c", 2022.0, 1.5)]), "t", "MW")


def test_doubling_months():
    assert trend_fit.doubling_months(2.0) == pytest.approx(12.0)
    assert trend_fit.doubling_months(math.sqrt(2.0)) == pytest.approx(24.0)
    assert trend_fit.doubling_months(0.9) == math.inf


def test_the_real_series_take_single_systems_only_and_no_unconfirmed_or_grid_rows(ledger_connection):
    compute = queries.record_candidates_compute(ledger_connection, 2018)
    site = queries.record_candidates_site(ledger_connection, 2018)
    for frame in (compute, site):
        assert set(frame["scope"]) <= {"cluster", "site", "training_run"}
        assert set(frame["status"]) <= set(metadata.RECORD_STATUSES)
        assert "weak" not in set(frame["source_tier"])
        assert frame["ref_year"].notna().all()
    assert set(site["power_measure"]) <= set(queries.SITE_RECORD_MEASURES)
    confidence = ledger_connection.execute("SELECT figure_id, confidence FROM figures").df()
    low = set(confidence.loc[confidence["confidence"] == "low", "figure_id"])
    assert not low & (set(compute["figure_id"]) | set(site["figure_id"]))
    # H100e: a count of A100s is worth fewer H100e than its count (312 / 989 dense TFLOPS).
    a100 = compute[compute["chip"] == "a100"]
    assert not a100.empty and (a100["record_value"] < a100["value"]).all()


def test_nothing_dated_after_the_edition_enters_a_fit_a_record_or_the_projection_base(ledger_connection):
    """The ledger holds estimates of clusters still to be built (e.g. a 2027 Abilene phase): they are forecasts."""
    from compute_ledger import scenarios

    until = dates.observed_until()
    future = ledger_connection.execute(
        "SELECT count(*) FROM accelerator_counts WHERE status IN ('reported', 'estimate') AND decimal_year > ?",
        [until],
    ).fetchone()[0]
    assert future > 0, "the guard is only tested while the ledger holds a future-dated estimate"
    cluster = trend_fit.fit_cluster_points(
        queries.largest_cluster_points(ledger_connection, 2018), 2018, include_announced=False
    )
    assert (cluster.fitted_points["decimal_year"] <= until).all()
    chain = queries.chain_inputs(ledger_connection)
    base = scenarios.base_point(chain["candidates"], chain["h100_tdp_w"])
    assert base.decimal_year <= until
    for frame in (
        queries.record_candidates_compute(ledger_connection, 2018),
        queries.record_candidates_site(ledger_connection, 2018),
    ):
        assert (frame["decimal_year"] <= until).all()
