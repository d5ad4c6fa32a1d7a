"""The one ingest harness: the real ingest app (lifespan entered) on a fresh raw topic, driven through
an in-process HTTP client, with keys for several sources (two of them signing with HMAC secrets).

``async with ingest_app(**settings) as ingest`` — the fixture is a factory so a test can pick limits.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from newsflow.ingest.auth import sign
from newsflow.ingest.keys import create_api_key
from newsflow.ingest.settings import IngestSettings
from newsflow.settings import KafkaSettings, TopicSettings
from services.ingest.app import create_app
from tests.support.kafka import end_offsets, read_topic

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


@dataclass
class Ingest:
    """A running ingest app with a client, its raw topic and the keys of sources acme, other, hooks
    (signs with :data:`HOOK_SECRET`) and hooks2 (signs with :data:`OTHER_SECRET`)."""

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
        """Headers of a request signed with ``secret`` at ``at`` (now by default)."""
        stamp = int(time.time()) if at is None else at
        return {
            **self.auth(source),
            "content-type": "application/json",
            "X-Newsflow-Timestamp": str(stamp),
            "X-Newsflow-Signature": sign(secret, body, stamp),
        }


IngestFactory = Callable[..., Any]


@pytest.fixture
def ingest_app(kafka_bootstrap: str, unique_name: Callable[..., str], tmp_path: Path) -> IngestFactory:
    """Factory: ``async with ingest_app(partitions=3, **settings) as ingest`` runs ingest on a new topic."""

    @asynccontextmanager
    async def run(partitions: int = 3, **overrides: Any) -> AsyncIterator[Ingest]:
        keys_file = tmp_path / f"{unique_name('keys')}.json"
        keys = {
            "acme": create_api_key(keys_file, "acme"),
            "other": create_api_key(keys_file, "other"),
            "hooks": create_api_key(keys_file, "hooks", hmac_secret=HOOK_SECRET),
            "hooks2": create_api_key(keys_file, "hooks2", hmac_secret=OTHER_SECRET),
        }
        topic = unique_name("raw")
        kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
        topics = TopicSettings(
            raw=topic, enriched=f"{topic}-enriched", dlq=f"{topic}-dlq", partitions=partitions
        )
        feed_topics = {  # each app its own feed group and memory (tests share one broker)
            "feed_group": f"{topic}-feeds",
            "feed_group_topic": f"{topic}-feeds-assign",
            "feed_state_topic": f"{topic}-feeds-state",
        }
        settings = IngestSettings(api_keys_file=keys_file, startup_wait_s=30, **{**feed_topics, **overrides})
        app = create_app(settings, kafka, topics)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
                ready = await client.get("/readyz")
                assert ready.status_code == 200, ready.text
                yield Ingest(client, topic, kafka, keys, keys_file)

    return run


async def assert_nothing_then_only_sentinel(ingest: Ingest) -> None:
    """The topic is empty; a sentinel then makes it hold exactly one record, the sentinel (so "nothing
    was published" is read from the broker, not inferred from status codes)."""
    assert set((await end_offsets(ingest.kafka, ingest.topic)).values()) == {0}
    sentinel = await ingest.client.post(
        "/v1/articles", json={**ARTICLE, "id": "sentinel"}, headers=ingest.auth()
    )
    assert sentinel.status_code == 202, sentinel.text
    assert sum((await end_offsets(ingest.kafka, ingest.topic)).values()) == 1
    assert [r.key for r in await read_topic(ingest.kafka, ingest.topic)] == [b"acme:sentinel"]


def assert_error_body(response: httpx.Response, status: int, *secrets: str) -> None:
    """``response`` has ``status`` and a body of only ``detail``, which echoes none of ``secrets``."""
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
