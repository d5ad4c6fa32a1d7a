"""docker-compose.yml brings up a correct local newsflow: healthy infra first, init once, scalable workers.

Offline. Every check runs twice, once per source of the configuration (the ``compose`` fixture's two
parameters), so neither branch depends silently on what is on PATH:

- ``yaml``: the file read by PyYAML (anchors and ``<<`` merges resolved); runs everywhere.
- ``compose-config``: ``docker compose config`` (resolves merges, defaults and interpolation, and adds
  what Compose adds, e.g. a ``name`` on each secret; needs no engine). Runs where the Compose v2 CLI
  plugin is installed; elsewhere it is *skipped with that reason*, and ``NEWSFLOW_TEST_REQUIRE_COMPOSE=1``
  turns the skip into a failure (``make compose-check`` sets it).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from newsflow.enrich.settings import EnrichmentSettings
from newsflow.settings import ElasticsearchSettings, TopicSettings
from tests.deploy.settings_check import settings_problems

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "services" / "Dockerfile"
INFRA = ("kafka", "elasticsearch")
WORKERS = ("ingest", "enrichment", "indexer")
#: Services that must scale with `--scale NAME=N`.
SCALABLE = ("enrichment", "indexer")
#: The variable holding the port each service's /healthz answers on, and its expected value.
PORT_VARS = {
    "ingest": ("NEWSFLOW_INGEST_PORT", 8080),
    "enrichment": ("NEWSFLOW_ENRICH_WEB_PORT", EnrichmentSettings().web_port),
    "indexer": ("NEWSFLOW_INDEXER_HTTP_PORT", 8081),
}
ENV_REQUIRE_COMPOSE = "NEWSFLOW_TEST_REQUIRE_COMPOSE"
SOURCES = ("yaml", "compose-config")

Config = dict[str, Any]


def docker_compose_available(path: str | None = None) -> bool:
    """Whether ``docker compose`` (the v2 plugin) runs, looking for ``docker`` on ``path`` (default PATH)."""
    docker = shutil.which("docker", path=path)
    if docker is None:
        return False
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


def _compose_config(secret: Path) -> Config:
    env = {**os.environ, "NEWSFLOW_INGEST_API_KEYS_FILE_HOST": str(secret)}
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, f"docker compose config failed:\n{result.stderr}"
    loaded: Config = json.loads(result.stdout)
    return loaded


@pytest.fixture(scope="module", params=SOURCES)
def compose(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The compose configuration, from the YAML itself or from ``docker compose config``."""
    if request.param == "yaml":
        loaded: Config = yaml.safe_load(COMPOSE_FILE.read_text())
        return loaded
    if not docker_compose_available():
        reason = "docker compose (v2 plugin) is not installed: compose-config branch not run here"
        if os.environ.get(ENV_REQUIRE_COMPOSE):
            pytest.fail(f"{reason} ({ENV_REQUIRE_COMPOSE} is set)")
        pytest.skip(reason)
    secret = tmp_path_factory.mktemp("compose") / "api-keys.txt"
    secret.write_text("test-only\n")
    return _compose_config(secret)


def test_compose_probe_follows_the_path_it_is_given(tmp_path: Path) -> None:
    """The no-Compose branch of the probe, forced: a PATH without ``docker``."""
    assert docker_compose_available(path=str(tmp_path)) is False
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\nexit 1\n")  # a docker whose `compose` sub-command fails (v1-only hosts)
    fake.chmod(0o755)
    assert docker_compose_available(path=str(tmp_path)) is False


def _env(service: Config) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):  # ["KEY=value", ...]
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _depends(service: Config) -> dict[str, str]:
    """depends_on as {service: condition}; the short list form means service_started."""
    depends = service.get("depends_on", {})
    if isinstance(depends, list):
        return dict.fromkeys(depends, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in depends.items()}


def _healthcheck_text(service: Config) -> str:
    test = service.get("healthcheck", {}).get("test", [])
    return test if isinstance(test, str) else " ".join(test)


