"""Which Kafka + Elasticsearch the test session uses is chosen by settings, never by what is installed."""

from __future__ import annotations

import pytest

from tests.support.containers import elasticsearch_environment, kafka_environment
from tests.support.stack import stack_mode


@pytest.mark.parametrize(
    ("value", "mode"),
    [(None, "local"), ("", "local"), ("local", "local"), ("docker", "docker"), (" Docker ", "docker")],
)
def test_the_mode_comes_from_newsflow_test_stack_only(value: str | None, mode: str) -> None:
    environ = {"PATH": "/usr/local/bin:/usr/bin"} if value is None else {"NEWSFLOW_TEST_STACK": value}
    assert stack_mode(environ) == mode


def test_an_unknown_mode_is_an_error_not_a_fallback() -> None:
    with pytest.raises(ValueError, match="expected one of local, docker"):
        stack_mode({"NEWSFLOW_TEST_STACK": "auto"})


def test_the_kafka_container_advertises_the_published_host_port() -> None:
    env = kafka_environment(40123)
    listeners = {item.split("://")[0]: item.rsplit(":", 1)[1] for item in env["KAFKA_LISTENERS"].split(",")}
    advertised = dict(item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    protocols = dict(item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert advertised["CLIENT"] == "127.0.0.1:40123", "clients on the host reach the published port"
    assert listeners["CLIENT"] == "9092", "the port published by tests.support.containers"
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised
    assert set(listeners) == set(protocols)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    voter_port = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].rsplit(":", 1)[1]
    assert listeners[env["KAFKA_CONTROLLER_LISTENER_NAMES"]] == voter_port


def test_the_elasticsearch_container_is_a_single_node_without_security() -> None:
    env = elasticsearch_environment()
    assert env["discovery.type"] == "single-node", "also what skips the bootstrap checks (nofile, mmap)"
    assert env["xpack.security.enabled"] == "false"
