"""Chapters are thin: one tagged parameters cell whose defaults equal the parameter model's, a one-line set-up, at
most ten cells, no definitions, loops or comprehensions, and no figure, chart or table ids in their cells."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

import nbformat
import pytest

from compute_ledger import chapters, params
from compute_ledger.chapter_context import PARAMETER_BOX

INJECTED = {"db_path", "exports_dir", "key_numbers_path", "scenario_parameters"}
MAX_CELLS = 10
# A figure id, a chart id or a table id: lower-case words joined by hyphens ("gpu-counts-ledger").
AN_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


@pytest.fixture(params=[c.name for c in chapters.CHAPTERS])
def chapter(request):
    return chapters.by_name(request.param)


def test_chapter_notebook_exists_and_has_one_parameters_cell(chapter):
    notebook = nbformat.read(chapter.notebook, as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")


def test_no_function_or_class_definitions(chapter):
    notebook = nbformat.read(chapter.notebook, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        defined = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda)]
        assert not defined, f"{chapter.name}: move definitions into the package: {cell.source[:80]}"


def thin_chapter_problems(notebook_path, name: str) -> list[str]:
    """What keeps a chapter from being thin: too many cells, a set-up other than ``chapter_context``, a loop, a
    comprehension or a definition in a cell, or a figure, chart or table id typed into a cell."""
    notebook = nbformat.read(notebook_path, as_version=4)
    problems = []
    if len(notebook.cells) > MAX_CELLS:
        problems.append(f"{len(notebook.cells)} cells (at most {MAX_CELLS})")
    if f"```{{glue}} {PARAMETER_BOX}" not in notebook.cells[0].source:
        problems.append(f"the purpose paragraph does not show the parameters box ({{glue}} {PARAMETER_BOX})")
    code = [c for c in notebook.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    setup = f'chapter = chapter_context("{name}", globals())'
    if not code or setup not in code[0].source.splitlines():
        problems.append(f"the first code cell after the parameters is not the set-up line {setup!r}")
    for cell in code:
        for node in ast.walk(ast.parse(cell.source)):
            first_line = cell.source.splitlines()[getattr(node, "lineno", 1) - 1].strip()
            if isinstance(node, LOOPS):
                problems.append(f"a loop or comprehension in a cell: {first_line[:80]}")
            elif isinstance(node, DEFINITIONS):
                problems.append(f"a definition in a cell: {first_line[:80]}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and AN_ID.match(node.value):
                problems.append(f"an id typed into a cell ({node.value}): ids belong to the views")
            elif isinstance(node, ast.keyword) and node.arg in ("chart_id", "table_id"):
                problems.append(f"a {node.arg} set in a cell: {first_line[:80]}")
    return problems


@pytest.mark.parametrize("name", [c.name for c in chapters.CHAPTERS])
def test_every_chapter_is_thin(name):
    problems = thin_chapter_problems(chapters.by_name(name).notebook, name)
    assert not problems, f"notebooks/{name}.ipynb: " + "; ".join(problems)


def test_the_rules_catch_a_loop_an_id_and_too_many_cells(tmp_path):
    """The rule itself bites: a chapter with a loop, a hard-coded chart id and eleven cells is refused on each."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# X"),
        nbformat.v4.new_code_cell('db_path = "x"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('chapter = chapter_context("x", globals())'),
        nbformat.v4.new_code_cell("for row in rows:\n    show(row)"),
        nbformat.v4.new_code_cell('chapter.publish(chart, chart_id="x-chart", data=frame)'),
        nbformat.v4.new_code_cell("[r for r in rows]"),
        *[nbformat.v4.new_markdown_cell("text") for _ in range(5)],
    ]
    path = tmp_path / "x.ipynb"
    nbformat.write(notebook, path)
    problems = " | ".join(thin_chapter_problems(path, "x"))
    assert "11 cells" in problems
    assert "a loop or comprehension in a cell: for row in rows:" in problems
    assert "a loop or comprehension in a cell: [r for r in rows]" in problems
    assert "an id typed into a cell (x-chart)" in problems
    assert "a chart_id set in a cell" in problems
    assert "does not show the parameters box" in problems


def test_parameter_defaults_equal_the_model(chapter):
    notebook = nbformat.read(chapter.notebook, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", []))
    values = {}
    exec(compile(cell.source, chapter.notebook.name, "exec"), {}, values)  # literals only
    defaults = params.Parameters()
    for name, value in values.items():
        if name in INJECTED:
            continue
        assert name in params.Parameters.model_fields, f"{chapter.name}: unknown parameter {name}"
        assert value == getattr(defaults, name), f"{chapter.name}: {name} = {value!r}, model default differs"


def test_no_prose_line_is_lost_as_a_comment(chapter):
    """In MyST a line that starts with "%" is a comment: the sentence it begins would vanish from the page."""
    notebook = nbformat.read(chapter.notebook, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            lost = [line for line in cell.source.splitlines() if line.lstrip().startswith("%")]
            assert not lost, f"{chapter.name}: this line would be dropped as a MyST comment: {lost[0][:80]}"


@pytest.mark.slow
def test_papermill_re_runs_a_published_chapter_from_the_project_root_as_published(built_copy):
    """The command a reader types, ``papermill data/processed/notebooks/growth.ipynb out.ipynb`` from the project
    root, with no parameters: the published paths are relative to the root, and the re-run gives the same cell
    outputs, the same key numbers and byte-identical chart exports."""
    processed = built_copy / "data" / "processed"
    published = nbformat.read(processed / "notebooks" / "growth.ipynb", as_version=4)
    assert "staging" not in str(published.metadata["papermill"]["parameters"])
    outputs = [*(processed / "exports" / "growth").rglob("*"), processed / "key_numbers" / "growth.json"]
    before = {path: path.read_bytes() for path in outputs if path.is_file()}
    assert any(path.suffix == ".svg" for path in before)
    completed = subprocess.run(
        [sys.executable, "-m", "papermill", "data/processed/notebooks/growth.ipynb", "out.ipynb", "--no-progress-bar"],
        cwd=built_copy,
        env={**os.environ, "PYTHONPATH": str(built_copy)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    rerun = nbformat.read(built_copy / "out.ipynb", as_version=4)
    assert [c.get("outputs") for c in rerun.cells] == [c.get("outputs") for c in published.cells]
    assert {path: path.read_bytes() for path in before} == before
