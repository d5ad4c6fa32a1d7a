"""Threat: writing without a valid key, as another source, or with a bad, stale or replayed signature.
Every refusal gets the documented answer, and nothing reaches Kafka: proven from the broker (the
topic's end offsets stay 0; one sentinel then makes it hold exactly one record, the sentinel)."""

from __future__ import annotations

import time

import httpx
import orjson

from tests.support.ingest_app import (
    ARTICLE,
    HOOK_SECRET,
    OTHER_SECRET,
    IngestFactory,
    assert_error_body,
    assert_nothing_then_only_sentinel,
)
from tests.support.kafka import end_offsets, read_topic


async def test_missing_invalid_and_foreign_keys_are_refused_and_nothing_is_published(
    ingest_app: IngestFactory,
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


async def test_bad_stale_foreign_and_replayed_signatures_are_refused(ingest_app: IngestFactory) -> None:
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
        keys = sorted(r.key for r in await read_topic(ingest.kafka, ingest.topic))
    assert keys == [b"hooks:hook-1", b"hooks:hook-2"]


async def test_hmac_required_refuses_keys_without_a_secret(ingest_app: IngestFactory) -> None:
    async with ingest_app(hmac_required=True) as ingest:
        response = await ingest.client.post("/v1/articles", json=ARTICLE, headers=ingest.auth())
        assert_error_body(response, 401)
        assert await end_offsets(ingest.kafka, ingest.topic) == {0: 0, 1: 0, 2: 0}
