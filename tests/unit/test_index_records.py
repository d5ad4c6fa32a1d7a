"""The indexing stage's pure steps (newsflow.index.records): what the live indexer and reindex share."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from newsflow.index.bulk import ItemResult, Outcome
from newsflow.index.records import (
    REJECTED_TYPE,
    Origin,
    letter_message,
    settle,
    to_actions,
    undecodable_letter,
)
from newsflow.models import DeadLetter, EnrichedArticle, RawArticle
from newsflow.serde import HEADER_TRACEPARENT, encode
from tests.support.articles import enriched_article as make_article

T1 = datetime(2025, 3, 1, 12, 0, 5, tzinfo=UTC)
TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def origin(value: bytes | None, offset: int, *, key: bytes = b"reuters:abc-1", trace: bool = True) -> Origin:
    headers = [(HEADER_TRACEPARENT, TRACEPARENT)] if trace else []
    return Origin.of("news.articles.enriched", 3, offset, key, value, headers)


def deleted_article() -> EnrichedArticle:
    raw = make_article(deleted=True).article
    return EnrichedArticle(article=RawArticle.model_validate({**raw.model_dump(), "id": "reuters:gone"}))


def test_each_record_becomes_an_action_or_an_undecodable_in_order() -> None:
    good, gone = encode(make_article(revision=3)), encode(deleted_article())
    batch = to_actions(
        [origin(good, 10), origin(b"{not json", 11), origin(gone, 12, key=b"reuters:gone")],
        index="news-articles",
        indexed_at=T1,
    )
    assert [a.op for a in batch.actions] == ["index", "delete"]
    assert [(p.article_id, p.revision, p.origin.offset) for p in batch.pending] == [
        ("reuters:abc-1", 3, 10),
        ("reuters:gone", 3, 12),
    ]
    assert [(u.origin.offset, u.error.error_type) for u in batch.undecodable] == [(11, "InvalidJSON")]
    assert batch.trace_ids == ["0af7651916cd43dd8448eb211c80319c"]  # distinct
    assert batch.pending[0].trace_id == "0af7651916cd43dd8448eb211c80319c"


def test_the_rebuild_rule_lets_an_equal_revision_win_and_the_live_rule_does_not() -> None:
    value = encode(make_article(revision=4))
    live = to_actions([origin(value, 1)], index="i", indexed_at=T1).actions[0]
    replay = to_actions([origin(value, 1)], index="i", indexed_at=T1, equal_revision_wins=True).actions[0]
    assert orjson.loads(live.payload.split(b"\n")[0])["index"]["version_type"] == "external"
    assert orjson.loads(replay.payload.split(b"\n")[0])["index"]["version_type"] == "external_gte"


def test_settle_accounts_for_every_document_once() -> None:
    values = [encode(make_article(revision=r)) for r in (1, 2, 3)] + [encode(deleted_article())]
    batch = to_actions([origin(v, i) for i, v in enumerate(values)], index="i", indexed_at=T1)
    results = [
        ItemResult(Outcome.OK, 201),
        ItemResult(Outcome.CONFLICT, 409, "version_conflict_engine_exception", "older"),
        ItemResult(Outcome.REJECTED, 400, "document_parsing_exception", "field [x] is not a date"),
        ItemResult(Outcome.OK, 200),
    ]
    ingested = batch.pending[0].ingested_at
    settled = settle(batch.actions, batch.pending, results, acked_at=ingested + 2.5)
    assert (settled.indexed, settled.deleted, settled.conflicts, len(settled.letters)) == (1, 1, 1, 1)
    assert settled.indexed + settled.deleted + settled.conflicts + len(settled.letters) == len(values)
    assert settled.latencies[0] == pytest.approx(2.5)
    assert [p.origin.offset for p in settled.written] == [0, 3]
    where, letter = settled.letters[0]
    assert where.offset == 2
    assert (letter.stage, letter.error_type, letter.offset, letter.key) == (
        "indexer",
        "document_parsing_exception",
        2,
        "reuters:abc-1",
    )
    assert letter.reason == ("elasticsearch rejected the document (HTTP 400): field [x] is not a date")
    assert letter.payload == values[2].decode()


def test_a_rejection_without_an_error_type_gets_the_generic_one() -> None:
    batch = to_actions([origin(encode(make_article()), 0)], index="i", indexed_at=T1)
    settled = settle(batch.actions, batch.pending, [ItemResult(Outcome.REJECTED, 400)], acked_at=0.0)
    assert settled.letters[0][1].error_type == REJECTED_TYPE


def test_settle_refuses_results_that_do_not_match_the_request() -> None:
    batch = to_actions([origin(encode(make_article()), 0)], index="i", indexed_at=T1)
    with pytest.raises(ValueError):
        settle(batch.actions, batch.pending, [], acked_at=0.0)


def test_undecodable_letters_and_their_messages_keep_key_trace_and_payload() -> None:
    batch = to_actions([origin(b"[1, 2]", 7)], index="i", indexed_at=T1)
    where, letter = undecodable_letter(batch.undecodable[0])
    assert isinstance(letter, DeadLetter) and letter.stage == "indexer" and letter.offset == 7
    message = letter_message(where, letter, "news.articles.dlq")
    assert (message.topic, message.key) == ("news.articles.dlq", b"reuters:abc-1")
    assert message.headers == ((HEADER_TRACEPARENT, TRACEPARENT),)
    assert orjson.loads(message.value)["payload"] == "[1, 2]"
    untraced = letter_message(origin(b"x", 8, trace=False), letter, "dlq")
    assert untraced.headers == ()


def test_a_null_record_is_undecodable_as_an_empty_message_not_as_bad_json() -> None:
    batch = to_actions([origin(None, 5)], index="i", indexed_at=T1)
    assert [(u.origin.offset, u.error.error_type) for u in batch.undecodable] == [(5, "EmptyMessage")]
    _, letter = undecodable_letter(batch.undecodable[0])
    assert letter.error_type == "EmptyMessage" and letter.payload == ""
