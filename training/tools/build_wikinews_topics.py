"""Build training/wikinews_topics.jsonl.gz: labelled English Wikinews articles for the topic model.

Input: the candidate files the evaluation extractors write from the same two copies of English
Wikinews the evaluation set was taken from (evaluation/README.md, "How the text was taken"):

    python evaluation/tools/extract_tosca_wikinews.py economy.rda politics.rda > tosca.jsonl
    python evaluation/tools/extract_tosca_wikinews.py --damaged economy.rda politics.rda > tosca_damaged.jsonl
    python evaluation/tools/extract_vanatteveldt_wikinews.py wikinews_2019.csv wikinews_2020.csv > vat.jsonl
    .venv/bin/python training/tools/build_wikinews_topics.py tosca.jsonl vat.jsonl tosca_damaged.jsonl

and the labels in ``training/wikinews_topic_labels.tsv`` (``ref``, primary and accepted IPTC codes,
confidence, labelling batch; how they were made: training/README.md).

Every article of the evaluation set is kept out, whatever its copy: same title (case-folded), same
normalised-text hash (body, or title and body), or more than 20 % of its 6-word shingles shared with
an evaluation article (a rewrite or follow-up that repeats the story's text). Candidates that repeat
an earlier candidate's text (the tosca files list some articles under both categories) are kept
once. Output lines: ``ref``, ``title``, ``body``, ``published``, ``source_url``, ``licence``,
``via``, ``primary``, ``accepted``, ``confidence``, and ``damaged`` (the damage check it failed) for
the tosca articles that the evaluation's extractor rejects because words are missing.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from newsflow.enrich.evaluation import normalise_text, text_hash

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "evaluation" / "tools"))

from add_tosca_articles import CATEGORY, VIA, licence, source_url  # noqa: E402

LABELS = ROOT / "training" / "wikinews_topic_labels.tsv"
OUT = ROOT / "training" / "wikinews_topics.jsonl.gz"
SHINGLE = 6
MAX_SHARED = 0.2


def shingles(text: str) -> set[str]:
    words = normalise_text(text).split()
    return {" ".join(words[i : i + SHINGLE]) for i in range(max(0, len(words) - SHINGLE + 1))}


def ref_of(record: dict[str, str]) -> str:
    """A stable reference: ``tosca:<set>:<record id>`` or ``vanatteveldt:<key>``."""
    if "tosca_id" in record:
        return f"tosca:{record['set']}:{record['tosca_id']}"
    return f"vanatteveldt:{record['key']}"


class EvaluationGuard:
    """Says whether a candidate is, or repeats, an article of the evaluation set."""

    def __init__(self, articles: list[dict[str, str]]) -> None:
        self.titles = {a["title"].strip().casefold() for a in articles}
        self.hashes = {text_hash(a["body"]) for a in articles} | {
            text_hash(a["title"] + " " + a["body"]) for a in articles
        }
        self.sizes = []
        self.index: dict[str, set[int]] = defaultdict(set)
        for i, article in enumerate(articles):
            grams = shingles(article["body"])
            self.sizes.append(len(grams))
            for gram in grams:
                self.index[gram].add(i)

    def reason(self, title: str, body: str) -> str | None:
        if title.strip().casefold() in self.titles:
            return "title"
        if text_hash(body) in self.hashes or text_hash(title + " " + body) in self.hashes:
            return "hash"
        grams = shingles(body)
        shared: Counter[int] = Counter()
        for gram in grams:
            shared.update(self.index.get(gram, ()))
        if any(n / max(1, min(len(grams), self.sizes[i])) > MAX_SHARED for i, n in shared.items()):
            return "shared text"
        return None


def read_labels(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["ref"]: row for row in csv.DictReader(handle, delimiter="\t")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("candidates", nargs="+", type=Path)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    evaluation = [
        json.loads(line)
        for line in (ROOT / "evaluation" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    guard = EvaluationGuard(evaluation)
    labels = read_labels(args.labels)
    seen: set[str] = set()
    left_out: Counter[str] = Counter()
    out = []
    for path in args.candidates:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            ref = ref_of(record)
            digest = text_hash(record["body"])
            reason = guard.reason(record["title"], record["body"])
            if reason is None and digest in seen:
                reason = "repeat"
            if reason is None and ref not in labels:
                reason = "unlabelled"
            if reason is None and labels[ref]["primary"] == "skip":
                reason = "skipped by the labeller"
            if reason is not None:
                left_out[reason] += 1
                continue
            seen.add(digest)
            label = labels[ref]
            via = record.get("via") or VIA.format(
                set=record["set"], tosca_id=record["tosca_id"], category=CATEGORY[record["set"]]
            )
            out.append(
                {
                    "ref": ref,
                    "title": record["title"],
                    "body": record["body"],
                    "published": record["published"],
                    "source_url": record.get("source_url") or source_url(record["title"]),
                    "licence": licence(record["published"]),
                    "via": via,
                    "primary": label["primary"],
                    "accepted": [c for c in label["accepted"].split(",") if c],
                    "confidence": label["confidence"],
                }
                | ({"damaged": record["damaged"]} if "damaged" in record else {})
            )
    missing = set(labels) - {a["ref"] for a in out}
    with (
        gzip.GzipFile(args.out, "wb", compresslevel=9, mtime=0) as raw,
        io.TextIOWrapper(raw, encoding="utf-8") as handle,
    ):
        for article in out:
            handle.write(json.dumps(article, ensure_ascii=False) + "\n")
    sys.stdout.write(
        f"wrote {args.out}: {len(out)} articles; left out {dict(left_out)}; "
        f"labels without a kept article: {len(missing)}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
