"""FastAPI wiring of the ingest service: authentication, limits, validation, publish, answer.

Every write answers 202 only after Kafka acknowledged the records; 503 with ``Retry-After`` when
Kafka is unavailable; 429 with ``Retry-After`` when too many writes are in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import Depends, FastAPI, Request, Response
from fastapi.security import APIKeyHeader, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from newsflow.ingest.auth import (
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    KeyStore,
    Principal,
    ReplayCache,
    SignatureError,
    presented_key,
    verify_signature,
)
from newsflow.ingest.contract import (
    ArticleIn,
    ForeignSourceId,
    RetractionIn,
    retraction,
    retraction_id,
    source_of,
    to_raw,
)
from newsflow.ingest.feeds import FeedPoller
from newsflow.ingest.metrics import IngestMetrics
from newsflow.ingest.publisher import ArticlePublisher, Delivery, KafkaUnavailable, RecordTooLarge
from newsflow.ingest.settings import IngestSettings
from newsflow.models import RawArticle
from newsflow.settings import KafkaSettings, TopicSettings
from newsflow.tracing import TraceContext, continue_or_start

log = logging.getLogger(__name__)

ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


class ApiError(Exception):
    """An HTTP error answer with a JSON ``detail``."""

    def __init__(
        self, status: int, detail: Any, *, reason: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail
        self.reason = reason
        self.headers = headers or {}


def json_response(status: int, content: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response serialised with orjson."""
    return Response(orjson.dumps(content), status_code=status, media_type="application/json", headers=headers)


def field_errors(exc: ValidationError, prefix: Sequence[str | int] = ("body",)) -> list[dict[str, Any]]:
    """Pydantic errors as FastAPI-style ``detail`` entries (no input echoed back)."""
    return [
        {"loc": [*prefix, *err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


@dataclass
class IngestState:
    """Everything the request handlers share."""

    settings: IngestSettings
    publisher: ArticlePublisher
    metrics: IngestMetrics
    keys_file: Path
    keys: KeyStore
    keys_mtime: float = -1.0
    keys_checked: float = 0.0
    replays: ReplayCache = field(default_factory=lambda: ReplayCache(300))
    in_flight: int = 0

    def key_store(self) -> KeyStore:
        """The key store, reloaded when the keys file changed (checked at most every 2 s)."""
        now = time.monotonic()
        if now - self.keys_checked < 2.0:
            return self.keys
        self.keys_checked = now
        try:
            mtime = self.keys_file.stat().st_mtime
        except OSError:
            mtime = -1.0
        if mtime != self.keys_mtime:
            try:
                self.keys = KeyStore.from_file(self.keys_file)
                self.keys_mtime = mtime
                log.info("api keys loaded keys=%d file=%s", len(self.keys), self.keys_file)
            except (ValueError, OSError) as exc:
                log.error("api keys file unreadable file=%s error=%s", self.keys_file, type(exc).__name__)
        return self.keys


_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <api key>")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key of one source")

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or unknown API key, or bad body signature"},
    403: {"description": "The API key may not write this source (or retract another source's article)"},
    413: {"description": "Body larger than the configured limit"},
    422: {"description": "Invalid article: field-level detail"},
    429: {"description": "Too many writes in flight; retry after Retry-After seconds"},
    503: {"description": "Kafka unavailable; nothing accepted; retry after Retry-After seconds"},
}


def _article_body_schema() -> dict[str, Any]:
    return ArticleIn.model_json_schema()


def _batch_body_schema(max_items: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"articles": {"type": "array", "items": _article_body_schema(), "maxItems": max_items}},
        "required": ["articles"],
        "additionalProperties": False,
    }


