"""Issue 7, scenario 10: hostile input to ingest gets the documented answer and nothing reaches Kafka.

"Nothing reaches Kafka" is proven from the broker, not from status codes: after the refused requests
the end offsets of every partition of the test's topic are still 0; then one sentinel moves them to
exactly 1 record, and consuming the topic yields only the sentinel.

Sources are isolated: article ids are scoped by source (``<source>:<publisher id>``), so a key of one
source can neither replace nor retract another source's article, proven down to the Elasticsearch
documents written by the real indexer.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord, TopicPartition

from newsflow.enrich.pipeline import Enricher
from newsflow.enrich.records import InRecord, process_records
from newsflow.index.client import make_async_es
from newsflow.index.design import mappings
from newsflow.index.documents import to_document
from newsflow.index.search import SearchQuery, search_async
from newsflow.ingest.auth import sign
from newsflow.ingest.contract import derive_id
from newsflow.ingest.feeds import FeedPoller, FeedRefused
from newsflow.ingest.keys import create_api_key
from newsflow.ingest.publisher import ArticlePublisher
from newsflow.ingest.settings import FeedConfig, IngestSettings
from newsflow.kafka import connection_kwargs, make_consumer, make_producer
from newsflow.models import EnrichedArticle, Enrichment, RawArticle
from newsflow.serde import decode
from newsflow.settings import ElasticsearchSettings, KafkaSettings, TopicSettings
from services.ingest.app import create_app
from tests.integration.test_indexer_support import (
    Env,
    committed_all,
    es_client,
    make_env,
    running_indexer,
    wait_until,
)

pytestmark = pytest.mark.integration

ARTICLE: dict[str, Any] = {
    "id": "acme-0001",
    "url": "https://acme.example.com/news/1",
    "title": "Council approves budget",
    "body": "<p>The council approved the budget.</p>",
    "published_at": "2025-01-06T10:00:00Z",
    "revision": 3,
}
HOOK_SECRET = "hook-secret-for-tests"
OTHER_SECRET = "some-other-secret"


# --------------------------------------------------------------------------------------- harness


async def end_offsets(kafka: KafkaSettings, topic: str) -> dict[int, int]:
    """The end offset of every partition of ``topic``, read from the broker."""
    admin = AIOKafkaAdminClient(**connection_kwargs(kafka))
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert described["error_code"] == 0, f"topic {topic} does not exist: {described}"
    partitions = sorted(p["partition"] for p in described["partitions"])
    consumer = make_consumer(kafka, group_id=None, isolation_level="read_uncommitted")
    await consumer.start()
    try:
        offsets = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in offsets.items()}


async def consume_all(kafka: KafkaSettings, topic: str, *, idle_s: float = 3.0) -> list[ConsumerRecord]:
    """Everything on the topic: read from the start until nothing new arrived for ``idle_s``."""
    consumer = make_consumer(kafka, topic, group_id=None)
    await consumer.start()
    records: list[ConsumerRecord] = []
    last = time.monotonic()
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() - last < idle_s and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
                last = time.monotonic()
    finally:
        await consumer.stop()
    return records


@dataclass
class Ingest:
    client: httpx.AsyncClient
    topic: str
    kafka: KafkaSettings
    keys: dict[str, str]
    keys_file: Path

    def auth(self, source: str = "acme") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[source]}"}

    def signed(
        self, body: bytes, *, source: str = "hooks", secret: str = HOOK_SECRET, at: int | None = None
    ) -> dict[str, str]:
        stamp = int(time.time()) if at is None else at
        return {
            **self.auth(source),
            "content-type": "application/json",
            "X-Newsflow-Timestamp": str(stamp),
            "X-Newsflow-Signature": sign(secret, body, stamp),
        }


@pytest.fixture
def ingest_app(kafka_bootstrap: str, unique_name: Callable[..., str], tmp_path: Path) -> Callable[..., Any]:
    """Factory: ``async with ingest_app(**settings) as ingest`` runs the app (lifespan) on a fresh topic."""

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[Ingest]:
        keys_file = tmp_path / f"{unique_name('keys')}.json"
        keys = {
            "acme": create_api_key(keys_file, "acme"),
            "other": create_api_key(keys_file, "other"),
            "hooks": create_api_key(keys_file, "hooks", hmac_secret=HOOK_SECRET),
            "hooks2": create_api_key(keys_file, "hooks2", hmac_secret=OTHER_SECRET),
        }
        topic = unique_name("sec-raw")
        kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
        topics = TopicSettings(raw=topic, enriched=f"{topic}-enriched", dlq=f"{topic}-dlq", partitions=3)
        settings = IngestSettings(api_keys_file=keys_file, startup_wait_s=30, **overrides)
        app = create_app(settings, kafka, topics)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
                assert (await client.get("/readyz")).status_code == 200
                yield Ingest(client, topic, kafka, keys, keys_file)

    return run


async def assert_nothing_then_only_sentinel(ingest: Ingest) -> None:
    """The topic is empty; a sentinel then makes it hold exactly one record, the sentinel."""
    assert await end_offsets(ingest.kafka, ingest.topic) == {0: 0, 1: 0, 2: 0}
    sentinel = await ingest.client.post(
        "/v1/articles", json={**ARTICLE, "id": "sentinel"}, headers=ingest.auth()
    )
    assert sentinel.status_code == 202, sentinel.text
    assert sum((await end_offsets(ingest.kafka, ingest.topic)).values()) == 1
    assert [r.key for r in await consume_all(ingest.kafka, ingest.topic)] == [b"acme:sentinel"]


def assert_error_body(response: httpx.Response, status: int, *secrets: str) -> None:
    assert response.status_code == status, (
        status,
        response.request.method,
        response.request.url,
        response.text,
    )
    body = response.json()
    assert set(body) == {"detail"}, body
    for secret in secrets:
        assert secret not in response.text


# ------------------------------------------------------------------------ keys, sources, signatures


async def test_missing_invalid_and_foreign_keys_are_refused_and_nothing_is_published(
    ingest_app: Callable[..., Any],
) -> None:
    async with ingest_app() as ingest:
        c = ingest.client
        acme, other = ingest.keys["acme"], ingest.keys["other"]
        stored = orjson.loads(ingest.keys_file.read_bytes())["keys"]
        hash_of_acme = next(k["sha256"] for k in stored if k["source"] == "acme")
        batch = {"articles": [ARTICLE]}
        unauthenticated: list[httpx.Response] = [
            await c.post("/v1/articles", json=ARTICLE),
            await c.post("/v1/articles/batch", json=batch),
            await c.delete("/v1/articles/acme-0001"),
            await c.post("/v1/articles", json=ARTICLE, headers={"Authorization": "Bearer "}),
            await c.post("/v1/articles", json=ARTICLE, headers={"Authorization": f"Basic {acme}"}),
            await c.post("/v1/articles", json=ARTICLE, headers={"Authorization": f"Bearer {acme[:-1]}"}),
            await c.post("/v1/articles", json=ARTICLE, headers={"Authorization": f"Bearer {acme}x"}),
            await c.post(
                "/v1/articles", json=ARTICLE, headers={"X-API-Key": hash_of_acme}
            ),  # the stored hash
            await c.post("/v1/articles", json=ARTICLE, headers={"X-API-Key": "nfk_" + "A" * 10_000}),
            await c.post("/v1/articles/batch", json=batch, headers={"X-API-Key": acme.upper()}),
        ]
        for response in unauthenticated:
            assert_error_body(response, 401, acme)
            assert response.headers["www-authenticate"] == "Bearer"
        # A valid key writing another source's articles, in every shape: refused as a whole.
        foreign = [
            await c.post("/v1/articles", json={**ARTICLE, "source": "other"}, headers=ingest.auth()),
            await c.post(
                "/v1/articles/batch",
                json={"articles": [ARTICLE, {**ARTICLE, "id": "x-2", "source": "other"}]},
                headers=ingest.auth(),
            ),
            await c.post(
                "/v1/articles/batch",
                json={"articles": [{**ARTICLE, "id": f"x-{i}", "source": "acme"} for i in range(3)]},
                headers={"Authorization": f"Bearer {other}"},
            ),
        ]
        for response in foreign:
            assert_error_body(response, 403, acme, other)
        # A source id that is not even valid is a validation error, not a write to it.
        assert_error_body(
            await c.post("/v1/articles", json={**ARTICLE, "source": "ACME"}, headers=ingest.auth()), 422
        )
        await assert_nothing_then_only_sentinel(ingest)


async def test_bad_stale_foreign_and_replayed_signatures_are_refused(ingest_app: Callable[..., Any]) -> None:
    async with ingest_app() as ingest:
        c = ingest.client
        body = orjson.dumps({**ARTICLE, "id": "hook-1"})
        now = int(time.time())
        cases = {
            "unsigned": {**ingest.auth("hooks"), "content-type": "application/json"},
            "other key's secret": ingest.signed(body, secret=OTHER_SECRET),
            "stale": ingest.signed(body, at=now - 301),
            "future": ingest.signed(body, at=now + 301),
            "garbage signature": {**ingest.signed(body), "X-Newsflow-Signature": "sha256=" + "0" * 64},
            "no prefix": {
                **ingest.signed(body),
                "X-Newsflow-Signature": ingest.signed(body)["X-Newsflow-Signature"].removeprefix("sha256="),
            },
            "timestamp not a number": {**ingest.signed(body), "X-Newsflow-Timestamp": "yesterday"},
            "timestamp changed": {**ingest.signed(body, at=now), "X-Newsflow-Timestamp": str(now + 1)},
        }
        for name, headers in cases.items():
            response = await c.post("/v1/articles", content=body, headers=headers)
            assert_error_body(response, 401, HOOK_SECRET, OTHER_SECRET)
            assert "signature" in response.text or "X-Newsflow" in response.text, name
        # A signature made for another body (tampering), and one made for a batch of the same article.
        signed = ingest.signed(body)
        tampered = await c.post("/v1/articles", content=body.replace(b"budget", b"Budget"), headers=signed)
        assert_error_body(tampered, 401, HOOK_SECRET)
        # Signed retraction without a signature: refused too.
        assert_error_body(await c.delete("/v1/articles/hook-1", headers=ingest.auth("hooks")), 401)
        assert await end_offsets(ingest.kafka, ingest.topic) == {0: 0, 1: 0, 2: 0}

        # The genuine request is accepted once; replaying it (same bytes, same headers) is refused, also
        # on the batch endpoint with a correctly signed batch replayed.
        first = await c.post("/v1/articles", content=body, headers=signed)
        assert first.status_code == 202, first.text
        replay = await c.post("/v1/articles", content=body, headers=signed)
        assert_error_body(replay, 401, HOOK_SECRET)
        assert "replayed" in replay.json()["detail"]
        batch = orjson.dumps({"articles": [{**ARTICLE, "id": "hook-2"}]})
        batch_headers = ingest.signed(batch)
        assert (await c.post("/v1/articles/batch", content=batch, headers=batch_headers)).status_code == 202
        assert_error_body(await c.post("/v1/articles/batch", content=batch, headers=batch_headers), 401)
        assert sum((await end_offsets(ingest.kafka, ingest.topic)).values()) == 2
        keys = sorted(r.key for r in await consume_all(ingest.kafka, ingest.topic))
    assert keys == [b"hooks:hook-1", b"hooks:hook-2"]


async def test_hmac_required_refuses_keys_without_a_secret(ingest_app: Callable[..., Any]) -> None:
    async with ingest_app(hmac_required=True) as ingest:
        response = await ingest.client.post("/v1/articles", json=ARTICLE, headers=ingest.auth())
        assert_error_body(response, 401)
        assert await end_offsets(ingest.kafka, ingest.topic) == {0: 0, 1: 0, 2: 0}


# ----------------------------------------------------------------------- oversized and malformed


async def test_oversized_and_malformed_bodies_are_refused_and_nothing_is_published(
    ingest_app: Callable[..., Any],
) -> None:
    async with ingest_app(max_body_bytes=8192, max_batch_bytes=16384, max_batch_items=4) as ingest:
        c, auth = ingest.client, ingest.auth()

        async def chunks(total: int) -> AsyncIterator[bytes]:
            """A body streamed without Content-Length (chunked): the limit must hold while reading."""
            yield b'{"url": "https://acme.example.com/x", "title": "t", "body": "'
            for _ in range(total // 1024):
                yield b"x" * 1024
            yield b'"}'

        too_large = [
            await c.post("/v1/articles", json={**ARTICLE, "body": "x" * 9000}, headers=auth),
            await c.post("/v1/articles", content=chunks(64 * 1024), headers=auth),
            await c.request("DELETE", "/v1/articles/acme-0001", content=b" " * 9000, headers=auth),
            await c.post("/v1/articles/batch", json={"articles": [ARTICLE] * 5}, headers=auth),
            await c.post(
                "/v1/articles/batch", json={"articles": [{**ARTICLE, "body": "y" * 6000}] * 3}, headers=auth
            ),
            await c.post(
                "/v1/articles",
                content=b"{}",
                headers={**auth, "content-length": str(10**12)},  # a lie: refused before reading
            ),
        ]
        for response in too_large:
            assert_error_body(response, 413)
        nested = b"[" * 3000 + b"]" * 3000
        malformed_single = [
            b"",
            b"{not json",
            b"\xff\xfe\x00{",  # not UTF-8
            b"[]",
            b"null",
            b'"just a string"',
            b'{"url": "https://acme.example.com/x", "title": "t", "body": "b\x00"}',  # raw control char
            b'{"url": "https://acme.example.com/x", "title": "t", "body": "b", "revision": NaN}',
            b'{"url": "https://acme.example.com/x", "title": "t", "body": "b", "revision": 1e400}',
            b'{"url": "https://acme.example.com/x", "title": "t", "body": "b", "revision": '
            + str(2**70).encode()
            + b"}",
            b'{"url": "https://acme.example.com/x", "title": "t", "body": ' + nested + b"}",
            b'{"url": "javascript:alert(1)", "title": "t", "body": "b"}',
            b'{"url": "file:///etc/passwd", "title": "t", "body": "b"}',
            b'{"url": "https://acme.example.com/x", "title": "t", "body": "b", '
            b'"published_at": "2025-01-01T00:00:00"}',  # naive datetime
            b'{"url": "https://acme.example.com/x", "title": "t", "body": "b", "id": "../../etc/passwd"}',
            b'{"url": "https://acme.example.com/x", "title": "t", "body": "b", "__proto__": {}}',
            orjson.dumps({**ARTICLE, "title": "t" * 1001}),
        ]
        for raw in malformed_single:
            response = await c.post(
                "/v1/articles", content=raw, headers={**auth, "content-type": "application/json"}
            )
            assert_error_body(response, 422)
            assert (
                isinstance(response.json()["detail"], list)
                and response.json()["detail"][0]["loc"][0] == "body"
            )
        for raw in (
            b"{bad",
            nested,
            b'{"articles": {}}',
            b'{"articles": [], "more": 1}',
            b'{"articles": [1, "x"]}',
        ):
            response = await c.post("/v1/articles/batch", content=raw, headers=auth)
            assert response.status_code == 422, (raw[:40], response.text)
        bad_id = await c.delete("/v1/articles/..%2F..%2Fetc", headers=auth)
        assert bad_id.status_code in (404, 422), bad_id.text
        await assert_nothing_then_only_sentinel(ingest)


# ------------------------------------------------------------------------- sources are isolated


def _enrichment(articles: Any) -> list[Enrichment]:
    """A minimal enrichment (the models are not what this test is about)."""
    return [
        Enrichment(word_count=len(a.body.split()), reading_time_s=1, fingerprint="0" * 16) for a in articles
    ]


async def relay_raw_to_enriched(env: Env, done: set[tuple[int, int]]) -> int:
    """Do the enrichment worker's job for the raw records not relayed yet: its own record mapping
    (:func:`process_records`, keyed by article id) and the enriched topic. Returns how many."""
    records = [r for r in await consume_all(env.kafka, env.topics.raw) if (r.partition, r.offset) not in done]
    outs = process_records(
        [InRecord(r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers)) for r in records],
        _enrichment,
    )
    producer = make_producer(env.kafka)
    await producer.start()
    try:
        for out in outs:
            assert out.destination == "enriched", out
            await producer.send(env.topics.enriched, out.value, key=out.key, headers=list(out.headers))
        await producer.flush()
    finally:
        await producer.stop()
    done.update((r.partition, r.offset) for r in records)
    return len(records)


async def test_a_source_can_neither_replace_nor_retract_another_sources_article(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str], tmp_path: Path
) -> None:
    """Two sources push the same publisher id (and the same URL without an id): four documents, each
    intact; the other source's higher revision and its retractions never touch acme's articles; a
    retraction naming acme's scoped id with another key is a 403 with nothing written to Kafka."""
    env = await make_env(kafka_bootstrap, es_url, unique_name)
    keys_file = tmp_path / "keys.json"
    longest_source = "s" * 64
    keys = {s: create_api_key(keys_file, s) for s in ("acme", "other", longest_source)}
    app = create_app(IngestSettings(api_keys_file=keys_file, startup_wait_s=30), env.kafka, env.topics)

    def auth(source: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys[source]}"}

    shared_url = "https://shared.example.com/news/1"
    derived = derive_id(shared_url)
    relayed: set[tuple[int, int]] = set()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest") as c,
        es_client(env) as es,
        running_indexer(env),
    ):

        async def post(source: str, **fields: Any) -> str:
            response = await c.post("/v1/articles", json={**ARTICLE, **fields}, headers=auth(source))
            assert response.status_code == 202, response.text
            answer: str = response.json()["id"]
            return answer

        async def settle() -> None:
            await relay_raw_to_enriched(env, relayed)
            await wait_until(lambda: committed_all(env), within=60, what="indexer caught up", interval=0.3)
            await es.indices.refresh(index=env.es.alias)

        async def docs() -> dict[str, dict[str, Any]]:
            found = await es.search(index=env.es.alias, query={"match_all": {}}, size=100)
            return {hit["_id"]: hit["_source"] for hit in found["hits"]["hits"]}

        # The same publisher id and the same URL from two sources; the other source's revisions are higher.
        ids = {
            await post("acme", id="story-1", title="Acme story", revision=3),
            await post("other", id="story-1", title="Other story", revision=9),
            await post("acme", id=None, url=shared_url, title="Acme by url", revision=3),
            await post("other", id=None, url=shared_url, title="Other by url", revision=9),
            await post(longest_source, id="p" * 200, title="Longest id", revision=1),
        }
        longest_id = f"{longest_source}:{'p' * 200}"
        assert ids == {"acme:story-1", "other:story-1", f"acme:{derived}", f"other:{derived}", longest_id}
        raw_keys = sorted(r.key for r in await consume_all(env.kafka, env.topics.raw))
        assert raw_keys == sorted(i.encode() for i in ids)  # five Kafka keys: compaction keeps all five
        await settle()
        indexed = await docs()
        assert set(indexed) == ids
        assert {i: (d["source"], d["title"], d["revision"]) for i, d in indexed.items()} == {
            "acme:story-1": ("acme", "Acme story", 3),
            "other:story-1": ("other", "Other story", 9),
            f"acme:{derived}": ("acme", "Acme by url", 3),
            f"other:{derived}": ("other", "Other by url", 9),
            longest_id: (longest_source, "Longest id", 1),
        }
        assert len(longest_id) == 265 and (await es.get(index=env.es.alias, id=longest_id))["found"]
        # Search returns the scoped ids, and a client can look an article up by the id it was given.
        result = await search_async(es, env.es.alias, SearchQuery(text="story", facet_size=0))
        assert sorted(h.id for h in result.hits) == ["acme:story-1", "other:story-1"]

        # Another source's scoped ids cannot be retracted: 403, and not one record reaches Kafka.
        before = await end_offsets(env.kafka, env.topics.raw)
        for foreign in ("acme:story-1", f"acme:{derived}", f"{longest_source}:{'p' * 200}"):
            refused = await c.delete(f"/v1/articles/{foreign}", headers=auth("other"))
            assert_error_body(refused, 403, keys["other"])
        with_revision = await c.request(
            "DELETE", "/v1/articles/acme:story-1", json={"revision": 2**62}, headers=auth("other")
        )
        assert_error_body(with_revision, 403)
        assert await end_offsets(env.kafka, env.topics.raw) == before

        # The other source retracts "story-1" and its URL-derived id: only its own articles go.
        for own in ("story-1", f"other:{derived}"):
            retracted = await c.delete(f"/v1/articles/{own}", headers=auth("other"))
            assert retracted.status_code == 202, retracted.text
            assert retracted.json()["id"].startswith("other:")
        await settle()
        indexed = await docs()
        assert set(indexed) == {"acme:story-1", f"acme:{derived}", longest_id}
        assert indexed["acme:story-1"]["title"] == "Acme story" and indexed["acme:story-1"]["revision"] == 3
        assert indexed[f"acme:{derived}"]["title"] == "Acme by url"


