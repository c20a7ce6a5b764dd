"""The scorecard of projections: the rules of data/raw/scorecard.csv (each broken rule named by file, row and field),
and the grades of the real pairs checked against an independent computation from the raw CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from compute_ledger import paths, queries, schema, scorecard

TABLES = (paths.SOURCES_CSV, paths.FIGURES_CSV, paths.CHIPS_CSV, paths.SYSTEMS_CSV, paths.SCORECARD_CSV)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _copy_raw(tmp_path: Path) -> Path:
    for table in TABLES:
        shutil.copy(table, tmp_path / table.name)
    return tmp_path


def _problems(folder: Path) -> list[str]:
    with pytest.raises(schema.RawDataError) as caught:
        schema.validate(folder / "sources.csv", folder / "figures.csv")
    return caught.value.problems


def _edit_pair(folder: Path, which: str, **changes: str) -> int:
    """Change the pair ``which`` of the copy; returns its line in the file (header = line 1)."""
    rows = _rows(folder / "scorecard.csv")
    index = next(i for i, row in enumerate(rows) if row["pair_id"] == which)
    rows[index].update(changes)
    _write(folder / "scorecard.csv", schema.SCORECARD_COLUMNS, rows)
    return index + 2


# --- the rules of a pair ------------------------------------------------------------------------------------------


def test_the_real_pairs_pass_and_every_row_is_kept():
    ledger = schema.validate()
    assert sorted(ledger.scorecard["pair_id"]) == sorted(row["pair_id"] for row in _rows(paths.SCORECARD_CSV))
    assert len(ledger.scorecard) >= 6  # issue 17: at least six graded projections


PAIR = "lbnl-2016-us-2020-vs-2023"  # both sides dated: the projection by its source, the outturn by the pair


@pytest.mark.parametrize(
    ("pair_id", "changes", "field", "message"),
    [
        (PAIR, {"projection_figure_id": "no-such-figure"}, "projection_figure_id", "is not a figure_id"),
        (PAIR, {"outturn_figure_id": "no-such-figure"}, "outturn_figure_id", "is not a figure_id"),
        # an estimate in the projection's place
        (PAIR, {"projection_figure_id": "pow-lbnl-us-dc-electricity-2018"}, "projection_figure_id", "has status"),
        # a projection (same metric and unit) in the outturn's place
        (
            PAIR,
            {"outturn_figure_id": "trend-lbnl-2024-us-dc-electricity-2028-projection"},
            "outturn_figure_id",
            "an outturn is observed",
        ),
        # the outturn's source shows no date, so the pair must give it
        (PAIR, {"outturn_made": ""}, "outturn_made", "shows no date"),
        # the projection's source shows its date: the pair may not give another
        (PAIR, {"projection_made": "2016-06"}, "projection_made", "shows its date"),
        # an outturn dated no later than the projection
        (PAIR, {"outturn_made": "2016"}, "outturn_figure_id", "not after the projection"),
        # a share of electricity (ratio) against a projection in TWh
        (PAIR, {"outturn_figure_id": "pow-lbnl-us-dc-share-2023"}, "outturn_figure_id", "one metric in one unit"),
        (PAIR, {"pair_id": "Not A Slug"}, "pair_id", "is not a slug"),
        (PAIR, {"quantity": " "}, "quantity", "is empty"),
        (PAIR, {"outturn_made": "late 2024"}, "outturn_made", "is not a date"),
    ],
)
def test_each_broken_pair_rule_is_named(tmp_path, pair_id, changes, field, message):
    folder = _copy_raw(tmp_path)
    line = _edit_pair(folder, pair_id, **changes)
    problems = _problems(folder)
    matching = [p for p in problems if f"field '{field}'" in p and message in p]
    assert matching, problems
    assert matching[0].startswith(f"{folder / 'scorecard.csv'}:{line} [pair_id={changes.get('pair_id', pair_id)}]")


def test_a_pair_on_a_weak_source_is_refused(tmp_path):
    """Weak rows never feed a key number: a pair whose outturn rests on a weak source is named, whatever else."""
    folder = _copy_raw(tmp_path)
    sources = _rows(folder / "sources.csv")
    for row in sources:
        if row["source_id"] == "mercom-2024-12-30-lbnl-data-centers":
            row["tier"] = "weak"
    _write(folder / "sources.csv", schema.SOURCE_COLUMNS, sources)
    problems = _problems(folder)
    assert any(
        "[pair_id=lbnl-2016-us-2020-vs-2018] field 'outturn_figure_id'" in p and "weak source" in p for p in problems
    ), problems


def test_a_duplicate_pair_id_is_named(tmp_path):
    folder = _copy_raw(tmp_path)
    rows = _rows(folder / "scorecard.csv")
    rows[1]["pair_id"] = rows[0]["pair_id"]
    _write(folder / "scorecard.csv", schema.SCORECARD_COLUMNS, rows)
    assert any(f"[pair_id={rows[0]['pair_id']}]" in p and "is duplicated" in p for p in _problems(folder))


def test_accelerators_against_h100e_are_comparable_and_other_units_are_not():
    count = {"metric": "accelerator_count", "unit": "accelerators"}
    h100e = {"metric": "compute_capacity", "unit": "H100e"}
    assert schema._comparable(h100e, count) and schema._comparable(count, h100e)
    assert not schema._comparable(
        {"metric": "electricity_use", "unit": "TWh"}, {"metric": "power_capacity", "unit": "MW"}
    )
    assert not schema._comparable({"metric": "electricity_use", "unit": "ratio"}, {"metric": "pue", "unit": "ratio"})


def test_a_folder_without_a_scorecard_has_no_pairs(tmp_path):
    folder = _copy_raw(tmp_path)
    (folder / "scorecard.csv").unlink()
    assert schema.validate(folder / "sources.csv", folder / "figures.csv").scorecard.empty


# --- the grades, against an independent computation ---------------------------------------------------------------


def _mid_year(text: str) -> float:
    """The middle of a partial date's period as a decimal year, computed here from calendar days."""
    year = int(text[:4])
    length = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    if len(text) == 4:
        return year + 0.5
    if len(text) == 7:
        month = int(text[5:7])
        first = dt.date(year, month, 1)
        last = dt.date(year + month // 12, month % 12 + 1, 1)
        return year + ((first - dt.date(year, 1, 1)).days + (last - first).days / 2) / length
    return year + ((dt.date.fromisoformat(text) - dt.date(year, 1, 1)).days + 0.5) / length


@pytest.fixture(scope="module")
def graded(ledger_connection) -> pd.DataFrame:
    return scorecard.grade(queries.scorecard_pairs(ledger_connection)).set_index("pair_id")


def test_every_pair_is_graded_as_the_raw_files_give_it(graded):
    """Ratio, percent error, lead time and offset of every real pair, from figures.csv, sources.csv and scorecard.csv
    read with the csv module."""
    figures = {row["figure_id"]: row for row in _rows(paths.FIGURES_CSV)}
    published = {row["source_id"]: row["date_published"] for row in _rows(paths.SOURCES_CSV)}
    pairs = _rows(paths.SCORECARD_CSV)
    assert sorted(graded.index) == sorted(pair["pair_id"] for pair in pairs)
    for pair in pairs:
        projection, outturn = figures[pair["projection_figure_id"]], figures[pair["outturn_figure_id"]]
        assert projection["unit"] == outturn["unit"]  # the real pairs need no conversion
        projected, observed = float(projection["value"]), float(outturn["value"])
        made = published[projection["source_id"]] or pair["projection_made"]
        row = graded.loc[pair["pair_id"]]
        assert row["ratio"] == pytest.approx(observed / projected)
        assert row["percent_error"] == pytest.approx(100 * observed / projected - 100)
        assert row["lead_years"] == pytest.approx(_mid_year(projection["ref_date"]) - _mid_year(made))
        target, observed_for = projection["ref_date"], outturn["ref_date"]
        same_period = target.startswith(observed_for) or observed_for.startswith(target)
        offset = 0.0 if same_period else _mid_year(observed_for) - _mid_year(target)
        assert row["outturn_offset_years"] == pytest.approx(offset)


def test_known_answers_of_three_pairs(graded):
    lbnl = graded.loc["lbnl-2016-us-2020-vs-2023"]
    assert (lbnl["projected"], lbnl["observed"], lbnl["unit"]) == (73.0, 176.0, "TWh")
    assert lbnl["percent_error"] == pytest.approx(103 / 73 * 100)  # 176 − 73 = 103 above 73
    assert lbnl["outturn_offset_years"] == pytest.approx(3.0)
    assert pd.isna(lbnl["inside_range"])  # the 2016 report gave no range
    abilene = graded.loc["epoch-abilene-2026-07"]
    assert abilene["ratio"] == pytest.approx(0.5)  # 590 MW observed, 1,180 MW projected
    assert abilene["outturn_offset_years"] * 365 == pytest.approx(27, abs=0.1)  # 2026-07-01 to 2026-07-28
    iea = graded.loc["iea-2024-global-2026-vs-2024"]
    assert (iea["projected_low"], iea["projected_high"]) == (620.0, 1050.0)
    assert not iea["inside_range"]  # 415 TWh, below the 620 TWh low end


def test_the_sentences_are_built_from_the_numbers_and_the_names(graded):
    lbnl = graded.loc["lbnl-2016-us-2020-vs-2023"]["sentence"]
    assert lbnl == (
        "LBNL's 2016 report (2016-06) put US data-centre electricity use in 2020 at 73 TWh; LBNL's 2024 report "
        "estimated 176 TWh for 2023, 3 years after the target date: 141% higher than projected."
    )
    iea = graded.loc["iea-2024-global-2026-vs-2024"]["sentence"]
    assert "at 800 TWh (range 620 TWh to 1,050 TWh)" in iea and iea.endswith(
        "48% lower than projected, outside the range."
    )
    assert graded.loc["epoch-new-carlisle-2026-01"]["sentence"].endswith(
        "2 months after the target date: as projected."
    )


def _synthetic_pair(projection: dict[str, object], outturn: dict[str, object]) -> pd.Series:
    """A pair row as queries.scorecard_pairs gives it, from the two sides' value, range, unit and H100e."""
    row = {
        "pair_id": "synthetic",
        "projection_by": "A",
        "outturn_by": "B",
        "quantity": "the largest cluster",
        "comparison": "",
        "projection_made": "2024-06",
        "projection_figure_id": "p",
        "projection_ref_date": "2026",
        "outturn_figure_id": "o",
        "outturn_ref_date": "2026",
        "outturn_status": "estimate",
    }
    nan = float("nan")
    for side, values in (("projection", projection), ("outturn", outturn)):
        defaults = {"low": nan, "high": nan, "h100e": nan, "h100e_low": nan, "h100e_high": nan}
        row |= {f"{side}_{key}": value for key, value in (defaults | values).items()}
    return pd.Series(row)


H100E_SIDE = {"unit": "H100e", "value": 1_000_000.0, "h100e": 1_000_000.0}
H100E_SIDE |= {"h100e_low": 1_000_000.0, "h100e_high": 1_000_000.0}
# 200,000 chips of 2.5 H100e each, as units.equivalents gives them
COUNT_SIDE = {"unit": "accelerators", "value": 200_000.0, "h100e": 500_000.0}
COUNT_SIDE |= {"h100e_low": 500_000.0, "h100e_high": 500_000.0}


@pytest.mark.parametrize(
    ("projection", "outturn", "ratio"),
    [(H100E_SIDE, COUNT_SIDE, 0.5), (COUNT_SIDE, H100E_SIDE, 2.0)],
    ids=["h100e-projection", "count-projection"],
)
def test_a_count_is_graded_against_h100e_through_the_chip_table(projection, outturn, ratio):
    graded = scorecard.grade_pair(_synthetic_pair(projection, outturn))
    assert (graded["unit"], graded["ratio"]) == ("H100e", ratio)


@pytest.mark.parametrize(("observed", "inside"), [(50.0, True), (90.0, False), (10.0, False), (20.0, True)])
def test_inside_the_range_means_between_its_ends(observed, inside):
    projection = {"unit": "TWh", "value": 40.0, "low": 20.0, "high": 80.0}
    graded = scorecard.grade_pair(_synthetic_pair(projection, {"unit": "TWh", "value": observed}))
    assert graded["inside_range"] is inside


@pytest.mark.parametrize(
    ("years", "expected"),
    [
        (27 / 365.25, "27 days after"),
        (-10 / 365.25, "10 days before"),
        (0.2, "2 months after"),
        (3.0, "3 years after"),
        (-2.0, "2 years before"),
        (1 / 365.25, "1 day after"),
    ],
)
def test_offsets_are_said_in_days_months_or_years(years, expected):
    assert scorecard.offset_phrase(years) == expected


def test_summary_counts_over_and_under_estimates():
    frame = pd.DataFrame({"ratio": [0.5, 2.0, 1.0, 0.8], "percent_error": [-50.0, 100.0, 0.0, -20.0]})
    assert scorecard.summary(frame) == {
        "pairs": 4,
        "projected_too_high": 2,
        "projected_too_low": 1,
        "largest_overestimate_pct": 50.0,
        "largest_underestimate_pct": 100.0,
    }


# --- the published table ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_datapackage_publishes_the_pairs_with_keys_to_the_figures(built_project):
    processed = built_project / "data" / "processed"
    descriptor = json.loads((processed / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == "scorecard")
    assert resource["schema"]["primaryKey"] == ["pair_id"]
    keys = {(fk["fields"][0], fk["reference"]["resource"]) for fk in resource["schema"]["foreignKeys"]}
    assert keys == {("projection_figure_id", "figures"), ("outturn_figure_id", "figures")}
    published = pd.read_csv(processed / "tables" / "scorecard.csv", dtype=str, keep_default_na=False)
    assert list(published["pair_id"]) == sorted(row["pair_id"] for row in _rows(paths.SCORECARD_CSV))
