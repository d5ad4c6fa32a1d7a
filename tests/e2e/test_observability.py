"""Metrics, health, readiness, logs and trace propagation of the three services, end to end."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from tests.e2e.metrics import scrape, series, value
from tests.support.articles import accepted_ids, article
from tests.support.pipelines import StartedPipelines
from tests.support.polling import wait_until


async def test_every_service_exposes_lag_throughput_and_latency(pipeline_factory: StartedPipelines) -> None:
    pipeline = await pipeline_factory(partitions=4)
    http = pipeline.http
    urls = {s: pipeline.lp.url(s) for s in ("ingest", "enrichment", "indexer")}
    for name, url in urls.items():
        assert (await http.get(f"{url}/healthz")).status_code == 200, name
        assert (await http.get(f"{url}/readyz")).status_code == 200, name

    good = [article("obs", n) for n in range(30)]
    empty = {**article("obs", 99), "body": ""}  # accepted by ingest, dead-lettered by enrichment
    invalid = {"url": "not a url", "title": "x", "body": "y"}  # rejected by ingest with a 4xx detail
    response = await pipeline.push([*good, empty, invalid])
    assert response.json()["accepted"] == 31
    ids = accepted_ids(response)  # the ids as stored: scoped by the key's source
    assert ids[0] == f"{pipeline.source}:obs-00000" and len(ids) == 31
    await pipeline.wait_indexed({ids[i]: 1 for i in range(len(good))})

    ingest = await scrape(http, urls["ingest"])
    assert value(ingest, "newsflow_ingest_articles_total", outcome="accepted") == 31
    assert value(ingest, "newsflow_ingest_articles_total", outcome="rejected", reason="invalid") == 1
    assert value(ingest, "newsflow_ingest_requests_total", endpoint="/v1/articles/batch", status="202") == 1
    assert value(ingest, "newsflow_ingest_batch_size_count") == 1
    assert value(ingest, "newsflow_ingest_batch_size_sum") == 32
    assert value(ingest, "newsflow_ingest_kafka_publish_seconds_count") >= 1

    async def enrichment_settled() -> bool:
        samples = await scrape(http, urls["enrichment"])
        lag = series(samples, "newsflow_consumer_lag")
        return (
            value(samples, "newsflow_enrichment_dead_letters_total") == 1
            and len(lag) == 4
            and value(samples, "newsflow_consumer_lag") == 0
        )

    await wait_until(
        enrichment_settled,
        within=30,
        what="enrichment counters and its lag gauge (updated every 5 s)",
        interval=0.5,
    )
    enrichment = await scrape(http, urls["enrichment"])
    assert value(enrichment, "newsflow_enrichment_consumed_total") == 31
    assert value(enrichment, "newsflow_enrichment_processed_total", kind="enriched") == 30
    assert value(enrichment, "newsflow_enrichment_dead_letters_total") == 1
    assert value(enrichment, "newsflow_enrichment_batch_size_sum") == 31
    assert value(enrichment, "newsflow_enrichment_batch_seconds_count") >= 1
    assert value(enrichment, "newsflow_enrichment_article_seconds_count") >= 1
    topics = {s["topic"] for s in series(enrichment, "newsflow_consumer_lag")}
    assert topics == {pipeline.config.raw_topic}

    async def indexer_settled() -> bool:
        samples = await scrape(http, urls["indexer"])
        lag = series(samples, "newsflow_consumer_lag")
        return len(lag) == 4 and value(samples, "newsflow_consumer_lag") == 0

    await wait_until(indexer_settled, within=30, what="the indexer's lag gauge", interval=0.5)
    indexer = await scrape(http, urls["indexer"])
    assert value(indexer, "newsflow_indexer_docs_total", outcome="indexed") == 30
    assert value(indexer, "newsflow_indexer_docs_total", outcome="dlq") == 0
    assert value(indexer, "newsflow_indexer_batch_size_sum") == 30
    assert value(indexer, "newsflow_indexer_batch_seconds_count") >= 1
    assert value(indexer, "newsflow_end_to_end_latency_seconds_count") == 30
    assert 0 < value(indexer, "newsflow_end_to_end_latency_seconds_sum") < 30 * 120
    assert {s["topic"] for s in series(indexer, "newsflow_consumer_lag")} == {pipeline.config.enriched_topic}
    assert await pipeline.dead_letters() == 1
    letters = [
        e for e in _json_lines(pipeline.lp.log_file("enrichment")) if e.get("article_id") == ids[len(good)]
    ]
    assert letters and letters[0]["level"] == "warning" and "dead-lettered" in str(letters[0]["msg"])


async def test_trace_id_of_the_request_reaches_the_indexed_document(
    pipeline_factory: StartedPipelines,
) -> None:
    pipeline = await pipeline_factory(partitions=2)
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    response = await pipeline.push([article("trace", 1), article("trace", 2)], traceparent=traceparent)
    assert response.headers["traceparent"].split("-")[1] == trace_id  # same trace, a child span

    docs = await pipeline.wait_indexed({i: 1 for i in accepted_ids(response).values()})
    assert sorted(docs) == [f"{pipeline.source}:trace-00001", f"{pipeline.source}:trace-00002"]
    assert {d["trace_id"] for d in docs.values()} == {trace_id}

    ingest_lines = [e for e in _json_lines(pipeline.lp.log_file("ingest")) if e.get("trace_id") == trace_id]
    assert ingest_lines and "articles accepted" in str(ingest_lines[0]["msg"])

    async def indexer_logged() -> bool:
        return any(
            trace_id in (e.get("trace_ids") or []) for e in _json_lines(pipeline.lp.log_file("indexer"))
        )

    await wait_until(
        indexer_logged, within=10, what="the indexer's batch log line with the trace id", interval=0.5
    )


def _json_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON log records of a service's log file."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        start = line.find("{")  # faust may put a terminal escape sequence before a record
        if start >= 0 and line.endswith("}"):
            records.append(json.loads(line[start:]))
    return records
