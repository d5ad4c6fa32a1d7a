"""Settings of the indexer service and the reindex command (``NEWSFLOW_INDEXER_*``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class IndexerSettings(BaseSettings):
    """How the indexer batches, retries and reports (``NEWSFLOW_INDEXER_*``)."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSFLOW_INDEXER_", env_file=".env", extra="ignore", frozen=True
    )

    group_id: str = "newsflow-indexer"
    batch_max_docs: int = Field(default=1000, ge=1, le=100_000)
    batch_max_bytes: int = Field(default=5 * MIB, ge=1024)
    batch_max_seconds: float = Field(default=0.1, gt=0, le=60)  # latency at low load (docs/benchmarks.md)
    # Bulk requests in flight at once (batches are still committed strictly in order). 2 keeps
    # Elasticsearch busy while the next batch is decoded and the previous one is committed.
    max_in_flight_bulks: int = Field(default=2, ge=1, le=8)
    # "false": rely on the index refresh_interval (production); "wait_for": each bulk waits until
    # its documents are searchable (tests, demos).
    refresh: Literal["false", "wait_for"] = "false"
    # Text analysis (newsflow.index.analysis): "auto" picks "full" (built-in filters, analysis-common),
    # else "plugin" (newsflow's plugin on the local node), else "basic" (no stemming or folding).
    # The values of earlier releases are still read: "english" = "full", "standard" = "basic".
    analyzer: Literal["auto", "full", "plugin", "basic"] = "auto"
    backoff_initial_seconds: float = Field(default=0.2, gt=0)
    # Cap of the wait between retries while Elasticsearch is down: also the worst added delay before the
    # indexer notices it is back (a bulk retry every few seconds costs a down node nothing).
    backoff_max_seconds: float = Field(default=5.0, gt=0)
    http_host: str = "0.0.0.0"
    http_port: int = Field(default=8083, ge=0, le=65535)
    # How long a rebalance may wait for us while Elasticsearch is down (we keep polling heartbeats).
    max_poll_interval_ms: int = Field(default=600_000, ge=10_000)
    # After SIGTERM the process exits within this many seconds, even while Kafka or Elasticsearch
    # keep a close or a commit waiting (exit code 75 then; docs/operations.md, "Stopping").
    shutdown_timeout_s: float = Field(default=10.0, gt=0)
    # Rollover of the archive (newsflow.index.archive, docs/index-and-search.md): every
    # rollover_check_seconds the indexer rolls the alias over to a new index when one of the set
    # conditions holds (Elasticsearch's rollover conditions; "" or 0 leaves one out, all empty: never).
    rollover_max_primary_shard_size: str = "30gb"
    rollover_max_age: str = ""
    rollover_max_docs: int = Field(default=0, ge=0)
    rollover_check_seconds: float = Field(default=300.0, gt=0)

    def rollover_conditions(self) -> dict[str, str | int]:
        """The rollover conditions that are set (keyword arguments of archive.rollover)."""
        conditions: dict[str, str | int] = {}
        if self.rollover_max_primary_shard_size:
            conditions["max_primary_shard_size"] = self.rollover_max_primary_shard_size
        if self.rollover_max_age:
            conditions["max_age"] = self.rollover_max_age
        if self.rollover_max_docs:
            conditions["max_docs"] = self.rollover_max_docs
        return conditions

    @field_validator("analyzer", mode="before")
    @classmethod
    def _earlier_names(cls, value: object) -> object:
        return _ANALYZER_ALIASES.get(value, value) if isinstance(value, str) else value


_ANALYZER_ALIASES = {"english": "full", "standard": "basic"}
