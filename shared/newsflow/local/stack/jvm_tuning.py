"""JVM options of every local Kafka broker and Elasticsearch node — the single node's and a
cluster's alike, so that the two are compared on equal settings (docs/benchmarks.md).

The JIT: C1 only (``-XX:TieredStopAtLevel=1``). A local broker or node lives for one run or one
test session; with the default tiered JIT its C2 compiler threads took more CPU than its own work
during the end-to-end benchmark (a cluster's Elasticsearch nodes ~7 s of ~11 s each), and the
steady-state speed C2 buys never shows at a newsroom's rates. Measured: the single node ran
26–27.5 articles/s with C2 and 31–34 with C1; the cluster's Kafka + Elasticsearch CPU per article
fell from 61–88 to 20–30 ms.

Each default is replaced, for experiments, by an environment variable read when a JVM starts:
``NEWSFLOW_KAFKA_JVM_OPTS`` / ``NEWSFLOW_ES_JVM_OPTS`` (space-separated, after the distribution's
own options, so a later flag wins; set empty, the JVMs run their default JIT). A cluster's nodes take
``NEWSFLOW_CLUSTER_KAFKA_JVM_OPTS`` / ``NEWSFLOW_CLUSTER_ES_JVM_OPTS`` first when set.
"""

from __future__ import annotations

import os

KAFKA_JVM_OPTIONS: tuple[str, ...] = ("-XX:TieredStopAtLevel=1",)
ES_JVM_OPTIONS: tuple[str, ...] = ("-XX:TieredStopAtLevel=1",)


def env_options(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """``name``'s space-separated words, or ``default`` when it is unset (empty means none)."""
    value = os.environ.get(name)
    return default if value is None else tuple(value.split())


def kafka_jvm_options(*, cluster: bool = False) -> tuple[str, ...]:
    options = env_options("NEWSFLOW_KAFKA_JVM_OPTS", KAFKA_JVM_OPTIONS)
    return env_options("NEWSFLOW_CLUSTER_KAFKA_JVM_OPTS", options) if cluster else options


def es_jvm_options(*, cluster: bool = False) -> tuple[str, ...]:
    options = env_options("NEWSFLOW_ES_JVM_OPTS", ES_JVM_OPTIONS)
    return env_options("NEWSFLOW_CLUSTER_ES_JVM_OPTS", options) if cluster else options
