"""The key-numbers catalogue: every headline number of the prose, with how it was computed and from what.

A chapter records each headline number with ``KeyNumbers.add``: the number is glued for the prose (so the text
cannot drift from it) and written to the chapter's JSON file. After the notebooks ran, ``write_catalogue`` merges
the chapters' files into ``data/processed/key_numbers.csv`` and ``.json`` with the edition, so an article can cite
one number by its id (``growth.cluster_multiple``) and find its page anchor (``kn-growth-cluster_multiple``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import pandas as pd

from compute_ledger import params

COLUMNS = (
    "id",
    "chapter",
    "value",
    "unit",
    "description",
    "method",
    "inputs",
    "checked",
    "parameter_set",
    "parameters",
    "edition",
    "edition_date",
)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def parameter_set_id(parameters: params.Parameters, used: list[str] | None = None) -> str:
    """'defaults', or 'custom-' and a short hash of the changed values of the parameters ``used`` (all if None).

    Only the parameters a number depends on count, so a number from a chapter that a parameter change did not
    re-run keeps its id.
    """
    changed = {name: new for name, (_, new) in params.differences(parameters).items() if used is None or name in used}
    if not changed:
        return "defaults"
    digest = hashlib.sha256(json.dumps(changed, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"custom-{digest}"


def anchor(number_id: str) -> str:
    """The HTML anchor of a key number on the Key numbers page."""
    return "kn-" + number_id.replace(".", "-").replace("_", "-")


class KeyNumbers:
    """The headline numbers of one chapter, glued for its prose and written to its catalogue file."""

    def __init__(self, chapter: str, path: Path, parameters: params.Parameters, used: list[str]):
        self.chapter = chapter
        self.path = Path(path)
        self.parameters = {name: getattr(parameters, name) for name in used if name in params.Parameters.model_fields}
        self.parameter_set = parameter_set_id(parameters, list(self.parameters))
        self.entries: dict[str, dict] = {}

    def add(
        self, name: str, value: float | int, *, unit: str, description: str, method: str, inputs=(), checked=()
    ) -> float | int:
        """Glue ``name`` for the prose and record it; returns the value.

        ``inputs``: the figures whose values the number is computed from (never a row on a weak source, see
        ``weak_inputs``). ``checked``: the figures the number tests or counts without resting on them (a seed's
        claim it checks, the rows of a disagreement it counts)."""
        from compute_ledger import report

        if not _NAME.match(name):
            raise ValueError(f"key number name {name!r}: use lower-case letters, digits and underscores")
        plain = value.item() if hasattr(value, "item") else value
        if not isinstance(plain, int | float) or isinstance(plain, bool) or not math.isfinite(plain):
            raise ValueError(f"key number {self.chapter}.{name}: {value!r} is not a finite number")
        report.glue(name, plain)
        self.entries[name] = {
            "id": f"{self.chapter}.{name}",
            "chapter": self.chapter,
            "value": plain,
            "unit": unit,
            "description": description,
            "method": method,
            "inputs": list(inputs),
            "checked": list(checked),
            "parameter_set": self.parameter_set,
            "parameters": self.parameters,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(list(self.entries.values()), indent=1, sort_keys=True) + "\n", "utf-8")
        return plain


def read_catalogue(folder: Path, edition: str, edition_date: str) -> pd.DataFrame:
    """Every chapter's key numbers, sorted by id, with the edition."""
    entries = []
    for path in sorted(folder.glob("*.json")):
        entries += json.loads(path.read_text(encoding="utf-8"))
    frame = pd.DataFrame(entries, columns=[c for c in COLUMNS if c not in ("edition", "edition_date")], dtype=object)
    frame["checked"] = frame["checked"].map(lambda ids: ids if isinstance(ids, list) else [])
    frame["edition"] = edition
    frame["edition_date"] = edition_date
    return frame.sort_values("id", kind="stable").reset_index(drop=True)[list(COLUMNS)]


def write_catalogue(folder: Path, csv_path: Path, json_path: Path, edition: str, edition_date: str) -> pd.DataFrame:
    """``key_numbers.csv`` (inputs and parameters as JSON text) and ``key_numbers.json`` (nested)."""
    frame = read_catalogue(folder, edition, edition_date)
    records = frame.to_dict(orient="records")
    json_path.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    flat = frame.assign(
        inputs=frame["inputs"].map(lambda ids: " ".join(ids)),
        checked=frame["checked"].map(lambda ids: " ".join(ids) if isinstance(ids, list) else ""),
        parameters=frame["parameters"].map(lambda p: json.dumps(p, sort_keys=True)),
    )
    flat.to_csv(csv_path, index=False, lineterminator="\n")
    return frame


def weak_inputs(catalogue: pd.DataFrame, tiers: dict[str, str]) -> list[str]:
    """One line per key number that rests on a figure of a weak source (or on a figure the ledger lacks)."""
    problems = []
    for row in catalogue.itertuples():
        for figure_id in row.inputs:
            tier = tiers.get(figure_id)
            if tier is None:
                problems.append(f"key number {row.id}: input {figure_id} is not a figure of data/raw/figures.csv")
            elif tier == "weak":
                problems.append(
                    f"key number {row.id} rests on figure {figure_id}, whose source is weak: re-source the figure "
                    "or compute the number without it"
                )
    return problems
