"""``newsflow reindex``: rebuild the index from the compacted Kafka topic, then swap the alias.

Searches keep working during the rebuild (they use the old index until the atomic swap). ``--re-enrich``
replays the raw topic through the enrichment again (when models changed) and republishes every
re-enriched article to the enriched topic (``--no-republish``: write the new index only); articles whose
enrichment fails and documents the new index rejects go to the dead-letter topic. ``--dry-run`` only
reads and counts. A progress bar is shown on a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import orjson
from elasticsearch import ApiError, TransportError
from tqdm import tqdm

from newsflow.index.client import make_async_es
from newsflow.index.reindex import ReindexReport, reindex
from newsflow.index.settings import IndexerSettings
from newsflow.settings import ElasticsearchSettings, KafkaSettings, TopicSettings


def add_subparser(subparsers: Any) -> None:
    """Register ``newsflow reindex``."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "reindex",
        help="rebuild the index from Kafka into a new version and swap the alias",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--re-enrich",
        action="store_true",
        help="replay the raw topic through enrichment again (models changed)",
    )
    p.add_argument(
        "--no-republish",
        action="store_true",
        help="with --re-enrich: write the new index only, produce nothing to the enriched topic",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="read and count only; write, produce and swap nothing"
    )
    p.add_argument(
        "--delete-old",
        action="store_true",
        help="delete the old index in the alias swap (default: keep it, detached, for rollback)",
    )
    p.add_argument("--topic", help="topic to replay (default: the enriched topic, or raw with --re-enrich)")
    p.add_argument("--alias", help="index alias (default: NEWSFLOW_ES_ALIAS)")
    p.add_argument("--es-url", help="Elasticsearch URL (default: NEWSFLOW_ES_URL)")
    p.add_argument("--bootstrap", help="Kafka bootstrap servers (default: NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


async def _run(args: argparse.Namespace) -> ReindexReport:
    es_over = {k: v for k, v in (("url", args.es_url), ("alias", args.alias)) if v}
    es_settings = ElasticsearchSettings(**es_over)
    kafka = KafkaSettings(**({"bootstrap_servers": args.bootstrap} if args.bootstrap else {}))
    topics = TopicSettings()
    topic = args.topic or (topics.raw if args.re_enrich else topics.enriched)
    show = sys.stderr.isatty() and not args.no_progress
    bar = tqdm(total=0, unit="msg", desc=f"reindex {topic}", disable=not show, file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    es = make_async_es(es_settings)
    try:
        return await reindex(
            es=es,
            es_settings=es_settings,
            kafka=kafka,
            topic=topic,
            settings=IndexerSettings(),
            topics=topics,
            re_enrich_raw=args.re_enrich,
            republish=not args.no_republish,
            dry_run=args.dry_run,
            delete_old=args.delete_old,
            progress=progress,
        )
    finally:
        bar.close()
        await es.close()


def run(args: argparse.Namespace) -> int:
    """Run the rebuild; 0 on success, 1 on an infrastructure error, 2 on a bad request."""
    try:
        report = asyncio.run(_run(args))
    except ValueError as exc:
        print(f"newsflow reindex: {exc}", file=sys.stderr)
        return 2
    except (ApiError, TransportError, OSError) as exc:
        print(f"newsflow reindex: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    verb = "would write" if report.dry_run else "wrote"
    print(
        f"{verb} {report.indexed} documents and {report.deleted} deletions from {report.records} records"
        f" of {report.topic} in {report.seconds:.1f}s"
    )
    if not report.dry_run:
        action = "deleted" if report.old_deleted else "kept (detached)"
        print(f"alias now on {report.new_index}; old {action}: {', '.join(report.old_indices) or '-'}")
        print(f"conflicts {report.conflicts}, rejected {report.rejected}, caught up {report.caught_up}")
        if args.re_enrich:
            print(f"republished {report.republished} re-enriched records to the enriched topic")
        print(f"dead-lettered {report.dead_lettered} (enrichment failures and rejected documents)")
    if report.undecodable:
        print(f"skipped {report.undecodable} undecodable records (dead-lettered when first consumed)")
    if report.enrichment_failures:
        fate = "would be dead-lettered" if report.dry_run else "dead-lettered"
        print(f"enrichment failed for {report.enrichment_failures} articles ({fate})")
    for reason in report.rejections:
        print(f"rejected: {reason[:300]}")
    return 0
