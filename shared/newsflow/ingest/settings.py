"""Configuration of the ingest service and the backfill CLI (``NEWSFLOW_INGEST_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from newsflow.models import SourceId

MIB = 1024 * 1024


class FeedConfig(BaseModel):
    """One RSS/Atom feed to poll, and the source its articles belong to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(min_length=1, max_length=2048)
    source: SourceId
    allow_private: bool = False


class IngestSettings(BaseSettings):
    """Settings of the ingest service (``NEWSFLOW_INGEST_*``).

    ``feeds`` is read from the environment as JSON, for example
    ``NEWSFLOW_INGEST_FEEDS='[{"url": "https://example.org/rss", "source": "example"}]'``.
    """

    model_config = SettingsConfigDict(
        env_prefix="NEWSFLOW_INGEST_", env_file=".env", extra="ignore", frozen=True
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_body_bytes: int = Field(default=1 * MIB, ge=1024)
    max_batch_bytes: int = Field(default=16 * MIB, ge=1024)
    max_batch_items: int = Field(default=1000, ge=1, le=100_000)
    max_in_flight: int = Field(default=512, ge=1)
    startup_wait_s: float = Field(default=10.0, ge=0)
    publish_timeout_s: float = Field(default=10.0, gt=0)
    # On SIGTERM: in-flight requests get this long to finish (then they are cut, unanswered), and the
    # producer as long again to flush and close, whether Kafka answers or not (docs/operations.md).
    shutdown_timeout_s: float = Field(default=5.0, gt=0)
    retry_after_s: int = Field(default=5, ge=1)
    api_keys_file: Path = Path(".newsflow/api-keys.json")
    hmac_required: bool = False
    hmac_tolerance_s: int = Field(default=300, ge=1)
    feeds: tuple[FeedConfig, ...] = ()
    feed_interval_s: float = Field(default=300.0, gt=0)
    feed_timeout_s: float = Field(default=20.0, gt=0)
    feed_max_bytes: int = Field(default=10 * MIB, ge=1024)
    feed_deadline_s: float = Field(default=60.0, gt=0)
    feed_concurrency: int = Field(default=4, ge=1, le=64)
    feed_parser_processes: int = Field(default=1, ge=1, le=16)
    feed_assignment: Literal["group", "static"] = "group"
    feed_group: str = Field(default="newsflow-ingest-feeds", min_length=1)
    feed_group_topic: str = Field(default="news.feeds.assign", min_length=1)
    feed_state_topic: str = Field(default="news.feeds.state", min_length=1)
    feed_replica_index: int = Field(default=0, ge=0)
    feed_replica_count: int = Field(default=1, ge=1)
    allow_private_feeds: bool = False
    create_topics: bool = True
    producer_linger_ms: int = Field(default=5, ge=0)
    workers: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _replica_in_range(self) -> IngestSettings:
        if self.feed_replica_index >= self.feed_replica_count:
            raise ValueError(
                f"feed_replica_index ({self.feed_replica_index}) must be below feed_replica_count "
                f"({self.feed_replica_count})"
            )
        return self
