"""Language detection with py3langid (its model ships inside the wheel)."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version

from py3langid.langid import MODEL_FILE, LanguageIdentifier

#: Enough text to be sure of the language; classifying whole long bodies only costs time.
SAMPLE_CHARS = 3000


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


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
