"""Mutation check of the growth, projection and trend-fit maths (issue 14, part 5): does the suite notice a
changed formula?

A small self-contained mutation tool (no mutmut: its trampolines cannot reach the projection chain, whose
expressions are strings in ``chain.PROJECTION``). One mutant at a time, on a temporary copy of the project:

* Python code of ``growth.py``, ``projection.py``, ``trend_fit.py`` and the numpy evaluator of ``chain.py``
  (``_numpy``, ``evaluate``; the Vega translation is checked by tests/test_whatif.py, not here): ``+``/``-``,
  ``*``/``/``, ``**`` -> ``*``, comparison boundaries (``<`` -> ``<=``, ``>=`` -> ``>`` ...), ``==``/``!=``,
  ``in``/``not in``, ``and``/``or``, unary minus and ``not`` dropped, numbers changed (int + 1, float * 2,
  0 -> 1), ``max``/``min``, ``np.maximum``/``np.minimum``, ``exp``/``log``, ``ceil``/``floor`` swapped. Nothing
  inside a ``raise`` (messages) or an annotation is mutated; strings are not mutated.
* The chain's expression strings (``chain.PROJECTION`` and the f-strings of ``chain.milestone``): every operator,
  number and function name token, with the same swaps.

Each mutant runs ``tests/test_growth.py tests/test_projection.py tests/test_trend_fit.py`` with ``-x -q`` in a
process forked from one that has already imported numpy, pandas, scipy, duckdb and pytest (no compute_ledger), so
a mutant costs the tests only. A mutant is killed when the tests fail, survives when they pass, and times out
after ``--timeout`` seconds. Output: one line per survivor and the counts per module.

    nice -n 10 .venv/bin/python benchmarks/mutation.py [--only growth.py] [--timeout 120]

Last run: 2026-12-07 (394 mutants; tests: the three files above)

    module         before: mutants killed survived  survival    after: killed survived  survival
    growth.py                   92     91        1      1.1 %                (not re-run)
    projection.py              139    138        1      0.7 %               139        0      0.0 %
    trend_fit.py                97     85       12     12.4 %                97        0      0.0 %
    chain.py                    66     55       11     16.7 %                61        5      7.6 %
    all                        394    369       25      6.3 %               388        6      1.5 %  (growth as before)

No timeouts. Survivors left, none in a formula:
* growth.py:26 ``_MAX_LABELS_IN_MESSAGE`` 10 -> 11: how many labels an error message lists (text, not maths).
* chain.py:178 (x2), 180 (x2) ``axis=-1`` -> ``axis=1`` in ``evaluate``: equivalent, the arrays are 2-D.
* chain.py:72 ``where(uncapped >= cap_accelerators, 1, 0)`` 1 -> 2: equivalent, the flag is only tested ``> 0``.
The other 19 survivors of the first run (the trend band, its grid, the three-point minimum, the top-three check,
``stated_rate``, the chain language's ``-x``/``log``/``max``/``min``, ``bands([])``, the cap's ``>=`` and
"capped power is the cap exactly") are killed by known-answer tests in tests/test_trend_fit.py and
tests/test_projection.py.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("growth.py", "projection.py", "trend_fit.py", "chain.py")
TESTS = ("tests/test_growth.py", "tests/test_projection.py", "tests/test_trend_fit.py")
CHAIN_PYTHON_FUNCTIONS = ("_numpy", "evaluate")  # chain.py's numpy evaluator; the Vega side is test_whatif's
CHAIN_EXPRESSION_HOLDERS = ("PROJECTION", "milestone")

BINARY_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult}
COMPARE_SWAPS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
NAME_SWAPS = {"max": "min", "min": "max", "maximum": "minimum", "minimum": "maximum", "exp": "log", "log": "exp"}
NAME_SWAPS |= {"ceil": "floor", "floor": "ceil"}
TOKEN_SWAPS = {"+": "-", "-": "+", "*": "/", "/": "*", "**": "*", ">": ">=", ">=": ">", "<": "<=", "<=": "<"}
TOKEN_SWAPS |= {"==": ">", **NAME_SWAPS}
TOKEN = re.compile(r"\*\*|>=|<=|==|[-+*/<>]|\b\d+(?:\.\d*)?(?:e[-+]?\d+)?\b|\b(?:max|min|exp|log)\b")


@dataclass(frozen=True)
class Mutant:
    """One change to one file: ``source`` is the whole mutated module."""

    module: str
    line: int
    change: str
    source: str


def changed_number(value: int | float) -> int | float:
    """The mutated number: an int plus one, a float doubled, zero one."""
    if value == 0:
        return 1 if isinstance(value, int) else 1.0
    return value + 1 if isinstance(value, int) else value * 2.0


def skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes not to mutate: anything under a raise or in an annotation."""
    skip: set[int] = set()
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise):
            roots.append(node)
        if isinstance(node, ast.arg) and node.annotation is not None:
            roots.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            roots.append(node.returns)
        if isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    for root in roots:
        skip.update(id(child) for child in ast.walk(root))
    return skip


