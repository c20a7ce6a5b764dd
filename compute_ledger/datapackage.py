"""The data dictionary and the Frictionless ``datapackage.json`` describing the published tables.

The meaning of each curated column is written once, in ``data/raw/README.md``; this module reads it from there. The
columns the pipeline adds (typed dates, source details joined in) are described in ``DERIVED_COLUMNS``.
"""

from __future__ import annotations

import json
import re

import frictionless
import pandas as pd

from compute_ledger import paths, schema
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
    "key_number_id": "id of the key number (key_numbers.csv)",
    "role": "input: the number is computed from the figure; checked: the number tests or counts it",
    "edition_date": "release date of the edition",
}

PUBLISHED = {
    "figures": ("tables/figures", "Every curated figure, typed, with its quote and status."),
    "sources": ("tables/sources", "The source registry: who published each figure, when, where."),
    "chips": ("tables/chips", "The chip reference table: dense 16-bit TFLOPS and TDP per accelerator model, sourced."),
    "systems": ("tables/systems", "One record per cluster, site or programme that figures describe over time."),
    "scorecard": (
        "tables/scorecard",
        "Published projections paired with the outturns observed later: the pairs the scorecard chapter grades.",
    ),
    "figures_sourced": ("tables/figures_sourced", "Figures joined with their sources (one row per figure)."),
    "largest_cluster_by_year": (
        "tables/largest_cluster_by_year",
        "The largest known accelerator count per year (built, and announced plans separately).",
    ),
    "disagreements": ("tables/disagreements", "Rows of quantities reported by more than one source."),
    "key_numbers": ("key_numbers", "Every headline number of the book: value, method, inputs, parameter set."),
    "figure_chips": (
        "tables/figure_chips",
        "The chip models each figure names, one row per pair: a mix (chip 'gb200|gb300') gives one row per model.",
    ),
    "key_number_figures": (
        "tables/key_number_figures",
        "The figures each key number is computed from (role input) or checks (role checked), one row per pair.",
    ),
}

_ROW = re.compile(r"^\|\s*(?P<names>`[^|]+)\|\s*(?P<required>[^|]*)\|\s*(?P<meaning>.*)\|\s*$")


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


# Column -> (resource, key) it references, per resource. An empty cell references nothing.
FOREIGN_KEYS = {
    "figures": {
        "source_id": ("sources", "source_id"),
        "system_id": ("systems", "system_id"),
    },
    # A figure's chip cell may name a mix of models ("gb200|gb300"), which one cell cannot reference: the models it
    # names are linked through figure_chips.
    "figure_chips": {"figure_id": ("figures", "figure_id"), "chip_id": ("chips", "chip_id")},
    "chips": {"source_id": ("sources", "source_id"), "tdp_source_id": ("sources", "source_id")},
    "figures_sourced": {"figure_id": ("figures", "figure_id"), "source_id": ("sources", "source_id")},
    "scorecard": {
        "projection_figure_id": ("figures", "figure_id"),
        "outturn_figure_id": ("figures", "figure_id"),
    },
    "largest_cluster_by_year": {"figure_id": ("figures", "figure_id")},
    "disagreements": {"figure_id": ("figures", "figure_id")},
    "key_number_figures": {"key_number_id": ("key_numbers", "id"), "figure_id": ("figures", "figure_id")},
}
PRIMARY_KEYS = {
    "key_number_figures": ("key_number_id", "figure_id", "role"),
    "figure_chips": ("figure_id", "chip_id"),
    "scorecard": ("pair_id",),
}

DATA_LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International (the project's own data)",
}
QUOTES_LICENCE_NOTE = (
    "The curation and the computed columns are CC BY 4.0; the quotes belong to their authors and publishers and are "
    "reproduced briefly, with attribution, to make each figure checkable."
)
# The resources whose rows carry the sources' quotes.
WITH_QUOTES = ("figures", "figures_sourced", "largest_cluster_by_year", "disagreements")


def vocabularies() -> dict[str, dict[str, tuple[str, ...]]]:
    """Resource -> column -> allowed values, read from the pandera contract of ``data/raw`` (schema.py), so the
    enum constraints and the validation of the curated files share one definition. The joined tables carry the
    figures' columns and the source's (``tier`` is published there as ``source_tier``)."""

    def allowed(frame_schema) -> dict[str, tuple[str, ...]]:
        found = {}
        for name, column in frame_schema.columns.items():
            for check in column.checks:
                if check.name == "vocabulary":
                    found[name] = tuple(value for value in check.statistics["allowed_values"] if value != "")
        return found

    figures = allowed(schema.figures_schema(set()))
    sources = allowed(schema.sources_schema(set()))
    joined = figures | {"language": sources["language"], "source_tier": sources["tier"]}
    return {
        "figures": figures,
        "sources": sources,
        "systems": allowed(schema.systems_schema()),
        "figures_sourced": joined,
        "largest_cluster_by_year": joined,
        "disagreements": joined,
    }


