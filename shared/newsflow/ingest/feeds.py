"""Fetching RSS/Atom feeds safely: SSRF guard, conditional GET, redirects, size and time limits.

SSRF guard: before any connection, the feed host is resolved once and every address is checked; a
host that resolves to a private, loopback, link-local, reserved, multicast or unspecified address
(IPv4-mapped and 6to4 addresses also by the IPv4 address they carry) is refused unless the feed (or
the service) explicitly allows private addresses. The connection is then pinned to a checked address:
the request URL names the address itself, so the HTTP client never resolves the name again (no DNS
rebinding between check and connection), while the ``Host`` header, TLS SNI and certificate
verification keep using the feed's host name. Each request asks for ``Connection: close``, so a
connection (and the TLS identity it verified) is never reused for another host. Redirects are
followed by hand and every hop goes through the same resolve-check-pin steps.

Limits: the body is read raw and decompressed here (gzip or deflate only) in steps of at most
:data:`DECODE_STEP` bytes, so neither the compressed nor the decoded size ever exceeds ``max_bytes``
in memory (a gzip bomb costs at most ``max_bytes`` plus one step). The poller puts an overall
deadline around each fetch (:mod:`newsflow.ingest.feed_poller`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

USER_AGENT = "newsflow-ingest/0.1 (+feed poller)"
MAX_REDIRECTS = 5
DECODE_STEP = 64 * 1024


class FeedRefused(Exception):
    """The feed URL is not allowed (bad scheme, or it resolves to a forbidden address)."""


class FeedError(Exception):
    """The feed could not be fetched or read; ``reason`` is a short label for metrics
    (``http_status``, ``too_large``, ``network``, ``redirects``, ``deadline``, ``encoding``,
    ``not_a_feed``, ``parser``)."""

    def __init__(self, message: str, reason: str = "network") -> None:
        super().__init__(message)
        self.reason = reason


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


@dataclass(frozen=True)
class FetchResult:
    """A fetched feed document (``content`` is None when the server answered 304 Not Modified).

    ``content`` is the decoded body in the pieces it was read in, not joined: joining 10 MB into one
    object took one event-loop step of up to 23 ms (copy and fresh pages) in the /healthz test; the
    parser joins them, in its worker process (:func:`~newsflow.ingest.feed_workers.document_bytes`).
    """

    url: str
    content: tuple[bytes, ...] | None
    etag: str | None
    last_modified: str | None
    content_type: str | None = None


class BoundedDecoder:
    """Decodes a ``Content-Encoding`` (identity, gzip, deflate) step by step, refusing more than
    ``max_bytes`` of output without ever holding more than that plus one step."""

    def __init__(self, encoding: str | None, max_bytes: int) -> None:
        name = (encoding or "identity").strip().lower()
        self.max_bytes = max_bytes
        self.size = 0
        self.chunks: list[bytes] = []
        if name in ("", "identity"):
            self._inflate: zlib._Decompress | None = None
        elif name in ("gzip", "x-gzip"):
            self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif name == "deflate":
            self._inflate = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FeedError(f"unsupported content encoding {name!r}", reason="encoding")

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise FeedError(f"feed larger than {self.max_bytes} bytes", reason="too_large")
        if data:
            self.chunks.append(data)

    def feed(self, raw: bytes) -> None:
        """Take the next raw chunk of the body."""
        if self._inflate is None:
            self._keep(raw)
            return
        pending = raw
        try:
            while pending:
                self._keep(self._inflate.decompress(pending, DECODE_STEP))
                pending = self._inflate.unconsumed_tail
        except zlib.error as exc:
            raise FeedError("feed body does not decompress", reason="encoding") from exc

    def finish(self) -> tuple[bytes, ...]:
        """The whole decoded body, in the pieces it was decoded in (see :class:`FetchResult`)."""
        if self._inflate is not None:
            try:
                self._keep(self._inflate.flush(DECODE_STEP))
            except zlib.error as exc:
                raise FeedError("feed body does not decompress", reason="encoding") from exc
        return tuple(self.chunks)


async def fetch_feed(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private: bool,
    max_bytes: int,
    resolve: Resolver = resolve_host,
) -> FetchResult:
    """GET a feed with ``If-None-Match``/``If-Modified-Since``, checking every hop against the SSRF guard.

    Each hop is resolved once, every address checked, and the connection pinned to a checked address.
    """
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        addresses = await check_feed_url(current, allow_private=allow_private, resolve=resolve)
        response = await _open_pinned(client, current, addresses, headers)
        try:
            if response.is_redirect and "location" in response.headers:
                current = urljoin(current, response.headers["location"])
                continue
            if response.status_code == 304:
                return FetchResult(current, None, etag, last_modified)
            if response.status_code != 200:
                raise FeedError(f"feed answered HTTP {response.status_code}", reason="http_status")
            decoder = BoundedDecoder(response.headers.get("content-encoding"), max_bytes)
            async for chunk in response.aiter_raw():
                decoder.feed(chunk)
            return FetchResult(
                current,
                decoder.finish(),
                response.headers.get("etag"),
                response.headers.get("last-modified"),
                response.headers.get("content-type"),
            )
        except httpx.HTTPError as exc:
            raise FeedError(f"feed fetch failed: {type(exc).__name__}") from exc
        finally:
            await response.aclose()
    raise FeedError("too many redirects", reason="redirects")


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
