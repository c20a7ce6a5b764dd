"""The frontier, year by year: the largest cluster and the largest single site that existed at the end of each year.

Both tables take the record series' candidates (:func:`queries.record_candidates_compute` and
:func:`queries.record_candidates_site`, from :data:`ALL_YEARS`): dated rows of single clusters, sites and training
runs that were built or used, on non-weak sources, preferred within their group, not low-confidence. For each year
the largest candidate dated in or before it is "the largest at the end of that year" (a running maximum, so a year
with no new record carries the previous one, and the table says since when). The other unit of the same system (its
power for a cluster, its accelerators for a site) is the latest row of that system dated in or before the year, when
the ledger has one.
"""

from __future__ import annotations

import pandas as pd

from compute_ledger import dates

FIRST_YEAR = 2019  # the book's coverage starts here ("2019 to today")
ALL_YEARS = 0  # candidates are read from every year: a system dated before FIRST_YEAR can still be the largest


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
    return int(dates.observed_until())


def cluster_by_year(compute: pd.DataFrame, power: pd.DataFrame, systems: pd.DataFrame) -> pd.DataFrame:
    """The largest cluster (in H100-equivalents) at the end of each year, with its power where the ledger has it.

    ``compute`` and ``power``: the record candidates of every year (``queries.record_candidates_compute`` and
    ``queries.record_candidates_site`` from :data:`ALL_YEARS`); ``systems``: the systems table."""
    table = largest_by_year(compute, FIRST_YEAR, last_year())
    return with_systems(other_unit(table, power, "power"), systems)


def site_by_year(compute: pd.DataFrame, power: pd.DataFrame, systems: pd.DataFrame) -> pd.DataFrame:
    """The largest single site (in MW) at the end of each year, with its accelerators where the ledger has them."""
    table = largest_by_year(power, FIRST_YEAR, last_year())
    return with_systems(other_unit(table, compute, "accelerators"), systems)
