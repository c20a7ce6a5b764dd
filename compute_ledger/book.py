"""Assemble the book's sources (pages written from the registry, the parameters and the run manifest; executed
chapters; downloadable exports) into ``build/book/source`` and build them (``book_build``: incrementally, with Jupyter
Book 1, warnings as errors)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import nbformat
import pandas as pd
import yaml

from compute_ledger import (
    book_build,
    chapters,
    charts,
    citation,
    claims,
    edition_diff,
    editions,
    escape,
    inputs,
    key_numbers,
    metadata,
    params,
    paths,
    pdf_edition,
    queries,
    report,
    units,
)


def build_site(
    processed: paths.ProcessedLayout,
    manifest: dict,
    vendor_bundle: Path,
    target: Path,
    structure: str,
    log=print,
    started: book_build.JupyterBook | None = None,
    from_scratch: bool = False,
) -> Path:
    """Assemble the sources from ``processed`` and the manifest, build the site, and copy its HTML to ``target``
    (the staging area; the live site is swapped by the caller). ``structure`` is the book structure key;
    ``started`` a jupyter-book process started ahead; ``from_scratch`` forbids an incremental build."""
    assemble(book_build.SOURCE, processed, manifest, vendor_bundle)
    built = book_build.build(book_build.SOURCE, book_build.OUTPUT, structure, log, started, from_scratch)
    shutil.copytree(built, target)
    pdf_edition.write_pdf(target, log)
    editions.publish_sites(target, citation.edition().version)
    return target


def changes_page_for(processed: paths.ProcessedLayout, catalogue: pd.DataFrame) -> str:
    """The "What changed" page of this build: this edition's frozen catalogue if it is released, else this run's,
    against the previous frozen edition."""
    edition = citation.edition()
    frozen = editions.by_version(edition.version)
    if frozen is not None:
        figures, catalogue = frozen.table("figures"), frozen.key_numbers()
    else:
        figures = pd.read_csv(processed.tables / "figures.csv", dtype=str, keep_default_na=False)
    return changes_page(
        editions.previous(edition.version),
        edition.version,
        edition.date,
        frozen is not None,
        figures,
        catalogue,
        editions.released(),
        sorted({edition.version, *editions.site_archives()}),
    )


def assemble(book_source: Path, processed: paths.ProcessedLayout, manifest: dict, vendor_bundle: Path) -> set[str]:
    """Write every source file of the book into ``book_source`` (kept between runs); returns the files that changed."""
    folder = book_build.SourceFolder(book_source)
    folder.copy_tree(paths.BOOK, ".", skip=("_build", ".jupyter_cache", ".ipynb_checkpoints"))
    folder.write_text("_toc.yml", toc_text())
    for chapter in chapters.CHAPTERS:
        executed = processed.notebooks / f"{chapter.name}.ipynb"
        folder.write_text(f"{chapter.name}.ipynb", copy_for_book(executed))
    with duckdb.connect(str(processed.database), read_only=True) as connection:
        folder.write_text("sources.md", sources_page(connection))
        folder.write_text("data.md", data_page(connection))
        folder.write_text("about.md", about_page(connection))
        figures_cited = queries.figure_subjects(connection)
        figure_sources = queries.figure_citations(connection)
    # The published catalogue, exactly as data/processed holds it (the run wrote it after the notebooks).
    catalogue = pd.DataFrame(json.loads(processed.key_numbers_json.read_text(encoding="utf-8")), dtype=object)
    folder.write_text("key_numbers.md", key_numbers_page(catalogue, figure_sources))
    folder.write_text("changelog.md", inputs.read_text(paths.DATA_CHANGELOG))
    folder.write_text(f"{CHANGES_PAGE}.md", changes_page_for(processed, catalogue))
    for frozen in editions.released():  # each frozen edition's small files, at its stable address
        for path in sorted(p for p in frozen.folder.rglob("*") if p.is_file()):
            relative = path.relative_to(paths.EDITIONS).as_posix()
            folder.write(f"_extra/{editions.SITE_FOLDER}/{relative}", path.read_bytes())
    for suffix, text in citation_files(citables(figures_cited, catalogue)).items():
        folder.write_text(f"_extra/{CITATIONS}{suffix}", text)
    folder.write_text("parameters.md", parameters_page(manifest))
    folder.write_text("run.md", run_page(manifest))
    folder.copy_tree(processed.exports, f"_extra/{charts.EXPORTS_URL}")
    folder.copy_tree(processed.tables, "_extra/data/tables")
    for path in (processed.key_numbers_csv, processed.key_numbers_json, processed.datapackage):
        folder.write(f"_extra/data/{path.name}", path.read_bytes())
    folder.write(f"_extra/{charts.VENDOR_BUNDLE}", vendor_bundle.read_bytes())
    config = inputs.read_yaml(paths.BOOK / "_config.yml")
    edition = citation.edition()
    config["html"]["extra_footer"] = (
        f'<p class="cl-edition">{escape.html_text(edition.title)} — edition {edition.version} ({edition.date}). '
        f"Code: MIT licence; the project's own data: {escape.html_text(edition.licence)}; quotes belong to their "
        f"authors and are attributed. Cite: {escape.html_text(citation.book_citation())}</p>"
        '<p class="cl-about-link"><a href="about.html">About this book: who keeps it, how to reach them, how to '
        "report an error, licences</a></p>"
    )
    config["sphinx"]["config"]["extensions"].append("compute_ledger.page_meta")
    if citation.site_url():  # Sphinx then writes each page's canonical link
        config["sphinx"]["config"]["html_baseurl"] = citation.site_url() + "/"
    folder.write(
        "_extra/favicon.ico", favicon_ico((paths.BOOK / "_static" / "favicon.svg").read_text(encoding="utf-8"))
    )
    folder.write_text("_config.yml", yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    folder.remove_others()
    folder.refresh_glue_readers()
    return folder.changed


def favicon_ico(svg: str) -> bytes:
    """``favicon.ico`` for browsers that ask the site's root for it: the SVG icon as a 32 px PNG inside an ICO file
    (one directory entry whose image is PNG data, which every current browser reads)."""
    import struct

    import vl_convert

    png = vl_convert.svg_to_png(svg.replace("<svg ", '<svg width="32" height="32" ', 1), scale=1)
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 32, 32, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


CITATIONS = "data/citations/compute-ledger"  # + .bib, .json (CSL-JSON), .ris: every item the book generator knows
DATASET = citation.Citable("dataset", "dataset", "The curated ledger: figures, sources and computed tables", "data")


def citables(figures: pd.DataFrame, catalogue: pd.DataFrame) -> list[citation.Citable]:
    """Everything citable that the pages written here show: the dataset, every key number, every claim of the
    claims ledger and every curated figure (the charts carry their own citation in their chapter)."""
    items = [DATASET]
    items += [
        citation.Citable(
            key_numbers.anchor(i), "key number", f"Key number {i}: {d}", "key_numbers", key_numbers.anchor(i)
        )
        for i, d in zip(catalogue["id"], catalogue["description"], strict=True)
    ]
    items += [claims.citable(c.claim_id, c.says) for c in claims.CLAIMS]
    items += [
        citation.Citable(f"figure-{i}", "figure", f"Ledger figure {i}: {subject}", "sources", f"figure-{i}")
        for i, subject in zip(figures["figure_id"], figures["subject"], strict=True)
    ]
    return items


def citation_files(items: list[citation.Citable]) -> dict[str, str]:
    """The citations of ``items`` as downloads: BibTeX, CSL-JSON and RIS, by file suffix."""
    return {".bib": citation.bibtex(items), ".json": citation.csl_json_text(items), ".ris": citation.ris(items)}


def _citation_downloads() -> str:
    return " · ".join(
        f'<a class="cl-download" href="{CITATIONS}{suffix}">{label}</a>'
        for label, suffix in (("BibTeX", ".bib"), ("CSL-JSON", ".json"), ("RIS", ".ris"))
    )


def copy_for_book(executed: Path) -> str:
    """The executed chapter without its parameter cells (the page shows them in its parameter box), as text."""
    notebook = nbformat.read(executed, as_version=4)
    notebook.cells = [
        cell
        for cell in notebook.cells
        if not {"parameters", "injected-parameters"} & set(cell.get("metadata", {}).get("tags", []))
    ]
    return nbformat.writes(notebook)


def toc_text() -> str:
    """The table of contents, from the chapter registry (the one place for chapter order)."""
    toc = {
        "format": "jb-book",
        "root": "intro",
        "parts": [
            {"caption": "Chapters", "numbered": True, "chapters": [{"file": c.name} for c in chapters.CHAPTERS]},
            {
                "caption": "Cite and reuse",
                "chapters": [
                    {"file": "key_numbers"},
                    {"file": "data"},
                    {"file": CHANGES_PAGE},
                    {"file": "changelog"},
                ],
            },
            {"caption": "Appendices", "chapters": [{"file": "sources"}, {"file": "parameters"}, {"file": "run"}]},
            {"caption": "About", "chapters": [{"file": "about"}]},
        ],
    }
    return yaml.safe_dump(toc, sort_keys=False)


def _figure_link(figure_id: str) -> str:
    """A link to a figure's anchor on the Sources page, showing its id."""
    return f'<a href="sources.html#figure-{escape.html_text(figure_id)}"><code>{escape.html_text(figure_id)}</code></a>'


