"""The Frictionless ``datapackage.json`` describing the published tables.

The tables (:data:`metadata.PUBLISHED`: files, descriptions, keys) and the meaning of each column
(:func:`metadata.describe`) are written once, in :mod:`compute_ledger.metadata`; the enum constraints are the
vocabularies ``schema.py`` validates ``data/raw`` with.
"""

from __future__ import annotations

import json

import frictionless
import pandas as pd

from compute_ledger import metadata, paths, schema
from compute_ledger.citation import Edition


def _field_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


DATA_LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International (the project's own data)",
}
QUOTES_LICENCE_NOTE = (
    "The curation and the computed columns are CC BY 4.0; the quotes belong to their authors and publishers and are "
    "reproduced briefly, with attribution, to make each figure checkable."
)


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
    (:data:`metadata.CHIP_MIX_SEPARATOR`); placeholders (``mixed``, ``unknown``) and empty cells name none."""
    rows = [
        (row.figure_id, chip_id)
        for row in figures[["figure_id", "chip"]].itertuples()
        if row.chip and row.chip not in metadata.CHIP_PLACEHOLDERS
        for chip_id in row.chip.split(metadata.CHIP_MIX_SEPARATOR)
    ]
    frame = pd.DataFrame(rows, columns=["figure_id", "chip_id"])
    return frame.drop_duplicates().sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def _field(name: str, series: pd.Series, enum: tuple[str, ...] | None) -> frictionless.Field:
    descriptor = {"name": name, "type": _field_type(series), "description": metadata.describe(name)}
    if enum and descriptor["type"] == "string":  # a true/false vocabulary is typed boolean already
        descriptor["constraints"] = {"enum": list(enum)}
    return frictionless.Field.from_descriptor(descriptor)


def table_schema(table: metadata.PublishedTable, frame: pd.DataFrame, enums: dict) -> frictionless.Schema:
    schema_ = frictionless.Schema(fields=[_field(column, frame[column], enums.get(column)) for column in frame.columns])
    key = table.primary_key or next(
        ((k,) for k in ("figure_id", "chip_id", "system_id", "source_id", "id") if k in frame.columns), None
    )
    if key and not frame.duplicated(list(key)).any():
        schema_.primary_key = list(key)
    schema_.foreign_keys = [
        {"fields": [column], "reference": {"resource": target, "fields": [target_key]}}
        for column, (target, target_key) in table.foreign_keys.items()
        if column in frame.columns
    ]
    return schema_


def datapackage(layout: paths.ProcessedLayout, edition: Edition) -> frictionless.Package:
    """The package: one CSV resource (and its Parquet twin) per published table, with typed fields, keys, enum
    constraints and a licence each, built with frictionless's own classes."""
    enums = vocabularies()
    resources = []
    for table in metadata.PUBLISHED:
        csv_path = layout.base / f"{table.stem}.csv"
        parquet = "parquet" in table.formats
        # Parquet keeps the column types; the tables without one are read from their CSV.
        frame = (
            pd.read_parquet(csv_path.with_suffix(".parquet"))
            if parquet
            else pd.read_csv(csv_path, keep_default_na=False)
        )
        licence = DATA_LICENCE | ({"title": f"{DATA_LICENCE['title']}; {QUOTES_LICENCE_NOTE}"} if table.quotes else {})
        resource = frictionless.Resource(
            name=table.name,
            profile="tabular-data-resource",
            path=f"{table.stem}.csv",
            format="csv",
            mediatype="text/csv",
            encoding="utf-8",
            description=table.description,
            licenses=[licence],
            schema=table_schema(table, frame, enums.get(table.name, {})),
        )
        if parquet:
            resource.custom["alternates"] = [f"{table.stem}.parquet"]
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
