"""Shared fixtures: a disposable copy of the project, run end to end once per test session.

The suite runs in parallel (``scripts/test.sh``: pytest-xdist, one worker per core, a test file per worker): the
built project is built once for all the workers (``build_once``) and only read, or copied, by the tests.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compute_ledger import paths

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "build", "_build", "processed", "__pycache__", ".pytest_cache", ".ruff_cache", "*.egg-info"
)


def copy_project(target: Path) -> Path:
    """The project's files (no outputs, no caches) in ``target``."""
    shutil.copytree(paths.ROOT, target, ignore=IGNORED)
    (target / "data" / "processed").mkdir(exist_ok=True)
    shared = paths.ROOT.parent / "shared"
    if shared.exists() and not (target.parent / "shared").exists():
        (target.parent / "shared").symlink_to(shared)
    return target


def run_pipeline(project: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """``python pipeline.py ARGS`` in ``project``, importing that copy's package."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [sys.executable, "pipeline.py", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def snapshot(project: Path) -> dict[str, bytes]:
    """Every file of data/processed and book/_build/html, by path, to compare byte for byte."""
    files = {}
    for folder in (project / "data" / "processed", project / "book" / "_build" / "html"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                files[str(path.relative_to(project))] = path.read_bytes()
    return files


@pytest.fixture(scope="session")
def ledger_connection(tmp_path_factory):
    """A read-only connection to a database built from the real data/raw (no notebooks, no book)."""
    from compute_ledger import database, schema

    path = tmp_path_factory.mktemp("db") / "ledger.duckdb"
    database.build_database(schema.validate(), path)
    with database.connect_read_only(path) as connection:
        yield connection


def build_once(tmp_path_factory, name: str, build) -> Path:
    """``build(folder)`` run once for the whole test session, parallel workers included, in a folder ``name`` that
    they all share: the first worker to ask builds it while the others wait on a lock, then each gets the folder.
    A build that failed is tried again by the next worker that asks (and fails its tests the same way)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the temporary folder every worker of this session shares
    folder, done = root / name, root / f"{name}.built"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


def _build_project(folder: Path) -> None:
    project = copy_project(folder / "project")
    completed = run_pipeline(project)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    shutil.copytree(project / "data" / "processed", first_run_processed(project))


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """A copy of the project on which the pipeline ran once with the default parameters, shared by every test (and
    every worker): tests only read it, or copy it (``built_copy``) to break or re-run it.

    Its data/processed as that run left it is also kept beside it (``first_run_processed``), for the test that
    compares a second full run with the first.
    """
    return build_once(tmp_path_factory, "e2e", _build_project) / "project"


def first_run_processed(built: Path) -> Path:
    return built.parent / "first-run-processed"


@pytest.fixture
def built_copy(built_project, tmp_path) -> Path:
    """A copy of the built project (outputs and build/ cache included), to break or re-run."""
    target = tmp_path / "project"
    shutil.copytree(built_project, target, symlinks=True)
    return target


def assert_failed_and_kept(project: Path, before: dict[str, bytes], completed, code: int, *fragments: str) -> None:
    """The run stopped with ``code``, said each fragment on stderr, and left the outputs and no staging folder."""
    assert completed.returncode == code, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr, completed.stderr
    for fragment in fragments:
        assert fragment in completed.stderr, completed.stderr
    assert snapshot(project) == before, "a failed run changed data/processed or book/_build/html"
    assert not (project / "build" / "staging").exists(), "the staging folder was left behind"
