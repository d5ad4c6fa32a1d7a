"""Where the enrichment function spends its CPU, per article, stage by stage (issue 12's cost criterion).

Runs ``Enricher.enrich_batch`` over the bench corpus (bench/common.py ``corpus``, the seed-corpus
articles ``make bench`` measures) in batches of ``batch_size``, with a CPU-time stopwatch
(``time.process_time``) around each stage of ``newsflow.enrich.pipeline``: spaCy NER (``nlp.pipe``),
entity post-processing (``extract_entities``: entities.py, entity_rules.py, gazetteers), topics,
language detection, keywords, fingerprint, word count, building the ``Enrichment`` (pydantic) and
the rest (the loop, ``models``, checks; spaCy on French articles is its own line). Also raw
``nlp.pipe`` of the same texts with only ``ner`` (bench_enrichment's (a), the ceiling). Best of
``--rounds`` interleaved rounds per stage (each stage's own best: the rows need not add up to the
total, which is the best round's).
``--cprofile N`` also prints the N functions with the most own time under cProfile (slower).

    .venv/bin/python bench/profile_enrichment.py [--articles 400] [--rounds 3] [--cprofile 25]

``NEWSFLOW_ENRICH_TUNED_NER=true`` (and every other ``NEWSFLOW_ENRICH_*``) applies as in the worker.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shlex
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "shared"))

import common  # noqa: E402
from bench_enrichment import warm_up  # noqa: E402
from spacy.language import Language  # noqa: E402

from newsflow.enrich import pipeline  # noqa: E402
from newsflow.enrich.nlp import load_nlp  # noqa: E402
from newsflow.enrich.settings import EnrichmentSettings  # noqa: E402
from newsflow.models import RawArticle  # noqa: E402

#: Stage name -> the name in newsflow.enrich.pipeline's namespace that is timed.
STAGES = {
    "language detection (py3langid)": "detect_language",
    "entity post-processing (rules, gazetteers)": "extract_entities",
    "keywords": "extract_keywords",
    "fingerprint (simhash)": "simhash",
    "word count": "word_count",
    "Enrichment model (pydantic)": "Enrichment",
}
#: The name in newsflow.enrich.pipeline's namespace that loads the other languages' pipelines: patched so
#: that their ``pipe`` is timed too (by name, as STAGES: the pipeline module does not export it).
OTHER_NLP = "cached_nlp"
NER = "spaCy NER (nlp.pipe), English model"
NER_OTHER = "spaCy NER, other languages' pipelines (French)"
TOPICS = "topics (topics_iptc)"
OTHER = "other (loop, models, checks)"

spent: dict[str, float] = defaultdict(float)


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - started

    return wrapper


def timed_iter(name: str, it: Iterator[Any]) -> Iterator[Any]:
    while True:
        started = time.process_time()
        try:
            item = next(it)
        except StopIteration:
            spent[name] += time.process_time() - started
            return
        spent[name] += time.process_time() - started
        yield item


def timed_pipe(nlp: Any, stage: str) -> Any:
    """``nlp`` with its ``pipe`` timed as ``stage`` (once per pipeline)."""
    if not getattr(nlp, "_profiled", False):
        plain_pipe = nlp.pipe
        nlp.pipe = lambda *a, **k: timed_iter(stage, plain_pipe(*a, **k))
        nlp._profiled = True
    return nlp


def instrument(enricher: pipeline.Enricher) -> None:
    """Put the stopwatches around every stage (module-level names and the enricher's objects)."""
    for stage, attr in STAGES.items():
        setattr(pipeline, attr, timed(stage, getattr(pipeline, attr)))
    timed_pipe(enricher.nlp, NER)
    plain_cached_nlp: Callable[[str], Language] = getattr(pipeline, OTHER_NLP)
    setattr(pipeline, OTHER_NLP, lambda name: timed_pipe(plain_cached_nlp(name), NER_OTHER))
    if enricher.topics is not None:
        topics = enricher.topics
        topics.classify_batch = timed(TOPICS, topics.classify_batch)  # type: ignore[method-assign]


def run_function(enricher: pipeline.Enricher, articles: list[RawArticle], size: int) -> dict[str, float]:
    spent.clear()
    started = time.process_time()
    for i in range(0, len(articles), size):
        enricher.enrich_batch(articles[i : i + size])
    total = time.process_time() - started
    stages = dict(spent)
    stages[OTHER] = total - sum(stages.values())
    stages["total"] = total
    return stages


def run_ceiling(articles: list[RawArticle], settings: EnrichmentSettings, nlp: Any) -> float:
    texts = [t for a in articles for t in (a.title, a.body)]
    started = time.process_time()
    for _ in nlp.pipe(texts, batch_size=settings.nlp_batch_size):
        pass
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    settings = EnrichmentSettings()
    articles = [a.raw for a in common.corpus(args.articles, "profile")]
    print(f"command: {' '.join(shlex.quote(a) for a in [sys.executable, *sys.argv])}")
    print(
        f"machine: {os.cpu_count()} CPUs, load {common.load():.2f}; corpus: {len(articles)} bench articles; "
        f"tuned_ner={settings.tuned_ner}"
    )
    ceiling_nlp = load_nlp(settings.spacy_model)
    enricher = pipeline.Enricher.load(settings)
    instrument(enricher)
    enricher.enrich_batch(warm_up(articles))  # lazy loads: gazetteers, given names, French
    list(ceiling_nlp.pipe([a.body for a in articles[:10]]))
    best: dict[str, float] = {}
    ceilings = []
    for _ in range(max(args.rounds, 1)):
        ceilings.append(run_ceiling(articles, settings, ceiling_nlp))
        rounds = run_function(enricher, articles, settings.batch_size)
        for stage, seconds in rounds.items():
            best[stage] = min(best.get(stage, seconds), seconds)
    print(f"models: {enricher.models}; load at the end {common.load():.2f}")
    n = len(articles)
    total = best.pop("total")
    print("| stage | CPU ms/article (best of rounds) | share |")
    print("|---|---|---|")
    for stage in [NER, NER_OTHER, *STAGES, TOPICS, OTHER]:
        ms = 1000 * best.get(stage, 0.0) / n
        print(f"| {stage} | {ms:.2f} | {100 * best.get(stage, 0.0) / total:.0f} % |")
    ceiling_ms = 1000 * min(ceilings) / n
    print(f"| **function, total** (best round) | **{1000 * total / n:.2f}** | |")
    print(f"| ceiling: raw nlp.pipe, NER only | {ceiling_ms:.2f} | |")
    print(f"ceiling / function by CPU time: {ceiling_ms / (1000 * total / n):.2f}")
    if args.cprofile:
        profile = cProfile.Profile()
        profile.enable()
        for i in range(0, n, settings.batch_size):
            enricher.enrich_batch(articles[i : i + settings.batch_size])
        profile.disable()
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(args.cprofile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
