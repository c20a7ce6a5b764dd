"""Altair charts that draw offline, with an anchor, a numbered caption, a source line, a citation and
downloads (CSV of what is plotted, SVG and PNG with the title and source inside the image, and a footer with the
edition, the licence and the page's address; their text is set in the DejaVu Sans shipped in ``fonts/``).

The page never loads Vega from a CDN: the chart's script loads ``_vendor/vega-bundle.js`` from the site
itself, once per page, the first time a chart needs it (pages without charts never load it). The path is
resolved from Sphinx's ``data-content_root`` attribute, so it works at any page depth and from ``file://``.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from compute_ledger import citation, escape

VEGA_LITE_VERSION = "6.4"  # pinned with altair 6.3 (its SCHEMA_VERSION v6.4.x)
VENDOR_BUNDLE = "_vendor/vega-bundle.js"
EXPORTS_URL = "exports"  # where the site serves data/processed/exports
# The exported images' font, shipped with the package (licence in fonts/LICENSE): the PNGs do not depend on the
# fonts a machine has.
FONTS = Path(__file__).parent / "fonts"
IMAGE_FONT = "DejaVu Sans"
FOOTER_FONT_SIZE = 10
FOOTER_LINE_HEIGHT = 14

# Okabe & Ito's colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# Colour and shape of each status, in metadata.STATUS_ORDER.
STATUS_COLOURS = ["#0072B2", "#009E73", "#E69F00", "#CC79A7"]
STATUS_SHAPES = ["circle", "diamond", "triangle-up", "square"]

_LOADER = """
(function () {
  var el = document.getElementById(%(div_id)s);
  var spec = %(spec)s;
  if (!window.__computeLedgerVega) {
    window.__computeLedgerVega = new Promise(function (resolve, reject) {
      var root = document.documentElement.getAttribute("data-content_root") || "./";
      var script = document.createElement("script");
      script.src = root + %(bundle)s;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + script.src)); };
      document.head.appendChild(script);
    });
  }
  var width = el.clientWidth || 600;
  // A wrapped facet gets as many columns as the chart's box holds, each as wide as it can be.
  if (spec.facet && spec.spec && spec.columns) {
    spec.columns = Math.max(1, Math.min(spec.columns, Math.floor(width / 300)));
    spec.spec.width = Math.max(150, Math.floor(width / spec.columns) - 110);
  }
  // In a narrow box, long axis and legend labels are cut (with an ellipsis; the tooltip has the whole text) so
  // the plot keeps most of the width.
  if (width < 560) {
    (function cap(node) {
      if (!node || typeof node !== "object") return;
      Object.keys(node).forEach(function (key) {
        if (key === "labelLimit") node[key] = Math.min(node[key], Math.round(width * 0.45));
        else if (key !== "datasets" && key !== "data") cap(node[key]);
      });
    })(spec);
    spec.config = spec.config || {};
    spec.config.axis = Object.assign({}, spec.config.axis, {labelLimit: Math.round(width * 0.45)});
    spec.config.legend = Object.assign({}, spec.config.legend, {columns: 1, labelLimit: Math.round(width * 0.6)});
  }
  window.__computeLedgerVega
    .then(function () { return vegaEmbed(el, spec, {actions: false, renderer: "svg"}); })
    .catch(function (error) {
      var message = document.createElement("p");
      message.className = "cl-chart-error";
      message.textContent = "This chart could not be drawn: " + error;
      el.replaceChildren(message);
      console.error(error);
    });
})();
"""


def theme() -> dict:
    """Chart defaults: readable fonts, the colour-blind-safe palette, a width that fits a phone."""
    return {
        "config": {
            "range": {"category": PALETTE},
            "axis": {"labelFontSize": 12, "titleFontSize": 12},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom", "columns": 2},
            "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 11, "subtitleColor": "#444"},
            "view": {"continuousWidth": 560, "continuousHeight": 320},
            "autosize": {"type": "fit-x", "contains": "padding"},
        }
    }


def enable() -> None:
    """Use the project's theme for every chart of the session."""
    alt.theme.register("compute_ledger", enable=True)(theme)


@dataclass
class PublishedChart:
    """A chart written to its exports and shown in the page as a citable figure."""

    chart_id: str
    number: str
    title: str
    caption: str
    source_line: str
    spec: dict
    exports: dict[str, str]
    chapter: str
    description: str

    def _repr_html_(self) -> str:
        div_id = f"chart-{self.chart_id}"
        anchor = f"fig-{self.chart_id}"
        cite = citation.Citable(anchor, "chart", f"Figure {self.number}: {self.title}", self.chapter, anchor)
        links = " · ".join(
            f'<a class="cl-download" href="{escape.html_text(url)}" download>{label}</a>'
            for label, url in self.exports.items()
        )
        script = _LOADER % {
            "div_id": escape.script_json(div_id),
            "spec": escape.script_json(self.spec, sort_keys=True),
            "bundle": escape.script_json(VENDOR_BUNDLE),
        }
        return (
            f'<figure class="cl-figure" id="{anchor}">'
            f'<div id="{div_id}" class="cl-chart" role="img" aria-label="{escape.html_text(self.description)}"></div>'
            f'<figcaption><a class="cl-anchor" href="#{anchor}">Figure {self.number}.</a> '
            f"<strong>{escape.html_text(self.title)}.</strong> {escape.html_text(self.caption)} "
            f'<span class="cl-source">Source: {escape.html_text(self.source_line)}</span>'
            f'<span class="cl-links">Data and image: {links}</span>'
            f"{citation.cite_details(cite)}"
            f"</figcaption></figure><script>{script}</script>"
        )


