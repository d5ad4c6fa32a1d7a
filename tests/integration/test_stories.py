"""Story ids on the real node: across batches, across indexer restarts (a new assigner), revisions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from newsflow.index.bulk import bulk_until_settled
from newsflow.index.design import ensure_index
from newsflow.index.documents import BulkAction, bulk_action
from newsflow.index.stories import StoryAssigner
from newsflow.models import EnrichedArticle
from newsflow.retry import Backoff
from newsflow.settings import ElasticsearchSettings
from tests.support.elasticsearch import es_client
from tests.support.indexer import enriched

pytestmark = pytest.mark.integration

BODY = " ".join(f"Sentence {n} of the flood report names the valley and the river." for n in range(40))


def _with_fingerprint(article: EnrichedArticle, fingerprint: str) -> EnrichedArticle:
    assert article.enrichment is not None
    return article.model_copy(
        update={"enrichment": article.enrichment.model_copy(update={"fingerprint": fingerprint})}
    )


async def test_copies_join_across_batches_restarts_and_revisions(
    es_url: str, unique_name: Callable[..., str]
) -> None:
    settings = ElasticsearchSettings(url=es_url, alias=f"{unique_name('stories')}-articles")
    original = "a1b2c3d4e5f60718"
    copy = f"{int(original, 16) ^ 0b101:016x}"  # 2 bits apart
    other = f"{int(original, 16) ^ 0xFF00FF00FF:016x}"  # 24 bits apart

    def action(article_id: str, fingerprint: str, revision: int = 1) -> BulkAction:
        doc = _with_fingerprint(enriched(article_id, revision, body=BODY), fingerprint)
        return bulk_action(doc, index=settings.alias)

    async with es_client(settings) as es:
        await ensure_index(es, settings)

        async def write(assigner: StoryAssigner, *actions: BulkAction) -> None:
            assigned = await assigner.assign(list(actions))
            _, stats = await bulk_until_settled(es, assigned, backoff=Backoff(), require_alias=True)
            assert stats.ok == len(actions)

        first = StoryAssigner(es, settings.alias, backoff=Backoff())
        await write(first, action("metro:1", original), action("ledger:5", other))
        # next batch, before any refresh: the copy is found in what the assigner remembers
        await write(first, action("courier:2", copy))
        await es.indices.refresh(index=settings.alias)
        # a restarted indexer knows nothing: it finds the story through the index
        second = StoryAssigner(es, settings.alias, backoff=Backoff())
        await write(second, action("times:3", copy), action("metro:1", other, revision=2))
        await es.indices.refresh(index=settings.alias)
        found = await es.search(index=settings.alias, body={"size": 10, "_source": ["story_id"]})
        stories = {hit["_id"]: hit["_source"]["story_id"] for hit in found["hits"]["hits"]}
        assert stories == {
            "metro:1": "metro:1",  # revision 2 changed its text: it stays in its story
            "courier:2": "metro:1",
            "times:3": "metro:1",
            "ledger:5": "ledger:5",
        }
