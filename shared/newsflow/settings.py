"""The settings every stage shares: how to reach Kafka and Elasticsearch, the topics, logging.

Each stage owns its own settings next to its code (``newsflow.ingest.settings``,
``newsflow.enrich.settings``, ``newsflow.index.settings``). All of them are pydantic-settings classes
read from the environment (and `.env`), each with its own ``NEWSFLOW_*`` prefix; nothing else in the
code base reads ``os.environ`` for configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore", frozen=True)


class KafkaSettings(BaseSettings):
    """How to reach Kafka (``NEWSFLOW_KAFKA_*``)."""

    model_config = _config("NEWSFLOW_KAFKA_")

    bootstrap_servers: str = "127.0.0.1:9092"
    client_id: str = "newsflow"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None

    @field_validator("bootstrap_servers")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must list at least one host:port")
        return value


class TopicSettings(BaseSettings):
    """Topic names and layout (``NEWSFLOW_TOPIC_*``)."""

    model_config = _config("NEWSFLOW_TOPIC_")

    raw: str = "news.articles.raw"
    enriched: str = "news.articles.enriched"
    dlq: str = "news.articles.dlq"
    partitions: int = Field(default=12, ge=1, le=1024)
    replication_factor: int = Field(default=1, ge=1)
    #: ``min.insync.replicas`` of the topics newsflow creates (None: the broker's default). With
    #: ``acks=all`` a write is acknowledged once this many replicas have it: 2 of 3 on a cluster.
    min_insync_replicas: int | None = Field(default=None, ge=1)


class ElasticsearchSettings(BaseSettings):
    """How to reach Elasticsearch and which alias to use (``NEWSFLOW_ES_*``)."""

    model_config = _config("NEWSFLOW_ES_")

    #: One node's URL, or several comma-separated (a cluster: the client fails over between them).
    url: str = "http://127.0.0.1:9200"
    alias: str = "news-articles"
    api_key: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    ca_certs: Path | None = None
    verify_certs: bool = True
    request_timeout: float = Field(default=30.0, gt=0)
    shards: int = Field(default=1, ge=1)
    replicas: int = Field(default=0, ge=0)
    refresh_interval: str = "1s"

    @property
    def hosts(self) -> list[str]:
        """The node URLs of :attr:`url`."""
        return [u.strip() for u in self.url.split(",") if u.strip()]


class LogSettings(BaseSettings):
    """Logging (``NEWSFLOW_LOG_*``)."""

    model_config = _config("NEWSFLOW_LOG_")

    level: str = "INFO"
    format: Literal["auto", "json", "text"] = "auto"
