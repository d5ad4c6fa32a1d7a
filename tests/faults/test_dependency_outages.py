"""Every service starts, waits and recovers while a dependency is down, and stops within its stated
grace whatever is down (docs/operations.md, "Stopping").

Kafka is a throwaway broker of this module (never started before the services, then started, then
stopped), so the session's broker stays up for the other tests; Elasticsearch is the session's node
behind a gate (tests/support/outages.py) that refuses and cuts connections while closed.

| service    | Kafka down at start | ES down at start | stop while Kafka down | stop while ES down |
|------------|---------------------|------------------|-----------------------|--------------------|
| ingest     | test_kafka_down     | test_es_down     | test_kafka_down       | test_es_down       |
| enrichment | test_kafka_down     | test_es_down     | test_kafka_down       | test_es_down       |
| indexer    | test_kafka_down     | test_es_down     | test_kafka_down       | test_es_down       |
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from newsflow.local import processes as procs
from newsflow.local.pipeline import SERVICES
from tests.faults.results import record_result
from tests.support.control import background, terminate
from tests.support.exactness import assert_exact, converge
from tests.support.outages import ThrowawayKafka, gate_to, throwaway_kafka
from tests.support.pipelines import Pipeline, pipeline_factory
from tests.support.polling import wait_until
from tests.support.pushing import SOURCE, PushLog, latest, make_articles, push, push_chunk

#: The grace each service is promised (docs/operations.md): ingest gives its in-flight requests
#: NEWSFLOW_INGEST_SHUTDOWN_TIMEOUT_S = 5 s, then its producer as long to flush and close; the
#: enrichment worker exits by NEWSFLOW_ENRICH_SHUTDOWN_TIMEOUT_S (30 s by default, 10 s here); the
#: indexer by NEWSFLOW_INDEXER_SHUTDOWN_TIMEOUT_S = 10 s. A second or two for the interpreter's exit.
ENRICH_DEADLINE_S = 10.0
GRACE_S = {"ingest": 12.0, "enrichment": ENRICH_DEADLINE_S + 1.0, "indexer": 11.0}
#: How long the services are left waiting for the missing dependency before it comes.
WAITING_S = 12.0
PARTITIONS = 3


@pytest.fixture
def broker() -> Iterator[ThrowawayKafka]:
    with throwaway_kafka() as kafka:
        yield kafka


def _start(p: Pipeline, service: str) -> None:
    p.lp.start(service, 0, None, NEWSFLOW_ENRICH_SHUTDOWN_TIMEOUT_S=str(ENRICH_DEADLINE_S))
    record = procs.load(p.config.run_dir, f"{service}-0")
    assert record is not None
    p.started.append(record.pid)


async def _probe(p: Pipeline, service: str, path: str) -> int | None:
    try:
        return (await p.http.get(f"{p.lp.url(service)}{path}", timeout=2.0)).status_code
    except httpx.HTTPError:
        return None


async def _serving(p: Pipeline, service: str, within: float = 60.0) -> None:
    """Wait until the service answers /healthz (it may first wait ``startup_wait_s`` for Kafka)."""

    async def alive() -> bool:
        return await _probe(p, service, "/healthz") == 200

    await wait_until(alive, within=within, what=f"{service} serving /healthz", interval=0.5)


async def _stop_all_timed(p: Pipeline) -> dict[str, tuple[int | None, float]]:
    """SIGTERM the three services at once; each one's exit code and seconds."""
    results = await asyncio.gather(
        *(asyncio.to_thread(terminate, p, s, 0, GRACE_S[s] + 30.0) for s in SERVICES)
    )
    return dict(zip(SERVICES, results, strict=True))


def _assert_within_grace(exits: dict[str, tuple[int | None, float]], allowed: dict[str, set[int]]) -> None:
    for service, (code, seconds) in exits.items():
        assert seconds <= GRACE_S[service], (
            f"{service} took {seconds:.1f}s to stop (grace {GRACE_S[service]}s)"
        )
        assert code in allowed[service], f"{service} exited with {code} after {seconds:.1f}s"


