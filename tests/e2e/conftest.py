"""Fixtures of the end-to-end tests: whole pipelines (tests/support/pipelines.py) on the session's
Kafka + Elasticsearch, started and ready, with their own topics, alias and consumer groups."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.pipelines import Pipeline, StartedPipelines
from tests.support.pipelines import pipeline_factory as make_factory

SOURCE = "e2e-wire"


@pytest.fixture
async def pipeline_factory(
    request: pytest.FixtureRequest, kafka_bootstrap: str, es_url: str
) -> AsyncIterator[StartedPipelines]:
    """``await pipeline_factory(partitions=12, **env)``: a started pipeline (one replica of each
    service, ready) writing as source ``e2e-wire``; all its processes are stopped after the test."""
    async with make_factory(request, kafka_bootstrap, es_url, source=SOURCE) as factory:

        async def make(partitions: int = 12, **extra_env: str) -> Pipeline:
            pipeline = factory("e2e", partitions=partitions, **extra_env)
            await pipeline.start("indexer", "enrichment", "ingest")
            return pipeline

        yield make
