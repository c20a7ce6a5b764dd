"""The built site in a real headless browser (Debian's chromium), served on 127.0.0.1 with no other host:
every page loads without errors, every chart draws, every download link answers."""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built_project):
    root = built_project / "book" / "_build" / "html"
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: scripts/test.sh installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


def _pages(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob("*.html"))


def test_every_page_loads_offline_and_every_chart_draws(site, browser):
    root, base = site
    pages = _pages(root)
    assert "index.html" in pages and "sources.html" in pages
    charts_seen = 0
    for name in pages:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        console_errors, page_errors, foreign = [], [], []
        page.on("console", lambda m, errors=console_errors: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e, errors=page_errors: errors.append(str(e)))

        def route(request_route, foreign=foreign):
            if urlparse(request_route.request.url).hostname not in ("127.0.0.1", None):
                foreign.append(request_route.request.url)
                request_route.abort()
            else:
                request_route.continue_()

        page.route("**/*", route)
        response = page.goto(f"{base}/{name}", wait_until="load")
        assert response is not None and response.status == 200, name
        charts = page.locator("div.cl-chart")
        for index in range(charts.count()):
            charts.nth(index).locator("svg, canvas").first.wait_for(state="attached", timeout=15_000)
        charts_seen += charts.count()
        assert page.locator(".cl-chart-error").count() == 0, name
        assert not page_errors, f"{name}: {page_errors}"
        assert not console_errors, f"{name}: {console_errors}"
        assert not foreign, f"{name} asked another host: {foreign}"
        context.close()
    assert charts_seen >= 5


# For every chart: its data marks (Vega's `role-mark` groups, not axes, legends or titles), how many have a size,
# and how many have their centre inside the part of the page a reader sees: the viewport's width, cut by every
# ancestor that clips or scrolls (a mark scrolled out of a box is not seen).
_MARKS = """
() => Array.from(document.querySelectorAll("div.cl-chart")).map((chart) => {
  const items = Array.from(chart.querySelectorAll("svg g.role-mark > *"));
  let left = 0, right = document.documentElement.clientWidth, top = -Infinity, bottom = Infinity;
  for (let a = chart; a && a !== document.body; a = a.parentElement) {
    const style = getComputedStyle(a), box = a.getBoundingClientRect();
    if (style.overflowX !== "visible") { left = Math.max(left, box.left); right = Math.min(right, box.right); }
    if (style.overflowY !== "visible") { top = Math.max(top, box.top); bottom = Math.min(bottom, box.bottom); }
  }
  let drawn = 0, visible = 0;
  for (const item of items) {
    const box = item.getBoundingClientRect();
    if (!(box.width > 0 || box.height > 0)) continue;
    drawn += 1;
    const x = (box.left + box.right) / 2, y = (box.top + box.bottom) / 2;
    if (x >= left - 0.5 && x <= right + 0.5 && y >= top - 0.5 && y <= bottom + 0.5) visible += 1;
  }
  return {chart: chart.id, marks: items.length, drawn: drawn, visible: visible};
})
"""


def chart_marks(page) -> list[dict]:
    """Wait for every chart of the page to draw, then count its marks (see _MARKS)."""
    charts = page.locator("div.cl-chart")
    for index in range(charts.count()):
        charts.nth(index).locator("svg").first.wait_for(state="attached", timeout=15_000)
    return page.evaluate(_MARKS)


def marks_problems(counts: list[dict]) -> list[str]:
    """Charts that draw no sized mark, or show fewer than 90 % of their marks."""
    problems = []
    for c in counts:
        if c["drawn"] == 0:
            problems.append(f"{c['chart']}: no data mark has a size ({c['marks']} marks)")
        elif c["visible"] < 0.9 * c["marks"]:
            problems.append(f"{c['chart']}: {c['visible']} of {c['marks']} marks visible")
    return problems


