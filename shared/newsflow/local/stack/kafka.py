"""One Kafka 4.x process in KRaft combined mode (broker + controller) on 127.0.0.1.

Files under ``<run_dir>/kafka``: ``server.properties``, ``log4j2.properties``, ``data/`` (log dirs
and KRaft metadata, formatted once), ``logs/server.log`` and ``kafka.out`` (stdout/stderr).
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsflow.local import processes
from newsflow.local.stack import jvm_tuning
from newsflow.local.stack.artifacts import KafkaDistribution
from newsflow.local.stack.jdk import JavaInstall

logger = logging.getLogger(__name__)

COMPONENT = "kafka"
MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"


class KafkaStartError(RuntimeError):
    """The broker did not start or did not answer in time."""


@dataclass(frozen=True)
class KafkaLayout:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "server.properties"

    @property
    def log4j_config(self) -> Path:
        return self.root / "log4j2.properties"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def stdout(self) -> Path:
        return self.root / "kafka.out"

    @property
    def formatted(self) -> bool:
        return (self.data / "meta.properties").exists()


def new_cluster_id() -> str:
    """16 random bytes, URL-safe base64 without padding (22 chars), like ``kafka-storage random-uuid``.

    Like Kafka's own generator it never starts with "-": the storage tool's argument parser would
    take such an id for an option ("argument --cluster-id/-t: expected one argument").
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


@dataclass(frozen=True)
class Quorum:
    """This broker's place in a KRaft cluster of combined broker+controller nodes (static voters)."""

    node_id: int
    controller_ports: tuple[int, ...]  # of nodes 1..N, in node id order

    @property
    def voters(self) -> str:
        return ",".join(f"{i}@127.0.0.1:{p}" for i, p in enumerate(self.controller_ports, start=1))

    @property
    def replication(self) -> int:
        """Internal topics' replication factor: min(3, brokers); their min ISR: one less (at least 1)."""
        return min(3, len(self.controller_ports))


def server_properties(
    layout: KafkaLayout,
    port: int,
    controller_port: int,
    quorum: Quorum | None = None,
    tuning: Mapping[str, str] | None = None,
) -> str:
    """One node's configuration: the single combined node (``quorum`` None, dynamic quorum of one) or
    node ``quorum.node_id`` of a static quorum where every node is broker and controller.
    ``tuning``: settings that replace or add to the defaults (a cluster's thread counts)."""
    rf = quorum.replication if quorum else 1
    isr = max(1, rf - 1)
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(quorum.node_id) if quorum else "1",
        **(
            {"controller.quorum.voters": quorum.voters}
            if quorum
            else {"controller.quorum.bootstrap.servers": f"127.0.0.1:{controller_port}"}
        ),
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(layout.data),
        "metadata.log.dir": str(layout.data),
        "num.partitions": "1",
        "default.replication.factor": str(rf),
        "min.insync.replicas": str(isr),
        "offsets.topic.replication.factor": str(rf),
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": str(rf),
        "transaction.state.log.min.isr": str(isr),
        "transaction.state.log.num.partitions": "10",
        "share.coordinator.state.topic.replication.factor": str(rf),
        "share.coordinator.state.topic.min.isr": str(isr),
        "group.initial.rebalance.delay.ms": "0",
        "log.cleaner.enable": "true",
        "delete.topic.enable": "true",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
        "log.retention.hours": "168",
        "log.segment.bytes": str(256 * 1024 * 1024),
        **(tuning or {}),
    }
    lines = [
        "# Written by newsflow.local.stack; rewritten on every start.",
        *(f"{k}={v}" for k, v in settings.items()),
    ]
    return "\n".join(lines) + "\n"


def log4j2_properties(layout: KafkaLayout) -> str:
    log = layout.logs / "server.log"
    return f"""# Written by newsflow.local.stack
status = warn
name = newsflow-kafka
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
appender.console.filter.threshold.type = ThresholdFilter
appender.console.filter.threshold.level = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = {log}
appender.file.filePattern = {log}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = info
rootLogger.appenderRefs = stdout, file
rootLogger.appenderRef.stdout.ref = STDOUT
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = warn
"""


def write_config(
    layout: KafkaLayout,
    port: int,
    controller_port: int,
    quorum: Quorum | None = None,
    tuning: Mapping[str, str] | None = None,
) -> None:
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.logs.mkdir(parents=True, exist_ok=True)
    layout.config.write_text(
        server_properties(layout, port, controller_port, quorum, tuning), encoding="utf-8"
    )
    layout.log4j_config.write_text(log4j2_properties(layout), encoding="utf-8")


