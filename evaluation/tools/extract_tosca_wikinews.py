"""Extract English Wikinews articles from the two data sets of the `tosca` R package.

`Docma-TU/tosca` (GitHub) shipped, in its first commit (ab9ec02), two R data files built from
English Wikinews' Special:Export: ``data/economy.rda`` (2,327 articles of the category
Economy_and_business, 2004-11 … 2018-03) and ``data/politics.rda`` (5,000 articles of
Politics_and_conflicts, 2004-11 … 2009-11). Each is a ``textmeta`` object: ``meta`` (id, date as
days since 1970-01-01, ``<title>…</title>``) and ``text`` (the article body with its wiki markup
already stripped by tosca's reader; paragraph breaks were lost there).

This program reads those files (bring them out of a snapshot of the repository with
``git --git-dir=<snapshot> show ab9ec02:data/economy.rda > economy.rda``), renders the remaining
markup to plain text and writes one JSON line per article that passes the damage checks below:

    python evaluation/tools/extract_tosca_wikinews.py economy.rda politics.rda > candidates.jsonl

It needs the ``rdata`` package from PyPI (``pip install rdata``) in the Python that runs it; the
project itself does not depend on it. Nothing here decides topics: labels are added by hand
(evaluation/README.md).

What the rendering does: drops the ``<text …>`` wrapper, decodes HTML entities, removes wiki
bold/italic quotes (``''``), removes the space tosca's reader left before punctuation where a link
was ("Co. ." → "Co.", "France , Germany" → "France, Germany") and collapses runs of whitespace.
The body is one paragraph (the copy has no paragraph breaks).

Damage checks: tosca's reader deletes ``{{w|…}}`` link templates together with their visible text,
which Wikinews used more and more from about 2007 on; such copies read "the  calendar",
"foreign .", "Kolkata -based". An article is left out when its copy shows any sign of that (a
function word right before punctuation, empty brackets, doubled commas, a word split from its
suffix as in "India n", a hyphenated suffix with nothing before it), when it still holds wiki
markup, or when it is shorter than 600 characters.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import rdata

WRAPPER = re.compile(r"^\s*<text[^>]*>|</text>\s*$")
SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?)\]%])")
SPACE_AFTER_OPEN = re.compile(r"([(\[])\s+")
DAMAGE = [
    re.compile(
        r"\b(?:the|a|an|of|in|from|by|to|at|for|with|on|and|as|its|their|his|her)\s+[.,;:)]",
        re.I,
    ),
    re.compile(r"\(\s*[,;]?\s*\)"),
    re.compile(r",\s*,"),
    re.compile(r"\b[A-Z][a-z]+ (?:n|ns|ese|ian|ians|ish)\b"),
    re.compile(r"\s-(?:based|born|owned|led|run)\b"),
    re.compile(r"\b(?:the|a|an)\s{2,}(?:the|a|an|of|in|is|was|and|to|that)\b", re.I),
    re.compile(r"\{\{|\}\}|\[\[|\]\]|==|\|"),
]
EPOCH = dt.date(1970, 1, 1)


#: Words that tosca's reader left at the start of a body from Wikinews' banner templates
#: (infoboxes, category banners, "publish"/"archive" markers, country flags).
LEAD_RESIDUE = re.compile(
    r"^(?:(?:__NOTOC__|[Pp]ublish|Archive-unreviewed|[Oo]bituaries|Infobox \w+|"
    r"infotitle=\S+ InfoboxEnd|Welsh news|[Aa]viation|Economy and business|"
    r"[Dd]isasters and accidents|\d{4}(?:-\d\d)? financial crisis|"
    r"\d{4} Israel-Lebanon conflict|Climate change|Oil prices surge|United Nations|"
    r"UK|USA|United Kingdom|United States|New Zealand|Australia|Canada|Cuba|Saudi Arabia|"
    r"Sudan|Mexico|China|Turkey|Iran|Malaysia|Norway|Netherlands|Kenya|Ukraine|Israel|"
    r"Palestine|Pakistan|India|Zimbabwe|Thailand|Belgium|Finland|Philippines|Iraq|"
    r"Afghanistan|Lebanon|Russia|Japan|Germany|France|Spain|Italy|Greece|Poland|Brazil|"
    r"Venezuela|Egypt|Nigeria|Singapore|Taiwan)\s+)+(?=[A-Z0-9\"])"
)


def render(raw: str) -> str:
    text = WRAPPER.sub(" ", raw)
    for _ in range(3):  # entities were escaped up to three times ("&amp;amp;mdash;")
        text = html.unescape(text)
    text = re.sub(r"\[https?://\S+ ([^\]]+)\]", r"\1", text)  # external link: its label
    text = re.sub(r"\[https?://\S+\]", "", text)
    text = text.replace("'''", "").replace("''", "")
    text = re.sub(r"\s+", " ", text).strip()
    text = SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = SPACE_AFTER_OPEN.sub(r"\1", text)
    text = re.sub(r"(\w) ('s|'|-)(?=\w|\s)", r"\1\2", text)
    text = re.sub(r"\b([a-z]{3,}) s\b", r"\1s", text)  # "[[government]]s" → "government s"
    text = text.replace("::", ": ")
    text = re.sub(r"(?:\s\*)+\s*$|\s*Haveyoursay\s*$", "", text)  # list markers, talk banner
    text = re.sub(r"(?<=\s)\*(?=\S)", "", text)
    return LEAD_RESIDUE.sub("", text).strip()


def damaged(raw: str, text: str) -> str | None:
    if len(text) < 600:
        return "short"
    body = html.unescape(WRAPPER.sub(" ", raw))
    for pattern in DAMAGE:
        if pattern.search(body):
            return pattern.pattern[:30]
    return None


def load(path: Path) -> tuple[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = rdata.read_rda(str(path))
    ((name, obj),) = parsed.items()
    return str(name), obj


def main(args: list[str]) -> int:
    """``--damaged`` writes the opposite selection: the articles that fail only the damage checks
    (long enough, but with signs of a deleted link template). They are no use for evaluation (words
    are missing), but a bag-of-words topic model can still learn from them (training/README.md)."""
    want_damaged = "--damaged" in args
    paths = [a for a in args if a != "--damaged"]
    kept = dropped = 0
    for path in paths:
        name, obj = load(Path(path))
        meta, texts = obj["meta"], obj["text"]
        for _, row in meta.iterrows():
            raw = " ".join(str(part) for part in texts[row["id"]])
            title = html.unescape(re.sub(r"</?title>", "", str(row["title"]))).strip()
            text = render(raw)
            why = damaged(raw, text)
            if (why is not None) != want_damaged or why == "short":
                dropped += 1
                continue
            days = row["date"]
            published = None if days != days else (EPOCH + dt.timedelta(days=int(days))).isoformat()
            record = {
                "set": name,
                "tosca_id": str(row["id"]),
                "title": title,
                "published": published,
                "body": text,
            }
            if want_damaged:
                record["damaged"] = str(why)
            print(json.dumps(record, ensure_ascii=False))
            kept += 1
    print(f"kept {kept}, left out {dropped}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