@pytest.mark.parametrize("width", [1400, 390])
def test_every_chart_shows_its_marks(site, browser, width):
    root, base = site
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems, seen = [], 0
    for name in _pages(root):
        page.goto(f"{base}/{name}", wait_until="load")
        counts = chart_marks(page)
        seen += len(counts)
        problems += [f"{name} {p}" for p in marks_problems(counts)]
    context.close()
    assert seen >= 10
    assert not problems, f"at {width} px: " + "; ".join(problems)


def test_pages_without_charts_do_not_load_vega(site, browser):
    _, base = site
    context = browser.new_context()
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{base}/sources.html", wait_until="load")
    assert not [url for url in requested if "vega-bundle" in url]
    context.close()


def test_every_download_link_answers(site):
    root, base = site
    import re

    links = set()
    for name in _pages(root):
        html = (root / name).read_text(encoding="utf-8")
        links |= set(re.findall(r'class="cl-download" href="([^"]+)"', html))
    assert links, "no chart download links found"
    for link in sorted(links):
        with urllib.request.urlopen(f"{base}/{link}") as response:
            assert response.status == 200, link
            assert len(response.read()) > 0, link


def test_readable_at_phone_width(site, browser):
    root, base = site
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    wide = {}
    for name in _pages(root):
        page.goto(f"{base}/{name}", wait_until="load")
        if page.locator("div.cl-chart").count():
            page.locator("div.cl-chart svg").first.wait_for(state="attached", timeout=15_000)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 2:
            wide[name] = overflow
    assert not wide, f"pages scroll sideways at phone width (px): {wide}"
    context.close()


def test_data_page_filters_and_sorts_offline(site, browser):
    _, base = site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/data.html", wait_until="load")
    rows = page.locator("#tbl-figures tbody tr")
    total = rows.count()
    assert total > 400
    assert page.locator(".cl-count").inner_text() == f"{total} of {total} rows"
    page.fill("input.cl-filter", "colossus xai")
    visible = page.locator("#tbl-figures tbody tr:not([hidden])")
    shown = visible.count()
    assert 0 < shown < total
    assert all("colossus" in t.lower() and "xai" in t.lower() for t in visible.all_inner_texts())
    assert page.locator(".cl-count").inner_text() == f"{shown} of {total} rows"
    page.fill("input.cl-filter", "")
    page.locator("#tbl-figures th button", has_text="value").click()
    keys = page.eval_on_selector_all(
        "#tbl-figures tbody tr td:nth-child(3) [data-sort]", "cells => cells.map(c => Number(c.dataset.sort))"
    )
    numbers = [k for k in keys if k == k]  # NaN (no value) sorts as text, after or before the numbers
    assert numbers[:50] == sorted(numbers[:50])
    assert page.locator("#tbl-figures th[aria-sort=ascending]").count() == 1
    context.close()


