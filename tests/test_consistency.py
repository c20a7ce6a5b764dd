"""Consistency checks: known answers for the arithmetic, the verdicts at the tolerance, and the real ledger's pairs."""

import pytest

from compute_ledger import consistency, queries


def _inputs(connection):
    return queries.figures_by_id(connection, consistency.input_ids())


def test_overhead_of_a_dgx_h100_is_its_power_over_eight_gpus():
    # 10.2 kW server for 8 GPUs of 700 W: 10,200 / 5,600.
    assert consistency.overhead_factor(10.2, 8, 700.0) == pytest.approx(1.8214, abs=1e-4)


def test_site_power_of_100000_h100_at_known_overhead_and_pue():
    # 100,000 × 700 W × 1.82 × 1.2 = 152.88 MW.
    assert consistency.site_power_mw(100_000, 700.0, 1.82, 1.2) == pytest.approx(152.88)


def test_spend_of_100000_gpus_at_30000_is_3_billion():
    assert consistency.spend_usd(100_000, 30_000) == 3e9


@pytest.mark.parametrize(
    ("computed", "reported", "relation", "expected"),
    [
        (100.0, 100.0, consistency.SAME, "consistent"),
        (149.0, 100.0, consistency.SAME, "consistent"),
        (150.0, 100.0, consistency.SAME, "consistent"),
        (800.0, 1200.0, consistency.SAME, "consistent"),
        (151.0, 100.0, consistency.SAME, "flagged: computed is 1.51× the reported value"),
        (50.0, 100.0, consistency.SAME, "flagged: reported is 2.00× the computed value"),
        (67.0, 100.0, consistency.SAME, "consistent"),
        (10.0, 100.0, consistency.PART, "consistent"),
        (140.0, 100.0, consistency.PART, "consistent"),
        (200.0, 100.0, consistency.PART, "flagged: chips alone are 2.00× the reported sum"),
    ],
)
def test_verdict_at_a_tolerance_of_one_and_a_half(computed, reported, relation, expected):
    assert consistency.verdict(computed, reported, relation, 1.5) == expected


def test_verdict_rejects_a_tolerance_below_one_and_an_unknown_relation():
    with pytest.raises(ValueError, match="factor ≥ 1"):
        consistency.verdict(1.0, 1.0, consistency.SAME, 0.5)
    with pytest.raises(ValueError, match="unknown relation"):
        consistency.verdict(1.0, 1.0, "roughly", 1.5)


def test_power_checks_on_the_ledger_follow_the_formula(ledger_connection):
    table = consistency.power_checks(_inputs(ledger_connection), pue=1.2, tolerance=1.5)
    assert len(table) == len(consistency.POWER_CHECKS)
    colossus = table.set_index("check_id").loc["colossus-2024"]
    # 100,000 H100 at 700 W in 10.2 kW / 8-GPU servers, PUE 1.2: 100,000 / 8 × 10.2 kW × 1.2 = 153 MW vs 150 MW.
    assert colossus["computed_mw"] == pytest.approx(153.0)
    assert colossus["reported_mw"] == 150
    assert colossus["verdict"] == "consistent"
    it_only = table.set_index("check_id").loc["abilene-it"]
    assert it_only["pue_applied"] == 1.0
    # 400,000 GPUs in 120 kW / 72-GPU racks = 666.7 MW of IT power.
    assert it_only["computed_mw"] == pytest.approx(400_000 / 72 * 120 / 1000)


def test_a_higher_pue_raises_only_the_facility_checks(ledger_connection):
    low = consistency.power_checks(_inputs(ledger_connection), pue=1.1, tolerance=1.5).set_index("check_id")
    high = consistency.power_checks(_inputs(ledger_connection), pue=1.5, tolerance=1.5).set_index("check_id")
    ratio = high.loc["colossus-2024", "computed_mw"] / low.loc["colossus-2024", "computed_mw"]
    assert ratio == pytest.approx(1.5 / 1.1)
    assert high.loc["abilene-it", "computed_mw"] == low.loc["abilene-it", "computed_mw"]


def test_spend_checks_on_the_ledger(ledger_connection):
    table = consistency.spend_checks(_inputs(ledger_connection), tolerance=1.5).set_index("check_id")
    abilene = table.loc["abilene-chips"]
    # 400,000 × $35,000 = $14 billion against ~$40 billion: flagged.
    assert abilene["computed_usd"] == 14e9
    assert abilene["verdict"].startswith("flagged: reported is 2.86×")
    assert (table.loc[table["relation"] == consistency.PART, "ratio"] < 1).all()


def test_every_disagreement_group_has_one_used_row_and_a_spread(ledger_connection):
    rows = consistency.disagreements(queries.disagreements(ledger_connection))
    summary = consistency.disagreement_summary(rows)
    assert summary["quantity_id"].is_unique
    assert (summary["rows"] >= 2).all()
    assert (summary["spread"] >= 1).all()
    assert rows.groupby("quantity_id")["preferred"].sum().eq(1).all()
    gpt4 = summary.set_index("quantity_id").loc["gpt4-training-a100-count"]
    assert (gpt4["smallest"], gpt4["largest"], gpt4["spread"]) == (20_000, 25_000, 1.25)
