"""``newsflow topics create`` and ``newsflow index create``: idempotent initialisation jobs."""

from __future__ import annotations

import argparse
import asyncio

from newsflow.kafka import ensure_topics
from newsflow.settings import ElasticsearchSettings, KafkaSettings, TopicSettings


def add_subparser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``topics`` and ``index``."""
    topics = subparsers.add_parser("topics", help="Kafka topics of the pipeline")
    topics.add_argument("action", choices=["create"], help="create missing topics (idempotent)")
    index = subparsers.add_parser("index", help="Elasticsearch index template, index and alias")
    index.add_argument("action", choices=["create"], help="create the template and the aliased index")


def run(args: argparse.Namespace) -> int:
    """Run the chosen initialisation."""
    if args.command == "topics":
        created = asyncio.run(ensure_topics(KafkaSettings(), TopicSettings()))
        print(f"topics created: {', '.join(created) or 'none (all exist)'}")
        return 0
    settings = ElasticsearchSettings()
    index_name = asyncio.run(create_index(settings))
    print(f"alias {settings.alias} -> {index_name}")
    return 0


async def create_index(settings: ElasticsearchSettings) -> str:
    """Create the template, the first index version and the alias unless they exist."""
    from newsflow.index.client import make_async_es
    from newsflow.index.design import ensure_index

    es = make_async_es(settings)
    try:
        return await ensure_index(es, settings)
    finally:
        await es.close()
