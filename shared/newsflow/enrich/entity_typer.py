"""A learned second look at each entity's type: person, organisation, place, or no such name.

The rules of ``newsflow.enrich.entities`` decide a type from the NER's votes and from cues written
by hand. This module looks at the whole entity once they are done — the votes of all its mentions,
the words of its name, the word before and after each mention, where it stands, whether the
gazetteer knows it, and the mean of its words' static vectors (en_core_web_md's table) — and gives
the probability of four classes: no name of these types ("Hegemony", "Moon Rocks", a film title),
person, organisation, place. A multinomial logistic regression (hashed sparse features plus the
vector), trained by ``training/tools/train_entity_typer.py`` on the labelled Wikinews training
articles, from predictions of NER models that had not seen those articles (docs/enrichment.md,
"The entity typer").

The weights ship as package data, checked by SHA-256 at load like the tuned NER's. ``decide``
returns the type to use for one entity: its own unless the typer is sure enough of another.
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from newsflow.enrich.gazetteer import country_codes, given_names, known_place, known_places, major_places
from newsflow.enrich.pinned_files import read_pinned

#: The classes, in the order of the weights' columns.
CLASSES = ("none", "person", "organization", "place")
#: spaCy labels the typer looks at (the scored types), and their class.
LABEL_CLASSES: dict[str, str] = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "place",
    "LOC": "place",
}
#: Buckets of the hashed features (CRC-32 of the feature's string, so stable across processes).
HASH_BUCKETS = 1 << 14
#: Width of the static vectors (en_core_web_md).
VECTOR_WIDTH = 300
N_FEATURES = HASH_BUCKETS + VECTOR_WIDTH

#: The pipeline whose output and vectors the typer was trained on (``model_version``, tuned NER or not).
BASE_MODEL = "en_core_web_md-3.8.0"
TYPER_FILE = "entity_typer_en_core_web_md.npz"
TYPER_SHA256 = "953046aefa5e2e2bedcce861bfcf78f5bed9b4651be1567f6bea92376167d621"


class EntityTyperError(RuntimeError):
    """The typer's weights cannot be used (missing file, wrong hash, wrong shape)."""


@dataclass(frozen=True)
class EntityView:
    """What the typer reads of one entity once the rules are done."""

    canonical: str
    #: the spaCy label the rules decided
    label: str
    #: True when a rule set the label (not the model's votes)
    forced: bool
    #: each mention's own label and text
    mention_labels: tuple[str, ...]
    mention_texts: tuple[str, ...]
    #: the word right before and right after each mention (case-folded; "" at a text's edge)
    before: tuple[str, ...]
    after: tuple[str, ...]
    in_title: bool
    in_lead: bool
    #: share of the mentions that open a sentence
    sentence_initial: float
    #: the case-folded canonical name also occurs in lower case in the text ("Survival", "survival")
    lower_case_in_text: bool


_WORD_CHARS = str.maketrans({c: " " for c in "\"'“”‘’«»()[]{},;:!?"})


def _words(name: str) -> list[str]:
    return name.translate(_WORD_CHARS).split()


def _shape(word: str) -> str:
    out: list[str] = []
    for ch in word[:6]:
        kind = "X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)


def _bucket(mentions: int) -> str:
    return "1" if mentions == 1 else "2" if mentions == 2 else "3-4" if mentions <= 4 else "5+"


