"""The key-numbers catalogue, the data dictionary and datapackage.json: units, then the built project's outputs."""

from __future__ import annotations

import csv
import json
import math

import pandas as pd
import pytest

from compute_ledger import citation, datapackage, key_numbers, metadata, params, schema


def test_parameter_set_is_defaults_or_a_hash_of_the_changes():
    assert key_numbers.parameter_set_id(params.Parameters()) == "defaults"
    one = key_numbers.parameter_set_id(params.Parameters(pue=1.4))
    assert one.startswith("custom-") and len(one) == len("custom-") + 8
    assert one == key_numbers.parameter_set_id(params.Parameters(pue=1.4))
    assert one != key_numbers.parameter_set_id(params.Parameters(pue=1.5))
    # A number that does not use the changed parameter keeps the defaults' id.
    assert key_numbers.parameter_set_id(params.Parameters(pue=1.4), used=["gpu_unit_price_usd"]) == "defaults"


def test_key_numbers_are_recorded_with_their_inputs_and_parameters(tmp_path, monkeypatch):
    glued = {}
    monkeypatch.setattr("compute_ledger.report.glue", lambda name, value: glued.__setitem__(name, value))
    keys = key_numbers.KeyNumbers("power", tmp_path / "power.json", params.Parameters(pue=1.3), ["pue", "not_a_param"])
    assert keys.add("site_mw", 150.0, unit="MW", description="d", method="m", inputs=["fig-a", "fig-b"]) == 150.0
    assert glued == {"site_mw": 150.0}
    recorded = json.loads((tmp_path / "power.json").read_text())
    assert recorded == [
        {
            "id": "power.site_mw",
            "chapter": "power",
            "value": 150.0,
            "unit": "MW",
            "description": "d",
            "method": "m",
            "inputs": ["fig-a", "fig-b"],
            "checked": [],
            "parameter_set": key_numbers.parameter_set_id(params.Parameters(pue=1.3), ["pue"]),
            "parameters": {"pue": 1.3},
        }
    ]


@pytest.mark.parametrize(("name", "value"), [("Bad-Name", 1.0), ("ok", math.nan), ("ok", "12"), ("ok", True)])
def test_a_bad_key_number_is_refused(tmp_path, monkeypatch, name, value):
    monkeypatch.setattr("compute_ledger.report.glue", lambda *_: None)
    keys = key_numbers.KeyNumbers("power", tmp_path / "power.json", params.Parameters(), [])
    with pytest.raises(ValueError, match="key number"):
        keys.add(name, value, unit="MW", description="d", method="m")


def test_catalogue_merges_chapters_sorted_with_the_edition(tmp_path):
    for chapter, name, value in (("b", "y", 2), ("a", "x", 1.5)):
        entry = {"id": f"{chapter}.{name}", "chapter": chapter, "value": value, "unit": "u", "description": "d"}
        entry |= {"method": "m", "inputs": ["f1", "f2"], "parameter_set": "defaults", "parameters": {"pue": 1.2}}
        (tmp_path / f"{chapter}.json").write_text(json.dumps([entry]))
    frame = key_numbers.write_catalogue(tmp_path, tmp_path / "k.csv", tmp_path / "k.json", "9.9.9", "2030-01-01")
    assert list(frame["id"]) == ["a.x", "b.y"]
    rows = list(csv.DictReader((tmp_path / "k.csv").open()))
    assert [r["value"] for r in rows] == ["1.5", "2"]  # an integer stays an integer
    assert rows[0]["inputs"] == "f1 f2" and json.loads(rows[0]["parameters"]) == {"pue": 1.2}
    assert json.loads((tmp_path / "k.json").read_text())[1]["edition"] == "9.9.9"


def test_the_data_dictionary_covers_every_raw_column():
    dictionary = metadata.column_dictionary()
    columns = (*schema.SOURCE_COLUMNS, *schema.FIGURE_COLUMNS, *schema.CHIP_COLUMNS, *schema.SYSTEM_COLUMNS)
    missing = [c for c in (*columns, *schema.SCORECARD_COLUMNS) if c not in dictionary]
    assert not missing, f"describe these columns in compute_ledger/metadata.py: {missing}"
    assert dictionary["low"] == dictionary["high"]  # one row of the README documents both


