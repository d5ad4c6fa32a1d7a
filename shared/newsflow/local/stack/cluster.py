"""A local cluster: N Kafka brokers (KRaft, each node broker + controller, static voters) and M
Elasticsearch nodes (all master-eligible data nodes), each a process of its own with its own ports,
data dir and logs, each stoppable and restartable alone.

The single-node stack (:mod:`newsflow.local.stack.manager`) is untouched by this module: a run dir is
either a single-node stack (``stack-config.json``) or a cluster (``cluster-config.json``), never both.

Files in ``run_dir``:

``cluster-config.json``  node counts, every node's ports, the Kafka cluster id, the ES cluster name.
``cluster-state.json``   pid, version and JDK of every running node, by node name.
``kafka-N/``, ``es-N/``  configs, data and logs of each node (N from 1).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from newsflow.local import processes
from newsflow.local.stack import analysis_plugin, artifacts, jdk, jvm_tuning
from newsflow.local.stack import elasticsearch as es
from newsflow.local.stack import kafka as kf
from newsflow.local.stack.manager import (
    ES_STOP_GRACE,
    KAFKA_STOP_GRACE,
    ComponentState,
    StackEndpoints,
    StackError,
    _check_port,
    _es_version_chain,
    _resolve_run_dir,
    _run_lock,
    _write_json,
)

logger = logging.getLogger(__name__)

CONFIG_FILE = "cluster-config.json"
STATE_FILE = "cluster-state.json"
MAX_NODES = 9
#: Default heaps of a cluster node (each overridable, as for the single node, by NEWSFLOW_KAFKA_HEAP /
#: NEWSFLOW_ES_HEAP): three of each plus the services stay well under 12 GB (docs/local-stack.md).
KAFKA_HEAP = "384m"
ES_HEAP = "512m"
#: What a cluster node adds to the single node's configuration (docs/benchmarks.md, "Cluster tuning":
#: each must earn its place by measurement; none does today). Each is replaced, for experiments, by an
#: environment variable: NEWSFLOW_CLUSTER_KAFKA_PROPERTIES and NEWSFLOW_CLUSTER_ES_SETTINGS
#: (comma-separated key=value). The JVM options (C1 JIT only) are the single node's too:
#: :mod:`newsflow.local.stack.jvm_tuning`.
KAFKA_JVM_OPTIONS = jvm_tuning.KAFKA_JVM_OPTIONS
ES_JVM_OPTIONS = jvm_tuning.ES_JVM_OPTIONS
KAFKA_TUNING: dict[str, str] = {}
ES_TUNING: dict[str, str] = {}


def _env_settings(name: str, default: dict[str, str]) -> dict[str, str]:
    value = os.environ.get(name)
    if value is None:
        return dict(default)
    pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise StackError(f"{name}: expected key=value[,key=value...], got {value!r}")
    return {key.strip(): val.strip() for key, val in pairs}


def kafka_jvm_options() -> tuple[str, ...]:
    return jvm_tuning.kafka_jvm_options(cluster=True)


def es_jvm_options() -> tuple[str, ...]:
    return jvm_tuning.es_jvm_options(cluster=True)


def kafka_tuning() -> dict[str, str]:
    return _env_settings("NEWSFLOW_CLUSTER_KAFKA_PROPERTIES", KAFKA_TUNING)


def es_tuning() -> dict[str, str]:
    return _env_settings("NEWSFLOW_CLUSTER_ES_SETTINGS", ES_TUNING)


@dataclass
class ClusterConfig:
    kafka_ports: list[int]
    kafka_controller_ports: list[int]
    es_ports: list[int]
    es_transport_ports: list[int]
    kafka_cluster_id: str
    es_cluster_name: str

    @property
    def brokers(self) -> int:
        return len(self.kafka_ports)

    @property
    def es_nodes(self) -> int:
        return len(self.es_ports)

    @property
    def kafka_bootstrap(self) -> str:
        """Every broker, comma-separated: clients survive the loss of any one of them."""
        return ",".join(f"127.0.0.1:{p}" for p in self.kafka_ports)

    @property
    def elasticsearch_url(self) -> str:
        """Every node, comma-separated (``NEWSFLOW_ES_URL`` takes a list; the client fails over)."""
        return ",".join(f"http://127.0.0.1:{p}" for p in self.es_ports)

    def kafka_names(self) -> list[str]:
        return [f"kafka-{i}" for i in range(1, self.brokers + 1)]

    def es_names(self) -> list[str]:
        return [f"es-{i}" for i in range(1, self.es_nodes + 1)]

    def names(self) -> list[str]:
        return self.kafka_names() + self.es_names()

    def index_of(self, name: str) -> tuple[str, int]:
        """``kafka-2`` -> ("kafka", 1); raises StackError for a node this cluster does not have."""
        if name not in self.names():
            raise StackError(f"no node {name!r} in this cluster (nodes: {', '.join(self.names())})")
        kind, _, number = name.partition("-")
        return kind, int(number) - 1


@dataclass(frozen=True)
class ClusterEndpoints(StackEndpoints):
    """Where the cluster listens (comma-separated lists) and each node's pid and address."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)


