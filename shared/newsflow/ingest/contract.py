"""The HTTP article contract (:class:`ArticleIn`) and its mapping to the wire model :class:`RawArticle`.

Identity: ``<source>:<publisher id>`` (:func:`scoped_id`), where the publisher id is the
publisher's stable ``id`` when given, else ``"u-"`` + the first 32 hex digits of the SHA-256 of the
canonical URL (scheme and host lower-cased, default port, fragment and tracking parameters dropped,
query sorted). Scoping by source keeps the sources apart: a key of one source can never replace,
compact away or retract another source's article, whatever id it sends. Revision: the given
``revision``, else ``updated_at`` (or ``published_at``) in epoch milliseconds, else 0. A retried
identical request therefore maps to the same (id, revision), which downstream stages treat as the
same logical article.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from newsflow.ingest.html_text import plain_text
from newsflow.models import (
    PUBLISHER_ID_PATTERN,
    SOURCE_PATTERN,
    PublisherId,
    RawArticle,
    SourceId,
    utcnow,
)

TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "_ga", "ref_src"}
)
MAX_REVISION = 2**62
_DEFAULT_PORTS = {"http": 80, "https": 443}

ShortText = Annotated[str, Field(min_length=1, max_length=200)]

_SOURCE = re.compile(SOURCE_PATTERN)
_PUBLISHER_ID = re.compile(PUBLISHER_ID_PATTERN)


class ForeignSourceId(Exception):
    """An id scoped to another source than the caller's (a key may only touch its own source)."""

    def __init__(self, source: str) -> None:
        super().__init__(f"the id belongs to source {source!r}")
        self.source = source


def _own_local_part(source: str, article_id: str) -> str | None:
    """The publisher id of ``article_id`` when it is already scoped to ``source``, else None."""
    prefix = f"{source}:"
    if article_id.startswith(prefix):
        local = article_id[len(prefix) :]
        if _PUBLISHER_ID.match(local):
            return local
    return None


def scoped_id(source: str, local_id: str) -> str:
    """The article id on the wire: ``<source>:<local_id>``, where ``local_id`` is the publisher's id.

    Idempotent: an id already scoped to ``source`` (``<source>:<publisher id>``, e.g. an id the API
    returned, or a backfill file of already-scoped ids) is kept as is, never prefixed twice. Raises
    ValueError when ``source`` is not a valid source or ``local_id`` not a valid publisher id
    (at most 200 characters), so the result always fits the wire pattern (at most 265 characters).
    """
    if not _SOURCE.match(source):
        raise ValueError(f"not a valid source: {source[:80]!r}")
    if _own_local_part(source, local_id) is not None:
        return local_id
    if not _PUBLISHER_ID.match(local_id):
        raise ValueError("not a valid article id (letters, digits, '.', '_', ':', '-'; at most 200)")
    return f"{source}:{local_id}"


def publisher_id(source: str, article_id: str) -> str:
    """The publisher's id of an article of ``source``: ``article_id`` without its ``<source>:`` prefix."""
    local = _own_local_part(source, article_id)
    return article_id if local is None else local


def retraction_id(key_source: str, requested: str) -> str:
    """The scoped id a key of ``key_source`` retracts when it asks for ``requested``.

    ``requested`` is either the publisher id (scoped here to ``key_source``) or a full scoped id of
    ``key_source``. An id of the form ``<other source>:<id>`` raises :class:`ForeignSourceId`:
    a key may only retract its own source's articles. (A publisher id that itself contains ``:``
    after a source-like head, such as ``urn:x``, is therefore retracted by its full scoped id, the
    one the API returned when it was accepted: ``<key source>:urn:x``.) Raises ValueError when
    ``requested`` is not a valid id.
    """
    if _own_local_part(key_source, requested) is not None:
        return requested
    head, colon, _ = requested.partition(":")
    if colon and head != key_source and _SOURCE.match(head):
        raise ForeignSourceId(head)
    return scoped_id(key_source, requested)


