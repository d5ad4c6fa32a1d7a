"""Check hand-made entity gold against the article text (the annotator's aid, not a scorer).

For every article with entity gold (or only those named on the command line) it prints the gold
entities none of whose names occurs in the title or body, and every run of capitalised words of the
text that no gold name covers, for the annotator to go through (most are sentence openings, days,
nationality adjectives, products or events, which stay out of the gold by convention):

    python evaluation/tools/check_entity_gold.py [--gold FILE] [ARTICLE_ID ...]

``--gold`` checks another file of the same format (an annotator's own, before it is merged);
the default is the adjudicated gold, ``evaluation/entities.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

EVAL = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[\w'’.-]+")
CAPITALISED_RUN = re.compile(r"(?:[A-Z][\w'’.-]*(?:\s+(?:of|and|for|de|da|the)\s+|\s+)?)+")
#: Capitalised words that open sentences or name days, months and roles, not entities.
COMMON = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "For",
        "Of",
        "And",
        "But",
        "However",
        "If",
        "When",
        "While",
        "After",
        "Before",
        "During",
        "Since",
        "Some",
        "Many",
        "Most",
        "Other",
        "This",
        "That",
        "These",
        "Those",
        "He",
        "She",
        "They",
        "It",
        "We",
        "I",
        "His",
        "Her",
        "Their",
        "Its",
        "Our",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Sir",
        "According",
        "Also",
        "Although",
        "Both",
        "Each",
        "Every",
        "Even",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Yesterday",
        "Today",
        "Tomorrow",
        "Last",
        "Next",
        "Under",
        "Over",
        "From",
        "With",
        "Without",
        "Earlier",
        "Later",
        "Meanwhile",
        "Now",
        "Then",
        "There",
        "Here",
        "What",
        "Who",
        "Why",
        "How",
        "Former",
        "President",
        "Prime",
        "Minister",
        "Senator",
        "Governor",
        "Chief",
        "Executive",
        "Director",
        "Officials",
        "Police",
        "Two",
        "Three",
        "Four",
        "Five",
        "Six",
        "Seven",
        "Eight",
        "Nine",
        "Ten",
    ]
)


def words(text: str) -> set[str]:
    return {w.lower().strip(".") for w in WORD.findall(text)}


def check(title: str, body: str, entities: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    text = f"{title}. {body}"
    lowered = text.lower()
    absent, covered = [], set()
    for entity in entities:
        names = [str(entity["canonical"]), *(str(a) for a in entity.get("aliases", []))]
        if not any(name.lower() in lowered for name in names):
            absent.append(str(entity["canonical"]))
        for name in names:
            covered |= words(name)
    unlisted = set()
    for run in CAPITALISED_RUN.findall(text):
        kept = [w for w in WORD.findall(run) if w not in COMMON and w[0].isupper()]
        if kept and not all(w.lower().strip(".") in covered for w in kept):
            unlisted.add(" ".join(kept))
    return absent, sorted(unlisted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", metavar="ARTICLE_ID", help="only these articles")
    parser.add_argument("--gold", type=Path, default=EVAL / "entities.jsonl", help="the entity file to check")
    args = parser.parse_args(argv)
    only: list[str] = args.ids
    articles = {}
    for line in (EVAL / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        articles[row["id"]] = row
    for line in args.gold.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if only and row["id"] not in only:
            continue
        article = articles[row["id"]]
        absent, unlisted = check(article["title"], article["body"], row["entities"])
        print(row["id"])
        if absent:
            print("  no name of these occurs in the text:", "; ".join(absent))
        print("  capitalised runs no gold name covers:", "; ".join(unlisted) or "none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
