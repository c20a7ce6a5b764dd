"""The contract of ``data/raw``: vocabularies and pandera schemas for the source registry and the figures.

Files are read as text first, so that a malformed cell is reported as text (file, row, field, what is wrong)
instead of failing a type conversion; the typed tables are built only from rows that passed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from compute_ledger import inputs, metadata, paths
from compute_ledger.dates import PARTIAL_DATE_PATTERN, date_precision, decimal_year, is_partial_date
from compute_ledger.errors import InputFileError, RawDataError

# The years a figure may refer to: the ledger's first systems and the furthest published horizon.
DATE_WINDOW = (2000, 2060)
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$"

SOURCE_COLUMNS = metadata.RAW_TABLES["sources"].column_names
FIGURE_COLUMNS = metadata.RAW_TABLES["figures"].column_names
NUMERIC_FIGURE_COLUMNS = ("value", "low", "high")
CHIP_COLUMNS = metadata.RAW_TABLES["chips"].column_names
NUMERIC_CHIP_COLUMNS = ("dense_16bit_tflops", "tdp_w")
SYSTEM_COLUMNS = metadata.RAW_TABLES["systems"].column_names
SCORECARD_COLUMNS = metadata.RAW_TABLES["scorecard"].column_names
# Units a pair may compare besides equal ones: an accelerator count and H100-equivalents (units.equivalents).
CONVERTIBLE_UNITS = ({"accelerators", "H100e"},)


@dataclass(frozen=True)
class Ledger:
    """The validated, typed raw tables."""

    sources: pd.DataFrame
    figures: pd.DataFrame
    chips: pd.DataFrame
    systems: pd.DataFrame
    scorecard: pd.DataFrame  # published projections paired with later outturns (scorecard.csv)


# What ``float()`` accepts, in plain ASCII and without ``_`` separators, infinities or NaN.
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", re.ASCII)


def _is_number(text: str) -> bool:
    if not _NUMBER.match(text):
        return False
    return abs(float(text)) != float("inf")


def _number_or_empty(series: pd.Series) -> pd.Series:
    return series.map(lambda text: text == "" or _is_number(text))


def _required_text(name: str, **kwargs) -> pa.Column:
    return pa.Column(
        str, pa.Check(lambda s: s.str.strip() != "", error="is empty", name="required"), name=name, **kwargs
    )


def _optional_text(name: str) -> pa.Column:
    return pa.Column(str, name=name)


def _vocabulary(name: str, allowed: tuple[str, ...], optional: bool = False) -> pa.Column:
    accepted = (*allowed, "") if optional else allowed
    # A built-in isin check keeps its allowed values readable (datapackage.json's enum constraints come from here).
    return pa.Column(
        str, pa.Check.isin(accepted, error=f"is not one of: {', '.join(allowed)}", name="vocabulary"), name=name
    )


def _in_window(text: str) -> bool:
    return DATE_WINDOW[0] <= int(text[:4]) <= DATE_WINDOW[1]


def _is_year(text: str) -> bool:
    return len(text) == 4 and text.isascii() and text.isdigit() and _in_window(text)


def _partial_date(name: str, full: bool = False, required: bool = False) -> pa.Column:
    shape = "YYYY-MM-DD" if full else "YYYY, YYYY-MM or YYYY-MM-DD"

    def holds(text: str) -> bool:
        if text == "":
            return not required
        return is_partial_date(text) and (len(text) == 10 or not full) and _in_window(text)

    return pa.Column(
        str,
        pa.Check(
            lambda s: s.map(holds),
            error=f"is not a date {shape} between {DATE_WINDOW[0]} and {DATE_WINDOW[1]}",
            name="partial_date",
        ),
        name=name,
    )


def _slug(name: str, optional: bool = False, **kwargs) -> pa.Column:
    pattern = f"^({SLUG_PATTERN[1:-1]})?$" if optional else SLUG_PATTERN
    return pa.Column(str, pa.Check.str_matches(pattern, error="is not a slug [a-z0-9-]"), name=name, **kwargs)


def _url(name: str, optional: bool = False) -> pa.Column:
    pattern = f"^({URL_PATTERN[1:-1]})?$" if optional else URL_PATTERN
    return pa.Column(str, pa.Check.str_matches(pattern, error="is not a well-formed http(s) URL"), name=name)


def sources_schema(used_source_ids: set[str]) -> pa.DataFrameSchema:
    """Schema of ``sources.csv``; ``used_source_ids`` are the ids the figures and chips cite (every source is used)."""
    return pa.DataFrameSchema(
        {
            "source_id": pa.Column(
                str,
                [
                    pa.Check.str_matches(SLUG_PATTERN, error="is not a slug [a-z0-9-]"),
                    pa.Check(
                        lambda s: s.isin(used_source_ids),
                        error="is not cited by any figure in figures.csv or chip in chips.csv",
                        name="source_used",
                    ),
                ],
                unique=True,
                report_duplicates="all",
            ),
            "title": _required_text("title"),
            "publisher": _required_text("publisher"),
            "author": _optional_text("author"),
            "date_published": _partial_date("date_published"),
            "date_note": _optional_text("date_note"),
            "url": _url("url"),
            "read_at": _url("read_at", optional=True),
            "accessed": _partial_date("accessed", full=True, required=True),
            "language": _vocabulary("language", tuple(metadata.LANGUAGES)),
            "tier": _vocabulary("tier", tuple(metadata.TIERS)),
            "licence": _required_text("licence"),
            "seed_file": _optional_text("seed_file"),
        },
        strict=True,
        ordered=True,
        name="sources.csv",
    )


def _bounds_hold(frame: pd.DataFrame) -> pd.Series:
    def holds(row: pd.Series) -> bool:
        if not _is_number(row["value"]):
            return True  # reported by the value column's own check
        value = float(row["value"])
        low_ok = row["low"] == "" or not _is_number(row["low"]) or float(row["low"]) <= value
        high_ok = row["high"] == "" or not _is_number(row["high"]) or value <= float(row["high"])
        return low_ok and high_ok

    return frame.apply(holds, axis=1)


def _non_negative(frame: pd.DataFrame) -> pd.Series:
    def holds(row: pd.Series) -> bool:
        return all(not _is_number(row[column]) or float(row[column]) >= 0 for column in NUMERIC_FIGURE_COLUMNS)

    return frame.apply(holds, axis=1)


def _preferred_consistent(frame: pd.DataFrame) -> pd.Series:
    grouped = frame["quantity_id"] != ""
    without_group = ~grouped & (frame["preferred"] != "")
    true_counts = (frame["preferred"] == "true").groupby(frame["quantity_id"]).transform("sum")
    sizes = frame.groupby("quantity_id")["quantity_id"].transform("size")
    bad_group = grouped & ((true_counts != 1) | (sizes < 2))
    return ~(without_group | bad_group)


def _unit_fits_metric(frame: pd.DataFrame) -> pd.Series:
    return frame.apply(lambda row: row["unit"] in metadata.METRIC_UNITS.get(row["metric"], (row["unit"],)), axis=1)


def _chip_named(chip_ids: set[str]) -> Callable[[pd.DataFrame], pd.Series]:
    known = chip_ids | set(metadata.CHIP_PLACEHOLDERS)

    def known_chip(chip: str) -> bool:
        if chip in known:
            return True
        parts = chip.split(metadata.CHIP_MIX_SEPARATOR)
        return len(parts) > 1 and len(set(parts)) == len(parts) and all(part in chip_ids for part in parts)

    def holds(frame: pd.DataFrame) -> pd.Series:
        named = frame["chip"] != ""
        needed = frame["metric"] == "accelerator_count"
        return (~named | frame["chip"].map(known_chip)) & (~needed | named)

    return holds


def _power_measure_named(frame: pd.DataFrame) -> pd.Series:
    named = frame["power_measure"] != ""
    needed = frame["metric"] == "data_centre_power"
    allowed = frame["metric"].isin(("data_centre_power", "power_capacity", "power_reference"))
    return (~needed | named) & (~named | allowed)


def _date_basis_holds(dated_source_ids: set[str]) -> Callable[[pd.DataFrame], pd.Series]:
    def holds(frame: pd.DataFrame) -> pd.Series:
        inherited = frame["ref_date_basis"] == "publication"
        return ~inherited | ((frame["ref_date"] == "") & frame["source_id"].isin(dated_source_ids))

    return holds


def figures_schema(
    known_source_ids: set[str],
    chip_ids: set[str] = frozenset(),
    system_ids: set[str] = frozenset(),
    dated_source_ids: set[str] = frozenset(),
) -> pa.DataFrameSchema:
    """Schema of ``figures.csv``, given the ids of ``sources.csv``, ``chips.csv`` and ``systems.csv`` and the
    sources that show a publication date (for figures dated by their source)."""
    number = pa.Check(lambda s: s.map(_is_number), error="is not a number", name="number")
    optional_number = pa.Check(_number_or_empty, error="is not a number", name="number")
    return pa.DataFrameSchema(
        {
            "figure_id": _slug("figure_id", unique=True, report_duplicates="all"),
            "category": _vocabulary("category", tuple(metadata.CATEGORIES)),
            "metric": _vocabulary("metric", tuple(metadata.METRICS)),
            "entity": _required_text("entity"),
            "subject": _required_text("subject"),
            "scope": _vocabulary("scope", tuple(metadata.SCOPES)),
            "system_id": pa.Column(
                str,
                pa.Check(
                    lambda s: (s == "") | s.isin(system_ids),
                    error="is not a system_id of systems.csv",
                    name="system_known",
                ),
            ),
            "ref_date": _partial_date("ref_date"),
            "ref_date_basis": _vocabulary("ref_date_basis", tuple(metadata.REF_DATE_BASES), optional=True),
            "ref_date_note": _optional_text("ref_date_note"),
            "value": pa.Column(str, number),
            "low": pa.Column(str, optional_number),
            "high": pa.Column(str, optional_number),
            "unit": _vocabulary("unit", tuple(metadata.UNITS)),
            "unit_detail": _optional_text("unit_detail"),
            "chip": _optional_text("chip"),
            "power_measure": _vocabulary("power_measure", tuple(metadata.POWER_MEASURES), optional=True),
            "price_year": pa.Column(
                str,
                pa.Check(
                    lambda s: s.map(
                        lambda t: t == "" or (len(t) == 4 and t.isascii() and t.isdigit() and _in_window(t))
                    ),
                    error=f"is not a year YYYY between {DATE_WINDOW[0]} and {DATE_WINDOW[1]}",
                    name="price_year",
                ),
            ),
            "status": _vocabulary("status", tuple(metadata.STATUSES)),
            "confidence": _vocabulary("confidence", tuple(metadata.CONFIDENCES)),
            "source_id": pa.Column(
                str,
                pa.Check(
                    lambda s: s.isin(known_source_ids),
                    error="is not a source_id of sources.csv",
                    name="source_known",
                ),
            ),
            "original_outlet": _optional_text("original_outlet"),
            "quote": _required_text("quote"),
            "quote_en": _required_text("quote_en"),
            "quantity_id": _slug("quantity_id", optional=True),
            "preferred": _vocabulary("preferred", ("true", "false"), optional=True),
            "note": _optional_text("note"),
        },
        checks=[
            pa.Check(_bounds_hold, error="low <= value <= high does not hold", name="bounds"),
            pa.Check(_non_negative, error="value, low and high must be >= 0", name="non_negative"),
            pa.Check(
                _preferred_consistent,
                error="'preferred' needs a quantity_id, and each quantity_id two rows or more "
                "with exactly one preferred=true",
                name="preferred",
            ),
            pa.Check(
                _unit_fits_metric,
                error="the unit does not fit the metric (metadata.METRIC_UNITS lists the units of each metric)",
                name="metric_unit",
            ),
            pa.Check(
                _chip_named(set(chip_ids)),
                error="an accelerator_count names its chip: a chip_id of chips.csv, a mix of chip_ids joined by '|' "
                "(e.g. gb200|gb300), 'mixed' or 'unknown'",
                name="chip",
            ),
            pa.Check(
                _power_measure_named,
                error="a data_centre_power row says what it measures (power_measure); other metrics leave it empty",
                name="power_measure",
            ),
            pa.Check(
                _date_basis_holds(set(dated_source_ids)),
                error="ref_date_basis 'publication' needs an empty ref_date and a source with a date_published",
                name="ref_date_basis",
            ),
        ],
        strict=True,
        ordered=True,
        name="figures.csv",
    )


def chips_schema(known_source_ids: set[str]) -> pa.DataFrameSchema:
    """Schema of ``chips.csv``: one row per accelerator model, from its vendor's spec sheet."""
    positive = pa.Check(lambda s: s.map(lambda t: _is_number(t) and float(t) > 0), error="is not a positive number")
    known = pa.Check(lambda s: s.isin(known_source_ids), error="is not a source_id of sources.csv")
    return pa.DataFrameSchema(
        {
            "chip_id": pa.Column(
                str,
                [
                    pa.Check.str_matches(SLUG_PATTERN, error="is not a slug [a-z0-9-]"),
                    pa.Check(lambda s: ~s.isin(list(metadata.CHIP_PLACEHOLDERS)), error="is reserved (mixed, unknown)"),
                ],
                unique=True,
                report_duplicates="all",
            ),
            "vendor": _required_text("vendor"),
            "model": _required_text("model"),
            "year": pa.Column(
                str,
                pa.Check(
                    lambda s: s.map(_is_year),
                    error="is not a year YYYY",
                ),
            ),
            "dense_16bit_tflops": pa.Column(str, positive),
            "tdp_w": pa.Column(
                str,
                pa.Check(
                    lambda s: s.map(lambda t: t == "" or (_is_number(t) and float(t) > 0)),
                    error="is not empty or a positive number",
                ),
            ),
            "source_id": pa.Column(str, known),
            "tflops_quote": _required_text("tflops_quote"),
            "tdp_source_id": pa.Column(
                str,
                pa.Check(lambda s: (s == "") | s.isin(known_source_ids), error="is not a source_id of sources.csv"),
            ),
            "tdp_quote": _optional_text("tdp_quote"),
            "note": _optional_text("note"),
        },
        checks=[
            pa.Check(
                lambda f: (f["tdp_w"] == "") == (f["tdp_quote"] == ""),
                error="a TDP comes with its quote (tdp_w and tdp_quote are both given or both empty)",
                name="tdp_w/tdp_quote",
            ),
            pa.Check(
                lambda f: (f["tdp_w"] != "") | (f["tdp_source_id"] == ""),
                error="a tdp_source_id without a tdp_w",
                name="tdp_w/tdp_source_id",
            ),
        ],
        strict=True,
        ordered=True,
        name="chips.csv",
    )


