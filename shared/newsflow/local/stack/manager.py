"""Start, stop and inspect the local stack (one Kafka broker + one Elasticsearch node) in a run dir.

Files in ``run_dir``:

``stack-config.json``  ports, Kafka cluster id, ES cluster name: written once with the data dirs and
                       kept across stops, so a restart reuses the same ports and data.
``stack-state.json``   pids, versions and JDKs of the running processes; removed by ``stop_stack``.
``kafka/``, ``elasticsearch/``  configs, data, logs of each component.
``.lock``              serialises concurrent ``up``/``down`` on the same run dir.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from newsflow.local import processes
from newsflow.local.stack import analysis_plugin, artifacts, jdk, jvm_tuning
from newsflow.local.stack import elasticsearch as es
from newsflow.local.stack import kafka as kf

logger = logging.getLogger(__name__)

Component = Literal["kafka", "elasticsearch"]
CONFIG_FILE = "stack-config.json"
STATE_FILE = "stack-state.json"
LOCK_FILE = ".lock"
KAFKA_STOP_GRACE = 30.0
ES_STOP_GRACE = 60.0


class StackError(RuntimeError):
    """The stack could not be started, stopped or found."""


@dataclass(frozen=True)
class StackEndpoints:
    """Where the stack listens. Pids/versions/run_dir are None for externally managed services."""

    kafka_bootstrap: str
    elasticsearch_url: str
    kafka_pid: int | None = None
    elasticsearch_pid: int | None = None
    kafka_version: str | None = None
    elasticsearch_version: str | None = None
    run_dir: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["run_dir"] = str(self.run_dir) if self.run_dir is not None else None
        return data


@dataclass
class StackConfig:
    kafka_port: int
    kafka_controller_port: int
    es_port: int
    es_transport_port: int
    kafka_cluster_id: str
    es_cluster_name: str

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def elasticsearch_url(self) -> str:
        return f"http://127.0.0.1:{self.es_port}"


@dataclass
class ComponentState:
    pid: int
    version: str
    java_home: str
    started_at: float
    user: str | None = None


@dataclass
class StackState:
    kafka: ComponentState | None = None
    elasticsearch: ComponentState | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------ files


def _resolve_run_dir(run_dir: Path | str) -> Path:
    path = Path(run_dir).expanduser().resolve()
    if any(ch.isspace() for ch in str(path)):
        raise StackError(f"run dir must not contain whitespace: {path!s}")
    return path


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def _load_config(run_dir: Path) -> StackConfig | None:
    try:
        data = json.loads((run_dir / CONFIG_FILE).read_text(encoding="utf-8"))
        return StackConfig(**data)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise StackError(f"{run_dir / CONFIG_FILE} is unreadable: {exc}") from exc


def _save_config(run_dir: Path, config: StackConfig) -> None:
    _write_json(run_dir / CONFIG_FILE, asdict(config))


def _load_state(run_dir: Path) -> StackState:
    try:
        data = json.loads((run_dir / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return StackState()
    except ValueError:
        logger.warning("ignoring unreadable %s", run_dir / STATE_FILE)
        return StackState()
    state = StackState()
    for name in ("kafka", "elasticsearch"):
        raw = data.get(name)
        if isinstance(raw, dict):
            setattr(state, name, ComponentState(**raw))
    return state


def _save_state(run_dir: Path, state: StackState) -> None:
    data: dict[str, Any] = {
        "kafka": asdict(state.kafka) if state.kafka else None,
        "elasticsearch": asdict(state.elasticsearch) if state.elasticsearch else None,
    }
    _write_json(run_dir / STATE_FILE, data)


@contextlib.contextmanager
def _run_lock(run_dir: Path) -> Iterator[None]:
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _component_running(run_dir: Path, component: Component, record: ComponentState | None) -> bool:
    return record is not None and processes.pid_is_ours(record.pid, processes.marker_args(run_dir, component))


def _endpoints(run_dir: Path, config: StackConfig, state: StackState) -> StackEndpoints:
    return StackEndpoints(
        kafka_bootstrap=config.kafka_bootstrap,
        elasticsearch_url=config.elasticsearch_url,
        kafka_pid=state.kafka.pid if state.kafka else None,
        elasticsearch_pid=state.elasticsearch.pid if state.elasticsearch else None,
        kafka_version=state.kafka.version if state.kafka else None,
        elasticsearch_version=state.elasticsearch.version if state.elasticsearch else None,
        run_dir=run_dir,
    )


def _check_port(port: int, what: str, wait: float = 15.0) -> None:
    """Fail unless ``port`` is free; waits a little, since a just-killed JVM may still hold its sockets
    while its last threads exit."""
    deadline = time.monotonic() + wait
    while not processes.port_is_free(port):
        if time.monotonic() > deadline:
            raise StackError(f"{what} port {port} on 127.0.0.1 is already in use by another process")
        time.sleep(0.2)


def _prepare_config(
    run_dir: Path, state: StackState, kafka_port: int | None, es_port: int | None
) -> StackConfig:
    """Load the run dir's config (creating it with free ports on first use), applying overrides."""
    config = _load_config(run_dir)
    if config is None:
        ports = processes.free_ports(4)
        config = StackConfig(
            kafka_port=kafka_port or ports[0],
            kafka_controller_port=ports[1],
            es_port=es_port or ports[2],
            es_transport_port=ports[3],
            kafka_cluster_id=kf.new_cluster_id(),
            es_cluster_name=f"newsflow-{os.urandom(4).hex()}",
        )
        if (
            len({config.kafka_port, config.kafka_controller_port, config.es_port, config.es_transport_port})
            < 4
        ):
            raise StackError(f"port clash in {config}")
        _save_config(run_dir, config)
        return config
    changed = False
    overrides: tuple[tuple[str, int | None, Component], ...] = (
        ("kafka_port", kafka_port, "kafka"),
        ("es_port", es_port, "elasticsearch"),
    )
    for attr, wanted, component in overrides:
        if wanted is not None and wanted != getattr(config, attr):
            record = getattr(state, component)
            if _component_running(run_dir, component, record):
                raise StackError(
                    f"{component} of {run_dir} already runs on port {getattr(config, attr)}, not {wanted}; "
                    "stop it first"
                )
            setattr(config, attr, wanted)
            changed = True
    if changed:
        _save_config(run_dir, config)
    return config


