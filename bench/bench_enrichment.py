"""Enrichment throughput, same texts, same machine:

(a) raw spaCy ``nlp.pipe`` with only NER; (b) our enrichment function in a plain batch loop;
(c) one worker process consuming from Kafka; (d) two workers in one group.
Goals: (b) >= 0.80 x (a) (issue 12); (c) >= 0.9 x (b); (d) >= 1.6 x (c).

    .venv/bin/python bench/bench_enrichment.py --articles 600 --bootstrap 127.0.0.1:9092

Without ``--bootstrap`` (or NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS) only (a) and (b) run. Worker rates
are measured from the enriched records' Kafka timestamps (first to last output; also the steady
10%-90% window), so process start-up and model loading are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))
sys.path.insert(0, str(ROOT))

from newsflow.enrich.nlp import load_nlp  # noqa: E402
from newsflow.enrich.pipeline import Enricher  # noqa: E402
from newsflow.enrich.settings import EnrichmentSettings  # noqa: E402
from newsflow.kafka import ensure_topics, make_consumer, make_producer  # noqa: E402
from newsflow.models import RawArticle  # noqa: E402
from newsflow.serde import encode  # noqa: E402
from newsflow.settings import KafkaSettings, TopicSettings  # noqa: E402

PEOPLE = [
    ("Donald Trump", "Trump"),
    ("Xi Jinping", "Xi"),
    ("Angela Merkel", "Merkel"),
    ("Emmanuel Macron", "Macron"),
    ("Olaf Scholz", "Scholz"),
    ("Narendra Modi", "Modi"),
    ("Rishi Sunak", "Sunak"),
    ("Giorgia Meloni", "Meloni"),
    ("Justin Trudeau", "Trudeau"),
    ("Lula da Silva", "Lula"),
    ("Fumio Kishida", "Kishida"),
    ("Pedro Sanchez", "Sanchez"),
]
PLACES = [
    "China",
    "Germany",
    "France",
    "India",
    "Brazil",
    "Japan",
    "Canada",
    "Italy",
    "Spain",
    "Mexico",
    "Kenya",
]
ORGS = [
    "TikTok",
    "ByteDance",
    "Siemens",
    "Airbus",
    "Petrobras",
    "Toyota",
    "Reuters",
    "the World Bank",
    "NATO",
]


def seed_texts() -> tuple[str, str]:
    """The seed article (seeds/ JSON, else tests/data, else the shared seed folder)."""
    for path in sorted((ROOT / "seeds").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        item = data[0] if isinstance(data, list) and data else data
        if isinstance(item, dict) and item.get("title") and item.get("body"):
            return str(item["title"]), str(item["body"])
    path = ROOT / "tests" / "data" / "trump-xi-phone-call.txt"
    title, body = path.read_text(encoding="utf-8").split("\n", 1)
    return title, body


def corpus(count: int, seed: int = 42) -> list[RawArticle]:
    """``count`` varied articles: the seed with people, places and organisations swapped, paragraphs
    shuffled and trimmed, so every text is different but realistic news prose."""
    title, body = seed_texts()
    rng = random.Random(seed)
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    articles = []
    for i in range(count):
        (full_a, short_a), (full_b, short_b) = rng.sample(PEOPLE, 2)
        place, org = rng.choice(PLACES), rng.choice(ORGS)
        chosen = paragraphs[:1] + rng.sample(paragraphs[1:], k=rng.randint(3, len(paragraphs) - 1))

        def swap(
            text: str,
            full_a: str = full_a,
            short_a: str = short_a,
            full_b: str = full_b,
            short_b: str = short_b,
            place: str = place,
            org: str = org,
        ) -> str:
            return (
                text.replace("Donald Trump", full_a)
                .replace("Trump", short_a)
                .replace("Xi Jinping", full_b)
                .replace("Xi", short_b)
                .replace("China", place)
                .replace("TikTok", org)
            )

        articles.append(
            RawArticle(
                id=f"bench-{i}",
                source="bench",
                url=f"https://example.com/bench/{i}",
                title=swap(title),
                body=swap("\n\n".join(chosen)),
                revision=1,
            )
        )
    return articles


def peak_rss_mb() -> float:
    """``VmHWM`` of this process (Linux), in MB; 0 where /proc is not there."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) / 1024


