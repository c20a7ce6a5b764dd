"""The projection chain written once, as data: the steps that :mod:`compute_ledger.projection` evaluates with
numpy and that the in-page what-if runs as Vega transforms in the reader's browser.

A step makes one column over the years of a path:

* :class:`Calculate` evaluates an expression row by row (a Vega ``formula``/Vega-Lite ``calculate``);
* :class:`Running` accumulates a column along the years, ``sum`` or ``max`` from the first year to this one (a
  Vega-Lite ``window`` with frame ``[null, 0]``);
* :class:`Total` puts the ``sum`` or ``max`` of a column over all the years in every row (a ``joinaggregate``).

Expressions are a small language that is both valid Python and translatable word for word into Vega's expression
language: numbers, names, ``+ - * / **``, unary minus, one comparison (``> >= < <= ==``), ``where(test, then,
else)`` (numpy's ``where``, Vega's ``if``), ``exp``, ``log``, ``pow``, ``max`` and ``min`` of two values, the
constant ``NaN`` and the named :data:`CONSTANTS`. A name is a column made by an earlier step (or the input column
``year``), else a parameter (a Vega signal). :func:`evaluate` runs the steps with numpy on arrays that broadcast
(parameters ``(n_scenarios, 1)``, columns ``(n_scenarios, n_years)``); :func:`vega_lite_transforms` turns the same
steps into Vega-Lite transforms. Binary operations are parenthesised in the Vega text exactly as Python groups them,
so both sides do the same floating-point operations in the same order.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from compute_ledger import metadata

# The physical constants of metadata, by the names the expressions use.
CONSTANTS: dict[str, float] = {
    "W_PER_MW": metadata.W_PER_MW,
    "HOURS_PER_YEAR": metadata.HOURS_PER_YEAR,
    "MWH_PER_TWH": metadata.MWH_PER_TWH,
}


@dataclass(frozen=True)
class Calculate:
    """``column = expression``, row by row."""

    column: str
    expression: str


@dataclass(frozen=True)
class Running:
    """``column`` = running ``op`` (``sum`` or ``max``) of ``field`` from the first year to this one."""

    column: str
    op: str
    field: str


@dataclass(frozen=True)
class Total:
    """``column`` = ``op`` (``sum`` or ``max``) of ``field`` over all the years of the path, in every row."""

    column: str
    op: str
    field: str


Step = Calculate | Running | Total

# Accelerators, then facility power and energy by the formula of metadata.facility_power_mw and
# metadata.yearly_energy_mwh (written here as expressions), then money. Inputs: the column ``year``; the parameters
# ``base_year``, ``base_accelerators``, ``growth_log`` (ln of the growth multiple) and the chain parameters of
# :data:`projection.PARAMETER_NAMES` (no cap = infinity).
PROJECTION: tuple[Step, ...] = (
    Calculate("step", "year - base_year"),
    # ln g_k = ln(multiple) * (1 - slowdown) ** (k - 1): the growth of year k; none in the base year.
    Calculate("decay", "where(step > 0, (1 - growth_slowdown_per_year) ** (step - 1), 0)"),
    Running("cumulative", "sum", "decay"),
    Calculate("uncapped", "base_accelerators * exp(growth_log * cumulative)"),
    Calculate("cap_accelerators", "site_power_cap_mw * W_PER_MW / (accelerator_it_power_w * pue)"),
    Calculate("reaches_cap", "where(uncapped >= cap_accelerators, 1, 0)"),
    # Once a path reaches the cap, it stays there.
    Running("power_capped", "max", "reaches_cap"),
    Calculate("accelerators", "where(power_capped > 0, cap_accelerators, uncapped)"),
    # Where a path is held at the cap, facility power is the cap exactly (no round trip through accelerators).
    Calculate(
        "facility_power_mw",
        "where(power_capped > 0, site_power_cap_mw, accelerators * accelerator_it_power_w / W_PER_MW * pue)",
    ),
    Calculate("it_power_mw", "facility_power_mw / pue"),
    Calculate("energy_mwh", "facility_power_mw * utilisation * HOURS_PER_YEAR"),
    Calculate("energy_twh", "energy_mwh / MWH_PER_TWH"),
    Calculate("electricity_cost_usd", "energy_mwh * electricity_price_usd_per_mwh"),
    Calculate("accelerator_price_usd", "gpu_unit_price_usd * (1 + accelerator_price_change_per_year) ** step"),
    Calculate("hardware_capex_usd", "accelerators * accelerator_price_usd"),
)


def milestone(threshold_mw: float, column: str) -> tuple[Step, ...]:
    """Steps putting in ``column`` the first year facility power reaches ``threshold_mw`` (``>=``), NaN if it does
    not by the last year. Inputs: the columns ``year`` and ``facility_power_mw``."""
    reached, years_reached = f"{column}_reached", f"{column}_years"
    return (
        Calculate(f"{column}_at", f"where(facility_power_mw >= {float(threshold_mw)!r}, 1, 0)"),
        Running(reached, "max", f"{column}_at"),
        Total(years_reached, "sum", reached),
        Total(f"{column}_last", "max", "year"),
        Calculate(column, f"where({years_reached} > 0, {column}_last - {years_reached} + 1, NaN)"),
    )


class ChainDefinitionError(ValueError):
    """A step or expression outside the chain's small language."""


