"""RSS/Atom polling: conditional GET, entries mapped to raw articles, already-seen revisions skipped.

SSRF guard: before any connection, the feed host is resolved once and every address is checked; a
host that resolves to a private, loopback, link-local, reserved, multicast or unspecified address
(IPv4-mapped and 6to4 addresses also by the IPv4 address they carry) is refused unless the feed (or
the service) explicitly allows private addresses. The connection is then pinned to a checked address:
the request URL names the address itself, so the HTTP client never resolves the name again (no DNS
rebinding between check and connection), while the ``Host`` header, TLS SNI and certificate
verification keep using the feed's host name. Each request asks for ``Connection: close``, so a
connection (and the TLS identity it verified) is never reused for another host. Redirects are
followed by hand and every hop goes through the same resolve-check-pin steps.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import ipaddress
import logging
import socket
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import httpx
from pydantic import ValidationError

from newsflow.ingest.contract import default_revision, derive_id, scoped_id
from newsflow.ingest.html_text import plain_text
from newsflow.ingest.settings import FeedConfig
from newsflow.models import RawArticle, utcnow
from newsflow.retry import sleep_or_stop

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
Publish = Callable[[Sequence[RawArticle]], Awaitable[object]]

USER_AGENT = "newsflow-ingest/0.1 (+feed poller)"
MAX_REDIRECTS = 5


class FeedRefused(Exception):
    """The feed URL is not allowed (bad scheme, or it resolves to a forbidden address)."""


class FeedError(Exception):
    """The feed could not be fetched (HTTP error, too large, network failure)."""


async def resolve_host(host: str, port: int) -> list[str]:
    """All addresses a host name resolves to, in resolver order (a literal IP resolves to itself)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_forbidden_ip(ip: IPAddress) -> bool:
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def is_forbidden_address(address: str) -> bool:
    """Whether an address is private, loopback, link-local, reserved, multicast or unspecified.

    An IPv4-mapped address (``::ffff:a.b.c.d``) is judged as the IPv4 address it maps; a 6to4 address
    (``2002::/16``) is also refused when the IPv4 address it carries is forbidden. (IPv4-compatible
    ``::a.b.c.d`` and NAT64 ``64:ff9b::/96`` are reserved, hence refused.)
    """
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _is_forbidden_ip(ip.ipv4_mapped)
        if ip.sixtofour is not None and _is_forbidden_ip(ip.sixtofour):
            return True
    return _is_forbidden_ip(ip)


