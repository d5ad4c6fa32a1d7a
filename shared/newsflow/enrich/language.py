"""Language detection with py3langid (its model ships inside the wheel)."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from importlib.metadata import version
from typing import Any

import numpy as np
import numpy.typing as npt
from py3langid.langid import MODEL_FILE, LanguageIdentifier

#: Enough text to be sure of the language; classifying whole long bodies only costs time.
SAMPLE_CHARS = 3000


class WindowedIdentifier(LanguageIdentifier):  # type: ignore[misc]  # py3langid is untyped
    """py3langid's identifier with its feature counting done by numpy instead of a Python loop.

    py3langid walks its byte n-gram automaton (an Aho-Corasick DFA) one byte at a time in Python:
    about 1 ms per article, a third of the enrichment's own cost besides spaCy. In such an automaton
    the state after a byte is the longest suffix of the text read so far that is a node of the
    n-gram trie, so it depends only on the last ``depth`` bytes (the trie's depth: 6 for the
    shipped model). Every position's state is therefore found by walking just its last ``depth``
    bytes from the start state, all positions at once. The features and their counts are then the
    same as the loop's, in the same order (first occurrence), so the scores are the same floats:
    ``tests/unit/test_enrich_language.py`` checks every result against py3langid's own
    ``classify``. Texts without features take py3langid's own path.
    """

    __slots__ = ("_depth", "_np_nextmove", "_np_output", "_np_rowbase")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nextmove = self.tk_nextmove  # an array.array of 9.8 million states: viewed, not copied
        self._np_nextmove = np.frombuffer(nextmove, dtype=np.dtype(nextmove.typecode))
        self._np_rowbase = np.asarray(self._rowbase, dtype=np.intp)
        self._np_output = np.asarray(self.tk_output, dtype=np.intp)
        self._depth = automaton_depth(self._np_nextmove, self._np_rowbase)

    def visits(self, data: bytes) -> Counter[int]:
        """``{feature: count}`` of the encoded text in order of first occurrence: what py3langid's
        ``visit_counts`` returns (empty, not None, when the text has no feature)."""
        codes = np.frombuffer(data, dtype=np.uint8).astype(np.intp)
        n = len(codes)
        states = np.zeros(n, dtype=np.intp)
        for back in range(min(self._depth, n) - 1, -1, -1):  # the byte ``back`` places before each
            states[back:] = self._np_nextmove[self._np_rowbase[states[back:]] + codes[: n - back]]
        features = self._np_output[states]
        return Counter(features[features >= 0].tolist())

    def _raw_score(self, text: bytes) -> npt.NDArray[np.float32]:
        visits = self.visits(text)
        if not visits:
            return super()._raw_score(text)  # type: ignore[no-any-return]
        return self._sparse_score(visits, self.nb_ptc)  # type: ignore[no-any-return]


def automaton_depth(nextmove: npt.NDArray[Any], rowbase: npt.NDArray[np.intp]) -> int:
    """The longest shortest path from the start state to any state of the automaton (breadth first):
    the depth of its trie, how many bytes back a state can remember."""
    depth = np.full(len(rowbase), -1, dtype=np.intp)
    depth[0] = 0
    frontier = np.zeros(1, dtype=np.intp)
    level = 0
    while len(frontier):
        level += 1
        reached = nextmove[(rowbase[frontier][:, None] + np.arange(256)[None, :]).ravel()]
        new = np.unique(reached[depth[reached] < 0])
        depth[new] = level
        frontier = new
    if (depth < 0).any():
        raise ValueError("language model automaton has unreachable states")
    return int(depth.max())


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return WindowedIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(title: str, body: str) -> tuple[str | None, float | None]:
    """ISO 639-1 code and probability for the article's text; (None, None) for text without letters."""
    sample = f"{title}\n{body[:SAMPLE_CHARS]}"
    if not any(ch.isalpha() for ch in sample):
        return None, None
    lang, prob = _identifier().classify(sample)
    return str(lang), round(float(prob), 4)


#: Below this probability a detected language is a guess (short texts: "Merkel in Paris" scores 0.10 as
#: Afrikaans), too weak to switch language-specific models off.
MIN_CONFIDENCE = 0.9


def effective_language(detected: str | None, score: float | None, declared: str | None) -> str | None:
    """The language the text is taken to be in, for choosing models: a confident detection, else the
    publisher's declared language (primary subtag), else None (unknown)."""
    if detected is not None and score is not None and score >= MIN_CONFIDENCE:
        return detected
    if declared:
        return declared.split("-", 1)[0].lower()
    return None


def langid_version() -> str:
    """Version string recorded in ``Enrichment.models``."""
    return f"py3langid-{version('py3langid')}"
