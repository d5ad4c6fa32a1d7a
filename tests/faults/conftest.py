"""Fault-injection fixtures: whole pipelines (ingest, enrichment, indexer as processes) on the real
broker and node, a newsroom-like pushing client, and the exactness check every scenario ends with.

The check (:func:`assert_exact`): the accepted article ids are exactly the ids indexed plus the ids
dead-lettered; no id is both indexed and dead-lettered; the DLQ holds one record per id; every
document is at the latest accepted revision. Each scenario records its figures with
:func:`record_result`; they are written to ``.newsflow/test-results/faults.json`` at session end.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import signal
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import AsyncElasticsearch

from newsflow.local import processes as procs
from newsflow.local.pipeline import SERVICES, LocalPipeline, PipelineConfig
from newsflow.models import DeadLetter

ROOT = Path(__file__).resolve().parents[2]
RESULTS_FILE = ROOT / ".newsflow" / "test-results" / "faults.json"
SOURCE = "faults"
PARTITIONS = 6
READY_S = 240.0
CONVERGE_S = 300.0

Articles = list[dict[str, Any]]


# ------------------------------------------------------------------------------------ test articles


@cache
def _corpus(count: int, seed: int) -> tuple[Any, ...]:
    from newsflow.local.corpus import generate

    return tuple(generate(count, seed))


def make_articles(tag: str, count: int = 600, seed: int = 11, paragraphs: int = 2) -> Articles:
    """Realistic articles (ingest's contract) from the seed generator, with ids unique to ``tag``.

    About one id in twelve has two or three revisions (separate items, in publication order). Bodies
    are cut to their first ``paragraphs`` paragraphs so that enrichment (~30 full articles/s on this
    2-core machine) keeps each scenario within minutes.
    """
    out: Articles = []
    for a in _corpus(count, seed):
        body = "\n\n".join(a.body.split("\n\n")[:paragraphs])
        out.append(
            {
                "id": f"{tag}-{a.id}",
                "url": f"{a.url}?t={tag}",
                "title": a.title,
                "body": body,
                "published_at": a.published_at,
                "updated_at": a.updated_at,
                "revision": a.revision,
                "authors": list(a.authors),
                "section": a.section,
                "language": a.language,
                "tags": list(a.tags),
            }
        )
    return out


def stored_id(article: dict[str, Any]) -> str:
    """The id ingest stores an article pushed with the pipeline's key under: ``<source>:<id>``."""
    return f"{SOURCE}:{article['id']}"


def latest(articles: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Stored id (:func:`stored_id`) -> highest revision."""
    result: dict[str, int] = {}
    for a in articles:
        result[stored_id(a)] = max(result.get(stored_id(a), -1), int(a["revision"]))
    return result


# ------------------------------------------------------------------------------------ the pipeline


@dataclass
class FaultPipeline:
    """One pipeline instance (unique topics, alias, groups) plus the clients the scenarios need."""

    lp: LocalPipeline
    key: str = ""

    @property
    def config(self) -> PipelineConfig:
        return self.lp.config

    @property
    def ingest_url(self) -> str:
        return self.lp.url("ingest")

    async def start(self, *services: str, **env: str) -> None:
        """Start (replica 0 of) the services and wait until they are ready."""
        names = services or SERVICES
        for service in names:
            self.lp.start(service, 0, None, **env)
        await self.lp.wait_ready(*(f"{s}-0" for s in names), timeout_s=READY_S)

    def pid(self, service: str, replica: int = 0) -> int:
        record = procs.running(self.config.run_dir, f"{service}-{replica}")
        assert record is not None, (
            f"{service}-{replica} is not running (see {self.lp.log_file(service, replica)})"
        )
        return record.pid

    def es(self) -> AsyncElasticsearch:
        return AsyncElasticsearch(self.config.es_url, request_timeout=30)

    async def indexed_count(self) -> int:
        async with self.es() as es:
            with contextlib.suppress(Exception):
                return int((await es.count(index=self.config.alias))["count"])
        return 0

    async def wait_indexed(self, at_least: int, within: float = 180.0) -> int:
        """Wait until the alias counts at least ``at_least`` documents."""
        deadline = time.monotonic() + within
        while True:
            n = await self.indexed_count()
            if n >= at_least:
                return n
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {n} documents indexed after {within:.0f}s (wanted {at_least})")
            await asyncio.sleep(0.3)


@dataclass
class PipelineFactory:
    base: Path
    kafka_bootstrap: str
    es_url: str
    made: list[FaultPipeline] = field(default_factory=list)

    def __call__(self, tag: str = "f", **extra_env: str) -> FaultPipeline:
        name = f"{tag}-{uuid.uuid4().hex[:8]}"
        config = PipelineConfig(
            run_dir=self.base / name,
            kafka_bootstrap=self.kafka_bootstrap,
            es_url=self.es_url,
            raw_topic=f"{name}.raw",
            enriched_topic=f"{name}.enriched",
            dlq_topic=f"{name}.dlq",
            partitions=PARTITIONS,
            alias=f"{name}-articles",
            enrichment_group=f"{name}-enrichment",
            indexer_group=f"{name}-indexer",
            extra_env={"NEWSFLOW_LOG_LEVEL": "INFO", **extra_env},
        )
        pipeline = FaultPipeline(LocalPipeline(config))
        pipeline.key = pipeline.lp.api_key(SOURCE)
        self.made.append(pipeline)
        return pipeline

    def stop_all(self) -> None:
        for p in self.made:
            p.lp.stop_all()


@contextlib.contextmanager
def _factory(request: pytest.FixtureRequest, kafka_bootstrap: str, es_url: str) -> Iterator[PipelineFactory]:
    base = Path(tempfile.mkdtemp(prefix="newsflow-faults-"))
    factory = PipelineFactory(base, kafka_bootstrap, es_url)
    try:
        yield factory
    finally:
        factory.stop_all()
        if request.session.testsfailed == 0 and not os.environ.get("NEWSFLOW_TEST_KEEP_STACK"):
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"\nfault-test pipeline logs kept in {base}")


@pytest.fixture
def pipelines(request: pytest.FixtureRequest, kafka_bootstrap: str, es_url: str) -> Iterator[PipelineFactory]:
    """Factory of pipelines stopped at the end of the test."""
    with _factory(request, kafka_bootstrap, es_url) as factory:
        yield factory


@pytest.fixture(scope="module")
def module_pipelines(
    request: pytest.FixtureRequest, kafka_bootstrap: str, es_url: str
) -> Iterator[PipelineFactory]:
    """Factory of pipelines shared by the tests of one module."""
    with _factory(request, kafka_bootstrap, es_url) as factory:
        yield factory


# ---------------------------------------------------------------------------------- pushing client


@dataclass
class PushLog:
    """What the client was told: only 202-accepted items count as accepted."""

    accepted: dict[str, int] = field(default_factory=dict)  # id (as ingest answered) -> highest revision
    accepted_items: int = 0
    statuses: Counter[int | str] = field(default_factory=Counter)

    def note(self, status: int | str) -> None:
        self.statuses[status] += 1

    def accept(self, article_id: str, revision: int) -> None:
        self.accepted_items += 1
        self.accepted[article_id] = max(self.accepted.get(article_id, -1), revision)


async def push_chunk(
    client: httpx.AsyncClient,
    url: str,
    key: str,
    chunk: Articles,
    log: PushLog,
    *,
    deadline: float,
    retry: bool = True,
) -> bool:
    """POST one batch; retry 429/503 and connection errors (honouring Retry-After, capped) until a
    202 or the deadline. Returns True when accepted."""
    delay = 0.2
    while True:
        try:
            response = await client.post(
                f"{url}/v1/articles/batch",
                json={"articles": chunk},
                headers={"Authorization": f"Bearer {key}"},
                timeout=30.0,
            )
        except httpx.HTTPError as exc:
            log.note(type(exc).__name__)
            status: int | None = None
        else:
            status = response.status_code
            log.note(status)
            if status == 202:
                body = response.json()
                for item, result in zip(chunk, body["results"], strict=True):
                    assert result["status"] == "accepted", result
                    log.accept(result["id"], int(item["revision"]))  # the id ingest stored it under
                return True
            assert status in (429, 503), f"unexpected answer {status}: {response.text[:500]}"
            with contextlib.suppress(ValueError):
                delay = min(float(response.headers.get("retry-after", delay)), 2.0)
        if not retry:
            return False
        if time.monotonic() + delay > deadline:
            raise TimeoutError(f"batch not accepted before the deadline (last answer {status})")
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 2.0)


async def push(
    url: str,
    key: str,
    articles: Articles,
    log: PushLog | None = None,
    *,
    chunk_size: int = 50,
    within: float = 240.0,
    pause: float = 0.0,
) -> PushLog:
    """Push ``articles`` in order, in batches, retrying each until accepted (a newsroom client)."""
    log = log or PushLog()
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        for start in range(0, len(articles), chunk_size):
            await push_chunk(client, url, key, articles[start : start + chunk_size], log, deadline=deadline)
            if pause:
                await asyncio.sleep(pause)
    return log


# ------------------------------------------------------------------------------- reading the truth


@dataclass(frozen=True)
class Doc:
    revision: int
    version: int
    title: str
    digest: str  # SHA-256 of the whole _source (indexed_at included: an unchanged document keeps it)


async def es_docs(es_url: str, alias: str, attempts: int = 20) -> dict[str, Doc]:
    """Every document behind the alias (search_after over the ``id`` keyword).

    The listing must agree with the index's count before and after it (no document listed twice or
    missed by the paging). While an indexer is still writing, a refresh can land between the listing
    and a count: such a reading is taken again (up to ``attempts`` times) instead of failing.
    """
    async with AsyncElasticsearch(es_url, request_timeout=60) as es:
        for attempt in range(attempts):
            await es.indices.refresh(index=alias)
            before = (await es.count(index=alias))["count"]
            docs = await _list_docs(es, alias)
            after = (await es.count(index=alias))["count"]
            if before == after == len(docs):
                return docs
            if attempt < attempts - 1:
                await asyncio.sleep(0.5)
    raise AssertionError(f"count {before}/{after} != documents listed {len(docs)} after {attempts} readings")


async def _list_docs(es: AsyncElasticsearch, alias: str) -> dict[str, Doc]:
    docs: dict[str, Doc] = {}
    after: list[Any] | None = None
    while True:
        kwargs: dict[str, Any] = {"search_after": after} if after else {}
        page = await es.search(
            index=alias, size=1000, sort=[{"id": "asc"}], version=True, track_total_hits=True, **kwargs
        )
        hits = page["hits"]["hits"]
        for hit in hits:
            assert hit["_id"] not in docs, f"document {hit['_id']} returned twice"
            source = hit["_source"]
            digest = hashlib.sha256(orjson.dumps(source, option=orjson.OPT_SORT_KEYS)).hexdigest()
            docs[hit["_id"]] = Doc(int(source["revision"]), int(hit["_version"]), source["title"], digest)
        if len(hits) < 1000:
            return docs
        after = hits[-1]["sort"]


async def partitions(bootstrap: str, topic: str) -> list[int]:
    """The partition numbers of an existing topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    found = sorted(int(p["partition"]) for p in described["partitions"])
    assert found, f"topic {topic} has no partitions: {described}"
    return found


async def read_topic(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes | None, int, int]]:
    """Every record of ``topic`` up to its current end: (key, value, partition, offset)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    out: list[tuple[bytes | None, bytes | None, int, int]] = []
    try:
        tps = [TopicPartition(topic, p) for p in await partitions(bootstrap, topic)]
        if not tps:
            return out
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        pending = {tp for tp in tps if end[tp] > 0}
        deadline = time.monotonic() + 60
        while pending and time.monotonic() < deadline:
            batch = await consumer.getmany(*pending, timeout_ms=1000)
            for records in batch.values():
                out.extend((r.key, r.value, r.partition, r.offset) for r in records)
            for tp in list(pending):
                if await consumer.position(tp) >= end[tp]:
                    pending.discard(tp)
        assert not pending, f"could not read {topic} to its end"
    finally:
        await _stop(consumer)
    return out


async def _stop(consumer: AIOKafkaConsumer) -> None:
    # aiokafka: stopping a group-less consumer whose background task has not run yet raises
    # CancelledError from stop(); let the task start first.
    await asyncio.sleep(0.05)
    await consumer.stop()


async def read_dlq(bootstrap: str, topic: str) -> list[DeadLetter]:
    """Every dead letter of the DLQ topic."""
    return [DeadLetter.model_validate_json(v) for _, v, _, _ in await read_topic(bootstrap, topic) if v]


def dlq_id(letter: DeadLetter) -> str:
    return letter.article_id or letter.key or f"<no key: {letter.topic}/{letter.partition}@{letter.offset}>"


async def group_offsets(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    """The committed offsets of a consumer group."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if meta.offset >= 0}