def sources_page(connection: duckdb.DuckDBPyConnection) -> str:
    """The Sources appendix: every source of the registry with the figures it backs and their quotes."""
    sources, figures = queries.sources_by_publisher(connection), queries.all_figures(connection)
    lines = [
        "# Sources",
        "",
        f"The registry holds {len(sources)} sources behind {len(figures)} figures. Each source has a stable anchor "
        "(`sources.html#source-<id>`), and each figure one too (`sources.html#figure-<id>`). A figure shows the exact "
        "quote that states it, in the source's language, with an English rendering where that differs. "
        "Status and confidence are the curators' reading; see the data dictionary in `data/raw/README.md`. "
        "Each figure's link opens its source at the quote (a text fragment: the browser scrolls to the words and "
        "highlights them), with an archived copy beside it. Cite a figure by its key `computeledger-figure-<id>` "
        f"in these files: {_citation_downloads()}.",
        "",
    ]
    url_of = dict(zip(sources["source_id"], sources["url"], strict=True))
    at_quote = sum(":~:text=" in citation.quote_url(url_of[f.source_id], f.quote) for f in figures.itertuples())
    snapshots = sum(bool(r) and citation.is_archive_snapshot(r) for r in sources["read_at"] if isinstance(r, str))
    lines += [
        f"{at_quote} of the {len(figures)} figures link to their source at the quote"
        + (
            "; the others are in PDF files, which open at their first page (no page number is recorded). "
            if at_quote < len(figures)
            else ". "
        )
        + "Every source has a link to the web archive: "
        f"to the snapshot the curators read for {snapshots} of them, to the archive's list of copies for the others.",
        "",
    ]
    backed_by: dict[str, list] = {}  # source id -> its figures, in one pass (a filter per source took ~1 s)
    for figure in figures.itertuples():
        backed_by.setdefault(figure.source_id, []).append(figure)
    for source in sources.itertuples():
        backed = backed_by.get(source.source_id, [])
        date = source.date_published or "date not shown" + (f" ({source.date_note})" if source.date_note else "")
        lines += [
            f"(source-{source.source_id})=",
            f"## {escape.md_text(source.title)}",
            "",
            f"**{escape.md_text(source.publisher)}**"
            + (f", {escape.md_text(source.author)}" if source.author else "")
            + f" · {escape.md_text(date)} · {escape.md_text(source.tier)} source · language: "
            + escape.md_text(source.language)
            + (f" · seed file {escape.md_text(source.seed_file)}" if source.seed_file else ""),
            "",
            escape.link(source.url, source.url) + " · " + report.archive_link(source.url, source.read_at),
            "",
            f"Terms: {escape.md_text(source.licence)}. Source id: `{source.source_id}`.",
            "",
        ]
        for figure in backed:
            value = report.quantity_with_range(figure.value, figure.low, figure.high, figure.unit)
            outlet = f" · reported by {escape.md_text(figure.original_outlet)}" if figure.original_outlet else ""
            lines += [
                f"(figure-{figure.figure_id})=",
                f"### `{figure.figure_id}`",
                "",
                f"{escape.md_text(figure.subject)}: **{escape.md_text(value)}**"
                + (f" ({escape.md_text(figure.unit_detail)})" if figure.unit_detail else "")
                + f" · refers to {escape.md_text(figure.ref_date or 'an unknown date')} · "
                f"{escape.md_text(figure.status)} · confidence {escape.md_text(figure.confidence)}{outlet}",
                "",
                f"> {escape.md_text(figure.quote)}",
                "",
                report.source_links("Open the source at this quote", source.url, figure.quote, source.read_at),
                "",
            ]
            if figure.quote_en != figure.quote:
                lines += [f"English: “{escape.md_text(figure.quote_en)}”", ""]
            if figure.note:
                lines += [f"Note: {escape.md_text(figure.note)}", ""]
    return "\n".join(lines) + "\n"


