"""How the topic output prior was chosen, and where the "confident topic" threshold should sit.

1. **Output prior strength** (``alpha`` of shared/newsflow/data/iptc_topics_prior.json): top-1,
   macro recall and politics filter precision for alpha in 0 … 1.25, on the **dev** half of the
   evaluation set (even lines of evaluation/topics.jsonl), the **held-out** half (odd lines) and all
   of it. alpha was chosen on the dev half (135 articles) among 0.25 … 1.0 and no prior; the
   held-out half was only reported (docs/topics.md, "Output prior").
2. **Threshold sweep** with the shipped classifier (prior included): for a threshold t, every
   (article, topic) pair with score >= t is what a filter "topic = T" returns; the table gives how many
   pairs, their precision (T acceptable for the article), the articles left with no topic >= t, and
   the worst filter precision among topics with support >= 15. The index's threshold is chosen from it.

Usage: .venv/bin/python bench/eval_topic_calibration.py [--eval-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from newsflow.enrich.evaluation import TopicGold, load_articles, load_topic_gold, score_topics
from newsflow.enrich.topics_iptc import PRIOR_FILE, TopicClassifier

ROOT = Path(__file__).resolve().parents[1]
ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25)
THRESHOLDS = (0.0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7)
FILTER_SUPPORT = 15


def top1_figures(
    probs: npt.NDArray[np.float64], ids: Sequence[str], codes: Sequence[str], gold: dict[str, TopicGold]
) -> str:
    predicted = {i: [codes[int(np.argmax(row))]] for i, row in zip(ids, probs, strict=True)}
    report = score_topics({i: gold[i] for i in ids}, predicted)
    politics = report.per_topic.get("medtop:11000000")
    precision = politics.precision if politics else None
    shown = "  –  " if precision is None else f"{precision:.3f}"
    return f"{report.top1_acceptable / report.n:.3f}  {report.macro_recall:.3f}  {shown}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--eval-dir", type=Path, default=ROOT / "evaluation")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    articles = {a.id: a for a in load_articles(args.eval_dir / "articles.jsonl")}
    gold = load_topic_gold(args.eval_dir / "topics.jsonl")
    ids = list(gold)
    halves = {"dev": ids[0::2], "held-out": ids[1::2], "all": ids}
    raw = TopicClassifier.load(with_prior=False)
    codes = [t.code for t in raw.topics]
    prior = json.loads(resources.files("newsflow").joinpath("data", PRIOR_FILE).read_text("utf-8"))
    mean = np.asarray([prior["mean_scores"][c] for c in codes])
    scores = {i: raw.scores(articles[i].title, articles[i].body).astype(np.float64) for i in ids}

    print(f"1. output prior strength (shipped: alpha = {prior['alpha']}, from {prior['texts']} texts)")
    print(
        f"  {'alpha':>5}   dev: top-1  macroR polP   | held-out: top-1 macroR polP | all: top-1 macroR polP"
    )
    for alpha in ALPHAS:
        cells = []
        for half in ("dev", "held-out", "all"):
            probs = np.array([scores[i] / mean**alpha for i in halves[half]])
            probs /= probs.sum(axis=1, keepdims=True)
            cells.append(top1_figures(probs, halves[half], codes, gold))
        print(f"  {alpha:5.2f}        {cells[0]}   |           {cells[1]} |      {cells[2]}")

    shipped = TopicClassifier.load()
    ranked = {i: shipped.classify(articles[i].title, articles[i].body, top_k=3) for i in ids}
    support = {c: sum(g.primary == c for g in gold.values()) for c in codes}
    print(f"\n2. threshold sweep, shipped classifier {shipped.version} (all {len(ids)} articles)")
    print(f"  {'t':>5}  pairs  precision  articles without topic  worst filter precision (support >= 15)")
    for t in THRESHOLDS:
        pairs = [(i, topic.code) for i, topics in ranked.items() for topic in topics if topic.score >= t]
        right = sum(gold[i].acceptable(code) for i, code in pairs)
        without = sum(1 for topics in ranked.values() if topics[0].score < t)
        worst = []
        for code in codes:
            if support[code] >= FILTER_SUPPORT:
                hits = [gold[i].acceptable(c) for i, c in pairs if c == code]
                if hits:
                    worst.append(sum(hits) / len(hits))
        precision = right / len(pairs) if pairs else 0.0
        print(f"  {t:5.2f}  {len(pairs):5d}  {precision:9.3f}  {without:22d}  {min(worst, default=0.0):.3f}")
    print(
        f"\n{time.perf_counter() - started:.1f} s; command: .venv/bin/python bench/eval_topic_calibration.py"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
