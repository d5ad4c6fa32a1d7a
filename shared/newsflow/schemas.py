"""JSON Schema of the wire contracts, exported to ``docs/schemas/`` (``newsflow schemas``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from newsflow.versions import READERS

#: The current version of every wire contract, by file stem (``raw-article.v1``).
CONTRACTS: dict[str, type[BaseModel]] = {f"{r.name}.v{r.version}": r.model for r in READERS.values()}


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every wire contract, by file stem."""
    return {name: model.model_json_schema(mode="serialization") for name, model in CONTRACTS.items()}


def write_schemas(directory: Path) -> list[Path]:
    """Write one ``<name>.json`` per contract into ``directory``; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, schema in json_schemas().items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
