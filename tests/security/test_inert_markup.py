"""Threat: script and markup in article fields. Ingest strips it (or refuses a field left empty), so it
never reaches Kafka nor, through enrichment, the index; search highlights escape plain-text brackets."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from newsflow.enrich.pipeline import Enricher
from newsflow.index.client import make_async_es
from newsflow.index.design import mappings
from newsflow.index.documents import to_document
from newsflow.index.search import SearchQuery, search_async
from newsflow.models import EnrichedArticle, Enrichment, RawArticle
from newsflow.serde import decode
from newsflow.settings import ElasticsearchSettings
from tests.support.ingest_app import (
    ARTICLE,
    IngestFactory,
    assert_error_body,
)
from tests.support.kafka import read_topic

SCRIPT_MARKERS = re.compile(r"<[a-z!?/]|\bon[a-z]+\s*=|javascript:|vbscript:|alert\(|steal\(", re.I)

EVIL: dict[str, Any] = {
    "id": "evil-1",
    "url": "https://acme.example.com/evil",
    "title": 'Budget <script>alert("t")</script><img src=x onerror=alert(1)> vote',
    "body": (
        '<p>Council <b onmouseover="alert(2)">approved</b> the budget.</p><script>steal()</script>'
        '<p><a href="javascript:alert(3)">Read the details</a></p><iframe src="javascript:alert(4)"></iframe>'
        "<p>Escaped: &lt;script&gt;alert(6)&lt;/script&gt; done.</p>"
    ),
    "authors": ["<script>alert(7)</script>Jane Doe", "John Roe<img src=x onerror=alert(8)>"],
    "tags": ["budget<script>alert(9)</script>", '<a href="javascript:alert(10)">politics</a>'],
    "section": "<b onclick=alert(11)>news</b>",
    "published_at": "2025-01-06T10:00:00Z",
    "revision": 1,
}
# Declared as plain text, but carrying active markup: it is sanitised as HTML all the same.
TEXT_WITH_SCRIPT: dict[str, Any] = {
    "id": "evil-2",
    "url": "https://acme.example.com/evil-2",
    "title": "Budget memo",
    "body": "Budget memo: compare a <b> c and x < y. <svg/onload=alert(12)> <script>alert(13)</script>",
    "body_format": "text",
    "revision": 1,
}
# Plain text with harmless angle brackets is kept verbatim, and search highlights escape them.
TEXT_WITH_BRACKETS: dict[str, Any] = {
    "id": "plain-3",
    "url": "https://acme.example.com/plain-3",
    "title": "Budget maths",
    "body": "The budget rule: a <b> c holds when x < y.",
    "body_format": "text",
    "revision": 1,
}


def assert_no_script(where: str, value: Any) -> None:
    text = orjson.dumps(value).decode()
    found = SCRIPT_MARKERS.search(text)
    assert found is None, f"{where} carries markup/script {found.group(0)!r}: {text[:400]}"


async def test_markup_in_article_fields_never_reaches_kafka_or_the_index(
    ingest_app: IngestFactory, es_url: str, unique_name: Callable[..., str]
) -> None:
    async with ingest_app() as ingest:
        c, auth = ingest.client, ingest.auth()
        for article in (EVIL, TEXT_WITH_SCRIPT, TEXT_WITH_BRACKETS):
            response = await c.post("/v1/articles", json=article, headers=auth)
            assert response.status_code == 202, response.text
        only_markup = await c.post(
            "/v1/articles",
            json={**ARTICLE, "id": "evil-4", "title": "<script>alert(14)</script>"},
            headers=auth,
        )
        assert_error_body(only_markup, 422)
        assert only_markup.json()["detail"][0]["loc"] == ["body", "title"]
        records = await read_topic(ingest.kafka, ingest.topic)
    raws = {r.key.decode(): decode(r.value, RawArticle) for r in records}
    assert sorted(raws) == ["acme:evil-1", "acme:evil-2", "acme:plain-3"]  # markup-only title rejected
    evil, text_evil, plain = raws["acme:evil-1"], raws["acme:evil-2"], raws["acme:plain-3"]
    # Title, authors, tags, section: plain text, markup stripped (not rejected) when text remains.
    assert evil.title == "Budget vote"
    assert evil.authors == ("Jane Doe", "John Roe") and evil.tags == ("budget", "politics")
    assert evil.section == "news"
    assert evil.body == "Council approved the budget.\n\nRead the details\n\nEscaped: done."
    assert text_evil.body.startswith("Budget memo: compare a c and x < y.")
    assert plain.body == "The budget rule: a <b> c holds when x < y."  # text stays text
    for raw in (evil, text_evil):
        assert_no_script(f"raw article {raw.id} on Kafka", raw.model_dump(mode="json"))

    # Through enrichment into a real index: the stored document carries no script either, and search
    # highlights (HTML fragments) escape whatever angle brackets the plain text has.
    enricher = Enricher.load(with_topics=False)
    es_settings = ElasticsearchSettings(url=es_url)
    es = make_async_es(es_settings)
    index = unique_name("sec-index")
    try:
        await es.indices.create(index=index, mappings=mappings("basic"))
        for raw in raws.values():
            (enrichment,) = enricher.enrich_batch([raw])
            assert isinstance(enrichment, Enrichment)
            document = to_document(EnrichedArticle(article=raw, enrichment=enrichment))
            await es.index(index=index, id=raw.id, document=document, refresh=True)
        for article_id in ("acme:evil-1", "acme:evil-2"):
            stored = (await es.get(index=index, id=article_id))["_source"]
            assert_no_script(f"indexed document {article_id}", stored)
        result = await search_async(es, index, SearchQuery(text="budget", facet_size=0))
        fragments = [f for hit in result.hits for fs in hit.highlights.values() for f in fs]
        assert fragments
        for fragment in fragments:
            assert "<" not in fragment.replace("<em>", "").replace("</em>", ""), fragment
        plain_hit = next(h for h in result.hits if h.id == "acme:plain-3")
        assert any("a &lt;b&gt; c" in f for f in plain_hit.highlights["body"])
    finally:
        await es.options(ignore_status=404).indices.delete(index=index)
        await es.close()
