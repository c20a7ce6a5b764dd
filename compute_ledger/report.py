"""Small HTML and Markdown pieces the chapters show: the parameter box, source tables, number formats."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML

from compute_ledger import citation, escape, params

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def parameter_box(parameters: params.Parameters, used: list[str] | None = None, scenario: str = "") -> HTML:
    """A collapsed box: the parameters this chapter uses, their values, and which differ from the defaults (every
    parameter when ``used`` is None; a line saying so when the chapter uses none)."""
    if used is not None and not used:
        return HTML('<p class="cl-params">This chapter uses no parameters: it reads the curated figures only.</p>')
    changed = params.differences(parameters)
    names = used or list(params.Parameters.model_fields)
    rows = []
    for spec in params.specs():
        if spec.name not in names:
            continue
        value = getattr(parameters, spec.name)
        shown = "empty" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
        default = "empty" if spec.default is None else str(spec.default)
        mark = (
            f"<strong>{escape.html_text(shown)}</strong> (default {escape.html_text(default)})"
            if spec.name in changed
            else escape.html_text(shown)
        )
        rows.append(f"<tr><td><code>{spec.name}</code></td><td>{mark}</td><td>{escape.html_text(spec.unit)}</td></tr>")
    summary = (
        f"{len([n for n in changed if n in names])} parameter(s) differ from the defaults"
        if any(n in names for n in changed)
        else "all parameters at their defaults"
    )
    label = f"Parameters in effect{' — scenario ' + escape.html_text(scenario) if scenario else ''}: {summary}"
    return HTML(
        f'<details class="cl-params"><summary>{label}</summary>'
        f'<table class="cl-params-table"><thead><tr><th>parameter</th><th>value</th><th>unit</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p>See the <a href="parameters.html">parameters appendix</a> for definitions and sources.</p></details>'
    )


def usd(value: float) -> str:
    """$3.0 billion, $7.0 trillion, $30,000."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            return f"${value / size:,.1f} {word}"
    return f"${value:,.0f}"


def quantity(value: float, unit: str) -> str:
    """A figure in its canonical unit, for tables."""
    if unit == "USD":
        return usd(value)
    if unit == "USD_per_accelerator":
        return f"{usd(value)} per accelerator"
    if unit == "MW" and value >= 1000:
        return f"{value / 1000:,.2f} GW"
    if unit in ("accelerators", "H100e", "people", "facilities", "companies"):
        return f"{value:,.0f} {unit.replace('H100e', 'H100-equivalents')}"
    return f"{value:,.4g} {unit.replace('_', ' ')}"


def quantity_with_range(value: float, low: float, high: float, unit: str) -> str:
    """A figure in its unit, with its range when it has one: '3,000 accelerators (2,000 accelerators – 4,000 …)'."""
    shown = quantity(value, unit)
    if low == low and high == high:  # NaN is not equal to itself: no range
        shown += f" ({quantity(low, unit)} – {quantity(high, unit)})"
    return shown


def _text_or_empty(value: object) -> str:
    return value if isinstance(value, str) else ""


def archive_link(url: str, read_at: str | None = None) -> str:
    """A link to an archived copy of a source page: the snapshot the curators read when that is a web archive's,
    else the archive's list of the page's copies (``citation.archive_url``)."""
    read_at = _text_or_empty(read_at)
    snapshot = bool(read_at) and citation.is_archive_snapshot(read_at)
    return escape.link(
        citation.archive_url(url, read_at), "archived copy" if snapshot else "archived copies", "cl-archive"
    )


def source_links(text: str, url: str, quote: str, read_at: str | None = None) -> str:
    """A link to a source that opens the page at the quote (``citation.quote_url``), with an archived copy beside it."""
    return (
        escape.link(citation.quote_url(url, _text_or_empty(quote)), text, "cl-quote")
        + " · "
        + archive_link(url, read_at)
    )


