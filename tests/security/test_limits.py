"""Threat: oversized and malformed bodies (streamed without a length, lying about it, nested, not
UTF-8, not JSON, out-of-range numbers). Each is refused with 413 or 422 and nothing reaches Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson

from tests.support.ingest_app import (
    ARTICLE,
    IngestFactory,
    assert_error_body,
    assert_nothing_then_only_sentinel,
)


async def test_oversized_and_malformed_bodies_are_refused_and_nothing_is_published(
    ingest_app: IngestFactory,
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
