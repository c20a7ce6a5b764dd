"""Data-centre power: the sizes the seeds give (today vs next), the largest sites' timelines, what each system draws
(by what is measured), and published data-centre electricity (IEA global, LBNL and IEA for the US)."""

from __future__ import annotations

import altair as alt
import duckdb
import pandas as pd

from compute_ledger import database

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
OBSERVED_STATUSES = ("reported", "estimate")
PLANNED_STATUSES = ("announced plan", "projection")
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


def seed_sizes(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The seed's data-centre sizes, labelled 'today' (built) and 'next' (not yet built)."""
    today = database.figures_by_id(connection, TODAY_IDS).assign(horizon="today (2024, as stated)")
    upcoming = database.figures_by_id(connection, NEXT_IDS).assign(horizon="next (not yet built in 2024)")
    return pd.concat([today, upcoming], ignore_index=True)


def step_up(sizes: pd.DataFrame) -> float:
    """How many times the largest 'next' size is the largest size built 'today'."""
    today = sizes.loc[sizes["horizon"].str.startswith("today"), "value"].max()
    upcoming = sizes.loc[sizes["horizon"].str.startswith("next"), "value"].max()
    return float(upcoming / today)


def sizes_chart(sizes: pd.DataFrame, reference_mw: float, reference_label: str) -> alt.LayerChart:
    """Bars of the seed sizes, with the nuclear-plant reference as a rule."""
    frame = sizes.assign(label=sizes["value"].map(lambda v: f"{v:,.0f} MW"))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=alt.EncodingSortField("value", order="ascending")),
            x=alt.X("value:Q", title="Data-centre power (MW)"),
            color=alt.Color("horizon:N", title=None),
            tooltip=[
                alt.Tooltip("subject:N", title="What"),
                alt.Tooltip("value:Q", title="MW", format=",.0f"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("figure_id:N", title="Figure id"),
            ],
        )
    )
    reference = pd.DataFrame({"value": [reference_mw], "label": [reference_label]})
    rule = alt.Chart(reference).mark_rule(strokeDash=[6, 4], color="#D55E00", strokeWidth=2).encode(x="value:Q")
    text = (
        alt.Chart(reference)
        .mark_text(align="right", dx=-4, dy=-6, color="#D55E00")
        .encode(x="value:Q", y=alt.value(0), text="label:N")
    )
    return alt.layer(bars, rule, text)


# --- Sites and campuses: one timeline per system ---------------------------------------------------------------


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


