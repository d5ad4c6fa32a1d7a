"""Helpers shared by the benchmark scripts: the machine, its load, the corpus, process sampling.

Not a library module (bench/ is scripts): nothing under shared/ or services/ imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT / "bench", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from newsflow.ingest.contract import ArticleIn, scoped_id, to_raw  # noqa: E402
from newsflow.local import corpus as generate_seed_corpus  # noqa: E402
from newsflow.models import RawArticle  # noqa: E402

BENCH_SOURCE = "bench"


def seed_raw_articles() -> list[RawArticle]:
    """The committed seed corpus (``seeds/corpus.jsonl``) as raw articles, in file order."""
    articles = []
    for line in (ROOT / "seeds" / "corpus.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        articles.append(
            RawArticle(
                id=str(row["id"]),
                source=str(row["source"]),
                url=str(row["url"]),
                title=str(row["title"]),
                body=str(row["body"]),
                revision=1,
                language=row.get("language"),
            )
        )
    return articles


def load() -> float:
    """The 1-minute load average (other work on the machine depresses every figure)."""
    return round(os.getloadavg()[0], 2)


def machine() -> dict[str, Any]:
    """CPU count and model, RAM, kernel, Python: what goes next to the figures."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": ram_gib,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of ``values``; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


@dataclass(frozen=True)
class BenchArticle:
    """One corpus article: the HTTP payload the bench POSTs and the RawArticle the pipeline makes of it."""

    payload: dict[str, Any]
    raw: RawArticle

    @property
    def words(self) -> int:
        return len(self.raw.title.split()) + len(self.raw.body.split())


def corpus(count: int, prefix: str, seed: int = generate_seed_corpus.DEFAULT_SEED) -> list[BenchArticle]:
    """``count`` seed-corpus articles (shared/newsflow/local/corpus.py) with unique ids ``prefix-N``.

    Every line of the generated corpus (revisions and wire copies included: they are different
    texts) becomes its own article of revision 1, all of source ``bench`` (one API key).
    """
    out: list[BenchArticle] = []
    for i, article in enumerate(generate_seed_corpus.generate(count, seed)):
        data = json.loads(article.to_json())
        data.pop("source", None)
        data.pop("updated_at", None)
        data["id"] = f"{prefix}-{i:05d}"
        data["url"] = f"https://bench.example.com/{prefix}/{i}"
        data["revision"] = 1
        raw = to_raw(ArticleIn.model_validate(data), BENCH_SOURCE)
        out.append(BenchArticle(data, raw))
    return out


def relabel(articles: list[BenchArticle], prefix: str) -> list[BenchArticle]:
    """The same texts under new ids (for a second run against the same index)."""
    out = []
    for i, a in enumerate(articles):
        payload = {**a.payload, "id": f"{prefix}-{i:05d}", "url": f"https://bench.example.com/{prefix}/{i}"}
        out.append(
            BenchArticle(
                payload,
                a.raw.model_copy(
                    update={"id": scoped_id(BENCH_SOURCE, payload["id"]), "url": payload["url"]}
                ),
            )
        )
    return out


def _status_kib(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return values


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_and_wait_seconds(pid: int) -> tuple[float, float]:
    """CPU time and run-queue wait (runnable, no core free) of all of ``pid``'s threads so far, from
    ``/proc/<pid>/task/*/schedstat`` (threads that exited earlier are not counted). (0, 0) when gone."""
    cpu_ns = wait_ns = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return 0.0, 0.0
    for task in tasks:
        try:
            fields = (task / "schedstat").read_text().split()
            cpu_ns += int(fields[0])
            wait_ns += int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    return cpu_ns / 1e9, wait_ns / 1e9


def thread_cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds of ``pid``'s live threads so far, summed by thread name with digits dropped
    (``GC Thread#3`` and ``GC Thread#0`` are one group): which kind of work a JVM spends its CPU on."""
    groups: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return groups
    for task in tasks:
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        key = "".join(c for c in name if not c.isdigit()).strip(" #-_[]") or name
        groups[key] = groups.get(key, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return groups


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine so far, summed over cores (``/proc/stat``;
    iowait counts as idle, steal as busy)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    busy = sum(fields[:8]) - idle
    tick = os.sysconf("SC_CLK_TCK")
    return busy / tick, idle / tick


@dataclass
class CpuProfile:
    """Where the machine's CPU went during one window: per named process CPU and run-queue wait
    (seconds), and the whole machine's busy share. ``start()`` then ``stop()``."""

    pids: dict[str, int]
    wall_start: float = 0.0
    start_values: dict[str, tuple[float, float]] = field(default_factory=dict)
    start_threads: dict[str, dict[str, float]] = field(default_factory=dict)
    machine_start: tuple[float, float] = (0.0, 0.0)
    result: dict[str, Any] = field(default_factory=dict)

    def start(self) -> None:
        self.wall_start = time.perf_counter()
        self.machine_start = machine_cpu_seconds()
        self.start_values = {name: cpu_and_wait_seconds(pid) for name, pid in self.pids.items()}
        self.start_threads = {name: thread_cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.wall_start
        busy, idle = machine_cpu_seconds()
        busy -= self.machine_start[0]
        idle -= self.machine_start[1]
        per: dict[str, dict[str, Any]] = {}
        for name, pid in self.pids.items():
            cpu, wait = cpu_and_wait_seconds(pid)
            cpu0, wait0 = self.start_values[name]
            threads0 = self.start_threads[name]
            threads = {k: round(v - threads0.get(k, 0.0), 2) for k, v in thread_cpu_seconds(pid).items()}
            top = sorted(((v, k) for k, v in threads.items() if v >= 0.05), reverse=True)[:10]
            per[name] = {
                "cpu_s": round(cpu - cpu0, 2),
                "cores": round((cpu - cpu0) / wall, 3),
                "runqueue_wait_s": round(wait - wait0, 2),
                "threads_cpu_s": {k: v for v, k in top},
            }
        tracked = sum(v["cpu_s"] for v in per.values())
        self.result = {
            "wall_s": round(wall, 2),
            "machine_busy_cores": round(busy / wall, 2),
            "machine_idle_cores": round(idle / wall, 2),
            "untracked_cores": round(max(0.0, busy - tracked) / wall, 2),
            "processes": per,
        }
        return self.result


@dataclass
class ProcessSampler:
    """Samples RSS (and the kernel's high-water mark) of named processes while a run goes on."""

    pids: dict[str, int]
    interval_s: float = 0.5
    peak_kib: dict[str, int] = field(default_factory=dict)
    cpu_start: dict[str, float] = field(default_factory=dict)
    cpu_end: dict[str, float] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        for name, pid in self.pids.items():
            status = _status_kib(pid)
            peak = max(status.get("VmRSS", 0), status.get("VmHWM", 0))
            self.peak_kib[name] = max(self.peak_kib.get(name, 0), peak)

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        self.cpu_start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self.sample()
        self.cpu_end = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def peak_mib(self) -> dict[str, float]:
        return {name: round(kib / 1024, 1) for name, kib in self.peak_kib.items()}

    def cpu_used(self) -> dict[str, float]:
        return {name: round(self.cpu_end.get(name, 0) - self.cpu_start.get(name, 0), 2) for name in self.pids}


def deadline(seconds: float) -> float:
    return time.monotonic() + seconds


def replace_section(text: str, start: str, end: str, section: str) -> str:
    """``text`` with what lies between the ``start`` and ``end`` markers replaced by ``section``
    (markers appended at the end when missing)."""
    block = f"{start}\n{section.rstrip()}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        return head + block + tail
    return text.rstrip() + "\n\n" + block + "\n"
