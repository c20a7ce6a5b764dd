"""Command line of ``pipeline.py``: parse, validate parameters (nothing runs on a bad one), run, report.

Imports stay light (no pandas, papermill or Sphinx): a run with nothing changed finishes without them.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from compute_ledger import citation, errors, params, paths, run

EXIT_BAD_INPUT = 2
EXIT_STEP_FAILED = 1
EXIT_BUSY = 3
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_TERMINATED = 143  # SIGTERM


def _positive_seconds(text: str) -> int:
    try:
        seconds = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the cell timeout must be a positive number of seconds")
    return seconds


def _terminate(signum, frame) -> None:
    """SIGTERM is handled like Ctrl-C: the run stops, cleans up, and keeps the previous outputs."""
    raise errors.Terminated()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pipeline.py",
        description="Validate data/raw, build the DuckDB database, run the chapter notebooks and build the book.",
    )
    p.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set one parameter (repeatable), e.g. --set gpu_unit_price_usd=25000",
    )
    p.add_argument(
        "--params", dest="params_file", type=Path, metavar="FILE.yaml", help="read parameters from a YAML file"
    )
    p.add_argument(
        "--scenario",
        dest="scenarios",
        action="append",
        default=[],
        metavar="NAME",
        help="use the named scenario file scenarios/NAME.yaml",
    )
    p.add_argument("--list-params", action="store_true", help="print every parameter and exit")
    p.add_argument("--force", action="store_true", help="re-run every step, ignoring the cache")
    p.add_argument("--wait", action="store_true", help="if another run is going, wait for it instead of stopping")
    p.add_argument(
        "--cell-timeout",
        type=_positive_seconds,
        default=600,
        metavar="SECONDS",
        help="longest a notebook cell may run (default 600)",
    )
    p.add_argument("--no-book", action="store_true", help="stop after the notebooks (no site build)")
    p.add_argument(
        "--release",
        metavar="VERSION",
        help="release an edition (e.g. 0.3.0): date CITATION.cff, run on the defaults, freeze editions/VERSION, "
        "archive the site, commit and tag vVERSION",
    )
    return p


def parameters_from(args: argparse.Namespace, scenarios: list[str] | None = None) -> params.Parameters:
    """The run's parameters: defaults <- scenario file(s) <- --params file <- --set."""
    layers, origins = [], []
    for name in args.scenarios if scenarios is None else scenarios:
        layers.append(params.read_scenario(name))
        origins.append(f"scenario {name} ({params.scenario_path(name).relative_to(paths.ROOT)})")
    if args.params_file:
        layers.append(params.read_parameter_file(args.params_file))
        origins.append(str(args.params_file))
    assignments = {}
    for text in args.assignments:
        name, value = params.parse_assignment(text)
        assignments[name] = value
    layers.append(assignments)
    origins.append("--set")
    return params.build(*layers, origin=origins)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    args = parser().parse_args(argv)
    if args.list_params:
        print(params.format_table())
        return 0
    try:
        parameters = parameters_from(args, scenarios=args.scenarios if len(args.scenarios) == 1 else [])
        # Each scenario shown side by side: its file, then the reader's own --params and --set on top.
        names = args.scenarios or params.available_scenarios()
        scenario_parameters = {name: parameters_from(args, scenarios=[name]) for name in names}
        citation.edition()  # every chart and page cites the edition: a broken CITATION.cff stops the run here
    except (params.ParameterError, errors.InputFileError) as error:
        print(f"error: {error}\nNothing was run.", file=sys.stderr)
        return EXIT_BAD_INPUT
    options = run.RunOptions(
        parameters=parameters,
        scenario_parameters=scenario_parameters,
        force=args.force,
        wait_for_lock=args.wait,
        cell_timeout=args.cell_timeout,
        build_book=not args.no_book,
    )
    if args.release:
        return _release(args, options)
    return _run(options)


def _release(args: argparse.Namespace, options: run.RunOptions) -> int:
    """``--release VERSION``: date the edition, run on the defaults, freeze it, build the book with it, tag it."""
    import time

    from compute_ledger import release

    if args.assignments or args.params_file or args.scenarios or args.no_book:
        print(
            "error: --release runs on the defaults and builds the book: drop --set, --params, --scenario and "
            "--no-book\nNothing was run.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    started = time.perf_counter()
    try:
        prepared = release.prepare(args.release)
    except (release.ReleaseError, OSError) as error:
        print(f"error: {error}\nNothing was run.", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        status = _run(options)
        if status == 0:
            release.freeze(prepared)
            status = _run(options)  # the book again, now with the edition under editions/VERSION/
        if status != 0:
            release.restore(prepared)
            print(f"The release of {args.release} was undone: CITATION.cff is as it was.", file=sys.stderr)
            return status
        tag = release.commit_and_tag(prepared)
    except BaseException as error:
        release.restore(prepared)
        print(f"error: {error}\nThe release of {args.release} was undone: CITATION.cff is as it was.", file=sys.stderr)
        return EXIT_STEP_FAILED
    print(
        f"released edition {prepared.version} ({prepared.date}): editions/{prepared.version}/, "
        f"{paths.EDITION_SITES.relative_to(paths.ROOT)}/{prepared.version}/site.tar.gz, tag {tag}, "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return 0


def _run(options: run.RunOptions) -> int:
    """One pipeline run, its failures reported in one line each; the exit status."""
    try:
        run.run(options)
    except (errors.RawDataError, errors.InputFileError, errors.EvidenceError) as error:
        print(f"error: {error}\nNothing was written; data/processed and the book are as they were.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except errors.RunBusyError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except (errors.NotebookError, errors.BookError) as error:
        print(f"error: {error}\nThe previous data/processed and book/_build/html are kept.", file=sys.stderr)
        return EXIT_STEP_FAILED
    except KeyboardInterrupt as interrupt:
        terminated = isinstance(interrupt, errors.Terminated)
        print(
            f"{'terminated' if terminated else 'interrupted'}: the previous data/processed and book/_build/html "
            "are kept.",
            file=sys.stderr,
        )
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    except OSError as error:
        print(f"error: {error}\nThe previous data/processed and book/_build/html are kept.", file=sys.stderr)
        return EXIT_STEP_FAILED
    return 0
