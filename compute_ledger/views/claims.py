"""Chapter 7, the claims ledger: the verdicts (counts, the key numbers the intro and prose use, the ratio chart) and
the table of every claim with its quote, its arithmetic and its verdict."""

from __future__ import annotations

import altair as alt
import pandas as pd
from IPython.display import HTML

from compute_ledger import charts, citation, claims, escape, queries, report
from compute_ledger.chapter_context import ChapterContext

TABLE = "claims_table"  # glued; the "Claim by claim" section places it with a ```{glue} claims_table``` directive
# The recomputations the prose cites, recorded as key numbers: (key, claim id, unit, description, method).
KEYED = (
    (
        "growth_140x_recomputed",
        "growth-140x",
        "times",
        "The seed's '140 times' recomputed: 100,000 planned GPUs ÷ 700 H100 of a 2022 training run",
        "last count ÷ first count",
    ),
    (
        "federal_budget_multiple",
        "federal-budget",
        "times",
        "$7 trillion ÷ US federal outlays in fiscal year 2023",
        "target ÷ CBO outlays",
    ),
    (
        "training_cost_decline_pct",
        "training-cost-75pct",
        "% per year",
        "Yearly fall in the cost of a fixed training capability implied by Epoch AI's hardware and algorithmic rates",
        "1 − (1 − hardware cost decline) ÷ 2^(12 / algorithmic halving months)",
    ),
)


