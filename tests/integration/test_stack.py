"""The local stack itself: a real Kafka round trip, a real Elasticsearch index + search, restarts.

Tests that stop/start components go through ``stack_control``: the local processes, or the containers
with ``NEWSFLOW_TEST_STACK=docker`` (same ports, same data, new pids); skipped (failed under CI) when
the services are external. The status CLI test is of the local process stack only
(``local_stack_only``, deselected in docker mode). The whole-stack stop/start test runs last in this
module and brings the stack back up on the same ports and data.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from elasticsearch import AsyncElasticsearch

from newsflow.local.processes import pid_alive
from newsflow.local.stack import StackEndpoints, jvm_tuning
from newsflow.local.stack.manager import STATE_FILE
from tests.support.stack import LocalStackControl, StackControl

pytestmark = pytest.mark.integration


async def _create_topic(bootstrap: str, topic: str, *, compacted: bool = False) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        configs = {"cleanup.policy": "compact"} if compacted else {}
        await admin.create_topics(
            [NewTopic(topic, num_partitions=1, replication_factor=1, topic_configs=configs)]
        )
    finally:
        await admin.close()


async def _produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def _consume(bootstrap: str, topic: str, group: str, count: int, wait_s: float = 30.0) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        deadline = time.monotonic() + wait_s
        while len(values) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                values.extend(r.value for r in records if r.value is not None)
        await consumer.commit()
    finally:
        await consumer.stop()
    return values


def _es(url: str) -> AsyncElasticsearch:
    return AsyncElasticsearch(url, request_timeout=30)


async def test_kafka_round_trip(kafka_bootstrap: str, unique_name: Callable[..., str]) -> None:
    topic = unique_name("stack-roundtrip")
    await _create_topic(kafka_bootstrap, topic)
    sent = [(f"k{i}".encode(), f"message {i}".encode()) for i in range(5)]
    await _produce(kafka_bootstrap, topic, sent)
    received = await _consume(kafka_bootstrap, topic, unique_name("stack-group"), len(sent))
    assert received == [value for _, value in sent]


async def test_kafka_compacted_topic(kafka_bootstrap: str, unique_name: Callable[..., str]) -> None:
    topic = unique_name("stack-compacted")
    await _create_topic(kafka_bootstrap, topic, compacted=True)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    entries = {e[0]: e[1] for e in described[0].resources[0][4]}
    assert entries["cleanup.policy"] == "compact"


async def test_elasticsearch_index_and_search(es_url: str, unique_name: Callable[..., str]) -> None:
    index = unique_name("stack-docs")
    client = _es(es_url)
    try:
        health = await client.cluster.health(wait_for_status="yellow", timeout="30s")
        assert health["status"] in ("yellow", "green")
        await client.indices.create(
            index=index,
            settings={"number_of_shards": 1, "number_of_replicas": 0},
            mappings={"properties": {"title": {"type": "text"}, "lang": {"type": "keyword"}}},
        )
        await client.index(
            index=index,
            id="a1",
            document={"title": "Harbour reopens after storm", "lang": "en"},
            refresh=True,
        )
        await client.index(
            index=index, id="a2", document={"title": "Markets close higher", "lang": "en"}, refresh=True
        )
        found = await client.search(index=index, query={"match": {"title": "harbour storm"}})
        hits = found["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["a1"]
        assert hits[0]["_source"]["lang"] == "en"
        await client.indices.delete(index=index)
    finally:
        await client.close()


def test_start_stack_is_idempotent(stack_control: StackControl, stack_endpoints: StackEndpoints) -> None:
    first = stack_control.ensure_up()
    second = stack_control.ensure_up()
    assert first == second
    assert first.kafka_bootstrap == stack_endpoints.kafka_bootstrap
    assert first.elasticsearch_url == stack_endpoints.elasticsearch_url
    assert first.kafka_pid is not None and pid_alive(first.kafka_pid)
    assert first.elasticsearch_pid is not None and pid_alive(first.elasticsearch_pid)


@pytest.mark.local_stack_only
def test_status_cli_json(local_stack_control: LocalStackControl, stack_endpoints: StackEndpoints) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsflow.cli.stack",
            "status",
            "--json",
            "--run-dir",
            str(local_stack_control.run_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "shared")},
    )
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    assert status["kafka"]["bootstrap"] == stack_endpoints.kafka_bootstrap
    assert status["kafka"]["alive"] is True
    assert status["elasticsearch"]["url"] == stack_endpoints.elasticsearch_url
    assert status["elasticsearch"]["alive"] is True


def _cmdlines(pid: int) -> list[list[str]]:
    """The command lines of ``pid`` and every process below it (the Elasticsearch launcher starts
    the server JVM as a child)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            found.append(Path(f"/proc/{current}/cmdline").read_bytes().decode(errors="replace").split("\0"))
        except OSError:
            continue
        todo.extend(children.get(current, []))
    return found