def systems_schema() -> pa.DataFrameSchema:
    """Schema of ``systems.csv``: one row per physical cluster, site or programme that figures describe."""
    return pa.DataFrameSchema(
        {
            "system_id": _slug("system_id", unique=True, report_duplicates="all"),
            "name": _required_text("name"),
            "operator": _required_text("operator"),
            "location": _optional_text("location"),
            "scope": _vocabulary("scope", tuple(metadata.SYSTEM_SCOPES)),
            "note": _optional_text("note"),
        },
        strict=True,
        ordered=True,
        name="systems.csv",
    )


def scorecard_schema() -> pa.DataFrameSchema:
    """Schema of ``scorecard.csv`` by itself: one row per projection graded against a later outturn. The rules across
    tables (the figures exist, their statuses, tiers, dates and units) are :func:`scorecard_problems`."""
    return pa.DataFrameSchema(
        {
            "pair_id": _slug("pair_id", unique=True, report_duplicates="all"),
            "projection_figure_id": _slug("projection_figure_id"),
            "outturn_figure_id": _slug("outturn_figure_id"),
            "projection_made": _partial_date("projection_made"),
            "outturn_made": _partial_date("outturn_made"),
            "projection_by": _required_text("projection_by"),
            "outturn_by": _required_text("outturn_by"),
            "quantity": _required_text("quantity"),
            "comparison": _required_text("comparison"),
        },
        strict=True,
        ordered=True,
        name="scorecard.csv",
    )


