"""``newsflow status [--json]``: what a local run has started and where it listens."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from newsflow.local.status import collect


def add_subparser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``status``."""
    parser = subparsers.add_parser("status", help="what `newsflow run` started and where it listens")
    parser.add_argument("--run-dir", type=Path, default=Path(".newsflow"))
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    """Print the status; exit 0 when everything recorded is running, 3 otherwise."""
    data = collect(args.run_dir)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(f"kafka          {data['kafka']['bootstrap']}  running={data['kafka']['running']}")
        es = data["elasticsearch"]
        print(f"elasticsearch  {es['url']}  alias={es['alias']}  running={es['running']}")
        for name, svc in data["services"].items():
            print(f"{name:<14} {svc['url']}  pid={svc['pid']}  running={svc['running']}")
            for replica in svc["replicas"]:
                if replica["name"] != f"{name}-0":
                    line = f"{replica['url']}  pid={replica['pid']}  running={replica['running']}"
                    print(f"  {replica['name']:<12} {line}")
        print(f"dev API keys   {data['dev_api_keys_file']}")
    everything = [data["kafka"]["running"], data["elasticsearch"]["running"]]
    everything += [s["running"] for s in data["services"].values()]
    everything += [r["running"] for s in data["services"].values() for r in s["replicas"]]
    return 0 if all(everything) else 3