def _figure_with_source(figure_id: str, figure_sources: dict[str, tuple]) -> str:
    """A figure's id, linked to its entry on the Sources page, then its source opened at the quote and an archived
    copy (``figure_sources``: figure id -> publisher, url, quote, read_at)."""
    publisher, url, quote, read_at = figure_sources[figure_id]
    return f"{_figure_link(figure_id)} ({report.source_links(publisher, url, quote, read_at)})"


def key_numbers_page(catalogue, figure_sources: dict[str, tuple]) -> str:
    """The Key numbers page: every headline number with its anchor, method, inputs (each with its source, opened at
    the quote) and a citation."""
    catalogue = catalogue.sort_values("id", kind="stable")
    lines = [
        "# Key numbers",
        "",
        f"Every headline number of this book, {len(catalogue)} in all, computed by the run behind this edition. Each "
        "has a stable id (`chapter.name`) and an anchor on this page, so an article can cite one number. The same "
        "catalogue is published as "
        '<a href="data/key_numbers.csv">key_numbers.csv</a> and <a href="data/key_numbers.json">key_numbers.json</a>, '
        "with the parameters of the run. A number computed with other parameters carries another `parameter_set`. "
        f"Each number's box has its citation; all of them at once: {_citation_downloads()}.",
        "",
    ]
    for chapter in chapters.CHAPTERS:
        rows = catalogue[catalogue["chapter"] == chapter.name]
        if rows.empty:
            continue
        body = []
        for row in rows.itertuples():
            anchor = key_numbers.anchor(row.id)
            value = report.quantity(row.value, row.unit)
            from_figures = ", ".join(_figure_with_source(i, figure_sources) for i in row.inputs) or "none"
            checked = ", ".join(_figure_with_source(i, figure_sources) for i in row.checked)
            used = ", ".join(
                f"<code>{escape.html_text(k)}</code> = {escape.html_text(report.cell(v))}"
                for k, v in row.parameters.items()
            )
            cite = citation.Citable(
                anchor, "key number", f"Key number {row.id}: {row.description}", "key_numbers", anchor
            )
            details = (
                f"<p><em>From:</em> {from_figures}</p>"
                + (f"<p><em>Checks:</em> {checked}</p>" if checked else "")
                + f"<p><em>Parameters</em> (<code>{escape.html_text(row.parameter_set)}</code>): "
                f"{used or 'none used'}</p>{citation.cite_details(cite)}"
            )
            body.append(
                f'<tr id="{anchor}"><td><a class="cl-anchor" href="#{anchor}">'
                f"<code>{escape.html_text(row.id)}</code></a></td>"
                f"<td><strong>{escape.html_text(value)}</strong></td>"
                f"<td>{escape.html_text(row.description)}.<br><em>How:</em> {escape.html_text(row.method)}."
                f"<details><summary>Inputs, parameters, citation</summary>{details}</details></td></tr>"
            )
        lines += [
            f"## {chapter.number}. {chapter.title}",
            "",
            f"In [chapter {chapter.number}]({chapter.name}.ipynb).",
            "",
            '<div class="cl-table-wrap"><table class="cl-table cl-key-numbers"><thead><tr><th>id</th><th>value</th>'
            f"<th>what it is and how it was computed</th></tr></thead><tbody>{''.join(body)}</tbody></table></div>",
            "",
        ]
    return "\n".join(lines) + "\n"