async def end_offsets(bootstrap: str, topic: str) -> dict[tuple[str, int], int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in await partitions(bootstrap, topic)]
        ends = await consumer.end_offsets(tps) if tps else {}
    finally:
        await _stop(consumer)
    return {(tp.topic, tp.partition): off for tp, off in ends.items()}


async def lag(bootstrap: str, group: str, topic: str) -> int:
    """Records of ``topic`` the group has not committed yet."""
    ends = await end_offsets(bootstrap, topic)
    committed = await group_offsets(bootstrap, group)
    return sum(end - committed.get(tp, 0) for tp, end in ends.items())


# ---------------------------------------------------------------------------------- the exact check


@dataclass
class Outcome:
    """Where every accepted id ended up."""

    expected: dict[str, int]
    docs: dict[str, Doc]
    letters: list[DeadLetter]

    @property
    def dlq_ids(self) -> Counter[str]:
        return Counter(dlq_id(letter) for letter in self.letters)

    @property
    def lost(self) -> set[str]:
        return set(self.expected) - set(self.docs) - set(self.dlq_ids)

    @property
    def let_in(self) -> set[str]:
        """Indexed or dead-lettered ids nobody was told were accepted."""
        return (set(self.docs) | set(self.dlq_ids)) - set(self.expected)

    @property
    def both(self) -> set[str]:
        return set(self.docs) & set(self.dlq_ids)

    @property
    def dlq_duplicates(self) -> dict[str, int]:
        return {k: n for k, n in self.dlq_ids.items() if n > 1}

    @property
    def stale(self) -> dict[str, tuple[int, int]]:
        """id -> (indexed revision, latest accepted revision) where they differ."""
        return {
            i: (d.revision, self.expected[i])
            for i, d in self.docs.items()
            if i in self.expected and (d.revision != self.expected[i] or d.version != self.expected[i])
        }

    def complete(self) -> bool:
        return not self.lost and not self.stale


