"""Run the three services as local processes against a given Kafka and Elasticsearch.

Used by ``newsflow run``, the end-to-end and fault tests, and the benchmarks: each instance has its
own run dir, topic names, index alias and consumer groups, so several can share one broker and node.
Replicas are named ``<service>-<n>``; each gets its own port.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from newsflow.ingest.keys import create_api_key
from newsflow.local import processes as procs

SERVICES = ("ingest", "enrichment", "indexer")
_PORT_VARS = {
    "ingest": ("NEWSFLOW_INGEST_HOST", "NEWSFLOW_INGEST_PORT"),
    "enrichment": ("NEWSFLOW_ENRICH_WEB_HOST", "NEWSFLOW_ENRICH_WEB_PORT"),
    "indexer": ("NEWSFLOW_INDEXER_HTTP_HOST", "NEWSFLOW_INDEXER_HTTP_PORT"),
}


@dataclass
class PipelineConfig:
    """Where one pipeline instance connects and what it names its topics, index and groups."""

    run_dir: Path
    kafka_bootstrap: str
    es_url: str
    raw_topic: str = "news.articles.raw"
    enriched_topic: str = "news.articles.enriched"
    dlq_topic: str = "news.articles.dlq"
    partitions: int = 12
    alias: str = "news-articles"
    enrichment_group: str = "newsflow-enrichment"
    indexer_group: str = "newsflow-indexer"
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """The environment shared by every service of this instance."""
        return {
            "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "NEWSFLOW_ES_URL": self.es_url,
            "NEWSFLOW_ES_ALIAS": self.alias,
            "NEWSFLOW_TOPIC_RAW": self.raw_topic,
            "NEWSFLOW_TOPIC_ENRICHED": self.enriched_topic,
            "NEWSFLOW_TOPIC_DLQ": self.dlq_topic,
            "NEWSFLOW_TOPIC_PARTITIONS": str(self.partitions),
            "NEWSFLOW_ENRICH_GROUP_ID": self.enrichment_group,
            "NEWSFLOW_INDEXER_GROUP_ID": self.indexer_group,
            "NEWSFLOW_INGEST_API_KEYS_FILE": str(self.run_dir / "api-keys.json"),
            "NEWSFLOW_ENRICH_DATA_DIR": str(self.run_dir / "enrichment-data"),
            "NEWSFLOW_LOG_FORMAT": "json",
            **self.extra_env,
        }


class LocalPipeline:
    """Start, stop, kill and probe the service processes of one pipeline instance."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.urls: dict[str, str] = {}
        config.run_dir.mkdir(parents=True, exist_ok=True)

    def api_key(self, source: str) -> str:
        """A fresh ingest API key allowed to write ``source`` (picked up by ingest within seconds)."""
        return create_api_key(self.config.run_dir / "api-keys.json", source)

    def start(self, service: str, replica: int = 0, port: int | None = None, **env: str) -> str:
        """Start one replica of ``service``; return its base URL (health, readiness, metrics)."""
        name = f"{service}-{replica}"
        if procs.running(self.config.run_dir, name):
            if port is None and name not in self.urls:
                raise RuntimeError(f"{name} already runs on a port this caller does not know")
            if port is not None:
                self.urls[name] = f"http://127.0.0.1:{port}"
            return self.urls[name]
        host_var, port_var = _PORT_VARS[service]
        port = port or procs.free_port()
        service_env = {**self.config.env(), host_var: "127.0.0.1", port_var: str(port), **env}
        if service == "enrichment":
            service_env["NEWSFLOW_ENRICH_DATA_DIR"] = str(self.config.run_dir / f"enrichment-data-{replica}")
        procs.start(self.config.run_dir, name, [sys.executable, "-m", f"services.{service}"], service_env)
        self.urls[name] = f"http://127.0.0.1:{port}"
        return self.urls[name]

    def start_all(self) -> dict[str, str]:
        """One replica of each service."""
        return {service: self.start(service) for service in SERVICES}

    def stop(self, service: str, replica: int = 0, grace_s: float = 30.0) -> bool:
        """SIGTERM one replica and wait for it to exit (SIGKILL after ``grace_s``)."""
        return procs.stop(self.config.run_dir, f"{service}-{replica}", grace_s=grace_s)

    def kill(self, service: str, replica: int = 0) -> bool:
        """SIGKILL one replica (a crash), and wait until it is gone."""
        name = f"{service}-{replica}"
        record = procs.running(self.config.run_dir, name)
        if record is None:
            return False
        procs.signal_process(record, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while procs.is_ours(record) and time.monotonic() < deadline:
            procs.reap(record.pid)
            time.sleep(0.05)
        return True

    def stop_all(self) -> None:
        """Stop every replica this instance started (ingest last, so nothing is cut off upstream)."""
        procs.stop_all(self.config.run_dir)

    def url(self, service: str, replica: int = 0) -> str:
        """Base URL of a replica."""
        return self.urls[f"{service}-{replica}"]

    def log_file(self, service: str, replica: int = 0) -> Path:
        """Where a replica writes its (JSON) log."""
        return self.config.run_dir / "logs" / f"{service}-{replica}.log"

    async def wait_ready(self, *names: str, timeout_s: float = 240.0) -> None:
        """Wait until the named replicas (default: all started) answer /readyz with 200."""
        await wait_ready({n: self.urls[n] for n in (names or tuple(self.urls))}, timeout_s)


async def wait_ready(
    urls: dict[str, str], timeout_s: float, on_ready: Callable[[str, str], None] | None = None
) -> None:
    """Poll each ``name: base URL``'s /readyz until it answers 200, calling ``on_ready(name, url)``
    for each; raise TimeoutError naming who is not ready after ``timeout_s``."""
    pending = dict(urls)
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=2.0) as client:
        while pending:
            for name, url in list(pending.items()):
                try:
                    if (await client.get(f"{url}/readyz")).status_code == 200:
                        del pending[name]
                        if on_ready is not None:
                            on_ready(name, url)
                except httpx.HTTPError:
                    pass
            if not pending:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"not ready after {timeout_s:.0f}s: {', '.join(sorted(pending))} (see the logs)"
                )
            await asyncio.sleep(0.3)
