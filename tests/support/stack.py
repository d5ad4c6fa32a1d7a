"""Pytest plugin: a real Kafka broker and a real Elasticsearch node for integration tests.

Registered for every test by ``pytest_plugins`` in tests/conftest.py.

``stack_endpoints`` (session) picks, by explicit settings only (never by what is installed):

a. external services: ``NEWSFLOW_TEST_KAFKA_BOOTSTRAP`` and ``NEWSFLOW_TEST_ES_URL`` both set;
b. else ``NEWSFLOW_TEST_STACK`` (see :func:`stack_mode`):
   - ``local`` (the default): the local process stack (:mod:`newsflow.local.stack`) in a fresh temp
     run dir with free ports, so it never collides with a ``make stack-up`` stack; stopped (and its
     dir removed, unless a test failed or ``NEWSFLOW_TEST_KEEP_STACK`` is set) at session end;
   - ``docker``: containers through testcontainers (:mod:`tests.support.containers`: the official
     ``apache/kafka`` image in KRaft mode and Elasticsearch), removed at session end.

A machine with Docker installed therefore runs the same stack as one without, unless asked. When the
chosen stack cannot start, the tests are skipped, or failed when ``CI=true``.

``stack_control`` (session) stops and starts Kafka or Elasticsearch in both modes (:class:`StackControl`):
the local processes (:class:`LocalStackControl`) or the containers
(:class:`tests.support.containers.ContainerStack`: ``docker stop``/``kill``/``start`` of the same
container, same host port, same data). ``local_stack_control`` is for the few tests of the local
process stack itself (its run dir, its status CLI): marked ``local_stack_only`` and deselected in
docker mode (tests/conftest.py), since nothing of that stack runs there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar

import pytest

from newsflow.local.stack import (
    StackEndpoints,
    get_endpoints,
    stack_status,
    start_elasticsearch,
    start_kafka,
    start_stack,
    stop_elasticsearch,
    stop_kafka,
    stop_stack,
)
from newsflow.local.stack.watchdog import spawn_watchdog
from tests.support.ci import unavailable
from tests.support.containers import ContainerStack, docker_engine_answers, docker_stack

logger = logging.getLogger(__name__)

ENV_KAFKA = "NEWSFLOW_TEST_KAFKA_BOOTSTRAP"
ENV_ES = "NEWSFLOW_TEST_ES_URL"
ENV_MODE = "NEWSFLOW_TEST_STACK"
ENV_KEEP = "NEWSFLOW_TEST_KEEP_STACK"
STACK_MODES = ("local", "docker")

T = TypeVar("T")


def stack_mode(environ: Mapping[str, str]) -> str:
    """``local`` or ``docker`` from ``NEWSFLOW_TEST_STACK`` (unset or empty: ``local``)."""
    mode = environ.get(ENV_MODE, "").strip().lower() or "local"
    if mode not in STACK_MODES:
        raise ValueError(f"{ENV_MODE}={mode!r}: expected one of {', '.join(STACK_MODES)}")
    return mode


def _unavailable(reason: str) -> NoReturn:
    """Fail under CI, skip elsewhere."""
    unavailable(f"integration stack unavailable: {reason}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In docker mode, the tests of the local process stack itself (marker ``local_stack_only``: its
    run dir, its status CLI) have nothing to test: deselected (counted in the summary), not skipped."""
    try:
        docker = stack_mode(os.environ) == "docker"
    except ValueError:
        return  # the stack fixture reports the bad value
    dropped = [item for item in items if item.get_closest_marker("local_stack_only")] if docker else []
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("local_stack_only")]


# ------------------------------------------------------------------------------------ local stack


def _new_run_dir() -> Path:
    """A fresh run dir the Elasticsearch user can traverse (pytest's tmp dirs are mode 700)."""
    base = os.environ.get("NEWSFLOW_TEST_STACK_BASE") or tempfile.gettempdir()
    path = Path(tempfile.mkdtemp(prefix="newsflow-test-stack-", dir=base))
    os.chmod(path, 0o755)
    return path


