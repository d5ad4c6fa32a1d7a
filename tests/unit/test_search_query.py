"""The search box syntax and the Elasticsearch bodies it becomes (pure)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from newsflow.index.query_syntax import Condition, ParsedQuery, QuerySyntaxError, Text, parse
from newsflow.index.search import (
    MAX_WINDOW,
    SearchQuery,
    build_query,
    deep_page_requests,
    is_deep,
    parse_response,
    parse_suggestions,
    suggest_body,
)


def test_words_phrases_or_and_exclusions() -> None:
    parsed = parse('flood "legal challenge" okafor OR whitmore -landlords -"rent law"')
    assert parsed == ParsedQuery(
        required=(
            (Text("flood"),),
            (Text("legal challenge", phrase=True),),
            (Text("okafor"), Text("whitmore")),
        ),
        excluded=(Text("landlords"), Text("rent law", phrase=True)),
    )
    assert parsed.words == ["flood"]


def test_field_prefixes_and_unknown_prefixes() -> None:
    parsed = parse('entity:"Keiko Whitmore" topic:politics source:Metro-Wire 10:30 -section:sport')
    assert parsed.required == (
        (Condition("entity", "Keiko Whitmore"),),
        (Condition("topic", "politics"),),
        (Condition("source", "Metro-Wire"),),
        (Text("10:30"),),
    )
    assert parsed.excluded == (Condition("section", "sport"),)


def test_lower_case_or_and_lone_punctuation_are_not_operators() -> None:
    assert parse("war or peace - now").words == ["war", "or", "peace", "now"]
    assert parse('"single"').words == ["single"]  # a one-word phrase is a word
    assert parse("  ") == ParsedQuery()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('okafor "rent law', "unclosed quote at character 8"),
        ("OR okafor", "OR needs a word"),
        ("okafor OR", "OR needs a word"),
        ("okafor OR -whitmore", "OR cannot join an exclusion"),
    ],
)
def test_bad_syntax_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        parse(text)
    with pytest.raises(ValidationError, match=message):
        SearchQuery(text=text)


def _bool(body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = body["query"]["bool"]
    return result


def test_words_are_matched_across_fields_all_required() -> None:
    clause = _bool(build_query(SearchQuery(text="vow heating")))["must"][0]["multi_match"]
    assert clause["type"] == "cross_fields" and clause["operator"] == "and"
    assert clause["query"] == "vow heating"
    assert {"title^3", "body", "entity_names.text", "by_language.de.body"} <= set(clause["fields"])


def test_exclusion_is_must_not_and_or_is_should() -> None:
    query = _bool(build_query(SearchQuery(text="okafor OR whitmore -landlords")))
    either = query["must"][0]["bool"]
    assert [c["multi_match"]["query"] for c in either["should"]] == ["okafor", "whitmore"]
    assert either["minimum_should_match"] == 1
    assert query["must_not"][0]["multi_match"]["query"] == "landlords"


def test_phrase_and_field_conditions() -> None:
    query = _bool(build_query(SearchQuery(text='"challenge legal" entity:"Keiko Whitmore" topic:Politics')))
    assert query["must"][0]["multi_match"] == {
        "query": "challenge legal",
        "type": "phrase",
        "fields": query["must"][0]["multi_match"]["fields"],
    }
    assert {"terms": {"entity_names.lower": ["Keiko Whitmore"]}} in query["filter"]
    topic = query["filter"][1]["bool"]["should"]
    assert topic == [{"terms": {"topic_labels": ["Politics"]}}, {"terms": {"topic_codes": ["Politics"]}}]


def test_facet_selections_are_post_filters_and_spare_their_own_facet() -> None:
    body = build_query(SearchQuery(sources=("metro-wire",), languages=("de",), facet_size=5))
    assert body["post_filter"]["bool"]["filter"] == [
        {"terms": {"source": ["metro-wire"]}},
        {"terms": {"language": ["de"]}},
    ]
    assert body["aggs"]["sources"]["filter"]["bool"]["filter"] == [{"terms": {"language": ["de"]}}]
    assert body["aggs"]["languages"]["filter"]["bool"]["filter"] == [{"terms": {"source": ["metro-wire"]}}]
    assert body["aggs"]["topics"]["filter"]["bool"]["filter"] == body["post_filter"]["bool"]["filter"]
    assert body["aggs"]["topics"]["aggs"]["values"]["terms"]["field"] == "topic_labels"


def test_every_sort_ends_in_the_unique_id_and_recency_is_a_should() -> None:
    for sort in ("relevance", "newest", "oldest"):
        body = build_query(SearchQuery(text="flood", sort=sort, recency_boost=2))  # type: ignore[arg-type]
        assert body["sort"][-1] == {"id": {"order": "asc"}}
        assert _bool(body)["should"][0]["distance_feature"]["field"] == "published_at"


def test_search_after_replaces_from() -> None:
    body = build_query(SearchQuery(text="flood", search_after=(1.5, "a:1")))
    assert body["search_after"] == [1.5, "a:1"] and "from" not in body


def _page(ids: list[str]) -> dict[str, Any]:
    return {"pit_id": "pit-2", "hits": {"hits": [{"_id": i, "sort": [i]} for i in ids]}}


def test_deep_paging_walks_with_search_after_in_a_point_in_time() -> None:
    q = SearchQuery(text="flood", offset=MAX_WINDOW + 5, size=3, sources=("a",))
    assert is_deep(q) and not is_deep(SearchQuery(offset=MAX_WINDOW - 10, size=10))
    steps = deep_page_requests(build_query(q), q.offset, "pit-1")
    first = next(steps)
    assert first["size"] == MAX_WINDOW and first["_source"] is False and "aggs" not in first
    assert first["pit"]["id"] == "pit-1" and "search_after" not in first
    assert first["query"]["bool"]["filter"] == [build_query(q)["post_filter"]]  # walks the filtered hits
    second = steps.send(_page([f"x{i}" for i in range(MAX_WINDOW)]))
    assert second["size"] == 5 and second["search_after"] == [f"x{MAX_WINDOW - 1}"]
    assert second["pit"]["id"] == "pit-2"
    final = steps.send(_page(["y0", "y1", "y2", "y3", "y4"]))
    assert final["search_after"] == ["y4"] and final["size"] == 3 and "aggs" in final and "from" not in final
    with pytest.raises(StopIteration):
        steps.send(_page(["z"]))


def test_parse_response_reads_disjunctive_facets_and_the_next_page_key() -> None:
    result = parse_response(
        {
            "hits": {"total": {"value": 2}, "hits": [{"_id": "a:1", "_source": {}, "sort": [3.0, "a:1"]}]},
            "aggregations": {
                "sources": {"doc_count": 9, "values": {"buckets": [{"key": "a", "doc_count": 9}]}},
                "languages": {"buckets": [{"key": "en", "doc_count": 2}]},
            },
        }
    )
    assert result.next_after == [3.0, "a:1"]
    assert result.facets["sources"][0].count == 9 and result.facets["languages"][0].value == "en"


def test_entity_autocomplete_body_and_answer() -> None:
    body = suggest_body("kei", "person", size=5)
    completion = body["suggest"]["entities"]["completion"]
    assert body["suggest"]["entities"]["prefix"] == "kei" and completion["skip_duplicates"] is True
    assert completion["contexts"] == {"type": ["person"]} and completion["size"] == 5
    assert "organization" in suggest_body("kei")["suggest"]["entities"]["completion"]["contexts"]["type"]
    answer = {"suggest": {"entities": [{"options": [{"text": "Keiko Whitmore"}, {"text": "Keir Lund"}]}]}}
    assert parse_suggestions(answer) == ["Keiko Whitmore", "Keir Lund"]
