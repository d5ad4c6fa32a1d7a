"""``newsflow search``: full-text search with filters and facets over the article alias.

Query syntax: words are all required (in title, body or entity names); "a phrase"; a OR b; -word
excludes; entity:, topic:, source:, section:, language: filter (quote values with spaces).
Example: newsflow search 'okafor OR whitmore -landlords "rent law" source:metro-wire'
Facets are multi-select: a facet's own selection does not narrow its values. Filters ignore case.
Human-readable output on a terminal; ``--json`` prints the typed result as JSON for scripts.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import Any, TextIO, get_args

import orjson
from elasticsearch import ApiError, TransportError

from newsflow.index.client import make_es
from newsflow.index.search import SearchQuery, SearchResult, search, suggest_entities
from newsflow.models import EntityType
from newsflow.settings import ElasticsearchSettings


def _when(value: str) -> datetime | date:
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date or datetime: {value!r}") from exc


def add_subparser(subparsers: Any) -> None:
    """Register ``newsflow search``."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "search",
        help="search indexed articles",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("text", nargs="?", help="search box text (syntax above)")
    p.add_argument("--entity", action="append", default=[], help="entity name (repeatable, OR-ed)")
    p.add_argument(
        "--type",
        dest="entity_type",
        choices=get_args(EntityType),
        help="entity type: restricts --entity to it, or requires an entity of that type",
    )
    p.add_argument("--main", action="store_true", help="--entity must be a main subject (salience >= 0.5)")
    p.add_argument("--topic", action="append", default=[], help="IPTC topic label or code (repeatable)")
    p.add_argument("--source", action="append", default=[], help="source id (repeatable)")
    p.add_argument("--language", action="append", default=[], help="language code (repeatable)")
    p.add_argument("--section", action="append", default=[], help="section (repeatable)")
    p.add_argument("--from", dest="date_from", type=_when, help="published on/after (YYYY-MM-DD or ISO)")
    p.add_argument("--to", dest="date_to", type=_when, help="published on/before (YYYY-MM-DD or ISO)")
    p.add_argument("--sort", choices=("relevance", "newest", "oldest"), default="relevance")
    p.add_argument("--size", type=int, default=10, help="hits to return (default 10)")
    p.add_argument(
        "--offset", type=int, default=0, help="hits to skip (any number: past 10,000 by search_after)"
    )
    p.add_argument("--recency", type=float, default=0.0, help="weight of a boost for newer articles (e.g. 2)")
    p.add_argument("--facets", type=int, default=10, help="buckets per facet (0: no facets)")
    p.add_argument(
        "--stories", action="store_true", help="one hit per story: wire copies collapsed and counted"
    )
    p.add_argument(
        "--suggest", metavar="PREFIX", help="only complete entity names starting with PREFIX (--type)"
    )
    p.add_argument("--alias", help="index alias (default: NEWSFLOW_ES_ALIAS)")
    p.add_argument("--es-url", help="Elasticsearch URL (default: NEWSFLOW_ES_URL)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def query_from_args(args: argparse.Namespace) -> SearchQuery:
    """The :class:`SearchQuery` described by the command line."""
    return SearchQuery(
        text=args.text,
        entities=tuple(args.entity),
        entity_type=args.entity_type,
        main_entities=args.main,
        topics=tuple(args.topic),
        sources=tuple(args.source),
        languages=tuple(args.language),
        sections=tuple(args.section),
        published_from=args.date_from,
        published_to=args.date_to,
        size=args.size,
        offset=args.offset,
        sort=args.sort,
        recency_boost=args.recency,
        collapse_stories=args.stories,
        facet_size=args.facets,
    )


def render(result: SearchResult, out: TextIO) -> None:
    """Human-readable hits and facets."""
    relation = "" if result.total_relation == "eq" else "+"
    out.write(f"{result.total}{relation} articles ({result.took_ms} ms)\n\n")
    for n, hit in enumerate(result.hits, 1):
        when = (hit.published_at or "")[:16].replace("T", " ")
        out.write(f"{n:>3}. {hit.title}\n")
        meta = [hit.source, hit.language or "-", when or "undated", f"rev {hit.revision}", hit.id]
        out.write(f"     {' · '.join(meta)}\n")
        out.write(f"     {hit.url}\n")
        if hit.topics:
            out.write(f"     topics: {', '.join(hit.topics)}\n")
        if hit.copies:
            out.write(f"     same story: {', '.join(hit.copies)}\n")
        for fragment in hit.highlights.get("body", [])[:2]:
            on, off = ("\033[1m", "\033[0m") if out.isatty() else ("*", "*")
            text = " ".join(fragment.split()).replace("<em>", on).replace("</em>", off)
            out.write(f"     … {text} …\n")
        out.write("\n")
    facets = {name: buckets for name, buckets in result.facets.items() if buckets}
    if facets:
        out.write("facets:\n")
        for name, buckets in facets.items():
            values = ", ".join(f"{b.value} ({b.count})" for b in buckets)
            out.write(f"  {name}: {values}\n")


def run(args: argparse.Namespace) -> int:
    """Run the search; 0 on success, 1 when Elasticsearch cannot answer, 2 on a bad query."""
    overrides = {k: v for k, v in (("url", args.es_url), ("alias", args.alias)) if v}
    es_settings = ElasticsearchSettings(**overrides)
    try:
        query = query_from_args(args)
    except ValueError as exc:
        print(f"newsflow search: {exc}", file=sys.stderr)
        return 2
    es = make_es(es_settings)
    try:
        if args.suggest is not None:
            names = suggest_entities(es, es_settings.alias, args.suggest, args.entity_type, args.size)
            sys.stdout.write(
                orjson.dumps(names).decode() + "\n" if args.json else "".join(f"{n}\n" for n in names)
            )
            return 0
        result = search(es, es_settings.alias, query)
    except (ApiError, TransportError) as exc:
        print(f"newsflow search: Elasticsearch error: {exc}", file=sys.stderr)
        return 1
    finally:
        es.close()
    if args.json:
        data = orjson.dumps(result.model_dump(mode="json"), option=orjson.OPT_INDENT_2)
        sys.stdout.write(data.decode() + "\n")
    else:
        render(result, sys.stdout)
    return 0