# ------------------------------------------------------------------------------ HTML / script


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
    ingest_app: Callable[..., Any], es_url: str, unique_name: Callable[..., str]
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
        records = await consume_all(ingest.kafka, ingest.topic)
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
        await es.indices.create(index=index, mappings=mappings("standard"))
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


# ------------------------------------------------------------------------------------------- SSRF


PUBLIC = "93.184.216.34"
NAMES = {
    "news.example.com": [PUBLIC],
    "localhost": ["127.0.0.1", "::1"],
    "intranet.example.com": ["10.20.30.40"],
    "metadata.example.com": ["169.254.169.254"],
    "mixed.example.com": [PUBLIC, "192.168.0.10"],
    "v6.example.com": ["fd00::1"],
}


async def fake_resolve(host: str, port: int) -> list[str]:
    """The resolver the poller gets: literals as getaddrinfo reads them, a fixed table for names, and
    never a real DNS query."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host):  # 2130706433, 0x7f.1, 0177.0.0.1: inet_aton forms
        try:
            return [socket.inet_ntoa(socket.inet_aton(host))]
        except OSError:
            pass
    if host in NAMES:
        return NAMES[host]
    raise OSError(f"no DNS in tests: {host}")


@dataclass
class Listener:
    """An HTTP server on 127.0.0.1 that counts connections; serves a feed and redirects."""

    port: int = 0
    connections: int = 0
    paths: list[str] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.decode("latin-1").split(" ")[1]
            self.paths.append(path)
            if path.startswith("/redirect"):
                target = parse_qs(urlsplit(path).query)["to"][0]
                status, extra, payload = "302 Found", f"Location: {target}\r\n", b""
            else:
                status, extra, payload = "200 OK", "", RSS.encode()
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: application/rss+xml\r\n{extra}"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Public feed item</title><link>https://news.example.com/1</link>
<pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate><description>Hello</description></item></channel></rss>"""


