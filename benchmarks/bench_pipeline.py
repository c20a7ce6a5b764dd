"""Wall time and memory of the pipeline, each measured once, in this order, on a temporary copy of the project: a fresh
full run (no outputs, no build/ cache), a re-run with nothing changed, a re-run with one parameter changed, a full
re-run with ``--force`` (caches warm: the Vega bundle, jupyter-book's module list), and the book build alone.

Run from the project root: ``python benchmarks/bench_pipeline.py``. Prints one line per figure and whether each goal
of issue 5 is met (no-op re-run at most 5 % of a full run, one-parameter re-run at most 40 %), against both kinds of
full run. Peak memory is the largest sum of the resident memory of the pipeline and all its descendants (notebook
workers, kernels, jupyter-book), sampled every 50 ms with psutil. Timings on a shared machine vary by +-20 %.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "build", "_build", "processed", "__pycache__", ".pytest_cache", ".ruff_cache", "*.egg-info"
)
NO_OP_GOAL = 0.05
ONE_PARAMETER_GOAL = 0.40


class PeakMemory:
    """The largest total resident memory of a process and its descendants while it runs."""

    def __init__(self, process: psutil.Process):
        self.process = process
        self.peak = 0
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.process.is_running() and self.process.status() != psutil.STATUS_ZOMBIE:
            total = 0
            try:
                for member in [self.process, *self.process.children(recursive=True)]:
                    total += member.memory_info().rss
            except psutil.Error:
                pass  # a member ended while being read
            self.peak = max(self.peak, total)
            time.sleep(0.05)


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Seconds and peak memory (bytes) of one command; stops the benchmark if it fails."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    memory = PeakMemory(psutil.Process(process.pid))
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    memory.thread.join()
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {process.returncode}):\n{output}")
    return seconds, memory.peak


BOOK_ALONE = """
import shutil, sys
from compute_ledger import book_build, paths
output = paths.WORK / "bench-book"
shutil.rmtree(output, ignore_errors=True)
book_build.build(book_build.SOURCE, output, "benchmark", log=lambda line: None)
shutil.rmtree(output)
"""


def _share(seconds: float, full: float, forced: float) -> str:
    return f"{seconds / full:.1%} of the fresh full run, {seconds / forced:.1%} of --force"


def _goal(seconds: float, goal: float, full: float, forced: float) -> str:
    verdicts = ["met" if seconds <= goal * reference else "NOT met" for reference in (full, forced)]
    return f"{verdicts[0]} against the fresh full run, {verdicts[1]} against --force"


def main() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
        project = Path(folder) / "project"
        shutil.copytree(PROJECT_ROOT, project, ignore=IGNORED)
        full, full_memory = timed([python, "pipeline.py"], project)
        no_op, no_op_memory = timed([python, "pipeline.py"], project)
        one, one_memory = timed([python, "pipeline.py", "--set", "gpu_unit_price_usd=25000"], project)
        forced, forced_memory = timed([python, "pipeline.py", "--force"], project)
        book_alone, book_memory = timed([python, "-c", BOOK_ALONE], project)
    peak = max(full_memory, no_op_memory, one_memory, forced_memory, book_memory)
    print(f"fresh full run:                    {full:6.2f} s")
    print(f"full re-run (--force):             {forced:6.2f} s")
    print(f"no-op re-run:                      {no_op:6.2f} s  ({_share(no_op, full, forced)})")
    print(f"one-parameter re-run:              {one:6.2f} s  ({_share(one, full, forced)})")
    print("  (the one parameter: --set gpu_unit_price_usd=25000)")
    print(f"book build alone (from scratch):   {book_alone:6.2f} s")
    print(f"peak memory, with child processes: {peak / 2**20:6.0f} MB")
    print(f"goal: no-op re-run <= {NO_OP_GOAL:.0%}:          {_goal(no_op, NO_OP_GOAL, full, forced)}")
    print(f"goal: one-parameter re-run <= {ONE_PARAMETER_GOAL:.0%}: {_goal(one, ONE_PARAMETER_GOAL, full, forced)}")


if __name__ == "__main__":
    main()
