"""What a run can reuse, worked out without the heavy libraries: the content key of every step, the manifest that
records them, and the lock.

One function computes the keys (``compute``). A run records them in ``run_manifest.json``; the next run computes
them again and compares: when every step's key and output are as recorded, nothing needs to run, and the run stops
before pandas, pandera, DuckDB, papermill or Sphinx are even imported. A step's key hashes all its output depends on:

- ``validate`` and ``database``: the package's code and the package versions (the "environment"), the four
  ``data/raw`` tables;
- ``notebook:NAME``: the database key, the notebook, ``CITATION.cff`` (charts carry citations), the parameters the
  notebook declares in its ``parameters`` cell;
- ``book``: the book's structure (environment, ``data/raw`` with its README, ``data/CHANGELOG.md``, ``CITATION.cff``,
  the notebooks, ``book/``), every
  notebook key, every parameter (the Parameters page) and the git commit (the Run page).
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

from compute_ledger import chapters, inputs, params, paths
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
    """The keys of a run with these parameters, from the files as they are now."""
    code = code_hash()
    packages = package_versions()
    commit = git_commit()
    notebooks = [chapter.notebook for chapter in chapters.CHAPTERS]
    tables = (paths.SOURCES_CSV, paths.FIGURES_CSV, paths.CHIPS_CSV, paths.SYSTEMS_CSV)
    inputs = {_relative(p): sha256_file(p) for p in (*tables, paths.CITATION_CFF)}
    # Read by the catalogues and the book: the data dictionary (datapackage.json, Data page) and the changelog.
    documents = [_relative(p) for p in (paths.DATA_RAW / "README.md", paths.DATA_CHANGELOG)]
    inputs |= {name: sha256_file(paths.ROOT / name) for name in documents}
    inputs |= {_relative(p): sha256_file(p) for p in notebooks}
    inputs[_relative(paths.BOOK) + "/"] = tree_hash(paths.BOOK)
    values = parameters.model_dump(mode="json")
    scenarios = {name: p.model_dump(mode="json") for name, p in sorted(scenario_parameters.items())}
    # Notebooks that declare `scenario_parameters` get every scenario's full parameter set (name -> values).
    offered = {**values, "scenario_parameters": scenarios}

    environment = sha256_bytes(code.encode(), _json(packages)).encode()
    raw = _json([inputs[_relative(p)] for p in tables])
    citation = inputs[_relative(paths.CITATION_CFF)].encode()
    steps = {
        "validate": sha256_bytes(b"validate", environment, raw),
        "database": sha256_bytes(b"database", environment, raw),
    }
    chapter_parameters = {}
    for chapter in chapters.CHAPTERS:
        given = {name: offered[name] for name in declared_parameters(chapter.notebook) if name in offered}
        chapter_parameters[chapter.name] = given
        steps[f"notebook:{chapter.name}"] = sha256_bytes(
            b"notebook",
            environment,
            steps["database"].encode(),
            inputs[_relative(chapter.notebook)].encode(),
            citation,
            _json(given),
        )
    book_structure = sha256_bytes(
        b"book-structure",
        environment,
        raw,
        citation,
        inputs[_relative(paths.BOOK) + "/"].encode(),
        _json([inputs[_relative(p)] for p in notebooks]),
        _json([inputs[name] for name in documents]),
    )
    steps["book"] = sha256_bytes(
        b"book",
        book_structure.encode(),
        commit.encode(),
        _json([steps[f"notebook:{c.name}"] for c in chapters.CHAPTERS]),
        _json(values),
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
        steps=steps,
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


def step_output(layout: paths.ProcessedLayout, name: str) -> Path | None:
    """The file whose presence shows a step's output is there (``validate`` has none)."""
    if name == "database":
        return layout.database
    if name.startswith("notebook:"):
        return layout.notebooks / f"{name.removeprefix('notebook:')}.ipynb"
    if name == "book":
        return paths.BOOK_HTML / "index.html"
    return None


def unchanged(keys: RunKeys, manifest: dict, layout: paths.ProcessedLayout, build_book: bool) -> bool:
    """Every step would be a cache hit: same keys as the manifest records, outputs in place."""
    names = [name for name in keys.steps if build_book or name != "book"]
    return all(step_reusable(manifest, name, keys.steps[name], step_output(layout, name)) for name in names)


def step_label(name: str) -> str:
    """How a step is named in the run's log lines."""
    if name == "validate":
        return "validate data/raw"
    return name.replace(":", " ", 1)
