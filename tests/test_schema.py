"""The contract of data/raw: the real tables pass; each broken rule is reported as file, row, field, problem."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from compute_ledger import paths, schema


def _raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_real_data_passes_and_every_row_is_kept_as_written():
    """data/raw validates, and the typed tables hold every row of the files once, with the quotes and values as
    written (read here with the csv module, not through the validator)."""
    ledger = schema.validate()
    for path, table, key in (
        (paths.SOURCES_CSV, ledger.sources, "source_id"),
        (paths.FIGURES_CSV, ledger.figures, "figure_id"),
        (paths.CHIPS_CSV, ledger.chips, "chip_id"),
        (paths.SYSTEMS_CSV, ledger.systems, "system_id"),
    ):
        assert sorted(table[key]) == sorted(row[key] for row in _raw_rows(path)), path.name
    typed = ledger.figures.set_index("figure_id")
    for row in _raw_rows(paths.FIGURES_CSV):
        assert typed.at[row["figure_id"], "quote"] == row["quote"]
        assert typed.at[row["figure_id"], "value"] == pytest.approx(float(row["value"]))


def _copy_raw(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the four tables of data/raw in ``tmp_path``; returns the paths of sources.csv and figures.csv."""
    for table in (paths.SOURCES_CSV, paths.FIGURES_CSV, paths.CHIPS_CSV, paths.SYSTEMS_CSV):
        shutil.copy(table, tmp_path / table.name)
    return tmp_path / "sources.csv", tmp_path / "figures.csv"


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
        handle.write("orphan-source,T,P,,2024,,not a url,,2026-12-05,en,primary,terms,\n")
    problems = _problems(sources, figures)
    assert any(
        "[source_id=orphan-source] field 'source_id'" in p and "is not cited by any figure" in p for p in problems
    )
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
    rows = list(csv.reader(figures.open(encoding="utf-8", newline="")))
    index = rows[0].index("confidence")
    with figures.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([c for i, c in enumerate(r) if i != index] for r in rows)
    problems = _problems(sources, figures)
    assert any("header: missing column(s) confidence" in p for p in problems)


def test_missing_file_is_named(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    figures.unlink()
    assert _problems(sources, figures) == [f"{figures}: file is missing"]


def _period(text: str) -> tuple[float, float]:
    """The decimal years at which the year, month or day a partial date names starts and ends."""
    year = int(text[:4])
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    length = (end - start).days
    first = dt.date(year, int(text[5:7]), int(text[8:10]) if len(text) == 10 else 1) if len(text) > 4 else start
    if len(text) == 4:
        last = end
    elif len(text) == 7:
        last = dt.date(year + first.month // 12, first.month % 12 + 1, 1)
    else:
        last = first + dt.timedelta(days=1)
    return year + (first - start).days / length, year + (last - start).days / length


def test_each_dated_figure_sits_inside_the_period_its_date_names():
    figures = schema.validate().figures
    dated = figures[figures["ref_date"] != ""]
    assert len(dated) > 100 and {len(d) for d in dated["ref_date"]} == {4, 7, 10}
    outside = [
        (row.figure_id, row.ref_date, row.decimal_year)
        for row in dated.itertuples()
        if not _period(row.ref_date)[0] < row.decimal_year < _period(row.ref_date)[1]
    ]
    assert not outside
    assert figures.loc[figures["ref_date"] == "", "decimal_year"].isna().all()


def _edit_first_source(sources: Path, **changes: str) -> str:
    rows = list(csv.DictReader(sources.open(encoding="utf-8")))
    rows[0].update(changes)
    with sources.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, schema.SOURCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows[0]["source_id"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"tier": "kind-of-primary"}, "tier", "is not one of: primary, record, secondary, weak"),
        ({"accessed": ""}, "accessed", "is not a date YYYY-MM-DD"),
        ({"accessed": "2026"}, "accessed", "is not a date YYYY-MM-DD"),
        ({"read_at": "a copy somewhere"}, "read_at", "is not a well-formed http(s) URL"),
        ({"date_published": "1999-12-31"}, "date_published", "between 2000 and 2060"),
    ],
)
def test_each_broken_source_rule_is_named(tmp_path, changes, field, message):
    sources, figures = _copy_raw(tmp_path)
    source_id = _edit_first_source(sources, **changes)
    problems = _problems(sources, figures)
    assert any(p.startswith(f"{sources}:2 [source_id={source_id}] field '{field}'") and message in p for p in problems)


