"""The PDF edition (issue 17.4): printed by the pipeline, read back with pdftotext (poppler-utils)."""

from __future__ import annotations

import html
import re
import subprocess
import unicodedata

import pytest
import yaml

from compute_ledger import chapters, pdf_edition

CAPTION = re.compile(
    r'<figcaption><a class="cl-anchor" href="#fig-[^"]+">(Figure \d+\.\d+)\.</a> <strong>(.*?)</strong>'
)


def flat(text: str) -> str:
    """One line, ligatures undone (pdftotext gives "ﬁ" for the "fi" Chromium set as one glyph)."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def pdf_text(built_project):
    pdf = built_project / "book" / "_build" / "html" / pdf_edition.PDF_NAME
    assert pdf.is_file(), "the pipeline wrote no PDF edition"
    whole = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    first = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return flat(whole), flat(first)


def test_the_title_page_names_the_edition_and_how_to_cite_it(built_project, pdf_text):
    _, first = pdf_text
    cff = yaml.safe_load((built_project / "CITATION.cff").read_text(encoding="utf-8"))
    assert f"Edition {cff['version']}, {cff['date-released']}" in first
    assert "Cite this edition:" in first and cff["title"] in first


def test_every_chapter_title_and_figure_caption_is_in_the_pdf(built_project, pdf_text):
    whole, _ = pdf_text
    site = built_project / "book" / "_build" / "html"
    for chapter in chapters.CHAPTERS:
        assert f"{chapter.number}. {chapter.title}" in whole, chapter.title
        captions = CAPTION.findall((site / f"{chapter.name}.html").read_text(encoding="utf-8"))
        for label, title in captions:
            assert f"{label}. {flat(html.unescape(re.sub('<[^>]+>', '', title)))}" in whole, (chapter.name, label)
    assert sum(len(CAPTION.findall((site / f"{c.name}.html").read_text())) for c in chapters.CHAPTERS) >= 10


def test_pages_are_numbered_and_every_chart_is_a_static_image(built_project, pdf_text):
    whole, _ = pdf_text
    site = built_project / "book" / "_build" / "html"
    info = subprocess.run(["pdfinfo", str(site / pdf_edition.PDF_NAME)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    assert f"1 / {pages}" in whole and f"{pages} / {pages}" in whole
    document = pdf_edition.print_document(site)
    assert 'class="cl-chart"' not in document, "a chart left as an empty interactive container"
    charts = re.findall(r'<img src="exports/([a-z_]+)/([a-z0-9-]+)\.svg"', document)
    assert len(charts) >= 10
    # Each exported SVG carries its footer (the figure's stable address) as text: in the PDF, the image is there.
    missing = [f"{page}:{chart}" for page, chart in charts if f"{page}.html#fig-{chart}" not in whole]
    assert not missing, missing


def test_every_page_offers_the_pdf_edition(built_project):
    site = built_project / "book" / "_build" / "html"
    for page in ("intro.html", "gpu_counts.html", "sources.html", "changes.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert f'href="{pdf_edition.PDF_NAME}"' in text and "PDF edition" in text, page
