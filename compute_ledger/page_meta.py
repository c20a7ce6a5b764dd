"""Sphinx extension for the book: every page gets a meta description, Open Graph and Twitter card tags, read from
the page itself (its title and first paragraph), written through the one escaping layer. With a site URL in
``CITATION.cff`` the tags also carry the page's absolute address and the image of its first chart.
"""

from __future__ import annotations

import re

from docutils import nodes

from compute_ledger import citation, escape

DESCRIPTION_CHARS = 200
MIN_PARAGRAPH_CHARS = 40  # shorter paragraphs are labels ("Table.", a figure number), not a description
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


def tags(pagename: str, doctree: nodes.Node) -> str:
    """The page's meta tags as HTML."""
    edition = citation.edition()
    image = first_chart_image(doctree)
    title = page_title(doctree) or edition.title
    text = description(doctree) or f"{edition.title}, edition {edition.version}: {title}."
    pairs = [
        ("name", "description", text),
        ("property", "og:title", f"{title} — {edition.title}"),
        ("property", "og:description", text),
        ("property", "og:type", "article"),
        ("property", "og:site_name", edition.title),
        ("name", "twitter:card", "summary_large_image" if image else "summary"),
        ("name", "twitter:title", f"{title} — {edition.title}"),
        ("name", "twitter:description", text),
    ]
    if citation.site_url():
        pairs.append(("property", "og:url", citation.page_url(pagename)))
    if image:
        pairs += [
            ("property", "og:image", citation.site_file_url(image)),
            ("name", "twitter:image", citation.site_file_url(image)),
        ]
    return "\n".join(
        f'<meta {kind}="{escape.html_text(key)}" content="{escape.html_text(value)}" />' for kind, key, value in pairs
    )


def _add_tags(app, pagename: str, templatename: str, context: dict, doctree: nodes.Node | None) -> None:
    if doctree is not None:
        context["metatags"] = context.get("metatags", "") + tags(pagename, doctree) + "\n"


def setup(app) -> dict:
    app.connect("html-page-context", _add_tags)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
