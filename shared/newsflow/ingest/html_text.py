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


def plain_text(body: str, body_format: str = "auto") -> str:
    """The body as plain text: ``html`` converted, ``text`` kept, ``auto`` converted if it looks like HTML."""
    if body_format == "html" or (body_format == "auto" and looks_like_html(body)):
        return html_to_text(body)
    return body.strip()
