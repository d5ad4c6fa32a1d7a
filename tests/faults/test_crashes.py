"""Scenarios 1 and 2: the indexer or an enrichment worker dies by SIGKILL while articles flow."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.faults.results import record_result
from tests.support.control import background
from tests.support.exactness import assert_exact, converge
from tests.support.kafka import lag
from tests.support.pipelines import PipelineFactory
from tests.support.polling import wait_until
from tests.support.pushing import latest, make_articles, push


async def test_indexer_killed_mid_batch_then_restarted(pipelines: PipelineFactory) -> None:
    # Small batches: the indexer is far faster than enrichment, so a backlog of many batches is built
    # up while it is dead and the second kill lands in the middle of working it off.
    # refresh=wait_for keeps each bulk open ~1 s after Elasticsearch applied it, so a kill right after
    # a settled batch lands while the next one is written but not yet committed.
    p = pipelines("s1", NEWSFLOW_INDEXER_BATCH_MAX_DOCS="50", NEWSFLOW_INDEXER_REFRESH="wait_for")
    await p.start()
    articles = make_articles("s1", seed=101)
    expected = latest(articles)
    cfg = p.config
    async with background(push(p.ingest_url, p.key, articles, pause=0.05)) as pusher:
        first_kill = await p.wait_count(len(expected) // 6)
        p.lp.kill("indexer")  # SIGKILL while batches are being written and committed
        log = await pusher
    await wait_until(
        lambda: _no_lag(cfg.kafka_bootstrap, cfg.enrichment_group, cfg.raw_topic),
        within=180,
        what="enriched",
        interval=0.5,
    )
    settled = _log_sum(p.lp.log_file("indexer"), "docs")
    p.lp.start("indexer")
    await wait_until(
        lambda: _grew(p.lp.log_file("indexer"), settled + 100),
        within=120,
        what="backlog being indexed",
        interval=0.05,
    )
    p.lp.kill("indexer")  # in the middle of the backlog, between a settled batch and the next commit
    second_kill = await p.indexed_count()
    p.lp.start("indexer")
    restarted = time.monotonic()
    result = await converge(p, log.accepted)
    recovery = time.monotonic() - restarted
    replayed = _log_sum(p.lp.log_file("indexer"), "conflicts")
    record_result(
        "1 indexer SIGKILL ×2, restarted",
        len(articles),
        result,
        recovery,
        f"killed at {first_kill} and {second_kill} of {len(expected)} indexed; "
        f"{replayed} already-indexed records replayed as no-op conflicts",
    )
    assert log.accepted == expected
    assert first_kill < second_kill < len(expected), "the indexer was not killed mid-run"
    assert replayed > 0, "no batch was written but uncommitted when the indexer was killed"
    assert_exact(result)
    assert not result.letters


async def _no_lag(bootstrap: str, group: str, topic: str) -> bool:
    return await lag(bootstrap, group, topic) == 0


async def _grew(path: Path, docs: int) -> bool:
    return _log_sum(path, "docs") >= docs


def _log_sum(path: Path, field: str) -> int:
    """Sum of ``field=N`` over a service's log lines."""
    return sum(int(m) for m in re.findall(rf"\b{field}=(\d+)", path.read_text(errors="replace")))


@pytest.mark.parametrize("replicas", [1, 2], ids=["alone", "with-second-replica"])
async def test_enrichment_worker_killed_mid_batch(pipelines: PipelineFactory, replicas: int) -> None:
    # A shorter session timeout than faust's 60 s default lets the group notice the dead member
    # sooner (an operator setting of faust: BROKER_SESSION_TIMEOUT).
    p = pipelines(f"s2r{replicas}", BROKER_SESSION_TIMEOUT="12")
    await p.start()
    if replicas == 2:
        p.lp.start("enrichment", 1)
        await p.lp.wait_ready("enrichment-1", timeout_s=240)
    articles = make_articles(f"s2r{replicas}", seed=200 + replicas)
    expected = latest(articles)
    async with background(push(p.ingest_url, p.key, articles, pause=0.05)) as pusher:
        killed_at = await p.wait_count(len(expected) // 5)
        p.lp.kill("enrichment", 0)  # SIGKILL in the middle of a batch (enrichment is the bottleneck)
        killed = time.monotonic()
        if replicas == 1:
            p.lp.start("enrichment", 0)  # alone: it must be restarted
        log = await pusher
    result = await converge(p, log.accepted)
    recovery = time.monotonic() - killed
    if replicas == 2:
        assert p.pid("enrichment", 1)  # the survivor took over the dead worker's partitions
    record_result(
        f"2 enrichment SIGKILL ({'restarted, alone' if replicas == 1 else 'second replica takes over'})",
        len(articles),
        result,
        recovery,
        f"killed at {killed_at}/{len(expected)} indexed",
    )
    assert log.accepted == expected
    assert killed_at < len(expected)
    assert_exact(result)
    assert not result.letters
