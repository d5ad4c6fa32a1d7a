"""Reading the truth from the broker: partitions, end offsets, whole topics, dead letters, group lag.

Every function takes the broker as :class:`KafkaSettings` or a bootstrap string (the test stack).
"""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord

from newsflow.kafka import connection_kwargs, make_consumer
from newsflow.models import DeadLetter
from newsflow.settings import KafkaSettings

Broker = KafkaSettings | str


def settings(broker: Broker) -> KafkaSettings:
    """``broker`` as client settings."""
    return broker if isinstance(broker, KafkaSettings) else KafkaSettings(bootstrap_servers=broker)


async def partitions(broker: Broker, topic: str) -> list[int]:
    """The partition numbers of an existing topic (fails if it does not exist)."""
    admin = AIOKafkaAdminClient(**connection_kwargs(settings(broker)))
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert described["error_code"] == 0, f"topic {topic} does not exist: {described}"
    found = sorted(int(p["partition"]) for p in described["partitions"])
    assert found, f"topic {topic} has no partitions: {described}"
    return found


async def _stop(consumer: AIOKafkaConsumer) -> None:
    # aiokafka: stopping a group-less consumer whose background task has not run yet raises
    # CancelledError from stop(); let the task start first.
    await asyncio.sleep(0.05)
    await consumer.stop()


async def end_offsets(broker: Broker, topic: str) -> dict[int, int]:
    """The end offset of every partition of ``topic`` (uncommitted records included), by partition."""
    tps = [TopicPartition(topic, p) for p in await partitions(broker, topic)]
    consumer = make_consumer(settings(broker), group_id=None, isolation_level="read_uncommitted")
    await consumer.start()
    try:
        ends = await consumer.end_offsets(tps)
    finally:
        await _stop(consumer)
    return {tp.partition: offset for tp, offset in ends.items()}


async def record_count(broker: Broker, topic: str) -> int:
    """How many records ``topic`` holds (end minus beginning offsets)."""
    tps = [TopicPartition(topic, p) for p in await partitions(broker, topic)]
    consumer = make_consumer(settings(broker), group_id=None)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(tps)
        begins = await consumer.beginning_offsets(tps)
    finally:
        await _stop(consumer)
    return sum(ends[tp] - begins[tp] for tp in tps)


async def read_topic(broker: Broker, topic: str, *, within: float = 60.0) -> list[ConsumerRecord]:
    """Every record of ``topic`` from the beginning up to its current end (fails at the deadline)."""
    tps = [TopicPartition(topic, p) for p in await partitions(broker, topic)]
    consumer = make_consumer(settings(broker), group_id=None)
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        pending = {tp for tp in tps if end[tp] > 0}
        deadline = time.monotonic() + within
        while pending and time.monotonic() < deadline:
            batch = await consumer.getmany(*pending, timeout_ms=1000)
            for part in batch.values():
                records.extend(part)
            for tp in list(pending):
                if await consumer.position(tp) >= end[tp]:
                    pending.discard(tp)
        assert not pending, f"could not read {topic} to its end within {within:.0f}s"
    finally:
        await _stop(consumer)
    return records


async def read_dlq(broker: Broker, topic: str) -> list[DeadLetter]:
    """Every dead letter of the DLQ topic."""
    return [DeadLetter.model_validate_json(r.value) for r in await read_topic(broker, topic) if r.value]


def dlq_id(letter: DeadLetter) -> str:
    """The article a dead letter stands for (its key, or where it was when it has none)."""
    return letter.article_id or letter.key or f"<no key: {letter.topic}/{letter.partition}@{letter.offset}>"


async def group_offsets(broker: Broker, group: str) -> dict[tuple[str, int], int]:
    """The committed offsets of a consumer group, by (topic, partition)."""
    admin = AIOKafkaAdminClient(**connection_kwargs(settings(broker)))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if meta.offset >= 0}


async def lag(broker: Broker, group: str, topic: str) -> int:
    """Records of ``topic`` the group has not committed yet."""
    ends = await end_offsets(broker, topic)
    committed = await group_offsets(broker, group)
    return sum(end - committed.get((topic, p), 0) for p, end in ends.items())


async def committed_to_end(broker: Broker, group: str, topic: str, *, skip_empty: bool = False) -> bool:
    """True when ``group`` has committed the end offset of every partition of ``topic`` (of every
    non-empty one with ``skip_empty``: a group commits nothing for a partition it never read)."""
    ends = await end_offsets(broker, topic)
    committed = await group_offsets(broker, group)
    return all(committed.get((topic, p), -1) >= end for p, end in ends.items() if end > 0 or not skip_empty)
