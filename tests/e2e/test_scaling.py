"""``newsflow scale`` under sustained load: enrichment 1 → 4 → 1 while articles (with revisions) keep
coming; nothing lost, nothing duplicated, nothing let in (the fault suite's exactness check), the
other processes never restarted, and the rebalance pauses measured (docs/reliability.md)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field

import httpx

from newsflow.local import processes as procs
from newsflow.local.pipeline import SERVICES
from tests.e2e.metrics import scrape, value
from tests.support.exactness import assert_exact, converge
from tests.support.kafka import partitions
from tests.support.pipelines import Pipeline, StartedPipelines
from tests.support.pushing import PushLog, make_articles, push_chunk

PARTITIONS = 12
PEAK = 4
CHUNK, PAUSE_S = 6, 0.4  # ~15 articles/s: about half of what one worker enriches on this machine


@dataclass
class Samples:
    """(seconds since start, searchable ids, accepted ids) every quarter second."""

    t0: float = field(default_factory=time.monotonic)
    points: list[tuple[float, int, int]] = field(default_factory=list)

    def longest_stall(self, start: float, end: float) -> float:
        """Longest time in [start, end] during which the searchable count did not grow although
        accepted articles were waiting: the pause a rebalance causes (plus indexing latency)."""
        longest, since = 0.0, None
        for t, indexed, accepted in self.points:
            if not start <= t <= end:
                continue
            if since is None or indexed > since[1] or accepted <= indexed:
                since = (t, indexed)
                continue
            longest = max(longest, t - since[0])
        return longest

    def now(self) -> float:
        return time.monotonic() - self.t0


def _newsflow(pipeline: Pipeline, *args: str) -> str:
    """Run the ``newsflow`` command on this pipeline's run dir (a separate process, as an operator)."""
    done = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", *args, "--run-dir", str(pipeline.config.run_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 3), (
        f"newsflow {' '.join(args)}: {done.returncode}\n{done.stdout}{done.stderr}"
    )
    return done.stdout


def _status(pipeline: Pipeline) -> dict[str, dict[str, object]]:
    services: dict[str, dict[str, object]] = json.loads(_newsflow(pipeline, "status", "--json"))["services"]
    return services


async def test_scale_enrichment_1_4_1_under_load(pipeline_factory: StartedPipelines) -> None:
    pipeline = await pipeline_factory(partitions=PARTITIONS)
    assert len(await partitions(pipeline.config.kafka_bootstrap, pipeline.config.raw_topic)) >= PEAK
    others = {s: pipeline.pid(s) for s in SERVICES if s != "enrichment"}
    articles = make_articles("scale", count=3000, seed=1515)
    log, samples = PushLog(), Samples()
    stop = asyncio.Event()

    async def push_until_stopped() -> None:
        async with httpx.AsyncClient() as client:
            for start in range(0, len(articles), CHUNK):
                if stop.is_set():
                    return
                chunk = articles[start : start + CHUNK]
                await push_chunk(
                    client, pipeline.ingest_url, pipeline.key, chunk, log, deadline=time.monotonic() + 60
                )
                await asyncio.sleep(PAUSE_S)

    async def sample() -> None:
        while True:
            samples.points.append((samples.now(), await pipeline.indexed_count(), len(log.accepted)))
            await asyncio.sleep(0.25)

    pusher, sampler = asyncio.create_task(push_until_stopped()), asyncio.create_task(sample())
    try:
        await asyncio.sleep(15.0)
        out_at = samples.now()
        printed = await asyncio.to_thread(_newsflow, pipeline, "scale", f"enrichment={PEAK}")
        out_ready = samples.now()
        assert f"enrichment: {PEAK} replicas running" in printed, printed
        status = _status(pipeline)
        assert status["enrichment"]["replicas_running"] == PEAK, status["enrichment"]
        await asyncio.sleep(20.0)
        consumed = {
            str(r["name"]): value(
                await scrape(pipeline.http, str(r["url"])), "newsflow_enrichment_consumed_total"
            )
            for r in status["enrichment"]["replicas"]  # type: ignore[attr-defined]
        }
        assert len(consumed) == PEAK and all(n > 0 for n in consumed.values()), consumed
        in_at = samples.now()
        printed = await asyncio.to_thread(_newsflow, pipeline, "scale", "enrichment=1")
        in_done = samples.now()
        assert "enrichment: 1 replicas running" in printed, printed
        assert _status(pipeline)["enrichment"]["replicas_running"] == 1
        await asyncio.sleep(10.0)
        stop.set()
        await asyncio.wait_for(pusher, timeout=60)
        result = await converge(pipeline, log.accepted, within=180)
        end = samples.now()
    finally:
        stop.set()
        for task in (pusher, sampler):
            task.cancel()
    stall_out = samples.longest_stall(out_at, in_at)
    stall_in = samples.longest_stall(in_at, end)
    print(
        f"\nSCALE accepted={len(log.accepted)} items={log.accepted_items} indexed={len(result.docs)} "
        f"scale-out {out_ready - out_at:.1f}s (to ready) longest stall {stall_out:.1f}s; "
        f"scale-in {in_done - in_at:.1f}s longest stall {stall_in:.1f}s; baseline stall "
        f"{samples.longest_stall(0.0, out_at):.1f}s"
    )
    assert {s: pipeline.pid(s) for s in others} == others, "a service other than enrichment was restarted"
    assert len(log.accepted) >= 300
    assert_exact(result)
    assert not result.letters

    # `make stop` (newsflow stop) ends every replica, however many were started by `newsflow scale`
    await asyncio.to_thread(_newsflow, pipeline, "scale", "indexer=2")
    replicas = [r for svc in _status(pipeline).values() for r in svc["replicas"]]  # type: ignore[attr-defined]
    assert sorted(r["name"] for r in replicas) == ["enrichment-0", "indexer-0", "indexer-1", "ingest-0"]
    await asyncio.to_thread(_newsflow, pipeline, "stop")
    left = [r["name"] for r in replicas if procs.pid_alive(int(r["pid"]))]
    assert not left, f"still running after newsflow stop: {left}"
