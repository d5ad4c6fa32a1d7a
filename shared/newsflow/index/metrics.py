"""Prometheus metrics of the indexer (names are a public surface: dashboards and alerts use them)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 1800, 3600)
BATCH_SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


class IndexerMetrics:
    """Prometheus metrics of the indexer, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.docs = Counter(
            "newsflow_indexer_docs",
            "Enriched articles settled by the indexer, by outcome",
            ["outcome"],
            registry=registry,
        )
        self.batches = Counter("newsflow_indexer_batches", "Batches committed", registry=registry)
        self.batch_size = Histogram(
            "newsflow_indexer_batch_size",
            "Records per settled batch",
            buckets=BATCH_SIZE_BUCKETS,
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "newsflow_indexer_batch_seconds",
            "Time to settle one batch (bulk + retries + DLQ)",
            registry=registry,
        )
        self.bulk_retries = Counter(
            "newsflow_indexer_bulk_retries", "Bulk attempts beyond the first", registry=registry
        )
        self.commit_failures = Counter(
            "newsflow_indexer_commit_failures", "Offset commits refused (rebalance)", registry=registry
        )
        self.end_to_end = Histogram(
            "newsflow_end_to_end_latency_seconds",
            "Indexed acknowledgement time minus the article's ingested_at",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.es_available = Gauge(
            "newsflow_indexer_elasticsearch_available",
            "1 when the last bulk request reached Elasticsearch",
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "newsflow_consumer_lag",
            "Records not yet consumed per assigned partition (high watermark minus position)",
            ["topic", "partition"],
            registry=registry,
        )
