"""The PDF edition of the book: the built site's pages, in the book's order, printed by Chromium.

Why Chromium's print and not Jupyter Book's LaTeX builder: the pages are already built, so printing them adds
seconds, where the LaTeX route needs TeX Live (about a gigabyte from Debian) and a second Sphinx build; the chapters'
tables and figure captions are HTML written by the views, which LaTeX would drop or flatten; and the figure numbers
are the site's own, since the text is the site's.

:func:`print_document` assembles one HTML document from the built pages: a title page (the edition, its date and
how to cite it), a table of contents, then each page's article. Each interactive chart is replaced by its static SVG
(exported with vl-convert by the chapter, beside its CSV), so figures keep their captions and numbers (Figure 1.1,
...). Links between pages become links inside the document. :func:`write_pdf` prints it with headless Chromium
(A4, page numbers in the footer, the edition in the header) and pins the PDF's dates to the edition's date, so the
same site prints the same bytes.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from compute_ledger import chapters, charts, citation, escape, paths
from compute_ledger.errors import BookError

PDF_NAME = "compute-ledger.pdf"
PRINT_NAME = "_print.html"  # written beside the pages while printing (for their images), then removed
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_SOCKET_ROOM = 67  # the length of the socket names Chromium creates in TMPDIR, at most
# The pages of the PDF, in order, after the chapters. The Data page (an interactive table of the same figures the
# Sources appendix lists with their quotes) and the Run page (this machine's timings) are left out.
BEFORE_CHAPTERS = ("intro",)
AFTER_CHAPTERS = ("key_numbers", "changes", "changelog", "sources", "parameters", "about")

_ARTICLE = re.compile(r'<article class="bd-article">(.*?)</article>', re.S)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_CHART = re.compile(r'<div id="chart-([a-z0-9-]+)" class="cl-chart" role="img" aria-label="([^"]*)"></div>')
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>#</a>')
_PAGE_LINK = re.compile(r'href="([a-z_]+)\.(?:html|ipynb|md)(#[^"]*)?"')
_TITLE = re.compile(r"<h1>(.*?)</h1>", re.S)
_TAGS = re.compile(r"<[^>]+>")

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.4; color: #111; }
.pdf-title { break-after: page; text-align: center; padding-top: 30%; }
.pdf-title h1 { font-size: 24pt; margin-bottom: 0.5em; }
.pdf-title .pdf-edition { font-size: 14pt; }
.pdf-title .pdf-cite { margin-top: 3em; font-size: 9pt; text-align: left; }
.pdf-toc { break-after: page; }
.pdf-toc ol { font-size: 11pt; line-height: 1.8; }
.pdf-part { break-before: page; }
figure { break-inside: avoid; margin: 1em 0; }
figure img { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 7.5pt; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 2px 4px; vertical-align: top; text-align: left; }
tr { break-inside: avoid; }
a { color: #0b4f8a; text-decoration: none; overflow-wrap: anywhere; }
code { font-size: 0.9em; overflow-wrap: anywhere; }
details > *:not(summary) { display: block; }
h1 { font-size: 18pt; } h2 { font-size: 13pt; break-after: avoid; } h3 { font-size: 11pt; break-after: avoid; }
button, .cl-cite-copy, .cl-whatif-controls input[type=range] { display: none; }
"""


def page_order() -> list[str]:
    return [*BEFORE_CHAPTERS, *(chapter.name for chapter in chapters.CHAPTERS), *AFTER_CHAPTERS]


def _article(html: str, page: str) -> str:
    """A built page's article, ready for the single document: no scripts, charts as their static SVG, links
    between pages as links inside the document."""
    match = _ARTICLE.search(html)
    if match is None:
        raise ValueError(f"{page}.html: no article in the page")
    body = _SCRIPT.sub("", match.group(1))
    body = _HEADERLINK.sub("", body)
    body = _CHART.sub(
        lambda m: f'<img src="{charts.EXPORTS_URL}/{page}/{m.group(1)}.svg" alt="{m.group(2)}">',
        body,
    )
    return _PAGE_LINK.sub(lambda m: f'href="{m.group(2) or "#page-" + m.group(1)}"', body)


