"""What the feed poller remembers per article across restarts and replicas: the last revision it
published and the digest of that content.

Ids need no memory (:func:`newsflow.ingest.feed_identity.guid_id` derives them from each entry), but
"is this re-polled entry an edit?" does: a correction that keeps its date must go out at the last
revision + 1, and after a restart the poller must know that last revision. The memory lives in a
small **compacted Kafka topic** (``NEWSFLOW_INGEST_FEED_STATE_TOPIC``, default ``news.feeds.state``,
one partition, ``compact,delete`` with 30 days' retention): key = article id, value =
``{"revision": …, "digest": …}``. A poller reads it to the end when it starts (only the ids of the
sources it polls) and writes each entry after the articles themselves were acknowledged on the raw
topic. Every replica reads the same topic, so a feed that moves to another replica (a new replica
count) keeps its revisions; one feed is polled by one replica at a time, so its keys have one writer.

:class:`MemoryFeedState` keeps the same thing in the process only (tests, tools).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from newsflow.kafka import TopicSpec, ensure_topic_specs, make_consumer, make_producer
from newsflow.settings import KafkaSettings

log = logging.getLogger(__name__)

#: Entries older than this leave the topic (an item gone from its feed for a month is not re-polled).
RETENTION_MS = 30 * 24 * 3600 * 1000
#: Entries handed to the producer between two yields to the event loop (each takes ~0.1 ms).
SAVE_STEP = 25
#: Small producer batches: a batch is closed (checksum, compression) in the event loop in one go.
STATE_BATCH_BYTES = 16 * 1024


@dataclass(frozen=True)
class Seen:
    """The last revision published for an article id and the digest of that content."""

    revision: int
    digest: str


class FeedStateStore(Protocol):
    """Where the poller's per-article memory survives the process."""

    async def load(self, sources: Collection[str]) -> dict[str, Seen]:
        """Everything remembered for the articles of ``sources``."""
        ...

    async def save(self, entries: Sequence[tuple[str, Seen]]) -> None:
        """Remember ``entries`` (after their articles were acknowledged)."""
        ...

    async def close(self) -> None: ...


class MemoryFeedState:
    """The memory in this process only (lost on restart)."""

    def __init__(self) -> None:
        self.entries: dict[str, Seen] = {}

    async def load(self, sources: Collection[str]) -> dict[str, Seen]:
        return {k: v for k, v in self.entries.items() if k.partition(":")[0] in sources}

    async def save(self, entries: Sequence[tuple[str, Seen]]) -> None:
        self.entries.update(entries)

    async def close(self) -> None:
        return None


def state_topic_spec(name: str, replication_factor: int = 1) -> TopicSpec:
    """The state topic: one partition, compacted (latest entry per article), old entries deleted."""
    config = {
        "cleanup.policy": "compact,delete",
        "retention.ms": str(RETENTION_MS),
        "min.compaction.lag.ms": "60000",
        "segment.ms": "3600000",
    }
    return TopicSpec(name, 1, replication_factor, config)


def encode_seen(seen: Seen) -> bytes:
    return json.dumps({"revision": seen.revision, "digest": seen.digest}).encode()


def decode_seen(value: bytes | None) -> Seen | None:
    """An entry of the topic, or None for a tombstone or a value this version cannot read."""
    if not value:
        return None
    try:
        data = json.loads(value)
        return Seen(int(data["revision"]), str(data["digest"]))
    except (ValueError, KeyError, TypeError):
        return None


class KafkaFeedState:
    """The memory in the compacted topic ``topic`` (module docstring)."""

    def __init__(
        self,
        kafka: KafkaSettings,
        topic: str,
        *,
        create: bool = True,
        replication_factor: int = 1,
        read_timeout_s: float = 60.0,
    ) -> None:
        self.kafka = kafka
        self.topic = topic
        self.create = create
        self.replication_factor = replication_factor
        self.read_timeout_s = read_timeout_s
        self._producer: AIOKafkaProducer | None = None

    async def load(self, sources: Collection[str]) -> dict[str, Seen]:
        """Read the topic from its start to the end it had when asked (raises KafkaError/TimeoutError);
        create it first when missing (unless ``create`` is off)."""
        if self.create:
            await ensure_topic_specs(self.kafka, [state_topic_spec(self.topic, self.replication_factor)])
        consumer = make_consumer(self.kafka, group_id=None, isolation_level="read_uncommitted")
        await consumer.start()
        entries: dict[str, Seen] = {}
        try:
            partition = TopicPartition(self.topic, 0)
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            end = (await consumer.end_offsets([partition]))[partition]
            async with asyncio.timeout(self.read_timeout_s):
                while end and await consumer.position(partition) < end:
                    batches = await consumer.getmany(partition, timeout_ms=1000, max_records=5000)
                    for record in batches.get(partition, []):
                        key = record.key.decode("utf-8", "replace") if record.key else ""
                        if key.partition(":")[0] not in sources:
                            continue
                        seen = decode_seen(record.value)
                        if seen is None:
                            entries.pop(key, None)
                        else:
                            entries[key] = seen
        finally:
            await asyncio.sleep(0.05)  # aiokafka: let the fetch task start before stopping
            await consumer.stop()
        return entries

    async def save(self, entries: Sequence[tuple[str, Seen]]) -> None:
        """Write ``entries`` and wait for the broker's acknowledgement (raises on failure)."""
        if not entries:
            return
        if self._producer is None:
            producer = make_producer(self.kafka, linger_ms=5, max_batch_size=STATE_BATCH_BYTES)
            await producer.start()
            self._producer = producer
        sends = []
        for index, (article_id, seen) in enumerate(entries):
            if index and index % SAVE_STEP == 0:
                await asyncio.sleep(0)  # let the API's requests run between steps
            key, value = article_id.encode(), encode_seen(seen)
            sends.append(await self._producer.send(self.topic, key=key, value=value, partition=0))
        for sent in sends:  # one by one: a gather over hundreds of futures is one long loop step
            await sent

    async def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await producer.stop()
            except KafkaError as exc:  # closing after Kafka went away: nothing left to flush
                log.warning("feed state producer stop failed error=%s", exc)