class _StopsRunDir(Protocol):
    def __call__(self, run_dir: Path, *, force: bool = ...) -> None: ...


@contextlib.contextmanager
def fresh_run_dir(
    request: pytest.FixtureRequest, what: str, start: Callable[[Path], T], stop: _StopsRunDir
) -> Iterator[T]:
    """``start`` something (the test stack, the test cluster) in a fresh run dir and yield what it
    returned; ``stop`` it afterwards (forced if the start failed). A watchdog stops it if this pytest
    process dies without tearing down (killed by a timeout), so no broker or node outlives the run. The
    run dir (logs, data) is kept when a test failed or ``NEWSFLOW_TEST_KEEP_STACK`` is set."""
    run_dir = _new_run_dir()
    keep = bool(os.environ.get(ENV_KEEP))
    watchdog = spawn_watchdog(os.getpid(), run_dir, remove=not keep)
    t0 = time.monotonic()
    try:
        try:
            started = start(run_dir)
        except BaseException:
            with contextlib.suppress(Exception):
                stop(run_dir, force=True)
            logger.error("%s failed to start; its logs stay in %s", what, run_dir)
            raise
        logger.info("%s for tests up in %.1fs in %s", what, time.monotonic() - t0, run_dir)
        try:
            yield started
        finally:
            stop(run_dir)
            if keep or request.session.testsfailed > 0:
                logger.warning("keeping the run dir of the %s (logs, data): %s", what, run_dir)
            else:
                shutil.rmtree(run_dir, ignore_errors=True)
    finally:
        watchdog.terminate()
        with contextlib.suppress(Exception):
            watchdog.wait(timeout=10)


@dataclass(frozen=True)
class SessionStack:
    """The session's endpoints and, for containers, their handle (None for local or external)."""

    endpoints: StackEndpoints
    containers: ContainerStack | None = None


def _acquire(request: pytest.FixtureRequest, stack: contextlib.ExitStack) -> SessionStack:
    kafka_env, es_env = os.environ.get(ENV_KAFKA), os.environ.get(ENV_ES)
    if kafka_env and es_env:
        return SessionStack(StackEndpoints(kafka_bootstrap=kafka_env, elasticsearch_url=es_env.rstrip("/")))
    if kafka_env or es_env:
        _unavailable(f"set both {ENV_KAFKA} and {ENV_ES}, or neither")
    try:
        mode = stack_mode(os.environ)
    except ValueError as exc:
        _unavailable(str(exc))
    if mode == "docker":
        if not docker_engine_answers():
            _unavailable(f"{ENV_MODE}=docker but no Docker engine answers")
        try:
            containers = stack.enter_context(docker_stack())
            return SessionStack(containers.endpoints(), containers)
        except Exception as exc:
            _unavailable(f"docker: {type(exc).__name__}: {exc}")
    try:
        return SessionStack(
            stack.enter_context(fresh_run_dir(request, "local stack", start_stack, stop_stack))
        )
    except Exception as exc:
        _unavailable(f"local stack: {type(exc).__name__}: {exc}")


@pytest.fixture(scope="session")
def session_stack(request: pytest.FixtureRequest) -> Iterator[SessionStack]:
    """The session's stack: endpoints, and the container handle in docker mode."""
    with contextlib.ExitStack() as stack:
        yield _acquire(request, stack)


@pytest.fixture(scope="session")
def stack_endpoints(session_stack: SessionStack) -> StackEndpoints:
    """Kafka bootstrap + Elasticsearch URL of a real broker and node for this test session."""
    return session_stack.endpoints


@pytest.fixture(scope="session")
def kafka_bootstrap(stack_endpoints: StackEndpoints) -> str:
    """``127.0.0.1:PORT`` of the session's Kafka broker."""
    return stack_endpoints.kafka_bootstrap


