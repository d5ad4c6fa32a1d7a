"""The one fake feed server: RSS/Atom over HTTP on 127.0.0.1 with an ETag, redirects on request,
and a count of connections and requests (what an SSRF test proves nothing connected with). It can
also serve raw bytes (``payload``) with a given Content-Type / Content-Encoding, hold its answers until
an event is set (``hold``), and drip them (``drip_s`` between each of 20 pieces) like a slow or hostile
server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from ssl import SSLContext
from urllib.parse import parse_qs, urlsplit

import pytest

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


#: Bytes per write of an answer that is not dripped.
SEND_PIECE = 64 * 1024


@dataclass
class FeedServer:
    """A tiny HTTP server on 127.0.0.1 serving one feed with an ETag; it counts connections."""

    body: str = RSS
    etag: str = '"v1"'
    payload: bytes | None = None
    content_type: str = "application/rss+xml"
    content_encoding: str | None = None
    drip_s: float = 0.0
    hold: asyncio.Event | None = None  # when given, a 200 answer waits until it is set
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
                    payload = self.body.encode() if self.payload is None else self.payload
                    if self.hold is not None:
                        await self.hold.wait()
                    status, extra = "200 OK", f"ETag: {self.etag}\r\n"
                    if self.content_encoding:
                        extra += f"Content-Encoding: {self.content_encoding}\r\n"
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: {self.content_type}\r\n{extra}"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode()
                )
                await self._send(writer, payload)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _send(self, writer: asyncio.StreamWriter, payload: bytes) -> None:
        if not self.drip_s:  # in pieces: the server shares its event loop with the app under test,
            view = memoryview(payload)  # and one 10 MB write held that loop 36-61 ms (buffer copy)
            for start in range(0, len(payload), SEND_PIECE):
                writer.write(view[start : start + SEND_PIECE])
                await writer.drain()
            return
        step = max(1, len(payload) // 20)
        for start in range(0, len(payload), step):
            writer.write(payload[start : start + step])
            await writer.drain()
            await asyncio.sleep(self.drip_s)

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


class Collected:
    """The ``publish`` callback of the poller, recording what it was given."""

    def __init__(self) -> None:
        self.batches: list[list[RawArticle]] = []

    async def __call__(self, articles: Sequence[RawArticle]) -> object:
        self.batches.append(list(articles))
        return None
