"""Paging past the 10,000-hit window on 20,000 documents, as `newsflow search --offset` does it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import timedelta

import orjson
import pytest

from newsflow.cli import search as search_cli
from newsflow.index.bulk import bulk_until_settled
from newsflow.index.design import ensure_index
from newsflow.index.documents import bulk_action
from newsflow.retry import Backoff
from newsflow.settings import ElasticsearchSettings
from tests.support.elasticsearch import es_client
from tests.support.indexer import T0, enriched

pytestmark = pytest.mark.integration

DOCS = 20_000
CHUNK = 2_000


def _published(i: int) -> str:
    return (T0 + timedelta(minutes=i // 4)).isoformat()  # four articles per minute: ties broken by id


async def test_offset_past_ten_thousand_hits_pages_in_a_stable_order(
    es_url: str, unique_name: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    settings = ElasticsearchSettings(url=es_url, alias=f"{unique_name('paging')}-articles")
    ids = [f"s{i % 2}:{i:05d}" for i in range(DOCS)]
    async with es_client(settings) as es:  # deletes the index at the end
        await ensure_index(es, settings)
        for start in range(0, DOCS, CHUNK):
            actions = [
                bulk_action(
                    enriched(
                        ids[i], title=f"Report {i}", body="Flood warning for the valley.",
                        source=f"s{i % 2}", published_at=T0 + timedelta(minutes=i // 4),
                    ),
                    index=settings.alias,
                )
                for i in range(start, min(start + CHUNK, DOCS))
            ]  # fmt: skip
            _, stats = await bulk_until_settled(es, actions, backoff=Backoff(), require_alias=True)
            assert stats.ok == len(actions)
        await es.indices.refresh(index=settings.alias)
        _check_pages(settings, ids, capsys)


def _check_pages(settings: ElasticsearchSettings, ids: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    def cli(*argv: str) -> dict[str, object]:
        parser = argparse.ArgumentParser()
        search_cli.add_subparser(parser.add_subparsers(dest="command"))
        args = parser.parse_args(
            ["search", *argv, "--json", "--facets", "0", "--es-url", settings.url, "--alias", settings.alias]
        )
        assert search_cli.run(args) == 0, capsys.readouterr().err
        printed: dict[str, object] = orjson.loads(capsys.readouterr().out)
        return printed

    def hit_ids(printed: dict[str, object]) -> list[str]:
        hits = printed["hits"]
        assert isinstance(hits, list)
        return [h["id"] for h in hits]

    oldest = sorted(range(DOCS), key=lambda i: (_published(i), ids[i]))
    page = cli("flood", "--sort", "oldest", "--offset", "15000", "--size", "5")
    assert page["total"] == DOCS
    assert hit_ids(page) == [ids[i] for i in oldest[15000:15005]]

    # Equal scores: the id decides, across the steps of the walk.
    by_id = sorted(ids)
    assert hit_ids(cli("flood", "--offset", "12000", "--size", "3")) == by_id[12000:12003]

    # A facet selection (post_filter) is walked too; the page may run past the last hit.
    s1_newest = sorted((i for i in range(DOCS) if i % 2), key=lambda i: ids[i])
    s1_newest.sort(key=_published, reverse=True)
    page = cli("--source", "S1", "--sort", "newest", "--offset", "9998", "--size", "4")
    assert page["total"] == DOCS // 2
    assert hit_ids(page) == [ids[i] for i in s1_newest[9998:10000]]
