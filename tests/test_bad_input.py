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
import hashlib
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

from compute_ledger import execute
from tests.conftest import assert_failed_and_kept, first_run_processed, run_pipeline, snapshot

pytestmark = pytest.mark.slow


def start_pipeline(project: Path, *args: str) -> subprocess.Popen:
    """``python pipeline.py ARGS`` in ``project``, running in the background, with a temporary folder of its own (so
    the kernels' sockets of other runs on the machine are not counted as its leftovers)."""
    private_tmp(project).mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(project), "TMPDIR": str(private_tmp(project))}
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
        pytest.param(_set("ref_date", "3025"), ["field 'ref_date'", "between 2000 and 2060"], id="date-3025"),
        pytest.param(_set("value", "1_000"), ["field 'value'", "'1_000' is not a number"], id="number-underscore"),
        pytest.param(_set("value", "١٢٣"), ["field 'value'", "is not a number"], id="number-non-ascii-digits"),
        pytest.param(_set("low", "inf"), ["field 'low'", "'inf' is not a number"], id="number-infinite"),
        pytest.param(
            _set("unit", "MW"), ["field 'metric/unit'", "the unit does not fit the metric"], id="unit-misfits-metric"
        ),
        pytest.param(_set("chip", ""), ["field 'metric/chip'", "names its chip"], id="count-without-chip"),
        pytest.param(_set("chip", "h999"), ["field 'metric/chip'", "names its chip"], id="unknown-chip"),
        pytest.param(
            _set("system_id", "no-such-system"), ["field 'system_id'", "is not a system_id of systems.csv"], id="system"
        ),
        pytest.param(
            _set("ref_date_basis", "publication"),
            ["field 'ref_date_basis/ref_date/source_id'", "needs an empty ref_date"],
            id="date-basis-with-a-date",
        ),
        pytest.param(_set("price_year", "24"), ["field 'price_year'", "is not a year"], id="price-year"),
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
    assert_failed_and_kept(built_copy, before, completed, 2, "data/raw/figures.csv:1: header: missing column(s) unit")


def test_a_row_with_too_many_cells_is_named(built_copy):
    before = snapshot(built_copy)
    path = built_copy / "data" / "raw" / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] += ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    completed = run_pipeline(built_copy)
    assert_failed_and_kept(built_copy, before, completed, 2, "data/raw/sources.csv:4: has 14 cells, the header has 13")


def _raw(project: Path, name: str) -> Path:
    return project / "data" / "raw" / name


def _utf16(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


def _latin1(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",", ",Montréal ", 1)
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1", errors="replace"))


def _binary(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:400] + bytes(range(256)) * 4)


def _semicolons(path: Path) -> None:
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)


