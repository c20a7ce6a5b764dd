"""The contract of data/raw: the real tables pass; each broken rule is reported as file, row, field, problem."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from compute_ledger import paths, schema


def test_real_raw_data_passes():
    ledger = schema.validate()
    assert len(ledger.figures) > 0 and len(ledger.sources) > 0
    assert ledger.figures["figure_id"].is_unique
    assert set(ledger.figures["source_id"]) <= set(ledger.sources["source_id"])


def _copy_raw(tmp_path: Path) -> tuple[Path, Path]:
    sources, figures = tmp_path / "sources.csv", tmp_path / "figures.csv"
    shutil.copy(paths.SOURCES_CSV, sources)
    shutil.copy(paths.FIGURES_CSV, figures)
    return sources, figures


def _write_figures(figures: Path, rows: list[dict[str, str]]) -> None:
    with figures.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, schema.FIGURE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _edit_first_figure(figures: Path, **changes: str) -> str:
    rows = list(csv.DictReader(figures.open(encoding="utf-8")))
    rows[0].update(changes)
    _write_figures(figures, rows)
    return rows[0]["figure_id"]


def _problems(sources: Path, figures: Path) -> list[str]:
    with pytest.raises(schema.RawDataError) as caught:
        schema.validate(sources, figures)
    return caught.value.problems


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"metric": "gpu_number"}, "metric", "is not one of"),
        ({"unit": "GW"}, "unit", "is not one of"),
        ({"status": "rumour"}, "status", "is not one of"),
        ({"confidence": "certain"}, "confidence", "is not one of"),
        ({"value": "about 700"}, "value", "is not a number"),
        ({"value": ""}, "value", "is not a number"),
        ({"low": "x"}, "low", "is not a number"),
        ({"ref_date": "2024-13"}, "ref_date", "is not a date"),
        ({"ref_date": "March 2024"}, "ref_date", "is not a date"),
        ({"source_id": "no-such-source"}, "source_id", "is not a source_id of sources.csv"),
        ({"quote": " "}, "quote", "is empty"),
        ({"figure_id": "Not A Slug"}, "figure_id", "is not a slug"),
        ({"value": "10", "low": "20", "high": "30"}, "low/value/high", "low <= value <= high"),
        ({"value": "50", "low": "", "high": "40"}, "low/value/high", "low <= value <= high"),
        ({"value": "-5", "low": "", "high": ""}, "value/low/high", "must be >= 0"),
        ({"quantity_id": "", "preferred": "true"}, "preferred", "needs a quantity_id"),
        ({"price_year": "24"}, "price_year", "is not a year"),
    ],
)
def test_each_broken_figure_rule_is_named(tmp_path, changes, field, message):
    sources, figures = _copy_raw(tmp_path)
    figure_id = _edit_first_figure(figures, **changes)
    problems = _problems(sources, figures)
    matching = [p for p in problems if f"field '{field}'" in p and message in p]
    assert matching, problems
    assert matching[0].startswith(f"{figures}:2 [figure_id={changes.get('figure_id', figure_id)}]")


def test_duplicate_figure_id_names_both_rows(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    rows = list(csv.DictReader(figures.open(encoding="utf-8")))
    rows[1]["figure_id"] = rows[0]["figure_id"]
    _write_figures(figures, rows)
    problems = [p for p in _problems(sources, figures) if "is duplicated" in p]
    assert [p.split(" ")[0] for p in problems] == [f"{figures}:2", f"{figures}:3"]


def test_unused_source_and_bad_url_are_reported(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    with sources.open("a", encoding="utf-8") as handle:
        handle.write("orphan-source,T,P,,2024,,not a url,en,primary,terms,\n")
    problems = _problems(sources, figures)
    assert any("[source_id=orphan-source] field 'source_id'" in p and "not cited by any figure" in p for p in problems)
    assert any("[source_id=orphan-source] field 'url'" in p and "well-formed" in p for p in problems)


def test_a_second_preferred_row_in_a_group_is_reported(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    rows = list(csv.DictReader(figures.open(encoding="utf-8")))
    grouped = [r for r in rows if r["quantity_id"]]
    group = grouped[0]["quantity_id"]
    for row in rows:
        if row["quantity_id"] == group:
            row["preferred"] = "true"
    _write_figures(figures, rows)
    assert any("exactly one preferred=true" in p for p in _problems(sources, figures))


def test_a_disagreement_group_of_one_row_is_reported(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    rows = list(csv.DictReader(figures.open(encoding="utf-8")))
    lone = next(r for r in rows if not r["quantity_id"])
    lone["quantity_id"], lone["preferred"] = "a-group-of-one", "true"
    _write_figures(figures, rows)
    problems = _problems(sources, figures)
    assert any(f"[figure_id={lone['figure_id']}] field 'preferred'" in p and "two rows or more" in p for p in problems)


def test_row_with_missing_cells_is_named_by_line(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    with figures.open("a", encoding="utf-8") as handle:
        handle.write("broken-row,accelerators,accelerator_count\n")
    line = len(figures.read_text(encoding="utf-8").splitlines())
    problems = _problems(sources, figures)
    assert problems == [f"{figures}:{line}: has 3 cells, the header has {len(schema.FIGURE_COLUMNS)}"]


def test_missing_column_is_named(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    text = figures.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    index = header.index("confidence")
    rewritten = [",".join(c for i, c in enumerate(row) if i != index) for row in csv.reader(text)]
    figures.write_text("\n".join(rewritten) + "\n", encoding="utf-8")
    problems = _problems(sources, figures)
    assert any("header: missing column(s) confidence" in p for p in problems)


def test_missing_file_is_named(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    figures.unlink()
    assert _problems(sources, figures) == [f"{figures}: file is missing"]


def test_typed_figures_have_decimal_years_and_ranges():
    figures = schema.validate().figures
    dated = figures[figures["ref_date"] != ""]
    assert dated["decimal_year"].between(2000, 2100).all()
    assert figures.loc[figures["ref_date"] == "", "decimal_year"].isna().all()
    ranged = figures.dropna(subset=["low", "high"])
    assert ((ranged["low"] <= ranged["value"]) & (ranged["value"] <= ranged["high"])).all()
