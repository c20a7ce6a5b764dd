"""The record what-if: known answers for the extrapolation (against a year-by-year compounding written here), the
base (the largest observed system, never a later smaller one or a plan), milestones observed before projected, and
the published projections set beside it on the real ledger."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from compute_ledger import dates, frontier, outlook, queries, trend_fit


def test_the_path_compounds_the_multiple_from_the_base_date_to_mid_year():
    path = outlook.extrapolate(100.0, 2025.25, 2.0, 1.5, 3.0, 2028)
    assert list(path["year"]) == [2025, 2026, 2027, 2028]
    assert list(path["decimal_year"]) == [2025.25, 2026.5, 2027.5, 2028.5]
    # Independent: compound year by year from the base, 1.25 years to mid-2026, then one year at a time.
    expected, value = [100.0], 100.0 * 2.0**1.25
    for _ in range(3):
        expected.append(value)
        value *= 2.0
    assert list(path["central"]) == pytest.approx(expected, rel=1e-12)
    assert path["low"].iloc[-1] == pytest.approx(100.0 * 1.5**3.25)
    assert path["high"].iloc[-1] == pytest.approx(100.0 * 3.0**3.25)
    assert (path["low"] <= path["central"]).all() and (path["central"] <= path["high"]).all()


@pytest.mark.parametrize(("base", "horizon"), [(100.0, 2025), (0.0, 2030), (math.nan, 2030)])
def test_a_horizon_not_after_the_base_or_a_base_that_is_not_positive_is_refused(base, horizon):
    with pytest.raises(ValueError):
        outlook.extrapolate(base, 2025.5, 2.0, 1.5, 3.0, horizon)


def _candidates(rows):
    frame = pd.DataFrame(rows, columns=["figure_id", "decimal_year", "record_value"])
    return frame.assign(
        ref_year=frame["decimal_year"].astype(int),
        ref_date=frame["decimal_year"].astype(int).astype(str),
        value=frame["record_value"],
        subject=frame["figure_id"],
        system_id="",
    )


CANDIDATES = _candidates(
    [("a", 2019.5, 10.0), ("b", 2021.5, 40.0), ("c", 2023.5, 200.0), ("big", 2025.5, 900.0), ("late", 2026.1, 300.0)]
)


def test_the_base_is_the_largest_observed_system_not_the_latest_one():
    record_fit = trend_fit.fit_records(CANDIDATES, "test", "MW")
    carried = outlook.carry(record_fit, CANDIDATES, frontier.last_year() + 3)
    assert carried.base["figure_id"] == "big"
    assert carried.path["central"].iloc[0] == 900.0
    assert carried.multiple == record_fit.series.fit.multiple_per_year


def test_a_milestone_already_reached_is_observed_and_names_the_system():
    record_fit = trend_fit.fit_records(CANDIDATES, "test", "MW")
    carried = outlook.carry(record_fit, CANDIDATES, frontier.last_year() + 4)
    reached = outlook.milestone(CANDIDATES, carried, 150.0)
    assert reached["kind"] == "observed" and reached["figure_id"] == "c" and reached["year"] == 2023
    ahead = outlook.milestone(CANDIDATES, carried, 5000.0)
    assert ahead["kind"] == "projected"
    first_over = carried.path[carried.path["central"] >= 5000.0]["year"].iloc[0]
    assert ahead["year"] == first_over
    assert outlook.milestone_text(reached).startswith("reached in 2023")


def test_on_the_ledger_published_projections_sit_beside_the_book_and_the_numbers_hold(ledger_connection):
    inputs = queries.outlook_inputs(ledger_connection, list(outlook.PUBLISHED))
    result = outlook.build(**inputs, fit_start_year=2018, horizon=2030)
    table = result.comparison.set_index("figure_id")
    assert list(table.index) == list(outlook.PUBLISHED)
    assert set(table["source_tier"]) <= {"primary", "record"}
    epoch = table.loc["pow-epoch-leading-supercomputer-2030-9gw"]
    assert epoch["value"] == 9000.0 and epoch["year"] == 2030
    assert epoch["book_central"] == pytest.approx(result.site.at(2030)["central"])
    assert epoch["ratio"] == pytest.approx(9000.0 / epoch["book_central"])
    assert math.isnan(table.loc["trend-epoch-leading-supercomputer-2030-chips", "book_central"])  # chips: no path
    for extrapolation in (result.site, result.compute):
        at = extrapolation.at(2030)
        assert at["low"] < at["central"] < at["high"]  # the headline lies inside its own interval
        assert extrapolation.base["status"] in ("reported", "estimate")
        assert extrapolation.base["scope"] in ("cluster", "site", "training_run")
        assert extrapolation.base["decimal_year"] <= dates.observed_until()
