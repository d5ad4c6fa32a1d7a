"""The windowed language detector gives exactly py3langid's own results, only faster."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

from newsflow.enrich.language import SAMPLE_CHARS, WindowedIdentifier, _identifier

ROOT = Path(__file__).resolve().parents[2]


def _texts() -> list[str]:
    """The seed and evaluation articles as detect_language samples them, random byte soup in many
    scripts, and the edge cases (empty, one letter, capitals, digits only, CJK, Cyrillic)."""
    texts = []
    for path in (ROOT / "seeds" / "corpus.jsonl", ROOT / "evaluation" / "articles.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            texts.append(f"{row['title']}\n{row['body'][:SAMPLE_CHARS]}")
    rng = random.Random(12)
    for _ in range(150):
        texts.append(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 400))).decode("latin-1"))
        texts.append("".join(chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(0, 300))))
    texts += ["", "a", "é", "HELLO WORLD", "123 456", "日本語のテキストです", "Привет, мир", "x" * 5000]
    return texts


@pytest.fixture(scope="module")
def reference() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def test_the_automaton_remembers_six_bytes() -> None:
    identifier = _identifier()
    assert isinstance(identifier, WindowedIdentifier)
    assert identifier._depth == 6  # byte n-grams of up to 6 bytes: the window every state is read from


def test_features_and_scores_are_exactly_py3langids(reference: LanguageIdentifier) -> None:
    fast = _identifier()
    texts = _texts()
    assert len(texts) > 800
    for text in texts:
        encoded = LanguageIdentifier._encode(text)
        expected = visit_counts(reference.tk_nextmove, reference._rowbase, reference.tk_output, encoded)
        visits = fast.visits(encoded)  # type: ignore[attr-defined]
        assert list(visits.items()) == list((expected or {}).items())  # same order: same float sums
        assert np.array_equal(fast._decide(text), reference._decide(text))  # bit for bit
        assert fast.classify(text) == reference.classify(text)
