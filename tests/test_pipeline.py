"""End to end: the pipeline on a temporary copy of the project; bad input stops it and loses nothing."""

from __future__ import annotations

import fcntl
import html
import json
import re
import shutil

import duckdb
import nbformat
import pytest

from compute_ledger import chapters, steps
from tests.conftest import copy_project, run_pipeline, snapshot

pytestmark = pytest.mark.slow


def test_default_run_builds_database_chapters_and_book(built_project):
    processed = built_project / "data" / "processed"
    with duckdb.connect(str(processed / "ledger.duckdb"), read_only=True) as connection:
        figures = connection.execute("SELECT count(*) FROM figures").fetchone()[0]
        sourced = connection.execute("SELECT count(*) FROM figures_sourced").fetchone()[0]
    assert figures == sourced > 0
    for name in ("figures", "sources", "largest_cluster_by_year"):
        assert (processed / "tables" / f"{name}.csv").stat().st_size > 0
        assert (processed / "tables" / f"{name}.parquet").stat().st_size > 0
    html = built_project / "book" / "_build" / "html"
    for page in ["index", "intro", "sources", "parameters", "run", *[c.name for c in chapters.CHAPTERS]]:
        assert (html / f"{page}.html").exists(), page
    assert (html / "_vendor" / "vega-bundle.js").stat().st_size > 500_000
    manifest = json.loads((processed / "run_manifest.json").read_text())
    assert [s["name"] for s in manifest["steps"]] == [step.name for step in steps.STEPS]
    assert all(not s["cache_hit"] for s in manifest["steps"])


def page_text(path) -> str:
    """A page's visible text, tags removed and whitespace folded."""
    text = re.sub(r"<script.*?</script>|<[^>]+>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(text))


def test_prose_numbers_are_computed_not_typed(built_project):
    intro = page_text(built_project / "book" / "_build" / "html" / "intro.html")
    assert "143 times" in intro  # 100,000 / 700, glued from the GPU counts chapter
    assert "$3.0 billion" in intro  # 100,000 × the default gpu_unit_price_usd


def test_second_run_with_nothing_changed_is_all_cache_hits(built_project):
    before = snapshot(built_project)
    completed = run_pipeline(built_project)
    assert completed.returncode == 0, completed.stderr
    manifest = json.loads((built_project / "data" / "processed" / "run_manifest.json").read_text())
    assert all(s["cache_hit"] for s in manifest["steps"]), manifest["steps"]
    after = snapshot(built_project)
    changed = [p for p in before if before[p] != after.get(p) and not p.endswith("run_manifest.json")]
    assert not changed


@pytest.fixture
def fresh_copy(built_project, tmp_path):
    """A copy of the built project (outputs included), to break."""
    target = tmp_path / "project"
    shutil.copytree(built_project, target, symlinks=True)
    return target


def _assert_failed_and_kept(project, before, completed, code, *fragments):
    assert completed.returncode == code, completed.stdout + completed.stderr
    for fragment in fragments:
        assert fragment in completed.stderr, completed.stderr
    assert snapshot(project) == before, "a failed run changed data/processed or book/_build/html"


def test_malformed_row_stops_the_run_and_keeps_outputs(fresh_copy):
    before = snapshot(fresh_copy)
    figures = fresh_copy / "data" / "raw" / "figures.csv"
    lines = figures.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",accelerators,", ",accelerators,", 1)
    cells = lines[1].split(",")
    cells[2] = "gpu_number"  # metric outside the vocabulary
    lines[1] = ",".join(cells)
    figures.write_text("\n".join(lines) + "\n", encoding="utf-8")
    completed = run_pipeline(fresh_copy)
    _assert_failed_and_kept(fresh_copy, before, completed, 2, "data/raw/figures.csv:2", "field 'metric'", "gpu_number")


def test_bad_parameter_stops_before_anything_runs(fresh_copy):
    before = snapshot(fresh_copy)
    completed = run_pipeline(fresh_copy, "--set", "pue=9")
    _assert_failed_and_kept(fresh_copy, before, completed, 2, "parameter 'pue'", "1 to 3", "given: 9")
    completed = run_pipeline(fresh_copy, "--set", "gpu_price=1")
    _assert_failed_and_kept(fresh_copy, before, completed, 2, "did you mean 'gpu_unit_price_usd'")


def test_failing_notebook_cell_is_named_and_outputs_kept(fresh_copy):
    before = snapshot(fresh_copy)
    path = fresh_copy / "notebooks" / "power.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("raise ValueError('broken on purpose')"))
    nbformat.write(notebook, path)
    completed = run_pipeline(fresh_copy)
    _assert_failed_and_kept(
        fresh_copy, before, completed, 1, "notebooks/power.ipynb", "cell", "ValueError: broken on purpose"
    )


def test_a_second_run_stops_while_the_lock_is_held(fresh_copy):
    before = snapshot(fresh_copy)
    lock = fresh_copy / "build" / "pipeline.lock"
    lock.parent.mkdir(exist_ok=True)
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write("4242")
        handle.flush()
        completed = run_pipeline(fresh_copy)
    _assert_failed_and_kept(fresh_copy, before, completed, 3, "another pipeline run", "--wait")


def test_parameter_change_reruns_only_the_chapters_that_use_it(fresh_copy):
    completed = run_pipeline(fresh_copy, "--set", "gpu_unit_price_usd=25000")
    assert completed.returncode == 0, completed.stderr
    manifest = json.loads((fresh_copy / "data" / "processed" / "run_manifest.json").read_text())
    reran = {s["name"] for s in manifest["steps"] if not s["cache_hit"]}
    assert steps.chapter_step_name("money") in reran
    assert steps.chapter_step_name("gpu_counts") not in reran and steps.DATABASE not in reran
    intro = page_text(fresh_copy / "book" / "_build" / "html" / "intro.html")
    assert "$2.5 billion" in intro


def test_fresh_copy_without_outputs_builds(tmp_path):
    project = copy_project(tmp_path / "project")
    completed = run_pipeline(project, "--no-book")
    assert completed.returncode == 0, completed.stderr
    assert (project / "data" / "processed" / "ledger.duckdb").exists()


@pytest.mark.slow
def test_a_published_notebook_re_runs_as_published(built_project, tmp_path):
    """From the project root, papermill re-runs a published chapter with no parameters given: its injected cell
    points at the published database, not at the run's staging folder."""
    import papermill

    published = built_project / "data" / "processed" / "notebooks" / "growth.ipynb"
    injected = next(
        c.source for c in nbformat.read(published, as_version=4).cells if "injected-parameters" in c.metadata.tags
    )
    assert "db_path = 'data/processed/ledger.duckdb'" in injected and "staging" not in injected
    # A copy of data/processed, so the re-run writes its exports there and not into the shared built project.
    root = tmp_path / "project"
    shutil.copytree(built_project / "data" / "processed", root / "data" / "processed")
    executed = papermill.execute_notebook(
        str(published), str(tmp_path / "out.ipynb"), cwd=str(root), progress_bar=False, kernel_name="python3"
    )
    assert (root / "data" / "processed" / "key_numbers" / "growth.json").read_bytes() == (
        built_project / "data" / "processed" / "key_numbers" / "growth.json"
    ).read_bytes()
    assert not [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
