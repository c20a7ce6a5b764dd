"""Every query the chapters run on the ledger, in one place: each reads one of the database's views
(``database.VIEWS``) and returns a DataFrame; the analysis modules take these frames and never see the database.

The rules that choose rows in SQL are named here too (which scopes a site series takes, which rows are not the power
a site draws, which statuses a record may have), so a query and its rule are read together.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from compute_ledger import database, metadata, units
from compute_ledger.database import figures_by_id
from compute_ledger.dates import observed_until

__all__ = ["figures_by_id"]  # the rows of given figure ids, from database (one query, used everywhere)

# Columns the growth and record series carry.
SERIES_COLUMNS = """figure_id, ref_date, ref_year, decimal_year, value, low, high, unit, unit_detail, status,
    confidence, entity, subject, scope, publisher, url, seed_file"""
COUNT_COLUMNS = """figure_id, ref_date, ref_year, decimal_year, value, low, high, unit, unit_detail, status,
    confidence, entity, subject, scope, quote, quote_en, publisher, date_published, url, source_id, seed_file"""

# Rows of the view site_power that are not the power a single site or cluster draws or is built for.
NOT_SITE_POWER: dict[str, str] = {
    "seed-000-no-1gw-training-cluster-yet": "a statement that nobody had built a 1 GW cluster yet, not a power",
    "pow-colossus1-megapack-150mw-2025": "battery backup capacity, not the power the site draws",
    "pow-xai-southaven-turbines-245mw": "generating capacity of gas turbines, not the power the site draws",
    "seed-000-datacentre-150mw-largest": "the size of the largest data centres in general (Zuckerberg), not one site",
    "seed-000-datacentre-100mw-typical": "a typical data-centre size (Zuckerberg), not one site",
    "seed-000-datacentre-50mw-typical": "a typical data-centre size (Zuckerberg), not one site",
}
SITE_POWER_SCOPES = ("site", "cluster")
# Power that a site draws or is built to draw: IT load, facility power, or a power the source leaves unqualified.
# Grid supply (an interconnection's capacity, often energised ahead of the load) and on-site generation are not.
SITE_RECORD_MEASURES = ("it", "facility", "unspecified")


# --- GPU counts and the frontier ----------------------------------------------------------------------------------


def accelerator_counts(connection: duckdb.DuckDBPyConnection, start_year: int) -> pd.DataFrame:
    """Every dated accelerator count of a training run, cluster or site from ``start_year``."""
    return connection.execute(
        f"SELECT {COUNT_COLUMNS} FROM accelerator_counts WHERE ref_year >= ? ORDER BY decimal_year, value",
        [start_year],
    ).df()


def systems(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The systems table (system_id, name, operator, location, scope)."""
    return connection.execute("SELECT system_id, name, operator, location, scope FROM systems").df()


def record_candidates_compute(connection: duckdb.DuckDBPyConnection, start_year: int) -> pd.DataFrame:
    """Dated accelerator counts of single clusters, sites and training runs that were built or used, dated up to
    the edition (:func:`dates.observed_until`), in H100-equivalents (the chip table's conversion; a count of unknown
    chips takes its range's geometric middle).

    Non-preferred rows of a group measuring one quantity are left out, as are low-confidence rows (unconfirmed),
    rows on weak sources and every programme, fleet and pipeline (the ``accelerator_counts`` view)."""
    return connection.execute(
        f"""
        SELECT {SERIES_COLUMNS}, system_id, chip, h100e AS record_value, h100e_low AS record_low,
               h100e_high AS record_high, source_tier
        FROM accelerator_counts
        WHERE ref_year IS NOT NULL AND ref_year >= ? AND decimal_year <= ? AND status IN (SELECT unnest(?))
          AND coalesce(preferred, true) AND confidence <> 'low' AND h100e IS NOT NULL AND h100e > 0
        ORDER BY decimal_year, figure_id
        """,
        [start_year, observed_until(), list(metadata.RECORD_STATUSES)],
    ).df()


