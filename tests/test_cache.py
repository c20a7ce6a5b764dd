"""The cache keys: what each step's key depends on, and when a run with nothing changed may stop early."""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

from compute_ledger import cache, chapters, params, paths
from tests.conftest import copy_project


def _keys(parameters: params.Parameters | None = None, scenarios: dict | None = None) -> cache.RunKeys:
    parameters = parameters or params.Parameters()
    if scenarios is None:
        scenarios = {name: params.build(params.read_scenario(name)) for name in params.available_scenarios()}
    return cache.compute(parameters, scenarios)


def _changed(first: cache.RunKeys, second: cache.RunKeys) -> set[str]:
    return {name for name in first.steps if first.steps[name] != second.steps[name]}


@pytest.mark.parametrize("chapter", [c.name for c in chapters.CHAPTERS])
def test_declared_parameters_are_what_papermill_finds(chapter):
    notebook = chapters.by_name(chapter).notebook
    assert cache.declared_parameters(notebook) == list(papermill.inspect_notebook(str(notebook)))


def test_keys_are_the_same_for_the_same_inputs():
    assert _keys() == _keys()


def test_a_parameter_changes_the_keys_of_the_chapters_that_declare_it_and_of_the_book():
    before = _keys()
    after = _keys(params.Parameters(gpu_unit_price_usd=25_000.0))
    users = {
        f"notebook:{c.name}" for c in chapters.CHAPTERS if "gpu_unit_price_usd" in cache.declared_parameters(c.notebook)
    }
    assert "notebook:money" in users
    assert _changed(before, after) == users | {"book"}
    assert before.book_structure == after.book_structure  # the book is built incrementally


def test_scenarios_change_only_the_chapters_that_take_them():
    before = _keys()
    after = _keys(scenarios={"trend": params.Parameters()})
    assert _changed(before, after) == {"notebook:projections", "book"}


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    """The keys computed from a copy of the project's files, which the test may change."""
    root = copy_project(tmp_path / "project")
    # Every path the project derives from its root, so a path added to `paths` later is moved too.
    for name, value in vars(paths).items():
        if name != "ROOT" and isinstance(value, Path) and value.is_relative_to(paths.ROOT):
            monkeypatch.setattr(paths, name, root / value.relative_to(paths.ROOT))
    monkeypatch.setattr(paths, "ROOT", root)
    return root


def test_a_data_change_changes_every_step_and_the_book_structure(project_copy):
    before = _keys()
    with (project_copy / "data" / "raw" / "figures.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    after = _keys()
    assert _changed(before, after) == set(before.steps)
    assert before.book_structure != after.book_structure


def test_a_module_in_a_subfolder_of_the_package_re_runs_every_step(project_copy):
    before = _keys()
    sub = project_copy / "compute_ledger" / "views"
    sub.mkdir(exist_ok=True)
    (sub / "new_view.py").write_text("WIDTH = 1\n", encoding="utf-8")
    after = _keys()
    assert _changed(before, after) == set(before.steps)


def test_a_book_source_change_changes_only_the_book(project_copy):
    before = _keys()
    intro = project_copy / "book" / "intro.md"
    intro.write_text(intro.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    after = _keys()
    assert _changed(before, after) == {"book"}
    assert before.book_structure != after.book_structure


def _manifest_for(keys: cache.RunKeys) -> dict:
    return {"steps": [{"name": name, "key": key} for name, key in keys.steps.items()]}


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """A processed folder with every step's output in place, and a built book."""
    processed = paths.ProcessedLayout(tmp_path / "processed")
    processed.notebooks.mkdir(parents=True)
    processed.database.write_text("db")
    for chapter in chapters.CHAPTERS:
        (processed.notebooks / f"{chapter.name}.ipynb").write_text("{}")
    html = tmp_path / "html"
    html.mkdir()
    (html / "index.html").write_text("<html></html>")
    monkeypatch.setattr(paths, "BOOK_HTML", html)
    return processed


def test_nothing_changed_needs_every_key_and_every_output(layout):
    keys = _keys()
    manifest = _manifest_for(keys)
    assert cache.unchanged(keys, manifest, layout, build_book=True)
    assert not cache.unchanged(keys, {}, layout, build_book=True)
    other = json.loads(json.dumps(manifest))
    other["steps"][-1]["key"] = "0" * 64  # the book's
    assert not cache.unchanged(keys, other, layout, build_book=True)
    assert cache.unchanged(keys, other, layout, build_book=False)  # --no-book does not look at the book
    (layout.notebooks / "money.ipynb").unlink()
    assert not cache.unchanged(keys, manifest, layout, build_book=True)


def test_a_changelog_or_data_dictionary_change_rebuilds_the_book_only(project_copy):
    before = _keys()
    for document in ("data/CHANGELOG.md", "data/raw/README.md"):
        with (project_copy / document).open("a", encoding="utf-8") as handle:
            handle.write("\n")
        after = _keys()
        assert _changed(before, after) == {"book"}, document
        before = after
