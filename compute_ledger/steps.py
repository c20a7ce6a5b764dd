"""The steps of a run, declared once (``STEPS``): each step's name, the inputs its key hashes, the steps it reads,
what it writes, and the function that runs it. The runner (``run``) loops over them in this order, the cache
(``cache.compute``) keys them, the manifest records them, and the tests read them.

    validate → database → notebook:<chapter>, one per chapter, run in parallel → catalogues → book

A step runs when its key changed, its first output is missing, or a step it reads runs; a step whose output is held
in memory only (validate: the validated tables) also runs when a step that reads it runs (``cache.steps_to_run``).
A step's key is the hash of its name, its ``inputs`` and the keys of the steps it ``reads`` (``cache.compute``).

Each run function writes into the staging layout of the run (``Context.staged``), and imports the libraries it needs
itself: a run with nothing to do loads none of them (pandas, pandera, DuckDB, papermill, Sphinx).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compute_ledger import chapters, paths

if TYPE_CHECKING:
    from compute_ledger.cache import RunKeys
    from compute_ledger.run import RunOptions

# The step names, as the manifest, the log and the Run page show them.
VALIDATE = "validate"
DATABASE = "database"
CHAPTER_PREFIX = "notebook:"
CATALOGUES = "catalogues"
BOOK = "book"

# What a step's key can hash besides the keys of the steps it reads; ``cache.compute`` computes each.
ENVIRONMENT = "environment"  # the package's code (every module, subfolders included) and the package versions
RAW_TABLES = "data/raw tables"  # sources.csv, figures.csv, chips.csv, systems.csv, scorecard.csv
CITATION = "CITATION.cff"  # the edition: charts and catalogues carry it
NOTEBOOK = "notebook"  # the chapter's own notebook file
CHAPTER_PARAMETERS = "chapter parameters"  # the parameters the chapter's notebook declares, with their values
BOOK_STRUCTURE = "book structure"  # all the book's sources but the parameters and the commit (see cache.compute)
GIT_COMMIT = "git commit"  # shown on the Run page
PARAMETERS = "parameters"  # every parameter of the run (the Parameters page)


@dataclass
class Context:
    """What a run function gets: the run's options and keys, where to write, and what earlier steps left."""

    options: RunOptions
    keys: RunKeys
    staged: paths.ProcessedLayout  # the staging copy of data/processed
    site: Path  # where the book step writes the site (in staging)
    stack: ExitStack  # what a step starts for a later one (jupyter-book) is closed when the run ends
    manifest: Callable[[], dict]  # the manifest of the steps recorded so far (for the Run page)
    ledger: Any = None  # the validated data/raw, from validate to database
    jupyter_book: Any = None  # a jupyter-book process started ahead by the book's ``prepare``
    prepared: set[str] = field(default_factory=set)  # the steps whose ``prepare`` ran


@dataclass(frozen=True)
class Step:
    """One step of a run.

    ``outputs(layout, site)`` are the files and folders it writes (given the processed layout and the site folder,
    live or staged): the runner removes the staged ones before the step runs, and the first shows that the step's
    output is there. ``run(context, step)`` does the work and returns a note for the log; for a ``parallel`` step it
    returns the notebook job instead, which the runner executes in a worker process beside the others.
    ``prepare(context)``, if given, is called on the first core that the parallel steps before it leave free.
    """

    name: str
    inputs: tuple[str, ...]
    reads: tuple[str, ...]
    outputs: Callable[[paths.ProcessedLayout, Path], tuple[Path, ...]]
    run: Callable[[Context, Step], Any]
    parallel: bool = False
    prepare: Callable[[Context], None] | None = None
    chapter: chapters.Chapter | None = None

    @property
    def label(self) -> str:
        """How the step is named in the log."""
        return "validate data/raw" if self.name == VALIDATE else self.name.replace(":", " ", 1)


def chapter_step_name(chapter: str) -> str:
    """The name of the step that runs a chapter's notebook: ``notebook:<chapter>``."""
    return CHAPTER_PREFIX + chapter


# --- the run functions, one per step ---------------------------------------------------------------------------


def validate(context: Context, step: Step) -> str:
    """Read and validate the four tables of data/raw (kept in memory for the database step)."""
    from compute_ledger import schema

    context.ledger = schema.validate()
    return f": {len(context.ledger.sources)} sources, {len(context.ledger.figures)} figures"


def build_database(context: Context, step: Step) -> str:
    """The DuckDB database with its views, and the CSV and Parquet copies of the published tables."""
    from compute_ledger import database

    database.build_database(context.ledger, context.staged.database)
    database.export_tables(context.staged.database, context.staged.tables)
    return ""


def chapter_job(context: Context, step: Step):
    """The papermill job of a chapter: its declared parameters, and paths relative to the notebooks' folder, where
    papermill runs it."""
    from compute_ledger import execute

    staged = context.staged
    chapter = step.chapter
    return execute.NotebookJob(
        name=step.name,
        source=chapter.notebook,
        output=staged.notebooks / f"{chapter.name}.ipynb",
        parameters={
            **context.keys.chapter_parameters[chapter.name],
            "db_path": os.path.relpath(staged.database, paths.NOTEBOOKS),
            "exports_dir": os.path.relpath(staged.chapter_exports(chapter.name), paths.NOTEBOOKS),
            "key_numbers_path": os.path.relpath(staged.key_numbers_dir / f"{chapter.name}.json", paths.NOTEBOOKS),
        },
    )


