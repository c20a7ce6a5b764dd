"""Shared fixtures: a disposable copy of the project, run end to end once per test session."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """A copy of the project on which the pipeline ran once with the default parameters."""
    project = copy_project(tmp_path_factory.mktemp("e2e") / "project")
    completed = run_pipeline(project)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return project
