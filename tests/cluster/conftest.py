"""Cluster fixtures: one local cluster of three brokers and three Elasticsearch nodes for the whole
session (started once, stopped at the end; a watchdog stops it if pytest dies), and the session hook
that writes the scenarios' figures. Helpers are plain modules: nodes.py, searchable.py, results.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.local.stack import cluster
from tests.cluster import results
from tests.support.stack import fresh_run_dir

BROKERS = 3
ES_NODES = 3
START_TIMEOUT_S = 420.0


@pytest.fixture(scope="session")
def cluster_endpoints(request: pytest.FixtureRequest) -> Iterator[cluster.ClusterEndpoints]:
    """A fresh 3 + 3 cluster in its own run dir on free ports (never the dev stack's)."""

    def start(run_dir: Path) -> cluster.ClusterEndpoints:
        return cluster.start_cluster(run_dir, BROKERS, ES_NODES, timeout=START_TIMEOUT_S)

    t0 = time.monotonic()
    with fresh_run_dir(request, "test cluster", start, cluster.stop_cluster) as endpoints:
        results.note("cluster_start_s", round(time.monotonic() - t0, 1))
        yield endpoints


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    results.write()