def bench_a(
    articles: list[RawArticle], settings: EnrichmentSettings, cpu: list[float] | None = None
) -> float:
    """Articles/s of raw ``nlp.pipe`` (NER only); ``cpu`` receives the CPU seconds of the timed loop."""
    nlp = load_nlp(settings.spacy_model)
    texts = [t for a in articles for t in (a.title, a.body)]
    list(nlp.pipe(texts[:20]))  # warm-up
    cpu_started = time.process_time()
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=settings.nlp_batch_size):
        pass
    rate = len(articles) / (time.perf_counter() - started)
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    return rate


def warm_up(articles: list[RawArticle]) -> list[RawArticle]:
    """The first ten articles and the first of every other declared language: enriching them loads
    what loads lazily (the French pipeline on the first French article, the gazetteers), which
    is start-up, not the function's cost per article."""
    firsts = {a.language: a for a in reversed(articles)}
    return articles[:10] + [a for lang, a in firsts.items() if a not in articles[:10]]


def bench_b(
    articles: list[RawArticle],
    settings: EnrichmentSettings,
    keep: list[object] | None = None,
    cpu: list[float] | None = None,
) -> float:
    """Articles/s of ``Enricher.enrich_batch`` in a plain loop; ``keep`` receives the results and
    ``cpu`` the CPU seconds of the timed loop."""
    enricher = Enricher.load(settings)
    enricher.enrich_batch(warm_up(articles))
    cpu_started = time.process_time()
    started = time.perf_counter()
    for i in range(0, len(articles), settings.batch_size):
        results = enricher.enrich_batch(articles[i : i + settings.batch_size])
        if keep is not None:
            keep.extend(results)
    rate = len(articles) / (time.perf_counter() - started)
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    return rate


@dataclass
class PairedRound:
    """One round of :func:`bench_paired`: wall and CPU seconds of (a) and of (b) over all chunks."""

    a_wall: float = 0.0
    a_cpu: float = 0.0
    b_wall: float = 0.0
    b_cpu: float = 0.0


def bench_paired(
    articles: list[RawArticle],
    settings: EnrichmentSettings,
    rounds: int = 2,
    keep: list[object] | None = None,
) -> list[PairedRound]:
    """(a) and (b) on the same chunks of ``batch_size`` articles, alternated chunk by chunk (which of
    the two goes first alternates too), so that other work on a shared machine hits both alike
    within a second or two rather than whichever happened to run during it. Per round the wall and
    CPU seconds of each over all chunks; ``keep`` receives the last round's enrichments."""
    nlp = load_nlp(settings.spacy_model)
    enricher = Enricher.load(settings)
    list(nlp.pipe([t for a in articles[:10] for t in (a.title, a.body)]))  # warm-up
    enricher.enrich_batch(warm_up(articles))
    size = settings.batch_size
    chunks = [articles[i : i + size] for i in range(0, len(articles), size)]
    out = []
    for r in range(max(rounds, 1)):
        result = PairedRound()
        if keep is not None:
            keep.clear()
        for j, chunk in enumerate(chunks):
            texts = [t for a in chunk for t in (a.title, a.body)]
            for side in "ab" if (j + r) % 2 == 0 else "ba":
                cpu_started, started = time.process_time(), time.perf_counter()
                if side == "a":
                    for _ in nlp.pipe(texts, batch_size=settings.nlp_batch_size):
                        pass
                    result.a_wall += time.perf_counter() - started
                    result.a_cpu += time.process_time() - cpu_started
                else:
                    enriched = enricher.enrich_batch(chunk)
                    result.b_wall += time.perf_counter() - started
                    result.b_cpu += time.process_time() - cpu_started
                    if keep is not None:
                        keep.extend(enriched)
        out.append(result)
    return out


async def _preload(kafka: KafkaSettings, topics: TopicSettings, articles: list[RawArticle]) -> None:
    await ensure_topics(kafka, topics)
    producer = make_producer(kafka)
    await producer.start()
    try:
        for article in articles:
            await producer.send(topics.raw, encode(article), key=article.id.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def _output_timestamps(kafka: KafkaSettings, topic: str, count: int, limit_s: float) -> list[float]:
    consumer = make_consumer(kafka, topic, group_id=None)
    await consumer.start()
    seen: dict[bytes, float] = {}
    deadline = time.monotonic() + limit_s
    try:
        while len(seen) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(seen)} of {count} articles enriched in {limit_s}s")
            for messages in (await consumer.getmany(timeout_ms=1000)).values():
                for m in messages:
                    if m.key is not None:
                        seen.setdefault(m.key, m.timestamp / 1000)
    finally:
        await consumer.stop()
    return sorted(seen.values())