def _later(outturn: str, projection: str) -> bool:
    """Whether the partial date ``outturn`` is after ``projection`` at the precision both have (2025-04 is after
    2024; 2024-12 is not shown to be after 2024)."""
    width = min(len(outturn), len(projection))
    return outturn[:width] > projection[:width]


def _comparable(projection: dict, outturn: dict) -> bool:
    """Same metric and unit, or an accelerator count against H100-equivalents (``units.equivalents`` converts)."""
    if projection["unit"] == outturn["unit"]:
        return projection["metric"] == outturn["metric"]
    return {projection["unit"], outturn["unit"]} in CONVERTIBLE_UNITS


def scorecard_problems(
    scorecard: pd.DataFrame, figures: pd.DataFrame, sources: pd.DataFrame, path: Path = paths.SCORECARD_CSV
) -> list[str]:
    """The rules of a pair, on valid tables, one line per broken rule:

    - both figure ids are figure_ids of figures.csv;
    - the projection has status ``projection``; the outturn is an observation (``metadata.RECORD_STATUSES``);
    - neither rests on a ``weak`` source (weak rows never feed a key number);
    - each side has a date: its source's ``date_published``, or, only where the source shows none,
      ``projection_made`` / ``outturn_made`` (read from the source's ``date_note``);
    - the outturn was published after the projection;
    - the two rows measure the same metric in the same unit, or in units ``units.py`` converts (``CONVERTIBLE_UNITS``).
    """
    display = inputs.display(path)
    lines_of = scorecard.attrs.get("lines") or [n + 2 for n in range(len(scorecard))]
    by_id = {row["figure_id"]: row for row in figures.to_dict("records")}
    source_of = {row["source_id"]: row for row in sources.to_dict("records")}
    problems = []
    for line, pair in zip(lines_of, scorecard.to_dict("records"), strict=True):
        where = f"{display}:{line} [pair_id={pair['pair_id']}]"
        dates = {}
        for side in ("projection", "outturn"):
            field, made = f"{side}_figure_id", f"{side}_made"
            figure = by_id.get(pair[field])
            if figure is None:
                problems.append(f"{where} field '{field}': {pair[field]!r} is not a figure_id of figures.csv")
                continue
            source = source_of[figure["source_id"]]
            if side == "projection" and figure["status"] != "projection":
                problems.append(
                    f"{where} field '{field}': {pair[field]!r} has status {figure['status']!r}: "
                    "the projection of a pair has status 'projection'"
                )
            if side == "outturn" and figure["status"] not in metadata.RECORD_STATUSES:
                problems.append(
                    f"{where} field '{field}': {pair[field]!r} has status {figure['status']!r}: an outturn is "
                    f"observed ({', '.join(metadata.RECORD_STATUSES)}), not a projection or a plan"
                )
            if source["tier"] == "weak":
                problems.append(
                    f"{where} field '{field}': {pair[field]!r} rests on the weak source {source['source_id']}: "
                    "weak rows never feed a key number (find a better source)"
                )
            if source["date_published"] and pair[made]:
                problems.append(
                    f"{where} field '{made}': {pair[made]!r}: the source {source['source_id']} shows its date "
                    f"({source['date_published']}); leave {made} empty"
                )
            elif not source["date_published"] and not pair[made]:
                problems.append(
                    f"{where} field '{made}': empty: the source {source['source_id']} shows no date, so the pair "
                    "gives it (from the source's date_note)"
                )
            else:
                dates[side] = source["date_published"] or pair[made]
        if len(dates) == 2 and not _later(dates["outturn"], dates["projection"]):
            problems.append(
                f"{where} field 'outturn_figure_id': {pair['outturn_figure_id']!r} published {dates['outturn']}, "
                f"not after the projection ({dates['projection']}): an outturn is observed later"
            )
        projection, outturn = by_id.get(pair["projection_figure_id"]), by_id.get(pair["outturn_figure_id"])
        if projection and outturn and not _comparable(projection, outturn):
            problems.append(
                f"{where} field 'outturn_figure_id': {projection['metric']} in {projection['unit']} against "
                f"{outturn['metric']} in {outturn['unit']}: a pair compares one metric in one unit (or units "
                "that units.py converts: accelerators and H100e)"
            )
    return problems


