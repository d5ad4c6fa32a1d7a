"""JVM options of every local Kafka broker and Elasticsearch node — the single node's and a
cluster's alike, so that the two are compared on equal settings (docs/benchmarks.md).

The JIT: C1 only (``-XX:TieredStopAtLevel=1``). A local broker or node lives for one run or one
test session; with the default tiered JIT its C2 compiler threads took more CPU than its own work
during the end-to-end benchmark (a cluster's Elasticsearch nodes ~7 s of ~11 s each), and the
steady-state speed C2 buys never shows at a newsroom's rates. Measured: the single node ran
26–27.5 articles/s with C2 and 31–34 with C1; the cluster's Kafka + Elasticsearch CPU per article
fell from 61–88 to 20–30 ms.

The CPU priority: every local JVM runs at ``nice`` 10 (``JVM_NICE``): its command goes through
``nice -n 10`` and, since each local process starts a session of its own and Linux schedules
sessions as groups (``/proc/sys/kernel/sched_autogroup_enabled``), its session's group gets the same
niceness (``/proc/<pid>/autogroup``; without that, a thread's own niceness only counts inside its
group). On one shared machine the
brokers and nodes then yield a core to the pipeline's own processes when both want it — what
separate machines, or CPU requests on Kubernetes, give a real deployment — while an idle core is
still theirs at once. It changes no guarantee and no timeout; it decides who waits when the machine
is short of CPU. ``NEWSFLOW_STACK_JVM_NICE`` replaces it (0: the same priority as everything else).

Each default is replaced, for experiments, by an environment variable read when a JVM starts:
``NEWSFLOW_KAFKA_JVM_OPTS`` / ``NEWSFLOW_ES_JVM_OPTS`` (space-separated, after the distribution's
own options, so a later flag wins; set empty, the JVMs run their default JIT). A cluster's nodes take
``NEWSFLOW_CLUSTER_KAFKA_JVM_OPTS`` / ``NEWSFLOW_CLUSTER_ES_JVM_OPTS`` first when set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

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


JVM_NICE = 10


def jvm_nice() -> int:
    """The niceness of every local JVM (``NEWSFLOW_STACK_JVM_NICE``, default ``JVM_NICE``; 0-19)."""
    value = os.environ.get("NEWSFLOW_STACK_JVM_NICE")
    if value is None or not value.strip():
        return JVM_NICE
    try:
        nice = int(value)
    except ValueError as exc:
        raise ValueError(f"NEWSFLOW_STACK_JVM_NICE: expected an integer 0-19, got {value!r}") from exc
    if not 0 <= nice <= 19:
        raise ValueError(f"NEWSFLOW_STACK_JVM_NICE: expected an integer 0-19, got {nice}")
    return nice


def lower_group_priority(pid: int) -> bool:
    """Give the scheduling group (autogroup) of ``pid`` the JVM niceness; False where the kernel has
    no autogroups or refuses (the ``nice -n`` of :func:`with_priority` still holds inside it)."""
    nice = jvm_nice()
    if not nice:
        return False
    try:
        Path(f"/proc/{pid}/autogroup").write_text(f"{nice}\n", encoding="ascii")
    except OSError:
        return False
    return True


def with_priority(cmd: Sequence[str]) -> list[str]:
    """``cmd`` run through ``nice -n N`` (N from :func:`jvm_nice`; every thread and child process
    inherits it), or unchanged when N is 0 or there is no ``nice`` on the PATH."""
    nice = jvm_nice()
    program = shutil.which("nice") if nice else None
    return [program, "-n", str(nice), *cmd] if program else list(cmd)
