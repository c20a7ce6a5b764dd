"""The one escaping layer. Every page generator turns text into markup through these functions, and no other
module escapes by hand: text from the data (quotes, notes, titles, outlets, subjects) is never markup.

- ``html_text``: text inside an HTML element or attribute value.
- ``md_text``: text inside a generated MyST Markdown page. Every ASCII punctuation character becomes a numeric
  character reference, so no Markdown, MyST role, directive, comment (``%``), dollar math or raw HTML can start
  from it; the reader sees the same characters.
- ``url``: an ``http(s)`` URL for an ``href``; anything else is refused.
- ``script_json``: a JSON value placed inside a ``<script>`` element (``</script>`` cannot close it).
- ``bibtex_text``: text inside a BibTeX field value, before pybtex encodes the rest (``%``, ``&``, ``#``, ``_``).
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urlsplit

_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_SPACE = re.compile(r"\s+")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def plain(value: object) -> str:
    """The value as one line of text: empty for None and NaN, white space (new lines included) folded."""
    return _SPACE.sub(" ", _text(value)).strip()


def html_text(value: object) -> str:
    """Escape for HTML text and attribute values: & < > " ' become entities (new lines kept, for ``<pre>``)."""
    text = _text(value)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def md_text(value: object) -> str:
    """Escape for a MyST Markdown page: punctuation as character references, so the text stays text."""
    return "".join(f"&#{ord(c)};" if c in _PUNCTUATION else c for c in plain(value))


def url(value: object) -> str:
    """An http(s) URL, escaped for an attribute; ValueError for any other scheme or a malformed URL."""
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in text for c in "<>\"' \t\n"):
        raise ValueError(f"not an http(s) URL: {text!r}")
    return html_text(text)


def link(href: object, text: object, css_class: str = "") -> str:
    """An ``<a>`` element: the URL checked and escaped, the text escaped."""
    attributes = f' class="{html_text(css_class)}"' if css_class else ""
    return f'<a{attributes} href="{url(href)}">{html_text(text)}</a>'


# Characters that pybtex's LaTeX encoding leaves alone but that would break a field (an unbalanced brace) or turn into
# markup (a command, math): each becomes the LaTeX command that prints it, with balanced braces.
_BIBTEX = {
    "\\": "\\textbackslash{}",
    "{": "\\textbraceleft{}",
    "}": "\\textbraceright{}",
    "$": "\\$",
    "^": "\\textasciicircum{}",
}


def bibtex_text(value: object) -> str:
    """Text for a BibTeX field (one line): backslash, braces, ``$`` and ``^`` as LaTeX commands that print them."""
    return "".join(_BIBTEX.get(c, c) for c in plain(value))


def script_json(value: object, **dumps_options) -> str:
    """JSON that is safe inside ``<script>``: ``<``, ``>``, ``&`` and the JS line separators escaped."""
    text = json.dumps(value, **dumps_options)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
