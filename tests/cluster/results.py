"""Each cluster scenario's figures (:func:`record`), written at session end to
``.newsflow/test-results/cluster.json`` and as a markdown table to ``cluster.md`` beside it (the
table in docs/reliability.md is copied from there). Plain module."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = ROOT / ".newsflow" / "test-results"


@dataclass
class ClusterResult:
    scenario: str
    articles: int  # items pushed during the scenario (every revision)
    ids: int  # distinct ids accepted during the scenario
    lost: int
    duplicated: int  # indexed and dead-lettered, or dead-lettered twice
    stale: int  # indexed at an older revision than the latest accepted
    longest_gap_s: float  # longest time no new article became searchable, from the fault on
    p99_s: float  # publish (202) -> searchable, articles accepted during the fault
    p50_s: float
    during_fault: int  # articles the latencies cover
    notes: str = ""


_RESULTS: list[ClusterResult] = []
_FIGURES: dict[str, float] = {}


def note(name: str, value: float) -> None:
    """A session-wide figure (cluster start time, peak memory), kept beside the table."""
    _FIGURES[name] = value


def record(entry: ClusterResult) -> None:
    _RESULTS.append(entry)
    print(f"\nCLUSTER RESULT {json.dumps(asdict(entry))}")


def markdown(entries: list[ClusterResult]) -> str:
    lines = [
        "| scenario | articles | lost | duplicated | stale | longest gap (s) "
        "| p99 publish→searchable (s) | p50 (s) | notes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for e in entries:
        lines.append(
            f"| {e.scenario} | {e.articles} ({e.ids} ids) | {e.lost} | {e.duplicated} | {e.stale} | "
            f"{e.longest_gap_s:.1f} | {e.p99_s:.1f} | {e.p50_s:.1f} | {e.notes} |"
        )
    return "\n".join(lines) + "\n"


def write(directory: Path = RESULTS_DIR) -> None:
    """Write this session's figures (nothing when no scenario ran)."""
    if not _RESULTS:
        return
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    data = {"run_at": stamp, "figures": _FIGURES, "scenarios": [asdict(e) for e in _RESULTS]}
    (directory / "cluster.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    figures = ", ".join(f"{k} {v}" for k, v in _FIGURES.items())
    (directory / "cluster.md").write_text(
        f"Run at {stamp}; {figures}\n\n{markdown(_RESULTS)}", encoding="utf-8"
    )
