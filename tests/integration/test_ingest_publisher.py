"""The ingest publisher against the real broker: a producer broken for good is replaced, not reused.

After a broker restart with batches in flight, an idempotent aiokafka producer can end up with
sequence numbers the broker refuses (``OutOfOrderSequenceNumber``); its sender stops and every later
send fails the same way (seen in fault scenario 4: ingest answered 503 until the test gave up). The
producer below is a real one whose first send reports that error, as the broken one did.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import OutOfOrderSequenceNumber

from newsflow.ingest.publisher import ArticlePublisher, KafkaUnavailable
from newsflow.kafka import make_consumer
from newsflow.models import RawArticle
from newsflow.settings import KafkaSettings, TopicSettings

pytestmark = pytest.mark.integration


class _BreaksOnFirstSend(AIOKafkaProducer):
    """A real producer that fails its first send as a producer out of sequence with the broker does."""

    broke = False

    async def send(self, *args: Any, **kwargs: Any) -> Any:
        if not self.broke:
            self.broke = True
            raise OutOfOrderSequenceNumber()
        return await super().send(*args, **kwargs)


def _article(article_id: str) -> RawArticle:
    return RawArticle(
        id=article_id,
        source="wire",
        url=f"https://wire.example/{article_id}",
        title="t",
        body="b",
        revision=1,
    )


async def test_a_producer_out_of_sequence_is_replaced_and_publishing_recovers(
    kafka_bootstrap: str, unique_name: Callable[..., str]
) -> None:
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    topic = unique_name("raw")
    topics = TopicSettings(raw=topic, enriched=f"{topic}-e", dlq=f"{topic}-d", partitions=2)
    made: list[AIOKafkaProducer] = []

    def factory() -> AIOKafkaProducer:
        producer_cls = _BreaksOnFirstSend if not made else AIOKafkaProducer
        producer = producer_cls(
            bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all", linger_ms=5
        )
        made.append(producer)
        return producer

    publisher = ArticlePublisher(kafka, topics, create_topics=True, producer_factory=factory)
    await publisher.start(wait_s=30)
    try:
        with pytest.raises(KafkaUnavailable):
            await publisher.publish(_article("wire:first"))
        deadline = time.monotonic() + 30
        while not publisher.ready and time.monotonic() < deadline:  # noqa: ASYNC110 (deadline poll)
            await asyncio.sleep(0.1)
        assert publisher.ready, "no new producer was connected"
        delivery = await publisher.publish(_article("wire:second"))
    finally:
        await publisher.stop()
    assert len(made) == 2 and made[1] is not made[0]
    consumer = make_consumer(kafka, topic, group_id=None)
    await consumer.start()
    try:
        keys: list[bytes] = []
        deadline = time.monotonic() + 15
        while not keys and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                keys.extend(r.key for r in records if r.key is not None)
    finally:
        await consumer.stop()
    assert keys == [b"wire:second"]
    assert delivery.topic == topic