def _first(rows: list[dict[str, str]], **where: str) -> dict[str, str]:
    return next(r for r in rows if all(r[k] == v for k, v in where.items()))


@pytest.mark.parametrize(
    ("where", "changes", "field", "message"),
    [
        ({"metric": "accelerator_count"}, {"unit": "MW"}, "metric/unit", "the unit does not fit the metric"),
        ({"metric": "data_centre_power"}, {"unit": "accelerators"}, "metric/unit", "does not fit the metric"),
        ({"metric": "accelerator_count"}, {"chip": ""}, "metric/chip", "names its chip"),
        ({"metric": "accelerator_count"}, {"chip": "no-such-chip"}, "metric/chip", "names its chip"),
        ({"metric": "accelerator_count"}, {"chip": "gb200|no-such-chip"}, "metric/chip", "names its chip"),
        ({"metric": "accelerator_count"}, {"chip": "gb200|gb200"}, "metric/chip", "names its chip"),
        ({"metric": "accelerator_count"}, {"chip": "gb200|mixed"}, "metric/chip", "names its chip"),
        ({"metric": "data_centre_power"}, {"power_measure": ""}, "metric/power_measure", "says what it measures"),
        ({"metric": "capital_expenditure"}, {"power_measure": "it"}, "metric/power_measure", "leave it empty"),
        ({"metric": "data_centre_power"}, {"power_measure": "nameplate"}, "power_measure", "is not one of"),
        ({"metric": "data_centre_power"}, {"scope": "campus"}, "scope", "is not one of"),
        ({"metric": "accelerator_count"}, {"system_id": "nowhere"}, "system_id", "is not a system_id"),
        ({"metric": "accelerator_count"}, {"ref_date": "3025"}, "ref_date", "between 2000 and 2060"),
        ({"metric": "accelerator_count"}, {"value": "1_000"}, "value", "is not a number"),
        ({"metric": "accelerator_count"}, {"value": "१०००"}, "value", "is not a number"),
        ({"metric": "accelerator_count"}, {"value": "nan"}, "value", "is not a number"),
        ({"metric": "accelerator_count"}, {"ref_date_basis": "now"}, "ref_date_basis", "is not one of"),
        (
            {"metric": "accelerator_count"},
            {"ref_date_basis": "publication"},
            "ref_date_basis/ref_date/source_id",
            "needs an empty ref_date",
        ),
    ],
)
def test_each_broken_cross_field_rule_is_named(tmp_path, where, changes, field, message):
    sources, figures = _copy_raw(tmp_path)
    rows = list(csv.DictReader(figures.open(encoding="utf-8")))
    row = _first(rows, ref_date_basis="", **where)
    if "ref_date_basis" in changes:
        row["ref_date"] = row["ref_date"] or "2024"
    row.update(changes)
    _write_figures(figures, rows)
    line = rows.index(row) + 2
    problems = _problems(sources, figures)
    expected = f"{figures}:{line} [figure_id={row['figure_id']}] field '{field}'"
    assert any(p.startswith(expected) and message in p for p in problems), problems