def python_sites(tree: ast.Module, module: str) -> list[ast.AST]:
    """The nodes of the module whose code is mutated (for chain.py only its numpy evaluator)."""
    if module != "chain.py":
        return [tree]
    return [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in CHAIN_PYTHON_FUNCTIONS]


def python_mutations(source: str, module: str):
    """Yield (line, change, apply) for each mutation site; ``apply(node)`` mutates in place, returns an undo."""
    tree = ast.parse(source)
    skip = skipped_nodes(tree)
    for site in python_sites(tree, module):
        for node in ast.walk(site):
            if id(node) in skip:
                continue
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.BinOp) and type(node.op) in BINARY_SWAPS:
                new = BINARY_SWAPS[type(node.op)]
                yield tree, line, f"{type(node.op).__name__} -> {new.__name__}", node, "op", new()
            elif isinstance(node, ast.Compare):
                for i, op in enumerate(node.ops):
                    if type(op) in COMPARE_SWAPS:
                        new = COMPARE_SWAPS[type(op)]
                        ops = list(node.ops)
                        ops[i] = new()
                        yield tree, line, f"{type(op).__name__} -> {new.__name__}", node, "ops", ops
            elif isinstance(node, ast.BoolOp):
                new = ast.Or if isinstance(node.op, ast.And) else ast.And
                yield tree, line, f"{type(node.op).__name__} -> {new.__name__}", node, "op", new()
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
                yield tree, line, f"drop unary {type(node.op).__name__}", node, "op", ast.UAdd()
            elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
                new_value = changed_number(node.value)
                yield tree, line, f"{node.value!r} -> {new_value!r}", node, "value", new_value
            elif isinstance(node, ast.Attribute) and node.attr in NAME_SWAPS:
                yield tree, line, f".{node.attr} -> .{NAME_SWAPS[node.attr]}", node, "attr", NAME_SWAPS[node.attr]
            elif isinstance(node, ast.Name) and node.id in ("max", "min"):
                yield tree, line, f"{node.id} -> {NAME_SWAPS[node.id]}", node, "id", NAME_SWAPS[node.id]


def python_mutants(source: str, module: str) -> list[Mutant]:
    """Every Python-level mutant of the module, as whole mutated sources."""
    mutants = []
    for tree, line, change, node, field, new in python_mutations(source, module):
        old = getattr(node, field)
        setattr(node, field, new)
        if isinstance(node, ast.UnaryOp) and isinstance(new, ast.UAdd) and isinstance(old, ast.Not):
            setattr(node, field, old)
            mutants.append(Mutant(module, line, change, _drop_not(tree, node)))
            continue
        mutated = ast.unparse(tree)
        setattr(node, field, old)
        mutants.append(Mutant(module, line, change, mutated))
    return mutants


def _drop_not(tree: ast.Module, node: ast.UnaryOp) -> str:
    """The module with ``not x`` replaced by ``x`` (a ``+x`` would change a bool to an int)."""

    class Drop(ast.NodeTransformer):
        def visit_UnaryOp(self, visited: ast.UnaryOp) -> ast.AST:
            self.generic_visit(visited)
            return visited.operand if visited is node else visited

    copy = ast.parse(ast.unparse(tree))
    # Find the same node in the copy by position.
    target = [
        n
        for n in ast.walk(copy)
        if isinstance(n, ast.UnaryOp)
        and isinstance(n.op, ast.Not)
        and (n.lineno, n.col_offset) == (node.lineno, node.col_offset)
    ]
    if not target:  # positions moved in the round trip: fall back to the original tree
        copy, target = tree, [node]
    node = target[0]
    return ast.unparse(Drop().visit(copy))


