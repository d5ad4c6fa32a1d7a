"""Threat: one source writing over or retracting another source's articles. Article ids are scoped by
source (``<source>:<publisher id>``), so a key of one source can neither replace nor retract another
source's article: proven down to the Elasticsearch documents, through the real pipeline (ingest,
enrichment worker and indexer processes from tests/support/pipelines.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import pytest

from newsflow.index.search import SearchQuery, search_async
from newsflow.ingest.contract import derive_id
from newsflow.settings import ElasticsearchSettings
from tests.support.elasticsearch import es_client
from tests.support.ingest_app import ARTICLE, assert_error_body
from tests.support.kafka import end_offsets, lag, read_topic
from tests.support.pipelines import Pipeline, pipeline_factory
from tests.support.polling import wait_until


async def _caught_up(bootstrap: str, group: str, topic: str) -> bool:
    return await lag(bootstrap, group, topic) == 0


@pytest.fixture
async def pipeline(
    request: pytest.FixtureRequest, kafka_bootstrap: str, es_url: str
) -> AsyncIterator[Pipeline]:
    """A whole pipeline (not started) whose own key writes as source ``acme``."""
    async with pipeline_factory(request, kafka_bootstrap, es_url, source="acme", partitions=3) as pipelines:
        yield pipelines("iso")


async def test_a_source_can_neither_replace_nor_retract_another_sources_article(pipeline: Pipeline) -> None:
    """Two sources push the same publisher id (and the same URL without an id): four documents, each
    intact; the other source's higher revision and its retractions never touch acme's articles; a
    retraction naming acme's scoped id with another key is a 403 with nothing written to Kafka."""
    longest_source = "s" * 64
    keys = {"acme": pipeline.key, **{s: pipeline.lp.api_key(s) for s in ("other", longest_source)}}
    await pipeline.start()
    cfg, c = pipeline.config, pipeline.http
    es_settings = ElasticsearchSettings(url=cfg.es_url, alias=cfg.alias)

    def auth(source: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys[source]}"}

    shared_url = "https://shared.example.com/news/1"
    derived = derive_id(shared_url)
    async with es_client(es_settings) as es:

        async def post(source: str, **fields: Any) -> str:
            response = await c.post(
                f"{pipeline.ingest_url}/v1/articles", json={**ARTICLE, **fields}, headers=auth(source)
            )
            assert response.status_code == 202, response.text
            answer: str = response.json()["id"]
            return answer

        async def settle() -> None:
            """The real enrichment worker and indexer have processed every record pushed so far."""
            for group, topic in (
                (cfg.enrichment_group, cfg.raw_topic),
                (cfg.indexer_group, cfg.enriched_topic),
            ):
                await wait_until(
                    partial(_caught_up, cfg.kafka_bootstrap, group, topic),
                    within=120,
                    what=f"{group} caught up on {topic}",
                    interval=0.3,
                )
            await es.indices.refresh(index=cfg.alias)

        async def docs() -> dict[str, dict[str, Any]]:
            found = await es.search(index=cfg.alias, query={"match_all": {}}, size=100)
            return {hit["_id"]: hit["_source"] for hit in found["hits"]["hits"]}

        # The same publisher id and the same URL from two sources; the other source's revisions are higher.
        ids = {
            await post("acme", id="story-1", title="Acme story", revision=3),
            await post("other", id="story-1", title="Other story", revision=9),
            await post("acme", id=None, url=shared_url, title="Acme by url", revision=3),
            await post("other", id=None, url=shared_url, title="Other by url", revision=9),
            await post(longest_source, id="p" * 200, title="Longest id", revision=1),
        }
        longest_id = f"{longest_source}:{'p' * 200}"
        assert ids == {"acme:story-1", "other:story-1", f"acme:{derived}", f"other:{derived}", longest_id}
        raw_keys = sorted(r.key for r in await read_topic(cfg.kafka_bootstrap, cfg.raw_topic))
        assert raw_keys == sorted(i.encode() for i in ids)  # five Kafka keys: compaction keeps all five
        await settle()
        indexed = await docs()
        assert set(indexed) == ids
        assert {i: (d["source"], d["title"], d["revision"]) for i, d in indexed.items()} == {
            "acme:story-1": ("acme", "Acme story", 3),
            "other:story-1": ("other", "Other story", 9),
            f"acme:{derived}": ("acme", "Acme by url", 3),
            f"other:{derived}": ("other", "Other by url", 9),
            longest_id: (longest_source, "Longest id", 1),
        }
        assert len(longest_id) == 265 and (await es.get(index=cfg.alias, id=longest_id))["found"]
        # Search returns the scoped ids, and a client can look an article up by the id it was given.
        result = await search_async(es, cfg.alias, SearchQuery(text="story", facet_size=0))
        assert sorted(h.id for h in result.hits) == ["acme:story-1", "other:story-1"]

        # Another source's scoped ids cannot be retracted: 403, and not one record reaches Kafka.
        before = await end_offsets(cfg.kafka_bootstrap, cfg.raw_topic)
        for foreign in ("acme:story-1", f"acme:{derived}", f"{longest_source}:{'p' * 200}"):
            refused = await c.delete(f"{pipeline.ingest_url}/v1/articles/{foreign}", headers=auth("other"))
            assert_error_body(refused, 403, keys["other"])
        with_revision = await c.request(
            "DELETE",
            f"{pipeline.ingest_url}/v1/articles/acme:story-1",
            json={"revision": 2**62},
            headers=auth("other"),
        )
        assert_error_body(with_revision, 403)
        assert await end_offsets(cfg.kafka_bootstrap, cfg.raw_topic) == before

        # The other source retracts "story-1" and its URL-derived id: only its own articles go.
        for own in ("story-1", f"other:{derived}"):
            retracted = await c.delete(f"{pipeline.ingest_url}/v1/articles/{own}", headers=auth("other"))
            assert retracted.status_code == 202, retracted.text
            assert retracted.json()["id"].startswith("other:")
        await settle()
        indexed = await docs()
        assert set(indexed) == {"acme:story-1", f"acme:{derived}", longest_id}
        assert indexed["acme:story-1"]["title"] == "Acme story" and indexed["acme:story-1"]["revision"] == 3
        assert indexed[f"acme:{derived}"]["title"] == "Acme by url"
