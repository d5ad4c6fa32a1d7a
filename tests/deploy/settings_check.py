"""Check a deployment's environment against the settings classes: every NEWSFLOW_* variable must be
read by one of them and hold a value it accepts (a typo is otherwise ignored silently)."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from newsflow.enrich.settings import EnrichmentSettings
from newsflow.index.settings import IndexerSettings
from newsflow.ingest.settings import IngestSettings
from newsflow.settings import ElasticsearchSettings, KafkaSettings, LogSettings, TopicSettings

SETTINGS_BY_PREFIX: dict[str, type[BaseSettings]] = {
    "NEWSFLOW_KAFKA_": KafkaSettings,
    "NEWSFLOW_TOPIC_": TopicSettings,
    "NEWSFLOW_ES_": ElasticsearchSettings,
    "NEWSFLOW_LOG_": LogSettings,
    "NEWSFLOW_ENRICH_": EnrichmentSettings,
    "NEWSFLOW_INGEST_": IngestSettings,
    "NEWSFLOW_INDEXER_": IndexerSettings,
}


def settings_problems(env: dict[str, str]) -> list[str]:
    """NEWSFLOW_* variables that no settings class reads, or whose value it rejects."""
    problems: list[str] = []
    grouped: dict[type[BaseSettings], dict[str, str]] = {}
    for key, value in env.items():
        if not key.startswith("NEWSFLOW_"):
            continue
        prefix = next((p for p in SETTINGS_BY_PREFIX if key.startswith(p)), None)
        if prefix is None:
            problems.append(f"{key}: no settings class has this prefix")
            continue
        cls = SETTINGS_BY_PREFIX[prefix]
        field = key.removeprefix(prefix).lower()
        if field not in cls.model_fields:
            problems.append(f"{key}: {cls.__name__} has no field {field!r} (ignored silently)")
            continue
        grouped.setdefault(cls, {})[field] = value
    for cls, values in grouped.items():
        try:
            cls.model_validate(values)
        except ValidationError as error:
            problems.append(f"{cls.__name__}: {error}")
    return problems
