"""Feed polling and the backfill CLI against the real Kafka broker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from newsflow.ingest.contract import derive_id
from newsflow.ingest.feed_poller import FeedPoller
from newsflow.ingest.publisher import ArticlePublisher
from newsflow.ingest.settings import FeedConfig
from newsflow.models import RawArticle
from newsflow.serde import decode, header
from newsflow.settings import KafkaSettings, TopicSettings
from tests.support.feed_server import FeedServer
from tests.support.kafka import read_topic

pytestmark = pytest.mark.integration

SEED = Path(__file__).resolve().parents[1] / "data" / "trump-xi-phone-call.txt"  # the brief's article


async def test_feed_entries_reach_kafka_once_per_revision(
    kafka_bootstrap: str, unique_name: Callable[..., str], feed_server: FeedServer
) -> None:
    server = feed_server
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    topic = unique_name("raw")
    topics = TopicSettings(raw=topic, enriched=f"{topic}-e", dlq=f"{topic}-d", partitions=2)
    publisher = ArticlePublisher(kafka, topics, create_topics=True)
    await publisher.start(wait_s=30)
    feed = FeedConfig(url=server.url, source="example", allow_private=True)  # loopback allowed explicitly
    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            poller = FeedPoller([feed], publisher.publish_many, client=client, interval_s=0.2)
            task = asyncio.create_task(poller.run())
            deadline = time.monotonic() + 20
            while len(server.requests) < 3 and time.monotonic() < deadline:  # noqa: ASYNC110 (deadline poll)
                await asyncio.sleep(0.1)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            assert len(server.requests) >= 3  # polled repeatedly...
            assert server.requests[-1].get("if-none-match") == '"v1"'  # ...with conditional GET
            records = await read_topic(kafka, topic)
    finally:
        await publisher.stop()
    assert sorted(r.key for r in records) == sorted(
        [b"example:urn:1", f"example:{derive_id('https://news.example.com/2')}".encode()]
    )  # two valid entries (guid, else URL; scoped by the feed's source), published once despite polls
    article = decode(records[0].value, RawArticle)
    assert article.source == "example"
    assert header(records[0].headers, "newsflow-schema") == "raw/1"
    assert all("<" not in decode(r.value, RawArticle).body for r in records)  # bodies are plain text


def test_backfill_cli_publishes_good_records_and_reports_bad_ones(
    kafka_bootstrap: str, unique_name: Callable[..., str], tmp_path: Path
) -> None:
    good = '{"id": "bf-1", "url": "https://e.com/1", "title": "One", "body": "Body"}'
    (tmp_path / "a.jsonl").write_text(good + "\n" + '{"id": "bf-2", "title": "no url", "body": "x"}\n')
    (tmp_path / "b.json").write_text("[" + good.replace("bf-1", "archive:bf-3") + "]")  # already scoped
    (tmp_path / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    topic = unique_name("raw")
    env = {**os.environ, "NEWSFLOW_TOPIC_PARTITIONS": "2"}
    done = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "ingest", str(tmp_path), "--source", "archive",
         "--bootstrap", kafka_bootstrap, "--topic", topic],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"{tmp_path / 'a.jsonl'}:2: url: Field required" in done.stdout
    assert "3 accepted, 1 failed" in done.stdout
    records = asyncio.run(read_topic(kafka_bootstrap, topic))
    articles = {r.key: decode(r.value, RawArticle) for r in records}
    assert set(articles) == {b"archive:bf-1", b"archive:bf-3", b"archive:seed"}
    assert articles[b"archive:bf-1"].source == "archive"
    assert articles[b"archive:bf-1"].id == "archive:bf-1"
    assert articles[b"archive:seed"].body
