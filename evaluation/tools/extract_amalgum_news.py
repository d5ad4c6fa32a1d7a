"""Render AMALGUM news documents (English Wikinews articles) to running text.

AMALGUM (`gucorpling/amalgum`, CC BY 2.5 for its Wikinews `news` genre) keeps each article as an
XML file with one token per line (``word<TAB>tag<TAB>lemma``) inside ``<p>``, ``<head>``,
``<figure>``/``<caption>``, ``<hi>`` and ``<s>`` elements; the title, the Wikinews address and the
dates are attributes of ``<text>``. It keeps no record of the spaces between tokens, so this
program restores them by ordinary English rules, using the tag column for quotes and brackets:
no space before ``. , : ; ! ? % …``, closing brackets and quotes, possessive ``'s`` and the
clitics ``n't 're 've 'll 'd 'm``; no space after opening brackets, opening quotes and ``$``.

The repository snapshot is over this machine's fetch limit, so a file is read through the search
tool and saved verbatim (its length must equal what the index reports); evaluation/README.md names
each file, its commit and its length. Run:

    python evaluation/tools/extract_amalgum_news.py ad33923 AMALGUM_news_snowstorm.xml > amalgum.jsonl

A file of ``amalgum_extra/news/xml/`` is named so in ``via`` with ``--repo-dir amalgum_extra/news/xml``
(the default is ``amalgum/news/xml``). The files declare ``encoding='utf8'``, a spelling the XML
parser does not accept for bytes, so each file is read as UTF-8 text and parsed from that text
(otherwise any non-ASCII character, such as a dash, stops the parse).

It writes one JSON line per file in the form ``add_tosca_articles.py --selection`` reads (``key`` =
the document's short title). Rendering: one paragraph per ``<p>``, ``<head>`` and ``<caption>``
(consecutive sentences outside any paragraph make one paragraph); the first ``<head>`` is the
title and is not repeated; the dateline stays, as in the other AMALGUM copies of the set, and its
date becomes ``published``; an "In pictures" gallery at the end (image captions and photo credits,
not article text) is left out.
"""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = "gucorpling/amalgum"
PUNCTUATION = {".", ",", ":", ";", "!", "?", "%", "...", "…"}
NO_SPACE_BEFORE_WORDS = PUNCTUATION | {"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"}
NO_SPACE_BEFORE_TAGS = {"-RRB-", "POS", "''"}
NO_SPACE_AFTER_TAGS = {"-LRB-", "``"}


def tokens(element: ET.Element) -> list[tuple[str, str]]:
    found = []
    for chunk in element.itertext():
        for line in chunk.split("\n"):
            fields = line.split("\t")
            if len(fields) == 3 and fields[0]:
                found.append((fields[0], fields[1]))
    return found


def detokenize(words: list[tuple[str, str]]) -> str:
    out = ""
    previous_tag = previous_word = ""
    for word, tag in words:
        glue = (
            not out
            or word.casefold() in NO_SPACE_BEFORE_WORDS
            or tag in NO_SPACE_BEFORE_TAGS
            or previous_tag in NO_SPACE_AFTER_TAGS
            or previous_word == "$"
        )
        out += word if glue else " " + word
        previous_tag, previous_word = tag, word
    return out


def render(root: ET.Element) -> tuple[list[str], str | None]:
    """The article's paragraphs and the date of its dateline (ISO), if it has one."""
    paragraphs: list[str] = []
    loose: list[tuple[str, str]] = []
    dateline = None
    seen_title = False
    for child in root:
        if child.tag == "head" and child.get("id") == "In_pictures":
            break
        if child.tag == "head" and not seen_title:
            seen_title = True
            continue
        if child.tag in {"s", "hi"}:
            loose.extend(tokens(child))
            continue
        if loose:
            paragraphs.append(detokenize(loose))
            loose = []
        text = detokenize(tokens(child))
        if not text:
            continue
        date = child.find("./s/hi/date")
        if not paragraphs and dateline is None and date is not None:
            dateline = date.get("when")
        paragraphs.append(text)
    if loose:
        paragraphs.append(detokenize(loose))
    return paragraphs, dateline


def main(paths: list[str], commit: str, repo_dir: str = "amalgum/news/xml") -> int:
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        root = ET.fromstring(text)
        short = root.get("shortTitle") or ""
        paragraphs, dateline = render(root)
        record = {
            "key": short,
            "article_id": "wikinews-amalgum-news-" + short,
            "title": root.get("title"),
            "published": dateline or root.get("dateCreated"),
            "body": "\n\n".join(paragraphs),
            "source_url": root.get("sourceURL"),
            "via": (
                f"AMALGUM corpus ({REPO} @ {commit}) {repo_dir}/{Path(path).name}, read through "
                f"the search tool and saved verbatim ({len(text):,} characters, as "
                "the index reports), tokens joined into running text by "
                "evaluation/tools/extract_amalgum_news.py"
            ),
        }
        print(json.dumps(record, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="AMALGUM news XML -> evaluation candidates")
    parser.add_argument("commit", help="the repository commit the files were read at")
    parser.add_argument("files", nargs="+", help="AMALGUM_news_<name>.xml files saved verbatim")
    parser.add_argument("--repo-dir", default="amalgum/news/xml", help="their folder in the repository")
    args = parser.parse_args()
    raise SystemExit(main(args.files, args.commit, args.repo_dir))
