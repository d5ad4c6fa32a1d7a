"""``newsflow ingest PATH…``: backfill JSON, JSON Lines and plain-text articles straight into Kafka.

Bad records are reported as ``file:line: reason`` and skipped; the exit code is 1 when any record
failed (invalid, or not acknowledged by Kafka), 2 when Kafka could not be reached at all.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from newsflow.ingest.backfill import BackfillRecord, read_paths
from newsflow.ingest.publisher import ArticlePublisher, KafkaUnavailable, RecordTooLarge
from newsflow.models import SOURCE_PATTERN
from newsflow.settings import KafkaSettings, TopicSettings

CHUNK = 500
ATTEMPTS = 5


@dataclass
class BackfillSummary:
    """Counts of one backfill run, and the failures to report."""

    accepted: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every record was published, 1 otherwise."""
        return 1 if self.failed else 0


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
    try:
        wait_s = args.connect_timeout
        job = backfill(args.paths, kafka, topics, source=args.source, progress=show, connect_timeout_s=wait_s)
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


async def backfill(
    paths: list[Path],
    kafka: KafkaSettings,
    topics: TopicSettings,
    *,
    source: str,
    progress: bool = False,
    connect_timeout_s: float = 30.0,
) -> BackfillSummary:
    """Publish every valid record under ``paths``; collect a failure line for every other one."""
    publisher = ArticlePublisher(kafka, topics, create_topics=True, linger_ms=20)
    await publisher.start(wait_s=connect_timeout_s)
    if not publisher.ready:
        await publisher.stop()
        reason = f"Kafka at {kafka.bootstrap_servers} not reachable within {connect_timeout_s:.0f}s"
        raise KafkaUnavailable(reason)
    summary = BackfillSummary()
    bar = tqdm(unit="article", disable=not progress, file=sys.stderr)
    chunk: list[BackfillRecord] = []
    try:
        for record in read_paths(paths, source=source):
            if record.article is None:
                summary.failed.append(f"{record.where}: {record.error}")
                bar.update(1)
                continue
            chunk.append(record)
            if len(chunk) >= CHUNK:
                await _flush(publisher, chunk, summary)
                bar.update(len(chunk))
                chunk = []
        if chunk:
            await _flush(publisher, chunk, summary)
            bar.update(len(chunk))
    finally:
        bar.close()
        await publisher.stop()
    return summary


async def _flush(publisher: ArticlePublisher, chunk: list[BackfillRecord], summary: BackfillSummary) -> None:
    articles = [r.article for r in chunk if r.article is not None]
    for attempt in range(ATTEMPTS):
        try:
            await publisher.publish_many(articles)
            summary.accepted += len(articles)
            return
        except RecordTooLarge:
            break  # retry one by one below to find the offending records
        except KafkaUnavailable as exc:
            if attempt == ATTEMPTS - 1:
                summary.failed.extend(f"{r.where}: not published: {exc}" for r in chunk)
                return
            await asyncio.sleep(min(2.0**attempt, 10.0))
    for record in chunk:
        assert record.article is not None
        try:
            await publisher.publish(record.article)
            summary.accepted += 1
        except (RecordTooLarge, KafkaUnavailable) as exc:
            summary.failed.append(f"{record.where}: not published: {exc}")
