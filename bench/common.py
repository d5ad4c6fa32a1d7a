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