def canonical_url(url: str) -> str:
    """A canonical form of an http(s) URL, used to derive a stable article id."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"  # keep the user (it can select content) but never a password
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def derive_id(url: str) -> str:
    """The article id derived from a URL: ``u-`` + 32 hex digits of SHA-256 of its canonical form."""
    return "u-" + hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:32]


def epoch_ms(value: datetime) -> int:
    """Milliseconds since the Unix epoch of an aware datetime."""
    return int(value.timestamp() * 1000)


def default_revision(updated_at: datetime | None, published_at: datetime | None) -> int:
    """The revision of an article that does not state one: its last update time in epoch ms (else 0)."""
    moment = updated_at or published_at
    return max(0, min(MAX_REVISION, epoch_ms(moment))) if moment else 0


class ArticleIn(BaseModel):
    """An article as a newsroom system pushes it (``POST /v1/articles``). Unknown fields are rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=2_000_000)

    id: PublisherId | None = Field(
        default=None,
        description="Publisher's stable id (else derived from url); stored as '<source>:<id>'",
    )
    guid: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="The guid / Atom id your RSS/Atom feed lists this article under: when `id` is "
        "absent the id is derived from it as the feed poller derives it, so a pushed and a polled "
        "copy are one article",
    )
    url: str = Field(min_length=8, max_length=2048, description="Canonical http(s) URL of the article")
    title: str = Field(min_length=1, max_length=1000)
    body: str = Field(description="Plain text or HTML (converted to text; scripts and styles dropped)")
    body_format: Literal["auto", "text", "html"] = "auto"
    published_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    revision: int | None = Field(default=None, ge=0, le=MAX_REVISION, description="Higher wins")
    source: SourceId | None = Field(default=None, description="Must be the API key's source when given")
    authors: list[ShortText] = Field(default_factory=list, max_length=50)
    section: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    tags: list[ShortText] = Field(default_factory=list, max_length=100)

    @field_validator("guid")
    @classmethod
    def _guid_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http or https URL")
        try:
            parts.port  # noqa: B018 - raises on an invalid port
        except ValueError as exc:
            raise ValueError("has an invalid port") from exc
        return value.strip()

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        if not plain_text(value, "auto"):
            raise ValueError("must contain text (markup is removed from titles)")
        return value

    def publisher_id(self) -> str:
        """The publisher's id of this article (unscoped): the given ``id``, else derived from the
        ``guid`` exactly as the feed poller derives it, else from the URL."""
        if self.id:
            return self.id
        if self.guid:
            from newsflow.ingest.feed_identity import guid_id  # the feed rule (it imports this module)

            return guid_id(self.guid)
        return derive_id(self.url)


class RetractionIn(BaseModel):
    """Optional body of a retraction: the revision of the deletion (default: now in epoch ms)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    revision: int | None = Field(default=None, ge=0, le=MAX_REVISION)


def _plain_items(items: list[str]) -> tuple[str, ...]:
    """Authors/tags as plain text (markup removed); items left empty are dropped."""
    cleaned = (plain_text(item, "auto")[:200] for item in items)
    return tuple(item for item in cleaned if item)


def to_raw(article: ArticleIn, source: str, *, now: datetime | None = None) -> RawArticle:
    """The wire article for an accepted :class:`ArticleIn` of ``source`` (body turned into plain text).

    Its id is scoped by ``source`` (:func:`scoped_id`).
    """
    title = plain_text(article.title, "auto")[:1000]  # never the raw title: it may be only markup
    return RawArticle(
        id=scoped_id(source, article.publisher_id()),
        source=source,
        url=article.url,
        title=title,
        body=plain_text(article.body, article.body_format),
        published_at=article.published_at,
        updated_at=article.updated_at,
        revision=article.revision
        if article.revision is not None
        else default_revision(article.updated_at, article.published_at),
        authors=_plain_items(article.authors),
        section=(plain_text(article.section, "auto")[:200] or None) if article.section else None,
        language=article.language,
        tags=_plain_items(article.tags),
        ingested_at=now or utcnow(),
    )


def retraction(
    article_id: str, source: str, revision: int | None = None, *, now: datetime | None = None
) -> RawArticle:
    """A retraction of ``article_id`` of ``source``: ``deleted=True`` at ``revision`` (default: now, ms).

    ``article_id`` is the publisher id or the id already scoped to ``source``; the retraction's id is
    always scoped to ``source`` (:func:`scoped_id`), so it can only remove that source's article.
    """
    moment = now or utcnow()
    return RawArticle(
        id=scoped_id(source, article_id),
        source=source,
        url="",
        title="",
        body="",
        revision=revision if revision is not None else epoch_ms(moment),
        deleted=True,
        updated_at=moment,
        ingested_at=moment,
    )


def source_of(article: ArticleIn, key_source: str) -> tuple[str, bool]:
    """The source to record and whether the caller may write it (a key writes only its own source)."""
    if article.source is None:
        return key_source, True
    return article.source, article.source == key_source
