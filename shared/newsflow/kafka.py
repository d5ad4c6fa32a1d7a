"""Kafka, once for every stage: topic specs, clients configured from settings, topic creation."""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

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
    admin = AIOKafkaAdminClient(**connection_kwargs(kafka), client_id=f"{kafka.client_id}-admin")
    await admin.start()
    created: list[str] = []
    try:
        existing = set(await admin.list_topics())
        for spec in topic_specs(topics):
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
