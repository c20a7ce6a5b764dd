"""One run of the pipeline: the order of the steps, their content keys (cache), the manifest, and the swap.

Order: validate parameters → validate data/raw → database → chapter notebooks (parallel) → book.
A step runs only when its key changed: the hash of its code, its input data and the parameters it declares.
Everything is written into a staging folder under ``build/``; the live ``data/processed`` and
``book/_build/html`` are replaced only when every step succeeded, so a failed or interrupted run loses nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from compute_ledger import (
    book,
    chapters,
    charts,
    citation,
    database,
    datapackage,
    key_numbers,
    notebooks,
    params,
    paths,
    schema,
)

PACKAGES = (
    "jupyter-book",
    "sphinx",
    "myst-nb",
    "altair",
    "vl-convert-python",
    "papermill",
    "duckdb",
    "pandas",
    "pandera",
    "pydantic",
    "numpy",
)


class RunBusyError(Exception):
    """Another run holds the lock."""


@dataclass
class RunOptions:
    parameters: params.Parameters
    scenario_parameters: dict[str, params.Parameters] = field(default_factory=dict)
    force: bool = False
    wait_for_lock: bool = False
    cell_timeout: int = 600
    build_book: bool = True
    log: callable = print


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


def sha256_bytes(*chunks: bytes) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(hashlib.sha256(chunk).digest())
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_hash() -> str:
    """Hash of the package's code: a change to any module re-runs every step."""
    files = sorted((paths.ROOT / "compute_ledger").glob("*.py"))
    return sha256_bytes(*(f.name.encode() + f.read_bytes() for f in files))