def parse_feed_url(url: str) -> httpx.URL:
    """The URL as the HTTP client reads it; refuse (raise :class:`FeedRefused`) anything but http(s)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FeedRefused(f"feed URL is not valid: {url!r}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise FeedRefused(f"feed URL must be http(s) with a host: {url!r}")
    return parsed


async def check_feed_url(url: str, *, allow_private: bool, resolve: Resolver = resolve_host) -> list[str]:
    """Refuse (raise :class:`FeedRefused`) a URL that is not http(s) or resolves to a forbidden address.

    The host is resolved exactly once; returns the resolved addresses (all of them checked), which are
    the only addresses a connection for this URL may go to. No connection is made to the host.
    """
    parsed = parse_feed_url(url)
    host = parsed.raw_host.decode("ascii")  # IDNA form: the name in Host and SNI
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = await resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise FeedRefused(f"feed host does not resolve: {host}") from exc
    if not addresses:
        raise FeedRefused(f"feed host does not resolve: {host}")
    try:
        forbidden = [a for a in addresses if is_forbidden_address(a)]
    except ValueError as exc:
        raise FeedRefused(f"feed host {host} resolves to an unusable address") from exc
    if forbidden and not allow_private:
        raise FeedRefused(f"feed host {host} resolves to a non-public address {forbidden[0]}")
    return list(addresses)


def pinned_request(
    client: httpx.AsyncClient, url: str, address: str, headers: dict[str, str]
) -> httpx.Request:
    """A GET for ``url`` that connects to ``address`` (a checked address of its host) and nowhere else.

    The request URL carries the address, so the client has no name to resolve; ``Host`` is the URL's
    host (and port), and for https the TLS server name (SNI and certificate check) is the host name.
    """
    parsed = parse_feed_url(url)
    host = parsed.raw_host.decode("ascii")
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    try:
        target = parsed.copy_with(host=address)
    except httpx.InvalidURL as exc:
        raise FeedRefused(f"feed host {host} resolves to an unusable address") from exc
    return client.build_request(
        "GET",
        target,
        headers={**headers, "Host": parsed.netloc.decode("ascii"), "Connection": "close"},
        extensions=extensions,
    )


@dataclass
class FeedState:
    """What the poller remembers about one feed: validators for conditional GET, seen revisions."""

    etag: str | None = None
    last_modified: str | None = None
    seen: OrderedDict[str, int] = field(default_factory=OrderedDict)
    max_seen: int = 100_000

    def is_new(self, article: RawArticle) -> bool:
        """Whether this (id, revision) is newer than anything published from this feed."""
        return article.revision > self.seen.get(article.id, -1)

    def mark(self, article: RawArticle) -> None:
        """Remember a published (id, revision); forget the oldest beyond ``max_seen``."""
        self.seen[article.id] = max(article.revision, self.seen.get(article.id, -1))
        self.seen.move_to_end(article.id)
        while len(self.seen) > self.max_seen:
            self.seen.popitem(last=False)


@dataclass(frozen=True)
class FetchResult:
    """A fetched feed document (``content`` is None when the server answered 304 Not Modified)."""

    url: str
    content: bytes | None
    etag: str | None
    last_modified: str | None


async def fetch_feed(
    client: httpx.AsyncClient,
    url: str,
    state: FeedState,
    *,
    allow_private: bool,
    max_bytes: int,
    resolve: Resolver = resolve_host,
) -> FetchResult:
    """GET a feed with ``If-None-Match``/``If-Modified-Since``, checking every hop against the SSRF guard.

    Each hop is resolved once, every address checked, and the connection pinned to a checked address.
    """
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, */*;q=0.5"}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        addresses = await check_feed_url(current, allow_private=allow_private, resolve=resolve)
        response = await _open_pinned(client, current, addresses, headers)
        try:
            if response.is_redirect and "location" in response.headers:
                current = urljoin(current, response.headers["location"])
                continue
            if response.status_code == 304:
                return FetchResult(current, None, state.etag, state.last_modified)
            if response.status_code != 200:
                raise FeedError(f"feed answered HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FeedError(f"feed larger than {max_bytes} bytes")
                chunks.append(chunk)
            return FetchResult(
                current,
                b"".join(chunks),
                response.headers.get("etag"),
                response.headers.get("last-modified"),
            )
        except httpx.HTTPError as exc:
            raise FeedError(f"feed fetch failed: {type(exc).__name__}") from exc
        finally:
            await response.aclose()
    raise FeedError("too many redirects")


async def _open_pinned(
    client: httpx.AsyncClient, url: str, addresses: Sequence[str], headers: dict[str, str]
) -> httpx.Response:
    """Send the GET to the first of the checked ``addresses`` that accepts a connection; no other
    address is ever tried, and the client never resolves the host name itself."""
    failure: httpx.HTTPError | None = None
    for address in addresses:
        request = pinned_request(client, url, address, headers)
        try:
            return await client.send(request, stream=True, follow_redirects=False)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing was sent: try the next one
            failure = exc
        except httpx.HTTPError as exc:
            raise FeedError(f"feed fetch failed: {type(exc).__name__}") from exc
    if failure is None:
        raise FeedError("feed host has no address to connect to")
    raise FeedError(f"feed fetch failed: {type(failure).__name__}") from failure


def _entry_time(entry: Any, name: str) -> datetime | None:
    parsed = dict.get(entry, f"{name}_parsed")  # plain dict lookup: no feedparser key aliasing
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def entry_to_article(entry: Any, *, source: str, language: str | None = None) -> RawArticle:
    """Map one feedparser entry to a raw article; raise ValueError when it cannot be one.

    The id is ``<source>:`` + the id derived from the link (else from the entry's guid).
    """
    link = str(entry.get("link") or "").strip()
    guid = str(entry.get("id") or "").strip()
    if link.startswith(("http://", "https://")):
        local_id = derive_id(link)
    elif guid:
        local_id = "g-" + hashlib.sha256(guid.encode()).hexdigest()[:32]
    else:
        raise ValueError("entry has neither an http(s) link nor an id")
    article_id = scoped_id(source, local_id)
    contents = entry.get("content") or []
    raw_body = str(contents[0].get("value", "")) if contents else str(entry.get("summary") or "")
    published = _entry_time(entry, "published")
    updated = _entry_time(entry, "updated") or published
    authors = tuple(str(a.get("name")) for a in entry.get("authors") or [] if a.get("name"))
    tags = tuple(str(t.get("term")) for t in entry.get("tags") or [] if t.get("term"))
    lang = (language or "").split("-")[0].lower() or None
    try:
        return RawArticle(
            id=article_id,
            source=source,
            url=link or guid,
            title=plain_text(str(entry.get("title") or ""), "auto")[:1000],
            body=plain_text(raw_body, "auto"),
            published_at=published,
            updated_at=updated,
            revision=default_revision(updated, published),
            authors=tuple(a for a in (plain_text(a, "auto")[:200] for a in authors[:50]) if a),
            tags=tuple(t for t in (plain_text(t, "auto")[:200] for t in tags[:100]) if t),
            language=lang if lang and lang.isalpha() and 2 <= len(lang) <= 3 else None,
            ingested_at=utcnow(),
        )
    except ValidationError as exc:
        raise ValueError(f"entry is not a valid article: {exc.error_count()} error(s)") from exc


def parse_feed(content: bytes, *, source: str) -> tuple[list[RawArticle], list[str]]:
    """The articles of a feed document, and a reason for every entry that could not be mapped."""
    parsed: Any = feedparser.parse(content)
    language = parsed.feed.get("language")
    articles: list[RawArticle] = []
    errors: list[str] = []
    for index, entry in enumerate(parsed.entries):
        try:
            articles.append(entry_to_article(entry, source=source, language=language))
        except ValueError as exc:
            errors.append(f"entry {index}: {exc}")
    return articles, errors


@dataclass(frozen=True)
class PollResult:
    """What one poll of one feed did."""

    feed_url: str
    not_modified: bool
    published: int
    skipped: int
    errors: int


class FeedPoller:
    """Polls the configured feeds and publishes new (id, revision) pairs through ``publish``."""

    def __init__(
        self,
        feeds: Sequence[FeedConfig],
        publish: Publish,
        *,
        client: httpx.AsyncClient,
        interval_s: float = 300.0,
        max_bytes: int = 10 * 1024 * 1024,
        allow_private: bool = False,
        resolve: Resolver = resolve_host,
    ) -> None:
        self.feeds = list(feeds)
        self.publish = publish
        self.client = client
        self.interval_s = interval_s
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.resolve = resolve
        self.states: dict[str, FeedState] = {f.url: FeedState() for f in self.feeds}

    async def poll_once(self, feed: FeedConfig) -> PollResult:
        """Fetch one feed and publish its new articles; state advances only after Kafka acknowledged."""
        state = self.states.setdefault(feed.url, FeedState())
        result = await fetch_feed(
            self.client,
            feed.url,
            state,
            allow_private=self.allow_private or feed.allow_private,
            max_bytes=self.max_bytes,
            resolve=self.resolve,
        )
        if result.content is None:
            return PollResult(feed.url, True, 0, 0, 0)
        articles, errors = parse_feed(result.content, source=feed.source)
        for reason in errors:
            log.warning("feed entry rejected feed=%s reason=%s", feed.url, reason)
        fresh = [a for a in articles if state.is_new(a)]
        if fresh:
            await self.publish(fresh)
            for article in fresh:
                state.mark(article)
        state.etag, state.last_modified = result.etag, result.last_modified
        log.info(
            "feed polled feed=%s published=%d skipped=%d errors=%d",
            feed.url,
            len(fresh),
            len(articles) - len(fresh),
            len(errors),
        )
        return PollResult(feed.url, False, len(fresh), len(articles) - len(fresh), len(errors))

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Poll every feed every ``interval_s`` until ``stop`` is set; a failing feed never stops others."""
        while stop is None or not stop.is_set():
            for feed in self.feeds:
                try:
                    await self.poll_once(feed)
                except (FeedRefused, FeedError) as exc:
                    log.warning("feed skipped feed=%s reason=%s", feed.url, exc)
                except Exception as exc:  # the poller must survive anything one feed does
                    log.warning("feed poll failed feed=%s error=%s", feed.url, type(exc).__name__)
            if await sleep_or_stop(self.interval_s, stop):
                return