def replication_env(brokers: int, es_nodes: int) -> dict[str, str]:
    """The settings (environment variables) of every service on a cluster of this shape: topics
    replicated min(3, brokers) times with a min ISR of one less (2 of 3), one replica of every
    index shard when there are two Elasticsearch nodes or more. Empty for the single node.

    The shard count is not the cluster's business: it stays the archive plan's one primary per
    index (``NEWSFLOW_ES_SHARDS``, docs/index-and-search.md, "Shard sizing"): a 30 GB shard holds
    ~4.8 M articles, the rollover adds indices, and each index's primary and replica land on two of
    the nodes. More primaries only pay when one index must take writes faster than one shard can."""
    env: dict[str, str] = {}
    rf = min(3, brokers)
    if rf > 1:
        env["NEWSFLOW_TOPIC_REPLICATION_FACTOR"] = str(rf)
        env["NEWSFLOW_TOPIC_MIN_INSYNC_REPLICAS"] = str(rf - 1)
    if es_nodes > 1:
        env["NEWSFLOW_ES_REPLICAS"] = "1"
    return env


def is_cluster(run_dir: Path) -> bool:
    """The run dir holds a cluster (not a single-node stack)."""
    return (_resolve_run_dir(run_dir) / CONFIG_FILE).exists()


