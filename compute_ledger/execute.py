"""Execute the chapter notebooks with papermill, in parallel, and turn every failure into one clear line."""

from __future__ import annotations

import os
import shutil
import signal
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
import psutil
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.exceptions import PapermillExecutionError
from tqdm import tqdm

from compute_ledger import cache, paths, processes
from compute_ledger.errors import NotebookError

KERNEL = "python3"
KERNEL_SOCKETS_PREFIX = "compute-ledger-kernel-"  # in the temporary folder, one set of sockets per kernel
KERNEL_SOCKET_SUFFIX = len("/") + len("-65535")  # jupyter_client appends "-<port number>" to each socket's name
# What papermill records about when a notebook and its cells ran: dropped (see make_reproducible).
TIMING_KEYS = ("start_time", "end_time", "duration")


class UnixSocketKernelManager(AsyncKernelManager):
    """Kernels reached over Unix sockets rather than TCP ports. A TCP port is picked before the kernel binds it, so
    another kernel starting at the same moment (or any program) can take it, and the kernel dies with "Address
    already in use" before running a cell. (ipykernel also stops warning that TCP traffic is unencrypted.)
    Each kernel gets its own absolute socket path: the default, "kernel-ipc" in the working folder, is shared by
    kernels started together and read from two folders (the worker's and the kernel's)."""

    def __init__(self, **kwargs):
        name = f"{KERNEL_SOCKETS_PREFIX}{uuid.uuid4().hex[:12]}"
        sockets = os.path.join(paths.socket_folder(len(name) + KERNEL_SOCKET_SUFFIX), name)
        super().__init__(transport="ipc", ip=sockets, **kwargs)
        _KERNEL_MANAGERS.append(self)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw):
        # The kernel runs in a session of its own (out of reach of Ctrl-C): it dies with its worker instead.
        kw["preexec_fn"] = _kernel_started
        return await super()._async_launch_kernel(kernel_cmd, **kw)


def _kernel_started() -> None:
    """In the kernel process, before it starts: killed when its worker dies, whatever kills the worker."""
    processes.die_with_parent(signal.SIGKILL)


# The kernel managers of this (worker) process, whose files a stopped worker removes (see _worker_stop).
_KERNEL_MANAGERS: list[UnixSocketKernelManager] = []


@dataclass(frozen=True)
class NotebookJob:
    name: str
    source: Path
    output: Path
    parameters: dict[str, Any]


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def make_reproducible(executed: Path, published: Path) -> None:
    """Rewrite an executed notebook so that the same inputs give the same bytes: without clock readings (its wall
    time is in the run manifest), with project-relative paths in its metadata (``published``: where it is served
    from once the run succeeds) and a fixed id for the cell papermill adds (it draws a random one)."""
    notebook = nbformat.read(executed, as_version=4)
    record = notebook.metadata.get("papermill", {})
    for key in TIMING_KEYS:
        record.pop(key, None)
    if "input_path" in record:
        record["input_path"] = _display(Path(record["input_path"]))
    if "output_path" in record:
        record["output_path"] = _display(published)
    if "parameters" in record:  # the record of what was injected, like the cell below: the published paths
        record["parameters"] = record["parameters"] | {
            key: value for key, value in _published_values(published).items() if key in record["parameters"]
        }
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        for key in TIMING_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
            cell.source = _published_paths(cell.source, published)
    nbformat.write(notebook, executed)


def _published_paths(source: str, published: Path) -> str:
    """The injected parameters with the paths the run used (its staging folder, gone once it publishes) replaced by
    the published ones, relative to the project root: from there, ``papermill data/processed/notebooks/<name>.ipynb
    out.ipynb`` re-runs the chapter as published."""
    published_values = _published_values(published)
    lines = []
    for line in source.splitlines():
        key = line.split("=", 1)[0].strip()
        if key in published_values:
            line = f"{key} = {published_values[key]!r}"
        lines.append(line)
    return "\n".join(lines)


def _published_values(published: Path) -> dict[str, str]:
    """The path parameters of the notebook published at ``published``, relative to the project root."""
    layout = paths.ProcessedLayout(published.parent.parent)
    name = published.stem
    return {
        "db_path": _display(layout.database),
        "exports_dir": _display(layout.chapter_exports(name)),
        "key_numbers_path": _display(layout.key_numbers_dir / f"{name}.json"),
    }


def _timed_out_cell(notebook: Path, message: str) -> str:
    """The cell nbclient's timeout message shows a preview of, as "cell index N (`its first line`)"."""
    parts = message.split("-------------------\n")
    if len(parts) < 3:
        return "a cell"
    preview = parts[1].rstrip("\n").splitlines()
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        if cell.cell_type == "code" and preview and cell.source.splitlines()[: len(preview)] == preview:
            return f"cell index {index} (`{preview[0]}`)"
    return "a cell"


