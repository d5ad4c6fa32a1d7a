"""Entity rules by ablation on the real evaluation set (issue 12): each rule of ``EntityRules`` off.

The articles with entity gold (83) are split by their line in ``evaluation/entities.jsonl``: even
lines (0, 2, 4, ...) are the **dev** half, odd lines the **held-out** half. The first four rules were
chosen on the dev half of the first 63 lines (the set at the time), the later ones (split_names,
context_cues, late_merge) on the dev half of all 83; the held-out half is only reported
(docs/enrichment.md). For every configuration (the shipped rules, each rule switched in turn, none) it prints
the F of organisations, places, people and overall on both halves, and the must-have share.
spaCy runs once; only the post-processing is repeated.

Usage: .venv/bin/python bench/eval_entities_ablation.py [--eval-dir DIR] [--errors dev|held-out] [--gold FILE]
(``--errors`` prints each missed, spurious and mistyped name of that half under the shipped rules;
``--gold entities_fresh.jsonl`` splits and scores the fresh check set of session 13 instead.)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from newsflow.enrich.editorial import read_text
from newsflow.enrich.entities import ALL_RULES, EntityRules, extract_entities
from newsflow.enrich.entity_typer import english_typer
from newsflow.enrich.evaluation import (
    ENTITY_TYPES,
    EVAL_SOURCE,
    GoldEntity,
    PredictedEntity,
    load_articles,
    load_entity_gold,
    normalise_name,
    score_entities,
)
from newsflow.enrich.ner_weights import english_nlp
from newsflow.enrich.nlp import model_version
from newsflow.enrich.settings import EnrichmentSettings

ROOT = Path(__file__).resolve().parents[1]


def configurations() -> list[tuple[str, EntityRules]]:
    """The shipped rules, each rule switched in turn (off if shipped on, on if shipped off), no rule."""
    names = [f.name for f in dataclasses.fields(EntityRules)]
    configs = [("shipped rules", ALL_RULES)]
    for n in names:
        shipped = getattr(ALL_RULES, n)
        label = f"without {n}" if shipped else f"with {n} (off)"
        configs.append((label, dataclasses.replace(ALL_RULES, **{n: not shipped})))
    configs.append(("no new rule", EntityRules(**dict.fromkeys(names, False))))
    return configs


def fmt(value: float | None) -> str:
    return "  –  " if value is None else f"{value:.3f}"


def summary(gold: Mapping[str, Sequence[GoldEntity]], found: Mapping[str, list[PredictedEntity]]) -> str:
    report = score_entities(gold, found)
    cells = [fmt(report.per_type[t].f1) for t in ("organization", "place", "person")]
    cells.append(fmt(report.overall.f1))
    share = report.must_have_found / report.must_have if report.must_have else None
    return "  ".join(cells) + f"  {fmt(share)}"


def print_errors(
    gold: Mapping[str, Sequence[GoldEntity]], found: Mapping[str, list[PredictedEntity]]
) -> None:
    for article_id, entities in gold.items():
        print(f"== {article_id}")
        by_name: dict[str, list[GoldEntity]] = {}
        for entity in entities:
            for name in entity.names():
                by_name.setdefault(name, []).append(entity)
        matched: set[int] = set()
        for p in found.get(article_id, []):
            if p.type not in ENTITY_TYPES:
                continue
            candidates = by_name.get(normalise_name(p.name), [])
            right = [e for e in candidates if e.type == p.type]
            if right:
                matched.add(id(right[0]))
            elif candidates:
                print(f"  TYPE {p.name!r} tagged {p.type}, gold {candidates[0].type}")
            else:
                print(f"  FP   {p.name!r} {p.type}")
        for entity in entities:
            if id(entity) not in matched:
                print(f"  FN   {entity.canonical!r} {entity.type} aliases={list(entity.aliases)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--eval-dir", type=Path, default=ROOT / "evaluation")
    parser.add_argument("--errors", choices=("dev", "held-out"))
    parser.add_argument(
        "--gold",
        default="entities.jsonl",
        help="entity gold file of --eval-dir to split and score (entities_fresh.jsonl: the fresh check set)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    articles = {a.id: a for a in load_articles(args.eval_dir / "articles.jsonl")}
    gold = load_entity_gold(args.eval_dir / args.gold)
    ids = list(gold)
    halves = {"dev": ids[0::2], "held-out": ids[1::2]}
    settings = EnrichmentSettings()
    nlp = english_nlp(settings)
    typer = english_typer(
        settings.entity_typer, model_version(nlp), settings.entity_typer_path, settings.entity_typer_sha256
    )
    # the texts as the enrichment reads them (pipeline.read_article)
    docs = {i: (nlp(read_text(articles[i].title).text), nlp(read_text(articles[i].body).text)) for i in ids}

    def run(rules: EntityRules) -> dict[str, list[PredictedEntity]]:
        return {
            i: [
                PredictedEntity(e.name, e.type)
                for e in extract_entities(
                    docs[i][0].text, docs[i][1].text, *docs[i], rules, outlet=EVAL_SOURCE, typer=typer
                )
            ]
            for i in ids
        }

    if args.errors:
        found = run(ALL_RULES)
        print_errors({i: gold[i] for i in halves[args.errors]}, found)
        return 0
    header = "org F  place F person F overall must-have"
    print(
        f"{len(halves['dev'])} dev articles (even lines), {len(halves['held-out'])} held-out (odd lines); "
        f"model {model_version(nlp)}"
    )
    print(f"\n  {'configuration':<28}  dev: {header}   |  held-out: {header}")
    for name, rules in configurations():
        found = run(rules)
        dev = summary({i: gold[i] for i in halves["dev"]}, found)
        held = summary({i: gold[i] for i in halves["held-out"]}, found)
        print(f"  {name:<28}       {dev}   |            {held}")
    print(
        f"\n{time.perf_counter() - started:.1f} s; command: .venv/bin/python bench/eval_entities_ablation.py"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
