"""The frontier year by year: known answers for the running maximum and the other unit of the same system, the
links to quotes, and the rules on the real ledger (no weak row, no programme, fleet or pipeline, no plan)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from compute_ledger import database, frontier, queries, report


def _candidates(rows):
    frame = pd.DataFrame(rows, columns=["figure_id", "system_id", "decimal_year", "record_value"])
    return frame.assign(
        ref_year=frame["decimal_year"].astype(int),
        ref_date=frame["decimal_year"].astype(int).astype(str),
        value=frame["record_value"],
    )


SYSTEMS = _candidates(
    [
        ("old", "s-old", 2017.5, 500.0),  # before the first year: still the largest in 2019
        ("mid", "s-mid", 2020.2, 2000.0),  # the record from 2020
        ("small", "s-small", 2021.5, 900.0),  # smaller than the record: never the largest
        ("tie", "s-tie", 2023.0, 2000.0),  # ties the record later: the earlier one stays
        ("big", "s-big", 2024.9, 9000.0),
    ]
)


def test_each_year_takes_the_largest_dated_in_or_before_it_and_says_when_it_is_new():
    table = frontier.largest_by_year(SYSTEMS, 2019, 2026)
    assert list(table["year"]) == list(range(2019, 2027))
    assert list(table["figure_id"]) == ["old", "mid", "mid", "mid", "mid", "big", "big", "big"]
    assert list(table["new_in_year"]) == [False, True, False, False, False, True, False, False]


def test_years_before_the_first_candidate_are_left_out():
    table = frontier.largest_by_year(SYSTEMS[SYSTEMS["figure_id"] != "old"], 2018, 2021)
    assert list(table["year"]) == [2020, 2021]


def test_the_other_unit_is_the_latest_row_of_the_same_system_up_to_that_year():
    table = frontier.largest_by_year(SYSTEMS, 2019, 2026)
    power = _candidates(
        [
            ("p-mid-1", "s-mid", 2020.5, 30.0),
            ("p-mid-2", "s-mid", 2022.5, 60.0),  # an expansion: the later value from 2022
            ("p-other", "s-small", 2021.0, 99.0),  # another system: never matched
            ("p-big-late", "s-big", 2027.0, 800.0),  # after the table's years: never matched
        ]
    ).assign(power_measure="it")
    shown = frontier.other_unit(table, power, "power").set_index("year")
    assert math.isnan(shown.loc[2019, "power_value"])
    assert shown.loc[2020, "power_value"] == 30.0
    assert shown.loc[2021, "power_value"] == 30.0
    assert shown.loc[2022, "power_figure_id"] == "p-mid-2"
    assert shown.loc[2022, "power_unit_note"] == "it"
    assert math.isnan(shown.loc[2026, "power_value"])


def test_a_row_without_a_system_record_is_named_by_its_subject():
    table = pd.DataFrame({"system_id": ["s1", None], "subject": ["x", "A run"], "entity": ["e", "Lab"]})
    systems = pd.DataFrame({"system_id": ["s1"], "name": ["One"], "operator": ["Op"]})
    named = frontier.with_systems(table, systems)
    assert list(named["system_name"]) == ["One", "A run"]
    assert list(named["operator"]) == ["Op", "Lab"]


def test_figure_columns_link_to_the_quote_and_other_cells_stay_text():
    frame = pd.DataFrame({"Name": ["<b>x</b>"], "Quote": ["acc-one"]})
    html = report.html_table(frame, "t", "c", figure_columns=("Quote",)).data
    assert '<a href="sources.html#figure-acc-one"><code>acc-one</code></a>' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html
    with pytest.raises(ValueError, match="not a figure id"):
        report.html_table(pd.DataFrame({"Quote": ['a"><script>']}), "t", "c", figure_columns=("Quote",))


@pytest.mark.parametrize(
    ("value", "shown"), [(652576.0, "653,000"), (1263.4, "1,260"), (13.0, "13.0"), (0.012345, "0.0123")]
)
def test_significant_figures(value, shown):
    assert report.significant(value) == shown


def test_on_the_ledger_every_year_is_covered_by_a_built_single_system_on_a_non_weak_source(ledger_connection):
    compute = queries.record_candidates_compute(ledger_connection, frontier.ALL_YEARS)
    power = queries.record_candidates_site(ledger_connection, frontier.ALL_YEARS)
    systems = queries.systems(ledger_connection)
    for table in (frontier.cluster_by_year(compute, power, systems), frontier.site_by_year(compute, power, systems)):
        assert list(table["year"]) == list(range(frontier.FIRST_YEAR, frontier.last_year() + 1))
        figures = database.figures_by_id(ledger_connection, list(table["figure_id"].unique()))
        assert set(figures["source_tier"]) <= set(database.SERIES_TIERS)
        assert set(figures["scope"]) <= set(database.SINGLE_SYSTEM_SCOPES)
        assert set(figures["status"]) <= {"reported", "estimate"}
        assert (table["record_value"].diff().dropna() >= 0).all()  # a running maximum never falls
