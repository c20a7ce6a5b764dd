"""Citation texts for the book, its figures and its numbers. The edition comes from CITATION.cff only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

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
