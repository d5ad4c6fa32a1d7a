"""Profile each service process under load with py-spy (sampling, from outside the process).

Starts one pipeline (ingest, one enrichment worker, indexer) as processes, like ``make bench``,
then:

* ingest: single-article POSTs (32 concurrent) for ``--seconds`` while py-spy samples the process;
* enrichment and indexer: a backlog of ``--articles`` articles pushed at full speed, sampled for
  ``--seconds`` while they drain.

For every service it writes ``bench/results/profile-<service>.svg`` (flame graph) and
``profile-<service>.txt`` (collapsed stacks, loadable in speedscope), and prints (and writes to
``profile-summary.txt``) where the on-CPU samples go: by library (NLP, serialisation, Kafka client,
Elasticsearch client, HTTP server, event loop, newsflow, ...) and the top functions by own time.

    .venv/bin/python bench/profile_services.py [--bootstrap HOST:PORT --es-url URL] [--seconds 25]

Needs ``py-spy`` (pip install py-spy) and permission to ptrace the services (root, or
kernel.yama.ptrace_scope=0).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import bench_ingest as bench_ing
import common
import run_all

from newsflow.index.client import make_async_es
from newsflow.kafka import ensure_topics
from newsflow.local.stack import start_stack, stop_stack
from newsflow.settings import ElasticsearchSettings, KafkaSettings

OUT = common.ROOT / "bench" / "results"

#: Where a leaf frame's file lives → what it is (first match wins).
CATEGORIES = (
    ("spacy/", "NLP (spaCy/thinc)"),
    ("thinc/", "NLP (spaCy/thinc)"),
    ("numpy/", "numpy"),
    ("sklearn/", "topics (scikit-learn)"),
    ("newsflow/enrich/topics_iptc", "topics (newsflow)"),
    ("py3langid/", "language id"),
    ("langid", "language id"),
    ("orjson", "serialisation"),
    ("json/", "serialisation"),
    ("pydantic", "serialisation (pydantic)"),
    ("newsflow/serde", "serialisation"),
    ("aiokafka/", "Kafka client"),
    ("kafka/", "Kafka client"),
    ("cramjam", "compression"),
    ("lz4", "compression"),
    ("faust/", "faust"),
    ("mode/", "faust"),
    ("elasticsearch/", "Elasticsearch client"),
    ("elastic_transport/", "Elasticsearch client"),
    ("aiohttp/", "HTTP (aiohttp)"),
    ("urllib3/", "HTTP client"),
    ("uvicorn/", "HTTP server"),
    ("starlette/", "HTTP server"),
    ("fastapi/", "HTTP server"),
    ("httptools", "HTTP server"),
    ("prometheus_client/", "metrics"),
    ("logging/", "logging"),
    ("newsflow/logs", "logging"),
    ("asyncio/", "event loop"),
    ("uvloop", "event loop"),
    ("concurrent/", "threads"),
    ("threading", "threads"),
    ("selectors", "event loop"),
    ("newsflow/", "newsflow (own code)"),
    ("services/", "newsflow (own code)"),
)


def category(frame: str) -> str:
    """The library a py-spy frame ``function (path:line)`` belongs to."""
    for needle, name in CATEGORIES:
        if needle in frame:
            return name
    return "other"


def summarise(collapsed: Path, top: int = 12) -> str:
    """On-CPU samples by library (of the leaf frame) and the top functions by own samples."""
    by_category: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        leaf = stack.split(";")[-1]
        total += count
        by_category[category(leaf)] += count
        function = leaf.split(" (")[0]
        where = leaf.split(" (")[-1].rstrip(")").rsplit(":", 1)[0]
        by_function[f"{function} ({'/'.join(Path(where).parts[-2:])})"] += count
    if not total:
        return "  no samples\n"
    lines = [f"  {total} samples; by library (leaf frame):"]
    lines += [f"    {n / total:6.1%}  {name}" for name, n in by_category.most_common(top)]
    lines.append("  top functions (own time):")
    lines += [f"    {n / total:6.1%}  {name}" for name, n in by_function.most_common(top)]
    return "\n".join(lines) + "\n"


def record(pid: int, seconds: float, name: str) -> list[subprocess.Popen[bytes]]:
    """Two non-blocking py-spy samplers on ``pid``: a flame graph and collapsed stacks."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    common_args = [
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "67",
        "--nonblocking",
    ]
    return [
        subprocess.Popen(
            [py_spy, *common_args, "--format", fmt, "--output", str(OUT / f"profile-{name}.{suffix}")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for fmt, suffix in (("flamegraph", "svg"), ("raw", "txt"))
    ]


def finish(samplers: list[subprocess.Popen[bytes]]) -> None:
    for proc in samplers:
        _, err = proc.communicate(timeout=120)
        if proc.returncode:
            sys.stderr.write(f"py-spy failed: {err.decode(errors='replace')[-500:]}\n")


async def profile(env: run_all.Env, seconds: float, count: int) -> str:
    articles = common.corpus(max(count, 200), "prof")
    name = f"bp-{uuid.uuid4().hex[:6]}"
    pipeline, topics = run_all._pipeline(env, name)
    await ensure_topics(KafkaSettings(bootstrap_servers=env.kafka_bootstrap), topics)
    key = pipeline.api_key(common.BENCH_SOURCE)
    alias = pipeline.config.alias
    es = make_async_es(ElasticsearchSettings(url=env.es_url, alias=alias))
    report = []
    try:
        url = pipeline.start("ingest")
        pipeline.start("enrichment")
        pipeline.start("indexer")
        await pipeline.wait_ready(timeout_s=300)
        pids = run_all._pids(pipeline)
        warm = run_all._payloads(articles, run_all.WARM_ARTICLES, f"{name}-warm")
        await run_all._post_all(url, key, warm, run_all.WARM_ARTICLES, 1)
        await run_all._wait_count(es, alias, run_all.WARM_ARTICLES, 300)

        # enrichment + indexer: drain a backlog
        payloads = run_all._payloads(articles, count, f"{name}-run")
        await run_all._post_all(url, key, payloads, 50, 4)
        load = common.load()
        samplers = record(pids["enrichment-0"], seconds, "enrichment") + record(
            pids["indexer-0"], seconds, "indexer"
        )
        await asyncio.get_running_loop().run_in_executor(None, finish, samplers)
        report.append(f"enrichment + indexer: draining a backlog of {count} articles, load {load:.1f}")
        for service in ("enrichment", "indexer"):
            report.append(f"{service}:\n" + summarise(OUT / f"profile-{service}.txt"))
        await run_all._wait_count(es, alias, run_all.WARM_ARTICLES + count, 120 + 3 * count)

        # ingest: single POSTs at 32 concurrent for the whole sampling window
        load = common.load()
        samplers = record(pids["ingest-0"], seconds, "ingest")
        single = run_all._payloads(articles, int(seconds * 400), f"{name}-single")
        headers = {"Authorization": f"Bearer {key}"}
        drive = asyncio.create_task(bench_ing.drive(url, headers, "/v1/articles", single, 32, 1))
        await asyncio.get_running_loop().run_in_executor(None, finish, samplers)
        drive.cancel()
        report.append(f"ingest: single-article POSTs, 32 concurrent, load {load:.1f}")
        report.append("ingest:\n" + summarise(OUT / "profile-ingest.txt"))
    finally:
        pipeline.stop_all()
        try:
            await es.indices.delete(index=f"{alias}-v*", ignore_unavailable=True)
            await es.indices.delete_index_template(name=f"{alias}-template")
        except Exception:  # cleanup only
            pass
        await es.close()
    return "\n".join(report)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bootstrap")
    parser.add_argument("--es-url")
    parser.add_argument("--seconds", type=float, default=25.0, help="sampling window per service")
    parser.add_argument("--articles", type=int, default=600, help="backlog for enrichment + indexer")
    parser.add_argument(
        "--service-env", action="append", default=[], metavar="KEY=VALUE", help="extra service environment"
    )
    parser.add_argument("--keep-run-dir", action="store_true", help="keep service logs and stack data")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="newsflow-profile-", dir="/tmp"))
    run_dir.chmod(0o755)
    service_env = dict(item.split("=", 1) for item in args.service_env)
    own_stack = not args.bootstrap
    try:
        if own_stack:
            endpoints = start_stack(run_dir / "stack")
            env = run_all.Env(endpoints.kafka_bootstrap, endpoints.elasticsearch_url, run_dir, service_env)
        else:
            env = run_all.Env(args.bootstrap, args.es_url, run_dir, service_env)
        started = time.strftime("%Y-%m-%d %H:%M")
        text = asyncio.run(profile(env, args.seconds, args.articles))
    finally:
        if own_stack:
            stop_stack(run_dir / "stack")
    if not args.keep_run_dir:
        shutil.rmtree(run_dir, ignore_errors=True)
    m = common.machine()
    summary = (
        f"py-spy profiles, {started}, {m['nproc']} CPUs ({m['cpu']}), on-CPU samples only\n"
        f"command: bench/profile_services.py {' '.join(sys.argv[1:])}\n\n{text}\n"
    )
    (OUT / "profile-summary.txt").write_text(summary, encoding="utf-8")
    sys.stdout.write(summary)
    sys.stdout.write(f"flame graphs: {OUT}/profile-<service>.svg\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
