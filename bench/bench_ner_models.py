"""What a bigger English NER model costs (issue 12): CPU per article and memory per replica.

For each model: (a) raw spaCy ``nlp.pipe`` with only NER (the ceiling of that model) and (b) the
enrichment function (``Enricher.enrich_batch``, topics off as in bench_enrichment's (a)/(b)) on the
same generated articles as ``bench/bench_enrichment.py``, all models in one process, rounds
interleaved so background load hits them alike, best round kept, **by CPU time** (wall time on a
shared machine is noise). Then, for each model, a fresh process that loads the enrichment as a
replica does (topics on, French loaded on its first article) and enriches the 250 seed articles:
its peak RSS.

A model named ``<name>+tuned`` is that model with the tuned NER weights (``NEWSFLOW_ENRICH_TUNED_NER``,
newsflow/enrich/ner_weights.py) in both (a) and (b); a plain name runs the published model.

Usage: .venv/bin/python bench/bench_ner_models.py
       [--models en_core_web_sm en_core_web_md en_core_web_md+tuned] [--articles 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict, Unpack

from spacy.language import Language

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))
sys.path.insert(0, str(ROOT))

from bench_enrichment import corpus, peak_rss_mb  # noqa: E402
from common import seed_raw_articles  # noqa: E402

from newsflow.enrich.ner_weights import english_nlp  # noqa: E402
from newsflow.enrich.nlp import load_nlp, model_version  # noqa: E402
from newsflow.enrich.pipeline import Enricher  # noqa: E402
from newsflow.enrich.settings import EnrichmentSettings  # noqa: E402


class SettingsExtra(TypedDict, total=False):
    """The settings a measurement sets besides the model (the others as in the worker)."""

    other_models: dict[str, str]


def model_settings(model: str, **extra: Unpack[SettingsExtra]) -> EnrichmentSettings:
    """Settings of ``model`` (``<name>+tuned``: with the tuned NER weights)."""
    name, tuned = model.removesuffix("+tuned"), model.endswith("+tuned")
    return EnrichmentSettings(spacy_model=name, tuned_ner=tuned, **extra)


def replica_rss(model: str) -> None:
    """Enrich the 250 seed articles as one replica would (topics on, the French pipeline loaded on
    the first French article); print its peak RSS (MB) as JSON."""
    settings = model_settings(model)
    enricher = Enricher.load(settings)
    articles = seed_raw_articles()
    for i in range(0, len(articles), settings.batch_size):
        enricher.enrich_batch(articles[i : i + settings.batch_size])
    result = {"model": enricher.models["ner"], "articles": len(articles), "peak_rss_mb": peak_rss_mb()}
    print(json.dumps(result))


def cpu_ms(run: Callable[[], object], count: int) -> float:
    started = time.process_time()
    run()
    return 1000 * (time.process_time() - started) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--models", nargs="+", default=["en_core_web_sm", "en_core_web_md", "en_core_web_md+tuned"]
    )
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rss", help=argparse.SUPPRESS)  # internal: one replica's memory
    args = parser.parse_args()
    if args.rss:
        replica_rss(args.rss)
        return 0
    articles = corpus(args.articles)
    texts = [t for a in articles for t in (a.title, a.body)]
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; {len(articles)} articles")
    loaded = {}
    for model in args.models:
        settings = model_settings(model, other_models={})
        nlp = english_nlp(settings) if settings.tuned_ner else load_nlp(model)
        enricher = Enricher.load(settings, with_topics=False)
        list(nlp.pipe(texts[:20]))
        enricher.enrich_batch(articles[:10])
        loaded[model] = (nlp, enricher, settings)
    best: dict[str, tuple[float, float]] = {}
    for _ in range(args.rounds):
        for model, (nlp, enricher, settings) in loaded.items():

            def ner(nlp: Language = nlp, size: int = settings.nlp_batch_size) -> None:
                for _ in nlp.pipe(texts, batch_size=size):
                    pass

            def function(enricher: Enricher = enricher, size: int = settings.batch_size) -> None:
                for i in range(0, len(articles), size):
                    enricher.enrich_batch(articles[i : i + size])

            a, b = cpu_ms(ner, len(articles)), cpu_ms(function, len(articles))
            old = best.get(model, (a, b))
            best[model] = (min(old[0], a), min(old[1], b))
    base = best[args.models[0]][0]
    print(f"\n  {'model':<32}{'NER ms/art':>11}{'× first':>9}{'function ms/art':>17}{'ceiling/function':>18}")
    for model, (a, b) in best.items():
        name = model_version(loaded[model][0])
        print(f"  {name:<32}{a:>11.1f}{a / base:>9.2f}{b:>17.1f}{a / b:>18.2f}")
    print("\n  peak RSS of one replica (topics on, the 250 seed articles, French pipeline loaded too):")
    for model in args.models:
        out = subprocess.run(
            [sys.executable, __file__, "--rss", model], capture_output=True, text=True, check=True
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        print(f"  {result['model']:<32}{result['peak_rss_mb']:>8.0f} MB ({result['articles']} articles)")
    print(f"\nload at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
