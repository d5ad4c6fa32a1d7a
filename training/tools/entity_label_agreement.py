"""Entity-level agreement between the entity labels and their independent second pass.

    python training/tools/entity_label_agreement.py

An entity of one pass matches one of the other (same article, each used once) when they share a form
(case-folded); typed, when their types are also equal — ``coarse`` counts gpe/loc/fac as one place.
Prints precision, recall and F of the second pass against the first (F is symmetric).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
COARSE = {"gpe": "place", "loc": "place", "fac": "place", "person": "person", "org": "org"}


def _load(path: Path) -> dict[str, list[dict[str, Any]]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return {row["ref"]: row["entities"] for row in map(json.loads, lines)}


def _matches(first: list[dict[str, Any]], second: list[dict[str, Any]], mode: str) -> int:
    used: set[int] = set()
    hits = 0
    for entity in first:
        forms = {f.casefold() for f in entity["forms"]}
        for j, other in enumerate(second):
            if j in used or not forms & {f.casefold() for f in other["forms"]}:
                continue
            if mode == "fine" and entity["type"] != other["type"]:
                continue
            if mode == "coarse" and COARSE[entity["type"]] != COARSE[other["type"]]:
                continue
            used.add(j)
            hits += 1
            break
    return hits


def main() -> int:
    first = _load(HERE / "wikinews_entity_labels.jsonl.gz")
    second = _load(HERE / "wikinews_entity_labels_second_pass.jsonl.gz")
    print(f"{len(second)} articles labelled twice")
    for mode in ("untyped", "coarse", "fine"):
        hits = n_first = n_second = 0
        for ref, entities in second.items():
            hits += _matches(first[ref], entities, mode)
            n_first += len(first[ref])
            n_second += len(entities)
        precision, recall = hits / n_second, hits / n_first
        f1 = 2 * precision * recall / (precision + recall)
        print(
            f"{mode:8s} first {n_first} second {n_second} matched {hits}: "
            f"P {precision:.3f} R {recall:.3f} F {f1:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
