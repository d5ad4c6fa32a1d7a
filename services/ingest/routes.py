"""The ingest API's routes: authenticate, limit, accept (``newsflow.ingest.accept``), publish, answer.

Every write answers 202 only after Kafka acknowledged the records; 503 with ``Retry-After`` when
Kafka is unavailable; 429 with ``Retry-After`` when too many writes are in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import APIKeyHeader, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from newsflow.ingest.accept import BatchLimits, accept_article, accept_batch, accept_retraction
from newsflow.ingest.auth import (
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    Principal,
    ReloadingKeyStore,
    ReplayCache,
    SignatureError,
    presented_key,
    verify_signature,
)
from newsflow.ingest.contract import RetractionIn
from newsflow.ingest.metrics import IngestMetrics
from newsflow.ingest.publisher import ArticlePublisher, Delivery, KafkaUnavailable, RecordTooLarge
from newsflow.ingest.settings import IngestSettings
from newsflow.models import RawArticle
from newsflow.tracing import TraceContext, continue_or_start
from services.ingest.http import (
    ERRORS,
    ApiError,
    InFlightLimit,
    article_body_schema,
    batch_body_schema,
    json_response,
    read_body,
    request_body,
)

log = logging.getLogger(__name__)


@dataclass
class IngestState:
    """Everything the request handlers share (``app.state.ingest``)."""

    settings: IngestSettings
    publisher: ArticlePublisher
    metrics: IngestMetrics
    keys: ReloadingKeyStore
    replays: ReplayCache
    limit: InFlightLimit


async def _state(request: Request) -> IngestState:
    state: IngestState = request.app.state.ingest
    return state


State = Annotated[IngestState, Depends(_state)]


async def _settings(state: State) -> IngestSettings:
    return state.settings


async def _publisher(state: State) -> ArticlePublisher:
    return state.publisher


async def _metrics(state: State) -> IngestMetrics:
    return state.metrics


Settings = Annotated[IngestSettings, Depends(_settings)]
Publisher = Annotated[ArticlePublisher, Depends(_publisher)]
Metrics = Annotated[IngestMetrics, Depends(_metrics)]


async def _caller(request: Request, state: State) -> Principal:
    """The principal of the presented API key; 401 when there is none or it is unknown."""
    key = presented_key(request.headers.get("authorization"), request.headers.get("x-api-key"))
    if key is None:
        raise ApiError(
            401, "missing API key", reason="unauthenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    principal = state.keys.authenticate(key)
    if principal is None:
        raise ApiError(
            401, "unknown API key", reason="unauthenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


Caller = Annotated[Principal, Depends(_caller)]

# Declared for OpenAPI only (the schemes shown in /docs); ``_caller`` reads the headers itself.
_AUTH = [
    Depends(HTTPBearer(auto_error=False, description="Authorization: Bearer <api key>")),
    Depends(APIKeyHeader(name="X-API-Key", auto_error=False, description="API key of one source")),
]


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


async def _publish(state: IngestState, articles: Sequence[RawArticle], trace: TraceContext) -> list[Delivery]:
    try:
        return await state.publisher.publish_many(articles, trace=trace)
    except KafkaUnavailable as exc:
        raise ApiError(
            503,
            "Kafka unavailable: nothing was accepted, retry later",
            reason="kafka_unavailable",
            headers={"Retry-After": str(state.settings.retry_after_s)},
            count=len(articles),
        ) from exc
    except RecordTooLarge as exc:
        raise ApiError(413, "article too large for Kafka", reason="too_large", count=len(articles)) from exc


def _delivery(d: Delivery) -> dict[str, Any]:
    return {
        "status": "accepted",
        "id": d.article_id,
        "revision": d.revision,
        "topic": d.topic,
        "partition": d.partition,
        "offset": d.offset,
    }


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


async def post_article(request: Request, principal: Caller, state: State) -> Response:
    """Create or update one article."""
    with state.limit.slot():
        body = await read_body(request, state.settings.max_body_bytes)
        _check_signature(state, request, principal, body)
        raw = accept_article(body, principal.source)
        trace = continue_or_start(request.headers.get("traceparent"))
        (delivery,) = await _publish(state, [raw], trace)
    state.metrics.accepted(1)
    _log_accepted([delivery], trace)
    return json_response(202, _delivery(delivery), headers={"traceparent": trace.traceparent()})


async def post_batch(request: Request, principal: Caller, state: State) -> Response:
    """Create or update many articles; per-item results."""
    settings, metrics = state.settings, state.metrics
    with state.limit.slot():
        body = await read_body(request, settings.max_batch_bytes)
        _check_signature(state, request, principal, body)
        verdict = accept_batch(body, principal.source, BatchLimits(max_items=settings.max_batch_items))
        invalid = len(verdict.rejected)
        if not verdict.accepted:
            metrics.rejected("invalid", invalid)
            return json_response(422, {"accepted": 0, "rejected": invalid, "results": verdict.results([])})
        trace = continue_or_start(request.headers.get("traceparent"))
        deliveries = await _publish(state, verdict.articles, trace)
    metrics.accepted(len(deliveries))
    metrics.rejected("invalid", invalid)
    metrics.batch_size.observe(verdict.size)
    _log_accepted(deliveries, trace, rejected=invalid)
    return json_response(
        202,
        {
            "accepted": len(deliveries),
            "rejected": invalid,
            "results": verdict.results([_delivery(d) for d in deliveries]),
        },
        headers={"traceparent": trace.traceparent()},
    )


async def delete_article(request: Request, article_id: str, principal: Caller, state: State) -> Response:
    """Retract an article of the key's source."""
    with state.limit.slot():
        body = await read_body(request, state.settings.max_body_bytes)
        _check_signature(state, request, principal, body)
        raw = accept_retraction(body, principal.source, article_id)
        trace = continue_or_start(request.headers.get("traceparent"))
        (delivery,) = await _publish(state, [raw], trace)
    state.metrics.accepted(1, reason="retraction")
    _log_accepted([delivery], trace)
    return json_response(202, _delivery(delivery) | {"deleted": True})


