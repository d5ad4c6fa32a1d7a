"""Versioned wire contracts: the raw article, the enriched article and the dead letter.

Every value on a newsflow topic is the JSON of one of these models. Each carries a
``schema_version``. Datetimes are always timezone-aware (UTC on the wire).

Strict writers, tolerant readers (docs/contracts.md): building a model (what a producer writes)
refuses unknown fields and unknown enum values; reading one through :mod:`newsflow.versions`
(what a consumer does) keeps unknown fields (``model_extra``) and accepts unknown values of the
*open* enums (entity type, span field, dead-letter stage), so a newer producer's
records never become dead letters for an older consumer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

RAW_SCHEMA_VERSION: Final = 1
ENRICHED_SCHEMA_VERSION: Final = 1
DEAD_LETTER_SCHEMA_VERSION: Final = 1

#: A source: lower-case letters, digits, ``.``, ``_`` and ``-``; at most 64 characters, no ``:``.
SOURCE_PATTERN = r"^[a-z0-9][a-z0-9._\-]{0,63}$"
SOURCE_MAX_LENGTH: Final = 64
#: The id a publisher gives an article (or the ``u-...`` id derived from its URL): at most 200 characters.
PUBLISHER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,199}$"
PUBLISHER_ID_MAX_LENGTH: Final = 200
#: The article id on the wire (Kafka key, Elasticsearch ``_id``). Ingest always writes the id scoped
#: by its source, ``<source>:<publisher id>`` (see ``newsflow.ingest.contract.scoped_id``), so the
#: limit is the longest source + ``:`` + the longest publisher id = 265 characters.
ARTICLE_ID_MAX_LENGTH: Final = SOURCE_MAX_LENGTH + 1 + PUBLISHER_ID_MAX_LENGTH
ARTICLE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,264}$"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]

#: The validation context of a consumer reading a record (:func:`newsflow.versions.read`).
READING: Final[dict[str, bool]] = {"newsflow.reading": True}
#: The JSON Schema keyword that marks an enum readers tolerate new values of (docs/contracts.md).
OPEN_ENUM_KEYWORD: Final = "x-newsflow-open-enum"


def is_reading(info: ValidationInfo) -> bool:
    """True while a consumer reads a record (tolerant), False while a producer builds one (strict)."""
    context: Any = info.context
    return isinstance(context, dict) and context.get("newsflow.reading") is True


def _one_of(values: tuple[str, ...]) -> AfterValidator:
    """Writers must take the value from ``values``; readers accept whatever it is."""
    expected = " or ".join(repr(v) for v in values)

    def check(value: str, info: ValidationInfo) -> str:
        if value in values or is_reading(info):
            return value
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})

    return AfterValidator(check)


def _open_schema(values: tuple[str, ...]) -> WithJsonSchema:
    """The enum of ``values``, marked open: the compatibility check lets a new value in."""
    return WithJsonSchema({"enum": list(values), "type": "string", OPEN_ENUM_KEYWORD: True})


ArticleId = Annotated[str, Field(pattern=ARTICLE_ID_PATTERN)]
PublisherId = Annotated[str, Field(pattern=PUBLISHER_ID_PATTERN)]
SourceId = Annotated[str, Field(pattern=SOURCE_PATTERN)]

EntityType = Literal[
    "person", "organization", "place", "group", "event", "product", "law", "work", "facility"
]
#: The entity types this version writes; a reader accepts others (a newer enrichment's).
ENTITY_TYPES: Final[tuple[str, ...]] = get_args(EntityType)
SPAN_FIELDS: Final = ("title", "body")
STAGES: Final = ("ingest", "enrichment", "indexer")

#: Open enums (docs/contracts.md): strings that writers take from a closed list and readers do not.
EntityTypeName = Annotated[str, _one_of(ENTITY_TYPES), _open_schema(ENTITY_TYPES)]
SpanField = Annotated[str, _one_of(SPAN_FIELDS), _open_schema(SPAN_FIELDS)]
StageName = Annotated[str, _one_of(STAGES), _open_schema(STAGES)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RawArticle(_Frozen):
    """An accepted article, as ingest publishes it to ``news.articles.raw``.

    The body is plain text (ingest has already turned HTML into text). ``revision``
    orders the versions of one article: a higher revision replaces a lower one.
    ``id`` is scoped by source (``<source>:<publisher id>``) for everything ingest publishes, so
    one source's articles can never replace or retract another's.
    ``deleted`` marks a retraction: the article must disappear from the index.
    """

    schema_version: Literal[1] = RAW_SCHEMA_VERSION
    id: ArticleId = Field(
        description="Kafka key and Elasticsearch _id; ingest writes '<source>:<publisher id>'"
    )
    source: SourceId
    url: str = Field(max_length=2048)
    title: str = Field(max_length=1000)
    body: str
    published_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    revision: int = Field(ge=0, le=2**62)
    authors: tuple[str, ...] = ()
    section: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    tags: tuple[str, ...] = ()
    deleted: bool = False
    ingested_at: UtcDatetime = Field(default_factory=utcnow)


class Span(_Frozen):
    """Where one mention of an entity stands: character offsets in the title or the body."""

    field: SpanField
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Entity(_Frozen):
    """One named entity of an article, with its mentions merged."""

    name: str
    type: EntityTypeName  # one of EntityType when written
    label: str  # the spaCy label that decided the type (PERSON, ORG, GPE, ...)
    mentions: int = Field(ge=1)
    salience: float = Field(ge=0.0, le=1.0)
    spans: tuple[Span, ...] = ()


class Topic(_Frozen):
    """An IPTC Media Topic (top level) with a score in [0, 1]."""

    code: str  # e.g. "medtop:11000000"
    label: str  # e.g. "politics"
    score: float = Field(ge=0.0, le=1.0)


class Keyword(_Frozen):
    """A key phrase of the article with its score."""

    text: str
    score: float = Field(ge=0.0)


class Enrichment(_Frozen):
    """What the enrichment worker adds to an article."""

    entities: tuple[Entity, ...] = ()
    topics: tuple[Topic, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    language: str | None = None
    language_score: float | None = None
    word_count: int = Field(ge=0)
    reading_time_s: int = Field(ge=0)
    fingerprint: str  # 64-bit SimHash, 16 hex digits
    models: dict[str, str] = Field(default_factory=dict)  # component -> version
    enriched_at: UtcDatetime = Field(default_factory=utcnow)


class EnrichedArticle(_Frozen):
    """An article with its enrichment, as published to ``news.articles.enriched``."""

    schema_version: Literal[1] = ENRICHED_SCHEMA_VERSION
    article: RawArticle
    enrichment: Enrichment | None = None  # None for retractions (deleted articles)


class DeadLetter(_Frozen):
    """A message that a stage could not process, with everything needed to replay it."""

    schema_version: Literal[1] = DEAD_LETTER_SCHEMA_VERSION
    stage: StageName
    error_type: str
    reason: str
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    article_id: str | None = None
    payload: str  # the original value: UTF-8 text, or base64 when it was not valid UTF-8
    payload_encoding: Literal["utf-8", "base64"] = "utf-8"
    failed_at: UtcDatetime = Field(default_factory=utcnow)
