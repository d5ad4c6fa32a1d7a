"""Scenarios 3, 4 and 4b: Elasticsearch stopped for 30 s, the Kafka broker restarted under load, and an
enrichment worker told to stop while Kafka is down."""

from __future__ import annotations

import asyncio
import time

import httpx

from newsflow.local.pipeline import SERVICES
from tests.faults.results import record_result
from tests.support.control import background, terminate
from tests.support.exactness import assert_exact, converge
from tests.support.kafka import group_offsets, lag
from tests.support.pipelines import PipelineFactory
from tests.support.polling import wait_until
from tests.support.pushing import PushLog, latest, make_articles, push
from tests.support.stack import StackControl

ES_OUTAGE_S = 30.0
KAFKA_OUTAGE_S = 15.0
SHUTDOWN_DEADLINE_S = 8.0  # NEWSFLOW_ENRICH_SHUTDOWN_TIMEOUT_S for scenario 4b (default 30)
EXIT_SHUTDOWN_DEADLINE = 75  # services/enrichment/__main__.py


async def _poll(url: str, seen: list[tuple[float, int | str]]) -> None:
    """Record the answers of a readiness endpoint, four times a second."""
    async with httpx.AsyncClient() as client:
        while True:
            try:
                status: int | str = (await client.get(url, timeout=2.0)).status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            seen.append((time.monotonic(), status))
            await asyncio.sleep(0.25)


