"""Entrypoint: ``python -m services.enrichment`` runs one enrichment worker until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import os
import threading

import faust
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError, RequestTimedOutError

from newsflow.enrich.settings import EnrichmentSettings
from newsflow.kafka import ensure_topics
from newsflow.logs import configure_logging
from newsflow.retry import Backoff, retry_until
from newsflow.settings import KafkaSettings, LogSettings, TopicSettings
from services.enrichment.app import EnrichmentWorker

log = logging.getLogger("services.enrichment")

#: Kafka is not (yet) there: wait and try again rather than exit at start.
KAFKA_AWAY = (KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError, RequestTimedOutError, TimeoutError)

#: Exit code of a worker that could not finish its batch within the shutdown deadline (EX_TEMPFAIL).
EXIT_SHUTDOWN_DEADLINE = 75


class _Worker(faust.Worker):
    """faust's worker with a bound on shutdown.

    On SIGTERM/SIGINT faust waits until every record in processing is acknowledged, and a batch is
    acknowledged only once its outputs are in Kafka. While Kafka is unreachable that wait never ends,
    so a deadline (``NEWSFLOW_ENRICH_SHUTDOWN_TIMEOUT_S``) ends the process instead: the batch was not
    acknowledged, so its offsets are not committed and the next worker consumes it again.
    """

    def __init__(self, *args: object, shutdown_timeout_s: float, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._deadline_s = shutdown_timeout_s
        self._deadline: threading.Timer | None = None

    def _arm_deadline(self) -> None:
        if self._deadline is None:
            self._deadline = threading.Timer(self._deadline_s, _exit_at_deadline, args=(self._deadline_s,))
            self._deadline.daemon = True
            self._deadline.start()

    def _on_sigterm(self) -> None:
        self._arm_deadline()
        super()._on_sigterm()

    def _on_sigint(self) -> None:
        self._arm_deadline()
        super()._on_sigint()


def _exit_at_deadline(seconds: float) -> None:
    log.error(
        "shutdown did not finish within %.0fs (is Kafka reachable?); exiting without committing the "
        "batch in hand, which will be consumed again",
        seconds,
    )
    logging.shutdown()
    os._exit(EXIT_SHUTDOWN_DEADLINE)


def main() -> None:
    """Create the topics if needed (waiting for Kafka), load the models, then run the faust worker."""
    log_settings = LogSettings()
    configure_logging(log_settings, service="enrichment")
    kafka, topics, settings = KafkaSettings(), TopicSettings(), EnrichmentSettings()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(
        retry_until(
            lambda: ensure_topics(kafka, topics),
            retry_on=KAFKA_AWAY,
            backoff=Backoff(initial=1.0, maximum=30.0),
            what="creating the topics (is Kafka reachable?)",
        )
    )
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
        _Worker(
            worker.app,
            shutdown_timeout_s=settings.shutdown_timeout_s,
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
