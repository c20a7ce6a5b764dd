"""Chapter 2, data-centre power: the seed's sizes, the ten largest sites' timelines, what each system draws by
measure, the pipelines apart, and data-centre electricity (IEA, LBNL)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from compute_ledger import charts, power, queries, report
from compute_ledger.chapter_context import ChapterContext
from compute_ledger.power import MEASURE_LABELS, MEASURES
from compute_ledger.views import common

FIGURE = ("figure",)  # the column of figure ids: each links to its quote on the Sources page
# Tables glued under these names are placed in the prose by ```{glue} name``` directives, each after the paragraph
# that introduces it; the cell of each section shows its chart.
SEED_TABLE = "power_seed_table"
RANKING_TABLE = "power_ranking_table"
PIPELINES_TABLE = "power_pipelines_table"
COLOSSUS_TABLE = "power_colossus_table"
ELECTRICITY_TABLE = "power_electricity_table"


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
            tooltip=common.tooltip(
                ("subject:N", "What"),
                ("value:Q", "MW", ",.0f"),
                ("status:N", "Status"),
                ("figure_id:N", "Figure id"),
            ),
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


def timelines_chart(frame: pd.DataFrame) -> alt.FacetChart:
    """One small panel per system, in rank order: MW on a log axis over time, coloured by what is measured, filled
    circles built and hollow triangles planned, a thin line through the rows of one measure."""
    x = common.year_x(title=None, labels_overlap=True, zero=False, nice=False, padding=10)
    y = alt.Y("value:Q", title="MW (log scale)", scale=alt.Scale(type="log"))
    measures = [MEASURE_LABELS[m] for m in MEASURES]
    colour = alt.Color(
        "measure:N",
        title="Measure",
        scale=alt.Scale(domain=measures, range=["#0072B2", "#009E73", "#D55E00", "#555555"]),
    )
    tooltip = common.tooltip(
        ("system_name:N", "System"),
        ("value:Q", "MW", ",.0f"),
        ("measure:N", "Measure"),
        ("status:N", "Status"),
        ("ref_date:N", "Date"),
        ("confidence:N", "Confidence"),
        ("publisher:N", "Source"),
        ("figure_id:N", "Figure id"),
    )
    base = alt.Chart().encode(x=x, y=y)
    line = (
        base.transform_filter(alt.datum.measure_rows > 1)
        .mark_line(strokeWidth=1, opacity=0.6)
        .encode(color=colour, detail="measure:N")
    )
    points = common.hollow_or_filled(base, colour, "kind", power.KIND_BUILT, power.KIND_PLANNED, tooltip)
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
    eligible = power.timeline_rows(rows)
    names = eligible.drop_duplicates("system_id").set_index("system_id")["system_name"]
    latest = power.latest_by_measure(eligible)
    columns = {
        f"{MEASURE_LABELS[m]} (latest)": _cell(latest[latest["power_measure"].eq(m)]).reindex(names.index)
        for m in MEASURES
    }
    columns["planned target"] = _cell(power.planned_target(eligible), with_measure=True).reindex(names.index)
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


def electricity_chart(series: pd.DataFrame) -> alt.LayerChart:
    """Annual electricity use on a log axis: filled circles observed, hollow triangles projected, a vertical rule
    for a stated range."""
    x = common.year_x("year", title=None, zero=False)
    y = alt.Y("value:Q", title="TWh per year (log scale)", scale=alt.Scale(type="log"))
    names = sorted(series["series"].unique())
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=names, range=["#0072B2", "#E69F00", "#D55E00"][: len(names)]),
        legend=alt.Legend(columns=3, labelLimit=200),
    )
    tooltip = common.tooltip(
        ("subject:N", "What"),
        ("value:Q", "TWh", ",.0f"),
        ("low:Q", "Low", ",.0f"),
        ("high:Q", "High", ",.0f"),
        ("ref_date:N", "Year"),
        ("publisher:N", "Source"),
        ("figure_id:N", "Figure id"),
    )
    base = alt.Chart(series)
    ranges = (
        base.transform_filter("isValid(datum.low) && isValid(datum.high)")
        .mark_rule(strokeWidth=3, opacity=0.5)
        .encode(x=x, y=alt.Y("low:Q", scale=alt.Scale(type="log")), y2="high:Q", color=colour, tooltip=tooltip)
    )
    return alt.layer(
        ranges, common.hollow_or_filled(base.encode(x=x, y=y), colour, "kind", "observed", "projected", tooltip)
    )


def electricity_display(series: pd.DataFrame) -> pd.DataFrame:
    """The electricity points as a table: series, year, TWh (with range), observed or projected, what, source, and the
    figure (its link opens the quote and the address it was read at)."""
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
            "figure": series["figure_id"].to_numpy(),
        }
    )


# --- The chapter's sections ---------------------------------------------------------------------------------------


def today_versus_next(chapter: ChapterContext) -> charts.PublishedChart:
    """The seed's sizes built by 2024 against those not yet built, with the nuclear-plant reference: the chart (shown)
    and the seed's figures (glued as :data:`SEED_TABLE`)."""
    sizes = power.seed_sizes(
        queries.figures_by_id(chapter.connection, power.TODAY_IDS),
        queries.figures_by_id(chapter.connection, power.NEXT_IDS),
    )
    reference = queries.figures_by_id(chapter.connection, [power.NUCLEAR_REFERENCE_ID]).iloc[0]
    chapter.glue("largest_today_mw", sizes.loc[sizes.horizon.str.startswith("today"), "value"].max())
    chapter.glue("largest_next_mw", sizes.loc[sizes.horizon.str.startswith("next"), "value"].max())
    chapter.keys.add(
        "power_step_up",
        power.step_up(sizes),
        unit="times",
        description="Largest data-centre size not yet built in April 2024 ÷ the largest then built (Zuckerberg)",
        method="max of the 'next' sizes ÷ max of the 'today' sizes",
        inputs=list(sizes["figure_id"]),
    )
    chapter.glue("nuclear_reference_mw", reference["value"])
    chapter.glue(
        SEED_TABLE,
        chapter.table(
            report.source_table(sizes),
            "power-seed-figures",
            "The seed's power figures with their quotes (French, as stated) and sources.",
            figure_columns=FIGURE,
        ),
    )
    return chapter.publish(
        sizes_chart(sizes, reference["value"], "≈ a significant nuclear plant (1 GW)"),
        chart_id="power-today-vs-next",
        title="Data-centre sizes: built by 2024 versus not yet built",
        caption="Sizes stated by Mark Zuckerberg (April 2024). The dashed line is his own comparison: 1 GW is "
        "roughly a significant nuclear power plant.",
        source_line="Mark Zuckerberg on the Dwarkesh Patel podcast, relayed by developpez.com (seed article)",
        description="Bar chart: 50, 100 and 150 MW data centres built by 2024; 300 MW, 500 MW and 1,000 MW not yet "
        "built; a reference line at 1,000 MW for a nuclear plant.",
        data=sizes[["figure_id", "value", "horizon", "status", "subject"]],
    )


