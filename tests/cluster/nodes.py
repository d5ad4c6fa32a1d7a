"""What the cluster scenarios ask the cluster: which broker leads most partitions, whether every
replica is back in sync, which Elasticsearch node holds most primaries. Plain module."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import AsyncElasticsearch


async def describe(bootstrap: str, topics: list[str]) -> list[dict[str, Any]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        return list(await admin.describe_topics(topics))
    finally:
        await admin.close()


async def leaders(bootstrap: str, topics: list[str]) -> Counter[int]:
    """Broker id -> how many partitions of ``topics`` it leads now."""
    counts: Counter[int] = Counter()
    for topic in await describe(bootstrap, topics):
        for partition in topic["partitions"]:
            if partition["leader"] >= 0:
                counts[partition["leader"]] += 1
    return counts


async def out_of_sync(bootstrap: str, topics: list[str]) -> list[tuple[str, int]]:
    """Partitions of ``topics`` whose in-sync replicas are fewer than their replicas."""
    lagging: list[tuple[str, int]] = []
    for topic in await describe(bootstrap, topics):
        for partition in topic["partitions"]:
            if len(partition["isr"]) < len(partition["replicas"]) or partition["leader"] < 0:
                lagging.append((topic["topic"], partition["partition"]))
    return lagging


async def wait_in_sync(bootstrap: str, topics: list[str], within: float = 90.0) -> float:
    """Wait until every partition of ``topics`` has all its replicas in sync; return the seconds."""
    started = time.monotonic()
    lagging: list[tuple[str, int]] = []
    while time.monotonic() - started < within:
        try:
            lagging = await out_of_sync(bootstrap, topics)
        except Exception as exc:  # a broker that just came back may refuse metadata for a moment
            lagging = [(repr(exc), -1)]
        if not lagging:
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    raise AssertionError(f"replicas not back in sync within {within:.0f}s: {lagging[:6]}")


async def primaries(es_urls: list[str], index: str) -> Counter[str]:
    """Elasticsearch node name -> how many primary shards of ``index`` (an alias works) it holds."""
    async with AsyncElasticsearch(es_urls, request_timeout=20) as es:
        shards: Any = (await es.cat.shards(index=index, format="json", h="prirep,state,node")).body
    return Counter(s["node"] for s in shards if s["prirep"] == "p" and s["state"] == "STARTED")


async def wait_green(es_urls: list[str], within: float = 120.0) -> None:
    """Wait until the cluster is green again (every replica allocated)."""
    async with AsyncElasticsearch(es_urls, request_timeout=30) as es:
        deadline = time.monotonic() + within
        while True:
            try:
                health = await es.cluster.health(wait_for_status="green", timeout="5s")
                if health["status"] == "green":
                    return
            except Exception:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"Elasticsearch not green within {within:.0f}s")
            await asyncio.sleep(1.0)


async def topic_layout(bootstrap: str, topic: str) -> tuple[set[int], str]:
    """(replica counts of the topic's partitions, its ``min.insync.replicas``)."""
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    (described,) = await describe(bootstrap, [topic])
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        configs = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    entries = {e[0]: e[1] for e in configs[0].resources[0][4]}
    return {len(p["replicas"]) for p in described["partitions"]}, entries["min.insync.replicas"]


async def index_copies(es_urls: list[str], index: str) -> Counter[str]:
    """ "p" / "r" -> how many primary / replica shards of ``index`` exist."""
    async with AsyncElasticsearch(es_urls, request_timeout=20) as es:
        shards: Any = (await es.cat.shards(index=index, format="json", h="prirep")).body
    return Counter(s["prirep"] for s in shards)