def test_an_undescribed_column_is_an_error():
    with pytest.raises(KeyError, match="no description"):
        metadata.describe("mystery_column")


# End to end, on the project built once for the session.


@pytest.mark.slow
def test_key_numbers_catalogue_is_complete_and_traceable(built_project):
    processed = built_project / "data" / "processed"
    catalogue = json.loads((processed / "key_numbers.json").read_text())
    figures = set(pd.read_csv(built_project / "data" / "raw" / "figures.csv", usecols=["figure_id"])["figure_id"])
    assert len(catalogue) >= 20
    assert len({n["id"] for n in catalogue}) == len(catalogue)
    for number in catalogue:
        # Traceable: a number rests on its inputs, or (a count of checks) names the figures it checked.
        assert number["inputs"] or number["checked"], number["id"]
        assert set(number["inputs"]) | set(number["checked"]) <= figures, number["id"]
        assert number["parameter_set"] == "defaults" and number["edition"]
    page = (built_project / "book" / "_build" / "html" / "key_numbers.html").read_text()
    for number in catalogue:
        assert f'id="{key_numbers.anchor(number["id"])}"' in page
    assert (built_project / "book" / "_build" / "html" / "data" / "key_numbers.csv").exists()


@pytest.mark.slow
def test_datapackage_describes_every_published_table(built_project):
    processed = built_project / "data" / "processed"
    descriptor = json.loads((processed / "datapackage.json").read_text())
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    for resource in descriptor["resources"]:
        path = processed / resource["path"]
        header = next(csv.reader(path.open(encoding="utf-8")))
        assert [f["name"] for f in resource["schema"]["fields"]] == header, resource["name"]
        assert all(f["description"] for f in resource["schema"]["fields"])
        site_copy = built_project / "book" / "_build" / "html" / "data" / resource["path"]
        assert site_copy.read_bytes() == path.read_bytes()
    figures = next(r for r in descriptor["resources"] if r["name"] == "figures")
    types = {f["name"]: f["type"] for f in figures["schema"]["fields"]}
    assert (types["value"], types["figure_id"], figures["schema"]["primaryKey"]) == ("number", "string", ["figure_id"])


def test_a_key_number_on_a_weak_figure_is_refused():
    catalogue = pd.DataFrame(
        {
            "id": ["growth.a", "growth.b", "claims.c"],
            "inputs": [["fig-ok"], ["fig-ok", "fig-weak"], ["fig-gone"]],
            "checked": [[], [], ["fig-weak"]],
        }
    )
    problems = key_numbers.weak_inputs(catalogue, {"fig-ok": "record", "fig-weak": "weak"})
    assert problems == [
        "key number growth.b rests on figure fig-weak, whose source is weak: re-source the figure or compute the "
        "number without it",
        "key number claims.c: input fig-gone is not a figure of data/raw/figures.csv",
    ]


