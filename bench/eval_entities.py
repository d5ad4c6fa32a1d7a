"""Entity quality of the enrichment on the seed corpus (a script, not a test).

The corpus generator (shared/newsflow/local/corpus.py) knows every person, organisation and place it
writes, so the English articles of seeds/corpus.jsonl come with a silver standard: a person is a
"First Surname" of the generator's English name lists found in the text, an organisation one of its
full organisation names, a place one of its cities or countries. The script enriches the latest
revision of every English article with the real pipeline and prints, per type, recall (gold entities
found with the right type; and with any type) and precision (predicted entities of that type that are
gold entities of that type) — micro-averaged over articles. Precision is exact for people (the
corpus mentions no other people) and a lower bound for places and organisations (a true entity the
generator did not plant, like "the Thames", counts as wrong).

    .venv/bin/python bench/eval_entities.py [--corpus seeds/corpus.jsonl]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

from newsflow.enrich.pipeline import Enricher, EnrichmentFailure
from newsflow.models import RawArticle

ROOT = Path(__file__).resolve().parents[1]
TYPES = ("person", "organization", "place")


def load_generator() -> ModuleType:
    """The corpus generator module, for its name lists."""
    from newsflow.local import corpus

    return corpus


def gold_names(gen: ModuleType) -> dict[str, set[str]]:
    """Every English person, organisation and place name the generator can write."""
    male, female = gen.FIRST_NAMES["en"]
    people = {f"{first} {last}" for first in (*male, *female) for last in gen.SURNAMES["en"]}
    orgs = {
        full
        for key, entries in gen.ORGS.items()
        if not re.match(r"^(de|fr|es|it|nl)_", key)
        for full, _short in entries
    }
    places = {name.removeprefix("the ") for pair in gen.CITIES["en"] for name in pair}
    return {"person": people, "organization": orgs, "place": places}


def planted(text: str, names: dict[str, set[str]]) -> dict[str, set[str]]:
    """The gold names of each type that occur in ``text``."""
    return {kind: {n for n in pool if n in text} for kind, pool in names.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT / "seeds" / "corpus.jsonl")
    args = parser.parse_args(argv)

    latest: dict[str, dict[str, object]] = {}
    for line in args.corpus.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["language"] == "en":
            latest[str(record["id"])] = record
    articles = [RawArticle.model_validate(r) for r in latest.values()]
    names = gold_names(load_generator())

    enricher = Enricher.load(with_topics=False)
    started = time.perf_counter()
    results = enricher.enrich_batch(articles)
    elapsed = time.perf_counter() - started

    found: Counter[str] = Counter()
    found_any: Counter[str] = Counter()
    gold_total: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for article, result in zip(articles, results, strict=True):
        if isinstance(result, EnrichmentFailure):
            continue
        gold = planted(f"{article.title}\n{article.body}", names)
        by_name = {e.name: e.type for e in result.entities}
        for kind in TYPES:
            gold_total[kind] += len(gold[kind])
            found[kind] += sum(1 for n in gold[kind] if by_name.get(n) == kind)
            found_any[kind] += sum(1 for n in gold[kind] if n in by_name)
            mine = {n for n, t in by_name.items() if t == kind}
            predicted[kind] += len(mine)
            correct[kind] += len(mine & gold[kind])

    print(f"entity quality on {len(articles)} English corpus articles ({elapsed:.1f} s enrichment)")
    print(f"{'type':<14}{'gold':>6}{'recall':>9}{'recall(any type)':>18}{'predicted':>11}{'precision':>11}")
    for kind in TYPES:
        recall = found[kind] / gold_total[kind] if gold_total[kind] else float("nan")
        recall_any = found_any[kind] / gold_total[kind] if gold_total[kind] else float("nan")
        precision = correct[kind] / predicted[kind] if predicted[kind] else float("nan")
        print(
            f"{kind:<14}{gold_total[kind]:>6}{recall:>9.3f}{recall_any:>18.3f}"
            f"{predicted[kind]:>11}{precision:>11.3f}"
        )
    print("command: .venv/bin/python bench/eval_entities.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