def read_text_table(path: Path, columns: tuple[str, ...], needs_rows: bool = True) -> pd.DataFrame:
    """Read a CSV as text through the reading layer, checking its shape: the header, and every row has as many
    cells as the header. The frame keeps each row's line in the file (``attrs["lines"]``) for error messages."""
    display = inputs.display(path)
    try:
        header, body = inputs.read_csv(path)
    except InputFileError as error:
        raise RawDataError([str(error)]) from None
    problems = []
    if tuple(header) != columns:
        missing = [c for c in columns if c not in header]
        extra = [c for c in header if c not in columns]
        detail = []
        if missing:
            detail.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            detail.append(f"unknown column(s) {', '.join(extra)}")
        if not detail:
            detail.append(f"columns out of order; expected {', '.join(columns)}")
        problems.append(f"{display}:1: header: {'; '.join(detail)}")
    for line, row in body:
        if len(row) != len(header):
            problems.append(f"{display}:{line}: has {len(row)} cells, the header has {len(header)}")
    if not problems and needs_rows and not body:
        problems.append(f"{display}: has a header but no rows")
    if problems:
        raise RawDataError(problems)
    frame = pd.DataFrame([row for _, row in body], columns=header, dtype=str)
    if frame.empty:
        frame = pd.DataFrame({column: pd.Series(dtype=str) for column in header})
    frame.attrs["lines"] = [line for line, _ in body]
    return frame