class TrapTransport(httpx.AsyncBaseTransport):
    """Whatever host a request names, it goes to the local listener (so a guard failure can never
    connect anywhere but 127.0.0.1). Every request is recorded: the URL as the server sees it (with
    the ``Host`` header) and the address the client asked to connect to."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.urls: list[str] = []
        self.addresses: list[str] = []
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url.copy_with(netloc=request.headers["host"].encode())))
        self.addresses.append(request.url.host)
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    state = Listener()
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    async with server:
        yield state
        server.close()


async def test_feed_urls_to_private_addresses_are_refused_before_any_connection(
    listener: Listener, kafka_bootstrap: str, unique_name: Callable[..., str]
) -> None:
    port = listener.port
    refused = [
        f"http://127.0.0.1:{port}/feed.xml",
        f"http://127.1:{port}/feed.xml",
        f"http://2130706433:{port}/feed.xml",
        f"http://0x7f.0.0.1:{port}/feed.xml",
        f"http://localhost:{port}/feed.xml",
        f"http://[::1]:{port}/feed.xml",
        f"http://[::ffff:127.0.0.1]:{port}/feed.xml",
        f"http://0.0.0.0:{port}/feed.xml",
        "http://10.0.0.1/feed.xml",
        "http://172.16.0.1/feed.xml",
        "http://192.168.1.1/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/feed.xml",
        "http://intranet.example.com/feed.xml",
        "http://metadata.example.com/latest/meta-data/",
        "http://mixed.example.com/feed.xml",  # one private answer is enough
        "http://v6.example.com/feed.xml",
        "file:///etc/passwd",
        "ftp://news.example.com/feed.xml",
        "gopher://127.0.0.1:70/",
    ]
    redirects = [
        "http://10.0.0.1/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        f"http://localhost:{port}/feed.xml",
        f"http://[::1]:{port}/feed.xml",
        "http://intranet.example.com/feed.xml",
        "file:///etc/passwd",
    ]
    redirecting = [f"http://news.example.com/redirect?to={target}" for target in redirects]
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    topic = unique_name("sec-feeds")
    topics = TopicSettings(raw=topic, enriched=f"{topic}-e", dlq=f"{topic}-d", partitions=3)
    publisher = ArticlePublisher(kafka, topics, timeout_s=15, create_topics=True)
    await publisher.start(wait_s=30)
    trap = TrapTransport(port)
    try:
        async with httpx.AsyncClient(transport=trap, trust_env=False) as client:
            feeds = [FeedConfig(url=url, source="feeds") for url in refused + redirecting]
            poller = FeedPoller(feeds, publisher.publish_many, client=client, resolve=fake_resolve)
            for feed in feeds:
                with pytest.raises(FeedRefused):
                    await poller.poll_once(feed)
            assert listener.connections == len(redirecting)  # only the public first hops connected
            assert trap.urls == redirecting
            assert trap.addresses == [PUBLIC] * len(redirecting)  # pinned to the checked address
            assert all(p.startswith("/redirect") for p in listener.paths)
            assert await end_offsets(kafka, topic) == {0: 0, 1: 0, 2: 0}
            # Control: the same harness does connect and publish for a public feed.
            good = FeedConfig(url="http://news.example.com/feed.xml", source="feeds")
            result = await poller.poll_once(good)
            assert result.published == 1
            assert listener.connections == len(redirecting) + 1
    finally:
        await publisher.stop()
    assert sum((await end_offsets(kafka, topic)).values()) == 1


async def test_service_feed_poller_refuses_loopback_feeds_without_connecting(
    listener: Listener,
    ingest_app: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The wired service (real resolver, defaults) refuses loopback/unspecified feed URLs: no connection
    to the listener, a log line per feed, and nothing on the topic."""
    port = listener.port
    urls = [
        f"http://127.0.0.1:{port}/feed.xml",
        f"http://localhost:{port}/feed.xml",
        f"http://[::1]:{port}/feed.xml",
        f"http://0.0.0.0:{port}/feed.xml",
        f"http://[::ffff:127.0.0.1]:{port}/feed.xml",
    ]
    feeds = tuple(FeedConfig(url=u, source="feeds") for u in urls)
    caplog.set_level(logging.WARNING, logger="newsflow.ingest.feeds")
    async with ingest_app(feeds=feeds, feed_interval_s=3600) as ingest:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            skipped = [r for r in caplog.records if r.getMessage().startswith("feed skipped")]
            if len(skipped) >= len(urls):
                break
            await asyncio.sleep(0.1)
        messages = [r.getMessage() for r in caplog.records if r.getMessage().startswith("feed skipped")]
        assert len(messages) == len(urls), messages
        assert all("non-public address" in m for m in messages), messages
        assert listener.connections == 0
        assert await end_offsets(ingest.kafka, ingest.topic) == {0: 0, 1: 0, 2: 0}