# How the Data page names the files of a published table (metadata.PUBLISHED), by extension.
FORMAT_NAMES = {"csv": "CSV", "parquet": "Parquet", "json": "JSON"}
DATA_COLUMNS = ("figure_id", "subject", "value", "date", "status", "confidence", "quote", "source")


def data_page(connection: duckdb.DuckDBPyConnection) -> str:
    """The Data page: the whole figures table (sortable and filterable offline), downloads, the dictionary."""
    figures = queries.all_figures(connection, view="figures_sourced")
    dictionary = metadata.column_dictionary()
    rows = []
    for f in figures.itertuples():
        value = report.quantity_with_range(f.value, f.low, f.high, f.unit)
        cells = [
            _figure_link(f.figure_id),
            escape.html_text(f.subject),
            f'<span data-sort="{escape.html_text(repr(f.value))}">{escape.html_text(value)}</span>',
            escape.html_text(f.ref_date or "unknown"),
            escape.html_text(f.status),
            escape.html_text(f.confidence),
            escape.html_text(f.quote),
            report.source_links(f.publisher, f.url, f.quote, f.read_at),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f'<th scope="col"><button type="button">{c}</button></th>' for c in DATA_COLUMNS)
    table = (
        '<div class="cl-data"><label>Filter the rows: <input type="search" class="cl-filter" '
        'placeholder="e.g. xAI, H100, announced plan"></label> <span class="cl-count"></span>'
        '<div class="cl-table-wrap"><table class="cl-table cl-sortable" id="tbl-figures">'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div></div>"
    )
    downloads = [
        (table.label, [(FORMAT_NAMES[extension], f"{table.stem}.{extension}") for extension in table.formats])
        for table in metadata.PUBLISHED
    ]
    downloads += [
        (
            "Citations of the dataset, every key number, claim and figure",
            [
                ("BibTeX", f"{CITATIONS.removeprefix('data/')}.bib"),
                ("CSL-JSON", f"{CITATIONS.removeprefix('data/')}.json"),
                ("RIS", f"{CITATIONS.removeprefix('data/')}.ris"),
            ],
        ),
        (
            "Data package (Frictionless: every table above, field types and descriptions)",
            [("JSON", "datapackage.json")],
        ),
    ]
    lines = [
        "# Data",
        "",
        f"The whole ledger: {len(figures)} figures, each with its exact quote and its source. Type in the box to "
        "filter the rows; click a column's name to sort by it. Everything works offline.",
        "",
        "## Downloads",
        "",
    ]
    lines += [
        f"- {label}: " + " · ".join(f'<a class="cl-download" href="data/{path}">{kind}</a>' for kind, path in links)
        for label, links in downloads
    ]
    lines += [
        "",
        citation.cite_details(DATASET),
        "",
        "Licence: the project's own data is CC BY 4.0; quotes belong to their authors and are attributed. See the "
        "[data changelog](changelog.md) for what changed between editions.",
        "",
        "## The figures",
        "",
        table,
        "",
        "(data-dictionary)=",
        "## Data dictionary",
        "",
        "The columns of the curated tables (`sources.csv`, `figures.csv`, `chips.csv`, `systems.csv`, "
        "`scorecard.csv`), as `data/raw/README.md` defines them.",
        "",
        "| column | meaning |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {escape.md_text(meaning)} |" for name, meaning in dictionary.items()]
    return "\n".join(lines) + "\n"