def _header_only(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def _unclosed_quote(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + 'late-row,"a quote that never ends\n', encoding="utf-8")


def _empty(path: Path) -> None:
    path.write_text("", encoding="utf-8")


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _missing(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize(
    ("name", "damage", "fragments"),
    [
        pytest.param("figures.csv", _utf16, ["data/raw/figures.csv: is UTF-16 text; save it as UTF-8"], id="utf-16"),
        pytest.param(
            "sources.csv", _latin1, ["data/raw/sources.csv:3: byte 0xe9 at column", "is not UTF-8"], id="latin-1"
        ),
        pytest.param("figures.csv", _binary, ["data/raw/figures.csv:", "NUL byte"], id="binary-garbage"),
        pytest.param(
            "figures.csv", _semicolons, ["data/raw/figures.csv:1: the columns are separated by semicolons"], id="semi"
        ),
        pytest.param("figures.csv", _header_only, ["data/raw/figures.csv: has a header but no rows"], id="header-only"),
        pytest.param(
            "sources.csv", _unclosed_quote, ["data/raw/sources.csv:", "a quoted field is not closed"], id="cut-off"
        ),
        pytest.param("sources.csv", _empty, ["data/raw/sources.csv: file is empty"], id="empty-file"),
        pytest.param("figures.csv", _folder, ["data/raw/figures.csv: is a folder, not a file"], id="folder"),
        pytest.param("chips.csv", _missing, ["data/raw/chips.csv: file is missing"], id="missing-chips-table"),
    ],
)
def test_an_unreadable_table_gets_one_line_naming_it(built_copy, name, damage, fragments):
    before = snapshot(built_copy)
    damage(_raw(built_copy, name))
    completed = run_pipeline(built_copy)
    assert_failed_and_kept(built_copy, before, completed, 2, *fragments, "Nothing was written")
    assert len([line for line in completed.stderr.splitlines() if line.startswith("data/raw/")]) == 1, completed.stderr


def _set_source(column: str, value: str):
    def edit(project: Path) -> str:
        path = _raw(project, "sources.csv")
        rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
        rows[0][column] = value
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        return rows[0]["source_id"]

    return edit


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        pytest.param(_set_source("accessed", ""), ["field 'accessed'", "is not a date YYYY-MM-DD"], id="no-accessed"),
        pytest.param(_set_source("accessed", "2026-12"), ["field 'accessed'"], id="accessed-not-a-day"),
        pytest.param(_set_source("tier", "gold"), ["field 'tier'", "'gold' is not one of"], id="unknown-tier"),
        pytest.param(_set_source("read_at", "ftp://x"), ["field 'read_at'", "http(s) URL"], id="read-at-not-a-url"),
    ],
)
def test_a_bad_source_row_is_named(built_copy, edit, fragments):
    before = snapshot(built_copy)
    source_id = edit(built_copy)
    completed = run_pipeline(built_copy)
    where = f"data/raw/sources.csv:2 [source_id={source_id}]"
    assert_failed_and_kept(built_copy, before, completed, 2, where, *fragments)


def test_a_bad_chip_row_is_named(built_copy):
    before = snapshot(built_copy)
    path = _raw(built_copy, "chips.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    rows[0]["dense_16bit_tflops"] = "-5"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    completed = run_pipeline(built_copy)
    where = f"data/raw/chips.csv:2 [chip_id={rows[0]['chip_id']}] field 'dense_16bit_tflops'"
    assert_failed_and_kept(built_copy, before, completed, 2, where, "is not a positive number")


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
        pytest.param("pue: [1.2\n", ["parameter file mine.yaml:2: not valid YAML"], id="not-yaml"),
        pytest.param("- pue\n- 1.2\n", ["mine.yaml: expected a mapping"], id="not-a-mapping"),
        pytest.param("pue: 1.3\ngpu_price: 1\n", ["unknown parameter 'gpu_price' (from", "mine.yaml"], id="unknown"),
        pytest.param("pue: 9\n", ["parameter 'pue' (from mine.yaml)", "given: 9"], id="out-of-range-names-the-file"),
        pytest.param(b"\x00\x01\x02pue", ["parameter file mine.yaml:1: holds a NUL byte"], id="binary"),
        pytest.param("pue: 1.3 # é\n".encode("latin-1"), ["parameter file mine.yaml:1: byte 0xe9"], id="latin-1"),
        pytest.param("\ufeffpue: 9\n", ["parameter 'pue' (from mine.yaml)"], id="bom-is-read-past"),
    ],
)
def test_a_bad_parameter_file_is_named(built_copy, text, fragments):
    before = snapshot(built_copy)
    if isinstance(text, bytes):
        (built_copy / "mine.yaml").write_bytes(text)
    else:
        (built_copy / "mine.yaml").write_text(text, encoding="utf-8")
    completed = run_pipeline(built_copy, "--params", "mine.yaml")
    assert_failed_and_kept(built_copy, before, completed, 2, *fragments)


def test_a_parameter_file_that_is_a_folder_is_named(built_copy):
    before = snapshot(built_copy)
    (built_copy / "mine.yaml").mkdir()
    completed = run_pipeline(built_copy, "--params", "mine.yaml")
    assert_failed_and_kept(built_copy, before, completed, 2, "parameter file mine.yaml: is a folder, not a file")


