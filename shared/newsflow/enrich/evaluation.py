"""Scoring of topics and entities against the real evaluation set (evaluation/ at the repo root).

Pure functions, no model: loading the set, hashing a text the way the training manifest does, the
refusal of an article that was trained on, precision / recall / F per topic and per entity type, and
the confusion between topics. ``bench/eval_real.py`` runs the models and prints the tables.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The entity types the set is annotated with (the pipeline's other types are not scored).
ENTITY_TYPES = ("person", "organization", "place")

_LETTERS = re.compile(r"[^\W\d_]+")


#: The outlet of every article of the set: each is an English Wikinews article. Scored as the
#: enrichment runs in production, with the article's source (its own outlet is an organisation).
EVAL_SOURCE = "wikinews"


def normalise_text(text: str) -> str:
    """Letters only, case-folded, one space between words.

    As coarse as the most preprocessed training corpus (20 Newsgroups and Reuters come letters-only
    and lower-cased), so the same text hashes the same whatever its punctuation, digits or spacing.
    """
    return " ".join(_LETTERS.findall(unicodedata.normalize("NFKC", text).casefold()))


def text_hash(text: str) -> str:
    """SHA-256 (hex) of ``normalise_text(text)``: the key of the training manifest."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class EvalArticle:
    """One published article of the evaluation set."""

    id: str
    title: str
    body: str
    source_url: str
    licence: str
    published: str | None
    language: str


@dataclass(frozen=True)
class TopicGold:
    """The topic an editor files an article under, and the other codes they would also accept."""

    primary: str
    accepted: frozenset[str] = frozenset()

    def acceptable(self, code: str) -> bool:
        return code == self.primary or code in self.accepted


@dataclass(frozen=True)
class GoldEntity:
    """A person, organisation or place of an article: its canonical name and the names used for it."""

    type: str
    canonical: str
    aliases: tuple[str, ...] = ()
    must_have: bool = False

    def names(self) -> frozenset[str]:
        return frozenset(normalise_name(n) for n in (self.canonical, *self.aliases))


@dataclass(frozen=True)
class PredictedEntity:
    """What the pipeline tagged: a name and a type."""

    name: str
    type: str


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def load_articles(path: Path) -> list[EvalArticle]:
    articles = []
    for row in _jsonl(path):
        published = row.get("published")
        articles.append(
            EvalArticle(
                id=str(row["id"]),
                title=str(row["title"]),
                body=str(row["body"]),
                source_url=str(row["source_url"]),
                licence=str(row["licence"]),
                published=str(published) if published else None,
                language=str(row["language"]),
            )
        )
    return articles


def load_topic_gold(path: Path) -> dict[str, TopicGold]:
    gold = {}
    for row in _jsonl(path):
        accepted = row.get("accepted") or []
        assert isinstance(accepted, list)
        gold[str(row["id"])] = TopicGold(str(row["primary"]), frozenset(str(c) for c in accepted))
    return gold


def load_entity_gold(path: Path) -> dict[str, list[GoldEntity]]:
    gold: dict[str, list[GoldEntity]] = {}
    for row in _jsonl(path):
        entities = row["entities"]
        assert isinstance(entities, list)
        gold[str(row["id"])] = [
            GoldEntity(
                type=str(e["type"]),
                canonical=str(e["canonical"]),
                aliases=tuple(str(a) for a in e.get("aliases", [])),
                must_have=bool(e.get("must_have", False)),
            )
            for e in entities
        ]
    return gold


def load_training_hashes(path: Path) -> frozenset[str]:
    """The ``sha256`` of every text line of the training manifest (a ``.jsonl`` or ``.jsonl.gz``)."""
    opener = gzip.open if path.suffix == ".gz" else open
    hashes = set()
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            digest = json.loads(line).get("sha256")
            if digest:
                hashes.add(str(digest))
    return frozenset(hashes)


class TrainedOnError(ValueError):
    """Raised when an evaluation article is a text a shipped model was trained on."""

    def __init__(self, ids: Sequence[str]) -> None:
        super().__init__(
            f"refusing to score {len(ids)} article(s) found in the training manifest: {', '.join(ids)}"
        )
        self.ids = tuple(ids)


def refuse_trained(articles: Iterable[EvalArticle], training_hashes: frozenset[str]) -> None:
    """Raise ``TrainedOnError`` if the body, or the title and body, of any article was trained on."""
    trained = [
        a.id
        for a in articles
        if text_hash(a.body) in training_hashes or text_hash(f"{a.title} {a.body}") in training_hashes
    ]
    if trained:
        raise TrainedOnError(trained)