@dataclass(frozen=True)
class SourceLink:
    """A table cell naming a source: ``html_table`` shows it as ``source_links``; as text it is its name."""

    text: str
    url: str
    quote: str
    read_at: str | None = None

    def __str__(self) -> str:
        return self.text

    def html(self) -> str:
        return source_links(self.text, self.url, self.quote, self.read_at)


def source_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Figures as readers see them: value, date, status, confidence, the quote and where it comes from (a
    ``SourceLink``: in ``html_table``, a link to the page at the quote and an archived copy)."""
    shown = pd.DataFrame(
        {
            "figure": frame["figure_id"],
            "what": frame["subject"],
            "value": [
                quantity_with_range(v, lo, hi, u)
                for v, u, lo, hi in zip(frame["value"], frame["unit"], frame["low"], frame["high"], strict=True)
            ],
            "date": frame["ref_date"].replace("", "unknown"),
            "status": frame["status"],
            "confidence": frame["confidence"],
            "quote": frame["quote"],
            "source": [
                SourceLink(f"{p} ({d})" if d else p, url, q, r)
                for p, d, url, q, r in zip(
                    frame["publisher"],
                    frame["date_published"],
                    frame["url"],
                    frame["quote"],
                    frame["read_at"],
                    strict=True,
                )
            ],
        }
    )
    return shown.reset_index(drop=True)


def significant(value: float, digits: int = 3) -> str:
    """A number to ``digits`` significant figures with thousands separators (1,260; 652,000; 13.0)."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    places = digits - 1 - int(math.floor(math.log10(abs(value))))
    return f"{round(value, places):,.{max(0, places)}f}"


def cell(value: object) -> str:
    """A table cell's text: whole numbers with thousands separators and no float tail (100,000, not 100000.0), other
    numbers to six significant figures (1.82, 0.0125), empty for a missing value; anything else as text."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float) or hasattr(value, "item"):
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, int | float) and not isinstance(number, bool):
            if number != number:
                return ""
            if float(number).is_integer() and abs(number) < 1e15:
                return f"{number:,.0f}"
            return f"{number:,.6g}"
    return str(value)


def figure_link(figure_id: str) -> str:
    """A link from a chapter to a figure's entry (its quote and source) on the Sources page."""
    if not isinstance(figure_id, str) or not _SLUG.fullmatch(figure_id):
        raise ValueError(f"not a figure id: {figure_id!r}")
    return f'<a href="sources.html#figure-{figure_id}"><code>{figure_id}</code></a>'


def _cell_html(value: object, figure_column: bool) -> str:
    if figure_column and value:
        return figure_link(value)
    if isinstance(value, SourceLink):
        return value.html()
    return escape.html_text(cell(value))


def html_table(frame: pd.DataFrame, table_id: str, caption: str, figure_columns: tuple[str, ...] = ()) -> HTML:
    """A plain HTML table with an anchor and a caption; every cell is escaped text, except that the cells of
    ``figure_columns`` (figure ids) become links to their quotes on the Sources page (empty cells stay empty), and a
    ``SourceLink`` becomes links to the source at the quote and to an archived copy."""
    head = "".join(f"<th>{escape.html_text(str(c))}</th>" for c in frame.columns)
    linked = [c in figure_columns for c in frame.columns]
    body = []
    for _, row in frame.iterrows():
        cells = "".join(f"<td>{_cell_html(v, link)}</td>" for v, link in zip(row.values, linked, strict=True))
        body.append(f"<tr>{cells}</tr>")
    return HTML(
        f'<div class="cl-table-wrap" id="tbl-{table_id}"><table class="cl-table">'
        f'<caption><a class="cl-anchor" href="#tbl-{table_id}">Table.</a> {escape.html_text(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def glue(name: str, value: object) -> None:
    """Record a number or text for the prose (``{glue:text}``), as a plain Python value so formats apply."""
    from myst_nb import glue as myst_glue

    plain = value.item() if hasattr(value, "item") else value
    myst_glue(name, plain, display=False)
