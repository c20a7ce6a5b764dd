"""Chart and page helpers every chapter shares: the year axis, the status encoding, the seed rings, the rule at 1,
tooltips, a log axis, and several outputs shown by one cell."""

from __future__ import annotations

import altair as alt
import pandas as pd

from compute_ledger import charts, metadata

LOG = alt.Scale(type="log")


def year_x(field: str = "decimal_year", title: str | None = "Year", labels_overlap: bool = False, **scale) -> alt.X:
    """A year axis: whole years as labels (2019, not 2,019), never a tick between two years; ``scale`` as given
    (e.g. ``zero=False``); ``labels_overlap``: let Vega-Lite drop labels that would overlap (small panels)."""
    axis = alt.Axis(format="d", tickMinStep=1, **({"labelOverlap": True} if labels_overlap else {}))
    return alt.X(f"{field}:Q", title=title, scale=alt.Scale(**scale), axis=axis)


def tooltip(*fields: tuple[str, ...]) -> list[alt.Tooltip]:
    """Tooltips from ``(field, title)`` or ``(field, title, format)`` tuples."""
    return [
        alt.Tooltip(field[0], title=field[1], **({"format": field[2]} if len(field) > 2 else {})) for field in fields
    ]


def status_encoding() -> dict:
    """Colour and shape by status, same in every chart (reported, estimate, announced plan, projection)."""
    scale_colour = alt.Scale(domain=list(metadata.STATUS_ORDER), range=charts.STATUS_COLOURS)
    scale_shape = alt.Scale(domain=list(metadata.STATUS_ORDER), range=charts.STATUS_SHAPES)
    return {
        "color": alt.Color("status:N", title="Status", scale=scale_colour),
        "shape": alt.Shape("status:N", title="Status", scale=scale_shape),
    }


def seed_rings(frame: pd.DataFrame, x: alt.X, y: alt.Y) -> alt.Chart:
    """Black rings around the points that come from the seed articles (column ``from_seed``)."""
    return (
        alt.Chart(frame)
        .transform_filter(alt.datum.from_seed)
        .mark_point(size=330, filled=False, color="#000000", strokeWidth=1.5)
        .encode(x=x, y=y, tooltip=[alt.Tooltip("figure_id:N", title="Seed figure")])
    )


def rule_at_one(*, dashed: bool = True, colour: str = "#777777", scale: alt.Scale | None = None) -> alt.Chart:
    """A vertical rule at x = 1 (no growth; computed equals reported; the value the analysis uses), dashed grey by
    default, on the chart's x ``scale`` when it has one of its own."""
    mark = {"strokeDash": [4, 4], "color": colour} if dashed else {"color": colour}
    x = "x:Q" if scale is None else alt.X("x:Q", scale=scale)
    return alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(**mark).encode(x=x)


def hollow_or_filled(
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


class Shown:
    """Several outputs (tables, figures) shown by one cell, in order."""

    def __init__(self, *items):
        self.items = items

    def _repr_html_(self) -> str:
        return "".join(item._repr_html_() for item in self.items)

    def __repr__(self) -> str:
        """The plain-text output a notebook stores beside the HTML: the kinds shown, never a memory address (a
        re-run must write the same bytes)."""
        return "Shown(" + ", ".join(type(item).__name__ for item in self.items) + ")"