def test_key_numbers_and_claims_have_anchors_and_citations(site, browser):
    import yaml

    root, base = site
    version = yaml.safe_load((root.parents[2] / "CITATION.cff").read_text())["version"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/key_numbers.html#kn-growth-cluster-multiple", wait_until="load")
    row = page.locator("#kn-growth-cluster-multiple")
    assert row.is_visible()
    row.locator("summary").first.click()
    row.locator("details.cl-cite summary").click()
    assert f"edition {version}" in row.inner_text() and "@misc{computeledger-kn-growth-cluster-multiple" in (
        row.locator("pre.cl-bibtex").inner_text()
    )
    assert row.locator("pre.cl-csl").is_visible() and row.locator("pre.cl-ris").is_visible()
    page.goto(f"{base}/claims.html#claim-growth-140x", wait_until="load")
    claim = page.locator("#claim-growth-140x")
    assert "140" in claim.inner_text()
    claim.locator("details.cl-cite summary").click()
    assert "@misc{computeledger-claim-growth-140x" in claim.locator("pre.cl-bibtex").inner_text()
    page.goto(f"{base}/gpu_counts.html", wait_until="load")
    cite = page.locator("details.cl-cite").first
    cite.locator("summary").click()
    assert f"edition {version}" in cite.inner_text() and "@misc{" in cite.inner_text()
    context.close()


def test_every_link_to_a_figure_or_source_anchor_resolves(site):
    import re

    root, _ = site
    sources = (root / "sources.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="([^"]+)"', sources))
    links = set()
    for name in _pages(root):
        links |= set(re.findall(r'href="sources\.html#([^"]+)"', (root / name).read_text(encoding="utf-8")))
    assert len(links) > 100
    assert not sorted(links - anchors), "links to missing anchors in sources.html"


def test_every_page_has_a_description_open_graph_tags_and_the_icon(site):
    """Every page Sphinx writes (the chapters, the generated pages, the index and search pages; not the one-line
    redirect index.html) has lang, one meta description of a sentence, Open Graph and Twitter card tags, the image
    of its first chart where it has one (the chart's PNG, served by the site), and the icons."""
    import re
    from html.parser import HTMLParser

    class Meta(HTMLParser):
        def __init__(self):
            super().__init__()
            self.meta, self.lang, self.icons, self.pngs = {}, None, [], []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "html":
                self.lang = a.get("lang")
            if tag == "meta" and a.get("content") and (a.get("name") or a.get("property")):
                self.meta.setdefault(a.get("name") or a.get("property"), []).append(a["content"])
            if tag == "link" and a.get("rel") == "icon":
                self.icons.append(a.get("href"))
            if tag == "a" and a.get("class") == "cl-download" and a.get("href", "").endswith(".png"):
                self.pngs.append(a["href"])

    root, base = site
    tags = ("description", "og:title", "og:description", "og:type", "og:site_name")
    tags += ("twitter:card", "twitter:title", "twitter:description")
    missing, with_image = {}, 0
    for name in _pages(root):
        if name == "index.html":  # jupyter-book's one-line redirect to intro.html
            continue
        parser = Meta()
        parser.feed((root / name).read_text(encoding="utf-8"))
        lacks = [k for k in tags if len(parser.meta.get(k, [])) != 1]
        if parser.lang != "en":
            lacks.append("lang")
        if len(parser.meta.get("description", [""])[0]) < 40:
            lacks.append("a description of a sentence")
        if not parser.icons or not all((root / icon).is_file() for icon in parser.icons):
            lacks.append("icon")
        images = parser.meta.get("og:image", [])
        if parser.pngs:
            with_image += 1
            if images != [parser.pngs[0]] or parser.meta.get("twitter:image") != images:
                lacks.append(f"image of the first chart {parser.pngs[0]} (has {images})")
            if parser.meta.get("twitter:card") != ["summary_large_image"]:
                lacks.append("large card")
        elif images:
            lacks.append("an image on a page without a chart")
        if lacks:
            missing[name] = lacks
    assert not missing, missing
    assert with_image >= 5
    for image in re.findall(r'property="og:image" content="([^"]+)"', (root / "gpu_counts.html").read_text("utf-8")):
        with urllib.request.urlopen(f"{base}/{image}") as response:
            assert response.status == 200 and response.read(8) == b"\x89PNG\r\n\x1a\n"
    with urllib.request.urlopen(f"{base}/favicon.ico") as response:
        assert response.status == 200 and response.read(4) == b"\x00\x00\x01\x00"


def test_every_figure_links_to_its_quote_and_every_source_to_an_archived_copy(site):
    import re

    root, _ = site
    html = (root / "sources.html").read_text(encoding="utf-8")
    figures = len(re.findall(r'id="figure-', html))
    sources = len(re.findall(r'id="source-', html))
    assert figures > 500 and sources > 200
    assert len(re.findall(r'class="cl-quote" href="https?://[^"]+"', html)) == figures
    # An archived copy beside each source's link and beside each figure's link to its quote.
    archived = re.findall(r'class="cl-archive" href="(https://web\.archive\.org/web/\*/https?://[^"]+)"', html)
    assert len(archived) == sources + figures
