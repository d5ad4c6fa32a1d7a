"""The enrichment worker against the real broker, run as ``python -m services.enrichment`` subprocesses."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from newsflow.kafka import ensure_topics, make_consumer, make_producer
from newsflow.models import DeadLetter, EnrichedArticle, RawArticle
from newsflow.serde import encode
from newsflow.settings import KafkaSettings, TopicSettings
from services.enrichment.app import resolve_port
from tests.support.articles import SEED_ENTITIES, SEED_TOPIC, seed_article

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TRACEPARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
PARTITIONS = 4
STARTUP_S = 90.0


@dataclass
class Names:
    raw: str
    enriched: str
    dlq: str
    group: str

    def kafka(self, bootstrap: str) -> tuple[KafkaSettings, TopicSettings]:
        return (
            KafkaSettings(bootstrap_servers=bootstrap),
            TopicSettings(raw=self.raw, enriched=self.enriched, dlq=self.dlq, partitions=PARTITIONS),
        )


@dataclass
class Worker:
    """One worker subprocess and its web port (metrics, liveness)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def metric(self, name: str) -> float:
        response = httpx.get(self.url("/metrics"), timeout=5)
        response.raise_for_status()
        text = response.text
        return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))

    def wait_metric(self, name: str, expected: float, timeout: float = 10.0) -> float:
        deadline = time.monotonic() + timeout
        value = self.metric(name)
        while value < expected and time.monotonic() < deadline:
            time.sleep(0.2)
            value = self.metric(name)
        return value

    def stop(self, timeout: float = 60.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise


@dataclass
class Workers:
    started: list[Worker] = field(default_factory=list)


@pytest.fixture
def names(unique_name: Callable[..., str]) -> Names:
    base = unique_name("enrich")
    return Names(f"{base}.raw", f"{base}.enriched", f"{base}.dlq", f"{base}-group")


@pytest.fixture
async def topics(kafka_bootstrap: str, names: Names) -> Names:
    await ensure_topics(*names.kafka(kafka_bootstrap))
    return names


@pytest.fixture
def workers() -> Iterator[Workers]:
    pool = Workers()
    yield pool
    for worker in pool.started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=10)


def start_worker(pool: Workers, bootstrap: str, names: Names, tmp_path: Path, tag: str, **env: str) -> Worker:
    port = resolve_port("127.0.0.1", 0)
    log = tmp_path / f"worker-{tag}.log"
    environment = {
        **os.environ,
        "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "NEWSFLOW_TOPIC_RAW": names.raw,
        "NEWSFLOW_TOPIC_ENRICHED": names.enriched,
        "NEWSFLOW_TOPIC_DLQ": names.dlq,
        "NEWSFLOW_TOPIC_PARTITIONS": str(PARTITIONS),
        "NEWSFLOW_ENRICH_GROUP_ID": names.group,
        "NEWSFLOW_ENRICH_WEB_PORT": str(port),
        "NEWSFLOW_ENRICH_DATA_DIR": str(tmp_path / f"data-{tag}"),
        "NEWSFLOW_ENRICH_BATCH_TIMEOUT_S": "0.2",
        "NEWSFLOW_LOG_FORMAT": "text",
        **env,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.enrichment"], cwd=ROOT, env=environment, stdout=out, stderr=out
        )
    worker = Worker(process, port, log)
    pool.started.append(worker)
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"worker exited early:\n{log.read_text()[-3000:]}"
        try:
            if httpx.get(worker.url("/healthz"), timeout=2).status_code == 200:
                return worker
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"worker not healthy in time:\n{log.read_text()[-3000:]}")


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    client = make_producer(KafkaSettings(bootstrap_servers=kafka_bootstrap))
    await client.start()
    try:
        yield client
    finally:
        await client.stop()


@pytest.fixture
async def output(kafka_bootstrap: str, topics: Names) -> AsyncIterator[AIOKafkaConsumer]:
    client = make_consumer(
        KafkaSettings(bootstrap_servers=kafka_bootstrap), topics.enriched, topics.dlq, group_id=None
    )
    await client.start()
    try:
        yield client
    finally:
        await client.stop()


def small_article(article_id: str, **extra: object) -> RawArticle:
    return RawArticle.model_validate(
        {
            "id": article_id,
            "source": "wire",
            "url": f"https://example.com/{article_id}",
            "title": "Merkel meets Macron",
            "body": "Angela Merkel met Emmanuel Macron in Paris on Monday to discuss the European Union "
            "budget.",
            "revision": 1,
            **extra,
        }
    )


async def collect(
    consumer: AIOKafkaConsumer,
    done: Callable[[list[tuple[str, bytes | None, bytes, dict[str, bytes]]]], bool],
    deadline_s: float = 90.0,
) -> list[tuple[str, bytes | None, bytes, dict[str, bytes]]]:
    """Read (topic, key, value, headers) records until ``done(records)`` or the deadline."""
    records: list[tuple[str, bytes | None, bytes, dict[str, bytes]]] = []
    deadline = time.monotonic() + deadline_s
    while not done(records):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out with {len(records)} records"
        batches = await consumer.getmany(timeout_ms=int(min(remaining, 1.0) * 1000))
        for messages in batches.values():
            for m in messages:
                records.append((m.topic, m.key, m.value or b"", dict(m.headers)))
    return records


