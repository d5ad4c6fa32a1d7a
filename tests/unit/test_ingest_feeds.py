"""Feed polling: SSRF guard (checked before connecting), conditional GET, entry mapping, seen revisions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import httpx
import pytest

from newsflow.ingest.contract import derive_id
from newsflow.ingest.feeds import (
    FeedPoller,
    FeedRefused,
    check_feed_url,
    is_forbidden_address,
    parse_feed,
)
from newsflow.ingest.settings import FeedConfig
from newsflow.models import RawArticle

RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Example</title><language>en-us</language>
<item><title>First &amp; foremost</title><link>https://news.example.com/1?utm_source=rss</link>
<guid>urn:1</guid><pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate>
<description>&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;</description>
<category>politics</category></item>
<item><title>Second</title><link>https://news.example.com/2</link>
<pubDate>Tue, 07 Jan 2025 10:00:00 GMT</pubDate><description>Plain</description></item>
<item><title>No link or guid</title><description>dropped</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title>
<entry><title>Atom entry</title><link href="https://atom.example.org/e1"/><id>tag:e1</id>
<updated>2025-02-01T12:00:00Z</updated><published>2025-02-01T11:00:00Z</published>
<author><name>Ann Writer</name></author>
<content type="html">&lt;p&gt;Atom body&lt;/p&gt;</content></entry></feed>"""


@dataclass
class FeedServer:
    """A tiny HTTP server on 127.0.0.1 serving one feed with an ETag; it counts connections."""

    body: str = RSS
    etag: str = '"v1"'
    connections: int = 0
    requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
                }
                self.requests.append({"path": path, **headers})
                if path == "/redirect-private":
                    status, extra, payload = "302 Found", "Location: http://10.1.2.3/feed.xml\r\n", b""
                elif headers.get("if-none-match") == self.etag:
                    status, extra, payload = "304 Not Modified", f"ETag: {self.etag}\r\n", b""
                else:
                    status, extra, payload = "200 OK", f"ETag: {self.etag}\r\n", self.body.encode()
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/rss+xml\r\n{extra}"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/feed.xml"


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield server
        listener.close()


class Collected:
    """The ``publish`` callback of the poller, recording what it was given."""

    def __init__(self) -> None:
        self.batches: list[list[RawArticle]] = []

    async def __call__(self, articles: Sequence[RawArticle]) -> object:
        self.batches.append(list(articles))
        return None


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
        ("93.184.216.34", False),
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
            "example:" + derive_id("https://news.example.com/1"),
            "example:" + derive_id("https://news.example.com/2"),
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


async def test_redirect_to_a_private_address_is_refused(feed_server: FeedServer) -> None:
    feed = FeedConfig(url=f"http://127.0.0.1:{feed_server.port}/redirect-private", source="example")

    async def resolve(host: str, port: int) -> list[str]:
        # Pretend the test server is public so the first hop passes; the redirect target is private.
        return ["93.184.216.34"] if host == "127.0.0.1" else [host]

    async with httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([feed], Collected(), client=client, resolve=resolve)
        with pytest.raises(FeedRefused, match=r"10\.1\.2\.3"):
            await poller.poll_once(feed)
    assert [r["path"] for r in feed_server.requests] == ["/redirect-private"]


def test_rss_entries_map_to_articles() -> None:
    articles, errors = parse_feed(RSS.encode(), source="example")
    assert len(errors) == 1 and "neither" in errors[0]
    first = articles[0]
    assert first.title == "First & foremost"
    assert first.body == "Hello world"
    assert first.language == "en"
    assert first.tags == ("politics",)
    assert first.published_at is not None and first.revision == int(first.published_at.timestamp() * 1000)
    assert first.url == "https://news.example.com/1?utm_source=rss"


def test_atom_entries_map_to_articles() -> None:
    (article,), errors = parse_feed(ATOM.encode(), source="atom")
    assert not errors
    assert article.id == "atom:" + derive_id("https://atom.example.org/e1")
    assert article.authors == ("Ann Writer",)
    assert article.body == "Atom body"
    assert article.updated_at is not None and article.updated_at.hour == 12
