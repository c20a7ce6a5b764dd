"""Citations that paste: BibTeX written by pybtex and read back by pybtex and by bibtexparser (an independent parser),
CSL-JSON and RIS for every citable item, all with the address of the item; on a built site, every entry of every page
and download, with and without a site address set in CITATION.cff."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import bibtexparser
import pytest
from pybtex.database import parse_string

from compute_ledger import citation, escape
from tests.conftest import run_pipeline

SITE = "https://compute-ledger.example/book"  # RFC 2606 reserves .example: an address for tests, never published
HOSTILE = 'Figure 2.1: {unbalanced \\ 50% & $x^2$ # _ ~ "quoted" é —'


def _bibtex_entries(text: str) -> dict[str, dict[str, str]]:
    """Every entry of a BibTeX text by key, read by both parsers, which must agree on the keys and the url."""
    by_pybtex = parse_string(text, "bibtex")
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [block.error for block in library.failed_blocks]
    by_parser = {entry.key: entry for entry in library.entries}
    assert sorted(by_parser) == sorted(by_pybtex.entries)
    entries = {}
    for key, entry in by_pybtex.entries.items():
        other = by_parser[key]
        assert entry.original_type == other.entry_type == "misc", key
        fields = {name: other.fields_dict[name].value for name in other.fields_dict}
        assert fields["url"] == entry.fields["url"], key
        authors = entry.persons["author"]
        assert len(authors) == 1 and authors[0].last_names == ["{Compute Ledger contributors}"], key
        assert not authors[0].first_names, f"{key}: the organisation was split into names"
        assert fields["title"].startswith("{") and fields["title"].endswith("}"), f"{key}: title not brace-protected"
        for name in ("urldate", "version", "publisher", "year"):
            assert fields.get(name), f"{key}: no {name}"
        entries[key] = fields
    return entries


def _ris_records(text: str) -> list[dict[str, list[str]]]:
    """RIS records (``TAG  - value`` lines, TY first, ER last), read strictly."""
    records, current = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert match, f"RIS line {number} is not a tag line: {line!r}"
        tag, value = match.groups()
        if tag == "TY":
            assert current is None, f"line {number}: TY inside a record"
            current = {}
        assert current is not None, f"line {number}: {tag} outside a record"
        current.setdefault(tag, []).append(value)
        if tag == "ER":
            records.append(current)
            current = None
    assert current is None, "the last RIS record has no ER"
    return records


# --- known answers -----------------------------------------------------------------------------------------------


def test_bibtex_text_makes_braces_backslashes_and_math_printable():
    assert escape.bibtex_text("a{b}c\\d $e^f\n g") == (
        "a\\textbraceleft{}b\\textbraceright{}c\\textbackslash{}d \\$e\\textasciicircum{}f g"
    )


def test_an_item_in_the_three_formats_with_a_hostile_label():
    item = citation.Citable("fig-largest", "chart", HOSTILE, "gpu_counts", "fig-largest")
    entries = _bibtex_entries(citation.bibtex([item]))
    assert list(entries) == ["computeledger-fig-largest"]
    fields = entries["computeledger-fig-largest"]
    edition = citation.edition()
    assert fields["url"] == citation.page_url("gpu_counts", "fig-largest")
    assert fields["urldate"] == edition.date and fields["version"] == edition.version
    assert fields["publisher"] == "{Compute Ledger contributors}"
    (record,) = json.loads(citation.csl_json_text([item]))
    assert record["title"] == escape.plain(HOSTILE) and record["type"] == "figure"
    assert record["URL"] == fields["url"] and record["author"] == [{"literal": "Compute Ledger contributors"}]
    assert record["accessed"] == {"date-parts": [[int(p) for p in edition.date.split("-")]]}
    (ris,) = _ris_records(citation.ris([item]))
    assert ris["TY"] == ["FIGURE"] and ris["UR"] == [fields["url"]] and ris["TI"] == [escape.plain(HOSTILE)]
    assert ris["AU"] == ["Compute Ledger contributors,"] and ris["ET"] == [edition.version]


def test_with_a_site_address_every_format_is_absolute(monkeypatch):
    monkeypatch.setattr(citation, "site_url", lambda: SITE)
    item = citation.Citable("kn-growth-x", "key number", "Key number growth.x", "key_numbers", "kn-growth-x")
    expected = f"{SITE}/editions/{citation.edition().version}/key_numbers.html#kn-growth-x"
    assert _bibtex_entries(citation.bibtex([item]))["computeledger-kn-growth-x"]["url"] == expected
    assert json.loads(citation.csl_json_text([item]))[0]["URL"] == expected
    assert _ris_records(citation.ris([item]))[0]["UR"] == [expected]
    assert citation.citation_text(item).endswith(f"{expected} (accessed {citation.edition().date}).")
    assert citation.NO_SITE_URL_NOTE not in citation.cite_details(item)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        citation.Citable("x", "chapter", "x", "intro")


# --- the built site ----------------------------------------------------------------------------------------------

_BLOCK = {kind: re.compile(rf'<pre class="{kind}">(.*?)</pre>', re.S) for kind in ("cl-bibtex", "cl-csl", "cl-ris")}


def _site_citations(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Every BibTeX, CSL-JSON and RIS text of the site: (where, text), from the pages' blocks and the downloads."""
    found = {"bib": [], "json": [], "ris": []}
    for page in sorted(root.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        for kind, suffix in (("cl-bibtex", "bib"), ("cl-csl", "json"), ("cl-ris", "ris")):
            found[suffix] += [(page.name, html.unescape(block)) for block in _BLOCK[kind].findall(text)]
    # Every .bib and .ris file the site serves; of its many JSON files, those of the citations folder. Not those
    # under editions/: copies of whole editions (this one's included), with the same citations.
    for suffix, folder in (("bib", root), ("ris", root), ("json", root / "data" / "citations")):
        found[suffix] += [
            (str(p.relative_to(root)), p.read_text(encoding="utf-8"))
            for p in folder.rglob(f"*.{suffix}")
            if p.relative_to(root).parts[0] != "editions"
        ]
    return found


def _check_site(root: Path, base: str) -> dict[str, int]:
    """Parse every citation of the site; each address is ``base`` + a page of the site + an anchor on that page.
    Returns how many entries each format has."""
    ids: dict[str, set[str]] = {}

    def resolves(url: str, where: str) -> None:
        assert url.startswith(base), f"{where}: {url} is not under {base or 'the site'}"
        page, _, anchor = url[len(base) :].partition("#")
        assert (root / page).is_file(), f"{where}: {url}: no page {page}"
        if anchor:
            if page not in ids:
                ids[page] = set(re.findall(r'id="([^"]+)"', (root / page).read_text(encoding="utf-8")))
            assert anchor in ids[page], f"{where}: {url}: no anchor {anchor}"

    found = _site_citations(root)
    counts = {"bib": 0, "json": 0, "ris": 0}
    for where, text in found["bib"]:
        for key, fields in _bibtex_entries(text).items():
            resolves(fields["url"], f"{where} {key}")
            counts["bib"] += 1
    for where, text in found["json"]:
        for record in json.loads(text):
            resolves(record["URL"], f"{where} {record['id']}")
            assert record["author"] == [{"literal": "Compute Ledger contributors"}]
            counts["json"] += 1
    for where, text in found["ris"]:
        for record in _ris_records(text):
            (url,) = record["UR"]
            resolves(url, f"{where} {record['ID']}")
            counts["ris"] += 1
    return counts


@pytest.fixture(scope="module")
def site_with_address(built_project, tmp_path_factory) -> Path:
    """The built project again, with the site address set in CITATION.cff (the one place for it)."""
    project = tmp_path_factory.mktemp("addressed") / "project"
    shutil.copytree(built_project, project, symlinks=True)
    cff = project / "CITATION.cff"
    cff.write_text(cff.read_text(encoding="utf-8") + f'url: "{SITE}/"\n', encoding="utf-8")
    completed = run_pipeline(project)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return project / "book" / "_build" / "html"


@pytest.mark.slow
def test_every_citation_of_the_site_parses_and_points_into_it(built_project):
    root = built_project / "book" / "_build" / "html"
    counts = _check_site(root, "")
    assert counts["bib"] == counts["json"] == counts["ris"] > 700
    # Without an address, each citation box says so.
    page = (root / "gpu_counts.html").read_text(encoding="utf-8")
    assert page.count('class="cl-cite"') == page.count("cl-cite-note") > 0


@pytest.mark.slow
def test_with_a_site_address_every_citation_and_tag_is_absolute(site_with_address):
    root = site_with_address
    counts = _check_site(root, SITE + "/")
    assert counts["bib"] == counts["json"] == counts["ris"] > 700
    kinds = set()
    for _, text in _site_citations(root)["json"]:
        kinds |= {record["id"].split("-")[1] for record in json.loads(text)}
    assert {"fig", "kn", "claim", "figure", "dataset"} <= kinds, kinds
    for page in sorted(root.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        if page.name in ("index.html", "genindex.html", "search.html"):
            continue
        assert f'<link rel="canonical" href="{SITE}/{page.name}"' in text, page.name
        assert f'<meta property="og:url" content="{SITE}/{page.name}"' in text, page.name
        assert "cl-cite-note" not in text, page.name
        for image in re.findall(r'<meta property="og:image" content="([^"]+)"', text):
            assert image.startswith(f"{SITE}/exports/") and (root / image[len(SITE) + 1 :]).is_file(), image
