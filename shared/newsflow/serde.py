"""Encoding and decoding of wire models: JSON bytes on Kafka, pydantic models inside services."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from newsflow.models import DeadLetter

M = TypeVar("M", bound=BaseModel)

Headers = Sequence[tuple[str, bytes]]

HEADER_TRACEPARENT = "traceparent"
HEADER_SCHEMA = "newsflow-schema"
HEADER_CONTENT_TYPE = "content-type"
HEADER_PUBLISHED_AT = "newsflow-published-at"


class DecodeError(ValueError):
    """A message value that is not valid JSON or does not match the expected model."""

    def __init__(self, error_type: str, reason: str) -> None:
        super().__init__(reason)
        self.error_type = error_type
        self.reason = reason


def encode(model: BaseModel) -> bytes:
    """The JSON bytes of a model, as written to Kafka.

    A model that a consumer read (:func:`newsflow.versions.read`) writes back the fields it did not
    know, at every level, as it read them: a stage that passes a newer producer's data on does not
    lose it (docs/contracts.md). Models built by producers have none.
    """
    return orjson.dumps(_with_extras(model, model.model_dump(mode="json")))


def _with_extras(model: BaseModel, dumped: dict[str, Any]) -> dict[str, Any]:
    if model.model_extra:
        dumped.update(model.model_extra)  # values read from JSON: JSON-ready as they are
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            _with_extras(value, dumped[name])
        elif isinstance(value, tuple | list):
            for item, item_dumped in zip(value, dumped[name], strict=True):
                if isinstance(item, BaseModel):
                    _with_extras(item, item_dumped)
    return dumped


def decode(data: bytes | None, model: type[M]) -> M:
    """Decode JSON bytes into ``model`` strictly; raise :class:`DecodeError` with a readable reason.

    Consumers read with :func:`newsflow.versions.read` (tolerant, every version); this strict
    decoding is for what must match today's contract exactly (tests, tools).
    """
    if data is None:
        raise DecodeError("EmptyMessage", "message has no value (tombstone or null)")
    try:
        return model.model_validate_json(data)  # fast path: no intermediate dict
    except ValidationError:
        pass  # decode again below, only to tell bad JSON from a wrong schema in the reason
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DecodeError("InvalidJSON", f"value is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise DecodeError("WrongSchema", f"expected a JSON object, got {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise DecodeError("WrongSchema", validation_reason(exc)) from exc


def validation_reason(exc: ValidationError) -> str:
    """The first five errors of a validation, as ``field.path: message; ...``."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "<root>"
        parts.append(f"{loc}: {err['msg']}")
    more = "" if exc.error_count() <= 5 else f" (+{exc.error_count() - 5} more)"
    return "; ".join(parts) + more


def header(headers: Headers | None, name: str) -> str | None:
    """The value of a Kafka header as text, or None."""
    for key, value in headers or ():
        if key == name:
            return value.decode("utf-8", "replace")
    return None


def payload_text(data: bytes | None) -> tuple[str, str]:
    """A payload as (text, encoding) for a dead letter: UTF-8 when possible, else base64."""
    if data is None:
        return "", "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


def dead_letter(
    *,
    stage: str,
    error_type: str,
    reason: str,
    payload: bytes | None,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    key: bytes | str | None = None,
    article_id: str | None = None,
) -> DeadLetter:
    """Build a dead letter carrying the failed message and where it came from."""
    text, encoding = payload_text(payload)
    key_text = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
    return DeadLetter.model_validate(
        {
            "stage": stage,
            "error_type": error_type,
            "reason": reason[:4000],
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "key": key_text,
            "article_id": article_id or key_text,
            "payload": text,
            "payload_encoding": encoding,
        }
    )
