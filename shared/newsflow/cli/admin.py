"""``newsflow topics create``, ``newsflow index create`` (idempotent initialisation jobs) and
``newsflow index rollover`` (a new write index behind the alias, newsflow.index.archive)."""

from __future__ import annotations

import argparse
import asyncio

from newsflow.index.archive import rollover
from newsflow.index.client import make_async_es
from newsflow.index.design import create_index
from newsflow.kafka import ensure_topics
from newsflow.settings import ElasticsearchSettings, KafkaSettings, TopicSettings


def add_subparser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``topics`` and ``index``."""
    topics = subparsers.add_parser("topics", help="Kafka topics of the pipeline")
    topics.add_argument("action", choices=["create"], help="create missing topics (idempotent)")
    index = subparsers.add_parser("index", help="Elasticsearch index template, index and alias")
    index.add_argument(
        "action",
        choices=["create", "rollover"],
        help="create the template and the aliased index; or roll the alias over to a new index",
    )
    index.add_argument("--max-docs", type=int, help="rollover: only when the write index holds this many")
    index.add_argument("--max-primary-shard-size", help="rollover: only from this primary shard size (30gb)")
    index.add_argument("--max-age", help="rollover: only when the write index is this old (30d)")


def run(args: argparse.Namespace) -> int:
    """Run the chosen initialisation."""
    if args.command == "topics":
        created = asyncio.run(ensure_topics(KafkaSettings(), TopicSettings()))
        print(f"topics created: {', '.join(created) or 'none (all exist)'}")
        return 0
    settings = ElasticsearchSettings()
    if args.action == "rollover":
        return asyncio.run(_rollover(settings, args))
    index_name = asyncio.run(create_index(settings))
    print(f"alias {settings.alias} -> {index_name}")
    return 0


async def _rollover(settings: ElasticsearchSettings, args: argparse.Namespace) -> int:
    es = make_async_es(settings)
    try:
        done = await rollover(
            es,
            settings,
            max_docs=args.max_docs,
            max_primary_shard_size=args.max_primary_shard_size,
            max_age=args.max_age,
        )
    finally:
        await es.close()
    if done is None:
        print(f"alias {settings.alias}: no condition met, not rolled over")
    else:
        print(f"alias {settings.alias}: new articles go to {done.new}; {done.old} keeps its articles")
    return 0
