"""``make bench``: the whole pipeline against its physical limit, in one table.

Brings up a local Kafka + Elasticsearch (or uses the ones given), then measures on the seed corpus
(shared/newsflow/local/corpus.py, realistic articles of ~370 words):

1. raw spaCy ``nlp.pipe`` (NER only) words/s and articles/s: the ceiling;
2. the enrichment function (``Enricher.enrich_batch``, one core, no Kafka) and one enrichment worker
   via Kafka, as ratios of the ceiling;
3. ingest accepted articles/s (single and batch endpoint);
4. the indexer's docs/s vs a plain ``async_bulk`` of the same enriched documents;
5. end to end (ingest → Kafka → enrichment → Kafka → indexer → Elasticsearch, services as
   processes): articles/s from the first POST until all N are searchable, with 1 and 2 enrichment
   replicas; then latency p50/p95/p99 from each single POST to the article being searchable, at 50%
   of the 1-replica capacity (paced sender, search polled by id every 100 ms);
6. peak RSS of every service process (VmRSS/VmHWM sampled every 0.5 s);
7. (phase ``cluster``) end to end again, 1 enrichment replica, on a local cluster of three brokers
   (topics RF 3, min ISR 2, every producer acks=all and idempotent) and three Elasticsearch nodes
   (one replica per shard): its throughput beside the single node's (goal ≥ 0.8 ×).

Every figure carries the 1-minute load average at the time it was taken. Writes
bench/results/latest.json (``--quick``: bench/results/quick.json) and, on a full run, replaces the
"latest run" section of docs/benchmarks.md.

    .venv/bin/python bench/run_all.py [--quick] [--bootstrap HOST:PORT --es-url URL] [--no-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import bench_enrichment as bench_enr
import bench_indexer as bench_idx
import bench_ingest as bench_ing
import common
import httpx
import orjson

from newsflow.enrich.settings import EnrichmentSettings
from newsflow.index.client import make_async_es
from newsflow.ingest.contract import scoped_id
from newsflow.kafka import ensure_topics
from newsflow.local import processes as procs
from newsflow.local.pipeline import LocalPipeline, PipelineConfig
from newsflow.local.stack import cluster, start_stack, stop_stack
from newsflow.models import EnrichedArticle, Enrichment
from newsflow.settings import ElasticsearchSettings, KafkaSettings, TopicSettings

RESULTS = common.ROOT / "bench" / "results"
DOCS = common.ROOT / "docs" / "benchmarks.md"
MARK_START = "<!-- bench:latest:start -->"
MARK_END = "<!-- bench:latest:end -->"
JSON_HEADERS = {"content-type": "application/json"}
WARM_ARTICLES = 16


@dataclass(frozen=True)
class Plan:
    """How much work each measurement gets."""

    nlp_articles: int
    repeat: int
    worker_articles: int
    ingest_single: int
    ingest_batches: int
    ingest_batch_size: int
    indexer_docs: int
    e2e_articles: int
    latency_articles: int
    latency_load: float = 0.5


QUICK = Plan(120, 1, 120, 600, 10, 100, 1000, 150, 40)
FULL = Plan(400, 2, 400, 3000, 40, 200, 20000, 800, 200)


@dataclass
class Env:
    """Where the measurements run."""

    kafka_bootstrap: str
    es_url: str
    run_dir: Path
    service_env: dict[str, str] = field(default_factory=dict)  # e.g. tuning experiments
    stack_pids: dict[str, int] = field(default_factory=dict)  # Kafka / ES processes, for the CPU profile
    warm_articles: int = WARM_ARTICLES  # through the pipeline before the end-to-end clock starts


def log_step(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')} load {common.load():.2f}] {message}\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------------
# 1-2. NLP ceiling, the enrichment function, one worker via Kafka
# ---------------------------------------------------------------------------------------------------


def measure_nlp(plan: Plan) -> tuple[dict[str, Any], list[EnrichedArticle]]:
    """(a) raw spaCy and (b) the enrichment function on the same chunks of articles, alternated chunk
    by chunk (``bench_enrichment.bench_paired``), ``plan.repeat`` rounds; each one's best kept."""
    articles = common.corpus(plan.nlp_articles, "nlp")
    raws = [a.raw for a in articles]
    words = sum(a.words for a in articles) / len(articles)
    settings = EnrichmentSettings()
    kept: list[object] = []
    load_before = common.load()
    rounds = bench_enr.bench_paired(raws, settings, rounds=plan.repeat, keep=kept)
    spacy_rate = max(len(raws) / r.a_wall for r in rounds)
    function_rate = max(len(raws) / r.b_wall for r in rounds)
    spacy_cpu = [r.a_cpu for r in rounds]
    function_cpu = [r.b_cpu for r in rounds]
    enriched = [
        EnrichedArticle(article=raw, enrichment=result)
        for raw, result in zip(raws, kept, strict=True)
        if isinstance(result, Enrichment)
    ]
    return {
        "articles": len(articles),
        "words_per_article": round(words, 1),
        "spacy_articles_per_s": round(spacy_rate, 2),
        "spacy_words_per_s": round(spacy_rate * words),
        "function_articles_per_s": round(function_rate, 2),
        "function_words_per_s": round(function_rate * words),
        "function_to_spacy": round(function_rate / spacy_rate, 3),
        # CPU time per article: much less sensitive to other work on the machine than wall time
        "spacy_cpu_ms_per_article": round(1000 * min(spacy_cpu) / len(raws), 1),
        "function_cpu_ms_per_article": round(1000 * min(function_cpu) / len(raws), 1),
        # each round's function / ceiling, by wall time and by CPU time (same chunks, same minutes)
        "rounds": [
            {"wall": round(r.a_wall / r.b_wall, 3), "cpu": round(r.a_cpu / r.b_cpu, 3)} for r in rounds
        ],
        "settings": {
            "model": settings.spacy_model,
            "batch_size": settings.batch_size,
            "nlp_batch_size": settings.nlp_batch_size,
        },
        "load": [load_before, common.load()],
    }, enriched


