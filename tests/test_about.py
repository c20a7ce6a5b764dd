"""The About page: generated from CITATION.cff, the vocabularies and the data dictionary of metadata.py and the data,
and linked from the footer of every page."""

from __future__ import annotations

import html
import re

import pytest

from compute_ledger import book, escape, metadata


def test_a_vocabulary_is_a_definition_list_of_its_values_and_meanings():
    listed = book._definition_list({"weak": "mirrors, `reposts`", "low": "unconfirmed"})
    assert listed == [f"- **weak**: {escape.md_text('mirrors, reposts')}", "- **low**: unconfirmed"]


def test_contact_is_only_what_citation_cff_states():
    assert book._contact({"authors": [{"name": "Compute Ledger contributors"}]}) == []
    cff = {"authors": [{"name": "A", "website": "https://a.example"}], "contact": [{"email": "x@a.example"}]}
    assert book._contact(cff) == ["x@a.example", "https://a.example"]


def _text(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))).split())


@pytest.mark.slow
def test_the_about_page_is_built_and_every_footer_links_to_it(built_project):
    root = built_project / "book" / "_build" / "html"
    text = _text(root / "about.html")
    for heading in ("Who maintains it", "How a figure enters the ledger", "Units", "Corrections", "Licences"):
        assert heading in text, heading
    for value in (*metadata.TIERS, *metadata.STATUSES, *metadata.CONFIDENCES, *metadata.POWER_MEASURES):
        assert value in text, value
    assert "Compute Ledger contributors" in text and "CC BY 4.0" in text and "MIT licence" in text
    assert "H100-equivalents" in text and "× PUE" in text and "nominal" in text
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text), "an e-mail address CITATION.cff does not state"
    about = (root / "about.html").read_text(encoding="utf-8")
    assert 'href="changelog.html"' in about and 'href="data.html"' in about
    pages = [p for p in sorted(root.glob("*.html")) if p.name not in ("index.html",)]
    assert len(pages) > 10
    missing = [p.name for p in pages if 'class="cl-about-link"><a href="about.html">' not in p.read_text("utf-8")]
    assert not missing, missing
