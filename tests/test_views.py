"""The layers stay apart: analysis modules neither query nor chart, views never run SQL, and a module in a subfolder
of the package (the views) is part of the code hash, so editing it re-runs the chapters."""

from __future__ import annotations

import ast
import shutil

import pytest

from compute_ledger import cache, params, paths

PACKAGE = paths.ROOT / "compute_ledger"
# The analysis modules of the converted chapters: pure DataFrame and NumPy functions.
ANALYSIS = (
    "gpu_counts",
    "frontier",
    "power",
    "money",
    "trend_fit",
    "consistency",
    "claims",
    "outlook",
    "scenarios",
    "projection",
    "growth",
    "units",
    "chain",
    "scorecard",
    "edition_diff",
)
VIEWS = ("common", "gpu_counts", "power", "money", "growth", "checks", "claims", "projections", "whatif", "scorecard")
CHARTING = {"altair", "IPython", "vl_convert", "compute_ledger.charts", "compute_ledger.views"}
QUERYING = {"duckdb", "compute_ledger.queries"}
# What of compute_ledger.database reads or writes the database (its constants, e.g. SERIES_TIERS, are rules).
DATABASE_ACCESS = {"figures_by_id", "connect_read_only", "build_database", "export_tables"}


def imported(path) -> set[str]:
    """Every module a file imports (``from compute_ledger import charts`` counts as ``compute_ledger.charts``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def calls(path) -> set[str]:
    """The names of the methods and module functions a file calls (``x.execute(...)`` gives ``execute``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}


def runs_sql(path) -> bool:
    """Whether a file runs SQL itself (``.execute(...)``, ``.sql(...)``)."""
    return bool(calls(path) & {"execute", "sql"})


@pytest.mark.parametrize("name", ANALYSIS)
def test_analysis_modules_neither_query_nor_chart(name):
    path = PACKAGE / f"{name}.py"
    names = imported(path)
    assert not names & CHARTING, f"{name}.py draws or formats for the page: move it into compute_ledger/views/"
    assert not runs_sql(path) and not calls(path) & DATABASE_ACCESS, f"{name}.py queries: move the SQL into queries.py"
    assert not names & QUERYING, f"{name}.py reads the ledger: take frames from queries.py as arguments"


@pytest.mark.parametrize("name", VIEWS)
def test_views_run_no_sql(name):
    path = PACKAGE / "views" / f"{name}.py"
    assert not runs_sql(path) and "duckdb" not in imported(path), f"views/{name}.py: SQL belongs in queries.py"


def test_the_layer_rules_catch_a_chart_and_a_query(tmp_path):
    mixed = tmp_path / "mixed.py"
    mixed.write_text("import altair as alt\n\ndef f(connection):\n    return connection.execute('SELECT 1').df()\n")
    assert "altair" in imported(mixed) and runs_sql(mixed)


def test_editing_a_module_in_a_subfolder_changes_the_code_hash(tmp_path, monkeypatch):
    """code_hash walks the package recursively: with a flat glob, an edit in compute_ledger/views/ would leave the
    hash, so every key, unchanged and publish stale chapters."""
    shutil.copytree(PACKAGE, tmp_path / "compute_ledger", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    before = cache.code_hash()
    view = tmp_path / "compute_ledger" / "views" / "common.py"
    view.write_text(view.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    assert cache.code_hash() != before


def test_a_new_code_hash_reruns_every_chapter(monkeypatch):
    before = cache.compute(params.Parameters(), {})
    monkeypatch.setattr(cache, "code_hash", lambda: "an edited package")
    after = cache.compute(params.Parameters(), {})
    chapters_rerun = [name for name in before.steps if name.startswith("notebook:")]
    assert chapters_rerun and all(after.steps[name] != before.steps[name] for name in chapters_rerun)