def run_in_parallel(context: Context, jobs: list, once_a_core_is_free: Callable[[], None]) -> dict[str, float]:
    """Execute the jobs of parallel steps in worker processes; their wall times by step name. The first failure
    (or Ctrl-C) stops the others."""
    from compute_ledger import execute

    with execute.Running(jobs, context.options.cell_timeout) as running:
        return running.wait(once_a_worker_is_free=once_a_core_is_free)


def write_catalogues(context: Context, step: Step) -> str:
    """The key-numbers catalogue (from the chapters' key numbers) and the Frictionless datapackage.json; every key
    number must rest on sources of a sufficient tier."""
    from compute_ledger import citation, database, datapackage, key_numbers, queries
    from compute_ledger.errors import EvidenceError

    layout = context.staged
    edition = citation.edition()
    catalogue = key_numbers.write_catalogue(
        layout.key_numbers_dir, layout.key_numbers_csv, layout.key_numbers_json, edition.version, edition.date
    )
    with database.connect_read_only(layout.database) as connection:
        tiers = queries.source_tiers(connection)
    problems = key_numbers.weak_inputs(catalogue, tiers)
    if problems:
        raise EvidenceError(problems)
    datapackage.write_datapackage(layout, edition)
    return ""


def prepare_book(context: Context) -> None:
    """On a core the notebooks no longer need: start jupyter-book, which loads Sphinx while the last notebook
    finishes, and load the book's own libraries (pandas, DuckDB, Altair)."""
    from compute_ledger import book, book_build  # noqa: F401 (book: loaded now, used by build_book)

    context.jupyter_book = context.stack.enter_context(book_build.JupyterBook())


def build_book(context: Context, step: Step) -> str:
    """Assemble the book's sources from the staged outputs and the manifest, and build the site into staging."""
    from compute_ledger import book

    book.build_site(
        context.staged,
        context.manifest(),
        vendor_bundle(),
        context.site,
        context.keys.book_structure,
        context.options.log,
        started=context.jupyter_book,
        from_scratch=context.options.force,
    )
    return ""


def vendor_bundle() -> Path:
    """The Vega bundle, made once per Vega-Lite version (and version of charts.py) and kept under build/."""
    from compute_ledger import charts

    maker = hashlib.sha256(Path(charts.__file__).read_bytes()).hexdigest()[:12]
    target = paths.WORK / "cache" / f"vega-bundle-{charts.VEGA_LITE_VERSION}-{maker}.js"
    if not target.exists():
        charts.write_vendor_bundle(target.with_suffix(".tmp"))
        os.replace(target.with_suffix(".tmp"), target)
    return target


# --- the declaration --------------------------------------------------------------------------------------------


def _chapter_step(chapter: chapters.Chapter) -> Step:
    return Step(
        name=chapter_step_name(chapter.name),
        inputs=(ENVIRONMENT, NOTEBOOK, CITATION, CHAPTER_PARAMETERS),
        reads=(DATABASE,),
        outputs=lambda layout, site: (
            layout.notebooks / f"{chapter.name}.ipynb",
            layout.chapter_exports(chapter.name),
            layout.key_numbers_dir / f"{chapter.name}.json",
        ),
        run=chapter_job,
        parallel=True,
        chapter=chapter,
    )


CHAPTER_STEPS: tuple[Step, ...] = tuple(_chapter_step(chapter) for chapter in chapters.CHAPTERS)

STEPS: tuple[Step, ...] = (
    Step(VALIDATE, inputs=(ENVIRONMENT, RAW_TABLES), reads=(), outputs=lambda layout, site: (), run=validate),
    Step(
        DATABASE,
        inputs=(ENVIRONMENT, RAW_TABLES),
        reads=(VALIDATE,),
        outputs=lambda layout, site: (layout.database, layout.tables),
        run=build_database,
    ),
    *CHAPTER_STEPS,
    Step(
        CATALOGUES,
        inputs=(ENVIRONMENT, CITATION),
        reads=(DATABASE, *(step.name for step in CHAPTER_STEPS)),
        outputs=lambda layout, site: (layout.key_numbers_json, layout.key_numbers_csv, layout.datapackage),
        run=write_catalogues,
    ),
    Step(
        BOOK,
        inputs=(BOOK_STRUCTURE, GIT_COMMIT, PARAMETERS),
        # The Run page shows every other step's key and timing: the book is rebuilt whenever one of them runs
        # (validate runs only with the database).
        reads=(DATABASE, *(step.name for step in CHAPTER_STEPS), CATALOGUES),
        outputs=lambda layout, site: (site / "index.html",),
        run=build_book,
        prepare=prepare_book,
    ),
)


def by_name(name: str) -> Step:
    for step in STEPS:
        if step.name == name:
            return step
    raise KeyError(f"no step named {name!r}; steps: {', '.join(step.name for step in STEPS)}")
