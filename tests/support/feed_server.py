"""The one fake feed server: RSS/Atom over HTTP on 127.0.0.1 with an ETag, redirects on request,
and a count of connections and requests (what an SSRF test proves nothing connected with)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from ssl import SSLContext
from urllib.parse import parse_qs, urlsplit

import pytest

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
                elif path.startswith("/redirect?"):
                    target = parse_qs(urlsplit(path).query)["to"][0]
                    status, extra, payload = "302 Found", f"Location: {target}\r\n", b""
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


@contextlib.asynccontextmanager
async def serving(server: FeedServer, *, ssl: SSLContext | None = None) -> AsyncIterator[FeedServer]:
    """``server`` listening on a free 127.0.0.1 port (TLS with ``ssl``) for the block."""
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=ssl)
    server.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield server
        listener.close()


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    """A :class:`FeedServer` serving :data:`RSS` for the test."""
    async with serving(FeedServer()) as server:
        yield server
