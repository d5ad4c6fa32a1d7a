"""Scenario 7: poison records of every kind injected straight into the raw and the enriched topic."""

from __future__ import annotations

import base64
import time

from aiokafka import AIOKafkaProducer

from newsflow.models import EnrichedArticle, Enrichment, RawArticle
from newsflow.serde import encode
from tests.faults.results import record_result
from tests.support.exactness import assert_exact, converge
from tests.support.kafka import dlq_id
from tests.support.pipelines import PipelineFactory
from tests.support.pushing import SOURCE, latest, make_articles, push


def _raw(key: str, body: str = "A short but valid body.", **extra: object) -> RawArticle:
    return RawArticle(
        id=key, source=SOURCE, url=f"https://example.org/{key}", title=key, body=body, revision=1, **extra
    )


def _enriched(key: str, body: str = "A short but valid body.", tags: tuple[str, ...] = ()) -> EnrichedArticle:
    return EnrichedArticle(
        article=_raw(key, body, tags=tags),
        enrichment=Enrichment(word_count=5, reading_time_s=2, fingerprint="0" * 16),
    )


def _version(value: bytes, version: int) -> bytes:
    return value.replace(b'"schema_version":1', f'"schema_version":{version}'.encode(), 1)


NON_UTF8 = b'{"id": "\xff\xfe\xfd"}'

# kind -> (value, expected error_type) on the raw topic (dead-lettered by enrichment)
RAW_POISON: dict[str, tuple[bytes | None, str]] = {
    "invalid-json": (b'{"id": "x", "title": ', "InvalidJSON"),
    "wrong-schema": (b'{"hello": "world"}', "WrongSchema"),
    "json-array": (b"[1, 2, 3]", "WrongSchema"),
    "null-value": (None, "EmptyMessage"),
    "non-utf8": (NON_UTF8, "InvalidJSON"),
    "empty-value": (b"", "InvalidJSON"),
    "empty-body": (encode(_raw("r-empty-body", body="")), "EmptyBody"),
    "enormous-body": (encode(_raw("r-enormous-body", body="word " * 60_000)), "BodyTooLarge"),
    "unknown-schema-version": (_version(encode(_raw("r-unknown-schema-version")), 2), "WrongSchema"),
}
# ... and on the enriched topic (dead-lettered by the indexer)
ENRICHED_POISON: dict[str, tuple[bytes | None, str]] = {
    "invalid-json": (b'{"article": {', "InvalidJSON"),
    "wrong-schema": (b'{"article": {"id": 1}}', "WrongSchema"),
    "null-value": (None, "EmptyMessage"),
    "non-utf8": (NON_UTF8, "InvalidJSON"),
    "empty-value": (b"", "InvalidJSON"),
    # a tag beyond Lucene's 32,766-byte term limit: Elasticsearch refuses the document
    "immense-term": (encode(_enriched("e-immense-term", tags=("x" * 40_000,))), "document_parsing_exception"),
    "unknown-schema-version": (_version(encode(_enriched("e-unknown-schema-version")), 2), "WrongSchema"),
}


async def test_poison_records_are_dead_lettered_and_the_stream_flows(pipelines: PipelineFactory) -> None:
    p = pipelines("s7")
    await p.start()
    cfg = p.config
    good = make_articles("s7", seed=701)
    # Poison first (and a big but valid enriched article), then the good articles behind them.
    injected: dict[str, tuple[str, str]] = {}  # key -> (stage, expected error_type)
    producer = AIOKafkaProducer(bootstrap_servers=cfg.kafka_bootstrap, max_request_size=4 * 1024 * 1024)
    await producer.start()
    try:
        for topic, stage, poison in (
            (cfg.raw_topic, "enrichment", RAW_POISON),
            (cfg.enriched_topic, "indexer", ENRICHED_POISON),
        ):
            prefix = "r" if stage == "enrichment" else "e"
            for kind, (value, error_type) in poison.items():
                key = f"{prefix}-{kind}"
                await producer.send_and_wait(topic, value, key=key.encode())
                injected[key] = (stage, error_type)
        big = _enriched("e-big-valid", body="A long line of news. " * 30_000)  # ~630 KB: valid, indexed
        await producer.send_and_wait(cfg.enriched_topic, encode(big), key=b"e-big-valid")
    finally:
        await producer.stop()
    injected_at = time.monotonic()
    log = await push(p.ingest_url, p.key, good)
    expected = {**latest(good), **{k: 1 for k in injected}, "e-big-valid": 1}
    result = await converge(p, expected)
    record_result(
        "7 poison records (raw ×9 kinds, enriched ×7 kinds)",
        log.accepted_items + len(injected) + 1,
        result,
        time.monotonic() - injected_at,
        "recovery = injection to converged",
    )
    assert_exact(result)
    letters = {dlq_id(letter): letter for letter in result.letters}
    assert set(letters) == set(injected), "only the poison records may be dead-lettered"
    for key, (stage, error_type) in injected.items():
        letter = letters[key]
        assert (letter.stage, letter.error_type) == (stage, error_type), (key, letter.reason)
        assert letter.reason and letter.topic and letter.offset is not None and letter.key == key
    assert "schema_version" in letters["r-unknown-schema-version"].reason
    assert "schema_version" in letters["e-unknown-schema-version"].reason
    assert letters["r-non-utf8"].payload_encoding == "base64"
    assert base64.b64decode(letters["r-non-utf8"].payload) == NON_UTF8
    assert "e-big-valid" in result.docs and set(latest(good)) <= set(result.docs)