def largest_sites(chapter: ChapterContext) -> charts.PublishedChart:
    """The ten largest systems: their timelines (shown), the table of what sets each one's rank and the pipelines
    apart (glued as :data:`RANKING_TABLE` and :data:`PIPELINES_TABLE`)."""
    site_rows = queries.system_power(chapter.connection)
    ranking = power.rank_systems(site_rows)
    timelines = power.timeline_frame(site_rows, ranking)
    largest = timelines.set_index("figure_id").loc[ranking["figure_id"].iloc[0]]
    chapter.keys.add(
        "largest_site_mw",
        ranking["max_mw"].iloc[0],
        unit="MW",
        description="Largest power of one AI site or campus in the ledger, built or planned (dated rows)",
        method="maximum over the dated site and cluster rows of named systems, not generation, not low confidence",
        inputs=[ranking["figure_id"].iloc[0]],
    )
    chapter.glue("largest_site_name", largest["system_name"])
    chapter.glue("largest_site_measure", largest["measure"])
    chapter.glue("largest_site_status", largest["status"])
    chapter.glue("largest_site_date", largest["ref_date"])
    chapter.glue("tenth_site_mw", ranking["max_mw"].iloc[-1])
    chapter.glue("ranked_systems", len(ranking))
    chapter.glue("timeline_rows", len(timelines))
    chapter.glue("ranked_by_plan", power.ranked_by_plan(ranking, timelines))
    chapter.glue("site_systems", site_rows["system_id"].nunique())
    chapter.glue(PIPELINES_TABLE, pipelines(chapter))
    chapter.glue(
        RANKING_TABLE,
        chapter.table(
            ranking_display(ranking, timelines),
            "power-largest-sites",
            "The ten largest systems: the row that sets each one's rank, what it measures, its status, date and "
            "source (publisher and source tier), and how many rows its timeline draws.",
            figure_columns=FIGURE,
        ),
    )
    return chapter.publish(
        timelines_chart(timelines),
        chart_id="power-largest-sites-timelines",
        title="The ten largest AI sites and campuses, over time",
        caption="One panel per system, largest first. Filled circles are built (reported or estimated), hollow "
        "triangles planned (announced or projected). Colour says what the number measures: IT load, grid supply, "
        "or stated without saying. Log axis.",
        source_line="Compute Ledger: the site power rows of the ten largest systems, from Epoch AI, company "
        "releases and the press (each row's source in the CSV and the Sources appendix)",
        description=f"Ten small log-scale timelines of site power in MW, {len(timelines)} rows in all, the largest "
        f"reaching {ranking['max_mw'].iloc[0]:,.0f} MW.",
        data=timelines,
    )