def _definition_list(vocabulary: dict[str, str]) -> list[str]:
    """A vocabulary of :mod:`metadata` as a definition list: each value, bold, with its meaning."""
    return [
        f"- **{escape.md_text(value)}**: {escape.md_text(meaning.replace('`', ''))}"
        for value, meaning in vocabulary.items()
    ]


def _contact(content: dict) -> list[str]:
    """Ways to reach the maintainers that CITATION.cff states (authors' or ``contact`` e-mail and website)."""
    ways = []
    for person in [*content.get("contact", []), *content.get("authors", [])]:
        for key in ("email", "website"):
            if person.get(key):
                ways.append(str(person[key]))
    return list(dict.fromkeys(ways))


def about_page(connection: duckdb.DuckDBPyConnection) -> str:
    """The About page: who maintains the book and how to reach them, how a figure enters the ledger, the unit
    conventions, the corrections policy and the licences, from CITATION.cff, metadata.py (the vocabularies and the
    data dictionary), the unit module and the data."""
    e = citation.edition()
    cff = inputs.read_yaml(paths.CITATION_CFF)
    dictionary = metadata.column_dictionary()
    contact = _contact(cff)
    figures, sources, groups, grouped, weak, dollars, other_year = queries.ledger_counts(connection).values()
    measures = queries.power_measure_counts(connection)
    pue = next(spec for spec in params.specs() if spec.name == "pue")
    it_power = next(spec for spec in params.specs() if spec.name == "accelerator_it_power_w")
    # The conventions as units.py states them: the bullets of its docstring.
    bullets = next(block for block in units.__doc__.split("\n\n") if block.lstrip().startswith("- "))
    unit_rules = [
        " ".join(rule.replace("``", "").replace("UNKNOWN_WINDOW_YEARS", str(units.UNKNOWN_WINDOW_YEARS)).split())
        for rule in bullets.strip().removeprefix("- ").split("\n- ")
    ]
    lines = [
        "# About this book",
        "",
        "How this book is made and kept: who maintains it and how to reach them, how a figure gets into the "
        "ledger, what the units mean, how to report an error, and what you may reuse. This is edition "
        f"{e.version} ({e.date}). Every figure in it is curated with its source and the exact quote that states it, "
        "and every number is computed from those figures by a tested package.",
        "",
        "## Who maintains it",
        "",
        f"The book is maintained by {escape.md_text(e.authors)}, the authors `CITATION.cff` names.",
        "",
    ]
    if contact:
        lines += ["Reach them at: " + ", ".join(escape.md_text(way) for way in contact) + ".", ""]
    else:
        lines += [
            "This edition states no e-mail address or web site for them: neither `CITATION.cff` nor the README "
            "gives one. Write to them where you got the book's sources, on the project's repository and its issue "
            "tracker.",
            "",
        ]
    lines += [
        "## How a figure enters the ledger",
        "",
        f"The ledger holds {figures} figures on {sources} sources. Each source is registered once, with its "
        "publisher, its date, the date it was read and a tier:",
        "",
        *_definition_list(metadata.TIERS),
        "",
        f"Figures on weak sources ({weak} of them) stay in the ledger, to be seen, but never enter a series, a fit, "
        "a key number or a projection base.",
        "",
        f"Each figure carries the quote: {escape.md_text(dictionary['quote'].replace('`', ''))}. It also carries an "
        "English rendering, which is the same text when the source is in English. The quote is what makes a figure "
        "checkable: the Sources page links each one to its page, at the quote.",
        "",
        "Each figure has a status, which says what kind of number it is:",
        "",
        *_definition_list(metadata.STATUSES),
        "",
        "It also has a confidence, the curators' reading of how far the number can be trusted:",
        "",
        *_definition_list(metadata.CONFIDENCES),
        "",
        f"Sources disagree. Where they give different numbers for one quantity, every row is kept. {groups} "
        f"quantities have more than one row ({grouped} rows in all). One row of each is marked as the one the "
        "analysis uses, and its note says why. The Data page publishes them as `disagreements.csv`. The rules are "
        "checked by `compute_ledger/schema.py` each time the book is built, and the data dictionary is on the "
        "[Data page](data.md).",
        "",
        "## Units",
        "",
        "Each figure is stored in a canonical unit, so that figures compare. The original wording stays in the quote.",
        "",
        *[f"- {escape.md_text(rule)}" for rule in unit_rules],
        f"- Power keeps what it measures ({escape.md_text(dictionary['power_measure'].replace('`', ''))}). Of the "
        "data-centre power figures in the ledger, "
        + ", ".join(f"{measures.get(m, 0)} are `{m}`" for m in metadata.POWER_MEASURES)
        + ". The projections and the claims turn accelerators into IT power at `accelerator_it_power_w` "
        f"({escape.md_text(it_power.description.rstrip('.'))}; default {it_power.default:g} W), and IT power into "
        f"facility power × `pue` ({escape.md_text(pue.description.rstrip('.'))}; default {pue.default:g}). Powers "
        "of different measures are shown apart, labelled with their measure.",
        f"- Dollars are as the source states them: {escape.md_text(dictionary['price_year'].replace('`', ''))}. Of "
        f"the {dollars} dollar figures, {dollars - other_year} are nominal, in dollars of their own year, and "
        f"{other_year} state another price year (in `price_year` and `unit_detail`). The book does not convert "
        "dollars between years.",
        "",
        "## Corrections",
        "",
        "If you find an error (a number that is not what the quote says, a quote that is not on the page, a wrong "
        "date or unit, a better source), report it to the maintainers, as above. Name the figure's id (on the "
        "Sources page, `sources.html#figure-<id>`), say what is wrong, and give the page that shows it.",
        "",
        "A correction is made in `data/raw`, and the next edition is built from it. A figure's id is never reused "
        "or renamed: a corrected figure keeps its id, and a withdrawn figure is listed with the reason. Every "
        "correction, with the edition it enters, is listed in the [data changelog](changelog.md).",
        "",
        "## Licences",
        "",
        f"- Code: {escape.md_text(e.licence)} licence.",
        "- The project's own data (the curation, the computed tables, the charts): CC BY 4.0.",
        "- Quotes belong to their authors and publishers. They are reproduced briefly, with attribution, to make "
        "each figure checkable. Each source's terms are on the Sources page.",
        "",
        f"To cite the book: {escape.md_text(citation.book_citation())} Each chart, key number, claim and figure has "
        "its own citation, and the [Data page](data.md) offers them all as BibTeX, CSL-JSON and RIS.",
        "",
    ]
    return "\n".join(lines) + "\n"


