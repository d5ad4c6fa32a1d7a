"""Kafka and Elasticsearch in containers for the test session (``NEWSFLOW_TEST_STACK=docker``).

Used by :mod:`tests.support.stack`. Through testcontainers' ``DockerContainer``:

- Kafka: the official ``apache/kafka`` image (KRaft, broker + controller in one node), configured
  through its ``KAFKA_*`` environment. The client listener is published on a free host port on
  127.0.0.1 that is chosen first, so the broker can advertise ``127.0.0.1:<that port>``; the broker
  talks to itself on a second, internal listener. Ready when a client gets cluster metadata.
- Elasticsearch: ``docker.elastic.co/elasticsearch/elasticsearch``, single node, security off, ready
  when ``GET /_cluster/health?wait_for_status=yellow`` says so (``GET /`` answers before the node can
  hold an index).

Ryuk (testcontainers' reaper container) is **disabled** by default (``TESTCONTAINERS_RYUK_DISABLED``
is set to ``true`` unless already set): its image comes from a registry, which offline machines cannot
reach. The containers are removed at session end by this module instead, and every container carries
the label ``newsflow.test-stack.pid=<pytest pid>``: a later session removes those left by a pytest
process that no longer exists (killed before its teardown). Connection mode: the ports are published
on 127.0.0.1 of the engine's host, so the tests must run on that host (``TESTCONTAINERS_HOST_OVERRIDE``
/ ``TC_HOST`` are not used); a remote ``DOCKER_HOST`` is not supported.

Images: ``NEWSFLOW_TEST_KAFKA_IMAGE`` and ``NEWSFLOW_TEST_ES_IMAGE``. Without a registry, build them
with ``scripts/offline-images.sh`` (stand-ins under the official names; docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx

from newsflow.local.stack import StackEndpoints

logger = logging.getLogger(__name__)

KAFKA_IMAGE = os.environ.get("NEWSFLOW_TEST_KAFKA_IMAGE", "apache/kafka:4.1.1")
ES_IMAGE = os.environ.get("NEWSFLOW_TEST_ES_IMAGE", "docker.elastic.co/elasticsearch/elasticsearch:9.2.0")
LABEL = "newsflow.test-stack.pid"
KAFKA_CLUSTER_ID = "bmV3c2Zsb3ctdGVzdHMtMQ"  # 16 bytes, base64url: any fixed id will do


def docker_engine_answers(timeout: float = 3.0) -> bool:
    """Whether a Docker engine answers a ping within ``timeout`` seconds."""
    try:
        import docker
    except ImportError:
        return False
    try:
        client = docker.from_env(timeout=int(max(1, timeout)))
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphans() -> list[str]:
    """Remove test containers whose pytest process is gone; their names."""
    import docker

    client = docker.from_env()
    removed: list[str] = []
    try:
        for container in client.containers.list(all=True, filters={"label": LABEL}):
            owner = container.labels.get(LABEL, "")
            if owner.isdigit() and _pid_alive(int(owner)):
                continue
            with contextlib.suppress(Exception):
                container.remove(force=True, v=True)
                removed.append(container.name)
    finally:
        client.close()
    if removed:
        logger.warning("removed test containers left by a dead session: %s", removed)
    return removed


def kafka_environment(host_port: int) -> dict[str, str]:
    """The ``apache/kafka`` environment of a one-node KRaft cluster advertising 127.0.0.1:host_port."""
    return {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": "CLIENT://:9092,BROKER://:19092,CONTROLLER://:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"CLIENT://127.0.0.1:{host_port},BROKER://localhost:19092",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CLIENT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "BROKER",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "CLUSTER_ID": KAFKA_CLUSTER_ID,
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "KAFKA_LOG_DIRS": "/tmp/kafka-data",
        "KAFKA_HEAP_OPTS": "-Xms512m -Xmx512m",
    }


def elasticsearch_environment() -> dict[str, str]:
    """Single node, security off, small heap, no disk watermarks (test machines have full disks)."""
    return {
        "discovery.type": "single-node",
        "xpack.security.enabled": "false",
        "cluster.routing.allocation.disk.threshold_enabled": "false",
        "action.destructive_requires_name": "false",
        "ES_JAVA_OPTS": "-Xms512m -Xmx512m",
    }


def _container(image: str, env: dict[str, str], ports: dict[int, int]) -> Any:
    from testcontainers.core.container import DockerContainer

    container = DockerContainer(image, labels={LABEL: str(os.getpid())})
    for key, value in env.items():
        container.with_env(key, value)
    for inside, outside in ports.items():
        # Published on 127.0.0.1 only (the docker SDK's (address, port) form).
        container.ports[inside] = ("127.0.0.1", outside)
    return container


async def _kafka_metadata(bootstrap: str) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        return bool(cluster.get("brokers"))
    finally:
        await admin.close()


def wait_for_kafka(bootstrap: str, container: Any, timeout: float) -> None:
    """Until a client gets the cluster's metadata (with a broker) from ``bootstrap`` (bounded)."""
    deadline = time.monotonic() + timeout
    last: object = "no broker yet"
    while time.monotonic() < deadline:
        container.reload()
        if container.status not in ("created", "running"):
            raise RuntimeError(f"Kafka container {container.status}:\n{container.logs()[-3000:]!r}")
        try:
            if asyncio.run(_kafka_metadata(bootstrap)):
                return
        except Exception as exc:  # not listening yet
            last = exc
        time.sleep(1)
    raise TimeoutError(f"Kafka at {bootstrap} not ready within {timeout:.0f}s: {last}")


