"""Parameters: defined once, errors that name the parameter, its range and the value given."""

from __future__ import annotations

import re

import pytest

from compute_ledger import params, schema


def test_each_uncertainty_range_holds_its_default_and_lies_within_the_allowed_bounds():
    """The Monte Carlo draws each uncertain parameter from its range with the default as mode: a default outside
    its published range would silently widen it, and a range beyond the bounds would draw values the run refuses."""
    uncertain = [spec for spec in params.specs() if spec.uncertainty is not None]
    assert uncertain
    for spec in uncertain:
        low, high = spec.uncertainty
        assert low <= spec.default <= high, spec
        assert spec.minimum is None or spec.minimum <= low, spec
        assert spec.maximum is None or high <= spec.maximum, spec
        params.build({spec.name: low})
        params.build({spec.name: high})
    ranges = params.uncertainty_ranges(params.build())
    assert {name: (low, high) for name, (low, _, high) in ranges.items()} == {
        spec.name: spec.uncertainty for spec in uncertain if spec.name in ranges
    }


def test_unknown_name_suggests_the_closest():
    with pytest.raises(
        params.ParameterError, match=r"unknown parameter 'gpu_unit_price' .*did you mean 'gpu_unit_price_usd'"
    ):
        params.build({"gpu_unit_price": 1}, origin=["--set"])


def test_out_of_range_names_range_and_value():
    with pytest.raises(params.ParameterError) as caught:
        params.build({"pue": 7})
    message = str(caught.value)
    assert "parameter 'pue'" in message and "1 to 3" in message and "given: 7" in message


def test_wrong_type_is_reported():
    with pytest.raises(params.ParameterError, match=r"parameter 'horizon'.*given: 'soon'"):
        params.build({"horizon": "soon"})


def test_set_syntax():
    assert params.parse_assignment("gpu_unit_price_usd=25000") == ("gpu_unit_price_usd", 25000)
    assert params.parse_assignment("site_power_cap_mw=") == ("site_power_cap_mw", None)
    assert params.parse_assignment("fit_include_announced=true") == ("fit_include_announced", True)
    with pytest.raises(params.ParameterError, match="expected name=value"):
        params.parse_assignment("pue")


def test_later_layers_win_and_differences_are_listed():
    built = params.build({"pue": 1.3}, {"pue": 1.4, "utilisation": 0.7})
    assert params.differences(built) == {"pue": (1.2, 1.4), "utilisation": (0.8, 0.7)}


def test_uncertainty_range_contains_the_value_in_effect():
    ranges = params.uncertainty_ranges(params.build({"pue": 2.0}))
    assert ranges["pue"] == (1.1, 2.0, 2.0)


def test_parameter_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("description: test\nparameters:\n  pue: 1.25\n", encoding="utf-8")
    assert params.read_parameter_file(path) == {"pue": 1.25}


def test_every_default_source_names_a_figure_or_an_assumption():
    figure_ids = set(schema.validate().figures["figure_id"])
    for spec in params.specs():
        assert spec.source.startswith(("figure ", "assumption", "computed")), spec
        cited = re.findall(r"\b(?:seed|acc|pow|money|hw|trend)-[a-z0-9-]*[a-z0-9]", spec.source)
        assert set(cited) <= figure_ids, f"{spec.name}: unknown figure id(s) {set(cited) - figure_ids}"
        if spec.source.startswith("figure "):
            assert cited, spec


@pytest.mark.parametrize("name", params.available_scenarios())
def test_scenario_files_are_valid(name):
    params.build(params.read_scenario(name))
    assert params.scenario_description(name)


def test_unknown_scenario_suggests():
    with pytest.raises(params.ParameterError, match="unknown scenario"):
        params.read_scenario("no-such-scenario")