def record_candidates_site(connection: duckdb.DuckDBPyConnection, start_year: int) -> pd.DataFrame:
    """Dated power of single sites and clusters that were built or used (MW), dated up to the edition, measured as in
    :data:`SITE_RECORD_MEASURES`, without the rows of :data:`NOT_SITE_POWER`, weak sources, low-confidence rows
    (unconfirmed claims) and non-preferred rows of a group."""
    return connection.execute(
        f"""
        SELECT {SERIES_COLUMNS}, system_id, chip, power_measure, value AS record_value, low AS record_low,
               high AS record_high, source_tier
        FROM site_power
        WHERE ref_year IS NOT NULL AND ref_year >= ? AND decimal_year <= ? AND status IN (SELECT unnest(?))
          AND scope IN (SELECT unnest(?)) AND figure_id NOT IN (SELECT unnest(?))
          AND power_measure IN (SELECT unnest(?))
          AND coalesce(preferred, true) AND confidence <> 'low' AND value > 0
        ORDER BY decimal_year, figure_id
        """,
        [
            start_year,
            observed_until(),
            list(metadata.RECORD_STATUSES),
            list(SITE_POWER_SCOPES),
            list(NOT_SITE_POWER),
            list(SITE_RECORD_MEASURES),
        ],
    ).df()


# --- Growth --------------------------------------------------------------------------------------------------------


def largest_cluster_points(connection: duckdb.DuckDBPyConnection, start_year: int) -> pd.DataFrame:
    """Largest accelerator count per year from ``start_year``: built or used (dated up to the edition), and
    announced, separately."""
    return connection.execute(
        f"""SELECT {SERIES_COLUMNS} FROM largest_cluster_by_year
            WHERE ref_year >= ? AND (status = 'announced plan' OR decimal_year <= ?) ORDER BY decimal_year, status""",
        [start_year, observed_until()],
    ).df()


def largest_site_power_points(connection: duckdb.DuckDBPyConnection, start_year: int) -> pd.DataFrame:
    """Largest power of a single site or cluster per year (MW), built and announced separately.

    Projections are left out (a model output), as are the rows of :data:`NOT_SITE_POWER` and the non-preferred
    rows of a group measuring the same quantity. Ties are broken by figure_id, as in ``largest_cluster_by_year``.
    """
    return connection.execute(
        f"""
        SELECT {SERIES_COLUMNS} FROM (
            SELECT *, row_number() OVER (
                PARTITION BY ref_year, status = 'announced plan' ORDER BY value DESC, figure_id) AS rank_in_year
            FROM site_power
            WHERE ref_year IS NOT NULL AND ref_year >= ? AND status <> 'projection'
              AND (status = 'announced plan' OR decimal_year <= ?)
              AND scope IN (SELECT unnest(?)) AND figure_id NOT IN (SELECT unnest(?))
              AND coalesce(preferred, true)
        ) WHERE rank_in_year = 1
        ORDER BY decimal_year, status
        """,
        [start_year, observed_until(), list(SITE_POWER_SCOPES), list(NOT_SITE_POWER)],
    ).df()


def published_trends(connection: duckdb.DuckDBPyConnection, figure_ids: list[str]) -> pd.DataFrame:
    """The published-trend rows of these ids, in the order given (LookupError naming any missing)."""
    return figures_by_id(connection, figure_ids, view="published_trends")


# --- Power ---------------------------------------------------------------------------------------------------------


