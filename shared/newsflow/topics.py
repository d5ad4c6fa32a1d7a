"""Names and configuration of the Kafka topics newsflow uses."""

from __future__ import annotations

from dataclasses import dataclass

from newsflow.settings import TopicSettings


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