def load_config(run_dir: Path) -> ClusterConfig | None:
    try:
        return ClusterConfig(**json.loads((run_dir / CONFIG_FILE).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise StackError(f"{run_dir / CONFIG_FILE} is unreadable: {exc}") from exc


def _load_state(run_dir: Path) -> dict[str, ComponentState]:
    try:
        data = json.loads((run_dir / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        logger.warning("ignoring unreadable %s", run_dir / STATE_FILE)
        return {}
    return {name: ComponentState(**raw) for name, raw in data.items() if isinstance(raw, dict)}


def _save_state(run_dir: Path, state: dict[str, ComponentState]) -> None:
    if not state:
        (run_dir / STATE_FILE).unlink(missing_ok=True)
        return
    _write_json(run_dir / STATE_FILE, {name: asdict(record) for name, record in state.items()})


def _running(run_dir: Path, name: str, record: ComponentState | None) -> bool:
    return record is not None and processes.pid_is_ours(record.pid, processes.marker_args(run_dir, name))


def _prepare_config(run_dir: Path, brokers: int, es_nodes: int) -> ClusterConfig:
    if (run_dir / "stack-config.json").exists():
        raise StackError(f"{run_dir} holds a single-node stack; choose another run dir for a cluster")
    config = load_config(run_dir)
    if config is not None:
        if (config.brokers, config.es_nodes) != (brokers, es_nodes):
            raise StackError(
                f"{run_dir} holds a cluster of {config.brokers} brokers and {config.es_nodes} "
                f"Elasticsearch nodes, not {brokers} and {es_nodes}"
            )
        return config
    if not (1 <= brokers <= MAX_NODES and 1 <= es_nodes <= MAX_NODES):
        raise StackError(f"brokers and Elasticsearch nodes: 1 to {MAX_NODES} each")
    ports = processes.free_ports(2 * brokers + 2 * es_nodes)
    if len(set(ports)) != len(ports):
        raise StackError(f"port clash in {ports}")
    config = ClusterConfig(
        kafka_ports=ports[:brokers],
        kafka_controller_ports=ports[brokers : 2 * brokers],
        es_ports=ports[2 * brokers : 2 * brokers + es_nodes],
        es_transport_ports=ports[2 * brokers + es_nodes :],
        kafka_cluster_id=kf.new_cluster_id(),
        es_cluster_name=f"newsflow-{os.urandom(4).hex()}",
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    _write_json(run_dir / CONFIG_FILE, asdict(config))
    return config


def _endpoints(run_dir: Path, config: ClusterConfig, state: dict[str, ComponentState]) -> ClusterEndpoints:
    nodes: dict[str, dict[str, Any]] = {}
    for name in config.names():
        kind, i = config.index_of(name)
        address = (
            f"127.0.0.1:{config.kafka_ports[i]}"
            if kind == "kafka"
            else f"http://127.0.0.1:{config.es_ports[i]}"
        )
        record = state.get(name)
        nodes[name] = {"address": address, "pid": record.pid if record else None}
    first_kafka, first_es = state.get("kafka-1"), state.get("es-1")
    return ClusterEndpoints(
        kafka_bootstrap=config.kafka_bootstrap,
        elasticsearch_url=config.elasticsearch_url,
        kafka_pid=first_kafka.pid if first_kafka else None,
        elasticsearch_pid=first_es.pid if first_es else None,
        kafka_version=first_kafka.version if first_kafka else None,
        elasticsearch_version=first_es.version if first_es else None,
        run_dir=run_dir,
        nodes=nodes,
    )


# ------------------------------------------------------------------------------------ starting


def _start_kafka_nodes(
    run_dir: Path, config: ClusterConfig, names: list[str], state: dict[str, ComponentState]
) -> list[str]:
    if not names:
        return []
    cache = artifacts.default_cache_dir()
    dist = artifacts.ensure_kafka(cache)
    java = jdk.find_java(17, override_env="NEWSFLOW_KAFKA_JAVA_HOME")
    heap = os.environ.get("NEWSFLOW_KAFKA_HEAP", KAFKA_HEAP)
    for name in names:
        _, i = config.index_of(name)
        _check_port(config.kafka_ports[i], f"{name}")
        _check_port(config.kafka_controller_ports[i], f"{name} controller")
        quorum = kf.Quorum(node_id=i + 1, controller_ports=tuple(config.kafka_controller_ports))
        kf.write_config(
            kf.KafkaLayout(run_dir / name),
            config.kafka_ports[i],
            config.kafka_controller_ports[i],
            quorum,
            kafka_tuning(),
        )
    # Formatting is a JVM of its own per node (~6 s here): all of them at once.
    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="format") as pool:
        formats = [
            pool.submit(
                kf.format_storage,
                dist,
                java,
                kf.KafkaLayout(run_dir / name),
                run_dir,
                config.kafka_cluster_id,
                standalone=False,
            )
            for name in names
        ]
        for future in formats:
            future.result()
    started: list[str] = []
    for name in names:
        layout = kf.KafkaLayout(run_dir / name)
        pid = kf.launch(
            dist, java, layout, run_dir, heap=heap, component=name, jvm_options=kafka_jvm_options()
        )
        state[name] = ComponentState(
            pid=pid, version=dist.version, java_home=str(java.home), started_at=time.time()
        )
        started.append(name)
        _save_state(run_dir, state)
    return started


def _start_es_nodes(
    run_dir: Path,
    config: ClusterConfig,
    names: list[str],
    state: dict[str, ComponentState],
    deadline: float,
) -> list[str]:
    """Launch the nodes at once (each launcher waits for its node, and a node waits for a quorum)."""
    if not names:
        return []
    cache = artifacts.default_cache_dir()
    dist = artifacts.ensure_elasticsearch(cache, _es_version_chain())
    java = jdk.find_java(dist.min_java, override_env="NEWSFLOW_ES_JAVA_HOME")
    dist = analysis_plugin.ensure_analysis_distribution(dist, java, cache)
    owner = es.run_as()
    heap = os.environ.get("NEWSFLOW_ES_HEAP", ES_HEAP)
    os.chmod(run_dir, 0o755)
    for name in names:
        _, i = config.index_of(name)
        _check_port(config.es_ports[i], f"{name} HTTP")
        _check_port(config.es_transport_ports[i], f"{name} transport")
        layout = es.EsLayout(run_dir / name)
        peers = es.Peers(name, tuple(config.es_names()), tuple(config.es_transport_ports))
        es.prepare(
            dist,
            layout,
            owner,
            port=config.es_ports[i],
            transport_port=config.es_transport_ports[i],
            cluster_name=config.es_cluster_name,
            peers=peers,
            tuning=es_tuning(),
        )
        es.check_access(dist, layout, owner)
    pids: dict[str, int] = {}
    errors: dict[str, BaseException] = {}

    def launch(name: str) -> None:
        try:
            pids[name] = es.launch(
                dist,
                java,
                es.EsLayout(run_dir / name),
                owner,
                run_dir,
                deadline=deadline,
                heap=heap,
                component=name,
                jvm_options=es_jvm_options(),
            )
        except BaseException as exc:  # reported below, after every launcher returned
            errors[name] = exc

    threads = [threading.Thread(target=launch, args=(n,), name=f"start-{n}") for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, pid in pids.items():
        state[name] = ComponentState(
            pid=pid, version=dist.version, java_home=str(java.home), started_at=time.time(), user=owner.name
        )
    _save_state(run_dir, state)
    if errors:
        name, exc = next(iter(errors.items()))
        raise StackError(f"{name} did not start: {exc}") from exc
    return list(pids)


def _wait_cluster(
    config: ClusterConfig, names: list[str], state: dict[str, ComponentState], run_dir: Path, deadline: float
) -> None:
    for name in names:
        kind, i = config.index_of(name)
        record = state[name]
        if kind == "kafka":
            kf.wait_ready(
                f"127.0.0.1:{config.kafka_ports[i]}",
                record.pid,
                run_dir,
                kf.KafkaLayout(run_dir / name),
                deadline,
            )
        else:
            es.wait_ready(
                f"http://127.0.0.1:{config.es_ports[i]}", record.pid, es.EsLayout(run_dir / name), deadline
            )
    if any(config.index_of(n)[0] == "kafka" for n in names):
        wait_brokers(config.kafka_bootstrap, config.brokers, deadline)


def wait_brokers(bootstrap: str, count: int, deadline: float) -> None:
    """Until the cluster's metadata lists ``count`` brokers (every restarted node has rejoined)."""
    while True:
        seen = broker_ids(bootstrap)
        if len(seen) >= count:
            return
        if time.monotonic() > deadline:
            raise StackError(f"only brokers {sorted(seen)} of {count} registered in time")
        time.sleep(0.5)


def broker_ids(bootstrap: str, timeout: float = 5.0) -> set[int]:
    """The ids of the brokers the cluster's metadata lists now (empty when nobody answers)."""

    async def describe() -> set[int]:
        from aiokafka.admin import AIOKafkaAdminClient

        client = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=int(timeout * 1000),
            client_id="newsflow-stack-probe",
        )
        try:
            await client.start()
            info = await client.describe_cluster()
            return {int(b["node_id"]) for b in info.get("brokers") or []}
        finally:
            await client.close()

    try:
        return processes.run_coroutine_sync(describe(), timeout + 10)
    except Exception as exc:
        logger.debug("describe cluster on %s failed: %s", bootstrap, exc)
        return set()


def start_cluster(
    run_dir: Path,
    brokers: int = 3,
    es_nodes: int = 3,
    *,
    only: list[str] | None = None,
    timeout: float = 300,
) -> ClusterEndpoints:
    """Start every node of the cluster in ``run_dir`` (or the nodes named in ``only``) that is not
    running yet, and wait until they answer. Idempotent; data and ports are kept across restarts.
    Nodes started here are stopped again when starting fails."""
    path = _resolve_run_dir(run_dir)
    t0 = time.monotonic()
    deadline = t0 + timeout
    with _run_lock(path):
        os.chmod(path, 0o755)
        existing = load_config(path)
        config = existing if (only and existing) else _prepare_config(path, brokers, es_nodes)
        wanted = only or config.names()
        for name in wanted:
            config.index_of(name)
        state = _load_state(path)
        missing = [n for n in wanted if not _running(path, n, state.get(n))]
        try:
            _start_kafka_nodes(path, config, [n for n in missing if n.startswith("kafka-")], state)
            _start_es_nodes(path, config, [n for n in missing if n.startswith("es-")], state, deadline)
            _wait_cluster(config, wanted, state, path, deadline)
        except BaseException:
            # Whatever of the missing nodes got a pid was started here (a launcher that failed
            # after its node came up included): stop them again.
            _stop(path, [n for n in missing if n in state], state, force=False, grace=10.0)
            raise
        endpoints = _endpoints(path, config, state)
    logger.info("cluster nodes %s up in %.1fs", ", ".join(wanted), time.monotonic() - t0)
    return endpoints


# ------------------------------------------------------------------------------------ stopping


def _stop(
    run_dir: Path,
    names: list[str],
    state: dict[str, ComponentState],
    *,
    force: bool,
    grace: float | None = None,
) -> None:
    threads: list[threading.Thread] = []
    for name in names:
        record = state.get(name)
        if record is None:
            continue
        wait = (
            grace if grace is not None else (KAFKA_STOP_GRACE if name.startswith("kafka") else ES_STOP_GRACE)
        )
        thread = threading.Thread(
            target=processes.stop_pid,
            args=(record.pid, processes.marker_args(run_dir, name), name),
            kwargs={"grace": wait, "force": force},
            name=f"stop-{name}",
        )
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    for name in names:
        state.pop(name, None)
    _save_state(run_dir, state)


def stop_cluster(run_dir: Path, *, only: list[str] | None = None, force: bool = False) -> None:
    """Stop the cluster's nodes (or those named in ``only``): SIGTERM and a grace, or SIGKILL
    (``force``, a crash). Only a pid still carrying its node's marker is signalled."""
    path = _resolve_run_dir(run_dir)
    config = load_config(path)
    if config is None:
        return
    with _run_lock(path):
        names = only or config.names()
        for name in names:
            config.index_of(name)
        _stop(path, names, _load_state(path), force=force)


# ------------------------------------------------------------------------------------ status


def get_endpoints(run_dir: Path) -> ClusterEndpoints | None:
    path = _resolve_run_dir(run_dir)
    config = load_config(path)
    return None if config is None else _endpoints(path, config, _load_state(path))


def node_pid(run_dir: Path, name: str) -> int | None:
    """The pid of a running node (None when it is down)."""
    path = _resolve_run_dir(run_dir)
    record = _load_state(path).get(name)
    return record.pid if record is not None and _running(path, name, record) else None


def cluster_status(run_dir: Path) -> dict[str, Any]:
    """Every node: address, pid, whether it runs and answers; and the Elasticsearch cluster health."""
    path = _resolve_run_dir(run_dir)
    config = load_config(path)
    if config is None:
        raise StackError(f"no cluster was ever started in {path}")
    state = _load_state(path)
    nodes: dict[str, dict[str, Any]] = {}
    health: dict[str, Any] | None = None
    for name in config.names():
        kind, i = config.index_of(name)
        record = state.get(name)
        running = _running(path, name, record)
        if kind == "kafka":
            address = f"127.0.0.1:{config.kafka_ports[i]}"
            alive = running and kf.kafka_answers(address, timeout=3.0)
        else:
            address = f"http://127.0.0.1:{config.es_ports[i]}"
            node_health = es.cluster_health(address, timeout=3.0) if running else None
            alive = bool(node_health and node_health.get("status") in ("yellow", "green"))
            health = health or node_health
        nodes[name] = {
            "address": address,
            "pid": record.pid if record else None,
            "running": running,
            "alive": alive,
        }
    return {
        "run_dir": str(path),
        "kafka_bootstrap": config.kafka_bootstrap,
        "elasticsearch_url": config.elasticsearch_url,
        "elasticsearch_health": health.get("status") if health else None,
        "nodes": nodes,
    }
