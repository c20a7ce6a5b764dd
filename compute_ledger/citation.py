"""Citation texts for the book, its figures and its numbers. The edition comes from CITATION.cff only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, urlsplit

from compute_ledger import inputs, paths
from compute_ledger.errors import InputFileError


@dataclass(frozen=True)
class Edition:
    title: str
    version: str
    date: str
    authors: str
    url: str
    licence: str


@cache
def edition() -> Edition:
    content = inputs.read_yaml(paths.CITATION_CFF)
    if not isinstance(content, dict):
        raise InputFileError(f"{inputs.display(paths.CITATION_CFF)}: expected a mapping of CFF keys")
    missing = [key for key in ("title", "version", "date-released") if not content.get(key)]
    if missing:
        raise InputFileError(f"{inputs.display(paths.CITATION_CFF)}: needs {', '.join(missing)}")
    authors = ", ".join(
        a.get("name") or f"{a.get('given-names', '')} {a.get('family-names', '')}".strip()
        for a in content.get("authors", [])
    )
    return Edition(
        title=content["title"],
        version=str(content["version"]),
        date=str(content["date-released"]),
        authors=authors,
        url=str(content.get("url", "")).rstrip("/"),
        licence=str(content.get("license", "")),
    )


def page_url(page: str, anchor: str = "") -> str:
    """Address of a page (and anchor) of the published book; relative when no site URL is set."""
    base = edition().url
    target = f"{page}.html" + (f"#{anchor}" if anchor else "")
    return f"{base}/{target}" if base else target


def figure_citation(page: str, anchor: str, label: str) -> str:
    e = edition()
    return f"{e.authors} ({e.date[:4]}). {e.title}, edition {e.version} ({e.date}), {label}. {page_url(page, anchor)}"


def figure_bibtex(page: str, anchor: str, key: str, label: str) -> str:
    e = edition()
    return (
        f"@misc{{computeledger-{key},\n"
        f"  author = {{{e.authors}}},\n"
        f"  title = {{{e.title}: {label}}},\n"
        f"  year = {{{e.date[:4]}}},\n"
        f"  edition = {{{e.version}}},\n"
        f"  note = {{Edition {e.version} of {e.date}}},\n"
        f"  howpublished = {{\\url{{{page_url(page, anchor)}}}}}\n"
        f"}}"
    )


def book_citation() -> str:
    e = edition()
    return f"{e.authors} ({e.date[:4]}). {e.title}, edition {e.version} ({e.date})." + (f" {e.url}" if e.url else "")


FRAGMENT_WORDS = 4  # words at each end of a long quote; a quote of up to 2 × this many words is matched whole


def _fragment_term(words: list[str]) -> str:
    """Percent-encode a text-fragment term as the WICG spec asks (``-``, ``&`` and ``,`` included)."""
    return quote(" ".join(words), safe="").replace("-", "%2D")


def quote_url(url: str, text: str) -> str:
    """The page's address that opens it at the quote: a text fragment (``#:~:text=start,end``) with the quote's
    first and last words; the whole quote when it is short. A PDF gets its plain address (browsers do not apply
    text fragments to PDFs, and no page number is recorded). Parts on either side of an ellipsis are matched
    separately, since the words between them are not on the page."""
    if urlsplit(url).path.lower().endswith(".pdf") or not text.strip():
        return url
    parts = [p.split() for p in text.replace("...", "…").split("…") if p.split()]
    first, last = parts[0], parts[-1]
    if len(parts) == 1 and len(first) <= 2 * FRAGMENT_WORDS:
        directive = _fragment_term(first)
    else:
        directive = f"{_fragment_term(first[:FRAGMENT_WORDS])},{_fragment_term(last[-FRAGMENT_WORDS:])}"
    return f"{url}{':~:' if '#' in url else '#:~:'}text={directive}"


def archive_url(url: str, accessed: str) -> str:
    """The Internet Archive's copy of the page nearest the day it was read (the archive redirects to the nearest
    snapshot, or offers to save one)."""
    return f"https://web.archive.org/web/{accessed.replace('-', '')}/{url}"