@pytest.fixture(scope="session")
def es_url(stack_endpoints: StackEndpoints) -> str:
    """``http://127.0.0.1:PORT`` of the session's Elasticsearch node."""
    return stack_endpoints.elasticsearch_url


@pytest.fixture
def unique_name() -> Callable[..., str]:
    """Factory of collision-free lowercase names for topics, indices and consumer groups."""

    def make(prefix: str = "test") -> str:
        return f"{prefix.lower()}-{uuid.uuid4().hex[:12]}"

    return make


class StackControl(Protocol):
    """Stop/start Kafka or Elasticsearch of the session's stack, keeping ports and data."""

    def endpoints(self) -> StackEndpoints: ...
    def stop_kafka(self, *, force: bool = False) -> None: ...
    def start_kafka(self, timeout: float = 120) -> StackEndpoints: ...
    def stop_elasticsearch(self, *, force: bool = False) -> None: ...
    def start_elasticsearch(self, timeout: float = 180) -> StackEndpoints: ...
    def ensure_up(self, timeout: float = 180) -> StackEndpoints: ...
    def stop_all(self) -> None: ...
    def status(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class LocalStackControl:
    """Stop/start one component of the session's local stack (same ports and data dirs)."""

    run_dir: Path

    def endpoints(self) -> StackEndpoints:
        found = get_endpoints(self.run_dir)
        if found is None:
            raise RuntimeError(f"no local stack was ever started in {self.run_dir}")
        return found

    def stop_all(self) -> None:
        stop_stack(self.run_dir)

    def stop_kafka(self, *, force: bool = False) -> None:
        stop_kafka(self.run_dir, force=force)

    def start_kafka(self, timeout: float = 120) -> StackEndpoints:
        return start_kafka(self.run_dir, timeout=timeout)

    def stop_elasticsearch(self, *, force: bool = False) -> None:
        stop_elasticsearch(self.run_dir, force=force)

    def start_elasticsearch(self, timeout: float = 180) -> StackEndpoints:
        return start_elasticsearch(self.run_dir, timeout=timeout)

    def restart_kafka(self, *, force: bool = False) -> StackEndpoints:
        self.stop_kafka(force=force)
        return self.start_kafka()

    def restart_elasticsearch(self, *, force: bool = False) -> StackEndpoints:
        self.stop_elasticsearch(force=force)
        return self.start_elasticsearch()

    @contextlib.contextmanager
    def kafka_stopped(self, *, force: bool = False) -> Iterator[None]:
        """Kafka is down inside the block and started again (same port, same data) after it."""
        self.stop_kafka(force=force)
        try:
            yield
        finally:
            self.start_kafka()

    @contextlib.contextmanager
    def elasticsearch_stopped(self, *, force: bool = False) -> Iterator[None]:
        """Elasticsearch is down inside the block and started again after it."""
        self.stop_elasticsearch(force=force)
        try:
            yield
        finally:
            self.start_elasticsearch()

    def ensure_up(self, timeout: float = 180) -> StackEndpoints:
        """Start whatever component is down (a no-op when both run)."""
        return start_stack(self.run_dir, timeout=timeout)

    def status(self) -> dict[str, Any]:
        return stack_status(self.run_dir)


@pytest.fixture(scope="session")
def stack_control(session_stack: SessionStack) -> StackControl:
    """Stop/start control of the session's Kafka and Elasticsearch, local processes or containers;
    skipped (failed under CI) when the services are external."""
    if session_stack.containers is not None:
        return session_stack.containers
    if session_stack.endpoints.run_dir is None:
        _unavailable("the services are external: they cannot be stopped/started here")
    return LocalStackControl(session_stack.endpoints.run_dir)


@pytest.fixture(scope="session")
def local_stack_control(stack_endpoints: StackEndpoints) -> LocalStackControl:
    """Control over the local stack; skipped (failed under CI) when the services are not ours."""
    if stack_endpoints.run_dir is None:
        _unavailable("the services are external or in containers: they cannot be stopped/started here")
    return LocalStackControl(stack_endpoints.run_dir)
