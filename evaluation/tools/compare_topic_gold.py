"""Compare two independent topic annotations of the evaluation set; list where their primaries differ.

Both files hold one line per article: ``{"id", "primary", "accepted"}`` (top-level IPTC Media Topic
codes). Prints the articles compared; the primary agreement (share and Cohen's kappa over the 17
topics); the "compatible" agreement (one annotation's primary is the other's primary or among its
accepted codes, each way and both ways); the mean overlap (Jaccard) of the two acceptable sets;
per topic, how often each annotation files an article under it and how far they agree on it
(2·both / (first + second)); the most frequent disagreeing pairs; and the articles whose primaries
differ (id, title, first, second).

    .venv/bin/python evaluation/tools/compare_topic_gold.py \
        evaluation/topics.jsonl evaluation/topics_second.jsonl [--articles evaluation/articles.jsonl]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from newsflow.enrich.evaluation import TopicGold, load_articles, load_topic_gold
from newsflow.enrich.topics_iptc import load_taxonomy


@dataclass
class Agreement:
    """Counts of one annotation against the other, over the articles both labelled."""

    n: int = 0
    same_primary: int = 0
    second_ok_for_first: int = 0  # second's primary is the first's primary or among its accepted
    first_ok_for_second: int = 0  # ... and the reverse
    both_ok: int = 0
    overlap_sum: float = 0.0  # sum over articles of |A ∩ B| / |A ∪ B| of the acceptable sets
    first_primaries: Counter[str] = field(default_factory=Counter)
    second_primaries: Counter[str] = field(default_factory=Counter)
    both_primaries: Counter[str] = field(default_factory=Counter)  # per topic: both filed it there
    differing: list[tuple[str, str, str]] = field(default_factory=list)  # (id, first, second)

    @property
    def kappa(self) -> float:
        """Cohen's kappa of the primaries: observed agreement corrected for chance."""
        if not self.n:
            return 1.0
        observed = self.same_primary / self.n
        first, second = self.first_primaries, self.second_primaries
        chance = sum(first[t] * second[t] for t in first) / self.n**2
        return 1.0 if chance == 1 else (observed - chance) / (1 - chance)

    def topic_agreement(self, topic: str) -> float | None:
        """Specific agreement on one topic: 2·both / (first + second); None if neither used it."""
        total = self.first_primaries[topic] + self.second_primaries[topic]
        return 2 * self.both_primaries[topic] / total if total else None


def compare(first: Mapping[str, TopicGold], second: Mapping[str, TopicGold]) -> Agreement:
    """Count the agreement on the articles present in both, in the order of ``first``."""
    agreement = Agreement()
    for article_id, a in first.items():
        b = second.get(article_id)
        if b is None:
            continue
        agreement.n += 1
        agreement.first_primaries[a.primary] += 1
        agreement.second_primaries[b.primary] += 1
        if a.primary == b.primary:
            agreement.same_primary += 1
            agreement.both_primaries[a.primary] += 1
        else:
            agreement.differing.append((article_id, a.primary, b.primary))
        forward, backward = a.acceptable(b.primary), b.acceptable(a.primary)
        agreement.second_ok_for_first += forward
        agreement.first_ok_for_second += backward
        agreement.both_ok += forward and backward
        set_a, set_b = {a.primary, *a.accepted}, {b.primary, *b.accepted}
        agreement.overlap_sum += len(set_a & set_b) / len(set_a | set_b)
    return agreement


def share(count: int, n: int) -> str:
    return f"{count}/{n} = {count / n:.3f}" if n else "0/0"


def report(agreement: Agreement, labels: Mapping[str, str], titles: Mapping[str, str]) -> None:
    n = agreement.n
    print(f"articles compared: {n}")
    print(f"primary agreement: {share(agreement.same_primary, n)}, Cohen's kappa {agreement.kappa:.3f}")
    print("compatible agreement:")
    print(f"  second's primary acceptable to the first : {share(agreement.second_ok_for_first, n)}")
    print(f"  first's primary acceptable to the second : {share(agreement.first_ok_for_second, n)}")
    print(f"  both                                     : {share(agreement.both_ok, n)}")
    overlap = agreement.overlap_sum / n if n else 1.0
    print(f"mean overlap of the acceptable sets (primary + accepted, Jaccard): {overlap:.3f}")
    print(f"per topic (primary)  {'first':>5} {'second':>6} {'both':>4}  agreement")
    for code, label in labels.items():
        value = agreement.topic_agreement(code)
        shown = f"{value:.3f}" if value is not None else "-"
        counts = f"{agreement.first_primaries[code]:>5} {agreement.second_primaries[code]:>6}"
        print(f"  {label[:19]:<19} {counts} {agreement.both_primaries[code]:>4}  {shown}")
    pairs = Counter((a, b) for _, a, b in agreement.differing)
    print("most frequent disagreements (first -> second):")
    for (a, b), count in pairs.most_common(10):
        print(f"  {count:>3}  {labels.get(a, a)} -> {labels.get(b, b)}")
    print(f"articles whose primaries differ ({len(agreement.differing)}):")
    for article_id, a, b in agreement.differing:
        print(f"  {article_id}\t{titles.get(article_id, '')}\t{labels.get(a, a)}\t{labels.get(b, b)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--articles", type=Path, default=Path("evaluation/articles.jsonl"))
    args = parser.parse_args(argv)
    labels = {t.code: t.label for t in load_taxonomy()}
    titles = {a.id: a.title for a in load_articles(args.articles)} if args.articles.exists() else {}
    report(compare(load_topic_gold(args.first), load_topic_gold(args.second)), labels, titles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
