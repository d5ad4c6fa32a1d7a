"""What ``newsflow status`` reports: what a local run has started and where it listens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newsflow.local import processes as procs
from newsflow.local.pipeline import SERVICES
from newsflow.local.stack import stack_status


def collect(run_dir: Path) -> dict[str, Any]:
    """Kafka, Elasticsearch and each service: address, pid, whether it runs; plus the dev key file."""
    run_dir = run_dir.resolve()
    recorded: dict[str, Any] = {}
    if (run_dir / "run.json").exists():
        recorded = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    stack = stack_status(run_dir / "stack")
    services: dict[str, Any] = {}
    for name in SERVICES:
        record = procs.load(run_dir, f"{name}-0")
        url = recorded.get("services", {}).get(name)
        services[name] = {
            "url": url,
            "metrics_url": f"{url}/metrics" if url else None,
            "pid": record.pid if record else None,
            "running": bool(record and procs.is_ours(record)),
            "log": record.log_file if record else None,
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