async def test_elasticsearch_down_30s_under_load(
    pipelines: PipelineFactory, stack_control: StackControl
) -> None:
    control = stack_control
    p = pipelines("s3")
    await p.start()
    cfg = p.config
    indexer_pid = p.pid("indexer")
    articles = make_articles("s3", seed=301)
    expected = latest(articles)
    readiness: list[tuple[float, int | str]] = []
    log = PushLog()
    async with (
        background(_poll(f"{p.lp.url('indexer')}/readyz", readiness)),
        background(push(p.ingest_url, p.key, articles, log, chunk_size=25, pause=1.0, within=300)) as pusher,
    ):
        await p.wait_count(len(expected) // 6)
        await asyncio.to_thread(control.stop_elasticsearch)
        down = time.monotonic()
        try:  # Elasticsearch comes back whatever happens: the session's later tests need it
            await wait_until(
                lambda: _last_is(readiness, 503), within=60, what="indexer /readyz answers 503", interval=0.5
            )
            await asyncio.sleep(2.0)
            committed_early = await group_offsets(cfg.kafka_bootstrap, cfg.indexer_group)
            await asyncio.sleep(max(0.0, ES_OUTAGE_S - (time.monotonic() - down)))
            committed_late = await group_offsets(cfg.kafka_bootstrap, cfg.indexer_group)
            backlog = await lag(cfg.kafka_bootstrap, cfg.indexer_group, cfg.enriched_topic)
            outage_readiness = [s for t, s in readiness if t >= down]
        finally:
            await asyncio.to_thread(control.start_elasticsearch)
        up = time.monotonic()
        await pusher
        result = await converge(p, log.accepted)
        recovery = time.monotonic() - up
        await wait_until(
            lambda: _last_is(readiness, 200), within=60, what="indexer ready again", interval=0.5
        )
    record_result(
        "3 Elasticsearch stopped 30 s under load",
        len(articles),
        result,
        recovery,
        f"outage {up - down:.0f}s; /readyz 503 x{outage_readiness.count(503)}; "
        f"backlog {backlog} records uncommitted during the outage; indexer not restarted",
    )
    assert 503 in outage_readiness, "the indexer never reported not-ready while Elasticsearch was down"
    assert committed_early == committed_late, "offsets were committed while Elasticsearch was down"
    assert backlog > 0, "no enriched records waited during the outage: the scenario tested nothing"
    assert p.pid("indexer") == indexer_pid, "the indexer was restarted"
    assert log.accepted == expected
    assert_exact(result)
    assert not result.letters


async def _last_is(seen: list[tuple[float, int | str]], status: int) -> bool:
    return bool(seen) and seen[-1][1] == status


async def test_kafka_restarted_under_load(pipelines: PipelineFactory, stack_control: StackControl) -> None:
    control = stack_control
    p = pipelines("s4")
    await p.start()
    pids = {s: p.pid(s) for s in SERVICES}
    articles = make_articles("s4", seed=401)
    expected = latest(articles)
    log = PushLog()
    async with background(
        push(p.ingest_url, p.key, articles, log, chunk_size=20, pause=0.5, within=420)
    ) as pusher:
        await p.wait_count(len(expected) // 8)
        await asyncio.to_thread(control.stop_kafka)
        down = time.monotonic()
        try:  # Kafka comes back whatever happens: the session's later tests need it
            await wait_until(
                lambda: _saw(log, 503), within=60, what="ingest answers 503 while Kafka is down", interval=0.5
            )
            ingest_ready = (await httpx.AsyncClient().get(f"{p.ingest_url}/readyz", timeout=5)).status_code
            await asyncio.sleep(max(0.0, KAFKA_OUTAGE_S - (time.monotonic() - down)))
        finally:
            await asyncio.to_thread(control.start_kafka)
        up = time.monotonic()
        await pusher
    result = await converge(p, log.accepted, within=300)
    recovery = time.monotonic() - up
    record_result(
        "4 Kafka broker restarted under load",
        len(articles),
        result,
        recovery,
        f"outage {up - down:.0f}s; client saw {dict(log.statuses)}; no service restarted",
    )
    assert log.statuses[503] > 0
    assert ingest_ready == 503
    assert {s: p.pid(s) for s in SERVICES} == pids, "a service had to be restarted"
    assert log.accepted == expected
    assert_exact(result)
    assert not result.letters


async def _saw(log: PushLog, status: int) -> bool:
    return log.statuses[status] > 0


async def test_enrichment_sigterm_while_kafka_is_down_exits_by_its_deadline_and_loses_nothing(
    pipelines: PipelineFactory, stack_control: StackControl
) -> None:
    """A worker whose batch cannot reach Kafka used to wait for it forever after SIGTERM (until
    SIGKILL). It now exits at its shutdown deadline without committing, and a new worker redoes the
    batch once Kafka is back."""
    control = stack_control
    p = pipelines("s4b", NEWSFLOW_ENRICH_SHUTDOWN_TIMEOUT_S=str(SHUTDOWN_DEADLINE_S))
    await p.start()
    articles = make_articles("s4b", count=240, seed=411)
    expected = latest(articles)
    log = PushLog()
    await push(p.ingest_url, p.key, articles, log, chunk_size=60, pause=0.0, within=120)
    assert log.accepted == expected
    indexed_before = await p.wait_count(12)
    await asyncio.to_thread(control.stop_kafka)
    down = time.monotonic()
    try:
        code, seconds = await asyncio.to_thread(terminate, p, "enrichment", 0, 60.0)
    finally:
        await asyncio.to_thread(control.start_kafka)
    up = time.monotonic()
    await p.start("enrichment")
    result = await converge(p, log.accepted, within=300)
    recovery = time.monotonic() - up
    record_result(
        "4b SIGTERM enrichment while Kafka is down",
        len(articles),
        result,
        recovery,
        f"indexed {indexed_before}/{len(expected)} when Kafka stopped; enrichment exit {code} in "
        f"{seconds:.1f}s (deadline {SHUTDOWN_DEADLINE_S:.0f}s); Kafka down {up - down:.0f}s",
    )
    assert indexed_before < len(expected), "everything was indexed before Kafka stopped: nothing tested"
    assert code == EXIT_SHUTDOWN_DEADLINE, f"enrichment exited with {code} after {seconds:.1f}s"
    assert seconds <= SHUTDOWN_DEADLINE_S + 5, f"enrichment took {seconds:.1f}s to stop"
    assert "shutdown did not finish within" in p.lp.log_file("enrichment").read_text()
    assert_exact(result)
    assert not result.letters
