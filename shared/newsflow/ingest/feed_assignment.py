"""Which ingest replica polls which feed: one poller per feed, however many replicas run.

* :class:`GroupAssignment` (the service's default, ``FEED_ASSIGNMENT=group``): every replica joins one
  Kafka consumer group (``FEED_GROUP``) on a small empty topic (``FEED_GROUP_TOPIC``, 12 partitions).
  Each feed belongs to partition ``SHA-256(url) mod 12``; a replica polls the feeds of the partitions
  the group gave it. Kafka's group protocol does the rest: a replica that starts, stops or dies
  gives its partitions to the others within a session timeout, with no per-pod index to configure —
  a Deployment of any size, ``docker compose --scale ingest=3`` or an autoscaler all work. At most 12
  replicas poll (the others serve HTTP only).
* :class:`StaticAssignment` (``FEED_ASSIGNMENT=static``): replica ``FEED_REPLICA_INDEX`` of
  ``FEED_REPLICA_COUNT`` polls the feeds whose URL hashes to its index (no Kafka involved; the
  operator gives every replica its own index). ``0`` of ``1`` polls every feed (tests, tools).

While a group rebalances, a feed may go unpolled for a few seconds, or — if a replica is cut off
from Kafka but still reaches the feed — be polled by two replicas until its session expires: harmless
by id and revision. :attr:`FeedAssignment.generation` changes with every new assignment, so the poller
re-reads its revision memory before polling feeds it just took over.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from newsflow.ingest.feed_schedule import replica_of
from newsflow.kafka import TopicSpec, ensure_topic_specs, make_consumer
from newsflow.retry import Backoff, sleep_or_stop
from newsflow.settings import KafkaSettings

log = logging.getLogger(__name__)

#: Partitions of the assignment topic: feeds are spread over this many shares.
GROUP_PARTITIONS = 12


class FeedAssignment(Protocol):
    """Says whether this replica polls a feed now."""

    @property
    def generation(self) -> int:
        """Changes whenever the set of feeds this replica owns may have changed."""
        ...

    def owns(self, url: str) -> bool: ...

    async def run(self, stop: asyncio.Event) -> None:
        """Keep the assignment current until ``stop`` is set."""
        ...


class StaticAssignment:
    """Replica ``index`` of ``count`` owns the feeds whose URL hashes to ``index``."""

    generation = 0

    def __init__(self, index: int = 0, count: int = 1) -> None:
        if not 0 <= index < count:
            raise ValueError(f"replica index {index} is not in 0..{count - 1}")
        self.index = index
        self.count = count

    def owns(self, url: str) -> bool:
        return replica_of(url, self.count) == self.index

    async def run(self, stop: asyncio.Event) -> None:
        await stop.wait()


def share_of(url: str, partitions: int = GROUP_PARTITIONS) -> int:
    """The assignment partition of the feed at ``url``."""
    return int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:8], "big") % partitions


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: GroupAssignment) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.owner._assign(set())

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.owner._assign({tp.partition for tp in assigned})


class GroupAssignment:
    """Feeds split by a Kafka consumer group (module docstring)."""

    def __init__(
        self,
        kafka: KafkaSettings,
        topic: str,
        group: str,
        *,
        create: bool = True,
        replication_factor: int = 1,
        session_timeout_ms: int = 10_000,
    ) -> None:
        self.kafka = kafka
        self.topic = topic
        self.group = group
        self.create = create
        self.replication_factor = replication_factor
        self.session_timeout_ms = session_timeout_ms
        self.partitions: frozenset[int] = frozenset()
        self._generation = 0
        self.changed = asyncio.Event()

    @property
    def generation(self) -> int:
        return self._generation

    def owns(self, url: str) -> bool:
        return share_of(url) in self.partitions

    def _assign(self, partitions: set[int]) -> None:
        if frozenset(partitions) != self.partitions:
            self.partitions = frozenset(partitions)
            self._generation += 1
            self.changed.set()
            log.info("feed assignment group=%s partitions=%s", self.group, sorted(partitions))

    def spec(self) -> TopicSpec:
        return TopicSpec(
            self.topic,
            GROUP_PARTITIONS,
            self.replication_factor,
            {"cleanup.policy": "delete", "retention.ms": str(3600 * 1000)},
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Be a member of the group until ``stop`` (reconnecting with backoff when Kafka is away)."""
        backoff = Backoff(initial=1.0, maximum=30.0)
        while not stop.is_set():
            consumer: AIOKafkaConsumer | None = None
            try:
                if self.create:
                    await ensure_topic_specs(self.kafka, [self.spec()])
                consumer = make_consumer(
                    self.kafka,
                    group_id=self.group,
                    session_timeout_ms=self.session_timeout_ms,
                    heartbeat_interval_ms=max(1000, self.session_timeout_ms // 3),
                )
                consumer.subscribe([self.topic], listener=_Listener(self))
                await consumer.start()
                backoff.reset()
                while not stop.is_set():
                    await consumer.getmany(timeout_ms=1000)  # empty topic: this only keeps membership
            except Exception as exc:  # Kafka away, or anything else: the membership must come back
                self._assign(set())
                delay = backoff.next_delay()
                log.warning("feed assignment lost group=%s error=%r retry_in_s=%.0f", self.group, exc, delay)
                await sleep_or_stop(delay, stop)
            finally:
                if consumer is not None:
                    try:
                        await consumer.stop()  # leaves the group: the others take the feeds at once
                    except KafkaError as exc:
                        log.warning("feed assignment consumer stop failed error=%r", exc)
        self._assign(set())
