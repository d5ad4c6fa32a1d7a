"""Feed polling costs that tests do not time: memory of a gzip bomb, event-loop stall of a big feed.

    .venv/bin/python bench/bench_feed_fetch.py [--bomb-mb 1000] [--feed-mb 10]

Each case runs in a fresh process (so ``ru_maxrss`` is that case's own peak) against a server on
127.0.0.1 in the same process:

* ``bomb``: one poll of a feed answering ``Content-Encoding: gzip`` with ``--bomb-mb`` MB of spaces
  (about 1 MB compressed per GB) under the default 10 MiB cap: the poll fails with "too large";
  the figure is the peak RSS growth during the poll.
* ``stall``: one poll of a ``--feed-mb`` MB RSS feed (20 KB items) while a 5 ms ticker measures the
  longest gap in the event loop, parsing inline (the poller as before this change) and in the worker
  process (the service; then also the worker's peak RSS).

Works with the poller before this change too (``PYTHONPATH`` on an export of the old ``shared/``);
then ``stall`` runs inline only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
import zlib
from collections.abc import Sequence
from typing import Any

import httpx

from newsflow.ingest.settings import FeedConfig

try:
    from newsflow.ingest.feed_poller import FeedPoller
    from newsflow.ingest.feed_workers import ProcessFeedParser, parse_inline

    NEW = True
except ImportError:  # before this change
    from newsflow.ingest.feeds import FeedPoller  # type: ignore[attr-defined,no-redef]

    NEW = False


async def _serve(payload: bytes, headers: str) -> tuple[asyncio.Server, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(f"HTTP/1.1 200 OK\r\n{headers}Content-Length: {len(payload)}\r\n\r\n".encode())
        writer.write(payload)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/feed.xml"


async def _discard(articles: Sequence[Any]) -> None:
    return None


def _big_feed(megabytes: int) -> bytes:
    paragraph = "<p>" + "The council met again on Monday to discuss the harbour budget. " * 16 + "</p>"
    count = megabytes * 1_000_000 // 21_000
    items = "".join(
        f"<item><title>Item {n}</title><link>https://big.example/{n}</link><guid>big-{n}</guid>"
        f"<pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate><description><![CDATA[{paragraph * 20}]]>"
        "</description></item>"
        for n in range(count)
    )
    return f"<rss version='2.0'><channel><title>Big</title>{items}</channel></rss>".encode()


async def bomb(megabytes: int) -> dict[str, Any]:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip, built 1 MB at a time
    chunk = b" " * 1_000_000
    payload = packer.compress(b"<rss>") + b"".join(packer.compress(chunk) for _ in range(megabytes))
    payload += packer.flush()
    server, url = await _serve(payload, "Content-Type: application/rss+xml\r\nContent-Encoding: gzip\r\n")
    feed = FeedConfig(url=url, source="bench", allow_private=True)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    async with server, httpx.AsyncClient(trust_env=False) as client:
        error = ""
        try:
            await FeedPoller([feed], _discard, client=client).poll_once(feed)
        except Exception as exc:  # the expected outcome: refused as too large
            error = f"{type(exc).__name__}: {exc}"
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "compressed_bytes": len(payload),
        "peak_rss_growth_mb": round((after - before) / 1024, 1),
        "error": error,
    }


async def stall(megabytes: int, where: str) -> dict[str, Any]:
    payload = _big_feed(megabytes)
    server, url = await _serve(payload, "Content-Type: application/rss+xml\r\n")
    feed = FeedConfig(url=url, source="bench", allow_private=True)
    worst = 0.0
    done = False

    async def ticker() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            worst = max(worst, now - last - 0.005)
            last = now

    options: dict[str, Any] = {}
    parser = None
    if NEW:
        parser = ProcessFeedParser() if where == "process" else None
        if parser is not None:
            await parser.start()  # as the service does at start-up
        options["parse"] = parser or parse_inline
    started = time.perf_counter()
    async with server, httpx.AsyncClient(trust_env=False) as client:
        tick = asyncio.create_task(ticker())
        result = await FeedPoller([feed], _discard, client=client, **options).poll_once(feed)
        done = True
        await tick
    worker_peak_mb = None
    if parser is not None:
        worker_peak_mb = _worker_peak_mb(parser)
        parser.close()
    return {
        "worker_peak_rss_mb": worker_peak_mb,
        "feed_bytes": len(payload),
        "parse": where,
        "published": result.published,
        "poll_s": round(time.perf_counter() - started, 2),
        "max_loop_stall_ms": round(worst * 1000, 1),
    }


def _worker_peak_mb(parser: Any) -> float | None:
    """Peak RSS (VmHWM) of the parser's worker process, Linux only."""
    pool = parser._pool
    for pid in getattr(pool, "_processes", {}) or {}:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bomb-mb", type=int, default=1000)
    parser.add_argument("--feed-mb", type=int, default=10)
    parser.add_argument("--case", choices=["bomb", "inline", "process"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case == "bomb":
        print(json.dumps(asyncio.run(bomb(args.bomb_mb))))
        return 0
    if args.case:
        print(json.dumps(asyncio.run(stall(args.feed_mb, args.case))))
        return 0
    cases = ["bomb", "inline"] + (["process"] if NEW else [])
    print(f"poller: {'after' if NEW else 'before'} this change")
    for case in cases:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--case",
                case,
                "--bomb-mb",
                str(args.bomb_mb),
                "--feed-mb",
                str(args.feed_mb),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"{case}: {out.stdout.strip()}")
    command = f"bench/bench_feed_fetch.py --bomb-mb {args.bomb_mb} --feed-mb {args.feed_mb}"
    print(f"reproduce: .venv/bin/python {command}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
