"""Packaging contracts: the conda and pip routes pin the same versions; the README and CI agree."""

from __future__ import annotations

import re

import yaml

from compute_ledger import paths


def _requirements() -> list[str]:
    lines = (paths.ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_exactly():
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.]+", line) for line in _requirements()), _requirements()


def test_environment_yml_pins_equal_requirements():
    environment = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    dependencies = environment["dependencies"]
    assert "python=3.11" in dependencies
    pip_pins = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert sorted(pip_pins) == sorted(_requirements())


def test_lock_file_agrees_with_direct_pins():
    lock = {}
    for line in (paths.ROOT / "requirements-lock.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line:
            name, version = line.split("==")
            lock[name.lower().replace("_", "-")] = version
    for requirement in _requirements():
        name, version = requirement.split("==")
        assert lock.get(name.lower().replace("_", "-")) == version, requirement


def test_jupyter_book_is_version_1():
    assert "jupyter-book==1.0.4.post1" in _requirements()


def test_readme_quick_start_has_the_two_commands_and_ci_runs_the_test_one():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    flat = re.findall(r"^ {4}(\S.*)$", section, flags=re.M)
    assert flat == ["bash scripts/run.sh", "bash scripts/test.sh"], flat
    ci = (paths.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in ci
