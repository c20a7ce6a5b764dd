"""Chapters are thin: one tagged parameters cell whose defaults equal the parameter model's, no definitions."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import nbformat
import pytest

from compute_ledger import chapters, params

INJECTED = {"db_path", "exports_dir", "key_numbers_path", "scenario_parameters"}


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