def test_a_broken_scenario_file_is_named(built_copy):
    before = snapshot(built_copy)
    (built_copy / "scenarios" / "broken.yaml").write_text("parameters: {pue: [1.2\n", encoding="utf-8")
    completed = run_pipeline(built_copy, "--scenario", "broken")
    assert_failed_and_kept(built_copy, before, completed, 2, "scenarios/broken.yaml", "not valid YAML")


@pytest.mark.parametrize("timeout", ["-5", "0", "soon"])
def test_a_cell_timeout_must_be_a_positive_whole_number(built_copy, timeout):
    before = snapshot(built_copy)
    completed = run_pipeline(built_copy, "--cell-timeout", timeout)
    assert_failed_and_kept(built_copy, before, completed, 2, "--cell-timeout", repr(timeout))


def test_a_broken_citation_file_is_named(built_copy):
    before = snapshot(built_copy)
    (built_copy / "CITATION.cff").write_text("title: [unclosed\n", encoding="utf-8")
    completed = run_pipeline(built_copy)
    assert_failed_and_kept(built_copy, before, completed, 2, "CITATION.cff:", "not valid YAML")


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


def test_a_notebook_that_is_not_json_is_named(built_copy):
    before = snapshot(built_copy)
    notebook = built_copy / "notebooks" / "money.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    completed = run_pipeline(built_copy)
    assert_failed_and_kept(built_copy, before, completed, 2, "notebooks/money.ipynb:", "not valid JSON")


def test_a_syntax_error_in_a_parameters_cell_is_named(built_copy):
    before = snapshot(built_copy)
    notebook = built_copy / "notebooks" / "money.ipynb"
    content = nbformat.read(notebook, as_version=4)
    cell = next(c for c in content.cells if "parameters" in c.metadata.get("tags", []))
    cell.source += "\npue = (1.2"
    nbformat.write(content, notebook)
    completed = run_pipeline(built_copy)
    assert_failed_and_kept(built_copy, before, completed, 2, "notebooks/money.ipynb: cell", "(parameters)")


def test_a_sphinx_warning_names_the_file_under_book(built_copy):
    before = snapshot(built_copy)
    intro = built_copy / "book" / "intro.md"
    intro.write_text(intro.read_text(encoding="utf-8") + "\nSee {ref}`no-such-label-anywhere`.\n", encoding="utf-8")
    completed = run_pipeline(built_copy)
    assert_failed_and_kept(built_copy, before, completed, 1, "book/intro.md", "no-such-label-anywhere")
    assert "build/book/source" not in completed.stderr


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


def private_tmp(project: Path) -> Path:
    """The temporary folder of the runs :func:`start_pipeline` starts in ``project``: short, in the system's
    temporary folder, so that the kernels' sockets go there (``paths.socket_folder``) even from a parallel worker's
    deep folder."""
    return Path(tempfile.gettempdir()) / f"cl-test-{hashlib.sha256(str(project).encode()).hexdigest()[:12]}"


def _kernel_sockets(project: Path) -> set[Path]:
    return set(private_tmp(project).glob(f"{execute.KERNEL_SOCKETS_PREFIX}*"))


def test_ctrl_c_while_notebooks_run_exits_130_and_leaves_nothing(built_copy):
    before = snapshot(built_copy)
    sockets_before = _kernel_sockets(built_copy)
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
    assert not _kernel_sockets(built_copy) - sockets_before, "a kernel's sockets were left in the temporary folder"


def _start_and_wait_for_kernels(project: Path) -> subprocess.Popen:
    """Start a run whose money notebook sleeps, and return once its kernels are running cells."""
    add_cell(project / "notebooks" / "money.ipynb", "import time\n\ntime.sleep(120)")
    process = start_pipeline(project)
    for line in process.stdout:
        if "database" in line:  # the notebooks start right after this line
            break
    deadline = time.monotonic() + 30
    while not any("ipykernel" in p for p in _processes_in(project)) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    assert process.poll() is None
    assert _kernel_sockets(project), "the running kernels' sockets are in the run's own temporary folder"
    return process


