"""Prometheus metrics of the ingest service, on a registry of their own (one per app instance)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class IngestMetrics:
    """Requests by endpoint/status, articles accepted/rejected by reason, Kafka publish latency."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "newsflow_ingest_requests",
            "HTTP requests by endpoint and status code",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.articles = Counter(
            "newsflow_ingest_articles",
            "Articles by outcome (accepted or rejected) and reason",
            ["outcome", "reason"],
            registry=self.registry,
        )
        self.publish_seconds = Histogram(
            "newsflow_ingest_kafka_publish_seconds",
            "Time from send to broker acknowledgement of one publish call",
            ["ok"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "newsflow_ingest_batch_size",
            "Articles per batch request (valid and invalid)",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "newsflow_ingest_in_flight_requests", "Write requests being processed", registry=self.registry
        )
        self.kafka_ready = Gauge(
            "newsflow_ingest_kafka_ready",
            "1 when the producer is connected and healthy",
            registry=self.registry,
        )

        self.feed_polls = Counter(
            "newsflow_ingest_feed_polls",
            "Feed polls by outcome (ok, not_modified, failed) and failure reason",
            ["outcome", "reason"],
            registry=self.registry,
        )
        self.feed_items = Counter(
            "newsflow_ingest_feed_items",
            "Feed entries by outcome (published, unchanged, rejected)",
            ["outcome"],
            registry=self.registry,
        )
        self.feed_poll_seconds = Histogram(
            "newsflow_ingest_feed_poll_seconds",
            "Duration of one feed poll (fetch, parse, publish)",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=self.registry,
        )
        self.feed_last_success = Gauge(
            "newsflow_ingest_feed_last_success_timestamp_seconds",
            "Unix time of the last successful feed poll (any feed)",
            registry=self.registry,
        )

    def feed_polled(self, outcome: str, reason: str, seconds: float) -> None:
        """Record one feed poll (``reason`` is empty unless it failed)."""
        self.feed_polls.labels(outcome=outcome, reason=reason).inc()
        self.feed_poll_seconds.observe(seconds)
        if outcome != "failed":
            self.feed_last_success.set_to_current_time()

    def feed_items_seen(self, published: int, unchanged: int, rejected: int) -> None:
        """Count the entries of one parsed feed by outcome."""
        for outcome, count in (("published", published), ("unchanged", unchanged), ("rejected", rejected)):
            if count:
                self.feed_items.labels(outcome=outcome).inc(count)

    def observe_publish(self, seconds: float, ok: bool) -> None:
        """Record one publish call (used as the publisher's observer)."""
        self.publish_seconds.labels(ok="true" if ok else "false").observe(seconds)

    def accepted(self, count: int, reason: str = "ok") -> None:
        """Count accepted articles."""
        if count:
            self.articles.labels(outcome="accepted", reason=reason).inc(count)

    def rejected(self, reason: str, count: int = 1) -> None:
        """Count rejected articles by reason."""
        if count:
            self.articles.labels(outcome="rejected", reason=reason).inc(count)
