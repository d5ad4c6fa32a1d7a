"""Fault-injection fixtures: factories of whole pipelines (tests/support/pipelines.py) writing as
source ``faults``, and the session hook that writes the scenarios' figures. The scenarios' helpers
are plain modules: tests/support/pushing.py (articles, the newsroom client), tests/support/exactness.py
(the check every scenario ends with), results.py (the figures), tests/support/control.py (SIGTERM,
background tasks)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

import pytest

from tests.faults.results import write_results
from tests.support.pipelines import PipelineFactory, pipeline_factory
from tests.support.pushing import SOURCE

PARTITIONS = 6


def _factory(
    request: pytest.FixtureRequest, kafka_bootstrap: str, es_url: str
) -> AbstractAsyncContextManager[PipelineFactory]:
    return pipeline_factory(
        request, kafka_bootstrap, es_url, source=SOURCE, partitions=PARTITIONS, NEWSFLOW_LOG_LEVEL="INFO"
    )


@pytest.fixture
async def pipelines(
    request: pytest.FixtureRequest, kafka_bootstrap: str, es_url: str
) -> AsyncIterator[PipelineFactory]:
    """Factory of pipelines (not started) stopped at the end of the test."""
    async with _factory(request, kafka_bootstrap, es_url) as factory:
        yield factory


@pytest.fixture(scope="module")
async def module_pipelines(
    request: pytest.FixtureRequest, kafka_bootstrap: str, es_url: str
) -> AsyncIterator[PipelineFactory]:
    """Factory of pipelines shared by the tests of one module."""
    async with _factory(request, kafka_bootstrap, es_url) as factory:
        yield factory


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    write_results()