def grouped_power(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Power of company pipelines, fleets and multi-site programmes: never one site, so never in a timeline."""
    return connection.execute(
        f"""
        SELECT * FROM series_eligible
        WHERE metric = 'data_centre_power' AND unit = 'MW' AND scope IN {GROUPED_SCOPES}
        ORDER BY value DESC, figure_id
        """
    ).df()


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
            "kind": dated["status"].isin(PLANNED_STATUSES).map({True: KIND_PLANNED, False: KIND_BUILT}).to_numpy(),
            "confidence": dated["confidence"].to_numpy(),
            "publisher": dated["publisher"].to_numpy(),
            "source_tier": dated["source_tier"].to_numpy(),
        }
    )
    # A line needs two rows: one through a lone row would be an empty path.
    frame["measure_rows"] = frame.groupby(["system_id", "measure"])["figure_id"].transform("size")
    return frame.sort_values(["rank", "decimal_year", "figure_id"], kind="stable").reset_index(drop=True)


def kind_points(
    base: alt.Chart, colour: alt.Color, kind: str, filled: str, hollow: str, tooltip: list
) -> alt.LayerChart:
    """Points coloured by ``colour``: rows whose ``kind`` is ``filled`` as filled circles, the others (``hollow``)
    as hollow triangles; the shape legend names the two kinds."""
    shape = alt.Shape(
        f"{kind}:N",
        title=None,
        scale=alt.Scale(domain=[filled, hollow], range=["circle", "triangle-up"]),
        legend=alt.Legend(symbolStrokeColor="#000000", symbolStrokeWidth=1.5, labelLimit=260, columns=1),
    )
    encoding = {"color": colour, "shape": shape, "tooltip": tooltip}
    solid = base.transform_filter(alt.datum[kind] == filled).mark_point(size=60, filled=True, opacity=1)
    open_ = base.transform_filter(alt.datum[kind] != filled).mark_point(size=60, strokeWidth=1.8, opacity=1)
    return alt.layer(solid.encode(**encoding), open_.encode(**encoding))


def timelines_chart(frame: pd.DataFrame) -> alt.FacetChart:
    """One small panel per system, in rank order: MW on a log axis over time, coloured by what is measured, filled
    circles built and hollow triangles planned, a thin line through the rows of one measure."""
    x = alt.X(
        "decimal_year:Q",
        title=None,
        scale=alt.Scale(zero=False, nice=False, padding=10),
        axis=alt.Axis(format="d", tickMinStep=1, labelOverlap=True),
    )
    y = alt.Y("value:Q", title="MW (log scale)", scale=alt.Scale(type="log"))
    measures = [MEASURE_LABELS[m] for m in MEASURES]
    colour = alt.Color(
        "measure:N",
        title="Measure",
        scale=alt.Scale(domain=measures, range=["#0072B2", "#009E73", "#D55E00", "#555555"]),
    )
    tooltip = [
        alt.Tooltip("system_name:N", title="System"),
        alt.Tooltip("value:Q", title="MW", format=",.0f"),
        alt.Tooltip("measure:N", title="Measure"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("ref_date:N", title="Date"),
        alt.Tooltip("confidence:N", title="Confidence"),
        alt.Tooltip("publisher:N", title="Source"),
        alt.Tooltip("figure_id:N", title="Figure id"),
    ]
    base = alt.Chart().encode(x=x, y=y)
    line = (
        base.transform_filter(alt.datum.measure_rows > 1)
        .mark_line(strokeWidth=1, opacity=0.6)
        .encode(color=colour, detail="measure:N")
    )
    points = kind_points(base, colour, "kind", KIND_BUILT, KIND_PLANNED, tooltip)
    order = list(frame.drop_duplicates("system")["system"])
    return (
        alt.layer(line, points, data=frame)
        .properties(width=190, height=130)
        .facet(
            facet=alt.Facet("system:N", title=None, sort=order, header=alt.Header(labelFontSize=12, labelLimit=260)),
            columns=5,
        )
        .properties(autosize=alt.AutoSizeParams(type="pad"))
    )


def ranked_by_plan(ranking: pd.DataFrame, frame: pd.DataFrame) -> int:
    """How many of the ranked systems owe their rank to a planned (announced or projected) row."""
    return int(frame.set_index("figure_id").loc[ranking["figure_id"], "kind"].eq(KIND_PLANNED).sum())


def ranking_display(ranking: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The ranked systems as a table: rank, system, largest MW with its measure, status and date, and the number
    of rows drawn."""
    largest = frame.set_index("figure_id").loc[ranking["figure_id"]]
    counts = frame.groupby("system_id").size()
    return pd.DataFrame(
        {
            "rank": ranking["rank"].to_numpy(),
            "system": largest["system_name"].to_numpy(),
            "largest MW": ranking["max_mw"].to_numpy(),
            "measure": largest["measure"].to_numpy(),
            "status": largest["status"].to_numpy(),
            "date": largest["ref_date"].to_numpy(),
            "source": (largest["publisher"] + " (" + largest["source_tier"] + ")").to_numpy(),
            "rows drawn": ranking["system_id"].map(counts).to_numpy(),
            "figure": ranking["figure_id"].to_numpy(),
        }
    )


def grouped_display(grouped: pd.DataFrame) -> pd.DataFrame:
    """Pipelines, fleets and programmes: who, what, scope, MW, date, status and source."""
    return pd.DataFrame(
        {
            "who": grouped["entity"].to_numpy(),
            "what": grouped["subject"].to_numpy(),
            "scope": grouped["scope"].to_numpy(),
            "MW": grouped["value"].to_numpy(),
            "date": grouped["ref_date"].fillna("").replace("", "undated").to_numpy(),
            "status": grouped["status"].to_numpy(),
            "source": (grouped["publisher"] + " (" + grouped["source_tier"] + ")").to_numpy(),
            "figure": grouped["figure_id"].to_numpy(),
        }
    )


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
    built = built[built["status"].isin(OBSERVED_STATUSES) & built["ref_date"].fillna("").ne("")]
    return _best_first(built).drop_duplicates(["system_id", "power_measure"]).reset_index(drop=True)


def system_measures(rows: pd.DataFrame, system_id: str) -> pd.DataFrame:
    """One system's latest built value per measure, indexed by measure (``it``, ``grid``, ...)."""
    return latest_by_measure(rows[rows["system_id"].eq(system_id)]).set_index("power_measure")


def planned_target(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per system: its largest announced or projected MW (dated or not), with measure, date and source."""
    planned = timeline_rows(rows)
    planned = planned[planned["status"].isin(PLANNED_STATUSES)]
    ordered = planned.sort_values(["value", "figure_id"], ascending=[False, True], kind="stable")
    return ordered.drop_duplicates("system_id").reset_index(drop=True)


def _cell(rows: pd.DataFrame, with_measure: bool = False) -> pd.Series:
    """'340 MW · 2025-07-22 · Epoch AI (record)' per row, by system_id ('340 MW IT · …' ``with_measure``)."""
    text = [
        f"{value:,.0f} MW{' ' + MEASURE_LABELS[measure] if with_measure else ''} · {date or 'undated'} · "
        f"{publisher} ({tier})"
        for value, measure, date, publisher, tier in zip(
            rows["value"],
            rows["power_measure"],
            rows["ref_date"].fillna(""),
            rows["publisher"],
            rows["source_tier"],
            strict=True,
        )
    ]
    return pd.Series(text, index=rows["system_id"].to_numpy(), dtype=object)


def draw_table(rows: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """One row per system: the latest IT, facility, grid and stated (measure not given) power, and the planned
    target, each as 'MW · date · publisher (tier)'. Systems in ``order`` first, then by name."""
    eligible = timeline_rows(rows)
    names = eligible.drop_duplicates("system_id").set_index("system_id")["system_name"]
    latest = latest_by_measure(eligible)
    columns = {
        f"{MEASURE_LABELS[m]} (latest)": _cell(latest[latest["power_measure"].eq(m)]).reindex(names.index)
        for m in MEASURES
    }
    columns["planned target"] = _cell(planned_target(eligible), with_measure=True).reindex(names.index)
    table = pd.DataFrame({"system_id": names.index, "system": names.to_numpy(), **columns}).fillna("")
    position = {system_id: n for n, system_id in enumerate(order or [])}
    table = table.assign(_order=table["system_id"].map(position).fillna(len(position)))
    return table.sort_values(["_order", "system"], kind="stable").drop(columns="_order").reset_index(drop=True)


def system_rows_display(rows: pd.DataFrame, system_id: str) -> pd.DataFrame:
    """Every power row of one system, by date: MW, what it measures, status, confidence, whether preferred, source."""
    mine = rows[rows["system_id"].eq(system_id)].sort_values(["decimal_year", "figure_id"], kind="stable")
    return pd.DataFrame(
        {
            "date": mine["ref_date"].fillna("").replace("", "undated").to_numpy(),
            "MW": mine["value"].to_numpy(),
            "measure": mine["power_measure"].map(MEASURE_LABELS).to_numpy(),
            "status": mine["status"].to_numpy(),
            "confidence": mine["confidence"].to_numpy(),
            "preferred": mine["preferred"].map({True: "yes", False: "no"}).fillna("").to_numpy(),
            "what": mine["subject"].to_numpy(),
            "source": (mine["publisher"] + " (" + mine["source_tier"] + ")").to_numpy(),
            "figure": mine["figure_id"].to_numpy(),
        }
    )


# --- Data-centre electricity: global and US -------------------------------------------------------------------


def electricity_rows(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every row of annual data-centre electricity use (TWh), published trends included, on sources that are not
    weak."""
    return connection.execute(
        f"""
        SELECT * FROM figures_sourced
        WHERE metric = 'electricity_use' AND unit = '{ELECTRICITY_UNIT}' AND source_tier IN {database.SERIES_TIERS}
        ORDER BY entity, decimal_year, figure_id
        """
    ).df()


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


def electricity_chart(series: pd.DataFrame) -> alt.LayerChart:
    """Annual electricity use on a log axis: filled circles observed, hollow triangles projected, a vertical rule
    for a stated range."""
    x = alt.X("year:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(format="d", tickMinStep=1))
    y = alt.Y("value:Q", title="TWh per year (log scale)", scale=alt.Scale(type="log"))
    names = sorted(series["series"].unique())
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=names, range=["#0072B2", "#E69F00", "#D55E00"][: len(names)]),
        legend=alt.Legend(columns=3, labelLimit=200),
    )
    tooltip = [
        alt.Tooltip("subject:N", title="What"),
        alt.Tooltip("value:Q", title="TWh", format=",.0f"),
        alt.Tooltip("low:Q", title="Low", format=",.0f"),
        alt.Tooltip("high:Q", title="High", format=",.0f"),
        alt.Tooltip("ref_date:N", title="Year"),
        alt.Tooltip("publisher:N", title="Source"),
        alt.Tooltip("figure_id:N", title="Figure id"),
    ]
    base = alt.Chart(series)
    ranges = (
        base.transform_filter("isValid(datum.low) && isValid(datum.high)")
        .mark_rule(strokeWidth=3, opacity=0.5)
        .encode(x=x, y=alt.Y("low:Q", scale=alt.Scale(type="log")), y2="high:Q", color=colour, tooltip=tooltip)
    )
    return alt.layer(ranges, kind_points(base.encode(x=x, y=y), colour, "kind", "observed", "projected", tooltip))


def electricity_display(series: pd.DataFrame) -> pd.DataFrame:
    """The electricity points as a table: series, year, TWh (with range), observed or projected, what, source, link."""
    shown = series["value"].map(lambda v: f"{v:,.0f}")
    ranged = series["low"].notna() & series["high"].notna()
    shown = shown.where(
        ~ranged,
        shown
        + " ("
        + series["low"].map("{:,.0f}".format, na_action="ignore")
        + "–"
        + series["high"].map("{:,.0f}".format, na_action="ignore")
        + ")",
    )
    return pd.DataFrame(
        {
            "series": series["series"].to_numpy(),
            "year": series["ref_date"].to_numpy(),
            "TWh": shown.to_numpy(),
            "kind": series["kind"].to_numpy(),
            "what": series["subject"].to_numpy(),
            "source": (series["publisher"] + " (" + series["source_tier"] + ")").to_numpy(),
            "link": series["url"].to_numpy(),
            "figure": series["figure_id"].to_numpy(),
        }
    )


def electricity_point(series: pd.DataFrame, figure_id: str) -> pd.Series:
    """One point of the electricity series by figure id (KeyError naming it when it is not a point)."""
    indexed = series.set_index("figure_id")
    if figure_id not in indexed.index:
        raise KeyError(f"{figure_id} is not a point of the electricity series")
    return indexed.loc[figure_id]