def pipelines(chapter: ChapterContext):
    """Company pipelines, fleets and multi-site programmes, apart from the sites: one table."""
    return chapter.table(
        grouped_display(queries.grouped_power(chapter.connection, power.GROUPED_SCOPES)),
        "power-pipelines",
        "Power of company pipelines, fleets and multi-site programmes (not single sites): who, what, MW, date, "
        "status and source.",
        figure_columns=FIGURE,
    )


def draw_by_measure(chapter: ChapterContext):
    """What each system draws, by measure (the latest built value of each, the planned target: shown), and every power
    row of xAI's first Colossus (glued as :data:`COLOSSUS_TABLE`)."""
    site_rows = queries.system_power(chapter.connection)
    ranking = power.rank_systems(site_rows)
    colossus = power.system_measures(site_rows, power.COLOSSUS_ID)
    chapter.glue("colossus_it_mw", colossus.loc["it", "value"])
    chapter.glue("colossus_it_date", colossus.loc["it", "ref_date"])
    chapter.glue("colossus_grid_mw", colossus.loc["grid", "value"])
    chapter.glue("colossus_grid_date", colossus.loc["grid", "ref_date"])
    chapter.glue("colossus_stated_mw", colossus.loc["unspecified", "value"])
    chapter.glue("colossus_stated_date", colossus.loc["unspecified", "ref_date"])
    chapter.glue("colossus_stated_publisher", colossus.loc["unspecified", "publisher"])
    chapter.glue(
        COLOSSUS_TABLE,
        chapter.table(
            system_rows_display(site_rows, power.COLOSSUS_ID),
            "power-colossus-rows",
            "Every power row of xAI Colossus 1 (Memphis), by date: MW, what it measures, status, confidence, whether "
            "it is the preferred row of a disagreement, and its source. Generation (batteries, turbines) is not "
            "listed.",
            figure_columns=FIGURE,
        ),
    )
    return chapter.table(
        draw_table(site_rows, list(ranking["system_id"])),
        "power-draw-by-measure",
        "One row per system: the latest built (reported or estimated) IT, facility, grid and stated power, and "
        "the largest planned target with its measure; each as MW · date · publisher (source tier). The ten "
        "largest first.",
    )