def key_number_figures(catalogue: pd.DataFrame) -> pd.DataFrame:
    """One row per (key number, figure): the figures each number is computed from (``input``) or checks
    (``checked``), so the package can declare them as foreign keys (a list in one cell cannot be one)."""
    rows = [
        (number.id, figure_id, role)
        for number in catalogue.itertuples()
        for role, figure_ids in (("input", number.inputs), ("checked", number.checked))
        for figure_id in figure_ids
    ]
    frame = pd.DataFrame(rows, columns=["key_number_id", "figure_id", "role"])
    return frame.drop_duplicates().sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def figure_chips(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per (figure, chip model) the figure's ``chip`` names: a single chip_id, or each model of a mix
    (:data:`schema.CHIP_MIX_SEPARATOR`); placeholders (``mixed``, ``unknown``) and empty cells name none."""
    rows = [
        (row.figure_id, chip_id)
        for row in figures[["figure_id", "chip"]].itertuples()
        if row.chip and row.chip not in schema.CHIP_PLACEHOLDERS
        for chip_id in row.chip.split(schema.CHIP_MIX_SEPARATOR)
    ]
    frame = pd.DataFrame(rows, columns=["figure_id", "chip_id"])
    return frame.drop_duplicates().sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def _field(
    name: str, series: pd.Series, dictionary: dict[str, str], enum: tuple[str, ...] | None
) -> frictionless.Field:
    descriptor = {"name": name, "type": _field_type(series), "description": describe(name, dictionary)}
    if enum and descriptor["type"] == "string":  # a true/false vocabulary is typed boolean already
        descriptor["constraints"] = {"enum": list(enum)}
    return frictionless.Field.from_descriptor(descriptor)


def table_schema(name: str, frame: pd.DataFrame, dictionary: dict[str, str], enums: dict) -> frictionless.Schema:
    table = frictionless.Schema(
        fields=[_field(column, frame[column], dictionary, enums.get(column)) for column in frame.columns]
    )
    key = PRIMARY_KEYS.get(name) or next(
        ((k,) for k in ("figure_id", "chip_id", "system_id", "source_id", "id") if k in frame.columns), None
    )
    if key and not frame.duplicated(list(key)).any():
        table.primary_key = list(key)
    table.foreign_keys = [
        {"fields": [column], "reference": {"resource": target, "fields": [target_key]}}
        for column, (target, target_key) in FOREIGN_KEYS.get(name, {}).items()
        if column in frame.columns
    ]
    return table


def datapackage(layout: paths.ProcessedLayout, edition: Edition) -> frictionless.Package:
    """The package: one CSV resource (and its Parquet twin) per published table, with typed fields, keys, enum
    constraints and a licence each, built with frictionless's own classes."""
    dictionary = column_dictionary()
    enums = vocabularies()
    resources = []
    for name, (stem, description) in PUBLISHED.items():
        csv_path = layout.base / f"{stem}.csv"
        parquet_path = csv_path.with_suffix(".parquet")
        # Parquet keeps the column types; key_numbers has only a CSV.
        frame = pd.read_parquet(parquet_path) if parquet_path.exists() else pd.read_csv(csv_path, keep_default_na=False)
        licence = DATA_LICENCE | (
            {"title": f"{DATA_LICENCE['title']}; {QUOTES_LICENCE_NOTE}"} if name in WITH_QUOTES else {}
        )
        resource = frictionless.Resource(
            name=name,
            profile="tabular-data-resource",
            path=f"{stem}.csv",
            format="csv",
            mediatype="text/csv",
            encoding="utf-8",
            description=description,
            licenses=[licence],
            schema=table_schema(name, frame, dictionary, enums.get(name, {})),
        )
        if parquet_path.exists():
            resource.custom["alternates"] = [f"{stem}.parquet"]
        resources.append(resource)
    package = frictionless.Package(
        name="compute-ledger",
        profile="tabular-data-package",
        title=edition.title,
        version=edition.version,
        created=f"{edition.date}T00:00:00Z",  # the spec wants a datetime: the edition's day
        description=f"Edition {edition.version} ({edition.date}). Curated, sourced figures on the AI compute "
        "build-out (accelerators, power, money) and the numbers the Compute Ledger book computes from them.",
        licenses=[DATA_LICENCE],
        resources=resources,
    )
    if edition.url:
        package.homepage = edition.url
    return package


def write_datapackage(layout: paths.ProcessedLayout, edition: Edition) -> None:
    """The link tables the foreign keys need (figure -> chip models, from tables/figures.csv; key number ->
    figures, from key_numbers.json), then datapackage.json."""
    figures = pd.read_csv(layout.tables / "figures.csv", dtype=str, keep_default_na=False)
    figure_chips(figures).to_csv(layout.tables / "figure_chips.csv", index=False, lineterminator="\n")
    catalogue = pd.DataFrame(json.loads(layout.key_numbers_json.read_text(encoding="utf-8")), dtype=object)
    key_number_figures(catalogue).to_csv(layout.tables / "key_number_figures.csv", index=False, lineterminator="\n")
    descriptor = datapackage(layout, edition).to_descriptor()
    layout.datapackage.write_text(json.dumps(descriptor, indent=1, sort_keys=True) + "\n", encoding="utf-8")
