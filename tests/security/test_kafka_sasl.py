"""Kafka SASL/SCRAM-SHA-512 with our client settings, against a throwaway broker started by this module.

The broker is a separate Kafka 4.x process (same distribution and JDK as the local stack) with its own
``server.properties`` in a temp dir: a PLAINTEXT listener for the controller and inter-broker traffic and
a SASL_PLAINTEXT listener with SCRAM-SHA-512 for clients. The SCRAM credential is created when the
storage is formatted (``kafka-storage format --add-scram``). The shared stack code is not touched.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from newsflow.ingest.publisher import ArticlePublisher, KafkaUnavailable
from newsflow.kafka import make_consumer, make_producer
from newsflow.local.processes import free_ports, port_open
from newsflow.local.stack import artifacts, jdk
from newsflow.local.stack import kafka as kf
from newsflow.models import RawArticle, utcnow
from newsflow.serde import decode
from newsflow.settings import KafkaSettings, TopicSettings
from tests.support.ci import unavailable

USER = "newsflow"
PASSWORD = "scram-P4SS-7d2c91e0b6"
WRONG = "scram-WRONG-0a9b8c7d6e"


def _properties(root: Path, client_port: int, internal_port: int, controller_port: int) -> str:
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{controller_port}",
        "listeners": (
            f"SASL://127.0.0.1:{client_port},INTERNAL://127.0.0.1:{internal_port},"
            f"CONTROLLER://127.0.0.1:{controller_port}"
        ),
        "advertised.listeners": f"SASL://127.0.0.1:{client_port},INTERNAL://127.0.0.1:{internal_port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "INTERNAL",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,SASL:SASL_PLAINTEXT",
        "sasl.enabled.mechanisms": "SCRAM-SHA-512",
        "listener.name.sasl.scram-sha-512.sasl.jaas.config": (
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        ),
        "log.dirs": str(root / "data"),
        "metadata.log.dir": str(root / "data"),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    return "".join(f"{k}={v}\n" for k, v in settings.items())


@pytest.fixture(scope="module")
def sasl_bootstrap() -> Iterator[str]:
    """``127.0.0.1:PORT`` of a SASL_PLAINTEXT/SCRAM-SHA-512 listener with user ``newsflow``."""
    try:
        dist = artifacts.ensure_kafka(artifacts.default_cache_dir())
        java = jdk.find_java(17, override_env="NEWSFLOW_KAFKA_JAVA_HOME")
    except (artifacts.ArtifactError, jdk.JavaNotFoundError) as exc:  # a missing tool, nothing else
        unavailable(f"no local Kafka distribution/JDK for the SASL broker: {exc}")
    root = Path(tempfile.mkdtemp(prefix="newsflow-sasl-kafka-"))
    layout = kf.KafkaLayout(root)
    layout.logs.mkdir(parents=True)
    layout.log4j_config.write_text(kf.log4j2_properties(layout), encoding="utf-8")
    client_port, internal_port, controller_port = free_ports(3)
    layout.config.write_text(_properties(root, client_port, internal_port, controller_port), encoding="utf-8")
    base = [str(java.java), f"-Dlog4j2.configurationFile={layout.log4j_config}", "-cp", dist.classpath]
    formatted = subprocess.run(
        [
            *base,
            kf.STORAGE_TOOL,
            "format",
            "-t",
            kf.new_cluster_id(),
            "-c",
            str(layout.config),
            "--standalone",
            "--add-scram",
            f"SCRAM-SHA-512=[name={USER},password={PASSWORD}]",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_TOOL_OPTIONS", "KAFKA_OPTS")}
    with layout.stdout.open("wb") as out:
        broker = subprocess.Popen(
            [*base[:1], "-Xms256m", "-Xmx256m", *base[1:], kf.MAIN_CLASS, str(layout.config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=root,
        )
    try:
        deadline = time.monotonic() + 90
        while not port_open("127.0.0.1", client_port):
            assert broker.poll() is None, layout.stdout.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "SASL broker did not open its port"
            time.sleep(0.3)
        yield f"127.0.0.1:{client_port}"
    finally:
        broker.terminate()
        try:
            broker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            broker.kill()
            broker.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _settings(bootstrap: str, password: str) -> KafkaSettings:
    return KafkaSettings(
        bootstrap_servers=bootstrap,
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username=USER,
        sasl_password=password,
    )


def _article(article_id: str) -> RawArticle:
    return RawArticle(
        id=article_id,
        source="acme",
        url="https://acme.example.com/sasl",
        title="Over SCRAM",
        body="Authenticated.",
        revision=1,
        ingested_at=utcnow(),
    )


async def test_ingest_publishes_over_sasl_scram_with_the_right_password(sasl_bootstrap: str) -> None:
    kafka = _settings(sasl_bootstrap, PASSWORD)
    topics = TopicSettings(raw="sasl-raw", enriched="sasl-enriched", dlq="sasl-dlq", partitions=1)
    publisher = ArticlePublisher(kafka, topics, timeout_s=20, create_topics=True)
    await publisher.start(wait_s=60)
    try:
        assert publisher.ready
        delivery = await publisher.publish(_article("sasl-1"))
    finally:
        await publisher.stop()
    assert (delivery.topic, delivery.offset) == ("sasl-raw", 0)
    consumer = make_consumer(kafka, "sasl-raw", group_id=None)
    await consumer.start()
    try:
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + 30
        while not records and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    assert [decode(r.value, RawArticle).id for r in records] == ["sasl-1"]


async def test_wrong_password_and_no_sasl_are_refused_without_revealing_the_password(
    sasl_bootstrap: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    producer = make_producer(_settings(sasl_bootstrap, WRONG), request_timeout_ms=5000)
    with pytest.raises(KafkaError) as refused:
        await asyncio.wait_for(producer.start(), 30)
    await producer.stop()
    message = f"{refused.value!r} {refused.value} {refused.value.__cause__!r}"
    assert WRONG not in message and PASSWORD not in message

    # ingest's publisher: not ready, a publish is KafkaUnavailable (-> HTTP 503), nothing leaks.
    topics = TopicSettings(raw="sasl-raw-2", enriched="sasl-e2", dlq="sasl-d2", partitions=1)
    publisher = ArticlePublisher(_settings(sasl_bootstrap, WRONG), topics, timeout_s=3, create_topics=True)
    await publisher.start(wait_s=3)
    try:
        assert not publisher.ready
        with pytest.raises(KafkaUnavailable) as unavailable:
            await publisher.publish(_article("never"))
    finally:
        await publisher.stop()
    assert WRONG not in str(unavailable.value)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "kafka connect failed" in logged
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("SaslAuthenticationFailed" in m and "invalid credentials" in m for m in errors), errors
    assert WRONG not in logged and PASSWORD not in logged

    # A client that does not speak SASL gets nothing either.
    plain = make_producer(KafkaSettings(bootstrap_servers=sasl_bootstrap), request_timeout_ms=3000)
    with pytest.raises((KafkaError, asyncio.TimeoutError)):
        await asyncio.wait_for(plain.start(), 15)
    await plain.stop()