# Table-wide checks and the fields they are about, for the error line.
_TABLE_CHECK_FIELDS = {
    "bounds": "low/value/high",
    "non_negative": "value/low/high",
    "preferred": "preferred",
    "metric_unit": "metric/unit",
    "chip": "metric/chip",
    "power_measure": "metric/power_measure",
    "ref_date_basis": "ref_date_basis/ref_date/source_id",
    "tdp_w/tdp_quote": "tdp_w/tdp_quote",
    "tdp_w/tdp_source_id": "tdp_w/tdp_source_id",
}


def _problems_from(errors: SchemaErrors, frame: pd.DataFrame, path: Path, id_column: str) -> list[str]:
    """One line per problem: file, CSV line, row id, field, offending value, what is wrong."""
    display = inputs.display(path)
    lines_of = frame.attrs.get("lines") or [n + 2 for n in range(len(frame))]
    table_checks = {(check.error or check.name): check.name for check in errors.schema.checks}
    lines: list[str] = []
    for case in errors.failure_cases.to_dict("records"):
        check, column, index = str(case["check"]), case["column"], case["index"]
        if index is None or index != index:
            lines.append(f"{display}: {column}: {check} ({case['failure_case']})")
            continue
        row = int(index)
        where = f"{display}:{lines_of[row]} [{id_column}={frame.at[row, id_column]}]"
        if case["schema_context"] == "DataFrameSchema" and check in table_checks:
            fields = _TABLE_CHECK_FIELDS[table_checks[check]]
            values = "/".join(repr(frame.at[row, c]) for c in fields.split("/"))
            lines.append(f"{where} field '{fields}': {values}: {check}")
        elif check == "field_uniqueness":
            lines.append(f"{where} field '{column}': {case['failure_case']!r} is duplicated")
        else:
            lines.append(f"{where} field '{column}': {case['failure_case']!r} {check}")
    return list(dict.fromkeys(lines))


