"""End to end: the pipeline on a temporary copy of the project builds the database, the chapters and the book. (Bad
input: test_bad_input.py; re-runs: test_rerun.py.)"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil

import duckdb
import nbformat
import pytest

from compute_ledger import chapters, params, steps

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
    """The intro's numbers are the chapters' key numbers, which match the ledger worked out here, and none of them
    is typed into book/intro.md."""
    processed = built_project / "data" / "processed"
    catalogue = {k["id"]: k for k in json.loads((processed / "key_numbers.json").read_text(encoding="utf-8"))}
    with (built_project / "data" / "raw" / "figures.csv").open(encoding="utf-8", newline="") as handle:
        figures = {row["figure_id"]: float(row["value"]) for row in csv.DictReader(handle) if row["value"]}
    seed_multiple = catalogue["gpu_counts.seed_multiple"]
    counts = [figures[figure_id] for figure_id in seed_multiple["checked"]]
    assert seed_multiple["value"] == pytest.approx(max(counts) / min(counts))  # 100,000 / 700
    spend = catalogue["money.musk_gpu_spend_usd"]
    (planned,) = spend["checked"]
    assert spend["value"] == pytest.approx(figures[planned] * params.Parameters().gpu_unit_price_usd)
    shown = [f"{seed_multiple['value']:.0f} times", f"${spend['value'] / 1e9:.1f} billion"]
    assert shown == ["143 times", "$3.0 billion"]
    intro = page_text(built_project / "book" / "_build" / "html" / "intro.html")
    source = (built_project / "book" / "intro.md").read_text(encoding="utf-8")
    for text in shown:
        assert text in intro
        assert text.split(" ")[0].lstrip("$") not in source


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
