"""Threat: server-side request forgery through feed URLs. Private, loopback, link-local and non-HTTP
targets (also as redirect targets, odd IP spellings and DNS answers) are refused before any connection;
what does connect is pinned to the checked address, and nothing reaches Kafka."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from newsflow.ingest.feed_poller import FeedPoller
from newsflow.ingest.feeds import FeedRefused
from newsflow.ingest.publisher import ArticlePublisher
from newsflow.ingest.settings import FeedConfig
from newsflow.settings import KafkaSettings, TopicSettings
from tests.support.feed_server import FeedServer, serving
from tests.support.ingest_app import IngestFactory
from tests.support.kafka import end_offsets
from tests.support.polling import wait_until

PUBLIC = "93.184.216.34"
NAMES = {
    "news.example.com": [PUBLIC],
    "localhost": ["127.0.0.1", "::1"],
    "intranet.example.com": ["10.20.30.40"],
    "metadata.example.com": ["169.254.169.254"],
    "mixed.example.com": [PUBLIC, "192.168.0.10"],
    "v6.example.com": ["fd00::1"],
}


async def fake_resolve(host: str, port: int) -> list[str]:
    """The resolver the poller gets: literals as getaddrinfo reads them, a fixed table for names, and
    never a real DNS query."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host):  # 2130706433, 0x7f.1, 0177.0.0.1: inet_aton forms
        try:
            return [socket.inet_ntoa(socket.inet_aton(host))]
        except OSError:
            pass
    if host in NAMES:
        return NAMES[host]
    raise OSError(f"no DNS in tests: {host}")


ONE_ITEM_RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Public feed item</title><link>https://news.example.com/1</link>
<pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate><description>Hello</description></item></channel></rss>"""


class TrapTransport(httpx.AsyncBaseTransport):
    """Whatever host a request names, it goes to the local listener (so a guard failure can never
    connect anywhere but 127.0.0.1). Every request is recorded: the URL as the server sees it (with
    the ``Host`` header) and the address the client asked to connect to."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.urls: list[str] = []
        self.addresses: list[str] = []
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url.copy_with(netloc=request.headers["host"].encode())))
        self.addresses.append(request.url.host)
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def listener() -> AsyncIterator[FeedServer]:
    """The fake feed server with one public item; it also answers ``/redirect?to=<url>``."""
    async with serving(FeedServer(body=ONE_ITEM_RSS)) as server:
        yield server


async def test_feed_urls_to_private_addresses_are_refused_before_any_connection(
    listener: FeedServer, kafka_bootstrap: str, unique_name: Callable[..., str]
) -> None:
    port = listener.port
    refused = [
        f"http://127.0.0.1:{port}/feed.xml",
        f"http://127.1:{port}/feed.xml",
        f"http://2130706433:{port}/feed.xml",
        f"http://0x7f.0.0.1:{port}/feed.xml",
        f"http://localhost:{port}/feed.xml",
        f"http://[::1]:{port}/feed.xml",
        f"http://[::ffff:127.0.0.1]:{port}/feed.xml",
        f"http://0.0.0.0:{port}/feed.xml",
        "http://10.0.0.1/feed.xml",
        "http://172.16.0.1/feed.xml",
        "http://192.168.1.1/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/feed.xml",
        "http://intranet.example.com/feed.xml",
        "http://metadata.example.com/latest/meta-data/",
        "http://mixed.example.com/feed.xml",  # one private answer is enough
        "http://v6.example.com/feed.xml",
        "file:///etc/passwd",
        "ftp://news.example.com/feed.xml",
        "gopher://127.0.0.1:70/",
    ]
    redirects = [
        "http://10.0.0.1/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        f"http://localhost:{port}/feed.xml",
        f"http://[::1]:{port}/feed.xml",
        "http://intranet.example.com/feed.xml",
        "file:///etc/passwd",
    ]
    redirecting = [f"http://news.example.com/redirect?to={target}" for target in redirects]
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    topic = unique_name("sec-feeds")
    topics = TopicSettings(raw=topic, enriched=f"{topic}-e", dlq=f"{topic}-d", partitions=3)
    publisher = ArticlePublisher(kafka, topics, timeout_s=15, create_topics=True)
    await publisher.start(wait_s=30)
    trap = TrapTransport(port)
    try:
        async with httpx.AsyncClient(transport=trap, trust_env=False) as client:
            feeds = [FeedConfig(url=url, source="feeds") for url in refused + redirecting]
            poller = FeedPoller(feeds, publisher.publish_many, client=client, resolve=fake_resolve)
            for feed in feeds:
                with pytest.raises(FeedRefused):
                    await poller.poll_once(feed)
            assert listener.connections == len(redirecting)  # only the public first hops connected
            assert trap.urls == redirecting
            assert trap.addresses == [PUBLIC] * len(redirecting)  # pinned to the checked address
            assert all(r["path"].startswith("/redirect") for r in listener.requests)
            assert await end_offsets(kafka, topic) == {0: 0, 1: 0, 2: 0}
            # Control: the same harness does connect and publish for a public feed.
            good = FeedConfig(url="http://news.example.com/feed.xml", source="feeds")
            result = await poller.poll_once(good)
            assert result.published == 1
            assert listener.connections == len(redirecting) + 1
    finally:
        await publisher.stop()
    assert sum((await end_offsets(kafka, topic)).values()) == 1


async def test_service_feed_poller_refuses_loopback_feeds_without_connecting(
    listener: FeedServer,
    ingest_app: IngestFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The wired service (real resolver, defaults) refuses loopback/unspecified feed URLs: no connection
    to the listener, a log line per feed, and nothing on the topic."""
    port = listener.port
    urls = [
        f"http://127.0.0.1:{port}/feed.xml",
        f"http://localhost:{port}/feed.xml",
        f"http://[::1]:{port}/feed.xml",
        f"http://0.0.0.0:{port}/feed.xml",
        f"http://[::ffff:127.0.0.1]:{port}/feed.xml",
    ]
    feeds = tuple(FeedConfig(url=u, source="feeds") for u in urls)
    caplog.set_level(logging.WARNING, logger="newsflow.ingest.feeds")
    async with ingest_app(feeds=feeds, feed_interval_s=3600) as ingest:

        def skipped() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.getMessage().startswith("feed skipped")]

        async def all_skipped() -> bool:
            return len(skipped()) >= len(urls)

        await wait_until(all_skipped, within=30, what="a 'feed skipped' log line per feed")
        messages = skipped()
        assert len(messages) == len(urls), messages
        assert all("non-public address" in m for m in messages), messages
        assert listener.connections == 0
        assert await end_offsets(ingest.kafka, ingest.topic) == {0: 0, 1: 0, 2: 0}