async def outcome(pipeline: FaultPipeline, expected: dict[str, int]) -> Outcome:
    cfg = pipeline.config
    docs = await es_docs(cfg.es_url, cfg.alias)
    letters = await read_dlq(cfg.kafka_bootstrap, cfg.dlq_topic)
    return Outcome(expected, docs, letters)


async def converge(pipeline: FaultPipeline, expected: dict[str, int], within: float = CONVERGE_S) -> Outcome:
    """Wait until every accepted id is indexed at its latest revision or dead-lettered."""
    deadline = time.monotonic() + within
    while True:
        result = await outcome(pipeline, expected)
        if result.complete():
            return result
        if time.monotonic() > deadline:
            return result  # assert_exact reports what is missing
        await asyncio.sleep(1.0)


def sample(items: Iterable[str]) -> list[str]:
    return sorted(items)[:10]


def assert_exact(result: Outcome, *, dlq_duplicates_allowed: Iterable[str] = ()) -> None:
    """Nothing lost, nothing duplicated, nothing let in, everything at its latest revision."""
    assert not result.lost, f"{len(result.lost)} accepted articles lost: {sample(result.lost)}"
    assert not result.let_in, f"{len(result.let_in)} ids never accepted: {sample(result.let_in)}"
    assert not result.both, f"{len(result.both)} ids both indexed and dead-lettered: {sample(result.both)}"
    unjustified = {k: n for k, n in result.dlq_duplicates.items() if k not in set(dlq_duplicates_allowed)}
    assert not unjustified, f"duplicate dead letters: {unjustified}"
    assert not result.stale, f"{len(result.stale)} documents not at their latest revision: {result.stale}"
    assert set(result.expected) == set(result.docs) | set(result.dlq_ids)