# ------------------------------------------------------------------------------------ starting


def _es_version_chain() -> tuple[str, ...] | None:
    """None (default chain) unless no Java 21+ exists, in which case only 8.x (Java 17) can run."""
    if os.environ.get("NEWSFLOW_ES_VERSION") or os.environ.get("NEWSFLOW_ES_JAVA_HOME"):
        return None
    if any(j.version >= 21 for j in jdk.find_jdks()):
        return None
    eight = tuple(v for v in artifacts.ES_VERSION_CHAIN if v.startswith("8."))
    logger.warning("no Java 21+ found: only Elasticsearch %s can run", ", ".join(eight))
    return eight


def _start_components(
    run_dir: Path,
    components: tuple[Component, ...],
    *,
    kafka_port: int | None,
    es_port: int | None,
    timeout: float,
) -> StackEndpoints:
    """Start whichever of ``components`` is not already running; wait until all of them answer.

    Must be called under the run dir lock. Components started here are stopped again on failure.
    """
    deadline = time.monotonic() + timeout
    run_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(run_dir, 0o755)  # the Elasticsearch user must traverse it
    state = _load_state(run_dir)
    config = _prepare_config(run_dir, state, kafka_port, es_port)
    cache = artifacts.default_cache_dir()
    started: list[Component] = []
    try:
        kafka_layout = kf.KafkaLayout(run_dir / "kafka")
        es_layout = es.EsLayout(run_dir / "elasticsearch")

        if "kafka" in components and not _component_running(run_dir, "kafka", state.kafka):
            _check_port(config.kafka_port, "Kafka")
            _check_port(config.kafka_controller_port, "Kafka controller")
            dist = artifacts.ensure_kafka(cache)
            java = jdk.find_java(17, override_env="NEWSFLOW_KAFKA_JAVA_HOME")
            kf.write_config(kafka_layout, config.kafka_port, config.kafka_controller_port)
            kf.format_storage(dist, java, kafka_layout, run_dir, config.kafka_cluster_id)
            pid = kf.launch(
                dist,
                java,
                kafka_layout,
                run_dir,
                heap=os.environ.get("NEWSFLOW_KAFKA_HEAP", "512m"),
                jvm_options=jvm_tuning.kafka_jvm_options(),
            )
            state.kafka = ComponentState(
                pid=pid, version=dist.version, java_home=str(java.home), started_at=time.time()
            )
            started.append("kafka")
            _save_state(run_dir, state)

        if "elasticsearch" in components and not _component_running(
            run_dir, "elasticsearch", state.elasticsearch
        ):
            _check_port(config.es_port, "Elasticsearch HTTP")
            if not processes.port_is_free(config.es_transport_port):
                config.es_transport_port = processes.free_port()
                _save_config(run_dir, config)
            es_dist = artifacts.ensure_elasticsearch(cache, _es_version_chain())
            es_java = jdk.find_java(es_dist.min_java, override_env="NEWSFLOW_ES_JAVA_HOME")
            # The same analysis as a full distribution: stemmers and folding from newsflow's plugin.
            es_dist = analysis_plugin.ensure_analysis_distribution(es_dist, es_java, cache)
            owner = es.run_as()
            es.prepare(
                es_dist,
                es_layout,
                owner,
                port=config.es_port,
                transport_port=config.es_transport_port,
                cluster_name=config.es_cluster_name,
            )
            es.check_access(es_dist, es_layout, owner)
            es_pid = es.launch(
                es_dist,
                es_java,
                es_layout,
                owner,
                run_dir,
                deadline=deadline,
                heap=os.environ.get("NEWSFLOW_ES_HEAP", "512m"),
                jvm_options=jvm_tuning.es_jvm_options(),
            )
            state.elasticsearch = ComponentState(
                pid=es_pid,
                version=es_dist.version,
                java_home=str(es_java.home),
                started_at=time.time(),
                user=owner.name,
            )
            started.append("elasticsearch")
            _save_state(run_dir, state)

        if "kafka" in components:
            assert state.kafka is not None
            kf.wait_ready(config.kafka_bootstrap, state.kafka.pid, run_dir, kafka_layout, deadline)
        if "elasticsearch" in components:
            assert state.elasticsearch is not None
            es.wait_ready(config.elasticsearch_url, state.elasticsearch.pid, es_layout, deadline)
    except BaseException:
        for component in started:
            record = getattr(state, component)
            processes.stop_pid(record.pid, processes.marker_args(run_dir, component), component, grace=10.0)
            setattr(state, component, None)
        if state.kafka is None and state.elasticsearch is None:
            (run_dir / STATE_FILE).unlink(missing_ok=True)
        else:
            _save_state(run_dir, state)
        raise
    return _endpoints(run_dir, config, state)


