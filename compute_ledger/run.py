"""One run of the pipeline: the loop over the declared steps (``steps.STEPS``), the manifest, and the swap.

Parameters are validated before (cli). The run takes the lock, works out which steps must run
(``cache.steps_to_run``: a step whose key changed, whose output is missing, or that reads a step that runs), and when
none must, records that and stops before loading pandas, pandera, DuckDB, papermill or Sphinx (each step's run
function imports its own libraries). Otherwise every step runs in order, the chapters' notebooks in parallel, each
writing into a staging folder under ``build/``; the live ``data/processed`` and ``book/_build/html`` are replaced
only when every step succeeded, so a failed or interrupted run loses nothing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from compute_ledger import cache, params, paths, steps


@dataclass
class RunOptions:
    parameters: params.Parameters
    scenario_parameters: dict[str, params.Parameters] = field(default_factory=dict)
    force: bool = False
    wait_for_lock: bool = False
    cell_timeout: int = 600
    build_book: bool = True
    log: callable = functools.partial(print, flush=True)  # flushed: progress shows in logs as it happens


@dataclass
class StepRecord:
    name: str
    key: str
    cache_hit: bool
    seconds: float
    computed_seconds: float
    computed_at: str


@dataclass
class RunResult:
    manifest: dict
    steps: list[StepRecord] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


def _swap_in(staged: Path, live: Path) -> None:
    """Replace ``live`` by ``staged`` with two renames on one file system (see ``_publish`` for interrupts)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    old = live.with_name(live.name + f".old-{os.getpid()}")
    if live.exists():
        os.replace(live, old)
    os.replace(staged, live)
    if old.exists():
        shutil.rmtree(old)


def _publish(pairs: list[tuple[Path, Path]]) -> None:
    """Swap every staged output into place, only if no interrupt is pending, with Ctrl-C and SIGTERM held back
    until the renames are done (a pending one is then raised, after the swap or instead of it)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        if _INTERRUPTS & signal.sigpending():
            return  # the interrupt is raised when the mask is restored: nothing was replaced
        for staged, live in pairs:
            _swap_in(staged, live)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def recover_interrupted_work() -> None:
    """At the start of a run (lock held): remove what a killed run left (its staging folder, half-written
    database), and put back an output whose swap was cut between its two renames."""
    shutil.rmtree(paths.STAGING, ignore_errors=True)
    for live in (paths.DATA_PROCESSED, paths.BOOK_HTML):
        olds = sorted(live.parent.glob(live.name + ".old-*"))
        if olds and not live.exists():
            os.replace(olds.pop(), live)
        for old in olds:
            shutil.rmtree(old, ignore_errors=True)


def run(options: RunOptions) -> RunResult:
    """Run every step that must run and publish the results; raise on the first failure."""
    with cache.run_lock(options.wait_for_lock):
        started = time.perf_counter()
        recover_interrupted_work()
        keys = cache.compute(options.parameters, options.scenario_parameters)
        live = paths.ProcessedLayout(paths.DATA_PROCESSED)
        previous = {} if options.force else cache.read_manifest(live.manifest)
        to_run = cache.steps_to_run(keys, previous, live, options.build_book)
        if not to_run:
            return _record_unchanged_run(options, previous, live, started)
        staging_root = paths.STAGING
        staging_root.mkdir(parents=True)
        try:
            return _run_steps(options, keys, live, previous, to_run, staging_root, started)
        finally:
            shutil.rmtree(staging_root, ignore_errors=True)


def _record_unchanged_run(options, manifest, live, started) -> RunResult:
    """Nothing to run: the manifest proves these exact inputs were validated and built. Record this run in it."""
    log = options.log
    for step in cache.selected_steps(options.build_book):
        log(f"· {step.label} (unchanged)")
    for step in manifest["steps"]:
        step["cache_hit"] = True
        step["seconds"] = 0.0
    manifest["run"] = {
        "finished_at": _now(),
        "seconds": round(time.perf_counter() - started, 3),
        "cache_hits": [step["name"] for step in manifest["steps"]],
    }
    cache.write_manifest(live.manifest, manifest)
    seconds = time.perf_counter() - started
    log(f"✓ nothing changed; data/processed and book/_build/html are up to date ({seconds:.2f} s)")
    records = [StepRecord(**step) for step in manifest["steps"]]
    return RunResult(manifest=manifest, steps=records)


def _run_steps(options, keys, live, previous, to_run, staging_root, started) -> RunResult:
    """Each step of ``to_run`` in the order of ``steps.STEPS``, the parallel ones (the chapters) together."""
    staged = paths.ProcessedLayout(staging_root / "processed")
    if live.base.exists():
        shutil.copytree(live.base, staged.base)
    else:
        staged.base.mkdir(parents=True)
    selected = cache.selected_steps(options.build_book)
    records: dict[str, StepRecord] = {}
    with contextlib.ExitStack() as stack:
        context = steps.Context(
            options=options,
            keys=keys,
            staged=staged,
            site=staging_root / "html",
            stack=stack,
            manifest=functools.partial(_manifest, options, keys, selected, records),
        )
        waiting: list[steps.Step] = []  # parallel steps, started together before the next step that is not
        for position, step in enumerate(selected):
            if step.name not in to_run:
                _record(records, step, keys, previous, options.log, hit=True, seconds=0.0)
            elif step.parallel:
                waiting.append(step)
            else:
                _run_parallel(context, waiting, selected[position:], to_run, records, previous)
                waiting = []
                _run_one(context, step, records, previous)
        _run_parallel(context, waiting, [], to_run, records, previous)

    manifest = _manifest(options, keys, selected, records)
    manifest["run"] = {
        "finished_at": _now(),
        "seconds": round(time.perf_counter() - started, 3),
        "cache_hits": [record.name for record in _in_order(selected, records) if record.cache_hit],
    }
    cache.write_manifest(staged.manifest, manifest)

    # Publish: processed first, then the site.
    book_ran = steps.BOOK in to_run and options.build_book
    _publish([(staged.base, live.base)] + ([(context.site, paths.BOOK_HTML)] if book_ran else []))
    published = "data/processed and book/_build/html" if book_ran else "data/processed"
    options.log(f"✓ published {published} in {time.perf_counter() - started:.2f} s")
    return RunResult(manifest=manifest, steps=_in_order(selected, records))


def _clear_outputs(context: steps.Context, step: steps.Step) -> None:
    """Remove what an earlier run left of the step's outputs in the staging copy, so that it writes them anew."""
    for path in step.outputs(context.staged, context.site):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _prepare(context: steps.Context, upcoming: list[steps.Step], to_run: set[str]) -> None:
    """Call the ``prepare`` function of every step still to run that has one (once each)."""
    for step in upcoming:
        if step.prepare is not None and step.name in to_run and step.name not in context.prepared:
            context.prepared.add(step.name)
            step.prepare(context)


