"""Execute the chapter notebooks with papermill, in parallel, and turn every failure into one clear line."""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import papermill
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.exceptions import PapermillExecutionError
from tqdm import tqdm

from compute_ledger import paths

KERNEL = "python3"


class NotebookError(Exception):
    """A chapter notebook failed; the message names the notebook, the cell and the exception."""


@dataclass(frozen=True)
class NotebookJob:
    name: str
    source: Path
    output: Path
    parameters: dict[str, Any]


def declared_parameters(notebook: Path) -> list[str]:
    """Names assigned in the notebook's cell tagged ``parameters`` (what it may be given)."""
    return list(papermill.inspect_notebook(str(notebook)).keys())


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(paths.ROOT))
    except ValueError:
        return str(path)


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
        )
    except PapermillExecutionError as error:
        first_line = str(error.evalue).strip().splitlines()[0] if str(error.evalue).strip() else ""
        raise NotebookError(
            f"notebook {_display(job.source)}: cell {error.exec_count} (cell index {error.cell_index}) raised "
            f"{error.ename}: {first_line} — executed copy with the traceback: {_display(job.output)}"
        ) from None
    except CellTimeoutError as error:
        raise NotebookError(
            f"notebook {_display(job.source)}: a cell ran longer than the {cell_timeout} s timeout "
            f"({str(error).strip().splitlines()[0] if str(error).strip() else 'CellTimeoutError'}); "
            f"raise it with --cell-timeout"
        ) from None
    except DeadKernelError as error:
        raise NotebookError(
            f"notebook {_display(job.source)}: the kernel died ({str(error).strip() or 'DeadKernelError'}); "
            "often out of memory"
        ) from None
    return time.perf_counter() - started


def execute_all(jobs: list[NotebookJob], cell_timeout: int, workers: int = 2) -> dict[str, float]:
    """Run the jobs in parallel with a progress bar; the first failure stops the others."""
    if not jobs:
        return {}
    # Kernels import the package from this project tree (not from wherever it was installed).
    root = str(paths.ROOT)
    existing = os.environ.get("PYTHONPATH", "")
    if root not in existing.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, existing) if p)
    durations: dict[str, float] = {}
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        futures = {pool.submit(execute, job, cell_timeout): job for job in jobs}
        with tqdm(total=len(jobs), desc="notebooks", unit="nb", leave=False) as bar:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    job = futures[future]
                    error = future.exception()
                    if error is not None:
                        for other in pending:
                            other.cancel()
                        raise error
                    durations[job.name] = future.result()
                    bar.update(1)
    return durations
