"""Index creation against the real node: an index of an older mapping is refused, not written into."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from newsflow.index.design import MAPPING_VERSION, IndexOutdated, ensure_index, write_index
from newsflow.settings import ElasticsearchSettings
from tests.support.elasticsearch import es_client


async def test_an_index_of_an_older_mapping_version_stops_the_indexer_with_the_way_out(
    es_url: str, unique_name: Callable[..., str]
) -> None:
    settings = ElasticsearchSettings(url=es_url, alias=unique_name("outdated"))
    old = f"{settings.alias}-v{MAPPING_VERSION - 1}-20250101000000"
    async with es_client(settings) as es:
        await es.indices.create(
            index=old,
            mappings={"_meta": {"mapping_version": MAPPING_VERSION - 1}, "properties": {}},
            aliases={settings.alias: {"is_write_index": True}},
        )
        with pytest.raises(IndexOutdated, match="newsflow reindex"):
            await ensure_index(es, settings)
        assert await write_index(es, settings.alias) == old  # nothing was changed


async def test_ensure_index_creates_a_current_index_once_and_adopts_it_after(
    es_url: str, unique_name: Callable[..., str]
) -> None:
    settings = ElasticsearchSettings(url=es_url, alias=unique_name("fresh"))
    async with es_client(settings) as es:
        first = await ensure_index(es, settings)
        assert await ensure_index(es, settings) == first
        mapping = (await es.indices.get_mapping(index=first)).body[first]["mappings"]
        assert mapping["_meta"]["mapping_version"] == MAPPING_VERSION
