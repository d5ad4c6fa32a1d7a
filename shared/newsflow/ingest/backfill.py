"""Backfill: read archives (``.json`` — one object or an array —, ``.jsonl``, ``.txt``) and publish them.

Each reader yields one :class:`BackfillRecord` per article: the file, the line where the record
starts, and either the article or the reason it was rejected. A bad record never stops the rest.
Plain-text files are one article each: the first non-empty line is the title, the rest the body,
and the id comes from the file name. Every id is scoped by the record's source (``<source>:<id>``);
ids already scoped to that source are kept as they are.

:func:`backfill` publishes every valid record in chunks (``newsflow ingest PATH…`` is its command
line); a chunk Kafka does not acknowledge is retried with a backoff, then reported record by record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from newsflow.ingest.contract import ArticleIn, epoch_ms, scoped_id, to_raw
from newsflow.ingest.publisher import ArticlePublisher, KafkaUnavailable, RecordTooLarge
from newsflow.models import RawArticle
from newsflow.retry import Backoff, sleep_or_stop
from newsflow.settings import KafkaSettings, TopicSettings

SUPPORTED_SUFFIXES = (".json", ".jsonl", ".ndjson", ".txt")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:\-]+")
_DECODER = json.JSONDecoder()
CHUNK = 500
ATTEMPTS = 5


@dataclass(frozen=True)
class BackfillRecord:
    """One record of an archive file: the article, or why it was rejected."""

    file: Path
    line: int
    article: RawArticle | None = None
    error: str | None = None

    @property
    def where(self) -> str:
        """``file:line`` of the record."""
        return f"{self.file}:{self.line}"


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The supported files among ``paths``; directories are walked recursively, in sorted order."""
    for path in paths:
        if path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            yield from sorted(found)
        else:
            yield path


def read_file(path: Path, *, source: str) -> Iterator[BackfillRecord]:
    """The records of one file, chosen by its suffix."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        yield BackfillRecord(path, 0, error=f"cannot read file: {exc}")
        return
    suffix = path.suffix.lower()
    if suffix == ".json":
        yield from _read_json(path, text, source)
    elif suffix in (".jsonl", ".ndjson"):
        yield from _read_jsonl(path, text, source)
    elif suffix == ".txt":
        yield _read_txt(path, text, source)
    else:
        yield BackfillRecord(path, 0, error=f"unsupported file type {suffix or '(none)'}")


def read_paths(paths: Iterable[Path], *, source: str) -> Iterator[BackfillRecord]:
    """Every record of every file under ``paths``."""
    for path in iter_files(paths):
        yield from read_file(path, source=source)


def _record(path: Path, line: int, data: Any, source: str) -> BackfillRecord:
    if not isinstance(data, dict):
        return BackfillRecord(path, line, error=f"expected a JSON object, got {type(data).__name__}")
    try:
        article = ArticleIn.model_validate(data)
        return BackfillRecord(path, line, article=to_raw(article, article.source or source))
    except ValidationError as exc:
        return BackfillRecord(path, line, error=validation_reason(exc))
    except ValueError as exc:  # e.g. an invalid default source
        return BackfillRecord(path, line, error=str(exc))


def validation_reason(exc: ValidationError) -> str:
    """A one-line reason listing the first invalid fields."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()[:5]]
    more = f" (+{exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return "; ".join(parts) + more


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _read_json(path: Path, text: str, source: str) -> Iterator[BackfillRecord]:
    pos = _skip_ws(text, 0)
    if not text.startswith("[", pos):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield BackfillRecord(path, exc.lineno, error=f"invalid JSON: {exc.msg}")
            return
        yield _record(path, _line_of(text, pos), data, source)
        return
    # An array: decode element by element so each record knows its line, and one bad
    # element's position is still reported.
    pos = _skip_ws(text, pos + 1)
    if text.startswith("]", pos):
        return
    while pos < len(text):
        try:
            data, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield BackfillRecord(path, exc.lineno, error=f"invalid JSON: {exc.msg}")
            return
        yield _record(path, _line_of(text, pos), data, source)
        pos = _skip_ws(text, end)
        if text.startswith(",", pos):
            pos = _skip_ws(text, pos + 1)
        elif text.startswith("]", pos):
            return
        else:
            yield BackfillRecord(path, _line_of(text, pos), error="invalid JSON: expected ',' or ']'")
            return
    yield BackfillRecord(path, _line_of(text, pos), error="invalid JSON: unterminated array")