def system_power(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The power rows of single systems (the ``site_power`` view: no weak source, no generation), with each
    system's name, operator and scope from data/raw/systems.csv."""
    return connection.execute(
        """
        SELECT p.*, s.name AS system_name, s.operator AS system_operator, s.scope AS system_scope
        FROM site_power p JOIN systems s USING (system_id)
        ORDER BY p.system_id, p.decimal_year NULLS LAST, p.figure_id
        """
    ).df()


def grouped_power(connection: duckdb.DuckDBPyConnection, scopes: tuple[str, ...]) -> pd.DataFrame:
    """Power (MW) of rows of these scopes, largest first: company pipelines, fleets and multi-site programmes
    (``power.GROUPED_SCOPES``) are never one site, so never in a timeline."""
    return connection.execute(
        """
        SELECT * FROM series_eligible
        WHERE metric = 'data_centre_power' AND unit = 'MW' AND scope IN (SELECT unnest(?))
        ORDER BY value DESC, figure_id
        """,
        [list(scopes)],
    ).df()


def electricity_rows(connection: duckdb.DuckDBPyConnection, unit: str) -> pd.DataFrame:
    """Every row of annual data-centre electricity use in ``unit`` (``power.ELECTRICITY_UNIT``), published trends
    included, on sources that are not weak."""
    return connection.execute(
        f"""
        SELECT * FROM figures_sourced
        WHERE metric = 'electricity_use' AND unit = ? AND source_tier IN {database.SERIES_TIERS}
        ORDER BY entity, decimal_year, figure_id
        """,
        [unit],
    ).df()


# --- Money ---------------------------------------------------------------------------------------------------------


def capex_rows(
    connection: duckdb.DuckDBPyConnection, entities: tuple[str, ...], view: str = "series_eligible"
) -> pd.DataFrame:
    """Every capital-expenditure row of these companies in ``view`` (``figures_sourced`` only to list what a
    series leaves out: a series reads ``series_eligible``)."""
    if view not in ("series_eligible", "figures_sourced"):
        raise ValueError(f"capex rows come from series_eligible or figures_sourced, not {view!r}")
    return connection.execute(
        f"SELECT * FROM {view} WHERE metric = 'capital_expenditure' AND entity IN (SELECT unnest(?)) "
        "ORDER BY entity, ref_date, figure_id",
        [list(entities)],
    ).df()


def fab_rows(connection: duckdb.DuckDBPyConnection, metrics: tuple[str, ...]) -> pd.DataFrame:
    """The rows of ``series_eligible`` with these metrics (``money.FAB_METRICS``: fab investment, public funding)."""
    return connection.execute("SELECT * FROM series_eligible WHERE metric IN (SELECT unnest(?))", [list(metrics)]).df()


def deal_rows(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The rows of ``series_eligible`` whose subject names a deal (``deal: <name> — <what>``)."""
    return connection.execute("SELECT * FROM series_eligible WHERE subject LIKE 'deal:%' ORDER BY figure_id").df()


# --- Cross-checks --------------------------------------------------------------------------------------------------


def disagreements(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every row of a quantity on which several sources give a value (the ``disagreements`` view)."""
    return connection.execute("SELECT * FROM disagreements").df()


# --- Projections --------------------------------------------------------------------------------------------------


def chip_power(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each accelerator count's chip power from the chip table (``figure_id``, ``chip_power_mw``)."""
    return connection.execute("SELECT figure_id, chip_power_mw FROM accelerator_counts").df()


def chip_tdp_w(connection: duckdb.DuckDBPyConnection, chip_id: str) -> float:
    """One chip's TDP (W) from the chip table."""
    return float(connection.execute("SELECT tdp_w FROM chips WHERE chip_id = ?", [chip_id]).fetchone()[0])


def chain_inputs(connection: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """What the scenario chain reads (the fields of ``scenarios.ChainInputs``): the record candidates in H100e of
    every year with their chip power, and the H100's TDP."""
    candidates = record_candidates_compute(connection, 0).merge(
        chip_power(connection), on="figure_id", how="left", validate="one_to_one"
    )
    return {"candidates": candidates, "h100_tdp_w": chip_tdp_w(connection, units.REFERENCE_CHIP)}


def outlook_inputs(connection: duckdb.DuckDBPyConnection, published_ids: list[str]) -> dict[str, pd.DataFrame]:
    """What the record what-if reads (``outlook.build``): both record candidate sets of every year and the ledger rows
    of the published projections it sets beside them (``outlook.PUBLISHED``)."""
    return {
        "compute_candidates": record_candidates_compute(connection, 0),
        "site_candidates": record_candidates_site(connection, 0),
        "published_rows": figures_by_id(connection, published_ids),
    }


# Sites of 1 GW or more that are not plans, leaving out the seed's own statement (a threshold, not a site).
_BUILT_GIGAWATT = (
    "value >= 1000 AND scope IN ('site', 'cluster') AND status IN ('reported', 'estimate') "
    "AND figure_id <> 'seed-000-no-1gw-training-cluster-yet'"
)


def claims_inputs(connection: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """What the claims are checked against (the fields of ``claims.ClaimInputs``): every figure with its source, the
    largest clusters of 2022 and 2024 that are not plans, and the sites of 1 GW or more that are not plans."""
    return {
        "figures": all_figures(connection, view="figures_sourced"),
        "largest_cluster": connection.execute(
            "SELECT ref_year, value, figure_id FROM largest_cluster_by_year "
            "WHERE status <> 'announced plan' AND ref_year IN (2022, 2024) ORDER BY ref_year"
        ).df(),
        "built_gigawatt": connection.execute(
            f"SELECT figure_id, decimal_year FROM site_power WHERE {_BUILT_GIGAWATT} ORDER BY decimal_year, figure_id"
        ).df(),
    }


# --- the scorecard of projections ---------------------------------------------------------------------------------

# What each side of a pair carries from figures_sourced, prefixed projection_ or outturn_.
_PAIR_SIDE_COLUMNS = (
    "figure_id",
    "entity",
    "subject",
    "scope",
    "metric",
    "status",
    "ref_date",
    "value",
    "low",
    "high",
    "unit",
    "h100e",
    "h100e_low",
    "h100e_high",
    "publisher",
    "date_published",
    "url",
    "read_at",
    "quote",
    "source_tier",
)


def scorecard_pairs(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every pair of data/raw/scorecard.csv, one row each in pair_id order, joined to both figures and their sources:
    the pair's columns, then each side's figure columns prefixed ``projection_`` / ``outturn_``; ``projection_made``
    and ``outturn_made`` are the date each was published (the source's date_published, or the pair's own date where
    the source shows none)."""
    sides = ", ".join(f"{side[0]}.{c} AS {side}_{c}" for side in ("projection", "outturn") for c in _PAIR_SIDE_COLUMNS)
    return connection.execute(
        f"""SELECT s.pair_id, s.projection_by, s.outturn_by, s.quantity, s.comparison,
                   coalesce(nullif(p.date_published, ''), s.projection_made) AS projection_made,
                   coalesce(nullif(o.date_published, ''), s.outturn_made) AS outturn_made, {sides}
            FROM scorecard s
            JOIN figures_sourced p ON p.figure_id = s.projection_figure_id
            JOIN figures_sourced o ON o.figure_id = s.outturn_figure_id
            ORDER BY s.pair_id"""
    ).df()


# --- the book's appendices (Sources, Data, About, Key numbers) ---------------------------------------------------


def all_figures(connection: duckdb.DuckDBPyConnection, view: str = "figures") -> pd.DataFrame:
    """Every row of ``figures`` (or of ``figures_sourced``: with its source's columns), by figure id."""
    if view not in ("figures", "figures_sourced"):
        raise ValueError(f"no figures view {view!r}")
    return connection.execute(f"SELECT * FROM {view} ORDER BY figure_id").df()


def sources_by_publisher(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The source registry, by publisher then source id (the Sources appendix's order)."""
    return connection.execute("SELECT * FROM sources ORDER BY publisher, source_id").df()


def figure_subjects(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each figure's id and subject, by id (the citation files' entries)."""
    return connection.execute("SELECT figure_id, subject FROM figures ORDER BY figure_id").df()


def figure_citations(connection: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """figure id -> (publisher, url, quote, read_at) of its source: what a key number's citation links to."""
    rows = connection.execute(
        "SELECT figure_id, publisher, url, quote, read_at FROM figures_sourced ORDER BY figure_id"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def source_tiers(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """figure id -> the tier of its source (the catalogue step refuses key numbers that rest on weak ones)."""
    return dict(connection.execute("SELECT figure_id, source_tier FROM figures_sourced").fetchall())


def ledger_counts(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The About page's counts: figures, sources, disagreement groups and their rows, rows on weak sources, dollar
    rows, and dollar rows whose dollars are of another year than the figure's."""
    names = ("figures", "sources", "disagreement_groups", "disagreement_rows", "weak", "dollars", "other_year")
    values = connection.execute(
        """SELECT
            (SELECT count(*) FROM figures),
            (SELECT count(*) FROM sources),
            (SELECT count(DISTINCT quantity_id) FROM disagreements),
            (SELECT count(*) FROM disagreements),
            (SELECT count(*) FROM figures_sourced WHERE source_tier = 'weak'),
            (SELECT count(*) FROM figures_sourced WHERE unit LIKE 'USD%'),
            (SELECT count(*) FROM figures_sourced WHERE unit LIKE 'USD%' AND price_year IS NOT NULL
                AND price_year <> ref_year)"""
    ).fetchone()
    return dict(zip(names, values, strict=True))


def power_measure_counts(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many data-centre power rows measure each thing (IT load, facility, grid ...)."""
    rows = connection.execute(
        "SELECT power_measure, count(*) FROM figures WHERE metric = 'data_centre_power' GROUP BY 1"
    ).fetchall()
    return dict(rows)
