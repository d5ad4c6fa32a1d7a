"""The one pipeline harness: whole pipelines (ingest, enrichment and indexer as processes, through
:class:`newsflow.local.pipeline.LocalPipeline`) on the session's broker and node, each with its own
topics, alias and consumer groups, and what a test needs to drive and inspect them.

Used by the end-to-end tests, the fault scenarios and the source-isolation security test: each wraps
:func:`pipeline_factory` in a fixture with its own source name, partitions and environment.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from elasticsearch import AsyncElasticsearch

from newsflow.local import processes as procs
from newsflow.local.pipeline import SERVICES, LocalPipeline, PipelineConfig
from tests.support.kafka import record_count
from tests.support.polling import wait_until

READY_S = 240.0


@dataclass
class Pipeline:
    """A pipeline instance, the API key of its source, and clients to drive and inspect it."""

    lp: LocalPipeline
    source: str
    key: str
    es: AsyncElasticsearch
    http: httpx.AsyncClient
    started: list[int] = field(default_factory=list)  # every pid started through start()

    @property
    def config(self) -> PipelineConfig:
        return self.lp.config

    @property
    def ingest_url(self) -> str:
        return self.lp.url("ingest")

    async def start(self, *services: str, replica: int = 0, **env: str) -> None:
        """Start one replica of each service (default: all three) and wait until they are ready."""
        names = services or SERVICES
        for service in names:
            self.lp.start(service, replica, None, **env)
            # The pid as recorded at the start, not self.pid(): right after exec the kernel may not
            # yet show the new process's environment (its marker), and it would look foreign.
            record = procs.load(self.config.run_dir, f"{service}-{replica}")
            assert record is not None, f"{service}-{replica} was not started"
            self.started.append(record.pid)
        await self.lp.wait_ready(*(f"{s}-{replica}" for s in names), timeout_s=READY_S)

    def pid(self, service: str, replica: int = 0) -> int:
        record = procs.running(self.config.run_dir, f"{service}-{replica}")
        assert record is not None, (
            f"{service}-{replica} is not running (see {self.lp.log_file(service, replica)})"
        )
        return record.pid

    async def push(self, articles: list[dict[str, Any]], traceparent: str | None = None) -> httpx.Response:
        """POST a batch to ingest; the response must be 202."""
        headers = {"Authorization": f"Bearer {self.key}"}
        if traceparent:
            headers["traceparent"] = traceparent
        response = await self.http.post(
            f"{self.ingest_url}/v1/articles/batch",
            json={"articles": articles},
            headers=headers,
            timeout=30.0,
        )
        assert response.status_code == 202, response.text
        return response

    async def indexed_count(self) -> int:
        """Documents behind the alias (0 while it does not exist yet)."""
        with contextlib.suppress(Exception):
            return int((await self.es.count(index=self.config.alias))["count"])
        return 0

    async def wait_count(self, at_least: int, within: float = 180.0) -> int:
        """Wait until the alias counts at least ``at_least`` documents; return the count."""
        seen = 0

        async def enough() -> bool:
            nonlocal seen
            seen = await self.indexed_count()
            return seen >= at_least

        await wait_until(enough, within=within, what=f"{at_least} documents indexed", interval=0.3)
        return seen

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
        docs: dict[str, Any] = {}
        behind: dict[str, int] = dict(expected)

        async def caught_up() -> bool:
            nonlocal docs, behind
            docs = await self.documents(expected)
            behind = {i: r for i, r in expected.items() if docs.get(i, {}).get("revision") != r}
            return not behind

        try:
            await wait_until(caught_up, within=timeout_s, what="every id indexed", interval=0.5)
        except AssertionError:
            sample = dict(list(behind.items())[:5])
            raise AssertionError(
                f"{len(behind)}/{len(expected)} not indexed at their revision: {sample}"
            ) from None
        return docs

    async def dead_letters(self) -> int:
        """How many records the DLQ topic holds."""
        return await record_count(self.config.kafka_bootstrap, self.config.dlq_topic)


@dataclass
class PipelineFactory:
    """Makes pipelines (not started) sharing a base dir; :meth:`close` stops them all."""

    base: Path
    kafka_bootstrap: str
    es_url: str
    source: str
    partitions: int
    extra_env: dict[str, str]
    made: list[Pipeline] = field(default_factory=list)

    def __call__(self, tag: str = "p", *, partitions: int | None = None, **extra_env: str) -> Pipeline:
        name = f"{tag}-{uuid.uuid4().hex[:8]}"
        config = PipelineConfig(
            run_dir=self.base / name,
            kafka_bootstrap=self.kafka_bootstrap,
            es_url=self.es_url,
            raw_topic=f"{name}.raw",
            enriched_topic=f"{name}.enriched",
            dlq_topic=f"{name}.dlq",
            partitions=partitions or self.partitions,
            alias=f"{name}-articles",
            enrichment_group=f"{name}-enrichment",
            indexer_group=f"{name}-indexer",
            extra_env={**self.extra_env, **extra_env},
        )
        lp = LocalPipeline(config)
        pipeline = Pipeline(
            lp=lp,
            source=self.source,
            key=lp.api_key(self.source),
            es=AsyncElasticsearch(self.es_url.split(","), request_timeout=30),
            http=httpx.AsyncClient(trust_env=False),
        )
        self.made.append(pipeline)
        return pipeline

    async def close(self) -> None:
        """Stop every process of every pipeline, close the clients; fail if a process survived."""
        for pipeline in self.made:
            pipeline.lp.stop_all()
        for pipeline in self.made:
            await pipeline.es.close()
            await pipeline.http.aclose()
        alive = [pid for p in self.made for pid in p.started if _alive(pid)]
        assert not alive, f"processes left running: {alive}"


@contextlib.asynccontextmanager
async def pipeline_factory(
    request: pytest.FixtureRequest,
    kafka_bootstrap: str,
    es_url: str,
    *,
    source: str,
    partitions: int = 12,
    **extra_env: str,
) -> AsyncIterator[PipelineFactory]:
    """A :class:`PipelineFactory` for the block. The services' logs are kept (and their dir printed)
    when a test failed or ``NEWSFLOW_TEST_KEEP_STACK`` is set."""
    base = Path(tempfile.mkdtemp(prefix=f"newsflow-{source}-"))
    factory = PipelineFactory(base, kafka_bootstrap, es_url, source, partitions, dict(extra_env))
    try:
        yield factory
    finally:
        await factory.close()
        if request.session.testsfailed == 0 and not os.environ.get("NEWSFLOW_TEST_KEEP_STACK"):
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"\npipeline logs kept in {base}")


#: ``await make(partitions=..., **env)``: a started, ready pipeline (the end-to-end tests' fixture).
StartedPipelines = Callable[..., Awaitable[Pipeline]]


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        return ") Z " not in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
