"""The contract of ``data/raw``: vocabularies and pandera schemas for the source registry and the figures.

Files are read as text first, so that a malformed cell is reported as text (file, row, field, what is wrong)
instead of failing a type conversion; the typed tables are built only from rows that passed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from compute_ledger import paths
from compute_ledger.dates import PARTIAL_DATE_PATTERN, date_precision, decimal_year, is_partial_date
from compute_ledger.errors import RawDataError

CATEGORIES = ("accelerators", "power", "money", "hardware", "published_trend", "context")
METRICS = (
    "accelerator_count",
    "compute_capacity",
    "data_centre_power",
    "electricity_use",
    "power_capacity",
    "power_reference",
    "investment",
    "capital_expenditure",
    "accelerator_unit_price",
    "training_cost",
    "fundraising",
    "public_funding",
    "public_budget",
    "market_value",
    "bond_issue",
    "startup_funding",
    "accelerator_power",
    "server_power",
    "rack_power",
    "pue",
    "growth_rate",
    "cost_decline_rate",
    "workforce_gap",
    "subscription_price",
    "facility_count",
    "manufacturer_count",
    "multiple",
    "training_compute",
)
UNITS = (
    "accelerators",
    "H100e",
    "MW",
    "TWh",
    "USD",
    "USD_per_accelerator",
    "USD_per_month",
    "W",
    "kW",
    "ratio",
    "x_per_year",
    "percent_per_year",
    "months",
    "years",
    "people",
    "facilities",
    "companies",
    "times",
    "FLOP",
)
SCOPES = (
    "training_run",
    "cluster",
    "site",
    "fleet",
    "company",
    "industry",
    "national",
    "global",
    "product",
    "model",
    "claim",
)
STATUSES = ("reported", "announced plan", "estimate", "projection")
CONFIDENCES = ("high", "medium", "low")
LANGUAGES = ("fr", "en", "es", "de", "zh", "ja")
SOURCE_KINDS = ("primary", "secondary")
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$"

SOURCE_COLUMNS = (
    "source_id",
    "title",
    "publisher",
    "author",
    "date_published",
    "date_note",
    "url",
    "language",
    "kind",
    "licence",
    "seed_file",
)
FIGURE_COLUMNS = (
    "figure_id",
    "category",
    "metric",
    "entity",
    "subject",
    "scope",
    "ref_date",
    "ref_date_note",
    "value",
    "low",
    "high",
    "unit",
    "unit_detail",
    "price_year",
    "status",
    "confidence",
    "source_id",
    "original_outlet",
    "quote",
    "quote_en",
    "quantity_id",
    "preferred",
    "note",
)
NUMERIC_FIGURE_COLUMNS = ("value", "low", "high")


@dataclass(frozen=True)
class Ledger:
    """The validated, typed raw tables."""

    sources: pd.DataFrame
    figures: pd.DataFrame


def _is_number(text: str) -> bool:
    try:
        number = float(text)
    except ValueError:
        return False
    return number == number and abs(number) != float("inf")


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
    return pa.Column(
        str,
        pa.Check(lambda s: s.isin(accepted), error=f"is not one of: {', '.join(allowed)}", name="vocabulary"),
        name=name,
    )


def _partial_date(name: str) -> pa.Column:
    return pa.Column(
        str,
        pa.Check(
            lambda s: s.map(lambda text: text == "" or is_partial_date(text)),
            error="is not a date YYYY, YYYY-MM or YYYY-MM-DD",
            name="partial_date",
        ),
        name=name,
    )


def sources_schema(used_source_ids: set[str]) -> pa.DataFrameSchema:
    """Schema of ``sources.csv``; ``used_source_ids`` are the ids the figures cite (every source is used)."""
    return pa.DataFrameSchema(
        {
            "source_id": pa.Column(
                str,
                [
                    pa.Check.str_matches(SLUG_PATTERN, error="is not a slug [a-z0-9-]"),
                    pa.Check(
                        lambda s: s.isin(used_source_ids),
                        error="is not cited by any figure in figures.csv",
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
            "url": pa.Column(str, pa.Check.str_matches(URL_PATTERN, error="is not a well-formed http(s) URL")),
            "language": _vocabulary("language", LANGUAGES),
            "kind": _vocabulary("kind", SOURCE_KINDS),
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


def figures_schema(known_source_ids: set[str]) -> pa.DataFrameSchema:
    """Schema of ``figures.csv``; ``known_source_ids`` are the ids in ``sources.csv``."""
    number = pa.Check(lambda s: s.map(_is_number), error="is not a number", name="number")
    optional_number = pa.Check(_number_or_empty, error="is not a number", name="number")
    return pa.DataFrameSchema(
        {
            "figure_id": pa.Column(
                str,
                pa.Check.str_matches(SLUG_PATTERN, error="is not a slug [a-z0-9-]"),
                unique=True,
                report_duplicates="all",
            ),
            "category": _vocabulary("category", CATEGORIES),
            "metric": _vocabulary("metric", METRICS),
            "entity": _required_text("entity"),
            "subject": _required_text("subject"),
            "scope": _vocabulary("scope", SCOPES),
            "ref_date": _partial_date("ref_date"),
            "ref_date_note": _optional_text("ref_date_note"),
            "value": pa.Column(str, number),
            "low": pa.Column(str, optional_number),
            "high": pa.Column(str, optional_number),
            "unit": _vocabulary("unit", UNITS),
            "unit_detail": _optional_text("unit_detail"),
            "price_year": pa.Column(
                str,
                pa.Check.str_matches(r"^(\d{4})?$", error="is not a year YYYY"),
            ),
            "status": _vocabulary("status", STATUSES),
            "confidence": _vocabulary("confidence", CONFIDENCES),
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
            "quantity_id": pa.Column(
                str, pa.Check.str_matches(r"^([a-z0-9]+(-[a-z0-9]+)*)?$", error="is not a slug [a-z0-9-]")
            ),
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
        ],
        strict=True,
        ordered=True,
        name="figures.csv",
    )


def read_text_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """Read a CSV as text, checking its shape: every row has as many cells as the header."""
    display = _display(path)
    if not path.exists():
        raise RawDataError([f"{display}: file is missing"])
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise RawDataError([f"{display}: file is empty"])
    header, body = rows[0], rows[1:]
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
        problems.append(f"{display}: header: {'; '.join(detail)}")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            problems.append(f"{display}:{number}: has {len(row)} cells, the header has {len(header)}")
    if problems:
        raise RawDataError(problems)
    return pd.DataFrame(body, columns=header, dtype=str)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(paths.ROOT))
    except ValueError:
        return str(path)


# Table-wide checks and the fields they are about, for the error line.
_TABLE_CHECK_FIELDS = {"bounds": "low/value/high", "non_negative": "value/low/high", "preferred": "preferred"}


def _problems_from(errors: SchemaErrors, frame: pd.DataFrame, path: Path, id_column: str) -> list[str]:
    """One line per problem: file, CSV line, row id, field, offending value, what is wrong."""
    display = _display(path)
    table_checks = {(check.error or check.name): check.name for check in errors.schema.checks}
    lines: list[str] = []
    for case in errors.failure_cases.to_dict("records"):
        check, column, index = str(case["check"]), case["column"], case["index"]
        if index is None or index != index:
            lines.append(f"{display}: {column}: {check} ({case['failure_case']})")
            continue
        row = int(index)
        where = f"{display}:{row + 2} [{id_column}={frame.at[row, id_column]}]"
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
    """Validate both tables and return them typed; raise RawDataError listing every problem."""
    problems: list[str] = []
    sources = figures = None
    for path, columns in ((sources_path, SOURCE_COLUMNS), (figures_path, FIGURE_COLUMNS)):
        try:
            table = read_text_table(path, columns)
        except RawDataError as error:
            problems.extend(error.problems)
            continue
        if columns is SOURCE_COLUMNS:
            sources = table
        else:
            figures = table
    if problems:
        raise RawDataError(problems)
    assert sources is not None and figures is not None
    for schema, frame, path, id_column in (
        (sources_schema(set(figures["source_id"])), sources, sources_path, "source_id"),
        (figures_schema(set(sources["source_id"])), figures, figures_path, "figure_id"),
    ):
        try:
            schema.validate(frame, lazy=True)
        except SchemaErrors as errors:
            problems.extend(_problems_from(errors, frame, path, id_column))
    if problems:
        raise RawDataError(problems)
    return Ledger(sources=_typed_sources(sources), figures=_typed_figures(figures))


def _typed_sources(frame: pd.DataFrame) -> pd.DataFrame:
    typed = frame.copy()
    return typed.sort_values("source_id", kind="stable").reset_index(drop=True)


def _typed_figures(frame: pd.DataFrame) -> pd.DataFrame:
    typed = frame.copy()
    for column in NUMERIC_FIGURE_COLUMNS:
        typed[column] = pd.to_numeric(typed[column].replace("", None)).astype("float64")
    typed["price_year"] = pd.to_numeric(typed["price_year"].replace("", None)).astype("Int64")
    typed["preferred"] = typed["preferred"].map({"true": True, "false": False, "": None}).astype("boolean")
    typed["decimal_year"] = typed["ref_date"].map(lambda d: decimal_year(d) if d else None).astype("float64")
    typed["ref_year"] = typed["ref_date"].map(lambda d: int(d[:4]) if d else None).astype("Int64")
    typed["date_precision"] = typed["ref_date"].map(lambda d: date_precision(d) if d else "unknown")
    return typed.sort_values("figure_id", kind="stable").reset_index(drop=True)


__all__ = [
    "CATEGORIES",
    "CONFIDENCES",
    "FIGURE_COLUMNS",
    "Ledger",
    "METRICS",
    "PARTIAL_DATE_PATTERN",
    "RawDataError",
    "SCOPES",
    "SOURCE_COLUMNS",
    "STATUSES",
    "UNITS",
    "validate",
]
