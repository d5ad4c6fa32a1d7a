"""Build the adjudicated entity gold from two independent annotations and the adjudicator's decisions.

Entities both annotations list with the same type and must-have tag are kept as they agree (their
names merged); every disagreement that ``compare_entity_gold.py`` listed is settled by its decision
(kept with the adjudicator's type, names and must-have tag, or left out). One consistency rule is
applied after the decisions: the article's own outlet, Wikinews, is never a must-have tag (it
publishes or conducts the interview; it is not what the story is about — the adjudicators had
decided this both ways). Last come the corrections of ``corrections.jsonl`` (session 8): a check
that no two entities of an article share a name found one entity listed twice, two lines for one
country, two places that each carried the other's name, and an award given as a player's alias.

    .venv/bin/python evaluation/tools/merge_entity_gold.py evaluation/entities_first.jsonl \\
        evaluation/entities_second.jsonl evaluation/adjudication.jsonl \\
        evaluation/corrections.jsonl > evaluation/entities.jsonl

``adjudication.jsonl`` holds one line per disagreement: the disagreement as listed (``item``, ``id``,
``kind``, ``first``/``second``) and the decision (``include``, ``type``, ``canonical``, ``forms``,
``must_have``, ``reason``). ``corrections.jsonl`` holds one line per correction (``item``, ``id``,
``op``, ``reason``): ``merge`` folds the entity ``drop`` into ``keep`` (names joined, must-have if
either was; for one name listed twice, the second line into the first), ``drop_alias`` takes
``alias`` from the names of ``canonical``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from compare_entity_gold import Entity, load, pair_up

from newsflow.enrich.evaluation import normalise_name

OWN_OUTLET = "wikinews"


def merged(canonical: str, names: list[str], entity_type: str, must_have: bool) -> Entity:
    aliases: list[str] = []
    seen = {normalise_name(canonical)}
    for name in names:
        key = normalise_name(name)
        if key and key not in seen:
            seen.add(key)
            aliases.append(name)
    return {
        "type": entity_type,
        "canonical": canonical,
        "aliases": aliases,
        "must_have": must_have and normalise_name(canonical) != OWN_OUTLET,
    }


def all_names(*entities: Entity) -> list[str]:
    return [n for e in entities for n in [e["canonical"], *e.get("aliases", [])]]


def corrected(article_id: str, entities: list[Entity], corrections: list[dict[str, Any]]) -> list[Entity]:
    """``entities`` of one article after the corrections listed for it, in their order."""
    out = list(entities)
    for c in corrections:
        if c["id"] != article_id:
            continue
        if c["op"] == "merge":
            keep = next(i for i, e in enumerate(out) if e["canonical"] == c["keep"])
            drop = next(i for i, e in enumerate(out) if e["canonical"] == c["drop"] and i != keep)
            a, b = out[keep], out[drop]
            out[keep] = merged(a["canonical"], all_names(a, b), a["type"], a["must_have"] or b["must_have"])
            del out[drop]
        elif c["op"] == "drop_alias":
            i = next(i for i, e in enumerate(out) if e["canonical"] == c["canonical"])
            gone = normalise_name(c["alias"])
            aliases = [a for a in out[i]["aliases"] if normalise_name(a) != gone]
            if len(aliases) == len(out[i]["aliases"]):
                raise SystemExit(f"correction {c['item']}: {c['canonical']!r} has no alias {c['alias']!r}")
            out[i] = {**out[i], "aliases": aliases}
        else:
            raise SystemExit(f"correction {c['item']}: unknown op {c['op']!r}")
    return out


def main(argv: list[str]) -> int:
    first, second = load(Path(argv[0])), load(Path(argv[1]))
    decisions: dict[tuple[str, str, str], dict[str, Any]] = {}
    for line in Path(argv[2]).read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        key_entity = d.get("first") or d["second"]
        decisions[(d["id"], d["kind"], json.dumps(key_entity, sort_keys=True))] = d
    corrections = (
        [json.loads(line) for line in Path(argv[3]).read_text(encoding="utf-8").splitlines()]
        if len(argv) > 3
        else []
    )
    used = 0
    for article_id, a_list in first.items():
        b_list = second[article_id]
        pairs, only_a, only_b = pair_up(a_list, b_list)
        out: list[Entity] = []

        def decide(
            kind: str, entity: Entity, *same: Entity, article_id: str = article_id, out: list[Entity] = out
        ) -> None:
            """Apply the adjudication of one disagreement of this article (bound: called in this loop)."""
            nonlocal used
            d = decisions[(article_id, kind, json.dumps(entity, sort_keys=True))]
            used += 1
            if d["include"]:
                names = [*d.get("forms", []), *all_names(*same)]
                out.append(merged(d["canonical"], names, d["type"], d["must_have"]))

        for i, j in pairs:
            a, b = a_list[i], b_list[j]
            if a["type"] != b["type"]:
                decide("type", a, a, b)
            elif a["must_have"] != b["must_have"]:
                decide("must_have", a, a, b)
            else:
                out.append(merged(a["canonical"], all_names(a, b), a["type"], a["must_have"]))
        for i in only_a:
            decide("only_first", a_list[i])
        for j in only_b:
            decide("only_second", b_list[j])
        out = corrected(article_id, out, corrections)
        sys.stdout.write(json.dumps({"id": article_id, "entities": out}, ensure_ascii=False) + "\n")
    if used != len(decisions):
        raise SystemExit(f"{len(decisions) - used} decisions matched no disagreement")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