def f_score(precision: float | None, recall: float | None) -> float | None:
    """The harmonic mean of precision and recall (None when either is undefined)."""
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass
class Counts:
    """True positives, false positives and false negatives of one class."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        return f_score(self.precision, self.recall)

    @property
    def support(self) -> int:
        return self.tp + self.fn

    def add(self, other: Counts) -> None:
        """Add another class's (or article's) counts to these."""
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn


@dataclass
class TopicCounts:
    """One topic T: the filter "top-1 = T" (precision) and the articles filed under T (recall)."""

    support: int = 0  # articles whose primary topic is T
    hits: int = 0  # ... whose top-1 is acceptable for them
    strict_hits: int = 0  # ... whose top-1 is T itself
    predicted: int = 0  # articles whose top-1 is T
    predicted_ok: int = 0  # ... for which T is acceptable

    @property
    def precision(self) -> float | None:
        return self.predicted_ok / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.support if self.support else None

    @property
    def strict_recall(self) -> float | None:
        return self.strict_hits / self.support if self.support else None

    @property
    def f1(self) -> float | None:
        return f_score(self.precision, self.recall)


@dataclass
class TopicReport:
    """Topic scores of the top-1 prediction of every article."""

    n: int = 0
    top1_acceptable: int = 0
    top1_primary: int = 0
    topk_acceptable: int = 0
    per_topic: dict[str, TopicCounts] = field(default_factory=dict)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def macro_recall(self) -> float:
        """Mean recall over the topics that have gold articles."""
        recalls = [c.recall for c in self.per_topic.values() if c.recall is not None]
        return sum(recalls) / len(recalls) if recalls else 0.0

    @property
    def macro_strict_recall(self) -> float:
        """Mean strict recall (top-1 is the primary topic) over the topics that have gold articles."""
        recalls = [c.strict_recall for c in self.per_topic.values() if c.strict_recall is not None]
        return sum(recalls) / len(recalls) if recalls else 0.0


def score_topics(gold: Mapping[str, TopicGold], predicted: Mapping[str, Sequence[str]]) -> TopicReport:
    """Score ranked topic codes (best first) against the gold.

    Recall of T: of the articles whose primary topic is T, the share whose top-1 prediction is
    acceptable for them (T or a code the editor also accepts); strict recall: the share whose top-1
    is T. Precision of T: of the articles whose
    top-1 is T, the share for which T is acceptable, i.e. the precision of the filter "topic = T".
    The confusion counts (primary, top-1) pairs; an article without prediction has top-1 "".
    """
    report = TopicReport()
    for article_id, truth in gold.items():
        ranked = list(predicted.get(article_id, ()))
        top1 = ranked[0] if ranked else ""
        report.n += 1
        report.confusion[(truth.primary, top1)] += 1
        own = report.per_topic.setdefault(truth.primary, TopicCounts())
        own.support += 1
        ok = truth.acceptable(top1)
        own.hits += ok
        own.strict_hits += top1 == truth.primary
        report.top1_acceptable += ok
        if top1:
            filtered = report.per_topic.setdefault(top1, TopicCounts())
            filtered.predicted += 1
            filtered.predicted_ok += ok
        report.top1_primary += top1 == truth.primary
        report.topk_acceptable += any(truth.acceptable(code) for code in ranked)
    return report


_LEADING_THE = re.compile(r"^the\s+")
_POSSESSIVE = re.compile(r"['’]s?$")


def normalise_name(name: str) -> str:
    """Case-folded, no leading "the", no possessive, no dots, single spaces: "U.S." == "US"."""
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    text = _POSSESSIVE.sub("", _LEADING_THE.sub("", text)).replace(".", "")
    return " ".join(text.replace("-", " ").split())


@dataclass
class EntityReport:
    """Entity scores per type, with the must-have tags found."""

    per_type: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in ENTITY_TYPES})
    must_have: int = 0
    must_have_found: int = 0
    must_have_found_any_type: int = 0

    @property
    def overall(self) -> Counts:
        total = Counts()
        for c in self.per_type.values():
            total.add(c)
        return total


def score_entities(
    gold: Mapping[str, Sequence[GoldEntity]], predicted: Mapping[str, Sequence[PredictedEntity]]
) -> EntityReport:
    """Match predicted entities to gold ones per article by name (canonical or alias) and type.

    A gold entity is found when a predicted entity of its type carries one of its names; each
    predicted entity counts once: it is a true positive if it finds a gold entity not found yet, a
    false positive otherwise (a wrong type, a name the gold does not have, or a second tag of an
    entity already found). Predicted types other than person, organisation and place are ignored.
    """
    report = EntityReport()
    for article_id, entities in gold.items():
        found: set[int] = set()
        found_any: set[int] = set()
        names = [e.names() for e in entities]
        for p in predicted.get(article_id, ()):
            key = normalise_name(p.name)
            found_any.update(i for i, entity_names in enumerate(names) if key in entity_names)
            if p.type not in report.per_type:
                continue
            match = next(
                (
                    i
                    for i, e in enumerate(entities)
                    if i not in found and e.type == p.type and key in names[i]
                ),
                None,
            )
            if match is None:
                report.per_type[p.type].fp += 1
            else:
                found.add(match)
                report.per_type[p.type].tp += 1
        for i, entity in enumerate(entities):
            if entity.type in report.per_type and i not in found:
                report.per_type[entity.type].fn += 1
            if entity.must_have:
                report.must_have += 1
                report.must_have_found += i in found
                report.must_have_found_any_type += i in found_any
    return report


def entity_f_interval(
    gold: Mapping[str, Sequence[GoldEntity]],
    predicted: Mapping[str, Sequence[PredictedEntity]],
    entity_type: str | None = None,
    draws: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """A percentile bootstrap interval of the micro F (overall, or of one type) over the articles:
    ``draws`` resamples of the articles with replacement (a fixed seed: the same interval each run).

    The articles, not the entities, are resampled: the entities of one article share its text, its
    genre and its annotator, so they are no independent draws.
    """
    per_article: list[Counts] = []
    for article_id in gold:
        report = score_entities({article_id: gold[article_id]}, predicted)
        per_article.append(report.per_type[entity_type] if entity_type else report.overall)
    rng = random.Random(seed)
    scores: list[float] = []
    for _ in range(draws):
        total = Counts()
        for counts in rng.choices(per_article, k=len(per_article)):
            total.add(counts)
        if total.f1 is not None:  # a resample with no entity of the type has no F: left out
            scores.append(total.f1)
    if not scores:
        raise ValueError(f"no resample has an F for {entity_type or 'any type'}")
    scores.sort()
    tail = (1.0 - level) / 2
    low = scores[int(tail * len(scores))]
    high = scores[min(len(scores) - 1, int((1.0 - tail) * len(scores)))]
    return low, high
