"""The Kubernetes manifests in deploy/ render, validate against the Kubernetes schemas, and hang together.

Offline: kustomize renders through a local `kustomize` or `kubectl kustomize` binary when one exists,
else the base's `resources:` are loaded directly. Core kinds are checked against the official
Kubernetes JSON schemas bundled in the `kubernetes-validate` package (strict: unknown fields fail);
the KEDA ScaledObject against deploy/schemas/keda-scaledobject-v1alpha1.schema.json, a hand-written
schema for the fields we use.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from newsflow.enrich.settings import EnrichmentSettings
from newsflow.ingest.auth import KeysFile
from newsflow.ingest.settings import IngestSettings
from newsflow.settings import ElasticsearchSettings, TopicSettings
from tests.deploy.settings_check import settings_problems
from tests.support.ci import unavailable

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "base"
OVERLAYS = sorted(p.parent for p in (DEPLOY / "overlays").glob("*/kustomization.yaml"))
KEDA_SCHEMA = DEPLOY / "schemas" / "keda-scaledobject-v1alpha1.schema.json"
#: Oldest Kubernetes minor we support, and the newest whose schemas the package bundles.
K8S_VERSIONS = ("1.30", "1.37")
SERVICES = ("ingest", "enrichment", "indexer")

Manifest = dict[str, Any]


# ---------------------------------------------------------------- rendering


def _kustomize_command(directory: Path) -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build", str(directory)]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize", str(directory)]
    return None


def load_resources(kustomization_dir: Path) -> list[Manifest]:
    """Fallback without a kustomize binary: the documents listed under `resources:`, recursively.

    Applies neither patches nor generators nor the namespace, so it is only used for the base.
    """
    kustomization = yaml.safe_load((kustomization_dir / "kustomization.yaml").read_text())
    docs: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        path = (kustomization_dir / entry).resolve()
        if path.is_dir():
            docs.extend(load_resources(path))
        else:
            docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


@cache
def _render_cached(directory: Path) -> str:
    command = _kustomize_command(directory)
    if command is None:
        if directory != BASE:
            unavailable(f"no kustomize/kubectl binary: cannot apply the patches of {directory.name}")
        return json.dumps(load_resources(directory))
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr}"
    return json.dumps([d for d in yaml.safe_load_all(result.stdout) if d])


def render(directory: Path) -> list[Manifest]:
    """The manifests of a kustomization (a fresh copy each call)."""
    docs: list[Manifest] = json.loads(_render_cached(directory))
    return docs


# ---------------------------------------------------------------- validation


@cache
def _keda_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(KEDA_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate_manifest(doc: Manifest, k8s_version: str = K8S_VERSIONS[0]) -> list[str]:
    """Schema errors of one manifest; an empty list means valid. Unknown kinds are an error."""
    api_version = str(doc.get("apiVersion", ""))
    kind = str(doc.get("kind", ""))
    if api_version.startswith("keda.sh/"):
        if (api_version, kind) != ("keda.sh/v1alpha1", "ScaledObject"):
            return [f"no schema for {api_version} {kind}"]
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in _keda_validator().iter_errors(doc)
        ]
    try:
        kubernetes_validate.validate(doc, k8s_version, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [error.message]
    return []


# ---------------------------------------------------------------- helpers


def by_kind(docs: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_specs(docs: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def config(docs: list[Manifest]) -> dict[str, str]:
    data: dict[str, str] = by_kind(docs, "ConfigMap")["newsflow-config"]["data"]
    return data


def env_of(container: Manifest) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env", [])}


def _id(doc: Manifest) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


TARGETS = [BASE, *OVERLAYS]
TARGET_IDS = [str(p.relative_to(DEPLOY)) for p in TARGETS]


# ---------------------------------------------------------------- the validator itself can fail


def test_validator_accepts_a_good_manifest_and_rejects_broken_ones() -> None:
    deployment = by_kind(render(BASE), "Deployment")["ingest"]
    assert validate_manifest(deployment) == []

    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "two"
    assert any("replicas" in e for e in validate_manifest(wrong_type))

    typo = copy.deepcopy(deployment)
    typo["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {"httpGet": {"port": 8080}}
    assert validate_manifest(typo), "strict validation must reject an unknown field"

    missing = copy.deepcopy(deployment)
    del missing["spec"]["selector"]
    assert validate_manifest(missing)

    assert validate_manifest({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})


def test_keda_schema_rejects_broken_scaled_objects() -> None:
    scaled = by_kind(render(BASE), "ScaledObject")["enrichment"]
    assert validate_manifest(scaled) == []

    as_string = copy.deepcopy(scaled)
    as_string["spec"]["maxReplicaCount"] = "12"
    assert any("maxReplicaCount" in e for e in validate_manifest(as_string))

    typo = copy.deepcopy(scaled)
    typo["spec"]["maxReplicas"] = 12
    assert validate_manifest(typo)

    numeric_metadata = copy.deepcopy(scaled)
    numeric_metadata["spec"]["triggers"][0]["metadata"]["lagThreshold"] = 1000
    assert validate_manifest(numeric_metadata), "KEDA trigger metadata values must be strings"

    no_group = copy.deepcopy(scaled)
    del no_group["spec"]["triggers"][0]["metadata"]["consumerGroup"]
    assert validate_manifest(no_group)


# ---------------------------------------------------------------- every manifest is valid


@pytest.mark.parametrize("k8s_version", K8S_VERSIONS)
@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
def test_every_manifest_validates(target: Path, k8s_version: str) -> None:
    docs = render(target)
    assert docs
    errors = {_id(d): validate_manifest(d, k8s_version) for d in docs}
    assert {k: v for k, v in errors.items() if v} == {}


def test_fallback_loader_sees_what_kustomize_renders() -> None:
    if _kustomize_command(BASE) is None:
        unavailable("no kustomize/kubectl binary to compare the fallback loader with")
    rendered = {_id(d) for d in render(BASE)}
    loaded = {_id(d) for d in load_resources(BASE)}
    assert rendered == loaded


def test_base_contains_the_expected_objects() -> None:
    docs = render(BASE)
    ids = {_id(d) for d in docs}
    expected = {
        "Namespace/newsflow",
        "ConfigMap/newsflow-config",
        *(f"Deployment/{s}" for s in SERVICES),
        *(f"PodDisruptionBudget/{s}" for s in SERVICES),
        "Service/ingest",
        "Service/enrichment-metrics",
        "Service/indexer-metrics",
        "ScaledObject/enrichment",
        "Job/init-topics",
        "Job/init-index",
    }
    assert expected <= ids, f"missing: {sorted(expected - ids)}"
    assert by_kind(docs, "Service")["ingest"]["spec"]["type"] == "ClusterIP"


# ---------------------------------------------------------------- what matters in production


@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
def test_every_deployment_has_probes_resources_and_runs_as_non_root(target: Path) -> None:
    deployments = by_kind(render(target), "Deployment")
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["terminationGracePeriodSeconds"] >= 20, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] > 0, name
        assert pod.get("automountServiceAccountToken") is False, name
        for container in pod["containers"]:
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                assert container[probe]["httpGet"]["port"] in ports, f"{name} {probe}"
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), f"{name} {bound}"
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            annotations = deployment["spec"]["template"]["metadata"]["annotations"]
            assert annotations["prometheus.io/scrape"] == "true", name
            assert int(annotations["prometheus.io/port"]) in ports.values(), name
            assert annotations["prometheus.io/path"] == "/metrics", name


@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
def test_read_only_pods_get_writable_scratch_and_faust_data_dirs(target: Path) -> None:
    for name, pod in pod_specs(render(target)):
        empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        for container in pod["containers"]:
            writable = {m["mountPath"] for m in container.get("volumeMounts", []) if m["name"] in empty_dirs}
            assert "/tmp" in writable, name
            data_dir = env_of(container).get("NEWSFLOW_ENRICH_DATA_DIR")
            if data_dir is not None:
                assert data_dir in writable, f"{name}: faust data dir {data_dir} is not an emptyDir"
    enrichment = by_kind(render(target), "Deployment")["enrichment"]["spec"]["template"]["spec"]
    assert "NEWSFLOW_ENRICH_DATA_DIR" in env_of(enrichment["containers"][0])


@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
def test_restricted_pod_security_holds_for_every_pod(target: Path) -> None:
    """The namespace enforces the `restricted` Pod Security Standard: every pod must satisfy it."""
    for name, pod in pod_specs(render(target)):
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
            assert "resources" in container, name


@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
def test_scaled_object_stays_within_the_partition_count(target: Path) -> None:
    docs = render(target)
    settings = config(docs)
    partitions = int(settings["NEWSFLOW_TOPIC_PARTITIONS"])
    scaled = by_kind(docs, "ScaledObject")["enrichment"]["spec"]
    assert 1 <= scaled["minReplicaCount"] <= scaled["maxReplicaCount"] <= partitions

    target_ref = scaled["scaleTargetRef"]
    deployment = by_kind(docs, target_ref.get("kind", "Deployment"))[target_ref["name"]]
    assert "replicas" not in deployment["spec"], "KEDA owns the replica count; apply must not reset it"

    (trigger,) = scaled["triggers"]
    assert trigger["type"] == "kafka"
    metadata = trigger["metadata"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert metadata["consumerGroup"] == env_of(container)["NEWSFLOW_ENRICH_GROUP_ID"] == "newsflow-enrichment"
    assert metadata["topic"] == settings["NEWSFLOW_TOPIC_RAW"]
    assert metadata["bootstrapServers"] == settings["NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"]
    assert metadata.get("allowIdleConsumers", "false") == "false"


@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
def test_pdbs_and_services_select_existing_deployments(target: Path) -> None:
    docs = render(target)
    deployments = by_kind(docs, "Deployment")

    def selected(selector: dict[str, str]) -> list[str]:
        return [
            name
            for name, d in deployments.items()
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]

    covered: set[str] = set()
    for name, pdb in by_kind(docs, "PodDisruptionBudget").items():
        matches = selected(pdb["spec"]["selector"]["matchLabels"])
        assert len(matches) == 1, f"PDB {name} selects {matches}"
        covered.update(matches)
    assert covered == set(deployments), "every Deployment needs a PodDisruptionBudget"

    for name, service in by_kind(docs, "Service").items():
        matches = selected(service["spec"]["selector"])
        assert len(matches) == 1, f"Service {name} selects {matches}"
        container_ports = {
            p["name"] for p in deployments[matches[0]]["spec"]["template"]["spec"]["containers"][0]["ports"]
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in container_ports, f"Service {name} port {port}"

    for name, deployment in deployments.items():
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selected(selector) == [name], f"Deployment {name}'s selector overlaps another"


@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
def test_init_jobs_create_topics_and_index(target: Path) -> None:
    jobs = by_kind(render(target), "Job")
    commands = {
        name: job["spec"]["template"]["spec"]["containers"][0]["command"] for name, job in jobs.items()
    }
    assert commands == {
        "init-topics": ["newsflow", "topics", "create"],
        "init-index": ["newsflow", "index", "create"],
    }
    for job in jobs.values():
        assert job["spec"]["template"]["spec"]["restartPolicy"] in ("OnFailure", "Never")
        assert job["spec"]["ttlSecondsAfterFinished"] > 0, "finished Jobs must go so re-apply works"


def test_config_map_matches_the_code_defaults() -> None:
    """The ConfigMap spells out the same topic names, partitions and alias as newsflow.settings."""
    settings = config(render(BASE))
    topics = TopicSettings()
    assert settings["NEWSFLOW_TOPIC_RAW"] == topics.raw
    assert settings["NEWSFLOW_TOPIC_ENRICHED"] == topics.enriched
    assert settings["NEWSFLOW_TOPIC_DLQ"] == topics.dlq
    assert int(settings["NEWSFLOW_TOPIC_PARTITIONS"]) == topics.partitions == 12
    assert settings["NEWSFLOW_ES_ALIAS"] == ElasticsearchSettings().alias
    assert settings["NEWSFLOW_LOG_FORMAT"] == "json"
    enrichment = EnrichmentSettings()
    container = by_kind(render(BASE), "Deployment")["enrichment"]["spec"]["template"]["spec"]["containers"][0]
    assert int(env_of(container)["NEWSFLOW_ENRICH_WEB_PORT"]) == enrichment.web_port
    assert env_of(container)["NEWSFLOW_ENRICH_GROUP_ID"] == enrichment.group_id


def test_enrichment_grace_period_covers_its_shutdown_timeout() -> None:
    pod = by_kind(render(BASE), "Deployment")["enrichment"]["spec"]["template"]["spec"]
    timeout = float(env_of(pod["containers"][0])["NEWSFLOW_ENRICH_SHUTDOWN_TIMEOUT_S"])
    assert pod["terminationGracePeriodSeconds"] > timeout


def test_no_secret_values_are_shipped() -> None:
    """The base ships no Secret; an overlay may only carry the empty (no key accepted) keys file."""
    assert by_kind(render(BASE), "Secret") == {}
    for overlay in OVERLAYS:
        for name, secret in by_kind(render(overlay), "Secret").items():
            assert name.startswith("newsflow-ingest-api-keys"), f"{overlay.name}: unexpected Secret {name}"
            values = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
            values.update(secret.get("stringData", {}))
            assert set(values) == {"api-keys.json"}
            assert KeysFile.model_validate_json(values["api-keys.json"]).keys == [], "ships a usable key"
    config_values = " ".join(config(render(BASE)).values()).lower()
    for word in ("password", "api_key", "apikey"):
        assert word not in config_values


def test_ingest_reads_its_keys_file_from_the_mounted_secret() -> None:
    docs = render(BASE)
    pod = by_kind(docs, "Deployment")["ingest"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    keys_file = Path(env_of(container)["NEWSFLOW_INGEST_API_KEYS_FILE"])
    (mount,) = [m for m in container["volumeMounts"] if Path(m["mountPath"]) == keys_file.parent]
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == "newsflow-ingest-api-keys"
    assert [i["path"] for i in volume["secret"]["items"]] == [keys_file.name]
    assert volume["secret"].get("optional") is not True, "ingest must not start without its keys"
    mode = volume["secret"].get("defaultMode", 0o644)
    readable = mode & 0o004 or (mode & 0o040 and pod["securityContext"].get("fsGroup"))
    assert readable, "uid 10001 could not read the keys file"


def test_settings_checker_catches_unknown_and_invalid_variables() -> None:
    assert settings_problems({"NEWSFLOW_INDEXER_HTTP_PORT": "8081", "HOME": "/tmp"}) == []
    assert settings_problems({"NEWSFLOW_INDEXER_PORT": "8081"})
    assert settings_problems({"NEWSFLOW_KAFKA_SECURITY_PROTOCOL": "PLAIN_TEXT"})
    assert settings_problems({"NEWSFLOW_ENRICHMENT_WEB_PORT": "6066"})


@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
def test_every_newsflow_variable_is_read_by_the_code(target: Path) -> None:
    """A misspelt variable is ignored silently by pydantic-settings (extra="ignore"): catch it here."""
    docs = render(target)
    shared = config(docs)
    for name, pod in pod_specs(docs):
        for container in pod["containers"]:
            env = {**shared, **env_of(container)}
            assert settings_problems(env) == [], f"{name}/{container['name']}"


@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
def test_ingest_replicas_split_the_feeds_so_each_has_one_poller(target: Path) -> None:
    """Several ingest replicas of one Deployment must not each poll every feed: a static split would
    need a per-pod index a Deployment cannot give, so the manifests select the Kafka-group assignment
    (any replica count), with one group for all replicas."""
    docs = render(target)
    deployment = by_kind(docs, "Deployment")["ingest"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {**config(docs), **env_of(container)}
    prefix = "NEWSFLOW_INGEST_"
    settings = IngestSettings(
        **{k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}
    )
    assert deployment["spec"].get("replicas", 1) >= 1  # whatever the count (base: 2)
    assert settings.feed_assignment == "group"
    assert settings.feed_group and "FEED_REPLICA_INDEX" not in " ".join(env)
