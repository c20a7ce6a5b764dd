"""Prose keeps every sentence: a Markdown line that starts with "%" is a MyST comment and would vanish."""

import json

from compute_ledger import paths


def comment_lines(text: str) -> list[str]:
    """Lines MyST reads as comments (a "%" first, after leading spaces)."""
    return [line for line in text.splitlines() if line.lstrip().startswith("%")]


def test_no_prose_line_of_a_chapter_or_a_book_page_is_a_myst_comment():
    lost = []
    for notebook in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                lost += [f"{notebook.name}: {line}" for line in comment_lines("".join(cell["source"]))]
    for page in sorted((paths.ROOT / "book").glob("*.md")):
        lost += [f"{page.name}: {line}" for line in comment_lines(page.read_text(encoding="utf-8"))]
    assert not lost, lost


def test_a_line_starting_with_a_percent_sign_is_found():
    assert comment_lines("grew by 40\n% a year, then") == ["% a year, then"]