def _rates(stamps: list[float]) -> tuple[float, float]:
    # Outputs arrive in bursts, one per batch, and the first burst was computed before stamps[0]:
    # count only what was produced after it, or a short run overstates the rate by a whole batch.
    first_burst = sum(1 for s in stamps if s - stamps[0] < 0.05)
    full = (len(stamps) - first_burst) / max(stamps[-1] - stamps[0], 1e-9)
    lo, hi = int(len(stamps) * 0.1), int(len(stamps) * 0.9)
    window = (hi - lo) / max(stamps[hi] - stamps[lo], 1e-9)
    return full, window


def bench_workers(
    articles: list[RawArticle], bootstrap: str, replicas: int, timeout: float
) -> tuple[float, float]:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    data_dir = Path(tempfile.mkdtemp(prefix=f"{name}-"))  # faust's data dir, removed afterwards
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    topics = TopicSettings(raw=f"{name}.raw", enriched=f"{name}.enriched", dlq=f"{name}.dlq")
    asyncio.run(_preload(kafka, topics, articles))
    env = {
        **os.environ,
        "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "NEWSFLOW_TOPIC_RAW": topics.raw,
        "NEWSFLOW_TOPIC_ENRICHED": topics.enriched,
        "NEWSFLOW_TOPIC_DLQ": topics.dlq,
        "NEWSFLOW_ENRICH_GROUP_ID": f"{name}-group",
        "NEWSFLOW_ENRICH_WEB_PORT": "0",
        "NEWSFLOW_ENRICH_DATA_DIR": str(data_dir),
        "NEWSFLOW_LOG_LEVEL": "WARNING",
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "services.enrichment"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(replicas)
    ]
    try:
        stamps = asyncio.run(_output_timestamps(kafka, topics.enriched, len(articles), timeout))
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
    return _rates(stamps)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--bootstrap", default=os.environ.get("NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of (a) and (b), interleaved; best is kept"
    )
    args = parser.parse_args()
    settings = EnrichmentSettings()
    articles = corpus(args.articles)
    words = sum(len(a.body.split()) for a in articles) / len(articles)
    print(f"command: {' '.join(shlex.quote(a) for a in [sys.executable, *sys.argv])}")
    print(
        f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
        f"corpus: {len(articles)} articles, {words:.0f} words/article"
    )
    print(
        f"settings: model={settings.spacy_model} batch_size={settings.batch_size} "
        f"nlp_batch_size={settings.nlp_batch_size}"
    )
    a = b = 0.0
    a_cpu: list[float] = []
    b_cpu: list[float] = []
    for _ in range(max(args.repeat, 1)):  # interleaved, so background load hits both alike
        a = max(a, bench_a(articles, settings, cpu=a_cpu))
        b = max(b, bench_b(articles, settings, cpu=b_cpu))
    print(f"(a) spaCy nlp.pipe, NER only        : {a:8.1f} articles/s")
    print(f"(b) enrich_batch loop (no Kafka)     : {b:8.1f} articles/s   b/a = {b / a:.2f}  (goal >= 0.80)")
    a_ms, b_ms = 1000 * min(a_cpu) / len(articles), 1000 * min(b_cpu) / len(articles)
    print(
        f"by CPU time (best run): (a) {a_ms:.1f} ms/article, (b) {b_ms:.1f} ms/article, "
        f"ceiling/function = {a_ms / b_ms:.2f}; peak RSS of this process {peak_rss_mb():.0f} MB"
    )
    if not args.bootstrap:
        print("(c), (d) skipped: no --bootstrap")
        return 0
    c_full, c_win = bench_workers(articles, args.bootstrap, 1, args.timeout)
    print(
        f"(c) one worker via Kafka             : {c_full:8.1f} articles/s (10-90% window {c_win:.1f})"
        f"   c/b = {c_full / b:.2f}  (goal >= 0.9)"
    )
    d_full, d_win = bench_workers(articles, args.bootstrap, 2, args.timeout)
    print(
        f"(d) two workers via Kafka            : {d_full:8.1f} articles/s (10-90% window {d_win:.1f})"
        f"   d/c = {d_full / c_full:.2f}  (goal >= 1.6)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