def measure_worker(env: Env, plan: Plan) -> dict[str, Any]:
    """(c) one enrichment worker process consuming a preloaded topic (rate from output timestamps)."""
    raws = [a.raw for a in common.corpus(plan.worker_articles, "worker")]
    load_before = common.load()
    full, window = bench_enr.bench_workers(raws, env.kafka_bootstrap, 1, timeout=900)
    return {
        "articles": len(raws),
        "articles_per_s": round(full, 2),
        "window_10_90_articles_per_s": round(window, 2),
        "load": [load_before, common.load()],
    }


def enrich_docs(articles: Sequence[common.BenchArticle]) -> list[EnrichedArticle]:
    """Enriched documents for the indexer measurement when the NLP phase did not run."""
    from newsflow.enrich.pipeline import Enricher

    results = Enricher.load().enrich_batch([a.raw for a in articles])
    return [
        EnrichedArticle(article=a.raw, enrichment=r)
        for a, r in zip(articles, results, strict=True)
        if isinstance(r, Enrichment)
    ]


# ---------------------------------------------------------------------------------------------------
# 3. ingest
# ---------------------------------------------------------------------------------------------------


def _pipeline(env: Env, name: str, partitions: int = 12) -> tuple[LocalPipeline, TopicSettings]:
    """A pipeline instance with its own topics, alias and groups (services get ``env.service_env``)."""
    isr = env.service_env.get("NEWSFLOW_TOPIC_MIN_INSYNC_REPLICAS")
    topics = TopicSettings(
        raw=f"{name}.raw",
        enriched=f"{name}.enriched",
        dlq=f"{name}.dlq",
        partitions=partitions,
        replication_factor=int(env.service_env.get("NEWSFLOW_TOPIC_REPLICATION_FACTOR", "1")),
        min_insync_replicas=int(isr) if isr else None,
    )
    config = PipelineConfig(
        run_dir=env.run_dir / name,
        kafka_bootstrap=env.kafka_bootstrap,
        es_url=env.es_url,
        raw_topic=topics.raw,
        enriched_topic=topics.enriched,
        dlq_topic=topics.dlq,
        partitions=partitions,
        alias=f"{name}-articles",
        enrichment_group=f"{name}-enrichment",
        indexer_group=f"{name}-indexer",
        extra_env=dict(env.service_env),
    )
    return LocalPipeline(config), topics


def _pids(pipeline: LocalPipeline) -> dict[str, int]:
    pids = {}
    for name in pipeline.urls:
        record = procs.running(pipeline.config.run_dir, name)
        if record is not None:
            pids[name] = record.pid
    return pids


def _payloads(articles: Sequence[common.BenchArticle], count: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            **articles[i % len(articles)].payload,
            "id": f"{prefix}-{i:06d}",
            "url": f"https://b.example/{prefix}/{i}",
        }
        for i in range(count)
    ]


async def measure_ingest(env: Env, plan: Plan, articles: Sequence[common.BenchArticle]) -> dict[str, Any]:
    """The ingest service alone (a process) publishing to a fresh raw topic."""
    name = f"bi-{uuid.uuid4().hex[:6]}"
    pipeline, topics = _pipeline(env, name)
    await ensure_topics(KafkaSettings(bootstrap_servers=env.kafka_bootstrap), topics)
    key = pipeline.api_key(common.BENCH_SOURCE)
    try:
        url = pipeline.start("ingest")
        await pipeline.wait_ready(timeout_s=120)
        sampler = common.ProcessSampler(_pids(pipeline))
        sampler.start()
        headers = {"Authorization": f"Bearer {key}"}
        await bench_ing.drive(url, headers, "/v1/articles", _payloads(articles, 200, f"{name}w"), 32, 1)
        load_single = common.load()
        single = await bench_ing.drive(
            url, headers, "/v1/articles", _payloads(articles, plan.ingest_single, f"{name}s"), 32, 1
        )
        load_batch = common.load()
        batches = [
            {"articles": _payloads(articles, plan.ingest_batch_size, f"{name}b{b}")}
            for b in range(plan.ingest_batches)
        ]
        batch = await bench_ing.drive(url, headers, "/v1/articles/batch", batches, 4, plan.ingest_batch_size)
        await sampler.stop()
    finally:
        pipeline.stop_all()
    return {
        "single": {**asdict(single), "concurrency": 32, "load": load_single},
        "batch": {**asdict(batch), "concurrency": 4, "load": load_batch},
        "peak_rss_mib": sampler.peak_mib(),
    }