def _nothing_left_behind(project: Path, sockets_before: set[Path]) -> None:
    deadline = time.monotonic() + 15
    while _processes_in(project) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_in(project), "a kernel or worker outlived the run"
    assert _lock_is_free(project), "the lock is still held"
    assert not _kernel_sockets(project) - sockets_before, "a kernel's sockets were left in the temporary folder"


def _remove_sleep(project: Path) -> None:
    notebook = project / "notebooks" / "money.ipynb"
    content = nbformat.read(notebook, as_version=4)
    content.cells = [c for c in content.cells if "time.sleep(120)" not in c.source]
    nbformat.write(content, notebook)


def test_sigterm_is_handled_like_ctrl_c_and_the_next_run_succeeds(built_copy):
    before = snapshot(built_copy)
    sockets_before = _kernel_sockets(built_copy)
    process = _start_and_wait_for_kernels(built_copy)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    completed = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert_failed_and_kept(built_copy, before, completed, 143, "terminated", "are kept")
    _nothing_left_behind(built_copy, sockets_before)
    _remove_sleep(built_copy)
    again = run_pipeline(built_copy)
    assert again.returncode == 0, again.stdout + again.stderr


def test_kill_9_leaves_a_runnable_project(built_copy):
    """kill -9 of the pipeline while its notebooks run: the workers and kernels die with it (parent-death signal),
    the lock dies with it (flock), and the next run removes the staging folder it left and succeeds."""
    before = snapshot(built_copy)
    sockets_before = _kernel_sockets(built_copy)
    process = _start_and_wait_for_kernels(built_copy)
    assert (built_copy / "build" / "staging").exists()
    process.kill()
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 15
    while _processes_in(built_copy) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_in(built_copy), "a kernel or worker outlived the killed run"
    assert _lock_is_free(built_copy), "a dead run still holds the lock"
    assert snapshot(built_copy) == before
    _remove_sleep(built_copy)
    again = run_pipeline(built_copy)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not (built_copy / "build" / "staging").exists()
    _nothing_left_behind(built_copy, sockets_before)


def test_a_swap_cut_between_its_renames_is_repaired_at_the_next_start(built_copy):
    """A run killed between the two renames of the swap leaves data/processed renamed aside: the next run puts
    it back (and then has nothing to do)."""
    processed = built_copy / "data" / "processed"
    before = snapshot(built_copy)
    os.replace(processed, processed.with_name("processed.old-12345"))
    (built_copy / "build" / "staging" / "processed").mkdir(parents=True)
    completed = run_pipeline(built_copy)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "nothing changed" in completed.stdout
    assert not processed.with_name("processed.old-12345").exists()
    assert not (built_copy / "build" / "staging").exists()
    after = snapshot(built_copy)
    assert {k: v for k, v in after.items() if not k.endswith("run_manifest.json")} == {
        k: v for k, v in before.items() if not k.endswith("run_manifest.json")
    }


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
    freed, the next run succeeds, rebuilding the book from scratch if the full disk broke its cache (checked after
    the later writes failed: a failed staging copy leaves no cache half written)."""
    project = small_disk / "project"
    shutil.copytree(built_project, project, symlinks=True)
    before = snapshot(project)
    processed_size = sum(p.stat().st_size for p in (project / "data" / "processed").rglob("*") if p.is_file())
    leave = 256 * 1024 if failing_at == "staging copy" else processed_size + 2 * 2**20
    filler = _fill(small_disk, leave)
    completed = run_pipeline(project, "--set", "gpu_unit_price_usd=26000")
    assert_failed_and_kept(project, before, completed, 1, "No space left on device", "are kept")
    assert _lock_is_free(project)
    if failing_at == "staging copy":
        return
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