def _jvm_args(
    dist: KafkaDistribution,
    layout: KafkaLayout,
    run_dir: Path,
    heap: str,
    component: str,
    jvm_options: Sequence[str] = (),
) -> list[str]:
    return [
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        *jvm_options,  # after the defaults: a later flag wins (e.g. -XX:-UseG1GC -XX:+UseSerialGC)
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={layout.log4j_config}",
        f"-Dkafka.logs.dir={layout.logs}",
        *processes.marker_args(run_dir, component),
        "-cp",
        dist.classpath,
    ]


def format_storage(
    dist: KafkaDistribution,
    java: JavaInstall,
    layout: KafkaLayout,
    run_dir: Path,
    cluster_id: str,
    *,
    standalone: bool = True,
) -> None:
    """Format the KRaft storage once (no-op when ``data/meta.properties`` exists). ``standalone``:
    a quorum of this one node; else the static voters of its configuration."""
    if layout.formatted:
        return
    layout.data.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(java.java),
        "-Xmx256m",
        f"-Dlog4j2.configurationFile={layout.log4j_config}",
        f"-Dkafka.logs.dir={layout.logs}",
        "-cp",
        dist.classpath,
        STORAGE_TOOL,
        "format",
        "-t",
        cluster_id,
        "-c",
        str(layout.config),
        *(["--standalone"] if standalone else []),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0 or not layout.formatted:
        raise KafkaStartError(
            f"formatting Kafka storage failed: {(proc.stdout + proc.stderr).strip()[-2000:]}"
        )
    logger.info("formatted Kafka storage in %s (cluster id %s)", layout.data, cluster_id)


def launch(
    dist: KafkaDistribution,
    java: JavaInstall,
    layout: KafkaLayout,
    run_dir: Path,
    *,
    heap: str = "512m",
    component: str = COMPONENT,
    jvm_options: Sequence[str] = (),
) -> int:
    """Start the broker process detached; returns its pid (the JVM itself). ``component`` names it in
    its marker (``kafka``, or ``kafka-N`` for a cluster's node N); ``jvm_options`` come after the
    defaults."""
    args = _jvm_args(dist, layout, run_dir, heap, component, jvm_options)
    cmd = [str(java.java), *args, MAIN_CLASS, str(layout.config)]
    env = dict(os.environ)
    env.pop("JAVA_TOOL_OPTIONS", None)
    env.pop("KAFKA_OPTS", None)
    # ``nice`` execs the JVM: the pid stays the JVM's.
    proc = processes.spawn(jvm_tuning.with_priority(cmd), log_file=layout.stdout, cwd=layout.root, env=env)
    jvm_tuning.lower_group_priority(proc.pid)
    logger.info("started Kafka %s (pid %s, Java %s)", dist.version, proc.pid, java.version)
    return proc.pid


async def _describe_cluster(bootstrap: str, request_timeout: float) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient  # local import: keep `stack status` light

    client = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=max(1000, int(request_timeout * 1000)),
        client_id="newsflow-stack-probe",
    )
    try:
        await client.start()
        info = await client.describe_cluster()
        brokers = info.get("brokers") or []
        controller = info.get("controller_id", -1)
        return bool(brokers) and controller is not None and controller >= 0
    finally:
        await client.close()


def kafka_answers(bootstrap: str, timeout: float = 5.0) -> bool:
    """A metadata request through aiokafka succeeds and names a broker and an active controller."""
    host, _, port_text = bootstrap.rpartition(":")
    if not processes.port_open(host, int(port_text), timeout=min(timeout, 1.0)):
        return False
    aiokafka_logger = logging.getLogger("aiokafka")
    previous = aiokafka_logger.level
    aiokafka_logger.setLevel(logging.CRITICAL)  # probing a starting broker is noisy by design
    try:
        return processes.run_coroutine_sync(_describe_cluster(bootstrap, timeout), timeout + 10)
    except Exception as exc:  # any client error means "not answering (yet)"
        logger.debug("Kafka probe of %s failed: %s", bootstrap, exc)
        return False
    finally:
        aiokafka_logger.setLevel(previous)


def wait_ready(bootstrap: str, pid: int, run_dir: Path, layout: KafkaLayout, deadline: float) -> None:
    """Block until the broker answers; raise (with the log tail) if it dies or the deadline passes."""
    while True:
        if not processes.pid_alive(pid):
            raise KafkaStartError(
                f"Kafka (pid {pid}) exited during startup; log tail:\n{processes.tail(layout.stdout)}\n"
                f"{processes.tail(layout.logs / 'server.log', 15)}"
            )
        if kafka_answers(bootstrap, timeout=3.0):
            return
        if time.monotonic() > deadline:
            raise KafkaStartError(
                f"Kafka did not answer on {bootstrap} in time; log tail:\n"
                f"{processes.tail(layout.logs / 'server.log', 25)}"
            )
        time.sleep(0.5)
