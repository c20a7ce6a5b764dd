"""What changed between two editions: pure functions on their frozen catalogues (key numbers and figures tables).

* :func:`ledger_changes`: every figure added, removed or changed, and how: ``corrected`` (its value, range, unit,
  date or status changed), ``re-sourced`` (its source changed), ``edited`` (only other fields changed, e.g. the quote
  or a note). Fields are compared where both editions have them: a column one edition lacks is no change.
* :func:`ledger_summary`: those changes counted by category.
* :func:`key_number_changes`: every key number both editions publish whose value or unit moved, with the old and new
  values, the change, and why, derived from the diff: which of its input rows were added, corrected, re-sourced or
  dropped, which of its parameters changed, whether its method changed.
* :func:`key_numbers_added_removed`: the key numbers only one edition publishes.
"""

from __future__ import annotations

import ast
import math

import pandas as pd

CORRECTED = "corrected"
RESOURCED = "re-sourced"
EDITED = "edited"
ADDED = "added"
REMOVED = "removed"
CHANGE_ORDER = (ADDED, REMOVED, CORRECTED, RESOURCED, EDITED)
# Fields whose change makes a different number: a correction. The source is its own kind of change.
VALUE_FIELDS = ("value", "low", "high", "unit", "ref_date", "status", "chip", "power_measure", "scope")
NUMERIC_FIELDS = ("value", "low", "high")
SOURCE_FIELD = "source_id"
# Columns the pipeline derives from others (typed dates, joins, ranks): a change in them is a change elsewhere.
DERIVED = {"decimal_year", "ref_year", "date_precision", "ref_date_inherited", "rank_in_year"}
RELATIVE_TOLERANCE = 1e-9


def number(text: object) -> float | None:
    """A catalogue or ledger cell as a number, None when it is empty or not one."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _same(field: str, old: object, new: object) -> bool:
    if field in NUMERIC_FIELDS:
        a, b = number(old), number(new)
        if a is None or b is None:
            return a is None and b is None
        return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)
    return str(old).strip() == str(new).strip()


def ledger_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One row per figure added, removed or changed between the figures tables ``old`` and ``new`` (cells as
    text): ``figure_id``, ``category``, ``change`` (added, removed, corrected, re-sourced, edited) and ``fields``
    (the fields that changed, space-separated; a correction lists the value fields first)."""
    shared = [c for c in old.columns if c in set(new.columns) and c != "figure_id" and c not in DERIVED]
    old_rows = old.set_index("figure_id")
    new_rows = new.set_index("figure_id")
    rows = []
    for figure_id in sorted(set(new_rows.index) - set(old_rows.index)):
        rows.append((figure_id, new_rows.at[figure_id, "category"], ADDED, ""))
    for figure_id in sorted(set(old_rows.index) - set(new_rows.index)):
        rows.append((figure_id, old_rows.at[figure_id, "category"], REMOVED, ""))
    for figure_id in sorted(set(old_rows.index) & set(new_rows.index)):
        before, after = old_rows.loc[figure_id], new_rows.loc[figure_id]
        fields = [f for f in shared if not _same(f, before[f], after[f])]
        if not fields:
            continue
        if any(f in VALUE_FIELDS for f in fields):
            change = CORRECTED
        elif SOURCE_FIELD in fields:
            change = RESOURCED
        else:
            change = EDITED
        ordered = [f for f in VALUE_FIELDS if f in fields] + [f for f in fields if f not in VALUE_FIELDS]
        rows.append((figure_id, after["category"], change, " ".join(ordered)))
    frame = pd.DataFrame(rows, columns=["figure_id", "category", "change", "fields"])
    return frame.sort_values(["category", "change", "figure_id"], kind="stable").reset_index(drop=True)


