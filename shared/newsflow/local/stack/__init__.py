"""A real Kafka 4.x broker and a real Elasticsearch node as plain local processes (no Docker).

Artifacts come from Maven Central through ``mvn`` and are cached outside the work tree (see
:func:`newsflow.local.stack.artifacts.default_cache_dir`); each stack lives in a run dir holding its
config, data, logs and pids. Typical use::

    from newsflow.local.stack import start_stack, stop_stack
    endpoints = start_stack(Path(".newsflow/stack"))
    ...  # endpoints.kafka_bootstrap, endpoints.elasticsearch_url
    stop_stack(Path(".newsflow/stack"))
"""

from newsflow.local.stack.manager import (
    StackEndpoints,
    StackError,
    get_endpoints,
    stack_status,
    start_elasticsearch,
    start_kafka,
    start_stack,
    stop_elasticsearch,
    stop_kafka,
    stop_stack,
)

__all__ = [
    "StackEndpoints",
    "StackError",
    "get_endpoints",
    "stack_status",
    "start_elasticsearch",
    "start_kafka",
    "start_stack",
    "stop_elasticsearch",
    "stop_kafka",
    "stop_stack",
]