def _read_jsonl(path: Path, text: str, source: str) -> Iterator[BackfillRecord]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BackfillRecord(path, number, error=f"invalid JSON: {exc.msg}")
            continue
        yield _record(path, number, data, source)


def text_article_id(path: Path) -> str:
    """The id of a plain-text article: its file name without suffix, made id-safe."""
    stem = _ID_UNSAFE.sub("-", path.stem).strip("-._:")[:200]
    return stem if stem and stem[0].isalnum() else f"t-{stem}"[:200]


def _read_txt(path: Path, text: str, source: str) -> BackfillRecord:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        return BackfillRecord(path, 1, error="empty file: no title line")
    title = lines[start].strip()
    body = "\n".join(lines[start + 1 :]).strip()
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    try:
        article = RawArticle(
            id=scoped_id(source, text_article_id(path)),
            source=source,
            url=path.resolve().as_uri(),
            title=title[:1000],
            body=body,
            updated_at=modified,
            revision=epoch_ms(modified),
        )
    except ValidationError as exc:
        return BackfillRecord(path, start + 1, error=validation_reason(exc))
    except ValueError as exc:  # e.g. an invalid source
        return BackfillRecord(path, start + 1, error=str(exc))
    return BackfillRecord(path, start + 1, article=article)


@dataclass
class BackfillSummary:
    """Counts of one backfill run, and the failures to report."""

    accepted: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every record was published, 1 otherwise."""
        return 1 if self.failed else 0


class Progress(Protocol):
    """A progress display (a ``tqdm`` bar): advanced per record, closed at the end."""

    def update(self, n: float | None = 1) -> bool | None: ...

    def close(self) -> None: ...


async def backfill(
    paths: list[Path],
    kafka: KafkaSettings,
    topics: TopicSettings,
    *,
    source: str,
    progress: Callable[[], Progress] | None = None,
    connect_timeout_s: float = 30.0,
) -> BackfillSummary:
    """Publish every valid record under ``paths``; collect a failure line for every other one.

    Raises :class:`KafkaUnavailable` when Kafka cannot be reached within ``connect_timeout_s``;
    ``progress`` makes the display advanced once Kafka is reached.
    """
    publisher = ArticlePublisher(kafka, topics, create_topics=True, linger_ms=20)
    await publisher.start(wait_s=connect_timeout_s)
    if not publisher.ready:
        await publisher.stop()
        reason = f"Kafka at {kafka.bootstrap_servers} not reachable within {connect_timeout_s:.0f}s"
        raise KafkaUnavailable(reason)
    summary = BackfillSummary()
    bar = progress() if progress is not None else None
    chunk: list[BackfillRecord] = []
    try:
        for record in read_paths(paths, source=source):
            if record.article is None:
                summary.failed.append(f"{record.where}: {record.error}")
                if bar is not None:
                    bar.update(1)
                continue
            chunk.append(record)
            if len(chunk) >= CHUNK:
                await _flush(publisher, chunk, summary)
                if bar is not None:
                    bar.update(len(chunk))
                chunk = []
        if chunk:
            await _flush(publisher, chunk, summary)
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
        await publisher.stop()
    return summary


async def _flush(publisher: ArticlePublisher, chunk: list[BackfillRecord], summary: BackfillSummary) -> None:
    """Publish one chunk: retried while Kafka is unavailable, record by record when one is too large."""
    articles = [r.article for r in chunk if r.article is not None]
    backoff = Backoff(initial=1.0, maximum=10.0, jitter=False)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await publisher.publish_many(articles)
            summary.accepted += len(articles)
            return
        except RecordTooLarge:
            break  # retry one by one below to find the offending records
        except KafkaUnavailable as exc:
            if attempt == ATTEMPTS:
                summary.failed.extend(f"{r.where}: not published: {exc}" for r in chunk)
                return
            await sleep_or_stop(backoff.next_delay(), None)
    for record in chunk:
        assert record.article is not None
        try:
            await publisher.publish(record.article)
            summary.accepted += 1
        except (RecordTooLarge, KafkaUnavailable) as exc:
            summary.failed.append(f"{record.where}: not published: {exc}")
