"""Each scenario's figures (:func:`record_result`), written to ``.newsflow/test-results/faults.json``
at session end by :func:`write_results` (merged with earlier runs, one entry per scenario)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.exactness import Outcome

ROOT = Path(__file__).resolve().parents[2]
RESULTS_FILE = ROOT / ".newsflow" / "test-results" / "faults.json"


@dataclass
class ScenarioResult:
    scenario: str
    articles_sent: int  # items pushed (all revisions) + records injected
    ids_accepted: int
    indexed: int
    dead_lettered: int
    duplicates: int
    lost: int
    stale: int
    recovery_s: float | None
    notes: str = ""


_RESULTS: list[ScenarioResult] = []


def record_result(
    scenario: str, sent: int, result: Outcome, recovery_s: float | None, notes: str = ""
) -> ScenarioResult:
    """Keep a scenario's figures for the results file (and print them)."""
    entry = ScenarioResult(
        scenario=scenario,
        articles_sent=sent,
        ids_accepted=len(result.expected),
        indexed=len(result.docs),
        dead_lettered=len(result.letters),
        duplicates=len(result.both) + sum(n - 1 for n in result.dlq_duplicates.values()),
        lost=len(result.lost),
        stale=len(result.stale),
        recovery_s=None if recovery_s is None else round(recovery_s, 1),
        notes=notes,
    )
    _RESULTS.append(entry)
    print(f"\nRESULT {json.dumps(asdict(entry))}")
    return entry


def write_results(path: Path = RESULTS_FILE) -> None:
    """Merge the figures recorded in this session into the results file (nothing when none)."""
    if not _RESULTS:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    previous: dict[str, Any] = {}
    if path.exists():
        with contextlib.suppress(ValueError):
            previous = {r["scenario"]: r for r in json.loads(path.read_text())["scenarios"]}
    for entry in _RESULTS:
        previous[entry.scenario] = asdict(entry) | {"run_at": datetime.now(UTC).isoformat(timespec="seconds")}
    data = {
        "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenarios": list(previous.values()),
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
