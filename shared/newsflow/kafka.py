"""Kafka, once for every stage: topic specs, clients configured from settings, topic creation."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    InvalidProducerEpoch,
    KafkaError,
    MessageSizeTooLargeError,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    RecordTooLargeError,
    TopicAlreadyExistsError,
    UnknownProducerId,
)

from newsflow.retry import Backoff, Stopped, sleep_or_stop
from newsflow.settings import KafkaSettings, TopicSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    """What a topic must look like when we create it."""

    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str]


def topic_specs(settings: TopicSettings) -> list[TopicSpec]:
    """The three topics: raw and enriched are compacted (latest revision per article), the DLQ is not."""
    compacted = {
        "cleanup.policy": "compact",
        "min.compaction.lag.ms": "60000",
        "segment.ms": "3600000",
    }
    dlq = {"cleanup.policy": "delete", "retention.ms": str(30 * 24 * 3600 * 1000)}
    if settings.min_insync_replicas is not None:
        if settings.min_insync_replicas > settings.replication_factor:
            raise ValueError(
                f"min.insync.replicas {settings.min_insync_replicas} > replication factor "
                f"{settings.replication_factor}: no write could ever be acknowledged"
            )
        isr = {"min.insync.replicas": str(settings.min_insync_replicas)}
        compacted, dlq = {**compacted, **isr}, {**dlq, **isr}
    return [
        TopicSpec(settings.raw, settings.partitions, settings.replication_factor, compacted),
        TopicSpec(settings.enriched, settings.partitions, settings.replication_factor, compacted),
        TopicSpec(settings.dlq, max(1, settings.partitions // 4), settings.replication_factor, dlq),
    ]


def connection_kwargs(settings: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments shared by every aiokafka client: servers and security."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None)
        if settings.ssl_certfile:
            context.load_cert_chain(
                str(settings.ssl_certfile), str(settings.ssl_keyfile) if settings.ssl_keyfile else None
            )
        kwargs["ssl_context"] = context
    if settings.security_protocol.startswith("SASL"):
        if not settings.sasl_mechanism or not settings.sasl_username or settings.sasl_password is None:
            raise ValueError("SASL needs NEWSFLOW_KAFKA_SASL_MECHANISM, _SASL_USERNAME and _SASL_PASSWORD")
        kwargs["sasl_mechanism"] = settings.sasl_mechanism
        kwargs["sasl_plain_username"] = settings.sasl_username
        kwargs["sasl_plain_password"] = settings.sasl_password.get_secret_value()
    return kwargs


def faust_broker_kwargs(settings: KafkaSettings) -> dict[str, Any]:
    """``faust.App`` keyword arguments for the broker: URLs, credentials (SSL/SASL), client id."""
    import faust  # only the enrichment worker runs faust; keep it off every other import path

    credentials: Any = None
    if settings.security_protocol != "PLAINTEXT":
        kwargs = connection_kwargs(settings)
        context = kwargs.get("ssl_context")
        if settings.security_protocol.startswith("SASL"):
            credentials = faust.SASLCredentials(
                username=kwargs["sasl_plain_username"],
                password=kwargs["sasl_plain_password"],
                mechanism=kwargs["sasl_mechanism"],
                ssl_context=context,
            )
        else:
            credentials = faust.SSLCredentials(context)
    servers = (server.strip() for server in settings.bootstrap_servers.split(","))
    return {
        "broker": [f"kafka://{server}" for server in servers if server],
        "broker_credentials": credentials,
        "broker_client_id": settings.client_id,
    }


def make_faust_producer_idempotent(app: Any) -> None:
    """Make the producer of ``app`` (a ``faust.App``) idempotent with ``acks=all``, like every other
    producer of newsflow (faust makes its producer idempotent only inside transactions). Call before
    the app starts: its transport then creates this producer class."""
    from faust.transport.drivers.aiokafka import Producer

    class IdempotentProducer(Producer):
        def _settings_extra(self) -> dict[str, Any]:
            return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}

    app.transport.Producer = IdempotentProducer


def make_producer(settings: KafkaSettings, *, linger_ms: int = 5, **overrides: Any) -> AIOKafkaProducer:
    """An idempotent producer (acks=all) tuned for throughput: batching, lz4 compression."""
    kwargs: dict[str, Any] = {
        **connection_kwargs(settings),
        "client_id": settings.client_id,
        "enable_idempotence": True,
        "acks": "all",
        "linger_ms": linger_ms,
        "max_batch_size": 256 * 1024,
        "compression_type": "lz4",
        "request_timeout_ms": 15000,
    }
    kwargs.update(overrides)
    return AIOKafkaProducer(**kwargs)


def make_consumer(
    settings: KafkaSettings, *topics: str, group_id: str | None, **overrides: Any
) -> AIOKafkaConsumer:
    """A consumer with manual commits, starting from the earliest offset for a new group."""
    kwargs: dict[str, Any] = {
        **connection_kwargs(settings),
        "client_id": settings.client_id,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "max_poll_records": 500,
    }
    kwargs.update(overrides)
    return AIOKafkaConsumer(*topics, **kwargs)


async def ensure_topics(kafka: KafkaSettings, topics: TopicSettings) -> list[str]:
    """Create the raw, enriched and DLQ topics if they do not exist; return the names created."""
    return await ensure_topic_specs(kafka, topic_specs(topics))


async def ensure_topic_specs(kafka: KafkaSettings, specs: Sequence[TopicSpec]) -> list[str]:
    """Create the topics of ``specs`` that do not exist; return the names created."""
    admin = AIOKafkaAdminClient(**connection_kwargs(kafka), client_id=f"{kafka.client_id}-admin")
    await admin.start()
    created: list[str] = []
    try:
        existing = set(await admin.list_topics())
        for spec in specs:
            if spec.name in existing:
                continue
            new = NewTopic(spec.name, spec.partitions, spec.replication_factor, topic_configs=spec.config)
            try:
                await admin.create_topics([new])
                created.append(spec.name)
                log.info("topic created topic=%s partitions=%d", spec.name, spec.partitions)
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()
    return created


# ------------------------------------------------------------------------------------ producing

#: Kafka refuses these records for good: retrying cannot help, the record goes to the dead-letter
#: topic (or, at the HTTP edge, back to the caller) instead.
REFUSED_FOR_GOOD: tuple[type[Exception], ...] = (MessageSizeTooLargeError, RecordTooLargeError)

#: Errors after which an idempotent producer is broken for good: its sequence numbers (or producer id)
#: no longer match the broker's — e.g. after a broker restart while batches were in flight — and
#: aiokafka's sender stops. Only a new producer (a new producer id) can publish again.
BROKEN_PRODUCER_ERRORS: tuple[type[Exception], ...] = (
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerEpoch,
    ProducerFenced,
)

#: Errors worth another try with the same producer (the broker or the network is away).
TRANSIENT_SEND_ERRORS: tuple[type[BaseException], ...] = (KafkaError, OSError, TimeoutError)


@dataclass(frozen=True)
class Message:
    """One record to produce."""

    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


#: Starts producing one message and returns the future of its acknowledgement.
Send = Callable[[Message], Awaitable["asyncio.Future[Any]"]]


def producer_send(producer: AIOKafkaProducer) -> Send:
    """The :data:`Send` of an aiokafka producer."""

    async def send(message: Message) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = await producer.send(
            message.topic, message.value, key=message.key, headers=list(message.headers)
        )
        return future

    return send


async def send_until_acked(
    send: Send,
    messages: Sequence[Message],
    *,
    backoff: Backoff,
    stop: asyncio.Event | None = None,
    on_retry: Callable[[BaseException], None] | None = None,
) -> list[Any]:
    """Produce ``messages`` in order and return once Kafka acknowledged every one of them.

    The result holds, per message, the acknowledgement (aiokafka's ``RecordMetadata``) or the
    exception of a message Kafka refuses for good (:data:`REFUSED_FOR_GOOD`): the caller dead-letters
    it. Transient errors (:data:`TRANSIENT_SEND_ERRORS`) are retried with ``backoff``, forever,
    resending only the unacknowledged messages, in their order; ``on_retry`` is called each time. A
    set ``stop`` raises :class:`~newsflow.retry.Stopped` instead of waiting again. Anything else
    propagates.
    """
    results: list[Any] = [None] * len(messages)
    done = [False] * len(messages)
    while True:
        sent: list[tuple[int, asyncio.Future[Any]]] = []
        error: BaseException | None = None
        for i, message in enumerate(messages):
            if done[i]:
                continue
            try:
                sent.append((i, await send(message)))
            except REFUSED_FOR_GOOD as exc:
                results[i], done[i] = exc, True
            except TRANSIENT_SEND_ERRORS as exc:
                error = exc
                break
        outcomes = await asyncio.gather(*(f for _, f in sent), return_exceptions=True)
        for (i, _), outcome in zip(sent, outcomes, strict=True):
            if isinstance(outcome, REFUSED_FOR_GOOD):
                results[i], done[i] = outcome, True
            elif isinstance(outcome, TRANSIENT_SEND_ERRORS):
                error = error or outcome
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                results[i], done[i] = outcome, True
        if error is None:
            backoff.reset()
            return results
        if on_retry is not None:
            on_retry(error)
        delay = backoff.next_delay()
        log.warning("produce failed, will retry retry_in_s=%.2f error=%r", delay, error)
        if await sleep_or_stop(delay, stop):
            raise Stopped() from error
