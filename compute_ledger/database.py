"""Load the validated ledger into DuckDB and export the processed tables (CSV and Parquet).

The database is written to a temporary file beside its target and moved into place only when complete, so a
failure never leaves a half-written database where the chapters read it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from compute_ledger import metadata, units

if TYPE_CHECKING:  # the chapters import this module; they need not load pandera
    from compute_ledger.schema import Ledger

# Where a series, a fit, a key number or a projection base may draw from: no row on a weak source, and only one
# cluster or one site (never a programme, a fleet or a pipeline). The one gate: every series view reads this one.
SERIES_TIERS = ("primary", "record", "secondary")
SINGLE_SYSTEM_SCOPES = ("training_run", "cluster", "site")

# Views the chapters read. One place: chapters query these names, never the raw columns' logic.
VIEWS = {
    "figures_sourced": """
        SELECT f.*, s.title AS source_title, s.publisher, s.author, s.date_published, s.url, s.read_at,
               s.accessed AS source_accessed, s.language, s.tier AS source_tier, s.seed_file
        FROM figures f JOIN sources s USING (source_id)
    """,
    "series_eligible": f"""
        SELECT * FROM figures_sourced
        WHERE source_tier IN {SERIES_TIERS} AND category <> 'published_trend'
    """,
    "accelerator_counts": f"""
        SELECT * FROM series_eligible
        WHERE metric = 'accelerator_count' AND scope IN {SINGLE_SYSTEM_SCOPES}
    """,
    "largest_cluster_by_year": """
        SELECT * FROM (
            SELECT *, row_number() OVER (
                PARTITION BY ref_year, status = 'announced plan' ORDER BY value DESC, figure_id) AS rank_in_year
            FROM accelerator_counts WHERE ref_year IS NOT NULL AND status <> 'projection'
              AND coalesce(preferred, true)
        ) WHERE rank_in_year = 1
    """,
    "site_power": f"""
        SELECT * FROM series_eligible WHERE metric = 'data_centre_power' AND unit = 'MW'
          AND scope IN {SINGLE_SYSTEM_SCOPES} AND power_measure <> 'generation'
    """,
    # Rows a dated series would take but for their missing date: listed by the checks chapter, never dropped
    # without notice.
    "undated_series_rows": f"""
        SELECT * FROM series_eligible
        WHERE (ref_date IS NULL OR ref_date = '')
          AND (metric = 'accelerator_count' AND scope IN {SINGLE_SYSTEM_SCOPES}
               OR metric = 'data_centre_power' AND scope IN {SINGLE_SYSTEM_SCOPES} AND power_measure <> 'generation'
               OR metric = 'capital_expenditure')
    """,
    "money": """
        SELECT * FROM figures_sourced WHERE category = 'money' OR unit IN ('USD', 'USD_per_accelerator')
    """,
    "published_trends": "SELECT * FROM figures_sourced WHERE category = 'published_trend'",
    "disagreements": """
        SELECT * FROM figures_sourced WHERE quantity_id IS NOT NULL AND quantity_id <> ''
        ORDER BY quantity_id, preferred DESC, figure_id
    """,
    "seed_figures": """
        SELECT * FROM figures_sourced WHERE seed_file IS NOT NULL AND seed_file <> ''
    """,
}

# The published tables the database writes (metadata.PUBLISHED: the others are written by the catalogues step).
EXPORTED = tuple(table for table in metadata.PUBLISHED if table.from_database)


def build_database(ledger: Ledger, database_path: Path) -> None:
    """Write the tables and views into a fresh database at ``database_path`` (atomically replaced)."""
    database_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = database_path.with_name(database_path.name + ".tmp")
    for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
        leftover.unlink(missing_ok=True)
    connection = duckdb.connect(str(temporary))
    try:
        sources = ledger.sources  # noqa: F841 (read by DuckDB's replacement scan)
        figures = pd.concat([ledger.figures, units.equivalents(ledger.figures, ledger.chips)], axis=1)  # noqa: F841
        chips = ledger.chips.assign(h100e_per_chip=units.ratios(ledger.chips).to_numpy())  # noqa: F841
        systems = ledger.systems  # noqa: F841
        scorecard = ledger.scorecard  # noqa: F841
        connection.execute("CREATE TABLE sources AS SELECT * FROM sources ORDER BY source_id")
        connection.execute("CREATE TABLE figures AS SELECT * FROM figures ORDER BY figure_id")
        connection.execute("CREATE TABLE chips AS SELECT * FROM chips ORDER BY chip_id")
        connection.execute("CREATE TABLE systems AS SELECT * FROM systems ORDER BY system_id")
        connection.execute("CREATE TABLE scorecard AS SELECT * FROM scorecard ORDER BY pair_id")
        for name, query in VIEWS.items():
            connection.execute(f"CREATE VIEW {name} AS {query}")
        connection.execute("CHECKPOINT")
    finally:
        connection.close()
    os.replace(temporary, database_path)


def export_tables(database_path: Path, tables_dir: Path) -> list[Path]:
    """CSV and Parquet copies of the published tables, sorted so that the same data gives the same bytes."""
    tables_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(database_path), read_only=True) as connection:
        for table in EXPORTED:
            frame = connection.execute(f"SELECT * FROM {table.name}").df()
            key = next(k for k in ("figure_id", "chip_id", "system_id", "source_id", "pair_id") if k in frame.columns)
            frame = frame.sort_values(key, kind="stable").reset_index(drop=True)
            for extension in table.formats:
                path = tables_dir / f"{Path(table.stem).name}.{extension}"
                if extension == "csv":
                    frame.to_csv(path, index=False, lineterminator="\n")
                elif extension == "parquet":
                    frame.to_parquet(path, index=False)
                else:
                    raise ValueError(f"metadata.PUBLISHED: the database cannot write {table.name} as {extension}")
                written.append(path)
    return written


def connect_read_only(database_path: Path | str) -> duckdb.DuckDBPyConnection:
    """How the chapters open the database: read-only, so that several can read at once."""
    return duckdb.connect(str(database_path), read_only=True)


def figures_by_id(
    connection: duckdb.DuckDBPyConnection, ids: list[str] | tuple[str, ...], view: str = "figures_sourced"
) -> pd.DataFrame:
    """The rows of ``view`` with these figure ids, in the order given; LookupError naming every missing id."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    frame = connection.execute(f"SELECT * FROM {view} WHERE figure_id IN (SELECT unnest(?))", [list(ids)]).df()
    missing = [figure_id for figure_id in ids if figure_id not in set(frame["figure_id"])]
    if missing:
        raise LookupError(f"figure(s) missing from data/raw/figures.csv (view {view}): {', '.join(missing)}")
    return frame.set_index("figure_id").loc[list(ids)].reset_index()
