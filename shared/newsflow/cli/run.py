"""``newsflow run`` / ``newsflow stop``: the whole pipeline on one machine (see :mod:`newsflow.local.run`)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from newsflow.local.run import run_all, stop_all
from newsflow.logs import configure_logging
from newsflow.settings import LogSettings


def add_subparser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``run`` and ``stop``."""
    for name, help_text in (
        ("run", "start the whole pipeline locally, ingest seeds/ and report"),
        ("stop", "stop everything `newsflow run` started"),
    ):
        parser = subparsers.add_parser(name, help=help_text)
        parser.add_argument("--run-dir", type=Path, default=Path(".newsflow"), help="state, logs and pids")
        if name == "run":
            parser.add_argument("--seeds", type=Path, default=Path("seeds"), help="folder of seed articles")
            parser.add_argument(
                "--brokers", type=int, default=1, help="Kafka brokers (more than 1: a cluster)"
            )
            parser.add_argument(
                "--es-nodes", type=int, default=1, help="Elasticsearch nodes (1: single node)"
            )


def run(args: argparse.Namespace) -> int:
    """Dispatch ``run`` or ``stop``."""
    configure_logging(LogSettings(format="text"), service="newsflow-run")
    run_dir: Path = args.run_dir.resolve()
    if args.command == "stop":
        for name, was_running in stop_all(run_dir).items():
            print(f"{name}: {'stopped' if was_running else 'was not running'}")
        print("kafka + elasticsearch: stopped")
        return 0
    return asyncio.run(run_all(run_dir, args.seeds.resolve(), args.brokers, args.es_nodes))
