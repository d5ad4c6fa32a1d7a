"""HTML to plain text."""

from __future__ import annotations

from newsflow.ingest.html_text import html_to_text, looks_like_html, plain_text


def test_scripts_styles_and_head_are_dropped() -> None:
    html = (
        "<html><head><title>x</title><style>p{color:red}</style></head>"
        "<body><script>var a = '<p>no</p>';</script><p>Visible</p><noscript>nojs</noscript></body></html>"
    )
    assert html_to_text(html) == "Visible"


def test_block_elements_become_paragraphs_and_br_a_line_break() -> None:
    html = "<h1>Head</h1><p>One<br>two</p><ul><li>a</li><li>b</li></ul>"
    assert html_to_text(html) == "Head\n\nOne\ntwo\n\na\n\nb"


def test_entities_are_unescaped_and_whitespace_collapsed() -> None:
    assert html_to_text("<p>Fish&nbsp;&amp;  chips &#8364;5 &eacute;t&eacute;</p>") == "Fish & chips €5 été"


def test_malformed_markup_never_raises() -> None:
    assert html_to_text("<p>unclosed <b>bold <i>and <div>deep") == "unclosed bold and\n\ndeep"
    assert html_to_text("<<<>>> & <") == "<<<>>> & <"


def test_detection_of_html() -> None:
    assert looks_like_html("<p>x</p>")
    assert looks_like_html("Tom &amp; Jerry")
    assert not looks_like_html("3 < 4 and 5 > 2")
    assert plain_text("  3 < 4  ") == "3 < 4"
