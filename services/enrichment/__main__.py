"""Entrypoint: ``python -m services.enrichment`` runs one enrichment worker until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging

import faust

from newsflow.enrich.settings import EnrichmentSettings
from newsflow.kafka_clients import ensure_topics
from newsflow.logs import configure_logging
from newsflow.settings import KafkaSettings, LogSettings, TopicSettings
from services.enrichment.app import EnrichmentWorker

log = logging.getLogger("services.enrichment")


def main() -> None:
    """Create the topics if needed, load the models, then run the faust worker."""
    log_settings = LogSettings()
    configure_logging(log_settings, service="enrichment")
    kafka, topics, settings = KafkaSettings(), TopicSettings(), EnrichmentSettings()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_topics(kafka, topics))
    worker = EnrichmentWorker(kafka, topics, settings)
    log.info(
        "enrichment worker starting group_id=%s raw=%s enriched=%s dlq=%s web_port=%d models=%s",
        settings.group_id,
        topics.raw,
        topics.enriched,
        topics.dlq,
        worker.web_port,
        worker.enricher.models,
    )
    try:
        faust.Worker(
            worker.app,
            loop=loop,
            loglevel=log_settings.level,
            override_logging=False,
            redirect_stdouts=False,
            quiet=True,
        ).execute_from_commandline()
    finally:
        worker.executor.shutdown(wait=True)
        log.info("enrichment worker stopped group_id=%s", settings.group_id)


if __name__ == "__main__":
    main()
