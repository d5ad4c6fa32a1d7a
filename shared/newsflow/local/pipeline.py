"""Run the three services as local processes against a given Kafka and Elasticsearch.

Used by ``newsflow run``, the end-to-end and fault tests, and the benchmarks: each instance has its
own run dir, topic names, index alias and consumer groups, so several can share one broker and node.
Replicas are named ``<service>-<n>``; each gets its own port. The run dir keeps the config
(``pipeline.json``) and every replica's address (``services.json``), so another process (``newsflow
scale``, ``newsflow status``) can open the same pipeline and add or remove replicas.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from newsflow.ingest.keys import create_api_key
from newsflow.local import processes as procs

SERVICES = ("ingest", "enrichment", "indexer")
#: Services whose replicas share the work through a consumer group (ingest would need a balancer).
SCALABLE = ("enrichment", "indexer")
CONFIG_FILE = "pipeline.json"
URLS_FILE = "services.json"
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

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "run_dir": str(self.run_dir)}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> PipelineConfig:
        data = json.loads(text)
        return cls(**{**data, "run_dir": Path(data["run_dir"])})


@dataclass(frozen=True)
class ScaleChange:
    """What :meth:`LocalPipeline.scale` did: replicas started and stopped, and those now running."""

    service: str
    started: list[str]
    stopped: list[str]
    running: list[str]


class LocalPipeline:
    """Start, stop, kill and probe the service processes of one pipeline instance."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        config.run_dir.mkdir(parents=True, exist_ok=True)
        recorded = config.run_dir / CONFIG_FILE
        recorded.write_text(config.to_json(), encoding="utf-8")
        recorded.chmod(0o600)  # extra_env may carry settings an operator keeps private
        self.urls: dict[str, str] = recorded_urls(config.run_dir)

    @classmethod
    def open(cls, run_dir: Path) -> LocalPipeline:
        """The pipeline whose config a previous start recorded in ``run_dir``."""
        path = run_dir / CONFIG_FILE
        if not path.exists():
            raise FileNotFoundError(f"no pipeline was started in {run_dir} (no {CONFIG_FILE})")
        return cls(PipelineConfig.from_json(path.read_text(encoding="utf-8")))

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
        self._save_urls()
        return self.urls[name]

    def replicas(self, service: str) -> list[int]:
        """Numbers of the running replicas of ``service``, ascending."""
        found = []
        for path in (self.config.run_dir / "pids").glob(f"{service}-*.json"):
            number = path.stem.removeprefix(f"{service}-")
            if number.isdigit() and procs.running(self.config.run_dir, path.stem):
                found.append(int(number))
        return sorted(found)

    def scale(self, service: str, count: int, grace_s: float = 30.0) -> ScaleChange:
        """Run exactly ``count`` replicas of ``service`` (numbers 0..count-1): start the missing
        ones, SIGTERM the ones above (all at once, each within ``grace_s``); the others are left
        alone. Does not wait for readiness (see :meth:`wait_ready`)."""
        if service not in SCALABLE:
            raise ValueError(f"only {' and '.join(SCALABLE)} scale (not {service!r})")
        if not 0 <= count <= self.config.partitions:
            raise ValueError(
                f"{service} replicas must be 0..{self.config.partitions} (the topic's partitions)"
            )
        running = self.replicas(service)
        extra = [n for n in running if n >= count]
        with ThreadPoolExecutor(max_workers=max(1, len(extra))) as pool:
            list(pool.map(lambda n: self.stop(service, n, grace_s), extra))
        missing = [n for n in range(count) if n not in running]
        for n in missing:
            self.start(service, n)
        return ScaleChange(
            service,
            started=[f"{service}-{n}" for n in missing],
            stopped=[f"{service}-{n}" for n in extra],
            running=[f"{service}-{n}" for n in self.replicas(service)],
        )

    def _save_urls(self) -> None:
        (self.config.run_dir / URLS_FILE).write_text(json.dumps(self.urls, indent=2), encoding="utf-8")

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


def recorded_urls(run_dir: Path) -> dict[str, str]:
    """Replica name -> base URL, as recorded by the starts in ``run_dir``."""
    path = run_dir / URLS_FILE
    if not path.exists():
        return {}
    urls: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return urls


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