class FigureNumbers:
    """Numbers the figures of one chapter: 2.1, 2.2, …"""

    def __init__(self, chapter_number: int):
        self.chapter_number = chapter_number
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"{self.chapter_number}.{self.count}"


def publish(
    chart: alt.TopLevelMixin,
    *,
    chart_id: str,
    title: str,
    caption: str,
    source_line: str,
    description: str,
    data: pd.DataFrame,
    chapter: str,
    numbers: FigureNumbers,
    exports_dir: Path,
) -> PublishedChart:
    """Write the chart's CSV, Vega-Lite JSON, SVG and PNG, and return the figure to display.

    ``data`` is exactly what is plotted; ``description`` is the text alternative read by screen readers.
    """
    exports_dir.mkdir(parents=True, exist_ok=True)
    subtitle = textwrap.wrap(f"Source: {source_line}", width=90)
    titled = chart.properties(title=alt.Title(textwrap.wrap(title, width=70), subtitle=subtitle))
    spec = titled.to_dict()
    spec.setdefault("description", description)
    # Images have a fixed plot width: "fit" sizing would shrink the plot to make room for a long title.
    image_spec = {**spec, "autosize": {"type": "pad"}}
    if "width" not in image_spec and not any(k in image_spec for k in ("hconcat", "vconcat", "concat")):
        image_spec["width"] = 600
    stem = exports_dir / chart_id
    data.to_csv(stem.with_suffix(".csv"), index=False, lineterminator="\n")
    stem.with_suffix(".vl.json").write_text(json.dumps(spec, indent=1, sort_keys=True), encoding="utf-8")
    image_spec["config"] = {**image_spec.get("config", {}), "font": IMAGE_FONT}
    _register_image_font()
    svg = vl_convert.vegalite_to_svg(image_spec, vl_version=VEGA_LITE_VERSION)
    svg = with_footer(svg, footer_text(chapter, chart_id))
    stem.with_suffix(".svg").write_text(svg, encoding="utf-8")
    # The PNG rasterised from that SVG: the same bytes as vegalite_to_png gives, without laying the chart out again.
    stem.with_suffix(".png").write_bytes(vl_convert.svg_to_png(svg, scale=2))
    base = f"{EXPORTS_URL}/{chapter}/{chart_id}"
    exports = {"CSV": f"{base}.csv", "SVG": f"{base}.svg", "PNG": f"{base}.png", "Vega-Lite": f"{base}.vl.json"}
    return PublishedChart(
        chart_id=chart_id,
        number=numbers.next(),
        title=title,
        caption=caption,
        source_line=source_line,
        spec=page_spec(spec),
        exports=exports,
        chapter=chapter,
        description=description,
    )


@cache
def _register_image_font() -> None:
    vl_convert.register_font_directory(str(FONTS))


def footer_text(chapter: str, chart_id: str) -> str:
    """What an exported image says about itself: the edition, the data's licence and the figure's page address."""
    edition = citation.edition()
    return (
        f"{edition.title}, edition {edition.version} ({edition.date}). Licence: {edition.licence}. "
        f"Page: {citation.page_url(chapter, f'fig-{chart_id}')}"
    )


def with_footer(svg: str, text: str) -> str:
    """The SVG vl-convert wrote, taller by a footer strip that holds ``text`` (wrapped to the image's width)."""
    size = re.match(r'(<svg [^>]*?)width="([\d.]+)" height="([\d.]+)" viewBox="0 0 [^"]+"', svg)
    if size is None:
        raise ValueError("the exported SVG has no width, height and viewBox to extend")
    start, width, height = size[1], size[2], float(size[3])
    lines = textwrap.wrap(text, width=max(40, int(float(width) / (0.62 * FOOTER_FONT_SIZE))), break_on_hyphens=False)
    strip = FOOTER_LINE_HEIGHT * len(lines) + 8
    total = f"{height + strip:g}"
    texts = "".join(
        f'<text x="5" y="{height + FOOTER_LINE_HEIGHT * (i + 1):g}">{escape.html_text(line)}</text>'
        for i, line in enumerate(lines)
    )
    footer = (
        f'<g class="cl-footer" font-family="{IMAGE_FONT}" font-size="{FOOTER_FONT_SIZE}" fill="#444">'
        f'<rect y="{height:g}" width="{width}" height="{strip}" fill="white"/>{texts}</g>'
    )
    body = svg[size.end() :]
    closing = body.rindex("</svg>")
    return (
        f'{start}width="{width}" height="{total}" viewBox="0 0 {width} {total}"'
        + body[:closing]
        + footer
        + body[closing:]
    )


def page_spec(spec: dict) -> dict:
    """The spec the page draws, without its title: a single or layered view takes the width of its column and
    follows it when the window is resized; a view with its own width and a facet (sized by the loader) keep theirs."""
    # The figure's caption gives the title and the source in words; inside the page's chart they would only take
    # the room of the plot (the exported images keep them).
    spec = {key: value for key, value in spec.items() if key != "title"}
    if "width" in spec or any(k in spec for k in ("hconcat", "vconcat", "concat", "facet", "repeat")):
        return spec
    return {**spec, "width": "container", "autosize": {"type": "fit-x", "contains": "padding", "resize": True}}


def write_vendor_bundle(target: Path) -> Path:
    """The Vega, Vega-Lite and vega-embed bundle the charts load, written once into the site."""
    target.parent.mkdir(parents=True, exist_ok=True)
    bundle = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)
    # In its own function scope: its top-level names (e.g. `_`) would clash with the theme's globals. The
    # bundle's last lines assign vegaEmbed, vega and vegaLite to window explicitly.
    target.write_text(f"(function () {{\n{bundle}\n}})();\n", encoding="utf-8")
    return target
