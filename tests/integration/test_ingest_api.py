"""The ingest HTTP API against the real Kafka broker: what is accepted reaches news.articles.raw, what
is refused never does, and a Kafka outage is a clean 503 the service recovers from by itself."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import orjson
import pytest

from newsflow.models import RawArticle
from newsflow.serde import decode, header
from newsflow.tracing import parse_traceparent
from tests.support.ingest_app import IngestFactory
from tests.support.kafka import read_topic
from tests.support.stack import StackControl

pytestmark = pytest.mark.integration

ARTICLE = {
    "id": "acme-0001",
    "url": "https://acme.example.com/news/1",
    "title": "Council approves budget",
    "body": "<p>The council approved the budget.</p><script>track()</script>",
    "published_at": "2025-01-06T10:00:00Z",
    "revision": 3,
    "authors": ["A. Reporter"],
    "section": "politics",
    "language": "en",
    "tags": ["budget"],
}


async def test_pushed_article_is_in_the_raw_topic_with_key_and_headers(
    ingest_app: IngestFactory,
) -> None:
    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with ingest_app() as ingest:
        before_ms = int(time.time() * 1000)
        response = await ingest.client.post(
            "/v1/articles", json=ARTICLE, headers={**ingest.auth(), "traceparent": incoming}
        )
        assert response.status_code == 202, response.text
        answer = response.json()
        assert (
            answer["id"] == "acme:acme-0001" and answer["revision"] == 3 and answer["topic"] == ingest.topic
        )
        (record,) = await read_topic(ingest.kafka, ingest.topic)
    assert record.key == b"acme:acme-0001"  # the id is scoped by the key's source
    assert (record.partition, record.offset) == (answer["partition"], answer["offset"])
    article = decode(record.value, RawArticle)
    assert article.source == "acme" and article.revision == 3 and not article.deleted
    assert article.body == "The council approved the budget."
    assert article.tags == ("budget",) and article.authors == ("A. Reporter",)
    headers = record.headers
    assert header(headers, "newsflow-schema") == "raw/1"
    assert header(headers, "content-type") == "application/json"
    accepted_at = int(header(headers, "newsflow-published-at") or 0)
    assert before_ms <= accepted_at <= int(time.time() * 1000)
    trace = parse_traceparent(header(headers, "traceparent"))
    assert trace is not None and trace.trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert trace.span_id != "b7ad6b7169203331"  # a child span of the caller's


async def test_retried_identical_request_has_the_same_key_and_revision(
    ingest_app: IngestFactory,
) -> None:
    """A retry after a lost answer produces a second record, but the same (id, revision): downstream
    stages are idempotent by (id, revision) (ES external versioning), so it is the same logical article."""
    no_revision = {k: v for k, v in ARTICLE.items() if k not in ("id", "revision")}
    no_revision["updated_at"] = "2025-01-06T12:30:00+01:00"
    async with ingest_app() as ingest:
        first = await ingest.client.post("/v1/articles", json=no_revision, headers=ingest.auth())
        second = await ingest.client.post("/v1/articles", json=no_revision, headers=ingest.auth())
        assert first.status_code == second.status_code == 202
        records = await read_topic(ingest.kafka, ingest.topic)
    assert len(records) == 2
    one, two = (decode(r.value, RawArticle) for r in records)
    assert records[0].key == records[1].key == one.id.encode()
    assert one.id.startswith("acme:u-") and (one.id, one.revision) == (two.id, two.revision)
    assert one.revision == 1736163000000  # updated_at in epoch ms
    assert one.model_dump(exclude={"ingested_at"}) == two.model_dump(exclude={"ingested_at"})


async def test_batch_reports_per_item_results_and_publishes_only_valid_items(
    ingest_app: IngestFactory,
) -> None:
    items: list[dict[str, Any]] = [
        {**ARTICLE, "id": f"acme-{i:04d}", "url": f"https://acme.example.com/news/{i}"} for i in range(300)
    ]
    items[7] = {**items[7], "published_at": "2025-01-06T10:00:00"}  # naive datetime
    items[42] = {**items[42], "colour": "red"}  # unknown field
    async with ingest_app() as ingest:
        response = await ingest.client.post(
            "/v1/articles/batch", json={"articles": items}, headers=ingest.auth()
        )
        assert response.status_code == 202, response.text
        body = response.json()
        assert (body["accepted"], body["rejected"]) == (298, 2)
        results = body["results"]
        assert [r["index"] for r in results] == list(range(300))
        assert results[7]["status"] == "rejected"
        assert results[7]["errors"][0]["loc"] == ["body", "articles", 7, "published_at"]
        assert results[42]["errors"][0]["loc"] == ["body", "articles", 42, "colour"]
        assert results[0]["status"] == "accepted" and results[0]["id"] == "acme:acme-0000"
        records = await read_topic(ingest.kafka, ingest.topic)
    keys = {r.key for r in records}
    assert len(records) == 298 and len(keys) == 298
    assert {r["id"].encode() for r in results if r["status"] == "accepted"} == keys
    assert b"acme:acme-0007" not in keys and b"acme:acme-0042" not in keys


async def test_refused_requests_get_documented_errors_and_nothing_reaches_kafka(
    ingest_app: IngestFactory,
) -> None:
    async with ingest_app(partitions=1, max_body_bytes=4096, max_batch_items=5) as ingest:
        post = ingest.client.post
        auth = ingest.auth()
        cases: list[tuple[int, httpx.Response]] = [
            (401, await post("/v1/articles", json=ARTICLE)),
            (401, await post("/v1/articles", json=ARTICLE, headers={"Authorization": "Bearer nfk_guess"})),
            (401, await post("/v1/articles", json=ARTICLE, headers={"X-API-Key": "nfk_guess"})),
            (403, await post("/v1/articles", json={**ARTICLE, "source": "other"}, headers=auth)),
            (422, await post("/v1/articles", json={**ARTICLE, "title": ""}, headers=auth)),
            (422, await post("/v1/articles", json={**ARTICLE, "surprise": True}, headers=auth)),
            (422, await post("/v1/articles", content=b"{not json", headers=auth)),
            (413, await post("/v1/articles", json={**ARTICLE, "body": "x" * 5000}, headers=auth)),
            (
                403,
                await post(
                    "/v1/articles/batch",
                    json={"articles": [ARTICLE, {**ARTICLE, "source": "other"}]},
                    headers=auth,
                ),
            ),
            (413, await post("/v1/articles/batch", json={"articles": [ARTICLE] * 6}, headers=auth)),
            (422, await post("/v1/articles/batch", json={"articles": [{"title": "x"}]}, headers=auth)),
            (401, await post("/v1/articles", json=ARTICLE, headers=ingest.auth("hooks"))),  # unsigned
            (401, await ingest.client.delete("/v1/articles/acme-0001")),
            (403, await ingest.client.delete("/v1/articles/other:x-1", headers=auth)),  # another source's
            (422, await ingest.client.delete("/v1/articles/-bad", headers=auth)),
        ]
        for expected, response in cases:
            assert response.status_code == expected, (expected, response.request.url, response.text)
        unknown = cases[5][1].json()["detail"]
        assert unknown[0]["loc"] == ["body", "surprise"] and unknown[0]["type"] == "extra_forbidden"
        assert cases[4][1].json()["detail"][0]["loc"] == ["body", "title"]
        assert cases[0][1].headers["www-authenticate"] == "Bearer"
        assert ingest.keys["acme"] not in str([r.text for _, r in cases])
        sentinel = await post("/v1/articles", json={**ARTICLE, "id": "sentinel"}, headers=auth)
        assert sentinel.status_code == 202
        records = await read_topic(ingest.kafka, ingest.topic)
        metrics = (await ingest.client.get("/metrics")).text
    assert [r.key for r in records] == [b"acme:sentinel"]  # one partition: anything refused would come first
    assert 'newsflow_ingest_articles_total{outcome="rejected",reason="forbidden"}' in metrics
    assert 'newsflow_ingest_requests_total{endpoint="/v1/articles",method="POST",status="413"} 1.0' in metrics


async def test_signed_webhook_is_accepted_once(ingest_app: IngestFactory) -> None:
    async with ingest_app() as ingest:
        body = orjson.dumps({**ARTICLE, "id": "hook-1"})
        headers = ingest.signed(body)
        accepted = await ingest.client.post("/v1/articles", content=body, headers=headers)
        replayed = await ingest.client.post("/v1/articles", content=body, headers=headers)
        tampered = await ingest.client.post(
            "/v1/articles", content=body.replace(b"Council", b"Mayor"), headers=headers
        )
        assert accepted.status_code == 202, accepted.text
        assert replayed.status_code == 401 and "replayed" in replayed.text
        assert tampered.status_code == 401
        records = await read_topic(ingest.kafka, ingest.topic)
    assert [r.key for r in records] == [b"hooks:hook-1"]


async def test_retraction_publishes_a_deleted_article_with_a_higher_revision(
    ingest_app: IngestFactory,
) -> None:
    async with ingest_app() as ingest:
        created = await ingest.client.post("/v1/articles", json=ARTICLE, headers=ingest.auth())
        deleted = await ingest.client.delete("/v1/articles/acme-0001", headers=ingest.auth())
        assert created.status_code == deleted.status_code == 202
        # The scoped id the API returned retracts the same article.
        scoped = created.json()["id"]
        again = await ingest.client.delete(f"/v1/articles/{scoped}", headers=ingest.auth())
        assert again.status_code == 202 and again.json()["id"] == deleted.json()["id"] == scoped
        records = await read_topic(ingest.kafka, ingest.topic)
    first, last, last_again = (decode(r.value, RawArticle) for r in records)
    assert records[1].key == records[2].key == b"acme:acme-0001"
    assert last.deleted and last.source == "acme" and last.revision > first.revision
    assert last_again.deleted and last_again.id == "acme:acme-0001"


async def test_kafka_outage_is_a_503_and_the_service_recovers_without_restart(
    ingest_app: IngestFactory, stack_control: StackControl
) -> None:
    async with ingest_app(publish_timeout_s=3.0, retry_after_s=2) as ingest:
        before = await ingest.client.post(
            "/v1/articles", json={**ARTICLE, "id": "before"}, headers=ingest.auth()
        )
        assert before.status_code == 202
        await asyncio.to_thread(stack_control.stop_kafka)
        try:
            during = await ingest.client.post(
                "/v1/articles", json={**ARTICLE, "id": "during"}, headers=ingest.auth()
            )
            assert during.status_code == 503, during.text
            assert during.headers["retry-after"] == "2"
            assert (await ingest.client.get("/readyz")).status_code == 503
        finally:
            await asyncio.to_thread(stack_control.start_kafka)
        deadline = time.monotonic() + 90
        status = 0
        while time.monotonic() < deadline:
            after = await ingest.client.post(
                "/v1/articles", json={**ARTICLE, "id": "after"}, headers=ingest.auth()
            )
            status = after.status_code
            if status == 202:
                break
            assert status == 503, after.text
            await asyncio.sleep(1)
        assert status == 202, "ingest did not recover after Kafka came back"
        assert (await ingest.client.get("/readyz")).status_code == 200
        records = await read_topic(ingest.kafka, ingest.topic)
    keys = {r.key for r in records}
    assert {
        b"acme:before",
        b"acme:after",
    } <= keys  # "during" got a 503; it may still arrive later (harmless retry)
