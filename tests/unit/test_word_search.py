"""Whole-word search by str.find finds exactly what the per-name regular expressions found."""

from __future__ import annotations

import random
import re

from newsflow.enrich.word_search import has_whole_word, whole_word_spans

#: Letters, digits of other scripts, "_", "-", apostrophes, spaces, punctuation, accents.
ALPHABET = "aAbB xX-_'’.,٣²ⅫéÉß日\n"


def _cases() -> list[tuple[str, str]]:
    rng = random.Random(7)
    cases = [
        ("aaa", "aa"),  # overlapping occurrences: left to right, not overlapping
        ("U.S.-China talks", "China"),
        ("Xi Jinping and Xi", "Xi"),
        ("Xi_Jinping x-Xi Xi2 Xi", "Xi"),
        ("", "a"),
        ("abc", ""),
        ("", ""),
        ("turnout rose; Turnout", "turnout"),
    ]
    for _ in range(3000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 30)))
        word = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 4)))
        if rng.random() < 0.5 and text:  # often a piece of the text itself
            start = rng.randrange(len(text))
            word = text[start : start + rng.randrange(1, 4)]
        cases.append((text, word))
    return cases


def test_spans_are_the_regular_expressions_matches() -> None:
    for text, word in _cases():
        for extra in ("", "-"):
            cut = re.escape(extra)
            pattern = rf"(?<![\w{cut}]){re.escape(word)}(?![\w{cut}])"
            assert whole_word_spans(text, word, extra) == [m.span() for m in re.finditer(pattern, text)], (
                text,
                word,
                extra,
            )


def test_has_whole_word_is_the_regular_expressions_search() -> None:
    for text, word in _cases():
        expected = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None
        assert has_whole_word(text, word) is expected, (text, word)