# ---------------------------------------------------------------------------------------------------
# 4. indexer vs plain bulk
# ---------------------------------------------------------------------------------------------------


def _replicate(enriched: Sequence[EnrichedArticle], count: int) -> list[EnrichedArticle]:
    out = []
    for i in range(count):
        source = enriched[i % len(enriched)]
        article = source.article.model_copy(update={"id": f"idx-{i:07d}"})
        out.append(source.model_copy(update={"article": article}))
    return out


async def measure_indexer(env: Env, plan: Plan, enriched: Sequence[EnrichedArticle]) -> dict[str, Any]:
    """bench/bench_indexer.py's two measurements on the enriched seed corpus."""
    docs = _replicate(enriched, plan.indexer_docs)
    # A fresh node is still compiling its hot paths (JIT): warm it up first, then measure the ceiling
    # before and after the indexer and keep the faster one (the stricter comparison).
    await bench_idx.bench_ceiling(env.es_url, docs[:2000], 1000)
    load_before = common.load()
    first = await bench_idx.bench_ceiling(env.es_url, docs, 1000)
    load_mid = common.load()
    indexer = await bench_idx.bench_indexer(env.kafka_bootstrap, env.es_url, docs, 1000)
    second = await bench_idx.bench_ceiling(env.es_url, docs, 1000)
    ceiling = max(first, second, key=lambda c: float(c["docs_per_s"]))
    service = await measure_indexer_process(env, docs)
    size = sum(len(d.model_dump_json()) for d in docs[:200]) / min(200, len(docs))
    steady = indexer["steady_docs_per_s"]
    if not steady or steady != steady:  # everything came in the first batch: only the wall rate exists
        steady = indexer["wall_docs_per_s"]
    return {
        "docs": len(docs),
        "avg_record_bytes": round(size),
        "bulk_docs_per_s": round(ceiling["docs_per_s"], 1),
        "indexer_docs_per_s": round(steady, 1),
        "indexer_wall_docs_per_s": round(indexer["wall_docs_per_s"], 1),
        "ratio": round(steady / ceiling["docs_per_s"], 3),
        "service_process": service,
        "load": [load_before, load_mid, common.load()],
    }


_DOCS_METRIC = re.compile(r'^newsflow_indexer_docs_total\{outcome="[a-z]+"\} ([0-9.e+]+)$', re.MULTILINE)


async def _settled_docs(client: httpx.AsyncClient) -> int:
    """Documents the indexer service has settled so far (sum over outcomes), from its /metrics."""
    response = await client.get("/metrics")
    return int(sum(float(v) for v in _DOCS_METRIC.findall(response.text)))


async def measure_indexer_process(env: Env, docs: Sequence[EnrichedArticle]) -> dict[str, Any]:
    """The same documents through the indexer *service process* (``python -m services.indexer``).

    The documents are on the topic before the process starts; its ``/metrics`` counter of settled
    documents is polled every 20 ms, and the steady rate is taken from the first to the last count.
    """
    name = f"bix-{uuid.uuid4().hex[:6]}"
    pipeline, topics = _pipeline(env, name, partitions=3)
    await bench_idx.produce_enriched(KafkaSettings(bootstrap_servers=env.kafka_bootstrap), topics, list(docs))
    es = make_async_es(ElasticsearchSettings(url=env.es_url, alias=pipeline.config.alias))
    try:
        url = pipeline.start("indexer", NEWSFLOW_INDEXER_ANALYZER="auto")
        pid = _pids(pipeline)["indexer-0"]
        cpu_before = common.cpu_seconds(pid)
        first: tuple[float, int] | None = None
        last: tuple[float, int] = (time.perf_counter(), 0)
        deadline = time.monotonic() + 300
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            while last[1] < len(docs):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"indexer service settled {last[1]} of {len(docs)} documents")
                try:
                    settled = await _settled_docs(client)
                except httpx.HTTPError:
                    settled = 0  # not serving yet
                now = time.perf_counter()
                if settled and first is None:
                    first = (now, settled)
                last = (now, settled)
                await asyncio.sleep(0.02)
        cpu = common.cpu_seconds(pid) - cpu_before
        assert first is not None
        steady = (last[1] - first[1]) / (last[0] - first[0]) if last[0] > first[0] else float("nan")
        return {
            "docs": len(docs),
            "steady_docs_per_s": round(steady, 1),
            "cpu_us_per_doc": round(1e6 * cpu / len(docs), 1),
        }
    finally:
        pipeline.stop_all()
        await es.indices.delete(index=f"{pipeline.config.alias}-v*", ignore_unavailable=True)
        await es.indices.delete_index_template(name=f"{pipeline.config.alias}-template")
        await es.close()


