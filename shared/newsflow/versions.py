"""Tolerant readers of every schema version ever written (docs/contracts.md).

Consumers read records through :func:`read`, never by validating a model directly:

- a field the reader does not know is kept on the model (``model_extra``), never an error: a newer
  producer added it (what each stage does with it is in docs/contracts.md);
- a new value of an open enum (entity type, span field, dead-letter stage) is accepted as it is;
- a record of an older version is turned into the current one by that version's upgrade in its
  :class:`Reader`: old records stay in the compacted topics for years and a replay must read them;
- a version the reader does not know (a producer upgraded before its consumers, against the
  documented order) is still a dead letter, with a reason that says so.

Writers stay strict: models built by producers refuse unknown fields and unknown enum values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from newsflow.models import (
    DEAD_LETTER_SCHEMA_VERSION,
    ENRICHED_SCHEMA_VERSION,
    RAW_SCHEMA_VERSION,
    READING,
    DeadLetter,
    EnrichedArticle,
    RawArticle,
)
from newsflow.serde import DecodeError, validation_reason

M = TypeVar("M", bound=BaseModel)

#: Turns the parsed JSON of one older version into the JSON of the current version.
Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Reader(Generic[M]):
    """How consumers read one contract: its current model and an upgrade per older version."""

    name: str  # the file stem of its JSON Schema, without the version: "raw-article"
    model: type[M]
    version: int  # the version the model is (and producers write)
    upgrades: Mapping[int, Upgrade] = field(default_factory=dict)

    @property
    def versions(self) -> tuple[int, ...]:
        """Every version this reader reads, oldest first."""
        return tuple(sorted({*self.upgrades, self.version}))


RAW = Reader("raw-article", RawArticle, RAW_SCHEMA_VERSION)
ENRICHED = Reader("enriched-article", EnrichedArticle, ENRICHED_SCHEMA_VERSION)
DEAD_LETTER = Reader("dead-letter", DeadLetter, DEAD_LETTER_SCHEMA_VERSION)
#: Every contract on the wire, by name (the schemas export and the compatibility check use it).
READERS: dict[str, Reader[Any]] = {r.name: r for r in (RAW, ENRICHED, DEAD_LETTER)}


def read(data: bytes | None, reader: Reader[M]) -> M:
    """Read one record value as the current version of ``reader``'s contract, tolerantly.

    Raises :class:`DecodeError` for what no version explains: no value, invalid JSON, a value that
    breaks the contract, or a version this reader does not know.
    """
    if data is None:
        raise DecodeError("EmptyMessage", "message has no value (tombstone or null)")
    try:  # fast path: the current version, no intermediate dict
        return reader.model.model_validate_json(data, extra="allow", context=READING)
    except ValidationError:
        pass  # an older version, or an error to explain: parse again to tell which
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DecodeError("InvalidJSON", f"value is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise DecodeError("WrongSchema", f"expected a JSON object, got {type(raw).__name__}")
    version = raw.get("schema_version", reader.version)
    if version != reader.version:
        upgrade = reader.upgrades.get(version) if type(version) is int else None
        if upgrade is None:
            known = ", ".join(str(v) for v in reader.versions)
            raise DecodeError(
                "WrongSchema",
                f"schema_version: {version!r} is not a version of {reader.name} this consumer reads"
                f" ({known}); upgrade consumers before producers (docs/contracts.md)",
            )
        raw = upgrade(raw)
    try:
        return reader.model.model_validate(raw, extra="allow", context=READING)
    except ValidationError as exc:
        raise DecodeError("WrongSchema", validation_reason(exc)) from exc