def wait_for_elasticsearch(url: str, container: Any, timeout: float) -> None:
    """Until ``_cluster/health?wait_for_status=yellow`` answers yellow or green (bounded)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        container.reload()
        if container.status not in ("created", "running"):
            raise RuntimeError(f"Elasticsearch container {container.status}:\n{container.logs()[-3000:]!r}")
        try:
            response = httpx.get(
                f"{url}/_cluster/health", params={"wait_for_status": "yellow", "timeout": "5s"}, timeout=10
            )
            status = response.json().get("status") if response.status_code == 200 else None
            if status in ("yellow", "green"):
                return
            last = f"HTTP {response.status_code} {response.text[:200]}"
        except (httpx.HTTPError, ValueError) as exc:
            last = repr(exc)
        time.sleep(1)
    raise TimeoutError(f"Elasticsearch at {url} not healthy within {timeout:.0f}s: {last}")


class ContainerStack:
    """The session's Kafka and Elasticsearch containers, stopped and started in place.

    What the fault and restart tests rely on, in container terms: a stop is ``docker stop`` (SIGTERM,
    then SIGKILL after the grace period), a crash (``force``) is ``docker kill`` (SIGKILL); a start is
    ``docker start`` of the same container, so the broker's log dirs and the node's data (in the
    container's own layer) survive, and the host ports stay the same (they are fixed host ports, not
    a random mapping). ``pid`` is the host pid of the container's main process (State.Pid).
    """

    def __init__(self, kafka: Any, elasticsearch: Any, bootstrap: str, url: str) -> None:
        self.kafka, self.elasticsearch = kafka, elasticsearch
        self.bootstrap, self.url = bootstrap, url

    @staticmethod
    def _pid(container: Any) -> int | None:
        container.reload()
        pid = int(container.attrs.get("State", {}).get("Pid") or 0)
        return pid if container.status == "running" and pid > 0 else None

    @staticmethod
    def _stop(container: Any, force: bool, grace_s: int = 30) -> None:
        container.reload()
        if container.status == "running":
            if force:
                container.kill()  # SIGKILL
            else:
                container.stop(timeout=grace_s)
        container.wait(timeout=grace_s + 30)  # until it has exited (bounded)
        container.reload()

    def endpoints(self) -> StackEndpoints:
        return StackEndpoints(
            kafka_bootstrap=self.bootstrap,
            elasticsearch_url=self.url,
            kafka_pid=self._pid(self.kafka),
            elasticsearch_pid=self._pid(self.elasticsearch),
        )

    def stop_kafka(self, *, force: bool = False) -> None:
        self._stop(self.kafka, force)

    def start_kafka(self, timeout: float = 120) -> StackEndpoints:
        self.kafka.reload()
        if self.kafka.status != "running":
            self.kafka.start()
        wait_for_kafka(self.bootstrap, self.kafka, timeout)
        return self.endpoints()

    def stop_elasticsearch(self, *, force: bool = False) -> None:
        self._stop(self.elasticsearch, force)

    def start_elasticsearch(self, timeout: float = 180) -> StackEndpoints:
        self.elasticsearch.reload()
        if self.elasticsearch.status != "running":
            self.elasticsearch.start()
        wait_for_elasticsearch(self.url, self.elasticsearch, timeout)
        return self.endpoints()

    def ensure_up(self, timeout: float = 180) -> StackEndpoints:
        """Start whatever container is stopped, then wait until both answer."""
        self.start_kafka(timeout)
        return self.start_elasticsearch(timeout)

    def stop_all(self) -> None:
        self.stop_elasticsearch()
        self.stop_kafka()

    def status(self) -> dict[str, Any]:
        """The shape of ``newsflow.local.stack.stack_status`` for the keys the tests read."""
        kafka_pid, es_pid = self._pid(self.kafka), self._pid(self.elasticsearch)
        return {
            "kafka": {
                "bootstrap": self.bootstrap,
                "alive": kafka_pid is not None and _kafka_answers(self.bootstrap),
                "running": kafka_pid is not None,
                "pid": kafka_pid,
            },
            "elasticsearch": {
                "url": self.url,
                "alive": es_pid is not None and _elasticsearch_healthy(self.url),
                "running": es_pid is not None,
                "pid": es_pid,
            },
        }


def _kafka_answers(bootstrap: str) -> bool:
    try:
        return asyncio.run(_kafka_metadata(bootstrap))
    except Exception:
        return False


def _elasticsearch_healthy(url: str) -> bool:
    try:
        response = httpx.get(f"{url}/_cluster/health", timeout=5)
        return response.status_code == 200 and response.json().get("status") in ("yellow", "green")
    except (httpx.HTTPError, ValueError):
        return False


@contextlib.contextmanager
def docker_stack(timeout: float = 180) -> Iterator[ContainerStack]:
    """Start Kafka and Elasticsearch containers; remove them (and their volumes) on exit."""
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
    from testcontainers.core.config import testcontainers_config

    testcontainers_config.ryuk_disabled = os.environ["TESTCONTAINERS_RYUK_DISABLED"].lower() == "true"
    remove_orphans()
    kafka_port, es_port = _free_port(), _free_port()
    kafka = _container(KAFKA_IMAGE, kafka_environment(kafka_port), {9092: kafka_port})
    es = _container(ES_IMAGE, elasticsearch_environment(), {9200: es_port})
    started: list[Any] = []
    t0 = time.monotonic()
    try:
        for container in (kafka, es):
            container.start()
            started.append(container)
        bootstrap, url = f"127.0.0.1:{kafka_port}", f"http://127.0.0.1:{es_port}"
        handle = ContainerStack(kafka.get_wrapped_container(), es.get_wrapped_container(), bootstrap, url)
        wait_for_kafka(bootstrap, handle.kafka, timeout)
        wait_for_elasticsearch(url, handle.elasticsearch, timeout)
        logger.info(
            "containers up in %.1fs: Kafka %s, Elasticsearch %s", time.monotonic() - t0, bootstrap, url
        )
        yield handle
    finally:
        for container in reversed(started):
            with contextlib.suppress(Exception):
                container.get_wrapped_container().remove(force=True, v=True)
