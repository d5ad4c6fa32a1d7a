"""What ``newsflow status`` reports: what a local run has started and where it listens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newsflow.local import processes as procs
from newsflow.local.pipeline import SERVICES, recorded_urls
from newsflow.local.stack import stack_status


def collect(run_dir: Path) -> dict[str, Any]:
    """Kafka, Elasticsearch and each service: address, pid, whether it runs; plus the dev key file."""
    run_dir = run_dir.resolve()
    recorded: dict[str, Any] = {}
    if (run_dir / "run.json").exists():
        recorded = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    stack = stack_status(run_dir / "stack")
    urls = {**recorded_urls(run_dir), **{f"{n}-0": u for n, u in recorded.get("services", {}).items()}}
    services: dict[str, Any] = {}
    for name in SERVICES:
        replicas = [
            _replica(run_dir, replica, urls.get(replica)) for replica in _replica_names(run_dir, name)
        ]
        first = next((r for r in replicas if r["name"] == f"{name}-0"), None)
        url = first["url"] if first else urls.get(f"{name}-0")
        services[name] = {
            "url": url,
            "metrics_url": f"{url}/metrics" if url else None,
            "pid": first["pid"] if first else None,
            "running": bool(first and first["running"]),
            "log": first["log"] if first else None,
            "replicas": replicas,
            "replicas_running": sum(1 for r in replicas if r["running"]),
        }
    keys = run_dir / "dev-api-keys.json"
    return {
        "run_dir": str(run_dir),
        "kafka": {"bootstrap": stack.get("kafka", {}).get("bootstrap"), **_alive(stack, "kafka")},
        "elasticsearch": {
            "url": stack.get("elasticsearch", {}).get("url"),
            "alias": recorded.get("alias"),
            **_alive(stack, "elasticsearch"),
        },
        "services": services,
        "dev_api_keys_file": str(keys) if keys.exists() else None,
    }


def _alive(stack: dict[str, Any], name: str) -> dict[str, Any]:
    entry = stack.get(name, {})
    return {"pid": entry.get("pid"), "running": bool(entry.get("alive"))}


def _replica_names(run_dir: Path, service: str) -> list[str]:
    """Recorded replicas of ``service`` (``<service>-<n>``), by number."""
    numbers = []
    for path in (run_dir / "pids").glob(f"{service}-*.json"):
        number = path.stem.removeprefix(f"{service}-")
        if number.isdigit():
            numbers.append(int(number))
    return [f"{service}-{n}" for n in sorted(numbers)]


def _replica(run_dir: Path, name: str, url: str | None) -> dict[str, Any]:
    record = procs.load(run_dir, name)
    return {
        "name": name,
        "url": url,
        "pid": record.pid if record else None,
        "running": bool(record and procs.is_ours(record)),
        "log": record.log_file if record else None,
    }