def sparse_features(view: EntityView) -> dict[str, float]:
    """The named features of one entity (string → value), before hashing."""
    feats: dict[str, float] = {"bias": 1.0, f"label={view.label}": 1.0}
    if view.forced:
        feats[f"forced={view.label}"] = 1.0
    n = len(view.mention_labels) or 1
    for lab in view.mention_labels:
        feats[f"vote={lab}"] = feats.get(f"vote={lab}", 0.0) + 1.0 / n
    words = _words(view.canonical)
    lowered = [w.casefold() for w in words]
    feats[f"n_words={min(len(words), 5)}"] = 1.0
    feats[f"mentions={_bucket(n)}"] = 1.0
    feats[f"forms={min(len(set(t.casefold() for t in view.mention_texts)), 3)}"] = 1.0
    for w in lowered:
        feats[f"w={w}"] = 1.0
    if lowered:
        feats[f"first={lowered[0]}"] = 1.0
        feats[f"last={lowered[-1]}"] = 1.0
        feats[f"last+label={lowered[-1]}|{view.label}"] = 1.0
    for w in words:
        feats[f"shape={_shape(w)}"] = 1.0

    feats[f"name_shape={'_'.join(_shape(w) for w in words[:4])}"] = 1.0
    if view.canonical.isupper():
        feats["all_caps"] = 1.0
    if any(ch.isdigit() for ch in view.canonical):
        feats["digit"] = 1.0
    for inner in ("of", "and", "&", "for", "the", "de"):
        if inner in lowered[1:-1]:
            feats[f"inner={inner}"] = 1.0
    for before in view.before:
        feats[f"before={before}"] = feats.get(f"before={before}", 0.0) + 1.0 / n
    for after in view.after:
        feats[f"after={after}"] = feats.get(f"after={after}", 0.0) + 1.0 / n
    if view.in_title:
        feats["in_title"] = 1.0
    if view.in_lead:
        feats["in_lead"] = 1.0
    feats["sentence_initial"] = view.sentence_initial
    if view.lower_case_in_text:
        feats["lower_case_in_text"] = 1.0
    if country_codes(view.canonical):
        feats["country"] = 1.0
    if view.canonical in major_places():
        feats["major_place"] = 1.0
    elif view.canonical in known_places():
        feats["known_place"] = 1.0
    if words and words[0] in given_names():
        feats[f"given_name_first|n={min(len(words), 3)}"] = 1.0
    return feats


def _hash(name: str) -> int:
    return zlib.crc32(name.encode("utf-8")) % HASH_BUCKETS


