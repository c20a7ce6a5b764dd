"""Packaging contracts: the conda and pip routes pin the same versions; the README and CI agree."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

import yaml

from compute_ledger import inputs, paths, zenodo


def _requirements() -> list[str]:
    lines = (paths.ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_exactly():
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.]+", line) for line in _requirements()), _requirements()


def _requires_python() -> str:
    with (paths.ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["requires-python"]


def test_environment_yml_pins_equal_requirements():
    environment = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    dependencies = environment["dependencies"]
    assert f"python{_requires_python()}" in dependencies
    pip_pins = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert sorted(pip_pins) == sorted(_requirements())


def test_the_setup_looks_for_exactly_the_supported_pythons():
    """pyproject.toml's range, the quick start's search list and the lock's floor say the same versions."""
    setup = (paths.ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    searched = re.search(r'^SUPPORTED="([\d. ]+)"', setup, flags=re.M)[1].split()
    low, high = re.fullmatch(r">=3\.(\d+),<3\.(\d+)", _requires_python()).groups()
    assert searched == [f"3.{minor}" for minor in range(int(high) - 1, int(low) - 1, -1)]  # newest first
    lock_script = (paths.ROOT / "scripts" / "lock.sh").read_text(encoding="utf-8")
    assert f"--universal --python-version 3.{low} " in lock_script


def _lock(name: str) -> dict[str, list[tuple[str, list[str]]]]:
    """Package -> [(version, hashes)] of a hashed lock (a package may have one version per Python range)."""
    text = (paths.ROOT / name).read_text(encoding="utf-8")
    lock: dict[str, list[tuple[str, list[str]]]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2]):  # after the two-line header
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;\\]+)", entry)
        assert match, entry
        lock.setdefault(match[1].lower().replace("_", "-"), []).append(
            (match[2], re.findall(r"--hash=sha256:[0-9a-f]{64}", entry))
        )
    return lock


def test_lock_file_agrees_with_direct_pins_and_hashes_everything():
    lock = _lock("requirements-lock.txt")
    for requirement in _requirements():
        name, version = requirement.split("==")
        assert [v for v, _ in lock.get(name.lower().replace("_", "-"), [])] == [version], requirement
    for name in ("requirements-lock.txt", "requirements-cffconvert.txt"):
        unhashed = [package for package, versions in _lock(name).items() if not all(h for _, h in versions)]
        assert not unhashed, f"{name}: no hashes for {unhashed}"


def test_cffconvert_lock_agrees_with_its_pin():
    pins = [line for line in (paths.ROOT / "requirements-cffconvert.in").read_text().splitlines() if "==" in line]
    lock = _lock("requirements-cffconvert.txt")
    assert pins and all([v for v, _ in lock[p.split("==")[0]]] == [p.split("==")[1]] for p in pins)


def test_jupyter_book_is_version_1():
    assert "jupyter-book==1.0.4.post1" in _requirements()


def test_readme_quick_start_has_the_two_commands_and_ci_runs_the_test_one():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    flat = re.findall(r"^ {4}(\S.*)$", section, flags=re.M)
    assert flat == ["bash scripts/run.sh", "bash scripts/test.sh"], flat
    ci = (paths.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in ci
    # ... and, on a second Python, the quick start's run command and the fast tests.
    assert re.search(r"^PYTHON_VERSION=3\.\d+ bash scripts/run\.sh$", ci, flags=re.M)
    assert '-m "not slow"' in ci


CFFCONVERT = paths.ROOT / ".venv" / "cffconvert" / "bin" / "cffconvert"  # its own environment (scripts/setup.sh)


def _cffconvert(*args: str) -> subprocess.CompletedProcess:
    assert CFFCONVERT.exists(), "cffconvert is missing: run bash scripts/setup.sh"
    return subprocess.run([str(CFFCONVERT), *args], capture_output=True, text=True, timeout=60, check=False)


def test_the_citation_file_is_valid_for_cffconvert_and_an_invalid_one_is_not(tmp_path):
    assert _cffconvert("--validate", "-i", str(paths.CITATION_CFF)).returncode == 0
    broken = tmp_path / "CITATION.cff"
    broken.write_text(paths.CITATION_CFF.read_text().replace("type: dataset", "type: data set"), encoding="utf-8")
    assert _cffconvert("--validate", "-i", str(broken)).returncode != 0


def test_the_citation_file_describes_a_dataset_under_cc_by():
    cff = inputs.read_yaml(paths.CITATION_CFF)
    assert (cff["type"], cff["license"]) == ("dataset", "CC-BY-4.0")
    assert "MIT" in cff["message"] and "MIT License" in (paths.ROOT / "LICENSE").read_text()
    preferred = cff["preferred-citation"]
    assert (preferred["version"], preferred["title"], preferred["license"]) == (
        cff["version"],
        cff["title"],
        cff["license"],
    )
    assert cff["keywords"]


def test_zenodo_json_is_in_step_with_the_citation_file():
    cff = inputs.read_yaml(paths.CITATION_CFF)
    committed = zenodo.ZENODO_JSON.read_text(encoding="utf-8")
    assert committed == zenodo.render(cff), "regenerate it: python -m compute_ledger.zenodo"
    # And with cffconvert's own conversion (an independent implementation), on the fields both write.
    converted = json.loads(_cffconvert("-f", "zenodo", "-i", str(paths.CITATION_CFF)).stdout)
    ours = json.loads(committed)
    for field in ("title", "version", "publication_date", "description", "creators", "keywords"):
        assert ours[field] == converted[field], field
    assert ours["license"] == converted["license"]["id"].lower() and ours["upload_type"] == "dataset"
