"""The power chapter's functions on synthetic rows with known answers: the top-10 ranking, what never enters a site
timeline (pipelines, fleets, programmes, generation, weak sources), low confidence drawn but not ranking, the latest
value per measure, and the electricity series."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from compute_ledger import power, queries
from compute_ledger.views import power as power_views


def _row(figure_id: str, system_id: str, value: float, ref_date: str = "2025", **overrides) -> dict:
    year = float(ref_date[:4]) + 0.5 if ref_date else math.nan
    row = {
        "figure_id": figure_id,
        "metric": "data_centre_power",
        "unit": "MW",
        "scope": "site",
        "system_scope": "site",
        "system_id": system_id,
        "system_name": f"{system_id} (somewhere)",
        "power_measure": "unspecified",
        "source_tier": "secondary",
        "confidence": "high",
        "status": "reported",
        "ref_date": ref_date,
        "decimal_year": year,
        "value": value,
        "preferred": pd.NA,
        "publisher": "Publisher",
        "subject": f"power of {system_id}",
    }
    return {**row, **overrides}


def _frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_the_ten_largest_systems_by_their_largest_row_in_order():
    rows = [_row(f"f{n}", f"s{n:02d}", 100.0 * n) for n in range(1, 13)]
    rows.append(_row("f3-plan", "s03", 5000.0, "2028", status="announced plan"))
    ranking = power.rank_systems(_frame(*rows))
    assert list(ranking["system_id"]) == ["s03", "s12", "s11", "s10", "s09", "s08", "s07", "s06", "s05", "s04"]
    assert list(ranking["rank"]) == list(range(1, 11))
    assert ranking.loc[0, "max_mw"] == 5000.0 and ranking.loc[0, "figure_id"] == "f3-plan"


def test_pipelines_fleets_and_programmes_are_never_in_a_timeline():
    rows = _frame(
        _row("site", "a", 300.0),
        _row("pipeline", "b", 30000.0, scope="pipeline"),
        _row("fleet", "c", 2000.0, scope="fleet"),
        _row("programme-row", "d", 10000.0, scope="programme"),
        _row("site-of-a-programme", "e", 8000.0, system_scope="programme"),
        _row("no-system", "", 9000.0),
    )
    ranking = power.rank_systems(rows)
    assert list(ranking["system_id"]) == ["a"]
    assert list(power.timeline_frame(rows, ranking)["figure_id"]) == ["site"]
    assert list(power_views.draw_table(rows)["system_id"]) == ["a"]


def test_generation_is_never_site_power():
    rows = _frame(
        _row("it", "a", 300.0, power_measure="it"),
        _row("turbines", "a", 1100.0, power_measure="generation", status="projection", ref_date="2027"),
        _row("batteries", "b", 150.0, power_measure="generation"),
    )
    ranking = power.rank_systems(rows)
    assert list(ranking["system_id"]) == ["a"] and ranking.loc[0, "max_mw"] == 300.0
    assert "turbines" not in set(power.timeline_frame(rows, ranking)["figure_id"])
    table = power_views.draw_table(rows)
    assert list(table["system_id"]) == ["a"] and table.loc[0, "planned target"] == ""


def test_weak_sources_never_feed_a_timeline():
    rows = _frame(_row("good", "a", 200.0), _row("weak", "a", 900.0, source_tier="weak"))
    ranking = power.rank_systems(rows)
    assert ranking.loc[0, "max_mw"] == 200.0
    assert list(power.timeline_frame(rows, ranking)["figure_id"]) == ["good"]
    assert list(power.latest_by_measure(rows)["figure_id"]) == ["good"]


def test_low_confidence_rows_are_drawn_but_do_not_set_the_rank():
    rows = _frame(
        _row("a-solid", "a", 200.0),
        _row("a-claim", "a", 1000.0, "2026", confidence="low"),
        _row("b", "b", 500.0),
        _row("only-low", "c", 3000.0, confidence="low"),
    )
    ranking = power.rank_systems(rows)
    assert list(ranking["system_id"]) == ["b", "a"]
    assert ranking.set_index("system_id").loc["a", "figure_id"] == "a-solid"
    assert "a-claim" in set(power.timeline_frame(rows, ranking)["figure_id"])


def test_undated_rows_do_not_rank_a_timeline():
    rows = _frame(_row("dated", "a", 400.0), _row("undated", "b", 10000.0, "", status="announced plan"))
    assert list(power.rank_systems(rows)["system_id"]) == ["a"]
    assert power_views.draw_table(rows).set_index("system_id").loc["b", "planned target"].startswith("10,000 MW stated")


def test_built_and_planned_rows_are_told_apart():
    rows = _frame(
        _row("built", "a", 100.0, status="reported"),
        _row("estimated", "a", 150.0, "2026", status="estimate"),
        _row("plan", "a", 300.0, "2027", status="announced plan"),
        _row("projected", "a", 600.0, "2028", status="projection"),
    )
    frame = power.timeline_frame(rows, power.rank_systems(rows)).set_index("figure_id")
    assert frame.loc[["built", "estimated"], "kind"].eq(power.KIND_BUILT).all()
    assert frame.loc[["plan", "projected"], "kind"].eq(power.KIND_PLANNED).all()
    assert power.ranked_by_plan(power.rank_systems(rows), frame.reset_index()) == 1


def test_latest_value_per_measure_and_the_planned_target():
    rows = _frame(
        _row("it-2024", "a", 35.0, "2024-08", power_measure="it", status="estimate"),
        _row("it-2025", "a", 340.0, "2025-07", power_measure="it", status="estimate"),
        _row("grid-2025", "a", 150.0, "2025", power_measure="grid"),
        _row("stated-old", "a", 300.0, "2025-03", status="estimate", preferred=False),
        _row("stated-preferred", "a", 280.0, "2025-06", status="estimate", preferred=True),
        _row("stated-other", "a", 300.0, "2025-06", status="estimate", preferred=False),
        _row("grid-plan", "a", 300.0, "2025", power_measure="grid", status="announced plan"),
        _row("it-projection", "a", 250.0, "2027", power_measure="it", status="projection"),
    )
    latest = power.latest_by_measure(rows).set_index("power_measure")["figure_id"]
    assert latest.to_dict() == {"it": "it-2025", "grid": "grid-2025", "unspecified": "stated-preferred"}
    assert list(power.planned_target(rows)["figure_id"]) == ["grid-plan"]
    table = power_views.draw_table(rows).iloc[0]
    assert table["IT (latest)"] == "340 MW · 2025-07 · Publisher (secondary)"
    assert table["grid (latest)"] == "150 MW · 2025 · Publisher (secondary)"
    assert table["stated (latest)"] == "280 MW · 2025-06 · Publisher (secondary)"
    assert table["facility (latest)"] == ""
    assert table["planned target"] == "300 MW grid · 2025 · Publisher (secondary)"
    measures = power.system_measures(rows, "a")
    assert measures.loc["it", "value"] == 340.0 and measures.loc["grid", "ref_date"] == "2025"


def test_draw_table_puts_the_ranked_systems_first():
    rows = _frame(_row("a", "alpha", 100.0), _row("b", "beta", 900.0), _row("c", "gamma", 500.0))
    assert list(power_views.draw_table(rows, ["beta", "gamma"])["system_id"]) == ["beta", "gamma", "alpha"]


def test_short_names_drop_the_parenthesis_unless_two_systems_would_share_a_name():
    names = pd.Series(["Stargate UAE (Abu Dhabi)", "Google Pryor (North)", "Google Pryor (South)", "Colossus 2"])
    assert list(power.short_names(names)) == [
        "Stargate UAE",
        "Google Pryor (North)",
        "Google Pryor (South)",
        "Colossus 2",
    ]


def _electricity(figure_id: str, entity: str, scope: str, ref_date: str, value: float, **overrides) -> dict:
    row = {
        "figure_id": figure_id,
        "entity": entity,
        "scope": scope,
        "unit": "TWh",
        "unit_detail": "annual electricity use",
        "source_tier": "primary",
        "ref_date": ref_date,
        "decimal_year": float(ref_date) + 0.5,
        "value": value,
        "low": math.nan,
        "high": math.nan,
        "status": "estimate",
        "subject": "use",
        "publisher": "Publisher",
        "url": "https://example.org/report",
    }
    return {**row, **overrides}


def test_electricity_series_points_cases_and_ranges():
    rows = _frame(
        _electricity("g-2024", "IEA (global data centres)", "global", "2024", 415.0),
        _electricity("g-2030", "IEA (global data centres)", "global", "2030", 945.0, status="projection"),
        _electricity("g-2035-weak", "IEA (global data centres)", "global", "2035", 1200.0, source_tier="weak"),
        _electricity("us-2023-relay", "LBNL (US data centres)", "national", "2023", 176.0, source_tier="secondary"),
        _electricity("us-2023-study", "LBNL (US data centres)", "national", "2023", 176.0),
        _electricity(
            "us-2028", "LBNL (US data centres)", "national", "2028", 452.5, low=325.0, high=580.0, status="projection"
        ),
        _electricity(
            "us-saving", "LBNL (US data centres)", "national", "2020", 33.0, unit_detail="annual electricity saving"
        ),
        _electricity("share", "LBNL (US data centres)", "national", "2023", 0.044, unit="ratio"),
    )
    series = power.electricity_series(rows).set_index("figure_id")
    assert sorted(series.index) == ["g-2024", "g-2030", "us-2023-study", "us-2028"]
    assert series.loc["g-2024", "series"] == "Global · IEA" and series.loc["us-2028", "series"] == "US · LBNL"
    assert series.loc["g-2030", "kind"] == "projected" and series.loc["us-2023-study", "kind"] == "observed"
    assert (series.loc["us-2028", "low"], series.loc["us-2028", "high"]) == (325.0, 580.0)
    shown = power_views.electricity_display(series.reset_index()).set_index("figure")
    assert shown.loc["us-2028", "TWh"] == "452 (325–580)" and shown.loc["g-2024", "TWh"] == "415"
    assert power.electricity_point(series.reset_index(), "g-2030")["value"] == 945.0
    with pytest.raises(KeyError, match="g-2035-weak"):
        power.electricity_point(series.reset_index(), "g-2035-weak")


def test_on_the_ledger_no_timeline_row_is_generation_weak_or_a_group(ledger_connection):
    rows = queries.system_power(ledger_connection)
    ranking = power.rank_systems(rows)
    frame = power.timeline_frame(rows, ranking)
    assert len(ranking) == power.TOP_SYSTEMS
    assert set(ranking["system_id"]) == set(frame["system_id"])
    eligible = rows.set_index("figure_id").loc[frame["figure_id"]]
    assert eligible["scope"].isin(power.TIMELINE_SCOPES).all()
    assert eligible["system_scope"].isin(power.TIMELINE_SCOPES).all()
    assert eligible["power_measure"].ne("generation").all()
    assert eligible["source_tier"].ne("weak").all()
    assert eligible.loc[ranking["figure_id"], "confidence"].ne("low").all()
    grouped = queries.grouped_power(ledger_connection, power.GROUPED_SCOPES)
    assert grouped["scope"].isin(power.GROUPED_SCOPES).all() and len(grouped) > 0
