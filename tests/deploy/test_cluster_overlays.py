"""The replicated layout as deployment overlays, offline: docker-compose.cluster.yml over
docker-compose.yml (three KRaft brokers, three Elasticsearch nodes) and deploy/overlays/cluster —
both carry the settings the local cluster gives its services (``replication_env(3, 3)``: RF 3, min
ISR 2, index replicas 1, one shard per index as on a single node), and the code accepts every
variable they set.

The compose files are merged by ``docker compose -f a -f b config`` when the compose plugin is
installed, else the way it merges these keys (mappings key by key, the override's scalars and lists
win); both are checked against each other when the plugin is there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from newsflow.kafka import topic_specs
from newsflow.local.stack.cluster import replication_env
from newsflow.settings import ElasticsearchSettings, TopicSettings
from tests.deploy.settings_check import settings_problems
from tests.support.ci import unavailable

ROOT = Path(__file__).resolve().parents[2]
BROKERS = ("kafka", "kafka-2", "kafka-3")
ES_NODES = ("elasticsearch", "es-2", "es-3")
WORKERS = ("init", "ingest", "enrichment", "indexer")
Config = dict[str, Any]


def merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge(base[key], value) if key in base else value
        return out
    return override


def _merged_here() -> Config:
    base = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    cluster = yaml.safe_load((ROOT / "docker-compose.cluster.yml").read_text())
    merged: Config = merge(base, cluster)
    return merged


def _merged_by_compose(tmp: Path) -> Config | None:
    """``docker compose config`` of both files (None without the compose plugin)."""
    if shutil.which("docker") is None:
        return None
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30, check=False)
    if probe.returncode != 0:
        return None
    secret = tmp / "api-keys.json"
    secret.write_text("{}")
    files = ["-f", str(ROOT / "docker-compose.yml"), "-f", str(ROOT / "docker-compose.cluster.yml")]
    result = subprocess.run(
        ["docker", "compose", *files, "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NEWSFLOW_INGEST_API_KEYS_FILE_HOST": str(secret)},
        check=False,
    )
    assert result.returncode == 0, f"docker compose config failed:\n{result.stderr}"
    merged: Config = json.loads(result.stdout)
    return merged


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> Config:
    here = _merged_here()
    by_compose = _merged_by_compose(tmp_path_factory.mktemp("compose-cluster"))
    if by_compose is None:
        return here
    for name, service in here["services"].items():  # the stand-in merge agrees with compose's
        literal = {k: v for k, v in _env(service).items() if "${" not in v}  # compose interpolates
        assert literal.items() <= _env(by_compose["services"][name]).items(), name
        assert _env(service).keys() == _env(by_compose["services"][name]).keys(), name
    return by_compose


def _env(service: Config) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def _volume(entry: str | Config) -> str:
    """The source of a volume, short (``name:/path``) or long form (compose config's)."""
    return str(entry["source"]) if isinstance(entry, dict) else entry.split(":")[0]


def test_merge_follows_compose_rules() -> None:
    assert merge({"a": {"x": 1, "y": 2}, "l": [1]}, {"a": {"y": 3}, "l": [2]}) == {
        "a": {"x": 1, "y": 3},
        "l": [2],
    }


def test_three_kraft_brokers_share_one_static_quorum(compose: Config) -> None:
    services = compose["services"]
    envs = [_env(services[name]) for name in BROKERS]
    assert [e["KAFKA_NODE_ID"] for e in envs] == ["1", "2", "3"]
    voters = {e["KAFKA_CONTROLLER_QUORUM_VOTERS"] for e in envs}
    assert voters == {"1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093"}
    assert len({e["CLUSTER_ID"] for e in envs}) == 1
    for name, env in zip(BROKERS, envs, strict=True):
        assert f"PLAINTEXT://{name}:9092" in env["KAFKA_ADVERTISED_LISTENERS"], name
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3", name
        assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2", name
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2", name
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller", name
    volumes = [_volume(services[name]["volumes"][0]) for name in BROKERS]
    assert len(set(volumes)) == 3, f"brokers must not share a data volume: {volumes}"
    assert set(volumes) <= set(compose["volumes"])


def test_three_elasticsearch_nodes_discover_each_other(compose: Config) -> None:
    services = compose["services"]
    envs = [_env(services[name]) for name in ES_NODES]
    assert [e["node.name"] for e in envs] == list(ES_NODES)
    for env in envs:
        assert env["discovery.type"] != "single-node"
        assert env["discovery.seed_hosts"].split(",") == list(ES_NODES)
        assert env["cluster.initial_master_nodes"].split(",") == list(ES_NODES)
    assert len({e["cluster.name"] for e in envs}) == 1


def test_services_get_the_local_clusters_replication_settings(compose: Config) -> None:
    wanted = replication_env(3, 3)
    for name in WORKERS:
        env = _env(compose["services"][name])
        for key, value in wanted.items():
            assert env[key] == value, f"{name}: {key}"
        assert env["NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"].split(",") == [f"{b}:9092" for b in BROKERS]
        assert ElasticsearchSettings(url=env["NEWSFLOW_ES_URL"]).hosts == [
            f"http://{n}:9200" for n in ES_NODES
        ]
        assert settings_problems(env) == [], name
    env = _env(compose["services"]["ingest"])
    topics = TopicSettings(
        replication_factor=int(env["NEWSFLOW_TOPIC_REPLICATION_FACTOR"]),
        min_insync_replicas=int(env["NEWSFLOW_TOPIC_MIN_INSYNC_REPLICAS"]),
    )
    assert {s.config["min.insync.replicas"] for s in topic_specs(topics)} == {"2"}


def test_init_waits_for_every_node(compose: Config) -> None:
    depends = compose["services"]["init"]["depends_on"]
    for name in (*BROKERS, *ES_NODES):
        assert depends[name]["condition"] == "service_healthy", name


def _kustomize(directory: Path) -> list[Config]:
    if shutil.which("kustomize"):
        command = ["kustomize", "build", str(directory)]
    elif shutil.which("kubectl"):
        command = ["kubectl", "kustomize", str(directory)]
    else:
        unavailable("no kustomize/kubectl binary: cannot apply the patches of the cluster overlay")
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def test_kubernetes_cluster_overlay_carries_the_same_settings() -> None:
    docs = _kustomize(ROOT / "deploy" / "overlays" / "cluster")
    (config,) = [
        d["data"] for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "newsflow-config"
    ]
    for key, value in replication_env(3, 3).items():
        assert config[key] == value, key
    assert settings_problems(config) == []
