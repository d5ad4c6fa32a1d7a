"""``newsflow scale enrichment=N [indexer=M]``: add or remove replicas of a running local pipeline
(see :meth:`newsflow.local.pipeline.LocalPipeline.scale`); the other processes keep running."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from newsflow.local.pipeline import SCALABLE, LocalPipeline


def add_subparser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``scale``."""
    parser = subparsers.add_parser(
        "scale", help="run N replicas of enrichment or indexer in a running local pipeline"
    )
    parser.add_argument("targets", nargs="+", type=parse_target, metavar="SERVICE=N")
    parser.add_argument("--run-dir", type=Path, default=Path(".newsflow"))
    parser.add_argument("--ready-timeout", type=float, default=240.0, help="seconds to wait for new replicas")


def parse_target(text: str) -> tuple[str, int]:
    """``enrichment=4`` -> ("enrichment", 4)."""
    service, sep, count = text.partition("=")
    if not sep or service not in SCALABLE or not count.isdigit():
        raise argparse.ArgumentTypeError(f"expected {'|'.join(SCALABLE)}=N, got {text!r}")
    return service, int(count)


def run(args: argparse.Namespace) -> int:
    """Scale each target, wait until the replicas it started are ready; print what changed."""
    pipeline = LocalPipeline.open(args.run_dir.resolve())
    started: list[str] = []
    for service, count in args.targets:
        change = pipeline.scale(service, count)
        started += change.started
        for name in change.stopped:
            print(f"{name}: stopped")
        for name in change.started:
            print(f"{name}: started ({pipeline.urls[name]})")
    if started:
        asyncio.run(pipeline.wait_ready(*started, timeout_s=args.ready_timeout))
        print(f"ready: {', '.join(started)}")
    for service, _ in args.targets:
        print(f"{service}: {len(pipeline.replicas(service))} replicas running")
    return 0
