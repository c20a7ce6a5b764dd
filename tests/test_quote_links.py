"""One click to the quote: each figure's source link carries a text fragment whose words stand in the quote."""

from __future__ import annotations

from urllib.parse import unquote

import pandas as pd
import pytest

from compute_ledger import citation, paths


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
