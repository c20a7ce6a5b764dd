"""The cache keys: what each step's key depends on, and when a run with nothing changed may stop early."""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

from compute_ledger import cache, chapters, params, paths, steps
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


def test_every_declared_step_has_a_key_in_run_order():
    assert list(_keys().steps) == [step.name for step in steps.STEPS]
    assert [step.chapter.name for step in steps.STEPS if step.chapter] == [c.name for c in chapters.CHAPTERS]


def test_a_parameter_changes_the_keys_of_the_chapters_that_declare_it_and_of_the_book():
    before = _keys()
    after = _keys(params.Parameters(gpu_unit_price_usd=25_000.0))
    users = {
        steps.chapter_step_name(c.name)
        for c in chapters.CHAPTERS
        if "gpu_unit_price_usd" in cache.declared_parameters(c.notebook)
    }
    assert steps.chapter_step_name("money") in users
    assert _changed(before, after) == users | {steps.CATALOGUES, steps.BOOK}
    assert before.book_structure == after.book_structure  # the book is built incrementally


def test_scenarios_change_only_the_chapters_that_take_them():
    before = _keys()
    after = _keys(scenarios={"trend": params.Parameters()})
    assert _changed(before, after) == {steps.chapter_step_name("projections"), steps.CATALOGUES, steps.BOOK}


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
    assert _changed(before, after) == {steps.BOOK}
    assert before.book_structure != after.book_structure


def _manifest_for(keys: cache.RunKeys) -> dict:
    return {"steps": [{"name": name, "key": key} for name, key in keys.steps.items()]}


@pytest.fixture
def layout(tmp_path):
    """A processed folder and a site with every step's first output in place (``steps.STEPS`` says which)."""
    processed = paths.ProcessedLayout(tmp_path / "processed")
    site = tmp_path / "html"
    for step in steps.STEPS:
        for output in step.outputs(processed, site)[:1]:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text("{}")
    return processed, site


def test_a_step_runs_when_its_key_or_output_changed_and_so_do_the_steps_reading_it(layout, monkeypatch):
    processed, site = layout
    monkeypatch.setattr(paths, "BOOK_HTML", site)
    keys = _keys()
    manifest = _manifest_for(keys)
    assert cache.steps_to_run(keys, manifest, processed, build_book=True) == set()
    assert cache.steps_to_run(keys, {}, processed, build_book=True) == set(keys.steps)

    book_changed = json.loads(json.dumps(manifest))
    next(s for s in book_changed["steps"] if s["name"] == steps.BOOK)["key"] = "0" * 64
    assert cache.steps_to_run(keys, book_changed, processed, build_book=True) == {steps.BOOK}
    assert cache.steps_to_run(keys, book_changed, processed, build_book=False) == set()  # --no-book

    (processed.notebooks / "money.ipynb").unlink()
    money = steps.chapter_step_name("money")
    assert cache.steps_to_run(keys, manifest, processed, build_book=True) == {money, steps.CATALOGUES, steps.BOOK}
    assert cache.steps_to_run(keys, manifest, processed, build_book=False) == {money, steps.CATALOGUES}

    # The database must be rebuilt: validate runs too (its output, the validated tables, is held in memory only),
    # and so does every step that reads the database.
    processed.database.unlink()
    assert cache.steps_to_run(keys, manifest, processed, build_book=True) == set(keys.steps)


def test_the_changelog_rebuilds_the_book_and_the_data_dictionary_is_code(project_copy):
    before = _keys()
    with (project_copy / "data" / "CHANGELOG.md").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    after = _keys()
    assert _changed(before, after) == {steps.BOOK}
    # The README's dictionary is generated from compute_ledger/metadata.py, which nothing reads it back from; the
    # registry is package code, so a change to it re-runs every step (datapackage.json and the book describe columns).
    with (project_copy / "data" / "raw" / "README.md").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert _changed(after, _keys()) == set()
    with (project_copy / "compute_ledger" / "metadata.py").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert _changed(after, _keys()) == set(after.steps)