async def test_kafka_down(request: pytest.FixtureRequest, broker: ThrowawayKafka, es_url: str) -> None:
    """Kafka is down when the three services start: they wait (alive, not ready) and recover when
    it comes; then Kafka goes away again, a push is in flight, and each stops within its grace."""
    async with pipeline_factory(request, broker.bootstrap, es_url, source=SOURCE, partitions=PARTITIONS) as f:
        p = f("outage-kafka")
        for service in SERVICES:
            _start(p, service)
        await asyncio.sleep(WAITING_S)
        for service in SERVICES:
            assert p.pid(service), f"{service} exited while Kafka was down"
        await _serving(p, "ingest")
        assert await _probe(p, "ingest", "/readyz") == 503
        await _serving(p, "indexer")
        assert await _probe(p, "indexer", "/readyz") == 503
        assert "creating the topics (is Kafka reachable?) failed" in p.lp.log_file("enrichment").read_text()

        await asyncio.to_thread(broker.start)
        came = time.monotonic()
        await p.lp.wait_ready(timeout_s=240)
        ready_after = time.monotonic() - came
        articles = make_articles("outage-kafka", count=30, seed=1501)
        log = await push(p.ingest_url, p.key, articles, chunk_size=10, within=120)
        assert log.accepted == latest(articles)
        result = await converge(p, log.accepted, within=180)
        assert_exact(result)

        await asyncio.to_thread(broker.stop)
        more = make_articles("outage-kafka-2", count=5, seed=1502)
        async with (
            httpx.AsyncClient() as client,
            background(
                push_chunk(
                    client, p.ingest_url, p.key, more, PushLog(), deadline=time.monotonic() + 60, retry=False
                )
            ),
        ):
            await asyncio.sleep(1.0)  # that push now waits for a broker that is gone
            exits = await _stop_all_timed(p)
    record_result(
        "stop while Kafka is down (throwaway broker)",
        len(articles),
        result,
        ready_after,
        "; ".join(f"{s} exit {c} in {t:.1f}s" for s, (c, t) in exits.items()),
    )
    # uvicorn re-raises SIGTERM after a clean shutdown (docs/ingest.md); the worker may exit by its
    # deadline (75) with a batch it could not confirm.
    _assert_within_grace(exits, {"ingest": {0, -15}, "enrichment": {0, 75}, "indexer": {0, 75}})


async def test_es_down(request: pytest.FixtureRequest, kafka_bootstrap: str, es_url: str) -> None:
    """Elasticsearch is down when the services start: ingest and enrichment become ready, the indexer
    waits (alive, not ready) and recovers when it comes. Then it goes away again with articles
    flowing, every service stops within its grace, and a new indexer, once the node is back, indexes
    what was left: nothing lost, nothing twice."""
    with gate_to(es_url, open_=False) as gate:
        async with pipeline_factory(
            request, kafka_bootstrap, gate.url, source=SOURCE, partitions=PARTITIONS
        ) as f:
            p = f("outage-es")
            for service in SERVICES:
                _start(p, service)
            await p.lp.wait_ready("ingest-0", "enrichment-0", timeout_s=240)
            await asyncio.sleep(WAITING_S)
            assert p.pid("indexer"), "the indexer exited while Elasticsearch was down"
            await _serving(p, "indexer")
            assert await _probe(p, "indexer", "/readyz") == 503

            gate.open()
            came = time.monotonic()
            await p.lp.wait_ready("indexer-0", timeout_s=120)
            ready_after = time.monotonic() - came
            first = make_articles("outage-es", count=30, seed=1511)
            log = await push(p.ingest_url, p.key, first, chunk_size=10, within=120)
            await p.wait_indexed(latest(first))

            gate.close()
            second = make_articles("outage-es-2", count=30, seed=1512)
            await push(p.ingest_url, p.key, second, log, chunk_size=10, within=120)
            await asyncio.sleep(5.0)  # enriched by now; the indexer is retrying its bulk
            assert await _probe(p, "indexer", "/readyz") == 503
            exits = await _stop_all_timed(p)

            gate.open()
            _start(p, "indexer")
            _start(p, "enrichment")
            result = await converge(p, log.accepted, within=180)
    record_result(
        "stop while Elasticsearch is down (gated node)",
        len(first) + len(second),
        result,
        ready_after,
        "; ".join(f"{s} exit {c} in {t:.1f}s" for s, (c, t) in exits.items()),
    )
    _assert_within_grace(exits, {"ingest": {0, -15}, "enrichment": {0}, "indexer": {0, 75}})
    assert log.accepted == latest(first + second)
    assert_exact(result)
    assert not result.letters