def hashed(feats: dict[str, float]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Bucket indices and values of ``feats`` (colliding features add up)."""
    index: dict[int, float] = {}
    for name, value in feats.items():
        bucket = _hash(name)
        index[bucket] = index.get(bucket, 0.0) + value
    keys = np.fromiter(index.keys(), dtype=np.int64, count=len(index))
    values = np.fromiter(index.values(), dtype=np.float32, count=len(index))
    return keys, values


#: A word → static vector lookup (None when the word has none).
VectorLookup = Callable[[str], "npt.NDArray[np.float32] | None"]


def name_vector(canonical: str, lookup: VectorLookup | None) -> npt.NDArray[np.float32]:
    """Mean of the static vectors of the name's words (as written, else lower case), unit length;
    zeros when none has a vector."""
    total = np.zeros(VECTOR_WIDTH, dtype=np.float32)
    if lookup is None:
        return total
    found = 0
    for word in _words(canonical):
        vec = lookup(word)
        if vec is None:
            vec = lookup(word.casefold())
        if vec is not None:
            total += vec
            found += 1
    norm = float(np.linalg.norm(total))
    return total / norm if norm > 0 else total


@dataclass(frozen=True)
class EncodedEntity:
    """One entity as the model reads it."""

    keys: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]
    vector: npt.NDArray[np.float32]


def encode(view: EntityView, lookup: VectorLookup | None) -> EncodedEntity:
    keys, values = hashed(sparse_features(view))
    return EncodedEntity(keys, values, name_vector(view.canonical, lookup))


def softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    out: npt.NDArray[np.float32] = exp / exp.sum(axis=-1, keepdims=True)
    return out


@dataclass(frozen=True)
class EntityTyper:
    """The trained weights and the two thresholds of ``decide``."""

    #: (HASH_BUCKETS + VECTOR_WIDTH) × len(CLASSES)
    weights: npt.NDArray[np.float32]
    #: another scored type replaces the rules' one when its probability is at least this
    retype_threshold: float
    #: the entity is dropped when "none" has at least this probability
    drop_threshold: float

    def probabilities(self, entity: EncodedEntity) -> npt.NDArray[np.float32]:
        logits = self.weights[entity.keys].T @ entity.values
        logits = logits + self.weights[HASH_BUCKETS:].T @ entity.vector
        return softmax(logits.astype(np.float32))

    def decide(self, view: EntityView, lookup: VectorLookup | None) -> str | None:
        """The class to give the entity: ``"none"`` (drop it), ``"person"``, ``"organization"``,
        ``"place"``, or None to keep the rules' type."""
        if view.label not in LABEL_CLASSES:
            return None
        return self.choose(view, self.probabilities(encode(view, lookup)))

    def choose(self, view: EntityView, probs: npt.NDArray[np.float32]) -> str | None:
        """``decide`` from the class probabilities. Another type needs ``retype_threshold``; no
        entity needs ``drop_threshold``, and is never decided for a name the article uses more than
        once, in its title or in its lead (what an article is about is worth the doubt), nor for a
        place the gazetteer knows."""
        best = int(np.argmax(probs))
        cls = CLASSES[best]
        if cls == LABEL_CLASSES[view.label]:
            return None
        if cls == "none":
            if (
                probs[best] < self.drop_threshold
                or len(view.mention_labels) > 1
                or view.in_title
                or view.in_lead
            ):
                return None
            return None if known_place(view.canonical) else cls
        return cls if probs[best] >= self.retype_threshold else None

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez(
            buffer,
            weights=self.weights.astype(np.float32),
            thresholds=np.array([self.retype_threshold, self.drop_threshold], dtype=np.float64),
            classes=np.array(CLASSES),
            hash_buckets=np.array([HASH_BUCKETS]),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> EntityTyper:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                weights = np.asarray(npz["weights"], dtype=np.float32)
                thresholds = [float(x) for x in npz["thresholds"]]
                classes = tuple(str(c) for c in npz["classes"])
                buckets = int(npz["hash_buckets"][0])
        except (OSError, KeyError, ValueError) as exc:
            raise EntityTyperError(f"entity typer weights unreadable: {exc}") from exc
        if classes != CLASSES or buckets != HASH_BUCKETS or weights.shape != (N_FEATURES, len(CLASSES)):
            raise EntityTyperError(
                f"entity typer weights do not fit this code: classes {classes}, buckets {buckets}, "
                f"shape {weights.shape}"
            )
        if len(thresholds) != 2 or not all(0.0 <= t <= 1.0 and math.isfinite(t) for t in thresholds):
            raise EntityTyperError(f"entity typer thresholds out of range: {thresholds}")
        return cls(weights, thresholds[0], thresholds[1])


def shipped_typer_file() -> Path:
    return Path(str(resources.files("newsflow").joinpath("data", TYPER_FILE)))


def load_typer(path: Path, sha256: str) -> EntityTyper:
    """The typer of ``path`` if its SHA-256 is ``sha256``; ``EntityTyperError`` otherwise."""
    data = read_pinned(
        path,
        sha256,
        "entity typer weights",
        "NEWSFLOW_ENRICH_ENTITY_TYPER=false to run without it",
        EntityTyperError,
    )
    return EntityTyper.from_bytes(data)


@lru_cache(maxsize=2)
def cached_typer(path: str, sha256: str) -> EntityTyper:
    return load_typer(Path(path), sha256)


def english_typer(
    enabled: bool, model: str, path: Path | None = None, sha256: str | None = None
) -> EntityTyper | None:
    """The typer for the English pipeline ``model`` (its ``model_version``), or None when it is off
    or the pipeline is not en_core_web_md 3.8.0, whose NER output and vectors it was trained on."""
    if not enabled or not model.startswith(BASE_MODEL):
        return None
    return cached_typer(str(path or shipped_typer_file()), sha256 or TYPER_SHA256)


def typer_version(typer_sha256: str | None = None) -> str:
    return f"entity-typer-{(typer_sha256 or TYPER_SHA256)[:12]}"


def vector_lookup(vocab: object) -> VectorLookup | None:
    """A lookup over a spaCy vocab's static vectors, or None when it has none (en_core_web_sm)."""
    vectors = getattr(vocab, "vectors", None)
    if vectors is None or getattr(vectors, "shape", (0, 0))[1] != VECTOR_WIDTH or vectors.shape[0] == 0:
        return None
    strings = vocab.strings  # type: ignore[attr-defined]
    rows: dict[int, int] = vectors.key2row
    data = np.asarray(vectors.data, dtype=np.float32)

    def lookup(word: str) -> npt.NDArray[np.float32] | None:
        row = rows.get(strings[word], -1)  # the string's hash; nothing is added to the store
        return None if row < 0 else data[row]

    return lookup
