"""The incremental book build: sources rewritten only when they change, pages that glue numbers refreshed with the
notebooks they glue from, Sphinx re-reading changed pages only, warnings still errors, a clean build as fallback."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from compute_ledger import book_build
from compute_ledger.errors import BookError

# --- the assembled sources --------------------------------------------------------------------------------------


def _age(path: Path, seconds: float = 100.0) -> None:
    """Set ``path``'s modification time ``seconds`` in the past, so that a rewrite shows."""
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_a_source_is_rewritten_only_when_its_bytes_change(tmp_path):
    first = book_build.SourceFolder(tmp_path)
    first.write_text("same.md", "# Same\n")
    first.write_text("other.md", "# Other\n")
    assert first.changed == {"same.md", "other.md"}
    _age(tmp_path / "same.md")
    _age(tmp_path / "other.md")
    kept = (tmp_path / "same.md").stat().st_mtime

    second = book_build.SourceFolder(tmp_path)
    second.write_text("same.md", "# Same\n")
    second.write_text("other.md", "# Other, changed\n")
    assert second.changed == {"other.md"}
    assert (tmp_path / "same.md").stat().st_mtime == kept
    assert (tmp_path / "other.md").stat().st_mtime > kept


def test_files_no_longer_produced_are_removed(tmp_path):
    first = book_build.SourceFolder(tmp_path)
    first.write_text("kept.md", "# Kept\n")
    first.write_text("_extra/old/data.csv", "a\n1\n")
    second = book_build.SourceFolder(tmp_path)
    second.write_text("kept.md", "# Kept\n")
    second.remove_others()
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["kept.md"]
    assert second.changed == {"_extra/old/data.csv"}


def test_pages_that_glue_from_a_changed_notebook_are_marked_changed(tmp_path):
    first = book_build.SourceFolder(tmp_path)
    first.write_text("money.ipynb", '{"cells": []}')
    first.write_text("power.ipynb", '{"cells": []}')
    first.write_text("intro.md", "Chips cost {glue:text}`money.ipynb::capex:s` in total.\n")
    first.write_text("about.md", "Sites draw {glue:text}`power.ipynb::largest_mw:,.0f` MW.\n")
    for name in ("money.ipynb", "power.ipynb", "intro.md", "about.md"):
        _age(tmp_path / name)
    before = {name: (tmp_path / name).stat().st_mtime for name in ("intro.md", "about.md")}

    second = book_build.SourceFolder(tmp_path)
    second.write_text("money.ipynb", '{"cells": [], "changed": true}')
    second.write_text("power.ipynb", '{"cells": []}')
    second.write_text("intro.md", "Chips cost {glue:text}`money.ipynb::capex:s` in total.\n")
    second.write_text("about.md", "Sites draw {glue:text}`power.ipynb::largest_mw:,.0f` MW.\n")
    assert second.refresh_glue_readers() == ["intro.md"]
    assert (tmp_path / "intro.md").stat().st_mtime > before["intro.md"]
    assert (tmp_path / "about.md").stat().st_mtime == before["about.md"]


def test_progress_in_a_log_is_one_line_per_phase():
    lines = []
    with book_build.BuildProgress(lines.append, interactive=False) as progress:
        for line in [
            "updating environment: 0 added, 3 changed, 0 removed",
            "reading sources... [ 33%] intro",
            "reading sources... [ 66%] money",
            "reading sources... [100%] run",
            "writing output... [ 50%] intro",
            "writing output... [100%] money",
            "build succeeded.",
        ]:
            progress.update(line)
    assert lines == ["  book: reading sources…", "  book: writing output…"]


def test_progress_on_a_terminal_is_a_bar_per_phase(capsys):
    lines = []
    with book_build.BuildProgress(lines.append, interactive=True) as progress:
        for line in ("reading sources... [ 50%] intro", "reading sources... [100%] run", "writing output... [100%] x"):
            progress.update(line)
        assert progress.bar.n == 100
    assert lines == []  # nothing in the log
    shown = capsys.readouterr().err
    assert "book: reading sources" in shown and "book: writing output" in shown


# --- builds of a small book -------------------------------------------------------------------------------------

CONFIG = """\
title: Small
author: Tests
only_build_toc_files: true
execute:
  execute_notebooks: 'off'
"""
TOC = """\
format: jb-book
root: intro
chapters:
- file: first
- file: second
"""


@pytest.fixture
def small_book(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "_config.yml").write_text(CONFIG)
    (source / "_toc.yml").write_text(TOC)
    (source / "intro.md").write_text("# Small\n\nSee [the first chapter](first.md).\n")
    (source / "first.md").write_text("# First\n\n(first-label)=\n## A section\n\nText.\n")
    (source / "second.md").write_text("# Second\n\nSee {ref}`first-label`.\n")
    return source, tmp_path / "output"


def _pages(html: Path) -> dict[str, tuple[float, bytes]]:
    return {p.name: (p.stat().st_mtime, p.read_bytes()) for p in html.glob("*.html")}


@pytest.mark.slow
def test_an_incremental_build_writes_only_the_changed_page(small_book):
    source, output = small_book
    html = book_build.build(source, output, "structure-1", log=lambda line: None)
    assert (output / book_build.BUILT_MARKER).read_text() == "structure-1"
    before = _pages(html)
    (source / "second.md").write_text("# Second\n\nSee {ref}`first-label`, again.\n")
    logged = []
    assert book_build.build(source, output, "structure-1", log=logged.append) == html
    after = _pages(html)
    assert after["first.html"] == before["first.html"]  # neither read nor written again
    assert "again" in after["second.html"][1].decode()
    assert "from scratch" not in "".join(logged)


@pytest.mark.slow
def test_a_new_structure_key_builds_every_page_again(small_book):
    source, output = small_book
    html = book_build.build(source, output, "structure-1", log=lambda line: None)
    before = _pages(html)
    book_build.build(source, output, "structure-2", log=lambda line: None)
    after = _pages(html)
    assert all(after[name][0] > before[name][0] for name in ("intro.html", "first.html", "second.html"))
    assert (output / book_build.BUILT_MARKER).read_text() == "structure-2"


@pytest.mark.slow
def test_a_warning_still_fails_an_incremental_build_and_the_next_build_is_clean(small_book):
    source, output = small_book
    book_build.build(source, output, "structure-1", log=lambda line: None)
    (source / "second.md").write_text("# Second\n\nSee {ref}`no-such-label`.\n")
    with pytest.raises(BookError, match="no-such-label"):
        book_build.build(source, output, "structure-1", log=lambda line: None)
    assert not (output / book_build.BUILT_MARKER).exists()  # the next build will not trust this folder


@pytest.mark.slow
def test_a_broken_build_cache_falls_back_to_a_clean_build(small_book):
    source, output = small_book
    html = book_build.build(source, output, "structure-1", log=lambda line: None)
    (output / "_build" / ".doctrees" / "first.doctree").write_bytes(b"not a pickle")
    (source / "second.md").write_text("# Second\n\nSee {ref}`first-label` once more.\n")
    logged = []
    book_build.build(source, output, "structure-1", log=logged.append)
    assert "  book: the incremental build failed; building it again from scratch" in logged
    assert "once more" in (html / "second.html").read_text()
    assert (output / book_build.BUILT_MARKER).read_text() == "structure-1"


@pytest.mark.slow
def test_a_jupyter_book_process_started_but_not_used_is_stopped(tmp_path):
    with book_build.JupyterBook(tmp_path / "output") as jupyter_book:
        assert jupyter_book.process.poll() is None
    assert jupyter_book.process.poll() is not None
