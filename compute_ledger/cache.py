"""What a run can reuse, worked out without the heavy libraries: the content key of every step, the steps a run
must run, the manifest that records them, and the lock.

One function computes the keys (``compute``), for the steps declared in ``steps.STEPS``. A run records them in
``run_manifest.json``; the next run computes them again and compares (``steps_to_run``): when every step's key and
output are as recorded, nothing needs to run, and the run stops before pandas, pandera, DuckDB, papermill or Sphinx
are even imported. A step's key is the hash of its name, of the inputs it declares (``steps.ENVIRONMENT`` and the
others, computed here by ``_inputs``) and of the keys of the steps it reads.
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import json
import os
import platform
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from compute_ledger import chapters, inputs, params, paths, steps
from compute_ledger.errors import InputFileError, RunBusyError

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


def sha256_bytes(*chunks: bytes) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(hashlib.sha256(chunk).digest())
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """The file's hash; a missing file or a folder gets a key of its own, and validation then names the problem."""
    if not path.is_file():
        return sha256_bytes(b"not a file" if path.exists() else b"missing", str(path).encode())
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_hash() -> str:
    """Hash of the package's code: a change to any module, in any subfolder, re-runs every step."""
    package = paths.ROOT / "compute_ledger"
    files = sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)
    return sha256_bytes(*(str(f.relative_to(package)).encode() + f.read_bytes() for f in files))


def tree_hash(folder: Path, exclude: tuple[str, ...] = ("_build", ".jupyter_cache", "__pycache__")) -> str:
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


def declared_parameters(notebook: Path) -> list[str]:
    """Names assigned in the notebook's cell tagged ``parameters`` (what papermill may set), in order.

    Read with ``ast`` rather than papermill, which takes most of a second to import.
    """
    content = inputs.read_json(notebook)
    cells = content.get("cells") if isinstance(content, dict) else None
    if not isinstance(cells, list):
        raise InputFileError(f"{inputs.display(notebook)}: not a notebook (no list of cells)")
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or "source" not in cell:
            raise InputFileError(f"{inputs.display(notebook)}: cell {number} is not a notebook cell")
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        names = []
        try:
            statements = ast.parse(source).body
        except SyntaxError as error:
            raise InputFileError(
                f"{inputs.display(notebook)}: cell {number} (parameters), line {error.lineno}: {error.msg}"
            ) from None
        for statement in statements:
            if isinstance(statement, ast.Assign):
                names += [target.id for target in statement.targets if isinstance(target, ast.Name)]
            elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                names.append(statement.target.id)
        return list(dict.fromkeys(names))
    return []


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True).encode()


def _relative(path: Path) -> str:
    return str(path.relative_to(paths.ROOT))


@dataclass(frozen=True)
class RunKeys:
    """What a run's outputs depend on; ``steps`` holds the keys the manifest records and the next run compares."""

    code: str
    packages: dict[str, str]
    git_commit: str
    inputs: dict[str, str]  # project-relative file (or folder, ending in /) -> sha256
    parameters: dict[str, Any]  # every parameter of the run (JSON values)
    scenarios: dict[str, dict[str, Any]]  # scenario name -> its full parameter set
    chapter_parameters: dict[str, dict[str, Any]]  # chapter -> the parameters its notebook declares, with values
    book_structure: str  # the book minus parameters and commit; when it changes the book is built from scratch
    steps: dict[str, str]  # step name -> key, in run order