def ratio_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Recomputed ÷ claimed for every checked claim (log axis), coloured by verdict."""
    checked = table[table["test"] != claims.UNCHECKABLE]
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#555555").encode(x="x:Q")
    points = (
        alt.Chart(checked)
        .mark_point(size=130, filled=True)
        .encode(
            x=alt.X("ratio:Q", title="Recomputed ÷ claimed (log scale)", scale=alt.Scale(type="log")),
            y=alt.Y("claim_id:N", title=None, sort=list(checked["claim_id"])),
            color=alt.Color(
                "verdict_group:N",
                title="Verdict",
                scale=alt.Scale(domain=claims.VERDICT_ORDER[:3], range=["#0072B2", "#56B4E9", "#D55E00"]),
            ),
            shape=alt.Shape(
                "test:N",
                title="Test",
                scale=alt.Scale(
                    domain=[claims.AT_LEAST, claims.ABOUT, claims.WITHIN], range=["triangle-right", "circle", "diamond"]
                ),
            ),
            tooltip=[
                alt.Tooltip("says:N", title="Claim"),
                alt.Tooltip("arithmetic:N", title="Arithmetic"),
                alt.Tooltip("verdict:N", title="Verdict"),
            ],
        )
    )
    return alt.layer(one, points)


def html_table(table: pd.DataFrame) -> HTML:
    """The claims as readers see them: one row each, with an anchor (``claim-<id>``) to cite it."""
    rows = []
    for row in table.itertuples():
        quote = escape.html_text(row.quote) + (
            f"<br><em>{escape.html_text(row.quote_en)}</em>" if row.quote_en != row.quote else ""
        )
        figures = ", ".join(
            f'<a href="sources.html#figure-{escape.html_text(i)}"><code>{escape.html_text(i)}</code></a>'
            for i in [row.figure_id, *[i for i in row.inputs.split(", ") if i]]
        )
        verdict_class = "cl-verdict-" + row.verdict_group.replace(" ", "-")
        rows.append(
            f'<tr id="claim-{row.claim_id}"><td><a class="cl-anchor" href="#claim-{row.claim_id}">'
            f"<strong>{escape.html_text(row.says)}</strong></a><br>seed {row.seed}: “{quote}”<br>"
            f"<small>{report.source_links(row.publisher, row.url, row.quote, row.read_at)}</small></td>"
            f"<td>{escape.html_text(row.compared)}<br><code>{escape.html_text(row.arithmetic) or '—'}</code></td>"
            f'<td><span class="cl-verdict {verdict_class}">{escape.html_text(row.verdict)}</span><br>'
            f"{escape.html_text(row.caveat)}<br><small>Figures: {figures}</small>"
            f"{citation.cite_details(claims.citable(row.claim_id, row.says))}</td></tr>"
        )
    return HTML(
        '<div class="cl-table-wrap" id="tbl-claims"><table class="cl-table cl-claims">'
        '<caption><a class="cl-anchor" href="#tbl-claims">Table.</a> Every numeric claim of the seeds, recomputed. '
        "Each row has an anchor to cite it.</caption><thead><tr><th>the claim</th><th>checked against</th>"
        f"<th>verdict and why</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _inputs(chapter: ChapterContext) -> claims.ClaimInputs:
    return claims.ClaimInputs(**queries.claims_inputs(chapter.connection))


def verdicts(chapter: ChapterContext) -> charts.PublishedChart:
    """Every claim evaluated at the run's parameters: the counts by verdict and the numbers the prose cites (glued,
    the counts and the most quoted recomputations as key numbers), the claims table (glued as :data:`TABLE`) and the
    chart of recomputed ÷ claimed (shown)."""
    data = _inputs(chapter)
    table = claims.evaluate(data, chapter.parameters)
    counts = claims.verdict_counts(table)
    claim_rows = list(table["figure_id"])
    by_id = table.set_index("claim_id")
    chapter.glue("claims_total", len(table))
    chapter.keys.add(
        "claims_hold",
        counts[claims.HOLDS] + counts[claims.HOLDS_WITH_CAVEATS],
        unit="claims",
        description="Seed claims that hold when recomputed (with or without caveats)",
        method="claims whose recomputed value meets the claim's test at the run's check_tolerance_factor",
        checked=claim_rows,
    )
    chapter.glue("claims_hold_plain", counts[claims.HOLDS])
    chapter.glue("claims_caveats", counts[claims.HOLDS_WITH_CAVEATS])
    chapter.keys.add(
        "claims_off",
        counts["off by a factor"],
        unit="claims",
        description="Seed claims off by a factor when recomputed",
        method="claims whose recomputed value fails the claim's test",
        checked=claim_rows,
    )
    chapter.glue("claims_unchecked", counts[claims.CANNOT_BE_CHECKED])
    for key, claim_id, unit, description, method in KEYED:
        chapter.keys.add(
            key,
            by_id.loc[claim_id, "computed"],
            unit=unit,
            description=description,
            method=method,
            inputs=claims.ids(by_id.loc[claim_id, "evidence"]),
            checked=claims.ids(by_id.loc[claim_id, "checked"]),
        )
    city = by_id.loc["city-electricity"]
    chapter.glue("city_gpus_gwh", city["computed"])
    chapter.glue("city_town_low_gwh", city["claimed_low"])
    chapter.glue("city_town_high_gwh", city["claimed_high"])
    chapter.glue("city_verdict", city["verdict"])
    chapter.glue("city_direction", claims.direction(city))
    chapter.glue("city_share_of_memphis_pct", 100 * claims.memphis_share(data, chapter.parameters))
    chapter.glue("gpt4_verdict", by_id.loc["gpt4-cost", "verdict"])
    chapter.glue("gpt4_estimate_usd", report.usd(by_id.loc["gpt4-cost", "computed"]))
    chapter.glue(TABLE, html_table(table))
    checked = table[table["test"] != claims.UNCHECKABLE]
    return chapter.publish(
        ratio_chart(table),
        chart_id="claims-ratios",
        title="The seeds' claims, recomputed",
        caption="Each point is a checked claim: the recomputed value divided by the claimed one. Triangles are "
        "'more than' claims, which hold at 1 or more; circles are 'about' claims, which hold within the run's "
        "tolerance. Unchecked claims are in the table only.",
        source_line="Compute Ledger claims ledger: the seed articles' claims, recomputed from the figures in the table",
        description=f"Dot chart of {len(checked)} checked claims on a log axis: "
        + "; ".join(f"{r.claim_id} {r.verdict}" for r in checked.itertuples()),
        data=table[["claim_id", "says", "test", "claimed", "computed", "unit", "ratio", "verdict", "inputs"]],
    )