_FUNCTIONS = {"where": 3, "exp": 1, "log": 1, "pow": 2, "max": 2, "min": 2}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "=="}
_OPS = ("sum", "max")


def _parse(expression: str) -> ast.expr:
    """The expression's syntax tree; raise :class:`ChainDefinitionError` for anything outside the language."""
    tree = ast.parse(expression, mode="eval").body
    for node in ast.walk(tree):
        allowed = isinstance(node, ast.Name | ast.Load | ast.USub | ast.UnaryOp | ast.BinOp | ast.Compare)
        allowed |= type(node) in _BINARY or type(node) in _COMPARE or isinstance(node, ast.Pow)
        allowed |= isinstance(node, ast.Constant) and isinstance(node.value, int | float)
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            allowed = _FUNCTIONS.get(name) == len(node.args) and not node.keywords
        if isinstance(node, ast.Compare):
            allowed = len(node.ops) == 1
        if isinstance(node, ast.UnaryOp):
            allowed = isinstance(node.op, ast.USub)
        if not allowed:
            raise ChainDefinitionError(f"not in the chain's expression language: {ast.dump(node)} in {expression!r}")
    return tree


def _numpy(node: ast.expr, scope: Mapping[str, object]):
    """Evaluate one parsed expression with numpy."""
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id == "NaN":
            return np.nan
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id not in scope:
            raise ChainDefinitionError(f"unknown name {node.id!r}")
        return scope[node.id]
    if isinstance(node, ast.UnaryOp):
        return -_numpy(node.operand, scope)
    if isinstance(node, ast.BinOp):
        left, right = _numpy(node.left, scope), _numpy(node.right, scope)
        if isinstance(node.op, ast.Pow):
            return np.power(left, right)
        return {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}[type(node.op)](
            left, right
        )
    if isinstance(node, ast.Compare):
        left, right = _numpy(node.left, scope), _numpy(node.comparators[0], scope)
        compare = {ast.Gt: np.greater, ast.GtE: np.greater_equal, ast.Lt: np.less, ast.LtE: np.less_equal}
        return compare.get(type(node.ops[0]), np.equal)(left, right)
    name = node.func.id  # a Call, the only node left after _parse
    args = [_numpy(arg, scope) for arg in node.args]
    functions = {"where": np.where, "exp": np.exp, "log": np.log, "pow": np.power, "max": np.maximum}
    return functions.get(name, np.minimum)(*args)