async def healthz() -> Response:
    """Liveness."""
    return json_response(200, {"status": "ok"})


async def readyz(settings: Settings, publisher: Publisher, metrics: Metrics) -> Response:
    """Readiness: Kafka connected and the last send succeeded."""
    ready = publisher.ready
    metrics.kafka_ready.set(1 if ready else 0)
    if ready:
        return json_response(200, {"status": "ready", "kafka": "ok"})
    headers = {"Retry-After": str(settings.retry_after_s)}
    return json_response(503, {"status": "not ready", "kafka": "unavailable"}, headers=headers)


async def prometheus(publisher: Publisher, metrics: Metrics) -> Response:
    """Prometheus metrics."""
    metrics.kafka_ready.set(1 if publisher.ready else 0)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def ingest_router(settings: IngestSettings) -> APIRouter:
    """The routes; ``settings`` only shapes the OpenAPI document (the batch size limit)."""
    router = APIRouter()
    router.add_api_route(
        "/v1/articles",
        post_article,
        methods=["POST"],
        status_code=202,
        summary="Create or update one article",
        dependencies=_AUTH,
        responses={202: {"description": "Acknowledged by Kafka"}, **ERRORS},
        openapi_extra=request_body(article_body_schema()),
    )
    router.add_api_route(
        "/v1/articles/batch",
        post_batch,
        methods=["POST"],
        status_code=202,
        summary="Create or update many articles; per-item results",
        dependencies=_AUTH,
        responses={202: {"description": "Valid items acknowledged by Kafka; per-item results"}, **ERRORS},
        openapi_extra=request_body(batch_body_schema(settings.max_batch_items)),
    )
    router.add_api_route(
        "/v1/articles/{article_id}",
        delete_article,
        methods=["DELETE"],
        status_code=202,
        summary="Retract an article of the key's source (publishes a deletion with a higher revision)",
        description=(
            "`article_id` is the publisher id (scoped to the API key's source) or the full scoped id "
            "`<source>:<publisher id>` returned when the article was accepted. An id scoped to another "
            "source is refused with 403: a key may only retract its own source's articles."
        ),
        dependencies=_AUTH,
        responses={202: {"description": "Retraction acknowledged by Kafka"}, **ERRORS},
        openapi_extra=request_body(RetractionIn.model_json_schema(), required=False),
    )
    router.add_api_route(
        "/healthz",
        healthz,
        methods=["GET"],
        summary="Liveness",
        responses={200: {"description": "The process is alive"}},
    )
    router.add_api_route(
        "/readyz",
        readyz,
        methods=["GET"],
        summary="Readiness: Kafka connected and the last send succeeded",
        responses={200: {"description": "Ready"}, 503: {"description": "Kafka unavailable"}},
    )
    router.add_api_route(
        "/metrics",
        prometheus,
        methods=["GET"],
        summary="Prometheus metrics",
        responses={200: {"description": "Prometheus text"}},
    )
    return router
