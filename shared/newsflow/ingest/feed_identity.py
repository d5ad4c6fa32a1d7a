"""Which URL and which id a feed entry gets, so that the same story keeps one id.

URL (``RawArticle.url``): FeedBurner's ``origLink`` when given, else the first alternate link (an
``atom:link`` to a related story after the item's ``<link>`` does not win) with a redirect
wrapper unwrapped when the target is in its query (``google.com/url?url=…``), else — when the link is
a FeedBurner-style proxy (``/~r/`` paths, ``feedproxy.google.com``) — a permalink guid. Relative links
are resolved against the entry's base (``xml:base``, the feed URL). Tracking parameters
(:data:`newsflow.ingest.contract.TRACKING_PARAMS`, ``utm_*``) and the feed-only parameters of
:data:`FEED_ONLY_PARAMS` are removed; nothing else of the URL changes.

Publisher id (before scoping by source), derived from the entry alone — no memory, the same on every
replica and after a restart (:func:`guid_id`): the **identity key** is the entry's guid / Atom id when
it has one (the publisher's promise of a stable identity: a link that changes under the same guid keeps
the id), else its article URL. A key that is an http(s) URL gives the id a push of that URL gets
(:func:`~newsflow.ingest.contract.derive_id` of the URL above's canonical form, redirect wrapper
unwrapped, tracking and feed-only parameters removed), plus ``-`` + 8 hex digits of its fragment's
SHA-256 when it has one (``…/live#10``: another entry on the same page); a key that fits the id
pattern is the id itself (``urn:1``, ``23246627``); any other key (``tag:example.com,2025:/1``) is
``g-`` + 32 hex digits of its SHA-256. A newsroom pushing the same story sends the guid as ``guid``
(or, for a guid that fits, as ``id``; a permalink guid equal to the article URL needs neither), and
the HTTP API derives the id with this same function. An entry without any http(s) URL is refused, as
over HTTP.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from newsflow.ingest.contract import TRACKING_PARAMS, derive_id
from newsflow.models import PUBLISHER_ID_PATTERN

#: Query parameters that only say "this click came from the feed" (never select content).
FEED_ONLY_PARAMS = frozenset(
    {
        "partner", "emc", "smid", "smtyp", "wt_mc", "wt.mc_id", "wt_zmc", "iid", "cmpid", "cmp",
        "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee", "xtor", "ito", "ocid",
        "src", "at_medium", "at_campaign", "feedtype", "feedname", "mbid", "rss",
    }
)  # fmt: skip
#: Hosts whose links are redirect wrappers carrying the target in a query parameter.
WRAPPER_HOSTS = frozenset({"www.google.com", "google.com", "news.google.com", "l.facebook.com"})
_WRAPPER_PARAMS = ("url", "u", "q")
_PUBLISHER_ID = re.compile(PUBLISHER_ID_PATTERN)


def is_http_url(value: str) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and _port_ok(parts)
    except ValueError:  # an invalid IPv6 host: not a URL
        return False


def _port_ok(parts: SplitResult) -> bool:
    parts.port  # noqa: B018 - raises ValueError on an invalid port
    return True


def is_feed_proxy(url: str) -> bool:
    """Whether ``url`` is a FeedBurner-style click-through proxy (no target in the URL itself)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host == "feedproxy.google.com" or parts.path.startswith("/~r/")


def unwrap(url: str) -> str:
    """The target of a redirect wrapper whose target is in the query; other URLs unchanged."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in WRAPPER_HOSTS:
        return url
    query = dict(parse_qsl(parts.query))
    for name in _WRAPPER_PARAMS:
        target = query.get(name, "")
        if is_http_url(target):
            return target
    return url


def clean_url(url: str) -> str:
    """``url`` without tracking and feed-only query parameters (the rest kept as written)."""
    parts = urlsplit(url.strip())
    if not parts.query:
        return url.strip()
    kept = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_")
        and k.lower() not in TRACKING_PARAMS
        and k.lower() not in FEED_ONLY_PARAMS
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def _absolute(value: str, base: str | None) -> str:
    value = value.strip()
    if not value or is_http_url(value) or not base:
        return value
    return urljoin(base, value)


def _first_alternate(entry: Any) -> str:
    """The entry's first alternate link in document order (feedparser's ``link`` is the last one, which
    in RSS with an ``atom:link`` to a related story is that story)."""
    for link in entry.get("links") or []:
        if (link.get("rel") or "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return str(entry.get("link") or "")


def entry_url(entry: Any, feed_url: str | None = None) -> str | None:
    """The article URL of a feedparser entry (see the module docstring), or None without one."""
    base = feed_url
    guid = str(entry.get("id") or "").strip()
    candidates = [
        str(entry.get("feedburner_origlink") or ""),
        _first_alternate(entry),
        guid if entry.get("guidislink") or is_http_url(guid) else "",
    ]
    proxied: str | None = None
    for candidate in candidates:
        url = unwrap(_absolute(candidate, base))
        if not is_http_url(url):
            continue
        if is_feed_proxy(url):
            proxied = proxied or url
            continue
        return clean_url(url)
    return proxied


def guid_id(guid: str) -> str:
    """The publisher id (unscoped) of an entry whose guid / Atom id is ``guid`` (module docstring)."""
    key = guid.strip()
    if is_http_url(key):
        article_id = derive_id(clean_url(unwrap(key)))
        fragment = urlsplit(key).fragment
        if fragment:
            article_id = f"{article_id}-{hashlib.sha256(fragment.encode()).hexdigest()[:8]}"
        return article_id
    if _PUBLISHER_ID.fullmatch(key):
        return key
    return "g-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def local_id(entry: Any, url: str) -> str:
    """The publisher id (unscoped) of an entry whose article URL is ``url``: from its guid / Atom id,
    else from ``url``."""
    guid = str(entry.get("id") or "").strip()
    return guid_id(guid) if guid else derive_id(url)
