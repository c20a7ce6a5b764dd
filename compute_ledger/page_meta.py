"""Sphinx extension for the book: every page gets a meta description, Open Graph and Twitter card tags, read from
the page itself (its title and first paragraph), written through the one escaping layer, and the image of its first
chart (the chart's PNG export); and each page's download menu links the PDF edition. With the site address set
(``citation.site_url``: the ``url`` of ``CITATION.cff``) the tags carry absolute addresses (the page's ``og:url``,
the image); without it, the image's address is relative.
"""

from __future__ import annotations

import re

from docutils import nodes

from compute_ledger import citation, escape

DESCRIPTION_CHARS = 200
MIN_PARAGRAPH_CHARS = 40  # shorter paragraphs are labels ("Table.", a figure number), not a description
SPHINX_PAGES = {"genindex": "Index", "search": "Search"}  # the pages Sphinx writes without a document, by title
PDF_FILE = "compute-ledger.pdf"  # compute_ledger.pdf_edition.PDF_NAME (this extension loads no pandas or Altair)
_FIRST_PNG = re.compile(r'class="cl-download" href="([^"]+\.png)"')


def description(doctree: nodes.Node) -> str:
    """The page's first real paragraph as one line, cut at a word to at most ``DESCRIPTION_CHARS`` characters."""
    for paragraph in doctree.findall(nodes.paragraph):
        text = " ".join(paragraph.astext().split())
        if len(text) >= MIN_PARAGRAPH_CHARS:
            if len(text) <= DESCRIPTION_CHARS:
                return text
            return text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return ""


def page_title(doctree: nodes.Node) -> str:
    """The text of the page's first section title."""
    title = next(iter(doctree.findall(nodes.title)), None)
    return " ".join(title.astext().split()) if title is not None else ""


def first_chart_image(doctree: nodes.Node) -> str:
    """The PNG export of the page's first chart (relative to the site), or ''."""
    for raw in doctree.findall(nodes.raw):
        found = _FIRST_PNG.search(raw.astext())
        if found:
            return found.group(1)
    return ""


def tags(pagename: str, doctree: nodes.Node | None, fallback_title: str = "") -> str:
    """The page's meta tags as HTML. A page Sphinx writes without a document (the index, the search page) is
    described by its ``fallback_title`` and the edition."""
    edition = citation.edition()
    image = first_chart_image(doctree) if doctree is not None else ""
    title = (page_title(doctree) if doctree is not None else fallback_title) or edition.title
    text = (description(doctree) if doctree is not None else "") or (
        f"{title}: a page of {edition.title}, edition {edition.version} ({edition.date})."
    )
    full_title = edition.title if edition.title.startswith(title) else f"{title} — {edition.title}"
    pairs = [
        ("name", "description", text),
        ("property", "og:title", full_title),
        ("property", "og:description", text),
        ("property", "og:type", "article"),
        ("property", "og:site_name", edition.title),
        ("name", "twitter:card", "summary_large_image" if image else "summary"),
        ("name", "twitter:title", full_title),
        ("name", "twitter:description", text),
    ]
    if citation.site_url():
        pairs.append(("property", "og:url", citation.live_page_url(pagename)))
    if image:
        pairs += [
            ("property", "og:image", citation.site_file_url(image)),
            ("name", "twitter:image", citation.site_file_url(image)),
        ]
    return "\n".join(
        f'<meta {kind}="{escape.html_text(key)}" content="{escape.html_text(value)}" />' for kind, key, value in pairs
    )


def _add_tags(app, pagename: str, templatename: str, context: dict, doctree: nodes.Node | None) -> None:
    fallback = SPHINX_PAGES.get(pagename, pagename) if doctree is None else ""
    context["metatags"] = context.get("metatags", "") + tags(pagename, doctree, fallback) + "\n"


PDF_BUTTON = "download-edition-pdf-button"


def _add_pdf_edition(app, pagename, templatename, context, doctree) -> None:
    """The page's download menu (sphinx-book-theme's) also offers the whole edition as a PDF
    (:mod:`compute_ledger.pdf_edition`), beside its own print of the page."""
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](PDF_FILE, 1),
                    "text": "PDF edition",
                    "tooltip": "The whole book, this edition, as a PDF",
                    "icon": "fas fa-book",
                    "label": PDF_BUTTON,
                }
            )


def setup(app) -> dict:
    app.connect("html-page-context", _add_tags)
    # After sphinx-book-theme's add_header_buttons (priority 501) has made the menu.
    app.connect("html-page-context", _add_pdf_edition, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
