"""Wiring of the indexer: settings, clients, the consume→bulk→commit loop and a small HTTP server.

``/healthz`` answers 200 while the process runs; ``/readyz`` answers 200 only when Kafka is joined,
the index exists and the last bulk request reached Elasticsearch; ``/metrics`` serves Prometheus text.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from elasticsearch import ApiError, TransportError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from newsflow.index.archive import roll_over_when_due
from newsflow.index.client import make_async_es
from newsflow.index.design import IndexOutdated, ensure_index
from newsflow.index.loop import IndexerLoop, consumer_overrides
from newsflow.index.metrics import IndexerMetrics
from newsflow.index.settings import IndexerSettings
from newsflow.kafka import make_consumer, make_producer
from newsflow.logs import configure_logging
from newsflow.retry import Backoff, Stopped, retry_until
from newsflow.settings import ElasticsearchSettings, KafkaSettings, LogSettings, TopicSettings

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Exit status when the index must be rebuilt before this indexer may write (sysexits EX_CONFIG).
EXIT_CONFIG = 78

#: Exit status when the shutdown deadline passed (sysexits EX_TEMPFAIL, as the enrichment worker's).
EXIT_SHUTDOWN_DEADLINE = 75

#: What "not there yet" looks like while Kafka or Elasticsearch start or restart.
_UNAVAILABLE = (KafkaError, TransportError, ApiError, OSError)


class IndexerService:
    """The indexer process: owns its clients, its loop and its HTTP endpoints."""

    def __init__(
        self,
        *,
        kafka: KafkaSettings | None = None,
        topics: TopicSettings | None = None,
        elasticsearch: ElasticsearchSettings | None = None,
        settings: IndexerSettings | None = None,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.kafka = kafka or KafkaSettings()
        self.topics = topics or TopicSettings()
        self.es_settings = elasticsearch or ElasticsearchSettings()
        self.settings = settings or IndexerSettings()
        self.registry = registry or CollectorRegistry()
        self.metrics = IndexerMetrics(self.registry)
        self.loop: IndexerLoop | None = None
        self.started = False
        self.http_port: int | None = None

    @property
    def ready(self) -> bool:
        """True when consuming, the index exists and Elasticsearch answered the last bulk."""
        return self.started and self.loop is not None and self.loop.es_available

    async def run(self, stop: asyncio.Event) -> None:
        """Serve HTTP, wait for Elasticsearch and Kafka, then index until ``stop`` is set."""
        runner = await self._start_http()
        es = make_async_es(self.es_settings)
        producer: AIOKafkaProducer | None = None
        consumer: AIOKafkaConsumer | None = None
        try:
            analyzer = self.settings.analyzer
            index = await self._retry(
                "elasticsearch", stop, lambda: ensure_index(es, self.es_settings, analyzer=analyzer)
            )
            log.info("index ready alias=%s index=%s", self.es_settings.alias, index)
            producer = make_producer(self.kafka)
            await self._retry("kafka producer", stop, producer.start)
            consumer = make_consumer(
                self.kafka,
                self.topics.enriched,
                group_id=self.settings.group_id,
                **consumer_overrides(self.settings),
            )
            await self._retry("kafka consumer", stop, consumer.start)
            self.loop = IndexerLoop(
                consumer=consumer,
                producer=producer,
                es=es,
                settings=self.settings,
                alias=self.es_settings.alias,
                dlq_topic=self.topics.dlq,
                metrics=self.metrics,
            )
            self.metrics.es_available.set(1)
            self.started = True
            log.info("indexer started topic=%s group=%s", self.topics.enriched, self.settings.group_id)
            # Long-lived start-up objects need no cyclic-GC scans: without this, full collections
            # triggered by per-document allocations were a large share of the decode time.
            gc.freeze()
            rollovers = asyncio.create_task(
                roll_over_when_due(
                    es,
                    self.es_settings,
                    self.settings.rollover_conditions(),
                    self.settings.rollover_check_seconds,
                    stop,
                ),
                name="rollover",
            )
            try:
                await self.loop.run(stop)
            finally:
                rollovers.cancel()
        except Stopped:
            log.info("stopped before the indexer could start")
        finally:
            self.started = False
            if consumer is not None:
                await _close_quietly("kafka consumer", consumer.stop)
            if producer is not None:
                await _close_quietly("kafka producer", producer.stop)
            await _close_quietly("elasticsearch client", es.close)
            await runner.cleanup()
            log.info("indexer stopped")

    async def _retry(self, what: str, stop: asyncio.Event, attempt: Callable[[], Awaitable[T]]) -> T:
        """Call ``attempt`` until it succeeds (backoff between tries); raise Stopped on a stop."""
        backoff = Backoff(self.settings.backoff_initial_seconds, self.settings.backoff_max_seconds)
        return await retry_until(attempt, retry_on=_UNAVAILABLE, backoff=backoff, stop=stop, what=what)

    async def _start_http(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.http_host, self.settings.http_port)
        await site.start()
        addresses = runner.addresses
        self.http_port = int(addresses[0][1]) if addresses else self.settings.http_port
        log.info("http listening host=%s port=%s", self.settings.http_host, self.http_port)
        return runner

    async def _healthz(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _: web.Request) -> web.Response:
        body = {
            "ready": self.ready,
            "consuming": self.started,
            "elasticsearch": self.loop.es_available if self.loop else False,
        }
        return web.json_response(body, status=200 if self.ready else 503)

    async def _metrics(self, _: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


async def _close_quietly(what: str, close: Callable[[], Awaitable[object]]) -> None:
    """Close a client on the way out; its failure must not turn a clean stop into an error exit.
    aiokafka's consumer, stopped while the broker is away, raises the CancelledError of its own
    fetch task: swallowed unless this task itself is being cancelled."""
    try:
        await close()
    except (Exception, asyncio.CancelledError) as exc:
        task = asyncio.current_task()
        if isinstance(exc, asyncio.CancelledError) and task is not None and task.cancelling():
            raise
        log.warning("closing the %s failed error=%s", what, type(exc).__name__)


async def main() -> int:
    """Entry point: configure logging, install signal handlers, run until SIGTERM/SIGINT; after the
    signal, exit within ``NEWSFLOW_INDEXER_SHUTDOWN_TIMEOUT_S`` whatever is down."""
    configure_logging(LogSettings(), service="indexer")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    service = IndexerService()
    running = asyncio.create_task(service.run(stop), name="indexer")
    stopping = asyncio.create_task(stop.wait(), name="indexer-stop")
    await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not running.done():
        done, _ = await asyncio.wait({running}, timeout=service.settings.shutdown_timeout_s)
        if not done:
            _exit_at_deadline(service.settings.shutdown_timeout_s)
    try:
        running.result()
    except IndexOutdated as exc:
        log.error("index outdated, not starting: %s", exc)
        return EXIT_CONFIG
    return 0


def _exit_at_deadline(seconds: float) -> None:
    """A stop that Kafka or Elasticsearch keeps waiting (a close, a commit): leave without it. Offsets
    of unsettled batches were never committed, so the next owner of the partitions replays them."""
    log.error("shutdown did not finish within %.0fs (is Kafka or Elasticsearch reachable?); exiting", seconds)
    logging.shutdown()
    os._exit(EXIT_SHUTDOWN_DEADLINE)
