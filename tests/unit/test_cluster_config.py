"""The cluster's configuration, as written: KRaft static voters and replicated internal topics per
broker, discovery per Elasticsearch node, and the replication settings the services get. The single
node's configuration stays as it was (one dynamic voter, replication factor 1, single-node discovery)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.kafka import topic_specs
from newsflow.local.stack import cluster, jvm_tuning
from newsflow.local.stack import elasticsearch as es
from newsflow.local.stack import kafka as kf
from newsflow.local.stack.cluster import ClusterConfig, replication_env
from newsflow.local.stack.manager import StackError
from newsflow.settings import ElasticsearchSettings, TopicSettings


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_single_broker_keeps_its_dynamic_quorum_and_rf_1(tmp_path: Path) -> None:
    props = _props(kf.server_properties(kf.KafkaLayout(tmp_path), 9092, 9093))
    assert props["node.id"] == "1"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:9093"
    assert "controller.quorum.voters" not in props
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"


def test_each_broker_of_three_names_every_voter_and_replicates_internal_topics(tmp_path: Path) -> None:
    quorum = kf.Quorum(node_id=2, controller_ports=(7001, 7002, 7003))
    props = _props(kf.server_properties(kf.KafkaLayout(tmp_path), 9092, 7002, quorum))
    assert props["node.id"] == "2"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:7001,2@127.0.0.1:7002,3@127.0.0.1:7003"
    assert "controller.quorum.bootstrap.servers" not in props
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:7002"
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "default.replication.factor",
    ):
        assert props[key] == "3", key
    assert props["min.insync.replicas"] == "2"
    assert props["transaction.state.log.min.isr"] == "2"


def test_two_brokers_replicate_twice_with_min_isr_1(tmp_path: Path) -> None:
    props = _props(kf.server_properties(kf.KafkaLayout(tmp_path), 1, 2, kf.Quorum(1, (2, 3))))
    assert props["offsets.topic.replication.factor"] == "2"
    assert props["min.insync.replicas"] == "1"


def test_es_single_node_and_cluster_node(tmp_path: Path) -> None:
    layout = es.EsLayout(tmp_path)
    single = es.elasticsearch_yml(layout, 9200, 9300, "c")
    assert 'discovery.type: "single-node"' in single
    peers = es.Peers("es-2", ("es-1", "es-2", "es-3"), (9301, 9302, 9303))
    node = es.elasticsearch_yml(layout, 9202, 9302, "c", peers)
    assert "discovery.type" not in node
    assert 'node.name: "es-2"' in node
    assert 'discovery.seed_hosts: ["127.0.0.1:9301", "127.0.0.1:9302", "127.0.0.1:9303"]' in node
    assert 'cluster.initial_master_nodes: ["es-1", "es-2", "es-3"]' in node


def test_replication_env_per_shape() -> None:
    assert replication_env(1, 1) == {}
    three = replication_env(3, 3)
    assert three["NEWSFLOW_TOPIC_REPLICATION_FACTOR"] == "3"
    assert three["NEWSFLOW_TOPIC_MIN_INSYNC_REPLICAS"] == "2"
    assert three["NEWSFLOW_ES_REPLICAS"] == "1"
    five = replication_env(5, 1)
    assert five["NEWSFLOW_TOPIC_REPLICATION_FACTOR"] == "3"
    assert "NEWSFLOW_ES_REPLICAS" not in five


def test_topic_settings_from_the_environment_carry_min_isr(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in replication_env(3, 3).items():
        monkeypatch.setenv(key, value)
    specs = topic_specs(TopicSettings())
    assert {s.replication_factor for s in specs} == {3}
    assert {s.config["min.insync.replicas"] for s in specs} == {"2"}
    es_settings = ElasticsearchSettings()
    assert (es_settings.replicas, es_settings.shards) == (1, 1)


def test_default_topics_leave_min_isr_to_the_broker() -> None:
    assert all("min.insync.replicas" not in s.config for s in topic_specs(TopicSettings()))


def test_min_isr_above_rf_is_refused() -> None:
    with pytest.raises(ValueError, match=r"min\.insync\.replicas"):
        topic_specs(TopicSettings(replication_factor=1, min_insync_replicas=2))


def test_es_url_lists_every_node() -> None:
    settings = ElasticsearchSettings(url="http://127.0.0.1:1, http://127.0.0.1:2")
    assert settings.hosts == ["http://127.0.0.1:1", "http://127.0.0.1:2"]
    assert ElasticsearchSettings(url="http://x:9200").hosts == ["http://x:9200"]


def test_cluster_config_names_and_lists() -> None:
    config = ClusterConfig([1, 2, 3], [4, 5, 6], [7, 8], [9, 10], "id", "name")
    assert config.kafka_bootstrap == "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3"
    assert config.elasticsearch_url == "http://127.0.0.1:7,http://127.0.0.1:8"
    assert config.names() == ["kafka-1", "kafka-2", "kafka-3", "es-1", "es-2"]
    assert config.index_of("kafka-3") == ("kafka", 2)
    with pytest.raises(StackError, match="no node 'es-3'"):
        config.index_of("es-3")


def test_broker_tuning_replaces_and_adds_settings(tmp_path: Path) -> None:
    quorum = kf.Quorum(node_id=1, controller_ports=(7001, 7002, 7003))
    tuning = {"num.io.threads": "2", "num.replica.fetchers": "1"}
    props = _props(kf.server_properties(kf.KafkaLayout(tmp_path), 9092, 7001, quorum, tuning))
    assert props["num.io.threads"] == "2"
    assert props["num.replica.fetchers"] == "1"
    assert props["min.insync.replicas"] == "2"  # the guarantees are not part of the tuning
    plain = _props(kf.server_properties(kf.KafkaLayout(tmp_path), 9092, 7001, quorum))
    assert plain["num.io.threads"] == "4"


def test_es_node_tuning_is_written(tmp_path: Path) -> None:
    peers = es.Peers("es-1", ("es-1", "es-2"), (9301, 9302))
    node = es.elasticsearch_yml(es.EsLayout(tmp_path), 9201, 9301, "c", peers, {"node.processors": "1"})
    assert 'node.processors: "1"' in node
    assert "node.processors" not in es.elasticsearch_yml(es.EsLayout(tmp_path), 9201, 9301, "c", peers)


def test_cluster_tuning_defaults_and_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "NEWSFLOW_KAFKA_JVM_OPTS",
        "NEWSFLOW_ES_JVM_OPTS",
        "NEWSFLOW_CLUSTER_KAFKA_JVM_OPTS",
        "NEWSFLOW_CLUSTER_ES_JVM_OPTS",
        "NEWSFLOW_CLUSTER_KAFKA_PROPERTIES",
        "NEWSFLOW_CLUSTER_ES_SETTINGS",
    ):
        monkeypatch.delenv(name, raising=False)
    assert cluster.kafka_jvm_options() == cluster.KAFKA_JVM_OPTIONS
    assert cluster.es_jvm_options() == cluster.ES_JVM_OPTIONS
    assert cluster.kafka_tuning() == cluster.KAFKA_TUNING
    assert cluster.es_tuning() == cluster.ES_TUNING
    monkeypatch.setenv("NEWSFLOW_CLUSTER_KAFKA_JVM_OPTS", "-XX:ActiveProcessorCount=1  -XX:+UseSerialGC")
    monkeypatch.setenv("NEWSFLOW_CLUSTER_ES_JVM_OPTS", "")
    monkeypatch.setenv("NEWSFLOW_CLUSTER_KAFKA_PROPERTIES", "num.io.threads=2, background.threads=2")
    monkeypatch.setenv("NEWSFLOW_CLUSTER_ES_SETTINGS", "")
    assert cluster.kafka_jvm_options() == ("-XX:ActiveProcessorCount=1", "-XX:+UseSerialGC")
    assert cluster.es_jvm_options() == ()
    assert cluster.kafka_tuning() == {"num.io.threads": "2", "background.threads": "2"}
    assert cluster.es_tuning() == {}
    monkeypatch.setenv("NEWSFLOW_CLUSTER_ES_SETTINGS", "node.processors")
    with pytest.raises(StackError, match="key=value"):
        cluster.es_tuning()


def test_single_node_and_cluster_share_the_jvm_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """The single node and a cluster's nodes get the same JVM options by default (a fair comparison);
    NEWSFLOW_{KAFKA,ES}_JVM_OPTS change both, the NEWSFLOW_CLUSTER_* variables only the cluster's."""
    for name in (
        "NEWSFLOW_KAFKA_JVM_OPTS",
        "NEWSFLOW_ES_JVM_OPTS",
        "NEWSFLOW_CLUSTER_KAFKA_JVM_OPTS",
        "NEWSFLOW_CLUSTER_ES_JVM_OPTS",
    ):
        monkeypatch.delenv(name, raising=False)
    assert jvm_tuning.kafka_jvm_options() == cluster.kafka_jvm_options() == ("-XX:TieredStopAtLevel=1",)
    assert jvm_tuning.es_jvm_options() == cluster.es_jvm_options() == ("-XX:TieredStopAtLevel=1",)
    monkeypatch.setenv("NEWSFLOW_ES_JVM_OPTS", "")
    assert jvm_tuning.es_jvm_options() == cluster.es_jvm_options() == ()
    monkeypatch.setenv("NEWSFLOW_CLUSTER_KAFKA_JVM_OPTS", "-XX:+UseSerialGC")
    assert jvm_tuning.kafka_jvm_options() == ("-XX:TieredStopAtLevel=1",)
    assert cluster.kafka_jvm_options() == ("-XX:+UseSerialGC",)


def test_jvm_priority_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSFLOW_STACK_JVM_NICE", raising=False)
    assert jvm_tuning.jvm_nice() == jvm_tuning.JVM_NICE == 10
    command = jvm_tuning.with_priority(["java", "-version"])
    assert command[0].endswith("nice") and command[1:] == ["-n", "10", "java", "-version"]
    monkeypatch.setenv("NEWSFLOW_STACK_JVM_NICE", "0")
    assert jvm_tuning.with_priority(["java"]) == ["java"]
    assert jvm_tuning.lower_group_priority(1) is False  # 0: nothing to change
    for bad in ("20", "-1", "high"):
        monkeypatch.setenv("NEWSFLOW_STACK_JVM_NICE", bad)
        with pytest.raises(ValueError, match="NEWSFLOW_STACK_JVM_NICE"):
            jvm_tuning.jvm_nice()
