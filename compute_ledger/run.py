"""One run of the pipeline: the order of the steps, their cache, the manifest, and the swap.

Order: validate data/raw → database → chapter notebooks (parallel) → book. Parameters are validated before (cli).
A step runs only when its key changed (``cache.compute``: the hash of its code, its input data and the parameters it
declares) or its output is missing. When no step needs to run, the run records that and stops before loading pandas,
pandera, DuckDB, papermill or Sphinx: the step modules are imported inside ``_run_steps`` for that reason.
Everything is written into a staging folder under ``build/``; the live ``data/processed`` and
``book/_build/html`` are replaced only when every step succeeded, so a failed or interrupted run loses nothing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from compute_ledger import cache, chapters, params, paths


@dataclass
class RunOptions:
    parameters: params.Parameters
    scenario_parameters: dict[str, params.Parameters] = field(default_factory=dict)
    force: bool = False
    wait_for_lock: bool = False
    cell_timeout: int = 600
    build_book: bool = True
    log: callable = functools.partial(print, flush=True)  # flushed: progress shows in logs as it happens


@dataclass
class StepRecord:
    name: str
    key: str
    cache_hit: bool
    seconds: float
    computed_seconds: float
    computed_at: str


@dataclass
class RunResult:
    manifest: dict
    steps: list[StepRecord] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


def _swap_in(staged: Path, live: Path) -> None:
    """Replace ``live`` by ``staged`` with two renames on one file system (see ``_publish`` for interrupts)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    old = live.with_name(live.name + f".old-{os.getpid()}")
    if live.exists():
        os.replace(live, old)
    os.replace(staged, live)
    if old.exists():
        shutil.rmtree(old)


