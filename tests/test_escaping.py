"""Text from the data is never markup. Known answers for the escaping layer, a contract that no other module
escapes by hand, and a whole site built from data whose every free-text field carries hostile payloads: every page
is parsed (an HTML parser, not a regex) for scripts, event handlers and javascript: URLs that are not the site's own,
and the pages are opened in Chromium to see that no payload ran."""

from __future__ import annotations

import csv
import functools
import html
import http.server
import json
import re
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from compute_ledger import escape, paths
from tests.conftest import copy_project, run_pipeline

MARK = "__pwned"
PAYLOADS = (
    f"<script>window.{MARK}=1</script>",
    f'<img src=x onerror="window.{MARK}=2">',
    f"[click](javascript:window.{MARK}=3)",
    f"</script><script>window.{MARK}=4</script>",
    f'" onmouseover="window.{MARK}=5" x="',
    f"{{raw}}`<b onclick=window.{MARK}=6>`",
    f"\n% comment\n```{{raw}} html\n<script>window.{MARK}=7</script>\n```",
    f"<a href='javascript:window.{MARK}=8'>x</a> $x$ *em* {{glue:text}}`x`",
)
FIGURE_TEXT = ("entity", "subject", "ref_date_note", "unit_detail", "original_outlet", "quote", "quote_en", "note")
SOURCE_TEXT = ("title", "publisher", "author", "date_note", "licence")


# --- the layer's known answers ----------------------------------------------------------------------------------


def test_html_text_escapes_the_five_characters():
    assert escape.html_text("<a href=\"x\" title='y'>&</a>") == (
        "&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;&amp;&lt;/a&gt;"
    )
    assert escape.html_text(None) == "" and escape.html_text(float("nan")) == ""


def test_md_text_turns_punctuation_into_character_references():
    assert escape.md_text("a <b> [c](d) *e* % f") == ("a &#60;b&#62; &#91;c&#93;&#40;d&#41; &#42;e&#42; &#37; f")
    assert escape.md_text("line one\nline two") == "line one line two"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_text_renders_as_the_same_text_and_no_markup(payload):
    """Through a CommonMark renderer with raw HTML on (as MyST has it), the escaped text is one paragraph of text
    that reads exactly as the payload (white space folded)."""
    rendered = MarkdownIt("commonmark", {"html": True}).render("> " + escape.md_text(payload))
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered and "<em>" not in rendered
    text = re.sub(r"<[^>]+>", "", rendered)
    assert html.unescape(text).strip() == escape.plain(payload)


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "data:text/html,x", 'https://x.org/a"onmouseover=1', "//x"])
def test_url_refuses_anything_but_http(bad):
    with pytest.raises(ValueError):
        escape.url(bad)


def test_link_escapes_its_text_and_keeps_a_good_url():
    assert escape.link("https://example.org/a?b=1&c=2", "<b>") == (
        '<a href="https://example.org/a?b=1&amp;c=2">&lt;b&gt;</a>'
    )


def test_script_json_cannot_close_its_script_element():
    text = escape.script_json({"quote": "</script><script>alert(1)</script>", "sep": "\u2028"})
    assert "</" not in text and "<" not in text and "\u2028" not in text
    assert json.loads(text) == {"quote": "</script><script>alert(1)</script>", "sep": "\u2028"}


def test_no_module_escapes_by_hand():
    """One layer: only escape.py may use html.escape or markupsafe."""
    offenders = []
    for module in sorted((paths.ROOT / "compute_ledger").rglob("*.py")):
        if module.name == "escape.py":
            continue
        text = module.read_text(encoding="utf-8")
        if re.search(r"^import html$|html\.escape\(|markupsafe", text, re.M):
            offenders.append(module.name)
    assert offenders == []


# --- a whole site built from hostile data -----------------------------------------------------------------------


def _poison(path: Path, columns: tuple[str, ...], skip=lambda row: False) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames), list(reader)
    for number, row in enumerate(rows):
        if skip(row):
            continue
        for column in columns:
            row[column] = (row[column] + " " + PAYLOADS[(number + len(column)) % len(PAYLOADS)]).strip()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# The Sphinx Book Theme's own buttons (print, full screen): the only event handlers a page may carry.
THEME_HANDLERS = {("button", "onclick", "window.print()"), ("button", "onclick", "toggleFullScreen()")}


class _Scan(HTMLParser):
    """Every script element's text, every on* attribute, every javascript: URL."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.js_urls: list[str] = []
        self.elements: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        if tag == "script":
            self._in_script = True
            self.scripts.append(dict(attrs).get("src") or "")
        for name, value in attrs:
            if name.lower().startswith("on") and (tag, name, value) not in THEME_HANDLERS:
                self.handlers.append(f"{tag} {name}={value}")
            if value and value.strip().lower().startswith("javascript:"):
                self.js_urls.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    raw = project / "data" / "raw"
    # The Money chapter selects companies by their entity name, so money rows keep a clean entity; every other
    # free-text field of theirs, and every entity elsewhere, carries a payload.
    _poison(raw / "figures.csv", FIGURE_TEXT, skip=lambda row: row["category"] in ("hardware", "money"))
    _poison(
        raw / "figures.csv", tuple(c for c in FIGURE_TEXT if c != "entity"), skip=lambda r: r["category"] != "money"
    )
    _poison(raw / "figures.csv", ("note",), skip=lambda row: row["category"] != "hardware")
    _poison(raw / "sources.csv", SOURCE_TEXT)
    completed = run_pipeline(project)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return project / "book" / "_build" / "html"


@pytest.mark.slow
def test_no_payload_becomes_markup_on_any_page(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        scan = _Scan()
        scan.feed(page.read_text(encoding="utf-8"))
        name = page.relative_to(hostile_site)
        # Chart specs carry the data's text as JSON strings; a payload there must stay escaped (no raw tag).
        carried = [s for s in scan.scripts if MARK in s]
        assert not [s for s in carried if re.search(r"<\s*/?\s*(script|img|a|b)\b", s, re.I)], (
            f"{name}: a payload's tag is raw inside a script element"
        )
        assert not [s for s in carried if s.strip().startswith("window.")], f"{name}: a payload became a script"
        assert not scan.handlers, f"{name}: event-handler attributes: {scan.handlers[:3]}"
        assert not scan.js_urls, f"{name}: javascript: URLs: {scan.js_urls[:3]}"
        # The site's own scripts only: local files, and inline code with no payload in it.
        assert all(not s.startswith(("http:", "https:", "//")) for s in scan.scripts if not s.startswith("\n")), name


@pytest.mark.slow
def test_the_payloads_read_as_text(hostile_site):
    sources = html.unescape(re.sub(r"<[^>]+>", " ", (hostile_site / "sources.html").read_text(encoding="utf-8")))
    assert f"<script>window.{MARK}=1</script>" in sources
    assert f"[click](javascript:window.{MARK}=3)" in sources


@pytest.mark.slow
def test_no_payload_runs_in_a_browser(hostile_site):
    from tests.test_site import CHROMIUM, FLAGS

    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: scripts/test.sh installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(hostile_site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_page()
            for name in ("sources.html", "data.html", "gpu_counts.html", "key_numbers.html", "claims.html"):
                page.goto(f"http://127.0.0.1:{server.server_port}/{name}")
                page.wait_for_load_state("networkidle")
                page.mouse.move(300, 300)
                if name == "data.html":
                    page.fill("input.cl-filter", "script")  # the filter must not turn cell text into HTML
                assert page.evaluate(f"typeof window.{MARK}") == "undefined", name
            browser.close()
    finally:
        server.shutdown()