def validate(sources_path: Path = paths.SOURCES_CSV, figures_path: Path = paths.FIGURES_CSV) -> Ledger:
    """Validate the tables of ``data/raw`` (``chips.csv``, ``systems.csv`` and ``scorecard.csv`` sit beside
    ``sources.csv``; a folder without ``scorecard.csv`` has no graded projections) and return them typed; raise
    RawDataError listing every problem."""
    folder = Path(sources_path).parent
    files = {
        "sources": (Path(sources_path), SOURCE_COLUMNS, True),
        "figures": (Path(figures_path), FIGURE_COLUMNS, True),
        "chips": (folder / paths.CHIPS_CSV.name, CHIP_COLUMNS, False),
        "systems": (folder / paths.SYSTEMS_CSV.name, SYSTEM_COLUMNS, False),
        "scorecard": (folder / paths.SCORECARD_CSV.name, SCORECARD_COLUMNS, False),
    }
    problems: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    for key, (path, columns, needs_rows) in files.items():
        if key == "scorecard" and not path.exists():  # a ledger without graded projections
            tables[key] = pd.DataFrame({column: pd.Series(dtype=str) for column in columns})
            continue
        try:
            tables[key] = read_text_table(path, columns, needs_rows=needs_rows)
        except RawDataError as error:
            problems.extend(error.problems)
    if problems:
        raise RawDataError(problems)
    sources, figures, chips, systems = (tables[k] for k in ("sources", "figures", "chips", "systems"))
    scorecard = tables["scorecard"]
    source_ids = set(sources["source_id"])
    cited = set(figures["source_id"]) | set(chips["source_id"]) | set(chips["tdp_source_id"]) - {""}
    dated = set(sources.loc[sources["date_published"] != "", "source_id"])
    checks = (
        (sources_schema(cited), "sources", "source_id"),
        (figures_schema(source_ids, set(chips["chip_id"]), set(systems["system_id"]), dated), "figures", "figure_id"),
        (chips_schema(source_ids), "chips", "chip_id"),
        (systems_schema(), "systems", "system_id"),
        (scorecard_schema(), "scorecard", "pair_id"),
    )
    if "h100" not in set(chips["chip_id"]):
        problems.append(f"{inputs.display(files['chips'][0])}: needs an 'h100' row, the reference of H100-equivalents")
    for schema, key, id_column in checks:
        try:
            schema.validate(tables[key], lazy=True)
        except SchemaErrors as errors:
            problems.extend(_problems_from(errors, tables[key], files[key][0], id_column))
    if not problems:
        problems.extend(timeline_problems(figures, sources, files["figures"][0]))
        problems.extend(weak_confidence_problems(figures, sources, files["figures"][0]))
        problems.extend(scorecard_problems(scorecard, figures, sources, files["scorecard"][0]))
    if problems:
        raise RawDataError(problems)
    return Ledger(
        sources=_typed_sources(sources),
        figures=_typed_figures(figures, sources),
        chips=_typed_chips(chips),
        systems=systems.sort_values("system_id", kind="stable").reset_index(drop=True),
        scorecard=scorecard.sort_values("pair_id", kind="stable").reset_index(drop=True),
    )


