"""Citations of the book and of everything in it that can be cited: a chart, a key number, a claim, a curated figure
and the dataset. Each is one ``Citable``; from it come the citation text, BibTeX (written by pybtex), CSL-JSON (for
Zotero, Mendeley, Word through a reference manager) and RIS. The edition comes from ``CITATION.cff`` only.

The site's address is one setting: the ``url`` key of ``CITATION.cff`` (the CFF field for a project's home page).
Every citation, canonical link and Open Graph tag is built absolute from it. The repository states no published
address, so the setting has no default: without it, addresses are relative to the site and each citation says so.

Also here: the links from a figure to its source: the quote's own place on the page (a text fragment, or a PDF's
page) and an archived copy.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, urlsplit

from pybtex.database import BibliographyData, Entry, Person
from pybtex.database.output.bibtex import Writer

from compute_ledger import escape, inputs, paths
from compute_ledger.errors import InputFileError

SITE_URL_KEY = "url"  # the key of CITATION.cff that holds the site's address
NO_SITE_URL_NOTE = (
    "This copy of the book has no published address (CITATION.cff has no url), so the addresses in these citations "
    "are relative to the site. Add the address of the published book as url in CITATION.cff to make them absolute."
)


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
    site = str(content.get(SITE_URL_KEY) or "").strip().rstrip("/")
    if site:
        try:
            escape.url(site)
        except ValueError:
            raise InputFileError(
                f"{inputs.display(paths.CITATION_CFF)}: {SITE_URL_KEY} {site!r} is not an http(s) address"
            ) from None
    authors = ", ".join(
        a.get("name") or f"{a.get('given-names', '')} {a.get('family-names', '')}".strip()
        for a in content.get("authors", [])
    )
    return Edition(
        title=content["title"],
        version=str(content["version"]),
        date=str(content["date-released"]),
        authors=authors,
        url=site,
        licence=str(content.get("license", "")),
    )


def site_url() -> str:
    """The published book's address without a trailing slash, or '' when none is set."""
    return edition().url


EDITIONS_FOLDER = "editions"  # the site's folder of frozen editions (compute_ledger.editions.SITE_FOLDER)


def page_url(page: str, anchor: str = "") -> str:
    """The stable address of a page (and anchor) of this edition: ``editions/<version>/<page>.html`` on the published
    book, where the release keeps the edition readable after the next one appears (compute_ledger.release); relative
    to the site's root when no site URL is set."""
    base = site_url()
    target = f"{EDITIONS_FOLDER}/{edition().version}/{page}.html" + (f"#{anchor}" if anchor else "")
    return f"{base}/{target}" if base else target


def live_page_url(page: str) -> str:
    """The address of a page on the live book (its canonical address, which the next edition replaces); relative when
    no site URL is set. Citations use :func:`page_url`, the edition's own."""
    base = site_url()
    return f"{base}/{page}.html" if base else f"{page}.html"


def site_file_url(relative: str) -> str:
    """Address of a file the site serves (an image, a download); relative when no site URL is set."""
    base = site_url()
    return f"{base}/{relative}" if base else relative


# --- what can be cited ------------------------------------------------------------------------------------------

# kind -> (CSL-JSON type, RIS type)
KINDS = {
    "chart": ("figure", "FIGURE"),
    "key number": ("dataset", "DATA"),
    "claim": ("webpage", "ELEC"),
    "figure": ("dataset", "DATA"),
    "dataset": ("dataset", "DATA"),
}


@dataclass(frozen=True)
class Citable:
    """One thing of the book a reader can cite: ``key`` (a slug, unique in the book), its ``kind`` (see KINDS), the
    ``label`` it is cited by ("Figure 2.1: The largest clusters"), and where it stands (``page``, ``anchor``)."""

    key: str
    kind: str
    label: str
    page: str
    anchor: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"not a kind of citable item: {self.kind!r}")

    @property
    def url(self) -> str:
        return page_url(self.page, self.anchor)

    @property
    def bibtex_key(self) -> str:
        return f"computeledger-{self.key}"


def citation_text(item: Citable) -> str:
    """The citation as a sentence: authors (year). Book, edition V (date), label. Address (accessed date)."""
    e = edition()
    return (
        f"{e.authors} ({e.date[:4]}). {e.title}, edition {e.version} ({e.date}), {escape.plain(item.label)}. "
        f"{item.url} (accessed {e.date})."
    )


def book_citation() -> str:
    e = edition()
    return f"{e.authors} ({e.date[:4]}). {e.title}, edition {e.version} ({e.date})." + (f" {e.url}" if e.url else "")


class _BibTeXWriter(Writer):
    """pybtex's BibTeX writer, with the ``url`` field written verbatim (as biblatex and bibtexparser read it): the
    writer would otherwise LaTeX-encode ``#`` and ``%`` of the address."""

    VERBATIM = frozenset({"url"})

    def _write_field(self, stream, type, value):
        if type in self.VERBATIM:
            stream.write(f",\n    {type} = {self.quote(value)}")
        else:
            super()._write_field(stream, type, value)


