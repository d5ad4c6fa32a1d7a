"""Append the hand-labelled tosca/Wikinews articles to the evaluation set.

Reads the candidates written by ``extract_tosca_wikinews.py`` and the labels in
``tosca_selection.tsv`` (tosca id, primary top-level IPTC code, accepted codes), refuses duplicates
(same title or same normalised-text hash as an article already in ``evaluation/``, or twice in the
selection), appends one line per article to ``evaluation/articles.jsonl`` and
``evaluation/topics.jsonl`` and prints the source address of every article added:

    .venv/bin/python evaluation/tools/add_tosca_articles.py candidates.jsonl >> claimed.txt

The same tool appends articles of another copy: ``--selection <file.tsv>`` names the label file
(its first column is the candidate's ``key``), and each candidate then carries its own
``article_id``, ``source_url`` and ``via`` (as ``extract_vanatteveldt_wikinews.py`` writes them):

    .venv/bin/python evaluation/tools/add_tosca_articles.py vat.jsonl \
        --selection evaluation/tools/vanatteveldt_selection.tsv
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from newsflow.enrich.evaluation import text_hash

HERE = Path(__file__).resolve().parent
EVAL = HERE.parent
#: English Wikinews content became CC BY 2.5 on this day; before it, public domain.
CC_BY_FROM = "2005-09-25"
VIA = (
    "Docma-TU/tosca commit ab9ec02, data/{set}.rda record {tosca_id} (English Wikinews "
    "Special:Export of the category {category}; wiki markup stripped by tosca's reader, "
    "rendered to plain text by evaluation/tools/extract_tosca_wikinews.py; no paragraph breaks)"
)
CATEGORY = {"economy": "Economy_and_business", "politics": "Politics_and_conflicts"}


def licence(published: str | None) -> str:
    if published is not None and published < CC_BY_FROM:
        return (
            "Public domain (English Wikinews article first published before 2005-09-25, when "
            "Wikinews content was public domain; any later edits CC BY 2.5)"
        )
    return "CC BY 2.5 (English Wikinews; https://en.wikinews.org/wiki/Wikinews:Copyright)"


def source_url(title: str) -> str:
    return "https://en.wikinews.org/wiki/" + quote(title.replace(" ", "_"), safe=",'()!*-._~:;@")


def main(candidates_path: str, selection: Path = HERE / "tosca_selection.tsv") -> int:
    candidates: dict[str, dict[str, Any]] = {}
    for line in Path(candidates_path).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        candidates.setdefault(record.get("key", record.get("tosca_id")), record)
    existing = [
        json.loads(line) for line in (EVAL / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    titles = {a["title"].casefold() for a in existing}
    hashes = {text_hash(a["body"]) for a in existing}
    ids = {a["id"] for a in existing}
    articles, topics = [], []
    for line in selection.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        tosca_id, primary, *rest = line.split("\t")
        accepted = [f"medtop:{c}" for c in rest[0].split(",") if c] if rest else []
        record = candidates[tosca_id]
        digest = text_hash(record["body"])
        if record["title"].casefold() in titles or digest in hashes:
            raise SystemExit(f"duplicate: {tosca_id} {record['title']}")
        article_id = record.get("article_id") or "wikinews-tosca-" + tosca_id.removeprefix("ID")
        if article_id in ids:
            raise SystemExit(f"duplicate id: {article_id}")
        titles.add(record["title"].casefold())
        hashes.add(digest)
        ids.add(article_id)
        articles.append(
            {
                "id": article_id,
                "title": record["title"],
                "body": record["body"],
                "source_url": record.get("source_url") or source_url(record["title"]),
                "licence": licence(record["published"]),
                "published": record["published"],
                "language": "en",
                "via": record.get("via")
                or VIA.format(set=record["set"], tosca_id=tosca_id, category=CATEGORY[record["set"]]),
            }
        )
        topics.append({"id": article_id, "primary": f"medtop:{primary}", "accepted": accepted})
    with (EVAL / "articles.jsonl").open("a", encoding="utf-8") as out:
        for article in articles:
            out.write(json.dumps(article, ensure_ascii=False) + "\n")
    with (EVAL / "topics.jsonl").open("a", encoding="utf-8") as out:
        for topic in topics:
            out.write(json.dumps(topic, ensure_ascii=False) + "\n")
    for article in articles:
        print(article["source_url"])
    print(f"added {len(articles)} articles", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[2] == "--selection":
        raise SystemExit(main(sys.argv[1], Path(sys.argv[3])))
    raise SystemExit(main(sys.argv[1]))
