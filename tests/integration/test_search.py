"""Search over the alias: full text, filters, facets, highlights, and the `newsflow search` CLI."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime

import orjson
import pytest
from elasticsearch import AsyncElasticsearch

from newsflow.cli import search as search_cli
from newsflow.index.bulk import bulk_until_settled
from newsflow.index.design import ensure_index
from newsflow.index.documents import bulk_action
from newsflow.index.search import SearchQuery, search_async
from newsflow.retry import Backoff
from tests.support.indexer import ECONOMY, POLITICS, SPORT, Env, enriched, es_client, make_env

pytestmark = pytest.mark.integration

# Ids as ingest writes them: "<source>:<publisher id>".
ARTICLES = [
    enriched(
        "reuters:s1",
        title="Merkel and Macron meet in Paris",
        body="The leaders discussed the budget in Paris.",
        people=["Angela Merkel", "Emmanuel Macron"],
        places=["Paris"],
        topics=[POLITICS],
        source="reuters",
        published_at=datetime(2025, 1, 10, tzinfo=UTC),
    ),
    enriched(
        "afp:s2",
        title="Budget talks stall",
        body="Finance ministers failed to agree on the budget.",
        orgs=["European Commission"],
        topics=[POLITICS, ECONOMY],
        source="afp",
        published_at=datetime(2025, 2, 10, tzinfo=UTC),
    ),
    enriched(
        "afp:s3",
        title="Paris wins the cup",
        body="Paris Saint-Germain won the final.",
        places=["Paris"],
        orgs=["Paris Saint-Germain"],
        topics=[SPORT],
        source="afp",
        language="fr",
        section="sport",
        published_at=datetime(2025, 3, 10, tzinfo=UTC),
    ),
    enriched(
        "bbc:s4",
        title="Rates unchanged",
        body="The central bank kept rates unchanged.",
        orgs=["European Central Bank"],
        topics=[ECONOMY],
        source="bbc",
        published_at=datetime(2025, 4, 10, tzinfo=UTC),
    ),
]


async def _index_articles(es: AsyncElasticsearch, env: Env) -> int:
    """Create the index and write :data:`ARTICLES` (searchable on return); the count written."""
    await ensure_index(es, env.es)
    actions = [bulk_action(a, index=env.es.alias) for a in ARTICLES]
    _, stats = await bulk_until_settled(
        es, actions, backoff=Backoff(), refresh="wait_for", require_alias=True
    )
    return stats.ok


async def test_search_filters_facets_and_highlights(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name)
    alias = env.es.alias
    async with es_client(env) as es:
        assert await _index_articles(es, env) == 4

        async def ids(**query: object) -> list[str]:
            result = await search_async(es, alias, SearchQuery.model_validate(query))
            assert all(hit.id.startswith(f"{hit.source}:") for hit in result.hits)  # scoped ids
            return sorted(hit.id.partition(":")[2] for hit in result.hits)  # the publisher ids

        assert await ids(text="budget") == ["s1", "s2"]
        assert await ids(text="paris") == ["s1", "s3"]
        assert await ids(entities=("Paris",), entity_type="place") == ["s1", "s3"]
        assert await ids(entities=("Paris",), entity_type="person") == []
        assert await ids(entity_type="person") == ["s1"]
        assert await ids(topics=("economy, business and finance",)) == ["s2", "s4"]
        assert await ids(topics=("medtop:15000000",)) == ["s3"]
        assert await ids(sources=("afp",), languages=("en",)) == ["s2"]
        assert await ids(sections=("sport",)) == ["s3"]
        assert await ids(published_from=date(2025, 2, 1), published_to=date(2025, 3, 10)) == ["s2", "s3"]
        assert await ids(text="budget", sources=("reuters",)) == ["s1"]

        newest = await search_async(es, alias, SearchQuery(sort="newest"))
        assert [hit.id for hit in newest.hits] == ["bbc:s4", "afp:s3", "afp:s2", "reuters:s1"]

        result = await search_async(es, alias, SearchQuery(text="budget"))
        assert result.total == 2
        assert {b.value: b.count for b in result.facets["topics"]} == {
            "politics": 2,
            "economy, business and finance": 1,
        }
        assert {b.value: b.count for b in result.facets["sources"]} == {"reuters": 1, "afp": 1}
        hit = next(h for h in result.hits if h.id == "afp:s2")
        assert hit.highlights["title"] == ["<em>Budget</em> talks stall"]
        assert any("<em>budget</em>" in fragment for fragment in hit.highlights["body"])

        # The CLI, as a script would call it.
        parser = argparse.ArgumentParser()
        search_cli.add_subparser(parser.add_subparsers(dest="command"))
        args = parser.parse_args(
            ["search", "paris", "--source", "afp", "--json", "--es-url", es_url, "--alias", alias]
        )
        assert search_cli.run(args) == 0
        printed = orjson.loads(capsys.readouterr().out)
        assert printed["total"] == 1
        assert printed["hits"][0]["id"] == "afp:s3"
        assert {b["value"]: b["count"] for b in printed["facets"]["entities.organization"]} == {
            "Paris Saint-Germain": 1
        }
        args = parser.parse_args(["search", "budget", "--es-url", es_url, "--alias", alias])
        assert search_cli.run(args) == 0
        human = capsys.readouterr().out
        assert human.startswith("2 articles")
        assert "Budget talks stall" in human and "topics: politics" in human


async def test_filters_ignore_case_facets_are_multi_select_and_syntax_errors_exit_2(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name)
    alias = env.es.alias
    async with es_client(env) as es:
        await _index_articles(es, env)

        async def ids(**query: object) -> list[str]:
            result = await search_async(es, alias, SearchQuery.model_validate(query))
            return sorted(hit.id for hit in result.hits)

        assert await ids(sources=("AFP",)) == ["afp:s2", "afp:s3"]
        assert await ids(sections=("Sport",)) == ["afp:s3"]
        assert await ids(topics=("Politics",)) == ["afp:s2", "reuters:s1"]
        assert await ids(entities=("angela MERKEL",), entity_type="person") == ["reuters:s1"]
        assert await ids(entities=("paris",)) == ["afp:s3", "reuters:s1"]
        assert await ids(text='source:AFP entity:"paris saint-germain"') == ["afp:s3"]
        assert await ids(text="budget -paris") == ["afp:s2"]
        assert await ids(text="rates OR cup") == ["afp:s3", "bbc:s4"]
        assert await ids(text='"talks stall"') == ["afp:s2"]
        assert await ids(text='"stall talks"') == []

        # Multi-select: the selected source narrows the hits and the other facets, not its own facet.
        result = await search_async(es, alias, SearchQuery(sources=("afp",)))
        assert sorted(h.id for h in result.hits) == ["afp:s2", "afp:s3"]
        assert {b.value: b.count for b in result.facets["sources"]} == {"afp": 2, "reuters": 1, "bbc": 1}
        assert {b.value: b.count for b in result.facets["languages"]} == {"en": 1, "fr": 1}
        both = await search_async(es, alias, SearchQuery(sources=("afp", "bbc"), languages=("en",)))
        assert sorted(h.id for h in both.hits) == ["afp:s2", "bbc:s4"]
        assert {b.value: b.count for b in both.facets["sources"]} == {"afp": 1, "reuters": 1, "bbc": 1}
        assert {b.value: b.count for b in both.facets["languages"]} == {"en": 2, "fr": 1}

        parser = argparse.ArgumentParser()
        search_cli.add_subparser(parser.add_subparsers(dest="command"))
        args = parser.parse_args(["search", 'budget "talks', "--es-url", es_url, "--alias", alias])
        assert search_cli.run(args) == 2
        assert "unclosed quote at character 8" in capsys.readouterr().err