def bibtex(items: list[Citable]) -> str:
    """The items as BibTeX ``@misc`` entries (pybtex): the organisation author and the title in braces (so no style
    splits the author into names or changes the title's case), ``url``, ``urldate`` (the edition's date: change it
    to the day you read the page), ``version`` and ``publisher``."""
    e = edition()
    author = Person("{" + escape.bibtex_text(e.authors) + "}")
    entries = {}
    for item in items:
        entries[item.bibtex_key] = Entry(
            "misc",
            fields={
                "title": "{" + escape.bibtex_text(item.label) + "}",
                "year": e.date[:4],
                "date": e.date,
                "url": item.url,
                "urldate": e.date,
                "version": e.version,
                "publisher": "{" + escape.bibtex_text(e.authors) + "}",
                "note": f"In: {escape.bibtex_text(e.title)}, edition {e.version} of {e.date}",
            },
            persons={"author": [author]},
        )
    stream = io.StringIO()
    _BibTeXWriter(encoding="UTF-8").write_stream(BibliographyData(entries=entries), stream)
    return stream.getvalue()


def _date_parts(date: str) -> dict:
    return {"date-parts": [[int(part) for part in date.split("-")]]}


def csl_json(items: list[Citable]) -> list[dict]:
    """The items as CSL-JSON records (what Zotero, Mendeley and citeproc read)."""
    e = edition()
    return [
        {
            "id": item.bibtex_key,
            "type": KINDS[item.kind][0],
            "title": escape.plain(item.label),
            "container-title": e.title,
            "author": [{"literal": e.authors}],
            "publisher": e.authors,
            "issued": _date_parts(e.date),
            "accessed": _date_parts(e.date),
            "version": e.version,
            "URL": item.url,
        }
        for item in items
    ]


def csl_json_text(items: list[Citable]) -> str:
    return json.dumps(csl_json(items), indent=1, ensure_ascii=False) + "\n"


def ris(items: list[Citable]) -> str:
    """The items as RIS records (EndNote, Zotero, Word's reference managers). The organisation author ends with a
    comma, the RIS way of saying it is one name, not a family name and given names."""
    e = edition()
    records = []
    for item in items:
        lines = [
            ("TY", KINDS[item.kind][1]),
            ("AU", f"{escape.plain(e.authors)},"),
            ("TI", escape.plain(item.label)),
            ("T2", escape.plain(e.title)),
            ("PY", e.date[:4]),
            ("DA", e.date.replace("-", "/")),
            ("ET", e.version),
            ("PB", escape.plain(e.authors)),
            ("UR", item.url),
            ("Y2", e.date.replace("-", "/")),
            ("ID", item.bibtex_key),
        ]
        records.append("".join(f"{tag}  - {value}\n" for tag, value in lines) + "ER  - \n")
    return "\n".join(records)


def cite_details(item: Citable) -> str:
    """The ``Cite`` box shown beside an item: the citation text, then BibTeX, CSL-JSON and RIS to copy."""
    note = "" if site_url() else f'<p class="cl-cite-note">{escape.html_text(NO_SITE_URL_NOTE)}</p>'
    blocks = "".join(
        f'<p class="cl-cite-format">{label}</p><pre class="{css}">{escape.html_text(text)}</pre>'
        for label, css, text in (
            ("BibTeX", "cl-bibtex", bibtex([item])),
            ("CSL-JSON (Zotero, Mendeley)", "cl-csl", csl_json_text([item])),
            ("RIS (EndNote, Word)", "cl-ris", ris([item])),
        )
    )
    return (
        f'<details class="cl-cite"><summary>Cite this {escape.html_text(item.kind)}</summary>'
        f"<p>{escape.html_text(citation_text(item))}</p>{note}{blocks}</details>"
    )


# --- from a figure to its source ---------------------------------------------------------------------------------

FRAGMENT_WORDS = 4  # words at each end of a long quote; a quote of up to 2 × this many words is matched whole


def _fragment_term(words: list[str]) -> str:
    """Percent-encode a text-fragment term as the WICG spec asks (``-``, ``&`` and ``,`` included)."""
    return quote(" ".join(words), safe="").replace("-", "%2D")


def is_pdf(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(".pdf")


def quote_url(url: str, text: str, page: int | None = None) -> str:
    """The page's address that opens it at the quote: a text fragment (``#:~:text=start,end``) with the quote's
    first and last words; the whole quote when it is short. A PDF opens at its ``page`` when that is known
    (``#page=N``; browsers do not apply text fragments to PDFs), else at its plain address. Parts on either side of
    an ellipsis are matched separately, since the words between them are not on the page."""
    if is_pdf(url):
        return f"{url.split('#', 1)[0]}#page={int(page)}" if page else url
    if not text.strip():
        return url
    parts = [p.split() for p in text.replace("...", "…").split("…") if p.split()]
    first, last = parts[0], parts[-1]
    if len(parts) == 1 and len(first) <= 2 * FRAGMENT_WORDS:
        directive = _fragment_term(first)
    else:
        directive = f"{_fragment_term(first[:FRAGMENT_WORDS])},{_fragment_term(last[-FRAGMENT_WORDS:])}"
    return f"{url}{':~:' if '#' in url else '#:~:'}text={directive}"


ARCHIVE_HOSTS = ("web.archive.org", "archive.org", "archive.ph", "archive.today", "archive.is", "webcitation.org")


def is_archive_snapshot(url: str) -> bool:
    """A web archive's copy of a page (the Wayback Machine, archive.today, WebCite)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in ARCHIVE_HOSTS)


def archive_url(url: str, read_at: str = "") -> str:
    """An archived copy of the page: the snapshot the curators read (``read_at``) when that is a web archive's,
    otherwise the Wayback Machine's list of its snapshots (from which a reader can also ask for one)."""
    if read_at and is_archive_snapshot(read_at):
        return read_at
    return f"https://web.archive.org/web/*/{url}"
