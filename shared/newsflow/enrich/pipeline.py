"""The enrichment function: a batch of raw articles in, one Enrichment or EnrichmentFailure per article.

Everything CPU-bound happens here, with no Kafka in sight: the worker calls :func:`enrich_batch` in a
thread and turns failures into dead letters. One bad article never sinks the batch: when spaCy or a
later step fails on the batch, the articles are retried one by one and only the culprit fails.
"""

from __future__ import annotations

import importlib
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version as package_version
from typing import Protocol

from spacy.language import Language
from spacy.tokens import Doc

from newsflow.enrich.editorial import ReadText, read_text, restore_spans
from newsflow.enrich.entities import extract_entities
from newsflow.enrich.entity_typer import EntityTyper, english_typer, typer_version
from newsflow.enrich.fingerprint import FINGERPRINT_VERSION, simhash
from newsflow.enrich.keywords import KEYWORDS_VERSION, extract_keywords
from newsflow.enrich.language import detect_language, effective_language, langid_version
from newsflow.enrich.ner_weights import english_nlp
from newsflow.enrich.nlp import cached_nlp, model_version
from newsflow.enrich.settings import EnrichmentSettings
from newsflow.models import Enrichment, RawArticle, Topic

log = logging.getLogger(__name__)

_WORD = re.compile(r"\S*\w\S*")


class TopicClassifierLike(Protocol):
    """What the pipeline needs from the IPTC topic classifier (newsflow.enrich.topics_iptc)."""

    version: str
    language: str  # the language of its training text; other languages get no topics

    def classify_batch(self, items: Sequence[tuple[str, str]]) -> list[tuple[Topic, ...]]: ...


@dataclass(frozen=True)
class EnrichmentFailure:
    """Why one article could not be enriched; the worker dead-letters it."""

    article_id: str
    error_type: str
    reason: str


def load_topic_classifier(required: bool = False) -> TopicClassifierLike | None:
    """The IPTC topic classifier; None (with a warning) when it cannot be loaded and is not required."""
    try:
        module = importlib.import_module("newsflow.enrich.topics_iptc")
        classifier: TopicClassifierLike = module.TopicClassifier.load()
    except (ImportError, OSError, ValueError, KeyError) as exc:
        if required:
            raise
        log.warning("topic classifier not available, enriching without topics error=%r", exc)
        return None
    return classifier


def read_article(article: RawArticle) -> tuple[ReadText, ReadText]:
    """The title and body as the NER and the entity rules read them (editorial brackets removed),
    each with the way back to the article's own offsets."""
    return read_text(article.title), read_text(article.body)


def word_count(text: str) -> int:
    """Number of words in ``text``: whitespace-separated runs with a letter or digit ("U.S.-China" is one)."""
    return len(_WORD.findall(text))


def reading_time_s(words: int, words_per_minute: int) -> int:
    """Seconds an average reader needs for ``words`` words."""
    return math.ceil(words * 60 / words_per_minute)


