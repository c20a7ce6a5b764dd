"""Data-centre power: the sizes the seeds give (today vs next), the largest sites' timelines, what each system draws
(by what is measured), and published data-centre electricity (IEA global, LBNL and IEA for the US).

Pure functions on the frames of ``queries.py``; the charts and tables are in ``views/power.py``."""

from __future__ import annotations

import pandas as pd

from compute_ledger import database, metadata

NUCLEAR_REFERENCE_ID = "seed-000-1gw-nuclear-plant-reference"
TODAY_IDS = (
    "seed-000-datacentre-50mw-typical",
    "seed-000-datacentre-100mw-typical",
    "seed-000-datacentre-150mw-largest",
)
NEXT_IDS = (
    "seed-000-datacentre-300mw-not-yet-built",
    "seed-000-datacentre-500mw-not-yet-built",
    "seed-000-datacentre-1000mw-not-yet-built",
)

# A timeline is one site or one cluster; company pipelines, fleets and multi-site programmes are kept apart.
TIMELINE_SCOPES = ("site", "cluster")
GROUPED_SCOPES = ("pipeline", "fleet", "programme")
# What a power row measures; generation (turbines, batteries) feeds a site but is never its power.
MEASURES = ("it", "facility", "grid", "unspecified")
MEASURE_LABELS = {"it": "IT", "facility": "facility", "grid": "grid", "unspecified": "stated"}
KIND_BUILT = "built (reported or estimated)"
KIND_PLANNED = "planned (announced or projected)"
# Rows this low in confidence are drawn but never set a system's rank.
UNRANKED_CONFIDENCE = "low"
TOP_SYSTEMS = 10
COLOSSUS_ID = "xai-colossus-1"
TIER_ORDER = {tier: rank for rank, tier in enumerate(database.SERIES_TIERS)}
CONFIDENCE_ORDER = {"high": 0, "medium": 1, "low": 2}
# Electricity series: annual use in TWh; a row that is a saving against a case is not a use.
ELECTRICITY_UNIT = "TWh"
NOT_A_USE = "annual electricity saving"
REGIONS = {"global": "Global", "national": "US"}
IEA_GLOBAL_2024_ID = "pow-iea-global-dc-electricity-2024"
IEA_GLOBAL_2030_BASE_ID = "pow-iea-global-dc-electricity-2030"
IEA_GLOBAL_2035_HIGH_ID = "pow-iea-global-dc-electricity-2035-liftoff"
LBNL_US_2023_ID = "pow-lbnl-us-dc-electricity-2023"
LBNL_US_2028_ID = "pow-lbnl-us-dc-electricity-2028"


def seed_sizes(today: pd.DataFrame, upcoming: pd.DataFrame) -> pd.DataFrame:
    """The seed's data-centre sizes (the rows of :data:`TODAY_IDS` and :data:`NEXT_IDS`), labelled 'today' (built)
    and 'next' (not yet built)."""
    return pd.concat(
        [today.assign(horizon="today (2024, as stated)"), upcoming.assign(horizon="next (not yet built in 2024)")],
        ignore_index=True,
    )


def step_up(sizes: pd.DataFrame) -> float:
    """How many times the largest 'next' size is the largest size built 'today'."""
    today = sizes.loc[sizes["horizon"].str.startswith("today"), "value"].max()
    upcoming = sizes.loc[sizes["horizon"].str.startswith("next"), "value"].max()
    return float(upcoming / today)


# --- Sites and campuses: one timeline per system ---------------------------------------------------------------


