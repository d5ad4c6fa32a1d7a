"""Fixtures of the end-to-end tests: a whole pipeline (ingest, enrichment, indexer processes) on the
session's Kafka + Elasticsearch, with its own topics, alias and consumer groups."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import AsyncElasticsearch
from prometheus_client.parser import text_string_to_metric_families

from newsflow.local import processes as procs
from newsflow.local.pipeline import LocalPipeline, PipelineConfig

SOURCE = "e2e-wire"


@dataclass
class Pipeline:
    """A running pipeline instance and what a test needs to drive and inspect it."""

    local: LocalPipeline
    es: AsyncElasticsearch
    http: httpx.AsyncClient
    api_key: str
    started: list[int] = field(default_factory=list)  # every pid this pipeline started

    @property
    def config(self) -> PipelineConfig:
        return self.local.config

    def start(self, service: str, replica: int = 0, **env: str) -> str:
        url = self.local.start(service, replica, **env)
        record = procs.load(self.config.run_dir, f"{service}-{replica}")
        assert record is not None
        self.started.append(record.pid)
        return url

    async def push(self, articles: list[dict[str, Any]], traceparent: str | None = None) -> httpx.Response:
        """POST a batch to ingest; the response must be 202."""
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if traceparent:
            headers["traceparent"] = traceparent
        response = await self.http.post(
            f"{self.local.url('ingest')}/v1/articles/batch",
            json={"articles": articles},
            headers=headers,
            timeout=30.0,
        )
        assert response.status_code == 202, response.text
        return response

    async def documents(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The searchable documents of ``ids`` through the alias, by id (after a refresh)."""
        wanted = sorted(set(ids))
        await self.es.indices.refresh(index=self.config.alias)
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            result = await self.es.search(
                index=self.config.alias,
                query={"ids": {"values": chunk}},
                size=len(chunk),
                source_includes=["id", "revision", "trace_id", "title"],
            )
            for hit in result["hits"]["hits"]:
                assert hit["_id"] not in found, f"{hit['_id']} is indexed twice"
                found[hit["_id"]] = hit["_source"]
        return found

    async def wait_indexed(self, expected: dict[str, int], timeout_s: float = 180.0) -> dict[str, Any]:
        """Wait until every id is searchable at its expected revision; return the documents."""
        deadline = time.monotonic() + timeout_s
        while True:
            docs = await self.documents(expected)
            behind = {i: r for i, r in expected.items() if docs.get(i, {}).get("revision") != r}
            if not behind:
                return docs
            if time.monotonic() > deadline:
                sample = dict(list(behind.items())[:5])
                raise AssertionError(f"{len(behind)}/{len(expected)} not indexed at their revision: {sample}")
            await asyncio.sleep(0.5)

    async def dead_letters(self) -> int:
        """How many records the DLQ topic holds."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.config.kafka_bootstrap)
        await admin.start()
        try:
            (described,) = await admin.describe_topics([self.config.dlq_topic])
        finally:
            await admin.close()
        tps = [TopicPartition(self.config.dlq_topic, p["partition"]) for p in described["partitions"]]
        if not tps:
            return 0
        consumer = AIOKafkaConsumer(bootstrap_servers=self.config.kafka_bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign(tps)
            ends = await consumer.end_offsets(tps)
            begins = await consumer.beginning_offsets(tps)
            return sum(ends[tp] - begins[tp] for tp in tps)
        finally:
            await consumer.stop()


def accepted_ids(response: httpx.Response) -> dict[int, str]:
    """The id ingest gave each accepted item of a batch (``<source>:<publisher id>``), by item index."""
    return {r["index"]: r["id"] for r in response.json()["results"] if r["status"] == "accepted"}


def article(prefix: str, n: int, revision: int = 1) -> dict[str, Any]:
    """A small valid article for the ingest API."""
    article_id = f"{prefix}-{n:05d}"
    return {
        "id": article_id,
        "url": f"https://news.example.com/{prefix}/{n}",
        "title": f"Harbour authority in Rotterdam approves expansion plan {n} (revision {revision})",
        "body": (
            f"The port of Rotterdam said on Tuesday that its board had approved plan number {n}. "
            "Chief executive Maria Jansen told reporters the expansion would create jobs in the Netherlands. "
            "Shipping companies including Maersk welcomed the decision, revision "
            f"{revision}."
        ),
        "revision": revision,
        "language": "en",
    }


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse_metrics(text: str) -> Samples:
    """Prometheus text as ``{(sample name, labels): value}``."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """Sum of the samples named ``name`` whose labels include ``labels`` (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def series(samples: Samples, name: str) -> list[dict[str, str]]:
    """Label sets of every sample named ``name``."""
    return [dict(ls) for (n, ls), _ in samples.items() if n == name]


async def scrape(client: httpx.AsyncClient, base_url: str) -> Samples:
    response = await client.get(f"{base_url}/metrics", timeout=5.0)
    assert response.status_code == 200
    return parse_metrics(response.text)


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float, what: str) -> None:
    """Poll ``check`` until it returns True (fail with ``what`` after the deadline)."""
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        await asyncio.sleep(0.5)


PipelineFactory = Callable[..., Awaitable[Pipeline]]


@pytest.fixture
async def pipeline_factory(kafka_bootstrap: str, es_url: str) -> AsyncIterator[PipelineFactory]:
    """Start pipelines (one replica of each service) with unique names; stop all their processes after."""
    made: list[Pipeline] = []
    dirs: list[Path] = []

    async def make(partitions: int = 12, **extra_env: str) -> Pipeline:
        name = f"e2e-{uuid.uuid4().hex[:10]}"
        run_dir = Path(tempfile.mkdtemp(prefix=f"newsflow-{name}-"))
        dirs.append(run_dir)
        config = PipelineConfig(
            run_dir=run_dir,
            kafka_bootstrap=kafka_bootstrap,
            es_url=es_url,
            raw_topic=f"{name}.raw",
            enriched_topic=f"{name}.enriched",
            dlq_topic=f"{name}.dlq",
            partitions=partitions,
            alias=f"{name}-articles",
            enrichment_group=f"{name}-enrichment",
            indexer_group=f"{name}-indexer",
            extra_env=dict(extra_env),
        )
        local = LocalPipeline(config)
        pipeline = Pipeline(
            local=local,
            es=AsyncElasticsearch(es_url),
            http=httpx.AsyncClient(trust_env=False),
            api_key=local.api_key(SOURCE),
        )
        made.append(pipeline)
        for service in ("indexer", "enrichment", "ingest"):
            pipeline.start(service)
        await local.wait_ready()
        return pipeline

    yield make
    for pipeline in made:
        pipeline.local.stop_all()
        await pipeline.es.close()
        await pipeline.http.aclose()
        alive = [pid for pid in pipeline.started if _alive(pid)]
        assert not alive, f"processes left running: {alive}"
    if not os.environ.get("NEWSFLOW_TEST_KEEP_STACK"):  # keep the services' logs on request
        for run_dir in dirs:
            shutil.rmtree(run_dir, ignore_errors=True)


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        return ") Z " not in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
