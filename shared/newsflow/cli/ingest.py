"""``newsflow ingest PATH…``: backfill JSON, JSON Lines and plain-text articles straight into Kafka.

Bad records are reported as ``file:line: reason`` and skipped; the exit code is 1 when any record
failed (invalid, or not acknowledged by Kafka), 2 when Kafka could not be reached at all.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from newsflow.ingest.backfill import BackfillSummary, backfill
from newsflow.ingest.publisher import KafkaUnavailable
from newsflow.models import SOURCE_PATTERN
from newsflow.settings import KafkaSettings, TopicSettings


def add_subparser(subparsers: Any) -> None:
    """Register ``ingest`` on the ``newsflow`` command line."""
    parser = subparsers.add_parser("ingest", help="backfill article files (json, jsonl, txt) into Kafka")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or directories")
    parser.add_argument("--source", default="backfill", help=f"default source ({SOURCE_PATTERN})")
    parser.add_argument("--bootstrap", default=None, help="Kafka bootstrap servers (default: settings)")
    parser.add_argument("--topic", default=None, help="raw topic (default: settings)")
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    parser.add_argument("--connect-timeout", type=float, default=30.0, help="seconds to wait for Kafka")


def run(args: argparse.Namespace) -> int:
    """Run the backfill; return the process exit code."""
    kafka = KafkaSettings(bootstrap_servers=args.bootstrap) if args.bootstrap else KafkaSettings()
    topics = TopicSettings(raw=args.topic) if args.topic else TopicSettings()
    show = not args.no_progress and sys.stderr.isatty()
    bar = (lambda: tqdm(unit="article", file=sys.stderr)) if show else None
    try:
        wait_s = args.connect_timeout
        job = backfill(args.paths, kafka, topics, source=args.source, progress=bar, connect_timeout_s=wait_s)
        summary = asyncio.run(job)
    except KafkaUnavailable as exc:
        sys.stderr.write(f"newsflow ingest: {exc}\n")
        return 2
    report(summary, sys.stdout)
    return summary.exit_code


def report(summary: BackfillSummary, out: TextIO) -> None:
    """Write the failures (``file:line: reason``) and the final counts."""
    for line in summary.failed:
        out.write(line + "\n")
    out.write(f"ingest: {summary.accepted} accepted, {len(summary.failed)} failed\n")
