"""The indexing stage as pure functions: enriched records → bulk actions; bulk results → outcomes.

Both the live indexer (:mod:`newsflow.index.loop`) and the rebuild (:mod:`newsflow.index.reindex`)
write through these two steps, so a document is built, judged and dead-lettered the same way
whichever of them writes it:

1. :func:`to_actions` reads each record (tolerantly, any version: :mod:`newsflow.versions`) and
   builds its bulk action (the decoded model is dropped right away, see :class:`Pending`);
   undecodable records are returned apart, with their error. Fields it does not know are left out
   of the document (the mapping is strict; they stay in the compacted enriched topic).
2. :func:`settle` reads the bulk results back in the same order and says, for every document, what
   became of it: indexed, deleted, a version conflict (an older or equal revision: nothing to do), or
   rejected by Elasticsearch, which makes a dead letter with Elasticsearch's reason.

Invariant (tested): every input record is in exactly one of ``undecodable``, ``indexed``,
``deleted``, ``conflicts`` or ``letters``. Nothing here does I/O; producing the letters and committing
offsets is the callers' job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from newsflow.index.bulk import ItemResult, Outcome
from newsflow.index.documents import BulkAction, bulk_action
from newsflow.kafka import Message
from newsflow.models import DeadLetter
from newsflow.serde import HEADER_TRACEPARENT, DecodeError, Headers, dead_letter, encode
from newsflow.tracing import parse_traceparent
from newsflow.versions import ENRICHED, read

#: The dead-letter reason of a document Elasticsearch refuses (kept in one place: operators grep it).
REJECTED_REASON = "elasticsearch rejected the document (HTTP {status}): {reason}"
REJECTED_TYPE = "ElasticsearchRejected"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a document's record came from, and its bytes: all a dead letter needs.

    ``topic``/``partition``/``offset`` are None for a record that exists only in memory (a rebuild
    that re-enriches without republishing).
    """

    topic: str | None
    partition: int | None
    offset: int | None
    key: bytes | None
    value: bytes | None  # None: a null record (a tombstone), which no stage writes
    traceparent: bytes | None

    @classmethod
    def of(
        cls,
        topic: str | None,
        partition: int | None,
        offset: int | None,
        key: bytes | None,
        value: bytes | None,
        headers: Headers | None,
    ) -> Origin:
        return cls(topic, partition, offset, key, value, traceparent_of(headers))

    @property
    def trace_id(self) -> str | None:
        if self.traceparent is None:
            return None
        trace = parse_traceparent(self.traceparent.decode("utf-8", "replace"))
        return trace.trace_id if trace else None


@dataclass(frozen=True, slots=True)
class Pending:
    """What is kept of a document while its bulk request is in flight.

    Not the decoded model: it is dropped as soon as its bulk action is built, so its many small
    objects die young (freed by reference counting) instead of surviving into the older garbage
    collector generations, whose collections then scan the whole batch (this cost more than the
    decoding itself: docs/index-and-search.md).
    """

    origin: Origin
    article_id: str
    revision: int
    ingested_at: float  # epoch seconds
    trace_id: str | None


@dataclass(frozen=True, slots=True)
class Undecodable:
    """A record that is not an enriched article of a known version."""

    origin: Origin
    error: DecodeError


@dataclass
class Actions:
    """A batch turned into bulk actions, in input order (``actions[i]`` belongs to ``pending[i]``)."""

    actions: list[BulkAction] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    undecodable: list[Undecodable] = field(default_factory=list)
    trace_ids: list[str] = field(default_factory=list)  # distinct, the first ten: for the summary log


@dataclass
class Settled:
    """What became of the documents of one bulk request."""

    indexed: int = 0
    deleted: int = 0
    conflicts: int = 0
    letters: list[tuple[Origin, DeadLetter]] = field(default_factory=list)  # rejected documents
    latencies: list[float] = field(default_factory=list)  # acknowledged minus ingested, per written doc
    written: list[Pending] = field(default_factory=list)  # indexed or deleted, in order


def traceparent_of(headers: Headers | None) -> bytes | None:
    """The raw ``traceparent`` header, if any."""
    for key, value in headers or ():
        if key == HEADER_TRACEPARENT:
            return value
    return None


def to_actions(
    origins: Iterable[Origin],
    *,
    index: str,
    indexed_at: datetime,
    equal_revision_wins: bool = False,
) -> Actions:
    """Decode enriched records and build their bulk actions against ``index`` (CPU only).

    ``equal_revision_wins`` is the rebuild's rule (the last record of a revision wins, as compaction
    will decide); the live indexer keeps the first (an equal revision is a replay).
    """
    out = Actions()
    for origin in origins:
        try:
            enriched = read(origin.value, ENRICHED)
        except DecodeError as exc:
            out.undecodable.append(Undecodable(origin, exc))
            continue
        trace_id = origin.trace_id
        out.actions.append(
            bulk_action(
                enriched,
                index=index,
                trace_id=trace_id,
                indexed_at=indexed_at,
                equal_revision_wins=equal_revision_wins,
            )
        )
        article = enriched.article
        out.pending.append(
            Pending(origin, article.id, article.revision, article.ingested_at.timestamp(), trace_id)
        )
        if trace_id and len(out.trace_ids) < 10 and trace_id not in out.trace_ids:
            out.trace_ids.append(trace_id)
    return out


def settle(
    actions: Sequence[BulkAction],
    pending: Sequence[Pending],
    results: Sequence[ItemResult],
    *,
    acked_at: float,
) -> Settled:
    """Bulk results (in request order) → counts, latencies and a dead letter per rejected document."""
    settled = Settled()
    for action, item, result in zip(actions, pending, results, strict=True):
        if result.outcome is Outcome.OK:
            if action.op == "delete":
                settled.deleted += 1
            else:
                settled.indexed += 1
            settled.latencies.append(max(0.0, acked_at - item.ingested_at))
            settled.written.append(item)
        elif result.outcome is Outcome.CONFLICT:
            settled.conflicts += 1
        else:
            reason = REJECTED_REASON.format(status=result.status, reason=result.reason)
            letter = indexer_letter(item.origin, result.error_type or REJECTED_TYPE, reason)
            settled.letters.append((item.origin, letter))
    return settled


def indexer_letter(origin: Origin, error_type: str, reason: str) -> DeadLetter:
    """The indexer stage's dead letter for a record."""
    return dead_letter(
        stage="indexer",
        error_type=error_type,
        reason=reason,
        payload=origin.value,
        topic=origin.topic,
        partition=origin.partition,
        offset=origin.offset,
        key=origin.key,
    )


def undecodable_letter(item: Undecodable) -> tuple[Origin, DeadLetter]:
    """The dead letter of an undecodable record (the live indexer's; a rebuild only counts them)."""
    return item.origin, indexer_letter(item.origin, item.error.error_type, item.error.reason)


def letter_message(origin: Origin, letter: DeadLetter, dlq_topic: str) -> Message:
    """The record to produce for a dead letter: keyed like its article, carrying its trace."""
    headers = ((HEADER_TRACEPARENT, origin.traceparent),) if origin.traceparent else ()
    return Message(dlq_topic, origin.key, encode(letter), headers)
