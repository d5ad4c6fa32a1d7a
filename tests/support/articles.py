"""The seed article (tests/data/trump-xi-phone-call.txt, a copy of the shared seed) and what is true
of it: the one table of the entities and topics enrichment finds in it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from newsflow.models import EnrichedArticle, Enrichment, Entity, Keyword, RawArticle, Span, Topic

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


def article(prefix: str, n: int, revision: int = 1) -> dict[str, Any]:
    """A small valid article for the ingest API (publisher id ``<prefix>-<n:05d>``)."""
    article_id = f"{prefix}-{n:05d}"
    return {
        "id": article_id,
        "url": f"https://news.example.com/{prefix}/{n}",
        "title": f"Harbour authority in Rotterdam approves expansion plan {n} (revision {revision})",
        "body": (
            f"The port of Rotterdam said on Tuesday that its board had approved plan number {n}. "
            "Chief executive Maria Jansen told reporters the expansion would create jobs in the Netherlands. "
            "Shipping companies including Maersk welcomed the decision, revision "
            f"{revision}."
        ),
        "revision": revision,
        "language": "en",
    }


def accepted_ids(response: httpx.Response) -> dict[int, str]:
    """The id ingest gave each accepted item of a batch (``<source>:<publisher id>``), by item index."""
    return {r["index"]: r["id"] for r in response.json()["results"] if r["status"] == "accepted"}


T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def enriched_article(*, revision: int = 3, deleted: bool = False) -> EnrichedArticle:
    """A small enriched article (three entities, one topic) as the enrichment worker writes it."""
    raw = RawArticle(
        id="reuters:abc-1",
        source="reuters",
        url="https://example.com/a",
        title="Merkel meets Macron in Paris",
        body="Angela Merkel met Emmanuel Macron in Paris on Monday.",
        published_at=T0,
        revision=revision,
        authors=("Jane Doe",),
        section="world",
        language="en",
        deleted=deleted,
        ingested_at=T0,
    )
    if deleted:
        return EnrichedArticle(article=raw, enrichment=None)
    enrichment = Enrichment(
        entities=(
            Entity(
                name="Angela Merkel",
                type="person",
                label="PERSON",
                mentions=2,
                salience=0.9,
                spans=(Span(field="body", start=0, end=13),),
            ),
            Entity(name="Emmanuel Macron", type="person", label="PERSON", mentions=1, salience=0.7),
            Entity(name="Paris", type="place", label="GPE", mentions=2, salience=0.5),
        ),
        topics=(Topic(code="medtop:11000000", label="politics", score=0.8),),
        keywords=(Keyword(text="summit", score=1.2),),
        language="en",
        language_score=0.99,
        word_count=10,
        reading_time_s=3,
        fingerprint="0123456789abcdef",
        models={"spacy": "en_core_web_sm-3.8.0", "topics": "iptc-2024"},
        enriched_at=T0,
    )
    return EnrichedArticle(article=raw, enrichment=enrichment)