def test_a_figure_stated_as_current_takes_its_sources_publication_date(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    source_rows = list(csv.DictReader(sources.open(encoding="utf-8")))
    dated = {r["source_id"]: r["date_published"] for r in source_rows if len(r["date_published"]) == 10}
    rows = list(csv.DictReader(figures.open(encoding="utf-8")))
    row = next(r for r in rows if r["source_id"] in dated and r["ref_date_basis"] == "")
    row["ref_date"], row["ref_date_basis"] = "", "publication"
    _write_figures(figures, rows)
    typed = schema.validate(sources, figures).figures.set_index("figure_id")
    assert typed.at[row["figure_id"], "ref_date"] == dated[row["source_id"]]
    assert bool(typed.at[row["figure_id"], "ref_date_inherited"]) is True
    assert typed["ref_date_inherited"].sum() == 1 + sum(r["ref_date_basis"] == "publication" for r in rows) - 1


def test_a_figure_dated_by_an_undated_source_is_refused(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    source_rows = list(csv.DictReader(sources.open(encoding="utf-8")))
    undated = {r["source_id"] for r in source_rows if not r["date_published"]}
    rows = list(csv.DictReader(figures.open(encoding="utf-8")))
    row = next(r for r in rows if r["source_id"] in undated)
    row["ref_date"], row["ref_date_basis"] = "", "publication"
    _write_figures(figures, rows)
    assert any("a source with a date_published" in p for p in _problems(sources, figures))


def test_a_byte_order_mark_is_accepted(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    plain = schema.validate(sources, figures)
    for path in (sources, figures):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with_bom = schema.validate(sources, figures)
    assert with_bom.figures.equals(plain.figures) and with_bom.sources.equals(plain.sources)


def test_the_chip_table_needs_its_reference_chip(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    chips = tmp_path / "chips.csv"
    lines = chips.read_text(encoding="utf-8").splitlines()
    chips.write_text("\n".join(line for line in lines if not line.startswith("h100,")) + "\n", encoding="utf-8")
    problems = _problems(sources, figures)
    assert f"{chips}: needs an 'h100' row, the reference of H100-equivalents" in problems


def test_a_reported_figure_dated_after_its_source_is_refused(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    published = {r["source_id"]: r["date_published"] for r in csv.DictReader(sources.open(encoding="utf-8"))}
    rows = list(csv.DictReader(figures.open(encoding="utf-8")))
    row = next(r for r in rows if r["status"] == "reported" and len(published[r["source_id"]]) == 10)
    row["ref_date"], row["ref_date_basis"] = str(int(published[row["source_id"]][:4]) + 1), ""
    _write_figures(figures, rows)
    expected = f"{figures}:{rows.index(row) + 2} [figure_id={row['figure_id']}] field 'ref_date/status'"
    problems = _problems(sources, figures)
    assert any(p.startswith(expected) and "dated after its source" in p for p in problems), problems
    row["status"] = "announced plan"
    _write_figures(figures, rows)
    schema.validate(sources, figures)


def _a_system_timeline(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The reported accelerator counts of the first system with at least two dated ones, oldest first."""
    by_system: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        if r["metric"] == "accelerator_count" and r["status"] == "reported" and r["system_id"] and r["ref_date"]:
            by_system.setdefault(r["system_id"], []).append(r)
    timeline = next(t for _, t in sorted(by_system.items()) if len({r["ref_date"] for r in t}) >= 2)
    return sorted(timeline, key=lambda r: (r["ref_date"], r["figure_id"]))


def test_a_system_that_shrinks_without_a_note_is_named(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    rows = list(csv.DictReader(figures.open(encoding="utf-8")))
    timeline = _a_system_timeline(rows)
    first, later = timeline[0], next(r for r in timeline if r["ref_date"] > timeline[0]["ref_date"])
    first["value"] = str(10 * max(float(r["value"]) for r in timeline))
    first["low"] = first["high"] = ""
    _write_figures(figures, rows)
    expected = f"{figures}:{rows.index(later) + 2} [figure_id={later['figure_id']}] field 'note'"
    problems = _problems(sources, figures)
    assert any(p.startswith(expected) and f"falls from {first['figure_id']}" in p for p in problems), problems
    for r in timeline[1:]:
        r["note"] = f"{r['note']} Smaller than {first['figure_id']}: another count.".strip()
    _write_figures(figures, rows)
    schema.validate(sources, figures)


def test_a_figure_on_a_weak_source_must_be_low_confidence(tmp_path):
    sources, figures = _copy_raw(tmp_path)
    tier = {r["source_id"]: r["tier"] for r in csv.DictReader(sources.open(encoding="utf-8"))}
    rows = list(csv.DictReader(figures.open(encoding="utf-8")))
    row = next(r for r in rows if tier[r["source_id"]] == "weak")
    row["confidence"] = "medium"
    _write_figures(figures, rows)
    expected = f"{figures}:{rows.index(row) + 2} [figure_id={row['figure_id']}] field 'confidence'"
    assert any(p.startswith(expected) and "is weak" in p for p in _problems(sources, figures))