@pytest.mark.local_stack_only
def test_local_jvms_run_the_shared_jvm_options(stack_control: StackControl) -> None:
    """The single node's broker and node get the same JVM options and CPU priority as a cluster's
    (C1 JIT only, nice 10 by default): the benchmark compares the two on equal settings."""
    endpoints = stack_control.ensure_up()
    assert endpoints.kafka_pid is not None and endpoints.elasticsearch_pid is not None
    for pid, wanted in (
        (endpoints.kafka_pid, jvm_tuning.kafka_jvm_options()),
        (endpoints.elasticsearch_pid, jvm_tuning.es_jvm_options()),
    ):
        jvms = [args for args in _cmdlines(pid) if any(a.endswith("java") for a in args[:1])]
        assert jvms, f"no JVM at or below pid {pid}"
        assert any(all(option in args for option in wanted) for args in jvms), (pid, wanted, jvms)
        # field 19 of /proc/<pid>/stat: the niceness the JVM runs at (its group's is in /proc/<pid>/autogroup)
        nice = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        assert nice == jvm_tuning.jvm_nice(), (pid, nice)


async def test_restart_kafka_only_keeps_port_and_data(
    stack_control: StackControl, kafka_bootstrap: str, unique_name: Callable[..., str]
) -> None:
    topic = unique_name("stack-restart")
    await _create_topic(kafka_bootstrap, topic)
    await _produce(kafka_bootstrap, topic, [(b"k", b"before restart")])
    before = stack_control.endpoints()
    assert before.kafka_pid is not None

    await asyncio.to_thread(stack_control.stop_kafka)
    assert not pid_alive(before.kafka_pid)
    status = await asyncio.to_thread(stack_control.status)
    assert status["kafka"]["alive"] is False
    assert status["elasticsearch"]["alive"] is True  # only Kafka went down

    after = await asyncio.to_thread(stack_control.start_kafka)
    assert after.kafka_bootstrap == kafka_bootstrap
    assert after.kafka_pid != before.kafka_pid
    assert after.elasticsearch_pid == before.elasticsearch_pid
    await _produce(kafka_bootstrap, topic, [(b"k", b"after restart")])
    values = await _consume(kafka_bootstrap, topic, unique_name("stack-group"), 2)
    assert values == [b"before restart", b"after restart"]


async def test_crash_elasticsearch_only_keeps_port_and_data(
    stack_control: StackControl, es_url: str, unique_name: Callable[..., str]
) -> None:
    index = unique_name("stack-persist")
    client = _es(es_url)
    try:
        await client.index(index=index, id="p1", document={"title": "persisted"}, refresh=True)
    finally:
        await client.close()
    before = stack_control.endpoints()
    assert before.elasticsearch_pid is not None

    await asyncio.to_thread(stack_control.stop_elasticsearch, force=True)  # SIGKILL: a crash
    assert not pid_alive(before.elasticsearch_pid)
    assert (await asyncio.to_thread(stack_control.status))["elasticsearch"]["alive"] is False

    after = await asyncio.to_thread(stack_control.start_elasticsearch)
    assert after.elasticsearch_url == es_url
    assert after.kafka_pid == before.kafka_pid
    client = _es(es_url)
    try:
        await client.cluster.health(index=index, wait_for_status="yellow", timeout="60s")
        doc = await client.get(index=index, id="p1")
        assert doc["_source"] == {"title": "persisted"}
        await client.indices.delete(index=index)
    finally:
        await client.close()


def test_stop_stack_ends_its_processes_then_restarts(
    stack_control: StackControl, stack_endpoints: StackEndpoints
) -> None:
    before = stack_control.ensure_up()
    assert before.kafka_pid is not None and before.elasticsearch_pid is not None

    stack_control.stop_all()
    assert not pid_alive(before.kafka_pid)
    assert not pid_alive(before.elasticsearch_pid)
    if isinstance(stack_control, LocalStackControl):
        assert not (stack_control.run_dir / STATE_FILE).exists()
    status = stack_control.status()
    assert status["kafka"]["alive"] is False and status["kafka"]["pid"] is None
    assert status["elasticsearch"]["alive"] is False and status["elasticsearch"]["pid"] is None
    stack_control.stop_all()  # stopping a stopped stack is harmless

    # Back up for whatever runs next: same ports, same data dirs.
    after = stack_control.ensure_up()
    assert after.kafka_bootstrap == stack_endpoints.kafka_bootstrap
    assert after.elasticsearch_url == stack_endpoints.elasticsearch_url
    assert {after.kafka_pid, after.elasticsearch_pid}.isdisjoint({before.kafka_pid, before.elasticsearch_pid})
