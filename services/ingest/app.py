"""The ingest service: FastAPI app over the routes of ``services.ingest.routes``.

The app owns the process-wide parts: the Kafka publisher and the feed poller (opened and closed by
the lifespan), the reloading API key store, the in-flight limit, the error answers and the
request-metrics middleware.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request, Response

from newsflow.ingest.accept import Refused
from newsflow.ingest.auth import ReloadingKeyStore, ReplayCache
from newsflow.ingest.feed_assignment import FeedAssignment, GroupAssignment, StaticAssignment
from newsflow.ingest.feed_poller import FeedPoller
from newsflow.ingest.feed_state import KafkaFeedState
from newsflow.ingest.feed_workers import ProcessFeedParser
from newsflow.ingest.metrics import IngestMetrics
from newsflow.ingest.publisher import ArticlePublisher
from newsflow.ingest.settings import IngestSettings
from newsflow.models import RawArticle
from newsflow.settings import KafkaSettings, TopicSettings
from services.ingest.http import ApiError, InFlightLimit, RequestMetrics, json_response, refusal
from services.ingest.routes import IngestState, ingest_router

log = logging.getLogger(__name__)

#: The OpenAPI description of the API.
DESCRIPTION = """FastAPI wiring of the ingest service: authentication, limits, validation, publish, answer.

Every write answers 202 only after Kafka acknowledged the records; 503 with ``Retry-After`` when
Kafka is unavailable; 429 with ``Retry-After`` when too many writes are in flight.
"""


def _assignment(settings: IngestSettings, kafka: KafkaSettings, topics: TopicSettings) -> FeedAssignment:
    if settings.feed_assignment == "static":
        return StaticAssignment(settings.feed_replica_index, settings.feed_replica_count)
    return GroupAssignment(
        kafka,
        settings.feed_group_topic,
        settings.feed_group,
        create=settings.create_topics,
        replication_factor=topics.replication_factor,
    )


@asynccontextmanager
async def _feeds(
    settings: IngestSettings, state: IngestState, kafka: KafkaSettings, topics: TopicSettings
) -> AsyncIterator[None]:
    """Poll this replica's share of the configured feeds in the background while the app runs
    (parsing in a worker process, so the API's event loop never waits for a parse); the share comes
    from the feed assignment, the revision memory from the feed state topic."""
    feeds = settings.feeds
    if not feeds:
        yield
        return

    async def publish_feed(articles: Sequence[RawArticle]) -> object:
        deliveries = await state.publisher.publish_many(articles)
        state.metrics.accepted(len(deliveries), reason="feed")
        return deliveries

    assignment = _assignment(settings, kafka, topics)
    store = KafkaFeedState(
        kafka,
        settings.feed_state_topic,
        create=settings.create_topics,
        replication_factor=topics.replication_factor,
    )
    log.info(
        "feed poller started feeds=%d assignment=%s",
        len(feeds),
        settings.feed_assignment
        if settings.feed_assignment == "group"
        else f"static {settings.feed_replica_index}/{settings.feed_replica_count}",
    )
    stop = asyncio.Event()
    parser = ProcessFeedParser(workers=settings.feed_parser_processes)
    await parser.start()
    async with httpx.AsyncClient(timeout=settings.feed_timeout_s, trust_env=False) as client:
        poller = FeedPoller(
            feeds,
            publish_feed,
            client=client,
            interval_s=settings.feed_interval_s,
            max_bytes=settings.feed_max_bytes,
            allow_private=settings.allow_private_feeds,
            deadline_s=settings.feed_deadline_s,
            concurrency=settings.feed_concurrency,
            parse=parser,
            metrics=state.metrics,
            store=store,
            assignment=assignment,
        )
        task = asyncio.create_task(poller.run(stop), name="feed-poller")
        try:
            yield
        finally:
            stop.set()
            try:
                await asyncio.wait_for(task, timeout=10)  # leaves the group cleanly
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await store.close()
            await asyncio.to_thread(parser.close)


def create_app(
    settings: IngestSettings | None = None,
    kafka: KafkaSettings | None = None,
    topics: TopicSettings | None = None,
) -> FastAPI:
    """The ingest application; its lifespan opens and closes the producer and the feed poller."""
    settings = settings or IngestSettings()
    kafka = kafka or KafkaSettings()
    topics = topics or TopicSettings()
    metrics = IngestMetrics()
    publisher = ArticlePublisher(
        kafka,
        topics,
        timeout_s=settings.publish_timeout_s,
        linger_ms=settings.producer_linger_ms,
        create_topics=settings.create_topics,
        observer=metrics.observe_publish,
    )
    state = IngestState(
        settings=settings,
        publisher=publisher,
        metrics=metrics,
        keys=ReloadingKeyStore(settings.api_keys_file),
        replays=ReplayCache(settings.hmac_tolerance_s),
        limit=InFlightLimit(settings.max_in_flight, metrics),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await publisher.start(wait_s=settings.startup_wait_s)
        # Everything alive now (modules, settings, clients) lives as long as the process: keep it out
        # of the collector's full passes, which otherwise stall the event loop for tens of ms.
        gc.freeze()
        try:
            async with _feeds(settings, state, kafka, topics):
                log.info("ingest started topic=%s feeds=%d", topics.raw, len(settings.feeds))
                yield
        finally:
            await publisher.stop(timeout_s=settings.shutdown_timeout_s)
            log.info("ingest stopped")

    app = FastAPI(title="newsflow ingest", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.ingest = state

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        metrics.rejected(exc.reason, exc.count)
        return json_response(exc.status, {"detail": exc.detail}, headers=exc.headers)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        return await _api_error(request, refusal(exc))

    app.include_router(ingest_router(settings))
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app