def ledger_summary(changes: pd.DataFrame, old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Per category: figures in each edition and how many were added, removed, corrected, re-sourced, edited; and a
    last row for all categories."""
    categories = sorted(set(old["category"]) | set(new["category"]))
    rows = []
    for category in [*categories, "all"]:
        mine = changes if category == "all" else changes[changes["category"] == category]
        row = {
            "category": category,
            "before": int(len(old) if category == "all" else (old["category"] == category).sum()),
            "after": int(len(new) if category == "all" else (new["category"] == category).sum()),
        }
        row |= {change: int((mine["change"] == change).sum()) for change in CHANGE_ORDER}
        rows.append(row)
    return pd.DataFrame(rows)


def _list(cell: object) -> list[str]:
    """A catalogue cell holding a list (JSON gave it as a list, or as its Python text)."""
    if isinstance(cell, list):
        return [str(item) for item in cell]
    if cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() in ("", "[]"):
        return []
    text = str(cell)
    if text.startswith("["):
        return [str(item) for item in ast.literal_eval(text)]
    return text.split()


def _mapping(cell: object) -> dict:
    if isinstance(cell, dict):
        return cell
    if cell is None or str(cell).strip() in ("", "{}"):
        return {}
    return dict(ast.literal_eval(str(cell)))


def why_moved(old: pd.Series, new: pd.Series, changes: pd.DataFrame) -> list[tuple[str, tuple[str, ...]]]:
    """The reasons a key number moved, derived from the two catalogue rows and the ledger's changes: a list of
    (reason, the figure ids it concerns, sorted; empty for a parameter or the method). None found: its inputs,
    parameters and method are the same, and the reason says so."""
    by_change = {change: set(changes.loc[changes["change"] == change, "figure_id"]) for change in CHANGE_ORDER}
    before, after = set(_list(old.get("inputs"))), set(_list(new.get("inputs")))
    reasons: list[tuple[str, tuple[str, ...]]] = []
    for change in (ADDED, CORRECTED, RESOURCED):
        rows = after & by_change[change]
        if rows:
            reasons.append((f"input rows {change}", tuple(sorted(rows))))
    joined = (after - before) - by_change[ADDED]
    if joined:
        reasons.append(("rows of the earlier edition now among its inputs", tuple(sorted(joined))))
    dropped = before - after
    removed = dropped & by_change[REMOVED]
    if removed:
        reasons.append(("input rows removed from the ledger", tuple(sorted(removed))))
    if dropped - removed:
        reasons.append(("rows no longer among its inputs", tuple(sorted(dropped - removed))))
    old_parameters, new_parameters = _mapping(old.get("parameters")), _mapping(new.get("parameters"))
    for name in sorted(set(old_parameters) | set(new_parameters)):
        if old_parameters.get(name) != new_parameters.get(name):
            was, now = old_parameters.get(name, "not used"), new_parameters.get(name, "not used")
            reasons.append((f"parameter {name}: {was} → {now}", ()))
    if str(old.get("method", "")).strip() != str(new.get("method", "")).strip():
        reasons.append((f"method changed, now: {new.get('method', '')}", ()))
    if not reasons:
        reasons.append(("no input row, parameter or method of its own changed: the rows it is computed with moved", ()))
    return reasons


def key_number_changes(old: pd.DataFrame, new: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Every key number both catalogues hold whose value or unit moved: ``id``, ``description`` (the newer),
    ``unit``, ``old``, ``new``, ``change`` (new − old, NaN when the unit changed or a value is not a number),
    ``ratio`` (new / old) and ``why`` (a list of phrases, :func:`why_moved`)."""
    old_rows = old.set_index("id")
    new_rows = new.set_index("id")
    rows = []
    for key in [k for k in new_rows.index if k in old_rows.index]:
        before, after = old_rows.loc[key], new_rows.loc[key]
        a, b = number(before["value"]), number(after["value"])
        same_unit = str(before["unit"]) == str(after["unit"])
        if same_unit and a is not None and b is not None and math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE):
            continue
        if same_unit and a is None and b is None and str(before["value"]) == str(after["value"]):
            continue
        numeric = same_unit and a is not None and b is not None
        rows.append(
            {
                "id": key,
                "description": after["description"],
                "unit": after["unit"] if same_unit else f"{before['unit']} → {after['unit']}",
                "old": before["value"],
                "new": after["value"],
                "change": b - a if numeric else math.nan,
                "ratio": b / a if numeric and a != 0 else math.nan,
                "why": why_moved(before, after, changes),
            }
        )
    return pd.DataFrame(rows, columns=["id", "description", "unit", "old", "new", "change", "ratio", "why"])


def key_numbers_added_removed(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The key numbers only the newer edition publishes, and those only the older one did (id, description)."""
    added = new.loc[~new["id"].isin(set(old["id"])), ["id", "description"]]
    removed = old.loc[~old["id"].isin(set(new["id"])), ["id", "description"]]
    return added.reset_index(drop=True), removed.reset_index(drop=True)
