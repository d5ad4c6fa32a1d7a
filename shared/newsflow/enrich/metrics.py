"""Prometheus metrics of the enrichment worker, on a registry of their own (one per worker)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class EnrichmentMetrics:
    """Records consumed, produced and dead-lettered; produce retries; batch timings; consumer lag."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = r = registry or CollectorRegistry()
        self.consumed = Counter(
            "newsflow_enrichment_consumed_total", "Records consumed from the raw topic", registry=r
        )
        self.processed = Counter(
            "newsflow_enrichment_processed_total",
            "Records produced to the enriched topic",
            ["kind"],
            registry=r,
        )
        self.dead_lettered = Counter(
            "newsflow_enrichment_dead_letters_total", "Records sent to the DLQ", ["error_type"], registry=r
        )
        self.send_retries = Counter(
            "newsflow_enrichment_send_retries_total", "Produce attempts that failed", registry=r
        )
        self.batch_size = Histogram(
            "newsflow_enrichment_batch_size",
            "Records per batch",
            registry=r,
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
        )
        self.batch_seconds = Histogram(
            "newsflow_enrichment_batch_seconds",
            "Time to enrich and produce one batch",
            registry=r,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.article_seconds = Histogram(
            "newsflow_enrichment_article_seconds",
            "Enrichment time per article (batch time / batch size)",
            registry=r,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
        )
        self.consumer_lag = Gauge(
            "newsflow_consumer_lag",
            "Records not yet processed per assigned partition (high watermark minus committed offset)",
            ["topic", "partition"],
            registry=r,
        )
        self.last_batch = Gauge(
            "newsflow_enrichment_last_batch_timestamp_seconds", "When the last batch finished", registry=r
        )
