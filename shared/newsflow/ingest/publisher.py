"""Publishing raw articles to Kafka with the idempotent producer, and knowing whether Kafka is there.

:class:`ArticlePublisher` owns one aiokafka producer (``enable_idempotence``, ``acks=all``, lz4,
batching; see :func:`newsflow.kafka.make_producer`). It connects in the background with
backoff, so the service starts (and reports not-ready) while Kafka is down and recovers without a
restart. Every ``publish*`` call returns only after the broker acknowledged every record, or raises
:class:`KafkaUnavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from newsflow.kafka import BROKEN_PRODUCER_ERRORS, REFUSED_FOR_GOOD, ensure_topics, make_producer
from newsflow.models import RAW_SCHEMA_VERSION, RawArticle
from newsflow.retry import Backoff
from newsflow.serde import HEADER_CONTENT_TYPE, HEADER_PUBLISHED_AT, HEADER_SCHEMA, HEADER_TRACEPARENT, encode
from newsflow.settings import KafkaSettings, TopicSettings
from newsflow.tracing import TraceContext, new_trace

log = logging.getLogger(__name__)
#: Records handed to the producer between two yields to the event loop (a feed chunk or an HTTP
#: batch of hundreds of articles would otherwise serialise in one loop step).
SEND_STEP = 25

RAW_SCHEMA_HEADER = f"raw/{RAW_SCHEMA_VERSION}".encode()
CONTENT_TYPE_JSON = b"application/json"


class KafkaUnavailable(Exception):
    """Kafka did not acknowledge in time (or is not connected); nothing should be reported as accepted."""


class RecordTooLarge(Exception):
    """One record is larger than the producer (or broker) accepts (Kafka refuses it for good)."""


@dataclass(frozen=True)
class Delivery:
    """Where Kafka stored one article."""

    article_id: str
    revision: int
    topic: str
    partition: int
    offset: int


class PublishObserver(Protocol):
    """Receives the duration of every publish call (for the latency histogram)."""

    def __call__(self, seconds: float, ok: bool) -> None: ...


def record_headers(trace: TraceContext, accepted_at_ms: int) -> list[tuple[str, bytes]]:
    """The headers of every raw-article record."""
    return [
        (HEADER_TRACEPARENT, trace.traceparent().encode()),
        (HEADER_SCHEMA, RAW_SCHEMA_HEADER),
        (HEADER_CONTENT_TYPE, CONTENT_TYPE_JSON),
        (HEADER_PUBLISHED_AT, str(accepted_at_ms).encode()),
    ]


ProducerFactory = Callable[[], AIOKafkaProducer]


class ArticlePublisher:
    """Publishes :class:`RawArticle` records keyed by article id to the raw topic."""

    def __init__(
        self,
        kafka: KafkaSettings,
        topics: TopicSettings,
        *,
        timeout_s: float = 10.0,
        linger_ms: int = 5,
        create_topics: bool = False,
        observer: PublishObserver | None = None,
        producer_factory: ProducerFactory | None = None,
    ) -> None:
        self.kafka = kafka
        self.topics = topics
        self.topic = topics.raw
        self.timeout_s = timeout_s
        self.create_topics = create_topics
        self.observer = observer
        self._factory = producer_factory or (
            lambda: make_producer(kafka, linger_ms=linger_ms, max_request_size=4 * 1024 * 1024)
        )
        self._producer: AIOKafkaProducer | None = None
        self._healthy = False
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._probe_needed = asyncio.Event()
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def ready(self) -> bool:
        """Connected and the last send (or probe) succeeded."""
        return self._producer is not None and self._healthy

    async def start(self, *, wait_s: float = 0.0) -> None:
        """Start connecting in the background; optionally wait up to ``wait_s`` for the connection."""
        if self._task is None:
            self._task = asyncio.create_task(self._supervise(), name="kafka-publisher-supervisor")
        if wait_s > 0:
            try:
                async with asyncio.timeout(wait_s):
                    await self._connected.wait()
            except TimeoutError:
                log.warning("kafka not connected yet waited_s=%.1f", wait_s)

    async def stop(self, *, timeout_s: float = 5.0) -> None:
        """Flush what is queued, then close the producer, all within ``timeout_s`` (used on SIGTERM via
        the app lifespan). While Kafka is unreachable neither finishes by itself: what is still queued
        then was never acknowledged, so no client was told 202 for it, and the close is abandoned."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        producer, self._producer = self._producer, None
        self._healthy = False
        for task in list(self._closing):
            task.cancel()
        if producer is None:
            return
        deadline = asyncio.get_running_loop().time() + timeout_s
        try:
            async with asyncio.timeout_at(deadline):
                await producer.flush()
        except (TimeoutError, KafkaError) as exc:
            log.warning("kafka flush incomplete error=%s", type(exc).__name__)
        try:
            # At least a moment to close the connections, even when the flush used the whole budget.
            async with asyncio.timeout_at(max(deadline, asyncio.get_running_loop().time() + 0.5)):
                await producer.stop()
        except TimeoutError:
            log.warning("kafka producer close abandoned after %.1fs (Kafka unreachable)", timeout_s)
            return
        log.info("kafka producer stopped")

    async def publish(self, article: RawArticle, *, trace: TraceContext | None = None) -> Delivery:
        """Publish one article; return after the broker acknowledged it."""
        (delivery,) = await self.publish_many([article], trace=trace)
        return delivery

    async def publish_many(
        self, articles: Sequence[RawArticle], *, trace: TraceContext | None = None
    ) -> list[Delivery]:
        """Publish articles (in order, each keyed by id); return after every one was acknowledged."""
        producer = self._producer
        if producer is None:
            raise KafkaUnavailable("not connected to Kafka")
        if not self._healthy:
            raise KafkaUnavailable("kafka unavailable (waiting for the cluster to answer again)")
        trace = trace or new_trace()
        headers = record_headers(trace, int(time.time() * 1000))
        started = time.perf_counter()
        ok = False
        try:
            async with asyncio.timeout(self.timeout_s):
                futures = []
                for index, article in enumerate(articles):
                    if index and index % SEND_STEP == 0:
                        await asyncio.sleep(0)  # a big batch must not hold the loop (other requests)
                    value, key = encode(article), article.id.encode()
                    futures.append(await producer.send(self.topic, value, key=key, headers=headers))
                results = [await future for future in futures]  # no gather: one short step each
            ok = True
        except REFUSED_FOR_GOOD as exc:
            raise RecordTooLarge(str(exc)) from exc
        except (TimeoutError, KafkaError) as exc:
            if isinstance(exc, BROKEN_PRODUCER_ERRORS):
                self._replace_producer(producer, exc)
            self._mark_unhealthy(exc)
            raise KafkaUnavailable(f"kafka did not acknowledge: {type(exc).__name__}") from exc
        finally:
            if self.observer is not None:
                self.observer(time.perf_counter() - started, ok)
        self._healthy = True
        return [
            Delivery(a.id, a.revision, meta.topic, meta.partition, meta.offset)
            for a, meta in zip(articles, results, strict=True)
        ]

    def _replace_producer(self, producer: AIOKafkaProducer, exc: BaseException) -> None:
        """Drop a broken producer: the supervisor connects a new one; the old one is closed aside."""
        if self._producer is not producer:
            return  # already replaced by a concurrent call
        log.warning("kafka producer broken, connecting a new one error=%s", type(exc).__name__)
        self._producer = None
        task = asyncio.create_task(_close_quietly(producer), name="kafka-broken-producer-close")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _mark_unhealthy(self, exc: BaseException) -> None:
        if self._healthy:
            log.warning("kafka unavailable error=%s", type(exc).__name__)
        self._healthy = False
        self._probe_needed.set()

    async def _supervise(self) -> None:
        """Connect with backoff; while unhealthy, probe the cluster until it answers again."""
        connecting = Backoff(initial=0.5, maximum=10.0, jitter=False)
        probing = Backoff(initial=0.5, maximum=5.0, jitter=False)
        while not self._stopping:
            if self._producer is None:
                try:
                    await self._connect()
                    connecting.reset()
                except (KafkaError, OSError) as exc:
                    delay = connecting.next_delay()
                    log.warning("kafka connect failed error=%s retry_in_s=%.1f", type(exc).__name__, delay)
                    await asyncio.sleep(delay)
                continue
            if self._healthy:
                self._probe_needed.clear()
                await self._probe_needed.wait()
                continue
            if await self._probe():
                if not self._healthy:
                    log.info("kafka available again")
                self._healthy = True
                probing.reset()
            else:
                await asyncio.sleep(probing.next_delay())

    async def _connect(self) -> None:
        producer = self._factory()
        try:
            await producer.start()
            if self.create_topics:
                await ensure_topics(self.kafka, self.topics)
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer
        self._healthy = True
        self._connected.set()
        log.info("kafka producer connected topic=%s", self.topic)

    async def _probe(self) -> bool:
        producer = self._producer
        if producer is None:
            return False
        try:
            async with asyncio.timeout(min(self.timeout_s, 5.0)):
                client: Any = producer.client
                await client.fetch_all_metadata()
            return True
        except (TimeoutError, KafkaError, OSError):
            return False


async def _close_quietly(producer: AIOKafkaProducer, timeout_s: float = 5.0) -> None:
    """Stop a producer that is being replaced; its errors no longer matter."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(timeout_s):
            await producer.stop()
