"""One click to the quote: each figure's source link carries a text fragment whose words stand in the quote."""

from __future__ import annotations

from urllib.parse import unquote

import pandas as pd
import pytest

from compute_ledger import citation, paths, report


def _terms(url: str) -> list[str]:
    directive = url.split(":~:text=", 1)[1]
    return [unquote(term) for term in directive.split(",")]


@pytest.mark.parametrize(
    ("quote", "terms"),
    [
        ("short quote here", ["short quote here"]),
        ("one two three four five six seven eight nine ten", ["one two three four", "seven eight nine ten"]),
        ("a-b, c & d … the end of it all", ["a-b, c & d", "end of it all"]),
    ],
)
def test_fragment_terms_known_answers(quote, terms):
    url = citation.quote_url("https://example.org/page", quote)
    assert url.startswith("https://example.org/page#:~:text=")
    assert _terms(url) == terms
    assert "-" not in url.split(":~:text=")[1] and "&" not in url.split(":~:text=")[1]


def test_a_pdf_or_an_existing_fragment():
    assert citation.quote_url("https://example.org/report.pdf", "some words") == "https://example.org/report.pdf"
    assert citation.quote_url("https://example.org/p#part", "x y").startswith("https://example.org/p#part:~:text=")


def test_every_fragment_of_the_ledger_stands_in_its_quote():
    figures = pd.read_csv(paths.FIGURES_CSV, dtype=str, keep_default_na=False)
    sources = pd.read_csv(paths.SOURCES_CSV, dtype=str, keep_default_na=False).set_index("source_id")
    linked = 0
    for figure in figures.itertuples():
        url = citation.quote_url(sources.at[figure.source_id, "url"], figure.quote)
        if ":~:text=" not in url:
            continue
        linked += 1
        quote = " ".join(figure.quote.split())
        for term in _terms(url):
            assert term in quote, (figure.figure_id, term)
    assert linked >= 0.9 * len(figures)


def test_a_pdf_opens_at_its_page_when_the_page_is_known():
    assert citation.quote_url("https://example.org/r.pdf", "words", page=12) == "https://example.org/r.pdf#page=12"
    assert citation.quote_url("https://example.org/r.PDF#x", "words", page=3) == "https://example.org/r.PDF#page=3"


def test_archived_copy_is_the_snapshot_read_or_the_archive_lookup():
    page = "https://example.org/news/a?id=1"
    snapshot = "https://web.archive.org/web/20250101000000/https://example.org/news/a?id=1"
    assert citation.archive_url(page, snapshot) == snapshot
    assert citation.archive_url(page, "https://archive.ph/AbCd1") == "https://archive.ph/AbCd1"
    # A mirror or a syndicated copy is not an archive: the lookup of the original page is given.
    assert citation.archive_url(page, "https://mirror.example.net/a") == f"https://web.archive.org/web/*/{page}"
    assert citation.archive_url(page) == f"https://web.archive.org/web/*/{page}"


def test_a_table_cell_links_the_source_at_the_quote_and_an_archived_copy():
    html = report.source_links("Reuters <b>", "https://example.org/a", "one two-three & four", None)
    assert html == (
        '<a class="cl-quote" href="https://example.org/a#:~:text=one%20two%2Dthree%20%26%20four">Reuters &lt;b&gt;</a>'
        ' · <a class="cl-archive" href="https://web.archive.org/web/*/https://example.org/a">archived copies</a>'
    )


@pytest.mark.slow
def test_the_site_links_each_figure_at_its_verbatim_quote(built_project):
    """On the Sources and Data pages, each figure's link is built from the quote as it stands on the source's page
    (the quote column, in the page's language), not from the English rendering."""
    import html
    import re

    root = built_project / "book" / "_build" / "html"
    figures = pd.read_csv(paths.FIGURES_CSV, dtype=str, keep_default_na=False)
    sources = pd.read_csv(paths.SOURCES_CSV, dtype=str, keep_default_na=False).set_index("source_id")
    expected = {citation.quote_url(sources.at[f.source_id, "url"], f.quote) for f in figures.itertuples()}
    translated = [f for f in figures.itertuples() if f.quote_en != f.quote]
    assert translated, "no figure quotes a page in another language than English"
    for page in ("sources.html", "data.html"):
        links = {html.unescape(u) for u in re.findall(r'class="cl-quote" href="([^"]+)"', (root / page).read_text())}
        assert expected <= links, (page, sorted(expected - links)[:3])
        for f in translated:
            english = citation.quote_url(sources.at[f.source_id, "url"], f.quote_en)
            assert english == citation.quote_url(sources.at[f.source_id, "url"], f.quote) or english not in links


@pytest.mark.slow
def test_every_source_link_of_the_site_opens_at_a_quote_with_an_archived_copy_beside_it(built_project):
    """On every page (chapters' source tables, claims, key numbers' inputs, Data, Sources), each link to a source
    is one of the ledger's quote links, and an archived-copy link stands beside each."""
    import html
    import re

    root = built_project / "book" / "_build" / "html"
    figures = pd.read_csv(paths.FIGURES_CSV, dtype=str, keep_default_na=False)
    sources = pd.read_csv(paths.SOURCES_CSV, dtype=str, keep_default_na=False).set_index("source_id")
    expected = {citation.quote_url(sources.at[f.source_id, "url"], f.quote) for f in figures.itertuples()}
    counts = {}
    for page in sorted(root.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        quotes = [html.unescape(u) for u in re.findall(r'class="cl-quote" href="([^"]+)"', text)]
        archives = len(re.findall(r'class="cl-archive" href="https://', text))
        assert set(quotes) <= expected, (page.name, sorted(set(quotes) - expected)[:3])
        beside_sources = len(sources) if page.name == "sources.html" else 0
        assert archives == len(quotes) + beside_sources, page.name
        counts[page.name] = len(quotes)
    assert counts["key_numbers.html"] > 100 and counts["claims.html"] >= 13 and counts["data.html"] == len(figures)
    assert counts["money.html"] > 0 and counts["power.html"] > 0 and counts["gpu_counts.html"] > 0
