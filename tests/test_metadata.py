"""The metadata registry: data/raw/README.md is generated from it, every vocabulary value has a meaning, the published
tables are the files the pipeline writes, statuses are defined nowhere else, and the chain's power formula is the
registry's."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

from compute_ledger import chain, database, metadata, paths


def test_the_registry_imports_nothing_heavy():
    code = (
        "import sys, compute_ledger.metadata; print(sorted({'pandas', 'numpy', 'altair', 'duckdb'} & set(sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(paths.ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.strip() == "[]"


def test_the_readme_dictionary_is_generated_from_the_registry():
    stale = metadata.first_stale_section(paths.RAW_README.read_text(encoding="utf-8"))
    assert stale is None, f"data/raw/README.md section {stale!r} is stale: run python -m compute_ledger.metadata"


def test_check_names_the_stale_section_and_a_run_rewrites_it(tmp_path, monkeypatch, capsys):
    current = paths.RAW_README.read_text(encoding="utf-8")
    edited = current.replace("(reputable secondary)", "(reputable-ish secondary)", 1)
    assert edited != current
    readme = tmp_path / "README.md"
    readme.write_text(edited, encoding="utf-8")
    monkeypatch.setattr(paths, "RAW_README", readme)
    assert metadata.main(["--check"]) == 1
    assert capsys.readouterr().out.strip().splitlines() == [
        "data/raw/README.md: section 'figures' differs from compute_ledger/metadata.py; run python -m "
        "compute_ledger.metadata"
    ]
    assert metadata.main([]) == 0
    assert readme.read_text(encoding="utf-8") == current  # the prose around the sections is kept
    assert metadata.main(["--check"]) == 0


def test_a_readme_without_a_section_is_refused():
    text = paths.RAW_README.read_text(encoding="utf-8")
    start = text.index("<!-- generated (chips)")
    end = text.index(metadata._END, start) + len(metadata._END)
    with pytest.raises(ValueError, match=r"missing \['chips'\]"):
        metadata.regenerate(text[:start] + text[end:])
    assert metadata.first_stale_section(text[:start] + text[end:]) == "chips"


def test_every_vocabulary_value_has_a_meaning():
    for name, vocabulary in metadata.VOCABULARIES.items():
        if isinstance(vocabulary, Mapping):
            empty = [value for value, meaning in vocabulary.items() if not meaning.strip()]
            assert vocabulary and not empty, f"{name}: no meaning for {empty}"


def test_the_subsets_and_groups_of_the_vocabularies_are_their_values_in_order():
    assert [s for s in metadata.SCOPES if s in metadata.SYSTEM_SCOPES] == list(metadata.SYSTEM_SCOPES)
    assert sorted(metadata.STATUS_ORDER) == sorted(metadata.STATUSES)
    assert set(metadata.RECORD_STATUSES).isdisjoint(metadata.PLANNED_STATUSES)
    assert list(metadata.METRIC_UNITS) == list(metadata.METRICS)
    assert {unit for units in metadata.METRIC_UNITS.values() for unit in units} <= set(metadata.UNITS)


def test_the_database_writes_the_published_tables_it_is_listed_for(ledger_connection, tmp_path):
    ((_, _, database_path),) = ledger_connection.execute("PRAGMA database_list").fetchall()
    written = database.export_tables(Path(database_path), tmp_path / "tables")
    expected = [
        f"{table.stem}.{extension}"
        for table in metadata.PUBLISHED
        if table.from_database
        for extension in table.formats
    ]
    assert sorted(str(p.relative_to(tmp_path)) for p in written) == sorted(expected)
    assert sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "tables").iterdir()) == sorted(expected)


@pytest.mark.slow
def test_a_build_publishes_exactly_the_registry_tables(built_project):
    processed = built_project / "data" / "processed"
    found = {str(p.relative_to(processed)) for p in (processed / "tables").iterdir()}
    found |= {p.name for p in processed.glob("key_numbers.*")}
    assert found == set(metadata.published_files())


def _package_modules() -> list[Path]:
    package = paths.ROOT / "compute_ledger"
    return sorted(p for p in package.rglob("*.py") if p.name != "metadata.py" and "__pycache__" not in p.parts)


def _status_definitions(tree: ast.AST) -> list[str]:
    """Where a module writes statuses as data: a tuple, list, set or dict (its keys) of two or more status strings,
    or a name bound to one status string."""
    statuses = set(metadata.STATUSES)

    def all_statuses(nodes) -> bool:
        texts = [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        return len(texts) >= 2 and len(texts) == len(nodes) and set(texts) <= statuses

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and all_statuses(node.elts):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Dict) and all_statuses(node.keys):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and isinstance(node.value, ast.Constant)
            and node.value.value in statuses
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_statuses_are_defined_in_the_registry_only():
    found = {
        str(module.relative_to(paths.ROOT)): definitions
        for module in _package_modules()
        if (definitions := _status_definitions(ast.parse(module.read_text(encoding="utf-8"))))
    }
    assert not found, f"use metadata.STATUSES and its groups: {found}"


def test_the_status_scan_finds_a_restated_group():
    tree = ast.parse('OBSERVED = ("reported", "estimate")\nRANK = {"reported": 0, "projection": 1}\nX = "estimate"')
    assert len(_status_definitions(tree)) == 3


def test_the_chains_power_and_energy_are_the_registry_formula():
    parameters = {
        "base_year": 2025.0,
        "base_accelerators": 100_000.0,
        "growth_log": np.log(2.0),
        "growth_slowdown_per_year": 0.1,
        "site_power_cap_mw": np.inf,
        "accelerator_it_power_w": 1_275.0,
        "pue": 1.2,
        "utilisation": 0.8,
        "electricity_price_usd_per_mwh": 80.0,
        "gpu_unit_price_usd": 30_000.0,
        "accelerator_price_change_per_year": 0.0,
    }
    made = chain.evaluate(chain.PROJECTION, {"year": np.arange(2025.0, 2031.0)}, parameters)
    facility = metadata.facility_power_mw(made["accelerators"], 1_275.0, 1.2)
    np.testing.assert_allclose(made["facility_power_mw"], facility, rtol=1e-12)
    np.testing.assert_allclose(made["energy_mwh"], metadata.yearly_energy_mwh(facility, 0.8), rtol=1e-12)
    assert metadata.yearly_energy_mwh(1.0, 1.0) == 8760.0  # a year of 365 days at full load