def start_stack(
    run_dir: Path,
    kafka_port: int | None = None,
    es_port: int | None = None,
    timeout: float = 180,
) -> StackEndpoints:
    """Start Kafka and Elasticsearch for ``run_dir`` and wait until both answer.

    Idempotent: components already running for this run dir are kept (same pids), so calling it
    twice is harmless. Data dirs are created on first use and reused afterwards. Ports default to
    the ones recorded in the run dir, else free ones.
    """
    path = _resolve_run_dir(run_dir)
    t0 = time.monotonic()
    with _run_lock(path):
        endpoints = _start_components(
            path, ("kafka", "elasticsearch"), kafka_port=kafka_port, es_port=es_port, timeout=timeout
        )
    logger.info(
        "stack up in %.1fs: kafka %s, elasticsearch %s",
        time.monotonic() - t0, endpoints.kafka_bootstrap, endpoints.elasticsearch_url,
    )  # fmt: skip
    return endpoints


def _require_config(run_dir: Path) -> StackConfig:
    config = _load_config(run_dir)
    if config is None:
        raise StackError(f"no stack was ever started in {run_dir}")
    return config


def start_kafka(run_dir: Path, timeout: float = 120) -> StackEndpoints:
    """(Re)start only Kafka of the stack in ``run_dir``, on its recorded ports and data dir."""
    path = _resolve_run_dir(run_dir)
    _require_config(path)
    with _run_lock(path):
        return _start_components(path, ("kafka",), kafka_port=None, es_port=None, timeout=timeout)


