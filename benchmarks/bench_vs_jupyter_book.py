"""The pipeline against Jupyter Book 1's own cached execution (``execute_notebooks: cache``), side by side in one run,
on the same machine and the same notebooks (issue 14, part 7): a full build, a no-op re-build and one parameter
changed (``pue``), with the seconds of each tool and the ratio pipeline / Jupyter Book, then how many pages and glued
values each tool left stale after the parameter change.

Run from the project root: ``python benchmarks/bench_vs_jupyter_book.py`` (a few minutes). Everything runs in a
temporary copy of the project (copied as ``bench_pipeline.py`` copies it), one command at a time:

1. The pipeline: ``pipeline.py`` with no outputs and no ``build/`` cache (full), again (no-op), then
   ``--set pue=1.3`` (one parameter). Its full run also builds ``data/processed/ledger.duckdb``, which the notebooks
   read in step 2. It does more than Jupyter Book does here: it validates the ledger, builds the database, the
   tables, the data package, the appendices and the PDF edition, with warnings as errors.
2. Jupyter Book (the ``jupyter-book`` beside the running Python): a book folder ``jb_book/`` in the copy with the
   project's ``book/_config.yml`` (``execute_notebooks: cache``, and a cell timeout of 600 s instead of the default
   30 s, which the projections' Monte Carlo cell can exceed on a loaded machine), ``book/intro.md`` and
   ``book/_static``, and a ``_toc.yml`` of the intro and the chapters in the order of ``chapters.CHAPTERS``. The
   notebooks are ``notebooks/*.ipynb`` copied unchanged: they run from their own parameters cells, whose default
   paths (``../data/processed/...``) point from ``jb_book/`` into the copy's ``data/processed/``, so no cell needed
   editing. Timed: ``jupyter-book build jb_book`` with an empty cache (full), again (no-op), and after the change a
   Jupyter Book user makes by hand: ``pue = 1.3`` in the parameters cell of every notebook that declares ``pue``
   (``cache.declared_parameters``). The intro links to appendices this book does not have; Sphinx warns and builds.
3. Staleness. Each tool's pages (the intro and the seven chapters, which both tools build) are read three times: after
   the no-op build (pue 1.2: "before"), after the timed one-parameter build ("after"), and after an untimed build
   that is right by construction ("reference"): for the pipeline ``--force --set pue=1.3`` (every step and the whole
   book from scratch), for Jupyter Book ``jupyter-book build --all`` (every page re-read; the cache already holds
   the notebooks executed at pue 1.3). A page depends on pue when its reference text differs from its before text;
   it is stale when its after text differs from its reference. The same for each glued inline value
   (``span.pasted-text``, compared by position). A page's text is the text of its article without scripts, so the
   data inside Vega charts is not compared.

Timings on a shared machine vary by +-20 %: the 1-minute load average is printed before each command.

Last run
--------
Measured 2026-12-07 (started 09:45 UTC, under 2 minutes) on this 2-core machine, one other agent's job running
beside it (load average 1.6 to 2.9), with ``/work/main/.venv`` (jupyter-book 1.0.4.post1, myst-nb 1.4.0, Sphinx
7.4.7):
::

    load average (1, 5, 15 min) before: 1.64, 1.00, 0.77
    load average (1, 5, 15 min) after:  2.35, 1.57, 1.00
    1-minute load before each command: pipeline full: 1.64; pipeline no-op: 2.45; pipeline one parameter: 2.45;
      pipeline reference (untimed): 2.95; jupyter-book full: 2.94; jupyter-book no-op: 2.60; jupyter-book one
      parameter: 2.60; jupyter-book reference (untimed): 2.35  [one printed line, wrapped here]
    one parameter: pipeline --set pue=1.3; Jupyter Book: 'pue = 1.3' typed into
      the parameters cell of projections, checks, claims (the notebooks that declare pue)

    case             pipeline s  Jupyter Book s  pipeline / JB
    full (empty)          29.90           24.30           1.23
    no-op                  0.18            0.94           0.19
    one (pue)             13.41            9.52           1.41

    after the one-parameter re-build, over the 9 pages both build (intro, gpu_counts, power, money, growth,
      projections, checks, claims, scorecard):  [one printed line, wrapped here]
    pipeline      pages depending on pue: 4, stale: 0 (none); glued values depending on pue: 13, stale: 0
    Jupyter Book  pages depending on pue: 4, stale: 0 (none); glued values depending on pue: 13, stale: 0
    cross-check: the two reference builds' intro glues 59 and 59 values; 0 differ by position
    jupyter-book lines saying a notebook failed or a glued value was missing: 0

Where the pipeline's one-parameter seconds go (measured apart, the same day): the three chapters run in parallel in
4.8 s, the catalogues 0.2 s, the book step 6.2 s, of which the PDF edition is about 3.5 s (assembling the document
0.06 s, starting Chromium 0.4 s, loading the document 0.65 s, printing it with its outline and tags 2.3 s). Jupyter
Book prints no PDF. An earlier run on a loaded machine (05:50 UTC, load 2.9 to 6.1) measured 81.86 / 48.50 s (full),
0.47 / 2.87 s (no-op) and 43.96 / 28.48 s (pue): ratios 1.69, 0.16 and 1.54.

Jupyter Book left no value stale here because the only page that glues from other pages is the intro, the book's
root, and Sphinx writes the root document on every build (``docnames.add(self.config.root_doc)`` in
``sphinx.builders.Builder.write``), resolving its pending glue references from the chapters' fresh glue caches. A
page other than the root that glued from a chapter would be rewritten only when it is itself outdated (Sphinx's
rule, not measured here: no such page exists in this book). Issue 14 quoted 6.6-10.6 s (Jupyter Book) and 9.6-25 s
(the pipeline) for the one-parameter case; this run's 9.52 s and 13.41 s fall within those ranges.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import IGNORED, PROJECT_ROOT  # noqa: E402 (the same copy of the project)

sys.path.insert(0, str(PROJECT_ROOT))
from compute_ledger import cache, chapters  # noqa: E402

PARAMETER, OLD_VALUE, NEW_VALUE = "pue", "1.2", "1.3"
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
BOOK = "jb_book"
CELL_TIMEOUT_S = 600
PAGES = ["intro", *(chapter.name for chapter in chapters.CHAPTERS)]
# Lines of a jupyter-book build that mean a notebook did not execute, or a glued value was missing (myst-nb 1.x).
EXECUTION_FAILED = re.compile(
    r"Executing notebook failed|Traceback|not found in doc|glue reference|\[mystnb\.glue", re.I
)


def run(command: list[str], cwd: Path, label: str, loads: list[str]) -> tuple[float, str]:
    """Seconds and output of one command; stops the benchmark if it fails."""
    loads.append(f"{label}: {os.getloadavg()[0]:.2f}")
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stdout}")
    return seconds, done.stdout


def build_book(project: Path, label: str, loads: list[str], problems: list[str], *extra: str) -> float:
    """Seconds of one ``jupyter-book build`` of the book folder; adds to ``problems`` the lines saying that a notebook
    did not execute or a glued value was missing (printed at the end, beside the figures they make doubtful)."""
    seconds, output = run([str(JUPYTER_BOOK), "build", *extra, BOOK], project, label, loads)
    problems += [f"{label}: {line}" for line in output.splitlines() if EXECUTION_FAILED.search(line)]
    return seconds


def make_book(project: Path) -> Path:
    """The Jupyter Book folder in the copy: intro, chapters (unchanged notebooks), config with cached execution."""
    book = project / BOOK
    book.mkdir()
    shutil.copy(project / "book" / "intro.md", book / "intro.md")
    shutil.copytree(project / "book" / "_static", book / "_static")
    (book / "_extra").mkdir()  # html_extra_path of the config
    config = yaml.safe_load((project / "book" / "_config.yml").read_text(encoding="utf-8"))
    config["execute"] = {"execute_notebooks": "cache", "timeout": CELL_TIMEOUT_S}
    (book / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    toc = {"format": "jb-book", "root": "intro", "chapters": [{"file": c.name} for c in chapters.CHAPTERS]}
    (book / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    for chapter in chapters.CHAPTERS:
        shutil.copy(project / "notebooks" / f"{chapter.name}.ipynb", book / f"{chapter.name}.ipynb")
    return book


def edit_parameter(book: Path) -> list[str]:
    """Set ``pue = 1.3`` in the parameters cell of every notebook that declares pue, as a user would; returns them."""
    edited = []
    assignment = re.compile(rf"^{PARAMETER}\s*=\s*{re.escape(OLD_VALUE)}\s*$", re.M)
    for chapter in chapters.CHAPTERS:
        path = book / f"{chapter.name}.ipynb"
        if PARAMETER not in cache.declared_parameters(path):
            continue
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cell = next(c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
        source = "".join(cell["source"])
        changed, count = assignment.subn(f"{PARAMETER} = {NEW_VALUE}", source)
        if count != 1:
            sys.exit(f"{path.name}: no line '{PARAMETER} = {OLD_VALUE}' in its parameters cell")
        cell["source"] = changed.splitlines(keepends=True)
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        edited.append(chapter.name)
    return edited


def read_pages(html: Path) -> dict[str, tuple[str, list[str]]]:
    """Per page: the text of its article (scripts and styles left out) and its glued inline values, in order."""
    pages = {}
    for page in PAGES:
        article = BeautifulSoup((html / f"{page}.html").read_text(encoding="utf-8"), "html.parser").select_one(
            "article"
        )
        for tag in article.find_all(["script", "style"]):
            tag.decompose()
        values = [span.get_text() for span in article.select("span.pasted-text")]
        pages[page] = (" ".join(article.get_text(" ").split()), values)
    return pages


def staleness(before: dict, after: dict, reference: dict) -> dict:
    """Pages and glued values that depend on the parameter (reference differs from before), and those of them the
    timed re-build left stale (after differs from reference)."""
    counts = {"pages": 0, "stale_pages": [], "values": 0, "stale_values": 0, "misaligned": []}
    for page in PAGES:
        (text_before, values_before), (text_after, values_after) = before[page], after[page]
        text_reference, values_reference = reference[page]
        if text_reference != text_before:
            counts["pages"] += 1
            if text_after != text_reference:
                counts["stale_pages"].append(page)
        if not len(values_before) == len(values_after) == len(values_reference):
            counts["misaligned"].append(page)
        for old, new, right in zip(values_before, values_after, values_reference, strict=False):
            if right != old:
                counts["values"] += 1
                counts["stale_values"] += new != right
    return counts


def _stale_line(tool: str, counts: dict) -> str:
    stale_pages = ", ".join(counts["stale_pages"]) or "none"
    line = (
        f"{tool:<13} pages depending on {PARAMETER}: {counts['pages']}, stale: {len(counts['stale_pages'])} "
        f"({stale_pages}); glued values depending on {PARAMETER}: {counts['values']}, stale: {counts['stale_values']}"
    )
    if counts["misaligned"]:
        line += f" (value counts differ between builds on: {', '.join(counts['misaligned'])})"
    return line


def main() -> None:
    python = sys.executable
    loads: list[str] = []
    problems: list[str] = []
    start_load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-vs-jb-") as folder:
        project = Path(folder) / "project"
        shutil.copytree(PROJECT_ROOT, project, ignore=IGNORED)
        site = project / "book" / "_build" / "html"

        pipeline = {}
        pipeline["full"], _ = run([python, "pipeline.py"], project, "pipeline full", loads)
        pipeline["no-op"], _ = run([python, "pipeline.py"], project, "pipeline no-op", loads)
        pipeline_before = read_pages(site)
        setting = ["--set", f"{PARAMETER}={NEW_VALUE}"]
        pipeline["one"], _ = run([python, "pipeline.py", *setting], project, "pipeline one parameter", loads)
        pipeline_after = read_pages(site)
        run([python, "pipeline.py", "--force", *setting], project, "pipeline reference (untimed)", loads)
        pipeline_reference = read_pages(site)

        book = make_book(project)
        jb_site = book / "_build" / "html"
        jb = {}
        jb["full"] = build_book(project, "jupyter-book full", loads, problems)
        jb["no-op"] = build_book(project, "jupyter-book no-op", loads, problems)
        jb_before = read_pages(jb_site)
        edited = edit_parameter(book)
        jb["one"] = build_book(project, "jupyter-book one parameter", loads, problems)
        jb_after = read_pages(jb_site)
        build_book(project, "jupyter-book reference (untimed)", loads, problems, "--all")
        jb_reference = read_pages(jb_site)
    end_load = os.getloadavg()

    print(f"load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in start_load)}")
    print(f"load average (1, 5, 15 min) after:  {', '.join(f'{x:.2f}' for x in end_load)}")
    print("1-minute load before each command: " + "; ".join(loads))
    print(
        f"one parameter: pipeline --set {PARAMETER}={NEW_VALUE}; Jupyter Book: '{PARAMETER} = {NEW_VALUE}' typed into"
    )
    print(f"  the parameters cell of {', '.join(edited)} (the notebooks that declare {PARAMETER})")
    print()
    print(f"{'case':<15}{'pipeline s':>12}{'Jupyter Book s':>16}{'pipeline / JB':>15}")
    names = {"full": "full (empty)", "no-op": "no-op", "one": f"one ({PARAMETER})"}
    for case, name in names.items():
        print(f"{name:<15}{pipeline[case]:>12.2f}{jb[case]:>16.2f}{pipeline[case] / jb[case]:>15.2f}")
    print()
    print(f"after the one-parameter re-build, over the {len(PAGES)} pages both build ({', '.join(PAGES)}):")
    print(_stale_line("pipeline", staleness(pipeline_before, pipeline_after, pipeline_reference)))
    print(_stale_line("Jupyter Book", staleness(jb_before, jb_after, jb_reference)))
    differing = sum(a != b for a, b in zip(pipeline_reference["intro"][1], jb_reference["intro"][1], strict=False))
    print(
        f"cross-check: the two reference builds' intro glues {len(pipeline_reference['intro'][1])} and "
        f"{len(jb_reference['intro'][1])} values; {differing} differ by position"
    )
    print(f"jupyter-book lines saying a notebook failed or a glued value was missing: {len(problems)}")
    for line in problems[:20]:
        print(f"  {line}")


if __name__ == "__main__":
    main()