def parameters_page(manifest: dict) -> str:
    """The Parameters appendix, generated from the parameter model, with the values of this run."""
    values = manifest["parameters"]
    lines = [
        "# Parameters",
        "",
        "Every parameter of a run, from the model in `compute_ledger/params.py`. Change one with "
        "`python pipeline.py --set name=value`, a file with `--params FILE.yaml`, or a named scenario with "
        "`--scenario NAME`; `python pipeline.py --list-params` prints this list.",
        "",
        "| parameter | this run | default | unit | allowed | uncertainty range | source of the default |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in params.specs():
        uncertainty = f"{spec.uncertainty[0]:g} to {spec.uncertainty[1]:g}" if spec.uncertainty else ""
        value = values.get(spec.name)
        lines.append(
            f"| `{spec.name}` | {escape.md_text('empty' if value is None else value)} | "
            f"{escape.md_text('empty' if spec.default is None else spec.default)} | {escape.md_text(spec.unit)} | "
            f"{escape.md_text(spec.allowed)} | {uncertainty} | {escape.md_text(spec.source)} |"
        )
    lines += ["", "## Definitions", ""]
    for spec in params.specs():
        lines += [
            f"(param-{spec.name.replace('_', '-')})=",
            f"### `{spec.name}`",
            "",
            escape.md_text(spec.description),
            "",
        ]
    return "\n".join(lines) + "\n"


def run_page(manifest: dict) -> str:
    """The run appendix: what produced this edition of the book (inputs, code, versions, steps)."""
    identity = manifest["identity"]
    lines = [
        "# The run behind this book",
        "",
        "Every number in this book was produced by one run of `python pipeline.py`. This page records that run:",
        "the hashes of its inputs, the code, the package versions and the steps. "
        "`data/processed/run_manifest.json` holds the same record for the latest run, with its timings.",
        "",
        f"- git commit: `{identity['git_commit']}`",
        f"- code hash: `{identity['code_hash'][:16]}`",
        "- parameters differing from the defaults: "
        + (escape.md_text(json.dumps(manifest["parameter_changes"])) or "none"),
        "",
        "## Inputs",
        "",
        "| file | sha256 |",
        "|---|---|",
    ]
    for name, digest in identity["inputs"].items():
        lines.append(f"| `{name}` | `{digest[:16]}…` |")
    lines += ["", "## Steps", "", "| step | content key | seconds when computed |", "|---|---|---|"]
    for step in manifest["steps"]:
        if step["name"] == "book":
            continue
        lines.append(f"| {step['name']} | `{step['key'][:12]}` | {step['computed_seconds']:.2f} |")
    lines += ["", "## Package versions", "", "| package | version |", "|---|---|"]
    for name, version in identity["packages"].items():
        lines.append(f"| {name} | {version} |")
    return "\n".join(lines) + "\n"


CHANGES_PAGE = "changes"


def _figure_ids(ids, current: set[str]) -> str:
    """Figure ids, each linked to its Sources entry when this edition still has it."""
    return ", ".join(
        _figure_link(i) if i in current else f"<code>{escape.html_text(i)}</code> (not in this edition)" for i in ids
    )


def _local_link(relative: str, text: str) -> str:
    """A link to a file of this site (a relative address of our own making, escaped as text)."""
    return f'<a href="{escape.html_text(relative)}">{escape.html_text(text)}</a>'


def _value_text(value: object, unit: str) -> str:
    number = edition_diff.number(value)
    return report.quantity(number, unit) if number is not None and "→" not in unit else report.cell(value)


def changes_page(
    old: editions.FrozenEdition | None,
    version: str,
    date: str,
    released: bool,
    figures: pd.DataFrame,
    catalogue: pd.DataFrame,
    frozen: list[editions.FrozenEdition],
    archived: list[str],
) -> str:
    """ "What changed in this edition": every key number that moved since the previous frozen edition (old, new,
    change, why), the key numbers added and removed, and the ledger's rows added, removed and changed by category;
    then the frozen editions and where to read them. ``figures`` and ``catalogue`` are this edition's (cells as
    text); ``released``: whether they are this edition's frozen ones; ``archived``: the editions whose site this
    build carries under editions/<version>/."""
    this = f"edition {version} ({date})" + ("" if released else ", not yet released")
    lines = ["# What changed in this edition", ""]
    if old is None:
        lines += [
            f"This is {escape.md_text(this)}; no earlier edition is frozen in `editions/`, so there is no diff.",
            "",
        ]
    else:
        old_figures, old_catalogue = old.table("figures"), old.key_numbers()
        changes = edition_diff.ledger_changes(old_figures, figures)
        summary = edition_diff.ledger_summary(changes, old_figures, figures)
        moved = edition_diff.key_number_changes(old_catalogue, catalogue, changes)
        added, removed = edition_diff.key_numbers_added_removed(old_catalogue, catalogue)
        current, published = set(figures["figure_id"]), set(catalogue["id"])
        lines += [
            f"From edition {old.version} ({old.date}) to {escape.md_text(this)}. Everything below is computed from "
            f"the two editions' frozen catalogues (`editions/{old.version}/`"
            + (f" and `editions/{version}/`" if released else " and this build's")
            + "): the key numbers and the ledger's figures. A row is *corrected* when its value, range, unit, date, "
            "status, chip, power measure or scope changed; *re-sourced* when only its source changed (and perhaps its "
            "quote and notes); *edited* when only other fields changed. Why each figure changed is in the "
            "[data changelog](changelog.md).",
            "",
            f"## Key numbers that moved ({len(moved)})",
            "",
        ]
        body = []
        for row in moved.itertuples():
            reasons = "".join(
                f"<li>{escape.html_text(text)}"
                + (
                    f" ({len(ids)}): <details><summary>the rows</summary>{_figure_ids(ids, current)}</details>"
                    if ids
                    else ""
                )
                + "</li>"
                for text, ids in row.why
            )
            change = "" if row.change != row.change else report.quantity(row.change, row.unit)
            ratio = "" if row.ratio != row.ratio else f"×{report.cell(round(row.ratio, 3))}"
            anchor = key_numbers.anchor(row.id)
            link = (
                f'<a href="key_numbers.html#{anchor}"><code>{escape.html_text(row.id)}</code></a>'
                if row.id in published
                else f"<code>{escape.html_text(row.id)}</code>"
            )
            body.append(
                f"<tr><td>{link}<br>{escape.html_text(row.description)}</td>"
                f"<td>{escape.html_text(_value_text(row.old, row.unit))}</td>"
                f"<td>{escape.html_text(_value_text(row.new, row.unit))}</td>"
                f"<td>{escape.html_text(change)} {escape.html_text(ratio)}</td><td><ul>{reasons}</ul></td></tr>"
            )
        lines += [
            '<div class="cl-table-wrap"><table class="cl-table cl-changes" id="tbl-key-numbers-moved"><thead><tr>'
            f"<th>key number</th><th>{old.version}</th><th>{escape.html_text(version)}</th><th>change</th>"
            f"<th>why</th></tr></thead><tbody>{''.join(body)}</tbody></table></div>",
            "",
            f"Key numbers new in this edition ({len(added)}): "
            + (", ".join(f"<code>{escape.html_text(i)}</code>" for i in added["id"]) or "none")
            + ".",
            "",
            f"Key numbers of {old.version} that this edition no longer publishes ({len(removed)}): "
            + (", ".join(f"<code>{escape.html_text(i)}</code>" for i in removed["id"]) or "none")
            + ".",
            "",
            "## Ledger rows added, removed and changed",
            "",
        ]
        head = "".join(f"<th>{escape.html_text(c)}</th>" for c in summary.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape.html_text(report.cell(v))}</td>" for v in record) + "</tr>"
            for record in summary.itertuples(index=False)
        )
        lines += [
            '<div class="cl-table-wrap"><table class="cl-table" id="tbl-ledger-changes"><thead><tr>'
            f"{head}</tr></thead><tbody>{rows}</tbody></table></div>",
            "",
        ]
        for category, group in changes.groupby("category", sort=True):
            items = "".join(
                f"<li>{escape.html_text(r.change)}: {_figure_ids([r.figure_id], current)}"
                + (f" ({escape.html_text(r.fields)})" if r.fields else "")
                + "</li>"
                for r in group.itertuples()
            )
            lines += [
                f"<details><summary>{escape.html_text(category)}: {len(group)} rows</summary><ul>{items}</ul>"
                "</details>",
                "",
            ]
    lines += ["## Frozen editions", ""]
    for edition in reversed(frozen):
        files = " · ".join(
            _local_link(f"{editions.SITE_FOLDER}/{edition.version}/{name}", name)
            for name in ("key_numbers.csv", "datapackage.json", "CITATION.cff", "edition.json")
        )
        site = (
            _local_link(f"{editions.SITE_FOLDER}/{edition.version}/index.html", "its site")
            if edition.version in archived
            else "its site is not in this build (the archive is kept where the edition was released)"
        )
        lines += [
            f"- **{edition.version}** ({edition.date}), from commit `{edition.commit[:12]}`, "
            f"{escape.md_text(edition.frozen_by)}: {site}; {files}.",
        ]
    return "\n".join(lines) + "\n"