# ----------------------------------------------------------------------------------------- results


@dataclass
class ScenarioResult:
    scenario: str
    articles_sent: int  # items pushed (all revisions) + records injected
    ids_accepted: int
    indexed: int
    dead_lettered: int
    duplicates: int
    lost: int
    stale: int
    recovery_s: float | None
    notes: str = ""


_RESULTS: list[ScenarioResult] = []


def record_result(
    scenario: str, sent: int, result: Outcome, recovery_s: float | None, notes: str = ""
) -> ScenarioResult:
    """Keep a scenario's figures for the results file (and print them)."""
    entry = ScenarioResult(
        scenario=scenario,
        articles_sent=sent,
        ids_accepted=len(result.expected),
        indexed=len(result.docs),
        dead_lettered=len(result.letters),
        duplicates=len(result.both) + sum(n - 1 for n in result.dlq_duplicates.values()),
        lost=len(result.lost),
        stale=len(result.stale),
        recovery_s=None if recovery_s is None else round(recovery_s, 1),
        notes=notes,
    )
    _RESULTS.append(entry)
    print(f"\nRESULT {json.dumps(asdict(entry))}")
    return entry


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _RESULTS:
        return
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    previous: dict[str, Any] = {}
    if RESULTS_FILE.exists():
        with contextlib.suppress(ValueError):
            previous = {r["scenario"]: r for r in json.loads(RESULTS_FILE.read_text())["scenarios"]}
    for entry in _RESULTS:
        previous[entry.scenario] = asdict(entry) | {"run_at": datetime.now(UTC).isoformat(timespec="seconds")}
    data = {
        "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenarios": list(previous.values()),
    }
    RESULTS_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------------------- misc