def expression_strings(tree: ast.Module) -> list[ast.Constant]:
    """The literal string parts of the chain's expressions (PROJECTION and milestone's f-strings)."""
    holders = [
        node
        for node in tree.body
        if (isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") in CHAIN_EXPRESSION_HOLDERS)
        or (isinstance(node, ast.FunctionDef) and node.name in CHAIN_EXPRESSION_HOLDERS)
    ]
    parts = []
    for holder in holders:
        for node in ast.walk(holder):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Calculate" and len(node.args) == 2:
                expression = node.args[1]
                if isinstance(expression, ast.Constant):
                    parts.append(expression)
                elif isinstance(expression, ast.JoinedStr):
                    parts.extend(v for v in expression.values if isinstance(v, ast.Constant))
    return parts


def expression_mutants(source: str) -> list[Mutant]:
    """Token-level mutants of the chain's expression strings."""
    tree = ast.parse(source)
    mutants = []
    for part in expression_strings(tree):
        text = part.value
        for match in TOKEN.finditer(text):
            token = match.group()
            if token in TOKEN_SWAPS:
                new = TOKEN_SWAPS[token]
            else:
                number = float(token)
                new = repr(int(number) + 1) if "." not in token and "e" not in token else repr(changed_number(number))
            part.value = text[: match.start()] + new + text[match.end() :]
            mutated = ast.unparse(tree)
            part.value = text
            change = f"expression {text!r}: {token!r} -> {new!r}"
            mutants.append(Mutant("chain.py", part.lineno, change, mutated))
    return mutants


def all_mutants(only: set[str] | None) -> list[Mutant]:
    """The mutants of every target module (or of ``only``)."""
    mutants = []
    for module in TARGETS:
        if only and module not in only:
            continue
        source = (ROOT / "compute_ledger" / module).read_text()
        mutants += python_mutants(source, module)
        if module == "chain.py":
            mutants += expression_mutants(source)
    return mutants


def run_tests(project: Path, timeout: float) -> str:
    """Run the tests in a forked child: 'killed', 'survived' or 'timeout'."""
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.chdir(project)
            sys.path.insert(0, str(project))
            sys.dont_write_bytecode = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *TESTS])
        except BaseException:
            code = 1
        os._exit(int(code))
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="a target module, e.g. growth.py (repeatable)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    args = parser.parse_args()

    import duckdb  # noqa: F401  imported once, before forking: each mutant then pays for its tests only
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pytest  # noqa: F401
    import scipy.special  # noqa: F401

    mutants = all_mutants(set(args.only) if args.only else None)
    if args.list:
        for mutant in mutants:
            print(f"{mutant.module}:{mutant.line}: {mutant.change}")
        print(f"{len(mutants)} mutants")
        return 0

    with tempfile.TemporaryDirectory(prefix="mutation-") as temp:
        project = Path(temp) / "project"
        ignore = shutil.ignore_patterns(".git", ".venv", "build", "_build", "__pycache__", "*.egg-info", ".*cache")
        shutil.copytree(ROOT, project, ignore=ignore)
        (project / "data" / "processed").mkdir(exist_ok=True)
        baseline = run_tests(project, args.timeout)
        if baseline != "survived":
            print(f"the unmutated tests do not pass ({baseline}); nothing to measure", file=sys.stderr)
            return 1
        counts: dict[str, Counter] = {module: Counter() for module in TARGETS}
        survivors = []
        started = time.monotonic()
        for number, mutant in enumerate(mutants, 1):
            path = project / "compute_ledger" / mutant.module
            original = path.read_text()
            path.write_text(mutant.source)
            try:
                outcome = run_tests(project, args.timeout)
            finally:
                path.write_text(original)
            counts[mutant.module][outcome] += 1
            if outcome != "killed":
                survivors.append((mutant, outcome))
                print(f"{outcome.upper()} {mutant.module}:{mutant.line}: {mutant.change}", flush=True)
            if number % 25 == 0:
                print(f"  ... {number}/{len(mutants)} in {time.monotonic() - started:.0f} s", flush=True)

    print(f"\n{'module':<14} {'mutants':>7} {'killed':>6} {'survived':>8} {'timeout':>7} {'survival':>8}")
    total = Counter()
    for module in TARGETS:
        c = counts[module]
        n = sum(c.values())
        if n:
            total += c
            print(
                f"{module:<14} {n:>7} {c['killed']:>6} {c['survived']:>8} {c['timeout']:>7} {c['survived'] / n:>8.1%}"
            )
    n = sum(total.values())
    print(
        f"{'all':<14} {n:>7} {total['killed']:>6} {total['survived']:>8} {total['timeout']:>7} "
        f"{total['survived'] / max(n, 1):>8.1%}"
    )
    print(f"{time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
