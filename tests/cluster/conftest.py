"""Cluster fixtures: one local cluster of three brokers and three Elasticsearch nodes for the whole
session (started once, stopped at the end; a watchdog stops it if pytest dies), and the session hook
that writes the scenarios' figures. Helpers are plain modules: nodes.py, searchable.py, results.py."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from collections.abc import Iterator

import pytest

from newsflow.local.stack import cluster
from newsflow.local.stack.watchdog import spawn_watchdog
from tests.cluster import results
from tests.support.stack import _new_run_dir

logger = logging.getLogger(__name__)

BROKERS = 3
ES_NODES = 3
START_TIMEOUT_S = 420.0


@pytest.fixture(scope="session")
def cluster_endpoints(request: pytest.FixtureRequest) -> Iterator[cluster.ClusterEndpoints]:
    """A fresh 3 + 3 cluster in its own run dir on free ports (never the dev stack's)."""
    run_dir = _new_run_dir()
    keep = bool(os.environ.get("NEWSFLOW_TEST_KEEP_STACK"))
    watchdog = spawn_watchdog(os.getpid(), run_dir, remove=not keep)
    t0 = time.monotonic()
    try:
        try:
            endpoints = cluster.start_cluster(run_dir, BROKERS, ES_NODES, timeout=START_TIMEOUT_S)
        except BaseException:
            with contextlib.suppress(Exception):
                cluster.stop_cluster(run_dir, force=True)
            logger.error("the test cluster failed to start; its logs stay in %s", run_dir)
            raise
        results.note("cluster_start_s", round(time.monotonic() - t0, 1))
        try:
            yield endpoints
        finally:
            cluster.stop_cluster(run_dir)
            if keep or request.session.testsfailed > 0:
                print(f"\ncluster run dir kept (logs, data): {run_dir}")
            else:
                shutil.rmtree(run_dir, ignore_errors=True)
    finally:
        watchdog.terminate()
        with contextlib.suppress(Exception):
            watchdog.wait(timeout=10)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    results.write()
