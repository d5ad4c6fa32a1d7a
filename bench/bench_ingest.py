"""Benchmark of the ingest service against a real Kafka broker (a script, not a test).

Starts ``python -m services.ingest`` (uvicorn + uvloop + httptools) as a subprocess on 127.0.0.1,
then drives it with an httpx async client at bounded concurrency, first the single-article endpoint,
then the batch endpoint. Reports accepted articles per second and request latency p50/p99.

    .venv/bin/python bench/bench_ingest.py --bootstrap 127.0.0.1:9092
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from newsflow.ingest.keys import create_api_key

JSON = {"content-type": "application/json"}
BODY = (
    "<p>The city council approved the budget on Tuesday after a long debate about transport.</p>"
    "<p>Officials said the plan would add buses and repair roads over the next three years.</p>"
) * 8


@dataclass
class Result:
    endpoint: str
    requests: int
    articles: int
    seconds: float
    articles_per_s: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def article(i: int, run: str) -> dict[str, Any]:
    return {
        "id": f"bench-{run}-{i}",
        "url": f"https://bench.example.com/{run}/{i}",
        "title": f"Benchmark article {i}",
        "body": BODY,
        "published_at": "2025-01-06T10:00:00Z",
        "revision": 1,
        "tags": ["bench"],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def drive(
    base_url: str, headers: dict[str, str], path: str, payloads: list[Any], concurrency: int, per_request: int
) -> Result:
    """POST every payload with ``concurrency`` workers.

    Each worker has its own httpx client with one keep-alive connection: a single shared
    AsyncClient serialises on its connection-pool lock and measures the client, not the service.
    """
    latencies: list[float] = []
    errors = 0
    queue = iter(payloads)

    async def worker() -> None:
        nonlocal errors
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=60) as client:
            for payload in queue:
                content = orjson.dumps(payload)
                started = time.perf_counter()
                response = await client.post(path, content=content, headers=JSON)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 202:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    ok = len(payloads) - errors
    return Result(
        path,
        len(payloads),
        ok * per_request,
        round(seconds, 2),
        round(ok * per_request / seconds, 1),
        round(len(payloads) / seconds, 1),
        round(statistics.median(latencies) * 1000, 2),
        round(percentile(latencies, 0.99) * 1000, 2),
        errors,
    )


async def run_bench(args: argparse.Namespace, base_url: str, key: str) -> list[Result]:
    run = uuid.uuid4().hex[:8]
    headers = {"Authorization": f"Bearer {key}"}
    warm = [article(i, run + "w") for i in range(200)]
    await drive(base_url, headers, "/v1/articles", warm, args.concurrency, 1)
    single = [article(i, run) for i in range(args.single)]
    one = await drive(base_url, headers, "/v1/articles", single, args.concurrency, 1)
    batches = [
        {"articles": [article(b * args.batch_size + i, run + "b") for i in range(args.batch_size)]}
        for b in range(args.batches)
    ]
    many = await drive(
        base_url, headers, "/v1/articles/batch", batches, args.batch_concurrency, args.batch_size
    )
    return [one, many]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--bootstrap", default=os.environ.get("NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    parser.add_argument("--single", type=int, default=20_000, help="single-article requests")
    parser.add_argument("--batches", type=int, default=200, help="batch requests")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--batch-concurrency", type=int, default=8)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    key = create_api_key(workdir / "keys.json", "bench")
    port = free_port()
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "NEWSFLOW_INGEST_PORT": str(port),
        "NEWSFLOW_INGEST_API_KEYS_FILE": str(workdir / "keys.json"),
        "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": args.bootstrap,
        "NEWSFLOW_TOPIC_RAW": topic,
        "NEWSFLOW_TOPIC_ENRICHED": f"{topic}-e",
        "NEWSFLOW_TOPIC_DLQ": f"{topic}-d",
        "NEWSFLOW_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen([sys.executable, "-m", "services.ingest"], env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.stderr.write("ingest service did not become ready\n")
                return 1
            time.sleep(0.2)
        results = asyncio.run(run_bench(args, base_url, key))
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)
    for r in results:
        sys.stdout.write(
            f"{r.endpoint:22} {r.articles:>8} articles in {r.seconds:>6}s  {r.articles_per_s:>9} articles/s  "
            f"{r.requests_per_s:>8} req/s  p50 {r.p50_ms} ms  p99 {r.p99_ms} ms  errors {r.errors}\n"
        )
    sys.stdout.write(f"service exit code after SIGTERM: {code}\n")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0 if code == 0 and not any(r.errors for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