def start_elasticsearch(run_dir: Path, timeout: float = 180) -> StackEndpoints:
    """(Re)start only Elasticsearch of the stack in ``run_dir``, on its recorded port and data dir."""
    path = _resolve_run_dir(run_dir)
    _require_config(path)
    with _run_lock(path):
        return _start_components(path, ("elasticsearch",), kafka_port=None, es_port=None, timeout=timeout)


# ------------------------------------------------------------------------------------ stopping


def _stop_components(run_dir: Path, components: tuple[Component, ...], *, force: bool) -> None:
    state = _load_state(run_dir)
    graces = {"kafka": KAFKA_STOP_GRACE, "elasticsearch": ES_STOP_GRACE}
    threads: list[threading.Thread] = []
    for component in components:
        record: ComponentState | None = getattr(state, component)
        if record is None:
            continue
        thread = threading.Thread(
            target=processes.stop_pid,
            args=(record.pid, processes.marker_args(run_dir, component), component),
            kwargs={"grace": graces[component], "force": force},
            name=f"stop-{component}",
        )
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    for component in components:
        setattr(state, component, None)
    if state.kafka is None and state.elasticsearch is None:
        (run_dir / STATE_FILE).unlink(missing_ok=True)
    else:
        _save_state(run_dir, state)


def stop_stack(run_dir: Path, *, force: bool = False) -> None:
    """Stop exactly the processes recorded for ``run_dir`` (SIGTERM, then SIGKILL after a grace).

    A recorded pid is only signalled while its command line still carries this run dir's marker.
    Removes the state file; config and data stay for the next start. ``force`` sends SIGKILL at once.
    """
    path = _resolve_run_dir(run_dir)
    if not path.exists():
        return
    with _run_lock(path):
        _stop_components(path, ("kafka", "elasticsearch"), force=force)
    logger.info("stack in %s stopped", path)


def stop_kafka(run_dir: Path, *, force: bool = False) -> None:
    """Stop only Kafka (``force``: SIGKILL, a crash, instead of a controlled shutdown)."""
    path = _resolve_run_dir(run_dir)
    if not path.exists():
        return
    with _run_lock(path):
        _stop_components(path, ("kafka",), force=force)


def stop_elasticsearch(run_dir: Path, *, force: bool = False) -> None:
    """Stop only Elasticsearch (``force``: SIGKILL instead of a graceful shutdown)."""
    path = _resolve_run_dir(run_dir)
    if not path.exists():
        return
    with _run_lock(path):
        _stop_components(path, ("elasticsearch",), force=force)


# ------------------------------------------------------------------------------------ status


def get_endpoints(run_dir: Path) -> StackEndpoints | None:
    """The endpoints recorded for ``run_dir`` (no liveness check); None when never started."""
    path = _resolve_run_dir(run_dir)
    config = _load_config(path)
    if config is None:
        return None
    return _endpoints(path, config, _load_state(path))


def stack_status(run_dir: Path) -> dict[str, Any]:
    """Where Kafka and Elasticsearch listen, their pids, whether each process runs and answers."""
    path = _resolve_run_dir(run_dir)
    config = _load_config(path)
    state = _load_state(path)
    kafka_running = _component_running(path, "kafka", state.kafka)
    es_running = _component_running(path, "elasticsearch", state.elasticsearch)
    kafka_bootstrap = config.kafka_bootstrap if config else None
    es_url = config.elasticsearch_url if config else None
    health = es.cluster_health(es_url, timeout=3.0) if es_url and es_running else None
    return {
        "run_dir": str(path),
        "kafka": {
            "bootstrap": kafka_bootstrap,
            "alive": bool(
                kafka_bootstrap and kafka_running and kf.kafka_answers(kafka_bootstrap, timeout=3.0)
            ),
            "running": kafka_running,
            "pid": state.kafka.pid if state.kafka else None,
            "version": state.kafka.version if state.kafka else None,
        },
        "elasticsearch": {
            "url": es_url,
            "alive": bool(health and health.get("status") in ("yellow", "green")),
            "running": es_running,
            "pid": state.elasticsearch.pid if state.elasticsearch else None,
            "version": state.elasticsearch.version if state.elasticsearch else None,
            "health": health.get("status") if health else None,
        },
    }
