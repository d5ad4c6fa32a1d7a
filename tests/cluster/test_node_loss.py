"""Node loss under load on a real cluster (three brokers, RF 3, min ISR 2, acks=all; three
Elasticsearch nodes, one replica per shard): the four scenarios of issue 15, in sequence on one
pipeline, each pushing articles (with revisions) while a node goes away and comes back, each ending
with the fault suite's exactness check over everything accepted so far: every accepted article
indexed at its latest revision or dead-lettered, nothing lost, nothing duplicated, nothing let in.

Figures per scenario (tests/cluster/results.py): the longest time no article became searchable from
the fault on, and the p99 publish (202) → searchable latency of the articles accepted during it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from newsflow.local import processes as procs
from newsflow.local.stack import cluster
from tests.cluster import nodes, results
from tests.cluster.searchable import Watch, p99, watch
from tests.support.control import background
from tests.support.exactness import Outcome, assert_exact, converge
from tests.support.pipelines import Pipeline, pipeline_factory
from tests.support.pushing import SOURCE, PushLog, make_articles, push, stored_id

HOLD_S = 12.0  # how long a lost node stays away while articles flow
ARTICLES = 160  # per scenario (plus revisions); pushed 4 at a time, one batch every 0.5 s
PARTITIONS = 6


@dataclass
class Flow:
    """The one pipeline of the module, what it was told it accepted, and what became searchable."""

    pipeline: Pipeline
    run_dir: Path  # the cluster's
    es_urls: list[str]
    log: PushLog = field(default_factory=PushLog)
    seen: Watch = field(default_factory=Watch)
    peak_rss_mb: float = 0.0

    @property
    def topics(self) -> list[str]:
        cfg = self.pipeline.config
        return [cfg.raw_topic, cfg.enriched_topic, cfg.dlq_topic, "__consumer_offsets"]

    @property
    def bootstrap(self) -> str:
        return self.pipeline.config.kafka_bootstrap


def _rss_mb(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def _sample_memory(flow: Flow) -> None:
    """Peak resident memory of the six nodes and the three services together, every 2 s."""
    while True:
        node_pids = [cluster.node_pid(flow.run_dir, n) for n in ("kafka-1", "kafka-2", "kafka-3")]
        node_pids += [cluster.node_pid(flow.run_dir, n) for n in ("es-1", "es-2", "es-3")]
        services = [procs.running(flow.pipeline.config.run_dir, f"{s}-0") for s in SERVICES]
        total = sum(_rss_mb(p) for p in node_pids) + sum(_rss_mb(r.pid if r else None) for r in services)
        flow.peak_rss_mb = max(flow.peak_rss_mb, total)
        await asyncio.sleep(2.0)


SERVICES = ("ingest", "enrichment", "indexer")


@pytest.fixture(scope="module")
async def flow(
    request: pytest.FixtureRequest, cluster_endpoints: cluster.ClusterEndpoints
) -> AsyncIterator[Flow]:
    env = cluster.replication_env(3, 3)
    async with pipeline_factory(
        request,
        cluster_endpoints.kafka_bootstrap,
        cluster_endpoints.elasticsearch_url,
        source=SOURCE,
        partitions=PARTITIONS,
        NEWSFLOW_LOG_LEVEL="INFO",
        # A dead enrichment member is noticed after 12 s instead of faust's 60 s (as in fault scenario 2).
        BROKER_SESSION_TIMEOUT="12",
        **env,
    ) as factory:
        pipeline = factory("cl")
        t0 = time.monotonic()
        await pipeline.start()
        results.note("pipeline_start_s", round(time.monotonic() - t0, 1))
        # The layout the settings ask for, as the cluster reports it (not as the settings say).
        cfg = pipeline.config
        for topic in (cfg.raw_topic, cfg.enriched_topic, cfg.dlq_topic):
            assert await nodes.topic_layout(cfg.kafka_bootstrap, topic) == ({3}, "2"), topic
        copies = await nodes.index_copies(cluster_endpoints.elasticsearch_url.split(","), cfg.alias)
        assert copies == {"p": 1, "r": 1}, copies  # one primary (the archive plan), one replica
        assert cluster_endpoints.run_dir is not None
        es_urls = cluster_endpoints.elasticsearch_url.split(",")
        state = Flow(pipeline, cluster_endpoints.run_dir, es_urls)
        async with (
            background(watch(state.es_urls, pipeline.config.alias, state.seen)),
            background(_sample_memory(state)),
        ):
            yield state
        results.note("peak_rss_mb", round(state.peak_rss_mb))


#: A fault: does its damage and its repair; returns (fault started, fault over, notes).
Fault = Callable[[Flow], Awaitable[tuple[float, float, str]]]


async def _run(flow: Flow, scenario: str, tag: str, seed: int, fault: Fault) -> None:
    p = flow.pipeline
    articles = make_articles(tag, ARTICLES, seed=seed, paragraphs=1)
    ids = {stored_id(a) for a in articles}
    async with background(
        push(p.ingest_url, p.key, articles, flow.log, chunk_size=4, pause=0.5, within=420)
    ) as pusher:

        async def flowing() -> bool:
            return sum(1 for (i, _) in flow.seen.seen_at if i in ids) >= 12

        deadline = time.monotonic() + 180
        while not await flowing():
            assert time.monotonic() < deadline, "articles never became searchable before the fault"
            assert not pusher.done() or pusher.exception() is None, pusher.exception()
            await asyncio.sleep(0.3)
        fault_start, fault_end, notes = await fault(flow)
        await pusher
    result = await converge(p, flow.log.accepted)
    assert_exact(result)
    assert ids <= set(flow.log.accepted), "some articles of the scenario were never accepted"
    _record(flow, scenario, len(articles), ids, result, fault_start, fault_end, notes)


def _record(
    flow: Flow,
    scenario: str,
    sent: int,
    ids: set[str],
    result: Outcome,
    fault_start: float,
    fault_end: float,
    notes: str,
) -> None:
    searchable_at = [flow.seen.seen_at.get((i, flow.log.accepted[i])) for i in ids]
    last = max((t for t in searchable_at if t is not None), default=fault_end)
    during = {i for i in ids if fault_start <= flow.log.accepted_at[i] <= fault_end}
    latencies = flow.seen.latency(flow.log, during or ids)
    dlq = result.dlq_ids
    results.record(
        results.ClusterResult(
            scenario=scenario,
            articles=sent,
            ids=len(ids),
            lost=len(result.lost & ids),
            duplicated=len(result.both & ids) + sum(n - 1 for i, n in dlq.items() if i in ids and n > 1),
            stale=len(set(result.stale) & ids),
            longest_gap_s=round(flow.seen.longest_gap(fault_start, max(last, fault_start)), 1),
            p99_s=round(p99(latencies), 1),
            p50_s=round(statistics.median(latencies), 1) if latencies else float("nan"),
            during_fault=len(during),
            notes=notes,
        )
    )


async def _stop(flow: Flow, name: str, *, force: bool) -> None:
    await asyncio.to_thread(cluster.stop_cluster, flow.run_dir, only=[name], force=force)


async def _start(flow: Flow, name: str) -> float:
    t0 = time.monotonic()
    await asyncio.to_thread(cluster.start_cluster, flow.run_dir, only=[name], timeout=300)
    return time.monotonic() - t0


async def _busiest_broker(flow: Flow) -> tuple[str, int, int]:
    cfg = flow.pipeline.config
    led = await nodes.leaders(flow.bootstrap, [cfg.raw_topic, cfg.enriched_topic, cfg.dlq_topic])
    broker, count = led.most_common(1)[0]
    return f"kafka-{broker}", count, sum(led.values())


# ------------------------------------------------------------------------------------ scenarios


async def test_a_broker_leading_most_partitions_killed_and_back(flow: Flow) -> None:
    async def fault(flow: Flow) -> tuple[float, float, str]:
        name, led, total = await _busiest_broker(flow)
        start = time.monotonic()
        await _stop(flow, name, force=True)
        await asyncio.sleep(HOLD_S)
        back = await _start(flow, name)
        in_sync = await nodes.wait_in_sync(flow.bootstrap, flow.topics)
        end = time.monotonic()
        return (
            start,
            end,
            f"SIGKILL {name} (led {led}/{total}); away {HOLD_S:.0f}s + restart {back:.0f}s; "
            f"ISR full {in_sync:.0f}s later",
        )

    await _run(flow, "a. broker leading most partitions SIGKILLed, back later", "cla", 1501, fault)


async def test_b_rolling_restart_of_every_broker(flow: Flow) -> None:
    async def fault(flow: Flow) -> tuple[float, float, str]:
        start = time.monotonic()
        took: list[str] = []
        for name in ("kafka-1", "kafka-2", "kafka-3"):
            t0 = time.monotonic()
            await _stop(flow, name, force=False)
            await _start(flow, name)
            await nodes.wait_in_sync(flow.bootstrap, flow.topics)
            took.append(f"{time.monotonic() - t0:.0f}")
        return (
            start,
            time.monotonic(),
            f"SIGTERM + restart + ISR full, one broker at a time: {'/'.join(took)} s",
        )

    await _run(flow, "b. rolling restart of the three brokers", "clb", 1502, fault)


async def test_c_elasticsearch_node_with_primaries_killed_and_back(flow: Flow) -> None:
    async def fault(flow: Flow) -> tuple[float, float, str]:
        held = await nodes.primaries(flow.es_urls, flow.pipeline.config.alias)
        name, count = held.most_common(1)[0]
        start = time.monotonic()
        await _stop(flow, name, force=True)
        await asyncio.sleep(HOLD_S)
        back = await _start(flow, name)
        await nodes.wait_green(flow.es_urls)
        end = time.monotonic()
        return (
            start,
            end,
            f"SIGKILL {name} ({count}/{sum(held.values())} primaries); "
            f"away {HOLD_S:.0f}s + restart {back:.0f}s, then green",
        )

    await _run(flow, "c. Elasticsearch node holding primaries SIGKILLed, back later", "clc", 1503, fault)


async def test_d_broker_and_enrichment_worker_lost_together(flow: Flow) -> None:
    async def fault(flow: Flow) -> tuple[float, float, str]:
        name, led, total = await _busiest_broker(flow)
        p = flow.pipeline
        start = time.monotonic()
        await asyncio.gather(_stop(flow, name, force=True), asyncio.to_thread(p.lp.kill, "enrichment"))
        await p.start("enrichment")  # a new worker, while the broker is still away
        restarted = time.monotonic() - start
        await asyncio.sleep(max(0.0, HOLD_S - restarted))
        back = await _start(flow, name)
        await nodes.wait_in_sync(flow.bootstrap, flow.topics)
        return (
            start,
            time.monotonic(),
            f"SIGKILL {name} (led {led}/{total}) + enrichment; new worker ready {restarted:.0f}s; "
            f"broker back {back:.0f}s",
        )

    await _run(flow, "d. a broker and the enrichment worker SIGKILLed together", "cld", 1504, fault)
