"""Render English Wikinews articles from AMALGUM's WikiExtractor dump to evaluation candidates.

``gucorpling/amalgum`` holds, at commit f349dfd, ``data/wikinews/AA/wiki_00`` … ``wiki_77``: the
output of WikiExtractor (the repository's ``lib/WikiExtractor.py``) run on an English Wikinews dump,
one ``<doc id=… url=… title=…>`` block per page in page-id order, the page's rendered HTML kept
HTML-escaped (links as ``&lt;a href="…"&gt;text&lt;/a&gt;``), wiki bold and italic quotes turned
into ``♡❤♡`` and ``♡❤`` markers. The files are about 1 MB each and are not in the search tool's
text index, so each article was read with the tool's ``read_file`` (16,000 characters a call) and its
``<doc>`` block saved verbatim by the AI agent, one file per article named
``<wiki file>-<doc id>.txt`` (``wiki_13-24595.txt``).

This program (written for newsflow, standard library only) turns each saved block into one JSON
line in the form ``add_tosca_articles.py --selection`` reads (``key`` = the file name without
``.txt``)::

    python evaluation/tools/extract_amalgum_wikiextractor.py f349dfd saved/*.txt > dump.jsonl

What it does: the title comes from the ``<doc>`` header; the body is every line after the ``<h1>``
heading up to the first ``<h2>`` section (``Video Streams``, ``Previous related news``, ``Related
news``, ``Sources``, …), without the line the publish-date and COinS templates leave (an empty date
span); HTML entities are decoded, every tag is removed and its text kept, the space WikiExtractor
leaves between an interwiki link's closing ``</span>`` and the punctuation or closing bracket after
it is dropped, the bold/italic markers are removed, paragraphs are the blank-line-separated blocks
with the whitespace inside each collapsed. The copy carries no dateline (the date template rendered empty), so
``published`` is the latest date the article's own ``Sources`` list gives ("October 19, 2005",
"Oct 22, 2005"), or null when it gives none. Bodies shorter than 600 characters are left out.
"""

from __future__ import annotations

import html
import json
import re
import sys
from datetime import date
from pathlib import Path
from urllib.parse import quote

HEADER = re.compile(r'<doc id="(\d+)" url="([^"]*)" title="([^"]*)">')
TAG = re.compile(r"<[^>]+>")
SPAN_BEFORE_PUNCT = re.compile(r"</span> (?=[,.;:)])")
MARKERS = ("♡❤♡", "♡❤")
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
SOURCE_DATE = re.compile(r"\b([A-Z][a-z]{2,8})\.? (\d{1,2}),? (\d{4})\b")
MIN_CHARS = 600


def source_url(title: str) -> str:
    return "https://en.wikinews.org/wiki/" + quote(title.replace(" ", "_"), safe=",'()!*-._~:;@")


def latest_source_date(lines: list[str]) -> str | None:
    """The latest "Month D, YYYY" date of the lines after the ``Sources`` heading."""
    in_sources, found = False, []
    for line in lines:
        if line.startswith("<h2>"):
            in_sources = line.strip() == "<h2>Sources</h2>"
            continue
        if not in_sources:
            continue
        for month, day, year in SOURCE_DATE.findall(line):
            number = MONTHS.get(month.casefold())
            if number is not None:
                found.append(date(int(year), number, int(day)))
    return max(found).isoformat() if found else None


def render(block: str) -> tuple[str, str, str, str | None]:
    """(doc id, title, body, published) of one saved ``<doc>`` block."""
    lines = block.splitlines()
    header = HEADER.match(lines[0])
    if header is None or not lines[1].startswith("<h1>"):
        raise ValueError("not a WikiExtractor <doc> block")
    doc_id, title = header.group(1), html.unescape(header.group(3))
    body_lines = []
    for line in lines[2:]:
        if line.startswith("<h2>") or line.startswith("</doc>"):
            break
        if line.startswith('&lt;strong class="published"&gt;'):
            continue
        body_lines.append(line)
    text = SPAN_BEFORE_PUNCT.sub("</span>", html.unescape("\n".join(body_lines)))
    text = TAG.sub("", text)
    for marker in MARKERS:
        text = text.replace(marker, "")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    body = "\n\n".join(p for p in paragraphs if p)
    return doc_id, title, body, latest_source_date(lines)


def main(commit: str, paths: list[str]) -> int:
    for path in paths:
        name = Path(path).name.removesuffix(".txt")
        wiki_file = name.split("-")[0]
        doc_id, title, body, published = render(Path(path).read_text(encoding="utf-8"))
        if len(body) < MIN_CHARS:
            print(f"skipped (short): {name} {title}", file=sys.stderr)
            continue
        record = {
            "key": name,
            "article_id": "wikinews-amalgum-dump-" + doc_id,
            "title": title,
            "body": body,
            "published": published,
            "source_url": source_url(title),
            "via": (
                f"gucorpling/amalgum commit {commit}, data/wikinews/AA/{wiki_file}, "
                f'<doc id="{doc_id}"> (WikiExtractor output of an English Wikinews dump; read with '
                "the search tool's read_file, the block saved verbatim by the AI agent, rendered by "
                "evaluation/tools/extract_amalgum_wikiextractor.py)"
            ),
        }
        print(json.dumps(record, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    raise SystemExit(main(sys.argv[1], sys.argv[2:]))
