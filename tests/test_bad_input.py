"""Bad input stops the run with a message naming what is wrong, a non-zero exit code, and the previous
data/processed and book/_build/html byte for byte as they were. Each test breaks a copy of a built project.

Cases: data (a bad number, a bad date, an unknown status, an unknown source_id, low > high, a duplicate id, a missing
column, a row with too many cells), parameters (an unknown name, out of range, a wrong type, an unknown scenario, a
broken --params file), notebooks (a failing cell, a cell timeout), and the run itself (Ctrl-C while notebooks run, a
full disk, two runs at once, two runs of the same inputs giving the same bytes).
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import nbformat
import psutil
import pytest

from compute_ledger import notebooks
from tests.conftest import assert_failed_and_kept, first_run_processed, run_pipeline, snapshot

pytestmark = pytest.mark.slow


def start_pipeline(project: Path, *args: str) -> subprocess.Popen:
    """``python pipeline.py ARGS`` in ``project``, running in the background."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.Popen(
        [sys.executable, "pipeline.py", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def edit_figures(project: Path, edit) -> list[dict[str, str]]:
    """Apply ``edit(rows, header)`` to data/raw/figures.csv (rows as dicts); returns the rows as written."""
    path = project / "data" / "raw" / "figures.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames)
        rows = list(reader)
    edit(rows, header)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def add_cell(notebook: Path, source: str) -> None:
    """Put a code cell right after the notebook's parameters cell."""
    content = nbformat.read(notebook, as_version=4)
    index = next(i for i, c in enumerate(content.cells) if "parameters" in c.metadata.get("tags", []))
    content.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    nbformat.write(content, notebook)


# --- data/raw ---------------------------------------------------------------------------------------------------


def _set(column: str, value: str):
    def edit(rows, header):
        rows[0][column] = value

    return edit


def _low_above_high(rows, header):
    value = float(rows[0]["value"])
    rows[0]["low"], rows[0]["high"] = str(value + 2), str(value + 1)


def _duplicate_id(rows, header):
    rows[1]["figure_id"] = rows[0]["figure_id"]


def _drop_unit_column(rows, header):
    header.remove("unit")


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        pytest.param(_set("value", "twelve"), ["field 'value'", "'twelve' is not a number"], id="bad-number"),
        pytest.param(
            _set("ref_date", "2024-13-45"), ["field 'ref_date'", "is not a date YYYY, YYYY-MM or YYYY-MM-DD"], id="date"
        ),
        pytest.param(_set("status", "rumoured"), ["field 'status'", "'rumoured' is not one of"], id="unknown-status"),
        pytest.param(
            _set("source_id", "no-such-source"),
            ["field 'source_id'", "'no-such-source' is not a source_id of sources.csv"],
            id="unknown-source-id",
        ),
        pytest.param(_low_above_high, ["field 'low/value/high'", "low <= value <= high does not hold"], id="low>high"),
        pytest.param(_duplicate_id, ["field 'figure_id'", "is duplicated"], id="duplicate-id"),
    ],
)
def test_a_bad_row_is_named_by_file_line_id_and_field(built_copy, edit, fragments):
    before = snapshot(built_copy)
    rows = edit_figures(built_copy, edit)
    completed = run_pipeline(built_copy)
    where = f"data/raw/figures.csv:2 [figure_id={rows[0]['figure_id']}]"
    assert_failed_and_kept(built_copy, before, completed, 2, where, *fragments, "Nothing was written")


def test_a_missing_column_is_named(built_copy):
    before = snapshot(built_copy)
    edit_figures(built_copy, _drop_unit_column)
    completed = run_pipeline(built_copy)
    assert_failed_and_kept(built_copy, before, completed, 2, "data/raw/figures.csv: header: missing column(s) unit")


def test_a_row_with_too_many_cells_is_named(built_copy):
    before = snapshot(built_copy)
    path = built_copy / "data" / "raw" / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] += ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    completed = run_pipeline(built_copy)
    assert_failed_and_kept(built_copy, before, completed, 2, "data/raw/sources.csv:4: has 12 cells, the header has 11")