# ---------------------------------------------------------------------------------------------------
# 5-6. end to end, latency, memory
# ---------------------------------------------------------------------------------------------------


async def _count(es: Any, alias: str) -> int:
    try:
        return int((await es.count(index=alias))["count"])
    except Exception:  # the alias may not answer yet
        return 0


async def _post_all(url: str, key: str, payloads: list[dict[str, Any]], chunk: int, concurrency: int) -> int:
    batches = [{"articles": payloads[i : i + chunk]} for i in range(0, len(payloads), chunk)]
    result = await bench_ing.drive(
        url, {"Authorization": f"Bearer {key}"}, "/v1/articles/batch", batches, concurrency, chunk
    )
    if result.errors:
        raise RuntimeError(f"ingest refused {result.errors} batch requests")
    return result.articles


async def _wait_count(
    es: Any, alias: str, target: int, limit_s: float, step_s: float = 0.2
) -> list[tuple[float, int]]:
    """Poll the alias's document count (searchable documents only) until ``target``; the timeline."""
    timeline: list[tuple[float, int]] = []
    end = time.monotonic() + limit_s
    while True:
        count = await _count(es, alias)
        timeline.append((time.perf_counter(), count))
        if count >= target:
            return timeline
        if time.monotonic() > end:
            raise TimeoutError(f"only {count} of {target} documents searchable after {limit_s:.0f}s")
        await asyncio.sleep(step_s)


def _crossing(timeline: list[tuple[float, int]], level: float) -> float:
    for moment, count in timeline:
        if count >= level:
            return moment
    return timeline[-1][0]


async def _latency(
    url: str, key: str, es: Any, alias: str, payloads: list[dict[str, Any]], rate: float
) -> dict[str, Any]:
    """Paced single POSTs (open loop) at ``rate``/s; per article: POST start → visible in search."""
    sent: dict[str, float] = {}
    acked: dict[str, float] = {}
    seen: dict[str, float] = {}
    errors = 0
    done_sending = asyncio.Event()

    async def post_one(client: httpx.AsyncClient, payload: dict[str, Any]) -> None:
        nonlocal errors
        started = time.perf_counter()
        article_id = scoped_id(common.BENCH_SOURCE, payload["id"])  # the id ingest gives the article
        sent[article_id] = started
        response = await client.post("/v1/articles", content=orjson.dumps(payload), headers=JSON_HEADERS)
        acked[article_id] = time.perf_counter()
        if response.status_code != 202:
            errors += 1

    async def sender() -> None:
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as client:
            start = time.perf_counter()
            tasks = []
            for i, payload in enumerate(payloads):
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(post_one(client, payload)))
            await asyncio.gather(*tasks)
        done_sending.set()

    async def poller() -> None:
        end = time.monotonic() + 120 + len(payloads) / rate
        while len(seen) < len(payloads) and time.monotonic() < end:
            pending = [i for i in sent if i not in seen]
            if pending:
                response = await es.search(
                    index=alias, query={"ids": {"values": pending}}, size=len(pending), source=False
                )
                now = time.perf_counter()
                for hit in response["hits"]["hits"]:
                    seen.setdefault(hit["_id"], now)
            await asyncio.sleep(0.1)

    load_before = common.load()
    await asyncio.gather(sender(), poller())
    latencies = [seen[i] - sent[i] for i in seen]
    after_ack = [seen[i] - acked[i] for i in seen if i in acked]
    accept = [acked[i] - sent[i] for i in acked]
    return {
        "articles": len(payloads),
        "rate_per_s": round(rate, 2),
        "visible": len(seen),
        "errors": errors,
        "p50_s": round(common.percentile(latencies, 0.50), 3),
        "p95_s": round(common.percentile(latencies, 0.95), 3),
        "p99_s": round(common.percentile(latencies, 0.99), 3),
        "max_s": round(max(latencies, default=0.0), 3),
        "p50_after_202_s": round(common.percentile(after_ack, 0.50), 3),
        "p50_post_s": round(common.percentile(accept, 0.50), 4),
        "load": [load_before, common.load()],
    }


