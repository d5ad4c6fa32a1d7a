"""Feed polling: SSRF guard (checked before connecting, connection pinned to the checked address),
conditional GET, entry mapping, seen revisions.

No test sends a packet anywhere but 127.0.0.1: tests that need a "public" address use TEST-NET-3
(203.0.113.10) as a resolver answer only, and their HTTP client runs on :class:`Wire`, which refuses
to connect to anything but 127.0.0.1 (or hands a request to the local test server itself).
"""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from newsflow.ingest import feeds
from newsflow.ingest.contract import derive_id
from newsflow.ingest.feed_mapping import parse_feed
from newsflow.ingest.feed_poller import FeedPoller
from newsflow.ingest.feeds import (
    FeedError,
    FeedRefused,
    Resolver,
    check_feed_url,
    is_forbidden_address,
)
from newsflow.ingest.settings import FeedConfig
from newsflow.models import RawArticle
from tests.support.ci import unavailable
from tests.support.feed_server import RSS, Collected, FeedServer, serving

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title>
<entry><title>Atom entry</title><link href="https://atom.example.org/e1"/><id>tag:e1</id>
<updated>2025-02-01T12:00:00Z</updated><published>2025-02-01T11:00:00Z</published>
<author><name>Ann Writer</name></author>
<content type="html">&lt;p&gt;Atom body&lt;/p&gt;</content></entry></feed>"""


DOC_PUBLIC = "203.0.113.10"  # TEST-NET-3: only ever a resolver answer, never connected to


@pytest.fixture
def doc_net_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the guard accept DOC_PUBLIC as a public address (documentation ranges are not global, so
    the real guard refuses them), so that tests can play a public DNS answer without using a real one."""
    assert is_forbidden_address(DOC_PUBLIC)
    real = feeds.is_forbidden_address
    monkeypatch.setattr(
        feeds, "is_forbidden_address", lambda address: address != DOC_PUBLIC and real(address)
    )


def table_resolver(table: dict[str, list[str]], lookups: list[str] | None = None) -> Resolver:
    """A resolver for tests: IP literals resolve to themselves, names from ``table``; never real DNS."""

    async def resolve(host: str, port: int) -> list[str]:
        if lookups is not None:
            lookups.append(host)
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if host in table:
            return table[host]
        raise OSError(f"no DNS in tests: {host}")

    return resolve


@dataclass(frozen=True)
class Target:
    """Where the HTTP client asked to connect, and the host name it presented there."""

    address: str
    port: int | None
    host_header: str | None
    sni: str | None


