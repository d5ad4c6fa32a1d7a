"""Feed documents to raw articles: the real article text, stable ids, dates, declared types, charsets.

* **Body**: the longest text among ``content:encoded`` / Atom ``content`` and the summary
  (``description``), each converted by its declared type; empty and out-of-line (``src=``) content is
  skipped, and a Media RSS caption (``media:description`` of a ``media:content``) is never a candidate.
  feedparser files every ``media:description`` as entry content, so :func:`_keep_captions_apart`
  teaches its Media RSS handler to file a caption under a key of its own (an item-level
  ``media:description`` stays text, as El Mundo uses it).
* **Text**: values declared ``text`` stay text (a mention of ``<script>`` is neutralised, not parsed);
  ``html``/``xhtml`` is converted; a doubly escaped character reference (``&#39;``) is decoded once more.
* **Links and charset**: the feed URL is the base for relative links (with ``xml:base``), and the HTTP
  ``Content-Type`` (with its charset) is given to feedparser, which decodes by it; without one the
  document is read as ``application/xml`` (its own declaration, else UTF-8: :data:`NO_CONTENT_TYPE`).
* **Identity** (:mod:`newsflow.ingest.feed_identity`) and **dates**
  (:mod:`newsflow.ingest.feed_dates`) have modules of their own.

Everything here is pure and CPU-bound: the poller runs :func:`parse_feed` in a worker process
(:mod:`newsflow.ingest.feed_workers`) so that the ingest API's event loop never waits for it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import feedparser
from feedparser.namespaces import mediarss
from pydantic import ValidationError

from newsflow.ingest import feed_charsets
from newsflow.ingest.contract import default_revision, scoped_id
from newsflow.ingest.feed_dates import entry_dates
from newsflow.ingest.feed_identity import entry_url, local_id
from newsflow.ingest.html_text import neutralise_markup, plain_text
from newsflow.models import RawArticle, utcnow

_CHAR_REF = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(quot|apos|nbsp));")
_NAMED = {"quot": '"', "apos": "'", "nbsp": "\u00a0"}
#: What a document fetched without a ``Content-Type`` is read as: XML on its own terms (byte order
#: mark, then encoding declaration, else UTF-8). feedparser's default for an HTTP answer without one
#: is ISO-8859-1, which turned UTF-8 attributes and author names into mojibake.
NO_CONTENT_TYPE = "application/xml"


def _keep_captions_apart() -> None:
    """Make feedparser file ``media:description`` inside ``media:content`` as ``media_caption``."""
    namespace: Any = mediarss.Namespace
    if getattr(namespace, "_newsflow_captions", False):
        return
    start_content = namespace._start_media_content

    def _start_media_content(self: Any, attrs: Any) -> None:
        self._newsflow_media_depth = getattr(self, "_newsflow_media_depth", 0) + 1
        start_content(self, attrs)

    def _end_media_content(self: Any) -> None:
        self._newsflow_media_depth = max(0, getattr(self, "_newsflow_media_depth", 0) - 1)

    def _start_media_description(self: Any, attrs: Any) -> None:
        caption = getattr(self, "_newsflow_media_depth", 0) > 0
        self.__dict__.setdefault("_newsflow_caption_stack", []).append(caption)
        if caption:
            self.push("media_caption", 1)
        else:
            self._start_description(attrs)

    def _end_media_description(self: Any) -> None:
        stack = self.__dict__.setdefault("_newsflow_caption_stack", [])
        if stack.pop() if stack else False:
            self.pop("media_caption")
        else:
            self._end_description()

    namespace._start_media_content = _start_media_content
    namespace._end_media_content = _end_media_content
    namespace._start_media_description = _start_media_description
    namespace._end_media_description = _end_media_description
    namespace._newsflow_captions = True


_keep_captions_apart()
feed_charsets.register()


@dataclass(frozen=True)
class FeedItem:
    """One mapped entry, the digest of its content (what decides whether a re-poll is an edit) and
    the entry's guid / Atom id (empty without one)."""

    article: RawArticle
    digest: str
    guid: str = ""


