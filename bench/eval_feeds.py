"""How well feed entries map to articles, over a local directory of real feed files.

    .venv/bin/python bench/eval_feeds.py DIR [--json OUT]

Every file in DIR is one feed document (RSS 0.9x/1.0/2.0 or Atom); a ``.js`` file (a test fixture
holding the feed in a JavaScript template literal) is read as its first `` `…` `` literal, and
whitespace before ``<?xml`` is dropped. Publishers' feeds are their
copyright: keep them out of the repository (docs/ingest.md lists the files used for the published
figures and where they come from). For each feed the entries are mapped as the poller maps them, and
judged against a reference read straight from the XML text by this script (not by feedparser):

* body: the article body is a Media RSS caption (``media:description`` inside ``media:content``)
  while the item carries other text; or it is shorter than 90% of the longest text the item carries
  (``content:encoded``, Atom ``content``, ``description``/``summary``, item-level
  ``media:description``; captions excluded);
* ids: distinct ids per feed; URLs that are redirect wrappers or keep feed-only parameters;
  the id a pushed copy would get equals the polled id — by the newsroom rule of the code measured
  (now: ``url`` = the article's canonical URL and ``guid`` = the item's guid, through the HTTP
  contract; before ``guid`` existed: the URL, or ``id`` = a non-URL guid), and for a push of the URL
  alone;
* charsets: eight one-item probes written here (Cyrillic, Japanese, Chinese, Korean, Greek, Arabic,
  Latin-1), each encoded in its charset, declared only in the HTTP ``Content-Type``, with no XML
  declaration: decoded title equal to the text (before this change the poller passed bytes only);
* dates: items carrying a date in any field (pubDate, published, updated, dc:date, issued, modified,
  created) that get a ``published_at``; of those an independent RFC 822 / ISO 8601 reading with a
  numeric offset or GMT/UT/Z agrees with.

Works with the mapping before this change (``newsflow.ingest.feeds.entry_to_article``) and after it
(``newsflow.ingest.feed_mapping``), so the same command gives before/after figures.
"""

from __future__ import annotations

import argparse
import email.utils
import html
import io
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser

from newsflow.ingest.contract import ArticleIn, derive_id, scoped_id, to_raw
from newsflow.ingest.html_text import plain_text
from newsflow.models import RawArticle

try:  # after: the mapping module (importing it teaches feedparser to keep captions apart)
    from newsflow.ingest import feed_mapping as mapping

    NEW = True
except ImportError:  # before
    from newsflow.ingest import feeds as mapping  # type: ignore[no-redef]

    NEW = False


class PreMappingParse(Protocol):
    """``newsflow.ingest.feeds.parse_feed`` before ``feed_mapping`` existed (the "before" import above;
    mypy only sees the "after" module): a document's articles and a reason per entry refused."""

    def __call__(self, content: bytes, *, source: str) -> tuple[list[RawArticle], list[str]]: ...


SOURCE = "eval"
ITEM = re.compile(r"<(item|entry)[\s>].*?</\1\s*>", re.S | re.I)
MEDIA_CONTENT = re.compile(r"<media:content\b[^>]*?(?:/>|>.*?</media:content\s*>)", re.S | re.I)
CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
TEXT_TAGS = ("content:encoded", "content", "description", "summary", "media:description")
DATE_TAGS = (
    "pubDate",
    "published",
    "issued",
    "dc:date",
    "updated",
    "modified",
    "created",
    "dcterms:modified",
)
FIRST_DATES = ("pubDate", "published", "issued")
REFERENCE_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|partner|emc|smid|wt_mc|wt\.mc_id|iid|cmpid|ns_.*|xtor|ito|ocid|feedtype|feedname)$",
    re.I,
)


def _element_texts(xml: str, tag: str) -> list[str]:
    pattern = re.compile(rf"<{re.escape(tag)}(\s[^>]*)?>(.*?)</{re.escape(tag)}\s*>", re.S | re.I)
    out = []
    for match in pattern.finditer(xml):
        raw = CDATA.sub(lambda m: html.escape(m.group(1), quote=False), match.group(2))
        out.append(html.unescape(raw).strip())
    return out