@pytest.mark.slow
def test_the_published_catalogue_rests_on_no_weak_figure(built_project):
    """End to end: every input of every published key number is a figure of a primary, record or secondary source."""
    import duckdb

    processed = built_project / "data" / "processed"
    catalogue = json.loads((processed / "key_numbers.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(processed / "ledger.duckdb"), read_only=True) as connection:
        tiers = dict(connection.execute("SELECT figure_id, source_tier FROM figures_sourced").fetchall())
    used = [figure_id for entry in catalogue for figure_id in entry["inputs"]]
    assert used, "no key number records its inputs"
    assert {tiers[figure_id] for figure_id in used} <= {"primary", "record", "secondary"}


def test_enum_constraints_are_the_schema_vocabularies():
    vocabularies = datapackage.vocabularies()
    assert vocabularies["figures"]["status"] == tuple(metadata.STATUSES)
    assert vocabularies["figures"]["metric"] == tuple(metadata.METRICS)
    assert vocabularies["systems"]["scope"] == metadata.SYSTEM_SCOPES  # not the figures' scopes
    assert vocabularies["figures_sourced"]["source_tier"] == tuple(metadata.TIERS)
    assert vocabularies["figures"]["power_measure"] == tuple(metadata.POWER_MEASURES)  # optional: no "" in the enum


def test_key_number_links_name_every_input_and_checked_figure_once():
    catalogue = pd.DataFrame(
        {"id": ["b.y", "a.x"], "inputs": [["f2", "f1", "f1"], ["f1"]], "checked": [["f3"], []]}, dtype=object
    )
    links = datapackage.key_number_figures(catalogue)
    assert links.to_dict(orient="split")["data"] == [
        ["a.x", "f1", "input"],
        ["b.y", "f1", "input"],
        ["b.y", "f2", "input"],
        ["b.y", "f3", "checked"],
    ]


def test_figure_chip_links_split_a_mix_and_skip_placeholders():
    figures = pd.DataFrame(
        {"figure_id": ["c", "a", "b", "d"], "chip": ["gb200|gb300", "h100", "unknown", ""]}, dtype=str
    )
    assert datapackage.figure_chips(figures).to_dict(orient="split")["data"] == [
        ["a", "h100"],
        ["c", "gb200"],
        ["c", "gb300"],
    ]


def _validate(descriptor_path):
    from frictionless import Package

    return Package(str(descriptor_path)).validate()


@pytest.mark.slow
def test_the_datapackage_is_valid_for_frictionless_with_its_keys(built_project):
    descriptor_path = built_project / "data" / "processed" / "datapackage.json"
    report = _validate(descriptor_path)
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:10]
    descriptor = json.loads(descriptor_path.read_text())
    assert (descriptor["profile"], descriptor["version"]) == ("tabular-data-package", citation.edition().version)
    assert descriptor["created"].endswith("T00:00:00Z")
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert all(r["profile"] == "tabular-data-resource" and r["licenses"] for r in resources.values())
    references = {
        (name, fk["fields"][0], fk["reference"]["resource"])
        for name, r in resources.items()
        for fk in r["schema"].get("foreignKeys", [])
    }
    expected = {
        ("figures", "source_id", "sources"),
        ("figures", "system_id", "systems"),
        ("figure_chips", "figure_id", "figures"),
        ("figure_chips", "chip_id", "chips"),
        ("key_number_figures", "figure_id", "figures"),
        ("key_number_figures", "key_number_id", "key_numbers"),
        ("scorecard", "projection_figure_id", "figures"),
        ("scorecard", "outturn_figure_id", "figures"),
    }
    assert expected <= references
    assert all(r["schema"].get("primaryKey") for r in resources.values())
    status = next(f for f in resources["figures"]["schema"]["fields"] if f["name"] == "status")
    assert status["constraints"]["enum"] == list(metadata.STATUSES)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("table", "column", "value", "error"),
    [
        ("tables/figure_chips.csv", "chip_id", "no-such-chip", "foreign-key"),
        ("tables/figures.csv", "source_id", "no-such-source", "foreign-key"),
        ("tables/key_number_figures.csv", "figure_id", "no-such-figure", "foreign-key"),
        ("tables/scorecard.csv", "outturn_figure_id", "no-such-figure", "foreign-key"),
        ("tables/figures.csv", "status", "rumoured", "constraint-error"),
    ],
)
def test_frictionless_refuses_a_broken_key_or_vocabulary(built_project, tmp_path, table, column, value, error):
    """The keys and constraints are checked, not only declared: one bad cell in a copy makes the package invalid."""
    import shutil

    processed = tmp_path / "processed"
    shutil.copytree(built_project / "data" / "processed", processed)
    frame = pd.read_csv(processed / table, dtype=str, keep_default_na=False)
    frame.loc[0, column] = value
    frame.to_csv(processed / table, index=False, lineterminator="\n")
    report = _validate(processed / "datapackage.json")
    assert not report.valid
    assert {e[0] for e in report.flatten(["type"])} == {error}
