"""The editor's square brackets: how the NER reads them and how spans go back to the article."""

from __future__ import annotations

import pytest

from newsflow.enrich.editorial import read_text, restore_spans
from newsflow.models import Entity, Span

QUOTE = "Reagan in 80 and 84, [George H. W.] Bush in 88 and 92, [Phil] Gramm in 96."


def test_an_inserted_part_of_a_name_joins_the_name() -> None:
    assert read_text(QUOTE).text == "Reagan in 80 and 84, George H. W. Bush in 88 and 92, Phil Gramm in 96."
    assert read_text("There's Jeff [Drake], who is behind").text == "There's Jeff Drake, who is behind"
    assert read_text("the [FIFA] World Cup").text == "the FIFA World Cup"
    assert read_text("a lesson learne[d] and [to be] kept").text == "a lesson learned and to be kept"


def test_marks_go_whole_and_omissions_stay() -> None:
    assert read_text("Theres [sic] something [1] here").text == "Theres something here"
    assert read_text("a normal thing[...] If the trouble").text == "a normal thing[...] If the trouble"


def test_an_insertion_that_names_what_precedes_it_reads_as_a_parenthesis() -> None:
    assert read_text("the Korean People's Army [KPA] said").text == "the Korean People's Army (KPA) said"
    assert read_text("my idol is Queen Bee [Beyoncé], and").text == "my idol is Queen Bee (Beyoncé), and"
    assert read_text('said, "He [Obama] loves').text == 'said, "He (Obama) loves'
    assert read_text("The Tory [Conservative] government").text == "The Tory (Conservative) government"
    assert read_text('"[Warhol] liked the way').text == '"(Warhol) liked the way'


def test_text_without_insertions_is_read_unchanged() -> None:
    for text in ("no brackets at all", "an unclosed [bracket", "][", "[" + "x" * 61 + "]"):
        read = read_text(text)
        assert read.text == text
        assert read.cuts == ()


@pytest.mark.parametrize("text", [QUOTE, "Theres [sic] x [12] y [a][b] [KPA] [...] z [Ann] Lee", "[x]"])
def test_every_character_read_maps_back_to_the_same_character(text: str) -> None:
    read = read_text(text)
    for i, char in enumerate(read.text):
        if char not in "()":  # the parenthesis stands in for the bracket
            assert text[read.original(i)] == char


def test_spans_go_back_to_the_articles_own_offsets() -> None:
    title = read_text("Bush and [Phil] Gramm")
    body = read_text(QUOTE)
    start = body.text.index("George")
    end = body.text.index(" in 88")
    title_start = title.text.index("Phil")
    entities = [
        Entity(
            name="George H. W. Bush",
            type="person",
            label="PERSON",
            mentions=1,
            salience=0.5,
            spans=(Span(field="body", start=start, end=end),),
        ),
        Entity(
            name="Phil Gramm",
            type="person",
            label="PERSON",
            mentions=1,
            salience=0.4,
            spans=(Span(field="title", start=title_start, end=len(title.text)),),
        ),
    ]
    restored = restore_spans(entities, title, body)
    body_span = restored[0].spans[0]
    title_span = restored[1].spans[0]
    assert QUOTE[body_span.start : body_span.end] == "George H. W.] Bush"
    assert "Bush and [Phil] Gramm"[title_span.start : title_span.end] == "Phil] Gramm"
    assert [e.name for e in restored] == ["George H. W. Bush", "Phil Gramm"]