class Wire(httpx.AsyncBaseTransport):
    """The network under the HTTP client in these tests: nothing can leave 127.0.0.1.

    Every connection target is recorded. A request to 127.0.0.1 goes to the real transport; one to an
    address in ``serve`` is delivered to that local port instead; any other address is refused with
    ``ConnectError`` before any connection. A request naming a host *name* (what an unpinned client
    would resolve by itself) is resolved with ``resolve`` -- the second lookup, which a rebinding DNS
    server answers differently -- and never with real DNS.
    """

    def __init__(
        self,
        resolve: Resolver | None = None,
        serve: dict[str, int] | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.resolve = resolve
        self.serve = serve or {}
        self.targets: list[Target] = []
        self.inner = httpx.AsyncHTTPTransport(verify=verify)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if self.resolve is None:
                raise httpx.ConnectError(f"no DNS in tests: {host}", request=request) from None
            if request.url.scheme == "https":
                request.extensions = {"sni_hostname": host, **request.extensions}
            host = (await self.resolve(host, request.url.port or 80))[0]
        sni = request.extensions.get("sni_hostname") if request.url.scheme == "https" else None
        self.targets.append(Target(host, request.url.port, request.headers.get("host"), sni))
        if host in self.serve:
            request.url = request.url.copy_with(host="127.0.0.1", port=self.serve[host])
        elif host == "127.0.0.1":
            request.url = request.url.copy_with(host="127.0.0.1")
        else:
            raise httpx.ConnectError(f"the test wire connects to 127.0.0.1 only, not {host}", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize(
    ("address", "forbidden"),
    [
        ("127.0.0.1", True),
        ("10.0.0.5", True),
        ("172.16.3.4", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("::1", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:169.254.169.254", True),
        ("::127.0.0.1", True),  # IPv4-compatible (reserved)
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 (reserved) of 169.254.169.254
        ("2002:a00:1::1", True),  # 6to4 of 10.0.0.1
        ("2002:a9fe:a9fe::1", True),  # 6to4 of 169.254.169.254
        ("::", True),
        ("203.0.113.10", True),  # documentation range: not global
        ("93.184.216.34", False),
        ("::ffff:93.184.216.34", False),
        ("2002:5db8:d822::1", False),  # 6to4 of a public address
        ("2606:4700:4700::1111", False),
    ],
)
def test_forbidden_addresses(address: str, forbidden: bool) -> None:
    assert is_forbidden_address(address) is forbidden


async def test_a_name_resolving_to_a_private_address_is_refused_without_connecting() -> None:
    connected: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        connected.append(f"resolved {host}")
        return ["93.184.216.34", "10.0.0.7"]  # one bad answer is enough to refuse

    with pytest.raises(FeedRefused, match=r"10\.0\.0\.7"):
        await check_feed_url("https://feeds.example.com/rss", allow_private=False, resolve=resolve)
    assert connected == ["resolved feeds.example.com"]
    assert await check_feed_url("https://feeds.example.com/rss", allow_private=True, resolve=resolve)


async def test_bad_schemes_are_refused() -> None:
    for url in ("file:///etc/passwd", "gopher://x/", "http:///nohost"):
        with pytest.raises(FeedRefused):
            await check_feed_url(url, allow_private=True)


async def test_loopback_feed_is_refused_before_any_connection(feed_server: FeedServer) -> None:
    published = Collected()
    async with httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([FeedConfig(url=feed_server.url, source="example")], published, client=client)
        with pytest.raises(FeedRefused, match=r"127\.0\.0\.1"):
            await poller.poll_once(poller.feeds[0])
        localhost = FeedConfig(url=f"http://localhost:{feed_server.port}/feed.xml", source="example")
        with pytest.raises(FeedRefused):
            await poller.poll_once(localhost)
    assert feed_server.connections == 0
    assert published.batches == []


async def test_poll_publishes_new_entries_then_uses_conditional_get(feed_server: FeedServer) -> None:
    published = Collected()
    feed = FeedConfig(url=feed_server.url, source="example", allow_private=True)
    async with httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([feed], published, client=client)
        first = await poller.poll_once(feed)
        assert (first.published, first.errors) == (2, 1)
        assert {a.id for a in published.batches[0]} == {
            "example:urn:1",  # the publisher's guid first
            "example:" + derive_id("https://news.example.com/2"),  # no guid: the canonical URL
        }
        second = await poller.poll_once(feed)
        assert second.not_modified and len(published.batches) == 1
        assert feed_server.requests[-1]["if-none-match"] == '"v1"'
        # The feed changes (new ETag) but one entry is unchanged and one is updated: only the update goes out.
        feed_server.body = RSS.replace("Tue, 07 Jan 2025 10:00:00 GMT", "Wed, 08 Jan 2025 10:00:00 GMT")
        feed_server.etag = '"v2"'
        third = await poller.poll_once(feed)
        assert (third.published, third.skipped) == (1, 1)
        assert published.batches[1][0].id == "example:" + derive_id("https://news.example.com/2")
    assert feed_server.connections == len(feed_server.requests) == 3  # no connection is reused


async def test_failed_publish_does_not_mark_entries_seen(feed_server: FeedServer) -> None:
    calls: list[int] = []

    async def failing(articles: Sequence[RawArticle]) -> object:
        calls.append(len(articles))
        if len(calls) == 1:
            raise RuntimeError("kafka down")
        return None

    feed = FeedConfig(url=feed_server.url, source="example", allow_private=True)
    async with httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([feed], failing, client=client)
        with pytest.raises(RuntimeError):
            await poller.poll_once(feed)
        result = await poller.poll_once(feed)  # no conditional GET state was saved: refetch and republish
    assert result.published == 2 and calls == [2, 2]


@pytest.mark.usefixtures("doc_net_is_public")
async def test_dns_rebinding_cannot_move_the_connection_to_loopback(feed_server: FeedServer) -> None:
    """The name answers a public address to the first lookup and 127.0.0.1 to every later one: the
    feed is resolved once, the client connects (here: tries to) to the checked address only, and the
    loopback server sees nothing. An unpinned client would resolve again and reach it."""
    lookups: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return [DOC_PUBLIC] if len(lookups) == 1 else ["127.0.0.1"]

    published = Collected()
    feed = FeedConfig(url=f"http://rebind.test:{feed_server.port}/feed.xml", source="example")
    wire = Wire(resolve=rebinding)  # a client that resolved "rebind.test" itself would get 127.0.0.1
    async with httpx.AsyncClient(transport=wire, trust_env=False) as client:
        poller = FeedPoller([feed], published, client=client, resolve=rebinding)
        with pytest.raises(FeedError, match="ConnectError"):
            await poller.poll_once(feed)
        assert lookups == ["rebind.test"]
        assert wire.targets == [Target(DOC_PUBLIC, feed_server.port, f"rebind.test:{feed_server.port}", None)]
        # The next poll resolves again; loopback is not allowed, so it is refused before connecting.
        with pytest.raises(FeedRefused, match=r"127\.0\.0\.1"):
            await poller.poll_once(feed)
    assert len(wire.targets) == 1
    assert feed_server.connections == 0 and feed_server.requests == []
    assert published.batches == []


@pytest.mark.usefixtures("doc_net_is_public")
@pytest.mark.parametrize(
    "answers",
    [
        [DOC_PUBLIC, "127.0.0.1"],  # one bad answer among good ones refuses the host
        ["127.0.0.1", DOC_PUBLIC],
        [DOC_PUBLIC, "10.0.0.7"],
        ["::ffff:127.0.0.1"],
        ["0.0.0.0"],
        ["169.254.169.254"],
        [DOC_PUBLIC, "169.254.169.254"],
        ["::ffff:169.254.169.254"],
        ["64:ff9b::a9fe:a9fe"],
        ["::1", DOC_PUBLIC],
    ],
)
async def test_names_with_a_forbidden_answer_are_refused_before_connecting(
    feed_server: FeedServer, answers: list[str]
) -> None:
    lookups: list[str] = []
    resolve = table_resolver({"feed.test": answers}, lookups)
    feed = FeedConfig(url=f"http://feed.test:{feed_server.port}/feed.xml", source="example")
    wire = Wire()
    async with httpx.AsyncClient(transport=wire, trust_env=False) as client:
        poller = FeedPoller([feed], Collected(), client=client, resolve=resolve)
        with pytest.raises(FeedRefused, match="non-public address"):
            await poller.poll_once(feed)
    assert lookups == ["feed.test"]
    assert wire.targets == [] and feed_server.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:127.0.0.1]:{port}/feed.xml",
        "http://0.0.0.0:{port}/feed.xml",
        "http://127.0.0.1:{port}/feed.xml",
        "http://[::1]:{port}/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    ],
)
async def test_literal_private_addresses_are_refused_with_the_real_resolver(
    feed_server: FeedServer, url: str
) -> None:
    feed = FeedConfig(url=url.format(port=feed_server.port), source="example")
    wire = Wire()
    async with httpx.AsyncClient(transport=wire, trust_env=False) as client:
        poller = FeedPoller([feed], Collected(), client=client)  # real resolver: literals need no DNS
        with pytest.raises(FeedRefused, match="non-public address"):
            await poller.poll_once(feed)
    assert wire.targets == [] and feed_server.connections == 0


@pytest.mark.usefixtures("doc_net_is_public")
@pytest.mark.parametrize(
    ("location", "refused"),
    [
        ("http://10.1.2.3/feed.xml", "10.1.2.3"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::ffff:127.0.0.1]:{port}/feed.xml", "::ffff:7f00:1"),
        ("http://0.0.0.0:{port}/feed.xml", "0.0.0.0"),
        ("http://loop.test:{port}/feed.xml", "127.0.0.1"),
        ("http://mixed.test/feed.xml", "192.168.0.10"),
    ],
)
async def test_redirect_to_a_private_address_is_refused(
    feed_server: FeedServer, location: str, refused: str
) -> None:
    target = location.format(port=feed_server.port)
    feed = FeedConfig(url=f"http://news.test/redirect?to={target}", source="example")
    resolve = table_resolver(
        {"news.test": [DOC_PUBLIC], "loop.test": ["127.0.0.1"], "mixed.test": [DOC_PUBLIC, "192.168.0.10"]}
    )
    wire = Wire(serve={DOC_PUBLIC: feed_server.port})  # the "public" first hop is served locally
    async with httpx.AsyncClient(transport=wire, trust_env=False) as client:
        poller = FeedPoller([feed], Collected(), client=client, resolve=resolve)
        with pytest.raises(FeedRefused, match=f"non-public address {refused}"):
            await poller.poll_once(feed)
    assert wire.targets == [Target(DOC_PUBLIC, None, "news.test", None)]  # only the first hop connected
    assert [(r["path"], r["host"]) for r in feed_server.requests] == [(f"/redirect?to={target}", "news.test")]


async def test_allowed_private_feed_is_pinned_to_the_checked_address(feed_server: FeedServer) -> None:
    """With private addresses allowed (local stack, tests) the connection is still pinned: it goes to a
    resolved address (the next one when a connection fails), with the feed's host name in ``Host``, and
    the host is resolved once per poll. Every request uses its own connection (``Connection: close``)."""
    lookups: list[str] = []
    resolve = table_resolver({"feed.test": [DOC_PUBLIC, "127.0.0.1"]}, lookups)
    published = Collected()
    feed = FeedConfig(url=f"http://feed.test:{feed_server.port}/feed.xml", source="example")
    wire = Wire()  # refuses DOC_PUBLIC (ConnectError, nothing sent), so 127.0.0.1 is tried next
    async with httpx.AsyncClient(transport=wire, trust_env=False) as client:
        poller = FeedPoller([feed], published, client=client, resolve=resolve, allow_private=True)
        first = await poller.poll_once(feed)
        second = await poller.poll_once(feed)
    assert first.published == 2 and second.not_modified
    assert lookups == ["feed.test", "feed.test"]
    host = f"feed.test:{feed_server.port}"
    assert [(t.address, t.host_header) for t in wire.targets] == [(DOC_PUBLIC, host), ("127.0.0.1", host)] * 2
    assert [r["host"] for r in feed_server.requests] == [host, host]
    assert all(r["connection"] == "close" for r in feed_server.requests)
    assert feed_server.connections == 2


@dataclass
class TlsServer:
    """The feed server behind TLS, with a self-signed certificate for ``feed.test`` only."""

    feed: FeedServer
    client_context: ssl.SSLContext
    server_names: list[str | None]


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate (and its key) valid for the name ``feed.test`` only."""
    openssl = shutil.which("openssl")
    if openssl is None:
        unavailable("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=feed.test",
         "-addext", "subjectAltName=DNS:feed.test"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return key, cert


@pytest.fixture
async def tls_server(certificate: tuple[Path, Path]) -> AsyncIterator[TlsServer]:
    key, cert = certificate
    server_names: list[str | None] = []
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    server_context.sni_callback = lambda _sock, name, _ctx: server_names.append(name)
    async with serving(FeedServer(), ssl=server_context) as server:
        yield TlsServer(server, ssl.create_default_context(cafile=str(cert)), server_names)


async def test_https_feed_is_pinned_but_tls_is_verified_for_the_host_name(tls_server: TlsServer) -> None:
    """The connection goes to the checked 127.0.0.1, yet SNI and the certificate check use the host
    name: the certificate (valid for feed.test only, no IP) verifies, and a name it does not cover fails."""
    port = tls_server.feed.port
    resolve = table_resolver({"feed.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    published = Collected()
    good = FeedConfig(url=f"https://feed.test:{port}/feed.xml", source="example", allow_private=True)
    wrong = FeedConfig(url=f"https://other.test:{port}/feed.xml", source="example", allow_private=True)
    wire = Wire(verify=tls_server.client_context)
    async with httpx.AsyncClient(transport=wire, trust_env=False) as client:
        poller = FeedPoller([good, wrong], published, client=client, resolve=resolve)
        assert (await poller.poll_once(good)).published == 2
        with pytest.raises(FeedError, match="ConnectError"):  # certificate does not match other.test
            await poller.poll_once(wrong)
    assert wire.targets == [
        Target("127.0.0.1", port, f"feed.test:{port}", "feed.test"),
        Target("127.0.0.1", port, f"other.test:{port}", "other.test"),
    ]
    assert tls_server.server_names == ["feed.test", "other.test"]
    assert [r["host"] for r in tls_server.feed.requests] == [f"feed.test:{port}"]


def test_rss_entries_map_to_articles() -> None:
    parsed = parse_feed(RSS.encode(), source="example")
    assert len(parsed.errors) == 1 and "no absolute http(s) link" in parsed.errors[0]
    first = parsed.items[0].article
    assert first.title == "First & foremost"
    assert first.body == "Hello world"
    assert first.language == "en"
    assert first.tags == ("politics",)
    assert first.published_at is not None and first.revision == int(first.published_at.timestamp() * 1000)
    assert first.url == "https://news.example.com/1"  # tracking parameters removed


def test_atom_entries_map_to_articles() -> None:
    parsed = parse_feed(ATOM.encode(), source="atom")
    assert not parsed.errors
    (item,) = parsed.items
    article = item.article
    assert article.id == "atom:tag:e1"  # the Atom id, a valid publisher id as it is
    assert article.authors == ("Ann Writer",)
    assert article.body == "Atom body"
    assert article.updated_at is not None and article.updated_at.hour == 12