@dataclass(frozen=True)
class ParsedFeed:
    """The articles of a feed document, a reason per entry refused, and warnings (refused dates)."""

    items: list[FeedItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    is_feed: bool = True
    entries: int = 0


def _declared_format(detail: Any) -> str:
    kind = str((detail or {}).get("type") or "").lower()
    if kind in ("text/html", "application/xhtml+xml", "html", "xhtml"):
        return "html"
    if kind in ("text/plain", "text"):
        return "text"
    return "auto"


def _decode_leftover_refs(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        decimal, hexadecimal, name = match.groups()
        if name:
            return _NAMED[name]
        code = int(decimal) if decimal else int(hexadecimal, 16)
        return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else match.group(0)

    return _CHAR_REF.sub(replace, text)


def as_text(value: str, fmt: str) -> str:
    """A feed value as plain text according to its declared format (``text``, ``html`` or ``auto``)."""
    text = neutralise_markup(value.strip()) if fmt == "text" else plain_text(value, fmt)
    if "&" in text:
        text = plain_text(_decode_leftover_refs(text), "text")
        text = neutralise_markup(text)
    return text


def best_body(entry: Any) -> tuple[str, str | None]:
    """The longest text among the entry's content parts and summary (captions, empty and out-of-line
    content excluded), with the language declared on it."""
    candidates: list[tuple[str, str | None]] = []
    contents = entry.get("content") or []
    for part in contents:
        value = str(part.get("value") or "")
        if value.strip() and not part.get("src"):
            candidates.append((as_text(value, _declared_format(part)), part.get("language")))
    summary = str(entry.get("summary") or "")
    copied = any(summary == str(part.get("value") or "") for part in contents)  # feedparser's copy
    if summary.strip() and not (copied and not entry.get("summary_detail")):
        detail = entry.get("summary_detail") or {}
        candidates.append((as_text(summary, _declared_format(detail)), detail.get("language")))
    best: tuple[str, str | None] = ("", None)
    for text, language in candidates:
        if len(text) > len(best[0]):
            best = (text, language)
    return best


def _language(*declared: str | None) -> str | None:
    for value in declared:
        primary = (value or "").split("-")[0].split("_")[0].strip().lower()
        if primary.isalpha() and 2 <= len(primary) <= 3:
            return primary
    return None


def entry_to_article(
    entry: Any,
    *,
    source: str,
    language: str | None = None,
    feed_url: str | None = None,
    now: datetime | None = None,
    warnings: list[str] | None = None,
) -> RawArticle:
    """Map one feedparser entry to a raw article; raise ValueError when it cannot be one.

    Refused dates are appended to ``warnings`` (the article keeps no date for them).
    """
    url = entry_url(entry, feed_url)
    if url is None:
        raise ValueError("entry has no absolute http(s) link (nor a URL guid)")
    publisher_id = local_id(entry, url)
    body, body_language = best_body(entry)
    lang = _language(body_language, language)
    published, updated, refusals = entry_dates(entry, language=lang, now=now)
    if warnings is not None:
        warnings.extend(refusals)
    title = as_text(str(entry.get("title") or ""), _declared_format(entry.get("title_detail")))[:1000]
    if not title:
        raise ValueError("entry has no title (a blank or markup-only title is refused, as over HTTP)")
    authors = [str(a.get("name")) for a in entry.get("authors") or [] if a.get("name")]
    tags = [str(t.get("term")) for t in entry.get("tags") or [] if t.get("term")]
    try:
        return RawArticle(
            id=scoped_id(source, publisher_id),
            source=source,
            url=url,
            title=title,
            body=body,
            published_at=published,
            updated_at=updated,
            revision=default_revision(updated, published),
            authors=tuple(a for a in (as_text(a, "auto")[:200] for a in authors[:50]) if a),
            tags=tuple(t for t in (as_text(t, "auto")[:200] for t in tags[:100]) if t),
            language=lang,
            ingested_at=utcnow(),
        )
    except ValidationError as exc:
        raise ValueError(f"entry is not a valid article: {exc.error_count()} error(s)") from exc


def content_digest(article: RawArticle) -> str:
    """32 hex digits of the SHA-256 of what a reader sees of an article (not its id, revision or
    ingest time)."""
    seen = {
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "authors": list(article.authors),
        "tags": list(article.tags),
        "section": article.section,
        "language": article.language,
        "published_at": article.published_at.isoformat() if article.published_at else None,
    }
    return hashlib.sha256(json.dumps(seen, sort_keys=True).encode()).hexdigest()[:32]


def read_document(content: bytes, *, url: str | None = None, content_type: str | None = None) -> Any:
    """feedparser's reading of a fetched document: decoded by ``content_type``'s charset (or as
    :data:`NO_CONTENT_TYPE` without one), relative links against ``url``."""
    headers = {"content-type": content_type or NO_CONTENT_TYPE}
    if url:
        headers["content-location"] = url
    return feedparser.parse(io.BytesIO(content), response_headers=headers)


def parse_feed(
    content: bytes,
    *,
    source: str,
    url: str | None = None,
    content_type: str | None = None,
    now: datetime | None = None,
) -> ParsedFeed:
    """The articles of a feed document fetched from ``url`` with ``content_type`` (both optional).

    Ids come from each entry alone (:func:`newsflow.ingest.feed_identity.guid_id`): entries that share
    a link but not a guid are distinct articles; an entry listed twice under one guid is one article.
    """
    parsed = read_document(content, url=url, content_type=content_type)
    language = parsed.feed.get("language")
    articles: list[RawArticle] = []
    guids: list[str] = []
    errors: list[str] = []
    warnings: list[str] = []
    for index, entry in enumerate(parsed.entries):
        refused: list[str] = []
        try:
            articles.append(
                entry_to_article(
                    entry, source=source, language=language, feed_url=url, now=now, warnings=refused
                )
            )
            guids.append(str(entry.get("id") or ""))
        except ValueError as exc:
            errors.append(f"entry {index}: {exc}")
        warnings.extend(f"entry {index}: {reason}" for reason in refused)
    items = [FeedItem(a, content_digest(a), g) for a, g in zip(articles, guids, strict=True)]
    is_feed = bool(parsed.get("version")) or bool(parsed.entries)
    return ParsedFeed(items, errors, warnings, is_feed, len(parsed.entries))
