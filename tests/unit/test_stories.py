"""Stories: the banding rule, the assignment, and the story id edited into a serialised action."""

from __future__ import annotations

import random

import orjson
import pytest
from pydantic import ValidationError

from newsflow.index.documents import bulk_action, story_bands
from newsflow.index.search import SearchQuery, build_query, parse_response
from newsflow.index.stories import Member, assign_stories
from tests.support.articles import enriched_article as make_article

ORIGINAL = "f0f0f0f0f0f0f0f0"


def flip(fingerprint: str, *bits: int) -> str:
    value = int(fingerprint, 16)
    for bit in bits:
        value ^= 1 << bit
    return f"{value:016x}"


def test_fingerprints_within_three_bits_always_share_a_band() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        a = f"{rng.getrandbits(64):016x}"
        b = flip(a, *rng.sample(range(64), rng.randint(0, 3)))
        assert set(story_bands(a)) & set(story_bands(b)), (a, b)
    assert story_bands("0" * 16) == [] and story_bands(None) == [] and story_bands("abc") == []


def test_a_copy_joins_the_closest_story_and_others_start_their_own() -> None:
    known = [Member("metro:1", "metro:1", ORIGINAL)]
    new = [
        ("courier:7", flip(ORIGINAL, 3, 40)),  # a wire copy, 2 bits apart
        ("ledger:9", flip(ORIGINAL, 1, 2, 17, 18, 33, 34, 50)),  # 7 bits (sharing band 3): another story
        ("times:2", flip(ORIGINAL, 3, 40, 60)),  # 1 bit from the copy, 3 from the original
        ("empty:1", "0" * 16),
    ]
    assert assign_stories(new, known) == {
        "courier:7": "metro:1",
        "ledger:9": "ledger:9",
        "times:2": "metro:1",
        "empty:1": "empty:1",
    }


def test_a_later_revision_keeps_its_story_and_ties_take_the_smallest_story_id() -> None:
    known = [Member("a:1", "story-b", ORIGINAL)]
    assert assign_stories([("a:1", flip(ORIGINAL, 1, 2, 3, 4, 5))], known) == {"a:1": "story-b"}
    # equally close (1 bit) to two stories: the smaller story id wins, whatever the order
    both = [Member("x:1", "s2", flip(ORIGINAL, 1)), Member("y:1", "s1", flip(ORIGINAL, 2))]
    assert assign_stories([("z:1", ORIGINAL)], both) == {"z:1": "s1"}
    assert assign_stories([("z:1", ORIGINAL)], list(reversed(both))) == {"z:1": "s1"}


def test_the_story_id_is_edited_into_the_serialised_document_only() -> None:
    article = make_article()
    assert article.enrichment is not None
    body = 'He typed "story_id":"reuters:abc-1" into the form.'
    article = article.model_copy(update={"article": article.article.model_copy(update={"body": body})})
    action = bulk_action(article, index="news-articles")
    assert action.fingerprint == article.enrichment.fingerprint
    moved = action.with_story("afp:zz-9")
    document = orjson.loads(moved.payload.split(b"\n")[1])
    assert document["story_id"] == "afp:zz-9" and document["body"] == body
    assert document["story_bands"] == story_bands(article.enrichment.fingerprint)
    assert action.with_story(action.doc_id) is action


def test_collapse_by_story_and_its_copies() -> None:
    body = build_query(SearchQuery(text="flood", collapse_stories=True))
    assert body["collapse"]["field"] == "story_id"
    assert body["collapse"]["inner_hits"]["name"] == "copies"
    with pytest.raises(ValidationError, match="collapse_stories pages with offset/size only"):
        SearchQuery(collapse_stories=True, offset=9_995, size=10)
    result = parse_response(
        {
            "hits": {
                "hits": [
                    {
                        "_id": "metro:1",
                        "_source": {"story_id": "metro:1"},
                        "inner_hits": {
                            "copies": {"hits": {"hits": [{"_id": "courier:7"}, {"_id": "metro:1"}]}}
                        },
                    }
                ]
            }
        }
    )
    assert result.hits[0].story_id == "metro:1" and result.hits[0].copies == ["courier:7"]