def evaluate(steps: Sequence[Step], columns: Mapping[str, np.ndarray], parameters: Mapping[str, object]) -> dict:
    """Run ``steps`` with numpy: ``columns`` are arrays whose last axis is the years, ``parameters`` scalars or
    arrays that broadcast against them. Returns the input columns and every column the steps made."""
    made: dict[str, np.ndarray] = dict(columns)
    shape = np.broadcast_shapes(*(np.shape(value) for value in columns.values()))
    for step in steps:
        scope = {**parameters, **made}
        if isinstance(step, Calculate):
            value = np.asarray(_numpy(_parse(step.expression), scope), dtype=float)
            made[step.column] = np.broadcast_to(value, np.broadcast_shapes(shape, value.shape))
            continue
        if step.op not in _OPS:
            raise ChainDefinitionError(f"{step.column}: op must be one of {_OPS}; got {step.op!r}")
        field = np.asarray(made[step.field], dtype=float)
        if isinstance(step, Running):
            made[step.column] = np.cumsum(field, axis=-1) if step.op == "sum" else np.maximum.accumulate(field, axis=-1)
        else:
            total = np.sum(field, axis=-1, keepdims=True) if step.op == "sum" else np.max(field, axis=-1, keepdims=True)
            made[step.column] = np.broadcast_to(total, field.shape)
    return made


def _vega(node: ast.expr, columns: set[str]) -> str:
    """One parsed expression in Vega's expression language; columns become ``datum.NAME``, the rest signals."""
    if isinstance(node, ast.Constant):
        return repr(float(node.value))
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return repr(CONSTANTS[node.id])
        return f"datum.{node.id}" if node.id in columns else node.id
    if isinstance(node, ast.UnaryOp):
        return f"(-{_vega(node.operand, columns)})"
    if isinstance(node, ast.BinOp):
        left, right = _vega(node.left, columns), _vega(node.right, columns)
        if isinstance(node.op, ast.Pow):
            return f"pow({left}, {right})"
        return f"({left} {_BINARY[type(node.op)]} {right})"
    if isinstance(node, ast.Compare):
        return f"({_vega(node.left, columns)} {_COMPARE[type(node.ops[0])]} {_vega(node.comparators[0], columns)})"
    name = "if" if node.func.id == "where" else node.func.id
    return f"{name}({', '.join(_vega(arg, columns) for arg in node.args)})"


def vega_expression(expression: str, columns: set[str]) -> str:
    """An expression of the chain's language as Vega text (``columns``: the names that are fields of a row)."""
    return _vega(_parse(expression), columns)


def vega_lite_transforms(
    steps: Sequence[Step], columns: Sequence[str] = ("year",), groupby: Sequence[str] = ()
) -> list[dict]:
    """The steps as Vega-Lite transforms over rows that hold ``columns`` (one row per year), sorted by ``year``.

    ``groupby`` names the columns that tell paths apart when the rows hold several (a Monte Carlo draw per path):
    running and total steps then run within each path. A parameter named in ``columns`` is read from the row."""
    known = set(columns)
    grouped = {"groupby": list(groupby)} if groupby else {}
    transforms: list[dict] = []
    for step in steps:
        if isinstance(step, Calculate):
            transforms.append({"calculate": vega_expression(step.expression, known), "as": step.column})
        elif step.op not in _OPS:
            raise ChainDefinitionError(f"{step.column}: op must be one of {_OPS}; got {step.op!r}")
        elif isinstance(step, Running):
            transforms.append(
                {
                    "window": [{"op": step.op, "field": step.field, "as": step.column}],
                    "sort": [{"field": "year", "order": "ascending"}],
                    "frame": [None, 0],
                    **grouped,
                }
            )
        else:
            transforms.append({"joinaggregate": [{"op": step.op, "field": step.field, "as": step.column}], **grouped})
        known.add(step.column)
    return transforms