async def measure_e2e(
    env: Env,
    articles: Sequence[common.BenchArticle],
    replicas: int,
    count: int,
    latency: tuple[int, float] | None = None,
) -> dict[str, Any]:
    """Everything as processes; N articles from the first POST until all are searchable.

    ``latency`` = (articles, fraction): afterwards, the latency of that many single POSTs paced at
    that fraction of the throughput just measured.
    """
    name = f"be{replicas}-{uuid.uuid4().hex[:6]}"
    pipeline, topics = _pipeline(env, name)
    kafka = KafkaSettings(bootstrap_servers=env.kafka_bootstrap)
    await ensure_topics(kafka, topics)
    key = pipeline.api_key(common.BENCH_SOURCE)
    alias = pipeline.config.alias
    es = make_async_es(ElasticsearchSettings(url=env.es_url, alias=alias))
    result: dict[str, Any] = {"replicas": replicas, "articles": count}
    try:
        url = pipeline.start("ingest")
        for replica in range(replicas):
            pipeline.start("enrichment", replica)
        pipeline.start("indexer")
        await pipeline.wait_ready(timeout_s=300)
        sampler = common.ProcessSampler(_pids(pipeline))
        sampler.start()
        # Warm-up: the first records through each stage (model caches, connections, assignments).
        warm = env.warm_articles
        await _post_all(url, key, _payloads(articles, warm, f"{name}-warm"), min(warm, 50), 1)
        await _wait_count(es, alias, warm, 300 + warm)
        payloads = _payloads(articles, count, f"{name}-run")
        load_before = common.load()
        cpu_before = {n: common.cpu_seconds(p) for n, p in sampler.pids.items()}
        profile = common.CpuProfile({**sampler.pids, **env.stack_pids, "bench": os.getpid()})
        profile.start()
        started = time.perf_counter()
        post_task = asyncio.create_task(_post_all(url, key, payloads, 50, 4))
        timeline = await _wait_count(es, alias, warm + count, 120 + count * 2)
        accepted_at = time.perf_counter()
        await post_task
        finished = timeline[-1][0]
        result["cpu_profile"] = profile.stop()
        cpu = {n: round(common.cpu_seconds(p) - cpu_before[n], 1) for n, p in sampler.pids.items()}
        t10 = _crossing(timeline, warm + 0.1 * count)
        t90 = _crossing(timeline, warm + 0.9 * count)
        result.update(
            {
                "seconds": round(finished - started, 2),
                "articles_per_s": round(count / (finished - started), 2),
                # only meaningful when the window spans many 1 s refreshes
                "window_10_90_articles_per_s": round(0.8 * count / (t90 - t10), 2)
                if t90 - t10 >= 10
                else None,
                "cpu_seconds": cpu,
                "cpu_ms_per_article": {n: round(1000 * c / count, 1) for n, c in cpu.items()},
                "load": [load_before, common.load()],
                "all_accepted_s": round(accepted_at - started, 2),
            }
        )
        if latency is not None:
            n_latency, fraction = latency
            rate = fraction * result["articles_per_s"]
            log_step(f"e2e latency: {n_latency} articles at {rate:.1f}/s")
            lat_payloads = _payloads(articles, n_latency, f"{name}-lat")
            result["latency"] = await _latency(url, key, es, alias, lat_payloads, rate)
        await sampler.stop()
        result["peak_rss_mib"] = sampler.peak_mib()
    finally:
        pipeline.stop_all()
        try:
            await es.indices.delete(index=f"{alias}-v*", ignore_unavailable=True)
            await es.indices.delete_index_template(name=f"{alias}-template")
        except Exception:  # cleanup only
            pass
        await es.close()
    return result


def measure_cluster(
    run_dir: Path, single: Env, articles: Sequence[common.BenchArticle], plan: Plan
) -> dict[str, Any]:
    """End to end (1 enrichment replica) on a local 3 + 3 cluster, started here and stopped after."""
    cluster_dir = run_dir / "cluster"
    log_step(f"starting a cluster of 3 brokers + 3 Elasticsearch nodes in {cluster_dir}")
    t0 = time.monotonic()
    endpoints = cluster.start_cluster(cluster_dir, 3, 3, timeout=600)
    started_s = round(time.monotonic() - t0, 1)
    try:
        env = Env(
            endpoints.kafka_bootstrap,
            endpoints.elasticsearch_url,
            run_dir,
            {**cluster.replication_env(3, 3), **single.service_env},  # experiments may override
            {n: node["pid"] for n, node in endpoints.nodes.items() if node["pid"]},
            single.warm_articles,
        )
        result: dict[str, Any] = asyncio.run(measure_e2e(env, articles, 1, plan.e2e_articles))
    finally:
        log_step("stopping the cluster")
        cluster.stop_cluster(cluster_dir)
    result["cluster_start_s"] = started_s
    result["settings"] = cluster.replication_env(3, 3)
    return result


# ---------------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


def _loads(value: Any) -> str:
    if isinstance(value, list):
        return (
            "–".join(f"{v:.1f}" for v in (min(value), max(value)))
            if len(set(value)) > 1
            else f"{value[0]:.1f}"
        )
    return f"{value:.1f}" if isinstance(value, int | float) else ""


