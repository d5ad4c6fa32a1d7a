"""Compare two independent entity annotations of the evaluation set; list where they disagree.

Two entities of an article match when they share a name (canonical or alias, compared as the scorer
compares them: ``newsflow.enrich.evaluation.normalise_name``). Prints the agreement (entity-level F
of one annotation against the other, untyped and typed, and per type) and, with ``--disagreements
FILE``, writes one JSON line per disagreement for an adjudicator: an entity only one annotation has,
a type or must-have tag they differ on.

    .venv/bin/python evaluation/tools/compare_entity_gold.py FIRST.jsonl SECOND.jsonl [--disagreements OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from newsflow.enrich.evaluation import normalise_name

Entity = dict[str, Any]


def names(entity: Entity) -> set[str]:
    return {normalise_name(n) for n in [entity["canonical"], *entity.get("aliases", [])]}


def pair_up(first: list[Entity], second: list[Entity]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Greedy one-to-one matching on shared names (same type first, then any type)."""
    pairs: list[tuple[int, int]] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for same_type in (True, False):
        for i, a in enumerate(first):
            if i in used_a:
                continue
            for j, b in enumerate(second):
                if j in used_b or (same_type and a["type"] != b["type"]):
                    continue
                if names(a) & names(b):
                    pairs.append((i, j))
                    used_a.add(i)
                    used_b.add(j)
                    break
    return (
        pairs,
        [i for i in range(len(first)) if i not in used_a],
        [j for j in range(len(second)) if j not in used_b],
    )


def load(path: Path) -> dict[str, list[Entity]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["id"]: row["entities"] for row in rows}


def f1(matched: int, total_a: int, total_b: int) -> float:
    return 2 * matched / (total_a + total_b) if total_a + total_b else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--disagreements", type=Path)
    parser.add_argument("--ids", help="only articles whose id starts with this")
    args = parser.parse_args(argv)
    first, second = load(args.first), load(args.second)
    ids = [i for i in first if i in second and (not args.ids or i.startswith(args.ids))]
    untyped = typed = must_agree = must_pairs = 0
    total_a = total_b = 0
    per_type_a: Counter[str] = Counter()
    per_type_b: Counter[str] = Counter()
    per_type_match: Counter[str] = Counter()
    out: list[dict[str, Any]] = []
    for article_id in ids:
        a_list, b_list = first[article_id], second[article_id]
        total_a += len(a_list)
        total_b += len(b_list)
        per_type_a.update(e["type"] for e in a_list)
        per_type_b.update(e["type"] for e in b_list)
        pairs, only_a, only_b = pair_up(a_list, b_list)
        untyped += len(pairs)
        for i, j in pairs:
            a, b = a_list[i], b_list[j]
            if a["type"] == b["type"]:
                typed += 1
                per_type_match[a["type"]] += 1
            else:
                out.append({"id": article_id, "kind": "type", "first": a, "second": b})
            must_pairs += 1
            if a["must_have"] == b["must_have"]:
                must_agree += 1
            elif a["type"] == b["type"]:
                out.append({"id": article_id, "kind": "must_have", "first": a, "second": b})
        out += [{"id": article_id, "kind": "only_first", "first": a_list[i]} for i in only_a]
        out += [{"id": article_id, "kind": "only_second", "second": b_list[j]} for j in only_b]
    print(f"{len(ids)} articles; first {total_a} entities, second {total_b}")
    print(f"agreement F untyped {f1(untyped, total_a, total_b):.3f}, typed {f1(typed, total_a, total_b):.3f}")
    for t in sorted(per_type_a | per_type_b):
        print(
            f"  {t:<13} first {per_type_a[t]:>4} second {per_type_b[t]:>4} "
            f"F {f1(per_type_match[t], per_type_a[t], per_type_b[t]):.3f}"
        )
    print(f"must-have agreement on matched entities: {must_agree}/{must_pairs}")
    kinds = Counter(d["kind"] for d in out)
    print("disagreements:", dict(kinds))
    if args.disagreements:
        with args.disagreements.open("w", encoding="utf-8") as f:
            for n, d in enumerate(out):
                f.write(json.dumps({"item": n, **d}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
