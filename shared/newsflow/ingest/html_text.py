"""HTML to plain text: scripts, styles and other non-content dropped, block elements become newlines.

Uses only :mod:`html.parser`, which never raises on malformed markup. Entities are unescaped
(``convert_charrefs``). The output keeps paragraph breaks as blank lines and collapses runs of
spaces, so the enrichment stage sees clean prose.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DROP = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object", "svg", "canvas"})
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
        "p", "pre", "section", "table", "tr", "ul", "title", "caption", "details", "summary",
    }
)  # fmt: skip
_HTML_HINT = re.compile(
    r"<\s*/?\s*(?:p|br|div|span|a|b|i|em|strong|h[1-6]|ul|ol|li|script|style|html|body|img|table|"
    r"blockquote|article|section|figure|head)\b[^>]*>|&(?:[a-z]+|#\d+|#x[0-9a-f]+);",
    re.IGNORECASE,
)
# Markup that can execute or load something when rendered: dangerous tags, event-handler attributes,
# script-like URLs in attributes. Text containing any of it is always treated as HTML (see plain_text).
_ACTIVE = re.compile(
    r"<\s*/?\s*(?:script|style|iframe|frame|frameset|object|embed|applet|svg|math|link|meta|base|form|"
    r"img|image|video|audio|source|template|noscript|input|button|textarea|select|details|marquee|body)\b"
    r"|<[^>]*?[\s/\"']on[a-z]+\s*="
    r"|<[^>]*?(?:href|src|action|formaction|data|xlink:href)\s*=\s*[\"']?\s*(?:javascript|vbscript|data):",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._drop_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self._drop_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._drop_depth = max(0, self._drop_depth - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._drop_depth:
            self.parts.append(data.replace("\r", " ").replace("\n", " "))


def looks_like_html(text: str) -> bool:
    """Whether a body contains HTML tags or entities (and should go through :func:`html_to_text`)."""
    return _HTML_HINT.search(text) is not None


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment or document."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def has_active_markup(text: str) -> bool:
    """Whether text contains markup that could run script when rendered (script tags, on*= handlers, …)."""
    return _ACTIVE.search(text) is not None


def plain_text(body: str, body_format: str = "auto") -> str:
    """The body as plain text: ``html`` converted, ``text`` kept, ``auto`` converted if it looks like HTML.

    Whatever the format, the result never contains active markup (script-capable tags, event-handler
    attributes, ``javascript:`` URLs in attributes): such text is converted as HTML, and converted again
    while unescaped entities (``&lt;script&gt;``) turn into new markup.
    """
    auto_html = body_format == "auto" and looks_like_html(body)
    if body_format == "html" or auto_html or has_active_markup(body):
        text = html_to_text(body)
    else:
        text = body.strip()
    for _ in range(3):
        if not has_active_markup(text):
            return text
        text = html_to_text(text.replace("\n", "<br>"))  # keep the paragraphs of the first pass
    return text.replace("<", "")  # pathological nesting: no markup at all survives


def neutralise_markup(text: str) -> str:
    """Plain text that mentions tags, made unable to run: the ``<`` opening any active markup becomes
    ``‹`` (U+2039), the rest of the text is kept (``Why <script> matters`` → ``Why ‹script> matters``)."""
    for _ in range(5):
        if not has_active_markup(text):
            return text
        text = _ACTIVE.sub(lambda match: "\u2039" + match.group(0)[1:], text)
    return text.replace("<", "\u2039")