def _publish(pairs: list[tuple[Path, Path]]) -> None:
    """Swap every staged output into place, only if no interrupt is pending, with Ctrl-C and SIGTERM held back
    until the renames are done (a pending one is then raised, after the swap or instead of it)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        if _INTERRUPTS & signal.sigpending():
            return  # the interrupt is raised when the mask is restored: nothing was replaced
        for staged, live in pairs:
            _swap_in(staged, live)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def recover_interrupted_work() -> None:
    """At the start of a run (lock held): remove what a killed run left (its staging folder, half-written
    database), and put back an output whose swap was cut between its two renames."""
    shutil.rmtree(paths.STAGING, ignore_errors=True)
    for live in (paths.DATA_PROCESSED, paths.BOOK_HTML):
        olds = sorted(live.parent.glob(live.name + ".old-*"))
        if olds and not live.exists():
            os.replace(olds.pop(), live)
        for old in olds:
            shutil.rmtree(old, ignore_errors=True)


def vendor_bundle() -> Path:
    """The Vega bundle, made once per Vega-Lite version and kept under build/."""
    from compute_ledger import charts

    maker = cache.sha256_file(Path(charts.__file__))[:12]
    target = paths.WORK / "cache" / f"vega-bundle-{charts.VEGA_LITE_VERSION}-{maker}.js"
    if not target.exists():
        charts.write_vendor_bundle(target.with_suffix(".tmp"))
        os.replace(target.with_suffix(".tmp"), target)
    return target


def publish_catalogues(layout: paths.ProcessedLayout) -> None:
    """The key-numbers catalogue and the Frictionless datapackage.json, from what the steps wrote (cheap, always)."""
    from compute_ledger import citation, database, datapackage, key_numbers
    from compute_ledger.errors import EvidenceError

    edition = citation.edition()
    catalogue = key_numbers.write_catalogue(
        layout.key_numbers_dir, layout.key_numbers_csv, layout.key_numbers_json, edition.version, edition.date
    )
    with database.connect_read_only(layout.database) as connection:
        tiers = dict(connection.execute("SELECT figure_id, source_tier FROM figures_sourced").fetchall())
    problems = key_numbers.weak_inputs(catalogue, tiers)
    if problems:
        raise EvidenceError(problems)
    datapackage.write_datapackage(layout, edition)


def run(options: RunOptions) -> RunResult:
    """Run every step whose key changed and publish the results; raise on the first failure."""
    with cache.run_lock(options.wait_for_lock):
        started = time.perf_counter()
        recover_interrupted_work()
        keys = cache.compute(options.parameters, options.scenario_parameters)
        live = paths.ProcessedLayout(paths.DATA_PROCESSED)
        previous = {} if options.force else cache.read_manifest(live.manifest)
        if cache.unchanged(keys, previous, live, options.build_book):
            return _record_unchanged_run(options, keys, previous, live, started)
        staging_root = paths.STAGING
        staging_root.mkdir(parents=True)
        try:
            return _run_steps(options, keys, live, previous, staging_root, started)
        finally:
            shutil.rmtree(staging_root, ignore_errors=True)


def _record_unchanged_run(options, keys, manifest, live, started) -> RunResult:
    """Nothing to run: the manifest proves these exact inputs were validated and built. Record this run in it."""
    log = options.log
    names = [name for name in keys.steps if options.build_book or name != "book"]
    for name in names:
        log(f"· {cache.step_label(name)} (unchanged)")
    for step in manifest["steps"]:
        step["cache_hit"] = True
        step["seconds"] = 0.0
    manifest["run"] = {
        "finished_at": _now(),
        "seconds": round(time.perf_counter() - started, 3),
        "cache_hits": [step["name"] for step in manifest["steps"]],
    }
    cache.write_manifest(live.manifest, manifest)
    seconds = time.perf_counter() - started
    log(f"✓ nothing changed; data/processed and book/_build/html are up to date ({seconds:.2f} s)")
    steps = [StepRecord(**step) for step in manifest["steps"]]
    return RunResult(manifest=manifest, steps=steps)


def _run_steps(options, keys, live, previous, staging_root, started) -> RunResult:
    # The step libraries load only when a step has to run: papermill now, pandera and DuckDB when data/raw must be
    # validated and loaded, the book's (pandas, Altair) once a core is free of notebooks (see prepare_book).
    from compute_ledger import book_build, notebooks

    log = options.log
    now = _now()
    steps: list[StepRecord] = []
    staged = paths.ProcessedLayout(staging_root / "processed")

    def record(name: str, hit: bool, seconds: float) -> StepRecord:
        before = cache.previous_step(previous, name)
        computed = before if hit and before else {"computed_seconds": seconds, "computed_at": now}
        step = StepRecord(name, keys.steps[name], hit, seconds, computed["computed_seconds"], computed["computed_at"])
        steps.append(step)
        return step

    def report(step: StepRecord, detail: str = "") -> None:
        mark, note = ("·", " (unchanged)") if step.cache_hit else ("✓", detail)
        log(f"{mark} {cache.step_label(step.name)}{note} ({step.seconds:.2f} s)")

    # Step: validate data/raw, only when the database must be rebuilt from it. Otherwise the manifest proves that
    # these exact bytes were validated (the keys hash them).
    t0 = time.perf_counter()
    database_hit = cache.step_reusable(previous, "database", keys.steps["database"], live.database)
    ledger = None
    if database_hit and cache.step_reusable(previous, "validate", keys.steps["validate"], None):
        report(record("validate", True, 0.0))
    else:
        from compute_ledger import schema

        ledger = schema.validate()
        step = record("validate", False, time.perf_counter() - t0)
        report(step, f": {len(ledger.sources)} sources, {len(ledger.figures)} figures")

    if live.base.exists():
        shutil.copytree(live.base, staged.base)
    else:
        staged.base.mkdir(parents=True)

    # Step: database (and its table exports).
    t0 = time.perf_counter()
    if not database_hit:
        from compute_ledger import database

        database.build_database(ledger, staged.database)
        shutil.rmtree(staged.tables, ignore_errors=True)
        database.export_tables(staged.database, staged.tables)
    report(record("database", database_hit, time.perf_counter() - t0))

    # Step: chapter notebooks, each keyed by its notebook, the code, the database and its own parameters.
    jobs = []
    for chapter in chapters.CHAPTERS:
        name = f"notebook:{chapter.name}"
        output = staged.notebooks / f"{chapter.name}.ipynb"
        if cache.step_reusable(previous, name, keys.steps[name], output):
            continue
        exports = staged.chapter_exports(chapter.name)
        shutil.rmtree(exports, ignore_errors=True)
        (staged.key_numbers_dir / f"{chapter.name}.json").unlink(missing_ok=True)
        # Paths are relative to the notebook's folder, where papermill runs it.
        jobs.append(
            notebooks.NotebookJob(
                name=chapter.name,
                source=chapter.notebook,
                output=output,
                parameters={
                    **keys.chapter_parameters[chapter.name],
                    "db_path": os.path.relpath(staged.database, paths.NOTEBOOKS),
                    "exports_dir": os.path.relpath(exports, paths.NOTEBOOKS),
                    "key_numbers_path": os.path.relpath(
                        staged.key_numbers_dir / f"{chapter.name}.json", paths.NOTEBOOKS
                    ),
                },
            )
        )
    # The book is rebuilt when its key changed or a step before it ran (the Run page shows their timings).
    upstream_ran = bool(jobs) or any(not s.cache_hit for s in steps)
    book_output = cache.step_output(live, "book")
    rebuild_book = options.build_book and (
        upstream_ran or not cache.step_reusable(previous, "book", keys.steps["book"], book_output)
    )
    staged_html = None
    with contextlib.ExitStack() as stack:
        t0 = time.perf_counter()
        running = stack.enter_context(notebooks.Running(jobs, options.cell_timeout))
        jupyter_book = None

        def prepare_book() -> None:
            # On the core the notebooks no longer need: start jupyter-book, which loads Sphinx while the last
            # notebook finishes, and load the book's own libraries (pandas, DuckDB, Altair).
            nonlocal jupyter_book
            if rebuild_book:
                jupyter_book = stack.enter_context(book_build.JupyterBook())
            from compute_ledger import book  # noqa: F401 (loaded now, imported again below at no cost)

        durations = running.wait(once_a_worker_is_free=prepare_book)
        from compute_ledger import book

        for chapter in chapters.CHAPTERS:
            hit = chapter.name not in durations
            report(record(f"notebook:{chapter.name}", hit, durations.get(chapter.name, 0.0)))
        if jobs:
            log(f"  notebooks ran in parallel in {time.perf_counter() - t0:.2f} s")
        publish_catalogues(staged)

        manifest = {
            "identity": {
                "git_commit": keys.git_commit,
                "code_hash": keys.code,
                "inputs": keys.inputs,
                "packages": keys.packages,
            },
            "parameters": keys.parameters,
            "scenarios": keys.scenarios,
            "parameter_changes": {k: v[1] for k, v in params.differences(options.parameters).items()},
            "steps": [vars(s) for s in steps],
        }

        # Step: book.
        if options.build_book:
            t0 = time.perf_counter()
            if rebuild_book:
                staged_html = book.build_site(
                    staged,
                    manifest,
                    vendor_bundle(),
                    staging_root / "html",
                    keys.book_structure,
                    log,
                    started=jupyter_book,
                    from_scratch=options.force,
                )
            report(record("book", not rebuild_book, time.perf_counter() - t0))
            manifest["steps"] = [vars(s) for s in steps]

    manifest["run"] = {
        "finished_at": _now(),
        "seconds": round(time.perf_counter() - started, 3),
        "cache_hits": [s.name for s in steps if s.cache_hit],
    }
    cache.write_manifest(staged.manifest, manifest)

    # Publish: processed first, then the site.
    _publish([(staged.base, live.base)] + ([(staged_html, paths.BOOK_HTML)] if staged_html is not None else []))
    log(
        f"✓ published data/processed{' and book/_build/html' if staged_html is not None else ''} "
        f"in {time.perf_counter() - started:.2f} s"
    )
    return RunResult(manifest=manifest, steps=steps)