async def wait_for(
    predicate: Callable[[], Awaitable[bool]], within: float, what: str, interval: float = 0.5
) -> float:
    """Poll until ``predicate`` is true; return the seconds it took (TimeoutError after ``within``)."""
    start = time.monotonic()
    while not await predicate():
        if time.monotonic() - start > within:
            raise TimeoutError(f"{what}: not true after {within:.0f}s")
        await asyncio.sleep(interval)
    return time.monotonic() - start


def terminate(
    pipeline: FaultPipeline, service: str, replica: int = 0, grace_s: float = 60.0
) -> tuple[int | None, float]:
    """SIGTERM one replica and wait for it (our child): its exit code (-N: killed by signal N; None if
    someone else reaped it) and the seconds it took. SIGKILL after ``grace_s``, reported as -9."""
    record = procs.running(pipeline.config.run_dir, f"{service}-{replica}")
    assert record is not None, f"{service}-{replica} not running"
    started = time.monotonic()
    os.kill(record.pid, signal.SIGTERM)
    while True:
        try:
            pid, status = os.waitpid(record.pid, os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere: only its disappearance is known
            while procs.is_ours(record) and time.monotonic() - started < grace_s:
                time.sleep(0.05)
            return None, time.monotonic() - started
        if pid:
            return os.waitstatus_to_exitcode(status), time.monotonic() - started
        if time.monotonic() - started > grace_s:
            os.kill(record.pid, signal.SIGKILL)
            os.waitpid(record.pid, 0)
            return -9, time.monotonic() - started
        time.sleep(0.05)


@contextlib.asynccontextmanager
async def background(coro: Awaitable[Any]) -> AsyncIterator[asyncio.Task[Any]]:
    """Run ``coro`` as a task for the block; cancel it if still running afterwards."""
    task: asyncio.Task[Any] = asyncio.ensure_future(coro)
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