@dataclass
class Enricher:
    """The loaded models plus settings: the composition root of the enrichment function."""

    nlp: Language
    settings: EnrichmentSettings = field(default_factory=EnrichmentSettings)
    topics: TopicClassifierLike | None = None
    #: the learned entity typer for the English pipeline (None: the rules' types stand)
    typer: EntityTyper | None = None
    _unavailable: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def load(cls, settings: EnrichmentSettings | None = None, *, with_topics: bool = True) -> Enricher:
        """Load the spaCy model named by the settings and, when available, the topic classifier."""
        settings = settings or EnrichmentSettings()
        nlp = english_nlp(settings)
        return cls(
            nlp=nlp,
            settings=settings,
            topics=load_topic_classifier(settings.topics_required) if with_topics else None,
            typer=english_typer(
                settings.entity_typer,
                model_version(nlp),
                settings.entity_typer_path,
                settings.entity_typer_sha256,
            ),
        )

    @property
    def models(self) -> dict[str, str]:
        """Version of every model (and the taxonomy) that produces an enrichment."""
        versions = {
            "spacy": package_version("spacy"),
            "ner": model_version(self.nlp),
            "language": langid_version(),
            "keywords": KEYWORDS_VERSION,
            "fingerprint": FINGERPRINT_VERSION,
        }
        if self.topics is not None:
            versions["topics"] = self.topics.version
        if self.typer is not None:
            versions["entity_typer"] = typer_version(self.settings.entity_typer_sha256)
        return versions

    def nlp_for(self, language: str | None) -> Language | None:
        """The spaCy pipeline for text in ``language`` (None: unknown, the main model runs).

        Pipelines of ``settings.other_models`` load on first use; one that cannot be loaded (not
        installed) is logged once and its language gets no entities, like any language without one.
        """
        if language is None or language == self.nlp.lang:
            return self.nlp
        name = self.settings.other_models.get(language)
        if name is None or name in self._unavailable:
            return None
        try:
            return cached_nlp(name)
        except (OSError, ImportError, ValueError) as exc:
            self._unavailable.add(name)
            log.warning(
                "spacy model not available, %s articles get no entities model=%s error=%r",
                language,
                name,
                exc,
            )
            return None

    def check(self, article: RawArticle) -> EnrichmentFailure | None:
        """Reject input that must go to the DLQ before any model sees it."""
        if article.deleted:
            return EnrichmentFailure(article.id, "Retraction", "retractions are not enriched")
        if not article.body.strip():
            return EnrichmentFailure(article.id, "EmptyBody", "article body is empty")
        if len(article.body) > self.settings.max_body_chars:
            return EnrichmentFailure(
                article.id,
                "BodyTooLarge",
                f"body has {len(article.body)} characters, limit is {self.settings.max_body_chars}",
            )
        return None

    def enrich_batch(self, articles: Sequence[RawArticle]) -> list[Enrichment | EnrichmentFailure]:
        """Enrich ``articles``; the result list is aligned with the input."""
        results: list[Enrichment | EnrichmentFailure | None] = [self.check(a) for a in articles]
        todo = [i for i, r in enumerate(results) if r is None]
        if todo:
            done: list[Enrichment | EnrichmentFailure]
            try:
                done = list(self._enrich([articles[i] for i in todo]))
            except Exception:
                log.warning("batch enrichment failed, retrying one by one size=%d", len(todo), exc_info=True)
                done = [self._enrich_one_safely(articles[i]) for i in todo]
            for i, result in zip(todo, done, strict=True):
                results[i] = result
        return [r for r in results if r is not None]

    def _enrich_one_safely(self, article: RawArticle) -> Enrichment | EnrichmentFailure:
        try:
            return self._enrich([article])[0]
        except Exception as exc:
            log.warning("enrichment failed article_id=%s error=%r", article.id, exc)
            return EnrichmentFailure(article.id, "EnrichmentError", f"{type(exc).__name__}: {exc}")

    def _enrich(self, articles: Sequence[RawArticle]) -> list[Enrichment]:
        languages = [detect_language(a.title, a.body) for a in articles]
        effective = [
            effective_language(lang, score, a.language)
            for (lang, score), a in zip(languages, articles, strict=True)
        ]
        # each article through the pipeline of its language (the main one when there is none: its
        # documents still give the keywords; entities then stay empty, see _assemble)
        pipelines = [self.nlp_for(lang) for lang in effective]
        # each text read once: the NER reads it, and the entities' spans are mapped back through it
        reads = [read_article(a) for a in articles]
        docs: list[Doc] = [self.nlp.make_doc("")] * (2 * len(articles))
        for nlp in {id(p or self.nlp): p or self.nlp for p in pipelines}.values():
            todo = [i for i, p in enumerate(pipelines) if (p or self.nlp) is nlp]
            texts = [read.text for i in todo for read in reads[i]]
            for j, doc in enumerate(nlp.pipe(texts, batch_size=self.settings.nlp_batch_size)):
                docs[2 * todo[j // 2] + j % 2] = doc
        topics: list[tuple[Topic, ...]] = [()] * len(articles)
        if self.topics is not None:
            # The classifier is trained on English news: on other languages it only finds noise.
            known = self.topics.language
            todo = [i for i, lang in enumerate(effective) if lang is None or lang == known]
            found = self.topics.classify_batch([(articles[i].title, articles[i].body) for i in todo])
            for i, result in zip(todo, found, strict=True):
                topics[i] = result
        models = self.models
        results = []
        for i, article in enumerate(articles):
            chosen = pipelines[i]
            used = (
                models if chosen is None or chosen is self.nlp else {**models, "ner": model_version(chosen)}
            )
            results.append(
                self._assemble(
                    article,
                    reads[i],
                    docs[2 * i],
                    docs[2 * i + 1],
                    topics[i],
                    languages[i],
                    effective[i],
                    used,
                    with_entities=chosen is not None,
                )
            )
        return results

    def _assemble(
        self,
        article: RawArticle,
        read: tuple[ReadText, ReadText],
        title_doc: Doc,
        body_doc: Doc,
        topics: tuple[Topic, ...],
        detected: tuple[str | None, float | None],
        effective: str | None,
        models: dict[str, str],
        *,
        with_entities: bool,
    ) -> Enrichment:
        # Recorded: the language the text is taken to be in (a weak guess is not a fact for facets),
        # with the detector's probability when the detector decided it.
        language = effective
        language_score = detected[1] if effective is not None and effective == detected[0] else None
        # A NER model is trained on one language: on text in another it finds mostly noise
        # ("Einzelheiten" as a person), so articles in a language without a pipeline of their own get
        # no entities rather than wrong ones.
        # the documents are of the texts as read (``read``); the spans go back to the article's own
        entities = (
            restore_spans(
                extract_entities(
                    title_doc.text,
                    body_doc.text,
                    title_doc,
                    body_doc,
                    outlet=article.source,
                    typer=self.typer if title_doc.vocab is self.nlp.vocab else None,
                ),
                *read,
            )
            if with_entities
            else ()
        )
        keywords = extract_keywords(
            title_doc, body_doc, [e.name for e in entities], limit=self.settings.max_keywords
        )
        words = word_count(article.body)
        return Enrichment(
            entities=entities,
            topics=topics,
            keywords=keywords,
            language=language,
            language_score=language_score,
            word_count=words,
            reading_time_s=reading_time_s(words, self.settings.words_per_minute),
            fingerprint=simhash(article.body),
            models=models,
        )


@lru_cache(maxsize=1)
def default_enricher() -> Enricher:
    """The process-wide enricher built from the environment's settings."""
    return Enricher.load()


def enrich_batch(
    articles: Sequence[RawArticle], enricher: Enricher | None = None
) -> list[Enrichment | EnrichmentFailure]:
    """Enrich a batch of raw articles (one result per article, in order)."""
    return (enricher or default_enricher()).enrich_batch(articles)


EnrichFunction = Callable[[Sequence[RawArticle]], list[Enrichment | EnrichmentFailure]]
