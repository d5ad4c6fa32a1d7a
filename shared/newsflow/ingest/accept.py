"""What the ingest API accepts: request bodies of one source's key → raw articles, or refusals.

Pure (no HTTP, no Kafka): the service reads the body, authenticates the key and hands both in; it
publishes what comes back and turns a :class:`Refused` into its HTTP answer. The rules:

- a body that is not valid JSON, or not the expected shape, is refused whole (``invalid``);
- a batch with more items than the limit is refused whole (``too_large``);
- an item that is not a valid :class:`ArticleIn` is rejected alone, with field-level errors;
- an item naming another source than the key's refuses the whole batch (``forbidden``): a key
  writes only its own source, and a batch is never half-accepted for that;
- a retraction targets an id of the key's own source only (``forbidden`` otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import ValidationError

from newsflow.ingest.contract import (
    ArticleIn,
    ForeignSourceId,
    RetractionIn,
    retraction,
    retraction_id,
    source_of,
    to_raw,
)
from newsflow.models import RawArticle

Reason = Literal["invalid", "forbidden", "too_large"]
Loc = Sequence[str | int]

#: How many refused item indices a ``forbidden`` batch answer names.
MAX_FORBIDDEN_LISTED = 20


class Refused(Exception):
    """The whole request is refused; ``detail`` is the answer's ``detail`` (text or field errors).

    ``count`` is how many articles the refusal turns away (for the rejected-articles metric).
    """

    reason: Reason = "invalid"

    def __init__(self, detail: Any, *, count: int = 1) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.count = count


class Invalid(Refused):
    """The body (or the path id) is not valid: ``detail`` lists FastAPI-style field errors."""

    reason: Reason = "invalid"


class Forbidden(Refused):
    """The key may not write (or retract) the source the request names."""

    reason: Reason = "forbidden"


class TooLarge(Refused):
    """More items than the limit."""

    reason: Reason = "too_large"


def field_errors(exc: ValidationError, prefix: Loc = ("body",)) -> list[dict[str, Any]]:
    """Pydantic errors as FastAPI-style ``detail`` entries (no input echoed back)."""
    return [
        {"loc": [*prefix, *err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def _error(loc: Loc, msg: str, kind: str) -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg, "type": kind}


def accept_article(body: bytes, key_source: str) -> RawArticle:
    """The raw article of a single-article body sent with a key of ``key_source``."""
    try:
        article = ArticleIn.model_validate_json(body)
    except ValidationError as exc:
        raise Invalid(field_errors(exc)) from exc
    source, allowed = source_of(article, key_source)
    if not allowed:
        raise Forbidden(f"this API key may not write source {source!r}")
    return to_raw(article, source)


def accept_retraction(body: bytes, key_source: str, article_id: str) -> RawArticle:
    """The deletion record of ``article_id`` (path) with an optional ``{"revision": …}`` body."""
    try:
        target = retraction_id(key_source, article_id)
    except ForeignSourceId as exc:
        raise Forbidden(f"this API key may not retract articles of source {exc.source!r}") from exc
    except ValueError as exc:
        detail = [_error(("path", "article_id"), "not a valid article id", "string_pattern_mismatch")]
        raise Invalid(detail) from exc
    try:
        retract = RetractionIn.model_validate_json(body) if body.strip() else RetractionIn()
        return retraction(target, key_source, retract.revision)
    except ValidationError as exc:
        raise Invalid(field_errors(exc)) from exc


@dataclass(frozen=True)
class BatchLimits:
    """Limits on a batch body's content (its size in bytes is limited while reading it)."""

    max_items: int


def batch_items(body: bytes, limits: BatchLimits) -> list[Any]:
    """The ``articles`` of a batch body: an object with exactly one key, an array within the limit."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Invalid([_error(("body",), f"invalid JSON: {exc}", "json_invalid")]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        msg = "expected an object with an 'articles' array"
        raise Invalid([_error(("body", "articles"), msg, "missing")])
    extra = sorted(set(data) - {"articles"})
    if extra:
        raise Invalid(
            [_error(("body", k), "Extra inputs are not permitted", "extra_forbidden") for k in extra]
        )
    items: list[Any] = data["articles"]
    if len(items) > limits.max_items:
        raise TooLarge(f"batch has {len(items)} items; the limit is {limits.max_items}")
    return items


@dataclass(frozen=True)
class Rejection:
    """One batch item that is not a valid article, with its field errors."""

    index: int
    errors: list[dict[str, Any]]

    def result(self) -> dict[str, Any]:
        """The item's entry in the batch answer."""
        return {"index": self.index, "status": "rejected", "errors": self.errors}


@dataclass(frozen=True)
class BatchAcceptance:
    """The verdict on every item of a batch: accepted articles and rejected items, by index."""

    size: int
    accepted: list[tuple[int, RawArticle]]
    rejected: list[Rejection]

    @property
    def articles(self) -> list[RawArticle]:
        """The accepted articles, in item order (the order to publish them in)."""
        return [article for _, article in self.accepted]

    def results(self, accepted: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Per-item answer in item order; ``accepted[i]`` is the result of the i-th accepted article."""
        merged = {r.index: r.result() for r in self.rejected}
        for (index, _), result in zip(self.accepted, accepted, strict=True):
            merged[index] = {"index": index, **result}
        return [merged[index] for index in sorted(merged)]


def accept_items(items: Sequence[Any], key_source: str) -> BatchAcceptance:
    """Judge every batch item; raise :class:`Forbidden` when any names another source."""
    accepted: list[tuple[int, RawArticle]] = []
    rejected: list[Rejection] = []
    forbidden: list[int] = []
    for index, item in enumerate(items):
        try:
            article = ArticleIn.model_validate(item)
        except ValidationError as exc:
            rejected.append(Rejection(index, field_errors(exc, ("body", "articles", index))))
            continue
        source, allowed = source_of(article, key_source)
        if not allowed:
            forbidden.append(index)
            continue
        accepted.append((index, to_raw(article, source)))
    if forbidden:
        listed = forbidden[:MAX_FORBIDDEN_LISTED]
        message = f"this API key may not write the source of items {listed}; nothing was accepted"
        raise Forbidden(message, count=len(items))
    return BatchAcceptance(len(items), accepted, rejected)


def accept_batch(body: bytes, key_source: str, limits: BatchLimits) -> BatchAcceptance:
    """Batch body + the key's source + limits → accepted articles and per-item rejections."""
    return accept_items(batch_items(body, limits), key_source)
