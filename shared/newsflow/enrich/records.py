"""From consumed Kafka records to the records to produce: enriched articles and dead letters.

Pure (no Kafka client): the worker hands in what it consumed and sends what comes back. Every
input record yields exactly one output record, so nothing vanishes silently:

- a value that is not a valid :class:`RawArticle` (invalid JSON, wrong schema, tombstone) -> DLQ;
- a retraction (``deleted=True``) -> ``EnrichedArticle(enrichment=None)``, without any model;
- an empty or enormous body, or text that breaks a component -> DLQ with the reason;
- anything else -> ``EnrichedArticle`` with its enrichment, keyed by article id.

Raw articles are read tolerantly (:mod:`newsflow.versions`): fields this version does not know (a
newer ingest's) are kept and written on, inside the enriched record's ``article``, so they reach the
compacted enriched topic instead of being lost on the way (docs/contracts.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from newsflow.enrich.pipeline import EnrichmentFailure
from newsflow.models import (
    DEAD_LETTER_SCHEMA_VERSION,
    ENRICHED_SCHEMA_VERSION,
    EnrichedArticle,
    Enrichment,
    RawArticle,
)
from newsflow.serde import (
    HEADER_CONTENT_TYPE,
    HEADER_SCHEMA,
    DecodeError,
    Headers,
    dead_letter,
    encode,
)
from newsflow.versions import RAW, read

STAGE = "enrichment"
ENRICHED_SCHEMA_HEADER = f"enriched/{ENRICHED_SCHEMA_VERSION}".encode()
DEAD_LETTER_SCHEMA_HEADER = f"dead-letter/{DEAD_LETTER_SCHEMA_VERSION}".encode()
CONTENT_TYPE_JSON = b"application/json"
#: Headers this stage sets itself; every other incoming header (traceparent, published-at) is kept.
_OWN_HEADERS = {HEADER_SCHEMA, HEADER_CONTENT_TYPE}

EnrichFn = Callable[[Sequence[RawArticle]], list[Enrichment | EnrichmentFailure]]


@dataclass(frozen=True)
class InRecord:
    """One consumed record and where it came from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = ()


@dataclass(frozen=True)
class OutRecord:
    """One record to produce: to the enriched topic or to the DLQ."""

    destination: Literal["enriched", "dlq"]
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    source: InRecord
    kind: Literal["enriched", "retraction", "dead_letter"]
    error_type: str | None = None  # set for dead letters


def _headers(incoming: Headers, schema: bytes) -> tuple[tuple[str, bytes], ...]:
    kept = tuple((k, v) for k, v in incoming if k not in _OWN_HEADERS)
    return (*kept, (HEADER_SCHEMA, schema), (HEADER_CONTENT_TYPE, CONTENT_TYPE_JSON))


def to_dead_letter(
    record: InRecord, error_type: str, reason: str, article_id: str | None = None
) -> OutRecord:
    """A DLQ record for ``record``, keyed like the original."""
    letter = dead_letter(
        stage=STAGE,
        error_type=error_type,
        reason=reason,
        payload=record.value,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        article_id=article_id,
    )
    return OutRecord(
        "dlq",
        record.key,
        encode(letter),
        _headers(record.headers, DEAD_LETTER_SCHEMA_HEADER),
        record,
        "dead_letter",
        error_type,
    )


def _enriched(record: InRecord, article: RawArticle, enrichment: Enrichment | None) -> OutRecord:
    value = encode(EnrichedArticle(article=article, enrichment=enrichment))
    kind: Literal["enriched", "retraction"] = "retraction" if enrichment is None else "enriched"
    return OutRecord(
        "enriched", article.id.encode(), value, _headers(record.headers, ENRICHED_SCHEMA_HEADER), record, kind
    )


def process_records(records: Sequence[InRecord], enrich: EnrichFn) -> list[OutRecord]:
    """One output record per input record, in input order."""
    outputs: list[OutRecord | None] = [None] * len(records)
    to_enrich: list[tuple[int, RawArticle]] = []
    for i, record in enumerate(records):
        try:
            article = read(record.value, RAW)
        except DecodeError as exc:
            outputs[i] = to_dead_letter(record, exc.error_type, exc.reason)
            continue
        if article.deleted:
            outputs[i] = _enriched(record, article, None)
        else:
            to_enrich.append((i, article))
    if to_enrich:
        try:
            results = enrich([article for _, article in to_enrich])
        except Exception as exc:  # the enrich function isolates failures; this is a last line of defence
            results = [
                EnrichmentFailure(a.id, "EnrichmentError", f"{type(exc).__name__}: {exc}")
                for _, a in to_enrich
            ]
        for (i, article), result in zip(to_enrich, results, strict=True):
            if isinstance(result, EnrichmentFailure):
                outputs[i] = to_dead_letter(records[i], result.error_type, result.reason, article.id)
            else:
                outputs[i] = _enriched(records[i], article, result)
    return [o for o in outputs if o is not None]