def compose_problems(config: Config) -> list[str]:
    """Everything wrong with a compose config for newsflow; empty when it is right."""
    problems: list[str] = []
    services: Config = config.get("services", {})
    missing = {*INFRA, "init", *WORKERS} - set(services)
    if missing:
        return [f"missing services: {sorted(missing)}"]

    for name, service in services.items():
        if "container_name" in service:
            problems.append(f"{name}: container_name prevents scaling and parallel stacks")
    for name in (*INFRA, *WORKERS):
        if not _healthcheck_text(services[name]):
            problems.append(f"{name}: no healthcheck")
    for name in WORKERS:
        text = _healthcheck_text(services[name])
        variable, port = PORT_VARS[name]
        if _env(services[name]).get(variable) != str(port):
            problems.append(f"{name}: {variable} is not {port}")
        if "/healthz" not in text or f":{port}/" not in text:
            problems.append(f"{name}: healthcheck does not probe /healthz on port {port}")
    for name in SCALABLE:
        if services[name].get("ports"):
            problems.append(f"{name}: a published host port breaks --scale")

    healthy_infra = dict.fromkeys(INFRA, "service_healthy")
    if _depends(services["init"]) != healthy_infra:
        problems.append(f"init: depends_on {_depends(services['init'])}, want {healthy_infra}")
    for name in WORKERS:
        want = {**healthy_infra, "init": "service_completed_successfully"}
        if _depends(services[name]) != want:
            problems.append(f"{name}: depends_on {_depends(services[name])}, want {want}")

    init_command = services["init"].get("command", [])
    init_text = init_command if isinstance(init_command, str) else " ".join(init_command)
    for step in ("newsflow topics create", "newsflow index create"):
        if step not in init_text:
            problems.append(f"init: does not run `{step}`")
    if str(services["init"].get("restart", "no")) != "no":
        problems.append("init: a one-shot must not restart")

    for name in ("init", *WORKERS):
        env = _env(services[name])
        if env.get("NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS") != "kafka:9092":
            problems.append(f"{name}: not pointed at the internal Kafka listener kafka:9092")
        if env.get("NEWSFLOW_ES_URL") != "http://elasticsearch:9200":
            problems.append(f"{name}: not pointed at http://elasticsearch:9200")
        problems.extend(f"{name}: {p}" for p in settings_problems(env))
        for key, value in env.items():
            if any(word in key for word in ("PASSWORD", "API_KEY", "SECRET")) and not key.endswith("_FILE"):
                problems.append(f"{name}: {key}={value!r} is a secret in the compose file")
    return problems


# ---------------------------------------------------------------- the checker itself can fail


def test_compose_file_has_no_problems(compose: Config) -> None:
    assert compose_problems(compose) == []


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda c: c["services"]["enrichment"].update(container_name="enrichment"), "container_name"),
        (lambda c: c["services"]["enrichment"].update(ports=["6066:6066"]), "--scale"),
        (lambda c: c["services"]["kafka"].pop("healthcheck"), "kafka: no healthcheck"),
        (
            lambda c: c["services"]["indexer"].update(depends_on=["kafka", "elasticsearch", "init"]),
            "depends_on",
        ),
        (lambda c: c["services"]["init"].update(command=["newsflow topics create"]), "index create"),
        (lambda c: c["services"]["ingest"]["environment"].update(NEWSFLOW_ES_PASSWORD="hunter2"), "secret"),
        (lambda c: c["services"].pop("init"), "missing services"),
        (lambda c: c["services"]["ingest"]["environment"].update(NEWSFLOW_INGEST_PROT="8080"), "no field"),
    ],
    ids=[
        "container_name",
        "host-port",
        "no-healthcheck",
        "no-condition",
        "no-index",
        "secret",
        "no-init",
        "typo",
    ],
)
def test_checker_reports_each_breakage(compose: Config, breakage: Any, expected: str) -> None:
    broken = copy.deepcopy(compose)
    if isinstance(broken["services"]["ingest"].get("environment"), list):
        broken["services"]["ingest"]["environment"] = _env(broken["services"]["ingest"])
    breakage(broken)
    problems = compose_problems(broken)
    assert any(expected in p for p in problems), problems


# ---------------------------------------------------------------- infrastructure details