def _request_body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"requestBody": {"required": required, "content": {"application/json": {"schema": schema}}}}


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"body larger than {limit} bytes", reason="too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"body larger than {limit} bytes", reason="too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def _principal(state: IngestState, request: Request) -> Principal:
    key = presented_key(request.headers.get("authorization"), request.headers.get("x-api-key"))
    if key is None:
        raise ApiError(
            401, "missing API key", reason="unauthenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    principal = state.key_store().authenticate(key)
    if principal is None:
        raise ApiError(
            401, "unknown API key", reason="unauthenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


def _check_signature(state: IngestState, request: Request, principal: Principal, body: bytes) -> None:
    secret = principal.hmac_secret
    if secret is None:
        if state.settings.hmac_required:
            raise ApiError(401, "signed requests required but no secret for this key", reason="bad_signature")
        return
    try:
        verify_signature(
            secret.get_secret_value(),
            body,
            request.headers.get(HEADER_TIMESTAMP),
            request.headers.get(HEADER_SIGNATURE),
            tolerance_s=state.settings.hmac_tolerance_s,
            replays=state.replays,
        )
    except SignatureError as exc:
        raise ApiError(401, f"bad signature: {exc}", reason="bad_signature") from exc


@contextlib.contextmanager
def _slot(state: IngestState) -> Any:
    if state.in_flight >= state.settings.max_in_flight:
        raise ApiError(429, "too many requests in flight", reason="overloaded", headers={"Retry-After": "1"})
    state.in_flight += 1
    state.metrics.in_flight.inc()
    try:
        yield
    finally:
        state.in_flight -= 1
        state.metrics.in_flight.dec()


async def _publish(state: IngestState, articles: Sequence[RawArticle], trace: TraceContext) -> list[Delivery]:
    try:
        return await state.publisher.publish_many(articles, trace=trace)
    except KafkaUnavailable as exc:
        raise ApiError(
            503,
            "Kafka unavailable: nothing was accepted, retry later",
            reason="kafka_unavailable",
            headers={"Retry-After": str(state.settings.retry_after_s)},
        ) from exc
    except RecordTooLarge as exc:
        raise ApiError(413, "article too large for Kafka", reason="too_large") from exc


def _delivery(d: Delivery) -> dict[str, Any]:
    return {
        "status": "accepted",
        "id": d.article_id,
        "revision": d.revision,
        "topic": d.topic,
        "partition": d.partition,
        "offset": d.offset,
    }


class _RequestMetrics:
    """Pure ASGI middleware: counts responses by route template and status."""

    def __init__(self, app: ASGIApp, metrics: IngestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_wrapper(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            endpoint = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(endpoint=endpoint, method=scope["method"], status=str(status)).inc()


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
        keys_file=settings.api_keys_file,
        keys=KeyStore([]),
        replays=ReplayCache(settings.hmac_tolerance_s),
    )
    state.key_store()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await publisher.start(wait_s=settings.startup_wait_s)
        poller_task: asyncio.Task[None] | None = None
        client: httpx.AsyncClient | None = None
        if settings.feeds:
            client = httpx.AsyncClient(timeout=settings.feed_timeout_s, trust_env=False)

            async def publish_feed(articles: Sequence[RawArticle]) -> object:
                deliveries = await publisher.publish_many(articles)
                metrics.accepted(len(deliveries), reason="feed")
                return deliveries

            poller = FeedPoller(
                settings.feeds,
                publish_feed,
                client=client,
                interval_s=settings.feed_interval_s,
                max_bytes=settings.feed_max_bytes,
                allow_private=settings.allow_private_feeds,
            )
            poller_task = asyncio.create_task(poller.run(), name="feed-poller")
        log.info("ingest started topic=%s feeds=%d", topics.raw, len(settings.feeds))
        try:
            yield
        finally:
            if poller_task is not None:
                poller_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller_task
            if client is not None:
                await client.aclose()
            await publisher.stop()
            log.info("ingest stopped")

    app = FastAPI(
        title="newsflow ingest",
        version="1",
        description=__doc__,
        lifespan=lifespan,
    )
    app.state.ingest = state

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        metrics.rejected(exc.reason, getattr(request.state, "article_count", 1))
        return json_response(exc.status, {"detail": exc.detail}, headers=exc.headers)

    auth_deps = [Depends(_bearer), Depends(_api_key)]

    @app.post(
        "/v1/articles",
        status_code=202,
        summary="Create or update one article",
        dependencies=auth_deps,
        responses={202: {"description": "Acknowledged by Kafka"}, **_ERRORS},
        openapi_extra=_request_body(_article_body_schema()),
    )
    async def post_article(request: Request) -> Response:
        principal = _principal(state, request)
        with _slot(state):
            body = await _read_body(request, settings.max_body_bytes)
            _check_signature(state, request, principal, body)
            try:
                article = ArticleIn.model_validate_json(body)
            except ValidationError as exc:
                raise ApiError(422, field_errors(exc), reason="invalid") from exc
            source, allowed = source_of(article, principal.source)
            if not allowed:
                raise ApiError(403, f"this API key may not write source {source!r}", reason="forbidden")
            raw = to_raw(article, source)
            trace = continue_or_start(request.headers.get("traceparent"))
            (delivery,) = await _publish(state, [raw], trace)
        metrics.accepted(1)
        _log_accepted([delivery], trace)
        return json_response(202, _delivery(delivery), headers={"traceparent": trace.traceparent()})

    @app.post(
        "/v1/articles/batch",
        status_code=202,
        summary="Create or update many articles; per-item results",
        dependencies=auth_deps,
        responses={202: {"description": "Valid items acknowledged by Kafka; per-item results"}, **_ERRORS},
        openapi_extra=_request_body(_batch_body_schema(settings.max_batch_items)),
    )
    async def post_batch(request: Request) -> Response:
        principal = _principal(state, request)
        with _slot(state):
            body = await _read_body(request, settings.max_batch_bytes)
            _check_signature(state, request, principal, body)
            items = _batch_items(body, settings.max_batch_items)
            request.state.article_count = len(items)
            results: list[dict[str, Any]] = []
            valid: list[tuple[int, RawArticle]] = []
            forbidden: list[int] = []
            for index, item in enumerate(items):
                try:
                    article = ArticleIn.model_validate(item)
                except ValidationError as exc:
                    prefix: list[str | int] = ["body", "articles", index]
                    results.append(
                        {"index": index, "status": "rejected", "errors": field_errors(exc, prefix)}
                    )
                    continue
                source, allowed = source_of(article, principal.source)
                if not allowed:
                    forbidden.append(index)
                    continue
                valid.append((index, to_raw(article, source)))
                results.append({"index": index, "status": "pending"})
            if forbidden:
                raise ApiError(
                    403,
                    f"this API key may not write the source of items {forbidden[:20]}; nothing was accepted",
                    reason="forbidden",
                )
            invalid = len(items) - len(valid)
            if not valid:
                metrics.rejected("invalid", invalid)
                return json_response(422, {"accepted": 0, "rejected": invalid, "results": results})
            trace = continue_or_start(request.headers.get("traceparent"))
            request.state.article_count = len(valid)
            deliveries = await _publish(state, [a for _, a in valid], trace)
        by_index = {index: d for (index, _), d in zip(valid, deliveries, strict=True)}
        for result in results:
            if result["status"] == "pending":
                result.update(_delivery(by_index[result["index"]]))
        metrics.accepted(len(valid))
        metrics.rejected("invalid", invalid)
        metrics.batch_size.observe(len(items))
        _log_accepted(deliveries, trace, rejected=invalid)
        return json_response(
            202,
            {"accepted": len(valid), "rejected": invalid, "results": results},
            headers={"traceparent": trace.traceparent()},
        )

    @app.delete(
        "/v1/articles/{article_id}",
        status_code=202,
        summary="Retract an article of the key's source (publishes a deletion with a higher revision)",
        description=(
            "`article_id` is the publisher id (scoped to the API key's source) or the full scoped id "
            "`<source>:<publisher id>` returned when the article was accepted. An id scoped to another "
            "source is refused with 403: a key may only retract its own source's articles."
        ),
        dependencies=auth_deps,
        responses={202: {"description": "Retraction acknowledged by Kafka"}, **_ERRORS},
        openapi_extra=_request_body(RetractionIn.model_json_schema(), required=False),
    )
    async def delete_article(request: Request, article_id: str) -> Response:
        principal = _principal(state, request)
        with _slot(state):
            body = await _read_body(request, settings.max_body_bytes)
            _check_signature(state, request, principal, body)
            try:
                target = retraction_id(principal.source, article_id)
            except ForeignSourceId as exc:
                message = f"this API key may not retract articles of source {exc.source!r}"
                raise ApiError(403, message, reason="forbidden") from exc
            except ValueError as exc:
                detail = [
                    {
                        "loc": ["path", "article_id"],
                        "msg": "not a valid article id",
                        "type": "string_pattern_mismatch",
                    }
                ]
                raise ApiError(422, detail, reason="invalid") from exc
            try:
                retract = RetractionIn.model_validate_json(body) if body.strip() else RetractionIn()
                raw = retraction(target, principal.source, retract.revision)
            except ValidationError as exc:
                raise ApiError(422, field_errors(exc), reason="invalid") from exc
            trace = continue_or_start(request.headers.get("traceparent"))
            (delivery,) = await _publish(state, [raw], trace)
        metrics.accepted(1, reason="retraction")
        _log_accepted([delivery], trace)
        return json_response(202, _delivery(delivery) | {"deleted": True})

    @app.get("/healthz", summary="Liveness", responses={200: {"description": "The process is alive"}})
    async def healthz() -> Response:
        return json_response(200, {"status": "ok"})

    @app.get(
        "/readyz",
        summary="Readiness: Kafka connected and the last send succeeded",
        responses={200: {"description": "Ready"}, 503: {"description": "Kafka unavailable"}},
    )
    async def readyz() -> Response:
        ready = publisher.ready
        metrics.kafka_ready.set(1 if ready else 0)
        if ready:
            return json_response(200, {"status": "ready", "kafka": "ok"})
        headers = {"Retry-After": str(settings.retry_after_s)}
        return json_response(503, {"status": "not ready", "kafka": "unavailable"}, headers=headers)

    @app.get("/metrics", summary="Prometheus metrics", responses={200: {"description": "Prometheus text"}})
    async def prometheus() -> Response:
        metrics.kafka_ready.set(1 if publisher.ready else 0)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(_RequestMetrics, metrics=metrics)
    return app


def _log_accepted(deliveries: Sequence[Delivery], trace: TraceContext, rejected: int = 0) -> None:
    """One info line per request, one debug line per article (with article_id and trace_id fields)."""
    log.info(
        "articles accepted count=%d rejected=%d trace_id=%s",
        len(deliveries),
        rejected,
        trace.trace_id,
        extra={"trace_id": trace.trace_id},
    )
    if log.isEnabledFor(logging.DEBUG):
        for d in deliveries:
            log.debug(
                "article accepted article_id=%s revision=%s partition=%d offset=%d trace_id=%s",
                d.article_id,
                d.revision,
                d.partition,
                d.offset,
                trace.trace_id,
                extra={"article_id": d.article_id, "trace_id": trace.trace_id},
            )


def _batch_items(body: bytes, max_items: int) -> list[Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        detail = [{"loc": ["body"], "msg": f"invalid JSON: {exc}", "type": "json_invalid"}]
        raise ApiError(422, detail, reason="invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        detail = [
            {
                "loc": ["body", "articles"],
                "msg": "expected an object with an 'articles' array",
                "type": "missing",
            }
        ]
        raise ApiError(422, detail, reason="invalid")
    extra = sorted(set(data) - {"articles"})
    if extra:
        detail = [
            {"loc": ["body", k], "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}
            for k in extra
        ]
        raise ApiError(422, detail, reason="invalid")
    items: list[Any] = data["articles"]
    if len(items) > max_items:
        raise ApiError(413, f"batch has {len(items)} items; the limit is {max_items}", reason="too_large")
    return items
