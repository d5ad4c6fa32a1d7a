"""The seed article (tests/data/trump-xi-phone-call.txt, a copy of the shared seed) and what is true
of it: the one table of the entities and topics enrichment finds in it."""

from __future__ import annotations

from pathlib import Path

from newsflow.models import RawArticle

SEED_FILE = Path(__file__).resolve().parents[1] / "data" / "trump-xi-phone-call.txt"

#: What an editor expects on the seed article (en_core_web_sm as the base, normalised and merged):
#: every entity enrichment finds, with its type, and nothing else.
SEED_ENTITIES = {
    "Donald Trump": "person",
    "Xi Jinping": "person",
    "Joe Biden": "person",
    "Han Zheng": "person",
    "China": "place",
    "Beijing": "place",
    "U.S.": "place",
    "Chinese": "group",
    "TikTok": "organization",
    "ByteDance": "organization",
    "Truth Social": "organization",
    "Supreme Court": "organization",
    "Chinese Communist Party": "organization",
    "Chinese Foreign Ministry": "organization",
}
#: Its first topic (IPTC media topic code, label), then one it must also have.
SEED_TOPIC = ("medtop:11000000", "politics")
SEED_SECOND_TOPIC = ("medtop:04000000", "economy, business and finance")


def seed_title_body() -> tuple[str, str]:
    """The seed article's title (first line) and body (the rest)."""
    title, body = SEED_FILE.read_text(encoding="utf-8").split("\n", 1)
    return title, body


def seed_article(article_id: str = "seed-trump-xi", source: str = "wire") -> RawArticle:
    """The seed article as a raw article on the wire."""
    title, body = seed_title_body()
    return RawArticle(
        id=article_id,
        source=source,
        url=f"https://example.com/{article_id}",
        title=title,
        body=body,
        revision=1,
    )