def compute(parameters: params.Parameters, scenario_parameters: dict[str, params.Parameters]) -> RunKeys:
    """The keys of a run with these parameters, from the files as they are now, for every step of ``steps.STEPS``."""
    code = code_hash()
    packages = package_versions()
    commit = git_commit()
    notebooks = [chapter.notebook for chapter in chapters.CHAPTERS]
    tables = (paths.SOURCES_CSV, paths.FIGURES_CSV, paths.CHIPS_CSV, paths.SYSTEMS_CSV, paths.SCORECARD_CSV)
    inputs = {_relative(p): sha256_file(p) for p in (*tables, paths.CITATION_CFF)}
    # Read by the book: the data changelog. (The data dictionary is code, compute_ledger/metadata.py: the environment.)
    documents = [_relative(paths.DATA_CHANGELOG)]
    inputs |= {name: sha256_file(paths.ROOT / name) for name in documents}
    inputs |= {_relative(p): sha256_file(p) for p in notebooks}
    inputs[_relative(paths.BOOK) + "/"] = tree_hash(paths.BOOK)
    # The frozen editions (the diff page, their files on the site) and their site archives, read by the book only.
    inputs["editions/"] = tree_hash(paths.EDITIONS) if paths.EDITIONS.is_dir() else ""
    archives = (
        sorted(paths.EDITION_SITES.glob(f"*/{paths.EDITION_SITE_ARCHIVE}")) if paths.EDITION_SITES.is_dir() else []
    )
    inputs["edition sites"] = sha256_bytes(*(f"{p.parent.name}:{sha256_file(p)}".encode() for p in archives))
    values = parameters.model_dump(mode="json")
    scenarios = {name: p.model_dump(mode="json") for name, p in sorted(scenario_parameters.items())}
    # Notebooks that declare `scenario_parameters` get every scenario's full parameter set (name -> values).
    offered = {**values, "scenario_parameters": scenarios}
    chapter_parameters = {
        chapter.name: {name: offered[name] for name in declared_parameters(chapter.notebook) if name in offered}
        for chapter in chapters.CHAPTERS
    }

    environment = sha256_bytes(code.encode(), _json(packages)).encode()
    raw = _json([inputs[_relative(p)] for p in tables])
    citation = inputs[_relative(paths.CITATION_CFF)].encode()
    book_structure = sha256_bytes(
        b"book-structure",
        environment,
        raw,
        citation,
        inputs[_relative(paths.BOOK) + "/"].encode(),
        _json([inputs[_relative(p)] for p in notebooks]),
        _json([inputs[name] for name in documents]),
        inputs["editions/"].encode(),
        inputs["edition sites"].encode(),
    )
    shared = {
        steps.ENVIRONMENT: environment,
        steps.RAW_TABLES: raw,
        steps.CITATION: citation,
        steps.BOOK_STRUCTURE: book_structure.encode(),
        steps.GIT_COMMIT: commit.encode(),
        steps.PARAMETERS: _json(values),
    }

    keys: dict[str, str] = {}
    for step in steps.STEPS:
        own = dict(shared)
        if step.chapter is not None:
            own[steps.NOTEBOOK] = inputs[_relative(step.chapter.notebook)].encode()
            own[steps.CHAPTER_PARAMETERS] = _json(chapter_parameters[step.chapter.name])
        keys[step.name] = sha256_bytes(
            step.name.encode(), *(own[name] for name in step.inputs), *(keys[name].encode() for name in step.reads)
        )
    return RunKeys(
        code=code,
        packages=packages,
        git_commit=commit,
        inputs=inputs,
        parameters=values,
        scenarios=scenarios,
        chapter_parameters=chapter_parameters,
        book_structure=book_structure,
        steps=keys,
    )


# The descriptor of the held lock, so that a forked worker can drop its copy (see drop_inherited_lock).
_LOCK_FD: int | None = None


@contextmanager
def run_lock(wait: bool) -> Iterator[None]:
    """One run at a time: a second run waits (``wait``) or stops with a clear message.

    The lock is a kernel ``flock``: it dies with the process that holds it. Forked workers drop their copy of the
    descriptor at start (``drop_inherited_lock``) and other child processes never get it (close-on-exec), so a killed
    run cannot leave the lock held by its leftovers."""
    global _LOCK_FD
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
        _LOCK_FD = handle.fileno()
        try:
            yield
        finally:
            _LOCK_FD = None
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def drop_inherited_lock() -> None:
    """In a forked child: close its copy of the lock's descriptor (without unlocking: the parent holds it)."""
    global _LOCK_FD
    if _LOCK_FD is not None:
        try:
            os.close(_LOCK_FD)
        except OSError:
            pass
        _LOCK_FD = None


def read_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_manifest(path: Path, manifest: dict) -> None:
    """Write the manifest whole or not at all (a temporary file renamed over it)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def previous_step(manifest: dict, name: str) -> dict | None:
    return next((s for s in manifest.get("steps", []) if s["name"] == name), None)


def step_reusable(manifest: dict, name: str, key: str, output: Path | None) -> bool:
    """The step ran before with this key, and its output (if it has one) is still there."""
    before = previous_step(manifest, name)
    return bool(before and before["key"] == key and (output is None or output.exists()))


def selected_steps(build_book: bool) -> list[steps.Step]:
    """The steps of a run, in order: all of them, or all but the book (``--no-book``)."""
    return [step for step in steps.STEPS if build_book or step.name != steps.BOOK]


def steps_to_run(keys: RunKeys, manifest: dict, layout: paths.ProcessedLayout, build_book: bool) -> set[str]:
    """The names of the steps this run must run (none: nothing changed).

    A step runs when its key is not the one the manifest records, when its first output is missing from ``layout``
    (the live data/processed, and the live site for the book), or when a step it reads runs. A step whose output is
    held in memory only (no outputs: validate) also runs when a step that reads it runs."""
    selected = selected_steps(build_book)
    names = {step.name for step in selected}
    to_run = set()
    for step in selected:
        first = step.outputs(layout, paths.BOOK_HTML)[:1]
        if not step_reusable(manifest, step.name, keys.steps[step.name], first[0] if first else None):
            to_run.add(step.name)
    grown = True
    while grown:
        before = len(to_run)
        for step in selected:
            if any(name in to_run for name in step.reads if name in names):
                to_run.add(step.name)
            if not step.outputs(layout, paths.BOOK_HTML) and any(
                step.name in reader.reads and reader.name in to_run for reader in selected
            ):
                to_run.add(step.name)
        grown = len(to_run) > before
    return to_run