def tree_hash(folder: Path, exclude: tuple[str, ...] = ("_build",)) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not any(part in exclude for part in p.parts))
    return sha256_bytes(*(str(p.relative_to(folder)).encode() + p.read_bytes() for p in files))


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=paths.ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" (with uncommitted changes)" if dirty else "")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@contextmanager
def run_lock(wait: bool) -> Iterator[None]:
    """One run at a time: a second run waits (``wait``) or stops with a clear message."""
    paths.WORK.mkdir(parents=True, exist_ok=True)
    with open(paths.LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RunBusyError(
                f"another pipeline run (pid {holder}) is using {paths.LOCK_FILE.relative_to(paths.ROOT)}; "
                "wait for it to finish, or pass --wait to queue behind it"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_manifest(layout: paths.ProcessedLayout) -> dict:
    try:
        return json.loads(layout.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _previous_step(manifest: dict, name: str) -> dict | None:
    return next((s for s in manifest.get("steps", []) if s["name"] == name), None)


def _swap_in(staged: Path, live: Path) -> None:
    """Replace ``live`` by ``staged`` with two renames on one file system."""
    live.parent.mkdir(parents=True, exist_ok=True)
    old = live.with_name(live.name + f".old-{os.getpid()}")
    if live.exists():
        os.replace(live, old)
    os.replace(staged, live)
    if old.exists():
        shutil.rmtree(old)


def vendor_bundle() -> Path:
    """The Vega bundle, made once per Vega-Lite version and kept under build/."""
    maker = sha256_file(Path(charts.__file__))[:12]
    target = paths.WORK / "cache" / f"vega-bundle-{charts.VEGA_LITE_VERSION}-{maker}.js"
    if not target.exists():
        charts.write_vendor_bundle(target.with_suffix(".tmp"))
        os.replace(target.with_suffix(".tmp"), target)
    return target


def publish_catalogues(layout: paths.ProcessedLayout) -> None:
    """The key-numbers catalogue and the Frictionless datapackage.json, from what the steps wrote (cheap, always)."""
    edition = citation.edition()
    key_numbers.write_catalogue(
        layout.key_numbers_dir, layout.key_numbers_csv, layout.key_numbers_json, edition.version, edition.date
    )
    datapackage.write_datapackage(layout, edition)


def run(options: RunOptions) -> RunResult:
    """Run every step whose key changed and publish the results; raise on the first failure."""
    log = options.log
    with run_lock(options.wait_for_lock):
        started = time.perf_counter()
        t0 = time.perf_counter()
        ledger = schema.validate()
        log(
            f"✓ validate data/raw: {len(ledger.sources)} sources, {len(ledger.figures)} figures "
            f"({time.perf_counter() - t0:.2f} s)"
        )
        live = paths.ProcessedLayout(paths.DATA_PROCESSED)
        previous = {} if options.force else read_manifest(live)
        staging_root = paths.WORK / f"staging-{os.getpid()}"
        shutil.rmtree(staging_root, ignore_errors=True)
        staging_root.mkdir(parents=True)
        try:
            return _run_steps(options, ledger, live, previous, staging_root, started)
        finally:
            shutil.rmtree(staging_root, ignore_errors=True)


def _run_steps(options, ledger, live, previous, staging_root, started) -> RunResult:
    log = options.log
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    code = code_hash()
    inputs = {
        str(p.relative_to(paths.ROOT)): sha256_file(p)
        for p in (paths.SOURCES_CSV, paths.FIGURES_CSV, *sorted(paths.NOTEBOOKS.glob("*.ipynb")))
    }
    parameter_values = options.parameters.model_dump(mode="json")
    # Notebooks that declare `scenario_parameters` get every scenario's full parameter set (name -> values).
    parameter_values["scenario_parameters"] = {
        name: p.model_dump(mode="json") for name, p in sorted(options.scenario_parameters.items())
    }
    steps: list[StepRecord] = []
    staged = paths.ProcessedLayout(staging_root / "processed")
    if live.base.exists():
        shutil.copytree(live.base, staged.base)
    else:
        staged.base.mkdir(parents=True)

    def record(name: str, key: str, hit: bool, seconds: float) -> StepRecord:
        before = _previous_step(previous, name)
        computed = before if hit and before else {"computed_seconds": seconds, "computed_at": now}
        step = StepRecord(name, key, hit, seconds, computed["computed_seconds"], computed["computed_at"])
        steps.append(step)
        return step

    # Step: database (and its table exports).
    t0 = time.perf_counter()
    database_key = sha256_bytes(
        code.encode(), inputs["data/raw/sources.csv"].encode(), inputs["data/raw/figures.csv"].encode()
    )
    before = _previous_step(previous, "database")
    database_hit = bool(before and before["key"] == database_key and staged.database.exists())
    if not database_hit:
        database.build_database(ledger, staged.database)
        shutil.rmtree(staged.tables, ignore_errors=True)
        database.export_tables(staged.database, staged.tables)
    step = record("database", database_key, database_hit, time.perf_counter() - t0)
    log(f"{'·' if step.cache_hit else '✓'} database{' (unchanged)' if step.cache_hit else ''} ({step.seconds:.2f} s)")

    # Step: chapter notebooks, each keyed by its notebook, the code, the database and its own parameters.
    jobs, keys = [], {}
    for chapter in chapters.CHAPTERS:
        declared = notebooks.declared_parameters(chapter.notebook)
        given = {name: parameter_values[name] for name in declared if name in parameter_values}
        key = sha256_bytes(
            code.encode(),
            database_key.encode(),
            chapter.notebook.read_bytes(),
            json.dumps(given, sort_keys=True).encode(),
        )
        keys[chapter.name] = key
        before = _previous_step(previous, f"notebook:{chapter.name}")
        output = staged.notebooks / f"{chapter.name}.ipynb"
        if before and before["key"] == key and output.exists():
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
                    **given,
                    "db_path": os.path.relpath(staged.database, paths.NOTEBOOKS),
                    "exports_dir": os.path.relpath(exports, paths.NOTEBOOKS),
                    "key_numbers_path": os.path.relpath(
                        staged.key_numbers_dir / f"{chapter.name}.json", paths.NOTEBOOKS
                    ),
                },
            )
        )
    t0 = time.perf_counter()
    durations = notebooks.execute_all(jobs, options.cell_timeout)
    for chapter in chapters.CHAPTERS:
        hit = chapter.name not in durations
        step = record(f"notebook:{chapter.name}", keys[chapter.name], hit, durations.get(chapter.name, 0.0))
        log(f"{'·' if hit else '✓'} notebook {chapter.name}{' (unchanged)' if hit else ''} ({step.seconds:.2f} s)")
    if jobs:
        log(f"  notebooks ran in parallel in {time.perf_counter() - t0:.2f} s")
    publish_catalogues(staged)

    manifest = {
        "identity": {
            "git_commit": git_commit(),
            "code_hash": code,
            "inputs": inputs,
            "packages": package_versions(),
        },
        "parameters": {k: v for k, v in parameter_values.items() if k != "scenario_parameters"},
        "scenarios": parameter_values["scenario_parameters"],
        "parameter_changes": {k: v[1] for k, v in params.differences(options.parameters).items()},
        "steps": [vars(s) for s in steps],
    }

    # Step: book, keyed by the hash of its assembled sources.
    html_live = paths.BOOK_HTML
    staged_html = None
    if options.build_book:
        t0 = time.perf_counter()
        staging_book = staging_root / "book"
        book.assemble(staging_book, staged, manifest, vendor_bundle())
        book_key = tree_hash(staging_book)
        before = _previous_step(previous, "book")
        book_hit = bool(before and before["key"] == book_key and (html_live / "index.html").exists())
        if not book_hit:
            staged_html = book.build(staging_book)
        step = record("book", book_key, book_hit, time.perf_counter() - t0)
        log(f"{'·' if book_hit else '✓'} book{' (unchanged)' if book_hit else ''} ({step.seconds:.2f} s)")
        manifest["steps"] = [vars(s) for s in steps]

    manifest["run"] = {
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(time.perf_counter() - started, 3),
        "cache_hits": [s.name for s in steps if s.cache_hit],
    }
    staged.manifest.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    # Publish: processed first, then the site.
    _swap_in(staged.base, live.base)
    if staged_html is not None:
        _swap_in(staged_html, html_live)
    log(
        f"✓ published data/processed{' and book/_build/html' if staged_html is not None else ''} "
        f"in {time.perf_counter() - started:.2f} s"
    )
    return RunResult(manifest=manifest, steps=steps)
