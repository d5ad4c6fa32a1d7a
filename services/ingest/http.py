"""The HTTP edge of the ingest service: error answers, body and in-flight limits, OpenAPI extras,
and the request-metrics middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import orjson
from fastapi import Request, Response

from newsflow.ingest.accept import Refused
from newsflow.ingest.contract import ArticleIn
from newsflow.ingest.metrics import IngestMetrics

ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]

#: The HTTP status of each kind of refusal of the acceptance policy.
REFUSAL_STATUS = {"invalid": 422, "forbidden": 403, "too_large": 413}


class ApiError(Exception):
    """An HTTP error answer with a JSON ``detail``; ``count`` articles are counted as rejected."""

    def __init__(
        self,
        status: int,
        detail: Any,
        *,
        reason: str,
        headers: dict[str, str] | None = None,
        count: int = 1,
    ) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail
        self.reason = reason
        self.headers = headers or {}
        self.count = count


def refusal(exc: Refused) -> ApiError:
    """The HTTP answer to a refusal of the acceptance policy."""
    return ApiError(REFUSAL_STATUS[exc.reason], exc.detail, reason=exc.reason, count=exc.count)


def json_response(status: int, content: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response serialised with orjson."""
    return Response(orjson.dumps(content), status_code=status, media_type="application/json", headers=headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body; 413 as soon as it (or its declared length) exceeds ``limit`` bytes."""
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


class InFlightLimit:
    """At most ``limit`` write requests at once; one more is answered 429 ``Retry-After: 1``."""

    def __init__(self, limit: int, metrics: IngestMetrics) -> None:
        self.limit = limit
        self.metrics = metrics
        self.count = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the slots while the request is processed."""
        if self.count >= self.limit:
            raise ApiError(
                429, "too many requests in flight", reason="overloaded", headers={"Retry-After": "1"}
            )
        self.count += 1
        self.metrics.in_flight.inc()
        try:
            yield
        finally:
            self.count -= 1
            self.metrics.in_flight.dec()


class RequestMetrics:
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


# ----------------------------------------------------------------------------------- OpenAPI extras

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or unknown API key, or bad body signature"},
    403: {"description": "The API key may not write this source (or retract another source's article)"},
    413: {"description": "Body larger than the configured limit"},
    422: {"description": "Invalid article: field-level detail"},
    429: {"description": "Too many writes in flight; retry after Retry-After seconds"},
    503: {"description": "Kafka unavailable; nothing accepted; retry after Retry-After seconds"},
}


def article_body_schema() -> dict[str, Any]:
    """The JSON schema of a single-article body."""
    return ArticleIn.model_json_schema()


def batch_body_schema(max_items: int) -> dict[str, Any]:
    """The JSON schema of a batch body."""
    return {
        "type": "object",
        "properties": {"articles": {"type": "array", "items": article_body_schema(), "maxItems": max_items}},
        "required": ["articles"],
        "additionalProperties": False,
    }


def request_body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON body the route reads itself (so it can limit its size)."""
    return {"requestBody": {"required": required, "content": {"application/json": {"schema": schema}}}}