def execute(job: NotebookJob, cell_timeout: int) -> float:
    """Run one notebook; returns its wall time. Raises NotebookError with the notebook and cell named."""
    job.output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(job.source),
            str(job.output),
            parameters=job.parameters,
            kernel_name=KERNEL,
            cwd=str(job.source.parent),
            progress_bar=False,
            log_output=False,
            execution_timeout=cell_timeout,
            shutdown_kernel="immediate",
            request_save_on_cell_execute=False,  # write the executed copy once, at the end (not after every cell)
            kernel_manager_class=UnixSocketKernelManager,
        )
    except PapermillExecutionError as error:
        first_line = str(error.evalue).strip().splitlines()[0] if str(error.evalue).strip() else ""
        paths.FAILED_NOTEBOOKS.mkdir(parents=True, exist_ok=True)
        kept = shutil.copy(job.output, paths.FAILED_NOTEBOOKS) if job.output.exists() else job.output
        raise NotebookError(
            f"notebook {_display(job.source)}: cell {error.exec_count} (cell index {error.cell_index}) raised "
            f"{error.ename}: {first_line} — executed copy with the traceback: {_display(Path(kept))}"
        ) from None
    except CellTimeoutError as error:
        raise NotebookError(
            f"notebook {_display(job.source)}: {_timed_out_cell(job.source, str(error))} ran longer than the "
            f"{cell_timeout} s timeout (CellTimeoutError); raise it with --cell-timeout"
        ) from None
    except DeadKernelError as error:
        raise NotebookError(
            f"notebook {_display(job.source)}: the kernel died ({str(error).strip() or 'DeadKernelError'}); "
            "often out of memory"
        ) from None
    except RuntimeError as error:  # from jupyter_client, e.g. "Kernel died before replying to kernel_info"
        raise NotebookError(f"notebook {_display(job.source)}: {str(error).strip().splitlines()[0]}") from None
    make_reproducible(job.output, paths.DATA_PROCESSED / "notebooks" / job.output.name)
    return time.perf_counter() - started


def _worker_started() -> None:
    """In each worker: drop the inherited lock descriptor; die with the pipeline whatever kills it; Ctrl-C is for
    the main process to handle; SIGTERM (from it, or from the kernel when it dies) stops the notebook at once."""
    cache.drop_inherited_lock()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_stop)
    processes.die_with_parent(signal.SIGTERM)
    if os.getppid() == 1:  # the pipeline died before the request took effect
        _worker_stop(signal.SIGTERM, None)


def _worker_stop(signum, frame) -> None:
    """Kill the kernel this worker started (it runs in a session of its own, out of reach of Ctrl-C), remove the
    connection file and sockets a clean shutdown would have removed, then exit."""
    for child in psutil.Process().children(recursive=True):
        child.kill()
    for manager in _KERNEL_MANAGERS:
        manager.cleanup_connection_file()
        manager.cleanup_ipc_files()
    os._exit(128 + signum)


class Running:
    """Notebooks executing in parallel in worker processes, from creation on; ``wait`` returns their wall times.

    Leaving the ``with`` block on an error (the first failing notebook, Ctrl-C) stops the notebooks still running.
    """

    def __init__(self, jobs: list[NotebookJob], cell_timeout: int, workers: int = 2):
        # Kernels import the package from this project tree (not from wherever it was installed).
        root = str(paths.ROOT)
        existing = os.environ.get("PYTHONPATH", "")
        if root not in existing.split(os.pathsep):
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, existing) if p)
        self.workers = workers  # the cores given to notebooks; fewer processes if there are fewer notebooks
        self.pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs))), initializer=_worker_started)
        self.futures = {self.pool.submit(execute, job, cell_timeout): job for job in jobs}

    def __enter__(self) -> Running:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is not None:
            # Stop the notebooks still running: the executor has no public way to, so signal its worker processes
            # (none left if they all finished).
            for worker in list((self.pool._processes or {}).values()):
                worker.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def wait(self, once_a_worker_is_free: Callable[[], None] | None = None) -> dict[str, float]:
        """Each notebook's wall time, once all finished, with a progress bar; raises the first failure.

        ``once_a_worker_is_free`` is called once, as soon as fewer notebooks are left than ``workers`` (at once if so
        from the start): the caller can prepare its next step on the core the notebooks no longer need.
        """
        durations: dict[str, float] = {}
        pending = set(self.futures)
        with tqdm(total=len(pending), desc="notebooks", unit="nb", leave=False, disable=not pending) as bar:
            while True:
                if once_a_worker_is_free is not None and len(pending) < self.workers:
                    once_a_worker_is_free()
                    once_a_worker_is_free = None
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    error = future.exception()
                    if error is not None:
                        raise error
                    durations[self.futures[future].name] = future.result()
                    bar.update(1)
        self.pool.shutdown(wait=True)
        return durations


def execute_all(jobs: list[NotebookJob], cell_timeout: int, workers: int = 2) -> dict[str, float]:
    """Run the jobs in parallel with a progress bar; the first failure (or Ctrl-C) stops the others."""
    with Running(jobs, cell_timeout, workers) as running:
        return running.wait()
