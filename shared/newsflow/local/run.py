"""What ``newsflow run`` / ``newsflow stop`` do: the whole pipeline on one machine, for demos and development.

``run`` starts the local Kafka + Elasticsearch stack, creates topics and the index, starts ingest,
enrichment and indexer as background processes (logs and pids under the run dir), pushes ``seeds/``
through the ingest HTTP API, waits until every seed is searchable and prints a short report.
Running it again reuses whatever is already up. ``stop`` ends exactly what ``run`` started.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from newsflow.index.design import create_index
from newsflow.ingest.backfill import read_paths
from newsflow.ingest.contract import publisher_id
from newsflow.ingest.keys import create_api_key
from newsflow.kafka import ensure_topics
from newsflow.local import processes as procs
from newsflow.local.pipeline import SERVICES, LocalPipeline, PipelineConfig, wait_ready
from newsflow.local.stack import StackEndpoints, cluster, start_stack, stop_stack
from newsflow.models import RawArticle
from newsflow.settings import ElasticsearchSettings, KafkaSettings, TopicSettings

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 240.0
SEARCHABLE_TIMEOUT_S = 300.0


def stop_all(run_dir: Path) -> dict[str, bool]:
    """Stop the services (SIGTERM, then SIGKILL after their grace period) and the stack; return
    whether each service was running."""
    stopped = procs.stop_all(run_dir, grace_s=30.0)
    if cluster.is_cluster(run_dir / "stack"):
        cluster.stop_cluster(run_dir / "stack")
    else:
        stop_stack(run_dir / "stack")
    (run_dir / "run.json").unlink(missing_ok=True)
    return stopped


def _ports(run_dir: Path) -> dict[str, int]:
    path = run_dir / "ports.json"
    if path.exists():
        stored: dict[str, int] = json.loads(path.read_text(encoding="utf-8"))
        return stored
    ports = dict(zip(SERVICES, procs.free_ports(len(SERVICES)), strict=True))
    run_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ports), encoding="utf-8")
    return ports


def dev_keys(run_dir: Path, sources: set[str]) -> dict[str, str]:
    """One API key per seed source, kept in plain text only in the (git-ignored) run dir, mode 0600."""
    plain_path = run_dir / "dev-api-keys.json"
    keys: dict[str, str] = json.loads(plain_path.read_text(encoding="utf-8")) if plain_path.exists() else {}
    for source in sorted(sources - keys.keys()):
        keys[source] = create_api_key(run_dir / "api-keys.json", source)
    plain_path.write_text(json.dumps(keys, indent=2), encoding="utf-8")
    plain_path.chmod(0o600)
    return keys


def load_seeds(seeds: Path) -> tuple[list[RawArticle], list[str]]:
    """Every seed record (all revisions), and the errors of those that could not be read."""
    paths = sorted(p for p in seeds.iterdir() if p.suffix in (".json", ".jsonl", ".txt"))
    articles: list[RawArticle] = []
    errors: list[str] = []
    for record in read_paths(paths, source="seed-archive"):
        if record.article is not None:
            articles.append(record.article)
        else:
            errors.append(f"{record.file}:{record.line}: {record.error}")
    return articles, errors


async def push_seeds(
    client: httpx.AsyncClient, ingest_url: str, articles: list[RawArticle], keys: dict[str, str]
) -> int:
    """POST the seeds to the batch endpoint, one request per source and chunk; return accepted count.

    The seeds were read with their ids already scoped (``<source>:<id>``); each is sent with its
    publisher id and ingest scopes it again to the same id, so the report can look them up.
    """
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for article in articles:
        data = article.model_dump(mode="json", exclude={"schema_version", "ingested_at", "deleted"})
        data["id"] = publisher_id(article.source, article.id)
        by_source[article.source].append(data)
    accepted = 0
    for source, items in by_source.items():
        for start in range(0, len(items), 200):
            chunk = items[start : start + 200]
            response = await client.post(
                f"{ingest_url}/v1/articles/batch",
                json={"articles": chunk},
                headers={"Authorization": f"Bearer {keys[source]}"},
                timeout=60.0,
            )
            if response.status_code >= 300:
                detail = f"{response.status_code} {response.text[:500]}"
                raise RuntimeError(f"ingest refused the {source} seeds: {detail}")
            results = response.json().get("results", [])
            accepted += sum(1 for r in results if r.get("status") == "accepted")
    return accepted


async def run_all(run_dir: Path, seeds: Path, brokers: int = 1, es_nodes: int = 1) -> int:
    """Bring everything up, push the seeds, wait until searchable, print the report. More than one
    broker or node: a local cluster (:mod:`newsflow.local.stack.cluster`) and replicated topics and
    index (:func:`~newsflow.local.stack.cluster.replication_env`)."""
    started = time.monotonic()
    env: dict[str, str] = {}
    stack: StackEndpoints
    if brokers > 1 or es_nodes > 1 or cluster.is_cluster(run_dir / "stack"):
        print(f"== newsflow: starting a cluster of {brokers} Kafka brokers + {es_nodes} Elasticsearch nodes")
        stack = cluster.start_cluster(run_dir / "stack", brokers=brokers, es_nodes=es_nodes)
        env = cluster.replication_env(brokers, es_nodes)
    else:
        print("== newsflow: starting Kafka + Elasticsearch (local processes)")
        stack = start_stack(run_dir / "stack")
    print(f"  kafka {stack.kafka_bootstrap}   elasticsearch {stack.elasticsearch_url}")
    kafka = KafkaSettings(bootstrap_servers=stack.kafka_bootstrap)
    topic_settings = TopicSettings(
        replication_factor=int(env.get("NEWSFLOW_TOPIC_REPLICATION_FACTOR", "1")),
        min_insync_replicas=int(env["NEWSFLOW_TOPIC_MIN_INSYNC_REPLICAS"])
        if "NEWSFLOW_TOPIC_MIN_INSYNC_REPLICAS" in env
        else None,
    )
    es_settings = ElasticsearchSettings(
        url=stack.elasticsearch_url,
        replicas=int(env.get("NEWSFLOW_ES_REPLICAS", "0")),
        shards=int(env.get("NEWSFLOW_ES_SHARDS", "1")),
    )
    await ensure_topics(kafka, topic_settings)
    index_name = await create_index(es_settings)
    print(f"  topics ready; alias {es_settings.alias} -> {index_name}")

    articles, errors = load_seeds(seeds)
    keys = dev_keys(run_dir, {a.source for a in articles})
    ports = _ports(run_dir)
    pipeline = LocalPipeline(
        PipelineConfig(run_dir, stack.kafka_bootstrap, stack.elasticsearch_url, extra_env=env)
    )
    print("== starting services")
    for name in SERVICES:
        if procs.running(run_dir, f"{name}-0"):
            print(f"  {name} already running")
        pipeline.start(name, 0, port=ports[name])
    urls = {name: pipeline.url(name) for name in SERVICES}
    write_status(run_dir, stack.kafka_bootstrap, stack.elasticsearch_url, es_settings.alias, urls)

    await wait_ready(urls, READY_TIMEOUT_S, on_ready=lambda name, url: print(f"  {name} ready ({url})"))
    async with httpx.AsyncClient() as client:
        print(f"== ingesting {len(articles)} seed records from {seeds}")
        for error in errors:
            print(f"  skipped {error}")
        accepted = await push_seeds(client, urls["ingest"], articles, keys)
        print(f"  accepted {accepted}/{len(articles)}")
    expected = {a.id for a in articles if not a.deleted}
    await wait_searchable(es_settings, expected)
    print(await report(es_settings, run_dir, len(expected), time.monotonic() - started))
    return 0


async def wait_searchable(settings: ElasticsearchSettings, ids: set[str]) -> None:
    """Wait until every id is a searchable document through the alias (deadline-bounded)."""
    from newsflow.index.client import make_async_es

    es = make_async_es(settings)
    deadline = time.monotonic() + SEARCHABLE_TIMEOUT_S
    last = -1
    try:
        while True:
            await es.indices.refresh(index=settings.alias)
            found = (await es.count(index=settings.alias, query={"ids": {"values": sorted(ids)}}))["count"]
            if found != last:
                print(f"  searchable {found}/{len(ids)}", flush=True)
                last = found
            if found >= len(ids):
                return
            if time.monotonic() > deadline:
                limit = SEARCHABLE_TIMEOUT_S
                raise TimeoutError(f"only {found}/{len(ids)} seeds searchable after {limit:.0f}s")
            await asyncio.sleep(1.0)
    finally:
        await es.close()


async def report(settings: ElasticsearchSettings, run_dir: Path, expected: int, elapsed: float) -> str:
    """The closing report: counts, top entities and topics, one example search."""
    from newsflow.index.client import make_async_es
    from newsflow.index.search import SearchQuery, search_async

    es = make_async_es(settings)
    try:
        overview = await search_async(es, settings.alias, SearchQuery(size=0, facet_size=8))
        example = await search_async(
            es, settings.alias, SearchQuery(text="Xi Jinping phone call", size=3, facet_size=0)
        )
        dlq_note = ""
    finally:
        await es.close()
    lines = [
        "",
        f"== newsflow is running ({elapsed:.0f}s)",
        f"articles indexed: {overview.total} (seeds expected: {expected})",
    ]
    facets = {
        "people": "entities.person",
        "organisations": "entities.organization",
        "places": "entities.place",
        "topics": "topics",
        "sources": "sources",
        "languages": "languages",
    }
    for title, facet in facets.items():
        buckets = overview.facets.get(facet) or []
        if buckets:
            lines.append(f"top {title}: " + ", ".join(f"{b.value} ({b.count})" for b in buckets[:8]))
    lines.append('example search "Xi Jinping phone call":')
    for hit in example.hits:
        people = ", ".join(hit.entities.get("person", [])[:4])
        lines.append(f"  - {hit.title}  [{hit.source}] topics={','.join(hit.topics[:2])} people={people}")
    lines += [
        f"logs: {run_dir}/logs/   status: newsflow status --json   search: newsflow search 'TikTok ban'",
        f"dev API keys (per source): {run_dir}/dev-api-keys.json{dlq_note}",
        "stop everything: make stop",
    ]
    return "\n".join(lines)


def write_status(run_dir: Path, kafka: str, es_url: str, alias: str, urls: dict[str, str]) -> None:
    """Record where everything listens, for ``newsflow status``."""
    data = {"kafka_bootstrap": kafka, "elasticsearch_url": es_url, "alias": alias, "services": urls}
    (run_dir / "run.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
