"""``newsflow topics create`` and ``newsflow index create``: idempotent initialisation jobs."""

from __future__ import annotations

import argparse
import asyncio

from newsflow.index.design import create_index
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
