"""Extract English Wikinews articles from the CSV files of `vanatteveldt/wikinews`.

That GitHub repository (Wouter van Atteveldt, CC BY 2.5 as its LICENSE.md states for the articles)
holds ``data/wikinews_2019.csv`` (171 articles) and ``data/wikinews_2020.csv`` (124), scraped from
the article pages of en.wikinews.org by its ``scrape_wikinews.R``: one row per article with ``url``,
``date`` (the page's publication date), ``title`` and ``text`` (the text of every ``<p>`` of the page
body up to "Have an opinion on this story?", paragraphs joined by blank lines). Bring the files out
of a snapshot of the repository (``git --git-dir=<snapshot> show
347254178bf3:data/wikinews_2019.csv > wikinews_2019.csv``) and run:

    python evaluation/tools/extract_vanatteveldt_wikinews.py wikinews_2019.csv > candidates.jsonl

It writes one JSON line per article in the form ``add_tosca_articles.py --selection`` reads (``key``,
``article_id``, ``title``, ``published``, ``body``, ``source_url``, ``via``). Nothing here decides
topics: labels are added by hand (evaluation/tools/vanatteveldt_selection.tsv).

What the rendering does: splits the text into paragraphs at blank lines, collapses the whitespace
inside each (no-break spaces included), drops the dateline paragraph ("Friday, July 12, 2019", the
same date as ``published``) and the attribution line of a pull quote ("—Troy Roberts"; the page
shows the quote itself outside any ``<p>``, so the scrape kept only its attribution), and leaves
out an article whose body is shorter than 600 characters or whose dateline disagrees with its date.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sys
from pathlib import Path

REPO = "vanatteveldt/wikinews"
COMMIT = "347254178bf3"
DATELINE = re.compile(r"^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, ([A-Z][a-z]+ \d{1,2}, \d{4})$")
ADDRESS = re.compile(r"^https://en\.wikinews\.org//?wiki/(.+)$")


def paragraphs(text: str) -> tuple[list[str], str | None]:
    """The body's paragraphs and the date its dateline gives (ISO), if it has one."""
    kept: list[str] = []
    dateline = None
    for block in re.split(r"\n\s*\n", text):
        para = re.sub(r"\s+", " ", block.replace("\xa0", " ")).strip()
        if not para:
            continue
        match = DATELINE.match(para)
        if match and dateline is None and not kept:
            dateline = dt.datetime.strptime(match.group(1), "%B %d, %Y").date().isoformat()
            continue
        if para.startswith("—"):  # a pull quote's attribution, the quote itself not scraped
            continue
        kept.append(para)
    return kept, dateline


def main(paths: list[str]) -> int:
    kept = dropped = 0
    for path in paths:
        name = Path(path).name
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                address = ADDRESS.match(row["url"])
                if address is None:
                    raise SystemExit(f"not an English Wikinews address: {row['url']}")
                slug = address.group(1)
                body_paragraphs, dateline = paragraphs(row["text"])
                body = "\n\n".join(body_paragraphs)
                if len(body) < 600 or (dateline is not None and dateline != row["date"]):
                    dropped += 1
                    continue
                record = {
                    "key": slug,
                    "article_id": "wikinews-vat-" + re.sub(r"[^a-z0-9]+", "-", slug.lower())[:60].strip("-"),
                    "title": row["title"].strip(),
                    "published": row["date"],
                    "body": body,
                    "source_url": "https://en.wikinews.org/wiki/" + slug,
                    "via": (
                        f"{REPO} commit {COMMIT}, data/{name} (the row of {row['url']}; text of the "
                        "page's paragraphs as scraped by its scrape_wikinews.R, rendered to plain text "
                        "by evaluation/tools/extract_vanatteveldt_wikinews.py)"
                    ),
                }
                print(json.dumps(record, ensure_ascii=False))
                kept += 1
    print(f"kept {kept}, left out {dropped}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