def _run_one(context: steps.Context, step: steps.Step, records, previous) -> None:
    _prepare(context, [step], {step.name})
    _clear_outputs(context, step)
    started = time.perf_counter()
    note = step.run(context, step)
    _record(records, step, context.keys, previous, context.options.log, False, time.perf_counter() - started, note)


def _run_parallel(context: steps.Context, waiting, upcoming, to_run, records, previous) -> None:
    """Run the waiting parallel steps in worker processes; the first core they leave free prepares the steps after."""
    if not waiting:
        return
    started = time.perf_counter()
    for step in waiting:
        _clear_outputs(context, step)
    jobs = [step.run(context, step) for step in waiting]
    durations = steps.run_in_parallel(context, jobs, functools.partial(_prepare, context, upcoming, to_run))
    for step in waiting:
        _record(records, step, context.keys, previous, context.options.log, False, durations[step.name])
    context.options.log(f"  notebooks ran in parallel in {time.perf_counter() - started:.2f} s")


def _record(records, step: steps.Step, keys, previous, log, hit: bool, seconds: float, note: str = "") -> None:
    """Record a step's outcome for the manifest (a reused step keeps the time it took when computed), and log it."""
    before = cache.previous_step(previous, step.name)
    computed = before if hit and before else {"computed_seconds": seconds, "computed_at": _now()}
    records[step.name] = StepRecord(
        step.name, keys.steps[step.name], hit, seconds, computed["computed_seconds"], computed["computed_at"]
    )
    mark, note = ("·", " (unchanged)") if hit else ("✓", note)
    log(f"{mark} {step.label}{note} ({seconds:.2f} s)")


def _in_order(selected: list[steps.Step], records: dict[str, StepRecord]) -> list[StepRecord]:
    return [records[step.name] for step in selected if step.name in records]


def _manifest(options: RunOptions, keys: cache.RunKeys, selected, records: dict[str, StepRecord]) -> dict:
    """The run's record: what it read (hashes, versions, parameters) and its steps so far, in order."""
    return {
        "identity": {
            "git_commit": keys.git_commit,
            "code_hash": keys.code,
            "inputs": keys.inputs,
            "packages": keys.packages,
        },
        "parameters": keys.parameters,
        "scenarios": keys.scenarios,
        "parameter_changes": {k: v[1] for k, v in params.differences(options.parameters).items()},
        "steps": [vars(record) for record in _in_order(selected, records)],
    }