def _stack_cpu(e2e: dict[str, Any]) -> tuple[float, float, float]:
    """CPU ms per article of all Kafka and all Elasticsearch processes in an end-to-end run, and the
    cores used by processes outside the run (other work on the machine)."""
    profile = e2e["cpu_profile"]
    kafka = sum(v["cpu_s"] for n, v in profile["processes"].items() if n.startswith("kafka"))
    elastic = sum(v["cpu_s"] for n, v in profile["processes"].items() if n.startswith(("es-", "elastic")))
    per = 1000 / e2e["articles"]
    return kafka * per, elastic * per, profile["untracked_cores"]


def table(results: dict[str, Any]) -> str:
    """The one table (Markdown)."""
    rows: list[tuple[str, str, str, str]] = []
    nlp = results.get("nlp")
    spacy = nlp["spacy_articles_per_s"] if nlp else None
    function = nlp["function_articles_per_s"] if nlp else None
    if nlp:
        rows.append(
            (
                "raw spaCy `nlp.pipe` (NER only, 1 core): **the ceiling**",
                f"{_fmt(nlp['spacy_words_per_s'])} words/s = {_fmt(nlp['spacy_articles_per_s'])} articles/s",
                f"{nlp['words_per_article']:.0f} words/article; "
                f"CPU {nlp['spacy_cpu_ms_per_article']:.0f} ms/article",
                _loads(nlp["load"]),
            )
        )
        rows.append(
            (
                "enrichment function, batch loop (1 core, no Kafka)",
                f"{_fmt(nlp['function_articles_per_s'])} articles/s",
                f"{nlp['function_to_spacy']:.2f} × ceiling (goal ≥ 0.80); by CPU time "
                f"{nlp['spacy_cpu_ms_per_article'] / nlp['function_cpu_ms_per_article']:.2f} "
                f"({nlp['function_cpu_ms_per_article']:.0f} ms/article)",
                _loads(nlp["load"]),
            )
        )
    worker = results.get("worker")
    if worker and spacy and function:
        rate = worker["articles_per_s"]
        rows.append(
            (
                "enrichment worker, 1 process via Kafka",
                f"{_fmt(rate)} articles/s",
                f"{rate / spacy:.2f} × ceiling, {rate / function:.2f} × function",
                _loads(worker["load"]),
            )
        )
    ingest = results.get("ingest")
    if ingest:
        for kind, label in (
            ("single", "1 article/request, 32 concurrent"),
            ("batch", "batch request, 4 concurrent"),
        ):
            r = ingest[kind]
            rows.append(
                (
                    f"ingest accepted ({label})",
                    f"{_fmt(r['articles_per_s'])} articles/s",
                    f"p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms per request",
                    _loads(r["load"]),
                )
            )
    idx = results.get("indexer")
    if idx:
        rows.append(
            (
                f"indexer (Kafka → bulk → commit), {idx['docs']:,} docs "
                f"of ~{idx['avg_record_bytes'] / 1024:.1f} KB",
                f"{_fmt(idx['indexer_docs_per_s'])} docs/s",
                f"{idx['ratio']:.2f} × plain `async_bulk` ({_fmt(idx['bulk_docs_per_s'])} docs/s)",
                _loads(idx["load"]),
            )
        )
        proc = idx.get("service_process")
        if proc:
            rows.append(
                (
                    "indexer as its own service process (`python -m services.indexer`), same docs",
                    f"{_fmt(proc['steady_docs_per_s'])} docs/s",
                    f"{proc['steady_docs_per_s'] / idx['bulk_docs_per_s']:.2f} × plain `async_bulk`; "
                    f"CPU {proc['cpu_us_per_doc']:.0f} µs/doc",
                    _loads(idx["load"]),
                )
            )
    one = results.get("e2e_1")
    for key, label in (("e2e_1", "1 enrichment replica"), ("e2e_2", "2 enrichment replicas")):
        e2e = results.get(key)
        if not e2e or "articles_per_s" not in e2e:
            continue
        rate = e2e["articles_per_s"]
        if key == "e2e_1" and nlp and spacy and function:
            note = f"{rate / function:.2f} × function (goal ≥ 0.8), {rate / spacy:.2f} × ceiling (goal ≥ 0.6)"
            enrich_ms = sum(v for n, v in e2e["cpu_ms_per_article"].items() if n.startswith("enrichment"))
            total_ms = sum(e2e["cpu_ms_per_article"].values())
            note += (
                f"; CPU per article: enrichment worker {enrich_ms:.0f} ms "
                f"(function alone {nlp['function_cpu_ms_per_article']:.0f}, spaCy alone "
                f"{nlp['spacy_cpu_ms_per_article']:.0f}), all 3 services {total_ms:.0f} ms"
            )
        elif one and "articles_per_s" in one:
            note = f"{rate / one['articles_per_s']:.2f} × 1 replica"
        else:
            note = ""
        rows.append(
            (
                f"end to end, POST → searchable, {e2e['articles']} articles, {label}",
                f"{_fmt(rate)} articles/s"
                + (f" (10–90%: {_fmt(window)})" if (window := e2e["window_10_90_articles_per_s"]) else ""),
                note,
                _loads(e2e["load"]),
            )
        )
    on_cluster = results.get("e2e_cluster")
    if on_cluster and "articles_per_s" in on_cluster:
        rate = on_cluster["articles_per_s"]
        ratio = f"{rate / one['articles_per_s']:.2f} × single node (goal ≥ 0.8)" if one else ""
        if one and "cpu_profile" in one and "cpu_profile" in on_cluster:
            before, after = _stack_cpu(one), _stack_cpu(on_cluster)
            ratio += (
                f"; CPU ms/article single → cluster: Kafka {before[0]:.1f} → {after[0]:.1f}, "
                f"Elasticsearch {before[1]:.1f} → {after[1]:.1f}; other work on the machine "
                f"{before[2]:.2f} → {after[2]:.2f} cores"
            )
        rows.append(
            (
                f"end to end on a cluster: 3 brokers (RF 3, min ISR 2, acks=all), 3 ES nodes "
                f"(1 replica), {on_cluster['articles']} articles, 1 enrichment replica",
                f"{_fmt(rate)} articles/s"
                + (f" (10–90%: {_fmt(w)})" if (w := on_cluster["window_10_90_articles_per_s"]) else ""),
                ratio,
                _loads(on_cluster["load"]),
            )
        )
    lat = (one or {}).get("latency")
    if lat:
        rows.append(
            (
                f"latency POST → searchable at {_fmt(lat['rate_per_s'])} articles/s "
                f"(50% of 1-replica capacity), {lat['visible']}/{lat['articles']} articles",
                f"p50 {lat['p50_s']:.2f} s, p95 {lat['p95_s']:.2f} s, p99 {lat['p99_s']:.2f} s",
                "goal p50 ≤ 2 s, p99 ≤ 5 s",
                _loads(lat["load"]),
            )
        )
    rss = results.get("peak_rss_mib") or {}
    if rss:
        # enrichment: issue 12's limit per replica (en_core_web_md measures ~650 MB; en_core_web_sm ~340)
        goals = {"ingest": 200, "enrichment": 900, "indexer": 200}
        parts = [f"{name} {mib:.0f} MB (≤ {goals.get(name, 0)})" for name, mib in rss.items()]
        rows.append(("peak RSS per service process", ", ".join(parts), "", ""))
    for phase, error in results.get("errors", {}).items():
        rows.append((f"{phase}: FAILED", error.splitlines()[-1][:120], "", ""))
    lines = ["| measurement | result | ratio / goal | load |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def peak_rss(results: dict[str, Any]) -> dict[str, float]:
    """Highest RSS seen per service (all replicas, all phases that ran it as a process)."""
    peaks: dict[str, float] = {}
    for phase in ("ingest", "e2e_1", "e2e_2", "e2e_cluster"):
        for name, mib in ((results.get(phase) or {}).get("peak_rss_mib") or {}).items():
            service = name.rsplit("-", 1)[0]
            peaks[service] = max(peaks.get(service, 0.0), mib)
    return dict(sorted(peaks.items(), key=lambda kv: ["ingest", "enrichment", "indexer"].index(kv[0])))


def header(results: dict[str, Any]) -> str:
    m = results["machine"]
    return (
        f"command: `{results['command']}`  \n"
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}; Kafka and Elasticsearch on the same box  \n"
        f"date: {m['date']}; mode: {results['mode']}; "
        f"load average (1 min) at start {results['load_start']:.2f}, "
        f"at end {results['load_end']:.2f}; took {results['seconds']:.0f} s"
    )