def _attr(xml: str, tag: str, attr: str) -> list[str]:
    pattern = re.compile(rf"<{re.escape(tag)}\b[^>]*\b{attr}\s*=\s*[\"']([^\"']*)[\"']", re.I)
    return [html.unescape(m.group(1)) for m in pattern.finditer(xml)]


@dataclass
class Reference:
    """What one item carries, read from its XML text."""

    texts: list[str]
    captions: list[str]
    dates: dict[str, str]
    guid: str
    permalink_guid: bool
    links: list[str]
    origlink: str


def reference_items(document: str) -> list[Reference]:
    refs = []
    for match in ITEM.finditer(document):
        xml = match.group(0)
        captions = [
            text
            for block in MEDIA_CONTENT.findall(xml)
            for text in _element_texts(block, "media:description")
        ]
        outside = MEDIA_CONTENT.sub("", xml)
        texts = [t for tag in TEXT_TAGS for t in _element_texts(outside, tag) if t]
        dates = {tag: v for tag in DATE_TAGS for v in _element_texts(xml, tag)[:1] if v}
        guid_match = re.search(r"<(guid|id)(\s[^>]*)?>(.*?)</\1\s*>", outside, re.S | re.I)
        guid = html.unescape(CDATA.sub(r"\1", guid_match.group(3))).strip() if guid_match else ""
        permalink = (
            guid_match is not None
            and guid_match.group(1).lower() == "guid"
            and "false" not in (guid_match.group(2) or "").lower()
        )
        links = [t for t in _element_texts(outside, "link") if t] + _attr(outside, "link", "href")
        origlink = (_element_texts(xml, "feedburner:origLink") or [""])[0]
        refs.append(Reference(texts, captions, dates, guid, permalink, links, origlink))
    return refs


def _norm(text: str) -> str:
    return " ".join(text.split())


def _is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https") and bool(urlsplit(url).hostname)


def _is_redirect(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return (
        host == "feedproxy.google.com"
        or "/~r/" in parts.path
        or (host.endswith("google.com") and parts.path == "/url")
    )


def _keeps_feed_params(url: str) -> bool:
    return any(REFERENCE_TRACKING.match(k) for k, _ in parse_qsl(urlsplit(url).query))


def _without_feed_params(url: str) -> str:
    parts = urlsplit(url)
    kept = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not REFERENCE_TRACKING.match(k)
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def reference_url(ref: Reference) -> str | None:
    """The URL a newsroom would push for the item: its canonical article URL, without feed parameters."""
    url = _reference_url(ref)
    return None if url is None else _without_feed_params(url)


def _reference_url(ref: Reference) -> str | None:
    if _is_http(ref.origlink):
        return ref.origlink
    for link in ref.links:
        if not _is_http(link):
            continue
        parts = urlsplit(link)
        if (parts.hostname or "").endswith("google.com") and parts.path == "/url":
            target = dict(parse_qsl(parts.query)).get("url", "")
            if _is_http(target):
                return target
        if _is_redirect(link):
            continue
        return link
    if ref.guid and _is_http(ref.guid):
        return ref.guid
    return None


def url_pushed_id(ref: Reference) -> str | None:
    """The id a push of the item's canonical article URL alone (no ``id``, no ``guid``) gets."""
    url = reference_url(ref)
    return scoped_id(SOURCE, derive_id(url)) if url else None


def pushed_ids(ref: Reference) -> set[str]:
    """The ids a push following docs/ingest.md gets: now the URL plus the item's guid as ``guid``,
    through the HTTP contract's own code; before ``guid`` existed, the URL, or a non-URL guid as ``id``."""
    url = reference_url(ref)
    if not url:
        return set()
    if "guid" in ArticleIn.model_fields:
        pushed = ArticleIn(url=url, guid=ref.guid.strip() or None, title="pushed", body="pushed")
        return {to_raw(pushed, SOURCE).id}
    ids = {scoped_id(SOURCE, derive_id(url))}
    if ref.guid and not _is_http(ref.guid) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,199}", ref.guid):
        ids.add(scoped_id(SOURCE, ref.guid))
    return ids


