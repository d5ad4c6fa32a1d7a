"""IPTC Media Topics (top level) of an article: a TF-IDF + multinomial logistic regression classifier.

The model is trained offline by ``scripts/train_topics.py`` and shipped as package data
(``newsflow/data/iptc_topics_model.json``): a vocabulary of unigrams and bigrams, their IDF, and
int8-quantised class weights. At run time only numpy is needed: tokenise (lowercase letter runs),
count unigrams and bigrams, weight by ``(1 + log tf) * idf``, L2-normalise, a dot product per class,
softmax. Scores are the softmax probabilities over the 17 top-level topics, after the output prior:
each topic's probability divided by the model's average probability for it on real news it never
saw (``iptc_topics_prior.json``, to the power ``alpha``), renormalised — so a topic that the
training news over-represents (politics) no longer wins every article that mentions a government.

The taxonomy (codes, labels, definitions, credit to IPTC, CC BY 4.0) is in
``newsflow/data/iptc_mediatopics.json``. See docs/topics.md for data, method and figures.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from newsflow.models import Topic

DATA_PACKAGE = "newsflow"
DATA_DIR = "data"
TAXONOMY_FILE = "iptc_mediatopics.json"
MODEL_FILE = "iptc_topics_model.json"
#: The model's average output on real news it was not trained on (scripts/estimate_topic_prior.py).
PRIOR_FILE = "iptc_topics_prior.json"
MAX_TOP_K = 3
# A second or third topic is kept only from this probability up (the first is always kept).
SECONDARY_MIN_SCORE = 0.02

#: Letter runs only: the training corpora were reduced to lowercase letters, so digits and
#: punctuation never carry a feature (numbers in news text would only add noise).
_LETTERS = re.compile(r"[^\W\d_]+")
#: The title counts this many times: headlines are short and say what the story is about.
TITLE_REPEAT = 2


def analyze(text: str) -> list[str]:
    """The features of ``text``: lowercase letter-run unigrams (2+ letters) and adjacent bigrams."""
    words = [w for w in _LETTERS.findall(text.lower()) if len(w) > 1]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def article_text(title: str, body: str) -> str:
    """The text that is classified: the title (weighted by repetition) then the body."""
    return "\n".join([title] * TITLE_REPEAT + [body])


@dataclass(frozen=True)
class TopicLabel:
    """One top-level IPTC Media Topic."""

    code: str  # "medtop:11000000"
    label: str  # "politics"


def load_taxonomy() -> tuple[TopicLabel, ...]:
    """The 17 top-level IPTC Media Topics, in the order of the shipped file."""
    raw = json.loads(resources.files(DATA_PACKAGE).joinpath(DATA_DIR, TAXONOMY_FILE).read_text("utf-8"))
    return tuple(TopicLabel(code=t["qcode"], label=t["label"]) for t in raw["topics"])


class TopicClassifier:
    """Scores the 17 top-level IPTC Media Topics of an article; load once, call many times."""

    version: str
    language: str

    def __init__(
        self, model: dict[str, Any], taxonomy: Sequence[TopicLabel], prior: dict[str, Any] | None = None
    ) -> None:
        by_code = {t.code: t for t in taxonomy}
        missing = [c for c in model["classes"] if c not in by_code]
        if missing:
            raise ValueError(f"model classes not in the taxonomy: {missing}")
        self._topics: tuple[TopicLabel, ...] = tuple(by_code[c] for c in model["classes"])
        vocabulary: list[str] = model["vocabulary"]
        self._index: dict[str, int] = {term: i for i, term in enumerate(vocabulary)}
        n_classes, n_terms = len(self._topics), len(vocabulary)
        self._idf = np.asarray(model["idf"], dtype=np.float32)
        q = np.frombuffer(base64.b64decode(model["coef_int8"]), dtype=np.int8).reshape(n_terms, n_classes)
        scale = np.asarray(model["coef_scale"], dtype=np.float32)
        # terms x classes, so that a document's weights are a gather of rows and a sum
        self._coef: npt.NDArray[np.float32] = q.astype(np.float32) * scale[np.newaxis, :]
        self._intercept = np.asarray(model["intercept"], dtype=np.float32)
        if self._idf.shape != (n_terms,) or self._intercept.shape != (n_classes,):
            raise ValueError("model arrays do not match its vocabulary and classes")
        self.version = f"{model['taxonomy_version']}/{model['model_hash']}"
        self._prior_shift = np.zeros(n_classes, dtype=np.float32)
        if prior is not None:
            # dividing probabilities by mean**alpha is subtracting alpha * log(mean) from the logits
            mean = np.asarray([prior["mean_scores"][t.code] for t in self._topics], dtype=np.float32)
            self._prior_shift = -np.float32(prior["alpha"]) * np.log(mean)
            digest = hashlib.sha256(json.dumps(prior, sort_keys=True).encode("utf-8")).hexdigest()[:8]
            self.version += f"+prior-{digest}"
        self.language = str(model.get("language", "en"))  # the training corpora are English news

    @classmethod
    def load(cls, *, with_prior: bool = True) -> TopicClassifier:
        """The classifier shipped in the package data (no network), with its output prior."""
        return _load_shipped(with_prior)

    @property
    def topics(self) -> tuple[TopicLabel, ...]:
        """The topics the model scores, in the order of its score vectors."""
        return self._topics

    def _logits(self, title: str, body: str) -> npt.NDArray[np.float32]:
        counts = Counter(t for t in analyze(article_text(title, body)) if t in self._index)
        logits = self._intercept.copy()
        if counts:
            rows = np.fromiter((self._index[t] for t in counts), dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            weights = (1.0 + np.log(tf)) * self._idf[rows]
            weights /= np.float32(np.linalg.norm(weights))
            logits += weights @ self._coef[rows]
        return logits

    @staticmethod
    def _softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        exp = np.exp(logits - logits.max())
        result: npt.NDArray[np.float32] = exp / exp.sum()
        return result

    def scores(self, title: str, body: str) -> npt.NDArray[np.float32]:
        """The probability of every topic (same order as ``topics``), after the output prior; sums to 1."""
        return self._softmax(self._logits(title, body) + self._prior_shift)

    def classify(
        self, title: str, body: str, top_k: int = 3, min_secondary: float = SECONDARY_MIN_SCORE
    ) -> tuple[Topic, ...]:
        """The ``top_k`` (at most 3) most likely topics, best first, with scores in [0, 1].

        The best topic is always returned; the others only when their score reaches ``min_secondary``
        both with and without the output prior: the prior re-ranks what the model sees, it must not
        turn a topic the model gives almost nothing (0.0002 for weather on a phone call between two
        presidents) into a second topic.
        """
        k = max(0, min(top_k, MAX_TOP_K, len(self._topics)))
        logits = self._logits(title, body)
        probs = self._softmax(logits + self._prior_shift)
        before = self._softmax(logits)
        ranked = sorted(range(len(probs)), key=lambda i: (-float(probs[i]), i))
        seen = [i for i in ranked[1:] if min(float(probs[i]), float(before[i])) >= min_secondary]
        order = (ranked[:1] + seen)[:k]
        return tuple(
            Topic(
                code=self._topics[i].code,
                label=self._topics[i].label,
                score=round(min(1.0, max(0.0, float(probs[i]))), 4),
            )
            for i in order
        )

    def classify_batch(
        self, items: Sequence[tuple[str, str]], top_k: int = 3, min_secondary: float = SECONDARY_MIN_SCORE
    ) -> list[tuple[Topic, ...]]:
        """``classify`` for each ``(title, body)``, in order."""
        return [self.classify(title, body, top_k, min_secondary) for title, body in items]


def model_hash(model: dict[str, Any]) -> str:
    """A short content hash of a model's arrays and vocabulary (it names the model version)."""
    digest = hashlib.sha256()
    for key in ("classes", "vocabulary", "idf", "coef_int8", "coef_scale", "intercept"):
        digest.update(json.dumps(model[key], separators=(",", ":")).encode("utf-8"))
    return digest.hexdigest()[:12]


def _data(name: str) -> Any:
    return json.loads(resources.files(DATA_PACKAGE).joinpath(DATA_DIR, name).read_text("utf-8"))


@lru_cache(maxsize=2)
def _load_shipped(with_prior: bool = True) -> TopicClassifier:
    model = _data(MODEL_FILE)
    if model_hash(model) != model["model_hash"]:
        raise ValueError(f"{MODEL_FILE} does not match its recorded hash")
    prior = _data(PRIOR_FILE) if with_prior else None
    if prior is not None and not str(prior["model"]).endswith(model["model_hash"]):
        raise ValueError(f"{PRIOR_FILE} was estimated for another model ({prior['model']})")
    return TopicClassifier(model, load_taxonomy(), prior)