def write_docs(results: dict[str, Any], text: str) -> None:
    section = f"### Latest `make bench` run\n\n{header(results)}\n\n{text}\n"
    current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    DOCS.write_text(common.replace_section(current, MARK_START, MARK_END, section), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------------


def _phase(results: dict[str, Any], name: str, fn: Callable[[], Any]) -> Any:
    log_step(f"{name} ...")
    started = time.monotonic()
    try:
        value = fn()
    except Exception as exc:  # keep going: one failed measurement should not hide the others
        results.setdefault("errors", {})[name] = "".join(traceback.format_exception(exc))
        log_step(f"{name} FAILED: {exc!r}")
        return None
    log_step(f"{name} done in {time.monotonic() - started:.0f}s: {json.dumps(value, default=str)[:400]}")
    return value


def _run(coro_fn: Callable[[], Coroutine[Any, Any, Any]]) -> Callable[[], Any]:
    return lambda: asyncio.run(coro_fn())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small N: a smoke check in a few minutes")
    parser.add_argument(
        "--bootstrap", help="use this Kafka (with --es-url) instead of starting a local stack"
    )
    parser.add_argument("--es-url", help="use this Elasticsearch (with --bootstrap)")
    parser.add_argument("--run-dir", type=Path, help="where services and the stack keep logs (default: /tmp)")
    parser.add_argument("--keep-run-dir", action="store_true", help="keep logs and stack data afterwards")
    parser.add_argument("--docs", action=argparse.BooleanOptionalAction, default=None,
                        help="update docs/benchmarks.md (default: on for a full run)")  # fmt: skip
    parser.add_argument(
        "--only",
        help="comma-separated phases: nlp,worker,ingest,indexer,e2e,cluster "
        "(e2e1: only the 1-replica end-to-end throughput, for cluster comparisons)",
    )
    parser.add_argument(
        "--warm-articles",
        type=int,
        default=WARM_ARTICLES,
        help=f"articles through each end-to-end pipeline before its clock starts (default {WARM_ARTICLES})",
    )
    parser.add_argument("--results", type=Path, help="results JSON (default bench/results/latest.json)")
    parser.add_argument(
        "--service-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the service processes (tuning experiments; recorded in the results)",
    )
    args = parser.parse_args(argv)
    if bool(args.bootstrap) != bool(args.es_url):
        parser.error("--bootstrap and --es-url go together")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    plan = QUICK if args.quick else FULL
    phases = set((args.only or "nlp,worker,ingest,indexer,e2e,cluster").split(","))
    started = time.monotonic()
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="newsflow-bench-", dir="/tmp"))
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o755)  # Elasticsearch runs as its own user and must traverse the run dir
    own_stack = not args.bootstrap
    service_env = dict(item.split("=", 1) for item in args.service_env)
    results: dict[str, Any] = {
        "command": " ".join(
            shlex.quote(a) for a in ["bench/run_all.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "mode": "quick" if args.quick else "full",
        "plan": asdict(plan),
        "machine": common.machine(),
        "load_start": common.load(),
        "service_env": service_env,
    }
    ok = False
    try:
        if own_stack:
            log_step(f"starting Kafka + Elasticsearch in {run_dir}/stack")
            endpoints = start_stack(run_dir / "stack")
            stack_pids = {"kafka": endpoints.kafka_pid, "elasticsearch": endpoints.elasticsearch_pid}
            env = Env(
                endpoints.kafka_bootstrap,
                endpoints.elasticsearch_url,
                run_dir,
                service_env,
                {n: p for n, p in stack_pids.items() if p},
                args.warm_articles,
            )
        else:
            env = Env(args.bootstrap, args.es_url, run_dir, service_env, warm_articles=args.warm_articles)
        results["stack"] = {"kafka": env.kafka_bootstrap, "elasticsearch": env.es_url, "own": own_stack}
        articles = common.corpus(max(plan.e2e_articles, 200), "e2e")
        enriched: list[EnrichedArticle] = []
        if "nlp" in phases:
            nlp = _phase(results, "nlp", lambda: measure_nlp(plan))
            if nlp:
                results["nlp"], enriched = nlp
        if "worker" in phases:
            results["worker"] = _phase(results, "worker", lambda: measure_worker(env, plan))
        if "ingest" in phases:
            results["ingest"] = _phase(results, "ingest", _run(lambda: measure_ingest(env, plan, articles)))
        if "indexer" in phases:
            if not enriched:
                enriched = _phase(results, "enrich-docs", lambda: enrich_docs(articles[:100])) or []
            results["indexer"] = _phase(
                results, "indexer", _run(lambda: measure_indexer(env, plan, enriched))
            )
        if "e2e" in phases or "e2e1" in phases:
            latency = (plan.latency_articles, plan.latency_load) if "e2e" in phases else None
            results["e2e_1"] = _phase(
                results, "e2e_1", _run(lambda: measure_e2e(env, articles, 1, plan.e2e_articles, latency))
            )
        if "e2e" in phases:
            results["e2e_2"] = _phase(
                results, "e2e_2", _run(lambda: measure_e2e(env, articles, 2, plan.e2e_articles))
            )
        if "cluster" in phases:
            if own_stack:  # the single node's JVMs would idle beside the cluster on the same cores
                log_step("stopping Kafka + Elasticsearch before the cluster")
                stop_stack(run_dir / "stack")
            results["e2e_cluster"] = _phase(
                results, "e2e_cluster", lambda: measure_cluster(run_dir, env, articles, plan)
            )
        ok = not results.get("errors")
    finally:
        if own_stack:
            log_step("stopping Kafka + Elasticsearch")
            stop_stack(run_dir / "stack")
        if ok and not args.keep_run_dir and not args.run_dir:
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            log_step(f"logs kept in {run_dir}")
    results["peak_rss_mib"] = peak_rss(results)
    results["load_end"] = common.load()
    results["seconds"] = round(time.monotonic() - started, 1)
    text = table(results)
    out = sys.stdout
    out.write(f"\n{header(results)}\n\n{text}\n")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = (args.results or RESULTS / ("quick.json" if args.quick else "latest.json")).resolve()
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    out.write(f"\nresults: {path}\n")
    if args.docs if args.docs is not None else not args.quick:
        write_docs(results, text)
        out.write(f"docs: {DOCS.relative_to(common.ROOT)} updated\n")
    for phase, error in results.get("errors", {}).items():
        sys.stderr.write(f"--- {phase} failed:\n{error}\n")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