async def test_seed_article_is_enriched_with_expected_entities(
    kafka_bootstrap: str,
    topics: Names,
    workers: Workers,
    producer: AIOKafkaProducer,
    output: AIOKafkaConsumer,
    tmp_path: Path,
) -> None:
    worker = start_worker(workers, kafka_bootstrap, topics, tmp_path, "seed")
    article = seed_article()
    await producer.send_and_wait(
        topics.raw, encode(article), key=article.id.encode(), headers=[("traceparent", TRACEPARENT)]
    )
    [(topic, key, value, headers)] = await collect(output, lambda r: len(r) >= 1)
    assert (topic, key) == (topics.enriched, article.id.encode())
    assert headers["traceparent"] == TRACEPARENT
    enriched = EnrichedArticle.model_validate_json(value)
    assert enriched.article == article and enriched.enrichment is not None
    entities = {e.name: e.type for e in enriched.enrichment.entities}
    assert enriched.enrichment.entities[0].name == "Donald Trump"
    assert entities == SEED_ENTITIES
    assert enriched.enrichment.language == "en"
    assert "topics" in enriched.enrichment.models  # the IPTC classifier ships with the package
    assert enriched.enrichment.topics[0].code == SEED_TOPIC[0]
    assert worker.wait_metric('newsflow_enrichment_processed_total{kind="enriched"}', 1) == 1
    assert worker.stop() == 0


async def test_each_poison_message_ends_in_the_dlq_and_the_stream_continues(
    kafka_bootstrap: str,
    topics: Names,
    workers: Workers,
    producer: AIOKafkaProducer,
    output: AIOKafkaConsumer,
    tmp_path: Path,
) -> None:
    start_worker(workers, kafka_bootstrap, topics, tmp_path, "poison", NEWSFLOW_ENRICH_MAX_BODY_CHARS="20000")
    poison = {
        b"p-json": b'{"id": "p-json", "title": ',
        b"p-schema": b'{"id": "p-schema", "title": 42}',
        b"p-bytes": b"\xff\xfe\x00 not text",
        b"p-empty": encode(small_article("p-empty", body="   ")),
        b"p-huge": encode(small_article("p-huge", body="word " * 10_000)),
        b"p-null": None,
    }
    for key, value in poison.items():
        await producer.send_and_wait(topics.raw, value, key=key)
    retraction = small_article("gone", deleted=True)
    await producer.send_and_wait(topics.raw, encode(retraction), key=b"gone")
    await producer.send_and_wait(topics.raw, encode(small_article("after")), key=b"after")

    records = await collect(output, lambda r: len(r) >= len(poison) + 2)
    letters = {
        key: DeadLetter.model_validate_json(value) for topic, key, value, _ in records if topic == topics.dlq
    }
    assert {k: v.error_type for k, v in letters.items()} == {
        b"p-json": "InvalidJSON",
        b"p-schema": "WrongSchema",
        b"p-bytes": "InvalidJSON",
        b"p-empty": "EmptyBody",
        b"p-huge": "BodyTooLarge",
        b"p-null": "EmptyMessage",
    }
    for key, letter in letters.items():
        assert letter.stage == "enrichment" and letter.topic == topics.raw and letter.offset is not None
        assert letter.key == key.decode("utf-8") and letter.reason
    enriched = {
        key: EnrichedArticle.model_validate_json(v) for t, key, v, _ in records if t == topics.enriched
    }
    assert set(enriched) == {b"gone", b"after"}
    assert enriched[b"gone"].enrichment is None and enriched[b"gone"].article.deleted
    assert enriched[b"after"].enrichment is not None
    assert "Angela Merkel" in {e.name for e in enriched[b"after"].enrichment.entities}


async def test_two_workers_split_partitions_and_one_takes_over(
    kafka_bootstrap: str,
    topics: Names,
    workers: Workers,
    producer: AIOKafkaProducer,
    output: AIOKafkaConsumer,
    tmp_path: Path,
) -> None:
    first = start_worker(workers, kafka_bootstrap, topics, tmp_path, "a")
    second = start_worker(workers, kafka_bootstrap, topics, tmp_path, "b")
    sent: set[bytes] = set()

    async def send(count: int, prefix: str) -> None:
        for i in range(count):
            article = small_article(f"{prefix}-{i}")
            await producer.send(topics.raw, encode(article), key=article.id.encode())
            sent.add(article.id.encode())
        await producer.flush()

    # Both workers get partitions: keep sending until each one has consumed something.
    deadline = time.monotonic() + 90
    round_no = 0
    while not (
        first.metric("newsflow_enrichment_consumed_total") > 0
        and second.metric("newsflow_enrichment_consumed_total") > 0
    ):
        assert time.monotonic() < deadline, "the two workers did not split the partitions"
        await send(20, f"split{round_no}")
        round_no += 1
        await asyncio.sleep(1.0)

    # One stops while articles keep coming: the other takes over its partitions, nothing is lost.
    await send(50, "during")
    assert first.stop() == 0, first.log.read_text()[-3000:]
    await send(50, "after")
    records = await collect(
        output, lambda r: sent <= {k for _, k, _, _ in r if k is not None}, deadline_s=120
    )
    keys = {k for topic, k, _, _ in records if topic == topics.enriched}
    assert sent <= keys
    assert not [r for r in records if r[0] == topics.dlq]
    assert second.metric("newsflow_enrichment_consumed_total") >= 50
