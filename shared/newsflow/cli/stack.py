"""``newsflow stack up|down|status``: the local Kafka + Elasticsearch stack from the command line.

Standalone: ``python -m newsflow.cli.stack up``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from newsflow.local.stack import cluster, manager

DEFAULT_RUN_DIR = ".newsflow/stack"


def _run_dir(args: argparse.Namespace) -> Path:
    value = args.run_dir or os.environ.get("NEWSFLOW_STACK_DIR") or DEFAULT_RUN_DIR
    return Path(value)


def _configure(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--run-dir",
        default=None,
        help=f"stack run dir (default: $NEWSFLOW_STACK_DIR or {DEFAULT_RUN_DIR} under the current dir)",
    )
    sub = parser.add_subparsers(dest="stack_command", required=True, metavar="{up,down,status}")

    up = sub.add_parser("up", parents=[common], help="start Kafka and Elasticsearch (no-op if running)")
    up.add_argument("--kafka-port", type=int, default=None, help="Kafka port (default: recorded, else free)")
    up.add_argument(
        "--es-port", type=int, default=None, help="Elasticsearch HTTP port (default: recorded/free)"
    )
    up.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for readiness")
    up.add_argument(
        "--only",
        help="(re)start one component only: kafka or elasticsearch; on a cluster a node, e.g. kafka-2, es-1",
    )
    up.add_argument("--json", action="store_true", help="print the endpoints as JSON")
    up.add_argument("--brokers", type=int, default=1, help="Kafka brokers (more than 1: a cluster)")
    up.add_argument("--es-nodes", type=int, default=1, help="Elasticsearch nodes (more than 1: a cluster)")

    down = sub.add_parser("down", parents=[common], help="stop the processes this run dir started")
    down.add_argument(
        "--only", help="stop one component only: kafka or elasticsearch; on a cluster a node (kafka-2, es-1)"
    )
    down.add_argument("--force", action="store_true", help="SIGKILL instead of a graceful shutdown")

    status = sub.add_parser("status", parents=[common], help="where the stack listens, whether it answers")
    status.add_argument("--json", action="store_true", help="machine-readable output")


def add_subparser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``stack`` (with ``up``, ``down``, ``status``) on the root ``newsflow`` parser."""
    parser = subparsers.add_parser("stack", help="local Kafka + Elasticsearch without Docker")
    _configure(parser)


def _describe(entry: dict[str, Any], answering: str) -> str:
    if entry["alive"]:
        return answering
    return "running, not answering" if entry["running"] else "down"


def _print_status(status: dict[str, Any]) -> None:
    k, e = status["kafka"], status["elasticsearch"]
    print(f"run dir        {status['run_dir']}")
    print(
        f"kafka          {k['bootstrap'] or '-'}  pid={k['pid'] or '-'}  version={k['version'] or '-'}  "
        f"{_describe(k, 'answering')}"
    )
    print(
        f"elasticsearch  {e['url'] or '-'}  pid={e['pid'] or '-'}  version={e['version'] or '-'}  "
        f"{_describe(e, 'answering (' + str(e['health']) + ')')}"
    )


def _cluster_command(args: argparse.Namespace, run_dir: Path) -> int:
    """``up``/``down``/``status`` of a cluster run dir (or ``up`` asking for more than one node)."""
    command: str = args.stack_command
    only = [args.only] if getattr(args, "only", None) else None
    if command == "up":
        t0 = time.monotonic()
        endpoints = cluster.start_cluster(
            run_dir, brokers=args.brokers, es_nodes=args.es_nodes, only=only, timeout=args.timeout
        )
        took = time.monotonic() - t0
        if args.json:
            print(json.dumps({**endpoints.to_dict(), "seconds": round(took, 1)}, indent=2))
        else:
            for name, node in endpoints.nodes.items():
                print(f"{name:<14} {node['address']}  pid={node['pid'] or '-'}")
            print(f"kafka          {endpoints.kafka_bootstrap}")
            print(f"elasticsearch  {endpoints.elasticsearch_url}")
            print(f"run dir        {endpoints.run_dir}")
            print(f"up in {took:.1f}s")
        return 0
    if command == "down":
        cluster.stop_cluster(run_dir, only=only, force=args.force)
        print(f"stopped ({args.only or 'every node'}) in {run_dir}")
        return 0
    status = cluster.cluster_status(run_dir)
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        print(f"run dir        {status['run_dir']}")
        for name, node in status["nodes"].items():
            state = (
                "answering" if node["alive"] else ("running, not answering" if node["running"] else "down")
            )
            print(f"{name:<14} {node['address']}  pid={node['pid'] or '-'}  {state}")
        print(f"elasticsearch  health={status['elasticsearch_health'] or '-'}")
    return 0 if all(node["alive"] for node in status["nodes"].values()) else 3


def run(args: argparse.Namespace) -> int:
    """Execute a parsed ``stack`` command; returns the exit code."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_dir = _run_dir(args)
    command: str = args.stack_command
    try:
        wants_cluster = command == "up" and (args.brokers > 1 or args.es_nodes > 1)
        if wants_cluster or cluster.is_cluster(run_dir):
            return _cluster_command(args, run_dir)
        if getattr(args, "only", None) not in (None, "kafka", "elasticsearch"):
            raise ValueError(f"--only {args.only}: a single-node stack has kafka and elasticsearch")
        if command == "up":
            t0 = time.monotonic()
            if args.only == "kafka":
                endpoints = manager.start_kafka(run_dir, timeout=args.timeout)
            elif args.only == "elasticsearch":
                endpoints = manager.start_elasticsearch(run_dir, timeout=args.timeout)
            else:
                endpoints = manager.start_stack(
                    run_dir, kafka_port=args.kafka_port, es_port=args.es_port, timeout=args.timeout
                )
            took = time.monotonic() - t0
            if args.json:
                print(json.dumps({**endpoints.to_dict(), "seconds": round(took, 1)}, indent=2))
            else:
                print(
                    f"kafka          {endpoints.kafka_bootstrap}  "
                    f"(pid {endpoints.kafka_pid}, {endpoints.kafka_version})"
                )
                print(
                    f"elasticsearch  {endpoints.elasticsearch_url}  "
                    f"(pid {endpoints.elasticsearch_pid}, {endpoints.elasticsearch_version})"
                )
                print(f"run dir        {endpoints.run_dir}")
                print(f"up in {took:.1f}s")
            return 0
        if command == "down":
            if args.only == "kafka":
                manager.stop_kafka(run_dir, force=args.force)
            elif args.only == "elasticsearch":
                manager.stop_elasticsearch(run_dir, force=args.force)
            else:
                manager.stop_stack(run_dir, force=args.force)
            print(f"stopped ({args.only or 'kafka + elasticsearch'}) in {run_dir}")
            return 0
        if command == "status":
            status = manager.stack_status(run_dir)
            if args.json:
                print(json.dumps(status, indent=2))
            else:
                _print_status(status)
            both = status["kafka"]["alive"] and status["elasticsearch"]["alive"]
            return 0 if both else 3
    except Exception as exc:
        logging.getLogger(__name__).debug("stack %s failed", command, exc_info=True)
        print(f"stack {command} failed: {exc}", file=sys.stderr)
        return 1
    print(f"unknown stack command {command!r}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsflow stack", description=__doc__)
    _configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