# The electricity key numbers: name, figure, the value's column, description and method.
ELECTRICITY_KEY_NUMBERS = (
    (
        "global_dc_twh_2024",
        power.IEA_GLOBAL_2024_ID,
        "value",
        "Electricity used by data centres worldwide in 2024 (IEA)",
        "as published by the IEA (Energy and AI, 2025)",
    ),
    (
        "global_dc_twh_2030",
        power.IEA_GLOBAL_2030_BASE_ID,
        "value",
        "Electricity data centres worldwide would use in 2030 in the IEA's base case",
        "as published by the IEA (Energy and AI, 2025, base case)",
    ),
    (
        "us_dc_twh_2023",
        power.LBNL_US_2023_ID,
        "value",
        "Electricity used by US data centres in 2023 (LBNL)",
        "as published by LBNL (2024 United States Data Center Energy Usage Report)",
    ),
    (
        "us_dc_twh_2028_low",
        power.LBNL_US_2028_ID,
        "low",
        "Low end of LBNL's range for US data-centre electricity in 2028",
        "as published by LBNL (2024 report, range of scenarios)",
    ),
    (
        "us_dc_twh_2028_high",
        power.LBNL_US_2028_ID,
        "high",
        "High end of LBNL's range for US data-centre electricity in 2028",
        "as published by LBNL (2024 report, range of scenarios)",
    ),
)


def electricity(chapter: ChapterContext) -> charts.PublishedChart:
    """Data-centre electricity worldwide and in the US (IEA, LBNL): key numbers, the chart (shown) and its points'
    table (glued as :data:`ELECTRICITY_TABLE`)."""
    series = power.electricity_series(queries.electricity_rows(chapter.connection, power.ELECTRICITY_UNIT))
    for name, figure_id, column, description, method in ELECTRICITY_KEY_NUMBERS:
        chapter.keys.add(
            name,
            power.electricity_point(series, figure_id)[column],
            unit="TWh",
            description=description,
            method=method,
            inputs=[figure_id],
        )
    chapter.glue("global_dc_twh_2035_high", power.electricity_point(series, power.IEA_GLOBAL_2035_HIGH_ID)["value"])
    chapter.glue("electricity_points", len(series))
    chapter.glue(
        ELECTRICITY_TABLE,
        chapter.table(
            electricity_display(series),
            "power-electricity-sources",
            "The points of the electricity chart: series, year, TWh (with the published range), observed or "
            "projected, what the study says, its source (publisher and tier) and the figure, which opens the quote "
            "and the address it was read at.",
            figure_columns=FIGURE,
        ),
    )
    return chapter.publish(
        electricity_chart(series),
        chart_id="power-electricity-global-us",
        title="Data-centre electricity use, worldwide and in the US: observed and projected",
        caption="Annual electricity use of all data centres, log axis. Filled circles are observed years, hollow "
        "triangles projected cases; a vertical bar is a published range. The IEA's 2022 and 2026 global points "
        "(Electricity 2024) include cryptocurrency mining; its 2024 and later points (Energy and AI, 2025) do "
        "not.",
        source_line="IEA (Electricity 2024; Energy and AI, 2025) and Lawrence Berkeley National Laboratory (2016 "
        "and 2024 US data-centre energy reports), directly or as relayed by the press",
        description=f"Log-scale chart of {len(series)} points of annual data-centre electricity use in TWh, "
        f"from {series['value'].min():,.0f} to {series['value'].max():,.0f} TWh, 2014 to 2035.",
        data=series,
    )