def timeline_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a system timeline may take: MW of one site or cluster (by the row's and the system's scope), on a
    source that is not weak, of a named system, and not generation."""
    system_scope = frame["system_scope"] if "system_scope" in frame else frame["scope"]
    keep = (
        frame["metric"].eq("data_centre_power")
        & frame["unit"].eq("MW")
        & frame["scope"].isin(TIMELINE_SCOPES)
        & system_scope.isin(TIMELINE_SCOPES)
        & frame["system_id"].fillna("").ne("")
        & frame["power_measure"].ne("generation")
        & frame["source_tier"].isin(database.SERIES_TIERS)
    )
    return frame.loc[keep].reset_index(drop=True)


def rank_systems(rows: pd.DataFrame, top: int = TOP_SYSTEMS) -> pd.DataFrame:
    """The ``top`` systems by their largest dated MW, reported or planned; rows of low confidence do not rank.

    One row per system: ``rank``, ``system_id``, ``max_mw`` and the ``figure_id`` that sets it (ties: the earlier
    row, then the figure id)."""
    eligible = timeline_rows(rows)
    eligible = eligible[
        eligible["confidence"].ne(UNRANKED_CONFIDENCE) & eligible["ref_date"].fillna("").ne("")
    ].sort_values(["value", "decimal_year", "figure_id"], ascending=[False, True, True], kind="stable")
    largest = eligible.drop_duplicates("system_id").head(top)
    return pd.DataFrame(
        {
            "rank": range(1, len(largest) + 1),
            "system_id": largest["system_id"].to_numpy(),
            "max_mw": largest["value"].to_numpy(),
            "figure_id": largest["figure_id"].to_numpy(),
        }
    )


def short_names(names: pd.Series) -> pd.Series:
    """A system's name without its trailing parenthesis ("Stargate UAE (Abu Dhabi)" -> "Stargate UAE"), unless
    two systems would then share a name."""
    short = names.str.replace(r"\s*\([^()]*\)$", "", regex=True)
    clash = short.map(short.value_counts()) > 1
    return short.where(~clash, names)


def timeline_frame(rows: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    """What the timelines plot: every dated row of the ranked systems, in rank order, with a short label, the
    measure and whether it is built or planned."""
    eligible = timeline_rows(rows)
    dated = eligible[eligible["ref_date"].fillna("").ne("") & eligible["system_id"].isin(ranking["system_id"])]
    names = dated.drop_duplicates("system_id").set_index("system_id")["system_name"]
    labels = short_names(names)
    ranks = ranking.set_index("system_id")["rank"]
    frame = pd.DataFrame(
        {
            "rank": dated["system_id"].map(ranks).to_numpy(),
            "system_id": dated["system_id"].to_numpy(),
            "system": dated["system_id"].map(labels).to_numpy(),
            "system_name": dated["system_name"].to_numpy(),
            "figure_id": dated["figure_id"].to_numpy(),
            "ref_date": dated["ref_date"].to_numpy(),
            "decimal_year": dated["decimal_year"].to_numpy(),
            "value": dated["value"].to_numpy(),
            "measure": dated["power_measure"].map(MEASURE_LABELS).to_numpy(),
            "status": dated["status"].to_numpy(),
            "kind": dated["status"]
            .isin(metadata.PLANNED_STATUSES)
            .map({True: KIND_PLANNED, False: KIND_BUILT})
            .to_numpy(),
            "confidence": dated["confidence"].to_numpy(),
            "publisher": dated["publisher"].to_numpy(),
            "source_tier": dated["source_tier"].to_numpy(),
        }
    )
    # A line needs two rows: one through a lone row would be an empty path.
    frame["measure_rows"] = frame.groupby(["system_id", "measure"])["figure_id"].transform("size")
    return frame.sort_values(["rank", "decimal_year", "figure_id"], kind="stable").reset_index(drop=True)


def ranked_by_plan(ranking: pd.DataFrame, frame: pd.DataFrame) -> int:
    """How many of the ranked systems owe their rank to a planned (announced or projected) row."""
    return int(frame.set_index("figure_id").loc[ranking["figure_id"], "kind"].eq(KIND_PLANNED).sum())


# --- How much power does each system draw ----------------------------------------------------------------------


def _best_first(rows: pd.DataFrame) -> pd.DataFrame:
    """Latest first; on one date a preferred row, then higher confidence, then a stronger source tier."""
    return rows.assign(
        _year=rows["decimal_year"].fillna(-1.0),
        _preferred=rows["preferred"].fillna(True).astype(bool),
        _confidence=rows["confidence"].map(CONFIDENCE_ORDER).fillna(9),
        _tier=rows["source_tier"].map(TIER_ORDER).fillna(9),
    ).sort_values(
        ["_year", "_preferred", "_confidence", "_tier", "figure_id"],
        ascending=[False, False, True, True, True],
        kind="stable",
    )


def latest_by_measure(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per system and measure: the latest built (reported or estimated) value, with its date and source."""
    built = timeline_rows(rows)
    built = built[built["status"].isin(metadata.RECORD_STATUSES) & built["ref_date"].fillna("").ne("")]
    return _best_first(built).drop_duplicates(["system_id", "power_measure"]).reset_index(drop=True)


def system_measures(rows: pd.DataFrame, system_id: str) -> pd.DataFrame:
    """One system's latest built value per measure, indexed by measure (``it``, ``grid``, ...)."""
    return latest_by_measure(rows[rows["system_id"].eq(system_id)]).set_index("power_measure")


def planned_target(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per system: its largest announced or projected MW (dated or not), with measure, date and source."""
    planned = timeline_rows(rows)
    planned = planned[planned["status"].isin(metadata.PLANNED_STATUSES)]
    ordered = planned.sort_values(["value", "figure_id"], ascending=[False, True], kind="stable")
    return ordered.drop_duplicates("system_id").reset_index(drop=True)


# --- Data-centre electricity: global and US -------------------------------------------------------------------


def electricity_series(rows: pd.DataFrame) -> pd.DataFrame:
    """The points of the global and US series: one per study, year and value (the same value relayed twice is one
    point, from the stronger source), observed or projected, with the stated range."""
    use = rows[
        rows["unit"].eq(ELECTRICITY_UNIT)
        & rows["source_tier"].isin(database.SERIES_TIERS)
        & ~rows["unit_detail"].fillna("").str.startswith(NOT_A_USE)
        & rows["scope"].isin(REGIONS)
    ]
    use = use.assign(_tier=use["source_tier"].map(TIER_ORDER)).sort_values(["_tier", "figure_id"], kind="stable")
    unique = use.drop_duplicates(["entity", "ref_date", "value", "status"])
    frame = pd.DataFrame(
        {
            "series": unique["scope"].map(REGIONS) + " · " + unique["entity"].str.split(" ").str[0],
            "region": unique["scope"].map(REGIONS).to_numpy(),
            "year": unique["decimal_year"].to_numpy(),
            "ref_date": unique["ref_date"].to_numpy(),
            "value": unique["value"].to_numpy(),
            "low": unique["low"].to_numpy(),
            "high": unique["high"].to_numpy(),
            "kind": unique["status"].map(lambda s: "projected" if s == "projection" else "observed").to_numpy(),
            "subject": unique["subject"].to_numpy(),
            "publisher": unique["publisher"].to_numpy(),
            "source_tier": unique["source_tier"].to_numpy(),
            "url": unique["url"].to_numpy(),
            "figure_id": unique["figure_id"].to_numpy(),
        }
    )
    return frame.sort_values(["region", "series", "year", "figure_id"], kind="stable").reset_index(drop=True)


def electricity_point(series: pd.DataFrame, figure_id: str) -> pd.Series:
    """One point of the electricity series by figure id (KeyError naming it when it is not a point)."""
    indexed = series.set_index("figure_id")
    if figure_id not in indexed.index:
        raise KeyError(f"{figure_id} is not a point of the electricity series")
    return indexed.loc[figure_id]