def test_kafka_is_a_single_kraft_node_with_internal_and_host_listeners(compose: Config) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == "apache/kafka:4.1.1"
    env = _env(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    listeners = {item.split("://")[0]: item.split(":")[-1] for item in env["KAFKA_LISTENERS"].split(",")}
    protocols = dict(item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    advertised = env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert set(listeners) <= set(protocols), "every listener needs a security protocol"
    assert "PLAINTEXT://kafka:9092" in advertised
    assert any("localhost" in a for a in advertised), "no listener for clients on the host"
    assert {a.split("://")[0] for a in advertised} <= set(listeners) - {
        env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    }
    voter_port = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].rsplit(":", 1)[1]
    assert listeners[env["KAFKA_CONTROLLER_LISTENER_NAMES"]] == voter_port
    cluster_id = env["CLUSTER_ID"]
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16, "a KRaft cluster id is 16 bytes"
    for key in ("OFFSETS_TOPIC", "TRANSACTION_STATE_LOG", "SHARE_COORDINATOR_STATE_TOPIC"):
        assert env[f"KAFKA_{key}_REPLICATION_FACTOR"] == "1", "a single broker cannot hold 3 replicas"


def test_elasticsearch_is_single_node_insecure_for_local_dev_with_small_heap(compose: Config) -> None:
    es = compose["services"]["elasticsearch"]
    assert es["image"] == "docker.elastic.co/elasticsearch/elasticsearch:9.2.0"
    env = _env(es)
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "false"
    assert "-Xms512m" in env["ES_JAVA_OPTS"] and "-Xmx512m" in env["ES_JAVA_OPTS"]
    assert "_cluster/health" in _healthcheck_text(es)


def test_services_use_the_code_default_topics_and_alias(compose: Config) -> None:
    topics = TopicSettings()
    for name in ("init", *WORKERS):
        env = _env(compose["services"][name])
        assert env["NEWSFLOW_TOPIC_RAW"] == topics.raw
        assert env["NEWSFLOW_TOPIC_ENRICHED"] == topics.enriched
        assert env["NEWSFLOW_TOPIC_DLQ"] == topics.dlq
        assert int(env["NEWSFLOW_TOPIC_PARTITIONS"]) == topics.partitions
        assert env["NEWSFLOW_ES_ALIAS"] == ElasticsearchSettings().alias
        assert env["NEWSFLOW_LOG_FORMAT"] == "json"


def test_ingest_api_keys_come_from_a_mounted_file_not_the_compose_file(compose: Config) -> None:
    ingest = compose["services"]["ingest"]
    keys_path = _env(ingest)["NEWSFLOW_INGEST_API_KEYS_FILE"]
    secret_names = [s if isinstance(s, str) else s["source"] for s in ingest["secrets"]]
    assert keys_path in {f"/run/secrets/{name}" for name in secret_names}
    for name in secret_names:
        secret = compose["secrets"][name]
        # `docker compose config` adds the project-scoped `name`; nothing may carry the content itself.
        assert "file" in secret, "secret content must come from a file"
        assert set(secret) <= {"file", "name"}, f"secret {name} has more than a file: {sorted(secret)}"
    raw = COMPOSE_FILE.read_text()
    assert "${NEWSFLOW_INGEST_API_KEYS_FILE_HOST" in raw, "the key file's host path must be overridable"


def test_every_image_is_a_target_of_the_one_services_dockerfile(compose: Config) -> None:
    builds = {name: compose["services"][name]["build"] for name in ("init", *WORKERS)}
    targets = {
        line.split()[-1]
        for line in DOCKERFILE.read_text().splitlines()
        if line.startswith("FROM ") and " AS " in line
    }
    for name, build in builds.items():
        assert (ROOT / build["context"]).resolve() == ROOT, "build context must be the repo root"
        assert ((ROOT / build["context"]).resolve() / build["dockerfile"]) == DOCKERFILE
        assert build.get("target") == name, f"{name}: builds target {build.get('target')!r}"
        assert build["target"] in targets, f"{name}: no stage {build['target']!r} in services/Dockerfile"
        assert compose["services"][name]["image"] == f"newsflow/{name}:dev"


def test_elasticsearch_asks_for_no_ulimits(compose: Config) -> None:
    """An engine without CAP_SYS_RESOURCE refuses them; the node needs none (see docker-compose.yml)."""
    assert "ulimits" not in compose["services"]["elasticsearch"]


def test_ingest_replicas_split_the_feeds_through_one_group(compose: Config) -> None:
    """`docker compose up --scale ingest=N` (with a free host port) must give each feed one poller."""
    env = _env(compose["services"]["ingest"])
    assert env["NEWSFLOW_INGEST_FEED_ASSIGNMENT"] == "group"
    assert env["NEWSFLOW_INGEST_FEED_GROUP"] == "newsflow-ingest-feeds"
    assert "NEWSFLOW_INGEST_FEED_REPLICA_INDEX" not in env  # one value would be shared by every copy