def weak_confidence_problems(figures: pd.DataFrame, sources: pd.DataFrame, path: Path = paths.FIGURES_CSV) -> list[str]:
    """A figure read on a ``weak`` source (a mirror, a repost, an aggregator, a machine-written site) has confidence
    ``low``: it may be shown in tables, never trusted more than its source."""
    display = inputs.display(path)
    lines_of = figures.attrs.get("lines") or [n + 2 for n in range(len(figures))]
    tier = dict(zip(sources["source_id"], sources["tier"], strict=True))
    return [
        f"{display}:{lines_of[row]} [figure_id={figure['figure_id']}] field 'confidence': {figure['confidence']!r}: "
        f"its source {figure['source_id']} is weak, so its confidence is 'low' (or find a better source)"
        for row, figure in enumerate(figures.to_dict("records"))
        if tier.get(figure["source_id"]) == "weak" and figure["confidence"] != "low"
    ]


def timeline_problems(figures: pd.DataFrame, sources: pd.DataFrame, path: Path = paths.FIGURES_CSV) -> list[str]:
    """Rules across the rows of one system's timeline, on valid tables:

    - a ``reported`` figure cannot refer to a date after its source was published (a source reports the past);
    - within one system, a reported accelerator count or power (of one power_measure) below an earlier reported
      one of the same system is a fall: its ``note`` names the earlier row's figure_id and so says why.
    """
    display = inputs.display(path)
    lines_of = figures.attrs.get("lines") or [n + 2 for n in range(len(figures))]
    published = dict(zip(sources["source_id"], sources["date_published"], strict=True))
    problems = []
    for row, figure in enumerate(figures.to_dict("records")):
        source_date = published.get(figure["source_id"], "")
        if figure["status"] == "reported" and figure["ref_date"] and source_date:
            width = min(len(figure["ref_date"]), len(source_date))
            if figure["ref_date"][:width] > source_date[:width]:
                problems.append(
                    f"{display}:{lines_of[row]} [figure_id={figure['figure_id']}] field 'ref_date/status': "
                    f"{figure['ref_date']!r}/'reported': a reported figure dated after its source "
                    f"({figure['source_id']}, {source_date}); a date to come is an 'announced plan' or a 'projection'"
                )
    timeline = figures.assign(line=lines_of)
    timeline = timeline[
        (timeline["system_id"] != "")
        & (timeline["status"] == "reported")
        & (timeline["ref_date"] != "")
        & timeline["metric"].isin(("accelerator_count", "data_centre_power"))
    ]
    for _, group in timeline.groupby(["system_id", "metric", "power_measure"], sort=True):
        largest = None
        for figure in group.sort_values(["ref_date", "figure_id"], kind="stable").to_dict("records"):
            value = float(figure["value"])
            if largest is not None and value < float(largest["value"]) and largest["figure_id"] not in figure["note"]:
                problems.append(
                    f"{display}:{figure['line']} [figure_id={figure['figure_id']}] field 'note': "
                    f"{figure['system_id']} falls from {largest['figure_id']} ({largest['value']} at "
                    f"{largest['ref_date']}) to {figure['value']} at {figure['ref_date']}: "
                    f"the note names {largest['figure_id']} and says why"
                )
            if largest is None or value > float(largest["value"]):
                largest = figure
    return problems