# --- parameters -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        pytest.param(
            ["--set", "utilization=0.7"],
            ["unknown parameter 'utilization'", "did you mean 'utilisation'?"],
            id="unknown-name",
        ),
        pytest.param(
            ["--set", "utilisation=1.5"],
            ["parameter 'utilisation'", "less than or equal to 1", "given: 1.5"],
            id="out-of-range",
        ),
        pytest.param(
            ["--set", "horizon=soon"], ["parameter 'horizon'", "valid integer", "given: 'soon'"], id="wrong-type"
        ),
        pytest.param(
            ["--scenario", "slowdwon"],
            ["unknown scenario 'slowdwon'", "scenarios/slowdwon.yaml", "did you mean 'slowdown'?"],
            id="unknown-scenario",
        ),
    ],
)
def test_a_bad_parameter_stops_before_anything_runs(built_copy, args, fragments):
    before = snapshot(built_copy)
    completed = run_pipeline(built_copy, *args)
    assert_failed_and_kept(built_copy, before, completed, 2, *fragments, "Nothing was run")
    assert "validate" not in completed.stdout


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param("pue: [1.2\n", ["mine.yaml: not valid YAML"], id="not-yaml"),
        pytest.param("- pue\n- 1.2\n", ["mine.yaml: expected a mapping"], id="not-a-mapping"),
        pytest.param("pue: 1.3\ngpu_price: 1\n", ["unknown parameter 'gpu_price' (from", "mine.yaml"], id="unknown"),
    ],
)
def test_a_bad_parameter_file_is_named(built_copy, text, fragments):
    before = snapshot(built_copy)
    (built_copy / "mine.yaml").write_text(text, encoding="utf-8")
    completed = run_pipeline(built_copy, "--params", "mine.yaml")
    assert_failed_and_kept(built_copy, before, completed, 2, *fragments)


# --- notebooks --------------------------------------------------------------------------------------------------


def test_a_failing_cell_names_the_notebook_and_the_cell(built_copy):
    before = snapshot(built_copy)
    add_cell(built_copy / "notebooks" / "money.ipynb", "ratio = 1 / 0")
    completed = run_pipeline(built_copy)
    assert_failed_and_kept(
        built_copy,
        before,
        completed,
        1,
        "notebook notebooks/money.ipynb: cell",
        "ZeroDivisionError: division by zero",
        "build/failed/money.ipynb",
    )
    kept = nbformat.read(built_copy / "build" / "failed" / "money.ipynb", as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in kept.cells for o in c.get("outputs", []))


def test_a_cell_running_past_the_timeout_is_named(built_copy):
    before = snapshot(built_copy)
    add_cell(built_copy / "notebooks" / "money.ipynb", "import time\n\ntime.sleep(60)")
    started = time.monotonic()
    completed = run_pipeline(built_copy, "--cell-timeout", "3")
    assert_failed_and_kept(
        built_copy,
        before,
        completed,
        1,
        "notebook notebooks/money.ipynb: cell index 2 (`import time`) ran longer than the 3 s timeout",
        "--cell-timeout",
    )
    assert time.monotonic() - started < 45  # it did not wait for the 60 s sleep


# --- the run itself ---------------------------------------------------------------------------------------------


