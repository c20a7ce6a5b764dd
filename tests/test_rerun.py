"""Re-running with your own assumptions: a run with nothing changed stops before loading the heavy libraries, and a
parameter change rebuilds only the pages that show it, the intro's glued numbers included."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from compute_ledger import citation, editions, steps
from tests.conftest import run_pipeline, snapshot
from tests.test_pipeline import page_text

pytestmark = pytest.mark.slow

HEAVY = ("pandas", "pandera", "duckdb", "papermill", "altair", "nbformat", "sphinx")


def test_a_run_with_nothing_changed_reports_each_step_and_loads_no_heavy_library(built_copy):
    code = (
        "import sys; from compute_ledger import cli; code = cli.main([]); "
        f"print('exit', code, 'loaded', sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    before = snapshot(built_copy)
    env = {**os.environ, "PYTHONPATH": str(built_copy)}
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=built_copy, env=env, capture_output=True, text=True, check=False
    )
    assert "exit 0 loaded []" in completed.stdout, completed.stdout + completed.stderr
    for step in steps.STEPS:
        assert f"· {step.label} (unchanged)" in completed.stdout
    assert "nothing changed" in completed.stdout
    manifest = json.loads((built_copy / "data" / "processed" / "run_manifest.json").read_text())
    assert manifest["run"]["cache_hits"] == [s["name"] for s in manifest["steps"]]
    assert all(s["cache_hit"] for s in manifest["steps"])
    after = snapshot(built_copy)
    assert {p for p in before if before[p] != after.get(p)} == {"data/processed/run_manifest.json"}


def test_a_parameter_change_rebuilds_the_pages_that_show_it_and_no_other(built_copy):
    html = built_copy / "book" / "_build" / "html"
    # In a copy, Sphinx's saved environment names the original's folder: this first run reads every page once.
    first = run_pipeline(built_copy, "--set", "gpu_unit_price_usd=26000")
    assert first.returncode == 0, first.stdout + first.stderr
    before = {p.name: p.read_bytes() for p in html.glob("*.html")}

    completed = run_pipeline(built_copy, "--set", "gpu_unit_price_usd=25000")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    after = {p.name: p.read_bytes() for p in html.glob("*.html")}
    changed = {name for name in before if before[name] != after[name]}
    # changes.html shows this run's key numbers (money.musk_gpu_spend_usd among them) until the edition is frozen.
    shown = {
        "intro.html",
        "money.html",
        "projections.html",
        "parameters.html",
        "run.html",
        "key_numbers.html",
    }
    if editions.by_version(citation.edition().version) is None:  # a released edition's diff is its frozen one
        shown.add("changes.html")
    assert changed == shown
    assert "$2.5 billion" in page_text(html / "intro.html")  # glued from the money chapter
    assert "25000" in page_text(html / "money.html")  # its parameter box
    assert "$2.5 billion" in page_text(html / "key_numbers.html")  # money.musk_gpu_spend_usd in the catalogue
    assert "gpu_unit_price_usd 25000.0 30000.0" in page_text(html / "parameters.html")
    manifest = json.loads((built_copy / "data" / "processed" / "run_manifest.json").read_text())
    reran = {s["name"] for s in manifest["steps"] if not s["cache_hit"]}
    assert steps.chapter_step_name("money") in reran
    assert steps.chapter_step_name("gpu_counts") not in reran and steps.DATABASE not in reran
    money_key = next(s["key"] for s in manifest["steps"] if s["name"] == steps.chapter_step_name("money"))
    assert money_key[:12] in page_text(html / "run.html")
    # Progress while the book builds: in a log (not a terminal), one line per phase.
    assert completed.stdout.count("book: reading sources") == 1
    assert completed.stdout.count("book: writing output") == 1
