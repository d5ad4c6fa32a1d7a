"""``make compose-check``: the compose stack end to end, with timings.

    python scripts/compose_check.py [--start-engine] [--offline-images] [--keep]

1. ``docker compose build`` (the four targets of services/Dockerfile); image sizes.
2. API keys for the seed sources (``newsflow.local.run.dev_keys``) into a temp keys file, mounted as
   the ingest secret.
3. ``docker compose up -d --wait``: time until every service is healthy (init completed).
4. The first half of ``seeds/`` pushed through ingest's HTTP API; wait until searchable.
5. ``--scale enrichment=3`` while the second half is pushed (rebalances in flight); wait until every
   seed id is searchable: exactly the expected ids, nothing lost, nothing extra; entities present.
6. ``docker compose down -v`` (always; ``--keep`` skips it).

Runs as its own compose project (``newsflow-check``) on free host ports, so it does not touch a
``docker compose up`` of the default project. ``--offline-images`` first runs
``scripts/offline-images.sh`` (stand-in base/infrastructure images, for machines without a registry);
``--start-engine`` lets it start dockerd when none answers, and a dockerd started that way is stopped
again at the end (by its recorded pid; an engine that was already running is never touched).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from newsflow.index.client import make_async_es
from newsflow.local.run import dev_keys, load_seeds, push_seeds, wait_searchable
from newsflow.models import RawArticle
from newsflow.settings import ElasticsearchSettings

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "newsflow-check"
IMAGES = ("newsflow/ingest:dev", "newsflow/enrichment:dev", "newsflow/indexer:dev", "newsflow/init:dev")
PIDFILE = Path(os.environ.get("NEWSFLOW_DOCKERD_PIDFILE", "/var/lib/newsflow-images/dockerd.pid"))
#: Share of the seed documents that must carry at least one entity (most seeds name people/places).
MIN_ENTITY_SHARE = 0.5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _engine_answers() -> bool:
    probe = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


def compose(*args: str, env: dict[str, str], timeout: float = 1800) -> None:
    """``docker compose -p newsflow-check ARGS`` in the repo root; raises on failure."""
    cmd = ["docker", "compose", "-p", PROJECT, "-f", str(ROOT / "docker-compose.yml"), *args]
    print(f"$ {' '.join(cmd[2:])}", flush=True)
    subprocess.run(cmd, cwd=ROOT, env=env, timeout=timeout, check=True)


@contextlib.contextmanager
def timed(label: str, timings: dict[str, float]) -> Iterator[None]:
    t0 = time.monotonic()
    yield
    timings[label] = time.monotonic() - t0
    print(f"== {label}: {timings[label]:.1f} s", flush=True)


def image_sizes() -> dict[str, int]:
    """Bytes per image, as `docker image inspect` reports them (uncompressed)."""
    sizes: dict[str, int] = {}
    for image in IMAGES:
        out = subprocess.run(
            ["docker", "image", "inspect", "--format", "{{.Size}}", image],
            capture_output=True,
            text=True,
            check=True,
        )
        sizes[image] = int(out.stdout.strip())
    return sizes


async def entity_share(settings: ElasticsearchSettings, ids: set[str]) -> tuple[int, int]:
    """(documents among ``ids`` with at least one entity, documents among ``ids``)."""
    es = make_async_es(settings)
    try:
        ids_query = {"ids": {"values": sorted(ids)}}
        total = (await es.count(index=settings.alias, query=ids_query))["count"]
        with_entities = (
            await es.count(
                index=settings.alias,
                query={
                    "bool": {
                        "filter": [ids_query],
                        "must": [{"exists": {"field": "entities.name"}}],
                    }
                },
            )
        )["count"]
        return int(with_entities), int(total)
    finally:
        await es.close()


async def top_entities(settings: ElasticsearchSettings, size: int = 8) -> list[tuple[str, int]]:
    """The most frequent entity names over the index (what a reader would facet on)."""
    es = make_async_es(settings)
    try:
        result = await es.search(
            index=settings.alias, size=0, aggs={"names": {"terms": {"field": "entity_names", "size": size}}}
        )
        return [(b["key"], b["doc_count"]) for b in result["aggregations"]["names"]["buckets"]]
    finally:
        await es.close()


async def total_documents(settings: ElasticsearchSettings) -> int:
    es = make_async_es(settings)
    try:
        await es.indices.refresh(index=settings.alias)
        return int((await es.count(index=settings.alias))["count"])
    finally:
        await es.close()


async def push(url: str, articles: list[RawArticle], keys: dict[str, str]) -> int:
    async with httpx.AsyncClient() as client:
        return await push_seeds(client, url, articles, keys)


def check(env: dict[str, str], timings: dict[str, float], workdir: Path) -> None:
    articles, errors = load_seeds(ROOT / "seeds")
    if errors:
        raise SystemExit(f"unreadable seeds: {errors}")
    keys = dev_keys(workdir, {a.source for a in articles})
    (workdir / "api-keys.json").chmod(0o644)  # the ingest container runs as uid 10001
    env["NEWSFLOW_INGEST_API_KEYS_FILE_HOST"] = str(workdir / "api-keys.json")
    ingest_url = f"http://127.0.0.1:{env['NEWSFLOW_INGEST_HOST_PORT']}"
    settings = ElasticsearchSettings(url=f"http://127.0.0.1:{env['NEWSFLOW_ES_HOST_PORT']}")

    with timed("up --wait (all healthy, init done)", timings):
        compose("up", "-d", "--wait", "--wait-timeout", "600", env=env)

    half = len(articles) // 2
    first, second = articles[:half], articles[half:]
    first_ids = {a.id for a in first if not a.deleted}
    with timed(f"first {len(first)} seed records pushed and searchable (1 enrichment)", timings):
        accepted = asyncio.run(push(ingest_url, first, keys))
        print(f"  accepted {accepted}/{len(first)}")
        asyncio.run(wait_searchable(settings, first_ids))

    all_ids = {a.id for a in articles if not a.deleted}
    with timed(f"scale enrichment=3 while pushing {len(second)} more; all searchable", timings):
        scale = subprocess.Popen(
            [
                "docker", "compose", "-p", PROJECT, "-f", str(ROOT / "docker-compose.yml"),
                "up", "-d", "--wait", "--wait-timeout", "600", "--scale", "enrichment=3",
            ],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        accepted = asyncio.run(push(ingest_url, second, keys))
        print(f"  accepted {accepted}/{len(second)}")
        if scale.wait(timeout=900) != 0:
            raise SystemExit("docker compose up --scale enrichment=3 failed")
        asyncio.run(wait_searchable(settings, all_ids))

    running = subprocess.run(
        ["docker", "compose", "-p", PROJECT, "ps", "--status", "running", "-q", "enrichment"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    total = asyncio.run(total_documents(settings))
    with_entities, found = asyncio.run(entity_share(settings, all_ids))
    print(f"== enrichment containers running: {len(running)}")
    print(f"== documents: {total} in the index, {found}/{len(all_ids)} seed ids searchable")
    print(f"== with at least one entity: {with_entities}/{found}")
    print(f"== top entities: {asyncio.run(top_entities(settings))}")
    problems = []
    if len(running) != 3:
        problems.append(f"{len(running)} enrichment containers run, not 3")
    if found != len(all_ids) or total != len(all_ids):
        problems.append(
            f"lost or extra documents: {found} seed ids and {total} documents, want {len(all_ids)}"
        )
    if with_entities < MIN_ENTITY_SHARE * len(all_ids):
        problems.append(f"only {with_entities}/{len(all_ids)} documents have entities")
    if problems:
        raise SystemExit("compose-check FAILED: " + "; ".join(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--start-engine", action="store_true", help="start dockerd if none answers")
    parser.add_argument("--offline-images", action="store_true", help="run scripts/offline-images.sh first")
    parser.add_argument("--keep", action="store_true", help="leave the stack running (no down -v)")
    args = parser.parse_args(argv)

    timings: dict[str, float] = {}
    started_engine: int | None = None
    t0 = time.monotonic()
    if not _engine_answers() and not args.start_engine:
        print("no Docker engine answers (pass --start-engine, or start one)", file=sys.stderr)
        return 2
    if args.offline_images or args.start_engine:
        was_up = _engine_answers()
        helper = [str(ROOT / "scripts" / "offline-images.sh")]
        helper += ["--start-engine"] if args.start_engine else []
        helper += ["all"] if args.offline_images else ["--no-images"]
        with timed("offline images (existing ones kept)", timings):
            subprocess.run(helper, check=True)
        if not was_up and PIDFILE.exists():
            started_engine = int(PIDFILE.read_text().strip())

    env = {
        **os.environ,
        "NEWSFLOW_INGEST_HOST_PORT": str(_free_port()),
        "NEWSFLOW_ES_HOST_PORT": str(_free_port()),
        "NEWSFLOW_KAFKA_HOST_PORT": str(_free_port()),
    }
    try:
        with timed("build (docker compose build)", timings):
            compose("build", env=env)
        sizes = image_sizes()
        for image, size in sizes.items():
            print(f"== image {image}: {size / 1e6:.0f} MB")
        with tempfile.TemporaryDirectory(prefix="newsflow-compose-check-") as tmp:
            workdir = Path(tmp)
            workdir.chmod(0o755)
            try:
                check(env, timings, workdir)
            except BaseException:
                print("== compose-check failed; the last log lines of each service:", flush=True)
                compose("logs", "--no-color", "--tail", "40", env=env, timeout=120)
                raise
            finally:
                if not args.keep:
                    with timed("down -v", timings):
                        compose("down", "-v", "--remove-orphans", env=env, timeout=300)
    finally:
        if started_engine is not None:
            print(f"stopping the dockerd this run started (pid {started_engine})")
            with contextlib.suppress(ProcessLookupError):
                os.kill(started_engine, signal.SIGTERM)
    print("\n== compose-check passed. Timings:")
    for label, seconds in timings.items():
        print(f"  {seconds:7.1f} s  {label}")
    print(f"  {time.monotonic() - t0:7.1f} s  total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
