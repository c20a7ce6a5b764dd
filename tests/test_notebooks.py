"""Chapters are thin: one tagged parameters cell whose defaults equal the parameter model's, no definitions."""

from __future__ import annotations

import ast

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