def independent_date(raw: str) -> datetime | None:
    """RFC 822 with a numeric offset or GMT/UT/Z, or ISO 8601 with an offset; else None (unchecked)."""
    text = raw.strip()
    if re.search(r"([+-]\d{4}|\bGMT|\bUTC?|\bZ)$", text) and re.match(
        r"^([A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s", text
    ):
        try:
            return email.utils.parsedate_to_datetime(text).astimezone(UTC)
        except (TypeError, ValueError):
            return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo else None


@dataclass
class FeedFigures:
    """The figures of one feed file."""

    file: str
    items: int = 0
    articles: int = 0
    aligned: bool = True
    unique_ids: int = 0
    body_is_caption: int = 0
    body_short: int = 0
    body_empty_with_text: int = 0
    url_redirect: int = 0
    url_feed_params: int = 0
    push_checked: int = 0
    push_same_id: int = 0
    push_url_same_id: int = 0
    dated: int = 0
    published: int = 0
    offset_checked: int = 0
    offset_right: int = 0
    errors: list[str] = field(default_factory=list)


def map_entries(content: bytes) -> tuple[list[Any], list[str]]:
    """One article (or None) per feedparser entry, as the poller maps them."""
    if hasattr(mapping, "read_document"):  # the mapping's own reading (charset defaults)
        parsed: Any = mapping.read_document(content)
    else:
        parsed = feedparser.parse(io.BytesIO(content))
    language = parsed.feed.get("language")
    articles: list[Any] = []
    errors: list[str] = []
    for index, entry in enumerate(parsed.entries):
        try:
            articles.append(mapping.entry_to_article(entry, source=SOURCE, language=language))
        except ValueError as exc:
            articles.append(None)
            errors.append(f"entry {index}: {exc}")
    if hasattr(mapping, "distinct_ids"):  # session 3 told colliding ids apart per document
        kept = [a for a in articles if a is not None]
        guids = [
            str(e.get("id") or "") for e, a in zip(parsed.entries, articles, strict=True) if a is not None
        ]
        ids = iter(mapping.distinct_ids([a.id for a in kept], guids))
        articles = [None if a is None else a.model_copy(update={"id": next(ids)}) for a in articles]
    return articles, errors


def feed_bytes(path: Path) -> bytes:
    """The feed document a file holds (see the module docstring for ``.js`` fixtures)."""
    content = path.read_bytes()
    if path.suffix == ".js":
        literal = re.search(rb"`(.*?)`", content, re.S)
        content = literal.group(1) if literal else b""
    return content.lstrip()


def evaluate(path: Path) -> FeedFigures:
    content = feed_bytes(path)
    try:
        document = content.decode("utf-8")
    except UnicodeDecodeError:
        document = content.decode("latin-1")
    refs = reference_items(document)
    articles, errors = map_entries(content)
    figures = FeedFigures(
        path.name, items=len(refs), articles=sum(a is not None for a in articles), errors=errors
    )
    figures.unique_ids = len({a.id for a in articles if a is not None})
    if len(refs) != len(articles):
        figures.aligned = False
        return figures
    for ref, article in zip(refs, articles, strict=True):
        if ref.dates:
            figures.dated += 1
        if article is None:
            continue
        texts = [plain_text(t, "auto") for t in ref.texts]
        captions = {_norm(plain_text(c, "auto")) for c in ref.captions} - {_norm(t) for t in texts}
        longest = max((len(t) for t in texts), default=0)
        body = article.body
        if body and _norm(body) in captions:
            figures.body_is_caption += 1
        if longest and len(body) < 0.9 * longest:
            figures.body_short += 1
        if not body and longest:
            figures.body_empty_with_text += 1
        if _is_redirect(article.url):
            figures.url_redirect += 1
        if _keeps_feed_params(article.url):
            figures.url_feed_params += 1
        pushed = pushed_ids(ref)
        if pushed:
            figures.push_checked += 1
            figures.push_same_id += article.id in pushed
            figures.push_url_same_id += article.id == url_pushed_id(ref)
        if ref.dates and article.published_at is not None:
            figures.published += 1
        raw = next((ref.dates[t] for t in FIRST_DATES if t in ref.dates), None) or next(
            iter(ref.dates.values()), None
        )
        expected = independent_date(raw) if raw else None
        if expected is not None and article.published_at is not None:
            figures.offset_checked += 1
            figures.offset_right += article.published_at == expected
    return figures


