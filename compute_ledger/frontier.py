"""The frontier, year by year: the largest cluster and the largest single site that existed at the end of each year.

Both tables read the record series' candidates (:func:`trend_fit.record_candidates_compute` and
:func:`trend_fit.record_candidates_site`): dated rows of single clusters, sites and training runs that were built or
used, on non-weak sources, preferred within their group, not low-confidence. For each year the largest candidate
dated in or before it is "the largest at the end of that year" (a running maximum, so a year with no new record
carries the previous one, and the table says since when). The other unit of the same system (its power for a
cluster, its accelerators for a site) is the latest row of that system dated in or before the year, when the ledger
has one.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from compute_ledger import report, trend_fit

FIRST_YEAR = 2019  # the book's coverage starts here ("2019 to today")
ALL_YEARS = 0  # candidates are read from every year: a system dated before FIRST_YEAR can still be the largest


def systems(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The systems table (system_id, name, operator, location, scope)."""
    return connection.execute("SELECT system_id, name, operator, location, scope FROM systems").df()


def largest_by_year(candidates: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """One row per year ``first_year .. last_year``: the candidate with the largest ``record_value`` dated in or
    before that year (ties: earlier date, then figure_id), with ``year`` and ``new_in_year`` (its date falls in that
    year). Years before the first candidate are left out. Pure: the input is not changed."""
    ordered = candidates.sort_values(
        ["record_value", "decimal_year", "figure_id"], ascending=[False, True, True], kind="mergesort"
    )
    rows = []
    for year in range(first_year, last_year + 1):
        upto = ordered[ordered["ref_year"] <= year]
        if upto.empty:
            continue
        best = upto.iloc[0]
        rows.append({**best.to_dict(), "year": year, "new_in_year": int(best["ref_year"]) == year})
    return pd.DataFrame(rows, columns=[*candidates.columns, "year", "new_in_year"])


def other_unit(table: pd.DataFrame, others: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Add ``<prefix>_value``, ``<prefix>_unit_note`` and ``<prefix>_figure_id``: for each row with a system_id, the
    latest row of ``others`` of the same system dated in or before the row's ``year`` (largest first on one date)."""
    values, notes, ids = [], [], []
    for _, row in table.iterrows():
        system = row.get("system_id")
        match = pd.DataFrame()
        if isinstance(system, str) and system:
            match = others[(others["system_id"] == system) & (others["ref_year"] <= row["year"])]
        if match.empty:
            values.append(float("nan"))
            notes.append("")
            ids.append("")
            continue
        latest = match.sort_values(["decimal_year", "record_value"], ascending=[False, False], kind="mergesort").iloc[0]
        values.append(float(latest["value"]))
        notes.append(str(latest.get("power_measure") or latest.get("chip") or ""))
        ids.append(str(latest["figure_id"]))
    return table.assign(**{f"{prefix}_value": values, f"{prefix}_unit_note": notes, f"{prefix}_figure_id": ids})


def with_systems(table: pd.DataFrame, systems_frame: pd.DataFrame) -> pd.DataFrame:
    """Add the system's ``name`` and ``operator`` (the row's entity and subject when it has no system record)."""
    known = systems_frame.set_index("system_id")
    system = table["system_id"].fillna("")
    in_table = system.isin(known.index)
    name = system.map(known["name"]).where(in_table, table["subject"])
    operator = system.map(known["operator"]).where(in_table, table["entity"])
    return table.assign(system_name=name, operator=operator)


def last_year() -> int:
    """The edition's year: the tables run to it."""
    return int(trend_fit.observed_until())


def cluster_by_year(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The largest cluster (in H100-equivalents) at the end of each year, with its power where the ledger has it."""
    compute = trend_fit.record_candidates_compute(connection, ALL_YEARS)
    power = trend_fit.record_candidates_site(connection, ALL_YEARS)
    table = largest_by_year(compute, FIRST_YEAR, last_year())
    return with_systems(other_unit(table, power, "power"), systems(connection))


def site_by_year(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The largest single site (in MW) at the end of each year, with its accelerators where the ledger has them."""
    compute = trend_fit.record_candidates_compute(connection, ALL_YEARS)
    power = trend_fit.record_candidates_site(connection, ALL_YEARS)
    table = largest_by_year(power, FIRST_YEAR, last_year())
    return with_systems(other_unit(table, compute, "accelerators"), systems(connection))


def _count(value: float, chip: object) -> str:
    if value != value:
        return ""
    named = str(chip) if isinstance(chip, str) and chip else "unknown"
    return f"{report.significant(value)} ({named})"


def _mw(value: float, measure: object) -> str:
    if value != value:
        return ""
    return f"{report.significant(value)} MW" + (f" ({measure})" if isinstance(measure, str) and measure else "")


def _since(row: pd.Series) -> str:
    return "new this year" if row["new_in_year"] else f"since {row['ref_date']}"


def cluster_display(table: pd.DataFrame) -> pd.DataFrame:
    """The cluster table for the page: 2–3 significant figures, the figure ids that link to their quotes."""
    return pd.DataFrame(
        {
            "Year": table["year"].astype(str),
            "Largest cluster": table["system_name"],
            "Operator": table["operator"],
            "Accelerators (model)": [_count(v, c) for v, c in zip(table["value"], table["chip"], strict=True)],
            "H100e": [report.significant(v) for v in table["record_value"]],
            "MW": [_mw(v, m) for v, m in zip(table["power_value"], table["power_unit_note"], strict=True)],
            "Dated": [_since(r) for _, r in table.iterrows()],
            "Status": table["status"],
            "Source (tier)": [f"{p} ({t})" for p, t in zip(table["publisher"], table["source_tier"], strict=True)],
            "Quote": table["figure_id"],
        }
    )


def site_display(table: pd.DataFrame) -> pd.DataFrame:
    """The site table for the page."""
    return pd.DataFrame(
        {
            "Year": table["year"].astype(str),
            "Largest site": table["system_name"],
            "Operator": table["operator"],
            "MW (measure)": [_mw(v, m) for v, m in zip(table["record_value"], table["power_measure"], strict=True)],
            "Accelerators (model)": [
                _count(v, c) for v, c in zip(table["accelerators_value"], table["accelerators_unit_note"], strict=True)
            ],
            "Dated": [_since(r) for _, r in table.iterrows()],
            "Status": table["status"],
            "Source (tier)": [f"{p} ({t})" for p, t in zip(table["publisher"], table["source_tier"], strict=True)],
            "Quote": table["figure_id"],
        }
    )


def html_table(display: pd.DataFrame, table_id: str, caption: str):
    """The table with each figure id a link to its quote on the Sources page."""
    return report.html_table(display, table_id, caption, figure_columns=("Quote",))


def add_key_numbers(keys, clusters: pd.DataFrame, sites: pd.DataFrame) -> None:
    """Key numbers for the first and the last year of both tables (H100e of the largest cluster, MW of the largest
    site), each resting on its one figure; glue the systems' names and years for the prose."""
    tables = (
        (
            "frontier_cluster",
            "h100e",
            "H100e",
            "Largest cluster",
            clusters,
            "operator",
            "running maximum of the record series' candidates; count × dense 16-bit TFLOPS ÷ the H100's",
        ),
        (
            "frontier_site",
            "mw",
            "MW",
            "Largest single site",
            sites,
            "measure",
            "running maximum of the site record series' candidates (IT, facility or unqualified power)",
        ),
    )
    for prefix, short, unit, what, table, detail, method in tables:
        for end, row in (("first", table.iloc[0]), ("last", table.iloc[-1])):
            value = float(row["record_value"])
            keys.add(
                f"{prefix}_{short}_{end}",
                value,
                unit=unit,
                description=f"{what} at the end of {int(row['year'])}, in {unit}",
                method=method,
                inputs=[str(row["figure_id"])],
            )
            report.glue(f"{prefix}_{short}_{end}_text", report.significant(value))
            report.glue(f"{prefix}_year_{end}", int(row["year"]))
            report.glue(f"{prefix}_name_{end}", str(row["system_name"]))
            report.glue(f"{prefix}_{detail}_{end}", str(row["operator" if detail == "operator" else "power_measure"]))
    report.glue(
        "frontier_cluster_multiple", float(clusters.iloc[-1]["record_value"] / clusters.iloc[0]["record_value"])
    )
