"""Whole-word search of a literal in a text, without a regular expression per name.

``re.finditer(rf"(?<![\\w-]){re.escape(word)}(?![\\w-])", text)`` compiles one pattern per name; with
the names of a stream of articles Python's pattern cache (512) keeps missing, and compiling was a
fifth of the entity post-processing's CPU. These functions find the same matches with ``str.find``:
``\\w`` of a ``str`` pattern is a character for which ``str.isalnum()`` is true, or "_".
"""

from __future__ import annotations

import re


def _is_boundary(ch: str, extra: str) -> bool:
    """``ch`` is no word character (``\\w``) and not in ``extra``."""
    return not (ch.isalnum() or ch == "_" or ch in extra)


def whole_word_spans(text: str, word: str, extra: str = "") -> list[tuple[int, int]]:
    """The non-overlapping (start, end) of ``word`` in ``text``, left to right, where the characters
    either side are neither word characters nor in ``extra``: the spans of
    ``re.finditer(rf"(?<![\\w{extra}]){re.escape(word)}(?![\\w{extra}])", text)``."""
    if not word:  # an empty literal matches between characters: leave that case to re
        pattern = rf"(?<![\w{re.escape(extra)}])(?![\w{re.escape(extra)}])"
        return [m.span() for m in re.finditer(pattern, text)]
    spans: list[tuple[int, int]] = []
    size = len(word)
    start = text.find(word)
    while start >= 0:
        end = start + size
        if (start == 0 or _is_boundary(text[start - 1], extra)) and (
            end == len(text) or _is_boundary(text[end], extra)
        ):
            spans.append((start, end))
            start = text.find(word, end)
        else:
            start = text.find(word, start + 1)
    return spans


def has_whole_word(text: str, word: str) -> bool:
    """``re.search(rf"(?<!\\w){re.escape(word)}(?!\\w)", text)`` is not None."""
    if not word:
        return re.search(r"(?<!\w)(?!\w)", text) is not None
    size = len(word)
    start = text.find(word)
    while start >= 0:
        end = start + size
        if (start == 0 or _is_boundary(text[start - 1], "")) and (
            end == len(text) or _is_boundary(text[end], "")
        ):
            return True
        start = text.find(word, start + 1)
    return False
