"""``python -m services.ingest``: serve the ingest API with uvicorn (uvloop + httptools).

SIGTERM makes uvicorn stop accepting connections, finish in-flight requests (those still waiting
after ``NEWSFLOW_INGEST_SHUTDOWN_TIMEOUT_S`` are cut: their clients got no 202), then run the app
lifespan shutdown, which flushes and closes the Kafka producer within the same budget again.
"""

from __future__ import annotations

import logging

import uvicorn

from newsflow.ingest.settings import IngestSettings
from newsflow.logs import configure_logging
from newsflow.settings import LogSettings

log = logging.getLogger(__name__)


def main() -> None:
    """Run the service until SIGTERM/SIGINT."""
    configure_logging(LogSettings(), service="ingest")
    settings = IngestSettings()
    log.info("ingest listening host=%s port=%d workers=%d", settings.host, settings.port, settings.workers)
    uvicorn.run(
        "services.ingest.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=max(1, round(settings.shutdown_timeout_s)),
        server_header=False,
    )


if __name__ == "__main__":
    main()