def page_title(html: str, page: str) -> str:
    match = _TITLE.search(html)
    if match is None:
        raise ValueError(f"{page}.html: no title")
    return " ".join(_TAGS.sub("", _HEADERLINK.sub("", match.group(1))).split())


def print_document(site: Path) -> str:
    """The whole book as one HTML document, from the built pages in ``site``."""
    edition = citation.edition()
    pages = {name: (site / f"{name}.html").read_text(encoding="utf-8") for name in page_order()}
    titles = {name: page_title(html, name) for name, html in pages.items()}
    toc = "".join(f'<li><a href="#page-{name}">{escape.html_text(titles[name])}</a></li>' for name in pages)
    parts = "".join(
        f'<section class="pdf-part" id="page-{name}">{_article(html, name)}</section>' for name, html in pages.items()
    )
    where = citation.site_url() or "a site with no published address yet (see CITATION.cff)"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape.html_text(edition.title)}, edition {escape.html_text(edition.version)}</title>"
        f"<style>{CSS}</style></head><body>"
        f'<section class="pdf-title"><h1>{escape.html_text(edition.title)}</h1>'
        f'<p class="pdf-edition">Edition {escape.html_text(edition.version)}, {escape.html_text(edition.date)}</p>'
        f"<p>{escape.html_text(edition.authors)}</p>"
        f'<p class="pdf-cite"><strong>Cite this edition:</strong> {escape.html_text(citation.book_citation())}<br>'
        f"Published at: {escape.html_text(where)}. Data licence: {escape.html_text(edition.licence)}; code: MIT.</p>"
        "</section>"
        f'<nav class="pdf-toc"><h1>Contents</h1><ol>{toc}</ol></nav>{parts}</body></html>'
    )


def _pin_dates(pdf: bytes, date: str) -> bytes:
    """The PDF's creation and modification dates set to the edition's date (same length: offsets stay valid)."""
    stamp = date.replace("-", "")

    def pinned(match: re.Match) -> bytes:
        original = match.group(2)
        fixed = (b"D:" + stamp.encode() + b"000000" + b"+00'00'")[: len(original)].ljust(len(original), b"0")
        return match.group(1) + fixed + b")"

    return re.sub(rb"(/(?:CreationDate|ModDate) \()(D:[^)]*)\)", pinned, pdf)


def write_pdf(site: Path, log=print) -> Path | None:
    """Print the book in ``site`` to ``site/compute-ledger.pdf``; returns it, or None (and says why) when this
    machine has no Chromium."""
    if not CHROMIUM.exists():
        log(f"  PDF edition skipped: no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
        return None
    from playwright.sync_api import sync_playwright

    document = site / PRINT_NAME
    document.write_text(print_document(site), encoding="utf-8")
    edition = citation.edition()
    header = (
        '<div style="font-size:7px;width:100%;text-align:right;margin-right:14mm;color:#555">'
        f"{escape.html_text(edition.title)} · edition {escape.html_text(edition.version)} ({edition.date})</div>"
    )
    footer = (
        '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
        '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
    )
    target = site / PDF_NAME
    # Chromium puts sockets in TMPDIR, under names of up to 67 characters (a deep TMPDIR aborts it).
    environment = {**os.environ, "TMPDIR": paths.socket_folder(CHROMIUM_SOCKET_ROOM)}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"], env=environment
            )
            page = browser.new_page()
            page.goto(document.resolve().as_uri(), wait_until="load")
            pdf = page.pdf(
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template=header,
                footer_template=footer,
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
                outline=True,
                tagged=True,
            )
            browser.close()
    except Exception as error:  # Playwright's errors carry Chromium's whole log: the first line says what failed
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise BookError(f"the PDF edition could not be printed with {CHROMIUM}: {first}") from None
    finally:
        document.unlink(missing_ok=True)
    target.write_bytes(_pin_dates(pdf, edition.date))
    return target