#: Titles in non-UTF-8 charsets, declared only in Content-Type (shared with the unit tests).
CHARSET_PROBES: dict[str, str] = json.loads(
    (Path(__file__).resolve().parents[1] / "tests" / "data" / "feeds" / "charset-probes.json").read_text(
        encoding="utf-8"
    )
)


def charset_probes() -> list[str]:
    """The charsets whose probe decodes to the right title."""
    right = []
    for charset, text in CHARSET_PROBES.items():
        document = (
            "<rss version='2.0'><channel><title>c</title><item>"
            f"<title>{text}</title><link>https://charset.example/1</link><description>{text}</description>"
            "</item></channel></rss>"
        ).encode(charset)
        if NEW:
            header = f"application/rss+xml; charset={charset}"
            title = mapping.parse_feed(document, source=SOURCE, content_type=header).items[0].article.title
        else:  # the old poller handed parse_feed the bytes only
            before_parse = cast(PreMappingParse, mapping.parse_feed)
            title = before_parse(document, source=SOURCE)[0][0].title
        if title == text:
            right.append(charset)
    return right


COLUMNS = (
    ("items", "items"),
    ("articles", "articles"),
    ("unique_ids", "ids"),
    ("body_is_caption", "caption"),
    ("body_short", "short"),
    ("body_empty_with_text", "empty"),
    ("url_redirect", "redirect"),
    ("url_feed_params", "params"),
    ("push_same_id", "push=poll"),
    ("push_url_same_id", "url-only push=poll"),
    ("push_checked", "of"),
    ("published", "dated→pub"),
    ("dated", "of"),
    ("offset_right", "offset ok"),
    ("offset_checked", "of"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--json", type=Path, help="write the per-feed figures here")
    args = parser.parse_args(argv)
    files = sorted(p for p in args.directory.iterdir() if p.is_file())
    if not files:
        print(f"no files in {args.directory}", file=sys.stderr)
        return 2
    rows = [evaluate(p) for p in files]
    print(
        f"mapping: {'after (feed_mapping)' if NEW else 'before (feeds.entry_to_article)'}; {len(rows)} feeds"
    )
    print("| feed | " + " | ".join(label for _, label in COLUMNS) + " |")
    print("|---|" + "---|" * len(COLUMNS))
    for row in rows:
        cells = [str(getattr(row, name)) for name, _ in COLUMNS]
        print(f"| {row.file}{'' if row.aligned else ' (not aligned)'} | " + " | ".join(cells) + " |")
    totals = [str(sum(getattr(r, name) for r in rows)) for name, _ in COLUMNS]
    print("| **total** | " + " | ".join(totals) + " |")
    unaligned = [r.file for r in rows if not r.aligned]
    if unaligned:
        print(f"not judged (item count differs between the XML text and feedparser): {', '.join(unaligned)}")
    right = charset_probes()
    print(
        f"charset only in Content-Type: {len(right)} of {len(CHARSET_PROBES)} probes decode "
        f"({', '.join(right)})"
    )
    print(f"reproduce: .venv/bin/python bench/eval_feeds.py {args.directory}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