def _lock_is_free(project: Path) -> bool:
    with open(project / "build" / "pipeline.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def _processes_in(project: Path) -> list[str]:
    """Live processes whose working folder is inside ``project`` (kernels run in its notebooks/)."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            if process.info["status"] != psutil.STATUS_ZOMBIE and Path(process.cwd()).is_relative_to(project):
                found.append(" ".join(process.info["cmdline"] or []))
        except psutil.Error:
            continue
    return found


def _kernel_sockets() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob(f"{notebooks.KERNEL_SOCKETS_PREFIX}*"))


def test_ctrl_c_while_notebooks_run_exits_130_and_leaves_nothing(built_copy):
    before = snapshot(built_copy)
    sockets_before = _kernel_sockets()
    add_cell(built_copy / "notebooks" / "money.ipynb", "import time\n\ntime.sleep(120)")
    process = start_pipeline(built_copy)
    for line in process.stdout:
        if "database" in line:  # the notebooks start right after this line
            break
    time.sleep(4)  # the kernels are running cells
    assert process.poll() is None
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    completed = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert_failed_and_kept(built_copy, before, completed, 130, "interrupted", "are kept")
    assert _lock_is_free(built_copy)
    deadline = time.monotonic() + 10
    while _processes_in(built_copy) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_in(built_copy), "a kernel or worker outlived the run"
    assert not _kernel_sockets() - sockets_before, "a kernel's sockets were left in the temporary folder"


@pytest.fixture
def small_disk(tmp_path):
    """A 300 MB tmpfs mounted for the test (needs root); skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("filling a real disk needs a small tmpfs, and mounting one needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=300m", "tmpfs", str(mount)], capture_output=True, text=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"could not mount a tmpfs here: {mounted.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "--lazy", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    """Take all the free space of ``disk`` but ``leave`` bytes."""
    filler = disk / "filler"
    with filler.open("wb") as handle:
        handle.truncate(0)
        block = b"\0" * 2**20
        while shutil.disk_usage(disk).free > leave + len(block):
            handle.write(block)
            handle.flush()
        remainder = shutil.disk_usage(disk).free - leave
        if remainder > 0:
            handle.write(b"\0" * remainder)
    return filler


@pytest.mark.parametrize("failing_at", ["staging copy", "later writes"])
def test_a_full_disk_stops_the_run_and_keeps_outputs(built_project, small_disk, failing_at):
    """A real full file system: the project on a small tmpfs, filled up before the run. With almost no space left
    the copy into staging fails; with room for that copy only, a later write (notebooks, book) fails. After space is
    freed, the next run succeeds (rebuilding the book from scratch if the full disk broke its cache)."""
    project = small_disk / "project"
    shutil.copytree(built_project, project, symlinks=True)
    before = snapshot(project)
    processed_size = sum(p.stat().st_size for p in (project / "data" / "processed").rglob("*") if p.is_file())
    leave = 256 * 1024 if failing_at == "staging copy" else processed_size + 2 * 2**20
    filler = _fill(small_disk, leave)
    completed = run_pipeline(project, "--set", "gpu_unit_price_usd=26000")
    assert_failed_and_kept(project, before, completed, 1, "No space left on device", "are kept")
    assert _lock_is_free(project)
    filler.unlink()
    completed = run_pipeline(project, "--set", "gpu_unit_price_usd=26000")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    intro = (project / "book" / "_build" / "html" / "intro.html").read_text(encoding="utf-8")
    assert "$2.6 billion" in intro


def test_a_second_run_stops_or_waits_and_outputs_stay_whole(built_copy):
    first = start_pipeline(built_copy, "--set", "gpu_unit_price_usd=26000")
    lock = built_copy / "build" / "pipeline.lock"
    deadline = time.monotonic() + 60
    while lock.read_text() != str(first.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = run_pipeline(built_copy, "--set", "gpu_unit_price_usd=27000")
    third = start_pipeline(built_copy, "--wait", "--set", "gpu_unit_price_usd=26000")
    first_out, first_err = first.communicate(timeout=600)
    third_out, third_err = third.communicate(timeout=600)
    assert second.returncode == 3, second.stdout + second.stderr
    assert f"another pipeline run (pid {first.pid})" in second.stderr and "--wait" in second.stderr
    assert first.returncode == 0, first_out + first_err
    assert third.returncode == 0, third_out + third_err
    assert "nothing changed" in third_out  # it queued behind the first run, then found its work done
    manifest = json.loads((built_copy / "data" / "processed" / "run_manifest.json").read_text())
    assert manifest["parameters"]["gpu_unit_price_usd"] == 26000
    intro = (built_copy / "book" / "_build" / "html" / "intro.html").read_text(encoding="utf-8")
    assert "$2.6 billion" in intro
    with duckdb.connect(str(built_copy / "data" / "processed" / "ledger.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM figures").fetchone()[0] > 0


# The fields of run_manifest.json that hold clock readings; everything else must be the same for the same inputs.
TIMING_FIELDS = {"run": ("finished_at", "seconds"), "steps": ("seconds", "computed_seconds", "computed_at")}


def _without_timings(manifest: dict) -> dict:
    manifest = json.loads(json.dumps(manifest))
    for name in TIMING_FIELDS["run"]:
        manifest["run"].pop(name)
    for step in manifest["steps"]:
        for name in TIMING_FIELDS["steps"]:
            step.pop(name)
    return manifest


def _database_content(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        names = [row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {name: connection.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in sorted(names)}


def test_the_same_inputs_give_the_same_bytes(built_project, built_copy):
    """A second full run (--force, in another folder) writes every processed file byte for byte as the first, but
    for the manifest's clock readings (TIMING_FIELDS) and ledger.duckdb: DuckDB writes a random identifier into each
    file's header (duckdb/duckdb#18823) and leaves unwritten bytes in its string segments (duckdb/duckdb#23382), so
    the database is compared table by table."""
    completed = run_pipeline(built_copy, "--force")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "(unchanged)" not in completed.stdout
    first, second = first_run_processed(built_project), built_copy / "data" / "processed"
    files = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(second)) for p in second.rglob("*") if p.is_file())
    different = [f for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert sorted(different) == ["ledger.duckdb", "run_manifest.json"], different
    manifests = [json.loads((folder / "run_manifest.json").read_text()) for folder in (first, second)]
    assert not any(step["cache_hit"] for step in manifests[1]["steps"])
    assert _without_timings(manifests[0]) == _without_timings(manifests[1])
    assert _database_content(first / "ledger.duckdb") == _database_content(second / "ledger.duckdb")
