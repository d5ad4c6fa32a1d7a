"""The indexer against the real broker and Elasticsearch node: searchable, idempotent, ordered, DLQ."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import orjson
import pytest

from newsflow.index.search import SearchQuery, search_async
from tests.support.elasticsearch import count
from tests.support.indexer import (
    ECONOMY,
    POLITICS,
    SPORT,
    committed_all,
    enriched,
    es_client,
    make_env,
    produce,
    read_dead_letters,
    running_indexer,
)
from tests.support.polling import wait_until

pytestmark = pytest.mark.integration

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def test_enriched_articles_become_searchable_documents_with_correct_facets(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str]
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name)
    articles = [
        enriched(
            "a1",
            title="Merkel visits Paris",
            people=["Angela Merkel"],
            places=["Paris"],
            topics=[POLITICS],
            source="reuters",
        ),
        enriched(
            "a2",
            title="Macron and Merkel talk trade",
            people=["Angela Merkel", "Emmanuel Macron"],
            topics=[POLITICS, ECONOMY],
            source="reuters",
        ),
        enriched(
            "a3",
            title="Bank raises rates",
            orgs=["European Central Bank"],
            places=["Frankfurt"],
            topics=[ECONOMY],
            source="afp",
            language="fr",
        ),
        enriched("a4", title="Cup final tonight", places=["Paris"], topics=[SPORT], source="afp"),
        enriched("a5", title="Markets calm", topics=[ECONOMY], source="bbc"),
    ]
    async with es_client(env) as es, running_indexer(env) as service:
        await produce(env, articles, traceparent=TRACEPARENT)
        await wait_until(lambda: committed_all(env), within=60, what="offsets committed", interval=0.3)
        assert await count(es, env.es.alias) == 5

        result = await search_async(es, env.es.alias, SearchQuery(size=10))
        facets = {name: {b.value: b.count for b in buckets} for name, buckets in result.facets.items()}
        assert facets["entities.person"] == {"Angela Merkel": 2, "Emmanuel Macron": 1}
        assert facets["entities.place"] == {"Paris": 2, "Frankfurt": 1}
        assert facets["entities.organization"] == {"European Central Bank": 1}
        assert facets["topics"] == {"politics": 2, "economy, business and finance": 3, "sport": 1}
        assert facets["sources"] == {"reuters": 2, "afp": 2, "bbc": 1}
        assert facets["languages"] == {"en": 4, "fr": 1}

        merkel = await search_async(es, env.es.alias, SearchQuery(text="merkel", entity_type="person"))
        assert {hit.id for hit in merkel.hits} == {"a1", "a2"}
        assert any("<em>Merkel</em>" in h for hit in merkel.hits for h in hit.highlights.get("title", []))

        # The trace of the HTTP request can be found on the indexed document.
        doc = await es.get(index=env.es.alias, id="a1")
        assert doc["_source"]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
        assert doc["_version"] == 1

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service.http_port}") as http:
            assert (await http.get("/readyz")).status_code == 200
            assert (await http.get("/healthz")).status_code == 200
            metrics = (await http.get("/metrics")).text
        assert "newsflow_end_to_end_latency_seconds_count 5.0" in metrics
        assert 'newsflow_indexer_docs_total{outcome="indexed"} 5.0' in metrics


async def test_duplicates_and_out_of_order_revisions_leave_one_document_at_the_latest_revision(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str]
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name)
    stream = [
        enriched("dup", 1, title="first"),
        enriched("dup", 1, title="first"),  # the same article sent twice
        enriched("ooo", 3, title="revision three"),
        enriched("ooo", 1, title="revision one"),  # older revisions arrive late
        enriched("ooo", 2, title="revision two"),
        enriched("gone", 1, title="to be retracted"),
        enriched("gone", 2, deleted=True),  # retraction
        enriched("gone", 1, title="stale replay of the retracted article"),
    ]
    async with es_client(env) as es:
        async with running_indexer(env) as service:
            await produce(env, stream)
            await wait_until(lambda: committed_all(env), within=60, what="offsets committed", interval=0.3)
            # A full replay of the same records changes nothing.
            await produce(env, stream)
            await wait_until(lambda: committed_all(env), within=60, what="replay committed", interval=0.3)
            assert service.loop is not None
            totals = service.loop.totals
        assert await count(es, env.es.alias) == 2
        dup = await es.get(index=env.es.alias, id="dup")
        ooo = await es.get(index=env.es.alias, id="ooo")
        assert (dup["_source"]["revision"], dup["_source"]["title"]) == (1, "first")
        assert (ooo["_source"]["revision"], ooo["_source"]["title"]) == (3, "revision three")
        assert not (await es.exists(index=env.es.alias, id="gone"))
        assert totals.indexed == 3 and totals.deleted >= 1
        assert totals.dlq == 0
        assert totals.indexed + totals.deleted + totals.conflicts == 2 * len(stream)


async def test_document_rejected_by_elasticsearch_goes_to_dlq_while_the_rest_of_the_batch_is_indexed(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str]
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name, partitions=1, batch_max_seconds=2.0)
    # Valid for our pydantic model, but Lucene cannot index a keyword term longer than 32766 bytes.
    immense = enriched("immense", people=["x" * 40_000])
    good = [enriched(f"ok{i}", title=f"good {i}") for i in range(3)]
    items = [good[0], immense, ("bad-json", b"{not json"), good[1], good[2]]
    async with es_client(env) as es, running_indexer(env) as service:
        await produce(env, items)
        await wait_until(lambda: committed_all(env), within=60, what="offsets committed", interval=0.3)
        assert await count(es, env.es.alias) == 3
        assert not await es.exists(index=env.es.alias, id="immense")
        assert service.loop is not None and service.loop.totals.dlq == 2

    letters = {letter.key: letter for letter in await read_dead_letters(env, 2)}
    rejected = letters["immense"]
    assert rejected.stage == "indexer"
    assert rejected.error_type == "document_parsing_exception"
    assert "immense term" in rejected.reason
    assert rejected.topic == env.topics.enriched and rejected.offset == 1
    assert orjson.loads(rejected.payload)["article"]["id"] == "immense"  # replayable original
    undecodable = letters["bad-json"]
    assert undecodable.stage == "indexer" and undecodable.error_type == "InvalidJSON"
    assert undecodable.payload == "{not json"
