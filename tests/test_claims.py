"""Claims ledger: the verdict rule, and the seeds' claims recomputed on the real ledger with known answers."""

import pytest

from compute_ledger import claims, params, queries


def _inputs(connection) -> claims.ClaimInputs:
    return claims.ClaimInputs(**queries.claims_inputs(connection))


@pytest.mark.parametrize(
    ("test", "claimed", "computed", "caveat", "expected"),
    [
        (claims.AT_LEAST, 140, 142.9, "", "holds"),
        (claims.AT_LEAST, 140, 142.9, "different things", "holds with caveats"),
        (claims.AT_LEAST, 140, 70, "", "off by a factor of 2.0"),
        (claims.ABOUT, 30_000, 27_500, "", "holds"),
        (claims.ABOUT, 100, 150, "", "holds"),  # exactly at the tolerance
        (claims.ABOUT, 2_000, 122, "", "off by a factor of 16.4"),
        (claims.UNCHECKABLE, 3e11, float("nan"), "", "cannot be checked"),
    ],
)
def test_verdict_rule(test, claimed, computed, caveat, expected):
    assert claims.verdict(test, claimed, computed, caveat, tolerance=1.5) == expected


@pytest.mark.parametrize(
    ("computed", "expected"),
    [
        (150.0, "holds"),  # inside 40-200
        (290.0, "holds"),  # 200 × 1.5 = 300: within the tolerance of the high end
        (30.0, "holds"),  # 40 ÷ 1.5 = 26.7
        (1000.0, "off by a factor of 5.0"),  # to the nearer (high) end
        (10.0, "off by a factor of 4.0"),  # to the nearer (low) end
    ],
)
def test_within_a_range_holds_inside_it_and_is_off_by_the_factor_to_the_nearer_end(computed, expected):
    assert claims.verdict(claims.WITHIN, 89.4, computed, "", tolerance=1.5, claimed_range=(40.0, 200.0)) == expected


def test_a_within_test_needs_its_range():
    with pytest.raises(ValueError, match="needs the claimed range"):
        claims.verdict(claims.WITHIN, 1, 1, "", 1.5)


def test_unknown_test_is_an_error():
    with pytest.raises(ValueError, match="unknown test"):
        claims.verdict("roughly", 1, 1, "", 1.5)


def test_every_seed_claim_is_in_the_ledger_and_gets_a_verdict(ledger_connection):
    table = claims.evaluate(_inputs(ledger_connection), params.Parameters())
    assert table["claim_id"].is_unique and len(table) == len(claims.CLAIMS)
    assert set(table["verdict_group"]) <= set(claims.VERDICT_ORDER)
    checked = table[table["test"] != claims.UNCHECKABLE]
    assert checked["arithmetic"].str.len().gt(0).all() and checked["computed"].notna().all()


def test_known_answers_of_the_headline_claims(ledger_connection):
    table = claims.evaluate(_inputs(ledger_connection), params.Parameters()).set_index("claim_id")
    assert table.loc["growth-140x", "computed"] == pytest.approx(100_000 / 700)
    assert table.loc["growth-140x", "verdict"] == "holds with caveats"
    assert table.loc["gpu-spend-3bn", "computed"] == 100_000 * 27_500
    assert table.loc["federal-budget", "computed"] == pytest.approx(7e12 / 6.134e12)
    assert table.loc["chips-act-100x", "computed"] == pytest.approx(7e12 / 52.7e9)
    # 1 − 0.7 ÷ 2^(12/8) = 75.25 % a year.
    assert table.loc["training-cost-75pct", "computed"] == pytest.approx(100 * (1 - 0.7 / 2**1.5))
    # 100,000 × 1,275 W × 1.2 × 0.8 × 8,760 h = 1,072.224 GWh a year, against the households of a town of 20,000 to
    # 100,000 people: ÷ 2.16 persons per household × 4,792 kWh = 44.37 to 221.85 GWh a year; 1,072.2 ÷ 221.85 = 4.83.
    city = table.loc["city-electricity"]
    assert city["computed"] == pytest.approx(1072.224)
    assert (city["claimed_low"], city["claimed_high"]) == pytest.approx(
        (20_000 / 2.16 * 4.792e-3, 1e5 / 2.16 * 4.792e-3)
    )
    assert city["verdict"] == "off by a factor of 4.8"
    assert claims.direction(city) == "the recomputed value is above what it says"
    assert table.loc["gpt4-cost", "verdict"] == "off by a factor of 1.3"  # $78 million is not "more than $100 million"
    assert table.loc["china-300bn", "verdict"] == "cannot be checked"


def test_the_city_claim_follows_the_run_parameters(ledger_connection):
    base = claims.evaluate(_inputs(ledger_connection), params.Parameters()).set_index("claim_id")
    hotter = claims.evaluate(_inputs(ledger_connection), params.Parameters(pue=1.5)).set_index("claim_id")
    ratio = hotter.loc["city-electricity", "computed"] / base.loc["city-electricity", "computed"]
    assert ratio == pytest.approx(1.5 / 1.2)


def test_each_claim_is_tested_as_its_words_say():
    for claim in claims.CLAIMS:
        says = claim.says.lower()
        if any(w in says for w in ("more than", "exceeds")):
            assert claim.test == claims.AT_LEAST, claim.claim_id
        if "about" in says:
            assert claim.test == claims.ABOUT, claim.claim_id
        if "as much as a" in says:  # a class of things ("a medium-sized city") spans a range
            assert claim.test == claims.WITHIN, claim.claim_id


def test_the_gigawatt_claim_is_dated_by_its_seed_row_not_a_typed_year(ledger_connection):
    table = claims.evaluate(_inputs(ledger_connection), params.Parameters()).set_index("claim_id")
    said = ledger_connection.execute(
        "SELECT decimal_year FROM figures_sourced WHERE figure_id = 'seed-000-no-1gw-training-cluster-yet'"
    ).fetchone()[0]
    assert table.loc["no-1gw-yet", "claimed"] == pytest.approx(said)
