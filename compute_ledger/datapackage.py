"""The data dictionary and the Frictionless ``datapackage.json`` describing the published tables.

The meaning of each curated column is written once, in ``data/raw/README.md``; this module reads it from there. The
columns the pipeline adds (typed dates, source details joined in) are described in ``DERIVED_COLUMNS``.
"""

from __future__ import annotations

import json
import re

import pandas as pd

from compute_ledger import paths
from compute_ledger.citation import Edition

DERIVED_COLUMNS = {
    "decimal_year": "the reference date as a decimal year (mid-period for a year or a month), for plotting",
    "ref_year": "the year of the reference date",
    "date_precision": "how precise the reference date is: day, month, year or unknown",
    "source_title": "title of the source (from sources.csv)",
    "source_tier": "the source's tier: primary, record, secondary or weak (from sources.csv)",
    "source_accessed": "the date the source was read (from sources.csv)",
    "ref_date_inherited": "true when ref_date is the source's publication date (the figure is stated as current)",
    "rank_in_year": "rank of the figure among the year's counts (1 = largest)",
    "chapter": "chapter of the book the number appears in",
    "id": "stable id of the key number: chapter.name",
    "description": "what the number is",
    "method": "how it was computed",
    "inputs": "figure ids of data/raw/figures.csv the number is computed from (space-separated in the CSV)",
    "checked": "figure ids the number tests or counts without resting on them (a seed claim it checks)",
    "h100e": "the count in H100-equivalents (dense 16-bit TFLOPS over the H100's, from chips.csv; see units.py)",
    "h100e_low": "low end of the H100-equivalents (the count's low, or the slowest chip an unknown mix may be)",
    "h100e_high": "high end of the H100-equivalents (the count's high, or the fastest chip an unknown mix may be)",
    "chip_power_mw": "the accelerators' own power, count x TDP, MW (no servers, network or cooling)",
    "chip_power_mw_low": "low end of the chip power",
    "chip_power_mw_high": "high end of the chip power",
    "h100e_per_chip": "H100-equivalents of one chip of this model",
    "parameter_set": "'defaults', or 'custom-' and a hash of the parameters changed for the run",
    "parameters": "the run's values of the parameters the chapter uses (JSON)",
    "edition": "edition of the book (CITATION.cff)",
    "edition_date": "release date of the edition",
}

PUBLISHED = {
    "figures": ("tables/figures", "Every curated figure, typed, with its quote and status."),
    "sources": ("tables/sources", "The source registry: who published each figure, when, where."),
    "chips": ("tables/chips", "The chip reference table: dense 16-bit TFLOPS and TDP per accelerator model, sourced."),
    "systems": ("tables/systems", "One record per cluster, site or programme that figures describe over time."),
    "figures_sourced": ("tables/figures_sourced", "Figures joined with their sources (one row per figure)."),
    "largest_cluster_by_year": (
        "tables/largest_cluster_by_year",
        "The largest known accelerator count per year (built, and announced plans separately).",
    ),
    "disagreements": ("tables/disagreements", "Rows of quantities reported by more than one source."),
    "key_numbers": ("key_numbers", "Every headline number of the book: value, method, inputs, parameter set."),
}

_ROW = re.compile(r"^\|\s*(?P<names>`[^|]+)\|\s*(?P<required>[^|]*)\|\s*(?P<meaning>.*)\|\s*$")


# Column -> (resource, key) it references, per resource: every figure's source and system are rows of those tables.
FOREIGN_KEYS = {
    "figures": {"source_id": ("sources", "source_id"), "system_id": ("systems", "system_id")},
    "chips": {"source_id": ("sources", "source_id")},
    "figures_sourced": {"source_id": ("sources", "source_id")},
}


def column_dictionary(readme_text: str | None = None) -> dict[str, str]:
    """Column name -> meaning, read from the tables of ``data/raw/README.md``."""
    text = readme_text if readme_text is not None else (paths.DATA_RAW / "README.md").read_text(encoding="utf-8")
    dictionary = {}
    for line in text.splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        meaning = match["meaning"].strip()
        for name in re.findall(r"`([a-z0-9_]+)`", match["names"]):
            dictionary.setdefault(name, meaning)  # the first table that defines a column (figures, sources)
    return dictionary


def describe(column: str, dictionary: dict[str, str]) -> str:
    if column in dictionary:
        return dictionary[column]
    if column in DERIVED_COLUMNS:
        return DERIVED_COLUMNS[column]
    raise KeyError(f"column {column!r} has no description in data/raw/README.md or datapackage.DERIVED_COLUMNS")


def _field_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def table_schema(frame: pd.DataFrame, dictionary: dict[str, str]) -> dict:
    fields = [
        {"name": column, "type": _field_type(frame[column]), "description": describe(column, dictionary)}
        for column in frame.columns
    ]
    schema = {"fields": fields}
    key = next((k for k in ("figure_id", "chip_id", "system_id", "source_id", "id") if k in frame.columns), None)
    if key and frame[key].is_unique:
        schema["primaryKey"] = key
    return schema


def datapackage(layout: paths.ProcessedLayout, edition: Edition) -> dict:
    """The descriptor: one CSV resource (and its Parquet twin) per published table, with typed fields."""
    dictionary = column_dictionary()
    resources = []
    for name, (stem, description) in PUBLISHED.items():
        csv_path = layout.base / f"{stem}.csv"
        parquet_path = csv_path.with_suffix(".parquet")
        # Parquet keeps the column types; key_numbers has only a CSV.
        frame = pd.read_parquet(parquet_path) if parquet_path.exists() else pd.read_csv(csv_path, keep_default_na=False)
        resource = {
            "profile": "tabular-data-resource",
            "name": name,
            "path": f"{stem}.csv",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": description,
            "schema": table_schema(frame, dictionary),
        }
        references = [(c, t, k) for c, (t, k) in FOREIGN_KEYS.get(name, {}).items() if c in frame.columns]
        if references:
            resource["schema"]["foreignKeys"] = [
                {"fields": column, "reference": {"resource": table, "fields": key}} for column, table, key in references
            ]
        if parquet_path.exists():
            resource["alternates"] = [f"{stem}.parquet"]
        resources.append(resource)
    return {
        "profile": "tabular-data-package",
        "name": "compute-ledger",
        "title": edition.title,
        "version": edition.version,
        "created": f"{edition.date}T00:00:00Z",  # the spec wants a datetime: the edition's day
        "description": "Curated, sourced figures on the AI compute build-out (accelerators, power, money) and the "
        "numbers the Compute Ledger book computes from them.",
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0 (the project's own data; quotes belong to their authors)",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "resources": resources,
    }


def write_datapackage(layout: paths.ProcessedLayout, edition: Edition) -> None:
    descriptor = datapackage(layout, edition)
    layout.datapackage.write_text(json.dumps(descriptor, indent=1, sort_keys=True) + "\n", encoding="utf-8")