def _typed_sources(frame: pd.DataFrame) -> pd.DataFrame:
    typed = frame.copy()
    return typed.sort_values("source_id", kind="stable").reset_index(drop=True)


def _typed_chips(frame: pd.DataFrame) -> pd.DataFrame:
    typed = frame.copy()
    for column in NUMERIC_CHIP_COLUMNS:
        typed[column] = pd.to_numeric(typed[column]).astype("float64")
    typed["year"] = pd.to_numeric(typed["year"]).astype("Int64")
    typed["tdp_source_id"] = typed["tdp_source_id"].where(typed["tdp_source_id"] != "", typed["source_id"])
    return typed.sort_values("chip_id", kind="stable").reset_index(drop=True)


def _typed_figures(frame: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    typed = frame.copy()
    published = sources.set_index("source_id")["date_published"]
    inherited = typed["ref_date_basis"] == "publication"
    typed.loc[inherited, "ref_date"] = typed.loc[inherited, "source_id"].map(published)
    typed["ref_date_inherited"] = inherited
    for column in NUMERIC_FIGURE_COLUMNS:
        typed[column] = pd.to_numeric(typed[column].replace("", None)).astype("float64")
    typed["price_year"] = pd.to_numeric(typed["price_year"].replace("", None)).astype("Int64")
    typed["preferred"] = typed["preferred"].map({"true": True, "false": False, "": None}).astype("boolean")
    typed["decimal_year"] = typed["ref_date"].map(lambda d: decimal_year(d) if d else None).astype("float64")
    typed["ref_year"] = typed["ref_date"].map(lambda d: int(d[:4]) if d else None).astype("Int64")
    typed["date_precision"] = typed["ref_date"].map(lambda d: date_precision(d) if d else "unknown")
    return typed.sort_values("figure_id", kind="stable").reset_index(drop=True)


__all__ = [
    "FIGURE_COLUMNS",
    "Ledger",
    "PARTIAL_DATE_PATTERN",
    "RawDataError",
    "SCORECARD_COLUMNS",
    "SOURCE_COLUMNS",
    "validate",
]
