"""The pure parts of the archive (newsflow.index.archive): the alias layout, routing to home indices."""

from __future__ import annotations

import orjson
import pytest

from newsflow.index.archive import AliasLayout, AliasMissing, layout_of, route
from newsflow.index.documents import bulk_action
from newsflow.index.settings import IndexerSettings
from tests.support.indexer import enriched

OLDEST = "news-v3-20250101000000000000"
MIDDLE = "news-v3-20250601000000000000"
NEWEST = "news-v3-20251201000000000000"


def test_the_layout_names_the_write_index_and_the_older_ones_newest_first() -> None:
    answer = {
        MIDDLE: {"aliases": {"news": {}}},
        NEWEST: {"aliases": {"news": {"is_write_index": True}}},
        OLDEST: {"aliases": {"news": {"is_write_index": False}}},
    }
    assert layout_of(answer, "news") == AliasLayout(NEWEST, (MIDDLE, OLDEST))
    assert layout_of({OLDEST: {"aliases": {"news": {}}}}, "news") == AliasLayout(OLDEST)
    with pytest.raises(AliasMissing):
        layout_of({}, "news")


def test_actions_go_to_their_home_index_or_the_write_index_with_the_payload_rewritten() -> None:
    actions = [
        bulk_action(enriched("old", 2), index="news"),
        bulk_action(enriched("gone", 3, deleted=True), index="news"),
        bulk_action(enriched("new", 1), index="news"),
    ]
    routed = route(actions, {"old": OLDEST, "gone": MIDDLE}, NEWEST)
    assert [a.index for a in routed] == [OLDEST, MIDDLE, NEWEST]
    for action in routed:
        line = orjson.loads(action.payload.split(b"\n", 1)[0])
        assert line[action.op]["_index"] == action.index
        assert line[action.op]["_id"] == action.doc_id
    old_source = routed[0].payload.split(b"\n")[1]
    assert old_source == actions[0].payload.split(b"\n")[1]  # the document itself is unchanged
    assert route(routed[:1], {}, OLDEST)[0] is routed[0]


def test_rollover_conditions_come_from_the_indexer_settings() -> None:
    assert IndexerSettings().rollover_conditions() == {"max_primary_shard_size": "30gb"}
    settings = IndexerSettings(
        rollover_max_primary_shard_size="", rollover_max_docs=5, rollover_max_age="30d"
    )
    assert settings.rollover_conditions() == {"max_age": "30d", "max_docs": 5}
    assert IndexerSettings(rollover_max_primary_shard_size="").rollover_conditions() == {}
